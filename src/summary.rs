//! The summary `conductor simulate` prints: per platform and policy, how often releases
//! ship, how long they take and where the time goes; then what each policy saves against
//! `manual`, paired on the same seeds.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::{Outcome, RunResult};
use crate::model::WaitingOn;
use crate::scenario::Scenario;
use crate::stats;

/// One platform × policy line.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The platform.
    pub platform: String,
    /// The policy.
    pub policy: String,
    /// Release tracks simulated.
    pub releases: usize,
    /// Share that reached 100%, in percent.
    pub shipped_percent: f64,
    /// Branch cut → 100% in hours, of shipped tracks: p50, p85, p95, mean.
    pub cycle_p50: f64,
    /// See `cycle_p50`.
    pub cycle_p85: f64,
    /// See `cycle_p50`.
    pub cycle_p95: f64,
    /// See `cycle_p50`.
    pub cycle_mean: f64,
    /// Blocking bugs per release (all tracks).
    pub mean_blockers: f64,
    /// Mean hours per waiting-on label per shipped release, in [`WaitingOn::ALL`] order;
    /// sums to `cycle_mean`.
    pub waiting_hours: Vec<f64>,
    /// Median over seeds of the season's longest weekday `manual_action` wait, in hours.
    pub longest_weekday_manual_wait: f64,
}

/// The paired saving of one policy against `manual`.
#[derive(Debug, Clone, Serialize)]
pub struct Saving {
    /// The policy compared with `manual`.
    pub policy: String,
    /// A platform, or `all`.
    pub platform: String,
    /// Pairs: (seed, version, platform) shipped under both policies.
    pub pairs: usize,
    /// Mean of `manual cycle − policy cycle`, hours.
    pub mean: f64,
    /// Median, hours.
    pub p50: f64,
    /// 90th percentile, hours.
    pub p90: f64,
    /// 95% confidence interval of the mean (clustered by seed), hours.
    pub ci_low: f64,
    /// See `ci_low`.
    pub ci_high: f64,
}

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seeds run per policy.
    pub seeds: u64,
    /// Versions per season.
    pub weeks: u32,
    /// Platform × policy lines, platform-major in scenario order.
    pub rows: Vec<Row>,
    /// Savings against `manual` (empty when `manual` was not run).
    pub savings: Vec<Saving>,
}

fn nan_or(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

impl Summary {
    /// Summarises runs of `scenario` (any order; grouped by policy and platform here).
    pub fn new(scenario: &Scenario, runs: &[RunResult], seeds: u64, weeks: u32) -> Summary {
        let mut policies: Vec<&str> = Vec::new();
        for r in runs {
            if !policies.contains(&r.policy.as_str()) {
                policies.push(&r.policy);
            }
        }
        let mut rows = Vec::new();
        for (p, platform) in scenario.platforms.iter().enumerate() {
            for policy in &policies {
                rows.push(row(runs, policy, p, &platform.name));
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
            seeds,
            weeks,
            rows,
            savings,
        }
    }

    /// The summary as aligned plain-text tables.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "scenario {}: {} seeds x {} versions per policy; hours, branch cut -> 100%\n",
            self.scenario, self.seeds, self.weeks
        );
        let mut t = vec![
            [
                "platform",
                "policy",
                "releases",
                "shipped",
                "p50",
                "p85",
                "p95",
                "mean",
                "blockers",
                "max weekday idle",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in &self.rows {
            t.push(vec![
                r.platform.clone(),
                r.policy.clone(),
                r.releases.to_string(),
                format!("{:.1}%", r.shipped_percent),
                format!("{:.1}", r.cycle_p50),
                format!("{:.1}", r.cycle_p85),
                format!("{:.1}", r.cycle_p95),
                format!("{:.1}", r.cycle_mean),
                format!("{:.2}", r.mean_blockers),
                format!("{:.1}", r.longest_weekday_manual_wait),
            ]);
        }
        out.push_str(&render(&t));

        let _ = writeln!(out, "\nmean hours per shipped release waiting on:\n");
        let labels: Vec<WaitingOn> = WaitingOn::ALL
            .into_iter()
            .filter(|l| {
                self.rows
                    .iter()
                    .any(|r| r.waiting_hours[l.index()] >= 0.005)
            })
            .collect();
        let mut header = vec!["platform".to_string(), "policy".to_string()];
        header.extend(labels.iter().map(|l| l.as_str().to_string()));
        let mut t = vec![header];
        for r in &self.rows {
            let mut line = vec![r.platform.clone(), r.policy.clone()];
            line.extend(
                labels
                    .iter()
                    .map(|l| format!("{:.2}", r.waiting_hours[l.index()])),
            );
            t.push(line);
        }
        out.push_str(&render(&t));

        if !self.savings.is_empty() {
            let _ = writeln!(
                out,
                "\nhours saved against manual, paired on (seed, version, platform):\n"
            );
            let mut t = vec![
                [
                    "policy", "platform", "pairs", "mean", "95% CI", "p50", "p90",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for s in &self.savings {
                t.push(vec![
                    s.policy.clone(),
                    s.platform.clone(),
                    s.pairs.to_string(),
                    format!("{:.2}", s.mean),
                    format!("[{:.2}, {:.2}]", s.ci_low, s.ci_high),
                    format!("{:.2}", s.p50),
                    format!("{:.2}", s.p90),
                ]);
            }
            out.push_str(&render(&t));
        }
        out
    }
}

fn row(runs: &[RunResult], policy: &str, platform: usize, name: &str) -> Row {
    let tracks: Vec<_> = runs
        .iter()
        .filter(|r| r.policy == policy)
        .flat_map(|r| r.tracks.iter().filter(|t| t.platform == platform))
        .collect();
    let mut cycles: Vec<f64> = tracks.iter().filter_map(|t| t.cycle_hours()).collect();
    cycles.sort_by(f64::total_cmp);
    let shipped: Vec<_> = tracks
        .iter()
        .filter(|t| t.outcome == Outcome::Shipped)
        .collect();
    let waiting_hours = WaitingOn::ALL
        .iter()
        .map(|l| {
            nan_or(stats::mean(
                &shipped
                    .iter()
                    .map(|t| t.waiting_hours(*l))
                    .collect::<Vec<_>>(),
            ))
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
    Row {
        platform: name.to_string(),
        policy: policy.to_string(),
        releases: tracks.len(),
        shipped_percent: 100.0 * shipped.len() as f64 / tracks.len().max(1) as f64,
        cycle_p50: nan_or(stats::quantile_sorted(&cycles, 0.50)),
        cycle_p85: nan_or(stats::quantile_sorted(&cycles, 0.85)),
        cycle_p95: nan_or(stats::quantile_sorted(&cycles, 0.95)),
        cycle_mean: nan_or(stats::mean(&cycles)),
        mean_blockers: nan_or(stats::mean(
            &tracks
                .iter()
                .map(|t| f64::from(t.blockers))
                .collect::<Vec<_>>(),
        )),
        waiting_hours,
        longest_weekday_manual_wait: nan_or(stats::quantile(&per_seed, 0.5)),
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
    let (ci_low, ci_high) = stats::clustered_mean_ci95(&clusters)
        .or_else(|| stats::mean_ci95(&all))
        .unwrap_or((f64::NAN, f64::NAN));
    Saving {
        policy: policy.to_string(),
        platform: name.to_string(),
        pairs: all.len(),
        mean: nan_or(stats::mean(&all)),
        p50: nan_or(stats::quantile(&all, 0.5)),
        p90: nan_or(stats::quantile(&all, 0.9)),
        ci_low,
        ci_high,
    }
}

/// Renders rows as a plain table: the first two columns left-aligned, the rest right-aligned.
fn render(rows: &[Vec<String>]) -> String {
    crate::report::format::table::aligned(rows, 2)
}
