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
}
