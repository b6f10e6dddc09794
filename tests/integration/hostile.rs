//! Hostile inputs (issue 16): every example of the issue, each a test named after it. Each
//! used to panic, abort, hang, write outside the run or lose data with exit 0; each now exits
//! 2 with a message naming the file, key or argument, or works correctly.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;

use crate::dataset::{files, read, strs, write_run};
use crate::util::{baseline_with, conductor};

/// The sample event log shipped with the repository.
pub fn sample_log() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample-events.csv")
}

/// `simulate` on the baseline with one line replaced: exit 2, one line on stderr naming the
/// file and every `expected` text, no panic.
fn scenario_refused(from: &str, to: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("what-if.toml");
    std::fs::write(&path, baseline_with(from, to)).unwrap();
    let out = conductor()
        .arg("simulate")
        .arg(&path)
        .args(["--seeds", "1", "--weeks", "1"])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("panicked").not())
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    for e in std::iter::once(&"what-if.toml").chain(expected) {
        assert!(stderr.contains(e), "stderr lacks {e:?}:\n{stderr}");
    }
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line:\n{stderr}");
    assert!(stderr.len() < 400, "a short message:\n{stderr}");
}

#[test]
fn bake_hours_1e308_is_refused_not_a_jiff_panic() {
    scenario_refused(
        "bake_hours = 24.0",
        "bake_hours = 1e308",
        &["`thresholds.bake_hours` = 1e308", "from 0 to 8760"],
    );
}

#[test]
fn bake_hours_1e9_is_refused_not_a_timestamp_overflow() {
    scenario_refused(
        "bake_hours = 24.0",
        "bake_hours = 1e9",
        &["`thresholds.bake_hours` = 1000000000", "from 0 to 8760"],
    );
}

#[test]
fn a_review_median_of_1e300_is_refused_not_a_timestamp_overflow() {
    scenario_refused(
        "review_hours = { dist = \"lognormal\", median = 24.0, sigma = 0.54 }",
        "review_hours = { dist = \"lognormal\", median = 1e300, sigma = 0.54 }",
        &["`stores.ios.review_hours.median` = 1e300", "at most 8760"],
    );
}

#[test]
fn first_branch_cut_9999_12_01_is_refused_not_a_timestamp_overflow() {
    scenario_refused(
        "first_branch_cut = \"2026-01-09\"",
        "first_branch_cut = \"9999-12-01\"",
        &["`season.first_branch_cut`", "9999-12-01", "2200-12-31"],
    );
}

#[test]
fn mean_count_1e12_is_refused_not_a_40_tb_allocation() {
    scenario_refused(
        "mean_count = 3.6",
        "mean_count = 1e12",
        &["`world.blockers.mean_count`", "from 0 to 1000"],
    );
}

#[test]
fn mean_count_1e7_is_refused_not_7_gb() {
    scenario_refused(
        "mean_count = 3.6",
        "mean_count = 1e7",
        &["`world.blockers.mean_count` = 10000000", "from 0 to 1000"],
    );
}

#[test]
fn a_fixed_fix_effort_of_1e300_hours_is_refused_not_minutes_then_shipped() {
    scenario_refused(
        "fix_effort_hours = { dist = \"lognormal\", median = 1.5, sigma = 0.8 }",
        "fix_effort_hours = { dist = \"fixed\", value = 1e300 }",
        &["`world.blockers.fix_effort_hours.value` = 1e300", "8760"],
    );
}

#[test]
fn teams_over_the_snapshot_columns_range_are_refused() {
    scenario_refused(
        "teams = 12",
        "teams = 100000",
        &["`world.signoff.teams`", "from 0 to 1000"],
    );
}

/// A usage error from clap: exit 2 quickly, naming the argument and the range.
fn argument_refused(args: &[&str], expected: &[&str]) {
    let start = Instant::now();
    let out = conductor()
        .args(args)
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("panicked").not())
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for e in expected {
        assert!(stderr.contains(e), "stderr lacks {e:?}:\n{stderr}");
    }
    assert!(start.elapsed() < Duration::from_secs(10), "refused at once");
}

#[test]
fn weeks_4294967295_obeys_the_scenarios_limit_of_520() {
    argument_refused(
        &["simulate", "--weeks", "4294967295"],
        &["--weeks", "4294967295", "from 1 to 520"],
    );
    argument_refused(
        &["compare", "scenarios/baseline.toml", "--weeks", "521"],
        &["--weeks", "from 1 to 520"],
    );
}

#[test]
fn seeds_18446744073709551615_is_refused_not_a_capacity_overflow() {
    argument_refused(
        &["simulate", "--seeds", "18446744073709551615"],
        &["--seeds", "from 1 to 100000"],
    );
    argument_refused(
        &[
            "check",
            "scenarios/baseline.toml",
            "--seeds",
            "18446744073709551615",
        ],
        &["--seeds", "from 1 to 100000"],
    );
}

#[test]
fn seeds_100000_of_the_baseline_are_refused_before_they_fill_memory() {
    // Allowed one by one, but 23.4 million track-cycles held at once for the summary.
    argument_refused(
        &["simulate", "--seeds", "100000"],
        &["23400000 track-cycles", "--out"],
    );
    argument_refused(
        &["compare", "scenarios/baseline.toml", "--seeds", "100000"],
        &["23400000 track-cycles"],
    );
}

#[test]
fn threads_100000_is_refused_not_a_hang() {
    argument_refused(
        &["simulate", "--threads", "100000"],
        &["--threads", "from 0 to 256"],
    );
}

#[test]
fn seed_18446744073709551615_with_out_is_exit_2_not_an_empty_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("D");
    argument_refused(
        &[
            "simulate",
            "--seed",
            "18446744073709551615",
            "--seeds",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ],
        &["--seed", "from 0 to 9223372036854775807"],
    );
    assert!(!dir.exists(), "nothing written");
    // The last seed counts too: i64::MAX + 1 would not fit the seed column.
    argument_refused(
        &[
            "simulate",
            "--seed",
            "9223372036854775807",
            "--seeds",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[
            "--seed 9223372036854775807 --seeds 2",
            "at most 9223372036854775807",
        ],
    );
    assert!(!dir.exists(), "nothing written");
}

#[test]
fn seed_9223372036854775808_is_refused_and_the_largest_seed_reports() {
    argument_refused(
        &["simulate", "--seed", "9223372036854775808", "--seeds", "1"],
        &["--seed", "9223372036854775808"],
    );
    // The largest seed that fits is a run `report` reads (it used to panic reading a seed
    // column that polars could not hold: "activate dtype-i128 feature").
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(
        &dir,
        &[
            "--seed",
            "9223372036854775807",
            "--seeds",
            "1",
            "--weeks",
            "1",
            "--policy",
            "manual",
        ],
    );
    let out = conductor()
        .arg("report")
        .arg(&dir)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        json["runs"][0]["first_seed"].as_u64(),
        Some(9223372036854775807)
    );
}

/// Writes `text` as `name` in `dir` and replays it (recorded only) into `dir/out`.
fn replay_text(dir: &Path, name: &str, text: &str) -> assert_cmd::assert::Assert {
    let log = dir.join(name);
    std::fs::write(&log, text).unwrap();
    conductor()
        .arg("replay")
        .arg(&log)
        .arg("--out")
        .arg(dir.join("out"))
        .args(["--policy", "recorded", "--force"])
        .timeout(Duration::from_secs(60))
        .assert()
}

const LOG_HEADER: &str = "ts,seed,version,platform,kind,ref,value\n";

#[test]
fn a_log_version_4294967295_is_a_label_not_a_span_panic() {
    let tmp = tempfile::tempdir().unwrap();
    // Past the largest version number, a whole number is a label like `8.9.2`: the log's
    // versions are numbered by their cuts and the label kept.
    let text = format!(
        "{LOG_HEADER}2026-01-09T10:00:00+01:00,0,4294967295,ios,branch_cut,,\n\
         2026-01-12T10:00:00+01:00,0,4294967295,ios,rollout,manual,100\n"
    );
    replay_text(tmp.path(), "log.csv", &text)
        .success()
        .stderr(predicate::str::contains("panicked").not());
    let cycles = crate::dataset::read(
        &tmp.path().join("out"),
        "cycles",
        &["version", "version_label"],
    );
    assert_eq!(
        crate::dataset::strs(&cycles, "version_label"),
        ["4294967295"]
    );
    assert_eq!(crate::dataset::i64s(&cycles, "version"), [Some(1)]);
    // A label with a space or past 64 characters is a row error.
    let long = "9".repeat(65);
    let text = format!("{LOG_HEADER}2026-01-09T10:00:00+01:00,0,{long},ios,branch_cut,,\n");
    replay_text(tmp.path(), "log.csv", &text)
        .code(2)
        .stderr(predicate::str::contains(
            "log.csv:2: a version label of 65 characters (at most 64)",
        ));
    // The largest version replays (the cut after it is past any scenario date).
    let text = format!(
        "{LOG_HEADER}2026-01-09T10:00:00+01:00,0,999999999,ios,branch_cut,,\n\
         2026-01-12T10:00:00+01:00,0,999999999,ios,rollout,manual,100\n"
    );
    replay_text(tmp.path(), "log.csv", &text).success();
    // A track's events lie within a year of its cut.
    let text = format!(
        "{LOG_HEADER}2026-01-09T10:00:00+01:00,0,1,ios,branch_cut,,\n\
         2200-01-12T10:00:00+01:00,0,1,ios,rollout,manual,100\n"
    );
    replay_text(tmp.path(), "log.csv", &text)
        .code(2)
        .stderr(predicate::str::contains(
            "log.csv:3: rollout more than 366 days",
        ));
    // A timestamp past the calendar this model uses names its line too.
    let text = format!("{LOG_HEADER}2999-01-01T00:00:00Z,0,1,ios,branch_cut,,\n");
    replay_text(tmp.path(), "log.csv", &text)
        .code(2)
        .stderr(predicate::str::contains("log.csv:2: timestamp"))
        .stderr(predicate::str::contains("2200-12-31"));
}

#[test]
fn a_log_seed_of_2_pow_64_minus_1_is_a_row_error_not_an_empty_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cut = |seed: &str| format!("2026-01-09T10:00:00+01:00,{seed},1,ios,branch_cut,,\n");
    replay_text(
        tmp.path(),
        "log.csv",
        &format!("{LOG_HEADER}{}", cut("18446744073709551615")),
    )
    .code(2)
    .stderr(predicate::str::contains("log.csv:2: bad seed"))
    .stderr(predicate::str::contains("0 to 9223372036854775807"));
    assert!(!tmp.path().join("out").exists(), "nothing written");
    // Seeds spanning more than one run holds are refused, naming the span.
    replay_text(
        tmp.path(),
        "log.csv",
        &format!("{LOG_HEADER}{}{}", cut("0"), cut("9223372036854775807")),
    )
    .code(2)
    .stderr(predicate::str::contains(
        "its seeds run from 0 to 9223372036854775807",
    ));
    // The largest seed alone is a run that is written and reads back.
    replay_text(
        tmp.path(),
        "log.csv",
        &format!("{LOG_HEADER}{}", cut("9223372036854775807")),
    )
    .success();
    let cycles = read(&tmp.path().join("out"), "cycles", &["seed", "outcome"]);
    assert_eq!(cycles.height(), 1);
    assert_eq!(strs(&cycles, "outcome"), ["open"], "an open release");
}

#[test]
fn an_open_release_in_a_log_replays_open_and_its_segments_tile_its_life() {
    // It used to come out "cancelled", ended at its own branch cut.
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{LOG_HEADER}2026-01-09T10:00:00+01:00,0,1,ios,branch_cut,,\n\
         2026-01-12T10:00:00+01:00,0,1,ios,rollout,manual,1\n\
         2026-01-09T10:00:00+01:00,0,1,android,branch_cut,,\n\
         2026-01-12T09:00:00+01:00,0,1,android,rollout,manual,1\n\
         2026-01-12T12:00:00+01:00,0,1,android,rollout,manual,100\n"
    );
    replay_text(tmp.path(), "log.csv", &text).success();
    let out = tmp.path().join("out");
    let cycles = read(
        &out,
        "cycles",
        &["platform", "outcome", "branched_at", "ended_at"],
    );
    let outcomes = strs(&cycles, "outcome");
    let platforms = strs(&cycles, "platform");
    let ios = platforms.iter().position(|p| p == "ios").unwrap();
    assert_eq!(outcomes[ios], "open");
    assert_eq!(outcomes[1 - ios], "shipped");
    let (cut, ended) = (
        crate::dataset::i64s(&cycles, "branched_at")[ios].unwrap(),
        crate::dataset::i64s(&cycles, "ended_at")[ios].unwrap(),
    );
    // Still live when the log ends: until the seed's last logged event (its 24 h bake,
    // which the engine times past that, does not extend it).
    let log_end: jiff::Timestamp = "2026-01-12T11:00:00Z".parse().unwrap();
    assert_eq!(ended, log_end.as_millisecond());
    let segments = read(&out, "segments", &["platform", "hours"]);
    let hours: f64 = strs(&segments, "platform")
        .iter()
        .zip(crate::dataset::f64s(&segments, "hours"))
        .filter(|(p, _)| *p == "ios")
        .map(|(_, h)| h.unwrap())
        .sum();
    let life = (ended - cut) as f64 / 3_600_000.0;
    assert!(
        (hours - life).abs() < 1e-9,
        "segments {hours} h, life {life} h"
    );
}

/// A small run directory: `--seeds 2 --weeks 1 --policy manual`.
fn small_run(dir: &Path) {
    write_run(dir, &["--seeds", "2", "--weeks", "1", "--policy", "manual"]);
}

/// The offsets of a Parquet file's footer (its Thrift metadata).
fn footer_offsets(bytes: &[u8]) -> std::ops::Range<usize> {
    let n = bytes.len();
    let len = u32::from_le_bytes(bytes[n - 8..n - 4].try_into().unwrap()) as usize;
    n - 8 - len..n - 8
}

/// Whether arrow-rs itself panics reading `bytes` (quietly, in this process).
fn reader_panics(bytes: Vec<u8>) -> bool {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    conductor::dataset::read::catch_panic(|| {
        let Ok(b) = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)) else {
            return;
        };
        if let Ok(reader) = b.build() {
            for batch in reader {
                if batch.is_err() {
                    return;
                }
            }
        }
    })
    .is_err()
}

#[test]
fn a_flipped_byte_in_a_segments_or_cycles_footer_is_one_named_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    small_run(&run);
    let manifest_path = run.join("manifest.json");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    // Without the manifest's checksums (a run written before they were recorded) the
    // corrupt bytes reach the Parquet reader itself.
    let mut without: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    without.as_object_mut().unwrap().remove("part_files");
    let without = serde_json::to_string_pretty(&without).unwrap();
    let mut panicking = 0;
    for (checksums, text) in [(true, &manifest), (false, &without)] {
        std::fs::write(&manifest_path, text).unwrap();
        for table in ["segments", "cycles"] {
            let file = run
                .join(table)
                .join("policy=manual/seeds-00000001-00000002.parquet");
            let good = std::fs::read(&file).unwrap();
            let footer = footer_offsets(&good);
            // Every flip arrow-rs panics on, and every 50th other one.
            let chosen: Vec<(usize, bool)> = footer
                .clone()
                .filter_map(|i| {
                    let mut bad = good.clone();
                    bad[i] ^= 0xff;
                    let panics = reader_panics(bad);
                    (panics || (i - footer.start).is_multiple_of(50)).then_some((i, panics))
                })
                .collect();
            let mut named = 0;
            for (i, panics) in chosen {
                let mut bad = good.clone();
                bad[i] ^= 0xff;
                std::fs::write(&file, &bad).unwrap();
                let out = conductor()
                    .arg("report")
                    .arg(&run)
                    .timeout(Duration::from_secs(60))
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                let what = format!("{table} byte {i} (checksums: {checksums})");
                assert!(!stderr.contains("panicked"), "{what}:\n{stderr}");
                match out.status.code() {
                    // Without checksums a flip in, say, a statistic or a column the report
                    // does not read can go unnoticed.
                    Some(0) if !checksums => {}
                    Some(2) => {
                        assert!(
                            stderr.contains(&format!("{table}/policy=manual/seeds-00000001")),
                            "{what}: the file is named:\n{stderr}"
                        );
                        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
                        if checksums {
                            assert!(stderr.contains("SHA-256"), "{what}: {stderr}");
                        }
                        // A panic inside arrow-rs, caught and reported as this file's error.
                        panicking += usize::from(panics && !checksums);
                        named += 1;
                    }
                    other => panic!("{what}: exit {other:?}:\n{stderr}"),
                }
            }
            assert!(named > 0, "{table}: some flips are errors");
            std::fs::write(&file, &good).unwrap();
        }
    }
    assert!(
        panicking > 0,
        "some flipped footer byte makes arrow-rs panic in the report (else this test proves nothing)"
    );
}

/// The baseline with `changes` applied (each `from` must occur once).
fn scenario_with(dir: &Path, changes: &[(&str, &str)]) -> PathBuf {
    let mut text = conductor::scenario::BASELINE_TOML.to_string();
    for (from, to) in changes {
        assert_eq!(text.matches(from).count(), 1, "{from:?}");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join("what-if.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_fix_that_never_lands_ends_open_within_the_season_not_shipped() {
    let tmp = tempfile::tempdir().unwrap();
    // A year of feature-team working time per blocker (the largest allowed), and the older
    // release never judged again ("upcoming"): nothing finishes it.
    let scenario = scenario_with(
        tmp.path(),
        &[
            (
                "fix_effort_hours = { dist = \"lognormal\", median = 1.5, sigma = 0.8 }",
                "fix_effort_hours = { dist = \"fixed\", value = 8760 }",
            ),
            (
                "overlap_cancels = \"current\"",
                "overlap_cancels = \"upcoming\"",
            ),
        ],
    );
    let run = tmp.path().join("run");
    let start = Instant::now();
    write_run(
        &run,
        &[scenario.to_str().unwrap(), "--seeds", "4", "--weeks", "3"],
    );
    assert!(start.elapsed() < Duration::from_secs(60), "no hang");
    let cycles = read(
        &run,
        "cycles",
        &["policy", "outcome", "blockers", "ended_at", "cycle_hours"],
    );
    let outcomes = strs(&cycles, "outcome");
    let policies = strs(&cycles, "policy");
    let blockers = crate::dataset::u32s(&cycles, "blockers");
    let ended = crate::dataset::i64s(&cycles, "ended_at");
    let open: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i] == "open")
        .collect();
    assert!(!open.is_empty(), "{outcomes:?}");
    for i in 0..outcomes.len() {
        if outcomes[i] == "shipped" {
            assert_eq!(blockers[i], 0, "a release with a blocker cannot ship");
        }
    }
    // They end at the season's end: four weekly cadences after the extra cut (version 3's
    // cut, Friday 2026-01-30 10:00 Stockholm = 09:00Z).
    let end: jiff::Timestamp = "2026-02-27T09:00:00Z".parse().unwrap();
    for &i in &open {
        assert_eq!(ended[i], Some(end.as_millisecond()));
    }
    // The report counts them apart, as neither shipped nor cancelled, and leaves them out of
    // the shipped share: it is over the settled releases.
    let manual = |o: &str| {
        (0..outcomes.len())
            .filter(|&i| policies[i] == "manual" && outcomes[i] == o)
            .count()
    };
    let (shipped, cancelled, open_manual) =
        (manual("shipped"), manual("cancelled"), manual("open"));
    assert!(open_manual > 0);
    let out = conductor()
        .arg("report")
        .arg(&run)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let all = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["policy"] == "manual" && o["platform"] == "all")
        .unwrap();
    assert_eq!(all["open"].as_u64(), Some(open_manual as u64), "{all}");
    assert_eq!(all["cancelled"].as_u64(), Some(cancelled as u64), "{all}");
    match all["success_rate"].as_f64() {
        Some(rate) => {
            let expected = shipped as f64 / (shipped + cancelled) as f64;
            assert!((rate - expected).abs() < 1e-4, "{all}");
        }
        None => assert_eq!(shipped + cancelled, 0, "{all}"),
    }
    // Under "current" the same world is cancelled at the next cut: still not shipped.
    let current = scenario_with(
        tmp.path(),
        &[(
            "fix_effort_hours = { dist = \"lognormal\", median = 1.5, sigma = 0.8 }",
            "fix_effort_hours = { dist = \"fixed\", value = 8760 }",
        )],
    );
    let out = conductor()
        .arg("simulate")
        .arg(&current)
        .args(["--seeds", "4", "--weeks", "3", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    for row in json["rows"].as_array().unwrap() {
        assert!(row["success_rate"].as_f64().unwrap() < 0.1, "{row}");
    }
}

#[test]
fn a_release_squad_never_at_work_leaves_manual_releases_open() {
    let tmp = tempfile::tempdir().unwrap();
    // Every day of 2026 and 2027 a squad holiday: nobody can act for 400 days.
    let start = jiff::civil::date(2026, 1, 1);
    let days: Vec<String> = (0..730)
        .map(|d| {
            format!(
                "\"{}\"",
                start.checked_add(jiff::Span::new().days(d)).unwrap()
            )
        })
        .collect();
    let squad = "weekdays = [\"08:00-21:00\"]        # two overlapping shifts; nobody acts at night or weekends\nholidays = [\"2026-01-01\", \"2026-01-06\", \"2026-04-03\", \"2026-04-06\", \"2026-05-01\",\n            \"2026-05-14\", \"2026-06-19\", \"2026-12-24\", \"2026-12-25\", \"2026-12-31\"]";
    let scenario = scenario_with(
        tmp.path(),
        &[(
            squad,
            &format!(
                "weekdays = [\"08:00-21:00\"]\nholidays = [{}]",
                days.join(", ")
            ),
        )],
    );
    let out = conductor()
        .arg("simulate")
        .arg(&scenario)
        .args(["--seeds", "2", "--weeks", "2", "--format", "json"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    for row in json["rows"].as_array().unwrap() {
        let shipped = row["shipped"].as_u64().unwrap();
        match row["policy"].as_str().unwrap() {
            "robot" => assert!(shipped > 0, "the robot needs nobody: {row}"),
            _ => assert_eq!(shipped, 0, "a person must act: {row}"),
        }
    }
}

/// Runs `cmd` with a deadline; kills it and fails when it is passed.
fn run_with_deadline(mut cmd: Command, secs: u64) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "no answer in {secs} s (a hang):\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A named pipe at `path` (`mkfifo`).
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_fifo()
}

#[test]
fn a_fifo_as_the_event_log_is_read_once_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("log.csv");
    mkfifo(&fifo);
    let bytes = std::fs::read(sample_log()).unwrap();
    for (cmd, extra) in [
        ("replay", vec!["--policy", "recorded", "--out"]),
        ("fit", vec!["-o"]),
    ] {
        let writer = {
            let (fifo, bytes) = (fifo.clone(), bytes.clone());
            std::thread::spawn(move || std::fs::write(fifo, bytes))
        };
        let out_path = tmp.path().join(format!("{cmd}-out"));
        let mut c = Command::new(env!("CARGO_BIN_EXE_conductor"));
        c.arg(cmd).arg(&fifo).args(&extra).arg(&out_path);
        let out = run_with_deadline(c, 120);
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        writer.join().unwrap().unwrap();
        if cmd == "replay" {
            let m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(out_path.join("manifest.json")).unwrap())
                    .unwrap();
            assert_eq!(
                m["event_log"]["sha256"],
                conductor::files::sha256_hex(&bytes),
                "the hash of the bytes replayed"
            );
        }
    }
}

#[test]
fn a_policy_named_x_dot_dot_escape_is_refused_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = tmp.path().join("a/b/c");
    std::fs::create_dir_all(&inner).unwrap();
    let scenario = scenario_with(
        tmp.path(),
        &[("[policies.robot]", "[policies.\"x/../../../escape\"]")],
    );
    let before = files(tmp.path());
    conductor()
        .arg("simulate")
        .arg(&scenario)
        .args(["--seeds", "1", "--weeks", "1", "--out"])
        .arg(inner.join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("key `policies.x/../../../escape`"))
        .stderr(predicate::str::contains("letters"));
    assert!(files(tmp.path()) == before, "nothing written anywhere");
    // A scenario name is a folder too (`data/runs/<name>`).
    scenario_refused(
        "name = \"baseline\"",
        "name = \"../../etc\"",
        &["key `name`", "cannot start with '.'"],
    );
}

/// A thread that reads everything written into the FIFO `path` until the writer closes it.
fn drain(path: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    })
}

#[test]
fn outputs_onto_a_device_fifo_or_symlink_keep_it_what_it_is() {
    use std::os::unix::fs::{FileTypeExt, symlink};
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    small_run(&run);
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let check_baseline = tmp.path().join("check.toml");
    conductor()
        .arg("check")
        .arg(&run)
        .arg("--write-baseline")
        .arg(&check_baseline)
        .assert()
        .success();

    // A device: written in place (as root this used to replace /dev/null with a file).
    let null = Path::new("/dev/null");
    conductor()
        .arg("report")
        .arg(&run)
        .arg("--out")
        .arg(null)
        .assert()
        .success();
    conductor()
        .arg("check")
        .arg(&run)
        .arg("--baseline")
        .arg(&check_baseline)
        .arg("--junit")
        .arg(null)
        .arg("--markdown")
        .arg(null)
        .assert()
        .success();
    conductor()
        .arg("compare")
        .arg(&baseline)
        .args(["--seeds", "1", "--weeks", "1", "-o"])
        .arg(null)
        .assert()
        .success();
    let meta = std::fs::symlink_metadata(null).unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/null is a device");

    // A FIFO: the reader gets the file, and the FIFO stays one.
    for (args, name) in [
        (vec!["report", run.to_str().unwrap(), "--out"], "report.txt"),
        (
            vec![
                "simulate",
                "--seeds",
                "1",
                "--weeks",
                "1",
                "--policy",
                "manual",
                "--event-log",
            ],
            "events.csv",
        ),
    ] {
        let fifo = tmp.path().join(name);
        mkfifo(&fifo);
        let reader = drain(&fifo);
        let mut c = Command::new(env!("CARGO_BIN_EXE_conductor"));
        c.args(&args).arg(&fifo);
        let out = run_with_deadline(c, 120);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = reader.join().unwrap();
        assert!(!got.is_empty(), "{name}: the reader got the output");
        assert!(is_fifo(&fifo), "{name} is still a FIFO");
        std::fs::remove_file(&fifo).unwrap();
    }

    // A symbolic link: followed; the file it points to is replaced, the link stays.
    let target = tmp.path().join("latest-report.txt");
    std::fs::write(&target, "old").unwrap();
    let link = tmp.path().join("report-link.txt");
    symlink(&target, &link).unwrap();
    conductor()
        .arg("report")
        .arg(&run)
        .arg("--out")
        .arg(&link)
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("Cycle time")
    );
    let junit_target = tmp.path().join("junit-real.xml");
    let junit_link = tmp.path().join("junit.xml");
    symlink(&junit_target, &junit_link).unwrap();
    // A link to a file that does not exist yet is refused (the file would appear wherever
    // the link points) and nothing is created.
    conductor()
        .arg("check")
        .arg(&run)
        .arg("--baseline")
        .arg(&check_baseline)
        .arg("--junit")
        .arg(&junit_link)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("junit.xml"))
        .stderr(predicate::str::contains("symbolic link"));
    assert!(!junit_target.exists());
    // A directory is refused.
    conductor()
        .arg("compare")
        .arg(&baseline)
        .args(["--seeds", "1", "--weeks", "1", "-o"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

#[test]
fn report_ignores_a_part_file_the_manifest_does_not_list() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    small_run(&run);
    let report = || {
        conductor()
            .arg("report")
            .arg(&run)
            .args(["--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let before = report();
    for table in conductor::dataset::TABLES {
        let folder = run.join(table).join("policy=manual");
        std::fs::copy(
            folder.join("seeds-00000001-00000002.parquet"),
            folder.join("seeds-00000003-00000004.parquet"),
        )
        .unwrap();
    }
    assert_eq!(report(), before, "an unlisted part changes nothing");
}

#[test]
fn a_directory_holding_shards_1_and_3_of_4_says_so_in_report_dashboard_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("shared");
    // 32 seeds of one policy: four parts, one per shard.
    for k in ["1/4", "3/4"] {
        write_run(
            &run,
            &[
                "--seeds", "32", "--weeks", "1", "--policy", "manual", "--shard", k,
            ],
        );
    }
    let out = conductor()
        .arg("report")
        .arg(&run)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let r = &json["runs"][0];
    assert_eq!(r["complete"], false, "{r}");
    assert_eq!(r["missing_shards"], serde_json::json!([2, 4]), "{r}");
    conductor()
        .arg("export")
        .arg(&run)
        .args(["--format", "activity-log"])
        .assert()
        .success()
        .stderr(predicate::str::contains("holds 2 of the run's 4 parts"))
        .stderr(predicate::str::contains("shards 2, 4 of 4 missing"));
    let dashboard = |seed: &str| {
        conductor()
            .arg("dashboard")
            .arg(&run)
            .args(["--at", "2026-01-09T12:00", "--seed", seed])
            .assert()
    };
    dashboard("1")
        .success()
        .stderr(predicate::str::contains("shards 2, 4 of 4 missing"));
    dashboard("9")
        .code(2)
        .stderr(predicate::str::contains("seed 9 of policy manual"))
        .stderr(predicate::str::contains(
            "shard 2 of 4, whose manifest the directory lacks",
        ));
}

#[test]
fn resume_redoes_a_listed_part_whose_file_was_deleted_or_corrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--seeds", "24", "--weeks", "2", "--policy", "manual"];
    let whole = tmp.path().join("whole");
    write_run(&whole, &args);
    let dir = tmp.path().join("damaged");
    write_run(&dir, &args);
    let part = |table: &str, first: u32| {
        dir.join(table).join(format!(
            "policy=manual/seeds-{first:08}-{:08}.parquet",
            first + 7
        ))
    };
    std::fs::remove_file(part("snapshots", 1)).unwrap();
    // Same size, one byte changed: only the checksum can tell.
    let cycles = part("cycles", 9);
    let mut bytes = std::fs::read(&cycles).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&cycles, &bytes).unwrap();
    conductor()
        .args(["simulate"])
        .args(args)
        .arg("--out")
        .arg(&dir)
        .arg("--resume")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 parts written (1 already complete)",
        ))
        .stderr(predicate::str::contains(
            "written again: policy=manual/seeds-00000001-00000008",
        ))
        .stderr(predicate::str::contains(
            "written again: policy=manual/seeds-00000009-00000016",
        ))
        .stderr(predicate::str::contains("SHA-256"));
    assert!(
        files(&whole) == files(&dir),
        "the same bytes as an uninterrupted run"
    );
}

#[test]
fn readers_refuse_a_listed_part_whose_file_is_missing_or_cut_short() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    small_run(&run);
    let file = run.join("cycles/policy=manual/seeds-00000001-00000002.parquet");
    let good = std::fs::read(&file).unwrap();
    std::fs::write(&file, &good[..good.len() / 2]).unwrap();
    let readers: [&[&str]; 4] = [
        &["report"],
        &["export", "--format", "activity-log"],
        &["dashboard", "--at", "2026-01-09T12:00"],
        &["compare"],
    ];
    for reader in readers {
        conductor()
            .arg(reader[0])
            .arg(&run)
            .args(&reader[1..])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "cycles/policy=manual/seeds-00000001-00000002.parquet",
            ))
            .stderr(predicate::str::contains(format!(
                "has {} bytes where the manifest recorded {}",
                good.len() / 2,
                good.len()
            )));
    }
    std::fs::remove_file(&file).unwrap();
    conductor()
        .arg("report")
        .arg(&run)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("listed complete by manifest.json"))
        .stderr(predicate::str::contains("cannot be read"));
}

#[test]
fn a_second_writer_is_refused_with_a_clear_message_not_no_such_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let long = [
        "simulate",
        "--seeds",
        "400",
        "--weeks",
        "26",
        "--threads",
        "1",
    ];
    let mut first = Command::new(env!("CARGO_BIN_EXE_conductor"))
        .args(long)
        .arg("--out")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !dir.join("manifest.json").exists() {
        assert!(first.try_wait().unwrap().is_none(), "ended too soon");
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(20));
    }
    for extra in [&["--resume"][..], &["--force"][..], &[][..]] {
        conductor()
            .args(long)
            .arg("--out")
            .arg(&dir)
            .args(extra)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "another conductor is writing this run directory",
            ))
            .stderr(predicate::str::contains(".conductor.lock"));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    // The killed writer's lock went with it: the next writer is not blocked.
    conductor()
        .args([
            "simulate", "--seeds", "1", "--weeks", "1", "--force", "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    assert!(!dir.join(".conductor.lock").exists(), "lock file removed");

    // The same shard twice.
    let shared = tmp.path().join("shards");
    let shard = [
        "simulate",
        "--seeds",
        "400",
        "--weeks",
        "26",
        "--threads",
        "1",
        "--shard",
        "1/2",
    ];
    let mut first = Command::new(env!("CARGO_BIN_EXE_conductor"))
        .args(shard)
        .arg("--out")
        .arg(&shared)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !shared.join("manifest-shard-1-of-2.json").exists() {
        assert!(first.try_wait().unwrap().is_none(), "ended too soon");
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(20));
    }
    conductor()
        .args(shard)
        .arg("--out")
        .arg(&shared)
        .arg("--resume")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "another conductor is writing shard 1/2",
        ));
    first.kill().unwrap();
    first.wait().unwrap();
}

#[test]
fn two_shards_writing_one_directory_at_once_both_finish_with_the_unsharded_files() {
    // They share the directory's lock and write `scenario.toml` at the same moment: each
    // through a temporary file of its own (they once wrote into one and the second rename
    // failed with "No such file or directory").
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "simulate",
        "--seeds",
        "32",
        "--weeks",
        "2",
        "--threads",
        "1",
    ];
    let shared = tmp.path().join("shared");
    let children: Vec<_> = ["1/2", "2/2"]
        .iter()
        .map(|k| {
            Command::new(env!("CARGO_BIN_EXE_conductor"))
                .args(args)
                .args(["--shard", k, "--out"])
                .arg(&shared)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let whole = tmp.path().join("whole");
    write_run(&whole, &args[1..]);
    let parquet = |dir: &Path| {
        let mut f = files(dir);
        f.retain(|p, _| p.extension().is_some_and(|e| e == "parquet"));
        f
    };
    assert!(
        parquet(&shared) == parquet(&whole),
        "the union is the unsharded run"
    );
    let left: Vec<PathBuf> = files(&shared).into_keys().collect();
    assert!(
        left.iter().all(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.ends_with(".tmp") && !name.ends_with(".lock")
        }),
        "{left:?}"
    );
}

#[test]
fn a_shards_resume_removes_only_its_own_leftover_temporaries() {
    // It removed every `.tmp` in the directory, including the files another shard was
    // writing at that moment.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shared");
    let args = ["--seeds", "16", "--weeks", "1", "--policy", "manual"];
    write_run(&dir, &[&args[..], &["--shard", "1/2"]].concat());
    let folder = dir.join("cycles/policy=manual");
    // Parts: seeds 1-8 (shard 1), 9-16 (shard 2).
    let mine = folder.join(".seeds-00000001-00000008.parquet.999-0.tmp");
    let theirs = folder.join(".seeds-00000009-00000016.parquet.998-0.tmp");
    std::fs::write(&mine, "left by a killed shard 1").unwrap();
    std::fs::write(&theirs, "shard 2, still writing").unwrap();
    conductor()
        .arg("simulate")
        .args(args)
        .args(["--shard", "1/2", "--resume", "--out"])
        .arg(&dir)
        .assert()
        .success();
    assert!(!mine.exists(), "its own leftover is removed");
    assert!(theirs.exists(), "another shard's file is left alone");
}

#[test]
fn parquet_event_logs_in_every_common_codec_are_read() {
    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample_log()).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let col = |i: usize| -> Vec<&str> { rows.iter().map(|r| r[i]).collect() };
    let opt = |i: usize| -> Vec<Option<&str>> {
        rows.iter()
            .map(|r| Some(r[i]).filter(|s| !s.is_empty()))
            .collect()
    };
    let batch = RecordBatch::try_from_iter([
        ("ts", Arc::new(StringArray::from(col(0))) as ArrayRef),
        (
            "version",
            Arc::new(Int64Array::from(
                col(1)
                    .iter()
                    .map(|v| v.parse::<i64>().unwrap())
                    .collect::<Vec<_>>(),
            )),
        ),
        ("platform", Arc::new(StringArray::from(col(2)))),
        ("kind", Arc::new(StringArray::from(col(3)))),
        ("ref", Arc::new(StringArray::from(opt(4)))),
        (
            "value",
            Arc::new(Float64Array::from(
                opt(5)
                    .iter()
                    .map(|v| v.map(|v| v.parse::<f64>().unwrap()))
                    .collect::<Vec<_>>(),
            )),
        ),
    ])
    .unwrap();
    let replay = |log: &Path, out: &Path| {
        conductor()
            .arg("replay")
            .arg(log)
            .args(["--policy", "recorded", "--out"])
            .arg(out)
            .assert()
            .success();
        let mut parts = crate::dataset::files(out);
        parts.retain(|p, _| p.extension().is_some_and(|e| e == "parquet"));
        parts
    };
    let from_csv = replay(&sample_log(), &tmp.path().join("csv"));
    for (name, codec) in [
        ("uncompressed", Compression::UNCOMPRESSED),
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("lz4", Compression::LZ4),
        ("lz4_raw", Compression::LZ4_RAW),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
    ] {
        let path = tmp.path().join(format!("{name}.parquet"));
        let props = WriterProperties::builder().set_compression(codec).build();
        let file = std::fs::File::create(&path).unwrap();
        let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let parts = replay(&path, &tmp.path().join(name));
        assert!(parts == from_csv, "{name}: the same tables as the CSV");
    }
}

#[test]
fn a_scenario_that_is_not_utf8_names_the_line_and_column_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("what-if.toml");
    let mut bytes = b"# a comment\nname = \"base".to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(b"line\"\n");
    std::fs::write(&path, bytes).unwrap();
    let out = conductor()
        .arg("simulate")
        .arg(&path)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&out);
    assert!(
        stderr.contains("what-if.toml:2:13: not valid UTF-8"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "said once: {stderr}");
}
