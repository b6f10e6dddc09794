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
//! [`write`] renders the log as CSV (one row per activity, PM4Py's column names) or as IEEE
//! XES 1849-2016 XML. Both are byte-deterministic: cases come in the dataset's order
//! (policies as the manifest lists them, seed, version, platform in scenario order) and
//! activities in time order; timestamps are RFC 3339 UTC with milliseconds
//! (`2026-01-09T09:00:00.000Z`), the precision of the dataset.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, Int32Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array, PrimitiveArray, RecordBatch, StringArray};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::dataset::read::{open_part, read_guarded};
use crate::dataset::{DatasetError, RunDir};
use crate::model::{State, WaitingOn};
use crate::text::xml::xml_escape;

/// The table the activity log is built from.
const SEGMENTS: &str = "segments";

/// What one activity of the log is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivityKind {
    /// A state (`branched`, `submitted`, …): consecutive segments of one state are one
    /// activity, whatever the track waited on meanwhile.
    #[default]
    State,
    /// A waiting-on label (`store_review`, `manual_action`, …) within one state: consecutive
    /// segments of the same state and label are one activity. A label that carries on across
    /// a change of state starts a new activity, so every activity has one `state`.
    WaitingOn,
}

impl ActivityKind {
    /// The name used on the command line and in the XES log's `activity` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::State => "state",
            ActivityKind::WaitingOn => "waiting-on",
        }
    }
}

/// How an activity instance is written as events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifecycle {
    /// One event per activity, `lifecycle:transition = complete`, its start in
    /// `time:start_timestamp`: PM4Py's interval form (`get_service_time` with
    /// `start_timestamp_key`), Celonis' and Disco's start/end columns.
    #[default]
    Interval,
    /// Two events per activity, `start` at its start and `complete` at its end (the XES
    /// standard lifecycle model): tools that measure a case from its first to its last event
    /// (PM4Py's case durations) then see the whole track.
    StartComplete,
}

impl Lifecycle {
    /// The name used on the command line and in the XES log's `lifecycle` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Interval => "interval",
            Lifecycle::StartComplete => "start-complete",
        }
    }

    /// The events of `a`: each lifecycle transition with its time, in time order.
    fn events(self, a: &Activity) -> impl Iterator<Item = (&'static str, i64)> {
        let skip = match self {
            Lifecycle::Interval => 1,
            Lifecycle::StartComplete => 0,
        };
        [("start", a.start_ms), ("complete", a.end_ms)]
            .into_iter()
            .skip(skip)
    }
}

/// The file format of an activity log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Comma-separated values, one row per activity, with a header row.
    Csv,
    /// IEEE XES 1849-2016 XML, one `<trace>` per case and one `<event>` per activity.
    Xes,
}

impl LogFormat {
    /// The format a file name asks for, by its extension (`.csv` or `.xes`, any case).
    pub fn from_path(path: &Path) -> Result<LogFormat, ExportError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(LogFormat::Csv),
            Some("xes") => Ok(LogFormat::Xes),
            _ => Err(ExportError::UnknownExtension(path.to_path_buf())),
        }
    }
}

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

/// A whole activity log: every case of the exported policies, in the dataset's order.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityLog {
    /// What an activity is.
    pub activity: ActivityKind,
    /// How an activity is written as events.
    pub lifecycle: Lifecycle,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One case: a track of one run, from its branch cut to 100% or cancellation.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The scenario's name (may be empty).
    pub scenario: String,
    /// The policy.
    pub policy: String,
    /// The world's seed.
    pub seed: u64,
    /// The version's number in the season, 0-based.
    pub version: u32,
    /// The platform.
    pub platform: String,
    /// The activities, in time order; they tile `[branch cut, end)`.
    pub activities: Vec<Activity>,
}

impl Case {
    /// The case id: `{scenario}/{policy}/seed={seed}/v{version}/{platform}`, without the
    /// `{scenario}/` prefix when the scenario has no name.
    pub fn id(&self) -> String {
        let tail = format!(
            "{}/seed={}/v{}/{}",
            self.policy, self.seed, self.version, self.platform
        );
        if self.scenario.is_empty() {
            tail
        } else {
            format!("{}/{tail}", self.scenario)
        }
    }
}

/// One stretch of a case with a constant state (and, in waiting-on mode, label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// Start, milliseconds since the Unix epoch, inclusive.
    pub start_ms: i64,
    /// Complete, milliseconds since the Unix epoch, exclusive (the next activity's start).
    pub end_ms: i64,
    /// The state throughout.
    pub state: State,
    /// In waiting-on mode the label throughout; in state mode the label the state waited
    /// on longest (the earliest of equals).
    pub waiting_on: WaitingOn,
}

impl Activity {
    /// The activity's name (`concept:name`): its state or its label.
    pub fn name(&self, kind: ActivityKind) -> &'static str {
        match kind {
            ActivityKind::State => self.state.as_str(),
            ActivityKind::WaitingOn => self.waiting_on.as_str(),
        }
    }

    /// Duration in hours.
    pub fn hours(&self) -> f64 {
        (self.end_ms - self.start_ms) as f64 / 3_600_000.0
    }
}

/// One row of the `segments` table, within its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start_ms: i64,
    end_ms: i64,
    state: State,
    waiting_on: WaitingOn,
}

/// Merges a case's segments (in time order) into activities: consecutive, contiguous
/// segments with the same state (and, in waiting-on mode, the same label) become one.
fn merge(segments: &[Segment], kind: ActivityKind) -> Vec<Activity> {
    let same = |a: &Segment, b: &Segment| {
        a.end_ms == b.start_ms
            && a.state == b.state
            && (kind == ActivityKind::State || a.waiting_on == b.waiting_on)
    };
    segments
        .chunk_by(same)
        .map(|run| {
            // The label waited on longest; `max_by_key` keeps the last of equals, so walk
            // the labels in reverse order of first appearance.
            let mut totals: Vec<(WaitingOn, i64)> = Vec::new();
            for s in run {
                match totals.iter_mut().find(|(l, _)| *l == s.waiting_on) {
                    Some((_, ms)) => *ms += s.end_ms - s.start_ms,
                    None => totals.push((s.waiting_on, s.end_ms - s.start_ms)),
                }
            }
            let waiting_on = totals
                .iter()
                .rev()
                .max_by_key(|(_, ms)| *ms)
                .map_or(run[0].waiting_on, |(l, _)| *l);
            Activity {
                start_ms: run[0].start_ms,
                end_ms: run[run.len() - 1].end_ms,
                state: run[0].state,
                waiting_on,
            }
        })
        .collect()
}

/// A segment with its case's key, as read; strings are indices into [`Names`].
#[derive(Debug, Clone, Copy)]
struct Row {
    policy: usize,
    scenario: usize,
    seed: u64,
    version: u32,
    platform: usize,
    segment: Segment,
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

    let mut scenarios = Names::default();
    // Platforms in scenario order first, so sorting by index sorts in the dataset's order.
    let mut platforms = Names::default();
    for p in &run.scenario.platforms {
        platforms.index(&p.name);
    }
    let mut rows = Vec::new();
    // Only the parts the manifests list: a file being written or copied in is not read.
    for (name, path) in run.part_files(SEGMENTS) {
        if let Some(policy) = policies.iter().position(|p| **p == name) {
            read_segments(
                &run,
                &path,
                policy,
                &mut scenarios,
                &mut platforms,
                &mut rows,
            )?;
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
            scenario: scenarios.0[first.scenario].clone(),
            policy: policies[first.policy].clone(),
            seed: first.seed,
            version: first.version,
            platform: platforms.0[first.platform].clone(),
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
    scenarios: &mut Names,
    platforms: &mut Names,
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
            append_batch(&batch, policy, scenarios, platforms, rows).map_err(corrupt)?;
        }
        Ok(())
    })
}

fn append_batch(
    batch: &RecordBatch,
    policy: usize,
    scenarios: &mut Names,
    platforms: &mut Names,
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
    let (scenario, platform, state, label) = (
        strings(batch, "scenario")?,
        strings(batch, "platform")?,
        strings(batch, "state")?,
        strings(batch, "waiting_on")?,
    );
    let columns: [&dyn Array; 8] = [seed, version, start, end, scenario, platform, state, label];
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
            scenario: scenarios.index(scenario.value(i)),
            seed: u64::try_from(seed.value(i)).map_err(|_| format!("a negative seed (row {i})"))?,
            version: u32::try_from(version.value(i))
                .map_err(|_| format!("a negative version (row {i})"))?,
            platform: platforms.index(platform.value(i)),
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

/// Writes `log` as `format`.
pub fn write(log: &ActivityLog, format: LogFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        LogFormat::Csv => write_csv(log, out),
        LogFormat::Xes => write_xes(log, out),
    }
}

/// The CSV header: PM4Py's column names first, then the case keys and the attributes.
pub const CSV_HEADER: &str = "case:concept:name,concept:name,time:start_timestamp,\
time:timestamp,lifecycle:transition,policy,seed,version,platform,state,waiting_on,hours";

/// Writes `log` as CSV (RFC 4180 quoting, `\n` line ends), one row per event.
pub fn write_csv(log: &ActivityLog, out: &mut dyn Write) -> io::Result<()> {
    // Imported here: this is the only CSV code of the module.
    use crate::text::csv;
    let mut w = csv::writer(out);
    w.write_record(CSV_HEADER.split(','))
        .map_err(csv::io_error)?;
    for case in &log.cases {
        let id = case.id();
        let (seed, version) = (case.seed.to_string(), case.version.to_string());
        for a in &case.activities {
            let start = timestamp(a.start_ms)?;
            let hours = a.hours().to_string();
            for (transition, ms) in log.lifecycle.events(a) {
                w.write_record([
                    id.as_str(),
                    a.name(log.activity),
                    start.as_str(),
                    timestamp(ms)?.as_str(),
                    transition,
                    case.policy.as_str(),
                    seed.as_str(),
                    version.as_str(),
                    case.platform.as_str(),
                    a.state.as_str(),
                    a.waiting_on.as_str(),
                    hours.as_str(),
                ])
                .map_err(csv::io_error)?;
            }
        }
    }
    w.flush()
}

/// Milliseconds since the epoch as RFC 3339 UTC with milliseconds:
/// `2026-01-09T09:00:00.000Z`.
pub fn timestamp(ms: i64) -> io::Result<String> {
    let t = Timestamp::from_millisecond(ms)
        .map_err(|e| io::Error::other(format!("timestamp {ms} ms out of range: {e}")))?;
    let d = t.to_zoned(TimeZone::UTC).datetime();
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond()
    ))
}

/// Writes `log` as IEEE XES 1849-2016: the Concept, Time and Lifecycle extensions, one
/// `<trace>` per case (case keys as trace attributes) and one `<event>` per activity (two
/// with [`Lifecycle::StartComplete`]).
pub fn write_xes(log: &ActivityLog, out: &mut dyn Write) -> io::Result<()> {
    const STANDARD: &str = "http://www.xes-standard.org/";
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<log xes.version="1849.2016" xmlns="{STANDARD}">"#)?;
    for (name, prefix) in [
        ("Concept", "concept"),
        ("Time", "time"),
        ("Lifecycle", "lifecycle"),
    ] {
        writeln!(
            out,
            r#"  <extension name="{name}" prefix="{prefix}" uri="{STANDARD}{prefix}.xesext"/>"#
        )?;
    }
    writeln!(out, r#"  <global scope="trace">"#)?;
    writeln!(out, r#"    <string key="concept:name" value="UNKNOWN"/>"#)?;
    writeln!(out, r#"  </global>"#)?;
    writeln!(out, r#"  <global scope="event">"#)?;
    writeln!(out, r#"    <string key="concept:name" value="UNKNOWN"/>"#)?;
    writeln!(
        out,
        r#"    <date key="time:timestamp" value="1970-01-01T00:00:00.000Z"/>"#
    )?;
    writeln!(
        out,
        r#"    <string key="lifecycle:transition" value="complete"/>"#
    )?;
    writeln!(out, r#"  </global>"#)?;
    writeln!(
        out,
        r#"  <classifier name="Activity" keys="concept:name"/>"#
    )?;
    writeln!(
        out,
        r#"  <string key="concept:name" value="conductor activity log"/>"#
    )?;
    writeln!(out, r#"  <string key="lifecycle:model" value="standard"/>"#)?;
    writeln!(
        out,
        r#"  <string key="activity" value="{}"/>"#,
        log.activity.as_str()
    )?;
    writeln!(
        out,
        r#"  <string key="lifecycle" value="{}"/>"#,
        log.lifecycle.as_str()
    )?;
    for case in &log.cases {
        writeln!(out, "  <trace>")?;
        let attr = |ty: &str, key: &str, value: &str| {
            format!(r#"<{ty} key="{key}" value="{}"/>"#, xml_escape(value))
        };
        for line in [
            attr("string", "concept:name", &case.id()),
            attr("string", "scenario", &case.scenario),
            attr("string", "policy", &case.policy),
            attr("int", "seed", &case.seed.to_string()),
            attr("int", "version", &case.version.to_string()),
            attr("string", "platform", &case.platform),
        ] {
            writeln!(out, "    {line}")?;
        }
        for a in &case.activities {
            let start = timestamp(a.start_ms)?;
            for (transition, ms) in log.lifecycle.events(a) {
                writeln!(out, "    <event>")?;
                for line in [
                    attr("string", "concept:name", a.name(log.activity)),
                    attr("string", "lifecycle:transition", transition),
                    attr("date", "time:start_timestamp", &start),
                    attr("date", "time:timestamp", &timestamp(ms)?),
                    attr("string", "state", a.state.as_str()),
                    attr("string", "waiting_on", a.waiting_on.as_str()),
                    attr("float", "hours", &a.hours().to_string()),
                ] {
                    writeln!(out, "      {line}")?;
                }
                writeln!(out, "    </event>")?;
            }
        }
        writeln!(out, "  </trace>")?;
    }
    writeln!(out, "</log>")
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn seg(start_h: i64, end_h: i64, state: State, waiting_on: WaitingOn) -> Segment {
        Segment {
            start_ms: start_h * H,
            end_ms: end_h * H,
            state,
            waiting_on,
        }
    }

    fn names(acts: &[Activity], kind: ActivityKind) -> Vec<(&'static str, i64, i64)> {
        acts.iter()
            .map(|a| (a.name(kind), a.start_ms / H, a.end_ms / H))
            .collect()
    }

    /// branched: bug_fix 0-3, build 3-4, manual 4-5; final_rc: manual 5-6, signoff 6-9.
    fn track() -> Vec<Segment> {
        use State::*;
        use WaitingOn::*;
        vec![
            seg(0, 3, Branched, BugFix),
            seg(3, 4, Branched, BuildAndTest),
            seg(4, 5, Branched, ManualAction),
            seg(5, 6, FinalRc, ManualAction),
            seg(6, 9, FinalRc, Signoff),
        ]
    }

    #[test]
    fn state_mode_merges_consecutive_segments_of_a_state() {
        let acts = merge(&track(), ActivityKind::State);
        assert_eq!(
            names(&acts, ActivityKind::State),
            [("branched", 0, 5), ("final_rc", 5, 9)]
        );
        // The label each state waited on longest.
        assert_eq!(acts[0].waiting_on, WaitingOn::BugFix);
        assert_eq!(acts[1].waiting_on, WaitingOn::Signoff);
        assert_eq!(acts[0].hours(), 5.0);
    }

    #[test]
    fn waiting_on_mode_keeps_one_state_per_activity() {
        // A (state, label) stretch split in two is merged back.
        let mut segs = track();
        segs[0].end_ms = H;
        segs.insert(1, seg(1, 3, State::Branched, WaitingOn::BugFix));
        let acts = merge(&segs, ActivityKind::WaitingOn);
        assert_eq!(
            names(&acts, ActivityKind::WaitingOn),
            [
                ("bug_fix", 0, 3),
                ("build_and_test", 3, 4),
                ("manual_action", 4, 5),
                ("manual_action", 5, 6),
                ("signoff", 6, 9),
            ]
        );
        assert_eq!(acts[3].state, State::FinalRc);
    }

    #[test]
    fn label_ties_go_to_the_earliest_label() {
        use WaitingOn::*;
        let segs = [
            seg(0, 2, State::Branched, Signoff),
            seg(2, 4, State::Branched, BugFix),
        ];
        let acts = merge(&segs, ActivityKind::State);
        assert_eq!(acts[0].waiting_on, Signoff);
    }

    #[test]
    fn a_gap_is_never_merged_over() {
        use WaitingOn::*;
        let segs = [
            seg(0, 2, State::Branched, BugFix),
            seg(3, 4, State::Branched, BugFix),
        ];
        assert_eq!(merge(&segs, ActivityKind::State).len(), 2);
        assert_eq!(merge(&segs, ActivityKind::WaitingOn).len(), 2);
    }

    #[test]
    fn case_ids_name_the_scenario_when_it_has_a_name() {
        let mut case = Case {
            scenario: "baseline".into(),
            policy: "robot".into(),
            seed: 7,
            version: 3,
            platform: "ios".into(),
            activities: vec![],
        };
        assert_eq!(case.id(), "baseline/robot/seed=7/v3/ios");
        case.scenario.clear();
        assert_eq!(case.id(), "robot/seed=7/v3/ios");
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        // 2026-01-09T09:00:00Z
        assert_eq!(
            timestamp(1_767_949_200_000).unwrap(),
            "2026-01-09T09:00:00.000Z"
        );
        assert_eq!(
            timestamp(1_767_949_200_042).unwrap(),
            "2026-01-09T09:00:00.042Z"
        );
        assert_eq!(timestamp(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert!(timestamp(i64::MAX).is_err());
    }

    #[test]
    fn xml_escaping_covers_markup_whitespace_and_forbidden_characters() {
        assert_eq!(
            xml_escape(r#"a&b<c>"d"'e'"#),
            "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;"
        );
        assert_eq!(xml_escape("x\ty\nz\r"), "x&#9;y&#10;z&#13;");
        assert_eq!(xml_escape("bell\u{7}"), "bell\u{fffd}");
        assert_eq!(xml_escape("ünïcode ✓"), "ünïcode ✓");
    }

    #[test]
    fn formats_follow_the_file_extension() {
        let f = |p: &str| LogFormat::from_path(Path::new(p));
        assert_eq!(f("log.csv").unwrap(), LogFormat::Csv);
        assert_eq!(f("dir/log.XES").unwrap(), LogFormat::Xes);
        for bad in ["log.json", "log", "dir/"] {
            assert!(
                matches!(f(bad), Err(ExportError::UnknownExtension(_))),
                "{bad}"
            );
        }
    }

    fn tiny_log(activity: ActivityKind) -> ActivityLog {
        ActivityLog {
            activity,
            lifecycle: Lifecycle::Interval,
            cases: vec![Case {
                scenario: "what-if <A&B>".into(),
                policy: "robot, \"fast\"".into(),
                seed: 1,
                version: 0,
                platform: "ios".into(),
                activities: merge(&track(), activity),
            }],
        }
    }

    fn rendered(log: &ActivityLog, format: LogFormat) -> String {
        let mut out = Vec::new();
        write(log, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_rows_carry_every_column() {
        let csv = rendered(&tiny_log(ActivityKind::State), LogFormat::Csv);
        assert_eq!(
            csv,
            "case:concept:name,concept:name,time:start_timestamp,time:timestamp,\
lifecycle:transition,policy,seed,version,platform,state,waiting_on,hours
\"what-if <A&B>/robot, \"\"fast\"\"/seed=1/v0/ios\",branched,1970-01-01T00:00:00.000Z,\
1970-01-01T05:00:00.000Z,complete,\"robot, \"\"fast\"\"\",1,0,ios,branched,bug_fix,5
\"what-if <A&B>/robot, \"\"fast\"\"/seed=1/v0/ios\",final_rc,1970-01-01T05:00:00.000Z,\
1970-01-01T09:00:00.000Z,complete,\"robot, \"\"fast\"\"\",1,0,ios,final_rc,signoff,4
"
        );
    }

    #[test]
    fn xes_declares_the_extensions_and_escapes_values() {
        let xes = rendered(&tiny_log(ActivityKind::WaitingOn), LogFormat::Xes);
        for ext in ["Concept", "Time", "Lifecycle"] {
            assert!(
                xes.contains(&format!(r#"<extension name="{ext}""#)),
                "{ext}"
            );
        }
        assert!(xes.contains(
            r#"<string key="concept:name" value="what-if &lt;A&amp;B&gt;/robot, &quot;fast&quot;/seed=1/v0/ios"/>"#
        ));
        assert_eq!(xes.matches("<trace>").count(), 1);
        assert_eq!(xes.matches("<event>").count(), 5);
        assert_eq!(xes.matches("</event>").count(), 5);
        let event = r#"    <event>
      <string key="concept:name" value="manual_action"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:start_timestamp" value="1970-01-01T05:00:00.000Z"/>
      <date key="time:timestamp" value="1970-01-01T06:00:00.000Z"/>
      <string key="state" value="final_rc"/>
      <string key="waiting_on" value="manual_action"/>
      <float key="hours" value="1"/>
    </event>
"#;
        assert!(xes.contains(event), "{xes}");
        assert!(xes.ends_with("  </trace>\n</log>\n"));
    }

    #[test]
    fn start_complete_writes_two_events_per_activity_in_time_order() {
        let mut log = ActivityLog {
            lifecycle: Lifecycle::StartComplete,
            ..tiny_log(ActivityKind::State)
        };
        log.cases[0].policy = "robot".into();
        let csv = rendered(&log, LogFormat::Csv);
        let events: Vec<(&str, &str, &str)> = csv
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                (f[1], f[4], f[3])
            })
            .collect();
        assert_eq!(
            events,
            [
                ("branched", "start", "1970-01-01T00:00:00.000Z"),
                ("branched", "complete", "1970-01-01T05:00:00.000Z"),
                ("final_rc", "start", "1970-01-01T05:00:00.000Z"),
                ("final_rc", "complete", "1970-01-01T09:00:00.000Z"),
            ]
        );
        let xes = rendered(&log, LogFormat::Xes);
        assert_eq!(xes.matches("<event>").count(), 4);
        assert_eq!(
            xes.matches(r#"<string key="lifecycle:transition" value="start"/>"#)
                .count(),
            2
        );
        assert!(xes.contains(r#"<string key="lifecycle" value="start-complete"/>"#));
        assert!(xes.contains(r#"<string key="lifecycle:model" value="standard"/>"#));
    }
}
