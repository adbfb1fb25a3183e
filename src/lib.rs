//! nightjar: a terminal console for GenAI workloads on AWS.
//!
//! Shape: `sources` (tokio tasks owning the AWS clients, or the demo) send plain
//! [`store::Update`]s to the single-owner [`store::Store`]; `present` builds what is shown from
//! `&Store` (read models, formatting, shared wording); `ui` (the panes) and `report` (`--once`)
//! print it and never import each other. `domain` is the model under them all.

pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod logging;
pub mod present;
pub mod report;
pub mod sanitize;
pub mod sources;
pub mod store;
pub mod ui;
