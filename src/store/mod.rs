//! The single-owner, in-memory store: plain data, no ratatui and no AWS SDK types.
//! Sources send [`Update`]s; the UI loop applies them and panes read from `&Store`.

pub mod accounts;
pub mod alarms;
pub mod health;
pub mod logs;
pub mod models;
pub mod plan;
pub mod prices;
pub mod quota_usage;
pub mod quotas;
pub mod rules;
pub mod runaway;
pub mod series;
pub mod snapshot;
pub mod traces;
pub mod update;

use std::collections::BTreeMap;

pub use health::{ErrorKind, Partial, SourceError, SourceHealth};
pub use series::{Series, SeriesKey};
pub use update::{Identity, MetricsUpdate, Update};

use crate::domain::pricing::PriceTable;
use crate::domain::window::Window;

/// At most this many points per series (7 days of minutes, plus slack).
pub const MAX_POINTS_PER_SERIES: usize = 7 * 1440 + 120;

#[derive(Debug, Clone, Default)]
pub struct Store {
    pub window: Window,
    /// Seconds between points of the current window's series.
    pub period: i64,
    /// How coarse the current window's points are, and why (old data, a long window).
    pub resolution: crate::domain::window::Resolution,
    pub identity: Identity,
    pub pricing: PriceTable,
    pub custom_namespaces: Vec<String>,
    series: BTreeMap<SeriesKey, Series>,
    health: BTreeMap<String, SourceHealth>,
    /// Bedrock quotas per model, from the config (for the headroom column).
    pub quotas: BTreeMap<String, models::Quota>,
    /// The account's Bedrock quotas per region, from Service Quotas (the config's win).
    pub service_quotas: quotas::ServiceQuotas,
    /// The last 7 days of quota use per region (the quota view).
    pub quota_usage: quota_usage::QuotaUsage,
    /// Console alert rules, their states and history.
    pub rules: rules::RulesState,
    /// CloudWatch alarms per region.
    alarms: BTreeMap<String, Vec<alarms::Alarm>>,
    /// X-Ray trace lists and fetched span trees.
    pub traces: traces::TraceStore,
    /// Logs Insights queries, results, log groups.
    pub logs: logs::LogsState,
    /// The runaway-loop watch: tokens and $ per minute per caller and session, vs ceilings.
    pub runaway: runaway::RunawayState,
    /// Bedrock application inference profiles by ARN (name, tags, model).
    pub inference_profiles: BTreeMap<String, prices::InferenceProfile>,
    /// A monitoring account's linked source accounts, their names, and what was read from each.
    pub accounts: accounts::Accounts,
    /// The polling plan of each metrics source (planned and spent rate, what was slowed).
    pub plans: BTreeMap<String, plan::PlanStatus>,
    /// Bumped on every change, so the UI knows when to redraw.
    pub generation: u64,
    /// Reopened from a snapshot saved at this time (`nightjar open`): nothing more will arrive,
    /// so what was in flight when it was saved is said to be missing, not awaited.
    pub replay: Option<i64>,
}

impl Store {
    pub fn new(pricing: PriceTable, custom_namespaces: Vec<String>) -> Self {
        Self { pricing, custom_namespaces, ..Default::default() }
    }

    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Metrics(m) => {
                let end = m.window.end;
                // rules judge the live window only, not a past range being looked at
                let live = end >= self.window.end;
                self.apply_metrics(m);
                if live && !self.rules.rules.rules.is_empty() {
                    // the window ends with the minute in progress (`end` is `now` rounded up)
                    self.evaluate_rules(end - 1);
                }
            }
            Update::Health(h) => {
                self.health.insert(h.label(), h);
            }
            Update::Identity(i) => self.identity.merge(i),
            Update::Traces(t) => self.traces.apply(t),
            Update::Logs(l) => {
                if let logs::LogsUpdate::Query(q) = &l {
                    // a new runaway breach rings the bell like a rule that starts firing
                    self.rules.firings += self.runaway.observe(q, &self.pricing);
                }
                self.logs.apply(l)
            }
            Update::Alarms(a) => {
                self.alarms.insert(a.region.clone(), a.alarms);
            }
            Update::ServiceQuotas(q) => self.service_quotas.apply(q),
            Update::QuotaUsage(u) => self.quota_usage.apply(u),
            Update::Prices(p) => self.pricing.set_live(&p.region, p.prices),
            Update::Accounts(u) => self.accounts.apply(u),
            Update::Plan(p) => {
                self.plans.insert(p.scope.clone(), p);
            }
            Update::InferenceProfiles(u) => {
                for p in u.profiles {
                    if let Some(m) = &p.model_id {
                        self.pricing.set_profile_model(&p.arn, m);
                    }
                    self.inference_profiles.insert(p.arn.clone(), p);
                }
            }
        }
        self.generation += 1;
    }

    fn apply_metrics(&mut self, m: MetricsUpdate) {
        // Take the newest window; a window more than 5 minutes older is a deliberate move to a
        // past range (`:range`), not a slow region's late answer.
        if m.window.end >= self.window.end || self.window.end - m.window.end > 300 {
            self.window = m.window;
            self.period = if m.period > 0 { m.period } else { 60 };
            self.resolution = m.resolution;
        }
        for (key, points) in m.series {
            let s = self.series.entry(key).or_default();
            s.upsert(points);
            s.read_through = s.read_through.max(Some(m.window.end));
        }
        for (key, value) in m.window_values {
            let s = self.series.entry(key).or_default();
            s.window_value = value;
            s.window_of_value = Some((m.window.start, m.window.end));
        }
        self.prune();
    }

    /// Drop points older than the window (with an hour of slack for baselines).
    pub fn prune(&mut self) {
        let cutoff = self.window.start - 3600;
        for s in self.series.values_mut() {
            if s.points.first_key_value().is_some_and(|(t, _)| *t < cutoff) || s.points.len() > MAX_POINTS_PER_SERIES {
                s.prune(cutoff, MAX_POINTS_PER_SERIES);
            }
        }
    }

    pub fn series(&self) -> impl Iterator<Item = (&SeriesKey, &Series)> {
        self.series.iter()
    }

    pub fn get(&self, key: &SeriesKey) -> Option<&Series> {
        self.series.get(key)
    }

    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    pub fn point_count(&self) -> usize {
        self.series.values().map(|s| s.points.len()).sum()
    }

    /// Every region's alarms, firing first.
    pub fn alarms(&self) -> Vec<alarms::Alarm> {
        let mut v: Vec<alarms::Alarm> = self.alarms.values().flatten().cloned().collect();
        alarms::sort_alarms(&mut v);
        v
    }

    pub fn health(&self) -> impl Iterator<Item = &SourceHealth> {
        self.health.values()
    }

    /// Newest datapoint across all series.
    pub fn newest_data(&self) -> Option<i64> {
        self.health.values().filter_map(|h| h.newest_data).max()
    }

    /// True when every source has failed its last call: what is shown is old.
    pub fn any_stale(&self) -> bool {
        self.health.values().any(SourceHealth::is_stale)
    }

    pub fn api_spend_usd(&self) -> f64 {
        // plus what Logs Insights queries scanned
        self.health.values().map(SourceHealth::spend_usd).sum::<f64>() + self.logs.spent_usd()
    }

    /// At least one source has delivered data or succeeded.
    pub fn any_source_ok(&self) -> bool {
        self.health.values().any(|h| h.last_ok.is_some())
    }

    pub fn loading(&self) -> bool {
        // a source that is off with a note (Service Quotas not readable) has nothing to load
        self.health.is_empty() || self.health.values().all(|h| h.loading || h.note.is_some())
    }
}
