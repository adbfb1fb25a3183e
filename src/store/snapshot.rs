//! A saved copy of the store, for the retrospective: `--once --save FILE` or the report key
//! writes one; `nightjar open FILE` reopens it read-only with every pane working.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Identity, Series, SeriesKey, SourceHealth, Store};
use crate::domain::pricing::PriceTable;
use crate::domain::window::Window;

pub const FORMAT: &str = "nightjar-snapshot/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    /// When it was saved (epoch seconds): a reopened console shows ages as of then.
    pub saved_at: i64,
    pub window: Window,
    pub period: i64,
    /// How coarse the points are and why (absent from older snapshots: per minute).
    #[serde(default)]
    pub resolution: crate::domain::window::Resolution,
    pub identity: Identity,
    pub pricing: PriceTable,
    pub custom_namespaces: Vec<String>,
    pub series: Vec<(SeriesKey, Series)>,
    pub health: Vec<SourceHealth>,
    pub rules: super::rules::RulesState,
    pub alarms: Vec<super::alarms::Alarm>,
    #[serde(default)]
    pub quotas: std::collections::BTreeMap<String, super::models::Quota>,
    /// Service Quotas' Bedrock quotas per region (absent from older snapshots).
    #[serde(default)]
    pub service_quotas: super::quotas::ServiceQuotas,
    /// The week of quota use per region (absent from older snapshots).
    #[serde(default)]
    pub quota_usage: super::quota_usage::QuotaUsage,
    /// The trace lists and the fetched traces (absent from older snapshots).
    #[serde(default)]
    pub traces: super::traces::TraceStore,
    /// The Logs Insights queries run, their rows, the history and the log groups.
    #[serde(default)]
    pub logs: super::logs::LogsState,
    /// The runaway watch: ceilings, callers and sessions (absent from older snapshots).
    #[serde(default)]
    pub runaway: super::runaway::RunawayState,
    /// Application inference profiles by ARN (absent from older snapshots).
    #[serde(default)]
    pub inference_profiles: std::collections::BTreeMap<String, super::prices::InferenceProfile>,
}

impl Store {
    pub fn snapshot(&self, saved_at: i64) -> Snapshot {
        Snapshot {
            format: FORMAT.into(),
            saved_at,
            window: self.window,
            period: self.period,
            resolution: self.resolution,
            identity: self.identity.clone(),
            pricing: self.pricing.clone(),
            custom_namespaces: self.custom_namespaces.clone(),
            series: self.series.iter().map(|(k, s)| (k.clone(), s.clone())).collect(),
            health: self.health.values().cloned().collect(),
            rules: self.rules.clone(),
            alarms: self.alarms.values().flatten().cloned().collect(),
            quotas: self.quotas.clone(),
            service_quotas: self.service_quotas.clone(),
            quota_usage: self.quota_usage.clone(),
            traces: self.traces.clone(),
            logs: self.logs.clone(),
            runaway: self.runaway.clone(),
            inference_profiles: self.inference_profiles.clone(),
        }
    }

    pub fn from_snapshot(s: Snapshot) -> Self {
        let mut store = Store::new(s.pricing, s.custom_namespaces);
        store.window = s.window;
        store.period = s.period;
        store.resolution = s.resolution;
        store.identity = s.identity;
        store.series = s.series.into_iter().collect();
        store.health = s.health.into_iter().map(|h| (h.label(), h)).collect();
        store.rules = s.rules;
        store.quotas = s.quotas;
        store.service_quotas = s.service_quotas;
        store.quota_usage = s.quota_usage;
        store.traces = s.traces;
        store.runaway = s.runaway;
        store.inference_profiles = s.inference_profiles;
        store.replay = Some(s.saved_at);
        // The presets come from this console's configuration, not the snapshot.
        let presets = std::mem::take(&mut store.logs.presets);
        store.logs = s.logs;
        store.logs.presets = presets;
        for a in s.alarms {
            store.alarms.entry(a.region.clone()).or_default().push(a);
        }
        store
    }
}

impl Snapshot {
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let json = serde_json::to_vec(self).map_err(|e| format!("cannot encode the snapshot: {e}"))?;
        let tmp = path.with_extension("json.partial");
        std::fs::write(&tmp, json).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let s: Snapshot =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: not a nightjar snapshot: {e}", path.display()))?;
        if s.format != FORMAT {
            return Err(format!("{}: snapshot format '{}' is not '{FORMAT}'", path.display(), s.format));
        }
        Ok(s)
    }
}
