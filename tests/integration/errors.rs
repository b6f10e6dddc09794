//! Errors print once and keep their shape: every cause appears once in the printed chain
//! (an error either shows its source or returns it, never both), on one line unless it is a
//! TOML snippet, whose lines stay lines and whose long lines are cut.

use std::path::Path;

use crate::util::conductor;

/// Runs `conductor args` in `dir`; it must fail with exit 2 and one `error: ` line whose
/// `: `-separated parts are all different, holding each of `expected`. Returns that line.
fn fails_once(dir: &Path, args: &[&str], expected: &[&str]) -> String {
    let out = conductor().current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let cmd = args.join(" ");
    assert_eq!(out.status.code(), Some(2), "conductor {cmd}:\n{stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "conductor {cmd}: one line:\n{stderr}"
    );
    let line = stderr.trim_end();
    assert!(line.starts_with("error: "), "conductor {cmd}:\n{stderr}");
    let parts: Vec<&str> = line.split(": ").collect();
    for (i, p) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].contains(p),
            "conductor {cmd}: {p:?} printed twice:\n{stderr}"
        );
    }
    for e in expected {
        assert!(line.contains(e), "conductor {cmd}: no {e:?} in:\n{stderr}");
    }
    line.to_string()
}

const NOT_FOUND: &str = "No such file or directory (os error 2)";

#[test]
fn regression_missing_scenario_prints_its_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    let line = fails_once(tmp.path(), &["simulate", "nosuch.toml"], &[NOT_FOUND]);
    assert_eq!(
        line,
        format!("error: nosuch.toml: cannot read the scenario: {NOT_FOUND}")
    );
}

#[test]
fn regression_every_file_error_prints_its_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    conductor()
        .current_dir(dir)
        .args([
            "-q", "simulate", "--seeds", "1", "--weeks", "2", "-o", "run",
        ])
        .assert()
        .success();
    std::fs::write(dir.join("a-file"), "").unwrap();
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-events.csv");
    let cases: &[(&[&str], &[&str])] = &[
        (&["simulate", "nosuch.toml"], &[NOT_FOUND]),
        (&["check", "--baseline", "nosuch.toml", "run"], &[NOT_FOUND]),
        (
            &[
                "check",
                "--scenario",
                "nosuch.toml",
                "--write-baseline",
                "b.toml",
                log,
            ],
            &[NOT_FOUND],
        ),
        (
            &["fit", log, "--scenario", "nosuch.toml", "-o", "f.toml"],
            &[NOT_FOUND],
        ),
        (&["replay", "nosuch.csv"], &[NOT_FOUND]),
        (&["compare", "nosuch.toml"], &["nosuch.toml"]),
        (&["report", "nosuch"], &["nosuch"]),
        (
            &["dashboard", "nosuch", "--at", "2026-01-19T11:00"],
            &["nosuch"],
        ),
        (
            &["export", "nosuch", "--format", "activity-log"],
            &["nosuch"],
        ),
        (
            &["report", "run", "-o", "no/r.txt"],
            &["cannot write --out", NOT_FOUND],
        ),
        (&["report", "run", "--charts", "a-file/charts"], &["a-file"]),
        (
            &["compare", "run", "-o", "no/c.txt"],
            &["cannot write --out", NOT_FOUND],
        ),
        (
            &[
                "export",
                "run",
                "--format",
                "activity-log",
                "-o",
                "no/l.csv",
            ],
            &[NOT_FOUND],
        ),
        (
            &["fit", log, "-o", "no/f.toml"],
            &["cannot write --out", NOT_FOUND],
        ),
        (
            &[
                "simulate",
                "--seeds",
                "1",
                "--weeks",
                "1",
                "-o",
                "a-file/run",
            ],
            &["a-file/run"],
        ),
        (
            &[
                "simulate",
                "--seeds",
                "1",
                "--weeks",
                "1",
                "--event-log",
                "no/e.csv",
            ],
            &[NOT_FOUND],
        ),
        (
            &["check", "run", "--write-baseline", "no/b.toml"],
            &[NOT_FOUND],
        ),
        (
            &[
                "check",
                "--baseline",
                "nosuch.toml",
                "run",
                "--junit",
                "no/j.xml",
            ],
            &[NOT_FOUND],
        ),
        (&["man", "-o", "a-file/man"], &["a-file"]),
    ];
    for (args, expected) in cases {
        fails_once(dir, args, expected);
    }
}

/// Runs `simulate` on a scenario file holding `text`; returns standard error.
fn scenario_error(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("what-if.toml"), text).unwrap();
    let out = conductor()
        .current_dir(tmp.path())
        .args(["simulate", "what-if.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn regression_toml_error_keeps_its_lines() {
    let text = crate::util::baseline_with("teams = 12", "teams = \"twelve\"");
    let line = text
        .lines()
        .position(|l| l == "teams = \"twelve\"")
        .unwrap()
        + 1;
    let pad = " ".repeat(line.to_string().len());
    assert_eq!(
        scenario_error(&text),
        format!(
            "error: what-if.toml: TOML parse error at line {line}, column 9\n\
             {pad} |\n\
             {line} | teams = \"twelve\"\n\
             {pad} |         ^^^^^^^^\n\
             invalid type: string \"twelve\", expected i64\n"
        )
    );
}

#[test]
fn regression_toml_error_on_a_100_kb_line_is_cut() {
    // An unclosed string on a 100 kB line: the error shows the line's start, `…`, and the
    // end where the caret is; not 200 kB of echo.
    let text = format!("name = \"{}\n", "x".repeat(100_000));
    let stderr = scenario_error(&text);
    assert!(stderr.len() < 1_000, "{} bytes:\n{stderr}", stderr.len());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{stderr}");
    assert!(lines[0].starts_with("error: what-if.toml: TOML parse error at line 1, column"));
    assert!(lines[2].starts_with("1 | name = \"xxx"), "{stderr}");
    assert!(lines[2].contains('…'), "{stderr}");
    assert!(lines[3].trim_end().ends_with('^'), "{stderr}");
}

#[test]
fn a_baseline_toml_error_keeps_its_lines_too() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("limits.toml"),
        "confidence = 0.95\nseeds = \"x\n",
    )
    .unwrap();
    let out = conductor()
        .current_dir(tmp.path())
        .args(["check", "--baseline", "limits.toml", "run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{stderr}");
    assert_eq!(lines[2], "2 | seeds = \"x", "{stderr}");
}
