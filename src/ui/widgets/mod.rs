//! What panes share: drawing helpers (a titled block, a centred message, the placeholder while
//! nothing has arrived), the colour levels of figures, and the widgets more than one pane or the
//! app draws (the model table, the firing banner, sentences, the panel board, the span tree, the
//! status bar, the command line, help, the text input). Panes import widgets, never each other.

pub mod banner;
pub mod board;
pub mod command_line;
pub mod help;
pub mod model_table;
pub mod sentence;
pub mod span_tree;
pub mod status_bar;
pub mod text;
pub mod text_input;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::{Level, Theme};
use crate::store::Store;

/// What to draw in place of a pane's content when there is nothing to show yet.
pub fn placeholder(store: &Store) -> Option<(String, bool)> {
    if store.loading() && store.replay.is_some() {
        return Some(("The snapshot holds no metrics: it was saved before the first answer arrived.".into(), false));
    }
    if store.loading() {
        let what: Vec<String> = store.health().map(|h| h.label()).collect();
        let what = if what.is_empty() { "AWS".to_string() } else { what.join(", ") };
        return Some((format!("Loading metrics from {what}…"), false));
    }
    if !store.any_source_ok()
        && let Some(e) = store.health().find_map(|h| h.last_error.as_ref().filter(|_| h.note.is_none()))
    {
        return Some((e.one_line(), true));
    }
    None
}

/// A bordered block with a title.
pub fn block<'a>(title: &'a str, theme: &Theme, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(theme.border_set())
        .border_style(theme.border(focused))
        .title(Span::styled(format!(" {title} "), theme.title()))
}

/// A centred message inside a block (loading, error, no data).
pub fn draw_message(f: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'_>>, theme: &Theme) {
    let inner_h = area.height.saturating_sub(2) as usize;
    let pad = inner_h.saturating_sub(lines.len()) / 2;
    let mut all: Vec<Line> = vec![Line::from(""); pad];
    all.extend(lines);
    let p =
        Paragraph::new(all).alignment(Alignment::Center).wrap(Wrap { trim: true }).block(block(title, theme, false));
    f.render_widget(p, area);
}

/// An error or throttle percentage: critical from 5%, a warning from 1%.
pub fn error_level(pct: Option<f64>) -> Level {
    match pct {
        Some(v) if v >= 5.0 => Level::Crit,
        Some(v) if v >= 1.0 => Level::Warn,
        Some(_) => Level::Ok,
        None => Level::None,
    }
}

/// A latency: critical from 10 s, a warning from 5 s.
pub fn latency_level(ms: Option<f64>) -> Level {
    match ms {
        Some(v) if v >= 10_000.0 => Level::Crit,
        Some(v) if v >= 5_000.0 => Level::Warn,
        Some(_) => Level::Ok,
        None => Level::None,
    }
}
