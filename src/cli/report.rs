//! `conductor report`: cycle time, bottlenecks, outcomes and hours saved, from run
//! directories, as a table, JSON, CSV, Markdown or HTML, with charts on request.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::bounds;
use crate::dataset::atomic_write;
use crate::report::{self, Options, charts};

/// Arguments of `conductor report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Run directories written by `conductor simulate --out` (several scenarios are
    /// reported side by side).
    #[arg(required = true, value_name = "RUN_DIR")]
    run_dirs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write every chart as SVG and PNG into DIR.
    #[arg(long, value_name = "DIR")]
    charts: Option<PathBuf>,
    /// Only this policy (repeatable; default: every policy of the runs).
    #[arg(long = "policy", value_name = "P")]
    policies: Vec<String>,
    /// The policy savings are measured against (default: the first policy).
    #[arg(long, value_name = "P")]
    baseline: Option<String>,
    /// Seed of the release timeline chart (default: the first seed).
    #[arg(long, value_name = "S", value_parser = bounds::seed)]
    timeline_seed: Option<u64>,
    /// Version of the release timeline chart (default: 0).
    #[arg(long, value_name = "V")]
    timeline_version: Option<u32>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    Markdown,
    Html,
}

impl From<Format> for report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => report::Format::Table,
            Format::Json => report::Format::Json,
            Format::Csv => report::Format::Csv,
            Format::Markdown => report::Format::Markdown,
            Format::Html => report::Format::Html,
        }
    }
}

/// Runs the command.
pub fn execute(args: ReportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let opts = Options {
        policies: args.policies,
        baseline: args.baseline,
        timeline_seed: args.timeline_seed,
        timeline_version: args.timeline_version,
    };
    let report = report::load(&args.run_dirs, &opts)?;
    let text = report::render(&report, args.format.into())?;
    if let Some(dir) = &args.charts {
        charts::write_all(&report, dir)?;
    }
    match &args.out {
        Some(path) => {
            atomic_write(path, |f| f.write_all(text.as_bytes()))
                .with_context(|| format!("--out {}", path.display()))?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}
