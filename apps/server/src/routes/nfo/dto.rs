//! Request and response bodies of the NFO endpoints (api.md section 6).

use std::path::Path;

use aniworld_metadata::{BatchOutcome, MediaStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use aniworld_service::nfo::{BatchEntry, BatchSummary, MissingReport, SeriesFolder};

/// Smallest and largest `max_concurrent` of a batch.
pub const MAX_CONCURRENT_RANGE: std::ops::RangeInclusive<i64> = 1..=10;

/// A path as the API shows it.
pub fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `media_files`: which artwork exists and where.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaFiles {
    /// `poster.jpg` exists.
    pub has_poster: bool,
    /// `logo.png` exists.
    pub has_logo: bool,
    /// `fanart.jpg` exists.
    pub has_fanart: bool,
    /// Path of `poster.jpg`, or null.
    pub poster_path: Option<String>,
    /// Path of `logo.png`, or null.
    pub logo_path: Option<String>,
    /// Path of `fanart.jpg`, or null.
    pub fanart_path: Option<String>,
}

impl From<&MediaStatus> for MediaFiles {
    fn from(m: &MediaStatus) -> Self {
        Self {
            has_poster: m.has_poster,
            has_logo: m.has_logo,
            has_fanart: m.has_fanart,
            poster_path: m.poster_path.as_deref().map(path_text),
            logo_path: m.logo_path.as_deref().map(path_text),
            fanart_path: m.fanart_path.as_deref().map(path_text),
        }
    }
}

/// Answer of `GET /api/nfo/{serie_id}/check`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NfoCheckResponse {
    /// The series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Its folder name.
    #[serde(rename = "serie_folder")]
    pub series_folder: String,
    /// `tvshow.nfo` exists.
    pub has_nfo: bool,
    /// Path of `tvshow.nfo`, or null.
    pub nfo_path: Option<String>,
    /// Artwork status.
    pub media_files: MediaFiles,
}

/// Body of `POST /api/nfo/{serie_id}/create`; every field is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NfoCreateRequest {
    /// Title to search TMDB for (default: the folder name). The series' IMDb id, when the
    /// catalogue gave one, is tried first.
    #[serde(rename = "serie_name")]
    pub series_name: Option<String>,
    /// First-air year to narrow the search.
    pub year: Option<i32>,
    /// Download `poster.jpg` (default true, or the `nfo.download_poster` setting).
    pub download_poster: Option<bool>,
    /// Download `logo.png` (default true, or the `nfo.download_logo` setting).
    pub download_logo: Option<bool>,
    /// Download `fanart.jpg` (default true, or the `nfo.download_fanart` setting).
    pub download_fanart: Option<bool>,
    /// Replace an existing `tvshow.nfo` (default false: 409 when one exists).
    pub overwrite_existing: bool,
}

/// Answer of create and update.
#[derive(Debug, Serialize, ToSchema)]
pub struct NfoWriteResponse {
    /// The series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Its folder name.
    #[serde(rename = "serie_folder")]
    pub series_folder: String,
    /// Path of the written `tvshow.nfo`.
    pub nfo_path: String,
    /// Artwork status afterwards.
    pub media_files: MediaFiles,
    /// What was done (names artwork that could not be downloaded).
    pub message: String,
}

/// Query of `PUT /api/nfo/{serie_id}/update`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UpdateQuery {
    /// Download the artwork again (default true).
    pub download_media: Option<bool>,
}

/// Answer of `GET /api/nfo/{serie_id}/content`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NfoContentResponse {
    /// The series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Its folder name.
    #[serde(rename = "serie_folder")]
    pub series_folder: String,
    /// The XML text.
    pub content: String,
    /// Size in bytes.
    pub file_size: u64,
    /// Modification time, local, `YYYY-MM-DDTHH:MM:SS`.
    pub last_modified: String,
}

/// Body of `POST /api/nfo/{serie_id}/media/download`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(default)]
pub struct MediaDownloadRequest {
    /// Download `poster.jpg` when missing (default true).
    pub download_poster: bool,
    /// Download `logo.png` when missing (default true).
    pub download_logo: bool,
    /// Download `fanart.jpg` when missing (default true).
    pub download_fanart: bool,
}

impl Default for MediaDownloadRequest {
    fn default() -> Self {
        Self {
            download_poster: true,
            download_logo: true,
            download_fanart: true,
        }
    }
}

/// Body of `POST /api/nfo/batch/create`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchCreateRequest {
    /// Series keys to process.
    #[serde(rename = "serie_ids")]
    pub series_ids: Vec<String>,
    /// Download artwork (default true).
    #[serde(default = "yes")]
    pub download_media: bool,
    /// Skip series that have a `tvshow.nfo` (default true); false replaces them.
    #[serde(default = "yes")]
    pub skip_existing: bool,
    /// Series processed at once, 1 to 10 (default 3).
    #[serde(default = "three")]
    #[schema(minimum = 1, maximum = 10)]
    pub max_concurrent: i64,
}

fn yes() -> bool {
    true
}

fn three() -> i64 {
    3
}

/// One series of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    /// The series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Its folder name; null for an unknown key.
    #[serde(rename = "serie_folder")]
    pub series_folder: Option<String>,
    /// Whether an NFO was written (false for skipped and failed series).
    pub success: bool,
    /// What happened.
    pub message: String,
    /// Path of the written `tvshow.nfo`, or null.
    pub nfo_path: Option<String>,
}

impl From<BatchEntry> for BatchResult {
    fn from(e: BatchEntry) -> Self {
        let (success, message, nfo_path) = match e.outcome {
            BatchOutcome::Created { nfo_path, .. } => (
                true,
                "NFO created successfully".to_owned(),
                Some(path_text(&nfo_path)),
            ),
            BatchOutcome::Skipped => (false, "Skipped - NFO already exists".to_owned(), None),
            BatchOutcome::Failed { message } => (false, message, None),
        };
        Self {
            series_id: e.series_id,
            series_folder: e.series_folder,
            success,
            message,
            nfo_path,
        }
    }
}

/// Answer of `POST /api/nfo/batch/create`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchCreateResponse {
    /// Series asked for.
    pub total: usize,
    /// NFOs written.
    pub successful: usize,
    /// Unknown series and failures.
    pub failed: usize,
    /// Series skipped because an NFO exists.
    pub skipped: usize,
    /// Per-series results in request order.
    pub results: Vec<BatchResult>,
}

impl From<BatchSummary> for BatchCreateResponse {
    fn from(s: BatchSummary) -> Self {
        Self {
            total: s.total,
            successful: s.successful,
            failed: s.failed,
            skipped: s.skipped,
            results: s.results.into_iter().map(BatchResult::from).collect(),
        }
    }
}

/// A series without `tvshow.nfo`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingSeries {
    /// The series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Its folder name.
    #[serde(rename = "serie_folder")]
    pub series_folder: String,
    /// Its display name.
    #[serde(rename = "serie_name")]
    pub series_name: String,
    /// Whether any artwork exists.
    pub has_media: bool,
    /// Artwork status.
    pub media_files: MediaFiles,
}

/// Answer of `GET /api/nfo/missing`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingResponse {
    /// Series in the library.
    pub total_series: usize,
    /// Series without `tvshow.nfo`.
    pub missing_nfo_count: usize,
    /// Those series, by name.
    pub series: Vec<MissingSeries>,
}

impl From<MissingReport> for MissingResponse {
    fn from(r: MissingReport) -> Self {
        Self {
            total_series: r.total_series,
            missing_nfo_count: r.missing.len(),
            series: r
                .missing
                .into_iter()
                .map(|m| MissingSeries {
                    series_id: m.series.serie.key,
                    series_folder: m.series.serie.folder,
                    series_name: m.series.serie.name,
                    has_media: m.media.has_any(),
                    media_files: MediaFiles::from(&m.media),
                })
                .collect(),
        }
    }
}

/// The key and folder of a resolved series.
pub fn ids(series: &SeriesFolder) -> (String, String) {
    (series.serie.key.clone(), series.serie.folder.clone())
}
