//! `conductor export --format activity-log`: every case's activities tile its track's life
//! and add up to the `cycles` table, the XES log is well-formed and says what the CSV says,
//! names that need escaping survive both formats, the output is deterministic, and bad
//! requests are clear errors that leave no file behind.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use jiff::Timestamp;
use predicates::prelude::*;

use crate::dataset::{f64s, i64s, read, strs, u32s, u64s, write_run};
use crate::util::{Element, baseline_with, conductor, parse_xml};

const HEADER: &str = "case:concept:name,concept:name,time:start_timestamp,time:timestamp,\
lifecycle:transition,policy,seed,version,version_label,platform,state,waiting_on,hours,assumed";

fn export(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    conductor()
        .arg("export")
        .arg(dir)
        .args(["--format", "activity-log"])
        .args(args)
        .assert()
}

fn export_stdout(dir: &Path, args: &[&str]) -> String {
    let out = export(dir, args).success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// One CSV row, by column name.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    case: String,
    activity: String,
    start: i64,
    end: i64,
    policy: String,
    seed: u64,
    version: u32,
    platform: String,
    state: String,
    waiting_on: String,
    hours: f64,
}

/// An RFC 3339 timestamp in the log's own format (UTC, `Z`, milliseconds), as epoch ms.
fn ms(text: &str) -> i64 {
    assert!(
        text.len() == 24 && text.ends_with('Z') && text.as_bytes()[19] == b'.',
        "{text}"
    );
    text.parse::<Timestamp>().unwrap().as_millisecond()
}

/// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (vec![], vec![], String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "ends in a record"
    );
    records
}

fn parse_csv(text: &str) -> Vec<Row> {
    let records = csv_records(text);
    assert_eq!(records[0].join(","), HEADER);
    records[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), 14, "{r:?}");
            // A simulation's cases rest on the scenario throughout: nothing to single out.
            assert_eq!(r[13], "");
            // A simulated version's label is its number.
            assert_eq!(r[8], r[7]);
            assert_eq!(r[4], "complete");
            Row {
                case: r[0].clone(),
                activity: r[1].clone(),
                start: ms(&r[2]),
                end: ms(&r[3]),
                policy: r[5].clone(),
                seed: r[6].parse().unwrap(),
                version: r[7].parse().unwrap(),
                platform: r[9].clone(),
                state: r[10].clone(),
                waiting_on: r[11].clone(),
                hours: r[12].parse().unwrap(),
            }
        })
        .collect()
}

/// (policy, seed, version, platform)
type Track = (String, u64, u32, String);

fn by_case(rows: &[Row]) -> BTreeMap<Track, Vec<&Row>> {
    let mut out: BTreeMap<Track, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        let key = (r.policy.clone(), r.seed, r.version, r.platform.clone());
        out.entry(key).or_default().push(r);
    }
    out
}

/// What the `cycles` table says of each track: branch cut, end, and ms per label.
struct CycleRow {
    branched_at: i64,
    ended_at: i64,
    label_hours: HashMap<String, f64>,
}

fn cycles(dir: &Path) -> BTreeMap<Track, CycleRow> {
    let labels: Vec<String> = conductor::model::WaitingOn::ALL
        .iter()
        .map(|l| format!("hours_{}", l.as_str()))
        .collect();
    let mut cols = vec![
        "policy",
        "seed",
        "version",
        "platform",
        "branched_at",
        "ended_at",
    ];
    cols.extend(labels.iter().map(String::as_str));
    let df = read(dir, "cycles", &cols);
    let (policy, seed, version, platform) = (
        strs(&df, "policy"),
        u64s(&df, "seed"),
        u32s(&df, "version"),
        strs(&df, "platform"),
    );
    let (branched, ended) = (i64s(&df, "branched_at"), i64s(&df, "ended_at"));
    let hours: Vec<Vec<Option<f64>>> = labels.iter().map(|l| f64s(&df, l)).collect();
    (0..df.height())
        .map(|i| {
            let label_hours = labels
                .iter()
                .zip(&hours)
                .map(|(l, h)| (l["hours_".len()..].to_string(), h[i].unwrap()))
                .collect();
            let key = (policy[i].clone(), seed[i], version[i], platform[i].clone());
            let row = CycleRow {
                branched_at: branched[i].unwrap(),
                ended_at: ended[i].unwrap(),
                label_hours,
            };
            (key, row)
        })
        .collect()
}

/// The position of every row's case in the dataset's order: policies as the manifest lists
/// them, seed, version, platform in scenario order; then start.
fn dataset_order(rows: &[Row]) -> Vec<(usize, u64, u32, usize, i64)> {
    let policies = ["manual", "robot", "robot-except-100"];
    let platforms = ["android", "ios", "desktop"];
    let pos = |list: &[&str], v: &str| list.iter().position(|x| *x == v).unwrap();
    rows.iter()
        .map(|r| {
            (
                pos(&policies, &r.policy),
                r.seed,
                r.version,
                pos(&platforms, &r.platform),
                r.start,
            )
        })
        .collect()
}

#[test]
fn activities_tile_each_track_and_add_up_to_the_cycles_table() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "3", "--weeks", "3"]);
    let cycles = cycles(&dir);
    let states = parse_csv(&export_stdout(&dir, &[]));
    let labels_file = tmp.path().join("labels.csv");
    export(
        &dir,
        &[
            "--activity",
            "waiting-on",
            "--out",
            labels_file.to_str().unwrap(),
        ],
    )
    .success()
    .stdout("");
    let labels = parse_csv(&std::fs::read_to_string(&labels_file).unwrap());

    for (mode, rows) in [("state", &states), ("waiting-on", &labels)] {
        let order = dataset_order(rows);
        assert!(order.is_sorted(), "{mode}: rows are in the dataset's order");
        let cases = by_case(rows);
        assert_eq!(
            cases.keys().collect::<Vec<_>>(),
            cycles.keys().collect::<Vec<_>>(),
            "{mode}: one case per track"
        );
        for (track, acts) in &cases {
            let (policy, seed, version, platform) = track;
            let id = format!("baseline/{policy}/seed={seed}/v{version}/{platform}");
            let cycle = &cycles[track];
            assert!(acts.iter().all(|a| a.case == id), "{mode}: {id}");
            // Tiling: the first starts at the branch cut, each starts where the one before
            // ended, the last ends with the track; none is empty.
            assert_eq!(acts[0].start, cycle.branched_at, "{mode}: {id}");
            assert_eq!(acts.last().unwrap().end, cycle.ended_at, "{mode}: {id}");
            for w in acts.windows(2) {
                assert_eq!(w[0].end, w[1].start, "{mode}: {id} has a gap or overlap");
            }
            assert!(acts.iter().all(|a| a.end > a.start), "{mode}: {id}");
            // Durations, to the millisecond.
            let total: i64 = acts.iter().map(|a| a.end - a.start).sum();
            assert_eq!(total, cycle.ended_at - cycle.branched_at, "{mode}: {id}");
            for a in acts {
                assert_eq!(a.hours, (a.end - a.start) as f64 / 3.6e6, "{mode}: {id}");
                let expected = if mode == "state" {
                    &a.state
                } else {
                    &a.waiting_on
                };
                assert_eq!(&a.activity, expected, "{mode}: {id}");
            }
        }
    }

    // State mode: consecutive activities of a case are different states.
    for acts in by_case(&states).values() {
        assert!(acts.windows(2).all(|w| w[0].state != w[1].state));
    }
    // Waiting-on mode: per label, the hours equal the cycles table's `hours_*` columns.
    for (track, acts) in by_case(&labels) {
        let mut ms: HashMap<&str, i64> = HashMap::new();
        for a in &acts {
            *ms.entry(a.waiting_on.as_str()).or_default() += a.end - a.start;
        }
        for (label, hours) in &cycles[&track].label_hours {
            let got = ms.get(label.as_str()).copied().unwrap_or(0);
            assert_eq!(got, (hours * 3.6e6).round() as i64, "{track:?} {label}");
        }
        // Each waiting-on activity lies within one state activity of the same case.
        let state_acts = &by_case(&states)[&track];
        for a in &acts {
            assert!(
                state_acts
                    .iter()
                    .any(|s| s.state == a.state && s.start <= a.start && a.end <= s.end),
                "{track:?} {a:?}"
            );
        }
    }
}

/// The `value` of `el`'s child XES attribute `<ty key=KEY value=…/>`.
fn xes<'a>(el: &'a Element, ty: &str, key: &str) -> &'a str {
    let found = el
        .children
        .iter()
        .find(|c| c.name == ty && c.attr("key") == Some(key));
    found
        .unwrap_or_else(|| panic!("{} has no {ty} {key}", el.name))
        .get("value")
}

/// An XES log: an XML declaration, then elements only (no text content anywhere).
fn parse_xes(text: &str) -> Element {
    assert!(
        text.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        "an XML declaration"
    );
    let log = parse_xml(text);
    for el in log.walk() {
        assert!(
            el.text.is_empty(),
            "text content in <{}>: {:?}",
            el.name,
            el.text
        );
    }
    log
}

/// The CSV rows an XES log holds, in order.
fn xes_rows(log: &Element) -> Vec<Row> {
    let mut rows = vec![];
    for trace in log.all("trace") {
        for event in trace.all("event") {
            assert_eq!(xes(event, "string", "lifecycle:transition"), "complete");
            rows.push(Row {
                case: xes(trace, "string", "concept:name").to_string(),
                activity: xes(event, "string", "concept:name").to_string(),
                start: ms(xes(event, "date", "time:start_timestamp")),
                end: ms(xes(event, "date", "time:timestamp")),
                policy: xes(trace, "string", "policy").to_string(),
                seed: xes(trace, "int", "seed").parse().unwrap(),
                version: xes(trace, "int", "version").parse().unwrap(),
                platform: xes(trace, "string", "platform").to_string(),
                state: xes(event, "string", "state").to_string(),
                waiting_on: xes(event, "string", "waiting_on").to_string(),
                hours: xes(event, "float", "hours").parse().unwrap(),
            });
        }
    }
    rows
}

#[test]
fn the_xes_log_is_well_formed_and_holds_the_csv_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "2", "--weeks", "2"]);
    for activity in ["state", "waiting-on"] {
        let args = ["--activity", activity, "--policy", "robot"];
        let csv = parse_csv(&export_stdout(&dir, &args));
        let xes_file = tmp.path().join(format!("{activity}.xes"));
        let out = ["--out", xes_file.to_str().unwrap()];
        export(&dir, &[&args[..], &out].concat()).success();
        let log = parse_xes(&std::fs::read_to_string(&xes_file).unwrap());
        assert_eq!(log.name, "log");
        assert_eq!(log.get("xes.version"), "1849.2016");
        assert_eq!(log.get("xmlns"), "http://www.xes-standard.org/");
        let extensions: Vec<(&str, &str)> = log
            .all("extension")
            .iter()
            .map(|e| (e.get("name"), e.get("prefix")))
            .collect();
        assert_eq!(
            extensions,
            [
                ("Concept", "concept"),
                ("Time", "time"),
                ("Lifecycle", "lifecycle")
            ]
        );
        assert_eq!(xes(&log, "string", "activity"), activity);
        assert_eq!(log.all("trace").len(), by_case(&csv).len());
        assert_eq!(
            log.all("trace").len(),
            2 * 2 * 3,
            "seeds × weeks × platforms"
        );
        assert!(csv.iter().all(|r| r.policy == "robot"));
        assert_eq!(xes_rows(&log), csv, "{activity}");
    }
}

/// (case, activity, lifecycle transition, timestamp, start timestamp, hours) of a CSV row.
type Event = (String, String, String, i64, i64, String);

fn csv_events(text: &str) -> Vec<Event> {
    let records = csv_records(text);
    assert_eq!(records[0].join(","), HEADER);
    records[1..]
        .iter()
        .map(|r| {
            let (start, ts) = (ms(&r[2]), ms(&r[3]));
            (
                r[0].clone(),
                r[1].clone(),
                r[4].clone(),
                ts,
                start,
                r[12].clone(),
            )
        })
        .collect()
}

#[test]
fn start_complete_gives_each_activity_a_start_and_a_complete_event() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "2", "--weeks", "2"]);
    for activity in ["state", "waiting-on"] {
        let interval = csv_events(&export_stdout(&dir, &["--activity", activity]));
        let args = ["--activity", activity, "--lifecycle", "start-complete"];
        let paired = csv_events(&export_stdout(&dir, &args));
        assert_eq!(paired.len(), 2 * interval.len(), "{activity}");
        // Each activity becomes `start` at its start then `complete` at its end, in the
        // interval log's order, so a case's events are in time order.
        for (a, pair) in interval.iter().zip(paired.chunks(2)) {
            let (case, name, transition, end, start, hours) = a;
            assert_eq!(transition, "complete");
            let start_event = (
                case.clone(),
                name.clone(),
                "start".into(),
                *start,
                *start,
                hours.clone(),
            );
            let complete_event = (
                case.clone(),
                name.clone(),
                "complete".into(),
                *end,
                *start,
                hours.clone(),
            );
            assert_eq!(pair, [start_event, complete_event], "{activity}");
        }
        for case in paired.chunk_by(|a, b| a.0 == b.0) {
            assert!(case.is_sorted_by_key(|e| e.3), "{activity}: {}", case[0].0);
        }

        // The XES log holds the same events and says which lifecycle it uses.
        let xes_file = tmp.path().join(format!("{activity}.xes"));
        export(
            &dir,
            &[&args[..], &["--out", xes_file.to_str().unwrap()]].concat(),
        )
        .success();
        let log = parse_xes(&std::fs::read_to_string(&xes_file).unwrap());
        assert_eq!(xes(&log, "string", "lifecycle"), "start-complete");
        assert_eq!(xes(&log, "string", "lifecycle:model"), "standard");
        let events: Vec<Event> = log
            .all("trace")
            .iter()
            .flat_map(|trace| {
                trace.all("event").into_iter().map(|e| {
                    (
                        xes(trace, "string", "concept:name").to_string(),
                        xes(e, "string", "concept:name").to_string(),
                        xes(e, "string", "lifecycle:transition").to_string(),
                        ms(xes(e, "date", "time:timestamp")),
                        ms(xes(e, "date", "time:start_timestamp")),
                        xes(e, "float", "hours").to_string(),
                    )
                })
            })
            .collect();
        assert_eq!(events, paired, "{activity}");
    }
    export(&dir, &["--lifecycle", "pairs"]).code(2).stderr(
        predicate::str::contains("--lifecycle").and(predicate::str::contains("start-complete")),
    );
}

#[test]
fn names_that_need_escaping_survive_csv_and_xes() {
    let tmp = tempfile::tempdir().unwrap();
    // Names become paths (`policy=NAME/`, `data/runs/NAME/`), so since issue 16 they are
    // restricted to letters, digits, `_`, `.` and `-`: what CSV and XES would have to quote
    // or escape is refused at validation, naming the key.
    let odd = tmp.path().join("odd.toml");
    let text = baseline_with(r#"name = "baseline""#, r#"name = "what-if <a&b>, 'q'""#);
    std::fs::write(&odd, text).unwrap();
    conductor()
        .args(["simulate", "--seeds", "1", "--weeks", "1"])
        .arg(&odd)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("key `name`"));
    // What remains allowed goes through both formats unchanged.
    let scenario = tmp.path().join("dotted.toml");
    let text = baseline_with(r#"name = "baseline""#, r#"name = "what-if_v1.2""#)
        .replace("[policies.robot]", "[policies.'fast.safe-sure_1']");
    std::fs::write(&scenario, text).unwrap();
    let dir = tmp.path().join("run");
    write_run(
        &dir,
        &[scenario.to_str().unwrap(), "--seeds", "1", "--weeks", "1"],
    );
    let policy = "fast.safe-sure_1";
    let args = ["--policy", policy];
    let csv = parse_csv(&export_stdout(&dir, &args));
    assert!(!csv.is_empty());
    for r in &csv {
        assert_eq!(r.policy, policy);
        let id = format!("what-if_v1.2/{policy}/seed=1/v0/{}", r.platform);
        assert_eq!(r.case, id);
    }
    let xes_file = tmp.path().join("odd.xes");
    export(
        &dir,
        &[&args[..], &["--out", xes_file.to_str().unwrap()]].concat(),
    )
    .success();
    let xes = std::fs::read_to_string(&xes_file).unwrap();
    assert!(xes.contains("value=\"what-if_v1.2\""));
    assert_eq!(xes_rows(&parse_xes(&xes)), csv);
}

#[test]
fn the_log_is_byte_identical_run_to_run_and_written_atomically() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "2", "--weeks", "2"]);
    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let stdout = export_stdout(&dir, &[]);
    for name in ["a.csv", "b.csv", "a.xes", "b.xes"] {
        let path = out_dir.join(name);
        export(&dir, &["--out", path.to_str().unwrap()])
            .success()
            .stdout("");
    }
    let read = |name: &str| std::fs::read(out_dir.join(name)).unwrap();
    assert_eq!(read("a.csv"), stdout.as_bytes(), "--out FILE.csv = stdout");
    assert_eq!(read("a.csv"), read("b.csv"));
    assert_eq!(read("a.xes"), read("b.xes"));
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["a.csv", "a.xes", "b.csv", "b.xes"],
        "no temporary files"
    );
}

#[test]
fn bad_export_requests_are_clear_errors_and_leave_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    write_run(&dir, &["--seeds", "1", "--weeks", "1"]);
    let out = tmp.path().join("log.csv");
    let out_arg = out.to_str().unwrap();

    export(tmp.path(), &["--out", out_arg]).code(2).stderr(
        predicate::str::contains("not a conductor run directory")
            .and(predicate::str::contains("no manifest.json")),
    );
    export(&dir, &["--policy", "nope", "--out", out_arg])
        .code(2)
        .stderr(predicate::str::contains(
            "--policy \"nope\": the run has no such policy (it has: manual, robot, robot-except-100)",
        ));
    export(
        &dir,
        &["--out", tmp.path().join("log.json").to_str().unwrap()],
    )
    .code(2)
    .stderr(predicate::str::contains(
        "unknown log format (the file name must end in .csv or .xes)",
    ));
    let unwritable = tmp.path().join("missing-folder").join("log.csv");
    export(&dir, &["--out", unwritable.to_str().unwrap()])
        .code(2)
        .stderr(
            predicate::str::contains("error: cannot write --out: ")
                .and(predicate::str::contains(
                    "missing-folder/log.csv: No such file",
                ))
                .and(predicate::str::contains("(os error 2)").count(1)),
        );
    conductor()
        .args(["export", dir.to_str().unwrap(), "--format", "parquet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value 'parquet' for '--format",
        ));
    export(&dir, &["--activity", "gate"]).code(2);

    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["run"], "nothing written next to the run");
}
