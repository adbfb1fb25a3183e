//! Seeded randomness for the demo: ChaCha8 (reproducible across platforms and crate versions)
//! and rand_distr's distributions.
//!
//! Every minute gets its own stream derived from (seed, minute), so any minute can be generated
//! alone, in any order, any number of times, with the same result: that is what lets the demo
//! cache minutes and still be a pure function of (seed, launch, now, window).

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rand_distr::{Distribution, Poisson, StandardNormal};

/// A fixed pseudo-random number in [0, 1) for a (seed, salt) pair.
pub(super) fn unit(seed: u64, salt: u64) -> f64 {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(salt);
    to_unit(r.next_u64())
}

fn to_unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) struct Rng(ChaCha8Rng);

impl Rng {
    /// The stream for one minute of one seed.
    pub(super) fn for_minute(seed: u64, minute: i64) -> Self {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        r.set_stream(minute as u64);
        Self(r)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    pub(super) fn uniform(&mut self) -> f64 {
        to_unit(self.next_u64())
    }

    pub(super) fn normal(&mut self) -> f64 {
        StandardNormal.sample(&mut self.0)
    }

    /// A multiplicative wobble around 1 with standard deviation `sd`, never below 0.05.
    pub(super) fn jitter(&mut self, sd: f64) -> f64 {
        (1.0 + sd * self.normal()).max(0.05)
    }

    pub(super) fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    pub(super) fn poisson(&mut self, lambda: f64) -> u64 {
        match Poisson::new(lambda) {
            Ok(p) => p.sample(&mut self.0) as u64,
            Err(_) => 0,
        }
    }

    /// Approximately Binomial(n, p) for small p (Poisson), capped at n.
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
        assert_eq!(unit(3, 9), unit(3, 9));
        assert_ne!(unit(3, 9), unit(3, 10));
    }

    #[test]
    fn distributions_have_the_right_centre() {
        let mut r = Rng::for_minute(1, 1);
        let n = 20_000;
        let mean_p = (0..n).map(|_| r.poisson(12.0) as f64).sum::<f64>() / n as f64;
        assert!((mean_p - 12.0).abs() < 0.2, "{mean_p}");
        let mut logs: Vec<f64> = (0..n).map(|_| r.lognormal(1000.0, 0.5)).collect();
        logs.sort_by(f64::total_cmp);
        let median = logs[n / 2];
        assert!((median - 1000.0).abs() < 30.0, "{median}");
        assert_eq!(r.poisson(0.0), 0);
        assert_eq!(r.binomial(3, 0.9), r.binomial(3, 0.9).min(3));
    }
}
