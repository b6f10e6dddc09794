//! Reading a run's tables into polars.
//!
//! arrow-rs, the crate that writes the files, reads them back: only the part files the
//! manifests list as complete (a part being written, or one a manifest does not list, is
//! never mixed in), only the columns asked for, in parallel, in part order. Each column is
//! then handed to polars through the [Arrow C data interface] without copying, so polars
//! needs no Parquet reader of its own (and with it no async runtime or cloud client: see
//! docs/performance.md, "Build time").
//!
//! Columns reach polars in the few types its default build knows: integers as `Int64`,
//! floats as `Float64`, timestamps as `Int64` milliseconds since the epoch (UTC), strings as
//! `String`, booleans as they are.
//!
//! [Arrow C data interface]: https://arrow.apache.org/docs/format/CDataInterface.html

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
};
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use polars::prelude::{Column, DataFrame, Series};
use rayon::prelude::*;

use super::ScanError;
use crate::dataset::RunDir;
use crate::dataset::read::catch_panic;

/// `columns` of `table` from every complete part of `runs` whose policy is in `policies`
/// (every policy when empty), in run then part order.
pub fn read_table(
    runs: &[RunDir],
    table: &str,
    columns: &[&str],
    policies: &[String],
) -> Result<DataFrame, ScanError> {
    let files: Vec<(PathBuf, Option<&RunDir>)> = runs
        .iter()
        .flat_map(|r| r.part_files(table).into_iter().map(move |f| (f, r)))
        .filter(|((policy, _), _)| policies.is_empty() || policies.contains(policy))
        .map(|((_, path), r)| (path, Some(r)))
        .collect();
    read_sources(&files, columns)
}

/// `columns` of the Parquet `files`, concatenated in the order given.
pub fn read_files(files: &[PathBuf], columns: &[&str]) -> Result<DataFrame, ScanError> {
    let files: Vec<(PathBuf, Option<&RunDir>)> = files.iter().map(|f| (f.clone(), None)).collect();
    read_sources(&files, columns)
}

/// `columns` of part files of `run`, each checked against the manifest
/// ([`RunDir::read_part`]), concatenated in the order given.
pub fn read_run_files(
    run: &RunDir,
    files: &[PathBuf],
    columns: &[&str],
) -> Result<DataFrame, ScanError> {
    let files: Vec<(PathBuf, Option<&RunDir>)> =
        files.iter().map(|f| (f.clone(), Some(run))).collect();
    read_sources(&files, columns)
}

/// `columns` of `files` (part files of a run when it is given), concatenated in order.
fn read_sources(
    files: &[(PathBuf, Option<&RunDir>)],
    columns: &[&str],
) -> Result<DataFrame, ScanError> {
    let batches: Vec<RecordBatch> = files
        .par_iter()
        .map(|(path, run)| read_file(path, *run, columns))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let dtype = batches
                    .first()
                    .map_or(DataType::Int64, |b| b.column(i).data_type().clone());
                Field::new(*name, dtype, true)
            })
            .collect::<Vec<_>>(),
    ));
    let whole = arrow_select::concat::concat_batches(&schema, &batches)
        .map_err(|e| ScanError::Query(format!("cannot join the part files: {e}")))?;
    let columns: Vec<Column> = columns
        .iter()
        .zip(whole.columns())
        .map(|(name, array)| to_polars(name, array).map(Column::from))
        .collect::<Result<_, _>>()?;
    Ok(DataFrame::new(whole.num_rows(), columns)?)
}

/// One file's `columns`, normalised (see the module docs). A part file of `run` is first
/// checked against its manifest ([`RunDir::read_part`]). A file that cannot be read, or
/// lacks a column, is an error naming it; a panic inside the Parquet reader (a corrupt file
/// it does not guard against) is caught and reported the same way.
fn read_file(
    path: &Path,
    run: Option<&RunDir>,
    columns: &[&str],
) -> Result<Vec<RecordBatch>, ScanError> {
    let bad = |reason: String| ScanError::Parquet {
        path: path.to_path_buf(),
        reason,
    };
    let file = match run {
        Some(run) => run.read_part(path)?,
        None => bytes::Bytes::from(std::fs::read(path).map_err(|e| bad(e.to_string()))?),
    };
    // Quietly: the panic is reported as this file's error, not printed as a crash.
    let read = catch_panic(|| -> Result<Vec<RecordBatch>, String> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())?;
        let fields = builder.schema().fields().clone();
        let mut indices = Vec::with_capacity(columns.len());
        for name in columns {
            let i = fields
                .iter()
                .position(|f| f.name() == name)
                .ok_or_else(|| format!("no column `{name}`"))?;
            indices.push(i);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
        let reader = builder
            .with_projection(mask)
            .build()
            .map_err(|e| e.to_string())?;
        // The projection keeps the file's column order; put them in the order asked for.
        let mut sorted = indices.clone();
        sorted.sort_unstable();
        let order: Vec<usize> = indices
            .iter()
            .map(|i| sorted.iter().position(|s| s == i).unwrap_or(0))
            .collect();
        let mut out = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| e.to_string())?;
            let cols: Vec<ArrayRef> = order
                .iter()
                .map(|&k| normalise(batch.column(k)))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            let fields: Vec<Field> = columns
                .iter()
                .zip(&cols)
                .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
                .collect();
            out.push(
                RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
                    .map_err(|e| e.to_string())?,
            );
        }
        Ok(out)
    });
    match read {
        Ok(Ok(batches)) => Ok(batches),
        Ok(Err(reason)) => Err(bad(reason)),
        Err(_) => Err(bad("the file is corrupt (the Parquet reader failed)".into())),
    }
}

/// The column in a type polars' default build imports (see the module docs).
fn normalise(array: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    fn widen<T: arrow_array::ArrowPrimitiveType>(a: &ArrayRef) -> ArrayRef
    where
        T::Native: Into<i64>,
    {
        let a = a.as_primitive::<T>();
        Arc::new(a.unary::<_, Int64Type>(Into::into))
    }
    Ok(match array.data_type() {
        DataType::Int8 => widen::<Int8Type>(array),
        DataType::Int16 => widen::<Int16Type>(array),
        DataType::Int32 => widen::<Int32Type>(array),
        DataType::UInt8 => widen::<UInt8Type>(array),
        DataType::UInt16 => widen::<UInt16Type>(array),
        DataType::UInt32 => widen::<UInt32Type>(array),
        DataType::Float32 => Arc::new(
            array
                .as_primitive::<Float32Type>()
                .unary::<_, arrow_array::types::Float64Type>(f64::from),
        ),
        // The same 64-bit values, read as plain integers (milliseconds, as the files hold).
        DataType::Timestamp(_, _) => {
            let data = array
                .to_data()
                .into_builder()
                .data_type(DataType::Int64)
                .build()?;
            Arc::new(Int64Array::from(data))
        }
        DataType::Int64 | DataType::Float64 | DataType::Utf8 | DataType::Boolean => array.clone(),
        // No conductor table holds anything else: a damaged or foreign file, named by the
        // caller (polars would otherwise fail later on mixed types, naming no file).
        other => {
            return Err(ArrowError::SchemaError(format!(
                "a column of type {other}, which no conductor table holds"
            )));
        }
    })
}

// The arrow-rs and polars-arrow definitions of the C data interface's two structs are the
// same `#[repr(C)]` layout (the interface's ABI); `to_polars` moves one into the other.
const _: () = {
    use std::mem::size_of;
    assert!(
        size_of::<arrow_array::ffi::FFI_ArrowArray>() == size_of::<polars_arrow::ffi::ArrowArray>()
    );
    assert!(
        size_of::<arrow_array::ffi::FFI_ArrowSchema>()
            == size_of::<polars_arrow::ffi::ArrowSchema>()
    );
};

/// An arrow-rs column as a polars series, sharing its buffers.
fn to_polars(name: &str, array: &ArrayRef) -> Result<Series, ScanError> {
    let ffi = |e: ArrowError| ScanError::Query(format!("column `{name}`: {e}"));
    let (array, schema) = arrow_array::ffi::to_ffi(&array.to_data()).map_err(ffi)?;
    // SAFETY: both crates declare these structs as the C data interface defines them (the
    // sizes are asserted above), so the values are valid for polars-arrow. The transmutes
    // move ownership: polars-arrow now calls the producer's `release` callbacks, and the
    // arrow-rs values are not dropped.
    let (array, schema): (
        polars_arrow::ffi::ArrowArray,
        polars_arrow::ffi::ArrowSchema,
    ) = unsafe {
        (
            std::mem::transmute::<arrow_array::ffi::FFI_ArrowArray, polars_arrow::ffi::ArrowArray>(
                array,
            ),
            std::mem::transmute::<arrow_array::ffi::FFI_ArrowSchema, polars_arrow::ffi::ArrowSchema>(
                schema,
            ),
        )
    };
    // SAFETY: `schema` and `array` were exported together by arrow-rs just above.
    let imported = unsafe {
        let field = polars_arrow::ffi::import_field_from_c(&schema)?;
        polars_arrow::ffi::import_array_from_c(array, field.dtype().clone())?
    };
    Ok(Series::from_arrow(name.into(), imported)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BooleanArray, Float32Array, Float64Array, StringArray, TimestampMillisecondArray,
        UInt16Array,
    };

    #[test]
    fn every_column_type_of_a_run_reaches_polars_with_its_values_and_nulls() {
        let cases: Vec<(ArrayRef, &str)> = vec![
            (
                Arc::new(StringArray::from(vec![Some("x"), None, Some("zz")])),
                "[\"x\", null, \"zz\"]",
            ),
            (
                Arc::new(UInt16Array::from(vec![Some(7u16), None, Some(65535)])),
                "[7, null, 65535]",
            ),
            (
                Arc::new(Float32Array::from(vec![Some(0.5f32), None, Some(2.0)])),
                "[0.5, null, 2.0]",
            ),
            (
                Arc::new(Float64Array::from(vec![Some(1.25), None, Some(-3.0)])),
                "[1.25, null, -3.0]",
            ),
            (
                Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
                "[true, null, false]",
            ),
            (
                Arc::new(
                    TimestampMillisecondArray::from(vec![Some(1_700_000_000_000), None, Some(0)])
                        .with_timezone("UTC"),
                ),
                "[1700000000000, null, 0]",
            ),
        ];
        for (array, expected) in cases {
            let s = to_polars("c", &normalise(&array).unwrap()).unwrap();
            let values: Vec<String> = (0..s.len())
                .map(|i| match s.get(i).unwrap() {
                    polars::prelude::AnyValue::Null => "null".to_string(),
                    polars::prelude::AnyValue::String(v) => format!("{v:?}"),
                    v => v.to_string(),
                })
                .collect();
            assert_eq!(
                format!("[{}]", values.join(", ")),
                expected,
                "{:?}",
                array.data_type()
            );
        }
    }
}
