//! `conductor compare`: one arm against another on the same seeds and worlds.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::report::Format;

use super::bounds;
use super::console::{self, Notes};
use crate::compare::{self, CompareError, Options, SideSpec};
use crate::files::atomic_write;
use crate::plot::style::ChartSet;
use crate::{sweep, text};

/// Arguments of `conductor compare`.
#[derive(Debug, Args)]
#[command(after_help = "\
Each side is a scenario file (simulated here) or a run directory (read), optionally with one
policy: PATH:POLICY. With two sides, each policy they share is compared (or the one named);
with one side, each of its policies against the first (or --baseline).

Examples:
  conductor compare scenarios/baseline.toml scenarios/bake-12h.toml
  conductor compare scenarios/baseline.toml:manual scenarios/baseline.toml:robot
  conductor compare data/runs/baseline --baseline manual --format markdown
  conductor compare data/runs/baseline data/runs/bake-12h --format html -o cmp.html --charts c/
  conductor compare data/runs/baseline scenarios/fewer-manual-signoffs.toml --policy manual")]
pub struct CompareArgs {
    /// The baseline side: a scenario (.toml) or run directory, optionally `:POLICY`.
    #[arg(value_name = "BASE")]
    base: String,
    /// The side whose change is measured (default: the base side's other policies).
    #[arg(value_name = "OTHER")]
    other: Option<String>,
    /// Only these policies, when a side names none (repeatable).
    #[arg(long = "policy", value_name = "P")]
    policies: Vec<String>,
    /// With one side: the policy the others are compared against (default: its first).
    #[arg(long, value_name = "P")]
    baseline: Option<String>,
    /// Seeds a scenario side runs (default: a run side's seeds, else 200).
    #[arg(long, value_name = "N", value_parser = bounds::seeds)]
    seeds: Option<u64>,
    /// First seed of a scenario side (default: a run side's, else 1).
    #[arg(long, value_name = "S", value_parser = bounds::seed)]
    seed: Option<u64>,
    /// Versions per season of a scenario side (default: a run side's, else the scenario's).
    #[arg(long, value_name = "N", value_parser = bounds::weeks)]
    weeks: Option<u32>,
    /// Worker threads (0 = one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = bounds::threads)]
    threads: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the output to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write the charts (the savings' forest plot and histograms) as SVG and PNG into
    /// DIR.
    #[arg(long, value_name = "DIR")]
    charts: Option<PathBuf>,
}

/// Runs the command.
pub fn execute(args: CompareArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let sides: Vec<SideSpec> = std::iter::once(&args.base)
        .chain(&args.other)
        .map(|s| SideSpec::parse(s))
        .collect();
    let opts = Options {
        seeds: args.seeds,
        first_seed: args.seed,
        weeks: args.weeks,
        policies: args.policies.clone(),
        baseline: args.baseline.clone(),
        progress: notes.progress(),
    };
    let pool = sweep::pool(args.threads).context("cannot start the worker threads")?;
    let result = pool.install(|| compare::run(&sides, &opts))?;
    // Whole before the charts are drawn, so a failing format writes nothing.
    let text = text::to_string(|out| compare::render(&result, args.format.into(), out))?;
    if let Some(dir) = &args.charts {
        let written =
            compare::charts::Chart::write_all(&result, dir).map_err(CompareError::from)?;
        let names: Vec<String> = written
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        notes.wrote(
            dir,
            format_args!(
                "{} chart files written ({})",
                written.len(),
                names.join(", ")
            ),
        );
    }
    match &args.out {
        Some(path) => {
            atomic_write(path, |f| f.write_all(text.as_bytes())).context("cannot write --out")?;
            notes.wrote(
                path,
                format_args!("comparison written ({})", console::bytes(text.len() as u64)),
            );
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}
