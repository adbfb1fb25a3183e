//! The Logs Insights source against the AWS emulator (moto), through the real SDK client and
//! through `nightjar --once --query`: create log groups, put Bedrock invocation records, app
//! lines and `aws/spans` records, run every preset end to end and read the rows back.
//!
//! The emulator runs Logs Insights queries for real (tests/emulator/insights.py: filter, stats,
//! parse, bin, JSON fields, statistics), synchronously (Complete at the first poll); moto answers
//! StopQuery and GetLogRecord with HTTP 500. Statuses, LimitExceeded and throttling are covered
//! with aws-smithy-mocks in `src/sources/logs.rs`; every preset's figures are checked against
//! independently computed ones in `tests/emulator_insights.rs`.

use crate::support;

use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use nightjar::domain::insights::{GroupClass, InsightsSettings, Presets, QueryStatus, trace_logs_query};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::{Since, Window};
use nightjar::sources::logs::{CwlBackend, InsightsBackend, LogsRequest, LogsRunner, run_to_end, spawn};
use nightjar::sources::{Command as SourceCommand, Sources};
use nightjar::store::logs::{GroupSource, LogsUpdate, QueryRun, QuerySpec};
use nightjar::store::traces::TracesUpdate;
use nightjar::store::{ErrorKind, SourceHealth, Update};
use serde_json::{Value, json};

const TRACE: &str = "1-6740a1b2-0123456789abcdef01234567";
const TRACE_W3C: &str = "6740a1b20123456789abcdef01234567";

/// Create `group` (it may exist from an earlier run) and put `lines` at the given epoch ms.
async fn put(logs: &Client, group: &str, lines: &[(i64, String)]) {
    match logs.create_log_group().log_group_name(group).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_already_exists_exception()) => {}
        Err(e) => panic!("CreateLogGroup {group}: {}", aws_smithy_types::error::display::DisplayErrorContext(e)),
    }
    let stream = support::unique_name("s");
    logs.create_log_stream().log_group_name(group).log_stream_name(&stream).send().await.expect("CreateLogStream");
    let mut sorted = lines.to_vec();
    sorted.sort_by_key(|(t, _)| *t);
    let events: Vec<InputLogEvent> =
        sorted.iter().map(|(t, m)| InputLogEvent::builder().timestamp(*t).message(m).build().unwrap()).collect();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(&stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");
}

fn invocation(i: usize, arn: &str, model: &str, error: Option<&str>) -> String {
    let mut v = json!({
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "accountId": support::ACCOUNT_ID,
        "identity": {"arn": arn},
        "region": "ap-south-1",
        "requestId": format!("req-{i}"),
        "operation": "Converse",
        "modelId": model,
        "requestMetadata": {"use_case": "agent"},
        "input": {"inputBodyJson": {"messages": [{"role": "user", "content": [{"text": format!("prompt {i}")}]}]},
                  "inputTokenCount": 1000 * (i + 1), "cacheReadInputTokenCount": 0},
    });
    match error {
        Some(code) => v["errorCode"] = json!(code),
        None => {
            v["output"] =
                json!({"outputBodyJson": {"metrics": {"latencyMs": 900 + i}}, "outputTokenCount": 100 * (i + 1)})
        }
    }
    v.to_string()
}

/// Five invocation records (two failed) at now-5m..now-1m, newest last.
fn invocation_lines(now_ms: i64) -> Vec<(i64, String)> {
    let loop_arn = "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a";
    let rag = "arn:aws:sts::123456789012:assumed-role/rag-api-prod/rag-api";
    let opus = "us.anthropic.claude-opus-4-5-20251101-v1:0";
    let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    vec![
        (now_ms - 300_000, invocation(0, loop_arn, opus, None)),
        (now_ms - 240_000, invocation(1, rag, sonnet, Some("ThrottlingException"))),
        (now_ms - 180_000, invocation(2, loop_arn, opus, None)),
        (now_ms - 120_000, invocation(3, rag, sonnet, Some("ValidationException"))),
        (now_ms - 60_000, invocation(4, loop_arn, opus, None)),
    ]
}

fn app_lines(now_ms: i64) -> Vec<(i64, String)> {
    vec![
        (now_ms - 200_000, format!(r#"{{"level":"INFO","message":"POST /query","trace_id":"{TRACE}"}}"#)),
        (
            now_ms - 199_000,
            format!(r#"{{"level":"ERROR","message":"vector search failed: 503","trace_id":"{TRACE}"}}"#),
        ),
        (now_ms - 100_000, r#"{"level":"ERROR","message":"bedrock converse failed: ThrottlingException"}"#.to_string()),
    ]
}

fn span_lines(now_ms: i64) -> Vec<(i64, String)> {
    let t0 = (now_ms - 200_000) * 1_000_000;
    let span = |id: &str, parent: Option<&str>, name: &str, trace: &str, start: i64, dur: i64| {
        let mut v = json!({"traceId": trace, "spanId": id, "name": name, "kind": "INTERNAL",
            "startTimeUnixNano": (t0 + start).to_string(), "durationNano": dur,
            "attributes": {"gen_ai.request.model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                           "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300}});
        if let Some(p) = parent {
            v["parentSpanId"] = json!(p);
        }
        v.to_string()
    };
    vec![
        (now_ms - 200_000, span("aaaaaaaaaaaaaaa1", None, "POST /query", TRACE_W3C, 0, 2_000_000_000)),
        (
            now_ms - 199_900,
            span("aaaaaaaaaaaaaaa2", Some("aaaaaaaaaaaaaaa1"), "vector_search", TRACE_W3C, 100_000_000, 90_000_000),
        ),
        (
            now_ms - 199_500,
            span("aaaaaaaaaaaaaaa3", Some("aaaaaaaaaaaaaaa1"), "chat sonnet", TRACE_W3C, 300_000_000, 1_500_000_000),
        ),
        (now_ms - 150_000, span("bbbbbbbbbbbbbbb1", None, "other trace", "ffffffffffffffffffffffffffffffff", 0, 1_000)),
    ]
}

fn runner(
    conf: &aws_config::SdkConfig,
    region: &str,
    endpoint: &str,
    settings: InsightsSettings,
) -> LogsRunner<CwlBackend> {
    let backend =
        CwlBackend::new(Client::new(conf), Some(aws_sdk_xray::Client::new(conf)), region, None, Some(endpoint));
    LogsRunner::new(backend, settings, PriceTable::default(), SourceHealth::new("logs", Some(region)))
}

fn window() -> (Window, Since) {
    let since = Since::from_secs(3600);
    (since.window_ending(support::now_secs()), since)
}

fn column<'a>(run: &'a QueryRun, name: &str) -> Vec<&'a str> {
    let c = run.table.column(name).unwrap_or_else(|| panic!("no column {name} in {:?}", run.table.columns));
    run.table.rows.iter().map(|r| r[c].as_str()).collect()
}

#[tokio::test]
async fn every_preset_runs_end_to_end_through_the_real_client() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-south-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let logs = Client::new(&conf);
    let now_ms = support::now_secs() * 1000;
    let inv = support::unique_name("/aws/bedrock/modelinvocations");
    let app = support::unique_name("/ecs/rag-api");
    let spans = support::unique_name("spans");
    let inv_lines = invocation_lines(now_ms);
    put(&logs, &inv, &inv_lines).await;
    put(&logs, &app, &app_lines(now_ms)).await;
    put(&logs, &spans, &span_lines(now_ms)).await;

    // discovery: the invocation group by DescribeLogGroups prefix, the span group by name
    let settings = InsightsSettings {
        discovery_prefixes: vec![inv.clone()],
        app_groups: vec![app.clone()],
        spans_group: spans.clone(),
        ..Default::default()
    };
    let mut r = runner(&conf, region, &endpoint, settings);
    r.init().await;
    let updates = r.drain();
    let g = r.groups().clone();
    assert_eq!(g.invocation, vec![inv.clone()]);
    assert_eq!(g.invocation_source, GroupSource::Discovered);
    assert_eq!(g.app, vec![app.clone()]);
    assert_eq!(g.spans.as_deref(), Some(spans.as_str()));
    assert!(g.available.contains(&inv) && g.available.contains(&app), "{:?}", g.available.len());
    assert!(g.error.is_none(), "{:?}", g.error);
    // the emulator (tests/emulator/shim_xray.py) answers GetTraceSegmentDestination as AWS does
    // for an account without Transaction Search: spans go to X-Ray
    let ts = updates.iter().find_map(|u| match u {
        Update::Logs(LogsUpdate::TransactionSearch(t)) => Some(t.clone()),
        _ => None,
    });
    let ts = ts.expect("GetTraceSegmentDestination was asked");
    assert!(!ts.spans_in_logs());
    assert_eq!(ts.label(), "Transaction Search off (X-Ray)");

    let (w, since) = window();
    let newest_first: Vec<&str> = inv_lines.iter().rev().map(|(_, m)| m.as_str()).collect();
    for p in Presets::default().iter() {
        let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec![], w).relative(since);
        let run = run_to_end(&mut r, spec, Duration::from_secs(60)).await;
        assert_eq!(run.status, QueryStatus::Complete, "{}: {:?}", p.name, run.error);
        assert!(run.aws_id.is_some(), "{}", p.name);
        // the emulator's Logs Insights sends statistics: the cost is bytes scanned × the price
        let st = run.stats.unwrap_or_else(|| panic!("{}: no statistics", p.name));
        assert!(st.bytes_scanned > 0.0, "{}: {st:?}", p.name);
        let cost = nightjar::domain::insights::query_cost_usd(st.bytes_scanned, 0.005);
        assert!((run.cost_usd.unwrap() - cost).abs() < 1e-15, "{}", p.name);
        assert_eq!(run.truncated, None, "{}", p.name);
        let stats = run.spec.query.contains("stats ");
        assert_eq!(run.table.ptrs.iter().all(Option::is_some), !stats || run.table.rows.is_empty(), "{}", p.name);
        match p.name.as_str() {
            "recent-errors" => {
                // `filter ispresent(errorCode)`: the two failed calls, newest first
                assert_eq!(
                    run.table.columns,
                    vec!["@timestamp", "modelId", "errorCode", "identity.arn", "requestId", "@message"]
                );
                assert_eq!(column(&run, "@message"), vec![newest_first[1], newest_first[3]]);
                assert_eq!(column(&run, "errorCode"), vec!["ValidationException", "ThrottlingException"]);
                let ts = column(&run, "@timestamp");
                let at = chrono::DateTime::from_timestamp_millis(now_ms - 120_000).unwrap();
                assert_eq!(ts[0], at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(), "AWS's timestamp format");
                assert_eq!((st.records_scanned, st.records_matched), (5.0, 2.0));
                assert_eq!(run.spec.groups, vec![inv.clone()]);
            }
            "app-errors" => {
                assert_eq!(run.table.columns, vec!["@timestamp", "@log", "@message"]);
                assert_eq!(run.table.rows.len(), 2, "the INFO line does not match");
                let log = format!("{}:{app}", support::ACCOUNT_ID);
                assert!(column(&run, "@log").iter().all(|l| *l == log), "@log is account:group");
                assert_eq!(run.spec.groups, vec![app.clone()]);
            }
            "genai-spans" => {
                assert_eq!(
                    run.table.columns,
                    vec!["@timestamp", "traceId", "spanId", "name", "modelId", "cost_usd", "inTok", "outTok", "ms"]
                );
                assert_eq!(run.table.rows.len(), 4);
                assert_eq!(column(&run, "ms"), vec!["0.001", "1500", "90", "2000"], "durationNano / 1e6, newest first");
                assert_eq!(run.spec.groups, vec![spans.clone()]);
            }
            // no span carries a session id
            "runaway-sessions" => {
                assert!(run.table.rows.is_empty(), "{:?}", run.table.rows);
                assert_eq!(run.spec.groups, vec![spans.clone()]);
            }
            "tokens-by-caller" => {
                assert_eq!(column(&run, "identity.arn").len(), 2);
                // the agent loop: 1000 + 3000 + 5000 in, 100 + 300 + 500 out, 3 calls
                assert_eq!(run.table.rows[0][run.table.column("inTok").unwrap()], "9000");
                assert_eq!(run.table.rows[0][run.table.column("outTok").unwrap()], "900");
                assert_eq!(run.table.rows[0][run.table.column("calls").unwrap()], "3");
            }
            "errors-by-model" => assert_eq!(column(&run, "errors"), vec!["1", "1"]),
            "latency-by-model" => {
                assert_eq!(column(&run, "calls"), vec!["3"]);
                assert_eq!(column(&run, "avgMs"), vec!["902"]);
            }
            "tokens-by-use-case" => assert_eq!(column(&run, "requestMetadata.use_case"), vec!["agent", "agent"]),
            "runaway-callers" => assert_eq!(run.table.rows.len(), 5, "one row per record's minute"),
            other => panic!("a preset this test does not know: {other}"),
        }
        assert_eq!(
            run.spec.class == GroupClass::Invocation,
            !matches!(p.name.as_str(), "app-errors" | "genai-spans" | "runaway-sessions")
        );
    }

    // trace → logs over the app group and the span group
    let q = trace_logs_query(TRACE).unwrap();
    let spec = QuerySpec::new("trace", &q, GroupClass::App, vec![app.clone(), spans.clone()], w);
    let run = run_to_end(&mut r, spec, Duration::from_secs(60)).await;
    assert_eq!(run.status, QueryStatus::Complete);
    let msgs = column(&run, "@message");
    assert_eq!(msgs.len(), 5, "the trace's two app lines and three spans");
    assert!(msgs.iter().all(|m| m.contains(TRACE) || m.contains(TRACE_W3C)), "{msgs:?}");

    // Transaction Search: one trace's spans from the span group, as a span tree
    r.command(SourceCommand::Logs(LogsRequest::FetchSpans { trace_id: TRACE.into(), window: w })).await;
    let mut trace = None;
    for _ in 0..100 {
        r.pump(tokio::time::Instant::now() + Duration::from_secs(60)).await;
        for u in r.drain() {
            if let Update::Traces(TracesUpdate::Fetched { traces, .. }) = u {
                trace = traces.into_iter().next();
            }
        }
        if trace.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let trace = trace.expect("the spans became a trace");
    assert_eq!(trace.id, TRACE);
    assert_eq!(trace.spans.len(), 3, "the other trace's span is left out");
    assert_eq!(trace.roots.len(), 1);
    assert_eq!(trace.span(trace.roots[0]).name, "POST /query");
    assert!(r.health.calls >= 20 && !r.health.is_stale(), "{:?}", r.health);
}

#[tokio::test]
async fn missing_groups_stop_query_and_records_fail_visibly() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-south-2");
    let conf = support::sdk_config(&endpoint, region).await;
    let logs = Client::new(&conf);
    let now_ms = support::now_secs() * 1000;
    let inv = support::unique_name("/aws/bedrock/modelinvocations");
    put(&logs, &inv, &invocation_lines(now_ms)).await;
    let mut r = runner(
        &conf,
        region,
        &endpoint,
        InsightsSettings { invocation_groups: vec![inv.clone()], ..Default::default() },
    );
    let (w, _) = window();

    // a group that does not exist: Failed, with AWS's error code
    let missing = support::unique_name("/nightjar/missing");
    let spec = QuerySpec::new("query", "fields @message", GroupClass::Invocation, vec![missing], w);
    let run = run_to_end(&mut r, spec, Duration::from_secs(30)).await;
    assert_eq!(run.status, QueryStatus::Failed);
    let e = run.error.expect("an error");
    assert_eq!(e.code.as_deref(), Some("ResourceNotFoundException"), "{e:?}");
    assert!(r.health.is_stale());

    // cancel a started query: StopQuery is sent; moto answers 500, which is noted, and the
    // query is still marked cancelled
    let spec = QuerySpec::new("query", "fields @timestamp, @message", GroupClass::Invocation, vec![inv.clone()], w);
    let id = spec.id;
    r.submit(spec);
    r.pump(tokio::time::Instant::now()).await; // starts it; the first poll is not due yet
    let started = r.running_ids();
    assert_eq!(started.len(), 1);
    r.cancel(id, "cancelled").await;
    let last = r
        .drain()
        .into_iter()
        .filter_map(|u| match u {
            Update::Logs(LogsUpdate::Query(q)) if q.id() == id => Some(*q),
            _ => None,
        })
        .next_back()
        .unwrap();
    assert_eq!(last.status, QueryStatus::Cancelled);
    let note = last.note.unwrap();
    assert!(note.starts_with("cancelled; StopQuery failed:"), "{note}");
    assert!(r.running_ids().is_empty());

    // the backend alone: GetLogRecord and GetQueryResults for an unknown id fail (moto: 500,
    // an error without a code), as errors, not panics
    let mut b = CwlBackend::new(Client::new(&conf), None, region, None, Some(&endpoint));
    let rec = b.get_record("0").await;
    assert!(rec.is_err(), "{rec:?}");
    let unknown = b.get_results("00000000-0000-0000-0000-000000000000").await.unwrap_err();
    assert_eq!(unknown.code, None, "{unknown:?}");
    // StopQuery: moto's 500 NotImplemented (an HTML page) reaches us as an error without a code
    let stop = b.stop_query(&started[0]).await.unwrap_err();
    assert_eq!(stop.code, None, "{stop:?}");
    assert_ne!(stop.kind, ErrorKind::AccessDenied, "{stop:?}");
}

#[tokio::test]
async fn the_runner_task_discovers_groups_and_stops_on_exit() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-northeast-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let logs = Client::new(&conf);
    let now_ms = support::now_secs() * 1000;
    let inv = support::unique_name("/aws/bedrock/modelinvocations");
    put(&logs, &inv, &invocation_lines(now_ms)).await;
    let r = runner(
        &conf,
        region,
        &endpoint,
        InsightsSettings { invocation_groups: vec![inv.clone()], ..Default::default() },
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = spawn(r, tx);
    let mut sources = Sources::default();
    sources.push_finishing(task.commands.clone(), task.done.clone());
    let next_query = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Update>| {
        let mut out = Vec::new();
        while let Ok(u) = rx.try_recv() {
            if let Update::Logs(LogsUpdate::Query(q)) = u {
                out.push(*q);
            }
        }
        out
    };

    // the groups configured, then a preset run through the task to its end
    let (w, since) = window();
    let p = Presets::default().get("recent-errors").unwrap().clone();
    let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec![], w).relative(since);
    let id = spec.id;
    sources.send(SourceCommand::Logs(LogsRequest::Run { spec, replaces: None }));
    let mut done = None;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Some(q) = next_query(&mut rx).into_iter().rfind(|q| q.id() == id)
            && q.status.is_terminal()
        {
            done = Some(q);
            break;
        }
    }
    let done = done.expect("the query completed");
    assert_eq!(done.status, QueryStatus::Complete);
    assert_eq!(done.table.rows.len(), 2, "the two failed calls");
    assert_eq!(done.spec.groups, vec![inv.clone()]);

    // a query still running when the console exits is stopped (moto refuses StopQuery: noted)
    let spec = QuerySpec::new("query", "fields @message", GroupClass::Invocation, vec![], w);
    let id = spec.id;
    sources.send(SourceCommand::Logs(LogsRequest::Run { spec, replaces: None }));
    assert!(sources.shutdown(Duration::from_secs(10)).await, "the task finished");
    assert!(*task.done.borrow());
    let last = next_query(&mut rx).into_iter().rfind(|q| q.id() == id).unwrap();
    assert_eq!(last.status, QueryStatus::Cancelled, "{last:?}");
    assert!(last.aws_id.is_some(), "it had started");
    let note = last.note.unwrap();
    assert!(note.starts_with("the console exited; StopQuery failed:"), "{note}");
}

#[tokio::test]
async fn once_query_prints_rows_as_json_and_text() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-northeast-2");
    let conf = support::sdk_config(&endpoint, region).await;
    let logs = Client::new(&conf);
    let now_ms = support::now_secs() * 1000;
    let inv = support::unique_name("/aws/bedrock/modelinvocations");
    let lines = invocation_lines(now_ms);
    put(&logs, &inv, &lines).await;
    let home = std::env::temp_dir().join(support::unique_name("nightjar-home"));
    std::fs::create_dir_all(&home).unwrap();
    let cfg = home.join("config.toml");
    let missing = support::unique_name("/ecs/missing");
    std::fs::write(&cfg, format!("[logs]\ninvocation_log_groups = [\"{inv}\"]\napp_log_groups = [\"{missing}\"]\n"))
        .unwrap();
    let cfg = cfg.to_str().unwrap();
    let base = ["--config", cfg, "--region", region, "--endpoint-url", endpoint.as_str(), "--since", "1h"];

    let out = support::nightjar(&[&base[..], &["--query", "recent-errors", "--format", "json"]].concat(), &home);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["query"], "recent-errors");
    assert_eq!(v["status"], "Complete");
    assert_eq!(v["statistics"]["records_matched"], 2.0, "the two failed calls");
    assert_eq!(v["statistics"]["records_scanned"], 5.0);
    assert!(v["statistics"]["cost_usd"].as_f64().is_some_and(|c| c > 0.0), "{}", v["statistics"]);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["@message"], lines[3].1.as_str());
    let at = chrono::DateTime::from_timestamp_millis(now_ms - 120_000).unwrap();
    assert_eq!(rows[0]["@timestamp"], at.format("%Y-%m-%d %H:%M:%S%.3f").to_string());
    assert_eq!(rows[0]["errorCode"], "ValidationException");
    assert!(rows.iter().all(|r| r.get("@ptr").is_none()));

    let out = support::nightjar(&[&base[..], &["--query", "tokens-by-caller"]].concat(), &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with("nightjar query tokens-by-caller · "), "{text}");
    assert!(text.contains("· Complete"), "{text}");
    assert!(text.contains("2 rows · 5 of 5 records"), "{text}");
    assert!(text.contains("rag-api-prod/rag-api") && text.contains(" 9000 "), "the callers are rows: {text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");

    // a missing group: the query fails, the reason is on stderr and in the JSON, exit code 1
    let out = support::nightjar(&[&base[..], &["--query", "app-errors", "--format", "json"]].concat(), &home);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "Failed");
    assert!(v["error"].as_str().unwrap().starts_with("ResourceNotFoundException"), "{}", v["error"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ResourceNotFoundException"));
}
