//! Integration tests against the local AWS emulator (moto behind `tests/emulator/moto_shim.py`,
//! started by `scripts/test.sh`), through the real SDK clients and the `nightjar` binary: one
//! module per area, each a former test binary of its own. Every test that writes to the emulator
//! owns a region (`support::REGION_OWNERS`, checked by `regions::`).
//!
//! `scripts/test.sh --test aws emulator_logs::` runs one module.
// Test code may unwrap: a panic is the failure report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]
// serde_json's `json!` literals of whole trace documents (emulator_traces) nest deeply
#![recursion_limit = "256"]

#[path = "../fault_proxy/mod.rs"]
mod fault_proxy;
#[path = "../support/mod.rs"]
mod support;
#[path = "../tmux/mod.rs"]
mod tmux;

mod emulator_alarms;
mod emulator_fidelity;
mod emulator_insights;
mod emulator_logs;
mod emulator_metrics;
mod emulator_org;
mod emulator_pipeline;
mod emulator_prices;
mod emulator_quota_usage;
mod emulator_quotas;
mod emulator_runaway;
mod emulator_smoke;
mod emulator_traces;
mod emulator_transaction_search;
mod faults;
mod prices_real_fixtures;
mod regions;
