//! Bedrock quotas for the headroom figures: the account's own from Service Quotas (per region,
//! as fetched), beside the ones configured by the user (`Store.quotas`). For each model and
//! figure (tokens or requests per minute) the configured quota wins, then Service Quotas', else
//! there is none; [`Store::effective_quota`] says which and where it came from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Store;
use super::models::Quota;
pub use crate::domain::quotas::{ModelKey, QuotaKind, QuotaScope};
use crate::domain::quotas::{id_key, id_scope, key_matches};

/// One per-model, per-minute Bedrock quota as Service Quotas reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceQuota {
    /// `L-…`
    pub code: String,
    /// The quota's name, sanitised.
    pub name: String,
    pub value: f64,
    pub kind: QuotaKind,
    pub scope: QuotaScope,
    /// The model as the name gives it (`Anthropic Claude 3.5 Sonnet V2`).
    pub model: String,
    pub key: ModelKey,
    /// AWS's default value (`ListAWSDefaultServiceQuotas`): no applied value was listed.
    #[serde(default)]
    pub is_default: bool,
}

/// What one region's Service Quotas said.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionQuotas {
    /// The per-model tokens- and requests-per-minute quotas, sorted by name.
    pub quotas: Vec<ServiceQuota>,
    /// How many other Bedrock quotas there were (per day, batch, account-wide…): not about headroom.
    pub other: usize,
    /// When they were read (epoch seconds).
    pub fetched_at: i64,
}

/// A region's quotas, freshly read (replaces what the region had).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceQuotasUpdate {
    pub region: String,
    pub quotas: RegionQuotas,
}

/// Service Quotas' Bedrock quotas per region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceQuotas {
    regions: BTreeMap<String, RegionQuotas>,
}

impl ServiceQuotas {
    pub fn apply(&mut self, u: ServiceQuotasUpdate) {
        self.regions.insert(u.region, u.quotas);
    }

    pub fn region(&self, region: &str) -> Option<&RegionQuotas> {
        self.regions.get(region)
    }

    /// Every region's quotas, by region then name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ServiceQuota)> {
        self.regions.iter().flat_map(|(r, q)| q.quotas.iter().map(move |x| (r.as_str(), x)))
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The quota of `kind` that calls to `model_id` in `region` count against: the scope its
    /// prefix implies (bare id: on-demand; `us.`…: cross-Region; `global.`: global) and its
    /// model by name. Of several, the one naming the id's version, then the first by name.
    pub fn find(&self, region: &str, model_id: &str, kind: QuotaKind) -> Option<&ServiceQuota> {
        let quotas = &self.regions.get(region)?.quotas;
        let (provider, key) = id_key(model_id)?;
        let scope = id_scope(model_id);
        let mut found =
            quotas.iter().filter(|q| q.kind == kind && q.scope == scope && key_matches(&q.key, &provider, &key));
        let first = found.next()?;
        Some(found.find(|q| q.key.version.is_some() && q.key.version == key.version).unwrap_or(first))
    }
}

/// Where a quota figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QuotaOrigin {
    /// The user's `[quotas."<model>"]` (or the demo's own).
    #[serde(rename = "config")]
    Config,
    /// The account's applied quota, read from Service Quotas.
    #[serde(rename = "service-quotas")]
    ServiceQuotas,
    /// AWS's default value, read from Service Quotas because no applied value was listed.
    #[serde(rename = "service-quotas-default")]
    ServiceQuotasDefault,
}

impl QuotaOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::ServiceQuotas => "service-quotas",
            Self::ServiceQuotasDefault => "service-quotas-default",
        }
    }
}

/// One quota figure and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaLimit {
    pub value: f64,
    pub origin: QuotaOrigin,
    /// The Service Quotas quota (name, code) it is, when it came from there.
    pub quota_name: Option<String>,
    pub quota_code: Option<String>,
}

impl QuotaLimit {
    fn configured(value: f64) -> Self {
        Self { value, origin: QuotaOrigin::Config, quota_name: None, quota_code: None }
    }
    fn service(q: &ServiceQuota) -> Self {
        Self {
            value: q.value,
            origin: if q.is_default { QuotaOrigin::ServiceQuotasDefault } else { QuotaOrigin::ServiceQuotas },
            quota_name: Some(q.name.clone()),
            quota_code: Some(q.code.clone()),
        }
    }
}

/// The quotas a model's headroom is measured against.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EffectiveQuota {
    pub tpm: Option<QuotaLimit>,
    pub rpm: Option<QuotaLimit>,
}

impl EffectiveQuota {
    pub fn quota(&self) -> Quota {
        Quota { tpm: self.tpm.as_ref().map(|l| l.value), rpm: self.rpm.as_ref().map(|l| l.value) }
    }
}

impl Store {
    /// The quotas for `model_id` (as called) in `region`, each figure from the config when it
    /// names one, else from Service Quotas; `None` when neither has any.
    pub fn effective_quota(&self, region: &str, model_id: &str) -> Option<EffectiveQuota> {
        let cfg = self.quota_for(model_id).unwrap_or_default();
        let pick = |configured: Option<f64>, kind| {
            configured
                .map(QuotaLimit::configured)
                .or_else(|| self.service_quotas.find(region, model_id, kind).map(QuotaLimit::service))
        };
        let q = EffectiveQuota { tpm: pick(cfg.tpm, QuotaKind::Tpm), rpm: pick(cfg.rpm, QuotaKind::Rpm) };
        (q.tpm.is_some() || q.rpm.is_some()).then_some(q)
    }

    /// Every Service Quotas quota with the model it is for: among the price table's models and
    /// the models with metrics in its region, as a base id (`None`: no model known here).
    pub fn service_quota_models(&self) -> Vec<(&str, &ServiceQuota, Option<String>)> {
        let models = self.models();
        // per region: the ids known there, with their keys
        let mut known: BTreeMap<&str, Vec<(String, String, ModelKey)>> = BTreeMap::new();
        let mut out = Vec::new();
        for (region, q) in self.service_quotas.iter() {
            let keys = known.entry(region).or_insert_with(|| {
                let mut ids: Vec<&str> = models
                    .iter()
                    .filter(|m| m.region == region)
                    .map(|m| crate::domain::catalog::base_model_id(&m.model_id))
                    .chain(self.pricing.model_ids())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids.into_iter().filter_map(|id| id_key(id).map(|(p, k)| (id.to_string(), p, k))).collect()
            });
            let matching: Vec<&(String, String, ModelKey)> =
                keys.iter().filter(|(_, p, k)| key_matches(&q.key, p, k)).collect();
            // of several, the one whose version the name gives
            let best = matching
                .iter()
                .find(|(_, _, k)| q.key.version.is_some() && k.version == q.key.version)
                .or(matching.first())
                .map(|(id, _, _)| id.clone());
            out.push((region, q, best));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::quotas::parse_quota_name;
    use crate::domain::window::Window;
    use crate::store::{MetricsUpdate, SeriesKey, Update};

    const SONNET: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";
    const REGION: &str = "us-east-1";

    pub(crate) fn sq(code: &str, name: &str, value: f64) -> ServiceQuota {
        let p = parse_quota_name(name).unwrap();
        ServiceQuota {
            code: code.into(),
            name: name.into(),
            value,
            kind: p.kind,
            scope: p.scope,
            model: p.model,
            key: p.key,
            is_default: false,
        }
    }

    fn quotas() -> RegionQuotas {
        RegionQuotas {
            quotas: vec![
                sq("L-1", "On-demand model inference tokens per minute for Anthropic Claude 3.5 Sonnet V2", 400_000.0),
                sq("L-2", "On-demand model inference requests per minute for Anthropic Claude 3.5 Sonnet V2", 50.0),
                sq(
                    "L-3",
                    "Cross-region model inference tokens per minute for Anthropic Claude 3.5 Sonnet V2",
                    800_000.0,
                ),
                sq("L-4", "Cross-region model inference requests per minute for Anthropic Claude 3.5 Sonnet V2", 100.0),
                sq("L-5", "On-demand model inference tokens per minute for Anthropic Claude 3.5 Sonnet", 200_000.0),
            ],
            other: 3,
            fetched_at: 100,
        }
    }

    fn store(model: &str) -> Store {
        let key = |m: &str, stat: &str| SeriesKey::new(REGION, "AWS/Bedrock", m, &[("ModelId", model)], stat);
        let mut s = Store::default();
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: 0, end: 600 },
            period: 60,
            resolution: Default::default(),
            series: vec![
                (key("EstimatedTPMQuotaUsage", "Sum"), vec![(420, 300_000.0), (480, 200_000.0)]),
                (key("Invocations", "Sum"), vec![(420, 30.0), (480, 40.0)]),
                (key("InvocationThrottles", "Sum"), vec![(480, 10.0)]),
            ],
            window_values: vec![],
        }));
        s
    }

    #[test]
    fn the_bare_id_uses_on_demand_and_a_prefixed_id_the_cross_region_quota() {
        let mut sqs = ServiceQuotas::default();
        sqs.apply(ServiceQuotasUpdate { region: REGION.into(), quotas: quotas() });
        let code = |id: &str, k| sqs.find(REGION, id, k).map(|q| q.code.as_str());
        assert_eq!(code(SONNET, QuotaKind::Tpm), Some("L-1"));
        assert_eq!(code(SONNET, QuotaKind::Rpm), Some("L-2"));
        assert_eq!(code(&format!("us.{SONNET}"), QuotaKind::Tpm), Some("L-3"));
        assert_eq!(code(&format!("eu.{SONNET}"), QuotaKind::Rpm), Some("L-4"));
        // v1 has its own (on-demand tokens only)
        assert_eq!(code("anthropic.claude-3-5-sonnet-20240620-v1:0", QuotaKind::Tpm), Some("L-5"));
        assert_eq!(code("anthropic.claude-3-5-sonnet-20240620-v1:0", QuotaKind::Rpm), None);
        // no global quota was listed; another region has none
        assert_eq!(code(&format!("global.{SONNET}"), QuotaKind::Tpm), None);
        assert_eq!(sqs.find("eu-west-1", SONNET, QuotaKind::Tpm), None);
    }

    #[test]
    fn config_wins_per_figure_then_service_quotas_then_nothing() {
        let mut s = store(SONNET);
        assert_eq!(s.effective_quota(REGION, SONNET), None);
        assert_eq!(s.models()[0].quota_pct, None, "no quota anywhere: unknown");

        s.apply(Update::ServiceQuotas(ServiceQuotasUpdate { region: REGION.into(), quotas: quotas() }));
        let q = s.effective_quota(REGION, SONNET).unwrap();
        let tpm = q.tpm.as_ref().unwrap();
        assert_eq!((tpm.value, tpm.origin), (400_000.0, QuotaOrigin::ServiceQuotas));
        assert_eq!(tpm.quota_code.as_deref(), Some("L-1"));
        assert_eq!(q.rpm.as_ref().map(|r| (r.value, r.origin)), Some((50.0, QuotaOrigin::ServiceQuotas)));
        // tokens 300k of 400k = 75 %; requests (40 + 10 throttled) of 50 = 100 %: the larger
        assert_eq!(s.models()[0].quota_pct, Some(100.0));

        // the config names tokens only: its 600k wins, the request quota stays Service Quotas'
        s.quotas.insert(SONNET.into(), Quota { tpm: Some(600_000.0), rpm: None });
        let q = s.effective_quota(REGION, SONNET).unwrap();
        assert_eq!(q.tpm.as_ref().map(|t| (t.value, t.origin)), Some((600_000.0, QuotaOrigin::Config)));
        assert_eq!(q.tpm.as_ref().unwrap().quota_name, None);
        assert_eq!(q.rpm.as_ref().map(|r| (r.value, r.origin)), Some((50.0, QuotaOrigin::ServiceQuotas)));
        assert_eq!(s.models()[0].quota_pct, Some(100.0));

        // both configured: Service Quotas is not used at all; 300k of 600k, 50 of 200
        s.quotas.insert(SONNET.into(), Quota { tpm: Some(600_000.0), rpm: Some(200.0) });
        let q = s.effective_quota(REGION, SONNET).unwrap();
        assert_eq!(q.quota(), Quota { tpm: Some(600_000.0), rpm: Some(200.0) });
        assert!(q.tpm.iter().chain(q.rpm.iter()).all(|l| l.origin == QuotaOrigin::Config));
        assert_eq!(s.models()[0].quota_pct, Some(50.0));
    }

    #[test]
    fn a_cross_region_call_is_measured_against_the_cross_region_quota() {
        let id = format!("us.{SONNET}");
        let mut s = store(&id);
        s.apply(Update::ServiceQuotas(ServiceQuotasUpdate { region: REGION.into(), quotas: quotas() }));
        // 300k of 800k = 37.5 %; 50 requests of 100 = 50 %
        assert_eq!(s.models()[0].quota_pct, Some(50.0));
        // the config keyed by the base id applies to the profile too, and wins
        s.quotas.insert(SONNET.into(), Quota { tpm: Some(250_000.0), rpm: None });
        assert_eq!(s.models()[0].quota_pct, Some(120.0));
    }

    #[test]
    fn service_quotas_survive_a_snapshot() {
        let mut s = store(SONNET);
        s.apply(Update::ServiceQuotas(ServiceQuotasUpdate { region: REGION.into(), quotas: quotas() }));
        let json = serde_json::to_string(&s.snapshot(700)).unwrap();
        let back = Store::from_snapshot(serde_json::from_str(&json).unwrap());
        assert_eq!(back.service_quotas, s.service_quotas);
        assert_eq!(back.effective_quota(REGION, SONNET), s.effective_quota(REGION, SONNET));
        assert_eq!(back.models()[0].quota_pct, Some(100.0));
    }

    #[test]
    fn a_quota_is_matched_to_the_models_known() {
        let mut s = store(SONNET);
        let mut q = quotas();
        q.quotas.push(sq("L-9", "On-demand model inference tokens per minute for Anthropic Claude 3 Haiku", 1.0));
        q.quotas.push(sq("L-10", "On-demand model inference tokens per minute for Acme Rocket 9", 1.0));
        s.apply(Update::ServiceQuotas(ServiceQuotasUpdate { region: REGION.into(), quotas: q.clone() }));
        // the same quotas in a region where the model has no metrics
        s.apply(Update::ServiceQuotas(ServiceQuotasUpdate { region: "eu-west-1".into(), quotas: q }));
        let m: Vec<(String, String, Option<String>)> =
            s.service_quota_models().into_iter().map(|(r, q, m)| (r.to_string(), q.code.clone(), m)).collect();
        let get = |r: &str, code: &str| m.iter().find(|x| x.0 == r && x.1 == code).unwrap().2.clone();
        // a model with metrics (and, since the table covers the catalogue, in the price table too,
        // so it is known in a region without metrics as well)
        assert_eq!(get(REGION, "L-1").as_deref(), Some(SONNET));
        assert_eq!(get("eu-west-1", "L-1").as_deref(), Some(SONNET));
        // a model of the price table (the built-in one), in any region
        assert_eq!(get(REGION, "L-9").as_deref(), Some("anthropic.claude-3-haiku-20240307-v1:0"));
        assert_eq!(get("eu-west-1", "L-9").as_deref(), Some("anthropic.claude-3-haiku-20240307-v1:0"));
        // kept, matched to nothing
        assert_eq!(get(REGION, "L-10"), None);
        assert_eq!(m.len(), 14);
    }
}
