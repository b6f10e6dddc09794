//! The command line: argument structs (clap) and one module per subcommand, each with an
//! `execute`. Errors here are `anyhow` with context; the binary prints the chain and exits 2.
//! Data goes to standard output; progress and the one-line confirmations of files written
//! go to standard error ([`console`]).

mod bounds;
mod check;
mod compare;
mod completions;
mod console;
mod dashboard;
mod export;
mod fit;
mod import;
mod man;
mod replay;
mod report;
mod simulate;

pub use console::{Notes, Stdout, eprint_line};

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::engine::RunResult;
use crate::progress::{Job, Progress};
use crate::scenario::{Policy, Scenario};
use crate::sweep::Sweep;

/// conductor: simulate a release train and see where release time goes.
#[derive(Debug, Parser)]
#[command(name = "conductor", version, about, long_about = None, after_help = "\
Examples:
  conductor simulate                           # the baseline scenario under every policy
  conductor simulate --seeds 100 --out         # the five-minute history as Parquet
  conductor report data/runs/baseline
  conductor compare scenarios/baseline.toml scenarios/bake-12h.toml

`conductor COMMAND --help` shows each command's options and examples; `conductor man`
prints the manual pages.")]
pub struct Cli {
    /// No progress and no confirmations of files written on standard error (errors and
    /// warnings still show).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate seasons of releases under each policy and print a summary.
    Simulate(simulate::SimulateArgs),
    /// Report cycle time, bottlenecks, outcomes and hours saved from run directories.
    Report(report::ReportArgs),
    /// Compare two scenarios, run directories or policies on the same seeds and worlds.
    Compare(compare::CompareArgs),
    /// Show the release dashboard of a run at one five-minute tick.
    Dashboard(dashboard::DashboardArgs),
    /// Replay a recorded event log, as it happened and under other policies, into a run
    /// directory.
    Replay(replay::ReplayArgs),
    /// Fit a scenario's world distributions to a recorded event log.
    Fit(fit::FitArgs),
    /// Import an event log from a git repository, GitHub Releases or a dashboard's CSV
    /// export.
    Import(import::ImportArgs),
    /// Export a run directory for other tools (process mining: an activity log).
    Export(export::ExportArgs),
    /// Fail (exit 1) when cycle-time or safety metrics pass a committed baseline's limits
    /// (for CI).
    Check(check::CheckArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print a manual page as roff, or write every page into a directory.
    Man(man::ManArgs),
}

/// Runs the command line `args` (including the program name) with its data going to `out`,
/// prints any error on standard error (the whole cause chain) and returns the process's exit
/// code: 0 when done, or when the reader of a pipe left early (it has what it wanted); 1 when
/// `check` found a limit passed; 2 for any error, clap's own code for usage errors, `--help`
/// and `--version`.
pub fn run<I, T>(args: I, out: &mut Stdout) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let result = execute(args, out).and_then(|()| Ok(out.flush()?));
    let Err(e) = result else {
        return ExitCode::SUCCESS;
    };
    match e.downcast_ref::<CliError>() {
        Some(CliError::Usage(clap_err)) => {
            let _ = clap_err.print();
            return ExitCode::from(clap_err.exit_code().clamp(0, 255) as u8);
        }
        // The verdict stands even when the reader of the table has gone.
        Some(CliError::Regression(what)) => {
            eprint_line(format_args!("check failed: {what}"));
            return ExitCode::from(1);
        }
        None => {}
    }
    if out.closed() {
        return ExitCode::SUCCESS;
    }
    eprint_line(format_args!("error: {e:#}"));
    ExitCode::from(2)
}

/// Parses `args` and runs the command; data goes to `out`.
fn execute<I, T>(args: I, out: &mut dyn Write) -> anyhow::Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return Err(CliError::Usage(e).into()),
    };
    let notes = Notes { quiet: cli.quiet };
    match cli.command {
        Command::Simulate(args) => simulate::execute(args, out, &notes),
        Command::Report(args) => report::execute(args, out, &notes),
        Command::Compare(args) => compare::execute(args, out, &notes),
        Command::Dashboard(args) => dashboard::execute(args, out),
        Command::Replay(args) => replay::execute(args, &notes),
        Command::Fit(args) => fit::execute(args, out, &notes),
        Command::Import(args) => import::execute(args, out, &notes),
        Command::Export(args) => export::execute(args, out, &notes),
        Command::Check(args) => check::execute(args, out, &notes),
        Command::Completions(args) => completions::execute(args, out),
        Command::Man(args) => man::execute(args, out, &notes),
    }
}

/// Runs `sweep` on the current pool, reporting progress (runs done) unless `--quiet`.
fn run_sweep(sweep: &Sweep, notes: &Notes) -> Vec<RunResult> {
    let progress = Progress::start(
        Job {
            label: format!("scenario {}", sweep.scenario.name),
            total: sweep.jobs().len() as u64,
            unit: "runs",
            rows: false,
        },
        notes.progress(),
    );
    sweep.run_reporting(Some(&progress))
}

/// Errors the binary reports specially.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments, `--help` or `--version` (clap renders and picks the exit code).
    #[error("{0}")]
    Usage(clap::Error),
    /// `check` found a limit passed: not an error of the tool, exit 1.
    #[error("{0}")]
    Regression(String),
}

/// The policies `--policy NAME…` names: `extra` (e.g. replay's `recorded`) or the scenario's,
/// in the order given; with no names, `extra` then every policy of the scenario.
fn chosen_policies<'a>(
    scenario: &'a Scenario,
    names: &[String],
    extra: Option<&'a Policy>,
) -> anyhow::Result<Vec<&'a Policy>> {
    if names.is_empty() {
        return Ok(extra.into_iter().chain(&scenario.policies).collect());
    }
    names
        .iter()
        .map(|name| {
            extra
                .filter(|p| p.name == *name)
                .or_else(|| scenario.policy(name))
                .ok_or_else(|| {
                    let known: Vec<&str> = extra
                        .into_iter()
                        .chain(&scenario.policies)
                        .map(|p| p.name.as_str())
                        .collect();
                    anyhow::anyhow!(
                        "--policy {name:?}: scenario {} has no such policy (it has: {})",
                        scenario.name,
                        known.join(", ")
                    )
                })
        })
        .collect()
}
