//! `conductor report`: cycle time, bottlenecks, outcomes and hours saved, from run
//! directories, as a table, JSON, CSV, Markdown or HTML, with charts on request.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::bounds;
use super::console::{self, Notes};
use crate::files::atomic_write;
use crate::plot::style::ChartSet;
use crate::report::charts::Chart;
use crate::report::{self, Options, ReportError};
use crate::text;

/// Arguments of `conductor report`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor report data/runs/baseline
  conductor report data/runs/baseline --format html -o report.html --charts charts/
  conductor report data/runs/baseline --policy manual --policy robot --format markdown
  conductor report data/runs/baseline data/runs/bake-12h --format json")]
pub struct ReportArgs {
    /// Run directories written by `conductor simulate --out` (several scenarios are
    /// reported side by side).
    #[arg(required = true, value_name = "RUN_DIR")]
    run_dirs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
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
    /// Version of the release timeline chart, by label as the tables spell it (`8.9`, or a
    /// simulated version's number; default: the seed's first version).
    #[arg(long, value_name = "V")]
    timeline_version: Option<String>,
}

/// The text formats of `report` and `compare`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
    Csv,
    Markdown,
    Html,
}

impl Format {
    /// The format as `--format` names it.
    fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "JSON",
            Format::Csv => "CSV",
            Format::Markdown => "Markdown",
            Format::Html => "HTML",
        }
    }
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
pub fn execute(args: ReportArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let opts = Options {
        policies: args.policies,
        baseline: args.baseline,
        timeline_seed: args.timeline_seed,
        timeline_version: args.timeline_version,
    };
    let report = report::load(&args.run_dirs, &opts)?;
    // Whole before the charts are drawn, so a failing format writes nothing.
    let text = text::to_string(|out| report::render(&report, args.format.into(), out))?;
    if let Some(dir) = &args.charts {
        let written = Chart::write_all(&report, dir).map_err(ReportError::from)?;
        let bytes: u64 = written
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        notes.wrote(
            dir,
            format_args!(
                "{} chart files written (SVG and PNG, {})",
                written.len(),
                console::bytes(bytes)
            ),
        );
    }
    match &args.out {
        Some(path) => {
            atomic_write(path, |f| f.write_all(text.as_bytes())).context("cannot write --out")?;
            notes.wrote(
                path,
                format_args!(
                    "report written ({}, {})",
                    args.format.name(),
                    console::bytes(text.len() as u64)
                ),
            );
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}
