//! Fuzz: seeded mutations of what users hand conductor — the shipped scenarios, the sample
//! event log in each format (CSV, JSON Lines, Parquet), a small run directory, and numeric
//! arguments — run through the real binary. Every case must:
//!
//! - exit 0 or 2 (never a signal: no abort, no crash), with no `panicked` on stderr;
//! - finish within [`TIMEOUT`] (it is killed, and the case fails, otherwise);
//! - stay within [`MEMORY_KB`] of address space (`ulimit -v`: an allocation past it aborts,
//!   which fails the case);
//! - create nothing outside its declared outputs: no file beside them, none above its
//!   folder, no temporary or lock file left behind.
//!
//! `cargo test` runs [`DEFAULT_CASES`] cases (under a minute on two cores in the dev
//! profile); `CONDUCTOR_FUZZ_CASES=N` runs N, `CONDUCTOR_FUZZ_SEED=S` picks another
//! sequence, and `CONDUCTOR_FUZZ_ONLY=I` runs case I alone (a failure names its index). The
//! counts (cases, exits, the slowest case) are printed at the end (`--nocapture`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Cases in a normal `cargo test`.
const DEFAULT_CASES: usize = 4000;
/// A case taking longer than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Address-space limit of every case, in KiB (2 GiB).
const MEMORY_KB: u64 = 2 * 1024 * 1024;

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// One case: the files it writes before running, the arguments (relative to its folder),
/// and the outputs it may create there.
struct Case {
    what: String,
    inputs: Vec<(String, Vec<u8>)>,
    /// A directory copied in before the run (a run directory case), and its name.
    copy_dir: Option<(PathBuf, String)>,
    args: Vec<String>,
    outputs: Vec<String>,
}

/// The inputs every case starts from.
struct Corpus {
    scenarios: Vec<(String, String)>,
    /// The sample log's header and rows (the first weeks: replays stay quick).
    log_rows: Vec<Vec<String>>,
    run_dir: PathBuf,
}

const LOG_COLUMNS: [&str; 7] = ["ts", "seed", "version", "platform", "kind", "ref", "value"];

impl Corpus {
    fn build(root: &Path) -> Corpus {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let scenarios = ["baseline", "bake-12h", "biweekly", "fewer-manual-signoffs"]
            .iter()
            .map(|n| {
                let text =
                    std::fs::read_to_string(repo.join(format!("scenarios/{n}.toml"))).unwrap();
                (n.to_string(), text)
            })
            .collect();
        // The sample's first three versions (412-414): every kind, a few hundred rows.
        let text = std::fs::read_to_string(repo.join("data/sample-events.csv")).unwrap();
        let log_rows = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(String::from).collect::<Vec<_>>())
            .filter(|r| r[1].parse::<u32>().is_ok_and(|v| v <= 414))
            .map(|r| {
                // ts, seed, version, platform, kind, ref, value
                vec![
                    r[0].clone(),
                    "0".into(),
                    r[1].clone(),
                    r[2].clone(),
                    r[3].clone(),
                    r[4].clone(),
                    r[5].clone(),
                ]
            })
            .collect();
        let run_dir = root.join("inputs/run");
        let ok = Command::new(env!("CARGO_BIN_EXE_conductor"))
            .args([
                "simulate",
                "--seeds",
                "3",
                "--weeks",
                "2",
                "--threads",
                "1",
                "--out",
            ])
            .arg(&run_dir)
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "the run directory of the corpus");
        Corpus {
            scenarios,
            log_rows,
            run_dir,
        }
    }
}

/// A random element of `items`.
fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Hostile numbers, as TOML and argument text.
const NUMBERS: [&str; 30] = [
    "0",
    "-1",
    "1",
    "2",
    "0.5",
    "1e308",
    "-1e308",
    "1e-300",
    "1e300",
    "1e12",
    "1e9",
    "1e7",
    "8760",
    "8761",
    "525601",
    "1000",
    "1001",
    "32768",
    "255",
    "256",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "nan",
    "inf",
    "-inf",
    "100",
    "101",
];

/// Names that would leave a folder, or hide in one.
const PATHS: [&str; 8] = [
    "x/../../../escape",
    "../escape",
    "..",
    ".",
    ".hidden",
    "/tmp/escape",
    "a\\b",
    "policy=robot/x",
];

/// Hostile strings.
fn strings(rng: &mut ChaCha8Rng) -> String {
    let long = "x".repeat(rng.random_range(65..20_000));
    let options = [
        "",
        "x/../../../escape",
        "../../etc",
        ".hidden",
        "a b",
        "naïve",
        "9999-12-01",
        "0000-01-01",
        "1969-12-31",
        "2200-12-31",
        "2201-01-01",
        "24:00",
        "25:61",
        "00:00-24:00",
        "23:59-00:00",
        "09:00-17:00",
        "Europe/Atlantis",
        "UTC",
        "America/New_York",
        "upcoming",
        "current",
        "robot",
        "manual",
        "recorded",
        "gamma",
        "\u{0}",
        "\"",
        &long,
    ];
    pick(rng, &options).to_string()
}

/// A hostile TOML value of roughly the shape of `old`: mostly of the same TOML type (so that
/// validation, not the parser, is what is tested), sometimes of any type.
fn hostile_value(rng: &mut ChaCha8Rng, old: &toml::Value) -> toml::Value {
    use toml::Value;
    let float = |rng: &mut ChaCha8Rng| -> Value {
        Value::Float(match *pick(rng, &NUMBERS) {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            t => t.parse().unwrap_or(0.0),
        })
    };
    let integer = |rng: &mut ChaCha8Rng| -> Value {
        let ints: Vec<i64> = NUMBERS.iter().filter_map(|t| t.parse().ok()).collect();
        Value::Integer(*pick(rng, &ints))
    };
    if rng.random_bool(0.15) {
        return match rng.random_range(0..4) {
            0 => float(rng),
            1 => integer(rng),
            2 => Value::String(strings(rng)),
            _ => Value::Array(vec![]),
        };
    }
    match old {
        Value::Integer(_) => integer(rng),
        Value::Float(_) => float(rng),
        Value::String(_) => Value::String(strings(rng)),
        Value::Boolean(b) => Value::Boolean(!b),
        Value::Array(a) => {
            let mut a = a.clone();
            match rng.random_range(0..4) {
                0 => a.clear(),
                1 if !a.is_empty() => {
                    let i = rng.random_range(0..a.len());
                    let v = hostile_value(rng, &a[i]);
                    a[i] = v;
                }
                2 if !a.is_empty() => {
                    let v = a[rng.random_range(0..a.len())].clone();
                    a.push(v);
                }
                _ => {
                    for _ in 0..rng.random_range(1..200) {
                        a.push(Value::String(strings(rng)));
                    }
                }
            }
            Value::Array(a)
        }
        Value::Table(t) => {
            let mut t = t.clone();
            if let Some(dist) = t.get_mut("dist") {
                // Another family: its parameters are then missing or unknown, or fit.
                *dist = Value::String(
                    pick(
                        rng,
                        &["fixed", "exponential", "lognormal", "uniform", "gamma"],
                    )
                    .to_string(),
                );
            } else if !t.is_empty() {
                let keys: Vec<String> = t.keys().cloned().collect();
                t.remove(pick(rng, &keys));
            }
            Value::Table(t)
        }
        Value::Datetime(_) => Value::String(strings(rng)),
    }
}

/// Every leaf path of a TOML table, as keys.
fn leaves(t: &toml::Table, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    for (k, v) in t {
        prefix.push(k.clone());
        out.push(prefix.clone());
        if let toml::Value::Table(inner) = v {
            leaves(inner, prefix, out);
        }
        prefix.pop();
    }
}

fn get_mut<'a>(t: &'a mut toml::Table, path: &[String]) -> Option<&'a mut toml::Value> {
    let (first, rest) = path.split_first()?;
    let v = t.get_mut(first)?;
    if rest.is_empty() {
        return Some(v);
    }
    match v {
        toml::Value::Table(inner) => get_mut(inner, rest),
        _ => None,
    }
}

/// Mutations of raw bytes: flips, cuts, insertions (invalid UTF-8 too), repeated lines.
fn mutate_bytes(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, what: &mut Vec<String>) {
    if bytes.is_empty() {
        bytes.push(0xff);
        return;
    }
    match rng.random_range(0..5) {
        0 => {
            let i = rng.random_range(0..bytes.len());
            bytes[i] ^= 1 << rng.random_range(0..8);
            what.push(format!("flip byte {i}"));
        }
        1 => {
            let i = rng.random_range(0..bytes.len());
            bytes.truncate(i);
            what.push(format!("cut at {i}"));
        }
        2 => {
            let i = rng.random_range(0..=bytes.len());
            let junk: Vec<u8> = (0..rng.random_range(1..8)).map(|_| rng.random()).collect();
            bytes.splice(i..i, junk);
            what.push(format!("junk at {i}"));
        }
        3 => {
            let i = rng.random_range(0..bytes.len());
            bytes[i] = *pick(rng, &[0xff, 0xc3, b'"', b'\n', b',', b'[', b'{', 0]);
            what.push(format!("byte {i} replaced"));
        }
        _ => {
            let text = String::from_utf8_lossy(bytes).to_string();
            let lines: Vec<&str> = text.lines().collect();
            if lines.is_empty() {
                return;
            }
            let i = rng.random_range(0..lines.len());
            let mut out: Vec<&str> = lines.clone();
            if rng.random_bool(0.5) {
                out.insert(i, lines[i]);
                what.push(format!("line {} repeated", i + 1));
            } else {
                out.remove(i);
                what.push(format!("line {} removed", i + 1));
            }
            *bytes = (out.join("\n") + "\n").into_bytes();
        }
    }
}

fn scenario_case(rng: &mut ChaCha8Rng, corpus: &Corpus) -> Case {
    let (name, text) = pick(rng, &corpus.scenarios);
    let mut what = vec![format!("scenario {name}")];
    let mut table: toml::Table = toml::from_str(text).unwrap();
    // Mostly one change, so that the rest of the file stays valid and the change is what
    // meets validation, the engine and the writers.
    let changes = *pick(rng, &[1, 1, 1, 1, 1, 1, 1, 2, 2, 3]);
    for _ in 0..changes {
        let mut paths = Vec::new();
        leaves(&table, &mut Vec::new(), &mut paths);
        // Mostly a value, sometimes a whole table.
        let scalar: Vec<Vec<String>> = paths
            .iter()
            .filter(|p| p.last().is_some_and(|k| k != "dist"))
            .filter(|p| {
                !matches!(get_mut(&mut table.clone(), p),
                    Some(toml::Value::Table(t)) if !t.contains_key("dist"))
            })
            .cloned()
            .collect();
        let numbers: Vec<Vec<String>> = scalar
            .iter()
            .filter(|p| {
                matches!(
                    get_mut(&mut table.clone(), p),
                    Some(toml::Value::Integer(_) | toml::Value::Float(_))
                )
            })
            .cloned()
            .collect();
        let path = match rng.random_range(0..20) {
            0..=11 if !numbers.is_empty() => pick(rng, &numbers).clone(),
            0..=17 if !scalar.is_empty() => pick(rng, &scalar).clone(),
            _ => pick(rng, &paths).clone(),
        };
        match rng.random_range(0..20) {
            0 => {
                // An unknown key, or a key removed.
                if rng.random_bool(0.5) {
                    table.insert("team_leads".into(), toml::Value::Integer(3));
                    what.push("unknown key".into());
                } else if let Some((last, parent)) = path.split_last() {
                    let removed = match parent.is_empty() {
                        true => table.remove(last).is_some(),
                        false => match get_mut(&mut table, parent) {
                            Some(toml::Value::Table(t)) => t.remove(last).is_some(),
                            _ => false,
                        },
                    };
                    what.push(format!("removed {} ({removed})", path.join(".")));
                }
            }
            1..=3 => {
                // A policy with a hostile name (names become folders).
                let name = match rng.random_bool(0.6) {
                    true => pick(rng, &PATHS).to_string(),
                    false => strings(rng),
                };
                if let Some(toml::Value::Table(p)) = table.get_mut("policies") {
                    let robot = p
                        .get("robot")
                        .cloned()
                        .unwrap_or(toml::Value::Table(toml::Table::new()));
                    p.insert(name.chars().take(80).collect(), robot);
                }
                what.push(format!(
                    "policy named {:?}",
                    name.chars().take(40).collect::<String>()
                ));
            }
            _ => {
                if let Some(v) = get_mut(&mut table, &path) {
                    let new = hostile_value(rng, v);
                    what.push(format!(
                        "{} = {}",
                        path.join("."),
                        new.to_string().chars().take(60).collect::<String>()
                    ));
                    *v = new;
                }
            }
        }
    }
    let mut bytes = toml::to_string(&table).unwrap_or_default().into_bytes();
    if rng.random_bool(0.15) {
        mutate_bytes(rng, &mut bytes, &mut what);
    }
    let weeks = rng.random_range(1..=3).to_string();
    let (args, outputs): (Vec<&str>, Vec<&str>) = match rng.random_range(0..20) {
        0..=6 => (
            vec!["simulate", "s.toml", "--seeds", "1", "--weeks", &weeks],
            vec![],
        ),
        7 | 8 => (vec!["simulate", "s.toml", "--seeds", "1"], vec![]),
        9..=13 => (
            vec![
                "simulate", "s.toml", "--seeds", "2", "--weeks", "1", "--out", "out",
            ],
            vec!["out"],
        ),
        14..=16 => (
            vec![
                "simulate",
                "s.toml",
                "--seeds",
                "1",
                "--weeks",
                "2",
                "--event-log",
                "log.jsonl",
            ],
            vec!["log.jsonl"],
        ),
        17 | 18 => (
            vec![
                "check",
                "s.toml",
                "--seeds",
                "2",
                "--write-baseline",
                "b.toml",
            ],
            vec!["b.toml"],
        ),
        _ => (
            vec![
                "compare", "s.toml", "--seeds", "1", "--weeks", "1", "-o", "c.md",
            ],
            vec!["c.md"],
        ),
    };
    Case {
        what: what.join("; "),
        inputs: vec![("s.toml".into(), bytes)],
        copy_dir: None,
        args: args
            .iter()
            .map(|s| s.to_string())
            .chain(["--threads".into(), "1".into()])
            .collect(),
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
    }
}

/// Hostile text for one field of an event-log row.
fn hostile_field(rng: &mut ChaCha8Rng, column: usize) -> String {
    let by_column: &[&str] = match column {
        0 => &[
            "9999-12-31T23:59:59Z",
            "2999-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-13-45T10:00:00Z",
            "2026-01-09T10:00:00",
            "2026-01-09 10:00",
            "",
            "-271821-04-20T00:00:00Z",
        ],
        1 => &[
            "18446744073709551615",
            "9223372036854775807",
            "9223372036854775808",
            "-1",
            "1",
            "99999",
            "x",
        ],
        2 => &[
            "4294967295",
            "999999999",
            "1000000000",
            "-1",
            "4.1",
            "0",
            "",
            "x",
        ],
        3 => &["ios", "android", "desktop", "watch", "", "x/../../y", "IOS"],
        4 => &[
            "branch_cut",
            "rollout",
            "blocker_opened",
            "blocker_fixed",
            "review_approved",
            "cancelled",
            "resumed",
            "launched",
            "",
        ],
        5 => &[
            "bug-1",
            "review-1",
            "team-01",
            "robot",
            "",
            "crash_rate",
            "x,y",
        ],
        _ => &[
            "1e308", "nan", "inf", "-5", "100", "1", "0", "", "1e-300", "50",
        ],
    };
    pick(rng, by_column).to_string()
}

fn log_case(rng: &mut ChaCha8Rng, corpus: &Corpus) -> Case {
    let mut rows = corpus.log_rows.clone();
    let mut what = Vec::new();
    for _ in 0..rng.random_range(1..=4) {
        match rng.random_range(0..8) {
            0..=3 => {
                let i = rng.random_range(0..rows.len());
                let c = rng.random_range(0..LOG_COLUMNS.len());
                rows[i][c] = hostile_field(rng, c);
                what.push(format!("row {i} {} = {:?}", LOG_COLUMNS[c], rows[i][c]));
            }
            4 => {
                let i = rng.random_range(0..rows.len());
                rows.remove(i);
                what.push(format!("row {i} removed"));
            }
            5 => {
                let i = rng.random_range(0..rows.len());
                let r = rows[i].clone();
                rows.insert(i, r);
                what.push(format!("row {i} repeated"));
            }
            6 => {
                // Spread the rows over seeds (a many-seed log).
                let seeds = [*pick(rng, &["1", "2", "7", "9223372036854775807"]), "0"];
                for r in rows.iter_mut() {
                    r[1] = pick(rng, &seeds).to_string();
                }
                what.push(format!("seeds {seeds:?}"));
            }
            _ => {
                let (a, b) = (
                    rng.random_range(0..rows.len()),
                    rng.random_range(0..rows.len()),
                );
                rows.swap(a, b);
                what.push(format!("rows {a} and {b} swapped"));
            }
        }
    }
    let format = *pick(rng, &["csv", "jsonl", "parquet"]);
    what.insert(0, format!("log .{format}"));
    let mut bytes = match format {
        "csv" => {
            let mut s = LOG_COLUMNS.join(",") + "\n";
            for r in &rows {
                s += &r.join(",");
                s.push('\n');
            }
            s.into_bytes()
        }
        "jsonl" => {
            let mut s = String::new();
            for r in &rows {
                let mut obj = serde_json::Map::new();
                for (c, v) in LOG_COLUMNS.iter().zip(r) {
                    if !v.is_empty() {
                        obj.insert(c.to_string(), v.clone().into());
                    }
                }
                s += &serde_json::Value::Object(obj).to_string();
                s.push('\n');
            }
            s.into_bytes()
        }
        _ => parquet_log(rng, &rows, &mut what),
    };
    if rng.random_bool(0.2) {
        mutate_bytes(rng, &mut bytes, &mut what);
    }
    let log = format!("log.{format}");
    let (args, outputs): (Vec<&str>, Vec<&str>) = match rng.random_range(0..10) {
        0..=3 => (
            vec!["replay", &log, "--policy", "recorded", "--out", "out"],
            vec!["out"],
        ),
        4 => (
            vec![
                "replay", &log, "--policy", "recorded", "--policy", "robot", "--out", "out",
            ],
            vec!["out"],
        ),
        5 => (
            vec![
                "replay",
                &log,
                "--lenient",
                "--policy",
                "recorded",
                "--out",
                "out",
            ],
            vec!["out"],
        ),
        6 | 7 => (vec!["fit", &log, "-o", "fitted.toml"], vec!["fitted.toml"]),
        _ => (
            vec!["check", &log, "--write-baseline", "b.toml"],
            vec!["b.toml"],
        ),
    };
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if args[0] != "fit" {
        args.extend(["--threads".into(), "1".into()]);
    }
    Case {
        what: what.join("; "),
        inputs: vec![(log, bytes)],
        copy_dir: None,
        args,
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
    }
}

/// `rows` as a Parquet log with a random codec (numbers typed where they parse).
fn parquet_log(rng: &mut ChaCha8Rng, rows: &[Vec<String>], what: &mut Vec<String>) -> Vec<u8> {
    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
    use std::sync::Arc;
    let text = |c: usize| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter()
                .map(|r| Some(r[c].as_str()).filter(|s| !s.is_empty()))
                .collect::<Vec<_>>(),
        ))
    };
    let typed = rng.random_bool(0.7);
    let int = |c: usize| -> ArrayRef {
        if typed && rows.iter().all(|r| r[c].parse::<i64>().is_ok()) {
            Arc::new(Int64Array::from(
                rows.iter()
                    .map(|r| r[c].parse::<i64>().ok())
                    .collect::<Vec<_>>(),
            ))
        } else {
            text(c)
        }
    };
    let value: ArrayRef = if typed
        && rows
            .iter()
            .all(|r| r[6].is_empty() || r[6].parse::<f64>().is_ok())
    {
        Arc::new(Float64Array::from(
            rows.iter()
                .map(|r| r[6].parse::<f64>().ok())
                .collect::<Vec<_>>(),
        ))
    } else {
        text(6)
    };
    let batch = RecordBatch::try_from_iter([
        ("ts", text(0)),
        ("seed", int(1)),
        ("version", int(2)),
        ("platform", text(3)),
        ("kind", text(4)),
        ("ref", text(5)),
        ("value", value),
    ])
    .unwrap();
    let (name, codec) = *pick(
        rng,
        &[
            ("uncompressed", Compression::UNCOMPRESSED),
            ("snappy", Compression::SNAPPY),
            ("gzip", Compression::GZIP(GzipLevel::default())),
            ("lz4", Compression::LZ4),
            ("lz4_raw", Compression::LZ4_RAW),
            ("brotli", Compression::BROTLI(BrotliLevel::default())),
            ("zstd", Compression::ZSTD(ZstdLevel::default())),
        ],
    );
    what.push(format!("{name}, typed {typed}"));
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(codec)
        .build();
    let mut bytes = Vec::new();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    bytes
}

/// Every file under `dir`, relative.
fn walk(dir: &Path) -> Vec<PathBuf> {
    fn go(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                go(root, &p, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    go(dir, dir, &mut out);
    out.sort();
    out
}

fn run_dir_case(rng: &mut ChaCha8Rng, corpus: &Corpus) -> Case {
    let files = walk(&corpus.run_dir);
    let mut inputs = Vec::new();
    let mut what = Vec::new();
    if rng.random_bool(0.4) {
        // A manifest without checksums (written before they were recorded): damaged bytes
        // then reach the Parquet reader itself.
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(corpus.run_dir.join("manifest.json")).unwrap())
                .unwrap();
        m.as_object_mut().unwrap().remove("part_files");
        inputs.push((
            "out/manifest.json".into(),
            serde_json::to_vec_pretty(&m).unwrap(),
        ));
        what.push("no checksums".into());
    }
    for _ in 0..rng.random_range(1..=2) {
        let file = pick(rng, &files).clone();
        let name = format!("out/{}", file.display());
        let mut bytes = std::fs::read(corpus.run_dir.join(&file)).unwrap();
        if file == Path::new("manifest.json") && rng.random_bool(0.7) {
            let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let keys = [
                "first_seed",
                "seeds",
                "weeks",
                "seeds_per_part",
                "shard",
                "shards",
                "policies",
                "parts_complete",
                "part_files",
                "schema_version",
                "tool",
                "parts_total",
            ];
            let key = *pick(rng, &keys);
            let value: serde_json::Value = match rng.random_range(0..4) {
                0 => serde_json::json!(18446744073709551615u64),
                1 => serde_json::json!(pick(
                    rng,
                    &[0u64, 1, 2, 7, 9, 4294967295, 9223372036854775807]
                )),
                2 => serde_json::json!([strings(rng), "policy=manual/seeds-00000001-00000008"]),
                _ => serde_json::json!(strings(rng)),
            };
            what.push(format!(
                "manifest {key} = {}",
                value.to_string().chars().take(50).collect::<String>()
            ));
            m[key] = value;
            bytes = serde_json::to_vec_pretty(&m).unwrap();
        } else {
            match rng.random_range(0..6) {
                0 => {
                    what.push(format!("{name} removed"));
                    inputs.push((name.clone(), Vec::new()));
                    // An empty entry marks the file for removal.
                    continue;
                }
                _ => {
                    what.push(name.clone());
                    mutate_bytes(rng, &mut bytes, &mut what);
                }
            }
        }
        inputs.push((name, bytes));
    }
    if rng.random_bool(0.1) {
        // A part no manifest lists, and a shard manifest from nowhere.
        let part = "out/cycles/policy=manual/seeds-00000009-00000016.parquet";
        inputs.push((
            part.into(),
            std::fs::read(
                corpus
                    .run_dir
                    .join("cycles/policy=manual/seeds-00000001-00000003.parquet"),
            )
            .unwrap(),
        ));
        what.push("unlisted part".into());
    }
    let seed = pick(rng, &["1", "2", "3", "4", "9223372036854775807"]).to_string();
    let (args, outputs): (Vec<&str>, Vec<&str>) = match rng.random_range(0..10) {
        0 | 1 => (vec!["report", "out"], vec![]),
        2 => (
            vec![
                "report",
                "out",
                "--format",
                "json",
                "--timeline-seed",
                &seed,
            ],
            vec![],
        ),
        3 | 4 => (
            vec![
                "dashboard",
                "out",
                "--at",
                "2026-01-12T12:00",
                "--seed",
                &seed,
            ],
            vec![],
        ),
        5 => (
            vec![
                "export",
                "out",
                "--format",
                "activity-log",
                "--out",
                "a.xes",
            ],
            vec!["a.xes"],
        ),
        6 => (
            vec!["check", "out", "--write-baseline", "b.toml"],
            vec!["b.toml"],
        ),
        7 => (vec!["compare", "out", "--format", "csv"], vec![]),
        _ => (
            vec![
                "simulate",
                "--seeds",
                "3",
                "--weeks",
                "2",
                "--threads",
                "1",
                "--out",
                "out",
                "--resume",
            ],
            vec![],
        ),
    };
    Case {
        what: what.join("; "),
        inputs,
        copy_dir: Some((corpus.run_dir.clone(), "out".into())),
        args: args.iter().map(|s| s.to_string()).collect(),
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
    }
}

fn argument_case(rng: &mut ChaCha8Rng) -> Case {
    // Values past the bounds, malformed, and small valid ones (a large valid `--seeds`
    // would only be slow, which is not what this tests).
    let values = [
        "0",
        "1",
        "2",
        "-1",
        "100001",
        "521",
        "257",
        "4294967295",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "1e3",
        "",
        "x",
        "0x10",
        " 3",
    ];
    let v = pick(rng, &values).to_string();
    let (args, outputs): (Vec<String>, Vec<&str>) = match rng.random_range(0..9) {
        0 => (
            vec![
                "simulate".into(),
                "--weeks".into(),
                "2".into(),
                "--seeds".into(),
                v.clone(),
            ],
            vec![],
        ),
        1 => (
            vec![
                "simulate".into(),
                "--weeks".into(),
                v.clone(),
                "--seeds".into(),
                "1".into(),
            ],
            vec![],
        ),
        2 => (
            vec![
                "simulate".into(),
                "--weeks".into(),
                "1".into(),
                "--seeds".into(),
                "2".into(),
                "--seed".into(),
                v.clone(),
                "--out".into(),
                "out".into(),
            ],
            vec!["out"],
        ),
        3 => (
            vec![
                "simulate".into(),
                "--weeks".into(),
                "1".into(),
                "--seeds".into(),
                "1".into(),
                "--threads".into(),
                v.clone(),
            ],
            vec![],
        ),
        4 => (
            vec![
                "simulate".into(),
                "--weeks".into(),
                "1".into(),
                "--seeds".into(),
                "9".into(),
                "--shard".into(),
                format!("{}/{}", v, pick(rng, &values)),
                "--out".into(),
                "out".into(),
            ],
            vec!["out"],
        ),
        5 => (
            vec![
                "check".into(),
                "scenarios/baseline.toml".into(),
                "--seeds".into(),
                "1".into(),
                "--seed".into(),
                v.clone(),
                "--write-baseline".into(),
                "b.toml".into(),
            ],
            vec!["b.toml"],
        ),
        6 => (
            vec![
                "compare".into(),
                "scenarios/baseline.toml".into(),
                "--seeds".into(),
                "1".into(),
                "--weeks".into(),
                "1".into(),
                "--seed".into(),
                v.clone(),
            ],
            vec![],
        ),
        7 => (
            vec![
                "fit".into(),
                "data/sample-events.csv".into(),
                "-o".into(),
                "f.toml".into(),
                "--level".into(),
                v.clone(),
            ],
            vec!["f.toml"],
        ),
        _ => (
            vec![
                "simulate".into(),
                "--weeks".into(),
                "1".into(),
                "--seeds".into(),
                "1".into(),
                "--seed".into(),
                v.clone(),
                "--format".into(),
                "json".into(),
            ],
            vec![],
        ),
    };
    // Repository inputs are read from their own folder through an absolute path.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = args
        .into_iter()
        .map(|a| {
            if a.starts_with("scenarios/") || a.starts_with("data/") {
                repo.join(&a).display().to_string()
            } else {
                a
            }
        })
        .collect();
    Case {
        what: format!("argument {v:?}"),
        inputs: Vec::new(),
        copy_dir: None,
        args,
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
    }
}

fn make_case(index: usize, seed: u64, corpus: &Corpus) -> Case {
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut case = match rng.random_range(0..10) {
        0..=3 => scenario_case(&mut rng, corpus),
        4..=6 => log_case(&mut rng, corpus),
        7 | 8 => run_dir_case(&mut rng, corpus),
        _ => argument_case(&mut rng),
    };
    case.what = format!(
        "case {index}: {} | conductor {}",
        case.what,
        case.args.join(" ")
    );
    case
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// How one case went.
struct Outcome {
    code: i32,
    elapsed: Duration,
    /// The first line of stderr.
    message: String,
}

/// Runs `case` in `dir`; `Err` says how it failed.
fn run_case(case: &Case, dir: &Path) -> Result<Outcome, String> {
    std::fs::create_dir_all(dir).unwrap();
    let mut declared: BTreeSet<String> = case.outputs.iter().cloned().collect();
    if let Some((from, name)) = &case.copy_dir {
        copy_tree(from, &dir.join(name));
        declared.insert(name.clone());
    }
    for (name, bytes) in &case.inputs {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        if bytes.is_empty() && case.copy_dir.is_some() {
            let _ = std::fs::remove_file(&path);
        } else {
            std::fs::write(&path, bytes).unwrap();
        }
        declared.insert(name.split('/').next().unwrap_or(name).to_string());
    }
    let start = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_conductor"))
        .args(&case.args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("POLARS_MAX_THREADS", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    // Drain stderr on a thread so a long message cannot block the child.
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut pipe, &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no answer in {} s (a hang)", TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&reader.join().unwrap_or_default()).to_string();
    let short = stderr.chars().take(2000).collect::<String>();
    if stderr.contains("panicked") {
        return Err(format!("panicked:\n{short}"));
    }
    let Some(code) = status.code() else {
        return Err(format!(
            "killed by a signal ({status}): an abort or a crash\n{short}"
        ));
    };
    if code != 0 && code != 2 {
        return Err(format!("exit {code}\n{short}"));
    }
    if code == 2 && stderr.trim().is_empty() {
        return Err("exit 2 without a message".into());
    }
    // Nothing beside the declared outputs, and nothing half-written or locked left.
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !declared.contains(&name) {
            return Err(format!("created {name:?} beside its outputs\n{short}"));
        }
    }
    for file in walk(dir) {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".tmp") || name.ends_with(".lock") {
            return Err(format!("left {} behind\n{short}", file.display()));
        }
    }
    let message = stderr.lines().next().unwrap_or_default().to_string();
    Ok(Outcome {
        code,
        elapsed,
        message,
    })
}

#[test]
fn fuzzed_scenarios_logs_run_directories_and_arguments_exit_0_or_2_in_bounded_time_and_memory() {
    let root = tempfile::tempdir().unwrap();
    let corpus = Corpus::build(root.path());
    let inputs_before = walk(&root.path().join("inputs"));
    let seed = env_number("CONDUCTOR_FUZZ_SEED").unwrap_or(16);
    let cases: Vec<usize> = match env_number("CONDUCTOR_FUZZ_ONLY") {
        Some(i) => vec![i as usize],
        None => {
            (0..env_number("CONDUCTOR_FUZZ_CASES").map_or(DEFAULT_CASES, |n| n as usize)).collect()
        }
    };
    let next = AtomicUsize::new(0);
    let exits = [AtomicUsize::new(0), AtomicUsize::new(0)];
    let slowest: Mutex<(Duration, String)> = Mutex::new((Duration::ZERO, String::new()));
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for worker in 0..2 {
            let (next, exits, slowest, failures, corpus, cases) =
                (&next, &exits, &slowest, &failures, &corpus, &cases);
            let root = root.path();
            s.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&index) = cases.get(k) else { break };
                    if failures.lock().unwrap().len() >= 5 {
                        break;
                    }
                    let case = make_case(index, seed, corpus);
                    let dir = root.join(format!("case-{worker}"));
                    match run_case(&case, &dir) {
                        Ok(o) => {
                            if std::env::var_os("CONDUCTOR_FUZZ_VERBOSE").is_some() {
                                eprintln!("{} -> {} {}", case.what, o.code, o.message);
                            }
                            exits[usize::from(o.code == 2)].fetch_add(1, Ordering::Relaxed);
                            let mut slow = slowest.lock().unwrap();
                            if o.elapsed > slow.0 {
                                *slow = (o.elapsed, case.what.clone());
                            }
                        }
                        Err(why) => failures.lock().unwrap().push(format!(
                            "{} (CONDUCTOR_FUZZ_SEED={seed} CONDUCTOR_FUZZ_ONLY={index}):\n{why}",
                            case.what
                        )),
                    }
                    let _ = std::fs::remove_dir_all(&dir);
                    // Nothing may appear above the case folder either.
                    for entry in std::fs::read_dir(root).unwrap().flatten() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if name != "inputs" && !name.starts_with("case-") {
                            failures.lock().unwrap().push(format!(
                                "{}: created {name:?} outside its folder",
                                case.what
                            ));
                            let _ = std::fs::remove_dir_all(entry.path());
                            let _ = std::fs::remove_file(entry.path());
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} failing cases:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!(
        walk(&root.path().join("inputs")),
        inputs_before,
        "inputs untouched"
    );
    let (slow, what) = slowest.into_inner().unwrap();
    let [zero, two] = exits.map(AtomicUsize::into_inner);
    eprintln!(
        "fuzz: {} cases in {:.1} s (seed {seed}): {zero} exit 0, {two} exit 2; slowest {:.2} s: {what}",
        zero + two,
        started.elapsed().as_secs_f64(),
        slow.as_secs_f64()
    );
    assert_eq!(zero + two, cases.len());
}
