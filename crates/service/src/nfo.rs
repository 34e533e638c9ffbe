//! The NFO area's service: finds a library series (by key; by folder as a deprecated fallback),
//! turns it into its folder under the configured anime directory and hands the work to
//! `aniworld-metadata`.
//!
//! The [`MetadataService`] is built from the effective `nfo` configuration and built again when
//! that section changes, so a TMDB key set through `PUT /api/config` works at once. Paths handed
//! out are the configured anime directory string joined with the series folder, never
//! canonicalised (architecture.md, "Settled details").

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aniworld_core::config::NfoConfig;
use aniworld_core::naming::{self, episode_relative_path};
use aniworld_core::ports::{RepoError, SeriesRepo};
use aniworld_core::{DownloadItem, Series};
use aniworld_metadata::{
    BatchItem, BatchItemResult, BatchOutcome, BatchReport, CreateOutcome, CreateRequest,
    MediaReport, MediaSelection, MediaStatus, MetadataError, MetadataService, NfoContent,
    NfoStatus,
};

use crate::config::ConfigService;

/// Why an NFO operation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum NfoError {
    /// No series with this key (or folder) is in the library.
    #[error("Series '{0}' not found")]
    UnknownSeries(String),
    /// `other.anime_directory` is not set, so no series folder can be named.
    #[error(
        "The anime directory is not configured; set it with POST /api/config/directory or --anime-dir"
    )]
    NoAnimeDirectory,
    /// A stored folder name would leave the anime directory (a damaged library entry).
    #[error("series '{key}' has an unusable folder name {folder:?}")]
    UnsafeFolder {
        /// The series key.
        key: String,
        /// The stored folder name.
        folder: String,
    },
    /// The library store failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// TMDB, the NFO file or the artwork failed.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
}

/// A library series and its folder.
#[derive(Debug, Clone)]
pub struct SeriesFolder {
    /// The series as stored.
    pub serie: Series,
    /// Anime directory (as configured) joined with the series folder.
    pub dir: PathBuf,
}

/// What `POST /api/nfo/{id}/create` asks for; `None` media switches take the `nfo` config value.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Title to search TMDB for; None = the folder name.
    pub name: Option<String>,
    /// First-air year; None = the series' year.
    pub year: Option<i32>,
    /// Download `poster.jpg`.
    pub download_poster: Option<bool>,
    /// Download `logo.png`.
    pub download_logo: Option<bool>,
    /// Download `fanart.jpg`.
    pub download_fanart: Option<bool>,
    /// Replace an existing `tvshow.nfo`.
    pub overwrite: bool,
}

/// One series of a batch: its result, or that the key is unknown.
#[derive(Debug, Clone)]
pub struct BatchEntry {
    /// The key as sent.
    pub series_id: String,
    /// Its folder name, None when the key is unknown.
    pub series_folder: Option<String>,
    /// What happened.
    pub outcome: BatchOutcome,
}

/// Totals and per-series results of a batch, in request order.
#[derive(Debug, Clone)]
pub struct BatchSummary {
    /// Series asked for.
    pub total: usize,
    /// NFOs written.
    pub successful: usize,
    /// Unknown series and failures.
    pub failed: usize,
    /// Series skipped because an NFO exists.
    pub skipped: usize,
    /// Per-series results.
    pub results: Vec<BatchEntry>,
}

/// A series without `tvshow.nfo`.
#[derive(Debug, Clone)]
pub struct MissingEntry {
    /// The series and its folder.
    pub series: SeriesFolder,
    /// Its artwork.
    pub media: MediaStatus,
}

/// Series without NFO out of all series.
#[derive(Debug, Clone)]
pub struct MissingReport {
    /// Series in the library.
    pub total_series: usize,
    /// Those without `tvshow.nfo`, by name.
    pub missing: Vec<MissingEntry>,
}

/// NFO operations on library series. Safe to share between threads.
pub struct NfoService {
    series: Arc<dyn SeriesRepo>,
    config: Arc<ConfigService>,
    current: Mutex<Option<(NfoConfig, Arc<MetadataService>)>>,
}

impl std::fmt::Debug for NfoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NfoService").finish_non_exhaustive()
    }
}

impl NfoService {
    /// A service over the library store and the configuration.
    pub fn new(series: Arc<dyn SeriesRepo>, config: Arc<ConfigService>) -> Self {
        Self {
            series,
            config,
            current: Mutex::new(None),
        }
    }

    /// The metadata service of the current `nfo` configuration.
    pub fn metadata(&self) -> Arc<MetadataService> {
        let cfg = self.config.current();
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match current.as_ref() {
            Some((seen, svc)) if *seen == cfg.nfo => svc.clone(),
            _ => {
                let svc = Arc::new(MetadataService::from_config(&cfg.nfo));
                *current = Some((cfg.nfo.clone(), svc.clone()));
                svc
            }
        }
    }

    /// The series `id` names and its folder: 404 for unknown ids, then the anime directory.
    pub fn resolve(&self, id: &str) -> Result<SeriesFolder, NfoError> {
        let serie = match self.series.get_series(id)? {
            Some(s) => s,
            None => self
                .series
                .find_series_by_folder(id)?
                .ok_or_else(|| NfoError::UnknownSeries(id.to_owned()))?,
        };
        let root = self.anime_dir()?;
        self.folder_of(&root, serie)
    }

    /// NFO and artwork status (needs a TMDB key, as api.md says).
    pub fn check(&self, id: &str) -> Result<(SeriesFolder, NfoStatus), NfoError> {
        let series = self.resolve(id)?;
        let svc = self.with_key()?;
        let status = svc.check(&series.dir);
        Ok((series, status))
    }

    /// Matches the series on TMDB (its IMDb id first) and writes `tvshow.nfo` and artwork.
    pub fn create(
        &self,
        id: &str,
        opts: &CreateOptions,
    ) -> Result<(SeriesFolder, CreateOutcome), NfoError> {
        let series = self.resolve(id)?;
        let svc = self.metadata();
        let req = self.create_request(&series.serie, opts);
        let outcome = svc.create(&series.dir, &req)?;
        Ok((series, outcome))
    }

    /// Rewrites an existing `tvshow.nfo` with fresh TMDB data.
    pub fn update(
        &self,
        id: &str,
        download_media: bool,
    ) -> Result<(SeriesFolder, CreateOutcome), NfoError> {
        let series = self.resolve(id)?;
        let svc = self.metadata();
        if !svc.has_nfo(&series.dir) {
            return Err(MetadataError::NfoMissing { path: series.dir }.into());
        }
        let svc = self.with_key()?;
        let outcome = svc.update(&series.dir, download_media)?;
        Ok((series, outcome))
    }

    /// The `tvshow.nfo` text.
    pub fn content(&self, id: &str) -> Result<(SeriesFolder, NfoContent), NfoError> {
        let series = self.resolve(id)?;
        let content = self.metadata().content(&series.dir)?;
        Ok((series, content))
    }

    /// Which artwork files exist.
    pub fn media_status(&self, id: &str) -> Result<MediaStatus, NfoError> {
        let series = self.resolve(id)?;
        Ok(self.metadata().media_status(&series.dir))
    }

    /// Downloads the selected artwork that is missing (needs the NFO for the TMDB id).
    pub fn download_media(&self, id: &str, which: MediaSelection) -> Result<MediaReport, NfoError> {
        let series = self.resolve(id)?;
        let svc = self.metadata();
        if !svc.has_nfo(&series.dir) {
            return Err(MetadataError::NfoMissing { path: series.dir }.into());
        }
        let svc = self.with_key()?;
        Ok(svc.download_media(&series.dir, which)?)
    }

    /// Creates NFOs for many series, `max_concurrent` at a time. Unknown keys count as failed.
    pub fn batch(
        &self,
        ids: &[String],
        download_media: bool,
        skip_existing: bool,
        max_concurrent: usize,
    ) -> Result<BatchSummary, NfoError> {
        let svc = self.with_key()?;
        let root = self.anime_dir()?;
        let opts = CreateOptions {
            download_poster: Some(download_media),
            download_logo: Some(download_media),
            download_fanart: Some(download_media),
            ..CreateOptions::default()
        };
        // Slots in request order: the index into `items` and the folder, or a failed entry.
        let mut slots: Vec<Result<(usize, String), BatchEntry>> = Vec::with_capacity(ids.len());
        let mut items = Vec::new();
        for id in ids {
            let found = match self.series.get_series(id)? {
                Some(s) => self.folder_of(&root, s),
                None => Err(NfoError::UnknownSeries(id.clone())),
            };
            match found {
                Ok(series) => {
                    slots.push(Ok((items.len(), series.serie.folder.clone())));
                    items.push(BatchItem {
                        id: id.clone(),
                        request: self.create_request(&series.serie, &opts),
                        series_dir: series.dir,
                    });
                }
                Err(e) => slots.push(Err(BatchEntry {
                    series_id: id.clone(),
                    series_folder: None,
                    outcome: BatchOutcome::Failed {
                        message: e.to_string(),
                    },
                })),
            }
        }
        let report: BatchReport = svc.create_many(items, max_concurrent, skip_existing);
        let mut done: Vec<Option<BatchItemResult>> = report.results.into_iter().map(Some).collect();
        let results: Vec<BatchEntry> = slots
            .into_iter()
            .zip(ids)
            .map(|(slot, id)| match slot {
                Ok((i, folder)) => BatchEntry {
                    series_id: id.clone(),
                    series_folder: Some(folder),
                    outcome: done.get_mut(i).and_then(Option::take).map_or_else(
                        || BatchOutcome::Failed {
                            message: "not processed".into(),
                        },
                        |r| r.outcome,
                    ),
                },
                Err(entry) => entry,
            })
            .collect();
        let count = |f: fn(&BatchOutcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
        Ok(BatchSummary {
            total: results.len(),
            successful: count(|o| matches!(o, BatchOutcome::Created { .. })),
            failed: count(|o| matches!(o, BatchOutcome::Failed { .. })),
            skipped: count(|o| matches!(o, BatchOutcome::Skipped)),
            results,
        })
    }

    /// The series without `tvshow.nfo`.
    pub fn missing(&self) -> Result<MissingReport, NfoError> {
        let svc = self.with_key()?;
        let root = self.anime_dir()?;
        let mut total_series = 0;
        let mut missing = Vec::new();
        // The library is read a page at a time; only the answer grows with it.
        let mut after: Option<String> = None;
        loop {
            let page = self.series.series_after(after.as_deref(), 200)?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            total_series += page.len();
            for serie in page {
                let series = match self.folder_of(&root, serie) {
                    Ok(s) => s,
                    Err(e) => {
                        log::warn!("missing NFO list: {e}");
                        continue;
                    }
                };
                if !svc.has_nfo(&series.dir) {
                    let media = svc.media_status(&series.dir);
                    missing.push(MissingEntry { series, media });
                }
            }
        }
        missing.sort_by_cached_key(|m| {
            (
                aniworld_core::series::sort_name(&m.series.serie.name),
                m.series.serie.key.clone(),
            )
        });
        Ok(MissingReport {
            total_series,
            missing,
        })
    }

    /// After a download completed: writes the episode's `<video>.nfo` when `nfo.episode_nfo` is
    /// on, a TMDB key is set and the series has a `tvshow.nfo` with a TMDB id. Returns the path
    /// written, None when there was nothing to do.
    pub fn episode_downloaded(&self, item: &DownloadItem) -> Result<Option<PathBuf>, NfoError> {
        let cfg = self.config.current();
        if !cfg.nfo.episode_nfo {
            return Ok(None);
        }
        let svc = self.metadata();
        if !svc.has_api_key() {
            return Ok(None);
        }
        let root = self.anime_dir()?;
        let Ok(folder) = naming::SeriesFolder::parse(&item.series_folder) else {
            return Err(NfoError::UnsafeFolder {
                key: item.series_id.clone(),
                folder: item.series_folder.clone(),
            });
        };
        let series_dir = root.join(&folder);
        if !svc.has_nfo(&series_dir) || svc.read(&series_dir)?.tmdb_id.is_none() {
            return Ok(None);
        }
        let id = item.episode.id();
        let video = root.join(episode_relative_path(folder.as_str(), id));
        // A download that was running when the anime folder changed finished in the old folder
        // (the queue never moves a running download): its NFO belongs there, not here.
        if !video.is_file() {
            log::info!(
                "no episode NFO for {}: the video is not in the anime folder {}",
                video.display(),
                root.display()
            );
            return Ok(None);
        }
        Ok(svc.write_episode_nfo(&series_dir, &video, id.season, id.episode)?)
    }

    /// Runs [`NfoService::episode_downloaded`] on its own thread, so the caller (the queue's
    /// event sink) never waits on TMDB; the outcome is logged.
    pub fn episode_downloaded_in_background(self: &Arc<Self>, item: DownloadItem) {
        let nfo = self.clone();
        let spawned = std::thread::Builder::new()
            .name("episode-nfo".into())
            .spawn(move || match nfo.episode_downloaded(&item) {
                Ok(Some(path)) => log::info!("episode NFO written: {}", path.display()),
                Ok(None) => {}
                Err(e) => log::warn!(
                    "episode NFO for {} S{:02}E{:02}: {e}",
                    item.series_id,
                    item.episode.season,
                    item.episode.episode
                ),
            });
        if let Err(e) = spawned {
            log::warn!("episode NFO not written: no thread: {e}");
        }
    }

    /// After a series was added: when `nfo.auto_create` is on and a TMDB key is set, creates its
    /// `tvshow.nfo` and artwork (as the `nfo` section selects) on its own thread; an existing NFO
    /// is kept. The outcome is logged.
    pub fn series_added_in_background(self: &Arc<Self>, key: String) {
        let cfg = self.config.current();
        if !cfg.nfo.auto_create || !cfg.nfo.tmdb_api_key.is_set() {
            return;
        }
        let nfo = self.clone();
        let spawned =
            std::thread::Builder::new()
                .name("series-nfo".into())
                .spawn(move || match nfo.create(&key, &CreateOptions::default()) {
                    Ok((_, o)) => log::info!("tvshow.nfo written for {key} (TMDB {})", o.tmdb_id),
                    Err(NfoError::Metadata(MetadataError::AlreadyExists { .. })) => {}
                    Err(e) => log::warn!("tvshow.nfo for {key} not written: {e}"),
                });
        if let Err(e) = spawned {
            log::warn!("tvshow.nfo not written: no thread: {e}");
        }
    }

    fn with_key(&self) -> Result<Arc<MetadataService>, NfoError> {
        let svc = self.metadata();
        if svc.has_api_key() {
            Ok(svc)
        } else {
            Err(MetadataError::NoApiKey.into())
        }
    }

    fn anime_dir(&self) -> Result<PathBuf, NfoError> {
        self.config
            .current()
            .anime_dir()
            .ok_or(NfoError::NoAnimeDirectory)
    }

    fn folder_of(&self, root: &Path, serie: Series) -> Result<SeriesFolder, NfoError> {
        let Ok(folder) = naming::SeriesFolder::parse(&serie.folder) else {
            return Err(NfoError::UnsafeFolder {
                key: serie.key,
                folder: serie.folder,
            });
        };
        Ok(SeriesFolder {
            dir: root.join(folder),
            serie,
        })
    }

    fn create_request(&self, serie: &Series, opts: &CreateOptions) -> CreateRequest {
        let cfg = self.config.current();
        CreateRequest {
            name: opts.name.clone().filter(|n| !n.trim().is_empty()),
            year: opts.year.or(serie.year),
            imdb_id: serie.imdb_id.clone().filter(|i| !i.trim().is_empty()),
            tmdb_id: None,
            download_poster: opts.download_poster.unwrap_or(cfg.nfo.download_poster),
            download_logo: opts.download_logo.unwrap_or(cfg.nfo.download_logo),
            download_fanart: opts.download_fanart.unwrap_or(cfg.nfo.download_fanart),
            overwrite: opts.overwrite,
        }
    }
}
