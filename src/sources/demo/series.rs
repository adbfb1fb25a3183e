//! The series the demo emits: their keys, statistics, and where each minute's value comes from.

use super::DEMO_REGION;
use super::generate::{AppMinute, MODELS, Minute, ModelMinute};
use super::stats::{Agg, Stat};
use crate::domain::catalog::{BEDROCK_NAMESPACE, BedrockMetric, custom_stat, short_model_name};
use crate::store::SeriesKey;

/// Where a series' per-minute value comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// One of a model's Bedrock counters (not latency or TTFT, which are samples).
    Model(usize, BedrockMetric),
    App(fn(&AppMinute) -> Agg),
    AppAt(fn(&AppMinute, usize) -> Agg, usize),
    /// The Pipeline and Platform panes' extra figures.
    Pipeline(fn(&super::pipeline::PipelineMinute) -> Agg),
}

impl Source {
    pub(super) fn get(&self, m: &Minute) -> Agg {
        match *self {
            Self::Model(i, metric) => model_value(&m.models[i], metric),
            Self::App(f) => f(&m.app),
            Self::AppAt(f, i) => f(&m.app, i),
            Self::Pipeline(f) => f(&m.pipeline),
        }
    }
}

/// A series whose minutes are published values (counts, sums, means, maxima).
#[derive(Debug, Clone)]
pub(super) struct AggSeries {
    pub key: SeriesKey,
    pub stat: Stat,
    /// Whole numbers (counts, tokens): a partial minute's sum is rounded.
    pub integral: bool,
    pub source: Source,
}

/// A statistic of latency samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SampleStat {
    Mean,
    Percentile(u32),
}

impl SampleStat {
    fn parse(stat: &str) -> Self {
        match stat {
            "Average" => Self::Mean,
            p => Self::Percentile(
                p.strip_prefix('p').and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("unexpected statistic {p}")),
            ),
        }
    }
}

/// A model's InvocationLatency or TimeToFirstToken at each of its statistics.
#[derive(Debug, Clone)]
pub(super) struct SampleSeries {
    pub model: usize,
    pub ttft: bool,
    pub stats: Vec<(SeriesKey, SampleStat)>,
}

fn model_value(m: &ModelMinute, metric: BedrockMetric) -> Agg {
    let n = m.attempts();
    let count = |v: u64| Agg::total(v as f64, n);
    match metric {
        BedrockMetric::Invocations => count(m.invocations),
        BedrockMetric::InputTokens => count(m.input_tokens),
        BedrockMetric::OutputTokens => count(m.output_tokens),
        BedrockMetric::ClientErrors => count(m.client_errors),
        BedrockMetric::ServerErrors => count(m.server_errors),
        BedrockMetric::Throttles => count(m.throttles),
        BedrockMetric::CacheReadTokens => count(m.cache_read),
        BedrockMetric::CacheWriteTokens => count(m.cache_write),
        // one datum per successful request; the minute's Sum is its estimated quota consumption
        BedrockMetric::TpmQuotaUsage => Agg::total(m.tpm, m.invocations),
        BedrockMetric::Latency | BedrockMetric::TimeToFirstToken => unreachable!("latencies are samples"),
    }
}

fn key(namespace: &str, metric: &str, dims: &[(&str, &str)], stat: &str) -> SeriesKey {
    SeriesKey::new(DEMO_REGION, namespace, metric, dims, stat)
}

/// Every series the demo emits.
pub(super) fn build() -> (Vec<AggSeries>, Vec<SampleSeries>) {
    let mut aggs = Vec::new();
    let mut samples = Vec::new();

    for (i, p) in MODELS.iter().enumerate() {
        let dims = [("ModelId", p.id)];
        for metric in BedrockMetric::ALL {
            let stats = metric.series_stats();
            match metric {
                BedrockMetric::Latency | BedrockMetric::TimeToFirstToken => {
                    let ttft = metric == BedrockMetric::TimeToFirstToken;
                    if ttft && p.ttft_ms.is_none() {
                        continue;
                    }
                    let stats = stats
                        .iter()
                        .map(|s| (key(BEDROCK_NAMESPACE, metric.canonical_name(), &dims, s), SampleStat::parse(s)))
                        .collect();
                    samples.push(SampleSeries { model: i, ttft, stats });
                }
                BedrockMetric::CacheReadTokens | BedrockMetric::CacheWriteTokens if p.cache.is_none() => {}
                _ => {
                    for s in stats {
                        aggs.push(AggSeries {
                            key: key(BEDROCK_NAMESPACE, metric.canonical_name(), &dims, s),
                            stat: Stat::parse(s),
                            integral: true,
                            source: Source::Model(i, metric),
                        });
                    }
                }
            }
        }
    }

    // The RAG application's own metrics, at the statistic the console reads them with.
    let mut app = |namespace: &str, metric: &str, dims: &[(&str, &str)], source: Source| {
        let stat = if metric == "StopReason" { "SampleCount" } else { custom_stat(namespace, metric) };
        aggs.push(AggSeries {
            key: key(namespace, metric, dims, stat),
            stat: Stat::parse(stat),
            integral: !namespace.ends_with("/Cost"),
            source,
        });
    };
    use Source::{App, AppAt};
    app("GenAI/Tokens", "InputTokens", &[], App(|a| a.input_tokens));
    app("GenAI/Tokens", "OutputTokens", &[], App(|a| a.output_tokens));
    app("GenAI/Cost", "TotalCost", &[], App(|a| a.total_cost));
    app("GenAI/Cost", "EmbeddingCost", &[], App(|a| a.embedding_cost));
    app("GenAI/Cost", "GenerationCost", &[], App(|a| a.generation_cost));
    app("GenAI/Cost", "RequestCost", &[], App(|a| a.request_cost));
    app("GenAI/Cost", "CostPerQuery", &[], App(|a| a.cost_per_query));
    app("GenAI/Quality", "Faithfulness", &[], App(|a| a.faithfulness));
    app("GenAI/Quality", "AnswerRelevancy", &[], App(|a| a.answer_relevancy));
    app("GenAI/Quality", "ContextPrecision", &[], App(|a| a.context_precision));
    app("GenAI/Quality", "ContextRecall", &[], App(|a| a.context_recall));
    app("GenAI/Quality", "RequestSuccess", &[], App(|a| a.request_success));
    app("GenAI/Performance", "EmbeddingLatency", &[], App(|a| a.embedding_latency));
    app("GenAI/Performance", "VectorSearchLatency", &[], App(|a| a.vector_search_latency));
    app("GenAI/Performance", "RerankLatency", &[], App(|a| a.rerank_latency));
    app("GenAI/Performance", "GenerationLatency", &[], App(|a| a.generation_latency));
    app("GenAI/Performance", "EndToEndLatency", &[], App(|a| a.end_to_end_latency));
    app("GenAI/Errors", "ErrorRate", &[], App(|a| a.error_rate));
    app("GenAI/Errors", "RetrievalErrors", &[], App(|a| a.retrieval_errors));
    app("GenAI/Errors", "GenerationErrors", &[], App(|a| a.generation_errors));
    app("GenAI/Errors", "ThrottlingErrors", &[], App(|a| a.throttling_errors));
    app("GenAI/Errors", "ValidationErrors", &[], App(|a| a.validation_errors));
    app("GenAI/Errors", "RequestErrors", &[], App(|a| a.request_errors));
    app("GenAI/Throughput", "RequestCount", &[], App(|a| a.request_count));
    app("GenAI/Throughput", "SuccessfulRequests", &[], App(|a| a.successful_requests));
    app("GenAI/Throughput", "FailedRequests", &[], App(|a| a.failed_requests));
    app("GenAI/UserExperience", "FeedbackScore", &[], App(|a| a.feedback_score));
    app("GenAI/Sessions", "AvgSessionDuration", &[], App(|a| a.session_duration));
    app("GenAI/Sessions", "AvgTurnsPerSession", &[], App(|a| a.turns_per_session));
    for (i, p) in MODELS.iter().enumerate() {
        let short = short_model_name(p.id);
        app("GenAI/Models", "AvgLatency", &[("ModelId", short.as_str())], AppAt(|a, i| a.model_latency[i], i));
    }
    for (i, reason) in ["end_turn", "max_tokens", "stop_sequence"].into_iter().enumerate() {
        app("GenAI/Behavior", "StopReason", &[("Reason", reason)], AppAt(|a, i| a.stop_reasons[i], i));
    }
    app("GenAI/RAG/Retrieval", "RetrievalQuality", &[], App(|a| a.retrieval_quality));
    app("GenAI/RAG/Retrieval", "DocumentsRetrieved", &[], App(|a| a.documents_retrieved));

    // Guardrails, Agents and Knowledge Bases around the application.
    let mut service = |namespace: &str, metric: &str, dims: &[(&str, &str)], stat: &str, source: Source| {
        aggs.push(AggSeries {
            key: key(namespace, metric, dims, stat),
            stat: Stat::parse(stat),
            integral: true,
            source,
        });
    };
    const GUARD: &str = "AWS/Bedrock/Guardrails";
    for (i, src) in ["Input", "Output"].into_iter().enumerate() {
        let dims = [("GuardrailContentSource", src)];
        service(GUARD, "Invocations", &dims, "Sum", AppAt(|a, i| a.guard_invocations[i], i));
        service(GUARD, "InvocationsIntervened", &dims, "Sum", AppAt(|a, i| a.guard_intervened_source[i], i));
    }
    for (i, policy) in ["ContentPolicy", "TopicPolicy", "SensitiveInformationPolicy"].into_iter().enumerate() {
        let dims = [("GuardrailPolicyType", policy)];
        service(GUARD, "InvocationsIntervened", &dims, "Sum", AppAt(|a, i| a.guard_intervened_policy[i], i));
    }
    service(GUARD, "InvocationLatency", &[], "Average", App(|a| a.guard_latency));
    service(GUARD, "TextUnitCount", &[], "Sum", App(|a| a.guard_text_units));
    const AGENTS: &str = "AWS/Bedrock/Agents";
    let op = [("Operation", "InvokeAgent")];
    service(AGENTS, "InvocationCount", &op, "Sum", App(|a| a.agent_invocations));
    service(AGENTS, "TotalTime", &op, "Average", App(|a| a.agent_total_time));
    service(AGENTS, "ModelLatency", &op, "Average", App(|a| a.agent_model_latency));
    const KB: &str = "AWS/Bedrock/KnowledgeBases";
    service(KB, "Invocations", &[], "Sum", App(|a| a.kb_invocations));
    service(KB, "ClientErrors", &[], "Sum", App(|a| a.kb_client_errors));
    service(KB, "ServerErrors", &[], "Sum", App(|a| a.kb_server_errors));
    service(KB, "Throttles", &[], "Sum", App(|a| a.kb_throttles));

    super::pipeline::series(&mut aggs);
    (aggs, samples)
}
