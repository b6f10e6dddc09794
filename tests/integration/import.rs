//! `conductor import` (issue 19): real git repositories built in the test (no network, fixed
//! dates and identities, no user or system config), imported by each preset and by a mapping
//! file, merged with a dashboard's export; a shallow clone, a repository without matching refs,
//! a bad mapping and a missing git binary are refused (exit 2, a message naming what and why,
//! nothing written). The rows are checked whole: every inference of docs/import.md shows up.

use std::path::{Path, PathBuf};
use std::process::Command;

use predicates::prelude::*;

use crate::dataset::{f64s, i64s, opt_strs, read, strs};
use crate::util::conductor;

// ---------------------------------------------------------------------------------------
// Building repositories (as tests/integration/git_histories.rs does).

/// A git repository in a directory, every command run with a fixed environment.
struct Repo {
    dir: PathBuf,
    home: PathBuf,
    /// Commits made: each adds a file of its own, so branches merge without conflicts.
    commits: std::cell::Cell<u32>,
}

const SQUAD: (&str, &str) = ("Release Squad", "squad@example.com");
const BOT: (&str, &str) = ("Release Bot", "bot@example.com");

impl Repo {
    fn init(tmp: &Path, name: &str) -> Repo {
        let home = tmp.join("home");
        let dir = tmp.join(name);
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Repo {
            dir,
            home,
            commits: std::cell::Cell::new(0),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// Runs git in `dir` as `who`, with `date` as author, committer and tagger date.
    fn git_in(&self, dir: &Path, date: &str, who: (&str, &str), args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", who.0)
            .env("GIT_AUTHOR_EMAIL", who.1)
            .env("GIT_COMMITTER_NAME", who.0)
            .env("GIT_COMMITTER_EMAIL", who.1)
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

    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.dir, "2000-01-01T00:00:00+00:00", SQUAD, args)
    }

    /// A commit on the current branch at `date` by `who`; returns its id's first 12 digits.
    fn commit_by(&self, date: &str, who: (&str, &str), message: &str) -> String {
        let n = self.commits.get() + 1;
        self.commits.set(n);
        let file = format!("change-{n}");
        std::fs::write(self.dir.join(&file), format!("{message}\n")).unwrap();
        self.git(&["add", &file]);
        self.git_in(&self.dir, date, who, &["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim()[..12].to_string()
    }

    fn commit(&self, date: &str, message: &str) -> String {
        self.commit_by(date, SQUAD, message)
    }

    fn branch(&self, branch: &str) {
        self.git(&["switch", "-q", "-c", branch]);
    }

    fn switch(&self, branch: &str) {
        self.git(&["switch", "-q", branch]);
    }

    /// A lightweight tag on the current commit (dated by the commit).
    fn tag(&self, name: &str) {
        self.git(&["tag", name]);
    }

    /// An annotated tag on the current commit, dated `date` (its tagger date).
    fn tag_annotated(&self, name: &str, date: &str) {
        self.git_in(&self.dir, date, SQUAD, &["tag", "-a", name, "-m", name]);
    }

    /// Merges `branch` into the current branch with a merge commit at `date`.
    fn merge(&self, date: &str, branch: &str) {
        let message = format!("Merge {branch}");
        self.git_in(
            &self.dir,
            date,
            SQUAD,
            &["merge", "-q", "--no-ff", "-m", &message, branch],
        );
    }

    /// `git clone ARGS… SOURCE DEST` next to this repository; returns DEST.
    fn clone_to(&self, args: &[&str], dest: &str) -> PathBuf {
        let parent = self.dir.parent().unwrap();
        let mut all: Vec<&str> = vec!["clone", "-q"];
        all.extend(args);
        let source = format!("file://{}", self.dir.display());
        all.push(&source);
        all.push(dest);
        self.git_in(parent, "2000-01-01T00:00:00+00:00", SQUAD, &all);
        parent.join(dest)
    }
}

/// Every file under `dir` with its size and modification time: what a read-only import must
/// leave as it was.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), meta.len(), meta.modified().unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// `conductor import ARGS…` in `dir`; must succeed. Returns (stdout, stderr).
fn import(dir: &Path, args: &[&str]) -> (String, String) {
    let out = conductor()
        .current_dir(dir)
        .arg("import")
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(out.status.success(), "conductor import {args:?}:\n{stderr}");
    (stdout, stderr)
}

/// `conductor import ARGS…` in `dir`; must fail with exit 2. Returns stderr.
fn import_fails(dir: &Path, args: &[&str]) -> String {
    let out = conductor()
        .current_dir(dir)
        .arg("import")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "conductor import {args:?}");
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

/// One track-cycle of a replay as recorded: its version label, outcome, cycle time in
/// seconds (rounded from the hours), and its hotfixes: how many, their labels, their fixes.
#[derive(Debug, PartialEq)]
struct Cycle {
    label: String,
    outcome: String,
    seconds: Option<i64>,
    hotfixes: Option<i64>,
    point_releases: Option<String>,
    hotfix_fixes: Option<i64>,
}

/// Replays the log `text` as recorded (in `tmp`); returns its track-cycles in the table's
/// order.
fn replay(tmp: &Path, text: &str) -> Vec<Cycle> {
    let log = tmp.join("replayed.csv");
    let dir = tmp.join("replayed");
    std::fs::write(&log, text).unwrap();
    conductor()
        .arg("replay")
        .arg(&log)
        .arg("--out")
        .arg(&dir)
        .args(["--policy", "recorded", "--force"])
        .assert()
        .success();
    let columns = [
        "version_label",
        "outcome",
        "cycle_hours",
        "hotfixes",
        "point_releases",
        "hotfix_fixes",
    ];
    let df = read(&dir, "cycles", &columns);
    let (labels, outcomes, hours) = (
        strs(&df, "version_label"),
        strs(&df, "outcome"),
        f64s(&df, "cycle_hours"),
    );
    let (hotfixes, points, fixes) = (
        i64s(&df, "hotfixes"),
        opt_strs(&df, "point_releases"),
        i64s(&df, "hotfix_fixes"),
    );
    (0..df.height())
        .map(|i| Cycle {
            label: labels[i].clone(),
            outcome: outcomes[i].clone(),
            seconds: hours[i].map(|h| (h * 3600.0).round() as i64),
            hotfixes: hotfixes[i],
            point_releases: points[i].clone(),
            hotfix_fixes: fixes[i],
        })
        .collect()
}

/// A shipped cycle of `seconds` with `hotfixes` point releases (`labels`) and `fixes`.
fn shipped(label: &str, seconds: i64, hotfixes: i64, labels: Option<&str>, fixes: i64) -> Cycle {
    Cycle {
        label: label.into(),
        outcome: "shipped".into(),
        seconds: Some(seconds),
        hotfixes: Some(hotfixes),
        point_releases: labels.map(String::from),
        hotfix_fixes: Some(fixes),
    }
}

/// A cycle still open when the history ends.
fn open(label: &str) -> Cycle {
    Cycle {
        label: label.into(),
        outcome: "open".into(),
        seconds: None,
        hotfixes: None,
        point_releases: None,
        hotfix_fixes: None,
    }
}

/// The log's header and rows, one per line.
fn log(rows: &[String]) -> String {
    let mut text = String::from("ts,version,platform,kind,ref,value\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}

// ---------------------------------------------------------------------------------------
// The repositories.

/// WooCommerce Android's convention: `release/X.Y` cut from `main`, `X.Y-rc-N` tags, release
/// `X.Y` (an annotated tag made the day after its commit), a point release `X.Y.Z` on the
/// branch, the branch merged back into `main` and deleted; the next release branch still
/// open. Returns the repository and the ids of its fixes.
fn release_branches(tmp: &Path) -> (Repo, [String; 4]) {
    let repo = Repo::init(tmp, "woo");
    repo.commit("2026-03-02T09:00:00+01:00", "Initial commit");
    repo.commit("2026-03-04T14:30:00+01:00", "Feature A");
    repo.branch("release/1.0");
    repo.commit_by("2026-03-05T10:00:00+01:00", BOT, "Bump version number");
    repo.tag("1.0-rc-1");
    let f1 = repo.commit("2026-03-06T11:00:00+01:00", "Fix crash on start");
    repo.tag("1.0-rc-2");
    // By a colleague in New York: git keeps the committer's offset.
    let f2 = repo.commit("2026-03-09T10:00:00-05:00", "Fix login");
    repo.tag_annotated("1.0", "2026-03-10T12:00:00+01:00");
    repo.commit_by("2026-03-10T12:00:05+01:00", BOT, "Update translations");
    let f3 = repo.commit("2026-03-11T09:30:00+01:00", "Fix sync after the release");
    repo.tag("1.0.1");
    repo.tag("wear-1.0.1");
    repo.switch("main");
    repo.commit("2026-03-06T15:00:00+01:00", "Feature B");
    repo.merge("2026-03-12T10:00:00+01:00", "release/1.0");
    repo.git(&["branch", "-q", "-D", "release/1.0"]);
    repo.commit("2026-03-16T09:30:00+01:00", "Feature C");
    repo.branch("release/1.1");
    repo.commit_by("2026-03-19T10:03:40+01:00", BOT, "Bump version number");
    repo.tag("1.1-rc-1");
    let f4 = repo.commit("2026-03-20T12:00:00+01:00", "Fix layout");
    repo.switch("main");
    repo.commit("2026-03-20T09:00:00+01:00", "Feature D");
    (repo, [f1, f2, f3, f4])
}

/// What the `release-branches` preset reads from [`release_branches`].
fn release_branches_log(f: &[String; 4], platform: &str) -> String {
    let p = platform;
    log(&[
        // The fork point: the main-line commit the branch starts from.
        format!("2026-03-04T14:30:00+01:00,1.0,{p},branch_cut,,"),
        format!("2026-03-05T10:00:00+01:00,1.0,{p},build_finished,1.0-rc-1,"),
        // The fix is in the build tagged on it: the fix first.
        format!("2026-03-06T11:00:00+01:00,1.0,{p},fix_landed,{},", f[0]),
        format!("2026-03-06T11:00:00+01:00,1.0,{p},build_finished,1.0-rc-2,"),
        format!("2026-03-09T10:00:00-05:00,1.0,{p},fix_landed,{},", f[1]),
        // The annotated tag's own date, not its commit's.
        format!("2026-03-10T12:00:00+01:00,1.0,{p},rollout,1.0,100"),
        // The bot's translations are no fix; the point release's fix comes before it.
        format!("2026-03-11T09:30:00+01:00,1.0,{p},fix_landed,{},", f[2]),
        format!("2026-03-11T09:30:00+01:00,1.0,{p},point_release,1.0.1,"),
        format!("2026-03-16T09:30:00+01:00,1.1,{p},branch_cut,,"),
        format!("2026-03-19T10:03:40+01:00,1.1,{p},build_finished,1.1-rc-1,"),
        format!("2026-03-20T12:00:00+01:00,1.1,{p},fix_landed,{},", f[3]),
    ])
}

// ---------------------------------------------------------------------------------------
// The tests.

/// Checks: the `release-branches` preset finds each version's cut (the fork point, also of a
/// branch deleted after its release, through its tags), its RC builds, the release at the
/// annotated tag's date, the fixes (not the bot's commits), the point release after its fix,
/// and leaves the still-open version open; an unmatched tag is named on stderr; the import
/// writes nothing into the repository and gives the same bytes twice. It fails if the cut
/// were the first commit or the merge, if automation counted as fixes, or if the point
/// release's fix were put before the release.
#[test]
fn release_branches_preset_reads_cuts_candidates_releases_fixes_and_point_releases() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, fixes) = release_branches(tmp.path());
    let before = listing(&repo.dir);
    let (stdout, stderr) = import(tmp.path(), &["git", "woo", "--preset", "release-branches"]);
    assert_eq!(stdout, release_branches_log(&fixes, "android"));
    for says in [
        "main line: main (by its name), commits on it: 6",
        "versions: 2 (1 released, 1 open: no release tag), point releases: 1; start → release median 5.9 days",
        "tags matching no pattern, left out: 1 (wear-1.0.1)",
        "commits off the main line that are automation (the [automation] rules), not fixes: 3",
    ] {
        assert!(stderr.contains(says), "no {says:?} in:\n{stderr}");
    }
    assert_eq!(
        listing(&repo.dir),
        before,
        "the import wrote into the repository"
    );
    // Replayed as it happened: cut → release tag, to the second; the point release is its
    // hotfix, with its one fix; 1.1 is still open.
    assert_eq!(
        replay(tmp.path(), &stdout),
        [
            shipped(
                "1.0",
                5 * 86_400 + 21 * 3_600 + 30 * 60,
                1,
                Some("1.0.1"),
                1
            ),
            open("1.1"),
        ]
    );
    // To a file: the same bytes, and one confirmation line among the notes.
    let (_, stderr) = import(
        tmp.path(),
        &[
            "git",
            "woo",
            "--preset",
            "release-branches",
            "-o",
            "woo.csv",
            "--platform",
            "iOS",
        ],
    );
    assert!(
        stderr.contains("woo.csv: event log written (2 versions, 11 events, 0 conflicts, "),
        "{stderr}"
    );
    let text = std::fs::read_to_string(tmp.path().join("woo.csv")).unwrap();
    assert_eq!(text, release_branches_log(&fixes, "ios"));
    let (_, quiet) = import(
        tmp.path(),
        &[
            "git",
            "woo",
            "--preset",
            "release-branches",
            "-o",
            "woo.csv",
            "-q",
        ],
    );
    assert_eq!(quiet, "");
}

/// Checks: the `releases-v` preset (Firefox for Android) on a **bare** clone: branches
/// `releases_vN.0.0`, betas `vN.0bK` and `vN.0.0-beta.K`, the first `vN.x.y` the release and
/// later ones point releases, the version labelled by its major number; a beta after the
/// release (a point release's) is left out and named. It fails if a bare repository were not
/// read, or if the version were labelled by a whole tag.
#[test]
fn releases_v_preset_reads_a_bare_clone() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path(), "fenix-work");
    repo.commit("2022-07-18T09:00:00+00:00", "Initial commit");
    repo.commit("2022-07-25T16:05:23+00:00", "Feature A");
    repo.branch("releases_v104.0.0");
    repo.commit("2022-07-25T16:46:05-04:00", "Set version to 104.0.0");
    repo.tag("v104.0b1");
    let fix = repo.commit("2022-08-03T10:00:00+00:00", "Bug 1780000 - Fix the toolbar");
    repo.tag("v104.0.0-beta.2");
    repo.commit(
        "2022-08-16T18:05:55+00:00",
        "Update to Android-Components 104.0.5.",
    );
    let ac = repo.git(&["rev-parse", "HEAD"]).trim()[..12].to_string();
    repo.tag("v104.1.0");
    repo.commit_by("2022-08-17T01:00:00+00:00", BOT, "Automatic version bump");
    repo.tag("v104.1.1-beta.1");
    repo.commit("2022-09-08T14:35:01+00:00", "Bug 1790000 - Fix a crash");
    let point_fix = repo.git(&["rev-parse", "HEAD"]).trim()[..12].to_string();
    repo.tag("v104.2.0");
    repo.switch("main");
    repo.commit("2022-08-22T09:00:00+00:00", "Feature B");
    repo.branch("releases_v105.0.0");
    repo.commit("2022-08-22T16:21:17-04:00", "Set version to 105.0.0");
    repo.tag("v105.0b1");
    repo.switch("main");
    let bare = repo.clone_to(&["--bare"], "fenix.git");
    assert_eq!(
        repo.git_in(
            &bare,
            "2000-01-01T00:00:00+00:00",
            SQUAD,
            &["rev-parse", "--is-bare-repository"]
        ),
        "true\n"
    );
    let (stdout, stderr) = import(tmp.path(), &["git", "fenix.git", "--preset", "releases-v"]);
    assert_eq!(
        stdout,
        log(&[
            "2022-07-25T16:05:23+00:00,104,android,branch_cut,,".into(),
            "2022-07-25T16:46:05-04:00,104,android,build_finished,v104.0b1,".into(),
            format!("2022-08-03T10:00:00+00:00,104,android,fix_landed,{fix},"),
            "2022-08-03T10:00:00+00:00,104,android,build_finished,v104.0.0-beta.2,".into(),
            // An Android-Components update carries the fixes of the browser: a fix.
            format!("2022-08-16T18:05:55+00:00,104,android,fix_landed,{ac},"),
            "2022-08-16T18:05:55+00:00,104,android,rollout,v104.1.0,100".into(),
            // A beta after the release: the point release's build.
            "2022-08-17T01:00:00+00:00,104,android,build_finished,v104.1.1-beta.1,".into(),
            format!("2022-09-08T14:35:01+00:00,104,android,fix_landed,{point_fix},"),
            "2022-09-08T14:35:01+00:00,104,android,point_release,v104.2.0,".into(),
            "2022-08-22T09:00:00+00:00,105,android,branch_cut,,".into(),
            "2022-08-22T16:21:17-04:00,105,android,build_finished,v105.0b1,".into(),
        ])
    );
    assert!(
        stderr.contains("main line: main (the bare repository's HEAD)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "candidate tags after their version's release (its point releases' builds): 1"
        ),
        "{stderr}"
    );
    // 22 d 2 h 0 min 32 s from the fork point to v104.1.0; v104.2.0 is its hotfix (one fix;
    // the bot's version bump is none); 105 is open.
    assert_eq!(
        replay(tmp.path(), &stdout),
        [
            shipped("104", 22 * 86_400 + 2 * 3_600 + 32, 1, Some("v104.2.0"), 1),
            open("105"),
        ]
    );
}

/// Checks: the `trunk` preset, tags on `main` only: a cycle starts at its first RC tag
/// (`cycle_started`, ref = the tag) or earlier at a commit bumping the version to it (ref =
/// `version_bump`); a point release made on a hotfix branch off the release tag brings its
/// fix. It fails if a version bump did not start its cycle, or if commits on the main line
/// were taken for fixes.
#[test]
fn trunk_preset_starts_cycles_at_the_first_rc_or_the_version_bump() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(tmp.path(), "app");
    repo.commit("2026-05-01T09:00:00+02:00", "Initial commit");
    repo.commit("2026-05-04T10:00:00+02:00", "Feature A");
    repo.tag("v2.0.0-rc.1");
    repo.commit("2026-05-06T16:20:30+02:00", "Fix A");
    repo.tag("v2.0.0-rc.2");
    repo.commit("2026-05-08T10:00:00+02:00", "Version 2.0.0");
    repo.tag("v2.0.0");
    repo.commit("2026-05-08T11:00:00+02:00", "Bump version to 2.1.0");
    repo.commit("2026-05-11T11:00:00+02:00", "Feature C");
    repo.tag("v2.1.0-rc.1");
    repo.commit("2026-05-14T17:45:12+02:00", "Release");
    repo.tag("v2.1.0");
    repo.branch("hotfix/2.1.1");
    let hotfix = repo.commit("2026-05-16T10:00:00-07:00", "Fix crash in 2.1");
    repo.tag("v2.1.1");
    repo.switch("main");
    repo.commit("2026-05-18T10:30:00+02:00", "Feature D");
    let (stdout, stderr) = import(tmp.path(), &["git", "app", "--preset", "trunk"]);
    assert_eq!(
        stdout,
        log(&[
            "2026-05-04T10:00:00+02:00,2.0,android,cycle_started,v2.0.0-rc.1,".into(),
            "2026-05-04T10:00:00+02:00,2.0,android,build_finished,v2.0.0-rc.1,".into(),
            "2026-05-06T16:20:30+02:00,2.0,android,build_finished,v2.0.0-rc.2,".into(),
            "2026-05-08T10:00:00+02:00,2.0,android,rollout,v2.0.0,100".into(),
            "2026-05-08T11:00:00+02:00,2.1,android,cycle_started,version_bump,".into(),
            "2026-05-11T11:00:00+02:00,2.1,android,build_finished,v2.1.0-rc.1,".into(),
            "2026-05-14T17:45:12+02:00,2.1,android,rollout,v2.1.0,100".into(),
            format!("2026-05-16T10:00:00-07:00,2.1,android,fix_landed,{hotfix},"),
            "2026-05-16T10:00:00-07:00,2.1,android,point_release,v2.1.1,".into(),
        ])
    );
    assert!(
        stderr.contains("versions: 2 (2 released, 0 open"),
        "{stderr}"
    );
    // From the first RC (2.0) and from the version bump (2.1) to the release tag; 2.1's point
    // release from its hotfix branch; 2.0 had none (the log records hotfixes: 0, not null).
    assert_eq!(
        replay(tmp.path(), &stdout),
        [
            shipped("2.0", 4 * 86_400, 0, None, 0),
            shipped(
                "2.1",
                6 * 86_400 + 6 * 3_600 + 45 * 60 + 12,
                1,
                Some("v2.1.1"),
                1
            ),
        ]
    );
}

/// Checks: a mapping file of the team's own (branches `rel-N`, betas `N-beta-K`, releases
/// `N.M`, its own automation rule, platform `ios`, the cut at the branch's first commit) on
/// a working copy whose release branches exist only as remote-tracking branches
/// (`origin/rel-7`); the main line is the remote's default branch. It fails if remote
/// branches were not read, if `cut = "first_commit"` dated the cut by the fork point, or if
/// the mapping's rules did not replace the preset's.
#[test]
fn a_custom_mapping_reads_remote_branches_in_a_working_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Repo::init(tmp.path(), "origin");
    origin.commit("2026-02-02T09:00:00+00:00", "Initial commit");
    origin.branch("rel-7");
    origin.commit("2026-02-03T08:00:00+00:00", "chore: bump to 7");
    origin.commit("2026-02-03T09:30:00+00:00", "Bump version number");
    let fix = origin.git(&["rev-parse", "HEAD"]).trim()[..12].to_string();
    origin.tag("7-beta-1");
    origin.commit("2026-02-05T12:00:00+00:00", "chore: release notes");
    origin.tag("7.0");
    origin.switch("main");
    origin.commit("2026-02-04T09:00:00+00:00", "Feature");
    let work = origin.clone_to(&[], "work");
    let branches = origin.git_in(
        &work,
        "2000-01-01T00:00:00+00:00",
        SQUAD,
        &["branch", "-a", "--format=%(refname)"],
    );
    assert!(
        branches.contains("refs/remotes/origin/rel-7") && !branches.contains("refs/heads/rel-7"),
        "{branches}"
    );
    std::fs::write(
        tmp.path().join("mapping.toml"),
        "platform = \"iOS\"\ncut = \"first_commit\"\n\
         branch = '^rel-(?P<version>\\d+)$'\ncandidate = '^(?P<version>\\d+)-beta-\\d+$'\n\
         release = '^(?P<version>\\d+)\\.\\d+$'\n[automation]\nsubjects = ['^chore:']\nauthors = []\n",
    )
    .unwrap();
    let (stdout, stderr) = import(tmp.path(), &["git", "work", "--mapping", "mapping.toml"]);
    assert_eq!(
        stdout,
        log(&[
            "2026-02-03T08:00:00+00:00,7,ios,branch_cut,,".into(),
            // "Bump version number" is a fix under this mapping's rules.
            format!("2026-02-03T09:30:00+00:00,7,ios,fix_landed,{fix},"),
            "2026-02-03T09:30:00+00:00,7,ios,build_finished,7-beta-1,".into(),
            "2026-02-05T12:00:00+00:00,7,ios,rollout,7.0,100".into(),
        ])
    );
    assert!(
        stderr.contains("main line: main (the remote's default branch)"),
        "{stderr}"
    );
    assert!(stderr.contains("not fixes: 2"), "{stderr}");
    // Replayed as it happened: the cut (the branch's first commit) to the release tag; the
    // log has no rows after any release, so it says nothing of hotfixes.
    let cycles = replay(tmp.path(), &stdout);
    assert_eq!(cycles.len(), 1);
    assert_eq!(
        (cycles[0].label.as_str(), cycles[0].outcome.as_str()),
        ("7", "shipped")
    );
    assert_eq!(cycles[0].seconds, Some(52 * 3_600));
    assert_eq!(cycles[0].hotfixes, None);
}

/// Checks: a dashboard's CSV (local times in the mapping's zone, its own event names, a
/// rollout percentage column) imports to submissions, review verdicts and rollout steps;
/// merged first with git's history, git fills the families the dashboard lacks (cuts,
/// builds, fixes, point releases) and the two release dates are a conflict, reported on
/// stderr and counted, the dashboard's kept. It fails if the merge let git's tag date
/// replace the store's 100%, if git's builds were dropped, or if a conflict went unreported.
#[test]
fn a_dashboard_export_merges_with_git_and_conflicts_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let (_repo, fixes) = release_branches(tmp.path());
    std::fs::write(
        tmp.path().join("dash.csv"),
        "When,Version,Event,Rollout\n\
         2026-03-10 13:00,1.0,Sent to review,\n\
         2026-03-10 18:30,1.0,Approved,\n\
         2026-03-10 19:00,1.0,Rollout,10\n\
         2026-03-10 19:30,1.0,Comment,\n\
         2026-03-11 08:00,1.0,Rollout,100%\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("dash.toml"),
        "[csv]\nts = 'When'\nversion = 'Version'\nkind = 'Event'\nvalue = 'Rollout'\n\
         time_zone = 'Europe/Paris'\n[csv.kinds]\n'Sent to review' = 'submitted'\n\
         Approved = 'review_approved'\nRollout = 'rollout'\n",
    )
    .unwrap();
    let (_, stderr) = import(
        tmp.path(),
        &[
            "csv",
            "dash.csv",
            "--mapping",
            "dash.toml",
            "-o",
            "dash-log.csv",
        ],
    );
    assert!(
        stderr.contains("(\"Comment\")"),
        "the unmapped event is named: {stderr}"
    );
    let dash = [
        "2026-03-10T13:00:00+01:00,1.0,android,submitted,,",
        "2026-03-10T18:30:00+01:00,1.0,android,review_approved,,",
        "2026-03-10T19:00:00+01:00,1.0,android,rollout,,10",
        "2026-03-11T08:00:00+01:00,1.0,android,rollout,,100",
    ];
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("dash-log.csv")).unwrap(),
        log(&dash.map(String::from))
    );

    let (stdout, stderr) = import(
        tmp.path(),
        &[
            "git",
            "woo",
            "--preset",
            "release-branches",
            "--merge",
            "dash-log.csv",
        ],
    );
    assert!(
        stderr.contains(
            "warning: conflict: 1.0 android rollout 100: 2026-03-11T07:00:00+00:00 from dash-log.csv, \
             2026-03-10T12:00:00+01:00 from git woo (kept the first)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("merged 2 sources: 1 conflicts"), "{stderr}");
    let git = release_branches_log(&fixes, "android");
    let git: Vec<&str> = git.lines().skip(1).collect();
    // The dashboard's rows (written in UTC, as read back from the log), then git's in time
    // order, without git's release.
    let mut want: Vec<String> = vec![
        git[0].into(),
        git[1].into(),
        git[2].into(),
        git[3].into(),
        git[4].into(),
        "2026-03-10T12:00:00+00:00,1.0,android,submitted,,".into(),
        "2026-03-10T17:30:00+00:00,1.0,android,review_approved,,".into(),
        "2026-03-10T18:00:00+00:00,1.0,android,rollout,,10".into(),
        // The store's 100% came before the point release: a history replay accepts.
        "2026-03-11T07:00:00+00:00,1.0,android,rollout,,100".into(),
        git[6].into(),
        git[7].into(),
    ];
    want.extend(git[8..].iter().map(|s| s.to_string()));
    assert_eq!(stdout, log(&want));
    // Replayed, the cycle ends at the store's 100% (6 d 17 h 30 min after the cut), not at the
    // tag; the submission and the review are the dashboard's, the point release git's.
    assert_eq!(
        replay(tmp.path(), &stdout),
        [
            shipped(
                "1.0",
                6 * 86_400 + 17 * 3_600 + 30 * 60,
                1,
                Some("1.0.1"),
                1
            ),
            open("1.1"),
        ]
    );
}

/// Checks: GitHub Releases (two pages of `gh api --paginate`, a draft, a pre-release, an
/// unmatched tag) give builds, the release and a point release at their `published_at`.
/// It fails if the second page were ignored or a draft imported.
#[test]
fn github_releases_give_builds_releases_and_point_releases() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("releases.json"),
        r#"[{"tag_name":"1.0.1","name":"1.0.1","draft":false,"prerelease":false,"created_at":"2026-03-11T08:00:00Z","published_at":"2026-03-11T10:00:00Z"},
           {"tag_name":"1.1-rc-1","draft":true,"prerelease":true,"created_at":"2026-03-19T08:00:00Z","published_at":null}]
          [{"tag_name":"1.0","draft":false,"prerelease":false,"created_at":"2026-03-09T15:00:00Z","published_at":"2026-03-10T11:30:00Z"},
           {"tag_name":"1.0-rc-2","draft":false,"prerelease":true,"created_at":"2026-03-06T10:00:00Z","published_at":"2026-03-06T10:30:00+01:00"},
           {"tag_name":"nightly","draft":false,"prerelease":true,"created_at":"2026-03-06T10:00:00Z","published_at":"2026-03-06T10:30:00Z"}]"#,
    )
    .unwrap();
    let (stdout, stderr) = import(
        tmp.path(),
        &[
            "github-releases",
            "releases.json",
            "--preset",
            "release-branches",
        ],
    );
    assert_eq!(
        stdout,
        log(&[
            "2026-03-06T10:30:00+01:00,1.0,android,build_finished,1.0-rc-2,".into(),
            "2026-03-10T11:30:00+00:00,1.0,android,rollout,1.0,100".into(),
            "2026-03-11T10:00:00+00:00,1.0,android,point_release,1.0.1,".into(),
        ])
    );
    assert!(
        stderr.contains("drafts, left out: 1 (1.1-rc-1)"),
        "{stderr}"
    );
    assert!(stderr.contains("(nightly)"), "{stderr}");
}

/// Checks: a shallow clone is refused (exit 2) with what to do, and nothing is written. It
/// fails if a cut history were imported as if whole.
#[test]
fn a_shallow_clone_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, _) = release_branches(tmp.path());
    repo.clone_to(&["--depth", "1"], "shallow");
    let err = import_fails(
        tmp.path(),
        &[
            "git",
            "shallow",
            "--preset",
            "release-branches",
            "-o",
            "out.csv",
        ],
    );
    assert!(
        err.contains("error: shallow: a shallow clone (cloned with --depth)"),
        "{err}"
    );
    assert!(err.contains("git fetch --unshallow"), "{err}");
    assert!(!tmp.path().join("out.csv").exists());
}

/// Checks: a repository none of whose refs the convention knows, a directory that is no
/// repository, a missing one and a missing git binary are each one clear error (exit 2). It
/// fails if an empty log were written instead.
#[test]
fn no_matching_refs_no_repository_and_no_git_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (_repo, _) = release_branches(tmp.path());
    let err = import_fails(
        tmp.path(),
        &["git", "woo", "--preset", "releases-v", "-o", "out.csv"],
    );
    assert!(
        err.starts_with("error: woo: no branch or tag matches the convention (preset releases-v: branch '^releases[_/]v"),
        "{err}"
    );
    assert!(
        err.contains("its latest tags are 1.1-rc-1, 1.0.1, wear-1.0.1, 1.0, 1.0-rc-2, 1.0-rc-1"),
        "{err}"
    );
    assert!(
        err.contains("Pick another --preset or write a --mapping"),
        "{err}"
    );
    assert!(!tmp.path().join("out.csv").exists());

    let err = import_fails(
        tmp.path(),
        &[
            "git",
            "woo",
            "--preset",
            "release-branches",
            "--main",
            "trunk",
        ],
    );
    assert!(
        err.contains("error: woo: no branch \"trunk\" (the main line asked for)"),
        "{err}"
    );

    std::fs::create_dir(tmp.path().join("plain")).unwrap();
    let err = import_fails(tmp.path(), &["git", "plain", "--preset", "trunk"]);
    // The temporary directory is in no repository, so git finds none above it either.
    assert!(err.contains("error: plain: not a git repository"), "{err}");
    let err = import_fails(tmp.path(), &["git", "nosuch", "--preset", "trunk"]);
    assert!(err.contains("error: nosuch: no such directory"), "{err}");

    let out = conductor()
        .current_dir(tmp.path())
        .env("PATH", tmp.path().join("no-bin"))
        .args(["import", "git", "woo", "--preset", "trunk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: cannot run git ("), "{err}");
    assert!(err.contains("install git or put it on PATH"), "{err}");

    let err = import_fails(tmp.path(), &["git", "woo"]);
    assert!(
        err.contains("--preset release-branches|releases-v|trunk or --mapping FILE"),
        "{err}"
    );
    let err = import_fails(
        tmp.path(),
        &["git", "woo", "--preset", "trunk", "-o", "out.parquet"],
    );
    assert!(
        err.contains("--out out.parquet: the imported log is CSV"),
        "{err}"
    );
}

/// Checks: a malformed mapping file is refused (exit 2) naming the file, the key and the
/// value: an unknown key, a pattern that is no regular expression, a pattern without its
/// `version` group, a bad `start`. It fails if a typo were silently ignored.
#[test]
fn a_malformed_mapping_names_the_key_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let (_repo, _) = release_branches(tmp.path());
    for (text, says) in [
        ("preset = 'trunk'\nbrnach = 'x'\n", "unknown field `brnach`"),
        (
            "branch = '^release/(?P<version>\\d+'\n",
            "error: m.toml: branch = \"^release/(?P<version>\\\\d+\": not a regular expression",
        ),
        (
            "release = '^v\\d+$'\n",
            "error: m.toml: release = \"^v\\\\d+$\": the pattern has no named group `version`",
        ),
        (
            "start = 'freeze'\n",
            "error: m.toml: start = \"freeze\": expected",
        ),
        (
            "preset = 'gitflow'\n",
            "error: m.toml: preset = \"gitflow\": no such preset",
        ),
    ] {
        std::fs::write(tmp.path().join("m.toml"), text).unwrap();
        let err = import_fails(
            tmp.path(),
            &["git", "woo", "--mapping", "m.toml", "-o", "out.csv"],
        );
        assert!(err.contains(says), "{text}: {err}");
        assert!(!tmp.path().join("out.csv").exists());
    }
}

/// Checks: a dashboard export with bad rows lists every one (file, line, column, value), and
/// a mapping naming a column the file lacks says which columns it has. It fails if only the
/// first bad row were reported or a bad time silently skipped.
#[test]
fn a_dashboard_export_with_bad_rows_lists_them() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("dash.csv"),
        "When,Version,Event,Rollout\n\
         2026-03-10 13:00,1.0,Rollout,\n\
         2026-03-10,1.0,Approved,\n\
         2026-03-11 09:00,,Approved,\n\
         2026-03-11 09:00,1.0,Rollout,ten\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("dash.toml"),
        "[csv]\nts = 'When'\nversion = 'Version'\nkind = 'Event'\nvalue = 'Rollout'\n\
         time_zone = 'Europe/Paris'\n[csv.kinds]\nApproved = 'review_approved'\nRollout = 'rollout'\n",
    )
    .unwrap();
    let err = import_fails(tmp.path(), &["csv", "dash.csv", "--mapping", "dash.toml"]);
    for says in [
        "error: dash.csv: 4 bad rows:",
        "dash.csv:2: Event = \"Rollout\" is a rollout without a percentage",
        "dash.csv:3: When = \"2026-03-10\": not a time",
        "dash.csv:4: Version = \"\": an empty version",
        "dash.csv:5: Rollout = \"ten\": not a number",
    ] {
        assert!(err.contains(says), "no {says:?} in:\n{err}");
    }
    std::fs::write(
        tmp.path().join("dash.toml"),
        "[csv]\nts = 'Date'\nversion = 'Version'\nkind = 'Event'\n[csv.kinds]\nApproved = 'review_approved'\n",
    )
    .unwrap();
    let err = import_fails(tmp.path(), &["csv", "dash.csv", "--mapping", "dash.toml"]);
    assert!(
        err.contains("error: dash.toml: csv.ts = \"Date\": dash.csv has no such column (it has: When, Version, Event, Rollout)"),
        "{err}"
    );
    conductor()
        .current_dir(tmp.path())
        .args(["import", "csv", "dash.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("import csv needs --mapping FILE"));
}

/// Checks: `import preset NAME` prints the preset as a mapping file that, given back as
/// `--mapping`, imports the same log. It fails if the printed file and the built-in preset
/// drifted apart.
#[test]
fn a_printed_preset_is_a_mapping_file_that_imports_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let (_repo, fixes) = release_branches(tmp.path());
    let (text, _) = import(tmp.path(), &["preset", "release-branches"]);
    assert!(
        text.contains("branch = '^release/(?P<version>\\d+\\.\\d+)$'"),
        "{text}"
    );
    std::fs::write(tmp.path().join("mine.toml"), text).unwrap();
    let (stdout, _) = import(tmp.path(), &["git", "woo", "--mapping", "mine.toml"]);
    assert_eq!(stdout, release_branches_log(&fixes, "android"));
}
