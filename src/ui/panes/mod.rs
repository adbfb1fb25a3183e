//! One module per pane. Each draws from `&Store` plus its own view state.

pub mod alarms;
pub mod command_line;
pub mod help;
pub mod logs;
pub mod model_detail;
pub mod models;
pub mod overview;
pub mod panel_board;
pub mod pipeline;
pub mod platform;
pub mod quotas;
pub mod span_tree;
pub mod status_bar;
pub mod traces;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
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
