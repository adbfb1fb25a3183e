//! Text measured in terminal columns (`unicode-width`), not in characters: a CJK character or
//! an emoji takes two columns, a combining mark none. Every width, padding and clipping of text
//! in the panes goes through here (or [`crate::present::format::clip`]).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The columns one character takes (0 for a control or combining character).
pub fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// `s` followed by spaces to `w` columns (as `{s:<w$}` would, counting columns).
pub fn pad_right(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// Spaces then `s`, to `w` columns (as `{s:>w$}` would, counting columns).
pub fn pad_left(s: &str, w: usize) -> String {
    let mut out: String = std::iter::repeat_n(' ', w.saturating_sub(width(s))).collect();
    out.push_str(s);
    out
}

/// The end of `s` that fits in `w` columns (what a one-line input shows when its text is longer
/// than the line: the part being typed).
pub fn tail(s: &str, w: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices().rev() {
        used += char_width(c);
        if used > w {
            return &s[i + c.len_utf8()..];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("claude"), 6);
        assert_eq!(width("模型"), 4);
        assert_eq!(width("⏰x"), 3);
        assert_eq!(width("é"), 1);
        assert_eq!(pad_right("模型", 6), "模型  ");
        assert_eq!(pad_left("模型", 6), "  模型");
        assert_eq!(pad_right("toolong", 3), "toolong");
        assert_eq!(tail("ab模型", 4), "模型");
        assert_eq!(tail("ab模型", 5), "b模型");
        assert_eq!(tail("ab", 5), "ab");
    }
}
