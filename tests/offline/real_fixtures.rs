//! nightjar's own parsers on real data written by others (`tests/fixtures/real/`, see its
//! PROVENANCE.md), offline: no emulator. Each file goes through the code that reads that shape in
//! the product, and the results are checked against values read by hand from the file; the
//! comment next to each expected value says where it sits.
//!
//! * Bedrock model-invocation log records → the logs table (fields read from `@message` when Logs
//!   Insights did not extract them, the cost column, redaction), and the model an inference-profile
//!   ARN names.
//! * AgentCore `aws/spans` exports (Strands, LangChain via OpenLLMetry, OpenAI via Strands) → the
//!   span tree built from an `aws/spans` query's rows (`otel_spans::traces_update`).
//! * OpenInference Bedrock span attributes → the GenAI facts of a span, both as an `aws/spans`
//!   record and as an X-Ray document's metadata.
//! * X-Ray: the BatchGetTraces examples through the SDK's own deserializer (the body is answered
//!   by a local HTTP stub) into `XraySource::fetch`; raw Go SDK segment documents through
//!   `xray::parse`.
//! * DescribeAlarms examples → `AlarmsPoller` (CloudWatch speaks CBOR on the wire, so the CLI's
//!   JSON is turned into the SDK output with its builders and served by `aws-smithy-mocks`).
//! * The GetQueryResults example → the logs runner through the SDK's deserializer (local stub).
//!
//! Prices are the product's reference: an expected cost is the tokens read by hand times the
//! price of the base model id written here by hand, so a wrong model resolution or a token put at
//! the wrong rate fails.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::body::SdkBody;
use nightjar::domain::catalog::{base_model_id, called_model_id};
use nightjar::domain::insights::{
    GroupClass, InsightsSettings, QueryStatus, REDACTED, ResultTable, flatten_json, json_path, redact_cell,
    requested_fields,
};
use nightjar::domain::pricing::{PriceTable, Tokens};
use nightjar::domain::trace::{Span, SpanKind, Trace};
use nightjar::domain::window::Window;
use nightjar::sources::alarms::AlarmsPoller;
use nightjar::sources::logs::{CwlBackend, LogsRunner, run_to_end};
use nightjar::sources::spans::otel as otel_spans;
use nightjar::sources::spans::xray::parse_trace;
use nightjar::sources::xray::XraySource;
use nightjar::store::alarms::{AlarmState, AlarmTarget};
use nightjar::store::logs::QuerySpec;
use nightjar::store::traces::TracesUpdate;
use nightjar::store::{SeriesKey, SourceHealth, Update};
use serde_json::Value;

const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{REAL}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

/// Durations are differences of epoch seconds held as `f64`, whose step near 2^31 s is 2^-22 s
/// (0.24 µs): equal to the microsecond.
fn close_secs(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// The cost of a call to `base_id` (the model, as read by hand) at the built-in price.
fn cost_of(base_id: &str, t: Tokens) -> f64 {
    let p = PriceTable::default().price(base_id).copied().unwrap_or_else(|| panic!("no price for {base_id}"));
    (t.input * p.input
        + t.output * p.output
        + t.cache_read * p.cache_read.unwrap_or(p.input)
        + t.cache_write * p.cache_write.unwrap_or(p.input))
        / 1e6
}

fn tokens(input: f64, output: f64) -> Tokens {
    Tokens { input, output, cache_read: 0.0, cache_write: 0.0 }
}

// ---------------------------------------------------------------------------------------------
// Bedrock model-invocation log records

/// The seven published records, as `@message` holds them: the six Elastic lines (file order),
/// then the Nova record (pretty-printed by its publisher; kept as published).
fn invocation_records() -> Vec<String> {
    let mut out: Vec<String> =
        fixture("invocation-logs/elastic-aws-bedrock-selected.jsonl").lines().map(str::to_string).collect();
    assert_eq!(out.len(), 6);
    out.push(fixture("invocation-logs/nova-lite-conversestream.json"));
    out
}

/// The table of `query` when Logs Insights returned each record with only `@timestamp` and
/// `@message` (a record past its 200-field discovery cap, or an emulator that extracts nothing),
/// after the logs source's fill from `@message` and the cost column.
fn table_from_messages(query: &str, records: &[String]) -> ResultTable {
    let rows: Vec<Vec<(String, String)>> = records
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                ("@timestamp".to_string(), format!("2024-01-01 00:00:0{i}.000")),
                ("@message".to_string(), m.clone()),
                ("@ptr".to_string(), format!("ptr-{i}")),
            ]
        })
        .collect();
    let mut t = ResultTable::from_rows(&rows);
    t.fill_from_message(&requested_fields(query));
    t.add_cost_column(&PriceTable::default());
    t
}

fn col<'a>(t: &'a ResultTable, name: &str) -> Vec<&'a str> {
    let c = t.column(name).unwrap_or_else(|| panic!("no column {name} in {:?}", t.columns));
    t.rows.iter().map(|r| r[c].as_str()).collect()
}

#[test]
fn invocation_records_model_operation_region_tokens_and_cost() {
    let q = "fields @timestamp, modelId, operation, region, identity.arn, input.inputTokenCount, \
             input.cacheReadInputTokenCount, input.cacheWriteInputTokenCount, output.outputTokenCount, \
             output.outputBodyJson.metrics.latencyMs, @message";
    let recs = invocation_records();
    let t = table_from_messages(q, &recs);
    // the requested columns, in the query's order, the cost right after the model
    assert_eq!(
        t.columns,
        [
            "@timestamp",
            "modelId",
            "cost_usd",
            "operation",
            "region",
            "identity.arn",
            "input.inputTokenCount",
            "input.cacheReadInputTokenCount",
            "input.cacheWriteInputTokenCount",
            "output.outputTokenCount",
            "output.outputBodyJson.metrics.latencyMs",
            "@message"
        ]
    );
    assert_eq!(t.ptrs[3].as_deref(), Some("ptr-3"));
    // "modelId" of each record (jsonl lines 1-6, then the Nova file)
    assert_eq!(
        col(&t, "modelId"),
        [
            "ai21.jamba-instruct-v1:0",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "anthropic.claude-3-sonnet-20240229-v1:0",
            "anthropic.claude-3-sonnet-20240229-v1:0",
            "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
            "amazon.nova-lite-v1:0",
        ]
    );
    // "operation"
    assert_eq!(
        col(&t, "operation"),
        [
            "Converse",
            "Converse",
            "Converse",
            "InvokeModelWithResponseStream",
            "InvokeModel",
            "ConverseStream",
            "ConverseStream"
        ]
    );
    // "region": line 5 is the Bedrock Agent call in Mumbai
    assert_eq!(
        col(&t, "region"),
        ["us-east-1", "us-east-1", "us-east-1", "us-east-1", "ap-south-1", "us-east-1", "us-east-1"]
    );
    // "identity": {"arn": …}; line 5's publisher redacted it as "<redacted>"
    assert_eq!(col(&t, "identity.arn")[0], "arn:aws:iam::13457018785544:user/user");
    assert_eq!(col(&t, "identity.arn")[4], "<redacted>");
    assert_eq!(col(&t, "identity.arn")[6], "arn:aws:iam::XXXXXXXXXXXX:user/dheeraj");
    // "input": {… "inputTokenCount": N}; guardrail-blocked calls (lines 1 and 4) count 0
    assert_eq!(col(&t, "input.inputTokenCount"), ["0", "37", "16", "0", "859", "62", "4"]);
    // "output": {… "outputTokenCount": N}
    assert_eq!(col(&t, "output.outputTokenCount"), ["0", "62", "82", "0", "15", "36", "38"]);
    // only the Nova record carries the cache counts ("cacheReadInputTokenCount": 0, "…Write…": 0)
    assert_eq!(col(&t, "input.cacheReadInputTokenCount"), ["", "", "", "", "", "", "0"]);
    assert_eq!(col(&t, "input.cacheWriteInputTokenCount"), ["", "", "", "", "", "", "0"]);
    // Converse bodies: "metrics": {"latencyMs": N}; InvokeModel bodies have none
    assert_eq!(col(&t, "output.outputBodyJson.metrics.latencyMs"), ["271", "2455", "2435", "", "", "1134", "302"]);
    // the cost of each row: its tokens at its model's price (the ARN priced as Haiku 4.5)
    let want = [
        cost_of("ai21.jamba-instruct-v1:0", tokens(0.0, 0.0)),
        cost_of("anthropic.claude-3-5-sonnet-20240620-v1:0", tokens(37.0, 62.0)),
        cost_of("anthropic.claude-3-5-sonnet-20240620-v1:0", tokens(16.0, 82.0)),
        cost_of("anthropic.claude-3-sonnet-20240229-v1:0", tokens(0.0, 0.0)),
        cost_of("anthropic.claude-3-sonnet-20240229-v1:0", tokens(859.0, 15.0)),
        cost_of("anthropic.claude-haiku-4-5-20251001-v1:0", tokens(62.0, 36.0)),
        cost_of("amazon.nova-lite-v1:0", tokens(4.0, 38.0)),
    ];
    let got = col(&t, "cost_usd");
    for (i, w) in want.iter().enumerate() {
        assert_eq!(got[i], format!("{w:.6}"), "row {i}");
    }
    // Claude 3 Sonnet, 859 in and 15 out at $3 / $15 per million
    assert_eq!(got[4], "0.002802");
    let total = t.total_cost().unwrap();
    assert!(close(total, got.iter().map(|c| c.parse::<f64>().unwrap()).sum()), "{total}");
}

#[test]
fn an_inference_profile_arn_names_its_model() {
    let arn = "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0";
    // line 6's "modelId"
    let rec: Value = serde_json::from_str(&invocation_records()[5]).unwrap();
    assert_eq!(rec["modelId"], arn);
    assert_eq!(base_model_id(arn), "anthropic.claude-haiku-4-5-20251001-v1:0");
    assert_eq!(called_model_id(arn), "us.anthropic.claude-haiku-4-5-20251001-v1:0");
    let p = PriceTable::default();
    assert_eq!(p.price(arn), p.price("anthropic.claude-haiku-4-5-20251001-v1:0"));
    assert!(p.price(arn).is_some());
    // the same ARN as the span attributes and metrics would carry it
    let cost = p.cost(arn, tokens(62.0, 36.0)).unwrap();
    assert!(close(cost, cost_of("anthropic.claude-haiku-4-5-20251001-v1:0", tokens(62.0, 36.0))));
}

#[test]
fn invocation_records_guardrail_interventions_and_streamed_bodies() {
    // a field name with characters other than letters, digits, `_`, `.` and `@` is written in
    // backticks (Logs Insights query syntax): the guardrail action keys have dashes
    let q = "fields modelId, output.outputBodyJson.stopReason, \
             `output.outputBodyJson.2.amazon-bedrock-guardrailAction`, \
             `output.outputBodyJson.5.amazon-bedrock-guardrailAction`, \
             output.outputBodyJson.4.delta.stop_reason, output.outputBodyJson.stop_reason, @message";
    let recs = invocation_records();
    let t = table_from_messages(q, &recs);
    // Converse: "stopReason": "guardrail_intervened" (line 1), "end_turn" (lines 2, 3, 6, Nova)
    assert_eq!(
        col(&t, "output.outputBodyJson.stopReason"),
        ["guardrail_intervened", "end_turn", "end_turn", "", "", "end_turn", "end_turn"]
    );
    // line 4 (InvokeModelWithResponseStream): "outputBodyJson" is the list of Anthropic stream
    // events; event 2 (content_block_delta) and event 5 (message_stop) carry
    // "amazon-bedrock-guardrailAction": "INTERVENED", event 4 (message_delta) the stop reason
    assert_eq!(col(&t, "output.outputBodyJson.2.amazon-bedrock-guardrailAction")[3], "INTERVENED");
    assert_eq!(col(&t, "output.outputBodyJson.5.amazon-bedrock-guardrailAction")[3], "INTERVENED");
    assert_eq!(col(&t, "output.outputBodyJson.4.delta.stop_reason")[3], "end_turn");
    // line 5 (InvokeModel, Anthropic Messages body): "stop_reason": "stop_sequence"
    assert_eq!(col(&t, "output.outputBodyJson.stop_reason")[4], "stop_sequence");
    assert_eq!(col(&t, "output.outputBodyJson.stop_reason").iter().filter(|v| !v.is_empty()).count(), 1);

    // the row detail of a record that came back with only @message: its fields, flattened the
    // way Logs Insights names them (arrays by index)
    let rec4: Value = serde_json::from_str(&recs[3]).unwrap();
    let flat: BTreeMap<String, String> = flatten_json(&rec4).into_iter().collect();
    assert_eq!(flat["output.outputBodyJson.0.type"], "message_start");
    assert_eq!(flat["output.outputBodyJson.0.message.model"], "anthropic.claude-3-sonnet-20240229-v1:0");
    assert_eq!(flat["output.outputBodyJson.2.delta.text"], "Sorry, the model cannot answer this question.");
    assert_eq!(
        flat["output.outputBodyJson.5.amazon-bedrock-trace.guardrail.input.5qx068m93k7k.topicPolicy.topics.0.name"],
        "Bombs"
    );
    // six events: message_start, content_block_start, content_block_delta, content_block_stop,
    // message_delta, message_stop
    assert_eq!(flat.keys().filter(|k| k.ends_with(".type") && k.matches('.').count() == 3).count(), 6);
    assert_eq!(json_path(&rec4, "output.outputBodyJson.6.type").as_deref(), None);
    // line 1 (Converse): the guardrail trace of the blocked input, one policy each
    let rec1: Value = serde_json::from_str(&recs[0]).unwrap();
    let base = "output.outputBodyJson.trace.guardrail.inputAssessment.l7n9e426howe";
    assert_eq!(json_path(&rec1, &format!("{base}.topicPolicy.topics.0.action")).as_deref(), Some("BLOCKED"));
    assert_eq!(json_path(&rec1, &format!("{base}.contentPolicy.filters.0.type")).as_deref(), Some("MISCONDUCT"));
    assert_eq!(
        json_path(&rec1, &format!("{base}.invocationMetrics.guardrailProcessingLatency")).as_deref(),
        Some("340")
    );
}

#[test]
fn invocation_records_redacted_keep_their_figures_and_hide_their_text() {
    let recs = invocation_records();
    // words of each record's prompt and completion (and line 4's guardrail match)
    let text: [&[&str]; 7] = [
        &["Rob a bank", "Sorry, the model cannot answer"],
        &["profanity filters", "comfortable providing"],
        &["TEsting the model", "testing the model"],
        &["molotov", "Sorry, the model cannot answer"],
        &["What is 2 + 2?", "2 + 2 = 4", "add_two_numbers"],
        &["capital of maryland", "Jefferson City"],
        &["hello how are you", "doing well"],
    ];
    // what must stay: model, tokens, and the Converse stop reason and latency
    // ("stopReason": …, "metrics": {"latencyMs": …} inside outputBodyJson)
    let keep: [&[&str]; 7] = [
        &["\"inputTokenCount\":0", "\"latencyMs\":271", "\"stopReason\":\"guardrail_intervened\""],
        &["\"inputTokenCount\":37", "\"outputTokenCount\":62", "\"latencyMs\":2455", "\"totalTokens\":99"],
        &["\"inputTokenCount\":16", "\"latencyMs\":2435"],
        &["\"modelId\":\"anthropic.claude-3-sonnet-20240229-v1:0\"", "\"outputTokenCount\":0"],
        &["\"inputTokenCount\":859", "\"outputTokenCount\":15", "\"region\":\"ap-south-1\""],
        &["inference-profile/us.anthropic.claude-haiku-4-5", "\"latencyMs\":1134", "\"stopReason\":\"end_turn\""],
        &["\"cacheReadInputTokenCount\":0", "\"outputTokenCount\":38", "\"latencyMs\":302"],
    ];
    for (i, r) in recs.iter().enumerate() {
        for w in text[i] {
            assert!(r.contains(w), "record {i} holds {w:?}");
        }
        let shown = redact_cell("@message", r, true);
        assert!(shown.contains(REDACTED), "record {i}: {shown}");
        for w in text[i] {
            assert!(!shown.contains(w), "record {i} shows {w:?} when redacted: {shown}");
        }
        for k in keep[i] {
            assert!(shown.contains(k), "record {i} lost {k} when redacted: {shown}");
        }
    }
    // the row detail shows flattened fields: the latency stays, the text goes
    assert_eq!(redact_cell("output.outputBodyJson.metrics.latencyMs", "271", true), "271");
    assert_eq!(redact_cell("output.outputBodyJson.stopReason", "guardrail_intervened", true), "guardrail_intervened");
    assert_eq!(redact_cell("output.outputBodyJson.output.message.content.0.text", "Sorry", true), REDACTED);
    assert_eq!(redact_cell("input.inputBodyJson.messages.0.content.0.text", "hello", true), REDACTED);
}

// ---------------------------------------------------------------------------------------------
// AgentCore `aws/spans` exports

/// `(timestamp, record)` of each span of an export, the record as `@message` holds it.
fn span_rows(file: &str) -> Vec<(String, String)> {
    let v = json(&format!("spans/{file}.spans.json"));
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["timestamp"].as_str().unwrap().to_string(), r["raw_otel_json"].to_string()))
        .collect()
}

/// One trace, from the rows of the span query over the whole export (other traces' records are
/// in the rows too), as the logs source builds it.
fn span_trace(file: &str, trace_id: &str) -> Trace {
    let rows: Vec<Vec<(String, String)>> = span_rows(file)
        .into_iter()
        .map(|(t, m)| vec![("@timestamp".to_string(), t), ("@message".to_string(), m)])
        .collect();
    let table = ResultTable::from_rows(&rows);
    let u = otel_spans::traces_update(trace_id, &table, &Some("us-east-1".into()), &PriceTable::default());
    let Some(Update::Traces(TracesUpdate::Fetched { mut traces, unprocessed })) = u else { panic!("{u:?}") };
    assert!(unprocessed.is_empty(), "{trace_id}: {unprocessed:?}");
    assert_eq!(traces.len(), 1);
    let t = traces.remove(0);
    assert!(t.bad_documents.is_empty(), "{:?}", t.bad_documents);
    t
}

fn by_id<'a>(t: &'a Trace, id: &str) -> &'a Span {
    t.spans.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no span {id}"))
}

fn parent_of<'a>(t: &'a Trace, s: &Span) -> Option<&'a Span> {
    s.parent.map(|p| t.span(p))
}

fn counted(t: &Trace) -> Vec<&str> {
    t.spans.iter().filter(|s| s.counted).map(|s| s.id.as_str()).collect()
}

fn scope(s: &Span) -> Option<&str> {
    s.metadata.as_ref()?.get("otel")?.get("scope")?.as_str()
}

const SONNET_37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const HAIKU_35: &str = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

#[test]
fn agentcore_strands_on_bedrock_spans_become_trees() {
    // records 0-17: trace 691bb6a8…
    let t = span_trace("agentcore-strands-bedrock", "691bb6a875f4b80435ad36816864e7c2");
    assert_eq!(t.id, "1-691bb6a8-75f4b80435ad36816864e7c2");
    assert_eq!(t.spans.len(), 18);
    // record 0, "POST /invocations" (SERVER): its parent 4faebad135adfdaa is not in the export
    assert_eq!(t.roots.len(), 1);
    let root = t.span(t.roots[0]);
    assert_eq!((root.id.as_str(), root.name.as_str()), ("44349ec6bd7b02e3", "POST /invocations"));
    assert_eq!(root.parent_id.as_deref(), Some("4faebad135adfdaa"));
    assert_eq!(root.kind, SpanKind::Segment);
    assert_eq!(root.http.as_ref().and_then(|h| h.status), Some(200));
    assert_eq!(root.origin.as_deref(), Some("aws_bedrock_agentcore"));
    assert_eq!(root.user.as_deref(), Some("cc8a8e69-8bed-4e5f-9a06-9a58550fd713"), "session.id");
    // "durationNano": 5345904237, and no span ends after it
    assert!(close_secs(root.duration().unwrap(), 5.345904237), "{:?}", root.duration());
    assert!(close_secs(t.duration(), 5.345904237));
    // record 1, invoke_agent, under the root with records 15-17 (ListEvents); records 2-7 and
    // 10-14 under invoke_agent
    let agent = by_id(&t, "75d7e5e947e5af53");
    assert_eq!(agent.name, "invoke_agent Strands Agents");
    assert_eq!(parent_of(&t, agent).map(|p| p.id.as_str()), Some("44349ec6bd7b02e3"));
    assert_eq!(root.children.len(), 4);
    assert_eq!(agent.children.len(), 11);
    assert_eq!(agent.kind, SpanKind::Subsegment);
    // invoke_agent's own figures: the agent's totals, not counted again
    assert_eq!(agent.genai.operation.as_deref(), Some("invoke_agent"));
    assert_eq!((agent.genai.input_tokens, agent.genai.output_tokens), (Some(21245.0), Some(56.0)));
    assert_eq!(agent.genai.total_tokens, Some(21301.0));
    // "gen_ai.usage.cache_read_input_tokens": 0, "gen_ai.usage.cache_write_input_tokens": 0
    assert_eq!(agent.genai.cache_read_tokens, Some(0.0));
    assert_eq!(agent.genai.cache_write_tokens, Some(0.0));
    assert!(!agent.counted);
    // record 8, Strands' chat span (under execute_event_loop_cycle, record 4):
    // "gen_ai.server.time_to_first_token": 2657 (milliseconds)
    let chat = by_id(&t, "b1247625aa94dc7e");
    assert_eq!(parent_of(&t, chat).map(|p| p.name.as_str()), Some("execute_event_loop_cycle"));
    assert_eq!(chat.genai.ttft_secs, Some(2.657));
    assert_eq!(chat.genai.provider.as_deref(), Some("strands-agents"));
    // record 9, the botocore ConverseStream call below it: the one span that counts
    let call = by_id(&t, "06df90d70f7db03f");
    assert_eq!(call.name, "chat us.anthropic.claude-3-7-sonnet-20250219-v1:0");
    assert_eq!(parent_of(&t, call).map(|p| p.id.as_str()), Some("b1247625aa94dc7e"));
    assert_eq!(call.depth, 4);
    assert_eq!(scope(call), Some("opentelemetry.instrumentation.botocore.bedrock-runtime"));
    assert_eq!(call.genai.model(), Some(SONNET_37));
    assert_eq!(call.genai.provider.as_deref(), Some("aws.bedrock"));
    assert_eq!(call.genai.operation.as_deref(), Some("chat"));
    assert_eq!((call.genai.input_tokens, call.genai.output_tokens), (Some(21245.0), Some(56.0)));
    assert!(close_secs(call.duration().unwrap(), 3.440357165));
    assert_eq!(counted(&t), ["06df90d70f7db03f"]);
    let want = cost_of("anthropic.claude-3-7-sonnet-20250219-v1:0", tokens(21245.0, 56.0));
    assert!(close(call.genai.cost_usd.unwrap(), want), "{:?}", call.genai.cost_usd);
    assert_eq!(t.totals.tokens, Some(21301.0));
    assert_eq!((t.totals.input_tokens, t.totals.output_tokens), (21245.0, 56.0));
    assert!(close(t.totals.cost_usd.unwrap(), want));
    assert!(!t.totals.cost_incomplete);
    assert_eq!(t.totals.models, [SONNET_37]);
    // the AgentCore memory calls: HTTP 201/200, no failures anywhere
    let create = by_id(&t, "6662eafac4b167c2");
    assert_eq!(create.name, "Bedrock AgentCore.CreateEvent");
    assert_eq!(create.http.as_ref().and_then(|h| h.status), Some(201));
    assert_eq!((t.totals.faults, t.totals.errors, t.totals.throttles), (0, 0, 0));

    // the other two traces: (spans, counted call, tokens in + out) from records 18-35 and 36-49
    for (trace, n, call, inp, out) in [
        ("691bb69408ef53c72315fae60a6ae06e", 18, "63d0497daf1eaff1", 21209.0, 32.0),
        ("691bb664386ff51a6e07acb05320a88f", 14, "8c25e6a863686d74", 21114.0, 91.0),
    ] {
        let t = span_trace("agentcore-strands-bedrock", trace);
        assert_eq!(t.spans.len(), n, "{trace}");
        assert_eq!(t.roots.len(), 1, "{trace}");
        assert_eq!(t.root_name(), Some("POST /invocations"));
        assert_eq!(counted(&t), [call], "{trace}");
        assert_eq!(t.totals.tokens, Some(inp + out), "{trace}");
        let c = cost_of("anthropic.claude-3-7-sonnet-20250219-v1:0", tokens(inp, out));
        assert!(close(t.totals.cost_usd.unwrap(), c), "{trace}");
    }
}

#[test]
fn agentcore_strands_on_openai_spans_show_the_failed_tool_call() {
    // records 0-28: trace 691c23a8…
    let t = span_trace("agentcore-strands-openai", "691c23a8636a7e4512dfd580708d030e");
    assert_eq!(t.spans.len(), 29);
    assert_eq!(t.root_name(), Some("POST /invocations"));
    assert!(close_secs(t.duration(), 16.848340843));
    // record 15: StartCodeInterpreterSession answered 403 ("http.status_code": 403) with
    // "status": {"code": "ERROR", "message": "AccessDeniedException: …"} and an "exception" event
    let denied = by_id(&t, "fbec554376ee0efe");
    assert_eq!(denied.name, "Bedrock AgentCore.StartCodeInterpreterSession");
    assert_eq!(denied.http.as_ref().and_then(|h| h.status), Some(403));
    assert!(denied.error && !denied.fault && !denied.throttle);
    let meta = denied.metadata.as_ref().unwrap();
    assert!(meta["otel"]["status_message"].as_str().unwrap().starts_with("AccessDeniedException: An error occurred"));
    let cause = denied.cause.as_ref().expect("the exception event");
    assert_eq!(cause.exceptions.len(), 1);
    let e = &cause.exceptions[0];
    assert_eq!(e.kind.as_deref(), Some("botocore.errorfactory.AccessDeniedException"));
    assert!(e.message.as_deref().unwrap().starts_with("An error occurred (AccessDeniedException) when calling"));
    // "exception.stacktrace": a Python traceback of five frames (most recent call last), kept
    // innermost first as X-Ray writes stacks
    assert_eq!(e.stack.len(), 5, "{:?}", e.stack);
    assert_eq!(e.stack[0].path.as_deref(), Some("/usr/local/lib/python3.10/site-packages/botocore/client.py"));
    assert_eq!((e.stack[0].line, e.stack[0].label.as_deref()), (Some(1078), Some("_make_api_call")));
    assert_eq!(
        e.stack[4].path.as_deref(),
        Some("/usr/local/lib/python3.10/site-packages/opentelemetry/trace/__init__.py")
    );
    assert_eq!((e.stack[4].line, e.stack[4].label.as_deref()), (Some(587), Some("use_span")));
    // its parent, record 14 "execute_tool code_interpreter", and everything above it show the
    // failure below them
    let tool = by_id(&t, "e4b33b81b25786c2");
    assert_eq!(parent_of(&t, denied).map(|p| p.id.as_str()), Some("e4b33b81b25786c2"));
    for id in ["e4b33b81b25786c2", "681e3fecf93e4655", "ea481874619414c2", "e2a36d975676155e"] {
        assert!(by_id(&t, id).failure_below, "{id}");
    }
    assert!(!tool.failed());
    assert_eq!((t.totals.faults, t.totals.errors, t.totals.throttles), (0, 1, 0));
    // the two Strands chat spans (records 8 and 19) count: their children are plain httpx POSTs
    // to api.openai.com; invoke_agent (record 2) holds their sum, 5064 in / 408 out
    assert_eq!(counted(&t), ["91a6c92e88830c9b", "7b4aae121b8f0604"]);
    let c1 = by_id(&t, "91a6c92e88830c9b");
    assert_eq!((c1.genai.input_tokens, c1.genai.output_tokens), (Some(2707.0), Some(240.0)));
    assert_eq!(c1.genai.ttft_secs, Some(1.258), "\"gen_ai.server.time_to_first_token\": 1258");
    let agent = by_id(&t, "ea481874619414c2");
    assert_eq!(agent.genai.total_tokens, Some(5472.0));
    assert_eq!(t.totals.tokens, Some(5472.0));
    assert_eq!((t.totals.input_tokens, t.totals.output_tokens), (5064.0, 408.0));
    // gpt-4o is OpenAI's, not Bedrock's: no price, and the trace says its cost is incomplete
    assert_eq!(t.totals.models, ["gpt-4o"]);
    assert_eq!(t.totals.cost_usd, None);
    assert!(t.totals.cost_incomplete);

    // records 29-47: trace 691b3bf8…, 2325 in / 10 out in one chat span (record 37)
    let t = span_trace("agentcore-strands-openai", "691b3bf85af1dfe32dc6b67e3a3144d1");
    assert_eq!(t.spans.len(), 19);
    assert_eq!(counted(&t), ["baee2b838880cd42"]);
    assert_eq!(t.totals.tokens, Some(2335.0));
    assert_eq!(t.totals.errors, 0);
}

#[test]
fn agentcore_langchain_spans_become_trees() {
    // records 0-5: trace 691bbd4b…
    let t = span_trace("agentcore-langchain", "691bbd4b51c1a4c319aa2bf92068c474");
    assert_eq!(t.spans.len(), 6);
    let order: Vec<(&str, u32)> = t.preorder().iter().map(|i| (t.span(*i).name.as_str(), t.span(*i).depth)).collect();
    assert_eq!(
        order,
        [
            ("POST /invocations", 0),
            ("LangGraph.workflow", 1),
            ("chatbot.task", 2),
            ("ChatBedrockConverse.chat", 3),
            ("chat us.anthropic.claude-3-5-haiku-20241022-v1:0", 4),
            ("tools_condition.task", 3),
        ]
    );
    assert!(close_secs(t.duration(), 2.992260524));
    // record 1, the OpenLLMetry LangChain span: "gen_ai.usage.input_tokens": 338,
    // "gen_ai.usage.output_tokens": 113, "llm.usage.total_tokens": 451,
    // "gen_ai.response.model": "us.anthropic.claude-3-5-haiku-20241022-v1:0", "gen_ai.system": "AWS"
    let lc = by_id(&t, "2d60a188d4c50d72");
    assert_eq!(scope(lc), Some("opentelemetry.instrumentation.langchain"));
    assert_eq!(lc.genai.model(), Some(HAIKU_35));
    assert_eq!(lc.genai.response_model.as_deref(), Some(HAIKU_35));
    assert_eq!((lc.genai.input_tokens, lc.genai.output_tokens), (Some(338.0), Some(113.0)));
    assert_eq!(lc.genai.total_tokens, Some(451.0));
    assert_eq!(lc.genai.provider.as_deref(), Some("AWS"));
    // record 5, botocore's Converse call under it, is the one counted
    let call = by_id(&t, "81a4cbb3de6b19d4");
    assert_eq!(parent_of(&t, call).map(|p| p.id.as_str()), Some("2d60a188d4c50d72"));
    assert_eq!(counted(&t), ["81a4cbb3de6b19d4"]);
    assert!(close_secs(call.duration().unwrap(), 2.982968086));
    // record 4: "durationNano": 273476
    assert!(close_secs(by_id(&t, "b9e0f31f6ee98043").duration().unwrap(), 0.000273476));
    assert_eq!(t.totals.tokens, Some(451.0));
    assert!(close(
        t.totals.cost_usd.unwrap(),
        cost_of("anthropic.claude-3-5-haiku-20241022-v1:0", tokens(338.0, 113.0))
    ));

    // records 6-11: trace 691bbd25…, written children first; 329 in / 36 out
    let t = span_trace("agentcore-langchain", "691bbd2521293a552b6cbb5c30547369");
    assert_eq!(t.spans.len(), 6);
    assert_eq!(t.root_name(), Some("POST /invocations"));
    assert_eq!(t.span(t.roots[0]).children.len(), 1);
    assert_eq!(counted(&t), ["1033f5b78d782885"]);
    assert_eq!(t.totals.tokens, Some(365.0));
    assert!(close_secs(t.duration(), 1.452825317));
}

// ---------------------------------------------------------------------------------------------
// OpenInference Bedrock span attributes

/// (line of the snapshot, model, tokens in, out, total, finish reason, base model priced or None)
type Oi = (u64, &'static str, Option<f64>, Option<f64>, Option<f64>, Option<&'static str>, Option<&'static str>);

const OPENINFERENCE: &[Oi] = &[
    // "llm.model_name", "llm.token_count.prompt", ".completion", ".total", "llm.stop_reason"
    (
        152,
        "claude-3-5-sonnet-20240620",
        Some(13.0),
        Some(35.0),
        None,
        None,
        Some("anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ),
    (
        212,
        "claude-3-5-sonnet-20240620",
        Some(373.0),
        Some(94.0),
        None,
        None,
        Some("anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ),
    (573, "invalid-model-id", None, None, None, None, None),
    (613, "jamba-1-5-mini-v1:0", Some(16.0), Some(19.0), Some(35.0), None, Some("ai21.jamba-1-5-mini-v1:0")),
    (828, "llama3-8b-instruct-v1:0", Some(6.0), Some(18.0), None, None, Some("meta.llama3-8b-instruct-v1:0")),
    // Nova streaming: OpenInference recorded the provider as the model name; no price
    (1419, "amazon", Some(13.0), Some(114.0), None, None, None),
    (
        1488,
        "claude-3-5-sonnet-20240620",
        Some(13.0),
        Some(35.0),
        Some(48.0),
        Some("end_turn"),
        Some("anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ),
    (
        1624,
        "claude-3-5-sonnet-20240620",
        Some(414.0),
        Some(114.0),
        Some(528.0),
        Some("tool_use"),
        Some("anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ),
    (
        3005,
        "mistral-7b-instruct-v0:2",
        Some(18.0),
        Some(94.0),
        Some(112.0),
        Some("end_turn"),
        Some("mistral.mistral-7b-instruct-v0:2"),
    ),
    (
        3139,
        "claude-3-5-sonnet-20240620",
        None,
        Some(50.0),
        None,
        Some("max_tokens"),
        Some("anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ),
];

#[test]
fn openinference_bedrock_attributes_as_spans_and_as_xray_metadata() {
    let v = json("spans/openinference-bedrock-js-attributes.json");
    let snaps = v["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), OPENINFERENCE.len());
    let pricing = PriceTable::default();
    for (s, (line, model, inp, out, total, finish, priced)) in snaps.iter().zip(OPENINFERENCE) {
        assert_eq!(s["line"], *line);
        let attrs = &s["attributes"];
        // as an aws/spans record (the envelope is this test's; the attributes are the snapshot's)
        let record = serde_json::json!({
            "traceId": "5759e988bd862e3fe1be46a994272793", "spanId": format!("{line:016x}"),
            "name": "bedrock.invoke", "kind": "CLIENT", "startTimeUnixNano": 1_700_000_000_000_000_000u64,
            "durationNano": 1_000_000_000u64, "attributes": attrs,
        });
        let span = otel_spans::parse(&record.to_string()).unwrap().to_span(&pricing);
        // as an X-Ray subsegment, where the OTel X-Ray exporter puts attributes (metadata.default)
        let doc = serde_json::json!({
            "name": "bedrock.invoke", "id": format!("{line:016x}"), "start_time": 1.0, "end_time": 2.0,
            "namespace": "aws", "metadata": {"default": attrs},
        });
        let t = parse_trace("1-5759e988-bd862e3fe1be46a994272793", "us-east-1", &[doc.to_string()], &pricing);
        for (how, g) in [("aws/spans", &span.genai), ("x-ray", &t.spans[0].genai)] {
            let at = format!("line {line} via {how}");
            assert_eq!(g.model(), Some(*model), "{at}");
            assert_eq!((g.input_tokens, g.output_tokens, g.total_tokens), (*inp, *out, *total), "{at}");
            // "llm.provider": "aws"; OpenInference's span kind "LLM" is a chat
            assert_eq!(g.provider.as_deref(), Some("aws"), "{at}");
            assert_eq!(g.operation.as_deref(), Some("chat"), "{at}");
            assert_eq!(g.finish_reasons, finish.map(|f| vec![f.to_string()]).unwrap_or_default(), "{at}");
            match priced {
                Some(base) => {
                    let want = cost_of(base, tokens(inp.unwrap_or(0.0), out.unwrap_or(0.0)));
                    assert!(g.cost_usd.is_some_and(|c| close(c, want)), "{at}: {:?} vs {want}", g.cost_usd);
                }
                None => assert_eq!(g.cost_usd, None, "{at}"),
            }
            // "llm.input_messages.0.message.content…" or "input.value": the prompt is read
            assert!(g.prompt.is_some(), "{at}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// X-Ray

/// An HTTP client that answers every request with `answer(operation)` (the `X-Amz-Target`
/// header of JSON protocols, else the request path), status 200; `None` is a 400.
fn stub(answer: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> SharedHttpClient {
    infallible_client_fn(move |req| {
        let target = req.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).map(str::to_string);
        let op = target.unwrap_or_else(|| req.uri().path().to_string());
        let (status, body) = match answer(&op) {
            Some(b) => (200u16, b),
            None => (400, format!(r#"{{"__type":"ValidationException","message":"not stubbed: {op}"}}"#)),
        };
        let status = aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap();
        aws_smithy_runtime_api::http::Response::new(status, SdkBody::from(body)).try_into_http1x().unwrap()
    })
}

fn credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("AKIDTESTTESTTESTTEST", "test-secret", None, None, "real-fixtures")
}

fn xray_answering(body: String) -> XraySource {
    let conf = aws_sdk_xray::Config::builder()
        .behavior_version(aws_sdk_xray::config::BehaviorVersion::latest())
        .region(aws_sdk_xray::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .http_client(stub(move |op| (op == "/Traces").then(|| body.clone())))
        .build();
    XraySource::new(aws_sdk_xray::Client::from_conf(conf), "us-east-1", PriceTable::default(), "model_id", None, None)
}

fn by_name<'a>(t: &'a Trace, name: &str) -> Vec<&'a Span> {
    t.spans.iter().filter(|s| s.name == name).collect()
}

#[tokio::test]
async fn xray_batch_get_traces_cli_example() {
    let id = "1-5d82881a-0a9126e92a73e971eed891b9";
    let mut x = xray_answering(fixture("xray/batch-get-traces-scorekeep-cli.json"));
    let (traces, unprocessed) = x.fetch(&[id.to_string()], 1_700_000_000).await.unwrap();
    assert!(unprocessed.is_empty());
    let t = &traces[0];
    assert!(t.bad_documents.is_empty(), "{:?}", t.bad_documents);
    // two documents: the Scorekeep segment with its DynamoDB subsegment, and the inferred
    // DynamoDB segment ("parent_id": "2d6900034ccfe558", the subsegment)
    assert_eq!(t.spans.len(), 3);
    let order: Vec<(&str, u32, SpanKind)> =
        t.preorder().iter().map(|i| (t.span(*i).name.as_str(), t.span(*i).depth, t.span(*i).kind)).collect();
    assert_eq!(
        order,
        [
            ("Scorekeep", 0, SpanKind::Segment),
            ("DynamoDB", 1, SpanKind::Subsegment),
            ("DynamoDB", 2, SpanKind::Segment)
        ]
    );
    // "Duration": 0.232 = 1.568835610664E9 − 1.568835610432E9
    assert!(close_secs(t.duration(), 0.232), "{}", t.duration());
    let root = t.span(t.roots[0]);
    assert_eq!(root.origin.as_deref(), Some("AWS::ElasticBeanstalk::Environment"));
    let h = root.http.as_ref().unwrap();
    assert_eq!((h.method.as_deref(), h.status), (Some("POST"), Some(200)));
    assert_eq!(h.url.as_deref(), Some("http://scorekeep-env-1.m4fg2pfzpv.us-east-2.elasticbeanstalk.com/api/user"));
    assert_eq!((h.user_agent.as_deref(), h.client_ip.as_deref()), (Some("curl/7.59.0"), Some("52.95.4.28")));
    let sub = by_id(t, "2d6900034ccfe558");
    assert_eq!(sub.namespace.as_deref(), Some("aws"));
    assert_eq!(sub.aws.as_ref().unwrap()["operation"], "UpdateItem");
    assert_eq!(sub.http.as_ref().unwrap().content_length, Some(61));
    assert!(close_secs(sub.duration().unwrap(), 0.006));
    let inferred = by_id(t, "0f278b6334c34e6b");
    assert!(inferred.inferred);
    assert_eq!(inferred.origin.as_deref(), Some("AWS::DynamoDB::Table"));
    assert_eq!(parent_of(t, inferred).map(|p| p.id.as_str()), Some("2d6900034ccfe558"));
    assert_eq!((t.totals.faults, t.totals.errors, t.totals.throttles), (0, 0, 0));
    assert_eq!(t.totals.tokens, None);
}

#[tokio::test]
async fn xray_batch_get_traces_developer_guide_example() {
    let id = "1-59602603-23fc5b688855d396af79b496";
    let mut x = xray_answering(fixture("xray/batch-get-traces-scorekeep-devguide.json"));
    let (traces, unprocessed) = x.fetch(&[id.to_string()], 1_700_000_000).await.unwrap();
    assert!(unprocessed.is_empty());
    let t = &traces[0];
    assert!(t.bad_documents.is_empty());
    // five documents: Scorekeep (3 subsegments, one nested), the Lambda service segment, the
    // function segment (3 subsegments), inferred DynamoDB and SNS
    assert_eq!(t.spans.len(), 11);
    assert_eq!(t.roots.len(), 1);
    let order: Vec<(&str, u32)> = t.preorder().iter().map(|i| (t.span(*i).name.as_str(), t.span(*i).depth)).collect();
    assert_eq!(
        order,
        [
            ("Scorekeep", 0),
            ("Lambda", 1),
            ("random-name", 2),
            ("random-name", 3),
            ("Initialization", 4),
            ("annotations", 4),
            ("SNS", 4),
            ("SNS", 5),
            ("## UserModel.saveUser", 1),
            ("DynamoDB", 2),
            ("DynamoDB", 3),
        ]
    );
    // "Duration": 3.232 = 1499473414.794 − 1499473411.562
    assert!(close_secs(t.duration(), 3.232), "{}", t.duration());
    let root = by_id(t, "194fcc8747581230");
    assert_eq!(root.user.as_deref(), Some("5M388M1E"));
    assert_eq!(root.http.as_ref().unwrap().client_ip.as_deref(), Some("205.251.233.183"));
    let lambda = by_id(t, "1fb07842d944e714");
    assert_eq!(lambda.origin.as_deref(), Some("AWS::Lambda"));
    assert_eq!(lambda.resource_arn.as_deref(), Some("arn:aws:lambda:us-west-2:123456789012:function:random-name"));
    let function = by_id(t, "00f91aa01f4984fd");
    assert_eq!(function.origin.as_deref(), Some("AWS::Lambda::Function"));
    let ann = &by_name(t, "annotations")[0].annotations;
    assert!(
        ann.contains(&("UserID".to_string(), Value::from("5M388M1E"))) && ann.contains(&("Name".into(), "Ola".into()))
    );
    let save = &by_name(t, "## UserModel.saveUser")[0];
    assert_eq!(save.metadata.as_ref().unwrap()["debug"]["test"], "Metadata string from UserModel.saveUser");
    let sns: Vec<bool> = by_name(t, "SNS").iter().map(|s| s.inferred).collect();
    assert_eq!(sns, [false, true]);
    assert_eq!(
        by_name(t, "SNS")[0].aws.as_ref().unwrap()["topic_arn"],
        "arn:aws:sns:us-west-2:123456789012:awseb-e-ruag3jyweb-stack-NotificationTopic-6B829NT9V5O9"
    );
    // Initialization: 1499473412.064 → 1499473412.819
    assert!(close_secs(by_name(t, "Initialization")[0].duration().unwrap(), 0.755));
    assert_eq!(t.totals.faults + t.totals.errors + t.totals.throttles, 0);
}

/// A raw document as the X-Ray SDK sends it to the daemon: a header line, then the segment.
fn raw_segment(path: &str) -> String {
    let text = fixture(path);
    let (header, doc) = text.split_once('\n').unwrap();
    assert_eq!(header, r#"{"format": "json", "version": 1}"#);
    doc.to_string()
}

#[test]
fn xray_go_sdk_segments_with_a_dynamodb_fault() {
    let doc = raw_segment("xray/segment-go-sdk-dynamodb-fault.txt");
    let t = parse_trace("1-5f29ab21-d4ebf299219a65bd5c31d6da", "us-east-1", &[doc], &PriceTable::default());
    assert!(t.bad_documents.is_empty());
    // DDB → DescribeExistingTableAndPutToMissingTable → two dynamodb calls, each with the Go
    // SDK's marshal / attempt (connect → dns, dial, tls; request; response) / unmarshal / wait
    assert_eq!(t.spans.len(), 18);
    let order: Vec<(&str, u32)> = t.preorder().iter().map(|i| (t.span(*i).name.as_str(), t.span(*i).depth)).collect();
    assert_eq!(
        &order[..9],
        [
            ("DDB", 0),
            ("DDB.DescribeExistingTableAndPutToMissingTable", 1),
            ("dynamodb", 2),
            ("marshal", 3),
            ("attempt", 3),
            ("connect", 4),
            ("dns", 5),
            ("dial", 5),
            ("tls", 5)
        ]
    );
    // "fault": true on DDB, the operation, the second dynamodb call, its attempt and its wait
    let faulted: Vec<&str> =
        t.preorder().iter().map(|i| t.span(*i)).filter(|s| s.fault).map(|s| s.id.as_str()).collect();
    assert_eq!(
        faulted,
        ["88ad1df59cd7a7be", "7df694142c905d8d", "71631df3f58bdfc5", "56b1cb185cbdb378", "ba8d350c0e8cdc4b"]
    );
    assert_eq!((t.totals.faults, t.totals.errors, t.totals.throttles), (5, 0, 0));
    // the failed PutItem: "namespace": "aws", HTTP 400 with "content_length": 112
    let put = by_id(&t, "71631df3f58bdfc5");
    assert_eq!(put.namespace.as_deref(), Some("aws"));
    assert_eq!(put.http.as_ref().map(|h| (h.status, h.content_length)), Some((Some(400), Some(112))));
    let e = &put.cause.as_ref().unwrap().exceptions[0];
    assert_eq!(e.kind.as_deref(), Some("dynamodb.ResourceNotFoundException"));
    assert_eq!(e.message.as_deref(), Some("ResourceNotFoundException: Requested resource not found"));
    assert!(e.remote);
    // the root's cause: one exception, two frames, the first "runtime/proc.go" line 203 "main"
    let root = t.span(t.roots[0]);
    let cause = root.cause.as_ref().unwrap();
    assert!(cause.working_directory.as_deref().unwrap().ends_with("/testdata/rawsegment/sampleapp"));
    assert_eq!(cause.exceptions[0].id.as_deref(), Some("3e9e11e3ab3fba60"));
    assert_eq!(cause.exceptions[0].stack.len(), 2);
    let f = &cause.exceptions[0].stack[0];
    assert_eq!((f.path.as_deref(), f.line, f.label.as_deref()), (Some("runtime/proc.go"), Some(203), Some("main")));
    assert!(root.failure_below);
    // 1596566305.535414 → 1596566305.5928545
    assert!(close_secs(t.duration(), 1596566305.5928545 - 1596566305.535414));
    assert!(close_secs(by_id(&t, "0cab02b318413eb1").duration().unwrap(), 1596566305.5373216 - 1596566305.5357957));

    let doc = raw_segment("xray/segment-go-sdk-server.txt");
    let t = parse_trace("1-5f2aebcc-b475d14618c51eaa28753d37", "us-east-1", &[doc], &PriceTable::default());
    assert_eq!(t.spans.len(), 1);
    let s = &t.spans[0];
    assert_eq!((s.id.as_str(), s.name.as_str()), ("bda182a644eee9b3", "SampleServer"));
    let h = s.http.as_ref().unwrap();
    assert_eq!(
        (h.method.as_deref(), h.url.as_deref(), h.status),
        (Some("GET"), Some("http://localhost:8000/"), Some(200))
    );
    assert_eq!(h.user_agent.as_deref(), Some("Go-http-client/1.1"));
    assert!(!s.failed() && !s.in_progress);
    assert!(close_secs(s.duration().unwrap(), 1596648396.6401389 - 1596648396.6399446));
}

// ---------------------------------------------------------------------------------------------
// DescribeAlarms

/// A `MetricAlarm` of the CLI's JSON, through the SDK's builders (every member the examples set).
fn metric_alarm(a: &Value) -> aws_sdk_cloudwatch::types::MetricAlarm {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, MetricAlarm, StateValue, Statistic};
    use aws_smithy_types::date_time::Format;
    let s = |k: &str| a[k].as_str().map(str::to_string);
    let ts = |k: &str| a[k].as_str().map(|t| aws_smithy_types::DateTime::from_str(t, Format::DateTime).unwrap());
    let list = |k: &str| a[k].as_array().map(|v| v.iter().filter_map(|x| x.as_str().map(str::to_string)).collect());
    MetricAlarm::builder()
        .set_alarm_name(s("AlarmName"))
        .set_alarm_arn(s("AlarmArn"))
        .set_alarm_description(s("AlarmDescription"))
        .set_alarm_configuration_updated_timestamp(ts("AlarmConfigurationUpdatedTimestamp"))
        .set_actions_enabled(a["ActionsEnabled"].as_bool())
        .set_ok_actions(list("OKActions"))
        .set_alarm_actions(list("AlarmActions"))
        .set_insufficient_data_actions(list("InsufficientDataActions"))
        .set_state_value(s("StateValue").map(|v| StateValue::from(v.as_str())))
        .set_state_reason(s("StateReason"))
        .set_state_reason_data(s("StateReasonData"))
        .set_state_updated_timestamp(ts("StateUpdatedTimestamp"))
        .set_metric_name(s("MetricName"))
        .set_namespace(s("Namespace"))
        .set_statistic(s("Statistic").map(|v| Statistic::from(v.as_str())))
        .set_dimensions(a["Dimensions"].as_array().map(|d| {
            d.iter()
                .map(|x| {
                    Dimension::builder()
                        .set_name(x["Name"].as_str().map(Into::into))
                        .set_value(x["Value"].as_str().map(Into::into))
                        .build()
                })
                .collect()
        }))
        .set_period(a["Period"].as_i64().map(|p| p as i32))
        .set_evaluation_periods(a["EvaluationPeriods"].as_i64().map(|p| p as i32))
        .set_threshold(a["Threshold"].as_f64())
        .set_comparison_operator(s("ComparisonOperator").map(|v| ComparisonOperator::from(v.as_str())))
        .build()
}

async fn poll_alarms(path: &str) -> Vec<nightjar::store::alarms::Alarm> {
    use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    let v = json(path);
    let alarms: Vec<_> = v["MetricAlarms"].as_array().unwrap().iter().map(metric_alarm).collect();
    let rule = mock!(aws_sdk_cloudwatch::Client::describe_alarms)
        .then_output(move || DescribeAlarmsOutput::builder().set_metric_alarms(Some(alarms.clone())).build());
    let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
    let mut p = AlarmsPoller::new(client, "us-east-1", None, None);
    let u = p.poll(1_700_000_000).await.unwrap();
    assert_eq!(u.region, "us-east-1");
    u.alarms
}

#[tokio::test]
async fn describe_alarms_cli_examples() {
    let a = poll_alarms("cloudwatch/describe-alarms-cli-example.json").await;
    assert_eq!(a.len(), 1);
    let m = &a[0];
    assert_eq!(m.name, "myalarm");
    assert_eq!(m.state, AlarmState::Ok);
    assert_eq!(
        m.reason,
        "Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.958, 40.292]."
    );
    // "StateUpdatedTimestamp": "2014-04-09T18:59:06.442Z" (no StateTransitionedTimestamp)
    assert_eq!(m.since, Some(1_397_069_946));
    assert_eq!(m.description.as_deref(), Some("CPU usage exceeds 70 percent"));
    let AlarmTarget::Metric { key, period, comparison, threshold, datapoints, evaluation_periods } = &m.target else {
        panic!("{:?}", m.target)
    };
    assert_eq!(
        key,
        &SeriesKey::new("us-east-1", "AWS/EC2", "CPUUtilization", &[("InstanceId", "i-0c986c72")], "Average")
    );
    // "Period": 300, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 70.0,
    // "EvaluationPeriods": 2 and no DatapointsToAlarm (so 2 of 2)
    assert_eq!((*period, comparison.as_str(), *threshold), (300, "GreaterThanThreshold", 70.0));
    assert_eq!((*datapoints, *evaluation_periods), (2, 2));
    assert_eq!(m.condition(), "AWS/EC2 CPUUtilization{InstanceId=i-0c986c72} Average > 70 (2 of 2 × 5m)");

    let a = poll_alarms("cloudwatch/describe-alarms-for-metric-cli-example.json").await;
    let names: Vec<&str> = a.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"myHighCpuAlarm2") && names.contains(&"myHighCpuAlarm"), "{names:?}");
    let two = a.iter().find(|x| x.name == "myHighCpuAlarm2").unwrap();
    // "EvaluationPeriods": 10, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    // "StateUpdatedTimestamp": "2013-10-30T03:03:51.479Z"
    assert_eq!(two.since, Some(1_383_102_231));
    assert!(two.condition().ends_with(">= 70 (10 of 10 × 5m)"), "{}", two.condition());
}

// ---------------------------------------------------------------------------------------------
// GetQueryResults

#[tokio::test]
async fn get_query_results_cli_example_through_the_logs_runner() {
    let results = fixture("logs/get-query-results-cli-example.json");
    let calls = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = calls.clone();
    let http = stub(move |op| {
        seen.lock().unwrap().push(op.to_string());
        match op {
            "Logs_20140328.StartQuery" => Some(r#"{"queryId":"12ab3456-12ab-123a-789e-1234567890ab"}"#.to_string()),
            "Logs_20140328.GetQueryResults" => Some(results.clone()),
            "Logs_20140328.StopQuery" => Some(r#"{"success":true}"#.to_string()),
            "Logs_20140328.DescribeLogGroups" => Some(r#"{"logGroups":[]}"#.to_string()),
            _ => None,
        }
    });
    let conf = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatchlogs::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .http_client(http)
        .build();
    let client = aws_sdk_cloudwatchlogs::Client::from_conf(conf);
    let mut runner = LogsRunner::new(
        CwlBackend::new(client, None, "us-east-1", None, None),
        InsightsSettings::default(),
        PriceTable::default(),
        SourceHealth::new("logs", Some("us-east-1")),
    );
    let q = "fields @timestamp, @message, @logStream | sort @timestamp desc | limit 20";
    let spec = QuerySpec::new(
        "query",
        q,
        GroupClass::App,
        vec!["TestGroup".into()],
        Window { start: 1_716_098_400, end: 1_716_102_000 },
    );
    let run = run_to_end(&mut runner, spec, Duration::from_secs(30)).await;
    assert_eq!(run.status, QueryStatus::Complete, "{:?}", run.error);
    assert!(calls.lock().unwrap().iter().any(|c| c == "Logs_20140328.GetQueryResults"));
    let t = &run.table;
    // three rows of @timestamp, @message, @logStream; @ptr kept aside
    assert_eq!(t.columns, ["@timestamp", "@message", "@logStream"]);
    assert_eq!(col(t, "@message"), ["Test BENCHMARK 3", "Test BENCHMARK 2", "Test BENCHMARK 1"]);
    assert_eq!(col(t, "@timestamp")[0], "2024-05-19 06:10:35.743");
    assert_eq!(col(t, "@logStream"), ["TestStream"; 3]);
    assert!(t.ptrs[2].as_deref().unwrap().starts_with("ClQKGAoUODc3MzYyMTE0MTkzOnRlc3ROSFQQBxI0"));
    // "statistics": {"recordsMatched": 3.0, "recordsScanned": 3.0, "bytesScanned": 141.0}
    let st = run.stats.unwrap();
    assert_eq!((st.records_matched, st.records_scanned, st.bytes_scanned), (3.0, 3.0, 141.0));
    let cost = run.cost_usd.unwrap();
    assert!(close(cost, 141.0 / 1_073_741_824.0 * 0.005), "{cost}");
    assert_eq!(run.truncated, None);
}
