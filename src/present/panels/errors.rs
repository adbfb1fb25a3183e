//! The Errors panel: the application's error rate against its 1 % target and 5 % critical line,
//! and errors by kind.

use super::index::{Combined, Index, run_start};
use super::{Chart, Panel, PanelId, Points, Rule, fact};
use crate::domain::genai_metrics::{ERROR_RATE_CRITICAL, ERROR_RATE_TARGET, Role, Severity, error_pct_severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn errors(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Errors);
        let rate = self.score_line(ErrorRate);
        let mut rc = Chart::new("Error rate (1 % / 5 %)", Unit::Pct);
        rc.rules = vec![
            Rule { label: "target", value: ERROR_RATE_TARGET, severity: Severity::Warn },
            Rule { label: "critical", value: ERROR_RATE_CRITICAL, severity: Severity::Crit },
        ];
        rc.y_min = Some(0.0);
        if let Some(c) = &rate {
            rc.lines.push(c.line("error rate", false));
            let mut f = fact("error rate (avg)", c.window, Unit::Pct);
            f.severity = c.window.map(error_pct_severity).unwrap_or_default();
            p.facts.push(f);
        }
        p.push_chart(rc);
        let kinds: Vec<(&str, Combined)> = [
            (RetrievalErrors, "retrieval"),
            (GenerationErrors, "generation"),
            (ThrottlingErrors, "throttling"),
            (ValidationErrors, "validation"),
        ]
        .into_iter()
        .filter_map(|(r, l)| self.count(r).map(|c| (l, c)))
        .collect();
        let all = self.count(RequestErrors);
        let mut kc = Chart::new("By kind, stacked", Unit::Count);
        for (l, c) in &kinds {
            kc.lines.push(c.line(l, true));
            p.facts.push(fact(format!("{l} errors"), c.window, Unit::Count));
        }
        if let Some(c) = &all {
            kc.lines.push(c.line("all requests", false));
            p.facts.push(fact("request errors", c.window, Unit::Count));
        }
        kc.y_min = Some(0.0);
        p.push_chart(kc);

        let mut s = match &rate {
            Some(c) => match c.latest() {
                Some((_, now)) => {
                    let mut s = Sentence::new().t("error rate ").v(now, Unit::Pct).sev(error_pct_severity(now));
                    let line = if now >= ERROR_RATE_CRITICAL {
                        Some(("critical", ERROR_RATE_CRITICAL))
                    } else if now >= ERROR_RATE_TARGET {
                        Some(("target", ERROR_RATE_TARGET))
                    } else {
                        None
                    };
                    match line {
                        Some((name, v)) => {
                            s = s.t(format!(" — above {name} (")).v(v, Unit::Pct).t(")");
                            if let Some(t) = run_start(&c.points, |x| x >= v) {
                                s = s.t(" since ").at(t);
                            }
                        }
                        None => s = s.t(" — under target (").v(ERROR_RATE_TARGET, Unit::Pct).t(")"),
                    }
                    Some(s)
                }
                None => None,
            },
            None => None,
        };
        // Which kind leads in the last minutes, and which rose most.
        let mut all_kinds = Points::new();
        for (_, c) in &kinds {
            for (t, v) in &c.points {
                *all_kinds.entry(*t).or_insert(0.0) += v;
            }
        }
        let basis = all.as_ref().map(|c| c.points.clone()).filter(|p| !p.is_empty()).unwrap_or(all_kinds.clone());
        if let Some(sp) = self.spans(&basis).or_else(|| rate.as_ref().and_then(|c| self.spans(&c.points))) {
            let lead = kinds
                .iter()
                .map(|(l, c)| (l, sp.recent.sum(&c.points)))
                .filter(|(_, n)| *n > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let recent_total = sp.recent.sum(&all_kinds);
            if let Some((l, n)) = lead {
                let base = s.unwrap_or_else(|| {
                    Sentence::new().t("errors ").v(sp.recent.rate(&all_kinds), Unit::Count).t("/min").sev(Severity::Ok)
                });
                s = Some(
                    base.t(format!(" · {l} errors lead: "))
                        .v(n, Unit::Count)
                        .t(" of ")
                        .v(recent_total, Unit::Count)
                        .t(self.recent_label()),
                );
                let riser = kinds
                    .iter()
                    .filter(|(k, _)| k != l)
                    .filter_map(|(k, c)| {
                        let (now, then) = (sp.recent.rate(&c.points), sp.early.rate(&c.points));
                        (now >= 1.0 && now >= 3.0 * then.max(0.1)).then_some((k, now, then))
                    })
                    .max_by(|a, b| (a.1 / a.2.max(0.1)).total_cmp(&(b.1 / b.2.max(0.1))));
                if let Some((k, now, then)) = riser {
                    s = s.map(|x| {
                        x.t(format!(" · {k} ")).v(now, Unit::Count).t("/min (was ").v(then, Unit::Count).t(")")
                    });
                }
            } else if s.is_none() && (!kinds.is_empty() || all.is_some()) {
                s = Some(Sentence::new().t(format!("no errors{}", self.recent_label())).sev(Severity::Ok));
            }
        }
        p.headline = s;
        p
    }
}
