//! X-Ray segment documents → plain [`Span`]s → a [`Trace`].
//!
//! Tolerant of what real documents look like: nested subsegments at any depth (walked with an
//! explicit stack), subsegments sent as separate documents (`type: "subsegment"`, linked by
//! `parent_id` when the tree is built), downstream services' segments (linked the same way),
//! `in_progress` documents without an `end_time`, the same id sent twice, `fault` / `error` /
//! `throttle` (or only an HTTP status), `cause` as an exception id or as exceptions with stacks,
//! `http`, `aws`, `sql`, `annotations`, `metadata` namespaces, `namespace: aws|remote`, numbers
//! sent as strings, and missing fields. A document that is not JSON is recorded, not fatal.
//!
//! GenAI attributes are read from the annotations first, then from every metadata namespace
//! (the OpenTelemetry X-Ray exporter puts span attributes in `metadata.default`), and normalised
//! by [`crate::domain::genai`].

use serde_json::{Map, Value};

use crate::domain::genai::{self, flatten};
use crate::domain::pricing::PriceTable;
use crate::domain::trace::{Cause, Exception, Http, Span, SpanKind, StackFrame, Trace};

/// Parse every document of one trace and build its tree.
pub fn parse_trace<S: AsRef<str>>(id: &str, region: &str, documents: &[S], pricing: &PriceTable) -> Trace {
    let mut spans = Vec::new();
    let mut bad = Vec::new();
    for d in documents {
        if let Err(e) = parse_document(d.as_ref(), pricing, &mut spans) {
            bad.push(e);
        }
    }
    let mut t = Trace::build(id, region, spans);
    t.bad_documents = bad;
    t
}

/// A document object still to turn into a span: (object, parent id, kind, start to fall back on).
type Pending<'a> = (&'a Map<String, Value>, Option<String>, SpanKind, Option<f64>);

/// Parse one document (a segment, or a subsegment sent on its own) and everything nested in it.
pub fn parse_document(doc: &str, pricing: &PriceTable, out: &mut Vec<Span>) -> Result<(), String> {
    let v: Value = serde_json::from_str(doc).map_err(|e| {
        let head: String = doc.chars().take(60).collect();
        format!("not a segment document ({e}): {}", crate::sanitize::one_line(&head))
    })?;
    let Value::Object(root) = v else { return Err("not a segment document: not a JSON object".into()) };
    let top_kind = if root.get("type").and_then(Value::as_str) == Some("subsegment") {
        SpanKind::Subsegment
    } else {
        SpanKind::Segment
    };
    let top_parent = root.get("parent_id").and_then(as_string);
    let mut stack: Vec<Pending> = vec![(&root, top_parent, top_kind, None)];
    let mut anon = 0usize;
    while let Some((o, parent, kind, parent_start)) = stack.pop() {
        let mut s = span_from(o, parent, kind, parent_start, pricing);
        if s.id.is_empty() {
            // no id: still show it, under a made-up id that cannot collide with a real one
            anon += 1;
            s.id = format!("(no id {}:{anon})", out.len());
        }
        if let Some(Value::Array(subs)) = o.get("subsegments") {
            for sub in subs.iter().rev() {
                if let Value::Object(so) = sub {
                    stack.push((so, Some(s.id.clone()), SpanKind::Subsegment, Some(s.start)));
                }
            }
        }
        out.push(s);
    }
    Ok(())
}

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

fn as_u64(v: &Value) -> Option<u64> {
    as_f64(v).filter(|x| *x >= 0.0).map(|x| x as u64)
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_f64().map(|x| x != 0.0),
        _ => None,
    }
}

fn get_str(o: &Map<String, Value>, k: &str) -> Option<String> {
    o.get(k).and_then(as_string)
}

fn span_from(
    o: &Map<String, Value>,
    parent: Option<String>,
    kind: SpanKind,
    parent_start: Option<f64>,
    pricing: &PriceTable,
) -> Span {
    let id = get_str(o, "id").unwrap_or_default();
    let name = get_str(o, "name").unwrap_or_else(|| "(unnamed)".to_string());
    let start = o.get("start_time").and_then(as_f64).or(parent_start).unwrap_or(0.0);
    let in_progress = o.get("in_progress").and_then(as_bool).unwrap_or(false);
    let end = if in_progress { None } else { o.get("end_time").and_then(as_f64).map(|e| e.max(start)) };
    let mut s = Span::new(&id, &name, start, end);
    s.in_progress = in_progress || end.is_none();
    s.parent_id = parent;
    s.kind = kind;
    s.namespace = get_str(o, "namespace");
    s.origin = get_str(o, "origin");
    s.user = get_str(o, "user");
    s.resource_arn = get_str(o, "resource_arn");
    s.inferred = o.get("inferred").and_then(as_bool).unwrap_or(false);
    let flag = |k: &str| o.get(k).and_then(as_bool);
    let (fault, error, throttle) = (flag("fault"), flag("error"), flag("throttle"));
    s.fault = fault.unwrap_or(false);
    s.error = error.unwrap_or(false);
    s.throttle = throttle.unwrap_or(false);
    s.http = o.get("http").and_then(Value::as_object).map(http_from);
    if fault.is_none()
        && error.is_none()
        && throttle.is_none()
        && let Some(st) = s.http.as_ref().and_then(|h| h.status)
    {
        // no flags sent: derive them from the status as X-Ray does
        s.throttle = st == 429;
        s.error = (400..500).contains(&st);
        s.fault = st >= 500;
    }
    s.aws = o.get("aws").filter(|v| !v.is_null()).cloned();
    s.sql = o.get("sql").filter(|v| !v.is_null()).cloned();
    if let Some(Value::Object(a)) = o.get("annotations") {
        s.annotations = a.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    }
    s.metadata = o.get("metadata").filter(|v| !v.is_null()).cloned();
    s.cause = o.get("cause").and_then(cause_from);
    // GenAI: annotations first, then the metadata namespaces (each flattened without its name)
    let mut attrs: Vec<(String, &Value)> = s.annotations.iter().map(|(k, v)| (k.clone(), v)).collect();
    if let Some(Value::Object(ns)) = o.get("metadata") {
        for (name, v) in ns {
            if v.is_object() {
                flatten("", v, &mut attrs);
            } else {
                attrs.push((name.clone(), v));
            }
        }
    }
    s.genai = genai::normalise(attrs.iter().map(|(k, v)| (k.as_str(), *v)), pricing);
    if s.genai.operation.is_none()
        && s.genai.has_usage()
        && let Some(op) = s.aws.as_ref().and_then(|a| a.get("operation")).and_then(Value::as_str)
    {
        s.genai.operation = Some(op.to_string());
    }
    s
}

fn http_from(h: &Map<String, Value>) -> Http {
    let req = h.get("request").and_then(Value::as_object);
    let resp = h.get("response").and_then(Value::as_object);
    let r = |k: &str| req.and_then(|m| get_str(m, k));
    Http {
        method: r("method"),
        url: r("url"),
        user_agent: r("user_agent"),
        client_ip: r("client_ip"),
        status: resp.and_then(|m| m.get("status")).and_then(as_u64).and_then(|s| u16::try_from(s).ok()),
        content_length: resp.and_then(|m| m.get("content_length")).and_then(as_u64),
    }
}

fn cause_from(v: &Value) -> Option<Cause> {
    match v {
        Value::String(id) if !id.is_empty() => Some(Cause { exception_ref: Some(id.clone()), ..Default::default() }),
        Value::Object(o) => Some(Cause {
            exception_ref: None,
            working_directory: get_str(o, "working_directory"),
            paths: o
                .get("paths")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(as_string).collect())
                .unwrap_or_default(),
            exceptions: o
                .get("exceptions")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_object).map(exception_from).collect())
                .unwrap_or_default(),
        }),
        _ => None,
    }
}

fn exception_from(o: &Map<String, Value>) -> Exception {
    Exception {
        id: get_str(o, "id"),
        message: get_str(o, "message"),
        kind: get_str(o, "type"),
        remote: o.get("remote").and_then(as_bool).unwrap_or(false),
        truncated: o.get("truncated").and_then(as_u64),
        skipped: o.get("skipped").and_then(as_u64),
        cause: get_str(o, "cause"),
        stack: o
            .get("stack")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_object)
                    .map(|f| StackFrame {
                        path: get_str(f, "path"),
                        line: f.get("line").and_then(as_u64),
                        label: get_str(f, "label"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(docs: &[Value]) -> Trace {
        let d: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
        parse_trace("1-5f84c7a1-0123456789abcdef01234567", "us-east-1", &d, &PriceTable::default())
    }

    fn by_name<'a>(t: &'a Trace, name: &str) -> &'a Span {
        t.spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no span {name}"))
    }

    const TID: &str = "1-5f84c7a1-0123456789abcdef01234567";

    #[test]
    fn nested_subsegments_with_everything() {
        let doc = json!({
            "name": "rag-api", "id": "aaaaaaaaaaaaaaaa", "trace_id": TID,
            "start_time": 100.0, "end_time": 103.5, "origin": "AWS::ECS::Container", "user": "u-1",
            "http": {"request": {"method": "POST", "url": "https://api/query", "user_agent": "curl"},
                     "response": {"status": 500, "content_length": 12}},
            "fault": true,
            "aws": {"ecs": {"container": "c1"}, "xray": {"sdk": "opentelemetry"}},
            "annotations": {"model_id": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "tenant": "acme"},
            "metadata": {"default": {"query_length": 42}},
            "cause": {"working_directory": "/app", "paths": ["/app/rag.py"], "exceptions": [
                {"id": "e1", "type": "ThrottlingException", "message": "Too many tokens", "remote": true,
                 "stack": [{"path": "rag.py", "line": 88, "label": "generate"}], "truncated": 3}]},
            "subsegments": [
                {"name": "vector_search", "id": "bbbbbbbbbbbbbbbb", "start_time": 100.1, "end_time": 101.0,
                 "namespace": "remote", "metadata": {"default": {"documents_retrieved": 5, "avg_similarity_score": 0.62}}},
                {"name": "llm_generation", "id": "cccccccccccccccc", "start_time": 101.0, "end_time": 103.4,
                 "fault": true, "cause": "e1",
                 "subsegments": [
                    {"name": "BedrockRuntime", "id": "dddddddddddddddd", "start_time": 101.0, "end_time": 101.2,
                     "namespace": "aws", "throttle": true, "error": true,
                     "http": {"response": {"status": "429"}},
                     "aws": {"operation": "InvokeModel", "region": "us-east-1", "request_id": "r-1"},
                     "metadata": {"default": {"gen_ai.request.model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                                              "gen_ai.usage.input_tokens": 0}}}
                 ]}
            ]
        });
        let t = parse(&[doc]);
        assert!(t.bad_documents.is_empty());
        assert_eq!(t.spans.len(), 4);
        let order: Vec<&str> = t.preorder().iter().map(|i| t.span(*i).name.as_str()).collect();
        assert_eq!(order, ["rag-api", "vector_search", "llm_generation", "BedrockRuntime"]);
        let root = by_name(&t, "rag-api");
        assert_eq!(root.kind, SpanKind::Segment);
        assert!(root.fault && !root.error);
        let h = root.http.as_ref().unwrap();
        assert_eq!((h.method.as_deref(), h.status, h.content_length), (Some("POST"), Some(500), Some(12)));
        assert_eq!(root.annotations.len(), 2);
        let cause = root.cause.as_ref().unwrap();
        assert_eq!(cause.exceptions[0].kind.as_deref(), Some("ThrottlingException"));
        assert_eq!(cause.exceptions[0].stack[0].line, Some(88));
        assert_eq!(cause.exceptions[0].truncated, Some(3));
        assert!(cause.exceptions[0].remote);
        let vs = by_name(&t, "vector_search");
        assert_eq!(vs.namespace.as_deref(), Some("remote"));
        assert_eq!(vs.genai.documents_retrieved, Some(5.0));
        assert_eq!(vs.parent, Some(t.roots[0]));
        let gen_span = by_name(&t, "llm_generation");
        assert_eq!(gen_span.cause.as_ref().unwrap().exception_ref.as_deref(), Some("e1"));
        let call = by_name(&t, "BedrockRuntime");
        assert_eq!(call.kind, SpanKind::Subsegment);
        assert!(call.throttle && call.error && !call.fault);
        assert_eq!(call.http.as_ref().unwrap().status, Some(429), "a status sent as a string");
        assert_eq!(call.genai.operation.as_deref(), Some("InvokeModel"));
        assert_eq!(call.depth, 2);
        assert_eq!((t.totals.faults, t.totals.errors, t.totals.throttles), (2, 1, 1));
        assert!((t.duration() - 3.5).abs() < 1e-9);
        assert!(root.failure_below);
    }

    #[test]
    fn separate_subsegments_merge_by_parent_id() {
        let seg =
            json!({"name": "rag-api", "id": "1111111111111111", "trace_id": TID, "start_time": 10.0, "end_time": 12.0});
        // sent before the segment it belongs to, and one level further down
        let sub = json!({"type": "subsegment", "name": "llm_generation", "id": "2222222222222222", "trace_id": TID,
                         "parent_id": "1111111111111111", "start_time": 10.5, "end_time": 11.9,
                         "subsegments": [{"name": "InvokeModel", "id": "3333333333333333", "start_time": 10.6, "end_time": 11.8}]});
        let deeper = json!({"type": "subsegment", "name": "retry", "id": "4444444444444444", "trace_id": TID,
                            "parent_id": "3333333333333333", "start_time": 11.0, "end_time": 11.1});
        // a downstream service's segment, a child of the caller's subsegment
        let downstream = json!({"name": "vector-db", "id": "5555555555555555", "trace_id": TID,
                                "parent_id": "2222222222222222", "start_time": 10.51, "end_time": 10.6});
        let t = parse(&[deeper, sub, downstream, seg]);
        let order: Vec<(&str, u32)> =
            t.preorder().iter().map(|i| (t.span(*i).name.as_str(), t.span(*i).depth)).collect();
        assert_eq!(order, [("rag-api", 0), ("llm_generation", 1), ("vector-db", 2), ("InvokeModel", 2), ("retry", 3)]);
        assert_eq!(t.roots.len(), 1);
        assert_eq!(by_name(&t, "vector-db").kind, SpanKind::Segment);
    }

    #[test]
    fn in_progress_missing_fields_and_garbage() {
        let open = json!({"name": "rag-api", "id": "1111111111111111", "trace_id": TID, "start_time": 5.0, "in_progress": true,
                          "subsegments": [{"id": "2222222222222222", "end_time": 6.0}, {"name": "no-times"}]});
        let t = parse_trace(
            TID,
            "r",
            &[open.to_string(), "{not json".to_string(), "[1,2]".to_string()],
            &PriceTable::default(),
        );
        assert_eq!(t.bad_documents.len(), 2);
        assert!(t.bad_documents[0].starts_with("not a segment document"));
        assert_eq!(t.spans.len(), 3);
        let root = by_name(&t, "rag-api");
        assert!(root.in_progress && root.end.is_none());
        let unnamed = by_name(&t, "(unnamed)");
        assert_eq!(unnamed.start, 5.0, "a missing start falls back on the parent's");
        assert_eq!(unnamed.end, Some(6.0));
        let no_times = by_name(&t, "no-times");
        assert!(no_times.id.starts_with("(no id"));
        assert!(no_times.in_progress);
        assert_eq!(t.totals.in_progress, 2);
    }

    #[test]
    fn status_only_documents_get_flags() {
        let d = json!({"name": "a", "id": "1", "start_time": 1, "end_time": 2, "http": {"response": {"status": 429}},
                       "subsegments": [{"name": "b", "id": "2", "start_time": 1, "end_time": 2, "http": {"response": {"status": 503}}},
                                       {"name": "c", "id": "3", "start_time": 1, "end_time": 2, "http": {"response": {"status": 404}}},
                                       {"name": "d", "id": "4", "start_time": 1, "end_time": 2, "error": false, "http": {"response": {"status": 404}}}]});
        let t = parse(&[d]);
        assert!(by_name(&t, "a").throttle && by_name(&t, "a").error);
        assert!(by_name(&t, "b").fault);
        assert!(by_name(&t, "c").error && !by_name(&t, "c").fault);
        assert!(!by_name(&t, "d").error, "an explicit flag wins over the status");
    }

    /// One generation span per attribute dialect, as the exporters put them in documents.
    #[test]
    fn every_dialect_through_the_parser() {
        let span = |id: &str, annotations: Value, metadata: Value| {
            json!({"name": "llm", "id": id, "start_time": 1.0, "end_time": 2.0, "namespace": "aws",
                   "annotations": annotations, "metadata": metadata})
        };
        let docs = [
            // current OTel, in the X-Ray exporter's default metadata namespace
            span(
                "otel",
                json!({}),
                json!({"default": {"gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "anthropic.claude-haiku-4-5-20251001-v1:0", "gen_ai.usage.input_tokens": 1000,
                "gen_ai.usage.output_tokens": 100, "gen_ai.response.finish_reasons": ["end_turn"]}}),
            ),
            // deprecated names
            span(
                "old",
                json!({}),
                json!({"default": {"gen_ai.system": "aws.bedrock",
                "gen_ai.request.model": "anthropic.claude-haiku-4-5-20251001-v1:0",
                "gen_ai.usage.prompt_tokens": 1000, "gen_ai.usage.completion_tokens": 100}}),
            ),
            // the exporter's indexed attributes: annotations with underscores
            span(
                "exp",
                json!({"gen_ai_request_model": "anthropic.claude-haiku-4-5-20251001-v1:0",
                "gen_ai_usage_input_tokens": 1000, "gen_ai_usage_output_tokens": 100}),
                json!({}),
            ),
            // OpenInference
            span(
                "oi",
                json!({}),
                json!({"default": {"openinference.span.kind": "LLM",
                "llm.model_name": "anthropic.claude-haiku-4-5-20251001-v1:0",
                "llm.token_count.prompt": 1000, "llm.token_count.completion": 100}}),
            ),
            // the seed application's own attributes, reported cost included
            span(
                "seed",
                json!({"model_id": "anthropic.claude-haiku-4-5-20251001-v1:0"}),
                json!({"default": {"input_tokens": 1000, "output_tokens": 100, "generation_cost_usd": 0.0015,
                                   "stop_reason": "end_turn"}}),
            ),
        ];
        for d in docs {
            let t = parse(std::slice::from_ref(&d));
            let g = &t.spans[0].genai;
            let id = &t.spans[0].id;
            assert_eq!(g.model(), Some("anthropic.claude-haiku-4-5-20251001-v1:0"), "{id}");
            assert_eq!((g.input_tokens, g.output_tokens), (Some(1000.0), Some(100.0)), "{id}");
            // $1 in, $5 out per million: the same cost whether computed or reported
            assert!((g.cost_usd.unwrap() - 0.0015).abs() < 1e-12, "{id}: {:?}", g.cost_usd);
            assert_eq!(t.totals.tokens, Some(1100.0), "{id}");
            assert!(t.spans[0].counted, "{id}");
        }
    }

    #[test]
    fn genai_from_annotations_and_metadata_namespaces() {
        let d = json!({"name": "llm", "id": "1", "start_time": 1, "end_time": 2,
                       "annotations": {"gen_ai_request_model": "amazon.nova-pro-v1:0", "gen_ai_usage_input_tokens": 1000},
                       "metadata": {"default": {"gen_ai.usage.output_tokens": 100, "gen_ai.request.model": "ignored"},
                                    "app": {"stop_reason": "end_turn"}}});
        let t = parse(&[d]);
        let g = &t.spans[0].genai;
        assert_eq!(g.model(), Some("amazon.nova-pro-v1:0"), "annotations win over metadata");
        assert_eq!((g.input_tokens, g.output_tokens), (Some(1000.0), Some(100.0)));
        assert_eq!(g.finish_reasons, vec!["end_turn"]);
        assert!(g.cost_usd.is_some());
        assert_eq!(t.totals.tokens, Some(1100.0));
        assert_eq!(t.totals.models, ["amazon.nova-pro-v1:0"]);
    }
}
