//! `conductor import`: an event log from where a team keeps its history: a git repository
//! (`import git`), GitHub Releases (`import github-releases`), a dashboard's CSV export
//! (`import csv`), merged with logs written before (`--merge`). docs/import.md walks through
//! each.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};

use super::console::{self, Notes, eprint_line};
use crate::files::atomic_write;
use crate::import::convention::{Convention, Preset};
use crate::import::{self, Imported, merge, write};

/// Arguments of `conductor import`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  conductor import git ../woocommerce-android --preset release-branches -o woo.csv
  conductor import git ../fenix --preset releases-v --main main -o fenix.csv
  conductor import git . --mapping mapping.toml --platform ios
  conductor import csv data/sample-dashboard.csv --mapping data/sample-dashboard.toml -o dash.csv
  conductor import git ../app --preset trunk --merge dash.csv -o events.csv
  conductor import preset release-branches > mapping.toml")]
pub struct ImportArgs {
    #[command(subcommand)]
    source: Source,
}

#[derive(Debug, Subcommand)]
enum Source {
    /// A git repository's release branches and tags (a working copy or a bare clone; not a
    /// shallow one).
    #[command(after_help = "\
Examples:
  conductor import git ../woocommerce-android --preset release-branches -o woo.csv
  conductor import git ../fenix.git --preset releases-v -o fenix.csv
  conductor import git . --mapping mapping.toml --main develop --platform ios")]
    Git(GitArgs),
    /// GitHub Releases, as `gh api --paginate repos/OWNER/NAME/releases > releases.json`
    /// saves them.
    #[command(after_help = "\
Examples:
  conductor import github-releases releases.json --preset release-branches
  conductor import github-releases releases.json --preset trunk --merge git.csv -o all.csv")]
    GithubReleases(FileArgs),
    /// A release dashboard's CSV export (store submission, review, rollout steps), through
    /// the `[csv]` table of a mapping file.
    #[command(after_help = "\
Examples:
  conductor import csv data/sample-dashboard.csv --mapping data/sample-dashboard.toml
  conductor import csv export.csv --mapping dashboard.toml --merge git.csv -o events.csv")]
    Csv(CsvArgs),
    /// Print a preset as a mapping file to start one from.
    #[command(after_help = "\
Examples:
  conductor import preset release-branches > mapping.toml
  conductor import preset trunk")]
    Preset(PresetArgs),
}

/// What every source takes: the convention, the platform, logs to merge, the output.
#[derive(Debug, Args)]
struct Common {
    /// The convention the history follows (docs/import.md, "Presets").
    #[arg(long, value_enum, value_name = "NAME", conflicts_with = "mapping")]
    preset: Option<PresetName>,
    /// A mapping file (TOML) with the convention's patterns, rules and columns; it may start
    /// from a preset (`preset = "…"`).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// The platform of every event (default: the convention's, else android).
    #[arg(long, value_name = "NAME")]
    platform: Option<String>,
    /// An event log written earlier to merge with (repeatable). Logs come first, in the
    /// order given, then this import: each fills the families the ones before it lack, and
    /// where two date one event differently the first is kept and the conflict reported.
    #[arg(long = "merge", value_name = "LOG")]
    merge: Vec<PathBuf>,
    /// Write the log to FILE (.csv, atomically) instead of standard output (`-`).
    #[arg(short = 'o', long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct GitArgs {
    /// The repository: a working copy (or a directory in one) or a bare clone.
    #[arg(value_name = "REPO")]
    repo: PathBuf,
    /// The main line's branch (default: the repository's default branch).
    #[arg(long, value_name = "BRANCH")]
    main: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct FileArgs {
    /// The file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct CsvArgs {
    /// The dashboard's export (CSV with a header row).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct PresetArgs {
    /// The preset.
    #[arg(value_enum, value_name = "NAME")]
    name: PresetName,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PresetName {
    /// `release/X.Y` branches, `X.Y-rc-N` tags, release `X.Y`, points `X.Y.Z` (WooCommerce
    /// Android).
    ReleaseBranches,
    /// `releases_vN.0.0` branches, `vN.0bK` / `vN.x.y-beta.K` / `-rc.K` tags, releases
    /// `vN.x.y` (Firefox for Android).
    ReleasesV,
    /// Tags on the main line: `vX.Y.Z-rc.N`, release `vX.Y.0`, points `vX.Y.Z`.
    Trunk,
}

impl From<PresetName> for Preset {
    fn from(p: PresetName) -> Self {
        match p {
            PresetName::ReleaseBranches => Preset::ReleaseBranches,
            PresetName::ReleasesV => Preset::ReleasesV,
            PresetName::Trunk => Preset::Trunk,
        }
    }
}

/// Runs the command.
pub fn execute(args: ImportArgs, out: &mut dyn Write, notes: &Notes) -> anyhow::Result<()> {
    let (common, imported) = match args.source {
        Source::Preset(p) => {
            out.write_all(Preset::from(p.name).toml().as_bytes())?;
            return Ok(());
        }
        Source::Git(a) => {
            let mut convention = convention(&a.common, true)?;
            if a.main.is_some() {
                convention.main = a.main.clone();
            }
            check_out(&a.common)?;
            let started = std::time::Instant::now();
            let imported = import::git::releases::import(&a.repo, &convention)?;
            if !notes.quiet {
                eprint_line(format_args!(
                    "note: {}: read in {:.2} s",
                    imported.source,
                    started.elapsed().as_secs_f64()
                ));
            }
            (a.common, imported)
        }
        Source::GithubReleases(a) => {
            let convention = convention(&a.common, true)?;
            check_out(&a.common)?;
            let imported = import::github::import(&a.file, &convention)?;
            (a.common, imported)
        }
        Source::Csv(a) => {
            if a.common.mapping.is_none() {
                bail!(
                    "import csv needs --mapping FILE: its [csv] table says which column holds what \
                     (docs/import.md)"
                );
            }
            let convention = convention(&a.common, false)?;
            check_out(&a.common)?;
            let imported = import::tracker::import(&a.file, &convention)?;
            (a.common, imported)
        }
    };
    finish(&common, imported, out, notes)
}

/// The convention the arguments name: `--mapping`, `--preset`, and `--platform` over both.
fn convention(common: &Common, needs_one: bool) -> anyhow::Result<Convention> {
    let mut c = match (&common.mapping, common.preset) {
        (Some(path), _) => Convention::load(path)?,
        (None, Some(p)) => Convention::preset(p.into()),
        (None, None) if needs_one => bail!(
            "name the convention the history follows: --preset {} or --mapping FILE \
             (docs/import.md)",
            Preset::ALL.map(Preset::name).join("|")
        ),
        (None, None) => unreachable!("import csv checks --mapping first"),
    };
    if let Some(p) = &common.platform {
        if p.trim().is_empty() || p.chars().any(char::is_whitespace) {
            bail!("--platform {p:?}: a platform name holds no spaces");
        }
        c.platform = p.to_lowercase();
    }
    Ok(c)
}

/// Refuses an output file that is not `.csv` before any work.
fn check_out(common: &Common) -> anyhow::Result<()> {
    if let Some(path) = common.out.as_deref().filter(|p| *p != Path::new("-")) {
        let csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if !csv {
            bail!(
                "--out {}: the imported log is CSV; name the file .csv",
                path.display()
            );
        }
    }
    Ok(())
}

/// Merges with `--merge` logs, reports, and writes the log.
fn finish(
    common: &Common,
    imported: Imported,
    out: &mut dyn Write,
    notes: &Notes,
) -> anyhow::Result<()> {
    let mut sources = Vec::new();
    for path in &common.merge {
        sources.push(merge::read_log(path).context("cannot read a --merge log")?);
    }
    if !notes.quiet {
        for n in &imported.findings.notes {
            eprint_line(format_args!("note: {}: {n}", imported.source));
        }
    }
    sources.push(imported);
    let merged = merge::merge(&sources);
    for c in merged.conflicts.iter().take(MAX_CONFLICTS_LISTED) {
        eprint_line(format_args!("warning: conflict: {}", c.describe()));
    }
    if merged.conflicts.len() > MAX_CONFLICTS_LISTED {
        eprint_line(format_args!(
            "warning: … and {} more conflicts",
            merged.conflicts.len() - MAX_CONFLICTS_LISTED
        ));
    }
    if sources.len() > 1 && !notes.quiet {
        eprint_line(format_args!(
            "note: merged {} sources: {} conflicts, {} duplicates, {} events of families an \
             earlier source holds left out",
            sources.len(),
            merged.conflicts.len(),
            merged.duplicates,
            merged.unmatched
        ));
    }
    if merged.events.is_empty() {
        bail!(
            "{}: no events to write (docs/import.md says what each source gives)",
            sources.last().map_or("", |s| s.source.as_str())
        );
    }
    let events = write::ordered(merged.events);
    let versions: std::collections::BTreeSet<&str> =
        events.iter().map(|e| e.version.as_str()).collect();
    match common.out.as_deref().filter(|p| *p != Path::new("-")) {
        Some(path) => {
            atomic_write(path, |f| write::csv(&events, f)).context("cannot write --out")?;
            let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
            notes.wrote(
                path,
                format_args!(
                    "event log written ({}, {}, {} conflicts, {})",
                    console::count(versions.len() as u64, "version"),
                    console::count(events.len() as u64, "event"),
                    merged.conflicts.len(),
                    console::bytes(bytes)
                ),
            );
        }
        None => {
            let mut w = std::io::BufWriter::new(out);
            write::csv(&events, &mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}

/// Conflicts listed one per line on stderr; the rest are counted.
const MAX_CONFLICTS_LISTED: usize = 20;
