//! `manifest.json`: what a run directory holds and which parts of it are complete.
//!
//! The manifest is rewritten (write, then rename) after every completed part, so after a
//! crash it lists exactly the parts whose four files are in place, with each file's size and
//! SHA-256. It holds no wall-clock times, so a resumed run ends with the same bytes as an
//! uninterrupted one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::DatasetError;
use crate::files::{FileDigest, atomic_write};
use crate::model::Family;

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
    /// Each complete part's files: table name → size and SHA-256, by part id. `--resume`
    /// checks them (and redoes a part whose files differ); readers refuse a listed part
    /// whose file is missing or has another size. Absent in manifests written before
    /// conductor recorded them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub part_files: BTreeMap<String, BTreeMap<String, FileDigest>>,
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
    /// The evidence families the log records (`blockers`, `builds`, …): the rest are the
    /// scenario's draws in a counterfactual and absent replayed as recorded.
    #[serde(default)]
    pub families_recorded: Vec<String>,
    /// Whether the log records hotfixes (rows after some release).
    #[serde(default)]
    pub hotfixes_recorded: bool,
}

impl EventLogSource {
    /// The evidence families the log does not record, in declaration order.
    pub fn families_missing(&self) -> Vec<Family> {
        Family::ALL
            .into_iter()
            .filter(|f| !self.families_recorded.iter().any(|r| r == f.as_str()))
            .collect()
    }
}

impl Manifest {
    /// The evidence families `policy`'s worlds drew from the scenario because the replayed
    /// log lacks them: empty for a simulated run and for the `recorded` policy (which has
    /// them absent instead).
    pub fn families_assumed(&self, policy: &str) -> Vec<Family> {
        match &self.event_log {
            Some(log) if policy != crate::engine::RECORDED_POLICY => log.families_missing(),
            _ => Vec::new(),
        }
    }

    /// The file name of a shard's manifest: `manifest.json` when unsharded.
    pub fn file_name(shard: u32, shards: u32) -> String {
        if shards == 1 {
            "manifest.json".to_string()
        } else {
            format!("manifest-shard-{shard}-of-{shards}.json")
        }
    }

    /// Reads a manifest, refusing values no conductor writes (see [`Manifest::problem`]).
    pub fn load(path: &Path) -> Result<Manifest, DatasetError> {
        let bad = |reason: String| DatasetError::Manifest {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        match manifest.problem() {
            Some(why) => Err(bad(why)),
            None => Ok(manifest),
        }
    }

    /// What makes this manifest one that conductor cannot have written, if anything: its
    /// numbers outside the bounds of `limits`, a policy name that is not a safe folder name
    /// (it becomes `policy=NAME/`), a shard outside `1..=shards`. A run directory's manifest
    /// is input like any other: a hand-edited one must not make a reader loop, allocate
    /// without bound or read outside the directory.
    pub fn problem(&self) -> Option<String> {
        use crate::scenario::limits::{
            MAX_POLICIES, MAX_SHARDS, MAX_WEEKS, name_problem, seed_range_problem,
        };
        if let Some(why) = seed_range_problem(self.first_seed, self.seeds) {
            return Some(format!("seeds {}+{}: {why}", self.first_seed, self.seeds));
        }
        if !(1..=MAX_WEEKS).contains(&self.weeks) {
            return Some(format!(
                "weeks {}: must be from 1 to {MAX_WEEKS}",
                self.weeks
            ));
        }
        if self.seeds_per_part != super::SEEDS_PER_PART {
            return Some(format!(
                "seeds_per_part {}: this conductor writes {}",
                self.seeds_per_part,
                super::SEEDS_PER_PART
            ));
        }
        if !(1..=MAX_SHARDS).contains(&self.shards) || !(1..=self.shards).contains(&self.shard) {
            return Some(format!(
                "shard {} of {}: must be 1 to n, n at most {MAX_SHARDS}",
                self.shard, self.shards
            ));
        }
        // A replay runs the scenario's policies and `recorded`.
        let max_policies = MAX_POLICIES + 1;
        if self.policies.is_empty() || self.policies.len() > max_policies {
            return Some(format!(
                "{} policies: a run has 1 to {max_policies}",
                self.policies.len()
            ));
        }
        for p in &self.policies {
            if let Some(why) = name_problem(p) {
                return Some(format!("policy {p:?}: {why}"));
            }
        }
        None
    }

    /// Writes the manifest atomically.
    pub fn save(&self, path: &Path) -> Result<(), DatasetError> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| DatasetError::Manifest {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        text.push('\n');
        Ok(atomic_write(path, |f| {
            use std::io::Write;
            f.write_all(text.as_bytes())
        })?)
    }

    /// Whether `other` describes the same run (everything but progress).
    pub fn same_run(&self, other: &Manifest) -> bool {
        let strip = |m: &Manifest| Manifest {
            parts_complete: BTreeSet::new(),
            complete: false,
            part_files: BTreeMap::new(),
            ..m.clone()
        };
        strip(self) == strip(other)
    }
}
