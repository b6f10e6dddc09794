//! `conductor import git REPO`: a repository's release branches and tags as an event log.
//!
//! **Why the `git` binary** (not a Rust git library such as gix): the binary reads every
//! repository layout there is (working copies, bare clones, worktrees, packfiles, alternates,
//! commit-graphs, reftables) exactly as the user's own git does, and a library would add
//! about a hundred crates to a cold CI build kept under budget. It is run with explicit
//! arguments (no shell), with a neutral environment (every `GIT_*` variable cleared, no
//! system config, no pager, no optional locks, no prompts) and only read-only plumbing
//! (`rev-parse`, `for-each-ref`, `rev-list` with machine formats), so it never writes into
//! the repository. Three commands read all of it: the refs, then every commit on the
//! first-parent lines of the main line and of the matched refs ([`Repository::read`]); a
//! repository of 56,500 commits takes a fraction of a second (docs/import.md).
//!
//! [`releases`] turns what was read into events by the convention.

pub mod releases;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{ImportError, Moment};

/// The separator of fields in git's output (ASCII unit separator: in no ref name, and in no
/// commit subject in practice; the subject is the last field, so one there is harmless).
const SEP: char = '\u{1f}';

/// The `git` binary, run on one repository.
#[derive(Debug, Clone)]
pub struct Git {
    repo: PathBuf,
}

impl Git {
    /// git run in `repo` (a working copy, a directory inside one, or a bare repository).
    pub fn new(repo: &Path) -> Git {
        Git {
            repo: repo.to_path_buf(),
        }
    }

    /// Runs `git ARGS` (with `stdin` as its standard input) and returns its standard output
    /// (lossily decoded: a subject in another encoding still reads).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Result<String, ImportError> {
        let mut cmd = Command::new("git");
        // A neutral environment: nothing the user's shell set for git (GIT_DIR, GIT_WORK_TREE,
        // GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS, …) changes what is read.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("GIT_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .args([
                "--no-pager",
                "--no-optional-locks",
                "-c",
                "core.quotepath=off",
                "-C",
            ])
            .arg(&self.repo)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|source| ImportError::GitMissing { source })?;
        let command = args.first().copied().unwrap_or_default().to_string();
        let failed = |message: String| ImportError::Git {
            repo: self.repo.clone(),
            command: command.clone(),
            message,
        };
        // stdin is written on its own thread while stdout and stderr are read, so that a
        // large output cannot block git on a full pipe while it waits for its input.
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let io = std::thread::scope(|s| -> std::io::Result<()> {
            if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
                s.spawn(move || {
                    // git closing its input early is not our error: its exit status says.
                    let _ = pipe.write_all(text.as_bytes());
                });
            }
            let mut stderr = child.stderr.take();
            let reader = s.spawn(move || {
                let mut buf = Vec::new();
                if let Some(e) = stderr.as_mut() {
                    let _ = e.read_to_end(&mut buf);
                }
                buf
            });
            if let Some(o) = child.stdout.as_mut() {
                o.read_to_end(&mut out)?;
            }
            err = reader.join().unwrap_or_default();
            Ok(())
        });
        let status = child.wait().map_err(|e| failed(e.to_string()))?;
        io.map_err(|e| failed(e.to_string()))?;
        if !status.success() {
            let text = String::from_utf8_lossy(&err);
            let message = text
                .lines()
                .map(|l| l.trim_start_matches("fatal: ").trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(failed(if message.is_empty() {
                format!("exit status {status}")
            } else {
                message
            }));
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// A ref: a branch (local or remote-tracking) or a tag, and the commit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// The short name: `release/20.7` (for `refs/heads/…` and `refs/remotes/REMOTE/…`),
    /// `20.7-rc-1` (for `refs/tags/…`).
    pub name: String,
    /// The full name (`refs/remotes/origin/release/20.7`).
    pub full: String,
    /// The commit.
    pub commit: String,
    /// Its date: a branch's or lightweight tag's is its commit's committer date, an annotated
    /// tag's is its tagger date (git's `creatordate`).
    pub at: Moment,
}

/// A commit on one of the first-parent lines read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Its first parent (`None` for a root).
    pub parent: Option<String>,
    /// Its committer date: when it landed on the line it is on (a merge, a push of a
    /// rebased or cherry-picked commit), not when it was first written.
    pub at: Moment,
    /// `Name <email>` of its author.
    pub author: String,
    /// Its subject line.
    pub subject: String,
}

/// What a repository holds for the importer.
#[derive(Debug, Clone)]
pub struct Repository {
    /// The path given.
    pub path: PathBuf,
    /// The main line's branch (short name) and how it was chosen, for messages.
    pub main: (String, &'static str),
    /// Branches: `refs/heads/*` and `refs/remotes/*/*` (without the remotes' `HEAD`).
    pub branches: Vec<Ref>,
    /// Tags that name a commit.
    pub tags: Vec<Ref>,
    /// Tags that name no commit (a tree or blob), left out.
    pub other_tags: Vec<String>,
    /// The main line's head commit.
    main_head: String,
}

/// The first-parent lines read: the main line and every commit on it or on a tip's line.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    /// The main line's commits, newest first (first parents from its head).
    pub main_line: Vec<String>,
    /// Every commit on the first-parent lines of the main line and of the tips asked for.
    pub commits: HashMap<String, Commit>,
}

/// Branch names that are a repository's main line when nothing else says, in this order.
const MAIN_NAMES: [&str; 4] = ["main", "trunk", "master", "develop"];

impl Repository {
    /// Reads `repo`'s refs and chooses its main line (`main`: a branch name, or `None` for
    /// the repository's default branch). Refuses what is not a repository, a shallow clone
    /// (its history is cut: forks and fixes cannot be found) and a repository without a main
    /// line. The commits are read by [`Repository::read_lines`].
    pub fn open(repo: &Path, main: Option<&str>) -> Result<Repository, ImportError> {
        let refuse = |reason: String| ImportError::Repository {
            repo: repo.to_path_buf(),
            reason,
        };
        if !repo.is_dir() {
            return Err(refuse("no such directory".into()));
        }
        let git = Git::new(repo);
        let facts = match git.run(
            &[
                "rev-parse",
                "--is-shallow-repository",
                "--is-bare-repository",
            ],
            None,
        ) {
            Ok(text) => text,
            Err(ImportError::Git { message, .. }) => {
                return Err(refuse(format!("not a git repository (git: {message})")));
            }
            Err(e) => return Err(e),
        };
        let mut facts = facts.lines();
        let shallow = facts.next() == Some("true");
        let bare = facts.next() == Some("true");
        if shallow {
            return Err(refuse(
                "a shallow clone (cloned with --depth): its history is cut, so branch forks, fixes \
                 and old releases cannot be found; fetch all of it (git fetch --unshallow) or clone \
                 without --depth"
                    .into(),
            ));
        }
        let format = [
            "%(refname)",
            "%(objectname)",
            "%(objecttype)",
            "%(*objectname)",
            "%(*objecttype)",
            "%(creatordate:iso-strict)",
            "%(symref)",
        ]
        .join("%1f");
        let listing = git.run(
            &[
                "for-each-ref",
                &format!("--format={format}"),
                "refs/heads",
                "refs/remotes",
                "refs/tags",
            ],
            None,
        )?;
        let mut branches = Vec::new();
        let mut tags = Vec::new();
        let mut other_tags = Vec::new();
        let mut remote_heads = Vec::new();
        for line in listing.lines() {
            let f: Vec<&str> = line.split(SEP).collect();
            let [full, object, kind, peeled, peeled_kind, date, symref] = f[..] else {
                continue;
            };
            let Some(at) = Moment::parse_rfc3339(date) else {
                continue;
            };
            if let Some(name) = full.strip_prefix("refs/tags/") {
                let commit = match (kind, peeled_kind) {
                    ("commit", _) => object,
                    ("tag", "commit") => peeled,
                    _ => {
                        other_tags.push(name.to_string());
                        continue;
                    }
                };
                tags.push(Ref {
                    name: name.into(),
                    full: full.into(),
                    commit: commit.into(),
                    at,
                });
                continue;
            }
            if kind != "commit" {
                continue;
            }
            let name = if let Some(n) = full.strip_prefix("refs/heads/") {
                n
            } else if let Some(rest) = full.strip_prefix("refs/remotes/") {
                let Some((_remote, n)) = rest.split_once('/') else {
                    continue;
                };
                if n == "HEAD" {
                    remote_heads.push((full.to_string(), symref.to_string()));
                    continue;
                }
                n
            } else {
                continue;
            };
            branches.push(Ref {
                name: name.into(),
                full: full.into(),
                commit: object.into(),
                at,
            });
        }
        let head = git
            .run(&["symbolic-ref", "-q", "HEAD"], None)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let main = choose_main(main, &branches, &remote_heads, head.as_deref(), bare).ok_or_else(
            || {
                refuse(match main {
                    Some(m) => format!("no branch {m:?} (the main line asked for)"),
                    None => format!(
                        "cannot tell its main line (no default branch and none of {}); name it \
                         with --main BRANCH or `main = \"…\"` in the mapping",
                        MAIN_NAMES.join(", ")
                    ),
                })
            },
        )?;
        Ok(Repository {
            path: repo.to_path_buf(),
            main: (main.0.name.clone(), main.1),
            main_head: main.0.commit.clone(),
            branches,
            tags,
            other_tags,
        })
    }

    /// Reads every commit on the first-parent lines of the main line and of `tips` (commit
    /// ids): one `git rev-list --first-parent` over all of them.
    pub fn read_lines(&self, tips: &[&str]) -> Result<Lines, ImportError> {
        let git = Git::new(&self.path);
        let head = self.main_head.clone();
        let mut input = String::with_capacity(41 * (tips.len() + 1));
        for id in std::iter::once(head.as_str()).chain(tips.iter().copied()) {
            input.push_str(id);
            input.push('\n');
        }
        let format = ["%H", "%P", "%cI", "%an <%ae>", "%s"].join("%x1f");
        let text = git.run(
            &[
                "rev-list",
                "--first-parent",
                "--no-commit-header",
                &format!("--format={format}"),
                "--stdin",
            ],
            Some(&input),
        )?;
        let mut commits = HashMap::new();
        for line in text.lines() {
            let mut f = line.splitn(5, SEP);
            let (Some(id), Some(parents), Some(date), Some(author), subject) =
                (f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let Some(at) = Moment::parse_rfc3339(date) else {
                continue;
            };
            commits.insert(
                id.to_string(),
                Commit {
                    parent: parents
                        .split(' ')
                        .next()
                        .filter(|p| !p.is_empty())
                        .map(String::from),
                    at,
                    author: author.to_string(),
                    subject: subject.unwrap_or_default().to_string(),
                },
            );
        }
        let mut main_line = vec![head.clone()];
        let mut at = head;
        while let Some(parent) = commits.get(&at).and_then(|c: &Commit| c.parent.clone()) {
            main_line.push(parent.clone());
            at = parent;
        }
        Ok(Lines { main_line, commits })
    }
}

/// The main line: `asked` (a local branch, else a remote-tracking one, `origin`'s first), or
/// the remote's default branch (`origin/HEAD`), or a bare repository's `HEAD`, or the first
/// of [`MAIN_NAMES`] that exists, or a working copy's checked-out branch. With how it was
/// chosen.
fn choose_main<'a>(
    asked: Option<&str>,
    branches: &'a [Ref],
    remote_heads: &[(String, String)],
    head: Option<&str>,
    bare: bool,
) -> Option<(&'a Ref, &'static str)> {
    let by_full = |full: &str| branches.iter().find(|b| b.full == full);
    let by_name = |name: &str| {
        by_full(&format!("refs/heads/{name}"))
            .or_else(|| by_full(&format!("refs/remotes/origin/{name}")))
            .or_else(|| {
                branches
                    .iter()
                    .find(|b| b.name == name && b.full.starts_with("refs/remotes/"))
            })
    };
    if let Some(name) = asked {
        return by_name(name).map(|b| (b, "as asked"));
    }
    let origin_head = remote_heads
        .iter()
        .find(|(full, _)| full == "refs/remotes/origin/HEAD")
        .or_else(|| remote_heads.first())
        .and_then(|(_, target)| by_full(target));
    if let Some(b) = origin_head {
        return Some((b, "the remote's default branch"));
    }
    if bare && let Some(b) = head.and_then(by_full) {
        return Some((b, "the bare repository's HEAD"));
    }
    if let Some(b) = MAIN_NAMES.iter().find_map(|n| by_name(n)) {
        return Some((b, "by its name"));
    }
    head.and_then(by_full)
        .map(|b| (b, "the branch checked out"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(full: &str) -> Ref {
        let name = full
            .strip_prefix("refs/heads/")
            .or_else(|| full.strip_prefix("refs/remotes/origin/"))
            .unwrap_or(full);
        Ref {
            name: name.into(),
            full: full.into(),
            commit: "c".into(),
            at: Moment::utc(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn the_main_line_is_chosen_in_a_fixed_order() {
        let b = [
            branch("refs/heads/release/1.0"),
            branch("refs/heads/trunk"),
            branch("refs/remotes/origin/main"),
            branch("refs/remotes/origin/develop"),
        ];
        let pick = |asked, heads: &[(String, String)], head, bare| {
            choose_main(asked, &b, heads, head, bare).map(|(r, how)| (r.full.as_str(), how))
        };
        let origin = [(
            "refs/remotes/origin/HEAD".to_string(),
            "refs/remotes/origin/develop".to_string(),
        )];
        assert_eq!(
            pick(Some("main"), &origin, None, false),
            Some(("refs/remotes/origin/main", "as asked"))
        );
        assert_eq!(pick(Some("nosuch"), &origin, None, false), None);
        assert_eq!(
            pick(None, &origin, Some("refs/heads/release/1.0"), false),
            Some(("refs/remotes/origin/develop", "the remote's default branch"))
        );
        assert_eq!(
            pick(None, &[], Some("refs/heads/release/1.0"), true),
            Some(("refs/heads/release/1.0", "the bare repository's HEAD"))
        );
        // A working copy's checked-out branch is the last resort: it may be a release branch.
        assert_eq!(
            pick(None, &[], Some("refs/heads/release/1.0"), false),
            Some(("refs/remotes/origin/main", "by its name"))
        );
        assert_eq!(
            choose_main(None, &b[..1], &[], Some("refs/heads/release/1.0"), false).map(|r| r.1),
            Some("the branch checked out")
        );
    }
}
