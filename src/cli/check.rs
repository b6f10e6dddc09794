//! `conductor check`: fails (exit 1) when cycle-time or safety metrics of a scenario, a run
//! directory or an event log pass the limits of a committed baseline (docs/ci.md).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use super::console::{self, Notes};
use super::{CliError, bounds};
use crate::analysis::safety::{TrackSafety, safety_samples};
use crate::check::baseline::{DEFAULT_CONFIDENCE, DEFAULT_SEEDS, Recording};
use crate::check::metrics::Table;
use crate::check::window::{self, Cut};
use crate::check::{self, Baseline, InputKind, Outcome, Sample, Window, WindowSpec, evaluate};
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
  conductor check --baseline recorded.check.toml data/sample-events.csv --format json
  conductor check data/sample-events.csv --until 2026-02-20 --write-baseline earlier.toml
  conductor check --baseline earlier.toml data/sample-events.csv --last 4")]
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
    /// With --write-baseline: how much every cycle-time and safety metric may grow, as a
    /// fraction
    /// (0.5: 50%). Default: 0.05, p95 0.10. Give a window of a few recorded releases room
    /// for their noise.
    #[arg(long, value_name = "F", requires = "write_baseline", value_parser = tolerance)]
    tolerance: Option<f64>,
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
    /// For an event log: judge only the N latest versions (by their cut), every platform's
    /// track-cycle of them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    last: Option<u32>,
    /// For an event log: judge only track-cycles cut at or after DATE (2026-03-01, midnight
    /// in the release squad's time zone, or an instant with an offset).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// For an event log: judge only track-cycles cut before DATE (as --since).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
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
    let loaded = pool.install(|| load(&args, seeds, notes))?;
    let (kind, samples, seeds_run) = (loaded.kind, loaded.samples, loaded.seeds);
    if samples.is_empty() {
        match &loaded.window_spec {
            Some(spec) if !spec.is_all() => bail!(
                "{}: no track-cycles in the window ({}){}",
                args.input.display(),
                spec.describe(),
                if loaded.open_excluded > 0 {
                    format!(" but {} still open", loaded.open_excluded)
                } else {
                    String::new()
                }
            ),
            _ => bail!("{}: no track-cycles to check", args.input.display()),
        }
    }
    // A log is what happened: its figures are compared as they are, without intervals.
    let noisy = kind != InputKind::EventLog;
    let table = pool.install(|| Table::new(&samples, noisy, confidence));

    if let Some(path) = &args.write_baseline {
        let header = format!(
            "conductor check baseline for {} ({}), written by conductor {}.\n\
             Values recorded from {}; {}.",
            args.input.display(),
            kind.as_str(),
            env!("CARGO_PKG_VERSION"),
            match (&kind, &loaded.window) {
                (InputKind::Scenario, _) => {
                    format!("seeds {}..{}", args.seed, args.seed + seeds - 1)
                }
                (_, Some(w)) => format!(
                    "{} seed(s), {} ({} track-cycles; {} open left out)",
                    table.seeds,
                    w.describe(),
                    samples.len(),
                    loaded.open_excluded
                ),
                _ => format!("{} seed(s)", table.seeds),
            },
            match args.tolerance {
                Some(t) => format!(
                    "every cycle-time and safety metric may grow {}% (--tolerance {t})",
                    t * 100.0
                ),
                None => "tolerances are conductor's defaults".to_string(),
            },
        );
        let seeds_key = (kind == InputKind::Scenario).then_some(seeds);
        let text = Baseline::record(
            &table,
            &Recording {
                confidence,
                seeds: seeds_key,
                window: loaded.window.as_ref(),
                tolerance: args.tolerance,
                header: &header,
            },
        );
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
    let safety_rests_on = if results.iter().any(|r| r.metric.is_safety()) {
        let checked: Vec<&String> = results.iter().map(|r| &r.policy).collect();
        table
            .safety_basis
            .iter()
            .filter(|(p, _)| checked.contains(&p))
            .map(|(p, b)| (p.clone(), b.as_str()))
            .collect()
    } else {
        Vec::new()
    };
    let outcome = Outcome {
        input: args.input.display().to_string(),
        kind,
        baseline: baseline.file.display().to_string(),
        confidence,
        seeds: seeds_run,
        track_cycles: samples.len(),
        open_excluded: loaded.open_excluded,
        window: loaded.window,
        baseline_window: baseline.window.clone(),
        assumed: loaded.assumed,
        safety_rests_on,
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

/// Parses `--tolerance`: a fraction from 0 to 10.
fn tolerance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(t) if (0.0..=10.0).contains(&t) => Ok(t),
        _ => Err(format!(
            "{text:?}: a fraction from 0 to 10 (0.25 lets a metric grow 25%)"
        )),
    }
}

/// What `load` read or ran.
struct Loaded {
    kind: InputKind,
    /// The track-cycles judged (open ones left out).
    samples: Vec<Sample>,
    /// Seeds behind them.
    seeds: u64,
    /// Open track-cycles left out (in the window, for a log).
    open_excluded: usize,
    /// For an event log: the window asked for, and the one the track-cycles make.
    window_spec: Option<WindowSpec>,
    window: Option<Window>,
    /// For a replay's run directory: each counterfactual policy and the evidence families
    /// it draws from the scenario because the log lacks them.
    assumed: Vec<(String, Vec<String>)>,
}

impl Loaded {
    fn simulated(kind: InputKind, samples: Vec<Sample>, seeds: u64, open: usize) -> Loaded {
        Loaded {
            kind,
            samples,
            seeds,
            open_excluded: open,
            window_spec: None,
            window: None,
            assumed: Vec::new(),
        }
    }
}

/// The window `--last`, `--since` and `--until` ask for; dates without an offset are
/// midnight in `scenario`'s release squad's time zone.
fn window_spec(args: &CheckArgs, scenario: &Scenario) -> anyhow::Result<WindowSpec> {
    let zone = scenario.release_squad.time_zone();
    let instant = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<jiff::Timestamp>> {
        v.as_deref()
            .map(|t| window::parse_instant(t, zone).map_err(|e| anyhow::anyhow!("{flag} {e}")))
            .transpose()
    };
    let spec = WindowSpec {
        last: args.last,
        since: instant("--since", &args.since)?,
        until: instant("--until", &args.until)?,
    };
    if let (Some(s), Some(u)) = (spec.since, spec.until)
        && u <= s
    {
        bail!("--until {u} is not after --since {s}: the window is empty");
    }
    Ok(spec)
}

/// Reads or runs the input: its kind, its track-cycles, the seeds behind them, the open
/// track-cycles left out and, for a log, the window.
fn load(args: &CheckArgs, seeds: u64, notes: &Notes) -> anyhow::Result<Loaded> {
    let (input, only, first_seed) = (args.input.as_path(), &args.policies, args.seed);
    let windowed = args.last.is_some() || args.since.is_some() || args.until.is_some();
    let not_a_log = |what: &str| {
        anyhow::anyhow!(
            "{}: --last, --since and --until choose recorded cycles of an event log; this is {what}",
            input.display()
        )
    };
    if input.is_dir() {
        if windowed {
            return Err(not_a_log("a run directory"));
        }
        let run = RunDir::open(input)?;
        let (rows, open) = crate::analysis::cycle_samples(&run)
            .with_context(|| format!("{}: cannot read its cycles", input.display()))?;
        // Each track-cycle's safety record, read one way (analysis::safety), by run key.
        let safety: BTreeMap<(String, String, u64, u32), TrackSafety> =
            safety_samples(std::slice::from_ref(&run), &[])
                .with_context(|| format!("{}: cannot read its cycles", input.display()))?
                .into_iter()
                .map(|(policy, platform, seed, version, t)| ((policy, platform, seed, version), t))
                .collect();
        let samples: Vec<Sample> = rows
            .into_iter()
            .filter(|r| only.is_empty() || only.contains(&r.0))
            .map(|(policy, platform, seed, version, cycle_hours)| {
                let key = (policy, platform, seed, version);
                let safety = safety.get(&key).copied().unwrap_or_default();
                let (policy, platform, seed, version) = key;
                Sample {
                    policy,
                    platform,
                    seed,
                    version,
                    cycle_hours,
                    safety,
                }
            })
            .collect();
        let open = open
            .iter()
            .filter(|p| only.is_empty() || only.contains(p))
            .count();
        // A replay's counterfactual policies draw the families its log lacks.
        let assumed = run
            .manifest
            .policies
            .iter()
            .filter(|p| only.is_empty() || only.contains(p))
            .map(|p| {
                let families = run.manifest.families_assumed(p);
                let names = families.iter().map(|f| f.as_str().to_string()).collect();
                (p.clone(), names)
            })
            .filter(|(_, names): &(String, Vec<String>)| !names.is_empty())
            .collect();
        let mut loaded = Loaded::simulated(InputKind::RunDir, samples, run.manifest.seeds, open);
        loaded.assumed = assumed;
        return Ok(loaded);
    }
    let ext = input
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "toml" => {
            if windowed {
                return Err(not_a_log("a scenario"));
            }
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
            let names: Vec<String> = scenario.platforms.iter().map(|p| p.name.clone()).collect();
            let mut samples = Vec::new();
            let mut open = 0;
            for run in super::run_sweep(&sweep, notes) {
                for t in run.tracks {
                    // Open track-cycles (still in progress) are not judged.
                    if t.outcome == engine::Outcome::Open {
                        open += 1;
                        continue;
                    }
                    samples.push(Sample {
                        policy: run.policy.clone(),
                        platform: names[t.platform].clone(),
                        seed: run.seed,
                        version: t.version,
                        cycle_hours: t.cycle_hours(),
                        safety: TrackSafety::of_result(&t),
                    });
                }
            }
            Ok(Loaded::simulated(InputKind::Scenario, samples, seeds, open))
        }
        "csv" | "jsonl" | "ndjson" | "json" | "parquet" | "pq" => {
            let scenario = match &args.scenario {
                Some(path) => Scenario::load(path)?,
                None => Scenario::baseline(),
            };
            let spec = window_spec(args, &scenario)?;
            let log = super::replay::load_log(input, &scenario, false)?;
            let recorded = engine::recorded_policy();
            let seasons = RecordedSeason::from_log(&log, &scenario);
            let mut tracks = Vec::new();
            for season in &seasons {
                let world = SeasonWorld::as_recorded(&scenario, season);
                let run = engine::run(&scenario, &recorded, world, Detail::Summary);
                tracks.extend(run.tracks.into_iter().map(|t| (season.seed, t)));
            }
            let cuts: Vec<Cut> = tracks
                .iter()
                .map(|(seed, t)| Cut {
                    seed: *seed,
                    version: t.version,
                    at: t.branch_cut,
                })
                .collect();
            let (keep, window) = window::select(&spec, &cuts);
            let mut samples = Vec::new();
            let mut open = 0;
            for ((seed, t), _) in tracks.iter().zip(&keep).filter(|(_, k)| **k) {
                if t.outcome == engine::Outcome::Open {
                    open += 1;
                    continue;
                }
                samples.push(Sample {
                    policy: RECORDED_POLICY.into(),
                    platform: scenario.platforms[t.platform].name.clone(),
                    seed: *seed,
                    version: t.version,
                    cycle_hours: t.cycle_hours(),
                    safety: TrackSafety::of_result(t),
                });
            }
            Ok(Loaded {
                kind: InputKind::EventLog,
                samples,
                seeds: seasons.len() as u64,
                open_excluded: open,
                window_spec: Some(spec),
                window,
                assumed: Vec::new(),
            })
        }
        _ => bail!(
            "{}: not a run directory, a scenario (.toml) or an event log (.csv, .jsonl, .parquet)",
            input.display()
        ),
    }
}
