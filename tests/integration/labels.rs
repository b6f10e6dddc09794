//! Version labels (issue 18): a log names its versions as its team does (`7.20`, `8.9`,
//! `8.10`, `v104.0.0`); replay numbers them by their cuts and keeps the label in every table,
//! the dashboard, the report's timeline and the activity log.

use std::path::Path;

use predicates::prelude::*;

use crate::dataset::{i64s, read, strs};
use crate::util::conductor;

/// Three versions, cut in the order `7.20`, `8.9`, `8.10` (as text `8.10` sorts before
/// `8.9`), on android and ios (spelled `iOS` once); `8.10` has not reached 100% on ios.
const LOG: &str = "\
ts,version,platform,kind,ref,value
2026-01-09T10:00:00+01:00,7.20,android,branch_cut,,
2026-01-09T10:00:00+01:00,7.20,iOS,branch_cut,,
2026-01-12T10:00:00+01:00,7.20,android,rollout,manual,100
2026-01-13T10:00:00+01:00,7.20,ios,rollout,manual,100
2026-01-23T10:00:00+01:00,8.9,android,branch_cut,,
2026-01-23T10:00:00+01:00,8.9,ios,branch_cut,,
2026-01-26T11:00:00+01:00,8.9,android,rollout,manual,100
2026-01-27T12:00:00+01:00,8.9,ios,rollout,manual,100
2026-02-06T10:00:00+01:00,8.10,android,branch_cut,,
2026-02-06T10:00:00+01:00,8.10,ios,branch_cut,,
2026-02-09T10:00:00+01:00,8.10,android,rollout,manual,100
";

fn replayed(tmp: &Path) -> std::path::PathBuf {
    let log = tmp.join("labels.csv");
    std::fs::write(&log, LOG).unwrap();
    let out = tmp.join("run");
    conductor()
        .arg("replay")
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .args(["--policy", "recorded", "--policy", "robot"])
        .assert()
        .success();
    out
}

/// Checks: the versions are numbered by their cuts (7.20 → 1, 8.9 → 2, 8.10 → 3, although
/// `8.10` sorts before `8.9` as text), and all four tables keep the label beside the
/// number. Fails if labels were refused, numbered by text, or lost in a table.
#[test]
fn labels_are_numbered_by_their_cuts_and_kept_in_every_table() {
    let tmp = tempfile::tempdir().unwrap();
    let out = replayed(tmp.path());
    for table in ["cycles", "transitions", "segments", "snapshots"] {
        let df = read(&out, table, &["version", "version_label"]);
        let (numbers, labels) = (i64s(&df, "version"), strs(&df, "version_label"));
        assert!(df.height() > 0, "{table}");
        for (n, l) in numbers.iter().zip(&labels) {
            let expected = match l.as_str() {
                "7.20" => 1,
                "8.9" => 2,
                "8.10" => 3,
                other => panic!("{table}: label {other:?}"),
            };
            assert_eq!(*n, Some(expected), "{table}: {l}");
        }
    }
    let df = read(
        &out,
        "cycles",
        &["policy", "version_label", "platform", "outcome"],
    );
    let rows: Vec<String> = (0..df.height())
        .filter(|&i| strs(&df, "policy")[i] == "recorded")
        .map(|i| {
            format!(
                "{} {} {}",
                strs(&df, "version_label")[i],
                strs(&df, "platform")[i],
                strs(&df, "outcome")[i]
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "7.20 android shipped",
            "7.20 ios shipped",
            "8.9 android shipped",
            "8.9 ios shipped",
            "8.10 android shipped",
            "8.10 ios open",
        ]
    );
}

/// Checks: the dashboard, the report's timeline and the activity log name versions by
/// label, and `--version` / `--timeline-version` take a label; an unknown label is an
/// error (exit 2) that lists the labels there are. Fails if any of them showed or wanted
/// the internal number.
#[test]
fn outputs_show_and_take_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let out = replayed(tmp.path());
    conductor()
        .arg("dashboard")
        .arg(&out)
        .args(["--at", "2026-01-26T09:00:00Z", "--version", "8.9"])
        .assert()
        .success()
        .stdout(predicate::str::contains("v8.9 android"))
        .stdout(predicate::str::contains("v8.9 ios"))
        .stdout(predicate::str::contains("v7.20").not());
    let report = tmp.path().join("report.json");
    conductor()
        .arg("report")
        .arg(&out)
        .args(["--timeline-version", "8.10", "--format", "json", "--out"])
        .arg(&report)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["timeline"]["version_label"], "8.10");
    assert_eq!(json["timeline"]["version"], 3);
    conductor()
        .arg("report")
        .arg(&out)
        .args(["--timeline-version", "9.0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--timeline-version 9.0: seed 0 has no such version (it has 7.20, 8.9, 8.10)",
        ));
    conductor()
        .arg("export")
        .arg(&out)
        .args(["--format", "activity-log", "--policy", "recorded"])
        .assert()
        .success()
        .stdout(predicate::str::contains("recorded/seed=0/v8.10/ios"))
        .stdout(predicate::str::contains(",3,8.10,ios,"));
    // A counterfactual's cases name what the scenario supplied for them.
    conductor()
        .arg("export")
        .arg(&out)
        .args(["--format", "activity-log", "--policy", "robot"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            ",blockers builds metrics signoff usage reviews rollout_checks\n",
        ));
}

/// Checks: the dashboard of a log that records only cuts and releases says what it does not
/// know. Replayed as recorded, the gates whose evidence the log lacks show `?` (not a red
/// `x` that would claim they fail); under a counterfactual the board names the families
/// the scenario supplied. Fails if unknown gates passed for failing ones, or drawn evidence
/// for recorded.
#[test]
fn the_dashboard_of_a_partial_log_marks_what_it_does_not_know() {
    let tmp = tempfile::tempdir().unwrap();
    let out = replayed(tmp.path());
    let board = |policy: &str| {
        let o = conductor()
            .arg("dashboard")
            .arg(&out)
            .args(["--at", "2026-01-26T09:00:00Z", "--policy", policy])
            .output()
            .unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap()
    };
    let recorded = board("recorded");
    assert!(recorded.contains("? no_blockers"), "{recorded}");
    assert!(recorded.contains("? not recorded"), "{recorded}");
    assert!(!recorded.contains("x no_blockers"), "{recorded}");
    let robot = board("robot");
    assert!(
        robot.contains("assumed: the log does not record blockers, builds, metrics"),
        "{robot}"
    );
    assert!(!robot.contains("? "), "{robot}");
}
