//! A model's quotas as both outputs print them: each figure with where it came from (the config,
//! Service Quotas, AWS's default), and the headroom label under a model's charts.

use crate::present::format;
use crate::store::Store;
use crate::store::models::ModelRow;
use crate::store::quotas::{EffectiveQuota, QuotaLimit};

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
pub fn detail_label(store: &Store, row: &ModelRow) -> String {
    match store.effective_quota(&row.region, &row.model_id) {
        Some(q) => format!(
            "  quota {} of {}",
            row.quota_pct.map(|p| format!("{p:.0}%")).unwrap_or_else(|| format::NONE.into()),
            summary(&q)
        ),
        None => String::new(),
    }
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
