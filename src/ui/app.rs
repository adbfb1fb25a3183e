//! The application's view state: which pane is showing, each pane's own state, the help
//! overlay; turns actions into effects and draws the whole screen from `&Store`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::action::Action;
use super::keymap::Keymap;
use super::panes::model_detail::ModelDetailState;
use super::panes::models::ModelsState;
use super::panes::overview::OverviewState;
use super::panes::{help, model_detail, models, overview, status_bar};
use super::theme::Theme;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneId {
    Overview,
    Models,
}

impl PaneId {
    pub const ALL: [PaneId; 2] = [PaneId::Overview, PaneId::Models];
    pub fn title(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Models => "Models",
        }
    }
}

/// What the loop must do after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    None,
    Redraw,
    Refresh,
    Quit,
}

pub struct App {
    pub pane: PaneId,
    pub help: bool,
    pub overview: OverviewState,
    pub models: ModelsState,
    pub detail: Option<ModelDetailState>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Rows visible in the current table (for page up/down).
    page: usize,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme) -> Self {
        Self {
            pane: PaneId::Overview,
            help: false,
            overview: OverviewState::default(),
            models: ModelsState::default(),
            detail: None,
            keymap,
            theme,
            page: 10,
        }
    }

    pub fn handle(&mut self, action: Action, store: &Store) -> Effect {
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
            Action::Quit => return Effect::Quit,
            Action::Help => self.help = true,
            Action::Refresh => return Effect::Refresh,
            Action::NextPane | Action::PrevPane => {
                let i = PaneId::ALL.iter().position(|p| *p == self.pane).unwrap_or(0);
                let n = PaneId::ALL.len();
                let j = if action == Action::NextPane { (i + 1) % n } else { (i + n - 1) % n };
                self.pane = PaneId::ALL[j];
                self.detail = None;
            }
            a if a.pane_number().is_some() => {
                let Some(p) = a.pane_number().and_then(|n| PaneId::ALL.get(n - 1)) else { return Effect::None };
                self.pane = *p;
                self.detail = None;
            }
            Action::Back => {
                if self.detail.take().is_none() {
                    return Effect::None;
                }
            }
            _ => match self.pane {
                PaneId::Overview => {
                    if let overview::Outcome::OpenModel(region, model_id) = self.overview.handle(action, store) {
                        self.open_model(region, model_id, store);
                    }
                }
                PaneId::Models if self.detail.is_none() => {
                    if let models::Outcome::OpenModel(region, model_id) = self.models.handle(action, store, self.page) {
                        self.detail = Some(ModelDetailState { region, model_id });
                    }
                }
                PaneId::Models => return Effect::None,
            },
        }
        Effect::Redraw
    }

    /// Jump to the Models pane with `model` selected and its charts open.
    fn open_model(&mut self, region: String, model_id: String, store: &Store) {
        self.pane = PaneId::Models;
        if let Some(i) = self.models.rows(store).iter().position(|m| m.model_id == model_id && m.region == region) {
            self.models.selected = i;
        }
        self.detail = Some(ModelDetailState { region, model_id });
    }

    pub fn draw(&mut self, f: &mut Frame, store: &Store, now: i64) {
        let area = f.area();
        let [header, body, status, message] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1), Constraint::Length(1)])
                .areas(area);
        let panes: Vec<(&str, bool)> = PaneId::ALL.iter().map(|p| (p.title(), *p == self.pane)).collect();
        status_bar::draw_header(f, header, store, &panes, &self.theme);
        self.page = body.height.saturating_sub(4) as usize;
        match (self.pane, &self.detail) {
            (PaneId::Overview, _) => overview::draw(f, body, store, &mut self.overview, &self.theme),
            (PaneId::Models, Some(d)) => model_detail::draw(f, body, store, d, &self.theme),
            (PaneId::Models, None) => models::draw(f, body, store, &mut self.models, &self.theme),
        }
        status_bar::draw_status(f, status, store, now, None, &self.theme);
        status_bar::draw_message_line(f, message, store, &self.hints(), &self.theme);
        if self.help {
            let names: Vec<&str> = PaneId::ALL.iter().map(|p| p.title()).collect();
            help::draw(f, body, &self.keymap, &names, &self.theme);
        }
    }

    /// Footer hints from the active keymap.
    fn hints(&self) -> String {
        let k = |a| self.keymap.key_for(a).unwrap_or_else(|| "?".into());
        let mut parts = vec![format!("{} help", k(Action::Help)), format!("{} panes", k(Action::NextPane))];
        if self.detail.is_some() {
            parts.push(format!("{} back", k(Action::Back)));
        } else {
            parts.push(format!("{} open", k(Action::Select)));
        }
        if self.pane == PaneId::Models && self.detail.is_none() {
            parts.push(format!("{} sort", k(Action::SortNext)));
        }
        parts.push(format!("{} refresh", k(Action::Refresh)));
        parts.push(format!("{} quit", k(Action::Quit)));
        parts.join(" · ")
    }
}
