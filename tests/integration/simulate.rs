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

/// The local times (in `zone`) of the rows of `platform` that a person of the release squad
/// made (`ref` = `manual`: advances, pauses, cancellations) in the event log `log`.
fn manual_rows_local(log: &std::path::Path, platform: &str, zone: &str) -> Vec<jiff::Zoned> {
    let zone = jiff::tz::TimeZone::get(zone).unwrap();
    let mut reader = csv::Reader::from_path(log).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (ts, plat, reference) = (col("ts"), col("platform"), col("ref"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[plat] == platform && &r[reference] == "manual")
        .map(|r| {
            r[ts]
                .parse::<jiff::Timestamp>()
                .unwrap()
                .to_zoned(zone.clone())
        })
        .collect()
}

#[test]
fn a_platforms_own_release_squad_makes_its_manual_steps_in_its_own_hours() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("distributed.toml");
    // The iOS squad sits in California; the others stay on the default squad (Stockholm,
    // 08:00-21:00), whose day barely overlaps California's 09:00-17:00.
    let text = crate::util::baseline_with("name = \"baseline\"", "name = \"distributed\"")
        + "\n[calendars.platforms.ios.release_squad]\n\
           time_zone = \"America/Los_Angeles\"\n\
           weekdays = [\"09:00-17:00\"]\n\
           holidays = []\n";
    std::fs::write(&scenario, text).unwrap();
    let log = tmp.path().join("log.csv");
    conductor()
        .arg("simulate")
        .arg(&scenario)
        .args(["--seeds", "2", "--weeks", "4", "--policy", "manual"])
        .arg("--event-log")
        .arg(&log)
        .assert()
        .success();
    let within = |t: &jiff::Zoned, from: i8, to: i8| {
        let weekday = t.weekday().to_monday_one_offset() <= 5;
        let time = t.time();
        // A reaction's last working second may end exactly at the window's end.
        weekday
            && time >= jiff::civil::time(from, 0, 0, 0)
            && time <= jiff::civil::time(to, 0, 0, 0)
    };
    let ios = manual_rows_local(&log, "ios", "America/Los_Angeles");
    // Four releases' final_rc, submission and rollouts at the least.
    assert!(ios.len() >= 2 * 4 * 3, "{} ios manual rows", ios.len());
    let outside: Vec<_> = ios.iter().filter(|t| !within(t, 9, 17)).collect();
    assert!(
        outside.is_empty(),
        "ios outside 09-17 Los Angeles: {outside:?}"
    );
    let android = manual_rows_local(&log, "android", "Europe/Stockholm");
    assert!(
        android.len() >= 2 * 4 * 3,
        "{} android manual rows",
        android.len()
    );
    let outside: Vec<_> = android.iter().filter(|t| !within(t, 8, 21)).collect();
    assert!(
        outside.is_empty(),
        "android outside 08-21 Stockholm: {outside:?}"
    );
    // Android's squad is not California's: some of its steps fall outside 09-17 there.
    let android_la = manual_rows_local(&log, "android", "America/Los_Angeles");
    assert!(android_la.iter().any(|t| !within(t, 9, 17)));
}

/// The summary's safety table: per platform and policy, said to rest on the scenario's
/// defect model; skipping manual testing lets more defects escape on the same seeds.
#[test]
fn the_summary_shows_the_safety_side_and_says_it_rests_on_the_scenario() {
    let root = env!("CARGO_MANIFEST_DIR");
    let json = |scenario: &str| -> serde_json::Value {
        let out = conductor()
            .args(["simulate", &format!("{root}/scenarios/{scenario}.toml")])
            .args(["--seeds", "20", "--policy", "manual", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let base = json("baseline");
    let rows = base["safety"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "one per platform: {rows:?}");
    for r in rows {
        assert_eq!(r["rests_on"], "scenario", "{r}");
        let escaped = r["escaped_per_release"].as_f64().unwrap();
        assert!((0.05..1.0).contains(&escaped), "{r}");
        assert!(r["user_exposure_hours"].as_f64().unwrap() > 0.0, "{r}");
        let cfr = r["change_failure_rate"].as_f64().unwrap();
        assert!(cfr > 0.0 && cfr <= escaped + 1e-9, "{r}");
    }
    let escaped = |v: &serde_json::Value| -> f64 {
        v["safety"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["escaped_per_release"].as_f64().unwrap())
            .sum()
    };
    let fewer = json("fewer-manual-signoffs");
    assert!(
        escaped(&fewer) > escaped(&base) + 0.1,
        "fewer manual testers, more escapes: {} vs {}",
        escaped(&fewer),
        escaped(&base)
    );
    conductor()
        .args(["simulate", "--seeds", "3", "--weeks", "4"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "safety per release that reached users (assumed: the figures rest on the \
             scenario's\n[world.defects]",
        ))
        .stdout(predicate::str::contains("change fail"));
}
