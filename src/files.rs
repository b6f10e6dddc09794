//! Files conductor writes and reads: every output file goes through [`atomic_write`] (a
//! reader never sees half a file; devices and pipes are written in place; links are
//! followed), Parquet files share one set of writer settings ([`parquet`]), written files
//! are identified by their size and SHA-256 ([`FileDigest`]), and code that is not ours and
//! may panic on bad bytes runs inside [`catch_panic`].

pub mod parquet;
mod write;

use std::cell::Cell;
use std::io;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Once;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use write::{atomic_write, is_temporary_of};

/// Why a file could not be written. Fatal for the command; the target is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A file-system operation failed. The message names the path; the cause is the
    /// error's source (printed after it in the cause chain).
    #[error("{}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// An output path that cannot be written as asked (a directory, a dangling link).
    #[error("{}: cannot write here: {reason}", path.display())]
    Refused {
        /// The path given.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Arrow or Parquet failed to encode (a bug, or a file system failure underneath).
    #[error("{}: cannot write Parquet: {reason}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        reason: String,
    },
}

impl FileError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: io::Error) -> Self {
        FileError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What a file held when it was written: its size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDigest {
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

thread_local! {
    /// How many [`catch_panic`] calls are running on this thread.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`, turning a panic inside it into `Err(message)`, without the panic printing
/// anything (the caller reports it as an error of its own).
///
/// For code that is not ours and may panic on bad bytes: arrow-rs's Parquet reader asserts
/// on some corrupt footers ("column start and length should not be negative"). A process-wide
/// panic hook, installed once, stays silent while the panicking thread is inside
/// `catch_panic` and defers to the previous hook everywhere else, so a real bug still prints.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the Parquet reader failed".into())
    })
}
