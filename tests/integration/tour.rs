//! The documented path is the tested path: every command of README.md's `sh` code blocks,
//! and of the docs/*.md code blocks marked ```` ```sh runnable ````, runs against the built
//! binary, in order, on a small scale, in a temporary copy of the repository's `scenarios/`
//! and `data/` (nothing is written into the repository). Each file starts from its own fresh
//! copy, as a reader who opens that page on a fresh clone would.
//!
//! Each command is rewritten the least that makes it quick: `cargo run --release --`,
//! `target/release/conductor` and `conductor` become the binary the tests built; `--seeds`
//! is cut to [`SEEDS`] and `--weeks` to [`WEEKS`] (added to the commands that simulate). A
//! command must exit 0. A line this test cannot read (a pipe, a variable, `&&`) fails it, so
//! a new README line is either runnable or put on the skip list below, on purpose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Seeds and versions per season of every simulated run of the tour.
const SEEDS: u64 = 2;
const WEEKS: u32 = 4;

/// Commands not run, each with the reason: matched on the command's first words.
const SKIPPED: &[(&str, &str)] = &[
    // The test command itself (this test is part of it).
    ("cargo test", "this test is part of `cargo test`"),
    // Builds and installs a release binary into ~/.cargo/bin: minutes, and outside the copy.
    ("cargo install", "a release build into ~/.cargo/bin"),
    (
        "cargo build",
        "a release build (the tests use the dev binary)",
    ),
    // Builds a Python environment and executes the notebooks; .ci/run runs it.
    (
        "notebooks/run",
        "run by .ci/run (a Python environment, minutes)",
    ),
    // docs/notebooks.md: the Python side of opening the notebooks by hand.
    ("python3", "Python set-up for opening the notebooks by hand"),
    (
        "~/.venvs/conductor/bin/pip",
        "Python set-up for opening the notebooks by hand",
    ),
    (
        "~/.venvs/conductor/bin/jupyter",
        "an interactive Jupyter server",
    ),
    // docs/ci.md: shows the reviewer the baseline just rewritten; the copy is no repository.
    ("git diff", "the temporary copy is not a git repository"),
];

/// One command of a code block: where it is written, and its words.
#[derive(Debug, Clone)]
struct Step {
    /// `README.md:62`.
    place: String,
    /// The command as written (continuation lines joined, comment dropped).
    text: String,
}

/// The `sh` blocks of README.md and the `sh runnable` blocks of docs/*.md, in that order
/// (docs by file name), as commands, one list per file.
fn steps() -> Vec<Vec<Step>> {
    let mut files = vec![PathBuf::from(ROOT).join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut steps = Vec::new();
    for file in files {
        let readme = file.ends_with("README.md");
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(ROOT).unwrap().display().to_string();
        steps.push(commands(&name, &text, |info| {
            info == "sh runnable" || (readme && (info == "sh" || info.starts_with("sh ")))
        }));
    }
    steps
}

/// The commands of the code blocks of `text` whose info string `runs`.
fn commands(name: &str, text: &str, runs: impl Fn(&str) -> bool) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut in_block: Option<bool> = None;
    let mut pending: Option<Step> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            in_block = match in_block {
                None => Some(runs(info.trim())),
                Some(_) => None,
            };
            continue;
        }
        if in_block != Some(true) {
            continue;
        }
        let code = strip_comment(line);
        let (code, continued) = match code.trim_end().strip_suffix('\\') {
            Some(c) => (c.trim().to_string(), true),
            None => (code.trim().to_string(), false),
        };
        let step = match pending.take() {
            Some(mut s) => {
                s.text = format!("{} {code}", s.text);
                s
            }
            None if code.is_empty() => continue,
            None => Step {
                place: format!("{name}:{}", i + 1),
                text: code,
            },
        };
        if continued {
            pending = Some(step);
        } else {
            steps.push(step);
        }
    }
    steps
}

/// `line` without a shell comment (a `#` at the start of a word).
fn strip_comment(line: &str) -> &str {
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        if c == '#' && prev.is_whitespace() {
            return &line[..i];
        }
        prev = c;
    }
    line
}

/// The command's words, and the file its standard output is redirected to (`> FILE`).
/// Panics on shell syntax this test does not interpret.
fn words(step: &Step) -> (Vec<String>, Option<String>) {
    let mut words: Vec<String> = Vec::new();
    let mut redirect = None;
    let mut it = step.text.split_whitespace();
    while let Some(w) = it.next() {
        assert!(
            !w.contains(['|', '&', ';', '$', '`', '"', '\'', '<', '*', '(']),
            "{}: `{}`: shell syntax the tour test cannot run; make the command plain or add it to SKIPPED",
            step.place,
            step.text
        );
        if w == ">" {
            redirect = Some(it.next().expect("a file after >").to_string());
        } else {
            words.push(w.to_string());
        }
    }
    (words, redirect)
}

/// The command as run: the binary, the seeds and weeks cut; `None` when it is skipped.
fn rewrite(step: &Step) -> Option<(Vec<String>, Option<String>)> {
    if let Some((_, why)) = SKIPPED
        .iter()
        .find(|(p, _)| step.text == *p || step.text.starts_with(&format!("{p} ")))
    {
        eprintln!("tour: skipped {} `{}`: {why}", step.place, step.text);
        return None;
    }
    let (mut words, redirect) = words(step);
    let program = [
        "cargo run --release --",
        "target/release/conductor",
        "conductor",
    ]
    .iter()
    .find_map(|p| {
        let n = p.split(' ').count();
        (words.len() >= n && words[..n].join(" ") == *p).then_some(n)
    });
    let Some(n) = program else {
        panic!(
            "{}: `{}` is not a conductor command; make it one or add it to SKIPPED",
            step.place, step.text
        );
    };
    words.drain(..n);
    let subcommand = words.first().cloned().unwrap_or_default();
    let simulates = matches!(subcommand.as_str(), "simulate" | "compare")
        || (subcommand == "check"
            && words
                .iter()
                .any(|w| w.ends_with(".toml") && !w.contains("check/")));
    cut(&mut words, "--seeds", SEEDS, simulates);
    if subcommand != "check" {
        cut(&mut words, "--weeks", WEEKS.into(), simulates);
    }
    Some((words, redirect))
}

/// `--flag N` becomes `--flag min(N, max)`; the flag is added when absent and `add`.
fn cut(words: &mut Vec<String>, flag: &str, max: u64, add: bool) {
    match words.iter().position(|w| w == flag) {
        Some(i) => {
            let n: u64 = words[i + 1].parse().expect("a number after the flag");
            words[i + 1] = n.min(max).to_string();
        }
        None if add => words.extend([flag.to_string(), max.to_string()]),
        None => {}
    }
}

/// `dir` copied into `to`, without `data/runs/` (run outputs, git-ignored).
fn copy_tree(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.ends_with("data/runs") {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Size and modification time of every file under `dir`: what the tour must not change.
fn stamp(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                todo.push(e.path());
            } else {
                out.insert(e.path(), (m.len(), m.modified().unwrap()));
            }
        }
    }
    out
}

/// Runs `steps` in a fresh copy of `scenarios/` and `data/` in `work`; returns how many ran.
fn run_all(steps: &[Step], work: &Path) -> usize {
    let bin = assert_cmd::cargo::cargo_bin("conductor");
    for dir in ["scenarios", "data"] {
        copy_tree(&Path::new(ROOT).join(dir), &work.join(dir));
    }
    let mut ran = 0;
    for step in steps {
        let Some((args, redirect)) = rewrite(step) else {
            continue;
        };
        let stdout = match &redirect {
            Some(file) => Stdio::from(std::fs::File::create(work.join(file)).unwrap()),
            None => Stdio::null(),
        };
        let out = Command::new(&bin)
            .args(&args)
            .current_dir(work)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: `{}` failed ({}), run as `conductor {}`:\n{}",
            step.place,
            step.text,
            out.status,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    ran
}

#[test]
fn every_documented_command_runs() {
    let before: Vec<_> = ["scenarios", "data", "docs"]
        .iter()
        .map(|d| stamp(&Path::new(ROOT).join(d)))
        .collect();
    let files = steps();
    let mut work = None;
    let mut ran = 0;
    for steps in &files {
        let tmp = tempfile::tempdir().unwrap();
        ran += run_all(steps, tmp.path());
        // README.md comes first; its outputs are checked below.
        work.get_or_insert(tmp);
    }
    let readme = files[0].len();
    assert!(readme >= 30, "{readme} commands found in README.md");
    assert!(ran >= 30, "only {ran} commands ran");
    eprintln!("tour: ran {ran} commands");
    let work = work.unwrap();
    let work = work.path();

    // What the tour says it writes is there.
    for f in [
        "data/runs/baseline/manifest.json",
        "data/runs/bake-12h/manifest.json",
        "data/runs/sample/manifest.json",
        "data/runs/sample-fitted.toml",
        "data/runs/season.csv",
        "data/runs/sample.xes",
        "report.html",
        "whatif.html",
        "board.html",
        "check.xml",
    ] {
        assert!(work.join(f).is_file(), "the tour wrote no {f}");
    }
    let after: Vec<_> = ["scenarios", "data", "docs"]
        .iter()
        .map(|d| stamp(&Path::new(ROOT).join(d)))
        .collect();
    assert!(before == after, "the tour changed files in the repository");
}

#[test]
fn commands_are_read_from_code_blocks_as_a_shell_would() {
    let text = "\
Some prose `conductor no`.

```sh
# a comment
cargo run --release -- simulate --seeds 500 --out  # trailing comment
cargo run --release -- report data/runs/baseline \\
    --format html --out r.html
```

```text
conductor simulate not-this
```
";
    let steps = commands("X.md", text, |info| info == "sh");
    let texts: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "cargo run --release -- simulate --seeds 500 --out",
            "cargo run --release -- report data/runs/baseline --format html --out r.html",
        ]
    );
    assert_eq!(steps[1].place, "X.md:6");
    let (args, _) = rewrite(&steps[0]).unwrap();
    assert_eq!(args, ["simulate", "--seeds", "2", "--out", "--weeks", "4"]);
    let (args, _) = rewrite(&steps[1]).unwrap();
    assert_eq!(
        args,
        [
            "report",
            "data/runs/baseline",
            "--format",
            "html",
            "--out",
            "r.html"
        ]
    );
}
