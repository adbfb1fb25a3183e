//! Time series keyed by (region, namespace, metric, dimensions, statistic).

use std::collections::BTreeMap;

/// Identity of one CloudWatch series at one statistic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct SeriesKey {
    pub region: String,
    pub namespace: String,
    pub metric: String,
    /// Sorted by name.
    pub dims: Vec<(String, String)>,
    pub stat: String,
}

impl SeriesKey {
    pub fn new(region: &str, namespace: &str, metric: &str, dims: &[(&str, &str)], stat: &str) -> Self {
        let mut dims: Vec<(String, String)> = dims.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        dims.sort();
        Self { region: region.into(), namespace: namespace.into(), metric: metric.into(), dims, stat: stat.into() }
    }

    pub fn dim(&self, name: &str) -> Option<&str> {
        self.dims.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The same series at another statistic.
    pub fn with_stat(&self, stat: &str) -> Self {
        Self { stat: stat.into(), ..self.clone() }
    }

    /// `Faithfulness{ModelId=x}` style label.
    pub fn label(&self) -> String {
        if self.dims.is_empty() {
            self.metric.clone()
        } else {
            let d: Vec<String> = self.dims.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{}{{{}}}", self.metric, d.join(","))
        }
    }
}

/// One series: per-period points (epoch seconds → value) and CloudWatch's own figure over the
/// whole window where the statistic does not add up (percentiles, averages, maxima).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    pub points: BTreeMap<i64, f64>,
    pub window_value: Option<f64>,
    /// The window `window_value` covers (start, end).
    pub window_of_value: Option<(i64, i64)>,
    /// The end of the newest poll that asked for it: a series the polling plan reads less often
    /// is not known to be empty after this (`None`: read with everything, every poll).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_through: Option<i64>,
}

impl Series {
    pub fn upsert(&mut self, points: impl IntoIterator<Item = (i64, f64)>) {
        for (t, v) in points {
            if v.is_finite() {
                self.points.insert(t, v);
            }
        }
    }

    /// Points in [start, end).
    pub fn range(&self, start: i64, end: i64) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.points.range(start..end).map(|(t, v)| (*t, *v))
    }

    pub fn sum(&self, start: i64, end: i64) -> Option<f64> {
        let mut any = false;
        let s = self.range(start, end).fold(0.0, |acc, (_, v)| {
            any = true;
            acc + v
        });
        any.then_some(s)
    }

    pub fn latest(&self) -> Option<(i64, f64)> {
        self.points.iter().next_back().map(|(t, v)| (*t, *v))
    }

    /// Drop points before `cutoff` and keep at most `max_points` newest.
    pub fn prune(&mut self, cutoff: i64, max_points: usize) {
        self.points = self.points.split_off(&cutoff);
        while self.points.len() > max_points {
            self.points.pop_first();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_replaces_late_data_and_ignores_nan() {
        let mut s = Series::default();
        s.upsert([(60, 1.0), (120, 2.0)]);
        s.upsert([(120, 5.0), (180, f64::NAN)]);
        assert_eq!(s.points.len(), 2);
        assert_eq!(s.sum(0, 1000), Some(6.0));
        assert_eq!(s.sum(1000, 2000), None);
        assert_eq!(s.latest(), Some((120, 5.0)));
    }

    #[test]
    fn prune_by_age_and_count() {
        let mut s = Series::default();
        s.upsert((0..100).map(|i| (i * 60, i as f64)));
        s.prune(60 * 10, 50);
        assert_eq!(s.points.len(), 50);
        assert_eq!(*s.points.keys().next().unwrap(), 60 * 50);
    }

    #[test]
    fn keys_sort_dimensions() {
        let a = SeriesKey::new("r", "n", "m", &[("b", "2"), ("a", "1")], "Sum");
        assert_eq!(a.dims[0].0, "a");
        assert_eq!(a.label(), "m{a=1,b=2}");
        assert_eq!(a.dim("b"), Some("2"));
    }
}
