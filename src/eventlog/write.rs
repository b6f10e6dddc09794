//! Writing event logs: the history of simulated runs in the format `replay` reads.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use jiff::Timestamp;

use super::read::Format;
use super::{LogError, LogEvent};
use crate::engine::RunResult;
use crate::files::parquet::{seed_column, version_column, write_parquet};
use crate::files::{FileError, atomic_write};
use crate::scenario::Scenario;
use crate::text::csv;

/// One row to write.
struct Out<'a> {
    seed: u64,
    version: u32,
    platform: &'a str,
    event: &'a LogEvent,
}

/// Writes the history of `runs` (every track's events, by seed, version and platform, each
/// track's rows in the order they happened) to `path`, atomically, in the format its
/// extension names. Returns the number of rows.
pub fn write(path: &Path, scenario: &Scenario, runs: &[RunResult]) -> Result<usize, LogError> {
    let format = Format::of(path)?;
    let mut rows = Vec::new();
    for run in runs {
        let mut tracks: Vec<_> = run.tracks.iter().collect();
        tracks.sort_by_key(|t| (t.version, t.platform));
        for t in tracks {
            for event in &t.events {
                rows.push(Out {
                    seed: run.seed,
                    version: t.version,
                    platform: &scenario.platforms[t.platform].name,
                    event,
                });
            }
        }
    }
    rows.sort_by_key(|r| r.seed);
    let zone = scenario.release_squad.time_zone().clone();
    let stamp = |t: Timestamp| {
        t.to_zoned(zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    };
    let failed = |source: FileError| LogError::Write {
        file: path.to_path_buf(),
        source,
    };
    match format {
        Format::Csv => atomic_write(path, |f| {
            let mut w = csv::writer(f);
            let header = ["ts", "seed", "version", "platform", "kind", "ref", "value"];
            w.write_record(header).map_err(csv::io_error)?;
            for r in &rows {
                w.write_record([
                    stamp(r.event.at),
                    r.seed.to_string(),
                    r.version.to_string(),
                    r.platform.to_string(),
                    r.event.kind.as_str().to_string(),
                    r.event.reference.text().unwrap_or_default(),
                    r.event.value.map(|v| v.to_string()).unwrap_or_default(),
                ])
                .map_err(csv::io_error)?;
            }
            w.flush()
        })
        .map_err(failed)?,
        Format::JsonLines => atomic_write(path, |f| {
            for r in &rows {
                let mut obj = serde_json::Map::new();
                obj.insert("ts".into(), stamp(r.event.at).into());
                obj.insert("seed".into(), r.seed.into());
                obj.insert("version".into(), r.version.into());
                obj.insert("platform".into(), r.platform.into());
                obj.insert("kind".into(), r.event.kind.as_str().into());
                if let Some(text) = r.event.reference.text() {
                    obj.insert("ref".into(), text.into());
                }
                if let Some(v) = r.event.value {
                    obj.insert("value".into(), v.into());
                }
                serde_json::to_writer(&mut *f, &obj)?;
                writeln!(f)?;
            }
            Ok(())
        })
        .map_err(failed)?,
        Format::Parquet => {
            let batch = batch(&rows).map_err(|e| LogError::File {
                file: path.to_path_buf(),
                reason: format!("cannot encode the event log: {e}"),
            })?;
            write_parquet(path, &batch).map_err(failed)?;
        }
    }
    Ok(rows.len())
}

fn batch(rows: &[Out]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let schema = Schema::new(vec![
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        ),
        Field::new("seed", DataType::Int64, false),
        Field::new("version", DataType::Int32, false),
        Field::new("platform", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("ref", DataType::Utf8, true),
        Field::new("value", DataType::Float64, true),
    ]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(
            TimestampMillisecondArray::from(
                rows.iter()
                    .map(|r| r.event.at.as_millisecond())
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        Arc::new(Int64Array::from(
            rows.iter().map(|r| seed_column(r.seed)).collect::<Vec<_>>(),
        )),
        Arc::new(Int32Array::from(
            rows.iter()
                .map(|r| version_column(r.version))
                .collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.platform).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|r| r.event.kind.as_str())
                .collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|r| r.event.reference.text())
                .collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.event.value).collect::<Vec<_>>(),
        )),
    ];
    RecordBatch::try_new(Arc::new(schema), cols)
}
