//! Maximum-likelihood estimators with confidence intervals and goodness-of-fit figures.
//!
//! Durations: exponential, lognormal and gamma are each fitted by maximum likelihood and
//! the one with the lowest AIC is chosen ([`fit_duration_censored`]); the chosen fit gets a
//! Kolmogorov–Smirnov statistic. Yes/no outcomes: a Bernoulli rate with a Wilson interval
//! ([`fit_rate`]). Counts: a Poisson mean with an exact (Garwood) interval and the
//! dispersion index ([`fit_count`]). Every interval is two-sided at the level asked for.

use crate::dist::Dist;

use super::optimise::maximise;
use super::special::{
    chi2_cdf, chi2_quantile, digamma, gamma_p, gamma_q, kolmogorov_sf, ln_gamma, normal_cdf,
    normal_quantile, t_quantile, trigamma,
};

/// Fewer observations than this are not fitted.
pub const MIN_OBSERVATIONS: usize = 3;

/// A parameter's point estimate and its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The maximum-likelihood estimate.
    pub value: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Estimate {
    /// True when `x` lies in the interval (ends included).
    #[cfg(test)]
    pub fn covers(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// A family of distributions for durations (and other positive quantities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// Exponential, parameter `mean`.
    Exponential,
    /// Lognormal, parameters `median` (e^μ) and `sigma`.
    Lognormal,
    /// Gamma, parameters `shape` and `mean`.
    Gamma,
}

impl Family {
    /// Every family, in the order candidates are listed (and ties in AIC are broken).
    pub const ALL: [Family; 3] = [Family::Exponential, Family::Lognormal, Family::Gamma];

    /// The name used in scenario files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
        }
    }
}

/// One family fitted to a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The family.
    pub family: Family,
    /// Its parameters by name, in the scenario file's order.
    pub params: Vec<(&'static str, Estimate)>,
    /// The maximised log-likelihood.
    pub log_likelihood: f64,
    /// Akaike's information criterion, 2·parameters − 2·log-likelihood (lower is better).
    pub aic: f64,
    /// The fitted distribution.
    pub dist: Dist,
}

/// The Kolmogorov–Smirnov figure of a fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ks {
    /// The largest distance between the empirical and the fitted distribution function.
    pub d: f64,
    /// The asymptotic p-value (Kolmogorov distribution, Stephens' small-sample factor).
    /// Approximate, and too large, because the parameters were estimated from the same data.
    pub p_value: f64,
}

/// A duration (or other positive quantity) fitted by every family.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationFit {
    /// Observations used (the positive ones).
    pub n: usize,
    /// Observations of 0 (or less), left out (see [`fit_duration_censored`]).
    pub zeros: usize,
    /// One candidate per family, in [`Family::ALL`] order.
    pub candidates: Vec<Candidate>,
    /// Index of the candidate with the lowest AIC.
    pub chosen: usize,
    /// Observations cut off before they finished, each in the likelihood as "lasted at
    /// least as long as it was watched" (see [`fit_duration_censored`]).
    pub censored: usize,
    /// The chosen candidate's Kolmogorov–Smirnov figure (against the Kaplan–Meier estimate
    /// when some observations are censored).
    pub ks: Ks,
}

impl DurationFit {
    /// The chosen candidate.
    pub fn best(&self) -> &Candidate {
        &self.candidates[self.chosen]
    }

    /// The candidate of `family`.
    #[cfg(test)]
    pub fn candidate(&self, family: Family) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.family == family)
    }
}

/// Why a sample was not fitted: a degenerate sample, refused with what it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unfit {
    /// Fewer than [`MIN_OBSERVATIONS`] observations (for a duration: positive ones).
    TooFew {
        /// The observations there are (positive ones, for a duration).
        n: usize,
    },
    /// Most (more than half) or all observations of a duration are 0: they were recorded
    /// at the instant they started (two events at one time, such as a build "finished" at
    /// its own commit), so the log says little about how long they take, and the few
    /// positive ones left would stand for a distribution they are not a sample of.
    Zeros {
        /// The observations of 0.
        zeros: usize,
        /// All observations.
        total: usize,
    },
    /// Every observation has the same value: no spread to estimate.
    NoSpread {
        /// The observations.
        n: usize,
        /// Their one value.
        value: f64,
    },
}

/// The positive values of a duration sample, sorted, and the number of zeros; or why the
/// sample is degenerate (see [`Unfit`]).
fn positive_sorted(values: &[f64]) -> Result<(Vec<f64>, usize), Unfit> {
    let zeros = values.iter().filter(|v| **v <= 0.0).count();
    let mut x: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
    if zeros >= MIN_OBSERVATIONS && zeros > x.len() {
        return Err(Unfit::Zeros {
            zeros,
            total: values.len(),
        });
    }
    if x.len() < MIN_OBSERVATIONS {
        return Err(Unfit::TooFew { n: x.len() });
    }
    x.sort_by(f64::total_cmp);
    if x[0] == x[x.len() - 1] {
        return Err(Unfit::NoSpread {
            n: x.len(),
            value: x[0],
        });
    }
    Ok((x, zeros))
}

/// A yes/no rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateFit {
    /// Outcomes that were "yes".
    pub successes: u64,
    /// Outcomes.
    pub trials: u64,
    /// The probability of "yes", with a Wilson score interval.
    pub p: Estimate,
}

/// A count per unit (blockers per track).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountFit {
    /// Units counted.
    pub n: usize,
    /// Sum of the counts.
    pub total: u64,
    /// The Poisson mean with an exact (Garwood) interval.
    pub mean: Estimate,
    /// Sample variance / mean; 1 for a Poisson count, above 1 when over-dispersed.
    pub dispersion: f64,
    /// Two-sided p-value of the dispersion test (Σ(x − x̄)²/x̄ ~ χ²(n − 1) under Poisson).
    pub dispersion_p: f64,
}

/// The standard normal quantile of a two-sided interval at `level`.
fn z_of(level: f64) -> f64 {
    normal_quantile(0.5 + level / 2.0)
}

/// Fits the three families to `values` and chooses by AIC.
///
/// Values of 0 (or less) are left out and counted in [`DurationFit::zeros`]: a duration
/// rounded to 0 s says only that it took under half a second, and ln 0 has no place in a
/// lognormal or gamma likelihood. Flooring them at some small value instead would give each
/// a logarithm near −10 that alone could decide the family; leaving out a handful moves no
/// estimate visibly. (The tests' uncensored case; `fit` always passes the censored values.)
#[cfg(test)]
pub fn fit_duration(values: &[f64], level: f64) -> Result<DurationFit, Unfit> {
    fit_duration_censored(values, &[], level)
}

/// Fits the three families to the finished durations `values` and the durations
/// `at_least` that were cut off after lasting at least that long (right-censored), and
/// chooses by AIC.
///
/// The log-likelihood is Σ ln f(x) over `values` plus Σ ln S(c) over `at_least` (S = 1 − F,
/// the probability of lasting at least c). The exponential has a closed form (mean = total
/// exposure / finished); the lognormal and gamma are maximised numerically ([`maximise`])
/// from their uncensored estimates, with Wald intervals on the log scale from the observed
/// information. Without censored values every family uses its closed form and exact
/// interval, as [`exponential`], [`lognormal`] and [`gamma`]. Censored values of 0 carry no
/// information and are dropped. The KS figure compares the fit with the Kaplan–Meier
/// estimate ([`ks_statistic_censored`]).
pub fn fit_duration_censored(
    values: &[f64],
    at_least: &[f64],
    level: f64,
) -> Result<DurationFit, Unfit> {
    let (x, zeros) = positive_sorted(values)?;
    let mut c: Vec<f64> = at_least.iter().copied().filter(|v| *v > 0.0).collect();
    c.sort_by(f64::total_cmp);
    let candidates = if c.is_empty() {
        vec![
            exponential(&x, level),
            lognormal(&x, level),
            gamma(&x, level),
        ]
    } else {
        vec![
            exponential_censored(&x, &c, level),
            numeric_candidate(Family::Lognormal, &x, &c, level),
            numeric_candidate(Family::Gamma, &x, &c, level),
        ]
    };
    let chosen = lowest_aic(&candidates);
    let dist = candidates[chosen].dist;
    let d = ks_statistic_censored(&x, &c, |v| cdf(&dist, v));
    Ok(DurationFit {
        n: x.len(),
        zeros,
        censored: c.len(),
        ks: Ks {
            d,
            p_value: ks_p_value(d, x.len()),
        },
        candidates,
        chosen,
    })
}

/// The index of the candidate with the lowest AIC (the first on a tie).
fn lowest_aic(candidates: &[Candidate]) -> usize {
    let mut chosen = 0;
    for (i, c) in candidates.iter().enumerate() {
        if c.aic < candidates[chosen].aic {
            chosen = i;
        }
    }
    chosen
}

/// Exponential with right-censored values: mean = (Σx + Σc) / n, the total exposure over
/// the n finished; interval from 2·exposure/θ ≈ χ²(2n) (exact for the uncensored case).
fn exponential_censored(x: &[f64], c: &[f64], level: f64) -> Candidate {
    let n = x.len() as f64;
    let exposure = x.iter().sum::<f64>() + c.iter().sum::<f64>();
    let mean = exposure / n;
    let alpha = 1.0 - level;
    let estimate = Estimate {
        value: mean,
        low: 2.0 * exposure / chi2_quantile(1.0 - alpha / 2.0, 2.0 * n),
        high: 2.0 * exposure / chi2_quantile(alpha / 2.0, 2.0 * n),
    };
    let log_likelihood = -n * mean.ln() - n;
    Candidate {
        family: Family::Exponential,
        params: vec![("mean", estimate)],
        log_likelihood,
        aic: 2.0 - 2.0 * log_likelihood,
        dist: Dist::Exponential { mean },
    }
}

/// A family's parameters on the unconstrained scale the optimiser works in: exponential
/// [ln mean], lognormal [μ, ln σ], gamma [ln shape, ln mean].
fn unconstrained(dist: Dist) -> Vec<f64> {
    match dist {
        Dist::Exponential { mean } => vec![mean.ln()],
        Dist::LogNormal { median, sigma } => vec![median.ln(), sigma.ln()],
        Dist::Gamma { shape, mean } => vec![shape.ln(), mean.ln()],
        Dist::Fixed(_) | Dist::Uniform { .. } => Vec::new(),
    }
}

/// The distribution of `family` at unconstrained parameters `t` (see [`unconstrained`]).
fn dist_at(family: Family, t: &[f64]) -> Dist {
    match family {
        Family::Exponential => Dist::Exponential { mean: t[0].exp() },
        Family::Lognormal => Dist::LogNormal {
            median: t[0].exp(),
            sigma: t[1].exp(),
        },
        Family::Gamma => Dist::Gamma {
            shape: t[0].exp(),
            mean: t[1].exp(),
        },
    }
}

/// ln f(x) of the fitted families (x > 0).
fn ln_density(dist: &Dist, x: f64) -> f64 {
    match *dist {
        Dist::Exponential { mean } => -mean.ln() - x / mean,
        Dist::LogNormal { median, sigma } => {
            let z = (x.ln() - median.ln()) / sigma;
            -x.ln() - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * z * z
        }
        Dist::Gamma { shape, mean } => {
            let theta = mean / shape;
            (shape - 1.0) * x.ln() - x / theta - shape * theta.ln() - ln_gamma(shape)
        }
        Dist::Fixed(_) | Dist::Uniform { .. } => f64::NAN,
    }
}

/// S(x) = P(X > x) of the fitted families, accurate far into the upper tail (computed
/// directly, not as 1 − F).
fn survival(dist: &Dist, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    match *dist {
        Dist::Exponential { mean } => (-x / mean).exp(),
        Dist::LogNormal { median, sigma } => normal_cdf(-(x.ln() - median.ln()) / sigma),
        Dist::Gamma { shape, mean } => gamma_q(shape, x * shape / mean),
        Dist::Fixed(_) | Dist::Uniform { .. } => 1.0 - cdf(dist, x),
    }
}

/// Σ ln f(x) + Σ ln S(c): the log-likelihood of finished `x` and censored `c`.
fn censored_log_likelihood(dist: &Dist, x: &[f64], c: &[f64]) -> f64 {
    x.iter().map(|v| ln_density(dist, *v)).sum::<f64>()
        + c.iter().map(|v| survival(dist, *v).ln()).sum::<f64>()
}

/// A parameter fitted on the log scale: e^(t ± z·se).
fn log_scale(t: f64, se: f64, z: f64) -> Estimate {
    Estimate {
        value: t.exp(),
        low: (t - z * se).exp(),
        high: (t + z * se).exp(),
    }
}

/// The named parameters of `family` at unconstrained `t` with standard errors `se`.
fn params_at(family: Family, t: &[f64], se: &[f64], z: f64) -> Vec<(&'static str, Estimate)> {
    match family {
        Family::Exponential => vec![("mean", log_scale(t[0], se[0], z))],
        Family::Lognormal => vec![
            ("median", log_scale(t[0], se[0], z)),
            ("sigma", log_scale(t[1], se[1], z)),
        ],
        Family::Gamma => vec![
            ("shape", log_scale(t[0], se[0], z)),
            ("mean", log_scale(t[1], se[1], z)),
        ],
    }
}

/// The closed-form uncensored fit of `family`, a starting point for the optimiser.
fn uncensored(family: Family, x: &[f64], level: f64) -> Candidate {
    match family {
        Family::Exponential => exponential(x, level),
        Family::Lognormal => lognormal(x, level),
        Family::Gamma => gamma(x, level),
    }
}

/// `family` fitted to finished `x` and censored `c` numerically.
fn numeric_candidate(family: Family, x: &[f64], c: &[f64], level: f64) -> Candidate {
    let start = unconstrained(uncensored(family, x, level).dist);
    let m = maximise(
        |t| censored_log_likelihood(&dist_at(family, t), x, c),
        &start,
    );
    let k = m.t.len() as f64;
    Candidate {
        family,
        params: params_at(family, &m.t, &m.se, z_of(level)),
        log_likelihood: m.log_likelihood,
        aic: 2.0 * k - 2.0 * m.log_likelihood,
        dist: dist_at(family, &m.t),
    }
}

/// Incidents per 1% rollout fitted jointly: with probability p an incident happens after a
/// delay X ~ F, seen only if X falls before the rollout's 1% episode ends (after L).
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFit {
    /// p, with its interval from the chosen family's joint fit (`successes` the incidents
    /// seen, `trials` the episodes).
    pub rate: RateFit,
    /// F: every family fitted jointly with p (the log-likelihood and AIC are the joint
    /// model's, p counted as a parameter); `censored` counts the episodes without an
    /// incident.
    pub delay: DurationFit,
}

/// Fits the incident model to the delays `seen` of incidents seen and the lengths
/// `windows` of the episodes that saw none.
///
/// An episode with an incident at x contributes p·f(x); one without, watched for L,
/// (1 − p) + p·S(L): no incident, or one that would have come after the episode ended. p
/// (on the logit scale) and F's parameters are maximised together ([`maximise`]); the
/// intervals are Wald intervals from the observed information, on the logit scale for p.
/// The KS figure compares p·F with the Kaplan–Meier estimate of the time to an incident
/// over every episode, divided by p to read on F's scale.
pub fn fit_incidents(seen: &[f64], windows: &[f64], level: f64) -> Result<IncidentFit, Unfit> {
    let (x, zeros) = positive_sorted(seen)?;
    let mut w: Vec<f64> = windows.to_vec();
    w.sort_by(f64::total_cmp);
    let episodes = (seen.len() + w.len()) as f64;
    let z = z_of(level);
    let mut ps = Vec::new();
    let mut candidates = Vec::new();
    for family in Family::ALL {
        let mut start = vec![logit(seen.len() as f64 / episodes)];
        start.extend(unconstrained(uncensored(family, &x, level).dist));
        let ll = |t: &[f64]| {
            let p = logistic(t[0]);
            let dist = dist_at(family, &t[1..]);
            let events: f64 = x.iter().map(|v| p.ln() + ln_density(&dist, *v)).sum();
            let none: f64 = w
                .iter()
                .map(|l| (1.0 - p + p * survival(&dist, *l)).ln())
                .sum();
            events + none
        };
        let m = maximise(ll, &start);
        ps.push(Estimate {
            value: logistic(m.t[0]),
            low: logistic(m.t[0] - z * m.se[0]),
            high: logistic(m.t[0] + z * m.se[0]),
        });
        let k = m.t.len() as f64;
        candidates.push(Candidate {
            family,
            params: params_at(family, &m.t[1..], &m.se[1..], z),
            log_likelihood: m.log_likelihood,
            aic: 2.0 * k - 2.0 * m.log_likelihood,
            dist: dist_at(family, &m.t[1..]),
        });
    }
    let chosen = lowest_aic(&candidates);
    let p = ps[chosen];
    let dist = candidates[chosen].dist;
    let d = ks_statistic_censored(&x, &w, |v| p.value * cdf(&dist, v)) / p.value;
    Ok(IncidentFit {
        rate: RateFit {
            successes: seen.len() as u64,
            trials: episodes as u64,
            p,
        },
        delay: DurationFit {
            n: x.len(),
            zeros,
            censored: w.len(),
            ks: Ks {
                d,
                p_value: ks_p_value(d, x.len()),
            },
            candidates,
            chosen,
        },
    })
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

fn logistic(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

/// The Kolmogorov–Smirnov distance between the Kaplan–Meier estimate of the distribution
/// function, from finished `x` and censored `c` (both sorted), and `f`: the largest gap at
/// any observed time, on either side of each step. Without censored values it is the
/// classical statistic (`ks_statistic`, kept in the tests to check this one). At a tie a finished value counts before a censored one (the usual
/// convention: the censored one was still at risk).
pub fn ks_statistic_censored(x: &[f64], c: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut at_risk = (x.len() + c.len()) as f64;
    let (mut i, mut j) = (0, 0);
    let mut survival = 1.0;
    let mut d: f64 = 0.0;
    while i < x.len() || j < c.len() {
        let t = match (x.get(i), c.get(j)) {
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        let mut events = 0.0;
        while x.get(i) == Some(&t) {
            events += 1.0;
            i += 1;
        }
        let mut cut = 0.0;
        while c.get(j) == Some(&t) {
            cut += 1.0;
            j += 1;
        }
        let ft = f(t);
        d = d.max((ft - (1.0 - survival)).abs());
        if events > 0.0 {
            survival *= 1.0 - events / at_risk;
        }
        d = d.max((ft - (1.0 - survival)).abs());
        at_risk -= events + cut;
    }
    d
}

/// Exponential: mean = x̄; exact interval from 2n·x̄/θ ~ χ²(2n).
pub fn exponential(x: &[f64], level: f64) -> Candidate {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let alpha = 1.0 - level;
    let estimate = Estimate {
        value: mean,
        low: 2.0 * n * mean / chi2_quantile(1.0 - alpha / 2.0, 2.0 * n),
        high: 2.0 * n * mean / chi2_quantile(alpha / 2.0, 2.0 * n),
    };
    let log_likelihood = -n * mean.ln() - n;
    Candidate {
        family: Family::Exponential,
        params: vec![("mean", estimate)],
        log_likelihood,
        aic: 2.0 - 2.0 * log_likelihood,
        dist: Dist::Exponential { mean },
    }
}

/// Lognormal: μ = mean of ln x, σ = its root mean square deviation (the MLE, divisor n).
/// The median e^μ gets e^(μ ± t·s/√n) (s with divisor n − 1); σ gets the chi-square
/// interval from (n − 1)s²/σ² ~ χ²(n − 1).
pub fn lognormal(x: &[f64], level: f64) -> Candidate {
    let n = x.len() as f64;
    let logs: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let mu = logs.iter().sum::<f64>() / n;
    let ss: f64 = logs.iter().map(|l| (l - mu).powi(2)).sum();
    let sigma = (ss / n).sqrt();
    let s = (ss / (n - 1.0)).sqrt();
    let alpha = 1.0 - level;
    let half = t_quantile(1.0 - alpha / 2.0, n - 1.0) * s / n.sqrt();
    let median = Estimate {
        value: mu.exp(),
        low: (mu - half).exp(),
        high: (mu + half).exp(),
    };
    let sigma_est = Estimate {
        value: sigma,
        low: (ss / chi2_quantile(1.0 - alpha / 2.0, n - 1.0)).sqrt(),
        high: (ss / chi2_quantile(alpha / 2.0, n - 1.0)).sqrt(),
    };
    let log_likelihood = -logs.iter().sum::<f64>()
        - n * sigma.ln()
        - n / 2.0 * (2.0 * std::f64::consts::PI).ln()
        - n / 2.0;
    Candidate {
        family: Family::Lognormal,
        params: vec![("median", median), ("sigma", sigma_est)],
        log_likelihood,
        aic: 4.0 - 2.0 * log_likelihood,
        dist: Dist::LogNormal {
            median: mu.exp(),
            sigma,
        },
    }
}

/// Gamma: the mean is x̄ (closed form); the shape k solves ln k − ψ(k) = ln x̄ − mean(ln x)
/// ([`gamma_shape`]). Shape and mean are orthogonal parameters; their intervals are Wald
/// intervals on the log scale (so they stay positive) from the observed Fisher information,
/// n·(ψ′(k) − 1/k) for the shape and n·k/mean² for the mean.
pub fn gamma(x: &[f64], level: f64) -> Candidate {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sum_logs: f64 = x.iter().map(|v| v.ln()).sum();
    let s = mean.ln() - sum_logs / n;
    let k = gamma_shape(s);
    let z = z_of(level);
    let se_log_k = 1.0 / (n * (trigamma(k) - 1.0 / k)).sqrt() / k;
    let se_log_mean = 1.0 / (n * k).sqrt();
    let theta = mean / k;
    let log_likelihood = (k - 1.0) * sum_logs - n * k - n * k * theta.ln() - n * ln_gamma(k);
    Candidate {
        family: Family::Gamma,
        params: vec![
            (
                "shape",
                Estimate {
                    value: k,
                    low: k * (-z * se_log_k).exp(),
                    high: k * (z * se_log_k).exp(),
                },
            ),
            (
                "mean",
                Estimate {
                    value: mean,
                    low: mean * (-z * se_log_mean).exp(),
                    high: mean * (z * se_log_mean).exp(),
                },
            ),
        ],
        log_likelihood,
        aic: 4.0 - 2.0 * log_likelihood,
        dist: Dist::Gamma { shape: k, mean },
    }
}

/// The gamma shape k with ln k − ψ(k) = `s` (s = ln x̄ − mean(ln x) > 0): Minka's closed
/// approximation, then Newton's method on ln k, kept inside a bracket (bisection when a step
/// would leave it). ln k − ψ(k) falls from +∞ to 0 as k grows, so the root is unique.
pub fn gamma_shape(s: f64) -> f64 {
    let g = |u: f64| {
        let k = u.exp();
        k.ln() - digamma(k) - s
    };
    // Bracket in u = ln k: g > 0 at lo, g < 0 at hi.
    let (mut lo, mut hi) = (-30.0_f64, 30.0_f64);
    let start = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    let mut u = start.ln().clamp(lo + 1.0, hi - 1.0);
    for _ in 0..200 {
        let k = u.exp();
        let value = g(u);
        if value > 0.0 {
            lo = u;
        } else {
            hi = u;
        }
        // d/du (ln k − ψ(k)) = 1 − k·ψ′(k)
        let slope = 1.0 - k * trigamma(k);
        let mut next = u - value / slope;
        // Outside the bracket (or not a number): bisect instead.
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - u).abs() < 1e-14 {
            u = next;
            break;
        }
        u = next;
    }
    u.exp()
}

/// The distribution function of `dist` at `x` (the families fitted here, plus fixed and
/// uniform for completeness).
pub fn cdf(dist: &Dist, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    match *dist {
        Dist::Fixed(v) => f64::from(u8::from(x >= v)),
        Dist::Exponential { mean } => 1.0 - (-x / mean).exp(),
        Dist::LogNormal { median, sigma } => normal_cdf((x.ln() - median.ln()) / sigma),
        Dist::Uniform { min, max } => ((x - min) / (max - min)).clamp(0.0, 1.0),
        Dist::Gamma { shape, mean } => gamma_p(shape, x * shape / mean),
    }
}

/// The Kolmogorov–Smirnov statistic D = sup |F_n(x) − F(x)| of the `sorted` sample against
/// the distribution function `f`.
#[cfg(test)]
pub fn ks_statistic(sorted: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let fx = f(*x);
            let i = i as f64;
            ((i + 1.0) / n - fx).max(fx - i / n)
        })
        .fold(0.0, f64::max)
}

/// The asymptotic p-value of D for a sample of `n`: Q_KS((√n + 0.12 + 0.11/√n)·D).
pub fn ks_p_value(d: f64, n: usize) -> f64 {
    let rn = (n as f64).sqrt();
    kolmogorov_sf((rn + 0.12 + 0.11 / rn) * d)
}

/// A Bernoulli probability: successes / trials with the Wilson score interval. `None` with
/// fewer than [`MIN_OBSERVATIONS`] trials.
pub fn fit_rate(successes: u64, trials: u64, level: f64) -> Option<RateFit> {
    if trials < MIN_OBSERVATIONS as u64 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z = z_of(level);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(RateFit {
        successes,
        trials,
        p: Estimate {
            value: p,
            // Exact at the ends, where the formula gives 0 or 1 up to rounding.
            low: if successes == 0 {
                0.0
            } else {
                (centre - half).max(0.0)
            },
            high: if successes == trials {
                1.0
            } else {
                (centre + half).min(1.0)
            },
        },
    })
}

/// A Poisson mean over `counts` with the exact (Garwood) interval
/// [χ²(α/2; 2T)/2n, χ²(1 − α/2; 2T + 2)/2n] (T the total), and the dispersion index.
/// `None` with fewer than [`MIN_OBSERVATIONS`] counts.
pub fn fit_count(counts: &[u64], level: f64) -> Option<CountFit> {
    if counts.len() < MIN_OBSERVATIONS {
        return None;
    }
    let n = counts.len() as f64;
    let total: u64 = counts.iter().sum();
    let t = total as f64;
    let mean = t / n;
    let alpha = 1.0 - level;
    let low = if total == 0 {
        0.0
    } else {
        chi2_quantile(alpha / 2.0, 2.0 * t) / (2.0 * n)
    };
    let high = chi2_quantile(1.0 - alpha / 2.0, 2.0 * t + 2.0) / (2.0 * n);
    let ss: f64 = counts.iter().map(|c| (*c as f64 - mean).powi(2)).sum();
    let (dispersion, dispersion_p) = if mean > 0.0 {
        let stat = ss / mean;
        let below = chi2_cdf(stat, n - 1.0);
        (
            ss / (n - 1.0) / mean,
            (2.0 * below.min(1.0 - below)).min(1.0),
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    Some(CountFit {
        n: counts.len(),
        total,
        mean: Estimate {
            value: mean,
            low,
            high,
        },
        dispersion,
        dispersion_p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Poisson};

    fn draw(d: Dist, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    fn param(c: &Candidate, name: &str) -> Estimate {
        c.params.iter().find(|p| p.0 == name).unwrap().1
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a / b - 1.0).abs()
    }

    #[test]
    fn exponential_recovers_its_mean_and_is_chosen() {
        let x = draw(Dist::Exponential { mean: 2.0 }, 5000, 1);
        let fit = fit_duration(&x, 0.95).unwrap();
        let c = fit.candidate(Family::Exponential).unwrap();
        assert!(rel(param(c, "mean").value, 2.0) < 0.04);
        assert!(param(c, "mean").covers(2.0));
        // The gamma nests the exponential (shape 1), so AIC may prefer either; never the
        // lognormal.
        assert_ne!(fit.best().family, Family::Lognormal);
        assert!(param(fit.candidate(Family::Gamma).unwrap(), "shape").covers(1.0));
        assert!(fit.ks.p_value > 0.01, "{:?}", fit.ks);
    }

    #[test]
    fn lognormal_recovers_median_and_sigma_and_is_chosen() {
        let x = draw(
            Dist::LogNormal {
                median: 24.0,
                sigma: 0.54,
            },
            5000,
            2,
        );
        let fit = fit_duration(&x, 0.95).unwrap();
        assert_eq!(fit.best().family, Family::Lognormal);
        let (m, s) = (param(fit.best(), "median"), param(fit.best(), "sigma"));
        assert!(
            rel(m.value, 24.0) < 0.03 && rel(s.value, 0.54) < 0.03,
            "{m:?} {s:?}"
        );
        assert!(m.covers(24.0) && s.covers(0.54), "{m:?} {s:?}");
        assert!(fit.ks.d < 0.02 && fit.ks.p_value > 0.05, "{:?}", fit.ks);
    }

    #[test]
    fn gamma_recovers_shape_and_mean_and_is_chosen() {
        let x = draw(
            Dist::Gamma {
                shape: 3.0,
                mean: 5.0,
            },
            5000,
            3,
        );
        let fit = fit_duration(&x, 0.95).unwrap();
        assert_eq!(fit.best().family, Family::Gamma);
        let (k, m) = (param(fit.best(), "shape"), param(fit.best(), "mean"));
        assert!(
            rel(k.value, 3.0) < 0.05 && rel(m.value, 5.0) < 0.03,
            "{k:?} {m:?}"
        );
        assert!(k.covers(3.0) && m.covers(5.0), "{k:?} {m:?}");
    }

    #[test]
    fn gamma_shape_newton_converges_from_half_to_twenty() {
        for k in [0.5, 0.8, 1.0, 2.0, 5.0, 10.0, 20.0] {
            // Exact: the root of ln k − ψ(k) = s is k itself.
            let s = f64::ln(k) - digamma(k);
            assert!(rel(gamma_shape(s), k) < 1e-10, "{k}: {}", gamma_shape(s));
            // And from a sample of 5000.
            let x = draw(
                Dist::Gamma {
                    shape: k,
                    mean: 3.0,
                },
                5000,
                k.to_bits(),
            );
            let c = gamma(&x, 0.95);
            assert!(rel(param(&c, "shape").value, k) < 0.06, "{k}: {c:?}");
        }
        // Far outside the usual range it still lands on the root.
        for k in [0.01, 1000.0] {
            let s = f64::ln(k) - digamma(k);
            assert!(rel(gamma_shape(s), k) < 1e-8, "{k}");
        }
    }

    #[test]
    fn zeros_are_left_out_and_counted() {
        let mut x = draw(
            Dist::LogNormal {
                median: 1.0,
                sigma: 1.0,
            },
            100,
            4,
        );
        x[0] = 0.0;
        x[1] = 0.0;
        let fit = fit_duration(&x, 0.95).unwrap();
        assert_eq!((fit.n, fit.zeros), (98, 2));
        assert!(fit.candidates.iter().all(|c| c.aic.is_finite()));
        assert_eq!(fit.best().family, Family::Lognormal);
    }

    #[test]
    fn too_few_or_constant_samples_are_not_fitted() {
        assert_eq!(fit_duration(&[1.0, 2.0], 0.95), Err(Unfit::TooFew { n: 2 }));
        assert_eq!(
            fit_duration(&[0.0, 1.0, 2.0], 0.95),
            Err(Unfit::TooFew { n: 2 })
        );
        assert_eq!(fit_duration(&[7.5], 0.95), Err(Unfit::TooFew { n: 1 }));
        assert_eq!(
            fit_duration(&[2.0; 5], 0.95),
            Err(Unfit::NoSpread { n: 5, value: 2.0 })
        );
        assert_eq!(
            fit_duration(&[0.0; 12], 0.95),
            Err(Unfit::Zeros {
                zeros: 12,
                total: 12
            })
        );
        // More zeros than positive values: the positive ones are not the distribution.
        assert_eq!(
            fit_duration(&[0.0, 0.0, 0.0, 1.0, 2.0], 0.95),
            Err(Unfit::Zeros { zeros: 3, total: 5 })
        );
        assert!(fit_rate(1, 2, 0.95).is_none());
        assert!(fit_count(&[1, 2], 0.95).is_none());
    }

    #[test]
    fn ks_statistic_against_a_known_value() {
        // scipy.stats.kstest([0.5, 1, 2], "expon").statistic = 1 − e^(−0.5) = 0.39346934
        let d = ks_statistic(&[0.5, 1.0, 2.0], |x: f64| 1.0 - (-x).exp());
        assert!((d - (1.0 - (-0.5f64).exp())).abs() < 1e-15);
        // A sample from the hypothesised distribution has a small D and a large p.
        let x = {
            let mut v = draw(Dist::Exponential { mean: 1.0 }, 5000, 5);
            v.sort_by(f64::total_cmp);
            v
        };
        let d = ks_statistic(&x, |v| 1.0 - (-v).exp());
        assert!(d < 1.36 / (5000f64).sqrt(), "{d}");
        // A wrong distribution is rejected.
        let d = ks_statistic(&x, |v| 1.0 - (-v / 1.5).exp());
        assert!(ks_p_value(d, x.len()) < 1e-6);
    }

    #[test]
    fn bernoulli_recovers_p_and_wilson_matches_a_textbook_case() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let k = (0..5000).filter(|_| rng.random_bool(0.08)).count() as u64;
        let r = fit_rate(k, 5000, 0.95).unwrap();
        assert!((r.p.value - 0.08).abs() < 0.01 && r.p.covers(0.08), "{r:?}");
        // Wilson 95% for 0 of 10: [0, 0.2775]
        let r = fit_rate(0, 10, 0.95).unwrap();
        assert_eq!(r.p.low, 0.0);
        assert!((r.p.high - 0.277_532).abs() < 1e-5, "{r:?}");
    }

    #[test]
    fn poisson_recovers_the_mean_and_its_dispersion_is_one() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let pois = Poisson::new(4.0).unwrap();
        let counts: Vec<u64> = (0..5000).map(|_| pois.sample(&mut rng) as u64).collect();
        let c = fit_count(&counts, 0.95).unwrap();
        assert!(
            (c.mean.value - 4.0).abs() < 0.08 && c.mean.covers(4.0),
            "{c:?}"
        );
        assert!(
            (c.dispersion - 1.0).abs() < 0.06 && c.dispersion_p > 0.01,
            "{c:?}"
        );
        // Garwood 95% for 0 events in one unit: [0, 3.689]
        let c = fit_count(&[0, 0, 0], 0.95).unwrap();
        assert!((c.mean.high - 3.688_879 / 3.0).abs() < 1e-5, "{c:?}");
        // Over-dispersed counts are flagged.
        let c = fit_count(&[0, 0, 0, 10, 10, 10, 0, 0, 10, 10], 0.95).unwrap();
        assert!(c.dispersion > 4.0 && c.dispersion_p < 1e-6, "{c:?}");
    }

    /// Share of `reps` samples of `n` whose interval covers the truth.
    fn coverage(reps: u64, mut covers: impl FnMut(u64) -> bool) -> f64 {
        (0..reps).filter(|r| covers(*r)).count() as f64 / reps as f64
    }

    #[test]
    fn ninety_five_percent_intervals_cover_about_95_percent() {
        let reps = 400;
        // Binomial sd of a 95% coverage over 400 runs is 1.1 pp: accept 91.5–98.5%.
        let ok = |c: f64| (0.915..=0.985).contains(&c);
        let exp = coverage(reps, |r| {
            let x = draw(Dist::Exponential { mean: 2.0 }, 30, 100 + r);
            param(&exponential(&x, 0.95), "mean").covers(2.0)
        });
        let logn = Dist::LogNormal {
            median: 4.0,
            sigma: 0.6,
        };
        let median = coverage(reps, |r| {
            param(&lognormal(&draw(logn, 30, 1000 + r), 0.95), "median").covers(4.0)
        });
        let sigma = coverage(reps, |r| {
            param(&lognormal(&draw(logn, 30, 1000 + r), 0.95), "sigma").covers(0.6)
        });
        let gam = Dist::Gamma {
            shape: 2.0,
            mean: 3.0,
        };
        let shape = coverage(reps, |r| {
            param(&gamma(&draw(gam, 200, 2000 + r), 0.95), "shape").covers(2.0)
        });
        let gmean = coverage(reps, |r| {
            param(&gamma(&draw(gam, 200, 2000 + r), 0.95), "mean").covers(3.0)
        });
        let rate = coverage(reps, |r| {
            let mut rng = ChaCha8Rng::seed_from_u64(3000 + r);
            let k = (0..200).filter(|_| rng.random_bool(0.05)).count() as u64;
            fit_rate(k, 200, 0.95).unwrap().p.covers(0.05)
        });
        let count = coverage(reps, |r| {
            let mut rng = ChaCha8Rng::seed_from_u64(4000 + r);
            let pois = Poisson::new(4.0).unwrap();
            let c: Vec<u64> = (0..50).map(|_| pois.sample(&mut rng) as u64).collect();
            fit_count(&c, 0.95).unwrap().mean.covers(4.0)
        });
        for (name, c) in [
            ("exponential mean", exp),
            ("lognormal median", median),
            ("lognormal sigma", sigma),
            ("gamma shape", shape),
            ("gamma mean", gmean),
            ("bernoulli p", rate),
            ("poisson mean", count),
        ] {
            assert!(ok(c), "{name}: coverage {c}");
        }
    }

    /// Each value of `x` cut off at an independent window drawn uniformly from `window`:
    /// (finished, watched-for of the cut-off ones).
    fn censor(x: &[f64], window: (f64, f64), seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut done, mut cut) = (Vec::new(), Vec::new());
        for v in x {
            let l = rng.random_range(window.0..window.1);
            if *v < l { done.push(*v) } else { cut.push(l) }
        }
        (done, cut)
    }

    #[test]
    fn censored_fits_recover_what_dropping_the_cut_offs_biases() {
        let truth = Dist::LogNormal {
            median: 24.0,
            sigma: 0.54,
        };
        let (done, cut) = censor(&draw(truth, 4000, 20), (10.0, 60.0), 21);
        assert!(cut.len() > 400, "{}", cut.len());
        // Dropping the cut-off (long) ones: the median is far too low.
        let dropped = fit_duration(&done, 0.99).unwrap();
        let naive = dropped.candidate(Family::Lognormal).unwrap();
        assert!(param(naive, "median").high < 24.0, "{naive:?}");
        let fit = fit_duration_censored(&done, &cut, 0.99).unwrap();
        assert_eq!((fit.n, fit.censored), (done.len(), cut.len()));
        assert_eq!(fit.best().family, Family::Lognormal);
        let (m, s) = (param(fit.best(), "median"), param(fit.best(), "sigma"));
        assert!(m.covers(24.0) && s.covers(0.54), "{m:?} {s:?}");
        assert!(fit.ks.d < 0.03, "{:?}", fit.ks);

        let gam = Dist::Gamma {
            shape: 2.0,
            mean: 5.0,
        };
        let (done, cut) = censor(&draw(gam, 4000, 22), (2.0, 12.0), 23);
        let fit = fit_duration_censored(&done, &cut, 0.99).unwrap();
        let g = fit.candidate(Family::Gamma).unwrap();
        assert!(
            param(g, "shape").covers(2.0) && param(g, "mean").covers(5.0),
            "{g:?}"
        );

        let (done, cut) = censor(
            &draw(Dist::Exponential { mean: 8.0 }, 4000, 24),
            (4.0, 20.0),
            25,
        );
        let fit = fit_duration_censored(&done, &cut, 0.99).unwrap();
        let e = param(fit.candidate(Family::Exponential).unwrap(), "mean");
        assert!(e.covers(8.0), "{e:?}");
    }

    #[test]
    fn censored_intervals_cover_about_95_percent() {
        let truth = Dist::LogNormal {
            median: 4.0,
            sigma: 0.6,
        };
        let (mut median, mut sigma) = (0, 0);
        let reps = 200;
        for r in 0..reps {
            let (done, cut) = censor(&draw(truth, 150, 5000 + r), (2.0, 10.0), 6000 + r);
            let c = numeric_candidate(Family::Lognormal, &done, &cut, 0.95);
            median += usize::from(param(&c, "median").covers(4.0));
            sigma += usize::from(param(&c, "sigma").covers(0.6));
        }
        // Binomial sd over 200 runs is 1.5 pp: accept 90–99%.
        for (name, k) in [("median", median), ("sigma", sigma)] {
            let c = k as f64 / reps as f64;
            assert!((0.90..=0.99).contains(&c), "{name}: coverage {c}");
        }
    }

    #[test]
    fn without_censoring_the_censored_fit_is_the_closed_form() {
        let x = draw(
            Dist::Gamma {
                shape: 3.0,
                mean: 2.0,
            },
            500,
            26,
        );
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(
            fit_duration_censored(&x, &[0.0], 0.95),
            fit_duration(&x, 0.95)
        );
        let cdf_fit = |v: f64| {
            cdf(
                &Dist::Gamma {
                    shape: 3.0,
                    mean: 2.0,
                },
                v,
            )
        };
        let (km, classic) = (
            ks_statistic_censored(&sorted, &[], cdf_fit),
            ks_statistic(&sorted, cdf_fit),
        );
        assert!((km - classic).abs() < 1e-12, "{km} {classic}");
        // And the numerical optimiser lands on the closed form.
        let c = numeric_candidate(Family::Gamma, &sorted, &[], 0.95);
        let exact = gamma(&sorted, 0.95);
        assert!(rel(param(&c, "shape").value, param(&exact, "shape").value) < 1e-6);
        assert!(rel(param(&c, "mean").value, param(&exact, "mean").value) < 1e-6);
        assert!((c.log_likelihood - exact.log_likelihood).abs() < 1e-6);
        // Its Wald interval from the numerical Hessian matches the analytic information.
        assert!(rel(param(&c, "shape").low, param(&exact, "shape").low) < 1e-3);
    }

    #[test]
    fn the_incident_model_recovers_rate_and_delay_seen_only_within_the_episode() {
        let mut rng = ChaCha8Rng::seed_from_u64(27);
        let (mut seen, mut free) = (Vec::new(), Vec::new());
        let delay = Dist::Exponential { mean: 8.0 };
        for _ in 0..40_000 {
            let window = rng.random_range(12.0..40.0);
            let x = delay.sample(&mut rng);
            if rng.random_bool(0.03) && x < window {
                seen.push(x);
            } else {
                free.push(window);
            }
        }
        let naive = fit_rate(seen.len() as u64, 40_000, 0.99).unwrap();
        assert!(!naive.p.covers(0.03), "{naive:?}");
        let f = fit_incidents(&seen, &free, 0.99).unwrap();
        assert!(f.rate.p.covers(0.03), "{:?}", f.rate);
        let e = f.delay.candidate(Family::Exponential).unwrap();
        assert!(param(e, "mean").covers(8.0), "{e:?}");
        assert!(f.delay.ks.d < 0.1, "{:?}", f.delay.ks);
        assert!(fit_incidents(&[1.0, 2.0], &free, 0.95).is_err());
    }

    #[test]
    fn wider_level_gives_wider_intervals() {
        let x = draw(Dist::Exponential { mean: 2.0 }, 100, 8);
        let a = param(&exponential(&x, 0.95), "mean");
        let b = param(&exponential(&x, 0.99), "mean");
        assert!(b.low < a.low && a.high < b.high);
    }
}
