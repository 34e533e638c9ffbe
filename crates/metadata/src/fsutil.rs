//! Atomic file writes: a temp file in the same folder, fsync, rename.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{MetadataError, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `data` to `path` atomically: readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(|e| MetadataError::io("create", &tmp, e))?;
        f.write_all(data)
            .map_err(|e| MetadataError::io("write", &tmp, e))?;
        f.sync_all()
            .map_err(|e| MetadataError::io("sync", &tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| MetadataError::io("rename into place", path, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.nfo");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folder_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("a.nfo");
        assert!(matches!(
            write_atomic(&p, b"x"),
            Err(MetadataError::Io { .. })
        ));
    }
}
