//! The X-Ray trace source against the AWS emulator, through the real SDK client and through the
//! `nightjar --once --format json` binary: put segment documents of known structure
//! (PutTraceSegments, a write only this test makes), read them back through the trace source,
//! and assert the tree, the flags, the normalised GenAI fields and the counts.
//!
//! The emulator ignores filter expressions (HTTP 500), so nothing here sends one; filter
//! expressions, paging and throttling are unit-tested with aws-smithy-mocks in
//! `src/sources/xray.rs`. Its summaries set HasFault/HasError/HasThrottle when the key is present
//! on a top-level segment; the documents here write a flag only when it is true (as the X-Ray
//! SDKs do) and put every trace-level flag on the top-level segment, so the summary counts are
//! exact. Its durations are whole seconds, so `--once` ranks the slowest by the fetched
//! documents, and the test checks the exact milliseconds.

use crate::support;

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::trace::SpanKind;
use nightjar::sources::xray::XraySource;
use nightjar::store::traces::{TraceQuery, TraceRange};
use serde_json::{Value, json};

const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";

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

async fn put(xray: &aws_sdk_xray::Client, docs: &[Value]) {
    let out = xray
        .put_trace_segments()
        .set_trace_segment_documents(Some(docs.iter().map(Value::to_string).collect()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutTraceSegments: {}", aws_sdk_xray::error::DisplayErrorContext(e)));
    assert!(out.unprocessed_trace_segments().is_empty(), "unprocessed: {out:?}");
}

#[tokio::test]
async fn trace_source_reads_back_the_tree() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("eu-central-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let xray = aws_sdk_xray::Client::new(&conf);
    let token = support::unique_name("tree");
    let now = support::now_secs();
    let t0 = (now - 120) as f64 + 0.5; // exact in binary, so every timing below is exact
    let trace_id = format!("1-{:08x}-{}", now - 120, hex(&token, "trace", 24));
    let id = |s: &str| hex(&token, s, 16);
    // the service's segment: nested subsegments, the seed application's attributes, a throttled
    // Bedrock call that was retried, and a cause with a stack
    let segment = json!({
        "name": "rag-api", "id": id("root"), "trace_id": trace_id,
        "start_time": t0, "end_time": t0 + 3.0, "origin": "AWS::ECS::Container",
        "throttle": true, "error": true,
        "http": {"request": {"method": "POST", "url": "https://rag-api.internal/query"}, "response": {"status": 200}},
        "aws": {"ecs": {"container": "rag-api-1"}},
        "annotations": {"model_id": SONNET},
        "subsegments": [
            {"name": "rag_query", "id": id("query"), "start_time": t0 + 0.125, "end_time": t0 + 2.875,
             "metadata": {"default": {"total_cost_usd": 0.0195, "total_tokens": 3500}},
             "subsegments": [
                {"name": "vector_search", "id": id("vs"), "start_time": t0 + 0.25, "end_time": t0 + 0.75,
                 "metadata": {"default": {"documents_retrieved": 5, "avg_similarity_score": 0.625}}},
                {"name": "llm_generation", "id": id("gen"), "start_time": t0 + 0.75, "end_time": t0 + 2.75,
                 "metadata": {"default": {"model_id": SONNET, "input_tokens": 3000, "output_tokens": 500,
                                          "generation_cost_usd": 0.0165, "stop_reason": "end_turn"}},
                 "subsegments": [
                    {"name": "BedrockRuntime", "id": id("try1"), "start_time": t0 + 0.75, "end_time": t0 + 0.875,
                     "namespace": "aws", "throttle": true, "error": true,
                     "http": {"response": {"status": 429}},
                     "aws": {"operation": "InvokeModel", "region": region},
                     "cause": {"working_directory": "/app", "exceptions": [{"id": id("ex"), "type": "ThrottlingException",
                               "message": "Too many tokens", "remote": true,
                               "stack": [{"path": "rag/generate.py", "line": 142, "label": "_generate_response"}]}]}},
                    {"name": "BedrockRuntime", "id": id("try2"), "start_time": t0 + 1.25, "end_time": t0 + 2.625,
                     "namespace": "aws", "aws": {"operation": "InvokeModel", "region": region},
                     "metadata": {"default": {"gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat",
                                              "gen_ai.request.model": SONNET, "gen_ai.usage.input_tokens": 3000,
                                              "gen_ai.usage.output_tokens": 500,
                                              "gen_ai.response.finish_reasons": ["end_turn"]}}}
                 ]}
             ]}
        ]
    });
    // a subsegment sent on its own (streamed before its segment closed), under rag_query
    let separate = json!({
        "type": "subsegment", "name": "generate_embeddings", "id": id("emb"), "trace_id": trace_id,
        "parent_id": id("query"), "start_time": t0 + 0.125, "end_time": t0 + 0.25,
        "metadata": {"default": {"model": "amazon.titan-embed-text-v2:0", "embedding_cost_usd": 0.00001}}
    });
    // a downstream service's segment, under the vector search (OpenInference dialect on a
    // reranker call that never got an answer: in progress)
    let downstream = json!({
        "name": "vector-db", "id": id("db"), "trace_id": trace_id, "parent_id": id("vs"),
        "start_time": t0 + 0.375, "in_progress": true,
        "annotations": {"llm_model_name": HAIKU},
        "metadata": {"default": {"llm.token_count.prompt": 100, "llm.token_count.completion": 20}}
    });
    put(&xray, &[segment, separate, downstream]).await;

    let mut src = XraySource::new(xray.clone(), region, PriceTable::default(), "model_id", None, Some(&endpoint));
    // the in-progress downstream segment keeps moto from listing the trace; list a complete one
    let listed_id = format!("1-{:08x}-{}", now - 60, hex(&token, "listed", 24));
    put(
        &xray,
        &[json!({"name": "rag-api", "id": id("l"), "trace_id": listed_id, "start_time": (now - 60) as f64,
                 "end_time": (now - 60) as f64 + 1.5, "fault": true})],
    )
    .await;
    let list = src.list(&TraceQuery::new(TraceRange::Last(3600), None), now).await.expect("GetTraceSummaries");
    let s =
        list.summaries.iter().find(|s| s.id == listed_id).unwrap_or_else(|| panic!("{listed_id} not listed: {list:?}"));
    assert!(s.fault && !s.error && !s.throttle);
    assert_eq!(s.region, region);
    assert!(src.health.last_ok.is_some());

    let missing = format!("1-{:08x}-{}", now - 60, hex(&token, "missing", 24));
    let (traces, unprocessed) = src.fetch(&[trace_id.clone(), missing.clone()], now).await.expect("BatchGetTraces");
    assert_eq!(unprocessed, vec![missing]);
    let [t] = traces.as_slice() else { panic!("{traces:?}") };
    assert!(t.bad_documents.is_empty(), "{:?}", t.bad_documents);
    assert_eq!(t.spans.len(), 8);
    // tree: parents, children and order (children by start time)
    let order: Vec<(String, u32)> = t.preorder().iter().map(|i| (t.span(*i).name.clone(), t.span(*i).depth)).collect();
    let want = [
        ("rag-api", 0),
        ("rag_query", 1),
        ("generate_embeddings", 2),
        ("vector_search", 2),
        ("vector-db", 3),
        ("llm_generation", 2),
        ("BedrockRuntime", 3),
        ("BedrockRuntime", 3),
    ];
    assert_eq!(order, want.iter().map(|(n, d)| (n.to_string(), *d)).collect::<Vec<_>>());
    let by_id = |s: &str| t.spans.iter().find(|x| x.id == id(s)).unwrap();
    let parent_of = |s: &str| by_id(s).parent.map(|p| t.span(p).id.clone());
    assert_eq!(parent_of("emb"), Some(id("query")), "merged by parent_id");
    assert_eq!(parent_of("db"), Some(id("vs")));
    assert_eq!(parent_of("try1"), Some(id("gen")));
    assert_eq!(by_id("root").kind, SpanKind::Segment);
    assert_eq!(by_id("db").kind, SpanKind::Segment);
    assert_eq!(by_id("emb").kind, SpanKind::Subsegment);
    // timings, exact
    assert_eq!((t.start, t.end), (t0, t0 + 3.0));
    assert_eq!(by_id("gen").duration(), Some(2.0));
    // llm_generation 2.0 s, minus its calls 0.125 + 1.375
    assert_eq!(by_id("gen").self_time, Some(0.5));
    assert!(by_id("db").in_progress && by_id("db").end.is_none());
    assert!(by_id("gen").critical && by_id("try2").critical && by_id("try1").critical);
    // flags and cause
    let try1 = by_id("try1");
    assert!(try1.throttle && try1.error && !try1.fault);
    assert_eq!(try1.http.as_ref().unwrap().status, Some(429));
    assert_eq!(try1.cause.as_ref().unwrap().exceptions[0].kind.as_deref(), Some("ThrottlingException"));
    assert_eq!(try1.cause.as_ref().unwrap().exceptions[0].stack[0].line, Some(142));
    assert!(by_id("gen").failure_below && !by_id("gen").failed());
    assert_eq!((t.totals.faults, t.totals.errors, t.totals.throttles, t.totals.in_progress), (0, 2, 2, 1));
    // GenAI, normalised from three dialects
    let g = &by_id("gen").genai;
    assert_eq!(g.model(), Some(SONNET));
    assert_eq!((g.input_tokens, g.output_tokens, g.cost_usd), (Some(3000.0), Some(500.0), Some(0.0165)));
    assert_eq!(g.finish_reasons, vec!["end_turn"]);
    let call = &by_id("try2").genai;
    assert_eq!(call.provider.as_deref(), Some("aws.bedrock"));
    assert_eq!(call.operation.as_deref(), Some("chat"));
    // computed: 3000 × $3 + 500 × $15 per million
    assert!((call.cost_usd.unwrap() - 0.0165).abs() < 1e-12);
    let db = &by_id("db").genai;
    assert_eq!(db.model(), Some(HAIKU));
    assert_eq!(db.tokens(), Some(120.0));
    assert_eq!(by_id("vs").genai.documents_retrieved, Some(5.0));
    assert_eq!(by_id("emb").genai.cost_usd, Some(0.00001));
    assert_eq!(by_id("query").genai.reported_total_cost_usd, Some(0.0195));
    // totals count each call once (the SDK call, not the application's span around it)
    assert!(by_id("try2").counted && !by_id("gen").counted && by_id("emb").counted && by_id("db").counted);
    assert_eq!(t.totals.tokens, Some(3500.0 + 120.0));
    let haiku_cost = 100.0 * 1.0 / 1e6 + 20.0 * 5.0 / 1e6;
    assert!((t.totals.cost_usd.unwrap() - (0.0165 + 0.00001 + haiku_cost)).abs() < 1e-12, "{:?}", t.totals.cost_usd);
    assert_eq!(
        t.totals.models,
        vec![SONNET.to_string(), HAIKU.to_string(), "amazon.titan-embed-text-v2:0".to_string()]
    );
}

#[tokio::test]
async fn once_json_counts_traces_faults_errors_and_throttles() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("eu-central-2");
    let conf = support::sdk_config(&endpoint, region).await;
    let xray = aws_sdk_xray::Client::new(&conf);
    let token = support::unique_name("once");
    let now = support::now_secs();
    // (flags on the top-level segment, duration in seconds: distinct whole seconds, exact in binary)
    let plan: [(&[&str], f64); 6] = [
        (&[], 1.5),
        (&["fault"], 2.25),
        (&["error"], 3.75),
        (&["throttle", "error"], 4.5),
        (&["fault", "throttle"], 5.125),
        (&[], 0.375),
    ];
    let mut ids = Vec::new();
    for (k, (flags, dur)) in plan.iter().enumerate() {
        let start = (now - 300 + 20 * k as i64) as f64 + 0.25;
        let tid = format!("1-{:08x}-{}", now - 300 + 20 * k as i64, hex(&token, &format!("t{k}"), 24));
        let mut seg = json!({
            "name": if k == 4 { "agent-worker" } else { "rag-api" },
            "id": hex(&token, &format!("s{k}"), 16), "trace_id": tid,
            "start_time": start, "end_time": start + dur,
            "subsegments": [{"name": "llm_generation", "id": hex(&token, &format!("g{k}"), 16),
                             "start_time": start + 0.125, "end_time": start + dur - 0.125,
                             "metadata": {"default": {"model_id": if k == 4 { HAIKU } else { SONNET },
                                                      "input_tokens": 1000, "output_tokens": 100}}}]
        });
        for f in *flags {
            seg[*f] = json!(true);
        }
        ids.push(tid);
        put(&xray, &[seg]).await;
    }
    let home = support::temp_home("once-traces");
    let (v, _) = support::once_json(&home, region, &endpoint);
    let t = &v["traces"];
    assert_eq!(t["total"], 6, "{t}");
    assert_eq!(t["faults"], 2, "{t}");
    assert_eq!(t["errors"], 2, "{t}");
    assert_eq!(t["throttles"], 2, "{t}");
    let slowest = t["slowest"].as_array().unwrap();
    assert_eq!(slowest.len(), 5);
    let got: Vec<(&str, f64)> =
        slowest.iter().map(|s| (s["id"].as_str().unwrap(), s["duration_ms"].as_f64().unwrap())).collect();
    assert_eq!(
        got,
        vec![
            (ids[4].as_str(), 5125.0),
            (ids[3].as_str(), 4500.0),
            (ids[2].as_str(), 3750.0),
            (ids[1].as_str(), 2250.0),
            (ids[0].as_str(), 1500.0)
        ]
    );
    assert_eq!(slowest[0]["root"], "agent-worker");
    assert_eq!(slowest[0]["model"], HAIKU);
    assert_eq!(slowest[1]["root"], "rag-api");
    assert_eq!(slowest[1]["model"], SONNET);
    let src = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "xray").expect("an xray source");
    assert_eq!(src["ok"], true, "{src}");
    assert_eq!(src["region"], region);
    // and the text report says the same
    let out = support::nightjar(&["--once", "--region", region, "--endpoint-url", &endpoint], &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Traces 6: 2 with faults, 2 with errors, 2 throttled"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
}

#[tokio::test]
async fn the_trace_task_lists_and_fetches_on_command() {
    use nightjar::sources::xray::{TraceRequest, spawn};
    use nightjar::store::traces::TracesUpdate;
    use nightjar::store::{Store, Update};
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("eu-north-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let xray = aws_sdk_xray::Client::new(&conf);
    let token = support::unique_name("task");
    let now = support::now_secs();
    let tid = format!("1-{:08x}-{}", now - 30, hex(&token, "t", 24));
    let start = (now - 30) as f64;
    put(
        &xray,
        &[json!({"name": "rag-api", "id": hex(&token, "s", 16), "trace_id": tid, "start_time": start, "end_time": start + 2.0,
                 "throttle": true,
                 "subsegments": [{"name": "llm_generation", "id": hex(&token, "g", 16), "start_time": start + 0.5,
                                  "end_time": start + 1.5, "throttle": true}]})],
    )
    .await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let src = XraySource::new(xray, region, PriceTable::default(), "model_id", None, Some(&endpoint));
    let initial = TraceQuery::new(TraceRange::Last(3600), None);
    let commands = spawn(src, Some(initial.clone()), std::time::Duration::from_secs(60), tx);
    let mut store = Store::new(PriceTable::default(), vec![]);
    let wait = |store: &Store| store.traces.summaries().iter().any(|s| s.id == tid);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !wait(&store) {
        let u = tokio::time::timeout_at(deadline, rx.recv()).await.expect("listed in time").expect("task alive");
        store.apply(u);
    }
    assert_eq!(store.traces.query().unwrap().seq, initial.seq);
    assert!(store.traces.summaries().iter().find(|s| s.id == tid).unwrap().throttle);
    // the pane asks for the trace (another region's fetch is ignored)
    commands
        .send(nightjar::sources::Command::Traces(TraceRequest::Fetch {
            region: "us-east-1".into(),
            ids: vec![tid.clone()],
            windows: Default::default(),
        }))
        .unwrap();
    commands
        .send(nightjar::sources::Command::Traces(TraceRequest::Fetch {
            region: region.into(),
            ids: vec![tid.clone()],
            windows: Default::default(),
        }))
        .unwrap();
    let mut fetches = 0;
    while store.traces.trace(&tid).is_none() {
        let u = tokio::time::timeout_at(deadline, rx.recv()).await.expect("fetched in time").expect("task alive");
        if matches!(u, Update::Traces(TracesUpdate::Fetching { .. })) {
            fetches += 1;
        }
        store.apply(u);
    }
    assert_eq!(fetches, 1);
    let t = store.traces.trace(&tid).unwrap();
    assert_eq!(t.spans.len(), 2);
    assert_eq!(t.totals.throttles, 2);
    // the health that follows the fetch: three calls (GetTraceSegmentDestination,
    // GetTraceSummaries, BatchGetTraces), the listed and the retrieved trace billed
    loop {
        let h = store.health().find(|h| h.name == "xray").expect("xray health");
        if h.calls >= 3 {
            assert!(h.last_ok.is_some() && !h.is_stale());
            assert!(h.traces_scanned >= 2, "{h:?}");
            break;
        }
        let u = tokio::time::timeout_at(deadline, rx.recv()).await.expect("health in time").expect("task alive");
        store.apply(u);
    }
}
