//! A week of quota use per model, for the quota view: how close each model has come to its
//! tokens- and requests-per-minute quotas over the last 7 days, which hours are hot, and which
//! ids (the model called on demand, through a cross-region `us.`/`global.` profile, or through an
//! application inference profile) the use came from.
//!
//! What is kept is what CloudWatch answered (`sources::quota_usage`): per CloudWatch `ModelId`,
//! 5-minute `Sum`s of `EstimatedTPMQuotaUsage` (the metric is emitted per request, so a period's
//! Sum is its consumption, see [`super::models::TPM_QUOTA_STAT`]) and of invocations plus
//! throttles. Every figure made from them is per minute: a period's Sum divided by the minutes it
//! covers, i.e. that period's per-minute average. So "p90" is the 90th percentile (nearest rank)
//! of those per-minute averages over the periods with traffic, and "peak" is the busiest period's;
//! a single minute can be busier than either, which the live headroom (busiest of the last few
//! minutes) shows.
//!
//! Ids that count against one quota are added up: a quota is per model, per Region and per way
//! of calling it (on demand, cross-Region, global), and an application inference profile counts
//! against the quota of what it routes to (one Region's model: on demand; several Regions' models:
//! cross-Region).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Store;
use super::quotas::{EffectiveQuota, QuotaScope};
use crate::domain::catalog::base_model_id;
use crate::domain::quotas::id_scope;

/// How far back the week reaches.
pub const WEEK_SECS: i64 = 7 * 86_400;
/// The period it is read at: legal for any start up to 15 days back (a multiple of 60 s; also of
/// 300 s, which CloudWatch asks beyond that), and 2,016 points a query, so 50 queries fit the
/// 100,800 datapoints one GetMetricData call returns.
pub const WEEK_PERIOD: i64 = 300;

/// One CloudWatch `ModelId`'s week, as period sums keyed by period start (epoch seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdWeek {
    /// `EstimatedTPMQuotaUsage` Sum.
    pub tokens: BTreeMap<i64, f64>,
    /// `Invocations` + `InvocationThrottles` Sum.
    pub requests: BTreeMap<i64, f64>,
}

/// One region's week.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionWeek {
    pub start: i64,
    pub end: i64,
    pub period: i64,
    /// When it was read: the period in progress is divided by the minutes elapsed.
    pub fetched_at: i64,
    /// Some answer was incomplete (`InternalError`, a page limit): the figures are lower bounds.
    pub partial: bool,
    pub ids: BTreeMap<String, IdWeek>,
}

/// A region's week, freshly read (replaces what the region had).
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaUsageUpdate {
    pub region: String,
    pub week: RegionWeek,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuotaUsage {
    regions: BTreeMap<String, RegionWeek>,
}

impl QuotaUsage {
    pub fn apply(&mut self, u: QuotaUsageUpdate) {
        self.regions.insert(u.region, u.week);
    }
    pub fn region(&self, region: &str) -> Option<&RegionWeek> {
        self.regions.get(region)
    }
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
    pub fn regions(&self) -> impl Iterator<Item = (&str, &RegionWeek)> {
        self.regions.iter().map(|(r, w)| (r.as_str(), w))
    }
}

/// p90 and peak of per-minute figures over the week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WeekStats {
    /// 90th percentile (nearest rank) of the periods with traffic; `None` without any.
    pub p90: Option<f64>,
    pub peak: Option<f64>,
    /// When the busiest period began.
    pub peak_at: Option<i64>,
    /// Periods with traffic.
    pub active_periods: usize,
    /// The week's total (tokens or requests).
    pub total: f64,
}

/// Nearest-rank percentile of `values` (unsorted), `p` in 0..=100.
pub fn nearest_rank(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let i = ((p / 100.0 * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
    Some(s[i])
}

impl RegionWeek {
    /// Minutes the period starting at `t` covers (the one in progress: those elapsed).
    fn minutes(&self, t: i64) -> f64 {
        let period = self.period.max(60);
        ((self.fetched_at.min(self.end) - t).clamp(60, period) / 60) as f64
    }

    /// Period sums made per-minute averages.
    pub fn per_minute(&self, sums: &BTreeMap<i64, f64>) -> BTreeMap<i64, f64> {
        sums.iter().map(|(t, v)| (*t, v / self.minutes(*t))).collect()
    }
}

fn stats(per_minute: &BTreeMap<i64, f64>, sums: &BTreeMap<i64, f64>) -> WeekStats {
    let active: Vec<f64> = per_minute.values().copied().filter(|v| *v > 0.0).collect();
    let peak = per_minute.iter().filter(|(_, v)| **v > 0.0).max_by(|a, b| a.1.total_cmp(b.1));
    WeekStats {
        p90: nearest_rank(&active, 90.0),
        peak: peak.map(|(_, v)| *v),
        peak_at: peak.map(|(t, _)| *t),
        active_periods: active.len(),
        total: sums.values().sum(),
    }
}

/// One id's part of a quota group.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageMember {
    /// As CloudWatch names it (a model id, a `us.` profile id, an application profile ARN).
    pub model_id: String,
    /// An application inference profile's name and tags, when it is one.
    pub profile_name: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub tpm: WeekStats,
    pub rpm: WeekStats,
    /// Its share of the group's tokens over the week, in percent.
    pub share_pct: Option<f64>,
}

/// The ids that count against one quota (a model in a region, called one way), over the week.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageGroup {
    pub region: String,
    /// Base model id (an application profile whose model is unknown stays its ARN).
    pub model_id: String,
    pub scope: QuotaScope,
    /// An id of the group that names the scope, for the quota lookup (a member, or built).
    pub quota_id: String,
    pub quota: Option<EffectiveQuota>,
    pub tpm: WeekStats,
    pub rpm: WeekStats,
    /// Per-minute figures per period, the members added up.
    pub tpm_minutes: BTreeMap<i64, f64>,
    pub rpm_minutes: BTreeMap<i64, f64>,
    /// Busiest first.
    pub members: Vec<UsageMember>,
    pub start: i64,
    pub end: i64,
    pub period: i64,
    pub partial: bool,
}

impl UsageGroup {
    pub fn tpm_quota(&self) -> Option<f64> {
        self.quota.as_ref().and_then(|q| q.tpm.as_ref()).map(|l| l.value).filter(|v| *v > 0.0)
    }
    pub fn rpm_quota(&self) -> Option<f64> {
        self.quota.as_ref().and_then(|q| q.rpm.as_ref()).map(|l| l.value).filter(|v| *v > 0.0)
    }
    /// `v` as a share of the TPM (or RPM) quota, in percent.
    pub fn tpm_pct(&self, v: Option<f64>) -> Option<f64> {
        Some(v? / self.tpm_quota()? * 100.0)
    }
    pub fn rpm_pct(&self, v: Option<f64>) -> Option<f64> {
        Some(v? / self.rpm_quota()? * 100.0)
    }
    /// The closer of the two quotas at p90, in percent (for sorting and the warning mark).
    pub fn p90_pct(&self) -> Option<f64> {
        max_opt(self.tpm_pct(self.tpm.p90), self.rpm_pct(self.rpm.p90))
    }
    pub fn peak_pct(&self) -> Option<f64> {
        max_opt(self.tpm_pct(self.tpm.peak), self.rpm_pct(self.rpm.peak))
    }

    /// Hour of day × day: each hour's busiest period as a share of the quota (tokens or requests,
    /// whichever is closer); without a quota, as a share of the week's peak (`relative` true).
    /// Days oldest first, each `(day start, [24 hours])`, in the time zone `offset` seconds east
    /// of UTC; `None` where the hour had no traffic or is outside the week.
    pub fn heatmap(&self, offset: i64) -> Heatmap {
        let relative = self.tpm_quota().is_none() && self.rpm_quota().is_none();
        let mut hours: BTreeMap<i64, f64> = BTreeMap::new();
        let periods: std::collections::BTreeSet<i64> =
            self.tpm_minutes.keys().chain(self.rpm_minutes.keys()).copied().collect();
        let (tpeak, rpeak) = (self.tpm.peak.unwrap_or(0.0), self.rpm.peak.unwrap_or(0.0));
        for t in periods {
            let tok = self.tpm_minutes.get(&t).copied();
            let req = self.rpm_minutes.get(&t).copied();
            let v = if relative {
                // the closer to its own peak of the two
                max_opt(
                    tok.filter(|_| tpeak > 0.0).map(|v| v / tpeak * 100.0),
                    req.filter(|_| rpeak > 0.0).map(|v| v / rpeak * 100.0),
                )
            } else {
                max_opt(self.tpm_pct(tok), self.rpm_pct(req))
            };
            let Some(v) = v.filter(|v| *v > 0.0) else { continue };
            let hour = (t + offset).div_euclid(3600) * 3600 - offset;
            let e = hours.entry(hour).or_insert(v);
            *e = e.max(v);
        }
        let first_day = (self.start + offset).div_euclid(86_400);
        let last_day = (self.end - 1 + offset).div_euclid(86_400);
        let days = (first_day..=last_day)
            .map(|d| {
                let day_start = d * 86_400 - offset;
                let mut cells = [None; 24];
                for (h, cell) in cells.iter_mut().enumerate() {
                    *cell = hours.get(&(day_start + h as i64 * 3600)).copied();
                }
                (day_start, cells)
            })
            .collect();
        Heatmap { days, relative }
    }
}

/// See [`UsageGroup::heatmap`].
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub days: Vec<(i64, [Option<f64>; 24])>,
    /// Shares of the week's peak (no quota known), not of a quota.
    pub relative: bool,
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn add(into: &mut BTreeMap<i64, f64>, from: &BTreeMap<i64, f64>) {
    for (t, v) in from {
        *into.entry(*t).or_insert(0.0) += v;
    }
}

impl Store {
    /// What quota the calls to `id` (as CloudWatch names it) count against: (base model, scope).
    /// An application inference profile is its model's, on demand when it routes to one Region,
    /// cross-Region when to several; unresolved, it stays on its own.
    pub fn usage_scope(&self, id: &str) -> (String, QuotaScope) {
        if crate::domain::catalog::is_application_profile(id) {
            return match self.inference_profiles.get(id) {
                Some(p) if p.model_id.is_some() => {
                    let regions: std::collections::BTreeSet<&str> =
                        p.models.iter().filter_map(|m| m.split(':').nth(3)).collect();
                    let scope = if regions.len() > 1 { QuotaScope::CrossRegion } else { QuotaScope::OnDemand };
                    (p.model_id.clone().unwrap_or_default(), scope)
                }
                _ => (id.to_string(), QuotaScope::Other),
            };
        }
        (base_model_id(id).to_string(), id_scope(id))
    }

    /// The week's quota groups of every region, the closest to its quota at p90 first (then by
    /// tokens).
    pub fn usage_groups(&self) -> Vec<UsageGroup> {
        let mut out = Vec::new();
        for (region, week) in self.quota_usage.regions() {
            let mut groups: BTreeMap<(String, QuotaScope), Vec<&str>> = BTreeMap::new();
            for id in week.ids.keys() {
                groups.entry(self.usage_scope(id)).or_default().push(id);
            }
            for ((model, scope), ids) in groups {
                out.push(self.usage_group(region, week, &model, scope, &ids));
            }
        }
        out.sort_by(|a, b| {
            b.p90_pct()
                .unwrap_or(-1.0)
                .total_cmp(&a.p90_pct().unwrap_or(-1.0))
                .then(b.tpm.total.total_cmp(&a.tpm.total))
                .then(a.model_id.cmp(&b.model_id))
                .then(a.region.cmp(&b.region))
        });
        out
    }

    fn usage_group(&self, region: &str, week: &RegionWeek, model: &str, scope: QuotaScope, ids: &[&str]) -> UsageGroup {
        let (mut tok_sums, mut req_sums) = (BTreeMap::new(), BTreeMap::new());
        let mut members = Vec::new();
        for id in ids {
            let w = &week.ids[*id];
            add(&mut tok_sums, &w.tokens);
            add(&mut req_sums, &w.requests);
            let profile = self.inference_profiles.get(*id);
            members.push(UsageMember {
                model_id: id.to_string(),
                profile_name: profile.map(|p| p.name.clone()),
                tags: profile.map(|p| p.tags.clone()).unwrap_or_default(),
                tpm: stats(&week.per_minute(&w.tokens), &w.tokens),
                rpm: stats(&week.per_minute(&w.requests), &w.requests),
                share_pct: None,
            });
        }
        let (tpm_minutes, rpm_minutes) = (week.per_minute(&tok_sums), week.per_minute(&req_sums));
        let tpm = stats(&tpm_minutes, &tok_sums);
        let rpm = stats(&rpm_minutes, &req_sums);
        for m in &mut members {
            m.share_pct = (tpm.total > 0.0).then(|| m.tpm.total / tpm.total * 100.0);
        }
        members.sort_by(|a, b| b.tpm.total.total_cmp(&a.tpm.total).then(a.model_id.cmp(&b.model_id)));
        // a member that is not an application profile names the scope itself; else build one
        let quota_id = ids
            .iter()
            .find(|id| !crate::domain::catalog::is_application_profile(id))
            .map(|id| id.to_string())
            .unwrap_or_else(|| match scope {
                QuotaScope::CrossRegion => format!("us.{model}"),
                QuotaScope::Global => format!("global.{model}"),
                _ => model.to_string(),
            });
        let quota = if scope == QuotaScope::Other { None } else { self.effective_quota(region, &quota_id) };
        UsageGroup {
            region: region.to_string(),
            model_id: model.to_string(),
            scope,
            quota_id,
            quota,
            tpm,
            rpm,
            tpm_minutes,
            rpm_minutes,
            members,
            start: week.start,
            end: week.end,
            period: week.period,
            partial: week.partial,
        }
    }

    /// The week's group `model_id` (as called, in `region`) belongs to.
    pub fn usage_group_of(&self, region: &str, model_id: &str) -> Option<UsageGroup> {
        let (model, scope) = self.usage_scope(model_id);
        self.usage_groups().into_iter().find(|g| g.region == region && g.model_id == model && g.scope == scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Update;
    use crate::store::models::Quota;
    use crate::store::prices::{InferenceProfile, InferenceProfilesUpdate};

    const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    const R: &str = "us-east-1";
    const END: i64 = 1_800_000_000 - 1_800_000_000 % 86_400;
    const APP: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/batch1";

    fn week(ids: Vec<(&str, IdWeek)>) -> RegionWeek {
        RegionWeek {
            start: END - WEEK_SECS,
            end: END,
            period: WEEK_PERIOD,
            fetched_at: END,
            partial: false,
            ids: ids.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }

    #[test]
    fn p90_and_peak_are_per_minute_of_the_periods_with_traffic() {
        // 20 periods: 19 of 500k tokens (100k a minute), one of 1.9M (380k a minute)
        let mut tokens = BTreeMap::new();
        for i in 0..20 {
            tokens.insert(END - 86_400 + i * 300, if i == 7 { 1_900_000.0 } else { 500_000.0 });
        }
        let requests = tokens.keys().map(|t| (*t, 250.0)).collect();
        let mut s = Store::default();
        s.apply(Update::QuotaUsage(QuotaUsageUpdate {
            region: R.into(),
            week: week(vec![(&format!("us.{SONNET}"), IdWeek { tokens, requests })]),
        }));
        s.quotas.insert(format!("us.{SONNET}"), Quota { tpm: Some(400_000.0), rpm: Some(100.0) });
        let g = &s.usage_groups()[0];
        assert_eq!((g.model_id.as_str(), g.scope), (SONNET, QuotaScope::CrossRegion));
        // idle periods do not count: 90 % of the 20 active ones are at 100k a minute
        assert_eq!(g.tpm.p90, Some(100_000.0));
        assert_eq!(g.tpm.peak, Some(380_000.0));
        assert_eq!(g.tpm.peak_at, Some(END - 86_400 + 7 * 300));
        assert_eq!(g.tpm.active_periods, 20);
        assert_eq!(g.tpm.total, 19.0 * 500_000.0 + 1_900_000.0);
        assert_eq!(g.tpm_pct(g.tpm.peak), Some(95.0));
        // 250 requests in 5 minutes: 50 a minute of 100
        assert_eq!(g.rpm.p90, Some(50.0));
        assert_eq!(g.p90_pct(), Some(50.0));
        assert_eq!(g.peak_pct(), Some(95.0));
        // the hot hour in the heatmap: the busiest period of that hour against the quota
        let h = g.heatmap(0);
        assert_eq!(h.days.len(), 7);
        assert!(!h.relative);
        let (day, cells) = h.days[6];
        assert_eq!(day, END - 86_400);
        assert_eq!(cells[0], Some(95.0));
        assert_eq!(cells[1], Some(50.0));
        assert_eq!(cells[2], None);
        assert!(h.days[..6].iter().all(|(_, c)| c.iter().all(Option::is_none)));
    }

    #[test]
    fn ids_sharing_a_quota_are_added_up_and_broken_down() {
        let at = END - 3600;
        let one = |tok: f64, req: f64| IdWeek { tokens: [(at, tok)].into(), requests: [(at, req)].into() };
        let mut s = Store::default();
        // an application profile copied from the cross-region profile: models in three regions
        s.apply(Update::InferenceProfiles(InferenceProfilesUpdate {
            region: R.into(),
            profiles: vec![InferenceProfile {
                arn: APP.into(),
                id: "batch1".into(),
                name: "nightly-batch".into(),
                kind: "APPLICATION".into(),
                models: ["us-east-1", "us-east-2", "us-west-2"]
                    .iter()
                    .map(|r| format!("arn:aws:bedrock:{r}::foundation-model/{SONNET}"))
                    .collect(),
                model_id: Some(SONNET.into()),
                tags: [("team".to_string(), "data".to_string())].into(),
            }],
        }));
        s.apply(Update::QuotaUsage(QuotaUsageUpdate {
            region: R.into(),
            week: week(vec![
                (&format!("us.{SONNET}"), one(500_000.0, 100.0)),
                (APP, one(1_500_000.0, 150.0)),
                (SONNET, one(250_000.0, 10.0)),
                ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/unknown", one(5.0, 1.0)),
            ]),
        }));
        s.quotas.insert(format!("us.{SONNET}"), Quota { tpm: Some(800_000.0), rpm: None });
        let groups = s.usage_groups();
        assert_eq!(groups.len(), 3, "{groups:?}");
        let cross = groups.iter().find(|g| g.scope == QuotaScope::CrossRegion).unwrap();
        // the profile and the us. id count against one quota: 2M tokens in 5 minutes
        assert_eq!(cross.tpm.peak, Some(400_000.0));
        assert_eq!(cross.tpm_pct(cross.tpm.peak), Some(50.0));
        assert_eq!(cross.quota_id, format!("us.{SONNET}"));
        let names: Vec<(Option<&str>, Option<f64>)> =
            cross.members.iter().map(|m| (m.profile_name.as_deref(), m.share_pct)).collect();
        assert_eq!(names, vec![(Some("nightly-batch"), Some(75.0)), (None, Some(25.0))]);
        assert_eq!(cross.members[0].tags.get("team").map(String::as_str), Some("data"));
        assert_eq!(cross.members[0].tpm.peak, Some(300_000.0));
        // the bare id is on demand: its own quota (none known here)
        let on = groups.iter().find(|g| g.scope == QuotaScope::OnDemand).unwrap();
        assert_eq!((on.tpm.peak, on.tpm_quota()), (Some(50_000.0), None));
        // without a quota the heatmap is relative to the week's peak
        assert!(on.heatmap(0).relative);
        // an unresolved profile stays on its own, with no quota
        let other = groups.iter().find(|g| g.scope == QuotaScope::Other).unwrap();
        assert!(other.model_id.ends_with("/unknown") && other.quota.is_none());
        // the group of an id as called
        assert_eq!(s.usage_group_of(R, APP).map(|g| g.scope), Some(QuotaScope::CrossRegion));
        // the closest to its quota first
        assert_eq!(groups[0].scope, QuotaScope::CrossRegion);
    }

    #[test]
    fn the_period_in_progress_is_divided_by_the_minutes_elapsed() {
        let mut w = week(vec![(SONNET, IdWeek { tokens: [(END - 300, 300_000.0)].into(), requests: BTreeMap::new() })]);
        w.fetched_at = END - 120;
        let m = w.per_minute(&w.ids[SONNET].tokens);
        assert_eq!(m[&(END - 300)], 100_000.0);
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90.0), Some(9.0));
        assert_eq!(nearest_rank(&[], 90.0), None);
        assert_eq!(nearest_rank(&[7.0], 90.0), Some(7.0));
    }

    #[test]
    fn the_heatmap_follows_the_time_zone() {
        let mut s = Store::default();
        let t = END - 86_400 + 23 * 3600; // 23:00 UTC
        s.apply(Update::QuotaUsage(QuotaUsageUpdate {
            region: R.into(),
            week: week(vec![(SONNET, IdWeek { tokens: [(t, 100.0)].into(), requests: BTreeMap::new() })]),
        }));
        let g = &s.usage_groups()[0];
        // UTC+2: it is 01:00 the next day, a day the UTC week does not reach past its end
        let h = g.heatmap(7200);
        let (day, cells) = h.days.last().unwrap();
        assert_eq!(*day, END - 7200);
        assert_eq!(cells[1], Some(100.0));
        assert_eq!(h.days.len(), 8);
    }
}
