//! `conductor replay`: a recorded event log as a run directory, as it happened (the
//! `recorded` policy) and re-run under the scenario's policies (counterfactuals).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use super::console;
use super::{Notes, bounds, eprint_line};
use crate::dataset::{self, EventLogSource, Options, RunSpec, Shard, Source};
use crate::engine::{Detail, RECORDED_POLICY};
use crate::eventlog::{Log, ReadOptions};
use crate::scenario::limits::{safe_name, seed_range_problem};
use crate::scenario::{Policy, Scenario};
use crate::sweep::{self, Sweep};
use crate::world::recorded::RecordedSeason;

/// Arguments of `conductor replay`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor replay data/sample-events.csv --out data/runs/sample
  conductor replay data/sample-events.csv --policy recorded --policy robot -o robot-only
  conductor replay data/sample-events.csv --scenario scenarios/bake-12h.toml --out")]
pub struct ReplayArgs {
    /// The event log (.csv, .jsonl or .parquet; see docs/formats.md).
    log: PathBuf,
    /// Write the run directory to DIR. Default (also a bare `--out`):
    /// data/runs/replay-LOGNAME.
    #[arg(short = 'o', long, value_name = "DIR")]
    out: Option<Option<PathBuf>>,
    /// The scenario giving calendars, gates, thresholds, policies and, for what the log does
    /// not record, distributions. Default: the built-in baseline.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Policy to replay (repeatable): `recorded` (as it happened) or one of the scenario's.
    /// Default: `recorded` and every policy of the scenario.
    #[arg(long = "policy", value_name = "P")]
    policies: Vec<String>,
    /// Skip malformed or impossible rows (listed on stderr) instead of failing.
    #[arg(long)]
    lenient: bool,
    /// Replace the run in a non-empty directory.
    #[arg(long)]
    force: bool,
    /// Worker threads (0 = one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = bounds::threads)]
    threads: usize,
}

/// Runs the command.
pub fn execute(args: ReplayArgs, notes: &Notes) -> anyhow::Result<()> {
    let scenario = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::baseline(),
    };
    if scenario.policy(RECORDED_POLICY).is_some() {
        bail!(
            "scenario {}: a policy named {RECORDED_POLICY:?} would hide the log's own history; rename it",
            scenario.name
        );
    }
    let recorded = crate::engine::recorded_policy();
    let policies = choose_policies(&args.policies, &scenario, &recorded)?;
    let log = load_log(&args.log, &scenario, args.lenient)?;
    let seasons = RecordedSeason::from_log(&log, &scenario);
    let first_seed = seasons.first().map_or(0, |s| s.seed);
    let last_seed = seasons.last().map_or(0, |s| s.seed);
    // Seeds are bounded where the log is read; their span is one run's seed range.
    let seeds = (last_seed - first_seed).saturating_add(1);
    if let Some(why) = seed_range_problem(first_seed, seeds) {
        bail!(
            "{}: its seeds run from {first_seed} to {last_seed}, {seeds} seeds: {why}",
            args.log.display()
        );
    }
    let weeks = seasons
        .iter()
        .map(|s| s.versions.len() as u32)
        .max()
        .unwrap_or(0);
    let dir = args
        .out
        .clone()
        .flatten()
        .unwrap_or_else(|| default_dir(&args.log));
    let spec = RunSpec {
        sweep: Sweep {
            scenario: &scenario,
            policies,
            first_seed,
            seeds,
            weeks,
            detail: Detail::Full,
        },
        shard: Shard::ALL,
        source: Source::Recorded {
            seasons: &seasons,
            log: EventLogSource {
                file: args.log.display().to_string(),
                sha256: log.sha256.clone(),
                rows: log.rows,
                rows_skipped: log.skipped.len(),
            },
            labels: &log.labels,
        },
    };
    let opts = Options {
        force: args.force,
        resume: false,
        progress: notes.progress(),
    };
    let pool = sweep::pool(args.threads).context("cannot start the worker threads")?;
    let written = pool.install(|| dataset::write(&spec, &dir, &opts))?;
    let tracks: usize = log.seeds.values().map(Vec::len).sum();
    notes.wrote(
        &dir,
        format_args!(
        "replayed {} tracks ({}) from {} under {}: {} snapshot rows, {} transitions, {} track-cycles",
        tracks,
        console::count(seasons.len() as u64, "seed"),
        args.log.display(),
        spec.sweep
            .policies
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        written.snapshot_rows,
        written.transition_rows,
        written.cycle_rows
    ));
    let unknown: Vec<&str> = log
        .families
        .complement()
        .iter()
        .map(|f| f.as_str())
        .collect();
    if !unknown.is_empty() && !notes.quiet {
        eprint_line(format_args!(
            "the log records no {} events: `recorded` labels the time they decide `unknown`; the other policies draw them from scenario {}",
            unknown.join(", "),
            scenario.name
        ));
    }
    Ok(())
}

/// `--policy` names (default: `recorded` and every scenario policy), each once.
fn choose_policies<'a>(
    names: &[String],
    scenario: &'a Scenario,
    recorded: &'a Policy,
) -> anyhow::Result<Vec<&'a Policy>> {
    let mut chosen: Vec<&Policy> = Vec::new();
    for p in super::chosen_policies(scenario, names, Some(recorded))? {
        if !chosen.iter().any(|c| c.name == p.name) {
            chosen.push(p);
        }
    }
    Ok(chosen)
}

/// Reads and checks the event log at `path` (`--lenient`: skipping bad rows, listed on
/// stderr).
pub fn load_log(path: &Path, scenario: &Scenario, lenient: bool) -> anyhow::Result<Log> {
    let log = Log::load(path, scenario, ReadOptions { lenient })?;
    report_skipped(&log);
    Ok(log)
}

/// Lists the rows `--lenient` skipped, on stderr.
fn report_skipped(log: &Log) {
    if log.skipped.is_empty() {
        return;
    }
    eprint_line(format_args!(
        "{}: skipped {} of {} rows (--lenient):",
        log.file.display(),
        log.skipped.len(),
        log.rows
    ));
    for s in &log.skipped {
        eprint_line(format_args!("  line {}: {}", s.line, s.reason));
    }
}

/// `data/runs/replay-STEM`, the stem made a safe folder name (`limits::safe_name`).
fn default_dir(log: &Path) -> PathBuf {
    let stem = log
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    PathBuf::from("data/runs").join(format!("replay-{}", safe_name(&stem)))
}
