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

/// The buffer as an SVG document.
pub fn render(buf: &Buffer) -> String {
    let area = buf.area;
    let (w, h) = (f64::from(area.width) * CELL_W, f64::from(area.height) * CELL_H);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT_SIZE}">"#
    );
    let _ = write!(out, r#"<rect width="100%" height="100%" fill="{BG}"/>"#);
    for y in 0..area.height {
        // backgrounds
        for x in 0..area.width {
            let cell = &buf[(x, y)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let bg = if reversed { cell.fg } else { cell.bg };
            if bg != Color::Reset || reversed {
                let fill = hex(bg, if reversed { FG } else { BG });
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
            let fg = if reversed { hex(cell.bg, BG) } else { hex(cell.fg, FG) };
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
