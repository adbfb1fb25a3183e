//! Robust statistics for baselines: the median, and a standard deviation from the median
//! absolute deviation (MAD), so one earlier spike does not hide the next. The rules' anomaly
//! bands and "what changed" both use them.

/// The middle value (of an even count, the mean of the two middle ones); 0 of none.
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Median and a robust standard deviation (1.4826 × MAD), floored at 5 % of the median so a
/// perfectly flat baseline does not make every wobble infinite.
pub fn robust_sigma(v: &[f64]) -> (f64, f64) {
    let m = median(v);
    let dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    let mad = median(&dev);
    (m, (1.4826 * mad).max(0.05 * m.abs()).max(1e-9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robust_statistics() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        // one earlier spike barely moves the robust sigma
        let mut v = vec![10.0; 30];
        v[5] = 1000.0;
        let (m, s) = robust_sigma(&v);
        assert_eq!(m, 10.0);
        assert!((s - 0.5).abs() < 1e-9, "{s}");
    }
}
