//! The `:` command line at the bottom, with its completions listed above it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::block;
use super::text::pad_right;
use super::text_input::TextInput;
use crate::ui::command::{WORDS, complete};
use crate::ui::theme::Theme;

pub fn draw(f: &mut Frame, body: Rect, line_area: Rect, input: &TextInput, theme: &Theme) {
    f.render_widget(Clear, line_area);
    let mut spans = vec![Span::styled(":", theme.accent())];
    let room = (line_area.width as usize).saturating_sub(1);
    spans.extend(input.fitted_spans(
        room,
        Style::default(),
        theme.accent().add_modifier(Modifier::REVERSED),
        ("█", theme.accent()),
    ));
    f.render_widget(Paragraph::new(Line::from(spans)), line_area);
    let line = input.value();
    let options = complete(line);
    if options.is_empty() {
        return;
    }
    let shown: Vec<Line> = options
        .iter()
        .take(body.height.saturating_sub(2).min(10) as usize)
        .map(|o| {
            let help = WORDS.iter().find(|(w, _)| w == o).map(|(_, h)| *h).unwrap_or("");
            Line::from(vec![Span::styled(pad_right(o, 22), theme.text()), Span::styled(help, theme.muted())])
        })
        .collect();
    let h = shown.len() as u16 + 2;
    let w = body.width.min(64);
    let area = Rect { x: body.x, y: body.y + body.height.saturating_sub(h), width: w, height: h.min(body.height) };
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(shown).block(block("Tab completes · Enter runs · Esc closes", theme, true)), area);
}
