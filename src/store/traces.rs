//! Traces as plain data: the trace list (X-Ray trace summaries for a window and a filter
//! expression), fetched traces as span trees, and the cache of fetched traces. The span tree
//! itself (spans, [`Trace::build`], the critical path) is the model in [`crate::domain::trace`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::health::SourceError;
use crate::domain::genai::GenAi;
use crate::domain::trace::Trace;
use crate::domain::window::{Since, Window};

/// Fetched traces kept in memory (the oldest fetched go first)…
pub const CACHE_TRACES: usize = 400;
/// …and at most this many spans across them.
pub const CACHE_SPANS: usize = 300_000;
/// Retention by age: when a list arrives, fetched traces that ended this long before its window
/// and are not in it are dropped (the newest fetched always stays).
pub const KEEP_BEFORE_LIST_SECS: i64 = 3600;

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
    use crate::domain::trace::Span;

    fn span(id: &str, parent: Option<&str>, start: f64, end: Option<f64>) -> Span {
        let mut s = Span::new(id, id, start, end);
        s.parent_id = parent.map(Into::into);
        s
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
