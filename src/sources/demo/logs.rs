//! The demo's Logs Insights: synthetic Bedrock invocation records, application log lines and
//! `aws/spans` records, consistent with the metrics of the same minutes (the same generator), so
//! the Logs pane is alive without AWS and tells the same story:
//!
//! * the runaway agent loop on opus (+2..+10 min) is one caller, `support-agent/agent-loop-7f3a`,
//!   whose tokens and dollars dwarf everyone else's in `tokens-by-caller`;
//! * the long-context batch job that joins sonnet during its throttling storm (+1..+8) is
//!   `batch-summarizer/nightly-digest`, and most `ThrottlingException`s are sonnet's;
//! * haiku's latency tail shows in `latency-by-model`, with the same percentiles as the metrics;
//! * retrieval errors (the quality slide) fill `app-errors`.
//!
//! Queries are answered by preset (the query text of a built-in preset), by purpose (a trace's
//! log lines or spans), else with raw records of the query's group class. Each query goes
//! Scheduled → Running (half the rows) → Complete over three polls, through the same runner as
//! the real client.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;

use super::generate::{MODELS, Minute, Role, minute};
use super::stats::{SampleSet, mean, percentiles};
use super::story::{Story, phase};
use crate::domain::insights::{Fields, GroupClass, InsightsSettings, Presets, QueryStats, QueryStatus, trace_id_forms};
use crate::domain::pricing::PriceTable;
use crate::sources::logs::{InsightsBackend, RawResults};
use crate::store::logs::{GroupSource, LogGroups, Purpose, QuerySpec, TransactionSearch};
use crate::store::{ErrorKind, SourceError};

pub const DEMO_INVOCATION_GROUP: &str = "/aws/bedrock/modelinvocations";
pub const DEMO_APP_GROUP: &str = "/ecs/rag-api";
pub const DEMO_SPANS_GROUP: &str = "aws/spans";
const ACCOUNT: &str = "123456789012";

/// Who calls Bedrock in the demo, and why (`requestMetadata.use_case`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub arn: &'static str,
    pub use_case: &'static str,
}

pub const RAG_API: Caller =
    Caller { arn: "arn:aws:sts::123456789012:assumed-role/rag-api-prod/rag-api", use_case: "qa" };
pub const PLANNER: Caller =
    Caller { arn: "arn:aws:sts::123456789012:assumed-role/support-agent/planner", use_case: "agent" };
/// The runaway agent loop.
pub const AGENT_LOOP: Caller =
    Caller { arn: "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a", use_case: "agent" };
pub const ROUTER: Caller =
    Caller { arn: "arn:aws:sts::123456789012:assumed-role/support-agent/router", use_case: "agent" };
/// The long-context batch job of sonnet's throttling storm.
pub const BATCH: Caller =
    Caller { arn: "arn:aws:sts::123456789012:assumed-role/batch-summarizer/nightly-digest", use_case: "summarize" };
pub const EVALS: Caller = Caller { arn: "arn:aws:sts::123456789012:assumed-role/eval-harness/ragas", use_case: "eval" };
pub const INGEST: Caller =
    Caller { arn: "arn:aws:sts::123456789012:assumed-role/doc-ingest/extract-worker", use_case: "extract" };
pub const DANA: Caller = Caller { arn: "arn:aws:iam::123456789012:user/dana", use_case: "playground" };
pub const CLAIMS: Caller =
    Caller { arn: "arn:aws:sts::123456789012:assumed-role/claims-classifier/worker", use_case: "classify" };

/// Each model's callers and their shares of its traffic in one minute.
pub(super) fn callers(model: usize, story: &Story) -> Vec<(Caller, f64)> {
    match MODELS[model].role {
        Role::Sonnet => match story.sonnet_storm {
            // the batch job is the extra 35 % of demand during the storm
            Some(_) => vec![(RAG_API, 0.7 / 1.35), (PLANNER, 0.3 / 1.35), (BATCH, 1.0 - 1.0 / 1.35)],
            None => vec![(RAG_API, 0.7), (PLANNER, 0.3)],
        },
        Role::Haiku => vec![(RAG_API, 0.6), (EVALS, 0.25), (ROUTER, 0.15)],
        Role::Opus => {
            let base = MODELS[model].rate;
            let extra = 80.0 * story.runaway;
            if extra > 0.0 {
                vec![(PLANNER, base / (base + extra)), (AGENT_LOOP, extra / (base + extra))]
            } else {
                vec![(PLANNER, 1.0)]
            }
        }
        Role::Other => match model {
            3 => vec![(INGEST, 1.0)],
            4 => vec![(DANA, 1.0)],
            _ => vec![(CLAIMS, 1.0)],
        },
    }
}

/// `total` split by `shares` (largest remainder, so the parts add up).
pub(super) fn split(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let exact: Vec<f64> = shares.iter().map(|s| total as f64 * s / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut left = total - parts.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| (exact[*b] - exact[*b].floor()).total_cmp(&(exact[*a] - exact[*a].floor())).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

/// A deterministic 64-bit hash of a few numbers (splitmix64 steps).
pub(super) fn mix(parts: &[u64]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15u64;
    for p in parts {
        h ^= p.wrapping_add(0x9e37_79b9_7f4a_7c15).wrapping_add(h << 6).wrapping_add(h >> 2);
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
    }
    h
}

fn str_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Logs Insights' timestamp format.
pub(super) fn ts(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn uuid(h: u64) -> String {
    let g = mix(&[h, 1]);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        g >> 52,
        g & 0xffff_ffff_ffff
    )
}

/// An X-Ray trace id for a request at `ms`.
fn trace_id(ms: i64, h: u64) -> String {
    format!("1-{:08x}-{:024x}", ms / 1000, (h as u128) << 32 | u128::from(mix(&[h, 2]) as u32))
}

const PROMPTS: &[&str] = &[
    "What is the refund window for annual plans bought through a reseller?",
    "Summarise the attached incident postmortem in five bullet points.",
    "Which regions support the enterprise SSO add-on?",
    "Draft a reply to the customer asking why their invoice doubled this month.",
    "Classify this claim note: water damage, kitchen, reported 3 days late.",
];

const LOOP_PROMPT: &str = "Continue the plan. Observation from the last tool call: ticket search returned \
     the same 20 results as before. Decide the next step.";

/// Rows of one query as the demo answers it, and what it scanned.
pub(super) struct Answer {
    pub(super) rows: Vec<Vec<(String, String)>>,
    pub(super) stats: QueryStats,
    /// Full records by `@ptr`, for GetLogRecord.
    pub(super) records: Vec<(String, Vec<(String, String)>)>,
}

struct Pending {
    answer: Answer,
    polls: u32,
}

/// The demo backend for the query runner.
pub struct DemoInsights {
    seed: u64,
    launch: i64,
    pricing: PriceTable,
    presets: Presets,
    cache: BTreeMap<i64, Minute>,
    queries: HashMap<String, Pending>,
    records: HashMap<String, Vec<(String, String)>>,
    next: u64,
    calls: u64,
}

impl std::fmt::Debug for DemoInsights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoInsights").field("seed", &self.seed).field("launch", &self.launch).finish_non_exhaustive()
    }
}

/// Minutes of one window: whole minutes only (the current one is still being written).
pub(super) fn minutes_of(start: i64, end: i64) -> impl Iterator<Item = i64> {
    let first = crate::domain::window::align_up(start, 60);
    (first..end - 59).step_by(60)
}

impl DemoInsights {
    pub fn new(seed: u64, launch: i64) -> Self {
        Self {
            seed,
            launch,
            pricing: PriceTable::default(),
            presets: Presets::default(),
            cache: BTreeMap::new(),
            queries: HashMap::new(),
            records: HashMap::new(),
            next: 1,
            calls: 0,
        }
    }

    fn fill(&mut self, start: i64, end: i64) {
        let ts: Vec<i64> = minutes_of(start, end).collect();
        if ts.is_empty() {
            return;
        }
        let (lo, hi) = (ts[0], ts[ts.len() - 1]);
        self.cache.retain(|t, _| *t >= lo - 3600 && *t <= hi);
        for t in ts {
            if !self.cache.contains_key(&t) {
                let m = minute(self.seed, self.launch, t, &self.pricing);
                self.cache.insert(t, m);
            }
        }
    }

    pub(super) fn story(&self, t: i64) -> Story {
        Story::at(phase(t, self.launch))
    }

    /// A generated minute (after `fill`).
    pub(super) fn minute(&self, t: i64) -> Option<&Minute> {
        self.cache.get(&t)
    }

    /// The rows the demo answers `spec` with (for the sibling modules' tests).
    #[cfg(test)]
    pub(super) fn answer_for_test(&mut self, spec: &QuerySpec) -> Vec<Vec<(String, String)>> {
        self.answer(spec, 10_000).rows
    }

    /// Answer a query (see the module docs).
    fn answer(&mut self, spec: &QuerySpec, limit: usize) -> Answer {
        let (start, end) = (spec.window.start, spec.window.end);
        match &spec.purpose {
            Purpose::TraceLogs { trace_id } => return trace_logs(trace_id),
            Purpose::TraceSpans { trace_id } => return trace_spans(trace_id),
            Purpose::Table | Purpose::Runaway(_) => {}
        }
        self.fill(start, end);
        let preset = self.presets.matching(&spec.query).filter(|p| p.builtin).map(|p| p.name.clone());
        match preset.as_deref() {
            Some("tokens-by-caller") => self.tokens_by(start, end, false),
            Some("tokens-by-use-case") => self.tokens_by(start, end, true),
            Some("errors-by-model") => self.errors_by_model(start, end),
            Some("latency-by-model") => self.latency_by_model(start, end),
            Some("recent-errors") => self.invocations(start, end, true, limit.min(200), None),
            Some("app-errors") => self.app_errors(start, end, limit.min(200)),
            Some("genai-spans") => self.genai_spans(start, end, limit.min(200)),
            Some("runaway-callers") => super::runaway::callers_by_minute(self, start, end),
            Some("runaway-sessions") => super::runaway::sessions_by_minute(self, self.seed, start, end),
            _ => match spec.class {
                // one caller's records (the runaway view's Enter): `filter identity.arn = "…"`
                GroupClass::Invocation => {
                    let only = super::runaway::caller_filter(&spec.query);
                    self.invocations(start, end, false, limit.min(100), only.as_deref())
                }
                GroupClass::App => self.app_errors(start, end, limit.min(100)),
                // one session's spans (the runaway view's Enter on a session)
                GroupClass::Spans => match super::runaway::session_filter(&spec.query) {
                    Some(id) => super::runaway::session_spans(self, self.seed, &id, start, end, limit.min(200)),
                    None => self.genai_spans(start, end, limit.min(100)),
                },
            },
        }
    }

    pub(super) fn scanned(&self, start: i64, end: i64) -> (f64, f64) {
        let n: u64 = minutes_of(start, end)
            .filter_map(|t| self.cache.get(&t))
            .map(|m| m.models.iter().map(|x| x.attempts()).sum::<u64>())
            .sum();
        // an invocation record with text bodies is ~2.6 kB
        (n as f64, n as f64 * 2600.0)
    }

    fn tokens_by(&self, start: i64, end: i64, by_use_case: bool) -> Answer {
        // (key, model) → [in, cacheRead, cacheWrite, out, calls]
        let mut acc: BTreeMap<(String, usize), [u64; 5]> = BTreeMap::new();
        for t in minutes_of(start, end) {
            let Some(m) = self.cache.get(&t) else { continue };
            let story = self.story(t);
            for (i, mm) in m.models.iter().enumerate() {
                let cs = callers(i, &story);
                let shares: Vec<f64> = cs.iter().map(|(_, s)| *s).collect();
                let cols = [mm.input_tokens, mm.cache_read, mm.cache_write, mm.output_tokens, mm.attempts()];
                let parts: Vec<Vec<u64>> = cols.iter().map(|v| split(*v, &shares)).collect();
                for (k, (c, _)) in cs.iter().enumerate() {
                    let key = if by_use_case { c.use_case.to_string() } else { c.arn.to_string() };
                    let e = acc.entry((key, i)).or_default();
                    for (j, p) in parts.iter().enumerate() {
                        e[j] += p[k];
                    }
                }
            }
        }
        let mut rows: Vec<(u64, Vec<(String, String)>)> = acc
            .into_iter()
            .filter(|(_, v)| v[4] > 0)
            .map(|((key, i), v)| {
                let group = if by_use_case { "requestMetadata.use_case" } else { "identity.arn" };
                (
                    v[3],
                    vec![
                        (group.to_string(), key),
                        ("modelId".into(), MODELS[i].id.to_string()),
                        ("inTok".into(), v[0].to_string()),
                        ("cacheRead".into(), v[1].to_string()),
                        ("cacheWrite".into(), v[2].to_string()),
                        ("outTok".into(), v[3].to_string()),
                        ("calls".into(), v[4].to_string()),
                    ],
                )
            })
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        rows.truncate(100);
        let (n, bytes) = self.scanned(start, end);
        Answer {
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            stats: QueryStats { records_matched: n, records_scanned: n, bytes_scanned: bytes },
            records: Vec::new(),
        }
    }

    fn errors_by_model(&self, start: i64, end: i64) -> Answer {
        let mut acc: BTreeMap<(usize, &'static str), u64> = BTreeMap::new();
        for m in minutes_of(start, end).filter_map(|t| self.cache.get(&t)) {
            for (i, mm) in m.models.iter().enumerate() {
                let server = split(mm.server_errors, &[2.0, 1.0]);
                for (code, n) in [
                    ("ThrottlingException", mm.throttles),
                    ("ValidationException", mm.client_errors),
                    ("InternalServerException", server[0]),
                    ("ServiceUnavailableException", server[1]),
                ] {
                    if n > 0 {
                        *acc.entry((i, code)).or_default() += n;
                    }
                }
            }
        }
        let matched: u64 = acc.values().sum();
        let mut rows: Vec<(u64, Vec<(String, String)>)> = acc
            .into_iter()
            .map(|((i, code), n)| {
                (
                    n,
                    vec![
                        ("modelId".into(), MODELS[i].id.to_string()),
                        ("errorCode".into(), code.to_string()),
                        ("errors".into(), n.to_string()),
                    ],
                )
            })
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let (n, bytes) = self.scanned(start, end);
        Answer {
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            stats: QueryStats { records_matched: matched as f64, records_scanned: n, bytes_scanned: bytes },
            records: Vec::new(),
        }
    }

    fn latency_by_model(&self, start: i64, end: i64) -> Answer {
        let mut rows: Vec<(f64, Vec<(String, String)>)> = Vec::new();
        let mut matched = 0;
        for (i, p) in MODELS.iter().enumerate() {
            let sets: Vec<SampleSet<'_>> =
                minutes_of(start, end).filter_map(|t| self.cache.get(&t)).map(|m| m.models[i].latency_set()).collect();
            let calls: u64 = sets.iter().map(|s| s.requests).sum();
            if calls == 0 {
                continue;
            }
            matched += calls;
            let pc = percentiles(&sets, &[50, 90, 99]);
            let f = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_default();
            let p99 = pc[2].unwrap_or(0.0);
            rows.push((
                p99,
                vec![
                    ("modelId".into(), p.id.to_string()),
                    ("calls".into(), calls.to_string()),
                    ("avgMs".into(), mean(&sets).map(|v| format!("{v:.1}")).unwrap_or_default()),
                    ("p50".into(), f(pc[0])),
                    ("p90".into(), f(pc[1])),
                    ("p99".into(), f(pc[2])),
                ],
            ));
        }
        rows.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (n, bytes) = self.scanned(start, end);
        Answer {
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            stats: QueryStats { records_matched: matched as f64, records_scanned: n, bytes_scanned: bytes },
            records: Vec::new(),
        }
    }

    /// Invocation records, newest first: failed ones only, or a sample of all.
    fn invocations(&mut self, start: i64, end: i64, errors_only: bool, limit: usize, only: Option<&str>) -> Answer {
        let mut out: Vec<(i64, Fields, Fields)> = Vec::new();
        let mut matched = 0u64;
        let ts: Vec<i64> = minutes_of(start, end).collect();
        for t in ts.iter().rev() {
            let Some(m) = self.cache.get(t) else { continue };
            let story = self.story(*t);
            for (i, mm) in m.models.iter().enumerate() {
                let cs = callers(i, &story);
                let server = split(mm.server_errors, &[2.0, 1.0]);
                let mut kinds: Vec<(Option<&'static str>, u64)> = vec![
                    (Some("ThrottlingException"), mm.throttles),
                    (Some("ValidationException"), mm.client_errors),
                    (Some("InternalServerException"), server[0]),
                    (Some("ServiceUnavailableException"), server[1]),
                ];
                if !errors_only {
                    // a sample of the successful calls: enough to read, not all of them
                    // (more of them when one caller is asked for: its records only)
                    kinds.push((None, mm.invocations.min(if only.is_some() { 12 } else { 3 })));
                }
                for (code, n) in kinds {
                    matched += n;
                    if out.len() >= limit * 3 {
                        continue;
                    }
                    for k in 0..n.min(40) {
                        let h = mix(&[self.seed, *t as u64, i as u64, k, str_hash(code.unwrap_or("ok"))]);
                        let ms = t * 1000 + (h % 60_000) as i64;
                        let shares: Vec<f64> = cs.iter().map(|(_, s)| *s).collect();
                        let pick = pick_weighted(&shares, (h >> 20) as f64 / (1u64 << 44) as f64);
                        let caller = cs[pick].0;
                        if only.is_some_and(|arn| arn != caller.arn) {
                            continue;
                        }
                        let rec = invocation_record(i, caller, code, mm, ms, h, &story);
                        out.push((ms, rec.0, rec.1));
                    }
                }
            }
            if out.len() >= limit * 3 {
                break;
            }
        }
        out.sort_by_key(|o| std::cmp::Reverse(o.0));
        out.truncate(limit);
        let (n, bytes) = self.scanned(start, end);
        let mut rows = Vec::new();
        let mut records = Vec::new();
        for (_, row, full) in out {
            let ptr = row.iter().find(|(f, _)| f == "@ptr").map(|(_, v)| v.clone()).unwrap_or_default();
            records.push((ptr, full));
            rows.push(row);
        }
        Answer {
            rows,
            stats: QueryStats {
                records_matched: if errors_only { matched as f64 } else { n },
                records_scanned: n,
                bytes_scanned: bytes,
            },
            records,
        }
    }

    fn app_errors(&self, start: i64, end: i64, limit: usize) -> Answer {
        let mut out: Vec<(i64, Vec<(String, String)>)> = Vec::new();
        let mut matched = 0u64;
        let mut scanned = 0u64;
        for t in minutes_of(start, end).collect::<Vec<_>>().into_iter().rev() {
            let Some(m) = self.cache.get(&t) else { continue };
            let a = &m.app;
            scanned += a.request_count.sum as u64 * 6;
            let kinds: [(&str, &str, u64); 4] = [
                (
                    "rag.retrieval",
                    "vector search failed: opensearch returned 503 (no shard available) after 2000 ms",
                    a.retrieval_errors.sum as u64,
                ),
                (
                    "rag.generate",
                    "bedrock converse failed: ThrottlingException: Too many tokens, please wait before trying again",
                    a.throttling_errors.sum as u64,
                ),
                (
                    "rag.api",
                    "request rejected: validation error: question is empty after guardrail masking",
                    a.validation_errors.sum as u64,
                ),
                (
                    "rag.generate",
                    "bedrock converse failed: ModelErrorException: the model returned an error",
                    a.generation_errors.sum as u64,
                ),
            ];
            for (logger, msg, n) in kinds {
                matched += n;
                for k in 0..n.min(30) {
                    if out.len() >= limit * 2 {
                        break;
                    }
                    let h = mix(&[self.seed, t as u64, k, str_hash(logger), str_hash(msg)]);
                    let ms = t * 1000 + (h % 60_000) as i64;
                    let line = json!({
                        "time": iso(ms),
                        "level": "ERROR",
                        "logger": logger,
                        "message": msg,
                        "trace_id": trace_id(ms, h),
                        "request_id": uuid(h),
                    });
                    out.push((
                        ms,
                        vec![
                            ("@timestamp".into(), ts(ms)),
                            ("@log".into(), format!("{ACCOUNT}:{DEMO_APP_GROUP}")),
                            ("@message".into(), line.to_string()),
                            ("@ptr".into(), format!("demo-app-{h:016x}")),
                        ],
                    ));
                }
            }
        }
        out.sort_by_key(|o| std::cmp::Reverse(o.0));
        out.truncate(limit);
        Answer {
            rows: out.into_iter().map(|(_, r)| r).collect(),
            stats: QueryStats {
                records_matched: matched as f64,
                records_scanned: scanned as f64,
                bytes_scanned: scanned as f64 * 340.0,
            },
            records: Vec::new(),
        }
    }

    fn genai_spans(&self, start: i64, end: i64, limit: usize) -> Answer {
        let mut out: Vec<(i64, Vec<(String, String)>)> = Vec::new();
        let mut matched = 0u64;
        for t in minutes_of(start, end).collect::<Vec<_>>().into_iter().rev() {
            let Some(m) = self.cache.get(&t) else { continue };
            for (i, mm) in m.models.iter().enumerate() {
                matched += mm.invocations;
                for k in 0..mm.invocations.min(2) {
                    let h = mix(&[self.seed, t as u64, i as u64, k, 7]);
                    let ms = t * 1000 + (h % 60_000) as i64;
                    let n = mm.invocations.max(1) as f64;
                    let lat = mm.latency.get((h % mm.latency.len().max(1) as u64) as usize).copied().unwrap_or(1000.0);
                    let (_, w3c) = trace_id_forms(&trace_id(ms, h)).unwrap_or_default();
                    out.push((
                        ms,
                        vec![
                            ("@timestamp".into(), ts(ms)),
                            ("traceId".into(), w3c),
                            ("spanId".into(), format!("{:016x}", mix(&[h, 3]))),
                            ("name".into(), format!("chat {}", MODELS[i].id)),
                            ("modelId".into(), MODELS[i].id.to_string()),
                            ("inTok".into(), format!("{:.0}", mm.input_tokens as f64 / n)),
                            ("outTok".into(), format!("{:.0}", mm.output_tokens as f64 / n)),
                            ("ms".into(), format!("{lat:.0}")),
                            ("@ptr".into(), format!("demo-span-{h:016x}")),
                        ],
                    ));
                }
            }
            if out.len() >= limit {
                break;
            }
        }
        out.sort_by_key(|o| std::cmp::Reverse(o.0));
        out.truncate(limit);
        Answer {
            rows: out.into_iter().map(|(_, r)| r).collect(),
            stats: QueryStats {
                records_matched: matched as f64,
                records_scanned: matched as f64 * 5.0,
                bytes_scanned: matched as f64 * 5.0 * 1200.0,
            },
            records: Vec::new(),
        }
    }
}

/// The index whose cumulative share first exceeds `u` (in [0, 1)).
fn pick_weighted(shares: &[f64], u: f64) -> usize {
    let total: f64 = shares.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut acc = 0.0;
    for (i, s) in shares.iter().enumerate() {
        acc += s / total;
        if u < acc {
            return i;
        }
    }
    shares.len().saturating_sub(1)
}

/// One invocation record: the result row and the full record (for GetLogRecord).
fn invocation_record(
    model: usize,
    caller: Caller,
    error: Option<&str>,
    mm: &super::generate::ModelMinute,
    ms: i64,
    h: u64,
    story: &Story,
) -> (Fields, Fields) {
    let p = &MODELS[model];
    let n = mm.invocations.max(1) as f64;
    let request_id = uuid(h);
    let prompt = if caller == AGENT_LOOP { LOOP_PROMPT } else { PROMPTS[(h % PROMPTS.len() as u64) as usize] };
    let input_tokens = (mm.input_tokens as f64 / n).round() as u64;
    let mut record = json!({
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": iso(ms),
        "accountId": ACCOUNT,
        "identity": {"arn": caller.arn},
        "region": "us-east-1",
        "requestId": request_id,
        "operation": if p.ttft_ms.is_some() { "ConverseStream" } else { "Converse" },
        "modelId": p.id,
        "requestMetadata": {"use_case": caller.use_case},
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {
                "messages": [{"role": "user", "content": [{"text": prompt}]}],
                "inferenceConfig": {"maxTokens": if caller == AGENT_LOOP { 4096 } else { 1024 }},
            },
            "inputTokenCount": input_tokens,
            "cacheReadInputTokenCount": (mm.cache_read as f64 / n).round() as u64,
            "cacheWriteInputTokenCount": (mm.cache_write as f64 / n).round() as u64,
        },
    });
    match error {
        Some(code) => {
            record["errorCode"] = json!(code);
        }
        None => {
            let lat = mm.latency.get((h % mm.latency.len().max(1) as u64) as usize).copied().unwrap_or(1000.0);
            let out_tokens = (mm.output_tokens as f64 / n).round() as u64;
            let answer = if story.runaway > 0.0 && caller == AGENT_LOOP {
                "Step 14: search the ticket system again with the same query and compare the results."
            } else {
                "Here is what I found in the knowledge base, with the sources cited below."
            };
            record["output"] = json!({
                "outputContentType": "application/json",
                "outputBodyJson": {
                    "output": {"message": {"role": "assistant", "content": [{"text": answer}]}},
                    "stopReason": "end_turn",
                    "usage": {"inputTokens": input_tokens, "outputTokens": out_tokens},
                    "metrics": {"latencyMs": lat.round() as u64},
                },
                "outputTokenCount": out_tokens,
            });
        }
    }
    let message = record.to_string();
    let ptr = format!("demo-inv-{h:016x}");
    let row = vec![
        ("@timestamp".to_string(), ts(ms)),
        ("modelId".into(), p.id.to_string()),
        ("errorCode".into(), error.unwrap_or_default().to_string()),
        ("identity.arn".into(), caller.arn.to_string()),
        ("requestId".into(), request_id),
        ("@message".into(), message.clone()),
        ("@ptr".into(), ptr),
    ];
    let mut full = crate::domain::insights::flatten_json(&record);
    full.push(("@timestamp".into(), ts(ms)));
    full.push(("@message".into(), message));
    full.push(("@log".into(), format!("{ACCOUNT}:{DEMO_INVOCATION_GROUP}")));
    full.sort();
    (row, full)
}

/// The log lines of one trace: the RAG app's and its spans.
fn trace_logs(trace: &str) -> Answer {
    let Some((xray, w3c)) = trace_id_forms(trace) else {
        return Answer { rows: Vec::new(), stats: QueryStats::default(), records: Vec::new() };
    };
    let t0 = crate::store::traces::trace_id_time(&xray).unwrap_or(0) * 1000;
    let h = str_hash(&w3c);
    let model = MODELS[(h % 2) as usize].id;
    let lines = [
        (0, "rag.api", "INFO", "POST /query received".to_string()),
        (38, "rag.embed", "INFO", "embedded the question (412 tokens) in 37 ms".to_string()),
        (131, "rag.retrieval", "INFO", format!("vector search returned {} documents in 88 ms", 3 + h % 4)),
        (262, "rag.rerank", "INFO", "reranked to 3 documents in 121 ms".to_string()),
        (300, "rag.generate", "INFO", format!("bedrock converse {model}")),
        (2_410, "rag.generate", "INFO", format!("answer: {} tokens in, {} out", 2_300 + h % 400, 300 + h % 200)),
        (2_455, "rag.api", "INFO", "200 OK in 2455 ms".to_string()),
    ];
    let mut rows = Vec::new();
    for (k, (dt, logger, level, msg)) in lines.iter().enumerate() {
        let ms = t0 + dt;
        let line = json!({"time": iso(ms), "level": level, "logger": logger, "message": msg, "trace_id": xray});
        rows.push(vec![
            ("@timestamp".into(), ts(ms)),
            ("@log".into(), format!("{ACCOUNT}:{DEMO_APP_GROUP}")),
            ("@message".into(), line.to_string()),
            ("@ptr".into(), format!("demo-trace-{h:016x}-{k}")),
        ]);
    }
    for (k, rec) in span_records(&w3c, t0, model).into_iter().enumerate() {
        let ms = t0 + k as i64;
        rows.push(vec![
            ("@timestamp".into(), ts(ms)),
            ("@log".into(), format!("{ACCOUNT}:{DEMO_SPANS_GROUP}")),
            ("@message".into(), rec),
            ("@ptr".into(), format!("demo-span-{h:016x}-{k}")),
        ]);
    }
    rows.sort_by(|a, b| a[0].1.cmp(&b[0].1));
    let n = rows.len() as f64;
    Answer {
        rows,
        stats: QueryStats { records_matched: n, records_scanned: 4200.0, bytes_scanned: 4200.0 * 900.0 },
        records: Vec::new(),
    }
}

/// One trace's spans, as `aws/spans` records.
fn trace_spans(trace: &str) -> Answer {
    let Some((xray, w3c)) = trace_id_forms(trace) else {
        return Answer { rows: Vec::new(), stats: QueryStats::default(), records: Vec::new() };
    };
    let t0 = crate::store::traces::trace_id_time(&xray).unwrap_or(0) * 1000;
    let model = MODELS[(str_hash(&w3c) % 2) as usize].id;
    let rows: Vec<Vec<(String, String)>> = span_records(&w3c, t0, model)
        .into_iter()
        .enumerate()
        .map(|(k, r)| vec![("@timestamp".into(), ts(t0 + k as i64)), ("@message".into(), r)])
        .collect();
    let n = rows.len() as f64;
    Answer {
        rows,
        stats: QueryStats { records_matched: n, records_scanned: 900.0, bytes_scanned: 900.0 * 1200.0 },
        records: Vec::new(),
    }
}

fn span_records(w3c: &str, t0_ms: i64, model: &str) -> Vec<String> {
    let h = str_hash(w3c);
    let id = |k: u64| format!("{:016x}", mix(&[h, k]));
    let ns = |ms: i64| (ms * 1_000_000).to_string();
    let span = |k: u64, parent: Option<u64>, name: &str, kind: &str, start: i64, dur: i64, attrs: serde_json::Value| {
        let mut v = json!({
            "resource": {"attributes": {"service.name": "rag-api", "cloud.platform": "aws_ecs"}},
            "scope": {"name": "opentelemetry.instrumentation.botocore"},
            "traceId": w3c, "spanId": id(k), "name": name, "kind": kind,
            "startTimeUnixNano": ns(t0_ms + start), "endTimeUnixNano": ns(t0_ms + start + dur), "durationNano": dur * 1_000_000,
            "attributes": attrs, "status": {"code": "UNSET"},
        });
        if let Some(p) = parent {
            v["parentSpanId"] = json!(id(p));
        }
        v.to_string()
    };
    vec![
        span(
            1,
            None,
            "POST /query",
            "SERVER",
            0,
            2455,
            json!({"http.request.method": "POST", "http.response.status_code": 200}),
        ),
        span(
            2,
            Some(1),
            "embed amazon.titan-embed-text-v2:0",
            "CLIENT",
            2,
            36,
            json!({"gen_ai.operation.name": "embeddings", "gen_ai.request.model": "amazon.titan-embed-text-v2:0", "gen_ai.usage.input_tokens": 412}),
        ),
        span(3, Some(1), "vector_search", "CLIENT", 40, 90, json!({"db.system": "opensearch"})),
        span(4, Some(1), "rerank", "INTERNAL", 132, 128, json!({})),
        span(
            5,
            Some(1),
            &format!("chat {model}"),
            "CLIENT",
            300,
            2110,
            json!({
                "gen_ai.system": "aws.bedrock", "gen_ai.operation.name": "chat", "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 2300 + h % 400, "gen_ai.usage.output_tokens": 300 + h % 200,
                "gen_ai.response.finish_reasons": ["end_turn"],
            }),
        ),
    ]
}

fn demo_error(message: &str) -> SourceError {
    SourceError {
        kind: ErrorKind::Service,
        code: Some("ResourceNotFoundException".into()),
        message: message.into(),
        hint: "run the query again".into(),
        at: crate::sources::aws::now(),
    }
}

impl InsightsBackend for DemoInsights {
    async fn start_query(&mut self, spec: &QuerySpec, limit: i32) -> Result<String, SourceError> {
        self.calls += 1;
        let answer = self.answer(spec, limit.max(1) as usize);
        if self.records.len() > 5000 {
            self.records.clear();
        }
        for (ptr, full) in &answer.records {
            self.records.insert(ptr.clone(), full.clone());
        }
        let id = format!("demo-query-{}", self.next);
        self.next += 1;
        self.queries.insert(id.clone(), Pending { answer, polls: 0 });
        Ok(id)
    }

    async fn get_results(&mut self, query_id: &str) -> Result<RawResults, SourceError> {
        self.calls += 1;
        let Some(q) = self.queries.get_mut(query_id) else {
            return Err(demo_error(&format!("no query {query_id}")));
        };
        q.polls += 1;
        let half = |s: &QueryStats| QueryStats {
            records_matched: (s.records_matched / 2.0).round(),
            records_scanned: (s.records_scanned / 2.0).round(),
            bytes_scanned: (s.bytes_scanned / 2.0).round(),
        };
        let out = match q.polls {
            1 => RawResults { status: Some(QueryStatus::Scheduled), rows: Vec::new(), stats: None, more: false },
            2 => RawResults {
                status: Some(QueryStatus::Running),
                rows: q.answer.rows[..q.answer.rows.len() / 2].to_vec(),
                stats: Some(half(&q.answer.stats)),
                more: false,
            },
            _ => {
                let q = self.queries.remove(query_id).expect("present");
                RawResults {
                    status: Some(QueryStatus::Complete),
                    rows: q.answer.rows,
                    stats: Some(q.answer.stats),
                    more: false,
                }
            }
        };
        Ok(out)
    }

    async fn stop_query(&mut self, query_id: &str) -> Result<bool, SourceError> {
        self.calls += 1;
        Ok(self.queries.remove(query_id).is_some())
    }

    async fn get_record(&mut self, ptr: &str) -> Result<Vec<(String, String)>, SourceError> {
        self.calls += 1;
        self.records.get(ptr).cloned().ok_or_else(|| demo_error("the demo keeps full records for invocation rows only"))
    }

    async fn discover(&mut self, settings: &InsightsSettings) -> LogGroups {
        let mut available = vec![
            DEMO_INVOCATION_GROUP.to_string(),
            DEMO_APP_GROUP.to_string(),
            DEMO_SPANS_GROUP.to_string(),
            "/aws/bedrock-agentcore/runtimes/support-agent".to_string(),
            "/ecs/doc-ingest".to_string(),
        ];
        available.sort();
        LogGroups {
            invocation: vec![DEMO_INVOCATION_GROUP.into()],
            invocation_source: GroupSource::Discovered,
            app: if settings.app_groups.is_empty() { vec![DEMO_APP_GROUP.into()] } else { settings.app_groups.clone() },
            spans: Some(DEMO_SPANS_GROUP.into()),
            available,
            discovered: true,
            error: None,
        }
    }

    async fn transaction_search(&mut self) -> Option<TransactionSearch> {
        Some(TransactionSearch {
            destination: Some("CloudWatchLogs".into()),
            status: Some("ACTIVE".into()),
            error: None,
        })
    }

    fn take_calls(&mut self) -> u64 {
        std::mem::take(&mut self.calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::insights::ResultTable;
    use crate::domain::window::Window;
    use crate::store::logs::QuerySpec;

    const LAUNCH: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC
    const MIN: i64 = 60;

    fn run(d: &mut DemoInsights, preset: &str, end: i64, secs: i64) -> ResultTable {
        let p = Presets::default().get(preset).unwrap().clone();
        let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec!["g".into()], Window { start: end - secs, end });
        let a = d.answer(&spec, 1000);
        let mut t = ResultTable::from_rows(&a.rows);
        t.add_cost_column(&PriceTable::default());
        t
    }

    fn cost_of(t: &ResultTable, arn: &str) -> f64 {
        let (a, c) = (t.column("identity.arn").unwrap(), t.column("cost_usd").unwrap());
        t.rows.iter().filter(|r| r[a] == arn).filter_map(|r| r[c].parse::<f64>().ok()).sum()
    }

    #[test]
    fn the_runaway_caller_stands_out_during_the_loop_only() {
        for seed in [0, 7, 42] {
            let mut d = DemoInsights::new(seed, LAUNCH);
            let during = run(&mut d, "tokens-by-caller", LAUNCH + 9 * MIN, 15 * MIN);
            let loop_cost = cost_of(&during, AGENT_LOOP.arn);
            let others: Vec<f64> = [RAG_API, PLANNER, BATCH, EVALS, ROUTER, INGEST, DANA]
                .iter()
                .map(|c| cost_of(&during, c.arn))
                .collect();
            eprintln!("seed {seed}: loop ${loop_cost:.2}, others {others:?}");
            assert!(others.iter().all(|o| loop_cost > 3.0 * o), "{loop_cost} vs {others:?}");
            // the first row (sorted by output tokens) is the loop on opus
            let (a, m) = (during.column("identity.arn").unwrap(), during.column("modelId").unwrap());
            assert_eq!(during.rows[0][a], AGENT_LOOP.arn);
            assert!(during.rows[0][m].contains("opus"));
            let before = run(&mut d, "tokens-by-caller", LAUNCH - 30 * MIN, 15 * MIN);
            assert_eq!(cost_of(&before, AGENT_LOOP.arn), 0.0);
            assert!(before.column("cost_usd").is_some());
        }
    }

    #[test]
    fn tokens_add_up_to_the_metrics() {
        let mut d = DemoInsights::new(3, LAUNCH);
        let (end, secs) = (LAUNCH + 6 * MIN, 30 * MIN);
        let t = run(&mut d, "tokens-by-caller", end, secs);
        let (m, i) = (t.column("modelId").unwrap(), t.column("inTok").unwrap());
        for (k, p) in MODELS.iter().enumerate() {
            let from_logs: u64 = t.rows.iter().filter(|r| r[m] == p.id).map(|r| r[i].parse::<u64>().unwrap()).sum();
            let from_minutes: u64 = minutes_of(end - secs, end).map(|t| d.cache[&t].models[k].input_tokens).sum();
            assert_eq!(from_logs, from_minutes, "{}", p.id);
        }
        let u = run(&mut d, "tokens-by-use-case", end, secs);
        assert!(u.column("requestMetadata.use_case").is_some());
        let uses: std::collections::BTreeSet<&str> =
            u.rows.iter().map(|r| r[u.column("requestMetadata.use_case").unwrap()].as_str()).collect();
        assert!(uses.contains("agent") && uses.contains("qa") && uses.contains("summarize"), "{uses:?}");
    }

    #[test]
    fn errors_latency_and_app_lines() {
        let mut d = DemoInsights::new(7, LAUNCH);
        let end = LAUNCH + 6 * MIN;
        let e = run(&mut d, "errors-by-model", end, 10 * MIN);
        let (m, c) = (e.column("modelId").unwrap(), e.column("errorCode").unwrap());
        assert!(e.rows[0][m].contains("sonnet") && e.rows[0][c] == "ThrottlingException", "{:?}", e.rows[0]);
        let l = run(&mut d, "latency-by-model", end, 10 * MIN);
        assert_eq!(l.columns, vec!["modelId", "calls", "avgMs", "p50", "p90", "p99"]);
        assert!(l.rows.iter().any(|r| r[0].contains("haiku")));
        let recent = run(&mut d, "recent-errors", end, 10 * MIN);
        assert!(!recent.rows.is_empty() && recent.rows.len() <= 200);
        let ts = recent.column("@timestamp").unwrap();
        assert!(recent.rows.windows(2).all(|w| w[0][ts] >= w[1][ts]), "newest first");
        let msg = &recent.rows[0][recent.column("@message").unwrap()];
        let v: serde_json::Value = serde_json::from_str(msg).unwrap();
        assert_eq!(v["schemaType"], "ModelInvocationLog");
        assert!(v["errorCode"].is_string());
        assert!(recent.ptrs.iter().all(|p| p.is_some()));
        let app = run(&mut d, "app-errors", end, 10 * MIN);
        assert!(!app.rows.is_empty());
        assert!(app.rows.iter().all(|r| r[2].contains("\"level\":\"ERROR\"")));
    }

    #[test]
    fn same_seed_same_rows() {
        let a = run(&mut DemoInsights::new(9, LAUNCH), "recent-errors", LAUNCH + 5 * MIN, 3600);
        let b = run(&mut DemoInsights::new(9, LAUNCH), "recent-errors", LAUNCH + 5 * MIN, 3600);
        assert_eq!(a, b);
    }

    #[test]
    fn trace_lookups_and_split() {
        let a = trace_logs("1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(a.rows.len(), 12);
        assert!(a.rows.iter().all(|r| r[2].1.contains("5759e988")));
        let s = trace_spans("5759e988bd862e3fe1be46a994272793");
        let t = crate::sources::spans::otel::build_trace(
            "5759e988bd862e3fe1be46a994272793",
            "us-east-1",
            s.rows.iter().map(|r| r[1].1.as_str()),
            &PriceTable::default(),
        )
        .unwrap();
        assert_eq!((t.spans.len(), t.roots.len()), (5, 1));
        assert!(trace_logs("nope").rows.is_empty());
        assert_eq!(split(10, &[0.7, 0.3]), vec![7, 3]);
        assert_eq!(split(1, &[0.5, 0.5]).iter().sum::<u64>(), 1);
        assert_eq!(split(0, &[1.0]), vec![0]);
    }
}
