//! Reading event logs: CSV, JSON Lines or Parquet, chosen by the file's extension.
//!
//! Every malformed row is an error naming its line and the reason (or, with `--lenient`, a
//! skipped row); a file that cannot be read as a whole (missing, corrupt, truncated Parquet,
//! a missing column) is one error naming the file. Nothing here panics on bad bytes.
//!
//! The file is opened once and read whole ([`read_bytes`]), so a named pipe works, and the
//! bytes that were parsed are the bytes whose SHA-256 a run directory records.

use std::fs;
use std::path::Path;
use std::str::FromStr;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use jiff::Timestamp;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{Kind, LogError, ReadOptions, Row, Skipped};
use crate::files::catch_panic;
use crate::scenario::limits::{FIRST_DATE, LAST_DATE, MAX_SEED};

/// The columns of an event log, required ones first.
pub const COLUMNS: [&str; 7] = ["ts", "version", "platform", "kind", "seed", "ref", "value"];
const REQUIRED: usize = 4;

/// A log's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The format a file name's extension says.
    pub fn of(path: &Path) -> Result<Format, LogError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => Ok(Format::Csv),
            "jsonl" | "ndjson" | "json" => Ok(Format::JsonLines),
            "parquet" | "pq" => Ok(Format::Parquet),
            _ => Err(LogError::File {
                file: path.to_path_buf(),
                reason: format!(
                    "unknown event log format {ext:?}: name the file .csv, .jsonl or .parquet"
                ),
            }),
        }
    }
}

/// The fields of one row, as text (Parquet cells are turned into text first, so every
/// format is checked by the same code).
#[derive(Debug, Default)]
struct Fields {
    ts: Option<String>,
    version: Option<String>,
    platform: Option<String>,
    kind: Option<String>,
    seed: Option<String>,
    reference: Option<String>,
    value: Option<String>,
}

/// The bytes of the log at `path`, read through one open (a named pipe can be read once).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, LogError> {
    Format::of(path)?;
    fs::read(path).map_err(|e| LogError::File {
        file: path.to_path_buf(),
        reason: format!("cannot read the event log: {e}"),
    })
}

/// Parses the `bytes` of the log `path` (its extension names the format).
pub fn parse(
    path: &Path,
    bytes: Vec<u8>,
    opts: ReadOptions,
) -> Result<(Vec<Row>, Vec<Skipped>), LogError> {
    let file_error = |reason: String| LogError::File {
        file: path.to_path_buf(),
        reason,
    };
    let raw = match Format::of(path)? {
        Format::Csv => csv_fields(&bytes).map_err(file_error)?,
        Format::JsonLines => json_fields(&bytes),
        Format::Parquet => {
            // The Parquet reader is not ours; a corrupt file must still be an error, never a
            // crash, so a panic inside it is caught (quietly) and reported like any other.
            let bytes = bytes::Bytes::from(bytes);
            match catch_panic(|| parquet_fields(bytes)) {
                Ok(r) => r.map_err(file_error)?,
                Err(panic) => {
                    return Err(file_error(format!("corrupt Parquet file ({panic})")));
                }
            }
        }
    };
    let mut rows = Vec::with_capacity(raw.len());
    let mut skipped = Vec::new();
    for (line, fields) in raw {
        match fields.and_then(parse_row) {
            Ok(mut row) => {
                row.line = line;
                rows.push(row);
            }
            // Every bad row is collected: under --lenient to skip it, otherwise to report them
            // all at once.
            Err(reason) => skipped.push(Skipped { line, reason }),
        }
    }
    if !opts.lenient && !skipped.is_empty() {
        return Err(LogError::rows(path, skipped));
    }
    Ok((rows, skipped))
}

type RawRows = Vec<(u64, Result<Fields, String>)>;

/// `text` as an instant: RFC 3339 with an offset (what conductor writes), or one of the forms
/// git prints: `--date=iso` (`2026-01-09 10:00:00 +0100`), `--date=default`
/// (`Fri Jan 9 10:00:00 2026 +0100`) or `--date=rfc` (RFC 2822). Every form carries its
/// offset; a time without one is refused rather than guessed.
fn timestamp(text: &str) -> Option<Timestamp> {
    if let Ok(ts) = Timestamp::from_str(text) {
        return Some(ts);
    }
    const GIT: [&str; 2] = ["%Y-%m-%d %H:%M:%S %z", "%a %b %e %H:%M:%S %Y %z"];
    // git pads nothing in its default format (`Jan 9`); collapse runs of spaces so that
    // `%e` sees one form.
    let single: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    GIT.iter()
        .find_map(|f| Timestamp::strptime(f, &single).ok())
        .or_else(|| jiff::fmt::rfc2822::parse(text).ok().map(|z| z.timestamp()))
}

fn parse_row(f: Fields) -> Result<Row, String> {
    let need = |v: Option<String>, name: &str| -> Result<String, String> {
        match v {
            Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(format!("missing {name}")),
        }
    };
    let ts_text = need(f.ts, "ts")?;
    let ts = timestamp(&ts_text).ok_or_else(|| {
        format!(
            "bad timestamp {ts_text:?}: expected RFC 3339 with an offset \
             (2026-01-09T10:00:00+01:00) or a time as git prints it \
             (2026-01-09 10:00:00 +0100, Fri Jan 9 10:00:00 2026 +0100, or RFC 2822)"
        )
    })?;
    let date = ts.to_zoned(jiff::tz::TimeZone::UTC).date();
    if !(FIRST_DATE..=LAST_DATE).contains(&date) {
        return Err(format!(
            "timestamp {ts_text:?} out of range: an event log holds times from {FIRST_DATE} to {LAST_DATE}"
        ));
    }
    let label = need(f.version, "version")?;
    if let Some(reason) = crate::model::label_error(&label) {
        return Err(reason);
    }
    let platform = need(f.platform, "platform")?;
    let kind_text = need(f.kind, "kind")?;
    let kind = Kind::parse(&kind_text).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind {kind_text:?} (known: {})", known.join(", "))
    })?;
    let seed = match f.seed.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|seed| *seed <= MAX_SEED)
            .ok_or_else(|| {
                format!("bad seed {s:?}: expected a whole number from 0 to {MAX_SEED}")
            })?,
    };
    let reference = f
        .reference
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let value = match f.value.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => return Err(format!("bad value {s:?}: expected a number")),
        },
    };
    Ok(Row {
        line: 0,
        ts,
        seed,
        version: 0,
        label,
        platform,
        kind,
        reference,
        value,
    })
}

fn csv_fields(bytes: &[u8]) -> Result<RawRows, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        format!("line {line}: not valid UTF-8")
    })?;
    let mut records = csv_records(text.as_bytes());
    let names: Vec<String> = match records.next() {
        None if text.is_empty() => return Err("empty file: no header row".to_string()),
        Some((1, header)) => header
            .map_err(|e| format!("cannot read the CSV header: {e}"))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect(),
        // The first line is blank (the reader skipped it): a header with no names.
        _ => vec![String::new()],
    };
    let index = column_indices(&names)?;
    let mut out = Vec::new();
    for (line, record) in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.push((line, Err(e)));
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != names.len() {
            out.push((
                line,
                Err(format!(
                    "{} fields, but the header has {} (a truncated or split row?)",
                    record.len(),
                    names.len()
                )),
            ));
            continue;
        }
        let get = |i: Option<usize>| i.map(|i| record[i].clone());
        out.push((
            line,
            Ok(Fields {
                ts: get(index[0]),
                version: get(index[1]),
                platform: get(index[2]),
                kind: get(index[3]),
                seed: get(index[4]),
                reference: get(index[5]),
                value: get(index[6]),
            }),
        ));
    }
    Ok(out)
}

/// The csv crate's reader as logs are read: records end at LF (a CR before it is stripped
/// from the field, so CRLF files read the same), any number of fields per record (a wrong
/// count is that row's error) and no header handling (the first record is the header).
fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(bytes)
}

/// The records of RFC 4180 CSV `bytes` (quoted fields may hold commas, `""` quotes and line
/// breaks), each with the line it starts on (1-based). Blank lines are skipped.
fn csv_records(bytes: &[u8]) -> impl Iterator<Item = (u64, Result<Vec<String>, String>)> + '_ {
    let mut reader = csv_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let start = reader.position().clone();
        let at = usize::try_from(start.byte())
            .unwrap_or(bytes.len())
            .min(bytes.len());
        // The position is where the reader started looking: blank lines it skips come first.
        let blank = bytes[at..].iter().take_while(|b| **b == b'\n').count() as u64;
        let line = start.line() + blank;
        match reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let fields = record
                    .iter()
                    .map(|f| f.trim_end_matches('\r').to_string())
                    .collect();
                let last = reader.position().byte() >= bytes.len() as u64;
                if last && ends_in_open_quote(&bytes[at..]) {
                    return Some((line, Err("a quoted field never closes".to_string())));
                }
                Some((line, Ok(fields)))
            }
            Err(e) => {
                // Not expected (the text is UTF-8 and any field count is read); stop there.
                failed = true;
                Some((line, Err(format!("unreadable CSV: {e}"))))
            }
        }
    })
}

/// True when `tail`, the file's last record, ends inside a quoted field, as a file cut short
/// does. The csv crate reads such a field to the end of the file without complaint; the quote
/// is open exactly when closing it (a quote and a line end) reads the same records.
fn ends_in_open_quote(tail: &[u8]) -> bool {
    let records = |b: &[u8]| -> Vec<csv::ByteRecord> {
        csv_reader(b)
            .byte_records()
            .filter_map(Result::ok)
            .collect()
    };
    records(tail) == records(&[tail, b"\"\n"].concat())
}

/// Where each known column sits among `names`; errors when a required one is missing.
fn column_indices(names: &[String]) -> Result<[Option<usize>; 7], String> {
    let index = COLUMNS.map(|c| names.iter().position(|n| n == c));
    if let Some(missing) = COLUMNS[..REQUIRED]
        .iter()
        .zip(&index)
        .find(|(_, i)| i.is_none())
    {
        return Err(format!(
            "no column `{}` (the file has: {}; an event log needs ts, version, platform and kind)",
            missing.0,
            names.join(", ")
        ));
    }
    Ok(index)
}

fn json_fields(bytes: &[u8]) -> RawRows {
    let mut out = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        let Ok(text) = std::str::from_utf8(line) else {
            out.push((line_no, Err("not valid UTF-8".into())));
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        out.push((line_no, json_row(text)));
    }
    out
}

fn json_row(text: &str) -> Result<Fields, String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("not a JSON object: {e} (a truncated line?)"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| "not a JSON object".to_string())?;
    let get = |name: &str| -> Option<String> {
        match obj.get(name)? {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    };
    Ok(Fields {
        ts: get("ts"),
        version: get("version"),
        platform: get("platform"),
        kind: get("kind"),
        seed: get("seed"),
        reference: get("ref"),
        value: get("value"),
    })
}

fn parquet_fields(bytes: bytes::Bytes) -> Result<RawRows, String> {
    let bad = |e: parquet::errors::ParquetError| format!("not a readable Parquet file: {e}");
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(bad)?;
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let index = column_indices(&names)?;
    let reader = builder.build().map_err(bad)?;
    let mut out = Vec::new();
    let mut line = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| format!("not a readable Parquet file: {e}"))?;
        let cols: Vec<Option<Vec<Option<String>>>> = index
            .iter()
            .map(|i| i.map(|i| texts(&batch, i)).transpose())
            .collect::<Result<_, _>>()?;
        for r in 0..batch.num_rows() {
            line += 1;
            let get = |c: usize| cols[c].as_ref().and_then(|v| v[r].clone());
            out.push((
                line,
                Ok(Fields {
                    ts: get(0),
                    version: get(1),
                    platform: get(2),
                    kind: get(3),
                    seed: get(4),
                    reference: get(5),
                    value: get(6),
                }),
            ));
        }
    }
    Ok(out)
}

/// Column `i` of `batch` as text: strings as they are, numbers in Rust's shortest form,
/// timestamps as RFC 3339.
fn texts(batch: &RecordBatch, i: usize) -> Result<Vec<Option<String>>, String> {
    let col: &ArrayRef = batch.column(i);
    let name = batch.schema().field(i).name().clone();
    let n = col.len();
    let each = |f: &dyn Fn(usize) -> String| -> Vec<Option<String>> {
        (0..n).map(|r| (!col.is_null(r)).then(|| f(r))).collect()
    };
    Ok(match col.data_type() {
        DataType::Utf8 => each(&|r| col.as_string::<i32>().value(r).to_string()),
        DataType::LargeUtf8 => each(&|r| col.as_string::<i64>().value(r).to_string()),
        DataType::Utf8View => each(&|r| col.as_string_view().value(r).to_string()),
        DataType::Dictionary(_, v) if **v == DataType::Utf8 => {
            let dict = col.as_any_dictionary();
            let values = dict.values().as_string::<i32>();
            let keys = dict.normalized_keys();
            each(&|r| values.value(keys[r]).to_string())
        }
        DataType::Int8 => each(&|r| col.as_primitive::<Int8Type>().value(r).to_string()),
        DataType::Int16 => each(&|r| col.as_primitive::<Int16Type>().value(r).to_string()),
        DataType::Int32 => each(&|r| col.as_primitive::<Int32Type>().value(r).to_string()),
        DataType::Int64 => each(&|r| col.as_primitive::<Int64Type>().value(r).to_string()),
        DataType::UInt8 => each(&|r| col.as_primitive::<UInt8Type>().value(r).to_string()),
        DataType::UInt16 => each(&|r| col.as_primitive::<UInt16Type>().value(r).to_string()),
        DataType::UInt32 => each(&|r| col.as_primitive::<UInt32Type>().value(r).to_string()),
        DataType::UInt64 => each(&|r| col.as_primitive::<UInt64Type>().value(r).to_string()),
        DataType::Float32 => each(&|r| {
            col.as_primitive::<arrow_array::types::Float32Type>()
                .value(r)
                .to_string()
        }),
        DataType::Float64 => each(&|r| {
            col.as_primitive::<arrow_array::types::Float64Type>()
                .value(r)
                .to_string()
        }),
        DataType::Timestamp(unit, _) => return Ok(timestamps(col, *unit)),
        other => {
            return Err(format!(
                "column `{name}` has type {other}, which an event log cannot hold"
            ));
        }
    })
}

fn timestamps(col: &ArrayRef, unit: TimeUnit) -> Vec<Option<String>> {
    use arrow_array::types::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    let nanos = |r: usize| -> i128 {
        match unit {
            TimeUnit::Second => {
                i128::from(col.as_primitive::<TimestampSecondType>().value(r)) * 1_000_000_000
            }
            TimeUnit::Millisecond => {
                i128::from(col.as_primitive::<TimestampMillisecondType>().value(r)) * 1_000_000
            }
            TimeUnit::Microsecond => {
                i128::from(col.as_primitive::<TimestampMicrosecondType>().value(r)) * 1_000
            }
            TimeUnit::Nanosecond => {
                i128::from(col.as_primitive::<TimestampNanosecondType>().value(r))
            }
        }
    };
    (0..col.len())
        .map(|r| {
            (!col.is_null(r)).then(|| {
                // Out of range: left as text that fails to parse, so the row names it.
                Timestamp::from_nanosecond(nanos(r))
                    .map_or_else(|_| format!("{} ns", nanos(r)), |t| t.to_string())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_rfc_3339_and_as_git_prints_them_are_the_same_instant() {
        let at = "2024-03-01T09:22:05Z".parse::<Timestamp>().unwrap();
        for text in [
            "2024-03-01T10:22:05+01:00",
            "2024-03-01 10:22:05 +0100",
            "Fri Mar 1 10:22:05 2024 +0100",
            "Fri Mar  1 10:22:05 2024 +0100",
            "Fri, 1 Mar 2024 10:22:05 +0100",
            "2024-03-01 04:22:05 -0500",
        ] {
            assert_eq!(timestamp(text), Some(at), "{text}");
        }
        // A time without an offset is not guessed.
        for text in [
            "2024-03-01 10:22:05",
            "Fri Mar 1 10:22:05 2024",
            "1709284925",
            "",
        ] {
            assert_eq!(timestamp(text), None, "{text}");
        }
    }

    #[test]
    fn rows_parse_and_bad_fields_say_why() {
        let ok = Fields {
            ts: Some("2026-01-09T10:00:00+01:00".into()),
            version: Some("3".into()),
            platform: Some("ios".into()),
            kind: Some("rollout".into()),
            value: Some("1".into()),
            ..Fields::default()
        };
        let row = parse_row(ok).unwrap();
        assert_eq!(row.ts, "2026-01-09T09:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(
            (row.label.as_str(), row.seed, row.value),
            ("3", 0, Some(1.0))
        );
        let bad = |f: Fields| parse_row(f).unwrap_err();
        let base = || Fields {
            ts: Some("2026-01-09T10:00:00Z".into()),
            version: Some("3".into()),
            platform: Some("ios".into()),
            kind: Some("paused".into()),
            ..Fields::default()
        };
        assert!(
            bad(Fields {
                ts: Some("2026-01-09 10:00".into()),
                ..base()
            })
            .starts_with("bad timestamp")
        );
        assert!(
            bad(Fields {
                ts: Some("2026-01-09T10:00:00".into()),
                ..base()
            })
            .starts_with("bad timestamp")
        );
        assert!(
            bad(Fields {
                kind: Some("launched".into()),
                ..base()
            })
            .starts_with("unknown kind \"launched\"")
        );
        assert!(
            bad(Fields {
                version: Some("4.1 beta".into()),
                ..base()
            })
            .starts_with("bad version")
        );
        assert!(
            bad(Fields {
                value: Some("lots".into()),
                ..base()
            })
            .starts_with("bad value")
        );
        assert_eq!(
            bad(Fields {
                platform: None,
                ..base()
            }),
            "missing platform"
        );
    }

    #[test]
    fn csv_reports_short_rows_and_missing_columns() {
        let text = "ts,version,platform,kind\n2026-01-09T10:00:00Z,0,ios,branch_cut\n2026-01-09T1";
        let rows = csv_fields(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        assert!(
            rows[1]
                .1
                .as_ref()
                .unwrap_err()
                .contains("1 fields, but the header has 4")
        );
        let missing = csv_fields(b"ts,version,kind\n").unwrap_err();
        assert!(missing.starts_with("no column `platform`"), "{missing}");
    }

    #[test]
    fn csv_quotes_and_line_numbers() {
        let text = "a,b\r\n\"x, \"\"y\"\"\",2\r\n\"multi\nline\",3\nlast,4";
        let records: Vec<_> = csv_records(text.as_bytes()).collect();
        assert_eq!(records.len(), 4);
        assert_eq!(
            records[1],
            (2, Ok(vec!["x, \"y\"".to_string(), "2".to_string()]))
        );
        assert_eq!(
            records[2],
            (3, Ok(vec!["multi\nline".to_string(), "3".to_string()]))
        );
        assert_eq!(records[3].0, 5);
        let open: Vec<_> = csv_records(b"a,\"b").collect();
        assert!(open[0].1.is_err());
    }

    #[test]
    fn csv_open_quotes_and_blank_lines() {
        let lines = |text: &str| -> Vec<(u64, Result<Vec<String>, String>)> {
            csv_records(text.as_bytes()).collect()
        };
        // Blank lines are skipped; the records after them keep their own line numbers.
        let records = lines("a,b\n\n\r\nc,d\n\n\"e\nf\",g\n");
        let starts: Vec<u64> = records.iter().map(|r| r.0).collect();
        assert_eq!(starts, [1, 3, 4, 6]);
        assert_eq!(records[1].1, Ok(vec![String::new()]));
        // A quote left open at the end is an error; a closed one, or an empty last field,
        // is not.
        for open in ["a,\"b", "a,\"b\nc", "\"", "a,\"b\"\"", "a\n\"b,c"] {
            assert_eq!(
                lines(open).last().unwrap().1,
                Err("a quoted field never closes".to_string()),
                "{open:?}"
            );
        }
        for closed in ["a,\"b\"", "a,", "a,b\"", "a,\"\"", "a,\"b\"\n", "a,b\r\n"] {
            assert!(lines(closed).iter().all(|r| r.1.is_ok()), "{closed:?}");
        }
        // A file that starts with a blank line has no header names.
        let blank_header = csv_fields(b"\nts,version,platform,kind\n").unwrap_err();
        assert!(blank_header.starts_with("no column `ts`"), "{blank_header}");
        assert_eq!(csv_fields(b"").unwrap_err(), "empty file: no header row");
    }

    #[test]
    fn corrupt_parquet_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("a.parquet", &b"PAR1 not really"[..]),
            ("b.parquet", &[][..]),
        ] {
            let path = dir.path().join(name);
            fs::write(&path, bytes).unwrap();
            let bytes = read_bytes(&path).unwrap();
            assert!(parse(&path, bytes, ReadOptions::default()).is_err());
        }
    }
}
