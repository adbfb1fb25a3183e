//! The demo's X-Ray traces: synthetic requests shaped like the seed application's RAG request
//! (`rag-api` → `rag_query` → `generate_embeddings`, `vector_search`, `rerank_documents`,
//! `prompt_construction`, `llm_generation` → `BedrockRuntime` calls), plus the runaway caller's
//! agent loops, with the demo's incident in them:
//!
//! * sonnet's generation calls are throttled during the storm (retries with backoff, some
//!   requests failing after the last attempt), with a few throttled retries in the minutes just
//!   before it, when the account is already at its quota;
//! * vector search slows down and sometimes times out while answer quality slides;
//! * haiku's generation tail grows;
//! * the runaway caller (`agent-worker` on opus) runs agent loops that grow longer every minute,
//!   their context (and cost) growing with every iteration, until a guard stops them.
//!
//! Like the metrics, everything is a pure function of (seed, launch, minute). Traces are listed
//! as X-Ray would list them (complete traces that started in the window, filtered by the
//! expression), and fetched as X-Ray segment documents that go through the real parser. The
//! generation spans carry different attribute dialects (the seed application's own, current
//! OpenTelemetry, deprecated OpenTelemetry, OpenInference), as a real fleet does.

mod filter;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use self::filter::{Filter, Subject};
use super::DEMO_REGION;
use super::rng::Rng;
use super::story::{Story, phase};
use crate::domain::pricing::{PriceTable, Tokens};
use crate::domain::trace::Trace;
use crate::sources::Command;
use crate::sources::spans::xray::parse_trace;
use crate::sources::xray::{MAX_IDS_PER_CALL, Work};
use crate::store::traces::{TraceList, TraceQuery, TraceSummary, TracesUpdate};
use crate::store::{ErrorKind, SourceError, SourceHealth, Update};

/// Mixed into the seed so trace randomness is independent of the metrics'.
const SALT: u64 = 0x7472_6163_6573_0001;
/// How often the demo re-lists (like a fast refresh).
pub const DEMO_TRACE_TICK: Duration = Duration::from_secs(5);
/// Minutes of generated traces kept.
const KEEP_MINUTES: usize = 24 * 60;

const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const OPUS: &str = "us.anthropic.claude-opus-4-5-20251101-v1:0";
const NOVA: &str = "amazon.nova-pro-v1:0";
const LLAMA: &str = "meta.llama3-3-70b-instruct-v1:0";
const CUSTOM: &str = "acme.custom-finetune-v1";
const EMBED: &str = "amazon.titan-embed-text-v2:0";

/// How a generation span's Bedrock call reports its attributes.
#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Otel,
    OtelDeprecated,
    OpenInference,
}

struct ModelMix {
    id: &'static str,
    weight: f64,
    p50: f64,
    sigma: f64,
    input: f64,
    output: f64,
    dialect: Dialect,
}

const RAG_MODELS: [ModelMix; 5] = [
    ModelMix { id: HAIKU, weight: 0.42, p50: 1.0, sigma: 0.35, input: 1800.0, output: 320.0, dialect: Dialect::Otel },
    ModelMix { id: SONNET, weight: 0.30, p50: 2.2, sigma: 0.3, input: 2600.0, output: 450.0, dialect: Dialect::Otel },
    ModelMix {
        id: NOVA,
        weight: 0.14,
        p50: 1.4,
        sigma: 0.35,
        input: 2200.0,
        output: 380.0,
        dialect: Dialect::OtelDeprecated,
    },
    ModelMix {
        id: LLAMA,
        weight: 0.09,
        p50: 2.0,
        sigma: 0.35,
        input: 2000.0,
        output: 420.0,
        dialect: Dialect::OtelDeprecated,
    },
    ModelMix {
        id: CUSTOM,
        weight: 0.05,
        p50: 1.6,
        sigma: 0.4,
        input: 1200.0,
        output: 250.0,
        dialect: Dialect::OpenInference,
    },
];

/// One span being generated.
#[derive(Debug, Clone, Default)]
struct Node {
    id: String,
    name: String,
    start: f64,
    end: f64,
    namespace: Option<&'static str>,
    origin: Option<&'static str>,
    fault: bool,
    error: bool,
    throttle: bool,
    http: Option<Value>,
    aws: Option<Value>,
    annotations: Map<String, Value>,
    metadata: Map<String, Value>,
    cause: Option<Value>,
    children: Vec<Node>,
    /// Sent as a document of its own (`type: subsegment`, linked by `parent_id`).
    separate: bool,
}

impl Node {
    fn new(rng: &mut Rng, name: &str, start: f64, end: f64) -> Self {
        Self { id: format!("{:016x}", rng.next_u64()), name: name.into(), start, end, ..Default::default() }
    }

    fn json(&self, trace_id: &str, parent: Option<&str>, docs: &mut Vec<String>) -> Value {
        let mut o = Map::new();
        o.insert("name".into(), json!(self.name));
        o.insert("id".into(), json!(self.id));
        o.insert("start_time".into(), json!(round6(self.start)));
        o.insert("end_time".into(), json!(round6(self.end)));
        if parent.is_none() || self.separate {
            o.insert("trace_id".into(), json!(trace_id));
        }
        if let Some(p) = parent.filter(|_| self.separate) {
            o.insert("type".into(), json!("subsegment"));
            o.insert("parent_id".into(), json!(p));
        }
        if let Some(ns) = self.namespace {
            o.insert("namespace".into(), json!(ns));
        }
        if let Some(or) = self.origin {
            o.insert("origin".into(), json!(or));
        }
        // X-Ray SDKs only write the flags that are set
        for (k, v) in [("fault", self.fault), ("error", self.error), ("throttle", self.throttle)] {
            if v {
                o.insert(k.into(), json!(true));
            }
        }
        if let Some(h) = &self.http {
            o.insert("http".into(), h.clone());
        }
        if let Some(a) = &self.aws {
            o.insert("aws".into(), a.clone());
        }
        if !self.annotations.is_empty() {
            o.insert("annotations".into(), Value::Object(self.annotations.clone()));
        }
        if !self.metadata.is_empty() {
            o.insert("metadata".into(), json!({ "default": Value::Object(self.metadata.clone()) }));
        }
        if let Some(c) = &self.cause {
            o.insert("cause".into(), c.clone());
        }
        let mut nested = Vec::new();
        for c in &self.children {
            let j = c.json(trace_id, Some(&self.id), docs);
            if c.separate {
                docs.push(j.to_string());
            } else {
                nested.push(j);
            }
        }
        if !nested.is_empty() {
            o.insert("subsegments".into(), Value::Array(nested));
        }
        Value::Object(o)
    }

    fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Node)) {
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            f(n);
            stack.extend(n.children.iter());
        }
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// One generated trace.
#[derive(Debug, Clone)]
struct DemoTrace {
    id: String,
    root: Node,
    service: &'static str,
}

impl DemoTrace {
    fn end(&self) -> f64 {
        self.root.end
    }

    fn subject(&self) -> Subject {
        let mut s = Subject {
            response_time: self.root.end - self.root.start,
            duration: self.root.end - self.root.start,
            services: vec![self.service.into()],
            ..Default::default()
        };
        if let Some(h) = &self.root.http {
            s.http_status = h["response"]["status"].as_u64().and_then(|v| u16::try_from(v).ok());
            s.http_url = h["request"]["url"].as_str().unwrap_or_default().into();
            s.http_method = h["request"]["method"].as_str().unwrap_or_default().into();
        }
        self.root.walk(&mut |n| {
            s.fault |= n.fault;
            s.error |= n.error;
            s.throttle |= n.throttle;
            for (k, v) in &n.annotations {
                s.annotations.push((k.clone(), v.clone()));
            }
            if n.namespace == Some("remote") && !s.services.iter().any(|x| x == &n.name) {
                s.services.push(n.name.clone());
            }
        });
        s
    }

    fn summary(&self) -> TraceSummary {
        let s = self.subject();
        let mut models: Vec<String> = Vec::new();
        for (k, v) in &s.annotations {
            if let (true, Some(m)) = (k == "model_id", v.as_str())
                && !models.iter().any(|x| x == m)
            {
                models.push(m.into());
            }
        }
        let first: BTreeMap<&str, &Value> = s.annotations.iter().rev().map(|(k, v)| (k.as_str(), v)).collect();
        let genai = crate::domain::genai::normalise(first, &PriceTable::default());
        TraceSummary {
            id: self.id.clone(),
            region: DEMO_REGION.into(),
            start: self.root.start,
            start_estimated: false,
            duration: Some(s.duration),
            response_time: Some(s.response_time),
            root: Some(self.service.into()),
            operation: Some(format!(
                "{} {}",
                s.http_method,
                s.http_url.rsplit_once(".internal").map_or("/", |(_, p)| p)
            )),
            http_status: s.http_status,
            http_url: Some(s.http_url.clone()),
            fault: s.fault,
            error: s.error,
            throttle: s.throttle,
            partial: false,
            models,
            genai,
        }
    }

    fn documents(&self) -> Vec<String> {
        let mut docs = Vec::new();
        let root = self.root.json(&self.id, None, &mut docs);
        docs.insert(0, root.to_string());
        docs
    }
}

fn trace_id(seed: u64, start: f64, minute: i64, k: u32) -> String {
    let mut r = Rng::for_minute(seed ^ SALT ^ 0x1d, minute * 64 + k as i64);
    format!("1-{:08x}-de{:06x}{:016x}", start.floor() as i64, k, r.next_u64())
}

/// The demo's trace store: a pure function of (seed, launch), minutes cached.
pub struct DemoTraces {
    seed: u64,
    launch: i64,
    pricing: PriceTable,
    cache: BTreeMap<i64, Arc<Vec<DemoTrace>>>,
}

impl std::fmt::Debug for DemoTraces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoTraces").field("seed", &self.seed).field("launch", &self.launch).finish_non_exhaustive()
    }
}

impl DemoTraces {
    pub fn new(seed: u64, launch: i64) -> Self {
        Self { seed, launch, pricing: PriceTable::default(), cache: BTreeMap::new() }
    }

    fn minute(&mut self, m: i64) -> Arc<Vec<DemoTrace>> {
        if let Some(v) = self.cache.get(&m) {
            return v.clone();
        }
        let v = Arc::new(self.generate(m));
        self.cache.insert(m, v.clone());
        while self.cache.len() > KEEP_MINUTES {
            let Some(first) = self.cache.keys().next().copied() else { break };
            self.cache.remove(&first);
        }
        v
    }

    /// The traces X-Ray would list for `q` at `now`: complete, started in the window, matching
    /// the filter (an unreadable filter is an error, as it is from X-Ray).
    pub fn list(&mut self, q: &TraceQuery, now: i64) -> Result<TraceList, SourceError> {
        let window = q.range.resolve(now);
        let filter = match &q.filter {
            Some(f) => Some(Filter::parse(f).map_err(|e| SourceError {
                kind: ErrorKind::Service,
                code: Some("InvalidRequestException".into()),
                message: format!("Invalid filter expression: {e}"),
                hint: "fix the expression (i edits it, f picks a preset)".into(),
                at: now,
            })?),
            None => None,
        };
        let mut summaries = Vec::new();
        let mut processed = 0i64;
        let first = window.start.div_euclid(60) * 60;
        for m in (first..window.end).step_by(60) {
            for t in self.minute(m).iter() {
                let start = t.root.start;
                if start < window.start as f64 || start >= window.end as f64 || t.end() > now as f64 {
                    continue;
                }
                processed += 1;
                if filter.as_ref().is_none_or(|f| f.matches(&t.subject())) {
                    summaries.push(t.summary());
                }
            }
        }
        summaries.sort_by(|a, b| b.start.total_cmp(&a.start));
        Ok(TraceList {
            query: q.clone(),
            region: DEMO_REGION.into(),
            window,
            summaries,
            processed,
            truncated: false,
            listed_at: now,
            // the demo's X-Ray keeps every trace it lists
            sampling: None,
        })
    }

    /// The segment documents of one trace, as BatchGetTraces would return them.
    pub fn documents(&mut self, id: &str) -> Option<Vec<String>> {
        let mut parts = id.splitn(3, '-');
        let (_, time, rest) = (parts.next()?, parts.next()?, parts.next()?);
        let start = i64::from_str_radix(time, 16).ok()?;
        rest.strip_prefix("de")?;
        let m = start.div_euclid(60) * 60;
        self.minute(m).iter().find(|t| t.id == id).map(DemoTrace::documents)
    }

    /// BatchGetTraces: parsed traces, and the ids the demo does not know.
    pub fn fetch(&mut self, ids: &[String]) -> (Vec<Trace>, Vec<String>) {
        let mut traces = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            match self.documents(id) {
                Some(d) => traces.push(parse_trace(id, DEMO_REGION, &d, &self.pricing)),
                None => missing.push(id.clone()),
            }
        }
        (traces, missing)
    }

    fn generate(&self, m: i64) -> Vec<DemoTrace> {
        let story = Story::at(phase(m, self.launch));
        let p = phase(m, self.launch);
        let mut plan = Rng::for_minute(self.seed ^ SALT, m * 64 + 63);
        let n = 8 + (plan.uniform() * 4.0) as u32;
        let mut offsets: Vec<f64> = (0..n).map(|_| plan.uniform() * 59.0).collect();
        offsets.sort_by(f64::total_cmp);
        let mut out = Vec::new();
        let mut sonnet_seen = 0;
        for (k, off) in offsets.into_iter().enumerate() {
            let k = k as u32;
            let mut rng = Rng::for_minute(self.seed ^ SALT, m * 64 + k as i64);
            let start = m as f64 + off;
            let model = pick(&mut rng);
            // sonnet at its quota just before the storm: the first retries show up in traces
            let precursor = p.is_some_and(|p| (-4.0..0.0).contains(&p)) && model.id == SONNET;
            let forced = precursor && sonnet_seen == 0 && p.is_some_and(|p| (-2.0..-1.0).contains(&p));
            if model.id == SONNET {
                sonnet_seen += 1;
            }
            let id = trace_id(self.seed, start, m, k);
            out.push(self.rag(&mut rng, id, start, model, &story, precursor, forced));
        }
        if story.runaway > 0.0 {
            let k = 40;
            let mut rng = Rng::for_minute(self.seed ^ SALT, m * 64 + k as i64);
            let start = m as f64 + 7.0 + rng.uniform();
            let id = trace_id(self.seed, start, m, k);
            out.push(self.agent(&mut rng, id, start, &story));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn rag(
        &self,
        rng: &mut Rng,
        id: String,
        start: f64,
        model: &ModelMix,
        story: &Story,
        precursor: bool,
        forced: bool,
    ) -> DemoTrace {
        let user = format!("user-{:04}", rng.next_u64() % 5000);
        let mut t = start + 0.002;
        let mut root = Node::new(rng, "rag-api", start, start);
        root.origin = Some("AWS::ECS::Container");
        let mut q = Node::new(rng, "rag_query", t, t);
        let query_len = 40 + rng.next_u64() % 200;
        q.metadata.insert("query_length".into(), json!(query_len));
        q.metadata.insert("user_id".into(), json!(user));

        // embeddings
        let d = rng.lognormal(0.08, 0.3);
        let mut emb = Node::new(rng, "generate_embeddings", t, t + d);
        let emb_tokens = (query_len as f64 / 4.0).round();
        let emb_cost = self.pricing.cost(EMBED, Tokens { input: emb_tokens, ..Default::default() }).unwrap_or(0.0);
        emb.metadata.insert("embedding_dimension".into(), json!(1024));
        emb.metadata.insert("embedding_cost_usd".into(), json!(emb_cost));
        emb.metadata.insert("model".into(), json!(EMBED));
        let mut call = bedrock_call(rng, "InvokeModel", t + 0.004, t + d - 0.003);
        call.metadata.insert("gen_ai.operation.name".into(), json!("embeddings"));
        call.metadata.insert("gen_ai.request.model".into(), json!(EMBED));
        call.metadata.insert("gen_ai.usage.input_tokens".into(), json!(emb_tokens));
        emb.children.push(call);
        q.children.push(emb);
        t += d + 0.001;

        // vector search: slower and sometimes failing while quality slides
        let slow = story.quality > 0.0 && rng.uniform() < 0.6 * story.quality;
        let d = rng.lognormal(0.12, 0.35) + if slow { story.quality * (1.5 + 2.5 * rng.uniform()) } else { 0.0 };
        let failed = story.quality > 0.0 && rng.uniform() < 0.12 * story.quality;
        let mut vs = Node::new(rng, "vector_search", t, t + d);
        let mut aoss = Node::new(rng, "vector-db", t + 0.002, t + d - 0.001);
        aoss.namespace = Some("remote");
        let docs = if failed { 0 } else { 5 };
        let sim = if failed { 0.0 } else { (0.82 - 0.2 * story.quality + 0.05 * rng.normal()).clamp(0.3, 0.95) };
        vs.metadata.insert("documents_retrieved".into(), json!(docs));
        if !failed {
            vs.metadata.insert("avg_similarity_score".into(), json!((sim * 1000.0_f64).round() / 1000.0));
            vs.metadata.insert("top_score".into(), json!(((sim + 0.08).min(0.99) * 1000.0_f64).round() / 1000.0));
        }
        aoss.http = Some(
            json!({"request": {"method": "POST", "url": "https://vectors.aoss.us-east-1.amazonaws.com/docs/_search"},
                                "response": {"status": if failed { 504 } else { 200 }}}),
        );
        if failed {
            aoss.fault = true;
            vs.fault = true;
            vs.cause = Some(json!({"working_directory": "/app", "exceptions": [{
                "id": format!("{:016x}", rng.next_u64()), "type": "ConnectionTimeout",
                "message": "Read timed out. (read timeout=2.5)", "remote": true,
                "stack": [{"path": "rag/retrieval.py", "line": 57, "label": "_vector_search"},
                          {"path": "opensearchpy/connection/http_urllib3.py", "line": 264, "label": "perform_request"}]}]}));
        }
        vs.children.push(aoss);
        q.children.push(vs);
        t += d + 0.001;

        // rerank
        let d = rng.lognormal(0.06, 0.3);
        let mut rr = Node::new(rng, "rerank_documents", t, t + d);
        rr.metadata.insert("documents_after_rerank".into(), json!(if failed { 0 } else { 3 }));
        q.children.push(rr);
        t += d + 0.001;

        // prompt construction (the application's token estimate: not usage)
        let input = (model.input * rng.jitter(0.25) * if failed { 0.4 } else { 1.0 }).round();
        let d = 0.004 + 0.01 * rng.uniform();
        let mut pc = Node::new(rng, "prompt_construction", t, t + d);
        pc.metadata.insert("input_tokens".into(), json!(input));
        pc.metadata.insert("context_documents".into(), json!(if failed { 0 } else { 3 }));
        pc.metadata.insert("prompt_length_chars".into(), json!((input * 3.9).round()));
        q.children.push(pc);
        t += d + 0.001;

        // generation, with Bedrock retries when throttled
        let output = (model.output * rng.jitter(0.3)).round();
        let mut gen_node = Node::new(rng, "llm_generation", t, t);
        gen_node.separate = true;
        gen_node.annotations.insert("model_id".into(), json!(model.id));
        let throttle_share = match (model.id, story.sonnet_storm) {
            (SONNET, Some(s)) => s,
            _ if precursor => 0.35,
            _ => 0.0,
        };
        let mut attempt = 0;
        let mut ok = false;
        let mut a = t + 0.003;
        while attempt < 3 {
            let throttled = (forced && attempt == 0) || rng.uniform() < throttle_share;
            if throttled {
                let d = 0.04 + 0.08 * rng.uniform();
                let mut c = bedrock_call(rng, "InvokeModel", a, a + d);
                c.throttle = true;
                c.error = true;
                c.http = Some(json!({"response": {"status": 429}}));
                c.cause = Some(
                    json!({"exceptions": [{"id": format!("{:016x}", rng.next_u64()), "type": "ThrottlingException",
                    "message": "Too many tokens, please wait before trying again.", "remote": true}]}),
                );
                c.aws.as_mut().expect("bedrock call has aws")["retries"] = json!(attempt);
                gen_node.children.push(c);
                a += d + 0.3 * f64::from(1u32 << attempt) * (0.5 + rng.uniform());
                attempt += 1;
                continue;
            }
            let mut d = rng.lognormal(model.p50, model.sigma);
            if model.id == HAIKU && rng.uniform() < 0.06 * story.haiku_tail {
                d *= 4.0 + 5.0 * rng.uniform();
            }
            let mut c = bedrock_call(rng, "InvokeModel", a, a + d);
            c.aws.as_mut().expect("bedrock call has aws")["retries"] = json!(attempt);
            let finish = if rng.uniform() < 0.08 + 0.2 * story.quality { "max_tokens" } else { "end_turn" };
            set_dialect(&mut c, model, input, output, finish, d);
            gen_node.children.push(c);
            a += d;
            ok = true;
            break;
        }
        gen_node.end = a + 0.002;
        let cost = self.pricing.cost(model.id, Tokens { input, output, ..Default::default() });
        if ok {
            // the seed application's own attributes, and the X-Ray SDK variant's annotations
            gen_node.metadata.insert("model_id".into(), json!(model.id));
            gen_node.metadata.insert("input_tokens".into(), json!(input));
            gen_node.metadata.insert("output_tokens".into(), json!(output));
            gen_node.metadata.insert("total_tokens".into(), json!(input + output));
            gen_node.metadata.insert("stop_reason".into(), json!("end_turn"));
            gen_node.annotations.insert("input_tokens".into(), json!(input));
            gen_node.annotations.insert("output_tokens".into(), json!(output));
            if let Some(c) = cost {
                let c = (c * 1e6).round() / 1e6;
                gen_node.metadata.insert("generation_cost_usd".into(), json!(c));
                gen_node.annotations.insert("cost_usd".into(), json!(c));
            }
        } else {
            gen_node.fault = true;
            gen_node.cause = Some(
                json!({"working_directory": "/app", "paths": ["/app/rag/generate.py"], "exceptions": [{
                "id": format!("{:016x}", rng.next_u64()), "type": "ThrottlingException",
                "message": "An error occurred (ThrottlingException) when calling the InvokeModel operation (reached max retries: 2): Too many tokens, please wait before trying again.",
                "remote": true,
                "stack": [{"path": "rag/generate.py", "line": 142, "label": "_generate_response"},
                          {"path": "botocore/client.py", "line": 1021, "label": "_make_api_call"}]}]}),
            );
        }
        q.end = gen_node.end + 0.002;
        q.children.push(gen_node);
        if ok {
            let total_cost = cost.map(|c| c + emb_cost);
            if let Some(c) = total_cost {
                q.metadata.insert("total_cost_usd".into(), json!((c * 1e4).round() / 1e4));
            }
            q.metadata.insert("total_tokens".into(), json!(input + output));
            q.metadata.insert("answer_length".into(), json!((output * 4.1).round()));
        } else {
            q.fault = true;
            q.metadata.insert("status".into(), json!("error"));
            q.metadata.insert("error_type".into(), json!("ThrottlingException"));
        }
        root.end = q.end + 0.003;
        let status = if ok { 200 } else { 503 };
        root.fault = !ok;
        root.http = Some(json!({"request": {"method": "POST", "url": "https://rag-api.internal/query",
                                            "user_agent": "python-requests/2.32", "client_ip": "10.0.12.7"},
                                "response": {"status": status, "content_length": if ok { 1800 } else { 96 }}}));
        root.aws = Some(json!({"ecs": {"container": "rag-api-7f9c", "container_id": "4c1d0a"},
                               "xray": {"sdk": "opentelemetry for python", "sdk_version": "1.27.0", "auto_instrumentation": true}}));
        root.annotations.insert("model_id".into(), json!(model.id));
        root.children.push(q);
        DemoTrace { id, root, service: "rag-api" }
    }

    fn agent(&self, rng: &mut Rng, id: String, start: f64, story: &Story) -> DemoTrace {
        let iterations = (20.0 + 12.0 * story.runaway_age).min(120.0) as u32;
        let limit = iterations >= 120;
        let mut root = Node::new(rng, "agent-worker", start, start);
        root.origin = Some("AWS::ECS::Container");
        let mut run = Node::new(rng, "invoke_agent research-agent", start + 0.003, start);
        run.metadata.insert("gen_ai.operation.name".into(), json!("invoke_agent"));
        run.metadata.insert("gen_ai.agent.name".into(), json!("research-agent"));
        run.metadata.insert("gen_ai.provider.name".into(), json!("aws.bedrock"));
        let mut t = start + 0.01;
        let (mut tin, mut tout, mut cost) = (0.0, 0.0, 0.0);
        for i in 0..iterations {
            let input = (3000.0 + 850.0 * f64::from(i)) * rng.jitter(0.05);
            let input = input.round();
            let output = (180.0 * rng.jitter(0.3)).round();
            let d = rng.lognormal(2.2, 0.25);
            let mut chat = Node::new(rng, &format!("chat {OPUS}"), t, t + d);
            chat.separate = true;
            let finish = if i + 1 == iterations && !limit { "end_turn" } else { "tool_use" };
            chat.metadata.insert("gen_ai.operation.name".into(), json!("chat"));
            chat.metadata.insert("gen_ai.provider.name".into(), json!("aws.bedrock"));
            chat.metadata.insert("gen_ai.request.model".into(), json!(OPUS));
            chat.metadata.insert("gen_ai.usage.input_tokens".into(), json!(input));
            chat.metadata.insert("gen_ai.usage.output_tokens".into(), json!(output));
            chat.metadata.insert("gen_ai.response.finish_reasons".into(), json!([finish]));
            chat.children.push(bedrock_call(rng, "Converse", t + 0.002, t + d - 0.002));
            run.children.push(chat);
            tin += input;
            tout += output;
            cost += self.pricing.cost(OPUS, Tokens { input, output, ..Default::default() }).unwrap_or(0.0);
            t += d + 0.002;
            if finish == "tool_use" {
                let d = rng.lognormal(0.3, 0.3);
                let mut tool = Node::new(rng, "execute_tool search_docs", t, t + d);
                tool.metadata.insert("gen_ai.operation.name".into(), json!("execute_tool"));
                tool.metadata.insert("gen_ai.tool.name".into(), json!("search_docs"));
                tool.metadata
                    .insert("gen_ai.tool.call.id".into(), json!(format!("tooluse_{:08x}", rng.next_u64() as u32)));
                let mut vs = Node::new(rng, "vector_search", t + 0.01, t + d - 0.01);
                vs.metadata.insert("documents_retrieved".into(), json!(5));
                tool.children.push(vs);
                run.children.push(tool);
                t += d + 0.002;
            }
        }
        run.end = t;
        if limit {
            run.fault = true;
            run.cause = Some(
                json!({"exceptions": [{"id": format!("{:016x}", rng.next_u64()), "type": "AgentLoopLimitExceeded",
                "message": format!("research-agent stopped after {iterations} iterations without a final answer"),
                "stack": [{"path": "agent/loop.py", "line": 88, "label": "run"}]}]}),
            );
        }
        root.end = t + 0.004;
        root.fault = limit;
        root.http = Some(json!({"request": {"method": "POST", "url": "https://agent-worker.internal/agent/run",
                                            "user_agent": "batch-scheduler/1.4"},
                                "response": {"status": if limit { 500 } else { 200 }}}));
        root.annotations.insert("model_id".into(), json!(OPUS));
        root.annotations.insert("caller".into(), json!("batch-scheduler"));
        root.annotations.insert("input_tokens".into(), json!(tin));
        root.annotations.insert("output_tokens".into(), json!(tout));
        root.annotations.insert("cost_usd".into(), json!((cost * 1e4).round() / 1e4));
        root.children.push(run);
        DemoTrace { id, root, service: "agent-worker" }
    }
}

/// The segment documents of one very large trace: a runaway agent with `iterations` loops of
/// (chat → Bedrock call, tool → vector search), every tenth call throttled once, each loop sent
/// as its own subsegment documents — 4 spans a loop plus 2. For the large-trace benchmark and
/// tests (`iterations = 12_500` gives 50,002 spans).
pub fn big_trace_documents(trace_id: &str, start: f64, iterations: u32) -> Vec<String> {
    let mut rng = Rng::for_minute(SALT, 0x0b16);
    let mut root = Node::new(&mut rng, "agent-worker", start, start);
    let mut run = Node::new(&mut rng, "invoke_agent research-agent", start, start);
    run.metadata.insert("gen_ai.operation.name".into(), json!("invoke_agent"));
    let mut t = start + 0.001;
    for i in 0..iterations {
        let d = 0.05 + 0.05 * rng.uniform();
        let mut chat = Node::new(&mut rng, &format!("chat {OPUS}"), t, t + d);
        chat.separate = true;
        chat.metadata.insert("gen_ai.operation.name".into(), json!("chat"));
        chat.metadata.insert("gen_ai.request.model".into(), json!(OPUS));
        chat.metadata.insert("gen_ai.usage.input_tokens".into(), json!(3000 + 10 * i));
        chat.metadata.insert("gen_ai.usage.output_tokens".into(), json!(150));
        let mut call = bedrock_call(&mut rng, "Converse", t + 0.001, t + d - 0.001);
        if i % 10 == 9 {
            call.throttle = true;
            call.error = true;
            call.http = Some(json!({"response": {"status": 429}}));
        }
        chat.children.push(call);
        run.children.push(chat);
        t += d;
        let d = 0.02 + 0.02 * rng.uniform();
        let mut tool = Node::new(&mut rng, "execute_tool search_docs", t, t + d);
        tool.separate = true;
        tool.metadata.insert("gen_ai.tool.name".into(), json!("search_docs"));
        tool.children.push(Node::new(&mut rng, "vector_search", t + 0.001, t + d - 0.001));
        run.children.push(tool);
        t += d;
    }
    run.end = t;
    root.end = t + 0.001;
    root.children.push(run);
    DemoTrace { id: trace_id.into(), root, service: "agent-worker" }.documents()
}

fn pick(rng: &mut Rng) -> &'static ModelMix {
    let mut u = rng.uniform();
    for m in &RAG_MODELS {
        if u < m.weight {
            return m;
        }
        u -= m.weight;
    }
    &RAG_MODELS[0]
}

fn bedrock_call(rng: &mut Rng, op: &str, start: f64, end: f64) -> Node {
    let mut c = Node::new(rng, "BedrockRuntime", start, end.max(start));
    c.namespace = Some("aws");
    c.aws = Some(json!({"operation": op, "region": DEMO_REGION,
                        "request_id": format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", rng.next_u64() as u32,
                            rng.next_u64() as u16, rng.next_u64() % 4096, rng.next_u64() % 4096, rng.next_u64() % (1 << 48))}));
    c.http = Some(json!({"response": {"status": 200}}));
    c
}

/// The generation call's attributes, in the dialect its instrumentation speaks.
fn set_dialect(c: &mut Node, m: &ModelMix, input: f64, output: f64, finish: &str, secs: f64) {
    let md = &mut c.metadata;
    match m.dialect {
        Dialect::Otel => {
            md.insert("gen_ai.provider.name".into(), json!("aws.bedrock"));
            md.insert("gen_ai.operation.name".into(), json!("chat"));
            md.insert("gen_ai.request.model".into(), json!(m.id));
            md.insert("gen_ai.usage.input_tokens".into(), json!(input));
            md.insert("gen_ai.usage.output_tokens".into(), json!(output));
            md.insert("gen_ai.response.finish_reasons".into(), json!([finish]));
            md.insert("gen_ai.response.time_to_first_chunk".into(), json!(round6(secs * 0.3)));
        }
        Dialect::OtelDeprecated => {
            md.insert("gen_ai.system".into(), json!("aws.bedrock"));
            md.insert("gen_ai.request.model".into(), json!(m.id));
            md.insert("gen_ai.usage.prompt_tokens".into(), json!(input));
            md.insert("gen_ai.usage.completion_tokens".into(), json!(output));
            md.insert("gen_ai.response.finish_reasons".into(), json!([finish]));
        }
        Dialect::OpenInference => {
            md.insert("openinference.span.kind".into(), json!("LLM"));
            md.insert("llm.provider".into(), json!("aws"));
            md.insert("llm.model_name".into(), json!(m.id));
            md.insert("llm.token_count.prompt".into(), json!(input));
            md.insert("llm.token_count.completion".into(), json!(output));
            md.insert("llm.token_count.total".into(), json!(input + output));
        }
    }
}

/// Run the demo's trace source: answers list and fetch requests from [`DemoTraces`] and
/// re-lists every few seconds, like a fast refresh.
pub fn spawn(
    mut demo: DemoTraces,
    initial: Option<TraceQuery>,
    tx: UnboundedSender<Update>,
) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        let mut health = SourceHealth::new("xray", Some(DEMO_REGION));
        let mut work =
            Work { list_due: initial.is_some(), current: initial, region: DEMO_REGION.into(), ..Default::default() };
        let mut next_list = tokio::time::Instant::now();
        loop {
            while let Ok(cmd) = rx.try_recv() {
                work.take(cmd);
            }
            let now = crate::sources::aws::now();
            if (work.list_due || tokio::time::Instant::now() >= next_list)
                && let Some(q) = work.current.clone()
            {
                work.list_due = false;
                next_list = tokio::time::Instant::now() + DEMO_TRACE_TICK;
                health.calls += 1;
                let u = match demo.list(&q, now) {
                    Ok(l) => {
                        health.traces_scanned += l.processed as u64;
                        health.record_ok(now);
                        health.newest_data = l.summaries.iter().map(|s| s.start as i64).max().or(health.newest_data);
                        TracesUpdate::Listed(l)
                    }
                    Err(error) => {
                        health.record_error(error.clone());
                        TracesUpdate::ListFailed { query: q, region: DEMO_REGION.into(), error }
                    }
                };
                if tx.send(Update::Traces(u)).is_err() || tx.send(Update::Health(health.clone())).is_err() {
                    return;
                }
                continue;
            }
            if !work.fetch.is_empty() {
                let n = work.fetch.len().min(MAX_IDS_PER_CALL);
                let ids: Vec<String> = work.fetch.drain(..n).collect();
                health.calls += 1;
                let (traces, unprocessed) = demo.fetch(&ids);
                health.traces_scanned += traces.len() as u64;
                if tx.send(Update::Traces(TracesUpdate::Fetched { traces, unprocessed })).is_err() {
                    return;
                }
                continue;
            }
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => return,
                    Some(c) => { work.take(c); }
                },
                _ = tokio::time::sleep_until(next_list) => {},
            }
        }
    });
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::traces::TraceRange;

    const LAUNCH: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC
    const MIN: i64 = 60;

    fn list(d: &mut DemoTraces, now: i64, secs: i64, filter: Option<&str>) -> TraceList {
        d.list(&TraceQuery::new(TraceRange::Last(secs), filter.map(Into::into)), now).unwrap()
    }

    #[test]
    fn same_seed_same_traces() {
        let mut a = DemoTraces::new(7, LAUNCH);
        let mut b = DemoTraces::new(7, LAUNCH);
        let la = list(&mut a, LAUNCH + 5 * MIN, 3600, None);
        let lb = list(&mut b, LAUNCH + 5 * MIN, 3600, None);
        assert_eq!(la.summaries, lb.summaries);
        assert!(la.summaries.len() > 500, "{}", la.summaries.len());
        let id = &la.summaries[3].id;
        assert_eq!(a.documents(id), b.documents(id));
        let mut c = DemoTraces::new(8, LAUNCH);
        assert_ne!(list(&mut c, LAUNCH + 5 * MIN, 3600, None).summaries, la.summaries);
        assert!(a.documents("1-00000000-de0000000000000000000000").is_none());
    }

    #[test]
    fn the_storm_shows_as_throttled_sonnet_generation_spans() {
        let mut d = DemoTraces::new(7, LAUNCH);
        let l = list(&mut d, LAUNCH + 8 * MIN, 15 * 60, Some("throttle"));
        assert!(l.summaries.len() >= 5, "{}", l.summaries.len());
        assert!(l.summaries.iter().all(|s| s.throttle));
        assert!(l.summaries.iter().all(|s| s.models == vec![SONNET.to_string()]));
        let (traces, missing) = d.fetch(&[l.summaries[0].id.clone()]);
        assert!(missing.is_empty());
        let t = &traces[0];
        assert!(t.bad_documents.is_empty(), "{:?}", t.bad_documents);
        let gen_span = t.spans.iter().find(|s| s.name == "llm_generation").unwrap();
        assert_eq!(gen_span.genai.model(), Some(SONNET));
        assert!(gen_span.failure_below);
        let throttled: Vec<_> = t.spans.iter().filter(|s| s.throttle).collect();
        assert!(!throttled.is_empty());
        assert!(throttled.iter().all(|s| s.name == "BedrockRuntime" && s.namespace.as_deref() == Some("aws")));
        // the separately-sent generation subtree was merged under rag_query
        let parent = gen_span.parent.map(|p| t.span(p).name.as_str());
        assert_eq!(parent, Some("rag_query"));
        // before the storm there were none (but a few retries in the minutes just before it)
        let calm = list(&mut d, LAUNCH - 10 * MIN, 15 * 60, Some("throttle"));
        assert!(calm.summaries.is_empty(), "{:?}", calm.summaries.len());
        let at_launch = list(&mut d, LAUNCH, 15 * 60, Some("throttle"));
        assert!(!at_launch.summaries.is_empty(), "the first retries are visible at launch");
    }

    #[test]
    fn a_failed_generation_has_its_model_tokens_and_cost_or_its_cause() {
        let mut d = DemoTraces::new(7, LAUNCH);
        let l = list(&mut d, LAUNCH + 8 * MIN, 15 * 60, Some("throttle AND fault"));
        assert!(!l.summaries.is_empty(), "some requests fail after the last retry");
        let ids: Vec<String> = l.summaries.iter().map(|s| s.id.clone()).collect();
        let (traces, _) = d.fetch(&ids);
        for t in &traces {
            let g = t.spans.iter().find(|s| s.name == "llm_generation").unwrap();
            assert!(g.fault);
            let ex = &g.cause.as_ref().unwrap().exceptions[0];
            assert_eq!(ex.kind.as_deref(), Some("ThrottlingException"));
            assert_eq!(t.spans.iter().filter(|s| s.throttle).count(), 3, "three attempts");
            assert_eq!(t.root_name(), Some("rag-api"));
        }
        // and a throttled request that recovered counts its tokens and cost once
        let ok = list(&mut d, LAUNCH + 8 * MIN, 15 * 60, Some("throttle AND !fault"));
        let (traces, _) = d.fetch(&[ok.summaries[0].id.clone()]);
        let t = &traces[0];
        let call = t.spans.iter().find(|s| s.counted && s.genai.model() == Some(SONNET)).unwrap();
        assert_eq!(call.name, "BedrockRuntime");
        let gen_span = t.spans.iter().find(|s| s.name == "llm_generation").unwrap();
        assert!(!gen_span.counted, "the application's span and the SDK call report the same call");
        let want = gen_span.genai.tokens().unwrap()
            + t.spans
                .iter()
                .find(|s| s.name == "BedrockRuntime" && s.genai.model() == Some(EMBED))
                .unwrap()
                .genai
                .tokens()
                .unwrap();
        assert_eq!(t.totals.tokens, Some(want));
        let reported = gen_span.genai.cost_usd.unwrap();
        assert!((call.genai.cost_usd.unwrap() - reported).abs() < 1e-6);
    }

    #[test]
    fn slow_vector_search_and_the_runaway_agent() {
        let mut d = DemoTraces::new(7, LAUNCH);
        let slow = list(&mut d, LAUNCH + 10 * MIN, 15 * 60, Some("service(\"vector-db\") { fault }"));
        assert!(!slow.summaries.is_empty());
        let l = list(&mut d, LAUNCH + 15 * MIN, 20 * 60, Some("annotation.caller = \"batch-scheduler\""));
        assert!(l.summaries.len() >= 4, "{}", l.summaries.len());
        assert!(l.summaries.iter().all(|s| s.root.as_deref() == Some("agent-worker") && s.models == vec![OPUS]));
        let longest = l.summaries.iter().max_by(|a, b| a.duration.unwrap().total_cmp(&b.duration.unwrap())).unwrap();
        assert!(longest.duration.unwrap() > 120.0);
        let (t, _) = d.fetch(std::slice::from_ref(&longest.id));
        assert!(t[0].spans.len() > 150, "{}", t[0].spans.len());
        assert!(t[0].totals.cost_usd.unwrap() > 5.0, "{:?}", t[0].totals.cost_usd);
        assert_eq!(t[0].totals.models, vec![OPUS]);
        // the summary's annotated cost agrees with the tree's
        let annotated = longest.genai.cost_usd.unwrap();
        assert!((annotated - t[0].totals.cost_usd.unwrap()).abs() < 0.01, "{annotated}");
    }

    #[test]
    fn incomplete_traces_are_not_listed_and_bad_filters_are_errors() {
        let mut d = DemoTraces::new(7, LAUNCH);
        let now = LAUNCH + 6 * MIN;
        let l = list(&mut d, now, 3600, None);
        assert!(l.summaries.iter().all(|s| s.start + s.duration.unwrap() <= now as f64));
        let e = d.list(&TraceQuery::new(TraceRange::Last(3600), Some("bogus ==".into())), now).unwrap_err();
        assert_eq!(e.code.as_deref(), Some("InvalidRequestException"));
        let faults = list(&mut d, now, 3600, Some("fault")).summaries.len();
        let errors = list(&mut d, now, 3600, Some("error")).summaries.len();
        let all = l.summaries.len();
        assert_eq!(faults, l.summaries.iter().filter(|s| s.fault).count());
        assert_eq!(errors, l.summaries.iter().filter(|s| s.error).count());
        assert!(faults < all);
        let p95 = {
            let mut v: Vec<f64> = l.summaries.iter().map(|s| s.response_time.unwrap()).collect();
            v.sort_by(f64::total_cmp);
            v[(v.len() * 95).div_ceil(100) - 1]
        };
        let slow = list(&mut d, now, 3600, Some(&format!("responsetime > {p95}"))).summaries.len();
        assert!(slow > 0 && slow <= all / 20 + 1, "{slow} of {all}");
    }
}
