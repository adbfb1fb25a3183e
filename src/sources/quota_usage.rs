//! The quota view's week: for every Bedrock model id in a region, the last 7 days of estimated
//! tokens-per-minute quota use and of requests, read at a period CloudWatch allows for data that
//! old, and slowly, because it changes slowly.
//!
//! One read: `ListMetrics` (namespace `AWS/Bedrock`, metric names `Invocations` and
//! `EstimatedTPMQuotaUsage`, following NextToken) finds the `ModelId`s seen in the last two
//! weeks; then `GetMetricData` asks, per id, `EstimatedTPMQuotaUsage`, `Invocations` and
//! `InvocationThrottles` at `Sum` over the last 7 days at 300 s ([`WEEK_PERIOD`]). 300 s is legal
//! for a start up to 63 days back (CloudWatch: data 3 hours to 15 days old wants a multiple of 60
//! s, 15 to 63 days a multiple of 300 s); a week of 300 s points is 2,016 a query, so at most 50
//! queries go in one call (GetMetricData returns at most 100,800 datapoints a call), and
//! NextToken is followed.
//!
//! What it costs: GetMetricData is billed per metric requested, so a read of N model ids costs
//! 3·N metrics (6 ids: 18 metrics, $0.00018 at $0.01 per 1,000) in ⌈3·N / 50⌉ calls, plus two
//! ListMetrics requests. Read at start and every 15 minutes ([`REFRESH`]): 96 reads a day, for 6
//! ids 1,728 metrics ≈ $0.017 a day. `:refresh` reads it again at most every 5 minutes.
//!
//! Optional like Service Quotas: a failure is a calm note (the live headroom is unaffected); a
//! result CloudWatch marks `InternalError` keeps what came and marks the week partial.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode};
use aws_smithy_types::DateTime;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use super::Command;
use super::aws::{ErrorContext, classify};
use crate::domain::catalog::BEDROCK_NAMESPACE;
use crate::domain::window::align_up;
use crate::store::quota_usage::{QuotaUsageUpdate, RegionWeek, WEEK_PERIOD, WEEK_SECS};
use crate::store::{ErrorKind, SourceError, SourceHealth, Update};

/// How often the week is read again.
pub const REFRESH: Duration = Duration::from_secs(15 * 60);
/// `:refresh` reads it again at most this often.
pub const MIN_REFRESH_GAP: Duration = Duration::from_secs(300);
/// Queries per GetMetricData call: 100,800 datapoints a call / 2,016 points a query.
pub const QUERIES_PER_CALL: usize = 50;
/// Pages per ListMetrics or GetMetricData chunk at most.
pub const MAX_PAGES: usize = 100;
/// The metrics asked per id, in the order of their query ids (`t`, `i`, `h`).
const METRICS: [(&str, char); 3] =
    [("EstimatedTPMQuotaUsage", 't'), ("Invocations", 'i'), ("InvocationThrottles", 'h')];

pub struct UsageSource {
    client: Client,
    region: String,
    ctx: ErrorContext,
    pub health: SourceHealth,
}

impl UsageSource {
    pub fn new(client: Client, region: &str, profile: Option<&str>, endpoint: Option<&str>) -> Self {
        Self {
            client,
            region: region.into(),
            ctx: ErrorContext::new("cloudwatch:GetMetricData", profile, Some(region), endpoint),
            health: SourceHealth::new("usage", Some(region)),
        }
    }

    /// Key the week and the health by `label` (`profile/region`), as the metrics are.
    pub fn labelled(mut self, label: &str) -> Self {
        self.region = label.into();
        self.health.region = Some(label.into());
        self
    }

    /// One read of the week ending at `now`. A failure leaves a calm note in the health.
    pub async fn poll(&mut self, now: i64) -> Result<QuotaUsageUpdate, SourceError> {
        let res = self.fetch(now).await;
        match &res {
            Ok(u) => {
                self.health.record_ok(now);
                self.health.newest_data = Some(now);
                if u.week.partial {
                    self.health.note = Some("7-day quota use partial (CloudWatch InternalError): lower bounds".into());
                }
            }
            Err(e) => {
                let why = match e.kind {
                    ErrorKind::AccessDenied => "denied".to_string(),
                    ErrorKind::Throttled => "throttled".to_string(),
                    _ => e.code.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| e.message.clone()),
                };
                let why: String = crate::sanitize::one_line(&why).chars().take(60).collect();
                self.health.record_error(e.clone());
                self.health.note = Some(format!("7-day quota use not read ({why}) — the live headroom is unaffected"));
            }
        }
        res
    }

    async fn fetch(&mut self, now: i64) -> Result<QuotaUsageUpdate, SourceError> {
        let ids = self.model_ids(now).await?;
        let end = align_up(now, WEEK_PERIOD);
        let start = end - WEEK_SECS;
        let mut week = RegionWeek { start, end, period: WEEK_PERIOD, fetched_at: now, ..Default::default() };
        let queries: Vec<(usize, char, MetricDataQuery)> = ids
            .iter()
            .enumerate()
            .flat_map(|(i, id)| METRICS.iter().map(move |(name, c)| (i, *c, query(&format!("{c}{i}"), name, id))))
            .collect();
        for chunk in queries.chunks(QUERIES_PER_CALL) {
            let built: Vec<MetricDataQuery> = chunk.iter().map(|(_, _, q)| q.clone()).collect();
            let mut token: Option<String> = None;
            for page in 1..=MAX_PAGES {
                let res = self
                    .client
                    .get_metric_data()
                    .set_metric_data_queries(Some(built.clone()))
                    .start_time(DateTime::from_secs(start))
                    .end_time(DateTime::from_secs(end))
                    .scan_by(ScanBy::TimestampAscending)
                    .set_next_token(token.take())
                    .send()
                    .await;
                self.health.calls += 1;
                self.health.metrics_requested += built.len() as u64;
                let res = res.map_err(|e| classify(&e, &self.ctx, now))?;
                for r in res.metric_data_results() {
                    let Some(qid) = r.id() else { continue };
                    let (Some(c), Some(i)) = (qid.chars().next(), qid.get(1..).and_then(|n| n.parse::<usize>().ok()))
                    else {
                        continue;
                    };
                    let Some(id) = ids.get(i) else { continue };
                    match r.status_code() {
                        Some(StatusCode::InternalError) => week.partial = true,
                        Some(StatusCode::Forbidden) => {
                            return Err(SourceError {
                                kind: ErrorKind::AccessDenied,
                                code: Some("Forbidden".into()),
                                message: format!("GetMetricData was refused for {id}"),
                                hint: "allow cloudwatch:GetMetricData on this account".into(),
                                at: now,
                            });
                        }
                        _ => {}
                    }
                    let w = week.ids.entry(id.clone()).or_default();
                    let into = if c == 't' { &mut w.tokens } else { &mut w.requests };
                    for (t, v) in r.timestamps().iter().map(|t| t.secs()).zip(r.values().iter().copied()) {
                        if v.is_finite() {
                            *into.entry(t).or_insert(0.0) += v;
                        }
                    }
                }
                token = res.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                if token.is_none() {
                    break;
                }
                if page == MAX_PAGES {
                    week.partial = true;
                }
            }
        }
        // an id whose queries all came back empty has nothing to show
        week.ids.retain(|_, w| !(w.tokens.is_empty() && w.requests.is_empty()));
        Ok(QuotaUsageUpdate { region: self.region.clone(), week })
    }

    /// The `ModelId`s with quota metrics in the region (one dimension, `ModelId` only).
    async fn model_ids(&mut self, now: i64) -> Result<Vec<String>, SourceError> {
        let mut ids = BTreeSet::new();
        for name in ["Invocations", "EstimatedTPMQuotaUsage"] {
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let out = self
                    .client
                    .list_metrics()
                    .namespace(BEDROCK_NAMESPACE)
                    .metric_name(name)
                    .set_next_token(token.take())
                    .send()
                    .await;
                self.health.calls += 1;
                self.health.other_requests += 1;
                let out = out.map_err(|e| {
                    let ctx = ErrorContext { action: "cloudwatch:ListMetrics".into(), ..self.ctx.clone() };
                    classify(&e, &ctx, now)
                })?;
                for m in out.metrics() {
                    if let [d] = m.dimensions()
                        && d.name() == Some("ModelId")
                        && let Some(v) = d.value()
                    {
                        ids.insert(v.to_string());
                    }
                }
                token = out.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(ids.into_iter().collect())
    }
}

fn query(id: &str, name: &str, model_id: &str) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(BEDROCK_NAMESPACE)
        .metric_name(name)
        .dimensions(Dimension::builder().name("ModelId").value(model_id).build())
        .build();
    let stat = MetricStat::builder().metric(metric).period(WEEK_PERIOD as i32).stat("Sum").build();
    MetricDataQuery::builder().id(id).metric_stat(stat).return_data(true).build()
}

/// How long after a read: [`REFRESH`], or the usual backoff after a failure (denied: hourly).
pub fn next_delay(health: &SourceHealth) -> Duration {
    match health.last_error.as_ref().filter(|_| health.consecutive_failures > 0) {
        None => REFRESH,
        Some(e) if e.kind == ErrorKind::AccessDenied => Duration::from_secs(3600),
        Some(_) => super::next_delay(REFRESH, health),
    }
}

/// Read the week until the UI goes away: now, then every [`REFRESH`] (or the backoff); a
/// [`Command::Refresh`] no sooner than [`MIN_REFRESH_GAP`] after the last read.
pub fn spawn(mut src: UsageSource, tx: UnboundedSender<Update>) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        loop {
            let started = Instant::now();
            if let Ok(u) = src.poll(super::aws::now()).await
                && tx.send(Update::QuotaUsage(u)).is_err()
            {
                return;
            }
            let delay = next_delay(&src.health);
            if tx.send(Update::Health(src.health.clone())).is_err() {
                return;
            }
            if !super::wait_next(started, delay, MIN_REFRESH_GAP, &mut rx).await {
                return;
            }
        }
    });
    ctx
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
    use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput;
    use aws_sdk_cloudwatch::types::MetricDataResult;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;

    const NOW: i64 = 1_800_000_123;

    fn listed(ids: &[&str], name: &str) -> ListMetricsOutput {
        let mut b = ListMetricsOutput::builder();
        for id in ids {
            b = b.metrics(
                Metric::builder()
                    .namespace(BEDROCK_NAMESPACE)
                    .metric_name(name)
                    .dimensions(Dimension::builder().name("ModelId").value(*id).build())
                    .build(),
            );
        }
        b.build()
    }

    #[tokio::test]
    async fn the_week_is_read_at_300_s_with_sum_in_calls_of_at_most_50_queries() {
        let ids: Vec<String> = (0..20).map(|i| format!("acme.model-{i:02}-v1")).collect();
        let ids2 = ids.clone();
        let list_inv = mock!(Client::list_metrics)
            .match_requests(|r| r.metric_name() == Some("Invocations") && r.namespace() == Some("AWS/Bedrock"))
            .then_output(move || {
                let refs: Vec<&str> = ids2.iter().map(String::as_str).collect();
                // and one with two dimensions, which is not a model's own series
                let mut out = listed(&refs, "Invocations");
                out.metrics.get_or_insert_default().push(
                    Metric::builder()
                        .metric_name("Invocations")
                        .dimensions(Dimension::builder().name("ModelId").value("x").build())
                        .dimensions(Dimension::builder().name("Other").value("y").build())
                        .build(),
                );
                out
            });
        let list_tpm = mock!(Client::list_metrics)
            .match_requests(|r| r.metric_name() == Some("EstimatedTPMQuotaUsage"))
            .then_output(|| listed(&["acme.model-00-v1"], "EstimatedTPMQuotaUsage"));
        let seen: Arc<Mutex<Vec<(usize, i64, i64)>>> = Arc::default();
        let s = seen.clone();
        let gmd = mock!(Client::get_metric_data)
            .match_requests(move |r| {
                let qs = r.metric_data_queries();
                for q in qs {
                    let st = q.metric_stat().unwrap();
                    assert_eq!((st.period(), st.stat()), (Some(300), Some("Sum")), "{q:?}");
                }
                let first = qs.iter().any(|q| q.id() == Some("t0"));
                if first {
                    s.lock().unwrap().push((qs.len(), r.start_time().unwrap().secs(), r.end_time().unwrap().secs()));
                }
                first
            })
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(
                        MetricDataResult::builder()
                            .id("t0")
                            .status_code(StatusCode::Complete)
                            .timestamps(DateTime::from_secs(NOW - 3600))
                            .values(1_500_000.0)
                            .build(),
                    )
                    .metric_data_results(
                        MetricDataResult::builder()
                            .id("i0")
                            .status_code(StatusCode::Complete)
                            .timestamps(DateTime::from_secs(NOW - 3600))
                            .values(200.0)
                            .build(),
                    )
                    .metric_data_results(
                        MetricDataResult::builder()
                            .id("h0")
                            .status_code(StatusCode::InternalError)
                            .timestamps(DateTime::from_secs(NOW - 3600))
                            .values(50.0)
                            .build(),
                    )
                    .build()
            });
        let s = seen.clone();
        let rest = mock!(Client::get_metric_data)
            .match_requests(move |r| {
                let qs = r.metric_data_queries();
                s.lock().unwrap().push((qs.len(), r.start_time().unwrap().secs(), r.end_time().unwrap().secs()));
                true
            })
            .then_output(|| GetMetricDataOutput::builder().build());
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&list_inv, &list_tpm, &gmd, &rest]);
        let mut src = UsageSource::new(client, "us-east-1", None, None);
        let u = src.poll(NOW).await.unwrap();
        let calls = seen.lock().unwrap().clone();
        // 20 ids × 3 metrics = 60 queries: 50, then 10
        assert_eq!(calls.iter().map(|c| c.0).collect::<Vec<_>>(), vec![50, 10]);
        // the last 7 days, on 5-minute boundaries
        let end = (NOW / 300 + 1) * 300;
        assert!(calls.iter().all(|c| (c.1, c.2) == (end - 7 * 86_400, end)), "{calls:?}");
        assert_eq!(src.health.metrics_requested, 60);
        assert_eq!(src.health.calls, 4);
        assert_eq!(src.health.other_requests, 2);
        let w = &u.week;
        assert_eq!((w.period, w.start, w.end), (300, end - 7 * 86_400, end));
        // invocations and throttles add up as requests; the InternalError marks the week partial
        let m = &w.ids["acme.model-00-v1"];
        assert_eq!(m.tokens.get(&(NOW - 3600)), Some(&1_500_000.0));
        assert_eq!(m.requests.get(&(NOW - 3600)), Some(&250.0));
        assert!(w.partial);
        assert!(src.health.note.as_deref().unwrap().contains("partial"));
        // the two-dimension series is not asked for
        assert!(!w.ids.contains_key("x"));
    }

    #[tokio::test(start_paused = true)]
    async fn it_is_read_every_fifteen_minutes() {
        let list = mock!(Client::list_metrics).then_output(|| listed(&["acme.m-v1"], "Invocations"));
        let gmd = mock!(Client::get_metric_data).then_output(|| GetMetricDataOutput::builder().build());
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&list, &gmd]);
        let (tx, mut rx) = unbounded_channel();
        let _cmd = spawn(UsageSource::new(client, "us-east-1", None, None), tx);
        assert!(matches!(rx.recv().await, Some(Update::QuotaUsage(_))));
        assert!(matches!(rx.recv().await, Some(Update::Health(_))));
        let before = Instant::now();
        assert!(matches!(rx.recv().await, Some(Update::QuotaUsage(_))));
        assert_eq!(Instant::now() - before, REFRESH);
        assert_eq!(gmd.num_calls(), 2);
    }
}
