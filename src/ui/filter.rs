//! The `/` filter of a list: type to narrow (case-insensitive substring), Enter keeps it,
//! Esc clears it. The typing is the shared [`TextInput`].

use crossterm::event::{KeyCode, KeyEvent};

use super::widgets::text_input::TextInput;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub input: TextInput,
    pub editing: bool,
}

impl From<&str> for Filter {
    /// A filter holding `text`, not being edited.
    fn from(text: &str) -> Self {
        Self { input: TextInput::single(text), editing: false }
    }
}

impl Filter {
    pub fn start(&mut self) {
        self.editing = true;
    }

    /// What the filter holds.
    pub fn text(&self) -> &str {
        self.input.value()
    }

    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// Empty it and stop editing.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// A key while editing; returns false when the key was not for the filter.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Esc => self.clear(),
            KeyCode::Enter => self.editing = false,
            _ => return self.input.key(key),
        }
        true
    }

    pub fn matches(&self, haystack: &str) -> bool {
        let text = self.text();
        text.is_empty() || haystack.to_lowercase().contains(&text.to_lowercase())
    }

    /// ` · filter: abc` for a title, empty when there is none.
    pub fn label(&self) -> String {
        match (self.editing, self.is_empty()) {
            (true, _) => format!(" · /{}", self.input.label("█")),
            (false, false) => {
                format!(" · filter: {} (/ edits, Esc in it clears)", crate::sanitize::one_line(self.text()))
            }
            (false, true) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn typing_narrows_and_esc_clears() {
        let mut f = Filter::default();
        f.start();
        for c in "SoN".chars() {
            assert!(f.key(k(KeyCode::Char(c))));
        }
        assert!(f.matches("us.anthropic.claude-sonnet-4-5"));
        assert!(!f.matches("amazon.nova-pro-v1:0"));
        f.key(k(KeyCode::Backspace));
        assert_eq!(f.text(), "So");
        f.key(k(KeyCode::Enter));
        assert!(!f.editing && f.text() == "So");
        assert!(f.label().contains("filter: So"));
        f.start();
        f.key(k(KeyCode::Esc));
        assert!(f.text().is_empty() && f.matches("anything"));
        assert!(!f.key(k(KeyCode::Up)));
    }

    #[test]
    fn the_cursor_moves_and_shows_in_the_label() {
        let mut f = Filter::default();
        f.start();
        for c in "sonet".chars() {
            f.key(k(KeyCode::Char(c)));
        }
        assert_eq!(f.label(), " · /sonet█");
        f.key(k(KeyCode::Left));
        f.key(k(KeyCode::Left));
        f.key(k(KeyCode::Char('n')));
        assert_eq!(f.text(), "sonnet");
        assert_eq!(f.label(), " · /sonn▏et");
        f.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(f.text(), "et");
    }
}
