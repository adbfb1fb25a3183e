//! The runaway watch in the reports: the callers and sessions over their ceiling (now or at some
//! minute of the watched window) with their figures, and the watch's own state.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::domain::catalog::short_model_name;
use crate::present::format::{self, Fmt, NONE};
use crate::present::runaway::{figures, usd_text};
use crate::store::Store;
use crate::store::runaway::{Entry, Kind, KindState, RunawayState, compact};

/// The entries worth reporting: over a ceiling now, or at some minute of the window.
pub fn reported(r: &RunawayState) -> Vec<&Entry> {
    r.entries().filter(|e| e.over_now || e.over_since.is_some()).collect()
}

/// `"runaway": [{kind, id, model, tokens_per_min, usd_per_min, over_since, …}]`.
pub fn json(store: &Store) -> Value {
    Value::Array(
        reported(&store.runaway)
            .into_iter()
            .map(|e| {
                json!({
                    "kind": e.kind.as_str(),
                    "id": e.id,
                    "model": e.model(),
                    "models": e.models,
                    "tokens_per_min": e.latest_tokens,
                    "usd_per_min": e.latest_usd,
                    "peak_tokens_per_min": e.peak_tokens,
                    "peak_usd_per_min": e.peak_usd,
                    "over_since": e.over_since.map(format::rfc3339),
                    "over_now": e.over_now,
                    "unpriced_tokens": e.unpriced,
                })
            })
            .collect(),
    )
}

/// `"runaway_ceiling"`: what "over" means.
pub fn ceiling_json(store: &Store) -> Value {
    let s = &store.runaway.settings;
    json!({"tokens_per_min": s.tokens_per_min, "usd_per_min": s.usd_per_min})
}

/// `"runaway_watch"`: whether it ran, and what went wrong.
pub fn watch_json(store: &Store) -> Value {
    let r = &store.runaway;
    let kind = |k: &KindState| {
        json!({
            "last_ok": k.last_ok.map(format::rfc3339),
            "window": k.window.map(|w| json!({"start": format::rfc3339(w.start), "end": format::rfc3339(w.end)})),
            "entries": k.entries.len(),
            "error": k.error.as_ref().map(|e| e.one_line()),
            "note": k.note,
            "skipped_rows": k.skipped_rows,
            "query_cost_usd": k.spent_usd,
        })
    };
    json!({
        "enabled": r.settings.enabled,
        "every_secs": r.settings.every_secs,
        "callers": kind(&r.callers),
        "sessions": kind(&r.sessions),
    })
}

/// `250k tokens/min or $1.00/min`
pub fn ceiling_text(r: &RunawayState) -> String {
    format!("{} tokens/min or {}/min", compact(r.settings.tokens_per_min), format::usd(r.settings.usd_per_min))
}

/// The text report's section, at most 80 columns (empty when the watch is off and never ran).
pub fn text(store: &Store, fmt: Fmt) -> String {
    let r = &store.runaway;
    let mut out = String::new();
    let answered = Kind::ALL.iter().any(|k| r.kind(*k).last_ok.is_some());
    let said = Kind::ALL.iter().any(|k| r.kind(*k).error.is_some() || r.kind(*k).note.is_some());
    if !answered && !said {
        return out;
    }
    let shown = reported(r);
    if !shown.is_empty() {
        let _ = writeln!(out, "Runaway (ceiling {} per caller or session):", ceiling_text(r));
        for e in shown.iter().take(8) {
            // two lines each: who (and on what), then the figures
            let model = e.model().map(|m| format!(" on {}", short_model_name(m))).unwrap_or_default();
            let who = crate::sanitize::one_line(&format!("{} {}{model}", e.kind.as_str(), e.short_id()));
            let _ = writeln!(out, "  {}", format::clip(&who, 78));
            let _ = writeln!(out, "    {}", format::clip(&figures(e, fmt), 76));
        }
    } else if answered {
        let _ = writeln!(out, "Runaway: no caller or session over {} (last 15 min)", ceiling_text(r));
    } else {
        let _ = writeln!(out, "Runaway (ceiling {}): not run", ceiling_text(r));
    }
    for k in Kind::ALL {
        let st = r.kind(k);
        let line = match (&st.error, &st.note) {
            (Some(e), _) => format!("runaway {}s: FAILED {}", k.as_str(), e.one_line()),
            (None, Some(n)) => crate::sanitize::one_line(n),
            (None, None) => continue,
        };
        for l in super::wrap(&line, 78) {
            let _ = writeln!(out, "  {l}");
        }
    }
    out
}

/// The Markdown report's section (nothing when the watch is off and never ran).
pub fn markdown(store: &Store) -> String {
    let r = &store.runaway;
    let cell = crate::report::markdown::cell;
    let mut md = String::new();
    let ran = Kind::ALL.iter().any(|k| !r.kind(*k).never_ran() || r.kind(*k).note.is_some());
    if !r.settings.enabled && !ran {
        return md;
    }
    let _ = writeln!(md, "\n## Runaway callers and sessions\n");
    let _ = writeln!(md, "Ceiling per caller or session: {} (last 15 minutes).\n", ceiling_text(r));
    let shown = reported(r);
    let answered = Kind::ALL.iter().any(|k| r.kind(*k).last_ok.is_some());
    if shown.is_empty() {
        let _ = writeln!(md, "{}", if answered { "Nobody went over the ceiling." } else { "The watch did not run." });
    } else {
        let _ = writeln!(
            md,
            "| Kind | Id | Model | Tokens/min (peak) | $/min (peak) | Over since | Over now |\n|---|---|---|---|---|---|---|"
        );
        for e in shown {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} ({}) | {} ({}) | {} | {} |",
                e.kind.as_str(),
                cell(&e.id),
                cell(&e.models.join(", ")),
                format::count(e.latest_tokens),
                format::count(e.peak_tokens),
                usd_text(e, e.latest_usd),
                usd_text(e, e.peak_usd),
                e.over_since.map(format::rfc3339).unwrap_or_else(|| NONE.into()),
                if e.over_now { "yes" } else { "no" }
            );
        }
    }
    for k in Kind::ALL {
        let st = r.kind(k);
        if let Some(e) = &st.error {
            let _ = writeln!(md, "\nThe {} query failed: {}", k.as_str(), cell(&e.one_line()));
        } else if let Some(n) = &st.note {
            let _ = writeln!(md, "\n{}", cell(n));
        }
    }
    md
}
