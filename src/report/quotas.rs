//! Quota headroom in the `--once` reports: each model's quotas with where they came from
//! (`config` or `service-quotas`), and every quota Service Quotas listed with the model it was
//! matched to (`null` when none: kept, never dropped).

use serde_json::{Value, json};

use crate::domain::catalog::short_model_name;
use crate::present::format;
use crate::present::quotas::summary;
use crate::store::Store;
use crate::store::quota_usage::{UsageGroup, WeekStats};
use crate::store::quotas::QuotaLimit;

/// `{"tpm": 400000, "tpm_source": "service-quotas", "tpm_quota": "On-demand … for …", "rpm": …}`,
/// or `null` when the model has no quota from either.
pub fn model_json(store: &Store, region: &str, model_id: &str) -> Value {
    let Some(q) = store.effective_quota(region, model_id) else { return Value::Null };
    let part = |l: &Option<QuotaLimit>| {
        (
            l.as_ref().map(|l| l.value),
            l.as_ref().map(|l| l.origin.as_str()),
            l.as_ref().and_then(|l| l.quota_name.clone()),
            l.as_ref().and_then(|l| l.quota_code.clone()),
        )
    };
    let (tpm, tpm_source, tpm_quota, tpm_code) = part(&q.tpm);
    let (rpm, rpm_source, rpm_quota, rpm_code) = part(&q.rpm);
    json!({
        "tpm": tpm, "tpm_source": tpm_source, "tpm_quota": tpm_quota, "tpm_quota_code": tpm_code,
        "rpm": rpm, "rpm_source": rpm_source, "rpm_quota": rpm_quota, "rpm_quota_code": rpm_code,
    })
}

/// Every per-model, per-minute quota Service Quotas listed, by region and name.
pub fn service_quotas_json(store: &Store) -> Value {
    store
        .service_quota_models()
        .into_iter()
        .map(|(region, q, matched)| {
            json!({
                "region": region,
                "code": q.code,
                "name": q.name,
                "kind": q.kind.as_str(),
                "scope": q.scope.as_str(),
                "value": q.value,
                // AWS's default (no applied value listed) or the account's applied value
                "applied": !q.is_default,
                "model": q.model,
                "matched_model": matched,
            })
        })
        .collect()
}

/// What the week's figures are, said once beside them (JSON `basis`, the view's note).
pub const WEEK_BASIS: &str = "per-minute averages of 5-minute periods over the last 7 days: p90 = 90th \
     percentile of the periods with traffic, peak = the busiest period";

fn stats_json(s: &WeekStats) -> Value {
    json!({
        "p90": s.p90, "peak": s.peak, "peak_at": s.peak_at.map(format::rfc3339),
        "active_periods": s.active_periods, "total": s.total,
    })
}

/// One quota group's week: the figures, the quota, the profiles, the heatmap (UTC).
pub fn group_json(g: &UsageGroup) -> Value {
    let heat = g.heatmap(0);
    json!({
        "region": g.region,
        "model": g.model_id,
        "scope": g.scope.as_str(),
        "quota": g.quota.as_ref().map(|q| json!({
            "tpm": q.tpm.as_ref().map(|l| l.value), "tpm_source": q.tpm.as_ref().map(|l| l.origin.as_str()),
            "rpm": q.rpm.as_ref().map(|l| l.value), "rpm_source": q.rpm.as_ref().map(|l| l.origin.as_str()),
        })),
        "p90_tpm_7d": g.tpm.p90,
        "peak_tpm_7d": g.tpm.peak,
        "p90_rpm_7d": g.rpm.p90,
        "peak_rpm_7d": g.rpm.peak,
        "p90_tpm_pct": g.tpm_pct(g.tpm.p90),
        "peak_tpm_pct": g.tpm_pct(g.tpm.peak),
        "p90_rpm_pct": g.rpm_pct(g.rpm.p90),
        "peak_rpm_pct": g.rpm_pct(g.rpm.peak),
        "tokens_7d": g.tpm.total,
        "requests_7d": g.rpm.total,
        "tpm": stats_json(&g.tpm),
        "rpm": stats_json(&g.rpm),
        "period_secs": g.period,
        "start": format::rfc3339(g.start),
        "end": format::rfc3339(g.end),
        "partial": g.partial,
        "basis": WEEK_BASIS,
        "profiles": g.members.iter().map(|m| json!({
            "model_id": m.model_id,
            "name": m.profile_name,
            "tags": m.tags,
            "kind": if crate::domain::catalog::is_application_profile(&m.model_id) { "application-inference-profile" }
                else if m.model_id.starts_with("global.") { "global-inference-profile" }
                else if crate::domain::catalog::base_model_id(&m.model_id) != m.model_id { "cross-region-inference-profile" }
                else { "on-demand" },
            "p90_tpm_7d": m.tpm.p90, "peak_tpm_7d": m.tpm.peak,
            "p90_rpm_7d": m.rpm.p90, "peak_rpm_7d": m.rpm.peak,
            "tokens_7d": m.tpm.total, "share_pct": m.share_pct,
        })).collect::<Vec<_>>(),
        // hour of day (UTC) x day: each hour's busiest period as a share of the quota
        // (relative: of the week's peak, no quota known)
        "heatmap": {
            "relative_to_peak": heat.relative,
            "days": heat.days.iter().map(|(d, cells)| json!({
                "date": chrono::DateTime::from_timestamp(*d, 0).map(|t| t.format("%Y-%m-%d").to_string()),
                "hours_pct": cells.to_vec(),
            })).collect::<Vec<_>>(),
        },
    })
}

/// Every quota group's week.
pub fn usage_json(store: &Store) -> Value {
    store.usage_groups().iter().map(group_json).collect()
}

/// `p90 248k 62% · peak 396k 99%` for one figure; `of 400k` said by the caller.
fn pair(s: &WeekStats, pct: impl Fn(Option<f64>) -> Option<f64>) -> String {
    let one = |v: Option<f64>| match (v, pct(v)) {
        (Some(v), Some(p)) => format!("{} {p:.0}%", format::count(v)),
        (Some(v), None) => format::count(v),
        _ => format::NONE.to_string(),
    };
    format!("p90 {} peak {}", one(s.p90), one(s.peak))
}

/// The text report's week lines (unindented): each quota group, closest to its quota first.
pub fn usage_text_lines(store: &Store) -> Vec<String> {
    store
        .usage_groups()
        .iter()
        .filter(|g| g.tpm.active_periods + g.rpm.active_periods > 0)
        .map(|g| {
            let quota = |v: Option<f64>| v.map(|q| format!(" of {}", format::count(q))).unwrap_or_default();
            let mut line = format!(
                "{} {} {}: TPM {}{} · RPM {}{}",
                short_model_name(&g.model_id),
                g.region,
                g.scope.label(),
                pair(&g.tpm, |v| g.tpm_pct(v)),
                quota(g.tpm_quota()),
                pair(&g.rpm, |v| g.rpm_pct(v)),
                quota(g.rpm_quota()),
            );
            if g.members.len() > 1 {
                let parts: Vec<String> = g
                    .members
                    .iter()
                    .map(|m| {
                        let name = match &m.profile_name {
                            Some(n) => format!("@{}", crate::sanitize::one_line(n)),
                            None => crate::sanitize::one_line(&m.model_id),
                        };
                        format!("{name} {}", format::opt(m.share_pct, format::pct))
                    })
                    .collect();
                line.push_str(&format!(" · by profile: {}", parts.join(", ")));
            }
            if g.partial {
                line.push_str(" (partial)");
            }
            line
        })
        .collect()
}

/// The text report's lines (unindented): each model with a quota, fullest first, its headroom
/// and what it is measured against.
pub fn text_lines(store: &Store) -> Vec<String> {
    let mut rows: Vec<(f64, String)> = store
        .models()
        .iter()
        .filter_map(|m| {
            let q = store.effective_quota(&m.region, &m.model_id)?;
            let pct = m.quota_pct.map(|p| format!("{p:.0}%")).unwrap_or_else(|| format::NONE.into());
            let line = format!("{} {} {pct} of {}", short_model_name(&m.model_id), m.region, summary(&q));
            Some((m.quota_pct.unwrap_or(-1.0), line))
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    rows.into_iter().map(|(_, l)| l).collect()
}
