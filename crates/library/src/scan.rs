//! The scanner: compares the episodes present in the library with the catalogue and saves the result.
//!
//! A full scan walks the anime folder once ([`crate::walk`]), then asks the catalogue about each
//! series on `lookup_concurrency` worker threads. Results come back to the calling thread over a
//! channel; it saves them through [`SeriesRepo::replace_episodes`] and reports progress after every
//! series. A series whose look-up (or folder) fails keeps its last known episodes, gets the error
//! recorded with [`SeriesRepo::record_scan_error`], and is named in the report. Files are never
//! deleted or renamed.
//!
//! A changed scan ([`Scanner::scan_changed`], see `crate::changed` and docs/rescans.md) looks up
//! only what the catalogue's change signals name, what was never scanned or failed, and the
//! re-checks that are due; both kinds keep with each series what the next changed scan needs
//! ([`RecheckState`]).

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use aniworld_core::config::RescanMode;
use aniworld_core::ports::{
    CancelToken, CatalogueSeries, EpisodeSource, Lookup, RecheckState, SeriesRepo, SourceError,
};
use aniworld_core::{AppConfig, EpisodeId, Series};
use chrono::Utc;

use crate::episodes::{merge_episodes, refreshed_meta};
use crate::error::LibraryError;
use crate::recheck::{RecheckPolicy, next_check};
use crate::walk::{
    LibraryWalk, PresentEpisodes, WalkCache, WalkOptions, WalkStats, check_anime_dir, walk_library,
    walk_series_folder,
};

/// Series a full scan reads, walks and looks up at a time.
pub const SCAN_PAGE: usize = 200;

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

/// Series a changed scan did not read, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedSeries {
    /// Not looked up: their site's list of new episodes does not name them and their re-check
    /// is not due.
    pub unchanged: usize,
    /// Not looked up: their site gave no change signal this time and their re-check is not due.
    pub not_due: usize,
    /// Re-checked with the series page's validators and answered "not modified": nothing but
    /// that one request was made for them.
    pub not_modified: usize,
}

/// Why a changed scan looked series up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LookupReasons {
    /// Named by their site's list of new episodes.
    pub signal: usize,
    /// Never scanned, or their last look-up failed.
    pub unscanned: usize,
    /// Their re-check was due.
    pub due: usize,
}

/// The outcome of a scan.
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
    /// Whether every series was looked up (`full`) or only what changed (`changed`).
    pub mode: RescanMode,
    /// Changed scans: series not read, by reason.
    pub skipped: SkippedSeries,
    /// Changed scans: series looked up, by reason (a series with several counts once, under
    /// the first of signal, unscanned, due).
    pub looked_up: LookupReasons,
    /// Changed scans: the sites whose list of new episodes was read.
    pub signal_sites: Vec<String>,
}

/// One series to look up in a scan.
pub(crate) struct Job {
    /// The series as stored.
    pub(crate) serie: Series,
    /// For a re-check: the stored state, whose validators make the look-up conditional.
    pub(crate) recheck: Option<RecheckState>,
}

/// The outcome of scanning one series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesScan {
    /// The series as saved after the scan.
    pub serie: Series,
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
    policy: Mutex<RecheckPolicy>,
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
            policy: Mutex::new(RecheckPolicy::default()),
        }
    }

    /// Sets the re-check periods and cap used from now on (the `scheduler` section).
    pub fn set_recheck_policy(&self, policy: RecheckPolicy) {
        *self.policy.lock().unwrap_or_else(|p| p.into_inner()) = policy;
    }

    /// The re-check periods and cap in use.
    pub fn recheck_policy(&self) -> RecheckPolicy {
        *self.policy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Scans in `mode`: [`Scanner::scan_all`] or [`Scanner::scan_changed`].
    pub fn scan(
        &self,
        mode: RescanMode,
        anime_dir: &Path,
        on_progress: &mut dyn FnMut(ScanProgress),
        cancel: &CancelToken,
    ) -> Result<ScanReport, LibraryError> {
        match mode {
            RescanMode::Full => self.scan_all(anime_dir, on_progress, cancel),
            RescanMode::Changed => self.scan_changed(anime_dir, on_progress, cancel),
        }
    }

    /// Scans every series of the library. `on_progress` is called on the calling thread after each
    /// series; `cancel` stops further catalogue look-ups (the report then says `cancelled`).
    ///
    /// The library is read, walked and looked up a page of [`SCAN_PAGE`] series at a time (in key
    /// order, each page after the last key of the one before), so a scan holds one page, not the
    /// whole library, whatever its size.
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
        let total = self.repo.count_series()?;
        let mut report = ScanReport {
            series_total: total,
            mode: RescanMode::Full,
            ..Default::default()
        };
        let mut done = 0;
        let mut progress = |key: &str| {
            done += 1;
            on_progress(ScanProgress {
                done,
                total: total.max(done),
                current_key: key.to_string(),
            });
        };
        let mut after: Option<String> = None;
        while !cancel.is_cancelled() {
            let page = self.repo.series_after(after.as_deref(), SCAN_PAGE)?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            let walk = self.walk(anime_dir, page.iter().map(|s| s.folder.clone()))?;
            report.walk += walk.stats;
            let full = page.len() == SCAN_PAGE;
            let jobs: Vec<Job> = page
                .into_iter()
                .map(|serie| Job {
                    serie,
                    recheck: None,
                })
                .collect();
            self.scan_page(&jobs, &walk, &mut report, &mut progress, cancel);
            if !full {
                break;
            }
        }
        report.series_total = report.series_total.max(done);
        report.cancelled = cancel.is_cancelled() && done < report.series_total;
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

    /// Looks up and saves one page of series whose folders `walk` has read. A re-check is
    /// looked up with its stored validators; a "not modified" answer keeps the series as it is.
    pub(crate) fn scan_page(
        &self,
        page: &[Job],
        walk: &LibraryWalk,
        report: &mut ScanReport,
        progress: &mut dyn FnMut(&str),
        cancel: &CancelToken,
    ) {
        // Series whose folder could not be read are not looked up: their state stays as it was.
        let mut jobs = Vec::with_capacity(page.len());
        for job in page {
            match walk.failed.get(&job.serie.folder) {
                Some(e) => {
                    self.fail(report, &job.serie.key, e.to_string());
                    progress(&job.serie.key);
                }
                None => jobs.push(job),
            }
        }
        if jobs.is_empty() {
            return;
        }
        let workers = self.options.lookup_concurrency.clamp(1, jobs.len().max(1));
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel::<(usize, Result<Lookup, SourceError>)>();
            for n in 0..workers {
                let (tx, next, jobs, source) = (tx.clone(), &next, &jobs, &self.source);
                let spawned = std::thread::Builder::new()
                    .name(format!("scan-lookup-{n}"))
                    .spawn_scoped(s, move || {
                        while !cancel.is_cancelled() {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(job) = jobs.get(i) else { break };
                            let key = &job.serie.key;
                            let answer = match &job.recheck {
                                Some(st) if !st.validators.is_empty() => {
                                    source.series_if_changed(key, &st.validators)
                                }
                                _ => source.series(key).map(|c| Lookup::Changed(Box::new(c))),
                            };
                            if tx.send((i, answer)).is_err() {
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
                let job = jobs[i];
                let serie = &job.serie;
                match looked_up {
                    Ok(Lookup::Changed(cat)) => {
                        match self.save_episodes(serie, &cat, &walk.present(&serie.folder)) {
                            Ok(missing) => {
                                report.series_scanned += 1;
                                report.missing_total += missing.len();
                            }
                            Err(e) => self.fail(report, &serie.key, e.to_string()),
                        }
                    }
                    Ok(Lookup::NotModified) => {
                        let stored = job.recheck.clone().unwrap_or_default();
                        match self.save_unchanged(&serie.key, stored) {
                            Ok(()) => report.skipped.not_modified += 1,
                            Err(e) => self.fail(report, &serie.key, e.to_string()),
                        }
                    }
                    Err(e) => self.fail(report, &serie.key, e.to_string()),
                }
                progress(&serie.key);
            }
        });
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
        serie: &Series,
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

    /// Saves the merged episode list (and fresher metadata) of one series, and what the next
    /// changed scan needs (end flag, validators, planned re-check); returns what is missing.
    fn save_episodes(
        &self,
        serie: &Series,
        cat: &CatalogueSeries,
        present: &PresentEpisodes,
    ) -> Result<Vec<EpisodeId>, LibraryError> {
        let merged = merge_episodes(&cat.episodes, present);
        if let Some(updated) = refreshed_meta(serie, cat) {
            self.repo.update_series_meta(&updated)?;
        }
        self.repo.replace_episodes(&serie.key, &merged.records)?;
        let state = RecheckState {
            ended: cat.ended,
            validators: cat.validators.clone(),
            next_check_at: Some(next_check(
                &serie.key,
                cat.ended,
                Utc::now(),
                &self.recheck_policy(),
            )),
        };
        self.repo.save_recheck_state(&serie.key, &state)?;
        Ok(merged.missing)
    }

    /// Records a re-check the catalogue answered with "not modified": scanned now, its episodes
    /// and validators kept, its next re-check planned.
    fn save_unchanged(&self, key: &str, stored: RecheckState) -> Result<(), LibraryError> {
        let state = RecheckState {
            next_check_at: Some(next_check(
                key,
                stored.ended,
                Utc::now(),
                &self.recheck_policy(),
            )),
            ..stored
        };
        self.repo.record_unchanged(key, &state)?;
        Ok(())
    }

    /// Walks the series folders `folders` with the shared cache.
    pub(crate) fn walk(
        &self,
        anime_dir: &Path,
        folders: impl IntoIterator<Item = String>,
    ) -> Result<LibraryWalk, LibraryError> {
        let options = WalkOptions {
            threads: self.options.walk_threads,
            folders: Some(folders.into_iter().collect::<HashSet<_>>()),
        };
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        walk_library(anime_dir, &options, Some(&mut cache))
    }

    /// Records a failed series in the report and on the series.
    pub(crate) fn fail(&self, report: &mut ScanReport, key: &str, error: String) {
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
