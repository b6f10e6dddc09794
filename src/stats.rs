//! The few statistics the reports need, with the methods stated.
//!
//! Percentiles use linear interpolation between closest ranks (Hyndman & Fan type 7: the
//! default of NumPy, R and DuckDB's `quantile_cont`), so figures can be checked elsewhere.

/// The `q`-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation (type 7).
/// `None` for an empty slice. `values` need not be sorted.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, q)
}

/// [`quantile`] on an already sorted slice, without copying.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// [`quantile`] of `values` reordered in place: two selections, no sort and no copy (for
/// bootstrap loops). The same value as [`quantile`].
pub fn quantile_in_place(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let h = (values.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let (_, x_lo, rest) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    let x_hi = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(x_lo);
    Some(x_lo + (h - lo as f64) * (x_hi - x_lo))
}

/// `hits / of` (0 to 1); `None` when `of` is 0. A success rate is `rate(shipped,
/// settled)`: open track-cycles may still ship, so they count for neither side.
pub fn rate(hits: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| hits as f64 / of as f64)
}

/// Arithmetic mean; `None` for an empty slice.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (n − 1); `None` for fewer than two values.
pub fn std_dev(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    (values.len() >= 2).then(|| {
        (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
    })
}

/// A two-sided 95% confidence interval for the mean of independent `values`, using
/// Student's t. `None` for fewer than two values.
pub fn mean_ci95(values: &[f64]) -> Option<(f64, f64)> {
    let m = mean(values)?;
    let s = std_dev(values)?;
    let half = t975(values.len() - 1) * s / (values.len() as f64).sqrt();
    Some((m - half, m + half))
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (exact table to 30, then
/// the Cornish–Fisher expansion, accurate to 1e-4).
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            let z: f64 = 1.959_964;
            let n = df as f64;
            z + (z.powi(3) + z) / (4.0 * n)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        }
    }
}

/// A random generator seeded by `label` (the first 8 bytes of its SHA-256): each figure's
/// bootstrap draws the same resamples on every run, machine and thread count.
pub fn labelled_rng(label: &str) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(label.as_bytes());
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    rand_chacha::ChaCha8Rng::seed_from_u64(u64::from_le_bytes(key))
}

/// Bootstrap resamples behind each interval of [`bootstrap_mean_ci95`].
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// A 95% percentile-bootstrap interval for the mean of clustered observations: resamples
/// whole clusters (seeds) with replacement, [`BOOTSTRAP_RESAMPLES`] times, from a generator
/// seeded by `label` so that the interval is reproducible. `clusters` holds (sum, count).
pub fn bootstrap_mean_ci95(clusters: &[(f64, usize)], label: &str) -> Option<(f64, f64)> {
    if clusters.len() < 2 {
        return None;
    }
    use rand::RngExt;
    let mut rng = labelled_rng(label);
    let k = clusters.len();
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .filter_map(|_| {
            let (mut sum, mut n) = (0.0, 0usize);
            for _ in 0..k {
                let c = clusters[rng.random_range(0..k)];
                sum += c.0;
                n += c.1;
            }
            (n > 0).then(|| sum / n as f64)
        })
        .collect();
    means.sort_by(f64::total_cmp);
    Some((
        quantile_sorted(&means, 0.025)?,
        quantile_sorted(&means, 0.975)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), Some(2.5));
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&v, 1.0), Some(4.0));
        // numpy.percentile([1, 2, 3, 4], 85) == 3.55
        assert!((quantile(&v, 0.85).unwrap() - 3.55).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.9), Some(7.0));
    }

    #[test]
    fn ci_of_a_known_sample() {
        // mean 5, sd sqrt(40/4) = 3.1623, n 5: half width = 2.7764 * 3.1623 / sqrt(5) = 3.926
        let (lo, hi) = mean_ci95(&[1.0, 3.0, 5.0, 7.0, 9.0]).unwrap();
        assert!(
            (lo - 1.074).abs() < 0.001 && (hi - 8.926).abs() < 0.001,
            "{lo} {hi}"
        );
    }

    #[test]
    fn t_quantile_approaches_the_normal() {
        assert!((t975(60) - 2.000).abs() < 1e-3);
        assert!((t975(120) - 1.980).abs() < 1e-3);
        assert!((t975(100_000) - 1.960).abs() < 1e-3);
    }
}

/// Mean of observations that come in independent clusters (e.g. the release tracks of one
/// seed), with a cluster-robust 95% confidence interval: observations inside a cluster may
/// be correlated, clusters may not. `clusters` holds (sum, count) per cluster.
///
/// With fewer than two clusters there is no between-cluster variance; `None` is returned
/// and callers fall back to [`mean_ci95`].
pub fn clustered_mean_ci95(clusters: &[(f64, usize)]) -> Option<(f64, f64)> {
    let s = clusters.len();
    let n: usize = clusters.iter().map(|c| c.1).sum();
    if s < 2 || n == 0 {
        return None;
    }
    let m = clusters.iter().map(|c| c.0).sum::<f64>() / n as f64;
    let ss: f64 = clusters
        .iter()
        .map(|(sum, k)| (sum - m * *k as f64).powi(2))
        .sum();
    let se = (s as f64 / (s - 1) as f64 * ss).sqrt() / n as f64;
    let half = t975(s - 1) * se;
    Some((m - half, m + half))
}

#[cfg(test)]
mod cluster_tests {
    use super::*;

    #[test]
    fn clusters_of_one_match_the_iid_interval_up_to_the_variance_estimator() {
        let v = [1.0, 3.0, 5.0, 7.0, 9.0];
        let clusters: Vec<(f64, usize)> = v.iter().map(|x| (*x, 1)).collect();
        let (lo, hi) = clustered_mean_ci95(&clusters).unwrap();
        let (ilo, ihi) = mean_ci95(&v).unwrap();
        // Same centre; the cluster-robust estimator uses s/(s-1)·Σ(x-m)²/n², which equals the
        // iid variance s²/n here.
        assert!((lo + hi - ilo - ihi).abs() < 1e-9);
        assert!(((hi - lo) - (ihi - ilo)).abs() < 1e-9);
    }

    #[test]
    fn correlated_clusters_widen_the_interval() {
        // Two seeds whose tracks agree among themselves but not with each other.
        let c = [
            (10.0 * 5.0, 5),
            (10.0 * 1.0, 5),
            (10.0 * 5.0, 5),
            (10.0 * 1.0, 5),
        ];
        let (lo, hi) = clustered_mean_ci95(&c).unwrap();
        let flat: Vec<f64> = [5.0; 10].into_iter().chain([1.0; 10]).collect();
        let (ilo, ihi) = mean_ci95(&flat).unwrap();
        assert!(hi - lo > ihi - ilo);
    }
}
