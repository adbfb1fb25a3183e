//! What reaches a terminal: the binary in a private tmux server (the terminal restored however it
//! ends, the bytes on the wire in 16 colours) and hostile text from AWS drawn in every pane. One
//! module per former test binary; the tmux tests against the emulator own their region in
//! `support::REGION_OWNERS`.
//!
//! `scripts/test.sh --test terminal terminal_safety::` runs one module.
// Test code may unwrap: a panic is the failure report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

#[path = "../fault_proxy/mod.rs"]
mod fault_proxy;
#[path = "../support/mod.rs"]
mod support;
#[path = "../tmux/mod.rs"]
mod tmux;

mod hostile_text;
mod terminal_colours;
mod terminal_safety;
