//! The Guardrails panel: the share of calls a guardrail intervened on, now and then, per source
//! and policy.

use super::index::{Combined, Index, pct};
use super::{Chart, Line, Panel, PanelId, Points, fact};
use crate::domain::genai_metrics::{Role, Severity};
use crate::present::sentence::{Sentence, Unit};

/// `SensitiveInformationPolicy` → `sensitive information`; `Output` → `output`.
fn words_of(name: &str) -> String {
    let base = name.strip_suffix("Policy").filter(|b| !b.is_empty()).unwrap_or(name);
    let mut out = String::new();
    let mut prev_lower = false;
    for c in base.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out.replace('_', " ")
}

impl Index<'_> {
    /// Guardrail interventions as a share of invocations, per content source.
    pub(super) fn guardrails(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Guardrails);
        let inv = self.count(GuardInvocations);
        let int = self.count(GuardIntervened);
        let inv_src = self.count_by(GuardInvocations, "GuardrailContentSource");
        let int_src = self.count_by(GuardIntervened, "GuardrailContentSource");
        let int_pol = self.count_by(GuardIntervened, "GuardrailPolicyType");
        let share_pts = |i: &Combined, n: &Combined| -> Points {
            n.points
                .iter()
                .filter(|(_, v)| **v > 0.0)
                .map(|(t, v)| (*t, i.points.get(t).copied().unwrap_or(0.0) / v * 100.0))
                .collect()
        };
        let mut sc = Chart::new("Intervened %", Unit::Pct);
        // (label, interventions, invocations) per source, or for all traffic
        let mut pairs: Vec<(String, &Combined, &Combined)> = Vec::new();
        for (src, i) in &int_src {
            if let Some(n) = inv_src.get(src) {
                pairs.push((words_of(src), i, n));
            }
        }
        if pairs.is_empty()
            && let (Some(i), Some(n)) = (&int, &inv)
        {
            pairs.push(("all".into(), i, n));
        }
        for (l, i, n) in &pairs {
            sc.lines.push(Line {
                label: l.clone(),
                key: i.keys.first().cloned(),
                points: share_pts(i, n),
                window: None,
                stacked: false,
            });
        }
        sc.y_min = Some(0.0);
        p.push_chart(sc);
        let mut pc = Chart::new("By policy, stacked", Unit::Count);
        for (pol, c) in &int_pol {
            pc.lines.push(c.line(&words_of(pol), true));
        }
        pc.y_min = Some(0.0);
        p.push_chart(pc);
        let lat = self.score_line(GuardLatency);
        let mut lc = Chart::new("Latency", Unit::Ms);
        if let Some(c) = &lat {
            lc.lines.push(c.line("latency", false));
        }
        lc.y_min = Some(0.0);
        p.push_chart(lc);

        p.facts.push(fact("invocations", inv.as_ref().and_then(|c| c.window), Unit::Count));
        p.facts.push(fact("intervened", int.as_ref().and_then(|c| c.window), Unit::Count));
        if let (Some(i), Some(n)) = (int.as_ref().and_then(|c| c.window), inv.as_ref().and_then(|c| c.window)) {
            p.facts.push(fact("intervened share", pct(i, n), Unit::Pct));
        }
        for (l, i, n) in &pairs {
            if let (Some(a), Some(b)) = (i.window, n.window) {
                p.facts.push(fact(format!("{l} intervened"), pct(a, b), Unit::Pct));
            }
        }
        for (pol, c) in &int_pol {
            p.facts.push(fact(words_of(pol), c.window, Unit::Count));
        }
        if let Some(c) = &lat {
            p.facts.push(fact("latency", c.window, Unit::Ms));
        }
        for (r, l) in [
            (GuardTextUnits, "text units"),
            (GuardClientErrors, "client errors"),
            (GuardServerErrors, "server errors"),
            (GuardThrottles, "throttles"),
        ] {
            if let Some(c) = self.count(r) {
                p.facts.push(fact(l, c.window, Unit::Count));
                p.namespaces.extend(c.keys.iter().map(|k| k.namespace.clone()));
            }
        }
        // The source whose share is highest now leads the sentence.
        let mut rows: Vec<(String, f64, Option<f64>, Option<i64>)> = Vec::new();
        for (l, i, n) in &pairs {
            if let Some(sp) = self.spans(&n.points)
                && let Some(now) = pct(sp.recent.sum(&i.points), sp.recent.sum(&n.points))
            {
                let then = (sp.early.start < sp.recent.start)
                    .then(|| pct(sp.early.sum(&i.points), sp.early.sum(&n.points)))
                    .flatten();
                rows.push((l.clone(), now, then, Some(sp.early.start)));
            }
        }
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        if let Some((l, now, then, t0)) = rows.first() {
            let of = if l == "all" { "invocations".to_string() } else { format!("{l}s") };
            let mut s = Sentence::new().t("intervened on ").v(*now, Unit::Pct).t(format!(" of {of} now"));
            // one answer in twenty blocked is a problem whatever it was before; doubling is one too
            let mut sev = if *now >= 10.0 {
                Severity::Crit
            } else if *now >= 5.0 {
                Severity::Warn
            } else {
                Severity::Ok
            };
            if let (Some(then), Some(t0)) = (then, t0) {
                s = s.t(" (was ").v(*then, Unit::Pct).t(" at ").at(*t0).t(")");
                if *now >= 2.0 && *now >= 2.0 * then {
                    sev = sev.max(Severity::Warn);
                }
            }
            s = s.sev(sev);
            for (l2, now2, _, _) in rows.iter().skip(1) {
                s = s.t(format!(", {l2}s ")).v(*now2, Unit::Pct);
            }
            // the policy that intervenes most, lately
            if let Some(sp) = int.as_ref().and_then(|c| self.spans(&c.points)) {
                let all: f64 = int_pol.values().map(|c| sp.recent.sum(&c.points)).sum();
                if let Some((pol, n)) = int_pol
                    .iter()
                    .map(|(k, c)| (k, sp.recent.sum(&c.points)))
                    .filter(|(_, n)| *n > 0.0)
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                {
                    s = s.t(format!(" · {} leads (", words_of(pol))).v(pct(n, all).unwrap_or(0.0), Unit::Pct).t(")");
                }
            }
            p.headline = Some(s);
        } else if let Some(c) = &inv {
            p.headline = Some(
                Sentence::new()
                    .v(c.window.unwrap_or(0.0), Unit::Count)
                    .t(" invocations, no interventions published")
                    .sev(Severity::Ok),
            );
        }
        p
    }
}
