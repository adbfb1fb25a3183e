//! The writer between ratatui's crossterm backend and the terminal, rewriting colour escapes.
//!
//! crossterm writes even the 16 basic colours in 256-colour syntax (`ESC[38;5;1m` for dark red),
//! which a true 16-colour terminal (the Linux console, a serial line, some minimal emulators)
//! does not understand. This writer turns every `38;5;N` / `48;5;N` with N < 16 into the basic
//! codes (`31`, `91`, `41`, `101`, …), which every terminal maps to the same palette entries. At
//! 16-colour depth it also brings 256-colour and RGB colours down to the nearest basic colour
//! and drops underline colours (`58;…`, which such terminals lack), so nothing but basic SGR
//! reaches the terminal.
//!
//! ratatui queues a frame's commands and flushes once per frame; the writer holds the bytes
//! until then and rewrites whole escape sequences, however crossterm split them across writes.

use std::io::{self, Write};

use ratatui::style::Color;

use super::theme::{ColorDepth, downgrade};

pub struct SgrWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    /// Bring 256-colour and RGB colours down to the basic 16.
    basic_only: bool,
}

impl<W: Write> SgrWriter<W> {
    pub fn new(inner: W, depth: ColorDepth) -> Self {
        Self { inner, buf: Vec::with_capacity(16 * 1024), basic_only: matches!(depth, ColorDepth::Ansi16) }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }
}

impl<W: Write> Write for SgrWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let out = rewrite(&self.buf, self.basic_only);
            self.buf.clear();
            self.inner.write_all(&out)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for SgrWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Rewrite the colour parameters of every SGR sequence (`ESC [ … m`) in `data`; everything
/// else passes through unchanged.
pub fn rewrite(data: &[u8], basic_only: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == 0x1b && data.get(i + 1) == Some(&b'[') {
            // parameters and intermediates, up to the final byte (0x40..=0x7e)
            let start = i + 2;
            let mut j = start;
            while j < data.len() && !(0x40..=0x7e).contains(&data[j]) {
                j += 1;
            }
            if j < data.len() && data[j] == b'm' && data[start..j].iter().all(|b| b.is_ascii_digit() || *b == b';') {
                let params = std::str::from_utf8(&data[start..j]).unwrap_or_default();
                let new = sgr_params(params, basic_only);
                // an SGR left empty by the rewrite (a lone underline colour) is dropped: `ESC[m`
                // would reset every attribute
                if !new.is_empty() || params.is_empty() {
                    out.extend_from_slice(b"\x1b[");
                    out.extend_from_slice(new.as_bytes());
                    out.push(b'm');
                }
                i = j + 1;
                continue;
            }
            let end = (j + 1).min(data.len());
            out.extend_from_slice(&data[i..end]);
            i = end;
            continue;
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// One SGR parameter list, rewritten. Empty when nothing is left (a lone underline colour).
fn sgr_params(params: &str, basic_only: bool) -> String {
    let p: Vec<&str> = params.split(';').collect();
    let num = |k: usize| p.get(k).and_then(|s| s.parse::<u16>().ok());
    let mut out: Vec<String> = Vec::with_capacity(p.len());
    let mut k = 0;
    while k < p.len() {
        let code = num(k);
        match (code, num(k + 1)) {
            (Some(c @ (38 | 48 | 58)), Some(5)) if num(k + 2).is_some_and(|n| n <= 255) => {
                let n = num(k + 2).unwrap_or(0) as u8;
                k += 3;
                if c == 58 {
                    if !basic_only {
                        out.push(format!("58;5;{n}"));
                    }
                    continue;
                }
                let idx = if n < 16 {
                    Some(n)
                } else if basic_only {
                    basic_index(downgrade(Color::Indexed(n), ColorDepth::Ansi16))
                } else {
                    None
                };
                out.push(match idx {
                    Some(b) => basic_code(b, c == 48).to_string(),
                    None => format!("{c};5;{n}"),
                });
            }
            (Some(c @ (38 | 48 | 58)), Some(2)) if (2..5).all(|o| num(k + o).is_some_and(|v| v <= 255)) => {
                let (r, g, b) =
                    (num(k + 2).unwrap_or(0) as u8, num(k + 3).unwrap_or(0) as u8, num(k + 4).unwrap_or(0) as u8);
                k += 5;
                if !basic_only {
                    out.push(format!("{c};2;{r};{g};{b}"));
                } else if c != 58
                    && let Some(i) = basic_index(downgrade(Color::Rgb(r, g, b), ColorDepth::Ansi16))
                {
                    out.push(basic_code(i, c == 48).to_string());
                }
            }
            _ => {
                out.push(p[k].to_string());
                k += 1;
            }
        }
    }
    out.join(";")
}

/// The basic SGR code for palette entry `i` (0–15): 30–37 / 90–97, or 40–47 / 100–107.
fn basic_code(i: u8, background: bool) -> u16 {
    let base: u16 = match (i < 8, background) {
        (true, false) => 30,
        (false, false) => 90,
        (true, true) => 40,
        (false, true) => 100,
    };
    base + u16::from(i % 8)
}

/// Palette index of a named colour.
fn basic_index(c: Color) -> Option<u8> {
    Some(match c {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) if i < 16 => i,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(s: &str, basic: bool) -> String {
        String::from_utf8(rewrite(s.as_bytes(), basic)).unwrap()
    }

    #[test]
    fn basic_colours_in_256_syntax_become_basic_codes() {
        assert_eq!(rw("\x1b[38;5;1mx", false), "\x1b[31mx");
        assert_eq!(rw("\x1b[38;5;9m", false), "\x1b[91m");
        assert_eq!(rw("\x1b[48;5;0m", false), "\x1b[40m");
        assert_eq!(rw("\x1b[48;5;15m", false), "\x1b[107m");
        // ratatui's SetColors: fg and bg in one sequence
        assert_eq!(rw("\x1b[38;5;14;48;5;4m", false), "\x1b[96;44m");
        assert_eq!(rw("\x1b[38;5;7;48;5;8m", false), "\x1b[37;100m");
    }

    #[test]
    fn other_sequences_and_text_pass_through() {
        let s = "a\x1b[2J\x1b[1;1H\x1b[0m\x1b[1m\x1b[39;49m\x1b]52;c;eA==\x07z";
        assert_eq!(rw(s, true), s);
        // a 256-colour or RGB colour stays as it is on a terminal that shows it
        assert_eq!(rw("\x1b[38;5;208m", false), "\x1b[38;5;208m");
        assert_eq!(rw("\x1b[48;2;1;2;3m", false), "\x1b[48;2;1;2;3m");
    }

    #[test]
    fn at_16_colours_nothing_but_basic_codes_is_left() {
        // 196 is pure red in the cube (nearest: bright red), 21 pure blue (nearest: xterm blue,
        // 0,0,238); RGB white on black
        assert_eq!(rw("\x1b[38;5;196m", true), "\x1b[91m");
        assert_eq!(rw("\x1b[48;5;21m", true), "\x1b[44m");
        assert_eq!(rw("\x1b[38;2;255;255;255;48;2;0;0;0m", true), "\x1b[97;40m");
        // underline colours have no basic form: dropped, the sequence with them if alone
        assert_eq!(rw("\x1b[58;5;3mx", true), "x");
        assert_eq!(rw("\x1b[1;58;2;1;2;3m", true), "\x1b[1m");
    }

    #[test]
    fn split_writes_are_rewritten_whole_at_flush() {
        let mut w = SgrWriter::new(Vec::new(), ColorDepth::Ansi16);
        for part in ["\x1b[", "38;", "5;1", "m", "hi", "\x1b[48;5;", "200m"] {
            w.write_all(part.as_bytes()).unwrap();
        }
        assert!(w.get_ref().is_empty(), "nothing reaches the terminal before the flush");
        w.flush().unwrap();
        let out = String::from_utf8(w.get_ref().clone()).unwrap();
        assert_eq!(out, "\x1b[31mhi\x1b[105m");
    }

    #[test]
    fn a_truncated_sequence_is_not_lost() {
        assert_eq!(rw("ab\x1b[38;5", true), "ab\x1b[38;5");
    }
}
