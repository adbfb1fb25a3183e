//! A sentence of the store (a panel's headline, the Overview's first line) drawn as spans: the
//! numbers stand out in the severity's colour.

use ratatui::text::Span;

use crate::domain::genai_metrics::Severity;
use crate::present::format::Fmt;
use crate::present::sentence::value;
use crate::present::sentence::{Part, Sentence};
use crate::sanitize::one_line;
use crate::ui::theme::{Level, Theme};

/// A severity's colour level.
pub fn level(s: Severity) -> Level {
    match s {
        Severity::None => Level::None,
        Severity::Ok => Level::Ok,
        Severity::Warn => Level::Warn,
        Severity::Crit => Level::Crit,
    }
}

/// The sentence as spans: numbers stand out in the severity's colour.
pub fn sentence_spans<'a>(s: &Sentence, theme: &Theme, fmt: Fmt) -> Vec<Span<'a>> {
    let num = match s.severity {
        Severity::Warn | Severity::Crit => theme.level(level(s.severity)),
        _ => theme.accent(),
    };
    s.parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => Span::styled(one_line(t), theme.text()),
            Part::Value(v, u) => Span::styled(value(*v, *u), num),
            Part::Time(t) => Span::styled(fmt.hhmm(*t), theme.text()),
        })
        .collect()
}
