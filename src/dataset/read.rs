//! Reading run directories back: the manifest, the scenario, and the files of one part.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::RowGroupMetaData;
use parquet::file::statistics::Statistics;

use super::{DatasetError, Manifest, SCENARIO_FILE, SCHEMA_VERSION};
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
}

impl RunDir {
    /// Opens `path`, refusing directories that are not conductor runs, that hold another
    /// schema version, or whose shard manifests describe different runs.
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
        Ok(RunDir {
            path: path.to_path_buf(),
            manifest: manifests[0].clone(),
            manifests,
            scenario,
        })
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

    /// The file of `table` holding `seed` under `policy`.
    pub fn part_file(&self, table: &str, policy: &str, seed: u64) -> PathBuf {
        let m = &self.manifest;
        let first = m.first_seed + (seed - m.first_seed) / m.seeds_per_part * m.seeds_per_part;
        let last = (first + m.seeds_per_part - 1).min(m.first_seed + m.seeds - 1);
        self.path
            .join(table)
            .join(format!("policy={policy}"))
            .join(format!("seeds-{first:08}-{last:08}.parquet"))
    }

    /// Whether `seed` was run.
    pub fn has_seed(&self, seed: u64) -> bool {
        (self.manifest.first_seed..self.manifest.first_seed + self.manifest.seeds).contains(&seed)
    }
}

/// Whether two shard manifests describe shares of one run.
fn same_sharded_run(a: &Manifest, b: &Manifest) -> bool {
    let strip = |m: &Manifest| Manifest {
        shard: 0,
        parts_total: 0,
        parts_complete: Default::default(),
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

/// Opens a Parquet file of a run for reading.
pub fn open_parquet(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, DatasetError> {
    let file = File::open(path).map_err(|e| DatasetError::io(path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| DatasetError::Parquet {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}
