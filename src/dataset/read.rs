//! Reading run directories back: the manifest, the scenario, and the files of one part.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::RowGroupMetaData;
use parquet::file::statistics::Statistics;

use super::{DatasetError, Manifest, SCENARIO_FILE, SCHEMA_VERSION};
use crate::scenario::Scenario;

/// An opened run directory: its manifest (the unsharded one, or the first shard's) and the
/// scenario that was run.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The directory.
    pub path: PathBuf,
    /// What was run.
    pub manifest: Manifest,
    /// The scenario, from the directory's `scenario.toml`.
    pub scenario: Scenario,
}

impl RunDir {
    /// Opens `path`, refusing directories that are not conductor runs or that hold another
    /// schema version.
    pub fn open(path: &Path) -> Result<RunDir, DatasetError> {
        let not_a_run = |why: &str| DatasetError::NotARun(path.to_path_buf(), why.to_string());
        if !path.is_dir() {
            return Err(not_a_run("no such directory"));
        }
        let manifest_path = manifest_path(path)?.ok_or_else(|| {
            not_a_run("no manifest.json (write one with `conductor simulate --out`)")
        })?;
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
        let scenario = Scenario::load(&path.join(SCENARIO_FILE))
            .map_err(|e| not_a_run(&format!("its scenario cannot be read: {e}")))?;
        Ok(RunDir {
            path: path.to_path_buf(),
            manifest,
            scenario,
        })
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

/// `manifest.json`, or else the first shard manifest in name order.
fn manifest_path(dir: &Path) -> Result<Option<PathBuf>, DatasetError> {
    let plain = dir.join("manifest.json");
    if plain.is_file() {
        return Ok(Some(plain));
    }
    let mut shards: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| DatasetError::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("manifest-shard-") && n.ends_with(".json"))
        })
        .collect();
    shards.sort();
    Ok(shards.into_iter().next())
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
