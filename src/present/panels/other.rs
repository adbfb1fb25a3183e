//! The Other metrics panels (custom and platform namespaces): every metric no panel knows, with
//! its latest value, so nothing published is invisible.

use super::index::Index;
use super::{OtherMetric, Panel, PanelId};
use crate::domain::catalog::is_additive;
use crate::domain::genai_metrics::Severity;
use crate::present::sentence::{Sentence, Unit};
use crate::store::{Series, SeriesKey};

impl Index<'_> {
    pub(super) fn other(&self, id: PanelId, list: &[(&SeriesKey, &Series)]) -> Panel {
        let mut p = Panel::new(id);
        p.other = list
            .iter()
            .map(|(k, s)| {
                let points = self.points(s);
                OtherMetric {
                    key: (*k).clone(),
                    latest: points.iter().next_back().map(|(t, v)| (*t, *v)),
                    window: if is_additive(&k.stat) {
                        (!points.is_empty()).then(|| points.values().sum())
                    } else {
                        s.window_value
                    },
                    points,
                }
            })
            .collect();
        p.namespaces = p.other.iter().map(|o| o.key.namespace.clone()).collect();
        if !p.other.is_empty() {
            let ns: Vec<&str> = p.namespaces.iter().map(String::as_str).collect();
            p.headline = Some(
                Sentence::new()
                    .v(p.other.len() as f64, Unit::Count)
                    .t(format!(" more series in {}", ns.join(", ")))
                    .sev(Severity::None),
            );
        }
        p
    }
}
