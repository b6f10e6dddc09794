//! `conductor man`: the manual pages, as roff.
//!
//! One page per subcommand (`conductor-simulate(1)`, …) plus `conductor(1)`, the way git and
//! cargo ship theirs: each subcommand has a dozen options of its own and examples, which one
//! page would bury under the others'; `man conductor-simulate` opens on what a reader looks
//! up, and `conductor(1)` lists the subcommands.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, CommandFactory};

use super::Cli;
use super::console::{self, Notes};
use crate::files::atomic_write;

/// Arguments of `conductor man`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor man | man -l -                        # read conductor(1)
  conductor man simulate | man -l -               # read conductor-simulate(1)
  conductor man -o ~/.local/share/man/man1        # install every page")]
pub struct ManArgs {
    /// The page of this subcommand (default: conductor's own page).
    #[arg(value_name = "COMMAND", conflicts_with = "out")]
    command: Option<String>,
    /// Write every page (conductor.1, conductor-simulate.1, …) into DIR instead.
    #[arg(short = 'o', long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Every page: `conductor` first, then one per subcommand, as (file name, roff).
fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building sets each subcommand's display name (`conductor-simulate`), its page's title.
    cmd.build();
    let mut pages = Vec::new();
    for page in std::iter::once(&cmd).chain(cmd.get_subcommands()) {
        let man = clap_mangen::Man::new(page.clone())
            .source(format!("conductor {}", env!("CARGO_PKG_VERSION")));
        let mut roff = Vec::new();
        man.render(&mut roff)
            .with_context(|| format!("cannot render {}", man.get_filename()))?;
        pages.push((man.get_filename(), titled(roff)));
    }
    Ok(pages)
}

/// clap_mangen puts `after_help` under a section called EXTRA: ours are examples (and a few
/// notes), so the section is called EXAMPLES, or NOTES when it starts with prose.
fn titled(roff: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&roff);
    let text = if text.contains(".SH EXTRA\nExamples:\n") {
        text.replace(".SH EXTRA\nExamples:\n", ".SH EXAMPLES\n")
    } else {
        text.replace(".SH EXTRA\n", ".SH NOTES\n")
    };
    text.into_bytes()
}

/// Runs the command.
pub fn execute(args: ManArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let pages = pages()?;
    let Some(dir) = &args.out else {
        let file = match &args.command {
            None => "conductor.1".to_string(),
            Some(name) => format!("conductor-{name}.1"),
        };
        let Some((_, roff)) = pages.iter().find(|(f, _)| *f == file) else {
            let known: Vec<&str> = pages
                .iter()
                .filter_map(|(f, _)| f.strip_prefix("conductor-")?.strip_suffix(".1"))
                .collect();
            bail!(
                "{:?}: no such subcommand (there are: {})",
                args.command.unwrap_or_default(),
                known.join(", ")
            );
        };
        out.write_all(roff)?;
        return Ok(());
    };
    std::fs::create_dir_all(dir).with_context(|| format!("--out {}", dir.display()))?;
    let mut bytes = 0;
    for (file, roff) in &pages {
        atomic_write(&dir.join(file), |f| f.write_all(roff))?;
        bytes += roff.len() as u64;
    }
    notes.wrote(
        dir,
        format_args!(
            "{} man pages written (conductor.1 and conductor-COMMAND.1, {})",
            pages.len(),
            console::bytes(bytes)
        ),
    );
    Ok(())
}
