//! The Model latency panel: the application's average latency per model, slowest named.

use super::index::{Combined, Index, ratio};
use super::{Chart, Panel, PanelId, fact};
use crate::domain::catalog::short_model_name;
use crate::domain::genai_metrics::{Role, Severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn models(&self) -> Panel {
        let mut p = Panel::new(PanelId::Models);
        let by = self.rollup(Role::ModelAvgLatency, "Average", Some("ModelId"));
        let by = if by.is_empty() { self.rollup(Role::ModelAvgLatency, "Average", None) } else { by };
        let name = |id: &str| if id.is_empty() { "all models".to_string() } else { short_model_name(id) };
        let mut rows: Vec<(String, &Combined)> = by.iter().map(|(id, c)| (name(id), c)).collect();
        rows.sort_by(|a, b| {
            b.1.latest().map(|x| x.1).unwrap_or(0.0).total_cmp(&a.1.latest().map(|x| x.1).unwrap_or(0.0))
        });
        let mut chart = Chart::new("Avg latency", Unit::Ms);
        for (n, c) in rows.iter().take(6) {
            chart.lines.push(c.line(n, false));
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        for (n, c) in &rows {
            p.facts.push(fact(n.clone(), c.window, Unit::Ms));
        }
        let Some((slow, c)) = rows.first() else { return p };
        let Some((t1, now)) = c.latest() else { return p };
        let mut s = Sentence::new().t(format!("slowest: {slow} ")).v(now, Unit::Ms).t(" now").sev(Severity::Ok);
        if let Some((t0, then)) = c.first().filter(|(t0, _)| *t0 < t1) {
            s = s.t(" (was ").v(then, Unit::Ms).t(" at ").at(t0).t(")");
            if ratio(now, then).is_some_and(|r| r >= 2.0) {
                s = s.sev(Severity::Warn);
            }
        }
        let riser = rows
            .iter()
            .skip(1)
            .filter_map(|(n, c)| {
                let ((_, a), (_, b)) = (c.first()?, c.latest()?);
                ratio(b, a).map(|r| (n, r))
            })
            .filter(|(_, r)| *r >= 1.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((n, r)) = riser {
            s = s.t(format!(" · {n} ")).v(r, Unit::Times).t(" since the window's start");
            if r >= 2.0 {
                s = s.sev(Severity::Warn);
            }
        }
        if rows.len() > 1
            && let Some((fast, c)) = rows.last()
            && let Some((_, v)) = c.latest()
        {
            s = s.t(format!(" · fastest: {fast} ")).v(v, Unit::Ms);
        }
        p.headline = Some(s);
        p
    }
}
