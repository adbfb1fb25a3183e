//! Render a ratatui buffer as SVG: the screenshots in `screenshots/` come from the real
//! renderer this way (ratatui has no image export of its own).

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FONT_SIZE: f64 = 14.0;
const BG: &str = "#1d1f21";
const FG: &str = "#c5c8c6";
const LIGHT_BG: &str = "#fdfdfd";
const LIGHT_FG: &str = "#2e3436";

/// The terminal a picture is drawn as: a dark one, or a light one (for the light theme).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backdrop {
    #[default]
    Dark,
    Light,
}

impl Backdrop {
    fn bg(self) -> &'static str {
        match self {
            Backdrop::Dark => BG,
            Backdrop::Light => LIGHT_BG,
        }
    }
    fn fg(self) -> &'static str {
        match self {
            Backdrop::Dark => FG,
            Backdrop::Light => LIGHT_FG,
        }
    }
}

/// A light terminal's palette (GNOME Terminal's Tango, as most light setups use).
fn light_hex(c: Color, default: &str) -> String {
    match c {
        Color::Reset => default.to_string(),
        Color::Black => "#2e3436".into(),
        Color::Red => "#cc0000".into(),
        Color::Green => "#4e9a06".into(),
        Color::Yellow => "#c4a000".into(),
        Color::Blue => "#3465a4".into(),
        Color::Magenta => "#75507b".into(),
        Color::Cyan => "#06989a".into(),
        Color::Gray => "#d3d7cf".into(),
        Color::DarkGray => "#555753".into(),
        Color::LightRed => "#ef2929".into(),
        Color::LightGreen => "#8ae234".into(),
        Color::LightYellow => "#fce94f".into(),
        Color::LightBlue => "#729fcf".into(),
        Color::LightMagenta => "#ad7fa8".into(),
        Color::LightCyan => "#34e2e2".into(),
        Color::White => "#eeeeec".into(),
        other => hex(other, default),
    }
}

fn colour(c: Color, default: &str, backdrop: Backdrop) -> String {
    match backdrop {
        Backdrop::Dark => hex(c, default),
        Backdrop::Light => light_hex(c, default),
    }
}

/// A dark terminal palette for the 16 ANSI colours (xterm-like, slightly softened).
fn hex(c: Color, default: &str) -> String {
    match c {
        Color::Reset => default.to_string(),
        Color::Black => "#1d1f21".into(),
        Color::Red => "#cc6666".into(),
        Color::Green => "#b5bd68".into(),
        Color::Yellow => "#f0c674".into(),
        Color::Blue => "#81a2be".into(),
        Color::Magenta => "#b294bb".into(),
        Color::Cyan => "#8abeb7".into(),
        Color::Gray => "#c5c8c6".into(),
        Color::DarkGray => "#707880".into(),
        Color::LightRed => "#ff7b7b".into(),
        Color::LightGreen => "#d0e080".into(),
        Color::LightYellow => "#ffe08a".into(),
        Color::LightBlue => "#a0c0ff".into(),
        Color::LightMagenta => "#e0a0ff".into(),
        Color::LightCyan => "#a0ffff".into(),
        Color::White => "#ffffff".into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => {
            let (r, g, b) = match i {
                16..=231 => {
                    let i = i - 16;
                    let l = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
                    (l(i / 36), l((i / 6) % 6), l(i % 6))
                }
                232..=255 => {
                    let g = 8 + (i - 232) * 10;
                    (g, g, g)
                }
                _ => return default.to_string(),
            };
            format!("#{r:02x}{g:02x}{b:02x}")
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The buffer as an SVG document, on a dark terminal.
pub fn render(buf: &Buffer) -> String {
    render_on(buf, Backdrop::Dark)
}

/// The buffer as an SVG document, on a dark or a light terminal.
pub fn render_on(buf: &Buffer, backdrop: Backdrop) -> String {
    let (bg_default, fg_default) = (backdrop.bg(), backdrop.fg());
    let area = buf.area;
    let (w, h) = (f64::from(area.width) * CELL_W, f64::from(area.height) * CELL_H);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT_SIZE}">"#
    );
    let _ = write!(out, r#"<rect width="100%" height="100%" fill="{bg_default}"/>"#);
    for y in 0..area.height {
        // backgrounds
        for x in 0..area.width {
            let cell = &buf[(x, y)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let bg = if reversed { cell.fg } else { cell.bg };
            if bg != Color::Reset || reversed {
                let fill = colour(bg, if reversed { fg_default } else { bg_default }, backdrop);
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H}" fill="{fill}"/>"#,
                    f64::from(x) * CELL_W,
                    f64::from(y) * CELL_H,
                    CELL_W + 0.2
                );
            }
        }
        // text, one element per cell so wide fonts cannot drift the columns
        for x in 0..area.width {
            let cell = &buf[(x, y)];
            let sym = cell.symbol();
            if sym.trim().is_empty() {
                continue;
            }
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let fg =
                if reversed { colour(cell.bg, bg_default, backdrop) } else { colour(cell.fg, fg_default, backdrop) };
            let weight = if cell.modifier.contains(Modifier::BOLD) { r#" font-weight="bold""# } else { "" };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{fg}"{weight}>{}</text>"#,
                f64::from(x) * CELL_W,
                f64::from(y) * CELL_H + CELL_H * 0.78,
                escape(sym)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    #[test]
    fn cells_become_text_and_backgrounds() {
        let mut b = Buffer::empty(Rect::new(0, 0, 4, 2));
        b.set_string(0, 0, "a<b", Style::default().fg(Color::Red));
        b.set_string(0, 1, "x", Style::default().bg(Color::Blue));
        let svg = render(&b);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(">&lt;</text>"), "escaped: {svg}");
        assert!(svg.contains(r##"fill="#cc6666">a</text>"##), "{svg}");
        assert!(svg.contains(r##"fill="#81a2be"/>"##), "blue background: {svg}");
        assert_eq!(svg.matches("<text").count(), 4);
    }
}
