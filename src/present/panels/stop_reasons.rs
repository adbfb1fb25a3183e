//! The Stop reasons panel: the share of each stop reason; `max_tokens` rising means answers
//! are being cut off.

use super::index::{Index, pct};
use super::{Chart, Panel, PanelId, Points, fact};
use crate::domain::genai_metrics::{Role, Severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn stop_reasons(&self) -> Panel {
        let mut p = Panel::new(PanelId::StopReasons);
        let mut by = self.rollup(Role::StopReason, "SampleCount", Some("Reason"));
        if by.is_empty() {
            by = self.rollup(Role::StopReason, "Sum", Some("Reason"));
        }
        if by.is_empty() {
            return p;
        }
        let mut chart = Chart::new("Stops/min, stacked", Unit::Count);
        let mut all = Points::new();
        for (reason, c) in &by {
            chart.lines.push(c.line(reason, true));
            for (t, v) in &c.points {
                *all.entry(*t).or_insert(0.0) += v;
            }
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        let total: f64 = all.values().sum();
        for (reason, c) in &by {
            p.facts.push(fact(format!("{reason} share"), c.window.and_then(|w| pct(w, total)), Unit::Pct));
        }
        let Some(sp) = self.spans(&all) else { return p };
        // max_tokens is the one that matters (truncated answers); otherwise the commonest
        let focus = by.keys().find(|r| r.eq_ignore_ascii_case("max_tokens")).or_else(|| {
            by.iter().max_by(|a, b| sp.recent.sum(&a.1.points).total_cmp(&sp.recent.sum(&b.1.points))).map(|x| x.0)
        });
        let Some(focus) = focus else { return p };
        let c = &by[focus];
        let now = pct(sp.recent.sum(&c.points), sp.recent.sum(&all)).unwrap_or(0.0);
        let mut s = Sentence::new().t(format!("{focus} stops ")).v(now, Unit::Pct).t(" now");
        if sp.early.start < sp.recent.start
            && let Some(then) = pct(sp.early.sum(&c.points), sp.early.sum(&all))
        {
            s = s.t(" (was ").v(then, Unit::Pct).t(" at ").at(sp.early.start).t(")");
            if focus.eq_ignore_ascii_case("max_tokens") && now >= 2.0 * then.max(1.0) {
                s = s.t(": answers are being cut off");
            }
        }
        s = s.sev(if !focus.eq_ignore_ascii_case("max_tokens") {
            Severity::Ok
        } else if now >= 25.0 {
            Severity::Crit
        } else if now >= 10.0 {
            Severity::Warn
        } else {
            Severity::Ok
        });
        p.headline = Some(s);
        p
    }
}
