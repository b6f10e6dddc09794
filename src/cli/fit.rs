//! `conductor fit`: estimate the world's distributions from a recorded event log, print
//! each fit with its interval and goodness of fit, and write a scenario that simulates it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::bounds;
use super::console::{self, Notes};
use crate::files::atomic_write;
use crate::fit::{self as fitting, Options, Printout, Source, scenario_file};
use crate::scenario::Scenario;
use crate::world::recorded::RecordedSeason;

/// Arguments of `conductor fit`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor fit data/sample-events.csv -o data/runs/sample-fitted.toml
  conductor simulate data/runs/sample-fitted.toml
  conductor fit data/sample-events.csv --scenario scenarios/bake-12h.toml --level 0.99 \\
      -o fitted.toml")]
pub struct FitArgs {
    /// The event log (.csv, .jsonl or .parquet; see docs/formats.md).
    log: PathBuf,
    /// Write the fitted scenario to FILE (atomically).
    #[arg(short, long, value_name = "FILE")]
    out: PathBuf,
    /// The base scenario: calendars, gates, thresholds, policies, and every value the log
    /// cannot tell. Default: the built-in baseline.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Name of the fitted scenario. Default: the base's name with `-fitted`.
    #[arg(long, value_name = "NAME", value_parser = bounds::name)]
    name: Option<String>,
    /// Confidence level of every interval.
    #[arg(long, default_value_t = 0.95, value_name = "L")]
    level: f64,
    /// Skip malformed or impossible rows (listed on stderr) instead of failing.
    #[arg(long)]
    lenient: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

impl From<Format> for fitting::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => fitting::Format::Table,
            Format::Json => fitting::Format::Json,
        }
    }
}

/// Runs the command.
pub fn execute(args: FitArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let opts = Options { level: args.level };
    opts.validate()?;
    let scenario = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::baseline(),
    };
    let base_file = args
        .scenario
        .as_ref()
        .map_or("built in".to_string(), |p| p.display().to_string());
    let log = super::replay::load_log(&args.log, &scenario, args.lenient)?;
    let sha256 = log.sha256.clone();
    let seasons = RecordedSeason::from_log(&log, &scenario);
    let fit = fitting::fit(&log, &seasons, &scenario, &opts)?;

    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-fitted", scenario.name));
    let header = vec![
        format!(
            "Fitted by conductor {} from the event log {} (sha256 {}),",
            env!("CARGO_PKG_VERSION"),
            args.log.display(),
            sha256
        ),
        format!(
            "{} rows, {} tracks, {} seeds; base scenario {} ({base_file}).",
            log.rows, fit.tracks, fit.seeds, scenario.name
        ),
        format!("Command: {}", command_line(&args)),
        "Each fitted value carries a comment: the family chosen by AIC, n, the intervals and the"
            .into(),
        "goodness of fit (docs/fit.md). Values without one are the base scenario's.".into(),
    ];
    let settings = scenario_file::settings(&fit, &scenario, |q| fitting::comment(q, fit.level));
    let out_file = args.out.display().to_string();
    let write = |header: &[String]| {
        scenario_file::write(&scenario.source, &out_file, &name, header, &settings)
            .with_context(|| format!("{out_file}: not written"))
    };
    // The fitted scenario checks itself before it is written: simulated, its cycle times
    // compared with the log's, the verdict in its header.
    let unchecked = write(&header)?;
    let fitted = Scenario::from_toml(&unchecked, &out_file)
        .with_context(|| format!("{out_file}: not written"))?;
    let check = fitting::self_check(&scenario, &fitted, &log, &seasons);
    let mut header = header;
    header.extend([
        format!(
            "Self-check (docs/fit.md): {} seeds of policy {} simulated against the log's {} shipped cycles:",
            check.seeds,
            check.policy,
            check.log.shipped()
        ),
        check.summary(),
        format!("Rule: {}.", fitting::self_check::VERDICT_RULE),
    ]);
    let text = write(&header)?;
    atomic_write(&args.out, |f| f.write_all(text.as_bytes())).context("cannot write --out")?;
    notes.wrote(
        &args.out,
        format_args!(
            "fitted scenario {name} written ({})",
            console::bytes(text.len() as u64)
        ),
    );
    // Said even under --quiet: the file was written, but it may not reproduce the log.
    match &check.verdict {
        fitting::Verdict::Pass => {}
        fitting::Verdict::Fail(why) => console::eprint_line(format_args!(
            "warning: {out_file}: the fitted scenario does not reproduce the log's cycle times \
             (self-check fail): {}",
            why.join("; ")
        )),
        fitting::Verdict::NotJudged(why) => console::eprint_line(format_args!(
            "note: {out_file}: the fitted scenario's cycle times are not judged against the \
             log's: {why}"
        )),
    }

    let source = Source {
        log: args.log.display().to_string(),
        sha256,
        rows: log.rows,
        rows_skipped: log.skipped.len(),
        base: scenario.name.clone(),
        name,
        out: out_file,
    };
    let printout = Printout {
        fit: &fit,
        source: &source,
        self_check: &check,
    };
    fitting::render(&printout, args.format.into(), out)?;
    Ok(())
}

/// The command as it could be typed again (without the output format, which does not change
/// the scenario).
fn command_line(args: &FitArgs) -> String {
    let mut s = format!(
        "conductor fit {} -o {}",
        args.log.display(),
        args.out.display()
    );
    if let Some(sc) = &args.scenario {
        s.push_str(&format!(" --scenario {}", sc.display()));
    }
    if let Some(n) = &args.name {
        s.push_str(&format!(" --name {n}"));
    }
    if args.level != 0.95 {
        s.push_str(&format!(" --level {}", args.level));
    }
    if args.lenient {
        s.push_str(" --lenient");
    }
    s
}
