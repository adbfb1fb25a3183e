//! One trace's span tree: a waterfall bar per span aligned to the trace's start, duration and
//! self time, model, tokens and cost inline, faults / errors / throttles coloured, the critical
//! path marked, and a detail panel with everything about the selected span.
//!
//! Built for traces of any size: the tree is an arena ([`Trace`]) plus a flattened list of the
//! visible rows that is kept up to date incrementally (expanding or collapsing one node splices
//! only its subtree in or out; expand-all / collapse-all rebuild it once), and each frame draws
//! only the rows on screen. Nothing per frame is proportional to the trace's size. (tui-tree-widget
//! flattens every opened node on each render, measured at 55 ms a frame for 110k rows; it is not
//! used here.)

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span as TSpan};
use ratatui::widgets::{Paragraph, Wrap};
use serde_json::Value;

use super::text::width;
use super::{block, draw_message};
use crate::domain::catalog::short_model_name;
use crate::domain::trace::{Span, SpanIdx, Trace};
use crate::present::format::{self, NONE};
use crate::sanitize;
use crate::ui::theme::Theme;

/// Traces with more spans than this open with only their top levels expanded.
pub const EXPAND_ALL_UP_TO: usize = 5000;
/// Depth shown expanded when a big trace opens.
const OPEN_DEPTH: u32 = 2;
/// Indentation stops growing past this depth (the depth is shown as a number instead).
const MAX_INDENT_DEPTH: u32 = 12;

/// The view state of one open trace.
#[derive(Debug, Clone)]
pub struct SpanTreeView {
    pub trace_id: String,
    pub region: String,
    trace: Option<Arc<Trace>>,
    expanded: Vec<bool>,
    /// Position of each span in the full depth-first order.
    pre_pos: Vec<u32>,
    /// Depth-first order of all spans.
    preorder: Vec<SpanIdx>,
    /// Depth-first positions of the failing spans, ascending.
    failures: Vec<u32>,
    /// The rows on screen if the screen were infinitely tall: a depth-first subsequence.
    visible: Vec<SpanIdx>,
    pub cursor: usize,
    offset: usize,
    /// The detail panel has the keys (and the whole pane).
    pub detail_focus: bool,
    pub detail_scroll: u16,
    /// Hide prompt and completion text.
    pub redact: bool,
    /// Rows the tree showed in the last frame (for paging).
    pub page: usize,
}

impl SpanTreeView {
    pub fn new(trace_id: &str, region: &str) -> Self {
        Self {
            trace_id: trace_id.into(),
            region: region.into(),
            trace: None,
            expanded: Vec::new(),
            pre_pos: Vec::new(),
            preorder: Vec::new(),
            failures: Vec::new(),
            visible: Vec::new(),
            cursor: 0,
            offset: 0,
            detail_focus: false,
            detail_scroll: 0,
            redact: false,
            page: 10,
        }
    }

    /// A view of an already-fetched trace.
    pub fn with_trace(trace: Arc<Trace>) -> Self {
        let mut v = Self::new(&trace.id, &trace.region);
        v.attach(trace);
        v
    }

    pub fn trace(&self) -> Option<&Arc<Trace>> {
        self.trace.as_ref()
    }

    pub fn is_loaded(&self) -> bool {
        self.trace.is_some()
    }

    /// Take the fetched trace: index it once, open it (small traces whole, big ones to depth
    /// 2), and put the cursor on the first failure that no child explains (the root cause).
    pub fn attach(&mut self, trace: Arc<Trace>) {
        let n = trace.spans.len();
        self.preorder = trace.preorder();
        self.pre_pos = vec![0; n];
        for (p, s) in self.preorder.iter().enumerate() {
            self.pre_pos[*s as usize] = p as u32;
        }
        self.failures = self
            .preorder
            .iter()
            .enumerate()
            .filter(|(_, s)| trace.spans[**s as usize].failed())
            .map(|(p, _)| p as u32)
            .collect();
        self.expanded = if n <= EXPAND_ALL_UP_TO {
            vec![true; n]
        } else {
            trace.spans.iter().map(|s| s.depth < OPEN_DEPTH).collect()
        };
        let root_cause = self
            .preorder
            .iter()
            .copied()
            .find(|s| trace.spans[*s as usize].failed() && !trace.spans[*s as usize].failure_below);
        self.trace = Some(trace);
        if let Some(s) = root_cause {
            self.reveal(s);
        }
        self.rebuild();
        self.cursor = root_cause.and_then(|s| self.visible_pos(s)).unwrap_or(0);
    }

    fn t(&self) -> &Trace {
        self.trace.as_deref().expect("a loaded trace")
    }

    /// Rows on screen if the screen were infinitely tall.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    pub fn visible_spans(&self) -> &[SpanIdx] {
        &self.visible
    }

    pub fn selected(&self) -> Option<&Span> {
        let t = self.trace.as_deref()?;
        self.visible.get(self.cursor).map(|i| &t.spans[*i as usize])
    }

    /// Recompute every visible row (expand-all, collapse-all, reveal): O(spans).
    fn rebuild(&mut self) {
        let Some(t) = self.trace.clone() else { return };
        self.visible.clear();
        let mut stack: Vec<SpanIdx> = t.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            self.visible.push(i);
            if self.expanded[i as usize] {
                stack.extend(t.spans[i as usize].children.iter().rev());
            }
        }
        self.cursor = self.cursor.min(self.visible.len().saturating_sub(1));
    }

    /// The visible rows under `i` (honouring their own expanded state), in order.
    fn visible_below(&self, i: SpanIdx) -> Vec<SpanIdx> {
        let t = self.t();
        let mut out = Vec::new();
        let mut stack: Vec<SpanIdx> = t.spans[i as usize].children.iter().rev().copied().collect();
        while let Some(c) = stack.pop() {
            out.push(c);
            if self.expanded[c as usize] {
                stack.extend(t.spans[c as usize].children.iter().rev());
            }
        }
        out
    }

    /// Where span `s` is among the visible rows (they are in depth-first order).
    fn visible_pos(&self, s: SpanIdx) -> Option<usize> {
        let key = self.pre_pos[s as usize];
        self.visible.binary_search_by_key(&key, |v| self.pre_pos[*v as usize]).ok()
    }

    /// Expand every ancestor of `s`.
    fn reveal(&mut self, s: SpanIdx) {
        let Some(t) = self.trace.clone() else { return };
        let mut p = t.spans[s as usize].parent;
        while let Some(i) = p {
            self.expanded[i as usize] = true;
            p = t.spans[i as usize].parent;
        }
    }

    fn has_children(&self, i: SpanIdx) -> bool {
        !self.t().spans[i as usize].children.is_empty()
    }

    /// Expand or collapse the row under the cursor: splices only that subtree.
    pub fn toggle(&mut self) {
        let Some(&i) = self.visible.get(self.cursor) else { return };
        if !self.has_children(i) {
            return;
        }
        if self.expanded[i as usize] {
            self.collapse_at(self.cursor);
        } else {
            self.expand_at(self.cursor);
        }
    }

    fn collapse_at(&mut self, pos: usize) {
        let i = self.visible[pos];
        self.expanded[i as usize] = false;
        let depth = self.t().spans[i as usize].depth;
        let spans = &self.trace.as_deref().expect("loaded").spans;
        let end = self.visible[pos + 1..]
            .iter()
            .position(|v| spans[*v as usize].depth <= depth)
            .map_or(self.visible.len(), |k| pos + 1 + k);
        self.visible.drain(pos + 1..end);
        if self.cursor > pos && self.cursor < end {
            self.cursor = pos;
        } else if self.cursor >= end {
            self.cursor -= end - pos - 1;
        }
    }

    fn expand_at(&mut self, pos: usize) {
        let i = self.visible[pos];
        self.expanded[i as usize] = true;
        let below = self.visible_below(i);
        let n = below.len();
        self.visible.splice(pos + 1..pos + 1, below);
        if self.cursor > pos {
            self.cursor += n;
        }
    }

    pub fn expand_all(&mut self) {
        let sel = self.visible.get(self.cursor).copied();
        self.expanded.iter_mut().for_each(|e| *e = true);
        self.rebuild();
        if let Some(p) = sel.and_then(|s| self.visible_pos(s)) {
            self.cursor = p;
        }
    }

    pub fn collapse_all(&mut self) {
        let sel = self.visible.get(self.cursor).copied();
        self.expanded.iter_mut().for_each(|e| *e = false);
        // keep the roots' children in sight: collapsing everything to one line helps nobody
        if let Some(t) = self.trace.clone() {
            for r in &t.roots {
                self.expanded[*r as usize] = true;
            }
        }
        self.rebuild();
        // the cursor goes to the selected span's nearest visible ancestor
        if let (Some(mut s), Some(t)) = (sel, self.trace.clone()) {
            loop {
                if let Some(p) = self.visible_pos(s) {
                    self.cursor = p;
                    break;
                }
                match t.spans[s as usize].parent {
                    Some(p) => s = p,
                    None => break,
                }
            }
        }
    }

    /// Left: collapse, or go to the parent.
    pub fn left(&mut self) {
        let Some(&i) = self.visible.get(self.cursor) else { return };
        if self.expanded[i as usize] && self.has_children(i) {
            self.collapse_at(self.cursor);
        } else if let Some(p) = self.t().spans[i as usize].parent
            && let Some(pos) = self.visible_pos(p)
        {
            self.cursor = pos;
        }
    }

    /// Right: expand, or go to the first child.
    pub fn right(&mut self) {
        let Some(&i) = self.visible.get(self.cursor) else { return };
        if !self.has_children(i) {
            return;
        }
        if !self.expanded[i as usize] {
            self.expand_at(self.cursor);
        } else {
            self.cursor = (self.cursor + 1).min(self.visible.len().saturating_sub(1));
        }
    }

    pub fn move_by(&mut self, d: isize) {
        let last = self.visible.len().saturating_sub(1) as isize;
        self.cursor = (self.cursor as isize + d).clamp(0, last.max(0)) as usize;
    }

    pub fn top(&mut self) {
        self.cursor = 0;
    }

    pub fn bottom(&mut self) {
        self.cursor = self.visible.len().saturating_sub(1);
    }

    /// Jump to the next (or previous) failing span in depth-first order, wrapping, expanding
    /// what hides it. Returns false when the trace has no failing span.
    pub fn next_failure(&mut self, forward: bool) -> bool {
        if self.failures.is_empty() || self.trace.is_none() {
            return false;
        }
        let cur = self.visible.get(self.cursor).map(|s| self.pre_pos[*s as usize]).unwrap_or(0);
        let k = if forward {
            self.failures.iter().position(|p| *p > cur).unwrap_or_default()
        } else {
            match self.failures.iter().rposition(|p| *p < cur) {
                Some(k) => k,
                None => self.failures.len() - 1,
            }
        };
        let target = self.preorder[self.failures[k] as usize];
        if self.visible_pos(target).is_none() {
            self.reveal(target);
            self.rebuild();
        }
        if let Some(p) = self.visible_pos(target) {
            self.cursor = p;
        }
        true
    }

    /// The selected span's id.
    pub fn selected_id(&self) -> Option<String> {
        self.selected().map(|s| s.id.clone())
    }

    /// Keep the cursor on screen, for a tree `h` rows tall.
    fn scroll(&mut self, h: usize) {
        if h == 0 {
            return;
        }
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(self.visible.len().saturating_sub(h));
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing

/// Column widths of the tree, from the width available.
struct Cols {
    dur: usize,
    self_t: usize,
    tokens: usize,
    cost: usize,
    bar: usize,
    name: usize,
    model: bool,
}

fn cols(width: usize) -> Cols {
    let (dur, self_t, tokens, cost) = (6, 6, 5, 8);
    let bar = if width >= 150 {
        40
    } else if width >= 110 {
        30
    } else {
        (width / 6).max(8)
    };
    // gutter, then " dur self tok cost bar" each after a space
    let fixed = 1 + (1 + dur) + (1 + self_t) + (1 + tokens) + (1 + cost) + (1 + bar);
    let name = width.saturating_sub(fixed).max(10);
    Cols { dur, self_t, tokens, cost, bar, name, model: name >= 30 }
}

/// A request's or a span's cost: four decimals below a dollar, tiny amounts not rounded to 0.
pub fn cost_label(v: f64) -> String {
    if v > 0.0 && v < 0.0001 {
        "<$0.0001".into()
    } else if v < 1.0 {
        format!("${v:.4}")
    } else {
        format::usd(v)
    }
}

fn secs(v: f64) -> String {
    format::ms(v * 1000.0)
}

fn span_style(s: &Span, theme: &Theme) -> Style {
    if s.fault {
        theme.crit()
    } else if s.throttle || s.error {
        theme.warn()
    } else {
        theme.text()
    }
}

fn flags(s: &Span) -> String {
    let mut v = Vec::new();
    if s.fault {
        v.push("fault");
    }
    if s.throttle {
        v.push("throttled");
    } else if s.error {
        v.push("error");
    }
    if s.in_progress {
        v.push("in progress");
    }
    if v.is_empty() { String::new() } else { format!(" [{}]", v.join(",")) }
}

/// The waterfall bar for `[start, end]` of a trace `[t0, t0 + d]`, `w` cells wide.
pub fn bar(start: f64, end: f64, t0: f64, d: f64, w: usize) -> String {
    if w == 0 {
        return String::new();
    }
    let d = if d > 0.0 { d } else { 1.0 };
    let x0 = ((start - t0) / d * w as f64).clamp(0.0, w as f64);
    let x1 = ((end - t0) / d * w as f64).clamp(0.0, w as f64);
    let a = (x0.floor() as usize).min(w - 1);
    let b = (x1.ceil() as usize).clamp(a + 1, w);
    let mut out = String::with_capacity(w * 3);
    out.extend(std::iter::repeat_n(' ', a));
    if x1 - x0 < 0.5 {
        out.push('▏');
    } else {
        out.extend(std::iter::repeat_n('█', b - a));
    }
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(&out))));
    out
}

fn pad_left(s: &str, w: usize) -> String {
    super::text::pad_left(&format::clip(s, w), w)
}

/// One tree row.
fn row_line<'a>(t: &Trace, v: &SpanTreeView, i: SpanIdx, c: &Cols, selected: bool, theme: &Theme) -> Line<'a> {
    let s = &t.spans[i as usize];
    let mut spans: Vec<TSpan> = Vec::with_capacity(12);
    spans.push(if s.critical { TSpan::styled("◆", theme.accent()) } else { TSpan::raw(" ") });
    let depth = s.depth.min(MAX_INDENT_DEPTH) as usize;
    let mut name = " ".repeat(depth * 2);
    if s.depth > MAX_INDENT_DEPTH {
        name.push_str(&format!("{}›", s.depth));
    }
    let exp = if s.children.is_empty() {
        "  "
    } else if v.expanded[i as usize] {
        "▾ "
    } else {
        "▸ "
    };
    name.push_str(exp);
    name.push_str(&sanitize::one_line(&s.name));
    let fl = flags(s);
    // the model, unless the span's name already says it (`chat <model>`)
    let model = s
        .genai
        .model()
        .filter(|m| c.model && !s.name.contains(m))
        .map(|m| format!(" · {}", short_model_name(&sanitize::one_line(m))));
    // name, then flags, then the model, clipped together to the name column
    let mut rest = c.name;
    let name_txt = format::clip(&name, rest);
    rest = rest.saturating_sub(width(&name_txt));
    let fl_txt = format::clip(&fl, rest);
    rest = rest.saturating_sub(width(&fl_txt));
    let model_txt = model.map(|m| format::clip(&m, rest)).unwrap_or_default();
    rest = rest.saturating_sub(width(&model_txt));
    let collapsed_failure = !v.expanded[i as usize] && s.failure_below;
    spans.push(TSpan::styled(name_txt, span_style(s, theme)));
    spans.push(TSpan::styled(fl_txt, span_style(s, theme).add_modifier(Modifier::BOLD)));
    spans.push(TSpan::styled(model_txt, theme.muted()));
    spans.push(TSpan::raw(" ".repeat(rest)));
    spans.push(TSpan::raw(" "));
    spans.push(TSpan::raw(pad_left(&s.duration().map(secs).unwrap_or_else(|| "…".into()), c.dur)));
    spans.push(TSpan::raw(" "));
    spans.push(TSpan::styled(pad_left(&s.self_time.map(secs).unwrap_or_else(|| NONE.into()), c.self_t), theme.muted()));
    spans.push(TSpan::raw(" "));
    let tok_style = if s.counted { theme.text() } else { theme.muted() };
    spans.push(TSpan::styled(pad_left(&s.genai.tokens().map(format::count).unwrap_or_default(), c.tokens), tok_style));
    spans.push(TSpan::raw(" "));
    let cost = match (s.genai.cost_usd, s.genai.tokens()) {
        (Some(x), _) => cost_label(x),
        (None, Some(_)) if s.genai.model().is_some() => "noprice".into(),
        _ => String::new(),
    };
    spans.push(TSpan::styled(pad_left(&cost, c.cost), tok_style));
    spans.push(TSpan::raw(" "));
    let end = s.end.unwrap_or(t.end);
    let bar_style = if s.fault {
        theme.crit()
    } else if s.throttle || s.error {
        theme.warn()
    } else if s.critical {
        theme.accent()
    } else {
        theme.muted()
    };
    let bar_style = if collapsed_failure && !s.failed() { theme.warn() } else { bar_style };
    spans.push(TSpan::styled(bar(s.start, end, t.start, t.duration(), c.bar), bar_style));
    if selected {
        // the selection's colours over every part, as a table's highlighted row has them: a
        // muted or coloured part left as it is can vanish into the selection's background
        // (grey on white in the tty theme)
        // (the waterfall bar keeps its colour on the selection's background, unless it is that
        // colour)
        let sel = theme.selected();
        let n = spans.len();
        let spans: Vec<TSpan> = spans
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                if i + 1 == n && s.style.fg.is_some() && s.style.fg != sel.bg {
                    s.patch_style(Style { fg: None, ..sel })
                } else {
                    s.patch_style(sel)
                }
            })
            .collect();
        return Line::from(spans).style(sel);
    }
    Line::from(spans)
}

/// The header line of an open trace.
pub fn summary_line(t: &Trace) -> String {
    let root = t.roots.first().map(|r| &t.spans[*r as usize]);
    let op = root
        .and_then(|r| r.http.as_ref())
        .map(|h| {
            let path = h.url.as_deref().map(|u| {
                let no_scheme = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
                no_scheme.find('/').map(|i| no_scheme[i..].to_string()).unwrap_or_else(|| "/".into())
            });
            format!(
                " {} {}{}",
                h.method.as_deref().unwrap_or(""),
                path.unwrap_or_default(),
                h.status.map(|s| format!(" → {s}")).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let tt = &t.totals;
    let mut parts = vec![
        format!("{}{}", sanitize::one_line(t.root_name().unwrap_or("?")), sanitize::one_line(&op)),
        secs(t.duration()),
        format!("{} spans", tt.spans),
    ];
    let mut bad = Vec::new();
    if tt.faults > 0 {
        bad.push(format!("{} fault", tt.faults));
    }
    if tt.errors > 0 {
        bad.push(format!("{} error", tt.errors));
    }
    if tt.throttles > 0 {
        bad.push(format!("{} throttled", tt.throttles));
    }
    if !bad.is_empty() {
        parts.push(bad.join(" "));
    }
    if !tt.models.is_empty() {
        parts.push(tt.models.iter().map(|m| short_model_name(&sanitize::one_line(m))).collect::<Vec<_>>().join(","));
    }
    if let Some(tok) = tt.tokens {
        parts.push(format!("{} tok", format::count(tok)));
    }
    match tt.cost_usd {
        Some(c) if tt.cost_incomplete => parts.push(format!("{}+ (some unpriced)", format::usd(c))),
        Some(c) => parts.push(format::usd(c)),
        None if tt.cost_incomplete => parts.push("no price".into()),
        None => {}
    }
    if t.limit_exceeded {
        parts.push("TRUNCATED: spans missing".into());
    }
    if !t.bad_documents.is_empty() {
        parts.push(format!("{} unreadable documents", t.bad_documents.len()));
    }
    parts.join(" · ")
}

/// Draw the tree and the detail panel.
pub fn draw(f: &mut Frame, area: Rect, v: &mut SpanTreeView, theme: &Theme) {
    let Some(t) = v.trace.clone() else { return };
    if v.detail_focus {
        draw_detail(f, area, &t, v, theme, true);
        return;
    }
    let wide = area.width >= 140;
    let (tree_area, detail_area) = if wide {
        let [a, b] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(area);
        (a, b)
    } else {
        let detail_h = (area.height * 2 / 5).clamp(4, 16);
        let [a, b] = Layout::vertical([Constraint::Min(4), Constraint::Length(detail_h)]).areas(area);
        (a, b)
    };
    let title = format!("{} · {}", t.id, summary_line(&t));
    let blk = block(&title, theme, true);
    let inner = blk.inner(tree_area);
    f.render_widget(blk, tree_area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let c = cols(inner.width as usize);
    // a header row, then the visible window of rows
    let header = Line::from(vec![
        TSpan::styled(format!(" {:<w$}", "span", w = c.name), theme.header()),
        TSpan::styled(format!(" {:>w$}", "dur", w = c.dur), theme.header()),
        TSpan::styled(format!(" {:>w$}", "self", w = c.self_t), theme.header()),
        TSpan::styled(format!(" {:>w$}", "tok", w = c.tokens), theme.header()),
        TSpan::styled(format!(" {:>w$}", "cost", w = c.cost), theme.header()),
        TSpan::styled(format!(" {:<w$}", format!("0 → {}", secs(t.duration())), w = c.bar), theme.header()),
    ]);
    f.render_widget(Paragraph::new(header), Rect { height: 1, ..inner });
    let rows_area = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    let h = rows_area.height as usize;
    v.page = h.max(1);
    v.scroll(h);
    let end = (v.offset + h).min(v.visible.len());
    let lines: Vec<Line> = (v.offset..end).map(|r| row_line(&t, v, v.visible[r], &c, r == v.cursor, theme)).collect();
    f.render_widget(Paragraph::new(lines), rows_area);
    draw_detail(f, detail_area, &t, v, theme, false);
}

fn kv<'a>(k: &str, v: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![TSpan::styled(format!("{k:<11}"), theme.muted()), TSpan::raw(v)])
}

fn json_lines(v: &Value, indent: &str, out: &mut Vec<String>) {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    for l in text.lines() {
        out.push(format!("{indent}{}", sanitize::one_line(l)));
    }
}

/// Everything about one span, as lines.
pub fn detail_lines<'a>(t: &Trace, s: &Span, redact: bool, theme: &Theme) -> Vec<Line<'a>> {
    let mut out: Vec<Line> = Vec::new();
    let kind = match s.kind {
        crate::domain::trace::SpanKind::Segment => "segment",
        crate::domain::trace::SpanKind::Subsegment => "subsegment",
    };
    let mut head = vec![TSpan::styled(sanitize::one_line(&s.name), span_style(s, theme).add_modifier(Modifier::BOLD))];
    head.push(TSpan::styled(
        format!(
            "  {kind}{}{}{}",
            s.namespace.as_deref().map(|n| format!(" · namespace {}", sanitize::one_line(n))).unwrap_or_default(),
            s.origin.as_deref().map(|o| format!(" · {}", sanitize::one_line(o))).unwrap_or_default(),
            if s.inferred { " · inferred" } else { "" }
        ),
        theme.muted(),
    ));
    out.push(Line::from(head));
    out.push(kv(
        "id",
        format!(
            "{}{}",
            sanitize::one_line(&s.id),
            s.parent.map(|p| format!("  parent {}", sanitize::one_line(&t.spans[p as usize].id))).unwrap_or_default()
        ),
        theme,
    ));
    out.push(kv(
        "timing",
        format!(
            "starts +{} · takes {} · self {}{}",
            secs(s.start - t.start),
            s.duration().map(secs).unwrap_or_else(|| "(in progress)".into()),
            s.self_time.map(secs).unwrap_or_else(|| NONE.into()),
            if s.critical { " · on the critical path" } else { "" }
        ),
        theme,
    ));
    let mut status = Vec::new();
    if s.fault {
        status.push(TSpan::styled("FAULT ", theme.crit()));
    }
    if s.throttle {
        status.push(TSpan::styled("THROTTLED ", theme.warn()));
    }
    if s.error {
        status.push(TSpan::styled("ERROR ", theme.warn()));
    }
    if s.failure_below {
        status.push(TSpan::styled("(failures below)", theme.muted()));
    }
    if !status.is_empty() {
        let mut l = vec![TSpan::styled(format!("{:<11}", "status"), theme.muted())];
        l.extend(status);
        out.push(Line::from(l));
    }
    let g = &s.genai;
    if !g.is_empty() {
        out.push(Line::styled("GenAI", theme.header()));
        if let Some(m) = g.model() {
            let mut m = sanitize::one_line(m);
            if let Some(r) = g.response_model.as_deref().filter(|r| Some(*r) != g.request_model.as_deref()) {
                m.push_str(&format!(" (answered by {})", sanitize::one_line(r)));
            }
            out.push(kv("model", m, theme));
        }
        let po: Vec<String> =
            [g.provider.as_deref(), g.operation.as_deref()].iter().flatten().map(|x| sanitize::one_line(x)).collect();
        if !po.is_empty() {
            out.push(kv("operation", po.join(" · "), theme));
        }
        if g.tokens().is_some() {
            let mut parts = Vec::new();
            if let Some(i) = g.input_tokens {
                parts.push(format!("in {}", format::count(i)));
            }
            if let Some(o) = g.output_tokens {
                parts.push(format!("out {}", format::count(o)));
            }
            if let Some(c) = g.cache_read_tokens {
                parts.push(format!("cache read {}", format::count(c)));
            }
            if let Some(c) = g.cache_write_tokens {
                parts.push(format!("cache write {}", format::count(c)));
            }
            if let Some(r) = g.reasoning_tokens {
                parts.push(format!("reasoning {}", format::count(r)));
            }
            if let Some(tt) = g.total_tokens {
                parts.push(format!("total {}", format::count(tt)));
            }
            if !s.counted {
                parts.push("(not counted: reported again below or an estimate)".into());
            }
            out.push(kv("tokens", parts.join(" · "), theme));
        }
        match (g.cost_usd, g.cost_source) {
            (Some(c), Some(src)) => out.push(kv(
                "cost",
                format!(
                    "{} ({})",
                    cost_label(c),
                    match src {
                        crate::domain::genai::CostSource::Reported => "reported by the application",
                        crate::domain::genai::CostSource::Computed => "tokens × price table",
                    }
                ),
                theme,
            )),
            _ if g.tokens().is_some() && g.model().is_some() => {
                out.push(kv("cost", "no price for this model (add it to the price table)".into(), theme))
            }
            _ => {}
        }
        if let Some(c) = g.reported_total_cost_usd {
            out.push(kv("total cost", format!("{} (reported for the whole request)", format::usd(c)), theme));
        }
        if !g.finish_reasons.is_empty() {
            out.push(kv("finish", sanitize::one_line(&g.finish_reasons.join(", ")), theme));
        }
        if let Some(x) = g.ttft_secs {
            out.push(kv("first chunk", secs(x), theme));
        }
        if let Some(d) = g.documents_retrieved {
            let sim = g.avg_similarity.map(|x| format!(" · avg similarity {x:.3}")).unwrap_or_default();
            out.push(kv("retrieval", format!("{} documents{sim}", format::count(d)), theme));
        }
        let d: Vec<&str> = g.dialects.iter().map(|d| d.label()).collect();
        out.push(kv("dialects", d.join(", "), theme));
    }
    if let Some(h) = &s.http {
        let mut l = format!(
            "{} {}",
            h.method.as_deref().map(sanitize::one_line).unwrap_or_default(),
            h.url.as_deref().map(sanitize::one_line).unwrap_or_default()
        )
        .trim()
        .to_string();
        if let Some(st) = h.status {
            l.push_str(&format!("{}status {st}", if l.is_empty() { "" } else { " → " }));
        }
        if let Some(n) = h.content_length {
            l.push_str(&format!(" ({n} bytes)"));
        }
        out.push(kv("http", l, theme));
        if let Some(ua) = &h.user_agent {
            out.push(kv("", format!("user agent {}", sanitize::one_line(ua)), theme));
        }
        if let Some(ip) = &h.client_ip {
            out.push(kv("", format!("client {}", sanitize::one_line(ip)), theme));
        }
    }
    if let Some(u) = &s.user {
        out.push(kv("user", sanitize::one_line(u), theme));
    }
    if let Some(a) = &s.resource_arn {
        out.push(kv("resource", sanitize::one_line(a), theme));
    }
    if let Some(c) = &s.cause {
        out.push(Line::styled("Cause", theme.header()));
        if let Some(r) = &c.exception_ref {
            out.push(kv("exception", format!("{} (recorded on another span)", sanitize::one_line(r)), theme));
        }
        if let Some(w) = &c.working_directory {
            out.push(kv("directory", sanitize::one_line(w), theme));
        }
        for e in &c.exceptions {
            let head = format!(
                "{}: {}{}",
                e.kind.as_deref().map(sanitize::one_line).unwrap_or_else(|| "exception".into()),
                e.message.as_deref().map(sanitize::one_line).unwrap_or_default(),
                if e.remote { " (remote)" } else { "" }
            );
            out.push(Line::styled(format!("  {head}"), theme.crit()));
            for fr in &e.stack {
                out.push(Line::styled(
                    format!(
                        "    at {} {}:{}",
                        fr.label.as_deref().map(sanitize::one_line).unwrap_or_default(),
                        fr.path.as_deref().map(sanitize::one_line).unwrap_or_default(),
                        fr.line.map(|l| l.to_string()).unwrap_or_default()
                    ),
                    theme.muted(),
                ));
            }
            if let Some(n) = e.truncated.filter(|n| *n > 0) {
                out.push(Line::styled(format!("    … {n} more frames"), theme.muted()));
            }
            if let Some(cause) = &e.cause {
                out.push(Line::styled(format!("    caused by {}", sanitize::one_line(cause)), theme.muted()));
            }
        }
    }
    if !s.annotations.is_empty() {
        out.push(Line::styled("Annotations", theme.header()));
        for (k, v) in &s.annotations {
            let v = match v {
                Value::String(x) => x.clone(),
                other => other.to_string(),
            };
            out.push(Line::raw(format!("  {} = {}", sanitize::one_line(k), sanitize::one_line(&v))));
        }
    }
    for (title, v) in [("AWS", &s.aws), ("SQL", &s.sql)] {
        if let Some(v) = v {
            out.push(Line::styled(title, theme.header()));
            let mut l = Vec::new();
            json_lines(v, "  ", &mut l);
            out.extend(l.into_iter().map(Line::raw));
        }
    }
    if let Some(Value::Object(ns)) = &s.metadata {
        for (name, v) in ns {
            out.push(Line::styled(format!("Metadata · {}", sanitize::one_line(name)), theme.header()));
            let mut l = Vec::new();
            // bodies are shown below, sanitised and redactable; not twice
            let shown = match v {
                Value::Object(m) => Value::Object(
                    m.iter().filter(|(k, _)| !is_body_key(k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
                ),
                other => other.clone(),
            };
            json_lines(&shown, "  ", &mut l);
            out.extend(l.into_iter().map(Line::raw));
        }
    }
    for (title, text) in [("Prompt", &g.prompt), ("Completion", &g.completion)] {
        if let Some(text) = text {
            out.push(Line::styled(title, theme.header()));
            if redact {
                out.push(Line::styled(
                    format!("  [hidden: {} characters · R shows]", text.chars().count()),
                    theme.muted(),
                ));
            } else {
                for l in sanitize::multi_line(text).lines().take(400) {
                    out.push(Line::raw(format!("  {l}")));
                }
            }
        }
    }
    out
}

fn is_body_key(k: &str) -> bool {
    let c = crate::domain::genai::canonical_key(k);
    [
        "gen_ai_input_messages",
        "gen_ai_output_messages",
        "gen_ai_prompt",
        "gen_ai_completion",
        "input_value",
        "output_value",
    ]
    .iter()
    .any(|b| c == *b || c.starts_with(&format!("{b}_")))
        || c.starts_with("llm_input_messages_")
        || c.starts_with("llm_output_messages_")
}

fn draw_detail(f: &mut Frame, area: Rect, t: &Trace, v: &mut SpanTreeView, theme: &Theme, focused: bool) {
    let Some(s) = v.selected() else {
        draw_message(f, area, "Span", vec![Line::styled("no span selected", theme.muted())], theme);
        return;
    };
    let lines = detail_lines(t, s, v.redact, theme);
    let title = if focused {
        format!("Span {} · j/k scroll · Esc tree", sanitize::one_line(&s.name))
    } else {
        format!("Span {} · Enter to scroll", sanitize::one_line(&s.name))
    };
    let inner_h = area.height.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(inner_h);
    v.detail_scroll = v.detail_scroll.min(max_scroll);
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((v.detail_scroll, 0))
        .block(block(&title, theme, focused));
    f.render_widget(p, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::trace::Span;

    fn trace(n_children: usize, grandchildren: usize) -> Arc<Trace> {
        let mut spans = vec![Span::new("root", "root", 0.0, Some(100.0))];
        for c in 0..n_children {
            let mut s = Span::new(&format!("c{c}"), &format!("child {c}"), c as f64, Some(c as f64 + 1.0));
            s.parent_id = Some("root".into());
            spans.push(s);
            for g in 0..grandchildren {
                let mut s = Span::new(&format!("c{c}g{g}"), "grandchild", c as f64, Some(c as f64 + 0.5));
                s.parent_id = Some(format!("c{c}"));
                s.throttle = c == 2 && g == 1;
                spans.push(s);
            }
        }
        Arc::new(Trace::build("1-t", "r", spans))
    }

    fn ids(v: &SpanTreeView) -> Vec<String> {
        v.visible_spans().iter().map(|i| v.trace().unwrap().span(*i).id.clone()).collect()
    }

    #[test]
    fn opens_on_the_root_cause_and_folds_incrementally() {
        let mut v = SpanTreeView::with_trace(trace(3, 2));
        assert_eq!(v.visible_len(), 1 + 3 + 6);
        assert_eq!(v.selected_id().as_deref(), Some("c2g1"), "the throttled span");
        v.top();
        v.move_by(1); // c0
        v.toggle();
        assert_eq!(ids(&v), ["root", "c0", "c1", "c1g0", "c1g1", "c2", "c2g0", "c2g1"]);
        v.move_by(1); // c1
        v.left(); // collapse c1
        assert_eq!(ids(&v), ["root", "c0", "c1", "c2", "c2g0", "c2g1"]);
        v.left(); // to the parent
        assert_eq!(v.selected_id().as_deref(), Some("root"));
        v.bottom();
        assert_eq!(v.selected_id().as_deref(), Some("c2g1"));
        // collapsing the root keeps the cursor on the root
        v.top();
        v.toggle();
        assert_eq!(ids(&v), ["root"]);
        v.right();
        assert_eq!(ids(&v), ["root", "c0", "c1", "c2", "c2g0", "c2g1"], "children keep their own state");
        v.collapse_all();
        assert_eq!(ids(&v), ["root", "c0", "c1", "c2"]);
        v.expand_all();
        assert_eq!(v.visible_len(), 10);
    }

    #[test]
    fn next_failure_reveals_hidden_spans_and_wraps() {
        let mut v = SpanTreeView::with_trace(trace(4, 2));
        v.collapse_all();
        v.top();
        assert!(v.next_failure(true));
        assert_eq!(v.selected_id().as_deref(), Some("c2g1"));
        assert!(v.next_failure(true), "wraps to itself");
        assert_eq!(v.selected_id().as_deref(), Some("c2g1"));
        assert!(v.next_failure(false));
        let mut none =
            SpanTreeView::with_trace(Arc::new(Trace::build("1-x", "r", vec![Span::new("a", "a", 0.0, Some(1.0))])));
        assert!(!none.next_failure(true));
    }

    #[test]
    fn big_traces_open_two_levels_deep() {
        // root → 1000 children → 2 grandchildren each → 2 great-grandchildren each: 7001 spans
        let mut spans = vec![Span::new("root", "root", 0.0, Some(100.0))];
        let mut add = |id: String, parent: &str, throttle: bool| {
            let mut s = Span::new(&id, &id, 0.0, Some(1.0));
            s.parent_id = Some(parent.into());
            s.throttle = throttle;
            spans.push(s);
        };
        for c in 0..1000 {
            add(format!("c{c}"), "root", false);
            for g in 0..2 {
                add(format!("c{c}g{g}"), &format!("c{c}"), false);
                for h in 0..2 {
                    add(format!("c{c}g{g}h{h}"), &format!("c{c}g{g}"), c == 7 && g == 1 && h == 1);
                }
            }
        }
        let mut v = SpanTreeView::with_trace(Arc::new(Trace::build("1-big", "r", spans)));
        assert_eq!(v.trace().unwrap().spans.len(), 7001);
        // depths 0, 1 and 2 show; depth 3 only where the failure is
        assert_eq!(v.visible_len(), 1 + 1000 + 2000 + 2);
        assert_eq!(v.selected_id().as_deref(), Some("c7g1h1"));
        v.expand_all();
        assert_eq!(v.visible_len(), 7001);
        assert_eq!(v.selected_id().as_deref(), Some("c7g1h1"), "the cursor stays on its span");
    }

    #[test]
    fn waterfall_bars() {
        assert_eq!(bar(0.0, 10.0, 0.0, 10.0, 10), "██████████");
        assert_eq!(bar(5.0, 10.0, 0.0, 10.0, 10), "     █████");
        assert_eq!(bar(2.0, 2.01, 0.0, 10.0, 10), "  ▏       ");
        assert_eq!(bar(0.0, 0.0, 0.0, 0.0, 4), "▏   ");
        assert_eq!(bar(9.99, 10.0, 0.0, 10.0, 4).chars().count(), 4);
    }
}
