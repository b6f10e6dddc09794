//! `conductor dashboard`: the release manager's view of one tick of a run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{bounds, console};
use crate::dashboard::{self, At, Query};

/// Arguments of `conductor dashboard`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor dashboard data/runs/baseline --at 2026-01-19T11:00 --policy manual
  conductor dashboard data/runs/baseline --at 2026-01-19T10:00:00Z --policy robot --seed 2
  conductor dashboard data/runs/baseline --at 2026-01-19T11:00 --format html > board.html")]
pub struct DashboardArgs {
    /// A run directory written by `conductor simulate --out`.
    run_dir: PathBuf,
    /// The moment to show: RFC 3339 with an offset (2026-01-16T10:00:00Z), or a local date
    /// and time (2026-01-16T10:00) in the release squad's time zone. Rounded down to its
    /// five-minute tick.
    #[arg(long, value_name = "TIME")]
    at: String,
    /// Only this version, by label as the tables spell it (`8.9`, or a simulated version's
    /// number; default: every version live at that moment).
    #[arg(long, value_name = "V")]
    version: Option<String>,
    /// The policy (default: the run's first).
    #[arg(long, value_name = "P")]
    policy: Option<String>,
    /// The seed (default: the run's first).
    #[arg(long, value_name = "S", value_parser = bounds::seed)]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Html,
}

/// Runs the command.
pub fn execute(args: DashboardArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let at: At = args.at.parse().map_err(anyhow::Error::msg)?;
    let query = Query {
        at,
        version: args.version,
        policy: args.policy,
        seed: args.seed,
    };
    let board = dashboard::load(&args.run_dir, &query)?;
    console::note_incomplete(&args.run_dir);
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let format = match args.format {
        Format::Text => dashboard::Format::Text { colour },
        Format::Html => dashboard::Format::Html,
    };
    dashboard::render(&board, format, out)?;
    Ok(())
}
