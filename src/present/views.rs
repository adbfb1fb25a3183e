//! Questions panes and reports ask of the store: fleet totals per minute, the worst model for
//! each signal, model groups (split, or by base model), custom-namespace figures. The per-model
//! rows they start from are the store's own (`store::models`).

use std::collections::BTreeMap;

use crate::domain::catalog::{BEDROCK_NAMESPACE, BedrockMetric, is_additive};
use crate::store::models::{BURN_MINUTES, ModelRow, QUOTA_MINUTES};
use crate::store::{SeriesKey, Store};

/// What a model's headroom figure is, given the seconds between the window's points: the busiest
/// minute of the last few, or of coarser points the latest one's per-minute average (a 5-minute
/// point holds five minutes of tokens and requests, never compared raw with a per-minute quota).
pub fn quota_basis(period: i64) -> String {
    if period <= 60 {
        format!("busiest of the last {QUOTA_MINUTES} minutes")
    } else {
        format!("per-minute average of the latest {} point", period_label(period))
    }
}

/// `5-minute`, `1-hour`.
pub fn period_label(period: i64) -> String {
    if period % 3600 == 0 { format!("{}-hour", period / 3600) } else { format!("{}-minute", (period / 60).max(1)) }
}

/// A figure over the window with the model that is worst for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signal {
    pub value: Option<f64>,
    pub worst_model: Option<String>,
    pub worst_value: Option<f64>,
    /// Per-minute values for the sparkline, oldest first, one per minute of the window.
    pub spark: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overview {
    pub requests_per_min: Signal,
    pub error_pct: Signal,
    pub throttle_pct: Signal,
    pub p99_ms: Signal,
    pub tokens_per_min: Signal,
    /// Recent burn: cost of the last 15 minutes of data, per hour.
    pub usd_per_hour: Signal,
    pub usd_per_day_projected: Option<f64>,
    pub window_cost: Option<f64>,
    /// Models with tokens but no price.
    pub unpriced_models: Vec<String>,
    pub quality: Vec<QualityScore>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QualityScore {
    pub key: SeriesKey,
    pub value: Option<f64>,
    pub spark: Vec<Option<f64>>,
}

/// A metric from a custom namespace with its window figure.
#[derive(Debug, Clone, PartialEq)]
pub struct NamespaceMetric {
    pub key: SeriesKey,
    pub value: Option<f64>,
}

impl Store {
    /// Period buckets of the window (minutes unless the window is longer than a day), oldest first.
    pub fn minutes(&self) -> Vec<i64> {
        (self.window.start..self.window.end).step_by(self.period.max(60) as usize).collect()
    }

    /// Fleet-wide per-minute totals of an additive Bedrock metric.
    pub fn fleet_minutes(&self, metric: BedrockMetric) -> BTreeMap<i64, f64> {
        let mut out: BTreeMap<i64, f64> = BTreeMap::new();
        let mut per_model: BTreeMap<(String, String), BTreeMap<i64, f64>> = BTreeMap::new();
        for (k, s, m, id) in self.bedrock_model_series() {
            if m == metric && k.stat == "Sum" {
                let e = per_model.entry((k.region.clone(), id.to_string())).or_default();
                for (t, v) in s.range(self.window.start, self.window.end) {
                    let x = e.entry(t).or_insert(v);
                    *x = x.max(v);
                }
            }
        }
        for series in per_model.values() {
            for (t, v) in series {
                *out.entry(*t).or_insert(0.0) += v;
            }
        }
        out
    }

    fn spark(&self, points: &BTreeMap<i64, f64>) -> Vec<Option<f64>> {
        self.minutes().into_iter().map(|t| points.get(&t).copied()).collect()
    }

    /// The window at a glance.
    pub fn overview(&self) -> Overview {
        let models = self.models();
        let minutes = self.window.minutes().max(1) as f64;
        let sum_of = |f: fn(&ModelRow) -> Option<f64>| {
            let v: Vec<f64> = models.iter().filter_map(f).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>())
        };
        let worst = |f: &dyn Fn(&ModelRow) -> Option<f64>| {
            models
                .iter()
                .filter_map(|m| f(m).map(|v| (m, v)))
                .filter(|(_, v)| *v > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(m, v)| (m.model_id.clone(), v))
        };
        let mut ov = Overview::default();

        let inv = sum_of(|m| m.invocations);
        let inv_m = self.fleet_minutes(BedrockMetric::Invocations);
        ov.requests_per_min =
            Signal { value: inv.map(|v| v / minutes), worst_model: None, worst_value: None, spark: self.spark(&inv_m) };
        if let Some((m, v)) = worst(&|m: &ModelRow| m.invocations) {
            ov.requests_per_min.worst_model = Some(m);
            ov.requests_per_min.worst_value = Some(v / minutes);
        }

        let errs = sum_of(ModelRow::errors);
        let mut err_m = self.fleet_minutes(BedrockMetric::ClientErrors);
        for (t, v) in self.fleet_minutes(BedrockMetric::ServerErrors) {
            *err_m.entry(t).or_insert(0.0) += v;
        }
        let err_pct_m: BTreeMap<i64, f64> = inv_m
            .iter()
            .filter(|(_, i)| **i > 0.0)
            .map(|(t, i)| (*t, err_m.get(t).copied().unwrap_or(0.0) / i * 100.0))
            .collect();
        let (wm, wv) = worst(&ModelRow::error_pct).unzip();
        ov.error_pct = Signal {
            value: match (errs, inv) {
                (_, Some(i)) if i > 0.0 => Some(errs.unwrap_or(0.0) / i * 100.0),
                _ => None,
            },
            worst_model: wm,
            worst_value: wv,
            spark: self.spark(&err_pct_m),
        };

        let thr = sum_of(|m| m.throttles);
        let thr_m = self.fleet_minutes(BedrockMetric::Throttles);
        let thr_pct_m: BTreeMap<i64, f64> = inv_m
            .keys()
            .chain(thr_m.keys())
            .map(|t| {
                let th = thr_m.get(t).copied().unwrap_or(0.0);
                let tot = inv_m.get(t).copied().unwrap_or(0.0) + th;
                (*t, if tot > 0.0 { th / tot * 100.0 } else { 0.0 })
            })
            .collect();
        let (wm, wv) = worst(&ModelRow::throttle_pct).unzip();
        let total = inv.unwrap_or(0.0) + thr.unwrap_or(0.0);
        ov.throttle_pct = Signal {
            value: (total > 0.0).then(|| thr.unwrap_or(0.0) / total * 100.0),
            worst_model: wm,
            worst_value: wv,
            spark: self.spark(&thr_pct_m),
        };

        // p99: CloudWatch cannot combine percentiles across models, so the fleet figure is the
        // worst model's own window p99, and the sparkline the worst per-minute p99.
        let mut p99_m: BTreeMap<i64, f64> = BTreeMap::new();
        for m in &models {
            for (t, v) in self.model_minutes(&m.region, &m.model_id, BedrockMetric::Latency, "p99") {
                let e = p99_m.entry(t).or_insert(v);
                *e = e.max(v);
            }
        }
        let (wm, wv) = worst(&|m: &ModelRow| m.latency_p99).unzip();
        ov.p99_ms = Signal { value: wv, worst_model: wm, worst_value: wv, spark: self.spark(&p99_m) };

        let tok = sum_of(ModelRow::tokens);
        let mut tok_m = self.fleet_minutes(BedrockMetric::InputTokens);
        for (t, v) in self.fleet_minutes(BedrockMetric::OutputTokens) {
            *tok_m.entry(t).or_insert(0.0) += v;
        }
        let (wm, wv) = worst(&ModelRow::tokens).unzip();
        ov.tokens_per_min = Signal {
            value: tok.map(|v| v / minutes),
            worst_model: wm,
            worst_value: wv.map(|v| v / minutes),
            spark: self.spark(&tok_m),
        };

        // Cost per period across priced models; burn = the last 15 minutes of data (or the last
        // point, when points are longer: an hour for data over 63 days old), per hour. A point
        // covers `period` seconds, so the sum is divided by the seconds its points cover.
        let mut cost_m: BTreeMap<i64, f64> = BTreeMap::new();
        let mut per_model_burn: Vec<(String, f64)> = Vec::new();
        let newest = tok_m.keys().next_back().copied();
        let period = self.period.max(60);
        let burn_points = (BURN_MINUTES * 60 + period - 1) / period;
        let burn_secs = (burn_points * period) as f64;
        let in_burn = |t: i64| newest.is_some_and(|n| t > n - burn_points * period && t <= n);
        for m in &models {
            match self.model_cost_minutes(&m.region, &m.model_id) {
                Some(c) => {
                    let mut burn = 0.0;
                    for (t, v) in &c {
                        *cost_m.entry(*t).or_insert(0.0) += v;
                        if in_burn(*t) {
                            burn += v;
                        }
                    }
                    per_model_burn.push((m.model_id.clone(), burn * 3600.0 / burn_secs));
                }
                None if m.tokens().is_some_and(|t| t > 0.0) => ov.unpriced_models.push(m.model_id.clone()),
                None => {}
            }
        }
        let burn: Option<f64> = newest
            .map(|_| cost_m.iter().filter(|(t, _)| in_burn(**t)).map(|(_, v)| v).sum::<f64>() * 3600.0 / burn_secs);
        let worst_burn = per_model_burn.into_iter().filter(|(_, v)| *v > 0.0).max_by(|a, b| a.1.total_cmp(&b.1));
        ov.usd_per_hour = Signal {
            value: if cost_m.is_empty() { None } else { burn },
            worst_model: worst_burn.as_ref().map(|(m, _)| m.clone()),
            worst_value: worst_burn.map(|(_, v)| v),
            spark: self.spark(&cost_m),
        };
        ov.usd_per_day_projected = ov.usd_per_hour.value.map(|v| v * 24.0);
        let costs: Vec<f64> = models.iter().filter_map(|m| m.cost_usd).collect();
        ov.window_cost = (!costs.is_empty()).then(|| costs.iter().sum());

        ov.quality = self
            .series()
            .filter(|(k, _)| k.namespace.eq_ignore_ascii_case("GenAI/Quality") && k.stat == "Average")
            .map(|(k, s)| QualityScore {
                key: k.clone(),
                value: s.window_value,
                spark: self.spark(&s.range(self.window.start, self.window.end).collect()),
            })
            .collect();
        ov
    }

    /// Every series of the configured custom namespaces, with its window figure.
    pub fn namespace_metrics(&self) -> BTreeMap<String, Vec<NamespaceMetric>> {
        let mut out: BTreeMap<String, Vec<NamespaceMetric>> = BTreeMap::new();
        for (k, s) in self.series() {
            if k.namespace == BEDROCK_NAMESPACE {
                continue;
            }
            out.entry(k.namespace.clone())
                .or_default()
                .push(NamespaceMetric { key: k.clone(), value: self.window_figure(k, s) });
        }
        out
    }
}

/// A row of the model tables: one model in one region (split), or one base model summed over
/// its regions and its cross-region inference profile ids (`us.`, `eu.`, `apac.`, `global.`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelGroup {
    /// The figures. Grouped: `model_id` is the base model id, `region` the one region or
    /// "N regions"; counts, tokens and cost are sums, latency percentiles the worst member's.
    pub row: ModelRow,
    /// The rows it stands for, by region then model id (one when split).
    pub members: Vec<ModelRow>,
}

impl ModelGroup {
    /// A row as it is (split view).
    pub fn single(row: ModelRow) -> Self {
        Self { members: vec![row.clone()], row }
    }

    /// More than one row combined: the percentiles are the worst member's, not a percentile of
    /// the group.
    pub fn is_merged(&self) -> bool {
        self.members.len() > 1
    }

    /// Whether `(region, model_id)` is one of the rows it stands for.
    pub fn contains(&self, region: &str, model_id: &str) -> bool {
        self.members.iter().any(|m| m.region == region && m.model_id == model_id)
    }

    /// The member with the most invocations (ties: the first), e.g. for its traces.
    pub fn busiest(&self) -> &ModelRow {
        self.members
            .iter()
            .rev()
            .max_by(|a, b| a.invocations.unwrap_or(-1.0).total_cmp(&b.invocations.unwrap_or(-1.0)))
            .unwrap_or(&self.row)
    }

    /// Every model id and region it stands for, for a `/` filter.
    pub fn search_text(&self) -> String {
        let mut t = format!("{} {}", self.row.model_id, self.row.region);
        for m in &self.members {
            t.push(' ');
            t.push_str(&m.model_id);
            t.push(' ');
            t.push_str(&m.region);
        }
        t
    }
}

/// One row per base model (cross-region prefixes and ARNs stripped with
/// [`crate::domain::catalog::base_model_id`]), summing its rows across regions and prefixes,
/// sorted by base model id.
///
/// Counts, tokens, errors, throttles and cost add up exactly. Percentiles cannot be combined
/// from percentiles, so p50/p90/p99 and TTFT are the worst (largest) member's; `latency_avg` is
/// the invocation-weighted mean; quota figures the largest member's (quotas are per region and
/// per id). Cost is unknown when a member with tokens has no price (never an undercount).
pub fn group_by_model(rows: Vec<ModelRow>) -> Vec<ModelGroup> {
    let mut by_base: BTreeMap<String, Vec<ModelRow>> = BTreeMap::new();
    for r in rows {
        by_base.entry(crate::domain::catalog::base_model_id(&r.model_id).to_string()).or_default().push(r);
    }
    by_base
        .into_iter()
        .map(|(base, mut members)| {
            members.sort_by(|a, b| a.region.cmp(&b.region).then_with(|| a.model_id.cmp(&b.model_id)));
            ModelGroup { row: combine(base, &members), members }
        })
        .collect()
}

/// The split view: every row as it is.
pub fn split_models(rows: Vec<ModelRow>) -> Vec<ModelGroup> {
    rows.into_iter().map(ModelGroup::single).collect()
}

pub(crate) fn combine(model_id: String, members: &[ModelRow]) -> ModelRow {
    let sum = |f: fn(&ModelRow) -> Option<f64>| {
        members.iter().filter_map(f).fold(None, |acc: Option<f64>, v| Some(acc.unwrap_or(0.0) + v))
    };
    let max = |f: fn(&ModelRow) -> Option<f64>| {
        members.iter().filter_map(f).fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |a| a.max(v))))
    };
    let mut regions: Vec<&str> = members.iter().map(|m| m.region.as_str()).collect();
    regions.dedup();
    let region = match regions.as_slice() {
        [one] => one.to_string(),
        many => format!("{} regions", many.len()),
    };
    // weighted by invocations; members without a count cannot be weighted
    let weighted: Vec<(f64, f64)> =
        members.iter().filter_map(|m| Some((m.latency_avg?, m.invocations.filter(|i| *i > 0.0)?))).collect();
    let weight: f64 = weighted.iter().map(|(_, w)| w).sum();
    let latency_avg = if weight > 0.0 {
        Some(weighted.iter().map(|(v, w)| v * w).sum::<f64>() / weight)
    } else {
        max(|m| m.latency_avg)
    };
    let unpriced = members.iter().any(|m| m.cost_usd.is_none() && m.tokens().is_some());
    ModelRow {
        region,
        model_id,
        invocations: sum(|m| m.invocations),
        input_tokens: sum(|m| m.input_tokens),
        output_tokens: sum(|m| m.output_tokens),
        cache_read_tokens: sum(|m| m.cache_read_tokens),
        cache_write_tokens: sum(|m| m.cache_write_tokens),
        client_errors: sum(|m| m.client_errors),
        server_errors: sum(|m| m.server_errors),
        throttles: sum(|m| m.throttles),
        latency_avg,
        latency_p50: max(|m| m.latency_p50),
        latency_p90: max(|m| m.latency_p90),
        latency_p99: max(|m| m.latency_p99),
        ttft_p50: max(|m| m.ttft_p50),
        ttft_p90: max(|m| m.ttft_p90),
        tpm_quota_max: max(|m| m.tpm_quota_max),
        cost_usd: if unpriced { None } else { sum(|m| m.cost_usd) },
        // the least authoritative of the members' sources (built-in over price-list over config)
        price_source: if unpriced { None } else { members.iter().filter_map(|m| m.price_source).max() },
        profile_name: members.first().and_then(|m| m.profile_name.clone()).filter(|_| members.len() == 1),
        quota_pct: max(|m| m.quota_pct),
        usd_per_hour: if unpriced { None } else { sum(|m| m.usd_per_hour) },
        account: members
            .first()
            .and_then(|m| m.account.clone())
            .filter(|a| members.iter().all(|m| m.account.as_ref() == Some(a))),
    }
}

impl Store {
    /// The model rows, split (one per region and model id) or grouped by base model.
    pub fn model_groups(&self, grouped: bool) -> Vec<ModelGroup> {
        if grouped { group_by_model(self.models()) } else { split_models(self.models()) }
    }

    /// Per-minute points of a metric over the window for several (region, model id) rows:
    /// summed for an additive statistic (Sum, SampleCount), else the largest member's value.
    pub fn members_minutes(&self, members: &[ModelRow], metric: BedrockMetric, stat: &str) -> BTreeMap<i64, f64> {
        let mut out: BTreeMap<i64, f64> = BTreeMap::new();
        for m in members {
            for (t, v) in self.model_minutes(&m.region, &m.model_id, metric, stat) {
                match out.entry(t) {
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(v);
                    }
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        let x = e.get_mut();
                        *x = if is_additive(stat) { *x + v } else { x.max(v) };
                    }
                }
            }
        }
        out
    }

    /// Per-minute cost over the window of several rows, summed over the priced ones; `None`
    /// when none has a price.
    pub fn members_cost_minutes(&self, members: &[ModelRow]) -> Option<BTreeMap<i64, f64>> {
        let mut out: Option<BTreeMap<i64, f64>> = None;
        for m in members {
            if let Some(c) = self.model_cost_minutes(&m.region, &m.model_id) {
                let o = out.get_or_insert_with(BTreeMap::new);
                for (t, v) in c {
                    *o.entry(t).or_insert(0.0) += v;
                }
            }
        }
        out
    }
}

/// The window's length as the header and the reports say it: `1h`, `3d`.
pub fn since_label(store: &Store) -> String {
    let secs = store.window.secs();
    if secs <= 0 { "1h".into() } else { crate::domain::window::Since::from_secs(secs).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::models::tests::{SONNET, key, store_with};
    use crate::store::{MetricsUpdate, Update};

    #[test]
    fn quota_basis_says_what_the_headroom_figure_is() {
        assert_eq!(quota_basis(300), "per-minute average of the latest 5-minute point");
        assert_eq!(quota_basis(3600), "per-minute average of the latest 1-hour point");
        assert_eq!(quota_basis(60), "busiest of the last 5 minutes");
    }

    /// Burn is the cost of the last 15 minutes of data per hour: with coarser points (5-minute,
    /// or hourly for data over 63 days old) the sum is divided by what the points cover.
    #[test]
    fn burn_divides_by_the_seconds_the_points_cover() {
        let store_at = |period: i64, points: Vec<(i64, f64)>| {
            let mut s = Store::new(PriceTable::default(), vec![]);
            s.apply(Update::Metrics(MetricsUpdate {
                window: Window { start: 0, end: 4 * 3600 },
                period,
                resolution: Default::default(),
                series: vec![(key("InputTokenCount", SONNET, "Sum"), points)],
                window_values: vec![],
            }));
            s
        };
        // hourly points: the last hour cost 2M input tokens at $3/M = $6, i.e. $6 an hour
        let s = store_at(3600, vec![(0, 1_000_000.0), (3600, 1_000_000.0), (7200, 2_000_000.0)]);
        assert!((s.overview().usd_per_hour.value.unwrap() - 6.0).abs() < 1e-9, "{:?}", s.overview().usd_per_hour);
        assert!((s.overview().usd_per_hour.worst_value.unwrap() - 6.0).abs() < 1e-9);
        // 5-minute points: the last three (15 minutes) cost $1 each, $12 an hour; older ones don't count
        let pts = (0..12).map(|i| (i * 300, if i >= 9 { 1_000_000.0 / 3.0 } else { 9e9 })).collect();
        let s = store_at(300, pts);
        assert!((s.overview().usd_per_hour.value.unwrap() - 12.0).abs() < 1e-6, "{:?}", s.overview().usd_per_hour);
        // minutes, as before: 15 points of $0.30 → $18 an hour
        let pts = (0..30).map(|i| (i * 60, if i >= 15 { 100_000.0 } else { 9e9 })).collect();
        let s = store_at(60, pts);
        assert!((s.overview().usd_per_hour.value.unwrap() - 18.0).abs() < 1e-6, "{:?}", s.overview().usd_per_hour);
    }

    #[test]
    fn unknown_price_is_unknown_not_zero() {
        let s = store_with(vec![(key("InputTokenCount", "acme.mystery-v1", "Sum"), vec![(0, 1000.0)])], vec![]);
        assert_eq!(s.models()[0].cost_usd, None);
        let ov = s.overview();
        assert_eq!(ov.unpriced_models, vec!["acme.mystery-v1".to_string()]);
        assert_eq!(ov.window_cost, None);
    }

    #[test]
    fn overview_names_the_worst_model() {
        let haiku = "anthropic.claude-haiku-4-5-20251001-v1:0";
        let s = store_with(
            vec![
                (key("Invocations", SONNET, "Sum"), vec![(0, 100.0)]),
                (key("InvocationThrottles", SONNET, "Sum"), vec![(0, 100.0)]),
                (key("Invocations", haiku, "Sum"), vec![(0, 500.0)]),
                (key("InvocationThrottles", haiku, "Sum"), vec![(0, 5.0)]),
            ],
            vec![(key("InvocationLatency", haiku, "p99"), Some(800.0))],
        );
        let ov = s.overview();
        assert_eq!(ov.requests_per_min.value, Some(60.0));
        assert_eq!(ov.throttle_pct.worst_model.as_deref(), Some(SONNET));
        assert_eq!(ov.throttle_pct.worst_value, Some(50.0));
        assert!((ov.throttle_pct.value.unwrap() - 105.0 / 705.0 * 100.0).abs() < 1e-9);
        assert_eq!(ov.p99_ms.worst_model.as_deref(), Some(haiku));
        assert_eq!(ov.requests_per_min.spark.len(), 10);
        assert_eq!(ov.requests_per_min.spark[0], Some(600.0));
        assert_eq!(ov.requests_per_min.spark[1], None);
    }

    #[test]
    fn custom_namespace_figures() {
        let f = SeriesKey::new("us-east-1", "GenAI/Quality", "Faithfulness", &[], "Average");
        let c = SeriesKey::new("us-east-1", "GenAI/Cost", "TotalCost", &[], "Sum");
        let s = store_with(
            vec![(f.clone(), vec![(0, 0.9), (60, 0.7)]), (c.clone(), vec![(0, 1.5), (60, 2.5)])],
            vec![(f.clone(), Some(0.81))],
        );
        let ns = s.namespace_metrics();
        assert_eq!(ns["GenAI/Quality"][0].value, Some(0.81));
        assert_eq!(ns["GenAI/Cost"][0].value, Some(4.0));
        assert_eq!(s.overview().quality[0].value, Some(0.81));
    }

    fn row(region: &str, id: &str, inv: Option<f64>) -> ModelRow {
        ModelRow { region: region.into(), model_id: id.into(), invocations: inv, ..Default::default() }
    }

    const SONNET37: &str = "anthropic.claude-3-7-sonnet-20250219-v1:0";

    #[test]
    fn grouping_sums_counts_weights_the_mean_and_takes_the_worst_percentile() {
        let us_east_prefixed = ModelRow {
            input_tokens: Some(1000.0),
            output_tokens: Some(200.0),
            client_errors: Some(1.0),
            server_errors: Some(2.0),
            throttles: Some(5.0),
            latency_avg: Some(1000.0),
            latency_p50: Some(800.0),
            latency_p90: Some(1500.0),
            latency_p99: Some(3000.0),
            ttft_p50: Some(300.0),
            cost_usd: Some(1.25),
            quota_pct: Some(40.0),
            ..row("us-east-1", &format!("us.{SONNET37}"), Some(100.0))
        };
        let us_east_plain = ModelRow {
            input_tokens: Some(3000.0),
            output_tokens: Some(600.0),
            client_errors: Some(4.0),
            throttles: Some(0.0),
            latency_avg: Some(2000.0),
            latency_p50: Some(900.0),
            latency_p90: Some(1200.0),
            latency_p99: Some(2500.0),
            ttft_p50: Some(450.0),
            cost_usd: Some(0.5),
            quota_pct: Some(70.0),
            ..row("us-east-1", SONNET37, Some(300.0))
        };
        let us_west_prefixed = ModelRow {
            input_tokens: Some(500.0),
            output_tokens: Some(100.0),
            latency_avg: Some(500.0),
            latency_p50: Some(400.0),
            latency_p90: Some(2000.0),
            latency_p99: Some(5000.0),
            cost_usd: Some(0.25),
            ..row("us-west-2", &format!("us.{SONNET37}"), Some(100.0))
        };
        let nova = ModelRow {
            latency_avg: Some(700.0),
            latency_p99: Some(1900.0),
            ..row("us-west-2", "amazon.nova-pro-v1:0", Some(40.0))
        };
        let groups = group_by_model(vec![
            us_west_prefixed.clone(),
            nova.clone(),
            us_east_prefixed.clone(),
            us_east_plain.clone(),
        ]);
        assert_eq!(groups.len(), 2);
        // sorted by base model id
        assert_eq!(groups[0].row.model_id, "amazon.nova-pro-v1:0");
        let g = &groups[1];
        assert_eq!(g.row.model_id, SONNET37, "the us. prefix is stripped");
        assert_eq!(g.row.region, "2 regions");
        assert!(g.is_merged());
        // members by region, then id
        assert_eq!(g.members, vec![us_east_plain, us_east_prefixed, us_west_prefixed]);
        let r = &g.row;
        assert_eq!(r.invocations, Some(500.0));
        assert_eq!(r.input_tokens, Some(4500.0));
        assert_eq!(r.output_tokens, Some(900.0));
        assert_eq!(r.client_errors, Some(5.0));
        assert_eq!(r.server_errors, Some(2.0), "unknown members add nothing, known ones add up");
        assert_eq!(r.throttles, Some(5.0));
        assert_eq!(r.cache_read_tokens, None, "no member knows it: unknown, not zero");
        assert_eq!(r.cost_usd, Some(2.0));
        // (1000·100 + 2000·300 + 500·100) / 500
        assert_eq!(r.latency_avg, Some(1500.0));
        assert_eq!(r.latency_p50, Some(900.0));
        assert_eq!(r.latency_p90, Some(2000.0));
        assert_eq!(r.latency_p99, Some(5000.0));
        assert_eq!(r.ttft_p50, Some(450.0));
        assert_eq!(r.ttft_p90, None);
        assert_eq!(r.quota_pct, Some(70.0));
        assert_eq!(r.error_pct(), Some(7.0 / 500.0 * 100.0));
        assert_eq!(g.busiest().model_id, SONNET37);
        assert!(g.contains("us-west-2", &format!("us.{SONNET37}")));
        assert!(!g.contains("us-west-2", SONNET37));
        // a group of one is the row itself
        assert!(!groups[0].is_merged());
        assert_eq!(groups[0].row, nova);
    }

    #[test]
    fn grouping_keeps_unknown_cost_unknown_and_one_region_named() {
        let priced =
            ModelRow { input_tokens: Some(10.0), cost_usd: Some(1.0), ..row("eu-west-1", "eu.acme.x-v1", Some(1.0)) };
        let unpriced = ModelRow { input_tokens: Some(10.0), ..row("eu-west-1", "global.acme.x-v1", Some(1.0)) };
        let g = group_by_model(vec![priced.clone(), unpriced]);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].row.model_id, "acme.x-v1");
        assert_eq!(g[0].row.region, "eu-west-1");
        assert_eq!(g[0].row.cost_usd, None, "part of the tokens has no price: the total is unknown");
        // no invocation counts to weigh by: the worst mean
        let a = ModelRow { latency_avg: Some(100.0), ..row("eu-west-1", "apac.acme.y-v1", None) };
        let b = ModelRow { latency_avg: Some(300.0), ..row("eu-west-1", "jp.acme.y-v1", None) };
        let g = group_by_model(vec![a, b]);
        assert_eq!(g[0].row.latency_avg, Some(300.0));
        assert_eq!(g[0].row.invocations, None);
        // split keeps every row
        let split = split_models(vec![priced.clone(), priced.clone()]);
        assert_eq!(split.len(), 2);
        assert!(!split[0].is_merged() && split[0].row == priced);
    }

    #[test]
    fn store_groups_two_regions_and_sums_their_minutes() {
        let k = |region: &str, metric: &str, model: &str, stat: &str| {
            SeriesKey::new(region, BEDROCK_NAMESPACE, metric, &[("ModelId", model)], stat)
        };
        let base = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        let s = store_with(
            vec![
                (k("us-east-1", "Invocations", SONNET, "Sum"), vec![(0, 10.0), (60, 20.0)]),
                (k("us-west-2", "Invocations", SONNET, "Sum"), vec![(60, 5.0), (120, 1.0)]),
                (k("us-west-2", "Invocations", base, "Sum"), vec![(0, 2.0)]),
                (k("us-east-1", "InputTokenCount", SONNET, "Sum"), vec![(0, 1_000_000.0)]),
                (k("us-west-2", "InputTokenCount", base, "Sum"), vec![(60, 1_000_000.0)]),
                (k("us-east-1", "InvocationLatency", SONNET, "p99"), vec![(0, 900.0), (60, 4000.0)]),
                (k("us-west-2", "InvocationLatency", SONNET, "p99"), vec![(0, 1200.0), (60, 3000.0)]),
            ],
            vec![
                (k("us-east-1", "InvocationLatency", SONNET, "p99"), Some(3900.0)),
                (k("us-west-2", "InvocationLatency", SONNET, "p99"), Some(2800.0)),
            ],
        );
        assert_eq!(s.model_groups(false).len(), 3);
        let g = s.model_groups(true);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].members.len(), 3);
        assert_eq!(g[0].row.region, "2 regions");
        assert_eq!(g[0].row.invocations, Some(38.0));
        assert_eq!(g[0].row.latency_p99, Some(3900.0));
        // $3 per million input tokens, in both regions
        assert_eq!(g[0].row.cost_usd, Some(6.0));
        let inv = s.members_minutes(&g[0].members, BedrockMetric::Invocations, "Sum");
        assert_eq!(inv, BTreeMap::from([(0, 12.0), (60, 25.0), (120, 1.0)]));
        let p99 = s.members_minutes(&g[0].members, BedrockMetric::Latency, "p99");
        assert_eq!(p99, BTreeMap::from([(0, 1200.0), (60, 4000.0)]));
        let cost = s.members_cost_minutes(&g[0].members).unwrap();
        assert_eq!(cost, BTreeMap::from([(0, 3.0), (60, 3.0)]));
    }
}
