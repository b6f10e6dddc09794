//! Real histories from real git repositories (issue 18): each test builds a repository in a
//! temporary directory (no network, fixed dates and identities, no user config), turns its
//! branches and tags into an event log the way a team would by hand — a small helper that
//! reads `git` output —, replays the log with the real CLI (`--policy recorded`) and checks
//! every recorded cycle time to the second against git's own clock (`%ct`, seconds since the
//! epoch), plus the hand-computed durations as literals.
//!
//! How the team's git shows its releases (the rule the helper reads):
//! - a release starts at its release branch's first commit (`release/X.Y`, the branch cut),
//!   or, without release branches, at its first release-candidate tag on `main`
//!   (`cycle_started`, `ref` = that tag);
//! - the last release-candidate tag (`vX.Y.0-rc…`) is the final RC (`final_rc`);
//! - the release tag `vX.Y.0` is when the build was submitted and its 1% rollout started
//!   (`submitted` and `rollout 1` at the tagged commit's time);
//! - when the staged rollout reaches 100% the team tags the release commit again, with an
//!   annotated tag `vX.Y.0-100pct`: its tagger date is the 100% (`rollout 100`);
//! - after that, commits on the release branch are hotfix fixes (`fix_landed`) and tags
//!   `vX.Y.Z` (Z ≥ 1) are point releases (`point_release`, ref `X.Y.Z`, at the tag's date).
//!
//! The log names each version by its label (`1.2`), and the replay keeps it in every table's
//! `version_label`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::dataset::{f64s, i64s, opt_strs, read, strs};
use crate::util::conductor;

// ---------------------------------------------------------------------------------------
// Building a repository.

/// A git repository in a temporary directory, every command run with a fixed environment.
struct Repo {
    dir: PathBuf,
    home: PathBuf,
}

impl Repo {
    fn init(tmp: &Path) -> Repo {
        let home = tmp.join("home");
        let dir = tmp.join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Repo { dir, home };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// Runs git with `date` as author, committer and tagger date; returns its stdout.
    fn git_at(&self, date: &str, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Release Squad")
            .env("GIT_AUTHOR_EMAIL", "squad@example.com")
            .env("GIT_COMMITTER_NAME", "Release Squad")
            .env("GIT_COMMITTER_EMAIL", "squad@example.com")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a git command that creates nothing (the date is never used).
    fn git(&self, args: &[&str]) -> String {
        self.git_at("2000-01-01T00:00:00+00:00", args)
    }

    /// A commit on the current branch at `date` (a line added to CHANGES).
    fn commit(&self, date: &str, message: &str) {
        let changes = self.dir.join("CHANGES");
        let mut text = std::fs::read_to_string(&changes).unwrap_or_default();
        text.push_str(message);
        text.push('\n');
        std::fs::write(&changes, text).unwrap();
        self.git(&["add", "CHANGES"]);
        self.git_at(date, &["commit", "-q", "-m", message]);
    }

    /// Creates `branch` at the current commit and switches to it.
    fn branch(&self, branch: &str) {
        self.git(&["switch", "-q", "-c", branch]);
    }

    fn switch(&self, branch: &str) {
        self.git(&["switch", "-q", branch]);
    }

    /// A lightweight tag on the current commit (git dates it by the commit).
    fn tag(&self, name: &str) {
        self.git(&["tag", name]);
    }

    /// An annotated tag on `target`, dated `date` (its tagger date).
    fn tag_annotated(&self, name: &str, target: &str, date: &str) {
        self.git_at(date, &["tag", "-a", name, "-m", name, target]);
    }
}

// ---------------------------------------------------------------------------------------
// Reading the history back: git output → releases → events → CSV.

/// A moment as git prints it (`%ci`, `2026-01-09 10:00:00 +0100`: it goes into the log
/// as is) and as git counts it (`%ct`, seconds since the epoch: what the tests compare to).
#[derive(Clone, Debug)]
struct Moment {
    iso: String,
    unix: i64,
}

/// Parses `ISO|UNIX`, as the `--format` strings below print a date.
fn moment(line: &str) -> Moment {
    let (iso, unix) = line.trim().split_once('|').unwrap();
    Moment {
        iso: iso.to_string(),
        unix: unix.parse().unwrap(),
    }
}

/// One release as the repository shows it (see the module's comment for the rule).
#[derive(Debug)]
struct Release {
    /// `X.Y`.
    label: String,
    start: Moment,
    /// `None`: a branch cut; `Some(tag)`: started without a branch, at that tag.
    started_by: Option<String>,
    final_rc: Option<Moment>,
    released: Option<Moment>,
    at_100: Option<Moment>,
    /// Point releases `vX.Y.Z` (Z ≥ 1): label `X.Y.Z` and when tagged.
    points: Vec<(String, Moment)>,
    /// Commits on the release branch dated after the 100%: the hotfixes' fixes.
    fixes_after: Vec<Moment>,
}

/// Every tag with its date: a lightweight tag's is its commit's committer date, an
/// annotated tag's its tagger date (`creatordate` is either).
fn tags(repo: &Repo) -> BTreeMap<String, Moment> {
    repo.git(&[
        "for-each-ref",
        "--format=%(refname:short) %(creatordate:iso)|%(creatordate:unix)",
        "refs/tags",
    ])
    .lines()
    .map(|l| {
        let (name, rest) = l.split_once(' ').unwrap();
        (name.to_string(), moment(rest))
    })
    .collect()
}

/// `vX.Y.0-rc…` tags of release `label`, earliest first.
fn rc_tags<'a>(tags: &'a BTreeMap<String, Moment>, label: &str) -> Vec<(&'a str, &'a Moment)> {
    let prefix = format!("v{label}.0-rc");
    let mut rcs: Vec<_> = tags
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .map(|(name, m)| (name.as_str(), m))
        .collect();
    rcs.sort_by_key(|(_, m)| m.unix);
    rcs
}

/// The release `label` started at `start`: its later steps from its tags.
fn release(
    tags: &BTreeMap<String, Moment>,
    label: &str,
    start: Moment,
    started_by: Option<String>,
) -> Release {
    let prefix = format!("v{label}.");
    let mut points: Vec<(String, Moment)> = tags
        .iter()
        .filter_map(|(name, m)| {
            let patch = name.strip_prefix(&prefix)?;
            let n: u32 = patch.parse().ok()?;
            (n > 0).then(|| (name[1..].to_string(), m.clone()))
        })
        .collect();
    points.sort_by_key(|(_, m)| m.unix);
    Release {
        label: label.to_string(),
        start,
        started_by,
        final_rc: rc_tags(tags, label).last().map(|(_, m)| (*m).clone()),
        released: tags.get(&format!("v{label}.0")).cloned(),
        at_100: tags.get(&format!("v{label}.0-100pct")).cloned(),
        points,
        fixes_after: Vec::new(),
    }
}

/// Commits of `branch` after the release commit `vX.Y.0` dated after the 100%.
fn fixes_after(repo: &Repo, branch: &str, r: &Release) -> Vec<Moment> {
    let Some(full) = &r.at_100 else {
        return Vec::new();
    };
    let range = format!("v{}.0..{branch}", r.label);
    repo.git(&["log", "--reverse", "--format=%ci|%ct", &range])
        .lines()
        .map(moment)
        .filter(|m| m.unix > full.unix)
        .collect()
}

/// Releases with branches: each `release/X.Y` starts at its first commit not on `main`
/// (`git log --reverse --format=%ci|%ct main..release/X.Y`).
fn releases_from_branches(repo: &Repo) -> Vec<Release> {
    let tags = tags(repo);
    repo.git(&[
        "for-each-ref",
        "--format=%(refname:short)",
        "refs/heads/release/",
    ])
    .lines()
    .map(|branch| {
        let label = branch.strip_prefix("release/").unwrap();
        let range = format!("main..{branch}");
        let log = repo.git(&["log", "--reverse", "--format=%ci|%ct", &range]);
        let cut = moment(log.lines().next().expect("a commit on the branch"));
        let mut r = release(&tags, label, cut, None);
        r.fixes_after = fixes_after(repo, branch, &r);
        r
    })
    .collect()
}

/// Releases with tags on `main` only: each starts at its first release-candidate tag.
fn releases_from_tags_on_main(repo: &Repo) -> Vec<Release> {
    let tags = tags(repo);
    let labels: std::collections::BTreeSet<&str> = tags
        .keys()
        .filter_map(|name| name.strip_prefix('v')?.split_once(".0-rc"))
        .map(|(label, _)| label)
        .collect();
    labels
        .into_iter()
        .map(|label| {
            let (first, at) = rc_tags(&tags, label)[0];
            release(&tags, label, at.clone(), Some(first.to_string()))
        })
        .collect()
}

/// One event-log row: `ts, kind, ref, value` (the version and platform are the release's).
type Event<'a> = (&'a Moment, &'static str, String, &'static str);

/// A release's events, in the order they happened: its cycle, then after the 100% its
/// hotfixes' fixes (`fix_landed`) and point releases (`point_release`, ref = `X.Y.Z`).
fn events(r: &Release) -> Vec<Event<'_>> {
    let mut out: Vec<Event> = vec![match &r.started_by {
        None => (&r.start, "branch_cut", String::new(), ""),
        Some(tag) => (&r.start, "cycle_started", tag.clone(), ""),
    }];
    if let Some(m) = &r.final_rc {
        out.push((m, "final_rc", "manual".into(), ""));
    }
    if let Some(m) = &r.released {
        out.push((m, "submitted", "manual".into(), ""));
        out.push((m, "rollout", "manual".into(), "1"));
    }
    if let Some(m) = &r.at_100 {
        out.push((m, "rollout", "manual".into(), "100"));
    }
    let mut after: Vec<Event> = r
        .fixes_after
        .iter()
        .map(|m| (m, "fix_landed", String::new(), ""))
        .chain(
            r.points
                .iter()
                .map(|(label, m)| (m, "point_release", label.clone(), "")),
        )
        .collect();
    after.sort_by_key(|(m, ..)| m.unix);
    out.extend(after);
    out
}

/// The event log (CSV) of `releases` on `platform`, timestamps as git printed them.
fn csv(releases: &[Release], platform: &str) -> String {
    let mut text = String::from("ts,version,platform,kind,ref,value\n");
    for r in releases {
        let version = &r.label;
        for (at, kind, reference, value) in events(r) {
            text.push_str(&format!(
                "{},{version},{platform},{kind},{reference},{value}\n",
                at.iso
            ));
        }
    }
    text
}

// ---------------------------------------------------------------------------------------
// Replaying and checking.

/// One row of the replay's `cycles` table.
#[derive(Debug)]
struct Cycle {
    outcome: String,
    cycle_hours: Option<f64>,
    branched_at_ms: i64,
    ended_at_ms: i64,
    hotfixes: Option<i64>,
    point_releases: Option<String>,
    hotfix_fixes: Option<i64>,
    first_hotfix_hours: Option<f64>,
    hotfix_open: Option<bool>,
}

/// Writes `log` to a file, replays it as recorded, and returns the cycles by version label.
fn replay(tmp: &Path, log: &str) -> BTreeMap<String, Cycle> {
    let path = tmp.join("events.csv");
    std::fs::write(&path, log).unwrap();
    let out = tmp.join("run");
    conductor()
        .arg("replay")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .args(["--policy", "recorded"])
        .assert()
        .success();
    let df = read(
        &out,
        "cycles",
        &[
            "version",
            "version_label",
            "platform",
            "outcome",
            "cycle_hours",
            "branched_at",
            "ended_at",
            "hotfixes",
            "point_releases",
            "hotfix_fixes",
            "first_hotfix_hours",
            "hotfix_open",
        ],
    );
    assert!(strs(&df, "platform").iter().all(|p| p == "android"));
    let (versions, labels, outcome) = (
        i64s(&df, "version"),
        strs(&df, "version_label"),
        strs(&df, "outcome"),
    );
    // Versions are numbered 1, 2, … in the order of their cuts.
    let mut by_number: Vec<(i64, &str)> = versions
        .iter()
        .zip(&labels)
        .map(|(v, l)| (v.unwrap(), l.as_str()))
        .collect();
    by_number.sort();
    let numbers: Vec<i64> = by_number.iter().map(|(v, _)| *v).collect();
    assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>());
    let (hours, branched, ended) = (
        f64s(&df, "cycle_hours"),
        i64s(&df, "branched_at"),
        i64s(&df, "ended_at"),
    );
    (0..df.height())
        .map(|i| {
            let cycle = Cycle {
                outcome: outcome[i].clone(),
                cycle_hours: hours[i],
                branched_at_ms: branched[i].unwrap(),
                ended_at_ms: ended[i].unwrap(),
                hotfixes: i64s(&df, "hotfixes")[i],
                point_releases: opt_strs(&df, "point_releases")[i].clone(),
                hotfix_fixes: i64s(&df, "hotfix_fixes")[i],
                first_hotfix_hours: f64s(&df, "first_hotfix_hours")[i],
                hotfix_open: df.column("hotfix_open").unwrap().bool().unwrap().get(i),
            };
            (labels[i].clone(), cycle)
        })
        .collect()
}

/// A shipped release's cycle as git dates it: branch cut (or start) → 100%, to the second,
/// in the replay. Returns its seconds.
fn assert_shipped_to_the_second(r: &Release, cycles: &BTreeMap<String, Cycle>) -> i64 {
    let c = &cycles[&r.label];
    let full = r.at_100.as_ref().expect("a 100% tag");
    let seconds = full.unix - r.start.unix;
    assert_eq!(c.outcome, "shipped", "{}: {c:?}", r.label);
    assert_eq!(c.branched_at_ms, r.start.unix * 1000, "{}: start", r.label);
    assert_eq!(c.ended_at_ms, full.unix * 1000, "{}: 100%", r.label);
    let hours = c.cycle_hours.expect("a shipped cycle has hours");
    // Bit for bit the hours of exactly that many seconds; one second off changes the float.
    assert_eq!(hours, seconds as f64 / 3600.0, "{}", r.label);
    assert_eq!((hours * 3600.0).round() as i64, seconds, "{}", r.label);
    seconds
}

// ---------------------------------------------------------------------------------------
// The tests.

/// Checks: a two-week train (cuts every 14 days) with RC tags and point releases on its
/// release branches replays with each shipped cycle exactly (100% tag − branch's first
/// commit) in seconds, its point releases counted as hotfixes (time to the first exact),
/// across a daylight-saving change (+0100 → +0200) and a commit dated in another offset
/// (-0500); the release with only an RC tag is `open`, ended at the log's last event.
/// It fails if git's `%ci` timestamps were misread (offset or seconds), if the cut were
/// taken from the wrong commit, or if a release still in progress were not left open.
#[test]
fn a_two_week_train_with_rc_tags_replays_its_cycle_times_to_the_second() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path());
    repo.commit("2026-03-02T09:12:05+01:00", "Initial commit");
    repo.commit("2026-03-04T14:30:00+01:00", "Feature A");
    // 1.0: cut on Thursday 5 March.
    repo.branch("release/1.0");
    repo.commit("2026-03-05T10:00:17+01:00", "Release 1.0: bump version");
    repo.switch("main");
    repo.commit("2026-03-07T11:00:00+01:00", "Feature B");
    repo.switch("release/1.0");
    // Fixed by a colleague in New York: git keeps the committer's offset.
    repo.commit("2026-03-07T10:45:09-05:00", "Fix crash on start");
    repo.tag("v1.0.0-rc1");
    repo.commit("2026-03-10T10:20:00+01:00", "Fix login");
    repo.tag("v1.0.0");
    repo.tag_annotated("v1.0.0-100pct", "v1.0.0", "2026-03-12T09:05:51+01:00");
    // Two point releases after 100%: 1.0.1 with one fix, 1.0.2 tagged the next morning.
    repo.commit("2026-03-13T11:00:00+01:00", "Fix crash in checkout");
    repo.tag("v1.0.1");
    repo.commit("2026-03-17T16:40:12+01:00", "Fix payment rounding");
    repo.tag_annotated("v1.0.2", "HEAD", "2026-03-18T10:00:00+01:00");
    repo.switch("main");
    repo.commit("2026-03-10T15:00:00+01:00", "Feature C");
    repo.commit("2026-03-16T09:30:00+01:00", "Feature D");
    // 1.1: cut 14 days later; two RCs; 100% after the switch to summer time (29 March).
    repo.branch("release/1.1");
    repo.commit("2026-03-19T10:03:40+01:00", "Release 1.1: bump version");
    repo.commit("2026-03-21T12:00:00+01:00", "Fix sync");
    repo.tag("v1.1.0-rc1");
    repo.commit("2026-03-24T18:22:13+01:00", "Fix sync again");
    repo.tag("v1.1.0-rc2");
    repo.commit("2026-03-26T10:00:00+01:00", "Release notes");
    repo.tag("v1.1.0");
    repo.tag_annotated("v1.1.0-100pct", "v1.1.0", "2026-03-30T08:30:00+02:00");
    // A fix after 100% that no point release has shipped yet: a hotfix still open.
    repo.commit("2026-03-31T09:00:00+02:00", "Fix widget");
    repo.switch("main");
    repo.commit("2026-03-25T11:00:00+01:00", "Feature E");
    repo.commit("2026-03-31T11:00:00+02:00", "Feature F");
    // 1.2: cut 14 days later, one RC so far: still in progress.
    repo.branch("release/1.2");
    repo.commit("2026-04-02T10:01:02+02:00", "Release 1.2: bump version");
    repo.commit("2026-04-06T15:15:15+02:00", "Fix layout");
    repo.tag("v1.2.0-rc1");
    repo.switch("main");
    repo.commit("2026-04-03T09:00:00+02:00", "Feature G");

    let releases = releases_from_branches(&repo);
    let labels: Vec<&str> = releases.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["1.0", "1.1", "1.2"]);
    let log = csv(&releases, "android");
    // The timestamps are git's own `%ci` text, offsets as committed.
    assert!(
        log.contains("2026-03-05 10:00:17 +0100,1.0,android,branch_cut,,\n"),
        "{log}"
    );
    assert!(
        log.contains("2026-03-07 10:45:09 -0500,1.0,android,final_rc,manual,\n"),
        "{log}"
    );
    assert!(
        log.contains("2026-03-24 18:22:13 +0100,1.1,android,final_rc,"),
        "the last RC is the final one: {log}"
    );
    assert!(!log.contains("1.2,android,rollout"), "{log}");
    let cycles = replay(tmp.path(), &log);
    assert_eq!(cycles.len(), 3);

    let seconds: Vec<i64> = releases[..2]
        .iter()
        .map(|r| assert_shipped_to_the_second(r, &cycles))
        .collect();
    // By hand: 5 Mar 10:00:17 → 12 Mar 09:05:51 (+0100) is 6 d 23 h 05 min 34 s;
    // 19 Mar 09:03:40Z → 30 Mar 06:30:00Z is 10 d 21 h 26 min 20 s.
    assert_eq!(
        seconds,
        [
            6 * 86_400 + 23 * 3_600 + 5 * 60 + 34,
            10 * 86_400 + 21 * 3_600 + 26 * 60 + 20
        ]
    );
    // Hotfixes are counted: 1.0 shipped two point releases, its first 25 h 54 min 09 s after
    // the 100% (12 Mar 09:05:51 → 13 Mar 11:00:00); 1.1 none yet, one fix waiting.
    let one = &cycles["1.0"];
    assert_eq!(
        (
            one.hotfixes,
            one.point_releases.as_deref(),
            one.hotfix_fixes
        ),
        (Some(2), Some("1.0.1 1.0.2"), Some(2)),
        "{one:?}"
    );
    let first = releases[0].points[0].1.unix - releases[0].at_100.as_ref().unwrap().unix;
    assert_eq!(first, 25 * 3_600 + 54 * 60 + 9);
    assert_eq!(one.first_hotfix_hours, Some(first as f64 / 3600.0));
    assert_eq!(one.hotfix_open, Some(false));
    let one_one = &cycles["1.1"];
    assert_eq!(
        (one_one.hotfixes, one_one.hotfix_fixes, one_one.hotfix_open),
        (Some(0), Some(1), Some(true)),
        "{one_one:?}"
    );
    assert_eq!(one_one.first_hotfix_hours, None);
    let open = &cycles["1.2"];
    assert_eq!(open.outcome, "open", "{open:?}");
    assert_eq!(open.cycle_hours, None);
    // An open release has no hotfixes to count: not modelled, not zero.
    assert_eq!(open.hotfixes, None);
    assert_eq!(open.branched_at_ms, releases[2].start.unix * 1000);
    // An open track ends at the record's end: its last event, 1.2's RC.
    let rc = releases[2].final_rc.as_ref().unwrap();
    assert_eq!(open.ended_at_ms, rc.unix * 1000);
}

/// Checks: a four-week train whose next release is cut before the previous one reaches
/// 100% (two release branches live at once) replays `recorded` with every release shipped
/// — no overlap rule cancels one — and each cycle exact to the second. It fails if the
/// overlap cancelled a release, or if a track's times leaked into the next one's.
#[test]
fn a_four_week_train_with_overlapping_branches_ships_both_to_the_second() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path());
    repo.commit("2026-01-02T09:00:00+01:00", "Initial commit");
    // (label, cut, rc, release, 100%, main's commits after the cut), cuts 28 days apart.
    let train = [
        (
            "3.0",
            "2026-01-05T10:00:07+01:00",
            "2026-01-20T11:11:11+01:00",
            "2026-01-30T16:00:00+01:00",
            "2026-02-04T10:30:45+01:00",
            ["2026-01-12T10:00:00+01:00", "2026-01-26T10:00:00+01:00"],
        ),
        (
            "3.1",
            "2026-02-02T09:58:30+01:00",
            "2026-02-17T14:00:00+01:00",
            "2026-02-27T15:30:00+01:00",
            "2026-03-04T12:00:01+01:00",
            ["2026-02-09T10:00:00+01:00", "2026-02-23T10:00:00+01:00"],
        ),
        (
            "3.2",
            "2026-03-02T10:00:00+01:00",
            "2026-03-17T09:45:00+01:00",
            "2026-03-27T11:00:00+01:00",
            "2026-04-01T09:00:00+02:00",
            ["2026-03-09T10:00:00+01:00", "2026-03-23T10:00:00+01:00"],
        ),
    ];
    for (label, cut, rc, release, full, on_main) in train {
        let branch = format!("release/{label}");
        repo.branch(&branch);
        repo.commit(cut, &format!("Release {label}: bump version"));
        repo.commit(rc, "Fix");
        repo.tag(&format!("v{label}.0-rc1"));
        repo.commit(release, "Fix");
        repo.tag(&format!("v{label}.0"));
        repo.tag_annotated(&format!("v{label}.0-100pct"), &branch, full);
        repo.switch("main");
        for date in on_main {
            repo.commit(date, "Feature");
        }
    }
    let releases = releases_from_branches(&repo);
    assert_eq!(releases.len(), 3);
    let cycles = replay(tmp.path(), &csv(&releases, "android"));
    let seconds: Vec<i64> = releases
        .iter()
        .map(|r| assert_shipped_to_the_second(r, &cycles))
        .collect();
    // By hand: 30 d 30 min 38 s; 30 d 2 h 01 min 31 s (February has 28 days);
    // 2 Mar 09:00Z → 1 Apr 07:00Z is 30 d − 2 h.
    assert_eq!(
        seconds,
        [
            30 * 86_400 + 30 * 60 + 38,
            30 * 86_400 + 2 * 3_600 + 60 + 31,
            30 * 86_400 - 2 * 3_600
        ]
    );
    // Two branches live at once: each next cut came before the previous 100%.
    let c: Vec<&Cycle> = cycles.values().collect();
    for w in c.windows(2) {
        assert!(w[1].branched_at_ms < w[0].ended_at_ms, "{w:?}");
    }
}

/// Checks: a trunk-based flow, no release branches, only tags on `main`: each cycle starts
/// at its first RC tag (`cycle_started`, ref = the tag), its final RC is its last RC tag
/// (the same tag when there is one), and it ends at the 100% tag; cycle times to the
/// second, one of the 100% tags dated in -0700. It fails if `cycle_started` did not start
/// the clock at the tag, or if a single-RC release (start and final RC at one instant)
/// were refused or timed differently.
#[test]
fn a_trunk_based_flow_with_tags_on_main_replays_from_the_first_rc_to_the_second() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path());
    repo.commit("2026-05-01T09:00:00+02:00", "Initial commit");
    repo.commit("2026-05-04T10:00:00+02:00", "Feature A");
    repo.tag("v2.0.0-rc.1");
    repo.commit("2026-05-06T16:20:30+02:00", "Fix A");
    repo.tag("v2.0.0-rc.2");
    repo.commit("2026-05-08T10:00:00+02:00", "Version 2.0.0");
    repo.tag("v2.0.0");
    repo.commit("2026-05-09T12:00:00+02:00", "Feature B");
    repo.tag_annotated("v2.0.0-100pct", "v2.0.0", "2026-05-11T09:15:00+02:00");
    repo.commit("2026-05-11T11:00:00+02:00", "Feature C");
    repo.tag("v2.1.0-rc.1");
    repo.commit("2026-05-14T17:45:12+02:00", "Version 2.1.0");
    repo.tag("v2.1.0");
    repo.tag_annotated("v2.1.0-100pct", "v2.1.0", "2026-05-18T10:00:00+02:00");
    repo.commit("2026-05-18T10:30:00+02:00", "Feature D");
    repo.tag("v2.2.0-rc.1");
    repo.commit("2026-05-20T13:00:00+02:00", "Fix D");
    repo.tag("v2.2.0-rc.2");
    repo.commit("2026-05-22T10:00:00+02:00", "Version 2.2.0");
    repo.tag("v2.2.0");
    // Tagged by a colleague in California.
    repo.tag_annotated("v2.2.0-100pct", "v2.2.0", "2026-05-26T08:00:00-07:00");
    // Only `main` exists: nothing to cut.
    assert_eq!(
        repo.git(&["for-each-ref", "--format=%(refname:short)", "refs/heads"]),
        "main\n"
    );
    assert!(releases_from_branches(&repo).is_empty());

    let releases = releases_from_tags_on_main(&repo);
    let log = csv(&releases, "android");
    assert!(
        log.contains("2026-05-04 10:00:00 +0200,2.0,android,cycle_started,v2.0.0-rc.1,\n"),
        "{log}"
    );
    assert!(!log.contains("branch_cut"), "{log}");
    let cycles = replay(tmp.path(), &log);
    assert_eq!(cycles.len(), 3);
    let seconds: Vec<i64> = releases
        .iter()
        .map(|r| assert_shipped_to_the_second(r, &cycles))
        .collect();
    // By hand: 7 d − 45 min; 7 d − 1 h; 18 May 08:30Z → 26 May 15:00Z is 8 d 6 h 30 min.
    assert_eq!(
        seconds,
        [
            7 * 86_400 - 45 * 60,
            7 * 86_400 - 3_600,
            8 * 86_400 + 6 * 3_600 + 30 * 60
        ]
    );
}
