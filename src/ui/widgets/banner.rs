//! The one-line banner of what is firing (the Overview's second line), and how a rule's state
//! and value read wherever rules are listed.

use ratatui::text::{Line, Span};

use crate::domain::rules::Severity;
use crate::present::format::{self, Fmt};
use crate::store::Store;
use crate::store::alarms::{Alarm, AlarmState};
use crate::store::rules::{RuleState, RuleStatus};
use crate::ui::theme::{Level, Theme};
use crate::ui::widgets::text;

/// A rule's colour: by its state, and when firing by its severity.
pub fn rule_level(r: &RuleStatus) -> Level {
    match (r.state, r.severity) {
        (RuleState::Firing, Severity::Critical) => Level::Crit,
        (RuleState::Firing, _) | (RuleState::Pending, _) => Level::Warn,
        (RuleState::Resolved, _) => Level::Ok,
        _ => Level::None,
    }
}

/// A rule's value: two decimals when small, else compacted.
pub fn value_text(v: Option<f64>) -> String {
    match v {
        Some(v) if v.abs() < 10.0 => format!("{v:.2}"),
        Some(v) => format::count(v),
        None => format::NONE.into(),
    }
}

/// The one-line banner of firing rules and alarms, for the Overview; `None` when all is quiet.
/// A rule over a per-model signal names its worst culprit ("Bedrock-Throttling
/// claude-sonnet-4-5 60% (> 10%) since 03:01") while that still leaves room in `width` columns;
/// past that, rules show their value and condition only.
pub fn banner(store: &Store, theme: &Theme, fmt: Fmt, width: u16) -> Option<Line<'static>> {
    let rules = store.firing_rules();
    let alarms: Vec<Alarm> = store.alarms().into_iter().filter(|a| a.state == AlarmState::Alarm).collect();
    if rules.is_empty() && alarms.is_empty() {
        return None;
    }
    let head = format!(" FIRING {} ", rules.len() + alarms.len());
    let mut used = text::width(&head);
    let mut spans = vec![Span::styled(head, theme.crit().add_modifier(ratatui::style::Modifier::REVERSED))];
    for r in rules.iter().take(4) {
        let name = format!(" {} ", r.name);
        let plain = format!("{} {} ", value_text(r.value), r.condition);
        let named = r.culprits.first().map(|c| format!("{} ", crate::present::culprits::compact(c, fmt)));
        let n = text::width(&name);
        let what = match named {
            Some(c) if used + n + text::width(&c) <= width as usize => c,
            _ => plain,
        };
        used += n + text::width(&what);
        spans.push(Span::styled(name, theme.level(rule_level(r))));
        spans.push(Span::styled(what, theme.muted()));
    }
    for a in alarms.iter().take(3) {
        spans.push(Span::styled(format!(" ⏰{} ", crate::sanitize::one_line(&a.name)), theme.crit()));
    }
    Some(Line::from(spans))
}
