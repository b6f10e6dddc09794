//! Reading run directories back: the manifest, the scenario, and the files of one part.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::RowGroupMetaData;
use parquet::file::statistics::Statistics;

use std::collections::HashMap;

use super::{
    DatasetError, FileDigest, Manifest, SCENARIO_FILE, SCHEMA_VERSION, TABLES, sha256_hex,
};
use crate::scenario::Scenario;

/// An opened run directory: its manifests (the unsharded one, or every shard's that the
/// directory holds) and the scenario that was run.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The directory.
    pub path: PathBuf,
    /// What was run: the unsharded manifest, or the first shard's (the run's settings are
    /// the same in every shard's).
    pub manifest: Manifest,
    /// Every manifest found (one when unsharded), in shard order.
    pub manifests: Vec<Manifest>,
    /// The scenario, from the directory's `scenario.toml`.
    pub scenario: Scenario,
    /// Each listed part file's recorded size and SHA-256, and the manifest recording it.
    digests: HashMap<PathBuf, (FileDigest, String)>,
}

impl RunDir {
    /// Opens `path`, refusing directories that are not conductor runs, that hold another
    /// schema version, whose shard manifests describe different runs, or that lack a file
    /// of a part a manifest lists as complete (or hold it with another size than the
    /// manifest recorded: [`DatasetError::DamagedPart`]).
    pub fn open(path: &Path) -> Result<RunDir, DatasetError> {
        let not_a_run = |why: &str| DatasetError::NotARun(path.to_path_buf(), why.to_string());
        if !path.is_dir() {
            return Err(not_a_run("no such directory"));
        }
        let paths = manifest_paths(path)?;
        if paths.is_empty() {
            return Err(not_a_run(
                "no manifest.json (write one with `conductor simulate --out`)",
            ));
        }
        let mut manifests = Vec::with_capacity(paths.len());
        for manifest_path in paths {
            let manifest = Manifest::load(&manifest_path)?;
            if manifest.tool != "conductor" {
                return Err(not_a_run("its manifest was not written by conductor"));
            }
            if manifest.schema_version != SCHEMA_VERSION {
                return Err(DatasetError::SchemaVersion {
                    path: manifest_path,
                    found: manifest.schema_version,
                    expected: SCHEMA_VERSION,
                });
            }
            if let Some(first) = manifests.first()
                && !same_sharded_run(first, &manifest)
            {
                return Err(DatasetError::Manifest {
                    path: manifest_path,
                    reason: format!(
                        "describes another run than {} (a directory holds the shards of one run)",
                        Manifest::file_name(first.shard, first.shards)
                    ),
                });
            }
            manifests.push(manifest);
        }
        let scenario = Scenario::load(&path.join(SCENARIO_FILE))
            .map_err(|e| not_a_run(&format!("its scenario cannot be read: {e}")))?;
        let mut digests = HashMap::new();
        for m in &manifests {
            let name = Manifest::file_name(m.shard, m.shards);
            for (id, files) in &m.part_files {
                for (table, digest) in files {
                    let file = path.join(table).join(format!("{id}.parquet"));
                    digests.insert(file, (digest.clone(), name.clone()));
                }
            }
        }
        let run = RunDir {
            path: path.to_path_buf(),
            manifest: manifests[0].clone(),
            manifests,
            scenario,
            digests,
        };
        run.check_listed_files()?;
        Ok(run)
    }

    /// The bytes of the part file `path`, checked against the size and SHA-256 the manifest
    /// recorded for it (when it recorded them): a file changed since it was written, even
    /// by one byte, is [`DatasetError::DamagedPart`] naming it, never misread figures or a
    /// crash in the Parquet reader. Readers parse Parquet from these bytes.
    pub fn read_part(&self, path: &Path) -> Result<bytes::Bytes, DatasetError> {
        let bytes = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
        if let Some((want, manifest)) = self.digests.get(path) {
            let damaged = |reason: String| DatasetError::DamagedPart {
                path: path.to_path_buf(),
                manifest: manifest.clone(),
                reason,
            };
            if bytes.len() as u64 != want.bytes {
                return Err(damaged(format!(
                    "it has {} bytes where the manifest recorded {}",
                    bytes.len(),
                    want.bytes
                )));
            }
            if sha256_hex(&bytes) != want.sha256 {
                return Err(damaged(
                    "its SHA-256 differs from the one the manifest recorded (the file was changed or damaged)"
                        .into(),
                ));
            }
        }
        Ok(bytes::Bytes::from(bytes))
    }

    /// Checks that every file of every part a manifest lists is in place with the size it
    /// recorded (a stat per file; `--resume` also checks the SHA-256).
    fn check_listed_files(&self) -> Result<(), DatasetError> {
        for m in &self.manifests {
            let manifest = Manifest::file_name(m.shard, m.shards);
            for id in &m.parts_complete {
                let recorded = m.part_files.get(id);
                for table in TABLES {
                    let file = self.path.join(table).join(format!("{id}.parquet"));
                    let damaged = |reason: String| DatasetError::DamagedPart {
                        path: file.clone(),
                        manifest: manifest.clone(),
                        reason,
                    };
                    let size = match std::fs::metadata(&file) {
                        Ok(meta) if meta.is_file() => meta.len(),
                        Ok(_) => return Err(damaged("it is not a file".into())),
                        Err(e) => return Err(damaged(format!("it cannot be read ({e})"))),
                    };
                    if let Some(want) = recorded.and_then(|r| r.get(table))
                        && want.bytes != size
                    {
                        return Err(damaged(format!(
                            "it has {size} bytes where the manifest recorded {}",
                            want.bytes
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Every part of the whole run (all shards), as `policy=NAME/seeds-FIRST-LAST`, in
    /// part order: policy by policy, seeds ascending.
    pub fn all_parts(&self) -> Vec<(String, String)> {
        let m = &self.manifest;
        let mut parts = Vec::new();
        let end = m.first_seed.saturating_add(m.seeds);
        for policy in &m.policies {
            let mut first = m.first_seed;
            while first < end && m.seeds_per_part > 0 {
                let last = first.saturating_add(m.seeds_per_part - 1).min(end - 1);
                parts.push((
                    policy.clone(),
                    format!("policy={policy}/seeds-{first:08}-{last:08}"),
                ));
                first = last + 1;
            }
        }
        parts
    }

    /// Whether any manifest lists part `id` as complete.
    pub fn is_complete_part(&self, id: &str) -> bool {
        self.manifests.iter().any(|m| m.parts_complete.contains(id))
    }

    /// The complete parts, as (policy, part id), in part order. Only these are ever read: a
    /// file no manifest lists (being written, left by a killed run, or copied in) is not.
    pub fn complete_parts(&self) -> Vec<(String, String)> {
        self.all_parts()
            .into_iter()
            .filter(|(_, id)| self.is_complete_part(id))
            .collect()
    }

    /// The files of `table` of every complete part, as (policy, path), in part order.
    pub fn part_files(&self, table: &str) -> Vec<(String, PathBuf)> {
        self.complete_parts()
            .into_iter()
            .map(|(policy, id)| {
                let file = self.path.join(table).join(format!("{id}.parquet"));
                (policy, file)
            })
            .collect()
    }

    /// Whether every part of the whole run is complete.
    pub fn is_complete(&self) -> bool {
        self.all_parts()
            .iter()
            .all(|(_, id)| self.is_complete_part(id))
    }

    /// The shards of a sharded run whose manifests the directory lacks (1-based).
    pub fn missing_shards(&self) -> Vec<u32> {
        let m = &self.manifest;
        if m.shards <= 1 {
            return Vec::new();
        }
        (1..=m.shards)
            .filter(|k| !self.manifests.iter().any(|x| x.shard == *k))
            .collect()
    }

    /// The id of the part holding `seed` (a seed of the run) under `policy`, and its index
    /// in [`RunDir::all_parts`] order.
    fn part_of(&self, policy: &str, seed: u64) -> Option<(String, usize)> {
        let m = &self.manifest;
        let p = m.policies.iter().position(|x| x == policy)?;
        let per = m.seeds_per_part.max(1);
        let k = seed.checked_sub(m.first_seed)? / per;
        let first = m.first_seed + k * per;
        let last = first
            .saturating_add(per - 1)
            .min(m.first_seed + m.seeds.saturating_sub(1));
        let parts_per_policy = m.seeds.div_ceil(per);
        let index = p as u64 * parts_per_policy + k;
        Some((
            format!("policy={policy}/seeds-{first:08}-{last:08}"),
            usize::try_from(index).ok()?,
        ))
    }

    /// The file of `table` holding `seed` (a seed of the run) under `policy`, whether or not
    /// its part is complete (see [`RunDir::complete_part_file`]).
    pub fn part_file(&self, table: &str, policy: &str, seed: u64) -> PathBuf {
        let id = self
            .part_of(policy, seed)
            .map_or_else(|| format!("policy={policy}/none"), |(id, _)| id);
        self.path.join(table).join(format!("{id}.parquet"))
    }

    /// The file of `table` holding `seed` under `policy`, when a manifest lists its part as
    /// complete; otherwise why not (its shard's manifest is missing, or it is being written).
    pub fn complete_part_file(
        &self,
        table: &str,
        policy: &str,
        seed: u64,
    ) -> Result<PathBuf, DatasetError> {
        let what = format!("seed {seed} of policy {policy}");
        let not_there = |why: String| DatasetError::PartNotComplete {
            dir: self.path.clone(),
            what: what.clone(),
            why,
        };
        let Some((id, index)) = self.part_of(policy, seed).filter(|_| self.has_seed(seed)) else {
            return Err(not_there("no such seed or policy in the run".into()));
        };
        if self.is_complete_part(&id) {
            return Ok(self.path.join(table).join(format!("{id}.parquet")));
        }
        let m = &self.manifest;
        let shard = (index % m.shards.max(1) as usize) as u32 + 1;
        Err(not_there(if self.missing_shards().contains(&shard) {
            format!(
                "part {id} belongs to shard {shard} of {}, whose manifest the directory lacks",
                m.shards
            )
        } else {
            format!("part {id} is not complete yet (being written, or left by a killed run)")
        }))
    }

    /// A sentence saying what the directory lacks, when it is not a whole run: parts not
    /// complete, shards whose manifests are missing. `None` for a complete run.
    pub fn completeness_note(&self) -> Option<String> {
        if self.is_complete() {
            return None;
        }
        let total = self.all_parts().len();
        let done = self.complete_parts().len();
        let missing = self.missing_shards();
        let shards = if missing.is_empty() {
            String::new()
        } else {
            format!(
                "; shard{} {} of {} missing",
                if missing.len() == 1 { "" } else { "s" },
                missing
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                self.manifest.shards
            )
        };
        Some(format!(
            "{} holds {done} of the run's {total} parts{shards}: only those are read",
            self.path.display()
        ))
    }

    /// Whether `seed` was run.
    pub fn has_seed(&self, seed: u64) -> bool {
        let m = &self.manifest;
        (m.first_seed..m.first_seed.saturating_add(m.seeds)).contains(&seed)
    }
}

/// Whether two shard manifests describe shares of one run.
fn same_sharded_run(a: &Manifest, b: &Manifest) -> bool {
    let strip = |m: &Manifest| Manifest {
        shard: 0,
        parts_total: 0,
        parts_complete: Default::default(),
        part_files: Default::default(),
        complete: false,
        ..m.clone()
    };
    strip(a) == strip(b)
}

/// `manifest.json`, or else every shard manifest, in shard order.
fn manifest_paths(dir: &Path) -> Result<Vec<PathBuf>, DatasetError> {
    let plain = dir.join("manifest.json");
    if plain.is_file() {
        return Ok(vec![plain]);
    }
    let mut shards: Vec<(u32, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| DatasetError::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let k = name
                .strip_prefix("manifest-shard-")?
                .strip_suffix(".json")?
                .split_once("-of-")?
                .0
                .parse()
                .ok()?;
            Some((k, p))
        })
        .collect();
    shards.sort();
    Ok(shards.into_iter().map(|(_, p)| p).collect())
}

/// The minimum and maximum of an integer column in a row group, from its statistics.
pub fn int_range(rg: &RowGroupMetaData, column: usize) -> Option<(i64, i64)> {
    match rg.column(column).statistics()? {
        Statistics::Int64(s) => Some((*s.min_opt()?, *s.max_opt()?)),
        Statistics::Int32(s) => Some((i64::from(*s.min_opt()?), i64::from(*s.max_opt()?))),
        _ => None,
    }
}

/// Opens a Parquet file of a run for reading. Call it, and read what it returns, inside
/// [`catch_panic`] (or [`read_guarded`]): the reader can panic on a corrupt file. A part
/// file is better opened with [`open_part`], which checks it first.
pub fn open_parquet(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, DatasetError> {
    let file = File::open(path).map_err(|e| DatasetError::io(path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| DatasetError::ParquetRead {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Opens the part file `path` of `run` for reading, from its bytes checked by
/// [`RunDir::read_part`]. Read it inside [`read_guarded`], as [`open_parquet`].
pub fn open_part(
    run: &RunDir,
    path: &Path,
) -> Result<ParquetRecordBatchReaderBuilder<bytes::Bytes>, DatasetError> {
    let bytes = run.read_part(path)?;
    ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| DatasetError::ParquetRead {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

pub use crate::files::catch_panic;

/// Runs `read` on the Parquet file `path` inside [`catch_panic`]: a panic becomes
/// [`DatasetError::ParquetRead`] naming the file.
pub fn read_guarded<T, E: From<DatasetError>>(
    path: &Path,
    read: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    catch_panic(read).unwrap_or_else(|panic| {
        Err(DatasetError::ParquetRead {
            path: path.to_path_buf(),
            reason: format!("corrupt file ({panic})"),
        }
        .into())
    })
}
