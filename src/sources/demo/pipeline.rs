//! The demo's data for the Pipeline and Platform panes beyond the application's own averages
//! and counts: per-answer faithfulness scores, per-query costs and per-request end-to-end
//! latencies (so the p50/p90/p99, p95 figures are nearest-rank over the window's samples, as the
//! CloudWatch source reads them), Bedrock Agents' remaining metrics, guardrail errors, and an
//! AgentCore runtime under `AWS/Bedrock-AgentCore` that the runaway agent loop drives.
//!
//! Everything here is drawn from the minute's random stream *after* everything else, so the
//! rest of the demo is unchanged by it.

use std::borrow::Cow;
use std::ops::Range;

use super::DEMO_REGION;
use super::generate::{AppMinute, Minute};
use super::rng::Rng;
use super::series::{AggSeries, Source};
use super::stats::{self, Agg, SampleSet, Stat};
use super::story::Story;
use crate::domain::catalog::{AGENTS_NAMESPACE, GUARDRAILS_NAMESPACE, extra_stats};
use crate::store::{MetricsUpdate, SeriesKey};

/// The namespace the demo's AgentCore runtime publishes under (what real accounts report).
pub(super) const AGENTCORE: &str = "AWS/Bedrock-AgentCore";
/// The demo's agent aliases: (alias ARN, model it calls, share of the calls at baseline).
const ALIASES: [(&str, &str, f64); 2] = [
    (
        "arn:aws:bedrock:us-east-1:123456789012:agent-alias/SUPPORT01/LIVE",
        "anthropic.claude-opus-4-5-20251101-v1:0",
        0.35,
    ),
    (
        "arn:aws:bedrock:us-east-1:123456789012:agent-alias/BILLING01/LIVE",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        0.65,
    ),
];

/// What one minute adds for these panes.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct PipelineMinute {
    /// Sorted per-answer faithfulness scores (≤ 60) whose mean is the minute's Faithfulness.
    pub faithfulness: Vec<f32>,
    pub evaluated: u64,
    /// Sorted per-query costs (≤ 60) standing for the minute's requests; their mean is
    /// CostPerQuery.
    pub cost_per_query: Vec<f32>,
    pub queries: u64,
    /// End-to-end latency minus generation latency: a request's end-to-end time is its model
    /// call's latency plus this.
    pub e2e_overhead_ms: f64,
    // AWS/Bedrock/Agents, beyond what the application minute has
    pub agent_ttft: Agg,
    pub agent_client_errors: Agg,
    pub agent_server_errors: Agg,
    pub agent_throttles: Agg,
    pub alias_model_calls: [Agg; 2],
    pub alias_input_tokens: [Agg; 2],
    pub alias_output_tokens: [Agg; 2],
    // AWS/Bedrock/Guardrails
    pub guard_client_errors: Agg,
    pub guard_server_errors: Agg,
    pub guard_throttles: Agg,
    // AgentCore
    pub core_invocations: Agg,
    pub core_sessions: Agg,
    pub core_latency: Agg,
    pub core_system_errors: Agg,
    pub core_user_errors: Agg,
    pub core_throttles: Agg,
}

fn mean_of(a: &Agg) -> Option<f64> {
    a.value(Stat::Average)
}

/// `n` values around `mean` with spread `sd`, shifted so their mean is exactly `mean` and
/// squeezed so they stay inside [lo, hi].
fn scores(rng: &mut Rng, n: usize, mean: f64, sd: f64, lo: f64, hi: f64) -> Vec<f32> {
    if n == 0 {
        return Vec::new();
    }
    let mut d: Vec<f64> = (0..n).map(|_| sd * rng.normal()).collect();
    let m = d.iter().sum::<f64>() / n as f64;
    d.iter_mut().for_each(|x| *x -= m);
    let up = d.iter().copied().fold(0.0_f64, f64::max);
    let down = -d.iter().copied().fold(0.0_f64, f64::min);
    let mut k: f64 = 1.0;
    if up > 0.0 {
        k = k.min((hi - mean).max(0.0) / up);
    }
    if down > 0.0 {
        k = k.min((mean - lo).max(0.0) / down);
    }
    let mut v: Vec<f32> = d.iter().map(|x| (mean + k * x) as f32).collect();
    v.sort_by(f32::total_cmp);
    v
}

pub(super) fn minute(app: &AppMinute, story: &Story, rng: &mut Rng) -> PipelineMinute {
    let q = story.quality;
    let run = story.runaway;
    let evaluated = app.faithfulness.count as u64;
    let faithfulness = match mean_of(&app.faithfulness) {
        Some(m) => scores(rng, (evaluated as usize).min(super::generate::MAX_SAMPLES), m, 0.06 + 0.05 * q, 0.0, 1.0),
        None => Vec::new(),
    };
    let queries = app.cost_per_query.count as u64;
    let cost_per_query = match mean_of(&app.cost_per_query) {
        Some(target) if target > 0.0 => {
            // a long tail of expensive queries, much longer while the agent loop runs
            let n = (queries as usize).min(super::generate::MAX_SAMPLES);
            let mut v: Vec<f32> = (0..n).map(|_| rng.lognormal(1.0, 0.45 + 0.7 * run) as f32).collect();
            v.sort_by(f32::total_cmp);
            let m = stats::mean(&[SampleSet::new(&v, queries)]).unwrap_or(1.0);
            let k = target / m;
            v.iter_mut().for_each(|x| *x = (f64::from(*x) * k) as f32);
            v
        }
        _ => Vec::new(),
    };
    let e2e_overhead_ms = match (mean_of(&app.end_to_end_latency), mean_of(&app.generation_latency)) {
        (Some(e), Some(g)) => (e - g).max(0.0),
        _ => 0.0,
    };

    let agent_calls = app.agent_invocations.count as u64;
    let agent_ttft = Agg::mean((1400.0 + 2600.0 * run) * rng.jitter(0.08), agent_calls);
    let agent_client_errors = Agg::events(rng.binomial(agent_calls, 0.01));
    let agent_server_errors = Agg::events(rng.binomial(agent_calls, 0.005 + 0.05 * run));
    let agent_throttles = Agg::events(rng.poisson(0.02 + 1.5 * run));
    // the support agent (on opus) is the one looping: more of the calls, many more steps each
    let support_share = ALIASES[0].2 + 0.5 * run;
    let support = rng.binomial(agent_calls, support_share.min(0.95));
    let per_alias = [support, agent_calls - support];
    let steps = [3.0 + 9.0 * run, 2.5];
    let mut alias_model_calls = [Agg::default(); 2];
    let mut alias_input_tokens = [Agg::default(); 2];
    let mut alias_output_tokens = [Agg::default(); 2];
    for i in 0..2 {
        let calls = (per_alias[i] as f64 * steps[i] * rng.jitter(0.1)).round().max(0.0) as u64;
        let input = if i == 0 { 6000.0 + 3000.0 * run } else { 2500.0 };
        let output = if i == 0 { 400.0 + 1500.0 * run } else { 300.0 };
        alias_model_calls[i] = Agg::events(calls);
        alias_input_tokens[i] = Agg::total((calls as f64 * input * rng.jitter(0.05)).round(), calls);
        alias_output_tokens[i] = Agg::total((calls as f64 * output * rng.jitter(0.07)).round(), calls);
    }

    let guard_calls = app.guard_invocations.iter().map(|a| a.count as u64).sum::<u64>();
    let guard_client_errors = Agg::events(rng.binomial(guard_calls, 0.0005));
    let guard_server_errors = Agg::events(rng.binomial(guard_calls, 0.0003));
    let guard_throttles = Agg::events(rng.poisson(0.01));

    // AgentCore hosts the agents: each agent call is a runtime invocation, plus tool calls
    let core_calls = agent_calls + rng.poisson(3.0 + 25.0 * run);
    let core_sessions = rng.binomial(core_calls, 0.3);
    let core_latency = Agg::mean((3500.0 + 9000.0 * run) * rng.jitter(0.08), core_calls);
    let core_system_errors = Agg::events(rng.binomial(core_calls, 0.002 + 0.06 * run));
    let core_user_errors = Agg::events(rng.binomial(core_calls, 0.004));
    let core_throttles = Agg::events(rng.poisson(0.01 + 0.8 * run));

    PipelineMinute {
        faithfulness,
        evaluated,
        cost_per_query,
        queries,
        e2e_overhead_ms,
        agent_ttft,
        agent_client_errors,
        agent_server_errors,
        agent_throttles,
        alias_model_calls,
        alias_input_tokens,
        alias_output_tokens,
        guard_client_errors,
        guard_server_errors,
        guard_throttles,
        core_invocations: Agg::events(core_calls),
        core_sessions: Agg::events(core_sessions),
        core_latency,
        core_system_errors,
        core_user_errors,
        core_throttles,
    }
}

/// Reads one figure of a minute.
type Pick = fn(&PipelineMinute) -> Agg;
/// A minute's sample sets for one metric.
type SetsOf = for<'a> fn(&'a Minute) -> Vec<SampleSet<'a>>;

fn key(namespace: &str, metric: &str, dims: &[(&str, &str)], stat: &str) -> SeriesKey {
    SeriesKey::new(DEMO_REGION, namespace, metric, dims, stat)
}

/// The extra Agents, Guardrails and AgentCore series.
pub(super) fn series(aggs: &mut Vec<AggSeries>) {
    use Source::Pipeline;
    let mut add = |namespace: &str, metric: &str, dims: &[(&str, &str)], stat: &str, source: Source| {
        aggs.push(AggSeries {
            key: key(namespace, metric, dims, stat),
            stat: Stat::parse(stat),
            integral: true,
            source,
        });
    };
    let op = [("Operation", "InvokeAgent")];
    add(AGENTS_NAMESPACE, "TTFT", &op, "Average", Pipeline(|p| p.agent_ttft));
    add(AGENTS_NAMESPACE, "InvocationClientErrors", &op, "Sum", Pipeline(|p| p.agent_client_errors));
    add(AGENTS_NAMESPACE, "InvocationServerErrors", &op, "Sum", Pipeline(|p| p.agent_server_errors));
    add(AGENTS_NAMESPACE, "InvocationThrottles", &op, "Sum", Pipeline(|p| p.agent_throttles));
    for (i, (alias, model, _)) in ALIASES.iter().enumerate() {
        let dims = [("Operation", "InvokeAgent"), ("AgentAliasArn", *alias), ("ModelId", *model)];
        let (calls, input, output): (Pick, Pick, Pick) = if i == 0 {
            (|p| p.alias_model_calls[0], |p| p.alias_input_tokens[0], |p| p.alias_output_tokens[0])
        } else {
            (|p| p.alias_model_calls[1], |p| p.alias_input_tokens[1], |p| p.alias_output_tokens[1])
        };
        add(AGENTS_NAMESPACE, "ModelInvocationCount", &dims, "Sum", Pipeline(calls));
        add(AGENTS_NAMESPACE, "InputTokenCount", &dims, "Sum", Pipeline(input));
        add(AGENTS_NAMESPACE, "OutputTokenCount", &dims, "Sum", Pipeline(output));
    }
    add(GUARDRAILS_NAMESPACE, "InvocationClientErrors", &[], "Sum", Pipeline(|p| p.guard_client_errors));
    add(GUARDRAILS_NAMESPACE, "InvocationServerErrors", &[], "Sum", Pipeline(|p| p.guard_server_errors));
    add(GUARDRAILS_NAMESPACE, "InvocationThrottles", &[], "Sum", Pipeline(|p| p.guard_throttles));
    add(AGENTCORE, "Invocations", &[], "Sum", Pipeline(|p| p.core_invocations));
    add(AGENTCORE, "Sessions", &[], "Sum", Pipeline(|p| p.core_sessions));
    add(AGENTCORE, "Latency", &[], "Average", Pipeline(|p| p.core_latency));
    add(AGENTCORE, "SystemErrors", &[], "Sum", Pipeline(|p| p.core_system_errors));
    add(AGENTCORE, "UserErrors", &[], "Sum", Pipeline(|p| p.core_user_errors));
    add(AGENTCORE, "Throttles", &[], "Sum", Pipeline(|p| p.core_throttles));
}

/// Percentiles of an application metric, from per-request samples.
pub(super) struct AppSampleSeries {
    /// (key, percentile) for each statistic the CloudWatch source reads beyond the average.
    pub stats: Vec<(SeriesKey, u32)>,
    pub sets: SetsOf,
}

fn faithfulness_sets(m: &Minute) -> Vec<SampleSet<'_>> {
    vec![SampleSet::new(&m.pipeline.faithfulness, m.pipeline.evaluated)]
}

fn cost_sets(m: &Minute) -> Vec<SampleSet<'_>> {
    vec![SampleSet::new(&m.pipeline.cost_per_query, m.pipeline.queries)]
}

/// A request's end-to-end time: its model call's latency plus the minute's other stages.
fn e2e_sets(m: &Minute) -> Vec<SampleSet<'_>> {
    let off = m.pipeline.e2e_overhead_ms as f32;
    m.models
        .iter()
        .map(|mm| {
            let set = mm.latency_set();
            SampleSet { values: Cow::Owned(set.values.iter().map(|v| v + off).collect()), requests: set.requests }
        })
        .collect()
}

/// The application metrics the catalog reads percentiles of, with where their samples are.
pub(super) fn sample_series() -> Vec<AppSampleSeries> {
    let sources: [(&str, &str, SetsOf); 3] = [
        ("GenAI/Quality", "Faithfulness", faithfulness_sets),
        ("GenAI/Cost", "CostPerQuery", cost_sets),
        ("GenAI/Performance", "EndToEndLatency", e2e_sets),
    ];
    sources
        .into_iter()
        .map(|(ns, metric, sets)| AppSampleSeries {
            stats: extra_stats(ns, metric)
                .iter()
                .map(|s| (key(ns, metric, &[], s), s[1..].parse().expect("pNN statistic")))
                .collect(),
            sets,
        })
        .collect()
}

/// Per-period and whole-window percentiles of the sample series over the poll's minutes
/// (`(minute, data, share of the minute elapsed)`, grouped into `buckets`).
pub(super) fn emit(
    series: &[AppSampleSeries],
    minutes: &[(i64, &Minute, f64)],
    buckets: &[(i64, Range<usize>)],
    update: &mut MetricsUpdate,
) {
    for s in series {
        let pcts: Vec<u32> = s.stats.iter().map(|(_, p)| *p).collect();
        let sets: Vec<Vec<SampleSet<'_>>> =
            minutes.iter().map(|(_, m, f)| (s.sets)(m).into_iter().map(|x| x.partial(*f)).collect()).collect();
        let mut points: Vec<Vec<(i64, f64)>> = vec![Vec::new(); s.stats.len()];
        for (b, r) in buckets {
            let flat: Vec<SampleSet<'_>> = sets[r.clone()].iter().flatten().cloned().collect();
            for (pts, v) in points.iter_mut().zip(stats::percentiles(&flat, &pcts)) {
                pts.extend(v.map(|v| (*b, v)));
            }
        }
        let all: Vec<SampleSet<'_>> = sets.iter().flatten().cloned().collect();
        for (((key, _), pts), v) in s.stats.iter().zip(points).zip(stats::percentiles(&all, &pcts)) {
            if !pts.is_empty() {
                update.series.push((key.clone(), pts));
            }
            update.window_values.push((key.clone(), v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::stats::nearest_rank;
    use super::super::{DemoWorkload, minute_range};
    use super::*;
    use crate::domain::genai_metrics::Severity;
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Since;
    use crate::present::panels::PanelId;
    use crate::store::{Store, Update};

    const LAUNCH: i64 = 1_767_225_600;
    const MIN: i64 = 60;
    const SEEDS: [u64; 4] = [0, 7, 42, u64::MAX];

    fn since(s: &str) -> Since {
        s.parse().unwrap()
    }

    #[test]
    fn window_percentiles_are_nearest_rank_over_every_sample() {
        let mut w = DemoWorkload::new(3, LAUNCH);
        let now = LAUNCH + 5 * MIN + 17; // a partial minute at the end
        let u = w.poll(now, since("1h"));
        let (first, last) = minute_range(&u.window);
        let frac = (now - last) as f64 / 60.0;
        let mut checked = 0;
        for s in &w.app_samples {
            let samples: Vec<(f64, u64)> = w
                .cache
                .range(first..=last)
                .flat_map(|(t, m)| {
                    let f = if *t == last { frac } else { 1.0 };
                    (s.sets)(m).into_iter().flat_map(move |x| x.partial(f).weighted().collect::<Vec<_>>())
                })
                .collect();
            assert!(samples.len() > 100, "{}", s.stats[0].0.label());
            for (key, p) in &s.stats {
                let got = u.window_values.iter().find(|(k, _)| k == key).and_then(|(_, v)| *v);
                assert_eq!(got, nearest_rank(&samples, *p), "{} {}", key.label(), key.stat);
                checked += 1;
            }
        }
        // faithfulness p50/p90/p99, cost per query p95, end-to-end p95
        assert_eq!(checked, 5);
    }

    #[test]
    fn samples_agree_with_the_published_averages() {
        let mut w = DemoWorkload::new(5, LAUNCH);
        w.poll(LAUNCH + 10 * MIN, since("1h"));
        for (_, m) in w.cache.iter() {
            let p = &m.pipeline;
            if let Some(f) = mean_of(&m.app.faithfulness) {
                let s = stats::mean(&[SampleSet::new(&p.faithfulness, p.evaluated)]).unwrap();
                assert!((s - f).abs() < 1e-4, "{s} vs {f}");
                assert!(p.faithfulness.iter().all(|v| (0.0..=1.0).contains(v)));
            }
            if let Some(c) = mean_of(&m.app.cost_per_query) {
                let s = stats::mean(&[SampleSet::new(&p.cost_per_query, p.queries)]).unwrap();
                assert!((s / c - 1.0).abs() < 1e-4, "{s} vs {c}");
            }
            let e2e = mean_of(&m.app.end_to_end_latency).unwrap();
            let sets = e2e_sets(m);
            assert!((stats::mean(&sets).unwrap() / e2e - 1.0).abs() < 1e-4);
        }
    }

    fn store_at(w: &mut DemoWorkload, now: i64, window: &str) -> Store {
        let mut store = Store::new(PriceTable::default(), vec![]);
        store.apply(Update::Metrics(w.poll(now, since(window))));
        store
    }

    fn fact(store: &Store, id: PanelId, label: &str) -> f64 {
        let p = store.panel(id);
        p.facts
            .iter()
            .find(|f| f.label == label)
            .and_then(|f| f.value)
            .unwrap_or_else(|| panic!("{} has no {label}: {:?}", id.title(), p.facts))
    }

    #[test]
    fn the_incident_shows_in_the_panels() {
        for seed in SEEDS {
            let mut w = DemoWorkload::new(seed, LAUNCH);
            let calm = store_at(&mut w, LAUNCH - 30 * MIN, "15m");
            let bad = store_at(&mut w, LAUNCH + 6 * MIN, "15m");
            for id in PanelId::PIPELINE.iter().chain(&PanelId::PLATFORM) {
                let other = matches!(id, PanelId::Other | PanelId::PlatformOther);
                // every panel is alive (DocumentsRetrieved is the one "other" metric)
                assert_eq!(bad.panel(*id).has_data(), *id != PanelId::PlatformOther, "{} seed {seed}", id.title());
                if !other {
                    assert!(!bad.panel(*id).charts.is_empty(), "{}", id.title());
                }
            }
            let sev = |s: &Store, id| s.panel(id).severity();
            // faithfulness slides under the warning line
            assert_eq!(sev(&calm, PanelId::Quality), Severity::Ok, "seed {seed}");
            assert!(sev(&bad, PanelId::Quality) >= Severity::Warn, "seed {seed}");
            assert!(fact(&bad, PanelId::Quality, "faithfulness") < 0.80);
            // retrieval errors and vector-search latency rise
            // (no retrieval error at all in a calm quarter hour is no figure: zero)
            let retrieval = |s: &Store| {
                s.panel(PanelId::Errors)
                    .facts
                    .iter()
                    .find(|f| f.label == "retrieval errors")
                    .and_then(|f| f.value)
                    .unwrap_or(0.0)
            };
            assert!(retrieval(&bad) > 3.0 * (retrieval(&calm) + 1.0), "{} vs {}", retrieval(&bad), retrieval(&calm));
            let search = |s: &Store| fact(s, PanelId::Latency, "vector search");
            assert!(search(&bad) > 2.0 * search(&calm));
            // stops shift to max_tokens
            assert_eq!(sev(&calm, PanelId::StopReasons), Severity::Ok, "seed {seed}");
            assert!(sev(&bad, PanelId::StopReasons) >= Severity::Warn, "seed {seed}");
            // guardrail interventions on output climb
            let out = |s: &Store| fact(s, PanelId::Guardrails, "output intervened");
            assert!(out(&bad) > 3.0 * out(&calm), "{} vs {}", out(&bad), out(&calm));
            assert!(
                sev(&bad, PanelId::Guardrails) >= Severity::Warn,
                "seed {seed}: {:?}",
                bad.panel(PanelId::Guardrails).headline
            );
            // the agent loop shows in Agents and AgentCore
            let core = |s: &Store| fact(s, PanelId::AgentCore, "latency");
            assert!(core(&bad) > 2.0 * core(&calm));
            let tt = |s: &Store| fact(s, PanelId::Agents, "total time");
            assert!(tt(&bad) > 1.5 * tt(&calm));
        }
    }
}
