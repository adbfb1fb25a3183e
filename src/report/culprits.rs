//! A rule's culprits in the JSON report (their wording is [`crate::present::culprits`]).

use crate::domain::rules::BedrockSignal;
use crate::present::format;
use crate::store::rules::Culprit;

/// A culprit in the JSON report: `{model, region, value, threshold, since, …}`.
pub fn json(c: &Culprit) -> serde_json::Value {
    serde_json::json!({
        "model": c.model,
        "region": c.region,
        "signal": signal_name(c.signal),
        "period_secs": c.period,
        "value": c.value,
        "op": c.op.symbol(),
        "threshold": c.threshold,
        "since": format::rfc3339(c.since),
        "share_pct": c.share_pct,
        "baseline": c.baseline,
    })
}

/// The signal as the rule files spell it (`bedrock:throttle_pct` without the prefix).
pub fn signal_name(s: BedrockSignal) -> &'static str {
    match s {
        BedrockSignal::ErrorPct => "error_pct",
        BedrockSignal::ThrottlePct => "throttle_pct",
        BedrockSignal::P99Ms => "p99_ms",
        BedrockSignal::CostUsd => "cost_usd",
        BedrockSignal::UsdPerDay => "usd_per_day",
    }
}
