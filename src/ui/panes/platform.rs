//! Platform: Bedrock's services around the model calls, as panels — guardrail interventions
//! as a share of invocations by content source and policy, agents by operation and alias,
//! AgentCore (under whichever spelling of its namespace the account has), knowledge bases, and
//! every other metric of those namespaces.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::present::panels::PanelId;
use crate::ui::action::Action;
use crate::ui::pane::{CommandInfo, Ctx, DrawCtx, Intent, Outcome, Pane, PaneKind, ViewState};
use crate::ui::widgets::board::BoardState;

#[derive(Debug, Default)]
pub struct PlatformPane {
    pub board: BoardState,
}

impl Pane for PlatformPane {
    fn kind(&self) -> PaneKind {
        PaneKind::Platform
    }
    fn title(&self) -> &'static str {
        "Platform"
    }
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let panels = ctx.store.panels(&PanelId::PLATFORM);
        self.board.draw(f, area, ctx, &panels, "Platform");
    }
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        self.board.handle(action, &ctx.store.panels(&PanelId::PLATFORM))
    }
    fn receive(&mut self, intent: &Intent, ctx: &Ctx) -> Outcome {
        match intent {
            // a series of the other pane's namespaces opens there
            Intent::OpenSeries { key } if !crate::domain::catalog::is_platform_namespace(&key.namespace) => {
                Outcome::Goto(PaneKind::Pipeline, intent.clone())
            }
            Intent::OpenSeries { key } => {
                self.board.show_series(key, &ctx.store.panels(&PanelId::PLATFORM));
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
        if self.board.filter_key(key, &ctx.store.panels(&PanelId::PLATFORM)) { Outcome::Redraw } else { Outcome::None }
    }
}
