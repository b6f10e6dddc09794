//! Validated distributions for durations and quantities, sampled from a world stream. The
//! scenario validates them, the world draws from them and `fit` estimates them.

use jiff::SignedDuration;
use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform};

/// Longest duration a draw can produce, in hours (ten years): a heavy tail (a lognormal with
/// a large sigma) is capped here, so every instant stays far inside jiff's range.
pub const MAX_DRAW_HOURS: f64 = 87_600.0;

/// Hours (or minutes) as a whole-second duration. Whole seconds keep every event instant on
/// a second boundary, which keeps data files and reports exact.
///
/// Negative values (and NaN) are zero; values past [`MAX_DRAW_HOURS`] (ten years, only a
/// heavy tail or a recorded value reaches them) are capped there, so that adding any draw
/// to any instant of a season stays inside the calendar (docs/model.md, §8).
pub fn hours(h: f64) -> SignedDuration {
    SignedDuration::from_secs(whole_seconds(h * 3600.0))
}

/// Minutes as a whole-second duration (capped like [`hours`]).
pub fn minutes(m: f64) -> SignedDuration {
    SignedDuration::from_secs(whole_seconds(m * 60.0))
}

/// `secs` rounded to whole seconds in `0 ..= MAX_DRAW_HOURS` hours (NaN is 0).
fn whole_seconds(secs: f64) -> i64 {
    let max = MAX_DRAW_HOURS * 3600.0;
    if secs.is_nan() || secs <= 0.0 {
        0
    } else {
        secs.min(max).round() as i64
    }
}

/// A distribution of a non-negative quantity (hours, minutes, percent). Built only through
/// [`crate::scenario`] validation, so every parameter is finite and in range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Fixed(f64),
    /// Exponential with the given mean.
    Exponential {
        /// The mean.
        mean: f64,
    },
    /// Log-normal given by its median (e^mu) and the sigma of the underlying normal.
    LogNormal {
        /// The median, e^mu.
        median: f64,
        /// Standard deviation of ln(x).
        sigma: f64,
    },
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Gamma with the given shape and mean (scale = mean / shape).
    Gamma {
        /// Shape k.
        shape: f64,
        /// The mean, k·θ.
        mean: f64,
    },
}

impl Dist {
    /// Draws one value. Every variant draws exactly one sample from `rng` except `Fixed`,
    /// which draws none.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // Parameters were validated, so the constructors cannot fail; fall back to the mean
        // rather than panicking if that invariant were ever broken.
        match *self {
            Dist::Fixed(v) => v,
            Dist::Exponential { mean } => match Exp::new(1.0 / mean) {
                Ok(d) => d.sample(rng),
                Err(_) => mean,
            },
            Dist::LogNormal { median, sigma } => match LogNormal::new(median.ln(), sigma) {
                Ok(d) => d.sample(rng),
                Err(_) => median,
            },
            Dist::Uniform { min, max } => match Uniform::new(min, max) {
                Ok(d) => d.sample(rng),
                Err(_) => min,
            },
            Dist::Gamma { shape, mean } => match Gamma::new(shape, mean / shape) {
                Ok(d) => d.sample(rng),
                Err(_) => mean,
            },
        }
    }

    /// The distribution's mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Exponential { mean } | Dist::Gamma { mean, .. } => mean,
            Dist::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Dist::Uniform { min, max } => (min + max) / 2.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sample_mean(d: Dist) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 40_000;
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_the_documented_means() {
        for d in [
            Dist::Exponential { mean: 6.0 },
            Dist::LogNormal {
                median: 3.0,
                sigma: 0.8,
            },
            Dist::Uniform { min: 2.0, max: 4.0 },
            Dist::Gamma {
                shape: 2.0,
                mean: 5.0,
            },
        ] {
            let m = sample_mean(d);
            assert!(
                (m / d.mean() - 1.0).abs() < 0.03,
                "{d:?}: {m} vs {}",
                d.mean()
            );
        }
    }

    #[test]
    fn lognormal_median_is_the_median() {
        let d = Dist::LogNormal {
            median: 24.0,
            sigma: 0.54,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let below = (0..20_000).filter(|_| d.sample(&mut rng) < 24.0).count();
        assert!((below as f64 / 20_000.0 - 0.5).abs() < 0.02);
    }
}
