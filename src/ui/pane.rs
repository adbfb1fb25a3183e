//! The contract every pane implements, and how panes talk to each other and to sources.
//!
//! A pane draws from `&Store` plus its own view state, turns actions into an [`Outcome`], and
//! may receive an [`Intent`] from another pane (a pivot: "show the traces of this model in this
//! window"). Every call gets a context: the store, the clock (no pane reads the wall clock) and
//! the view settings panes share ([`ViewState`], owned by the app). The panes are the named
//! fields of [`super::panes::Panes`]; their order is the order of the number keys.
//!
//! Each pane declares its commands once ([`Pane::commands`], like gitui's `CommandInfo`): the
//! footer shows those marked for it, and `?` lists them all before the global keys.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Action;
use super::keymap::Keymap;
use super::theme::Theme;
use crate::domain::window::Window;
use crate::present::format::Fmt;
use crate::sources::Command;
use crate::store::{SeriesKey, Store};

/// Which pane; the order here is the order of the number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneKind {
    Overview,
    Models,
    Pipeline,
    Platform,
    Traces,
    Logs,
    Alarms,
}

impl PaneKind {
    /// Every pane, in number-key order.
    pub const ALL: [PaneKind; 7] =
        [Self::Overview, Self::Models, Self::Pipeline, Self::Platform, Self::Traces, Self::Logs, Self::Alarms];

    /// Position in [`PaneKind::ALL`] (the number key minus one).
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// View settings more than one pane follows; the app owns them and hands them to panes in the
/// context. A pane asks for a change with [`Outcome::SetView`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewState {
    /// The model tables (Overview and Models): one row per base model (regions and
    /// cross-region inference ids summed) instead of one per region and model id.
    pub grouped: bool,
    /// The model tables: one row per account and base model (a monitoring account's source
    /// accounts; `grouped` is then false).
    pub by_account: bool,
}

impl ViewState {
    /// The same settings with the model tables' next grouping (the group key): model+region →
    /// model → account (when `accounts` are told apart) → model+region.
    pub fn next_grouping(self, accounts: bool) -> Self {
        let (grouped, by_account) = match (self.grouped, self.by_account) {
            (false, false) => (true, false),
            (true, _) if accounts => (false, true),
            _ => (false, false),
        };
        let mut v = self;
        (v.grouped, v.by_account) = (grouped, by_account);
        v
    }
}

/// What a pane may read while it handles a key, an intent or a switch.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub store: &'a Store,
    /// Now, epoch seconds: the app's clock (the wall clock, a reopened snapshot's time, a test's).
    pub now: i64,
    pub view_state: ViewState,
}

impl<'a> Ctx<'a> {
    /// A context with the default view settings.
    pub fn new(store: &'a Store, now: i64) -> Self {
        Self { store, now, view_state: ViewState::default() }
    }

    pub fn with_view_state(self, view_state: ViewState) -> Self {
        Self { view_state, ..self }
    }
}

/// A request from one pane to another.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Open one model's charts.
    OpenModel { region: String, model_id: String },
    /// Open the quota view (the last 7 days against each quota).
    OpenQuotas,
    /// Show traces, optionally of one model, in a time range (a pivot from a spike).
    TracesFor { model: Option<String>, window: Option<Window>, filter: Option<String> },
    /// Show the log lines of one trace.
    LogsForTrace { trace_id: String, window: Option<Window> },
    /// Open the chart of one series.
    OpenSeries { key: SeriesKey },
    /// Open one trace's span tree (from a log line or a span record that names it); `at` is a
    /// time of the trace (the line's `@timestamp`), where to look for its spans.
    OpenTrace { trace_id: String, at: Option<f64> },
    /// Run this query in the Logs pane over `window` (a runaway caller's or session's records).
    LogsQuery { label: String, query: String, class: crate::domain::insights::GroupClass, window: Option<Window> },
}

/// What the app must do after a pane handled a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing changed.
    None,
    /// The pane's view changed: redraw.
    Redraw,
    /// The key was not the pane's: let the app use it (e.g. `Esc` at the top level).
    Ignored,
    /// Switch to another pane and hand it an intent.
    Goto(PaneKind, Intent),
    /// Ask the sources for something (a query, a trace fetch) and redraw.
    Send(Command),
    /// A short message for the status line.
    Flash(String),
    /// Copy this text to the operator's clipboard (OSC 52).
    Yank(String),
    /// Change the shared view settings (every pane is told, see [`Pane::view_changed`]).
    SetView(ViewState),
}

/// One command of a pane: the action, what it does here, and whether the footer shows it (the
/// help lists every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    pub action: Action,
    pub label: &'static str,
    pub footer: bool,
}

impl CommandInfo {
    /// A command the footer hints at (and the help lists).
    pub const fn hint(action: Action, label: &'static str) -> Self {
        Self { action, label, footer: true }
    }

    /// A command only the help lists.
    pub const fn help(action: Action, label: &'static str) -> Self {
        Self { action, label, footer: false }
    }
}

/// Everything a pane may read while drawing.
pub struct DrawCtx<'a> {
    pub store: &'a Store,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: i64,
    /// The part of the window charts show (zoom and pan); the whole window by default.
    pub view: Window,
    /// How times and sparklines are written (local time or UTC, ASCII), the app's choice.
    pub fmt: Fmt,
    pub view_state: ViewState,
}

pub trait Pane {
    fn kind(&self) -> PaneKind;
    fn title(&self) -> &'static str;
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx);
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome;
    /// Another pane sent us here with `intent`.
    fn receive(&mut self, _intent: &Intent, _ctx: &Ctx) -> Outcome {
        Outcome::None
    }
    /// The pane's commands in its current view, in the order the footer and the help show them.
    fn commands(&self, _view: &ViewState) -> Vec<CommandInfo> {
        Vec::new()
    }
    /// True while the pane edits text (a query, a filter): keys go to [`Pane::handle_key`]
    /// instead of the keymap, except Ctrl-C.
    fn captures_input(&self) -> bool {
        false
    }
    fn handle_key(&mut self, _key: KeyEvent, _ctx: &Ctx) -> Outcome {
        Outcome::None
    }
    /// The app switched away from this pane: stop what only this pane was watching (a running
    /// Logs Insights query). A [`Outcome::Send`] is sent to the sources; anything else is ignored.
    fn leave(&mut self, _ctx: &Ctx) -> Outcome {
        Outcome::None
    }
    /// The app switched to this pane (a key or a click, not a pivot): what it wants fetched for
    /// what it shows. A [`Outcome::Send`] is sent to the sources; anything else is ignored.
    fn entered(&mut self, _ctx: &Ctx) -> Outcome {
        Outcome::None
    }
    /// `Esc` at this pane: true when the pane went back a level (closed a detail view).
    fn back(&mut self) -> bool {
        false
    }
    /// The shared view settings changed from `before` to `ctx.view_state`: keep the selection
    /// on the same thing.
    fn view_changed(&mut self, _before: &ViewState, _ctx: &Ctx) {}
}
