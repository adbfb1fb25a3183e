//! One minute of the synthetic workload: the Bedrock models' raw traffic and the RAG
//! application's published values, as a pure function of (seed, launch, minute).

use super::rng::{Rng, unit};
use super::stats::{Agg, SampleSet, mean};
use super::story::{Story, phase};
use crate::domain::pricing::{PriceTable, Tokens};

/// At most this many latency samples are kept per model-minute; each stands for
/// `invocations / samples` requests.
pub(super) const MAX_SAMPLES: usize = 60;

/// Which part a model plays in the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Sonnet,
    Haiku,
    Opus,
    Other,
}

/// A model's baseline behaviour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    pub id: &'static str,
    pub role: Role,
    /// Requests per minute.
    pub rate: f64,
    /// Tokens per request.
    pub input: f64,
    pub output: f64,
    /// Cache read / write tokens per request (Claude models with prompt caching).
    pub cache: Option<(f64, f64)>,
    /// Median latency (ms) and log-normal shape: p99 ≈ median · e^(2.33·sigma).
    pub p50_ms: f64,
    pub sigma: f64,
    /// Median time to first token (ms) for the models called with streaming APIs.
    pub ttft_ms: Option<f64>,
    /// Output-token burndown multiplier in the TPM quota estimate.
    pub burndown: f64,
    /// The account's tokens-per-minute quota for the model.
    pub tpm_quota: f64,
}

pub(crate) const MODELS: [Profile; 6] = [
    Profile {
        id: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        role: Role::Sonnet,
        rate: 15.0,
        input: 1800.0,
        output: 450.0,
        cache: Some((1100.0, 150.0)),
        p50_ms: 2200.0,
        sigma: 0.35,
        ttft_ms: Some(650.0),
        burndown: 5.0,
        tpm_quota: 400_000.0,
    },
    Profile {
        id: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        role: Role::Haiku,
        rate: 50.0,
        input: 1800.0,
        output: 320.0,
        cache: Some((900.0, 100.0)),
        p50_ms: 1000.0,
        sigma: 0.39,
        ttft_ms: Some(350.0),
        burndown: 5.0,
        tpm_quota: 1_000_000.0,
    },
    Profile {
        id: "us.anthropic.claude-opus-4-5-20251101-v1:0",
        role: Role::Opus,
        rate: 0.8,
        input: 3000.0,
        output: 200.0,
        cache: Some((1500.0, 200.0)),
        p50_ms: 2800.0,
        sigma: 0.35,
        ttft_ms: None,
        burndown: 5.0,
        tpm_quota: 3_000_000.0,
    },
    Profile {
        id: "amazon.nova-pro-v1:0",
        role: Role::Other,
        rate: 25.0,
        input: 2200.0,
        output: 380.0,
        cache: None,
        p50_ms: 1400.0,
        sigma: 0.38,
        ttft_ms: Some(300.0),
        burndown: 1.0,
        tpm_quota: 800_000.0,
    },
    Profile {
        id: "meta.llama3-3-70b-instruct-v1:0",
        role: Role::Other,
        rate: 15.0,
        input: 2000.0,
        output: 420.0,
        cache: None,
        p50_ms: 2000.0,
        sigma: 0.40,
        ttft_ms: None,
        burndown: 1.0,
        tpm_quota: 300_000.0,
    },
    Profile {
        id: "acme.custom-finetune-v1",
        role: Role::Other,
        rate: 5.0,
        input: 1200.0,
        output: 250.0,
        cache: None,
        p50_ms: 1600.0,
        sigma: 0.45,
        ttft_ms: None,
        burndown: 1.0,
        tpm_quota: 100_000.0,
    },
];

/// Haiku's p99 (ms) when its tail has fully grown.
const HAIKU_P99_MAX: f64 = 9000.0;
/// z-score of the 99th percentile of a normal distribution.
const Z99: f64 = 2.326;

/// One model's minute, as CloudWatch would count it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ModelMinute {
    pub invocations: u64,
    pub throttles: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    /// Estimated TPM quota usage: the minute's total over its requests (what its `Sum` reads).
    pub tpm: f64,
    /// Sorted latency samples (ms), at most [`MAX_SAMPLES`], standing for `invocations`.
    pub latency: Vec<f32>,
    /// Sorted time-to-first-token samples (ms); empty for non-streaming models.
    pub ttft: Vec<f32>,
    /// List-price cost in USD, `None` for a model without a price.
    pub cost: Option<f64>,
}

impl ModelMinute {
    /// Requests that reached Bedrock, throttled or not.
    pub(super) fn attempts(&self) -> u64 {
        self.invocations + self.throttles
    }

    pub(super) fn latency_set(&self) -> SampleSet<'_> {
        SampleSet::new(&self.latency, self.invocations)
    }

    pub(super) fn ttft_set(&self) -> SampleSet<'_> {
        SampleSet::new(&self.ttft, self.invocations)
    }
}

/// What the instrumented RAG application (and the Guardrails, Agents and Knowledge Base
/// services around it) published in one minute.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct AppMinute {
    // GenAI/Tokens
    pub input_tokens: Agg,
    pub output_tokens: Agg,
    // GenAI/Cost
    pub total_cost: Agg,
    pub embedding_cost: Agg,
    pub generation_cost: Agg,
    pub request_cost: Agg,
    pub cost_per_query: Agg,
    // GenAI/Quality
    pub faithfulness: Agg,
    pub answer_relevancy: Agg,
    pub context_precision: Agg,
    pub context_recall: Agg,
    pub request_success: Agg,
    // GenAI/Performance
    pub embedding_latency: Agg,
    pub vector_search_latency: Agg,
    pub rerank_latency: Agg,
    pub generation_latency: Agg,
    pub end_to_end_latency: Agg,
    // GenAI/Errors
    pub error_rate: Agg,
    pub retrieval_errors: Agg,
    pub generation_errors: Agg,
    pub throttling_errors: Agg,
    pub validation_errors: Agg,
    pub request_errors: Agg,
    // GenAI/Throughput
    pub request_count: Agg,
    pub successful_requests: Agg,
    pub failed_requests: Agg,
    // GenAI/UserExperience, GenAI/Sessions
    pub feedback_score: Agg,
    pub session_duration: Agg,
    pub turns_per_session: Agg,
    // GenAI/Models AvgLatency, one per model (same order as MODELS)
    pub model_latency: Vec<Agg>,
    // GenAI/Behavior StopReason: end_turn, max_tokens, stop_sequence
    pub stop_reasons: [Agg; 3],
    // GenAI/RAG/Retrieval
    pub retrieval_quality: Agg,
    pub documents_retrieved: Agg,
    // AWS/Bedrock/Guardrails
    pub guard_invocations: [Agg; 2],
    pub guard_intervened_source: [Agg; 2],
    pub guard_intervened_policy: [Agg; 3],
    pub guard_latency: Agg,
    pub guard_text_units: Agg,
    // AWS/Bedrock/Agents
    pub agent_invocations: Agg,
    pub agent_total_time: Agg,
    pub agent_model_latency: Agg,
    // AWS/Bedrock/KnowledgeBases
    pub kb_invocations: Agg,
    pub kb_client_errors: Agg,
    pub kb_server_errors: Agg,
    pub kb_throttles: Agg,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Minute {
    pub models: Vec<ModelMinute>,
    pub app: AppMinute,
    /// Samples and platform metrics for the Pipeline and Platform panes (drawn last).
    pub pipeline: super::pipeline::PipelineMinute,
}

/// Traffic level at an absolute time: a gentle day/night swing (quietest ~04:00 UTC).
/// The least share of its demand the storm's sonnet sends in a minute.
const STORM_FLOOR: f64 = 0.8;

pub(super) fn diurnal(t: i64) -> f64 {
    let day = t.rem_euclid(86_400) as f64 / 86_400.0;
    1.0 + 0.12 * (std::f64::consts::TAU * (day - 0.42)).sin()
}

/// A slow, seed-dependent wobble per model, so the lines don't move in lockstep.
pub(super) fn wobble(seed: u64, model: usize, t: i64) -> f64 {
    let phi = std::f64::consts::TAU * unit(seed, model as u64 + 1);
    let x = t as f64 / 60.0;
    1.0 + 0.06 * (std::f64::consts::TAU * x / 23.0 + phi).sin()
        + 0.04 * (std::f64::consts::TAU * x / 7.0 + 2.0 * phi).sin()
}

fn round(x: f64) -> u64 {
    x.round().max(0.0) as u64
}

/// Generate the minute starting at `t` (epoch seconds, minute-aligned).
pub(super) fn minute(seed: u64, launch: i64, t: i64, pricing: &PriceTable) -> Minute {
    let story = Story::at(phase(t, launch));
    let mut rng = Rng::for_minute(seed, t.div_euclid(60));
    let models: Vec<ModelMinute> = MODELS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let level = diurnal(t) * wobble(seed, i, t);
            model_minute(p, level, &story, &mut rng, pricing)
        })
        .collect();
    let app = app_minute(&models, &story, &mut rng);
    let pipeline = super::pipeline::minute(&app, &story, &mut rng);
    Minute { models, app, pipeline }
}

fn model_minute(p: &Profile, level: f64, story: &Story, rng: &mut Rng, pricing: &PriceTable) -> ModelMinute {
    let mut demand = p.rate * level;
    let (mut input, mut output, mut cache) = (p.input, p.output, p.cache);
    let (mut p50, mut sigma, mut ttft_p50) = (p.p50_ms, p.sigma, p.ttft_ms);
    let mut throttle_share = 0.001;
    let mut pinned_tpm = None;
    match p.role {
        Role::Haiku => {
            // p99 grows linearly from its baseline (~2.5 s) to ~9 s; the median only by 15 %
            let base_p99 = p.p50_ms * (Z99 * p.sigma).exp();
            let p99 = base_p99 + (HAIKU_P99_MAX - base_p99) * story.haiku_tail;
            p50 *= 1.0 + 0.15 * story.haiku_tail;
            sigma = (p99 / p50).ln() / Z99;
            ttft_p50 = ttft_p50.map(|m| m * (1.0 + 0.3 * story.haiku_tail));
        }
        Role::Sonnet => {
            if let Some(share) = story.sonnet_storm {
                // a long-context batch job joins: more, bigger requests than the quota allows
                demand *= 1.2;
                input *= 1.6;
                p50 *= 1.15;
                throttle_share = (share + 0.03 * rng.normal()).clamp(0.3, 0.62);
                pinned_tpm = Some(p.tpm_quota * (0.95 + 0.045 * rng.uniform()));
            }
        }
        Role::Opus => {
            if story.runaway > 0.0 {
                // an agent loop re-sending its growing context and writing long answers
                demand += 80.0 * story.runaway;
                input = 6000.0 + 700.0 * story.runaway_age;
                output = p.output * 10.0;
                cache = cache.map(|(r, w)| (r + input * 1.5, w));
                p50 = p.p50_ms + output / 90.0 * 1000.0;
                sigma = 0.3;
            }
        }
        Role::Other => throttle_share = 0.0005,
    }

    let mut attempts = rng.poisson(demand);
    if story.sonnet_storm.is_some() && p.role == Role::Sonnet {
        // the batch job behind the storm sends steadily: its minutes never fall far under the
        // demand (a bare Poisson draw fell under the rules' floor of ten calls a minute in ~5 %
        // of hours, and the storm "began" minutes late, or not at all, by the clock of the day)
        attempts = attempts.max(round(demand * STORM_FLOOR));
    }
    let throttles = if story.sonnet_storm.is_some() && p.role == Role::Sonnet {
        round(attempts as f64 * throttle_share)
    } else {
        rng.binomial(attempts, throttle_share)
    };
    let invocations = attempts - throttles;
    let inv = invocations as f64;
    let client_errors = rng.binomial(invocations, 0.002);
    let server_errors = rng.binomial(invocations, 0.001);
    let input_tokens = round(inv * input * rng.jitter(0.05));
    let output_tokens = round(inv * output * rng.jitter(0.07));
    let (cache_read, cache_write) = match cache {
        Some((r, w)) => (round(inv * r * rng.jitter(0.08)), round(inv * w * rng.jitter(0.1))),
        None => (0, 0),
    };
    let tpm = pinned_tpm
        .unwrap_or_else(|| (input_tokens + cache_write) as f64 + output_tokens as f64 * p.burndown * rng.jitter(0.03));

    let n = (invocations as usize).min(MAX_SAMPLES);
    let mut latency = Vec::with_capacity(n);
    let mut ttft = Vec::with_capacity(if ttft_p50.is_some() { n } else { 0 });
    for _ in 0..n {
        let l = rng.lognormal(p50, sigma).max(80.0);
        latency.push(l as f32);
        if let Some(m) = ttft_p50 {
            ttft.push(rng.lognormal(m, 0.35).clamp(40.0, l * 0.9) as f32);
        }
    }
    latency.sort_by(f32::total_cmp);
    ttft.sort_by(f32::total_cmp);

    let cost = pricing.cost(
        p.id,
        Tokens {
            input: input_tokens as f64,
            output: output_tokens as f64,
            cache_read: cache_read as f64,
            cache_write: cache_write as f64,
        },
    );
    ModelMinute {
        invocations,
        throttles,
        client_errors,
        server_errors,
        input_tokens,
        output_tokens,
        cache_read,
        cache_write,
        tpm: tpm.round(),
        latency,
        ttft,
        cost,
    }
}

/// A mean published `count` times, with a little per-minute noise, clamped to its range.
fn score(rng: &mut Rng, centre: f64, sd: f64, lo: f64, hi: f64, count: u64) -> Agg {
    Agg::mean((centre + sd * rng.normal()).clamp(lo, hi), count)
}

fn app_minute(models: &[ModelMinute], story: &Story, rng: &mut Rng) -> AppMinute {
    let q = story.quality;
    let sum = |f: fn(&ModelMinute) -> u64| models.iter().map(f).sum::<u64>();
    let invocations = sum(|m| m.invocations);
    let throttles = sum(|m| m.throttles);
    let gen_errors = sum(|m| m.client_errors + m.server_errors);
    // Throttled calls are retried by the SDK; a bit under half still fail.
    let throttling_errors = rng.binomial(throttles, 0.45);
    let pre_gen = invocations + throttling_errors;
    let retrieval_errors = rng.binomial(pre_gen, 0.001 + 0.024 * q);
    let validation_errors = rng.binomial(pre_gen, 0.0008);
    let requests = pre_gen + retrieval_errors + validation_errors;
    let failed = (throttling_errors + retrieval_errors + validation_errors + gen_errors).min(requests);
    let ok = requests - failed;

    let gen_cost: f64 = models.iter().filter_map(|m| m.cost).sum();
    // query + hypothetical-answer embeddings with Titan v2 ($0.02 / 1M tokens)
    let embed_cost = requests as f64 * 420.0 * 0.02 / 1e6 * rng.jitter(0.05);
    let total_cost = gen_cost + embed_cost;

    let lat_sets: Vec<SampleSet<'_>> = models.iter().map(ModelMinute::latency_set).collect();
    let gen_latency = mean(&lat_sets).unwrap_or(0.0);
    let embed_ms = 42.0 * rng.jitter(0.08);
    let search_ms = (85.0 + 260.0 * q) * rng.jitter(0.08);
    let rerank_ms = (120.0 + 15.0 * q) * rng.jitter(0.06);

    let evals = rng.binomial(ok, 0.1);
    let feedback = rng.binomial(ok, 0.02);
    let sessions = rng.binomial(ok, 0.08);

    let generations = invocations.saturating_sub(gen_errors);
    let max_tokens = rng.binomial(generations, 0.05 + 0.19 * q + 0.1 * story.runaway);
    let stop_sequence = rng.binomial(generations - max_tokens, 0.03);
    let end_turn = generations - max_tokens - stop_sequence;

    let guard_in = requests;
    let guard_out = ok;
    let intervened_in = rng.binomial(guard_in, 0.012);
    let intervened_out = rng.binomial(guard_out, 0.006 + 0.065 * q);
    let intervened = intervened_in + intervened_out;
    let sensitive = rng.binomial(intervened, 0.3 + 0.3 * q);
    let topic = rng.binomial(intervened - sensitive, 0.25);
    let content = intervened - sensitive - topic;
    let guard_calls = guard_in + guard_out;

    let agent_calls = rng.poisson(4.0 + 18.0 * story.runaway);
    let kb_calls = rng.poisson(22.0);

    AppMinute {
        input_tokens: Agg::total(sum(|m| m.input_tokens) as f64, invocations),
        output_tokens: Agg::total(sum(|m| m.output_tokens) as f64, invocations),
        total_cost: Agg::total(total_cost, requests),
        embedding_cost: Agg::total(embed_cost, requests),
        generation_cost: Agg::total(gen_cost, invocations),
        request_cost: Agg::total(total_cost, ok),
        cost_per_query: Agg::mean(if requests > 0 { total_cost / requests as f64 } else { 0.0 }, requests),
        faithfulness: score(rng, 0.90 - 0.25 * q, 0.008, 0.0, 1.0, evals),
        answer_relevancy: score(rng, 0.88 - 0.10 * q, 0.008, 0.0, 1.0, evals),
        context_precision: score(rng, 0.84 - 0.18 * q, 0.01, 0.0, 1.0, evals),
        context_recall: score(rng, 0.86 - 0.20 * q, 0.01, 0.0, 1.0, evals),
        request_success: Agg::events(ok),
        embedding_latency: Agg::mean(embed_ms, ok),
        vector_search_latency: Agg::mean(search_ms, ok),
        rerank_latency: Agg::mean(rerank_ms, ok),
        generation_latency: Agg::mean(gen_latency, ok),
        end_to_end_latency: Agg::mean(embed_ms + search_ms + rerank_ms + gen_latency + 35.0, ok),
        error_rate: Agg::total(failed as f64 * 100.0, requests),
        retrieval_errors: Agg::events(retrieval_errors),
        generation_errors: Agg::events(gen_errors),
        throttling_errors: Agg::events(throttling_errors),
        validation_errors: Agg::events(validation_errors),
        request_errors: Agg::events(failed),
        request_count: Agg::events(requests),
        successful_requests: Agg::events(ok),
        failed_requests: Agg::events(failed),
        feedback_score: score(rng, 4.35 - 0.9 * q, 0.08, 1.0, 5.0, feedback),
        session_duration: score(rng, 185.0 + 70.0 * q, 8.0, 10.0, 3600.0, sessions),
        turns_per_session: score(rng, 4.1 + 1.3 * q, 0.15, 1.0, 50.0, sessions),
        model_latency: models
            .iter()
            .map(|m| Agg::mean(mean(&[m.latency_set()]).unwrap_or(0.0), m.invocations))
            .collect(),
        stop_reasons: [Agg::events(end_turn), Agg::events(max_tokens), Agg::events(stop_sequence)],
        retrieval_quality: score(rng, 0.81 - 0.14 * q, 0.01, 0.0, 1.0, ok),
        documents_retrieved: Agg::total(round(ok as f64 * (5.0 - 1.1 * q) * rng.jitter(0.02)) as f64, ok),
        guard_invocations: [Agg::events(guard_in), Agg::events(guard_out)],
        guard_intervened_source: [Agg::events(intervened_in), Agg::events(intervened_out)],
        guard_intervened_policy: [Agg::events(content), Agg::events(topic), Agg::events(sensitive)],
        guard_latency: Agg::mean((160.0 + 40.0 * q) * rng.jitter(0.06), guard_calls),
        guard_text_units: Agg::total(round(guard_calls as f64 * 2.6 * rng.jitter(0.05)) as f64, guard_calls),
        agent_invocations: Agg::events(agent_calls),
        agent_total_time: Agg::mean((8200.0 + 20_000.0 * story.runaway) * rng.jitter(0.08), agent_calls),
        agent_model_latency: Agg::mean((2100.0 + 9000.0 * story.runaway) * rng.jitter(0.08), agent_calls),
        kb_invocations: Agg::events(kb_calls),
        kb_client_errors: Agg::events(rng.poisson(0.04)),
        kb_server_errors: Agg::events(rng.poisson(0.05 + 0.9 * q)),
        kb_throttles: Agg::events(rng.poisson(0.02)),
    }
}
