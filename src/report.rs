//! `conductor report`: where release time goes, how long cycles take, how often releases
//! ship and what each automation policy saves, from one or more run directories.
//!
//! [`load`] reads the small tables of the run directories (`cycles`, `transitions`,
//! `segments`; [`scan`](crate::analysis::scan)) and aggregates them with polars lazy
//! queries; the five-minute `snapshots` are never read, because the `segments` table holds
//! the same history as exact stretches. Only the columns a query names are read, only parts
//! the manifests list as complete, and `--policy` prunes whole `policy=` partitions. The
//! figures land in a [`Report`] of plain rows, which [`render`] writes as a table, JSON,
//! CSV, Markdown or a self-contained HTML page, and [`charts`] draws as PNG and SVG charts.
//!
//! Percentiles are linear interpolation between closest ranks (Hyndman & Fan type 7), as in
//! NumPy, R and DuckDB's `quantile_cont`.

pub mod charts;
pub(crate) mod format;
mod query;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

pub use format::{Format, render};

use crate::analysis::safety::SafetyFields;
use crate::dataset::{DatasetError, RunDir};
use crate::plot::style::ChartError;

pub use crate::analysis::{ALL_PLATFORMS, PERCENTILE_METHOD};

pub use crate::stats::BOOTSTRAP_RESAMPLES;

/// What to report on.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these policies (default: every policy of the runs).
    pub policies: Vec<String>,
    /// The policy savings are measured against (default: the first run's first policy).
    pub baseline: Option<String>,
    /// The seed of the release timeline chart (default: the first run's first seed).
    pub timeline_seed: Option<u64>,
    /// The version of the release timeline chart, by label (default: the seed's first).
    pub timeline_version: Option<String>,
}

/// Errors of `conductor report` (all exit with code 2).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A run directory cannot be opened.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// An argument names something the runs do not have.
    #[error("{0}")]
    Argument(String),
    /// The runs hold no complete part to report on.
    #[error("{0}: no complete part yet (is `conductor simulate --out` still running?)")]
    Empty(PathBuf),
    /// A table cannot be read.
    #[error(transparent)]
    Scan(#[from] crate::analysis::ScanError),
    /// polars failed to aggregate the tables.
    #[error("cannot read the run's tables: {0}")]
    Query(String),
    /// The output cannot be written.
    #[error("cannot write the report: {0}")]
    Write(#[from] std::io::Error),
    /// A chart cannot be drawn (the message names it).
    #[error("{0}")]
    Chart(String),
}

impl From<ChartError> for ReportError {
    fn from(e: ChartError) -> Self {
        match e {
            ChartError::Draw(e) => ReportError::Chart(e),
            ChartError::Write(e) => ReportError::Argument(e),
        }
    }
}

impl From<polars::prelude::PolarsError> for ReportError {
    fn from(e: polars::prelude::PolarsError) -> Self {
        ReportError::Query(e.to_string())
    }
}

/// One run directory, as the report describes it.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The directory.
    pub path: String,
    /// The scenario's name.
    pub scenario: String,
    /// SHA-256 of the scenario text.
    pub scenario_sha256: String,
    /// The policies run.
    pub policies: Vec<String>,
    /// The first seed.
    pub first_seed: u64,
    /// Seeds per policy.
    pub seeds: u64,
    /// Versions per season.
    pub weeks: u32,
    /// Parts complete (in every shard the directory holds).
    pub parts_complete: usize,
    /// Parts in the whole run (every shard).
    pub parts_total: usize,
    /// Whether every part of the whole run is complete.
    pub complete: bool,
    /// Shards of a sharded run whose manifests the directory lacks.
    pub missing_shards: Vec<u32>,
    /// The parts not complete, as `policy=NAME/seeds-FIRST-LAST`: their seeds are missing
    /// from every figure, and a saving pairs only seeds complete under both policies.
    pub missing_parts: Vec<String>,
}

/// Which rows a figure describes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Group {
    /// Scenario name.
    pub scenario: String,
    /// Policy name.
    pub policy: String,
    /// Platform name, or [`ALL_PLATFORMS`].
    pub platform: String,
}

/// Cycle time (branch cut → 100%) of shipped track-cycles.
#[derive(Debug, Clone, Serialize)]
pub struct CycleRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// What the group's figures rest on: `record` (a log replayed as recorded, or a
    /// counterfactual of a log that records every family), `record + scenario` (a
    /// counterfactual that draws the families its log lacks), `scenario` (a simulation).
    pub rests_on: &'static str,
    /// Track-cycles (shipped or cancelled).
    pub tracks: u64,
    /// Track-cycles that reached 100%.
    pub shipped: u64,
    /// Median cycle hours.
    pub cycle_p50_hours: Option<f64>,
    /// 85th percentile.
    pub cycle_p85_hours: Option<f64>,
    /// 95th percentile.
    pub cycle_p95_hours: Option<f64>,
    /// Mean.
    pub cycle_mean_hours: Option<f64>,
}

/// Hotfixes and point releases after the release, where the runs record them (a log
/// replayed as it happened) or model them (a simulation: one per defect escaped to
/// everyone); counterfactuals have none.
#[derive(Debug, Clone, Serialize)]
pub struct HotfixRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// Released track-cycles whose hotfixes are recorded.
    pub releases: u64,
    /// Of those, the ones with at least one point release.
    pub with_hotfix: u64,
    /// Share of the releases with at least one point release.
    pub hotfix_rate: Option<f64>,
    /// Point releases per release.
    pub hotfixes_per_release: f64,
    /// From the release (100%) to its first point release, median hours over the releases
    /// that had one.
    pub first_hotfix_p50_hours: Option<f64>,
    /// From a reported bug (`hotfix_opened`) to the point release that fixed it, median hours
    /// (the first hotfix of each release; only where the log records the report).
    pub restore_p50_hours: Option<f64>,
    /// Releases with a hotfix still open at the record's end.
    pub open: u64,
}

/// The safety side of a group's releases (docs/model.md §10, `crate::analysis::safety`):
/// every figure per **shipped** release, and what it rests on. `None` (JSON null) where
/// the runs do not record it: a log replayed as it happened has no defect model, only the
/// hotfixes it recorded.
#[derive(Debug, Clone, Serialize)]
pub struct SafetyRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// The figures (`crate::analysis::safety`).
    #[serde(flatten)]
    pub figures: SafetyFields,
}

/// One point of the speed-against-safety chart: a (scenario, policy), all platforms.
#[derive(Debug, Clone, Serialize)]
pub struct TradeOffPoint {
    /// Scenario name.
    pub scenario: String,
    /// Policy name.
    pub policy: String,
    /// Median cycle hours of the shipped track-cycles (x).
    pub cycle_p50_hours: f64,
    /// User exposure per shipped release, share-of-users hours (y; rests on the scenario).
    pub user_exposure_hours: f64,
    /// On the frontier: no other point is both at least as fast and at most as exposed,
    /// and better in one.
    pub frontier: bool,
}

/// Release outcomes, bugs and store review.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// Track-cycles.
    pub tracks: u64,
    /// Share of the settled track-cycles (all but the open ones) that reached 100%; null
    /// when none settled.
    pub success_rate: Option<f64>,
    /// Track-cycles cancelled.
    pub cancelled: u64,
    /// Track-cycles still in progress when the record (or season) ended: outcome `open`.
    pub open: u64,
    /// Track-cycles paused at least once.
    pub paused: u64,
    /// Pauses in all.
    pub pauses: u64,
    /// Blocking bugs found before submission, per track-cycle.
    pub blockers_per_release: f64,
    /// Bugs found after submission, per track-cycle.
    pub late_bugs_per_release: f64,
    /// Bugs and recorded fixes that came only after the release, in all (they ride the next
    /// train or need a hotfix; a counterfactual keeps every recorded event).
    pub after_release: u64,
    /// Submissions to the store (first and later).
    pub submissions: u64,
    /// Store reviews that ran to a verdict (stretches waiting on `store_review`).
    pub reviews: u64,
    /// Store review latency, median hours.
    pub review_p50_hours: Option<f64>,
    /// Store review latency, 90th percentile.
    pub review_p90_hours: Option<f64>,
    /// Store rejections.
    pub rejections: u64,
    /// Rejections per submission.
    pub rejection_rate: Option<f64>,
}

/// Time spent in one state.
#[derive(Debug, Clone, Serialize)]
pub struct StateRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// The state.
    pub state: String,
    /// Mean hours per track-cycle in the state.
    pub hours_per_cycle: f64,
    /// Share of all track time.
    pub share: f64,
}

/// Time spent waiting on one label.
#[derive(Debug, Clone, Serialize)]
pub struct BottleneckRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// 1 for the label with the most hours.
    pub rank: usize,
    /// The waiting-on label.
    pub waiting_on: String,
    /// Mean hours per track-cycle.
    pub hours_per_cycle: f64,
    /// Share of all track time.
    pub share: f64,
}

/// Time spent waiting on one label inside one state.
#[derive(Debug, Clone, Serialize)]
pub struct StateBottleneckRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// The state.
    pub state: String,
    /// 1 for the label with the most hours in this state.
    pub rank: usize,
    /// The waiting-on label.
    pub waiting_on: String,
    /// Mean hours per track-cycle.
    pub hours_per_cycle: f64,
    /// Share of the time spent in the state.
    pub share_of_state: f64,
}

/// The off-hours idle time: hours a track waited on `manual_action` (its gates held, nobody
/// advanced it).
#[derive(Debug, Clone, Serialize)]
pub struct IdleRow {
    /// Scenario, policy, platform.
    #[serde(flatten)]
    pub group: Group,
    /// Mean hours per track-cycle.
    pub idle_mean_hours: f64,
    /// Median per track-cycle.
    pub idle_p50_hours: f64,
    /// 90th percentile per track-cycle.
    pub idle_p90_hours: f64,
    /// 99th percentile per track-cycle.
    pub idle_p99_hours: f64,
    /// The most one track-cycle waited in all.
    pub idle_max_hours: f64,
    /// The longest single wait (one stretch).
    pub longest_wait_hours: f64,
}

/// What `policy` saves against the baseline, paired on scenario, seed, version and platform
/// (track-cycles that shipped under both).
#[derive(Debug, Clone, Serialize)]
pub struct SavingRow {
    /// Scenario name.
    pub scenario: String,
    /// The policy compared against.
    pub baseline: String,
    /// The policy.
    pub policy: String,
    /// Platform, or [`ALL_PLATFORMS`].
    pub platform: String,
    /// Paired track-cycles.
    pub pairs: u64,
    /// Mean of `baseline − policy` cycle hours.
    pub saving_mean_hours: Option<f64>,
    /// Median.
    pub saving_p50_hours: Option<f64>,
    /// 90th percentile.
    pub saving_p90_hours: Option<f64>,
    /// 95% bootstrap interval of the mean: lower bound.
    pub saving_ci95_low_hours: Option<f64>,
    /// Upper bound.
    pub saving_ci95_high_hours: Option<f64>,
    /// The part of the mean saving from waits on evidence the history recorded, and on the
    /// rules (bake, people's and the robot's reactions): the mean of the pairs' differences
    /// in those hours. Null for simulations, whose every figure is the scenario's.
    pub saving_recorded_hours: Option<f64>,
    /// The part from waits on evidence the log lacks (drawn from the scenario, or unknown):
    /// an assumption. `saving_recorded_hours + saving_assumed_hours = saving_mean_hours`.
    pub saving_assumed_hours: Option<f64>,
}

/// The saving on one transition: how much less the policy's advances waited once their
/// gates held, per paired track-cycle.
#[derive(Debug, Clone, Serialize)]
pub struct StepSavingRow {
    /// Scenario name.
    pub scenario: String,
    /// The policy compared against.
    pub baseline: String,
    /// The policy.
    pub policy: String,
    /// Platform, or [`ALL_PLATFORMS`].
    pub platform: String,
    /// The state left.
    pub from_state: String,
    /// The state entered.
    pub to_state: String,
    /// Hours the baseline's advances waited, per paired track-cycle.
    pub baseline_wait_hours: f64,
    /// Hours the policy's advances waited, per paired track-cycle.
    pub policy_wait_hours: f64,
    /// The difference.
    pub saving_hours: f64,
}

/// One bar of the release timeline: a track in one state.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    /// Hours since the version's branch cut.
    pub start_hours: f64,
    /// Hours since the version's branch cut.
    pub end_hours: f64,
    /// The state.
    pub state: String,
}

/// One track on the release timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineRow {
    /// Policy.
    pub policy: String,
    /// Platform.
    pub platform: String,
    /// Its states, in time order.
    pub spans: Vec<Span>,
}

/// A stretch outside the release squad's working hours (a night, a weekend, a holiday) on
/// the release timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OffHours {
    /// Hours since the version's branch cut.
    pub start_hours: f64,
    /// Hours since the version's branch cut.
    pub end_hours: f64,
}

/// A local calendar day of the release squad on the release timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// The day's local midnight, in hours since the branch cut (negative for the day of
    /// the cut itself).
    pub start_hours: f64,
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// The weekday, abbreviated (`Mon` … `Sun`).
    pub weekday: String,
    /// Whether the squad works that day at all (false on weekends and holidays).
    pub working: bool,
}

/// Every track of one version of one seed, state by state, with the release squad's
/// off-hours: the time when a manual policy's next step waits for the morning.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Version.
    pub version: u32,
    /// Its label (`8.9.2`; a simulated version's is its number).
    pub version_label: String,
    /// The branch cut, RFC 3339 UTC.
    pub branch_cut: String,
    /// Tracks, by platform then policy.
    pub rows: Vec<TimelineRow>,
    /// The release squad's time zone (IANA name), in which `days` and `off_hours` fall.
    pub time_zone: String,
    /// The local days from the branch cut to the last track's end, in order.
    pub days: Vec<Day>,
    /// The squad's off-hours between the branch cut and the last track's end, in order.
    pub off_hours: Vec<OffHours>,
}

/// Raw values behind the distribution charts, one entry per group: each platform, then the
/// platforms pooled ([`ALL_PLATFORMS`]), in the report's row order.
#[derive(Debug, Clone, Default)]
pub struct Distributions {
    /// Sorted cycle hours of the group's shipped track-cycles.
    pub cycle_hours: Vec<(Group, Vec<f64>)>,
    /// Sorted paired savings (baseline minus policy cycle hours) of the group's policy
    /// against the baseline.
    pub savings: Vec<(Group, Vec<f64>)>,
}

/// Everything `conductor report` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The run directories.
    pub runs: Vec<RunInfo>,
    /// How percentiles are computed.
    pub percentile_method: &'static str,
    /// The policy savings are measured against.
    pub baseline: String,
    /// Cycle time.
    pub cycle_time: Vec<CycleRow>,
    /// Outcomes, bugs and store review.
    pub outcomes: Vec<OutcomeRow>,
    /// Hotfixes after the release (only the groups whose runs record or model them).
    pub hotfixes: Vec<HotfixRow>,
    /// Defects through the rings, escapes, exposure, hotfixes and time to restore.
    pub safety: Vec<SafetyRow>,
    /// Speed against safety, one point per (scenario, policy) with both figures.
    pub trade_off: Vec<TradeOffPoint>,
    /// Time per state.
    pub states: Vec<StateRow>,
    /// Time per waiting-on label, ranked.
    pub bottlenecks: Vec<BottleneckRow>,
    /// Time per waiting-on label within each state, ranked.
    pub state_bottlenecks: Vec<StateBottleneckRow>,
    /// Off-hours idle (`manual_action`).
    pub idle: Vec<IdleRow>,
    /// Paired savings against the baseline.
    pub savings: Vec<SavingRow>,
    /// Paired savings per transition.
    pub step_savings: Vec<StepSavingRow>,
    /// The release timeline chart's data.
    pub timeline: Option<Timeline>,
    /// Raw distributions for charts (not part of the text formats).
    #[serde(skip)]
    pub distributions: Distributions,
}

impl Report {
    /// Scenario names, in run order, without repeats.
    pub fn scenarios(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.runs
            .iter()
            .map(|r| r.scenario.as_str())
            .filter(|s| seen.insert(*s))
            .collect()
    }

    /// Policy names, in run order, without repeats.
    pub fn policies(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.cycle_time
            .iter()
            .map(|r| r.group.policy.as_str())
            .filter(|p| seen.insert(*p))
            .collect()
    }
}

/// Names a (scenario, policy) series in output: the policy, or "scenario / policy" when the
/// report holds several scenarios.
pub(crate) struct Namer {
    several: bool,
}

impl Namer {
    pub(crate) fn new(report: &Report) -> Namer {
        Namer {
            several: report.scenarios().len() > 1,
        }
    }

    pub(crate) fn name(&self, scenario: &str, policy: &str) -> String {
        if self.several {
            format!("{scenario} / {policy}")
        } else {
            policy.to_string()
        }
    }
}

/// Reads `dirs` and computes the report.
pub fn load(dirs: &[PathBuf], opts: &Options) -> Result<Report, ReportError> {
    let runs: Vec<RunDir> = dirs
        .iter()
        .map(|d| RunDir::open(d))
        .collect::<Result<_, _>>()?;
    query::report(&runs, opts)
}
