//! The header (panes, identity) and the status bar (data age per source, errors, API spend),
//! plus the message line (the current error with its fix, or key hints).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::store::Store;
use crate::ui::format;
use crate::ui::theme::Theme;

/// `nightjar │ 1 Overview  2 Models │ prod · 123456789012 · us-east-1 · 1h`
pub fn draw_header(f: &mut Frame, area: Rect, store: &Store, panes: &[(&str, bool)], theme: &Theme) {
    let mut spans = vec![Span::styled(" nightjar ", theme.title()), Span::styled("│", theme.muted())];
    for (i, (name, active)) in panes.iter().enumerate() {
        let style = if *active { theme.selected() } else { theme.muted() };
        spans.push(Span::styled(format!(" {} {name} ", i + 1), style));
    }
    spans.push(Span::styled("│ ", theme.muted()));
    let id = &store.identity;
    let mut who: Vec<String> = Vec::new();
    if id.demo {
        who.push("DEMO".into());
    }
    if let Some(p) = &id.profile {
        who.push(p.clone());
    }
    who.push(id.account.clone().unwrap_or_else(|| if id.demo { "demo-account".into() } else { "account ?".into() }));
    who.push(if id.regions.is_empty() { "no region".into() } else { id.regions.join(",") });
    who.push(format!("last {}", super::overview::since_label(store)));
    if let Some(e) = &id.endpoint {
        who.push(format!("→ {e}"));
    }
    spans.push(Span::styled(who.join(" · "), theme.accent()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Per source: `cloudwatch us-east-1 ✓ 12s` / `✗ stale 3m`; then API spend.
pub fn draw_status(f: &mut Frame, area: Rect, store: &Store, now: i64, frozen_note: Option<&str>, theme: &Theme) {
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    for h in store.health() {
        let age = h.newest_data.or(h.last_ok).map(|t| format::age(now - t));
        let (mark, style) = if h.loading && h.last_ok.is_none() && h.last_error.is_none() {
            ("…", theme.muted())
        } else if h.is_stale() {
            ("✗", theme.crit())
        } else {
            ("✓", theme.ok())
        };
        spans.push(Span::styled(format!("{} {mark}", h.label()), style));
        if let Some(a) = age {
            let label = if h.is_stale() { format!(" stale, data {a} old") } else { format!(" {a}") };
            spans.push(Span::styled(label, if h.is_stale() { theme.stale() } else { theme.muted() }));
        }
        if h.backoff_secs > 0 {
            spans.push(Span::styled(format!(" retry {}", format::age(h.backoff_secs as i64)), theme.muted()));
        }
        spans.push(Span::styled("  │ ", theme.muted()));
    }
    spans.push(Span::styled(format!("API {}", format::usd(store.api_spend_usd())), theme.muted()));
    if let Some(n) = frozen_note {
        spans.push(Span::styled(format!("  {n}"), theme.warn()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The newest error with its fix, or the key hints when all is well.
pub fn draw_message_line(f: &mut Frame, area: Rect, store: &Store, hints: &str, theme: &Theme) {
    let err = store
        .health()
        .filter(|h| h.is_stale())
        .filter_map(|h| h.last_error.as_ref().map(|e| (h.label(), e)))
        .max_by_key(|(_, e)| e.at);
    let line = match err {
        Some((src, e)) => {
            Line::from(vec![Span::styled(format!(" {src}: "), theme.crit()), Span::styled(e.one_line(), theme.warn())])
        }
        None => Line::styled(format!(" {hints}"), theme.muted()),
    };
    f.render_widget(Paragraph::new(line), area);
}
