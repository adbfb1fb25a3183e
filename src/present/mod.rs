//! The presentation layer, between the store and the two outputs (`ui`, the terminal; `report`,
//! `--once` and the saved incident report): read models built from `&Store` (the Overview's
//! signals and model groups, "what changed", the first line in words, the Pipeline and Platform
//! panels), formatting, and the sentences and labels both outputs print. It depends on `store`,
//! `domain` and `sanitize`; `ui` and `report` depend on it and never on each other, so wording
//! both print is changed here, in the open, never as a side effect of editing a pane.
//!
//! Read models are inherent methods on [`crate::store::Store`] written here (`store.overview()`):
//! Rust lets a crate add `impl Store` blocks in any of its modules, so callers read them as
//! before. The store's own code (state and `apply`) never calls them.

pub mod accounts;
pub mod culprits;
pub mod format;
pub mod headline;
pub mod logs;
pub mod panels;
pub mod quotas;
pub mod runaway;
pub mod sentence;
pub mod triage;
pub mod views;
