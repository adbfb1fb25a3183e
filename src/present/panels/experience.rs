//! The User experience panel: feedback ratings, session duration and turns per session.

use super::index::Index;
use super::{Chart, Panel, PanelId, fact};
use crate::domain::genai_metrics::{Role, Severity};
use crate::present::sentence::{Sentence, Unit};

impl Index<'_> {
    pub(super) fn experience(&self) -> Panel {
        let mut p = Panel::new(PanelId::Experience);
        let fb = self.score_line(Role::FeedbackScore);
        let dur = self.score_line(Role::SessionDuration);
        let turns = self.score_line(Role::TurnsPerSession);
        let mut c = Chart::new("Feedback", Unit::Rating);
        if let Some(x) = &fb {
            c.lines.push(x.line("feedback", false));
            p.facts.push(fact("feedback", x.window, Unit::Rating));
        }
        c.y_min = Some(1.0);
        c.y_max = Some(5.0);
        p.push_chart(c);
        let mut d = Chart::new("Session duration", Unit::Secs);
        if let Some(x) = &dur {
            d.lines.push(x.line("duration", false));
            p.facts.push(fact("session duration", x.window, Unit::Secs));
        }
        d.y_min = Some(0.0);
        p.push_chart(d);
        let mut tc = Chart::new("Turns per session", Unit::Count);
        if let Some(x) = &turns {
            tc.lines.push(x.line("turns", false));
            p.facts.push(fact("turns per session", x.window, Unit::Count));
        }
        tc.y_min = Some(0.0);
        p.push_chart(tc);
        let mut s: Option<Sentence> = None;
        if let Some(x) = &fb
            && let Some((t1, now)) = x.latest()
        {
            let sev = if now < 2.5 {
                Severity::Crit
            } else if now < 3.5 {
                Severity::Warn
            } else {
                Severity::Ok
            };
            let mut b = Sentence::new().t("feedback ").v(now, Unit::Rating).t(" now").sev(sev);
            if let Some((t0, then)) = x.first().filter(|(t0, _)| *t0 < t1) {
                b = b.t(" (was ").v(then, Unit::Rating).t(" at ").at(t0).t(")");
            }
            s = Some(b);
        }
        if dur.is_some() || turns.is_some() {
            let mut b = match s {
                Some(b) => b.t(" · sessions "),
                None => Sentence::new().t("sessions ").sev(Severity::Ok),
            };
            if let Some(v) = dur.as_ref().and_then(|c| c.window) {
                b = b.v(v, Unit::Secs);
                if turns.is_some() {
                    b = b.t(", ");
                }
            }
            if let Some(v) = turns.as_ref().and_then(|c| c.window) {
                b = b.v(v, Unit::Count).t(" turns");
            }
            s = Some(b);
        }
        p.headline = s;
        p
    }
}
