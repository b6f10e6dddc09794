//! The summary `conductor simulate` prints: per platform and policy, how often releases
//! ship, how long they take and where the time goes; then what each policy saves against
//! `manual`, paired on the same seeds. [`Summary::new`] computes it and [`render`] writes it
//! as plain-text tables or JSON.

mod format;

use std::collections::BTreeMap;

use serde::Serialize;

pub use format::{Format, render};

use crate::analysis::safety::{SafetyFields, SafetyFigures, TrackSafety};
use crate::engine::{Outcome, RunResult};
use crate::model::WaitingOn;
use crate::scenario::Scenario;
use crate::stats;

/// One platform × policy line. Field names and units follow the JSON vocabulary of
/// docs/formats.md ("JSON output"): hours end in `_hours`, fractions are 0 to 1.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The platform.
    pub platform: String,
    /// The policy.
    pub policy: String,
    /// Track-cycles simulated.
    pub tracks: usize,
    /// Track-cycles that reached 100%.
    pub shipped: usize,
    /// Track-cycles still in progress when the season ended (outcome `open`).
    pub open: usize,
    /// `shipped / (tracks − open)`: the share of settled track-cycles that shipped (0 to 1;
    /// null when none settled).
    pub success_rate: Option<f64>,
    /// Branch cut → 100% in hours, of shipped track-cycles: median (null when none shipped).
    pub cycle_p50_hours: Option<f64>,
    /// 85th percentile.
    pub cycle_p85_hours: Option<f64>,
    /// 95th percentile.
    pub cycle_p95_hours: Option<f64>,
    /// Mean.
    pub cycle_mean_hours: Option<f64>,
    /// Blocking bugs found before submission, per track-cycle.
    pub blockers_per_release: f64,
    /// Mean hours per shipped track-cycle waiting on each label (every label, in
    /// [`WaitingOn::ALL`] order); they sum to `cycle_mean_hours`.
    pub waiting_hours: BTreeMap<&'static str, f64>,
    /// Median over seeds of the season's longest weekday `manual_action` wait.
    pub longest_weekday_manual_wait_hours: Option<f64>,
}

/// The paired saving of one policy against `manual`.
#[derive(Debug, Clone, Serialize)]
pub struct Saving {
    /// The policy compared with the baseline.
    pub policy: String,
    /// The policy compared against (`manual`).
    pub baseline: String,
    /// A platform, or `all`.
    pub platform: String,
    /// Pairs: (seed, version, platform) shipped under both policies.
    pub pairs: usize,
    /// Mean of `baseline cycle − policy cycle`.
    pub saving_mean_hours: Option<f64>,
    /// Median.
    pub saving_p50_hours: Option<f64>,
    /// 90th percentile.
    pub saving_p90_hours: Option<f64>,
    /// 95% confidence interval of the mean (cluster-robust over seeds): lower bound.
    pub saving_ci95_low_hours: Option<f64>,
    /// Upper bound.
    pub saving_ci95_high_hours: Option<f64>,
}

/// The safety side of one platform × policy line (docs/model.md §10): per release that
/// reached users (entered the rollout), computed by [`crate::analysis::safety::SafetyFigures`]. In a simulation every
/// figure rests on the scenario's assumptions (`[world.defects]` and the rollout's
/// incidents), which `rests_on` says.
#[derive(Debug, Clone, Serialize)]
pub struct SafetyRow {
    /// The platform.
    pub platform: String,
    /// The policy.
    pub policy: String,
    /// The figures (`crate::analysis::safety`).
    #[serde(flatten)]
    pub figures: SafetyFields,
}

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// First seed.
    pub first_seed: u64,
    /// Seeds run per policy.
    pub seeds: u64,
    /// Versions per season.
    pub weeks: u32,
    /// Platform × policy lines, platform-major in scenario order.
    pub rows: Vec<Row>,
    /// Savings against `manual` (empty when `manual` was not run).
    pub savings: Vec<Saving>,
    /// The safety side, platform × policy in the order of `rows`.
    pub safety: Vec<SafetyRow>,
}

impl Summary {
    /// Summarises runs of `scenario` (any order; grouped by policy and platform here).
    pub fn new(
        scenario: &Scenario,
        runs: &[RunResult],
        first_seed: u64,
        seeds: u64,
        weeks: u32,
    ) -> Summary {
        let mut policies: Vec<&str> = Vec::new();
        for r in runs {
            if !policies.contains(&r.policy.as_str()) {
                policies.push(&r.policy);
            }
        }
        let mut rows = Vec::new();
        let mut safety = Vec::new();
        for (p, platform) in scenario.platforms.iter().enumerate() {
            for policy in &policies {
                rows.push(row(runs, policy, p, &platform.name));
                safety.push(safety_row(runs, policy, p, &platform.name));
            }
        }
        let mut savings = Vec::new();
        if policies.contains(&"manual") {
            for policy in policies.iter().filter(|p| **p != "manual") {
                savings.push(saving(runs, policy, None, "all"));
                for (p, platform) in scenario.platforms.iter().enumerate() {
                    savings.push(saving(runs, policy, Some(p), &platform.name));
                }
            }
        }
        Summary {
            scenario: scenario.name.clone(),
            first_seed,
            seeds,
            weeks,
            rows,
            savings,
            safety,
        }
    }
}

fn safety_row(runs: &[RunResult], policy: &str, platform: usize, name: &str) -> SafetyRow {
    let tracks: Vec<TrackSafety> = runs
        .iter()
        .filter(|r| r.policy == policy)
        .flat_map(|r| r.tracks.iter().filter(|t| t.platform == platform))
        .map(TrackSafety::of_result)
        .collect();
    SafetyRow {
        platform: name.to_string(),
        policy: policy.to_string(),
        figures: SafetyFields::from(&SafetyFigures::of(&tracks)),
    }
}

fn row(runs: &[RunResult], policy: &str, platform: usize, name: &str) -> Row {
    let tracks: Vec<_> = runs
        .iter()
        .filter(|r| r.policy == policy)
        .flat_map(|r| r.tracks.iter().filter(|t| t.platform == platform))
        .collect();
    let open = tracks.iter().filter(|t| t.outcome == Outcome::Open).count();
    let mut cycles: Vec<f64> = tracks.iter().filter_map(|t| t.cycle_hours()).collect();
    cycles.sort_by(f64::total_cmp);
    let shipped: Vec<_> = tracks
        .iter()
        .filter(|t| t.outcome == Outcome::Shipped)
        .collect();
    let waiting_hours = WaitingOn::ALL
        .iter()
        .map(|l| {
            let per: Vec<f64> = shipped.iter().map(|t| t.waiting_hours(*l)).collect();
            (l.as_str(), stats::mean(&per).unwrap_or(0.0))
        })
        .collect();
    // The season's longest weekday manual wait, per seed (all platforms), then the median.
    let mut per_seed: BTreeMap<u64, f64> = BTreeMap::new();
    for r in runs.iter().filter(|r| r.policy == policy) {
        let longest = r
            .tracks
            .iter()
            .filter(|t| t.platform == platform)
            .map(|t| t.longest_weekday_manual_wait.as_secs_f64() / 3600.0)
            .fold(0.0, f64::max);
        per_seed.insert(r.seed, longest);
    }
    let per_seed: Vec<f64> = per_seed.into_values().collect();
    let blockers: Vec<f64> = tracks.iter().map(|t| f64::from(t.blockers)).collect();
    Row {
        platform: name.to_string(),
        policy: policy.to_string(),
        tracks: tracks.len(),
        shipped: shipped.len(),
        open,
        success_rate: stats::rate(shipped.len(), tracks.len() - open),
        cycle_p50_hours: stats::quantile_sorted(&cycles, 0.50),
        cycle_p85_hours: stats::quantile_sorted(&cycles, 0.85),
        cycle_p95_hours: stats::quantile_sorted(&cycles, 0.95),
        cycle_mean_hours: stats::mean(&cycles),
        blockers_per_release: stats::mean(&blockers).unwrap_or(0.0),
        waiting_hours,
        longest_weekday_manual_wait_hours: stats::quantile(&per_seed, 0.5),
    }
}

/// Paired differences `manual − policy` of cycle hours, clustered by seed.
pub fn paired_differences(
    runs: &[RunResult],
    policy: &str,
    platform: Option<usize>,
) -> Vec<(u64, Vec<f64>)> {
    let manual: BTreeMap<u64, &RunResult> = runs
        .iter()
        .filter(|r| r.policy == "manual")
        .map(|r| (r.seed, r))
        .collect();
    let mut out = Vec::new();
    for r in runs.iter().filter(|r| r.policy == policy) {
        let Some(m) = manual.get(&r.seed) else {
            continue;
        };
        let diffs: Vec<f64> = r
            .tracks
            .iter()
            .zip(&m.tracks)
            .filter(|(a, _)| platform.is_none_or(|p| a.platform == p))
            .filter_map(|(a, b)| {
                debug_assert_eq!((a.version, a.platform), (b.version, b.platform));
                Some(b.cycle_hours()? - a.cycle_hours()?)
            })
            .collect();
        out.push((r.seed, diffs));
    }
    out
}

fn saving(runs: &[RunResult], policy: &str, platform: Option<usize>, name: &str) -> Saving {
    let groups = paired_differences(runs, policy, platform);
    let all: Vec<f64> = groups.iter().flat_map(|g| g.1.iter().copied()).collect();
    let clusters: Vec<(f64, usize)> = groups
        .iter()
        .map(|g| (g.1.iter().sum(), g.1.len()))
        .collect();
    let ci = stats::clustered_mean_ci95(&clusters).or_else(|| stats::mean_ci95(&all));
    Saving {
        policy: policy.to_string(),
        baseline: "manual".into(),
        platform: name.to_string(),
        pairs: all.len(),
        saving_mean_hours: stats::mean(&all),
        saving_p50_hours: stats::quantile(&all, 0.5),
        saving_p90_hours: stats::quantile(&all, 0.9),
        saving_ci95_low_hours: ci.map(|c| c.0),
        saving_ci95_high_hours: ci.map(|c| c.1),
    }
}
