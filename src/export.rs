//! `conductor export --format activity-log`: a run directory as a process-mining event log,
//! for PM4Py, Celonis, Disco or ProM.
//!
//! A *case* is one track of one run (policy × seed × version × platform), named
//! `"{scenario}/{policy}/seed={seed}/v{version}/{platform}"` (without the `{scenario}/`
//! prefix when the scenario has no name). An *activity* is a stretch of the track's life with
//! a start and a complete timestamp: either a state ([`ActivityKind::State`]) or a
//! waiting-on label within a state ([`ActivityKind::WaitingOn`]).
//!
//! [`activity_log`] reads the run's `segments` table (one row per stretch of constant state
//! and waiting-on label, never the five-minute snapshots) and merges consecutive segments
//! into activities. Because a track's segments tile `[branch cut, end)`, so do its
//! activities: their durations sum to the `cycles` table's `ended_at - branched_at`, and in
//! waiting-on mode their per-label sums to its `hours_*` columns.
//!
//! [`render`] writes the log as CSV (one row per activity, PM4Py's column names) or as IEEE
//! XES 1849-2016 XML, one file per format under `format/`. Both are byte-deterministic: cases come in the dataset's order
//! (policies as the manifest lists them, seed, version, platform in scenario order) and
//! activities in time order; timestamps are RFC 3339 UTC with milliseconds
//! (`2026-01-09T09:00:00.000Z`), the precision of the dataset.
//!
//! The activity model (cases, activities, what an activity is) is in `activity`, reading
//! the segments in `read`, the file formats in `format`.

mod activity;
mod format;
mod read;

use std::path::PathBuf;

use crate::dataset::DatasetError;

pub use activity::{ActivityKind, ActivityLog, Lifecycle};
pub use format::{LogFormat, render};
pub use read::activity_log;

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// What an activity is.
    pub activity: ActivityKind,
    /// How an activity is written as events.
    pub lifecycle: Lifecycle,
    /// Only these policies (default: every policy of the run).
    pub policies: Vec<String>,
}

/// Why an activity log cannot be built. Every variant is fatal for the command (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The directory is not a readable run.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// `--policy` names a policy the run does not have.
    #[error("--policy {policy:?}: the run has no such policy (it has: {known})")]
    UnknownPolicy {
        /// The policy asked for.
        policy: String,
        /// The run's policies, comma-separated.
        known: String,
    },
    /// The run has no complete part yet.
    #[error("{}: no complete part yet (is `conductor simulate --out` still running?)", .0.display())]
    Empty(PathBuf),
    /// A `segments` file holds something this reader cannot take.
    #[error("{}: not a segments table of this conductor: {reason}", path.display())]
    Corrupt {
        /// The Parquet file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `--out` has an extension that names no log format.
    #[error("--out {}: unknown log format (the file name must end in .csv or .xes)", .0.display())]
    UnknownExtension(PathBuf),
}
