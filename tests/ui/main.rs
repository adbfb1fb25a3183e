//! Pane snapshot tests: insta snapshots of panes drawn on ratatui's TestBackend, from the demo
//! and hand-built stores. One module per former test binary; the snapshots are in
//! `tests/ui/snapshots/`, named `ui__<module>__<name>.snap`.
//!
//! `scripts/test.sh --test ui ui_logs::` runs one module.
// Test code may unwrap: a panic is the failure report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

#[path = "../ui_common/mod.rs"]
mod ui_common;

mod ui_accounts;
mod ui_alarms_runaway;
mod ui_fidelity;
mod ui_filter_group;
mod ui_logs;
mod ui_pipeline;
mod ui_prices;
mod ui_quota_view;
mod ui_quotas;
mod ui_snapshots;
mod ui_themes;
mod ui_traces;
mod ui_wide;
