//! The facade the server calls: one method per endpoint of api.md section 6 (check, create,
//! update, content, media status, media download), plus episode NFOs for the download queue.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Local, NaiveDateTime, Timelike};
use serde::Serialize;

use aniworld_core::config::NfoConfig;
use aniworld_core::naming::season_dir_name;

use crate::artwork::{self, ChosenArt, MediaKind, MediaSelection, MediaStatus};
use crate::error::{MetadataError, Result};
use crate::fsutil::write_atomic;
use crate::matching::{MatchConfidence, MatchQuery, find_series, parse_folder_name};
use crate::nfo::{NfoInfo, read_nfo, writer};
use crate::tmdb::model::{SeasonDetails, TvDetails};
use crate::tmdb::{TmdbClient, TmdbSettings};

/// Name of the series NFO.
pub const TVSHOW_NFO: &str = "tvshow.nfo";

/// Extra files Jellyfin users expect (config `nfo` section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NfoOptions {
    /// Write `<video>.nfo` for downloaded episodes.
    pub episode_nfo: bool,
    /// Write `season.nfo` in existing season folders and `seasonNN-poster.jpg` files.
    pub season_nfo: bool,
}

impl Default for NfoOptions {
    fn default() -> Self {
        Self {
            episode_nfo: true,
            season_nfo: true,
        }
    }
}

/// `GET /api/nfo/{id}/check`: whether the NFO and the artwork exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NfoStatus {
    /// `tvshow.nfo` exists.
    pub has_nfo: bool,
    /// Its path (series folder as given + `tvshow.nfo`), or None.
    pub nfo_path: Option<PathBuf>,
    /// Artwork status.
    pub media_files: MediaStatus,
}

/// `GET /api/nfo/{id}/content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NfoContent {
    /// The XML text.
    pub content: String,
    /// Size in bytes.
    pub file_size: u64,
    /// Modification time, local time, whole seconds.
    pub last_modified: NaiveDateTime,
}

/// `POST /api/nfo/{id}/create` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRequest {
    /// Title to search for; None = the folder name without year and id tags.
    pub name: Option<String>,
    /// First-air year; None = the year in the folder name, if any.
    pub year: Option<i32>,
    /// IMDb id from the catalogue page; used through TMDB `/find` first.
    pub imdb_id: Option<String>,
    /// Exact TMDB id; wins over everything.
    pub tmdb_id: Option<u64>,
    /// Download `poster.jpg` (and season posters).
    pub download_poster: bool,
    /// Download `logo.png`.
    pub download_logo: bool,
    /// Download `fanart.jpg`.
    pub download_fanart: bool,
    /// Replace an existing `tvshow.nfo` and existing artwork.
    pub overwrite: bool,
}

impl Default for CreateRequest {
    fn default() -> Self {
        Self {
            name: None,
            year: None,
            imdb_id: None,
            tmdb_id: None,
            download_poster: true,
            download_logo: true,
            download_fanart: true,
            overwrite: false,
        }
    }
}

impl CreateRequest {
    fn selection(&self) -> MediaSelection {
        MediaSelection {
            poster: self.download_poster,
            logo: self.download_logo,
            fanart: self.download_fanart,
        }
    }
}

/// An image that could not be downloaded (the NFO is still written).
#[derive(Debug)]
pub struct MediaFailure {
    /// The file that was to be written (`poster.jpg`, `season01-poster.jpg`...).
    pub file_name: String,
    /// Why.
    pub error: MetadataError,
}

/// Result of a create or update.
#[derive(Debug)]
pub struct CreateOutcome {
    /// The written `tvshow.nfo`.
    pub nfo_path: PathBuf,
    /// TMDB series id used.
    pub tmdb_id: u64,
    /// Title written.
    pub title: String,
    /// How the series was matched.
    pub confidence: MatchConfidence,
    /// Artwork status afterwards.
    pub media_files: MediaStatus,
    /// Images that failed; empty when all went well.
    pub media_errors: Vec<MediaFailure>,
}

/// Result of a media download.
#[derive(Debug)]
pub struct MediaReport {
    /// Artwork status afterwards.
    pub media_files: MediaStatus,
    /// Images that failed.
    pub errors: Vec<MediaFailure>,
}

/// TMDB, NFO and artwork for series folders. Safe to share between threads.
#[derive(Debug)]
pub struct MetadataService {
    client: TmdbClient,
    options: NfoOptions,
    seasons: Mutex<HashMap<(u64, u32), Arc<SeasonDetails>>>,
}

impl MetadataService {
    /// A service with default options (episode and season files on).
    pub fn new(settings: TmdbSettings) -> Self {
        Self {
            client: TmdbClient::new(settings),
            options: NfoOptions::default(),
            seasons: Mutex::new(HashMap::new()),
        }
    }

    /// A service from the config's `nfo` section.
    pub fn from_config(cfg: &NfoConfig) -> Self {
        Self::new(TmdbSettings::from_config(cfg)).with_options(NfoOptions {
            episode_nfo: cfg.episode_nfo,
            season_nfo: cfg.season_nfo,
        })
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: NfoOptions) -> Self {
        self.options = options;
        self
    }

    /// The TMDB client.
    pub fn client(&self) -> &TmdbClient {
        &self.client
    }

    /// Whether a TMDB key is configured (without one the endpoints answer 503).
    pub fn has_api_key(&self) -> bool {
        self.client.has_api_key()
    }

    /// Whether `tvshow.nfo` exists in the folder.
    pub fn has_nfo(&self, series_dir: &Path) -> bool {
        series_dir.join(TVSHOW_NFO).is_file()
    }

    /// NFO and artwork status; never touches the network.
    pub fn check(&self, series_dir: &Path) -> NfoStatus {
        let nfo = series_dir.join(TVSHOW_NFO);
        let has_nfo = nfo.is_file();
        NfoStatus {
            has_nfo,
            nfo_path: has_nfo.then_some(nfo),
            media_files: MediaStatus::of(series_dir),
        }
    }

    /// Artwork status.
    pub fn media_status(&self, series_dir: &Path) -> MediaStatus {
        MediaStatus::of(series_dir)
    }

    /// What the folder's `tvshow.nfo` says (ids, title).
    pub fn read(&self, series_dir: &Path) -> Result<NfoInfo> {
        read_nfo(&self.existing_nfo(series_dir)?)
    }

    /// The NFO text with size and modification time.
    pub fn content(&self, series_dir: &Path) -> Result<NfoContent> {
        let path = self.existing_nfo(series_dir)?;
        let bytes = fs::read(&path).map_err(|e| MetadataError::io("read", &path, e))?;
        let meta = fs::metadata(&path).map_err(|e| MetadataError::io("stat", &path, e))?;
        let modified = meta
            .modified()
            .map_err(|e| MetadataError::io("read modification time of", &path, e))?;
        let local: DateTime<Local> = modified.into();
        let last_modified = local
            .naive_local()
            .with_nanosecond(0)
            .unwrap_or(local.naive_local());
        Ok(NfoContent {
            content: String::from_utf8_lossy(&bytes).into_owned(),
            file_size: meta.len(),
            last_modified,
        })
    }

    /// Matches the series on TMDB, writes `tvshow.nfo` and the selected artwork. Fails with
    /// [`MetadataError::AlreadyExists`] when the NFO exists and `overwrite` is false.
    pub fn create(&self, series_dir: &Path, req: &CreateRequest) -> Result<CreateOutcome> {
        let nfo = series_dir.join(TVSHOW_NFO);
        if !req.overwrite && nfo.is_file() {
            return Err(MetadataError::AlreadyExists { path: nfo });
        }
        if !self.client.has_api_key() {
            return Err(MetadataError::NoApiKey);
        }
        let folder = series_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (folder_name, folder_year, folder_tmdb) = parse_folder_name(&folder);
        let query = MatchQuery {
            name: req
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(folder_name),
            year: req.year.or(folder_year),
            imdb_id: req.imdb_id.clone(),
            tmdb_id: req.tmdb_id.or(folder_tmdb),
        };
        let found = find_series(&self.client, &query)?;
        self.write_all(
            series_dir,
            found.tmdb_id,
            found.confidence,
            req.selection(),
            req.overwrite,
        )
    }

    /// Rewrites an existing `tvshow.nfo` with fresh TMDB data (its TMDB id, else its IMDb id
    /// or title); with `download_media` the artwork is downloaded again and replaced.
    pub fn update(&self, series_dir: &Path, download_media: bool) -> Result<CreateOutcome> {
        let nfo = self.existing_nfo(series_dir)?;
        let info = read_nfo(&nfo)?;
        let found = self.match_from_nfo(&nfo, &info)?;
        let selection = if download_media {
            MediaSelection::ALL
        } else {
            MediaSelection::default()
        };
        self.write_all(series_dir, found.0, found.1, selection, true)
    }

    /// Downloads the selected artwork that is missing, using the NFO's TMDB id.
    pub fn download_media(&self, series_dir: &Path, which: MediaSelection) -> Result<MediaReport> {
        let nfo = self.existing_nfo(series_dir)?;
        let info = read_nfo(&nfo)?;
        let (id, _) = self.match_from_nfo(&nfo, &info)?;
        let d = self.client.tv_details(id)?;
        let art = artwork::choose(&d, self.client.language());
        let errors = self.download_art(series_dir, &d, &art, which, false);
        Ok(MediaReport {
            media_files: MediaStatus::of(series_dir),
            errors,
        })
    }

    /// Writes `<video file name>.nfo` beside a downloaded episode when episode NFOs are
    /// switched on; returns its path, or None when switched off.
    pub fn write_episode_nfo(
        &self,
        series_dir: &Path,
        video_path: &Path,
        season: u32,
        episode: u32,
    ) -> Result<Option<PathBuf>> {
        if !self.options.episode_nfo {
            return Ok(None);
        }
        let nfo = self.existing_nfo(series_dir)?;
        let info = read_nfo(&nfo)?;
        let (id, _) = self.match_from_nfo(&nfo, &info)?;
        let s = self.season_cached(id, season)?;
        let e = s
            .episodes
            .iter()
            .find(|e| e.episode_number == episode)
            .ok_or_else(|| MetadataError::NotFound {
                what: format!("episode S{season:02}E{episode:02} of TMDB series {id}"),
            })?;
        let title = info.title.unwrap_or_default();
        let xml = writer::render_episode(&title, e, &|p| self.client.image_url(p));
        let path = video_path.with_extension("nfo");
        write_atomic(&path, xml.as_bytes())?;
        Ok(Some(path))
    }

    fn season_cached(&self, id: u64, season: u32) -> Result<Arc<SeasonDetails>> {
        if let Some(s) = self.lock_seasons().get(&(id, season)) {
            return Ok(s.clone());
        }
        let s = Arc::new(self.client.season(id, season)?);
        self.lock_seasons().insert((id, season), s.clone());
        Ok(s)
    }

    fn lock_seasons(&self) -> std::sync::MutexGuard<'_, HashMap<(u64, u32), Arc<SeasonDetails>>> {
        self.seasons.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn existing_nfo(&self, series_dir: &Path) -> Result<PathBuf> {
        let nfo = series_dir.join(TVSHOW_NFO);
        if nfo.is_file() {
            Ok(nfo)
        } else {
            Err(MetadataError::NfoMissing {
                path: series_dir.to_path_buf(),
            })
        }
    }

    /// TMDB id from an NFO: its own id, else `/find` by IMDb id or a title search.
    fn match_from_nfo(&self, nfo: &Path, info: &NfoInfo) -> Result<(u64, MatchConfidence)> {
        if let Some(id) = info.tmdb_id {
            return Ok((id, MatchConfidence::ExplicitId));
        }
        if info.imdb_id.is_none() && info.title.is_none() {
            return Err(MetadataError::InvalidNfo {
                path: nfo.to_path_buf(),
                reason: "no TMDB id, IMDb id or title".into(),
            });
        }
        let found = find_series(
            &self.client,
            &MatchQuery {
                name: info.title.clone().unwrap_or_default(),
                year: info.year,
                imdb_id: info.imdb_id.clone(),
                tmdb_id: None,
            },
        )?;
        Ok((found.tmdb_id, found.confidence))
    }

    /// Fetches details, writes tvshow.nfo, season files and artwork.
    fn write_all(
        &self,
        series_dir: &Path,
        id: u64,
        confidence: MatchConfidence,
        selection: MediaSelection,
        overwrite: bool,
    ) -> Result<CreateOutcome> {
        let d = self.client.tv_details(id)?;
        let art = artwork::choose(&d, self.client.language());
        fs::create_dir_all(series_dir)
            .map_err(|e| MetadataError::io("create folder", series_dir, e))?;
        let xml = writer::render_tvshow(&d, &art, self.client.language(), &|p| {
            self.client.image_url(p)
        });
        let nfo = series_dir.join(TVSHOW_NFO);
        write_atomic(&nfo, xml.as_bytes())?;
        if self.options.season_nfo {
            self.write_season_nfos(series_dir, &d, overwrite)?;
        }
        let media_errors = self.download_art(series_dir, &d, &art, selection, overwrite);
        let title = if d.name.is_empty() {
            d.original_name
        } else {
            d.name
        };
        Ok(CreateOutcome {
            nfo_path: nfo,
            tmdb_id: d.id,
            title,
            confidence,
            media_files: MediaStatus::of(series_dir),
            media_errors,
        })
    }

    /// `season.nfo` in each season folder that exists.
    fn write_season_nfos(&self, series_dir: &Path, d: &TvDetails, overwrite: bool) -> Result<()> {
        for s in &d.seasons {
            let dir = series_dir.join(season_dir_name(s.season_number));
            let path = dir.join("season.nfo");
            if !dir.is_dir() || (!overwrite && path.is_file()) {
                continue;
            }
            let xml = writer::render_season(s, &|p| self.client.image_url(p));
            write_atomic(&path, xml.as_bytes())?;
        }
        Ok(())
    }

    /// Downloads the selected images (and season posters); failures are collected.
    fn download_art(
        &self,
        series_dir: &Path,
        d: &TvDetails,
        art: &ChosenArt,
        which: MediaSelection,
        overwrite: bool,
    ) -> Vec<MediaFailure> {
        let mut jobs: Vec<(String, &str)> = MediaKind::ALL
            .iter()
            .filter(|k| which.wants(**k))
            .filter_map(|k| art.path(*k).map(|p| (k.file_name().to_owned(), p)))
            .collect();
        if self.options.season_nfo && which.poster {
            for s in &d.seasons {
                if let Some(p) = s.poster_path.as_deref().filter(|p| !p.is_empty()) {
                    jobs.push((artwork::season_poster_name(s.season_number), p));
                }
            }
        }
        let mut failures = Vec::new();
        for (file_name, path) in jobs {
            let dest = series_dir.join(&file_name);
            if let Err(error) = artwork::download_to(&self.client, path, &dest, overwrite) {
                log::warn!(
                    "artwork {} for {}: {error}",
                    file_name,
                    series_dir.display()
                );
                failures.push(MediaFailure { file_name, error });
            }
        }
        failures
    }
}
