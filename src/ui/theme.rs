//! Themes are data: a TOML file of named colours, the default compiled in, a user file laid
//! over it. Errors name the file and the key.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

pub const DEFAULT_THEME: &str = include_str!("../../themes/default.toml");

/// The shipped themes, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", DEFAULT_THEME),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("solarized-dark", include_str!("../../themes/solarized-dark.toml")),
    ("tty", include_str!("../../themes/tty.toml")),
];

/// What the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    /// NO_COLOR, or a dumb terminal: attributes only (bold, reverse).
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// From the environment: NO_COLOR wins; then COLORTERM (truecolor/24bit); then TERM
    /// (`*-256color` → 256, `dumb` → none, anything else → the safe 16).
    pub fn detect(get: impl Fn(&str) -> Option<String>) -> Self {
        if get("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return Self::None;
        }
        let colorterm = get("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            return Self::TrueColor;
        }
        let term = get("TERM").unwrap_or_default().to_ascii_lowercase();
        if term == "dumb" {
            Self::None
        } else if term.contains("256color") || term.contains("direct") {
            Self::Ansi256
        } else {
            Self::Ansi16
        }
    }

    pub fn from_env() -> Self {
        Self::detect(|k| std::env::var(k).ok())
    }
}

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
    /// Charts and sparklines without braille or block glyphs (the tty theme, --ascii).
    pub ascii_charts: bool,
    /// ASCII borders and no box-drawing glyphs at all (--ascii, low-bandwidth links).
    pub ascii: bool,
    /// No colours at all (NO_COLOR): selection and severity use attributes instead.
    pub no_color: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    colors: BTreeMap<String, String>,
    ascii_charts: Option<bool>,
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
        if let Some(a) = file.ascii_charts {
            t.ascii_charts = a;
        }
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
            ascii_charts: false,
            ascii: false,
            no_color: false,
        }
    }

    /// A shipped theme by name, or a theme file by path (laid over the default).
    pub fn resolve(name_or_path: &str) -> Result<Self, String> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            let base = Self::parse(DEFAULT_THEME, "built-in themes/default.toml", None)?;
            return Self::parse(text, &format!("built-in themes/{name_or_path}.toml"), Some(&base));
        }
        let path = Path::new(name_or_path);
        if path.exists() || name_or_path.contains('/') || name_or_path.ends_with(".toml") {
            return Self::load_user(path);
        }
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(format!("unknown theme '{name_or_path}': use one of {} or a path to a theme file", names.join(", ")))
    }

    /// The same theme as the terminal can show it: true colour is mapped to the nearest of
    /// 256 or 16 colours, and with no colour at all only attributes remain.
    pub fn for_depth(mut self, depth: ColorDepth) -> Self {
        let map = |c: Color| downgrade(c, depth);
        for c in [
            &mut self.text,
            &mut self.muted,
            &mut self.accent,
            &mut self.title,
            &mut self.header,
            &mut self.border,
            &mut self.border_focus,
            &mut self.selected_fg,
            &mut self.selected_bg,
            &mut self.ok,
            &mut self.warn,
            &mut self.crit,
            &mut self.stale,
            &mut self.status_bg,
        ] {
            *c = map(*c);
        }
        for c in &mut self.chart {
            *c = map(*c);
        }
        self.no_color = depth == ColorDepth::None;
        self
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
        if self.no_color {
            return Style::default().add_modifier(Modifier::REVERSED);
        }
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
    /// `unicode`, or `ascii` in --ascii mode.
    pub fn glyph(&self, unicode: &'static str, ascii: &'static str) -> &'static str {
        if self.ascii { ascii } else { unicode }
    }
    /// The chart marker: braille (8 dots a cell), or plain dots without braille.
    pub fn marker(&self) -> ratatui::symbols::Marker {
        if self.ascii_charts { ratatui::symbols::Marker::Dot } else { ratatui::symbols::Marker::Braille }
    }
    /// Borders: box-drawing, or plain ASCII for --ascii.
    pub fn border_set(&self) -> ratatui::symbols::border::Set<'static> {
        if self.ascii { ASCII_BORDER } else { ratatui::symbols::border::PLAIN }
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

/// `+-|` borders for terminals and links where box-drawing characters are a problem.
pub const ASCII_BORDER: ratatui::symbols::border::Set<'static> = ratatui::symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// The xterm default RGB values of the 16 ANSI colours.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
    }
}

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> i32 {
    let (r, g, bl) =
        (i32::from(a.0) - i32::from(b.0), i32::from(a.1) - i32::from(b.1), i32::from(a.2) - i32::from(b.2));
    r * r + g * g + bl * bl
}

fn nearest16(rgb: (u8, u8, u8)) -> Color {
    ANSI16.iter().min_by_key(|(_, c)| dist(*c, rgb)).map(|(c, _)| *c).unwrap_or(Color::Reset)
}

fn nearest256(rgb: (u8, u8, u8)) -> Color {
    (16..=255u8).min_by_key(|i| dist(indexed_rgb(*i), rgb)).map(Color::Indexed).unwrap_or(Color::Reset)
}

/// One colour as a terminal of `depth` can show it.
pub fn downgrade(c: Color, depth: ColorDepth) -> Color {
    match (c, depth) {
        (_, ColorDepth::None) => Color::Reset,
        (Color::Rgb(r, g, b), ColorDepth::Ansi256) => nearest256((r, g, b)),
        (Color::Rgb(r, g, b), ColorDepth::Ansi16) => nearest16((r, g, b)),
        (Color::Indexed(i), ColorDepth::Ansi16) => nearest16(indexed_rgb(i)),
        (c, _) => c,
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
    fn every_shipped_theme_loads() {
        for (name, _) in BUILTIN {
            let t = Theme::resolve(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_ne!(t.selected_bg, t.selected_fg, "{name}");
        }
        assert!(Theme::resolve("tty").unwrap().ascii_charts);
        assert!(!Theme::resolve("default").unwrap().ascii_charts);
        let e = Theme::resolve("neon").unwrap_err();
        assert!(e.contains("unknown theme 'neon'") && e.contains("solarized-dark"), "{e}");
    }

    #[test]
    fn colour_depth_detection() {
        fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        }
        assert_eq!(ColorDepth::detect(env(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")])), ColorDepth::None);
        assert_eq!(ColorDepth::detect(env(&[("COLORTERM", "truecolor"), ("TERM", "xterm")])), ColorDepth::TrueColor);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "tmux-256color")])), ColorDepth::Ansi256);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "screen")])), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::detect(env(&[("TERM", "dumb")])), ColorDepth::None);
        assert_eq!(ColorDepth::detect(env(&[("NO_COLOR", "")])), ColorDepth::Ansi16);
    }

    #[test]
    fn true_colour_falls_back() {
        let s = Theme::resolve("solarized-dark").unwrap();
        assert!(matches!(s.crit, Color::Rgb(..)));
        let s16 = s.clone().for_depth(ColorDepth::Ansi16);
        for c in [s16.text, s16.crit, s16.ok, s16.selected_bg, s16.chart[0]] {
            assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
        }
        assert_eq!(s16.crit, Color::Red);
        let s256 = s.clone().for_depth(ColorDepth::Ansi256);
        assert!(matches!(s256.crit, Color::Indexed(i) if i >= 16));
        let none = s.for_depth(ColorDepth::None);
        assert_eq!(none.crit, Color::Reset);
        assert!(none.selected().add_modifier.contains(Modifier::REVERSED));
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
