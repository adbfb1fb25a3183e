//! The messages sources send to the store. Plain data: no SDK or UI types.

use super::health::SourceHealth;
use super::series::SeriesKey;
use crate::domain::window::Window;

#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Metrics(MetricsUpdate),
    Health(SourceHealth),
    Identity(Identity),
    Alarms(super::alarms::AlarmsUpdate),
    Traces(super::traces::TracesUpdate),
    Logs(super::logs::LogsUpdate),
    ServiceQuotas(super::quotas::ServiceQuotasUpdate),
    /// One region's week of quota use (the quota view).
    QuotaUsage(super::quota_usage::QuotaUsageUpdate),
    /// One Region's Price List figures.
    Prices(super::prices::PricesUpdate),
    /// One Region's application inference profiles.
    InferenceProfiles(super::prices::InferenceProfilesUpdate),
    /// A monitoring account's links (one Region), or what a metrics source read per account.
    Accounts(super::accounts::AccountsUpdate),
    /// The polling plan of one metrics source.
    Plan(super::plan::PlanStatus),
}

/// One poll's worth of metric data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsUpdate {
    /// The window the poll was made for; window values refer to it.
    pub window: Window,
    /// Seconds between points (60 unless the window is longer than a day or its data old);
    /// 0 means 60.
    pub period: i64,
    /// The periods chosen for the window and why (`Minute` for per-minute data).
    pub resolution: crate::domain::window::Resolution,
    /// Per-period points, upserted (late data replaces what was there).
    pub series: Vec<(SeriesKey, Vec<(i64, f64)>)>,
    /// CloudWatch's own figure over the whole window, for non-additive statistics.
    pub window_values: Vec<(SeriesKey, Option<f64>)>,
}

/// Who and where the console is looking at.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub profile: Option<String>,
    pub account: Option<String>,
    pub arn: Option<String>,
    pub regions: Vec<String>,
    pub endpoint: Option<String>,
    pub demo: bool,
    /// Every profile watched, with its account, when there are several (the first is
    /// `profile`); empty for one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<ProfileAccount>,
}

/// One of several profiles watched at once, and the account it reaches.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileAccount {
    pub profile: String,
    pub account: Option<String>,
}

impl Identity {
    /// Take `other` in: with several profiles watched, one profile's answer (its account) fills
    /// that profile's entry and leaves the others; otherwise it replaces what was known.
    pub fn merge(&mut self, other: Identity) {
        if self.accounts.is_empty() || !other.accounts.is_empty() {
            *self = other;
            return;
        }
        let Some(p) = other.profile.as_deref() else { return };
        if let Some(a) = self.accounts.iter_mut().find(|a| a.profile == p) {
            a.account = other.account.clone();
        }
        if self.profile.as_deref() == Some(p) {
            self.account = other.account;
            self.arn = other.arn;
        }
    }

    /// Data comes from more than one region or profile: rows and sentences must say which.
    pub fn several_scopes(&self) -> bool {
        self.regions.len() > 1 || !self.accounts.is_empty()
    }

    /// Every profile watched (the one, or the several).
    pub fn profiles(&self) -> Vec<String> {
        if self.accounts.is_empty() {
            self.profile.iter().cloned().collect()
        } else {
            self.accounts.iter().map(|a| a.profile.clone()).collect()
        }
    }
}
