//! Logs: CloudWatch Logs Insights over Bedrock invocation logs, the application's logs and
//! `aws/spans`.
//!
//! A header with the query's groups, window, status, statistics and cost; the results as a table
//! (column widths from the content, sort by column, horizontal scroll, a `/` filter); a row
//! detail with the full record pretty-printed (GetLogRecord for the row's `@ptr`); a multi-line
//! query editor (history on Up/Down at the first/last line, a log group picker). `f` runs the
//! presets in turn, `x` cancels, `R` hides prompt and completion bodies, `y` copies the row.
//! Every value from AWS is sanitised before it is drawn.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState};
use serde_json::Value;

use crate::domain::insights::{
    self, COST_COLUMN, Fields, GroupClass, QueryStatus, REDACTED, ResultTable, display_value, is_number, redact_cell,
    redact_json,
};
use crate::domain::window::{Since, Window};
use crate::present::format::{self, Fmt};
use crate::present::logs::{display_cell, stats_line};
use crate::sanitize;
use crate::sources::Command;
use crate::sources::logs::LogsRequest;
use crate::store::Store;
use crate::store::logs::{Purpose, QueryId, QueryRun, QuerySpec, RecordState};
use crate::ui::action::Action;
use crate::ui::filter::Filter;
use crate::ui::pane::{CommandInfo, Ctx, DrawCtx, Intent, Outcome, Pane, PaneKind, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::block;
use crate::ui::widgets::text::{pad_left, pad_right, width};
use crate::ui::widgets::text_input::TextInput;

/// Widest a column is drawn (the rest is in the detail view).
const MAX_COL: usize = 48;
/// The `@message` column gets more.
const MAX_MESSAGE_COL: usize = 120;

/// A cell as shown, with bodies hidden when `redact`.
fn shown(table: &ResultTable, col: usize, value: &str, redact: bool, invocation: bool) -> String {
    let name = &table.columns[col];
    if redact {
        let r = redact_cell(name, value, invocation);
        return display_cell(name, &r, table.computed.contains(&col));
    }
    display_cell(name, value, table.computed.contains(&col))
}

/// The log group picker (Ctrl-G in the editor).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picker {
    pub items: Vec<String>,
    pub chosen: BTreeSet<String>,
    pub cursor: usize,
}

/// The row detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    /// The row's fields as returned.
    pub fields: Vec<(String, String)>,
    pub ptr: Option<String>,
    pub scroll: u16,
    pub index: usize,
}

/// The Logs pane.
#[derive(Debug)]
pub struct LogsPane {
    /// The query the pane shows (the newest it started).
    pub current: Option<QueryId>,
    /// The preset whose text is in the editor (`None` when edited).
    pub preset: Option<String>,
    pub query: String,
    pub class: GroupClass,
    /// Log groups picked by the operator (otherwise the class's).
    pub groups: Option<Vec<String>>,
    /// The query editor while it is open (multi-line, with the history on ↑↓).
    pub editor: Option<TextInput>,
    pub picker: Option<Picker>,
    /// `/` narrows the rows.
    pub filter: Filter,
    pub selected: usize,
    /// First column shown.
    pub hscroll: usize,
    /// Sort column and descending.
    pub sort: Option<(String, bool)>,
    pub detail: Option<Detail>,
    pub redact: bool,
    /// `f` has run something (before that, `f` runs the preset shown).
    started: bool,
    page: usize,
    /// First row drawn (only the rows on screen are built).
    offset: usize,
    /// A time of the trace whose log lines are asked for next (a row's `@timestamp`).
    trace_at: Option<i64>,
}

impl Default for LogsPane {
    fn default() -> Self {
        Self {
            current: None,
            preset: None,
            query: String::new(),
            class: GroupClass::Invocation,
            groups: None,
            editor: None,
            picker: None,
            filter: Filter::default(),
            selected: 0,
            hscroll: 0,
            sort: None,
            detail: None,
            redact: false,
            started: false,
            page: 10,
            offset: 0,
            trace_at: None,
        }
    }
}

/// The window queries run over: the console's (`--since`), ending `now`.
fn window_of(store: &Store, now: i64) -> (Window, Since) {
    let secs = store.window.secs();
    let since = if secs > 0 { Since::from_secs(secs) } else { Since::default() };
    (since.window_ending(now), since)
}

impl LogsPane {
    /// The query shown (the current one, else the newest in the store).
    pub fn run<'a>(&self, store: &'a Store) -> Option<&'a QueryRun> {
        match self.current {
            // (the newest, should the store have let this one go)
            Some(id) => store.logs.query(id).or_else(|| store.logs.latest_table()),
            None => store.logs.latest_table(),
        }
    }

    fn preset_shown<'a>(&self, store: &'a Store) -> Option<&'a insights::Preset> {
        match &self.preset {
            Some(n) => store.logs.presets.get(n),
            None if self.query.is_empty() => store.logs.presets.iter().next(),
            None => None,
        }
    }

    /// The sort in effect: the operator's, else the cost (dollars are what a cost column is for).
    pub fn sort_of(&self, table: &ResultTable) -> Option<(String, bool)> {
        self.sort.clone().or_else(|| table.column(COST_COLUMN).map(|_| (COST_COLUMN.to_string(), true)))
    }

    /// The rows shown: filtered, then sorted; indices into the table.
    pub fn view(&self, table: &ResultTable) -> Vec<usize> {
        let needle = self.filter.text().to_lowercase();
        let mut idx: Vec<usize> = (0..table.rows.len())
            .filter(|i| needle.is_empty() || table.rows[*i].iter().any(|c| c.to_lowercase().contains(&needle)))
            .collect();
        if let Some((col, desc)) = &self.sort_of(table)
            && let Some(c) = table.column(col)
        {
            // numbers are parsed once, not in every comparison (10,000 rows sort in a frame)
            let keys: Option<Vec<f64>> = idx
                .iter()
                .map(|i| {
                    let v = table.rows[*i][c].trim();
                    if v.is_empty() { Some(f64::NEG_INFINITY) } else { v.parse::<f64>().ok().filter(|x| x.is_finite()) }
                })
                .collect();
            let mut order: Vec<usize> = (0..idx.len()).collect();
            match &keys {
                Some(k) => order.sort_by(|a, b| k[*a].total_cmp(&k[*b])),
                None => order.sort_by(|a, b| table.rows[idx[*a]][c].cmp(&table.rows[idx[*b]][c])),
            }
            if *desc {
                order.reverse();
            }
            idx = order.into_iter().map(|o| idx[o]).collect();
        }
        idx
    }

    /// Run `query` over `groups` (the class's when empty), replacing the current query.
    fn start(&mut self, ctx: &Ctx, label: &str, query: &str, class: GroupClass, purpose: Purpose) -> Outcome {
        let store = ctx.store;
        let (window, since) = match &purpose {
            Purpose::TraceLogs { .. } => {
                let w = self.trace_at.take().map(trace_window).unwrap_or_else(|| window_of(store, ctx.now).0);
                (w, since_of(w))
            }
            _ => window_of(store, ctx.now),
        };
        let groups = match (&self.groups, &purpose) {
            (Some(g), Purpose::Table) => g.clone(),
            (_, Purpose::TraceLogs { .. }) => {
                let g = &store.logs.groups;
                g.app.iter().chain(g.spans.iter()).cloned().collect()
            }
            _ => Vec::new(),
        };
        let mut spec = QuerySpec::new(label, query, class, groups, window).for_purpose(purpose.clone());
        if purpose == Purpose::Table {
            spec = spec.relative(since);
        }
        let replaces = self.current.filter(|id| store.logs.query(*id).is_some_and(|q| !q.status.is_terminal()));
        self.current = Some(spec.id);
        self.selected = 0;
        self.hscroll = 0;
        self.sort = None;
        self.detail = None;
        self.started = true;
        Outcome::Send(Command::Logs(LogsRequest::Run { spec, replaces }))
    }

    fn run_preset(&mut self, ctx: &Ctx, p: &insights::Preset) -> Outcome {
        self.preset = Some(p.name.clone());
        self.query = p.query.clone();
        self.class = p.groups;
        self.groups = None;
        let (name, query, class) = (p.name.clone(), p.query.clone(), p.groups);
        self.start(ctx, &name, &query, class, Purpose::Table)
    }

    /// Run what is in the editor.
    fn run_editor(&mut self, ctx: &Ctx) -> Outcome {
        let store = ctx.store;
        let Some(ed) = &self.editor else { return Outcome::None };
        let text = ed.text().trim().to_string();
        if text.is_empty() {
            return Outcome::Flash("the query is empty".into());
        }
        self.query = text.clone();
        let matching = store.logs.presets.matching(&text).cloned();
        let label = match &matching {
            Some(p) => {
                self.preset = Some(p.name.clone());
                self.class = p.groups;
                p.name.clone()
            }
            None => {
                self.preset = None;
                "query".to_string()
            }
        };
        self.editor = None;
        self.picker = None;
        let class = self.class;
        self.start(ctx, &label, &text, class, Purpose::Table)
    }

    fn open_picker(&mut self, store: &Store) {
        let g = &store.logs.groups;
        let current: Vec<String> = self.groups.clone().unwrap_or_else(|| g.for_class(self.class));
        let mut items: BTreeSet<String> = g.available.iter().cloned().collect();
        items.extend(g.invocation.iter().cloned());
        items.extend(g.app.iter().cloned());
        items.extend(g.spans.iter().cloned());
        items.extend(current.iter().cloned());
        self.picker =
            Some(Picker { items: items.into_iter().collect(), chosen: current.into_iter().collect(), cursor: 0 });
    }

    fn close_picker(&mut self) {
        if let Some(p) = self.picker.take() {
            self.groups = if p.chosen.is_empty() { None } else { Some(p.chosen.into_iter().collect()) };
        }
    }

    fn picker_key(&mut self, key: KeyEvent) -> Outcome {
        let Some(p) = &mut self.picker else { return Outcome::None };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Up => p.cursor = p.cursor.saturating_sub(1),
            KeyCode::Down => p.cursor = (p.cursor + 1).min(p.items.len().saturating_sub(1)),
            KeyCode::Char(' ') => {
                if let Some(g) = p.items.get(p.cursor).cloned()
                    && !p.chosen.remove(&g)
                {
                    p.chosen.insert(g);
                }
            }
            KeyCode::Enter | KeyCode::Esc => self.close_picker(),
            KeyCode::Char('g') if ctrl => self.close_picker(),
            _ => return Outcome::None,
        }
        Outcome::Redraw
    }

    fn editor_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Outcome {
        let store = ctx.store;
        if self.picker.is_some() {
            return self.picker_key(key);
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(ed) = &mut self.editor else { return Outcome::None };
        match key.code {
            KeyCode::Char('s') | KeyCode::Char('r') if ctrl => return self.run_editor(ctx),
            KeyCode::F(5) => return self.run_editor(ctx),
            KeyCode::Enter if ctrl || key.modifiers.contains(KeyModifiers::ALT) => return self.run_editor(ctx),
            KeyCode::Char('g') if ctrl => {
                self.open_picker(store);
            }
            KeyCode::Esc => {
                // keep what was written: `i` brings it back
                self.query = ed.text().trim().to_string();
                self.editor = None;
            }
            _ => {
                if !ed.key_with_history(key, store.logs.history()) {
                    return Outcome::None;
                }
            }
        }
        Outcome::Redraw
    }

    fn filter_key(&mut self, key: KeyEvent) -> Outcome {
        if !self.filter.key(key) {
            return Outcome::None;
        }
        self.selected = 0;
        Outcome::Redraw
    }

    /// The selected row's fields, as returned (computed columns included).
    fn selected_row(&self, store: &Store) -> Option<(usize, Fields, Option<String>)> {
        let run = self.run(store)?;
        let view = self.view(&run.table);
        let i = *view.get(self.selected)?;
        let t = &run.table;
        let fields = t.columns.iter().cloned().zip(t.rows[i].iter().cloned()).collect();
        Some((i, fields, t.ptrs[i].clone()))
    }

    /// The row (or detail) as JSON for the clipboard, with bodies hidden when redacting.
    pub fn yank_text(&self, store: &Store) -> Option<String> {
        let run = self.run(store)?;
        let invocation = run.spec.class == GroupClass::Invocation;
        let fields = match &self.detail {
            Some(d) => d.fields.clone(),
            None => self.selected_row(store)?.1,
        };
        let mut m = serde_json::Map::new();
        for (k, v) in fields {
            let v = if self.redact { redact_cell(&k, &v, invocation) } else { v };
            m.insert(k, Value::String(v));
        }
        serde_json::to_string(&Value::Object(m)).ok()
    }

    /// The trace id in the selected row (a `traceId`/`trace_id` field, or inside `@message`).
    /// The selected row's `@timestamp` (epoch seconds, to the minute).
    fn row_time(&self, store: &Store) -> Option<i64> {
        let (_, fields, _) = self.selected_row(store)?;
        fields.iter().find(|(k, _)| k == "@timestamp").and_then(|(_, v)| crate::store::runaway::parse_minute(v))
    }

    fn row_trace_id(&self, store: &Store) -> Option<String> {
        let (_, fields, _) = self.selected_row(store)?;
        let direct = fields
            .iter()
            .find(|(k, v)| matches!(k.as_str(), "traceId" | "trace_id" | "xray_trace_id") && !v.is_empty())
            .map(|(_, v)| v.clone());
        direct
            .or_else(|| {
                let msg = fields.iter().find(|(k, _)| k == "@message")?.1.clone();
                let v: Value = serde_json::from_str(&msg).ok()?;
                ["traceId", "trace_id", "xray_trace_id"]
                    .iter()
                    .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
            })
            .filter(|t| insights::trace_id_forms(t).is_some())
    }

    /// Show the log lines of one trace.
    pub fn logs_for_trace(&mut self, ctx: &Ctx, trace_id: &str) -> Outcome {
        let Some(q) = insights::trace_logs_query(trace_id) else {
            return Outcome::Flash(format!("not a trace id: {}", sanitize::one_line(trace_id)));
        };
        self.preset = None;
        self.query = q.clone();
        self.class = GroupClass::App;
        self.start(
            ctx,
            &format!("trace {trace_id}"),
            &q,
            GroupClass::App,
            Purpose::TraceLogs { trace_id: trace_id.into() },
        )
    }
}

/// ±1 h around a time of the trace (a row's `@timestamp`), minute-aligned. Never from the trace
/// id: an OpenTelemetry id carries no time.
fn trace_window(t: i64) -> Window {
    let start = crate::domain::window::align_down(t - 3600, 60);
    Window { start, end: crate::domain::window::align_up(t + 3600, 60) }
}

fn since_of(w: Window) -> Since {
    Since::from_secs(w.secs())
}

impl Pane for LogsPane {
    fn kind(&self) -> PaneKind {
        PaneKind::Logs
    }
    fn title(&self) -> &'static str {
        "Logs"
    }
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        draw(f, area, ctx.store, self, ctx.theme, ctx.fmt, ctx.now);
    }
    fn captures_input(&self) -> bool {
        self.editor.is_some() || self.filter.editing
    }
    fn handle_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Outcome {
        if self.editor.is_some() {
            self.editor_key(key, ctx)
        } else if self.filter.editing {
            self.filter_key(key)
        } else {
            Outcome::None
        }
    }
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        let store = ctx.store;
        let rows = self.run(store).map(|r| self.view(&r.table).len()).unwrap_or(0);
        let last = rows.saturating_sub(1);
        if let Some(d) = &mut self.detail {
            match action {
                Action::Up => d.scroll = d.scroll.saturating_sub(1),
                Action::Down => d.scroll = d.scroll.saturating_add(1),
                Action::PageUp => d.scroll = d.scroll.saturating_sub(self.page as u16),
                Action::PageDown => d.scroll = d.scroll.saturating_add(self.page as u16),
                Action::Top => d.scroll = 0,
                Action::Redact => self.redact = !self.redact,
                Action::Yank => return self.yank(store),
                Action::Cancel => return self.cancel(store),
                _ => return Outcome::Ignored,
            }
            return Outcome::Redraw;
        }
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page.max(1)),
            Action::PageDown => self.selected = (self.selected + self.page.max(1)).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Left => self.hscroll = self.hscroll.saturating_sub(1),
            Action::Right => {
                let cols = self.run(store).map(|r| r.table.columns.len()).unwrap_or(0);
                self.hscroll = (self.hscroll + 1).min(cols.saturating_sub(1));
            }
            Action::NextPreset => {
                let next = if self.started {
                    store.logs.presets.next_after(self.preset.as_deref())
                } else {
                    self.preset_shown(store).or_else(|| store.logs.presets.next_after(None))
                };
                return match next.cloned() {
                    Some(p) => self.run_preset(ctx, &p),
                    None => Outcome::Flash("no presets".into()),
                };
            }
            Action::Edit => {
                // what was last written, else the query shown, else the preset shown
                if self.query.is_empty() {
                    if let Some(r) = self.run(store) {
                        self.query = r.spec.query.clone();
                        self.class = r.spec.class;
                        self.preset = store.logs.presets.matching(&r.spec.query).map(|p| p.name.clone());
                    } else if let Some(p) = self.preset_shown(store).cloned() {
                        self.query = p.query;
                        self.class = p.groups;
                        self.preset = Some(p.name);
                    }
                }
                self.editor = Some(TextInput::multi(&self.query));
            }
            Action::Cancel => return self.cancel(store),
            Action::Filter => self.filter.start(),
            Action::SortNext => {
                let Some(run) = self.run(store) else { return Outcome::None };
                let cols = &run.table.columns;
                if cols.is_empty() {
                    return Outcome::None;
                }
                let next = match &self.sort_of(&run.table) {
                    None => 0,
                    Some((c, _)) => cols.iter().position(|x| x == c).map(|i| i + 1).unwrap_or(0),
                };
                self.sort = if next >= cols.len() {
                    None
                } else {
                    let c = cols[next].clone();
                    let idx = run.table.column(&c).unwrap_or(0);
                    let numeric = run.table.rows.iter().all(|r| r[idx].is_empty() || is_number(&r[idx]));
                    Some((c, numeric))
                };
                self.selected = 0;
            }
            Action::SortReverse => {
                if self.sort.is_none() {
                    self.sort = self.run(store).and_then(|r| self.sort_of(&r.table));
                }
                if let Some((_, d)) = &mut self.sort {
                    *d = !*d;
                }
            }
            Action::Select => {
                let Some((index, fields, ptr)) = self.selected_row(store) else {
                    // nothing to open: run the preset shown
                    if self.run(store).is_none()
                        && let Some(p) = self.preset_shown(store).cloned()
                    {
                        return self.run_preset(ctx, &p);
                    }
                    return Outcome::None;
                };
                self.detail = Some(Detail { fields, ptr: ptr.clone(), scroll: 0, index });
                if let Some(ptr) = ptr
                    && store.logs.record(&ptr).is_none()
                {
                    return Outcome::Send(Command::Logs(LogsRequest::Record { ptr }));
                }
            }
            Action::Redact => self.redact = !self.redact,
            Action::Yank => return self.yank(store),
            Action::ShowLogs => {
                return match self.row_trace_id(store) {
                    Some(t) => {
                        self.trace_at = self.row_time(store);
                        self.logs_for_trace(ctx, &t)
                    }
                    None => Outcome::Flash("no trace id in this row".into()),
                };
            }
            // the span tree of the row's trace (X-Ray, or `aws/spans` with Transaction Search)
            Action::ShowTraces => {
                return match self.row_trace_id(store).and_then(|t| insights::trace_id_forms(&t).map(|(x, _)| x)) {
                    Some(t) => Outcome::Goto(
                        PaneKind::Traces,
                        Intent::OpenTrace { trace_id: t, at: self.row_time(store).map(|t| t as f64) },
                    ),
                    None => Outcome::Flash("no trace id in this row".into()),
                };
            }
            Action::NextFailure | Action::PrevFailure => {
                let Some(run) = self.run(store) else { return Outcome::None };
                let view = self.view(&run.table);
                let bad = |i: usize| {
                    run.table.rows[i].iter().zip(&run.table.columns).any(|(v, c)| {
                        (c == "errorCode" && !v.is_empty()) || (c == "@message" && v.contains("\"level\":\"ERROR\""))
                    })
                };
                let n = view.len();
                if n == 0 {
                    return Outcome::None;
                }
                let fwd = action == Action::NextFailure;
                for k in 1..=n {
                    let j = if fwd { (self.selected + k) % n } else { (self.selected + n - k % n) % n };
                    if bad(view[j]) {
                        self.selected = j;
                        return Outcome::Redraw;
                    }
                }
                return Outcome::Flash("no failing rows".into());
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Redraw
    }
    fn receive(&mut self, intent: &Intent, ctx: &Ctx) -> Outcome {
        match intent {
            Intent::LogsForTrace { trace_id, window } => {
                let out = self.logs_for_trace(ctx, trace_id);
                // a window from the caller replaces the ±1 h default
                if let (Some(w), Outcome::Send(Command::Logs(LogsRequest::Run { spec, replaces }))) = (window, &out) {
                    let mut spec = spec.clone();
                    spec.window = *w;
                    return Outcome::Send(Command::Logs(LogsRequest::Run { spec, replaces: *replaces }));
                }
                out
            }
            Intent::LogsQuery { label, query, class, window } => {
                self.preset = None;
                self.query = query.clone();
                self.class = *class;
                self.groups = None;
                let out = self.start(ctx, label, query, *class, Purpose::Table);
                // a fixed window from the caller, not the console's moving one
                if let (Some(w), Outcome::Send(Command::Logs(LogsRequest::Run { spec, replaces }))) = (window, &out) {
                    let mut spec = spec.clone();
                    spec.window = *w;
                    spec.since = None;
                    return Outcome::Send(Command::Logs(LogsRequest::Run { spec, replaces: *replaces }));
                }
                out
            }
            _ => Outcome::None,
        }
    }
    fn leave(&mut self, ctx: &Ctx) -> Outcome {
        // nobody is watching it any more: stop it rather than pay for the scan
        match self.unfinished(ctx.store) {
            Some(id) => Outcome::Send(Command::Logs(LogsRequest::Cancel { id, why: "left the Logs pane".into() })),
            None => Outcome::None,
        }
    }
    fn back(&mut self) -> bool {
        if self.detail.take().is_some() {
            return true;
        }
        if !self.filter.is_empty() {
            self.filter.clear();
            return true;
        }
        false
    }
    fn commands(&self, _view: &ViewState) -> Vec<CommandInfo> {
        use CommandInfo as C;
        if self.detail.is_some() {
            return vec![
                C::hint(Action::Back, "back"),
                C::hint(Action::Yank, "copy"),
                C::hint(Action::Redact, "redact"),
                C::help(Action::Down, "scroll"),
                C::help(Action::Cancel, "cancel the query"),
            ];
        }
        let f = if self.started { "next preset" } else { "run preset" };
        vec![
            C::hint(Action::NextPreset, f),
            C::hint(Action::Edit, "edit"),
            C::hint(Action::Cancel, "cancel"),
            C::hint(Action::Select, "detail"),
            C::hint(Action::Filter, "filter"),
            C::hint(Action::Redact, "redact"),
            C::help(Action::SortNext, "sort by the next column"),
            C::help(Action::SortReverse, "reverse the sort"),
            C::help(Action::Right, "scroll the columns"),
            C::help(Action::NextFailure, "next failing row"),
            C::help(Action::Yank, "copy the row (JSON)"),
            C::help(Action::ShowLogs, "log lines of the row's trace"),
            C::help(Action::ShowTraces, "span tree of the row's trace"),
        ]
    }
}

impl LogsPane {
    /// The pane's query while it has not ended (also just after it was sent, before the source
    /// has echoed it: the cancel follows the run down the same channel).
    fn unfinished(&self, store: &Store) -> Option<QueryId> {
        match self.current {
            Some(id) => store.logs.query(id).is_none_or(|q| !q.status.is_terminal()).then_some(id),
            None => store.logs.latest_table().filter(|q| !q.status.is_terminal()).map(|q| q.id()),
        }
    }

    fn cancel(&mut self, store: &Store) -> Outcome {
        match self.unfinished(store) {
            Some(id) => Outcome::Send(Command::Logs(LogsRequest::Cancel { id, why: "cancelled".into() })),
            None => Outcome::Flash("no query is running".into()),
        }
    }

    fn yank(&self, store: &Store) -> Outcome {
        match self.yank_text(store) {
            Some(t) => Outcome::Yank(t),
            None => Outcome::Flash("nothing to copy".into()),
        }
    }
}

fn status_style(run: &QueryRun, theme: &Theme) -> Style {
    use crate::domain::insights::QueryStatus as S;
    match run.status {
        S::Complete => theme.ok(),
        S::Running | S::Scheduled | S::Queued => theme.accent(),
        S::Cancelled | S::Unknown => theme.warn(),
        S::Failed | S::Timeout => theme.crit(),
    }
}

fn window_label(w: &Window, fmt: Fmt) -> String {
    format!("{}–{} UTC", fmt.hhmm(w.start), fmt.hhmm(w.end))
}

/// Draw the pane.
pub fn draw(f: &mut Frame, area: Rect, store: &Store, pane: &mut LogsPane, theme: &Theme, fmt: Fmt, now: i64) {
    let run = pane.run(store);
    let title = match (run, &pane.preset) {
        (Some(r), _) => format!("Logs · {}", sanitize::one_line(&r.spec.label)),
        (None, Some(p)) => format!("Logs · {p}"),
        (None, None) => "Logs".to_string(),
    };
    let mut b = block(&title, theme, true);
    if let Some(r) = run {
        let mut s = format!(" {} ", r.status.label());
        if !r.status.is_terminal() || r.started_at.is_some() {
            s = format!(" {} · {} ", r.status.label(), format::age(r.elapsed(now)));
        }
        b = b.title_top(Line::from(Span::styled(s, status_style(r, theme))).right_aligned());
    }
    let inner = b.inner(area);
    f.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    // header lines
    let mut head: Vec<Line> = Vec::new();
    let groups = &store.logs.groups;
    let ts = store.logs.transaction_search.as_ref().map(|t| t.label());
    match run {
        Some(r) => {
            let g = if r.spec.groups.is_empty() { "(no log groups)".to_string() } else { r.spec.groups.join(", ") };
            let mut line =
                format!("{}: {} · {}", r.spec.class.label(), sanitize::one_line(&g), window_label(&r.spec.window, fmt));
            if let Some(ts) = &ts {
                line.push_str(&format!(" · {ts}"));
            }
            head.push(Line::styled(format::clip(&line, inner.width as usize), theme.muted()));
            let line = match r.queue_position {
                Some(0) => Span::styled("queued: next to start", theme.accent()),
                Some(p) => Span::styled(format!("queued: {p} ahead"), theme.accent()),
                None => Span::styled(stats_line(r), theme.text()),
            };
            head.push(Line::from(line));
            if let Some(e) = &r.error {
                head.push(Line::styled(format::clip(&e.one_line(), inner.width as usize), theme.crit()));
            }
            if let Some(n) = &r.note {
                head.push(Line::styled(format::clip(&sanitize::one_line(n), inner.width as usize), theme.warn()));
            }
        }
        None => {
            let line = if !groups.discovered && store.replay.is_some() {
                "log groups: not looked up before the snapshot was saved (it holds no Logs queries)".to_string()
            } else if !groups.discovered {
                "Finding log groups…".to_string()
            } else {
                let inv = if groups.invocation.is_empty() { "none found".into() } else { groups.invocation.join(", ") };
                let mut l = format!("invocation logs: {}", sanitize::one_line(&inv));
                if !groups.app.is_empty() {
                    l.push_str(&format!(" · app: {}", sanitize::one_line(&groups.app.join(", "))));
                }
                l
            };
            head.push(Line::styled(format::clip(&line, inner.width as usize), theme.muted()));
            if let Some(ts) = &ts {
                head.push(Line::styled(format::clip(ts, inner.width as usize), theme.muted()));
            }
            if let Some(e) = &groups.error {
                head.push(Line::styled(format::clip(&e.one_line(), inner.width as usize), theme.crit()));
            }
        }
    }
    // the query, on one line, unless the editor shows it
    if pane.editor.is_none() {
        let q = run
            .as_ref()
            .map(|r| r.spec.query.clone())
            .unwrap_or_else(|| pane.preset_shown(store).map(|p| p.query.clone()).unwrap_or_else(|| pane.query.clone()));
        let one = q.split_whitespace().collect::<Vec<_>>().join(" ");
        head.push(Line::styled(
            format::clip(&format!("› {}", sanitize::one_line(&one)), inner.width as usize),
            theme.muted(),
        ));
    }
    let editor_h = pane.editor.as_ref().map(|e| (e.lines().len() as u16 + 2).clamp(5, 12)).unwrap_or(0);
    let filter_h = u16::from(pane.filter.editing || !pane.filter.is_empty());
    let [head_a, editor_a, body_a, filter_a] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Length(editor_h.min(inner.height.saturating_sub(head.len() as u16 + 2))),
        Constraint::Min(1),
        Constraint::Length(filter_h),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(head), head_a);
    if pane.editor.is_some() {
        draw_editor(f, editor_a, store, pane, theme);
    }
    if filter_h > 0 {
        let mut spans = vec![Span::styled("/", theme.accent())];
        if pane.filter.editing {
            spans.extend(pane.filter.input.line_spans(0, theme.text(), theme.selected(), ("▏", theme.text())));
            spans.push(Span::styled("  (Enter keep · Esc clear)", theme.muted()));
        } else {
            spans.push(Span::styled(sanitize::one_line(pane.filter.text()), theme.text()));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), filter_a);
    }
    pane.page = body_a.height.saturating_sub(1) as usize;
    match run {
        None => draw_empty(f, body_a, store, pane, theme),
        Some(r) => match &pane.detail {
            Some(d) => draw_detail(f, body_a, store, r, d, pane.redact, theme, false),
            // wide: the selected row's fields beside the table
            None if body_a.width >= DETAIL_BESIDE_MIN_WIDTH => {
                let [table, detail] =
                    Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body_a);
                draw_table(f, table, r, pane, theme, store.replay.is_some());
                if let Some((index, fields, ptr)) = pane.selected_row(store) {
                    let d = Detail { fields, ptr, scroll: 0, index };
                    draw_detail(f, detail, store, r, &d, pane.redact, theme, true);
                }
            }
            None => draw_table(f, body_a, r, pane, theme, store.replay.is_some()),
        },
    }
}

fn draw_empty(f: &mut Frame, area: Rect, store: &Store, pane: &LogsPane, theme: &Theme) {
    if store.replay.is_some() {
        let lines = vec![
            Line::from(""),
            Line::styled("No Logs Insights query had run when this snapshot was saved.", theme.text()),
            Line::styled("A reopened snapshot runs no queries.", theme.muted()),
        ];
        f.render_widget(Paragraph::new(lines), area);
        return;
    }
    let mut lines = vec![Line::from(""), Line::styled("No query has run yet.", theme.text()), Line::from("")];
    let shown = pane.preset_shown(store).map(|p| p.name.clone());
    lines.push(Line::from(vec![
        Span::styled("f", theme.accent()),
        Span::styled(format!(" runs the preset {}, then the next ones:", shown.unwrap_or_default()), theme.text()),
    ]));
    for p in store.logs.presets.iter() {
        let mark = if Some(&p.name) == pane.preset_shown(store).map(|x| &x.name) { "›" } else { " " };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} {:<20}", p.name), theme.accent()),
            Span::styled(format!("{} ({})", p.description, p.groups.label()), theme.muted()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("i", theme.accent()),
        Span::styled(" writes a query · Logs Insights bills each query by the bytes it scans", theme.muted()),
    ]));
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_editor(f: &mut Frame, area: Rect, store: &Store, pane: &LogsPane, theme: &Theme) {
    let Some(ed) = &pane.editor else { return };
    let groups = pane.groups.clone().unwrap_or_else(|| store.logs.groups.for_class(pane.class));
    let title = format!(
        " query · {} ({}) · Ctrl-S/F5 run · Esc close · Ctrl-G groups · ↑↓ history ",
        pane.class.label(),
        groups.len()
    );
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()));
    let inner = b.inner(area);
    f.render_widget(b, area);
    if let Some(p) = &pane.picker {
        let h = inner.height as usize;
        let start = p.cursor.saturating_sub(h.saturating_sub(1));
        let lines: Vec<Line> = p
            .items
            .iter()
            .enumerate()
            .skip(start)
            .take(h)
            .map(|(i, g)| {
                let mark = if p.chosen.contains(g) { "[x]" } else { "[ ]" };
                let style = if i == p.cursor { theme.selected() } else { theme.text() };
                Line::styled(format!("{mark} {}", sanitize::one_line(g)), style)
            })
            .collect();
        let lines = if lines.is_empty() { vec![Line::styled("no log groups found", theme.muted())] } else { lines };
        f.render_widget(Clear, inner);
        f.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let h = inner.height as usize;
    let top = ed.cursor().0.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = (0..ed.lines().len())
        .skip(top)
        .take(h)
        .map(|i| Line::from(ed.line_spans(i, theme.text(), theme.selected(), (" ", theme.selected()))))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// Natural widths of the columns (header and cells as shown), capped.
fn widths(table: &ResultTable, view: &[usize], redact: bool, invocation: bool) -> Vec<usize> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let cap = if name == "@message" { MAX_MESSAGE_COL } else { MAX_COL };
            let cells = view.iter().take(200).map(|i| width(&shown(table, c, &table.rows[*i][c], redact, invocation)));
            cells.chain([width(name) + 1]).max().unwrap_or(4).clamp(4, cap)
        })
        .collect()
}

fn draw_table(f: &mut Frame, area: Rect, run: &QueryRun, pane: &mut LogsPane, theme: &Theme, replay: bool) {
    let t = &run.table;
    if t.rows.is_empty() {
        let msg = match run.status {
            QueryStatus::Cancelled => "Stopped before any row arrived.",
            QueryStatus::Failed | QueryStatus::Timeout | QueryStatus::Unknown => "No rows.",
            s if s.is_terminal() => "No rows in this window.",
            _ if replay => "The query was still running when the snapshot was saved; no rows had arrived.",
            _ => "Waiting for the first rows…",
        };
        f.render_widget(Paragraph::new(vec![Line::from(""), Line::styled(msg, theme.muted())]), area);
        return;
    }
    if t.columns.is_empty() {
        let msg = format!(
            "{} rows without fields: the query returned only record pointers (an emulator ignores `stats`); Enter shows a record",
            t.rows.len()
        );
        f.render_widget(Paragraph::new(Line::styled(msg, theme.muted())), area);
        return;
    }
    let invocation = run.spec.class == GroupClass::Invocation;
    let view = pane.view(t);
    if view.is_empty() {
        f.render_widget(Paragraph::new(Line::styled("No row matches the filter.", theme.muted())), area);
        return;
    }
    pane.selected = pane.selected.min(view.len() - 1);
    let mut w = widths(t, &view, pane.redact, invocation);
    pane.hscroll = pane.hscroll.min(t.columns.len() - 1);
    // the first column (the row's key) stays; the others scroll from hscroll on
    let mut cols = Vec::new();
    let mut used = 0usize;
    if pane.hscroll > 0 {
        cols.push(0);
        used += w[0] + 1;
    }
    let first = pane.hscroll.max(usize::from(pane.hscroll > 0));
    for (c, width) in w.iter_mut().enumerate().skip(first) {
        let room = (area.width as usize).saturating_sub(used);
        if !cols.is_empty() && *width + 1 > room {
            // a wide last column (a message) is shown as far as it fits
            if room > 12 {
                *width = room - 1;
                cols.push(c);
            }
            break;
        }
        cols.push(c);
        used += *width + 1;
    }
    // right-aligned when the rows sampled for the widths are numbers
    let numeric: Vec<bool> = (0..t.columns.len())
        .map(|c| {
            t.computed.contains(&c)
                || view.iter().take(200).all(|i| t.rows[*i][c].is_empty() || is_number(&t.rows[*i][c]))
        })
        .collect();
    let last = cols.last().copied().unwrap_or(0);
    let sort = pane.sort_of(t);
    let header = Row::new(cols.iter().map(|c| {
        let mut name = sanitize::one_line(&t.columns[*c]);
        if let Some((s, desc)) = &sort
            && s == &t.columns[*c]
        {
            name.push(if *desc { '▼' } else { '▲' });
        }
        if *c == pane.hscroll && pane.hscroll > 0 {
            name = format!("◀{name}");
        }
        if *c == last && last + 1 < t.columns.len() {
            name.push('▶');
        }
        let width = w[*c];
        if numeric[*c] { pad_left(&format::clip(&name, width), width) } else { format::clip(&name, width) }
    }))
    .style(theme.header());
    // only the rows on screen are built (a query may return 10,000)
    let height = (area.height as usize).saturating_sub(1).max(1);
    if pane.selected < pane.offset {
        pane.offset = pane.selected;
    } else if pane.selected >= pane.offset + height {
        pane.offset = pane.selected + 1 - height;
    }
    pane.offset = pane.offset.min(view.len().saturating_sub(height));
    let rows: Vec<Row> = view[pane.offset..(pane.offset + height).min(view.len())]
        .iter()
        .map(|i| {
            Row::new(cols.iter().map(|c| {
                let v = shown(t, *c, &t.rows[*i][*c], pane.redact, invocation);
                let width = w[*c];
                let text = format::clip(&v, width);
                let style = if pane.redact && v.contains(REDACTED) { theme.muted() } else { theme.text() };
                let text = if numeric[*c] { pad_left(&text, width) } else { text };
                ratatui::widgets::Cell::from(Span::styled(text, style))
            }))
        })
        .collect();
    let widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(w[*c] as u16)).collect();
    let table = Table::new(rows, widths).header(header).column_spacing(1).row_highlight_style(theme.selected());
    let mut ts = TableState::default().with_selected(Some(pane.selected - pane.offset));
    f.render_stateful_widget(table, area, &mut ts);
}

/// The lines of a value in the detail: JSON pretty-printed (bodies hidden when redacting).
fn value_lines(key: &str, value: &str, redact: bool, invocation: bool) -> Vec<String> {
    if let Ok(mut v) = serde_json::from_str::<Value>(value)
        && (v.is_object() || v.is_array())
    {
        if redact {
            redact_json(&mut v);
        }
        let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
        return sanitize::multi_line(&pretty).lines().map(String::from).collect();
    }
    let v = if redact { redact_cell(key, value, invocation) } else { value.to_string() };
    let v = display_value(key, &v);
    sanitize::multi_line(&v).lines().map(String::from).collect()
}

/// From this many columns inside the pane (a 200-column terminal, where the table keeps its
/// columns in three fifths) the selected row's fields are shown beside the table.
pub const DETAIL_BESIDE_MIN_WIDTH: u16 = 190;

/// One row's fields (the full record once fetched); `preview`: beside the table (Enter opens it).
#[allow(clippy::too_many_arguments)]
fn draw_detail(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    run: &QueryRun,
    d: &Detail,
    redact: bool,
    theme: &Theme,
    preview: bool,
) {
    let invocation = run.spec.class == GroupClass::Invocation;
    let mut fields: Vec<(String, String)> = d.fields.clone();
    let mut note = None;
    if let Some(ptr) = &d.ptr {
        match store.logs.record(ptr) {
            Some(RecordState::Loaded(full)) if !full.is_empty() => {
                // the full record (GetLogRecord), then any computed column of the row
                let computed: Vec<(String, String)> =
                    run.table.computed.iter().filter_map(|c| d.fields.get(*c).cloned()).collect();
                fields = full.clone();
                fields.extend(computed);
            }
            Some(RecordState::Loading) if store.replay.is_some() => {
                note =
                    Some(("the full record is not in the snapshot; showing the row's fields".to_string(), theme.warn()))
            }
            Some(RecordState::Loading) => {
                note = Some(("fetching the full record (GetLogRecord)…".to_string(), theme.muted()))
            }
            Some(RecordState::Failed(e)) => {
                note = Some((format!("GetLogRecord failed ({}); showing the row's fields", e.one_line()), theme.warn()))
            }
            _ => {}
        }
    }
    // a row that came back with only @message (an emulator, a `fields @message` query): its JSON
    // fields, extracted here
    if let Some((_, msg)) = fields.iter().find(|(k, _)| k == "@message")
        && fields.len() <= 4
        && let Ok(v) = serde_json::from_str::<Value>(msg)
        && v.is_object()
    {
        let have: BTreeSet<String> = fields.iter().map(|(k, _)| k.clone()).collect();
        let extra: Vec<(String, String)> =
            insights::flatten_json(&v).into_iter().filter(|(k, _)| !have.contains(k)).collect();
        if !extra.is_empty() {
            fields.extend(extra);
        }
    }
    let key_w = fields.iter().map(|(k, _)| width(&sanitize::one_line(k))).max().unwrap_or(8).min(36);
    let mut lines: Vec<Line> = Vec::new();
    if let Some((n, style)) = note {
        lines.push(Line::styled(format::clip(&n, area.width as usize), style));
    }
    for (k, v) in &fields {
        let computed = k == COST_COLUMN;
        let vl = if computed { vec![display_cell(k, v, true)] } else { value_lines(k, v, redact, invocation) };
        let style = if redact && vl.iter().any(|l| l.contains(REDACTED)) { theme.muted() } else { theme.text() };
        for (i, l) in vl.iter().enumerate() {
            let key = if i == 0 {
                format!("{} ", pad_right(&format::clip(&sanitize::one_line(k), key_w), key_w))
            } else {
                " ".repeat(key_w + 1)
            };
            lines.push(Line::from(vec![Span::styled(key, theme.header()), Span::styled(l.clone(), style)]));
        }
    }
    let title = if preview {
        format!(" row {} of {} · Enter opens ", d.index + 1, run.table.rows.len())
    } else {
        format!(
            " row {} of {} · ↑↓ scroll · y copy · R {} · Esc back ",
            d.index + 1,
            run.table.rows.len(),
            if redact { "show bodies" } else { "redact" }
        )
    };
    let b = Block::default()
        .borders(if preview { Borders::TOP | Borders::LEFT } else { Borders::TOP })
        .border_style(theme.border(false))
        .title(Span::styled(title, theme.title()));
    let p = Paragraph::new(lines).block(b).scroll((d.scroll, 0));
    f.render_widget(p, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context at a fixed time (2026-11-25 06:00 UTC).
    fn cx(store: &Store) -> Ctx<'_> {
        Ctx::new(store, 1_795_586_400)
    }
    use crate::store::logs::LogsUpdate;
    use crate::ui::widgets::text::width;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn keys_run_presets_edit_and_cancel() {
        let mut store = Store::default();
        let mut p = LogsPane::default();
        // the first f runs the preset shown, tokens-by-caller
        let Outcome::Send(Command::Logs(LogsRequest::Run { spec, replaces })) =
            p.handle(Action::NextPreset, &cx(&store))
        else {
            panic!()
        };
        assert_eq!((spec.label.as_str(), replaces), ("tokens-by-caller", None));
        assert_eq!(spec.groups, Vec::<String>::new());
        assert_eq!(spec.since, Some(Since::default()));
        let mut run = QueryRun::new(spec.clone(), 0);
        run.status = QueryStatus::Running;
        store.logs.apply(LogsUpdate::Query(Box::new(run)));
        assert_eq!(
            p.handle(Action::Cancel, &cx(&store)),
            Outcome::Send(Command::Logs(LogsRequest::Cancel { id: spec.id, why: "cancelled".into() }))
        );
        // leaving the pane stops it too
        assert_eq!(
            p.leave(&cx(&store)),
            Outcome::Send(Command::Logs(LogsRequest::Cancel { id: spec.id, why: "left the Logs pane".into() }))
        );
        // the next f replaces the running query
        let Outcome::Send(Command::Logs(LogsRequest::Run { spec: s2, replaces })) =
            p.handle(Action::NextPreset, &cx(&store))
        else {
            panic!()
        };
        assert_eq!((s2.label.as_str(), replaces), ("recent-errors", Some(spec.id)));
        // the editor captures keys and runs on Ctrl-S with the picked groups
        p.handle(Action::Edit, &cx(&store));
        assert!(p.captures_input());
        assert_eq!(p.editor.as_ref().unwrap().text(), s2.query);
        p.handle_key(ctrl('g'), &cx(&store));
        assert!(p.picker.is_some());
        p.picker.as_mut().unwrap().items = vec!["/a".into(), "/b".into()];
        p.handle_key(key(KeyCode::Down), &cx(&store));
        p.handle_key(key(KeyCode::Char(' ')), &cx(&store));
        p.handle_key(key(KeyCode::Enter), &cx(&store));
        assert_eq!(p.groups, Some(vec!["/b".to_string()]));
        p.handle_key(key(KeyCode::End), &cx(&store));
        p.handle_key(key(KeyCode::Char('!')), &cx(&store));
        let Outcome::Send(Command::Logs(LogsRequest::Run { spec: s3, .. })) = p.handle_key(ctrl('s'), &cx(&store))
        else {
            panic!()
        };
        assert_eq!(s3.label, "query");
        assert!(s3.query.ends_with('!'));
        assert_eq!(s3.groups, vec!["/b".to_string()]);
        assert!(!p.captures_input());
        // x right after a run cancels it, even before the source has echoed it
        assert_eq!(
            p.handle(Action::Cancel, &cx(&store)),
            Outcome::Send(Command::Logs(LogsRequest::Cancel { id: s3.id, why: "cancelled".into() }))
        );
        // once it has ended, x says there is nothing to cancel
        let mut done = QueryRun::new(s3.clone(), 0);
        done.status = QueryStatus::Complete;
        store.logs.apply(LogsUpdate::Query(Box::new(done)));
        assert_eq!(p.handle(Action::Cancel, &cx(&store)), Outcome::Flash("no query is running".into()));
        assert_eq!(p.leave(&cx(&store)), Outcome::None);
    }

    /// `f` runs the first preset, and its answer (`rows`, complete) is in the store.
    fn answered(store: &mut Store, p: &mut LogsPane, rows: &[Vec<(String, String)>]) {
        let Outcome::Send(Command::Logs(LogsRequest::Run { spec, .. })) = p.handle(Action::NextPreset, &cx(store))
        else {
            panic!()
        };
        let mut run = QueryRun::new(spec, 0);
        run.status = QueryStatus::Complete;
        run.table = ResultTable::from_rows(rows);
        store.logs.apply(LogsUpdate::Query(Box::new(run)));
    }

    #[test]
    fn a_rows_trace_is_looked_for_at_the_rows_time_not_the_ids() {
        let mut store = Store::default();
        store.logs.groups.app = vec!["/ecs/app".into()];
        let mut p = LogsPane::default();
        // an OpenTelemetry trace id: "f1e2d3c4" read as a time is the year 2098; the line is of
        // 2026-11-23 12:32
        answered(
            &mut store,
            &mut p,
            &[vec![
                ("@timestamp".into(), "2026-11-23 12:32:56.400".into()),
                ("traceId".into(), "f1e2d3c4bd862e3fe1be46a994272793".into()),
            ]],
        );
        let at = 1_795_437_120; // 12:32:00
        let Outcome::Send(Command::Logs(LogsRequest::Run { spec, .. })) = p.handle(Action::ShowLogs, &cx(&store))
        else {
            panic!()
        };
        assert!(matches!(spec.purpose, Purpose::TraceLogs { .. }));
        assert_eq!(spec.window, Window { start: at - 3600, end: at + 3600 });
        // the span tree: the traces pane is told when the line was written
        p.current = store.logs.queries().find(|q| q.spec.purpose == Purpose::Table).map(|q| q.id());
        let out = p.handle(Action::ShowTraces, &cx(&store));
        assert_eq!(
            out,
            Outcome::Goto(
                PaneKind::Traces,
                Intent::OpenTrace { trace_id: "1-f1e2d3c4-bd862e3fe1be46a994272793".into(), at: Some(at as f64) }
            )
        );
    }

    /// CJK and emoji in log values and field names take two columns each: the table's
    /// columns and the detail's keys are measured in columns, not characters. Measured in
    /// characters, the caller's name below was cut to "客服机" without an ellipsis, and the
    /// values after a two-character CJK key started two columns right of the others.
    #[test]
    fn wide_characters_keep_the_table_and_the_detail_aligned() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let mut store = Store::default();
        let mut p = LogsPane::default();
        answered(
            &mut store,
            &mut p,
            &[
                vec![
                    ("caller".into(), "客服机器人🤖".into()),
                    ("用户".into(), "张三".into()),
                    ("n".into(), "5".into()),
                ],
                vec![("caller".into(), "bob".into()), ("用户".into(), "li".into()), ("n".into(), "12".into())],
            ],
        );
        let theme = Theme::default();
        let screen = |p: &mut LogsPane| {
            let mut t = Terminal::new(TestBackend::new(100, 20)).unwrap();
            t.draw(|f| draw(f, f.area(), &store, p, &theme, Fmt::default(), 1_795_586_400)).unwrap();
            t.backend().to_string()
        };
        let table = screen(&mut p);
        // the whole name, and the column after it starts at the same column on every row
        let row = table.lines().find(|l| l.contains("客服机器人🤖")).unwrap_or_else(|| panic!("{table}"));
        let bob = table.lines().find(|l| l.contains("bob")).unwrap_or_else(|| panic!("{table}"));
        let col_of = |line: &str, what: &str| width(&line[..line.find(what).unwrap()]);
        assert_eq!(col_of(row, "张三"), col_of(bob, "li"), "{table}");
        // the detail: every value starts in the same column, whatever its key
        p.handle(Action::Select, &cx(&store));
        let detail = screen(&mut p);
        // (the lines inside the pane's border start with the key)
        let line_of = |key: &str| {
            let start = format!("│{key} ");
            // (the test backend quotes each line)
            detail
                .lines()
                .find(|l| l.trim_start_matches('"').starts_with(&start))
                .unwrap_or_else(|| panic!("{key}: {detail}"))
        };
        let value_col = |key: &str, value: &str| col_of(line_of(key), value);
        assert_eq!(value_col("用户", "张三"), value_col("caller", "客服机器人🤖"), "{detail}");
        assert_eq!(value_col("n", "5"), value_col("caller", "客服机器人🤖"), "{detail}");
    }

    #[test]
    fn trace_intent_runs_a_trace_query_over_app_and_span_groups() {
        let mut store = Store::default();
        store.logs.groups.app = vec!["/ecs/app".into()];
        store.logs.groups.spans = Some("aws/spans".into());
        let mut p = LogsPane::default();
        let w = Window { start: 60, end: 120 };
        let out = p.receive(
            &Intent::LogsForTrace { trace_id: "1-5759e988-bd862e3fe1be46a994272793".into(), window: Some(w) },
            &cx(&store),
        );
        let Outcome::Send(Command::Logs(LogsRequest::Run { spec, .. })) = out else { panic!("{out:?}") };
        assert_eq!(spec.groups, vec!["/ecs/app".to_string(), "aws/spans".to_string()]);
        assert_eq!(spec.window, w);
        assert!(matches!(spec.purpose, Purpose::TraceLogs { .. }));
        assert!(spec.query.contains("5759e988bd862e3fe1be46a994272793"));
        let out = p.receive(&Intent::LogsForTrace { trace_id: "x\" or 1=1".into(), window: None }, &cx(&store));
        assert!(matches!(out, Outcome::Flash(m) if m.starts_with("not a trace id")));
    }

    #[test]
    fn filter_sort_and_view() {
        let t = ResultTable::from_rows(&[
            vec![("a".into(), "x".into()), ("n".into(), "10".into())],
            vec![("a".into(), "y".into()), ("n".into(), "9".into())],
            vec![("a".into(), "xz".into()), ("n".into(), "100".into())],
        ]);
        let mut p = LogsPane::default();
        // as returned, without a cost column
        assert_eq!(p.view(&t), vec![0, 1, 2]);
        p.sort = Some(("n".into(), true));
        assert_eq!(p.view(&t), vec![2, 0, 1]);
        p.filter = "X".into();
        assert_eq!(p.view(&t), vec![2, 0]);
        p.sort = Some(("a".into(), false));
        p.filter.clear();
        assert_eq!(p.view(&t), vec![0, 2, 1]);
        // a table with a cost column opens sorted by it, most expensive first
        let mut c = ResultTable::from_rows(&[
            vec![
                ("modelId".into(), "anthropic.claude-3-haiku-20240307-v1:0".into()),
                ("inTok".into(), "1000000".into()),
            ],
            vec![("modelId".into(), "anthropic.claude-opus-4-1-20250805-v1:0".into()), ("inTok".into(), "1000".into())],
            vec![("modelId".into(), "acme.unpriced".into()), ("inTok".into(), "9".into())],
        ]);
        c.add_cost_column(&crate::domain::pricing::PriceTable::default());
        let p = LogsPane::default();
        assert_eq!(p.sort_of(&c), Some(("cost_usd".to_string(), true)));
        assert_eq!(p.view(&c), vec![0, 1, 2]); // $0.25, $0.015, no price
    }
}
