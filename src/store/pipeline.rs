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

use std::collections::{BTreeMap, BTreeSet};

use super::{Series, SeriesKey, Store};
use crate::domain::catalog::{BEDROCK_NAMESPACE, is_additive, is_platform_namespace, short_model_name};
use crate::domain::genai_metrics::{
    self as g, ERROR_RATE_CRITICAL, ERROR_RATE_TARGET, QUALITY_CRITICAL, QUALITY_TARGET, QUALITY_WARNING, Role, STAGES,
    Severity, error_pct_severity, quality_severity,
};

/// Per-period points (epoch seconds → value) inside the window.
pub type Points = BTreeMap<i64, f64>;

/// Periods compared at each end of the window for counts and shares ("the last 5 minutes").
pub const RECENT_PERIODS: i64 = 5;

/// What a number is, so the UI can format it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Ms,
    Secs,
    Count,
    Usd,
    /// A 0–1 score.
    Score,
    /// Already in percent.
    Pct,
    /// A 1–5 rating.
    Rating,
    /// A ratio shown as "3.4×".
    Times,
    /// A number of unknown kind (a metric no panel knows).
    Plain,
}

/// A piece of a headline.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Value(f64, Unit),
    /// An epoch second, shown as HH:MM.
    Time(i64),
}

/// One sentence that says what matters, with how bad it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sentence {
    pub parts: Vec<Part>,
    pub severity: Severity,
}

impl Sentence {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    pub(crate) fn t(mut self, s: impl Into<String>) -> Self {
        self.parts.push(Part::Text(s.into()));
        self
    }
    pub(crate) fn v(mut self, v: f64, unit: Unit) -> Self {
        self.parts.push(Part::Value(v, unit));
        self
    }
    pub(crate) fn at(mut self, t: i64) -> Self {
        self.parts.push(Part::Time(t));
        self
    }
    /// Raise the severity to at least `s`.
    pub(crate) fn sev(mut self, s: Severity) -> Self {
        self.severity = self.severity.max(s);
        self
    }
}

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

/// One figure's series combined across regions (and the members of its dimension set).
#[derive(Debug, Clone, Default)]
struct Combined {
    points: Points,
    window: Option<f64>,
    keys: Vec<SeriesKey>,
}

impl Combined {
    fn line(&self, label: &str, stacked: bool) -> Line {
        Line {
            label: label.to_string(),
            key: self.keys.first().cloned(),
            points: self.points.clone(),
            window: self.window,
            stacked,
        }
    }
    fn latest(&self) -> Option<(i64, f64)> {
        self.points.iter().next_back().map(|(t, v)| (*t, *v))
    }
    fn first(&self) -> Option<(i64, f64)> {
        self.points.iter().next().map(|(t, v)| (*t, *v))
    }
}

/// A stretch of whole periods `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    start: i64,
    end: i64,
}

impl Span {
    fn minutes(&self) -> f64 {
        (self.end - self.start) as f64 / 60.0
    }
    fn sum(&self, p: &Points) -> f64 {
        // (an empty float sum is -0.0: add 0.0 so nothing prints as "-0")
        p.range(self.start..self.end).map(|(_, v)| v).sum::<f64>() + 0.0
    }
    /// Per-minute rate over the span.
    fn rate(&self, p: &Points) -> f64 {
        self.sum(p) / self.minutes().max(1.0 / 60.0)
    }
}

/// The newest and the oldest few periods of the data, for "now" against "the window's start".
#[derive(Debug, Clone, Copy)]
struct Spans {
    recent: Span,
    early: Span,
}

/// Start of the newest run of points satisfying `pred`, when the newest point does.
pub fn run_start(p: &Points, pred: impl Fn(f64) -> bool) -> Option<i64> {
    let mut start = None;
    for (t, v) in p.iter().rev() {
        if pred(*v) {
            start = Some(*t);
        } else {
            break;
        }
    }
    start
}

fn pct(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole * 100.0)
}

fn ratio(now: f64, then: f64) -> Option<f64> {
    (then > 0.0 && now.is_finite()).then(|| now / then)
}

/// `SensitiveInformationPolicy` → `sensitive information`; `Output` → `output`.
fn words_of(name: &str) -> String {
    let base = name.strip_suffix("Policy").filter(|b| !b.is_empty()).unwrap_or(name);
    let mut out = String::new();
    let mut prev_lower = false;
    for c in base.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out.replace('_', " ")
}

/// `arn:…:agent-alias/AGENT/ALIAS` → `AGENT/ALIAS`.
fn alias_label(arn: &str) -> String {
    match arn.rsplit_once(":agent-alias/") {
        Some((_, rest)) => rest.to_string(),
        None => arn.to_string(),
    }
}

/// The store's series indexed by figure.
struct Index<'a> {
    store: &'a Store,
    roles: BTreeMap<Role, Vec<(&'a SeriesKey, &'a Series)>>,
    other_custom: Vec<(&'a SeriesKey, &'a Series)>,
    other_platform: Vec<(&'a SeriesKey, &'a Series)>,
}

impl<'a> Index<'a> {
    fn new(store: &'a Store) -> Self {
        let mut ix = Self { store, roles: BTreeMap::new(), other_custom: Vec::new(), other_platform: Vec::new() };
        for (k, s) in store.series() {
            if k.namespace == BEDROCK_NAMESPACE {
                continue;
            }
            match g::role(&k.namespace, &k.metric) {
                Some(r) => ix.roles.entry(r).or_default().push((k, s)),
                None if is_platform_namespace(&k.namespace) => ix.other_platform.push((k, s)),
                None => ix.other_custom.push((k, s)),
            }
        }
        ix
    }

    fn period(&self) -> i64 {
        self.store.period.max(60)
    }

    /// " in the last 5 min" (25 with five-minute periods).
    fn recent_label(&self) -> String {
        format!(" in the last {} min", RECENT_PERIODS * self.period() / 60)
    }

    fn points(&self, s: &Series) -> Points {
        s.range(self.store.window.start, self.store.window.end).collect()
    }

    /// The figure's series at `stat`, from the coarsest dimension set (carrying `split`, when
    /// given), keyed by the value of `split` ("" without one), combined across the rest: sums
    /// add up; averages and percentiles are averaged (only exact for one series).
    fn rollup(&self, role: Role, stat: &str, split: Option<&str>) -> BTreeMap<String, Combined> {
        let mut out = BTreeMap::new();
        let Some(all) = self.roles.get(&role) else { return out };
        let mut groups: BTreeMap<Vec<&str>, Vec<(&SeriesKey, &Series)>> = BTreeMap::new();
        for (k, s) in all.iter().filter(|(k, _)| k.stat == stat) {
            let names: Vec<&str> = k.dims.iter().map(|(n, _)| n.as_str()).collect();
            groups.entry(names).or_default().push((*k, *s));
        }
        let Some((_, members)) = groups
            .into_iter()
            .filter(|(names, _)| split.is_none_or(|d| names.contains(&d)))
            .min_by_key(|(names, _)| names.len())
        else {
            return out;
        };
        let mut buckets: BTreeMap<String, Vec<(&SeriesKey, &Series)>> = BTreeMap::new();
        for (k, s) in members {
            let b = split.and_then(|d| k.dim(d)).unwrap_or("").to_string();
            buckets.entry(b).or_default().push((k, s));
        }
        for (b, members) in buckets {
            out.insert(b, self.combine(&members, is_additive(stat)));
        }
        out
    }

    fn combine(&self, members: &[(&SeriesKey, &Series)], additive: bool) -> Combined {
        let mut c = Combined::default();
        if additive {
            for (k, s) in members {
                for (t, v) in self.points(s) {
                    *c.points.entry(t).or_insert(0.0) += v;
                }
                c.keys.push((*k).clone());
            }
            c.window = (!c.points.is_empty()).then(|| c.points.values().sum());
            return c;
        }
        let mut acc: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
        let mut windows = Vec::new();
        for (k, s) in members {
            for (t, v) in self.points(s) {
                let e = acc.entry(t).or_insert((0.0, 0.0));
                e.0 += v;
                e.1 += 1.0;
            }
            windows.extend(s.window_value);
            c.keys.push((*k).clone());
        }
        c.points = acc.into_iter().map(|(t, (s, n))| (t, s / n)).collect();
        c.window = (!windows.is_empty()).then(|| windows.iter().sum::<f64>() / windows.len() as f64);
        c
    }

    fn line(&self, role: Role, stat: &str) -> Option<Combined> {
        self.rollup(role, stat, None).remove("").filter(|c| !c.points.is_empty() || c.window.is_some())
    }

    /// A count figure: Sum, else SampleCount (both count datapoints published as 1).
    fn count(&self, role: Role) -> Option<Combined> {
        self.line(role, "Sum").or_else(|| self.line(role, "SampleCount"))
    }

    fn count_by(&self, role: Role, split: &str) -> BTreeMap<String, Combined> {
        let m = self.rollup(role, "Sum", Some(split));
        if m.is_empty() { self.rollup(role, "SampleCount", Some(split)) } else { m }
    }

    /// The last and first [`RECENT_PERIODS`] whole periods of `primary`'s data; the period
    /// still filling (the window's last) is left out of "recent".
    fn spans(&self, primary: &Points) -> Option<Spans> {
        let p = self.period();
        let filling = self.store.window.end - p;
        let newest = primary.range(..filling).next_back().or(primary.iter().next_back()).map(|(t, _)| *t)?;
        let oldest = *primary.keys().next()?;
        Some(Spans {
            recent: Span { start: (newest - (RECENT_PERIODS - 1) * p).max(oldest), end: newest + p },
            early: Span { start: oldest, end: (oldest + RECENT_PERIODS * p).min(newest + p) },
        })
    }

    /// How the recent periods compare with the window's median whole period (≥ 10 periods).
    fn spike(&self, p: &Points, spans: &Spans) -> Option<f64> {
        let filling = self.store.window.end - self.period();
        let mut vals: Vec<f64> = p.range(..filling).map(|(_, v)| *v).collect();
        if vals.len() < 2 * RECENT_PERIODS as usize {
            return None;
        }
        vals.sort_by(f64::total_cmp);
        let median = vals[vals.len() / 2];
        let periods = ((spans.recent.end - spans.recent.start) / self.period()).max(1) as f64;
        ratio(spans.recent.sum(p) / periods, median)
    }

    fn score_line(&self, role: Role) -> Option<Combined> {
        self.line(role, "Average")
    }
}

/// "faithfulness 0.71 — below warning (0.75) since 03:05 · window avg 0.78".
fn score_sentence(label: &str, c: &Combined) -> Option<Sentence> {
    let now = c.latest().map(|(_, v)| v).or(c.window)?;
    let sev = quality_severity(now);
    let mut s = Sentence::new().t(format!("{label} ")).v(now, Unit::Score).sev(sev);
    let below = if now < QUALITY_CRITICAL {
        Some(("critical", QUALITY_CRITICAL))
    } else if now < QUALITY_WARNING {
        Some(("warning", QUALITY_WARNING))
    } else if now < QUALITY_TARGET {
        Some(("target", QUALITY_TARGET))
    } else {
        None
    };
    match below {
        Some((name, line)) => {
            s = s.t(format!(" — below {name} (")).v(line, Unit::Score).t(")");
            if let Some(t) = run_start(&c.points, |v| v < line) {
                s = s.t(" since ").at(t);
            }
        }
        None => s = s.t(" — on target (≥ ").v(QUALITY_TARGET, Unit::Score).t(")"),
    }
    if let Some(w) = c.window {
        s = s.t(" (window avg ").v(w, Unit::Score).t(")");
    }
    Some(s)
}

fn quality_rules() -> Vec<Rule> {
    vec![
        Rule { label: "target", value: QUALITY_TARGET, severity: Severity::Ok },
        Rule { label: "warning", value: QUALITY_WARNING, severity: Severity::Warn },
        Rule { label: "critical", value: QUALITY_CRITICAL, severity: Severity::Crit },
    ]
}

/// Scores chart bounds: 0.5–1 unless the data goes lower.
fn score_bounds(c: &mut Chart) {
    let lo = c.lines.iter().flat_map(|l| l.points.values()).copied().fold(0.55_f64, f64::min);
    c.y_min = Some((lo - 0.05).max(0.0));
    c.y_max = Some(1.0);
}

impl Index<'_> {
    fn quality(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Quality);
        let scores = [
            (Faithfulness, "faithfulness", "faithful"),
            (AnswerRelevancy, "answer relevancy", "relevancy"),
            (ContextPrecision, "context precision", "precision"),
            (ContextRecall, "context recall", "recall"),
        ];
        let mut chart = Chart::new("Scores, avg (0.85 / 0.75 / 0.60)", Unit::Score);
        chart.rules = quality_rules();
        let mut found: Vec<(&str, Combined)> = Vec::new();
        for (role, label, short) in scores {
            if let Some(c) = self.score_line(role) {
                chart.lines.push(c.line(short, false));
                let mut f = fact(label, c.window, Unit::Score);
                f.severity = c.window.map(quality_severity).unwrap_or_default();
                p.facts.push(f);
                found.push((label, c));
            }
        }
        score_bounds(&mut chart);
        p.push_chart(chart);
        let mut dist = Chart::new("Faithfulness spread", Unit::Score);
        dist.rules = quality_rules();
        for stat in ["p50", "p90", "p99"] {
            if let Some(c) = self.line(Faithfulness, stat) {
                dist.lines.push(c.line(stat, false));
                p.facts.push(fact(format!("faithfulness {stat}"), c.window, Unit::Score));
            }
        }
        score_bounds(&mut dist);
        p.push_chart(dist);
        let mut retrieval = Chart::new("Retrieval quality", Unit::Score);
        if let Some(c) = self.score_line(RetrievalQuality) {
            retrieval.lines.push(c.line("similarity", false));
            p.facts.push(fact("retrieval quality", c.window, Unit::Score));
            found.push(("retrieval quality", c));
        }
        retrieval.y_min = Some(0.0);
        retrieval.y_max = Some(1.0);
        p.push_chart(retrieval);
        if let Some(c) = self.count(RequestSuccess) {
            p.facts.push(fact("successful answers", c.window, Unit::Count));
            p.namespaces.extend(c.keys.iter().map(|k| k.namespace.clone()));
            if p.headline.is_none() && found.is_empty() {
                p.headline = Some(Sentence::new().t("successful answers ").v(c.window.unwrap_or(0.0), Unit::Count));
            }
        }
        // The headline is faithfulness (the score the seed alarms on), else the worst score;
        // another score below warning is named too.
        let primary = found
            .iter()
            .find(|(l, _)| *l == "faithfulness")
            .or_else(|| {
                found
                    .iter()
                    .filter_map(|x| x.1.latest().map(|(_, v)| (x, v)))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|x| x.0)
            })
            .or(found.first());
        if let Some((label, c)) = primary
            && let Some(mut s) = score_sentence(label, c)
        {
            let worst_other = found
                .iter()
                .filter(|(l, _)| l != label && *l != "retrieval quality")
                .filter_map(|(l, c)| c.latest().map(|(_, v)| (*l, v)))
                .filter(|(_, v)| quality_severity(*v) >= Severity::Warn)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((l, v)) = worst_other {
                let below = if v < QUALITY_CRITICAL { "critical" } else { "warning" };
                s = s.t(format!(" · {l} ")).v(v, Unit::Score).t(format!(" below {below} too")).sev(quality_severity(v));
            }
            p.headline = Some(s);
        }
        p
    }

    fn latency(&self) -> Panel {
        let mut p = Panel::new(PanelId::Latency);
        let stages: Vec<(&str, Combined)> =
            STAGES.iter().filter_map(|(r, l)| self.score_line(*r).map(|c| (*l, c))).collect();
        let e2e = self.score_line(Role::EndToEndLatency);
        let e2e95 = self.line(Role::EndToEndLatency, "p95");
        let mut chart = Chart::new("By stage, stacked", Unit::Ms);
        for (l, c) in &stages {
            chart.lines.push(c.line(l, true));
            p.facts.push(fact(*l, c.window, Unit::Ms));
        }
        if let Some(c) = &e2e {
            chart.lines.push(c.line("e2e", false));
            p.facts.push(fact("end-to-end avg", c.window, Unit::Ms));
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        let mut tail = Chart::new("End-to-end", Unit::Ms);
        if let Some(c) = &e2e {
            tail.lines.push(c.line("avg", false));
        }
        if let Some(c) = &e2e95 {
            tail.lines.push(c.line("p95", false));
            p.facts.push(fact("end-to-end p95", c.window, Unit::Ms));
        }
        tail.y_min = Some(0.0);
        p.push_chart(tail);

        // Now against the window's start, at the newest and oldest minute every stage has.
        let common: Vec<i64> = match stages.first() {
            Some((_, c)) => {
                c.points.keys().copied().filter(|t| stages.iter().all(|(_, s)| s.points.contains_key(t))).collect()
            }
            None => Vec::new(),
        };
        let total_at = |t: i64| -> f64 {
            e2e.as_ref()
                .and_then(|c| c.points.get(&t).copied())
                .unwrap_or_else(|| stages.iter().map(|(_, c)| c.points[&t]).sum())
        };
        if let (Some(&t1), Some(&t0)) = (common.last(), common.first()) {
            let (dom, dc) =
                stages.iter().max_by(|a, b| a.1.points[&t1].total_cmp(&b.1.points[&t1])).expect("stages present");
            let share = |c: &Combined, t: i64| pct(c.points[&t], total_at(t)).unwrap_or(0.0);
            let mut s = Sentence::new()
                .t(format!("{dom} dominates: "))
                .v(share(dc, t1), Unit::Pct)
                .t(" of ")
                .v(total_at(t1), Unit::Ms)
                .t(" end-to-end")
                .sev(Severity::Ok);
            if t0 < t1 {
                s = s
                    .t(" (was ")
                    .v(share(dc, t0), Unit::Pct)
                    .t(" of ")
                    .v(total_at(t0), Unit::Ms)
                    .t(" at ")
                    .at(t0)
                    .t(")");
                // the stage that grew most, other than the dominant one (whose growth the
                // end-to-end figures above already show)
                let riser = stages
                    .iter()
                    .filter(|(l, _)| l != dom)
                    .filter_map(|(l, c)| ratio(c.points[&t1], c.points[&t0]).map(|r| (l, c, r)))
                    .max_by(|a, b| a.2.total_cmp(&b.2));
                if let Some((l, c, r)) = riser
                    && r >= 1.5
                {
                    s = s
                        .t(format!(" · {l} "))
                        .v(r, Unit::Times)
                        .t(" (")
                        .v(c.points[&t0], Unit::Ms)
                        .t(" → ")
                        .v(c.points[&t1], Unit::Ms)
                        .t(")");
                    if r >= 2.0 {
                        s = s.sev(Severity::Warn);
                    }
                }
                if let Some(r) = ratio(total_at(t1), total_at(t0)) {
                    s = s.sev(if r >= 3.0 {
                        Severity::Crit
                    } else if r >= 1.5 {
                        Severity::Warn
                    } else {
                        Severity::Ok
                    });
                }
            }
            p.headline = Some(s);
        } else if let Some(c) = &e2e
            && let Some((t1, now)) = c.latest()
        {
            let mut s = Sentence::new().t("end-to-end ").v(now, Unit::Ms).t(" now").sev(Severity::Ok);
            if let Some((t0, then)) = c.first().filter(|(t0, _)| *t0 < t1) {
                s = s.t(" (was ").v(then, Unit::Ms).t(" at ").at(t0).t(")");
            }
            p.headline = Some(s);
        }
        p
    }

    fn throughput(&self) -> Panel {
        let mut p = Panel::new(PanelId::Throughput);
        let req = self.count(Role::RequestCount);
        let ok = self.count(Role::SuccessfulRequests);
        let failed = self.count(Role::FailedRequests);
        let per = if self.period() == 60 { "/min" } else { "/period" };
        let mut chart = Chart::new(format!("Requests{per}"), Unit::Count);
        for (c, l) in [(&req, "total"), (&ok, "ok"), (&failed, "failed")] {
            if let Some(c) = c {
                chart.lines.push(c.line(l, false));
            }
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        // failed = requests - succeeded when only those two are published
        let failed_pts: Option<Points> = failed.as_ref().map(|c| c.points.clone()).or_else(|| {
            let (r, o) = (req.as_ref()?, ok.as_ref()?);
            Some(r.points.iter().map(|(t, v)| (*t, (v - o.points.get(t).copied().unwrap_or(0.0)).max(0.0))).collect())
        });
        let total = req.as_ref().and_then(|c| c.window);
        p.facts.push(fact("requests", total, Unit::Count));
        p.facts.push(fact("succeeded", ok.as_ref().and_then(|c| c.window), Unit::Count));
        let failed_w = failed_pts.as_ref().map(|f| f.values().sum::<f64>());
        let mut ff = fact("failed", failed_w, Unit::Count);
        let fail_pct_w = failed_w.zip(total).and_then(|(f, t)| pct(f, t));
        ff.severity = fail_pct_w.map(error_pct_severity).unwrap_or_default();
        p.facts.push(ff);
        p.facts.push(fact("failed share", fail_pct_w, Unit::Pct));
        let Some(r) = req.as_ref().or(ok.as_ref()) else { return p };
        let Some(sp) = self.spans(&r.points) else { return p };
        let mut s =
            Sentence::new().t("requests ").v(sp.recent.rate(&r.points), Unit::Count).t("/min now").sev(Severity::Ok);
        if sp.early.start < sp.recent.start {
            s = s.t(" (was ").v(sp.early.rate(&r.points), Unit::Count).t(" at ").at(sp.early.start).t(")");
        }
        if let (Some(f), Some(rq)) = (&failed_pts, &req)
            && let Some(share) = pct(sp.recent.sum(f), sp.recent.sum(&rq.points))
        {
            s = s
                .t(" · ")
                .v(share, Unit::Pct)
                .t(format!(" failed{}", self.recent_label()))
                .sev(error_pct_severity(share));
            if let Some(w) = fail_pct_w {
                s = s.t(" (window ").v(w, Unit::Pct).t(")");
            }
        }
        p.headline = Some(s);
        p
    }

    fn errors(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Errors);
        let rate = self.score_line(ErrorRate);
        let mut rc = Chart::new("Error rate (1 % / 5 %)", Unit::Pct);
        rc.rules = vec![
            Rule { label: "target", value: ERROR_RATE_TARGET, severity: Severity::Warn },
            Rule { label: "critical", value: ERROR_RATE_CRITICAL, severity: Severity::Crit },
        ];
        rc.y_min = Some(0.0);
        if let Some(c) = &rate {
            rc.lines.push(c.line("error rate", false));
            let mut f = fact("error rate (avg)", c.window, Unit::Pct);
            f.severity = c.window.map(error_pct_severity).unwrap_or_default();
            p.facts.push(f);
        }
        p.push_chart(rc);
        let kinds: Vec<(&str, Combined)> = [
            (RetrievalErrors, "retrieval"),
            (GenerationErrors, "generation"),
            (ThrottlingErrors, "throttling"),
            (ValidationErrors, "validation"),
        ]
        .into_iter()
        .filter_map(|(r, l)| self.count(r).map(|c| (l, c)))
        .collect();
        let all = self.count(RequestErrors);
        let mut kc = Chart::new("By kind, stacked", Unit::Count);
        for (l, c) in &kinds {
            kc.lines.push(c.line(l, true));
            p.facts.push(fact(format!("{l} errors"), c.window, Unit::Count));
        }
        if let Some(c) = &all {
            kc.lines.push(c.line("all requests", false));
            p.facts.push(fact("request errors", c.window, Unit::Count));
        }
        kc.y_min = Some(0.0);
        p.push_chart(kc);

        let mut s = match &rate {
            Some(c) => match c.latest() {
                Some((_, now)) => {
                    let mut s = Sentence::new().t("error rate ").v(now, Unit::Pct).sev(error_pct_severity(now));
                    let line = if now >= ERROR_RATE_CRITICAL {
                        Some(("critical", ERROR_RATE_CRITICAL))
                    } else if now >= ERROR_RATE_TARGET {
                        Some(("target", ERROR_RATE_TARGET))
                    } else {
                        None
                    };
                    match line {
                        Some((name, v)) => {
                            s = s.t(format!(" — above {name} (")).v(v, Unit::Pct).t(")");
                            if let Some(t) = run_start(&c.points, |x| x >= v) {
                                s = s.t(" since ").at(t);
                            }
                        }
                        None => s = s.t(" — under target (").v(ERROR_RATE_TARGET, Unit::Pct).t(")"),
                    }
                    Some(s)
                }
                None => None,
            },
            None => None,
        };
        // Which kind leads in the last minutes, and which rose most.
        let mut all_kinds = Points::new();
        for (_, c) in &kinds {
            for (t, v) in &c.points {
                *all_kinds.entry(*t).or_insert(0.0) += v;
            }
        }
        let basis = all.as_ref().map(|c| c.points.clone()).filter(|p| !p.is_empty()).unwrap_or(all_kinds.clone());
        if let Some(sp) = self.spans(&basis).or_else(|| rate.as_ref().and_then(|c| self.spans(&c.points))) {
            let lead = kinds
                .iter()
                .map(|(l, c)| (l, sp.recent.sum(&c.points)))
                .filter(|(_, n)| *n > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let recent_total = sp.recent.sum(&all_kinds);
            if let Some((l, n)) = lead {
                let base = s.unwrap_or_else(|| {
                    Sentence::new().t("errors ").v(sp.recent.rate(&all_kinds), Unit::Count).t("/min").sev(Severity::Ok)
                });
                s = Some(
                    base.t(format!(" · {l} errors lead: "))
                        .v(n, Unit::Count)
                        .t(" of ")
                        .v(recent_total, Unit::Count)
                        .t(self.recent_label()),
                );
                let riser = kinds
                    .iter()
                    .filter(|(k, _)| k != l)
                    .filter_map(|(k, c)| {
                        let (now, then) = (sp.recent.rate(&c.points), sp.early.rate(&c.points));
                        (now >= 1.0 && now >= 3.0 * then.max(0.1)).then_some((k, now, then))
                    })
                    .max_by(|a, b| (a.1 / a.2.max(0.1)).total_cmp(&(b.1 / b.2.max(0.1))));
                if let Some((k, now, then)) = riser {
                    s = s.map(|x| {
                        x.t(format!(" · {k} ")).v(now, Unit::Count).t("/min (was ").v(then, Unit::Count).t(")")
                    });
                }
            } else if s.is_none() && (!kinds.is_empty() || all.is_some()) {
                s = Some(Sentence::new().t(format!("no errors{}", self.recent_label())).sev(Severity::Ok));
            }
        }
        p.headline = s;
        p
    }

    /// A cost-like sum: its window total, its rate now and how that compares with the window.
    /// `label` follows the total (" tokens").
    fn burn_sentence(&self, label: &str, pts: &Points, unit: Unit) -> Option<Sentence> {
        let sp = self.spans(pts)?;
        let total: f64 = pts.values().sum();
        let now = sp.recent.rate(pts);
        let mut s = Sentence::new().v(total, unit).t(format!("{label} in the window · now ")).sev(Severity::Ok);
        s = match unit {
            Unit::Usd => s.v(now * 60.0, Unit::Usd).t("/h"),
            _ => s.v(now, unit).t("/min"),
        };
        if let Some(r) = self.spike(pts, &sp)
            && r >= 1.5
        {
            s = s.t(", ").v(r, Unit::Times).t(" the window's median").sev(if r >= 4.0 {
                Severity::Crit
            } else if r >= 2.0 {
                Severity::Warn
            } else {
                Severity::Ok
            });
        }
        Some(s)
    }

    fn cost(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Cost);
        let total = self.count(TotalCost);
        let emb = self.count(EmbeddingCost);
        let gen_ = self.count(GenerationCost);
        let req = self.count(RequestCost);
        let cpq = self.score_line(CostPerQuery);
        let cpq95 = self.line(CostPerQuery, "p95");
        let mut c = Chart::new("Cost/min, stacked", Unit::Usd);
        for (x, l, st) in
            [(&emb, "embed", true), (&gen_, "generation", true), (&total, "total", false), (&req, "request", false)]
        {
            if let Some(x) = x {
                c.lines.push(x.line(l, st));
            }
        }
        c.y_min = Some(0.0);
        p.push_chart(c);
        let mut q = Chart::new("Per query", Unit::Usd);
        if let Some(x) = &cpq {
            q.lines.push(x.line("avg", false));
        }
        if let Some(x) = &cpq95 {
            q.lines.push(x.line("p95", false));
        }
        q.y_min = Some(0.0);
        p.push_chart(q);
        for (x, l) in [(&total, "total"), (&emb, "embedding"), (&gen_, "generation"), (&req, "request cost")] {
            if let Some(x) = x {
                p.facts.push(fact(l, x.window, Unit::Usd));
            }
        }
        if let Some(x) = &cpq {
            p.facts.push(fact("per query avg", x.window, Unit::Usd));
        }
        if let Some(x) = &cpq95 {
            p.facts.push(fact("per query p95", x.window, Unit::Usd));
        }
        // the cost series: total, else the parts, else request cost
        let basis: Option<Points> = total.as_ref().map(|c| c.points.clone()).or_else(|| {
            let mut sum = Points::new();
            for x in [&emb, &gen_].into_iter().flatten() {
                for (t, v) in &x.points {
                    *sum.entry(*t).or_insert(0.0) += v;
                }
            }
            (!sum.is_empty()).then_some(sum)
        });
        let basis = basis.or_else(|| req.as_ref().map(|c| c.points.clone()));
        let mut s = basis.as_ref().and_then(|b| self.burn_sentence("", b, Unit::Usd));
        if let Some(x) = cpq.as_ref().and_then(|c| c.window) {
            let base = s.unwrap_or_else(|| Sentence::new().t("cost").sev(Severity::Ok));
            let mut b = base.t(" · per query ").v(x, Unit::Usd).t(" avg");
            if let Some(y) = cpq95.as_ref().and_then(|c| c.window) {
                b = b.t(", p95 ").v(y, Unit::Usd);
            }
            s = Some(b);
        }
        p.headline = s;
        p
    }

    fn tokens(&self) -> Panel {
        let mut p = Panel::new(PanelId::Tokens);
        let input = self.count(Role::InputTokens);
        let output = self.count(Role::OutputTokens);
        let mut c = Chart::new("Tokens/min, stacked", Unit::Count);
        for (x, l) in [(&input, "input"), (&output, "output")] {
            if let Some(x) = x {
                c.lines.push(x.line(l, true));
                p.facts.push(fact(l, x.window, Unit::Count));
            }
        }
        c.y_min = Some(0.0);
        p.push_chart(c);
        if let (Some(i), Some(o)) = (input.as_ref().and_then(|c| c.window), output.as_ref().and_then(|c| c.window)) {
            p.facts.push(fact("output per input", (i > 0.0).then(|| o / i), Unit::Times));
        }
        let mut sum = Points::new();
        for x in [&input, &output].into_iter().flatten() {
            for (t, v) in &x.points {
                *sum.entry(*t).or_insert(0.0) += v;
            }
        }
        p.headline = self.burn_sentence(" tokens", &sum, Unit::Count);
        p
    }

    fn models(&self) -> Panel {
        let mut p = Panel::new(PanelId::Models);
        let by = self.rollup(Role::ModelAvgLatency, "Average", Some("ModelId"));
        let by = if by.is_empty() { self.rollup(Role::ModelAvgLatency, "Average", None) } else { by };
        let name = |id: &str| if id.is_empty() { "all models".to_string() } else { short_model_name(id) };
        let mut rows: Vec<(String, &Combined)> = by.iter().map(|(id, c)| (name(id), c)).collect();
        rows.sort_by(|a, b| {
            b.1.latest().map(|x| x.1).unwrap_or(0.0).total_cmp(&a.1.latest().map(|x| x.1).unwrap_or(0.0))
        });
        let mut chart = Chart::new("Avg latency", Unit::Ms);
        for (n, c) in rows.iter().take(6) {
            chart.lines.push(c.line(n, false));
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        for (n, c) in &rows {
            p.facts.push(fact(n.clone(), c.window, Unit::Ms));
        }
        let Some((slow, c)) = rows.first() else { return p };
        let Some((t1, now)) = c.latest() else { return p };
        let mut s = Sentence::new().t(format!("slowest: {slow} ")).v(now, Unit::Ms).t(" now").sev(Severity::Ok);
        if let Some((t0, then)) = c.first().filter(|(t0, _)| *t0 < t1) {
            s = s.t(" (was ").v(then, Unit::Ms).t(" at ").at(t0).t(")");
            if ratio(now, then).is_some_and(|r| r >= 2.0) {
                s = s.sev(Severity::Warn);
            }
        }
        let riser = rows
            .iter()
            .skip(1)
            .filter_map(|(n, c)| {
                let ((_, a), (_, b)) = (c.first()?, c.latest()?);
                ratio(b, a).map(|r| (n, r))
            })
            .filter(|(_, r)| *r >= 1.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((n, r)) = riser {
            s = s.t(format!(" · {n} ")).v(r, Unit::Times).t(" since the window's start");
            if r >= 2.0 {
                s = s.sev(Severity::Warn);
            }
        }
        if rows.len() > 1
            && let Some((fast, c)) = rows.last()
            && let Some((_, v)) = c.latest()
        {
            s = s.t(format!(" · fastest: {fast} ")).v(v, Unit::Ms);
        }
        p.headline = Some(s);
        p
    }

    fn stop_reasons(&self) -> Panel {
        let mut p = Panel::new(PanelId::StopReasons);
        let mut by = self.rollup(Role::StopReason, "SampleCount", Some("Reason"));
        if by.is_empty() {
            by = self.rollup(Role::StopReason, "Sum", Some("Reason"));
        }
        if by.is_empty() {
            return p;
        }
        let mut chart = Chart::new("Stops/min, stacked", Unit::Count);
        let mut all = Points::new();
        for (reason, c) in &by {
            chart.lines.push(c.line(reason, true));
            for (t, v) in &c.points {
                *all.entry(*t).or_insert(0.0) += v;
            }
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        let total: f64 = all.values().sum();
        for (reason, c) in &by {
            p.facts.push(fact(format!("{reason} share"), c.window.and_then(|w| pct(w, total)), Unit::Pct));
        }
        let Some(sp) = self.spans(&all) else { return p };
        // max_tokens is the one that matters (truncated answers); otherwise the commonest
        let focus = by.keys().find(|r| r.eq_ignore_ascii_case("max_tokens")).or_else(|| {
            by.iter().max_by(|a, b| sp.recent.sum(&a.1.points).total_cmp(&sp.recent.sum(&b.1.points))).map(|x| x.0)
        });
        let Some(focus) = focus else { return p };
        let c = &by[focus];
        let now = pct(sp.recent.sum(&c.points), sp.recent.sum(&all)).unwrap_or(0.0);
        let mut s = Sentence::new().t(format!("{focus} stops ")).v(now, Unit::Pct).t(" now");
        if sp.early.start < sp.recent.start
            && let Some(then) = pct(sp.early.sum(&c.points), sp.early.sum(&all))
        {
            s = s.t(" (was ").v(then, Unit::Pct).t(" at ").at(sp.early.start).t(")");
            if focus.eq_ignore_ascii_case("max_tokens") && now >= 2.0 * then.max(1.0) {
                s = s.t(": answers are being cut off");
            }
        }
        s = s.sev(if !focus.eq_ignore_ascii_case("max_tokens") {
            Severity::Ok
        } else if now >= 25.0 {
            Severity::Crit
        } else if now >= 10.0 {
            Severity::Warn
        } else {
            Severity::Ok
        });
        p.headline = Some(s);
        p
    }

    fn experience(&self) -> Panel {
        let mut p = Panel::new(PanelId::Experience);
        let fb = self.score_line(Role::FeedbackScore);
        let dur = self.score_line(Role::SessionDuration);
        let turns = self.score_line(Role::TurnsPerSession);
        let mut c = Chart::new("Feedback", Unit::Rating);
        if let Some(x) = &fb {
            c.lines.push(x.line("feedback", false));
            p.facts.push(fact("feedback", x.window, Unit::Rating));
        }
        c.y_min = Some(1.0);
        c.y_max = Some(5.0);
        p.push_chart(c);
        let mut d = Chart::new("Session duration", Unit::Secs);
        if let Some(x) = &dur {
            d.lines.push(x.line("duration", false));
            p.facts.push(fact("session duration", x.window, Unit::Secs));
        }
        d.y_min = Some(0.0);
        p.push_chart(d);
        let mut tc = Chart::new("Turns per session", Unit::Count);
        if let Some(x) = &turns {
            tc.lines.push(x.line("turns", false));
            p.facts.push(fact("turns per session", x.window, Unit::Count));
        }
        tc.y_min = Some(0.0);
        p.push_chart(tc);
        let mut s: Option<Sentence> = None;
        if let Some(x) = &fb
            && let Some((t1, now)) = x.latest()
        {
            let sev = if now < 2.5 {
                Severity::Crit
            } else if now < 3.5 {
                Severity::Warn
            } else {
                Severity::Ok
            };
            let mut b = Sentence::new().t("feedback ").v(now, Unit::Rating).t(" now").sev(sev);
            if let Some((t0, then)) = x.first().filter(|(t0, _)| *t0 < t1) {
                b = b.t(" (was ").v(then, Unit::Rating).t(" at ").at(t0).t(")");
            }
            s = Some(b);
        }
        if dur.is_some() || turns.is_some() {
            let mut b = match s {
                Some(b) => b.t(" · sessions "),
                None => Sentence::new().t("sessions ").sev(Severity::Ok),
            };
            if let Some(v) = dur.as_ref().and_then(|c| c.window) {
                b = b.v(v, Unit::Secs);
                if turns.is_some() {
                    b = b.t(", ");
                }
            }
            if let Some(v) = turns.as_ref().and_then(|c| c.window) {
                b = b.v(v, Unit::Count).t(" turns");
            }
            s = Some(b);
        }
        p.headline = s;
        p
    }

    fn other(&self, id: PanelId, list: &[(&SeriesKey, &Series)]) -> Panel {
        let mut p = Panel::new(id);
        p.other = list
            .iter()
            .map(|(k, s)| {
                let points = self.points(s);
                OtherMetric {
                    key: (*k).clone(),
                    latest: points.iter().next_back().map(|(t, v)| (*t, *v)),
                    window: if is_additive(&k.stat) {
                        (!points.is_empty()).then(|| points.values().sum())
                    } else {
                        s.window_value
                    },
                    points,
                }
            })
            .collect();
        p.namespaces = p.other.iter().map(|o| o.key.namespace.clone()).collect();
        if !p.other.is_empty() {
            let ns: Vec<&str> = p.namespaces.iter().map(String::as_str).collect();
            p.headline = Some(
                Sentence::new()
                    .v(p.other.len() as f64, Unit::Count)
                    .t(format!(" more series in {}", ns.join(", ")))
                    .sev(Severity::None),
            );
        }
        p
    }

    /// Guardrail interventions as a share of invocations, per content source.
    fn guardrails(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Guardrails);
        let inv = self.count(GuardInvocations);
        let int = self.count(GuardIntervened);
        let inv_src = self.count_by(GuardInvocations, "GuardrailContentSource");
        let int_src = self.count_by(GuardIntervened, "GuardrailContentSource");
        let int_pol = self.count_by(GuardIntervened, "GuardrailPolicyType");
        let share_pts = |i: &Combined, n: &Combined| -> Points {
            n.points
                .iter()
                .filter(|(_, v)| **v > 0.0)
                .map(|(t, v)| (*t, i.points.get(t).copied().unwrap_or(0.0) / v * 100.0))
                .collect()
        };
        let mut sc = Chart::new("Intervened %", Unit::Pct);
        // (label, interventions, invocations) per source, or for all traffic
        let mut pairs: Vec<(String, &Combined, &Combined)> = Vec::new();
        for (src, i) in &int_src {
            if let Some(n) = inv_src.get(src) {
                pairs.push((words_of(src), i, n));
            }
        }
        if pairs.is_empty()
            && let (Some(i), Some(n)) = (&int, &inv)
        {
            pairs.push(("all".into(), i, n));
        }
        for (l, i, n) in &pairs {
            sc.lines.push(Line {
                label: l.clone(),
                key: i.keys.first().cloned(),
                points: share_pts(i, n),
                window: None,
                stacked: false,
            });
        }
        sc.y_min = Some(0.0);
        p.push_chart(sc);
        let mut pc = Chart::new("By policy, stacked", Unit::Count);
        for (pol, c) in &int_pol {
            pc.lines.push(c.line(&words_of(pol), true));
        }
        pc.y_min = Some(0.0);
        p.push_chart(pc);
        let lat = self.score_line(GuardLatency);
        let mut lc = Chart::new("Latency", Unit::Ms);
        if let Some(c) = &lat {
            lc.lines.push(c.line("latency", false));
        }
        lc.y_min = Some(0.0);
        p.push_chart(lc);

        p.facts.push(fact("invocations", inv.as_ref().and_then(|c| c.window), Unit::Count));
        p.facts.push(fact("intervened", int.as_ref().and_then(|c| c.window), Unit::Count));
        if let (Some(i), Some(n)) = (int.as_ref().and_then(|c| c.window), inv.as_ref().and_then(|c| c.window)) {
            p.facts.push(fact("intervened share", pct(i, n), Unit::Pct));
        }
        for (l, i, n) in &pairs {
            if let (Some(a), Some(b)) = (i.window, n.window) {
                p.facts.push(fact(format!("{l} intervened"), pct(a, b), Unit::Pct));
            }
        }
        for (pol, c) in &int_pol {
            p.facts.push(fact(words_of(pol), c.window, Unit::Count));
        }
        if let Some(c) = &lat {
            p.facts.push(fact("latency", c.window, Unit::Ms));
        }
        for (r, l) in [
            (GuardTextUnits, "text units"),
            (GuardClientErrors, "client errors"),
            (GuardServerErrors, "server errors"),
            (GuardThrottles, "throttles"),
        ] {
            if let Some(c) = self.count(r) {
                p.facts.push(fact(l, c.window, Unit::Count));
                p.namespaces.extend(c.keys.iter().map(|k| k.namespace.clone()));
            }
        }
        // The source whose share is highest now leads the sentence.
        let mut rows: Vec<(String, f64, Option<f64>, Option<i64>)> = Vec::new();
        for (l, i, n) in &pairs {
            if let Some(sp) = self.spans(&n.points)
                && let Some(now) = pct(sp.recent.sum(&i.points), sp.recent.sum(&n.points))
            {
                let then = (sp.early.start < sp.recent.start)
                    .then(|| pct(sp.early.sum(&i.points), sp.early.sum(&n.points)))
                    .flatten();
                rows.push((l.clone(), now, then, Some(sp.early.start)));
            }
        }
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        if let Some((l, now, then, t0)) = rows.first() {
            let of = if l == "all" { "invocations".to_string() } else { format!("{l}s") };
            let mut s = Sentence::new().t("intervened on ").v(*now, Unit::Pct).t(format!(" of {of} now"));
            // one answer in twenty blocked is a problem whatever it was before; doubling is one too
            let mut sev = if *now >= 10.0 {
                Severity::Crit
            } else if *now >= 5.0 {
                Severity::Warn
            } else {
                Severity::Ok
            };
            if let (Some(then), Some(t0)) = (then, t0) {
                s = s.t(" (was ").v(*then, Unit::Pct).t(" at ").at(*t0).t(")");
                if *now >= 2.0 && *now >= 2.0 * then {
                    sev = sev.max(Severity::Warn);
                }
            }
            s = s.sev(sev);
            for (l2, now2, _, _) in rows.iter().skip(1) {
                s = s.t(format!(", {l2}s ")).v(*now2, Unit::Pct);
            }
            // the policy that intervenes most, lately
            if let Some(sp) = int.as_ref().and_then(|c| self.spans(&c.points)) {
                let all: f64 = int_pol.values().map(|c| sp.recent.sum(&c.points)).sum();
                if let Some((pol, n)) = int_pol
                    .iter()
                    .map(|(k, c)| (k, sp.recent.sum(&c.points)))
                    .filter(|(_, n)| *n > 0.0)
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                {
                    s = s.t(format!(" · {} leads (", words_of(pol))).v(pct(n, all).unwrap_or(0.0), Unit::Pct).t(")");
                }
            }
            p.headline = Some(s);
        } else if let Some(c) = &inv {
            p.headline = Some(
                Sentence::new()
                    .v(c.window.unwrap_or(0.0), Unit::Count)
                    .t(" invocations, no interventions published")
                    .sev(Severity::Ok),
            );
        }
        p
    }

    /// "X/min now (was Y at HH:MM)" for a count, and how many times more that is.
    fn rate_now_then(&self, s: Sentence, c: &Combined, noun: &str) -> (Sentence, Option<f64>) {
        let Some(sp) = self.spans(&c.points) else { return (s, None) };
        let (now, then) = (sp.recent.rate(&c.points), sp.early.rate(&c.points));
        let mut s = s.v(now, Unit::Count).t(format!(" {noun}/min now"));
        if sp.early.start < sp.recent.start {
            s = s.t(" (was ").v(then, Unit::Count).t(" at ").at(sp.early.start).t(")");
            return (s, ratio(now, then));
        }
        (s, None)
    }

    /// "latency 4.2 s (was 1.1 s)" for an average.
    fn avg_now_then(s: Sentence, label: &str, c: &Combined) -> (Sentence, Option<f64>) {
        let Some((t1, now)) = c.latest() else { return (s, None) };
        let mut s = s.t(format!(" · {label} ")).v(now, Unit::Ms);
        if let Some((_, then)) = c.first().filter(|(t0, _)| *t0 < t1) {
            s = s.t(" (was ").v(then, Unit::Ms).t(")");
            return (s, ratio(now, then));
        }
        (s, None)
    }

    /// Errors and throttles in the last minutes, appended when there were any.
    fn trouble(&self, s: Sentence, errors: &[&Combined], throttles: Option<&Combined>, basis: &Points) -> Sentence {
        let Some(sp) = self.spans(basis) else { return s };
        let e: f64 = errors.iter().map(|c| sp.recent.sum(&c.points)).sum();
        let t = throttles.map(|c| sp.recent.sum(&c.points)).unwrap_or(0.0);
        let calls = sp.recent.sum(basis);
        let mut s = s;
        if e > 0.0 {
            s = s.t(" · ").v(e, Unit::Count).t(if e == 1.0 { " error" } else { " errors" });
            if let Some(share) = pct(e, calls) {
                s = s.t(" (").v(share, Unit::Pct).t(")");
                s = s.sev(error_pct_severity(share));
            }
        }
        if t > 0.0 {
            s = s.t(" · ").v(t, Unit::Count).t(" throttled").sev(Severity::Warn);
        }
        if e > 0.0 || t > 0.0 {
            s = s.t(self.recent_label());
        }
        s
    }

    fn agents(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Agents);
        let inv = self.count(AgentInvocations);
        let by_op = self.count_by(AgentInvocations, "Operation");
        let by_alias = {
            let m = self.count_by(AgentModelInvocations, "AgentAliasArn");
            if m.is_empty() { self.count_by(AgentInvocations, "AgentAliasArn") } else { m }
        };
        let total = self.score_line(AgentTotalTime);
        let ttft = self.score_line(AgentTtft);
        let model = self.score_line(AgentModelLatency);
        let client = self.count(AgentClientErrors);
        let server = self.count(AgentServerErrors);
        let thr = self.count(AgentThrottles);
        let mut ic = Chart::new("Invocations/min", Unit::Count);
        if by_op.len() > 1 || (by_op.len() == 1 && !by_op.contains_key("")) {
            for (op, c) in &by_op {
                ic.lines.push(c.line(op, false));
            }
        } else if let Some(c) = &inv {
            ic.lines.push(c.line("invocations", false));
        }
        ic.y_min = Some(0.0);
        p.push_chart(ic);
        let mut lc = Chart::new("Latency", Unit::Ms);
        for (c, l) in [(&total, "total time"), (&ttft, "TTFT"), (&model, "model latency")] {
            if let Some(c) = c {
                lc.lines.push(c.line(l, false));
                p.facts.push(fact(l, c.window, Unit::Ms));
            }
        }
        lc.y_min = Some(0.0);
        p.push_chart(lc);
        let mut ec = Chart::new("Errors, throttles", Unit::Count);
        for (c, l) in [(&client, "client errors"), (&server, "server errors"), (&thr, "throttles")] {
            if let Some(c) = c {
                ec.lines.push(c.line(l, true));
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        ec.y_min = Some(0.0);
        p.push_chart(ec);
        if let Some(c) = &inv {
            p.facts.insert(0, fact("invocations", c.window, Unit::Count));
        }
        for (r, l) in [(AgentInputTokens, "input tokens"), (AgentOutputTokens, "output tokens")] {
            if let Some(c) = self.count(r) {
                p.facts.push(fact(l, c.window, Unit::Count));
                p.namespaces.extend(c.keys.iter().map(|k| k.namespace.clone()));
            }
        }
        if by_op.len() > 1 {
            for (op, c) in &by_op {
                p.facts.push(fact(op.clone(), c.window, Unit::Count));
            }
        }
        for (alias, c) in &by_alias {
            if !alias.is_empty() {
                p.facts.push(fact(format!("alias {}", alias_label(alias)), c.window, Unit::Count));
            }
        }
        let Some(c) = &inv else { return p };
        let (mut s, r) = self.rate_now_then(Sentence::new().sev(Severity::Ok), c, "invocations");
        if r.is_some_and(|r| r >= 3.0) {
            s = s.sev(Severity::Warn);
        }
        if let Some(t) = &total {
            let (s2, r) = Self::avg_now_then(s, "total time", t);
            s = s2;
            if r.is_some_and(|r| r >= 2.0) {
                s = s.sev(Severity::Warn);
            }
        }
        let errs: Vec<&Combined> = [&client, &server].into_iter().flatten().collect();
        p.headline = Some(self.trouble(s, &errs, thr.as_ref(), &c.points));
        p
    }

    fn agentcore(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::AgentCore);
        let inv = self.count(CoreInvocations);
        let sessions = self.count(CoreSessions);
        let active = self.score_line(CoreActiveSessions);
        let lat = self.score_line(CoreLatency);
        let dur = self.score_line(CoreDuration);
        let errors = self.count(CoreErrors);
        let sys = self.count(CoreSystemErrors);
        let user = self.count(CoreUserErrors);
        let thr = self.count(CoreThrottles);
        let mut ic = Chart::new("Per minute", Unit::Count);
        for (c, l) in [(&inv, "invocations"), (&sessions, "sessions")] {
            if let Some(c) = c {
                ic.lines.push(c.line(l, false));
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        if let Some(c) = &active {
            ic.lines.push(c.line("active sessions", false));
            p.facts.push(fact("active sessions", c.window, Unit::Count));
        }
        ic.y_min = Some(0.0);
        p.push_chart(ic);
        let mut lc = Chart::new("Latency", Unit::Ms);
        for (c, l) in [(&lat, "latency"), (&dur, "duration")] {
            if let Some(c) = c {
                lc.lines.push(c.line(l, false));
                p.facts.push(fact(l, c.window, Unit::Ms));
            }
        }
        lc.y_min = Some(0.0);
        p.push_chart(lc);
        // Errors = SystemErrors + UserErrors when split, else the Errors total
        let split: Vec<(&Combined, &str)> = [(&sys, "system errors"), (&user, "user errors")]
            .into_iter()
            .filter_map(|(c, l)| c.as_ref().map(|c| (c, l)))
            .collect();
        let mut ec = Chart::new("Errors, throttles", Unit::Count);
        if split.is_empty() {
            if let Some(c) = &errors {
                ec.lines.push(c.line("errors", true));
            }
        } else {
            for (c, l) in &split {
                ec.lines.push(c.line(l, true));
            }
        }
        if let Some(c) = &thr {
            ec.lines.push(c.line("throttles", true));
        }
        ec.y_min = Some(0.0);
        p.push_chart(ec);
        for (c, l) in [(&errors, "errors"), (&sys, "system errors"), (&user, "user errors"), (&thr, "throttles")] {
            if let Some(c) = c {
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        let basis = inv.as_ref().or(sessions.as_ref());
        let Some(b) = basis else {
            if let Some(c) = &lat {
                let (s, _) = Self::avg_now_then(Sentence::new().t("AgentCore").sev(Severity::Ok), "latency", c);
                p.headline = Some(s);
            }
            return p;
        };
        let noun = if inv.is_some() { "invocations" } else { "sessions" };
        let (mut s, _) = self.rate_now_then(Sentence::new().sev(Severity::Ok), b, noun);
        if let Some(c) = &lat {
            let (s2, r) = Self::avg_now_then(s, "latency", c);
            s = s2;
            if r.is_some_and(|r| r >= 2.0) {
                s = s.sev(Severity::Warn);
            }
        }
        let errs: Vec<&Combined> =
            if split.is_empty() { errors.iter().collect() } else { split.iter().map(|(c, _)| *c).collect() };
        p.headline = Some(self.trouble(s, &errs, thr.as_ref(), &b.points));
        p
    }

    fn knowledge_bases(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::KnowledgeBases);
        let inv = self.count(KbInvocations);
        let client = self.count(KbClientErrors);
        let server = self.count(KbServerErrors);
        let thr = self.count(KbThrottles);
        let mut ic = Chart::new("Invocations/min", Unit::Count);
        if let Some(c) = &inv {
            ic.lines.push(c.line("invocations", false));
            p.facts.push(fact("invocations", c.window, Unit::Count));
        }
        ic.y_min = Some(0.0);
        p.push_chart(ic);
        let mut ec = Chart::new("Errors, throttles", Unit::Count);
        for (c, l) in [(&client, "client errors"), (&server, "server errors"), (&thr, "throttles")] {
            if let Some(c) = c {
                ec.lines.push(c.line(l, true));
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        ec.y_min = Some(0.0);
        p.push_chart(ec);
        let Some(c) = &inv else { return p };
        let (mut s, _) = self.rate_now_then(Sentence::new().sev(Severity::Ok), c, "retrievals");
        if let Some(sp) = self.spans(&c.points) {
            let errs: Vec<&Combined> = [&client, &server].into_iter().flatten().collect();
            let e_now: f64 = errs.iter().map(|x| sp.recent.sum(&x.points)).sum();
            let e_then: f64 = errs.iter().map(|x| sp.early.sum(&x.points)).sum();
            if !errs.is_empty()
                && let Some(now) = pct(e_now, sp.recent.sum(&c.points))
            {
                s = s
                    .t(" · errors ")
                    .v(now, Unit::Pct)
                    .t(format!(" of calls{}", self.recent_label()))
                    .sev(error_pct_severity(now));
                if sp.early.start < sp.recent.start
                    && let Some(then) = pct(e_then, sp.early.sum(&c.points))
                {
                    s = s.t(" (was ").v(then, Unit::Pct).t(")");
                }
            }
            if let Some(t) = &thr {
                let n = sp.recent.sum(&t.points);
                if n > 0.0 {
                    s = s.t(" · ").v(n, Unit::Count).t(" throttled").sev(Severity::Warn);
                }
            }
        }
        p.headline = Some(s);
        p
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::{MetricsUpdate, Update};

    const R: &str = "us-east-1";
    const START: i64 = 1_800_000_000 - 3600;
    const END: i64 = 1_800_000_000;

    fn key(ns: &str, metric: &str, dims: &[(&str, &str)], stat: &str) -> SeriesKey {
        SeriesKey::new(R, ns, metric, dims, stat)
    }

    /// 59 whole minutes (the 60th is still filling) from `f(minute index)`.
    fn minutes(f: impl Fn(i64) -> f64) -> Vec<(i64, f64)> {
        (0..60).map(|i| (START + i * 60, f(i))).collect()
    }

    fn store(series: Vec<(SeriesKey, Vec<(i64, f64)>)>, window_values: Vec<(SeriesKey, Option<f64>)>) -> Store {
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: START, end: END },
            period: 60,
            resolution: Default::default(),
            series,
            window_values,
        }));
        s
    }

    fn text(s: &Sentence) -> String {
        s.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Value(v, Unit::Score) => format!("{v:.2}"),
                Part::Value(v, Unit::Pct) => format!("{v:.1}%"),
                Part::Value(v, Unit::Times) => format!("{v:.1}x"),
                Part::Value(v, _) => format!("{v}"),
                Part::Time(t) => format!("@{}", (t - START) / 60),
            })
            .collect()
    }

    #[test]
    fn faithfulness_below_warning_since_the_run_started() {
        let f = key("GenAI/Quality", "Faithfulness", &[], "Average");
        // 0.9 until minute 40, 0.8 (below target) to 49, then 0.7 (below warning)
        let pts = minutes(|i| {
            if i < 40 {
                0.9
            } else if i < 50 {
                0.8
            } else {
                0.7
            }
        });
        let s = store(vec![(f.clone(), pts)], vec![(f.clone(), Some(0.84))]);
        let p = s.panel(PanelId::Quality);
        let h = p.headline.unwrap();
        assert_eq!(h.severity, Severity::Warn);
        assert_eq!(text(&h), "faithfulness 0.70 — below warning (0.75) since @50 (window avg 0.84)");
        assert_eq!(p.facts[0].value, Some(0.84));
        assert_eq!(p.facts[0].severity, Severity::Ok);
        assert_eq!(p.charts[0].rules.len(), 3);
    }

    #[test]
    fn run_start_needs_the_newest_point() {
        let p: Points = [(0, 1.0), (60, 0.5), (120, 0.4), (180, 0.9)].into_iter().collect();
        assert_eq!(run_start(&p, |v| v < 0.6), None);
        let p: Points = [(0, 1.0), (60, 0.5), (120, 0.4)].into_iter().collect();
        assert_eq!(run_start(&p, |v| v < 0.6), Some(60));
    }

    #[test]
    fn dominant_stage_and_the_stage_that_grew() {
        let k = |m: &str| key("GenAI/Performance", m, &[], "Average");
        let s = store(
            vec![
                (k("EmbeddingLatency"), minutes(|_| 40.0)),
                (k("VectorSearchLatency"), minutes(|i| if i < 30 { 100.0 } else { 600.0 })),
                (k("RerankLatency"), minutes(|_| 60.0)),
                (k("GenerationLatency"), minutes(|_| 800.0)),
                (k("EndToEndLatency"), minutes(|i| if i < 30 { 1000.0 } else { 1500.0 })),
            ],
            vec![],
        );
        let p = s.panel(PanelId::Latency);
        let h = p.headline.unwrap();
        assert_eq!(
            text(&h),
            "generation dominates: 53.3% of 1500 end-to-end (was 80.0% of 1000 at @0) · vector search 6.0x (100 → 600)"
        );
        assert_eq!(h.severity, Severity::Warn);
        let stacked: Vec<bool> = p.charts[0].lines.iter().map(|l| l.stacked).collect();
        assert_eq!(stacked, vec![true, true, true, true, false]);
    }

    #[test]
    fn dimension_sets_are_not_added_together() {
        let ns = "AWS/Bedrock/Agents";
        let op = [("Operation", "InvokeAgent")];
        let alias = [("Operation", "InvokeAgent"), ("AgentAliasArn", "arn:aws:bedrock:us-east-1:1:agent-alias/A/B")];
        let s = store(
            vec![
                (key(ns, "InvocationCount", &op, "Sum"), minutes(|_| 10.0)),
                // the same invocations again, split by alias: not added to the total
                (key(ns, "InvocationCount", &alias, "Sum"), minutes(|_| 10.0)),
            ],
            vec![],
        );
        let p = s.panel(PanelId::Agents);
        let inv = p.facts.iter().find(|f| f.label == "invocations").unwrap();
        assert_eq!(inv.value, Some(600.0));
        let by_alias = p.facts.iter().find(|f| f.label == "alias A/B").unwrap();
        assert_eq!(by_alias.value, Some(600.0));
        assert_eq!(text(p.headline.as_ref().unwrap()), "10 invocations/min now (was 10 at @0)");
    }

    #[test]
    fn stop_reason_shares_now_and_then() {
        let k = |r: &str| key("GenAI/Behavior", "StopReason", &[("Reason", r)], "SampleCount");
        let s = store(
            vec![
                (k("end_turn"), minutes(|i| if i < 50 { 98.0 } else { 80.0 })),
                (k("max_tokens"), minutes(|i| if i < 50 { 2.0 } else { 20.0 })),
            ],
            vec![],
        );
        let h = s.panel(PanelId::StopReasons).headline.unwrap();
        assert_eq!(text(&h), "max_tokens stops 20.0% now (was 2.0% at @0): answers are being cut off");
        assert_eq!(h.severity, Severity::Warn);
    }

    #[test]
    fn guardrail_interventions_as_a_share_per_source() {
        let ns = "AWS/Bedrock/Guardrails";
        fn src(s: &'static str) -> [(&'static str, &'static str); 1] {
            [("GuardrailContentSource", s)]
        }
        let s = store(
            vec![
                (key(ns, "Invocations", &src("Input"), "Sum"), minutes(|_| 100.0)),
                (key(ns, "Invocations", &src("Output"), "Sum"), minutes(|_| 100.0)),
                (key(ns, "InvocationsIntervened", &src("Input"), "Sum"), minutes(|_| 1.0)),
                (key(ns, "InvocationsIntervened", &src("Output"), "Sum"), minutes(|i| if i < 50 { 1.0 } else { 8.0 })),
                (
                    key(ns, "InvocationsIntervened", &[("GuardrailPolicyType", "SensitiveInformationPolicy")], "Sum"),
                    minutes(|i| if i < 50 { 1.0 } else { 6.0 }),
                ),
                (
                    key(ns, "InvocationsIntervened", &[("GuardrailPolicyType", "ContentPolicy")], "Sum"),
                    minutes(|i| if i < 50 { 1.0 } else { 3.0 }),
                ),
            ],
            vec![],
        );
        let p = s.panel(PanelId::Guardrails);
        let h = p.headline.unwrap();
        assert_eq!(
            text(&h),
            "intervened on 8.0% of outputs now (was 1.0% at @0), inputs 1.0% · sensitive information leads (66.7%)"
        );
        assert_eq!(h.severity, Severity::Warn);
        // totals come from the source split (the coarsest set), not source + policy added up
        let inv = p.facts.iter().find(|f| f.label == "invocations").unwrap();
        assert_eq!(inv.value, Some(12_000.0));
    }

    #[test]
    fn empty_panels_say_nothing_and_unknown_metrics_are_listed() {
        let odd = key("GenAI/Custom", "CacheHitRatio", &[], "Average");
        let s = store(vec![(odd.clone(), minutes(|_| 0.4))], vec![(odd.clone(), Some(0.4))]);
        let panels = s.pipeline_panels();
        assert!(panels.iter().filter(|p| p.id != PanelId::Other).all(|p| !p.has_data() && p.charts.is_empty()));
        let other = panels.iter().find(|p| p.id == PanelId::Other).unwrap();
        assert_eq!(other.other.len(), 1);
        assert_eq!(other.other[0].window, Some(0.4));
        assert_eq!(other.other[0].latest, Some((END - 60, 0.4)));
        assert!(s.platform_panels().iter().all(|p| !p.has_data()));
    }

    #[test]
    fn error_rate_above_target_names_the_leading_kind() {
        let k = |m: &str, st: &str| key("GenAI/Errors", m, &[], st);
        let s = store(
            vec![
                (k("ErrorRate", "Average"), minutes(|i| if i < 55 { 0.5 } else { 3.0 })),
                (k("RetrievalErrors", "Sum"), minutes(|i| if i < 55 { 0.0 } else { 6.0 })),
                (k("ThrottlingErrors", "Sum"), minutes(|_| 1.0)),
            ],
            vec![],
        );
        let h = s.panel(PanelId::Errors).headline.unwrap();
        assert_eq!(h.severity, Severity::Warn);
        assert_eq!(
            text(&h),
            "error rate 3.0% — above target (1.0%) since @55 · retrieval errors lead: 24 of 29 in the last 5 min"
        );
    }

    #[test]
    fn cost_spike_against_the_windows_median() {
        let k = |m: &str, st: &str| key("GenAI/Cost", m, &[], st);
        let s = store(vec![(k("TotalCost", "Sum"), minutes(|i| if i < 54 { 0.5 } else { 2.0 }))], vec![]);
        let h = s.panel(PanelId::Cost).headline.unwrap();
        assert_eq!(h.severity, Severity::Crit);
        assert!(text(&h).starts_with("39 in the window · now 120/h, 4.0x the window's median"), "{}", text(&h));
    }
}
