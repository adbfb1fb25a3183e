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
}

/// One poll's worth of metric data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsUpdate {
    /// The window the poll was made for; window values refer to it.
    pub window: Window,
    /// Seconds between points (60 unless the window is longer than a day); 0 means 60.
    pub period: i64,
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
}
