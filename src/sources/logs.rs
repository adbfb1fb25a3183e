//! The Logs Insights source: a query runner with a queue.
//!
//! StartQuery, then GetQueryResults with a growing delay until the query is Complete, Failed,
//! Cancelled, Timeout or Unknown; rows are sent while it runs (partial results), with the
//! statistics and the query's cost (bytes scanned × price per GB). At most
//! `max_concurrent` queries run at once; the rest wait in a queue, and `LimitExceededException`
//! (the account's concurrent-query limit) makes the queue wait and retry, never fail.
//!
//! StopQuery is sent for every query that is abandoned: cancelled, replaced by another query,
//! re-run for a new window, or left running when the console exits ([`Command::Shutdown`] or the
//! command channel closing). A StopQuery that fails (moto answers 500) is noted on the query,
//! which is still marked Cancelled.
//!
//! The runner talks to an [`InsightsBackend`]: [`CwlBackend`] (the real client, also used with
//! the emulator) or the demo's synthetic one, so both go through the same state machine.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::watch;
use tokio::time::Instant;

use super::Command;
use super::aws::{ErrorContext, classify, now};
use crate::domain::insights::{
    InsightsSettings, MAX_ROWS_PER_PAGE, QueryStats, QueryStatus, ResultTable, bounded_query, query_cost_usd,
    requested_fields, row_cap, start_query_limit,
};
use crate::domain::pricing::PriceTable;
use crate::domain::window::{Since, Window};
use crate::store::logs::{
    GroupSource, LogGroups, LogsUpdate, Purpose, QueryId, QueryRun, QuerySpec, TransactionSearch,
};
use crate::store::{ErrorKind, SourceError, SourceHealth, Update};

/// What the UI can ask of the logs source.
#[derive(Debug, Clone, PartialEq)]
pub enum LogsRequest {
    /// Run a query; `replaces` (the pane's previous query) is stopped first if still running.
    Run { spec: QuerySpec, replaces: Option<QueryId> },
    /// Stop a query (StopQuery if it started; drop it from the queue if not); `why` is noted.
    Cancel { id: QueryId, why: String },
    /// Fetch a full record (GetLogRecord) for a row's `@ptr`.
    Record { ptr: String },
    /// Re-run log group discovery.
    Rediscover,
    /// One trace's spans from `aws/spans` (Transaction Search), sent on as a span tree.
    FetchSpans { trace_id: String, window: Window },
}

/// Query results as the backend returns them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawResults {
    pub status: Option<QueryStatus>,
    pub rows: Vec<Vec<(String, String)>>,
    pub stats: Option<QueryStats>,
    /// A finished query had more pages than were read.
    pub more: bool,
}

/// Where queries run: Logs Insights (through the SDK) or the demo.
pub trait InsightsBackend: Send + 'static {
    /// StartQuery; returns the query id. `limit` is the row limit for a query without a `limit`
    /// of its own (a query with one keeps it: StartQuery's parameter is not sent).
    fn start_query(&mut self, spec: &QuerySpec, limit: i32)
    -> impl Future<Output = Result<String, SourceError>> + Send;
    fn get_results(&mut self, query_id: &str) -> impl Future<Output = Result<RawResults, SourceError>> + Send;
    /// StopQuery; `Ok(false)` when the service said it did not stop it.
    fn stop_query(&mut self, query_id: &str) -> impl Future<Output = Result<bool, SourceError>> + Send;
    fn get_record(&mut self, ptr: &str) -> impl Future<Output = Result<Vec<(String, String)>, SourceError>> + Send;
    /// Find the log groups (invocation logs, app logs, `aws/spans`).
    fn discover(&mut self, settings: &InsightsSettings) -> impl Future<Output = LogGroups> + Send;
    /// GetTraceSegmentDestination, when the backend can ask.
    fn transaction_search(&mut self) -> impl Future<Output = Option<TransactionSearch>> + Send;
    /// Calls made since the last time this was asked (for the source's health).
    fn take_calls(&mut self) -> u64;
    /// A monitoring account's accounts and their names, for the rows' `account` column.
    fn account_labels(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

// -------------------------------------------------------------------------------------------
// The real backend

/// Logs Insights through `aws_sdk_cloudwatchlogs` (and X-Ray for GetTraceSegmentDestination).
pub struct CwlBackend {
    client: aws_sdk_cloudwatchlogs::Client,
    xray: Option<aws_sdk_xray::Client>,
    profile: Option<String>,
    region: String,
    endpoint: Option<String>,
    calls: u64,
    /// A monitoring account's view (see [`crate::sources::logs_org`]).
    pub(crate) org: crate::sources::logs_org::LogsOrg,
}

/// DescribeLogGroups pages read for the group picker (50 groups a page).
pub const MAX_GROUP_PAGES: usize = 10;
/// Logs Insights accepts at most this many log groups per query.
pub const MAX_GROUPS_PER_QUERY: usize = 50;
/// GetQueryResults pages followed for one poll: 10 of 10,000 rows reach the 100,000 a query
/// can return.
const MAX_RESULT_PAGES: usize = 10;

impl CwlBackend {
    pub fn new(
        client: aws_sdk_cloudwatchlogs::Client,
        xray: Option<aws_sdk_xray::Client>,
        region: &str,
        profile: Option<&str>,
        endpoint: Option<&str>,
    ) -> Self {
        Self {
            client,
            xray,
            profile: profile.map(Into::into),
            region: region.into(),
            endpoint: endpoint.map(Into::into),
            calls: 0,
            org: Default::default(),
        }
    }

    fn ctx(&self, action: &str) -> ErrorContext {
        ErrorContext::new(action, self.profile.as_deref(), Some(&self.region), self.endpoint.as_deref())
    }

    async fn describe(&mut self, prefix: Option<&str>, pages: usize) -> Result<Vec<String>, SourceError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..pages {
            self.calls += 1;
            let res = self
                .client
                .describe_log_groups()
                .set_log_group_name_prefix(prefix.map(str::to_string))
                .set_include_linked_accounts(self.org.monitoring.is_some().then_some(true))
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| classify(&e, &self.ctx("logs:DescribeLogGroups"), now()))?;
            out.extend(res.log_groups().iter().filter_map(|g| self.org.group_ident(g)));
            token = res.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

fn stats_of(s: &aws_sdk_cloudwatchlogs::types::QueryStatistics) -> QueryStats {
    QueryStats {
        records_matched: s.records_matched(),
        records_scanned: s.records_scanned(),
        bytes_scanned: s.bytes_scanned(),
    }
}

impl InsightsBackend for CwlBackend {
    async fn start_query(&mut self, spec: &QuerySpec, limit: i32) -> Result<String, SourceError> {
        self.calls += 1;
        // logGroupNames, not logGroupIdentifiers: the latter is for ARNs (and moto answers 500).
        // endTime is inclusive (to the millisecond): the query itself drops an event at exactly
        // the window's end, which belongs to the next window.
        // a source account's group is named by its ARN, and then every group goes as an identifier
        let across = spec.groups.iter().any(|g| g.starts_with("arn:"));
        let out = self
            .client
            .start_query()
            .set_log_group_names((!across).then(|| spec.groups.clone()))
            .set_log_group_identifiers(across.then(|| spec.groups.clone()))
            .start_time(spec.window.start)
            .end_time(spec.window.end)
            .query_string(bounded_query(&spec.query, spec.window.end))
            .set_limit(start_query_limit(&spec.query, limit))
            .send()
            .await
            .map_err(|e| classify(&e, &self.ctx("logs:StartQuery"), now()))?;
        out.query_id().map(str::to_string).ok_or_else(|| SourceError {
            kind: ErrorKind::Service,
            code: None,
            message: "StartQuery returned no query id".into(),
            hint: "retry the query".into(),
            at: now(),
        })
    }

    async fn get_results(&mut self, query_id: &str) -> Result<RawResults, SourceError> {
        let mut raw = RawResults::default();
        let mut token: Option<String> = None;
        for _ in 0..MAX_RESULT_PAGES {
            self.calls += 1;
            let res = self
                .client
                .get_query_results()
                .query_id(query_id)
                // the largest page: the default page size is not documented
                .max_items(MAX_ROWS_PER_PAGE as i32)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| classify(&e, &self.ctx("logs:GetQueryResults"), now()))?;
            if raw.status.is_none() {
                raw.status = res.status().map(|s| QueryStatus::parse(s.as_str()));
                raw.stats = res.statistics().map(stats_of);
            }
            raw.rows.extend(res.results().iter().map(|row| {
                row.iter()
                    .filter_map(|f| Some((f.field()?.to_string(), f.value().unwrap_or_default().to_string())))
                    .collect::<Vec<_>>()
            }));
            token = res.next_token().map(str::to_string);
            // only a finished query's results are worth paging through
            if token.is_none() || raw.status != Some(QueryStatus::Complete) {
                break;
            }
        }
        raw.more = token.is_some() && raw.status == Some(QueryStatus::Complete);
        Ok(raw)
    }

    async fn stop_query(&mut self, query_id: &str) -> Result<bool, SourceError> {
        self.calls += 1;
        let out = self
            .client
            .stop_query()
            .query_id(query_id)
            .send()
            .await
            .map_err(|e| classify(&e, &self.ctx("logs:StopQuery"), now()))?;
        Ok(out.success())
    }

    async fn get_record(&mut self, ptr: &str) -> Result<Vec<(String, String)>, SourceError> {
        self.calls += 1;
        let out = self
            .client
            .get_log_record()
            .log_record_pointer(ptr)
            .send()
            .await
            .map_err(|e| classify(&e, &self.ctx("logs:GetLogRecord"), now()))?;
        let mut fields: Vec<(String, String)> =
            out.log_record().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
        fields.sort();
        Ok(fields)
    }

    async fn discover(&mut self, settings: &InsightsSettings) -> LogGroups {
        self.org.read(now()).await;
        let mut g = LogGroups { app: settings.app_groups.clone(), discovered: true, ..Default::default() };
        let mut found: Vec<String> = Vec::new();
        let mut error = None;
        match self.describe(None, MAX_GROUP_PAGES).await {
            Ok(all) => found.extend(all),
            Err(e) => error = Some(e),
        }
        // the listing may be cut short: ask for the prefixes and the span group directly too
        let mut prefixes: Vec<String> = settings.discovery_prefixes.clone();
        prefixes.push(settings.spans_group.clone());
        if error.is_none() {
            for p in prefixes {
                match self.describe(Some(&p), 2).await {
                    Ok(more) => found.extend(more),
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        if !settings.invocation_groups.is_empty() {
            g.invocation = settings.invocation_groups.clone();
            g.invocation_source = GroupSource::Config;
        } else {
            g.invocation = pick_invocation_groups(&found, &settings.discovery_prefixes);
            if !g.invocation.is_empty() {
                g.invocation_source = GroupSource::Discovered;
            }
        }
        if found.contains(&settings.spans_group) {
            g.spans = Some(settings.spans_group.clone());
        }
        g.available = found;
        g.error = error;
        g
    }

    async fn transaction_search(&mut self) -> Option<TransactionSearch> {
        let xray = self.xray.as_ref()?;
        self.calls += 1;
        Some(match xray.get_trace_segment_destination().send().await {
            Ok(out) => TransactionSearch {
                destination: out.destination().map(|d| d.as_str().to_string()),
                status: out.status().map(|s| s.as_str().to_string()),
                error: None,
            },
            Err(e) => TransactionSearch {
                error: Some(classify(&e, &self.ctx("xray:GetTraceSegmentDestination"), now())),
                ..Default::default()
            },
        })
    }

    fn account_labels(&self) -> Vec<(String, String)> {
        self.org.labels()
    }

    fn take_calls(&mut self) -> u64 {
        std::mem::take(&mut self.calls)
    }
}

/// The invocation log groups among `groups`: under one of `prefixes`, preferring names that say
/// "invocation" (Bedrock's console suggests `/aws/bedrock/modelinvocations`).
pub fn pick_invocation_groups(groups: &[String], prefixes: &[String]) -> Vec<String> {
    // a source account's group is its ARN: matched by its name
    let under: Vec<&String> = groups
        .iter()
        .filter(|g| prefixes.iter().any(|p| crate::sources::logs_org::group_name(g).starts_with(p.as_str())))
        .collect();
    let named: Vec<String> =
        under.iter().filter(|g| g.to_ascii_lowercase().contains("invocation")).map(|g| g.to_string()).collect();
    if !named.is_empty() {
        return named;
    }
    // a single group under the prefix is taken as it is; several are left to the operator
    if under.len() == 1 { vec![under[0].clone()] } else { Vec::new() }
}

// -------------------------------------------------------------------------------------------
// The runner

/// First GetQueryResults this long after StartQuery; then the delay grows by half each poll.
pub const FIRST_POLL: Duration = Duration::from_millis(400);
pub const MAX_POLL: Duration = Duration::from_secs(5);
/// Consecutive GetQueryResults failures (other than throttling) before a query is given up.
pub const MAX_POLL_FAILURES: u32 = 3;

struct Slot {
    run: QueryRun,
    next_poll: Instant,
    delay: Duration,
    failures: u32,
    /// The note is the query-limit wait's, cleared when StartQuery takes the query.
    waiting_note: bool,
}

/// The queue and the running queries. Owns the backend; collects the updates to send.
pub struct LogsRunner<B> {
    backend: B,
    settings: InsightsSettings,
    prices: PriceTable,
    pub health: SourceHealth,
    groups: LogGroups,
    queue: VecDeque<QueryId>,
    slots: BTreeMap<QueryId, Slot>,
    /// After LimitExceededException: no StartQuery before this, and how many times in a row.
    limit_wait: Option<(Instant, u32)>,
    /// GetTraceSegmentDestination said spans go to CloudWatch Logs.
    spans_in_logs: bool,
    /// Answer the trace source's fetches from `aws/spans` when spans live there.
    answer_trace_fetches: bool,
    out: Vec<Update>,
}

fn local_error(message: &str, hint: &str) -> SourceError {
    SourceError { kind: ErrorKind::Other, code: None, message: message.into(), hint: hint.into(), at: now() }
}

fn is_query_limit(e: &SourceError) -> bool {
    matches!(e.code.as_deref(), Some("LimitExceededException" | "ThrottlingException" | "Throttling"))
}

impl<B: InsightsBackend> LogsRunner<B> {
    pub fn new(backend: B, settings: InsightsSettings, prices: PriceTable, health: SourceHealth) -> Self {
        Self {
            backend,
            settings,
            prices,
            health,
            groups: LogGroups::default(),
            queue: VecDeque::new(),
            slots: BTreeMap::new(),
            limit_wait: None,
            spans_in_logs: false,
            answer_trace_fetches: true,
            out: Vec::new(),
        }
    }

    /// Whether to answer `Command::Traces(Fetch)` from `aws/spans` when Transaction Search
    /// sends spans there (on by default; the demo has its own traces).
    pub fn answering_trace_fetches(mut self, on: bool) -> Self {
        self.answer_trace_fetches = on;
        self
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub fn groups(&self) -> &LogGroups {
        &self.groups
    }

    /// Discover the log groups and Transaction Search.
    pub async fn init(&mut self) {
        self.groups = self.backend.discover(&self.settings).await;
        self.count_calls();
        match &self.groups.error {
            Some(e) => self.health.record_error(e.clone()),
            None => self.health.record_ok(now()),
        }
        self.out.push(Update::Logs(LogsUpdate::Groups(self.groups.clone())));
        if let Some(ts) = self.backend.transaction_search().await {
            self.count_calls();
            self.spans_in_logs = ts.spans_in_logs() && self.groups.spans.is_some();
            self.out.push(Update::Logs(LogsUpdate::TransactionSearch(ts)));
        }
        self.push_health();
    }

    fn count_calls(&mut self) {
        self.health.calls += self.backend.take_calls();
    }

    fn push_health(&mut self) {
        self.out.push(Update::Health(self.health.clone()));
    }

    fn publish(&mut self, id: QueryId) {
        if let Some(s) = self.slots.get(&id) {
            self.out.push(Update::Logs(LogsUpdate::Query(Box::new(s.run.clone()))));
        }
    }

    /// Take the updates collected so far.
    pub fn drain(&mut self) -> Vec<Update> {
        std::mem::take(&mut self.out)
    }

    /// Queries started and not ended.
    pub fn running(&self) -> usize {
        self.slots.values().filter(|s| s.run.status.is_active()).count()
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Logs Insights ids of the queries started and not ended.
    pub fn running_ids(&self) -> Vec<String> {
        self.slots.values().filter(|s| s.run.status.is_active()).filter_map(|s| s.run.aws_id.clone()).collect()
    }

    /// When the runner next has something to do.
    pub fn next_wake(&self) -> Option<Instant> {
        let poll = self.slots.values().filter(|s| s.run.status.is_active()).map(|s| s.next_poll).min();
        let start = if self.queue.is_empty() || self.running() >= self.settings.max_concurrent.max(1) {
            None
        } else {
            Some(self.limit_wait.map(|(t, _)| t).unwrap_or_else(Instant::now))
        };
        [poll, start].into_iter().flatten().min()
    }

    /// Queue a query (its groups filled in from the discovered ones when it names none).
    pub fn submit(&mut self, mut spec: QuerySpec) {
        let id = spec.id;
        if spec.groups.is_empty() {
            spec.groups = self.groups.for_class(spec.class);
        }
        let mut run = QueryRun::new(spec, now());
        if run.spec.groups.len() > MAX_GROUPS_PER_QUERY {
            run.note = Some(format!(
                "{} log groups: Logs Insights takes {MAX_GROUPS_PER_QUERY}; querying the first {MAX_GROUPS_PER_QUERY}",
                run.spec.groups.len()
            ));
            run.spec.groups.truncate(MAX_GROUPS_PER_QUERY);
        }
        if run.spec.groups.is_empty() {
            run.status = QueryStatus::Failed;
            run.ended_at = Some(now());
            run.error = Some(no_groups_error(run.spec.class, &self.groups, &self.settings));
            self.out.push(Update::Logs(LogsUpdate::Query(Box::new(run))));
            return;
        }
        self.slots
            .insert(id, Slot { run, next_poll: Instant::now(), delay: FIRST_POLL, failures: 0, waiting_note: false });
        self.queue.push_back(id);
        self.renumber();
    }

    fn renumber(&mut self) {
        let ids: Vec<QueryId> = self.queue.iter().copied().collect();
        for (i, id) in ids.iter().enumerate() {
            if let Some(s) = self.slots.get_mut(id) {
                s.run.queue_position = Some(i);
            }
            self.publish(*id);
        }
    }

    /// Stop one query: StopQuery if it started, out of the queue if not. `why` is noted.
    pub async fn cancel(&mut self, id: QueryId, why: &str) {
        let Some(slot) = self.slots.get(&id) else { return };
        if slot.run.status.is_terminal() {
            return;
        }
        self.queue.retain(|q| *q != id);
        let aws_id = slot.run.aws_id.clone().filter(|_| slot.run.status.is_active());
        let mut note = why.to_string();
        if let Some(q) = aws_id {
            match self.backend.stop_query(&q).await {
                Ok(true) => {}
                Ok(false) => note.push_str("; StopQuery: the query had already ended"),
                Err(e) => note.push_str(&format!("; StopQuery failed: {}", e.one_line())),
            }
            self.count_calls();
        }
        if let Some(mut slot) = self.slots.remove(&id) {
            slot.run.status = QueryStatus::Cancelled;
            slot.run.ended_at = Some(now());
            slot.run.queue_position = None;
            slot.run.note = Some(note);
            self.out.push(Update::Logs(LogsUpdate::Query(Box::new(slot.run))));
        }
        self.renumber();
    }

    /// Stop everything this console started (on exit).
    pub async fn stop_all(&mut self, why: &str) {
        let ids: Vec<QueryId> = self.slots.keys().copied().collect();
        for id in ids {
            self.cancel(id, why).await;
        }
        self.push_health();
    }

    /// The window changed: stop the queries with a relative window and queue them again over
    /// the new one (same id, so the pane keeps following them).
    pub async fn set_since(&mut self, since: Since) {
        let ids: Vec<QueryId> = self
            .slots
            .iter()
            .filter(|(_, s)| s.run.spec.since.is_some_and(|old| old != since))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(mut spec) = self.slots.get(&id).map(|s| s.run.spec.clone()) else { continue };
            self.cancel(id, "the window changed").await;
            spec.since = Some(since);
            spec.window = since.window_ending(now());
            self.submit(spec);
        }
    }

    /// Fetch a record for the row detail.
    pub async fn record(&mut self, ptr: &str) {
        self.out.push(Update::Logs(LogsUpdate::RecordLoading { ptr: ptr.into() }));
        let result = self.backend.get_record(ptr).await;
        self.count_calls();
        if let Err(e) = &result {
            // a detail that could not be fetched is no reason to mark the source stale
            tracing::debug!(error = %e.one_line(), "GetLogRecord failed");
        }
        self.out.push(Update::Logs(LogsUpdate::Record { ptr: ptr.into(), result }));
    }

    /// Take one command. Returns false for [`Command::Shutdown`].
    pub async fn command(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Shutdown => return false,
            Command::SetSince(s) => self.set_since(s).await,
            // `r`: look for the log groups again if that failed or found none (after a login)
            Command::Refresh if self.groups.error.is_some() || self.groups.invocation.is_empty() => self.init().await,
            Command::Logs(LogsRequest::Run { spec, replaces }) => {
                if let Some(old) = replaces {
                    self.cancel(old, "replaced by another query").await;
                }
                self.submit(spec);
            }
            Command::Logs(LogsRequest::Cancel { id, why }) => self.cancel(id, &why).await,
            Command::Logs(LogsRequest::Record { ptr }) => self.record(&ptr).await,
            Command::Logs(LogsRequest::Rediscover) => self.init().await,
            Command::Logs(LogsRequest::FetchSpans { trace_id, window }) => self.fetch_spans(&trace_id, window),
            // With Transaction Search on, X-Ray's BatchGetTraces cannot return traces: answer the
            // trace source's fetches from `aws/spans` as well.
            Command::Traces(super::xray::TraceRequest::Fetch { region, ids, windows })
                if self.spans_in_logs
                    && self.answer_trace_fetches
                    && Some(region.as_str()) == self.health.region.as_deref() =>
            {
                // where to look comes with the request (the summary's start time): a trace id
                // made by OpenTelemetry carries no time
                for id in ids {
                    let w = windows.get(&id).copied().unwrap_or_else(|| unknown_trace_window(now()));
                    self.fetch_spans(&id, w);
                }
            }
            _ => {}
        }
        true
    }

    /// Queue a query for one trace's spans (nothing if `trace_id` is not a trace id).
    pub fn fetch_spans(&mut self, trace_id: &str, window: Window) {
        let Some(q) = crate::domain::insights::trace_spans_query(trace_id) else {
            tracing::debug!(%trace_id, "not a trace id; no span query");
            return;
        };
        let spec = QuerySpec::new(
            &format!("spans {trace_id}"),
            &q,
            crate::domain::insights::GroupClass::Spans,
            Vec::new(),
            window,
        )
        .for_purpose(Purpose::TraceSpans { trace_id: trace_id.to_string() });
        self.submit(spec);
    }

    /// Start what may start, poll what is due.
    pub async fn pump(&mut self, at: Instant) {
        self.poll_due(at).await;
        self.start_queued(at).await;
    }

    async fn start_queued(&mut self, at: Instant) {
        if let Some((t, _)) = self.limit_wait
            && at < t
        {
            return;
        }
        while self.running() < self.settings.max_concurrent.max(1) {
            let Some(id) = self.queue.front().copied() else { break };
            let Some(spec) = self.slots.get(&id).map(|s| s.run.spec.clone()) else {
                self.queue.pop_front();
                continue;
            };
            let res = self.backend.start_query(&spec, self.settings.row_limit).await;
            self.count_calls();
            match res {
                Ok(aws_id) => {
                    self.queue.pop_front();
                    self.limit_wait = None;
                    self.health.record_ok(now());
                    if let Some(s) = self.slots.get_mut(&id) {
                        s.run.aws_id = Some(aws_id);
                        s.run.status = QueryStatus::Scheduled;
                        s.run.started_at = Some(now());
                        s.run.queue_position = None;
                        if std::mem::take(&mut s.waiting_note) {
                            s.run.note = None;
                        }
                        s.next_poll = Instant::now() + FIRST_POLL;
                        s.delay = FIRST_POLL;
                    }
                    self.renumber();
                    self.publish(id);
                }
                Err(e) if is_query_limit(&e) => {
                    // the account is at its concurrent-query limit (or StartQuery is
                    // throttled): wait and retry, the query stays first in the queue
                    let n = self.limit_wait.map(|(_, n)| n + 1).unwrap_or(1);
                    let wait = Duration::from_secs(2u64.saturating_pow(n.min(5)).min(30));
                    self.limit_wait = Some((Instant::now() + wait, n));
                    if let Some(s) = self.slots.get_mut(&id) {
                        s.waiting_note = true;
                        s.run.note = Some(format!(
                            "waiting: query limit reached ({}); retry in {}s",
                            e.code.as_deref().unwrap_or("throttled"),
                            wait.as_secs()
                        ));
                    }
                    self.publish(id);
                    break;
                }
                Err(mut e) => {
                    self.queue.pop_front();
                    self.health.record_error(e.clone());
                    e.hint = start_hint(&e);
                    if let Some(mut s) = self.slots.remove(&id) {
                        s.run.status = QueryStatus::Failed;
                        s.run.ended_at = Some(now());
                        s.run.queue_position = None;
                        s.run.error = Some(e);
                        self.out.push(Update::Logs(LogsUpdate::Query(Box::new(s.run))));
                    }
                    self.renumber();
                }
            }
        }
        self.push_health();
    }

    async fn poll_due(&mut self, at: Instant) {
        let due: Vec<(QueryId, String)> = self
            .slots
            .iter()
            .filter(|(_, s)| s.run.status.is_active() && s.next_poll <= at)
            .filter_map(|(id, s)| Some((*id, s.run.aws_id.clone()?)))
            .collect();
        let mut touched = false;
        for (id, aws_id) in due {
            touched = true;
            let res = self.backend.get_results(&aws_id).await;
            self.count_calls();
            match res {
                Ok(raw) => {
                    self.health.record_ok(now());
                    self.take_results(id, raw);
                }
                Err(e) => self.poll_failed(id, e).await,
            }
        }
        if touched {
            self.push_health();
        }
    }

    fn take_results(&mut self, id: QueryId, raw: RawResults) {
        let usd_per_gb = self.settings.usd_per_gb;
        let accounts = self.backend.account_labels();
        let Some(s) = self.slots.get_mut(&id) else { return };
        s.failures = 0;
        s.run.polls += 1;
        let status = raw.status.unwrap_or(QueryStatus::Unknown);
        s.run.status = status;
        // a poll without rows while running keeps the rows seen so far
        let mut filled = 0;
        if !raw.rows.is_empty() || status.is_terminal() {
            let mut table = ResultTable::from_rows(&raw.rows);
            filled = table.fill_from_message(&requested_fields(&s.run.spec.query));
            table.add_cost_column(&self.prices);
            crate::sources::logs_org::add_account_column(&mut table, &accounts);
            s.run.table = table;
        }
        if status == QueryStatus::Complete {
            let cap = row_cap(&s.run.spec.query, self.settings.row_limit);
            let rows = s.run.table.rows.len();
            if raw.more || rows >= cap as usize {
                let n = if raw.more { rows as u32 } else { cap };
                s.run.truncated = Some(n);
                add_note(&mut s.run.note, &truncated_note(n, raw.more));
            }
            if filled > 0 {
                add_note(
                    &mut s.run.note,
                    &format!(
                        "{filled} cells read from @message (Logs Insights extracts only the first 200 fields of a record)"
                    ),
                );
            }
        }
        if let Some(st) = raw.stats {
            s.run.stats = Some(st);
            s.run.cost_usd = Some(query_cost_usd(st.bytes_scanned, usd_per_gb));
        }
        if status.is_terminal() {
            s.run.ended_at = Some(now());
            if status != QueryStatus::Complete && s.run.error.is_none() {
                s.run.error = Some(local_error(
                    &format!("the query ended {}", status.label()),
                    match status {
                        QueryStatus::Timeout => {
                            "Logs Insights stops queries after 60 minutes: narrow the window or the groups"
                        }
                        QueryStatus::Cancelled => "it was stopped outside this console",
                        _ => "check the query syntax and the log groups",
                    },
                ));
            }
            let run = self.slots.remove(&id).map(|s| s.run);
            if let Some(run) = run {
                self.finished(&run);
                self.out.push(Update::Logs(LogsUpdate::Query(Box::new(run))));
            }
            return;
        }
        s.delay = (s.delay.mul_f32(1.5)).min(MAX_POLL);
        s.next_poll = Instant::now() + s.delay;
        self.publish(id);
    }

    async fn poll_failed(&mut self, id: QueryId, e: SourceError) {
        let Some(s) = self.slots.get_mut(&id) else { return };
        if e.kind == ErrorKind::Throttled {
            // GetQueryResults is throttled: poll less often, the query keeps running
            s.delay = (s.delay * 2).min(Duration::from_secs(30));
            s.next_poll = Instant::now() + s.delay;
            s.run.note = Some(format!("GetQueryResults throttled; next poll in {}s", s.delay.as_secs()));
            self.publish(id);
            return;
        }
        s.failures += 1;
        self.health.record_error(e.clone());
        if s.failures < MAX_POLL_FAILURES {
            s.delay = (s.delay * 2).min(MAX_POLL);
            s.next_poll = Instant::now() + s.delay;
            s.run.note = Some(format!("GetQueryResults failed ({}x): {}", s.failures, e.one_line()));
            self.publish(id);
            return;
        }
        // give up on it, and stop it so it does not run on unwatched
        let aws_id = s.run.aws_id.clone();
        let mut note = None;
        if let Some(q) = aws_id
            && let Err(stop) = self.backend.stop_query(&q).await
        {
            note = Some(format!("StopQuery failed: {}", stop.one_line()));
        }
        self.count_calls();
        if let Some(mut s) = self.slots.remove(&id) {
            s.run.status = QueryStatus::Failed;
            s.run.ended_at = Some(now());
            s.run.error = Some(e);
            s.run.note = note;
            self.out.push(Update::Logs(LogsUpdate::Query(Box::new(s.run))));
        }
    }

    /// A query ended: span fetches become traces (marked incomplete when the span query hit its
    /// row limit: a trace can hold more spans than one query returns).
    fn finished(&mut self, run: &QueryRun) {
        if let Purpose::TraceSpans { trace_id } = &run.spec.purpose
            && run.status == QueryStatus::Complete
            && let Some(mut u) =
                crate::sources::spans::otel::traces_update(trace_id, &run.table, &self.health.region, &self.prices)
        {
            if run.truncated.is_some()
                && let Update::Traces(crate::store::traces::TracesUpdate::Fetched { traces, .. }) = &mut u
            {
                for t in traces {
                    t.limit_exceeded = true;
                }
            }
            self.out.push(u);
        }
    }
}

fn add_note(note: &mut Option<String>, more: &str) {
    *note = Some(match note.take() {
        Some(n) if !n.is_empty() => format!("{n}; {more}"),
        _ => more.to_string(),
    });
}

/// What a result at its row cap says.
fn truncated_note(rows: u32, pages_left: bool) -> String {
    if pages_left {
        format!("only the first {rows} rows were read ({MAX_RESULT_PAGES} pages): more rows match")
    } else {
        format!("{rows} rows, the query's limit: more may match (narrow the window or the filter)")
    }
}

/// What to do about a query that could not start (the generic "retrying" does not apply).
fn start_hint(e: &SourceError) -> String {
    match (e.kind, e.code.as_deref()) {
        (_, Some("ResourceNotFoundException")) => {
            "a log group does not exist in this region: pick groups (i, Ctrl-G) or fix [logs] in the config".into()
        }
        (_, Some("MalformedQueryException" | "InvalidParameterException")) => "fix the query (i edits it)".into(),
        (ErrorKind::Service | ErrorKind::Other, _) => "run it again (f or Ctrl-S in the editor)".into(),
        _ => e.hint.clone(),
    }
}

fn no_groups_error(
    class: crate::domain::insights::GroupClass,
    groups: &LogGroups,
    s: &InsightsSettings,
) -> SourceError {
    use crate::domain::insights::GroupClass;
    let (message, hint) = match class {
        GroupClass::Invocation => (
            if groups.discovered {
                format!("no Bedrock invocation log group found under {}", s.discovery_prefixes.join(", "))
            } else {
                "the log groups are still being discovered".to_string()
            },
            "set [logs] invocation_log_groups in the config, or pick groups in the editor (i, then Ctrl-G)".to_string(),
        ),
        GroupClass::App => (
            "no application log groups configured".to_string(),
            "set [logs] app_log_groups in the config, or pick groups in the editor (i, then Ctrl-G)".to_string(),
        ),
        GroupClass::Spans => (
            format!("no {} log group: Transaction Search is not sending spans to CloudWatch Logs", s.spans_group),
            "enable Transaction Search in CloudWatch, or set [logs] spans_log_group".to_string(),
        ),
    };
    let mut e = local_error(&message, &hint);
    if let Some(d) = &groups.error {
        e.message.push_str(&format!(" (DescribeLogGroups: {})", d.one_line()));
    }
    e
}

/// The logs task's handle: its command sender and a flag that turns true once it has stopped
/// every query it started and ended.
pub struct Spawned {
    pub commands: UnboundedSender<Command>,
    pub done: watch::Receiver<bool>,
}

/// Run the query runner until [`Command::Shutdown`] or until the UI goes away; either way,
/// every query still running is stopped first.
pub fn spawn<B: InsightsBackend>(mut runner: LogsRunner<B>, tx: UnboundedSender<Update>) -> Spawned {
    let (ctx, mut rx) = unbounded_channel::<Command>();
    let (done_tx, done_rx) = watch::channel(false);
    tokio::spawn(async move {
        runner.init().await;
        let mut open = flush(&mut runner, &tx);
        // discovery failed (expired credentials, throttling, the network): try again with the
        // sources' backoff, so the logs source recovers by itself like the others
        let mut rediscover = None;
        while open {
            if runner.groups.error.is_none() {
                rediscover = None;
            } else if rediscover.is_none() {
                rediscover = Some(Instant::now() + super::next_delay(Duration::from_secs(60), &runner.health));
            }
            let wake = [runner.next_wake(), rediscover].into_iter().flatten().min();
            let cmd = tokio::select! {
                c = rx.recv() => Some(c),
                _ = sleep_until(wake), if wake.is_some() => None,
            };
            let go_on = match cmd {
                Some(None) => false,
                Some(Some(c)) => runner.command(c).await,
                None => true,
            };
            if !go_on {
                break;
            }
            if rediscover.is_some_and(|t| Instant::now() >= t) {
                rediscover = None;
                runner.init().await;
            }
            runner.pump(Instant::now()).await;
            open = flush(&mut runner, &tx);
        }
        runner.stop_all("the console exited").await;
        flush(&mut runner, &tx);
        let _ = done_tx.send(true);
    });
    Spawned { commands: ctx, done: done_rx }
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

fn flush<B: InsightsBackend>(runner: &mut LogsRunner<B>, tx: &UnboundedSender<Update>) -> bool {
    runner.drain().into_iter().all(|u| tx.send(u).is_ok())
}

/// Where to look for the spans of a trace whose start time is not known: the last day.
pub fn unknown_trace_window(now: i64) -> Window {
    Window { start: now - 24 * 3600, end: now + 60 }
}

/// How a batch of span fetches ended (for `--once`).
#[derive(Debug, Default)]
pub struct SpanFetches {
    pub traces: Vec<crate::domain::trace::Trace>,
    /// The span queries ran and found no span of these ids.
    pub missing: Vec<String>,
    /// The span queries that failed (or ran out of time), by id.
    pub failed: Vec<(String, SourceError)>,
    /// The queries' last states (for the report's list of queries run, with their cost).
    pub queries: Vec<Update>,
}

/// Read whole traces from `aws/spans` (the span log group, named in the query so no discovery
/// is needed), one Logs Insights query per id over its window, run side by side up to the
/// runner's concurrency; each is stopped if it has not ended by `deadline`.
pub async fn fetch_spans_to_end<B: InsightsBackend>(
    runner: &mut LogsRunner<B>,
    items: &[(String, Window)],
    deadline: Duration,
) -> SpanFetches {
    use crate::store::traces::TracesUpdate;
    let group = runner.settings.spans_group.clone();
    let give_up = Instant::now() + deadline;
    let mut ids: BTreeMap<QueryId, String> = BTreeMap::new();
    let mut out = SpanFetches::default();
    for (id, w) in items {
        let Some(q) = crate::domain::insights::trace_spans_query(id) else {
            out.missing.push(id.clone());
            continue;
        };
        let spec = QuerySpec::new(
            &format!("spans {id}"),
            &q,
            crate::domain::insights::GroupClass::Spans,
            vec![group.clone()],
            *w,
        )
        .for_purpose(Purpose::TraceSpans { trace_id: id.clone() });
        ids.insert(spec.id, id.clone());
        runner.submit(spec);
    }
    let mut open: std::collections::BTreeSet<QueryId> = ids.keys().copied().collect();
    let take = |updates: Vec<Update>, open: &mut std::collections::BTreeSet<QueryId>, out: &mut SpanFetches| {
        for u in updates {
            match u {
                Update::Logs(LogsUpdate::Query(q)) if ids.contains_key(&q.id()) && q.status.is_terminal() => {
                    open.remove(&q.id());
                    if q.status != QueryStatus::Complete {
                        let e = q.error.clone().unwrap_or_else(|| {
                            local_error(&format!("the span query ended {}", q.status.label()), "retry")
                        });
                        out.failed.push((ids[&q.id()].clone(), e));
                    }
                    out.queries.push(Update::Logs(LogsUpdate::Query(q)));
                }
                Update::Traces(TracesUpdate::Fetched { traces, unprocessed }) => {
                    out.traces.extend(traces);
                    out.missing.extend(unprocessed);
                }
                _ => {}
            }
        }
    };
    take(runner.drain(), &mut open, &mut out);
    while !open.is_empty() {
        runner.pump(Instant::now()).await;
        take(runner.drain(), &mut open, &mut out);
        if open.is_empty() {
            break;
        }
        if Instant::now() >= give_up {
            for q in open.clone() {
                runner.cancel(q, "gave up waiting").await;
            }
            take(runner.drain(), &mut open, &mut out);
            break;
        }
        match runner.next_wake() {
            Some(t) => tokio::time::sleep_until(t.min(give_up)).await,
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    out
}

/// Run one query to its end (for `--once --query` and tests): discover groups, start, poll
/// until it ends or `deadline` passes (then stop it). Returns the final state.
pub async fn run_to_end<B: InsightsBackend>(
    runner: &mut LogsRunner<B>,
    spec: QuerySpec,
    deadline: Duration,
) -> QueryRun {
    let id = spec.id;
    let give_up = Instant::now() + deadline;
    runner.submit(spec);
    let mut last: Option<QueryRun> = None;
    loop {
        runner.pump(Instant::now()).await;
        for u in runner.drain() {
            if let Update::Logs(LogsUpdate::Query(q)) = u
                && q.id() == id
            {
                last = Some(*q);
            }
        }
        if last.as_ref().is_some_and(|q| q.status.is_terminal()) {
            break;
        }
        if Instant::now() >= give_up {
            runner.cancel(id, "gave up waiting").await;
            for u in runner.drain() {
                if let Update::Logs(LogsUpdate::Query(q)) = u
                    && q.id() == id
                {
                    last = Some(*q);
                }
            }
            break;
        }
        match runner.next_wake() {
            Some(t) => tokio::time::sleep_until(t.min(give_up)).await,
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    last.expect("a submitted query is always published")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_cloudwatchlogs::Client;
    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
    use aws_sdk_cloudwatchlogs::operation::get_log_record::GetLogRecordOutput;
    use aws_sdk_cloudwatchlogs::operation::get_query_results::{GetQueryResultsError, GetQueryResultsOutput};
    use aws_sdk_cloudwatchlogs::operation::start_query::{StartQueryError, StartQueryOutput};
    use aws_sdk_cloudwatchlogs::operation::stop_query::StopQueryOutput;
    use aws_sdk_cloudwatchlogs::types::{LogGroup, QueryStatistics, QueryStatus as AwsStatus, ResultField};
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::domain::insights::{GroupClass, Presets};
    use crate::domain::window::Window;
    use crate::store::traces::TracesUpdate;

    const GROUP: &str = "/aws/bedrock/modelinvocations";
    const FAR: Duration = Duration::from_secs(3600);

    fn settings() -> InsightsSettings {
        InsightsSettings { invocation_groups: vec![GROUP.into()], ..Default::default() }
    }

    fn runner(client: Client) -> LogsRunner<CwlBackend> {
        LogsRunner::new(
            CwlBackend::new(client, None, "us-east-1", Some("prod"), None),
            settings(),
            PriceTable::default(),
            SourceHealth::new("logs", Some("us-east-1")),
        )
    }

    fn spec(query: &str) -> QuerySpec {
        QuerySpec::new("query", query, GroupClass::Invocation, vec![GROUP.into()], Window { start: 1000, end: 4600 })
    }

    fn field(f: &str, v: &str) -> ResultField {
        ResultField::builder().field(f).value(v).build()
    }

    fn results(status: AwsStatus, rows: &[&[(&str, &str)]], bytes: f64) -> GetQueryResultsOutput {
        let mut b = GetQueryResultsOutput::builder().status(status).statistics(
            QueryStatistics::builder()
                .records_matched(rows.len() as f64)
                .records_scanned(5000.0)
                .bytes_scanned(bytes)
                .build(),
        );
        for r in rows {
            b = b.results(r.iter().map(|(f, v)| field(f, v)).collect());
        }
        b.build()
    }

    fn start_ok(id: &'static str) -> Rule {
        mock!(Client::start_query).then_output(move || StartQueryOutput::builder().query_id(id).build())
    }

    fn stop_ok(id: &'static str) -> Rule {
        mock!(Client::stop_query)
            .match_requests(move |r| r.query_id() == Some(id))
            .then_output(|| StopQueryOutput::builder().success(true).build())
    }

    /// The states a query went through, from the runner's updates.
    fn states(updates: &[Update], id: QueryId) -> Vec<QueryRun> {
        updates
            .iter()
            .filter_map(|u| match u {
                Update::Logs(LogsUpdate::Query(q)) if q.id() == id => Some((**q).clone()),
                _ => None,
            })
            .collect()
    }

    async fn pump_far(r: &mut LogsRunner<CwlBackend>, n: usize) -> Vec<Update> {
        let mut all = Vec::new();
        for _ in 0..n {
            r.pump(Instant::now() + FAR).await;
            all.extend(r.drain());
        }
        all
    }

    #[tokio::test]
    async fn scheduled_running_with_partial_rows_then_complete() {
        let gqr = mock!(Client::get_query_results)
            .match_requests(|r| r.query_id() == Some("q-1"))
            .sequence()
            .output(|| GetQueryResultsOutput::builder().status(AwsStatus::Scheduled).build())
            .output(|| {
                results(
                    AwsStatus::Running,
                    &[&[("@ptr", "p1"), ("modelId", "m"), ("errorCode", "ThrottlingException")]],
                    1e9,
                )
            })
            .output(|| {
                results(
                    AwsStatus::Complete,
                    &[
                        &[("@ptr", "p1"), ("modelId", "m"), ("errorCode", "ThrottlingException")],
                        &[("@ptr", "p2"), ("modelId", "m2"), ("errorCode", "ValidationException")],
                    ],
                    BYTES_2GB,
                )
            })
            .build();
        let start = mock!(Client::start_query)
            .match_requests(|r| {
                r.log_group_names() == [GROUP.to_string()]
                    && r.start_time() == Some(1000)
                    && r.end_time() == Some(4600)
                    && r.limit() == Some(1000)
                    && r.query_string() == Some("filter toMillis(@timestamp) < 4600000\n| fields modelId, errorCode")
            })
            .then_output(|| StartQueryOutput::builder().query_id("q-1").build());
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        let s = spec("fields modelId, errorCode");
        let id = s.id;
        r.submit(s);
        let mut updates = r.drain();
        updates.extend(pump_far(&mut r, 4).await);
        let st = states(&updates, id);
        let seq: Vec<QueryStatus> = st.iter().map(|q| q.status).collect();
        assert_eq!(
            seq,
            vec![
                QueryStatus::Queued,
                QueryStatus::Scheduled,
                QueryStatus::Scheduled,
                QueryStatus::Running,
                QueryStatus::Complete
            ]
        );
        let running = &st[3];
        assert_eq!(running.table.rows, vec![vec!["m".to_string(), "ThrottlingException".to_string()]]);
        assert_eq!(running.table.ptrs, vec![Some("p1".to_string())]);
        assert_eq!(running.stats.unwrap().records_scanned, 5000.0);
        let done = st.last().unwrap();
        assert_eq!(done.aws_id.as_deref(), Some("q-1"));
        assert_eq!(done.table.columns, vec!["modelId", "errorCode"]);
        assert_eq!(done.table.rows.len(), 2);
        assert_eq!(done.polls, 3);
        assert!((done.cost_usd.unwrap() - 0.01).abs() < 1e-12, "{:?}", done.cost_usd);
        assert!(done.error.is_none() && done.ended_at.is_some());
        assert_eq!(gqr.num_calls(), 3);
        // nothing left to do
        assert_eq!(r.running(), 0);
        assert!(r.next_wake().is_none());
        assert_eq!(r.health.calls, 4);
    }

    const BYTES_2GB: f64 = 2.0 * crate::domain::insights::BYTES_PER_GB;

    /// StartQuery's requests as `(limit, query string, start, end)`.
    type Sent = Arc<Mutex<Vec<(Option<i32>, String, i64, i64)>>>;

    fn recording_start(sent: &Sent) -> Rule {
        let s = sent.clone();
        mock!(Client::start_query).then_compute_output(move |r| {
            let mut s = s.lock().unwrap();
            s.push((
                r.limit(),
                r.query_string().unwrap_or_default().to_string(),
                r.start_time().unwrap_or_default(),
                r.end_time().unwrap_or_default(),
            ));
            StartQueryOutput::builder().query_id(format!("q-{}", s.len())).build()
        })
    }

    #[tokio::test]
    async fn a_query_with_its_own_limit_goes_without_the_limit_parameter() {
        // issue 12, 7(a)/(b): StartQuery's `limit` with a query that has its own `limit` would cut
        // a trace's 10,000 spans (or the runaway watch's 10,000 minutes) to the row limit
        let sent: Sent = Arc::default();
        let start = recording_start(&sent);
        let gqr = mock!(Client::get_query_results).then_output(|| results(AwsStatus::Complete, &[], 1.0));
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        r.groups.spans = Some("aws/spans".into());
        r.submit(spec("fields @message | sort @timestamp desc | limit 10000"));
        r.submit(spec("fields @message"));
        let runaway = Presets::default().get("runaway-callers").unwrap().query.clone();
        r.submit(spec(&runaway));
        r.fetch_spans("1-5759e988-bd862e3fe1be46a994272793", Window { start: 1000, end: 4600 });
        pump_far(&mut r, 3).await;
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 4);
        let limits: Vec<Option<i32>> = sent.iter().map(|s| s.0).collect();
        assert_eq!(limits, vec![None, Some(1000), None, None], "{sent:?}");
        assert!(sent[3].1.ends_with("| limit 10000"), "the span query keeps its limit: {}", sent[3].1);
    }

    #[tokio::test]
    async fn the_window_end_is_exclusive_in_the_query_sent() {
        // issue 12, 7(c): endTime is inclusive to the millisecond; the first command drops an
        // event at exactly the end, which opens the next window
        let sent: Sent = Arc::default();
        let start = recording_start(&sent);
        let gqr = mock!(Client::get_query_results).then_output(|| results(AwsStatus::Complete, &[], 1.0));
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        r.submit(spec("stats count(*) by bin(1m)"));
        pump_far(&mut r, 2).await;
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        let (_, q, s, e) = &sent[0];
        assert_eq!((*s, *e), (1000, 4600));
        assert_eq!(q, "filter toMillis(@timestamp) < 4600000\n| stats count(*) by bin(1m)");
    }

    #[tokio::test]
    async fn a_result_at_its_limit_says_it_may_be_cut_short() {
        // issue 12, 7(b): exactly at the cap is not "complete"
        let row = [("@message", "x")];
        for (rows, query, truncated) in
            [(3, "fields @message | limit 3", Some(3)), (2, "fields @message | limit 3", None)]
        {
            let gqr = mock!(Client::get_query_results).then_output(move || {
                let rs: Vec<&[(&str, &str)]> = (0..rows).map(|_| &row[..]).collect();
                results(AwsStatus::Complete, &rs, 1.0)
            });
            let start = start_ok("q-c");
            let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
            let mut r = runner(client);
            let s = spec(query);
            let id = s.id;
            r.submit(s);
            let done = states(&pump_far(&mut r, 2).await, id).pop().unwrap();
            assert_eq!(done.status, QueryStatus::Complete);
            assert_eq!(done.truncated, truncated, "{rows} rows");
            assert_eq!(
                done.note.as_deref().is_some_and(|n| n.contains("3 rows, the query's limit: more may match")),
                truncated.is_some(),
                "{:?}",
                done.note
            );
        }
        // pages left after the ten read: the rows are a prefix of the result
        let gqr = mock!(Client::get_query_results).then_output(|| {
            let mut o = results(AwsStatus::Complete, &[&[("@message", "x")]], 1.0);
            o.next_token = Some("more".into());
            o
        });
        let start = start_ok("q-p");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        let s = spec("fields @message | limit 100000");
        let id = s.id;
        r.submit(s);
        let done = states(&pump_far(&mut r, 2).await, id).pop().unwrap();
        assert_eq!(gqr.num_calls(), MAX_RESULT_PAGES);
        assert_eq!(done.truncated, Some(MAX_RESULT_PAGES as u32));
        assert!(done.note.as_deref().unwrap().contains("more rows match"), "{:?}", done.note);
    }

    #[tokio::test]
    async fn a_trace_at_the_span_query_limit_is_marked_incomplete() {
        let w3c = "5759e988bd862e3fe1be46a994272793";
        let records: Vec<String> = (0..10_000)
            .map(|i| {
                format!(
                    r#"{{"traceId":"{w3c}","spanId":"s{i:05}","name":"n","startTimeUnixNano":"1465510280000000000","durationNano":1000}}"#
                )
            })
            .collect();
        for (n, cut) in [(10_000usize, true), (9_999, false)] {
            let recs = records[..n].to_vec();
            let gqr = mock!(Client::get_query_results).then_output(move || {
                let mut b = GetQueryResultsOutput::builder().status(AwsStatus::Complete);
                for m in &recs {
                    b = b.results(vec![field("@timestamp", "x"), field("@message", m)]);
                }
                b.build()
            });
            let start = start_ok("q-t");
            let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
            let mut r = runner(client);
            r.groups.spans = Some("aws/spans".into());
            r.fetch_spans("1-5759e988-bd862e3fe1be46a994272793", Window { start: 0, end: 60 });
            let trace = pump_far(&mut r, 2)
                .await
                .into_iter()
                .find_map(|u| match u {
                    Update::Traces(TracesUpdate::Fetched { traces, .. }) => traces.into_iter().next(),
                    _ => None,
                })
                .expect("a trace");
            assert_eq!(trace.spans.len(), n);
            assert_eq!(trace.limit_exceeded, cut, "{n} spans");
        }
    }

    #[tokio::test]
    async fn token_cells_past_the_field_cap_are_read_from_the_message() {
        // issue 12, 7(d): a record with more than 200 fields comes back without the token fields
        // discovered; its @message still holds them
        let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let msg = serde_json::json!({
            "modelId": sonnet,
            "input": {"inputBodyJson": {"messages": (0..300).map(|i| serde_json::json!({"role": "user", "content": [{"text": format!("turn {i}")}]})).collect::<Vec<_>>()},
                      "inputTokenCount": 1_000_000},
            "output": {"outputTokenCount": 100_000},
        })
        .to_string();
        let gqr = mock!(Client::get_query_results).then_output(move || {
            // Logs Insights leaves the undiscovered fields out of the row
            results(
                AwsStatus::Complete,
                &[&[("@timestamp", "2026-11-23 12:32:56.400"), ("modelId", sonnet), ("@message", &msg), ("@ptr", "p")]],
                1.0,
            )
        });
        let start = start_ok("q-f");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        let s =
            spec("fields @timestamp, modelId, input.inputTokenCount, output.outputTokenCount, @message | limit 200");
        let id = s.id;
        r.submit(s);
        let done = states(&pump_far(&mut r, 2).await, id).pop().unwrap();
        let t = &done.table;
        // the columns the query asked for but no row carried are still there, filled from @message
        assert_eq!(t.rows[0][t.column("modelId").unwrap()], sonnet);
        assert_eq!(
            t.column("input.inputTokenCount").map(|c| t.rows[0][c].as_str()),
            Some("1000000"),
            "{:?}",
            t.columns
        );
        assert_eq!(t.column("output.outputTokenCount").map(|c| t.rows[0][c].as_str()), Some("100000"));
        // and priced: 1M in × $3 + 100k out × $15
        assert_eq!(t.total_cost(), Some(4.5));
        assert!(done.note.as_deref().unwrap().contains("2 cells read from @message"), "{:?}", done.note);
    }

    #[tokio::test]
    async fn failed_timeout_and_cancelled_end_with_a_reason() {
        for (status, what) in [
            (AwsStatus::Failed, "ended Failed"),
            (AwsStatus::Timeout, "ended Timeout"),
            (AwsStatus::Cancelled, "ended Cancelled"),
            (AwsStatus::from("SomethingNew"), "ended Unknown"),
        ] {
            let s2 = status.clone();
            let gqr = mock!(Client::get_query_results)
                .then_output(move || GetQueryResultsOutput::builder().status(s2.clone()).build());
            let start = start_ok("q-9");
            let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
            let mut r = runner(client);
            let s = spec("fields @message");
            let id = s.id;
            r.submit(s);
            let updates = pump_far(&mut r, 3).await;
            let last = states(&updates, id).pop().unwrap();
            assert!(last.status.is_terminal(), "{status:?}");
            let e = last.error.expect("a reason");
            assert!(e.message.contains(what), "{}", e.message);
            if status == AwsStatus::Timeout {
                assert!(e.hint.contains("60 minutes"));
            }
            assert_eq!(gqr.num_calls(), 1, "{status:?}: no polling after the end");
        }
    }

    #[tokio::test]
    async fn limit_exceeded_waits_in_the_queue_and_retries() {
        let start = mock!(Client::start_query)
            .sequence()
            .error(|| {
                StartQueryError::generic(
                    ErrorMetadata::builder()
                        .code("LimitExceededException")
                        .message("Account maximum query concurrency limit of [100] reached")
                        .build(),
                )
            })
            .output(|| StartQueryOutput::builder().query_id("q-2").build())
            .build();
        let gqr = mock!(Client::get_query_results).then_output(|| results(AwsStatus::Complete, &[], 10.0));
        // the SDK itself retries LimitExceededException; here the runner's own handling is tested
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr], |c| {
            c.retry_config(aws_sdk_cloudwatchlogs::config::retry::RetryConfig::disabled())
        });
        let mut r = runner(client);
        let s = spec("stats count(*)");
        let id = s.id;
        r.submit(s);
        r.pump(Instant::now()).await;
        let st = states(&r.drain(), id);
        let waiting = st.last().unwrap();
        assert_eq!(waiting.status, QueryStatus::Queued);
        assert!(waiting.error.is_none());
        assert_eq!(waiting.note.as_deref(), Some("waiting: query limit reached (LimitExceededException); retry in 2s"));
        assert_eq!(r.queued(), 1);
        // it is not retried before the backoff is over…
        let wake = r.next_wake().unwrap();
        assert!(wake >= Instant::now() + Duration::from_secs(1));
        r.pump(Instant::now()).await;
        assert_eq!(start.num_calls(), 1);
        // …and then starts and completes
        let st = states(&pump_far(&mut r, 2).await, id);
        assert_eq!(st.last().unwrap().status, QueryStatus::Complete);
        assert_eq!(start.num_calls(), 2);
        // the throttling-like limit did not mark the source stale
        assert!(!r.health.is_stale());
    }

    #[tokio::test]
    async fn stats_result_shapes_become_tables_with_cost() {
        let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let gqr = mock!(Client::get_query_results).then_output(move || {
            results(
                AwsStatus::Complete,
                &[
                    &[
                        ("identity.arn", "arn:aws:sts::1:assumed-role/agent/loop"),
                        ("modelId", sonnet),
                        ("inTok", "2000000"),
                        ("cacheRead", "0"),
                        ("cacheWrite", "0"),
                        ("outTok", "200000"),
                        ("calls", "812"),
                    ],
                    &[
                        ("identity.arn", "arn:aws:iam::1:user/dana"),
                        ("modelId", "meta.llama3-3-70b-instruct-v1:0"),
                        ("inTok", "1000"),
                        ("cacheRead", "0"),
                        ("cacheWrite", "0"),
                        ("outTok", "10"),
                        ("calls", "3"),
                    ],
                ],
                0.0,
            )
        });
        let start = start_ok("q-3");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        let p = Presets::default().get("tokens-by-caller").unwrap().clone();
        let s = QuerySpec::new(&p.name, &p.query, p.groups, vec![], Window { start: 0, end: 3600 });
        let id = s.id;
        r.groups = LogGroups { invocation: vec![GROUP.into()], ..Default::default() };
        r.submit(s);
        let done = states(&pump_far(&mut r, 2).await, id).pop().unwrap();
        assert_eq!(done.spec.groups, vec![GROUP.to_string()], "groups come from discovery");
        let t = &done.table;
        assert_eq!(t.columns[2], "cost_usd");
        // 2M in × $3 + 200k out × $15 = $9
        assert_eq!(t.rows[0][2], "9.000000");
        // plus llama's 1000 in + 10 out at $0.72 per 1M each
        assert!((t.total_cost().unwrap() - (9.0 + 1010.0 * 0.72 / 1e6)).abs() < 1e-6, "{:?}", t.total_cost());
        assert_eq!(done.cost_usd, Some(0.0));

        // what the emulator returns for the same query: rows of only @ptr
        let gqr = mock!(Client::get_query_results).then_output(|| {
            GetQueryResultsOutput::builder().status(AwsStatus::Complete).results(vec![field("@ptr", "a")]).build()
        });
        let start = start_ok("q-4");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        let s = spec(&p.query);
        let id = s.id;
        r.submit(s);
        let done = states(&pump_far(&mut r, 2).await, id).pop().unwrap();
        assert_eq!(done.status, QueryStatus::Complete);
        assert!(done.table.columns.is_empty());
        assert_eq!(done.table.rows.len(), 1);
        assert_eq!(done.stats, None);
        assert_eq!(done.cost_usd, None);
    }

    #[tokio::test]
    async fn cancel_sends_stop_query_and_a_refused_stop_is_noted() {
        let gqr = mock!(Client::get_query_results).then_output(|| results(AwsStatus::Running, &[], 1.0));
        let start = start_ok("q-5");
        let stop = stop_ok("q-5");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr, &stop]);
        let mut r = runner(client);
        let s = spec("fields @message");
        let id = s.id;
        r.submit(s);
        pump_far(&mut r, 2).await;
        assert_eq!(r.running_ids(), vec!["q-5".to_string()]);
        r.command(Command::Logs(LogsRequest::Cancel { id, why: "cancelled".into() })).await;
        assert_eq!(stop.num_calls(), 1);
        let last = states(&r.drain(), id).pop().unwrap();
        assert_eq!(last.status, QueryStatus::Cancelled);
        assert_eq!(last.note.as_deref(), Some("cancelled"));
        assert!(r.running_ids().is_empty());
        // cancelling again does nothing
        r.cancel(id, "again").await;
        assert_eq!(stop.num_calls(), 1);

        // the emulator answers StopQuery with HTTP 500: still cancelled here, and said so
        let gqr = mock!(Client::get_query_results).then_output(|| results(AwsStatus::Running, &[], 1.0));
        let start = start_ok("q-6");
        let stop = mock!(Client::stop_query).sequence().http_status(500, Some("Internal Server Error".into())).build();
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr, &stop]);
        let mut r = runner(client);
        let s = spec("fields @message");
        let id = s.id;
        r.submit(s);
        pump_far(&mut r, 2).await;
        r.cancel(id, "cancelled").await;
        assert!(stop.num_calls() >= 1);
        let last = states(&r.drain(), id).pop().unwrap();
        assert_eq!(last.status, QueryStatus::Cancelled);
        assert!(last.note.as_deref().unwrap().starts_with("cancelled; StopQuery failed:"), "{:?}", last.note);
    }

    #[tokio::test]
    async fn a_queued_query_is_cancelled_without_aws_and_the_cap_holds() {
        let gqr = mock!(Client::get_query_results).then_output(|| results(AwsStatus::Running, &[], 1.0));
        let ids = Arc::new(Mutex::new(0));
        let n = ids.clone();
        let start = mock!(Client::start_query).then_compute_output(move |_| {
            let mut n = n.lock().unwrap();
            *n += 1;
            StartQueryOutput::builder().query_id(format!("q-{n}")).build()
        });
        let stop = mock!(Client::stop_query).then_output(|| StopQueryOutput::builder().success(true).build());
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr, &stop]);
        let mut r = runner(client);
        r.settings.max_concurrent = 2;
        let specs: Vec<QuerySpec> = (0..4).map(|i| spec(&format!("fields f{i}"))).collect();
        let qids: Vec<QueryId> = specs.iter().map(|s| s.id).collect();
        for s in specs {
            r.submit(s);
        }
        let updates = pump_far(&mut r, 1).await;
        assert_eq!((r.running(), r.queued()), (2, 2));
        assert_eq!(start.num_calls(), 2);
        assert_eq!(states(&updates, qids[3]).last().unwrap().queue_position, Some(1));
        // a queued query is dropped without a StopQuery
        r.cancel(qids[2], "cancelled").await;
        assert_eq!(stop.num_calls(), 0);
        assert_eq!(states(&r.drain(), qids[3]).last().unwrap().queue_position, Some(0));
        // a new query replacing a running one stops it and takes its place
        let s = spec("fields g");
        let new = s.id;
        r.command(Command::Logs(LogsRequest::Run { spec: s, replaces: Some(qids[0]) })).await;
        assert_eq!(stop.num_calls(), 1);
        pump_far(&mut r, 1).await;
        assert_eq!(r.running(), 2);
        assert_eq!(r.queued(), 1);
        assert!(r.slots.contains_key(&new));
        // exit: everything that started is stopped, the queue is emptied
        r.stop_all("the console exited").await;
        assert_eq!(stop.num_calls(), 3);
        assert_eq!((r.running(), r.queued()), (0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn quitting_stops_the_running_query() {
        for close in [false, true] {
            let gqr = mock!(Client::get_query_results)
                .then_output(|| results(AwsStatus::Running, &[&[("@message", "x")]], 1.0));
            let start = start_ok("q-7");
            let stop = stop_ok("q-7");
            let dlg = mock!(Client::describe_log_groups).then_output(|| DescribeLogGroupsOutput::builder().build());
            let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr, &stop, &dlg]);
            let (tx, mut rx) = unbounded_channel();
            let spawned = spawn(runner(client), tx);
            let s = spec("fields @message");
            let id = s.id;
            spawned.commands.send(Command::Logs(LogsRequest::Run { spec: s, replaces: None })).unwrap();
            // wait until it runs and rows arrive
            loop {
                match rx.recv().await {
                    Some(Update::Logs(LogsUpdate::Query(q))) if q.id() == id && q.status == QueryStatus::Running => {
                        break;
                    }
                    Some(_) => {}
                    None => panic!("the task ended"),
                }
            }
            assert_eq!(stop.num_calls(), 0);
            let mut sources = super::super::Sources::default();
            sources.push_finishing(spawned.commands.clone(), spawned.done.clone());
            if close {
                // the UI went away without a word (its sender dropped)
                drop(sources);
                drop(spawned.commands);
                let mut done = spawned.done.clone();
                done.wait_for(|d| *d).await.unwrap();
            } else {
                assert!(sources.shutdown(Duration::from_secs(3)).await);
            }
            assert_eq!(stop.num_calls(), 1, "close={close}");
            let mut last = None;
            while let Ok(u) = rx.try_recv() {
                if let Update::Logs(LogsUpdate::Query(q)) = u
                    && q.id() == id
                {
                    last = Some(q);
                }
            }
            let last = last.unwrap();
            assert_eq!(last.status, QueryStatus::Cancelled);
            assert_eq!(last.note.as_deref(), Some("the console exited"));
        }
    }

    #[tokio::test]
    async fn polling_failures_retry_then_fail_and_stop() {
        let gqr = mock!(Client::get_query_results).then_error(|| {
            GetQueryResultsError::generic(ErrorMetadata::builder().code("AccessDeniedException").message("no").build())
        });
        let start = start_ok("q-8");
        let stop = stop_ok("q-8");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr, &stop]);
        let mut r = runner(client);
        let s = spec("fields @message");
        let id = s.id;
        r.submit(s);
        let st = states(&pump_far(&mut r, 4).await, id);
        let last = st.last().unwrap();
        assert_eq!(last.status, QueryStatus::Failed);
        assert_eq!(last.error.as_ref().unwrap().kind, ErrorKind::AccessDenied);
        assert!(last.error.as_ref().unwrap().hint.contains("logs:GetQueryResults"));
        assert_eq!(gqr.num_calls(), MAX_POLL_FAILURES as usize);
        assert_eq!(stop.num_calls(), 1);
        assert!(r.health.is_stale());

        // throttled polls only slow down
        let gqr = mock!(Client::get_query_results)
            .sequence()
            .error(|| GetQueryResultsError::generic(ErrorMetadata::builder().code("ThrottlingException").build()))
            .times(5)
            .output(|| results(AwsStatus::Complete, &[], 1.0))
            .build();
        let start = start_ok("q-9");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        let s = spec("fields @message");
        let id = s.id;
        r.submit(s);
        let st = states(&pump_far(&mut r, 7).await, id);
        assert_eq!(st.last().unwrap().status, QueryStatus::Complete);
        assert!(st.iter().any(|q| q.note.as_deref().is_some_and(|n| n.starts_with("GetQueryResults throttled"))));
    }

    #[tokio::test]
    async fn missing_group_and_no_groups_fail_with_a_fix() {
        let start = mock!(Client::start_query).then_error(|| {
            StartQueryError::generic(
                ErrorMetadata::builder().code("ResourceNotFoundException").message("Log group does not exist").build(),
            )
        });
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start]);
        let mut r = runner(client);
        let s = spec("fields @message");
        let id = s.id;
        r.submit(s);
        let last = states(&pump_far(&mut r, 1).await, id).pop().unwrap();
        assert_eq!(last.status, QueryStatus::Failed);
        assert_eq!(last.error.unwrap().code.as_deref(), Some("ResourceNotFoundException"));

        let mut r = runner(mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start]));
        r.groups.discovered = true;
        let s = QuerySpec::new("app-errors", "fields @message", GroupClass::App, vec![], Window { start: 0, end: 60 });
        let id = s.id;
        r.submit(s);
        let last = states(&r.drain(), id).pop().unwrap();
        assert_eq!(last.status, QueryStatus::Failed);
        let e = last.error.unwrap();
        assert_eq!(e.message, "no application log groups configured");
        assert!(e.hint.contains("app_log_groups"));
        assert_eq!(start.num_calls(), 1, "no StartQuery without groups");
    }

    #[tokio::test]
    async fn a_new_window_stops_and_reruns_relative_queries() {
        let gqr = mock!(Client::get_query_results).then_output(|| results(AwsStatus::Running, &[], 1.0));
        let windows = Arc::new(Mutex::new(Vec::new()));
        let w = windows.clone();
        let start = mock!(Client::start_query).then_compute_output(move |r| {
            w.lock().unwrap().push(r.end_time().unwrap() - r.start_time().unwrap());
            StartQueryOutput::builder().query_id("q-10").build()
        });
        let stop = stop_ok("q-10");
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr, &stop]);
        let mut r = runner(client);
        let s = spec("fields @message").relative(Since::from_secs(3600));
        let id = s.id;
        r.submit(s);
        pump_far(&mut r, 1).await;
        r.command(Command::SetSince(Since::from_secs(900))).await;
        assert_eq!(stop.num_calls(), 1);
        pump_far(&mut r, 1).await;
        assert_eq!(*windows.lock().unwrap(), vec![3600, 900]);
        assert_eq!(r.slots[&id].run.spec.since, Some(Since::from_secs(900)));
    }

    #[tokio::test]
    async fn discovery_finds_invocation_and_span_groups_and_records_load() {
        let all = mock!(Client::describe_log_groups)
            .match_requests(|r| r.log_group_name_prefix().is_none())
            .then_output(|| {
                DescribeLogGroupsOutput::builder()
                    .log_groups(LogGroup::builder().log_group_name("/aws/bedrock/modelinvocations").build())
                    .log_groups(LogGroup::builder().log_group_name("/aws/bedrock/agentcore/x").build())
                    .log_groups(LogGroup::builder().log_group_name("/ecs/app").build())
                    .build()
            });
        let spans = mock!(Client::describe_log_groups)
            .match_requests(|r| r.log_group_name_prefix() == Some("aws/spans"))
            .then_output(|| {
                DescribeLogGroupsOutput::builder()
                    .log_groups(LogGroup::builder().log_group_name("aws/spans").build())
                    .build()
            });
        let prefix = mock!(Client::describe_log_groups)
            .match_requests(|r| r.log_group_name_prefix() == Some("/aws/bedrock"))
            .then_output(|| DescribeLogGroupsOutput::builder().build());
        let rec =
            mock!(Client::get_log_record).match_requests(|r| r.log_record_pointer() == Some("ptr-1")).then_output(
                || GetLogRecordOutput::builder().log_record("modelId", "m").log_record("@message", "{}").build(),
            );
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&all, &spans, &prefix, &rec]);
        let mut r = LogsRunner::new(
            CwlBackend::new(client, None, "us-east-1", None, None),
            InsightsSettings { app_groups: vec!["/ecs/app".into()], ..Default::default() },
            PriceTable::default(),
            SourceHealth::new("logs", Some("us-east-1")),
        );
        r.init().await;
        let g = r.groups().clone();
        assert_eq!(g.invocation, vec!["/aws/bedrock/modelinvocations".to_string()]);
        assert_eq!(g.invocation_source, GroupSource::Discovered);
        assert_eq!(g.spans.as_deref(), Some("aws/spans"));
        assert_eq!(g.app, vec!["/ecs/app".to_string()]);
        assert_eq!(g.available.len(), 4);
        assert_eq!(r.health.calls, 3);
        // a refresh does not repeat a discovery that worked
        r.command(Command::Refresh).await;
        assert_eq!(all.num_calls(), 1);
        r.record("ptr-1").await;
        let u = r.drain();
        assert!(u.contains(&Update::Logs(LogsUpdate::Record {
            ptr: "ptr-1".into(),
            result: Ok(vec![("@message".into(), "{}".into()), ("modelId".into(), "m".into())])
        })));
        assert_eq!(
            pick_invocation_groups(
                &["/aws/bedrock/a".to_string(), "/aws/bedrock/b".to_string()],
                &["/aws/bedrock".to_string()]
            ),
            Vec::<String>::new(),
            "several candidates are left to the operator"
        );
        assert_eq!(
            pick_invocation_groups(&["/aws/bedrock/a".to_string()], &["/aws/bedrock".to_string()]),
            vec!["/aws/bedrock/a"]
        );
    }

    #[tokio::test]
    async fn with_transaction_search_trace_fetches_are_answered_from_aws_spans() {
        // an OpenTelemetry id: its first 8 hex digits (0xf1e2d3c4, the year 2098) are random, not
        // the trace's time; the span started at 1_465_510_280 (2016)
        let w3c = "f1e2d3c4bd862e3fe1be46a994272793";
        let xray_id = "1-f1e2d3c4-bd862e3fe1be46a994272793";
        let record = format!(
            r#"{{"traceId":"{w3c}","spanId":"a1","name":"chat","startTimeUnixNano":"1465510280000000000","durationNano":2000000000,"attributes":{{"gen_ai.request.model":"m"}}}}"#
        );
        let windows = Arc::new(Mutex::new(Vec::new()));
        let seen = windows.clone();
        let start = mock!(Client::start_query)
            .match_requests(move |r| {
                r.log_group_names() == ["aws/spans".to_string()] && r.query_string().is_some_and(|q| q.contains(w3c))
            })
            .then_compute_output(move |r| {
                seen.lock().unwrap().push((r.start_time().unwrap(), r.end_time().unwrap()));
                StartQueryOutput::builder().query_id("q-s").build()
            });
        let gqr = mock!(Client::get_query_results).then_output(move || {
            GetQueryResultsOutput::builder()
                .status(AwsStatus::Complete)
                .results(vec![field("@timestamp", "x"), field("@message", &record)])
                .build()
        });
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &gqr]);
        let mut r = runner(client);
        r.groups.spans = Some("aws/spans".into());
        // the summary's start time, as the traces pane sends it
        let summary_window = crate::store::traces::trace_fetch_window(1_465_510_280.0, Some(2.0));
        let fetch = |windows: BTreeMap<String, Window>| {
            Command::Traces(super::super::xray::TraceRequest::Fetch {
                region: "us-east-1".into(),
                ids: vec![xray_id.into()],
                windows,
            })
        };
        // off: the trace source's fetch is not ours
        r.command(fetch(BTreeMap::from([(xray_id.to_string(), summary_window)]))).await;
        assert_eq!(r.queued(), 0);
        r.spans_in_logs = true;
        r.command(fetch(BTreeMap::from([(xray_id.to_string(), summary_window)]))).await;
        let updates = pump_far(&mut r, 2).await;
        let trace = updates.iter().find_map(|u| match u {
            Update::Traces(TracesUpdate::Fetched { traces, .. }) => traces.first().cloned(),
            _ => None,
        });
        let trace = trace.expect("a trace update");
        assert_eq!(trace.id, xray_id);
        assert_eq!(trace.spans.len(), 1);
        assert_eq!(start.num_calls(), 1);
        // the span query looked where the summary said, not at the id's "time" (2098)
        assert_eq!(windows.lock().unwrap()[0], (summary_window.start, summary_window.end));
        assert!(summary_window.start <= 1_465_510_280 && 1_465_510_282 < summary_window.end);
        // no window sent: the last day, still nothing from the id
        r.command(fetch(BTreeMap::new())).await;
        pump_far(&mut r, 2).await;
        let (s, e) = windows.lock().unwrap()[1];
        let n = now();
        assert!((n - 24 * 3600 - 5..=n - 24 * 3600 + 5).contains(&s), "{s} vs {n}");
        assert!(e >= n && e <= n + 65, "{e} vs {n}");
    }
}
