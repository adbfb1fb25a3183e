//! The Pipeline and Platform panels in the `--once` reports: each panel's headline sentence,
//! how bad it is, and where its data came from.

use serde_json::{Value, json};

use crate::present::format::Fmt;
use crate::present::panels::PanelId;
use crate::present::sentence::sentence_text;
use crate::store::Store;

fn severity_name(s: crate::domain::genai_metrics::Severity) -> &'static str {
    use crate::domain::genai_metrics::Severity::*;
    match s {
        None => "none",
        Ok => "ok",
        Warn => "warn",
        Crit => "crit",
    }
}

/// `[{"panel": "quality", "title": …, "has_data": …, "severity": …, "headline": …, "namespaces": […]}]`
pub fn json(store: &Store, fmt: Fmt) -> Value {
    let ids: Vec<PanelId> = PanelId::PIPELINE.iter().chain(PanelId::PLATFORM.iter()).copied().collect();
    store
        .panels(&ids)
        .iter()
        .map(|p| {
            json!({
                "panel": p.id.name(),
                "title": p.id.title(),
                "has_data": p.has_data(),
                "severity": severity_name(p.severity()),
                "headline": p.headline.as_ref().map(|h| sentence_text(h, fmt)),
                "namespaces": p.namespaces.iter().collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The panels that are in warning or critical, one sentence each (wrapped by the caller).
pub fn text_lines(store: &Store, fmt: Fmt) -> Vec<String> {
    let ids: Vec<PanelId> = PanelId::PIPELINE.iter().chain(PanelId::PLATFORM.iter()).copied().collect();
    store
        .panels(&ids)
        .iter()
        .filter(|p| p.severity() >= crate::domain::genai_metrics::Severity::Warn)
        .filter_map(|p| {
            let mark = if p.severity() == crate::domain::genai_metrics::Severity::Crit { "!!" } else { "! " };
            p.headline.as_ref().map(|h| format!("{mark} {}: {}", p.id.title(), sentence_text(h, fmt)))
        })
        .collect()
}
