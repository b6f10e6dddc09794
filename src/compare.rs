//! `conductor compare`: the paired what-if answer. Two *arms* (a scenario or run directory,
//! each under one policy) run on the same seeds, so every release of one arm has a twin in
//! the other with the same world (common random numbers): the same bugs, fix efforts,
//! builds, review latencies and incidents. The difference of each pair is what the change
//! did to that release, free of the world's noise; their mean, with a bootstrap interval
//! over whole seeds, is the answer:
//!
//! ```text
//! manual: bake-12h ships 11.0 h sooner than baseline per release (95% CI 10.6 to 11.4, 15,600 pairs)
//! ```
//!
//! [`load`] resolves the sides and reads or simulates their track-cycles; [`compare`] pairs
//! them; [`render`] writes the result as a table, JSON, CSV, Markdown or HTML, and
//! [`charts`] draws it (a forest plot of the mean savings and the per-pair histograms).

pub mod charts;
mod format;
mod source;

use std::collections::BTreeMap;

use serde::Serialize;

pub use format::render;

impl From<ChartError> for CompareError {
    fn from(e: ChartError) -> Self {
        match e {
            ChartError::Draw(e) | ChartError::Write(e) => CompareError::Side(e),
        }
    }
}
pub use source::{Arm, Cycle, SideSpec, load};

use crate::analysis::ALL_PLATFORMS;
use crate::analysis::safety::{SafetyFigures, TrackSafety};
use crate::model::WaitingOn;
use crate::plot::style::ChartError;
use crate::stats;
use crate::text::number::{hours, interval, percent, signed_points, thousands};

/// Errors of `conductor compare` (all exit with code 2).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A side cannot be read (a bad scenario, run directory or argument).
    #[error("{0}")]
    Side(String),
    /// The two arms share no release to pair.
    #[error("{0}")]
    NoPairs(String),
    /// A table of a run directory cannot be read.
    #[error(transparent)]
    Scan(#[from] crate::analysis::ScanError),
    /// A run directory cannot be opened.
    #[error(transparent)]
    Dataset(#[from] crate::dataset::DatasetError),
    /// A scenario cannot be loaded.
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
    /// The output cannot be written.
    #[error("cannot write the comparison: {0}")]
    Write(#[from] std::io::Error),
}

/// What to compare and how to run scenario sides.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Seeds to simulate a scenario side with (a run directory side brings its own).
    pub seeds: Option<u64>,
    /// First seed of a simulated side.
    pub first_seed: Option<u64>,
    /// Versions per season of a simulated side (default: the scenario's, or the run's).
    pub weeks: Option<u32>,
    /// Only these policies, when a side names none.
    pub policies: Vec<String>,
    /// With one side: the policy the others are compared against (default: its first).
    pub baseline: Option<String>,
    /// Report the progress of simulated sides on stderr (docs/cli.md).
    pub progress: bool,
}

/// What one arm is, as output names it.
#[derive(Debug, Clone, Serialize)]
pub struct ArmInfo {
    /// The arm's name in sentences and column headings.
    pub label: String,
    /// The scenario or run directory given.
    pub source: String,
    /// `scenario` (simulated here) or `run` (read from a run directory).
    pub kind: &'static str,
    /// The scenario's name.
    pub scenario: String,
    /// The policy.
    pub policy: String,
    /// First seed.
    pub first_seed: u64,
    /// Seeds.
    pub seeds: u64,
    /// Versions per season.
    pub weeks: u32,
    /// Track-cycles the arm holds.
    pub tracks: u64,
    /// What its figures rest on: `scenario` (simulated, here or in its run), `record` (a log
    /// replayed as recorded, or a counterfactual of a log recording every family),
    /// `record + scenario` (a counterfactual drawing what its log lacks).
    pub rests_on: &'static str,
    /// The evidence families a `record + scenario` arm draws from the scenario,
    /// space-separated; empty otherwise.
    pub assumed: String,
}

/// The change on one platform (or all, pooled).
#[derive(Debug, Clone, Serialize)]
pub struct PlatformRow {
    /// A platform, or [`ALL_PLATFORMS`].
    pub platform: String,
    /// Track-cycles present in both arms (same seed, version and platform).
    pub tracks: u64,
    /// Of those, track-cycles that shipped in both: the pairs the cycle-time change is over.
    pub pairs: u64,
    /// Median cycle hours of the baseline arm, over the pairs.
    pub base_cycle_p50_hours: Option<f64>,
    /// Median cycle hours of the other arm, over the pairs.
    pub other_cycle_p50_hours: Option<f64>,
    /// Mean cycle hours of the baseline arm, over the pairs.
    pub base_cycle_mean_hours: Option<f64>,
    /// Mean cycle hours of the other arm, over the pairs.
    pub other_cycle_mean_hours: Option<f64>,
    /// Mean of (baseline − other) cycle hours per pair: hours the other arm ships sooner.
    pub saving_mean_hours: Option<f64>,
    /// 95% bootstrap interval of that mean (whole seeds resampled; whole versions when
    /// there is one seed): lower bound.
    pub saving_ci95_low_hours: Option<f64>,
    /// Upper bound.
    pub saving_ci95_high_hours: Option<f64>,
    /// Median of the per-pair differences.
    pub saving_p50_hours: Option<f64>,
    /// Share of pairs the other arm shipped sooner (0 to 1).
    pub sooner_rate: Option<f64>,
    /// Share of the track-cycles that reached 100% in the baseline arm (0 to 1).
    pub base_success_rate: Option<f64>,
    /// The same in the other arm.
    pub other_success_rate: Option<f64>,
    /// `other_success_rate − base_success_rate`, over the same track-cycles.
    pub success_rate_change: Option<f64>,
    /// 95% bootstrap interval of that change: lower bound.
    pub success_rate_change_ci95_low: Option<f64>,
    /// Upper bound.
    pub success_rate_change_ci95_high: Option<f64>,
    /// The safety side over the same pairs.
    #[serde(flatten)]
    pub safety: SafetyChange,
}

/// The safety side of one platform row (docs/model.md §10), over the releases that reached
/// users in both arms (entered the rollout; as every safety figure counts): each arm's figures by [`SafetyFigures`], and the paired changes
/// other − base of escaped defects, user exposure and the change-failure rate, each with a
/// bootstrap interval over whole seeds (the saving's method). `None` where an arm has no
/// defect model (a log replayed as recorded): not recorded, never 0.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SafetyChange {
    /// What the figures rest on: `scenario` (the defect model's assumptions), `record` (a
    /// history's hotfixes), `not recorded`; `BASE / OTHER` when the arms differ.
    pub safety_rests_on: String,
    /// Releases that reached users in both arms: the pairs the safety side is over.
    pub safety_pairs: u64,
    /// Severe defects carried per pair, baseline arm.
    pub base_defects_per_release: Option<f64>,
    /// The same, other arm.
    pub other_defects_per_release: Option<f64>,
    /// Caught by manual testing per pair, baseline arm.
    pub base_caught_testing_per_release: Option<f64>,
    /// The same, other arm.
    pub other_caught_testing_per_release: Option<f64>,
    /// Caught by the beta per pair, baseline arm.
    pub base_caught_beta_per_release: Option<f64>,
    /// The same, other arm.
    pub other_caught_beta_per_release: Option<f64>,
    /// Caught by the store's review per pair, baseline arm.
    pub base_caught_review_per_release: Option<f64>,
    /// The same, other arm.
    pub other_caught_review_per_release: Option<f64>,
    /// Caught at the rollout's first stage per pair, baseline arm.
    pub base_caught_first_stage_per_release: Option<f64>,
    /// The same, other arm.
    pub other_caught_first_stage_per_release: Option<f64>,
    /// Escaped past the first stage per pair, baseline arm.
    pub base_escaped_per_release: Option<f64>,
    /// The same, other arm.
    pub other_escaped_per_release: Option<f64>,
    /// Mean of other − base escaped defects per pair.
    pub escaped_change_per_release: Option<f64>,
    /// Its 95% bootstrap interval (whole seeds): lower bound.
    pub escaped_change_ci95_low: Option<f64>,
    /// Upper bound.
    pub escaped_change_ci95_high: Option<f64>,
    /// User exposure (share-of-users hours) per pair, baseline arm.
    pub base_exposure_hours: Option<f64>,
    /// The same, other arm.
    pub other_exposure_hours: Option<f64>,
    /// Mean of other − base exposure per pair.
    pub exposure_change_hours: Option<f64>,
    /// Its 95% bootstrap interval: lower bound.
    pub exposure_change_ci95_low_hours: Option<f64>,
    /// Upper bound.
    pub exposure_change_ci95_high_hours: Option<f64>,
    /// Hotfixes per pair, baseline arm.
    pub base_hotfixes_per_release: Option<f64>,
    /// The same, other arm.
    pub other_hotfixes_per_release: Option<f64>,
    /// Share of the pairs that failed in users' hands, baseline arm (0 to 1).
    pub base_change_failure_rate: Option<f64>,
    /// The same, other arm.
    pub other_change_failure_rate: Option<f64>,
    /// `other_change_failure_rate − base_change_failure_rate`.
    pub change_failure_rate_change: Option<f64>,
    /// Its 95% bootstrap interval: lower bound.
    pub change_failure_rate_change_ci95_low: Option<f64>,
    /// Upper bound.
    pub change_failure_rate_change_ci95_high: Option<f64>,
    /// Median time to restore over the pairs with a hotfix, baseline arm, hours.
    pub base_restore_p50_hours: Option<f64>,
    /// The same, other arm.
    pub other_restore_p50_hours: Option<f64>,
}

impl SafetyChange {
    /// The safety side of the `pairs` (both reached users), clustered by `unit` for the
    /// intervals (bootstrap generators seeded by `label`).
    fn of(pairs: &[(&Cycle, &Cycle)], unit: &dyn Fn(&Cycle) -> u64, label: &str) -> Self {
        let base = SafetyFigures::of(pairs.iter().map(|(b, _)| &b.safety));
        let other = SafetyFigures::of(pairs.iter().map(|(_, o)| &o.safety));
        // Paired per-release differences, summed per bootstrap unit.
        let paired = |f: &dyn Fn(&TrackSafety) -> Option<f64>, what: &str| {
            let mut clusters: BTreeMap<u64, (f64, usize)> = BTreeMap::new();
            for (b, o) in pairs {
                if let (Some(x), Some(y)) = (f(&b.safety), f(&o.safety)) {
                    let e = clusters.entry(unit(b)).or_default();
                    e.0 += y - x;
                    e.1 += 1;
                }
            }
            let clusters: Vec<(f64, usize)> = clusters.into_values().collect();
            let n: usize = clusters.iter().map(|c| c.1).sum();
            let mean = (n > 0).then(|| clusters.iter().map(|c| c.0).sum::<f64>() / n as f64);
            let ci = stats::bootstrap_mean_ci95(&clusters, &format!("{label}/{what}"));
            (mean, ci)
        };
        let (escaped, escaped_ci) =
            paired(&|t| t.defects.map(|d| f64::from(d.escaped())), "escaped");
        let (exposure, exposure_ci) = paired(&|t| t.defects.map(|d| d.exposure_hours), "exposure");
        let (_, cfr_ci) = paired(
            &|t| t.failed().map(|f| f64::from(u8::from(f))),
            "change_failure",
        );
        let rests_on = if base.basis == other.basis {
            base.basis.as_str().to_string()
        } else {
            format!("{} / {}", base.basis.as_str(), other.basis.as_str())
        };
        SafetyChange {
            safety_rests_on: rests_on,
            safety_pairs: pairs.len() as u64,
            base_defects_per_release: base.defects,
            other_defects_per_release: other.defects,
            base_caught_testing_per_release: base.caught[0],
            other_caught_testing_per_release: other.caught[0],
            base_caught_beta_per_release: base.caught[1],
            other_caught_beta_per_release: other.caught[1],
            base_caught_review_per_release: base.caught[2],
            other_caught_review_per_release: other.caught[2],
            base_caught_first_stage_per_release: base.caught[3],
            other_caught_first_stage_per_release: other.caught[3],
            base_escaped_per_release: base.escaped,
            other_escaped_per_release: other.escaped,
            escaped_change_per_release: escaped,
            escaped_change_ci95_low: escaped_ci.map(|c| c.0),
            escaped_change_ci95_high: escaped_ci.map(|c| c.1),
            base_exposure_hours: base.exposure_hours,
            other_exposure_hours: other.exposure_hours,
            exposure_change_hours: exposure,
            exposure_change_ci95_low_hours: exposure_ci.map(|c| c.0),
            exposure_change_ci95_high_hours: exposure_ci.map(|c| c.1),
            base_hotfixes_per_release: base.hotfixes,
            other_hotfixes_per_release: other.hotfixes,
            base_change_failure_rate: base.change_failure_rate,
            other_change_failure_rate: other.change_failure_rate,
            change_failure_rate_change: base
                .change_failure_rate
                .zip(other.change_failure_rate)
                .map(|(b, o)| o - b),
            change_failure_rate_change_ci95_low: cfr_ci.map(|c| c.0),
            change_failure_rate_change_ci95_high: cfr_ci.map(|c| c.1),
            base_restore_p50_hours: base.restore_p50_hours,
            other_restore_p50_hours: other.restore_p50_hours,
        }
    }
}

/// Where the change came from: mean hours per pair waiting on one label.
#[derive(Debug, Clone, Serialize)]
pub struct LabelRow {
    /// The waiting-on label.
    pub waiting_on: String,
    /// Mean hours per pair in the baseline arm.
    pub base_hours: f64,
    /// Mean hours per pair in the other arm.
    pub other_hours: f64,
    /// `base_hours − other_hours`.
    pub saving_hours: f64,
}

/// One arm against another.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The arm compared against.
    pub base: ArmInfo,
    /// The arm whose change is measured.
    pub other: ArmInfo,
    /// The answer, in one sentence.
    pub verdict: String,
    /// Per platform, then `all`.
    pub platforms: Vec<PlatformRow>,
    /// Hours per waiting-on label, all platforms, the largest change first.
    pub waiting: Vec<LabelRow>,
    /// Per-pair differences (baseline − other cycle hours) per platform, for charts.
    #[serde(skip)]
    pub differences: Vec<(String, Vec<f64>)>,
}

impl Comparison {
    /// The pooled row.
    pub fn all(&self) -> Option<&PlatformRow> {
        self.platforms.iter().find(|r| r.platform == ALL_PLATFORMS)
    }
}

/// Everything `conductor compare` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Compare {
    /// How releases are paired.
    pub pairing: &'static str,
    /// How percentiles are computed.
    pub percentile_method: &'static str,
    /// Bootstrap resamples behind each interval.
    pub bootstrap_resamples: usize,
    /// One comparison per pair of arms.
    pub comparisons: Vec<Comparison>,
}

/// The pairing rule, as output states it.
pub const PAIRING: &str = "the same seed, version and platform in both arms: the same drawn \
    world (bugs, fixes, builds, reviews, incidents) under each arm's rules";

/// Pairs `base` and `other` and measures the change.
pub fn compare(base: &Arm, other: &Arm) -> Result<Comparison, CompareError> {
    type Key<'a> = (u64, u32, &'a str);
    let index: BTreeMap<Key, &Cycle> = base
        .cycles
        .iter()
        .map(|c| ((c.seed, c.version, c.platform.as_str()), c))
        .collect();
    // (platform) -> matched (base, other) cycles, in key order.
    let mut matched: BTreeMap<&str, Vec<(&Cycle, &Cycle)>> = BTreeMap::new();
    for o in &other.cycles {
        if let Some(b) = index.get(&(o.seed, o.version, o.platform.as_str())) {
            matched.entry(&o.platform).or_default().push((b, o));
        }
    }
    if matched.is_empty() {
        return Err(CompareError::NoPairs(format!(
            "{} and {} have no release in common (seeds {} vs {}): compare arms run on the \
             same seeds",
            base.info.label,
            other.info.label,
            seed_range(&base.info),
            seed_range(&other.info)
        )));
    }
    let one_seed = {
        let mut seeds = base.cycles.iter().map(|c| c.seed);
        let first = seeds.next();
        seeds.all(|s| Some(s) == first)
    };
    let mut platforms = Vec::new();
    let mut differences = Vec::new();
    let order = platform_order(base, other);
    let all: Vec<(&Cycle, &Cycle)> = order
        .iter()
        .filter_map(|p| matched.get(p.as_str()))
        .flatten()
        .copied()
        .collect();
    for p in order.iter().map(String::as_str).chain([ALL_PLATFORMS]) {
        let rows: &[(&Cycle, &Cycle)] = if p == ALL_PLATFORMS {
            &all
        } else {
            match matched.get(p) {
                Some(r) => r,
                None => continue,
            }
        };
        let label = format!("{}/{}/{p}", base.info.label, other.info.label);
        let (row, diffs) = platform_row(p, rows, one_seed, &label);
        platforms.push(row);
        differences.push((p.to_string(), diffs));
    }
    let waiting = label_rows(&all);
    let mut c = Comparison {
        base: base.info.clone(),
        other: other.info.clone(),
        verdict: String::new(),
        platforms,
        waiting,
        differences,
    };
    c.verdict = verdict(&c);
    Ok(c)
}

fn seed_range(a: &ArmInfo) -> String {
    format!(
        "{}–{}",
        a.first_seed,
        a.first_seed.saturating_add(a.seeds.saturating_sub(1))
    )
}

/// Platforms in the base arm's order, then any only the other arm has.
fn platform_order(base: &Arm, other: &Arm) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for c in base.platforms.iter().chain(&other.platforms) {
        if !order.contains(c) {
            order.push(c.clone());
        }
    }
    order
}

fn platform_row(
    platform: &str,
    rows: &[(&Cycle, &Cycle)],
    one_seed: bool,
    label: &str,
) -> (PlatformRow, Vec<f64>) {
    // The bootstrap's unit: the seed, or the version when there is a single seed (a
    // replayed log's one recorded season).
    let unit = |c: &Cycle| {
        if one_seed {
            u64::from(c.version)
        } else {
            c.seed
        }
    };
    let shipped: Vec<(f64, f64, u64)> = rows
        .iter()
        .filter_map(|(b, o)| Some((b.cycle_hours?, o.cycle_hours?, unit(b))))
        .collect();
    let diffs: Vec<f64> = shipped.iter().map(|(b, o, _)| b - o).collect();
    let mut clusters: BTreeMap<u64, (f64, usize)> = BTreeMap::new();
    for (b, o, u) in &shipped {
        let e = clusters.entry(*u).or_default();
        e.0 += b - o;
        e.1 += 1;
    }
    let clusters: Vec<(f64, usize)> = clusters.into_values().collect();
    let ci = stats::bootstrap_mean_ci95(&clusters, label);
    let base: Vec<f64> = shipped.iter().map(|s| s.0).collect();
    let other: Vec<f64> = shipped.iter().map(|s| s.1).collect();

    // Success rates are over the pairs both arms settled: an open track-cycle may still
    // ship, so a pair with one counts for neither arm.
    let settled: Vec<&(&Cycle, &Cycle)> = rows.iter().filter(|(b, o)| !b.open && !o.open).collect();
    let rate = |f: &dyn Fn(&(&Cycle, &Cycle)) -> bool| {
        stats::rate(settled.iter().filter(|r| f(r)).count(), settled.len())
    };
    let base_rate = rate(&|r| r.0.shipped);
    let other_rate = rate(&|r| r.1.shipped);
    let mut change: BTreeMap<u64, (f64, usize)> = BTreeMap::new();
    for (b, o) in settled.iter().copied() {
        let e = change.entry(unit(b)).or_default();
        e.0 += f64::from(u8::from(o.shipped)) - f64::from(u8::from(b.shipped));
        e.1 += 1;
    }
    let change: Vec<(f64, usize)> = change.into_values().collect();
    let change_ci = stats::bootstrap_mean_ci95(&change, &format!("{label}/success"));
    let both: Vec<(&Cycle, &Cycle)> = rows
        .iter()
        .filter(|(b, o)| b.safety.reached_users && o.safety.reached_users)
        .copied()
        .collect();
    let safety = SafetyChange::of(&both, &unit, label);
    let sooner = (!diffs.is_empty())
        .then(|| diffs.iter().filter(|d| **d > 0.0).count() as f64 / diffs.len() as f64);
    let row = PlatformRow {
        platform: platform.to_string(),
        tracks: rows.len() as u64,
        pairs: diffs.len() as u64,
        base_cycle_p50_hours: stats::quantile(&base, 0.5),
        other_cycle_p50_hours: stats::quantile(&other, 0.5),
        base_cycle_mean_hours: stats::mean(&base),
        other_cycle_mean_hours: stats::mean(&other),
        saving_mean_hours: stats::mean(&diffs),
        saving_ci95_low_hours: ci.map(|c| c.0),
        saving_ci95_high_hours: ci.map(|c| c.1),
        saving_p50_hours: stats::quantile(&diffs, 0.5),
        sooner_rate: sooner,
        base_success_rate: base_rate,
        other_success_rate: other_rate,
        success_rate_change: base_rate.zip(other_rate).map(|(b, o)| o - b),
        success_rate_change_ci95_low: change_ci.map(|c| c.0),
        success_rate_change_ci95_high: change_ci.map(|c| c.1),
        safety,
    };
    (row, diffs)
}

/// Mean hours per shipped pair on each label, the largest change first.
fn label_rows(all: &[(&Cycle, &Cycle)]) -> Vec<LabelRow> {
    let shipped: Vec<&(&Cycle, &Cycle)> =
        all.iter().filter(|(b, o)| b.shipped && o.shipped).collect();
    if shipped.is_empty() {
        return Vec::new();
    }
    let n = shipped.len() as f64;
    let mut rows: Vec<LabelRow> = WaitingOn::ALL
        .iter()
        .map(|l| {
            let i = l.index();
            let b = shipped.iter().map(|(b, _)| b.waiting_hours[i]).sum::<f64>() / n;
            let o = shipped.iter().map(|(_, o)| o.waiting_hours[i]).sum::<f64>() / n;
            LabelRow {
                waiting_on: l.as_str().to_string(),
                base_hours: b,
                other_hours: o,
                saving_hours: b - o,
            }
        })
        .filter(|r| r.base_hours >= 0.005 || r.other_hours >= 0.005)
        .collect();
    rows.sort_by(|a, b| {
        b.saving_hours
            .abs()
            .total_cmp(&a.saving_hours.abs())
            .then_with(|| a.waiting_on.cmp(&b.waiting_on))
    });
    rows
}

/// The one-sentence answer of a comparison.
pub fn verdict(c: &Comparison) -> String {
    let (b, o) = (&c.base.label, &c.other.label);
    let Some(all) = c.all() else {
        return format!("{o} and {b}: nothing to compare");
    };
    let pairs = format!(
        "{} {}",
        thousands(all.pairs),
        if all.pairs == 1 { "pair" } else { "pairs" }
    );
    let speed = match (
        all.saving_mean_hours,
        all.saving_ci95_low_hours,
        all.saving_ci95_high_hours,
    ) {
        (None, ..) => format!("{o} and {b} shipped no release in common"),
        (Some(m), Some(lo), Some(hi)) if lo > 0.0 || hi < 0.0 => format!(
            "{o} ships {} h {} than {b} per release (95% CI {}, {pairs})",
            hours(m.abs()),
            if m > 0.0 { "sooner" } else { "later" },
            if m > 0.0 {
                interval(lo, hi)
            } else {
                interval(-hi, -lo)
            },
        ),
        (Some(m), Some(lo), Some(hi)) => format!(
            "{o} and {b} ship as fast as each other: {} h {} per release is within the noise \
             (95% CI {}, {pairs})",
            hours(m.abs()),
            if m >= 0.0 { "sooner" } else { "later" },
            interval(lo, hi)
        ),
        (Some(m), ..) => format!(
            "{o} ships {} h {} than {b} per release ({pairs}; too few seeds for an interval)",
            hours(m.abs()),
            if m >= 0.0 { "sooner" } else { "later" },
        ),
    };
    let success = match (
        all.base_success_rate,
        all.other_success_rate,
        all.success_rate_change_ci95_low,
        all.success_rate_change_ci95_high,
    ) {
        (Some(br), Some(or), Some(lo), Some(hi)) if lo > 0.0 || hi < 0.0 => format!(
            "; it ships {} of releases against {} ({} points, 95% CI {} to {})",
            percent(or),
            percent(br),
            signed_points(or - br),
            signed_points(lo),
            signed_points(hi)
        ),
        _ => String::new(),
    };
    format!("{speed}{success}{}", safety_clause(c, all))
}

/// The verdict's safety side: escaped defects per 100 releases and user exposure per
/// release, other − base over the pairs, and what they rest on. Empty when neither arm
/// models defects (nothing to say, and nothing said is not a zero).
fn safety_clause(c: &Comparison, all: &PlatformRow) -> String {
    let s = &all.safety;
    let (b, o) = (&c.base.label, &c.other.label);
    let Some(escaped) = s.escaped_change_per_release else {
        return match (s.base_escaped_per_release, s.other_escaped_per_release) {
            (None, None) => String::new(),
            (None, Some(_)) => format!(
                "; escaped defects and exposure: not recorded in {b} (no defect model),                  not compared"
            ),
            (Some(_), _) => format!(
                "; escaped defects and exposure: not recorded in {o} (no defect model),                  not compared"
            ),
        };
    };
    let per100 = |v: f64| v * 100.0;
    let escaped_part = match (s.escaped_change_ci95_low, s.escaped_change_ci95_high) {
        (Some(lo), Some(hi)) if lo > 0.0 || hi < 0.0 => format!(
            "{} {} escaped defects per 100 releases (95% CI {})",
            if escaped > 0.0 { "adds" } else { "removes" },
            hours(per100(escaped).abs()),
            if escaped > 0.0 {
                interval(per100(lo), per100(hi))
            } else {
                interval(per100(-hi), per100(-lo))
            }
        ),
        (Some(lo), Some(hi)) => format!(
            "lets as many defects escape: {} per 100 releases is within the noise (95% CI {})",
            signed(per100(escaped)),
            interval(per100(lo), per100(hi))
        ),
        _ => format!(
            "{} escaped defects per 100 releases (too few seeds for an interval)",
            signed(per100(escaped))
        ),
    };
    let exposure_part = match (
        s.exposure_change_hours,
        s.exposure_change_ci95_low_hours,
        s.exposure_change_ci95_high_hours,
    ) {
        (Some(m), Some(lo), Some(hi)) => format!(
            "{} user-exposure hours per release (95% CI {:.2} to {:.2}{})",
            signed2(m),
            lo,
            hi,
            if lo > 0.0 || hi < 0.0 {
                ""
            } else {
                ", within the noise"
            }
        ),
        (Some(m), ..) => format!("{} user-exposure hours per release", signed2(m)),
        (None, ..) => String::new(),
    };
    let rests = if s.safety_rests_on == "scenario" {
        "rests on the scenario's defect model (assumed)".to_string()
    } else {
        format!("rests on: {}", s.safety_rests_on)
    };
    format!("; it {escaped_part}, {exposure_part}; {rests}")
}

/// A signed figure with two decimals (`+0.31`, `-1.20`, `0.00`).
pub fn signed2(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 {
        "0.00".into()
    } else {
        format!("{r:+.2}")
    }
}

/// A signed figure for sentences, one decimal (`+0.3`, `-1.2`, `0.0`).
pub fn signed(v: f64) -> String {
    let h = hours(v);
    if h.starts_with('-') || h == "0.0" {
        h
    } else {
        format!("+{h}")
    }
}

/// Runs every comparison the sides ask for.
pub fn run(sides: &[SideSpec], opts: &Options) -> Result<Compare, CompareError> {
    let pairs = load(sides, opts)?;
    let comparisons = pairs
        .iter()
        .map(|(b, o)| compare(b, o))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Compare {
        pairing: PAIRING,
        percentile_method: crate::analysis::PERCENTILE_METHOD,
        bootstrap_resamples: stats::BOOTSTRAP_RESAMPLES,
        comparisons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(seed: u64, version: u32, platform: &str, hours: Option<f64>) -> Cycle {
        let mut waiting = [0.0; WaitingOn::COUNT];
        waiting[WaitingOn::Bake.index()] = hours.unwrap_or(0.0);
        Cycle {
            seed,
            version,
            platform: platform.into(),
            shipped: hours.is_some(),
            open: false,
            cycle_hours: hours,
            waiting_hours: waiting,
            safety: TrackSafety::default(),
        }
    }

    fn arm(label: &str, cycles: Vec<Cycle>) -> Arm {
        Arm {
            info: ArmInfo {
                label: label.into(),
                source: label.into(),
                kind: "scenario",
                scenario: label.into(),
                policy: "manual".into(),
                first_seed: 1,
                seeds: 4,
                weeks: 2,
                tracks: cycles.len() as u64,
                rests_on: "scenario",
                assumed: String::new(),
            },
            platforms: vec!["ios".into(), "android".into()],
            cycles,
        }
    }

    #[test]
    fn open_releases_count_for_neither_arms_success_rate() {
        let mut base = vec![];
        let mut other = vec![];
        for v in 0..4 {
            base.push(cycle(1, v, "ios", Some(100.0)));
            let mut c = cycle(1, v, "ios", (v < 2).then_some(90.0));
            // Version 2 is cancelled under the other arm, version 3 still in progress.
            c.open = v == 3;
            other.push(c);
        }
        let c = compare(&arm("base", base), &arm("fast", other)).unwrap();
        let ios = &c.platforms[0];
        assert_eq!((ios.tracks, ios.pairs), (4, 2));
        // Over the three settled pairs: base shipped 3, the other arm 2.
        assert_eq!(ios.base_success_rate, Some(1.0));
        assert_eq!(ios.other_success_rate, Some(2.0 / 3.0));
    }

    #[test]
    fn pairs_on_seed_version_and_platform_and_measures_the_difference() {
        let mut base = vec![];
        let mut other = vec![];
        for seed in 1..=4 {
            for v in 0..2 {
                base.push(cycle(seed, v, "ios", Some(100.0 + seed as f64)));
                other.push(cycle(seed, v, "ios", Some(90.0 + seed as f64)));
                base.push(cycle(seed, v, "android", Some(50.0)));
                // One android release is cancelled under the other arm: not a pair.
                other.push(cycle(
                    seed,
                    v,
                    "android",
                    (seed != 1 || v != 0).then_some(52.0),
                ));
            }
        }
        let c = compare(&arm("base", base), &arm("fast", other)).unwrap();
        let ios = &c.platforms[0];
        assert_eq!((ios.platform.as_str(), ios.pairs), ("ios", 8));
        assert_eq!(ios.saving_mean_hours, Some(10.0));
        assert_eq!(ios.saving_ci95_low_hours, Some(10.0));
        assert_eq!(ios.sooner_rate, Some(1.0));
        let android = &c.platforms[1];
        assert_eq!((android.tracks, android.pairs), (8, 7));
        assert_eq!(android.saving_mean_hours, Some(-2.0));
        assert_eq!(android.other_success_rate, Some(7.0 / 8.0));
        let all = c.all().unwrap();
        assert_eq!(all.pairs, 15);
        assert!((all.saving_mean_hours.unwrap() - (80.0 - 14.0) / 15.0).abs() < 1e-12);
        assert_eq!(c.waiting[0].waiting_on, "bake");
        assert!(
            c.verdict
                .starts_with("fast ships 4.4 h sooner than base per release (95% CI")
        );
        assert!(c.verdict.ends_with("15 pairs)"), "{}", c.verdict);
    }

    #[test]
    fn the_verdict_says_the_safety_side_and_what_it_rests_on() {
        use crate::analysis::safety::DefectCounts;
        let with = |seed: u64, v: u32, escaped: u32| {
            let mut c = cycle(seed, v, "ios", Some(100.0));
            c.safety = TrackSafety {
                reached_users: true,
                defects: Some(DefectCounts {
                    carried: 1,
                    escaped_to_everyone: escaped,
                    exposure_hours: f64::from(escaped) * 2.0,
                    ..DefectCounts::default()
                }),
                hotfixes: Some(escaped),
                restore_hours: None,
            };
            c
        };
        let (mut base, mut other) = (vec![], vec![]);
        for seed in 1..=8 {
            for v in 0..4 {
                base.push(with(seed, v, u32::from(v == 0)));
                other.push(with(seed, v, 0));
            }
        }
        let c = compare(&arm("base", base), &arm("safer", other)).unwrap();
        let all = c.all().unwrap();
        assert_eq!(all.safety.safety_pairs, 32);
        assert_eq!(all.safety.escaped_change_per_release, Some(-0.25));
        assert_eq!(all.safety.change_failure_rate_change, Some(-0.25));
        assert!(
            c.verdict.ends_with(
                "; it removes 25.0 escaped defects per 100 releases (95% CI 25.0 to 25.0), \
                 -0.50 user-exposure hours per release (95% CI -0.50 to -0.50); rests on the \
                 scenario's defect model (assumed)"
            ),
            "{}",
            c.verdict
        );
    }

    #[test]
    fn arms_without_common_releases_are_an_error() {
        let a = arm("a", vec![cycle(1, 0, "ios", Some(1.0))]);
        let b = arm("b", vec![cycle(2, 0, "ios", Some(1.0))]);
        let e = compare(&a, &b).unwrap_err().to_string();
        assert!(e.contains("no release in common"), "{e}");
    }
}
