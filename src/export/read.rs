//! Reading a run's `segments` table into an activity log: every complete part of the
//! selected policies in one pass, sorted into the dataset's order and merged into activities.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, Int32Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, PrimitiveArray, RecordBatch, StringArray};

use super::activity::{ActivityLog, Case, Segment, merge};
use super::{ExportError, Options};
use crate::dataset::RunDir;
use crate::dataset::read::{open_part, read_guarded};
use crate::model::{State, WaitingOn};

/// The table the activity log is built from.
const SEGMENTS: &str = "segments";

/// A segment with its case's key, as read; strings are indices into [`Names`].
#[derive(Debug, Clone, Copy)]
struct Row {
    policy: usize,
    scenario: usize,
    seed: u64,
    version: u32,
    label: usize,
    platform: usize,
    segment: Segment,
}

/// The strings the rows index: scenarios, platforms and version labels.
#[derive(Default)]
struct Interned {
    scenarios: Names,
    platforms: Names,
    labels: Names,
}

/// Distinct strings in first-seen order, so rows hold small indices instead of strings.
#[derive(Debug, Default)]
struct Names(Vec<String>);

impl Names {
    fn index(&mut self, name: &str) -> usize {
        match self.0.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.0.push(name.to_string());
                self.0.len() - 1
            }
        }
    }
}

/// Builds the activity log of the run directory `dir`.
///
/// Reads every complete `segments` file of the selected policies (one pass, about 40 bytes per
/// segment in memory) and sorts the rows into the dataset's order, so the result does not
/// depend on the order files are listed in.
pub fn activity_log(dir: &Path, opts: &Options) -> Result<ActivityLog, ExportError> {
    let run = RunDir::open(dir)?;
    let known = &run.manifest.policies;
    for p in &opts.policies {
        if !known.contains(p) {
            return Err(ExportError::UnknownPolicy {
                policy: p.clone(),
                known: known.join(", "),
            });
        }
    }
    if run.complete_parts().is_empty() {
        return Err(ExportError::Empty(run.path.clone()));
    }
    let policies: Vec<&String> = known
        .iter()
        .filter(|p| opts.policies.is_empty() || opts.policies.contains(p))
        .collect();

    // A replay's counterfactual policies draw the families its log lacks.
    let assumed: Vec<String> = policies
        .iter()
        .map(|p| {
            let families: Vec<&str> = run
                .manifest
                .families_assumed(p)
                .into_iter()
                .map(|f| f.as_str())
                .collect();
            families.join(" ")
        })
        .collect();
    let mut names = Interned::default();
    // Platforms in scenario order first, so sorting by index sorts in the dataset's order.
    for p in &run.scenario.platforms {
        names.platforms.index(&p.name);
    }
    let mut rows = Vec::new();
    // Only the parts the manifests list: a file being written or copied in is not read.
    for (name, path) in run.part_files(SEGMENTS) {
        if let Some(policy) = policies.iter().position(|p| **p == name) {
            read_segments(&run, &path, policy, &mut names, &mut rows)?;
        }
    }
    rows.sort_by_key(|r| {
        (
            r.policy,
            r.scenario,
            r.seed,
            r.version,
            r.platform,
            r.segment.start_ms,
        )
    });

    let key = |r: &Row| (r.policy, r.scenario, r.seed, r.version, r.platform);
    let mut cases = Vec::new();
    let mut segments = Vec::new();
    for group in rows.chunk_by(|a, b| key(a) == key(b)) {
        let first = group[0];
        segments.clear();
        segments.extend(group.iter().map(|r| r.segment));
        cases.push(Case {
            scenario: names.scenarios.0[first.scenario].clone(),
            policy: policies[first.policy].clone(),
            seed: first.seed,
            version: first.version,
            version_label: names.labels.0[first.label].clone(),
            platform: names.platforms.0[first.platform].clone(),
            assumed: assumed[first.policy].clone(),
            activities: merge(&segments, opts.activity),
        });
    }
    Ok(ActivityLog {
        activity: opts.activity,
        lifecycle: opts.lifecycle,
        cases,
    })
}

/// Appends the rows of one `segments` file of `run` to `rows`.
fn read_segments(
    run: &RunDir,
    path: &Path,
    policy: usize,
    names: &mut Interned,
    rows: &mut Vec<Row>,
) -> Result<(), ExportError> {
    let corrupt = |reason: String| ExportError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    // The reader can panic on a corrupt file: that is this file's error, not a crash.
    read_guarded(path, || {
        let reader = open_part(run, path)?
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| corrupt(e.to_string()))?;
        for batch in reader {
            let batch = batch.map_err(|e| corrupt(e.to_string()))?;
            append_batch(&batch, policy, names, rows).map_err(corrupt)?;
        }
        Ok(())
    })
}

fn append_batch(
    batch: &RecordBatch,
    policy: usize,
    names: &mut Interned,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    let (seed, version) = (
        primitive::<Int64Type>(batch, "seed")?,
        primitive::<Int32Type>(batch, "version")?,
    );
    let (start, end) = (
        primitive::<TimestampMillisecondType>(batch, "start")?,
        primitive::<TimestampMillisecondType>(batch, "end")?,
    );
    let (scenario, platform, state, label, version_label) = (
        strings(batch, "scenario")?,
        strings(batch, "platform")?,
        strings(batch, "state")?,
        strings(batch, "waiting_on")?,
        strings(batch, "version_label")?,
    );
    let columns: [&dyn Array; 9] = [
        seed,
        version,
        start,
        end,
        scenario,
        platform,
        state,
        label,
        version_label,
    ];
    if columns.iter().any(|c| c.null_count() > 0) {
        return Err("a key, time, state or waiting_on column has nulls".into());
    }
    for i in 0..batch.num_rows() {
        let segment = Segment {
            start_ms: start.value(i),
            end_ms: end.value(i),
            state: parse_state(state.value(i))?,
            waiting_on: parse_label(label.value(i))?,
        };
        if segment.end_ms < segment.start_ms {
            return Err(format!("a segment ends before it starts (row {i})"));
        }
        rows.push(Row {
            policy,
            scenario: names.scenarios.index(scenario.value(i)),
            seed: u64::try_from(seed.value(i)).map_err(|_| format!("a negative seed (row {i})"))?,
            version: u32::try_from(version.value(i))
                .map_err(|_| format!("a negative version (row {i})"))?,
            label: names.labels.index(version_label.value(i)),
            platform: names.platforms.index(platform.value(i)),
            segment,
        });
    }
    Ok(())
}

fn primitive<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a PrimitiveArray<T>, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column {name}"))?
        .as_primitive_opt::<T>()
        .ok_or_else(|| format!("column {name} is not {}", T::DATA_TYPE))
}

fn strings<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringArray, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column {name}"))?
        .as_string_opt::<i32>()
        .ok_or_else(|| format!("column {name} is not a string"))
}

fn parse_state(s: &str) -> Result<State, String> {
    State::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| format!("unknown state {s:?}"))
}

fn parse_label(s: &str) -> Result<WaitingOn, String> {
    WaitingOn::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| format!("unknown waiting_on label {s:?}"))
}
