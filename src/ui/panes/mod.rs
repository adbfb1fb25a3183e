//! One module per pane. Each draws from `&Store` plus its own view state; what panes share is in
//! [`super::widgets`].

pub mod alarms;
pub mod logs;
pub mod models;
pub mod overview;
pub mod pipeline;
pub mod platform;
pub mod traces;

use super::pane::{Pane, PaneKind};

/// The panes, one named field each (tests and pivots reach a pane through its field; the app
/// through [`Panes::get`] and [`Panes::get_mut`]).
#[derive(Debug, Default)]
pub struct Panes {
    pub overview: overview::OverviewPane,
    pub models: models::ModelsPane,
    pub pipeline: pipeline::PipelinePane,
    pub platform: platform::PlatformPane,
    pub traces: traces::TracesPane,
    pub logs: logs::LogsPane,
    pub alarms: alarms::AlarmsPane,
}

impl Panes {
    pub fn get(&self, kind: PaneKind) -> &dyn Pane {
        match kind {
            PaneKind::Overview => &self.overview,
            PaneKind::Models => &self.models,
            PaneKind::Pipeline => &self.pipeline,
            PaneKind::Platform => &self.platform,
            PaneKind::Traces => &self.traces,
            PaneKind::Logs => &self.logs,
            PaneKind::Alarms => &self.alarms,
        }
    }

    pub fn get_mut(&mut self, kind: PaneKind) -> &mut dyn Pane {
        match kind {
            PaneKind::Overview => &mut self.overview,
            PaneKind::Models => &mut self.models,
            PaneKind::Pipeline => &mut self.pipeline,
            PaneKind::Platform => &mut self.platform,
            PaneKind::Traces => &mut self.traces,
            PaneKind::Logs => &mut self.logs,
            PaneKind::Alarms => &mut self.alarms,
        }
    }
}
