//! How panels read the store: its series indexed by figure ([`Role`]), each figure rolled up
//! from one dimension set and combined across regions, and the phrases several panels share
//! ("now against the window's start", errors in the last minutes).

use std::collections::BTreeMap;

use super::{Line, Points, RECENT_PERIODS};
use crate::domain::catalog::{BEDROCK_NAMESPACE, is_additive, is_platform_namespace};
use crate::domain::genai_metrics::{self as g, Role, Severity, error_pct_severity};
use crate::present::sentence::{Sentence, Unit};
use crate::store::{Series, SeriesKey, Store};

/// One figure's series combined across regions (and the members of its dimension set).
#[derive(Debug, Clone, Default)]
pub(super) struct Combined {
    pub(super) points: Points,
    pub(super) window: Option<f64>,
    pub(super) keys: Vec<SeriesKey>,
}

impl Combined {
    pub(super) fn line(&self, label: &str, stacked: bool) -> Line {
        Line {
            label: label.to_string(),
            key: self.keys.first().cloned(),
            points: self.points.clone(),
            window: self.window,
            stacked,
        }
    }
    pub(super) fn latest(&self) -> Option<(i64, f64)> {
        self.points.iter().next_back().map(|(t, v)| (*t, *v))
    }
    pub(super) fn first(&self) -> Option<(i64, f64)> {
        self.points.iter().next().map(|(t, v)| (*t, *v))
    }
}

/// A stretch of whole periods `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Span {
    pub(super) start: i64,
    pub(super) end: i64,
}

impl Span {
    pub(super) fn minutes(&self) -> f64 {
        (self.end - self.start) as f64 / 60.0
    }
    pub(super) fn sum(&self, p: &Points) -> f64 {
        // (an empty float sum is -0.0: add 0.0 so nothing prints as "-0")
        p.range(self.start..self.end).map(|(_, v)| v).sum::<f64>() + 0.0
    }
    /// Per-minute rate over the span.
    pub(super) fn rate(&self, p: &Points) -> f64 {
        self.sum(p) / self.minutes().max(1.0 / 60.0)
    }
}

/// The newest and the oldest few periods of the data, for "now" against "the window's start".
#[derive(Debug, Clone, Copy)]
pub(super) struct Spans {
    pub(super) recent: Span,
    pub(super) early: Span,
}

/// Start of the newest run of points satisfying `pred`, when the newest point does.
pub fn run_start(p: &Points, pred: impl Fn(f64) -> bool) -> Option<i64> {
    let mut start = None;
    for (t, v) in p.iter().rev() {
        if pred(*v) {
            start = Some(*t);
        } else {
            break;
        }
    }
    start
}

pub(super) fn pct(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole * 100.0)
}

pub(super) fn ratio(now: f64, then: f64) -> Option<f64> {
    (then > 0.0 && now.is_finite()).then(|| now / then)
}

/// The store's series indexed by figure.
pub(super) struct Index<'a> {
    pub(super) store: &'a Store,
    pub(super) roles: BTreeMap<Role, Vec<(&'a SeriesKey, &'a Series)>>,
    pub(super) other_custom: Vec<(&'a SeriesKey, &'a Series)>,
    pub(super) other_platform: Vec<(&'a SeriesKey, &'a Series)>,
}

impl<'a> Index<'a> {
    pub(super) fn new(store: &'a Store) -> Self {
        let mut ix = Self { store, roles: BTreeMap::new(), other_custom: Vec::new(), other_platform: Vec::new() };
        for (k, s) in store.series() {
            if k.namespace == BEDROCK_NAMESPACE {
                continue;
            }
            match g::role(&k.namespace, &k.metric) {
                Some(r) => ix.roles.entry(r).or_default().push((k, s)),
                None if is_platform_namespace(&k.namespace) => ix.other_platform.push((k, s)),
                None => ix.other_custom.push((k, s)),
            }
        }
        ix
    }

    pub(super) fn period(&self) -> i64 {
        self.store.period.max(60)
    }

    /// " in the last 5 min" (25 with five-minute periods).
    pub(super) fn recent_label(&self) -> String {
        format!(" in the last {} min", RECENT_PERIODS * self.period() / 60)
    }

    pub(super) fn points(&self, s: &Series) -> Points {
        s.range(self.store.window.start, self.store.window.end).collect()
    }

    /// The figure's series at `stat`, from the coarsest dimension set (carrying `split`, when
    /// given), keyed by the value of `split` ("" without one), combined across the rest: sums
    /// add up; averages and percentiles are averaged (only exact for one series).
    pub(super) fn rollup(&self, role: Role, stat: &str, split: Option<&str>) -> BTreeMap<String, Combined> {
        let mut out = BTreeMap::new();
        let Some(all) = self.roles.get(&role) else { return out };
        let mut groups: BTreeMap<Vec<&str>, Vec<(&SeriesKey, &Series)>> = BTreeMap::new();
        for (k, s) in all.iter().filter(|(k, _)| k.stat == stat) {
            let names: Vec<&str> = k.dims.iter().map(|(n, _)| n.as_str()).collect();
            groups.entry(names).or_default().push((*k, *s));
        }
        let Some((_, members)) = groups
            .into_iter()
            .filter(|(names, _)| split.is_none_or(|d| names.contains(&d)))
            .min_by_key(|(names, _)| names.len())
        else {
            return out;
        };
        let mut buckets: BTreeMap<String, Vec<(&SeriesKey, &Series)>> = BTreeMap::new();
        for (k, s) in members {
            let b = split.and_then(|d| k.dim(d)).unwrap_or("").to_string();
            buckets.entry(b).or_default().push((k, s));
        }
        for (b, members) in buckets {
            out.insert(b, self.combine(&members, is_additive(stat)));
        }
        out
    }

    pub(super) fn combine(&self, members: &[(&SeriesKey, &Series)], additive: bool) -> Combined {
        let mut c = Combined::default();
        if additive {
            for (k, s) in members {
                for (t, v) in self.points(s) {
                    *c.points.entry(t).or_insert(0.0) += v;
                }
                c.keys.push((*k).clone());
            }
            c.window = (!c.points.is_empty()).then(|| c.points.values().sum());
            return c;
        }
        let mut acc: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
        let mut windows = Vec::new();
        for (k, s) in members {
            for (t, v) in self.points(s) {
                let e = acc.entry(t).or_insert((0.0, 0.0));
                e.0 += v;
                e.1 += 1.0;
            }
            windows.extend(s.window_value);
            c.keys.push((*k).clone());
        }
        c.points = acc.into_iter().map(|(t, (s, n))| (t, s / n)).collect();
        c.window = (!windows.is_empty()).then(|| windows.iter().sum::<f64>() / windows.len() as f64);
        c
    }

    pub(super) fn line(&self, role: Role, stat: &str) -> Option<Combined> {
        self.rollup(role, stat, None).remove("").filter(|c| !c.points.is_empty() || c.window.is_some())
    }

    /// A count figure: Sum, else SampleCount (both count datapoints published as 1).
    pub(super) fn count(&self, role: Role) -> Option<Combined> {
        self.line(role, "Sum").or_else(|| self.line(role, "SampleCount"))
    }

    pub(super) fn count_by(&self, role: Role, split: &str) -> BTreeMap<String, Combined> {
        let m = self.rollup(role, "Sum", Some(split));
        if m.is_empty() { self.rollup(role, "SampleCount", Some(split)) } else { m }
    }

    /// The last and first [`RECENT_PERIODS`] whole periods of `primary`'s data; the period
    /// still filling (the window's last) is left out of "recent".
    pub(super) fn spans(&self, primary: &Points) -> Option<Spans> {
        let p = self.period();
        let filling = self.store.window.end - p;
        let newest = primary.range(..filling).next_back().or(primary.iter().next_back()).map(|(t, _)| *t)?;
        let oldest = *primary.keys().next()?;
        Some(Spans {
            recent: Span { start: (newest - (RECENT_PERIODS - 1) * p).max(oldest), end: newest + p },
            early: Span { start: oldest, end: (oldest + RECENT_PERIODS * p).min(newest + p) },
        })
    }

    /// How the recent periods compare with the window's median whole period (≥ 10 periods).
    pub(super) fn spike(&self, p: &Points, spans: &Spans) -> Option<f64> {
        let filling = self.store.window.end - self.period();
        let mut vals: Vec<f64> = p.range(..filling).map(|(_, v)| *v).collect();
        if vals.len() < 2 * RECENT_PERIODS as usize {
            return None;
        }
        vals.sort_by(f64::total_cmp);
        let median = vals[vals.len() / 2];
        let periods = ((spans.recent.end - spans.recent.start) / self.period()).max(1) as f64;
        ratio(spans.recent.sum(p) / periods, median)
    }

    pub(super) fn score_line(&self, role: Role) -> Option<Combined> {
        self.line(role, "Average")
    }
}

impl Index<'_> {
    /// A cost-like sum: its window total, its rate now and how that compares with the window.
    /// `label` follows the total (" tokens").
    pub(super) fn burn_sentence(&self, label: &str, pts: &Points, unit: Unit) -> Option<Sentence> {
        let sp = self.spans(pts)?;
        let total: f64 = pts.values().sum();
        let now = sp.recent.rate(pts);
        let mut s = Sentence::new().v(total, unit).t(format!("{label} in the window · now ")).sev(Severity::Ok);
        s = match unit {
            Unit::Usd => s.v(now * 60.0, Unit::Usd).t("/h"),
            _ => s.v(now, unit).t("/min"),
        };
        if let Some(r) = self.spike(pts, &sp)
            && r >= 1.5
        {
            s = s.t(", ").v(r, Unit::Times).t(" the window's median").sev(if r >= 4.0 {
                Severity::Crit
            } else if r >= 2.0 {
                Severity::Warn
            } else {
                Severity::Ok
            });
        }
        Some(s)
    }

    /// "X/min now (was Y at HH:MM)" for a count, and how many times more that is.
    pub(super) fn rate_now_then(&self, s: Sentence, c: &Combined, noun: &str) -> (Sentence, Option<f64>) {
        let Some(sp) = self.spans(&c.points) else { return (s, None) };
        let (now, then) = (sp.recent.rate(&c.points), sp.early.rate(&c.points));
        let mut s = s.v(now, Unit::Count).t(format!(" {noun}/min now"));
        if sp.early.start < sp.recent.start {
            s = s.t(" (was ").v(then, Unit::Count).t(" at ").at(sp.early.start).t(")");
            return (s, ratio(now, then));
        }
        (s, None)
    }

    /// "latency 4.2 s (was 1.1 s)" for an average.
    pub(super) fn avg_now_then(s: Sentence, label: &str, c: &Combined) -> (Sentence, Option<f64>) {
        let Some((t1, now)) = c.latest() else { return (s, None) };
        let mut s = s.t(format!(" · {label} ")).v(now, Unit::Ms);
        if let Some((_, then)) = c.first().filter(|(t0, _)| *t0 < t1) {
            s = s.t(" (was ").v(then, Unit::Ms).t(")");
            return (s, ratio(now, then));
        }
        (s, None)
    }

    /// Errors and throttles in the last minutes, appended when there were any.
    pub(super) fn trouble(
        &self,
        s: Sentence,
        errors: &[&Combined],
        throttles: Option<&Combined>,
        basis: &Points,
    ) -> Sentence {
        let Some(sp) = self.spans(basis) else { return s };
        let e: f64 = errors.iter().map(|c| sp.recent.sum(&c.points)).sum();
        let t = throttles.map(|c| sp.recent.sum(&c.points)).unwrap_or(0.0);
        let calls = sp.recent.sum(basis);
        let mut s = s;
        if e > 0.0 {
            s = s.t(" · ").v(e, Unit::Count).t(if e == 1.0 { " error" } else { " errors" });
            if let Some(share) = pct(e, calls) {
                s = s.t(" (").v(share, Unit::Pct).t(")");
                s = s.sev(error_pct_severity(share));
            }
        }
        if t > 0.0 {
            s = s.t(" · ").v(t, Unit::Count).t(" throttled").sev(Severity::Warn);
        }
        if e > 0.0 || t > 0.0 {
            s = s.t(self.recent_label());
        }
        s
    }
}
