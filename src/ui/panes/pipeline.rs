//! Pipeline: the application's own GenAI metrics as panels — quality against its target,
//! warning and critical lines, latency by stage, throughput, errors, cost, tokens, model
//! latency, stop reasons, user experience, and every other metric of the custom namespaces.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::present::panels::PanelId;
use crate::ui::action::Action;
use crate::ui::pane::{CommandInfo, Ctx, DrawCtx, Intent, Outcome, Pane, PaneKind, ViewState};
use crate::ui::widgets::board::BoardState;

#[derive(Debug, Default)]
pub struct PipelinePane {
    pub board: BoardState,
}

impl Pane for PipelinePane {
    fn kind(&self) -> PaneKind {
        PaneKind::Pipeline
    }
    fn title(&self) -> &'static str {
        "Pipeline"
    }
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let panels = ctx.store.panels(&PanelId::PIPELINE);
        self.board.draw(f, area, ctx, &panels, "Pipeline");
    }
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        self.board.handle(action, &ctx.store.panels(&PanelId::PIPELINE))
    }
    fn receive(&mut self, intent: &Intent, ctx: &Ctx) -> Outcome {
        match intent {
            // a series of the other pane's namespaces opens there
            Intent::OpenSeries { key } if crate::domain::catalog::is_platform_namespace(&key.namespace) => {
                Outcome::Goto(PaneKind::Platform, intent.clone())
            }
            Intent::OpenSeries { key } => {
                self.board.show_series(key, &ctx.store.panels(&PanelId::PIPELINE));
                Outcome::Redraw
            }
            _ => Outcome::None,
        }
    }
    fn back(&mut self) -> bool {
        self.board.back()
    }
    fn commands(&self, _view: &ViewState) -> Vec<CommandInfo> {
        self.board.commands()
    }
    fn captures_input(&self) -> bool {
        self.board.editing()
    }
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, ctx: &Ctx) -> Outcome {
        if self.board.filter_key(key, &ctx.store.panels(&PanelId::PIPELINE)) { Outcome::Redraw } else { Outcome::None }
    }
}
