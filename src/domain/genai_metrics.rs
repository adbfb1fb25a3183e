//! What the application's `GenAI/*` metrics and Bedrock's platform namespaces mean: which
//! figure a metric is (matched by name, case-insensitive, across the common spellings), and the
//! thresholds the seed application's dashboard and alarms draw.

use super::catalog::{
    AGENTS_NAMESPACE, BEDROCK_NAMESPACE, GUARDRAILS_NAMESPACE, KNOWLEDGE_BASES_NAMESPACE, is_agentcore_namespace,
    normalized,
};

/// How bad a figure is. `None` means "no opinion" (no threshold applies, or no data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    None,
    Ok,
    Warn,
    Crit,
}

/// The seed application's quality lines (dashboard annotations and the faithfulness alarms).
pub const QUALITY_TARGET: f64 = 0.85;
pub const QUALITY_WARNING: f64 = 0.75;
pub const QUALITY_CRITICAL: f64 = 0.60;
/// The error-rate widget's lines, in percent.
pub const ERROR_RATE_TARGET: f64 = 1.0;
pub const ERROR_RATE_CRITICAL: f64 = 5.0;

/// Severity of a 0–1 quality score against the seed's lines.
pub fn quality_severity(v: f64) -> Severity {
    if v < QUALITY_CRITICAL {
        Severity::Crit
    } else if v < QUALITY_WARNING {
        Severity::Warn
    } else {
        Severity::Ok
    }
}

/// Severity of an error percentage against the 1 % target and 5 % critical lines.
pub fn error_pct_severity(pct: f64) -> Severity {
    if pct >= ERROR_RATE_CRITICAL {
        Severity::Crit
    } else if pct >= ERROR_RATE_TARGET {
        Severity::Warn
    } else {
        Severity::Ok
    }
}

/// Which figure a metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    // GenAI/Performance: latency by pipeline stage (ms)
    EmbeddingLatency,
    VectorSearchLatency,
    RerankLatency,
    GenerationLatency,
    EndToEndLatency,
    // GenAI/Throughput
    RequestCount,
    SuccessfulRequests,
    FailedRequests,
    // GenAI/Cost (USD)
    TotalCost,
    EmbeddingCost,
    GenerationCost,
    RequestCost,
    CostPerQuery,
    // GenAI/Tokens
    InputTokens,
    OutputTokens,
    // GenAI/Errors
    ErrorRate,
    RetrievalErrors,
    GenerationErrors,
    ThrottlingErrors,
    ValidationErrors,
    RequestErrors,
    // GenAI/Quality and GenAI/RAG/Retrieval (0–1 scores, and a success count)
    Faithfulness,
    AnswerRelevancy,
    ContextPrecision,
    ContextRecall,
    RequestSuccess,
    RetrievalQuality,
    // GenAI/Models, GenAI/Behavior
    ModelAvgLatency,
    StopReason,
    // GenAI/UserExperience, GenAI/Sessions
    FeedbackScore,
    SessionDuration,
    TurnsPerSession,
    // AWS/Bedrock/Guardrails
    GuardInvocations,
    GuardIntervened,
    GuardLatency,
    GuardTextUnits,
    GuardClientErrors,
    GuardServerErrors,
    GuardThrottles,
    // AWS/Bedrock/Agents
    AgentInvocations,
    AgentTotalTime,
    AgentTtft,
    AgentModelLatency,
    AgentModelInvocations,
    AgentInputTokens,
    AgentOutputTokens,
    AgentClientErrors,
    AgentServerErrors,
    AgentThrottles,
    // AgentCore (any spelling of its namespace)
    CoreSessions,
    CoreActiveSessions,
    CoreInvocations,
    CoreLatency,
    CoreDuration,
    CoreErrors,
    CoreSystemErrors,
    CoreUserErrors,
    CoreThrottles,
    // AWS/Bedrock/KnowledgeBases
    KbInvocations,
    KbClientErrors,
    KbServerErrors,
    KbThrottles,
}

/// Which of Bedrock's platform services a namespace belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Guardrails,
    Agents,
    AgentCore,
    KnowledgeBases,
}

pub fn platform_of(namespace: &str) -> Option<Platform> {
    if namespace.eq_ignore_ascii_case(GUARDRAILS_NAMESPACE) {
        Some(Platform::Guardrails)
    } else if namespace.eq_ignore_ascii_case(AGENTS_NAMESPACE) {
        Some(Platform::Agents)
    } else if namespace.eq_ignore_ascii_case(KNOWLEDGE_BASES_NAMESPACE) {
        Some(Platform::KnowledgeBases)
    } else if is_agentcore_namespace(namespace) {
        Some(Platform::AgentCore)
    } else {
        None
    }
}

/// The figure a metric is, from its namespace and name; `None` for anything else (shown in the
/// generic list) and for `AWS/Bedrock` (the Models pane's).
///
/// Platform namespaces are matched by their documented names. The application's own metrics are
/// matched by name in any custom namespace, so `EndToEndLatencyMs` in `MyApp/Perf` is found as
/// well as `EndToEndLatency` in `GenAI/Performance`.
pub fn role(namespace: &str, metric: &str) -> Option<Role> {
    use Role::*;
    if namespace.eq_ignore_ascii_case(BEDROCK_NAMESPACE) {
        return None;
    }
    let n = normalized(metric);
    let n = n.as_str();
    if let Some(p) = platform_of(namespace) {
        return Some(match (p, n) {
            (Platform::Guardrails, "invocations") => GuardInvocations,
            (Platform::Guardrails, "invocationsintervened") => GuardIntervened,
            (Platform::Guardrails, "invocationlatency") => GuardLatency,
            (Platform::Guardrails, "textunitcount") => GuardTextUnits,
            (Platform::Guardrails, "invocationclienterrors") => GuardClientErrors,
            (Platform::Guardrails, "invocationservererrors") => GuardServerErrors,
            (Platform::Guardrails, "invocationthrottles") => GuardThrottles,
            (Platform::Agents, "invocationcount") => AgentInvocations,
            (Platform::Agents, "totaltime") => AgentTotalTime,
            (Platform::Agents, "ttft") => AgentTtft,
            (Platform::Agents, "modellatency") => AgentModelLatency,
            (Platform::Agents, "modelinvocationcount") => AgentModelInvocations,
            (Platform::Agents, "inputtokencount") => AgentInputTokens,
            (Platform::Agents, "outputtokencount") => AgentOutputTokens,
            (Platform::Agents, "invocationclienterrors") => AgentClientErrors,
            (Platform::Agents, "invocationservererrors") => AgentServerErrors,
            (Platform::Agents, "invocationthrottles") => AgentThrottles,
            (Platform::AgentCore, "sessions" | "sessioncount") => CoreSessions,
            (Platform::AgentCore, "activesessioncount" | "activesessions") => CoreActiveSessions,
            (Platform::AgentCore, "invocations") => CoreInvocations,
            (Platform::AgentCore, "latency") => CoreLatency,
            (Platform::AgentCore, "duration") => CoreDuration,
            (Platform::AgentCore, "errors") => CoreErrors,
            (Platform::AgentCore, "systemerrors") => CoreSystemErrors,
            (Platform::AgentCore, "usererrors") => CoreUserErrors,
            (Platform::AgentCore, "throttles") => CoreThrottles,
            (Platform::KnowledgeBases, "invocations") => KbInvocations,
            (Platform::KnowledgeBases, "clienterrors") => KbClientErrors,
            (Platform::KnowledgeBases, "servererrors") => KbServerErrors,
            (Platform::KnowledgeBases, "throttles") => KbThrottles,
            _ => return None,
        });
    }
    Some(match n {
        "embeddinglatency" | "embeddingslatency" | "embedlatency" | "embeddingtime" | "embeddingduration" => {
            EmbeddingLatency
        }
        "vectorsearchlatency"
        | "searchlatency"
        | "retrievallatency"
        | "vectorsearchtime"
        | "vectorsearchduration"
        | "retrievaltime" => VectorSearchLatency,
        "reranklatency" | "rerankinglatency" | "reranktime" | "rerankduration" => RerankLatency,
        "generationlatency" | "llmlatency" | "llmgenerationlatency" | "generationtime" | "generationduration" => {
            GenerationLatency
        }
        "endtoendlatency" | "e2elatency" | "totallatency" | "requestlatency" | "endtoendtime" | "endtoendduration" => {
            EndToEndLatency
        }
        "requestcount" | "requests" | "totalrequests" | "requestscount" => RequestCount,
        "successfulrequests" | "successrequests" | "requestssucceeded" | "successfulrequestcount" => SuccessfulRequests,
        "failedrequests" | "requestsfailed" | "failedrequestcount" => FailedRequests,
        "totalcost" => TotalCost,
        "embeddingcost" | "embeddingscost" | "embedcost" => EmbeddingCost,
        "generationcost" | "llmcost" => GenerationCost,
        "requestcost" => RequestCost,
        "costperquery" | "costperrequest" | "querycost" => CostPerQuery,
        "inputtokens" | "inputtokencount" | "prompttokens" => InputTokens,
        "outputtokens" | "outputtokencount" | "completiontokens" => OutputTokens,
        "errorrate" | "errorpercentage" => ErrorRate,
        "retrievalerrors" | "retrievalerror" | "retrievalfailures" => RetrievalErrors,
        "generationerrors" | "generationerror" | "llmerrors" => GenerationErrors,
        "throttlingerrors" | "throttlingerror" | "throttleerrors" => ThrottlingErrors,
        "validationerrors" | "validationerror" => ValidationErrors,
        "requesterrors" | "requesterror" => RequestErrors,
        "faithfulness" | "faithfulnessscore" => Faithfulness,
        "answerrelevancy" | "answerrelevance" | "relevancy" => AnswerRelevancy,
        "contextprecision" => ContextPrecision,
        "contextrecall" => ContextRecall,
        "requestsuccess" => RequestSuccess,
        "retrievalquality" | "retrievalscore" => RetrievalQuality,
        "avglatency" | "averagelatency" | "modellatency" => ModelAvgLatency,
        "stopreason" | "stopreasons" | "finishreason" => StopReason,
        "feedbackscore" | "usersatisfaction" | "satisfactionscore" => FeedbackScore,
        "avgsessionduration" | "sessionduration" | "averagesessionduration" => SessionDuration,
        "avgturnspersession" | "turnspersession" | "averageturnspersession" => TurnsPerSession,
        _ => return None,
    })
}

/// The pipeline stages, in request order, with the label the panes use.
pub const STAGES: [(Role, &str); 4] = [
    (Role::EmbeddingLatency, "embedding"),
    (Role::VectorSearchLatency, "vector search"),
    (Role::RerankLatency, "rerank"),
    (Role::GenerationLatency, "generation"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_names_and_common_variants() {
        assert_eq!(role("GenAI/Performance", "EndToEndLatency"), Some(Role::EndToEndLatency));
        assert_eq!(role("genai/performance", "end_to_end_latency_ms"), Some(Role::EndToEndLatency));
        assert_eq!(role("MyApp/Perf", "VectorSearchLatencyMs"), Some(Role::VectorSearchLatency));
        assert_eq!(role("GenAI/Quality", "faithfulness"), Some(Role::Faithfulness));
        assert_eq!(role("GenAI/Behavior", "StopReason"), Some(Role::StopReason));
        assert_eq!(role("GenAI/Models", "AvgLatency"), Some(Role::ModelAvgLatency));
        assert_eq!(role("GenAI/Cost", "cost_per_query"), Some(Role::CostPerQuery));
        assert_eq!(role("GenAI/RAG/Retrieval", "DocumentsRetrieved"), None);
        assert_eq!(role("AWS/Bedrock", "Invocations"), None);
    }

    #[test]
    fn platform_names_depend_on_the_namespace() {
        assert_eq!(role("AWS/Bedrock/Guardrails", "Invocations"), Some(Role::GuardInvocations));
        assert_eq!(role("AWS/Bedrock/KnowledgeBases", "Invocations"), Some(Role::KbInvocations));
        assert_eq!(role("AWS/Bedrock/Agents", "outputTokenCount"), Some(Role::AgentOutputTokens));
        assert_eq!(role("AWS/Bedrock/Agents", "OutputTokenCount"), Some(Role::AgentOutputTokens));
        for ns in ["AWS/Bedrock-AgentCore", "Bedrock-AgentCore", "AWS/BedrockAgentCore", "bedrock-agentcore"] {
            assert_eq!(role(ns, "Latency"), Some(Role::CoreLatency), "{ns}");
            assert_eq!(platform_of(ns), Some(Platform::AgentCore));
        }
        assert_eq!(role("AWS/Bedrock/Guardrails", "FindingCounts"), None);
        // a custom namespace's "Invocations" is not a platform figure
        assert_eq!(role("GenAI/Throughput", "Invocations"), None);
    }

    #[test]
    fn thresholds() {
        assert_eq!(quality_severity(0.9), Severity::Ok);
        assert_eq!(quality_severity(0.75), Severity::Ok);
        assert_eq!(quality_severity(0.7499), Severity::Warn);
        assert_eq!(quality_severity(0.59), Severity::Crit);
        assert_eq!(error_pct_severity(0.5), Severity::Ok);
        assert_eq!(error_pct_severity(1.0), Severity::Warn);
        assert_eq!(error_pct_severity(5.0), Severity::Crit);
    }
}
