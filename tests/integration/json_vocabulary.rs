//! The JSON of `simulate`, `simulate --out`, `report`, `check` and `compare` is exactly what
//! docs/formats.md ("JSON output: one vocabulary") lists: every field printed is documented
//! with its type, and every documented field is printed by at least one run here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::conductor;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The documented fields per command (the code span of each `###` heading), with their
/// types (`integer`, `number`, `string`, `boolean`, optionally `or null`).
fn documented() -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("docs/formats.md")).unwrap();
    let start = text
        .find("## JSON output: one vocabulary")
        .expect("docs/formats.md has the JSON vocabulary section");
    let section = &text[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = None;
    for line in section[..end].lines() {
        if let Some(h) = line.strip_prefix("### ") {
            let command = h.split('`').nth(1).expect("a heading names its command");
            current = Some(command.to_string());
            continue;
        }
        let Some(command) = &current else { continue };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let field = cells[1].trim_matches('`').to_string();
        let previous = out
            .entry(command.clone())
            .or_default()
            .insert(field.clone(), cells[2].to_string());
        assert!(previous.is_none(), "{command}: `{field}` documented twice");
    }
    out
}

/// Every leaf of `v` as (path, JSON type); keys of a `waiting_hours` object are `<label>`.
fn leaves(v: &serde_json::Value, path: &str, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    use serde_json::Value;
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let key = if path.ends_with("waiting_hours") {
                    "<label>"
                } else {
                    k
                };
                let p = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                leaves(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                leaves(x, &format!("{path}[]"), out);
            }
        }
        Value::Null => {
            out.entry(path.into()).or_default().insert("null");
        }
        Value::Bool(_) => {
            out.entry(path.into()).or_default().insert("boolean");
        }
        Value::String(_) => {
            out.entry(path.into()).or_default().insert("string");
        }
        Value::Number(n) => {
            let t = if n.is_f64() { "number" } else { "integer" };
            out.entry(path.into()).or_default().insert(t);
        }
    }
}

fn json(args: &[&str], dir: &Path) -> serde_json::Value {
    let out = conductor().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn every_commands_json_is_exactly_the_documented_vocabulary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let scenario = |name: &str| format!("{ROOT}/scenarios/{name}.toml");
    let baseline = scenario("baseline");
    let small = ["--seeds", "3", "--weeks", "3"];
    let mut runs: BTreeMap<&str, Vec<serde_json::Value>> = BTreeMap::new();
    let mut run = |command: &'static str, args: Vec<&str>| {
        let v = json(&args, dir);
        runs.entry(command).or_default().push(v);
    };
    run(
        "simulate --format json",
        [&["simulate", "--format", "json"][..], &small].concat(),
    );
    run(
        "simulate --out DIR --format json",
        [
            &["simulate", "--format", "json", "--out", "run"][..],
            &small,
        ]
        .concat(),
    );
    // A shard of a run: a partial directory, with missing parts and shards to list.
    run(
        "simulate --out DIR --format json",
        [
            &[
                "simulate", "--format", "json", "--out", "shard", "--shard", "1/2",
            ][..],
            &["--seeds", "12", "--weeks", "2"],
        ]
        .concat(),
    );
    run(
        "report --format json",
        vec!["report", "run", "--format", "json"],
    );
    run(
        "report --format json",
        vec!["report", "shard", "--format", "json"],
    );
    // A replayed history with hotfixes after its releases: the report's hotfix table.
    std::fs::write(
        dir.join("hotfixes.csv"),
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
    let replayed = conductor()
        .current_dir(dir)
        .args(["replay", "hotfixes.csv", "--out", "replayed", "-q"])
        .output()
        .unwrap();
    assert!(replayed.status.success(), "{replayed:?}");
    run(
        "report --format json",
        vec!["report", "replayed", "--format", "json"],
    );
    // A replay's run directory: its counterfactuals' figures rest partly on the scenario.
    let written = conductor()
        .current_dir(dir)
        .args(["check", "replayed", "--write-baseline", "replayed.toml"])
        .output()
        .unwrap();
    assert!(written.status.success(), "{written:?}");
    run(
        "check --format json",
        vec![
            "check",
            "--baseline",
            "replayed.toml",
            "replayed",
            "--format",
            "json",
        ],
    );
    let limits = format!("{ROOT}/scenarios/check/baseline.toml");
    run(
        "check --format json",
        vec![
            "check",
            "--baseline",
            &limits,
            &baseline,
            // Enough seeds that the safety metrics' intervals are not a few seeds' luck.
            "--seeds",
            "20",
            "--format",
            "json",
        ],
    );
    // An event log's window, against a baseline that records its own.
    let sample = format!("{ROOT}/data/sample-events.csv");
    let written = conductor()
        .current_dir(dir)
        .args([
            "check",
            &sample,
            "--last",
            "5",
            "--write-baseline",
            "recorded.toml",
        ])
        .output()
        .unwrap();
    assert!(written.status.success(), "{written:?}");
    run(
        "check --format json",
        vec![
            "check",
            "--baseline",
            "recorded.toml",
            &sample,
            "--last",
            "5",
            "--format",
            "json",
        ],
    );
    let bake = scenario("bake-12h");
    run(
        "compare --format json",
        [
            &["compare", &baseline, &bake, "--format", "json"][..],
            &small,
        ]
        .concat(),
    );

    let docs = documented();
    assert_eq!(
        docs.keys().map(String::as_str).collect::<Vec<_>>(),
        runs.keys().copied().collect::<Vec<_>>(),
        "every documented command is run here, and only those"
    );
    let mut problems = Vec::new();
    for (command, outputs) in &runs {
        let mut seen: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for v in outputs {
            leaves(v, "", &mut seen);
        }
        let doc = &docs[*command];
        for (field, types) in &seen {
            match doc.get(field) {
                None => problems.push(format!(
                    "{command}: `{field}` is printed but not documented"
                )),
                Some(t) => {
                    let allowed: Vec<&str> = t.split(" or ").collect();
                    for ty in types {
                        if !allowed.contains(ty) {
                            problems
                                .push(format!("{command}: `{field}` is a {ty}, documented as {t}"));
                        }
                    }
                }
            }
        }
        for field in doc.keys() {
            if !seen.contains_key(field) {
                problems.push(format!(
                    "{command}: `{field}` is documented but never printed"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
