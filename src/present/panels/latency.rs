//! The Latency panel: each stage's average stacked under the end-to-end time; the headline
//! names the dominant stage's share now and then, and the stage that grew most.

use super::index::{Combined, Index, pct, ratio};
use super::{Chart, Panel, PanelId, fact};
use crate::domain::genai_metrics::{Role, STAGES, Severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn latency(&self) -> Panel {
        let mut p = Panel::new(PanelId::Latency);
        let stages: Vec<(&str, Combined)> =
            STAGES.iter().filter_map(|(r, l)| self.score_line(*r).map(|c| (*l, c))).collect();
        let e2e = self.score_line(Role::EndToEndLatency);
        let e2e95 = self.line(Role::EndToEndLatency, "p95");
        let mut chart = Chart::new("By stage, stacked", Unit::Ms);
        for (l, c) in &stages {
            chart.lines.push(c.line(l, true));
            p.facts.push(fact(*l, c.window, Unit::Ms));
        }
        if let Some(c) = &e2e {
            chart.lines.push(c.line("e2e", false));
            p.facts.push(fact("end-to-end avg", c.window, Unit::Ms));
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        let mut tail = Chart::new("End-to-end", Unit::Ms);
        if let Some(c) = &e2e {
            tail.lines.push(c.line("avg", false));
        }
        if let Some(c) = &e2e95 {
            tail.lines.push(c.line("p95", false));
            p.facts.push(fact("end-to-end p95", c.window, Unit::Ms));
        }
        tail.y_min = Some(0.0);
        p.push_chart(tail);

        // Now against the window's start, at the newest and oldest minute every stage has.
        let common: Vec<i64> = match stages.first() {
            Some((_, c)) => {
                c.points.keys().copied().filter(|t| stages.iter().all(|(_, s)| s.points.contains_key(t))).collect()
            }
            None => Vec::new(),
        };
        let total_at = |t: i64| -> f64 {
            e2e.as_ref()
                .and_then(|c| c.points.get(&t).copied())
                .unwrap_or_else(|| stages.iter().map(|(_, c)| c.points[&t]).sum())
        };
        if let (Some(&t1), Some(&t0)) = (common.last(), common.first()) {
            let (dom, dc) =
                stages.iter().max_by(|a, b| a.1.points[&t1].total_cmp(&b.1.points[&t1])).expect("stages present");
            let share = |c: &Combined, t: i64| pct(c.points[&t], total_at(t)).unwrap_or(0.0);
            let mut s = Sentence::new()
                .t(format!("{dom} dominates: "))
                .v(share(dc, t1), Unit::Pct)
                .t(" of ")
                .v(total_at(t1), Unit::Ms)
                .t(" end-to-end")
                .sev(Severity::Ok);
            if t0 < t1 {
                s = s
                    .t(" (was ")
                    .v(share(dc, t0), Unit::Pct)
                    .t(" of ")
                    .v(total_at(t0), Unit::Ms)
                    .t(" at ")
                    .at(t0)
                    .t(")");
                // the stage that grew most, other than the dominant one (whose growth the
                // end-to-end figures above already show)
                let riser = stages
                    .iter()
                    .filter(|(l, _)| l != dom)
                    .filter_map(|(l, c)| ratio(c.points[&t1], c.points[&t0]).map(|r| (l, c, r)))
                    .max_by(|a, b| a.2.total_cmp(&b.2));
                if let Some((l, c, r)) = riser
                    && r >= 1.5
                {
                    s = s
                        .t(format!(" · {l} "))
                        .v(r, Unit::Times)
                        .t(" (")
                        .v(c.points[&t0], Unit::Ms)
                        .t(" → ")
                        .v(c.points[&t1], Unit::Ms)
                        .t(")");
                    if r >= 2.0 {
                        s = s.sev(Severity::Warn);
                    }
                }
                if let Some(r) = ratio(total_at(t1), total_at(t0)) {
                    s = s.sev(if r >= 3.0 {
                        Severity::Crit
                    } else if r >= 1.5 {
                        Severity::Warn
                    } else {
                        Severity::Ok
                    });
                }
            }
            p.headline = Some(s);
        } else if let Some(c) = &e2e
            && let Some((t1, now)) = c.latest()
        {
            let mut s = Sentence::new().t("end-to-end ").v(now, Unit::Ms).t(" now").sev(Severity::Ok);
            if let Some((t0, then)) = c.first().filter(|(t0, _)| *t0 < t1) {
                s = s.t(" (was ").v(then, Unit::Ms).t(" at ").at(t0).t(")");
            }
            p.headline = Some(s);
        }
        p
    }
}
