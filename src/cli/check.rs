//! `conductor check`: fails (exit 1) when cycle-time metrics of a scenario, a run directory
//! or an event log pass the limits of a committed baseline (docs/ci.md).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use super::console::{self, Notes};
use super::{CliError, bounds};
use crate::check::baseline::{DEFAULT_CONFIDENCE, DEFAULT_SEEDS};
use crate::check::metrics::Table;
use crate::check::{self, Baseline, InputKind, Outcome, Sample, evaluate};
use crate::dataset::RunDir;
use crate::engine::{self, Detail, RECORDED_POLICY};
use crate::files::atomic_write;
use crate::scenario::Scenario;
use crate::sweep::{self, Sweep};
use crate::text;
use crate::world::SeasonWorld;
use crate::world::recorded::RecordedSeason;

/// Arguments of `conductor check`.
#[derive(Debug, Args)]
#[command(after_help = "\
Exit status: 0 when every limit holds, 1 when one fails, 2 on an error.

Examples:
  conductor check --baseline scenarios/check/baseline.toml scenarios/baseline.toml
  conductor check --baseline scenarios/check/baseline.toml scenarios/bake-12h.toml \\
      --junit check.xml
  conductor check data/sample-events.csv --write-baseline recorded.check.toml
  conductor check --baseline recorded.check.toml data/sample-events.csv --format json")]
pub struct CheckArgs {
    /// What to check: a scenario (.toml, simulated here), a run directory, or an event log
    /// (.csv, .jsonl or .parquet, replayed as it happened).
    input: PathBuf,
    /// The baseline of limits (TOML, or JSON when it ends in .json; see docs/ci.md).
    #[arg(long, value_name = "FILE", required_unless_present = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record today's figures with default tolerances as a baseline to commit.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Seeds to simulate a scenario with. Default: the baseline's `seeds`, else 200.
    #[arg(long, value_name = "N", value_parser = bounds::seeds)]
    seeds: Option<u64>,
    /// First seed of a scenario's simulation.
    #[arg(long, default_value_t = 1, value_name = "S", value_parser = bounds::seed)]
    seed: u64,
    /// Only this policy of a scenario or run directory (repeatable).
    #[arg(long = "policy", value_name = "P")]
    policies: Vec<String>,
    /// Confidence of the intervals. Default: the baseline's, else 0.95.
    #[arg(long, value_name = "C")]
    confidence: Option<f64>,
    /// Also write the results as JUnit XML (one test case per limit, policy and platform).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write a Markdown job summary.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// For an event log: the scenario giving its platforms and calendars. Default: the
    /// built-in baseline.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Worker threads (0 = one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = bounds::threads)]
    threads: usize,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

impl From<Format> for check::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => check::Format::Table,
            Format::Json => check::Format::Json,
        }
    }
}

/// Runs the command; a failed limit is [`CliError::Regression`] (exit 1).
pub fn execute(args: CheckArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let confidence = args
        .confidence
        .or(baseline.as_ref().map(|b| b.confidence))
        .unwrap_or(DEFAULT_CONFIDENCE);
    if !(confidence > 0.5 && confidence < 1.0) {
        bail!("--confidence {confidence}: must be between 0.5 and 1 (e.g. 0.95)");
    }
    let seeds = args
        .seeds
        .or(baseline.as_ref().map(|b| b.seeds))
        .unwrap_or(DEFAULT_SEEDS);
    bounds::seed_range(args.seed, seeds)?;
    let pool = sweep::pool(args.threads).context("cannot start the worker threads")?;
    let (kind, samples, seeds_run) = pool.install(|| load(&args, seeds, notes))?;
    if samples.is_empty() {
        bail!("{}: no track-cycles to check", args.input.display());
    }
    // A log is what happened: its figures are compared as they are, without intervals.
    let noisy = kind != InputKind::EventLog;
    let table = pool.install(|| Table::new(&samples, noisy, confidence));

    if let Some(path) = &args.write_baseline {
        let header = format!(
            "conductor check baseline for {} ({}), written by conductor {}.\n\
             Values recorded from {}; tolerances are conductor's defaults.",
            args.input.display(),
            kind.as_str(),
            env!("CARGO_PKG_VERSION"),
            match kind {
                InputKind::Scenario => format!("seeds {}..{}", args.seed, args.seed + seeds - 1),
                _ => format!("{} seed(s)", table.seeds),
            },
        );
        let seeds_key = (kind == InputKind::Scenario).then_some(seeds);
        let text = Baseline::record(&table, confidence, seeds_key, &header);
        atomic_write(path, |f| f.write_all(text.as_bytes()))?;
        notes.wrote(
            path,
            format_args!(
                "baseline written ({} limits, {})",
                text.lines().filter(|l| l.trim() == "[[limit]]").count(),
                console::bytes(text.len() as u64)
            ),
        );
    }
    let Some(baseline) = baseline else {
        return Ok(());
    };
    let results = evaluate(&baseline, &table, noisy)?;
    let outcome = Outcome {
        input: args.input.display().to_string(),
        kind,
        baseline: baseline.file.display().to_string(),
        confidence,
        seeds: seeds_run,
        results,
    };
    // The CI files beside the table, in this order: each rendered whole, written, said so.
    let cases = format!("{} test cases, ", outcome.results.len());
    for (path, format, what, detail) in [
        (&args.junit, check::Format::Junit, "JUnit", cases.as_str()),
        (
            &args.markdown,
            check::Format::Markdown,
            "Markdown summary",
            "",
        ),
    ] {
        let Some(path) = path else { continue };
        let text = text::to_string(|out| check::render(&outcome, format, out))?;
        atomic_write(path, |f| f.write_all(text.as_bytes()))?;
        notes.wrote(
            path,
            format_args!(
                "{what} written ({detail}{})",
                console::bytes(text.len() as u64)
            ),
        );
    }
    let printed = check::render(&outcome, args.format.into(), out);
    // A failed limit fails the check even when the reader of the table has gone.
    if outcome.failed() {
        let failed = outcome
            .results
            .iter()
            .filter(|r| r.status == crate::check::Status::Fail)
            .count();
        return Err(CliError::Regression(format!(
            "{failed} of {} limits failed",
            outcome.results.len()
        ))
        .into());
    }
    Ok(printed?)
}

/// Reads or runs the input: its kind, its track-cycles, and the seeds behind them.
fn load(
    args: &CheckArgs,
    seeds: u64,
    notes: &Notes,
) -> anyhow::Result<(InputKind, Vec<Sample>, u64)> {
    let (input, only, first_seed) = (args.input.as_path(), &args.policies, args.seed);
    if input.is_dir() {
        let run = RunDir::open(input)?;
        let rows = crate::analysis::cycle_samples(&run)
            .with_context(|| format!("{}: cannot read its cycles", input.display()))?;
        let samples: Vec<Sample> = rows
            .into_iter()
            .filter(|r| only.is_empty() || only.contains(&r.0))
            .map(|(policy, platform, seed, version, cycle_hours)| Sample {
                policy,
                platform,
                seed,
                version,
                cycle_hours,
            })
            .collect();
        return Ok((InputKind::RunDir, samples, run.manifest.seeds));
    }
    let ext = input
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "toml" => {
            let scenario = Scenario::load(input)?;
            let policies = super::chosen_policies(&scenario, only, None)?;
            let (weeks, platforms) = (scenario.season.weeks, scenario.platforms.len());
            let max = bounds::MAX_SUMMARY_TRACKS;
            bounds::in_memory("check", seeds, policies.len(), weeks, platforms, max)?;
            let sweep = Sweep {
                scenario: &scenario,
                policies,
                first_seed,
                seeds,
                weeks: scenario.season.weeks,
                detail: Detail::Summary,
            };
            let samples = super::run_sweep(&sweep, notes)
                .into_iter()
                .flat_map(|run| {
                    let policy = run.policy.clone();
                    let seed = run.seed;
                    let names: Vec<String> =
                        scenario.platforms.iter().map(|p| p.name.clone()).collect();
                    // Open track-cycles (still in progress) are not judged.
                    run.tracks
                        .into_iter()
                        .filter(|t| t.outcome != engine::Outcome::Open)
                        .map(move |t| Sample {
                            policy: policy.clone(),
                            platform: names[t.platform].clone(),
                            seed,
                            version: t.version,
                            cycle_hours: t.cycle_hours(),
                        })
                })
                .collect();
            Ok((InputKind::Scenario, samples, seeds))
        }
        "csv" | "jsonl" | "ndjson" | "json" | "parquet" | "pq" => {
            let scenario = match &args.scenario {
                Some(path) => Scenario::load(path)?,
                None => Scenario::baseline(),
            };
            let log = super::replay::load_log(input, &scenario, false)?;
            let recorded = engine::recorded_policy();
            let seasons = RecordedSeason::from_log(&log, &scenario);
            let mut samples = Vec::new();
            for season in &seasons {
                let world = SeasonWorld::as_recorded(&scenario, season);
                let run = engine::run(&scenario, &recorded, world, Detail::Summary);
                let settled = run
                    .tracks
                    .iter()
                    .filter(|t| t.outcome != engine::Outcome::Open);
                samples.extend(settled.map(|t| Sample {
                    policy: RECORDED_POLICY.into(),
                    platform: scenario.platforms[t.platform].name.clone(),
                    seed: season.seed,
                    version: t.version,
                    cycle_hours: t.cycle_hours(),
                }));
            }
            Ok((InputKind::EventLog, samples, seasons.len() as u64))
        }
        _ => bail!(
            "{}: not a run directory, a scenario (.toml) or an event log (.csv, .jsonl, .parquet)",
            input.display()
        ),
    }
}
