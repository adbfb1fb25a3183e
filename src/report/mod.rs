//! `--once` output: the same picture as the console, as text (80 columns) or JSON, and the
//! Markdown incident report.

pub mod culprits;
pub mod markdown;
pub mod panels;
pub mod query;
pub mod quotas;
pub mod runaway;
pub mod traces;

/// Report sections contributed by the trace and log stores (empty when they hold nothing).
pub fn extra_markdown_sections(store: &Store) -> String {
    traces::markdown(store) + &runaway::markdown(store)
}

use serde_json::{Value, json};

use crate::domain::catalog::short_model_name;
use crate::present::format::{self, Fmt, NONE};
use crate::store::Store;

/// The reports write times in UTC (the text report's header says so) whatever the console
/// shows, as `--once` always has.
const REPORT_FMT: Fmt = Fmt::UTC;

/// The JSON report. Counts are totals over the window; unknown values are `null`.
pub fn json(store: &Store, generated_at: i64) -> Value {
    let models: Vec<Value> = store
        .models()
        .iter()
        .map(|m| {
            json!({
                "model_id": m.model_id,
                "region": m.region,
                // a monitoring account's source account, and its name (`region` is then `<name>/<region>`)
                "account": m.account,
                "account_label": m.account.as_ref().map(|_| crate::store::accounts::scope_account(&m.region)),
                "invocations": m.invocations,
                "input_tokens": m.input_tokens,
                "output_tokens": m.output_tokens,
                "cache_read_tokens": m.cache_read_tokens,
                "cache_write_tokens": m.cache_write_tokens,
                "client_errors": m.client_errors,
                "server_errors": m.server_errors,
                "throttles": m.throttles,
                "error_pct": m.error_pct(),
                "throttle_pct": m.throttle_pct(),
                "latency_ms": {"avg": m.latency_avg, "p50": m.latency_p50, "p90": m.latency_p90, "p99": m.latency_p99},
                "ttft_ms": {"p50": m.ttft_p50, "p90": m.ttft_p90},
                "tpm_quota_usage_max": m.tpm_quota_max,
                "cost_usd": m.cost_usd,
                "price_source": m.price_source.map(|s| s.as_str()),
                "inference_profile": store.inference_profiles.get(&m.model_id).map(|p| json!({
                    "name": p.name,
                    "tags": p.tags,
                    "models": p.models,
                    "priced_as": p.model_id,
                })),
                "quota_pct": m.quota_pct,
                // what quota_pct is: per minute, whatever the window's period
                "quota_basis": m.quota_pct.map(|_| crate::present::views::quota_basis(store.period)),
                "quota": quotas::model_json(store, &m.region, &m.model_id),
                // the last 7 days of the quota this id counts against (with the other ids on it)
                "quota_7d": store.usage_group_of(&m.region, &m.model_id).map(|g| json!({
                    "scope": g.scope.as_str(),
                    "p90_tpm_7d": g.tpm.p90, "peak_tpm_7d": g.tpm.peak,
                    "p90_rpm_7d": g.rpm.p90, "peak_rpm_7d": g.rpm.peak,
                    "p90_tpm_pct": g.tpm_pct(g.tpm.p90), "p90_rpm_pct": g.rpm_pct(g.rpm.p90),
                })),
            })
        })
        .collect();
    let namespaces: Vec<Value> = store
        .namespace_metrics()
        .into_iter()
        .map(|(ns, metrics)| {
            let metrics: Vec<Value> = metrics
                .iter()
                .map(|m| {
                    let dims: serde_json::Map<String, Value> =
                        m.key.dims.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
                    json!({"name": m.key.metric, "region": m.key.region, "dimensions": dims, "stat": m.key.stat, "value": m.value})
                })
                .collect();
            json!({"namespace": ns, "metrics": metrics})
        })
        .collect();
    let sources: Vec<Value> = store
        .health()
        .map(|h| {
            json!({
                "name": h.name,
                "region": h.region,
                // a poll with holes is never ok: `partial`, with what is `missing`
                "ok": h.healthy(),
                "partial": h.partial.is_some(),
                "missing": h.partial.as_ref().map(|p| p.missing.clone()).unwrap_or_default(),
                "messages": h.messages,
                "error": h.last_error.as_ref().filter(|_| h.is_stale()).map(|e| e.one_line()),
                "error_code": h.last_error.as_ref().filter(|_| h.is_stale()).and_then(|e| e.code.clone()),
                "last_ok": h.last_ok.map(format::rfc3339),
                "newest_data": h.newest_data.map(format::rfc3339),
                "calls": h.calls,
                "metrics_requested": h.metrics_requested,
                "api_cost_usd": h.spend_usd(),
                "note": h.note,
            })
        })
        .collect();
    let ov = store.overview();
    json!({
        "generated_at": format::rfc3339(generated_at),
        "window": {"start": format::rfc3339(store.window.start), "end": format::rfc3339(store.window.end)},
        // seconds between points, and why they are coarser than a minute (old data, a long window)
        "resolution": {
            "period_secs": store.period.max(60),
            "window_period_secs": (store.resolution.window_period > 0).then_some(store.resolution.window_period),
            "why": store.resolution.why,
            "note": store.resolution.note(),
        },
        "account": store.identity.account,
        "profile": store.identity.profile,
        "regions": store.identity.regions,
        // with several profiles: each with its account (rows are labelled `profile/region`); in a
        // monitoring account: every account, its name and what was read from it
        "accounts": if store.accounts.monitoring().is_some() {
            json!(store.accounts.summaries(&store.models()))
        } else {
            json!(store.identity.accounts)
        },
        "monitoring": store.accounts.monitoring().map(|m| json!({
            "account": m,
            "linked_accounts": store.accounts.linked().len(),
            "sinks": store.accounts.org.values().flat_map(|o| o.sinks.clone()).collect::<Vec<_>>(),
        })),
        "plan": crate::store::plan::combined(store.plans.values()),
        "demo": store.identity.demo,
        "overview": {
            "requests_per_min": ov.requests_per_min.value,
            "error_pct": ov.error_pct.value,
            "throttle_pct": ov.throttle_pct.value,
            "p99_ms": ov.p99_ms.value,
            "p99_worst_model": ov.p99_ms.worst_model,
            "tokens_per_min": ov.tokens_per_min.value,
            "usd_per_hour": ov.usd_per_hour.value,
            "usd_per_day_projected": ov.usd_per_day_projected,
            "window_cost_usd": ov.window_cost,
            "unpriced_models": ov.unpriced_models,
        },
        "models": models,
        "namespaces": namespaces,
        "panels": panels::json(store, REPORT_FMT),
        "alarms": store.alarms().iter().map(|a| json!({
            "name": a.name,
            "region": a.region,
            "type": a.kind(),
            "state": a.state.as_str(),
            "reason": a.reason,
            "since": a.since.map(format::rfc3339),
            "condition": a.condition(),
        })).collect::<Vec<_>>(),
        "rules": store.rule_statuses().iter().map(|r| json!({
            "name": r.name,
            "state": r.state.as_str(),
            "severity": format!("{:?}", r.severity).to_lowercase(),
            "value": r.value,
            "threshold": r.threshold,
            "condition": r.condition,
            "since": format::rfc3339(r.since),
            "description": r.description,
            // a rule over a per-model Bedrock signal: the models behind it, worst first
            "culprits": r.culprits.iter().map(culprits::json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "suspects": store.suspects(store.window.end - 1, 10).iter().map(|s| json!({
            "series": format!("{} {}", s.key.namespace, s.key.label()),
            "stat": s.key.stat,
            "score": s.score,
            "recent": s.recent,
            "baseline": s.baseline,
            "since": format::rfc3339(s.since),
            "summary": s.summary,
        })).collect::<Vec<_>>(),
        "traces": store.traces.report(5).map(|r| serde_json::to_value(r).unwrap_or(Value::Null)),
        // a window past X-Ray's 30 days: why the list is empty or short
        "traces_note": store.traces.retention_note(),
        "runaway": runaway::json(store),
        "runaway_ceiling": runaway::ceiling_json(store),
        "runaway_watch": runaway::watch_json(store),
        "sources": sources,
        "service_quotas": quotas::service_quotas_json(store),
        // the last 7 days per quota: p90 and peak TPM/RPM, per profile, hour-of-day heatmap
        "quota_usage": quotas::usage_json(store),
    })
}

/// The text report, at most 80 columns wide.
pub fn text(store: &Store, generated_at: i64) -> String {
    let mut out = String::new();
    let id = &store.identity;
    let when = chrono::DateTime::from_timestamp(generated_at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let account = id.account.clone().unwrap_or_else(|| if id.demo { "demo".into() } else { "account ?".into() });
    out.push_str(&format::clip(
        &format!(
            "nightjar {when} · {account} · {} · last {}",
            id.regions.join(","),
            crate::present::views::since_label(store)
        ),
        80,
    ));
    out.push('\n');
    if let Some(h) = store.accounts.header() {
        let names: Vec<String> = store.accounts.summaries(&store.models()).into_iter().map(|a| a.label).collect();
        out.push_str(&format::clip(&format!("{h}: {}", names.join(", ")), 80));
        out.push('\n');
    }
    let ov = store.overview();
    out.push_str(&format!(
        "Requests/min {}  Errors {}  Throttles {}  p99 {}  Tokens/min {}\n",
        format::opt(ov.requests_per_min.value, format::count),
        format::opt(ov.error_pct.value, format::pct),
        format::opt(ov.throttle_pct.value, format::pct),
        format::opt(ov.p99_ms.value, format::ms),
        format::opt(ov.tokens_per_min.value, format::count),
    ));
    let burn = match (ov.usd_per_hour.value, ov.usd_per_day_projected) {
        (Some(h), Some(d)) => format!("{}/h → {}/day projected", format::usd(h), format::usd(d)),
        _ => NONE.into(),
    };
    out.push_str(&format!("Burn {burn}  Window cost {}\n", format::opt(ov.window_cost, format::usd)));
    if let Some(n) = store.resolution.note() {
        out.push_str(&format::clip(&format!("Points: {n}"), 80));
        out.push('\n');
    }
    let firing = store.firing_rules();
    let alarms: Vec<_> =
        store.alarms().into_iter().filter(|a| a.state == crate::store::alarms::AlarmState::Alarm).collect();
    if !firing.is_empty() || !alarms.is_empty() {
        out.push_str(&format!("FIRING {}:\n", firing.len() + alarms.len()));
        for r in &firing {
            let v = r.value.map(|v| format!("{v:.2}")).unwrap_or_default();
            out.push_str(&format::clip(
                &format!("  rule {} ({}) {v} {}", r.name, format!("{:?}", r.severity).to_lowercase(), r.condition),
                80,
            ));
            out.push('\n');
            for c in r.culprits.iter().take(3) {
                out.push_str(&format::clip(&format!("    {}", crate::present::culprits::compact(c, REPORT_FMT)), 80));
                out.push('\n');
            }
        }
        for a in &alarms {
            out.push_str(&format::clip(&format!("  alarm {} [{}] {}", a.name, a.region, a.reason), 80));
            out.push('\n');
        }
    }
    let sus = store.suspects(store.window.end - 1, 3);
    if !sus.is_empty() {
        out.push_str("What changed:\n");
        for s in &sus {
            out.push_str(&format::clip(&format!("  {}", s.summary), 80));
            out.push('\n');
        }
    }
    for (label, sig, f) in [
        ("worst throttles", &ov.throttle_pct, format::pct as fn(f64) -> String),
        ("worst p99", &ov.p99_ms, format::ms),
        ("worst errors", &ov.error_pct, format::pct),
    ] {
        if let (Some(m), Some(v)) = (&sig.worst_model, sig.worst_value) {
            out.push_str(&format::clip(&format!("  {label}: {} {}", short_model_name(m), f(v)), 80));
            out.push('\n');
        }
    }
    out.push_str(&runaway::text(store, REPORT_FMT));
    out.push('\n');
    let multi = id.regions.len() > 1;
    out.push_str(&format!(
        "{:<22}{} {:>6} {:>6} {:>6} {:>6} {:>6} {:>9}\n",
        "MODEL",
        if multi { format!("{:<10}", "REGION") } else { String::new() },
        "INVOC",
        "P50",
        "P99",
        "ERR%",
        "THR%",
        "COST"
    ));
    let mut models = store.models();
    models.sort_by(|a, b| b.cost_usd.unwrap_or(-1.0).total_cmp(&a.cost_usd.unwrap_or(-1.0)));
    for m in &models {
        let cost = match m.cost_usd {
            Some(c) => format::usd(c),
            None if m.tokens().is_some() => "no price".into(),
            None => NONE.into(),
        };
        out.push_str(&format!(
            "{:<22}{} {:>6} {:>6} {:>6} {:>6} {:>6} {:>9}\n",
            format::clip(&short_model_name(&m.model_id), 21),
            if multi { format!("{:<10}", format::clip(&m.region, 9)) } else { String::new() },
            format::opt(m.invocations, format::count),
            format::opt(m.latency_p50, format::ms),
            format::opt(m.latency_p99, format::ms),
            format::opt(m.error_pct(), format::pct),
            format::opt(m.throttle_pct(), format::pct),
            cost
        ));
    }
    if models.is_empty() {
        out.push_str("  (no Bedrock model metrics in this window)\n");
    }
    if let Some(n) = store.traces.retention_note() {
        out.push_str(&format!("\n{}\n", format::clip(&n, 80)));
    }
    if let Some(t) = store.traces.report(3) {
        // with Transaction Search the counts are X-Ray's indexed sample, not totals
        let sample = t.sampling.as_deref().map(|l| format!(" ({})", crate::sanitize::one_line(l))).unwrap_or_default();
        out.push_str(&format::clip(
            &format!(
                "\nTraces{sample} {}: {} with faults, {} with errors, {} throttled",
                t.total, t.faults, t.errors, t.throttles
            ),
            81,
        ));
        out.push('\n');
        for s in &t.slowest {
            let line = format!(
                "  slowest {} {} {} {}",
                format::ms(s.duration_ms),
                crate::sanitize::one_line(s.root.as_deref().unwrap_or("?")),
                s.model.as_deref().map(|m| short_model_name(&crate::sanitize::one_line(m))).unwrap_or_default(),
                s.id
            );
            out.push_str(&format::clip(&line, 80));
            out.push('\n');
        }
    }
    let headroom = quotas::text_lines(store);
    if !headroom.is_empty() {
        out.push_str(&format!("\nQuota headroom ({}):\n", crate::present::views::quota_basis(store.period)));
        for l in headroom.iter().flat_map(|l| wrap(l, 78)) {
            out.push_str(&format!("  {l}\n"));
        }
    }
    let week = quotas::usage_text_lines(store);
    if !week.is_empty() {
        out.push_str("\nQuota use, last 7 days (per minute, of 5-minute periods; p90 of active ones):\n");
        for l in week.iter().flat_map(|l| wrap(l, 78)) {
            out.push_str(&format!("  {l}\n"));
        }
    }
    let pipeline = panels::text_lines(store, REPORT_FMT);
    if !pipeline.is_empty() {
        out.push_str("\nPipeline and platform:\n");
        for l in &pipeline {
            for w in wrap(l, 80) {
                out.push_str(&w);
                out.push('\n');
            }
        }
    }
    if !ov.quality.is_empty() {
        out.push('\n');
        let q: Vec<String> = ov
            .quality
            .iter()
            .map(|q| format!("{} {}", q.key.label(), format::opt(q.value, |v| format!("{v:.2}"))))
            .collect();
        for line in wrap(&format!("Quality: {}", q.join(", ")), 80) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push('\n');
    for h in store.health() {
        let state = if let Some(n) = h.note.as_ref().filter(|_| !h.is_stale()) {
            n.clone()
        } else if h.is_stale() || h.last_ok.is_none() {
            h.last_error.as_ref().map(|e| format!("FAILED {}", e.one_line())).unwrap_or_else(|| "no data".into())
        } else if let Some(p) = &h.partial {
            format!("PARTIAL, {}", p.summary())
        } else {
            "ok".into()
        };
        let line = format!(
            "Source {}: {state} ({} calls, {} metrics, {})",
            h.label(),
            h.calls,
            h.metrics_requested,
            format::usd(h.spend_usd())
        );
        for l in wrap(&line, 80) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// Greedy word wrap.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
            cur.push_str("  ");
        }
        if !cur.is_empty() && !cur.ends_with("  ") {
            cur.push(' ');
        }
        cur.push_str(&format::clip(word, width - 2));
    }
    if !cur.trim().is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_fits() {
        let l = super::wrap(&"word ".repeat(40), 30);
        assert!(l.iter().all(|x| x.chars().count() <= 30), "{l:?}");
        assert!(l.len() > 3);
    }
}
