//! Proves the emulator harness end to end through the real SDK clients: CloudWatch (rpcv2Cbor via
//! the shim, including percentiles), STS, CloudWatch Logs Insights and X-Ray. Run with
//! `scripts/test.sh --test emulator_smoke`; skipped when no emulator is running.

use crate::support;

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{Dimension, DimensionFilter, Metric, MetricDataQuery, MetricStat};
use aws_sdk_cloudwatchlogs::types::{InputLogEvent, QueryStatus};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::display::DisplayErrorContext;

fn ctx(e: impl std::error::Error) -> String {
    DisplayErrorContext(e).to_string()
}

#[tokio::test]
async fn cloudwatch_stats_and_list() {
    let Some(endpoint) = support::endpoint() else {
        return;
    };
    let region = support::claim_region("ca-west-1");
    let cw = aws_sdk_cloudwatch::Client::new(&support::sdk_config(&endpoint, region).await);

    let (namespace, metric) = ("AWS/Bedrock", "InvocationLatency");
    let model = support::unique_name("x");
    let dims = [("ModelId", model.as_str())];
    let minute = support::minute_start(5);
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    support::put_metric_values(&cw, namespace, metric, &dims, minute + 17, &values).await;

    let stats = [
        ("avg", "Average", 50.5),
        ("sum", "Sum", 5050.0),
        ("cnt", "SampleCount", 100.0),
        ("p50", "p50", 50.0),
        ("p90", "p90", 90.0),
        ("p99", "p99", 99.0),
    ];
    let the_metric = Metric::builder()
        .namespace(namespace)
        .metric_name(metric)
        .dimensions(Dimension::builder().name("ModelId").value(&model).build())
        .build();
    let mut req =
        cw.get_metric_data().start_time(DateTime::from_secs(minute)).end_time(DateTime::from_secs(minute + 60));
    for (id, stat, _) in stats {
        req = req.metric_data_queries(
            MetricDataQuery::builder()
                .id(id)
                .metric_stat(MetricStat::builder().metric(the_metric.clone()).period(60).stat(stat).build())
                .build(),
        );
    }
    let out = req.send().await.unwrap_or_else(|e| panic!("GetMetricData: {}", ctx(e)));
    let got: BTreeMap<&str, (&[DateTime], &[f64])> =
        out.metric_data_results().iter().map(|r| (r.id().unwrap_or_default(), (r.timestamps(), r.values()))).collect();
    for (id, stat, want) in stats {
        let (ts, vals) = got.get(id).unwrap_or_else(|| panic!("no result for {stat}: {got:?}"));
        assert_eq!(*vals, &[want][..], "{stat}");
        assert_eq!(*ts, &[DateTime::from_secs(minute)][..], "{stat} bucket");
    }

    let listed = cw
        .list_metrics()
        .namespace(namespace)
        .metric_name(metric)
        .dimensions(DimensionFilter::builder().name("ModelId").value(&model).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListMetrics: {}", ctx(e)));
    let found = listed.metrics().iter().any(|m| {
        m.namespace() == Some(namespace)
            && m.metric_name() == Some(metric)
            && m.dimensions().iter().any(|d| d.value() == Some(model.as_str()))
    });
    assert!(found, "ListMetrics misses {model}: {listed:?}");
}

#[tokio::test]
async fn sts_caller_identity() {
    let Some(endpoint) = support::endpoint() else {
        return;
    };
    let region = support::claim_region("il-central-1");
    let sts = aws_sdk_sts::Client::new(&support::sdk_config(&endpoint, region).await);
    let me = sts.get_caller_identity().send().await.unwrap_or_else(|e| panic!("GetCallerIdentity: {}", ctx(e)));
    assert_eq!(me.account(), Some(support::ACCOUNT_ID));
}

/// A claimed account is apart from the default one in the same region: its caller identity is
/// its own, and a metric put there is listed there only.
#[tokio::test]
async fn claimed_accounts_are_apart() {
    let Some(endpoint) = support::endpoint() else {
        return;
    };
    let account = support::claim_account(&endpoint, "210000000001").await;
    let conf = support::sdk_config_as(&endpoint, "us-east-1", &account).await;
    let me =
        aws_sdk_sts::Client::new(&conf).get_caller_identity().send().await.unwrap_or_else(|e| panic!("{}", ctx(e)));
    assert_eq!(me.account(), Some("210000000001"));
    let name = support::unique_name("ApartMetric");
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    support::put_metric(&cw, "Nightjar/Apart", &name, &[], &[(support::minute_start(1), 1.0)]).await;
    let listed = |cw: aws_sdk_cloudwatch::Client| {
        let name = name.clone();
        async move {
            let out = cw.list_metrics().namespace("Nightjar/Apart").metric_name(&name).send().await;
            out.unwrap_or_else(|e| panic!("ListMetrics: {}", ctx(e))).metrics().len()
        }
    };
    assert_eq!(listed(cw).await, 1);
    // the default account's us-east-1 (another test's region, only read here) does not see it
    let default = aws_sdk_cloudwatch::Client::new(&support::sdk_config(&endpoint, "us-east-1").await);
    assert_eq!(listed(default).await, 0);
    // and the binary acting as the account reads its identity
    let home = support::temp_home("apart");
    let out = support::nightjar_as(
        &["--once", "--format", "json", "--region", "us-east-1", "--endpoint-url", &endpoint],
        &home,
        &account,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["account"], "210000000001", "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn logs_insights_fields_sort_limit() {
    let Some(endpoint) = support::endpoint() else {
        return;
    };
    let region = support::claim_region("me-central-1");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&support::sdk_config(&endpoint, region).await);

    let group = support::unique_name("/nightjar/smoke");
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateLogGroup: {}", ctx(e)));
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("s")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateLogStream: {}", ctx(e)));
    let now_ms = support::now_secs() * 1000;
    let messages = ["first event", "second event", "third event"];
    let mut put = logs.put_log_events().log_group_name(&group).log_stream_name("s");
    for (i, m) in messages.iter().enumerate() {
        let ts = now_ms - 3000 + 1000 * i as i64;
        put = put.log_events(InputLogEvent::builder().timestamp(ts).message(*m).build().unwrap());
    }
    put.send().await.unwrap_or_else(|e| panic!("PutLogEvents: {}", ctx(e)));

    let now = support::now_secs();
    let query_id = logs
        .start_query()
        .log_group_name(&group)
        .start_time(now - 600)
        .end_time(now + 60)
        .query_string("fields @timestamp, @message | sort @timestamp desc | limit 20")
        .send()
        .await
        .unwrap_or_else(|e| panic!("StartQuery: {}", ctx(e)))
        .query_id()
        .expect("query id")
        .to_owned();

    let mut results = None;
    for _ in 0..100 {
        let out = logs
            .get_query_results()
            .query_id(&query_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetQueryResults: {}", ctx(e)));
        match out.status() {
            Some(QueryStatus::Complete) => {
                results = Some(out);
                break;
            }
            Some(QueryStatus::Scheduled | QueryStatus::Running) | None => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Some(other) => panic!("query ended {other:?}"),
        }
    }
    let results = results.expect("query did not complete within 10 s");
    let got: Vec<&str> = results
        .results()
        .iter()
        .map(|row| {
            row.iter().find(|f| f.field() == Some("@message")).and_then(|f| f.value()).expect("@message in every row")
        })
        .collect();
    assert_eq!(got, ["third event", "second event", "first event"]);

    // Emulator quirk the product must survive: moto has no StopQuery (HTTP 500 InternalFailure).
    let stop = logs.stop_query().query_id(&query_id).send().await;
    assert!(stop.is_err(), "moto 5.2.5 answers StopQuery with an error: {stop:?}");
}

#[tokio::test]
async fn xray_put_summaries_batch_get() {
    let Some(endpoint) = support::endpoint() else {
        return;
    };
    let region = support::claim_region("mx-central-1");
    let xray = aws_sdk_xray::Client::new(&support::sdk_config(&endpoint, region).await);

    let now = support::now_secs();
    let token = support::unique_name("t");
    let hex = |len: usize, salt: &str| -> String {
        // deterministic hex from the unique token, so ids differ per run and per test
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut out = String::new();
        while out.len() < len {
            for b in token.bytes().chain(salt.bytes()).chain([out.len() as u8]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            out.push_str(&format!("{h:016x}"));
        }
        out.truncate(len);
        out
    };
    let trace_id = format!("1-{:08x}-{}", now - 10, hex(24, "trace"));
    let (root_id, sub_id) = (hex(16, "root"), hex(16, "sub"));
    let start = (now - 10) as f64 + 0.25;
    let document = serde_json::json!({
        "name": "rag-api",
        "id": root_id,
        "trace_id": trace_id,
        "start_time": start,
        "end_time": start + 2.5,
        "annotations": { "model_id": "anthropic.claude-3-haiku" },
        "subsegments": [{
            "name": "llm_generation",
            "id": sub_id,
            "start_time": start + 0.5,
            "end_time": start + 2.0,
            "namespace": "aws",
        }],
    })
    .to_string();

    let put = xray
        .put_trace_segments()
        .trace_segment_documents(&document)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutTraceSegments: {}", ctx(e)));
    assert!(put.unprocessed_trace_segments().is_empty(), "unprocessed: {put:?}");

    let summaries = xray
        .get_trace_summaries()
        .start_time(DateTime::from_secs(now - 60))
        .end_time(DateTime::from_secs(now + 60))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetTraceSummaries: {}", ctx(e)));
    assert!(
        summaries.trace_summaries().iter().any(|s| s.id() == Some(trace_id.as_str())),
        "trace {trace_id} not in summaries: {summaries:?}"
    );

    let traces = xray
        .batch_get_traces()
        .trace_ids(&trace_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("BatchGetTraces: {}", ctx(e)));
    let [trace] = traces.traces() else {
        panic!("expected one trace: {traces:?}");
    };
    assert_eq!(trace.id(), Some(trace_id.as_str()));
    let docs: Vec<serde_json::Value> = trace
        .segments()
        .iter()
        .map(|s| serde_json::from_str(s.document().expect("segment document")).expect("JSON"))
        .collect();
    let want: serde_json::Value = serde_json::from_str(&document).unwrap();
    assert_eq!(docs, [want]);
    assert_eq!(docs[0]["subsegments"][0]["name"], "llm_generation");
}
