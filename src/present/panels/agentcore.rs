//! The AgentCore panel: invocations, sessions, latency, errors and throttles of runtimes,
//! gateways, tools and memory.

use super::index::{Combined, Index};
use super::{Chart, Panel, PanelId, fact};
use crate::domain::genai_metrics::{Role, Severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn agentcore(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::AgentCore);
        let inv = self.count(CoreInvocations);
        let sessions = self.count(CoreSessions);
        let active = self.score_line(CoreActiveSessions);
        let lat = self.score_line(CoreLatency);
        let dur = self.score_line(CoreDuration);
        let errors = self.count(CoreErrors);
        let sys = self.count(CoreSystemErrors);
        let user = self.count(CoreUserErrors);
        let thr = self.count(CoreThrottles);
        let mut ic = Chart::new("Per minute", Unit::Count);
        for (c, l) in [(&inv, "invocations"), (&sessions, "sessions")] {
            if let Some(c) = c {
                ic.lines.push(c.line(l, false));
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        if let Some(c) = &active {
            ic.lines.push(c.line("active sessions", false));
            p.facts.push(fact("active sessions", c.window, Unit::Count));
        }
        ic.y_min = Some(0.0);
        p.push_chart(ic);
        let mut lc = Chart::new("Latency", Unit::Ms);
        for (c, l) in [(&lat, "latency"), (&dur, "duration")] {
            if let Some(c) = c {
                lc.lines.push(c.line(l, false));
                p.facts.push(fact(l, c.window, Unit::Ms));
            }
        }
        lc.y_min = Some(0.0);
        p.push_chart(lc);
        // Errors = SystemErrors + UserErrors when split, else the Errors total
        let split: Vec<(&Combined, &str)> = [(&sys, "system errors"), (&user, "user errors")]
            .into_iter()
            .filter_map(|(c, l)| c.as_ref().map(|c| (c, l)))
            .collect();
        let mut ec = Chart::new("Errors, throttles", Unit::Count);
        if split.is_empty() {
            if let Some(c) = &errors {
                ec.lines.push(c.line("errors", true));
            }
        } else {
            for (c, l) in &split {
                ec.lines.push(c.line(l, true));
            }
        }
        if let Some(c) = &thr {
            ec.lines.push(c.line("throttles", true));
        }
        ec.y_min = Some(0.0);
        p.push_chart(ec);
        for (c, l) in [(&errors, "errors"), (&sys, "system errors"), (&user, "user errors"), (&thr, "throttles")] {
            if let Some(c) = c {
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        let basis = inv.as_ref().or(sessions.as_ref());
        let Some(b) = basis else {
            if let Some(c) = &lat {
                let (s, _) = Self::avg_now_then(Sentence::new().t("AgentCore").sev(Severity::Ok), "latency", c);
                p.headline = Some(s);
            }
            return p;
        };
        let noun = if inv.is_some() { "invocations" } else { "sessions" };
        let (mut s, _) = self.rate_now_then(Sentence::new().sev(Severity::Ok), b, noun);
        if let Some(c) = &lat {
            let (s2, r) = Self::avg_now_then(s, "latency", c);
            s = s2;
            if r.is_some_and(|r| r >= 2.0) {
                s = s.sev(Severity::Warn);
            }
        }
        let errs: Vec<&Combined> =
            if split.is_empty() { errors.iter().collect() } else { split.iter().map(|(c, _)| *c).collect() };
        p.headline = Some(self.trouble(s, &errs, thr.as_ref(), &b.points));
        p
    }
}
