//! The Pipeline and Platform panes' questions: the application's GenAI metrics (latency by
//! stage, throughput, cost, tokens, errors, quality, model behaviour, user experience) and
//! Bedrock's guardrail, agent, AgentCore and knowledge-base namespaces, each as a [`Panel`]: a
//! headline sentence saying what matters now, a few window figures, and chart lines. Plain data:
//! numbers keep their unit and the UI formats them.
//!
//! Series are matched to figures by name ([`crate::domain::genai_metrics::role`]). A metric
//! published under several dimension sets (`Operation`, `Operation, ModelId`, …) is the same
//! traffic rolled up differently, so each figure is read from one set only: the coarsest, or the
//! coarsest that carries the dimension it is split by — never the sum of all of them.
//!
//! One file per panel; `index` is how they all read the store (the series by figure, rolled up
//! and combined) and the phrases they share.

mod agentcore;
mod agents;
mod cost;
mod errors;
mod experience;
mod guardrails;
mod index;
mod knowledge_bases;
mod latency;
mod models;
mod other;
mod quality;
mod stop_reasons;
#[cfg(test)]
mod tests;
mod throughput;
mod tokens;

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::genai_metrics::Severity;
use crate::present::sentence::{Sentence, Unit};
use crate::store::{SeriesKey, Store};
use index::Index;

/// Per-period points (epoch seconds → value) inside the window.
pub type Points = BTreeMap<i64, f64>;

/// Periods compared at each end of the window for counts and shares ("the last 5 minutes").
pub const RECENT_PERIODS: i64 = 5;

/// One line of a chart. Lines with `stacked` are drawn on top of each other, in order; the
/// others (a total, an average) over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub key: Option<SeriesKey>,
    pub points: Points,
    pub window: Option<f64>,
    pub stacked: bool,
}

/// A horizontal threshold line (target, warning, critical).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub label: &'static str,
    pub value: f64,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub unit: Unit,
    pub lines: Vec<Line>,
    pub rules: Vec<Rule>,
    /// Fixed bounds for the value axis (scores 0–1, ratings 1–5); otherwise from the data.
    pub y_min: Option<f64>,
    pub y_max: Option<f64>,
}

impl Chart {
    fn new(title: impl Into<String>, unit: Unit) -> Self {
        Self { title: title.into(), unit, lines: Vec::new(), rules: Vec::new(), y_min: None, y_max: None }
    }
    fn has_data(&self) -> bool {
        self.lines.iter().any(|l| !l.points.is_empty())
    }
}

/// A window figure with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub label: String,
    pub value: Option<f64>,
    pub unit: Unit,
    pub severity: Severity,
}

fn fact(label: impl Into<String>, value: Option<f64>, unit: Unit) -> Fact {
    Fact { label: label.into(), value, unit, severity: Severity::None }
}

/// A metric no panel knows: its latest value, window figure and points, so nothing the
/// application publishes is invisible.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherMetric {
    pub key: SeriesKey,
    pub latest: Option<(i64, f64)>,
    pub window: Option<f64>,
    pub points: Points,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PanelId {
    Quality,
    Latency,
    Throughput,
    Errors,
    Cost,
    Tokens,
    Models,
    StopReasons,
    Experience,
    Other,
    Guardrails,
    Agents,
    AgentCore,
    KnowledgeBases,
    PlatformOther,
}

impl PanelId {
    /// The Pipeline pane's panels, in display order (the seed dashboard's rows).
    pub const PIPELINE: [PanelId; 10] = [
        Self::Quality,
        Self::Latency,
        Self::Throughput,
        Self::Errors,
        Self::Cost,
        Self::Tokens,
        Self::Models,
        Self::StopReasons,
        Self::Experience,
        Self::Other,
    ];
    /// The Platform pane's panels.
    pub const PLATFORM: [PanelId; 5] =
        [Self::Guardrails, Self::Agents, Self::AgentCore, Self::KnowledgeBases, Self::PlatformOther];

    pub fn title(self) -> &'static str {
        match self {
            Self::Quality => "Quality",
            Self::Latency => "Latency by stage",
            Self::Throughput => "Throughput",
            Self::Errors => "Errors",
            Self::Cost => "Cost",
            Self::Tokens => "Tokens",
            Self::Models => "Model latency",
            Self::StopReasons => "Stop reasons",
            Self::Experience => "User experience",
            Self::Other => "Other metrics",
            Self::Guardrails => "Guardrails",
            Self::Agents => "Agents",
            Self::AgentCore => "AgentCore",
            Self::KnowledgeBases => "Knowledge bases",
            Self::PlatformOther => "Other platform",
        }
    }

    /// A stable snake_case name (JSON).
    pub fn name(self) -> &'static str {
        match self {
            Self::Quality => "quality",
            Self::Latency => "latency",
            Self::Throughput => "throughput",
            Self::Errors => "errors",
            Self::Cost => "cost",
            Self::Tokens => "tokens",
            Self::Models => "models",
            Self::StopReasons => "stop_reasons",
            Self::Experience => "user_experience",
            Self::Other => "other",
            Self::Guardrails => "guardrails",
            Self::Agents => "agents",
            Self::AgentCore => "agentcore",
            Self::KnowledgeBases => "knowledge_bases",
            Self::PlatformOther => "platform_other",
        }
    }

    /// What publishes the panel's metrics: shown when it has none.
    pub fn publisher(self) -> &'static str {
        match self {
            Self::Quality => {
                "The RAG application's evaluator publishes Faithfulness, AnswerRelevancy, ContextPrecision, \
                 ContextRecall and RequestSuccess (GenAI/Quality) and RetrievalQuality (GenAI/RAG/Retrieval)."
            }
            Self::Latency => {
                "The RAG application times each stage: EmbeddingLatency, VectorSearchLatency, RerankLatency, \
                 GenerationLatency and EndToEndLatency in ms (GenAI/Performance)."
            }
            Self::Throughput => {
                "The RAG application counts RequestCount, SuccessfulRequests and FailedRequests (GenAI/Throughput)."
            }
            Self::Errors => {
                "The RAG application publishes ErrorRate (%) and RetrievalErrors, GenerationErrors, ThrottlingErrors, \
                 ValidationErrors, RequestErrors (GenAI/Errors)."
            }
            Self::Cost => {
                "The RAG application prices each request: TotalCost, EmbeddingCost, GenerationCost, RequestCost and \
                 CostPerQuery in USD (GenAI/Cost)."
            }
            Self::Tokens => "The RAG application counts InputTokens and OutputTokens per request (GenAI/Tokens).",
            Self::Models => "The RAG application publishes AvgLatency by ModelId (GenAI/Models).",
            Self::StopReasons => {
                "The RAG application counts StopReason by Reason: end_turn, max_tokens, stop_sequence (GenAI/Behavior)."
            }
            Self::Experience => {
                "The application publishes FeedbackScore 1–5 (GenAI/UserExperience) and AvgSessionDuration, \
                 AvgTurnsPerSession (GenAI/Sessions)."
            }
            Self::Other => "Any other metric in the configured custom_namespaces is listed here.",
            Self::Guardrails => {
                "Bedrock publishes AWS/Bedrock/Guardrails when a guardrail is applied (ApplyGuardrail, or a model call \
                 with a guardrail)."
            }
            Self::Agents => {
                "Bedrock publishes AWS/Bedrock/Agents when an agent is invoked (InvokeAgent, InvokeInlineAgent)."
            }
            Self::AgentCore => {
                "AgentCore runtimes, gateways, tools and memory publish AWS/Bedrock-AgentCore (Bedrock-AgentCore, \
                 AWS/BedrockAgentCore and bedrock-agentcore are probed too)."
            }
            Self::KnowledgeBases => {
                "Bedrock publishes AWS/Bedrock/KnowledgeBases on Retrieve and RetrieveAndGenerate calls to a managed \
                 knowledge base."
            }
            Self::PlatformOther => "Any other metric in Bedrock's platform namespaces is listed here.",
        }
    }
}

/// One panel: `headline` is `None` when there is no data (say so, and what publishes it).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub id: PanelId,
    pub headline: Option<Sentence>,
    pub facts: Vec<Fact>,
    pub charts: Vec<Chart>,
    /// The metrics no panel knows (the "other" panels only).
    pub other: Vec<OtherMetric>,
    /// Namespaces the panel's data came from.
    pub namespaces: BTreeSet<String>,
}

impl Panel {
    fn new(id: PanelId) -> Self {
        Self {
            id,
            headline: None,
            facts: Vec::new(),
            charts: Vec::new(),
            other: Vec::new(),
            namespaces: BTreeSet::new(),
        }
    }
    pub fn has_data(&self) -> bool {
        self.headline.is_some()
    }
    pub fn severity(&self) -> Severity {
        self.headline.as_ref().map(|h| h.severity).unwrap_or_default()
    }
    fn push_chart(&mut self, c: Chart) {
        if c.has_data() {
            for l in &c.lines {
                if let Some(k) = &l.key {
                    self.namespaces.insert(k.namespace.clone());
                }
            }
            self.charts.push(c);
        }
    }
}

impl Index<'_> {
    fn panel(&self, id: PanelId) -> Panel {
        match id {
            PanelId::Quality => self.quality(),
            PanelId::Latency => self.latency(),
            PanelId::Throughput => self.throughput(),
            PanelId::Errors => self.errors(),
            PanelId::Cost => self.cost(),
            PanelId::Tokens => self.tokens(),
            PanelId::Models => self.models(),
            PanelId::StopReasons => self.stop_reasons(),
            PanelId::Experience => self.experience(),
            PanelId::Other => self.other(id, &self.other_custom),
            PanelId::Guardrails => self.guardrails(),
            PanelId::Agents => self.agents(),
            PanelId::AgentCore => self.agentcore(),
            PanelId::KnowledgeBases => self.knowledge_bases(),
            PanelId::PlatformOther => self.other(id, &self.other_platform),
        }
    }
}

impl Store {
    /// The panels of `ids`, in order.
    pub fn panels(&self, ids: &[PanelId]) -> Vec<Panel> {
        let ix = Index::new(self);
        ids.iter().map(|id| ix.panel(*id)).collect()
    }

    pub fn panel(&self, id: PanelId) -> Panel {
        Index::new(self).panel(id)
    }

    /// The Pipeline pane's panels.
    pub fn pipeline_panels(&self) -> Vec<Panel> {
        self.panels(&PanelId::PIPELINE)
    }

    /// The Platform pane's panels.
    pub fn platform_panels(&self) -> Vec<Panel> {
        self.panels(&PanelId::PLATFORM)
    }
}
