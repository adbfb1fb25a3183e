//! A runaway caller's or session's figures as both outputs print them: tokens and dollars per
//! minute now, since when it is (or was) over its ceiling, and its peak.

use crate::present::format::{self, Fmt};
use crate::store::runaway::Entry;

/// `$3.52` or `no price` (never $0 for unpriced tokens); `≥` when part of the tokens had none.
pub fn usd_text(e: &Entry, v: Option<f64>) -> String {
    match v {
        Some(u) if e.unpriced => format!("≥{}", format::usd(u)),
        Some(u) => format::usd(u),
        None => "no price".into(),
    }
}

/// `1.5M tokens/min, $6.55/min, over since 10:51 (peak 1.9M, $8.20)`
pub fn figures(e: &Entry, fmt: Fmt) -> String {
    let state = match (e.over_now, e.over_since) {
        (true, Some(t)) => format!(", over since {}", fmt.hhmm(t)),
        (false, Some(t)) => format!(", was over at {}", fmt.hhmm(t)),
        _ => String::new(),
    };
    format!(
        "{} tokens/min, {}/min{state} (peak {}, {})",
        format::count(e.latest_tokens),
        usd_text(e, e.latest_usd),
        format::count(e.peak_tokens),
        usd_text(e, e.peak_usd)
    )
}
