//! Where real AWS is strict and moto is lenient (issue 12), against the emulator's strict front
//! (`tests/emulator/shim_fidelity.py`), through the real SDK clients and the `--once` binary:
//!
//! * the GetMetricData period rule for old data: a `:range` 20 days back shows that hour's
//!   figures (read in 5-minute points; at 1-minute points CloudWatch, and the front, return none);
//!   a range 40 days back says X-Ray keeps no traces that old;
//! * StatusCode `InternalError`: retried, and marked partial when it stays;
//! * log alarms (DescribeAlarms `LogAlarms`, only when `AlarmTypes` asks for them).

use crate::support;

use std::io::{Read, Write};

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Window;
use nightjar::sources::alarms::AlarmsPoller;
use nightjar::sources::cloudwatch::MetricsPoller;
use nightjar::store::alarms::AlarmState;
use nightjar::store::{Store, Update};
use serde_json::{Value, json};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const DAY: i64 = 86_400;

/// POST (or DELETE) `body` as JSON to a control endpoint of the emulator's front; the answer.
fn control(endpoint: &str, method: &str, path: &str, body: &Value) -> Value {
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let payload = body.to_string();
    let mut s = std::net::TcpStream::connect(hostport).expect("emulator reachable");
    // a stuck emulator fails the test instead of hanging it
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "{method} {path}: {head}\n{body}");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Seeds one model's hour starting at `hour` (on the hour): invocations 3, 5, 7 and 11 inside
/// the range read (the last one in the five minutes the range is widened by), latency 1..=100 ms,
/// and points outside it that must not count.
async fn seed_old_hour(cw: &aws_sdk_cloudwatch::Client, hour: i64) {
    let ns = "AWS/Bedrock";
    let dims = [("ModelId", MODEL)];
    let inv = [(hour + 180, 3.0), (hour + 1020, 5.0), (hour + 2520, 7.0), (hour + 3660, 11.0)];
    support::put_metric(cw, ns, "Invocations", &dims, &inv).await;
    // outside [hour, hour + 65 min): 10 minutes before, and 67 minutes after
    support::put_metric(cw, ns, "Invocations", &dims, &[(hour - 600, 100.0), (hour + 4020, 1000.0)]).await;
    support::put_metric(cw, ns, "InputTokenCount", &dims, &[(hour + 180, 1_000_000.0)]).await;
    support::put_metric(cw, ns, "OutputTokenCount", &dims, &[(hour + 180, 100_000.0)]).await;
    let lat: Vec<f64> = (1..=100).map(f64::from).collect();
    support::put_metric_values(cw, ns, "InvocationLatency", &dims, hour + 600, &lat).await;
}

fn model(store: &Store) -> nightjar::store::models::ModelRow {
    let rows = store.models();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    rows.into_iter().next().unwrap()
}

fn source<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["sources"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{report:#}"))
}

#[tokio::test]
async fn old_ranges_read_at_legal_periods_and_internal_errors_are_retried_or_partial() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("us-west-2");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let now = support::now_secs();
    let hour = (now - 20 * DAY) / 3600 * 3600;
    seed_old_hour(&cw, hour).await;
    // the front enforces the rule: at 1-minute points an old StartTime gets no datapoints
    let raw = cw
        .get_metric_data()
        .metric_data_queries(
            aws_sdk_cloudwatch::types::MetricDataQuery::builder()
                .id("m")
                .metric_stat(
                    aws_sdk_cloudwatch::types::MetricStat::builder()
                        .metric(
                            aws_sdk_cloudwatch::types::Metric::builder()
                                .namespace("AWS/Bedrock")
                                .metric_name("Invocations")
                                .dimensions(
                                    aws_sdk_cloudwatch::types::Dimension::builder()
                                        .name("ModelId")
                                        .value(MODEL)
                                        .build(),
                                )
                                .build(),
                        )
                        .period(60)
                        .stat("Sum")
                        .build(),
                )
                .build(),
        )
        .start_time(aws_sdk_cloudwatch::primitives::DateTime::from_secs(hour))
        .end_time(aws_sdk_cloudwatch::primitives::DateTime::from_secs(hour + 3600))
        .send()
        .await
        .unwrap();
    assert!(raw.metric_data_results()[0].values().is_empty(), "the strict front must refuse period 60: {raw:?}");

    // `:range HH:02 HH+1:02` twenty days back, as the console polls it
    let asked = Window { start: hour + 120, end: hour + 3720 };
    let mut poller = MetricsPoller::new(cw.clone(), region, vec![], None, Some(&endpoint));
    let u = poller.poll_window(asked, now).await.expect("poll");
    assert_eq!(u.period, 300);
    assert_eq!(u.window, Window { start: hour, end: hour + 3900 }, "widened to the 5-minute clock");
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Metrics(u));
    store.apply(Update::Health(poller.health.clone()));
    let m = model(&store);
    assert_eq!(m.invocations, Some(26.0), "that hour's figures: {m:#?}");
    assert_eq!(m.latency_p99, Some(99.0));
    assert_eq!(m.latency_p50, Some(50.0));
    assert_eq!(store.resolution.note().as_deref(), Some("5-min points (data 20 d old)"));
    assert!(poller.health.healthy());

    // one InternalError on the p99 queries: retried, and whole
    control(
        &endpoint,
        "POST",
        "/_nightjar/cloudwatch/internal-error",
        &json!({"region": region, "calls": 1, "metric": "InvocationLatency", "stat": "p99"}),
    );
    let calls = poller.health.calls;
    poller.reset();
    let u = poller.poll_window(asked, now).await.unwrap();
    assert!(poller.health.healthy(), "{:?}", poller.health.partial);
    assert!(poller.health.messages.iter().any(|m| m.contains("InternalError")), "{:?}", poller.health.messages);
    let p99 = u.window_values.iter().find(|(k, _)| k.stat == "p99").unwrap();
    assert_eq!(p99.1, Some(99.0));
    // discovery, the per-period call, its retry and the window call
    let discovery = 1 + nightjar::domain::catalog::PLATFORM_NAMESPACES.len() as u64;
    assert_eq!(poller.health.calls - calls, discovery + 3, "ListMetrics per namespace, GetMetricData ×3");

    // InternalError that stays: partial, and what is missing
    control(
        &endpoint,
        "POST",
        "/_nightjar/cloudwatch/internal-error",
        &json!({"region": region, "calls": 6, "metric": "InvocationLatency", "stat": "p99", "message": "shard unavailable"}),
    );
    poller.reset();
    let u = poller.poll_window(asked, now).await.unwrap();
    let label = format!("InvocationLatency{{ModelId={MODEL}}} p99");
    assert!(!poller.health.healthy());
    assert_eq!(poller.health.partial.as_ref().unwrap().missing, vec![label.clone(), format!("{label} (window)")]);
    assert!(poller.health.messages.contains(&format!("{label}: InternalError: shard unavailable")));
    assert_eq!(u.window_values.iter().find(|(k, _)| k.stat == "p99").unwrap().1, None);
    assert_eq!(u.window_values.iter().find(|(k, _)| k.stat == "p50").unwrap().1, Some(50.0));
    let left = control(&endpoint, "GET", "/_nightjar/cloudwatch/internal-error", &json!({}));
    assert_eq!(left[region], json!([]), "every queued InternalError was spent: {left}");

    // the same through `--once --range`, JSON
    let home = support::temp_home("fidelity-once");
    let once = |extra: &[&str]| {
        let (start, end) = (rfc3339(asked.start), rfc3339(asked.end));
        let mut args = vec!["--once", "--format", "json", "--region", region, "--endpoint-url", &endpoint];
        args.extend(["--range", &start, &end]);
        args.extend(extra);
        let out = support::nightjar(&args, &home);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        (serde_json::from_slice::<Value>(&out.stdout).unwrap(), stderr)
    };
    let (r, _) = once(&[]);
    assert_eq!(r["models"][0]["invocations"], json!(26.0), "{:#}", r["models"]);
    assert_eq!(r["models"][0]["latency_ms"]["p99"], json!(99.0));
    assert_eq!(r["resolution"]["period_secs"], json!(300));
    assert_eq!(r["resolution"]["window_period_secs"], json!(3900));
    assert_eq!(r["resolution"]["note"], json!("5-min points (data 20 d old)"));
    assert_eq!(r["window"]["start"], json!(rfc3339(hour)));
    assert_eq!(source(&r, "cloudwatch")["ok"], json!(true));
    assert_eq!(r["traces_note"], Value::Null, "20 days is inside X-Ray's 30");
    control(
        &endpoint,
        "POST",
        "/_nightjar/cloudwatch/internal-error",
        &json!({"region": region, "calls": 6, "metric": "InvocationLatency", "stat": "p99"}),
    );
    let (r, stderr) = once(&[]);
    let cw_src = source(&r, "cloudwatch");
    assert_eq!(cw_src["ok"], json!(false), "a poll with holes is never ok: {cw_src:#}");
    assert_eq!(cw_src["partial"], json!(true));
    assert_eq!(cw_src["missing"], json!([label.clone(), format!("{label} (window)")]));
    assert!(cw_src["messages"].as_array().unwrap().iter().any(|m| m.as_str().unwrap().contains("InternalError")));
    assert_eq!(r["models"][0]["latency_ms"]["p99"], Value::Null, "unknown, not a stale or made-up figure");
    assert_eq!(r["models"][0]["invocations"], json!(26.0), "what did come back is there");
    assert!(stderr.contains("partial, 2 missing"), "{stderr}");

    // 40 days back: 5-minute points still, and X-Ray has nothing that old (and is not asked)
    let hour40 = (now - 40 * DAY) / 3600 * 3600;
    seed_old_hour(&cw, hour40).await;
    let (start, end) = (rfc3339(hour40), rfc3339(hour40 + 3600));
    let out = support::nightjar(
        &["--once", "--format", "json", "--region", region, "--endpoint-url", &endpoint, "--range", &start, &end],
        &home,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["models"][0]["invocations"], json!(15.0), "3 + 5 + 7 inside the hour: {:#}", r["models"]);
    assert_eq!(r["resolution"]["note"], json!("5-min points (data 40 d old)"));
    let note = r["traces_note"].as_str().unwrap_or_else(|| panic!("a traces note: {r:#}"));
    assert!(note.starts_with("X-Ray keeps traces 30 days"), "{note}");
    assert_eq!(source(&r, "xray")["calls"], json!(0), "nothing older than 30 days is asked for");
}

#[tokio::test]
async fn log_alarms_are_read_and_shown_like_the_rest() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("eu-west-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let metric_alarm = support::unique_name("p99-latency");
    cw.put_metric_alarm()
        .alarm_name(&metric_alarm)
        .namespace("AWS/Bedrock")
        .metric_name("InvocationLatency")
        .extended_statistic("p99")
        .dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name("ModelId").value(MODEL).build())
        .period(300)
        .evaluation_periods(1)
        .threshold(5000.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    let log_alarm = support::unique_name("throttled-invocations");
    let since = support::now_secs() - 420;
    control(
        &endpoint,
        "POST",
        "/_nightjar/cloudwatch/log-alarms",
        &json!({"region": region, "alarms": [{
            "AlarmName": log_alarm,
            "AlarmDescription": "ThrottlingException lines in the invocation log",
            "StateValue": "ALARM",
            "StateReason": "2 of the last 3 query results were greater than 10",
            "StateTransitionedTimestamp": since,
            "ScheduledQueryConfiguration": {
                "QueryString": "filter errorCode = \"ThrottlingException\" | stats count(*) as throttled",
                "LogGroupIdentifiers": ["/aws/bedrock/modelinvocations"],
                "AggregationExpression": "throttled",
                "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)"}
            },
            "QueryResultsToEvaluate": 3,
            "QueryResultsToAlarm": 2,
            "Threshold": 10,
            "ComparisonOperator": "GreaterThanThreshold"
        }]}),
    );
    // AWS returns log alarms only to whoever asks for them
    let plain = cw.describe_alarms().send().await.unwrap();
    assert!(plain.log_alarms().is_empty(), "without AlarmTypes only metric alarms: {plain:?}");

    let mut poller = AlarmsPoller::new(cw.clone(), region, None, Some(&endpoint));
    let u = poller.poll(support::now_secs()).await.expect("DescribeAlarms");
    let names: Vec<&str> = u.alarms.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec![log_alarm.as_str(), metric_alarm.as_str()], "firing first");
    let a = &u.alarms[0];
    assert_eq!((a.state, a.since, a.kind()), (AlarmState::Alarm, Some(since), "log"));
    assert_eq!(
        a.condition(),
        "logs /aws/bedrock/modelinvocations: throttled > 10 (2 of 3 results, rate(5 minutes)) · \
         filter errorCode = \"ThrottlingException\" | stats count(*) as throttled"
    );

    let home = support::temp_home("fidelity-alarms");
    let (r, _) = support::once_json(&home, region, &endpoint);
    let alarms = r["alarms"].as_array().unwrap();
    let la = alarms.iter().find(|x| x["name"] == json!(log_alarm)).unwrap_or_else(|| panic!("{alarms:#?}"));
    assert_eq!(la["type"], json!("log"));
    assert_eq!(la["state"], json!("ALARM"));
    assert_eq!(la["since"], json!(rfc3339(since)));
    assert!(la["condition"].as_str().unwrap().starts_with("logs /aws/bedrock/modelinvocations: throttled > 10"));
    let ma = alarms.iter().find(|x| x["name"] == json!(metric_alarm)).unwrap();
    assert_eq!(ma["type"], json!("metric"));
}
