//! Pure domain knowledge: metric catalog, prices, time windows. No I/O, no UI, no SDK types.

pub mod catalog;
pub mod genai;
pub mod genai_metrics;
pub mod insights;
pub mod pricelist;
pub mod pricing;
pub mod quotas;
pub mod rules;
pub mod stats;
pub mod trace;
pub mod window;
