//! The Quality panel: the evaluator's scores against the target, warning and critical lines
//! (faithfulness first), faithfulness's spread, retrieval quality and successful answers.

use super::index::{Combined, Index, run_start};
use super::{Chart, Panel, PanelId, Rule, fact};
use crate::domain::genai_metrics::{
    QUALITY_CRITICAL, QUALITY_TARGET, QUALITY_WARNING, Role, Severity, quality_severity,
};
use crate::present::sentence::{Sentence, Unit};

/// "faithfulness 0.71 — below warning (0.75) since 03:05 · window avg 0.78".
fn score_sentence(label: &str, c: &Combined) -> Option<Sentence> {
    let now = c.latest().map(|(_, v)| v).or(c.window)?;
    let sev = quality_severity(now);
    let mut s = Sentence::new().t(format!("{label} ")).v(now, Unit::Score).sev(sev);
    let below = if now < QUALITY_CRITICAL {
        Some(("critical", QUALITY_CRITICAL))
    } else if now < QUALITY_WARNING {
        Some(("warning", QUALITY_WARNING))
    } else if now < QUALITY_TARGET {
        Some(("target", QUALITY_TARGET))
    } else {
        None
    };
    match below {
        Some((name, line)) => {
            s = s.t(format!(" — below {name} (")).v(line, Unit::Score).t(")");
            if let Some(t) = run_start(&c.points, |v| v < line) {
                s = s.t(" since ").at(t);
            }
        }
        None => s = s.t(" — on target (≥ ").v(QUALITY_TARGET, Unit::Score).t(")"),
    }
    if let Some(w) = c.window {
        s = s.t(" (window avg ").v(w, Unit::Score).t(")");
    }
    Some(s)
}

fn quality_rules() -> Vec<Rule> {
    vec![
        Rule { label: "target", value: QUALITY_TARGET, severity: Severity::Ok },
        Rule { label: "warning", value: QUALITY_WARNING, severity: Severity::Warn },
        Rule { label: "critical", value: QUALITY_CRITICAL, severity: Severity::Crit },
    ]
}

/// Scores chart bounds: 0.5–1 unless the data goes lower.
fn score_bounds(c: &mut Chart) {
    let lo = c.lines.iter().flat_map(|l| l.points.values()).copied().fold(0.55_f64, f64::min);
    c.y_min = Some((lo - 0.05).max(0.0));
    c.y_max = Some(1.0);
}

impl Index<'_> {
    pub(super) fn quality(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Quality);
        let scores = [
            (Faithfulness, "faithfulness", "faithful"),
            (AnswerRelevancy, "answer relevancy", "relevancy"),
            (ContextPrecision, "context precision", "precision"),
            (ContextRecall, "context recall", "recall"),
        ];
        let mut chart = Chart::new("Scores, avg (0.85 / 0.75 / 0.60)", Unit::Score);
        chart.rules = quality_rules();
        let mut found: Vec<(&str, Combined)> = Vec::new();
        for (role, label, short) in scores {
            if let Some(c) = self.score_line(role) {
                chart.lines.push(c.line(short, false));
                let mut f = fact(label, c.window, Unit::Score);
                f.severity = c.window.map(quality_severity).unwrap_or_default();
                p.facts.push(f);
                found.push((label, c));
            }
        }
        score_bounds(&mut chart);
        p.push_chart(chart);
        let mut dist = Chart::new("Faithfulness spread", Unit::Score);
        dist.rules = quality_rules();
        for stat in ["p50", "p90", "p99"] {
            if let Some(c) = self.line(Faithfulness, stat) {
                dist.lines.push(c.line(stat, false));
                p.facts.push(fact(format!("faithfulness {stat}"), c.window, Unit::Score));
            }
        }
        score_bounds(&mut dist);
        p.push_chart(dist);
        let mut retrieval = Chart::new("Retrieval quality", Unit::Score);
        if let Some(c) = self.score_line(RetrievalQuality) {
            retrieval.lines.push(c.line("similarity", false));
            p.facts.push(fact("retrieval quality", c.window, Unit::Score));
            found.push(("retrieval quality", c));
        }
        retrieval.y_min = Some(0.0);
        retrieval.y_max = Some(1.0);
        p.push_chart(retrieval);
        if let Some(c) = self.count(RequestSuccess) {
            p.facts.push(fact("successful answers", c.window, Unit::Count));
            p.namespaces.extend(c.keys.iter().map(|k| k.namespace.clone()));
            if p.headline.is_none() && found.is_empty() {
                p.headline = Some(Sentence::new().t("successful answers ").v(c.window.unwrap_or(0.0), Unit::Count));
            }
        }
        // The headline is faithfulness (the score the seed alarms on), else the worst score;
        // another score below warning is named too.
        let primary = found
            .iter()
            .find(|(l, _)| *l == "faithfulness")
            .or_else(|| {
                found
                    .iter()
                    .filter_map(|x| x.1.latest().map(|(_, v)| (x, v)))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|x| x.0)
            })
            .or(found.first());
        if let Some((label, c)) = primary
            && let Some(mut s) = score_sentence(label, c)
        {
            let worst_other = found
                .iter()
                .filter(|(l, _)| l != label && *l != "retrieval quality")
                .filter_map(|(l, c)| c.latest().map(|(_, v)| (*l, v)))
                .filter(|(_, v)| quality_severity(*v) >= Severity::Warn)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((l, v)) = worst_other {
                let below = if v < QUALITY_CRITICAL { "critical" } else { "warning" };
                s = s.t(format!(" · {l} ")).v(v, Unit::Score).t(format!(" below {below} too")).sev(quality_severity(v));
            }
            p.headline = Some(s);
        }
        p
    }
}
