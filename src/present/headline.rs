//! The Overview's first line: the most important thing now, in words, built from what is firing
//! (each rule's culprits, the runaway watch's callers) and what changed (the suspects of the
//! same model): "claude-sonnet-4-5 throttled 60% since 03:01 — TPM quota usage 7× baseline;
//! claude-opus-4-5 spending $10.06/min since 03:02 (usually $0.02/min) — runaway caller
//! support-agent/agent-loop-7f3a".
//!
//! One clause per model, most urgent first (critical before warning, then the oldest); the UI
//! shows as many as fit on the line. With no model to name, a firing rule says itself; with
//! nothing firing, the top suspect; with neither, that all is quiet.

use crate::domain::catalog::short_model_name;
use crate::domain::genai_metrics::Severity;
use crate::domain::rules::{BedrockSignal, Severity as RuleSeverity};
use crate::present::sentence::{Sentence, Unit};
use crate::present::triage::Suspect;
use crate::sanitize::one_line;
use crate::store::Store;
use crate::store::rules::Culprit;

/// How deep "what changed" is searched for a culprit's own suspect.
const SUSPECTS_SEARCHED: usize = 30;

fn severity(s: RuleSeverity) -> Severity {
    match s {
        RuleSeverity::Critical => Severity::Crit,
        RuleSeverity::Warning => Severity::Warn,
        RuleSeverity::Info => Severity::None,
    }
}

/// What the model does, with its value in the signal's unit.
fn doing(s: Sentence, c: &Culprit) -> Sentence {
    match c.signal {
        BedrockSignal::ThrottlePct => s.t(" throttled ").v(c.value, Unit::Pct),
        BedrockSignal::ErrorPct => s.t(" failing ").v(c.value, Unit::Pct).t(" of calls"),
        BedrockSignal::P99Ms => s.t(" p99 ").v(c.value, Unit::Ms),
        BedrockSignal::CostUsd => {
            let per = if c.period == 60 { "/min".to_string() } else { format!("/{}min", c.period / 60) };
            s.t(" spending ").v(c.value, Unit::Usd).t(per)
        }
        BedrockSignal::UsdPerDay => s.t(" on course for ").v(c.value, Unit::Usd).t("/day"),
    }
}

/// Whether a suspect's phrase tells what the culprit's rule already says.
fn same_signal(signal: BedrockSignal, phrase: &str) -> bool {
    match signal {
        BedrockSignal::ThrottlePct => phrase.starts_with("throttles"),
        BedrockSignal::ErrorPct => phrase.starts_with("4xx") || phrase.starts_with("5xx"),
        BedrockSignal::P99Ms => phrase.starts_with("p99"),
        BedrockSignal::CostUsd | BedrockSignal::UsdPerDay => false,
    }
}

/// One model's clause while it is being built.
struct Clause {
    model: String,
    severity: RuleSeverity,
    since: i64,
    sentence: Sentence,
    /// What could be said after the dash, best first (the quota, the runaway caller, what else
    /// moved); the first is.
    extras: Vec<String>,
}

impl Store {
    /// The Overview's first line, one sentence per clause, most urgent first.
    pub fn headline(&self) -> Vec<Sentence> {
        let firing = self.firing_rules();
        let suspects = self.suspects(self.window.end - 1, SUSPECTS_SEARCHED);
        let several = self.identity.several_scopes() || self.accounts.monitoring().is_some();
        let models = self.models();
        let mut clauses: Vec<Clause> = Vec::new();
        for r in firing.iter().filter(|r| !r.culprits.is_empty()) {
            let c = &r.culprits[0];
            if clauses.iter().any(|x| x.model == c.model) {
                continue;
            }
            let mut name = short_model_name(&one_line(&c.model));
            if several {
                name = format!("{name} in {}", one_line(&c.region));
            }
            let mut s = doing(Sentence::new().t(name), c).t(" since ").at(c.since);
            if let Some(b) = c.baseline {
                s = match c.signal {
                    BedrockSignal::CostUsd | BedrockSignal::UsdPerDay => s.t(" (usually ").v(b, Unit::Usd).t(")"),
                    BedrockSignal::P99Ms => s.t(" (usually ").v(b, Unit::Ms).t(")"),
                    _ => s.t(" (usually ").v(b, Unit::Pct).t(")"),
                };
            }
            if r.culprits.len() > 1 {
                s = s.t(format!(" (+{} more)", r.culprits.len() - 1));
            }
            let mut extras = Vec::new();
            // a throttled model near its quota: that is why
            let quota = models.iter().find(|m| m.model_id == c.model && m.region == c.region).and_then(|m| m.quota_pct);
            if c.signal == BedrockSignal::ThrottlePct
                && let Some(q) = quota.filter(|q| *q >= 80.0)
            {
                extras.push(format!("at {q:.0}% of its quota"));
            }
            let own: Option<&Suspect> =
                suspects.iter().find(|x| x.model.as_deref() == Some(c.model.as_str()) && x.key.region == c.region);
            if let Some(p) = own.and_then(|x| x.phrases.iter().find(|p| !same_signal(c.signal, p))) {
                extras.push(one_line(p));
            }
            clauses.push(Clause { model: c.model.clone(), severity: r.severity, since: c.since, sentence: s, extras });
        }
        // the runaway watch's callers and sessions: on a model already named, who is spending
        for e in self.runaway.breaching() {
            let Some(model) = e.model() else { continue };
            let who = format!("runaway {} {}", e.kind.as_str(), one_line(e.short_id()));
            match clauses.iter_mut().find(|x| x.model == model) {
                Some(x) => {
                    if !x.extras.iter().any(|w| w.starts_with("runaway")) {
                        // who is spending says more than what else moved
                        x.extras.insert(usize::from(x.extras.first().is_some_and(|w| w.starts_with("at "))), who);
                    }
                }
                None => {
                    let mut s = Sentence::new().t(format!("{who} on {}", short_model_name(&one_line(model))));
                    s = match e.latest_usd {
                        Some(u) => s.t(" ").v(u, Unit::Usd).t("/min"),
                        None => s.t(" ").v(e.latest_tokens, Unit::Count).t(" tokens/min"),
                    };
                    if let Some(t) = e.over_since {
                        s = s.t(" since ").at(t);
                    }
                    clauses.push(Clause {
                        model: model.to_string(),
                        severity: RuleSeverity::Critical,
                        since: e.over_since.unwrap_or(i64::MAX),
                        sentence: s,
                        extras: Vec::new(),
                    });
                }
            }
        }
        clauses.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.since.cmp(&b.since)));
        let mut out: Vec<Sentence> = clauses
            .into_iter()
            .map(|c| {
                let mut s = c.sentence;
                // one reason after the dash, the best: the quota, the caller, what else moved
                if let Some(why) = c.extras.first() {
                    s = s.t(format!(" — {why}"));
                }
                s.sev(severity(c.severity))
            })
            .collect();
        if out.is_empty()
            && let Some(r) = firing.first()
        {
            let what = if r.description.is_empty() { r.condition.clone() } else { r.description.clone() };
            out.push(
                Sentence::new()
                    .t(format!("{} firing since ", one_line(&r.name)))
                    .at(r.since)
                    .t(format!(": {}", one_line(&what)))
                    .sev(severity(r.severity)),
            );
        }
        if out.is_empty()
            && let Some(x) = suspects.first()
        {
            out.push(
                Sentence::new()
                    .t(format!("Nothing firing; what changed most: {}", one_line(&x.summary)))
                    .sev(Severity::Warn),
            );
        }
        if out.is_empty() {
            out.push(
                Sentence::new().t("All quiet: no rule firing and nothing far from its baseline.").sev(Severity::Ok),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pricing::PriceTable;
    use crate::domain::rules::RuleSet;
    use crate::domain::window::Window;
    use crate::store::{MetricsUpdate, SeriesKey, Update};

    const T0: i64 = 1_800_000_000;

    fn text(s: &Sentence) -> String {
        use crate::present::sentence::Part;
        s.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Value(v, _) => format!("{v:.1}"),
                Part::Time(t) => format!("@{}", (t - T0) / 60),
            })
            .collect()
    }

    fn store_with(throttled_from: i64) -> Store {
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.rules.rules = RuleSet::builtin();
        let k = |m: &str, metric: &str| {
            SeriesKey::new("us-east-1", crate::domain::catalog::BEDROCK_NAMESPACE, metric, &[("ModelId", m)], "Sum")
        };
        let hot = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let mut series = Vec::new();
        for i in 0..70 {
            let t = T0 + i * 60;
            series.push((k(hot, "Invocations"), vec![(t, 60.0)]));
            series.push((k(hot, "InvocationThrottles"), vec![(t, if i >= throttled_from { 40.0 } else { 0.0 })]));
            series.push((k("amazon.nova-pro-v1:0", "Invocations"), vec![(t, 100.0 + (i % 3) as f64)]));
        }
        s.apply(Update::Metrics(MetricsUpdate {
            resolution: Default::default(),
            window: Window { start: T0 + 600, end: T0 + 70 * 60 },
            period: 60,
            series,
            window_values: vec![],
        }));
        s
    }

    #[test]
    fn the_first_line_names_the_throttled_model_since_when_and_what_else_moved() {
        let s = store_with(66);
        let h = s.headline();
        assert_eq!(h.len(), 1, "{:?}", h.iter().map(text).collect::<Vec<_>>());
        // 40 of 100 attempts throttled since minute 66; its own suspect adds nothing new (the
        // throttles are what the rule says)
        assert_eq!(text(&h[0]), "claude-sonnet-4-5 throttled 40.0 since @66");
        assert_eq!(h[0].severity, Severity::Crit);
    }

    #[test]
    fn nothing_firing_says_what_changed_or_that_all_is_quiet() {
        let s = store_with(i64::MAX);
        let h = s.headline();
        assert_eq!(h.len(), 1);
        assert_eq!(text(&h[0]), "All quiet: no rule firing and nothing far from its baseline.");
        assert_eq!(h[0].severity, Severity::Ok);
    }
}
