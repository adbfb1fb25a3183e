//! The one text input every editor uses: the `:` command line, the `/` filters (the lists', the
//! Logs table's, the Traces list's), the Traces filter expression and the Logs query editor
//! (multi-line). They all edit the same way:
//!
//! | key | does |
//! |---|---|
//! | `←` `→`, `Home`/`Ctrl-A`, `End`/`Ctrl-E` | move (across lines in the multi-line editor) |
//! | `Ctrl-←`/`Alt-B`, `Ctrl-→`/`Alt-F` | move by word |
//! | `Backspace`, `Delete` | delete before / at the cursor |
//! | `Ctrl-W`/`Alt-Backspace`, `Ctrl-U`, `Ctrl-K` | delete the word before, to the line's start, to its end |
//! | `↑` `↓` | multi-line: move between lines; at the first/last line, and in a one-line input, browse the history when the editor has one |
//! | `Enter`, `Tab` | multi-line: a new line, two spaces; a one-line input leaves them to its owner |
//!
//! The editing itself (a buffer of lines, a cursor in characters, words) is
//! [`ratatui_textarea::TextArea`]; drawing is here, so every editor keeps its own look, with the
//! text sanitised and measured in terminal columns.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui_textarea::{CursorMove, TextArea};

use super::text::{tail, width};
use crate::sanitize::one_line;

/// A text input: one line, or several (the Logs query editor).
#[derive(Debug, Clone)]
pub struct TextInput {
    area: TextArea<'static>,
    multi_line: bool,
    /// While browsing the history: the entry shown.
    history: Option<usize>,
    /// What was being written before browsing the history.
    draft: Option<Vec<String>>,
}

impl Default for TextInput {
    fn default() -> Self {
        Self::single("")
    }
}

impl TextInput {
    /// A one-line input holding `text`, the cursor at its end.
    pub fn single(text: &str) -> Self {
        let mut t = Self { area: TextArea::default(), multi_line: false, history: None, draft: None };
        t.set_text(text);
        t
    }

    /// A multi-line input holding `text`, the cursor at its end.
    pub fn multi(text: &str) -> Self {
        let mut t = Self { area: TextArea::default(), multi_line: true, history: None, draft: None };
        t.set_text(text);
        t
    }

    /// Replace the text (a one-line input keeps its first line); the cursor goes to the end.
    pub fn set_text(&mut self, text: &str) {
        let mut lines: Vec<String> =
            if text.is_empty() { vec![String::new()] } else { text.lines().map(String::from).collect() };
        if lines.is_empty() {
            lines.push(String::new());
        }
        if !self.multi_line {
            lines.truncate(1);
        }
        self.load(lines);
    }

    fn load(&mut self, lines: Vec<String>) {
        self.area = TextArea::new(lines);
        self.area.move_cursor(CursorMove::Bottom);
        self.area.move_cursor(CursorMove::End);
    }

    pub fn clear(&mut self) {
        self.set_text("");
        self.history = None;
        self.draft = None;
    }

    /// The lines as typed.
    pub fn lines(&self) -> &[String] {
        let area: &TextArea<'_> = &self.area;
        area.lines()
    }

    /// The first (in a one-line input, the only) line.
    pub fn value(&self) -> &str {
        self.lines().first().map(String::as_str).unwrap_or("")
    }

    /// Every line, joined by newlines.
    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.lines().iter().all(String::is_empty)
    }

    /// The cursor: line and character in it.
    pub fn cursor(&self) -> (usize, usize) {
        let c = self.area.cursor();
        (c.0, c.1)
    }

    /// A key; false when it is not the input's (the owner's to use: Enter, Esc, Tab in a
    /// one-line input, a shortcut).
    pub fn key(&mut self, key: KeyEvent) -> bool {
        self.key_with_history(key, &[])
    }

    /// A key, with `history` (oldest first) for ↑↓.
    pub fn key_with_history(&mut self, key: KeyEvent, history: &[String]) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let a = &mut self.area;
        let edited = match key.code {
            KeyCode::Char('a') if ctrl => return move_to(a, CursorMove::Head),
            KeyCode::Char('e') if ctrl => return move_to(a, CursorMove::End),
            KeyCode::Char('b') if alt => return move_to(a, CursorMove::WordBack),
            KeyCode::Char('f') if alt => return move_to(a, CursorMove::WordForward),
            KeyCode::Char('u') if ctrl => a.delete_line_by_head(),
            KeyCode::Char('w') if ctrl => a.delete_word(),
            KeyCode::Char('k') if ctrl => a.delete_line_by_end(),
            KeyCode::Backspace if alt => a.delete_word(),
            KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => {
                a.insert_char(c);
                true
            }
            KeyCode::Backspace => a.delete_char(),
            KeyCode::Delete => a.delete_next_char(),
            KeyCode::Left if ctrl => return move_to(a, CursorMove::WordBack),
            KeyCode::Right if ctrl => return move_to(a, CursorMove::WordForward),
            KeyCode::Left => return move_to(a, CursorMove::Back),
            KeyCode::Right => return move_to(a, CursorMove::Forward),
            KeyCode::Home => return move_to(a, CursorMove::Head),
            KeyCode::End => return move_to(a, CursorMove::End),
            KeyCode::Enter if self.multi_line && !ctrl && !alt => {
                a.insert_newline();
                true
            }
            KeyCode::Tab if self.multi_line => {
                a.insert_str("  ");
                true
            }
            KeyCode::Up => return self.up(history),
            KeyCode::Down => return self.down(history),
            _ => return false,
        };
        if edited {
            self.history = None;
        }
        true
    }

    /// ↑: the line above; at the first line the previous entry of the history.
    fn up(&mut self, history: &[String]) -> bool {
        let (row, _) = self.cursor();
        if row > 0 {
            self.area.move_cursor(CursorMove::Up);
            return true;
        }
        if history.is_empty() {
            return self.multi_line;
        }
        let i = match self.history {
            None => {
                self.draft = Some(self.lines().to_vec());
                history.len() - 1
            }
            Some(i) => i.saturating_sub(1),
        };
        self.history = Some(i);
        self.show_entry(&history[i]);
        self.area.move_cursor(CursorMove::Top);
        self.area.move_cursor(CursorMove::Head);
        true
    }

    /// ↓: the line below; at the last line the next entry of the history, then back to what
    /// was being written.
    fn down(&mut self, history: &[String]) -> bool {
        let (row, _) = self.cursor();
        if row + 1 < self.lines().len() {
            self.area.move_cursor(CursorMove::Down);
            return true;
        }
        let Some(i) = self.history else { return self.multi_line || !history.is_empty() };
        if i + 1 < history.len() {
            self.history = Some(i + 1);
            self.show_entry(&history[i + 1]);
        } else {
            self.history = None;
            let draft = self.draft.take().unwrap_or_else(|| vec![String::new()]);
            self.load(draft);
        }
        true
    }

    fn show_entry(&mut self, text: &str) {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        if !self.multi_line {
            lines = vec![lines.join(" ")];
        }
        self.load(lines);
    }

    /// Line `row` as spans: the text in `text`, the character under the cursor in `cursor`
    /// (sanitised, so a control character shows as a symbol); at the end of the line the cursor
    /// is `end` (a glyph and its style). A line without the cursor is one span.
    pub fn line_spans(&self, row: usize, text: Style, cursor: Style, end: (&'static str, Style)) -> Vec<Span<'static>> {
        let line = self.lines().get(row).map(String::as_str).unwrap_or("");
        let (crow, ccol) = self.cursor();
        if crow != row {
            return vec![Span::styled(one_line(line), text)];
        }
        let (before, at, after) = split_at_char(line, ccol);
        let mut spans = vec![Span::styled(one_line(before), text)];
        match at {
            Some(c) => {
                spans.push(Span::styled(one_line(c), cursor));
                spans.push(Span::styled(one_line(after), text));
            }
            None => spans.push(Span::styled(end.0, end.1)),
        }
        spans
    }

    /// A one-line input as spans that fit in `room` columns (the cursor's glyph included):
    /// when the text is longer, the part around the cursor (its end while typing at the end).
    pub fn fitted_spans(
        &self,
        room: usize,
        text: Style,
        cursor: Style,
        end: (&'static str, Style),
    ) -> Vec<Span<'static>> {
        let line = one_line(self.value());
        let (_, ccol) = self.cursor();
        let (before, at, after) = split_at_char(&line, ccol);
        let at_w = at.map(width).unwrap_or(width(end.0));
        let before = tail(before, room.saturating_sub(at_w));
        let mut spans = vec![Span::styled(before.to_string(), text)];
        match at {
            Some(c) => {
                let left = room.saturating_sub(width(before) + at_w);
                spans.push(Span::styled(c.to_string(), cursor));
                spans.push(Span::styled(head(after, left).to_string(), text));
            }
            None => spans.push(Span::styled(end.0, end.1)),
        }
        spans
    }

    /// A one-line input as plain text for a title: `glyph` marks the cursor at the end; before
    /// that, `▏` stands where the cursor is.
    pub fn label(&self, glyph: &str) -> String {
        let line = self.value();
        let (_, ccol) = self.cursor();
        let (before, at, after) = split_at_char(line, ccol);
        match at {
            Some(c) => format!("{}▏{}{}", one_line(before), one_line(c), one_line(after)),
            None => format!("{}{glyph}", one_line(before)),
        }
    }
}

impl From<&str> for TextInput {
    fn from(text: &str) -> Self {
        Self::single(text)
    }
}

fn move_to(a: &mut TextArea<'static>, m: CursorMove) -> bool {
    a.move_cursor(m);
    true
}

/// `s` split at character `col`: before, the character there (if any), after it.
fn split_at_char(s: &str, col: usize) -> (&str, Option<&str>, &str) {
    match s.char_indices().nth(col) {
        Some((i, c)) => (&s[..i], Some(&s[i..i + c.len_utf8()]), &s[i + c.len_utf8()..]),
        None => (s, None, ""),
    }
}

/// The start of `s` that fits in `w` columns.
fn head(s: &str, w: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += super::text::char_width(c);
        if used > w {
            return &s[..i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn typed(t: &mut TextInput, s: &str) {
        for c in s.chars() {
            assert!(t.key(k(KeyCode::Char(c))));
        }
    }

    #[test]
    fn one_line_editing_keys() {
        let mut t = TextInput::single("");
        typed(&mut t, "since 3h");
        assert_eq!(t.value(), "since 3h");
        // Ctrl-A, type, Ctrl-E
        t.key(ctrl('a'));
        typed(&mut t, ":");
        assert_eq!((t.value(), t.cursor()), (":since 3h", (0, 1)));
        t.key(ctrl('e'));
        assert_eq!(t.cursor(), (0, 9));
        // Ctrl-W deletes the word before the cursor, Ctrl-U the rest to the start
        t.key(ctrl('w'));
        assert_eq!(t.value(), ":since ");
        t.key(k(KeyCode::Left));
        t.key(k(KeyCode::Left));
        t.key(ctrl('u'));
        assert_eq!((t.value(), t.cursor()), ("e ", (0, 0)));
        t.key(k(KeyCode::End));
        t.key(k(KeyCode::Backspace));
        t.key(k(KeyCode::Home));
        t.key(k(KeyCode::Delete));
        assert!(t.is_empty());
        // a one-line input leaves Enter, Tab, Esc and unknown keys to its owner
        for code in [KeyCode::Enter, KeyCode::Tab, KeyCode::Esc, KeyCode::Up, KeyCode::F(5)] {
            assert!(!t.key(k(code)), "{code:?}");
        }
        assert!(!t.key(ctrl('s')));
        // multi-byte and wide characters move by character
        let mut t = TextInput::single("é模");
        t.key(k(KeyCode::Left));
        typed(&mut t, "ü");
        assert_eq!(t.value(), "éü模");
    }

    #[test]
    fn multi_line_editing_and_history() {
        let mut e = TextInput::multi("fields @message");
        typed(&mut e, " | limit 5");
        assert_eq!(e.text(), "fields @message | limit 5");
        e.key(k(KeyCode::Enter));
        typed(&mut e, "x");
        e.key(k(KeyCode::Backspace));
        e.key(k(KeyCode::Backspace));
        assert_eq!(e.lines().len(), 1);
        let history = vec!["stats count(*)".to_string(), "fields a\n| sort a".to_string()];
        e.key_with_history(k(KeyCode::Up), &history);
        assert_eq!(e.text(), "fields a\n| sort a");
        assert_eq!(e.cursor().0, 0);
        e.key_with_history(k(KeyCode::Up), &history);
        assert_eq!(e.text(), "stats count(*)");
        e.key_with_history(k(KeyCode::Down), &history);
        assert_eq!(e.text(), "fields a\n| sort a");
        e.key_with_history(k(KeyCode::Down), &history); // to the second line
        e.key_with_history(k(KeyCode::Down), &history); // past the newest: the draft again
        assert_eq!(e.text(), "fields @message | limit 5");
        // Left at a line's start goes to the end of the line above
        let mut e = TextInput::multi("ab\ncd");
        e.key(k(KeyCode::Home));
        e.key(k(KeyCode::Left));
        assert_eq!(e.cursor(), (0, 2));
        e.key(k(KeyCode::Tab));
        assert_eq!(e.text(), "ab  \ncd");
    }

    #[test]
    fn drawn_with_the_cursor_and_sanitised() {
        let plain = Style::default();
        let cur = Style::default().add_modifier(ratatui::style::Modifier::REVERSED);
        let mut t = TextInput::single("ab");
        let text = |spans: Vec<Span>| spans.iter().map(|s| s.content.to_string()).collect::<Vec<_>>();
        assert_eq!(text(t.line_spans(0, plain, cur, ("█", plain))), ["ab", "█"]);
        t.key(k(KeyCode::Left));
        assert_eq!(text(t.line_spans(0, plain, cur, ("█", plain))), ["a", "b", ""]);
        assert_eq!(t.label("█"), "a▏b");
        t.key(k(KeyCode::End));
        assert_eq!(t.label("█"), "ab█");
        // a control character in loaded text is drawn as a symbol, never sent to the terminal
        let t = TextInput::single("a\u{1b}[2J");
        assert_eq!(text(t.line_spans(0, plain, cur, ("█", plain))), ["a␛[2J", "█"]);
        // a long line shows its end while typing at the end, in columns
        let t = TextInput::single("abc模型");
        assert_eq!(text(t.fitted_spans(6, plain, cur, ("▏", plain))), ["c模型", "▏"]);
    }
}
