//! `simulate --out`: the run directory read back with polars, and the determinism,
//! shard-union, kill-then-resume and bad-output claims of docs/formats.md.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use polars::prelude::*;
use predicates::prelude::*;

use crate::util::conductor;

const TICK_MS: i64 = 300_000;

/// `simulate --out DIR` with extra arguments; asserts success.
pub fn write_run(dir: &Path, args: &[&str]) {
    conductor()
        .arg("simulate")
        .args(args)
        .arg("--out")
        .arg(dir)
        .assert()
        .success()
        .stderr(predicate::str::contains("parts written"));
}

/// Every regular file under `dir`, by relative path.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn parquet_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "parquet"))
        .collect()
}

/// A table of a run directory as one data frame (the complete parts the manifests list),
/// read the way `conductor report` reads it: integers as Int64, timestamps as integer
/// milliseconds.
pub fn read(dir: &Path, table: &str, columns: &[&str]) -> DataFrame {
    let run = conductor::dataset::RunDir::open(dir).unwrap();
    conductor::analysis::scan::read_table(&[run], table, columns, &[]).unwrap()
}

type Key = (String, u64, u32, String);

fn keys(df: &DataFrame) -> Vec<Key> {
    let policy = df.column("policy").unwrap().str().unwrap();
    let seed = df.column("seed").unwrap().i64().unwrap();
    let version = df.column("version").unwrap().i64().unwrap();
    let platform = df.column("platform").unwrap().str().unwrap();
    (0..df.height())
        .map(|i| {
            (
                policy.get(i).unwrap().to_string(),
                seed.get(i).unwrap() as u64,
                version.get(i).unwrap() as u32,
                platform.get(i).unwrap().to_string(),
            )
        })
        .collect()
}

pub fn i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name).unwrap().i64().unwrap().iter().collect()
}

pub fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name).unwrap().f64().unwrap().iter().collect()
}

/// An integer column without nulls, none negative.
pub fn u32s(df: &DataFrame, name: &str) -> Vec<u32> {
    let c = df.column(name).unwrap().i64().unwrap();
    c.into_no_null_iter()
        .map(|v| u32::try_from(v).unwrap())
        .collect()
}

/// An integer column without nulls, none negative.
pub fn u64s(df: &DataFrame, name: &str) -> Vec<u64> {
    let c = df.column(name).unwrap().i64().unwrap();
    c.into_no_null_iter()
        .map(|v| u64::try_from(v).unwrap())
        .collect()
}

pub fn strs(df: &DataFrame, name: &str) -> Vec<String> {
    let c = df.column(name).unwrap().str().unwrap();
    c.iter().map(|s| s.unwrap().to_string()).collect()
}

pub fn opt_strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    let c = df.column(name).unwrap().str().unwrap();
    c.iter().map(|s| s.map(str::to_string)).collect()
}

const KEY_COLUMNS: [&str; 4] = ["policy", "seed", "version", "platform"];

fn with_keys<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    KEY_COLUMNS
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

/// Number of five-minute ticks (multiples of 300 s since the epoch) in `[start, end)`, in ms.
fn ticks_between(start: i64, end: i64) -> usize {
    let first = start.div_euclid(TICK_MS) + i64::from(start.rem_euclid(TICK_MS) != 0);
    let last = (end - 1).div_euclid(TICK_MS);
    (last - first + 1).max(0) as usize
}

#[test]
fn a_run_reads_back_with_polars_and_its_tables_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "10", "--weeks", "4", "--threads", "2"]);

    let snaps = read(
        &dir,
        "snapshots",
        &with_keys(&["ts", "state", "rollout_percent"]),
    );
    let trans = read(
        &dir,
        "transitions",
        &with_keys(&["ts", "from_state", "to_state", "actor"]),
    );
    let mut cycle_cols = vec![
        "branched_at",
        "final_rc_at",
        "submitted_at",
        "rollout_1_at",
        "rollout_100_at",
        "paused_at",
        "cancelled_at",
        "ended_at",
        "outcome",
        "cycle_hours",
        "pauses",
        "resubmissions",
    ];
    let schema_cols: Vec<String> = {
        let file = std::fs::read_dir(dir.join("cycles/policy=manual"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        conductor::dataset::read::open_parquet(&file)
            .unwrap()
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect()
    };
    let hour_cols: Vec<&str> = schema_cols
        .iter()
        .map(String::as_str)
        .filter(|c| c.starts_with("hours_"))
        .collect();
    assert!(
        hour_cols.contains(&"hours_manual_action"),
        "{schema_cols:?}"
    );
    cycle_cols.extend(&hour_cols);
    let cycles = read(&dir, "cycles", &with_keys(&cycle_cols));

    // 3 policies x 10 seeds x 4 versions x 3 platforms.
    assert_eq!(cycles.height(), 3 * 10 * 4 * 3);

    // Transitions per track, in time order.
    let mut by_track: HashMap<Key, Vec<(i64, Option<String>, String)>> = HashMap::new();
    let (t_ts, t_from, t_to) = (
        i64s(&trans, "ts"),
        opt_strs(&trans, "from_state"),
        strs(&trans, "to_state"),
    );
    for (i, k) in keys(&trans).into_iter().enumerate() {
        by_track
            .entry(k)
            .or_default()
            .push((t_ts[i].unwrap(), t_from[i].clone(), t_to[i].clone()));
    }
    for list in by_track.values() {
        assert!(
            list.windows(2).all(|w| w[0].0 <= w[1].0),
            "transitions in time order"
        );
        assert!(
            list.windows(2).all(|w| Some(&w[0].2) == w[1].1.as_ref()),
            "each starts where the last ended"
        );
        assert_eq!((&list[0].1, list[0].2.as_str()), (&None, "branched"));
        assert!(list[1..].iter().all(|t| t.1.is_some()));
    }

    // Cycles agree with transitions.
    let ck = keys(&cycles);
    let branched = i64s(&cycles, "branched_at");
    let ended = i64s(&cycles, "ended_at");
    let outcome = strs(&cycles, "outcome");
    let cycle_hours = f64s(&cycles, "cycle_hours");
    let pauses = u32s(&cycles, "pauses");
    let resubmissions = u32s(&cycles, "resubmissions");
    let mut expected_ticks: HashMap<Key, (i64, i64)> = HashMap::new();
    for (i, k) in ck.iter().enumerate() {
        let list = by_track.get(k).expect("every track has transitions");
        let (cut, end) = (branched[i].unwrap(), ended[i].unwrap());
        assert_eq!(
            list[0].0, cut,
            "{k:?}: the first transition is the branch cut"
        );
        let last = list.last().unwrap();
        assert_eq!(end, last.0, "{k:?}: ended_at is the last transition");
        assert_eq!(
            outcome[i],
            if last.2 == "rollout_100" {
                "shipped"
            } else {
                "cancelled"
            },
            "{k:?}"
        );
        assert!(last.2 == "rollout_100" || last.2 == "cancelled", "{k:?}");
        for state in [
            "final_rc",
            "submitted",
            "rollout_1",
            "rollout_100",
            "paused",
            "cancelled",
        ] {
            let first_entry = list.iter().find(|t| t.2 == state).map(|t| t.0);
            assert_eq!(
                i64s(&cycles, &format!("{state}_at"))[i],
                first_entry,
                "{k:?} {state}"
            );
        }
        let entered_100 = list.iter().find(|t| t.2 == "rollout_100").map(|t| t.0);
        let hours = entered_100.map(|t| (t - cut) as f64 / 3.6e6);
        match (cycle_hours[i], hours) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{k:?}: {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{k:?}"),
        }
        let n_paused = list.iter().filter(|t| t.2 == "paused").count();
        assert_eq!(pauses[i] as usize, n_paused, "{k:?}");
        let n_submitted = list.iter().filter(|t| t.2 == "submitted").count();
        assert_eq!(
            resubmissions[i] as usize,
            n_submitted.saturating_sub(1),
            "{k:?}"
        );
        let labelled: f64 = hour_cols
            .iter()
            .map(|c| cycles.column(c).unwrap().f64().unwrap().get(i).unwrap())
            .sum();
        let lifetime = (end - cut) as f64 / 3.6e6;
        assert!(
            (labelled - lifetime).abs() < 1e-6,
            "{k:?}: labels {labelled} h vs life {lifetime} h"
        );
        expected_ticks.insert(k.clone(), (cut, end));
    }

    // Snapshots: one per tick of each track's life, consecutive, with the state the
    // transitions imply (the state after every event at or before the tick).
    let sk = keys(&snaps);
    let s_ts = i64s(&snaps, "ts");
    let s_state = strs(&snaps, "state");
    let s_rollout = u32s(&snaps, "rollout_percent");
    let mut counts: HashMap<&Key, usize> = HashMap::new();
    let mut mismatches = 0;
    for i in 0..snaps.height() {
        let k = &sk[i];
        let ts = s_ts[i].unwrap();
        assert_eq!(
            ts.rem_euclid(TICK_MS),
            0,
            "ticks are aligned to five minutes"
        );
        if i > 0 && sk[i - 1] == *k {
            assert_eq!(
                ts - s_ts[i - 1].unwrap(),
                TICK_MS,
                "{k:?}: consecutive ticks"
            );
        }
        *counts.entry(k).or_default() += 1;
        let implied = by_track[k]
            .iter()
            .take_while(|t| t.0 <= ts)
            .last()
            .map_or("branched", |t| t.2.as_str());
        if s_state[i] != implied {
            mismatches += 1;
        }
        let rollout = match s_state[i].as_str() {
            "rollout_1" | "paused" => 1,
            "rollout_100" => 100,
            _ => 0,
        };
        assert_eq!(s_rollout[i], rollout, "{k:?} at {ts}");
    }
    assert_eq!(
        mismatches, 0,
        "snapshot states that disagree with the transitions"
    );
    assert_eq!(
        counts.len(),
        expected_ticks.len(),
        "every track has snapshots"
    );
    for (k, (cut, end)) in &expected_ticks {
        assert_eq!(
            counts[k],
            ticks_between(*cut, *end),
            "{k:?}: snapshots vs lifetime"
        );
    }

    // Segments tile each track's life, carry the state the transitions imply, and sum per
    // label to the cycles' hours.
    let segs = read(
        &dir,
        "segments",
        &with_keys(&["start", "end", "state", "waiting_on", "hours"]),
    );
    let (g_start, g_end, g_state, g_label) = (
        i64s(&segs, "start"),
        i64s(&segs, "end"),
        strs(&segs, "state"),
        strs(&segs, "waiting_on"),
    );
    let g_hours: Vec<f64> = f64s(&segs, "hours")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let mut label_hours: HashMap<(&Key, &str), f64> = HashMap::new();
    let mut covered: HashMap<&Key, (i64, i64)> = HashMap::new();
    for (i, k) in keys(&segs).iter().enumerate() {
        let (start, end) = (g_start[i].unwrap(), g_end[i].unwrap());
        assert!(end > start, "{k:?}: empty segment");
        assert!((g_hours[i] - (end - start) as f64 / 3.6e6).abs() < 1e-9);
        let k = expected_ticks.get_key_value(k).expect("a known track").0;
        let span = covered.entry(k).or_insert((start, start));
        assert_eq!(span.1, start, "{k:?}: segments are contiguous");
        span.1 = end;
        let implied = by_track[k]
            .iter()
            .take_while(|t| t.0 <= start)
            .last()
            .map(|t| t.2.as_str());
        assert_eq!(Some(g_state[i].as_str()), implied, "{k:?} at {start}");
        *label_hours.entry((k, g_label[i].as_str())).or_default() += g_hours[i];
    }
    for (k, span) in &covered {
        assert_eq!(*span, expected_ticks[*k], "{k:?}: segments span the life");
    }
    assert_eq!(covered.len(), expected_ticks.len());
    for (i, k) in ck.iter().enumerate() {
        for c in &hour_cols {
            let label = c.strip_prefix("hours_").unwrap();
            let want = cycles.column(c).unwrap().f64().unwrap().get(i).unwrap();
            let got = label_hours.get(&(k, label)).copied().unwrap_or(0.0);
            assert!((want - got).abs() < 1e-6, "{k:?} {label}: {want} vs {got}");
        }
    }

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["parts_complete"].as_array().unwrap().len(), 6); // 3 policies x (8 + 2)
    assert_eq!(
        std::fs::read_to_string(dir.join("scenario.toml")).unwrap(),
        conductor::scenario::BASELINE_TOML
    );
}

#[test]
fn ticks_between_counts_multiples_of_five_minutes() {
    assert_eq!(ticks_between(0, 1), 1);
    assert_eq!(ticks_between(0, TICK_MS), 1);
    assert_eq!(ticks_between(0, TICK_MS + 1), 2);
    assert_eq!(ticks_between(1, TICK_MS), 0);
    assert_eq!(ticks_between(1, TICK_MS + 1), 1);
}

#[test]
fn files_are_byte_identical_on_1_2_and_4_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let dir = tmp.path().join(format!("t{threads}"));
        write_run(
            &dir,
            &["--seeds", "20", "--weeks", "3", "--threads", threads],
        );
        files(&dir)
    };
    let one = run("1");
    assert!(
        one.len() > 3 * 3 * 3,
        "3 tables x 3 policies x 3 parts, plus metadata"
    );
    assert!(one == run("2"), "--threads 2 differs from --threads 1");
    assert!(one == run("4"), "--threads 4 differs from --threads 1");
}

#[test]
fn the_union_of_shards_is_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    write_run(&whole, &["--seeds", "20", "--weeks", "3"]);
    let shared = tmp.path().join("shards");
    for k in 1..=3 {
        write_run(
            &shared,
            &[
                "--seeds",
                "20",
                "--weeks",
                "3",
                "--shard",
                &format!("{k}/3"),
            ],
        );
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(shared.join(format!("manifest-shard-{k}-of-3.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(m["complete"], true);
    }
    let (a, b) = (parquet_files(&whole), parquet_files(&shared));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a == b, "shard files differ from the unsharded run's");
    // A shard alone holds only its share.
    let alone = tmp.path().join("alone");
    write_run(&alone, &["--seeds", "20", "--weeks", "3", "--shard", "2/3"]);
    assert_eq!(parquet_files(&alone).len(), 3 * 4); // 9 parts / 3 shards x 4 tables
}

#[test]
fn a_killed_run_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "simulate",
        "--seeds",
        "48",
        "--weeks",
        "26",
        "--threads",
        "1",
    ];
    let dir = tmp.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_conductor"))
        .args(args)
        .arg("--out")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let manifest = dir.join("manifest.json");
    let done = |m: &Path| -> usize {
        std::fs::read(m)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .map_or(0, |v| v["parts_complete"].as_array().map_or(0, Vec::len))
    };
    let start = Instant::now();
    while done(&manifest) < 2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no part completed in 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert_eq!(m["complete"], false, "killed before the end");
    let before = done(&manifest);
    assert!(before < 18, "3 policies x 6 parts");

    // Without --resume the directory is refused; with it the run finishes.
    conductor()
        .args(args)
        .arg("--out")
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--resume"));
    conductor()
        .args(args)
        .arg("--out")
        .arg(&dir)
        .arg("--resume")
        .assert()
        .success()
        .stderr(predicate::str::contains("already complete"));
    let whole = tmp.path().join("whole");
    write_run(&whole, &args[1..]);
    let (a, b) = (files(&whole), files(&dir));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "no temporaries left"
    );
    assert!(a == b, "resumed run differs from an uninterrupted one");
}

#[test]
fn resume_refuses_other_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "3", "--weeks", "2"]);
    conductor()
        .args([
            "simulate", "--seeds", "4", "--weeks", "2", "--resume", "--out",
        ])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("seeds 1+3 vs 1+4"));
    conductor()
        .args([
            "simulate", "--seeds", "3", "--weeks", "2", "--resume", "--out",
        ])
        .arg(tmp.path().join("nothing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to resume"));
}

#[test]
fn an_output_path_that_is_a_file_is_refused_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "keep me").unwrap();
    conductor()
        .args(["simulate", "--seeds", "2", "--weeks", "2", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "notes.txt: exists and is not a directory",
        ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    // A directory below a file cannot be created either.
    conductor()
        .args(["simulate", "--seeds", "2", "--weeks", "2", "--out"])
        .arg(file.join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.txt/run"));
}

#[test]
fn an_unwritable_directory_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let locked = tmp.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(locked.join("probe"), "").is_ok() {
        eprintln!(
            "skipped: permissions do not bind this user (root); see the file-below-a-file case"
        );
        return;
    }
    conductor()
        .args(["simulate", "--seeds", "2", "--weeks", "2", "--out"])
        .arg(locked.join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("locked/run"));
    assert_eq!(std::fs::read_dir(&locked).unwrap().count(), 0);
}

#[test]
fn a_non_empty_directory_needs_force_and_force_keeps_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "2", "--weeks", "2", "--policy", "robot"]);
    std::fs::write(dir.join("README.txt"), "mine").unwrap();
    let before = files(&dir);
    conductor()
        .args(["simulate", "--seeds", "2", "--weeks", "2", "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not empty"));
    assert!(files(&dir) == before, "a refused run changes nothing");
    conductor()
        .args([
            "simulate", "--seeds", "2", "--weeks", "2", "--policy", "manual", "--force", "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    let after = files(&dir);
    assert_eq!(after[Path::new("README.txt")], b"mine");
    assert!(
        after
            .keys()
            .all(|p| !p.starts_with("snapshots/policy=robot")),
        "old run replaced"
    );
}

#[test]
fn a_bad_shard_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    conductor()
        .args(["simulate", "--seeds", "2", "--shard", "3/2", "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--shard \"3/2\": k must be between 1 and n",
        ));
    assert!(!dir.exists());
}

/// A full disk, simulated with a file-size limit (`ulimit -f`) and SIGXFSZ ignored, so
/// writes fail with EFBIG exactly as they would with ENOSPC.
#[test]
fn a_failed_write_leaves_only_complete_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -f 200; trap "" XFSZ; exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_conductor"))
        .args([
            "simulate",
            "--seeds",
            "16",
            "--weeks",
            "26",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: ") && stderr.contains(".parquet"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    let left = files(&dir);
    assert!(
        left.keys().all(|p| !p.to_string_lossy().ends_with(".tmp")),
        "temporaries left: {:?}",
        left.keys().collect::<Vec<_>>()
    );
    let m: serde_json::Value = serde_json::from_slice(&left[Path::new("manifest.json")]).unwrap();
    assert_eq!(m["complete"], false);
    for part in m["parts_complete"].as_array().unwrap() {
        for table in conductor::dataset::TABLES {
            let p = PathBuf::from(table).join(format!("{}.parquet", part.as_str().unwrap()));
            assert!(left.contains_key(&p), "{p:?} listed complete but missing");
        }
    }
    // Every file left is a whole Parquet file.
    for (p, bytes) in &left {
        if p.extension().is_some_and(|e| e == "parquet") {
            assert_eq!(&bytes[bytes.len() - 4..], b"PAR1", "{p:?} is cut short");
        }
    }
}

#[test]
fn simulate_out_says_what_it_wrote_as_json_counting_only_new_parts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let written = |extra: &[&str]| -> serde_json::Value {
        let out = conductor()
            .args([
                "simulate", "--seeds", "9", "--weeks", "2", "--policy", "robot",
            ])
            .args(extra)
            .arg("--out")
            .arg(&dir)
            .args(["--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    let first = written(&[]);
    assert_eq!(first["out"], dir.to_str().unwrap());
    assert_eq!(
        (&first["parts_written"], &first["parts_skipped"]),
        (&2.into(), &0.into())
    );
    for table in ["snapshots", "transitions", "segments", "cycles"] {
        let rows = read(&dir, table, &["seed"]).height() as u64;
        assert_eq!(first["rows_written"][table], rows, "{table}");
    }
    // Resuming a complete run writes nothing, and says so.
    let again = written(&["--resume"]);
    assert_eq!(
        (&again["parts_written"], &again["parts_skipped"]),
        (&0.into(), &2.into())
    );
    for table in ["snapshots", "transitions", "segments", "cycles"] {
        assert_eq!(again["rows_written"][table], 0, "{table}");
    }
}

/// Regression (schema 5 landed with the notebooks still reading 4, so CI's notebooks failed
/// while `cargo test` passed): the notebooks' reader understands the schema the tables are
/// written in.
#[test]
fn the_notebooks_read_the_schema_version_conductor_writes() {
    let py = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/conductor_runs.py"),
    )
    .unwrap();
    let line = py
        .lines()
        .find(|l| l.starts_with("SCHEMA_VERSION = "))
        .expect("a SCHEMA_VERSION line");
    let version: u32 = line["SCHEMA_VERSION = ".len()..].trim().parse().unwrap();
    assert_eq!(version, conductor::dataset::SCHEMA_VERSION);
}
