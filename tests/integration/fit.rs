//! `conductor fit`: it recovers the baseline's parameters from the baseline's own log, the
//! scenario it writes simulates, families a log lacks keep the base values, and bad input
//! fails with the file named.

use std::path::{Path, PathBuf};

use conductor::dist::Dist;
use conductor::scenario::{BASELINE_TOML, Scenario};
use predicates::prelude::*;
use serde_json::Value;

use crate::util::conductor;

/// Simulates the baseline (40 seeds × 26 weeks, people only) and returns its event log.
fn baseline_log(dir: &Path) -> PathBuf {
    let log = dir.join("log.csv");
    conductor()
        .args([
            "simulate", "--seeds", "40", "--weeks", "26", "--policy", "manual",
        ])
        .arg("--event-log")
        .arg(&log)
        .assert()
        .success();
    log
}

/// Runs `conductor fit LOG -o OUT ARGS --format json`; returns the parsed output.
fn fit_json(log: &Path, out: &Path, args: &[&str]) -> Value {
    let assert = conductor()
        .arg("fit")
        .arg(log)
        .arg("-o")
        .arg(out)
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success();
    serde_json::from_slice(&assert.get_output().stdout).unwrap()
}

fn quantity<'a>(doc: &'a Value, key: &str) -> &'a Value {
    doc["quantities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["key"] == key)
        .unwrap_or_else(|| panic!("no quantity {key}"))
}

/// The parameters of `family`'s fit (the chosen one, or a candidate duration family).
fn parameters<'a>(q: &'a Value, family: &str) -> &'a Value {
    if q["family"] == family {
        return &q["parameters"];
    }
    let candidates = q["candidates"].as_array().unwrap_or_else(|| panic!("{q}"));
    &candidates.iter().find(|c| c["family"] == family).unwrap()["parameters"]
}

/// A quantity's key, the family it was drawn from and its parameters.
type Truth = (String, &'static str, Vec<(&'static str, f64)>);

/// The baseline's value of each fitted quantity.
fn baseline_values() -> Vec<Truth> {
    let sc = Scenario::baseline();
    let w = &sc.world;
    let dist = |key: &str, d: Dist| -> Truth {
        match d {
            Dist::Exponential { mean } => (key.into(), "exponential", vec![("mean", mean)]),
            Dist::LogNormal { median, sigma } => (
                key.into(),
                "lognormal",
                vec![("median", median), ("sigma", sigma)],
            ),
            other => panic!("{key}: {other:?} is not in the baseline"),
        }
    };
    let rate = |key: &str, p: f64| (key.to_string(), "bernoulli", vec![("p", p)]);
    let ios = sc.platforms[1].store.unwrap();
    let android = sc.platforms[0].store.unwrap();
    vec![
        (
            "world.blockers.mean_count".into(),
            "poisson",
            vec![("mean", w.blockers_mean_count)],
        ),
        dist("world.blockers.discovery_hours", w.blocker_discovery_hours),
        dist(
            "world.blockers.fix_effort_hours",
            w.blocker_fix_effort_hours,
        ),
        dist("world.builds.duration_minutes", w.build_duration_minutes),
        rate("world.builds.flaky_failure", w.build_flaky_failure),
        dist("world.builds.crash_rate_percent", w.crash_rate_percent),
        dist(
            "world.builds.crash_fix_effort_hours",
            w.crash_fix_effort_hours,
        ),
        rate("world.signoff.opt_out", w.signoff_opt_out),
        dist("world.signoff.effort_hours", w.signoff_effort_hours),
        dist("world.usage.hours_to_enough", w.usage_hours_to_enough),
        dist("world.rollout.itgc_hours", w.itgc_hours),
        rate("world.rollout.incident", w.incident),
        dist("world.rollout.incident_after_hours", w.incident_after_hours),
        dist(
            "world.rollout.incident_fix_effort_hours",
            w.incident_fix_effort_hours,
        ),
        dist("stores.android.review_hours", android.review_hours),
        rate("stores.android.rejection", android.rejection),
        dist("stores.ios.review_hours", ios.review_hours),
        rate("stores.ios.rejection", ios.rejection),
        dist(
            "stores.*.rejection_fix_effort_hours",
            ios.rejection_fix_effort_hours,
        ),
    ]
}

#[test]
fn fit_recovers_the_baseline_parameters_from_its_own_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = baseline_log(dir.path());
    let out = dir.path().join("fitted.toml");
    let doc = fit_json(&log, &out, &["--level", "0.99"]);
    assert_eq!(doc["level"], 0.99);
    assert_eq!(doc["log"]["tracks"], 40 * 26 * 3);

    let mut misses = Vec::new();
    for (key, family, params) in baseline_values() {
        let q = quantity(&doc, &key);
        assert_eq!(q["status"], "fitted", "{key}: {q}");
        let fitted = parameters(q, family);
        for (name, truth) in params {
            let e = &fitted[name];
            let (est, low, high) = (
                e["estimate"].as_f64().unwrap(),
                e["low"].as_f64().unwrap(),
                e["high"].as_f64().unwrap(),
            );
            if !(low <= truth && truth <= high) {
                misses.push(format!(
                    "{key} {family} {name} = {truth}: fitted {est} [{low}, {high}]"
                ));
            }
        }
    }
    assert!(
        misses.is_empty(),
        "outside the 99% interval:\n{}",
        misses.join("\n")
    );

    // The main quantities get the baseline's family.
    for key in [
        "stores.ios.review_hours",
        "stores.android.review_hours",
        "world.blockers.fix_effort_hours",
        "world.builds.duration_minutes",
        "world.builds.crash_rate_percent",
        "world.signoff.effort_hours",
        "world.usage.hours_to_enough",
        "world.rollout.itgc_hours",
    ] {
        assert_eq!(quantity(&doc, key)["family"], "lognormal", "{key}");
    }
    let blockers = quantity(&doc, "world.blockers.mean_count");
    assert_eq!(blockers["family"], "poisson");
    let mean = blockers["parameters"]["mean"]["estimate"].as_f64().unwrap();
    assert!((3.8..4.2).contains(&mean), "{mean}");
    // Exponential discovery: the gamma nests it, so AIC may take either, never the lognormal.
    assert_ne!(
        quantity(&doc, "world.blockers.discovery_hours")["family"],
        "lognormal"
    );
    assert_eq!(
        quantity(&doc, "world.signoff.teams")["parameters"]["max"]["estimate"],
        12
    );
    assert_eq!(
        quantity(&doc, "world.people.reaction_minutes")["status"],
        "not_estimable"
    );

    // The written scenario: named, headed by the log's name and hash, loads, holds the fit.
    let text = std::fs::read_to_string(&out).unwrap();
    let sha = conductor::files::sha256_hex(&std::fs::read(&log).unwrap());
    let header: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
    assert!(
        header.contains(&sha) && header.contains("log.csv"),
        "{header}"
    );
    assert!(header.contains("Command: conductor fit"), "{header}");
    let sc = Scenario::load(&out).unwrap();
    assert_eq!(sc.name, "baseline-fitted");
    let written = quantity(&doc, "stores.ios.review_hours")["written"].clone();
    let Some(Dist::LogNormal { median, sigma }) = sc.platforms[1].store.map(|s| s.review_hours)
    else {
        panic!("ios review is not lognormal")
    };
    assert_eq!(
        (median, sigma),
        (
            written["median"].as_f64().unwrap(),
            written["sigma"].as_f64().unwrap()
        )
    );
    // The pooled rejection fix effort goes to every store.
    assert_eq!(
        sc.platforms[0].store.unwrap().rejection_fix_effort_hours,
        sc.platforms[1].store.unwrap().rejection_fix_effort_hours
    );
    // Comments of the base survive.
    assert!(text.contains("# two overlapping shifts; nobody acts at night or weekends"));

    // Deterministic: the same log gives the same output and file.
    let again = dir.path().join("again.toml");
    let doc2 = fit_json(&log, &again, &["--level", "0.99"]);
    assert_eq!(doc["quantities"], doc2["quantities"]);
    let text2 = std::fs::read_to_string(&again).unwrap();
    assert_eq!(text, text2.replace("again.toml", "fitted.toml"));
}

#[test]
fn the_fitted_scenario_simulates() {
    let dir = tempfile::tempdir().unwrap();
    let log = baseline_log(dir.path());
    let out = dir.path().join("fitted.toml");
    conductor()
        .arg("fit")
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("review latency (ios)"))
        .stdout(predicate::str::contains("family choice by AIC"));
    conductor()
        .arg("simulate")
        .arg(&out)
        .args(["--seeds", "20"])
        .assert()
        .success()
        .stdout(predicate::str::contains("baseline-fitted"));
}

#[test]
fn families_the_log_lacks_keep_the_base_values() {
    let dir = tempfile::tempdir().unwrap();
    let log = baseline_log(dir.path());
    // Drop every review and sign-off event. The log stays valid (a resubmission then passes
    // through an unrecorded rejection), so nothing needs --lenient.
    let text = std::fs::read_to_string(&log).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            let kind = l.split(',').nth(4).unwrap_or("");
            !kind.starts_with("review_") && !kind.starts_with("signoff_")
        })
        .collect();
    let partial = dir.path().join("partial.csv");
    std::fs::write(&partial, kept.join("\n") + "\n").unwrap();
    let out = dir.path().join("fitted.toml");

    let assert = conductor()
        .arg("fit")
        .arg(&partial)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped").not());
    let table = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    for name in [
        "review latency (ios)",
        "rejection rate (android)",
        "sign-off effort",
    ] {
        // A row of a table split to fit 100 columns continues in the next block.
        let row: Vec<&str> = table.lines().filter(|l| l.starts_with(name)).collect();
        let row = row.join(" ");
        assert!(
            row.contains("not recorded") && row.contains("kept"),
            "{row}"
        );
    }
    let row: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("build duration"))
        .collect();
    let row = row.join(" ");
    assert!(
        row.contains("lognormal") && !row.contains("not recorded"),
        "{row}"
    );

    let doc = fit_json(&partial, &out, &[]);
    for key in [
        "stores.ios.review_hours",
        "stores.android.rejection",
        "stores.*.rejection_fix_effort_hours",
        "world.signoff.teams",
        "world.signoff.opt_out",
        "world.signoff.effort_hours",
    ] {
        let q = quantity(&doc, key);
        assert_eq!(q["status"], "not_recorded", "{key}");
        assert!(q.get("written").is_none(), "{key}");
    }
    assert_eq!(
        quantity(&doc, "world.usage.hours_to_enough")["status"],
        "fitted"
    );

    let base = Scenario::baseline();
    let sc = Scenario::load(&out).unwrap();
    assert_eq!(sc.platforms, base.platforms);
    assert_eq!(sc.world.signoff_teams, base.world.signoff_teams);
    assert_eq!(sc.world.signoff_opt_out, base.world.signoff_opt_out);
    assert_eq!(
        sc.world.signoff_effort_hours,
        base.world.signoff_effort_hours
    );
    assert_eq!(sc.world.reaction_minutes, base.world.reaction_minutes);
    assert_ne!(
        sc.world.usage_hours_to_enough,
        base.world.usage_hours_to_enough
    );
    // The kept lines are the base's, comments included.
    let written = std::fs::read_to_string(&out).unwrap();
    let line = |t: &str, key: &str| t.lines().find(|l| l.starts_with(key)).unwrap().to_string();
    assert_eq!(
        line(&written, "review_hours"),
        line(BASELINE_TOML, "review_hours")
    );
    assert_eq!(line(&written, "opt_out"), line(BASELINE_TOML, "opt_out"));
}

#[test]
fn a_missing_log_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.toml");
    conductor()
        .arg("fit")
        .arg(dir.path().join("no-such-log.csv"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-log.csv"))
        .stderr(predicate::str::contains("panicked").not());
    assert!(!out.exists());
}

#[test]
fn a_malformed_log_fails_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bad-log.csv");
    std::fs::write(
        &log,
        "ts,seed,version,platform,kind,ref,value\n\
         2026-01-09T10:00:00+01:00,1,0,android,branch_cut,,\n\
         2026-01-09T11:00:00+01:00,1,0,android,no_such_kind,,\n",
    )
    .unwrap();
    let out = dir.path().join("fitted.toml");
    conductor()
        .arg("fit")
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad-log.csv:3"))
        .stderr(predicate::str::contains("no_such_kind"));
    assert!(!out.exists());
}

#[test]
fn a_level_outside_zero_to_one_fails() {
    let dir = tempfile::tempdir().unwrap();
    conductor()
        .args(["fit", "log.csv", "-o"])
        .arg(dir.path().join("fitted.toml"))
        .args(["--level", "95"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--level 95"));
}
