//! The CloudWatch metrics source: discovers metrics with ListMetrics, fetches them with
//! GetMetricData (≤500 queries a call, following NextToken), polls incrementally, and records
//! its health and what it has cost.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::types::{Dimension, MessageData, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode};
use aws_smithy_types::DateTime;

use super::aws::{ErrorContext, classify};
use crate::domain::catalog::{BEDROCK_NAMESPACE, BedrockMetric, PLATFORM_NAMESPACES, custom_stat, extra_stats};
use crate::domain::window::{Coarseness, Resolution, Since, Window};
use crate::store::{MetricsUpdate, Partial, SeriesKey, SourceError, SourceHealth};

mod org;
pub use org::Org;

/// GetMetricData accepts at most this many queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;
/// Periods re-read on every incremental poll, because CloudWatch data arrives late.
pub const LATE_PERIODS: i64 = 5;
/// Re-run discovery this often (new models and metrics appear).
pub const DISCOVERY_EVERY_SECS: i64 = 600;
/// A query answered with StatusCode `InternalError` is asked for again at most this often.
pub const INTERNAL_ERROR_RETRIES: usize = 2;

/// A metric found by ListMetrics: namespace, name, full dimension set (sorted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FoundMetric {
    pub namespace: String,
    pub name: String,
    pub dims: Vec<(String, String)>,
    /// The account that owns it, when a monitoring account lists its source accounts' metrics
    /// (ListMetrics `OwningAccounts`, one per metric).
    pub account: Option<String>,
}

/// Per-minute resolution up to a day; 5-minute beyond (CloudWatch keeps 1-minute data 15 days,
/// but a week of minutes is more than any pane can show). The poller also heeds the start's age
/// ([`Resolution::for_window`]); this is the length rule alone, for data of now (the demo).
pub fn period_for(window: &Window) -> i64 {
    if window.secs() <= 86400 { 60 } else { 300 }
}

/// The last successful per-period fetch.
#[derive(Debug, Clone, Copy)]
struct Fetched {
    start: i64,
    end: i64,
    period: i64,
}

/// Polls one region. Keeps at most one request in flight by construction (it is awaited).
pub struct MetricsPoller {
    client: Client,
    region: String,
    custom_namespaces: Vec<String>,
    ctx: ErrorContext,
    pub health: SourceHealth,
    found: Vec<FoundMetric>,
    discovered_at: Option<i64>,
    fetched: Option<Fetched>,
    /// The per-period range the last poll asked for (for tests and the status line).
    pub last_range: Option<(i64, i64)>,
    /// What the last poll could not get.
    last_holes: Holes,
    /// The Region the requests go to (`region` is the label the data carries).
    aws_region: String,
    /// A monitoring account's links and account names (None: the account is read alone).
    org: Option<Org>,
    /// The polling plan (None: every query every poll, as `--once` reads).
    planner: Option<crate::sources::plan::Planner>,
    /// Updates besides the metrics for the loop to send (accounts, the plan).
    pending: Vec<crate::store::Update>,
}

impl MetricsPoller {
    pub fn new(
        client: Client,
        region: &str,
        custom_namespaces: Vec<String>,
        profile: Option<&str>,
        endpoint: Option<&str>,
    ) -> Self {
        Self {
            client,
            region: region.into(),
            custom_namespaces,
            ctx: ErrorContext::new("cloudwatch:ListMetrics", profile, Some(region), endpoint),
            health: SourceHealth::new("cloudwatch", Some(region)),
            found: Vec::new(),
            discovered_at: None,
            fetched: None,
            last_range: None,
            last_holes: Holes::default(),
            aws_region: region.into(),
            org: None,
            planner: None,
            pending: Vec::new(),
        }
    }

    /// Tag this source's data with `label` instead of the bare region (`prod/us-east-1` when
    /// several profiles are watched); its requests still go to the region it was built for.
    pub fn labelled(mut self, label: &str) -> Self {
        self.region = label.into();
        self.health.region = Some(label.into());
        self
    }

    pub fn found(&self) -> &[FoundMetric] {
        &self.found
    }

    /// Force discovery and a full re-read on the next poll.
    pub fn reset(&mut self) {
        self.discovered_at = None;
        self.fetched = None;
        if let Some(p) = self.planner.as_mut() {
            p.reset();
        }
    }

    /// One poll: discovery when due, then the per-period series (incremental after the first
    /// load) and the whole-window figures. Records health either way.
    pub async fn poll(&mut self, since: Since, now: i64) -> Result<MetricsUpdate, SourceError> {
        self.health.loading = self.fetched.is_none();
        let res = self.poll_inner(since, now).await;
        self.finish(&res, now);
        res
    }

    fn finish(&mut self, res: &Result<MetricsUpdate, SourceError>, now: i64) {
        match res {
            Ok(u) => {
                // a poll with holes is never recorded healthy
                match self.last_holes.partial() {
                    Some(p) => self.health.record_partial(now, p),
                    None => self.health.record_ok(now),
                }
                self.health.messages = std::mem::take(&mut self.last_holes.messages);
                let newest = u.series.iter().filter_map(|(_, p)| p.iter().map(|(t, _)| *t).max()).max();
                if newest > self.health.newest_data {
                    self.health.newest_data = newest;
                }
            }
            Err(e) => {
                self.health.record_error(e.clone());
                self.health.messages.clear();
            }
        }
        self.last_holes = Holes::default();
    }

    /// One poll of an explicit window (a fixed past range, or the live one).
    pub async fn poll_window(&mut self, window: Window, now: i64) -> Result<MetricsUpdate, SourceError> {
        self.health.loading = self.fetched.is_none();
        let res = self.poll_inner_window(window, now).await;
        self.finish(&res, now);
        res
    }

    async fn poll_inner(&mut self, since: Since, now: i64) -> Result<MetricsUpdate, SourceError> {
        self.poll_inner_window(since.window_ending(now), now).await
    }

    async fn poll_inner_window(&mut self, window: Window, now: i64) -> Result<MetricsUpdate, SourceError> {
        if self.discovered_at.is_none_or(|t| now - t >= DISCOVERY_EVERY_SECS) {
            self.discover(now).await?;
            self.discovered_at = Some(now);
        }
        // Periods from the window's length AND its start's age: CloudWatch returns no datapoints
        // at all for an old StartTime with a period that breaks its rule.
        let resolution = Resolution::for_window(&window, now);
        let window = resolution.align(window);
        let period = resolution.period;
        let mut update = MetricsUpdate { window, period, resolution, ..Default::default() };
        let mut holes = Holes::default();
        let (series_q, window_q) = self.queries();
        if resolution.why == Coarseness::Expired {
            // nothing is kept this old: no request would return anything, and nothing from
            // another window may stand in for it
            update.series = series_q.into_iter().map(|(k, _)| (k, Vec::new())).collect();
            update.window_values = window_q.into_iter().map(|(k, _)| (k, None)).collect();
            self.last_range = None;
            self.fetched = None;
            self.last_holes = holes;
            return Ok(update);
        }
        if let Some(p) = self.planner.as_mut() {
            // a new resolution or an earlier window: everything is read again, whole
            if !self.fetched.is_some_and(|f| f.period == period && f.start <= window.start) {
                p.reset();
            }
            return self.poll_planned(window, resolution, series_q, window_q, update, now).await;
        }
        let from = match self.fetched {
            // Incremental: the window slid forward (or stayed) at the same resolution, so only
            // the newest periods are read, re-reading the last few because data arrives late.
            Some(f) if f.period == period && f.start <= window.start && f.end > window.start => {
                let from = (f.end - LATE_PERIODS * period).max(window.start);
                window.start + (from - window.start).div_euclid(period) * period
            }
            _ => window.start,
        };
        self.last_range = Some((from, window.end));
        let series = self.fetch(&series_q, from, window.end, period, now, &mut holes, "").await?;
        for (i, (key, _)) in series_q.iter().enumerate() {
            update.series.push((key.clone(), series.get(&i).cloned().unwrap_or_default()));
        }
        if !window_q.is_empty() {
            let figures = self
                .fetch(&window_q, window.start, window.end, resolution.window_period, now, &mut holes, " (window)")
                .await?;
            for (i, (key, _)) in window_q.iter().enumerate() {
                // a figure that stayed InternalError is unknown (None), and said missing
                let v = figures
                    .get(&i)
                    .and_then(|p| p.iter().find(|(t, _)| *t == window.start).or(p.first()).map(|(_, v)| *v));
                update.window_values.push((key.clone(), v));
            }
        }
        // A poll with holes is read again whole next time, not incrementally past the holes.
        self.fetched = holes.is_empty().then_some(Fetched { start: window.start, end: window.end, period });
        self.last_holes = holes;
        self.after_full_read(&series_q, &window_q);
        Ok(update)
    }

    /// The namespaces discovery lists: AWS/Bedrock, each custom namespace, and Bedrock's platform
    /// namespaces (guardrails, agents, knowledge bases, every AgentCore spelling), each once.
    pub fn namespaces(&self) -> Vec<String> {
        let mut namespaces = vec![BEDROCK_NAMESPACE.to_string()];
        for ns in self.custom_namespaces.iter().map(String::as_str).chain(PLATFORM_NAMESPACES.iter().copied()) {
            if !namespaces.iter().any(|n| n == ns) {
                namespaces.push(ns.to_string());
            }
        }
        namespaces
    }

    /// ListMetrics over [`Self::namespaces`], deduplicated.
    async fn discover(&mut self, now: i64) -> Result<(), SourceError> {
        if self.org.is_some() && self.read_org(now).await {
            return self.discover_linked(now).await;
        }
        let mut found = BTreeSet::new();
        let namespaces = self.namespaces();
        for ns in namespaces {
            let mut token: Option<String> = None;
            loop {
                let out = self.client.list_metrics().namespace(&ns).set_next_token(token.clone()).send().await;
                self.health.calls += 1;
                self.health.other_requests += 1;
                let out = out.map_err(|e| {
                    let ctx = ErrorContext { action: "cloudwatch:ListMetrics".into(), ..self.ctx.clone() };
                    classify(&e, &ctx, now)
                })?;
                for m in out.metrics() {
                    let (Some(namespace), Some(name)) = (m.namespace(), m.metric_name()) else { continue };
                    let mut dims: Vec<(String, String)> = m
                        .dimensions()
                        .iter()
                        .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
                        .collect();
                    dims.sort();
                    if namespace == BEDROCK_NAMESPACE
                        && (BedrockMetric::from_name(name).is_none() || dims.len() != 1 || dims[0].0 != "ModelId")
                    {
                        continue;
                    }
                    found.insert(FoundMetric {
                        namespace: namespace.to_string(),
                        name: name.to_string(),
                        dims,
                        account: None,
                    });
                }
                token = out.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        self.found = found.into_iter().collect();
        Ok(())
    }

    /// The per-period queries and the whole-window queries for everything discovered.
    pub fn queries(&self) -> (Vec<Query>, Vec<Query>) {
        let mut series = Vec::new();
        let mut window = Vec::new();
        for f in &self.found {
            let dims: Vec<(&str, &str)> = f.dims.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let spec = |stat: &str| MetricSpec {
                namespace: f.namespace.clone(),
                name: f.name.clone(),
                dims: f.dims.clone(),
                stat: stat.to_string(),
                account: f.account.clone(),
                period: None,
            };
            let scope = self.scope_of(f.account.as_deref());
            let key = |stat: &str| SeriesKey::new(&scope, &f.namespace, &f.name, &dims, stat);
            if f.namespace == BEDROCK_NAMESPACE {
                let Some(m) = BedrockMetric::from_name(&f.name) else { continue };
                for s in m.series_stats() {
                    series.push((key(s), spec(s)));
                }
                for s in m.window_stats() {
                    window.push((key(s), spec(s)));
                }
            } else {
                let s = custom_stat(&f.namespace, &f.name);
                series.push((key(s), spec(s)));
                if !crate::domain::catalog::is_additive(s) {
                    window.push((key(s), spec(s)));
                }
                // percentiles some widgets draw (faithfulness p50/p90/p99, cost per query p95)
                for x in extra_stats(&f.namespace, &f.name).iter().filter(|x| **x != s) {
                    series.push((key(x), spec(x)));
                    window.push((key(x), spec(x)));
                }
            }
        }
        (series, window)
    }

    /// GetMetricData for `queries` over [start, end) at `period`, batched ≤500 a call and
    /// following NextToken. Returns points per query index, oldest first.
    ///
    /// A result with StatusCode `InternalError` is asked for again, at most
    /// [`INTERNAL_ERROR_RETRIES`] times ("Retry your request using NextToken, if present":
    /// MetricDataResult, GetMetricData API reference): the queries that failed alone when it was
    /// the first page, else the same page again (a token belongs to the query set it came with).
    /// Queries still failing go into `holes` (tagged with `what`), with CloudWatch's `Messages`.
    #[allow(clippy::too_many_arguments)]
    async fn fetch(
        &mut self,
        queries: &[Query],
        start: i64,
        end: i64,
        period: i64,
        now: i64,
        holes: &mut Holes,
        what: &str,
    ) -> Result<HashMap<usize, Vec<(i64, f64)>>, SourceError> {
        let mut out: HashMap<usize, Vec<(i64, f64)>> = HashMap::new();
        for (chunk_no, chunk) in queries.chunks(MAX_QUERIES_PER_CALL).enumerate() {
            let base = chunk_no * MAX_QUERIES_PER_CALL;
            let built: Vec<MetricDataQuery> =
                chunk.iter().enumerate().map(|(i, (_, spec))| spec.query(&format!("q{}", base + i), period)).collect();
            let mut token: Option<String> = None;
            loop {
                let page = self.get_page(&built, start, end, token.clone(), now).await?;
                let mut failed = self.take_page(&page, queries, &mut out, None, holes, now)?;
                let mut retries = 0;
                while !failed.is_empty() && retries < INTERNAL_ERROR_RETRIES {
                    retries += 1;
                    let again: Vec<MetricDataQuery> = if token.is_none() {
                        built
                            .iter()
                            .filter(|q| q.id().and_then(query_index).is_some_and(|i| failed.contains(&i)))
                            .cloned()
                            .collect()
                    } else {
                        built.clone()
                    };
                    let retry = self.get_page(&again, start, end, token.clone(), now).await?;
                    failed = self.take_page(&retry, queries, &mut out, Some(&failed), holes, now)?;
                }
                for i in failed {
                    let label = queries.get(i).map(|(k, _)| format!("{} {}", k.label(), k.stat)).unwrap_or_default();
                    holes.add(i, what, format!("{label}{what}"));
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        for v in out.values_mut() {
            v.sort_by_key(|(t, _)| *t);
            v.dedup_by_key(|(t, _)| *t);
        }
        Ok(out)
    }

    /// One GetMetricData call, counted.
    async fn get_page(
        &mut self,
        built: &[MetricDataQuery],
        start: i64,
        end: i64,
        token: Option<String>,
        now: i64,
    ) -> Result<GetMetricDataOutput, SourceError> {
        let res = self
            .client
            .get_metric_data()
            .set_metric_data_queries(Some(built.to_vec()))
            .start_time(DateTime::from_secs(start))
            .end_time(DateTime::from_secs(end))
            .scan_by(ScanBy::TimestampAscending)
            .set_next_token(token)
            .send()
            .await;
        self.health.calls += 1;
        self.health.metrics_requested += built.len() as u64;
        res.map_err(|e| {
            let ctx = ErrorContext { action: "cloudwatch:GetMetricData".into(), ..self.ctx.clone() };
            classify(&e, &ctx, now)
        })
    }

    /// Take one page's points into `out` (only the queries in `only`, when retrying) and its
    /// messages into `holes`; returns the query indices whose status is `InternalError`.
    fn take_page(
        &self,
        page: &GetMetricDataOutput,
        queries: &[Query],
        out: &mut HashMap<usize, Vec<(i64, f64)>>,
        only: Option<&BTreeSet<usize>>,
        holes: &mut Holes,
        now: i64,
    ) -> Result<BTreeSet<usize>, SourceError> {
        // "If there is a message, as much of the operation as possible is still executed":
        // a top-level message means the answer may be short (GetMetricData, Messages)
        for m in page.messages() {
            holes.message(message_text(m));
            holes.incomplete = true;
        }
        let mut failed = BTreeSet::new();
        for r in page.metric_data_results() {
            let Some(idx) = r.id().and_then(query_index) else { continue };
            if only.is_some_and(|o| !o.contains(&idx)) {
                continue;
            }
            for m in r.messages() {
                let label = queries.get(idx).map(|q| format!("{} {}: ", q.0.label(), q.0.stat)).unwrap_or_default();
                holes.message(format!("{label}{}", message_text(m)));
            }
            match r.status_code() {
                Some(StatusCode::Forbidden) => {
                    return Err(SourceError {
                        kind: crate::store::ErrorKind::AccessDenied,
                        code: Some("Forbidden".into()),
                        message: format!(
                            "GetMetricData was refused for {}",
                            queries.get(idx).map(|q| q.0.label()).unwrap_or_default()
                        ),
                        hint: "allow cloudwatch:GetMetricData on this account (cross-account: check the OAM link)"
                            .into(),
                        at: now,
                    });
                }
                Some(StatusCode::InternalError) => {
                    // its points are not to be trusted: asked for again
                    failed.insert(idx);
                    continue;
                }
                _ => {}
            }
            let e = out.entry(idx).or_default();
            e.extend(r.timestamps().iter().map(|t| t.secs()).zip(r.values().iter().copied()));
        }
        Ok(failed)
    }
}

/// `q17` → 17.
fn query_index(id: &str) -> Option<usize> {
    id.strip_prefix('q')?.parse().ok()
}

/// `Code: text`, sanitised and cut.
fn message_text(m: &MessageData) -> String {
    let text = match (m.code(), m.value()) {
        (Some(c), Some(v)) => format!("{c}: {v}"),
        (Some(c), None) => c.to_string(),
        (None, Some(v)) => v.to_string(),
        (None, None) => String::new(),
    };
    let text = crate::sanitize::one_line(&text);
    if text.chars().count() > 200 { text.chars().take(199).chain(['…']).collect() } else { text }
}

/// What one poll could not get: queries still `InternalError` after the retries, and what
/// CloudWatch said.
#[derive(Debug, Clone, Default)]
struct Holes {
    /// (query index, which fetch) of each missing query.
    failed: BTreeSet<(usize, String)>,
    /// Labels of what is missing, in the order found.
    missing: Vec<String>,
    messages: Vec<String>,
    /// A top-level message: the answer may be short.
    incomplete: bool,
}

/// At most this many messages are kept per poll.
const MAX_MESSAGES: usize = 10;

impl Holes {
    fn add(&mut self, idx: usize, what: &str, label: String) {
        if self.failed.insert((idx, what.to_string())) {
            self.missing.push(label);
        }
    }
    fn message(&mut self, m: String) {
        if !m.is_empty() && !self.messages.contains(&m) && self.messages.len() < MAX_MESSAGES {
            self.messages.push(m);
        }
    }
    fn is_empty(&self) -> bool {
        self.failed.is_empty() && !self.incomplete
    }
    /// What the health says is missing.
    fn partial(&self) -> Option<Partial> {
        if self.is_empty() {
            return None;
        }
        let mut missing = self.missing.clone();
        if self.incomplete {
            missing.push("part of the answer (CloudWatch said so: see messages)".into());
        }
        Some(Partial { missing })
    }
}

/// A query and the series its result belongs to.
pub type Query = (SeriesKey, MetricSpec);

/// What one GetMetricData query asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    pub namespace: String,
    pub name: String,
    pub dims: Vec<(String, String)>,
    pub stat: String,
    /// The source account to read it from (GetMetricData `AccountId`, in a monitoring account).
    pub account: Option<String>,
    /// Its own period, when it differs from the call's (a whole-window figure read in the same
    /// call as per-minute series).
    pub period: Option<i64>,
}

impl MetricSpec {
    fn query(&self, id: &str, period: i64) -> MetricDataQuery {
        let metric = Metric::builder()
            .namespace(&self.namespace)
            .metric_name(&self.name)
            .set_dimensions(Some(
                self.dims.iter().map(|(k, v)| Dimension::builder().name(k).value(v).build()).collect(),
            ))
            .build();
        let period = self.period.unwrap_or(period);
        let stat = MetricStat::builder().metric(metric).period(period as i32).stat(&self.stat).build();
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(stat)
            .return_data(true)
            .set_account_id(self.account.clone())
            .build()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_cloudwatch::operation::get_metric_data::{GetMetricDataError, GetMetricDataOutput};
    use aws_sdk_cloudwatch::operation::list_metrics::{ListMetricsError, ListMetricsOutput};
    use aws_sdk_cloudwatch::types::{MetricDataResult, StatusCode};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::store::ErrorKind;

    const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const NOW: i64 = 1_800_000_000; // minute-aligned

    fn metric(ns: &str, name: &str, dims: &[(&str, &str)]) -> aws_sdk_cloudwatch::types::Metric {
        Metric::builder()
            .namespace(ns)
            .metric_name(name)
            .set_dimensions(Some(dims.iter().map(|(k, v)| Dimension::builder().name(*k).value(*v).build()).collect()))
            .build()
    }

    fn result(id: &str, points: &[(i64, f64)], status: StatusCode) -> MetricDataResult {
        MetricDataResult::builder()
            .id(id)
            .set_timestamps(Some(points.iter().map(|(t, _)| DateTime::from_secs(*t)).collect()))
            .set_values(Some(points.iter().map(|(_, v)| *v).collect()))
            .status_code(status)
            .build()
    }

    #[tokio::test]
    async fn discovery_follows_next_token_filters_and_dedups() {
        let page1 = mock!(Client::list_metrics)
            .match_requests(|r| r.namespace() == Some(BEDROCK_NAMESPACE) && r.next_token().is_none())
            .then_output(|| {
                ListMetricsOutput::builder()
                    .metrics(metric(BEDROCK_NAMESPACE, "Invocations", &[("ModelId", MODEL)]))
                    .metrics(metric(BEDROCK_NAMESPACE, "Invocations", &[("ModelId", MODEL), ("ServiceTier", "flex")]))
                    .metrics(metric(BEDROCK_NAMESPACE, "ModelInvocationLogsCloudWatchDeliverySuccess", &[]))
                    .next_token("page-2")
                    .build()
            });
        let page2 = mock!(Client::list_metrics)
            .match_requests(|r| r.namespace() == Some(BEDROCK_NAMESPACE) && r.next_token() == Some("page-2"))
            .then_output(|| {
                ListMetricsOutput::builder()
                    .metrics(metric(BEDROCK_NAMESPACE, "CacheReadInputTokenCount", &[("ModelId", MODEL)]))
                    .metrics(metric(BEDROCK_NAMESPACE, "Invocations", &[("ModelId", MODEL)]))
                    .metrics(metric(BEDROCK_NAMESPACE, "InvocationLatency", &[("ModelId", MODEL)]))
                    .build()
            });
        let custom = mock!(Client::list_metrics)
            .match_requests(|r| r.namespace() == Some("GenAI/Quality"))
            .then_output(|| ListMetricsOutput::builder().metrics(metric("GenAI/Quality", "Faithfulness", &[])).build());
        // the platform namespaces are probed too, AgentCore under every spelling
        let platform_seen = Arc::new(Mutex::new(Vec::new()));
        let seen = platform_seen.clone();
        let platform = mock!(Client::list_metrics)
            .match_requests(|r| r.namespace().is_some_and(crate::domain::catalog::is_platform_namespace))
            .then_compute_output(move |r| {
                let ns = r.namespace().unwrap().to_string();
                seen.lock().unwrap().push(ns.clone());
                let b = ListMetricsOutput::builder();
                match ns.as_str() {
                    "AWS/Bedrock/Guardrails" => b
                        .metrics(metric(&ns, "InvocationsIntervened", &[("GuardrailContentSource", "Output")]))
                        // moto lists a metric with two dimensions once per datapoint
                        .metrics(metric(
                            &ns,
                            "Invocations",
                            &[("Operation", "ApplyGuardrail"), ("GuardrailVersion", "1")],
                        ))
                        .metrics(metric(
                            &ns,
                            "Invocations",
                            &[("GuardrailVersion", "1"), ("Operation", "ApplyGuardrail")],
                        ))
                        .build(),
                    "bedrock-agentcore" => b.metrics(metric(&ns, "Latency", &[])).build(),
                    _ => b.build(),
                }
            });
        let gmd = mock!(Client::get_metric_data).then_output(|| GetMetricDataOutput::builder().build());
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&page1, &page2, &custom, &platform, &gmd]);
        // a platform namespace configured as custom is not listed twice
        let mut p = MetricsPoller::new(
            client,
            "us-east-1",
            vec!["GenAI/Quality".into(), "AWS/Bedrock/Guardrails".into()],
            None,
            None,
        );
        p.poll(Since::default(), NOW).await.unwrap();
        let names: Vec<(&str, &str)> = p.found().iter().map(|f| (f.namespace.as_str(), f.name.as_str())).collect();
        assert_eq!(
            names,
            vec![
                (BEDROCK_NAMESPACE, "CacheReadInputTokenCount"),
                (BEDROCK_NAMESPACE, "InvocationLatency"),
                (BEDROCK_NAMESPACE, "Invocations"),
                ("AWS/Bedrock/Guardrails", "Invocations"),
                ("AWS/Bedrock/Guardrails", "InvocationsIntervened"),
                ("GenAI/Quality", "Faithfulness"),
                ("bedrock-agentcore", "Latency"),
            ]
        );
        assert_eq!(page2.num_calls(), 1);
        let mut probed = platform_seen.lock().unwrap().clone();
        probed.sort();
        let mut want: Vec<String> = PLATFORM_NAMESPACES.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(probed, want);
        let (series, window) = p.queries();
        let stats = |qs: &[Query], metric: &str| -> Vec<String> {
            qs.iter().filter(|(k, _)| k.metric == metric).map(|(k, _)| k.stat.clone()).collect()
        };
        // Bedrock: Invocations Sum, CacheRead Sum, latency Average+p50+p90+p99; Faithfulness
        // Average and its distribution; two guardrail counts Sum; AgentCore latency Average
        assert_eq!(stats(&series, "Faithfulness"), vec!["Average", "p50", "p90", "p99"]);
        assert_eq!(stats(&window, "Faithfulness"), vec!["Average", "p50", "p90", "p99"]);
        assert_eq!(stats(&series, "InvocationsIntervened"), vec!["Sum"]);
        assert_eq!(stats(&series, "Latency"), vec!["Average"]);
        assert_eq!(series.len(), 13);
        // latency 4 stats, Faithfulness 4, AgentCore latency: additive sums get no window query
        assert_eq!(window.len(), 9);
        assert!(window.iter().all(|(k, _)| k.stat != "Sum"));
        // AWS/Bedrock (2 pages), GenAI/Quality and the 7 platform namespaces
        assert_eq!(p.health.other_requests, 3 + PLATFORM_NAMESPACES.len() as u64);
    }

    #[tokio::test]
    async fn get_metric_data_batches_500_and_follows_next_token_through_partial_data() {
        let lm = mock!(Client::list_metrics).then_output(|| {
            let mut b = ListMetricsOutput::builder();
            for i in 0..600 {
                b = b.metrics(metric("App/Big", &format!("Count{i}"), &[]));
            }
            b.build()
        });
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let s2 = sizes.clone();
        // First page of the first batch: PartialData for q0 and a NextToken.
        let partial = mock!(Client::get_metric_data)
            .match_requests(|r| r.next_token().is_none() && r.metric_data_queries().len() == 500)
            .then_compute_output(move |r| {
                s2.lock().unwrap().push(r.metric_data_queries().len());
                GetMetricDataOutput::builder()
                    .metric_data_results(result("q0", &[(NOW - 3600, 1.0), (NOW - 3540, 2.0)], StatusCode::PartialData))
                    .next_token("more")
                    .build()
            });
        let rest =
            mock!(Client::get_metric_data).match_requests(|r| r.next_token() == Some("more")).then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("q0", &[(NOW - 3480, 4.0)], StatusCode::Complete))
                    .build()
            });
        let s3 = sizes.clone();
        let second_batch = mock!(Client::get_metric_data)
            .match_requests(|r| r.next_token().is_none() && r.metric_data_queries().len() == 100)
            .then_compute_output(move |r| {
                s3.lock().unwrap().push(r.metric_data_queries().len());
                GetMetricDataOutput::builder()
                    .metric_data_results(result("q599", &[(NOW - 60, 9.0)], StatusCode::Complete))
                    .build()
            });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&lm, &partial, &rest, &second_batch]);
        let mut p = MetricsPoller::new(client, "us-east-1", vec!["App/Big".into()], None, None);
        let u = p.poll(Since::default(), NOW).await.unwrap();
        assert_eq!(*sizes.lock().unwrap(), vec![500, 100]);
        assert_eq!(rest.num_calls(), 1);
        // 600 custom Sum series, no window queries
        assert_eq!(u.series.len(), 600);
        assert!(u.window_values.is_empty());
        let q0 = &u.series.iter().find(|(k, _)| k.metric == "Count0").unwrap().1;
        assert_eq!(q0, &vec![(NOW - 3600, 1.0), (NOW - 3540, 2.0), (NOW - 3480, 4.0)]);
        // ids are global across batches: q599 is the last query of the second call
        assert_eq!(u.series[599].1, vec![(NOW - 60, 9.0)]);
        assert!(u.series[..599].iter().filter(|(k, _)| k.metric != "Count0").all(|(_, p)| p.is_empty()));
        // metrics requested: 500 (page 1) + 500 (page 2 of the same batch) + 100
        assert_eq!(p.health.metrics_requested, 1100);
        // ListMetrics for AWS/Bedrock, App/Big and the platform namespaces; three GetMetricData pages
        assert_eq!(p.health.calls, 2 + PLATFORM_NAMESPACES.len() as u64 + 3);
    }

    fn bedrock_client(gmd: &aws_smithy_mocks::Rule) -> (Client, aws_smithy_mocks::Rule) {
        let lm = mock!(Client::list_metrics).then_output(|| {
            ListMetricsOutput::builder()
                .metrics(metric(BEDROCK_NAMESPACE, "Invocations", &[("ModelId", MODEL)]))
                .metrics(metric(BEDROCK_NAMESPACE, "InvocationLatency", &[("ModelId", MODEL)]))
                .build()
        });
        (mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&lm, gmd]), lm)
    }

    #[tokio::test]
    async fn window_figures_come_from_one_period_spanning_the_window() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
            let periods: Vec<i32> = r.metric_data_queries().iter().filter_map(|q| q.metric_stat()?.period()).collect();
            let start = r.start_time().unwrap().secs();
            let end = r.end_time().unwrap().secs();
            s.lock().unwrap().push((start, end, periods[0]));
            let mut b = GetMetricDataOutput::builder();
            for (i, q) in r.metric_data_queries().iter().enumerate() {
                let stat = q.metric_stat().unwrap().stat().unwrap();
                let v = if periods[0] == 3600 { if stat == "p99" { 4200.0 } else { 1000.0 + i as f64 } } else { 7.0 };
                b = b.metric_data_results(result(q.id().unwrap(), &[(start, v)], StatusCode::Complete));
            }
            b.build()
        });
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        let u = p.poll(Since::default(), NOW).await.unwrap();
        let calls = seen.lock().unwrap().clone();
        assert_eq!(calls, vec![(NOW - 3600, NOW, 60), (NOW - 3600, NOW, 3600)]);
        let p99 = u.window_values.iter().find(|(k, _)| k.stat == "p99").unwrap();
        assert_eq!(p99.1, Some(4200.0));
        assert_eq!(u.window_values.len(), 4);
    }

    fn stat_of(q: &MetricDataQuery) -> &str {
        q.metric_stat().and_then(|m| m.stat()).unwrap_or_default()
    }

    /// (start, end, period, query count) of every GetMetricData call.
    type Calls = Arc<Mutex<Vec<(i64, i64, i32, usize)>>>;

    fn record(calls: &Calls, r: &aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataInput) -> (i64, i32) {
        let start = r.start_time().unwrap().secs();
        let period = r.metric_data_queries()[0].metric_stat().unwrap().period().unwrap();
        calls.lock().unwrap().push((start, r.end_time().unwrap().secs(), period, r.metric_data_queries().len()));
        (start, period)
    }

    /// CloudWatch answers no datapoints for an old StartTime with a period that breaks its
    /// rule: an hour 20 days back is read in 5-minute points on the 5-minute clock, its window
    /// figures over a multiple of 300 s, and the update says how coarse it is.
    #[tokio::test]
    async fn an_old_range_is_read_with_periods_cloudwatch_answers() {
        let calls: Calls = Arc::default();
        let c = calls.clone();
        let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
            let (start, period) = record(&c, r);
            let mut b = GetMetricDataOutput::builder();
            for q in r.metric_data_queries() {
                b = b.metric_data_results(result(q.id().unwrap(), &[(start, f64::from(period))], StatusCode::Complete));
            }
            b.build()
        });
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        let asked = Window { start: NOW - 20 * 86400 + 120, end: NOW - 20 * 86400 + 3720 };
        let u = p.poll_window(asked, NOW).await.unwrap();
        let start = (NOW - 20 * 86400) / 300 * 300;
        let end = (asked.end + 299) / 300 * 300;
        assert_eq!(*calls.lock().unwrap(), vec![(start, end, 300, 5), (start, end, (end - start) as i32, 4)]);
        assert_eq!(u.window, Window { start, end });
        assert_eq!(u.period, 300);
        assert_eq!(u.resolution.note().as_deref(), Some("5-min points (data 20 d old)"));
        let inv = u.series.iter().find(|(k, _)| k.metric == "Invocations").unwrap();
        assert_eq!(inv.1, vec![(start, 300.0)]);
        assert!(p.health.healthy());
        // over 455 days nothing is kept: no call is made, every figure is unknown
        calls.lock().unwrap().clear();
        let u = p.poll_window(Window { start: NOW - 500 * 86400, end: NOW - 500 * 86400 + 3600 }, NOW).await.unwrap();
        assert!(calls.lock().unwrap().is_empty());
        assert!(u.series.iter().all(|(_, p)| p.is_empty()));
        assert!(u.window_values.iter().all(|(_, v)| v.is_none()) && !u.window_values.is_empty());
        assert!(u.resolution.note().unwrap().contains("455 days"));
    }

    /// A result with StatusCode InternalError is asked for again (the failed query alone, on
    /// the first page); when the retry answers, the poll is whole and healthy.
    #[tokio::test]
    async fn an_internal_error_result_is_retried_and_recovers() {
        let calls: Calls = Arc::default();
        let c = calls.clone();
        let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
            let (start, period) = record(&c, r);
            let n = c.lock().unwrap().len();
            let mut b = GetMetricDataOutput::builder();
            for q in r.metric_data_queries() {
                let failing = n == 1 && stat_of(q) == "p99";
                let status = if failing { StatusCode::InternalError } else { StatusCode::Complete };
                let pts: &[(i64, f64)] = if failing { &[(0, -1.0)] } else { &[(0, 0.0)] };
                let pts: Vec<(i64, f64)> =
                    pts.iter().map(|_| (start, if period == 60 { 900.0 } else { 950.0 })).collect();
                b = b.metric_data_results(result(q.id().unwrap(), &pts, status));
            }
            b.build()
        });
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        let u = p.poll(Since::default(), NOW).await.unwrap();
        let calls = calls.lock().unwrap().clone();
        // the per-minute call, the retry of p99 alone, the window call
        assert_eq!(calls.iter().map(|c| (c.2, c.3)).collect::<Vec<_>>(), vec![(60, 5), (60, 1), (3600, 4)]);
        assert!(p.health.healthy(), "{:?}", p.health.partial);
        let p99 = u.series.iter().find(|(k, _)| k.stat == "p99").unwrap();
        assert_eq!(p99.1, vec![(NOW - 3600, 900.0)]);
        assert_eq!(p.health.metrics_requested, 10);
    }

    /// On a later page the retry is the same page again (its token belongs to the whole query
    /// set), and only the failed query's points are taken from it.
    #[tokio::test]
    async fn an_internal_error_on_a_later_page_retries_that_page() {
        // (token sent, queries sent) per call
        type Seen = Arc<Mutex<Vec<(Option<String>, usize)>>>;
        let seen: Seen = Arc::default();
        let s = seen.clone();
        let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
            let start = r.start_time().unwrap().secs();
            let period = r.metric_data_queries()[0].metric_stat().unwrap().period().unwrap();
            s.lock().unwrap().push((r.next_token().map(str::to_string), r.metric_data_queries().len()));
            let n = s.lock().unwrap().len();
            let mut b = GetMetricDataOutput::builder();
            if period != 60 {
                return b.build();
            }
            for q in r.metric_data_queries() {
                let id = q.id().unwrap();
                b = match (r.next_token(), stat_of(q)) {
                    (None, _) => b.metric_data_results(result(id, &[(start, 1.0)], StatusCode::PartialData)),
                    (Some(_), "p99") if n == 2 => b.metric_data_results(result(id, &[], StatusCode::InternalError)),
                    (Some(_), _) => b.metric_data_results(result(id, &[(start + 60, 2.0)], StatusCode::Complete)),
                };
            }
            if r.next_token().is_none() { b.next_token("page-2").build() } else { b.build() }
        });
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        let u = p.poll(Since::default(), NOW).await.unwrap();
        let calls = seen.lock().unwrap().clone();
        let page2 = Some("page-2".to_string());
        assert_eq!(calls[..3], [(None, 5), (page2.clone(), 5), (page2, 5)]);
        assert!(p.health.healthy(), "{:?}", p.health.partial);
        // every series holds each point once, the retried one included
        for (k, pts) in &u.series {
            assert_eq!(pts, &vec![(NOW - 3600, 1.0), (NOW - 3540, 2.0)], "{}", k.label());
        }
    }

    /// InternalError that stays after two retries: the poll is partial (never healthy), says
    /// which series are missing, keeps CloudWatch's messages, leaves the figure unknown, and
    /// the next poll reads the window whole again.
    #[tokio::test]
    async fn a_lasting_internal_error_marks_the_poll_partial() {
        let calls: Calls = Arc::default();
        let c = calls.clone();
        let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
            let (start, _) = record(&c, r);
            let mut b = GetMetricDataOutput::builder();
            for q in r.metric_data_queries() {
                let mut res = result(q.id().unwrap(), &[(start, 5.0)], StatusCode::Complete);
                if stat_of(q) == "p99" {
                    res = MetricDataResult::builder()
                        .id(q.id().unwrap())
                        .status_code(StatusCode::InternalError)
                        .messages(MessageData::builder().code("InternalError").value("try again\u{1b}[31m").build())
                        .build();
                }
                b = b.metric_data_results(res);
            }
            b.build()
        });
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        let u = p.poll(Since::default(), NOW).await.unwrap();
        let sizes: Vec<(i32, usize)> = calls.lock().unwrap().iter().map(|c| (c.2, c.3)).collect();
        assert_eq!(sizes, vec![(60, 5), (60, 1), (60, 1), (3600, 4), (3600, 1), (3600, 1)]);
        assert!(!p.health.healthy());
        assert!(!p.health.is_stale(), "what came back is on screen, not stale");
        let missing = &p.health.partial.as_ref().unwrap().missing;
        let label = format!("InvocationLatency{{ModelId={MODEL}}} p99");
        assert_eq!(missing, &vec![label.clone(), format!("{label} (window)")]);
        assert_eq!(p.health.messages, vec![format!("{label}: InternalError: try again␛[31m")]);
        assert_eq!(u.window_values.iter().find(|(k, _)| k.stat == "p99").unwrap().1, None);
        assert_eq!(u.window_values.iter().find(|(k, _)| k.stat == "p50").unwrap().1, Some(5.0));
        // not incremental after a poll with holes
        p.poll(Since::default(), NOW + 60).await.unwrap();
        assert_eq!(p.last_range, Some((NOW + 60 - 3600, NOW + 60)));
    }

    /// A top-level message means the answer may be short: partial, with the message.
    #[tokio::test]
    async fn a_top_level_message_marks_the_poll_partial() {
        let gmd = mock!(Client::get_metric_data).then_output(|| {
            GetMetricDataOutput::builder()
                .messages(
                    MessageData::builder()
                        .code("MaxMetricsExceeded")
                        .value("Maximum number of allowed metrics exceeded")
                        .build(),
                )
                .build()
        });
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        p.poll(Since::default(), NOW).await.unwrap();
        assert!(!p.health.healthy());
        assert!(p.health.partial.as_ref().unwrap().missing[0].contains("part of the answer"));
        assert_eq!(p.health.messages, vec!["MaxMetricsExceeded: Maximum number of allowed metrics exceeded"]);
    }

    #[tokio::test]
    async fn later_polls_are_incremental_and_reread_late_periods() {
        let gmd = mock!(Client::get_metric_data).then_output(|| GetMetricDataOutput::builder().build());
        let (client, lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        p.poll(Since::default(), NOW).await.unwrap();
        assert_eq!(p.last_range, Some((NOW - 3600, NOW)));
        p.poll(Since::default(), NOW + 60).await.unwrap();
        assert_eq!(p.last_range, Some((NOW - LATE_PERIODS * 60, NOW + 60)));
        p.poll(Since::default(), NOW + 120).await.unwrap();
        assert_eq!(p.last_range, Some((NOW + 60 - LATE_PERIODS * 60, NOW + 120)));
        // discovery (one ListMetrics per namespace) is not repeated every poll
        let per_discovery = 1 + PLATFORM_NAMESPACES.len();
        assert_eq!(lm.num_calls(), per_discovery);
        // a longer window is read whole
        p.poll("3h".parse().unwrap(), NOW + 180).await.unwrap();
        assert_eq!(p.last_range, Some((NOW + 180 - 3 * 3600, NOW + 180)));
        // and reset() forces a full read and re-discovery
        p.reset();
        p.poll("3h".parse().unwrap(), NOW + 240).await.unwrap();
        assert_eq!(p.last_range, Some((NOW + 240 - 3 * 3600, NOW + 240)));
        assert_eq!(lm.num_calls(), 2 * per_discovery);
    }

    #[tokio::test]
    async fn throttling_marks_stale_and_keeps_the_last_success() {
        let gmd = mock!(Client::get_metric_data)
            .sequence()
            .output(|| GetMetricDataOutput::builder().build())
            .times(2) // the per-minute call and the window call of the first poll
            .error(|| {
                GetMetricDataError::generic(
                    ErrorMetadata::builder().code("Throttling").message("Rate exceeded").build(),
                )
            })
            .repeatedly()
            .build();
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], Some("prod"), None);
        p.poll(Since::default(), NOW).await.unwrap();
        let err = p.poll(Since::default(), NOW + 60).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Throttled);
        assert_eq!(err.code.as_deref(), Some("Throttling"));
        assert!(p.health.is_stale());
        assert_eq!(p.health.last_ok, Some(NOW));
        assert_eq!(p.health.consecutive_failures, 1);
        // after a failure the next poll re-reads from the last good fetch, not from "now"
        let _ = p.poll(Since::default(), NOW + 120).await;
        assert_eq!(p.last_range, Some((NOW - LATE_PERIODS * 60, NOW + 120)));
    }

    #[tokio::test]
    async fn access_denied_names_the_action() {
        let lm = mock!(Client::list_metrics).then_error(|| {
            ListMetricsError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("User: arn:aws:sts::123456789012:assumed-role/ro/x is not authorized to perform: cloudwatch:ListMetrics")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&lm]);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        let err = p.poll(Since::default(), NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert!(err.hint.contains("cloudwatch:ListMetrics"), "{}", err.hint);
        assert!(err.message.contains("not authorized"));
        assert!(p.health.is_stale());
        assert!(!p.health.loading);
    }

    #[tokio::test]
    async fn forbidden_status_is_access_denied() {
        let gmd = mock!(Client::get_metric_data).then_output(|| {
            GetMetricDataOutput::builder().metric_data_results(result("q0", &[], StatusCode::Forbidden)).build()
        });
        let (client, _lm) = bedrock_client(&gmd);
        let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
        let err = p.poll(Since::default(), NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert_eq!(err.code.as_deref(), Some("Forbidden"));
    }
}
