//! `manifest.json`: what a run directory holds and which parts of it are complete.
//!
//! The manifest is rewritten (write, then rename) after every completed part, so after a
//! crash it lists exactly the parts whose three files are in place. It holds no wall-clock
//! times, so a resumed run ends with the same bytes as an uninterrupted one.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{DatasetError, atomic_write};

/// The manifest of one run directory (or of one shard's share of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `"conductor"`.
    pub tool: String,
    /// The version of conductor that wrote the files.
    pub tool_version: String,
    /// Version of the tables' schemas ([`super::SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// SHA-256 of `scenario.toml` (the exact scenario text that was run), hex.
    pub scenario_sha256: String,
    /// Policies, in run order.
    pub policies: Vec<String>,
    /// First seed.
    pub first_seed: u64,
    /// Seeds per policy.
    pub seeds: u64,
    /// Versions per season.
    pub weeks: u32,
    /// Seeds per part file.
    pub seeds_per_part: u64,
    /// This directory's shard, 1-based (`1` of `1` when unsharded).
    pub shard: u32,
    /// Number of shards.
    pub shards: u32,
    /// Partition columns of the Hive layout, outermost first.
    pub partitioning: Vec<String>,
    /// The tables, one folder each.
    pub tables: Vec<String>,
    /// Parts this shard writes.
    pub parts_total: usize,
    /// Parts whose files are all in place, as `policy=NAME/seeds-FIRST-LAST` (sorted).
    pub parts_complete: BTreeSet<String>,
    /// Whether every part of this shard is complete.
    pub complete: bool,
    /// For `conductor replay`: the event log the runs replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_log: Option<EventLogSource>,
}

/// The event log a replayed run directory was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventLogSource {
    /// The file name, as given.
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Rows read.
    pub rows: usize,
    /// Rows skipped under `--lenient`.
    pub rows_skipped: usize,
}

impl Manifest {
    /// The file name of a shard's manifest: `manifest.json` when unsharded.
    pub fn file_name(shard: u32, shards: u32) -> String {
        if shards == 1 {
            "manifest.json".to_string()
        } else {
            format!("manifest-shard-{shard}-of-{shards}.json")
        }
    }

    /// Reads a manifest.
    pub fn load(path: &Path) -> Result<Manifest, DatasetError> {
        let text = std::fs::read_to_string(path).map_err(|e| DatasetError::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| DatasetError::Manifest {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }

    /// Writes the manifest atomically.
    pub fn save(&self, path: &Path) -> Result<(), DatasetError> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| DatasetError::Manifest {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        text.push('\n');
        atomic_write(path, |f| {
            use std::io::Write;
            f.write_all(text.as_bytes())
        })
    }

    /// Whether `other` describes the same run (everything but progress).
    pub fn same_run(&self, other: &Manifest) -> bool {
        let strip = |m: &Manifest| Manifest {
            parts_complete: BTreeSet::new(),
            complete: false,
            ..m.clone()
        };
        strip(self) == strip(other)
    }
}
