//! Progress on long work when standard error is not a terminal (CI logs): a plain line
//! every CONDUCTOR_PROGRESS_INTERVAL seconds, with units done of total, rows, rate and time
//! left; nothing with `--quiet`. (On a terminal it is an indicatif bar instead.)

use crate::util::conductor;

/// Standard error of `conductor args` run in a fresh directory with
/// CONDUCTOR_PROGRESS_INTERVAL set to `interval`.
fn stderr_of(args: &[&str], interval: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = conductor()
        .current_dir(tmp.path())
        .args(args)
        .env("CONDUCTOR_PROGRESS_INTERVAL", interval)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The progress lines of `stderr`: those saying `N of M UNIT`.
fn progress_lines<'a>(stderr: &'a str, unit: &str) -> Vec<&'a str> {
    stderr
        .lines()
        .filter(|l| l.contains(" of ") && l.contains(&format!(" {unit} (")))
        .collect()
}

/// 24 parts (8 seasons each) of 8 versions: long enough, in the dev profile, for several
/// lines 10 ms apart.
const DATASET: [&str; 8] = [
    "simulate", "--seeds", "64", "--weeks", "8", "-o", "run", "--force",
];

#[test]
fn simulate_out_prints_plain_progress_lines_when_stderr_is_not_a_terminal() {
    let stderr = stderr_of(&DATASET, "0.01");
    let lines = progress_lines(&stderr, "parts");
    assert!(lines.len() >= 2, "{stderr}");
    for l in &lines {
        // e.g. `run: 12 of 24 parts (50%), 1 234 567 rows, 2.1 M rows/s, 1 s left`
        assert!(l.starts_with("run: "), "{l}");
        assert!(l.contains(" of 24 parts ("), "{l}");
        assert!(l.contains(" rows"), "{l}");
        assert!(l.ends_with(" left") || l.ends_with(" so far"), "{l}");
        assert!(
            !l.contains('\r') && !l.contains('\x1b'),
            "no bar on a pipe: {l:?}"
        );
    }
    // The confirmation comes last, once.
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("run: 24 parts written"), "{stderr}");
}

#[test]
fn replay_prints_plain_progress_lines_too() {
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-events.csv");
    let stderr = stderr_of(&["replay", log, "-o", "sample"], "0.01");
    let lines = progress_lines(&stderr, "parts");
    assert!(!lines.is_empty(), "{stderr}");
    assert!(lines[0].starts_with("sample: "), "{stderr}");
}

#[test]
fn simulate_without_out_counts_runs() {
    let stderr = stderr_of(&["simulate", "--seeds", "300", "--weeks", "8"], "0.01");
    let lines = progress_lines(&stderr, "runs");
    assert!(!lines.is_empty(), "{stderr}");
    assert!(lines[0].starts_with("scenario baseline: "), "{stderr}");
    assert!(lines[0].contains(" of 900 runs ("), "{stderr}");
}

#[test]
fn quiet_turns_progress_and_confirmations_off() {
    let mut args = vec!["--quiet"];
    args.extend(DATASET);
    assert_eq!(stderr_of(&args, "0.01"), "");
    // `-q` also works after the subcommand.
    let mut args = DATASET.to_vec();
    args.push("-q");
    assert_eq!(stderr_of(&args, "0.01"), "");
}

#[test]
fn a_bad_interval_is_a_warning() {
    // (The default interval itself is a unit test of src/progress.rs: a test here would
    // depend on how fast the machine is.)
    let args = ["simulate", "--seeds", "1", "--weeks", "1", "-o", "run"];
    let stderr = stderr_of(&args, "soon");
    assert!(
        stderr.starts_with("warning: CONDUCTOR_PROGRESS_INTERVAL=\"soon\" is not a number"),
        "{stderr}"
    );
}
