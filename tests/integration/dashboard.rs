//! `conductor dashboard`: the state of a run at one tick, checked against the snapshots.

use std::path::Path;

use polars::prelude::*;
use predicates::prelude::*;

use crate::dataset::{i64s, read, strs, u32s, write_run};
use crate::util::conductor;

fn dashboard(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    conductor().arg("dashboard").arg(dir).args(args).assert()
}

/// A tick inside version 1's life under `manual`, seed 1: three hours after its cut.
fn a_tick(dir: &Path) -> i64 {
    let cycles = read(dir, "cycles", &["policy", "seed", "version", "branched_at"])
        .lazy()
        .filter(
            col("policy")
                .eq(lit("manual"))
                .and(col("seed").eq(lit(1i64)))
                .and(col("version").eq(lit(1i64))),
        )
        .collect()
        .unwrap();
    let cut = i64s(&cycles, "branched_at")[0].unwrap();
    (cut + 3 * 3_600_000) / 300_000 * 300_000
}

#[test]
fn the_dashboard_shows_the_snapshot_state_of_every_live_track() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "2", "--weeks", "3"]);
    let at_ms = a_tick(&dir);
    let at = jiff::Timestamp::from_millisecond(at_ms)
        .unwrap()
        .to_string();

    let out = dashboard(&dir, &["--at", &at, "--policy", "manual", "--seed", "1"])
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\x1b'), "NO_COLOR: no escape codes\n{text}");
    // The live tracks' blocks (the ended tracks' outcomes follow them).
    let shown: Vec<(String, String, String, String)> = text
        .lines()
        .take_while(|l| !l.starts_with("ended by this tick"))
        .filter(|l| l.starts_with('v'))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (
                w[0].to_string(),
                w[1].to_string(),
                w[2].to_string(),
                w[w.len() - 1].to_string(),
            )
        })
        .collect();

    let snaps = read(
        &dir,
        "snapshots",
        &[
            "policy",
            "seed",
            "version",
            "platform",
            "ts",
            "state",
            "waiting_on",
        ],
    )
    .lazy()
    .filter(
        col("policy")
            .eq(lit("manual"))
            .and(col("seed").eq(lit(1i64)))
            .and(col("ts").eq(lit(at_ms))),
    )
    .collect()
    .unwrap();
    let versions = u32s(&snaps, "version");
    let (platforms, states, waiting) = (
        strs(&snaps, "platform"),
        strs(&snaps, "state"),
        strs(&snaps, "waiting_on"),
    );
    let mut expected: Vec<(String, String, String, String)> = (0..snaps.height())
        .map(|i| {
            (
                format!("v{}", versions[i]),
                platforms[i].clone(),
                states[i].clone(),
                waiting[i].clone(),
            )
        })
        .collect();
    expected.sort();
    let mut shown_sorted = shown.clone();
    shown_sorted.sort();
    assert!(
        expected.len() >= 3,
        "at least version 1's three tracks are live: {expected:?}"
    );
    assert_eq!(shown_sorted, expected, "\n{text}");

    // One version only, and HTML.
    dashboard(&dir, &["--at", &at, "--version", "1", "--format", "html"])
        .success()
        .stdout(predicate::str::starts_with("<!DOCTYPE html>"))
        .stdout(predicate::str::contains("android &middot; version 1"))
        .stdout(predicate::str::contains("version 0").not());
}

#[test]
fn bad_dashboard_requests_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(
        &dir,
        &["--seeds", "1", "--weeks", "2", "--policy", "manual"],
    );
    let at = jiff::Timestamp::from_millisecond(a_tick(&dir))
        .unwrap()
        .to_string();

    dashboard(&tmp.path().join("missing"), &["--at", &at])
        .code(2)
        .stderr(predicate::str::contains(
            "missing: not a conductor run directory: no such directory",
        ));
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "x").unwrap();
    dashboard(&foreign, &["--at", &at])
        .code(2)
        .stderr(predicate::str::contains("no manifest.json"));
    dashboard(&dir, &["--at", "2001-01-01T00:00:00Z"])
        .code(2)
        .stderr(predicate::str::contains("no release live then"));
    dashboard(&dir, &["--at", "yesterday"])
        .code(2)
        .stderr(predicate::str::contains("--at \"yesterday\": not a time"));
    dashboard(&dir, &["--at", &at, "--policy", "robot"])
        .code(2)
        .stderr(predicate::str::contains(
            "--policy \"robot\": the run has no such policy (it has: manual)",
        ));
    dashboard(&dir, &["--at", &at, "--seed", "7"])
        .code(2)
        .stderr(predicate::str::contains(
            "--seed 7: the run has seeds 1 to 1",
        ));

    let manifest = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            &format!("\"schema_version\": {}", conductor::dataset::SCHEMA_VERSION),
            "\"schema_version\": 99",
        ),
    )
    .unwrap();
    dashboard(&dir, &["--at", &at])
        .code(2)
        .stderr(predicate::str::contains(format!(
            "schema version 99, but this conductor reads version {}",
            conductor::dataset::SCHEMA_VERSION
        )));
}

/// The first tick at or after `ms`.
fn tick_after(ms: i64) -> String {
    let t = (ms + 299_999) / 300_000 * 300_000;
    jiff::Timestamp::from_millisecond(t).unwrap().to_string()
}

/// A track that has ended by the tick shows its safety outcome from the `cycles` table,
/// said to be assumed in a simulation; live tracks show none; a log replayed as recorded
/// says its defects are not recorded, never 0.
#[test]
fn an_ended_track_shows_its_safety_outcome_from_the_cycles_table() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(
        &dir,
        &["--seeds", "4", "--weeks", "4", "--policy", "manual"],
    );
    let cycles = read(
        &dir,
        "cycles",
        &[
            "seed",
            "version",
            "platform",
            "outcome",
            "ended_at",
            "defects",
            "defects_escaped",
            "hotfixes",
        ],
    );
    let (seeds, versions, platforms) = (
        u32s(&cycles, "seed"),
        u32s(&cycles, "version"),
        strs(&cycles, "platform"),
    );
    let outcome = strs(&cycles, "outcome");
    let (ended, defects, escaped) = (
        i64s(&cycles, "ended_at"),
        i64s(&cycles, "defects"),
        i64s(&cycles, "defects_escaped"),
    );
    // Version 0 of the seed whose version 0 carried the most defects, once all its tracks
    // ended: the version's outcome, one block per platform.
    let rows: Vec<usize> = (0..cycles.height()).filter(|&i| versions[i] == 0).collect();
    let seed = rows
        .iter()
        .max_by_key(|&&i| (defects[i], std::cmp::Reverse(seeds[i])))
        .map(|&i| seeds[i])
        .unwrap();
    let mine: Vec<usize> = rows.into_iter().filter(|&i| seeds[i] == seed).collect();
    let last_end = mine.iter().map(|&i| ended[i].unwrap()).max().unwrap();
    let at = tick_after(last_end);
    let seed_arg = seed.to_string();
    let out = dashboard(&dir, &["--at", &at, "--seed", &seed_arg, "--version", "0"])
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("ended by this tick (the whole cycle's safety outcome"),
        "{text}"
    );
    for &i in &mine {
        let head = format!("v0 {:<8} {:<11} ended ", platforms[i], outcome[i]);
        let block: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with(&head))
            .take(5)
            .collect();
        assert!(!block.is_empty(), "{head}\n{text}");
        let d = defects[i].unwrap();
        let e = escaped[i].unwrap();
        assert!(
            block[1].starts_with(&format!(
                "   defects {d} (assumed: the scenario's defect model): escaped {e} "
            )),
            "{block:?}"
        );
        assert!(
            block[4].ends_with("share-of-users h (assumed)"),
            "{block:?}"
        );
    }
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");

    // At a live tick, the live tracks' blocks show no outcome.
    let at = jiff::Timestamp::from_millisecond(a_tick(&dir))
        .unwrap()
        .to_string();
    let out = dashboard(&dir, &["--at", &at])
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let live: String = text
        .lines()
        .take_while(|l| !l.starts_with("ended by this tick"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(live.contains("waiting on"), "{text}");
    assert!(
        !live.contains("defects") && !live.contains("hotfix"),
        "{text}"
    );

    // Replayed as recorded: no defect model, and the board says so.
    let replayed = tmp.path().join("replayed");
    conductor()
        .args([
            "replay",
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-events.csv"),
        ])
        .args(["--policy", "recorded", "-q", "--out"])
        .arg(&replayed)
        .assert()
        .success();
    let cycles = read(
        &replayed,
        "cycles",
        &["version", "version_label", "ended_at"],
    );
    let first = (0..cycles.height())
        .min_by_key(|&i| u32s(&cycles, "version")[i])
        .unwrap();
    let label = strs(&cycles, "version_label")[first].clone();
    let end = (0..cycles.height())
        .filter(|&i| strs(&cycles, "version_label")[i] == label)
        .map(|i| i64s(&cycles, "ended_at")[i].unwrap())
        .max()
        .unwrap();
    dashboard(&replayed, &["--at", &tick_after(end), "--version", &label])
        .success()
        .stdout(predicate::str::contains(
            "defects: not recorded (replayed as recorded: no defect model)",
        ))
        .stdout(predicate::str::contains("user exposure: not recorded"))
        .stdout(predicate::str::contains("(assumed").not());
}

#[test]
fn regression_the_safety_block_reads_only_the_cycles_part_of_its_seed() {
    // The block of ended tracks first read every `cycles` part of the policy: the cost grew
    // with the run, and a damaged part of other seeds failed a board of seed 1. It reads
    // the part holding the seed, as the snapshots do.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(
        &dir,
        &["--seeds", "16", "--weeks", "4", "--policy", "manual"],
    );
    let at = tick_after(a_tick(&dir) + 24 * 3_600_000);
    let other = dir.join("cycles/policy=manual/seeds-00000009-00000016.parquet");
    // Zeros of the file's own size: the run still opens (sizes match the manifest); only a
    // reader of that part meets the damage.
    let size = std::fs::metadata(&other)
        .expect("two parts of eight seeds")
        .len();
    std::fs::write(&other, vec![0u8; size as usize]).unwrap();
    dashboard(&dir, &["--at", &at, "--policy", "manual", "--seed", "1"])
        .success()
        .stdout(predicate::str::contains("android"));
    // Seed 9's board needs the damaged part: an error naming it, not a panic.
    dashboard(&dir, &["--at", &at, "--policy", "manual", "--seed", "9"])
        .code(2)
        .stderr(predicate::str::contains("seeds-00000009-00000016.parquet"));
}
