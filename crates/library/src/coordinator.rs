//! One library scan at a time: the coordinator shared by manual rescans and the scheduler.
//!
//! [`ScanCoordinator`] owns the single scan slot. [`ScanCoordinator::run`] scans on the calling
//! thread (the scheduler's runner), [`ScanCoordinator::spawn`] on a new std thread (a rescan asked
//! for over HTTP). Either answers [`LibraryError::ScanInProgress`] at once, without scanning, while
//! another scan holds the slot. The slot is released when the scan ends, also when it panics. The
//! coordinator also keeps the progress of the running scan and the report of the last one, so that
//! status queries need no access to the scan itself.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use aniworld_core::config::RescanMode;
use aniworld_core::ports::CancelToken;

use crate::error::LibraryError;
use crate::scan::{ScanProgress, ScanReport, Scanner};

/// Called with each progress step of a spawned scan.
pub type ProgressFn = Box<dyn FnMut(&ScanProgress) + Send>;
/// Called once with the outcome of a spawned scan, after the slot has been released.
pub type DoneFn = Box<dyn FnOnce(&Result<ScanReport, LibraryError>) + Send>;

#[derive(Default)]
struct State {
    running: bool,
    cancel: CancelToken,
    progress: Option<ScanProgress>,
    last: Option<ScanReport>,
}

/// Guarantees that at most one full scan runs at a time. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct ScanCoordinator {
    state: Mutex<State>,
}

impl std::fmt::Debug for ScanCoordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanCoordinator")
            .field("scan_in_progress", &self.scan_in_progress())
            .finish_non_exhaustive()
    }
}

/// Holds the scan slot; releases it when dropped (also while unwinding).
struct Slot<'a>(&'a ScanCoordinator);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.running = false;
        state.progress = None;
    }
}

impl ScanCoordinator {
    /// A coordinator with no scan running.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a scan holds the slot right now.
    pub fn scan_in_progress(&self) -> bool {
        self.lock().running
    }

    /// Progress of the running scan (None before its first series, and when none runs).
    pub fn progress(&self) -> Option<ScanProgress> {
        self.lock().progress.clone()
    }

    /// The report of the last scan that finished (successfully or cancelled) since start.
    pub fn last_report(&self) -> Option<ScanReport> {
        self.lock().last.clone()
    }

    /// Asks the running scan, if any, to stop after the look-ups in flight.
    pub fn cancel(&self) {
        self.lock().cancel.cancel();
    }

    /// Takes the slot (release it by dropping a [`Slot`]), or answers
    /// [`LibraryError::ScanInProgress`]. Returns the cancel token of the new scan.
    fn take(&self) -> Result<CancelToken, LibraryError> {
        let mut state = self.lock();
        if state.running {
            return Err(LibraryError::ScanInProgress);
        }
        state.running = true;
        state.progress = None;
        state.cancel = CancelToken::new();
        Ok(state.cancel.clone())
    }

    /// Runs the scan while `slot` is held, recording progress and the report.
    fn scan_holding(
        &self,
        _slot: &Slot<'_>,
        cancel: &CancelToken,
        scan: (&Scanner, RescanMode),
        anime_dir: &Path,
        on_progress: &mut dyn FnMut(&ScanProgress),
    ) -> Result<ScanReport, LibraryError> {
        let mut step = |p: ScanProgress| {
            self.lock().progress = Some(p.clone());
            on_progress(&p);
        };
        let (scanner, mode) = scan;
        let result = scanner.scan(mode, anime_dir, &mut step, cancel);
        if let Ok(report) = &result {
            self.lock().last = Some(report.clone());
        }
        result
    }

    /// Scans the whole library on the calling thread, unless a scan is already running
    /// ([`LibraryError::ScanInProgress`], nothing scanned).
    pub fn run(
        &self,
        scanner: &Scanner,
        anime_dir: &Path,
        on_progress: &mut dyn FnMut(&ScanProgress),
    ) -> Result<ScanReport, LibraryError> {
        self.run_mode(RescanMode::Full, scanner, anime_dir, on_progress)
    }

    /// [`ScanCoordinator::run`] in `mode` (a full or a changed scan).
    pub fn run_mode(
        &self,
        mode: RescanMode,
        scanner: &Scanner,
        anime_dir: &Path,
        on_progress: &mut dyn FnMut(&ScanProgress),
    ) -> Result<ScanReport, LibraryError> {
        let cancel = self.take()?;
        let slot = Slot(self);
        self.scan_holding(&slot, &cancel, (scanner, mode), anime_dir, on_progress)
    }

    /// Starts a scan of the whole library on a new thread and returns at once. The slot is taken
    /// before this returns, so a second call answers [`LibraryError::ScanInProgress`] right away.
    /// `on_done` runs on the scan thread after the slot is released.
    pub fn spawn(
        self: &Arc<Self>,
        scanner: Arc<Scanner>,
        anime_dir: PathBuf,
        on_progress: ProgressFn,
        on_done: DoneFn,
    ) -> Result<JoinHandle<()>, LibraryError> {
        self.spawn_mode(RescanMode::Full, scanner, anime_dir, on_progress, on_done)
    }

    /// [`ScanCoordinator::spawn`] in `mode` (a full or a changed scan).
    pub fn spawn_mode(
        self: &Arc<Self>,
        mode: RescanMode,
        scanner: Arc<Scanner>,
        anime_dir: PathBuf,
        mut on_progress: ProgressFn,
        on_done: DoneFn,
    ) -> Result<JoinHandle<()>, LibraryError> {
        // Take the slot here, synchronously; the thread releases it.
        let cancel = self.take()?;
        let this = Arc::clone(self);
        let started = std::thread::Builder::new()
            .name("library-scan".into())
            .spawn(move || {
                let result = {
                    let slot = Slot(&this);
                    this.scan_holding(
                        &slot,
                        &cancel,
                        (&scanner, mode),
                        &anime_dir,
                        &mut *on_progress,
                    )
                };
                on_done(&result);
            });
        match started {
            Ok(handle) => Ok(handle),
            Err(e) => {
                drop(Slot(self));
                Err(LibraryError::io("start a scan thread", PathBuf::new(), e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aniworld_core::ports::{
        CatalogueSeries, EpisodeRecord, EpisodeSource, RepoError, SeriesRepo, SourceError,
    };
    use aniworld_core::{EpisodeId, NewSeries, Series};
    use std::sync::mpsc;
    use std::time::Duration;

    /// A catalogue that answers only when the test sends a signal, so a scan can be held open.
    struct Held(Mutex<mpsc::Receiver<()>>);
    impl EpisodeSource for Held {
        fn series(&self, _key: &str) -> Result<CatalogueSeries, SourceError> {
            let _ = self.0.lock().unwrap().recv();
            Ok(CatalogueSeries::default())
        }
    }

    /// A repository with one series in folder `A`.
    struct OneSeries;
    impl SeriesRepo for OneSeries {
        fn list_series(&self) -> Result<Vec<Series>, RepoError> {
            Ok(vec![Series {
                id: 1,
                key: "a".into(),
                name: "A".into(),
                site: aniworld_core::SITE_ID.into(),
                folder: "A".into(),
                year: None,
                description: None,
                imdb_id: None,
                cover_url: None,
                missing: Default::default(),
                present_count: 0,
                added_at: chrono::Utc::now(),
                last_scanned_at: None,
                last_scan_error: None,
                catalogue_url: None,
                monitoring: Default::default(),
            }])
        }
        fn get_series(&self, _: &str) -> Result<Option<Series>, RepoError> {
            Ok(None)
        }
        fn find_series_by_folder(&self, _: &str) -> Result<Option<Series>, RepoError> {
            Ok(None)
        }
        fn insert_series(&self, _: &NewSeries) -> Result<Series, RepoError> {
            Err(RepoError::Backend("read-only".into()))
        }
        fn delete_series(&self, _: &str) -> Result<bool, RepoError> {
            Ok(false)
        }
        fn replace_episodes(&self, _: &str, _: &[EpisodeRecord]) -> Result<(), RepoError> {
            Ok(())
        }
        fn list_episodes(&self, _: &str) -> Result<Vec<EpisodeRecord>, RepoError> {
            Ok(Vec::new())
        }
        fn mark_downloaded(
            &self,
            _: &str,
            _: EpisodeId,
            _: &str,
            _: Option<aniworld_core::Language>,
        ) -> Result<(), RepoError> {
            Ok(())
        }
        fn record_scan_error(&self, _: &str, _: &str) -> Result<(), RepoError> {
            Ok(())
        }
        fn update_series_meta(&self, _: &Series) -> Result<(), RepoError> {
            Ok(())
        }
    }

    /// A scanner whose catalogue answers once per message on the returned sender.
    fn held_scanner() -> (Arc<Scanner>, mpsc::Sender<()>) {
        let (tx, rx) = mpsc::channel();
        let scanner = Scanner::new(
            Arc::new(Held(Mutex::new(rx))),
            Arc::new(OneSeries),
            Default::default(),
        );
        (Arc::new(scanner), tx)
    }

    fn library() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("A")).unwrap();
        dir
    }

    #[test]
    fn one_scan_at_a_time() {
        let coord = Arc::new(ScanCoordinator::new());
        let dir = library();
        let (scanner, gate) = held_scanner();
        let (done_tx, done_rx) = mpsc::channel();
        let steps = Arc::new(Mutex::new(Vec::new()));
        let seen = steps.clone();
        let handle = coord
            .spawn(
                scanner.clone(),
                dir.path().to_path_buf(),
                Box::new(move |p| seen.lock().unwrap().push(p.clone())),
                Box::new(move |r| {
                    done_tx
                        .send(r.as_ref().map(|r| r.series_scanned).ok())
                        .unwrap()
                }),
            )
            .unwrap();
        // The catalogue holds the first scan, so both kinds of second scan are refused.
        assert!(coord.scan_in_progress());
        let err = coord.run(&scanner, dir.path(), &mut |_| {}).unwrap_err();
        assert!(matches!(err, LibraryError::ScanInProgress), "{err}");
        let err = coord
            .spawn(
                scanner.clone(),
                dir.path().to_path_buf(),
                Box::new(|_| {}),
                Box::new(|_| panic!("a refused scan never finishes")),
            )
            .unwrap_err();
        assert!(matches!(err, LibraryError::ScanInProgress), "{err}");
        gate.send(()).unwrap();
        let scanned = done_rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(scanned, Some(1));
        handle.join().unwrap();
        assert!(!coord.scan_in_progress());
        assert!(coord.progress().is_none());
        assert_eq!(coord.last_report().unwrap().series_scanned, 1);
        let steps = steps.lock().unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!((steps[0].done, steps[0].total), (1, 1));
        assert_eq!(steps[0].current_key, "a");
        // Once released, the slot can be taken again.
        gate.send(()).unwrap();
        let report = coord.run(&scanner, dir.path(), &mut |_| {}).unwrap();
        assert_eq!(report.series_scanned, 1);
    }

    #[test]
    fn a_failed_scan_releases_the_slot() {
        let coord = ScanCoordinator::new();
        let (scanner, _gate) = held_scanner();
        let missing = Path::new("/nonexistent/anime/dir/of/this/test");
        let err = coord.run(&scanner, missing, &mut |_| {}).unwrap_err();
        assert!(matches!(err, LibraryError::AnimeDirMissing { .. }), "{err}");
        assert!(!coord.scan_in_progress());
        assert!(coord.last_report().is_none());
    }
}
