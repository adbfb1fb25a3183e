//! How a rule's culprits read: the value in its signal's unit, the comparison, and since when —
//! compact for the banner and the Alarms list, in words for the Overview's first line — and the
//! X-Ray filter that finds a culprit's traces. Shared by the console and `--once`.

use crate::domain::catalog::short_model_name;
use crate::domain::rules::BedrockSignal;
use crate::present::format::{self, Fmt};
use crate::store::rules::Culprit;

/// A value of the culprit's signal: `52.9%`, `43s`, `$8.64/min`, `$2,400/day`.
pub fn value(c: &Culprit, v: f64) -> String {
    match c.signal {
        BedrockSignal::ErrorPct | BedrockSignal::ThrottlePct => format::pct(v),
        BedrockSignal::P99Ms => format::ms(v),
        BedrockSignal::CostUsd => format!("{}/{}", format::usd(v), per(c.period)),
        BedrockSignal::UsdPerDay => format!("{}/day", format::usd(v)),
    }
}

/// `min`, `5min`, `h`.
fn per(period: i64) -> String {
    match period {
        60 => "min".into(),
        3600 => "h".into(),
        p if p % 60 == 0 => format!("{}min", p / 60),
        p => format!("{p}s"),
    }
}

/// The model as a person reads it (sanitised: it is a dimension value from AWS).
pub fn model(c: &Culprit) -> String {
    short_model_name(&crate::sanitize::one_line(&c.model))
}

/// How far off it is: `> 10%`, `usually $0.02/min`, `88% of it`.
pub fn against(c: &Culprit) -> String {
    if let Some(b) = c.baseline {
        return format!("usually {}", value(c, b));
    }
    match (c.share_pct, c.threshold) {
        (Some(s), _) => format!("{:.0}% of it", s),
        (None, Some(t)) => format!("{} {}", c.op.symbol(), value(c, t)),
        (None, None) => String::new(),
    }
}

/// `claude-sonnet-4-5 52.9% > 10% since 03:02` (the banner, the list, `--once`).
pub fn compact(c: &Culprit, fmt: Fmt) -> String {
    let a = against(c);
    let a = if a.is_empty() { String::new() } else { format!(" ({a})") };
    format!("{} {}{a} since {}", model(c), value(c, c.value), fmt.hhmm(c.since))
}

/// What the model does, in words: `throttled 52.9%`, `failing 6.1% of calls`, `p99 43s`,
/// `spending $8.64/min`, `on course for $2,400/day`.
pub fn doing(c: &Culprit) -> String {
    let v = value(c, c.value);
    match c.signal {
        BedrockSignal::ThrottlePct => format!("throttled {v}"),
        BedrockSignal::ErrorPct => format!("failing {v} of calls"),
        BedrockSignal::P99Ms => format!("p99 {v}"),
        BedrockSignal::CostUsd => format!("spending {v}"),
        BedrockSignal::UsdPerDay => format!("on course for {v}"),
    }
}

/// The X-Ray filter that finds this culprit's traces for its signal (with the model
/// annotation `annotation` set to the model id): throttled, failing or slow calls; `None` for
/// cost, where every trace of the model counts.
pub fn trace_filter(c: &Culprit, annotation: &str) -> String {
    let model = format!("annotation.{annotation} = \"{}\"", c.model.replace('\\', "\\\\").replace('"', "\\\""));
    let what = match c.signal {
        BedrockSignal::ThrottlePct => Some("throttle".to_string()),
        BedrockSignal::ErrorPct => Some("(error OR fault)".to_string()),
        // X-Ray response times are in seconds; the rule's threshold is in milliseconds
        BedrockSignal::P99Ms => c.threshold.map(|t| format!("responsetime > {}", trim(t / 1000.0))),
        BedrockSignal::CostUsd | BedrockSignal::UsdPerDay => None,
    };
    match what {
        Some(w) => format!("{model} AND {w}"),
        None => model,
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::Op;

    fn c(signal: BedrockSignal, value: f64, threshold: Option<f64>) -> Culprit {
        Culprit {
            region: "us-east-1".into(),
            model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0".into(),
            signal,
            period: 60,
            value,
            op: Op::Gt,
            threshold,
            since: 1_795_575_600 + 120,
            share_pct: None,
            baseline: None,
        }
    }

    #[test]
    fn culprits_read_in_their_unit() {
        let t = c(BedrockSignal::ThrottlePct, 52.94, Some(10.0));
        assert_eq!(compact(&t, Fmt::UTC), "claude-sonnet-4-5 53% (> 10%) since 03:02");
        assert_eq!(doing(&t), "throttled 53%");
        let cost = Culprit { baseline: Some(0.02), ..c(BedrockSignal::CostUsd, 8.64, Some(0.5)) };
        assert_eq!(compact(&cost, Fmt::UTC), "claude-sonnet-4-5 $8.64/min (usually $0.02/min) since 03:02");
        let day = Culprit { share_pct: Some(87.4), ..c(BedrockSignal::UsdPerDay, 2100.0, Some(800.0)) };
        assert_eq!(compact(&day, Fmt::UTC), "claude-sonnet-4-5 $2,100/day (87% of it) since 03:02");
        assert_eq!(doing(&c(BedrockSignal::P99Ms, 43_000.0, Some(20_000.0))), "p99 43s");
    }

    #[test]
    fn culprit_trace_filters_match_the_signal() {
        let t = c(BedrockSignal::ThrottlePct, 52.0, Some(10.0));
        assert_eq!(
            trace_filter(&t, "model_id"),
            "annotation.model_id = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\" AND throttle"
        );
        let p = c(BedrockSignal::P99Ms, 43_000.0, Some(20_000.0));
        assert!(trace_filter(&p, "m").ends_with("AND responsetime > 20"), "{}", trace_filter(&p, "m"));
        let e = c(BedrockSignal::ErrorPct, 7.0, Some(5.0));
        assert!(trace_filter(&e, "m").ends_with("AND (error OR fault)"));
        assert!(!trace_filter(&c(BedrockSignal::CostUsd, 7.0, None), "m").contains("AND"));
    }
}
