//! OpenTelemetry span records, as Transaction Search stores them in `aws/spans`, turned into the
//! same span tree as X-Ray traces ([`crate::domain::trace::Trace`]).
//!
//! A record is one JSON object per span: `traceId` (W3C, 32 hex), `spanId`, `parentSpanId`,
//! `name`, `kind`, `startTimeUnixNano` / `endTimeUnixNano` / `durationNano` (numbers, or strings
//! as OTLP/JSON writes 64-bit integers), `attributes` (flat dotted keys, or nested objects),
//! `resource.attributes`, `scope`, `status{code,message}`, `events` (an `exception` event's
//! `exception.type` / `.message` / `.stacktrace` become the span's cause, as X-Ray's `cause`
//! does). Parsing is tolerant: anything missing is left out, a record that is not a span is
//! reported, not fatal.

use serde_json::{Map, Value};

use crate::domain::insights::{ResultTable, trace_id_forms};
use crate::domain::pricing::PriceTable;
use crate::domain::trace::{Cause, Exception, Http, Span, SpanKind, StackFrame, Trace};
use crate::store::Update;
use crate::store::traces::TracesUpdate;

/// One span record, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct OtelSpan {
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub name: String,
    pub kind: Option<String>,
    /// Epoch seconds.
    pub start: f64,
    pub end: Option<f64>,
    pub status_code: Option<String>,
    pub status_message: Option<String>,
    /// Span attributes, flattened to dotted keys.
    pub attributes: Vec<(String, Value)>,
    pub resource: Vec<(String, Value)>,
    pub scope: Option<String>,
    /// The `exception` events, in the order recorded.
    pub exceptions: Vec<Exception>,
}

/// A finite number (`"1e400"`, `"NaN"` and `"inf"` parse as floats but are not times).
fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `{"a": {"b": 1}, "c.d": 2}` → `[("a.b", 1), ("c.d", 2)]`.
fn flatten_attrs(v: Option<&Value>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(Value::Object(m)) = v else { return out };
    let mut stack: Vec<(String, &Map<String, Value>)> = vec![(String::new(), m)];
    while let Some((prefix, m)) = stack.pop() {
        for (k, v) in m {
            let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                Value::Object(inner) => stack.push((key, inner)),
                other => out.push((key, other.clone())),
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Parse one record.
pub fn parse(record: &str) -> Result<OtelSpan, String> {
    let v: Value = serde_json::from_str(record).map_err(|e| format!("not JSON: {e}"))?;
    let trace_id = text(v.get("traceId")).ok_or("no traceId")?;
    let span_id = text(v.get("spanId")).ok_or("no spanId")?;
    let nano = 1e9;
    let start = num(v.get("startTimeUnixNano")).map(|n| n / nano).ok_or("no startTimeUnixNano")?;
    let end = num(v.get("endTimeUnixNano"))
        .map(|n| n / nano)
        .or_else(|| num(v.get("durationNano")).map(|d| start + d / nano));
    let status = v.get("status");
    Ok(OtelSpan {
        trace_id,
        span_id,
        parent_span_id: text(v.get("parentSpanId")),
        name: text(v.get("name")).unwrap_or_else(|| "(unnamed)".into()),
        kind: text(v.get("kind")),
        start,
        end,
        status_code: status.and_then(|s| text(s.get("code"))),
        status_message: status.and_then(|s| text(s.get("message"))),
        attributes: flatten_attrs(v.get("attributes")),
        resource: flatten_attrs(v.get("resource").and_then(|r| r.get("attributes"))),
        scope: v.get("scope").and_then(|s| text(s.get("name"))),
        exceptions: v.get("events").and_then(Value::as_array).map(|e| exceptions(e)).unwrap_or_default(),
    })
}

/// The `exception` events of a span (OpenTelemetry's exception semantic conventions), as X-Ray
/// exceptions. A Python traceback (`File "…", line N, in f`) gives the stack, innermost frame
/// first as X-Ray writes it; other stack formats give none.
fn exceptions(events: &[Value]) -> Vec<Exception> {
    events
        .iter()
        .filter(|e| e.get("name").and_then(Value::as_str) == Some("exception"))
        .map(|e| {
            let attrs: Map<String, Value> = flatten_attrs(e.get("attributes")).into_iter().collect();
            let stack = attrs.get("exception.stacktrace").and_then(Value::as_str).map(python_frames);
            Exception {
                kind: text(attrs.get("exception.type")),
                message: text(attrs.get("exception.message")),
                stack: stack.unwrap_or_default(),
                ..Default::default()
            }
        })
        .collect()
}

/// `  File "/app/x.py", line 12, in handler` lines of a Python traceback, innermost first.
fn python_frames(trace: &str) -> Vec<StackFrame> {
    let mut frames: Vec<StackFrame> = trace
        .lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("File \"")?;
            let (path, rest) = rest.split_once("\", line ")?;
            let (line, label) = rest.split_once(", in ").map_or((rest, None), |(n, f)| (n, Some(f.trim())));
            Some(StackFrame {
                path: Some(path.to_string()),
                line: line.trim().parse().ok(),
                label: label.map(str::to_string),
            })
        })
        .collect();
    frames.reverse();
    frames
}

impl OtelSpan {
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn is_error(&self) -> bool {
        matches!(self.status_code.as_deref(), Some("ERROR" | "STATUS_CODE_ERROR" | "Error" | "2"))
    }

    fn is_server(&self) -> bool {
        matches!(self.kind.as_deref(), Some("SERVER" | "SPAN_KIND_SERVER" | "Server" | "2"))
    }

    /// As a span of the tree: HTTP status 429 is a throttle, 4xx an error, 5xx (or an OTel
    /// error status) a fault, as X-Ray counts them. Attributes become annotations (and the
    /// span's GenAI facts: model, tokens, cost); resource, scope and kind go to metadata.
    pub fn to_span(&self, pricing: &PriceTable) -> Span {
        let mut s = Span::new(&self.span_id, &self.name, self.start, self.end);
        s.parent_id = self.parent_span_id.clone();
        s.kind =
            if self.parent_span_id.is_none() || self.is_server() { SpanKind::Segment } else { SpanKind::Subsegment };
        let status =
            num(self.attr("http.response.status_code").or_else(|| self.attr("http.status_code"))).map(|v| v as u16);
        match status {
            Some(429) => s.throttle = true,
            Some(400..=499) => s.error = true,
            Some(500..=599) => s.fault = true,
            _ => {}
        }
        if self.is_error() && !s.error && !s.throttle {
            s.fault = true;
        }
        let method = text(self.attr("http.request.method").or_else(|| self.attr("http.method")));
        let url = text(self.attr("url.full").or_else(|| self.attr("http.url")));
        if method.is_some() || url.is_some() || status.is_some() {
            s.http = Some(Http { method, url, status, ..Default::default() });
        }
        s.genai = crate::domain::genai::normalise(self.attributes.iter().map(|(k, v)| (k.as_str(), v)), pricing);
        if s.genai.ttft_secs.is_none()
            && let Some(v) = self.attr("gen_ai.server.time_to_first_token")
        {
            s.genai.ttft_secs = crate::domain::genai::server_ttft_secs(v, s.duration());
        }
        if !self.exceptions.is_empty() {
            s.cause = Some(Cause { exceptions: self.exceptions.clone(), ..Default::default() });
        }
        s.annotations = self.attributes.clone();
        let mut meta = Map::new();
        let obj = |kv: &[(String, Value)]| Value::Object(kv.iter().cloned().collect());
        meta.insert("resource".into(), obj(&self.resource));
        if let Some(sc) = &self.scope {
            meta.insert("scope".into(), Value::String(sc.clone()));
        }
        if let Some(k) = &self.kind {
            meta.insert("kind".into(), Value::String(k.clone()));
        }
        if let Some(m) = &self.status_message {
            meta.insert("status_message".into(), Value::String(m.clone()));
        }
        s.metadata = Some(Value::Object([("otel".to_string(), Value::Object(meta))].into_iter().collect()));
        s.origin = self.resource.iter().find(|(k, _)| k == "cloud.platform").and_then(|(_, v)| text(Some(v)));
        s.user = text(self.attr("session.id").or_else(|| self.attr("user.id")));
        s
    }
}

/// One trace from its span records (records of other traces are skipped). The trace is named
/// by its X-Ray id, like the traces X-Ray returns. `None` when no record was a span of it.
pub fn build_trace<'a>(
    trace_id: &str,
    region: &str,
    records: impl IntoIterator<Item = &'a str>,
    pricing: &PriceTable,
) -> Option<Trace> {
    let (xray, w3c) = trace_id_forms(trace_id)?;
    let mut spans = Vec::new();
    let mut bad = Vec::new();
    for r in records {
        match parse(r) {
            Ok(o) if o.trace_id.eq_ignore_ascii_case(&w3c) || o.trace_id.eq_ignore_ascii_case(&xray) => {
                spans.push(o.to_span(pricing))
            }
            Ok(_) => {}
            Err(e) => bad.push(format!("{e}: {}", crate::sanitize::one_line(&r.chars().take(120).collect::<String>()))),
        }
    }
    if spans.is_empty() {
        return None;
    }
    let mut t = Trace::build(&xray, region, spans);
    t.bad_documents = bad;
    Some(t)
}

/// The span records of a finished `aws/spans` query (their `@message`s) → a traces update:
/// the trace, or the id as not found.
pub fn traces_update(
    trace_id: &str,
    table: &ResultTable,
    region: &Option<String>,
    pricing: &PriceTable,
) -> Option<Update> {
    let (xray, _) = trace_id_forms(trace_id)?;
    let col = table.column("@message")?;
    let records = table.rows.iter().map(|r| r[col].as_str());
    let update = match build_trace(trace_id, region.as_deref().unwrap_or_default(), records, pricing) {
        Some(t) => TracesUpdate::Fetched { traces: vec![t], unprocessed: Vec::new() },
        None => TracesUpdate::Fetched { traces: Vec::new(), unprocessed: vec![xray] },
    };
    Some(Update::Traces(update))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "5759e988bd862e3fe1be46a994272793";

    fn record(span: &str, parent: Option<&str>, name: &str, start_ms: u64, dur_ms: u64, extra: &str) -> String {
        let parent = parent.map(|p| format!(r#""parentSpanId":"{p}","#)).unwrap_or_default();
        format!(
            r#"{{"traceId":"{TRACE}","spanId":"{span}",{parent}"name":"{name}","kind":"INTERNAL",
               "startTimeUnixNano":"{}","durationNano":{},
               "resource":{{"attributes":{{"service.name":"rag-agent","cloud.platform":"aws_bedrock_agentcore"}}}},
               "scope":{{"name":"strands.telemetry.tracer"}}{extra}}}"#,
            (1_700_000_000_000 + start_ms) * 1_000_000,
            dur_ms * 1_000_000
        )
    }

    #[test]
    fn records_become_one_tree() {
        let recs = [
            record(
                "b",
                Some("a"),
                "chat us.anthropic.claude-sonnet-4-6",
                100,
                2644,
                r#","attributes":{"gen_ai.request.model":"us.anthropic.claude-sonnet-4-6","gen_ai.usage.input_tokens":1980,"http.response.status_code":429}"#,
            ),
            record("a", None, "invoke_agent", 0, 3000, r#","status":{"code":"ERROR","message":"boom"}"#),
            record(
                "c",
                Some("a"),
                "execute_tool search",
                2800,
                150,
                r#","attributes":{"gen_ai":{"tool":{"name":"search"}}}"#,
            ),
            r#"{"traceId":"ffffffffffffffffffffffffffffffff","spanId":"z","name":"other","startTimeUnixNano":1}"#
                .to_string(),
            "not json at all \u{1b}[2J".to_string(),
        ];
        let t = build_trace(TRACE, "us-east-1", recs.iter().map(String::as_str), &PriceTable::default()).unwrap();
        assert_eq!(t.id, "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(t.spans.len(), 3);
        assert_eq!(t.roots.len(), 1);
        let root = t.span(t.roots[0]);
        assert_eq!(root.name, "invoke_agent");
        assert_eq!(root.kind, SpanKind::Segment);
        assert!(root.fault);
        // children in start order
        let names: Vec<&str> = root.children.iter().map(|c| t.span(*c).name.as_str()).collect();
        assert_eq!(names, vec!["chat us.anthropic.claude-sonnet-4-6", "execute_tool search"]);
        let chat = t.spans.iter().find(|s| s.id == "b").unwrap();
        assert!(chat.throttle && !chat.fault);
        assert_eq!(chat.kind, SpanKind::Subsegment);
        assert!((chat.start - 1_700_000_000.1).abs() < 1e-6);
        assert!((chat.end.unwrap() - 1_700_000_002.744).abs() < 1e-6);
        assert_eq!(chat.http.as_ref().unwrap().status, Some(429));
        assert!(chat.annotations.iter().any(|(k, v)| k == "gen_ai.usage.input_tokens" && v == &Value::from(1980)));
        assert_eq!(chat.origin.as_deref(), Some("aws_bedrock_agentcore"));
        let tool = t.spans.iter().find(|s| s.id == "c").unwrap();
        assert!(tool.annotations.iter().any(|(k, _)| k == "gen_ai.tool.name"));
        // the bad record is reported (sanitised), the other trace's is skipped
        assert_eq!(t.bad_documents.len(), 1);
        assert!(!t.bad_documents[0].contains('\u{1b}'));
    }

    #[test]
    fn a_table_without_spans_reports_the_id_as_not_found() {
        let table = ResultTable::from_rows(&[vec![("@message".into(), "{}".into())]]);
        let u = traces_update(TRACE, &table, &Some("us-east-1".into()), &PriceTable::default()).unwrap();
        assert_eq!(
            u,
            Update::Traces(TracesUpdate::Fetched {
                traces: vec![],
                unprocessed: vec!["1-5759e988-bd862e3fe1be46a994272793".into()]
            })
        );
        assert!(traces_update("not-a-trace", &table, &None, &PriceTable::default()).is_none());
    }

    #[test]
    fn times_as_numbers_and_end_times() {
        let r = r#"{"traceId":"t","spanId":"s","startTimeUnixNano":2000000000,"endTimeUnixNano":3500000000}"#;
        let o = parse(r).unwrap();
        assert_eq!((o.start, o.end), (2.0, Some(3.5)));
        assert_eq!(o.name, "(unnamed)");
        assert!(parse(r#"{"spanId":"s"}"#).unwrap_err().contains("traceId"));
    }

    /// Found by fuzzing (fuzz/fuzz_targets/otel_spans.rs): times sent as strings that parse to
    /// infinity or NaN made spans (and the trace) end at infinity.
    #[test]
    fn times_that_are_not_finite_are_missing() {
        let r = r#"{"traceId":"t","spanId":"s","startTimeUnixNano":"2000000000","endTimeUnixNano":"1700000001e308"}"#;
        assert_eq!(parse(r).unwrap().end, None);
        let r =
            r#"{"traceId":"t","spanId":"s","startTimeUnixNano":"1e9","endTimeUnixNano":"NaN","durationNano":"inf"}"#;
        assert_eq!(parse(r).unwrap().end, None);
        let r = r#"{"traceId":"t","spanId":"s","startTimeUnixNano":"-infinity"}"#;
        assert!(parse(r).unwrap_err().contains("startTimeUnixNano"));
    }

    #[test]
    fn exception_events_become_the_cause() {
        let r = r#"{"traceId":"t","spanId":"s","startTimeUnixNano":1,"events":[
            {"name":"log","attributes":{"exception.type":"not an exception event"}},
            {"name":"exception","attributes":{"exception.type":"ValueError","exception.message":"bad",
             "exception.stacktrace":"Traceback (most recent call last):\n  File \"/app/a.py\", line 3, in main\n    f()\n  File \"/app/b.py\", line 9, in f\n    raise ValueError('bad')\nValueError: bad\n"}},
            {"name":"exception","attributes":{"exception.type":"java.io.IOException","exception.stacktrace":"at x.Y.z(Y.java:1)"}}]}"#;
        let o = parse(r).unwrap();
        assert_eq!(o.exceptions.len(), 2);
        let s = o.to_span(&PriceTable::default());
        let ex = &s.cause.as_ref().unwrap().exceptions;
        assert_eq!((ex[0].kind.as_deref(), ex[0].message.as_deref()), (Some("ValueError"), Some("bad")));
        let frames: Vec<(Option<&str>, Option<u64>, Option<&str>)> =
            ex[0].stack.iter().map(|f| (f.path.as_deref(), f.line, f.label.as_deref())).collect();
        assert_eq!(frames, [(Some("/app/b.py"), Some(9), Some("f")), (Some("/app/a.py"), Some(3), Some("main"))]);
        assert!(ex[1].stack.is_empty() && ex[1].message.is_none());
        assert!(
            parse(r#"{"traceId":"t","spanId":"s","startTimeUnixNano":1}"#)
                .unwrap()
                .to_span(&PriceTable::default())
                .cause
                .is_none()
        );
    }
}
