//! One writer per output directory: a sweep or merge holds an exclusive lock on
//! `DIR/.faasim.lock` while it writes there, so two of them cannot interleave their plans,
//! run files and tables (the loser of a race used to land its `plan.json` over the winner's
//! tables). Shards of one sweep may share a directory (docs/experiments.md), so a shard takes
//! the lock shared: shards run side by side, but no whole sweep or merge runs beside them.
//!
//! The lock is the operating system's advisory file lock (`flock` on Unix, `LockFileEx` on
//! Windows), not the file's existence: it is released when the holder exits for any reason,
//! kill -9 included, so a crashed sweep never leaves a lock that blocks its rerun. The empty
//! lock file itself stays behind and means nothing.

use super::{io_error, Error};
use crate::input::InputError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The name of the lock file inside an output directory.
pub(crate) const LOCK_FILE: &str = ".faasim.lock";

/// An output directory held for writing; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct OutputLock {
    /// The locked directory.
    dir: PathBuf,
    /// Open for as long as the lock is held: closing the file releases it.
    _file: File,
}

impl OutputLock {
    /// Creates `dir` if needed and takes its lock for a whole sweep or a merge, or fails at once
    /// (no waiting) when another sweep, shard or merge holds it.
    pub fn acquire(dir: &Path) -> Result<OutputLock, Error> {
        Self::take(dir, false)
    }

    /// Creates `dir` if needed and takes its lock for one shard: other shards may hold it too,
    /// a whole sweep or a merge may not.
    pub fn acquire_shared(dir: &Path) -> Result<OutputLock, Error> {
        Self::take(dir, true)
    }

    fn take(dir: &Path, shared: bool) -> Result<OutputLock, Error> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        let taken = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match taken {
            Ok(()) => Ok(OutputLock {
                dir: dir.to_path_buf(),
                _file: file,
            }),
            Err(TryLockError::WouldBlock) => Err(Error::Input(InputError::new(
                dir.display().to_string(),
                "is being written by another faasim sweep or merge; wait for it to finish, or choose another --out",
            ))),
            Err(TryLockError::Error(e)) => Err(io_error(&path, e)),
        }
    }

    /// The directory this lock holds.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("faasim-lock-{}", std::process::id()));
        let first = OutputLock::acquire(&dir).unwrap();
        let e = OutputLock::acquire(&dir).unwrap_err().to_string();
        assert!(e.contains("another faasim sweep or merge"), "{e}");
        drop(first);
        // Shards share; a whole sweep waits for every shard.
        let shard_a = OutputLock::acquire_shared(&dir).unwrap();
        let shard_b = OutputLock::acquire_shared(&dir).unwrap();
        assert!(OutputLock::acquire(&dir).is_err());
        drop((shard_a, shard_b));
        let whole = OutputLock::acquire(&dir).unwrap();
        assert!(OutputLock::acquire_shared(&dir).is_err());
        drop(whole);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
