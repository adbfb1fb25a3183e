//! Keymaps are data: TOML files mapping key specs to [`Action`] names, the default compiled in,
//! a user file laid over it per key. Errors name the file and the key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// The shipped keymaps, by name; vim and emacs are laid over the default.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", DEFAULT_KEYMAP),
    ("vim", include_str!("../../keymaps/vim.toml")),
    ("emacs", include_str!("../../keymaps/emacs.toml")),
];

/// A normalised key: code plus the modifiers that matter (ctrl, alt; shift only for
/// non-character keys, since `G` already carries it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// `KeyCode` with an order, for a stable help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(&'static str),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
];

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Option<Self> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let shift = ev.modifiers.contains(KeyModifiers::SHIFT);
        let (code, shift) = match ev.code {
            KeyCode::Char(c) => (KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }), false),
            KeyCode::F(n) => (KeyCodeOrd::F(n), shift),
            KeyCode::BackTab => (KeyCodeOrd::Named("backtab"), false),
            KeyCode::Tab if shift => (KeyCodeOrd::Named("backtab"), false),
            other => {
                let name = NAMED.iter().find(|(_, c)| *c == other)?.0;
                (KeyCodeOrd::Named(name), shift)
            }
        };
        Some(Self { code, ctrl, alt, shift })
    }

    /// Parse `ctrl-c`, `G`, `shift-tab`, `f5`, `-`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else if rest.len() > 1 && lower.starts_with("shift-") {
                shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if shift && c.is_ascii_alphabetic() {
                    shift = false;
                    KeyCodeOrd::Char(c.to_ascii_uppercase())
                } else if ctrl {
                    KeyCodeOrd::Char(c.to_ascii_lowercase())
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
            (None, _) => return Err("empty key".into()),
            _ => {
                let lower = rest.to_ascii_lowercase();
                if lower == "space" {
                    KeyCodeOrd::Char(' ')
                } else if let Some(n) =
                    lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()).filter(|n| (1..=12).contains(n))
                {
                    KeyCodeOrd::F(n)
                } else if lower == "tab" && shift {
                    shift = false;
                    KeyCodeOrd::Named("backtab")
                } else if let Some((name, _)) = NAMED.iter().find(|(n, _)| *n == lower) {
                    KeyCodeOrd::Named(name)
                } else {
                    return Err(format!("unknown key name '{rest}'"));
                }
            }
        };
        Ok(Self { code, ctrl, alt, shift })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        if self.shift {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Named("backtab") => f.write_str("Shift-Tab"),
            KeyCodeOrd::Named("pageup") => f.write_str("PgUp"),
            KeyCodeOrd::Named("pagedown") => f.write_str("PgDn"),
            KeyCodeOrd::Named(n) => {
                let mut c = n.chars();
                match c.next() {
                    Some(first) => write!(f, "{}{}", first.to_ascii_uppercase(), c.as_str()),
                    None => Ok(()),
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keys: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: BTreeMap<Key, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self::parse(DEFAULT_KEYMAP, "built-in keymaps/default.toml", None).expect("the built-in keymap parses")
    }
}

impl Keymap {
    /// Parse a keymap file. With `base`, its bindings are laid over the base per key; `none`
    /// unbinds a key. `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str, base: Option<&Keymap>) -> Result<Self, String> {
        let file: KeymapFile = toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim()))?;
        let mut bindings = base.map(|b| b.bindings.clone()).unwrap_or_default();
        let mut seen: BTreeMap<Key, String> = BTreeMap::new();
        for (spec, action) in &file.keys {
            let key = Key::parse(spec).map_err(|e| format!("{origin}: keys.\"{spec}\": {e}"))?;
            if let Some(other) = seen.insert(key, spec.clone()) {
                return Err(format!(
                    "{origin}: keys.\"{spec}\": the same key as keys.\"{other}\" (conflicting bindings)"
                ));
            }
            if action == "none" {
                bindings.remove(&key);
                continue;
            }
            let action: Action = serde_json::from_value(serde_json::Value::String(action.clone())).map_err(|_| {
                format!("{origin}: keys.\"{spec}\": unknown action '{action}' (see `?` in nightjar for the list)")
            })?;
            bindings.insert(key, action);
        }
        Ok(Self { bindings })
    }

    /// A shipped keymap by name, or a keymap file by path (laid over the default).
    pub fn resolve(name_or_path: &str) -> Result<Self, String> {
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, &format!("built-in keymaps/{name}.toml"), Some(&Self::default()));
        }
        let path = Path::new(name_or_path);
        if path.exists() || name_or_path.contains('/') || name_or_path.ends_with(".toml") {
            return Self::load_user(path);
        }
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(format!("unknown keymap '{name_or_path}': use one of {} or a path to a keymap file", names.join(", ")))
    }

    pub fn load_user(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string(), Some(&Self::default()))
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.bindings.get(&Key::from_event(ev)?).copied()
    }

    /// Keys bound to each action, in a stable order.
    pub fn by_action(&self) -> BTreeMap<Action, Vec<Key>> {
        let mut out: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        for (k, a) in &self.bindings {
            out.entry(*a).or_default().push(*k);
        }
        out
    }

    /// A key bound to `action`, as text (for footer hints): a plain key when there is one.
    pub fn key_for(&self, action: Action) -> Option<String> {
        let by = self.by_action();
        let keys = by.get(&action)?;
        keys.iter().find(|k| !k.ctrl && !k.alt).or(keys.first()).map(ToString::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn default_keymap_has_the_documented_keys() {
        let k = Keymap::default();
        assert_eq!(k.action(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), Some(Action::Quit));
        assert_eq!(k.action(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(k.action(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(Action::Help));
        assert_eq!(k.action(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(k.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::Down));
        assert_eq!(k.action(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::PrevPane));
        assert_eq!(k.action(&ev(KeyCode::Tab, KeyModifiers::NONE)), Some(Action::NextPane));
        assert_eq!(k.action(&ev(KeyCode::Char('2'), KeyModifiers::NONE)), Some(Action::Pane2));
        assert_eq!(k.action(&ev(KeyCode::Enter, KeyModifiers::NONE)), Some(Action::Select));
        assert_eq!(k.action(&ev(KeyCode::Esc, KeyModifiers::NONE)), Some(Action::Back));
        assert_eq!(k.action(&ev(KeyCode::Char('r'), KeyModifiers::NONE)), Some(Action::Refresh));
        assert_eq!(k.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Action::Cancel));
        assert_eq!(k.action(&ev(KeyCode::Char('z'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn user_keymap_overrides_per_key_and_unbinds() {
        let user = "[keys]\n\"x\" = \"quit\"\n\"q\" = \"none\"\n";
        let k = Keymap::parse(user, "user.toml", Some(&Keymap::default())).unwrap();
        assert_eq!(k.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Action::Quit));
        assert_eq!(k.action(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(k.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::Down));
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let e = Keymap::parse("[keys]\n\"z\" = \"explode\"\n", "/home/me/keys.toml", None).unwrap_err();
        assert_eq!(e, "/home/me/keys.toml: keys.\"z\": unknown action 'explode' (see `?` in nightjar for the list)");
        let e = Keymap::parse("[keys]\n\"ctrl-\" = \"quit\"\n\"hyper-q\" = \"quit\"\n", "k.toml", None).unwrap_err();
        assert!(e.starts_with("k.toml: keys.\""), "{e}");
        let e = Keymap::parse("[keys]\n\"G\" = \"quit\"\n\"shift-g\" = \"top\"\n", "k.toml", None).unwrap_err();
        assert!(e.contains("conflicting"), "{e}");
        let e = Keymap::parse("[kyes]\n", "k.toml", None).unwrap_err();
        assert!(e.contains("k.toml") && e.contains("kyes"), "{e}");
    }

    #[test]
    fn shipped_keymaps_load_and_differ() {
        let vim = Keymap::resolve("vim").unwrap();
        assert_eq!(vim.action(&ev(KeyCode::Char('d'), KeyModifiers::CONTROL)), Some(Action::PageDown));
        assert_eq!(vim.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), Some(Action::Down));
        let emacs = Keymap::resolve("emacs").unwrap();
        assert_eq!(emacs.action(&ev(KeyCode::Char('n'), KeyModifiers::CONTROL)), Some(Action::Down));
        assert_eq!(emacs.action(&ev(KeyCode::Char('g'), KeyModifiers::CONTROL)), Some(Action::Back));
        assert_eq!(emacs.action(&ev(KeyCode::Char('s'), KeyModifiers::CONTROL)), Some(Action::Filter));
        assert_eq!(emacs.action(&ev(KeyCode::Char('s'), KeyModifiers::ALT)), Some(Action::SaveReport));
        assert_eq!(emacs.action(&ev(KeyCode::Char('<'), KeyModifiers::ALT)), Some(Action::Top));
        assert!(Keymap::resolve("nano").unwrap_err().contains("unknown keymap 'nano'"));
        // every shipped keymap still reaches every action that matters
        for (name, _) in BUILTIN {
            let k = Keymap::resolve(name).unwrap();
            for a in
                [Action::Quit, Action::Help, Action::Back, Action::Select, Action::Up, Action::Down, Action::NextPane]
            {
                assert!(k.key_for(a).is_some(), "{name} has no key for {a:?}");
            }
        }
    }

    #[test]
    fn key_display() {
        assert_eq!(Key::parse("ctrl-c").unwrap().to_string(), "Ctrl-c");
        assert_eq!(Key::parse("shift-tab").unwrap().to_string(), "Shift-Tab");
        assert_eq!(Key::parse("pagedown").unwrap().to_string(), "PgDn");
        assert_eq!(Key::parse("f5").unwrap().to_string(), "F5");
        assert_eq!(Keymap::default().key_for(Action::Help).as_deref(), Some("?"));
        assert_eq!(Keymap::default().key_for(Action::Quit).as_deref(), Some("q"));
    }
}
