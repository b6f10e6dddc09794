//! `conductor simulate` end to end.

use predicates::prelude::*;

use crate::util::conductor;

#[test]
fn no_arguments_runs_the_baseline_and_prints_the_summary() {
    conductor()
        .args(["simulate", "--seeds", "4", "--weeks", "6"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "scenario baseline: 4 seeds x 6 versions",
        ))
        .stdout(predicate::str::contains("robot-except-100"))
        .stdout(predicate::str::contains("hours saved against manual"))
        .stdout(predicate::str::contains("manual_action"));
}

#[test]
fn shipped_scenarios_all_run() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            conductor()
                .arg("simulate")
                .arg(&path)
                .args(["--seeds", "2", "--weeks", "3"])
                .assert()
                .success();
        }
    }
}

#[test]
fn json_summary_is_valid_json_with_rows_and_savings() {
    let out = conductor()
        .args([
            "simulate", "--seeds", "3", "--weeks", "4", "--format", "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 9); // 3 platforms x 3 policies
    assert_eq!(v["savings"].as_array().unwrap().len(), 8); // 2 policies x (all + 3)
}

#[test]
fn one_policy_can_be_chosen_and_an_unknown_one_is_an_error() {
    conductor()
        .args([
            "simulate", "--seeds", "2", "--weeks", "2", "--policy", "robot",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("robot"))
        .stdout(predicate::str::contains("hours saved").not());
    conductor()
        .args(["simulate", "--seeds", "2", "--policy", "autopilot"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--policy \"autopilot\""))
        .stderr(predicate::str::contains("manual, robot, robot-except-100"));
}

#[test]
fn zero_seeds_and_bad_numbers_are_usage_errors() {
    conductor()
        .args(["simulate", "--seeds", "0"])
        .assert()
        .code(2);
    conductor()
        .args(["simulate", "--seeds", "many"])
        .assert()
        .code(2);
    conductor()
        .args(["simulate", "--weeks", "0"])
        .assert()
        .code(2);
    conductor()
        .args(["simulate", "--threads", "-1"])
        .assert()
        .code(2);
}

#[test]
fn regression_one_seed_is_not_1_seeds() {
    conductor()
        .args(["simulate", "--seeds", "1", "--weeks", "2", "--seed", "7"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "scenario baseline: 1 seed x 2 versions per policy (seed 7)",
        ))
        .stdout(predicate::str::contains("1 seeds").not());
}

#[test]
fn regression_nothing_shipped_prints_dashes_and_nulls_not_nan() {
    // Beta usage is never enough within a week: every release is cancelled at the next cut.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("never.toml");
    let text = crate::util::baseline_with(
        "hours_to_enough = { dist = \"lognormal\", median = 60.0, sigma = 0.15 }",
        "hours_to_enough = { dist = \"fixed\", value = 400.0 }",
    );
    std::fs::write(&path, text).unwrap();
    let table = conductor()
        .arg("simulate")
        .arg(&path)
        .args(["--seeds", "2", "--weeks", "3"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(!table.contains("NaN"), "{table}");
    assert!(table.contains("0.0%"), "{table}");
    assert!(!table.contains("-0.0"), "{table}");
    let json = conductor()
        .arg("simulate")
        .arg(&path)
        .args(["--seeds", "2", "--weeks", "3", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let row = &v["rows"][0];
    assert_eq!(row["shipped"], 0, "{row}");
    assert!(row["cycle_p50_hours"].is_null(), "{row}");
    assert!(row["cycle_mean_hours"].is_null(), "{row}");
    assert!(v["savings"][0]["saving_mean_hours"].is_null(), "{v}");
}

#[test]
fn a_listed_cut_schedule_is_the_simulated_trains_and_the_cadence_continues_after_it() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("irregular.toml");
    let text = crate::util::baseline_with(
        "cadence_weeks = 1\n",
        "cadence_weeks = 2\nbranch_cuts = [\"2026-01-09\", \"2026-01-16\", \"2026-02-13\"]\n",
    );
    std::fs::write(&scenario, text).unwrap();
    let log = tmp.path().join("log.csv");
    conductor()
        .arg("simulate")
        .arg(&scenario)
        .args([
            "--seeds",
            "1",
            "--weeks",
            "5",
            "--policy",
            "robot",
            "--event-log",
        ])
        .arg(&log)
        .assert()
        .success();
    let log = std::fs::read_to_string(&log).unwrap();
    // The log is sorted by seed, version, platform and time: android's cuts in version order.
    let dates: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(",android,branch_cut,"))
        .map(|l| &l[..10])
        .collect();
    // Listed: a week, then four; then every two weeks from the last listed date.
    assert_eq!(
        dates,
        [
            "2026-01-09",
            "2026-01-16",
            "2026-02-13",
            "2026-02-27",
            "2026-03-13"
        ],
        "{log}"
    );
}
