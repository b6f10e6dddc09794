//! The metrics `check` guards, computed from per-track cycles with confidence intervals.

use std::fmt;

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
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 5] = [
        Metric::CycleP50Hours,
        Metric::CycleP85Hours,
        Metric::CycleP95Hours,
        Metric::CycleMeanHours,
        Metric::SuccessRate,
    ];

    /// The name used in baseline files and output.
    pub fn name(self) -> &'static str {
        match self {
            Metric::CycleP50Hours => "cycle_p50_hours",
            Metric::CycleP85Hours => "cycle_p85_hours",
            Metric::CycleP95Hours => "cycle_p95_hours",
            Metric::CycleMeanHours => "cycle_mean_hours",
            Metric::SuccessRate => "success_rate",
        }
    }

    /// The metric named `name`.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The unit for people: `h`, or `%` for rates (stored as fractions).
    pub fn unit(self) -> &'static str {
        match self {
            Metric::SuccessRate => "%",
            _ => "h",
        }
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
}

/// The figures of one (policy, platform) group.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Figures {
    p50: Option<f64>,
    p85: Option<f64>,
    p95: Option<f64>,
    mean: Option<f64>,
    success: Option<f64>,
}

impl Figures {
    /// The figures of the track-cycles `samples` (cycle hours, `None` when cancelled).
    /// `scratch` is reused between calls.
    fn of(samples: impl Iterator<Item = Option<f64>>, scratch: &mut Vec<f64>) -> Figures {
        scratch.clear();
        let mut tracks = 0usize;
        for s in samples {
            tracks += 1;
            if let Some(h) = s {
                scratch.push(h);
            }
        }
        if tracks == 0 {
            return Figures::default();
        }
        let success = Some(scratch.len() as f64 / tracks as f64);
        if scratch.is_empty() {
            return Figures {
                success,
                ..Figures::default()
            };
        }
        let mean = scratch.iter().sum::<f64>() / scratch.len() as f64;
        Figures {
            p50: type7(scratch, 0.50),
            p85: type7(scratch, 0.85),
            p95: type7(scratch, 0.95),
            mean: Some(mean),
            success,
        }
    }

    fn get(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::CycleP50Hours => self.p50,
            Metric::CycleP85Hours => self.p85,
            Metric::CycleP95Hours => self.p95,
            Metric::CycleMeanHours => self.mean,
            Metric::SuccessRate => self.success,
        }
    }
}

/// The type-7 quantile of `v` (reordered in place): two selections, no sort.
fn type7(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let (_, x_lo, rest) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    let x_hi = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(x_lo);
    Some(x_lo + (h - lo as f64) * (x_hi - x_lo))
}

/// A metric's value and, when the input is a sample of seeds, its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The value over every track-cycle of the group.
    pub value: Option<f64>,
    /// The percentile-bootstrap interval over whole units (seeds, or versions of one seed).
    pub ci: Option<(f64, f64)>,
}

/// Every metric of every (policy, platform) group of some track-cycles, platform `all`
/// pooling the platforms.
#[derive(Debug, Clone)]
pub struct Table {
    groups: std::collections::BTreeMap<(String, String), [Estimate; 5]>,
    /// Policies in first-seen order.
    pub policies: Vec<String>,
    /// Platforms in first-seen order, then `all`.
    pub platforms: Vec<String>,
    /// Distinct seeds.
    pub seeds: u64,
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
                // The group's cycle hours per bootstrap unit.
                let mut units: std::collections::BTreeMap<u64, Vec<Option<f64>>> =
                    Default::default();
                for s in samples.iter().filter(|s| {
                    s.policy == *policy
                        && (s.platform == *platform || platform == crate::analysis::ALL_PLATFORMS)
                }) {
                    let unit = if one_seed {
                        u64::from(s.version)
                    } else {
                        s.seed
                    };
                    units.entry(unit).or_default().push(s.cycle_hours);
                }
                let units: Vec<Vec<Option<f64>>> = units.into_values().collect();
                let mut scratch = Vec::new();
                let point = Figures::of(units.iter().flatten().copied(), &mut scratch);
                let cis = if intervals && units.len() >= 2 {
                    bootstrap(&units, &format!("{policy}/{platform}"), confidence)
                } else {
                    [None; 5]
                };
                let est = Metric::ALL.map(|m| Estimate {
                    value: point.get(m),
                    ci: cis[m as usize],
                });
                ((policy.clone(), platform.clone()), est)
            })
            .collect();
        Table {
            groups,
            policies,
            platforms,
            seeds: seeds.len() as u64,
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
fn bootstrap(units: &[Vec<Option<f64>>], label: &str, confidence: f64) -> [Option<(f64, f64)>; 5] {
    use rand::RngExt;
    let mut rng = crate::stats::labelled_rng(label);
    let k = units.len();
    let mut draws: [Vec<f64>; 5] = Default::default();
    let mut scratch = Vec::new();
    let mut picked: Vec<usize> = Vec::with_capacity(k);
    for _ in 0..crate::stats::BOOTSTRAP_RESAMPLES {
        picked.clear();
        picked.extend((0..k).map(|_| rng.random_range(0..k)));
        let f = Figures::of(
            picked.iter().flat_map(|&u| units[u].iter().copied()),
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
    fn type7_matches_the_sorted_definition() {
        let v: Vec<f64> = (0..37).map(|i| ((i * 7919) % 101) as f64 / 3.0).collect();
        for q in [0.0, 0.1, 0.5, 0.85, 0.95, 1.0] {
            let mut a = v.clone();
            assert_eq!(type7(&mut a, q), crate::stats::quantile(&v, q), "{q}");
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
                })
            })
            .collect();
        let t = Table::new(&samples, true, 0.95);
        assert_eq!(t.platforms, ["ios", "android", "all"]);
        for m in Metric::ALL {
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
