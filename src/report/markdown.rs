//! The incident report: one Markdown page for the ticket — window, account and regions, what
//! is firing, the top suspects with figures, the worst models by errors, latency and cost, the
//! slowest and failing traces, the queries run — and where it came from.

use std::fmt::Write as _;

use crate::domain::catalog::short_model_name;
use crate::present::format::{self, NONE};
use crate::store::Store;
use crate::store::alarms::AlarmState;
use crate::store::models::ModelRow;

/// Escape text for a Markdown table cell (and keep it on one line, sanitised).
pub fn cell(s: &str) -> String {
    crate::sanitize::one_line(s).replace('|', "\\|").replace('`', "'")
}

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| NONE.into())
}

pub fn render(store: &Store, generated_at: i64) -> String {
    let mut md = String::new();
    let id = &store.identity;
    let _ = writeln!(md, "# Incident report — {}", format::rfc3339(generated_at));
    let _ = writeln!(md);
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(
        md,
        "| Window | {} → {} ({}) |",
        format::rfc3339(store.window.start),
        format::rfc3339(store.window.end),
        crate::present::views::since_label(store)
    );
    let account = id.account.clone().unwrap_or_else(|| "unknown".into());
    if id.accounts.is_empty() {
        let _ = writeln!(md, "| Account | {}{} |", cell(&account), if id.demo { " (demo data)" } else { "" });
    } else {
        let each: Vec<String> = id
            .accounts
            .iter()
            .map(|a| format!("{} (profile {})", a.account.as_deref().unwrap_or("unknown"), a.profile))
            .collect();
        let _ = writeln!(md, "| Accounts | {} |", cell(&each.join(", ")));
    }
    let _ = writeln!(md, "| Regions | {} |", cell(&id.regions.join(", ")));
    if let Some(p) = &id.profile
        && id.accounts.is_empty()
    {
        let _ = writeln!(md, "| Profile | {} |", cell(p));
    }
    let ov = store.overview();
    let _ = writeln!(
        md,
        "| Fleet | {} req/min · errors {} · throttles {} · p99 {} (worst model) · {} tokens/min · burn {}/h → {}/day |",
        opt(ov.requests_per_min.value, format::count),
        opt(ov.error_pct.value, format::pct),
        opt(ov.throttle_pct.value, format::pct),
        opt(ov.p99_ms.value, format::ms),
        opt(ov.tokens_per_min.value, format::count),
        opt(ov.usd_per_hour.value, format::usd),
        opt(ov.usd_per_day_projected, format::usd),
    );

    let _ = writeln!(md, "\n## Firing\n");
    let rules = store.firing_rules();
    let alarms: Vec<_> = store.alarms().into_iter().filter(|a| a.state == AlarmState::Alarm).collect();
    if rules.is_empty() && alarms.is_empty() {
        let _ = writeln!(md, "Nothing is firing.");
    } else {
        let _ = writeln!(md, "| Kind | Name | Severity | Value | Condition | Since |\n|---|---|---|---|---|---|");
        for r in &rules {
            let _ = writeln!(
                md,
                "| rule | {} | {} | {} | {} | {} |",
                cell(&r.name),
                format!("{:?}", r.severity).to_lowercase(),
                r.value.map(|v| format!("{v:.3}")).unwrap_or_else(|| NONE.into()),
                cell(&r.condition),
                format::rfc3339(r.since)
            );
        }
        for a in &alarms {
            let _ = writeln!(
                md,
                "| CloudWatch alarm | {} | — | — | {} — {} | {} |",
                cell(&a.name),
                cell(&a.condition()),
                cell(&a.reason),
                a.since.map(format::rfc3339).unwrap_or_else(|| NONE.into())
            );
        }
    }
    let history: Vec<_> = store.rules.history.iter().rev().take(15).collect();
    if !history.is_empty() {
        let _ = writeln!(md, "\nRule transitions (newest first):\n");
        for h in history {
            let v = h.value.map(|v| format!(" at {v:.3}")).unwrap_or_default();
            let _ = writeln!(
                md,
                "- {} {}: {} → {}{v}",
                format::rfc3339(h.at),
                cell(&h.rule),
                h.from.as_str(),
                h.to.as_str()
            );
        }
    }

    let _ = writeln!(md, "\n## What changed\n");
    let sus = store.suspects(store.window.end - 1, 5);
    if sus.is_empty() {
        let _ = writeln!(md, "No series departs from its baseline of the previous hour.");
    }
    for (i, s) in sus.iter().enumerate() {
        let _ = writeln!(
            md,
            "{}. {} — now {:.3}, baseline {:.3}, robust score {:.1} (`{} {} {}`)",
            i + 1,
            cell(&s.summary),
            s.recent,
            s.baseline,
            s.score,
            cell(&s.key.namespace),
            cell(&s.key.label()),
            cell(&s.key.stat)
        );
    }

    let models = store.models();
    let worst = |title: &str, key: fn(&ModelRow) -> Option<f64>, md: &mut String| {
        let mut v: Vec<&ModelRow> = models.iter().filter(|m| key(m).is_some_and(|x| x > 0.0)).collect();
        v.sort_by(|a, b| key(b).unwrap_or(0.0).total_cmp(&key(a).unwrap_or(0.0)));
        let _ = writeln!(md, "\n### By {title}\n");
        if v.is_empty() {
            let _ = writeln!(md, "No model has any.");
            return;
        }
        let _ = writeln!(
            md,
            "| Model | Region | Invocations | Errors | Throttled | p50 | p99 | Cost |\n|---|---|---|---|---|---|---|---|"
        );
        for m in v.into_iter().take(3) {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&short_model_name(&m.model_id)),
                cell(&m.region),
                opt(m.invocations, format::count),
                opt(m.error_pct(), format::pct),
                opt(m.throttle_pct(), format::pct),
                opt(m.latency_p50, format::ms),
                opt(m.latency_p99, format::ms),
                m.cost_usd.map(format::usd).unwrap_or_else(|| "no price".into())
            );
        }
    };
    let _ = writeln!(md, "\n## Worst models");
    worst("errors", |m| m.error_pct().map(|e| e + m.throttle_pct().unwrap_or(0.0)), &mut md);
    worst("latency (p99)", |m| m.latency_p99, &mut md);
    worst("cost", |m| m.cost_usd, &mut md);

    md.push_str(&crate::report::extra_markdown_sections(store));
    queries(store, &mut md);

    let _ = writeln!(md, "\n## Sources\n");
    for h in store.health() {
        let state = match (&h.last_error, h.is_stale()) {
            (Some(e), true) => format!("**failing**: {}", cell(&e.one_line())),
            _ if h.note.is_some() => cell(h.note.as_deref().unwrap_or_default()),
            _ => "ok".into(),
        };
        let _ = writeln!(
            md,
            "- {}: {state}; {} calls, {} metrics requested, {}",
            cell(&h.label()),
            h.calls,
            h.metrics_requested,
            format::usd(h.spend_usd())
        );
    }
    let _ = writeln!(md, "\n_Generated by nightjar (read-only)._");
    md
}

/// Rows and columns of each query shown in the report.
const QUERY_ROWS: usize = 5;
const QUERY_COLUMNS: usize = 6;

/// "Queries run": each Logs Insights query in the store, its status and figures, and its first
/// rows. Nothing when no query was run.
fn queries(store: &Store, md: &mut String) {
    let runs: Vec<_> = store.logs.queries().collect();
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n## Queries run\n");
    for run in runs {
        let _ = writeln!(
            md,
            "### {} — {}\n\n{} · {} → {} · {} · {}\n",
            cell(&run.spec.label),
            run.status.label(),
            run.spec.class.label(),
            format::rfc3339(run.spec.window.start),
            format::rfc3339(run.spec.window.end),
            cell(&run.spec.groups.join(", ")),
            cell(&crate::present::logs::stats_line(run))
        );
        let text = crate::sanitize::multi_line(&run.spec.query).replace("```", "'''");
        let _ = writeln!(md, "```\n{}\n```\n", text.trim_end());
        if let Some(e) = &run.error {
            let _ = writeln!(md, "Failed: {}\n", cell(&e.one_line()));
        }
        let t = &run.table;
        if t.columns.is_empty() || t.rows.is_empty() {
            let _ = writeln!(md, "No rows.");
            continue;
        }
        let cols = t.columns.len().min(QUERY_COLUMNS);
        let head: Vec<String> = t.columns[..cols].iter().map(|c| cell(c)).collect();
        let _ = writeln!(md, "| {} |\n|{}", head.join(" | "), "---|".repeat(cols));
        for row in t.rows.iter().take(QUERY_ROWS) {
            let vals: Vec<String> =
                (0..cols).map(|i| cell(&format::clip(row.get(i).map(String::as_str).unwrap_or(""), 120))).collect();
            let _ = writeln!(md, "| {} |", vals.join(" | "));
        }
        let more = t.rows.len().saturating_sub(QUERY_ROWS);
        let hidden = t.columns.len() - cols;
        if more > 0 || hidden > 0 {
            let _ = writeln!(md, "\n_{more} more rows, {hidden} more columns not shown._");
        }
    }
}
