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
/// The baseline without its `[world.defects]` table: the world whose log's blockers,
/// rejections and incidents are exactly `world.blockers`, `stores.*.rejection` and
/// `world.rollout.incident*` (with defects, the rings' catches join them; docs/model.md §8).
fn defect_free_baseline() -> String {
    let text = conductor::scenario::BASELINE_TOML;
    let start = text
        .find("[world.defects]")
        .expect("the baseline has defects");
    let end = start + text[start..].find("[world.people]").unwrap();
    format!("{}{}", &text[..start], &text[end..])
}

fn baseline_log(dir: &Path) -> PathBuf {
    let log = dir.join("log.csv");
    let scenario = dir.join("defect-free.toml");
    std::fs::write(&scenario, defect_free_baseline()).unwrap();
    conductor()
        .args(["simulate"])
        .arg(&scenario)
        .args(["--seeds", "40", "--weeks", "26", "--policy", "manual"])
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
    let sc = Scenario::from_toml(&defect_free_baseline(), "defect-free.toml").unwrap();
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
    // Against the world that drew it: without defects, every blocker is a drawn blocker.
    let base = dir.path().join("defect-free.toml");
    let base = base.to_str().unwrap();
    let doc = fit_json(&log, &out, &["--level", "0.99", "--scenario", base]);
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
    assert!((3.4..3.8).contains(&mean), "{mean}: the scenario's 3.6");
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
    let doc2 = fit_json(&log, &again, &["--level", "0.99", "--scenario", base]);
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

/// The repository's sample log (13 weeks, one history).
fn sample_log() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-events.csv")
}

/// `data/sample-events.csv` with only the rows whose kind `keep` accepts, written to
/// `dir/name`. (The sample's columns: ts, version, platform, kind, ref, value.)
fn sample_with(dir: &Path, name: &str, keep: impl Fn(&str) -> bool) -> PathBuf {
    let text = std::fs::read_to_string(sample_log()).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || keep(l.split(',').nth(3).unwrap_or("")))
        .map(|(_, l)| l)
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_log_without_build_events_reports_builds_as_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let log = sample_with(dir.path(), "no-builds.csv", |kind| {
        !matches!(kind, "build_finished" | "tests_passed" | "tests_failed")
    });
    let out = dir.path().join("fitted.toml");
    let doc = fit_json(&log, &out, &[]);
    for key in [
        "world.builds.duration_minutes",
        "world.builds.flaky_failure",
        "world.builds.crash_rate_percent",
    ] {
        let q = quantity(&doc, key);
        assert_eq!(q["status"], "not_recorded", "{key}: {q}");
        assert!(
            q["reason"].as_str().unwrap().contains("no builds events"),
            "{key}: {q}"
        );
        assert_eq!(q["n"], 0, "{key}");
        assert!(q.get("written").is_none(), "{key}");
    }
    let base = Scenario::baseline();
    let sc = Scenario::load(&out).unwrap();
    assert_eq!(sc.world.build_flaky_failure, base.world.build_flaky_failure);
    assert_eq!(
        sc.world.build_duration_minutes,
        base.world.build_duration_minutes
    );
}

/// The sample as git would show it: no test verdicts, every build at its commit's time
/// (`build_finished` without a duration, as RC tags give it), approvals but no rejection,
/// no incident.
#[test]
fn a_git_derived_log_never_fits_a_zero_or_the_gaps_between_tags() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample_log()).unwrap();
    let rows: Vec<String> = text
        .lines()
        .filter(|l| {
            let kind = l.split(',').nth(3).unwrap_or("");
            !matches!(kind, "tests_passed" | "tests_failed") && !kind.starts_with("incident_")
        })
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            if cells[3] == "build_finished" {
                format!("{},", cells[..5].join(","))
            } else {
                l.to_string()
            }
        })
        .collect();
    let log = dir.path().join("git.csv");
    std::fs::write(&log, rows.join("\n") + "\n").unwrap();
    let out = dir.path().join("fitted.toml");
    let doc = fit_json(&log, &out, &[]);
    let reason = |key: &str| {
        let q = quantity(&doc, key);
        assert_eq!(q["status"], "not_recorded", "{key}: {q}");
        assert!(q.get("written").is_none(), "{key}");
        q["reason"].as_str().unwrap().to_string()
    };
    assert!(
        reason("world.builds.duration_minutes")
            .contains("none of the log's 194 build_finished rows carries a duration"),
        "{doc}"
    );
    assert!(reason("world.builds.flaky_failure").contains("no tests_failed events"));
    assert!(reason("world.rollout.incident").contains("no incident_opened events"));
    assert!(reason("stores.ios.rejection").contains("no review_rejected events"));
    // The written file keeps the base's values where the log is silent.
    let base = Scenario::baseline();
    let sc = Scenario::load(&out).unwrap();
    assert_eq!(sc.world.build_flaky_failure, base.world.build_flaky_failure);
    assert_eq!(sc.world.incident, base.world.incident);
    assert_eq!(
        sc.platforms[1].store.unwrap().rejection,
        base.platforms[1].store.unwrap().rejection
    );
}

#[test]
fn degenerate_samples_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // Every build finished at the instant of its commit: durations of 0 minutes.
    let text = std::fs::read_to_string(sample_log()).unwrap();
    let zeroed: Vec<String> = text
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            if cells.get(3) == Some(&"build_finished") {
                format!("{},0", cells[..5].join(","))
            } else {
                l.to_string()
            }
        })
        .collect();
    let log = dir.path().join("zero-builds.csv");
    std::fs::write(&log, zeroed.join("\n") + "\n").unwrap();
    let doc = fit_json(&log, &dir.path().join("fitted.toml"), &[]);
    let q = quantity(&doc, "world.builds.duration_minutes");
    assert_eq!(q["status"], "zeros", "{q}");
    assert_eq!(
        q["reason"],
        "not fitted: all 194 observations are 0 (recorded at the instant they started)"
    );
    // One incident in the sample: too few to fit its delay, said with the count.
    let q = quantity(&doc, "world.rollout.incident_after_hours");
    assert_eq!(q["status"], "too_few", "{q}");
    assert_eq!(q["reason"], "too few observations: 1 (3 needed)");
}

#[test]
fn fit_on_the_sample_log_reports_its_own_ks_and_wasserstein_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted.toml");
    let assert = conductor()
        .arg("fit")
        .arg(sample_log())
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
    let table = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(table.contains("self-check: baseline-fitted simulated (sim: policy manual, seeds 1-50, 26 versions each)"), "{table}");
    assert!(table.contains("\nverdict: pass\n"), "{table}");

    let doc = fit_json(&sample_log(), &out, &[]);
    let c = &doc["self_check"];
    assert_eq!(c["policy"], "manual");
    assert_eq!(
        (c["seeds"].as_u64(), c["first_seed"].as_u64()),
        (Some(50), Some(1))
    );
    assert_eq!(c["log"]["shipped"], 39);
    assert_eq!(c["verdict"], "pass");
    let all = c["comparisons"].as_array().unwrap().last().unwrap();
    assert_eq!(all["platform"], "all");
    assert_eq!(all["ks_p_method"], "exact");
    // The figures are those of the two samples the JSON lists: recomputed here the plain
    // way (every distribution function evaluated at every point).
    let hours = |key: &str| -> Vec<f64> {
        let mut v: Vec<f64> = c["samples"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| {
                p[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
            })
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (log, sim) = (hours("log_cycle_hours"), hours("simulated_cycle_hours"));
    assert_eq!(log.len(), 39);
    assert_eq!(all["simulated_n"].as_u64(), Some(sim.len() as u64));
    let ecdf = |v: &[f64], x: f64| v.iter().filter(|y| **y <= x).count() as f64 / v.len() as f64;
    let mut points: Vec<f64> = log.iter().chain(&sim).copied().collect();
    points.sort_by(f64::total_cmp);
    let d = points
        .iter()
        .map(|x| (ecdf(&log, *x) - ecdf(&sim, *x)).abs())
        .fold(0.0, f64::max);
    let w: f64 = points
        .windows(2)
        .map(|p| (ecdf(&log, p[0]) - ecdf(&sim, p[0])).abs() * (p[1] - p[0]))
        .sum();
    let close = |a: f64, b: &Value| (a - b.as_f64().unwrap()).abs() < 1e-9;
    assert!(close(d, &all["ks_d"]), "D {d} vs {}", all["ks_d"]);
    assert!(
        close(w, &all["wasserstein_hours"]),
        "W {w} vs {}",
        all["wasserstein_hours"]
    );
    let p = all["ks_p"].as_f64().unwrap();
    assert!((0.01..=1.0).contains(&p), "{p}");
    let median = conductor::stats::quantile(&log, 0.5).unwrap();
    assert!(close(median, &all["log_median_hours"]));

    // The verdict is in the written file's header, with its figures.
    let text = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    let header = header.join("\n");
    assert!(
        header.contains("Self-check (docs/fit.md): 50 seeds of policy manual"),
        "{header}"
    );
    assert!(header.contains(&format!("KS D {:.3}", d)), "{header}");
    assert!(
        header.contains(&format!("Wasserstein {w:.1} h: pass")),
        "{header}"
    );
}

/// The sample stretched to a three-week train and cut down to what git shows (cuts,
/// release candidates, submissions, rollouts): nothing to fit, so the fitted scenario is
/// the weekly baseline, whose cycles are a third of the log's.
#[test]
fn a_mismatched_log_gets_a_failing_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample_log()).unwrap();
    let mut cut: std::collections::BTreeMap<(String, String), jiff::Timestamp> = Default::default();
    let mut rows = vec!["ts,version,platform,kind,ref,value".to_string()];
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if !matches!(
            cells[3],
            "branch_cut" | "final_rc" | "submitted" | "rollout" | "paused" | "resumed"
        ) {
            continue;
        }
        let ts: jiff::Timestamp = cells[0].parse().unwrap();
        let start = *cut
            .entry((cells[1].to_string(), cells[2].to_string()))
            .or_insert(ts);
        let stretched = start + (ts.duration_since(start) * 3);
        rows.push(format!("{stretched},{}", cells[1..].join(",")));
    }
    let log = dir.path().join("three-week-train.csv");
    std::fs::write(&log, rows.join("\n") + "\n").unwrap();
    let out = dir.path().join("fitted.toml");
    let assert = conductor()
        .arg("fit")
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .args(["--format", "json"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: "))
        .stderr(predicate::str::contains(
            "the fitted scenario does not reproduce the log's cycle times (self-check fail)",
        ));
    let doc: Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let c = &doc["self_check"];
    assert_eq!(c["verdict"], "fail", "{c}");
    let reasons: Vec<&str> = c["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].starts_with("the cycle-time distributions differ (KS D 1.000"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("% below the log's"), "{reasons:?}");
    let all = c["comparisons"].as_array().unwrap().last().unwrap();
    let ratio =
        all["simulated_median_hours"].as_f64().unwrap() / all["log_median_hours"].as_f64().unwrap();
    assert!((0.3..0.4).contains(&ratio), "{ratio}");
    // The file is written, and says so on top.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.lines()
            .take(10)
            .any(|l| l.contains(": FAIL: the cycle-time distributions differ")),
        "{text}"
    );
}

#[test]
fn lenient_skipping_every_row_says_so_and_lists_the_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("all-bad.csv");
    std::fs::write(
        &log,
        "ts,version,platform,kind,ref,value\n\
         2026-01-09T10:00:00+01:00,1,android,no_such_kind,,\n\
         2026-01-09T11:00:00,1,android,branch_cut,,\n\
         2026-01-09T12:00:00+01:00,1,watchos,branch_cut,,\n",
    )
    .unwrap();
    let out = dir.path().join("fitted.toml");
    let assert = conductor()
        .arg("fit")
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .arg("--lenient")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no events").not())
        .stderr(predicate::str::contains(
            "all-bad.csv: --lenient skipped all 3 rows, so nothing is left to read; the reasons:",
        ));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for line in [2, 3, 4] {
        assert!(
            stderr.contains(&format!("all-bad.csv:{line}: ")),
            "line {line}: {stderr}"
        );
    }
    assert!(
        stderr.contains("no_such_kind") && stderr.contains("watchos"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn point_releases_in_a_log_estimate_the_defects_and_the_fitted_scenario_ships_as_many() {
    // A simulated history (with its own hotfixes, 0.29 per shipped release) and a point
    // release more two days after every third release: 0.62 per shipped release. `fit`
    // reads them through the baseline's rings (the share of defects that escape to
    // everyone) as severe defects per version; the fitted scenario, simulated, needs about
    // as many hotfixes.
    let dir = tempfile::tempdir().unwrap();
    let log = crate::util::manual_history(dir.path(), 20);
    let text = std::fs::read_to_string(&log).unwrap();
    let mut out = text.clone();
    let (mut shipped, mut fixed) = (0, 0);
    for line in text
        .lines()
        .filter(|l| l.contains(",rollout,") && l.ends_with(",100"))
    {
        let f: Vec<&str> = line.split(',').collect();
        let at: jiff::Timestamp = f[0].parse().unwrap();
        shipped += 1;
        if shipped % 3 == 0 {
            fixed += 1;
            let (seed, version, platform) = (f[1], f[2], f[3]);
            let later = |h: i64| at.checked_add(jiff::SignedDuration::from_hours(h)).unwrap();
            out.push_str(&format!(
                "{},{seed},{version},{platform},hotfix_opened,crash-1,\n{},{seed},{version},{platform},point_release,{version}.90,\n",
                later(40),
                later(48)
            ));
        }
    }
    std::fs::write(&log, &out).unwrap();
    let simulated_hotfixes = text
        .lines()
        .filter(|l| l.contains(",point_release,"))
        .count();
    assert!(
        simulated_hotfixes > 100,
        "the simulated history's own hotfixes"
    );
    let rate = (f64::from(fixed) + simulated_hotfixes as f64) / f64::from(shipped);
    let fitted = dir.path().join("fitted.toml");
    let doc = fit_json(&log, &fitted, &[]);
    let q = quantity(&doc, "world.defects.mean_count");
    assert_eq!(q["status"], "fitted", "{q}");
    let mean = q["parameters"]["mean"]["estimate"].as_f64().unwrap();
    // The baseline's rings let about a third of the defects through: about 3 per hotfix.
    assert!(
        (1.4..2.2).contains(&mean),
        "{mean} defects per version for {rate:.3}"
    );

    let run = dir.path().join("run");
    conductor()
        .arg("simulate")
        .arg(&fitted)
        .args(["--seeds", "20", "--policy", "manual", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    let cycles = crate::util::read_cycles(&run, "manual");
    let hotfixes = cycles.column_by_name("hotfixes").unwrap();
    let hotfixes = arrow_array::cast::AsArray::as_primitive::<arrow_array::types::Int32Type>(
        hotfixes.as_ref(),
    );
    let n = arrow_array::Array::len(hotfixes) - arrow_array::Array::null_count(hotfixes);
    let simulated = hotfixes.iter().flatten().sum::<i32>() as f64 / n as f64;
    assert!(
        (simulated - rate).abs() < 0.15 * rate,
        "recorded {rate:.3} hotfixes per release, the fitted scenario {simulated:.3}"
    );
}

#[test]
fn fit_recovers_the_defects_per_version_from_a_simulated_historys_hotfixes() {
    // A simulated history writes its hotfixes after each release (hotfix_opened, the fix,
    // point_release): fitted through the same rings, they give back the baseline's 0.8
    // severe defects per version.
    let dir = tempfile::tempdir().unwrap();
    let log = crate::util::manual_history(dir.path(), 40);
    let doc = fit_json(&log, &dir.path().join("fitted.toml"), &[]);
    let q = quantity(&doc, "world.defects.mean_count");
    assert_eq!(q["status"], "fitted", "{q}");
    let m = &q["parameters"]["mean"];
    let (low, high) = (m["low"].as_f64().unwrap(), m["high"].as_f64().unwrap());
    let truth = Scenario::baseline().world.defects.unwrap().mean_count;
    assert!(
        low <= truth && truth <= high,
        "{truth} outside [{low}, {high}]: {q}"
    );
}
