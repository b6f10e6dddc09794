//! CLI conventions: examples in every `--help`, shell completions, man pages, `-o/--out` the
//! same on every command that writes a file, a one-line confirmation on stderr of what was
//! written, and a bare `--out` meaning the default directory.

use std::path::Path;

use crate::util::conductor;

/// The subcommands `conductor --help` lists (without clap's `help`).
fn subcommands() -> Vec<String> {
    let out = conductor().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect()
}

/// stdout of `conductor args` in `dir`; must succeed.
fn stdout(dir: &Path, args: &[&str]) -> String {
    let out = conductor().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "conductor {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// stderr of `conductor args` in `dir`; must succeed.
fn stderr(dir: &Path, args: &[&str]) -> String {
    let out = conductor().current_dir(dir).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "conductor {}: {err}", args.join(" "));
    err
}

#[test]
fn every_subcommand_help_ends_with_examples_of_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let commands = subcommands();
    assert!(commands.len() >= 10, "{commands:?}");
    for c in &commands {
        let help = stdout(tmp.path(), &[c, "--help"]);
        let examples = help
            .split("\nExamples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("conductor {c} --help has no examples:\n{help}"));
        let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(lines.len() >= 2, "conductor {c}: {examples}");
        for l in lines {
            let prefix = format!("  conductor {c}");
            assert!(
                l.starts_with(&prefix) || l.starts_with("      ") || l.starts_with("  conductor"),
                "conductor {c}: {l:?}"
            );
            assert!(
                l.chars().count() <= 100,
                "conductor {c}: wider than 100 columns: {l}"
            );
        }
        assert!(
            examples.contains(&format!("  conductor {c}")),
            "conductor {c}"
        );
    }
    assert!(stdout(tmp.path(), &["--help"]).contains("\nExamples:\n"));
}

#[test]
fn completions_are_written_for_each_shell() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(tmp.path(), &["completions", shell]);
        for c in subcommands() {
            assert!(script.contains(&c), "{shell}: no {c}");
        }
        assert!(script.contains("seeds"), "{shell}");
    }
    // The bash script is valid bash.
    let bash = stdout(tmp.path(), &["completions", "bash"]);
    let path = tmp.path().join("conductor.bash");
    std::fs::write(&path, bash).unwrap();
    if let Ok(status) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
    {
        assert!(status.success());
    }
    conductor().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_prints_one_page_per_subcommand_or_writes_them_all() {
    let tmp = tempfile::tempdir().unwrap();
    let top = stdout(tmp.path(), &["man"]);
    assert!(top.contains(".TH conductor 1"), "{top}");
    assert!(top.contains(".SH SUBCOMMANDS"));
    let simulate = stdout(tmp.path(), &["man", "simulate"]);
    assert!(simulate.contains(".TH conductor-simulate 1"));
    assert!(simulate.contains("\\-\\-seeds"));
    assert!(simulate.contains(".SH EXAMPLES"));
    conductor()
        .args(["man", "simulat"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such subcommand"));

    let err = stderr(tmp.path(), &["man", "-o", "man1"]);
    let mut pages: Vec<String> = std::fs::read_dir(tmp.path().join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    let mut expected: Vec<String> = subcommands()
        .iter()
        .map(|c| format!("conductor-{c}.1"))
        .collect();
    expected.push("conductor.1".into());
    expected.sort();
    assert_eq!(pages, expected);
    let says = format!(
        "man1: {} man pages written (conductor.1 and conductor-COMMAND.1, ",
        expected.len()
    );
    assert!(err.starts_with(&says) && err.lines().count() == 1, "{err}");
    // The pages render (when man is installed).
    if let Ok(out) = std::process::Command::new("man")
        .arg("-l")
        .arg(tmp.path().join("man1/conductor-simulate.1"))
        .env("MANWIDTH", "100")
        .output()
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("EXAMPLES"), "{text}");
    }
}

#[test]
fn every_command_that_writes_a_file_takes_o_and_out() {
    let tmp = tempfile::tempdir().unwrap();
    for c in [
        "simulate", "replay", "report", "compare", "fit", "export", "man",
    ] {
        let help = stdout(tmp.path(), &[c, "--help"]);
        assert!(
            help.contains("  -o, --out [<DIR>]")
                || help.contains("  -o, --out <FILE>")
                || help.contains("  -o, --out <DIR>"),
            "conductor {c}: no -o, --out:\n{help}"
        );
    }
}

#[test]
fn every_file_written_is_confirmed_on_stderr_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-events.csv");
    let one_line = |args: &[&str], starts: &str, says: &[&str]| {
        let err = stderr(dir, args);
        let cmd = args.join(" ");
        assert_eq!(err.lines().count(), 1, "conductor {cmd}:\n{err}");
        assert!(err.starts_with(starts), "conductor {cmd}:\n{err}");
        for s in says {
            assert!(err.contains(s), "conductor {cmd}: no {s:?}:\n{err}");
        }
    };
    one_line(
        &["simulate", "--seeds", "1", "--weeks", "2", "-o", "run"],
        "run: 3 parts written (0 already complete): ",
        &["snapshot rows", "track-cycles"],
    );
    one_line(
        &[
            "simulate",
            "--seeds",
            "1",
            "--weeks",
            "2",
            "--event-log",
            "season.csv",
        ],
        "season.csv: ",
        &["events of policy manual"],
    );
    one_line(
        &["report", "run", "-o", "r.html", "--format", "html"],
        "r.html: report written (HTML, ",
        &["kB"],
    );
    one_line(
        &["report", "run", "--charts", "charts"],
        "charts: ",
        &["chart files written"],
    );
    one_line(
        &["compare", "run", "--out", "c.md", "--format", "markdown"],
        "c.md: comparison written (",
        &[],
    );
    one_line(
        &["export", "run", "--format", "activity-log", "-o", "a.xes"],
        "a.xes: activity log written (",
        &["cases", "activities", "XES"],
    );
    assert_eq!(stderr(dir, &["-q", "fit", log, "-o", "f.toml"]), "");
    let err = stderr(dir, &["fit", log, "-o", "f.toml"]);
    assert!(
        err.starts_with("f.toml: fitted scenario baseline-fitted written ("),
        "{err}"
    );
    one_line(
        &["check", "run", "--write-baseline", "b.toml"],
        "b.toml: baseline written (",
        &["limits"],
    );
    one_line(
        &["check", "--baseline", "b.toml", "run", "--junit", "j.xml"],
        "j.xml: JUnit written (",
        &["test cases"],
    );
    one_line(
        &["check", "--baseline", "b.toml", "run", "--markdown", "m.md"],
        "m.md: Markdown summary written (",
        &[],
    );
    for f in [
        "season.csv",
        "r.html",
        "c.md",
        "a.xes",
        "f.toml",
        "b.toml",
        "j.xml",
        "m.md",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
}

#[test]
fn quiet_confirms_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let err = stderr(
        tmp.path(),
        &[
            "-q", "simulate", "--seeds", "1", "--weeks", "1", "-o", "run",
        ],
    );
    assert_eq!(err, "");
    let err = stderr(tmp.path(), &["report", "run", "-o", "r.txt", "--quiet"]);
    assert_eq!(err, "");
}

#[test]
fn regression_bare_out_means_the_default_directory() {
    // As the README, docs/notebooks.md and the notebooks' hint write it: `--out` last, bare.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let err = stderr(dir, &["simulate", "--seeds", "1", "--weeks", "2", "--out"]);
    assert!(
        err.starts_with("data/runs/baseline: 3 parts written"),
        "{err}"
    );
    assert!(dir.join("data/runs/baseline/manifest.json").is_file());
    // A scenario's own name, and the short form.
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/bake-12h.toml");
    stderr(
        dir,
        &["simulate", scenario, "--seeds", "1", "--weeks", "2", "-o"],
    );
    assert!(dir.join("data/runs/bake-12h/manifest.json").is_file());
    // With flags after it, and a value still taken when given.
    stderr(
        dir,
        &[
            "simulate", "--seeds", "1", "--out", "--weeks", "2", "--force",
        ],
    );
    stderr(
        dir,
        &[
            "simulate",
            "--seeds",
            "1",
            "--weeks",
            "2",
            "--out",
            "elsewhere",
        ],
    );
    assert!(dir.join("elsewhere/manifest.json").is_file());
    // replay: bare is its default too (data/runs/replay-LOGNAME).
    let log = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-events.csv");
    stderr(dir, &["replay", log, "--out"]);
    assert!(
        dir.join("data/runs/replay-sample-events/manifest.json")
            .is_file()
    );
}
