//! Every file faasim writes appears whole or not at all: it is written under a temporary name
//! beside its destination (`.NAME.tmp-PID-N`), flushed to disk, then renamed into place. A
//! reader, a killed process or a full disk therefore never leaves a truncated table, plot or
//! report under the real name, and a good file is replaced only by another good one.

use super::{io_error, Error};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file being written under a temporary name; [`AtomicFile::commit`] renames it into place.
/// Dropped without a commit (an error on the way), the temporary file is removed.
#[derive(Debug)]
pub struct AtomicFile {
    /// Where the file goes.
    path: PathBuf,
    /// Where it is written meanwhile.
    tmp: PathBuf,
    /// Open while writing; `None` once committed.
    file: Option<File>,
}

impl AtomicFile {
    /// Starts writing the file that will be `path`.
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let tmp = dir.join(format!(
            ".{name}.tmp-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::create(&tmp).map_err(|e| io_error(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(file),
        })
    }

    /// Flushes the file to disk and renames it into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let file = self.file.take().expect("an uncommitted file is open");
        let done = file.sync_all().and_then(|()| {
            drop(file);
            std::fs::rename(&self.tmp, &self.path)
        });
        done.map_err(|e| io_error(&self.path, e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("open until committed").write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("open until committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed, or the rename failed: the temporary file must not linger.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Writes `bytes` to `path` atomically (see the module's documentation).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|e| io_error(path, e))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("faasim-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        write_atomic(&path, b"old").unwrap();
        // Abandoned halfway: the old file stays and no temporary file is left.
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
