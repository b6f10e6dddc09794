//! Writing an output file the user named (`-o`, `--out`, `--junit`, `--markdown`,
//! `--event-log`, `--write-baseline`, charts) and every file of a run directory, so that a
//! reader never sees half a file and nothing but the named file changes (docs/formats.md,
//! "Output files"):
//!
//! - **absent or a regular file**: written to a hidden temporary file in the same folder,
//!   synced, then renamed over the target, which keeps an existing file's permissions (the
//!   temporary name, `.NAME.PID-N.tmp`, is this process's and this write's alone). On
//!   failure the temporary file is removed and the target is untouched;
//! - **a symbolic link**: followed. The file it points to is replaced as above (the link
//!   stays a link), or written in place when it is a device or pipe; a link to nothing is
//!   refused (a new file would appear wherever the link points);
//! - **a device, FIFO or socket** (`/dev/null`, `/dev/stdout`, a named pipe): written in
//!   place, never replaced (as root, replacing `/dev/null` with a regular file would break
//!   the machine);
//! - **a directory**: refused.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::FileError;

/// Writes `path` by the rules of the module docs: `write` fills the file through a buffer.
pub fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), FileError> {
    let target = resolve(path)?;
    let io = |e: io::Error| FileError::io(path, e);
    match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => Err(FileError::Refused {
            path: path.to_path_buf(),
            reason: "is a directory".into(),
        }),
        Ok(meta) if !meta.is_file() => write_in_place(&target, write).map_err(io),
        Ok(meta) => replace(&target, Some(meta.permissions()), write).map_err(io),
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(&target, None, write).map_err(io),
        Err(e) => Err(io(e)),
    }
}

/// The file `path` names: itself, or the end of its chain of symbolic links.
fn resolve(path: &Path) -> Result<PathBuf, FileError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(|e| FileError::Refused {
                path: path.to_path_buf(),
                reason: format!(
                    "is a symbolic link to nothing that can be written ({e}); point it at a file or remove it"
                ),
            })
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// Through a temporary file renamed over `path`.
fn replace(
    path: &Path,
    permissions: Option<fs::Permissions>,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temporary_path(path);
    let result = (|| {
        let mut f = BufWriter::new(File::create(&tmp)?);
        write(&mut f)?;
        let file = f.into_inner().map_err(|e| e.into_error())?;
        file.sync_data()?;
        if let Some(p) = permissions {
            file.set_permissions(p)?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Into the device, pipe or socket `path` as it is (no temporary file, no sync: a device
/// has nothing to sync and `/dev/null` refuses it).
fn write_in_place(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut f = BufWriter::new(OpenOptions::new().write(true).open(path)?);
    write(&mut f)?;
    f.flush()
}

/// The hidden temporary name of `path` in its own folder: `.NAME.PID-N.tmp`, unique to this
/// process and write, so that two writers of one file (the shards of a run writing its
/// `scenario.toml` at once) never write into each other's temporary file.
fn temporary_path(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()))
}

/// Whether `file` is a temporary file of [`atomic_write`] for the file named `name`.
pub fn is_temporary_of(file: &str, name: &str) -> bool {
    file.strip_prefix('.')
        .and_then(|f| f.strip_prefix(name))
        .is_some_and(|rest| rest.starts_with('.') && rest.ends_with(".tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn write_text(path: &Path, text: &str) -> Result<(), FileError> {
        atomic_write(path, |f| f.write_all(text.as_bytes()))
    }

    #[test]
    fn a_regular_file_is_replaced_keeping_its_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_text(&path, "one").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_text(&path, "two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporaries"
        );
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.txt");
        symlink(&real, &link).unwrap();
        write_text(&link, "new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        let dangling = dir.path().join("dangling.txt");
        symlink(dir.path().join("nowhere/x"), &dangling).unwrap();
        let e = write_text(&dangling, "x").unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
    }

    #[test]
    fn a_device_is_written_in_place_and_a_directory_refused() {
        write_text(Path::new("/dev/null"), "discarded").unwrap();
        assert!(
            !fs::metadata("/dev/null").unwrap().is_file(),
            "/dev/null is still a device"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = write_text(dir.path(), "x").unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
    }

    #[test]
    fn a_failed_write_leaves_the_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.txt");
        fs::write(&path, "keep").unwrap();
        let e = atomic_write(&path, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(e.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "keep");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
