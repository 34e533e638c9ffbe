//! The data folder at start: owner-only permissions, and no leftovers of interrupted writes.
//!
//! The data folder holds secrets: the password hash and the token signing key (`aniworld.db`),
//! API keys and site cookies (`config.json` and its backups), and logs. So the folder and its
//! folders are `0700` and its files `0600`. New files are created that way (config.json and
//! backups are written owner-only by `aniworld_core::files::write_atomic`, `logging.rs` writes
//! the log files; `aniworld.db` is created here, empty and `0600`, before SQLite opens it, and
//! SQLite gives `-wal` and `-shm` the mode of the database file). Anything looser found at
//! start is tightened, each with a log line; only the group and other bits are taken away. A
//! folder with the sticky bit (`/tmp` given by mistake as the data folder) is shared by design
//! and is left alone, with a warning.
//!
//! Temporary files of atomic writes that a crash or a power cut interrupted are removed at start:
//! `.<name>.<32 hex digits>.tmp` of `aniworld_core::files::write_atomic` (and `.write-probe-<uuid>`
//! files of the health check) in the data folder and `config_backups/`, before anything writes
//! there. The library folder gets the same at start for the temporaries its writers leave: the
//! same atomic-write temporaries (NFO and artwork of `aniworld-metadata`, HLS resume states of
//! `aniworld-queue`), those older versions of both wrote (`.<name>.<pid>.<n>.tmp`,
//! `<episode>.part.state.tmp`), and the folder probes of `aniworld-library` ([`sweep_library`],
//! on its own thread, so a slow network share does not delay the start).

use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use crate::overrides::ServiceOptions;

/// Mode of the data folder and the folders in it.
pub const PRIVATE_DIR_MODE: u32 = 0o700;
/// Mode of the files in the data folder.
pub const PRIVATE_FILE_MODE: u32 = aniworld_core::files::OWNER_ONLY_MODE;
/// The folder of configuration backups inside the data folder.
pub const BACKUPS_DIR: &str = "config_backups";

/// Creates `dir` and its missing parents owner-only (`0700`); existing folders are not changed.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(PRIVATE_DIR_MODE);
    }
    builder.create(dir)
}

/// Takes the group and other permissions away from `path` when it has any; returns whether it
/// changed anything (and logs it). A missing path is left alone.
pub fn tighten(path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 == 0 {
            return Ok(false);
        }
        if meta.is_dir() && mode & 0o1000 != 0 {
            log::warn!(
                "{} is a shared folder (mode {mode:o}, sticky bit): its permissions are left \
                 as they are; keep the data folder in a folder of its own",
                path.display()
            );
            return Ok(false);
        }
        let tightened = mode & !0o077;
        fs::set_permissions(path, fs::Permissions::from_mode(tightened))?;
        log::warn!(
            "{} was open to other users (mode {mode:o}); tightened to {tightened:o}",
            path.display()
        );
        Ok(true)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(false)
    }
}

/// [`tighten`], with a failure (e.g. a file owned by another user) logged instead of stopping
/// the start.
fn tighten_or_warn(path: &Path) {
    if let Err(e) = tighten(path) {
        log::warn!(
            "{} may be open to other users and cannot be tightened: {e}",
            path.display()
        );
    }
}

/// Whether `name` is a temporary file that an interrupted write of the service left in the data
/// folder: `.<name>.<32 hex digits>.tmp` of `aniworld_core::files::write_atomic` (and the doubled
/// form of a backup's) or `.write-probe-<32 hex digits>` of [`crate::files::dir_writable`].
pub fn is_leftover_name(name: &str) -> bool {
    if let Some(id) = name.strip_prefix(".write-probe-") {
        return id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    }
    aniworld_core::files::is_atomic_temp_name(name)
}

/// Readies the data folder before anything opens it: creates it (and `logs/`) owner-only,
/// creates `aniworld.db` owner-only when missing, tightens what is looser, and removes the
/// temporaries of interrupted writes.
pub fn prepare(settings: &ServiceOptions) -> io::Result<()> {
    let data = &settings.data_dir;
    create_private_dir(data)?;
    tighten_or_warn(data);
    let logs = settings.logs_dir();
    create_private_dir(&logs)?;
    let backups = data.join(BACKUPS_DIR);
    for dir in [data.as_path(), logs.as_path(), backups.as_path()] {
        tighten_or_warn(dir);
        remove_leftovers(dir, &is_leftover_name, None);
    }
    let db = settings.database_path();
    create_private_file(&db)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        tighten_or_warn(Path::new(&name));
    }
    tighten_or_warn(&data.join("config.json"));
    for dir in [logs.as_path(), backups.as_path()] {
        for path in files_in(dir) {
            tighten_or_warn(&path);
        }
    }
    Ok(())
}

/// Creates an empty file owner-only when `path` does not exist (an empty file is an empty
/// SQLite database).
fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_FILE_MODE);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// The regular files directly in `dir` (none when it cannot be read).
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect()
}

/// Removes the files directly in `dir` whose names `is_leftover` accepts and, when `before` is
/// given, that were last written before it; returns how many. Each removal is logged.
fn remove_leftovers(
    dir: &Path,
    is_leftover: &dyn Fn(&str) -> bool,
    before: Option<SystemTime>,
) -> usize {
    let mut removed = 0;
    for path in files_in(dir) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !is_leftover(name) {
            continue;
        }
        if let Some(before) = before {
            let written = fs::metadata(&path).and_then(|m| m.modified());
            if !written.is_ok_and(|t| t < before) {
                continue;
            }
        }
        match fs::remove_file(&path) {
            Ok(()) => {
                removed += 1;
                log::info!("removed {}, left by an interrupted write", path.display());
            }
            Err(e) => log::warn!("cannot remove the leftover {}: {e}", path.display()),
        }
    }
    removed
}

/// Whether `name` is a temporary file one of the library's writers leaves when interrupted: an
/// atomic write's (NFO, artwork, HLS resume state), one of the forms older versions wrote, or a
/// folder probe.
pub fn is_library_leftover_name(name: &str) -> bool {
    aniworld_core::files::is_atomic_temp_name(name)
        || aniworld_metadata::is_legacy_temp_file_name(name)
        || aniworld_queue::download::is_legacy_temp_file_name(name)
        || aniworld_library::folder::is_probe_file_name(name)
}

/// Removes the temporaries of interrupted writes from the library folder: in it, in each series
/// folder and in each season folder (where the writers write), and only those last written
/// before `started` (so a write of this process is never touched). Returns how many.
pub fn sweep_library(anime_dir: &Path, started: SystemTime) -> usize {
    let mut removed = remove_leftovers(anime_dir, &is_library_leftover_name, Some(started));
    for series in subfolders(anime_dir) {
        removed += remove_leftovers(&series, &is_library_leftover_name, Some(started));
        for season in subfolders(&series) {
            removed += remove_leftovers(&season, &is_library_leftover_name, Some(started));
        }
    }
    removed
}

/// Starts [`sweep_library`] on its own thread (nothing happens without a library folder).
pub fn sweep_library_in_background(anime_dir: Option<std::path::PathBuf>, started: SystemTime) {
    let Some(dir) = anime_dir.filter(|d| d.is_absolute()) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("library-sweep".into())
        .spawn(move || {
            let removed = sweep_library(&dir, started);
            if removed > 0 {
                log::info!(
                    "removed {removed} leftover temporary file(s) from {}",
                    dir.display()
                );
            }
        });
    if let Err(e) = spawned {
        log::warn!("the library folder was not swept for leftovers: no thread: {e}");
    }
}

/// The folders directly in `dir` (symbolic links not followed).
fn subfolders(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn leftover_names_are_recognised() {
        let id = uuid::Uuid::new_v4().simple().to_string();
        for (name, leftover) in [
            (format!(".config.json.{id}.tmp"), true),
            (format!("..one.json.{id}.tmp.{id}.tmp"), true),
            (format!(".one.json.{id}.tmp"), true),
            (format!(".write-probe-{id}"), true),
            ("config.json".into(), false),
            (".config.json.tmp".into(), false),
            (format!("config.json.{id}.tmp"), false),
            (format!(".{id}.tmp"), false),
            ("aniworld.db-wal".into(), false),
            ("config_backup_20251213_090130.json".into(), false),
        ] {
            assert_eq!(is_leftover_name(&name), leftover, "{name}");
        }
    }

    #[test]
    fn a_loose_data_folder_is_tightened_and_leftovers_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let settings = ServiceOptions::new(&data);
        // A fresh folder is created owner-only, with an owner-only database file.
        prepare(&settings).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&settings.logs_dir()), 0o700);
        assert_eq!(mode(&settings.database_path()), 0o600);
        assert_eq!(fs::metadata(settings.database_path()).unwrap().len(), 0);

        // An existing, loose one is tightened, and its leftovers go.
        let backups = data.join(BACKUPS_DIR);
        fs::create_dir(&backups).unwrap();
        let loose = [
            data.join("config.json"),
            data.join("aniworld.db-wal"),
            backups.join("one.json"),
            settings.logs_dir().join("aniworld.log"),
        ];
        for f in &loose {
            fs::write(f, b"x").unwrap();
            set_mode(f, 0o644);
        }
        for d in [&data, &backups, &settings.logs_dir()] {
            set_mode(d, 0o755);
        }
        set_mode(&settings.database_path(), 0o664);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let leftovers = [
            data.join(format!(".config.json.{id}.tmp")),
            backups.join(format!(".one.json.{id}.tmp")),
        ];
        for f in &leftovers {
            fs::write(f, b"half").unwrap();
        }
        let kept = data.join("notes.tmp");
        fs::write(&kept, b"mine").unwrap();
        prepare(&settings).unwrap();
        for d in [&data, &backups, &settings.logs_dir()] {
            assert_eq!(mode(d), 0o700, "{}", d.display());
        }
        for f in loose.iter().chain([&settings.database_path()]) {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
        for f in &leftovers {
            assert!(!f.exists(), "{}", f.display());
        }
        assert!(
            kept.exists(),
            "only the service's own temporaries are removed"
        );
    }

    #[test]
    fn a_sticky_shared_folder_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        fs::create_dir(&shared).unwrap();
        set_mode(&shared, 0o1777);
        assert!(!tighten(&shared).unwrap());
        assert_eq!(
            fs::metadata(&shared).unwrap().permissions().mode() & 0o7777,
            0o1777
        );
    }

    #[test]
    fn the_library_sweep_removes_only_old_temporaries_of_the_writers() {
        let tmp = tempfile::tempdir().unwrap();
        let anime = tmp.path();
        let season = anime.join("Show (2020)").join("Season 01");
        fs::create_dir_all(&season).unwrap();
        let atomic = aniworld_core::files::atomic_temp_name;
        let old = [
            // today's atomic writes (NFO, artwork, HLS resume state)
            anime.join("Show (2020)").join(atomic("tvshow.nfo")),
            anime.join("Show (2020)").join(atomic("poster.jpg")),
            season.join(atomic("Show (2020) - S01E01.mp4.part.state")),
            // older versions' writes
            anime.join("Show (2020)").join(".tvshow.nfo.4242.0.tmp"),
            anime.join("Show (2020)").join(".poster.jpg.4242.3.tmp"),
            season.join("Show (2020) - S01E01.mp4.part.state.tmp"),
            anime.join(".aniworld-write-probe-4242-0"),
        ];
        let kept = [
            season.join("Show (2020) - S01E01.mp4.part"),
            season.join("Show (2020) - S01E01.mp4.part.state"),
            season.join("Show (2020) - S01E02.mp4"),
            anime.join("Show (2020)").join("tvshow.nfo"),
            anime.join("Show (2020)").join("notes.tmp"),
        ];
        for f in old.iter().chain(&kept) {
            fs::write(f, b"x").unwrap();
        }
        let started = SystemTime::now() + std::time::Duration::from_secs(1);
        // A temporary written after the start belongs to a running write: kept.
        let fresh = season.join("Show (2020) - S01E03.mp4.part.state.tmp");
        fs::write(&fresh, b"x").unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        fs::File::options()
            .write(true)
            .open(&fresh)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(sweep_library(anime, started), old.len());
        for f in &old {
            assert!(!f.exists(), "{}", f.display());
        }
        for f in kept.iter().chain([&fresh]) {
            assert!(f.exists(), "{}", f.display());
        }
    }
}
