//! Help (`?`): generated from the active keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::block;
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;

/// The lines of the help screen: one per action, with every key bound to it.
/// `panes` names the panes that exist, so `pane-N` entries show their names and missing
/// panes are left out.
pub fn lines(keymap: &Keymap, panes: &[&str]) -> Vec<(String, String)> {
    keymap
        .by_action()
        .into_iter()
        .filter_map(|(action, keys)| {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            let desc = match action.pane_number() {
                Some(n) => format!("pane: {}", panes.get(n - 1)?),
                None => action.description().to_string(),
            };
            Some((keys.join(" "), desc))
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, keymap: &Keymap, panes: &[&str], theme: &Theme) {
    let entries = lines(keymap, panes);
    let key_w = entries.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(4).min(24);
    let desc_w = entries.iter().map(|(_, d)| d.chars().count()).max().unwrap_or(10);
    let col_w = key_w + desc_w + 3;
    let two_cols = area.width as usize >= col_w * 2 + 6 && entries.len() + 4 > area.height as usize;
    let per_col = if two_cols { entries.len().div_ceil(2) } else { entries.len() };
    let w = (if two_cols { col_w * 2 + 3 } else { col_w } + 2).min(area.width as usize) as u16;
    let h = ((per_col + 3).min(area.height as usize)) as u16;
    let [popup] = Layout::horizontal([Constraint::Length(w)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(h)]).flex(Flex::Center).areas(popup);
    let fmt = |(k, d): &(String, String)| {
        vec![
            Span::styled(format!("{:>key_w$}", crate::ui::format::clip(k, key_w)), theme.accent()),
            Span::raw("  "),
            Span::styled(format!("{d:<desc_w$}"), theme.text()),
        ]
    };
    let mut out: Vec<Line> = Vec::new();
    for i in 0..per_col {
        let mut spans = fmt(&entries[i]);
        if two_cols && let Some(e) = entries.get(i + per_col) {
            spans.push(Span::raw("   "));
            spans.extend(fmt(e));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::styled("Esc or ? closes · keys come from the active keymap", theme.muted()));
    f.render_widget(Clear, popup);
    f.render_widget(Paragraph::new(out).block(block("Help", theme, true)), popup);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_follows_the_keymap() {
        let k =
            Keymap::parse("[keys]\n\"x\" = \"quit\"\n\"q\" = \"none\"\n", "u.toml", Some(&Keymap::default())).unwrap();
        let l = lines(&k, &["Overview", "Models"]);
        assert!(l.iter().any(|(k, d)| k == "2" && d == "pane: Models"));
        assert!(!l.iter().any(|(k, _)| k == "3"));
        let quit = l.iter().find(|(_, d)| d == "quit").unwrap();
        assert_eq!(quit.0, "Ctrl-c x");
    }
}
