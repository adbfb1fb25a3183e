//! The Agents panel: agent invocations per minute, their latency, errors and throttles, by
//! operation and alias.

use super::index::{Combined, Index};
use super::{Chart, Panel, PanelId, fact};
use crate::domain::genai_metrics::{Role, Severity};
use crate::present::sentence::{Sentence, Unit};

/// `arn:…:agent-alias/AGENT/ALIAS` → `AGENT/ALIAS`.
fn alias_label(arn: &str) -> String {
    match arn.rsplit_once(":agent-alias/") {
        Some((_, rest)) => rest.to_string(),
        None => arn.to_string(),
    }
}

impl Index<'_> {
    pub(super) fn agents(&self) -> Panel {
        use Role::*;
        let mut p = Panel::new(PanelId::Agents);
        let inv = self.count(AgentInvocations);
        let by_op = self.count_by(AgentInvocations, "Operation");
        let by_alias = {
            let m = self.count_by(AgentModelInvocations, "AgentAliasArn");
            if m.is_empty() { self.count_by(AgentInvocations, "AgentAliasArn") } else { m }
        };
        let total = self.score_line(AgentTotalTime);
        let ttft = self.score_line(AgentTtft);
        let model = self.score_line(AgentModelLatency);
        let client = self.count(AgentClientErrors);
        let server = self.count(AgentServerErrors);
        let thr = self.count(AgentThrottles);
        let mut ic = Chart::new("Invocations/min", Unit::Count);
        if by_op.len() > 1 || (by_op.len() == 1 && !by_op.contains_key("")) {
            for (op, c) in &by_op {
                ic.lines.push(c.line(op, false));
            }
        } else if let Some(c) = &inv {
            ic.lines.push(c.line("invocations", false));
        }
        ic.y_min = Some(0.0);
        p.push_chart(ic);
        let mut lc = Chart::new("Latency", Unit::Ms);
        for (c, l) in [(&total, "total time"), (&ttft, "TTFT"), (&model, "model latency")] {
            if let Some(c) = c {
                lc.lines.push(c.line(l, false));
                p.facts.push(fact(l, c.window, Unit::Ms));
            }
        }
        lc.y_min = Some(0.0);
        p.push_chart(lc);
        let mut ec = Chart::new("Errors, throttles", Unit::Count);
        for (c, l) in [(&client, "client errors"), (&server, "server errors"), (&thr, "throttles")] {
            if let Some(c) = c {
                ec.lines.push(c.line(l, true));
                p.facts.push(fact(l, c.window, Unit::Count));
            }
        }
        ec.y_min = Some(0.0);
        p.push_chart(ec);
        if let Some(c) = &inv {
            p.facts.insert(0, fact("invocations", c.window, Unit::Count));
        }
        for (r, l) in [(AgentInputTokens, "input tokens"), (AgentOutputTokens, "output tokens")] {
            if let Some(c) = self.count(r) {
                p.facts.push(fact(l, c.window, Unit::Count));
                p.namespaces.extend(c.keys.iter().map(|k| k.namespace.clone()));
            }
        }
        if by_op.len() > 1 {
            for (op, c) in &by_op {
                p.facts.push(fact(op.clone(), c.window, Unit::Count));
            }
        }
        for (alias, c) in &by_alias {
            if !alias.is_empty() {
                p.facts.push(fact(format!("alias {}", alias_label(alias)), c.window, Unit::Count));
            }
        }
        let Some(c) = &inv else { return p };
        let (mut s, r) = self.rate_now_then(Sentence::new().sev(Severity::Ok), c, "invocations");
        if r.is_some_and(|r| r >= 3.0) {
            s = s.sev(Severity::Warn);
        }
        if let Some(t) = &total {
            let (s2, r) = Self::avg_now_then(s, "total time", t);
            s = s2;
            if r.is_some_and(|r| r >= 2.0) {
                s = s.sev(Severity::Warn);
            }
        }
        let errs: Vec<&Combined> = [&client, &server].into_iter().flatten().collect();
        p.headline = Some(self.trouble(s, &errs, thr.as_ref(), &c.points));
        p
    }
}
