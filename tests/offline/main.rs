//! Tests without the emulator or a terminal: parsers on real third-party data, the demo's
//! incident through the rules and the runaway watch, incident replay, the price catalogue, the
//! read-only guarantee and the memory soak. One module per former test binary.
//!
//! `scripts/test.sh --test offline real_fixtures::` runs one module.
// Test code may unwrap: a panic is the failure report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

mod demo_incident;
mod prices_catalogue;
mod read_only;
mod real_fixtures;
mod replay;
mod runaway_demo;
mod soak;
