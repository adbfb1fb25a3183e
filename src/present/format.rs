//! Number, time and sparkline formatting shared by panes and the text report; times and
//! sparklines as a [`Fmt`] says.

use unicode_width::UnicodeWidthStr;

pub const NONE: &str = "—";

pub fn count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 10e3 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

pub fn ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}s", v / 1000.0)
    } else if v >= 1000.0 {
        format!("{:.1}s", v / 1000.0)
    } else {
        format!("{v:.0}ms")
    }
}

pub fn pct(v: f64) -> String {
    if v == 0.0 {
        "0%".into()
    } else if v < 10.0 {
        format!("{v:.1}%")
    } else {
        format!("{v:.0}%")
    }
}

pub fn usd(v: f64) -> String {
    if v >= 1_000.0 {
        let whole = format!("{v:.0}");
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        format!("${out}")
    } else if v >= 100.0 {
        format!("${v:.0}")
    } else if v >= 0.01 || v == 0.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

/// "12s", "3m", "2h", "4d".
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    if s < 90 {
        format!("{s}s")
    } else if s < 90 * 60 {
        format!("{}m", s / 60)
    } else if s < 48 * 3600 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    }
}

pub fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| NONE.to_string())
}

pub fn rfc3339(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// The same eight levels in plain ASCII, for --ascii and the tty theme.
const ASCII_LEVELS: [char; 8] = ['_', '.', ':', '-', '=', '+', '*', '#'];

/// How times and sparklines are written: in local time or UTC (`u`, `:utc`), with block glyphs
/// or ASCII levels (`--ascii`, the tty theme). A value, not a global switch: the UI keeps it in
/// its view state and hands it to what it draws; `--once` and the reports write [`Fmt::UTC`].
/// What does not depend on it (counts, durations, money, `rfc3339`) stays a free function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fmt {
    /// Times in local time (else UTC).
    pub local: bool,
    /// Sparklines in ASCII (else block glyphs).
    pub ascii: bool,
}

impl Fmt {
    /// UTC and block sparklines: the default, and what `--once` and the reports write.
    pub const UTC: Fmt = Fmt { local: false, ascii: false };

    pub fn hhmm(self, epoch: i64) -> String {
        let Some(t) = chrono::DateTime::from_timestamp(epoch, 0) else { return String::new() };
        if self.local {
            t.with_timezone(&chrono::Local).format("%H:%M").to_string()
        } else {
            t.format("%H:%M").to_string()
        }
    }

    fn levels(self) -> &'static [char; 8] {
        if self.ascii { &ASCII_LEVELS } else { &BLOCKS }
    }

    /// A text sparkline `width` cells wide: values are bucketed (max per bucket), scaled from 0
    /// to the maximum; missing buckets are blank.
    pub fn spark(self, values: &[Option<f64>], width: usize) -> String {
        self.spark_floor(values, width, 0.0)
    }

    /// [`Fmt::spark`] scaled to at least `floor`, so small noise is not drawn as full-height bars.
    pub fn spark_floor(self, values: &[Option<f64>], width: usize, floor: f64) -> String {
        if width == 0 {
            return String::new();
        }
        let levels = self.levels();
        let buckets = resample(values, width);
        let max = buckets.iter().flatten().copied().fold(floor, f64::max);
        buckets
            .iter()
            .map(|b| match b {
                None => ' ',
                Some(v) if max <= 0.0 || *v <= 0.0 => levels[0],
                Some(v) => levels[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize],
            })
            .collect()
    }

    /// A sparkline scaled between the values' own minimum and maximum (at least `min_span`
    /// apart), for scores that live in a narrow band (0.7–0.9), where a zero-based scale shows
    /// nothing.
    pub fn spark_minmax(self, values: &[Option<f64>], width: usize, min_span: f64) -> String {
        let levels = self.levels();
        let buckets = resample(values, width);
        let lo = buckets.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let hi = buckets.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return " ".repeat(width);
        }
        let span = (hi - lo).max(min_span);
        buckets
            .iter()
            .map(|b| match b {
                None => ' ',
                Some(v) => levels[(((v - lo) / span) * 7.0).round().clamp(0.0, 7.0) as usize],
            })
            .collect()
    }
}

/// Bucket `values` into `width` slots, max per slot; with fewer values than slots, the values
/// are right-aligned (newest at the right edge).
pub fn resample(values: &[Option<f64>], width: usize) -> Vec<Option<f64>> {
    if values.len() <= width {
        let mut out = vec![None; width - values.len()];
        out.extend_from_slice(values);
        return out;
    }
    (0..width)
        .map(|i| {
            let a = i * values.len() / width;
            let b = ((i + 1) * values.len() / width).max(a + 1);
            values[a..b].iter().flatten().copied().reduce(f64::max)
        })
        .collect()
}

/// Truncate to `n` display cells with an ellipsis.
/// A region label (`us-east-1`, or `profile/region` with several profiles) in `width` columns:
/// whole when it fits, else the region in AWS's short form (`ap-southeast-4` → `apse4`, as in
/// many resource names), then the profile clipped.
pub fn region_label(label: &str, width: usize) -> String {
    if UnicodeWidthStr::width(label) <= width {
        return label.to_string();
    }
    // northeast → ne, southeast → se, central → c, east → e, west → w, south → s, north → n
    let short = |r: &str| -> String {
        match r.split('-').collect::<Vec<_>>().as_slice() {
            [area, dir, n] if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
                let mut d = String::new();
                for (prefix, code) in [("north", 'n'), ("south", 's')] {
                    if dir.starts_with(prefix) {
                        d.push(code);
                    }
                }
                if dir.ends_with("east") {
                    d.push('e');
                } else if dir.ends_with("west") {
                    d.push('w');
                } else if *dir == "central" {
                    d.push('c');
                } else if d.is_empty() {
                    d.extend(dir.chars().take(2));
                }
                format!("{area}{d}{n}")
            }
            _ => r.to_string(),
        }
    };
    let fitted = match label.rsplit_once('/') {
        Some((profile, region)) => {
            let r = short(region);
            let room = width.saturating_sub(UnicodeWidthStr::width(r.as_str()) + 1);
            if UnicodeWidthStr::width(profile) <= room {
                format!("{profile}/{r}")
            } else {
                format!("{}/{r}", clip(profile, room))
            }
        }
        None => short(label),
    };
    clip(&fitted, width)
}

/// `s` in at most `n` terminal columns (a wide character takes two): whole when it fits, else
/// cut with an ellipsis.
pub fn clip(s: &str, n: usize) -> String {
    if UnicodeWidthStr::width(s) <= n {
        return s.to_string();
    }
    if n == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > n - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_labels_fit_their_column() {
        assert_eq!(region_label("us-east-1", 14), "us-east-1");
        assert_eq!(region_label("ap-southeast-4", 14), "ap-southeast-4");
        assert_eq!(region_label("ap-southeast-4", 10), "apse4");
        assert_eq!(region_label("alpha/ap-southeast-4", 14), "alpha/apse4");
        assert_eq!(region_label("beta/eu-south-2", 14), "beta/eus2");
        assert_eq!(region_label("prod/eu-central-1", 14), "prod/euc1");
        assert_eq!(region_label("staging/ap-northeast-1", 14), "staging/apne1");
        // a long profile is clipped, the region stays whole
        assert_eq!(region_label("production-eu/us-west-2", 14), "producti…/usw2");
        assert_eq!(region_label("il-central-1", 6), "ilc1");
    }

    #[test]
    fn numbers() {
        assert_eq!(count(512.0), "512");
        assert_eq!(count(1234.0), "1.2k");
        assert_eq!(count(56_789.0), "57k");
        assert_eq!(count(3_400_000.0), "3.4M");
        assert_eq!(count(2.5), "2.5");
        assert_eq!(ms(850.0), "850ms");
        assert_eq!(ms(2345.0), "2.3s");
        assert_eq!(ms(12_345.0), "12s");
        assert_eq!(pct(0.42), "0.4%");
        assert_eq!(pct(41.2), "41%");
        assert_eq!(usd(0.423), "$0.42");
        assert_eq!(usd(1234.6), "$1,235");
        assert_eq!(usd(12_345.0), "$12,345");
        assert_eq!(usd(0.0012), "$0.0012");
        assert_eq!(age(12), "12s");
        assert_eq!(age(600), "10m");
        assert_eq!(opt(None, ms), "—");
    }

    #[test]
    fn sparkline_scales_and_keeps_gaps() {
        let v = vec![Some(0.0), Some(7.0), None, Some(3.5)];
        let f = Fmt::UTC;
        assert_eq!(f.spark(&v, 4), "▁█ ▅");
        assert_eq!(f.spark(&v, 6), "  ▁█ ▅");
        assert_eq!(f.spark_floor(&v, 4, 70.0), "▁▂ ▁");
        let many: Vec<Option<f64>> = (0..60).map(|i| Some(i as f64)).collect();
        let s = f.spark(&many, 10);
        assert_eq!(s.chars().count(), 10);
        assert!(s.ends_with('█'));
    }

    #[test]
    fn minmax_sparkline_shows_a_slide() {
        let v: Vec<Option<f64>> = [0.90, 0.88, 0.80, 0.72].iter().map(|x| Some(*x)).collect();
        assert_eq!(Fmt::UTC.spark_minmax(&v, 4, 0.1), "█▇▄▁");
        assert_eq!(Fmt::UTC.spark_minmax(&[None, None], 2, 0.1), "  ");
    }

    #[test]
    fn ascii_is_the_value_s_choice_not_the_process_s() {
        // two choices side by side: nothing global is switched
        let v = vec![Some(0.0), Some(7.0), None, Some(3.5)];
        let ascii = Fmt { ascii: true, ..Fmt::UTC };
        assert_eq!(ascii.spark(&v, 4), "_# =");
        assert_eq!(Fmt::UTC.spark(&v, 4), "▁█ ▅");
        assert_eq!(ascii.spark_minmax(&[Some(0.9), Some(0.72)], 2, 0.1), "#_");
        assert_eq!(Fmt::default(), Fmt::UTC);
    }

    #[test]
    fn times() {
        assert_eq!(Fmt::UTC.hhmm(3 * 3600 + 12 * 60), "03:12");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(clip("abcdef", 4), "abc…");
    }

    #[test]
    fn clipping_counts_terminal_columns() {
        // two columns per CJK character: 4 columns hold one and the ellipsis (and a space)
        assert_eq!(clip("模型名称", 4), "模…");
        assert_eq!(clip("模型名称", 8), "模型名称");
        assert_eq!(clip("模型名称", 7), "模型名…");
        assert_eq!(unicode_width::UnicodeWidthStr::width(clip("a模型名称", 6).as_str()), 6);
        assert_eq!(region_label("模型/us-east-1", 9), "模型/use1");
        assert_eq!(region_label("模型/us-east-1", 8), "模…/use1");
    }
}
