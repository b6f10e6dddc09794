//! The release manager's dashboard at one five-minute tick of a run: per live track its
//! state, each gate green / yellow / red, blockers, sign-offs, rollout and what it waits on.
//!
//! It reads one snapshot file (the part holding the seed) and, within it, only the row
//! groups whose `seed` and `ts` statistics can contain the tick, so its cost does not grow
//! with the size of the run. Beside the live tracks it shows, from the `cycles` table, the
//! safety outcome of each platform's latest track that *ended* by the tick (defects caught
//! per ring, escaped, hotfixes, user exposure): a live track's outcome is not known yet, so
//! it shows none.

mod format;

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::types::{Float32Type, Int16Type, Int32Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch};
use jiff::Timestamp;

pub use format::{Format, render};

use crate::analysis::safety::{TrackSafety, safety_samples_in};
use crate::dataset::read::{int_range, open_part, read_guarded};
use crate::dataset::tables::{TICK_SECONDS, gate_column};
use crate::dataset::{DatasetError, RunDir};
use crate::engine::gates_needed_at;
use crate::model::{Gate, GateSet, State};

/// How a gate shows on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    /// The gate holds.
    Green,
    /// The gate does not hold, but the track's next step does not need it (yet).
    Yellow,
    /// The gate does not hold and the next step needs it.
    Red,
    /// Nobody knows: the run replays a log as recorded, and the log does not record the
    /// gate's evidence family (the gate reads false in the snapshots; the time it decides is
    /// `unknown`).
    Unknown,
}

impl Light {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
            Light::Unknown => "unknown",
        }
    }
}

/// One live track at the tick.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackView {
    /// Version number in the season.
    pub version: u32,
    /// Its label (`8.9.2`; a simulated version's is its number).
    pub version_label: String,
    /// Platform name.
    pub platform: String,
    /// State.
    pub state: String,
    /// What it waits on.
    pub waiting_on: String,
    /// Rollout, % of users.
    pub rollout_percent: u32,
    /// Open blocking bugs.
    pub open_blockers: u32,
    /// Teams signed off.
    pub signoffs_done: u32,
    /// Teams that must sign off.
    pub signoffs_required: u32,
    /// Latest build number.
    pub latest_build: u32,
    /// Its status.
    pub build_status: String,
    /// Crash rate of the latest green build, %.
    pub crash_rate_percent: Option<f32>,
    /// Share of the beta-usage threshold reached, %.
    pub usage_percent: u32,
    /// Every gate with its light, in [`Gate::ALL`] order.
    pub gates: Vec<(Gate, Light)>,
}

/// The dashboard of one run (scenario, policy, seed) at one tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// Scenario name.
    pub scenario: String,
    /// Policy.
    pub policy: String,
    /// Seed.
    pub seed: u64,
    /// The tick shown.
    pub at: Timestamp,
    /// The tick in the release squad's time zone, for people.
    pub squad_time: String,
    /// Live tracks, by version then platform.
    pub tracks: Vec<TrackView>,
    /// The evidence families the scenario's draws supply because the replayed log lacks
    /// them (a counterfactual of a partial log): the lights of their gates are assumptions.
    pub drawn: Vec<String>,
    /// Per platform, the latest track that ended (shipped or cancelled) at or before the
    /// tick, or with a chosen version, that version's ended tracks; by version then
    /// platform.
    pub ended: Vec<EndedView>,
}

/// A track that ended by the tick, with its safety outcome (the `cycles` row: the whole
/// cycle's figures, including what happened after the tick, such as a later hotfix).
#[derive(Debug, Clone, PartialEq)]
pub struct EndedView {
    /// Version number in the season.
    pub version: u32,
    /// Its label.
    pub version_label: String,
    /// Platform name.
    pub platform: String,
    /// `shipped` or `cancelled`.
    pub outcome: String,
    /// When it reached 100% or was cancelled.
    pub ended_at: Timestamp,
    /// When its first hotfix shipped (may be after the tick).
    pub first_hotfix_at: Option<Timestamp>,
    /// Its defects, hotfixes and time to restore; defects `None`: not modelled (a log
    /// replayed as recorded); hotfixes `None`: not recorded.
    pub safety: TrackSafety,
}

impl EndedView {
    /// Its safety outcome in words, one line each: the defects by ring (said to be assumed
    /// where the scenario's defect model drew them), then hotfixes and exposure; a figure
    /// the run does not have is "not recorded", never 0. `at`: the board's tick (a hotfix
    /// after it is said to come later).
    pub fn outcome_lines(&self, at: Timestamp) -> Vec<String> {
        let mut lines = Vec::new();
        match self.safety.defects {
            Some(d) => {
                lines.push(format!(
                    "defects {} (assumed: the scenario's defect model): escaped {} (halted {}, \
                     to everyone {})",
                    d.carried,
                    d.escaped(),
                    d.escaped_halted,
                    d.escaped_to_everyone
                ));
                lines.push(format!(
                    "caught by testing {}, beta {}, review {}, first stage {}",
                    d.caught[0], d.caught[1], d.caught[2], d.caught[3]
                ));
            }
            None => lines
                .push("defects: not recorded (replayed as recorded: no defect model)".to_string()),
        }
        // A simulation's hotfixes follow from its drawn defects: assumed too.
        let assumed = if self.safety.defects.is_some() {
            " (assumed)"
        } else {
            ""
        };
        let hotfixes = match (self.safety.hotfixes, self.first_hotfix_at) {
            (None, _) => "hotfixes: not recorded".to_string(),
            (Some(n), Some(first)) => format!(
                "hotfixes {n}{assumed}, the first at {first}{}",
                if first > at { " (after this tick)" } else { "" }
            ),
            (Some(n), None) => format!("hotfixes {n}{assumed}"),
        };
        let exposure = match self.safety.defects {
            Some(d) => format!(
                "user exposure {:.2} share-of-users h (assumed)",
                d.exposure_hours
            ),
            None => "user exposure: not recorded".to_string(),
        };
        lines.push(hotfixes);
        lines.push(exposure);
        lines
    }
}

impl Board {
    /// True when some gate shows [`Light::Unknown`].
    pub fn has_unknown(&self) -> bool {
        self.tracks
            .iter()
            .any(|t| t.gates.iter().any(|(_, l)| *l == Light::Unknown))
    }
}

/// A moment, as a user gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// An instant (RFC 3339 with an offset).
    Instant(Timestamp),
    /// A wall-clock date and time in the run's release-squad time zone.
    SquadLocal(jiff::civil::DateTime),
}

impl std::str::FromStr for At {
    type Err = String;

    /// `2026-01-16T10:00:00Z` (an instant) or `2026-01-16T10:00` (squad-local).
    fn from_str(text: &str) -> Result<At, String> {
        if let Ok(t) = text.parse::<Timestamp>() {
            return Ok(At::Instant(t));
        }
        text.parse().map(At::SquadLocal).map_err(|_| {
            format!(
                "--at {text:?}: not a time; write e.g. 2026-01-16T10:00:00Z or 2026-01-16T10:00"
            )
        })
    }
}

/// What to show.
#[derive(Debug, Clone)]
pub struct Query {
    /// The moment; rounded down to its five-minute tick.
    pub at: At,
    /// Only this version, by label (default: every version live at the tick).
    pub version: Option<String>,
    /// The policy (default: the run's first).
    pub policy: Option<String>,
    /// The seed (default: the run's first).
    pub seed: Option<u64>,
}

/// Why a dashboard cannot be shown. All fatal.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The run directory cannot be read.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Its `cycles` table cannot be read.
    #[error(transparent)]
    Scan(#[from] crate::analysis::ScanError),
    /// A policy the run does not have.
    #[error("--policy {0:?}: the run has no such policy (it has: {1})")]
    UnknownPolicy(String, String),
    /// A seed the run does not have.
    #[error("--seed {0}: the run has seeds {1} to {2}")]
    UnknownSeed(u64, u64, u64),
    /// A squad-local `--at` that does not exist in the squad's zone.
    #[error("--at {0}: not a time in the release squad's zone: {1}")]
    BadLocalTime(jiff::civil::DateTime, String),
    /// No track (of the chosen version) is live at the tick.
    #[error(
        "--at {at}: {what} live then; seed {seed} under {policy} has snapshots from {first} to {last}"
    )]
    NothingLive {
        /// The tick asked for.
        at: Timestamp,
        /// "no release" or "version N is not".
        what: String,
        /// The seed.
        seed: u64,
        /// The policy.
        policy: String,
        /// First tick of the seed's snapshots.
        first: Timestamp,
        /// Last tick.
        last: Timestamp,
    },
}

/// The tick at or before `t`.
pub fn tick_at_or_before(t: Timestamp) -> Timestamp {
    let s = t.as_second();
    Timestamp::from_second(s - s.rem_euclid(TICK_SECONDS)).unwrap_or(t)
}

/// Builds the dashboard of `dir` for `query`.
pub fn load(dir: &Path, query: &Query) -> Result<Board, DashboardError> {
    let run = RunDir::open(dir)?;
    let m = &run.manifest;
    let policy = match &query.policy {
        Some(p) if m.policies.contains(p) => p.clone(),
        Some(p) => {
            return Err(DashboardError::UnknownPolicy(
                p.clone(),
                m.policies.join(", "),
            ));
        }
        None => m.policies.first().cloned().unwrap_or_default(),
    };
    let seed = query.seed.unwrap_or(m.first_seed);
    if !run.has_seed(seed) {
        return Err(DashboardError::UnknownSeed(
            seed,
            m.first_seed,
            m.first_seed + m.seeds - 1,
        ));
    }
    let at = match query.at {
        At::Instant(t) => t,
        At::SquadLocal(dt) => dt
            .to_zoned(run.scenario.release_squad.time_zone().clone())
            .map_err(|e| DashboardError::BadLocalTime(dt, e.to_string()))?
            .timestamp(),
    };
    let at = tick_at_or_before(at);
    let at_ms = at.as_millisecond();
    // Only a part the manifests list as complete: never a file being written, or one of a
    // shard the directory lacks.
    let path = run.complete_part_file("snapshots", &policy, seed)?;
    let needed = |state: State, platform: &str, percent: u32| {
        let p = run
            .scenario
            .platforms
            .iter()
            .position(|s| s.name == platform);
        gates_needed_at(&run.scenario, p, state, percent)
    };
    // Replayed as recorded, a family the log lacks is absent: its gates are not known.
    let unknown: GateSet = match &m.event_log {
        Some(log) if policy == crate::engine::RECORDED_POLICY => log
            .families_missing()
            .into_iter()
            .flat_map(|f| f.gates().iter())
            .collect(),
        _ => GateSet::EMPTY,
    };
    // The reader can panic on a corrupt file: that is this file's error, not a crash.
    let (first_last, mut tracks) = read_guarded(&path, || -> Result<_, DashboardError> {
        let builder = open_part(&run, &path)?;
        let meta = builder.metadata().clone();
        let schema = builder.schema().clone();
        let col = |name: &str| schema.index_of(name).ok();
        let (Some(seed_col), Some(ts_col)) = (col("seed"), col("ts")) else {
            return Err(DatasetError::NotARun(path.clone(), "no seed or ts column".into()).into());
        };
        let seed_i = seed as i64;
        let mut first_last: Option<(i64, i64)> = None;
        let mut groups = Vec::new();
        for (i, rg) in meta.row_groups().iter().enumerate() {
            let seeds = int_range(rg, seed_col);
            if seeds.is_some_and(|(lo, hi)| seed_i < lo || seed_i > hi) {
                continue;
            }
            let ts = int_range(rg, ts_col);
            if let Some((lo, hi)) = ts {
                let (a, b) = first_last.get_or_insert((lo, hi));
                *a = (*a).min(lo);
                *b = (*b).max(hi);
                if at_ms < lo || at_ms > hi {
                    continue;
                }
            }
            groups.push(i);
        }
        let reader = builder
            .with_row_groups(groups)
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| parquet_error(&path, e))?;
        let mut tracks = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| parquet_error(&path, e))?;
            collect_rows(
                &batch,
                seed,
                at_ms,
                query.version.as_deref(),
                &needed,
                &mut tracks,
            )
            .map_err(|reason| DatasetError::NotARun(path.clone(), reason))?;
        }
        Ok((first_last, tracks))
    })?;
    for t in &mut tracks {
        for (g, light) in &mut t.gates {
            if unknown.contains(*g) && *light != Light::Green {
                *light = Light::Unknown;
            }
        }
    }
    let ended = ended_tracks(&run, &policy, seed, at, query.version.as_deref())?;
    // Without a version the board is about what is live; a chosen version that has ended
    // everywhere shows its outcome.
    if tracks.is_empty() && (query.version.is_none() || ended.is_empty()) {
        let (first, last) = first_last.unwrap_or((at_ms, at_ms));
        let ts = |ms: i64| Timestamp::from_millisecond(ms).unwrap_or(at);
        return Err(DashboardError::NothingLive {
            at,
            what: query
                .version
                .as_ref()
                .map_or("no release".into(), |v| format!("version {v} is not")),
            seed,
            policy,
            first: ts(first),
            last: ts(last),
        });
    }
    tracks.sort_by_key(|t| t.version);
    let squad_time = at
        .to_zoned(run.scenario.release_squad.time_zone().clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string();
    let drawn = m
        .families_assumed(&policy)
        .into_iter()
        .map(|f| f.as_str().to_string())
        .collect();
    Ok(Board {
        scenario: run.scenario.name.clone(),
        policy,
        seed,
        at,
        squad_time,
        tracks,
        drawn,
        ended,
    })
}

/// The tracks of `seed` under `policy` that ended at or before `at`: each platform's latest
/// (or, with `version`, that version's), with their safety records from the `cycles` table
/// (read one way, [`safety_samples`]).
fn ended_tracks(
    run: &RunDir,
    policy: &str,
    seed: u64,
    at: Timestamp,
    version: Option<&str>,
) -> Result<Vec<EndedView>, DashboardError> {
    use crate::analysis::{i64s, strs};
    // The one part holding the seed, as for the snapshots.
    let part = [run.complete_part_file("cycles", policy, seed)?];
    let df = crate::analysis::scan::read_run_files(
        run,
        &part,
        &[
            "seed",
            "version",
            "version_label",
            "platform",
            "outcome",
            "ended_at",
            "first_hotfix_at",
        ],
    )?;
    let (seeds, versions) = (i64s(&df, "seed")?, i64s(&df, "version")?);
    let (labels, platforms) = (strs(&df, "version_label")?, strs(&df, "platform")?);
    let outcome = strs(&df, "outcome")?;
    let (ended, hotfix) = (i64s(&df, "ended_at")?, i64s(&df, "first_hotfix_at")?);
    let safety: std::collections::BTreeMap<(u64, u32, String), TrackSafety> =
        safety_samples_in(run, &part)?
            .into_iter()
            .map(|(_, platform, s, v, t)| ((s, v, platform), t))
            .collect();
    let ts = |ms: Option<i64>| ms.and_then(|ms| Timestamp::from_millisecond(ms).ok());
    let at_ms = at.as_millisecond();
    let mut out: Vec<EndedView> = Vec::new();
    for i in 0..df.height() {
        let this_seed = seeds[i].and_then(|s| u64::try_from(s).ok());
        let Some(ended_at) = ts(ended[i]) else {
            continue;
        };
        if this_seed != Some(seed)
            || outcome[i] == "open"
            || ended[i].is_none_or(|e| e > at_ms)
            || version.is_some_and(|v| v != labels[i])
        {
            continue;
        }
        let v = versions[i].and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
        let view = EndedView {
            version: v,
            version_label: labels[i].clone(),
            platform: platforms[i].clone(),
            outcome: outcome[i].clone(),
            ended_at,
            first_hotfix_at: ts(hotfix[i]),
            safety: safety
                .get(&(seed, v, platforms[i].clone()))
                .copied()
                .unwrap_or_default(),
        };
        // Without a version: only each platform's latest ended track.
        match out.iter_mut().find(|e| e.platform == view.platform) {
            Some(e) if version.is_none() => {
                if (view.ended_at, view.version) > (e.ended_at, e.version) {
                    *e = view;
                }
            }
            _ => out.push(view),
        }
    }
    out.sort_by(|a, b| (a.version, &a.platform).cmp(&(b.version, &b.platform)));
    Ok(out)
}

fn parquet_error(path: &Path, e: impl std::fmt::Display) -> DatasetError {
    DatasetError::ParquetRead {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column {name}"))
}

/// A column of `batch` as a primitive array of type `T`.
fn primitive<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a PrimitiveArray<T>, String> {
    column(batch, name)?
        .as_primitive_opt::<T>()
        .ok_or_else(|| format!("{name} is not {}", T::DATA_TYPE))
}

/// Appends the rows of `batch` at tick `at_ms` of `seed` (and `version`) to `out`.
fn collect_rows(
    batch: &RecordBatch,
    seed: u64,
    at_ms: i64,
    version: Option<&str>,
    needed: &dyn Fn(State, &str, u32) -> crate::model::GateSet,
    out: &mut Vec<TrackView>,
) -> Result<(), String> {
    let (seeds, ts, versions) = (
        primitive::<Int64Type>(batch, "seed")?,
        primitive::<TimestampMillisecondType>(batch, "ts")?,
        primitive::<Int32Type>(batch, "version")?,
    );
    let strings = |name: &str| -> Result<_, String> {
        column(batch, name)?
            .as_string_opt::<i32>()
            .ok_or_else(|| format!("{name} is not a string"))
    };
    let (label, platform, state, waiting, status) = (
        strings("version_label")?,
        strings("platform")?,
        strings("state")?,
        strings("waiting_on")?,
        strings("build_status")?,
    );
    let (rollout, done, required, usage) = (
        primitive::<Int16Type>(batch, "rollout_percent")?,
        primitive::<Int16Type>(batch, "signoffs_done")?,
        primitive::<Int16Type>(batch, "signoffs_required")?,
        primitive::<Int16Type>(batch, "usage_percent")?,
    );
    let (blockers, build) = (
        primitive::<Int32Type>(batch, "open_blockers")?,
        primitive::<Int32Type>(batch, "latest_build")?,
    );
    // The files hold signed columns (docs/formats.md); the board's counts are never negative.
    let count = |v: i32| u32::try_from(v).unwrap_or(0);
    let small = |v: i16| u32::try_from(v).unwrap_or(0);
    let seed = crate::files::parquet::seed_column(seed);
    let crash = primitive::<Float32Type>(batch, "crash_rate_percent")?;
    let gate_cols = Gate::ALL
        .iter()
        .map(|g| {
            column(batch, &gate_column(*g))?
                .as_boolean_opt()
                .ok_or_else(|| format!("{} is not boolean", gate_column(*g)))
        })
        .collect::<Result<Vec<_>, String>>()?;
    for i in 0..batch.num_rows() {
        if seeds.value(i) != seed || ts.value(i) != at_ms {
            continue;
        }
        if version.is_some_and(|v| v != label.value(i)) {
            continue;
        }
        let state_name = state.value(i);
        let state_value = State::ALL
            .into_iter()
            .find(|s| s.as_str() == state_name)
            .ok_or_else(|| format!("unknown state {state_name:?}"))?;
        let need = needed(state_value, platform.value(i), small(rollout.value(i)));
        let gates = Gate::ALL
            .iter()
            .zip(&gate_cols)
            .map(|(g, c)| {
                let light = if c.value(i) {
                    Light::Green
                } else if need.contains(*g) {
                    Light::Red
                } else {
                    Light::Yellow
                };
                (*g, light)
            })
            .collect();
        out.push(TrackView {
            version: count(versions.value(i)),
            version_label: label.value(i).to_string(),
            platform: platform.value(i).to_string(),
            state: state_name.to_string(),
            waiting_on: waiting.value(i).to_string(),
            rollout_percent: small(rollout.value(i)),
            open_blockers: count(blockers.value(i)),
            signoffs_done: small(done.value(i)),
            signoffs_required: small(required.value(i)),
            latest_build: count(build.value(i)),
            build_status: status.value(i).to_string(),
            crash_rate_percent: (!crash.is_null(i)).then(|| crash.value(i)),
            usage_percent: small(usage.value(i)),
            gates,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_down() {
        let t: Timestamp = "2026-01-09T09:04:59Z".parse().unwrap();
        assert_eq!(tick_at_or_before(t).to_string(), "2026-01-09T09:00:00Z");
        let t: Timestamp = "2026-01-09T09:05:00Z".parse().unwrap();
        assert_eq!(tick_at_or_before(t), t);
    }
}
