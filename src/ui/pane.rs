//! The contract every pane implements, and how panes talk to each other and to sources.
//!
//! A pane draws from `&Store` plus its own view state, turns actions into an [`Outcome`], and
//! may receive an [`Intent`] from another pane (a pivot: "show the traces of this model in this
//! window"). Panes are registered in [`super::app::App::new`]; their position is their number key.

use std::any::Any;

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
}

pub trait Pane: Any {
    fn kind(&self) -> PaneKind;
    fn title(&self) -> &'static str;
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx);
    fn handle(&mut self, action: Action, store: &Store) -> Outcome;
    /// Another pane sent us here with `intent`.
    fn receive(&mut self, _intent: &Intent, _store: &Store) -> Outcome {
        Outcome::None
    }
    /// Footer hints specific to this pane's current view: (action, label).
    fn hints(&self) -> Vec<(Action, &'static str)> {
        Vec::new()
    }
    /// True while the pane edits text (a query, a filter): keys go to [`Pane::handle_key`]
    /// instead of the keymap, except Ctrl-C.
    fn captures_input(&self) -> bool {
        false
    }
    fn handle_key(&mut self, _key: KeyEvent, _store: &Store) -> Outcome {
        Outcome::None
    }
    /// The app switched away from this pane: stop what only this pane was watching (a running
    /// Logs Insights query). A [`Outcome::Send`] is sent to the sources; anything else is ignored.
    fn leave(&mut self, _store: &Store) -> Outcome {
        Outcome::None
    }
    /// The app switched to this pane (a key or a click, not a pivot): what it wants fetched for
    /// what it shows. A [`Outcome::Send`] is sent to the sources; anything else is ignored.
    fn entered(&mut self, _store: &Store) -> Outcome {
        Outcome::None
    }
    /// `Esc` at this pane: true when the pane went back a level (closed a detail view).
    fn back(&mut self) -> bool {
        false
    }
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}
