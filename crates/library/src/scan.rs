//! The scanner: compares the episodes present in the library with the catalogue and saves the result.
//!
//! A full scan walks the anime folder once ([`crate::walk`]), then asks the catalogue about each
//! series on `lookup_concurrency` worker threads. Results come back to the calling thread over a
//! channel; it saves them through [`SeriesRepo::replace_episodes`] and reports progress after every
//! series. A series whose look-up (or folder) fails keeps its last known episodes, gets the error
//! recorded with [`SeriesRepo::record_scan_error`], and is named in the report. Files are never
//! deleted or renamed.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use aniworld_core::ports::{CancelToken, CatalogueSeries, EpisodeSource, SeriesRepo, SourceError};
use aniworld_core::{AppConfig, EpisodeId, Serie};

use crate::episodes::{merge_episodes, refreshed_meta};
use crate::error::LibraryError;
use crate::walk::{
    LibraryWalk, PresentEpisodes, WalkCache, WalkOptions, WalkStats, check_anime_dir, walk_library,
    walk_series_folder,
};

/// Tuning of a scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions {
    /// Catalogue look-ups in flight at once (at least 1).
    pub lookup_concurrency: usize,
    /// Threads walking the anime folder; 0 means one per core.
    pub walk_threads: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            lookup_concurrency: 4,
            walk_threads: 0,
        }
    }
}

impl ScanOptions {
    /// Options from the configuration (`provider.lookup_concurrency`).
    pub fn from_config(config: &AppConfig) -> Self {
        Self {
            lookup_concurrency: config.provider.lookup_concurrency.max(1) as usize,
            walk_threads: 0,
        }
    }
}

/// Progress of a running scan, sent after each series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanProgress {
    /// Series finished so far (scanned or failed).
    pub done: usize,
    /// Series in this scan.
    pub total: usize,
    /// The series just finished.
    pub current_key: String,
}

/// The outcome of a full scan.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Series in the library when the scan started.
    pub series_total: usize,
    /// Series whose episodes were compared with the catalogue and saved.
    pub series_scanned: usize,
    /// Missing episodes over the scanned series.
    pub missing_total: usize,
    /// Series that kept their last known state, with the reason.
    pub failed: Vec<(String, String)>,
    /// Whether the scan stopped early because it was cancelled.
    pub cancelled: bool,
    /// Wall time of the whole scan.
    pub duration: Duration,
    /// Counters of the folder walk.
    pub walk: WalkStats,
}

/// The outcome of scanning one series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesScan {
    /// The series as saved after the scan.
    pub serie: Serie,
    /// Episode files present in its folder.
    pub present: usize,
    /// Available on the catalogue and not present.
    pub missing: Vec<EpisodeId>,
}

/// Compares the library with the catalogue. Cheap to share (`Arc<Scanner>`); scans may run from any
/// thread, and the folder-walk cache is shared between them.
pub struct Scanner {
    pub(crate) source: Arc<dyn EpisodeSource>,
    pub(crate) repo: Arc<dyn SeriesRepo>,
    options: ScanOptions,
    cache: Mutex<WalkCache>,
}

impl Scanner {
    /// A scanner over a catalogue and a repository.
    pub fn new(
        source: Arc<dyn EpisodeSource>,
        repo: Arc<dyn SeriesRepo>,
        options: ScanOptions,
    ) -> Self {
        Self {
            source,
            repo,
            options,
            cache: Mutex::new(WalkCache::new()),
        }
    }

    /// Scans every series of the library. `on_progress` is called on the calling thread after each
    /// series; `cancel` stops further catalogue look-ups (the report then says `cancelled`).
    ///
    /// Fails as a whole only when the anime directory is missing (nothing is changed then: an
    /// unmounted share must not make every episode "missing") or the series list cannot be read.
    pub fn scan_all(
        &self,
        anime_dir: &Path,
        on_progress: &mut dyn FnMut(ScanProgress),
        cancel: &CancelToken,
    ) -> Result<ScanReport, LibraryError> {
        let started = Instant::now();
        check_anime_dir(anime_dir)?;
        let series = self.repo.list_series()?;
        let walk = self.walk(anime_dir, &series)?;
        let mut report = ScanReport {
            series_total: series.len(),
            walk: walk.stats,
            ..Default::default()
        };
        let mut done = 0;
        let mut progress = |key: &str| {
            done += 1;
            on_progress(ScanProgress {
                done,
                total: series.len(),
                current_key: key.to_string(),
            });
        };

        // Series whose folder could not be read are not looked up: their state stays as it was.
        let mut jobs = Vec::with_capacity(series.len());
        for serie in &series {
            match walk.failed.get(&serie.folder) {
                Some(e) => {
                    self.fail(&mut report, &serie.key, e.to_string());
                    progress(&serie.key);
                }
                None => jobs.push(serie),
            }
        }

        let workers = self.options.lookup_concurrency.clamp(1, jobs.len().max(1));
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel::<(usize, Result<CatalogueSeries, SourceError>)>();
            for n in 0..workers {
                let (tx, next, jobs, source) = (tx.clone(), &next, &jobs, &self.source);
                let spawned = std::thread::Builder::new()
                    .name(format!("scan-lookup-{n}"))
                    .spawn_scoped(s, move || {
                        while !cancel.is_cancelled() {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(serie) = jobs.get(i) else { break };
                            if tx.send((i, source.series(&serie.key))).is_err() {
                                break;
                            }
                        }
                    });
                if let Err(e) = spawned {
                    log::error!("could not start a catalogue look-up thread: {e}");
                }
            }
            drop(tx);
            for (i, looked_up) in rx {
                let serie = jobs[i];
                match looked_up {
                    Ok(cat) => {
                        match self.save_episodes(serie, &cat, &walk.present(&serie.folder)) {
                            Ok(missing) => {
                                report.series_scanned += 1;
                                report.missing_total += missing.len();
                            }
                            Err(e) => self.fail(&mut report, &serie.key, e.to_string()),
                        }
                    }
                    Err(e) => self.fail(&mut report, &serie.key, e.to_string()),
                }
                progress(&serie.key);
            }
        });
        report.cancelled = cancel.is_cancelled() && done < series.len();
        report.duration = started.elapsed();
        log::info!(
            "scan finished: {} of {} series scanned, {} missing episodes, {} failed, {:?}",
            report.series_scanned,
            report.series_total,
            report.missing_total,
            report.failed.len(),
            report.duration
        );
        Ok(report)
    }

    /// Scans one series by key: walks its folder, asks the catalogue and saves the result.
    /// A failing look-up is recorded on the series (its episodes stay as they were) and returned.
    pub fn scan_one(&self, anime_dir: &Path, key: &str) -> Result<SeriesScan, LibraryError> {
        check_anime_dir(anime_dir)?;
        let serie = self
            .repo
            .get_series(key)?
            .ok_or_else(|| aniworld_core::ports::RepoError::NotFound(format!("series {key:?}")))?;
        let present = match walk_series_folder(&anime_dir.join(&serie.folder)) {
            Ok(p) => p,
            Err(e) => {
                self.record_error(key, &e.to_string());
                return Err(e);
            }
        };
        match self.source.series(key) {
            Ok(cat) => self.save(&serie, &cat, &present),
            Err(e) => {
                self.record_error(key, &e.to_string());
                Err(e.into())
            }
        }
    }

    /// Saves the merged episode list (and fresher metadata) of one series and returns the series
    /// as stored afterwards.
    pub(crate) fn save(
        &self,
        serie: &Serie,
        cat: &CatalogueSeries,
        present: &PresentEpisodes,
    ) -> Result<SeriesScan, LibraryError> {
        let missing = self.save_episodes(serie, cat, present)?;
        let serie = self
            .repo
            .get_series(&serie.key)?
            .unwrap_or_else(|| serie.clone());
        Ok(SeriesScan {
            serie,
            present: present.len(),
            missing,
        })
    }

    /// Saves the merged episode list (and fresher metadata) of one series; returns what is missing.
    fn save_episodes(
        &self,
        serie: &Serie,
        cat: &CatalogueSeries,
        present: &PresentEpisodes,
    ) -> Result<Vec<EpisodeId>, LibraryError> {
        let merged = merge_episodes(&cat.episodes, present);
        if let Some(updated) = refreshed_meta(serie, cat) {
            self.repo.update_series_meta(&updated)?;
        }
        self.repo.replace_episodes(&serie.key, &merged.records)?;
        Ok(merged.missing)
    }

    /// Walks the folders of `series` with the shared cache.
    fn walk(&self, anime_dir: &Path, series: &[Serie]) -> Result<LibraryWalk, LibraryError> {
        let options = WalkOptions {
            threads: self.options.walk_threads,
            folders: Some(
                series
                    .iter()
                    .map(|s| s.folder.clone())
                    .collect::<HashSet<_>>(),
            ),
        };
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        walk_library(anime_dir, &options, Some(&mut cache))
    }

    /// Records a failed series in the report and on the series.
    fn fail(&self, report: &mut ScanReport, key: &str, error: String) {
        log::warn!("scan of {key} failed, keeping its last known episodes: {error}");
        self.record_error(key, &error);
        report.failed.push((key.to_string(), error));
    }

    /// Stores the error of a failed look-up; a failure to do so is only logged.
    fn record_error(&self, key: &str, error: &str) {
        if let Err(e) = self.repo.record_scan_error(key, error) {
            log::error!("could not record the scan error of {key}: {e}");
        }
    }
}
