//! Recorded weeks: `simulate --event-log` writes a history, `replay` rebuilds it (the
//! `recorded` policy) and re-runs its world under other policies; bad logs are refused with
//! the line and the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::dataset::files;
use crate::util::conductor;

/// Simulates `policies` over `seeds` seeds and `weeks` weeks into `dir`, writing the first
/// policy's history to `log`.
fn simulate_with_log(dir: &Path, log: &Path, policies: &[&str], seeds: u64, weeks: u32) {
    let mut cmd = conductor();
    cmd.args([
        "simulate",
        "--seeds",
        &seeds.to_string(),
        "--weeks",
        &weeks.to_string(),
    ]);
    for p in policies {
        cmd.args(["--policy", p]);
    }
    cmd.arg("--event-log")
        .arg(log)
        .arg("--out")
        .arg(dir)
        .assert()
        .success();
}

fn replay(log: &Path, out: &Path, policies: &[&str]) {
    let mut cmd = conductor();
    cmd.arg("replay").arg(log).arg("--out").arg(out);
    for p in policies {
        cmd.args(["--policy", p]);
    }
    cmd.assert().success();
}

/// The `cycles` columns of the safety side: a simulation draws its defects and their
/// hotfixes; a replay has only what the log records (no defects after a release in a
/// simulated log), and a counterfactual only the recorded incidents as defects.
/// [`safety_columns_say_what_each_run_models`] checks them.
const SAFETY_COLUMNS: [&str; 17] = [
    "hotfixes",
    "point_releases",
    "hotfix_fixes",
    "first_hotfix_at",
    "first_hotfix_hours",
    "restore_hours",
    "hotfix_open",
    "defects",
    "defects_caught_testing",
    "defects_caught_beta",
    "defects_caught_review",
    "defects_caught_first_stage",
    "defects_escaped_halted",
    "defects_escaped_to_everyone",
    "defects_escaped",
    "defects_not_found",
    "user_exposure_hours",
];

/// The Parquet files of `dir` under policy `policy`, keyed by table and file name, decoded
/// without their `policy`, `evidence_*` and safety columns: the columns in which a
/// simulation and its replay (as it happened, or under the same policy's rules) may differ
/// (a replay's evidence is recorded, a simulation's drawn:
/// [`evidence_says_where_each_family_came_from`] checks those).
fn tables(dir: &Path, policy: &str) -> BTreeMap<PathBuf, Vec<arrow_array::RecordBatch>> {
    let part = format!("policy={policy}");
    files(dir)
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "parquet"))
        .filter(|(p, _)| p.components().any(|c| c.as_os_str() == part.as_str()))
        .map(|(p, _)| {
            let batches = conductor::dataset::read::open_parquet(&dir.join(&p))
                .unwrap()
                .build()
                .unwrap()
                .map(|b| {
                    let b = b.unwrap();
                    let keep: Vec<usize> = (0..b.num_columns())
                        .filter(|&i| {
                            let name = b.schema().field(i).name().clone();
                            name != "policy"
                                && !name.starts_with("evidence_")
                                && !SAFETY_COLUMNS.contains(&name.as_str())
                        })
                        .collect();
                    b.project(&keep).unwrap()
                })
                .collect();
            let table = p.components().next().unwrap().as_os_str().to_owned();
            (PathBuf::from(table).join(p.file_name().unwrap()), batches)
        })
        .collect()
}

/// `conductor report DIR --format json ARGS…`, parsed.
fn report_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = conductor()
        .arg("report")
        .arg(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_same_tables(
    a: &BTreeMap<PathBuf, Vec<arrow_array::RecordBatch>>,
    b: &BTreeMap<PathBuf, Vec<arrow_array::RecordBatch>>,
) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    assert!(a.len() >= 4, "every table: {:?}", a.keys());
    for (path, batches) in a {
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert!(
            rows > 0 || path.starts_with("snapshots"),
            "{} is empty",
            path.display()
        );
        assert!(batches == &b[path], "{} differs", path.display());
    }
}

#[test]
fn replaying_a_simulated_history_as_it_happened_rebuilds_every_table() {
    // Over 40 seeds x 8 versions x 3 platforms, each policy's own history: the `recorded`
    // replay writes the rows the simulation wrote, value for value (transitions, cycles,
    // segments and the five-minute snapshots), but for the policy's name.
    let tmp = tempfile::tempdir().unwrap();
    for (policy, ext) in [
        ("manual", "csv"),
        ("robot", "jsonl"),
        ("robot-except-100", "parquet"),
    ] {
        let sim = tmp.path().join(format!("sim-{policy}"));
        let log = tmp.path().join(format!("{policy}.{ext}"));
        simulate_with_log(&sim, &log, &[policy], 40, 8);
        let rep = tmp.path().join(format!("rep-{policy}"));
        replay(&log, &rep, &["recorded"]);
        assert_same_tables(&tables(&sim, policy), &tables(&rep, "recorded"));
    }
}

#[test]
fn a_counterfactual_replay_is_the_simulation_of_that_policy() {
    // The world a manual history records, re-run under `robot`, is the robot simulation of
    // the same seeds: the same files, so the same paired saving.
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    let log = tmp.path().join("manual.csv");
    simulate_with_log(&sim, &log, &["manual", "robot"], 24, 8);
    let rep = tmp.path().join("rep");
    replay(&log, &rep, &["manual", "robot"]);
    assert_same_tables(&tables(&sim, "robot"), &tables(&rep, "robot"));
    assert_same_tables(&tables(&sim, "manual"), &tables(&rep, "manual"));

    let saving = |dir: &Path| {
        let args = [
            "--baseline",
            "manual",
            "--policy",
            "manual",
            "--policy",
            "robot",
        ];
        report_json(dir, &args)["savings"].clone()
    };
    let (a, mut b) = (saving(&sim), saving(&rep));
    assert!(a.as_array().is_some_and(|s| !s.is_empty()), "{a}");
    // The replay's savings are split into recorded and assumed parts (a simulated log
    // records every family, so nothing is assumed); the simulation's are not split.
    for row in b.as_array_mut().unwrap() {
        assert_eq!(row["saving_assumed_hours"], 0.0, "{row}");
        assert_eq!(
            row["saving_recorded_hours"], row["saving_mean_hours"],
            "{row}"
        );
        row["saving_assumed_hours"] = serde_json::Value::Null;
        row["saving_recorded_hours"] = serde_json::Value::Null;
    }
    assert_eq!(a, b);
}

#[test]
fn safety_columns_say_what_each_run_models() {
    // A simulation models defects and hotfixes. Its history replayed as it happened has no
    // defect model (null, not 0) but the hotfixes the log records after each release, the
    // simulation's to the second; re-run under a policy, the recorded incidents are its
    // defects and hotfixes are not re-run.
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    let log = tmp.path().join("manual.csv");
    simulate_with_log(&sim, &log, &["manual"], 6, 6);
    let rep = tmp.path().join("rep");
    replay(&log, &rep, &["recorded", "manual"]);
    let nulls = |dir: &Path, policy: &str, name: &str| {
        let c = crate::util::read_cycles(dir, policy);
        let col = c.column_by_name(name).unwrap().clone();
        (col.null_count(), col.len())
    };
    let (d, e, h) = (
        nulls(&sim, "manual", "defects"),
        nulls(&sim, "manual", "user_exposure_hours"),
        nulls(&sim, "manual", "hotfixes"),
    );
    assert_eq!(
        (d.0, e.0),
        (0, 0),
        "a simulation models every track's defects"
    );
    assert!(h.0 < h.1, "shipped simulated releases have a hotfix count");
    let d = nulls(&rep, "recorded", "defects");
    assert_eq!(d.0, d.1, "replayed as recorded: no defect model");
    assert_eq!(
        nulls(&rep, "recorded", "hotfixes"),
        h,
        "the recorded hotfixes"
    );
    // The hotfix columns of the replay are the simulation's.
    let (a, b) = (
        crate::util::read_cycles(&sim, "manual"),
        crate::util::read_cycles(&rep, "recorded"),
    );
    for name in [
        "hotfixes",
        "point_releases",
        "hotfix_fixes",
        "first_hotfix_at",
        "first_hotfix_hours",
        "restore_hours",
        "hotfix_open",
    ] {
        let (x, y) = (
            a.column_by_name(name).unwrap(),
            b.column_by_name(name).unwrap(),
        );
        assert_eq!(x.as_ref(), y.as_ref(), "{name}");
    }
    let d = nulls(&rep, "manual", "defects");
    assert_eq!(
        d.0, 0,
        "a counterfactual models the recorded incidents as defects"
    );
    let h = nulls(&rep, "manual", "hotfixes");
    assert_eq!(h.0, h.1, "a counterfactual does not re-run hotfixes");
}

/// The header and rows of a small valid log, one track (version 0, ios).
const GOOD: &str = "\
ts,version,platform,kind,ref,value
2026-01-09T10:00:00+01:00,0,ios,branch_cut,,
2026-01-09T11:00:00+01:00,0,ios,blocker_opened,bug-1,
2026-01-09T15:00:00+01:00,0,ios,blocker_fixed,bug-1,
2026-01-12T09:30:00+01:00,0,ios,final_rc,manual,
2026-01-12T10:00:00+01:00,0,ios,submitted,manual,
2026-01-13T09:00:00+01:00,0,ios,review_approved,review-1,
2026-01-13T10:00:00+01:00,0,ios,rollout,manual,1
2026-01-14T10:30:00+01:00,0,ios,rollout,manual,100
";

fn replay_text(text: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log.csv");
    std::fs::write(&log, text).unwrap();
    let out = tmp.path().join("out");
    let assert = conductor()
        .arg("replay")
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .assert();
    // Refused logs leave nothing behind.
    if assert.get_output().status.code() == Some(2) {
        assert!(!out.exists(), "no output directory for a refused log");
    }
    assert
}

#[test]
fn a_partial_log_replays_with_unknown_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log.csv");
    std::fs::write(&log, GOOD).unwrap();
    let out = tmp.path().join("out");
    conductor()
        .arg("replay")
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("replayed 1 tracks"))
        .stderr(predicate::str::contains(
            "records no builds, metrics, signoff, usage",
        ));
    let seg = crate::dataset::read(
        &out,
        "segments",
        &["policy", "state", "waiting_on", "hours"],
    );
    let policy = crate::dataset::strs(&seg, "policy");
    let label = crate::dataset::strs(&seg, "waiting_on");
    let state = crate::dataset::strs(&seg, "state");
    let hours = crate::dataset::f64s(&seg, "hours");
    let recorded: Vec<(String, String, f64)> = (0..seg.height())
        .filter(|&i| policy[i] == "recorded")
        .map(|i| (state[i].clone(), label[i].clone(), hours[i].unwrap()))
        .collect();
    // Branched: unknown (no build events) but for the blocker's 4 h, until final_rc.
    assert_eq!(recorded[0], ("branched".into(), "unknown".into(), 1.0));
    assert_eq!(recorded[1], ("branched".into(), "bug_fix".into(), 4.0));
    assert_eq!(recorded[2].1, "unknown");
    // Submitted: reviews are recorded, so the wait is store_review, then a person.
    assert!(recorded.contains(&("submitted".into(), "store_review".into(), 23.0)));
    assert!(recorded.contains(&("submitted".into(), "manual_action".into(), 1.0)));
    let cycles = crate::dataset::read(&out, "cycles", &["policy", "cycle_hours"]);
    let cp = crate::dataset::strs(&cycles, "policy");
    let ch = crate::dataset::f64s(&cycles, "cycle_hours");
    let i = cp.iter().position(|p| p == "recorded").unwrap();
    assert_eq!(ch[i], Some(5.0 * 24.0 + 0.5));
}

#[test]
fn impossible_histories_name_the_line_and_the_reason() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "2026-01-13T10:00:00+01:00,0,ios,rollout,manual,1",
            "2026-01-11T10:00:00+01:00,0,ios,rollout,manual,1",
            "rollout 1% before submission",
        ),
        (
            "2026-01-09T15:00:00+01:00,0,ios,blocker_fixed,bug-1,",
            "2026-01-09T15:00:00+01:00,0,ios,blocker_fixed,bug-7,",
            "a fix for bug \"bug-7\", which was never opened",
        ),
        (
            "2026-01-14T10:30:00+01:00,0,ios,rollout,manual,100",
            "2026-01-14T10:30:00+01:00,0,ios,rollout,manual,100\n2026-01-09T10:00:00+01:00,0,watchos,branch_cut,,",
            "unknown platform \"watchos\"",
        ),
        (
            "2026-01-09T11:00:00+01:00,0,ios,blocker_opened,bug-1,",
            "2026-01-09T11:00:00+01:00,0,ios,bug_found,bug-1,",
            "unknown kind \"bug_found\"",
        ),
        (
            "2026-01-09T11:00:00+01:00,0,ios,blocker_opened,bug-1,",
            "9 Jan 2026 11:00,0,ios,blocker_opened,bug-1,",
            "bad timestamp \"9 Jan 2026 11:00\"",
        ),
        (
            "2026-01-12T10:00:00+01:00,0,ios,submitted,manual,",
            "2026-01-12T10:00:00+01:00,0,ios,submitted,manual,\n2026-01-12T10:00:00+01:00,0,ios,submitted,manual,",
            "duplicate of line 6",
        ),
        (
            "2026-01-14T10:30:00+01:00,0,ios,rollout,manual,100",
            "2026-01-14T10:30:00+01:00,0,ios,rollout,manual,100\n2026-01-14T1",
            "1 fields, but the header has 6",
        ),
    ];
    for (from, to, reason) in cases {
        assert_eq!(GOOD.matches(from).count(), 1, "{from}");
        let text = GOOD.replacen(from, to, 1);
        let line = text
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| to.lines().last() == Some(*l))
            .map(|i| i + 1)
            .unwrap();
        replay_text(&text, &[])
            .code(2)
            .stderr(predicate::str::contains(format!(
                "log.csv:{line}: {reason}"
            )));
    }
}

#[test]
fn out_of_order_rows_are_sorted() {
    let mut lines: Vec<&str> = GOOD.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let text = format!("{header}\n{}\n", lines.join("\n"));
    replay_text(&text, &[]).success();
}

#[test]
fn lenient_skips_bad_rows_with_a_count_and_a_list() {
    let text = format!(
        "{GOOD}2026-01-09T16:00:00+01:00,0,ios,blocker_fixed,bug-9,\nnot a time,0,ios,paused,,\n"
    );
    replay_text(&text, &[]).code(2);
    replay_text(&text, &["--lenient"])
        .success()
        .stderr(predicate::str::contains("skipped 2 of 10 rows (--lenient)"))
        .stderr(predicate::str::contains("line 10: a fix for bug \"bug-9\""))
        .stderr(predicate::str::contains("line 11: bad timestamp"));
}

#[test]
fn every_bad_row_is_reported_at_once_with_its_line() {
    // GOOD ends with a line break, so appended rows start at line n + 1.
    let n = GOOD.lines().count();
    let line = |k: usize, reason: &str| format!("log.csv:{}: {reason}", n + k);
    let malformed = format!(
        "{GOOD}not a time,0,ios,paused,,\n\
         2026-01-09T16:00:00+01:00,0,ios,launched,,\n\
         2026-01-09T16:00:00+01:00,x y,ios,paused,,\n"
    );
    let stderr = refused(&malformed);
    for expected in [
        line(1, "bad timestamp"),
        line(2, "unknown kind \"launched\""),
        line(3, "bad version \"x y\""),
        "log.csv: 3 bad rows".into(),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} not in {stderr}");
    }
    // Rows that contradict the history are listed the same way.
    let impossible = format!(
        "{GOOD}2026-01-09T16:00:00+01:00,0,ios,blocker_fixed,bug-8,\n\
         2026-01-09T16:30:00+01:00,0,ios,blocker_fixed,bug-9,\n"
    );
    let stderr = refused(&impossible);
    for expected in [
        line(1, "a fix for bug \"bug-8\""),
        line(2, "a fix for bug \"bug-9\""),
        "log.csv: 2 bad rows".into(),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} not in {stderr}");
    }
    // Many: the first 20 listed, the rest counted.
    let many: String = (0..25).map(|_| "not a time,0,ios,paused,,\n").collect();
    let stderr = refused(&format!("{GOOD}{many}"));
    assert!(stderr.contains(&line(20, "bad timestamp")), "{stderr}");
    assert!(
        !stderr.contains(&format!("log.csv:{}:", n + 21)),
        "{stderr}"
    );
    assert!(stderr.contains("… and 5 more"), "{stderr}");
    assert!(stderr.contains("log.csv: 25 bad rows"), "{stderr}");
}

/// Replays `text`, which must be refused (exit 2), and returns its stderr.
/// Checks: after the release (100%) a log may record its hotfixes — a reported bug, fixes,
/// a build, a submission, review, rollout steps and point releases — and nothing else; a
/// point release before the release, a label shipped twice, a fix for a bug no report
/// opened and a pause after 100% are refused with their lines. Fails if events after 100%
/// were all refused (the old rule) or any of them slipped through.
#[test]
fn after_the_release_only_hotfix_rows_are_accepted() {
    let n = GOOD.lines().count();
    let hotfix = format!(
        "{GOOD}2026-01-15T09:00:00+01:00,0,ios,hotfix_opened,crash-7,\n\
         2026-01-15T12:00:00+01:00,0,ios,fix_landed,a1b2c3,\n\
         2026-01-15T13:00:00+01:00,0,ios,blocker_fixed,crash-7,\n\
         2026-01-15T14:00:00+01:00,0,ios,build_finished,build-9,30\n\
         2026-01-15T15:00:00+01:00,0,ios,submitted,manual,\n\
         2026-01-16T09:00:00+01:00,0,ios,review_approved,review-9,\n\
         2026-01-16T10:00:00+01:00,0,ios,rollout,manual,20\n\
         2026-01-16T18:00:00+01:00,0,ios,point_release,0.1,\n"
    );
    replay_text(&hotfix, &["--policy", "recorded"]).success();
    let line = |k: usize, reason: &str| format!("log.csv:{}: {reason}", n + k);
    let bad = format!(
        "{GOOD}2026-01-15T09:00:00+01:00,0,ios,point_release,0.1,\n\
         2026-01-15T10:00:00+01:00,0,ios,point_release,0.1,\n\
         2026-01-15T11:00:00+01:00,0,ios,blocker_fixed,bug-77,\n\
         2026-01-15T12:00:00+01:00,0,ios,paused,manual,\n\
         2026-01-15T13:00:00+01:00,0,ios,point_release,,\n"
    );
    let stderr = refused(&bad);
    for expected in [
        line(2, "point release \"0.1\" already shipped"),
        line(3, "a fix after the release for bug \"bug-77\""),
        line(4, "paused after the release reached 100%"),
        line(5, "point_release needs a ref"),
        "log.csv: 4 bad rows".into(),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} not in {stderr}");
    }
    let early = GOOD.replace(
        "2026-01-13T09:00:00+01:00,0,ios,review_approved,review-1,\n",
        "2026-01-13T09:00:00+01:00,0,ios,review_approved,review-1,\n\
         2026-01-13T09:30:00+01:00,0,ios,point_release,0.1,\n",
    );
    assert!(refused(&early).contains(
        "point_release while the track is submitted: hotfixes and point releases follow the release"
    ));
}

/// Checks: a counterfactual keeps every recorded event. A history whose blocker was found
/// (and a commit landed) a week after the cut ships sooner under the robot and a manual
/// policy: the bug and the fix then fall after their release and are counted
/// (`bugs_after_release`, `fixes_after_release`), so per policy the bugs in (1) equal
/// blockers + late bugs + bugs after release, and the fixes in (1) equal fixes landed + fixes
/// after release. Fails if a counterfactual dropped them silently (the old behaviour) or
/// counted one twice.
#[test]
fn a_counterfactual_keeps_every_recorded_fix_and_bug() {
    let log = "\
ts,version,platform,kind,ref,value
2026-01-09T10:00:00+01:00,0,android,branch_cut,,
2026-01-16T10:00:00+01:00,0,android,blocker_opened,bug-1,
2026-01-16T11:00:00+01:00,0,android,fix_landed,c0ffee,
2026-01-16T15:00:00+01:00,0,android,blocker_fixed,bug-1,
2026-01-19T10:00:00+01:00,0,android,rollout,manual,100
";
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("late.csv");
    std::fs::write(&path, log).unwrap();
    let out = tmp.path().join("out");
    conductor()
        .arg("replay")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let df = crate::dataset::read(
        &out,
        "cycles",
        &[
            "policy",
            "outcome",
            "blockers",
            "late_bugs",
            "bugs_after_release",
            "fixes_landed",
            "fixes_after_release",
        ],
    );
    let int = |name: &str| crate::dataset::i64s(&df, name);
    let policies = crate::dataset::strs(&df, "policy");
    assert_eq!(policies.len(), 4, "{policies:?}");
    let mut after = 0;
    for (i, policy) in policies.iter().enumerate() {
        assert_eq!(
            crate::dataset::strs(&df, "outcome")[i],
            "shipped",
            "{policy}"
        );
        let bugs = int("blockers")[i].unwrap()
            + int("late_bugs")[i].unwrap()
            + int("bugs_after_release")[i].unwrap();
        let fixes = int("fixes_landed")[i].unwrap() + int("fixes_after_release")[i].unwrap();
        assert_eq!((bugs, fixes), (1, 1), "{policy}: count in = count out");
        after += int("bugs_after_release")[i].unwrap();
    }
    // The history itself found its bug before its release; the robot ships before it.
    let robot = policies.iter().position(|p| p == "robot").unwrap();
    assert_eq!(int("bugs_after_release")[robot], Some(1));
    assert_eq!(int("fixes_after_release")[robot], Some(1));
    let recorded = policies.iter().position(|p| p == "recorded").unwrap();
    assert_eq!(int("bugs_after_release")[recorded], Some(0));
    assert!(after >= 1);
    // The report counts them.
    conductor()
        .arg("report")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("after release"));
}

/// Checks: the `cycles` table says where each evidence family came from: every family
/// `drawn` in a simulation; replaying the sample log (which records every family), `recorded`
/// under every policy; a log of cuts and releases only, `absent` replayed as recorded and
/// `drawn` in a counterfactual. Fails if provenance were lost, or a counterfactual's drawn
/// families passed for recorded ones.
#[test]
fn evidence_says_where_each_family_came_from() {
    let tmp = tempfile::tempdir().unwrap();
    let families = [
        "blockers",
        "builds",
        "metrics",
        "signoff",
        "usage",
        "reviews",
        "rollout_checks",
    ];
    let columns: Vec<String> = families.iter().map(|f| format!("evidence_{f}")).collect();
    let mut wanted: Vec<&str> = vec!["policy"];
    wanted.extend(columns.iter().map(String::as_str));
    let evidence = |dir: &Path| -> BTreeMap<String, BTreeSet<String>> {
        let df = crate::dataset::read(dir, "cycles", &wanted);
        let policies = crate::dataset::strs(&df, "policy");
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for c in &columns {
            for (p, v) in policies.iter().zip(crate::dataset::strs(&df, c)) {
                out.entry(p.clone()).or_default().insert(v);
            }
        }
        out
    };
    let sim = tmp.path().join("sim");
    conductor()
        .args(["simulate", "--seeds", "2", "--weeks", "2", "--out"])
        .arg(&sim)
        .assert()
        .success();
    for (p, values) in evidence(&sim) {
        assert_eq!(values, BTreeSet::from(["drawn".to_string()]), "{p}");
    }
    let sample = tmp.path().join("sample");
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-events.csv");
    replay(&log, &sample, &[]);
    for (p, values) in evidence(&sample) {
        assert_eq!(values, BTreeSet::from(["recorded".to_string()]), "{p}");
    }
    let cuts = tmp.path().join("cuts.csv");
    std::fs::write(
        &cuts,
        "ts,version,platform,kind,ref,value\n\
         2026-01-09T10:00:00+01:00,1.0,android,branch_cut,,\n\
         2026-01-14T10:00:00+01:00,1.0,android,rollout,manual,100\n",
    )
    .unwrap();
    let out = tmp.path().join("cuts");
    replay(&cuts, &out, &[]);
    for (p, values) in evidence(&out) {
        let expected = if p == "recorded" { "absent" } else { "drawn" };
        assert_eq!(values, BTreeSet::from([expected.to_string()]), "{p}");
    }
    // `check` says which policies' figures rest partly on the scenario.
    let limits = tmp.path().join("limits.toml");
    conductor()
        .arg("check")
        .arg(&out)
        .arg("--write-baseline")
        .arg(&limits)
        .assert()
        .success();
    conductor()
        .arg("check")
        .arg(&out)
        .arg("--baseline")
        .arg(&limits)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "assumed: robot's figures rest partly on the scenario (the log does not record blockers, builds",
        ))
        .stdout(predicates::str::contains("assumed: recorded").not());
    // `compare` says what each arm rests on (the text wraps; the JSON is exact).
    let compared = conductor()
        .arg("compare")
        .arg(format!("{}:recorded", out.display()))
        .arg(format!("{}:robot", out.display()))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(compared.status.success(), "{compared:?}");
    let compared: serde_json::Value = serde_json::from_slice(&compared.stdout).unwrap();
    let c = &compared["comparisons"][0];
    assert_eq!(c["base"]["rests_on"], "record", "{c}");
    assert_eq!(c["other"]["rests_on"], "record + scenario", "{c}");
    assert_eq!(
        c["other"]["assumed"],
        "blockers builds metrics signoff usage reviews rollout_checks"
    );
    // Its report splits the saving and says it rests on the scenario.
    let report = conductor().arg("report").arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("assumed h"), "{text}");
    assert!(
        text.contains("so every saving against it rests on the scenario's assumptions"),
        "{text}"
    );
    // The HTML report badges the headline figures that rest on assumptions.
    let html = conductor()
        .arg("report")
        .arg(&out)
        .args(["--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(
        html.contains("<span class=\"badge\">rests mostly on the scenario's assumptions"),
        "no badge on the savings"
    );
    assert!(html.contains("<span class=\"badge\">rests partly on the scenario's assumptions"));
    let json = report_json(&out, &[]);
    // Every cycle-time figure says what it rests on.
    for row in json["cycle_time"].as_array().unwrap() {
        let expected = if row["policy"] == "recorded" {
            "record"
        } else {
            "record + scenario"
        };
        assert_eq!(row["rests_on"], expected, "{row}");
    }
    assert!(text.contains("rests on"), "{text}");
    let rests = |dir: &Path| -> BTreeSet<String> {
        report_json(dir, &[])["cycle_time"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rests_on"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(rests(&sample), BTreeSet::from(["record".to_string()]));
    assert_eq!(rests(&sim), BTreeSet::from(["scenario".to_string()]));
    for row in json["savings"].as_array().unwrap() {
        let (mean, rec, ass) = (
            row["saving_mean_hours"].as_f64().unwrap(),
            row["saving_recorded_hours"].as_f64().unwrap(),
            row["saving_assumed_hours"].as_f64().unwrap(),
        );
        assert!((rec + ass - mean).abs() < 0.051, "{row}: the parts add up");
    }
}

fn refused(text: &str) -> String {
    let assert = replay_text(text, &[]).code(2);
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// GOOD with each timestamp as `git log --date=iso` prints it and the platform spelled
/// `iOS`.
fn as_git_prints_it() -> String {
    GOOD.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                return format!("{l}\n");
            }
            let (ts, rest) = l.split_once(',').unwrap();
            assert!(ts.ends_with("+01:00"), "{ts}");
            let rest = rest.replace(",ios,", ",iOS,");
            format!("{} {} +0100,{rest}\n", &ts[..10], &ts[11..19])
        })
        .collect()
}

#[test]
fn git_timestamps_and_any_case_of_a_platform_replay_as_rfc_3339_and_the_scenarios_name() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log.csv");
    let text = as_git_prints_it();
    assert!(
        text.contains("2026-01-09 10:00:00 +0100,0,iOS,branch_cut"),
        "{text}"
    );
    std::fs::write(&log, &text).unwrap();
    let out = tmp.path().join("out");
    replay(&log, &out, &["recorded"]);
    let cycles = crate::dataset::read(&out, "cycles", &["platform", "cycle_hours"]);
    assert_eq!(crate::dataset::strs(&cycles, "platform"), ["ios"]);
    assert_eq!(
        crate::dataset::f64s(&cycles, "cycle_hours"),
        [Some(5.0 * 24.0 + 0.5)]
    );
}

#[test]
fn truncated_and_corrupt_files_are_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    for ext in ["csv", "jsonl", "parquet"] {
        let log = tmp.path().join(format!("log.{ext}"));
        conductor()
            .args(["simulate", "--seeds", "1", "--weeks", "2", "--event-log"])
            .arg(&log)
            .assert()
            .success();
        let bytes = std::fs::read(&log).unwrap();
        // Cut inside a row's timestamp (text formats) or anywhere (Parquet).
        let newlines: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'\n').collect();
        let cuts = match ext {
            "parquet" => vec![bytes.len() / 3, bytes.len() - 7],
            _ => vec![
                newlines[newlines.len() / 3] + 11,
                newlines[newlines.len() - 2] + 5,
            ],
        };
        for cut in cuts {
            let bad = tmp.path().join(format!("cut-{cut}.{ext}"));
            std::fs::write(&bad, &bytes[..cut]).unwrap();
            let out = conductor()
                .arg("replay")
                .arg(&bad)
                .arg("--out")
                .arg(tmp.path().join(format!("out-{cut}-{ext}")))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{ext} cut at {cut}: {stderr}");
            assert!(stderr.starts_with("error: "), "{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
        let garbage = tmp.path().join(format!("garbage.{ext}"));
        std::fs::write(&garbage, [0xff, 0xfe, 0x00, 0x50, 0x41, 0x52, 0x31, 0x0a]).unwrap();
        conductor()
            .arg("replay")
            .arg(&garbage)
            .arg("--out")
            .arg(&sim)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("garbage").and(predicate::str::contains("panicked").not()),
            );
    }
}

#[test]
fn the_sample_log_replays_and_reports_what_the_robot_would_have_saved() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-events.csv");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sample");
    replay(&sample, &out, &[]);
    let v = report_json(&out, &["--baseline", "recorded"]);
    let robot = v["savings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["policy"] == "robot" && r["platform"] == "all")
        .unwrap()
        .clone();
    // One recorded season: the interval resamples its versions, so it exists, brackets the
    // mean, and says the robot saves time (the figure the README quotes).
    let (lo, mean, hi) = (
        robot["saving_ci95_low_hours"].as_f64().unwrap(),
        robot["saving_mean_hours"].as_f64().unwrap(),
        robot["saving_ci95_high_hours"].as_f64().unwrap(),
    );
    assert!(lo < mean && mean < hi, "{robot}");
    assert!(lo > 0.0, "{robot}");
    // 7.3 h before counterfactuals kept the releases the history let overlap the next
    // branch (every counterfactual had cancelled one ios release that really shipped: 38
    // pairs, now 39).
    assert!((mean - 7.1).abs() < 0.05, "{robot}");
}

/// The report's cycle-time medians per platform (and `all`) of `policy` in `dir`.
fn medians(dir: &Path, policy: &str) -> BTreeMap<String, f64> {
    let v = report_json(dir, &["--policy", policy]);
    v["cycle_time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let platform = r["platform"].as_str().unwrap().to_string();
            (platform, r["cycle_p50_hours"].as_f64().unwrap())
        })
        .collect()
}

#[test]
fn the_fitted_sample_scenario_reproduces_the_logs_median_cycle_time() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-events.csv");
    let tmp = tempfile::tempdir().unwrap();
    let fitted = tmp.path().join("fitted.toml");
    conductor()
        .arg("fit")
        .arg(&sample)
        .arg("-o")
        .arg(&fitted)
        .assert()
        .success();
    let recorded = tmp.path().join("recorded");
    replay(&sample, &recorded, &["recorded"]);
    let simulated = tmp.path().join("simulated");
    conductor()
        .arg("simulate")
        .arg(&fitted)
        .args([
            "--policy", "manual", "--seeds", "40", "--weeks", "13", "--out",
        ])
        .arg(&simulated)
        .assert()
        .success();
    let (log, sim) = (
        medians(&recorded, "recorded"),
        medians(&simulated, "manual"),
    );
    assert_eq!(log.len(), 4, "{log:?}");
    for (platform, median) in &log {
        let ratio = sim[platform] / median;
        assert!(
            (ratio - 1.0).abs() <= 0.10,
            "{platform}: log median {median:.1} h, fitted scenario {:.1} h",
            sim[platform]
        );
    }
}

/// The `all` row of `report --format json`'s outcomes for `policy`.
fn outcomes_all(json: &serde_json::Value, policy: &str) -> serde_json::Value {
    json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["policy"] == policy && o["platform"] == "all")
        .unwrap()
        .clone()
}

#[test]
fn the_release_still_in_progress_at_the_end_of_a_log_is_open_and_out_of_the_success_rate() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-events.csv");
    let text = std::fs::read_to_string(&sample).unwrap();
    let last = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1)?.parse::<u32>().ok())
        .max()
        .unwrap();
    // The last version's rollouts to 100% are not recorded yet: it is still rolling out.
    let to_100 = |l: &str| {
        l.contains(&format!(",{last},")) && l.contains(",rollout,") && l.ends_with(",100")
    };
    let removed = text.lines().filter(|l| to_100(l)).count();
    assert!(
        removed >= 2,
        "the sample's last version ships on several platforms"
    );
    let open_text: String = text
        .lines()
        .filter(|l| !to_100(l))
        .map(|l| format!("{l}\n"))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let open_log = tmp.path().join("open.csv");
    std::fs::write(&open_log, open_text).unwrap();
    let (full, open) = (tmp.path().join("full"), tmp.path().join("open"));
    replay(&sample, &full, &["recorded"]);
    replay(&open_log, &open, &["recorded"]);
    let (f, o) = (
        outcomes_all(&report_json(&full, &[]), "recorded"),
        outcomes_all(&report_json(&open, &[]), "recorded"),
    );
    assert_eq!(f["open"], 0, "{f}");
    assert_eq!(o["open"].as_u64(), Some(removed as u64), "{o}");
    assert_eq!(
        o["cancelled"], f["cancelled"],
        "an open release is not cancelled"
    );
    // The shipped share is over the settled releases, so it is the history's without the
    // last version; counting the open ones as not shipped would lower it.
    let (tracks, shipped_share) = (
        f["tracks"].as_f64().unwrap(),
        f["success_rate"].as_f64().unwrap(),
    );
    let shipped = (tracks * shipped_share).round();
    let expected = (shipped - removed as f64) / (tracks - removed as f64);
    assert!(
        (o["success_rate"].as_f64().unwrap() - expected).abs() < 1e-4,
        "{o}"
    );
    // And `check` judges the settled releases only: a limit the full history meets, the
    // history with its last release in progress meets too.
    let limits = tmp.path().join("limits.json");
    std::fs::write(
        &limits,
        format!(
            r#"{{"limit": [{{"metric": "success_rate", "at_least": {}}}]}}"#,
            expected - 1e-3
        ),
    )
    .unwrap();
    conductor()
        .args(["check", "--baseline"])
        .arg(&limits)
        .arg(&open_log)
        .assert()
        .success();
}

/// Two versions of one platform whose branches overlapped: version 0's review came back
/// after version 1 was cut, and both shipped.
const OVERLAPPING: &str = "\
ts,version,platform,kind,ref,value
2026-01-09T10:00:00+01:00,0,ios,branch_cut,,
2026-01-12T09:30:00+01:00,0,ios,final_rc,manual,
2026-01-12T10:00:00+01:00,0,ios,submitted,manual,
2026-01-16T10:00:00+01:00,1,ios,branch_cut,,
2026-01-19T09:00:00+01:00,0,ios,review_approved,review-1,
2026-01-19T10:00:00+01:00,0,ios,rollout,manual,1
2026-01-21T10:30:00+01:00,0,ios,rollout,manual,100
2026-01-19T09:30:00+01:00,1,ios,final_rc,manual,
2026-01-19T10:00:00+01:00,1,ios,submitted,manual,
2026-01-20T09:00:00+01:00,1,ios,review_approved,review-2,
2026-01-20T10:00:00+01:00,1,ios,rollout,manual,1
2026-01-22T10:30:00+01:00,1,ios,rollout,manual,100
";

#[test]
fn a_counterfactual_does_not_cancel_a_release_the_history_let_overlap_the_next_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log.csv");
    std::fs::write(&log, OVERLAPPING).unwrap();
    let out = tmp.path().join("out");
    replay(&log, &out, &["recorded", "manual", "robot"]);
    let cycles = crate::dataset::read(&out, "cycles", &["policy", "version", "outcome"]);
    let policy = crate::dataset::strs(&cycles, "policy");
    let outcome = crate::dataset::strs(&cycles, "outcome");
    for p in ["recorded", "manual", "robot"] {
        let of_p: Vec<&str> = (0..cycles.height())
            .filter(|&i| policy[i] == p)
            .map(|i| outcome[i].as_str())
            .collect();
        // Version 0 was still in review at version 1's cut under every policy (its review
        // is recorded as lasting a week); the scenario's overlap rule ("current") would
        // cancel it, but the history shows the team shipped both.
        assert_eq!(of_p, ["shipped", "shipped"], "{p}");
    }
}

/// A git-derived history: builds and their tests recorded, and a fix whose bug's opening
/// git does not show.
const FIX_LANDED: &str = "\
ts,version,platform,kind,ref,value
2026-01-09T10:00:00+01:00,0,ios,branch_cut,,
2026-01-09T11:00:00+01:00,0,ios,build_finished,build-1,60
2026-01-09T11:00:00+01:00,0,ios,tests_passed,build-1,
2026-01-09T15:00:00+01:00,0,ios,fix_landed,abc1234,
2026-01-09T16:00:00+01:00,0,ios,build_finished,build-2,60
2026-01-09T16:00:00+01:00,0,ios,tests_passed,build-2,
2026-01-12T09:30:00+01:00,0,ios,final_rc,manual,
2026-01-12T10:00:00+01:00,0,ios,submitted,manual,
2026-01-13T10:00:00+01:00,0,ios,rollout,manual,1
2026-01-14T10:30:00+01:00,0,ios,rollout,manual,100
";

#[test]
fn a_fix_without_an_opening_is_a_commit_not_an_invented_blocker() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log.csv");
    std::fs::write(&log, FIX_LANDED).unwrap();
    let out = tmp.path().join("out");
    conductor()
        .arg("replay")
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .args(["--policy", "recorded"])
        .assert()
        .success()
        // No blocker_opened: the blockers family stays unrecorded, nothing is invented.
        .stderr(predicate::str::contains("records no blockers"));
    // The fix at 15:00 (14:00Z) made the green build stale until build-2 passed at 16:00.
    let snap = crate::dataset::read(&out, "snapshots", &["ts", "gate_build_green"]);
    let ts = crate::dataset::i64s(&snap, "ts");
    let green: Vec<Option<bool>> = snap
        .column("gate_build_green")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    let at = |t: &str| t.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let green_at = |t: &str| {
        let i = ts.iter().position(|x| *x == Some(at(t))).unwrap();
        green[i]
    };
    assert_eq!(green_at("2026-01-09T13:55:00Z"), Some(true));
    assert_eq!(green_at("2026-01-09T14:00:00Z"), Some(false));
    assert_eq!(green_at("2026-01-09T14:55:00Z"), Some(false));
    assert_eq!(green_at("2026-01-09T15:00:00Z"), Some(true));
    // What the unrecorded blockers would decide is unknown, never a bug fix.
    let seg = crate::dataset::read(&out, "segments", &["state", "waiting_on"]);
    let state = crate::dataset::strs(&seg, "state");
    let label = crate::dataset::strs(&seg, "waiting_on");
    assert!(
        (0..seg.height()).all(|i| state[i] != "branched" || label[i] == "unknown"),
        "{label:?}"
    );
    let cycles = crate::dataset::read(&out, "cycles", &["outcome", "blockers"]);
    assert_eq!(crate::dataset::strs(&cycles, "outcome"), ["shipped"]);
    assert_eq!(
        crate::dataset::u32s(&cycles, "blockers"),
        [0],
        "no invented blocker"
    );
}

#[test]
fn a_trunk_based_cycle_starts_at_its_recorded_start_not_a_branch_cut() {
    // Tags on main, no release branch: the cycle starts at the first release candidate.
    let text = GOOD.replacen(",ios,branch_cut,,", ",ios,cycle_started,v1.2.0-rc.1,", 1);
    assert!(text.contains("cycle_started"));
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log.csv");
    std::fs::write(&log, &text).unwrap();
    let out = tmp.path().join("out");
    replay(&log, &out, &["recorded"]);
    let cycles = crate::dataset::read(&out, "cycles", &["cycle_hours"]);
    assert_eq!(
        crate::dataset::f64s(&cycles, "cycle_hours"),
        [Some(5.0 * 24.0 + 0.5)]
    );
    // One start per track, of either kind.
    let twice = format!("{text}2026-01-09T12:00:00+01:00,0,ios,branch_cut,,\n");
    replay_text(&twice, &[])
        .code(2)
        .stderr(predicate::str::contains(
            "a second start (branch_cut) for the same track: it started at line 2",
        ));
}

#[test]
fn a_staged_rollout_enters_rollout_1_at_its_first_step_whatever_its_percentage() {
    // Play's staged rollout: 2, 5, 10, 20, 50, then 100%.
    let staged = GOOD.replacen(
        "2026-01-13T10:00:00+01:00,0,ios,rollout,manual,1\n",
        "2026-01-13T10:00:00+01:00,0,ios,rollout,manual,2\n\
         2026-01-13T16:00:00+01:00,0,ios,rollout,manual,5\n\
         2026-01-13T20:00:00+01:00,0,ios,rollout,manual,10\n\
         2026-01-14T08:00:00+01:00,0,ios,rollout,manual,20\n\
         2026-01-14T09:00:00+01:00,0,ios,rollout,manual,50\n",
        1,
    );
    assert!(staged.contains(",2\n"));
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log.csv");
    std::fs::write(&log, &staged).unwrap();
    let out = tmp.path().join("out");
    replay(&log, &out, &["recorded"]);
    let cycles = crate::dataset::read(&out, "cycles", &["rollout_1_at", "cycle_hours"]);
    let at = crate::dataset::i64s(&cycles, "rollout_1_at")[0].unwrap();
    let first: jiff::Timestamp = "2026-01-13T09:00:00Z".parse().unwrap();
    assert_eq!(at, first.as_millisecond(), "rollout_1 from the 2% step");
    assert_eq!(
        crate::dataset::f64s(&cycles, "cycle_hours"),
        [Some(5.0 * 24.0 + 0.5)]
    );
    // A step below 100% still needs a release to roll out: before submission it is refused
    // where the log records submissions.
    let early = GOOD.replacen(
        "2026-01-12T10:00:00+01:00,0,ios,submitted,manual,\n",
        "2026-01-12T10:00:00+01:00,0,ios,rollout,manual,5\n2026-01-12T10:30:00+01:00,0,ios,submitted,manual,\n",
        1,
    );
    replay_text(&early, &[])
        .code(2)
        .stderr(predicate::str::contains("rollout 5%"));
}
