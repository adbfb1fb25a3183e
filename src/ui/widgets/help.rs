//! Help (`?`): the current pane's commands first (from the same declaration as the footer's
//! hints, [`crate::ui::pane::Pane::commands`]), then every other key of the active keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::block;
use super::text::{pad_left, pad_right, width};
use crate::ui::action::Action;
use crate::ui::keymap::Keymap;
use crate::ui::pane::CommandInfo;
use crate::ui::theme::Theme;

/// One line of the help screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A section: the pane's name, or the global keys.
    Heading(String),
    /// Keys (every key bound to the action) and what they do.
    Keys(String, String),
}

/// The lines of the help screen: under the pane's name, each of its `commands` with the keys
/// bound to it; then under "Global keys" every other action of the keymap. `panes` names the
/// panes that exist, so `pane-N` entries show their names and missing panes are left out.
pub fn lines(keymap: &Keymap, panes: &[&str], pane: &str, commands: &[CommandInfo]) -> Vec<Entry> {
    let by_action = keymap.by_action();
    let keys_of = |a: Action| -> Option<String> {
        let keys = by_action.get(&a)?;
        Some(keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))
    };
    let mut out = Vec::new();
    let mut listed: Vec<Action> = Vec::new();
    for c in commands {
        if listed.contains(&c.action) {
            continue;
        }
        if let Some(keys) = keys_of(c.action) {
            if listed.is_empty() {
                out.push(Entry::Heading(pane.to_string()));
            }
            out.push(Entry::Keys(keys, c.label.to_string()));
            listed.push(c.action);
        }
    }
    let global: Vec<Entry> = by_action
        .into_iter()
        .filter(|(action, _)| !listed.contains(action))
        .filter_map(|(action, keys)| {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            let desc = match action.pane_number() {
                Some(n) => format!("pane: {}", panes.get(n - 1)?),
                None => action.description().to_string(),
            };
            Some(Entry::Keys(keys.join(" "), desc))
        })
        .collect();
    if !global.is_empty() {
        out.push(Entry::Heading("Global keys".to_string()));
        out.extend(global);
    }
    out
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    panes: &[&str],
    pane: &str,
    commands: &[CommandInfo],
    theme: &Theme,
) {
    let entries = lines(keymap, panes, pane, commands);
    let keys = || entries.iter().filter_map(|e| if let Entry::Keys(k, d) = e { Some((k, d)) } else { None });
    let key_w = keys().map(|(k, _)| width(k)).max().unwrap_or(4).min(24);
    let desc_w = keys().map(|(_, d)| width(d)).max().unwrap_or(10);
    let col_w = key_w + desc_w + 3;
    let two_cols = area.width as usize >= col_w * 2 + 6 && entries.len() + 4 > area.height as usize;
    let per_col = if two_cols { entries.len().div_ceil(2) } else { entries.len() };
    let w = (if two_cols { col_w * 2 + 3 } else { col_w } + 2).min(area.width as usize) as u16;
    let h = ((per_col + 3).min(area.height as usize)) as u16;
    let [popup] = Layout::horizontal([Constraint::Length(w)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(h)]).flex(Flex::Center).areas(popup);
    let fmt = |e: &Entry| match e {
        Entry::Heading(t) => vec![Span::styled(pad_right(&format!(" {t}"), col_w), theme.header())],
        Entry::Keys(k, d) => vec![
            Span::styled(pad_left(&crate::present::format::clip(k, key_w), key_w), theme.accent()),
            Span::raw("  "),
            Span::styled(pad_right(d, desc_w), theme.text()),
        ],
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

    fn keys(l: &[Entry]) -> Vec<(&str, &str)> {
        l.iter().filter_map(|e| if let Entry::Keys(k, d) = e { Some((k.as_str(), d.as_str())) } else { None }).collect()
    }

    #[test]
    fn help_follows_the_keymap() {
        let k =
            Keymap::parse("[keys]\n\"x\" = \"quit\"\n\"q\" = \"none\"\n", "u.toml", Some(&Keymap::default())).unwrap();
        let l = lines(&k, &["Overview", "Models"], "Overview", &[]);
        let l = keys(&l);
        assert!(l.iter().any(|(k, d)| *k == "2" && *d == "pane: Models"));
        assert!(!l.iter().any(|(k, _)| *k == "3"));
        let quit = l.iter().find(|(_, d)| *d == "quit").unwrap();
        assert_eq!(quit.0, "Ctrl-c x");
    }

    #[test]
    fn the_panes_commands_come_first_then_the_other_keys() {
        let k = Keymap::default();
        let commands = [
            CommandInfo::hint(Action::ShowTraces, "traces"),
            CommandInfo::hint(Action::Select, "open"),
            CommandInfo::help(Action::GroupModels, "by model"),
        ];
        let l = lines(&k, &["Overview"], "Overview", &commands);
        assert_eq!(l[0], Entry::Heading("Overview".into()));
        assert_eq!(l[1], Entry::Keys("t".into(), "traces".into()));
        assert_eq!(l[2], Entry::Keys("Enter".into(), "open".into()));
        assert_eq!(l[3], Entry::Keys("a".into(), "by model".into()));
        assert_eq!(l[4], Entry::Heading("Global keys".into()));
        // what the pane listed is not listed again
        assert!(!l[5..].iter().any(|e| matches!(e, Entry::Keys(k, _) if k == "Enter" || k == "t")));
        assert!(l[5..].iter().any(|e| matches!(e, Entry::Keys(_, d) if d == "quit")));
        // a pane without commands: the global keys only
        assert_eq!(lines(&k, &["Overview"], "Overview", &[])[0], Entry::Heading("Global keys".into()));
    }
}
