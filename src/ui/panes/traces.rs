//! Traces: the X-Ray trace list of the window (time, duration, response time, root service and
//! operation, HTTP status, fault / error / throttle marks, models, tokens, cost), sortable,
//! narrowed locally with `/`, filtered at the source with presets (`f`) or a typed filter
//! expression (`i`); Enter opens a trace's span tree ([`crate::ui::widgets::span_tree`]), Esc comes back with
//! the selection kept. From 160 columns the list (flags, time, duration, service, model) sits
//! beside a span tree: the open trace's, or while browsing the selected row's once fetched.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span as TSpan};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::domain::catalog::short_model_name;
use crate::domain::trace::Trace;
use crate::domain::window::Window;
use crate::present::format::{self, NONE};
use crate::sanitize;
use crate::sources::Command;
use crate::sources::xray::TraceRequest;
use crate::store::Store;
use crate::store::traces::{TraceQuery, TraceRange, TraceSummary};
use crate::ui::action::Action;
use crate::ui::filter::Filter;
use crate::ui::pane::{CommandInfo, Ctx, DrawCtx, Intent, Outcome, Pane, PaneKind, ViewState};
use crate::ui::theme::Level;
use crate::ui::widgets::span_tree::{self, SpanTreeView};
use crate::ui::widgets::text::{self, width};
use crate::ui::widgets::text_input::TextInput;
use crate::ui::widgets::{block, draw_message};

/// Server-side filter presets, in the order `f` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    All,
    Faults,
    Errors,
    Throttles,
    Slow,
    Model,
    Service,
}

impl Preset {
    const CYCLE: [Preset; 7] =
        [Self::All, Self::Faults, Self::Errors, Self::Throttles, Self::Slow, Self::Model, Self::Service];

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Faults => "faults",
            Self::Errors => "errors",
            Self::Throttles => "throttles",
            Self::Slow => "slow",
            Self::Model => "model",
            Self::Service => "service",
        }
    }
}

/// Columns of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Time,
    Duration,
    Response,
    Root,
    Status,
    Flags,
    Model,
    Tokens,
    Cost,
}

impl Col {
    /// The order `s` cycles through.
    const SORTABLE: [Col; 8] =
        [Self::Time, Self::Duration, Self::Cost, Self::Tokens, Self::Flags, Self::Response, Self::Model, Self::Root];

    fn title(self) -> &'static str {
        match self {
            Self::Time => "Time",
            Self::Duration => "Dur",
            Self::Response => "Resp",
            Self::Root => "Service / operation",
            Self::Status => "HTTP",
            Self::Flags => "FET",
            Self::Model => "Model",
            Self::Tokens => "Tok",
            Self::Cost => "Cost",
        }
    }
}

/// One list row: the summary, and the fetched trace when there is one (exact figures).
#[derive(Debug, Clone, Copy)]
pub struct TraceRow<'a> {
    pub s: &'a TraceSummary,
    pub t: Option<&'a Arc<Trace>>,
}

impl TraceRow<'_> {
    pub fn duration(&self) -> Option<f64> {
        self.t.map(|t| t.duration()).or(self.s.duration)
    }
    pub fn fault(&self) -> bool {
        self.s.fault || self.t.is_some_and(|t| t.totals.faults > 0)
    }
    pub fn error(&self) -> bool {
        self.s.error || self.t.is_some_and(|t| t.totals.errors > 0)
    }
    pub fn throttle(&self) -> bool {
        self.s.throttle || self.t.is_some_and(|t| t.totals.throttles > 0)
    }
    pub fn failed(&self) -> bool {
        self.fault() || self.error() || self.throttle()
    }
    pub fn models(&self) -> Vec<String> {
        match self.t {
            Some(t) if !t.totals.models.is_empty() => t.totals.models.clone(),
            _ => self.s.models.clone(),
        }
    }
    pub fn tokens(&self) -> Option<f64> {
        self.t.and_then(|t| t.totals.tokens).or(self.s.genai.tokens())
    }
    pub fn cost(&self) -> Option<f64> {
        self.t.and_then(|t| t.totals.cost_usd).or(self.s.genai.cost_usd)
    }
    pub fn root(&self) -> String {
        let root = self.s.root.clone().or_else(|| self.t.and_then(|t| t.root_name().map(str::to_string)));
        let mut r = root.unwrap_or_else(|| NONE.into());
        // whose trace: a monitoring account's source account (or one of several profiles)
        if let Some((account, _)) = self.s.region.rsplit_once('/') {
            r = format!("{account} · {r}");
        }
        if let Some(op) = &self.s.operation {
            r.push(' ');
            r.push_str(op);
        }
        sanitize::one_line(&r)
    }
    fn flags_rank(&self) -> u8 {
        (self.fault() as u8) * 4 + (self.throttle() as u8) * 2 + self.error() as u8
    }
    fn matches(&self, needle: &str) -> bool {
        let n = needle.to_lowercase();
        let hay = [
            self.s.id.clone(),
            self.root(),
            self.models().join(" "),
            self.s.http_status.map(|s| s.to_string()).unwrap_or_default(),
            self.s.http_url.clone().unwrap_or_default(),
            if self.fault() { "fault".into() } else { String::new() },
            if self.throttle() { "throttle".into() } else { String::new() },
            if self.error() { "error".into() } else { String::new() },
        ];
        hay.iter().any(|h| h.to_lowercase().contains(&n))
    }
}

/// The Traces pane: the list, and an open trace's span tree.
#[derive(Debug)]
pub struct TracesPane {
    pub selected_id: Option<String>,
    selected: usize,
    pub sort: Col,
    pub descending: bool,
    /// `/`: narrows the list locally, as you type (kept after Enter).
    pub narrow: Filter,
    pub preset: Preset,
    /// The model the list is scoped to (a pivot, or the model preset).
    pub model: Option<String>,
    /// The service of the service preset.
    pub service: Option<String>,
    /// A typed expression; wins over the presets while set.
    pub custom: Option<String>,
    /// A fixed range from a pivot; `None` follows the console's window.
    pub range: Option<Window>,
    /// `i`: the X-Ray filter expression being typed, sent on Enter.
    pub expression_input: Option<TextInput>,
    pub tree: Option<SpanTreeView>,
    /// Wide: the selected row's span tree beside the list (rebuilt when the selection moves).
    preview: Option<SpanTreeView>,
    page: usize,
    /// The time a trace opened from a log line was seen at (where to look for its spans).
    open_at_time: Option<f64>,
}

impl Default for TracesPane {
    fn default() -> Self {
        Self {
            selected_id: None,
            selected: 0,
            sort: Col::Time,
            descending: true,
            narrow: Filter::default(),
            preset: Preset::All,
            model: None,
            service: None,
            custom: None,
            range: None,
            expression_input: None,
            tree: None,
            preview: None,
            page: 10,
            open_at_time: None,
        }
    }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl TracesPane {
    /// The filter expression the list is (or will be) asked with.
    pub fn expression(&self, store: &Store) -> Option<String> {
        if let Some(c) = &self.custom {
            return Some(c.clone());
        }
        let mut parts = Vec::new();
        if let Some(m) = &self.model {
            parts.push(format!("annotation.{} = \"{}\"", store.traces.model_annotation(), quote(m)));
        }
        match self.preset {
            Preset::All | Preset::Model => {}
            Preset::Faults => parts.push("fault".into()),
            Preset::Errors => parts.push("error".into()),
            Preset::Throttles => parts.push("throttle".into()),
            Preset::Slow => {
                if let Some(p95) = store.traces.baseline_p95() {
                    parts.push(format!("responsetime > {}", trim_float(p95)));
                }
            }
            Preset::Service => {
                if let Some(s) = &self.service {
                    parts.push(format!("service(\"{}\")", quote(s)));
                }
            }
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }

    fn trace_range(&self, store: &Store) -> TraceRange {
        match self.range {
            Some(w) => TraceRange::Fixed(w),
            None => TraceRange::Last(if store.window.secs() > 0 { store.window.secs() } else { 3600 }),
        }
    }

    /// Ask for the list this pane shows.
    pub fn list_command(&self, store: &Store) -> Command {
        Command::Traces(TraceRequest::List(TraceQuery::new(self.trace_range(store), self.expression(store))))
    }

    /// The rows, filtered locally and sorted.
    pub fn rows<'a>(&self, store: &'a Store) -> Vec<TraceRow<'a>> {
        let mut rows: Vec<TraceRow> =
            store.traces.summaries().into_iter().map(|s| TraceRow { s, t: store.traces.trace(&s.id) }).collect();
        if !self.narrow.is_empty() {
            rows.retain(|r| r.matches(self.narrow.text()));
        }
        let sort = self.sort;
        let num = |r: &TraceRow| -> f64 {
            match sort {
                Col::Time => r.s.start,
                Col::Duration => r.duration().unwrap_or(-1.0),
                Col::Response => r.s.response_time.unwrap_or(-1.0),
                Col::Tokens => r.tokens().unwrap_or(-1.0),
                Col::Cost => r.cost().unwrap_or(-1.0),
                Col::Flags => f64::from(r.flags_rank()),
                Col::Status => f64::from(r.s.http_status.unwrap_or(0)),
                Col::Root | Col::Model => 0.0,
            }
        };
        rows.sort_by(|a, b| {
            let o = match sort {
                Col::Root => a.root().cmp(&b.root()),
                Col::Model => a.models().first().cmp(&b.models().first()),
                _ => num(a).total_cmp(&num(b)),
            };
            let o = if self.descending { o.reverse() } else { o };
            o.then_with(|| b.s.start.total_cmp(&a.s.start)).then_with(|| a.s.id.cmp(&b.s.id))
        });
        rows
    }

    /// Keep the selection on the same trace when rows move; returns the selected index.
    fn resolve_selection(&mut self, rows: &[TraceRow]) -> usize {
        if let Some(id) = &self.selected_id
            && let Some(i) = rows.iter().position(|r| &r.s.id == id)
        {
            self.selected = i;
        }
        self.selected = self.selected.min(rows.len().saturating_sub(1));
        self.selected_id = rows.get(self.selected).map(|r| r.s.id.clone());
        self.selected
    }

    /// Fetch the selected trace and the next few (one BatchGetTraces call).
    fn prefetch(&self, store: &Store, rows: &[TraceRow]) -> Outcome {
        let Some(sel) = rows.get(self.selected) else { return Outcome::Redraw };
        let region = sel.s.region.clone();
        let ids: Vec<String> = rows[self.selected..]
            .iter()
            .filter(|r| r.s.region == region && store.traces.wants_fetch(&r.s.id))
            .take(crate::sources::xray::MAX_IDS_PER_CALL)
            .map(|r| r.s.id.clone())
            .collect();
        if ids.is_empty() {
            return Outcome::Redraw;
        }
        let windows = ids.iter().filter_map(|id| Some((id.clone(), fetch_window(store, id, None)?))).collect();
        Outcome::Send(Command::Traces(TraceRequest::Fetch { region, ids, windows }))
    }

    fn open(&mut self, store: &Store, id: &str, region: &str) -> Outcome {
        self.open_at_time = None;
        self.open_at(store, id, region, None)
    }

    fn open_at(&mut self, store: &Store, id: &str, region: &str, at: Option<f64>) -> Outcome {
        let mut view = SpanTreeView::new(id, region);
        if let Some(t) = store.traces.trace(id) {
            view.attach(t.clone());
            self.tree = Some(view);
            return Outcome::Redraw;
        }
        self.tree = Some(view);
        if store.traces.is_pending(id) {
            return Outcome::Redraw;
        }
        let windows = fetch_window(store, id, at).map(|w| (id.to_string(), w)).into_iter().collect();
        Outcome::Send(Command::Traces(TraceRequest::Fetch { region: region.into(), ids: vec![id.into()], windows }))
    }

    fn handle_list(&mut self, action: Action, store: &Store) -> Outcome {
        let rows = self.rows(store);
        let n = rows.len();
        let last = n.saturating_sub(1);
        self.resolve_selection(&rows);
        let before = self.selected;
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page.max(1)),
            Action::PageDown => self.selected = (self.selected + self.page.max(1)).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::NextFailure | Action::PrevFailure => {
                let fwd = action == Action::NextFailure;
                let found = (1..=n)
                    .map(|k| if fwd { (before + k) % n.max(1) } else { (before + n * 2 - k) % n.max(1) })
                    .find(|i| rows[*i].failed());
                match found {
                    Some(i) => self.selected = i,
                    None => return Outcome::Flash("no failing trace in the list".into()),
                }
            }
            Action::SortNext => {
                let i = Col::SORTABLE.iter().position(|c| *c == self.sort).unwrap_or(0);
                self.sort = Col::SORTABLE[(i + 1) % Col::SORTABLE.len()];
                self.descending = !matches!(self.sort, Col::Root | Col::Model);
                return Outcome::Redraw;
            }
            Action::SortReverse => {
                self.descending = !self.descending;
                return Outcome::Redraw;
            }
            Action::Filter => {
                self.narrow.start();
                return Outcome::Redraw;
            }
            Action::Edit => {
                self.expression_input = Some(TextInput::single(&self.expression(store).unwrap_or_default()));
                return Outcome::Redraw;
            }
            Action::NextPreset => return self.next_preset(store, &rows),
            Action::Select => {
                return match rows.get(self.selected) {
                    Some(r) => {
                        let (id, region) = (r.s.id.clone(), r.s.region.clone());
                        self.selected_id = Some(id.clone());
                        self.open(store, &id, &region)
                    }
                    None => Outcome::None,
                };
            }
            Action::Yank => {
                return match rows.get(self.selected) {
                    Some(r) => Outcome::Yank(r.s.id.clone()),
                    None => Outcome::None,
                };
            }
            Action::ShowLogs => {
                return match rows.get(self.selected) {
                    Some(r) => Outcome::Goto(
                        PaneKind::Logs,
                        Intent::LogsForTrace {
                            trace_id: r.s.id.clone(),
                            window: Some(trace_window(r.s.start, r.duration())),
                        },
                    ),
                    None => Outcome::None,
                };
            }
            _ => return Outcome::Ignored,
        }
        self.selected_id = rows.get(self.selected).map(|r| r.s.id.clone());
        self.prefetch(store, &rows)
    }

    fn next_preset(&mut self, store: &Store, rows: &[TraceRow]) -> Outcome {
        self.custom = None;
        let i = Preset::CYCLE.iter().position(|p| *p == self.preset).unwrap_or(0);
        let mut next = Preset::CYCLE[(i + 1) % Preset::CYCLE.len()];
        let sel = rows.get(self.selected);
        if next == Preset::Slow && store.traces.baseline_p95().is_none() {
            next = Preset::Model;
        }
        if next == Preset::Model {
            match sel.and_then(|r| r.models().first().cloned()).or(self.model.clone()) {
                Some(m) => self.model = Some(m),
                None => next = Preset::Service,
            }
        }
        if next == Preset::Service {
            match sel.and_then(|r| r.s.root.clone().or_else(|| r.t.and_then(|t| t.root_name().map(str::to_string)))) {
                Some(s) => self.service = Some(s),
                None => next = Preset::All,
            }
        }
        if next == Preset::All {
            // a full cycle ends unscoped
            self.model = None;
            self.service = None;
        }
        self.preset = next;
        Outcome::Send(self.list_command(store))
    }

    fn handle_tree(&mut self, action: Action, store: &Store) -> Outcome {
        let at = self.open_at_time;
        let Some(v) = self.tree.as_mut() else { return Outcome::Ignored };
        if !v.is_loaded() {
            return match action {
                Action::Select => {
                    let (id, region) = (v.trace_id.clone(), v.region.clone());
                    let windows = fetch_window(store, &id, at).map(|w| (id.clone(), w)).into_iter().collect();
                    Outcome::Send(Command::Traces(TraceRequest::Fetch { region, ids: vec![id], windows }))
                }
                Action::Yank => Outcome::Yank(v.trace_id.clone()),
                _ => Outcome::Ignored,
            };
        }
        if v.detail_focus {
            match action {
                Action::Up => v.detail_scroll = v.detail_scroll.saturating_sub(1),
                Action::Down => v.detail_scroll = v.detail_scroll.saturating_add(1),
                Action::PageUp => v.detail_scroll = v.detail_scroll.saturating_sub(10),
                Action::PageDown => v.detail_scroll = v.detail_scroll.saturating_add(10),
                Action::Top => v.detail_scroll = 0,
                Action::Select => v.detail_focus = false,
                Action::Redact => v.redact = !v.redact,
                Action::Yank => return Outcome::Yank(v.trace_id.clone()),
                Action::YankAlt => return v.selected_id().map(Outcome::Yank).unwrap_or(Outcome::None),
                _ => return Outcome::Ignored,
            }
            return Outcome::Redraw;
        }
        let page = v.page.max(1) as isize;
        match action {
            Action::Up => v.move_by(-1),
            Action::Down => v.move_by(1),
            Action::PageUp => v.move_by(-page),
            Action::PageDown => v.move_by(page),
            Action::Top => v.top(),
            Action::Bottom => v.bottom(),
            Action::Left => v.left(),
            Action::Right => v.right(),
            Action::Toggle => v.toggle(),
            Action::ExpandAll => v.expand_all(),
            Action::CollapseAll => v.collapse_all(),
            Action::NextFailure | Action::PrevFailure => {
                if !v.next_failure(action == Action::NextFailure) {
                    return Outcome::Flash("no failing span in this trace".into());
                }
            }
            Action::Select => {
                v.detail_focus = true;
                v.detail_scroll = 0;
            }
            Action::Redact => v.redact = !v.redact,
            Action::Yank => return Outcome::Yank(v.trace_id.clone()),
            Action::YankAlt => return v.selected_id().map(Outcome::Yank).unwrap_or(Outcome::None),
            Action::ShowLogs => {
                let t = v.trace().expect("loaded");
                return Outcome::Goto(
                    PaneKind::Logs,
                    Intent::LogsForTrace {
                        trace_id: v.trace_id.clone(),
                        window: Some(trace_window(t.start, Some(t.duration()))),
                    },
                );
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Redraw
    }

    fn edit_key(&mut self, key: KeyEvent, store: &Store) -> Outcome {
        if self.narrow.editing {
            return if self.narrow.key(key) { Outcome::Redraw } else { Outcome::None };
        }
        let Some(input) = self.expression_input.as_mut() else { return Outcome::None };
        match key.code {
            KeyCode::Esc => self.expression_input = None,
            KeyCode::Enter => {
                let e = input.value().trim().to_string();
                self.expression_input = None;
                self.custom = (!e.is_empty()).then_some(e);
                if self.custom.is_none() {
                    self.preset = Preset::All;
                    self.model = None;
                }
                return Outcome::Send(self.list_command(store));
            }
            _ => {
                if !input.key(key) {
                    return Outcome::None;
                }
            }
        }
        Outcome::Redraw
    }
}

/// Where a trace's spans are (for the `aws/spans` reader): from its summary's start time and
/// duration, else from `at` (a time of the trace: a log line's), else the list's window. Never
/// from the trace id: OpenTelemetry ids carry no time. `None` when nothing is known.
pub fn fetch_window(store: &Store, id: &str, at: Option<f64>) -> Option<Window> {
    use crate::store::traces::trace_fetch_window;
    let summary = store.traces.summaries().into_iter().find(|s| s.id == id);
    match summary {
        Some(s) if !s.start_estimated => Some(trace_fetch_window(s.start, s.duration)),
        _ => match at {
            Some(t) => Some(Window { start: t.floor() as i64 - 3600, end: t.ceil() as i64 + 3600 }),
            None => store.traces.window(),
        },
    }
}

/// A window around a trace, for the logs pivot (a minute either side).
fn trace_window(start: f64, duration: Option<f64>) -> Window {
    let s = start.floor() as i64;
    let e = (start + duration.unwrap_or(0.0)).ceil() as i64;
    Window { start: s - 60, end: e + 60 }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl Pane for TracesPane {
    fn kind(&self) -> PaneKind {
        PaneKind::Traces
    }
    fn title(&self) -> &'static str {
        "Traces"
    }
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        if let Some(v) = self.tree.as_mut() {
            if !v.is_loaded()
                && let Some(t) = ctx.store.traces.trace(&v.trace_id)
            {
                v.attach(t.clone());
            }
            // wide: the list stays beside the span tree, on the open trace
            let tree_area = if area.width >= LIST_BESIDE_MIN_WIDTH && !ctx.store.traces.summaries().is_empty() {
                let [list, tree] =
                    Layout::horizontal([Constraint::Length(LIST_BESIDE_WIDTH), Constraint::Min(0)]).areas(area);
                let id = v.trace_id.clone();
                self.selected_id = Some(id);
                draw_list(f, list, self, ctx, true, false);
                tree
            } else {
                area
            };
            let Some(v) = self.tree.as_mut() else { return };
            if v.is_loaded() {
                span_tree::draw(f, tree_area, v, ctx.theme);
            } else {
                draw_pending(f, tree_area, v, ctx);
            }
            return;
        }
        if area.width >= LIST_BESIDE_MIN_WIDTH && !ctx.store.traces.summaries().is_empty() {
            let [list, tree] =
                Layout::horizontal([Constraint::Length(LIST_BESIDE_WIDTH), Constraint::Min(0)]).areas(area);
            draw_list(f, list, self, ctx, true, true);
            self.draw_preview(f, tree, ctx);
            return;
        }
        draw_list(f, area, self, ctx, false, true);
    }
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        if self.tree.is_some() {
            return self.handle_tree(action, ctx.store);
        }
        self.handle_list(action, ctx.store)
    }
    fn receive(&mut self, intent: &Intent, ctx: &Ctx) -> Outcome {
        let store = ctx.store;
        if let Intent::OpenTrace { trace_id, at } = intent {
            let region = store.identity.regions.first().cloned().unwrap_or_default();
            self.open_at_time = *at;
            return self.open_at(store, trace_id, &region, *at);
        }
        if let Intent::TracesFor { model, window, filter } = intent {
            self.tree = None;
            self.expression_input = None;
            self.narrow.clear();
            self.model = model.clone();
            self.range = *window;
            self.custom = filter.clone();
            self.preset = if model.is_some() { Preset::Model } else { Preset::All };
            self.selected = 0;
            self.selected_id = None;
            return Outcome::Send(self.list_command(store));
        }
        Outcome::None
    }
    fn commands(&self, _view: &ViewState) -> Vec<CommandInfo> {
        use CommandInfo as C;
        match &self.tree {
            Some(v) if v.detail_focus => vec![
                C::hint(Action::Back, "tree"),
                C::hint(Action::Redact, "hide prompts"),
                C::hint(Action::YankAlt, "copy span id"),
                C::help(Action::Down, "scroll"),
                C::help(Action::Yank, "copy trace id"),
            ],
            Some(_) => vec![
                C::hint(Action::Back, "list"),
                C::hint(Action::Toggle, "fold"),
                C::hint(Action::NextFailure, "next failure"),
                C::hint(Action::Select, "detail"),
                C::hint(Action::Yank, "copy trace id"),
                C::hint(Action::ShowLogs, "logs"),
                C::help(Action::PrevFailure, "previous failure"),
                C::help(Action::ExpandAll, "expand all"),
                C::help(Action::CollapseAll, "collapse all"),
                C::help(Action::YankAlt, "copy span id"),
                C::help(Action::Redact, "hide prompts"),
            ],
            None => vec![
                C::hint(Action::Select, "span tree"),
                C::hint(Action::NextFailure, "next failing"),
                C::hint(Action::NextPreset, "preset"),
                C::hint(Action::Edit, "filter expr"),
                C::hint(Action::Filter, "narrow"),
                C::hint(Action::SortNext, "sort"),
                C::help(Action::SortReverse, "reverse the sort"),
                C::help(Action::PrevFailure, "previous failing"),
                C::help(Action::Yank, "copy trace id"),
                C::help(Action::ShowLogs, "logs of the trace"),
            ],
        }
    }
    fn entered(&mut self, ctx: &Ctx) -> Outcome {
        let store = ctx.store;
        // the selected trace and the next few, so Enter (or the span tree beside a wide list)
        // shows at once; only for the list on screen, not one a pivot is about to replace
        let on_screen = store.traces.query().map(|q| q.filter.clone());
        if self.tree.is_some() || on_screen != Some(self.expression(store)) {
            return Outcome::None;
        }
        let rows = self.rows(store);
        let sel = self.resolve_selection(&rows);
        if !rows.get(sel).is_some_and(|r| store.traces.wants_fetch(&r.s.id)) {
            return Outcome::None;
        }
        self.prefetch(store, &rows)
    }
    fn captures_input(&self) -> bool {
        self.narrow.editing || self.expression_input.is_some()
    }
    fn handle_key(&mut self, key: KeyEvent, ctx: &Ctx) -> Outcome {
        self.edit_key(key, ctx.store)
    }
    fn back(&mut self) -> bool {
        if let Some(v) = self.tree.as_mut() {
            if v.detail_focus {
                v.detail_focus = false;
            } else {
                // back to the list, the row of this trace still selected
                self.selected_id = Some(v.trace_id.clone());
                self.tree = None;
            }
            return true;
        }
        if !self.narrow.is_empty() {
            self.narrow.clear();
            return true;
        }
        false
    }
}

fn draw_pending(f: &mut Frame, area: Rect, v: &SpanTreeView, ctx: &DrawCtx) {
    let (t, s) = (ctx.theme, &ctx.store.traces);
    let title = format!("Trace {} · Esc list", v.trace_id);
    let line = if s.is_unprocessed(&v.trace_id) {
        Line::styled(
            "X-Ray did not return this trace (unprocessed or expired; with Transaction Search on, BatchGetTraces cannot see it). Enter retries.",
            t.warn(),
        )
    } else if let Some(e) = s.fetch_error(&v.trace_id) {
        Line::styled(format!("{} · Enter retries", e.one_line()), t.crit())
    } else if ctx.store.replay.is_some() {
        Line::styled(
            format!(
                "Trace {} is not in the snapshot: it had not been fetched when the snapshot was saved.",
                v.trace_id
            ),
            t.warn(),
        )
    } else {
        Line::styled(format!("Fetching trace {} (BatchGetTraces)…", v.trace_id), t.muted())
    };
    draw_message(f, area, &title, vec![line], t);
}

fn since_label(secs: i64) -> String {
    crate::domain::window::Since::from_secs(secs.max(60)).to_string()
}

/// From this many columns the trace list sits beside a span tree: the open one, or the selected
/// row's (once fetched).
pub const LIST_BESIDE_MIN_WIDTH: u16 = 160;
/// The list's width beside the tree: flags, time, duration, root and model.
const LIST_BESIDE_WIDTH: u16 = 58;

impl TracesPane {
    /// Beside the list: the selected trace's span tree once it is fetched (moving the selection
    /// fetches it), else what is happening to it.
    fn draw_preview(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let ts = &ctx.store.traces;
        let Some(id) = self.selected_id.clone() else {
            draw_message(f, area, "Span tree", vec![Line::styled("No trace selected.", ctx.theme.muted())], ctx.theme);
            return;
        };
        let Some(t) = ts.trace(&id) else {
            let msg = if ts.is_pending(&id) {
                format!("Fetching trace {id} (BatchGetTraces)…")
            } else if let Some(e) = ts.fetch_error(&id) {
                format!("{} · Enter retries", e.one_line())
            } else {
                "Not fetched yet: Enter fetches and opens it.".to_string()
            };
            draw_message(f, area, "Span tree", vec![Line::styled(msg, ctx.theme.muted())], ctx.theme);
            return;
        };
        if self.preview.as_ref().is_none_or(|v| v.trace_id != id) {
            let region = ts.summaries().iter().find(|s| s.id == id).map(|s| s.region.clone()).unwrap_or_default();
            let mut v = SpanTreeView::new(&id, &region);
            v.attach(t.clone());
            self.preview = Some(v);
        }
        if let Some(v) = self.preview.as_mut() {
            span_tree::draw(f, area, v, ctx.theme);
        }
    }
}

/// The trace list; `compact`: narrow, next to a span tree (fewer columns); `focused`: the keys
/// move in it.
fn draw_list(f: &mut Frame, area: Rect, p: &mut TracesPane, ctx: &DrawCtx, compact: bool, focused: bool) {
    let (store, theme) = (ctx.store, ctx.theme);
    let ts = &store.traces;
    let expr = p.expression(store);
    // what the list on screen was asked for (the pane's own choice until a list arrives)
    let shown = ts.query().map(|q| q.range).unwrap_or_else(|| p.trace_range(store));
    let range = match shown {
        TraceRange::Fixed(w) => format!("{}–{} UTC", ctx.fmt.hhmm(w.start), ctx.fmt.hhmm(w.end)),
        TraceRange::Last(secs) => format!("last {}", since_label(secs)),
    };
    let expr = match ts.query() {
        Some(q) => q.filter.clone(),
        None => expr,
    };
    let rows = p.rows(store);
    let total = ts.summaries().len();
    let count = if rows.len() == total { format!("{total}") } else { format!("{} of {total}", rows.len()) };
    // with Transaction Search the list is X-Ray's indexed sample: every count says so
    let sample = ts.sampling_label().map(|l| sanitize::one_line(&l));
    let mut title = match &sample {
        Some(l) => format!("Traces ({count}, {l}) · {range}"),
        None => format!("Traces ({count}) · {range}"),
    };
    if ts.loading() && store.replay.is_some() {
        title.push_str(" · was still listing when saved");
    } else if ts.loading() {
        title.push_str(" · listing…");
    } else if let Some(at) = ts.listed_at() {
        title.push_str(&format!(" · listed {} ago", format::age(ctx.now - at)));
    }
    if ts.truncated() {
        title.push_str(" · newest only (cap)");
    }
    if p.sort != Col::Time || !p.descending {
        title.push_str(&format!(" · by {}{}", p.sort.title(), if p.descending { "▼" } else { "▲" }));
    }
    let outer = block(&title, theme, focused);
    let inner = outer.inner(area);
    f.render_widget(outer, area);
    if inner.height < 2 {
        return;
    }
    let input_open = p.narrow.editing || p.expression_input.is_some();
    let input_h = u16::from(input_open);
    let [filter_area, body, input_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(input_h)]).areas(inner);
    // the expression in use, always
    let mut fl = vec![TSpan::styled("filter ", theme.muted())];
    match &expr {
        Some(e) => fl.push(TSpan::styled(sanitize::one_line(e), theme.accent())),
        None => fl.push(TSpan::styled("none (all traces)", theme.muted())),
    }
    if p.custom.is_none() && p.preset != Preset::All && p.expression(store) == expr {
        fl.push(TSpan::styled(format!("  [{}]", p.preset.label()), theme.muted()));
    }
    if !p.narrow.is_empty() && !input_open {
        fl.push(TSpan::styled(format!("  / {}", sanitize::one_line(p.narrow.text())), theme.warn()));
    }
    f.render_widget(Paragraph::new(Line::from(fl)), filter_area);
    let open = match &p.expression_input {
        Some(t) => Some(("X-Ray filter: ", t)),
        None if p.narrow.editing => Some(("/ ", &p.narrow.input)),
        None => None,
    };
    if let Some((label, input)) = open {
        // the text as far as it fits before the hint, the cursor kept in view
        let room = (input_area.width as usize).saturating_sub(width(label) + 1);
        let mut spans = vec![TSpan::styled(label, theme.header())];
        spans.extend(input.fitted_spans(
            room,
            ratatui::style::Style::default(),
            theme.accent().add_modifier(ratatui::style::Modifier::REVERSED),
            ("▏", theme.accent()),
        ));
        spans.push(TSpan::styled("  Enter ok · Esc cancel", theme.muted()));
        f.render_widget(Paragraph::new(Line::from(spans)), input_area);
    }
    let errors = ts.list_errors();
    if rows.is_empty() {
        let mut lines = Vec::new();
        if let Some((region, e)) = errors.first() {
            lines.push(Line::styled(format!("xray {region}: {}", e.one_line()), theme.crit()));
        } else if !ts.listed() {
            lines.push(Line::styled("Listing traces from X-Ray (GetTraceSummaries)…", theme.muted()));
        } else if total > 0 {
            lines.push(Line::styled(
                format!("No trace matches '{}'. Esc clears.", sanitize::one_line(p.narrow.text())),
                theme.warn(),
            ));
        } else if let Some(note) = ts.retention_note() {
            // an old window: not "no traces", but traces X-Ray no longer keeps
            lines.push(Line::styled(format!("No traces in {range}."), theme.warn()));
            lines.push(Line::styled(note, theme.warn()));
        } else {
            lines.push(Line::styled(
                format!(
                    "No traces in {range}{}.",
                    expr.as_ref().map(|e| format!(" matching {}", sanitize::one_line(e))).unwrap_or_default()
                ),
                theme.warn(),
            ));
            let why = match &sample {
                Some(l) => format!(
                    "Transaction Search is on: X-Ray lists an indexed sample of the traces ({l}): widen the window or the filter."
                ),
                None => "X-Ray keeps sampled requests only (and indexes 1% of spans when Transaction Search is on): widen the window or the filter.".to_string(),
            };
            lines.push(Line::styled(why, theme.muted()));
        }
        let inner_h = body.height as usize;
        let pad = inner_h.saturating_sub(lines.len()) / 2;
        let mut all = vec![Line::from(""); pad];
        all.extend(lines);
        f.render_widget(
            Paragraph::new(all)
                .alignment(ratatui::layout::Alignment::Center)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            body,
        );
        return;
    }
    let mut body = body;
    if let Some(note) = ts.retention_note().filter(|_| errors.is_empty()) {
        let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        f.render_widget(Paragraph::new(Line::styled(note, theme.warn())), line);
        body = rest;
    }
    if let Some((region, e)) = errors.first() {
        let [err, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        f.render_widget(
            Paragraph::new(Line::styled(format!("stale · xray {region}: {}", e.one_line()), theme.crit())),
            err,
        );
        body = rest;
    }
    let width = body.width as usize;
    let wide = width >= 110;
    let mut cols = vec![Col::Flags, Col::Time, Col::Duration];
    if wide {
        cols.push(Col::Response);
    }
    if compact {
        cols.extend([Col::Root, Col::Model]);
    } else {
        cols.extend([Col::Root, Col::Status, Col::Model, Col::Tokens, Col::Cost]);
    }
    let fixed: usize = cols
        .iter()
        .map(|c| match c {
            Col::Flags => 3,
            Col::Time => 8,
            Col::Duration | Col::Response => 6,
            Col::Root => 0,
            Col::Status => 4,
            Col::Model if wide => 22,
            Col::Model => 17,
            Col::Tokens => 6,
            Col::Cost => 8,
        })
        .sum::<usize>()
        + cols.len().saturating_sub(1);
    let longest = rows.iter().map(|r| text::width(&r.root())).max().unwrap_or(0).clamp(14, 60);
    let root_w = (fixed + longest <= width).then_some(longest as u16);
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| match c {
            Col::Flags => Constraint::Length(3),
            Col::Time => Constraint::Length(8),
            Col::Duration | Col::Response => Constraint::Length(6),
            // no wider than the longest service and operation when the row has room to spare
            // (the rest of a wide row stays free); else it takes what the others leave
            Col::Root if compact || root_w.is_none() => Constraint::Min(14),
            Col::Root => Constraint::Length(root_w.unwrap_or(14)),
            Col::Status => Constraint::Length(4),
            Col::Model => Constraint::Length(if wide { 22 } else { 17 }),
            Col::Tokens => Constraint::Length(6),
            Col::Cost => Constraint::Length(8),
        })
        .collect();
    let header = Row::new(cols.iter().map(|c| {
        let mut t = c.title().to_string();
        if *c == p.sort {
            t.push(if p.descending { '▼' } else { '▲' });
        }
        Cell::from(t)
    }))
    .style(theme.header());
    let sel = p.resolve_selection(&rows);
    p.page = body.height.saturating_sub(1) as usize;
    let body_rows: Vec<Row> = rows
        .iter()
        .map(|r| {
            Row::new(cols.iter().map(|c| {
                let (text, style) = match c {
                    Col::Flags => {
                        return Cell::from(Line::from(vec![
                            if r.fault() { TSpan::styled("F", theme.crit()) } else { TSpan::raw("·") },
                            if r.error() { TSpan::styled("E", theme.warn()) } else { TSpan::raw("·") },
                            if r.throttle() { TSpan::styled("T", theme.warn()) } else { TSpan::raw("·") },
                        ]));
                    }
                    Col::Time => (time_of(r.s.start), theme.text()),
                    Col::Duration => (
                        format!("{:>6}", r.duration().map(|d| format::ms(d * 1000.0)).unwrap_or_else(|| NONE.into())),
                        theme.level(dur_level(r.duration())),
                    ),
                    Col::Response => (
                        format!(
                            "{:>6}",
                            r.s.response_time.map(|d| format::ms(d * 1000.0)).unwrap_or_else(|| NONE.into())
                        ),
                        theme.text(),
                    ),
                    Col::Root => (r.root(), theme.text()),
                    Col::Status => (
                        r.s.http_status.map(|s| format!("{s:>4}")).unwrap_or_else(|| format!("{NONE:>4}")),
                        match r.s.http_status {
                            Some(s) if s >= 500 => theme.crit(),
                            Some(s) if s >= 400 => theme.warn(),
                            _ => theme.text(),
                        },
                    ),
                    Col::Model => {
                        let m = r.models();
                        let label = match m.len() {
                            0 => NONE.to_string(),
                            1 => short_model_name(&sanitize::one_line(&m[0])),
                            n => format!("{} +{}", short_model_name(&sanitize::one_line(&m[0])), n - 1),
                        };
                        (label, theme.text())
                    }
                    Col::Tokens => {
                        (format!("{:>6}", r.tokens().map(format::count).unwrap_or_else(|| NONE.into())), theme.text())
                    }
                    Col::Cost => (
                        format!("{:>8}", r.cost().map(span_tree::cost_label).unwrap_or_else(|| NONE.into())),
                        theme.text(),
                    ),
                };
                Cell::from(TSpan::styled(text, style))
            }))
        })
        .collect();
    let t = Table::new(body_rows, widths).header(header).column_spacing(1).row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(sel));
    f.render_stateful_widget(t, body, &mut state);
}

fn time_of(t: f64) -> String {
    chrono::DateTime::from_timestamp(t.floor() as i64, 0).map(|d| d.format("%H:%M:%S").to_string()).unwrap_or_default()
}

fn dur_level(d: Option<f64>) -> Level {
    match d {
        Some(v) if v >= 10.0 => Level::Crit,
        Some(v) if v >= 5.0 => Level::Warn,
        _ => Level::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context at a fixed time (2026-11-25 06:00 UTC).
    fn cx(store: &Store) -> Ctx<'_> {
        Ctx::new(store, 1_795_586_400)
    }
    use crate::domain::pricing::PriceTable;
    use crate::store::Update;
    use crate::store::traces::{TraceList, TracesUpdate};

    fn store_with(summaries: Vec<TraceSummary>) -> Store {
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.traces.model_annotation = "model_id".into();
        let q = TraceQuery::new(TraceRange::Last(3600), None);
        s.apply(Update::Traces(TracesUpdate::Listed(TraceList {
            query: q,
            region: "us-east-1".into(),
            window: Window { start: 0, end: 3600 },
            summaries,
            processed: 3,
            truncated: false,
            listed_at: 3600,
            sampling: None,
        })));
        s
    }

    fn sum(id: &str, start: f64, rt: f64, throttle: bool, model: &str) -> TraceSummary {
        TraceSummary {
            id: id.into(),
            region: "us-east-1".into(),
            start,
            duration: Some(rt),
            response_time: Some(rt),
            root: Some("rag-api".into()),
            throttle,
            models: vec![model.into()],
            ..Default::default()
        }
    }

    #[test]
    fn presets_build_expressions_and_pivots_scope_to_a_model() {
        let store = store_with(vec![sum("1-a", 10.0, 1.0, false, "m1"), sum("1-b", 20.0, 9.0, true, "m2")]);
        let mut p = TracesPane::default();
        assert_eq!(p.expression(&store), None);
        let seen: Vec<Option<String>> = (0..7)
            .map(|_| {
                p.handle(Action::NextPreset, &cx(&store));
                p.expression(&store)
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                Some("fault".to_string()),
                Some("error".to_string()),
                Some("throttle".to_string()),
                Some("responsetime > 9".to_string()),
                Some("annotation.model_id = \"m2\"".to_string()),
                Some("annotation.model_id = \"m2\" AND service(\"rag-api\")".to_string()),
                None,
            ]
        );
        let out = p.receive(
            &Intent::TracesFor {
                model: Some("us.x\"y".into()),
                window: Some(Window { start: 60, end: 120 }),
                filter: None,
            },
            &cx(&store),
        );
        let Outcome::Send(Command::Traces(TraceRequest::List(q))) = out else { panic!("{out:?}") };
        assert_eq!(q.filter.as_deref(), Some("annotation.model_id = \"us.x\\\"y\""));
        assert_eq!(q.range, TraceRange::Fixed(Window { start: 60, end: 120 }));
        p.handle(Action::NextPreset, &cx(&store));
        assert_eq!(
            p.expression(&store).as_deref(),
            Some("annotation.model_id = \"us.x\\\"y\" AND service(\"rag-api\")")
        );
    }

    #[test]
    fn typed_expressions_narrowing_and_selection_by_id() {
        let store = store_with(vec![
            sum("1-a", 10.0, 1.0, false, "m1"),
            sum("1-b", 20.0, 9.0, true, "m2"),
            sum("1-c", 30.0, 2.0, false, "m1"),
        ]);
        let mut p = TracesPane::default();
        assert_eq!(p.rows(&store).iter().map(|r| r.s.id.as_str()).collect::<Vec<_>>(), ["1-c", "1-b", "1-a"]);
        p.handle(Action::Edit, &cx(&store));
        assert!(p.captures_input());
        for c in "fault OR throttle".chars() {
            p.handle_key(KeyEvent::from(KeyCode::Char(c)), &cx(&store));
        }
        let out = p.handle_key(KeyEvent::from(KeyCode::Enter), &cx(&store));
        assert!(
            matches!(out, Outcome::Send(Command::Traces(TraceRequest::List(ref q))) if q.filter.as_deref() == Some("fault OR throttle"))
        );
        assert!(!p.captures_input());
        // narrow locally
        p.handle(Action::Filter, &cx(&store));
        for c in "m2".chars() {
            p.handle_key(KeyEvent::from(KeyCode::Char(c)), &cx(&store));
        }
        assert_eq!(p.rows(&store).len(), 1);
        p.handle_key(KeyEvent::from(KeyCode::Enter), &cx(&store));
        assert_eq!(p.narrow.text(), "m2");
        assert!(p.back(), "Esc clears the narrowing");
        assert_eq!(p.rows(&store).len(), 3);
        // next failing row, and sorting keeps the selection on the same trace
        p.handle(Action::NextFailure, &cx(&store));
        assert_eq!(p.selected_id.as_deref(), Some("1-b"));
        p.handle(Action::SortNext, &cx(&store)); // duration, descending
        let rows = p.rows(&store);
        assert_eq!(rows[0].s.id, "1-b");
        let out = p.handle(Action::Down, &cx(&store));
        assert_eq!(p.selected_id.as_deref(), Some("1-c"));
        assert!(matches!(out, Outcome::Send(Command::Traces(TraceRequest::Fetch { ref ids, .. })) if ids[0] == "1-c"));
        assert_eq!(p.handle(Action::Yank, &cx(&store)), Outcome::Yank("1-c".into()));
    }

    #[test]
    fn enter_opens_and_esc_returns_with_the_selection_kept() {
        let store = store_with(vec![sum("1-a", 10.0, 1.0, false, "m1"), sum("1-b", 20.0, 9.0, true, "m2")]);
        let mut p = TracesPane::default();
        p.handle(Action::Down, &cx(&store));
        let out = p.handle(Action::Select, &cx(&store));
        assert!(
            matches!(out, Outcome::Send(Command::Traces(TraceRequest::Fetch { ref ids, .. })) if ids == &["1-a".to_string()])
        );
        assert!(p.tree.is_some());
        assert!(p.back());
        assert!(p.tree.is_none());
        assert_eq!(p.selected_id.as_deref(), Some("1-a"));
        assert!(!p.back(), "nothing more to go back from");
    }

    #[test]
    fn fetch_windows_come_from_the_summary_a_log_lines_time_or_the_list() {
        let mut est = sum("1-est", 0.0, 2.0, false, "m");
        est.start_estimated = true;
        let store = store_with(vec![sum("1-f1e2d3c4-bd862e3fe1be46a994272793", 1000.5, 2.0, false, "m"), est]);
        // the summary's start time, never the id's ("f1e2d3c4" would be 2098)
        let w = fetch_window(&store, "1-f1e2d3c4-bd862e3fe1be46a994272793", Some(9999.0)).unwrap();
        assert_eq!(w, Window { start: 700, end: 1000 + 2 + 300 });
        // a summary without its start time: the whole list
        assert_eq!(fetch_window(&store, "1-est", None), Some(Window { start: 0, end: 3600 }));
        // not listed, opened from a log line at 5000: around it
        let mut p = TracesPane::default();
        let out = p.receive(
            &Intent::OpenTrace { trace_id: "1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb".into(), at: Some(5000.0) },
            &cx(&store),
        );
        let Outcome::Send(Command::Traces(TraceRequest::Fetch { windows, .. })) = out else { panic!("{out:?}") };
        assert_eq!(windows["1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb"], Window { start: 1400, end: 8600 });
        // Enter on the pending tree retries with the same window
        let out = p.handle(Action::Select, &cx(&store));
        let Outcome::Send(Command::Traces(TraceRequest::Fetch { windows, .. })) = out else { panic!("{out:?}") };
        assert_eq!(windows["1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb"], Window { start: 1400, end: 8600 });
    }
}
