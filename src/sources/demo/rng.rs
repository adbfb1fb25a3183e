//! A small counter-seeded generator (SplitMix64) and the few distributions the demo needs.
//!
//! Every minute gets its own stream derived from (seed, minute), so any minute can be generated
//! alone, in any order, any number of times, with the same result: that is what lets the demo
//! cache minutes and still be a pure function of (seed, launch, now, window).

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a strong 64-bit mixer.
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A fixed pseudo-random number in [0, 1) for a (seed, salt) pair.
pub(super) fn unit(seed: u64, salt: u64) -> f64 {
    to_unit(mix(mix(seed ^ GOLDEN) ^ salt))
}

fn to_unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) struct Rng(u64);

impl Rng {
    /// The stream for one minute (`minute` = epoch seconds / 60) of one seed.
    pub(super) fn for_minute(seed: u64, minute: i64) -> Self {
        Self(mix(mix(seed ^ GOLDEN).wrapping_add(minute as u64).wrapping_mul(GOLDEN)))
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub(super) fn uniform(&mut self) -> f64 {
        to_unit(self.next_u64())
    }

    /// Standard normal (Box–Muller; one of the pair is discarded, which keeps the stream simple).
    pub(super) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// `1 + sd·z`, never below 0.05: multiplicative noise around 1.
    pub(super) fn jitter(&mut self, sd: f64) -> f64 {
        (1.0 + sd * self.normal()).max(0.05)
    }

    /// Log-normal with the given median and shape.
    pub(super) fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Poisson counts: exact (Knuth) for small means, a rounded normal for large ones.
    pub(super) fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 || lambda.is_nan() {
            return 0;
        }
        if lambda < 30.0 {
            let limit = (-lambda).exp();
            let mut k = 0;
            let mut p = self.uniform();
            while p > limit {
                k += 1;
                p *= self.uniform();
            }
            k
        } else {
            (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64
        }
    }

    /// Roughly binomial: Poisson with mean `n·p`, capped at `n`.
    pub(super) fn binomial(&mut self, n: u64, p: f64) -> u64 {
        self.poisson(n as f64 * p).min(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_minute(7, 100).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::for_minute(7, 100).next_u64(), Rng::for_minute(7, 101).next_u64());
        assert_ne!(Rng::for_minute(7, 100).next_u64(), Rng::for_minute(8, 100).next_u64());
    }

    #[test]
    fn distributions_have_the_right_centre() {
        let mut r = Rng::for_minute(1, 1);
        let n = 20_000;
        let mean_u = (0..n).map(|_| r.uniform()).sum::<f64>() / n as f64;
        assert!((mean_u - 0.5).abs() < 0.01, "{mean_u}");
        let mean_z = (0..n).map(|_| r.normal()).sum::<f64>() / n as f64;
        assert!(mean_z.abs() < 0.03, "{mean_z}");
        let mean_p = (0..n).map(|_| r.poisson(4.0) as f64).sum::<f64>() / n as f64;
        assert!((mean_p - 4.0).abs() < 0.1, "{mean_p}");
        let mean_big = (0..n).map(|_| r.poisson(120.0) as f64).sum::<f64>() / n as f64;
        assert!((mean_big - 120.0).abs() < 0.5, "{mean_big}");
        let mut l: Vec<f64> = (0..n).map(|_| r.lognormal(1000.0, 0.4)).collect();
        l.sort_by(f64::total_cmp);
        let median = l[n / 2];
        assert!((median - 1000.0).abs() < 30.0, "{median}");
    }
}
