//! Themes are data: a TOML file of named colours, the default compiled in, a user file laid
//! over it. Errors name the file and the key.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

pub const DEFAULT_THEME: &str = include_str!("../../themes/default.toml");

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub text: Color,
    pub muted: Color,
    pub accent: Color,
    pub title: Color,
    pub header: Color,
    pub border: Color,
    pub border_focus: Color,
    pub selected_fg: Color,
    pub selected_bg: Color,
    pub ok: Color,
    pub warn: Color,
    pub crit: Color,
    pub stale: Color,
    pub chart: [Color; 4],
    pub status_bg: Color,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    colors: BTreeMap<String, String>,
}

const KEYS: &[&str] = &[
    "text",
    "muted",
    "accent",
    "title",
    "header",
    "border",
    "border_focus",
    "selected_fg",
    "selected_bg",
    "ok",
    "warn",
    "crit",
    "stale",
    "chart_1",
    "chart_2",
    "chart_3",
    "chart_4",
    "status_bg",
];

impl Default for Theme {
    fn default() -> Self {
        Self::parse(DEFAULT_THEME, "built-in themes/default.toml", None).expect("the built-in theme parses")
    }
}

pub fn parse_color(s: &str) -> Result<Color, String> {
    let l = s.trim().to_ascii_lowercase();
    if let Some(hex) = l.strip_prefix('#') {
        if hex.len() == 6
            && let Ok(v) = u32::from_str_radix(hex, 16)
        {
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return Err(format!("'{s}' is not a #rrggbb colour"));
    }
    if let Ok(i) = l.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    Ok(match l.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return Err(format!("unknown colour '{s}'")),
    })
}

impl Theme {
    pub fn parse(text: &str, origin: &str, base: Option<&Theme>) -> Result<Self, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim()))?;
        let mut t = base.cloned().unwrap_or_else(Self::blank);
        let mut set = std::collections::BTreeSet::new();
        for (k, v) in &file.colors {
            let c = parse_color(v).map_err(|e| format!("{origin}: colors.{k}: {e}"))?;
            let slot = match k.as_str() {
                "text" => &mut t.text,
                "muted" => &mut t.muted,
                "accent" => &mut t.accent,
                "title" => &mut t.title,
                "header" => &mut t.header,
                "border" => &mut t.border,
                "border_focus" => &mut t.border_focus,
                "selected_fg" => &mut t.selected_fg,
                "selected_bg" => &mut t.selected_bg,
                "ok" => &mut t.ok,
                "warn" => &mut t.warn,
                "crit" => &mut t.crit,
                "stale" => &mut t.stale,
                "chart_1" => &mut t.chart[0],
                "chart_2" => &mut t.chart[1],
                "chart_3" => &mut t.chart[2],
                "chart_4" => &mut t.chart[3],
                "status_bg" => &mut t.status_bg,
                _ => return Err(format!("{origin}: colors.{k}: unknown colour key (known: {})", KEYS.join(", "))),
            };
            *slot = c;
            set.insert(k.as_str());
        }
        if base.is_none()
            && let Some(missing) = KEYS.iter().find(|k| !set.contains(**k))
        {
            return Err(format!("{origin}: colors.{missing}: missing"));
        }
        Ok(t)
    }

    pub fn load_user(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string(), Some(&Self::default()))
    }

    fn blank() -> Self {
        Self {
            text: Color::Reset,
            muted: Color::Reset,
            accent: Color::Reset,
            title: Color::Reset,
            header: Color::Reset,
            border: Color::Reset,
            border_focus: Color::Reset,
            selected_fg: Color::Reset,
            selected_bg: Color::Reset,
            ok: Color::Reset,
            warn: Color::Reset,
            crit: Color::Reset,
            stale: Color::Reset,
            chart: [Color::Reset; 4],
            status_bg: Color::Reset,
        }
    }

    pub fn text(&self) -> Style {
        Style::default().fg(self.text)
    }
    pub fn muted(&self) -> Style {
        Style::default().fg(self.muted)
    }
    pub fn accent(&self) -> Style {
        Style::default().fg(self.accent)
    }
    pub fn title(&self) -> Style {
        Style::default().fg(self.title).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        Style::default().fg(self.header).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        Style::default().fg(if focused { self.border_focus } else { self.border })
    }
    pub fn selected(&self) -> Style {
        Style::default().fg(self.selected_fg).bg(self.selected_bg)
    }
    pub fn ok(&self) -> Style {
        Style::default().fg(self.ok)
    }
    pub fn warn(&self) -> Style {
        Style::default().fg(self.warn)
    }
    pub fn crit(&self) -> Style {
        Style::default().fg(self.crit).add_modifier(Modifier::BOLD)
    }
    pub fn stale(&self) -> Style {
        Style::default().fg(self.stale)
    }
    /// Style for a value by severity.
    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Ok => self.ok(),
            Level::Warn => self.warn(),
            Level::Crit => self.crit(),
            Level::None => self.text(),
        }
    }
}

/// How bad a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Ok,
    Warn,
    Crit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_theme_is_16_colour() {
        let t = Theme::default();
        for c in [t.text, t.muted, t.accent, t.ok, t.warn, t.crit, t.selected_bg] {
            assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
        }
        assert_eq!(t.crit, Color::LightRed);
    }

    #[test]
    fn user_theme_overrides_and_errors_name_file_and_key() {
        let t = Theme::parse("[colors]\naccent = \"#ff8800\"\nok = \"34\"\n", "mine.toml", Some(&Theme::default()))
            .unwrap();
        assert_eq!(t.accent, Color::Rgb(255, 136, 0));
        assert_eq!(t.ok, Color::Indexed(34));
        assert_eq!(t.warn, Theme::default().warn);
        let e = Theme::parse("[colors]\naccent = \"chartreuse\"\n", "mine.toml", Some(&Theme::default())).unwrap_err();
        assert_eq!(e, "mine.toml: colors.accent: unknown colour 'chartreuse'");
        let e = Theme::parse("[colors]\naccnet = \"red\"\n", "mine.toml", Some(&Theme::default())).unwrap_err();
        assert!(e.starts_with("mine.toml: colors.accnet: unknown colour key"), "{e}");
        let e = Theme::parse("[colors]\naccent = \"#12\"\n", "mine.toml", None).unwrap_err();
        assert!(e.contains("colors.accent"), "{e}");
    }
}
