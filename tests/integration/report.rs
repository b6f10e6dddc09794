//! `conductor report`: its figures against an independent computation from the raw
//! `transitions` rows, the snapshot tests of every format, charts, determinism and errors.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::dataset::{f64s, i64s, opt_strs, read, strs, u32s, u64s, write_run};
use crate::util::conductor;

fn report(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    conductor().arg("report").arg(dir).args(args).assert()
}

fn report_json(dir: &Path, args: &[&str]) -> Value {
    let out = report(dir, &[&["--format", "json"], args].concat())
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// Hyndman & Fan type 7, written out again so the test does not lean on `conductor::stats`.
pub(crate) fn type7(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let (lo, frac) = (h.floor() as usize, h - h.floor());
    if lo + 1 < v.len() {
        v[lo] + frac * (v[lo + 1] - v[lo])
    } else {
        v[lo]
    }
}

pub(crate) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// (policy, seed, version, platform)
type Track = (String, u64, u32, String);

/// What the transitions table says of one track.
#[derive(Default)]
struct History {
    /// (ts ms, from, to, wait minutes)
    rows: Vec<(i64, Option<String>, String, Option<f64>)>,
}

impl History {
    fn cycle_hours(&self) -> Option<f64> {
        let last = self.rows.last()?;
        (last.2 == "rollout_100").then(|| (last.0 - self.rows[0].0) as f64 / 3.6e6)
    }

    fn life_hours(&self) -> f64 {
        (self.rows.last().unwrap().0 - self.rows[0].0) as f64 / 3.6e6
    }

    /// Hours spent in each state: from the row entering it to the next row.
    fn state_hours(&self) -> HashMap<String, f64> {
        let mut out = HashMap::new();
        for w in self.rows.windows(2) {
            *out.entry(w[0].2.clone()).or_default() += (w[1].0 - w[0].0) as f64 / 3.6e6;
        }
        out
    }

    /// Hours each step (from → to) waited once its gates held.
    fn step_waits(&self) -> HashMap<(String, String), f64> {
        let mut out = HashMap::new();
        for r in &self.rows {
            if let (Some(from), Some(w)) = (&r.1, r.3) {
                *out.entry((from.clone(), r.2.clone())).or_default() += w / 60.0;
            }
        }
        out
    }
}

fn histories(dir: &Path) -> BTreeMap<Track, History> {
    let df = read(
        dir,
        "transitions",
        &[
            "policy",
            "seed",
            "version",
            "platform",
            "ts",
            "from_state",
            "to_state",
            "wait_minutes",
        ],
    );
    let (policy, platform) = (strs(&df, "policy"), strs(&df, "platform"));
    let (seed, version) = (u64s(&df, "seed"), u32s(&df, "version"));
    let (ts, from, to) = (
        i64s(&df, "ts"),
        opt_strs(&df, "from_state"),
        strs(&df, "to_state"),
    );
    let wait = f64s(&df, "wait_minutes");
    let mut out: BTreeMap<Track, History> = BTreeMap::new();
    for i in 0..df.height() {
        out.entry((policy[i].clone(), seed[i], version[i], platform[i].clone()))
            .or_default()
            .rows
            .push((ts[i].unwrap(), from[i].clone(), to[i].clone(), wait[i]));
    }
    for h in out.values_mut() {
        h.rows.sort_by_key(|r| (r.0, r.1.is_some()));
    }
    out
}

fn find<'a>(rows: &'a Value, pairs: &[(&str, &str)]) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| pairs.iter().all(|(k, v)| r[*k] == *v))
        .unwrap_or_else(|| panic!("no row with {pairs:?}"))
}

fn close(a: f64, b: f64, what: &str) {
    // The report rounds to 4 decimals.
    assert!(
        (a - b).abs() <= 1e-4 + 1e-9 * b.abs(),
        "{what}: report {a} vs {b}"
    );
}

#[test]
fn figures_equal_an_independent_computation_from_the_transitions_table() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "12", "--weeks", "5"]);
    let json = report_json(&dir, &[]);
    let tracks = histories(&dir);
    let platforms = ["android", "ios", "desktop", "all"];

    for policy in ["manual", "robot", "robot-except-100"] {
        for platform in platforms {
            let mine: Vec<&History> = tracks
                .iter()
                .filter(|(k, _)| k.0 == policy && (platform == "all" || k.3 == platform))
                .map(|(_, h)| h)
                .collect();
            let cycles: Vec<f64> = mine.iter().filter_map(|h| h.cycle_hours()).collect();
            let what = format!("{policy}/{platform}");
            let row = find(
                &json["cycle_time"],
                &[("policy", policy), ("platform", platform)],
            );
            assert_eq!(row["tracks"], mine.len(), "{what}");
            assert_eq!(row["shipped"], cycles.len(), "{what}");
            for (key, p) in [
                ("cycle_p50_hours", 0.5),
                ("cycle_p85_hours", 0.85),
                ("cycle_p95_hours", 0.95),
            ] {
                close(
                    row[key].as_f64().unwrap(),
                    type7(&cycles, p),
                    &format!("{what} {key}"),
                );
            }
            close(
                row["cycle_mean_hours"].as_f64().unwrap(),
                mean(&cycles),
                &what,
            );

            // Time per state, and its share of all track time.
            let life: f64 = mine.iter().map(|h| h.life_hours()).sum();
            let mut per_state: HashMap<String, f64> = HashMap::new();
            for h in &mine {
                for (s, x) in h.state_hours() {
                    *per_state.entry(s).or_default() += x;
                }
            }
            for (state, hours) in per_state.iter().filter(|(_, h)| **h > 0.0) {
                let row = find(
                    &json["states"],
                    &[("policy", policy), ("platform", platform), ("state", state)],
                );
                close(
                    row["hours_per_cycle"].as_f64().unwrap(),
                    hours / mine.len() as f64,
                    &format!("{what} {state}"),
                );
                close(row["share"].as_f64().unwrap(), hours / life, &what);
            }

            // Bottlenecks: the labels split exactly the track time the transitions span.
            let labels: Vec<&Value> = json["bottlenecks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["policy"] == policy && r["platform"] == platform)
                .collect();
            let label_hours: f64 = labels
                .iter()
                .map(|r| r["hours_per_cycle"].as_f64().unwrap())
                .sum();
            assert!(
                (label_hours - life / mine.len() as f64).abs() < 1e-3,
                "{what}: labels {label_hours} vs life"
            );
            let ranks: Vec<f64> = labels
                .iter()
                .map(|r| r["hours_per_cycle"].as_f64().unwrap())
                .collect();
            assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{what}: ranked");
            // Per state, the labels add up to the state's time.
            for (state, hours) in &per_state {
                let in_state: f64 = json["state_bottlenecks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| {
                        r["policy"] == policy && r["platform"] == platform && r["state"] == *state
                    })
                    .map(|r| r["hours_per_cycle"].as_f64().unwrap())
                    .sum();
                assert!(
                    (in_state - hours / mine.len() as f64).abs() < 1e-3,
                    "{what} {state}"
                );
            }
        }
    }

    // Hours saved: the differences of paired cycle times, and per transition the
    // differences of paired waits.
    for policy in ["robot", "robot-except-100"] {
        for platform in platforms {
            let mut diffs = vec![];
            let mut steps: HashMap<(String, String), f64> = HashMap::new();
            for (k, base) in tracks.iter().filter(|(k, _)| k.0 == "manual") {
                if platform != "all" && k.3 != platform {
                    continue;
                }
                let other = &tracks[&(policy.to_string(), k.1, k.2, k.3.clone())];
                if let (Some(a), Some(b)) = (base.cycle_hours(), other.cycle_hours()) {
                    diffs.push(a - b);
                    for (step, w) in base.step_waits() {
                        *steps.entry(step).or_default() += w;
                    }
                    for (step, w) in other.step_waits() {
                        *steps.entry(step).or_default() -= w;
                    }
                }
            }
            let what = format!("{policy}/{platform}");
            let row = find(
                &json["savings"],
                &[("policy", policy), ("platform", platform)],
            );
            assert_eq!(row["baseline"], "manual");
            assert_eq!(row["pairs"], diffs.len(), "{what}");
            close(
                row["saving_mean_hours"].as_f64().unwrap(),
                mean(&diffs),
                &what,
            );
            close(
                row["saving_p50_hours"].as_f64().unwrap(),
                type7(&diffs, 0.5),
                &what,
            );
            close(
                row["saving_p90_hours"].as_f64().unwrap(),
                type7(&diffs, 0.9),
                &what,
            );
            let (lo, hi) = (
                row["saving_ci95_low_hours"].as_f64().unwrap(),
                row["saving_ci95_high_hours"].as_f64().unwrap(),
            );
            assert!(
                lo <= mean(&diffs) && mean(&diffs) <= hi,
                "{what}: {lo}..{hi}"
            );
            for ((from, to), saved) in &steps {
                let row = find(
                    &json["step_savings"],
                    &[
                        ("policy", policy),
                        ("platform", platform),
                        ("from_state", from),
                        ("to_state", to),
                    ],
                );
                close(
                    row["saving_hours"].as_f64().unwrap(),
                    saved / diffs.len() as f64,
                    &format!("{what} {from}->{to}"),
                );
            }
        }
    }
    // The robot saves time overall.
    let all = find(
        &json["savings"],
        &[("policy", "robot"), ("platform", "all")],
    );
    assert!(all["saving_mean_hours"].as_f64().unwrap() > 2.0, "{all}");
}

/// A small run whose reports the snapshot tests pin, written into `tmp/run` and reported
/// from `tmp` so that the path in the output is just `run`.
fn small_run(tmp: &Path) {
    write_run(
        &tmp.join("run"),
        &[
            "--seeds", "3", "--weeks", "3", "--policy", "manual", "--policy", "robot",
        ],
    );
}

fn report_in(tmp: &Path, args: &[&str]) -> String {
    let out = conductor()
        .current_dir(tmp)
        .args(["report", "run"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Inline SVG charts are pinned by their own tests; the HTML snapshot keeps their size only.
fn without_svg(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg") {
        let end = rest[i..].find("</svg>").map_or(rest.len(), |j| i + j + 6);
        out.push_str(&rest[..i]);
        out.push_str("<svg …/>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_format_matches_its_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    small_run(tmp.path());
    insta::assert_snapshot!("report_table", report_in(tmp.path(), &[]));
    insta::assert_snapshot!(
        "report_markdown",
        report_in(tmp.path(), &["--format", "markdown"])
    );
    insta::assert_snapshot!("report_csv", report_in(tmp.path(), &["--format", "csv"]));
    insta::assert_snapshot!("report_json", report_in(tmp.path(), &["--format", "json"]));
    let html = report_in(tmp.path(), &["--format", "html"]);
    assert_eq!(html.matches("<svg").count(), 5, "five inline charts");
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no network"
    );
    assert!(!html.contains("<script"), "no scripts");
    insta::assert_snapshot!("report_html", without_svg(&html));
}

#[test]
fn charts_are_written_as_svg_and_png() {
    let tmp = tempfile::tempdir().unwrap();
    small_run(tmp.path());
    let charts = tmp.path().join("charts");
    report(
        &tmp.path().join("run"),
        &["--charts", charts.to_str().unwrap()],
    )
    .success();
    for name in [
        "cycle-time",
        "savings",
        "trade-off",
        "bottlenecks",
        "timeline",
    ] {
        let svg = std::fs::read_to_string(charts.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}"
        );
        assert!(svg.contains("manual"), "{name}: names the policies");
        let png = std::fs::read(charts.join(format!("{name}.png"))).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, 960, "{name}");
        assert!(info.height >= 280, "{name}");
    }
    let svg = std::fs::read_to_string(charts.join("timeline.svg")).unwrap();
    for state in ["branched", "final_rc", "submitted", "rollout_1"] {
        assert!(svg.contains(state), "the timeline's legend names {state}");
    }
    // Nothing else (no temporary files) is left behind.
    assert_eq!(std::fs::read_dir(&charts).unwrap().count(), 10);
}

#[test]
fn the_report_is_byte_identical_on_1_and_4_polars_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "9", "--weeks", "3"]);
    let run = |threads: &str| {
        conductor()
            .env("POLARS_MAX_THREADS", threads)
            .arg("report")
            .arg(&dir)
            .args(["--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert!(run("1") == run("4"));
}

#[test]
fn filters_and_baseline_choose_the_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "2", "--weeks", "2"]);
    let json = report_json(
        &dir,
        &[
            "--policy",
            "robot",
            "--policy",
            "robot-except-100",
            "--baseline",
            "robot",
        ],
    );
    let policies: Vec<&str> = json["cycle_time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["policy"].as_str().unwrap())
        .collect();
    assert!(policies.iter().all(|p| *p != "manual"), "{policies:?}");
    assert_eq!(json["baseline"], "robot");
    let savings = json["savings"].as_array().unwrap();
    assert!(savings.iter().all(|r| r["policy"] == "robot-except-100"));
    assert_eq!(json["timeline"]["seed"], 1);

    let out = tmp.path().join("report.md");
    report(
        &dir,
        &["--format", "markdown", "--out", out.to_str().unwrap()],
    )
    .success()
    .stdout(predicate::str::is_empty());
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("# Release report")
    );
}

#[test]
fn several_runs_are_reported_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write_run(&a, &["--seeds", "2", "--weeks", "2", "--policy", "manual"]);
    conductor()
        .args([
            "simulate",
            "scenarios/bake-12h.toml",
            "--seeds",
            "2",
            "--weeks",
            "2",
        ])
        .args(["--policy", "manual", "--out"])
        .arg(&b)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .success();
    let out = conductor()
        .arg("report")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("baseline / manual"), "{text}");
    assert!(text.contains("bake-12h / manual"), "{text}");
}

#[test]
fn bad_report_requests_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(
        &dir,
        &["--seeds", "1", "--weeks", "2", "--policy", "manual"],
    );

    report(&tmp.path().join("missing"), &[])
        .code(2)
        .stderr(predicate::str::contains("no such directory"));
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    report(&foreign, &[])
        .code(2)
        .stderr(predicate::str::contains("no manifest.json"));
    report(&dir, &["--policy", "robot"])
        .code(2)
        .stderr(predicate::str::contains(
            "--policy \"robot\": the run has no such policy (it has: manual)",
        ));
    report(&dir, &["--baseline", "nobody"])
        .code(2)
        .stderr(predicate::str::contains("--baseline \"nobody\""));
    report(&dir, &["--timeline-seed", "9"])
        .code(2)
        .stderr(predicate::str::contains("the runs have seeds 1 to 1"));
    report(&dir, &["--timeline-version", "2"])
        .code(2)
        .stderr(predicate::str::contains(
            "--timeline-version 2: seed 1 has no such version (it has 0, 1)",
        ));
    report(&dir, &["--format", "pdf"])
        .code(2)
        .stderr(predicate::str::contains("invalid value 'pdf'"));
    // A failed --out leaves nothing behind.
    let out = tmp.path().join("no-such-folder").join("r.json");
    report(&dir, &["--out", out.to_str().unwrap()])
        .code(2)
        .stderr(predicate::str::contains("--out"));
    assert!(!tmp.path().join("no-such-folder").exists());

    let manifest = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            &format!("\"schema_version\": {}", conductor::dataset::SCHEMA_VERSION),
            "\"schema_version\": 1",
        ),
    )
    .unwrap();
    report(&dir, &[])
        .code(2)
        .stderr(predicate::str::contains(format!(
            "schema version 1, but this conductor reads version {}",
            conductor::dataset::SCHEMA_VERSION
        )));
}

#[test]
fn a_part_being_written_does_not_stop_the_report() {
    // The hidden temporary file of a part being written (or left by a killed run) sits in
    // the table's folder beside the complete files; a folder scan would refuse the mixed
    // file extensions.
    let tmp = tempfile::tempdir().unwrap();
    small_run(tmp.path());
    let before = report_in(tmp.path(), &["--format", "json"]);
    for table in ["cycles", "segments", "transitions", "snapshots"] {
        let folder = tmp.path().join("run").join(table).join("policy=robot");
        let complete = folder.join("seeds-00000001-00000003.parquet");
        let half = std::fs::read(&complete).unwrap();
        std::fs::write(
            folder.join(".seeds-00000004-00000006.parquet.tmp"),
            &half[..half.len() / 2],
        )
        .unwrap();
    }
    assert_eq!(report_in(tmp.path(), &["--format", "json"]), before);
}

#[test]
fn regression_a_report_on_one_shard_says_it_is_partial_and_which_parts_are_missing() {
    // One shard of four holds a quarter of each policy's parts: the report used to say
    // "parts_complete 2 of 2" and drop the savings silently.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shard");
    write_run(
        &dir,
        &[
            "--seeds", "32", "--weeks", "2", "--policy", "manual", "--policy", "robot", "--shard",
            "1/4",
        ],
    );
    let v = report_json(&dir, &[]);
    let run = &v["runs"][0];
    assert_eq!(run["complete"], false, "{run}");
    assert_eq!(run["parts_total"], 8, "{run}");
    assert_eq!(run["parts_complete"], 2, "{run}");
    assert_eq!(run["missing_shards"], serde_json::json!([2, 3, 4]), "{run}");
    let missing: Vec<&str> = run["missing_parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 6, "{missing:?}");
    // Shard 1 holds parts 1 and 5: seeds 1-8 under both policies, so savings pair those.
    assert!(
        missing.contains(&"policy=robot/seeds-00000009-00000016"),
        "{missing:?}"
    );
    assert!(
        !missing.contains(&"policy=robot/seeds-00000001-00000008"),
        "{missing:?}"
    );
    let robot = find(&v["savings"], &[("policy", "robot"), ("platform", "all")]);
    // At most 8 seeds x 2 versions x 3 platforms, less any release cancelled under one.
    let pairs = robot["pairs"].as_u64().unwrap();
    assert!(pairs > 40 && pairs <= 48, "{robot}");
    let table = String::from_utf8(report(&dir, &[]).success().get_output().stdout.clone()).unwrap();
    let headline = table.split("\n\n").next().unwrap().replace('\n', " ");
    assert!(
        headline.contains("PARTIAL: 2 of 8 parts complete")
            && headline.contains("shards missing: 2, 3, 4"),
        "{table}"
    );
}
