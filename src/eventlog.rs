//! Event logs: what happened to each track, one event per row (docs/formats.md, "Event
//! log"). A log is read from CSV, JSON Lines or Parquet ([`read`]), checked for impossible
//! histories ([`Log::validate`]), turned into the recorded world of each track
//! ([`recorded`]) and replayed by the engine; `conductor simulate --event-log` writes one
//! ([`write`]).
//!
//! **Families.** Kinds come in families (blockers, builds, metrics, sign-off, usage, reviews,
//! rollout checks). A family is *recorded* when the log holds at least one event of it, and
//! a recorded family is taken to be complete: a log with build events but no `tests_failed`
//! says no test run failed. A family the log lacks is unknown: replaying the log as it
//! happened labels the time its gates decide `unknown`, and a counterfactual draws it from
//! the scenario.

pub mod read;
pub mod recorded;
pub mod write;

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::model::{Families, Family, Kind, LogEvent, State, VersionLabels, compare_labels};
use crate::scenario::Scenario;
use crate::scenario::limits::{MAX_VERSION, MAX_WEEKS};

/// One event of a log, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Where it was read: the line of a CSV or JSON Lines file (1-based, the CSV header is
    /// line 1), the row of a Parquet file (1-based).
    pub line: u64,
    /// When it happened.
    pub ts: Timestamp,
    /// Which history (a simulated season's seed); 0 when the log has no `seed` column.
    pub seed: u64,
    /// The version's number: its label's when every label of the log is a whole number,
    /// else its place in the order of the cuts (set by [`Log::validate`]).
    pub version: u32,
    /// The version's label, as the log spells it (`8.9.2`, `v104.0.0`, `612`).
    pub label: String,
    /// The platform.
    pub platform: String,
    /// What happened.
    pub kind: Kind,
    /// Bug id, build id, team, review, metric name or actor, by kind.
    pub reference: Option<String>,
    /// Rollout %, metric value, build minutes, usage %, by kind.
    pub value: Option<f64>,
}

/// A bad event log. Row errors name the file, the line and the reason; `--lenient` skips
/// such rows instead.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file as a whole cannot be read (missing, not the format its name says, corrupt,
    /// no such column).
    #[error("{}: {reason}", file.display())]
    File {
        /// The log.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// One row is malformed or contradicts the history before it.
    #[error("{}:{line}: {reason}", file.display())]
    Row {
        /// The log.
        file: PathBuf,
        /// The line (or Parquet row).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// Several rows are: each on its own `file:line: reason` line (the first
    /// [`MAX_LISTED_ROWS`]), then how many in all.
    #[error("{}", rows_message(file, rows, *total))]
    Rows {
        /// The log.
        file: PathBuf,
        /// The first bad rows, in line order.
        rows: Vec<Skipped>,
        /// How many rows are bad in all.
        total: usize,
    },
    /// Nothing to replay.
    #[error("{}: no events (an event log needs at least one branch_cut)", .0.display())]
    Empty(PathBuf),
    /// `--lenient` skipped every row: nothing is left, and these are why (the first
    /// [`MAX_LISTED_ROWS`]).
    #[error("{}", all_skipped_message(file, rows, *total))]
    AllSkipped {
        /// The log.
        file: PathBuf,
        /// The first rows skipped, in line order.
        rows: Vec<Skipped>,
        /// Rows skipped, every row of the log.
        total: usize,
    },
    /// The log could not be written (`simulate --event-log`; the cause, naming the file,
    /// is the error's source).
    #[error("cannot write the event log")]
    Write {
        /// The log.
        file: PathBuf,
        /// Why.
        source: crate::files::FileError,
    },
}

/// At most this many bad rows are listed in one error; the rest are counted.
pub const MAX_LISTED_ROWS: usize = 20;

impl LogError {
    /// The error for the bad `rows` of `file` (at least one): the row itself when it is the
    /// only one, else the list.
    fn rows(file: &Path, mut rows: Vec<Skipped>) -> LogError {
        rows.sort_by_key(|s| s.line);
        let total = rows.len();
        if total == 1 {
            let Skipped { line, reason } = rows.remove(0);
            return LogError::Row {
                file: file.to_path_buf(),
                line,
                reason,
            };
        }
        rows.truncate(MAX_LISTED_ROWS);
        LogError::Rows {
            file: file.to_path_buf(),
            rows,
            total,
        }
    }
}

fn rows_message(file: &Path, rows: &[Skipped], total: usize) -> String {
    let file = file.display();
    let mut s = String::new();
    for r in rows {
        s.push_str(&format!("{file}:{}: {}\n", r.line, r.reason));
    }
    let more = total - rows.len();
    if more > 0 {
        s.push_str(&format!("… and {more} more\n"));
    }
    s.push_str(&format!(
        "{file}: {total} bad rows (fix them, or pass --lenient to skip and list them)"
    ));
    s
}

fn all_skipped_message(file: &Path, rows: &[Skipped], total: usize) -> String {
    let file = file.display();
    let mut s = format!(
        "{file}: --lenient skipped all {total} rows, so nothing is left to read; the reasons:"
    );
    for r in rows {
        s.push_str(&format!("\n{file}:{}: {}", r.line, r.reason));
    }
    let more = total - rows.len();
    if more > 0 {
        s.push_str(&format!("\n… and {more} more"));
    }
    s
}

/// A row `--lenient` skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The line (or Parquet row).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// The events of one track, checked and in time order.
#[derive(Debug, Clone)]
pub struct TrackLog {
    /// The version.
    pub version: u32,
    /// Index into the scenario's platforms.
    pub platform: usize,
    /// Its events, from the branch cut to the end of its cycle (100% or cancellation, or
    /// the log's last row), sorted by time (ties keep file order).
    pub rows: Vec<Row>,
    /// Its events after the release reached 100%: its hotfixes and point releases.
    pub after: Vec<Row>,
}

/// A checked event log.
#[derive(Debug, Clone)]
pub struct Log {
    /// The file.
    pub file: PathBuf,
    /// Tracks per seed, each in (version, platform) order.
    pub seeds: BTreeMap<u64, Vec<TrackLog>>,
    /// The families the log records.
    pub families: Families,
    /// The states the log records entering (a state it never records may be passed through
    /// without an event).
    pub recorded_states: Vec<State>,
    /// Rows skipped under `--lenient`.
    pub skipped: Vec<Skipped>,
    /// The versions' labels, by number.
    pub labels: VersionLabels,
    /// Rows read.
    pub rows: usize,
    /// SHA-256 of the bytes read, lower-case hex (empty for rows checked without a file).
    pub sha256: String,
}

/// How to treat bad rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Skip malformed or contradicting rows (and list them) instead of failing.
    pub lenient: bool,
}

impl Log {
    /// Reads and checks the log at `path` against `scenario` (its platforms and crash
    /// threshold).
    ///
    /// The file is opened and read once (a named pipe works); [`Log::sha256`] is the hash of
    /// exactly the bytes parsed.
    pub fn load(path: &Path, scenario: &Scenario, opts: ReadOptions) -> Result<Log, LogError> {
        let bytes = read::read_bytes(path)?;
        let sha256 = crate::files::sha256_hex(&bytes);
        let (rows, mut skipped) = read::parse(path, bytes, opts)?;
        let platforms: Vec<&str> = scenario.platforms.iter().map(|p| p.name.as_str()).collect();
        let mut log = Log::validate(path, rows, &platforms, opts)?;
        log.rows += skipped.len();
        skipped.append(&mut log.skipped);
        skipped.sort_by_key(|s| s.line);
        log.skipped = skipped;
        log.sha256 = sha256;
        if log.seeds.is_empty() && !log.skipped.is_empty() {
            let total = log.skipped.len();
            let mut rows = log.skipped;
            rows.truncate(MAX_LISTED_ROWS);
            return Err(LogError::AllSkipped {
                file: path.to_path_buf(),
                rows,
                total,
            });
        }
        if log.seeds.is_empty() {
            return Err(LogError::Empty(path.to_path_buf()));
        }
        for (seed, tracks) in &log.seeds {
            let mut versions: Vec<u32> = tracks.iter().map(|t| t.version).collect();
            versions.dedup();
            if versions.len() > MAX_WEEKS as usize {
                return Err(LogError::File {
                    file: path.to_path_buf(),
                    reason: format!(
                        "seed {seed} holds {} versions; a season holds at most {MAX_WEEKS}",
                        versions.len()
                    ),
                });
            }
        }
        Ok(log)
    }

    /// Checks `rows` for impossible histories: sorts them by time, groups them by track and
    /// walks each track's states. Every row's platform must be one of `platforms`.
    pub fn validate(
        file: &Path,
        mut rows: Vec<Row>,
        platforms: &[&str],
        opts: ReadOptions,
    ) -> Result<Log, LogError> {
        let total = rows.len();
        // Platform names are matched without regard to case (`iOS` is the scenario's `ios`)
        // and take the scenario's spelling, before rows are grouped by track.
        for r in &mut rows {
            if let Some(p) = platforms
                .iter()
                .find(|p| p.eq_ignore_ascii_case(&r.platform))
            {
                r.platform.clear();
                r.platform.push_str(p);
            }
        }
        let (labels, mut rows) = number_versions(rows);
        // Stable: events at one instant keep the file's order.
        rows.sort_by(|a, b| {
            (a.seed, a.version, &a.platform, a.ts).cmp(&(b.seed, b.version, &b.platform, b.ts))
        });
        // The families and states the cycles record: a hotfix's builds or review after the
        // release say nothing of the cycle's.
        let mut families = Families::default();
        let mut recorded_states = Vec::new();
        for r in cycle_rows(&rows) {
            match r.kind.family() {
                Some(f) => families.insert(f),
                None => {
                    // A staged rollout's steps below 100% record entering rollout_1.
                    let staged = (r.kind == Kind::Rollout).then_some(State::Rollout1);
                    if let Some(s) = state_target(r).or(staged)
                        && !recorded_states.contains(&s)
                    {
                        recorded_states.push(s);
                    }
                }
            }
        }
        let mut skipped = Vec::new();
        let mut seeds: BTreeMap<u64, Vec<TrackLog>> = BTreeMap::new();
        let mut checker: Option<validate::Track> = None;
        let ctx = validate::Context {
            recorded_states: &recorded_states,
            reviews: families.contains(Family::Reviews),
        };
        for row in rows {
            let same = checker.as_ref().is_some_and(|c| c.is_for(&row));
            if !same && let Some(done) = checker.take() {
                done.finish(&mut seeds);
            }
            let checked = match platforms.iter().position(|p| *p == row.platform) {
                Some(platform) => checker
                    .get_or_insert_with(|| validate::Track::new(&row, platform))
                    .push(row.clone(), &ctx),
                None => Err(format!(
                    "unknown platform {:?} (the scenario has: {})",
                    row.platform,
                    platforms.join(", ")
                )),
            };
            if let Err(reason) = checked {
                // Every bad row is collected: under --lenient to skip it, otherwise to report
                // them all at once.
                skipped.push(Skipped {
                    line: row.line,
                    reason,
                });
            }
        }
        if let Some(done) = checker {
            done.finish(&mut seeds);
        }
        if !opts.lenient && !skipped.is_empty() {
            return Err(LogError::rows(file, skipped));
        }
        for tracks in seeds.values_mut() {
            tracks.sort_by_key(|t| (t.version, t.platform));
        }
        Ok(Log {
            file: file.to_path_buf(),
            seeds,
            families,
            recorded_states,
            skipped,
            labels,
            rows: total,
            sha256: String::new(),
        })
    }
}

/// The rows of `rows` (sorted by track, then time) up to their track's first `rollout`
/// 100%: its cycle's, not its hotfixes'.
fn cycle_rows(rows: &[Row]) -> impl Iterator<Item = &Row> {
    let mut released: Option<(u64, u32, &str)> = None;
    rows.iter().filter(move |r| {
        let key = (r.seed, r.version, r.platform.as_str());
        let after = released == Some(key);
        if !after && r.kind == Kind::Rollout && r.value.is_some_and(|v| v >= 100.0) {
            released = Some(key);
        }
        !after
    })
}

/// Numbers the versions of `rows` by their labels: every label a whole number (up to
/// [`MAX_VERSION`]) keeps its number (`0012` is 12); otherwise the versions are numbered 1, 2,
/// … in the order of their first start (`branch_cut` or `cycle_started`, on any seed or
/// platform), versions never started after those, and versions that start at one instant in
/// version order ([`compare_labels`]).
fn number_versions(mut rows: Vec<Row>) -> (VersionLabels, Vec<Row>) {
    let numeric = |l: &str| l.parse::<u32>().ok().filter(|v| *v <= MAX_VERSION);
    let mut labels = BTreeMap::new();
    if rows.iter().all(|r| numeric(&r.label).is_some()) {
        for r in &mut rows {
            r.version = numeric(&r.label).unwrap_or_default();
            r.label = r.version.to_string();
            labels.insert(r.version, r.label.clone());
        }
        return (VersionLabels::new(labels), rows);
    }
    let mut first: BTreeMap<&str, Option<jiff::Timestamp>> = BTreeMap::new();
    for r in &rows {
        let start = matches!(r.kind, Kind::BranchCut | Kind::CycleStarted).then_some(r.ts);
        let e = first.entry(r.label.as_str()).or_insert(start);
        *e = match (*e, start) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let mut order: Vec<(&str, Option<jiff::Timestamp>)> = first.into_iter().collect();
    // Started versions by their start (`None` sorts first, so it is flipped to sort last).
    order.sort_by(|(a, ta), (b, tb)| {
        (ta.is_none(), ta)
            .cmp(&(tb.is_none(), tb))
            .then_with(|| compare_labels(a, b))
    });
    let numbers: BTreeMap<String, u32> = order
        .iter()
        .zip(1u32..)
        .map(|((l, _), n)| (l.to_string(), n))
        .collect();
    for r in &mut rows {
        r.version = numbers[&r.label];
    }
    labels.extend(numbers.into_iter().map(|(l, n)| (n, l)));
    (VersionLabels::new(labels), rows)
}

mod validate {
    //! The per-track walk that rejects impossible histories.

    use std::collections::{BTreeMap, BTreeSet};

    use super::{Kind, Row, TrackLog};
    use crate::model::State;
    use crate::scenario::limits::MAX_TRACK_DAYS;

    pub struct Context<'a> {
        pub recorded_states: &'a [State],
        pub reviews: bool,
    }

    pub struct Track {
        seed: u64,
        version: u32,
        platform: String,
        platform_index: usize,
        rows: Vec<Row>,
        state: Option<State>,
        /// The line of the event that put the track in its state.
        state_line: u64,
        open_bugs: BTreeMap<String, u64>,
        fixed_bugs: BTreeSet<String>,
        builds: BTreeSet<String>,
        teams_required: BTreeSet<String>,
        teams_given: BTreeMap<String, u64>,
        verdict_pending: bool,
        incident_open: bool,
        /// After the release: its hotfixes' rows, the reported bugs not yet fixed and the
        /// point releases' labels.
        after: Vec<Row>,
        hotfix_bugs: BTreeMap<String, u64>,
        point_releases: BTreeMap<String, u64>,
    }

    impl Track {
        pub fn new(first: &Row, platform_index: usize) -> Track {
            Track {
                seed: first.seed,
                version: first.version,
                platform: first.platform.clone(),
                platform_index,
                rows: Vec::new(),
                state: None,
                state_line: 0,
                open_bugs: BTreeMap::new(),
                fixed_bugs: BTreeSet::new(),
                builds: BTreeSet::new(),
                teams_required: BTreeSet::new(),
                teams_given: BTreeMap::new(),
                verdict_pending: false,
                incident_open: false,
                after: Vec::new(),
                hotfix_bugs: BTreeMap::new(),
                point_releases: BTreeMap::new(),
            }
        }

        pub fn is_for(&self, row: &Row) -> bool {
            (self.seed, self.version, self.platform.as_str())
                == (row.seed, row.version, row.platform.as_str())
        }

        pub fn finish(self, seeds: &mut BTreeMap<u64, Vec<TrackLog>>) {
            if self.rows.is_empty() {
                return;
            }
            seeds.entry(self.seed).or_default().push(TrackLog {
                version: self.version,
                platform: self.platform_index,
                rows: self.rows,
                after: self.after,
            });
        }

        /// Checks `row` against the history so far and keeps it, or says why not.
        pub fn push(&mut self, row: Row, ctx: &Context) -> Result<(), String> {
            if let Some(earlier) = self
                .rows
                .iter()
                .chain(&self.after)
                .find(|r| same_event(r, &row))
            {
                return Err(format!("duplicate of line {}", earlier.line));
            }
            if let Some(cut) = self.rows.first().map(|r| r.ts)
                && row.ts.duration_since(cut).as_hours() > MAX_TRACK_DAYS * 24
            {
                return Err(format!(
                    "{} more than {MAX_TRACK_DAYS} days after the branch_cut of version {} on {} (line {}): a track's events lie within {MAX_TRACK_DAYS} days of its cut",
                    row.kind, row.label, row.platform, self.rows[0].line
                ));
            }
            let Some(state) = self.state else {
                if !matches!(row.kind, Kind::BranchCut | Kind::CycleStarted) {
                    return Err(format!(
                        "{} before the branch_cut of version {} on {} (every track starts with its branch_cut, or cycle_started without a release branch)",
                        row.kind, row.label, row.platform
                    ));
                }
                self.accept(row, State::Branched);
                return Ok(());
            };
            if state == State::Rollout100 {
                self.check_after_release(&row)?;
                self.after.push(row);
                return Ok(());
            }
            let target = self.check(&row, state, ctx)?;
            self.accept(row, target.unwrap_or(state));
            Ok(())
        }

        /// Checks a row after the release reached 100%: only a hotfix's events (a reported
        /// bug, fixes, builds, a submission, review verdicts, rollout steps, the point
        /// release) can follow it.
        fn check_after_release(&mut self, row: &Row) -> Result<(), String> {
            match row.kind {
                Kind::HotfixOpened => {
                    let id = require_ref(row)?;
                    if let Some(line) = self.hotfix_bugs.get(&id) {
                        return Err(format!("bug {id:?} is already reported (line {line})"));
                    }
                    self.hotfix_bugs.insert(id, row.line);
                    Ok(())
                }
                Kind::BlockerFixed => {
                    let id = require_ref(row)?;
                    if self.hotfix_bugs.remove(&id).is_none() {
                        return Err(format!(
                            "a fix after the release for bug {id:?}, which no hotfix_opened reported (a fix whose report is not recorded is fix_landed)"
                        ));
                    }
                    Ok(())
                }
                Kind::PointRelease => {
                    let label = require_ref(row)?;
                    if let Some(reason) = crate::model::label_error(&label) {
                        return Err(format!("point_release: {reason}"));
                    }
                    if let Some(line) = self.point_releases.get(&label) {
                        return Err(format!(
                            "point release {label:?} already shipped (line {line})"
                        ));
                    }
                    self.point_releases.insert(label, row.line);
                    Ok(())
                }
                Kind::Rollout => match row.value {
                    Some(v) if (1.0..=100.0).contains(&v) => Ok(()),
                    Some(v) => Err(format!("rollout {v}%: the percentage must be 1 to 100")),
                    None => Err("rollout needs a value (the percentage)".into()),
                },
                Kind::FixLanded
                | Kind::BuildFinished
                | Kind::TestsPassed
                | Kind::TestsFailed
                | Kind::Metric
                | Kind::Submitted
                | Kind::ReviewApproved
                | Kind::ReviewRejected => Ok(()),
                _ => Err(format!(
                    "{} after the release reached 100% (line {}): after it a track records only its hotfixes (hotfix_opened, fix_landed, blocker_fixed, builds, submitted, review verdicts, rollout steps, point_release)",
                    describe(row),
                    self.state_line
                )),
            }
        }

        fn accept(&mut self, row: Row, state: State) {
            if Some(state) != self.state {
                self.state_line = row.line;
            }
            self.state = Some(state);
            self.rows.push(row);
        }

        /// The state after `row`, or why `row` cannot happen now.
        fn check(
            &mut self,
            row: &Row,
            state: State,
            ctx: &Context,
        ) -> Result<Option<State>, String> {
            let reference = || row.reference.clone().unwrap_or_default();
            let value = row.value;
            if state.is_terminal() {
                return Err(format!(
                    "{} after the track ended ({state} at line {})",
                    describe(row),
                    self.state_line
                ));
            }
            match row.kind {
                Kind::BranchCut | Kind::CycleStarted => Err(format!(
                    "a second start ({}) for the same track: it started at line {}",
                    row.kind, self.rows[0].line
                )),
                Kind::BlockerOpened => {
                    let id = require_ref(row)?;
                    if let Some(line) = self.open_bugs.get(&id) {
                        return Err(format!("bug {id:?} is already open (line {line})"));
                    }
                    if self.fixed_bugs.contains(&id) {
                        return Err(format!("bug {id:?} was already fixed"));
                    }
                    self.open_bugs.insert(id, row.line);
                    Ok(None)
                }
                Kind::BlockerFixed => {
                    let id = require_ref(row)?;
                    if self.open_bugs.remove(&id).is_none() {
                        return Err(if self.fixed_bugs.contains(&id) {
                            format!("bug {id:?} was already fixed")
                        } else {
                            format!("a fix for bug {id:?}, which was never opened")
                        });
                    }
                    self.fixed_bugs.insert(id);
                    Ok(None)
                }
                // A commit whose bug's opening is not recorded: nothing to pair it with.
                Kind::FixLanded => Ok(None),
                Kind::HotfixOpened | Kind::PointRelease => Err(format!(
                    "{} while the track is {state}: hotfixes and point releases follow the release (rollout 100%); before it a bug is blocker_opened and a new build build_finished",
                    row.kind
                )),
                Kind::BuildFinished => {
                    if let Some(v) = value
                        && !(v.is_finite() && v >= 0.0)
                    {
                        return Err(format!("build minutes {v} must be a number >= 0"));
                    }
                    self.builds.insert(reference());
                    Ok(None)
                }
                Kind::TestsPassed | Kind::TestsFailed => {
                    if let Some(id) = &row.reference
                        && !self.builds.contains(id)
                    {
                        return Err(format!("tests of build {id:?}, which never finished"));
                    }
                    if row.reference.is_none() && self.builds.is_empty() {
                        return Err("tests before any build_finished".into());
                    }
                    Ok(None)
                }
                Kind::SignoffRequired => {
                    let team = require_ref(row)?;
                    if value.is_none_or(|v| v != 0.0) {
                        self.teams_required.insert(team);
                    }
                    Ok(None)
                }
                Kind::SignoffGiven => {
                    let team = require_ref(row)?;
                    if let Some(line) = self.teams_given.get(&team) {
                        return Err(format!("team {team:?} already signed off (line {line})"));
                    }
                    if self.has_required_kind() && !self.teams_required.contains(&team) {
                        return Err(format!(
                            "a sign-off from team {team:?}, whose sign-off was never required"
                        ));
                    }
                    self.teams_given.insert(team, row.line);
                    Ok(None)
                }
                Kind::Usage | Kind::Metric => match value {
                    Some(v) if v.is_finite() && v >= 0.0 => Ok(None),
                    Some(v) => Err(format!("{} value {v} must be a number >= 0", row.kind)),
                    None => Err(format!("{} needs a value", row.kind)),
                },
                Kind::CrashFixLanded => Ok(None),
                Kind::ReviewApproved | Kind::ReviewRejected => {
                    if state != State::Submitted || !self.verdict_pending {
                        return Err(format!(
                            "a review verdict while the track is {state}, with no submission waiting for one"
                        ));
                    }
                    self.verdict_pending = false;
                    Ok((row.kind == Kind::ReviewRejected).then_some(State::FinalRc))
                }
                Kind::ItgcDone => {
                    if state != State::Rollout1 {
                        return Err(format!("itgc_done while the track is {state}, not at 1%"));
                    }
                    Ok(None)
                }
                Kind::IncidentOpened => {
                    if state != State::Rollout1 {
                        return Err(format!(
                            "an incident while the track is {state}: incidents happen at 1%"
                        ));
                    }
                    if self.incident_open {
                        return Err("an incident is already open".into());
                    }
                    self.incident_open = true;
                    Ok(None)
                }
                Kind::IncidentFixed => {
                    if !self.incident_open {
                        return Err("a fix for an incident that was never opened".into());
                    }
                    self.incident_open = false;
                    Ok(None)
                }
                // The changes of state.
                _ => {
                    let Some(to) = target_in(state, row)? else {
                        // A later step of a staged rollout, while at rollout_1.
                        return Ok(None);
                    };
                    if row.kind == Kind::Resumed && state != State::Paused {
                        return Err(format!("resumed while the track is {state}, not paused"));
                    }
                    if !reachable(state, to, ctx.recorded_states, ctx.reviews) {
                        return Err(impossible(state, to, row));
                    }
                    if to == State::Submitted {
                        self.verdict_pending = true;
                    }
                    Ok(Some(to))
                }
            }
        }

        fn has_required_kind(&self) -> bool {
            self.rows.iter().any(|r| r.kind == Kind::SignoffRequired)
        }
    }

    fn same_event(a: &Row, b: &Row) -> bool {
        a.ts == b.ts && a.kind == b.kind && a.reference == b.reference && a.value == b.value
    }

    fn require_ref(row: &Row) -> Result<String, String> {
        match &row.reference {
            Some(r) if !r.trim().is_empty() => Ok(r.clone()),
            _ => Err(format!("{} needs a ref (the bug id or team)", row.kind)),
        }
    }

    fn describe(row: &Row) -> String {
        match (row.kind, row.value) {
            (Kind::Rollout, Some(v)) => format!("rollout {v}%"),
            _ => row.kind.to_string(),
        }
    }

    /// The state a state event enters in a track at `state`: a staged rollout's first step
    /// (any percentage below 100: Play's 2% or 5%, Apple's phased 1%) enters `rollout_1`;
    /// its later steps below 100% (`state` already `rollout_1`) enter nothing (`None`).
    pub fn target_in(state: State, row: &Row) -> Result<Option<State>, String> {
        let to = target(row)?;
        let staged = row.kind == Kind::Rollout && to.is_none();
        Ok(if staged && state != State::Rollout1 {
            Some(State::Rollout1)
        } else {
            to
        })
    }

    /// The state a state event enters; `None` for a rollout step between 1% and 100%.
    pub fn target(row: &Row) -> Result<Option<State>, String> {
        Ok(Some(match row.kind {
            Kind::FinalRc => State::FinalRc,
            Kind::Submitted | Kind::Resumed => State::Submitted,
            Kind::Paused => State::Paused,
            Kind::Cancelled => State::Cancelled,
            Kind::Rollout => match row.value {
                Some(1.0) => State::Rollout1,
                Some(100.0) => State::Rollout100,
                Some(v) if v > 1.0 && v < 100.0 => return Ok(None),
                Some(v) => return Err(format!("rollout {v}%: the percentage must be 1 to 100")),
                None => return Err("rollout needs a value (the percentage)".into()),
            },
            other => return Err(format!("{other} is not a change of state")),
        }))
    }

    /// True when `to` can follow `from`: directly, or along the main path through states
    /// whose kinds the log never records.
    pub fn reachable(from: State, to: State, recorded: &[State], reviews: bool) -> bool {
        implicit_path(from, to, recorded, reviews).is_some()
    }

    /// The states passed through on the way from `from` to `to` (excluding both), when they
    /// are all unrecorded kinds.
    pub fn implicit_path(
        from: State,
        to: State,
        recorded: &[State],
        reviews: bool,
    ) -> Option<Vec<State>> {
        if from.can_go_to(to) {
            return Some(Vec::new());
        }
        // A resubmission in a log without review events: an unrecorded rejection.
        if (from, to, reviews) == (State::Submitted, State::Submitted, false) {
            return Some(vec![State::FinalRc]);
        }
        let mut path = Vec::new();
        let mut at = from;
        while let Some(step) = at.next_step() {
            let next = step.target();
            if next == to {
                return Some(path);
            }
            if recorded.contains(&next) {
                return None;
            }
            path.push(next);
            at = next;
        }
        None
    }

    fn impossible(from: State, to: State, row: &Row) -> String {
        let what = describe(row);
        match (from, to) {
            (State::Branched | State::FinalRc, State::Rollout1 | State::Rollout100) => {
                format!("{what} before submission (the track is {from})")
            }
            (_, State::Rollout100) => format!("{what} while the track is {from}"),
            _ => format!("{what} cannot follow {from}"),
        }
    }
}

/// The state a state-change row enters (see [`Kind`]); `None` for other rows and for
/// phased-rollout steps between 1% and 100%.
pub fn state_target(row: &Row) -> Option<State> {
    validate::target(row).ok().flatten()
}

/// The state `row` enters in a track at `state` (a staged rollout's first step below 100%
/// enters `rollout_1`); `None` when it enters none.
pub fn state_target_in(state: State, row: &Row) -> Option<State> {
    validate::target_in(state, row).ok().flatten()
}

/// The states passed through without events on the way from `from` to `to`.
/// `reviews` says whether the log records review verdicts (without them, a resubmission
/// passes through an unrecorded rejection).
pub fn implicit_states(from: State, to: State, recorded: &[State], reviews: bool) -> Vec<State> {
    validate::implicit_path(from, to, recorded, reviews).unwrap_or_default()
}
