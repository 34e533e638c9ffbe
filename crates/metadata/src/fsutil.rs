//! File writes of this crate: NFO files and artwork, replaced atomically by
//! `aniworld_core::files::write_atomic` with the default permissions (Jellyfin and Kodi read
//! them), and the temporary names older versions left behind.

use std::path::Path;

use aniworld_core::files::Access;

use crate::error::{MetadataError, Result};

/// Writes `data` to `path` atomically: readers see the old file or the new one, never a part.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    aniworld_core::files::write_atomic(path, data, Access::Default)
        .map_err(|e| MetadataError::io("write", path, e))
}

/// Whether `name` is a temporary file of an NFO or artwork write of older versions
/// (`.<name>.<pid>.<n>.tmp`); one that outlived its process was left by an interrupted write and
/// can be deleted. Today's writes leave `aniworld_core::files::is_atomic_temp_name` names.
pub fn is_legacy_temp_file_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|r| r.strip_suffix(".tmp")) else {
        return false;
    };
    let mut parts = rest.rsplitn(3, '.');
    let digits =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_some_and(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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
    fn legacy_temp_names_are_recognised() {
        for (name, is_temp) in [
            (".tvshow.nfo.4242.0.tmp", true),
            (".poster.jpg.12.345.tmp", true),
            ("tvshow.nfo", false),
            (".tvshow.nfo.x.1.tmp", false),
            (".12.3.tmp", false),
            ("poster.jpg.1.2.tmp", false),
            ("show - S01E01.mp4", false),
        ] {
            assert_eq!(is_legacy_temp_file_name(name), is_temp, "{name}");
        }
    }

    #[test]
    fn missing_folder_is_an_io_error_naming_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("a.nfo");
        match write_atomic(&p, b"x") {
            Err(MetadataError::Io { path, .. }) => assert_eq!(path, p),
            other => panic!("unexpected {other:?}"),
        }
    }
}
