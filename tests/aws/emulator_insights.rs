//! Every Logs Insights query nightjar runs, executed through the real SDK against the emulator's
//! Logs Insights executor (tests/emulator/insights.py), with the rows checked against figures
//! computed here, independently, from the same records.
//!
//! The records are the real, third-party Bedrock model-invocation log records and AgentCore
//! `aws/spans` exports in `tests/fixtures/real/` (see its PROVENANCE.md), plus synthetic records
//! for what no published record shows (failed calls with `errorCode`, cache tokens,
//! `requestMetadata`, a record longer than Logs Insights' 200-field discovery cap). The figures
//! here are computed with this file's own helpers (JSON paths, the 200-field cap, sums, nearest-
//! rank percentiles), not with the product's code; the price table is the product's reference
//! for the `cost_usd` column.
//!
//! The second test covers the edges of issue 12, item 7: adjacent windows count a boundary event
//! once, a record past the field cap still counts its tokens, a trace with more spans than the
//! default row limit comes back whole, a result at its limit says so, results over 10,000 rows
//! are paged, and an unsupported query fails with MalformedQueryException.

use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use nightjar::domain::insights::{GroupClass, InsightsSettings, Presets, QueryStatus, trace_logs_query};
use nightjar::domain::pricing::{PriceTable, Tokens};
use nightjar::domain::window::{Since, Window};
use nightjar::sources::logs::{CwlBackend, LogsRequest, LogsRunner, run_to_end};
use nightjar::sources::runaway::run_once;
use nightjar::store::logs::{LogsUpdate, Purpose, QueryRun, QuerySpec};
use nightjar::store::runaway::Kind;
use nightjar::store::traces::TracesUpdate;
use nightjar::store::{SourceHealth, Store, Update};
use serde_json::{Value, json};

const LOOP: &str = "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a";
const RAG: &str = "arn:aws:sts::123456789012:assumed-role/rag-api-prod/rag-api";
const OPUS: &str = "us.anthropic.claude-opus-4-5-20251101-v1:0";
const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");
/// Logs Insights' documented discovery cap for JSON events.
const CAP: usize = 200;

// ----------------------------------------------------------------------------------------------
// Putting records

async fn put(logs: &Client, group: &str, events: &[(i64, String)]) {
    match logs.create_log_group().log_group_name(group).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_already_exists_exception()) => {}
        Err(e) => panic!("CreateLogGroup {group}: {}", aws_smithy_types::error::display::DisplayErrorContext(e)),
    }
    let stream = support::unique_name("s");
    logs.create_log_stream().log_group_name(group).log_stream_name(&stream).send().await.expect("CreateLogStream");
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|(t, _)| *t);
    // PutLogEvents takes at most 10,000 events and 1 MB a call
    let mut batch: Vec<InputLogEvent> = Vec::new();
    let mut bytes = 0;
    for (t, m) in &sorted {
        if batch.len() == 5000 || bytes + m.len() + 26 > 900_000 {
            send(logs, group, &stream, std::mem::take(&mut batch)).await;
            bytes = 0;
        }
        bytes += m.len() + 26;
        batch.push(InputLogEvent::builder().timestamp(*t).message(m).build().unwrap());
    }
    send(logs, group, &stream, batch).await;
}

async fn send(logs: &Client, group: &str, stream: &str, events: Vec<InputLogEvent>) {
    if events.is_empty() {
        return;
    }
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");
}

fn runner(conf: &aws_config::SdkConfig, region: &str, endpoint: &str, s: InsightsSettings) -> LogsRunner<CwlBackend> {
    LogsRunner::new(
        CwlBackend::new(Client::new(conf), None, region, None, Some(endpoint)),
        s,
        PriceTable::default(),
        SourceHealth::new("logs", Some(region)),
    )
}

// ----------------------------------------------------------------------------------------------
// This file's own reading of a record (independent of the product's)

/// A record as put: its event time (ms), the raw message, and the message as JSON.
#[derive(Clone)]
struct Rec {
    ts: i64,
    raw: String,
    json: Value,
}

impl Rec {
    fn new(ts: i64, raw: String) -> Self {
        let json = serde_json::from_str(&raw).unwrap_or(Value::Null);
        Self { ts, raw, json }
    }

    /// A field as Logs Insights discovers it: the leaf at `path` if it is among the first 200
    /// leaves in document order.
    fn field(&self, path: &str) -> Option<Value> {
        let mut n = 0;
        let mut out = None;
        walk(&self.json, String::new(), &mut |p, v| {
            n += 1;
            if n <= CAP && p == path && !v.is_null() {
                out = Some(v.clone());
            }
        });
        out
    }

    /// What `parse @message /"key"\s*:\s*(?<x>\d+)/` extracts: the first such number.
    fn parsed(&self, key: &str) -> Option<Value> {
        let pat = format!("\"{key}\"");
        let mut from = 0;
        while let Some(i) = self.raw[from..].find(&pat) {
            let rest = self.raw[from + i + pat.len()..].trim_start();
            if let Some(r) = rest.strip_prefix(':') {
                let digits: String = r.trim_start().chars().take_while(char::is_ascii_digit).collect();
                if !digits.is_empty() {
                    return Some(Value::from(digits.parse::<u64>().unwrap()));
                }
            }
            from += i + pat.len();
        }
        None
    }

    fn num(&self, path: &str) -> Option<f64> {
        self.field(path).as_ref().and_then(number)
    }

    /// An extracted field, else the figure parsed from `@message` (the presets' `coalesce`).
    fn num_or_parsed(&self, path: &str, key: &str) -> Option<f64> {
        self.num(path).or_else(|| self.parsed(key).as_ref().and_then(number))
    }

    fn text(&self, path: &str) -> Option<String> {
        self.field(path).map(|v| cell(&v))
    }
}

/// Leaves in document order, arrays by index (`a.0.b`).
fn walk(v: &Value, path: String, f: &mut impl FnMut(&str, &Value)) {
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| walk(x, join(k), f)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(x, join(&i.to_string()), f)),
        leaf => f(&path, leaf),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fmt_num(v: Option<f64>) -> String {
    v.map(|x| if x.fract() == 0.0 { format!("{}", x as i64) } else { x.to_string() }).unwrap_or_default()
}

fn sum(vals: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    vals.into_iter().flatten().fold(None, |a, x| Some(a.unwrap_or(0.0) + x))
}

/// Nearest rank: the smallest value with at least `p` percent of the values at or below it.
fn pct(vals: &[f64], p: f64) -> f64 {
    let mut s = vals.to_vec();
    s.sort_by(f64::total_cmp);
    let k = ((p / 100.0 * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[k - 1]
}

fn minute_text(ms: i64) -> String {
    let m = ms.div_euclid(60_000) * 60_000;
    chrono::DateTime::from_timestamp_millis(m).unwrap().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

fn ts_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

type Row = BTreeMap<String, String>;
/// A group's key: `(column, value)` pairs (a missing value groups as `None`).
type GroupKey = Vec<(&'static str, Option<String>)>;

/// The table's rows as `{column: cell}` (the computed cost column included).
fn rows(run: &QueryRun) -> Vec<Row> {
    let t = &run.table;
    t.rows.iter().map(|r| t.columns.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

/// Numbers compare as numbers (a sum is "9000", an average "902.5"), anything else as text.
fn same(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => a == b,
    }
}

/// The same rows, in any order, on the columns of `want`.
fn assert_rows(name: &str, got: &[Row], want: &[Row]) {
    assert_eq!(
        got.len(),
        want.len(),
        "{name}: {} rows, expected {}\n got {got:#?}\nwant {want:#?}",
        got.len(),
        want.len()
    );
    let mut left: Vec<&Row> = got.iter().collect();
    for w in want {
        let i = left
            .iter()
            .position(|g| w.iter().all(|(k, v)| same(g.get(k).map(String::as_str).unwrap_or(""), v)))
            .unwrap_or_else(|| panic!("{name}: no row matches {w:#?}\nin {left:#?}"));
        left.remove(i);
    }
}

/// Rows sorted by `col`, descending, numbers as numbers, missing values last.
fn assert_sorted_desc(name: &str, got: &[Row], col: &str) {
    let key = |r: &Row| r.get(col).and_then(|v| v.parse::<f64>().ok());
    for w in got.windows(2) {
        let (a, b) = (key(&w[0]), key(&w[1]));
        assert!(
            matches!((a, b), (Some(x), Some(y)) if x >= y) || b.is_none(),
            "{name}: not sorted by {col} desc: {got:#?}"
        );
    }
}

fn row(pairs: &[(&str, String)]) -> Row {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn cost(model: &str, t: Tokens) -> String {
    PriceTable::default().cost(model, t).map(|c| format!("{c:.6}")).unwrap_or_default()
}

// ----------------------------------------------------------------------------------------------
// The records

/// The real invocation records (PROVENANCE.md), as published, one message each.
fn real_invocations() -> Vec<String> {
    let mut out: Vec<String> =
        std::fs::read_to_string(format!("{REAL}/invocation-logs/elastic-aws-bedrock-selected.jsonl"))
            .expect("the Elastic records")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
    out.push(
        std::fs::read_to_string(format!("{REAL}/invocation-logs/nova-lite-conversestream.json"))
            .expect("the Nova record")
            .trim_end()
            .to_string(),
    );
    out
}

/// A Converse record shaped like the real ones (key order as Bedrock writes it).
fn converse(
    i: usize,
    arn: &str,
    model: &str,
    turns: usize,
    tokens: (u64, u64, u64, u64),
    latency: u64,
    use_case: &str,
) -> String {
    let messages: Vec<Value> = (0..turns)
        .map(|t| json!({"role": if t % 2 == 0 { "user" } else { "assistant" }, "content": [{"text": format!("turn {t} of call {i}")}]}))
        .collect();
    json!({
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-11-25T03:00:00Z",
        "accountId": support::ACCOUNT_ID,
        "identity": {"arn": arn},
        "region": "ap-southeast-5",
        "requestId": format!("synthetic-{i}"),
        "operation": "Converse",
        "modelId": model,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {"messages": messages, "inferenceConfig": {"maxTokens": 1024}},
            "inputTokenCount": tokens.0,
            "cacheReadInputTokenCount": tokens.2,
            "cacheWriteInputTokenCount": tokens.3,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "output": {"message": {"role": "assistant", "content": [{"text": "an answer"}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": tokens.0, "outputTokens": tokens.1},
                "metrics": {"latencyMs": latency},
            },
            "outputTokenCount": tokens.1,
        },
        "requestMetadata": {"use_case": use_case},
    })
    .to_string()
}

/// A failed call: no output, an errorCode (no published record shows one; AWS's field list does).
fn failed(i: usize, arn: &str, model: &str, code: &str, input: u64) -> String {
    json!({
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-11-25T03:00:00Z",
        "accountId": support::ACCOUNT_ID,
        "identity": {"arn": arn},
        "region": "ap-southeast-5",
        "requestId": format!("synthetic-failed-{i}"),
        "operation": "Converse",
        "modelId": model,
        "errorCode": code,
        "input": {"inputContentType": "application/json", "inputBodyJson": {"messages": []}, "inputTokenCount": input},
    })
    .to_string()
}

/// The real span records (AgentCore exports), oldest first by their published @timestamp.
fn real_spans() -> Vec<Value> {
    let mut all: Vec<(String, Value)> = Vec::new();
    for f in ["agentcore-strands-bedrock", "agentcore-strands-openai", "agentcore-langchain"] {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(format!("{REAL}/spans/{f}.spans.json")).unwrap())
            .expect("a span export");
        for x in v.as_array().unwrap() {
            all.push((x["timestamp"].as_str().unwrap().to_string(), x["raw_otel_json"].clone()));
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all.into_iter().map(|(_, v)| v).collect()
}

fn app_lines(base: i64, trace: &str) -> Vec<(i64, String)> {
    let xray = format!("1-{}-{}", &trace[..8], &trace[8..]);
    [
        format!(r#"{{"level":"INFO","message":"POST /invocations","trace_id":"{xray}"}}"#),
        format!(r#"{{"level":"ERROR","message":"tool call failed: 503","trace_id":"{xray}"}}"#),
        "WARN retrieval Timed Out after 30s".to_string(),
        "INFO all good".to_string(),
        "java.lang.IllegalStateException: pool exhausted".to_string(),
        format!("span {trace} finished"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, m)| (base + 7_000 * i as i64, m))
    .collect()
}

// ----------------------------------------------------------------------------------------------
// 1. Every preset, the runaway watch and the trace fetches over real records

#[tokio::test]
async fn every_preset_over_real_records_matches_figures_computed_here() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-southeast-5");
    let conf = support::sdk_config(&endpoint, region).await;
    let logs = Client::new(&conf);
    // this file reads JSON in document order, as Logs Insights does
    let probe: Value = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
    assert_eq!(probe.as_object().unwrap().keys().next().map(String::as_str), Some("b"), "serde_json preserve_order");

    let now = support::now_secs();
    // complete minutes inside the runaway watch's window, 40 s apart
    let base = ((now / 60) * 60 - 600) * 1000;
    let mut messages = real_invocations();
    assert_eq!(messages.len(), 7, "six Elastic records and the Nova one");
    messages.push(converse(0, LOOP, OPUS, 4, (12_000, 800, 3_000, 500), 2_100, "agent"));
    messages.push(converse(1, LOOP, OPUS, 6, (15_000, 900, 0, 0), 2_500, "agent"));
    messages.push(converse(2, RAG, SONNET, 2, (2_000, 300, 0, 1_000), 700, "rag"));
    // longer than the discovery cap: its token counts and latency come after 300 body fields
    messages.push(converse(3, LOOP, OPUS, 150, (40_000, 1_200, 8_000, 0), 9_900, "agent"));
    messages.push(failed(4, RAG, SONNET, "ThrottlingException", 2_500));
    messages.push(failed(5, RAG, SONNET, "ThrottlingException", 2_600));
    messages.push(failed(6, LOOP, OPUS, "ValidationException", 100));
    let inv: Vec<Rec> = messages.into_iter().enumerate().map(|(i, m)| Rec::new(base + 40_000 * i as i64, m)).collect();
    assert!(inv[10].field("input.inputTokenCount").is_none() && inv[10].field("modelId").is_some(), "past the cap");

    let spans_json = real_spans();
    assert_eq!(spans_json.len(), 110);
    let span_base = base + 15_000;
    let spans: Vec<Rec> =
        spans_json.iter().enumerate().map(|(i, v)| Rec::new(span_base + 2_000 * i as i64, v.to_string())).collect();
    let trace = spans_json[0]["traceId"].as_str().unwrap().to_string();
    let app = app_lines(base + 3_000, &trace);

    let g_inv = support::unique_name("/aws/bedrock/modelinvocations");
    let g_app = support::unique_name("/ecs/agent");
    let g_spans = support::unique_name("spans");
    put(&logs, &g_inv, &inv.iter().map(|r| (r.ts, r.raw.clone())).collect::<Vec<_>>()).await;
    put(&logs, &g_spans, &spans.iter().map(|r| (r.ts, r.raw.clone())).collect::<Vec<_>>()).await;
    put(&logs, &g_app, &app).await;
    let settings = InsightsSettings {
        invocation_groups: vec![g_inv.clone()],
        app_groups: vec![g_app.clone()],
        spans_group: g_spans.clone(),
        ..Default::default()
    };
    let mut r = runner(&conf, region, &endpoint, settings);
    r.init().await;
    assert_eq!(r.groups().spans.as_deref(), Some(g_spans.as_str()));

    let since = Since::from_secs(3600);
    let w = since.window_ending(now);
    let presets = Presets::default();
    let mut ran = Vec::new();
    for p in presets.iter() {
        let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec![], w).relative(since);
        let run = run_to_end(&mut r, spec, Duration::from_secs(60)).await;
        assert_eq!(run.status, QueryStatus::Complete, "{}: {:?}", p.name, run.error);
        assert_eq!(run.truncated, None, "{}", p.name);
        let st = run.stats.expect("statistics");
        let (scanned, bytes) = match p.groups {
            GroupClass::Invocation => (inv.len(), inv.iter().map(|r| r.raw.len()).sum::<usize>()),
            GroupClass::Spans => (spans.len(), spans.iter().map(|r| r.raw.len()).sum()),
            GroupClass::App => (app.len(), app.iter().map(|(_, m)| m.len()).sum()),
        };
        assert_eq!((st.records_scanned, st.bytes_scanned), (scanned as f64, bytes as f64), "{}", p.name);
        let got = rows(&run);
        check_preset(&p.name, &run, &got, &inv, &spans);
        ran.push(p.name.clone());
    }
    assert_eq!(ran.len(), 9, "every built-in preset ran: {ran:?}");

    // the trace → logs query over the app group and the span group
    let q = trace_logs_query(&trace).unwrap();
    let spec = QuerySpec::new("trace", &q, GroupClass::App, vec![g_app.clone(), g_spans.clone()], w);
    let run = run_to_end(&mut r, spec, Duration::from_secs(60)).await;
    let xray = format!("1-{}-{}", &trace[..8], &trace[8..]);
    let mut want: Vec<(i64, String)> = app
        .iter()
        .filter(|(_, m)| m.contains(&xray) || m.contains(&trace))
        .cloned()
        .chain(spans.iter().filter(|s| s.json["traceId"] == trace.as_str()).map(|s| (s.ts, s.raw.clone())))
        .collect();
    want.sort_by_key(|(t, _)| *t);
    let got: Vec<(String, String)> =
        rows(&run).into_iter().map(|r| (r["@timestamp"].clone(), r["@message"].clone())).collect();
    assert_eq!(got, want.iter().map(|(t, m)| (ts_text(*t), m.clone())).collect::<Vec<_>>(), "sort @timestamp asc");

    // one trace's spans (Transaction Search): each real trace comes back whole
    let mut traces: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &spans {
        traces.entry(cell(&s.json["traceId"])).or_default().push(cell(&s.json["spanId"]));
    }
    assert_eq!(traces.len(), 7);
    for (id, mut ids) in traces {
        ids.sort();
        ids.dedup();
        r.command(nightjar::sources::Command::Logs(LogsRequest::FetchSpans { trace_id: id.clone(), window: w })).await;
        let mut got = None;
        for _ in 0..100 {
            r.pump(tokio::time::Instant::now() + Duration::from_secs(60)).await;
            for u in r.drain() {
                if let Update::Traces(TracesUpdate::Fetched { traces, .. }) = u {
                    got = traces.into_iter().next();
                }
            }
            if got.is_some() {
                break;
            }
        }
        let t = got.unwrap_or_else(|| panic!("trace {id} was not fetched"));
        let mut span_ids: Vec<String> = t.spans.iter().map(|s| s.id.clone()).collect();
        span_ids.sort();
        assert_eq!(span_ids, ids, "trace {id}");
        assert!(!t.limit_exceeded);
    }

    // the runaway watch (both kinds) over the same records, read by the store
    let (updates, notes) = run_once(&mut r, &presets, now, Some(Duration::from_secs(60))).await;
    assert!(notes.is_empty(), "{notes:?}");
    let mut store = Store::new(PriceTable::default(), vec![]);
    for u in updates {
        if let Update::Logs(LogsUpdate::Query(q)) = &u {
            assert_eq!(q.status, QueryStatus::Complete, "{:?}", q.error);
            let kind = match q.spec.purpose {
                Purpose::Runaway(k) => k,
                _ => panic!("not the watch's"),
            };
            let name = kind.preset();
            check_preset(name, q, &rows(q), &inv, &spans);
        }
        store.apply(u);
    }
    // per caller: calls over the window, and the newest minute's tokens (all models)
    let tokens = |x: &Rec| {
        [
            x.num_or_parsed("input.inputTokenCount", "inputTokenCount"),
            x.num_or_parsed("output.outputTokenCount", "outputTokenCount"),
            x.num_or_parsed("input.cacheReadInputTokenCount", "cacheReadInputTokenCount"),
            x.num_or_parsed("input.cacheWriteInputTokenCount", "cacheWriteInputTokenCount"),
        ]
        .into_iter()
        .flatten()
        .sum::<f64>()
    };
    let c = &store.runaway.callers;
    assert!(c.error.is_none() && c.note.is_none(), "{:?} {:?}", c.error, c.note);
    let callers: std::collections::BTreeSet<String> = inv.iter().filter_map(|x| x.text("identity.arn")).collect();
    assert_eq!(c.entries.len(), callers.len());
    // the newest complete minute of the whole result
    let newest = inv.iter().map(|x| x.ts.div_euclid(60_000)).max().unwrap();
    assert_eq!(c.latest_minute, Some(newest * 60));
    for e in &c.entries {
        let mine: Vec<&Rec> = inv.iter().filter(|x| x.text("identity.arn").as_deref() == Some(&e.id)).collect();
        assert_eq!(e.calls, mine.len() as f64, "{}", e.id);
        let latest: f64 = mine.iter().filter(|x| x.ts.div_euclid(60_000) == newest).map(|x| tokens(x)).sum();
        assert_eq!(e.latest_tokens, latest, "{}", e.id);
        let mut per_minute: BTreeMap<i64, f64> = BTreeMap::new();
        for x in &mine {
            *per_minute.entry(x.ts.div_euclid(60_000)).or_default() += tokens(x);
        }
        assert_eq!(e.peak_tokens, per_minute.values().copied().fold(0.0, f64::max), "{}", e.id);
    }
    let s = &store.runaway.sessions;
    assert!(s.error.is_none(), "{:?}", s.error);
    assert!(!s.entries.is_empty(), "the real spans carry session.id");
}

/// One preset's rows against the figures computed here from the records.
fn check_preset(name: &str, run: &QueryRun, got: &[Row], inv: &[Rec], spans: &[Rec]) {
    let invocations: Vec<&Rec> =
        inv.iter().filter(|x| x.text("schemaType").as_deref() == Some("ModelInvocationLog")).collect();
    let tok = |x: &Rec| {
        (
            x.num_or_parsed("input.inputTokenCount", "inputTokenCount"),
            x.num_or_parsed("input.cacheReadInputTokenCount", "cacheReadInputTokenCount").or(Some(0.0)),
            x.num_or_parsed("input.cacheWriteInputTokenCount", "cacheWriteInputTokenCount").or(Some(0.0)),
            x.num_or_parsed("output.outputTokenCount", "outputTokenCount"),
        )
    };
    // group records by a key, in the order keys first appear
    fn group<'a, K: Ord + Clone>(recs: &[&'a Rec], key: impl Fn(&Rec) -> K) -> BTreeMap<K, Vec<&'a Rec>> {
        let mut m: BTreeMap<K, Vec<&Rec>> = BTreeMap::new();
        for r in recs {
            m.entry(key(r)).or_default().push(r);
        }
        m
    }
    let token_rows = |by: &dyn Fn(&Rec) -> GroupKey| -> Vec<Row> {
        let g = group(&invocations, |x| by(x));
        g.into_iter()
            .map(|(k, recs)| {
                let t: Vec<_> = recs.iter().map(|x| tok(x)).collect();
                let (i, cr, cw, o) = (
                    sum(t.iter().map(|x| x.0)),
                    sum(t.iter().map(|x| x.1)),
                    sum(t.iter().map(|x| x.2)),
                    sum(t.iter().map(|x| x.3)),
                );
                let model = k.iter().find(|(c, _)| *c == "modelId").and_then(|(_, v)| v.clone()).unwrap_or_default();
                let mut r: Row = k.into_iter().map(|(c, v)| (c.to_string(), v.unwrap_or_default())).collect();
                r.insert("inTok".into(), fmt_num(i));
                r.insert("cacheRead".into(), fmt_num(cr));
                r.insert("cacheWrite".into(), fmt_num(cw));
                r.insert("outTok".into(), fmt_num(o));
                r.insert("calls".into(), recs.len().to_string());
                let t = Tokens {
                    input: i.unwrap_or(0.0),
                    output: o.unwrap_or(0.0),
                    cache_read: cr.unwrap_or(0.0),
                    cache_write: cw.unwrap_or(0.0),
                };
                r.insert("cost_usd".into(), cost(&model, t));
                r
            })
            .collect()
    };
    match name {
        "tokens-by-caller" => {
            let want = token_rows(&|x| vec![("identity.arn", x.text("identity.arn")), ("modelId", x.text("modelId"))]);
            assert_rows(name, got, &want);
            assert_sorted_desc(name, got, "outTok");
            // the record past the field cap counted its tokens (parsed from @message)
            // (12,000 + 15,000 + 40,000 + the failed call's 100)
            assert!(got.iter().any(|r| r["identity.arn"] == LOOP && same(&r["inTok"], "67100")), "{got:#?}");
        }
        "tokens-by-use-case" => {
            let want = token_rows(&|x| {
                vec![("requestMetadata.use_case", x.text("requestMetadata.use_case")), ("modelId", x.text("modelId"))]
            });
            assert_rows(name, got, &want);
            assert_sorted_desc(name, got, "outTok");
        }
        "recent-errors" => {
            let mut failed: Vec<&Rec> = inv.iter().filter(|x| x.field("errorCode").is_some()).collect();
            failed.sort_by_key(|x| std::cmp::Reverse(x.ts));
            assert_eq!(failed.len(), 3);
            assert_eq!(
                run.table.columns,
                vec!["@timestamp", "modelId", "errorCode", "identity.arn", "requestId", "@message"]
            );
            let want: Vec<Vec<String>> = failed
                .iter()
                .map(|x| {
                    vec![
                        ts_text(x.ts),
                        x.text("modelId").unwrap_or_default(),
                        x.text("errorCode").unwrap_or_default(),
                        x.text("identity.arn").unwrap_or_default(),
                        x.text("requestId").unwrap_or_default(),
                        x.raw.clone(),
                    ]
                })
                .collect();
            assert_eq!(run.table.rows, want, "newest first");
        }
        "errors-by-model" => {
            let failed: Vec<&Rec> = inv.iter().filter(|x| x.field("errorCode").is_some()).collect();
            let want: Vec<Row> = group(&failed, |x| (x.text("modelId"), x.text("errorCode")))
                .into_iter()
                .map(|((m, e), v)| {
                    row(&[
                        ("modelId", m.unwrap_or_default()),
                        ("errorCode", e.unwrap_or_default()),
                        ("errors", v.len().to_string()),
                    ])
                })
                .collect();
            assert_rows(name, got, &want);
            assert_sorted_desc(name, got, "errors");
        }
        "latency-by-model" => {
            let lat =
                |x: &Rec| x.num_or_parsed("output.outputBodyJson.metrics.latencyMs", "latencyMs").filter(|l| *l > 0.0);
            let with: Vec<&Rec> = invocations.iter().copied().filter(|x| lat(x).is_some()).collect();
            let want: Vec<Row> = group(&with, |x| x.text("modelId"))
                .into_iter()
                .map(|(m, v)| {
                    let l: Vec<f64> = v.iter().filter_map(|x| lat(x)).collect();
                    row(&[
                        ("modelId", m.unwrap_or_default()),
                        ("calls", l.len().to_string()),
                        ("avgMs", (l.iter().sum::<f64>() / l.len() as f64).to_string()),
                        ("p50", fmt_num(Some(pct(&l, 50.0)))),
                        ("p90", fmt_num(Some(pct(&l, 90.0)))),
                        ("p99", fmt_num(Some(pct(&l, 99.0)))),
                    ])
                })
                .collect();
            assert!(want.iter().any(|r| r["p99"] == "9900"), "the long record's latency is counted: {want:#?}");
            assert_rows(name, got, &want);
            assert_sorted_desc(name, got, "p99");
        }
        "app-errors" => {
            let words = ["error", "exception", "fail", "timed out", "timeout"];
            assert!(run.table.rows.iter().all(|r| {
                let m = r[run.table.column("@message").unwrap()].to_lowercase();
                words.iter().any(|w| m.contains(w))
            }));
            assert_eq!(run.table.rows.len(), 3, "{:?}", run.table.rows);
            let log = &run.table.rows[0][run.table.column("@log").unwrap()];
            assert_eq!(log, &format!("{}:{}", support::ACCOUNT_ID, run.spec.groups[0]));
        }
        "genai-spans" => {
            let mut with: Vec<&Rec> =
                spans.iter().filter(|s| s.field("attributes.gen_ai.request.model").is_some()).collect();
            with.sort_by_key(|s| std::cmp::Reverse(s.ts));
            let want: Vec<Row> = with
                .iter()
                .map(|s| {
                    row(&[
                        ("@timestamp", ts_text(s.ts)),
                        ("traceId", s.text("traceId").unwrap_or_default()),
                        ("spanId", s.text("spanId").unwrap_or_default()),
                        ("name", s.text("name").unwrap_or_default()),
                        ("modelId", s.text("attributes.gen_ai.request.model").unwrap_or_default()),
                        ("inTok", s.text("attributes.gen_ai.usage.input_tokens").unwrap_or_default()),
                        ("outTok", s.text("attributes.gen_ai.usage.output_tokens").unwrap_or_default()),
                        ("ms", fmt_num(s.num("durationNano").map(|d| d / 1e6))),
                    ])
                })
                .collect();
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!(w.iter().all(|(k, v)| same(&g[k], v)), "{name}: {g:#?} vs {w:#?} (newest first)");
            }
        }
        "runaway-callers" => {
            let want: Vec<Row> =
                group(&invocations, |x| (x.ts.div_euclid(60_000), x.text("identity.arn"), x.text("modelId")))
                    .into_iter()
                    .map(|((m, a, model), v)| {
                        let t: Vec<_> = v.iter().map(|x| tok(x)).collect();
                        row(&[
                            ("minute", minute_text(m * 60_000)),
                            ("identity.arn", a.unwrap_or_default()),
                            ("modelId", model.unwrap_or_default()),
                            ("inTok", fmt_num(sum(t.iter().map(|x| x.0)))),
                            ("cacheRead", fmt_num(sum(t.iter().map(|x| x.1)))),
                            ("cacheWrite", fmt_num(sum(t.iter().map(|x| x.2)))),
                            ("outTok", fmt_num(sum(t.iter().map(|x| x.3)))),
                            ("calls", v.len().to_string()),
                        ])
                    })
                    .collect();
            assert_rows(name, got, &want);
            let minutes: Vec<&str> = got.iter().map(|r| r["minute"].as_str()).collect();
            assert!(minutes.windows(2).all(|w| w[0] >= w[1]), "sort minute desc: {minutes:?}");
        }
        "runaway-sessions" => {
            let n = |s: &Rec, a: &str, b: &str| s.num(a).or_else(|| s.num(b)).or(Some(0.0));
            let with: Vec<&Rec> = spans
                .iter()
                .filter(|s| {
                    (s.field("attributes.session.id").is_some()
                        || s.field("attributes.gen_ai.conversation.id").is_some())
                        && (n(s, "attributes.gen_ai.usage.input_tokens", "attributes.gen_ai.usage.prompt_tokens")
                            > Some(0.0)
                            || n(
                                s,
                                "attributes.gen_ai.usage.output_tokens",
                                "attributes.gen_ai.usage.completion_tokens",
                            ) > Some(0.0))
                })
                .collect();
            assert!(with.len() >= 10, "real spans with tokens: {}", with.len());
            let want: Vec<Row> = group(&with, |s| {
                (
                    s.ts.div_euclid(60_000),
                    s.text("attributes.session.id").or_else(|| s.text("attributes.gen_ai.conversation.id")),
                    s.text("attributes.gen_ai.request.model"),
                )
            })
            .into_iter()
            .map(|((m, sid, model), v)| {
                row(&[
                    ("minute", minute_text(m * 60_000)),
                    ("sessionId", sid.unwrap_or_default()),
                    ("modelId", model.unwrap_or_default()),
                    (
                        "inTok",
                        fmt_num(sum(v.iter().map(|s| {
                            n(s, "attributes.gen_ai.usage.input_tokens", "attributes.gen_ai.usage.prompt_tokens")
                        }))),
                    ),
                    (
                        "outTok",
                        fmt_num(sum(v.iter().map(|s| {
                            n(s, "attributes.gen_ai.usage.output_tokens", "attributes.gen_ai.usage.completion_tokens")
                        }))),
                    ),
                    ("calls", v.len().to_string()),
                ])
            })
            .collect();
            assert_rows(name, got, &want);
        }
        other => panic!("a preset this test does not check: {other}"),
    }
}

// ----------------------------------------------------------------------------------------------
// 2. Windows, the field cap, limits, pages and unsupported queries

#[tokio::test]
async fn boundaries_the_field_cap_limits_and_errors() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-southeast-6");
    let conf = support::sdk_config(&endpoint, region).await;
    let logs = Client::new(&conf);
    let now = support::now_secs();
    let t = (now / 60) * 60 - 300; // a minute boundary five minutes ago

    // (c) three calls a millisecond apart around the boundary: 1, 10 and 100 tokens in
    let g = support::unique_name("/aws/bedrock/modelinvocations");
    let at = |ms: i64, tokens: u64, i: usize| (ms, converse(100 + i, LOOP, OPUS, 1, (tokens, 0, 0, 0), 10, "agent"));
    let boundary = vec![at(t * 1000 - 1, 1, 0), at(t * 1000, 10, 1), at(t * 1000 + 1, 100, 2)];
    put(&logs, &g, &boundary).await;
    let mut r =
        runner(&conf, region, &endpoint, InsightsSettings { invocation_groups: vec![g.clone()], ..Default::default() });
    r.init().await;
    let p = Presets::default().get("tokens-by-caller").unwrap().clone();
    let mut tokens = Vec::new();
    for w in [Window { start: t - 600, end: t }, Window { start: t, end: t + 600 }] {
        let run =
            run_to_end(&mut r, QuerySpec::new(&p.name, &p.query, p.groups, vec![], w), Duration::from_secs(30)).await;
        assert_eq!(run.status, QueryStatus::Complete, "{:?}", run.error);
        tokens.push(rows(&run).first().map(|r| r["inTok"].clone()).unwrap_or_default());
    }
    assert_eq!(tokens, vec!["1", "110"], "the event at the boundary belongs to the later window only");
    // the runaway watch at the boundary: the minute that starts there is not in its window
    let (updates, _) = run_once(&mut r, &Presets::default(), t, Some(Duration::from_secs(30))).await;
    let callers = updates
        .iter()
        .find_map(|u| match u {
            Update::Logs(LogsUpdate::Query(q)) if q.spec.purpose == Purpose::Runaway(Kind::Caller) => Some(q.clone()),
            _ => None,
        })
        .unwrap();
    let minutes: Vec<Row> = rows(&callers);
    assert_eq!(minutes.len(), 1, "{minutes:#?}");
    assert_eq!(
        (minutes[0]["minute"].as_str(), minutes[0]["inTok"].as_str()),
        (minute_text((t - 60) * 1000).as_str(), "1")
    );

    // (d) a record past the 200-field cap: the emulator, like Logs Insights, does not extract its
    // token fields; the presets parse them out of @message, a row query fills them from it
    let g = support::unique_name("/aws/bedrock/modelinvocations");
    let big = converse(200, RAG, SONNET, 150, (12_345, 678, 90, 0), 4_321, "rag");
    let small = converse(201, RAG, SONNET, 1, (5, 6, 0, 0), 100, "rag");
    put(&logs, &g, &[(now * 1000 - 120_000, big.clone()), (now * 1000 - 60_000, small)]).await;
    let count = |q: &'static str| {
        let (logs, g) = (logs.clone(), g.clone());
        async move {
            let id = logs
                .start_query()
                .log_group_name(g)
                .start_time(now - 600)
                .end_time(now)
                .query_string(q)
                .send()
                .await
                .expect("StartQuery")
                .query_id()
                .unwrap()
                .to_string();
            let out = logs.get_query_results().query_id(id).send().await.expect("GetQueryResults");
            out.results()[0]
                .iter()
                .find(|f| f.field() == Some("n"))
                .and_then(|f| f.value())
                .unwrap_or_default()
                .to_string()
        }
    };
    assert_eq!(count("filter ispresent(input.inputTokenCount) | stats count(*) as n").await, "1", "the small one only");
    assert_eq!(count("filter ispresent(input.inputBodyJson.messages.149.role) | stats count(*) as n").await, "0");
    assert_eq!(count("filter ispresent(input.inputBodyJson.messages.0.role) | stats count(*) as n").await, "2");
    let mut r =
        runner(&conf, region, &endpoint, InsightsSettings { invocation_groups: vec![g.clone()], ..Default::default() });
    r.init().await;
    let w = Window { start: now - 600, end: now };
    let run = run_to_end(&mut r, QuerySpec::new(&p.name, &p.query, p.groups, vec![], w), Duration::from_secs(30)).await;
    let got = rows(&run);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0]["inTok"].as_str(), got[0]["outTok"].as_str(), got[0]["cacheRead"].as_str(), got[0]["calls"].as_str()),
        ("12350", "684", "90", "2")
    );
    let l = Presets::default().get("latency-by-model").unwrap().clone();
    let run = run_to_end(&mut r, QuerySpec::new(&l.name, &l.query, l.groups, vec![], w), Duration::from_secs(30)).await;
    assert_eq!(rows(&run)[0]["p99"], "4321");
    let q =
        "fields @timestamp, input.inputTokenCount, output.outputTokenCount, @message | sort @timestamp asc | limit 10";
    let run =
        run_to_end(&mut r, QuerySpec::new("q", q, GroupClass::Invocation, vec![], w), Duration::from_secs(30)).await;
    let got = rows(&run);
    assert_eq!(got[0]["@message"], big);
    assert_eq!(
        (got[0]["input.inputTokenCount"].as_str(), got[0]["output.outputTokenCount"].as_str()),
        ("12345", "678")
    );
    assert!(run.note.as_deref().unwrap_or_default().contains("read from @message"), "{:?}", run.note);

    // (a)/(b) 1,500 spans of one trace: the span query's own limit holds, not the 1,000-row default
    let gs = support::unique_name("spans");
    let trace = "6740a1b20123456789abcdef01234567";
    let spans: Vec<(i64, String)> = (0..1500)
        .map(|i| {
            let parent = if i == 0 { Value::Null } else { json!(format!("{:016x}", 1)) };
            (
                now * 1000 - 200_000 + i as i64,
                json!({"traceId": trace, "spanId": format!("{:016x}", i + 1), "parentSpanId": parent, "name": format!("step {i}"),
                       "kind": "INTERNAL", "startTimeUnixNano": ((now - 200) * 1_000_000_000 + i as i64 * 1_000_000).to_string(),
                       "durationNano": 1_000_000})
                .to_string(),
            )
        })
        .collect();
    put(&logs, &gs, &spans).await;
    let mut r = runner(
        &conf,
        region,
        &endpoint,
        InsightsSettings { invocation_groups: vec![g.clone()], spans_group: gs.clone(), ..Default::default() },
    );
    r.init().await;
    r.command(nightjar::sources::Command::Logs(LogsRequest::FetchSpans { trace_id: trace.into(), window: w })).await;
    let mut fetched = None;
    for _ in 0..100 {
        r.pump(tokio::time::Instant::now() + Duration::from_secs(60)).await;
        for u in r.drain() {
            if let Update::Traces(TracesUpdate::Fetched { traces, .. }) = u {
                fetched = traces.into_iter().next();
            }
        }
        if fetched.is_some() {
            break;
        }
    }
    let tr = fetched.expect("the trace");
    assert_eq!(tr.spans.len(), 1500, "every span, not the first 1,000");
    assert!(!tr.limit_exceeded);
    // a query without a limit of its own gets the row limit, and a result at it says so
    let run =
        run_to_end(&mut r, QuerySpec::new("q", "fields spanId", GroupClass::Spans, vec![], w), Duration::from_secs(30))
            .await;
    assert_eq!((run.table.rows.len(), run.truncated), (1000, Some(1000)));
    assert_eq!(run.stats.unwrap().records_matched, 1500.0);
    let run = run_to_end(
        &mut r,
        QuerySpec::new("q", "fields spanId | limit 1500", GroupClass::Spans, vec![], w),
        Duration::from_secs(30),
    )
    .await;
    assert_eq!((run.table.rows.len(), run.truncated), (1500, Some(1500)), "exactly at its limit: maybe more");
    let run = run_to_end(
        &mut r,
        QuerySpec::new("q", "fields spanId | limit 1501", GroupClass::Spans, vec![], w),
        Duration::from_secs(30),
    )
    .await;
    assert_eq!((run.table.rows.len(), run.truncated), (1500, None), "under its limit: complete");

    // more than one page (10,000 rows a GetQueryResults call)
    let gp = support::unique_name("/ecs/pages");
    let lines: Vec<(i64, String)> =
        (0..12_000).map(|i| (now * 1000 - 300_000 + i as i64, format!("line {i}"))).collect();
    put(&logs, &gp, &lines).await;
    let spec = QuerySpec::new(
        "q",
        "fields @message | sort @timestamp asc | limit 12000",
        GroupClass::App,
        vec![gp.clone()],
        w,
    );
    let run = run_to_end(&mut r, spec, Duration::from_secs(60)).await;
    assert_eq!(run.table.rows.len(), 12_000);
    assert_eq!(run.table.rows[11_999][0], "line 11999");

    // an unsupported query fails, naming what it does not support
    let spec = QuerySpec::new("q", "fields modelId | dedup modelId", GroupClass::Invocation, vec![], w);
    let run = run_to_end(&mut r, spec, Duration::from_secs(30)).await;
    assert_eq!(run.status, QueryStatus::Failed);
    let e = run.error.unwrap();
    assert_eq!(e.code.as_deref(), Some("MalformedQueryException"), "{e:?}");
    assert!(e.message.contains("dedup"), "{}", e.message);
    assert_eq!(e.hint, "fix the query (i edits it)");
}
