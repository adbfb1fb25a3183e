//! A sentence that says what matters: text with typed values and times, and how bad it is.
//! The panels' headlines and the Overview's first line are sentences; numbers keep their unit
//! so each output formats them its own way.

use crate::domain::genai_metrics::Severity;
use crate::present::format::{self, Fmt};
use crate::sanitize::one_line;

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

/// Formats one value in its unit (the terminal and the text report alike).
pub fn value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Ms => format::ms(v),
        Unit::Secs => {
            let s = v.round() as i64;
            if s >= 3600 {
                format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
            } else if s >= 60 {
                format!("{}m{:02}s", s / 60, s % 60)
            } else {
                format!("{s}s")
            }
        }
        Unit::Count => format::count(v),
        Unit::Plain => plain(v),
        Unit::Usd => format::usd(v),
        Unit::Score => format!("{v:.2}"),
        Unit::Pct => format::pct(v),
        Unit::Rating => format!("{v:.1}/5"),
        Unit::Times => {
            if v >= 10.0 {
                format!("{v:.0}×")
            } else {
                format!("{v:.1}×")
            }
        }
    }
}

/// A number of unknown kind (another metric): whole numbers as counts, small ones with the
/// decimals that matter.
pub fn plain(v: f64) -> String {
    let a = v.abs();
    if v.fract() == 0.0 || a >= 100.0 {
        format::count(v)
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The sentence as plain text (for the text report and tests).
pub fn sentence_text(s: &Sentence, fmt: Fmt) -> String {
    s.parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => one_line(t),
            Part::Value(v, u) => value(*v, *u),
            Part::Time(t) => fmt.hhmm(*t),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_unit() {
        assert_eq!(value(0.714, Unit::Score), "0.71");
        assert_eq!(value(3.44, Unit::Rating), "3.4/5");
        assert_eq!(value(255.0, Unit::Secs), "4m15s");
        assert_eq!(value(4.12, Unit::Times), "4.1×");
        assert_eq!(value(62.4, Unit::Pct), "62%");
        assert_eq!(value(345.0, Unit::Ms), "345ms");
    }
}
