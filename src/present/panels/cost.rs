//! The Cost panel: the application's cost per minute by part, its rate now against the window's
//! median, and cost per query.

use super::index::Index;
use super::{Chart, Panel, PanelId, Points, fact};
use crate::domain::genai_metrics::{Role, Severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn cost(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Cost);
        let total = self.count(TotalCost);
        let emb = self.count(EmbeddingCost);
        let gen_ = self.count(GenerationCost);
        let req = self.count(RequestCost);
        let cpq = self.score_line(CostPerQuery);
        let cpq95 = self.line(CostPerQuery, "p95");
        let mut c = Chart::new("Cost/min, stacked", Unit::Usd);
        for (x, l, st) in
            [(&emb, "embed", true), (&gen_, "generation", true), (&total, "total", false), (&req, "request", false)]
        {
            if let Some(x) = x {
                c.lines.push(x.line(l, st));
            }
        }
        c.y_min = Some(0.0);
        p.push_chart(c);
        let mut q = Chart::new("Per query", Unit::Usd);
        if let Some(x) = &cpq {
            q.lines.push(x.line("avg", false));
        }
        if let Some(x) = &cpq95 {
            q.lines.push(x.line("p95", false));
        }
        q.y_min = Some(0.0);
        p.push_chart(q);
        for (x, l) in [(&total, "total"), (&emb, "embedding"), (&gen_, "generation"), (&req, "request cost")] {
            if let Some(x) = x {
                p.facts.push(fact(l, x.window, Unit::Usd));
            }
        }
        if let Some(x) = &cpq {
            p.facts.push(fact("per query avg", x.window, Unit::Usd));
        }
        if let Some(x) = &cpq95 {
            p.facts.push(fact("per query p95", x.window, Unit::Usd));
        }
        // the cost series: total, else the parts, else request cost
        let basis: Option<Points> = total.as_ref().map(|c| c.points.clone()).or_else(|| {
            let mut sum = Points::new();
            for x in [&emb, &gen_].into_iter().flatten() {
                for (t, v) in &x.points {
                    *sum.entry(*t).or_insert(0.0) += v;
                }
            }
            (!sum.is_empty()).then_some(sum)
        });
        let basis = basis.or_else(|| req.as_ref().map(|c| c.points.clone()));
        let mut s = basis.as_ref().and_then(|b| self.burn_sentence("", b, Unit::Usd));
        if let Some(x) = cpq.as_ref().and_then(|c| c.window) {
            let base = s.unwrap_or_else(|| Sentence::new().t("cost").sev(Severity::Ok));
            let mut b = base.t(" · per query ").v(x, Unit::Usd).t(" avg");
            if let Some(y) = cpq95.as_ref().and_then(|c| c.window) {
                b = b.t(", p95 ").v(y, Unit::Usd);
            }
            s = Some(b);
        }
        p.headline = s;
        p
    }
}
