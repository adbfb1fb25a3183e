//! The application's view state: the registered panes, which one shows, the help overlay; turns
//! actions into effects and draws the whole screen from `&Store`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::action::Action;
use super::keymap::Keymap;
use super::pane::{DrawCtx, Intent, Outcome, Pane, PaneKind};
use super::panes::models::ModelsPane;
use super::panes::overview::OverviewPane;
use super::panes::{help, status_bar};
use super::theme::Theme;
use crate::sources::Command;
use crate::store::Store;

/// What the loop must do after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    None,
    Redraw,
    /// Send this to the sources, then redraw.
    Send(Command),
    Quit,
}

pub struct App {
    panes: Vec<Box<dyn Pane>>,
    current: usize,
    pub help: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    flash: Option<String>,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme) -> Self {
        let panes: Vec<Box<dyn Pane>> = vec![Box::new(OverviewPane::default()), Box::new(ModelsPane::default())];
        Self { panes, current: 0, help: false, keymap, theme, flash: None }
    }

    pub fn current_kind(&self) -> PaneKind {
        self.panes[self.current].kind()
    }

    pub fn pane_titles(&self) -> Vec<&'static str> {
        self.panes.iter().map(|p| p.title()).collect()
    }

    /// The registered pane of type `T` (for tests and pivots).
    pub fn pane<T: Pane>(&self) -> Option<&T> {
        self.panes.iter().find_map(|p| p.as_any().downcast_ref::<T>())
    }

    pub fn pane_mut<T: Pane>(&mut self) -> Option<&mut T> {
        self.panes.iter_mut().find_map(|p| p.as_any_mut().downcast_mut::<T>())
    }

    fn goto(&mut self, kind: PaneKind) -> bool {
        match self.panes.iter().position(|p| p.kind() == kind) {
            Some(i) => {
                self.current = i;
                true
            }
            None => false,
        }
    }

    /// A raw key: to a pane that is editing text, else through the keymap.
    pub fn handle_key(&mut self, key: KeyEvent, store: &Store) -> Effect {
        let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if !self.help && !ctrl_c && self.panes[self.current].captures_input() {
            let out = self.panes[self.current].handle_key(key, store);
            return self.apply(out, store);
        }
        match self.keymap.action(&key) {
            Some(a) => self.handle(a, store),
            None => Effect::None,
        }
    }

    pub fn handle(&mut self, action: Action, store: &Store) -> Effect {
        self.flash = None;
        if self.help {
            return match action {
                Action::Quit => Effect::Quit,
                Action::Help | Action::Back => {
                    self.help = false;
                    Effect::Redraw
                }
                _ => Effect::None,
            };
        }
        match action {
            Action::Quit => Effect::Quit,
            Action::Help => {
                self.help = true;
                Effect::Redraw
            }
            Action::Refresh => Effect::Send(Command::Refresh),
            Action::NextPane | Action::PrevPane => {
                let n = self.panes.len();
                self.current =
                    if action == Action::NextPane { (self.current + 1) % n } else { (self.current + n - 1) % n };
                Effect::Redraw
            }
            a if a.pane_number().is_some() => match a.pane_number().filter(|n| *n <= self.panes.len()) {
                Some(n) => {
                    self.current = n - 1;
                    Effect::Redraw
                }
                None => Effect::None,
            },
            Action::Back => {
                if self.panes[self.current].back() {
                    Effect::Redraw
                } else {
                    Effect::None
                }
            }
            _ => {
                let out = self.panes[self.current].handle(action, store);
                self.apply(out, store)
            }
        }
    }

    fn apply(&mut self, out: Outcome, store: &Store) -> Effect {
        match out {
            Outcome::None | Outcome::Ignored => Effect::None,
            Outcome::Redraw => Effect::Redraw,
            Outcome::Send(c) => Effect::Send(c),
            Outcome::Flash(m) => {
                self.flash = Some(m);
                Effect::Redraw
            }
            Outcome::Goto(kind, intent) => {
                if !self.goto(kind) {
                    self.flash = Some(format!("{kind:?} is not available in this build"));
                    return Effect::Redraw;
                }
                let next = self.panes[self.current].receive(&intent, store);
                match self.apply(next, store) {
                    Effect::None => Effect::Redraw,
                    e => e,
                }
            }
        }
    }

    /// Hand an intent to a pane directly (used by pivots and tests).
    pub fn send_intent(&mut self, kind: PaneKind, intent: Intent, store: &Store) -> Effect {
        self.apply(Outcome::Goto(kind, intent), store)
    }

    pub fn draw(&mut self, f: &mut Frame, store: &Store, now: i64) {
        let area = f.area();
        let [header, body, status, message] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1), Constraint::Length(1)])
                .areas(area);
        let titles = self.pane_titles();
        let tabs: Vec<(&str, bool)> = titles.iter().enumerate().map(|(i, t)| (*t, i == self.current)).collect();
        status_bar::draw_header(f, header, store, &tabs, &self.theme);
        let ctx = DrawCtx { store, theme: &self.theme, keymap: &self.keymap, now };
        self.panes[self.current].draw(f, body, &ctx);
        status_bar::draw_status(f, status, store, now, None, &self.theme);
        let hints = match &self.flash {
            Some(m) => m.clone(),
            None => self.hints(),
        };
        status_bar::draw_message_line(f, message, store, &hints, &self.theme);
        if self.help {
            help::draw(f, body, &self.keymap, &titles, &self.theme);
        }
    }

    /// Footer hints from the active keymap and the current pane.
    fn hints(&self) -> String {
        let k = |a| self.keymap.key_for(a).unwrap_or_else(|| "?".into());
        let mut parts = vec![format!("{} help", k(Action::Help)), format!("{} panes", k(Action::NextPane))];
        for (a, label) in self.panes[self.current].hints() {
            parts.push(format!("{} {label}", k(a)));
        }
        parts.push(format!("{} refresh", k(Action::Refresh)));
        parts.push(format!("{} quit", k(Action::Quit)));
        parts.join(" · ")
    }
}
