//! `fit` checks itself: the fitted scenario is simulated at once and its cycle times (branch
//! cut to 100%) are compared with the log's, the way business-process-simulation tools such
//! as Simod score a discovered model: the two-sample Kolmogorov–Smirnov statistic and its
//! p-value, the Wasserstein (earth mover's) distance in hours, and the median and p85 side
//! by side, per platform and pooled. A verdict on the pooled cycles says whether the
//! scenario reproduces the log ([`VERDICT_RULE`]); docs/fit.md explains the rule.
//!
//! The log's cycles are the log replayed as it happened (policy `recorded`, as `replay` and
//! `check` read it); the simulation runs [`SEEDS`] seeds from seed [`FIRST_SEED`] of the
//! scenario's own season under the policy whose actors agree with the log's most
//! ([`choose_policy`]). Open track-cycles (still in progress at the end) and cancelled ones
//! are left out of both samples and counted.

use crate::engine::{self, Detail, Outcome as TrackOutcome, RunResult};
use crate::eventlog::Log;
use crate::model::{Actor, Kind, Step};
use crate::scenario::{Policy, Scenario};
use crate::sweep::Sweep;
use crate::world::SeasonWorld;
use crate::world::recorded::RecordedSeason;

use super::special::kolmogorov_sf;

/// Seeds the fitted scenario is simulated with.
pub const SEEDS: u64 = 50;

/// The first of them.
pub const FIRST_SEED: u64 = 1;

/// Fewer shipped cycles in the log than this are not judged: their median and
/// distribution are too uncertain to tell a good fit from a bad one.
pub const MIN_LOG_CYCLES: usize = 10;

/// Below this KS p-value the log's cycle times are unlikely to be a sample of the
/// simulated ones.
pub const KS_P_FAIL: f64 = 0.01;

/// A simulated median further than this (as a fraction) from the log's fails.
pub const MEDIAN_TOLERANCE: f64 = 0.25;

/// The rule, in words, as the output and the fitted file's header print it.
pub const VERDICT_RULE: &str = "fails when the pooled KS p-value is under 0.01 or the \
     simulated median is more than 25% from the log's; not judged under 10 shipped cycles";

/// Above this many pairs (log cycles × simulated cycles) the KS p-value is the asymptotic
/// one; at or below it, exact.
pub const EXACT_KS_MAX_PAIRS: u64 = 100_000_000;

/// The shipped cycle times of one side, per platform, and what was left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cycles {
    /// Cycle hours of the shipped track-cycles, per platform index, ascending.
    pub hours: Vec<Vec<f64>>,
    /// Track-cycles still in progress at the end, left out.
    pub open: usize,
    /// Track-cycles cancelled, left out.
    pub cancelled: usize,
}

impl Cycles {
    fn of(runs: &[RunResult], platforms: usize) -> Cycles {
        let mut c = Cycles {
            hours: vec![Vec::new(); platforms],
            ..Cycles::default()
        };
        for t in runs.iter().flat_map(|r| &r.tracks) {
            match t.outcome {
                TrackOutcome::Open => c.open += 1,
                TrackOutcome::Cancelled => c.cancelled += 1,
                TrackOutcome::Shipped => {
                    if let (Some(h), Some(v)) = (t.cycle_hours(), c.hours.get_mut(t.platform)) {
                        v.push(h);
                    }
                }
            }
        }
        for v in &mut c.hours {
            v.sort_by(f64::total_cmp);
        }
        c
    }

    /// Every platform's cycles, ascending.
    pub fn pooled(&self) -> Vec<f64> {
        let mut all: Vec<f64> = self.hours.iter().flatten().copied().collect();
        all.sort_by(f64::total_cmp);
        all
    }

    /// Shipped track-cycles.
    pub fn shipped(&self) -> usize {
        self.hours.iter().map(Vec::len).sum()
    }
}

/// How the KS p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsMethod {
    /// The exact null distribution of D for these two sample sizes (lattice paths).
    Exact,
    /// The asymptotic Kolmogorov distribution with Stephens' small-sample factor.
    Asymptotic,
}

impl KsMethod {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            KsMethod::Exact => "exact",
            KsMethod::Asymptotic => "asymptotic",
        }
    }
}

/// The log's and the simulation's cycle times of one platform (or pooled) side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The platform's name, or `all`.
    pub platform: String,
    /// Shipped cycles in the log.
    pub log_n: usize,
    /// Shipped cycles simulated.
    pub simulated_n: usize,
    /// Median cycle hours of the log (type 7).
    pub log_median: Option<f64>,
    /// Median cycle hours simulated.
    pub simulated_median: Option<f64>,
    /// 85th percentile of the log.
    pub log_p85: Option<f64>,
    /// 85th percentile simulated.
    pub simulated_p85: Option<f64>,
    /// Two-sample KS statistic, its p-value and how it was computed; `None` when a side is
    /// empty.
    pub ks: Option<(f64, f64, KsMethod)>,
    /// Wasserstein-1 distance between the two empirical distributions, hours.
    pub wasserstein_hours: Option<f64>,
}

impl Comparison {
    fn of(platform: &str, log: &[f64], sim: &[f64]) -> Comparison {
        let q = |v: &[f64], p: f64| crate::stats::quantile_sorted(v, p);
        let both = !log.is_empty() && !sim.is_empty();
        Comparison {
            platform: platform.to_string(),
            log_n: log.len(),
            simulated_n: sim.len(),
            log_median: q(log, 0.5),
            simulated_median: q(sim, 0.5),
            log_p85: q(log, 0.85),
            simulated_p85: q(sim, 0.85),
            ks: both.then(|| ks_two_sample(log, sim)),
            wasserstein_hours: both.then(|| wasserstein(log, sim)),
        }
    }

    /// The simulated median's difference from the log's, as a fraction of the log's.
    pub fn median_change(&self) -> Option<f64> {
        match (self.log_median, self.simulated_median) {
            (Some(l), Some(s)) if l > 0.0 => Some(s / l - 1.0),
            _ => None,
        }
    }
}

/// Whether the fitted scenario reproduces the log's cycle times.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// It does, by [`VERDICT_RULE`].
    Pass,
    /// It does not: the reasons, each a sentence with its figures.
    Fail(Vec<String>),
    /// Too little to judge: why.
    NotJudged(String),
}

/// The fitted scenario simulated against the log.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfCheck {
    /// The policy simulated.
    pub policy: String,
    /// Why that policy: how many of the log's recorded steps its actors agree with.
    pub policy_reason: String,
    /// The first seed simulated.
    pub first_seed: u64,
    /// Seeds simulated.
    pub seeds: u64,
    /// Versions per simulated season (the scenario's).
    pub weeks: u32,
    /// The platforms' names, in scenario order.
    pub platforms: Vec<String>,
    /// The log's cycles.
    pub log: Cycles,
    /// The simulation's cycles.
    pub simulated: Cycles,
    /// Per platform, then pooled (`all`).
    pub comparisons: Vec<Comparison>,
    /// The verdict on the pooled comparison.
    pub verdict: Verdict,
}

impl SelfCheck {
    /// The pooled comparison.
    pub fn pooled(&self) -> &Comparison {
        &self.comparisons[self.comparisons.len() - 1]
    }

    /// One line for people: the pooled figures and the verdict.
    pub fn summary(&self) -> String {
        let c = self.pooled();
        let h = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1} h"));
        let ks = c.ks.map_or("KS -".to_string(), |(d, p, _)| {
            format!("KS D {d:.3} (p {})", p_text(p))
        });
        let verdict = match &self.verdict {
            Verdict::Pass => "pass".to_string(),
            Verdict::Fail(why) => format!("FAIL: {}", why.join("; ")),
            Verdict::NotJudged(why) => format!("not judged: {why}"),
        };
        format!(
            "median {} (log {}), p85 {} (log {}), {ks}, Wasserstein {}: {verdict}",
            h(c.simulated_median),
            h(c.log_median),
            h(c.simulated_p85),
            h(c.log_p85),
            h(c.wasserstein_hours),
        )
    }
}

/// A p-value for people: three decimals, `<0.001` below.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// Simulates `fitted` ([`SEEDS`] seeds, its own season, the policy [`choose_policy`]
/// picks) and compares its cycle times with those of `log` replayed as it happened on
/// `base` (`seasons` is `RecordedSeason::from_log(log, base)`). Runs on the current rayon
/// pool; the result does not depend on its size.
pub fn self_check(
    base: &Scenario,
    fitted: &Scenario,
    log: &Log,
    seasons: &[RecordedSeason],
) -> SelfCheck {
    let platforms = base.platforms.len();
    let recorded = engine::recorded_policy();
    let replayed: Vec<RunResult> = seasons
        .iter()
        .map(|s| {
            let world = SeasonWorld::as_recorded(base, s);
            engine::run(base, &recorded, world, Detail::Summary)
        })
        .collect();
    let log_cycles = Cycles::of(&replayed, platforms);

    let (policy, policy_reason) = choose_policy(fitted, log);
    let sweep = Sweep {
        scenario: fitted,
        policies: vec![policy],
        first_seed: FIRST_SEED,
        seeds: SEEDS,
        weeks: fitted.season.weeks,
        detail: Detail::Summary,
    };
    let simulated = Cycles::of(&sweep.run(), fitted.platforms.len());

    let names: Vec<String> = base.platforms.iter().map(|p| p.name.clone()).collect();
    let mut comparisons: Vec<Comparison> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let empty = Vec::new();
            let sim = simulated.hours.get(i).unwrap_or(&empty);
            Comparison::of(name, &log_cycles.hours[i], sim)
        })
        .collect();
    let pooled = Comparison::of(
        crate::analysis::ALL_PLATFORMS,
        &log_cycles.pooled(),
        &simulated.pooled(),
    );
    let verdict = judge(&pooled);
    comparisons.push(pooled);
    SelfCheck {
        policy: policy.name.clone(),
        policy_reason,
        first_seed: FIRST_SEED,
        seeds: SEEDS,
        weeks: fitted.season.weeks,
        platforms: names,
        log: log_cycles,
        simulated,
        comparisons,
        verdict,
    }
}

/// The verdict on one comparison by [`VERDICT_RULE`].
fn judge(c: &Comparison) -> Verdict {
    if c.log_n < MIN_LOG_CYCLES {
        return Verdict::NotJudged(format!(
            "the log has {} shipped cycles ({MIN_LOG_CYCLES} needed)",
            c.log_n
        ));
    }
    let Some((d, p, _)) = c.ks else {
        return Verdict::NotJudged("the simulation shipped no cycle".into());
    };
    let mut why = Vec::new();
    if p < KS_P_FAIL {
        why.push(format!(
            "the cycle-time distributions differ (KS D {d:.3}, p {}: under {KS_P_FAIL})",
            p_text(p)
        ));
    }
    if let (Some(change), Some(l), Some(s)) = (c.median_change(), c.log_median, c.simulated_median)
        && change.abs() > MEDIAN_TOLERANCE
    {
        why.push(format!(
            "the simulated median {s:.1} h is {:.0}% {} the log's {l:.1} h (more than {:.0}%)",
            change.abs() * 100.0,
            if change > 0.0 { "above" } else { "below" },
            MEDIAN_TOLERANCE * 100.0
        ));
    }
    if why.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(why)
    }
}

/// The scenario's policy whose actors agree with the most of the log's recorded steps
/// (`final_rc`, `submitted` and `resumed`, the first `rollout` step and `rollout` 100, each
/// by `robot` or a person); the first such policy on a tie (in the shipped scenarios,
/// `manual`). Returns it with the reason in words.
pub fn choose_policy<'a>(scenario: &'a Scenario, log: &Log) -> (&'a Policy, String) {
    // Rows per step, by a robot and by people.
    let mut robot = [0usize; 4];
    let mut people = [0usize; 4];
    for r in log.seeds.values().flatten().flat_map(|t| &t.rows) {
        let step = match (r.kind, r.value) {
            (Kind::FinalRc, _) => Step::FinalRc,
            (Kind::Submitted | Kind::Resumed, _) => Step::Submit,
            (Kind::Rollout, Some(v)) if v >= 100.0 => Step::Rollout100,
            (Kind::Rollout, _) => Step::Rollout1,
            _ => continue,
        };
        match r.reference.as_deref() {
            Some("robot") => robot[step.index()] += 1,
            _ => people[step.index()] += 1,
        }
    }
    let steps: usize = robot.iter().chain(&people).sum();
    let agree = |p: &Policy| -> usize {
        Step::ALL
            .iter()
            .map(|s| match p.actor(*s) {
                Actor::Robot => robot[s.index()],
                _ => people[s.index()],
            })
            .sum()
    };
    let mut best = &scenario.policies[0];
    for p in &scenario.policies {
        if agree(p) > agree(best) {
            best = p;
        }
    }
    let robots: usize = robot.iter().sum();
    let reason = if steps == 0 {
        format!(
            "the log records no step's actor; {} is the scenario's first policy",
            best.name
        )
    } else {
        format!(
            "its actors agree with {} of the log's {steps} recorded steps ({robots} by robot)",
            agree(best)
        )
    };
    (best, reason)
}

/// The two-sample Kolmogorov–Smirnov statistic D = sup |F_a − F_b| of ascending samples
/// `a` and `b` (both non-empty), with its p-value P(D ≥ observed) under the hypothesis that
/// both come from one continuous distribution: exact up to [`EXACT_KS_MAX_PAIRS`] pairs,
/// asymptotic beyond.
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> (f64, f64, KsMethod) {
    let (m, n) = (a.len() as u64, b.len() as u64);
    // D·m·n as an integer: the largest |i·n − j·m| after each distinct value.
    let (mut i, mut j, mut dn) = (0usize, 0usize, 0u64);
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) | (None, Some(&x)) => x,
            (None, None) => break,
        };
        while a.get(i).is_some_and(|v| *v <= x) {
            i += 1;
        }
        while b.get(j).is_some_and(|v| *v <= x) {
            j += 1;
        }
        dn = dn.max((i as u64 * n).abs_diff(j as u64 * m));
    }
    let d = dn as f64 / (m * n) as f64;
    if m * n <= EXACT_KS_MAX_PAIRS {
        (d, ks_exact_p(m as usize, n as usize, dn), KsMethod::Exact)
    } else {
        let en = (m * n) as f64 / (m + n) as f64;
        let rn = en.sqrt();
        (
            d,
            kolmogorov_sf((rn + 0.12 + 0.11 / rn) * d),
            KsMethod::Asymptotic,
        )
    }
}

/// P(max |i·n − j·m| ≥ `dn`) over the lattice path of a uniformly random ordering of `m`
/// values of one sample and `n` of the other (Hodges 1957). The probability mass of a
/// random path is carried row by row (each step's probability is the share of that sample
/// among the values left), and the mass that reaches a point outside the band is summed
/// instead of carried on, so a small p-value keeps its precision. O(m·n) time, O(n) memory.
fn ks_exact_p(m: usize, n: usize, dn: u64) -> f64 {
    if dn == 0 {
        return 1.0;
    }
    let outside = |i: usize, j: usize| (i as u64 * n as u64).abs_diff(j as u64 * m as u64) >= dn;
    let total = (m + n) as f64;
    let mut row = vec![0.0f64; n + 1];
    let mut escaped = 0.0;
    for i in 0..=m {
        for j in 0..=n {
            let mass = if i == 0 && j == 0 {
                1.0
            } else {
                // Arriving from the left (a value of the first sample was the
                // (i + j)-th) or from below (one of the second).
                let left = (i + j) as f64;
                let from_left = if i > 0 {
                    row[j] * (m - i + 1) as f64 / (total - left + 1.0)
                } else {
                    0.0
                };
                let from_below = if j > 0 {
                    row[j - 1] * (n - j + 1) as f64 / (total - left + 1.0)
                } else {
                    0.0
                };
                from_left + from_below
            };
            if outside(i, j) {
                escaped += mass;
                row[j] = 0.0;
            } else {
                row[j] = mass;
            }
        }
    }
    escaped.clamp(0.0, 1.0)
}

/// The Wasserstein-1 distance ∫ |F_a(x) − F_b(x)| dx between the empirical distributions of
/// ascending samples `a` and `b` (both non-empty), in their unit.
pub fn wasserstein(a: &[f64], b: &[f64]) -> f64 {
    let (m, n) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut last: Option<f64> = None;
    let mut sum = 0.0;
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) | (None, Some(&x)) => x,
            (None, None) => break,
        };
        if let Some(prev) = last {
            sum += (i as f64 / m - j as f64 / n).abs() * (x - prev);
        }
        while a.get(i).is_some_and(|v| *v <= x) {
            i += 1;
        }
        while b.get(j).is_some_and(|v| *v <= x) {
            j += 1;
        }
        last = Some(x);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Binomial coefficient as a float (small arguments).
    fn choose(n: u64, k: u64) -> f64 {
        (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
    }

    /// P(D ≥ dn/(m·n)) by enumerating every ordering of m a's and n b's.
    fn brute_force_p(m: usize, n: usize, dn: u64) -> f64 {
        let total = m + n;
        let mut hits = 0u64;
        for mask in 0u32..(1 << total) {
            if mask.count_ones() as usize != m {
                continue;
            }
            let (mut i, mut j, mut worst) = (0u64, 0u64, 0u64);
            for k in 0..total {
                if mask & (1 << k) != 0 {
                    i += 1;
                } else {
                    j += 1;
                }
                worst = worst.max((i * n as u64).abs_diff(j * m as u64));
            }
            if worst >= dn {
                hits += 1;
            }
        }
        hits as f64 / choose(total as u64, m as u64)
    }

    #[test]
    fn the_exact_ks_p_value_counts_every_ordering() {
        for (m, n) in [(3, 4), (5, 5), (6, 2), (7, 9)] {
            for dn in 1..=(m * n) as u64 {
                let want = brute_force_p(m, n, dn);
                let got = ks_exact_p(m, n, dn);
                assert!((got - want).abs() < 1e-12, "{m} {n} {dn}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn ks_statistic_and_p_on_known_samples() {
        // Disjoint samples: D = 1, and p = 2 / C(m + n, m) (all a's first, or all b's).
        let a = [1.0, 2.0, 3.0];
        let b = [4.0, 5.0, 6.0, 7.0];
        let (d, p, method) = ks_two_sample(&a, &b);
        assert_eq!((d, method), (1.0, KsMethod::Exact));
        assert!((p - 2.0 / 35.0).abs() < 1e-15, "{p}");
        // Identical samples: D = 0, p = 1.
        let (d, p, _) = ks_two_sample(&a, &a);
        assert_eq!((d, p), (0.0, 1.0));
        // Ties across the samples are consumed together: F_a(2) = 2/3, F_b(2) = 1/2.
        let (d, _, _) = ks_two_sample(&[1.0, 2.0, 3.0], &[2.0, 2.5]);
        assert!((d - 1.0 / 3.0).abs() < 1e-15, "{d}");
    }

    #[test]
    fn wasserstein_is_the_area_between_the_distribution_functions() {
        // Shifting a sample by c moves it by exactly c.
        let a = [1.0, 2.0, 4.0, 8.0];
        let b: Vec<f64> = a.iter().map(|x| x + 3.0).collect();
        assert!((wasserstein(&a, &b) - 3.0).abs() < 1e-12);
        // Equal sizes: the mean absolute difference of the sorted values.
        let c = [0.0, 5.0, 6.0, 7.0];
        let want = (1.0 + 3.0 + 2.0 + 1.0) / 4.0;
        assert!((wasserstein(&a, &c) - want).abs() < 1e-12);
        // Unequal sizes: {0, 1} against {0}: half the mass moves 1.
        assert!((wasserstein(&[0.0, 1.0], &[0.0]) - 0.5).abs() < 1e-12);
        assert_eq!(wasserstein(&a, &a), 0.0);
    }

    #[test]
    fn the_verdict_fails_on_a_distant_median_and_a_small_p() {
        let log: Vec<f64> = (0..40).map(|i| 100.0 + i as f64).collect();
        let close: Vec<f64> = (0..400).map(|i| 100.5 + i as f64 / 10.0).collect();
        assert_eq!(judge(&Comparison::of("all", &log, &close)), Verdict::Pass);
        let third: Vec<f64> = log.iter().map(|x| x / 3.0).collect();
        let Verdict::Fail(why) = judge(&Comparison::of("all", &log, &third)) else {
            panic!("a simulation at a third of the log passed");
        };
        assert_eq!(why.len(), 2, "{why:?}");
        assert!(why[1].contains("67% below"), "{why:?}");
        let few = judge(&Comparison::of("all", &log[..9], &close));
        assert!(matches!(few, Verdict::NotJudged(_)), "{few:?}");
    }
}
