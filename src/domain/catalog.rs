//! What the console knows about metric names: the `AWS/Bedrock` runtime metrics, their aliases,
//! and which statistic answers a question about a custom `GenAI/*` metric.

pub const BEDROCK_NAMESPACE: &str = "AWS/Bedrock";

/// The seed application's namespaces, the default for `custom_namespaces`.
pub const DEFAULT_CUSTOM_NAMESPACES: &[&str] = &[
    "GenAI/Tokens",
    "GenAI/Cost",
    "GenAI/Quality",
    "GenAI/Performance",
    "GenAI/Errors",
    "GenAI/Throughput",
    "GenAI/UserExperience",
    "GenAI/Sessions",
    "GenAI/Models",
    "GenAI/Behavior",
    "GenAI/RAG/Retrieval",
];

/// Bedrock's own namespaces around the model calls (guardrails, agents, knowledge bases, and
/// AgentCore under each spelling AWS's material uses). Always probed with ListMetrics, in
/// addition to `custom_namespaces`.
pub const PLATFORM_NAMESPACES: &[&str] = &[
    GUARDRAILS_NAMESPACE,
    AGENTS_NAMESPACE,
    KNOWLEDGE_BASES_NAMESPACE,
    "AWS/Bedrock-AgentCore",
    "Bedrock-AgentCore",
    "AWS/BedrockAgentCore",
    "bedrock-agentcore",
];
pub const GUARDRAILS_NAMESPACE: &str = "AWS/Bedrock/Guardrails";
pub const AGENTS_NAMESPACE: &str = "AWS/Bedrock/Agents";
pub const KNOWLEDGE_BASES_NAMESPACE: &str = "AWS/Bedrock/KnowledgeBases";
/// The spellings of AgentCore's namespace: real accounts report `AWS/Bedrock-AgentCore`, AWS's
/// docs and toolkits also say `Bedrock-AgentCore` and `AWS/BedrockAgentCore`, and OTel metrics
/// from agent code land in `bedrock-agentcore`.
pub const AGENTCORE_NAMESPACES: &[&str] =
    &["AWS/Bedrock-AgentCore", "Bedrock-AgentCore", "AWS/BedrockAgentCore", "bedrock-agentcore"];

/// True for one of [`PLATFORM_NAMESPACES`], whatever its case.
pub fn is_platform_namespace(namespace: &str) -> bool {
    PLATFORM_NAMESPACES.iter().any(|n| n.eq_ignore_ascii_case(namespace))
}

/// True for one of the AgentCore spellings, whatever its case.
pub fn is_agentcore_namespace(namespace: &str) -> bool {
    AGENTCORE_NAMESPACES.iter().any(|n| n.eq_ignore_ascii_case(namespace))
}

/// Statistics fetched for a custom metric beyond [`custom_stat`], per minute and over the whole
/// window: the faithfulness distribution (p50/p90/p99), the p95 cost per query, and the p95
/// end-to-end latency the latency rule alarms on. Matched on [`normalized`] names.
pub fn extra_stats(namespace: &str, metric: &str) -> &'static [&'static str] {
    if is_platform_namespace(namespace) || namespace == BEDROCK_NAMESPACE {
        return &[];
    }
    match normalized(metric).as_str() {
        "faithfulness" | "faithfulnessscore" => &["p50", "p90", "p99"],
        "costperquery" | "costperrequest" => &["p95"],
        "endtoendlatency" | "e2elatency" => &["p95"],
        _ => &[],
    }
}

/// A metric name in one comparable form: lower-case words joined, a trailing unit word (`ms`,
/// `millis`, `usd`, `seconds`…) dropped. `EndToEndLatencyMs`, `end_to_end_latency` and
/// `endToEndLatency` all give `endtoendlatency`.
pub fn normalized(name: &str) -> String {
    let mut w = words(name);
    if w.len() > 1
        && matches!(
            w.last().map(String::as_str),
            Some("ms" | "millis" | "milliseconds" | "usd" | "seconds" | "secs" | "sec" | "pct" | "percent")
        )
    {
        w.pop();
    }
    w.concat()
}

/// A per-model Bedrock figure the console shows, independent of how the account spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum BedrockMetric {
    Invocations,
    InputTokens,
    OutputTokens,
    ClientErrors,
    ServerErrors,
    Throttles,
    CacheReadTokens,
    CacheWriteTokens,
    TpmQuotaUsage,
    Latency,
    TimeToFirstToken,
}

impl BedrockMetric {
    pub const ALL: [BedrockMetric; 11] = [
        Self::Invocations,
        Self::InputTokens,
        Self::OutputTokens,
        Self::ClientErrors,
        Self::ServerErrors,
        Self::Throttles,
        Self::CacheReadTokens,
        Self::CacheWriteTokens,
        Self::TpmQuotaUsage,
        Self::Latency,
        Self::TimeToFirstToken,
    ];

    /// Recognise a CloudWatch metric name, accepting the known alternative spellings.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "Invocations" => Self::Invocations,
            "InputTokenCount" => Self::InputTokens,
            "OutputTokenCount" | "outputTokenCount" => Self::OutputTokens,
            "InvocationClientErrors" => Self::ClientErrors,
            "InvocationServerErrors" => Self::ServerErrors,
            "InvocationThrottles" => Self::Throttles,
            "CacheReadInputTokens" | "CacheReadInputTokenCount" => Self::CacheReadTokens,
            "CacheWriteInputTokens" | "CacheWriteInputTokenCount" => Self::CacheWriteTokens,
            "EstimatedTPMQuotaUsage" => Self::TpmQuotaUsage,
            "InvocationLatency" => Self::Latency,
            "TimeToFirstToken" => Self::TimeToFirstToken,
            _ => return None,
        })
    }

    /// The canonical (documented) CloudWatch name, used by the demo and in text.
    pub fn canonical_name(self) -> &'static str {
        match self {
            Self::Invocations => "Invocations",
            Self::InputTokens => "InputTokenCount",
            Self::OutputTokens => "OutputTokenCount",
            Self::ClientErrors => "InvocationClientErrors",
            Self::ServerErrors => "InvocationServerErrors",
            Self::Throttles => "InvocationThrottles",
            Self::CacheReadTokens => "CacheReadInputTokens",
            Self::CacheWriteTokens => "CacheWriteInputTokens",
            Self::TpmQuotaUsage => "EstimatedTPMQuotaUsage",
            Self::Latency => "InvocationLatency",
            Self::TimeToFirstToken => "TimeToFirstToken",
        }
    }

    /// Statistics fetched per minute (for charts) for this metric.
    pub fn series_stats(self) -> &'static [&'static str] {
        match self {
            Self::Latency => &["Average", "p50", "p90", "p99"],
            Self::TimeToFirstToken => &["p50", "p90"],
            // emitted per request: the minute's Sum is its consumption (store::models::TPM_QUOTA_STAT)
            _ => &["Sum"],
        }
    }

    /// Statistics whose whole-window figure must come from CloudWatch (they don't add up).
    pub fn window_stats(self) -> &'static [&'static str] {
        match self {
            Self::Latency => &["Average", "p50", "p90", "p99"],
            Self::TimeToFirstToken => &["p50", "p90"],
            _ => &[],
        }
    }
}

/// True for statistics that add up across periods, so a window figure is the sum of the periods.
pub fn is_additive(stat: &str) -> bool {
    matches!(stat, "Sum" | "SampleCount")
}

/// Split `CostPerQuery` / `avg_session_duration` into lower-case words.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The statistic that answers "what is this custom metric doing": Average for scores, latencies,
/// rates, ratios and durations; Sum for counts, tokens and costs. Matched on whole words, so
/// `GenerationCost` is a cost (Sum), not a "ratio".
pub fn custom_stat(namespace: &str, metric: &str) -> &'static str {
    let w = words(metric);
    let has = |x: &str| w.iter().any(|v| v == x);
    // Stop reasons are counted (one datum per answer, whatever its value); a session gauge is
    // averaged.
    match normalized(metric).as_str() {
        "stopreason" | "stopreasons" | "finishreason" => return "SampleCount",
        "activesessioncount" | "activesessions" => return "Average",
        _ => {}
    }
    if namespace.eq_ignore_ascii_case("GenAI/Quality") && metric != "RequestSuccess" {
        return "Average";
    }
    const AVERAGED: &[&str] = &[
        "latency",
        "duration",
        "score",
        "rate",
        "avg",
        "average",
        "mean",
        "faithfulness",
        "relevancy",
        "precision",
        "recall",
        "quality",
        "similarity",
        "turns",
        "time",
        "ratio",
        "percent",
        "pct",
        "usage",
        "ttft",
        "retrieved",
    ];
    if AVERAGED.iter().any(|a| has(a)) || has("per") || metric.ends_with("Ms") { "Average" } else { "Sum" }
}

/// Geographic and global cross-Region inference profile prefixes (`us.anthropic…`).
pub const PROFILE_PREFIXES: &[&str] =
    &["us-gov.", "us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "ug.", "sa.", "in."];

/// Strip the cross-region inference prefixes, ARN wrapping and context-length suffix from a
/// Bedrock model id, giving the base model id the price table is keyed by:
/// `arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0`,
/// `arn:…:inference-profile/us.anthropic.claude-3-sonnet-20240229-v1:0` and
/// `anthropic.claude-3-sonnet-20240229-v1:0:200k` all give
/// `anthropic.claude-3-sonnet-20240229-v1:0`. Other ARNs (application inference profiles,
/// provisioned models, custom models) name no model in themselves and are returned whole.
pub fn base_model_id(model_id: &str) -> &str {
    strip_profile_prefix(without_arn(model_id)).1
}

/// True for an application inference profile ARN (it names no model in itself: Bedrock's
/// GetInferenceProfile says which).
pub fn is_application_profile(model_id: &str) -> bool {
    model_id.starts_with("arn:") && model_id.contains(":application-inference-profile/")
}

/// The id inside a foundation-model or system inference-profile ARN, context suffix stripped.
fn without_arn(model_id: &str) -> &str {
    let mut id = model_id;
    if id.starts_with("arn:") {
        for kind in [":foundation-model/", ":inference-profile/"] {
            if let Some(pos) = id.find(kind) {
                id = &id[pos + kind.len()..];
                break;
            }
        }
        if id.starts_with("arn:") {
            return id;
        }
    }
    strip_context_suffix(id)
}

/// `…-v1:0:200k` → `…-v1:0` (Bedrock's context-length variants, and `:mm` multimodal ones).
fn strip_context_suffix(id: &str) -> &str {
    if let Some((head, tail)) = id.rsplit_once(':') {
        let k = tail.strip_suffix('k').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if (k || tail == "mm") && head.contains(':') {
            return head;
        }
    }
    id
}

/// (`global.`, rest) for `global.anthropic…`; ("", id) without a prefix.
fn strip_profile_prefix(id: &str) -> (&str, &str) {
    for p in PROFILE_PREFIXES {
        if let Some(rest) = id.strip_prefix(p) {
            return (p, rest);
        }
    }
    ("", id)
}

/// The model id as called, ARN and context suffix stripped but the profile prefix kept
/// (`global.anthropic.claude-haiku-4-5-20251001-v1:0`): prices differ for `global.`.
pub fn called_model_id(model_id: &str) -> &str {
    without_arn(model_id)
}

/// True when `model_id` calls the global cross-Region profile.
pub fn is_global_profile(model_id: &str) -> bool {
    strip_profile_prefix(without_arn(model_id)).0 == "global."
}

/// A short display name: `us.anthropic.claude-sonnet-4-5-20250929-v1:0` → `claude-sonnet-4-5`.
/// Model ids come from AWS (dimension values, trace annotations): the name is sanitised.
pub fn short_model_name(model_id: &str) -> String {
    let base = base_model_id(model_id);
    // an ARN naming no model (application inference profile): its id
    let base = if base.starts_with("arn:") { base.rsplit('/').next().unwrap_or(base) } else { base };
    let name = base.split_once('.').map(|(_, n)| n).unwrap_or(base);
    let name = name.split(':').next().unwrap_or(name);
    let mut parts: Vec<&str> = name.split('-').collect();
    // drop a trailing version tag (v1, v2) and a date stamp (20250929)
    while let Some(last) = parts.last() {
        let is_version = last.len() <= 3 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
        let is_date = last.len() == 8 && last.chars().all(|c| c.is_ascii_digit());
        if (is_version || is_date) && parts.len() > 1 {
            parts.pop();
        } else {
            break;
        }
    }
    crate::sanitize::one_line(&parts.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_application_profile_arns_are_profiles() {
        assert!(is_application_profile("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"));
        assert!(!is_application_profile("us.anthropic.claude-3-haiku-20240307-v1:0"));
        assert!(!is_application_profile("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"));
    }

    #[test]
    fn accepts_both_cache_spellings() {
        assert_eq!(BedrockMetric::from_name("CacheReadInputTokens"), Some(BedrockMetric::CacheReadTokens));
        assert_eq!(BedrockMetric::from_name("CacheReadInputTokenCount"), Some(BedrockMetric::CacheReadTokens));
        assert_eq!(BedrockMetric::from_name("CacheWriteInputTokenCount"), Some(BedrockMetric::CacheWriteTokens));
        assert_eq!(BedrockMetric::from_name("InvocationCount"), None);
    }

    #[test]
    fn strips_inference_prefixes_and_arns() {
        assert_eq!(base_model_id("us.anthropic.claude-sonnet-4-6"), "anthropic.claude-sonnet-4-6");
        assert_eq!(
            base_model_id("global.anthropic.claude-haiku-4-5-20251001-v1:0"),
            "anthropic.claude-haiku-4-5-20251001-v1:0"
        );
        assert_eq!(
            base_model_id("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"),
            "amazon.nova-pro-v1:0"
        );
        assert_eq!(base_model_id("amazon.nova-lite-v1:0"), "amazon.nova-lite-v1:0");
    }

    #[test]
    fn short_names() {
        assert_eq!(short_model_name("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), "claude-sonnet-4-5");
        assert_eq!(short_model_name("amazon.nova-pro-v1:0"), "nova-pro");
        assert_eq!(short_model_name("meta.llama3-3-70b-instruct-v1:0"), "llama3-3-70b-instruct");
    }

    #[test]
    fn custom_stats() {
        assert_eq!(custom_stat("GenAI/Quality", "Faithfulness"), "Average");
        assert_eq!(custom_stat("GenAI/Quality", "RequestSuccess"), "Sum");
        assert_eq!(custom_stat("GenAI/Performance", "EndToEndLatency"), "Average");
        assert_eq!(custom_stat("GenAI/Cost", "TotalCost"), "Sum");
        assert_eq!(custom_stat("GenAI/Cost", "CostPerQuery"), "Average");
        assert_eq!(custom_stat("GenAI/Tokens", "InputTokens"), "Sum");
        assert_eq!(custom_stat("GenAI/Errors", "ErrorRate"), "Average");
        assert_eq!(custom_stat("GenAI/Sessions", "AvgSessionDuration"), "Average");
        assert_eq!(custom_stat("GenAI/Cost", "GenerationCost"), "Sum");
        assert_eq!(custom_stat("GenAI/Errors", "GenerationErrors"), "Sum");
        assert_eq!(custom_stat("GenAI/RAG/Retrieval", "DocumentsRetrieved"), "Average");
        assert_eq!(custom_stat("GenAI/Models", "AvgLatency"), "Average");
        assert_eq!(custom_stat("App", "time_to_first_token_ms"), "Average");
        assert_eq!(custom_stat("GenAI/Behavior", "StopReason"), "SampleCount");
        assert_eq!(custom_stat("AWS/Bedrock-AgentCore", "ActiveSessionCount"), "Average");
        assert_eq!(custom_stat("AWS/Bedrock/Guardrails", "InvocationsIntervened"), "Sum");
        assert_eq!(custom_stat("AWS/Bedrock/Guardrails", "InvocationLatency"), "Average");
        assert_eq!(custom_stat("AWS/Bedrock/Agents", "TTFT"), "Average");
        assert_eq!(custom_stat("AWS/Bedrock/Agents", "TotalTime"), "Average");
        assert_eq!(custom_stat("AWS/Bedrock/Agents", "outputTokenCount"), "Sum");
    }

    #[test]
    fn names_normalise_across_spellings() {
        for n in ["EndToEndLatency", "end_to_end_latency_ms", "endToEndLatencyMs", "END_TO_END_LATENCY"] {
            assert_eq!(normalized(n), "endtoendlatency", "{n}");
        }
        assert_eq!(normalized("CostPerQueryUSD"), "costperquery");
        // a unit word alone is the name
        assert_eq!(normalized("ms"), "ms");
    }

    #[test]
    fn extra_stats_for_the_distribution_widgets() {
        assert_eq!(extra_stats("GenAI/Quality", "Faithfulness"), &["p50", "p90", "p99"]);
        assert_eq!(extra_stats("GenAI/Cost", "cost_per_query"), &["p95"]);
        assert_eq!(extra_stats("GenAI/Performance", "EndToEndLatencyMs"), &["p95"]);
        assert!(extra_stats("GenAI/Cost", "TotalCost").is_empty());
        assert!(extra_stats("AWS/Bedrock/Guardrails", "Faithfulness").is_empty());
    }

    #[test]
    fn platform_namespaces_include_every_agentcore_spelling() {
        for ns in AGENTCORE_NAMESPACES {
            assert!(PLATFORM_NAMESPACES.contains(ns));
            assert!(is_agentcore_namespace(ns));
        }
        assert!(is_platform_namespace("aws/bedrock/guardrails"));
        assert!(!is_platform_namespace("GenAI/Quality"));
        assert!(!is_agentcore_namespace(AGENTS_NAMESPACE));
    }
}
