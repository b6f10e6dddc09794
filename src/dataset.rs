//! Run directories: the five-minute snapshots, transitions, segments and cycles of many runs as a
//! Hive-partitioned Parquet dataset (see docs/formats.md for every column).
//!
//! ```text
//! DIR/
//!   manifest.json            what was run and which parts are complete
//!   scenario.toml            the exact scenario text that was run
//!   snapshots/policy=manual/seeds-00000001-00000008.parquet
//!   transitions/policy=manual/seeds-00000001-00000008.parquet
//!   segments/policy=manual/seeds-00000001-00000008.parquet
//!   cycles/policy=manual/seeds-00000001-00000008.parquet
//!   ...
//! ```
//!
//! **Parts.** The unit of work and of output is a *part*: one policy and a fixed block of
//! [`SEEDS_PER_PART`] consecutive seeds. Which seeds form a part depends only on the run's
//! settings, never on the thread count, and each part's files depend only on its own runs,
//! so the files are byte-identical for any `--threads`. Memory is bounded by the parts in
//! flight (one per worker), whatever the number of seeds.
//!
//! **Atomicity.** Every file is written under a hidden temporary name in its final folder and
//! renamed into place when complete, so readers never see half a file ([`atomic_write`]). The
//! manifest is rewritten the same way as parts complete, listing each part's files with
//! their sizes and SHA-256; `--resume` checks them, redoes a part whose files are missing or
//! differ, and finishes the parts it does not list.
//!
//! **One writer.** A writer locks the directory (its shard of it) for as long as it writes
//! ([`lock`]); a second writer is refused with a message.
//!
//! **Shards.** `--shard k/n` writes parts `k-1, k-1+n, k-1+2n, …` of the run's part list and
//! its own `manifest-shard-k-of-n.json`; the n shards together hold exactly the files of the
//! unsharded run (docs/scaling.md).

pub mod lock;
mod manifest;
pub mod read;
pub mod tables;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use crate::files::FileDigest;
pub use manifest::{EventLogSource, Manifest};
pub use read::RunDir;

use crate::engine::{self, Detail, RunResult};
use crate::files::parquet::write_parquet;
use crate::files::{atomic_write, sha256_hex};
use crate::model::VersionLabels;
use crate::progress::{Job, Progress};
#[cfg(test)]
use crate::scenario::Scenario;
use crate::scenario::limits::{
    MAX_PART_SNAPSHOT_ROWS, MAX_SHARDS, MAX_WEEKS, name_problem, seed_range_problem,
};
use crate::sweep::Sweep;
use crate::world::SeasonWorld;
use crate::world::recorded::RecordedSeason;

/// Version of the tables' schemas; bumped whenever a column changes.
pub const SCHEMA_VERSION: u32 = 6;

/// Seeds per part file.
pub const SEEDS_PER_PART: u64 = 8;

pub use crate::files::parquet::ROW_GROUP_ROWS;

/// The tables of a run directory, one folder each.
pub const TABLES: [&str; 4] = ["snapshots", "transitions", "segments", "cycles"];

/// The file holding the exact scenario text that was run.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// Why a run directory could not be written or read. Every variant is fatal for the command;
/// files already complete stay valid and `--resume` can continue.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A file-system operation failed. The message names the path; the cause is the
    /// error's source (printed after it in the cause chain).
    #[error("{}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The output path exists and is not a directory.
    #[error("{}: exists and is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// The output directory holds files and neither `--force` nor `--resume` was given.
    #[error(
        "{}: directory exists and is not empty (pass --force to replace its run, or --resume to finish it)",
        .0.display()
    )]
    NotEmpty(PathBuf),
    /// `--resume` on a directory without a manifest.
    #[error("{}: nothing to resume (no {})", .0.display(), .1)]
    NothingToResume(PathBuf, String),
    /// `--resume` with settings that differ from the manifest's.
    #[error(
        "{}: the run there was made with other settings ({}); resume with the same scenario, policies, seeds, weeks and shard",
        .0.display(),
        .1
    )]
    ResumeMismatch(PathBuf, String),
    /// An unreadable manifest.
    #[error("{}: not a conductor manifest: {reason}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A directory that is not a conductor run.
    #[error("{}: not a conductor run directory: {}", .0.display(), .1)]
    NotARun(PathBuf, String),
    /// A run written with another version of the tables' schemas.
    #[error(
        "{}: schema version {found}, but this conductor reads version {expected}; re-run the simulation with this version",
        path.display()
    )]
    SchemaVersion {
        /// The manifest.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// A bad `--shard`.
    #[error("--shard {0:?}: {1}")]
    Shard(String, String),
    /// Arrow or Parquet failed to encode (a bug, or a file system failure underneath).
    #[error("{}: cannot write Parquet: {reason}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
    /// A file cannot be written.
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// Another writer holds the directory's (or the shard's) lock.
    #[error(
        "{}: another conductor is writing {what} (it holds {}); wait for it to finish, or stop it, then run again",
        dir.display(),
        lock.display()
    )]
    Locked {
        /// The run directory.
        dir: PathBuf,
        /// What is being written: the directory, or one shard of it.
        what: String,
        /// The lock file.
        lock: PathBuf,
    },
    /// The settings would make a run directory conductor does not write.
    #[error("{0}")]
    Bounds(String),
    /// A part too large to build in memory.
    #[error(
        "{}: part {part} would hold {rows} snapshot rows, more than one part may ({max}); run fewer versions or platforms, or releases that end sooner",
        dir.display()
    )]
    TooLarge {
        /// The run directory.
        dir: PathBuf,
        /// The part's id.
        part: String,
        /// Its snapshot rows.
        rows: usize,
        /// The limit.
        max: usize,
    },
    /// A part a manifest lists as complete whose file is missing or has another size.
    #[error(
        "{}: listed complete by {manifest}, but {reason}; the run directory is damaged (`conductor simulate … --resume` redoes the part)",
        path.display()
    )]
    DamagedPart {
        /// The part file.
        path: PathBuf,
        /// The manifest listing it.
        manifest: String,
        /// What is wrong.
        reason: String,
    },
    /// A part asked for that no manifest lists as complete.
    #[error("{}: {what} is not in a complete part of the run ({why})", dir.display())]
    PartNotComplete {
        /// The run directory.
        dir: PathBuf,
        /// What was asked for, e.g. `seed 9 of policy robot`.
        what: String,
        /// Why it is not there: being written, or its shard's manifest is missing.
        why: String,
    },
    /// A Parquet file of a run cannot be read (corrupt, truncated, not Parquet).
    #[error("{}: cannot read Parquet: {reason}", path.display())]
    ParquetRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
}

impl DatasetError {
    fn io(path: &Path, source: io::Error) -> Self {
        DatasetError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// One shard of a run: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// The whole run.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `k/n` with `1 <= k <= n`.
    pub fn parse(s: &str) -> Result<Shard, DatasetError> {
        let bad = |why: &str| DatasetError::Shard(s.to_string(), why.to_string());
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| bad("write it as k/n, e.g. 2/8"))?;
        let k: u32 = k
            .trim()
            .parse()
            .map_err(|_| bad("k is not a whole number"))?;
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|_| bad("n is not a whole number"))?;
        if n == 0 || k == 0 || k > n {
            return Err(bad("k must be between 1 and n"));
        }
        if n > MAX_SHARDS {
            return Err(bad(&format!("n may be at most {MAX_SHARDS}")));
        }
        Ok(Shard { index: k, count: n })
    }

    fn owns(self, part: usize) -> bool {
        part % self.count as usize == (self.index - 1) as usize
    }
}

/// One unit of output: a policy and a block of consecutive seeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Index into the run's policies.
    pub policy: usize,
    /// The policy's name.
    pub policy_name: String,
    /// First seed of the block.
    pub first_seed: u64,
    /// Seeds in the block.
    pub seeds: u64,
}

impl Part {
    /// The part's file name, the same in every table folder.
    pub fn file_name(&self) -> String {
        format!(
            "seeds-{:08}-{:08}.parquet",
            self.first_seed,
            self.first_seed + self.seeds - 1
        )
    }

    /// The part's partition folder.
    pub fn partition(&self) -> String {
        format!("policy={}", self.policy_name)
    }

    /// The manifest's name for the part.
    pub fn id(&self) -> String {
        format!(
            "{}/{}",
            self.partition(),
            self.file_name().trim_end_matches(".parquet")
        )
    }
}

/// What to run and write: a sweep (its `detail` is ignored: datasets need
/// [`Detail::Full`]; the scenario's `source` text is written to `scenario.toml` and hashed),
/// the share of the parts to write, and whether the world is drawn or recorded.
#[derive(Debug, Clone)]
pub struct RunSpec<'a> {
    /// The scenario, policies, seeds and versions.
    pub sweep: Sweep<'a>,
    /// The share of the run to write.
    pub shard: Shard,
    /// Where the world comes from.
    pub source: Source<'a>,
}

/// Where a run's world comes from.
#[derive(Debug, Clone, Default)]
pub enum Source<'a> {
    /// Drawn from the scenario's distributions (`simulate`).
    #[default]
    Synthetic,
    /// Recorded in an event log (`replay`): one season per seed; the policy named
    /// [`engine::RECORDED_POLICY`] replays it as it happened, the others re-run it.
    Recorded {
        /// The recorded seasons (a seed the sweep names but the log lacks runs empty).
        seasons: &'a [RecordedSeason],
        /// The log, for the manifest.
        log: EventLogSource,
        /// The labels of its versions.
        labels: &'a VersionLabels,
    },
}

impl RunSpec<'_> {
    /// The labels of the run's versions: a log's, or the numbers of a simulated season.
    pub fn labels(&self) -> VersionLabels {
        match &self.source {
            Source::Synthetic => VersionLabels::default(),
            Source::Recorded { labels, .. } => (*labels).clone(),
        }
    }

    /// The run of `policy` (an index into the sweep's policies) and `seed`.
    pub fn run_one(&self, policy: usize, seed: u64) -> RunResult {
        let sw = &self.sweep;
        let policy = sw.policies[policy];
        let world = match &self.source {
            Source::Synthetic => SeasonWorld::synthetic(sw.scenario, seed, sw.weeks),
            Source::Recorded { seasons, .. } => match seasons.iter().find(|s| s.seed == seed) {
                Some(season) if policy.name == engine::RECORDED_POLICY => {
                    SeasonWorld::as_recorded(sw.scenario, season)
                }
                Some(season) => SeasonWorld::counterfactual(sw.scenario, season),
                None => {
                    return RunResult {
                        policy: policy.name.clone(),
                        seed,
                        tracks: Vec::new(),
                    };
                }
            },
        };
        engine::run(sw.scenario, policy, world, Detail::Full)
    }
}

impl RunSpec<'_> {
    /// Every part of the whole run, policy-major then seed, whatever the shard.
    pub fn all_parts(&self) -> Vec<Part> {
        let mut parts = Vec::new();
        let sw = &self.sweep;
        for (p, policy) in sw.policies.iter().enumerate() {
            let mut first = sw.first_seed;
            let end = sw.first_seed + sw.seeds;
            while first < end {
                let seeds = SEEDS_PER_PART.min(end - first);
                parts.push(Part {
                    policy: p,
                    policy_name: policy.name.clone(),
                    first_seed: first,
                    seeds,
                });
                first += seeds;
            }
        }
        parts
    }

    /// The parts this shard writes.
    pub fn parts(&self) -> Vec<Part> {
        self.all_parts()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.shard.owns(*i))
            .map(|(_, p)| p)
            .collect()
    }

    fn manifest(&self) -> Manifest {
        Manifest {
            tool: "conductor".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: SCHEMA_VERSION,
            scenario: self.sweep.scenario.name.clone(),
            scenario_sha256: sha256_hex(self.sweep.scenario.source.as_bytes()),
            policies: self.sweep.policies.iter().map(|p| p.name.clone()).collect(),
            first_seed: self.sweep.first_seed,
            seeds: self.sweep.seeds,
            weeks: self.sweep.weeks,
            seeds_per_part: SEEDS_PER_PART,
            shard: self.shard.index,
            shards: self.shard.count,
            partitioning: vec!["policy".into()],
            tables: TABLES.map(String::from).to_vec(),
            parts_total: self.parts().len(),
            parts_complete: Default::default(),
            complete: false,
            part_files: Default::default(),
            event_log: match &self.source {
                Source::Synthetic => None,
                Source::Recorded { log, .. } => Some(log.clone()),
            },
        }
    }
}

/// How to treat an existing directory, and whether to draw progress.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Replace the run in a non-empty directory.
    pub force: bool,
    /// Finish the run the directory's manifest describes.
    pub resume: bool,
    /// Report progress on stderr ([`crate::progress`]: a bar on a terminal, else a plain
    /// line every few seconds).
    pub progress: bool,
}

/// What a write produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Parts written now.
    pub parts_written: usize,
    /// Parts a resumed run's manifest listed as complete whose files were missing or
    /// differed from the manifest (each with what was wrong); they were written again and
    /// are counted in `parts_written`.
    pub parts_redone: Vec<String>,
    /// Parts already complete (resumed runs).
    pub parts_skipped: usize,
    /// Snapshot rows written now.
    pub snapshot_rows: u64,
    /// Transition rows written now.
    pub transition_rows: u64,
    /// Segment rows written now.
    pub segment_rows: u64,
    /// Track-cycles written now (rows of `cycles`).
    pub cycle_rows: u64,
}

impl RunSpec<'_> {
    /// Why these settings cannot make a run directory, if they cannot: every value a
    /// manifest holds is bounded ([`Manifest::problem`]), so that a reader can trust it.
    fn problem(&self) -> Option<String> {
        let sw = &self.sweep;
        if let Some(why) = seed_range_problem(sw.first_seed, sw.seeds) {
            return Some(format!("seeds {}+{}: {why}", sw.first_seed, sw.seeds));
        }
        if !(1..=MAX_WEEKS).contains(&sw.weeks) {
            return Some(format!(
                "{} versions: a season has 1 to {MAX_WEEKS}",
                sw.weeks
            ));
        }
        if sw.policies.is_empty() {
            return Some("no policy to run".into());
        }
        sw.policies
            .iter()
            .find_map(|p| name_problem(&p.name).map(|why| format!("policy {:?}: {why}", p.name)))
    }
}

/// Writes `spec`'s share of the run into `dir` on the current rayon pool, holding the
/// directory's lock ([`lock`]) throughout.
pub fn write(spec: &RunSpec, dir: &Path, opts: &Options) -> Result<Written, DatasetError> {
    if let Some(why) = spec.problem() {
        return Err(DatasetError::Bounds(why));
    }
    let manifest_path = dir.join(Manifest::file_name(spec.shard.index, spec.shard.count));
    create_dir(spec, dir, opts)?;
    let _lock = lock::RunLock::acquire(dir, spec.shard)?;
    let mut manifest = spec.manifest();
    let redone = prepare_dir(spec, dir, &manifest_path, &mut manifest, opts)?;

    let scenario_path = dir.join(SCENARIO_FILE);
    match fs::read(&scenario_path) {
        Ok(old) if old == spec.sweep.scenario.source.as_bytes() => {}
        Ok(_) if spec.shard.count > 1 => {
            return Err(DatasetError::ResumeMismatch(
                dir.to_path_buf(),
                "another shard ran a different scenario.toml".into(),
            ));
        }
        _ => atomic_write(&scenario_path, |f| {
            f.write_all(spec.sweep.scenario.source.as_bytes())
        })?,
    }
    let parts = spec.parts();
    for part in &parts {
        for table in TABLES {
            let folder = dir.join(table).join(part.partition());
            fs::create_dir_all(&folder).map_err(|e| DatasetError::io(&folder, e))?;
        }
    }
    manifest.save(&manifest_path)?;

    let todo: Vec<Part> = parts
        .into_iter()
        .filter(|p| !manifest.parts_complete.contains(&p.id()))
        .collect();
    let skipped = manifest.parts_complete.len();
    let progress = Progress::start(
        Job {
            label: dir.display().to_string(),
            total: todo.len() as u64,
            unit: "parts",
            rows: true,
        },
        opts.progress,
    );
    let counts = TABLES.map(|_| AtomicU64::new(0));
    // The manifest is saved as parts complete, at most once a second (a big run has
    // thousands of parts, and each save rewrites the whole list), and always at the end: a
    // part finished but not yet listed is written again by `--resume`.
    let state = Mutex::new((manifest, Instant::now()));
    let save_every = Duration::from_secs(1);
    todo.par_iter().try_for_each(|part| {
        let (files, rows) = write_part(spec, dir, part, &counts)?;
        let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
        let (m, saved) = &mut *guard;
        m.parts_complete.insert(part.id());
        m.part_files.insert(part.id(), files);
        m.complete = m.parts_complete.len() == m.parts_total;
        if m.complete || saved.elapsed() >= save_every {
            m.save(&manifest_path)?;
            *saved = Instant::now();
        }
        drop(guard);
        progress.inc(1, rows);
        Ok::<(), DatasetError>(())
    })?;
    drop(progress);
    let (manifest, _) = state.into_inner().unwrap_or_else(|e| e.into_inner());
    manifest.save(&manifest_path)?;
    let [snapshot_rows, transition_rows, segment_rows, cycle_rows] =
        counts.map(AtomicU64::into_inner);
    Ok(Written {
        parts_written: todo.len(),
        parts_redone: redone,
        parts_skipped: skipped,
        snapshot_rows,
        transition_rows,
        segment_rows,
        cycle_rows,
    })
}

/// Runs one part and writes its four files; returns each file's size and SHA-256.
fn write_part(
    spec: &RunSpec,
    dir: &Path,
    part: &Part,
    counts: &[AtomicU64; 4],
) -> Result<(BTreeMap<String, FileDigest>, u64), DatasetError> {
    let sc = spec.sweep.scenario;
    let runs: Vec<RunResult> = (part.first_seed..part.first_seed + part.seeds)
        .map(|seed| spec.run_one(part.policy, seed))
        .collect();
    // Checked before the snapshots are built: they are the one table that grows with how
    // long releases live, and a part is built in memory.
    let rows: usize = runs
        .iter()
        .flat_map(|r| &r.tracks)
        .map(tables::tick_count)
        .fold(0, usize::saturating_add);
    if rows > MAX_PART_SNAPSHOT_ROWS {
        return Err(DatasetError::TooLarge {
            dir: dir.to_path_buf(),
            part: part.id(),
            rows,
            max: MAX_PART_SNAPSHOT_ROWS,
        });
    }
    let name = part.file_name();
    let labels = spec.labels();
    let batches = [
        ("snapshots", tables::snapshots(sc, &labels, &runs)),
        ("transitions", tables::transitions(sc, &labels, &runs)),
        ("segments", tables::segments(sc, &labels, &runs)),
        ("cycles", tables::cycles(sc, &labels, &runs)),
    ];
    drop(runs);
    let mut files = BTreeMap::new();
    let mut written = 0;
    for ((table, batch), count) in batches.into_iter().zip(counts) {
        let path = dir.join(table).join(part.partition()).join(&name);
        let batch = batch.map_err(|e| DatasetError::Parquet {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        files.insert(table.to_string(), write_parquet(&path, &batch)?);
        count.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
        written += batch.num_rows() as u64;
    }
    Ok((files, written))
}

/// Creates `dir` when it does not exist (and is not being resumed); refuses a path that is
/// not a directory.
fn create_dir(spec: &RunSpec, dir: &Path, opts: &Options) -> Result<(), DatasetError> {
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(DatasetError::NotADirectory(dir.to_path_buf())),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if opts.resume {
                return Err(DatasetError::NothingToResume(
                    dir.to_path_buf(),
                    Manifest::file_name(spec.shard.index, spec.shard.count),
                ));
            }
            fs::create_dir_all(dir).map_err(|e| DatasetError::io(dir, e))
        }
        Err(e) => Err(DatasetError::io(dir, e)),
    }
}

/// Checks and prepares the (locked) `dir` for writing: refuses to overwrite, clears for
/// `--force`, or loads the manifest for `--resume` and checks the files it lists (returning
/// the parts that must be written again, and why).
fn prepare_dir(
    spec: &RunSpec,
    dir: &Path,
    manifest_path: &Path,
    manifest: &mut Manifest,
    opts: &Options,
) -> Result<Vec<String>, DatasetError> {
    if opts.resume {
        if !manifest_path.exists() {
            return Err(DatasetError::NothingToResume(
                dir.to_path_buf(),
                Manifest::file_name(spec.shard.index, spec.shard.count),
            ));
        }
        let old = Manifest::load(manifest_path)?;
        if !old.same_run(manifest) {
            return Err(DatasetError::ResumeMismatch(
                dir.to_path_buf(),
                describe_difference(&old, manifest),
            ));
        }
        remove_temporaries(spec, dir, manifest_path)?;
        let checked: Vec<(String, Result<_, String>)> = old
            .parts_complete
            .par_iter()
            .map(|id| (id.clone(), verify_part(dir, id, old.part_files.get(id))))
            .collect();
        let mut redone = Vec::new();
        for (id, check) in checked {
            match check {
                Ok(files) => {
                    manifest.parts_complete.insert(id.clone());
                    manifest.part_files.insert(id, files);
                }
                Err(why) => redone.push(format!("{id}: {why}")),
            }
        }
        manifest.complete = manifest.parts_complete.len() == manifest.parts_total;
        return Ok(redone);
    }
    let ours = |name: &str| {
        TABLES.contains(&name)
            || name == SCENARIO_FILE
            || (name.starts_with("manifest") && name.ends_with(".json"))
    };
    let sharded = spec.shard.count > 1;
    let occupied = if sharded {
        manifest_path.exists()
    } else {
        fs::read_dir(dir)
            .map_err(|e| DatasetError::io(dir, e))?
            .filter_map(Result::ok)
            .any(|e| !lock::is_lock_file(&e.file_name().to_string_lossy()))
    };
    if !occupied {
        return Ok(Vec::new());
    }
    if !opts.force {
        return Err(DatasetError::NotEmpty(dir.to_path_buf()));
    }
    if sharded {
        // Only this shard's files: the other shards may share the directory.
        for part in spec.parts() {
            for table in TABLES {
                let path = dir
                    .join(table)
                    .join(part.partition())
                    .join(part.file_name());
                remove_if_exists(&path)?;
            }
        }
        remove_if_exists(manifest_path)?;
        return Ok(Vec::new());
    }
    for entry in fs::read_dir(dir).map_err(|e| DatasetError::io(dir, e))? {
        let entry = entry.map_err(|e| DatasetError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !ours(&name) {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.map_err(|e| DatasetError::io(&path, e))?;
    }
    Ok(Vec::new())
}

/// The files of the listed part `id`, if each is in place with the size and SHA-256 the
/// manifest recorded; otherwise what is wrong. A part listed without records (a manifest
/// from before conductor kept them) cannot be checked and is written again.
fn verify_part(
    dir: &Path,
    id: &str,
    recorded: Option<&BTreeMap<String, FileDigest>>,
) -> Result<BTreeMap<String, FileDigest>, String> {
    let Some(recorded) = recorded else {
        return Err("the manifest records no sizes or checksums for it".into());
    };
    for table in TABLES {
        let Some(want) = recorded.get(table) else {
            return Err(format!("the manifest records no {table} file"));
        };
        let path = dir.join(table).join(format!("{id}.parquet"));
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if bytes.len() as u64 != want.bytes {
            return Err(format!(
                "{}: {} bytes, the manifest says {}",
                path.display(),
                bytes.len(),
                want.bytes
            ));
        }
        if sha256_hex(&bytes) != want.sha256 {
            return Err(format!(
                "{}: its SHA-256 differs from the manifest's (the file was changed or damaged)",
                path.display()
            ));
        }
    }
    Ok(recorded.clone())
}

fn describe_difference(old: &Manifest, new: &Manifest) -> String {
    let mut d = Vec::new();
    if old.scenario_sha256 != new.scenario_sha256 {
        d.push("scenario".to_string());
    }
    if old.policies != new.policies {
        d.push(format!("policies {:?} vs {:?}", old.policies, new.policies));
    }
    if (old.first_seed, old.seeds) != (new.first_seed, new.seeds) {
        d.push(format!(
            "seeds {}+{} vs {}+{}",
            old.first_seed, old.seeds, new.first_seed, new.seeds
        ));
    }
    if old.weeks != new.weeks {
        d.push(format!("weeks {} vs {}", old.weeks, new.weeks));
    }
    if old.tool_version != new.tool_version || old.schema_version != new.schema_version {
        d.push(format!(
            "written by conductor {} (schema {})",
            old.tool_version, old.schema_version
        ));
    }
    if d.is_empty() {
        d.push("layout".into());
    }
    d.join(", ")
}

fn remove_if_exists(path: &Path) -> Result<(), DatasetError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(DatasetError::io(path, e)),
        _ => Ok(()),
    }
}

/// Removes temporary files a killed writer left behind (anywhere under `dir`).
/// Removes temporary files a killed writer left behind: anywhere under `dir` for an
/// unsharded run (which has the directory to itself), only those of this shard's own files
/// for a shard (the other shards may be writing theirs).
fn remove_temporaries(spec: &RunSpec, dir: &Path, manifest: &Path) -> Result<(), DatasetError> {
    fn all(dir: &Path) -> Result<(), DatasetError> {
        for entry in fs::read_dir(dir).map_err(|e| DatasetError::io(dir, e))? {
            let entry = entry.map_err(|e| DatasetError::io(dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                all(&path)?;
            } else if name.starts_with('.') && name.ends_with(".tmp") {
                remove_if_exists(&path)?;
            }
        }
        Ok(())
    }
    /// The temporaries of the file `path`.
    fn of(path: &Path) -> Result<(), DatasetError> {
        let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(());
        };
        let name = name.to_string_lossy();
        let Ok(entries) = fs::read_dir(folder) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            if crate::files::is_temporary_of(&entry.file_name().to_string_lossy(), &name) {
                remove_if_exists(&entry.path())?;
            }
        }
        Ok(())
    }
    if spec.shard.count == 1 {
        return all(dir);
    }
    of(manifest)?;
    for part in spec.parts() {
        for table in TABLES {
            of(&dir
                .join(table)
                .join(part.partition())
                .join(part.file_name()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 2, count: 8 });
        for bad in ["3/2", "0/2", "1/0", "x/2", "2", "1/y"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Shard::parse("3/2").unwrap_err().to_string(),
            "--shard \"3/2\": k must be between 1 and n"
        );
    }

    #[test]
    fn shards_partition_the_parts() {
        let sc = Scenario::baseline();
        let spec = |shard| RunSpec {
            sweep: Sweep {
                scenario: &sc,
                policies: sc.policies.iter().collect(),
                first_seed: 5,
                seeds: 20,
                weeks: 2,
                detail: Detail::Full,
            },
            shard,
            source: Source::Synthetic,
        };
        let all = spec(Shard::ALL).parts();
        assert_eq!(all.len(), 3 * 3); // 20 seeds = 8 + 8 + 4, three policies
        assert_eq!(all[2].file_name(), "seeds-00000021-00000024.parquet");
        let mut union: Vec<String> = (1..=4)
            .flat_map(|k| spec(Shard { index: k, count: 4 }).parts())
            .map(|p| p.id())
            .collect();
        union.sort();
        let mut ids: Vec<String> = all.iter().map(Part::id).collect();
        ids.sort();
        assert_eq!(union, ids);
    }
}
