//! Time windows: the `--since` values and minute alignment.

use std::fmt;
use std::str::FromStr;

/// A look-back window such as `15m`, `1h` or `7d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Since {
    secs: i64,
}

/// The windows offered in the CLI and the range picker.
pub const PRESETS: &[&str] = &["15m", "1h", "3h", "12h", "24h", "7d"];

impl Since {
    pub const fn from_secs(secs: i64) -> Self {
        Self { secs }
    }
    pub const fn secs(self) -> i64 {
        self.secs
    }
    /// The window ending at `end` (epoch seconds), start aligned down to the minute.
    pub fn window_ending(self, end: i64) -> Window {
        let end = align_up(end, 60);
        Window { start: end - self.secs, end }
    }
}

impl Default for Since {
    fn default() -> Self {
        Self { secs: 3600 }
    }
}

impl FromStr for Since {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || format!("invalid window '{s}': use a number and a unit, e.g. 15m, 1h, 3h, 12h, 24h, 7d");
        // the unit is the last character, which need not be one byte
        let (num, unit) = s.split_at(s.char_indices().last().map_or(0, |(i, _)| i));
        let n: i64 = num.parse().map_err(|_| bad())?;
        let mult = match unit {
            "m" => 60,
            "h" => 3600,
            "d" => 86400,
            _ => return Err(bad()),
        };
        let secs = n.saturating_mul(mult);
        if n <= 0 || secs < 300 {
            return Err(format!("window '{s}' is too short: the smallest is 5m"));
        }
        if secs > 14 * 86400 {
            return Err(format!("window '{s}' is too long: the longest is 14d (1-minute data)"));
        }
        Ok(Self { secs })
    }
}

impl fmt::Display for Since {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.secs;
        if s % 86400 == 0 && s >= 2 * 86400 {
            write!(f, "{}d", s / 86400)
        } else if s % 3600 == 0 {
            write!(f, "{}h", s / 3600)
        } else {
            write!(f, "{}m", s / 60)
        }
    }
}

/// A closed-open time range in epoch seconds, aligned to minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    pub fn secs(&self) -> i64 {
        self.end - self.start
    }
    pub fn minutes(&self) -> i64 {
        self.secs() / 60
    }
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && t < self.end
    }
}

/// Days, in seconds.
const DAY: i64 = 86_400;

/// The shortest period CloudWatch will answer for data whose StartTime is `age` seconds ago,
/// or `None` when it keeps nothing that old.
///
/// From the GetMetricData reference, `MetricStat.Period`
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html>): "If
/// the StartTime parameter specifies a time stamp that is greater than 3 hours ago, you must
/// specify the period as follows or no data points in that time range is returned: start time
/// between 3 hours and 15 days ago - use a multiple of 60 seconds; between 15 and 63 days ago - a
/// multiple of 300 seconds; greater than 63 days ago - a multiple of 3600 seconds." Data points
/// of one hour are kept for 455 days (15 months), nothing longer (GetMetricData, "Amazon
/// CloudWatch retains metric data as follows"). nightjar reads standard-resolution data only, so
/// the floor is 60 s even within the last 3 hours.
///
/// `age` should already include [`AGE_SLACK`]: the request reaches CloudWatch a little later
/// than it was built, and a start on the edge of a tier must not fall into the next one.
pub fn min_period_for_age(age: i64) -> Option<i64> {
    if age > 455 * DAY {
        None
    } else if age > 63 * DAY {
        Some(3600)
    } else if age > 15 * DAY {
        Some(300)
    } else {
        Some(60)
    }
}

/// Added to a start's age before [`min_period_for_age`]: ten minutes of clock skew and latency.
pub const AGE_SLACK: i64 = 600;

/// Why the points are as coarse as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coarseness {
    /// One point a minute.
    #[default]
    Minute,
    /// Five-minute points because the window is longer than a day (a pane cannot show more).
    LongWindow,
    /// CloudWatch keeps only coarser points for data this old.
    OldData,
    /// CloudWatch keeps nothing this old (over 455 days).
    Expired,
}

/// The periods a poll of one window uses, chosen from the window's length and its start's age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Resolution {
    /// Seconds between points of the per-period series.
    pub period: i64,
    /// The period of the whole-window figures (percentiles, averages): the window's length,
    /// rounded up to a period CloudWatch answers for data this old.
    pub window_period: i64,
    /// How old the window's start was when it was read (seconds).
    pub start_age: i64,
    pub why: Coarseness,
}

impl Resolution {
    /// The periods for `window` read at `now`. Per-period points: one a minute up to a day's
    /// window, five minutes beyond; either way a multiple of what the start's age allows. The
    /// whole-window period is the [aligned](Self::align) window's length, rounded up to that
    /// multiple.
    pub fn for_window(window: &Window, now: i64) -> Self {
        let start_age = (now - window.start).max(0);
        let by_length = if window.secs() <= DAY { 60 } else { 300 };
        let (period, why) = match min_period_for_age(start_age + AGE_SLACK) {
            None => (3600, Coarseness::Expired),
            Some(floor) if floor > 60 => (align_up(by_length, floor), Coarseness::OldData),
            Some(_) if by_length > 60 => (by_length, Coarseness::LongWindow),
            Some(_) => (60, Coarseness::Minute),
        };
        let mut r = Self { period, window_period: 0, start_age, why };
        r.window_period = align_up(r.align(*window).secs().max(60), r.window_floor());
        r
    }

    /// The window this resolution reads. For old data its start and end go to whole periods, as
    /// CloudWatch rounds an old StartTime down to the 5-minute or hour clock (GetMetricData,
    /// `StartTime`): every point it returns then falls inside the window, and the whole-window
    /// figure covers exactly the window.
    pub fn align(&self, window: Window) -> Window {
        let floor = self.window_floor();
        Window { start: align_down(window.start, floor), end: align_up(window.end, floor) }
    }

    /// The multiple the age rule asks for (and the window's edges are rounded to).
    fn window_floor(&self) -> i64 {
        match self.why {
            Coarseness::OldData | Coarseness::Expired => self.period,
            Coarseness::Minute | Coarseness::LongWindow => 60,
        }
    }

    /// The start's age in whole days, rounded.
    pub fn age_days(&self) -> i64 {
        (self.start_age + DAY / 2) / DAY
    }

    /// Coarser than a minute (said on screen and in `--once`).
    pub fn is_coarse(&self) -> bool {
        self.why != Coarseness::Minute
    }

    /// Points coarser than a minute, said on screen and in `--once`: `5-min points (data 20 d
    /// old)`. `None` for per-minute data.
    pub fn note(&self) -> Option<String> {
        let points = match self.period {
            p if p % 3600 == 0 => format!("{}-h points", p / 3600),
            p => format!("{}-min points", p / 60),
        };
        match self.why {
            Coarseness::Minute => None,
            Coarseness::LongWindow => Some(format!("{points} (window over a day)")),
            Coarseness::OldData => Some(format!("{points} (data {} d old)", self.age_days())),
            Coarseness::Expired => {
                Some(format!("no metric data: CloudWatch keeps 455 days (data {} d old)", self.age_days()))
            }
        }
    }
}

pub fn align_down(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step
}

pub fn align_up(t: i64, step: i64) -> i64 {
    let d = align_down(t, step);
    if d == t { t } else { d + step }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_presets_and_round_trips() {
        for p in PRESETS {
            let s: Since = p.parse().unwrap();
            assert_eq!(&s.to_string(), p);
        }
        assert_eq!("90m".parse::<Since>().unwrap().secs(), 5400);
    }

    #[test]
    fn rejects_bad_windows() {
        assert!("1x".parse::<Since>().unwrap_err().contains("invalid window"));
        assert!("1m".parse::<Since>().unwrap_err().contains("too short"));
        assert!("30d".parse::<Since>().unwrap_err().contains("too long"));
        assert!("h".parse::<Since>().is_err());
    }

    /// Found by fuzzing (fuzz/fuzz_targets/config_file.rs): a multi-byte last character was
    /// split inside, and a huge count overflowed.
    #[test]
    fn odd_windows_are_errors_not_panics() {
        assert!("1é".parse::<Since>().unwrap_err().contains("invalid window"));
        assert!("é".parse::<Since>().unwrap_err().contains("invalid window"));
        assert!("(Ԏ".parse::<Since>().unwrap_err().contains("invalid window"));
        assert!("".parse::<Since>().unwrap_err().contains("invalid window"));
        assert!("999999999999999999d".parse::<Since>().unwrap_err().contains("too long"));
        assert!("-999999999999999999d".parse::<Since>().unwrap_err().contains("too short"));
    }

    #[test]
    fn window_is_minute_aligned() {
        let w = Since::from_secs(3600).window_ending(1_000_000_030);
        assert_eq!(w.end % 60, 0);
        assert_eq!(w.secs(), 3600);
        assert!(w.end >= 1_000_000_030);
    }

    const NOW: i64 = 1_800_000_000 / 3600 * 3600;

    fn res(start_ago: i64, len: i64) -> (Resolution, Window) {
        let w = Window { start: NOW - start_ago, end: NOW - start_ago + len };
        let r = Resolution::for_window(&w, NOW);
        (r, r.align(w))
    }

    /// The GetMetricData period rule: every period asked for is a multiple of what the start's
    /// age allows (else CloudWatch returns no datapoints at all).
    #[test]
    fn periods_follow_the_age_rule_for_old_data() {
        assert_eq!(min_period_for_age(3 * 3600), Some(60));
        assert_eq!(min_period_for_age(15 * DAY), Some(60));
        assert_eq!(min_period_for_age(15 * DAY + 1), Some(300));
        assert_eq!(min_period_for_age(63 * DAY + 1), Some(3600));
        assert_eq!(min_period_for_age(455 * DAY + 1), None);
        // the live hour: minutes, the whole window in one period
        let (r, w) = res(3600, 3600);
        assert_eq!((r.period, r.window_period, r.why), (60, 3600, Coarseness::Minute));
        assert_eq!(w, Window { start: NOW - 3600, end: NOW });
        assert_eq!(r.note(), None);
        // a week: 5-minute points because of the length, not the age
        let (r, _) = res(7 * DAY, 7 * DAY);
        assert_eq!((r.period, r.window_period, r.why), (300, 7 * DAY, Coarseness::LongWindow));
        assert_eq!(r.note().as_deref(), Some("5-min points (window over a day)"));
        // an hour 20 days back, starting at :02: 5-minute points, the window on the 5-minute clock
        let (r, w) = res(20 * DAY - 120, 3600);
        assert_eq!((r.period, r.why), (300, Coarseness::OldData));
        assert_eq!(w, Window { start: NOW - 20 * DAY, end: NOW - 20 * DAY + 3900 });
        assert_eq!(r.window_period, 3900);
        assert_eq!(r.window_period % 300, 0);
        assert_eq!(r.note().as_deref(), Some("5-min points (data 20 d old)"));
        // 90 minutes 70 days back: hourly points, the window figure over two whole hours
        let (r, w) = res(70 * DAY + 1800, 5400);
        assert_eq!((r.period, r.window_period), (3600, 7200));
        assert_eq!(w, Window { start: NOW - 70 * DAY - 3600, end: NOW - 70 * DAY + 3600 });
        assert_eq!(r.note().as_deref(), Some("1-h points (data 70 d old)"));
        // the edge of a tier is judged with slack: a start just inside 15 days already gets 300
        let (r, _) = res(15 * DAY - 60, 3600);
        assert_eq!(r.period, 300);
        // nothing is kept after 455 days
        let (r, _) = res(500 * DAY, 3600);
        assert_eq!(r.why, Coarseness::Expired);
        assert!(r.note().unwrap().contains("455 days"), "{:?}", r.note());
        for (ago, len) in [(16 * DAY, 3 * DAY), (64 * DAY, 14 * DAY), (2 * DAY, 600), (40 * DAY, 900)] {
            let (r, w) = res(ago, len);
            let floor = min_period_for_age(r.start_age + AGE_SLACK).unwrap();
            assert_eq!(r.period % floor, 0, "{ago} {len}");
            assert_eq!(r.window_period % floor, 0, "{ago} {len}");
            assert!(r.window_period >= w.secs(), "{ago} {len}");
            assert_eq!(w.start % floor, 0);
        }
    }
}
