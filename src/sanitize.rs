//! Text from AWS (prompts, completions, log lines, error messages) is user-controlled: strip
//! everything that could drive the terminal before it is drawn.

/// Replace control characters (C0, DEL, C1), bidi overrides and other invisible formatting
/// characters with visible placeholders or spaces. Newlines and tabs become spaces too: use
/// [`multi_line`] to keep line structure.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_clean(&mut out, c, false);
    }
    out
}

/// Like [`one_line`] but keeps `\n` (and turns tabs into four spaces).
pub fn multi_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_clean(&mut out, c, true);
    }
    out
}

/// Decode bytes that may not be UTF-8, then sanitise.
pub fn bytes_one_line(b: &[u8]) -> String {
    one_line(&String::from_utf8_lossy(b))
}

/// JSON text (as serde_json writes it) that is safe to print on a terminal: serde_json escapes
/// C0 controls inside strings but writes DEL, C1 controls (U+0080–U+009F, which some terminals
/// obey even UTF-8 encoded) and bidi/invisible format characters as they are. Escape those as
/// `\uXXXX` too: the JSON decodes to exactly the same values. Outside strings serde_json's
/// output is ASCII, so this only ever touches string contents.
pub fn json_inert(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if matches!(c, '\u{7f}'..='\u{9f}') || is_invisible_format(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Bidi embeddings, overrides, isolates and marks; zero-width and other invisible format characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}

fn push_clean(out: &mut String, c: char, keep_newlines: bool) {
    match c {
        '\n' if keep_newlines => out.push('\n'),
        '\t' if keep_newlines => out.push_str("    "),
        '\n' | '\r' | '\t' => out.push(' '),
        '\u{1b}' => out.push('␛'),
        c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�')),
        '\u{7f}' => out.push('␡'),
        '\u{80}'..='\u{9f}' => out.push('�'),
        // bidi embeddings/overrides/isolates, zero-width and other invisible format characters
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}' => {
            out.push('�')
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_inert() {
        let evil = "ok\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt\r\nnext";
        let clean = one_line(evil);
        assert!(!clean.chars().any(|c| c.is_control()), "{clean:?}");
        assert!(clean.contains("␛]0;pwned␇␛[2J"));
        assert!(!clean.contains('\u{202e}'));
        assert!(!clean.contains('\n'));
    }

    #[test]
    fn multi_line_keeps_newlines_only() {
        let s = multi_line("a\tb\nc\u{1b}[1m");
        assert_eq!(s, "a    b\nc␛[1m");
    }

    #[test]
    fn json_stays_the_same_json_but_inert() {
        let v = serde_json::json!({"id": "a\u{1b}]0;x\u{7}\u{9b}31m\u{202e}b\u{7f}"});
        let raw = serde_json::to_string(&v).unwrap();
        assert!(raw.contains('\u{9b}') && raw.contains('\u{202e}'), "serde_json leaves these raw: {raw:?}");
        let inert = json_inert(&raw);
        assert_eq!(inert, r#"{"id":"a\u001b]0;x\u0007\u009b31m\u202eb\u007f"}"#);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&inert).unwrap(), v);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(bytes_one_line(b"a\xffb\x1b"), "a\u{fffd}b␛");
    }
}
