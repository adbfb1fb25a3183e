//! Properties the fuzz targets assert, shared between them.
//!
//! Every target first asserts "no panic" (libFuzzer reports a panic as a crash). Beyond that:
//! text headed for the terminal carries no control characters and no bidi controls; span trees
//! are trees (every parent exists, parent and children agree, no cycles, every span reachable
//! once from a root); the span-tree pane draws any parsed trace without panicking.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::trace::Trace;
use nightjar::ui::widgets::span_tree::{self, SpanTreeView};
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub static PRICES: LazyLock<PriceTable> = LazyLock::new(PriceTable::default);
pub static THEME: LazyLock<Theme> = LazyLock::new(Theme::default);

/// Bidi controls (Unicode's Bidi_Control property) and the zero-width / invisible format
/// characters the sanitiser promises to remove. Written out here, not taken from the
/// sanitiser, so the oracle is independent of the code under test.
pub fn is_bidi_or_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'
            | '\u{200c}'
            | '\u{200d}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// The first character that must never reach the terminal: a C0 or C1 control or DEL
/// (`char::is_control`, Unicode category Cc), or a bidi/invisible format character.
/// `\n` is allowed when `newlines` is set.
pub fn unsafe_char(s: &str, newlines: bool) -> Option<char> {
    s.chars().find(|&c| !(newlines && c == '\n') && (c.is_control() || is_bidi_or_invisible(c)))
}

#[track_caller]
pub fn assert_clean(s: &str, what: &str) {
    if let Some(c) = unsafe_char(s, false) {
        panic!("{what}: unsanitised U+{:04X} in {s:?}", c as u32);
    }
}

/// The tree invariants of a built trace.
pub fn check_trace(t: &Trace) {
    let n = t.spans.len();
    assert_eq!(t.totals.spans, n, "totals.spans");
    let mut ids = HashSet::new();
    for s in &t.spans {
        assert!(ids.insert(s.id.as_str()), "duplicate span id {:?} after de-duplication", s.id);
    }
    let mut root_set = HashSet::new();
    for &r in &t.roots {
        assert!((r as usize) < n, "root {r} out of range");
        assert!(root_set.insert(r), "root {r} listed twice");
        assert_eq!(t.span(r).parent, None, "root {r} has a parent");
    }
    for (i, s) in t.spans.iter().enumerate() {
        let me = i as u32;
        match s.parent {
            Some(p) => {
                assert!((p as usize) < n, "span {i}: parent {p} does not exist");
                assert_ne!(p, me, "span {i} is its own parent");
                let ps = t.span(p);
                assert!(ps.children.contains(&me), "span {i}: parent {p} does not list it as a child");
                assert_eq!(s.depth, ps.depth + 1, "span {i}: depth");
            }
            None => {
                assert!(root_set.contains(&me), "span {i} has no parent and is not a root");
                assert_eq!(s.depth, 0, "root {i}: depth");
            }
        }
        for &c in &s.children {
            assert!((c as usize) < n, "span {i}: child {c} does not exist");
            assert_eq!(t.span(c).parent, Some(me), "span {i}: child {c} names another parent");
        }
        assert!(
            s.children.windows(2).all(|w| t.span(w[0]).start.total_cmp(&t.span(w[1]).start).is_le()),
            "span {i}: children not in start order"
        );
        assert!(s.start.is_finite(), "span {i}: start {}", s.start);
        if let Some(e) = s.end {
            assert!(e.is_finite(), "span {i}: end {e}");
        }
        if let Some(d) = s.duration() {
            assert!(d >= 0.0, "span {i}: negative duration {d}");
        }
        if let Some(st) = s.self_time {
            assert!(st >= 0.0, "span {i}: self time {st}");
        }
        assert!(s.end.is_some() || s.in_progress, "span {i}: no end but not in progress");
    }
    // depth-first from the roots reaches every span exactly once: no cycles, nothing orphaned
    let pre = t.preorder();
    assert_eq!(pre.len(), n, "preorder length");
    let mut seen = vec![false; n];
    for i in pre {
        assert!(!seen[i as usize], "span {i} reached twice");
        seen[i as usize] = true;
    }
    assert!(t.start.is_finite() && t.end.is_finite() && t.start <= t.end, "trace {}..{}", t.start, t.end);
    let count = |f: fn(&nightjar::domain::trace::Span) -> bool| t.spans.iter().filter(|s| f(s)).count();
    assert_eq!(t.totals.faults, count(|s| s.fault));
    assert_eq!(t.totals.errors, count(|s| s.error));
    assert_eq!(t.totals.throttles, count(|s| s.throttle));
    assert_eq!(t.totals.in_progress, count(|s| s.in_progress));
    for b in &t.bad_documents {
        assert_clean(b, "bad document note");
    }
    // the JSON report serialises every trace
    serde_json::to_string(t).expect("a trace serialises");
}

/// Draw the trace in the span-tree pane (narrow and wide, tree and detail, after a few moves)
/// and check that no unsanitised text made it into the lines or the cells.
pub fn render_trace(t: Trace) {
    let t = Arc::new(t);
    assert_clean(&span_tree::summary_line(&t), "summary line");
    for s in t.spans.iter().take(64) {
        for redact in [false, true] {
            for line in span_tree::detail_lines(&t, s, redact, &THEME) {
                for span in &line.spans {
                    assert_clean(&span.content, "span detail");
                }
            }
        }
    }
    let mut v = SpanTreeView::with_trace(t.clone());
    let draw = |v: &mut SpanTreeView, w: u16, h: u16| {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
        term.draw(|f| span_tree::draw(f, f.area(), v, &THEME)).expect("draws");
        for cell in term.backend().buffer().content() {
            assert_clean(cell.symbol(), "span-tree cell");
        }
    };
    // (small screens: drawing dominates the time per input)
    draw(&mut v, 80, 24);
    v.expand_all();
    v.move_by(7);
    v.next_failure(true);
    draw(&mut v, 140, 16);
    v.collapse_all();
    v.bottom();
    v.detail_focus = true;
    v.redact = true;
    draw(&mut v, 60, 12);
}

/// Split fuzz input into documents / records: one per line.
pub fn lines(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data).split('\n').map(str::to_string).collect()
}
