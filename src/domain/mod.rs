//! Pure domain knowledge: metric catalog, prices, time windows. No I/O, no UI, no SDK types.

pub mod catalog;
pub mod pricing;
pub mod window;
