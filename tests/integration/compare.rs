//! `conductor compare`: two arms paired on the same seeds and worlds, checked against the
//! report and against an independent computation from the `cycles` tables.

use std::collections::BTreeMap;
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::dataset::{f64s, i64s, read, strs, u32s, u64s, write_run};
use crate::util::conductor;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn scenario(name: &str) -> String {
    format!("{ROOT}/scenarios/{name}.toml")
}

fn compare_json(args: &[&str]) -> Value {
    let out = conductor()
        .arg("compare")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pooled(c: &Value) -> &Value {
    c["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["platform"] == "all")
        .unwrap()
}

#[test]
fn an_arm_against_itself_changes_nothing_and_says_so() {
    let base = scenario("baseline");
    let v = compare_json(&[
        &base, &base, "--policy", "manual", "--seeds", "6", "--weeks", "4",
    ]);
    let c = &v["comparisons"][0];
    let all = pooled(c);
    assert_eq!(all["saving_mean_hours"], 0.0, "{all}");
    assert_eq!(all["saving_ci95_low_hours"], 0.0, "{all}");
    assert_eq!(all["success_rate_change"], 0.0, "{all}");
    assert_eq!(all["sooner_rate"], 0.0, "{all}");
    let verdict = c["verdict"].as_str().unwrap();
    assert!(verdict.contains("as fast as each other"), "{verdict}");
}

#[test]
fn a_run_directory_against_a_scenario_pairs_each_release_with_its_twin() {
    // The scenario side is simulated on the run's seeds; the result equals comparing the
    // two scenarios, and equals the paired differences computed from the cycles tables.
    let tmp = tempfile::tempdir().unwrap();
    let (base_dir, bake_dir) = (tmp.path().join("base"), tmp.path().join("bake"));
    let args = ["--seeds", "10", "--weeks", "6", "--policy", "manual"];
    write_run(&base_dir, &args);
    let bake = scenario("bake-12h");
    conductor()
        .arg("simulate")
        .arg(&bake)
        .args(args)
        .arg("--out")
        .arg(&bake_dir)
        .assert()
        .success();
    let base = base_dir.to_str().unwrap();
    let from_run = compare_json(&[base, &bake]);
    let from_runs = compare_json(&[base, bake_dir.to_str().unwrap()]);
    let from_scenarios = compare_json(&[
        &scenario("baseline"),
        &bake,
        "--seeds",
        "10",
        "--weeks",
        "6",
    ]);
    let platforms = |v: &Value| v["comparisons"][0]["platforms"].clone();
    assert_eq!(platforms(&from_run), platforms(&from_scenarios));
    assert_eq!(platforms(&from_run), platforms(&from_runs));
    assert_eq!(from_run["comparisons"][0]["base"]["kind"], "run");
    assert_eq!(from_run["comparisons"][0]["other"]["kind"], "scenario");

    // Independently: join the two cycles tables on (seed, version, platform).
    let cycles = |dir: &Path| {
        let df = read(
            dir,
            "cycles",
            &["seed", "version", "platform", "cycle_hours"],
        );
        let (s, v, p, h) = (
            u64s(&df, "seed"),
            u32s(&df, "version"),
            strs(&df, "platform"),
            f64s(&df, "cycle_hours"),
        );
        (0..df.height())
            .map(|i| ((s[i], v[i], p[i].clone()), h[i]))
            .collect::<BTreeMap<_, _>>()
    };
    let (a, b) = (cycles(&base_dir), cycles(&bake_dir));
    let diffs: Vec<f64> = a
        .iter()
        .filter_map(|(k, ha)| Some(ha.as_ref()? - b.get(k)?.as_ref()?))
        .collect();
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let all = pooled(&from_run["comparisons"][0]);
    assert_eq!(all["pairs"], diffs.len(), "{all}");
    let got = all["saving_mean_hours"].as_f64().unwrap();
    assert!((got - mean).abs() < 1e-4, "{got} vs {mean}");
    assert!(got > 5.0, "a 12 h bake ships sooner: {got}");
    let (lo, hi) = (
        all["saving_ci95_low_hours"].as_f64().unwrap(),
        all["saving_ci95_high_hours"].as_f64().unwrap(),
    );
    assert!(lo < got && got < hi, "{lo} {got} {hi}");
}

#[test]
fn two_policies_of_one_run_agree_with_the_reports_saving() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "8", "--weeks", "5"]);
    let d = dir.to_str().unwrap();
    let v = compare_json(&[&format!("{d}:manual"), &format!("{d}:robot")]);
    let one_side = compare_json(&[d, "--policy", "manual", "--policy", "robot"]);
    assert_eq!(
        v["comparisons"][0]["platforms"],
        one_side["comparisons"][0]["platforms"]
    );
    let report = {
        let out = conductor()
            .arg("report")
            .arg(&dir)
            .args(["--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let saving = report["savings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["policy"] == "robot" && r["platform"] == "all")
        .unwrap()
        .clone();
    let all = pooled(&v["comparisons"][0]);
    assert_eq!(all["pairs"], saving["pairs"]);
    assert_eq!(all["saving_mean_hours"], saving["saving_mean_hours"]);
    let c = &v["comparisons"][0];
    assert_eq!(
        (c["base"]["label"].as_str(), c["other"]["label"].as_str()),
        (Some("manual"), Some("robot"))
    );
    assert!(
        c["verdict"].as_str().unwrap().starts_with("robot ships "),
        "{c}"
    );
}

#[test]
fn every_format_renders_and_the_table_fits_100_columns() {
    let (base, bake) = (scenario("baseline"), scenario("bake-12h"));
    let small = ["--seeds", "4", "--weeks", "3"];
    for format in ["table", "json", "csv", "markdown", "html"] {
        let out = conductor()
            .arg("compare")
            .args([&base, &bake])
            .args(small)
            .args(["--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("bake-12h"), "{format}: {text}");
        match format {
            "table" => {
                assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
                assert!(text.contains("bake-12h ships "), "{text}");
                assert!(text.contains("Where the hours changed"), "{text}");
            }
            "csv" => assert!(
                text.starts_with("comparison,base,other,policy,platform,waiting_on,metric,value\n")
            ),
            "html" => assert!(text.starts_with("<!DOCTYPE html>") && text.contains("</table>")),
            "markdown" => assert!(text.contains("| platform |")),
            _ => {}
        }
    }
    // -o writes the same bytes atomically.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("c.md");
    conductor()
        .arg("compare")
        .args([&base, &bake])
        .args(small)
        .args(["--format", "markdown", "-o"])
        .arg(&file)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("| platform |")
    );
}

#[test]
fn sides_that_cannot_be_compared_are_clear_errors() {
    let base = scenario("baseline");
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![format!("{base}:nobody")],
            "no policy \"nobody\" (it has: manual, robot, robot-except-100)",
        ),
        (
            vec!["no/such.toml".into()],
            "no/such.toml: no such scenario file or run directory",
        ),
        (
            vec![format!("{base}:manual")],
            "one side with one policy leaves nothing to compare",
        ),
        (
            vec![
                base.clone(),
                base.clone(),
                "--policy".into(),
                "nobody".into(),
            ],
            "--policy \"nobody\": no side has such a policy",
        ),
    ];
    for (args, message) in cases {
        conductor()
            .current_dir(tmp.path())
            .arg("compare")
            .args(&args)
            .args(["--seeds", "2", "--weeks", "2"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    // Two runs on different seeds share no release.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write_run(&a, &["--seeds", "2", "--weeks", "2", "--policy", "manual"]);
    write_run(
        &b,
        &[
            "--seeds", "2", "--weeks", "2", "--seed", "50", "--policy", "manual",
        ],
    );
    conductor()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no release in common (seeds 1–2 vs 50–51)",
        ));
}

/// The safety side: both arms' figures and the paired change other − base over the pairs,
/// equal to an independent join of the two `cycles` tables' defect columns, with an interval
/// over whole seeds, and a headline that says both sides and what they rest on.
#[test]
fn the_safety_side_is_paired_on_the_same_worlds_and_says_it_is_assumed() {
    let tmp = tempfile::tempdir().unwrap();
    let (base_dir, fewer_dir) = (tmp.path().join("base"), tmp.path().join("fewer"));
    let args = ["--seeds", "30", "--policy", "manual"];
    write_run(&base_dir, &args);
    conductor()
        .arg("simulate")
        .arg(scenario("fewer-manual-signoffs"))
        .args(args)
        .arg("--out")
        .arg(&fewer_dir)
        .assert()
        .success();
    let v = compare_json(&[base_dir.to_str().unwrap(), fewer_dir.to_str().unwrap()]);
    let c = &v["comparisons"][0];
    let all = pooled(c);
    assert_eq!(all["safety_rests_on"], "scenario", "{all}");

    // Independently: (escaped, exposure) per release that reached users, joined on the run
    // keys.
    let safety = |dir: &Path| {
        let df = read(
            dir,
            "cycles",
            &[
                "seed",
                "version",
                "platform",
                "rollout_1_at",
                "defects_escaped",
                "user_exposure_hours",
            ],
        );
        let (s, v, p, h) = (
            u64s(&df, "seed"),
            u32s(&df, "version"),
            strs(&df, "platform"),
            i64s(&df, "rollout_1_at"),
        );
        let (e, x) = (
            i64s(&df, "defects_escaped"),
            f64s(&df, "user_exposure_hours"),
        );
        (0..df.height())
            .filter(|&i| h[i].is_some())
            .map(|i| {
                (
                    (s[i], v[i], p[i].clone()),
                    (e[i].unwrap() as f64, x[i].unwrap()),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (a, b) = (safety(&base_dir), safety(&fewer_dir));
    let pairs: Vec<((f64, f64), (f64, f64))> = a
        .iter()
        .filter_map(|(k, x)| Some((*x, *b.get(k)?)))
        .collect();
    // Over the releases that reached users in both arms.
    assert_eq!(all["safety_pairs"], pairs.len(), "{all}");
    let n = pairs.len() as f64;
    let escaped = pairs.iter().map(|(x, y)| y.0 - x.0).sum::<f64>() / n;
    let exposure = pairs.iter().map(|(x, y)| y.1 - x.1).sum::<f64>() / n;
    let got = |k: &str| all[k].as_f64().unwrap_or_else(|| panic!("{k}: {all}"));
    assert!((got("escaped_change_per_release") - escaped).abs() < 1e-4);
    assert!((got("exposure_change_hours") - exposure).abs() < 1e-4);
    let base_escaped = pairs.iter().map(|(x, _)| x.0).sum::<f64>() / n;
    assert!((got("base_escaped_per_release") - base_escaped).abs() < 1e-4);
    assert!(
        (got("other_escaped_per_release") - got("base_escaped_per_release") - escaped).abs() < 1e-3
    );
    // Half the teams stop manual testing: more defects escape, on the same worlds, and the
    // whole interval says so.
    assert!(escaped > 0.03, "{escaped}");
    assert!(got("escaped_change_ci95_low") > 0.0, "{all}");
    assert!(got("escaped_change_ci95_high") > escaped, "{all}");
    assert!(got("change_failure_rate_change") > 0.0, "{all}");
    assert!(
        got("base_caught_testing_per_release") > got("other_caught_testing_per_release"),
        "{all}"
    );
    let verdict = c["verdict"].as_str().unwrap();
    assert!(verdict.contains("; it adds "), "{verdict}");
    assert!(
        verdict.contains("escaped defects per 100 releases (95% CI "),
        "{verdict}"
    );
    assert!(
        verdict.contains("user-exposure hours per release"),
        "{verdict}"
    );
    assert!(
        verdict.ends_with("rests on the scenario's defect model (assumed)"),
        "{verdict}"
    );

    // An arm against itself: no change, and the interval is a point.
    let base = base_dir.to_str().unwrap();
    let same = compare_json(&[base, base]);
    let all = pooled(&same["comparisons"][0]);
    assert_eq!(all["escaped_change_per_release"], 0.0, "{all}");
    assert_eq!(all["exposure_change_ci95_high_hours"], 0.0, "{all}");
    let verdict = same["comparisons"][0]["verdict"].as_str().unwrap();
    assert!(verdict.contains("lets as many defects escape"), "{verdict}");

    // The text formats show both tables, headed as assumed.
    let out = conductor()
        .args(["compare", base, fewer_dir.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Escaped defects per 100 releases: ")
            && text.contains("User exposure per release: ")
            && text.contains("(assumed: the scenario's"),
        "{text}"
    );
}

/// A log replayed as recorded has no defect model: its safety figures are not recorded
/// (null, never 0), and the verdict says the safety side was not compared.
#[test]
fn a_replay_as_recorded_has_no_safety_figures_and_the_verdict_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("replayed");
    conductor()
        .args(["replay", &format!("{ROOT}/data/sample-events.csv")])
        .args(["--policy", "recorded", "--policy", "robot", "-q", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let v = compare_json(&[dir.to_str().unwrap()]);
    let c = &v["comparisons"][0];
    let all = pooled(c);
    assert!(all["base_escaped_per_release"].is_null(), "{all}");
    assert!(all["escaped_change_per_release"].is_null(), "{all}");
    assert!(all["exposure_change_hours"].is_null(), "{all}");
    assert!(all["other_escaped_per_release"].is_number(), "{all}");
    let verdict = c["verdict"].as_str().unwrap();
    assert!(
        verdict.contains("escaped defects and exposure: not recorded in recorded"),
        "{verdict}"
    );
}
