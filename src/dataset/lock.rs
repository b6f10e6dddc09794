//! One writer at a time per run directory (per shard of it).
//!
//! A writer holds an OS file lock (`flock`, through `std::fs::File::try_lock`) for as long
//! as it writes: an unsharded run takes `DIR/.conductor.lock` exclusively; shard `k` of `n`
//! takes it shared (shards of one run may write one directory together) and
//! `DIR/.conductor-shard-k-of-n.lock` exclusively. A second `simulate --out`, `--resume`,
//! `--force`, `replay`, or the same shard twice, is refused at once with a message saying
//! so, instead of two writers replacing each other's files. The OS releases the locks of a
//! killed writer, so a lock file left behind never blocks anyone; a writer removes its lock
//! files when it is done (docs/formats.md, "The lock").

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use super::{DatasetError, Shard};

/// The name of the directory-wide lock file.
pub const LOCK_FILE: &str = ".conductor.lock";

/// Whether `name` is one of the lock files (which are never part of a run).
pub fn is_lock_file(name: &str) -> bool {
    name == LOCK_FILE || (name.starts_with(".conductor-shard-") && name.ends_with(".lock"))
}

/// The locks of one writer, released (and their files removed) on drop.
#[derive(Debug)]
pub struct RunLock {
    /// The directory-wide lock: exclusive when unsharded, shared for a shard.
    dir_lock: (File, PathBuf),
    /// A shard's own exclusive lock.
    shard_lock: Option<(File, PathBuf)>,
}

impl RunLock {
    /// Takes the locks of `shard` in the existing directory `dir`, or says who holds them.
    pub fn acquire(dir: &Path, shard: Shard) -> Result<RunLock, DatasetError> {
        let sharded = shard.count > 1;
        let dir_path = dir.join(LOCK_FILE);
        let dir_file = open(&dir_path)?;
        let taken = if sharded {
            dir_file.try_lock_shared()
        } else {
            dir_file.try_lock()
        };
        check(taken, dir, &dir_path, "this run directory")?;
        let shard_lock = if sharded {
            let path = dir.join(format!(
                ".conductor-shard-{}-of-{}.lock",
                shard.index, shard.count
            ));
            let file = open(&path)?;
            check(
                file.try_lock(),
                dir,
                &path,
                &format!(
                    "shard {}/{} of this run directory",
                    shard.index, shard.count
                ),
            )?;
            Some((file, path))
        } else {
            None
        };
        Ok(RunLock {
            dir_lock: (dir_file, dir_path),
            shard_lock,
        })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // A shard's own file is ours alone; the directory's is removed only when no other
        // shard holds it (taking it exclusively succeeds). A writer that opened a file just
        // before it was removed finds it locked and is refused, which is the safe side.
        if let Some((_, path)) = &self.shard_lock {
            let _ = fs::remove_file(path);
        }
        let (file, path) = &self.dir_lock;
        if self.shard_lock.is_none() || file.try_lock().is_ok() {
            let _ = fs::remove_file(path);
        }
    }
}

fn open(path: &Path) -> Result<File, DatasetError> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| DatasetError::io(path, e))
}

fn check(
    taken: Result<(), TryLockError>,
    dir: &Path,
    lock: &Path,
    what: &str,
) -> Result<(), DatasetError> {
    match taken {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(DatasetError::Locked {
            dir: dir.to_path_buf(),
            what: what.to_string(),
            lock: lock.to_path_buf(),
        }),
        Err(TryLockError::Error(e)) => Err(DatasetError::io(lock, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_and_shards_share_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path(), Shard::ALL).unwrap();
        let e = RunLock::acquire(dir.path(), Shard::ALL).unwrap_err();
        assert!(
            e.to_string().contains("another conductor is writing"),
            "{e}"
        );
        assert!(RunLock::acquire(dir.path(), Shard { index: 1, count: 2 }).is_err());
        drop(first);
        let one = RunLock::acquire(dir.path(), Shard { index: 1, count: 2 }).unwrap();
        let two = RunLock::acquire(dir.path(), Shard { index: 2, count: 2 }).unwrap();
        let again = RunLock::acquire(dir.path(), Shard { index: 2, count: 2 }).unwrap_err();
        assert!(again.to_string().contains("shard 2/2"), "{again}");
        assert!(RunLock::acquire(dir.path(), Shard::ALL).is_err());
        drop(one);
        drop(two);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "lock files removed"
        );
    }
}
