//! Atomic file replacement, the one implementation every crate writes small files with: the
//! configuration and its backups in the data folder, NFO and artwork files in the library, the
//! resume state of HLS downloads.
//!
//! [`write_atomic`] writes a temporary file in the target's folder, syncs it, renames it over the
//! target and syncs the folder: a reader sees the old file or the new one, never half of one, and
//! the new file survives a power cut once the call returned. The temporary is
//! `.<name>.<32 hex digits>.tmp` ([`atomic_temp_name`]), with `<name>` cut so that the whole never
//! exceeds [`MAX_FILE_NAME_BYTES`]: a write never fails for its temporary's name when the
//! target's own name fits. A temporary that a crash left behind is recognised by
//! [`is_atomic_temp_name`] and removed at the next start.
//!
//! This module is the one place of this crate that touches the file system.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use crate::naming::MAX_FILE_NAME_BYTES;

/// Mode of owner-only files (`0600`).
pub const OWNER_ONLY_MODE: u32 = 0o600;

/// Who may read a file [`write_atomic`] creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write for the owner only (`0600`, whatever the umask), for files that hold
    /// secrets: the data folder's. (No effect where there are no Unix permissions.)
    OwnerOnly,
    /// The process default (`0666` less the umask), for files other programs read: NFO files
    /// and artwork that Jellyfin or Kodi load, the download resume state.
    Default,
}

/// Hex digits of the random part of a temporary name.
const ID_DIGITS: usize = 32;
/// Suffix of a temporary name.
const TEMP_SUFFIX: &str = ".tmp";

/// The temporary name [`write_atomic`] uses for a file named `name`:
/// `.<name>.<32 random hex digits>.tmp`, with `<name>` cut (at a character boundary) so that the
/// result is at most [`MAX_FILE_NAME_BYTES`] long.
pub fn atomic_temp_name(name: &str) -> String {
    let room = MAX_FILE_NAME_BYTES - (1 + 1 + ID_DIGITS + TEMP_SUFFIX.len());
    let mut cut = name.len().min(room);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let id = uuid::Uuid::new_v4().simple();
    format!(".{}.{id}{TEMP_SUFFIX}", &name[..cut])
}

/// Whether `name` is a temporary name of [`write_atomic`] (`.<name>.<32 hex digits>.tmp`). One
/// found when no write runs was left by an interrupted write and can be deleted.
pub fn is_atomic_temp_name(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
        .and_then(|rest| rest.rsplit_once('.'))
        .is_some_and(|(stem, id)| {
            !stem.is_empty() && id.len() == ID_DIGITS && id.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

/// Replaces `path` with `bytes` atomically (see the module documentation); a new file gets the
/// permissions `access` asks for. The error is the file system's, without the path: callers
/// wrap it in their own error type with the path they wrote.
pub fn write_atomic(path: &Path, bytes: &[u8], access: Access) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(atomic_temp_name(&name));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if access == Access::OwnerOnly {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(OWNER_ONLY_MODE);
        }
        #[cfg(not(unix))]
        let _ = access;
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    // Persist the rename itself; not every platform lets a folder be opened, so best effort.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary folder, removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!(
                "aniworld-core-files-{}",
                uuid::Uuid::new_v4().simple()
            ));
            fs::create_dir(&dir).unwrap();
            Self(dir)
        }

        fn names(&self) -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = TempDir::new();
        for access in [Access::OwnerOnly, Access::Default] {
            let p = dir.0.join("tvshow.nfo");
            write_atomic(&p, b"one", access).unwrap();
            write_atomic(&p, b"two", access).unwrap();
            assert_eq!(fs::read(&p).unwrap(), b"two");
            assert_eq!(dir.names(), ["tvshow.nfo"]);
            fs::remove_file(&p).unwrap();
        }
    }

    #[cfg(unix)]
    #[test]
    fn owner_only_files_are_0600_whatever_the_umask_and_others_follow_it() {
        let dir = TempDir::new();
        let private = dir.0.join("config.json");
        write_atomic(&private, b"{}", Access::OwnerOnly).unwrap();
        assert_eq!(mode(&private), 0o600);
        // The default mode is what a plain create gives under the process's umask.
        let plain = dir.0.join("plain");
        File::create(&plain).unwrap();
        let shared = dir.0.join("poster.jpg");
        write_atomic(&shared, b"jpg", Access::Default).unwrap();
        assert_eq!(mode(&shared), mode(&plain));
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = TempDir::new();
        let missing = dir.0.join("nope").join("a.nfo");
        let err = write_atomic(&missing, b"x", Access::Default).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        // Renaming over a folder fails: the temporary is removed again.
        fs::create_dir(dir.0.join("taken")).unwrap();
        assert!(write_atomic(&dir.0.join("taken"), b"x", Access::Default).is_err());
        assert_eq!(dir.names(), ["taken"]);
    }

    #[test]
    fn temp_names_fit_and_are_recognised() {
        for name in ["tvshow.nfo", "x", &"a".repeat(255), &"進".repeat(85)] {
            let tmp = atomic_temp_name(name);
            assert!(tmp.len() <= MAX_FILE_NAME_BYTES, "{tmp}");
            assert!(is_atomic_temp_name(&tmp), "{tmp}");
            assert_ne!(tmp, atomic_temp_name(name), "unique");
        }
        // A long target name is cut, never the random part.
        let tmp = atomic_temp_name(&"a".repeat(255));
        assert_eq!(tmp.len(), MAX_FILE_NAME_BYTES);
        let id = "0123456789abcdef0123456789abcdef";
        for (name, is_temp) in [
            (format!(".config.json.{id}.tmp"), true),
            (format!("..one.json.{id}.tmp.{id}.tmp"), true),
            (format!(".a.{}.tmp", id.to_uppercase()), true),
            ("config.json".into(), false),
            (".config.json.tmp".into(), false),
            (format!("config.json.{id}.tmp"), false),
            (format!(".{id}.tmp"), false),
            (format!(".a.{}.tmp", &id[1..]), false),
            (format!(".a.{}g.tmp", &id[1..]), false),
            (".tvshow.nfo.4242.0.tmp".into(), false),
            ("show - S01E01.mp4.part.state.tmp".into(), false),
        ] {
            assert_eq!(is_atomic_temp_name(&name), is_temp, "{name}");
        }
    }
}
