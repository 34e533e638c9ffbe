//! Atomic file writes: a temp file in the same folder, fsync, rename.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{MetadataError, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether `name` is a temporary file of [`write_atomic`] (`.<name>.<pid>.<n>.tmp`); one that
/// outlived its process was left by an interrupted write and can be deleted.
pub fn is_temp_file_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|r| r.strip_suffix(".tmp")) else {
        return false;
    };
    let mut parts = rest.rsplitn(3, '.');
    let digits =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_some_and(|n| !n.is_empty())
}

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
    fn temp_names_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tvshow.nfo");
        write_atomic(&p, b"x").unwrap();
        let tmp = format!(".tvshow.nfo.{}.0.tmp", std::process::id());
        for (name, is_temp) in [
            (tmp.as_str(), true),
            (".poster.jpg.12.345.tmp", true),
            ("tvshow.nfo", false),
            (".tvshow.nfo.x.1.tmp", false),
            (".12.3.tmp", false),
            ("poster.jpg.1.2.tmp", false),
            ("show - S01E01.mp4", false),
        ] {
            assert_eq!(is_temp_file_name(name), is_temp, "{name}");
        }
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
