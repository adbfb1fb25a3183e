//! How the demo turns per-minute raw material into CloudWatch statistics: published values are
//! kept as (sum, count, max) so any statistic (Sum, SampleCount, Average, Maximum) can be taken
//! over a minute, a period or the whole window; latencies are kept as samples so percentiles over
//! a window come from all of the window's requests, never from per-minute figures.

use std::borrow::Cow;

/// The statistics the demo emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stat {
    Sum,
    SampleCount,
    Average,
    Maximum,
}

impl Stat {
    pub(super) fn parse(stat: &str) -> Self {
        match stat {
            "Sum" => Self::Sum,
            "SampleCount" => Self::SampleCount,
            "Maximum" => Self::Maximum,
            "Average" => Self::Average,
            other => panic!("the demo does not emit statistic {other}"),
        }
    }
}

/// What a metric's publishers sent in some span of time: the sum and number of the values, and
/// the largest. `count == 0` means nothing was published, so CloudWatch would have no datapoint.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Agg {
    pub sum: f64,
    pub count: f64,
    pub max: f64,
}

impl Agg {
    /// `n` events each published as the value 1 (errors, successes): Sum = SampleCount = n.
    pub(super) fn events(n: u64) -> Self {
        Self { sum: n as f64, count: n as f64, max: if n > 0 { 1.0 } else { 0.0 } }
    }

    /// `count` values published with the given total.
    pub(super) fn total(sum: f64, count: u64) -> Self {
        Self { sum, count: count as f64, max: if count > 0 { sum } else { 0.0 } }
    }

    /// `count` values whose mean is `mean` (scores, latencies).
    pub(super) fn mean(mean: f64, count: u64) -> Self {
        Self { sum: mean * count as f64, count: count as f64, max: mean }
    }

    pub(super) fn merge(&mut self, o: &Agg) {
        if o.count > 0.0 {
            self.max = if self.count > 0.0 { self.max.max(o.max) } else { o.max };
            self.sum += o.sum;
            self.count += o.count;
        }
    }

    /// The first `frac` of the minute: counts (and integral sums) rounded; a mean is kept.
    pub(super) fn partial(&self, frac: f64, stat: Stat, integral: bool) -> Self {
        if frac >= 1.0 {
            return *self;
        }
        let count = (self.count * frac).round();
        let sum = match stat {
            Stat::Average if self.count > 0.0 => self.sum * count / self.count,
            _ if integral => (self.sum * frac).round(),
            _ => self.sum * frac,
        };
        Self { sum, count, max: self.max }
    }

    /// The statistic's value, or `None` when nothing was published.
    pub(super) fn value(&self, stat: Stat) -> Option<f64> {
        (self.count > 0.0).then(|| match stat {
            Stat::Sum => self.sum,
            Stat::SampleCount => self.count,
            Stat::Average => self.sum / self.count,
            Stat::Maximum => self.max,
        })
    }
}

/// Latency samples of one minute standing for `requests` requests. The samples are sorted; the
/// i-th stands for `floor((i+1)·r/n) − floor(i·r/n)` requests, so the weights are whole numbers
/// that add up to exactly `requests` and nearest-rank percentiles need no floating point.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SampleSet<'a> {
    pub values: Cow<'a, [f32]>,
    pub requests: u64,
}

impl<'a> SampleSet<'a> {
    pub(super) fn new(values: &'a [f32], requests: u64) -> Self {
        debug_assert!(values.windows(2).all(|w| w[0] <= w[1]), "samples must be sorted");
        debug_assert!(values.is_empty() || requests >= values.len() as u64);
        Self { values: Cow::Borrowed(values), requests: if values.is_empty() { 0 } else { requests } }
    }

    /// The first `frac` of the minute: `round(requests·frac)` requests, represented by an evenly
    /// spread (stratified) subset of the sorted samples, which stays sorted.
    pub(super) fn partial(&self, frac: f64) -> SampleSet<'a> {
        if frac >= 1.0 {
            return self.clone();
        }
        let requests = (self.requests as f64 * frac).round() as u64;
        let n = self.values.len();
        let k = (requests as usize).min(n);
        let values: Vec<f32> = (0..k).map(|j| self.values[((2 * j + 1) * n) / (2 * k)]).collect();
        SampleSet { values: Cow::Owned(values), requests: if k == 0 { 0 } else { requests } }
    }

    /// Requests represented by the `k` smallest samples.
    fn weight_upto(&self, k: usize) -> u64 {
        let n = self.values.len() as u64;
        (k as u64 * self.requests).checked_div(n).unwrap_or(0)
    }

    /// Each sample with the whole number of requests it stands for.
    pub(super) fn weighted(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.values.iter().enumerate().map(|(i, v)| (f64::from(*v), self.weight_upto(i + 1) - self.weight_upto(i)))
    }
}

/// Request-weighted mean of all samples.
pub(super) fn mean(sets: &[SampleSet<'_>]) -> Option<f64> {
    let mut sum = 0.0;
    let mut weight = 0u64;
    for s in sets {
        for (v, w) in s.weighted() {
            sum += v * w as f64;
            weight += w;
        }
    }
    (weight > 0).then(|| sum / weight as f64)
}

/// Up to this many samples, percentiles are taken by sorting them all; beyond, by histogram.
const SORT_LIMIT: usize = 2048;
/// Histogram bins keep a float's exponent and top 7 mantissa bits (bins < 1 % wide).
const BIN_SHIFT: u32 = 16;

/// Nearest-rank percentiles over all requests the sets stand for: for each `pct`, the smallest
/// sample value `x` such that at least `ceil(pct·N/100)` of the N requests are ≤ `x`.
///
/// Few samples (a minute, a period) are simply sorted. Many (a window of hours or days) go
/// through a weighted histogram of the values' bit patterns (positive floats order like their
/// bits): one pass finds the bin holding the rank, and only that bin's samples are sorted. Both
/// are exact and agree with [`nearest_rank`], since the weights are whole numbers.
pub(super) fn percentiles(sets: &[SampleSet<'_>], pcts: &[u32]) -> Vec<Option<f64>> {
    let total: u64 = sets.iter().map(|s| s.requests).sum();
    let samples: usize = sets.iter().map(|s| s.values.len()).sum();
    if total == 0 {
        return vec![None; pcts.len()];
    }
    if samples <= SORT_LIMIT {
        let mut flat: Vec<(f64, u64)> = sets.iter().flat_map(SampleSet::weighted).collect();
        flat.sort_by(|a, b| a.0.total_cmp(&b.0));
        return pcts.iter().map(|p| nearest_rank(&flat, *p)).collect();
    }
    let bin = |v: &f32| v.to_bits() >> BIN_SHIFT;
    let lo = sets.iter().filter_map(|s| s.values.first()).map(bin).min().unwrap_or(0);
    let hi = sets.iter().filter_map(|s| s.values.last()).map(bin).max().unwrap_or(0);
    let mut hist = vec![0u64; (hi - lo + 1) as usize];
    for s in sets {
        for (i, v) in s.values.iter().enumerate() {
            hist[(bin(v) - lo) as usize] += s.weight_upto(i + 1) - s.weight_upto(i);
        }
    }
    pcts.iter()
        .map(|p| {
            let rank = (u64::from(*p) * total).div_ceil(100).max(1);
            let mut below = 0;
            let b = hist.iter().position(|h| {
                below += h;
                below >= rank
            })?;
            below -= hist[b];
            let b = lo + b as u32;
            let mut in_bin: Vec<(f64, u64)> = Vec::new();
            for s in sets {
                let from = s.values.partition_point(|v| bin(v) < b);
                let to = s.values.partition_point(|v| bin(v) <= b);
                in_bin.extend((from..to).map(|i| (f64::from(s.values[i]), s.weight_upto(i + 1) - s.weight_upto(i))));
            }
            in_bin.sort_by(|a, b| a.0.total_cmp(&b.0));
            in_bin
                .into_iter()
                .find(|(_, w)| {
                    below += w;
                    below >= rank
                })
                .map(|(v, _)| v)
        })
        .collect()
}

/// Nearest-rank percentile of weighted samples `(value, requests it stands for)`: sort, then the
/// first value at which the running count of requests reaches `ceil(pct·N/100)`. The reference
/// the window figures are checked against.
pub(crate) fn nearest_rank(samples: &[(f64, u64)], pct: u32) -> Option<f64> {
    let total: u64 = samples.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return None;
    }
    let sorted: Cow<'_, [(f64, u64)]> = if samples.is_sorted_by(|a, b| a.0 <= b.0) {
        Cow::Borrowed(samples)
    } else {
        let mut v = samples.to_vec();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        Cow::Owned(v)
    };
    let rank = (u64::from(pct) * total).div_ceil(100).max(1);
    let mut seen = 0;
    sorted
        .iter()
        .find(|(_, w)| {
            seen += w;
            seen >= rank
        })
        .map(|(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(sets: &[SampleSet<'_>]) -> Vec<(f64, u64)> {
        sets.iter().flat_map(|s| s.weighted().collect::<Vec<_>>()).collect()
    }

    #[test]
    fn weights_are_whole_and_add_up() {
        let v = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let s = SampleSet::new(&v, 100);
        let w: Vec<u64> = s.weighted().map(|(_, w)| w).collect();
        assert_eq!(w.iter().sum::<u64>(), 100);
        assert!(w.iter().all(|x| *x == 14 || *x == 15), "{w:?}");
    }

    #[test]
    fn nearest_rank_by_hand() {
        let s = [(10.0, 1), (20.0, 1), (30.0, 1), (40.0, 1)];
        assert_eq!(nearest_rank(&s, 50), Some(20.0));
        assert_eq!(nearest_rank(&s, 51), Some(30.0));
        assert_eq!(nearest_rank(&s, 99), Some(40.0));
        assert_eq!(nearest_rank(&[(5.0, 3), (1.0, 1)], 50), Some(5.0));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    const PCTS: [u32; 8] = [1, 10, 50, 90, 95, 99, 100, 0];

    #[test]
    fn few_samples_by_sorting() {
        let a = [100.0f32, 250.0, 251.0, 900.0, 3000.0];
        let b = [90.0f32, 250.0, 400.0];
        let c = [5000.0f32];
        let sets = [SampleSet::new(&a, 9), SampleSet::new(&b, 3), SampleSet::new(&c, 1), SampleSet::new(&[], 0)];
        let flat = expand(&sets);
        let expect: Vec<Option<f64>> = PCTS.iter().map(|p| nearest_rank(&flat, *p)).collect();
        assert_eq!(percentiles(&sets, &PCTS), expect);
        // by hand: 90·1 100·1 250·3 251·2 400·1 900·2 3000·2 5000·1 (13 requests); rank 7 is 251
        assert_eq!(percentiles(&sets, &[50, 99]), vec![Some(251.0), Some(5000.0)]);
        let m = mean(&sets).unwrap();
        let want = flat.iter().map(|(v, w)| v * *w as f64).sum::<f64>() / 13.0;
        assert!((m - want).abs() < 1e-9);
        assert_eq!(percentiles(&[], &[50]), vec![None]);
    }

    #[test]
    fn many_samples_by_histogram_agree_with_sorting() {
        // ~100 minutes of 60 samples, some with ties and values in the same histogram bin
        let mut r = super::super::rng::Rng::for_minute(5, 5);
        let minutes: Vec<(Vec<f32>, u64)> = (0..100)
            .map(|i| {
                let mut v: Vec<f32> = (0..60).map(|_| (r.lognormal(1000.0, 0.6) as f32).round().max(1.0)).collect();
                v.sort_by(f32::total_cmp);
                (v, 60 + (i % 7) * 13)
            })
            .collect();
        let sets: Vec<SampleSet<'_>> = minutes.iter().map(|(v, n)| SampleSet::new(v, *n)).collect();
        assert!(sets.iter().map(|s| s.values.len()).sum::<usize>() > SORT_LIMIT);
        let flat = expand(&sets);
        let pcts: Vec<u32> = (0..=100).collect();
        let expect: Vec<Option<f64>> = pcts.iter().map(|p| nearest_rank(&flat, *p)).collect();
        assert_eq!(percentiles(&sets, &pcts), expect);
        // a partial last minute too
        let mut with_partial = sets.clone();
        with_partial.push(sets[3].partial(0.37));
        let flat = expand(&with_partial);
        let expect: Vec<Option<f64>> = pcts.iter().map(|p| nearest_rank(&flat, *p)).collect();
        assert_eq!(percentiles(&with_partial, &pcts), expect);
    }

    #[test]
    fn partial_minute_is_a_sorted_subset() {
        let v: Vec<f32> = (1..=60).map(|i| i as f32).collect();
        let s = SampleSet::new(&v, 120);
        let p = s.partial(0.25);
        assert_eq!(p.requests, 30);
        assert_eq!(p.values.len(), 30);
        assert!(p.values.windows(2).all(|w| w[0] < w[1]));
        let q = s.partial(0.1);
        assert_eq!((q.requests, q.values.len()), (12, 12));
        assert_eq!(s.partial(0.001).requests, 0);
        assert_eq!(percentiles(&[s.partial(0.001)], &[99]), vec![None]);
    }

    #[test]
    fn aggregates_give_each_statistic() {
        let mut a = Agg::mean(0.9, 10);
        a.merge(&Agg::mean(0.6, 30));
        assert!((a.value(Stat::Average).unwrap() - 0.675).abs() < 1e-12);
        assert_eq!(a.value(Stat::SampleCount), Some(40.0));
        assert_eq!(a.value(Stat::Maximum), Some(0.9));
        assert_eq!(Agg::default().value(Stat::Sum), None);
        let e = Agg::events(7).partial(0.5, Stat::Sum, true);
        assert_eq!((e.sum, e.count), (4.0, 4.0));
        let m = Agg::mean(2.0, 10).partial(0.3, Stat::Average, false);
        assert_eq!(m.value(Stat::Average), Some(2.0));
        assert_eq!(m.count, 3.0);
    }
}
