//! What every analysis of run directories shares: reading their tables into polars
//! ([`scan`]), the pooled-platform key, the percentile method, typed columns of a frame, and
//! each track-cycle's cycle time for `check`.

pub mod safety;
pub mod scan;

use std::path::PathBuf;

use polars::prelude::{DataFrame, DataType, PolarsError};

use crate::dataset::{DatasetError, RunDir};

/// The `platform` value of rows that pool every platform.
pub const ALL_PLATFORMS: &str = "all";

/// The percentile method, as outputs state it.
pub const PERCENTILE_METHOD: &str =
    "linear interpolation between closest ranks (Hyndman & Fan type 7)";

/// Why a run's tables cannot be read. Fatal for the command (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A run directory cannot be opened, or a part fails its checks.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// A table file cannot be read (missing, truncated or corrupt).
    #[error("{}: cannot read the table file: {reason}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// polars failed to take or convert the columns.
    #[error("cannot read the run's tables: {0}")]
    Query(String),
}

impl From<PolarsError> for ScanError {
    fn from(e: PolarsError) -> Self {
        ScanError::Query(e.to_string())
    }
}

/// Column `name` of `df` as floats (integers converted), nulls as `None`.
pub fn f64s(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, ScanError> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// Column `name` of `df` as integers (exact: seeds go up to `i64::MAX`, beyond what a float
/// holds exactly), nulls as `None`.
pub fn i64s(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>, ScanError> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// Column `name` of `df` as strings, nulls as empty strings.
pub fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>, ScanError> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect())
}

/// One row per track-cycle of `run`: (policy, platform, seed, version, cycle hours).
pub type CycleSample = (String, String, u64, u32, Option<f64>);

/// Every settled track-cycle of `run` (shipped or cancelled), for `conductor check`, and the
/// policy of each open one (still in progress), left out.
pub fn cycle_samples(run: &RunDir) -> Result<(Vec<CycleSample>, Vec<String>), ScanError> {
    let df = scan::read_table(
        std::slice::from_ref(run),
        "cycles",
        &[
            "policy",
            "platform",
            "seed",
            "version",
            "outcome",
            "cycle_hours",
        ],
        &[],
    )?;
    let outcome = strs(&df, "outcome")?;
    let (policy, platform) = (strs(&df, "policy")?, strs(&df, "platform")?);
    let (seed, version) = (i64s(&df, "seed")?, i64s(&df, "version")?);
    let hours = f64s(&df, "cycle_hours")?;
    let open = (0..df.height())
        .filter(|&i| outcome[i] == "open")
        .map(|i| policy[i].clone())
        .collect();
    let settled = (0..df.height())
        .filter(|&i| outcome[i] != "open")
        .map(|i| {
            (
                policy[i].clone(),
                platform[i].clone(),
                seed[i].and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                version[i].and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                hours[i],
            )
        })
        .collect();
    Ok((settled, open))
}
