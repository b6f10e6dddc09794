//! The metrics `check` guards, computed from per-track cycles with confidence intervals.

use std::fmt;

use crate::analysis::safety::{SafetyBasis, SafetyTally, TrackSafety};

/// A guarded metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Median hours from branch cut to 100%, over shipped track-cycles.
    CycleP50Hours,
    /// 85th percentile of the same.
    CycleP85Hours,
    /// 95th percentile of the same.
    CycleP95Hours,
    /// Mean of the same.
    CycleMeanHours,
    /// Share of track-cycles that reached 100% (0 to 1).
    SuccessRate,
    /// Severe defects escaped past the rollout's first stage, per release that reached users
    /// ([`crate::analysis::safety::SafetyFigures::escaped`]).
    EscapedPerRelease,
    /// User exposure to severe defects, share-of-users hours per release.
    ExposureHoursPerRelease,
    /// Hotfixes (point releases) per shipped release.
    HotfixesPerRelease,
    /// Share of the releases that failed in users' hands (0 to 1; DORA).
    ChangeFailureRate,
    /// Median hours from an escaped defect's report to its hotfix (time to restore).
    RestoreP50Hours,
}

impl Metric {
    /// How many metrics there are.
    pub const COUNT: usize = 10;

    /// Every metric: the cycle-time ones, then the safety ones.
    pub const ALL: [Metric; Metric::COUNT] = [
        Metric::CycleP50Hours,
        Metric::CycleP85Hours,
        Metric::CycleP95Hours,
        Metric::CycleMeanHours,
        Metric::SuccessRate,
        Metric::EscapedPerRelease,
        Metric::ExposureHoursPerRelease,
        Metric::HotfixesPerRelease,
        Metric::ChangeFailureRate,
        Metric::RestoreP50Hours,
    ];

    /// The name used in baseline files and output.
    pub fn name(self) -> &'static str {
        match self {
            Metric::CycleP50Hours => "cycle_p50_hours",
            Metric::CycleP85Hours => "cycle_p85_hours",
            Metric::CycleP95Hours => "cycle_p95_hours",
            Metric::CycleMeanHours => "cycle_mean_hours",
            Metric::SuccessRate => "success_rate",
            Metric::EscapedPerRelease => "escaped_per_release",
            Metric::ExposureHoursPerRelease => "exposure_hours_per_release",
            Metric::HotfixesPerRelease => "hotfixes_per_release",
            Metric::ChangeFailureRate => "change_failure_rate",
            Metric::RestoreP50Hours => "restore_p50_hours",
        }
    }

    /// The metric named `name`.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The unit for people: `h`, `%` for rates (stored as fractions), `per release` for
    /// counts per shipped release, `share-h` for share-of-users hours.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::SuccessRate | Metric::ChangeFailureRate => "%",
            Metric::EscapedPerRelease | Metric::HotfixesPerRelease => "per release",
            Metric::ExposureHoursPerRelease => "share-h",
            _ => "h",
        }
    }

    /// A safety metric: from the defect model (a simulation: the scenario's assumptions) or
    /// a history's hotfixes.
    pub fn is_safety(self) -> bool {
        self as usize >= Metric::EscapedPerRelease as usize
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One track-cycle, as `check` sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The policy.
    pub policy: String,
    /// The platform.
    pub platform: String,
    /// The seed (the bootstrap's unit).
    pub seed: u64,
    /// The version (the bootstrap's unit when there is a single seed).
    pub version: u32,
    /// Hours from branch cut to 100%; `None` when cancelled.
    pub cycle_hours: Option<f64>,
    /// Its safety record (defects, hotfixes, time to restore).
    pub safety: TrackSafety,
}

/// The figures of one (policy, platform) group.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Figures {
    p50: Option<f64>,
    p85: Option<f64>,
    p95: Option<f64>,
    mean: Option<f64>,
    success: Option<f64>,
    escaped: Option<f64>,
    exposure: Option<f64>,
    hotfixes: Option<f64>,
    change_failure: Option<f64>,
    restore_p50: Option<f64>,
}

/// One bootstrap unit of a group (a seed, or a version of one seed): its track-cycles'
/// cycle hours (`None` when cancelled) and their safety tally.
type Unit = (Vec<Option<f64>>, SafetyTally);

impl Figures {
    /// The figures of the track-cycles whose cycle hours are `samples` and whose safety
    /// records are tallied in `safety` (the one definition of the safety figures,
    /// [`SafetyTally::figures`]). `scratch` is reused between calls.
    fn of(
        samples: impl Iterator<Item = Option<f64>>,
        safety: &mut SafetyTally,
        scratch: &mut Vec<f64>,
    ) -> Figures {
        scratch.clear();
        let mut tracks = 0usize;
        for hours in samples {
            tracks += 1;
            if let Some(h) = hours {
                scratch.push(h);
            }
        }
        if tracks == 0 {
            return Figures::default();
        }
        let f = safety.figures();
        let mut out = Figures {
            success: Some(scratch.len() as f64 / tracks as f64),
            escaped: f.escaped,
            exposure: f.exposure_hours,
            hotfixes: f.hotfixes,
            change_failure: f.change_failure_rate,
            restore_p50: f.restore_p50_hours,
            ..Figures::default()
        };
        if scratch.is_empty() {
            return out;
        }
        out.mean = Some(scratch.iter().sum::<f64>() / scratch.len() as f64);
        out.p50 = crate::stats::quantile_in_place(scratch, 0.50);
        out.p85 = crate::stats::quantile_in_place(scratch, 0.85);
        out.p95 = crate::stats::quantile_in_place(scratch, 0.95);
        out
    }

    fn get(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::CycleP50Hours => self.p50,
            Metric::CycleP85Hours => self.p85,
            Metric::CycleP95Hours => self.p95,
            Metric::CycleMeanHours => self.mean,
            Metric::SuccessRate => self.success,
            Metric::EscapedPerRelease => self.escaped,
            Metric::ExposureHoursPerRelease => self.exposure,
            Metric::HotfixesPerRelease => self.hotfixes,
            Metric::ChangeFailureRate => self.change_failure,
            Metric::RestoreP50Hours => self.restore_p50,
        }
    }
}

/// A metric's value and, when the input is a sample of seeds, its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The value over every track-cycle of the group.
    pub value: Option<f64>,
    /// The percentile-bootstrap interval over whole units (seeds, or versions of one seed).
    pub ci: Option<(f64, f64)>,
    /// The bootstrap units (seeds, or versions of one seed) behind it.
    pub units: usize,
}

/// Seeds (bootstrap units) a noisy input needs before a safety metric is judged. Severe
/// defects are rare (about 0.3 escape per release), so a few seeds' mean swings far more
/// than a bootstrap over those few seeds shows (over two seeds it spans little more than
/// their two means): with 2 seeds of the baseline, 39 of its 120 safety-inclusive limits
/// "failed" against its own 200-seed baseline. Below this, a safety result is not judged
/// (`no data`, its value shown), never a failure from noise.
pub const MIN_SAFETY_UNITS: usize = 20;

/// Every metric of every (policy, platform) group of some track-cycles, platform `all`
/// pooling the platforms.
#[derive(Debug, Clone)]
pub struct Table {
    groups: std::collections::BTreeMap<(String, String), [Estimate; Metric::COUNT]>,
    /// Policies in first-seen order.
    pub policies: Vec<String>,
    /// Platforms in first-seen order, then `all`.
    pub platforms: Vec<String>,
    /// Distinct seeds.
    pub seeds: u64,
    /// What each policy's safety figures rest on (its track-cycles on every platform).
    pub safety_basis: Vec<(String, SafetyBasis)>,
}

impl Table {
    /// Computes every figure of `samples`. With `intervals`, each gets a `confidence`
    /// percentile-bootstrap interval resampling whole seeds (whole versions when there is
    /// one seed), [`crate::stats::BOOTSTRAP_RESAMPLES`] times from a generator seeded by
    /// the group's name, so the figures are the same on every run and machine.
    pub fn new(samples: &[Sample], intervals: bool, confidence: f64) -> Table {
        use rayon::prelude::*;
        let mut policies: Vec<String> = Vec::new();
        let mut platforms: Vec<String> = Vec::new();
        let mut seeds = std::collections::BTreeSet::new();
        for s in samples {
            if !policies.contains(&s.policy) {
                policies.push(s.policy.clone());
            }
            if !platforms.contains(&s.platform) {
                platforms.push(s.platform.clone());
            }
            seeds.insert(s.seed);
        }
        platforms.push(crate::analysis::ALL_PLATFORMS.to_string());
        let one_seed = seeds.len() < 2;
        let keys: Vec<(String, String)> = policies
            .iter()
            .flat_map(|p| platforms.iter().map(move |f| (p.clone(), f.clone())))
            .collect();
        let groups = keys
            .par_iter()
            .map(|(policy, platform)| {
                // The group's track-cycles per bootstrap unit, and the whole group's tally.
                let mut units: std::collections::BTreeMap<u64, Unit> = Default::default();
                let mut whole = SafetyTally::default();
                for s in samples.iter().filter(|s| {
                    s.policy == *policy
                        && (s.platform == *platform || platform == crate::analysis::ALL_PLATFORMS)
                }) {
                    let unit = if one_seed {
                        u64::from(s.version)
                    } else {
                        s.seed
                    };
                    let u = units.entry(unit).or_default();
                    u.0.push(s.cycle_hours);
                    u.1.add(&s.safety);
                    whole.add(&s.safety);
                }
                let units: Vec<Unit> = units.into_values().collect();
                let basis = whole.figures().basis;
                let mut scratch = Vec::new();
                let point = Figures::of(
                    units.iter().flat_map(|u| u.0.iter().copied()),
                    &mut whole,
                    &mut scratch,
                );
                let cis = if intervals && units.len() >= 2 {
                    bootstrap(&units, &format!("{policy}/{platform}"), confidence)
                } else {
                    [None; Metric::COUNT]
                };
                let est = Metric::ALL.map(|m| Estimate {
                    value: point.get(m),
                    ci: cis[m as usize],
                    units: units.len(),
                });
                ((policy.clone(), platform.clone()), (est, basis))
            })
            .collect::<Vec<_>>();
        let safety_basis = groups
            .iter()
            .filter(|((_, platform), _)| platform == crate::analysis::ALL_PLATFORMS)
            .map(|((policy, _), (_, basis))| (policy.clone(), *basis))
            .collect();
        let groups = groups
            .into_iter()
            .map(|(key, (est, _))| (key, est))
            .collect();
        Table {
            groups,
            policies,
            platforms,
            seeds: seeds.len() as u64,
            safety_basis,
        }
    }

    /// The estimate of `metric` for `policy` and `platform`; `None` when the group has no
    /// track-cycles at all.
    pub fn get(&self, policy: &str, platform: &str, metric: Metric) -> Option<Estimate> {
        self.groups
            .get(&(policy.to_string(), platform.to_string()))
            .map(|e| e[metric as usize])
    }
}

/// Percentile-bootstrap intervals of every metric, resampling whole `units`.
fn bootstrap(units: &[Unit], label: &str, confidence: f64) -> [Option<(f64, f64)>; Metric::COUNT] {
    use rand::RngExt;
    let mut rng = crate::stats::labelled_rng(label);
    let k = units.len();
    let mut draws: [Vec<f64>; Metric::COUNT] = Default::default();
    let (mut scratch, mut safety) = (Vec::new(), SafetyTally::default());
    let mut picked: Vec<usize> = Vec::with_capacity(k);
    for _ in 0..crate::stats::BOOTSTRAP_RESAMPLES {
        picked.clear();
        picked.extend((0..k).map(|_| rng.random_range(0..k)));
        safety.clear();
        for &u in &picked {
            safety.merge(&units[u].1);
        }
        let f = Figures::of(
            picked.iter().flat_map(|&u| units[u].0.iter().copied()),
            &mut safety,
            &mut scratch,
        );
        for m in Metric::ALL {
            if let Some(v) = f.get(m) {
                draws[m as usize].push(v);
            }
        }
    }
    let tail = (1.0 - confidence) / 2.0;
    draws.map(|mut d| {
        if d.len() < crate::stats::BOOTSTRAP_RESAMPLES / 2 {
            return None;
        }
        d.sort_by(f64::total_cmp);
        Some((
            crate::stats::quantile_sorted(&d, tail)?,
            crate::stats::quantile_sorted(&d, 1.0 - tail)?,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_in_place_match_the_sorted_definition() {
        let v: Vec<f64> = (0..37).map(|i| ((i * 7919) % 101) as f64 / 3.0).collect();
        for q in [0.0, 0.1, 0.5, 0.85, 0.95, 1.0] {
            let mut a = v.clone();
            assert_eq!(
                crate::stats::quantile_in_place(&mut a, q),
                crate::stats::quantile(&v, q),
                "{q}"
            );
        }
    }

    #[test]
    fn intervals_bracket_the_value_and_are_reproducible() {
        let samples: Vec<Sample> = (0..40u64)
            .flat_map(|seed| {
                (0..6u32).map(move |v| Sample {
                    policy: "manual".into(),
                    platform: if v % 2 == 0 { "ios" } else { "android" }.into(),
                    seed,
                    version: v,
                    cycle_hours: (seed % 13 != 0 || v != 3)
                        .then_some(100.0 + ((seed * 31 + u64::from(v) * 17) % 23) as f64),
                    safety: TrackSafety::default(),
                })
            })
            .collect();
        let t = Table::new(&samples, true, 0.95);
        assert_eq!(t.platforms, ["ios", "android", "all"]);
        for m in Metric::ALL.into_iter().filter(|m| !m.is_safety()) {
            let e = t.get("manual", "all", m).unwrap();
            let (lo, hi) = e.ci.unwrap();
            let v = e.value.unwrap();
            assert!(lo <= v && v <= hi, "{m}: {lo} {v} {hi}");
        }
        let again = Table::new(&samples, true, 0.95);
        assert_eq!(
            t.get("manual", "ios", Metric::CycleP85Hours),
            again.get("manual", "ios", Metric::CycleP85Hours)
        );
        let success = t
            .get("manual", "all", Metric::SuccessRate)
            .unwrap()
            .value
            .unwrap();
        assert!((success - 236.0 / 240.0).abs() < 1e-12);
        assert!(t.get("robot", "all", Metric::SuccessRate).is_none());
    }
}
