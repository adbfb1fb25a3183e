//! The Throughput panel: requests, successes and failures, and the failed share.

use super::index::{Index, pct};
use super::{Chart, Panel, PanelId, Points, fact};
use crate::domain::genai_metrics::{Role, Severity, error_pct_severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn throughput(&self) -> Panel {
        let mut p = Panel::new(PanelId::Throughput);
        let req = self.count(Role::RequestCount);
        let ok = self.count(Role::SuccessfulRequests);
        let failed = self.count(Role::FailedRequests);
        let per = if self.period() == 60 { "/min" } else { "/period" };
        let mut chart = Chart::new(format!("Requests{per}"), Unit::Count);
        for (c, l) in [(&req, "total"), (&ok, "ok"), (&failed, "failed")] {
            if let Some(c) = c {
                chart.lines.push(c.line(l, false));
            }
        }
        chart.y_min = Some(0.0);
        p.push_chart(chart);
        // failed = requests - succeeded when only those two are published
        let failed_pts: Option<Points> = failed.as_ref().map(|c| c.points.clone()).or_else(|| {
            let (r, o) = (req.as_ref()?, ok.as_ref()?);
            Some(r.points.iter().map(|(t, v)| (*t, (v - o.points.get(t).copied().unwrap_or(0.0)).max(0.0))).collect())
        });
        let total = req.as_ref().and_then(|c| c.window);
        p.facts.push(fact("requests", total, Unit::Count));
        p.facts.push(fact("succeeded", ok.as_ref().and_then(|c| c.window), Unit::Count));
        let failed_w = failed_pts.as_ref().map(|f| f.values().sum::<f64>());
        let mut ff = fact("failed", failed_w, Unit::Count);
        let fail_pct_w = failed_w.zip(total).and_then(|(f, t)| pct(f, t));
        ff.severity = fail_pct_w.map(error_pct_severity).unwrap_or_default();
        p.facts.push(ff);
        p.facts.push(fact("failed share", fail_pct_w, Unit::Pct));
        let Some(r) = req.as_ref().or(ok.as_ref()) else { return p };
        let Some(sp) = self.spans(&r.points) else { return p };
        let mut s =
            Sentence::new().t("requests ").v(sp.recent.rate(&r.points), Unit::Count).t("/min now").sev(Severity::Ok);
        if sp.early.start < sp.recent.start {
            s = s.t(" (was ").v(sp.early.rate(&r.points), Unit::Count).t(" at ").at(sp.early.start).t(")");
        }
        if let (Some(f), Some(rq)) = (&failed_pts, &req)
            && let Some(share) = pct(sp.recent.sum(f), sp.recent.sum(&rq.points))
        {
            s = s
                .t(" · ")
                .v(share, Unit::Pct)
                .t(format!(" failed{}", self.recent_label()))
                .sev(error_pct_severity(share));
            if let Some(w) = fail_pct_w {
                s = s.t(" (window ").v(w, Unit::Pct).t(")");
            }
        }
        p.headline = Some(s);
        p
    }
}
