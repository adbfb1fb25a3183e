//! One module per pane. Each draws from `&Store` plus its own view state; what panes share is in
//! [`super::widgets`].

pub mod alarms;
pub mod logs;
pub mod models;
pub mod overview;
pub mod panel_board;
pub mod pipeline;
pub mod platform;
pub mod traces;
