//! `conductor report`'s safety side: the `safety[]` figures against an independent
//! computation from the `cycles` table, the trade-off chart's points and frontier, a
//! replayed history's recorded hotfixes, and the 12 h bake's extra escapes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::dataset::{f64s, i64s, read, strs, write_run};
use crate::report::{mean, type7};
use crate::util::conductor;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn report_json(dirs: &[&Path]) -> Value {
    let out = conductor()
        .arg("report")
        .args(dirs)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// `simulate SCENARIO --out DIR` with extra arguments, from the repository root.
fn simulate(scenario: &str, dir: &Path, args: &[&str]) {
    conductor()
        .current_dir(ROOT)
        .args(["simulate", &format!("scenarios/{scenario}.toml"), "-q"])
        .args(args)
        .arg("--out")
        .arg(dir)
        .assert()
        .success();
}

fn find<'a>(rows: &'a Value, pairs: &[(&str, &str)]) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| pairs.iter().all(|(k, v)| r[*k] == *v))
        .unwrap_or_else(|| panic!("no row with {pairs:?}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {v}"))
}

fn close(a: f64, b: f64, what: &str) {
    // The report rounds to 4 decimals.
    assert!(
        (a - b).abs() <= 1e-4 + 1e-9 * b.abs(),
        "{what}: report {a} vs {b}"
    );
}

/// The median, type 7 (the report tests' own, not `conductor::stats`).
fn median(values: &[f64]) -> f64 {
    type7(values, 0.5)
}

/// The safety columns of one `cycles` row of a release that reached users, as the table
/// holds them.
struct Shipped {
    defects: [f64; 5],
    escaped: f64,
    escaped_to_everyone: f64,
    exposure: f64,
    /// Null unless it shipped.
    hotfixes: Option<f64>,
    restore: Option<f64>,
    /// Null unless it shipped.
    cycle_hours: Option<f64>,
}

/// The rows of `dir`'s `cycles` table whose release reached users (`rollout_1_at` set), by
/// (policy, platform); each row also under platform `all`.
fn shipped_rows(dir: &Path) -> BTreeMap<(String, String), Vec<Shipped>> {
    let counts = [
        "defects",
        "defects_caught_testing",
        "defects_caught_beta",
        "defects_caught_review",
        "defects_caught_first_stage",
    ];
    let mut columns = vec![
        "policy",
        "platform",
        "rollout_1_at",
        "cycle_hours",
        "defects_escaped",
        "defects_escaped_to_everyone",
        "user_exposure_hours",
        "hotfixes",
        "restore_hours",
    ];
    columns.extend(counts);
    let df = read(dir, "cycles", &columns);
    let (policy, platform, reached) = (
        strs(&df, "policy"),
        strs(&df, "platform"),
        i64s(&df, "rollout_1_at"),
    );
    let int = |c: &str| -> Vec<f64> {
        i64s(&df, c)
            .into_iter()
            .map(|v| v.expect("a simulation fills every defect column") as f64)
            .collect()
    };
    let count_columns: Vec<Vec<f64>> = counts.iter().map(|c| int(c)).collect();
    let (escaped, everyone, hotfixes) = (
        int("defects_escaped"),
        int("defects_escaped_to_everyone"),
        i64s(&df, "hotfixes"),
    );
    let (exposure, restore, cycle) = (
        f64s(&df, "user_exposure_hours"),
        f64s(&df, "restore_hours"),
        f64s(&df, "cycle_hours"),
    );
    let mut out: BTreeMap<(String, String), Vec<Shipped>> = BTreeMap::new();
    for i in (0..df.height()).filter(|&i| reached[i].is_some()) {
        for p in [platform[i].clone(), "all".to_string()] {
            out.entry((policy[i].clone(), p))
                .or_default()
                .push(Shipped {
                    defects: [0, 1, 2, 3, 4].map(|k| count_columns[k][i]),
                    escaped: escaped[i],
                    escaped_to_everyone: everyone[i],
                    exposure: exposure[i].unwrap(),
                    hotfixes: hotfixes[i].map(|h| h as f64),
                    restore: restore[i],
                    cycle_hours: cycle[i],
                });
        }
    }
    out
}

#[test]
fn safety_figures_equal_an_independent_computation_from_the_cycles_table() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(
        &dir,
        &[
            "--seeds", "10", "--weeks", "8", "--policy", "manual", "--policy", "robot",
        ],
    );
    let json = report_json(&[&dir]);
    let rows = shipped_rows(&dir);
    assert_eq!(rows.len(), 8, "two policies x (three platforms + all)");
    let mut escapes = 0.0;
    for ((policy, platform), shipped) in &rows {
        let what = format!("{policy}/{platform}");
        let row = find(
            &json["safety"],
            &[("policy", policy), ("platform", platform)],
        );
        let n = shipped.len() as f64;
        assert_eq!(row["rests_on"], "scenario", "{what}");
        assert_eq!(row["releases"], shipped.len(), "{what}");
        let per = |f: &dyn Fn(&Shipped) -> f64| shipped.iter().map(f).sum::<f64>() / n;
        for (k, key) in [
            "defects_per_release",
            "caught_testing_per_release",
            "caught_beta_per_release",
            "caught_review_per_release",
            "caught_first_stage_per_release",
        ]
        .iter()
        .enumerate()
        {
            close(
                num(row, key),
                per(&|s| s.defects[k]),
                &format!("{what} {key}"),
            );
        }
        close(
            num(row, "escaped_per_release"),
            per(&|s| s.escaped),
            &format!("{what} escaped"),
        );
        close(
            num(row, "escaped_to_everyone_per_release"),
            per(&|s| s.escaped_to_everyone),
            &format!("{what} escaped to everyone"),
        );
        close(
            num(row, "user_exposure_hours"),
            per(&|s| s.exposure),
            &format!("{what} exposure"),
        );
        close(
            num(row, "change_failure_rate"),
            per(&|s| f64::from(u8::from(s.escaped > 0.0))),
            &format!("{what} CFR"),
        );
        let hotfixes: Vec<f64> = shipped.iter().filter_map(|s| s.hotfixes).collect();
        close(
            num(row, "hotfixes_per_release"),
            mean(&hotfixes),
            &format!("{what} hotfixes (over the shipped)"),
        );
        let restore: Vec<f64> = shipped.iter().filter_map(|s| s.restore).collect();
        assert_eq!(row["restored"], restore.len(), "{what}");
        if restore.is_empty() {
            assert!(row["restore_p50_hours"].is_null(), "{what}: {row}");
        } else {
            close(
                num(row, "restore_p50_hours"),
                median(&restore),
                &format!("{what} restore p50"),
            );
            close(
                num(row, "restore_mean_hours"),
                mean(&restore),
                &format!("{what} restore mean"),
            );
        }
        // The hotfix table gives the same figures, not a second definition of them.
        let hotfix = find(
            &json["hotfixes"],
            &[("policy", policy), ("platform", platform)],
        );
        close(
            num(hotfix, "hotfixes_per_release"),
            num(row, "hotfixes_per_release"),
            &format!("{what} hotfix table"),
        );
        if !restore.is_empty() {
            close(
                num(hotfix, "restore_p50_hours"),
                num(row, "restore_p50_hours"),
                &format!("{what} hotfix table restore"),
            );
        }
        if platform == "all" {
            escapes += per(&|s| s.escaped) * n;
            // The trade-off point of the policy: its median cycle and exposure.
            let point = find(&json["trade_off"], &[("policy", policy)]);
            let cycles: Vec<f64> = shipped.iter().filter_map(|s| s.cycle_hours).collect();
            close(num(point, "cycle_p50_hours"), median(&cycles), &what);
            close(
                num(point, "user_exposure_hours"),
                per(&|s| s.exposure),
                &what,
            );
        }
    }
    assert!(
        escapes > 0.0,
        "the run has escapes to compare (it had none)"
    );
    assert_eq!(json["trade_off"].as_array().unwrap().len(), 2);
}

/// Points of the trade-off chart's JSON: (label, cycle p50, exposure, frontier).
fn points(json: &Value) -> Vec<(String, f64, f64, bool)> {
    json["trade_off"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                format!(
                    "{} / {}",
                    p["scenario"].as_str().unwrap(),
                    p["policy"].as_str().unwrap()
                ),
                num(p, "cycle_p50_hours"),
                num(p, "user_exposure_hours"),
                p["frontier"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_trade_off_chart_has_a_point_per_policy_and_run_and_marks_the_frontier() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("baseline"), tmp.path().join("bake"));
    let args = [
        "--seeds", "4", "--weeks", "6", "--policy", "manual", "--policy", "robot",
    ];
    simulate("baseline", &a, &args);
    simulate("bake-12h", &b, &args);
    let json = report_json(&[&a, &b]);
    let points = points(&json);
    let labels: Vec<&str> = points.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        labels,
        [
            "baseline / manual",
            "baseline / robot",
            "bake-12h / manual",
            "bake-12h / robot"
        ]
    );
    // The frontier, worked out again: no other point at least as fast and as safe, and
    // better in one.
    for p in &points {
        let beaten = points
            .iter()
            .any(|q| q.1 <= p.1 && q.2 <= p.2 && (q.1 < p.1 || q.2 < p.2));
        assert_eq!(p.3, !beaten, "{p:?} among {points:?}");
    }

    // In the HTML page and in the chart files: one circle and one label per point.
    let html = conductor()
        .arg("report")
        .args([&a, &b])
        .args(["--format", "html"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let html = String::from_utf8(html).unwrap();
    let start = html
        .find("<figure id=\"chart-trade-off\">")
        .expect("the HTML report has the trade-off chart");
    let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
    let charts = tmp.path().join("charts");
    conductor()
        .arg("report")
        .args([&a, &b])
        .arg("--charts")
        .arg(&charts)
        .assert()
        .success();
    let svg = std::fs::read_to_string(charts.join("trade-off.svg")).unwrap();
    assert!(charts.join("trade-off.png").exists());
    for drawn in [figure, svg.as_str()] {
        assert_eq!(drawn.matches("<circle").count(), 4, "one point each");
        for label in &labels {
            assert_eq!(
                drawn.matches(&format!(">\n{label}\n</text>")).count(),
                1,
                "{label}"
            );
        }
        assert!(
            drawn.contains("per release (assumed: scenario)"),
            "the exposure axis says it rests on the scenario"
        );
        assert!(drawn.contains("median cycle time of shipped releases, hours"));
    }
}

#[test]
fn a_replayed_history_shows_its_recorded_hotfixes_and_no_defect_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("hotfixes.csv");
    std::fs::write(
        &log,
        "ts,version,platform,kind,ref,value\n\
         2026-01-09T10:00:00+01:00,8.9,android,branch_cut,,\n\
         2026-01-12T10:00:00+01:00,8.9,android,rollout,manual,100\n\
         2026-01-13T10:00:00+01:00,8.9,android,hotfix_opened,crash-1,\n\
         2026-01-13T15:00:00+01:00,8.9,android,fix_landed,abc123,\n\
         2026-01-14T10:00:00+01:00,8.9,android,point_release,8.9.1,\n\
         2026-01-23T10:00:00+01:00,8.10,android,branch_cut,,\n\
         2026-01-26T10:00:00+01:00,8.10,android,rollout,manual,100\n",
    )
    .unwrap();
    let dir = tmp.path().join("replayed");
    conductor()
        .arg("replay")
        .arg(&log)
        .arg("--out")
        .arg(&dir)
        .arg("-q")
        .assert()
        .success();
    let json = report_json(&[&dir]);
    let row = find(
        &json["safety"],
        &[("policy", "recorded"), ("platform", "all")],
    );
    assert_eq!(row["rests_on"], "record", "{row}");
    assert_eq!(row["releases"], 2, "{row}");
    assert_eq!(
        num(row, "hotfixes_per_release"),
        0.5,
        "one hotfix, two releases"
    );
    assert_eq!(num(row, "change_failure_rate"), 0.5, "{row}");
    close(
        num(row, "restore_p50_hours"),
        24.0,
        "opened to point release",
    );
    for key in [
        "defects_per_release",
        "caught_testing_per_release",
        "escaped_per_release",
        "escaped_to_everyone_per_release",
        "user_exposure_hours",
    ] {
        assert!(row[key].is_null(), "{key} is not recorded, not 0: {row}");
    }
    // No exposure, no point on the trade-off chart; the counterfactuals' (drawn from the
    // scenario) are there.
    assert!(points(&json).iter().all(|p| !p.0.ends_with("/ recorded")));
    let text = conductor()
        .arg("report")
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    let safety = &text[text.find("Safety: defects").unwrap()..];
    let safety = &safety[..safety.find("\n\nBottlenecks").unwrap()];
    // The recorded policy's pooled row, in every block the table is split into.
    let recorded: Vec<&str> = safety
        .lines()
        .filter(|l| l.split_whitespace().take(2).eq(["recorded", "all"]))
        .collect();
    assert!(recorded.len() > 1, "{safety}");
    assert!(
        recorded
            .iter()
            .all(|l| l.split_whitespace().nth(2) == Some("record")),
        "every block says it rests on the record: {safety}"
    );
    assert!(
        recorded.iter().any(|l| l.contains("not recorded")),
        "{safety}"
    );
    assert!(recorded.iter().any(|l| l.contains("0.50")), "{safety}");
    assert!(
        safety.lines().all(|l| l.len() <= 100),
        "fits 100 columns: {safety}"
    );
}

#[test]
fn a_12_hour_bake_lets_more_defects_escape_than_the_24_hour_one_on_the_same_seeds() {
    // 30 seeds x 26 weeks, robot: baseline 630 escapes over 2263 shipped releases (0.278
    // per release, 6.52 share-of-users h), bake-12h 662 over 2303 (0.287, 6.85 h); no seed
    // has fewer escapes under the shorter bake, so the direction does not hang on a few.
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("baseline"), tmp.path().join("bake"));
    let args = ["--seeds", "30", "--weeks", "26", "--policy", "robot"];
    simulate("baseline", &a, &args);
    simulate("bake-12h", &b, &args);
    let json = report_json(&[&a, &b]);
    let row = |s: &str| {
        find(
            &json["safety"],
            &[("scenario", s), ("policy", "robot"), ("platform", "all")],
        )
        .clone()
    };
    let (base, bake) = (row("baseline"), row("bake-12h"));
    let escaped = |r: &Value| num(r, "escaped_per_release");
    let total = |r: &Value| (escaped(r) * num(r, "releases")).round();
    assert!(
        escaped(&bake) > escaped(&base) && total(&bake) > total(&base),
        "bake-12h {} ({} in all) vs baseline {} ({})",
        escaped(&bake),
        total(&bake),
        escaped(&base),
        total(&base)
    );
    assert!(num(&bake, "user_exposure_hours") > num(&base, "user_exposure_hours"));
    // Faster and riskier: neither beats the other on both axes, so both are the frontier.
    let points = points(&json);
    assert!(
        points[1].1 < points[0].1,
        "the 12 h bake ships sooner: {points:?}"
    );
    assert!(points.iter().all(|p| p.3), "{points:?}");
}
