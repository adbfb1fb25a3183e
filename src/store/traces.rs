//! Traces as plain data: the trace list (X-Ray trace summaries for a window and a filter
//! expression), fetched traces as span trees, and the cache of fetched traces.
//!
//! A [`Trace`] is an arena of [`Span`]s linked by index. [`Trace::build`] takes spans in any order
//! (segments, nested subsegments and subsegments sent as separate documents, all flattened by
//! the parser with their `parent_id`) and links them, de-duplicates repeated ids (an in-progress
//! segment later sent complete), orders children by start time, and derives depth, self time,
//! the critical path, which spans' tokens count towards the trace's totals, and the totals.
//! Everything is iterative, so a trace of any depth or size cannot overflow the stack.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::health::SourceError;
use crate::domain::genai::GenAi;
use crate::domain::window::{Since, Window};

/// Fetched traces kept in memory (the oldest fetched go first)…
pub const CACHE_TRACES: usize = 400;
/// …and at most this many spans across them.
pub const CACHE_SPANS: usize = 300_000;
/// Retention by age: when a list arrives, fetched traces that ended this long before its window
/// and are not in it are dropped (the newest fetched always stays).
pub const KEEP_BEFORE_LIST_SECS: i64 = 3600;

/// Index of a span in its trace's arena.
pub type SpanIdx = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    /// A service's segment (a document of its own).
    Segment,
    /// Work inside a segment (nested, or sent separately with `type: subsegment`).
    Subsegment,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Http {
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub content_length: Option<u64>,
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StackFrame {
    pub path: Option<String>,
    pub line: Option<u64>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exception {
    pub id: Option<String>,
    pub message: Option<String>,
    pub kind: Option<String>,
    pub remote: bool,
    pub truncated: Option<u64>,
    pub skipped: Option<u64>,
    /// The id of the exception that caused this one.
    pub cause: Option<String>,
    pub stack: Vec<StackFrame>,
}

/// `cause`: a reference to an exception recorded elsewhere, or the exceptions themselves.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cause {
    /// When `cause` is a 16-character exception id.
    pub exception_ref: Option<String>,
    pub working_directory: Option<String>,
    pub paths: Vec<String>,
    pub exceptions: Vec<Exception>,
}

/// One segment or subsegment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub id: String,
    /// As sent (`parent_id`, or the enclosing document's id for nested subsegments).
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: SpanKind,
    /// `aws` (AWS SDK calls) or `remote` (other downstream calls).
    pub namespace: Option<String>,
    pub origin: Option<String>,
    pub start: f64,
    /// `None` while in progress (or when the document had no end).
    pub end: Option<f64>,
    pub in_progress: bool,
    pub fault: bool,
    pub error: bool,
    pub throttle: bool,
    pub http: Option<Http>,
    pub aws: Option<Value>,
    pub sql: Option<Value>,
    pub annotations: Vec<(String, Value)>,
    /// Namespaces → values, as sent.
    pub metadata: Option<Value>,
    pub cause: Option<Cause>,
    pub user: Option<String>,
    pub resource_arn: Option<String>,
    pub inferred: bool,
    pub genai: GenAi,
    // ---- derived by Trace::build ----
    pub parent: Option<SpanIdx>,
    pub children: Vec<SpanIdx>,
    pub depth: u32,
    /// Duration minus the time covered by children (`None` while in progress).
    pub self_time: Option<f64>,
    /// On the critical path: the chain of spans that decided when the trace ended.
    pub critical: bool,
    /// This span's tokens and cost count towards the trace's totals (it reports usage and no
    /// span below it does, so an agent's or a wrapper's aggregate is not counted twice).
    pub counted: bool,
    /// Some span below this one faulted, errored or was throttled.
    pub failure_below: bool,
}

impl Span {
    /// A span with a name and times, nothing else (for parsers and tests).
    pub fn new(id: &str, name: &str, start: f64, end: Option<f64>) -> Self {
        Self {
            id: id.into(),
            parent_id: None,
            name: name.into(),
            kind: SpanKind::Subsegment,
            namespace: None,
            origin: None,
            start,
            end,
            in_progress: end.is_none(),
            fault: false,
            error: false,
            throttle: false,
            http: None,
            aws: None,
            sql: None,
            annotations: Vec::new(),
            metadata: None,
            cause: None,
            user: None,
            resource_arn: None,
            inferred: false,
            genai: GenAi::default(),
            parent: None,
            children: Vec::new(),
            depth: 0,
            self_time: None,
            critical: false,
            counted: false,
            failure_below: false,
        }
    }

    pub fn duration(&self) -> Option<f64> {
        self.end.map(|e| (e - self.start).max(0.0))
    }

    pub fn failed(&self) -> bool {
        self.fault || self.error || self.throttle
    }
}

/// Counts and sums over a whole trace.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceTotals {
    pub spans: usize,
    pub faults: usize,
    pub errors: usize,
    pub throttles: usize,
    pub in_progress: usize,
    pub input_tokens: f64,
    pub output_tokens: f64,
    /// `None` when no span reported usage.
    pub tokens: Option<f64>,
    pub cost_usd: Option<f64>,
    /// Some counted span had tokens but no price.
    pub cost_incomplete: bool,
    /// Distinct models, the one with most tokens first.
    pub models: Vec<String>,
}

/// One trace as a span tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trace {
    pub id: String,
    pub region: String,
    pub spans: Vec<Span>,
    pub roots: Vec<SpanIdx>,
    pub start: f64,
    pub end: f64,
    /// X-Ray said the trace was too large to return whole.
    pub limit_exceeded: bool,
    /// Documents that could not be parsed (kept so the operator knows something is missing).
    pub bad_documents: Vec<String>,
    pub totals: TraceTotals,
}

impl Trace {
    pub fn duration(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }

    /// The first root's name (the entry service).
    pub fn root_name(&self) -> Option<&str> {
        self.roots.first().map(|r| self.spans[*r as usize].name.as_str())
    }

    pub fn span(&self, i: SpanIdx) -> &Span {
        &self.spans[i as usize]
    }

    /// Link, order and derive (see the module docs). `spans` may come in any order.
    pub fn build(id: &str, region: &str, spans: Vec<Span>) -> Self {
        let mut spans = dedupe(spans);
        let index: HashMap<&str, usize> = spans.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        let parents: Vec<Option<usize>> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| s.parent_id.as_deref().and_then(|p| index.get(p).copied()).filter(|p| *p != i))
            .collect();
        drop(index);
        let n = spans.len();
        // children in start order (document order breaks ties)
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, p) in parents.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i);
            }
        }
        let by_start = |v: &mut Vec<usize>, spans: &[Span]| {
            v.sort_by(|a, b| spans[*a].start.total_cmp(&spans[*b].start).then(a.cmp(b)));
        };
        for c in children.iter_mut() {
            by_start(c, &spans);
        }
        let mut roots: Vec<usize> = (0..n).filter(|i| parents[*i].is_none()).collect();
        by_start(&mut roots, &spans);
        // breadth-first from the roots; spans caught in a parent cycle are never reached, so
        // each cycle is broken at its earliest span, which becomes a root
        let mut order: Vec<usize> = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        let mut parent_of: Vec<Option<usize>> = vec![None; n];
        let mut depth = vec![0u32; n];
        let bfs = |start: usize,
                   order: &mut Vec<usize>,
                   seen: &mut Vec<bool>,
                   parent_of: &mut Vec<Option<usize>>,
                   depth: &mut Vec<u32>| {
            let mut q = VecDeque::from([start]);
            seen[start] = true;
            while let Some(i) = q.pop_front() {
                order.push(i);
                for &c in &children[i] {
                    if !seen[c] {
                        seen[c] = true;
                        parent_of[c] = Some(i);
                        depth[c] = depth[i] + 1;
                        q.push_back(c);
                    }
                }
            }
        };
        for &r in &roots {
            bfs(r, &mut order, &mut seen, &mut parent_of, &mut depth);
        }
        if order.len() < n {
            let mut rest: Vec<usize> = (0..n).filter(|i| !seen[*i]).collect();
            by_start(&mut rest, &spans);
            for r in rest {
                if !seen[r] {
                    roots.push(r);
                    bfs(r, &mut order, &mut seen, &mut parent_of, &mut depth);
                }
            }
            by_start(&mut roots, &spans);
        }
        for (i, s) in spans.iter_mut().enumerate() {
            s.parent = parent_of[i].map(|p| p as SpanIdx);
            s.depth = depth[i];
            s.children = children[i].iter().filter(|c| parent_of[**c] == Some(i)).map(|c| *c as SpanIdx).collect();
        }
        let start = spans.iter().map(|s| s.start).fold(f64::INFINITY, f64::min);
        let end = spans.iter().map(|s| s.end.unwrap_or(s.start)).fold(f64::NEG_INFINITY, f64::max);
        let (start, end) = if start.is_finite() { (start, end.max(start)) } else { (0.0, 0.0) };
        let mut t = Trace {
            id: id.into(),
            region: region.into(),
            spans,
            roots: roots.into_iter().map(|r| r as SpanIdx).collect(),
            start,
            end,
            limit_exceeded: false,
            bad_documents: Vec::new(),
            totals: TraceTotals::default(),
        };
        t.derive(&order);
        t
    }

    /// Self times, the critical path, counted usage, failures below, and the totals.
    fn derive(&mut self, bfs_order: &[usize]) {
        let trace_end = self.end;
        let eff_end = |s: &Span| s.end.unwrap_or(trace_end);
        // self time: the span's duration minus the union of its children's intervals
        for i in 0..self.spans.len() {
            let s = &self.spans[i];
            let Some(end) = s.end else { continue };
            let mut iv: Vec<(f64, f64)> = s
                .children
                .iter()
                .map(|c| {
                    let c = &self.spans[*c as usize];
                    (c.start.max(s.start), eff_end(c).min(end))
                })
                .filter(|(a, b)| b > a)
                .collect();
            iv.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut covered = 0.0;
            let mut cur: Option<(f64, f64)> = None;
            for (a, b) in iv {
                match &mut cur {
                    Some((_, ce)) if a <= *ce => *ce = ce.max(b),
                    _ => {
                        if let Some((ca, ce)) = cur {
                            covered += ce - ca;
                        }
                        cur = Some((a, b));
                    }
                }
            }
            if let Some((ca, ce)) = cur {
                covered += ce - ca;
            }
            self.spans[i].self_time = Some(((end - s.start) - covered).max(0.0));
        }
        // critical path, from the root that ended last: walk back from the span's end, taking
        // the child that was still running latest, then the one before it started, and so on
        if let Some(&root) = self
            .roots
            .iter()
            .max_by(|a, b| eff_end(&self.spans[**a as usize]).total_cmp(&eff_end(&self.spans[**b as usize])))
        {
            let mut stack = vec![root as usize];
            while let Some(i) = stack.pop() {
                self.spans[i].critical = true;
                let s_start = self.spans[i].start;
                let mut cursor = eff_end(&self.spans[i]);
                let mut kids: Vec<usize> = self.spans[i].children.iter().map(|c| *c as usize).collect();
                kids.sort_by(|a, b| eff_end(&self.spans[*b]).total_cmp(&eff_end(&self.spans[*a])));
                for c in kids {
                    if cursor <= s_start {
                        break;
                    }
                    let cs = &self.spans[c];
                    if cs.start < cursor {
                        stack.push(c);
                        cursor = cs.start;
                    }
                }
            }
        }
        // bottom-up: usage below, failures below
        let n = self.spans.len();
        let mut usage_below = vec![false; n];
        let mut fail_below = vec![false; n];
        for &i in bfs_order.iter().rev() {
            let s = &self.spans[i];
            if let Some(p) = s.parent {
                let p = p as usize;
                usage_below[p] |= usage_below[i] || s.genai.has_usage();
                fail_below[p] |= fail_below[i] || s.failed();
            }
        }
        let mut totals = TraceTotals { spans: n, ..Default::default() };
        let mut model_tokens: BTreeMap<String, f64> = BTreeMap::new();
        let mut any_cost = false;
        let mut cost = 0.0;
        let mut reported_total: Option<f64> = None;
        for (i, s) in self.spans.iter_mut().enumerate() {
            s.failure_below = fail_below[i];
            s.counted = s.genai.has_usage() && !usage_below[i];
            totals.faults += s.fault as usize;
            totals.errors += s.error as usize;
            totals.throttles += s.throttle as usize;
            totals.in_progress += s.in_progress as usize;
            if let Some(t) = s.genai.reported_total_cost_usd {
                reported_total = Some(reported_total.map_or(t, |r: f64| r.max(t)));
            }
            if let Some(m) = s.genai.model() {
                let e = model_tokens.entry(m.to_string()).or_default();
                if s.counted {
                    *e += s.genai.tokens().unwrap_or(0.0);
                }
            }
            if !s.counted {
                continue;
            }
            if let Some(t) = s.genai.tokens() {
                totals.tokens = Some(totals.tokens.unwrap_or(0.0) + t);
                totals.input_tokens += s.genai.input_tokens.unwrap_or(0.0);
                totals.output_tokens += s.genai.output_tokens.unwrap_or(0.0);
            }
            match s.genai.cost_usd {
                Some(c) => {
                    any_cost = true;
                    cost += c;
                }
                None => totals.cost_incomplete |= s.genai.tokens().is_some_and(|t| t > 0.0),
            }
        }
        totals.cost_usd = if any_cost { Some(cost) } else { reported_total };
        let mut models: Vec<(String, f64)> = model_tokens.into_iter().collect();
        models.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        totals.models = models.into_iter().map(|(m, _)| m).collect();
        self.totals = totals;
    }

    /// Spans in display order (depth-first, children by start), iteratively.
    pub fn preorder(&self) -> Vec<SpanIdx> {
        let mut out = Vec::with_capacity(self.spans.len());
        let mut stack: Vec<SpanIdx> = self.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.span(i).children.iter().rev());
        }
        out
    }
}

/// Keep one span per id: a complete one over an in-progress one, else the later one sent.
fn dedupe(spans: Vec<Span>) -> Vec<Span> {
    let mut pos: HashMap<String, usize> = HashMap::with_capacity(spans.len());
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match pos.get(&s.id) {
            Some(&i) => {
                let keep_old = out[i].end.is_some() && s.end.is_none();
                if !keep_old {
                    out[i] = s;
                }
            }
            None => {
                pos.insert(s.id.clone(), out.len());
                out.push(s);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The trace list

/// Which time range a trace list covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TraceRange {
    /// The last N seconds, re-anchored to "now" on every refresh.
    Last(i64),
    /// A fixed range (a pivot from a spike).
    Fixed(Window),
}

impl TraceRange {
    pub fn resolve(&self, now: i64) -> Window {
        match self {
            Self::Last(secs) => Since::from_secs(*secs).window_ending(now),
            Self::Fixed(w) => *w,
        }
    }
}

static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

/// One trace-list request. A newer `seq` replaces the list; the same `seq` refreshes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceQuery {
    pub seq: u64,
    pub range: TraceRange,
    /// An X-Ray filter expression; `None` lists everything.
    pub filter: Option<String>,
}

impl TraceQuery {
    pub fn new(range: TraceRange, filter: Option<String>) -> Self {
        let filter = filter.map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
        Self { seq: NEXT_SEQ.fetch_add(1, Ordering::Relaxed), range, filter }
    }
}

/// One row of GetTraceSummaries, as plain data.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceSummary {
    pub id: String,
    pub region: String,
    /// Epoch seconds: the summary's StartTime. When X-Ray sent none, the start of the window it
    /// was listed in, and [`Self::start_estimated`] is set (never the trace id's first 8 hex
    /// digits: OpenTelemetry ids carry no time).
    pub start: f64,
    /// `start` is not the trace's: fetch over the whole list window.
    #[serde(default)]
    pub start_estimated: bool,
    pub duration: Option<f64>,
    pub response_time: Option<f64>,
    /// The entry service.
    pub root: Option<String>,
    /// `POST /query`, from the trace's HTTP request.
    pub operation: Option<String>,
    pub http_status: Option<u16>,
    pub http_url: Option<String>,
    pub fault: bool,
    pub error: bool,
    pub throttle: bool,
    pub partial: bool,
    /// Models named in the trace's annotations.
    pub models: Vec<String>,
    /// GenAI facts from the annotations (tokens and cost, when the application indexed them).
    pub genai: GenAi,
}

/// The result of one list request in one region.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceList {
    pub query: TraceQuery,
    pub region: String,
    pub window: Window,
    pub summaries: Vec<TraceSummary>,
    /// `TracesProcessedCount`, summed over pages (what X-Ray bills as scanned).
    pub processed: i64,
    /// Paging stopped at the summary cap.
    pub truncated: bool,
    pub listed_at: i64,
    /// Whether the summaries are X-Ray's indexed sample of spans sent to CloudWatch Logs
    /// (Transaction Search); `None` when the source did not ask (the demo).
    #[serde(default)]
    pub sampling: Option<TraceSampling>,
}

/// Transaction Search in one region, as it bears on the trace list: GetTraceSegmentDestination
/// (where spans go) and, when they go to CloudWatch Logs, GetIndexingRules (the share of traces
/// X-Ray indexes as trace summaries).
///
/// With spans in CloudWatch Logs (`aws/spans`), GetTraceSummaries answers from an indexed
/// *sample* of the traces — the `Default` indexing rule's probabilistic percentage, 1 % unless
/// changed ("Indexing rules are used to determine the server-side sampling rate for spans
/// ingested through the CloudWatchLogs destination and indexed by X-Ray", GetIndexingRules, AWS
/// X-Ray API Reference) — so the list and its counts are a sample, never totals.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceSampling {
    /// `XRay` or `CloudWatchLogs`; `None` when GetTraceSegmentDestination failed.
    pub destination: Option<String>,
    /// `PENDING` (a change of destination under way) or `ACTIVE`.
    pub status: Option<String>,
    /// The `Default` rule's `Probabilistic.DesiredSamplingPercentage` (percent, 0–100).
    pub desired_percent: Option<f64>,
    /// Its `ActualSamplingPercentage` ("applied sampling percentage", when X-Ray reports one).
    pub actual_percent: Option<f64>,
    /// GetTraceSegmentDestination or GetIndexingRules failed (the other fields say what is known).
    pub error: Option<SourceError>,
}

/// Whether a trace list is X-Ray's indexed sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampled {
    /// Spans go to X-Ray: the summaries are every trace X-Ray recorded.
    No,
    /// Spans go to CloudWatch Logs (ACTIVE): the summaries are an indexed sample.
    Yes,
    /// Unknown: the destination could not be read, or it is changing (PENDING).
    Unknown,
}

impl TraceSampling {
    pub fn spans_in_logs(&self) -> bool {
        self.destination.as_deref() == Some("CloudWatchLogs")
    }

    /// The destination is in effect (documented statuses: PENDING | ACTIVE; none read as ACTIVE).
    pub fn active(&self) -> bool {
        self.status.as_deref() != Some("PENDING")
    }

    pub fn sampled(&self) -> Sampled {
        match (&self.destination, self.active()) {
            (None, _) | (Some(_), false) => Sampled::Unknown,
            (Some(_), true) if self.spans_in_logs() => Sampled::Yes,
            (Some(_), true) => Sampled::No,
        }
    }

    /// The percentage of traces indexed: the applied one when X-Ray reports it, else the
    /// configured one.
    pub fn percent(&self) -> Option<f64> {
        self.actual_percent.or(self.desired_percent).filter(|p| p.is_finite())
    }

    /// What the list and its counts are labelled with; `None` when they are not a sample.
    pub fn label(&self) -> Option<String> {
        match self.sampled() {
            Sampled::No => None,
            Sampled::Yes => Some(match self.percent() {
                Some(p) => format!("{} % sample", percent_text(p)),
                None => "sample, rate unknown".into(),
            }),
            Sampled::Unknown if self.destination.is_some() => Some(match self.percent() {
                Some(p) => format!("{} % sample? (Transaction Search PENDING)", percent_text(p)),
                None => "sample? (Transaction Search PENDING)".into(),
            }),
            Sampled::Unknown => Some("sample? (Transaction Search unknown)".into()),
        }
    }
}

/// `1` → "1", `0.5` → "0.5", `12.345` → "12.35".
pub fn percent_text(p: f64) -> String {
    let s = format!("{p:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The window to look for a trace's spans in (`aws/spans`), from the trace's start time (the
/// summary's or a span's, never the trace id's) and duration: 5 minutes before (clocks of the
/// services in a trace differ), and its duration plus 5 minutes after, or an hour when the
/// duration is unknown (in progress).
pub fn trace_fetch_window(start: f64, duration: Option<f64>) -> Window {
    let s = start.floor() as i64;
    let after = match duration.filter(|d| d.is_finite() && *d >= 0.0) {
        Some(d) => d.ceil() as i64 + 300,
        None => 3600,
    };
    Window { start: s - 300, end: s + after }
}

/// What the trace sources send.
#[derive(Debug, Clone, PartialEq)]
pub enum TracesUpdate {
    /// A list request started in a region.
    Listing {
        query: TraceQuery,
        region: String,
    },
    Listed(TraceList),
    ListFailed {
        query: TraceQuery,
        region: String,
        error: SourceError,
    },
    /// Traces are being fetched.
    Fetching {
        ids: Vec<String>,
    },
    /// Fetched traces, and the ids X-Ray could not return.
    Fetched {
        traces: Vec<Trace>,
        unprocessed: Vec<String>,
    },
    FetchFailed {
        ids: Vec<String>,
        error: SourceError,
    },
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct RegionList {
    list: Option<TraceList>,
    /// A request in flight; not saved (a reopened snapshot has none).
    #[serde(skip)]
    loading: bool,
    error: Option<SourceError>,
}

/// Figures for `--once`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TracesReport {
    /// The counts below are X-Ray's indexed sample (Transaction Search), not totals: `true`,
    /// `false`, or `null` when it is not known.
    pub sampled: Option<bool>,
    /// The share of traces X-Ray indexes, in percent, when sampled.
    pub sampling_percent: Option<f64>,
    /// "1 % sample" (what the TUI shows), when sampled or possibly so.
    pub sampling: Option<String>,
    /// Summaries listed (a sample when `sampled`).
    pub total: usize,
    pub faults: usize,
    pub errors: usize,
    pub throttles: usize,
    pub slowest: Vec<SlowTrace>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SlowTrace {
    pub id: String,
    pub duration_ms: f64,
    pub root: Option<String>,
    pub model: Option<String>,
}

/// The traces part of the store.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TraceStore {
    /// The annotation key that holds the model (`model_id` in the seed application).
    pub model_annotation: String,
    query: Option<TraceQuery>,
    regions: BTreeMap<String, RegionList>,
    cache: HashMap<String, Arc<Trace>>,
    cache_order: VecDeque<String>,
    cached_spans: usize,
    #[serde(skip)]
    pending: HashSet<String>,
    unprocessed: HashSet<String>,
    fetch_errors: HashMap<String, SourceError>,
    baseline_p95: Option<f64>,
    /// Bumped on every change to what the trace panes show.
    pub generation: u64,
}

impl TraceStore {
    pub fn new(model_annotation: &str) -> Self {
        Self { model_annotation: model_annotation.into(), ..Default::default() }
    }

    pub fn model_annotation(&self) -> &str {
        if self.model_annotation.is_empty() { "model_id" } else { &self.model_annotation }
    }

    pub fn apply(&mut self, u: TracesUpdate) {
        match u {
            TracesUpdate::Listing { query, region } => {
                if self.accept(&query) {
                    self.regions.entry(region).or_default().loading = true;
                }
            }
            TracesUpdate::Listed(list) => {
                if self.accept(&list.query) {
                    let r = self.regions.entry(list.region.clone()).or_default();
                    r.loading = false;
                    r.error = None;
                    r.list = Some(list);
                    self.update_baseline();
                    self.prune_by_age();
                }
            }
            TracesUpdate::ListFailed { query, region, error } => {
                if self.accept(&query) {
                    let r = self.regions.entry(region).or_default();
                    r.loading = false;
                    r.error = Some(error);
                }
            }
            TracesUpdate::Fetching { ids } => {
                for id in ids {
                    self.unprocessed.remove(&id);
                    self.fetch_errors.remove(&id);
                    self.pending.insert(id);
                }
            }
            TracesUpdate::Fetched { traces, unprocessed } => {
                for t in traces {
                    self.pending.remove(&t.id);
                    self.unprocessed.remove(&t.id);
                    self.fetch_errors.remove(&t.id);
                    self.insert(t);
                }
                for id in unprocessed {
                    self.pending.remove(&id);
                    self.unprocessed.insert(id);
                }
            }
            TracesUpdate::FetchFailed { ids, error } => {
                for id in ids {
                    self.pending.remove(&id);
                    self.fetch_errors.insert(id, error.clone());
                }
            }
        }
        self.generation += 1;
    }

    /// Accept an update for `q`: a newer query replaces the list, an older one is dropped.
    fn accept(&mut self, q: &TraceQuery) -> bool {
        match &self.query {
            Some(cur) if q.seq < cur.seq => false,
            Some(cur) if q.seq == cur.seq => true,
            _ => {
                self.query = Some(q.clone());
                self.regions.clear();
                true
            }
        }
    }

    fn insert(&mut self, t: Trace) {
        let id = t.id.clone();
        if let Some(old) = self.cache.remove(&id) {
            self.cached_spans -= old.spans.len();
            self.cache_order.retain(|x| x != &id);
        }
        self.cached_spans += t.spans.len();
        self.cache.insert(id.clone(), Arc::new(t));
        self.cache_order.push_back(id);
        while (self.cache.len() > CACHE_TRACES || self.cached_spans > CACHE_SPANS) && self.cache.len() > 1 {
            let Some(old) = self.cache_order.pop_front() else { break };
            if let Some(t) = self.cache.remove(&old) {
                self.cached_spans -= t.spans.len();
            }
        }
    }

    /// Drop fetched traces that ended [`KEEP_BEFORE_LIST_SECS`] before the listed window and are
    /// not listed (an open span tree keeps its own `Arc`; a dropped trace is fetched again if asked).
    fn prune_by_age(&mut self) {
        let Some(w) = self.window() else { return };
        let cutoff = (w.start - KEEP_BEFORE_LIST_SECS) as f64;
        let newest = self.cache_order.back();
        let listed: HashSet<&str> = self
            .regions
            .values()
            .filter_map(|r| r.list.as_ref())
            .flat_map(|l| l.summaries.iter().map(|s| s.id.as_str()))
            .collect();
        let old: Vec<String> = self
            .cache
            .iter()
            .filter(|(id, t)| t.end < cutoff && !listed.contains(id.as_str()) && Some(*id) != newest)
            .map(|(id, _)| id.clone())
            .collect();
        if old.is_empty() {
            return;
        }
        for id in &old {
            if let Some(t) = self.cache.remove(id) {
                self.cached_spans -= t.spans.len();
            }
        }
        let cache = &self.cache;
        self.cache_order.retain(|id| cache.contains_key(id));
    }

    /// The p95 response time (seconds) of the last unfiltered list: the "slow" preset's bar.
    fn update_baseline(&mut self) {
        if self.query.as_ref().is_some_and(|q| q.filter.is_none()) {
            let mut v: Vec<f64> = self
                .summaries()
                .iter()
                .filter_map(|s| s.response_time.or(s.duration))
                .filter(|v| v.is_finite())
                .collect();
            if !v.is_empty() {
                v.sort_by(f64::total_cmp);
                let rank = ((0.95 * v.len() as f64).ceil() as usize).clamp(1, v.len());
                self.baseline_p95 = Some(v[rank - 1]);
            }
        }
    }

    pub fn baseline_p95(&self) -> Option<f64> {
        self.baseline_p95
    }

    /// The query the list shows.
    pub fn query(&self) -> Option<&TraceQuery> {
        self.query.as_ref()
    }

    /// Every region's summaries for the current query, newest first.
    pub fn summaries(&self) -> Vec<&TraceSummary> {
        let mut v: Vec<&TraceSummary> =
            self.regions.values().filter_map(|r| r.list.as_ref()).flat_map(|l| l.summaries.iter()).collect();
        v.sort_by(|a, b| b.start.total_cmp(&a.start).then(a.id.cmp(&b.id)));
        v
    }

    /// The window the current list covers (the widest of the regions').
    pub fn window(&self) -> Option<Window> {
        self.regions
            .values()
            .filter_map(|r| r.list.as_ref().map(|l| l.window))
            .reduce(|a, b| Window { start: a.start.min(b.start), end: a.end.max(b.end) })
    }

    pub fn loading(&self) -> bool {
        self.regions.values().any(|r| r.loading)
    }

    /// Some region has answered the current query.
    pub fn listed(&self) -> bool {
        self.regions.values().any(|r| r.list.is_some())
    }

    pub fn truncated(&self) -> bool {
        self.regions.values().filter_map(|r| r.list.as_ref()).any(|l| l.truncated)
    }

    pub fn processed(&self) -> i64 {
        self.regions.values().filter_map(|r| r.list.as_ref()).map(|l| l.processed).sum()
    }

    /// The Transaction Search state of each region's list (regions whose source said nothing
    /// are left out).
    pub fn samplings(&self) -> Vec<(&str, &TraceSampling)> {
        self.regions.iter().filter_map(|(k, r)| r.list.as_ref()?.sampling.as_ref().map(|s| (k.as_str(), s))).collect()
    }

    /// Whether the list is a sample: `Yes` when any region's is, `Unknown` when any region's
    /// cannot be told, `No` when every region that said is complete; `None` when no region said.
    pub fn sampled(&self) -> Option<Sampled> {
        let all = self.samplings();
        if all.is_empty() {
            return None;
        }
        let kinds: Vec<Sampled> = all.iter().map(|(_, s)| s.sampled()).collect();
        Some(if kinds.contains(&Sampled::Yes) {
            Sampled::Yes
        } else if kinds.contains(&Sampled::Unknown) {
            Sampled::Unknown
        } else {
            Sampled::No
        })
    }

    /// The indexing percentage of the sampled regions, when they agree.
    pub fn sampling_percent(&self) -> Option<f64> {
        let p: Vec<Option<f64>> = self
            .samplings()
            .into_iter()
            .filter(|(_, s)| s.sampled() != Sampled::No)
            .map(|(_, s)| s.percent())
            .collect();
        match p.first() {
            Some(Some(first)) if p.iter().all(|x| *x == Some(*first)) => Some(*first),
            _ => None,
        }
    }

    /// "1 % sample" for the list and every count of it, or `None` when it is complete. Regions
    /// that sample at different rates read "sample (1 %, 5 %)"; one region sampled among
    /// complete ones names it.
    pub fn sampling_label(&self) -> Option<String> {
        let all = self.samplings();
        let labelled: Vec<(&str, String)> = all.iter().filter_map(|(r, s)| Some((*r, s.label()?))).collect();
        let first = labelled.first()?;
        if labelled.iter().all(|(_, l)| *l == first.1) {
            if labelled.len() == all.len() && self.regions.len() == all.len() {
                return Some(first.1.clone());
            }
            let regions: Vec<&str> = labelled.iter().map(|(r, _)| *r).collect();
            return Some(format!("{} in {}", first.1, regions.join(", ")));
        }
        let parts: Vec<String> = labelled.iter().map(|(r, l)| format!("{r} {l}")).collect();
        Some(parts.join(", "))
    }

    pub fn listed_at(&self) -> Option<i64> {
        self.regions.values().filter_map(|r| r.list.as_ref().map(|l| l.listed_at)).max()
    }

    /// The list errors of the current query, by region.
    pub fn list_errors(&self) -> Vec<(&str, &SourceError)> {
        self.regions.iter().filter_map(|(k, r)| r.error.as_ref().map(|e| (k.as_str(), e))).collect()
    }

    pub fn trace(&self, id: &str) -> Option<&Arc<Trace>> {
        self.cache.get(id)
    }

    pub fn is_pending(&self, id: &str) -> bool {
        self.pending.contains(id)
    }

    pub fn is_unprocessed(&self, id: &str) -> bool {
        self.unprocessed.contains(id)
    }

    pub fn fetch_error(&self, id: &str) -> Option<&SourceError> {
        self.fetch_errors.get(id)
    }

    /// Needs fetching: not cached, not in flight, not known to be missing.
    pub fn wants_fetch(&self, id: &str) -> bool {
        !self.cache.contains_key(id) && !self.pending.contains(id) && !self.unprocessed.contains(id)
    }

    pub fn cached_traces(&self) -> usize {
        self.cache.len()
    }

    /// Counts over the window and the slowest traces (exact durations from fetched traces
    /// where there are any), or `None` when no list has arrived.
    pub fn report(&self, slowest: usize) -> Option<TracesReport> {
        if !self.listed() {
            return None;
        }
        let s = self.summaries();
        let mut slow: Vec<SlowTrace> = s
            .iter()
            .map(|x| {
                let t = self.trace(&x.id);
                SlowTrace {
                    id: x.id.clone(),
                    duration_ms: t.map(|t| t.duration()).or(x.duration).unwrap_or(0.0) * 1000.0,
                    root: t.and_then(|t| t.root_name().map(str::to_string)).or_else(|| x.root.clone()),
                    model: t.and_then(|t| t.totals.models.first().cloned()).or_else(|| x.models.first().cloned()),
                }
            })
            .collect();
        slow.sort_by(|a, b| b.duration_ms.total_cmp(&a.duration_ms).then(a.id.cmp(&b.id)));
        slow.truncate(slowest);
        let sampled = match self.sampled() {
            None => None,
            Some(Sampled::Yes) => Some(true),
            Some(Sampled::No) => Some(false),
            Some(Sampled::Unknown) => None,
        };
        Some(TracesReport {
            sampled,
            sampling_percent: self.sampling_percent(),
            sampling: self.sampling_label(),
            total: s.len(),
            faults: s.iter().filter(|x| x.fault).count(),
            errors: s.iter().filter(|x| x.error).count(),
            throttles: s.iter().filter(|x| x.throttle).count(),
            slowest: slow,
        })
    }
}

/// X-Ray keeps trace data for 30 days (X-Ray FAQ, "How long does X-Ray store trace data?";
/// ../shared/reference/aws-genai-data.md, segment documents: "Retention 30 days").
pub const XRAY_RETENTION_SECS: i64 = 30 * 86_400;

/// The part of `window` X-Ray still keeps at `now`; `None` when it keeps none of it.
pub fn retained(window: Window, now: i64) -> Option<Window> {
    let start = window.start.max(now - XRAY_RETENTION_SECS);
    (start < window.end).then_some(Window { start, end: window.end })
}

/// What to say instead of an empty or short trace list when `window` reaches past X-Ray's 30
/// days (as of `now`); `None` when it is all kept.
pub fn retention_note(window: Window, now: i64) -> Option<String> {
    let oldest = now - XRAY_RETENTION_SECS;
    let day = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
    };
    if window.end <= oldest {
        Some(format!(
            "X-Ray keeps traces 30 days: none are left for this window ({} d old)",
            (now - window.end + 43_200) / 86_400
        ))
    } else if window.start < oldest {
        Some(format!("X-Ray keeps traces 30 days: none before {} are left", day(oldest)))
    } else {
        None
    }
}

impl TraceStore {
    /// The retention note of the lists shown (the first region's that has one).
    pub fn retention_note(&self) -> Option<String> {
        self.regions.values().filter_map(|r| r.list.as_ref()).find_map(|l| retention_note(l.window, l.listed_at))
    }
}

/// The epoch second encoded in an X-Ray trace id (`1-5f84c7a1-…`) by the X-Ray SDKs. Only the
/// demo uses it, on the ids it makes itself: an id from an OpenTelemetry SDK (W3C, random first
/// 8 hex digits) carries no time, so nothing that looks for a real trace may derive a window
/// from it — use the summary's start time or a span's.
pub fn trace_id_time(id: &str) -> Option<i64> {
    let mut parts = id.split('-');
    let _version = parts.next()?;
    i64::from_str_radix(parts.next()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::genai::GenAi;

    fn span(id: &str, parent: Option<&str>, start: f64, end: Option<f64>) -> Span {
        let mut s = Span::new(id, id, start, end);
        s.parent_id = parent.map(Into::into);
        s
    }

    fn names(t: &Trace, v: &[SpanIdx]) -> Vec<String> {
        v.iter().map(|i| t.span(*i).id.clone()).collect()
    }

    #[test]
    fn links_orders_and_derives() {
        // root 0..10: a 0..3, b 2..9 (b1 2..4, b2 5..9), e 3..4, c 9.5..10, sent out of order
        let spans = vec![
            span("e", Some("root"), 3.0, Some(4.0)),
            span("b2", Some("b"), 5.0, Some(9.0)),
            span("c", Some("root"), 9.5, Some(10.0)),
            span("root", None, 0.0, Some(10.0)),
            span("b", Some("root"), 2.0, Some(9.0)),
            span("a", Some("root"), 0.0, Some(3.0)),
            span("b1", Some("b"), 2.0, Some(4.0)),
        ];
        let t = Trace::build("1-x", "us-east-1", spans);
        assert_eq!(names(&t, &t.roots), ["root"]);
        assert_eq!(names(&t, &t.preorder()), ["root", "a", "b", "b1", "b2", "e", "c"]);
        let get = |id: &str| t.spans.iter().find(|s| s.id == id).unwrap();
        assert_eq!(get("b1").depth, 2);
        assert_eq!(names(&t, &[get("b1").parent.unwrap()]), ["b"]);
        // root: 10 s minus children covering 0..9 and 9.5..10
        assert!((get("root").self_time.unwrap() - 0.5).abs() < 1e-9);
        // b: 7 s minus 2..4 and 5..9
        assert!((get("b").self_time.unwrap() - 1.0).abs() < 1e-9);
        // critical: root ← c (ends last), then b (running before c started), within b: b2 then
        // b1; before b started, a was running. e ran entirely while b did: not critical.
        let mut crit: Vec<&str> = t.spans.iter().filter(|s| s.critical).map(|s| s.id.as_str()).collect();
        crit.sort();
        assert_eq!(crit, ["a", "b", "b1", "b2", "c", "root"]);
        assert!(!get("e").critical);
        assert_eq!((t.start, t.end, t.duration()), (0.0, 10.0, 10.0));
    }

    #[test]
    fn orphans_become_roots_and_cycles_are_broken() {
        let spans = vec![
            span("x", Some("missing"), 1.0, Some(2.0)),
            span("p", Some("q"), 0.0, Some(1.0)),
            span("q", Some("p"), 0.5, Some(0.8)),
            span("self", Some("self"), 3.0, Some(4.0)),
        ];
        let t = Trace::build("1-y", "r", spans);
        assert_eq!(t.spans.len(), 4);
        assert_eq!(t.preorder().len(), 4, "every span is reachable");
        assert_eq!(names(&t, &t.roots), ["p", "x", "self"]);
        let q = t.spans.iter().find(|s| s.id == "q").unwrap();
        assert_eq!(q.parent.map(|p| t.span(p).id.as_str()), Some("p"));
    }

    #[test]
    fn duplicate_ids_keep_the_complete_span() {
        let spans = vec![
            span("root", None, 0.0, None),
            span("root", None, 0.0, Some(2.0)),
            span("late", Some("root"), 0.1, Some(0.2)),
            span("late", Some("root"), 0.1, None),
        ];
        let t = Trace::build("1-z", "r", spans);
        assert_eq!(t.spans.len(), 2);
        assert!(t.spans.iter().all(|s| s.end.is_some()));
    }

    #[test]
    fn in_progress_spans_run_to_the_trace_end() {
        let spans = vec![span("root", None, 0.0, Some(5.0)), span("open", Some("root"), 1.0, None)];
        let t = Trace::build("1-w", "r", spans);
        assert_eq!(t.totals.in_progress, 1);
        let open = t.spans.iter().find(|s| s.id == "open").unwrap();
        assert_eq!(open.self_time, None);
        assert!(open.critical);
        assert!((t.spans[0].self_time.unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn usage_counts_once_at_the_deepest_span() {
        let mut agent = span("agent", None, 0.0, Some(10.0));
        agent.genai = GenAi {
            operation: Some("invoke_agent".into()),
            input_tokens: Some(300.0),
            output_tokens: Some(30.0),
            ..Default::default()
        };
        let mut llm1 = span("llm1", Some("agent"), 0.0, Some(4.0));
        llm1.genai = GenAi {
            request_model: Some("m1".into()),
            input_tokens: Some(100.0),
            output_tokens: Some(10.0),
            cost_usd: Some(0.5),
            ..Default::default()
        };
        let mut llm2 = span("llm2", Some("agent"), 5.0, Some(9.0));
        llm2.genai = GenAi {
            request_model: Some("m2".into()),
            input_tokens: Some(200.0),
            output_tokens: Some(20.0),
            ..Default::default()
        };
        llm2.throttle = true;
        let mut root_total = span("wrapper", Some("agent"), 9.0, Some(10.0));
        root_total.genai = GenAi { reported_total_cost_usd: Some(9.0), ..Default::default() };
        let t = Trace::build("1-u", "r", vec![agent, llm1, llm2, root_total]);
        assert_eq!(t.totals.tokens, Some(330.0));
        assert_eq!(t.totals.cost_usd, Some(0.5));
        assert!(t.totals.cost_incomplete, "llm2 has tokens but no cost");
        assert_eq!(t.totals.models, ["m2", "m1"]);
        assert_eq!(t.totals.throttles, 1);
        assert!(!t.spans[0].counted && t.spans[1].counted && t.spans[2].counted);
        assert!(t.spans[0].failure_below);
    }

    #[test]
    fn a_deep_chain_does_not_overflow() {
        let n = 200_000;
        let spans: Vec<Span> = (0..n)
            .map(|i| {
                let parent = (i > 0).then(|| format!("s{}", i - 1));
                span(&format!("s{i}"), parent.as_deref(), i as f64, Some(n as f64 * 2.0 - i as f64))
            })
            .collect();
        let t = Trace::build("1-deep", "r", spans);
        assert_eq!(t.preorder().len(), n);
        assert_eq!(t.spans.iter().map(|s| s.depth).max(), Some(n as u32 - 1));
        assert!(t.spans.iter().all(|s| s.critical));
    }

    fn summary(id: &str, start: f64, fault: bool, throttle: bool, rt: f64) -> TraceSummary {
        TraceSummary {
            id: id.into(),
            region: "r".into(),
            start,
            duration: Some(rt),
            response_time: Some(rt),
            fault,
            throttle,
            ..Default::default()
        }
    }

    fn listed(q: &TraceQuery, region: &str, s: Vec<TraceSummary>) -> TracesUpdate {
        TracesUpdate::Listed(TraceList {
            query: q.clone(),
            region: region.into(),
            window: Window { start: 0, end: 60 },
            summaries: s,
            processed: 10,
            truncated: false,
            listed_at: 5,
            sampling: None,
        })
    }

    #[test]
    fn newer_queries_replace_older_ones_are_dropped() {
        let mut st = TraceStore::new("model_id");
        let q1 = TraceQuery::new(TraceRange::Last(3600), None);
        let q2 = TraceQuery::new(TraceRange::Last(3600), Some("fault".into()));
        st.apply(TracesUpdate::Listing { query: q1.clone(), region: "a".into() });
        assert!(st.loading());
        st.apply(listed(
            &q1,
            "a",
            (0..20).map(|i| summary(&format!("t{i}"), i as f64, i % 5 == 0, false, i as f64)).collect(),
        ));
        st.apply(listed(&q1, "b", vec![summary("tb", 100.0, false, true, 1.0)]));
        assert_eq!(st.summaries().len(), 21);
        assert_eq!(st.summaries()[0].id, "tb", "newest first");
        // p95 of 0..19 and 1.0 (21 values): rank 20 → 18
        assert_eq!(st.baseline_p95(), Some(18.0));
        st.apply(listed(&q2, "a", vec![summary("t0", 0.0, true, false, 0.0)]));
        assert_eq!(st.summaries().len(), 1, "region b's old rows are gone with the old query");
        // a late answer to the old query is dropped
        st.apply(listed(&q1, "b", vec![summary("tb", 100.0, false, true, 1.0)]));
        assert_eq!(st.summaries().len(), 1);
        assert_eq!(st.query().unwrap().filter.as_deref(), Some("fault"));
        // the baseline stays that of the unfiltered list
        assert_eq!(st.baseline_p95(), Some(18.0));
        // a failure of the current query keeps its rows and says why
        let err = SourceError {
            kind: crate::store::ErrorKind::Throttled,
            code: Some("ThrottledException".into()),
            message: "slow down".into(),
            hint: String::new(),
            at: 0,
        };
        st.apply(TracesUpdate::ListFailed { query: q2.clone(), region: "a".into(), error: err });
        assert_eq!(st.summaries().len(), 1);
        assert_eq!(st.list_errors().len(), 1);
    }

    #[test]
    fn fetches_cache_and_report() {
        let mut st = TraceStore::new("model_id");
        let q = TraceQuery::new(TraceRange::Last(3600), None);
        let mut a = summary("1-a", 1.0, true, false, 2.0);
        a.root = Some("svc".into());
        st.apply(listed(
            &q,
            "r",
            vec![a, summary("1-b", 2.0, false, true, 3.0), summary("1-c", 3.0, false, false, 1.0)],
        ));
        assert!(st.wants_fetch("1-a"));
        st.apply(TracesUpdate::Fetching { ids: vec!["1-a".into(), "1-zz".into()] });
        assert!(st.is_pending("1-a") && !st.wants_fetch("1-a"));
        let mut root = span("root", None, 10.0, Some(12.345));
        root.name = "rag-api".into();
        let mut gen_span = span("g", Some("root"), 10.5, Some(12.0));
        gen_span.genai = GenAi { request_model: Some("m".into()), input_tokens: Some(1.0), ..Default::default() };
        st.apply(TracesUpdate::Fetched {
            traces: vec![Trace::build("1-a", "r", vec![root, gen_span])],
            unprocessed: vec!["1-zz".into()],
        });
        assert!(st.trace("1-a").is_some());
        assert!(st.is_unprocessed("1-zz") && !st.wants_fetch("1-zz"));
        let r = st.report(2).unwrap();
        assert_eq!((r.total, r.faults, r.errors, r.throttles), (3, 1, 0, 1));
        assert_eq!(r.slowest[0].id, "1-b");
        assert_eq!(r.slowest[1].id, "1-a");
        assert!((r.slowest[1].duration_ms - 2345.0).abs() < 1e-6, "exact, from the fetched trace");
        assert_eq!(r.slowest[1].root.as_deref(), Some("rag-api"));
        assert_eq!(r.slowest[1].model.as_deref(), Some("m"));
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut st = TraceStore::new("model_id");
        for i in 0..(CACHE_TRACES + 10) {
            let id = format!("1-{i}");
            st.apply(TracesUpdate::Fetched {
                traces: vec![Trace::build(&id, "r", vec![span("s", None, 0.0, Some(1.0))])],
                unprocessed: vec![],
            });
        }
        assert_eq!(st.cached_traces(), CACHE_TRACES);
        assert!(st.trace("1-0").is_none());
        assert!(st.trace(&format!("1-{}", CACHE_TRACES + 9)).is_some());
    }

    #[test]
    fn trace_id_times() {
        assert_eq!(trace_id_time("1-5f84c7a1-abcdef012345678901234567"), Some(0x5f84c7a1));
        assert_eq!(trace_id_time("garbage"), None);
    }
}
