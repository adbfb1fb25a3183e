//! The Knowledge bases panel: retrievals per minute, their errors and throttles.

use super::index::{Combined, Index, pct};
use super::{Chart, Panel, PanelId, fact};
use crate::domain::genai_metrics::{Role, Severity, error_pct_severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn knowledge_bases(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::KnowledgeBases);
        let inv = self.count(KbInvocations);
        let client = self.count(KbClientErrors);
        let server = self.count(KbServerErrors);
        let thr = self.count(KbThrottles);
        let mut ic = Chart::new("Invocations/min", Unit::Count);
        if let Some(c) = &inv {
            ic.lines.push(c.line("invocations", false));
            p.facts.push(fact("invocations", c.window, Unit::Count));
        }
        ic.y_min = Some(0.0);
        p.push_chart(ic);
        let mut ec = Chart::new("Errors, throttles", Unit::Count);
        for (c, l) in [(&client, "client errors"), (&server, "server errors"), (&thr, "throttles")] {
            if let Some(c) = c {
                ec.lines.push(c.line(l, true));
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        ec.y_min = Some(0.0);
        p.push_chart(ec);
        let Some(c) = &inv else { return p };
        let (mut s, _) = self.rate_now_then(Sentence::new().sev(Severity::Ok), c, "retrievals");
        if let Some(sp) = self.spans(&c.points) {
            let errs: Vec<&Combined> = [&client, &server].into_iter().flatten().collect();
            let e_now: f64 = errs.iter().map(|x| sp.recent.sum(&x.points)).sum();
            let e_then: f64 = errs.iter().map(|x| sp.early.sum(&x.points)).sum();
            if !errs.is_empty()
                && let Some(now) = pct(e_now, sp.recent.sum(&c.points))
            {
                s = s
                    .t(" · errors ")
                    .v(now, Unit::Pct)
                    .t(format!(" of calls{}", self.recent_label()))
                    .sev(error_pct_severity(now));
                if sp.early.start < sp.recent.start
                    && let Some(then) = pct(e_then, sp.early.sum(&c.points))
                {
                    s = s.t(" (was ").v(then, Unit::Pct).t(")");
                }
            }
            if let Some(t) = &thr {
                let n = sp.recent.sum(&t.points);
                if n > 0.0 {
                    s = s.t(" · ").v(n, Unit::Count).t(" throttled").sev(Severity::Warn);
                }
            }
        }
        p.headline = Some(s);
        p
    }
}
