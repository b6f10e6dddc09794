//! From branches, tags and first-parent lines to each version's events (docs/import.md, "What
//! each event stands for"):
//!
//! - **the cut** (`branch_cut`): where the version's line leaves the main line. Each of its
//!   refs (release branch, candidate and release tags) is followed by first parents until a
//!   main-line commit; the oldest such commit is the **fork point**, dated by its committer
//!   date (`cut = "fork_point"`, a lower bound of when the branch was made) or by the
//!   branch's first commit of its own (`cut = "first_commit"`, an upper bound). Following tags
//!   too finds the cut of release branches deleted after the release, which most teams do;
//! - **trunk flows** (`start = "cycle_started"`): the first candidate tag, or an earlier
//!   main-line commit whose subject bumps the version (`ref = version_bump`);
//! - **candidates** (`build_finished`, ref = the tag) at the tag's date; one tagged after the
//!   release is a point release's build (a hotfix's row);
//! - **the release** (`rollout` 100, ref = the tag): the version's first release tag by date.
//!   A tag is not the store's release nor a 100% rollout: this is the known bias;
//! - **fixes** (`fix_landed`, ref = the commit's first 12 hex digits): commits off the main
//!   line on the version's first-parent lines (a merged pull request is one commit: its
//!   merge), dated by their committer date (when they landed), except automation;
//! - **point releases**: each later release tag (`point_release`, ref = the tag), after the
//!   fixes that are on its line and not on an earlier release's.
//!
//! Each track's events are in time order (ties keep the order above); an event dated before
//! its version's start (a skewed clock) is left out and counted.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use super::{Commit, Lines, Ref, Repository};
use crate::import::convention::{Convention, Cut, Start, TagRole};
use crate::import::{EXAMPLES, Event, Findings, ImportError, Imported, Moment};
use crate::model::{Kind, compare_labels};

/// How many hex digits of a commit id a `fix_landed` ref keeps: fixed, so the log does not
/// depend on git's abbreviation settings.
pub const SHORT_ID: usize = 12;

/// One version's refs.
#[derive(Debug, Default)]
struct VersionRefs<'a> {
    branches: Vec<&'a Ref>,
    candidates: Vec<&'a Ref>,
    releases: Vec<&'a Ref>,
    /// The first main-line commit that bumps the version to it.
    bump: Option<&'a Commit>,
}

/// The first-parent line from a ref down to the main line.
#[derive(Debug, Clone, Default)]
struct Line {
    /// Commits off the main line, the ref's own first.
    commits: Vec<String>,
    /// Where it meets the main line (an index into `main_line`, 0 = its head); `None`: it
    /// never does (an unrelated history).
    meets: Option<usize>,
}

/// Imports the repository at `path` by `convention`: its events and findings.
pub fn import(path: &Path, convention: &Convention) -> Result<Imported, ImportError> {
    let repo = Repository::open(path, convention.main.as_deref())?;
    let (main_name, main_how) = (repo.main.0.as_str(), repo.main.1);

    // Which version each ref belongs to.
    let mut versions: BTreeMap<String, VersionRefs> = BTreeMap::new();
    let mut unmatched_tags = Vec::new();
    for b in &repo.branches {
        if b.name == main_name {
            continue;
        }
        if let Some(v) = convention.branch(&b.name) {
            versions.entry(v).or_default().branches.push(b);
        }
    }
    for t in &repo.tags {
        match convention.tag(&t.name) {
            Some((v, TagRole::Candidate)) => versions.entry(v).or_default().candidates.push(t),
            Some((v, TagRole::Release)) => versions.entry(v).or_default().releases.push(t),
            None => unmatched_tags.push(t.name.clone()),
        }
    }
    let tips: BTreeSet<&str> = versions
        .values()
        .flat_map(|v| v.tips())
        .map(|r| r.commit.as_str())
        .collect();
    let tips: Vec<&str> = tips.into_iter().collect();
    let Lines { main_line, commits } = repo.read_lines(&tips)?;
    let main_index: HashMap<&str, usize> = main_line
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();

    // Version bumps on the main line, oldest first (a version's first bump is its start).
    let mut bumped_only = Vec::new();
    if convention.bump.is_some() {
        for id in main_line.iter().rev() {
            let Some(c) = commits.get(id) else { continue };
            let Some(v) = convention.bump(&c.subject) else {
                continue;
            };
            let refs = versions.entry(v.clone()).or_default();
            if refs.bump.is_none() {
                refs.bump = Some(c);
                if refs.tips().next().is_none() {
                    bumped_only.push(v);
                }
            }
        }
    }
    if versions.is_empty() {
        return Err(no_match(path, convention, &repo));
    }

    let graph = Graph {
        commits: &commits,
        main_index: &main_index,
    };
    let mut notes = Notes::default();
    let mut tracks: Vec<Vec<Event>> = Vec::new();
    for (label, refs) in &mut versions {
        refs.candidates
            .sort_by(|a, b| (a.at.at, &a.name).cmp(&(b.at.at, &b.name)));
        refs.releases
            .sort_by(|a, b| (a.at.at, &a.name).cmp(&(b.at.at, &b.name)));
        // The fork point: the oldest main-line commit that the lines of the release branch
        // and its candidates meet (without them, the release's): a point release's tag may
        // sit on another long-lived line (a `master` of merges) that meets the main line only
        // at its root, so it does not move the cut.
        let primary: Vec<&Ref> = if refs.branches.is_empty() && refs.candidates.is_empty() {
            refs.releases.iter().take(1).copied().collect()
        } else {
            refs.branches
                .iter()
                .chain(&refs.candidates)
                .copied()
                .collect()
        };
        let fork = primary
            .iter()
            .filter_map(|r| graph.walk(&r.commit, None).meets)
            .max();
        if fork.is_none() && !primary.is_empty() {
            notes.unrelated.push(label.clone());
            continue;
        }
        let version = Version {
            label,
            refs,
            fork: fork.and_then(|i| {
                commits
                    .get(&main_line[i])
                    .map(|c| (main_line[i].as_str(), c))
            }),
        };
        if let Some(track) = version.events(convention, &graph, &mut notes) {
            tracks.push(track);
        }
    }

    // Versions in the order of their starts (the cut orders versions), ties by label.
    tracks.sort_by(|a, b| {
        a[0].at
            .at
            .cmp(&b[0].at.at)
            .then_with(|| compare_labels(&a[0].version, &b[0].version))
    });
    let mut findings = Findings::default();
    findings.notes.push(format!(
        "main line: {main_name} ({main_how}), commits on it: {}",
        main_line.len()
    ));
    findings.notes.push(summary(&tracks));
    unmatched_tags.sort_unstable();
    findings.note_items("tags matching no pattern, left out", &unmatched_tags);
    let mut other = repo.other_tags.clone();
    other.sort_unstable();
    findings.note_items("tags naming no commit, left out", &other);
    notes.into_findings(&mut findings, &bumped_only);
    Ok(Imported {
        source: format!("git {}", path.display()),
        events: tracks.into_iter().flatten().collect(),
        findings,
    })
}

/// The error for a repository no ref of which the convention knows (exit 2).
fn no_match(path: &Path, convention: &Convention, repo: &Repository) -> ImportError {
    // The latest tags first: what the team tags today.
    let mut latest: Vec<&Ref> = repo.tags.iter().collect();
    latest.sort_by(|a, b| (b.at.at, &a.name).cmp(&(a.at.at, &b.name)));
    let tags = if latest.is_empty() {
        "it has no tags".to_string()
    } else {
        let shown: Vec<&str> = latest
            .iter()
            .take(EXAMPLES)
            .map(|t| t.name.as_str())
            .collect();
        format!("its latest tags are {}", shown.join(", "))
    };
    ImportError::Repository {
        repo: path.to_path_buf(),
        reason: format!(
            "no branch or tag matches the convention ({}: {}): none of its {} branches and {} \
             tags; {tags}. Pick another --preset or write a --mapping (docs/import.md)",
            convention.name,
            convention.describe(),
            repo.branches.len(),
            repo.tags.len(),
        ),
    }
}

/// `N versions: R released, O open, P point releases; start → release median D days`.
fn summary(tracks: &[Vec<Event>]) -> String {
    let released: Vec<&Vec<Event>> = tracks.iter().filter(|t| t.iter().any(is_release)).collect();
    let points = tracks
        .iter()
        .flatten()
        .filter(|e| e.kind == Kind::PointRelease)
        .count();
    let days: Vec<f64> = released
        .iter()
        .filter_map(|t| {
            let end = t.iter().find(|e| is_release(e))?;
            Some((end.at.at.as_second() - t[0].at.at.as_second()) as f64 / 86_400.0)
        })
        .collect();
    let median = crate::stats::quantile(&days, 0.5)
        .map(|d| format!("; start → release median {d:.1} days (by the tags' dates)"))
        .unwrap_or_default();
    format!(
        "versions: {} ({} released, {} open: no release tag), point releases: {points}{median}",
        tracks.len(),
        released.len(),
        tracks.len() - released.len(),
    )
}

fn is_release(e: &Event) -> bool {
    e.kind == Kind::Rollout && e.value == Some(100.0)
}

impl<'a> VersionRefs<'a> {
    /// Its refs: branches, candidates, releases.
    fn tips(&self) -> impl Iterator<Item = &'a Ref> + '_ {
        self.branches
            .iter()
            .chain(&self.candidates)
            .chain(&self.releases)
            .copied()
    }
}

/// What the walk over versions set aside, for the findings.
#[derive(Debug, Default)]
struct Notes {
    unrelated: Vec<String>,
    on_main: Vec<String>,
    hotfix_builds: usize,
    before_start: Vec<String>,
    automation: usize,
    no_start: Vec<String>,
}

impl Notes {
    fn into_findings(mut self, f: &mut Findings, bumped_only: &[String]) {
        // Versions as people read them: 0.3 before 0.10.
        for list in [
            &mut self.on_main,
            &mut self.no_start,
            &mut self.before_start,
            &mut self.unrelated,
        ] {
            list.sort_by(|a, b| compare_labels(a, b));
        }
        if self.automation > 0 {
            f.notes.push(format!(
                "commits off the main line that are automation (the [automation] rules), not fixes: {}",
                self.automation
            ));
        }
        f.note_items(
            "versions without a commit off the main line (cut at their oldest ref's commit)",
            &self.on_main,
        );
        f.note_items(
            "versions with no date before their release (no commit off the main line, no \
             earlier candidate or bump), left out",
            &self.no_start,
        );
        f.note_items("versions found only by a version bump (open)", bumped_only);
        if self.hotfix_builds > 0 {
            f.notes.push(format!(
                "candidate tags after their version's release (its point releases' builds): {}",
                self.hotfix_builds
            ));
        }
        f.note_items(
            "versions with events dated before their start, left out",
            &self.before_start,
        );
        f.note_items(
            "versions whose refs never meet the main line, left out",
            &self.unrelated,
        );
    }
}

/// One version and its refs.
struct Version<'a> {
    label: &'a str,
    refs: &'a VersionRefs<'a>,
    /// The fork point (`None` for a version found only by a bump).
    fork: Option<(&'a str, &'a Commit)>,
}

impl Version<'_> {
    /// The version's events in time order, or `None` when it has nothing to start from.
    fn events(
        &self,
        convention: &Convention,
        graph: &Graph,
        notes: &mut Notes,
    ) -> Option<Vec<Event>> {
        let event = |at: Moment, kind: Kind, reference: Option<String>, value: Option<f64>| Event {
            at,
            version: self.label.to_string(),
            platform: convention.platform.clone(),
            kind,
            reference,
            value,
        };
        let refs = self.refs;
        let release = refs.releases.first().copied();
        let start = match convention.start {
            Start::BranchCut => {
                let (fork_id, fork) = self.fork?;
                let mut at = fork.at;
                if convention.cut == Cut::FirstCommit {
                    // The branch's first commit of its own: the one whose parent is the fork.
                    let firsts = refs.tips().filter_map(|r| {
                        let line = graph.walk(&r.commit, None);
                        let c = graph.commits.get(line.commits.last()?)?;
                        (c.parent.as_deref() == Some(fork_id)).then_some(c.at)
                    });
                    if let Some(first) = firsts.min_by_key(|m| m.at) {
                        at = first;
                    }
                }
                event(at, Kind::BranchCut, None, None)
            }
            Start::CycleStarted => {
                let candidate = refs
                    .candidates
                    .first()
                    .map(|r| (r.at, Some(r.name.clone())));
                let bump = refs.bump.map(|c| (c.at, Some("version_bump".to_string())));
                let (at, reference) = match (candidate, bump) {
                    (Some(c), Some(b)) => {
                        if b.0.at < c.0.at {
                            b
                        } else {
                            c
                        }
                    }
                    (Some(x), None) | (None, Some(x)) => x,
                    (None, None) => match release {
                        Some(r) => (r.at, Some(r.name.clone())),
                        None => (self.fork?.1.at, None),
                    },
                };
                event(at, Kind::CycleStarted, reference, None)
            }
        };
        let start_at = start.at.at;
        if release.is_some_and(|r| r.at.at <= start_at) {
            // Nothing tells when such a cycle began (every ref on the main line, the release
            // its only date): a zero-length cycle would only bias the figures.
            notes.no_start.push(self.label.to_string());
            return None;
        }

        // Every ref's line off the main line, back to the start at the most; and the release
        // whose line holds each commit: the release's, else the first point release's that
        // has it, else none (it landed after the last one).
        let lines: Vec<Line> = refs
            .tips()
            .map(|r| graph.walk(&r.commit, Some(start_at)))
            .collect();
        let off_main: BTreeSet<&str> = lines
            .iter()
            .flat_map(|l| l.commits.iter().map(String::as_str))
            .collect();
        if off_main.is_empty() && convention.start == Start::BranchCut {
            notes.on_main.push(self.label.to_string());
        }
        let first_release = refs.branches.len() + refs.candidates.len();
        let shipped_in: Vec<HashSet<&str>> = lines[first_release..]
            .iter()
            .map(|l| l.commits.iter().map(String::as_str).collect())
            .collect();
        let mut fixes: Vec<Vec<(Moment, &str)>> = vec![Vec::new(); refs.releases.len() + 1];
        for id in off_main.iter().copied() {
            let Some(c) = graph.commits.get(id) else {
                continue;
            };
            if convention.automation.matches(&c.author, &c.subject) {
                notes.automation += 1;
                continue;
            }
            let slot = shipped_in
                .iter()
                .position(|s| s.contains(id))
                .unwrap_or(refs.releases.len());
            fixes[slot].push((c.at, id));
        }
        for f in &mut fixes {
            f.sort_by(|a, b| (a.0.at, a.1).cmp(&(b.0.at, b.1)));
        }
        let fix = |(at, id): &(Moment, &str)| {
            let short: String = id.chars().take(SHORT_ID).collect();
            event(*at, Kind::FixLanded, Some(short), None)
        };

        // In the order of the module's docs; sorted by time below, ties keeping this order.
        let build = |c: &Ref| event(c.at, Kind::BuildFinished, Some(c.name.clone()), None);
        let (early_builds, late_builds): (Vec<&Ref>, Vec<&Ref>) = refs
            .candidates
            .iter()
            .partition(|c| release.is_none_or(|r| c.at.at <= r.at.at));
        let mut before: Vec<Event> = fixes[0].iter().map(fix).collect();
        before.extend(early_builds.into_iter().map(build));
        // Fixes first at one instant: a build holds the commits before it.
        before.sort_by_key(|e| (e.at.at, e.kind != Kind::FixLanded));
        let mut out = vec![start];
        out.extend(before);
        if let Some(r) = release {
            out.push(event(
                r.at,
                Kind::Rollout,
                Some(r.name.clone()),
                Some(100.0),
            ));
            let mut after: Vec<Event> = Vec::new();
            for (i, p) in refs.releases.iter().enumerate().skip(1) {
                after.extend(fixes[i].iter().map(fix));
                after.push(event(p.at, Kind::PointRelease, Some(p.name.clone()), None));
            }
            after.extend(fixes[refs.releases.len()].iter().map(fix));
            // A candidate tagged after the release is a point release's build: before the
            // first point release not dated before it.
            notes.hotfix_builds += late_builds.len();
            for c in late_builds {
                let at = after
                    .iter()
                    .position(|e| e.kind == Kind::PointRelease && e.at.at >= c.at.at)
                    .unwrap_or(after.len());
                after.insert(at, build(c));
            }
            out.extend(after);
        }
        // Tags dated before the start (a skewed clock, a tag moved by hand) are left out.
        let early = out[1..].iter().filter(|e| e.at.at < start_at).count();
        if early > 0 {
            notes.before_start.push(format!("{} ({early})", self.label));
            let first = out.remove(0);
            out.retain(|e| e.at.at >= start_at);
            out.insert(0, first);
        }
        // A stable sort: events at one instant keep the order above, the start first.
        out[1..].sort_by_key(|e| e.at.at);
        Some(out)
    }
}

/// The commits read and the main line, to walk lines on.
struct Graph<'a> {
    commits: &'a HashMap<String, Commit>,
    main_index: &'a HashMap<&'a str, usize>,
}

impl Graph<'_> {
    /// The first-parent line from `tip` to the main line, stopping before a commit dated
    /// before `since` when given: a line that wanders along another long-lived branch is cut
    /// at the version's start.
    fn walk(&self, tip: &str, since: Option<jiff::Timestamp>) -> Line {
        let mut line = Line::default();
        let mut at = tip;
        loop {
            if let Some(i) = self.main_index.get(at) {
                line.meets = Some(*i);
                return line;
            }
            let Some(c) = self.commits.get(at) else {
                return line;
            };
            if since.is_some_and(|s| c.at.at < s) {
                return line;
            }
            line.commits.push(at.to_string());
            match &c.parent {
                Some(p) => at = p,
                None => return line,
            }
        }
    }
}
