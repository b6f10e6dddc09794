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
//! renamed into place when complete, so readers never see half a file. The manifest is
//! rewritten the same way after each part; `--resume` finishes the parts it does not list.
//!
//! **Shards.** `--shard k/n` writes parts `k-1, k-1+n, k-1+2n, …` of the run's part list and
//! its own `manifest-shard-k-of-n.json`; the n shards together hold exactly the files of the
//! unsharded run (docs/scaling.md).

mod manifest;
pub mod read;
pub mod tables;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub use manifest::{EventLogSource, Manifest};
pub use read::RunDir;

use crate::engine::{self, Detail, RunResult};
use crate::eventlog::recorded::RecordedSeason;
use crate::progress::{Job, Progress};
#[cfg(test)]
use crate::scenario::Scenario;
use crate::sweep::Sweep;

/// Version of the tables' schemas; bumped whenever a column changes.
pub const SCHEMA_VERSION: u32 = 4;

/// Seeds per part file.
pub const SEEDS_PER_PART: u64 = 8;

/// Rows per Parquet row group (small enough for row-group statistics to skip data).
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

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
    },
}

impl RunSpec<'_> {
    /// The run of `policy` (an index into the sweep's policies) and `seed`.
    pub fn run_one(&self, policy: usize, seed: u64) -> RunResult {
        let sw = &self.sweep;
        let policy = sw.policies[policy];
        match &self.source {
            Source::Synthetic => engine::run(sw.scenario, policy, seed, sw.weeks, Detail::Full),
            Source::Recorded { seasons, .. } => match seasons.iter().find(|s| s.seed == seed) {
                Some(season) => engine::replay(
                    sw.scenario,
                    policy,
                    season,
                    policy.name == engine::RECORDED_POLICY,
                    Detail::Full,
                ),
                None => RunResult {
                    policy: policy.name.clone(),
                    seed,
                    tracks: Vec::new(),
                },
            },
        }
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

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `spec`'s share of the run into `dir` on the current rayon pool.
pub fn write(spec: &RunSpec, dir: &Path, opts: &Options) -> Result<Written, DatasetError> {
    let manifest_path = dir.join(Manifest::file_name(spec.shard.index, spec.shard.count));
    let mut manifest = spec.manifest();
    prepare_dir(spec, dir, &manifest_path, &mut manifest, opts)?;

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
    let manifest = Mutex::new(manifest);
    todo.par_iter().try_for_each(|part| {
        let runs: Vec<RunResult> = (part.first_seed..part.first_seed + part.seeds)
            .map(|seed| spec.run_one(part.policy, seed))
            .collect();
        let name = part.file_name();
        let batches = [
            ("snapshots", tables::snapshots(spec.sweep.scenario, &runs)),
            (
                "transitions",
                tables::transitions(spec.sweep.scenario, &runs),
            ),
            ("segments", tables::segments(spec.sweep.scenario, &runs)),
            ("cycles", tables::cycles(spec.sweep.scenario, &runs)),
        ];
        drop(runs);
        let mut rows = 0;
        for ((table, batch), count) in batches.into_iter().zip(&counts) {
            let path = dir.join(table).join(part.partition()).join(&name);
            let batch = batch.map_err(|e| DatasetError::Parquet {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            write_parquet(&path, &batch)?;
            count.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
            rows += batch.num_rows() as u64;
        }
        let mut m = manifest.lock().unwrap_or_else(|e| e.into_inner());
        m.parts_complete.insert(part.id());
        m.complete = m.parts_complete.len() == m.parts_total;
        m.save(&manifest_path)?;
        progress.inc(1, rows);
        Ok::<(), DatasetError>(())
    })?;
    drop(progress);
    let [snapshot_rows, transition_rows, segment_rows, cycle_rows] =
        counts.map(AtomicU64::into_inner);
    Ok(Written {
        parts_written: todo.len(),
        parts_skipped: skipped,
        snapshot_rows,
        transition_rows,
        segment_rows,
        cycle_rows,
    })
}

/// Checks and prepares `dir` for writing: creates it, refuses to overwrite, clears for
/// `--force`, or loads the manifest for `--resume`.
fn prepare_dir(
    spec: &RunSpec,
    dir: &Path,
    manifest_path: &Path,
    manifest: &mut Manifest,
    opts: &Options,
) -> Result<(), DatasetError> {
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => return Err(DatasetError::NotADirectory(dir.to_path_buf())),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if opts.resume {
                return Err(DatasetError::NothingToResume(
                    dir.to_path_buf(),
                    Manifest::file_name(spec.shard.index, spec.shard.count),
                ));
            }
            return fs::create_dir_all(dir).map_err(|e| DatasetError::io(dir, e));
        }
        Err(e) => return Err(DatasetError::io(dir, e)),
    }
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
        manifest.parts_complete = old.parts_complete;
        manifest.complete = manifest.parts_complete.len() == manifest.parts_total;
        remove_temporaries(dir)?;
        return Ok(());
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
            .next()
            .is_some()
    };
    if !occupied {
        return Ok(());
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
        return remove_if_exists(manifest_path);
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
    Ok(())
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
fn remove_temporaries(dir: &Path) -> Result<(), DatasetError> {
    for entry in fs::read_dir(dir).map_err(|e| DatasetError::io(dir, e))? {
        let entry = entry.map_err(|e| DatasetError::io(dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            remove_temporaries(&path)?;
        } else if entry.file_name().to_string_lossy().ends_with(".tmp") {
            remove_if_exists(&path)?;
        }
    }
    Ok(())
}

/// Writes `path` atomically: `write` fills a hidden temporary file in the same folder, which
/// is renamed to `path` only when complete. On failure the temporary file is removed.
pub fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), DatasetError> {
    let tmp = temporary_path(path);
    let result = (|| {
        let mut f = BufWriter::new(File::create(&tmp)?);
        write(&mut f)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_data()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        DatasetError::io(path, e)
    })
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// The Parquet settings of every table: zstd, format 2 pages, dictionary-encoded strings
/// and small integers, delta-encoded timestamps.
pub fn writer_properties() -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_2_0)
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("conductor {}", env!("CARGO_PKG_VERSION")));
    for col in ["ts", "gates_passed_at", "ended_at"] {
        b = b
            .set_column_dictionary_enabled(ColumnPath::from(col), false)
            .set_column_encoding(ColumnPath::from(col), Encoding::DELTA_BINARY_PACKED);
    }
    b.build()
}

/// [`writer_properties`], and no embedded Arrow schema: the files declare plain Parquet
/// types (UTF-8 strings, UTC timestamps), so every reader sees the same columns whatever
/// in-memory encoding built them (snapshot strings are dictionary-keyed in memory).
pub fn writer_options() -> ArrowWriterOptions {
    ArrowWriterOptions::new()
        .with_properties(writer_properties())
        .with_skip_arrow_metadata(true)
}

/// Writes one batch as a Parquet file, atomically (see [`atomic_write`]).
pub fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<(), DatasetError> {
    let parquet =
        |e: parquet::errors::ParquetError| io::Error::other(format!("cannot write Parquet: {e}"));
    atomic_write(path, |f| {
        let mut w = ArrowWriter::try_new_with_options(f, batch.schema(), writer_options())
            .map_err(parquet)?;
        w.write(batch).map_err(parquet)?;
        w.close().map_err(parquet)?;
        Ok(())
    })
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
