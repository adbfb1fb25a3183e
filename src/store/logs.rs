//! Logs Insights as plain data: the queries this console ran (status, rows as strings,
//! statistics, cost), the query history, the log groups found, fetched records (GetLogRecord)
//! and whether Transaction Search sends spans to `aws/spans`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use super::health::SourceError;
use crate::domain::insights::{DEFAULT_USD_PER_GB, GroupClass, Presets, QueryStats, QueryStatus, ResultTable};
use crate::domain::window::{Since, Window};

/// The console's own id for a query (Logs Insights' id is only known once it started).
pub type QueryId = u64;

/// Queries kept (the oldest finished go first).
pub const KEEP_QUERIES: usize = 40;
/// Result rows kept across those queries (a query returns up to 10,000): the oldest finished
/// queries go first, the newest always stays.
pub const KEEP_ROWS: usize = 50_000;
/// Query texts kept in the history.
pub const KEEP_HISTORY: usize = 100;
/// Records (GetLogRecord) kept.
pub const KEEP_RECORDS: usize = 200;
/// Retention by age: finished queries that ended this long before the newest query was made go.
pub const KEEP_QUERY_SECS: i64 = 6 * 3600;

static NEXT_QUERY: AtomicU64 = AtomicU64::new(1);

/// What a query is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Purpose {
    /// Rows for the Logs pane (a preset or the editor).
    Table,
    /// The log lines of one trace (app log groups and `aws/spans`).
    TraceLogs { trace_id: String },
    /// One trace's spans from `aws/spans`, for the span tree.
    TraceSpans { trace_id: String },
    /// The runaway watch's periodic query (not the Logs pane's table).
    Runaway(super::runaway::Kind),
}

/// A query to run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QuerySpec {
    pub id: QueryId,
    /// The preset's name, `query` for an edited one, `trace <id>` for a trace look-up.
    pub label: String,
    pub query: String,
    pub class: GroupClass,
    /// The log groups; empty means "the groups found for `class`" (the source fills them in).
    pub groups: Vec<String>,
    pub window: Window,
    /// A window relative to now: re-anchored (and the query re-run) when the window changes.
    pub since: Option<Since>,
    pub purpose: Purpose,
}

impl QuerySpec {
    /// A new spec with a fresh id.
    pub fn new(label: &str, query: &str, class: GroupClass, groups: Vec<String>, window: Window) -> Self {
        Self {
            id: NEXT_QUERY.fetch_add(1, Ordering::Relaxed),
            label: label.into(),
            query: query.trim().to_string(),
            class,
            groups,
            window,
            since: None,
            purpose: Purpose::Table,
        }
    }

    pub fn relative(mut self, since: Since) -> Self {
        self.since = Some(since);
        self
    }

    pub fn for_purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = purpose;
        self
    }
}

/// One query and what it has returned so far.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueryRun {
    pub spec: QuerySpec,
    pub status: QueryStatus,
    /// Logs Insights' query id, once started.
    pub aws_id: Option<String>,
    /// The rows so far (partial while running).
    pub table: ResultTable,
    pub stats: Option<QueryStats>,
    /// Bytes scanned × the price per GB.
    pub cost_usd: Option<f64>,
    /// Why it failed (StartQuery or GetQueryResults errors).
    pub error: Option<SourceError>,
    /// Something worth saying that is not a failure (waiting on the account's query limit,
    /// StopQuery refused, groups missing).
    pub note: Option<String>,
    pub submitted_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// GetQueryResults calls made.
    pub polls: u32,
    /// Place in this console's queue (0 = next) while queued.
    pub queue_position: Option<usize>,
    /// The result reached the most rows the query could return (its `limit`, the row limit sent
    /// with it, or the pages followed): more rows may match than it holds.
    #[serde(default)]
    pub truncated: Option<u32>,
}

impl QueryRun {
    pub fn new(spec: QuerySpec, now: i64) -> Self {
        Self {
            spec,
            status: QueryStatus::Queued,
            aws_id: None,
            table: ResultTable::default(),
            stats: None,
            cost_usd: None,
            error: None,
            note: None,
            submitted_at: now,
            started_at: None,
            ended_at: None,
            polls: 0,
            queue_position: None,
            truncated: None,
        }
    }

    pub fn id(&self) -> QueryId {
        self.spec.id
    }

    /// Seconds since it started (or was submitted), up to its end.
    pub fn elapsed(&self, now: i64) -> i64 {
        self.ended_at.unwrap_or(now) - self.started_at.unwrap_or(self.submitted_at)
    }
}

/// Where the invocation log groups came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupSource {
    /// Not known yet (or nothing found).
    #[default]
    None,
    /// Named in the config file.
    Config,
    /// Found by DescribeLogGroups under a prefix.
    Discovered,
    /// Picked by the operator.
    Picked,
}

/// The log groups the console knows about.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogGroups {
    pub invocation: Vec<String>,
    pub invocation_source: GroupSource,
    pub app: Vec<String>,
    /// `aws/spans`, when it exists.
    pub spans: Option<String>,
    /// Every group DescribeLogGroups listed (for the picker), sorted.
    pub available: Vec<String>,
    /// Discovery has run (successfully or not).
    pub discovered: bool,
    pub error: Option<SourceError>,
}

impl LogGroups {
    pub fn for_class(&self, class: GroupClass) -> Vec<String> {
        match class {
            GroupClass::Invocation => self.invocation.clone(),
            GroupClass::App => self.app.clone(),
            GroupClass::Spans => self.spans.iter().cloned().collect(),
        }
    }
}

/// GetTraceSegmentDestination: where X-Ray puts spans.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TransactionSearch {
    /// `XRay` or `CloudWatchLogs`.
    pub destination: Option<String>,
    /// `PENDING` or `ACTIVE`.
    pub status: Option<String>,
    pub error: Option<SourceError>,
}

impl TransactionSearch {
    /// Spans live in `aws/spans`.
    pub fn spans_in_logs(&self) -> bool {
        self.destination.as_deref() == Some("CloudWatchLogs")
    }

    pub fn label(&self) -> String {
        match (&self.destination, &self.status, &self.error) {
            (Some(d), s, _) if d == "CloudWatchLogs" => {
                format!(
                    "Transaction Search on (aws/spans{})",
                    s.as_deref().map(|s| format!(", {s}")).unwrap_or_default()
                )
            }
            (Some(_), _, _) => "Transaction Search off (X-Ray)".into(),
            (None, _, Some(e)) => format!("Transaction Search unknown ({})", e.code.as_deref().unwrap_or("error")),
            (None, _, None) => "Transaction Search unknown".into(),
        }
    }
}

/// A record fetched with GetLogRecord.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum RecordState {
    Loading,
    Loaded(Vec<(String, String)>),
    Failed(SourceError),
}

/// What the logs source sends.
#[derive(Debug, Clone, PartialEq)]
pub enum LogsUpdate {
    /// A query's current state (replaces what was there for its id).
    Query(Box<QueryRun>),
    Groups(LogGroups),
    RecordLoading {
        ptr: String,
    },
    Record {
        ptr: String,
        result: Result<Vec<(String, String)>, SourceError>,
    },
    TransactionSearch(TransactionSearch),
}

/// The Logs Insights part of the store.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LogsState {
    /// From the configuration, not saved in a snapshot.
    #[serde(skip)]
    pub presets: Presets,
    pub usd_per_gb: f64,
    queries: BTreeMap<QueryId, QueryRun>,
    history: Vec<String>,
    pub groups: LogGroups,
    records: HashMap<String, RecordState>,
    record_order: VecDeque<String>,
    pub transaction_search: Option<TransactionSearch>,
    /// Cost of queries already dropped from `queries`.
    pruned_cost: f64,
    /// Bumped on every change.
    pub generation: u64,
}

impl Default for LogsState {
    fn default() -> Self {
        Self {
            presets: Presets::default(),
            usd_per_gb: DEFAULT_USD_PER_GB,
            queries: BTreeMap::new(),
            history: Vec::new(),
            groups: LogGroups::default(),
            records: HashMap::new(),
            record_order: VecDeque::new(),
            transaction_search: None,
            pruned_cost: 0.0,
            generation: 0,
        }
    }
}

impl LogsState {
    pub fn apply(&mut self, u: LogsUpdate) {
        match u {
            LogsUpdate::Query(run) => {
                let run = *run;
                let id = run.id();
                if !self.queries.contains_key(&id) && run.spec.purpose == Purpose::Table {
                    self.remember(&run.spec.query);
                }
                self.queries.insert(id, run);
                self.prune();
            }
            LogsUpdate::Groups(g) => self.groups = g,
            LogsUpdate::RecordLoading { ptr } => self.put_record(ptr, RecordState::Loading),
            LogsUpdate::Record { ptr, result } => {
                let state = match result {
                    Ok(fields) => RecordState::Loaded(fields),
                    Err(e) => RecordState::Failed(e),
                };
                self.put_record(ptr, state);
            }
            LogsUpdate::TransactionSearch(t) => self.transaction_search = Some(t),
        }
        self.generation += 1;
    }

    fn remember(&mut self, query: &str) {
        let q = query.trim();
        if q.is_empty() {
            return;
        }
        self.history.retain(|h| h != q);
        self.history.push(q.to_string());
        if self.history.len() > KEEP_HISTORY {
            self.history.remove(0);
        }
    }

    fn put_record(&mut self, ptr: String, state: RecordState) {
        if !self.records.contains_key(&ptr) {
            self.record_order.push_back(ptr.clone());
        }
        self.records.insert(ptr, state);
        while self.record_order.len() > KEEP_RECORDS {
            if let Some(old) = self.record_order.pop_front() {
                self.records.remove(&old);
            }
        }
    }

    fn prune(&mut self) {
        // the runaway watch's queries: only the newest finished one of each kind stays (their
        // figures live in the runaway state), so a watch every minute never crowds out the rest
        let mut kept = std::collections::BTreeSet::new();
        let old: Vec<QueryId> = self
            .queries
            .iter()
            .rev()
            .filter(|(_, q)| q.status.is_terminal())
            .filter_map(|(id, q)| match &q.spec.purpose {
                Purpose::Runaway(k) => (!kept.insert(*k)).then_some(*id),
                _ => None,
            })
            .collect();
        for id in old {
            if let Some(q) = self.queries.remove(&id) {
                self.pruned_cost += q.cost_usd.unwrap_or(0.0);
            }
        }
        let rows = |s: &Self| s.queries.values().map(|q| q.table.rows.len()).sum::<usize>();
        let newest = self.queries.keys().next_back().copied();
        if let Some(now) = self.queries.values().map(|q| q.submitted_at).max() {
            let expired: Vec<QueryId> = self
                .queries
                .iter()
                .filter(|(id, q)| {
                    q.status.is_terminal()
                        && Some(**id) != newest
                        && q.ended_at.unwrap_or(q.submitted_at) < now - KEEP_QUERY_SECS
                })
                .map(|(id, _)| *id)
                .collect();
            for id in expired {
                if let Some(q) = self.queries.remove(&id) {
                    self.pruned_cost += q.cost_usd.unwrap_or(0.0);
                }
            }
        }
        while self.queries.len() > KEEP_QUERIES || (self.queries.len() > 1 && rows(self) > KEEP_ROWS) {
            let Some(old) =
                self.queries.iter().find(|(id, q)| q.status.is_terminal() && Some(**id) != newest).map(|(id, _)| *id)
            else {
                break;
            };
            if let Some(q) = self.queries.remove(&old) {
                self.pruned_cost += q.cost_usd.unwrap_or(0.0);
            }
        }
    }

    pub fn query(&self, id: QueryId) -> Option<&QueryRun> {
        self.queries.get(&id)
    }

    /// Newest first.
    pub fn queries(&self) -> impl Iterator<Item = &QueryRun> {
        self.queries.values().rev()
    }

    /// The newest query for the Logs pane's table.
    pub fn latest_table(&self) -> Option<&QueryRun> {
        self.queries().find(|q| !matches!(q.spec.purpose, Purpose::TraceSpans { .. } | Purpose::Runaway(_)))
    }

    /// Query texts run from the pane, oldest first.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    pub fn record(&self, ptr: &str) -> Option<&RecordState> {
        self.records.get(ptr)
    }

    /// Queries started and not ended (what must be stopped on exit).
    pub fn active(&self) -> impl Iterator<Item = &QueryRun> {
        self.queries.values().filter(|q| q.status.is_active())
    }

    pub fn queued(&self) -> usize {
        self.queries.values().filter(|q| q.status == QueryStatus::Queued).count()
    }

    /// What the queries of this session have cost (bytes scanned × price).
    pub fn spent_usd(&self) -> f64 {
        self.pruned_cost + self.queries.values().filter_map(|q| q.cost_usd).sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(q: &str) -> QuerySpec {
        QuerySpec::new("query", q, GroupClass::Invocation, vec!["g".into()], Window { start: 0, end: 3600 })
    }

    #[test]
    fn a_query_is_replaced_by_id_and_remembered_once() {
        let mut s = LogsState::default();
        let a = spec("fields @message");
        let id = a.id;
        let mut run = QueryRun::new(a, 10);
        s.apply(LogsUpdate::Query(Box::new(run.clone())));
        run.status = QueryStatus::Running;
        run.aws_id = Some("q-1".into());
        s.apply(LogsUpdate::Query(Box::new(run.clone())));
        assert_eq!(s.query(id).unwrap().status, QueryStatus::Running);
        assert_eq!(s.active().count(), 1);
        assert_eq!(s.history(), &["fields @message".to_string()]);
        // the same text again moves to the end instead of repeating
        s.apply(LogsUpdate::Query(Box::new(QueryRun::new(spec("stats count(*)"), 11))));
        s.apply(LogsUpdate::Query(Box::new(QueryRun::new(spec("fields @message"), 12))));
        assert_eq!(s.history(), &["stats count(*)".to_string(), "fields @message".to_string()]);
        // trace span fetches are not part of the history nor the pane's table
        let spans =
            spec("fields @message | filter traceId = \"x\"").for_purpose(Purpose::TraceSpans { trace_id: "x".into() });
        s.apply(LogsUpdate::Query(Box::new(QueryRun::new(spans, 13))));
        assert_eq!(s.history().len(), 2);
        assert_eq!(s.latest_table().unwrap().spec.query, "fields @message");
    }

    #[test]
    fn finished_queries_are_pruned_but_their_cost_is_kept() {
        let mut s = LogsState::default();
        for i in 0..(KEEP_QUERIES + 5) {
            let mut r = QueryRun::new(spec(&format!("q{i}")), 0);
            r.status = QueryStatus::Complete;
            r.cost_usd = Some(0.01);
            s.apply(LogsUpdate::Query(Box::new(r)));
        }
        assert_eq!(s.queries().count(), KEEP_QUERIES);
        assert!((s.spent_usd() - 0.45).abs() < 1e-9, "{}", s.spent_usd());
        assert_eq!(s.queries().next().unwrap().spec.query, format!("q{}", KEEP_QUERIES + 4));
        // big results: at most KEEP_ROWS rows are kept, the newest query whatever its size
        let mut s = LogsState::default();
        for i in 0..8 {
            let mut r = QueryRun::new(spec(&format!("big{i}")), 0);
            r.status = QueryStatus::Complete;
            r.table.rows = vec![vec![String::new()]; 10_000];
            s.apply(LogsUpdate::Query(Box::new(r)));
        }
        assert_eq!(s.queries().count(), KEEP_ROWS / 10_000);
        assert_eq!(s.queries().next().unwrap().spec.query, "big7");
    }

    #[test]
    fn records_and_groups() {
        let mut s = LogsState::default();
        s.apply(LogsUpdate::RecordLoading { ptr: "p".into() });
        assert_eq!(s.record("p"), Some(&RecordState::Loading));
        s.apply(LogsUpdate::Record { ptr: "p".into(), result: Ok(vec![("a".into(), "1".into())]) });
        assert!(matches!(s.record("p"), Some(RecordState::Loaded(f)) if f.len() == 1));
        for i in 0..KEEP_RECORDS + 1 {
            s.apply(LogsUpdate::RecordLoading { ptr: format!("x{i}") });
        }
        assert_eq!(s.record("p"), None);
        let g = LogGroups {
            invocation: vec!["/aws/bedrock/x".into()],
            spans: Some("aws/spans".into()),
            ..Default::default()
        };
        s.apply(LogsUpdate::Groups(g));
        assert_eq!(s.groups.for_class(GroupClass::Spans), vec!["aws/spans".to_string()]);
        assert!(s.groups.for_class(GroupClass::App).is_empty());
        let t = TransactionSearch {
            destination: Some("CloudWatchLogs".into()),
            status: Some("ACTIVE".into()),
            error: None,
        };
        assert!(t.spans_in_logs());
        assert_eq!(t.label(), "Transaction Search on (aws/spans, ACTIVE)");
    }
}
