//! Parquet files as conductor writes them (run-directory tables and event logs): one set of
//! writer settings, and signed integer columns.

use std::io::Write;
use std::path::Path;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;

use super::{FileDigest, FileError, atomic_write, sha256_hex};

/// Rows per Parquet row group (small enough for row-group statistics to skip data).
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

/// A seed as the signed `seed` columns hold it. Seeds are bounded to `0..=i64::MAX` where
/// they are given (arguments, event logs), so the conversion never saturates in practice.
pub fn seed_column(seed: u64) -> i64 {
    i64::try_from(seed).unwrap_or(i64::MAX)
}

/// A version number as the signed `version` columns hold it (versions are bounded far below
/// `i32::MAX` where they are given).
pub fn version_column(version: u32) -> i32 {
    i32::try_from(version).unwrap_or(i32::MAX)
}

/// The Parquet settings of every table: zstd, format 2 pages, dictionary-encoded strings
/// and small integers, delta-encoded timestamps.
pub fn writer_properties() -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_2_0)
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("conductor {}", env!("CARGO_PKG_VERSION")));
    for col in ["ts", "gates_passed_at", "ended_at"] {
        b = b
            .set_column_dictionary_enabled(ColumnPath::from(col), false)
            .set_column_encoding(ColumnPath::from(col), Encoding::DELTA_BINARY_PACKED);
    }
    b.build()
}

/// [`writer_properties`], and no embedded Arrow schema: the files declare plain Parquet
/// types (UTF-8 strings, UTC timestamps), so every reader sees the same columns whatever
/// in-memory encoding built them (snapshot strings are dictionary-keyed in memory).
pub fn writer_options() -> ArrowWriterOptions {
    ArrowWriterOptions::new()
        .with_properties(writer_properties())
        .with_skip_arrow_metadata(true)
}

/// Writes one batch as a Parquet file, atomically (see [`super::atomic_write`]); returns the
/// file's size and SHA-256. The file is encoded in memory first (a part's files are a few
/// megabytes), so the digest is of exactly the bytes written.
pub fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<FileDigest, FileError> {
    let parquet = |e: parquet::errors::ParquetError| FileError::Parquet {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut bytes = Vec::new();
    let mut w = ArrowWriter::try_new_with_options(&mut bytes, batch.schema(), writer_options())
        .map_err(parquet)?;
    w.write(batch).map_err(parquet)?;
    w.close().map_err(parquet)?;
    atomic_write(path, |f| f.write_all(&bytes))?;
    Ok(FileDigest {
        bytes: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    })
}
