//! The scripted story, as functions of "minutes into the story" (the phase).
//!
//! Phase 0 is the console's launch. The story's lead-in starts 20 minutes before it (haiku's tail
//! begins to creep), and it repeats every hour after launch: the minute at launch + 60 min is
//! phase 0 again. Before the first lead-in everything is baseline, so the hour pre-filled before
//! launch shows a calm system turning bad. The phase is a property of the minute itself, never of
//! `now`, so a minute once generated never changes.

/// Seconds the story's lead-in starts before launch.
pub(super) const LEAD_SECS: i64 = 20 * 60;
/// The story repeats with this period after launch.
pub(super) const CYCLE_SECS: i64 = 3600;

/// Minutes into the current story (in [-20, 40)), or `None` before the first lead-in.
pub(super) fn phase(minute_start: i64, launch: i64) -> Option<f64> {
    let rel = minute_start - launch;
    (rel >= -LEAD_SECS).then(|| ((rel + LEAD_SECS).rem_euclid(CYCLE_SECS) - LEAD_SECS) as f64 / 60.0)
}

/// How bad each incident is in one minute; all zero (or `None`) at baseline.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Story {
    /// 0..1: how far haiku's latency tail has grown (p99 ~2.5 s → ~9 s at 1).
    pub haiku_tail: f64,
    /// Share of sonnet's attempts throttled during the storm (0.3..0.6), `None` outside it.
    pub sonnet_storm: Option<f64>,
    /// 0..1: intensity of the runaway agent loop on opus.
    pub runaway: f64,
    /// Minutes since the runaway loop started (its context keeps growing).
    pub runaway_age: f64,
    /// 0..1: how far answer quality has slid (faithfulness 0.90 → 0.65 at 1).
    pub quality: f64,
}

/// Piecewise-linear curve through `pts` (sorted by x), flat beyond the ends.
fn curve(x: f64, pts: &[(f64, f64)]) -> f64 {
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    if x <= first.0 {
        return first.1;
    }
    if x >= last.0 {
        return last.1;
    }
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if x <= x1 {
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    last.1
}

impl Story {
    pub(super) fn at(phase: Option<f64>) -> Self {
        let Some(p) = phase else { return Self::default() };
        // Haiku: the tail grows steadily from -20 to +3, holds, and heals by +35.
        let haiku_tail = curve(p, &[(-20.0, 0.0), (3.0, 1.0), (12.0, 1.0), (35.0, 0.0)]);
        // Sonnet: a throttling storm from +1 to +8 peaking mid-way near 60 %.
        let sonnet_storm =
            (1.0..8.0).contains(&p).then(|| 0.32 + 0.28 * (std::f64::consts::PI * (p - 1.0) / 7.0).sin());
        // Opus: a runaway agent loop from +2 to +10 (ramping in and out over a minute).
        let runaway =
            if (2.0..10.0).contains(&p) { curve(p, &[(2.0, 0.55), (3.0, 1.0), (9.0, 1.0), (10.0, 0.6)]) } else { 0.0 };
        let runaway_age = if runaway > 0.0 { p - 2.0 } else { 0.0 };
        // Quality: slides from -10, crosses the 0.75 warning at -2, bottoms out at +4, holds to
        // +15 and recovers slowly by +35.
        let quality = curve(p, &[(-10.0, 0.0), (-2.0, 0.6), (4.0, 1.0), (15.0, 1.0), (35.0, 0.0)]);
        Self { haiku_tail, sonnet_storm, runaway, runaway_age, quality }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_starts_with_the_lead_in_and_repeats_hourly() {
        let launch = 1_000_020; // deliberately not minute-aligned
        assert_eq!(phase(launch - 21 * 60, launch), None);
        assert_eq!(phase(launch - 20 * 60, launch), Some(-20.0));
        assert_eq!(phase(launch, launch), Some(0.0));
        assert_eq!(phase(launch + 39 * 60, launch), Some(39.0));
        assert_eq!(phase(launch + 40 * 60, launch), Some(-20.0));
        assert_eq!(phase(launch + 65 * 60, launch), Some(5.0));
        assert_eq!(phase(launch + 5 * 3600 + 90, launch), Some(1.5));
    }

    #[test]
    fn incidents_happen_when_scripted() {
        assert_eq!(Story::at(None), Story::default());
        assert_eq!(Story::at(Some(-30.0)), Story::default());
        let s = Story::at(Some(4.5));
        assert!((s.sonnet_storm.unwrap() - 0.6).abs() < 1e-9);
        assert_eq!(s.runaway, 1.0);
        assert_eq!(s.quality, 1.0);
        assert!(s.haiku_tail > 0.9);
        assert_eq!(Story::at(Some(8.0)).sonnet_storm, None);
        assert_eq!(Story::at(Some(10.0)).runaway, 0.0);
        assert!((Story::at(Some(-2.0)).quality - 0.6).abs() < 1e-12);
        // everything has healed before the next lead-in
        assert_eq!(Story::at(Some(39.0)), Story { ..Default::default() });
    }
}
