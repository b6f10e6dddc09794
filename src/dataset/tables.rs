//! The four tables of a run directory as Arrow record batches: `snapshots`, `transitions`,
//! `segments` and `cycles`. One function per table turns the runs of one part into one batch whose rows
//! are already in the dataset's sort order (seed, version, platform in scenario order, ts).
//!
//! The partition column (`policy`) lives in the Hive path (`policy=robot/`) and in the files
//! too, so that a reader that does not discover partitions (Spark reading two run
//! directories at once, a single file opened alone) still sees it. Integers are signed
//! (Spark, Trino and Java have no unsigned types).

use std::sync::Arc;

use arrow_array::types::{UInt8Type, UInt16Type};
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int16Array, Int32Array,
    Int64Array, RecordBatch, StringArray, TimestampMillisecondArray, UInt8Array, UInt16Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use jiff::{SignedDuration, Timestamp};

use crate::engine::{BuildStatus, DefectSummary, HotfixSummary, RunResult, TrackResult};
use crate::files::parquet::{seed_column, version_column};
use crate::model::{Actor, Family, Gate, State, VersionLabels, WaitingOn};
use crate::scenario::Scenario;

/// Seconds between two snapshot ticks.
pub const TICK_SECONDS: i64 = 300;

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

fn key_fields() -> Vec<Field> {
    vec![
        Field::new("scenario", DataType::Utf8, false),
        Field::new("policy", DataType::Utf8, false),
        Field::new("seed", DataType::Int64, false),
        Field::new("version", DataType::Int32, false),
        Field::new("version_label", DataType::Utf8, false),
        Field::new("platform", DataType::Utf8, false),
    ]
}

/// The name of the snapshot column holding `gate`.
pub fn gate_column(gate: Gate) -> String {
    format!("gate_{}", gate.as_str())
}

/// The name of the cycles column holding the hours waited on `label`.
pub fn hours_column(label: WaitingOn) -> String {
    format!("hours_{}", label.as_str())
}

/// The name of the cycles column holding the first entry into `state`.
pub fn entered_column(state: State) -> String {
    format!("{}_at", state.as_str())
}

/// A string column stored as keys into a small dictionary. The files declare plain UTF-8
/// strings (the writer skips the Arrow schema), so readers see strings; the dictionary only
/// spares building and hashing a string per row.
fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8))
}

/// The snapshots' `version_label`: a part may hold more versions than a `u8` counts.
fn label_dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8))
}

/// Schema of `snapshots` as built in memory (string columns dictionary-keyed).
pub fn snapshots_schema() -> SchemaRef {
    let mut f = vec![
        Field::new("scenario", dict_type(), false),
        Field::new("policy", dict_type(), false),
        Field::new("seed", DataType::Int64, false),
        Field::new("version", DataType::Int32, false),
        Field::new("version_label", label_dict_type(), false),
        Field::new("platform", dict_type(), false),
    ];
    f.extend([
        Field::new("ts", ts_type(), false),
        Field::new("state", dict_type(), false),
        Field::new("waiting_on", dict_type(), false),
        Field::new("rollout_percent", DataType::Int16, false),
        Field::new("open_blockers", DataType::Int32, false),
        Field::new("signoffs_done", DataType::Int16, false),
        Field::new("signoffs_required", DataType::Int16, false),
        Field::new("latest_build", DataType::Int32, false),
        Field::new("build_status", dict_type(), false),
        Field::new("crash_rate_percent", DataType::Float32, true),
        Field::new("usage_percent", DataType::Int16, false),
    ]);
    f.extend(Gate::ALL.map(|g| Field::new(gate_column(g), DataType::Boolean, false)));
    Arc::new(Schema::new(f))
}

/// Schema of `transitions`.
pub fn transitions_schema() -> SchemaRef {
    let mut f = key_fields();
    f.extend([
        Field::new("ts", ts_type(), false),
        Field::new("from_state", DataType::Utf8, true),
        Field::new("to_state", DataType::Utf8, false),
        Field::new("actor", DataType::Utf8, false),
        Field::new("gates_passed_at", ts_type(), true),
        Field::new("wait_minutes", DataType::Float64, true),
    ]);
    Arc::new(Schema::new(f))
}

/// Schema of `segments`.
pub fn segments_schema() -> SchemaRef {
    let mut f = key_fields();
    f.extend([
        Field::new("start", ts_type(), false),
        Field::new("end", ts_type(), false),
        Field::new("state", DataType::Utf8, false),
        Field::new("waiting_on", DataType::Utf8, false),
        Field::new("hours", DataType::Float64, false),
    ]);
    Arc::new(Schema::new(f))
}

/// Schema of `cycles`.
pub fn cycles_schema() -> SchemaRef {
    let mut f = key_fields();
    f.extend(
        State::ALL
            .into_iter()
            .map(|s| Field::new(entered_column(s), ts_type(), s != State::Branched)),
    );
    f.extend([
        Field::new("ended_at", ts_type(), false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("cycle_hours", DataType::Float64, true),
    ]);
    f.extend(WaitingOn::ALL.map(|l| Field::new(hours_column(l), DataType::Float64, false)));
    f.extend([
        Field::new("blockers", DataType::Int32, false),
        Field::new("late_bugs", DataType::Int32, false),
        Field::new("rejections", DataType::Int32, false),
        Field::new("resubmissions", DataType::Int32, false),
        Field::new("pauses", DataType::Int32, false),
        Field::new("fixes_landed", DataType::Int32, false),
        Field::new("bugs_after_release", DataType::Int32, false),
        Field::new("fixes_after_release", DataType::Int32, false),
        Field::new("stages_entered", DataType::Int32, false),
        Field::new("top_stage_percent", DataType::Int16, true),
        Field::new("hotfixes", DataType::Int32, true),
        Field::new("point_releases", DataType::Utf8, true),
        Field::new("hotfix_fixes", DataType::Int32, true),
        Field::new("first_hotfix_at", ts_type(), true),
        Field::new("first_hotfix_hours", DataType::Float64, true),
        Field::new("restore_hours", DataType::Float64, true),
        Field::new("hotfix_open", DataType::Boolean, true),
    ]);
    f.extend(DEFECT_COUNT_COLUMNS.map(|c| Field::new(c, DataType::Int32, true)));
    f.push(Field::new("user_exposure_hours", DataType::Float64, true));
    f.extend(Family::ALL.map(|fam| Field::new(evidence_column(fam), DataType::Utf8, false)));
    Arc::new(Schema::new(f))
}

/// The `cycles` table's defect counts, in order (docs/formats.md, "cycles"); null where
/// defects are not modelled (a log replayed as it happened).
pub const DEFECT_COUNT_COLUMNS: [&str; 9] = [
    "defects",
    "defects_caught_testing",
    "defects_caught_beta",
    "defects_caught_review",
    "defects_caught_first_stage",
    "defects_escaped_halted",
    "defects_escaped_to_everyone",
    "defects_escaped",
    "defects_not_found",
];

/// One track's values of [`DEFECT_COUNT_COLUMNS`], in order.
fn defect_counts(d: &DefectSummary) -> [u32; 9] {
    [
        d.carried,
        d.caught_testing,
        d.caught_beta,
        d.caught_review,
        d.caught_first_stage,
        d.escaped_halted,
        d.escaped_to_everyone,
        d.escaped(),
        d.not_found,
    ]
}

/// The name of the cycles column saying where `family`'s evidence came from.
pub fn evidence_column(family: Family) -> String {
    format!("evidence_{}", family.as_str())
}

/// A count as the signed 32-bit columns hold it.
fn small_count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn ts_array(v: Vec<i64>) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(v).with_timezone("UTC"))
}

fn opt_ts_array(v: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(v).with_timezone("UTC"))
}

fn dict_array(keys: Vec<u8>, values: &[&str]) -> Result<ArrayRef, ArrowError> {
    let values: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
    Ok(Arc::new(DictionaryArray::<UInt8Type>::try_new(
        UInt8Array::from(keys),
        values,
    )?))
}

const BUILD_STATUSES: [BuildStatus; 3] = [
    BuildStatus::Running,
    BuildStatus::Passed,
    BuildStatus::Failed,
];

/// Run keys repeated once per row.
struct Keys<'a> {
    labels: &'a VersionLabels,
    scenario: Vec<&'a str>,
    policy: Vec<&'a str>,
    seed: Vec<i64>,
    version: Vec<i32>,
    version_label: Vec<std::borrow::Cow<'a, str>>,
    platform: Vec<&'a str>,
}

impl<'a> Keys<'a> {
    fn new(labels: &'a VersionLabels) -> Keys<'a> {
        Keys {
            labels,
            scenario: Vec::new(),
            policy: Vec::new(),
            seed: Vec::new(),
            version: Vec::new(),
            version_label: Vec::new(),
            platform: Vec::new(),
        }
    }

    fn push(&mut self, sc: &'a Scenario, run: &'a RunResult, t: &TrackResult) {
        self.scenario.push(&sc.name);
        self.policy.push(&run.policy);
        self.seed.push(seed_column(run.seed));
        self.version.push(version_column(t.version));
        self.version_label.push(self.labels.of(t.version));
        self.platform.push(&sc.platforms[t.platform].name);
    }

    fn columns(self) -> Vec<ArrayRef> {
        let labels: Vec<&str> = self.version_label.iter().map(|l| l.as_ref()).collect();
        vec![
            Arc::new(StringArray::from(self.scenario)),
            Arc::new(StringArray::from(self.policy)),
            Arc::new(Int64Array::from(self.seed)),
            Arc::new(Int32Array::from(self.version)),
            Arc::new(StringArray::from(labels)),
            Arc::new(StringArray::from(self.platform)),
        ]
    }
}

/// The snapshots' `version_label` column: a key per row into the labels of the part's
/// versions.
#[derive(Default)]
struct LabelColumn {
    keys: Vec<u16>,
    values: Vec<String>,
    last: Option<(u32, u16)>,
}

impl LabelColumn {
    fn push(&mut self, labels: &VersionLabels, version: u32) {
        let key = match self.last {
            Some((v, k)) if v == version => k,
            _ => {
                let label = labels.of(version);
                let k = match self.values.iter().position(|l| *l == *label) {
                    Some(k) => k,
                    None => {
                        self.values.push(label.into_owned());
                        self.values.len() - 1
                    }
                };
                // A part holds one policy's runs of a few seeds, each at most MAX_WEEKS versions.
                let k = u16::try_from(k).unwrap_or(u16::MAX);
                self.last = Some((version, k));
                k
            }
        };
        self.keys.push(key);
    }

    fn array(self) -> Result<ArrayRef, ArrowError> {
        let values: ArrayRef = Arc::new(StringArray::from(self.values));
        Ok(Arc::new(DictionaryArray::<UInt16Type>::try_new(
            UInt16Array::from(self.keys),
            values,
        )?))
    }
}

/// The first tick (a multiple of five minutes since the epoch) at or after `t`.
pub fn first_tick(t: Timestamp) -> i64 {
    let s = t.as_second();
    let r = s.rem_euclid(TICK_SECONDS);
    if r == 0 && t.subsec_nanosecond() == 0 {
        s
    } else {
        s - r + TICK_SECONDS
    }
}

/// Number of snapshot rows of a track: the ticks in `[branch_cut, ended)`.
pub fn tick_count(t: &TrackResult) -> usize {
    let first = first_tick(t.branch_cut);
    let end = t.ended.as_second() + i64::from(t.ended.subsec_nanosecond() > 0);
    if end <= first {
        0
    } else {
        ((end - first + TICK_SECONDS - 1) / TICK_SECONDS) as usize
    }
}

/// Share of the "enough usage" threshold reached `elapsed` after the cut, in whole
/// percent, capped at 100 (the gate itself is `gate_beta_usage`).
fn usage_percent(elapsed: SignedDuration, enough: Option<SignedDuration>) -> u8 {
    // Never enough (or not in a replayed log): shown as 0.
    let Some(enough) = enough else { return 0 };
    if enough <= SignedDuration::ZERO {
        return 100;
    }
    let p = (elapsed.as_secs_f64() / enough.as_secs_f64() * 100.0).floor();
    p.clamp(0.0, 100.0) as u8
}

/// The `snapshots` rows of `runs`: one per live track per five-minute tick. The row at tick
/// t shows the values after every event at or before t.
pub fn snapshots(
    sc: &Scenario,
    labels: &VersionLabels,
    runs: &[RunResult],
) -> Result<RecordBatch, ArrowError> {
    let rows: usize = runs.iter().flat_map(|r| &r.tracks).map(tick_count).sum();
    let mut seed = Vec::with_capacity(rows);
    let mut version = Vec::with_capacity(rows);
    let mut version_label = LabelColumn::default();
    let mut platform = Vec::with_capacity(rows);
    let mut ts = Vec::with_capacity(rows);
    let mut state = Vec::with_capacity(rows);
    let mut waiting = Vec::with_capacity(rows);
    let mut rollout = Vec::with_capacity(rows);
    let mut blockers = Vec::with_capacity(rows);
    let mut done = Vec::with_capacity(rows);
    let mut required = Vec::with_capacity(rows);
    let mut build = Vec::with_capacity(rows);
    let mut status = Vec::with_capacity(rows);
    let mut crash = Vec::with_capacity(rows);
    let mut usage = Vec::with_capacity(rows);
    let mut gates: Vec<Vec<bool>> = Gate::ALL.iter().map(|_| Vec::with_capacity(rows)).collect();
    // Label key `WaitingOn::COUNT` is "none" (terminal; never inside a track's life).
    let waiting_labels: Vec<&str> = WaitingOn::ALL
        .iter()
        .map(|l| l.as_str())
        .chain(["none"])
        .collect();
    for run in runs {
        for t in &run.tracks {
            if t.timeline.is_empty() {
                continue;
            }
            debug_assert!(t.timeline[0].at <= t.branch_cut);
            let mut k = 0;
            let mut tick = first_tick(t.branch_cut);
            for _ in 0..tick_count(t) {
                let at = Timestamp::from_second(tick)
                    .map_err(|e| ArrowError::ComputeError(e.to_string()))?;
                while k + 1 < t.timeline.len() && t.timeline[k + 1].at <= at {
                    k += 1;
                }
                let o = &t.timeline[k];
                seed.push(seed_column(run.seed));
                version.push(version_column(t.version));
                version_label.push(labels, t.version);
                platform.push(t.platform as u8);
                ts.push(tick * 1000);
                state.push(o.state.index() as u8);
                waiting.push(o.waiting_on.map_or(WaitingOn::COUNT, WaitingOn::index) as u8);
                rollout.push(i16::from(o.rollout_percent));
                blockers.push(small_count(o.open_blockers));
                done.push(o.signoffs_done.min(i16::MAX as u32) as i16);
                required.push(o.signoffs_required.min(i16::MAX as u32) as i16);
                build.push(small_count(o.latest_build));
                status.push(
                    BUILD_STATUSES
                        .iter()
                        .position(|b| *b == o.build_status)
                        .unwrap_or(0) as u8,
                );
                crash.push(o.crash_rate_percent.map(|c| c as f32));
                usage.push(i16::from(usage_percent(
                    at.duration_since(t.branch_cut),
                    t.usage_after,
                )));
                for (col, g) in gates.iter_mut().zip(Gate::ALL) {
                    col.push(o.gates.contains(g));
                }
                tick += TICK_SECONDS;
            }
        }
    }
    let platforms: Vec<&str> = sc.platforms.iter().map(|p| p.name.as_str()).collect();
    let states = State::ALL.map(State::as_str);
    let statuses = BUILD_STATUSES.map(BuildStatus::as_str);
    let n = seed.len();
    // A part holds one policy's runs.
    let policy = runs.first().map_or("", |r| r.policy.as_str());
    debug_assert!(runs.iter().all(|r| r.policy == policy));
    let mut cols: Vec<ArrayRef> = vec![
        dict_array(vec![0; n], &[sc.name.as_str()])?,
        dict_array(vec![0; n], &[policy])?,
        Arc::new(Int64Array::from(seed)),
        Arc::new(Int32Array::from(version)),
        version_label.array()?,
        dict_array(platform, &platforms)?,
        ts_array(ts),
        dict_array(state, &states)?,
        dict_array(waiting, &waiting_labels)?,
        Arc::new(Int16Array::from(rollout)),
        Arc::new(Int32Array::from(blockers)),
        Arc::new(Int16Array::from(done)),
        Arc::new(Int16Array::from(required)),
        Arc::new(Int32Array::from(build)),
        dict_array(status, &statuses)?,
        Arc::new(Float32Array::from(crash)),
        Arc::new(Int16Array::from(usage)),
    ];
    cols.extend(
        gates
            .into_iter()
            .map(|g| Arc::new(BooleanArray::from(g)) as ArrayRef),
    );
    RecordBatch::try_new(snapshots_schema(), cols)
}

/// The `transitions` rows of `runs`: one per change of state, in time order per track. The
/// first row of a track is its branch cut (from no state to `branched`, by `world`).
pub fn transitions(
    sc: &Scenario,
    labels: &VersionLabels,
    runs: &[RunResult],
) -> Result<RecordBatch, ArrowError> {
    let mut keys = Keys::new(labels);
    let (mut ts, mut from, mut to, mut actor, mut passed, mut wait) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for run in runs {
        for t in &run.tracks {
            keys.push(sc, run, t);
            ts.push(millis(t.branch_cut));
            from.push(None);
            to.push(State::Branched.as_str());
            actor.push(Actor::World.as_str());
            passed.push(None);
            wait.push(None);
            for tr in &t.transitions {
                keys.push(sc, run, t);
                ts.push(millis(tr.at));
                from.push(Some(tr.from.as_str()));
                to.push(tr.to.as_str());
                actor.push(tr.actor.as_str());
                passed.push(tr.gates_passed_at.map(millis));
                wait.push(tr.wait_minutes());
            }
        }
    }
    let mut cols = keys.columns();
    cols.extend([
        ts_array(ts),
        Arc::new(StringArray::from(from)) as ArrayRef,
        Arc::new(StringArray::from(to)),
        Arc::new(StringArray::from(actor)),
        opt_ts_array(passed),
        Arc::new(Float64Array::from(wait)),
    ]);
    RecordBatch::try_new(transitions_schema(), cols)
}

/// The `segments` rows of `runs`: one per stretch of constant state and waiting-on label,
/// in time order per track. A track's segments tile `[branch cut, end)`.
pub fn segments(
    sc: &Scenario,
    labels: &VersionLabels,
    runs: &[RunResult],
) -> Result<RecordBatch, ArrowError> {
    let mut keys = Keys::new(labels);
    let (mut start, mut end, mut state, mut label, mut hours) =
        (vec![], vec![], vec![], vec![], vec![]);
    for run in runs {
        for t in &run.tracks {
            for s in t.segments() {
                let from = s.start.max(t.branch_cut);
                if s.end <= from {
                    continue;
                }
                keys.push(sc, run, t);
                start.push(millis(from));
                end.push(millis(s.end));
                state.push(s.state.as_str());
                label.push(s.waiting_on.as_str());
                hours.push(s.end.duration_since(from).as_secs_f64() / 3600.0);
            }
        }
    }
    let mut cols = keys.columns();
    cols.extend([
        ts_array(start),
        ts_array(end),
        Arc::new(StringArray::from(state)) as ArrayRef,
        Arc::new(StringArray::from(label)),
        Arc::new(Float64Array::from(hours)),
    ]);
    RecordBatch::try_new(segments_schema(), cols)
}

/// The `cycles` rows of `runs`: one per track.
pub fn cycles(
    sc: &Scenario,
    labels: &VersionLabels,
    runs: &[RunResult],
) -> Result<RecordBatch, ArrowError> {
    let mut keys = Keys::new(labels);
    let mut entered: Vec<Vec<Option<i64>>> = State::ALL.iter().map(|_| vec![]).collect();
    let (mut ended, mut outcome, mut cycle) = (vec![], vec![], vec![]);
    let mut hours: Vec<Vec<f64>> = WaitingOn::ALL.iter().map(|_| vec![]).collect();
    let mut counts: [Vec<i32>; 8] = Default::default();
    let mut hotfix = HotfixColumns::default();
    let mut defects: [Vec<Option<i32>>; 9] = Default::default();
    let mut exposure = Vec::new();
    let (mut stages, mut top_stage) = (Vec::new(), Vec::new());
    let mut evidence: Vec<Vec<&str>> = Family::ALL.iter().map(|_| vec![]).collect();
    for run in runs {
        for t in &run.tracks {
            keys.push(sc, run, t);
            hotfix.push(t.hotfix_summary());
            let found = t.defects.as_ref().map(defect_counts);
            for (k, col) in defects.iter_mut().enumerate() {
                col.push(found.map(|c| small_count(c[k])));
            }
            exposure.push(t.defects.as_ref().map(|d| d.exposure_hours));
            let (stage_entries, top) = t.rollout_stages();
            stages.push(small_count(stage_entries));
            top_stage.push(top.map(i16::from));
            for (col, fam) in evidence.iter_mut().zip(Family::ALL) {
                col.push(t.evidence(fam).as_str());
            }
            for (col, s) in entered.iter_mut().zip(State::ALL) {
                col.push(t.entered[s.index()].map(millis));
            }
            ended.push(millis(t.ended));
            outcome.push(t.outcome.as_str());
            cycle.push(t.cycle_hours());
            for (col, l) in hours.iter_mut().zip(WaitingOn::ALL) {
                col.push(t.waiting_hours(l));
            }
            for (col, n) in counts.iter_mut().zip([
                t.blockers,
                t.late_bugs,
                t.rejections,
                t.resubmissions,
                t.pauses,
                t.fixes_landed,
                t.bugs_after_release,
                t.fixes_after_release,
            ]) {
                col.push(small_count(n));
            }
        }
    }
    let mut cols = keys.columns();
    cols.extend(entered.into_iter().map(opt_ts_array));
    cols.extend([
        ts_array(ended),
        Arc::new(StringArray::from(outcome)) as ArrayRef,
        Arc::new(Float64Array::from(cycle)),
    ]);
    cols.extend(
        hours
            .into_iter()
            .map(|h| Arc::new(Float64Array::from(h)) as ArrayRef),
    );
    cols.extend(
        counts
            .into_iter()
            .map(|c| Arc::new(Int32Array::from(c)) as ArrayRef),
    );
    cols.push(Arc::new(Int32Array::from(stages)));
    cols.push(Arc::new(Int16Array::from(top_stage)));
    cols.extend(hotfix.columns());
    cols.extend(
        defects
            .into_iter()
            .map(|c| Arc::new(Int32Array::from(c)) as ArrayRef),
    );
    cols.push(Arc::new(Float64Array::from(exposure)));
    cols.extend(
        evidence
            .into_iter()
            .map(|e| Arc::new(StringArray::from(e)) as ArrayRef),
    );
    RecordBatch::try_new(cycles_schema(), cols)
}

/// The `cycles` table's hotfix columns: null where the run does not model hotfixes.
#[derive(Default)]
struct HotfixColumns {
    count: Vec<Option<i32>>,
    labels: Vec<Option<String>>,
    fixes: Vec<Option<i32>>,
    first_at: Vec<Option<i64>>,
    hours_to_first: Vec<Option<f64>>,
    restore_hours: Vec<Option<f64>>,
    open: Vec<Option<bool>>,
}

impl HotfixColumns {
    fn push(&mut self, h: Option<HotfixSummary>) {
        self.count
            .push(h.as_ref().map(|h| small_count(h.point_releases)));
        self.labels.push(
            h.as_ref()
                .and_then(|h| (!h.labels.is_empty()).then(|| h.labels.clone())),
        );
        self.fixes.push(h.as_ref().map(|h| small_count(h.fixes)));
        self.first_at
            .push(h.as_ref().and_then(|h| h.first_at.map(millis)));
        self.hours_to_first
            .push(h.as_ref().and_then(|h| h.hours_to_first));
        self.restore_hours
            .push(h.as_ref().and_then(|h| h.restore_hours));
        self.open.push(h.as_ref().map(|h| h.open));
    }

    fn columns(self) -> [ArrayRef; 7] {
        [
            Arc::new(Int32Array::from(self.count)),
            Arc::new(StringArray::from(self.labels)),
            Arc::new(Int32Array::from(self.fixes)),
            opt_ts_array(self.first_at),
            Arc::new(Float64Array::from(self.hours_to_first)),
            Arc::new(Float64Array::from(self.restore_hours)),
            Arc::new(BooleanArray::from(self.open)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_align_to_five_minutes() {
        let t: Timestamp = "2026-01-09T09:00:00Z".parse().unwrap();
        assert_eq!(first_tick(t), t.as_second());
        let t2: Timestamp = "2026-01-09T09:00:01Z".parse().unwrap();
        assert_eq!(first_tick(t2), t.as_second() + 300);
    }

    #[test]
    fn usage_is_capped_whole_percent() {
        let h = SignedDuration::from_hours;
        assert_eq!(usage_percent(h(30), Some(h(60))), 50);
        assert_eq!(usage_percent(h(30), None), 0);
        assert_eq!(usage_percent(h(90), Some(h(60))), 100);
        assert_eq!(usage_percent(SignedDuration::ZERO, Some(h(60))), 0);
    }

    #[test]
    fn snapshot_rows_match_the_tick_count_of_each_track() {
        let sc = Scenario::baseline();
        let run = crate::engine::run(
            &sc,
            sc.policy("robot").unwrap(),
            crate::world::SeasonWorld::synthetic(&sc, 3, 3),
            crate::engine::Detail::Full,
        );
        let b = snapshots(&sc, &VersionLabels::default(), std::slice::from_ref(&run)).unwrap();
        let expected: usize = run.tracks.iter().map(tick_count).sum();
        assert_eq!(b.num_rows(), expected);
        assert!(
            expected > 9 * 12 * 24,
            "three versions of about four days each"
        );
        let c = cycles(&sc, &VersionLabels::default(), std::slice::from_ref(&run)).unwrap();
        assert_eq!(c.num_rows(), run.tracks.len());
        let tr = transitions(&sc, &VersionLabels::default(), std::slice::from_ref(&run)).unwrap();
        assert_eq!(
            tr.num_rows(),
            run.tracks
                .iter()
                .map(|t| t.transitions.len() + 1)
                .sum::<usize>(),
            "each track's transitions plus its branch cut"
        );
        let seg = segments(&sc, &VersionLabels::default(), std::slice::from_ref(&run)).unwrap();
        let hours = seg
            .column_by_name("hours")
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        let total: f64 = hours.values().iter().sum();
        let expected: f64 = run
            .tracks
            .iter()
            .map(|t| t.ended.duration_since(t.branch_cut).as_secs_f64() / 3600.0)
            .sum();
        assert!(
            (total - expected).abs() < 1e-6,
            "segments tile each track's life: {total} vs {expected}"
        );
    }
}
