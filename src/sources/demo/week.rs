//! The demo account's last 7 days of quota use, for the quota view: the same six models at their
//! usual day/night swing (quieter at weekends), and a nightly batch job that calls sonnet through
//! an application inference profile (`nightly-batch`, tagged `team=data use-case=batch`) from
//! 02:00 to 03:30 UTC on weekdays and drives its cross-region quota to 85–99 %. The profile is
//! copied from the cross-region profile, so it counts against the same quota as the `us.` id:
//! the quota view adds them up and shows each one's share. Pure in (seed, now).

use std::collections::BTreeMap;

use super::DEMO_REGION;
use super::generate::{MODELS, Role, diurnal, wobble};
use super::rng::Rng;
use crate::store::prices::{InferenceProfile, InferenceProfilesUpdate};
use crate::store::quota_usage::{IdWeek, QuotaUsageUpdate, RegionWeek, WEEK_PERIOD, WEEK_SECS};

/// The batch job's application inference profile.
pub const BATCH_PROFILE_ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/nb7k2q9x4m1p";

/// The nightly batch job's hours (UTC): 02:00 to 03:30.
const BATCH: std::ops::Range<i64> = 2 * 3600..3 * 3600 + 1800;

/// The week ending at `now`, as the quota-use source would read it.
pub fn week(seed: u64, now: i64) -> QuotaUsageUpdate {
    let end = crate::domain::window::align_up(now, WEEK_PERIOD);
    let start = end - WEEK_SECS;
    let mut ids: BTreeMap<String, IdWeek> = BTreeMap::new();
    let mut t = start;
    while t < end {
        // the period in progress has only run so far
        let minutes = ((now - t).clamp(0, WEEK_PERIOD) as f64 / 60.0).min(5.0);
        if minutes > 0.0 {
            period(seed, t, minutes, &mut ids);
        }
        t += WEEK_PERIOD;
    }
    QuotaUsageUpdate {
        region: DEMO_REGION.into(),
        week: RegionWeek { start, end, period: WEEK_PERIOD, fetched_at: now, partial: false, ids },
    }
}

fn period(seed: u64, t: i64, minutes: f64, ids: &mut BTreeMap<String, IdWeek>) {
    let mut rng = Rng::for_minute(seed ^ 0x0077_ee4b, t.div_euclid(60));
    let weekday = (t.div_euclid(86_400) + 4).rem_euclid(7); // 0 = Sunday (1970-01-01 was a Thursday)
    let weekend = weekday == 0 || weekday == 6;
    for (i, p) in MODELS.iter().enumerate() {
        let mut level = diurnal(t) * wobble(seed, i, t) * if weekend { 0.6 } else { 1.0 };
        if p.role == Role::Opus {
            // idle most of the time, like the live story before its loop
            level *= 0.3;
        }
        let per_request = p.input + p.cache.map_or(0.0, |(_, w)| w) + p.output * p.burndown;
        let rpm = p.rate * level * rng.jitter(0.08);
        let w = ids.entry(p.id.to_string()).or_default();
        w.tokens.insert(t, (rpm * per_request * minutes).round());
        w.requests.insert(t, (rpm * minutes).round());
        let in_batch = BATCH.contains(&t.rem_euclid(86_400));
        if p.role == Role::Sonnet && in_batch && !weekend {
            // long-context requests: few, big, close to the quota the `us.` traffic shares
            let target = p.tpm_quota * (0.85 + 0.14 * rng.uniform()) - rpm * per_request;
            let b = ids.entry(BATCH_PROFILE_ARN.to_string()).or_default();
            b.tokens.insert(t, (target.max(0.0) * minutes).round());
            b.requests.insert(t, (6.0 * rng.jitter(0.2) * minutes).round());
        }
    }
}

/// The batch job's profile, as ListInferenceProfiles and ListTagsForResource would give it.
pub fn profiles() -> InferenceProfilesUpdate {
    let model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    InferenceProfilesUpdate {
        region: DEMO_REGION.into(),
        profiles: vec![InferenceProfile {
            arn: BATCH_PROFILE_ARN.into(),
            id: "nb7k2q9x4m1p".into(),
            name: "nightly-batch".into(),
            kind: "APPLICATION".into(),
            models: ["us-east-1", "us-east-2", "us-west-2"]
                .iter()
                .map(|r| format!("arn:aws:bedrock:{r}::foundation-model/{model}"))
                .collect(),
            model_id: Some(model.into()),
            tags: [("team", "data"), ("use-case", "batch")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::quotas::QuotaScope;
    use crate::store::{Store, Update};

    /// 2026-11-25 03:00 UTC (a Wednesday), as in the UI snapshots.
    const NOW: i64 = 1_795_575_600;

    #[test]
    fn the_batch_job_shows_as_a_hot_band_on_weekday_nights_on_sonnets_cross_region_quota() {
        let mut s = Store::default();
        for (id, q) in super::super::quotas() {
            s.quotas.insert(id, q);
        }
        s.apply(Update::InferenceProfiles(profiles()));
        s.apply(Update::QuotaUsage(week(7, NOW)));
        assert_eq!(week(7, NOW), week(7, NOW), "deterministic");
        let groups = s.usage_groups();
        assert_eq!(groups.len(), 6, "the profile joins sonnet's cross-region group");
        let sonnet = &groups[0];
        assert_eq!(
            (sonnet.model_id.as_str(), sonnet.scope),
            ("anthropic.claude-sonnet-4-5-20250929-v1:0", QuotaScope::CrossRegion)
        );
        let peak = sonnet.tpm_pct(sonnet.tpm.peak).unwrap();
        let p90 = sonnet.tpm_pct(sonnet.tpm.p90).unwrap();
        assert!((85.0..100.0).contains(&peak), "{peak}");
        assert!(p90 < 40.0, "most of the week is far from the quota: {p90}");
        let names: Vec<Option<&str>> = sonnet.members.iter().map(|m| m.profile_name.as_deref()).collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&Some("nightly-batch")));
        // 02:00 and 03:00 hot on weekdays, quiet at weekends
        let h = sonnet.heatmap(0);
        assert_eq!(h.days.len(), 8);
        // (the first day starts at 03:00, seven days ago; the last ends now, at 03:00)
        assert!(h.days[0].1[..3].iter().all(Option::is_none));
        assert!(h.days[7].1[2].unwrap() > 80.0 && h.days[7].1[3].is_none());
        for (day, cells) in &h.days[1..7] {
            let weekday = (day.div_euclid(86_400) + 4).rem_euclid(7);
            let hot = cells[2].unwrap_or(0.0) > 80.0 && cells[3].unwrap_or(0.0) > 80.0;
            assert_eq!(hot, weekday != 0 && weekday != 6, "{day} {cells:?}");
            assert!(cells[12].unwrap() < 40.0);
        }
    }
}
