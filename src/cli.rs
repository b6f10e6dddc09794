//! The command line: argument structs (clap) and one module per subcommand, each with an
//! `execute`. Errors here are `anyhow` with context; the binary prints the chain and exits 2.

mod bounds;
mod check;
mod compare;
mod dashboard;
mod export;
mod fit;
mod replay;
mod report;
mod simulate;

use std::io::Write;

use clap::{Parser, Subcommand};

use crate::scenario::{Policy, Scenario};

/// conductor: simulate a release train and see where release time goes.
#[derive(Debug, Parser)]
#[command(name = "conductor", version, about, long_about = None)]
pub struct Cli {
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
    /// Export a run directory for other tools (process mining: an activity log).
    Export(export::ExportArgs),
    /// Fail (exit 1) when cycle-time metrics pass a committed baseline's limits (for CI).
    Check(check::CheckArgs),
}

/// Parses `args` (including the program name) and runs the command. Data goes to `out`.
pub fn run<I, T>(args: I, out: &mut dyn Write) -> anyhow::Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return Err(CliError::Usage(e).into()),
    };
    match cli.command {
        Command::Simulate(args) => simulate::execute(args, out),
        Command::Report(args) => report::execute(args, out),
        Command::Compare(args) => compare::execute(args, out),
        Command::Dashboard(args) => dashboard::execute(args, out),
        Command::Replay(args) => replay::execute(args, out),
        Command::Fit(args) => fit::execute(args, out),
        Command::Export(args) => export::execute(args, out),
        Command::Check(args) => check::execute(args, out),
    }
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
