//! Transaction Search against the AWS emulator, through the real SDK clients and the
//! `nightjar --once` binary: spans go to CloudWatch Logs (`aws/spans`), X-Ray's trace summaries
//! are an indexed sample, BatchGetTraces finds nothing, and the trace ids come from an
//! OpenTelemetry SDK (their first 8 hex digits are random, not a time).
//!
//! moto has no GetTraceSegmentDestination or GetIndexingRules and ignores TimeRangeType;
//! `tests/emulator/shim_xray.py` answers them per region (configured here through its control
//! endpoint `/_nightjar/xray/transaction-search`), lists a trace by the time in its id when
//! TimeRangeType is TraceId (or absent) as X-Ray does, gives summaries their StartTime, and
//! answers BatchGetTraces with every id unprocessed in a region whose spans go to CloudWatch Logs.
//! The span records are written to `aws/spans` with PutLogEvents (a write only the test makes)
//! and read back by the emulator's Logs Insights executor.

use crate::support;

use std::io::{Read, Write};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_xray::primitives::DateTime;
use aws_sdk_xray::types::TimeRangeType;
use nightjar::domain::insights::InsightsSettings;
use nightjar::domain::pricing::PriceTable;
use nightjar::sources::Command;
use nightjar::sources::logs::{CwlBackend, LogsRunner};
use nightjar::sources::xray::{TraceRequest, XraySource};
use nightjar::store::logs::LogsUpdate;
use nightjar::store::traces::{Sampled, TraceQuery, TraceRange, TracesUpdate};
use nightjar::store::{ErrorKind, SourceHealth, Store, Update};
use serde_json::{Value, json};

const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
const SPANS: &str = "aws/spans";

/// Hex of `len` digits, unique per run and per salt.
fn hex(token: &str, salt: &str, len: usize) -> String {
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
}

/// An OpenTelemetry trace id (32 random hex digits) whose first 8 digits, read as an X-Ray
/// epoch, are at least a year away from now; in W3C and X-Ray form.
fn otel_id(token: &str, salt: &str, now: i64) -> (String, String) {
    for k in 0.. {
        let w3c = hex(token, &format!("{salt}-{k}"), 32);
        let t = i64::from_str_radix(&w3c[..8], 16).unwrap();
        if (t - now).abs() > 366 * 86_400 {
            let xray = format!("1-{}-{}", &w3c[..8], &w3c[8..]);
            return (w3c, xray);
        }
    }
    unreachable!()
}

/// POST/DELETE `body` to the emulator's control endpoint (plain HTTP on the loopback).
fn control(endpoint: &str, method: &str, body: &Value) {
    let addr = endpoint.trim_start_matches("http://");
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(addr).expect("the emulator listens");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} /_nightjar/xray/transaction-search HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.0 200"), "{resp}");
    assert!(resp.contains("\"ok\": true"), "{resp}");
}

async fn put_segments(xray: &aws_sdk_xray::Client, docs: &[Value]) {
    let out = xray
        .put_trace_segments()
        .set_trace_segment_documents(Some(docs.iter().map(Value::to_string).collect()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutTraceSegments: {}", aws_sdk_xray::error::DisplayErrorContext(e)));
    assert!(out.unprocessed_trace_segments().is_empty(), "unprocessed: {out:?}");
}

/// Create the span group (it may exist from an earlier run) and put `records` (epoch ms, JSON).
async fn put_spans(logs: &aws_sdk_cloudwatchlogs::Client, records: &[(i64, String)]) {
    match logs.create_log_group().log_group_name(SPANS).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_already_exists_exception()) => {}
        Err(e) => panic!("CreateLogGroup: {}", aws_smithy_types::error::display::DisplayErrorContext(e)),
    }
    let stream = support::unique_name("spans");
    logs.create_log_stream().log_group_name(SPANS).log_stream_name(&stream).send().await.expect("CreateLogStream");
    let mut sorted = records.to_vec();
    sorted.sort_by_key(|(t, _)| *t);
    let events: Vec<InputLogEvent> =
        sorted.iter().map(|(t, m)| InputLogEvent::builder().timestamp(*t).message(m).build().unwrap()).collect();
    logs.put_log_events()
        .log_group_name(SPANS)
        .log_stream_name(&stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");
}

/// One trace as the application's OpenTelemetry SDK wrote it: an X-Ray segment (what X-Ray
/// indexed: the summary) and its span records in `aws/spans` (the root `name` and a `chat` call
/// to `model`), starting at `start` (epoch seconds, whole) and lasting `dur_ms`.
struct OtelTrace {
    w3c: String,
    xray: String,
    start: i64,
    dur_ms: i64,
    root: &'static str,
    model: &'static str,
    flags: &'static [&'static str],
}

impl OtelTrace {
    fn segment(&self, token: &str) -> Value {
        let mut seg = json!({
            "name": self.root, "id": hex(token, &format!("seg-{}", self.w3c), 16), "trace_id": self.xray,
            "start_time": self.start as f64, "end_time": self.start as f64 + self.dur_ms as f64 / 1000.0,
        });
        for f in self.flags {
            seg[*f] = json!(true);
        }
        seg
    }

    fn spans(&self, token: &str) -> Vec<(i64, String)> {
        let ns = |ms: i64| (self.start * 1000 + ms) * 1_000_000;
        let root = hex(token, &format!("root-{}", self.w3c), 16);
        let chat = hex(token, &format!("chat-{}", self.w3c), 16);
        let status = if self.flags.contains(&"throttle") { 429 } else { 200 };
        vec![
            (
                self.start * 1000,
                json!({"traceId": self.w3c, "spanId": root, "name": self.root, "kind": "SERVER",
                       "startTimeUnixNano": ns(0).to_string(), "durationNano": self.dur_ms * 1_000_000,
                       "resource": {"attributes": {"service.name": self.root}}})
                .to_string(),
            ),
            (
                self.start * 1000 + 100,
                json!({"traceId": self.w3c, "spanId": chat, "parentSpanId": root, "name": format!("chat {}", self.model),
                       "kind": "CLIENT", "startTimeUnixNano": ns(100).to_string(),
                       "durationNano": (self.dur_ms - 200) * 1_000_000,
                       "attributes": {"gen_ai.request.model": self.model, "gen_ai.usage.input_tokens": 1000,
                                      "gen_ai.usage.output_tokens": 100, "http.response.status_code": status}})
                .to_string(),
            ),
        ]
    }
}

#[tokio::test]
async fn once_labels_the_sample_and_reads_the_slowest_traces_from_aws_spans() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-southeast-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let xray = aws_sdk_xray::Client::new(&conf);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    control(
        &endpoint,
        "POST",
        &json!({"region": region, "destination": "CloudWatchLogs", "status": "ACTIVE",
                "rules": [{"name": "Default", "desired": 1.0}]}),
    );
    let token = support::unique_name("once-ts");
    let now = support::now_secs();
    let plan: [(i64, &str, &str, &[&str]); 4] = [
        (2250, "rag-api", SONNET, &[]),
        (4125, "agent-worker", HAIKU, &["fault"]),
        (1375, "rag-api", SONNET, &["throttle", "error"]),
        (3500, "rag-api", SONNET, &["error"]),
    ];
    let traces: Vec<OtelTrace> = plan
        .iter()
        .enumerate()
        .map(|(k, (dur_ms, root, model, flags))| {
            let (w3c, xray) = otel_id(&token, &format!("t{k}"), now);
            OtelTrace { w3c, xray, start: now - 600 + 60 * k as i64, dur_ms: *dur_ms, root, model, flags }
        })
        .collect();
    for t in &traces {
        put_segments(&xray, &[t.segment(&token)]).await;
    }
    put_spans(&logs, &traces.iter().flat_map(|t| t.spans(&token)).collect::<Vec<_>>()).await;

    let home = support::temp_home("once-ts");
    let (v, stderr) = support::once_json(&home, region, &endpoint);
    let t = &v["traces"];
    // listed by update time (Event): by the time in these ids, none would be
    assert_eq!(t["total"], 4, "{t}\n{stderr}");
    assert_eq!(t["sampled"], true, "{t}");
    assert_eq!(t["sampling_percent"], 1.0, "{t}");
    assert_eq!(t["sampling"], "1 % sample", "{t}");
    assert_eq!((t["faults"].as_u64(), t["errors"].as_u64(), t["throttles"].as_u64()), (Some(1), Some(2), Some(1)));
    // the slowest, whole from aws/spans (BatchGetTraces answers none of them here): exact
    // durations, the root span's name and the model of the chat span
    let slowest = t["slowest"].as_array().unwrap();
    let mut want: Vec<&OtelTrace> = traces.iter().collect();
    want.sort_by_key(|x| -x.dur_ms);
    assert_eq!(slowest.len(), 4, "{t}");
    for (got, w) in slowest.iter().zip(&want) {
        assert_eq!(got["id"], w.xray.as_str(), "{t}");
        let ms = got["duration_ms"].as_f64().unwrap();
        assert!((ms - w.dur_ms as f64).abs() < 1e-3, "{ms} vs {} ({t})", w.dur_ms);
        assert_eq!(got["root"], w.root, "{t}");
        assert_eq!(got["model"], w.model, "{t}");
    }
    let sources = v["sources"].as_array().unwrap();
    let spans_src = sources.iter().find(|s| s["name"] == "spans").expect("the aws/spans reads are a source");
    assert_eq!(spans_src["ok"], true, "{spans_src}");
    let xray_src = sources.iter().find(|s| s["name"] == "xray").unwrap();
    assert_eq!(xray_src["ok"], true, "{xray_src}");

    // the text report and the Markdown report never call the sample a total
    let out = support::nightjar(&["--once", "--region", region, "--endpoint-url", &endpoint], &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Traces (1 % sample) 4: 1 with faults, 2 with errors, 1 throttled"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    let out =
        support::nightjar(&["--once", "--format", "markdown", "--region", region, "--endpoint-url", &endpoint], &home);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("4 traces (**1 % sample**): 1 with faults, 2 with errors, 1 throttled."), "{md}");
    assert!(md.contains("X-Ray indexes 1 % of the traces as summaries"), "{md}");
    assert!(md.contains(&format!("| `{}` | 4.1s | agent-worker | claude-haiku-4-5 |", want[0].xray)), "{md}");
}

#[tokio::test]
async fn the_console_labels_the_sample_and_fetches_spans_by_the_summarys_time() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-southeast-3");
    let conf = support::sdk_config(&endpoint, region).await;
    let xray = aws_sdk_xray::Client::new(&conf);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    // the Default rule on the second page of GetIndexingRules; 5 % wanted, 4.5 % applied
    control(
        &endpoint,
        "POST",
        &json!({"region": region, "destination": "CloudWatchLogs", "status": "ACTIVE", "page_size": 1,
                "rules": [{"name": "checkout", "desired": 50.0}, {"name": "Default", "desired": 5.0, "actual": 4.5}]}),
    );
    let token = support::unique_name("tui-ts");
    let now = support::now_secs();
    let (w3c, xray_id) = otel_id(&token, "t", now);
    let t = OtelTrace {
        w3c,
        xray: xray_id.clone(),
        start: now - 300,
        dur_ms: 2750,
        root: "rag-api",
        model: SONNET,
        flags: &[],
    };
    put_segments(&xray, &[t.segment(&token)]).await;
    put_spans(&logs, &t.spans(&token)).await;

    // which TimeRangeType finds an OpenTelemetry trace: not TraceId (the time in the id), Event
    let ids = |k: TimeRangeType| {
        let xray = xray.clone();
        async move {
            let r = xray
                .get_trace_summaries()
                .start_time(DateTime::from_secs(now - 3600))
                .end_time(DateTime::from_secs(now))
                .time_range_type(k)
                .send()
                .await
                .expect("GetTraceSummaries");
            r.trace_summaries().iter().filter_map(|s| s.id().map(str::to_string)).collect::<Vec<_>>()
        }
    };
    assert!(!ids(TimeRangeType::TraceId).await.contains(&xray_id));
    assert!(ids(TimeRangeType::Event).await.contains(&xray_id));

    // the trace source: listed, at the summary's start time, labelled as a 4.5 % sample
    let mut src = XraySource::new(xray.clone(), region, PriceTable::default(), "model_id", None, Some(&endpoint));
    let list = src.list(&TraceQuery::new(TraceRange::Last(3600), None), now).await.expect("list");
    let s = list.summaries.iter().find(|s| s.id == xray_id).unwrap_or_else(|| panic!("not listed: {list:?}"));
    assert_eq!((s.start, s.start_estimated), (t.start as f64, false));
    let sampling = list.sampling.clone().unwrap();
    assert_eq!((sampling.desired_percent, sampling.actual_percent), (Some(5.0), Some(4.5)));
    assert_eq!(sampling.label().as_deref(), Some("4.5 % sample"));
    // BatchGetTraces cannot see Transaction Search traces
    let (found, unprocessed) = src.fetch(std::slice::from_ref(&xray_id), now).await.expect("BatchGetTraces");
    assert!(found.is_empty());
    assert_eq!(unprocessed, vec![xray_id.clone()]);

    // the console: the store labels the list; the pane's fetch carries the summary's window and
    // the logs source answers it from aws/spans
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Traces(TracesUpdate::Listed(list)));
    assert_eq!(store.traces.sampling_label().as_deref(), Some("4.5 % sample"));
    let w = nightjar::ui::panes::traces::fetch_window(&store, &xray_id, None).expect("a window from the summary");
    assert!(w.start <= t.start && t.start + 3 < w.end, "{w:?}");
    assert!(w.end - w.start < 3600, "around the trace, not a day: {w:?}");
    let backend = CwlBackend::new(logs.clone(), Some(xray.clone()), region, None, Some(&endpoint));
    let mut r = LogsRunner::new(
        backend,
        InsightsSettings::default(),
        PriceTable::default(),
        SourceHealth::new("logs", Some(region)),
    );
    r.init().await;
    let ts = r.drain().into_iter().find_map(|u| match u {
        Update::Logs(LogsUpdate::TransactionSearch(t)) => Some(t),
        _ => None,
    });
    assert!(ts.expect("GetTraceSegmentDestination").spans_in_logs());
    let windows = [(xray_id.clone(), w)].into_iter().collect();
    r.command(Command::Traces(TraceRequest::Fetch { region: region.into(), ids: vec![xray_id.clone()], windows }))
        .await;
    let mut trace = None;
    for _ in 0..200 {
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
    assert_eq!(trace.id, xray_id);
    assert_eq!(trace.spans.len(), 2);
    assert!((trace.duration() - 2.75).abs() < 1e-6, "{}", trace.duration());
    assert_eq!(trace.root_name(), Some("rag-api"));
    assert_eq!(trace.totals.models, vec![SONNET.to_string()]);

    // GetIndexingRules denied: still a sample, its rate unknown; the list stands
    control(
        &endpoint,
        "POST",
        &json!({"region": region, "destination": "CloudWatchLogs", "status": "ACTIVE",
                "errors": {"GetIndexingRules": {"code": "AccessDeniedException", "status": 403,
                           "message": "User: x is not authorized to perform: xray:GetIndexingRules"}}}),
    );
    let mut src = XraySource::new(xray.clone(), region, PriceTable::default(), "model_id", None, Some(&endpoint));
    let list = src.list(&TraceQuery::new(TraceRange::Last(3600), None), now).await.expect("list");
    assert!(list.summaries.iter().any(|s| s.id == xray_id));
    let sampling = list.sampling.unwrap();
    assert_eq!(sampling.label().as_deref(), Some("sample, rate unknown"));
    assert_eq!(sampling.error.as_ref().map(|e| e.kind), Some(ErrorKind::AccessDenied));
    assert!(!src.health.is_stale());

    // switching (PENDING): not called complete, not called a sample either
    control(&endpoint, "POST", &json!({"region": region, "destination": "CloudWatchLogs", "status": "PENDING"}));
    let mut src = XraySource::new(xray.clone(), region, PriceTable::default(), "model_id", None, Some(&endpoint));
    let sampling = src.sampling(now).await;
    assert_eq!(sampling.sampled(), Sampled::Unknown);
    assert_eq!(sampling.label().as_deref(), Some("1 % sample? (Transaction Search PENDING)"));

    // Transaction Search off again: complete, unlabelled, and BatchGetTraces finds the trace
    control(&endpoint, "DELETE", &json!({"region": region}));
    let mut src = XraySource::new(xray, region, PriceTable::default(), "model_id", None, Some(&endpoint));
    let list = src.list(&TraceQuery::new(TraceRange::Last(3600), None), now).await.expect("list");
    assert_eq!(list.sampling.as_ref().unwrap().sampled(), Sampled::No);
    assert_eq!(list.sampling.unwrap().label(), None);
    let (found, _) = src.fetch(&[xray_id], now).await.expect("BatchGetTraces");
    assert_eq!(found.len(), 1);
}
