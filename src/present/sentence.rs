//! A sentence that says what matters: text with typed values and times, and how bad it is.
//! The panels' headlines and the Overview's first line are sentences; numbers keep their unit
//! so each output formats them its own way.

use crate::domain::genai_metrics::Severity;

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
