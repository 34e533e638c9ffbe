//! One service per data folder: an exclusive lock on `<data_dir>/aniworld.lock`.
//!
//! [`InstanceLock::acquire`] takes an exclusive, non-blocking lock (`flock` on Unix, `LockFileEx`
//! on Windows, through `std::fs::File::try_lock`) on the lock file before anything else in the
//! data folder is touched, and writes the process id into it. A second process on the same
//! folder finds the lock taken and refuses to start at once with [`LockError::Held`], naming the
//! folder and the process id read from the file; it never opens the database. The operating
//! system drops the lock when the holder exits, however it exits, so a crash leaves no stale
//! lock behind.
//!
//! Inside one process (tests and tools that stop a service and open the same folder again) the
//! lock is given back by [`InstanceLock::release`] at shutdown; an open that finds the lock held
//! by its own process id waits up to [`SAME_PROCESS_WAIT`] for that release.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The lock file in the data folder.
pub const LOCK_FILE: &str = "aniworld.lock";

/// How long an open waits for a service of its own process on the same folder to stop.
pub const SAME_PROCESS_WAIT: Duration = Duration::from_secs(15);

/// Why the data folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the folder.
    #[error(
        "the data folder {} is in use by another Aniworld process ({}): only one service may run \
         on a data folder; stop that one first, or start this one with another --data-dir",
        dir.display(),
        pid.map_or_else(|| "process id unknown".to_string(), |p| format!("PID {p}"))
    )]
    Held {
        /// The data folder.
        dir: PathBuf,
        /// The process id written into the lock file by its holder, when readable.
        pid: Option<u32>,
    },
    /// The lock file could not be opened, locked or written.
    #[error("could not lock the data folder {}: {source}", dir.display())]
    Io {
        /// The data folder.
        dir: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// The held lock of a data folder; given back by [`InstanceLock::release`] or when dropped.
#[derive(Debug)]
pub struct InstanceLock {
    file: Mutex<Option<File>>,
    path: PathBuf,
}

impl InstanceLock {
    /// Locks `data_dir` (which must exist) for this process, or says who holds it.
    pub fn acquire(data_dir: &Path) -> Result<InstanceLock, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io_err = |source| LockError::Io {
            dir: data_dir.to_path_buf(),
            source,
        };
        let mut open = OpenOptions::new();
        open.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(crate::data_dir::PRIVATE_FILE_MODE);
        }
        let mut file = open.open(&path).map_err(io_err)?;
        let deadline = Instant::now() + SAME_PROCESS_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let pid = holder(&mut file);
                    if pid == Some(std::process::id()) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    }
                    return Err(LockError::Held {
                        dir: data_dir.to_path_buf(),
                        pid,
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io_err(e)),
            }
        }
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.sync_all())
            .map_err(io_err)?;
        log::debug!("locked the data folder {}", data_dir.display());
        Ok(InstanceLock {
            file: Mutex::new(Some(file)),
            path,
        })
    }

    /// Gives the lock back (idempotent). The file stays; its content is only read while locked.
    pub fn release(&self) {
        let file = self.file.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(f) = file {
            if let Err(e) = f.unlock() {
                log::warn!("could not unlock {}: {e}", self.path.display());
            }
            drop(f);
        }
    }
}

/// The process id in the lock file; its holder writes it right after locking, so a read that
/// finds it empty tries again for a moment.
fn holder(file: &mut File) -> Option<u32> {
    for _ in 0..10 {
        let mut text = String::new();
        let read = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text));
        if read.is_ok()
            && let Ok(pid) = text.trim().parse()
        {
            return Some(pid);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_holds_the_pid_and_is_given_back() {
        let dir = tempfile::tempdir().unwrap();
        let lock = InstanceLock::acquire(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
        // Another open file description of the same file cannot lock it meanwhile.
        let other = File::open(dir.path().join(LOCK_FILE)).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        lock.release();
        assert!(other.try_lock().is_ok());
        other.unlock().unwrap();
        drop(other);
        let again = InstanceLock::acquire(dir.path()).unwrap();
        again.release();
    }

    #[test]
    fn the_refusal_names_the_folder_and_the_pid() {
        let e = LockError::Held {
            dir: PathBuf::from("/srv/aniworld"),
            pid: Some(4242),
        };
        let text = e.to_string();
        assert!(
            text.contains("/srv/aniworld") && text.contains("PID 4242"),
            "{text}"
        );
    }
}
