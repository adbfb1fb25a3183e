//! The polling plan: which CloudWatch series each poll reads, so the bill follows what is looked
//! at rather than series × refresh.
//!
//! GetMetricData costs $0.01 per 1,000 metrics requested, whatever the range: reading every
//! series every refresh costs `series × 3600 / refresh` metrics an hour (50 models at 60 s:
//! ≈ 63,000, $0.63). The plan gives each query an interval by what it feeds:
//!
//! | tier | what | interval |
//! |---|---|---|
//! | alarm | Invocations, client/server errors, throttles, p99 per minute; custom namespaces | every period (rules judge them) |
//! | burn | tokens in/out/cache | every period on screen (a visible row, or the Overview's totals) or firing, else 3 min |
//! | quota | EstimatedTPMQuotaUsage | every period on screen or firing, else 5 min |
//! | chart | latency average/p50/p90, TTFT per minute | every period while the model's charts are open, else 10 min |
//! | window | whole-window figures (percentiles, averages) | 5 min on screen, else 15 min |
//!
//! A model quiet for 15 minutes (no invocations, no throttles) reads its invocations and
//! throttles every period and everything else every 10 minutes. *Nothing is read twice*: no
//! per-minute series is asked for again before a new period can have landed, whatever the
//! refresh (at a 5 s refresh a minute's figures are asked for once a minute, not twelve times).
//!
//! With a budget (`--api-budget USD`, per hour) the plan first keeps what is on screen and what
//! is firing (their alarm, burn and quota tiers, and the window figures of the visible rows) and
//! stretches everything else by one factor until the plan fits; when even that does not fit, it
//! stretches everything, and says so. The status bar shows the planned and the spent rate and how
//! many queries were slowed.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;

use crate::domain::catalog::{BEDROCK_NAMESPACE, BedrockMetric};
use crate::store::SeriesKey;
use crate::store::health::GET_METRIC_DATA_USD_PER_1000;

/// What a query feeds, which sets how often it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    Alarm,
    Burn,
    Quota,
    Chart,
    Window,
}

/// A model (scope label, model id) on screen, firing, or with its charts open.
pub type ModelRef = (String, String);

/// What the screen shows, as far as the plan cares. Written by the UI after each frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Screen {
    /// The Overview is shown: its totals need every active model's burn.
    pub totals: bool,
    /// Model rows drawn (their members, for grouped rows).
    pub rows: BTreeSet<ModelRef>,
    /// Models whose charts are drawn.
    pub charts: BTreeSet<ModelRef>,
    /// Culprits of firing rules.
    pub firing: BTreeSet<ModelRef>,
}

static BUILDING: Mutex<Option<Screen>> = Mutex::new(None);
static SHOWN: Mutex<Option<Screen>> = Mutex::new(None);

/// The UI starts a frame: what it draws is noted with [`note_rows`] and [`note_charts`].
pub fn begin_frame(totals: bool, firing: BTreeSet<ModelRef>) {
    if let Ok(mut b) = BUILDING.lock() {
        *b = Some(Screen { totals, firing, ..Default::default() });
    }
}

/// Model rows drawn in this frame.
pub fn note_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) {
    if let Ok(mut b) = BUILDING.lock()
        && let Some(s) = b.as_mut()
    {
        s.rows.extend(rows.into_iter().map(|(r, m)| (r.to_string(), m.to_string())));
    }
}

/// Models whose charts are drawn in this frame.
pub fn note_charts<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) {
    if let Ok(mut b) = BUILDING.lock()
        && let Some(s) = b.as_mut()
    {
        s.charts.extend(rows.into_iter().map(|(r, m)| (r.to_string(), m.to_string())));
    }
}

/// The frame is drawn: what it showed is what the plan follows from now on.
pub fn end_frame() {
    let built = BUILDING.lock().ok().and_then(|mut b| b.take());
    if let (Some(s), Ok(mut shown)) = (built, SHOWN.lock()) {
        *shown = Some(s);
    }
}

/// What the last frame showed (`None` before the first frame, or without a UI).
pub fn shown() -> Option<Screen> {
    SHOWN.lock().ok().and_then(|s| s.clone())
}

pub use crate::store::plan::{PlanStatus, combined};

/// Per query: when it was last read.
#[derive(Debug, Clone, Default)]
pub struct Planner {
    pub budget_usd_per_hour: Option<f64>,
    /// Seconds between polls.
    pub refresh: i64,
    /// USD an hour other calls of the same loop spend (alarm polls), set aside from the budget.
    pub reserve_usd_per_hour: f64,
    last_read: HashMap<(SeriesKey, bool), i64>,
    /// Per model, the newest minute with invocations or throttles.
    active: HashMap<ModelRef, i64>,
    /// (time, metrics requested) of each poll after the first load.
    spent: VecDeque<(i64, u64)>,
    first_load: Option<i64>,
    pub status: PlanStatus,
}

/// Seconds a model must be without invocations or throttles to count as quiet.
pub const QUIET_AFTER_SECS: i64 = 15 * 60;

/// One poll's decision: per query, whether it is read now.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    pub series: Vec<bool>,
    pub window: Vec<bool>,
    /// The earliest previous read of a query read now (`None`: one is read for the first time).
    pub since: Option<i64>,
}

fn tier(key: &SeriesKey, window: bool) -> Tier {
    if window {
        return Tier::Window;
    }
    if key.namespace != BEDROCK_NAMESPACE {
        return Tier::Alarm;
    }
    match (BedrockMetric::from_name(&key.metric), key.stat.as_str()) {
        (Some(BedrockMetric::Latency), "p99") => Tier::Alarm,
        (Some(BedrockMetric::Latency | BedrockMetric::TimeToFirstToken), _) => Tier::Chart,
        (
            Some(
                BedrockMetric::InputTokens
                | BedrockMetric::OutputTokens
                | BedrockMetric::CacheReadTokens
                | BedrockMetric::CacheWriteTokens,
            ),
            _,
        ) => Tier::Burn,
        (Some(BedrockMetric::TpmQuotaUsage), _) => Tier::Quota,
        _ => Tier::Alarm,
    }
}

fn model_of(key: &SeriesKey) -> Option<ModelRef> {
    (key.namespace == BEDROCK_NAMESPACE).then(|| key.dim("ModelId").map(|m| (key.region.clone(), m.to_string())))?
}

/// The activity signals: a quiet model still reads these every period.
fn wakes(key: &SeriesKey) -> bool {
    matches!(BedrockMetric::from_name(&key.metric), Some(BedrockMetric::Invocations | BedrockMetric::Throttles))
}

impl Planner {
    pub fn new(refresh: i64, budget_usd_per_hour: Option<f64>) -> Self {
        Self { refresh: refresh.max(1), budget_usd_per_hour, ..Default::default() }
    }

    /// Forget what was read (a new window: everything is read whole again).
    pub fn reset(&mut self) {
        self.last_read.clear();
        self.first_load = None;
        self.spent.clear();
    }

    /// Take in what a poll returned: which models are active.
    pub fn observe(&mut self, series: &[(SeriesKey, Vec<(i64, f64)>)]) {
        for (k, pts) in series {
            if !wakes(k) || k.stat != "Sum" {
                continue;
            }
            let Some(m) = model_of(k) else { continue };
            if let Some(t) = pts.iter().filter(|(_, v)| *v > 0.0).map(|(t, _)| *t).max() {
                let e = self.active.entry(m).or_insert(t);
                *e = (*e).max(t);
            }
        }
    }

    fn quiet(&self, m: &ModelRef, now: i64) -> bool {
        self.active.get(m).is_none_or(|t| now - t > QUIET_AFTER_SECS)
    }

    /// The default plan's interval for a query, and whether a budget may stretch it (what is on
    /// screen or firing may not).
    fn base(&self, key: &SeriesKey, window: bool, period: i64, screen: Option<&Screen>, now: i64) -> (i64, bool) {
        let full = period.max(self.refresh);
        let Some(m) = model_of(key) else {
            return (if window { 600 } else { full }, false);
        };
        // no UI (or no frame yet): everything counts as shown
        let (row, totals, charts, firing) = match screen {
            Some(s) => (s.rows.contains(&m), s.totals, s.charts.contains(&m), s.firing.contains(&m)),
            None => (true, true, true, false),
        };
        let hot = row || firing;
        let t = tier(key, window);
        if self.quiet(&m, now) && !hot && !charts {
            let i = if wakes(key) && !window { full } else { 600 };
            return (i.max(full), true);
        }
        let (i, kept) = match t {
            Tier::Alarm => (full, firing || (row && wakes(key))),
            Tier::Burn => (if hot || totals { full } else { 180 }, hot),
            Tier::Quota => (if hot { full } else { 300 }, hot),
            Tier::Chart => (if charts { full } else { 600 }, charts),
            Tier::Window => (if hot { 300 } else { 900 }, row),
        };
        (i.max(full), !kept)
    }

    /// Decide which queries this poll reads. `first`: nothing has been read yet (all are).
    pub fn decide(
        &mut self,
        series: &[SeriesKey],
        window: &[SeriesKey],
        period: i64,
        screen: Option<&Screen>,
        now: i64,
    ) -> Decision {
        let all: Vec<(&SeriesKey, bool)> =
            series.iter().map(|k| (k, false)).chain(window.iter().map(|k| (k, true))).collect();
        let bases: Vec<(i64, bool)> = all.iter().map(|(k, w)| self.base(k, *w, period, screen, now)).collect();
        let full = period.max(self.refresh);
        let per_hour = |i: i64| 3600.0 / i as f64;
        let usd = |metrics: f64| metrics * GET_METRIC_DATA_USD_PER_1000 / 1000.0;
        let kept: f64 = bases.iter().filter(|(_, s)| !s).map(|(i, _)| per_hour(*i)).sum();
        let loose: f64 = bases.iter().filter(|(_, s)| *s).map(|(i, _)| per_hour(*i)).sum();
        let (mut stretch_loose, mut stretch_all, mut over) = (1.0_f64, 1.0_f64, false);
        if let Some(b) = self.budget_usd_per_hour {
            let room = b - self.reserve_usd_per_hour;
            if usd(kept + loose) > room {
                if usd(kept) < room * 0.95 && loose > 0.0 {
                    stretch_loose = loose / ((room * 0.95 - usd(kept)) / usd(1.0));
                } else {
                    over = true;
                    stretch_all = (kept + loose) / (room.max(1e-9) * 0.95 / usd(1.0));
                    stretch_loose = 1.0;
                }
            }
        }
        let mut planned = 0.0;
        let mut slowed = 0;
        let mut due = Vec::with_capacity(all.len());
        let mut since: Option<Option<i64>> = None;
        for ((k, w), (i, loose)) in all.iter().zip(&bases) {
            let s = stretch_all * if *loose { stretch_loose } else { 1.0 };
            let interval = ((*i as f64) * s).round().max(full as f64) as i64;
            planned += per_hour(interval);
            if interval > full {
                slowed += 1;
            }
            let key = ((*k).clone(), *w);
            // due half a refresh early: polls come every refresh, not to the second
            let prev = self.last_read.get(&key).copied();
            let is_due = prev.is_none_or(|t| now - t >= interval - self.refresh / 2);
            if is_due {
                since = Some(match (since, prev) {
                    (None, p) => p,
                    (Some(Some(a)), Some(b)) => Some(a.min(b)),
                    _ => None,
                });
                self.last_read.insert(key, now);
            }
            due.push(is_due);
        }
        self.status.budget_usd_per_hour = self.budget_usd_per_hour;
        self.status.planned_usd_per_hour = usd(planned) + self.reserve_usd_per_hour;
        self.status.unplanned_usd_per_hour = usd(all.len() as f64 * per_hour(self.refresh)) + self.reserve_usd_per_hour;
        self.status.slowed = slowed;
        self.status.queries = all.len();
        self.status.stretch = stretch_all * stretch_loose;
        self.status.over_budget = over;
        let window_due = due.split_off(series.len());
        Decision { series: due, window: window_due, since: since.flatten() }
    }

    /// A poll asked for `metrics`: counted towards the spent rate (the first load is not).
    pub fn spent(&mut self, metrics: u64, other_usd: f64, now: i64) {
        let Some(start) = self.first_load else {
            self.first_load = Some(now);
            return;
        };
        let extra = (other_usd / (GET_METRIC_DATA_USD_PER_1000 / 1000.0)).round() as u64;
        self.spent.push_back((now, metrics + extra));
        while self.spent.front().is_some_and(|(t, _)| now - t >= 3600) {
            self.spent.pop_front();
        }
        let since = (now - start).clamp(1, 3600);
        let total: u64 = self.spent.iter().map(|(_, m)| m).sum();
        self.status.spent_usd_per_hour =
            Some(total as f64 * GET_METRIC_DATA_USD_PER_1000 / 1000.0 * 3600.0 / since as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(models: usize) -> (Vec<SeriesKey>, Vec<SeriesKey>) {
        let mut s = Vec::new();
        let mut w = Vec::new();
        for i in 0..models {
            let id = format!("model-{i}");
            for m in BedrockMetric::ALL {
                let name = match m {
                    BedrockMetric::Invocations => "Invocations",
                    BedrockMetric::InputTokens => "InputTokenCount",
                    BedrockMetric::OutputTokens => "OutputTokenCount",
                    BedrockMetric::ClientErrors => "InvocationClientErrors",
                    BedrockMetric::ServerErrors => "InvocationServerErrors",
                    BedrockMetric::Throttles => "InvocationThrottles",
                    BedrockMetric::CacheReadTokens => "CacheReadInputTokens",
                    BedrockMetric::CacheWriteTokens => "CacheWriteInputTokens",
                    BedrockMetric::TpmQuotaUsage => "EstimatedTPMQuotaUsage",
                    BedrockMetric::Latency => "InvocationLatency",
                    BedrockMetric::TimeToFirstToken => "TimeToFirstToken",
                };
                for st in m.series_stats() {
                    s.push(SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, name, &[("ModelId", &id)], st));
                }
                for st in m.window_stats() {
                    w.push(SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, name, &[("ModelId", &id)], st));
                }
            }
        }
        (s, w)
    }

    fn active(p: &mut Planner, s: &[SeriesKey], now: i64) {
        let pts: Vec<(SeriesKey, Vec<(i64, f64)>)> =
            s.iter().filter(|k| k.metric == "Invocations").map(|k| (k.clone(), vec![(now - 60, 5.0)])).collect();
        p.observe(&pts);
    }

    /// Metrics requested over an hour of polls every `refresh` seconds.
    fn hour(p: &mut Planner, s: &[SeriesKey], w: &[SeriesKey], screen: Option<&Screen>, refresh: i64) -> usize {
        let t0 = 1_800_000_000;
        let mut n = 0;
        p.decide(s, w, 60, screen, t0); // the first load
        let mut t = t0 + refresh;
        while t <= t0 + 3600 {
            active(p, s, t);
            let d = p.decide(s, w, 60, screen, t);
            n += d.series.iter().chain(&d.window).filter(|x| **x).count();
            t += refresh;
        }
        n
    }

    fn screen_of(rows: std::ops::Range<usize>, totals: bool) -> Screen {
        Screen {
            totals,
            rows: rows.map(|i| ("us-east-1".to_string(), format!("model-{i}"))).collect(),
            ..Default::default()
        }
    }

    /// The default plan at least halves the metrics an hour of 50 busy models at a 60 s refresh,
    /// whether the Models pane (16 rows) or the Overview (8 rows and the totals) is shown.
    #[test]
    fn the_default_plan_halves_what_is_read() {
        let (s, w) = keys(50);
        let before = (s.len() + w.len()) * 60;
        for screen in [screen_of(0..16, false), screen_of(0..8, true)] {
            let mut p = Planner::new(60, None);
            let t0 = 1_800_000_000;
            active(&mut p, &s, t0);
            let after = hour(&mut p, &s, &w, Some(&screen), 60);
            assert!(after * 2 <= before, "{after} of {before} with {screen:?}");
        }
    }

    /// What is on screen is read every minute; what is not, less often; never twice a minute,
    /// even at a 5 s refresh.
    #[test]
    fn on_screen_rows_stay_at_full_rate_and_nothing_is_read_twice() {
        let (s, w) = keys(3);
        let screen = screen_of(0..1, false);
        let mut p = Planner::new(5, None);
        let t0 = 1_800_000_000;
        active(&mut p, &s, t0);
        p.decide(&s, &w, 60, Some(&screen), t0);
        let mut reads: HashMap<String, usize> = HashMap::new();
        let mut t = t0 + 5;
        while t <= t0 + 600 {
            let d = p.decide(&s, &w, 60, Some(&screen), t);
            for (k, due) in s.iter().zip(&d.series) {
                if *due {
                    *reads.entry(format!("{} {} {}", k.dim("ModelId").unwrap(), k.metric, k.stat)).or_default() += 1;
                }
            }
            t += 5;
        }
        assert_eq!(reads["model-0 InputTokenCount Sum"], 10);
        assert_eq!(reads["model-1 Invocations Sum"], 10);
        assert_eq!(reads.get("model-1 InputTokenCount Sum"), Some(&3));
        assert_eq!(reads.get("model-1 InvocationLatency p50"), Some(&1));
    }

    /// A budget stretches what is off screen first and keeps within it.
    #[test]
    fn a_budget_stretches_what_is_off_screen() {
        let (s, w) = keys(60);
        let screen = screen_of(0..16, false);
        let mut p = Planner::new(5, Some(0.10));
        let t0 = 1_800_000_000;
        active(&mut p, &s, t0);
        let n = hour(&mut p, &s, &w, Some(&screen), 5);
        let usd = n as f64 * GET_METRIC_DATA_USD_PER_1000 / 1000.0;
        assert!(usd <= 0.10, "{usd}");
        assert!(!p.status.over_budget);
        assert!(p.status.stretch > 1.0);
        assert!(p.status.planned_usd_per_hour <= 0.10);
    }
}
