//! The X-Ray trace source: GetTraceSummaries over a window (split into requests of at most 6 h,
//! following NextToken) with an optional filter expression, and BatchGetTraces on demand (at
//! most 5 ids a call, following NextToken, merging the pages of each trace), parsed into span
//! trees by [`super::spans::xray`].
//!
//! Windows are by **Event** time (`TimeRangeType=Event`, the trace's update time), not by TraceId:
//! the GetTraceSummaries reference reads "Query trace summaries by TraceId (trace start time),
//! Event (trace update time), or Service (trace segment end time)", and the TraceId range places
//! a trace by the time in its id, while ids made by OpenTelemetry SDKs (W3C trace ids, sent to
//! X-Ray as `1-<first 8 hex>-<24 hex>`) carry no time: PutTraceSegments' reference notes that
//! X-Ray ids include the request's epoch time "but this is not required when sending W3C trace
//! IDs". Nothing here derives a time from a trace id.
//!
//! Every list also says whether it is a sample (Transaction Search, [`TraceSampling`]):
//! GetTraceSegmentDestination, and GetIndexingRules when spans go to CloudWatch Logs, read at
//! most every [`SAMPLING_TTL_SECS`]. Either failing leaves the list unlabelled as complete
//! ("sample?"), never fails it.
//!
//! The task lists when asked (the traces pane's list, a pivot, `r`), re-lists on a window change
//! when the list follows the console's window, and fetches traces the pane asks for. At most one
//! request is in flight; a newer list request abandons the one being paged. Failures become the
//! source's health (via [`classify`]) and the last good list stays in the store; a failed list is
//! retried with backoff.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use aws_sdk_xray::Client;
use aws_sdk_xray::types::{AnnotationValue, TimeRangeType, TraceSummary as XTraceSummary};
use aws_smithy_types::DateTime;
use serde_json::Value;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::Command;
use super::aws::{self, ErrorContext, classify};
use super::spans::xray::parse_trace;
use crate::domain::genai;
use crate::domain::pricing::PriceTable;
use crate::domain::trace::Trace;
use crate::domain::window::Window;
use crate::store::traces::{TraceList, TraceQuery, TraceRange, TraceSampling, TraceSummary, TracesUpdate};
use crate::store::{SourceError, SourceHealth, Update};

/// GetTraceSummaries is asked for at most this much time per request.
pub const MAX_WINDOW_SECS: i64 = 6 * 3600;
/// BatchGetTraces takes at most this many ids.
pub const MAX_IDS_PER_CALL: usize = 5;
/// The TUI's list stops paging here (the newest traces come first).
pub const MAX_SUMMARIES: usize = 5000;
/// Pages per sub-window, whatever X-Ray says (a guard against a token loop).
const MAX_PAGES: usize = 2000;
/// Transaction Search (destination and indexing rules) is read again after this long.
pub const SAMPLING_TTL_SECS: i64 = 600;
/// GetIndexingRules pages followed (an account has a handful of rules).
const MAX_RULE_PAGES: usize = 20;
/// The indexing rule that applies to every trace ("Default"; GetIndexingRules lists it).
pub const DEFAULT_INDEXING_RULE: &str = "Default";

/// What the traces pane asks of the trace sources.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceRequest {
    /// List the traces of a window, optionally filtered. Replaces the current list.
    List(TraceQuery),
    /// Fetch whole traces (any number of ids; batched by the source). `windows` holds, per id,
    /// where its spans are (from the summary's or a span's start time, never from the id), for
    /// the `aws/spans` reader; BatchGetTraces needs none.
    Fetch { region: String, ids: Vec<String>, windows: BTreeMap<String, Window> },
}

/// `[start, end)` split into pieces of at most 6 hours, newest first.
pub fn split_window(w: Window) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut end = w.end;
    while end > w.start {
        let start = (end - MAX_WINDOW_SECS).max(w.start);
        out.push((start, end));
        end = start;
    }
    out
}

fn secs(t: &DateTime) -> f64 {
    t.secs() as f64 + f64::from(t.subsec_nanos()) / 1e9
}

fn annotation_json(v: &AnnotationValue) -> Option<Value> {
    match v {
        AnnotationValue::BooleanValue(b) => Some(Value::Bool(*b)),
        AnnotationValue::NumberValue(n) => serde_json::Number::from_f64(*n).map(Value::Number),
        AnnotationValue::StringValue(s) => Some(Value::String(s.clone())),
        _ => None,
    }
}

/// How often a monitoring account's links are read again for the trace list.
pub const ORG_EVERY_SECS: i64 = 600;

/// In a monitoring account (`labels` not empty), the scope label of a summary's account:
/// `<account label>/<region>`, the account being its services' (ServiceIds' AccountId).
fn account_scope(s: &XTraceSummary, label: &str, labels: &[(String, String)]) -> Option<String> {
    let acct = s.service_ids().iter().find_map(|x| x.account_id())?;
    let (_, name) = labels.iter().find(|(a, _)| a == acct)?;
    Some(format!("{name}/{}", label.rsplit('/').next().unwrap_or(label)))
}

/// One X-Ray summary as plain data. Models come from the `model_annotation` values (a trace
/// can have several) and from GenAI annotations. `listed_in` is the window it was listed in:
/// a summary without StartTime starts there, marked as estimated (the id's time would be noise
/// for OpenTelemetry ids).
pub fn summary_from(
    s: &XTraceSummary,
    region: &str,
    model_annotation: &str,
    pricing: &PriceTable,
    listed_in: Window,
) -> TraceSummary {
    let id = s.id().unwrap_or_default().to_string();
    let (start, start_estimated) = match s.start_time() {
        Some(t) => (secs(t), false),
        None => (listed_in.start as f64, true),
    };
    let root = s
        .entry_point()
        .and_then(|e| e.name().map(str::to_string).or_else(|| e.names().first().cloned()))
        .or_else(|| s.service_ids().iter().find_map(|x| x.name().map(str::to_string)));
    let http = s.http();
    let operation = http.and_then(|h| {
        let path = h.http_url().map(|u| {
            let no_scheme = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
            match no_scheme.find('/') {
                Some(i) => no_scheme[i..].split('?').next().unwrap_or("/").to_string(),
                None => "/".to_string(),
            }
        });
        match (h.http_method(), path) {
            (Some(m), Some(p)) => Some(format!("{m} {p}")),
            (Some(m), None) => Some(m.to_string()),
            (None, p) => p,
        }
    });
    let mut models: Vec<String> = Vec::new();
    let mut attrs: Vec<(String, Value)> = Vec::new();
    if let Some(ann) = s.annotations() {
        let mut keys: Vec<&String> = ann.keys().collect();
        keys.sort();
        for k in keys {
            for v in &ann[k] {
                let Some(j) = v.annotation_value().and_then(annotation_json) else { continue };
                if k == model_annotation
                    && let Value::String(m) = &j
                    && !models.contains(m)
                {
                    models.push(m.clone());
                }
                attrs.push((k.clone(), j));
            }
        }
    }
    let g = genai::normalise(attrs.iter().map(|(k, v)| (k.as_str(), v)), pricing);
    if let Some(m) = g.model()
        && !models.iter().any(|x| x == m)
    {
        models.push(m.to_string());
    }
    TraceSummary {
        id,
        region: region.to_string(),
        start,
        start_estimated,
        duration: s.duration(),
        response_time: s.response_time(),
        root,
        operation,
        http_status: http.and_then(|h| h.http_status()).and_then(|s| u16::try_from(s).ok()),
        http_url: http.and_then(|h| h.http_url().map(str::to_string)),
        fault: s.has_fault().unwrap_or(false),
        error: s.has_error().unwrap_or(false),
        throttle: s.has_throttle().unwrap_or(false),
        partial: s.is_partial().unwrap_or(false),
        models,
        genai: g,
    }
}

/// One region's X-Ray access.
pub struct XraySource {
    client: Client,
    region: String,
    ctx: ErrorContext,
    pricing: PriceTable,
    model_annotation: String,
    pub health: SourceHealth,
    /// Stop paging a list here.
    pub max_summaries: usize,
    /// Transaction Search as last read, and when.
    sampling: Option<(TraceSampling, i64)>,
    /// A monitoring account's accounts: each trace is labelled `<account>/<region>` by the
    /// account of its services (ServiceIds' AccountId), and when that was last read.
    pub org: crate::sources::logs_org::LogsOrg,
    org_read_at: Option<i64>,
}

impl XraySource {
    pub fn new(
        client: Client,
        region: &str,
        pricing: PriceTable,
        model_annotation: &str,
        profile: Option<&str>,
        endpoint: Option<&str>,
    ) -> Self {
        let mut health = SourceHealth::new("xray", Some(region));
        health.loading = false;
        Self {
            client,
            region: region.into(),
            ctx: ErrorContext::new("xray:GetTraceSummaries", profile, Some(region), endpoint),
            pricing,
            model_annotation: model_annotation.into(),
            health,
            max_summaries: MAX_SUMMARIES,
            sampling: None,
            org: Default::default(),
            org_read_at: None,
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// A monitoring account's scopes this source lists (`payments-prod/us-east-1`): their
    /// traces are fetched here too.
    fn scopes(&self) -> Vec<String> {
        let here = self.region.rsplit('/').next().unwrap_or(&self.region);
        self.org.labels().into_iter().map(|(_, l)| format!("{l}/{here}")).collect()
    }

    /// Label each trace by its account in a monitoring account.
    pub fn with_org(mut self, org: crate::sources::logs_org::LogsOrg) -> Self {
        self.org = org;
        self
    }

    /// Tag this source's data with `label` instead of the bare region (`prod/us-east-1` when
    /// several profiles are watched); its requests still go to the region it was built for.
    pub fn labelled(mut self, label: &str) -> Self {
        self.region = label.into();
        self.health.region = Some(label.into());
        self
    }

    fn error<E, R>(
        &self,
        action: &str,
        e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
        now: i64,
    ) -> SourceError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let ctx = ErrorContext { action: action.into(), ..self.ctx.clone() };
        classify(e, &ctx, now)
    }

    /// Transaction Search in this region: GetTraceSegmentDestination, then (spans in CloudWatch
    /// Logs) GetIndexingRules for the `Default` rule's percentages. Read again after
    /// [`SAMPLING_TTL_SECS`]; a failure is kept in the answer (and retried at the next list), and
    /// is not the source's health: the list itself may still be fine.
    pub async fn sampling(&mut self, now: i64) -> TraceSampling {
        if let Some((s, at)) = &self.sampling
            && s.error.is_none()
            && now - at < SAMPLING_TTL_SECS
        {
            return s.clone();
        }
        let s = self.read_sampling(now).await;
        self.sampling = Some((s.clone(), now));
        s
    }

    async fn read_sampling(&mut self, now: i64) -> TraceSampling {
        let mut out = TraceSampling::default();
        self.health.calls += 1;
        match self.client.get_trace_segment_destination().send().await {
            Ok(d) => {
                out.destination = d.destination().map(|x| x.as_str().to_string());
                out.status = d.status().map(|x| x.as_str().to_string());
            }
            Err(e) => {
                out.error = Some(self.error("xray:GetTraceSegmentDestination", &e, now));
                return out;
            }
        }
        if !out.spans_in_logs() {
            return out;
        }
        let mut token: Option<String> = None;
        for _ in 0..MAX_RULE_PAGES {
            self.health.calls += 1;
            let r = match self.client.get_indexing_rules().set_next_token(token.clone()).send().await {
                Ok(r) => r,
                Err(e) => {
                    out.error = Some(self.error("xray:GetIndexingRules", &e, now));
                    return out;
                }
            };
            let default = r.indexing_rules().iter().find(|x| x.name() == Some(DEFAULT_INDEXING_RULE));
            if let Some(p) = default.and_then(|x| x.rule()).and_then(|v| v.as_probabilistic().ok()) {
                out.desired_percent = Some(p.desired_sampling_percentage());
                out.actual_percent = p.actual_sampling_percentage();
                return out;
            }
            token = r.next_token().map(str::to_string).filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        out
    }

    /// GetTraceSummaries for the query's window (≤6 h per request, newest first, every page).
    pub async fn list(&mut self, q: &TraceQuery, now: i64) -> Result<TraceList, SourceError> {
        self.health.loading = self.health.last_ok.is_none();
        let res = self.list_inner(q, now).await;
        match &res {
            Ok(l) => {
                self.health.record_ok(now);
                let newest = l.summaries.iter().map(|s| s.start as i64).max();
                if newest > self.health.newest_data {
                    self.health.newest_data = newest;
                }
            }
            Err(e) => self.health.record_error(e.clone()),
        }
        res
    }

    async fn list_inner(&mut self, q: &TraceQuery, now: i64) -> Result<TraceList, SourceError> {
        let window = q.range.resolve(now);
        // X-Ray keeps 30 days: nothing older is asked for (or paid for), not even the sampling;
        // the list keeps the window asked for, so the panes and --once can say why it is short
        let kept = crate::store::traces::retained(window, now);
        if self.org.oam.is_some() && self.org_read_at.is_none_or(|t| now - t >= ORG_EVERY_SECS) {
            self.org.read(now).await;
            self.org_read_at = Some(now);
        }
        let labels = self.org.labels();
        let sampling = match kept {
            Some(_) => Some(self.sampling(now).await),
            None => None,
        };
        let mut out = TraceList {
            query: q.clone(),
            region: self.region.clone(),
            window,
            summaries: Vec::new(),
            processed: 0,
            truncated: false,
            listed_at: now,
            sampling,
        };
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        'windows: for (start, end) in kept.map(split_window).unwrap_or_default() {
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let r = self
                    .client
                    .get_trace_summaries()
                    .start_time(DateTime::from_secs(start))
                    .end_time(DateTime::from_secs(end))
                    // by update time, not by the time in the id (OpenTelemetry ids have none):
                    // see the module doc
                    .time_range_type(TimeRangeType::Event)
                    .sampling(false)
                    .set_filter_expression(q.filter.clone())
                    .set_next_token(token.clone())
                    .send()
                    .await;
                self.health.calls += 1;
                let r = r.map_err(|e| self.error("xray:GetTraceSummaries", &e, now))?;
                let processed = r.traces_processed_count().unwrap_or(0).max(0);
                out.processed += processed;
                self.health.traces_scanned += processed as u64;
                for s in r.trace_summaries() {
                    // a trace updated at a sub-window's edge could come back in both
                    let Some(id) = s.id() else { continue };
                    if !seen.insert(id.to_string()) {
                        continue;
                    }
                    let listed_in = Window { start, end };
                    let mut summary = summary_from(s, &self.region, &self.model_annotation, &self.pricing, listed_in);
                    if let Some(scope) = account_scope(s, &self.region, &labels) {
                        summary.region = scope;
                    }
                    out.summaries.push(summary);
                    if out.summaries.len() >= self.max_summaries {
                        out.truncated = true;
                        break 'windows;
                    }
                }
                token = r.next_token().map(str::to_string).filter(|t| !t.is_empty());
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// BatchGetTraces, ≤5 ids a call, every page; returns the parsed traces and the ids X-Ray
    /// did not return.
    pub async fn fetch(&mut self, ids: &[String], now: i64) -> Result<(Vec<Trace>, Vec<String>), SourceError> {
        let mut traces = Vec::new();
        let mut unprocessed = Vec::new();
        for chunk in ids.chunks(MAX_IDS_PER_CALL) {
            // documents per trace id, in the order X-Ray returned them
            let mut docs: HashMap<String, (Vec<String>, bool)> = HashMap::new();
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let r = self
                    .client
                    .batch_get_traces()
                    .set_trace_ids(Some(chunk.to_vec()))
                    .set_next_token(token.clone())
                    .send()
                    .await;
                self.health.calls += 1;
                let r = match r {
                    Ok(r) => r,
                    Err(e) => {
                        let err = self.error("xray:BatchGetTraces", &e, now);
                        self.health.record_error(err.clone());
                        return Err(err);
                    }
                };
                for t in r.traces() {
                    // an in-progress trace can come back without an id: take it from a document
                    let id = t.id().map(str::to_string).or_else(|| {
                        t.segments().iter().find_map(|s| {
                            let d: Value = serde_json::from_str(s.document()?).ok()?;
                            d.get("trace_id")?.as_str().map(str::to_string)
                        })
                    });
                    let Some(id) = id else { continue };
                    let e = docs.entry(id).or_default();
                    e.1 |= t.limit_exceeded().unwrap_or(false);
                    e.0.extend(t.segments().iter().filter_map(|s| s.document().map(str::to_string)));
                }
                for u in r.unprocessed_trace_ids() {
                    if !unprocessed.contains(u) {
                        unprocessed.push(u.clone());
                    }
                }
                token = r.next_token().map(str::to_string).filter(|t| !t.is_empty());
                if token.is_none() {
                    break;
                }
            }
            self.health.traces_scanned += docs.len() as u64;
            for id in chunk {
                match docs.remove(id) {
                    Some((d, limit)) if !d.is_empty() => {
                        let mut t = parse_trace(id, &self.region, &d, &self.pricing);
                        t.limit_exceeded = limit;
                        traces.push(t);
                    }
                    // not returned at all (or with no documents): X-Ray does not have it
                    _ => {
                        if !unprocessed.contains(id) {
                            unprocessed.push(id.clone());
                        }
                    }
                }
            }
        }
        self.health.record_ok(now);
        Ok((traces, unprocessed))
    }
}

/// State of a trace task between requests: what to list, what to fetch.
#[derive(Debug, Default)]
pub(crate) struct Work {
    pub current: Option<TraceQuery>,
    pub list_due: bool,
    pub fetch: VecDeque<String>,
    pub region: String,
    /// A monitoring account's scopes listed here (`payments-prod/us-east-1`): fetched here too.
    pub scopes: Vec<String>,
}

impl Work {
    /// Take a command. Returns true when it replaces the list being made.
    pub fn take(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Refresh => {
                self.list_due |= self.current.is_some();
                false
            }
            Command::SetSince(s) => {
                if let Some(q) = &mut self.current
                    && matches!(q.range, TraceRange::Last(_))
                    && q.range != TraceRange::Last(s.secs())
                {
                    q.range = TraceRange::Last(s.secs());
                    self.list_due = true;
                    return true;
                }
                false
            }
            Command::Traces(TraceRequest::List(q)) => {
                self.current = Some(q);
                self.list_due = true;
                true
            }
            Command::Traces(TraceRequest::Fetch { region, ids, .. }) => {
                if region == self.region || self.scopes.contains(&region) {
                    for id in ids {
                        if !self.fetch.contains(&id) {
                            self.fetch.push_back(id);
                        }
                    }
                }
                false
            }
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

/// Run an X-Ray source until the UI goes away. `initial` is listed at once (so the list is
/// ready when the operator opens the traces pane).
pub fn spawn(
    mut src: XraySource,
    initial: Option<TraceQuery>,
    refresh: Duration,
    tx: UnboundedSender<Update>,
) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        let mut work =
            Work { list_due: initial.is_some(), current: initial, region: src.region.clone(), ..Default::default() };
        let mut retry_at: Option<tokio::time::Instant> = None;
        if tx.send(Update::Health(src.health.clone())).is_err() {
            return;
        }
        loop {
            while let Ok(cmd) = rx.try_recv() {
                if work.take(cmd) {
                    retry_at = None;
                }
            }
            let retry_ok = retry_at.is_none_or(|t| tokio::time::Instant::now() >= t);
            if work.list_due
                && retry_ok
                && let Some(q) = work.current.clone()
            {
                work.list_due = false;
                if tx
                    .send(Update::Traces(TracesUpdate::Listing { query: q.clone(), region: src.region.clone() }))
                    .is_err()
                {
                    return;
                }
                let now = aws::now();
                // a newer list request abandons this one; other commands just queue up
                let res = {
                    let fut = src.list(&q, now);
                    tokio::pin!(fut);
                    loop {
                        tokio::select! {
                            r = &mut fut => break Some(r),
                            cmd = rx.recv() => match cmd {
                                None => return,
                                Some(c) => if work.take(c) { break None },
                            },
                        }
                    }
                };
                work.scopes = src.scopes();
                let Some(res) = res else { continue };
                let u = match res {
                    Ok(list) => {
                        retry_at = None;
                        TracesUpdate::Listed(list)
                    }
                    Err(error) => {
                        let delay = super::next_delay(refresh, &src.health);
                        src.health.backoff_secs = delay.as_secs();
                        retry_at = Some(tokio::time::Instant::now() + delay);
                        work.list_due = true;
                        TracesUpdate::ListFailed { query: q, region: src.region.clone(), error }
                    }
                };
                if tx.send(Update::Traces(u)).is_err() || tx.send(Update::Health(src.health.clone())).is_err() {
                    return;
                }
                continue;
            }
            if !work.fetch.is_empty() {
                let n = work.fetch.len().min(MAX_IDS_PER_CALL);
                let ids: Vec<String> = work.fetch.drain(..n).collect();
                if tx.send(Update::Traces(TracesUpdate::Fetching { ids: ids.clone() })).is_err() {
                    return;
                }
                let u = match src.fetch(&ids, aws::now()).await {
                    Ok((traces, unprocessed)) => TracesUpdate::Fetched { traces, unprocessed },
                    Err(error) => TracesUpdate::FetchFailed { ids, error },
                };
                if tx.send(Update::Traces(u)).is_err() || tx.send(Update::Health(src.health.clone())).is_err() {
                    return;
                }
                continue;
            }
            // idle until a command, or until a failed list is due again
            let sleep = match retry_at {
                Some(t) if work.list_due => tokio::time::sleep_until(t),
                _ => tokio::time::sleep(Duration::from_secs(3600)),
            };
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => return,
                    Some(c) => if work.take(c) { retry_at = None },
                },
                _ = sleep => {},
            }
        }
    });
    ctx
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_xray::operation::batch_get_traces::{BatchGetTracesError, BatchGetTracesOutput};
    use aws_sdk_xray::operation::get_indexing_rules::GetIndexingRulesOutput;
    use aws_sdk_xray::operation::get_trace_segment_destination::GetTraceSegmentDestinationOutput;
    use aws_sdk_xray::operation::get_trace_summaries::{GetTraceSummariesError, GetTraceSummariesOutput};
    use aws_sdk_xray::types::{
        Http as XHttp, IndexingRule, IndexingRuleValue, ProbabilisticRuleValue, Segment, ServiceId, Trace as XTrace,
        TraceSegmentDestination, TraceSegmentDestinationStatus, TraceSummary as XSummary, ValueWithServiceIds,
    };
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::store::ErrorKind;

    const NOW: i64 = 1_800_000_000;
    const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    fn src(client: Client) -> XraySource {
        XraySource::new(client, "us-east-1", PriceTable::default(), "model_id", Some("prod"), None)
    }

    fn tid(n: u32) -> String {
        format!("1-{:08x}-{:024x}", NOW - 100, n)
    }

    fn summary(n: u32) -> XSummary {
        XSummary::builder()
            .id(tid(n))
            .start_time(DateTime::from_secs_f64((NOW - 100) as f64 + 0.25))
            .duration(2.5)
            .response_time(2.4)
            .has_fault(n.is_multiple_of(2))
            .has_error(false)
            .has_throttle(n.is_multiple_of(3))
            .build()
    }

    /// GetTraceSegmentDestination: spans go to X-Ray (the default, Transaction Search off).
    fn to_xray() -> Rule {
        destination(TraceSegmentDestination::XRay, TraceSegmentDestinationStatus::Active)
    }

    fn destination(d: TraceSegmentDestination, st: TraceSegmentDestinationStatus) -> Rule {
        mock!(Client::get_trace_segment_destination).then_output(move || {
            GetTraceSegmentDestinationOutput::builder().destination(d.clone()).status(st.clone()).build()
        })
    }

    fn rule(name: &str, desired: f64, actual: Option<f64>) -> IndexingRule {
        let p = ProbabilisticRuleValue::builder()
            .desired_sampling_percentage(desired)
            .set_actual_sampling_percentage(actual);
        IndexingRule::builder()
            .name(name)
            .modified_at(DateTime::from_secs(NOW - 86_400))
            .rule(IndexingRuleValue::Probabilistic(p.build().unwrap()))
            .build()
    }

    fn one_summary() -> Rule {
        mock!(Client::get_trace_summaries)
            .then_output(|| GetTraceSummariesOutput::builder().trace_summaries(summary(1)).build())
    }

    #[tokio::test]
    async fn transaction_search_on_labels_the_list_with_the_default_rules_percentage() {
        // the Default rule on the second page, behind a rule of another name; 1 % wanted, 0.8 %
        // applied (the applied one wins)
        let page1 = mock!(Client::get_indexing_rules).match_requests(|r| r.next_token().is_none()).then_output(|| {
            GetIndexingRulesOutput::builder().indexing_rules(rule("checkout", 50.0, None)).next_token("p2").build()
        });
        let page2 = mock!(Client::get_indexing_rules)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_output(|| GetIndexingRulesOutput::builder().indexing_rules(rule("Default", 1.0, Some(0.8))).build());
        let dest = destination(TraceSegmentDestination::CloudWatchLogs, TraceSegmentDestinationStatus::Active);
        let gts = one_summary();
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &dest, &page1, &page2]);
        let mut s = src(client);
        let q = TraceQuery::new(TraceRange::Last(3600), None);
        let l = s.list(&q, NOW).await.unwrap();
        let sm = l.sampling.clone().expect("sampling read");
        assert_eq!(sm.destination.as_deref(), Some("CloudWatchLogs"));
        assert_eq!((sm.desired_percent, sm.actual_percent), (Some(1.0), Some(0.8)));
        assert_eq!(sm.sampled(), crate::store::traces::Sampled::Yes);
        assert_eq!(sm.label().as_deref(), Some("0.8 % sample"));
        assert!(sm.error.is_none());
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
        // read again only after the TTL
        s.list(&q, NOW + 60).await.unwrap();
        assert_eq!(dest.num_calls(), 1);
        s.list(&q, NOW + SAMPLING_TTL_SECS).await.unwrap();
        assert_eq!(dest.num_calls(), 2);
        assert_eq!(s.health.calls, 3 + 3 + 1 + 2, "3 lists, 2 destinations, 3 rule pages");
        // the store labels the list and its counts
        let mut store = crate::store::traces::TraceStore::new("model_id");
        store.apply(TracesUpdate::Listed(l));
        assert_eq!(store.sampling_label().as_deref(), Some("0.8 % sample"));
        let r = store.report(5).unwrap();
        assert_eq!((r.sampled, r.sampling_percent, r.total), (Some(true), Some(0.8), 1));
    }

    #[tokio::test]
    async fn unreadable_indexing_rules_still_say_sample_and_the_list_stands() {
        let dest = destination(TraceSegmentDestination::CloudWatchLogs, TraceSegmentDestinationStatus::Active);
        let rules = mock!(Client::get_indexing_rules).then_error(|| {
            aws_sdk_xray::operation::get_indexing_rules::GetIndexingRulesError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User: x is not authorized to perform: xray:GetIndexingRules")
                    .build(),
            )
        });
        let gts = one_summary();
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &dest, &rules]);
        let mut s = src(client);
        let q = TraceQuery::new(TraceRange::Last(3600), None);
        let l = s.list(&q, NOW).await.unwrap();
        let sm = l.sampling.unwrap();
        assert_eq!(sm.label().as_deref(), Some("sample, rate unknown"));
        let e = sm.error.unwrap();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert!(e.hint.contains("xray:GetIndexingRules"), "{}", e.hint);
        assert!(!s.health.is_stale(), "the list itself worked");
        // a failed read is retried at the next list, whatever the TTL
        s.list(&q, NOW + 1).await.unwrap();
        assert_eq!(rules.num_calls(), 2);
    }

    #[tokio::test]
    async fn pending_or_unknown_destinations_are_not_called_complete() {
        let pending = destination(TraceSegmentDestination::CloudWatchLogs, TraceSegmentDestinationStatus::Pending);
        let rules = mock!(Client::get_indexing_rules)
            .then_output(|| GetIndexingRulesOutput::builder().indexing_rules(rule("Default", 5.0, None)).build());
        let gts = one_summary();
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &pending, &rules]);
        let l = src(client).list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap();
        let sm = l.sampling.unwrap();
        assert_eq!(sm.sampled(), crate::store::traces::Sampled::Unknown);
        assert_eq!(sm.label().as_deref(), Some("5 % sample? (Transaction Search PENDING)"));
        let denied = mock!(Client::get_trace_segment_destination).then_error(|| {
            aws_sdk_xray::operation::get_trace_segment_destination::GetTraceSegmentDestinationError::generic(
                ErrorMetadata::builder().code("AccessDeniedException").message("denied").build(),
            )
        });
        let gts = one_summary();
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &denied]);
        let mut s = src(client);
        let l = s.list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap();
        let sm = l.sampling.clone().unwrap();
        assert_eq!(sm.label().as_deref(), Some("sample? (Transaction Search unknown)"));
        assert!(sm.error.unwrap().hint.contains("xray:GetTraceSegmentDestination"));
        assert_eq!(l.summaries.len(), 1);
        let mut store = crate::store::traces::TraceStore::new("model_id");
        store.apply(TracesUpdate::Listed(l));
        let r = store.report(5).unwrap();
        assert_eq!((r.sampled, r.sampling_percent), (None, None), "unknown is not `false`");
        // Transaction Search off: no label, sampled false
        let gts = one_summary();
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &to_xray()]);
        let l = src(client).list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap();
        assert_eq!(l.sampling.as_ref().unwrap().label(), None);
        let mut store = crate::store::traces::TraceStore::new("model_id");
        store.apply(TracesUpdate::Listed(l));
        assert_eq!(store.report(5).unwrap().sampled, Some(false));
        assert_eq!(store.sampling_label(), None);
    }

    #[test]
    fn windows_split_into_six_hours_newest_first() {
        let w = Window { start: 0, end: 13 * 3600 };
        assert_eq!(split_window(w), vec![(7 * 3600, 13 * 3600), (3600, 7 * 3600), (0, 3600)]);
        assert_eq!(split_window(Window { start: 0, end: 3600 }), vec![(0, 3600)]);
        assert!(split_window(Window { start: 5, end: 5 }).is_empty());
    }

    #[tokio::test]
    async fn filter_expressions_are_sent_and_pages_and_windows_followed() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s1 = seen.clone();
        let first = mock!(Client::get_trace_summaries)
            .match_requests(|r| r.next_token().is_none())
            .then_compute_output(move |r| {
                s1.lock().unwrap().push((
                    r.start_time().unwrap().secs(),
                    r.end_time().unwrap().secs(),
                    r.filter_expression().map(str::to_string),
                    r.sampling(),
                ));
                assert_eq!(r.time_range_type(), Some(&TimeRangeType::Event), "by update time, not by id");
                let more = r.end_time().unwrap().secs() == NOW; // the newest window has two pages
                let mut b = GetTraceSummariesOutput::builder().traces_processed_count(10);
                if more {
                    b = b.trace_summaries(summary(1)).next_token("p2");
                } else {
                    b = b.trace_summaries(summary(3));
                }
                b.build()
            });
        let s2 = seen.clone();
        let second = mock!(Client::get_trace_summaries)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_compute_output(move |r| {
                s2.lock().unwrap().push((
                    r.start_time().unwrap().secs(),
                    r.end_time().unwrap().secs(),
                    r.filter_expression().map(str::to_string),
                    r.sampling(),
                ));
                GetTraceSummariesOutput::builder().trace_summaries(summary(2)).traces_processed_count(5).build()
            });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&first, &second, &to_xray()]);
        let mut s = src(client);
        let filter = format!("annotation.model_id = \"{SONNET}\" AND throttle");
        let q = TraceQuery::new(TraceRange::Fixed(Window { start: NOW - 8 * 3600, end: NOW }), Some(filter.clone()));
        let l = s.list(&q, NOW).await.unwrap();
        let calls = seen.lock().unwrap().clone();
        let f = Some(filter);
        assert_eq!(
            calls,
            vec![
                (NOW - 6 * 3600, NOW, f.clone(), Some(false)),
                (NOW - 6 * 3600, NOW, f.clone(), Some(false)),
                (NOW - 8 * 3600, NOW - 6 * 3600, f, Some(false)),
            ]
        );
        let ids: Vec<&str> = l.summaries.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, [tid(1), tid(2), tid(3)]);
        assert_eq!(l.processed, 25);
        assert_eq!(s.health.traces_scanned, 25);
        assert_eq!(s.health.calls, 4, "3 GetTraceSummaries and 1 GetTraceSegmentDestination");
        assert!(!l.truncated);
        assert!((l.summaries[0].start - ((NOW - 100) as f64 + 0.25)).abs() < 1e-6);
        assert!(l.summaries[1].fault && !l.summaries[0].fault);
        assert!(l.summaries[2].throttle);
    }

    #[tokio::test]
    async fn no_filter_sends_none_and_the_cap_truncates() {
        let n = Arc::new(Mutex::new(0u32));
        let gts = mock!(Client::get_trace_summaries).then_compute_output(move |r| {
            assert_eq!(r.filter_expression(), None);
            let mut n = n.lock().unwrap();
            *n += 2;
            GetTraceSummariesOutput::builder()
                .trace_summaries(summary(*n - 1))
                .trace_summaries(summary(*n))
                .next_token("again")
                .build()
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &to_xray()]);
        let mut s = src(client);
        s.max_summaries = 5;
        let l = s.list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap();
        assert_eq!(l.summaries.len(), 5);
        assert!(l.truncated);
        assert_eq!(gts.num_calls(), 3);
        assert_eq!(l.window, Window { start: NOW - 3600, end: NOW });
    }

    #[tokio::test]
    async fn a_trace_listed_in_two_sub_windows_is_counted_once() {
        // by update time, a trace updated at a 6 h boundary can be in both requests' answers
        let gts = mock!(Client::get_trace_summaries).then_compute_output(|r| {
            let newest = r.end_time().unwrap().secs() == NOW;
            let b = GetTraceSummariesOutput::builder().trace_summaries(summary(1));
            if newest { b.trace_summaries(summary(2)).build() } else { b.build() }
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &to_xray()]);
        let q = TraceQuery::new(TraceRange::Fixed(Window { start: NOW - 8 * 3600, end: NOW }), None);
        let l = src(client).list(&q, NOW).await.unwrap();
        assert_eq!(gts.num_calls(), 2);
        let ids: Vec<&str> = l.summaries.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, [tid(1), tid(2)]);
    }

    #[tokio::test]
    async fn summaries_carry_root_operation_status_and_models() {
        let gts = mock!(Client::get_trace_summaries).then_output(|| {
            let ann = |v: AnnotationValue| ValueWithServiceIds::builder().annotation_value(v).build();
            GetTraceSummariesOutput::builder()
                .trace_summaries(
                    XSummary::builder()
                        .id(tid(7))
                        .entry_point(ServiceId::builder().name("rag-api").r#type("AWS::ECS::Container").build())
                        .http(
                            XHttp::builder()
                                .http_method("POST")
                                .http_url("https://api.example.com/v1/query?x=1")
                                .http_status(429)
                                .build(),
                        )
                        .annotations("model_id", vec![ann(AnnotationValue::StringValue(SONNET.into()))])
                        .annotations("input_tokens", vec![ann(AnnotationValue::NumberValue(1000.0))])
                        .annotations("output_tokens", vec![ann(AnnotationValue::NumberValue(100.0))])
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &to_xray()]);
        let l = src(client).list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap();
        let s = &l.summaries[0];
        assert_eq!(s.root.as_deref(), Some("rag-api"));
        assert_eq!(s.operation.as_deref(), Some("POST /v1/query"));
        assert_eq!(s.http_status, Some(429));
        assert_eq!(s.models, vec![SONNET]);
        assert_eq!(s.genai.tokens(), Some(1100.0));
        assert!((s.genai.cost_usd.unwrap() - (1000.0 * 3.0 + 100.0 * 15.0) / 1e6).abs() < 1e-12);
        // no StartTime: where it was listed, marked as estimated; not the id's time
        assert_eq!(s.start, (NOW - 3600) as f64);
        assert!(s.start_estimated);
    }

    #[tokio::test]
    async fn throttling_is_classified_and_kept_as_health() {
        let gts = mock!(Client::get_trace_summaries).then_error(|| {
            GetTraceSummariesError::ThrottledException(
                aws_sdk_xray::types::error::ThrottledException::builder()
                    .message("Rate exceeded")
                    .meta(ErrorMetadata::builder().code("ThrottledException").message("Rate exceeded").build())
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &to_xray()]);
        let mut s = src(client);
        let err = s.list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Throttled);
        assert_eq!(err.code.as_deref(), Some("ThrottledException"));
        assert!(s.health.is_stale());
        assert_eq!(s.health.consecutive_failures, 1);
        assert!(s.health.last_error.is_some());
        let d = super::super::next_delay(Duration::from_secs(60), &s.health);
        assert_eq!(d, Duration::from_secs(60), "throttling backs off at least the refresh");
    }

    #[tokio::test]
    async fn access_denied_names_the_action() {
        let gts = mock!(Client::get_trace_summaries).then_error(|| {
            GetTraceSummariesError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User: x is not authorized to perform: xray:GetTraceSummaries")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts, &to_xray()]);
        let err = src(client).list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert!(err.hint.contains("xray:GetTraceSummaries"), "{}", err.hint);
    }

    fn doc(trace: &str, id: &str, parent: Option<&str>, name: &str, t0: f64, t1: f64) -> String {
        let mut d = serde_json::json!({"name": name, "id": id, "trace_id": trace, "start_time": t0, "end_time": t1});
        if let Some(p) = parent {
            d["parent_id"] = p.into();
            d["type"] = "subsegment".into();
        }
        d.to_string()
    }

    #[tokio::test]
    async fn batch_get_traces_five_at_a_time_pages_merged_unprocessed_reported() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let a2 = asked.clone();
        let page1 = mock!(Client::batch_get_traces).match_requests(|r| r.next_token().is_none()).then_compute_output(
            move |r| {
                a2.lock().unwrap().push(r.trace_ids().to_vec());
                let ids = r.trace_ids();
                let mut b = BatchGetTracesOutput::builder();
                if ids.contains(&tid(1)) {
                    // trace 1's segment now, its separately-sent subsegment on the next page
                    b = b
                        .traces(
                            XTrace::builder()
                                .id(tid(1))
                                .segments(
                                    Segment::builder()
                                        .id("a")
                                        .document(doc(&tid(1), "a", None, "rag-api", 1.0, 3.0))
                                        .build(),
                                )
                                .build(),
                        )
                        .unprocessed_trace_ids(tid(2))
                        .next_token("more");
                } else {
                    b = b.traces(
                        XTrace::builder()
                            .id(tid(6))
                            .limit_exceeded(true)
                            .segments(
                                Segment::builder().id("z").document(doc(&tid(6), "z", None, "big", 1.0, 2.0)).build(),
                            )
                            .build(),
                    );
                }
                b.build()
            },
        );
        let page2 =
            mock!(Client::batch_get_traces).match_requests(|r| r.next_token() == Some("more")).then_output(move || {
                BatchGetTracesOutput::builder()
                    .traces(
                        XTrace::builder()
                            .id(tid(1))
                            .segments(
                                Segment::builder()
                                    .id("b")
                                    .document(doc(&tid(1), "b", Some("a"), "llm_generation", 1.5, 2.5))
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&page1, &page2]);
        let mut s = src(client);
        let ids: Vec<String> = (1..=6).map(tid).collect();
        let (traces, unprocessed) = s.fetch(&ids, NOW).await.unwrap();
        let asked = asked.lock().unwrap().clone();
        assert_eq!(asked.iter().map(Vec::len).collect::<Vec<_>>(), vec![5, 1]);
        assert_eq!(page2.num_calls(), 1);
        assert_eq!(traces.len(), 2);
        let t1 = &traces[0];
        assert_eq!(t1.id, tid(1));
        assert_eq!(t1.spans.len(), 2, "the subsegment on page 2 was merged into the trace");
        let order: Vec<&str> = t1.preorder().iter().map(|i| t1.span(*i).name.as_str()).collect();
        assert_eq!(order, ["rag-api", "llm_generation"]);
        assert!(traces[1].limit_exceeded);
        // 2 was unprocessed; 3, 4 and 5 were not returned at all
        assert_eq!(unprocessed, vec![tid(2), tid(3), tid(4), tid(5)]);
        assert_eq!(s.health.traces_scanned, 2);
    }

    #[tokio::test]
    async fn batch_get_traces_throttled() {
        let bgt = mock!(Client::batch_get_traces).then_error(|| {
            BatchGetTracesError::ThrottledException(
                aws_sdk_xray::types::error::ThrottledException::builder()
                    .meta(ErrorMetadata::builder().code("ThrottledException").message("Rate exceeded").build())
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&bgt]);
        let mut s = src(client);
        let err = s.fetch(&[tid(1)], NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Throttled);
        assert!(s.health.is_stale());
    }

    #[test]
    fn work_takes_commands() {
        let mut w = Work { region: "us-east-1".into(), ..Default::default() };
        assert!(!w.take(Command::Refresh));
        assert!(!w.list_due, "nothing to refresh yet");
        let q = TraceQuery::new(TraceRange::Last(3600), None);
        assert!(w.take(Command::Traces(TraceRequest::List(q.clone()))));
        assert!(w.list_due);
        w.list_due = false;
        assert!(w.take(Command::SetSince(crate::domain::window::Since::from_secs(900))));
        assert_eq!(w.current.as_ref().unwrap().range, TraceRange::Last(900));
        assert_eq!(w.current.as_ref().unwrap().seq, q.seq, "same query, new window");
        w.take(Command::Traces(TraceRequest::Fetch {
            region: "eu-west-1".into(),
            ids: vec!["x".into()],
            windows: Default::default(),
        }));
        assert!(w.fetch.is_empty(), "another region's fetch");
        w.take(Command::Traces(TraceRequest::Fetch {
            region: "us-east-1".into(),
            ids: vec!["x".into(), "x".into()],
            windows: Default::default(),
        }));
        assert_eq!(w.fetch.len(), 1);
        // a fixed window does not follow the console's
        let fixed = TraceQuery::new(TraceRange::Fixed(Window { start: 0, end: 60 }), None);
        w.take(Command::Traces(TraceRequest::List(fixed)));
        w.list_due = false;
        assert!(!w.take(Command::SetSince(crate::domain::window::Since::from_secs(3600))));
        assert!(!w.list_due);
    }
}
