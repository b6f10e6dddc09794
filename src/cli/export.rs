//! `conductor export`: a run directory for other tools. `--format activity-log` is a
//! process-mining event log (one case per track, one activity per state or waiting-on
//! label) as CSV or IEEE XES, for PM4Py, Celonis, Disco or ProM.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::console::{self, Notes};
use crate::export::{self, ActivityKind, Lifecycle, LogFormat, Options};
use crate::files::atomic_write;

/// Arguments of `conductor export`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor export data/runs/sample --format activity-log -o data/runs/sample.xes
  conductor export data/runs/baseline --format activity-log --activity waiting-on -o log.csv
  conductor export data/runs/baseline --format activity-log --lifecycle start-complete \\
      --policy robot -o robot.xes")]
pub struct ExportArgs {
    /// A run directory written by `conductor simulate --out`.
    #[arg(value_name = "RUN_DIR")]
    run_dir: PathBuf,
    /// What to export.
    #[arg(long, value_enum)]
    format: Format,
    /// Write to FILE (atomically) instead of standard output; its extension picks the file
    /// format: `.csv` or `.xes` (standard output gets CSV).
    #[arg(short = 'o', long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// What one activity is: a state, or a waiting-on label within a state.
    #[arg(long, value_enum, default_value_t = Activity::State)]
    activity: Activity,
    /// How an activity is written: one event with its start and end (`interval`), or a
    /// `start` and a `complete` event (`start-complete`, for tools that time a case from its
    /// first to its last event, such as PM4Py's case durations).
    #[arg(long, value_enum, default_value_t = LifecycleArg::Interval)]
    lifecycle: LifecycleArg,
    /// Only this policy (repeatable; default: every policy of the run).
    #[arg(long = "policy", value_name = "P")]
    policies: Vec<String>,
}

/// What `conductor export` writes. Required, so that scripts keep meaning the same thing
/// when more exports are added.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A process-mining event log: one case per track, one activity per state or label.
    ActivityLog,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Activity {
    /// The state (`branched`, `final_rc`, `submitted`, …).
    State,
    /// The waiting-on label (`bug_fix`, `store_review`, `manual_action`, …).
    WaitingOn,
}

impl From<Activity> for ActivityKind {
    fn from(a: Activity) -> Self {
        match a {
            Activity::State => ActivityKind::State,
            Activity::WaitingOn => ActivityKind::WaitingOn,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LifecycleArg {
    /// One event per activity: `complete`, with `time:start_timestamp`.
    Interval,
    /// Two events per activity: `start` and `complete`.
    StartComplete,
}

impl From<LifecycleArg> for Lifecycle {
    fn from(l: LifecycleArg) -> Self {
        match l {
            LifecycleArg::Interval => Lifecycle::Interval,
            LifecycleArg::StartComplete => Lifecycle::StartComplete,
        }
    }
}

/// Runs the command.
pub fn execute(args: ExportArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let Format::ActivityLog = args.format;
    // The file format is checked before the run is read, so a typo fails at once.
    let file_format = args.out.as_deref().map(LogFormat::from_path).transpose()?;
    let opts = Options {
        activity: args.activity.into(),
        lifecycle: args.lifecycle.into(),
        policies: args.policies,
    };
    let log = export::activity_log(&args.run_dir, &opts)?;
    console::note_incomplete(&args.run_dir);
    match (&args.out, file_format) {
        (Some(path), Some(format)) => {
            atomic_write(path, |f| export::render(&log, format, f))
                .context("cannot write --out")?;
            let activities: usize = log.cases.iter().map(|c| c.activities.len()).sum();
            let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
            notes.wrote(
                path,
                format_args!(
                    "activity log written ({} cases, {activities} activities, {}, {})",
                    log.cases.len(),
                    match format {
                        LogFormat::Csv => "CSV",
                        LogFormat::Xes => "XES",
                    },
                    console::bytes(bytes)
                ),
            );
        }
        _ => {
            let mut w = BufWriter::new(out);
            export::render(&log, LogFormat::Csv, &mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}
