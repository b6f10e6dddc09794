//! A closed standard output (`conductor … | head`) is silent success, for every command
//! that prints: exit 0, nothing on standard error, whatever the moment the reader left.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

use crate::util::conductor;

/// How many bytes the reader takes before it closes the pipe, one run each. Zero closes it
/// before the command has written anything, so its first write surely fails; the others
/// close it part-way (or after the end, for short outputs).
const READS: [usize; 6] = [0, 0, 1, 50, 4096, 70_000];

/// Runs `conductor args` once per entry of [`READS`], closing its standard output after that
/// many bytes; each run must exit 0 with an empty standard error.
fn closes_early(dir: &Path, args: &[&str]) {
    for read in READS {
        let mut child = Command::cargo_bin("conductor")
            .unwrap()
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut buf = vec![0; read];
        let mut got = 0;
        while got < read {
            match stdout.read(&mut buf[got..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "conductor {} with the pipe closed after {read} bytes: {}\n{stderr}",
            args.join(" "),
            out.status
        );
    }
}

/// A small run directory, a baseline of its own figures and a fitted-scenario target, in
/// `dir`.
fn fixtures(dir: &Path) {
    conductor()
        .current_dir(dir)
        .args([
            "-q", "simulate", "--seeds", "2", "--weeks", "3", "-o", "run",
        ])
        .assert()
        .success();
    conductor()
        .current_dir(dir)
        .args(["-q", "check", "run", "--write-baseline", "limits.toml"])
        .assert()
        .success();
}

#[test]
fn regression_closed_pipe_is_silent_success_for_every_command_that_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fixtures(dir);
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-events.csv");
    let at = ["--at", "2026-01-19T11:00"];
    let commands: Vec<Vec<&str>> = vec![
        vec!["simulate", "--seeds", "20", "--weeks", "4"],
        vec![
            "simulate", "--seeds", "20", "--weeks", "4", "--format", "json",
        ],
        vec![
            "-q", "simulate", "--seeds", "2", "--weeks", "2", "-o", "again", "--force", "--format",
            "json",
        ],
        vec!["report", "run"],
        vec!["report", "run", "--format", "json"],
        vec!["report", "run", "--format", "csv"],
        vec!["report", "run", "--format", "markdown"],
        vec!["report", "run", "--format", "html"],
        vec!["compare", "run", "--baseline", "manual"],
        vec!["compare", "run", "--format", "html"],
        [&["dashboard", "run"], &at[..]].concat(),
        [&["dashboard", "run"], &at[..], &["--format", "html"]].concat(),
        vec!["-q", "fit", log, "-o", "fitted.toml"],
        vec!["-q", "fit", log, "-o", "fitted.toml", "--format", "json"],
        vec!["export", "run", "--format", "activity-log"],
        vec!["check", "--baseline", "limits.toml", "run"],
        vec![
            "check",
            "--baseline",
            "limits.toml",
            "run",
            "--format",
            "json",
        ],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["man"],
        vec!["man", "simulate"],
        vec!["--help"],
        vec!["simulate", "--help"],
        vec!["--version"],
    ];
    for args in &commands {
        closes_early(dir, args);
    }
}

#[test]
fn regression_closed_stderr_does_not_panic() {
    // `conductor … 2>&1 | head -c 1`: the confirmation goes to a closed pipe as well.
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("conductor")
        .unwrap()
        .args(["simulate", "--seeds", "2", "--weeks", "2", "-o", "run"])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            drop(child.stderr.take());
            child.wait()
        })
        .unwrap();
    assert!(out.success(), "{out}");
}

#[test]
fn a_failed_check_still_fails_when_the_reader_leaves() {
    // The verdict is not the reader's to drop: exit 1, said on stderr.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fixtures(dir);
    let limits = std::fs::read_to_string(dir.join("limits.toml")).unwrap();
    let strict = limits.replace("max_increase = 0.05", "max_increase = 0.05\nat_most = 1.0");
    assert_ne!(strict, limits);
    std::fs::write(dir.join("strict.toml"), strict).unwrap();
    let mut child = Command::cargo_bin("conductor")
        .unwrap()
        .args(["check", "--baseline", "strict.toml", "run"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("check failed: "), "{stderr}");
}
