//! The panels' tests: each builds a store from series and reads one panel.

use super::index::run_start;
use super::*;
use crate::domain::pricing::PriceTable;
use crate::domain::window::Window;
use crate::present::sentence::Part;
use crate::store::{MetricsUpdate, Update};

const R: &str = "us-east-1";
const START: i64 = 1_800_000_000 - 3600;
const END: i64 = 1_800_000_000;

fn key(ns: &str, metric: &str, dims: &[(&str, &str)], stat: &str) -> SeriesKey {
    SeriesKey::new(R, ns, metric, dims, stat)
}

/// 59 whole minutes (the 60th is still filling) from `f(minute index)`.
fn minutes(f: impl Fn(i64) -> f64) -> Vec<(i64, f64)> {
    (0..60).map(|i| (START + i * 60, f(i))).collect()
}

fn store(series: Vec<(SeriesKey, Vec<(i64, f64)>)>, window_values: Vec<(SeriesKey, Option<f64>)>) -> Store {
    let mut s = Store::new(PriceTable::default(), vec![]);
    s.apply(Update::Metrics(MetricsUpdate {
        window: Window { start: START, end: END },
        period: 60,
        resolution: Default::default(),
        series,
        window_values,
    }));
    s
}

fn text(s: &Sentence) -> String {
    s.parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.clone(),
            Part::Value(v, Unit::Score) => format!("{v:.2}"),
            Part::Value(v, Unit::Pct) => format!("{v:.1}%"),
            Part::Value(v, Unit::Times) => format!("{v:.1}x"),
            Part::Value(v, _) => format!("{v}"),
            Part::Time(t) => format!("@{}", (t - START) / 60),
        })
        .collect()
}

#[test]
fn faithfulness_below_warning_since_the_run_started() {
    let f = key("GenAI/Quality", "Faithfulness", &[], "Average");
    // 0.9 until minute 40, 0.8 (below target) to 49, then 0.7 (below warning)
    let pts = minutes(|i| {
        if i < 40 {
            0.9
        } else if i < 50 {
            0.8
        } else {
            0.7
        }
    });
    let s = store(vec![(f.clone(), pts)], vec![(f.clone(), Some(0.84))]);
    let p = s.panel(PanelId::Quality);
    let h = p.headline.unwrap();
    assert_eq!(h.severity, Severity::Warn);
    assert_eq!(text(&h), "faithfulness 0.70 — below warning (0.75) since @50 (window avg 0.84)");
    assert_eq!(p.facts[0].value, Some(0.84));
    assert_eq!(p.facts[0].severity, Severity::Ok);
    assert_eq!(p.charts[0].rules.len(), 3);
}

#[test]
fn run_start_needs_the_newest_point() {
    let p: Points = [(0, 1.0), (60, 0.5), (120, 0.4), (180, 0.9)].into_iter().collect();
    assert_eq!(run_start(&p, |v| v < 0.6), None);
    let p: Points = [(0, 1.0), (60, 0.5), (120, 0.4)].into_iter().collect();
    assert_eq!(run_start(&p, |v| v < 0.6), Some(60));
}

#[test]
fn dominant_stage_and_the_stage_that_grew() {
    let k = |m: &str| key("GenAI/Performance", m, &[], "Average");
    let s = store(
        vec![
            (k("EmbeddingLatency"), minutes(|_| 40.0)),
            (k("VectorSearchLatency"), minutes(|i| if i < 30 { 100.0 } else { 600.0 })),
            (k("RerankLatency"), minutes(|_| 60.0)),
            (k("GenerationLatency"), minutes(|_| 800.0)),
            (k("EndToEndLatency"), minutes(|i| if i < 30 { 1000.0 } else { 1500.0 })),
        ],
        vec![],
    );
    let p = s.panel(PanelId::Latency);
    let h = p.headline.unwrap();
    assert_eq!(
        text(&h),
        "generation dominates: 53.3% of 1500 end-to-end (was 80.0% of 1000 at @0) · vector search 6.0x (100 → 600)"
    );
    assert_eq!(h.severity, Severity::Warn);
    let stacked: Vec<bool> = p.charts[0].lines.iter().map(|l| l.stacked).collect();
    assert_eq!(stacked, vec![true, true, true, true, false]);
}

#[test]
fn dimension_sets_are_not_added_together() {
    let ns = "AWS/Bedrock/Agents";
    let op = [("Operation", "InvokeAgent")];
    let alias = [("Operation", "InvokeAgent"), ("AgentAliasArn", "arn:aws:bedrock:us-east-1:1:agent-alias/A/B")];
    let s = store(
        vec![
            (key(ns, "InvocationCount", &op, "Sum"), minutes(|_| 10.0)),
            // the same invocations again, split by alias: not added to the total
            (key(ns, "InvocationCount", &alias, "Sum"), minutes(|_| 10.0)),
        ],
        vec![],
    );
    let p = s.panel(PanelId::Agents);
    let inv = p.facts.iter().find(|f| f.label == "invocations").unwrap();
    assert_eq!(inv.value, Some(600.0));
    let by_alias = p.facts.iter().find(|f| f.label == "alias A/B").unwrap();
    assert_eq!(by_alias.value, Some(600.0));
    assert_eq!(text(p.headline.as_ref().unwrap()), "10 invocations/min now (was 10 at @0)");
}

#[test]
fn stop_reason_shares_now_and_then() {
    let k = |r: &str| key("GenAI/Behavior", "StopReason", &[("Reason", r)], "SampleCount");
    let s = store(
        vec![
            (k("end_turn"), minutes(|i| if i < 50 { 98.0 } else { 80.0 })),
            (k("max_tokens"), minutes(|i| if i < 50 { 2.0 } else { 20.0 })),
        ],
        vec![],
    );
    let h = s.panel(PanelId::StopReasons).headline.unwrap();
    assert_eq!(text(&h), "max_tokens stops 20.0% now (was 2.0% at @0): answers are being cut off");
    assert_eq!(h.severity, Severity::Warn);
}

#[test]
fn guardrail_interventions_as_a_share_per_source() {
    let ns = "AWS/Bedrock/Guardrails";
    fn src(s: &'static str) -> [(&'static str, &'static str); 1] {
        [("GuardrailContentSource", s)]
    }
    let s = store(
        vec![
            (key(ns, "Invocations", &src("Input"), "Sum"), minutes(|_| 100.0)),
            (key(ns, "Invocations", &src("Output"), "Sum"), minutes(|_| 100.0)),
            (key(ns, "InvocationsIntervened", &src("Input"), "Sum"), minutes(|_| 1.0)),
            (key(ns, "InvocationsIntervened", &src("Output"), "Sum"), minutes(|i| if i < 50 { 1.0 } else { 8.0 })),
            (
                key(ns, "InvocationsIntervened", &[("GuardrailPolicyType", "SensitiveInformationPolicy")], "Sum"),
                minutes(|i| if i < 50 { 1.0 } else { 6.0 }),
            ),
            (
                key(ns, "InvocationsIntervened", &[("GuardrailPolicyType", "ContentPolicy")], "Sum"),
                minutes(|i| if i < 50 { 1.0 } else { 3.0 }),
            ),
        ],
        vec![],
    );
    let p = s.panel(PanelId::Guardrails);
    let h = p.headline.unwrap();
    assert_eq!(
        text(&h),
        "intervened on 8.0% of outputs now (was 1.0% at @0), inputs 1.0% · sensitive information leads (66.7%)"
    );
    assert_eq!(h.severity, Severity::Warn);
    // totals come from the source split (the coarsest set), not source + policy added up
    let inv = p.facts.iter().find(|f| f.label == "invocations").unwrap();
    assert_eq!(inv.value, Some(12_000.0));
}

#[test]
fn empty_panels_say_nothing_and_unknown_metrics_are_listed() {
    let odd = key("GenAI/Custom", "CacheHitRatio", &[], "Average");
    let s = store(vec![(odd.clone(), minutes(|_| 0.4))], vec![(odd.clone(), Some(0.4))]);
    let panels = s.pipeline_panels();
    assert!(panels.iter().filter(|p| p.id != PanelId::Other).all(|p| !p.has_data() && p.charts.is_empty()));
    let other = panels.iter().find(|p| p.id == PanelId::Other).unwrap();
    assert_eq!(other.other.len(), 1);
    assert_eq!(other.other[0].window, Some(0.4));
    assert_eq!(other.other[0].latest, Some((END - 60, 0.4)));
    assert!(s.platform_panels().iter().all(|p| !p.has_data()));
}

#[test]
fn error_rate_above_target_names_the_leading_kind() {
    let k = |m: &str, st: &str| key("GenAI/Errors", m, &[], st);
    let s = store(
        vec![
            (k("ErrorRate", "Average"), minutes(|i| if i < 55 { 0.5 } else { 3.0 })),
            (k("RetrievalErrors", "Sum"), minutes(|i| if i < 55 { 0.0 } else { 6.0 })),
            (k("ThrottlingErrors", "Sum"), minutes(|_| 1.0)),
        ],
        vec![],
    );
    let h = s.panel(PanelId::Errors).headline.unwrap();
    assert_eq!(h.severity, Severity::Warn);
    assert_eq!(
        text(&h),
        "error rate 3.0% — above target (1.0%) since @55 · retrieval errors lead: 24 of 29 in the last 5 min"
    );
}

#[test]
fn cost_spike_against_the_windows_median() {
    let k = |m: &str, st: &str| key("GenAI/Cost", m, &[], st);
    let s = store(vec![(k("TotalCost", "Sum"), minutes(|i| if i < 54 { 0.5 } else { 2.0 }))], vec![]);
    let h = s.panel(PanelId::Cost).headline.unwrap();
    assert_eq!(h.severity, Severity::Crit);
    assert!(text(&h).starts_with("39 in the window · now 120/h, 4.0x the window's median"), "{}", text(&h));
}
