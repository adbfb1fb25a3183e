//! Per-model figures over the window, read from the series: a row per (region, model) with its
//! counts, latency, cost and quota headroom, and per-minute points of one model's metric or cost.
//! The rules (judged as updates are applied) and the Service Quotas matching ask these, so they
//! are store queries; the read models the panes and reports build from them (the Overview's
//! signals, model groups, custom-namespace figures) are in the presentation layer.

use std::collections::BTreeMap;

use super::{Series, SeriesKey, Store};
use crate::domain::catalog::{BEDROCK_NAMESPACE, BedrockMetric, is_additive};
use crate::domain::pricing::Tokens;

/// One model in one region over the window. `None` means no data (unknown), never zero.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ModelRow {
    pub region: String,
    pub model_id: String,
    pub invocations: Option<f64>,
    pub input_tokens: Option<f64>,
    pub output_tokens: Option<f64>,
    pub cache_read_tokens: Option<f64>,
    pub cache_write_tokens: Option<f64>,
    pub client_errors: Option<f64>,
    pub server_errors: Option<f64>,
    pub throttles: Option<f64>,
    pub latency_avg: Option<f64>,
    pub latency_p50: Option<f64>,
    pub latency_p90: Option<f64>,
    pub latency_p99: Option<f64>,
    pub ttft_p50: Option<f64>,
    pub ttft_p90: Option<f64>,
    /// The busiest minute's estimated quota consumption in the window (`EstimatedTPMQuotaUsage`,
    /// per-minute `Sum`; of coarser points, their per-minute average: see [`Store::quota_minutes`]).
    pub tpm_quota_max: Option<f64>,
    pub cost_usd: Option<f64>,
    /// Where the model's price comes from (`None`: unpriced).
    pub price_source: Option<crate::domain::pricing::PriceSource>,
    /// The application inference profile's name, when `model_id` is one's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
    /// Share of the model's quota used in its busiest recent minute (tokens or requests per
    /// minute, whichever is closer), when a quota is configured.
    pub quota_pct: Option<f64>,
    /// Recent burn: the model's cost over the last 15 minutes of data, per hour (as the
    /// Overview's burn); `None` when it has no price.
    pub usd_per_hour: Option<f64>,
    /// The account the row was read from, when a monitoring account's source accounts are told
    /// apart (its name is the scope label's first part: `payments-prod/us-east-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl ModelRow {
    pub fn errors(&self) -> Option<f64> {
        match (self.client_errors, self.server_errors) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        }
    }
    /// (client + server errors) / invocations, in percent.
    pub fn error_pct(&self) -> Option<f64> {
        let inv = self.invocations?;
        (inv > 0.0).then(|| self.errors().unwrap_or(0.0) / inv * 100.0)
    }
    /// throttles / (invocations + throttles), in percent: throttled calls are not invocations.
    pub fn throttle_pct(&self) -> Option<f64> {
        let t = self.throttles.unwrap_or(0.0);
        let total = self.invocations.unwrap_or(0.0) + t;
        (total > 0.0).then(|| t / total * 100.0)
    }
    pub fn tokens(&self) -> Option<f64> {
        match (self.input_tokens, self.output_tokens) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        }
    }
    fn set(&mut self, metric: BedrockMetric, stat: &str, value: Option<f64>) {
        let slot = match (metric, stat) {
            (BedrockMetric::Invocations, _) => &mut self.invocations,
            (BedrockMetric::InputTokens, _) => &mut self.input_tokens,
            (BedrockMetric::OutputTokens, _) => &mut self.output_tokens,
            (BedrockMetric::CacheReadTokens, _) => &mut self.cache_read_tokens,
            (BedrockMetric::CacheWriteTokens, _) => &mut self.cache_write_tokens,
            (BedrockMetric::ClientErrors, _) => &mut self.client_errors,
            (BedrockMetric::ServerErrors, _) => &mut self.server_errors,
            (BedrockMetric::Throttles, _) => &mut self.throttles,
            // a per-minute figure, made from the points in `Store::models`
            (BedrockMetric::TpmQuotaUsage, _) => return,
            (BedrockMetric::Latency, "Average") => &mut self.latency_avg,
            (BedrockMetric::Latency, "p50") => &mut self.latency_p50,
            (BedrockMetric::Latency, "p90") => &mut self.latency_p90,
            (BedrockMetric::Latency, "p99") => &mut self.latency_p99,
            (BedrockMetric::TimeToFirstToken, "p50") => &mut self.ttft_p50,
            (BedrockMetric::TimeToFirstToken, "p90") => &mut self.ttft_p90,
            _ => return,
        };
        // Two spellings of one metric (cache tokens): keep the larger rather than double-count.
        *slot = match (*slot, value) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// A model's Bedrock quotas (tokens and requests per minute), from the config.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub tpm: Option<f64>,
    pub rpm: Option<f64>,
}

/// Minutes the quota headroom looks back over (the busiest minute counts).
pub const QUOTA_MINUTES: i64 = 5;

/// The statistic `EstimatedTPMQuotaUsage` is read with. The metric is emitted once per successful
/// request ("automatically emitted for every successful inference request", AWS Machine Learning
/// blog, 2026-03-12, "Improve operational visibility for inference workloads on Amazon Bedrock
/// with new CloudWatch metrics for TTFT and Estimated Quota Consumption"), with the unit of a
/// count like `InputTokenCount` (Bedrock user guide, "Monitor bedrock-runtime inference using
/// CloudWatch metrics", docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html).
/// So a minute's `Sum` is that minute's estimated consumption of the tokens-per-minute quota;
/// `Maximum` is only the largest single request's share of it.
pub const TPM_QUOTA_STAT: &str = "Sum";

/// Minutes of data the burn (cost per hour) is read over.
pub const BURN_MINUTES: i64 = 15;

impl Store {
    /// A series' figure over the window: the sum of an additive statistic, else CloudWatch's
    /// whole-window value.
    pub fn window_figure(&self, key: &SeriesKey, s: &Series) -> Option<f64> {
        if is_additive(&key.stat) { s.sum(self.window.start, self.window.end) } else { s.window_value }
    }

    /// Bedrock series keyed by exactly one `ModelId` dimension.
    pub fn bedrock_model_series(&self) -> impl Iterator<Item = (&SeriesKey, &Series, BedrockMetric, &str)> {
        self.series().filter_map(|(k, s)| {
            if k.namespace != BEDROCK_NAMESPACE || k.dims.len() != 1 || k.dims[0].0 != "ModelId" {
                return None;
            }
            let m = BedrockMetric::from_name(&k.metric)?;
            Some((k, s, m, k.dims[0].1.as_str()))
        })
    }

    /// One model's Bedrock series (one walk over the store: each row's figures are then read
    /// from its own few series, never from the whole store again).
    fn series_of(&self, region: &str, model: &str) -> Vec<ModelSeries<'_>> {
        // keys sort by region, then namespace: only the region's Bedrock keys are walked
        let from = SeriesKey {
            region: region.to_string(),
            namespace: BEDROCK_NAMESPACE.to_string(),
            metric: String::new(),
            dims: Vec::new(),
            stat: String::new(),
        };
        self.series
            .range(from..)
            .take_while(|(k, _)| k.region == region && k.namespace == BEDROCK_NAMESPACE)
            .filter(|(k, _)| k.dims.len() == 1 && k.dims[0].0 == "ModelId" && k.dims[0].1 == model)
            .filter_map(|(k, s)| Some((k, s, BedrockMetric::from_name(&k.metric)?)))
            .collect()
    }

    /// One row per (region, model), sorted by region then model id. One pass over the store
    /// groups the series by model, so the rows cost O(series), not O(rows × series).
    pub fn models(&self) -> Vec<ModelRow> {
        let mut rows: std::collections::HashMap<(&str, &str), (ModelRow, Vec<ModelSeries<'_>>)> =
            std::collections::HashMap::new();
        let accounts = self.accounts.by_scope_prefix();
        // the newest minute with token data anywhere: the burn's 15 minutes end there
        let mut newest: Option<i64> = None;
        for (k, s, metric, model) in self.bedrock_model_series() {
            if matches!(metric, BedrockMetric::InputTokens | BedrockMetric::OutputTokens)
                && k.stat == "Sum"
                && let Some((t, _)) = s.points.range(self.window.start..self.window.end).next_back()
            {
                newest = newest.max(Some(*t));
            }
            let (row, series) = rows.entry((k.region.as_str(), model)).or_insert_with(|| {
                let row = ModelRow {
                    region: k.region.clone(),
                    model_id: model.to_string(),
                    account: k.region.rsplit_once('/').and_then(|(p, _)| accounts.get(p).cloned()),
                    ..Default::default()
                };
                (row, Vec::new())
            });
            row.set(metric, &k.stat, self.window_figure(k, s));
            series.push((k, s, metric));
        }
        let mut rows: Vec<(ModelRow, Vec<ModelSeries<'_>>)> = rows.into_values().collect();
        rows.sort_by(|(a, _), (b, _)| a.region.cmp(&b.region).then_with(|| a.model_id.cmp(&b.model_id)));
        rows.into_iter()
            .map(|(mut r, series)| {
                r.usd_per_hour = newest.and_then(|n| {
                    let c = self.cost_points_in(&series, &r.region, &r.model_id, n - (BURN_MINUTES - 1) * 60..n + 1)?;
                    Some(c.values().sum::<f64>() * 60.0 / BURN_MINUTES as f64)
                });
                let has_tokens = r.input_tokens.is_some() || r.output_tokens.is_some();
                r.cost_usd =
                    if has_tokens { self.pricing.cost_in(Some(&r.region), &r.model_id, tokens_of(&r)) } else { None };
                r.price_source = self.pricing.source_in(Some(&r.region), &r.model_id);
                r.profile_name = self.inference_profiles.get(&r.model_id).map(|p| p.name.clone());
                let tpm = self.tpm_minutes_in(&series);
                r.tpm_quota_max = tpm.range(self.window.start..self.window.end).map(|(_, v)| *v).reduce(f64::max);
                // the requests a minute only for a model with a quota
                if self.effective_quota(&r.region, &r.model_id).is_some() {
                    let minutes = (tpm, self.req_minutes_in(&series));
                    r.quota_pct = self.quota_pct_of(&r.region, &r.model_id, &minutes);
                }
                r
            })
            .collect()
    }

    /// Per-minute points of one model's metric at one statistic (aliases merged), over the window.
    pub fn model_minutes(&self, region: &str, model: &str, metric: BedrockMetric, stat: &str) -> BTreeMap<i64, f64> {
        self.model_points(region, model, metric, stat, self.window.start..self.window.end)
    }

    /// Per-minute points of one model's metric at one statistic in `range`; two spellings of
    /// one metric (aliases) are merged by keeping the larger value.
    fn model_points(
        &self,
        region: &str,
        model: &str,
        metric: BedrockMetric,
        stat: &str,
        range: std::ops::Range<i64>,
    ) -> BTreeMap<i64, f64> {
        points_in(&self.series_of(region, model), metric, stat, range)
    }

    /// The quota configured for a model: by the id as called, else by its base model id.
    pub fn quota_for(&self, model: &str) -> Option<Quota> {
        self.quotas.get(model).or_else(|| self.quotas.get(crate::domain::catalog::base_model_id(model))).copied()
    }

    /// A model's quota consumption per minute over every point the store holds: estimated
    /// tokens (`EstimatedTPMQuotaUsage` [`TPM_QUOTA_STAT`]) and requests (invocations +
    /// throttles), keyed by period start. A point of a coarser period is divided by the minutes
    /// it covers (the one in progress by those elapsed so far), so it is a per-minute average,
    /// comparable with a per-minute quota.
    pub fn quota_minutes(&self, region: &str, model: &str) -> (BTreeMap<i64, f64>, BTreeMap<i64, f64>) {
        self.quota_minutes_in(&self.series_of(region, model))
    }

    /// [`Store::quota_minutes`] of one model's `series`.
    fn quota_minutes_in(&self, series: &[ModelSeries<'_>]) -> (BTreeMap<i64, f64>, BTreeMap<i64, f64>) {
        (self.tpm_minutes_in(series), self.req_minutes_in(series))
    }

    /// A point of a coarser period as a per-minute average (see [`Store::quota_minutes`]).
    fn per_minute(&self, t: i64, v: f64) -> f64 {
        v / ((self.window.end - t).clamp(60, self.period.max(60)) / 60) as f64
    }

    /// The estimated TPM quota use a minute among one model's `series`.
    fn tpm_minutes_in(&self, series: &[ModelSeries<'_>]) -> BTreeMap<i64, f64> {
        points_in(series, BedrockMetric::TpmQuotaUsage, TPM_QUOTA_STAT, i64::MIN..i64::MAX)
            .into_iter()
            .map(|(t, v)| (t, self.per_minute(t, v)))
            .collect()
    }

    /// Requests (invocations + throttles) a minute among one model's `series`.
    fn req_minutes_in(&self, series: &[ModelSeries<'_>]) -> BTreeMap<i64, f64> {
        let all = i64::MIN..i64::MAX;
        let mut req = points_in(series, BedrockMetric::Invocations, "Sum", all.clone());
        for (t, v) in points_in(series, BedrockMetric::Throttles, "Sum", all) {
            *req.entry(t).or_insert(0.0) += v;
        }
        req.into_iter().map(|(t, v)| (t, self.per_minute(t, v))).collect()
    }

    /// The busiest of the last few minutes as a share of the model's quota: estimated TPM usage
    /// against `tpm`, requests (invocations + throttles) against `rpm`; the larger of the two.
    /// Per minute whatever the window's period ([`Store::quota_minutes`]).
    pub fn quota_pct(&self, region: &str, model: &str) -> Option<f64> {
        self.effective_quota(region, model)?;
        self.quota_pct_of(region, model, &self.quota_minutes(region, model))
    }

    /// [`Store::quota_pct`] from the model's [`Store::quota_minutes`].
    fn quota_pct_of(
        &self,
        region: &str,
        model: &str,
        (tpm_minutes, req_minutes): &(BTreeMap<i64, f64>, BTreeMap<i64, f64>),
    ) -> Option<f64> {
        let q = self.effective_quota(region, model)?.quota();
        let from = self.window.end - (QUOTA_MINUTES + 1) * 60;
        let busiest = |m: &BTreeMap<i64, f64>| m.range(from..).map(|(_, v)| *v).reduce(f64::max);
        let tpm = q.tpm.filter(|t| *t > 0.0).and_then(|t| busiest(tpm_minutes).map(|u| u / t * 100.0));
        let rpm = q.rpm.filter(|r| *r > 0.0).and_then(|r| busiest(req_minutes).map(|n| n / r * 100.0));
        match (tpm, rpm) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Like [`Store::model_minutes`] but over every point the store holds (the window plus its
    /// baseline hour), for rules and triage.
    pub fn model_minutes_all(
        &self,
        region: &str,
        model: &str,
        metric: BedrockMetric,
        stat: &str,
    ) -> BTreeMap<i64, f64> {
        self.model_points(region, model, metric, stat, i64::MIN..i64::MAX)
    }

    /// Per-minute cost over every point the store holds.
    pub fn model_cost_minutes_all(&self, region: &str, model: &str) -> Option<BTreeMap<i64, f64>> {
        self.cost_points(region, model, i64::MIN..i64::MAX)
    }

    /// Per-minute cost of one model, from its token series and the price table.
    pub fn model_cost_minutes(&self, region: &str, model: &str) -> Option<BTreeMap<i64, f64>> {
        self.cost_points(region, model, self.window.start..self.window.end)
    }

    /// Per-minute cost of one model in `range`; `None` when the model has no price.
    fn cost_points(&self, region: &str, model: &str, range: std::ops::Range<i64>) -> Option<BTreeMap<i64, f64>> {
        self.pricing.price_in(Some(region), model)?;
        self.cost_points_in(&self.series_of(region, model), region, model, range)
    }

    /// [`Store::cost_points`] of one model's `series`.
    fn cost_points_in(
        &self,
        series: &[ModelSeries<'_>],
        region: &str,
        model: &str,
        range: std::ops::Range<i64>,
    ) -> Option<BTreeMap<i64, f64>> {
        self.pricing.price_in(Some(region), model)?;
        let get = |m| points_in(series, m, "Sum", range.clone());
        let (i, o, cr, cw) = (
            get(BedrockMetric::InputTokens),
            get(BedrockMetric::OutputTokens),
            get(BedrockMetric::CacheReadTokens),
            get(BedrockMetric::CacheWriteTokens),
        );
        let mut out = BTreeMap::new();
        for t in i.keys().chain(o.keys()).chain(cr.keys()).chain(cw.keys()) {
            let tok = Tokens {
                input: i.get(t).copied().unwrap_or(0.0),
                output: o.get(t).copied().unwrap_or(0.0),
                cache_read: cr.get(t).copied().unwrap_or(0.0),
                cache_write: cw.get(t).copied().unwrap_or(0.0),
            };
            out.insert(*t, self.pricing.cost_in(Some(region), model, tok).unwrap_or(0.0));
        }
        Some(out)
    }
}

/// One of a model's Bedrock series: its key, its points, its metric.
type ModelSeries<'a> = (&'a SeriesKey, &'a Series, BedrockMetric);

/// Per-minute points of `metric` at `stat` in `range` among one model's `series`; two spellings
/// of one metric (aliases) are merged by keeping the larger value.
fn points_in(
    series: &[ModelSeries<'_>],
    metric: BedrockMetric,
    stat: &str,
    range: std::ops::Range<i64>,
) -> BTreeMap<i64, f64> {
    let mut out = BTreeMap::new();
    for (k, s, m) in series {
        if *m == metric && k.stat == stat {
            for (t, v) in s.range(range.start, range.end) {
                let e = out.entry(t).or_insert(v);
                *e = e.max(v);
            }
        }
    }
    out
}

fn tokens_of(r: &ModelRow) -> Tokens {
    Tokens {
        input: r.input_tokens.unwrap_or(0.0),
        output: r.output_tokens.unwrap_or(0.0),
        cache_read: r.cache_read_tokens.unwrap_or(0.0),
        cache_write: r.cache_write_tokens.unwrap_or(0.0),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::{MetricsUpdate, Update};

    pub(crate) const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    pub(crate) fn key(metric: &str, model: &str, stat: &str) -> SeriesKey {
        SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, metric, &[("ModelId", model)], stat)
    }

    pub(crate) fn store_with(
        series: Vec<(SeriesKey, Vec<(i64, f64)>)>,
        window_values: Vec<(SeriesKey, Option<f64>)>,
    ) -> Store {
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: 0, end: 600 },
            period: 60,
            resolution: Default::default(),
            series,
            window_values,
        }));
        s
    }

    #[test]
    fn model_rows_sum_counts_and_take_cloudwatch_percentiles() {
        let s = store_with(
            vec![
                (key("Invocations", SONNET, "Sum"), vec![(0, 10.0), (60, 20.0), (540, 30.0), (600, 99.0)]),
                (key("InvocationClientErrors", SONNET, "Sum"), vec![(60, 3.0)]),
                (key("InvocationThrottles", SONNET, "Sum"), vec![(60, 15.0)]),
                (key("InputTokenCount", SONNET, "Sum"), vec![(0, 1_000_000.0)]),
                (key("OutputTokenCount", SONNET, "Sum"), vec![(0, 100_000.0)]),
                (key("InvocationLatency", SONNET, "p99"), vec![(0, 900.0), (60, 5000.0)]),
            ],
            vec![(key("InvocationLatency", SONNET, "p99"), Some(4200.0))],
        );
        let rows = s.models();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        // the point at 600 is outside [0, 600)
        assert_eq!(r.invocations, Some(60.0));
        assert_eq!(r.client_errors, Some(3.0));
        assert_eq!(r.server_errors, None);
        assert_eq!(r.error_pct(), Some(5.0));
        assert_eq!(r.throttle_pct(), Some(20.0));
        // window p99 is CloudWatch's figure, not a mean or max of per-minute p99s
        assert_eq!(r.latency_p99, Some(4200.0));
        assert_eq!(r.latency_p50, None);
        assert!((r.cost_usd.unwrap() - 4.5).abs() < 1e-9);
    }

    #[test]
    fn quota_headroom_is_the_busiest_recent_minute() {
        let mut s = store_with(
            vec![
                (
                    key("EstimatedTPMQuotaUsage", SONNET, "Sum"),
                    vec![(240, 100_000.0), (300, 380_000.0), (540, 200_000.0)],
                ),
                // the largest single request of a minute is not the minute's consumption
                (key("EstimatedTPMQuotaUsage", SONNET, "Maximum"), vec![(300, 390_000.0), (540, 395_000.0)]),
                (key("Invocations", SONNET, "Sum"), vec![(480, 30.0), (540, 40.0)]),
                (key("InvocationThrottles", SONNET, "Sum"), vec![(540, 20.0)]),
            ],
            vec![],
        );
        assert_eq!(s.models()[0].quota_pct, None, "no quota configured: unknown");
        // keyed by the base model id; the TPM estimate peaks at 380k of 400k
        s.quotas.insert(
            "anthropic.claude-sonnet-4-5-20250929-v1:0".into(),
            Quota { tpm: Some(400_000.0), rpm: Some(100.0) },
        );
        assert_eq!(s.models()[0].quota_pct, Some(95.0));
        // requests: 40 + 20 throttled in one minute of 100 allowed
        s.quotas.insert(SONNET.into(), Quota { tpm: None, rpm: Some(100.0) });
        assert_eq!(s.models()[0].quota_pct, Some(60.0));
        // the window's busiest minute, from the Sum
        assert_eq!(s.models()[0].tpm_quota_max, Some(380_000.0));
    }

    #[test]
    fn coarser_points_are_per_minute_averages_never_raw_against_a_per_minute_quota() {
        // a 2-day window: 5-minute points; each holds five minutes of tokens and requests
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.apply(Update::Metrics(MetricsUpdate {
            resolution: Default::default(),
            window: Window { start: 0, end: 2 * 86_400 },
            period: 300,
            series: vec![
                (
                    key("EstimatedTPMQuotaUsage", SONNET, "Sum"),
                    vec![(2 * 86_400 - 600, 500_000.0), (2 * 86_400 - 300, 1_500_000.0)],
                ),
                (key("Invocations", SONNET, "Sum"), vec![(2 * 86_400 - 300, 200.0)]),
                (key("InvocationThrottles", SONNET, "Sum"), vec![(2 * 86_400 - 300, 50.0)]),
            ],
            window_values: vec![],
        }));
        s.quotas.insert(SONNET.into(), Quota { tpm: Some(400_000.0), rpm: None });
        // 1.5M tokens in 5 minutes is 300k a minute: 75 % of 400k, not 375 %
        assert_eq!(s.models()[0].quota_pct, Some(75.0));
        assert_eq!(s.models()[0].tpm_quota_max, Some(300_000.0));
        // (200 + 50) requests in 5 minutes: 50 a minute of 100 allowed
        s.quotas.insert(SONNET.into(), Quota { tpm: None, rpm: Some(100.0) });
        assert_eq!(s.models()[0].quota_pct, Some(50.0));

        // the period still being filled is divided by the minutes elapsed so far
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.apply(Update::Metrics(MetricsUpdate {
            resolution: Default::default(),
            window: Window { start: 0, end: 2 * 86_400 + 120 },
            period: 300,
            series: vec![(key("EstimatedTPMQuotaUsage", SONNET, "Sum"), vec![(2 * 86_400, 600_000.0)])],
            window_values: vec![],
        }));
        s.quotas.insert(SONNET.into(), Quota { tpm: Some(400_000.0), rpm: None });
        // two minutes of it so far: 300k a minute
        assert_eq!(s.models()[0].quota_pct, Some(75.0));
    }

    #[test]
    fn cache_token_spellings_are_one_metric() {
        let s = store_with(
            vec![
                (key("CacheReadInputTokenCount", SONNET, "Sum"), vec![(0, 500.0)]),
                (key("OutputTokenCount", SONNET, "Sum"), vec![(0, 0.0)]),
            ],
            vec![],
        );
        assert_eq!(s.models()[0].cache_read_tokens, Some(500.0));
    }

    #[test]
    fn minutes_cover_the_window_and_all_covers_the_baseline() {
        let s = store_with(vec![(key("Invocations", SONNET, "Sum"), vec![(-60, 1.0), (0, 2.0), (600, 3.0)])], vec![]);
        assert_eq!(s.model_minutes("us-east-1", SONNET, BedrockMetric::Invocations, "Sum"), BTreeMap::from([(0, 2.0)]));
        assert_eq!(
            s.model_minutes_all("us-east-1", SONNET, BedrockMetric::Invocations, "Sum"),
            BTreeMap::from([(-60, 1.0), (0, 2.0), (600, 3.0)])
        );
    }
}
