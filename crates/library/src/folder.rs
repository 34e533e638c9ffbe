//! Whether a folder can hold the library (`other.anime_directory`).
//!
//! Checked whenever the folder is set (setup, `PUT /api/config`, `POST /api/config/directory`, a
//! restored backup): the path must be absolute (a relative one would depend on the folder the
//! service happens to be started in), a missing folder is created, and a file must be creatable
//! in it. "Writable" is tested by writing, not by reading permission bits: that is the test every
//! later download, series folder and NFO faces, whatever the process's privileges (root ignores
//! permission bits but not a read-only mount, a full disk or a path below a file).

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::LibraryError;

/// Start of the name of the probe file written into a folder to test it.
pub const PROBE_PREFIX: &str = ".aniworld-write-probe-";

static PROBES: AtomicU64 = AtomicU64::new(0);

/// Makes sure `dir` can be the library: absolute, existing (created with its parents when
/// missing), a folder, and a file can be written and removed in it. Fails with
/// [`LibraryError::UnusableFolder`] saying why.
pub fn prepare_library_folder(dir: &Path) -> Result<(), LibraryError> {
    let unusable = |reason: String| LibraryError::UnusableFolder {
        path: dir.to_path_buf(),
        reason,
    };
    if !dir.is_absolute() {
        return Err(unusable(
            "it is a relative path; give the full path (e.g. /srv/media/anime)".into(),
        ));
    }
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(unusable("it is a file, not a folder".into())),
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            fs::create_dir_all(dir).map_err(|e| unusable(format!("it cannot be created: {e}")))?;
            log::info!("created the anime folder {}", dir.display());
        }
        Err(e) => return Err(unusable(format!("it cannot be read: {e}"))),
    }
    write_probe(dir).map_err(|e| unusable(format!("no file can be written in it: {e}")))
}

/// Writes a probe file into the existing folder `dir` and removes it again: whether a file can
/// be written there by this process (by writing, not by reading permission bits).
pub fn write_probe(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(
        "{PROBE_PREFIX}{}-{}",
        std::process::id(),
        PROBES.fetch_add(1, Ordering::Relaxed)
    ));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| {
            let result = f.write_all(b"aniworld").and_then(|()| f.sync_all());
            drop(f);
            let _ = fs::remove_file(&probe);
            result
        })
}

/// Whether `name` is a probe file of [`prepare_library_folder`] (left only when the process
/// died between writing and removing it).
pub fn is_probe_file_name(name: &str) -> bool {
    name.strip_prefix(PROBE_PREFIX).is_some_and(|rest| {
        rest.split_once('-').is_some_and(|(pid, n)| {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            digits(pid) && digits(n)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(dir: &Path) -> Option<String> {
        match prepare_library_folder(dir) {
            Ok(()) => None,
            Err(LibraryError::UnusableFolder { reason, .. }) => Some(reason),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn folders_are_checked_by_writing() {
        let tmp = tempfile::tempdir().unwrap();
        // An existing folder, and a missing one (created), leave no probe behind.
        assert_eq!(reason(tmp.path()), None);
        let new = tmp.path().join("a").join("b");
        assert_eq!(reason(&new), None);
        assert!(new.is_dir());
        assert_eq!(fs::read_dir(&new).unwrap().count(), 0);
        // Relative paths are refused, whether they exist or not.
        assert!(reason(Path::new("anime")).unwrap().contains("relative"));
        assert!(reason(Path::new(".")).unwrap().contains("relative"));
        // A file, and a path below a file (which no one, root included, can create).
        let file = tmp.path().join("file");
        fs::write(&file, b"x").unwrap();
        assert!(reason(&file).unwrap().contains("not a folder"));
        assert!(
            reason(&file.join("sub"))
                .unwrap()
                .contains("cannot be created")
        );
        // A folder in which nothing can be created, root included.
        if Path::new("/proc/self").is_dir() {
            assert!(
                reason(Path::new("/proc/self"))
                    .unwrap()
                    .contains("no file can be written")
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_is_refused_unless_the_process_may_write_anyway() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ro");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
        // Root (CAP_DAC_OVERRIDE) writes into a 0555 folder, so for root it *is* writable.
        let can_write = fs::write(dir.join("x"), b"x").is_ok();
        let _ = fs::remove_file(dir.join("x"));
        assert_eq!(reason(&dir).is_none(), can_write);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn probe_names_are_recognised() {
        assert!(is_probe_file_name(".aniworld-write-probe-123-0"));
        assert!(!is_probe_file_name(".aniworld-write-probe-x-0"));
        assert!(!is_probe_file_name("aniworld-write-probe-1-2"));
        assert!(!is_probe_file_name("Show (2020)"));
    }
}
