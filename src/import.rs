//! Importing histories: event logs (docs/formats.md, "Event logs") built from where release
//! teams keep their history, so that analysing past cycles needs no hand-made converter
//! (docs/import.md).
//!
//! - [`git`]: a repository's release branches and tags, read through the `git` binary, turned
//!   into cuts, release-candidate builds, fixes, releases and point releases by a
//!   [`convention::Convention`] (a preset or a mapping file);
//! - [`github`]: the JSON of GitHub Releases (`gh api --paginate repos/OWNER/NAME/releases`);
//! - [`tracker`]: a release dashboard's CSV export, through a column mapping: the events git
//!   cannot see (store submission, review, staged-rollout steps);
//! - [`merge`]: several sources into one log, earlier sources first (later ones fill the
//!   families the earlier lack; conflicts are reported);
//! - [`write`]: the log as CSV, in a fixed order.
//!
//! Every source gives [`Event`]s and [`Findings`] (what it could not recognise or left out).
//! Every inference is documented in docs/import.md with its bias: a tag's time is not a store
//! or rollout time.

pub mod convention;
pub mod git;
pub mod github;
pub mod merge;
pub mod tracker;
pub mod write;

use std::path::PathBuf;

use jiff::Timestamp;
use jiff::tz::Offset;

use crate::model::Kind;

/// A moment as a source gives it: the instant and the offset it was written in (git keeps
/// the committer's; the log is written in it, so a reader sees the local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment {
    /// The instant.
    pub at: Timestamp,
    /// The offset it is written in.
    pub offset: Offset,
}

impl Moment {
    /// `at` written in UTC.
    pub fn utc(at: Timestamp) -> Moment {
        Moment {
            at,
            offset: Offset::UTC,
        }
    }

    /// RFC 3339 with the offset, whole seconds: `2024-10-11T07:12:59-04:00`.
    pub fn rfc3339(&self) -> String {
        self.at
            .to_zoned(jiff::tz::TimeZone::fixed(self.offset))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }

    /// Parses RFC 3339 with an offset (`…Z`, `…+02:00`), keeping the offset.
    pub fn parse_rfc3339(text: &str) -> Option<Moment> {
        let at: Timestamp = text.parse().ok()?;
        let offset = if text.ends_with(['Z', 'z']) {
            Offset::UTC
        } else {
            let tail = text.get(text.len().checked_sub(6)?..)?;
            let sign = match tail.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = tail[1..].split_once(':')?;
            let seconds = sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60);
            Offset::from_seconds(seconds).ok()?
        };
        Some(Moment { at, offset })
    }
}

/// One event of an imported history.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When it happened.
    pub at: Moment,
    /// The version's label as the source names it (`20.7`, `104`, `2.1`).
    pub version: String,
    /// The platform (lower case).
    pub platform: String,
    /// What happened.
    pub kind: Kind,
    /// Build id, tag, commit, actor, by kind (docs/formats.md).
    pub reference: Option<String>,
    /// Rollout %, by kind.
    pub value: Option<f64>,
}

/// The events of one source and what it could not use.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// What the source was (`git /path/to/repo`, a file), for messages.
    pub source: String,
    /// Its events, each track's in the order they happened (ties in a meaningful order).
    pub events: Vec<Event>,
    /// What it found but could not recognise or left out.
    pub findings: Findings,
}

/// What an import saw but did not turn into events, each with a count and a few examples,
/// and the figures it rests on: what the user reads to judge the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// One line each, in a fixed order: `tags matching no pattern, left out: 2 (19.4w, 20.0w)`.
    pub notes: Vec<String>,
}

impl Findings {
    /// Adds a note of `items` when there are any: `WHAT: COUNT (a, b, c, …)`, the first
    /// [`EXAMPLES`] items as examples.
    pub fn note_items(&mut self, what: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        let shown: Vec<&str> = items.iter().take(EXAMPLES).map(String::as_str).collect();
        let more = if items.len() > EXAMPLES { ", …" } else { "" };
        self.notes.push(format!(
            "{what}: {} ({}{more})",
            items.len(),
            shown.join(", ")
        ));
    }
}

/// How many examples a note lists.
pub const EXAMPLES: usize = 6;

/// Why an import failed: fatal for the command (exit 2), nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The `git` binary could not be run.
    #[error(
        "cannot run git ({source}): conductor import git reads repositories through the git \
         binary; install git or put it on PATH"
    )]
    GitMissing {
        /// Why it did not start.
        source: std::io::Error,
    },
    /// git ran and failed.
    #[error("{}: git {command} failed: {message}", repo.display())]
    Git {
        /// The repository.
        repo: PathBuf,
        /// The command (`rev-list …`).
        command: String,
        /// git's own message (its standard error, trimmed).
        message: String,
    },
    /// A repository that cannot be imported as it is (not one, shallow, no main line, no
    /// ref the convention knows).
    #[error("{}: {reason}", repo.display())]
    Repository {
        /// The repository.
        repo: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A mapping file, a source file or an argument that cannot be read or is wrong: the
    /// message names the file (and line or key) and the value.
    #[error("{}: {reason}", file.display())]
    Input {
        /// The file.
        file: PathBuf,
        /// What is wrong, naming the line or key and the value.
        reason: String,
    },
    /// One row of a source file is wrong.
    #[error("{}:{line}: {reason}", file.display())]
    Row {
        /// The file.
        file: PathBuf,
        /// Its line (1-based, the header is line 1).
        line: u64,
        /// What is wrong, naming the column and the value.
        reason: String,
    },
    /// A log to merge cannot be read (the cause names the file and line).
    #[error(transparent)]
    Log(#[from] crate::eventlog::LogError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_keep_their_offset() {
        let m = Moment::parse_rfc3339("2024-10-11T07:12:59-04:00").unwrap();
        assert_eq!(m.rfc3339(), "2024-10-11T07:12:59-04:00");
        assert_eq!(m.at.as_second(), 1_728_645_179);
        let z = Moment::parse_rfc3339("2024-10-11T11:12:59Z").unwrap();
        assert_eq!(z.at, m.at);
        assert_eq!(z.rfc3339(), "2024-10-11T11:12:59+00:00");
        let india = Moment::parse_rfc3339("2024-10-11T16:41:13+05:30").unwrap();
        assert_eq!(india.rfc3339(), "2024-10-11T16:41:13+05:30");
        assert_eq!(Moment::parse_rfc3339("2024-10-11 07:12:59"), None);
    }

    #[test]
    fn notes_show_a_few_examples() {
        let mut f = Findings::default();
        f.note_items("tags matching no pattern", &[]);
        assert!(f.notes.is_empty());
        let items: Vec<String> = (1..=8).map(|i| format!("t{i}")).collect();
        f.note_items("tags matching no pattern", &items);
        assert_eq!(
            f.notes,
            ["tags matching no pattern: 8 (t1, t2, t3, t4, t5, t6, …)"]
        );
    }
}
