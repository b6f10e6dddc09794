//! `conductor dashboard`: the release manager's view of one tick of a run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use jiff::Timestamp;

use crate::dashboard::{self, Query};

/// Arguments of `conductor dashboard`.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// A run directory written by `conductor simulate --out`.
    run_dir: PathBuf,
    /// The moment to show: RFC 3339 with an offset (2026-01-16T10:00:00Z), or a local date
    /// and time (2026-01-16T10:00) in the release squad's time zone. Rounded down to its
    /// five-minute tick.
    #[arg(long, value_name = "TIME")]
    at: String,
    /// Only this version (default: every version live at that moment).
    #[arg(long, value_name = "V")]
    version: Option<u32>,
    /// The policy (default: the run's first).
    #[arg(long, value_name = "P")]
    policy: Option<String>,
    /// The seed (default: the run's first).
    #[arg(long, value_name = "S")]
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

/// Parses `--at`: a timestamp with offset, or a civil date-time in the squad's zone.
fn parse_at(text: &str, run_dir: &std::path::Path) -> anyhow::Result<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    let civil: jiff::civil::DateTime = text.parse().with_context(|| {
        format!("--at {text:?}: not a time; write e.g. 2026-01-16T10:00:00Z or 2026-01-16T10:00")
    })?;
    let run = crate::dataset::RunDir::open(run_dir)?;
    let zone = run.scenario.release_squad.time_zone().clone();
    Ok(civil
        .to_zoned(zone)
        .with_context(|| format!("--at {text:?}: not a time in the release squad's zone"))?
        .timestamp())
}

/// Runs the command.
pub fn execute(args: DashboardArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let at = parse_at(&args.at, &args.run_dir)?;
    let query = Query {
        at,
        version: args.version,
        policy: args.policy,
        seed: args.seed,
    };
    let board = dashboard::load(&args.run_dir, &query)?;
    let text = match args.format {
        Format::Text => {
            let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal();
            dashboard::to_text(&board, colour)
        }
        Format::Html => dashboard::to_html(&board),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}
