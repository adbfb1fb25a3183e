//! The Tokens panel: input and output tokens per minute, and output per input.

use super::index::Index;
use super::{Chart, Panel, PanelId, Points, fact};
use crate::domain::genai_metrics::Role;
use crate::present::sentence::Unit;

impl Index<'_> {
    pub(super) fn tokens(&self) -> Panel {
        let mut p = Panel::new(PanelId::Tokens);
        let input = self.count(Role::InputTokens);
        let output = self.count(Role::OutputTokens);
        let mut c = Chart::new("Tokens/min, stacked", Unit::Count);
        for (x, l) in [(&input, "input"), (&output, "output")] {
            if let Some(x) = x {
                c.lines.push(x.line(l, true));
                p.facts.push(fact(l, x.window, Unit::Count));
            }
        }
        c.y_min = Some(0.0);
        p.push_chart(c);
        if let (Some(i), Some(o)) = (input.as_ref().and_then(|c| c.window), output.as_ref().and_then(|c| c.window)) {
            p.facts.push(fact("output per input", (i > 0.0).then(|| o / i), Unit::Times));
        }
        let mut sum = Points::new();
        for x in [&input, &output].into_iter().flatten() {
            for (t, v) in &x.points {
                *sum.entry(*t).or_insert(0.0) += v;
            }
        }
        p.headline = self.burn_sentence(" tokens", &sum, Unit::Count);
        p
    }
}
