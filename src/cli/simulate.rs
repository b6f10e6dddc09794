//! `conductor simulate`: run a scenario's policies over many seeds and summarise.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::{Notes, bounds, console};
use crate::dataset::{self, Options, RunSpec, Shard};
use crate::engine::Detail;
use crate::progress::{Job, Progress};
use crate::scenario::Scenario;
use crate::summary::{self, Summary};
use crate::sweep::{self, Sweep};

/// Arguments of `conductor simulate`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor simulate                       # the baseline, 200 seeds, every policy
  conductor simulate scenarios/bake-12h.toml --policy manual --policy robot
  conductor simulate --seeds 500 --format json > summary.json
  conductor simulate --seeds 100 --out     # a dataset in data/runs/baseline
  conductor simulate --seeds 2000 -o data/runs/big --resume
  conductor simulate --seeds 2000 -o data/runs/big-2 --shard 2/4
  conductor simulate --seeds 10 --policy manual --event-log season.csv")]
pub struct SimulateArgs {
    /// Scenario file (TOML). Default: the built-in baseline (scenarios/baseline.toml).
    scenario: Option<PathBuf>,
    /// Policy to run (repeatable). Default: every policy of the scenario.
    #[arg(long = "policy", value_name = "NAME")]
    policies: Vec<String>,
    /// Seeds per policy (one season per seed).
    #[arg(long, default_value_t = 200, value_name = "N", value_parser = bounds::seeds)]
    seeds: u64,
    /// Versions per season. Default: the scenario's `season.weeks`.
    #[arg(long, value_name = "N", value_parser = bounds::weeks)]
    weeks: Option<u32>,
    /// First seed; seeds run are S, S+1, …, S+N-1.
    #[arg(long, default_value_t = 1, value_name = "S", value_parser = bounds::seed)]
    seed: u64,
    /// Worker threads (0 = one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = bounds::threads)]
    threads: usize,
    /// Output format of the summary (with --out: of the line saying what was written).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the run as a Parquet dataset to DIR instead of printing the summary; a bare
    /// `--out` writes to data/runs/SCENARIO. See docs/formats.md.
    #[arg(short = 'o', long, value_name = "DIR")]
    out: Option<Option<PathBuf>>,
    /// With --out: replace the run in a non-empty directory.
    #[arg(long, requires = "out", conflicts_with = "resume")]
    force: bool,
    /// With --out: finish an interrupted run (same arguments); the result is byte-identical
    /// to an uninterrupted run.
    #[arg(long, requires = "out")]
    resume: bool,
    /// With --out: write only shard K of N (1-based) of the run's parts.
    #[arg(long, value_name = "K/N", requires = "out")]
    shard: Option<String>,
    /// Also write the simulated history as an event log (.csv, .jsonl or .parquet; see
    /// docs/formats.md), the format `conductor replay` and `conductor fit` read: one history
    /// per seed, under one policy (see --event-log-policy).
    #[arg(long, value_name = "FILE")]
    event_log: Option<PathBuf>,
    /// The policy whose history --event-log writes. Default: the first policy run.
    #[arg(long, value_name = "P", requires = "event_log")]
    event_log_policy: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

impl From<Format> for summary::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => summary::Format::Table,
            Format::Json => summary::Format::Json,
        }
    }
}

/// Runs the command.
pub fn execute(args: SimulateArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let scenario = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::baseline(),
    };
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    bounds::seed_range(args.seed, args.seeds)?;
    let weeks = args.weeks.unwrap_or(scenario.season.weeks);
    if weeks == 0 {
        bail!("--weeks 0: simulate at least one version");
    }
    let policies = super::chosen_policies(&scenario, &args.policies, None)?;
    let platforms = scenario.platforms.len();
    if args.event_log.is_some() {
        let what = "--event-log";
        bounds::in_memory(
            what,
            args.seeds,
            1,
            weeks,
            platforms,
            bounds::MAX_LOG_TRACKS,
        )?;
    }
    if args.out.is_none() {
        let (what, n) = ("the summary", policies.len());
        bounds::in_memory(
            what,
            args.seeds,
            n,
            weeks,
            platforms,
            bounds::MAX_SUMMARY_TRACKS,
        )?;
    }
    if let Some(path) = &args.event_log {
        let name = match &args.event_log_policy {
            Some(name) => name.as_str(),
            None => policies[0].name.as_str(),
        };
        let Some(policy) = policies.iter().find(|p| p.name == name) else {
            bail!(
                "--event-log-policy {name:?}: not one of the policies run ({})",
                policies
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        let pool = sweep::pool(args.threads).context("cannot start the worker threads")?;
        let progress = Progress::start(
            Job {
                label: path.display().to_string(),
                total: args.seeds,
                unit: "seasons",
                rows: false,
            },
            notes.progress(),
        );
        let rows = pool.install(|| {
            write_event_log(
                path,
                &scenario,
                policy,
                (args.seed, args.seeds),
                weeks,
                &progress,
            )
        })?;
        drop(progress);
        notes.wrote(
            path,
            format_args!(
                "{rows} events of policy {} ({} x {})",
                policy.name,
                console::count(args.seeds, "seed"),
                console::count(weeks.into(), "version")
            ),
        );
    }
    if let Some(out_dir) = &args.out {
        // A bare `--out` is the default directory of the scenario.
        let dir = match out_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from("data/runs").join(&scenario.name),
        };
        let spec = RunSpec {
            sweep: Sweep {
                scenario: &scenario,
                policies,
                first_seed: args.seed,
                seeds: args.seeds,
                weeks,
                detail: Detail::Full,
            },
            shard: shard.unwrap_or(Shard::ALL),
            source: Default::default(),
        };
        return write_dataset(&args, &spec, &dir, out, notes);
    }
    let sweep = Sweep {
        scenario: &scenario,
        policies,
        first_seed: args.seed,
        seeds: args.seeds,
        weeks,
        detail: Detail::Summary,
    };
    let pool = sweep::pool(args.threads).context("cannot start the worker threads")?;
    let runs = pool.install(|| super::run_sweep(&sweep, notes));
    let summary = Summary::new(&scenario, &runs, args.seed, args.seeds, weeks);
    summary::render(&summary, args.format.into(), out)?;
    Ok(())
}

/// `simulate --event-log`: runs `policy` on every seed and writes the histories.
fn write_event_log(
    path: &std::path::Path,
    scenario: &Scenario,
    policy: &crate::scenario::Policy,
    (first_seed, seeds): (u64, u64),
    weeks: u32,
    progress: &Progress,
) -> anyhow::Result<usize> {
    use rayon::prelude::*;
    let runs: Vec<_> = (first_seed..first_seed + seeds)
        .into_par_iter()
        .map(|seed| {
            let world = crate::world::SeasonWorld::synthetic(scenario, seed, weeks);
            let mut run = crate::engine::run(scenario, policy, world, Detail::Log);
            // Only the history is needed; the timelines would hold memory per seed.
            for t in &mut run.tracks {
                t.timeline = Vec::new();
                t.transitions = Vec::new();
            }
            progress.inc(1, 0);
            run
        })
        .collect();
    Ok(crate::eventlog::write::write(path, scenario, &runs)?)
}

/// `simulate --out`: writes the run directory and says what was written (one line on
/// stderr; with `--format json` also a JSON record on stdout).
fn write_dataset(
    args: &SimulateArgs,
    spec: &RunSpec,
    dir: &std::path::Path,
    out: &mut dyn Write,
    notes: &Notes,
) -> anyhow::Result<()> {
    let opts = Options {
        force: args.force,
        resume: args.resume,
        progress: notes.progress(),
    };
    let pool = sweep::pool(args.threads).context("cannot start the worker threads")?;
    let written = pool.install(|| dataset::write(spec, dir, &opts))?;
    for redone in &written.parts_redone {
        notes.wrote(dir, format_args!("written again: {redone}"));
    }
    notes.wrote(
        dir,
        format_args!(
            "{} parts written ({} already complete): {} snapshot rows, {} transitions, {} segments, {} track-cycles",
            written.parts_written,
            written.parts_skipped,
            written.snapshot_rows,
            written.transition_rows,
            written.segment_rows,
            written.cycle_rows
        ),
    );
    match args.format {
        Format::Table => {}
        Format::Json => {
            let summary = serde_json::json!({
                "out": dir,
                "parts_written": written.parts_written,
                "parts_skipped": written.parts_skipped,
                "rows_written": {
                    "snapshots": written.snapshot_rows,
                    "transitions": written.transition_rows,
                    "segments": written.segment_rows,
                    "cycles": written.cycle_rows,
                },
            });
            serde_json::to_writer_pretty(&mut *out, &summary)?;
            writeln!(out)?;
        }
    }
    Ok(())
}
