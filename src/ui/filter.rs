//! The `/` filter of a list: type to narrow (case-insensitive substring), Enter keeps it,
//! Esc clears it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    pub editing: bool,
}

impl Filter {
    pub fn start(&mut self) {
        self.editing = true;
    }

    /// A key while editing; returns false when the key was not for the filter.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Esc => {
                self.text.clear();
                self.editing = false;
            }
            KeyCode::Enter => self.editing = false,
            KeyCode::Backspace => {
                self.text.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => self.text.push(c),
            _ => return false,
        }
        true
    }

    pub fn matches(&self, haystack: &str) -> bool {
        self.text.is_empty() || haystack.to_lowercase().contains(&self.text.to_lowercase())
    }

    /// ` · filter: abc` for a title, empty when there is none.
    pub fn label(&self) -> String {
        match (self.editing, self.text.is_empty()) {
            (true, _) => format!(" · /{}█", crate::sanitize::one_line(&self.text)),
            (false, false) => {
                format!(" · filter: {} (/ edits, Esc in it clears)", crate::sanitize::one_line(&self.text))
            }
            (false, true) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(f.text, "So");
        f.key(k(KeyCode::Enter));
        assert!(!f.editing && f.text == "So");
        assert!(f.label().contains("filter: So"));
        f.start();
        f.key(k(KeyCode::Esc));
        assert!(f.text.is_empty() && f.matches("anything"));
        assert!(!f.key(k(KeyCode::Up)));
    }
}
