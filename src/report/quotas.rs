//! Quota headroom in the `--once` reports: each model's quotas with where they came from
//! (`config` or `service-quotas`), and every quota Service Quotas listed with the model it was
//! matched to (`null` when none: kept, never dropped).

use serde_json::{Value, json};

use crate::domain::catalog::short_model_name;
use crate::store::Store;
use crate::store::quotas::{EffectiveQuota, QuotaLimit};
use crate::ui::format;

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

/// `TPM 400k (Service Quotas) · RPM 100 (config)`
pub fn summary(q: &EffectiveQuota) -> String {
    let part = |name: &str, l: &Option<QuotaLimit>| {
        l.as_ref().map(|l| {
            let from = match l.origin {
                crate::store::quotas::QuotaOrigin::Config => "config",
                crate::store::quotas::QuotaOrigin::ServiceQuotas => "Service Quotas",
                crate::store::quotas::QuotaOrigin::ServiceQuotasDefault => "AWS default",
            };
            format!("{name} {} ({from})", format::count(l.value))
        })
    };
    [part("TPM", &q.tpm), part("RPM", &q.rpm)].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// For a model's charts: `  quota 95% of TPM 400k (Service Quotas)`; empty without a quota.
pub fn detail_label(store: &Store, row: &crate::store::views::ModelRow) -> String {
    match store.effective_quota(&row.region, &row.model_id) {
        Some(q) => format!(
            "  quota {} of {}",
            row.quota_pct.map(|p| format!("{p:.0}%")).unwrap_or_else(|| format::NONE.into()),
            summary(&q)
        ),
        None => String::new(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::quotas::{QuotaOrigin, QuotaScope};

    #[test]
    fn summary_names_where_each_figure_came_from() {
        let l = |value, origin| Some(QuotaLimit { value, origin, quota_name: None, quota_code: None });
        let q = EffectiveQuota { tpm: l(400_000.0, QuotaOrigin::ServiceQuotas), rpm: l(100.0, QuotaOrigin::Config) };
        assert_eq!(summary(&q), "TPM 400k (Service Quotas) · RPM 100 (config)");
        let q = EffectiveQuota { tpm: None, rpm: l(2000.0, QuotaOrigin::ServiceQuotas) };
        assert_eq!(summary(&q), "RPM 2.0k (Service Quotas)");
        assert_eq!(QuotaScope::CrossRegion.as_str(), "cross_region");
    }
}
