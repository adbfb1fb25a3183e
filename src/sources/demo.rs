//! `nightjar --demo`: a deterministic synthetic GenAI workload with a scripted story.
//!
//! Six Bedrock models (one without a price) serve a RAG application that publishes the seed
//! application's `GenAI/*` metrics; Guardrails, an Agent and a Knowledge Base sit around it.
//! Relative to the console's launch, the story is:
//!
//! * from −20 min haiku's latency tail creeps up (p99 ~2.5 s → ~9 s by +3, p50 barely moves);
//! * from −10 min answer quality slides (Faithfulness 0.90 → 0.75 at −2 → 0.65 at +4), with
//!   retrieval errors, slower vector search, more `max_tokens` stops and guardrail interventions;
//! * +1..+8 min a throttling storm on sonnet (30–60 % of attempts throttled, TPM pinned at quota);
//! * +2..+10 min a runaway agent loop on opus (idle until then) makes cost spike;
//! * from +15 min things recover, and the story repeats every hour after launch.
//!
//! Everything is a pure function of (seed, launch, minute): minutes are generated once, cached,
//! and the current minute is shown partially, scaled by the seconds elapsed, like fresh
//! CloudWatch data. Latencies are kept as samples (≤ 60 per model-minute, each standing for a
//! whole number of requests), so window percentiles are nearest-rank over all of the window's
//! requests, never an average of per-minute percentiles.

mod generate;
/// Synthetic invocation logs, app logs and spans for the Logs pane.
pub mod logs;
/// Samples and platform metrics for the Pipeline and Platform panes.
mod pipeline;
mod rng;
/// The demo's answers to the runaway watch's queries (per caller and session per minute).
pub mod runaway;
/// The whole console's store a few minutes into the incident (screenshots, replay tests; the
/// `test-support` feature).
#[cfg(feature = "test-support")]
pub mod scene;
mod series;
/// CloudWatch statistics over samples; `stats::nearest_rank` is the reference percentile.
pub(crate) mod stats;
mod story;
pub mod traces;
/// The last 7 days of quota use (the quota view) and the batch job's inference profile.
pub mod week;

use std::collections::BTreeMap;
use std::ops::Range;

use self::generate::{MODELS, Minute};
use self::series::{AggSeries, SampleSeries, SampleStat};
use self::stats::{Agg, SampleSet};
// The same points per period as the CloudWatch source: per minute up to a day, 5 minutes beyond.
use super::cloudwatch::period_for;
use crate::domain::catalog::is_additive;
use crate::domain::pricing::PriceTable;
use crate::domain::window::{Since, Window, align_up};
use crate::store::{MetricsUpdate, SeriesKey};

/// The region every demo series is in.
/// The demo account's Bedrock quotas per model (tokens and requests per minute).
pub fn quotas() -> Vec<(String, crate::store::models::Quota)> {
    generate::MODELS
        .iter()
        .map(|p| {
            (
                p.id.to_string(),
                crate::store::models::Quota { tpm: Some(p.tpm_quota), rpm: Some((p.rate * 4.0).max(10.0)) },
            )
        })
        .collect()
}

pub const DEMO_REGION: &str = "us-east-1";

/// Generated minutes kept before the window's start, so a window that moves on doesn't
/// regenerate what it just had.
const KEEP_BEFORE_SECS: i64 = 3600;

/// The synthetic workload. Cheap to poll: generated minutes are cached.
pub struct DemoWorkload {
    seed: u64,
    launch: i64,
    pricing: PriceTable,
    aggs: Vec<AggSeries>,
    samples: Vec<SampleSeries>,
    app_samples: Vec<pipeline::AppSampleSeries>,
    cache: BTreeMap<i64, Minute>,
}

impl std::fmt::Debug for DemoWorkload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoWorkload")
            .field("seed", &self.seed)
            .field("launch", &self.launch)
            .field("cached_minutes", &self.cache.len())
            .finish_non_exhaustive()
    }
}

impl DemoWorkload {
    /// `seed` makes the data deterministic; `launch` is the epoch second the story is anchored
    /// to (the console's start time). Region for all series: [`DEMO_REGION`].
    pub fn new(seed: u64, launch: i64) -> Self {
        let (aggs, samples) = series::build();
        let app_samples = pipeline::sample_series();
        Self { seed, launch, pricing: PriceTable::default(), aggs, samples, app_samples, cache: BTreeMap::new() }
    }

    /// The model ids the demo uses.
    pub fn models(&self) -> Vec<String> {
        MODELS.iter().map(|p| p.id.to_string()).collect()
    }

    /// Everything the console would see for the window `since` ending at `now` (epoch seconds):
    /// per-period points for every period of the window up to and including the current
    /// (partial) minute, and whole-window values for the statistics that don't add up.
    /// Deterministic: the same (seed, launch, now, since) always gives the same update.
    pub fn poll(&mut self, now: i64, since: Since) -> MetricsUpdate {
        let window = since.window_ending(now);
        let period = period_for(&window);
        let (first, last) = minute_range(&window);
        self.fill(first, last);
        // The current minute has only run for part of its 60 seconds.
        let frac = ((now - last) as f64 / 60.0).clamp(0.0, 1.0);
        let minutes: Vec<(i64, &Minute, f64)> = if first <= last {
            self.cache.range(first..=last).map(|(t, m)| (*t, m, if *t == last { frac } else { 1.0 })).collect()
        } else {
            Vec::new()
        };
        let buckets = buckets(minutes.iter().map(|(t, _, _)| *t), window.start, period);

        // synthetic data is always fresh: only the window's length makes it coarser
        let resolution = crate::domain::window::Resolution::for_window(&window, window.end);
        let mut update = MetricsUpdate { window, period, resolution, ..Default::default() };
        for s in &self.aggs {
            let mut points = Vec::with_capacity(buckets.len());
            let mut whole = Agg::default();
            for (b, r) in &buckets {
                let mut period_agg = Agg::default();
                for (_, m, f) in &minutes[r.clone()] {
                    period_agg.merge(&s.source.get(m).partial(*f, s.stat, s.integral));
                }
                whole.merge(&period_agg);
                points.extend(period_agg.value(s.stat).map(|v| (*b, v)));
            }
            if !points.is_empty() {
                update.series.push((s.key.clone(), points));
            }
            if !is_additive(&s.key.stat) {
                update.window_values.push((s.key.clone(), whole.value(s.stat)));
            }
        }
        for s in &self.samples {
            let sets: Vec<SampleSet<'_>> = minutes.iter().map(|(_, m, f)| sample_set(m, s).partial(*f)).collect();
            let mut points: Vec<Vec<(i64, f64)>> = vec![Vec::new(); s.stats.len()];
            for (b, r) in &buckets {
                for (pts, v) in points.iter_mut().zip(sample_stats(&sets[r.clone()], &s.stats)) {
                    pts.extend(v.map(|v| (*b, v)));
                }
            }
            for (((key, _), pts), value) in s.stats.iter().zip(points).zip(sample_stats(&sets, &s.stats)) {
                if !pts.is_empty() {
                    update.series.push((key.clone(), pts));
                }
                update.window_values.push((key.clone(), value));
            }
        }
        pipeline::emit(&self.app_samples, &minutes, &buckets, &mut update);
        update
    }

    /// Make sure minutes `first..=last` are generated; forget the ones far outside.
    fn fill(&mut self, first: i64, last: i64) {
        if first > last {
            return;
        }
        self.cache.retain(|t, _| *t >= first - KEEP_BEFORE_SECS && *t <= last);
        for t in (first..=last).step_by(60) {
            if !self.cache.contains_key(&t) {
                let m = generate::minute(self.seed, self.launch, t, &self.pricing);
                self.cache.insert(t, m);
            }
        }
    }

    /// The latency (or TTFT) samples of one model in the window, each with the number of
    /// requests it stands for: what the window percentiles are computed from.
    #[cfg(test)]
    pub(crate) fn window_samples(&mut self, model: &str, ttft: bool, now: i64, since: Since) -> Vec<(f64, u64)> {
        let window = since.window_ending(now);
        let (first, last) = minute_range(&window);
        self.fill(first, last);
        let frac = ((now - last) as f64 / 60.0).clamp(0.0, 1.0);
        let Some(s) = self.samples.iter().find(|s| MODELS[s.model].id == model && s.ttft == ttft) else {
            return Vec::new();
        };
        if first > last {
            return Vec::new();
        }
        self.cache
            .range(first..=last)
            .flat_map(|(t, m)| {
                sample_set(m, s).partial(if *t == last { frac } else { 1.0 }).weighted().collect::<Vec<_>>()
            })
            .collect()
    }
}

/// The first and last minute starting inside the window (first > last when it holds none).
fn minute_range(window: &Window) -> (i64, i64) {
    (align_up(window.start, 60), window.end - 60)
}

/// Group minute timestamps (ascending) into periods starting at `start`: (period start, index
/// range of its minutes).
fn buckets(minutes: impl Iterator<Item = i64>, start: i64, period: i64) -> Vec<(i64, Range<usize>)> {
    let mut out: Vec<(i64, Range<usize>)> = Vec::new();
    for (i, t) in minutes.enumerate() {
        let b = start + (t - start).div_euclid(period) * period;
        match out.last_mut() {
            Some((last, r)) if *last == b => r.end = i + 1,
            _ => out.push((b, i..i + 1)),
        }
    }
    out
}

fn sample_set<'a>(m: &'a Minute, s: &SampleSeries) -> SampleSet<'a> {
    let model = &m.models[s.model];
    if s.ttft { model.ttft_set() } else { model.latency_set() }
}

/// Each of a latency series' statistics over the given minutes' samples.
fn sample_stats(sets: &[SampleSet<'_>], wanted: &[(SeriesKey, SampleStat)]) -> Vec<Option<f64>> {
    let pcts: Vec<u32> = wanted
        .iter()
        .filter_map(|(_, s)| match s {
            SampleStat::Percentile(p) => Some(*p),
            SampleStat::Mean => None,
        })
        .collect();
    let mut pct_values = stats::percentiles(sets, &pcts).into_iter();
    wanted
        .iter()
        .map(|(_, s)| match s {
            SampleStat::Mean => stats::mean(sets),
            SampleStat::Percentile(_) => pct_values.next().flatten(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::stats::nearest_rank;
    use super::*;
    use crate::domain::catalog::{BEDROCK_NAMESPACE, custom_stat};
    use crate::store::{Store, Update};

    const LAUNCH: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC
    const MIN: i64 = 60;
    const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
    const OPUS: &str = "us.anthropic.claude-opus-4-5-20251101-v1:0";
    const UNPRICED: &str = "acme.custom-finetune-v1";
    /// The story must hold for any seed, not just a lucky one.
    const SEEDS: [u64; 5] = [0, 7, 42, 1234, u64::MAX];

    fn since(s: &str) -> Since {
        s.parse().unwrap()
    }

    fn store_at(w: &mut DemoWorkload, now: i64, window: &str) -> Store {
        let mut store = Store::new(PriceTable::default(), vec![]);
        store.apply(Update::Metrics(w.poll(now, since(window))));
        store
    }

    fn row(store: &Store, model: &str) -> crate::store::models::ModelRow {
        store.models().into_iter().find(|r| r.model_id == model).unwrap_or_else(|| panic!("no row for {model}"))
    }

    fn bedrock(metric: &str, model: &str, stat: &str) -> SeriesKey {
        SeriesKey::new(DEMO_REGION, BEDROCK_NAMESPACE, metric, &[("ModelId", model)], stat)
    }

    fn points<'a>(u: &'a MetricsUpdate, key: &SeriesKey) -> &'a [(i64, f64)] {
        u.series.iter().find(|(k, _)| k == key).map(|(_, p)| p.as_slice()).unwrap_or(&[])
    }

    fn window_value(u: &MetricsUpdate, key: &SeriesKey) -> Option<f64> {
        u.window_values.iter().find(|(k, _)| k == key).and_then(|(_, v)| *v)
    }

    #[test]
    fn same_seed_same_data_different_seed_different_data() {
        let mut a = DemoWorkload::new(42, LAUNCH);
        let mut b = DemoWorkload::new(42, LAUNCH);
        // warm `a`'s cache at other times first: the cache must not change what is returned
        a.poll(LAUNCH - 50 * MIN, since("3h"));
        a.poll(LAUNCH + 30 * MIN + 7, since("15m"));
        for (now, w) in [(LAUNCH + 5 * MIN + 13, "1h"), (LAUNCH - 30 * MIN, "15m"), (LAUNCH + 2 * 3600 + 1, "3h")] {
            let ua = a.poll(now, since(w));
            assert_eq!(ua, b.poll(now, since(w)), "now={now} window={w}");
            assert_eq!(ua, a.poll(now, since(w)), "polling twice");
        }
        let mut c = DemoWorkload::new(43, LAUNCH);
        let (ua, uc) = (a.poll(LAUNCH, since("1h")), c.poll(LAUNCH, since("1h")));
        assert_ne!(ua.series, uc.series);
        assert_ne!(ua.window_values, uc.window_values);
        // same models and metrics, different numbers (rare events may be absent in one of them)
        let keys = |u: &MetricsUpdate| {
            u.series
                .iter()
                .filter(|(k, _)| k.namespace == BEDROCK_NAMESPACE)
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&ua), keys(&uc));
    }

    #[test]
    fn priced_models_and_one_without_a_price() {
        let mut w = DemoWorkload::new(1, LAUNCH);
        let models = w.models();
        let prices = PriceTable::default();
        let priced = models.iter().filter(|m| prices.price(m).is_some()).count();
        let unpriced: Vec<&String> = models.iter().filter(|m| prices.price(m).is_none()).collect();
        assert!(priced >= 4, "{models:?}");
        assert_eq!(unpriced, vec![UNPRICED]);
        for m in [SONNET, HAIKU, OPUS] {
            assert!(models.iter().any(|x| x == m));
        }

        let store = store_at(&mut w, LAUNCH, "1h");
        let rows = store.models();
        assert_eq!(rows.len(), models.len());
        assert!(rows.iter().all(|r| r.region == DEMO_REGION));
        let custom = row(&store, UNPRICED);
        assert!(custom.invocations.unwrap() > 100.0);
        assert_eq!(custom.cost_usd, None);
        assert_eq!(store.overview().unpriced_models, vec![UNPRICED.to_string()]);
        // TTFT only for the streaming models, cache tokens only for Claude
        assert!(row(&store, SONNET).ttft_p50.is_some() && row(&store, HAIKU).ttft_p90.is_some());
        assert_eq!(row(&store, OPUS).ttft_p50, None);
        assert!(row(&store, HAIKU).cache_read_tokens.unwrap() > 0.0);
        assert_eq!(row(&store, "amazon.nova-pro-v1:0").cache_read_tokens, None);
        // believable baseline traffic
        let per_min = |m: &str| row(&store, m).invocations.unwrap() / 60.0;
        assert!((11.0..20.0).contains(&per_min(SONNET)), "{}", per_min(SONNET));
        assert!((40.0..62.0).contains(&per_min(HAIKU)), "{}", per_min(HAIKU));
    }

    #[test]
    fn every_series_uses_the_consoles_statistics() {
        let mut w = DemoWorkload::new(1, LAUNCH);
        let u = w.poll(LAUNCH, since("1h"));
        use crate::domain::catalog::extra_stats;
        for (k, p) in &u.series {
            assert!(!p.is_empty());
            // the statistics the CloudWatch source reads: custom_stat, plus the catalog's extras
            if k.namespace != BEDROCK_NAMESPACE {
                let main = custom_stat(&k.namespace, &k.metric);
                let extra = extra_stats(&k.namespace, &k.metric);
                assert!(k.stat == main || extra.contains(&k.stat.as_str()), "{} {}", k.label(), k.stat);
                for x in extra {
                    assert!(u.series.iter().any(|(o, _)| *o == k.with_stat(x)), "{} has no {x}", k.label());
                }
            }
            let has_window_value = u.window_values.iter().any(|(wk, _)| wk == k);
            assert_eq!(has_window_value, !is_additive(&k.stat), "{} {}", k.label(), k.stat);
        }
        let namespaces: std::collections::BTreeSet<&str> = u.series.iter().map(|(k, _)| k.namespace.as_str()).collect();
        for ns in crate::domain::catalog::DEFAULT_CUSTOM_NAMESPACES {
            assert!(namespaces.contains(ns), "{ns}");
        }
        for ns in [
            "AWS/Bedrock",
            "AWS/Bedrock/Guardrails",
            "AWS/Bedrock/Agents",
            "AWS/Bedrock/KnowledgeBases",
            "AWS/Bedrock-AgentCore",
        ] {
            assert!(namespaces.contains(ns), "{ns}");
        }
        let stop =
            SeriesKey::new(DEMO_REGION, "GenAI/Behavior", "StopReason", &[("Reason", "max_tokens")], "SampleCount");
        assert!(!points(&u, &stop).is_empty());
        let models_latency =
            SeriesKey::new(DEMO_REGION, "GenAI/Models", "AvgLatency", &[("ModelId", "claude-haiku-4-5")], "Average");
        assert!(window_value(&u, &models_latency).unwrap() > 500.0);
    }

    #[test]
    fn sonnet_throttling_storm() {
        for seed in SEEDS {
            sonnet_storm_for(seed);
        }
    }

    fn sonnet_storm_for(seed: u64) {
        let mut w = DemoWorkload::new(seed, LAUNCH);
        let during = store_at(&mut w, LAUNCH + 5 * MIN, "5m");
        let before = store_at(&mut w, LAUNCH - 30 * MIN, "5m");
        let calm_hour = store_at(&mut w, LAUNCH - 30 * MIN, "1h");
        let (d, b) = (row(&during, SONNET), row(&before, SONNET));
        eprintln!(
            "sonnet throttle%: storm {:.1} / before {:.2} (1h before {:.2}); invocations/min {:.0} vs {:.0}",
            d.throttle_pct().unwrap(),
            b.throttle_pct().unwrap(),
            row(&calm_hour, SONNET).throttle_pct().unwrap(),
            d.invocations.unwrap() / 5.0,
            b.invocations.unwrap() / 5.0
        );
        assert!(d.throttle_pct().unwrap() > 20.0);
        assert!(b.throttle_pct().unwrap() < 2.0);
        assert!(row(&calm_hour, SONNET).throttle_pct().unwrap() < 2.0);
        assert!(d.invocations.unwrap() < b.invocations.unwrap());
        // the quota estimate is pinned near the ceiling only during the storm
        assert!(d.tpm_quota_max.unwrap() > 380_000.0, "{:?}", d.tpm_quota_max);
        assert!(b.tpm_quota_max.unwrap() < 300_000.0, "{:?}", b.tpm_quota_max);
        // the other models are not throttled
        assert!(row(&during, HAIKU).throttle_pct().unwrap() < 2.0);
        // the application sees it too
        let thr = SeriesKey::new(DEMO_REGION, "GenAI/Errors", "ThrottlingErrors", &[], "Sum");
        let sum = |s: &Store| s.get(&thr).and_then(|x| x.sum(s.window.start, s.window.end)).unwrap_or(0.0);
        assert!(sum(&during) > 3.0 * (sum(&before) + 1.0), "{} vs {}", sum(&during), sum(&before));
        // and it is over by +9
        let after = store_at(&mut w, LAUNCH + 14 * MIN, "5m");
        assert!(row(&after, SONNET).throttle_pct().unwrap() < 2.0);
    }

    #[test]
    fn haiku_tail_creeps_up() {
        for seed in SEEDS {
            haiku_tail_for(seed);
        }
    }

    fn haiku_tail_for(seed: u64) {
        let mut w = DemoWorkload::new(seed, LAUNCH);
        let p99 = |w: &mut DemoWorkload, now: i64, win: &str| row(&store_at(w, now, win), HAIKU).latency_p99.unwrap();
        let p50 = |w: &mut DemoWorkload, now: i64, win: &str| row(&store_at(w, now, win), HAIKU).latency_p50.unwrap();
        let (early, late) = (p99(&mut w, LAUNCH - 40 * MIN, "15m"), p99(&mut w, LAUNCH + 5 * MIN, "15m"));
        let (early_h, late_h) = (p99(&mut w, LAUNCH - 40 * MIN, "1h"), p99(&mut w, LAUNCH + 5 * MIN, "1h"));
        let (m_early, m_late) = (p50(&mut w, LAUNCH - 40 * MIN, "15m"), p50(&mut w, LAUNCH + 5 * MIN, "15m"));
        eprintln!(
            "haiku p99 15m: {early:.0} -> {late:.0} ms; 1h: {early_h:.0} -> {late_h:.0} ms; p50 {m_early:.0} -> {m_late:.0} ms"
        );
        assert!(late > 2.0 * early);
        assert!(late_h > 1.5 * early_h);
        assert!((1800.0..3500.0).contains(&early), "{early}");
        // the median barely moves
        assert!(m_late < 1.35 * m_early);
        // per minute, p99 is ~9 s around +5 (noisy: ~120 requests a minute)
        let u = w.poll(LAUNCH + 10 * MIN, since("15m"));
        let mut p99s: Vec<f64> = points(&u, &bedrock("InvocationLatency", HAIKU, "p99"))
            .iter()
            .filter(|(t, _)| *t >= LAUNCH)
            .map(|(_, v)| *v)
            .collect();
        p99s.sort_by(f64::total_cmp);
        let typical = p99s[p99s.len() / 2];
        assert!((5000.0..15000.0).contains(&typical), "{p99s:?}");
    }

    #[test]
    fn window_percentiles_are_nearest_rank_over_all_requests() {
        let mut w = DemoWorkload::new(3, LAUNCH);
        let now = LAUNCH + 5 * MIN + 17; // a partial minute at the end
        let u = w.poll(now, since("1h"));
        for (model, ttft, metric, stats) in [
            (HAIKU, false, "InvocationLatency", &["p50", "p90", "p99"][..]),
            (SONNET, false, "InvocationLatency", &["p50", "p90", "p99"][..]),
            (OPUS, false, "InvocationLatency", &["p99"][..]),
            (SONNET, true, "TimeToFirstToken", &["p50", "p90"][..]),
        ] {
            let samples = w.window_samples(model, ttft, now, since("1h"));
            assert!(samples.len() > 20, "{model}");
            for stat in stats {
                let pct: u32 = stat[1..].parse().unwrap();
                let got = window_value(&u, &bedrock(metric, model, stat));
                assert_eq!(got, nearest_rank(&samples, pct), "{model} {metric} {stat}");
            }
        }
        // the average is over requests, not over minutes
        let samples = w.window_samples(HAIKU, false, now, since("1h"));
        let n: u64 = samples.iter().map(|(_, w)| w).sum();
        let mean = samples.iter().map(|(v, w)| v * *w as f64).sum::<f64>() / n as f64;
        let got = window_value(&u, &bedrock("InvocationLatency", HAIKU, "Average")).unwrap();
        assert!((got - mean).abs() < 1e-6 * mean);
        // every request is represented once: weights add up to the window's invocations
        let inv: f64 = points(&u, &bedrock("Invocations", HAIKU, "Sum")).iter().map(|(_, v)| v).sum();
        assert_eq!(n as f64, inv);
        // and the window p99 is not the mean of the per-minute p99s
        let per_min = points(&u, &bedrock("InvocationLatency", HAIKU, "p99"));
        let avg_of_p99 = per_min.iter().map(|(_, v)| v).sum::<f64>() / per_min.len() as f64;
        assert_ne!(window_value(&u, &bedrock("InvocationLatency", HAIKU, "p99")), Some(avg_of_p99));
    }

    #[test]
    fn minute_percentiles_come_from_that_minutes_samples() {
        let mut w = DemoWorkload::new(3, LAUNCH);
        let now = LAUNCH + 3 * MIN;
        let u = w.poll(now, since("15m"));
        let t = LAUNCH + MIN; // one whole minute: its samples are a 1-minute window ending at t+60
        let samples = w.window_samples(HAIKU, false, t + 60, Since::from_secs(60));
        let p99 = points(&u, &bedrock("InvocationLatency", HAIKU, "p99")).iter().find(|(x, _)| *x == t).unwrap().1;
        assert_eq!(Some(p99), nearest_rank(&samples, 99));
    }

    #[test]
    fn opus_runaway_loop_makes_cost_spike() {
        for seed in SEEDS {
            opus_runaway_for(seed);
        }
    }

    fn opus_runaway_for(seed: u64) {
        let mut w = DemoWorkload::new(seed, LAUNCH);
        let before = store_at(&mut w, LAUNCH - 5 * MIN, "15m");
        let during = store_at(&mut w, LAUNCH + 6 * MIN, "15m");
        let (b, d) = (row(&before, OPUS).cost_usd.unwrap(), row(&during, OPUS).cost_usd.unwrap());
        // the burn rate is the last 15 minutes' cost per hour: highest once the loop fills them
        let peak = store_at(&mut w, LAUNCH + 10 * MIN, "15m");
        let burn = |s: &Store| s.overview().usd_per_hour.value.unwrap();
        let (burn_b, burn_d, burn_p) = (burn(&before), burn(&during), burn(&peak));
        eprintln!(
            "opus cost in 15m: ${b:.2} -> ${d:.2}; fleet burn ${burn_b:.0}/h -> ${burn_d:.0}/h -> ${burn_p:.0}/h"
        );
        assert!(d > 20.0 * b);
        assert!(burn_d > 2.0 * burn_b);
        assert!(burn_p > 4.0 * burn_b);
        let total = SeriesKey::new(DEMO_REGION, "GenAI/Cost", "TotalCost", &[], "Sum");
        let sum = |s: &Store| s.get(&total).and_then(|x| x.sum(s.window.start, s.window.end)).unwrap();
        assert!(sum(&during) > 2.0 * sum(&before));
        assert!(sum(&peak) > 4.0 * sum(&before));
        // the application's own cost figure agrees with the one derived from Bedrock's tokens
        let derived = peak.overview().window_cost.unwrap();
        assert!((sum(&peak) / derived - 1.0).abs() < 0.02, "{} vs {derived}", sum(&peak));
        // it stops after +10
        let after = store_at(&mut w, LAUNCH + 25 * MIN, "5m");
        assert!(row(&after, OPUS).invocations.unwrap_or(0.0) < 20.0);
    }

    #[test]
    fn quality_slides_below_the_warning() {
        for seed in SEEDS {
            quality_slide_for(seed);
        }
    }

    fn quality_slide_for(seed: u64) {
        let mut w = DemoWorkload::new(seed, LAUNCH);
        let key = SeriesKey::new(DEMO_REGION, "GenAI/Quality", "Faithfulness", &[], "Average");
        let faith = |w: &mut DemoWorkload, now: i64| store_at(w, now, "15m").get(&key).unwrap().window_value.unwrap();
        let (calm, slid) = (faith(&mut w, LAUNCH - 30 * MIN), faith(&mut w, LAUNCH + 8 * MIN));
        eprintln!("faithfulness 15m: {calm:.3} -> {slid:.3}");
        assert!(calm > 0.87);
        assert!(slid < 0.75);
        // the window value weighs minutes by how many answers were scored in them
        let u = w.poll(LAUNCH + 8 * MIN, since("15m"));
        let per_min = points(&u, &key);
        assert_eq!(per_min.len(), 15);
        assert!(per_min.iter().all(|(_, v)| (0.6..0.92).contains(v)));
        let stops = |reason: &str| {
            let k = SeriesKey::new(DEMO_REGION, "GenAI/Behavior", "StopReason", &[("Reason", reason)], "SampleCount");
            points(&u, &k).iter().map(|(_, v)| v).sum::<f64>()
        };
        assert!(stops("max_tokens") / stops("end_turn") > 0.15);
    }

    #[test]
    fn the_current_minute_grows() {
        let mut w = DemoWorkload::new(11, LAUNCH);
        let t = LAUNCH - 30 * MIN; // a minute start
        let key = bedrock("Invocations", HAIKU, "Sum");
        let value_at = |u: &MetricsUpdate| points(u, &key).iter().find(|(x, _)| *x == t).unwrap().1;
        let partial = w.poll(t + 20, since("15m"));
        let full = w.poll(t + 60, since("15m"));
        assert_eq!(partial.window.end, t + 60);
        assert_eq!(full.window, partial.window);
        let (p, f) = (value_at(&partial), value_at(&full));
        eprintln!("haiku invocations in the current minute: {p} after 20 s, {f} at the full minute");
        assert_eq!(p, (f * 20.0 / 60.0).round());
        assert!(p < f);
        // the minute before is whole in both
        let prev = |u: &MetricsUpdate| points(u, &key).iter().find(|(x, _)| *x == t - 60).unwrap().1;
        assert_eq!(prev(&partial), prev(&full));
    }

    #[test]
    fn points_stay_inside_the_window() {
        let mut w = DemoWorkload::new(2, LAUNCH);
        let now = LAUNCH + 17 * MIN + 31;
        let u = w.poll(now, since("1h"));
        assert_eq!((u.window.end, u.window.secs(), u.period), (LAUNCH + 18 * MIN, 3600, 60));
        for (k, p) in &u.series {
            assert!(p.iter().all(|(t, _)| u.window.contains(*t) && t % 60 == 0), "{}", k.label());
            assert!(p.windows(2).all(|x| x[0].0 < x[1].0), "{}", k.label());
        }
        // every minute of a busy model is there, including the current one
        assert_eq!(points(&u, &bedrock("Invocations", HAIKU, "Sum")).len(), 60);
    }

    #[test]
    fn a_window_shorter_than_a_minute_is_empty_not_a_panic() {
        let mut w = DemoWorkload::new(1, LAUNCH);
        let u = w.poll(LAUNCH + 10, Since::from_secs(30));
        assert!(u.series.is_empty());
        assert!(u.window_values.iter().all(|(_, v)| v.is_none()));
        assert!(!w.poll(LAUNCH + 10, since("5m")).series.is_empty());
    }

    #[test]
    fn long_windows_use_five_minute_periods_that_add_up() {
        let mut w = DemoWorkload::new(4, LAUNCH);
        let now = LAUNCH + 3 * MIN;
        let two_days = w.poll(now, since("2d"));
        let day = w.poll(now, since("24h"));
        assert_eq!((two_days.period, day.period), (300, 60));
        let key = bedrock("InputTokenCount", SONNET, "Sum");
        let from = day.window.start;
        let coarse: f64 = points(&two_days, &key).iter().filter(|(t, _)| *t >= from).map(|(_, v)| v).sum();
        let fine: f64 = points(&day, &key).iter().map(|(_, v)| v).sum();
        assert_eq!(coarse, fine);
        assert!(points(&two_days, &key).iter().all(|(t, _)| (t - two_days.window.start) % 300 == 0));
        // whole-window figures are the same whatever the period
        let p99 = bedrock("InvocationLatency", SONNET, "p99");
        assert_eq!(window_value(&two_days, &p99), window_value(&w.poll(now, since("48h")), &p99));
    }

    #[test]
    fn the_story_repeats_every_hour() {
        for seed in SEEDS {
            let mut w = DemoWorkload::new(seed, LAUNCH);
            let calm = store_at(&mut w, LAUNCH + 45 * MIN, "5m");
            let again = store_at(&mut w, LAUNCH + 3 * 3600 + 5 * MIN, "5m");
            assert!(row(&calm, SONNET).throttle_pct().unwrap() < 2.0);
            assert!(row(&again, SONNET).throttle_pct().unwrap() > 20.0);
        }
    }

    #[test]
    fn polling_an_hour_is_fast() {
        let mut w = DemoWorkload::new(1, LAUNCH);
        let t0 = std::time::Instant::now();
        w.poll(LAUNCH, since("1h"));
        let cold = t0.elapsed();
        let t1 = std::time::Instant::now();
        for i in 1..=5 {
            w.poll(LAUNCH + i * 5, since("1h"));
        }
        let warm = t1.elapsed() / 5;
        eprintln!("1h poll: cold {cold:?}, warm {warm:?} (debug build)");
        // generous: this is an unoptimised build on a shared machine
        assert!(warm < std::time::Duration::from_millis(250), "{warm:?}");
    }
}
