//! Port traits: what the domain crates need from each other.
//!
//! `crates/store` implements the repositories, `crates/provider` the catalogue source and the stream
//! resolver; the server plugs them together. Keeping the traits here lets `queue` and `library` stay
//! free of diesel and ureq.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use crate::download::{DownloadItem, ItemId};
use crate::episode::{EpisodeId, Language};
use crate::series::{NewSerie, Serie};

/// Error of a repository call.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The row does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A unique constraint was violated (e.g. a series key that exists).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed (I/O, corruption, pool exhausted); the text says what was being done.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// One episode as the library knows it: available on the catalogue and/or present on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeRecord {
    /// Season/episode.
    pub id: EpisodeId,
    /// German title from the catalogue.
    pub title_de: Option<String>,
    /// English title from the catalogue.
    pub title_en: Option<String>,
    /// Whether a video file for it exists on disk.
    pub is_downloaded: bool,
    /// Path of the file relative to the series folder, when downloaded.
    pub file_path: Option<String>,
}

/// Persistence of series and their episodes.
pub trait SeriesRepo: Send + Sync {
    /// Every series, ordered by name.
    fn list_series(&self) -> Result<Vec<Serie>, RepoError>;
    /// One series by key.
    fn get_series(&self, key: &str) -> Result<Option<Serie>, RepoError>;
    /// One series by folder name (deprecated look-up).
    fn find_series_by_folder(&self, folder: &str) -> Result<Option<Serie>, RepoError>;
    /// Inserts a series; `RepoError::Conflict` when the key exists.
    fn insert_series(&self, serie: &NewSerie) -> Result<Serie, RepoError>;
    /// Removes a series and its episodes; false when it did not exist.
    fn delete_series(&self, key: &str) -> Result<bool, RepoError>;
    /// Replaces the episode list of a series with the result of a scan, in one transaction,
    /// and records the scan time and clears the scan error.
    fn replace_episodes(&self, key: &str, episodes: &[EpisodeRecord]) -> Result<(), RepoError>;
    /// The episode list of a series.
    fn list_episodes(&self, key: &str) -> Result<Vec<EpisodeRecord>, RepoError>;
    /// Marks one episode as downloaded to `file_path` (inserting it when unknown).
    fn mark_downloaded(&self, key: &str, id: EpisodeId, file_path: &str) -> Result<(), RepoError>;
    /// Records that the last catalogue look-up of a series failed; its episodes stay as they were.
    fn record_scan_error(&self, key: &str, error: &str) -> Result<(), RepoError>;
    /// Updates catalogue metadata of a series (description, year, imdb id, cover).
    fn update_series_meta(&self, serie: &Serie) -> Result<(), RepoError>;
}

/// Persistence of the download queue. Every call is durable when it returns.
pub trait QueueRepo: Send + Sync {
    /// Every item, in no particular order.
    fn load_items(&self) -> Result<Vec<DownloadItem>, RepoError>;
    /// Inserts new items in one transaction.
    fn insert_items(&self, items: &[DownloadItem]) -> Result<(), RepoError>;
    /// Saves the full state of one item.
    fn save_item(&self, item: &DownloadItem) -> Result<(), RepoError>;
    /// Deletes items; returns how many existed.
    fn delete_items(&self, ids: &[ItemId]) -> Result<usize, RepoError>;
    /// Sets the positions of items in one transaction.
    fn set_positions(&self, positions: &[(ItemId, i64)]) -> Result<(), RepoError>;
    /// Puts every `downloading` item back to `pending` (after a restart); returns how many.
    fn reset_in_flight(&self) -> Result<usize, RepoError>;
}

/// Small persistent key/value settings (secrets, queue running state, scheduler state).
pub trait SettingsRepo: Send + Sync {
    /// The value of a key.
    fn get_setting(&self, key: &str) -> Result<Option<String>, RepoError>;
    /// Sets a key.
    fn set_setting(&self, key: &str, value: &str) -> Result<(), RepoError>;
    /// Removes a key.
    fn delete_setting(&self, key: &str) -> Result<(), RepoError>;
}

/// Revoked token ids (`jti`) and failed-login bookkeeping.
pub trait AuthRepo: Send + Sync {
    /// Revokes a token id until `expires_at`.
    fn revoke_token(&self, jti: &str, expires_at: DateTime<Utc>) -> Result<(), RepoError>;
    /// Whether a token id is revoked.
    fn is_token_revoked(&self, jti: &str) -> Result<bool, RepoError>;
    /// Deletes revocations whose tokens have expired anyway.
    fn purge_expired_revocations(&self, now: DateTime<Utc>) -> Result<usize, RepoError>;
    /// Records a login attempt from `client`.
    fn record_login_attempt(
        &self,
        client: &str,
        success: bool,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;
    /// Failed attempts since the last successful one (all clients together), newest last.
    fn failed_logins_since_success(&self) -> Result<Vec<DateTime<Utc>>, RepoError>;
}

/// Episode information from the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEpisode {
    /// Season/episode (season 0 = movies).
    pub id: EpisodeId,
    /// German title.
    pub title_de: Option<String>,
    /// English title.
    pub title_en: Option<String>,
}

/// What the catalogue says about a series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogueSeries {
    /// Title on the catalogue.
    pub title: String,
    /// First year.
    pub year: Option<i32>,
    /// Description.
    pub description: Option<String>,
    /// IMDb id, when the page links one.
    pub imdb_id: Option<String>,
    /// Cover image URL (absolute).
    pub cover_url: Option<String>,
    /// Every available episode, movies as season 0.
    pub episodes: Vec<CatalogueEpisode>,
    /// The series page as the site served it (after its redirects).
    pub page_url: Option<String>,
}

/// Why a catalogue look-up failed, in the categories callers act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceErrorKind {
    /// The series does not exist on the catalogue.
    NotFound,
    /// The catalogue answered with an anti-bot challenge or block page.
    Blocked,
    /// Network failure or 5xx after retries.
    Network,
    /// The page did not have the expected layout.
    Layout,
    /// Cancelled by the caller.
    Cancelled,
    /// The site put a verification wall (captcha, Turnstile/ALTCHA gate, challenge) in front of
    /// its play links. Not a failure of the item: it waits until [`SourceError::wait`] says.
    VerificationRequired,
}

/// Why and until when work for a site has to wait (a verification wall's cool-down).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WaitInfo {
    /// Why: `verification_required`.
    pub reason: String,
    /// The catalogue site id (`aniworld.to`, `s.to`).
    pub site: String,
    /// When the next attempt may be made.
    pub until: DateTime<Utc>,
}

/// Error of an [`EpisodeSource`] or [`StreamResolver`] call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    /// Category.
    pub kind: SourceErrorKind,
    /// Human-readable message (safe to show to users).
    pub message: String,
    /// For [`SourceErrorKind::VerificationRequired`]: until when the site's work waits.
    pub wait: Option<WaitInfo>,
}

impl SourceError {
    /// Builds an error.
    pub fn new(kind: SourceErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            wait: None,
        }
    }

    /// A verification-wall error: the work for `site` waits until `until`.
    pub fn verification_required(
        site: &str,
        until: DateTime<Utc>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind: SourceErrorKind::VerificationRequired,
            message: message.into(),
            wait: Some(WaitInfo {
                reason: "verification_required".into(),
                site: site.to_string(),
                until,
            }),
        }
    }
}

/// The catalogue as the scanner needs it.
pub trait EpisodeSource: Send + Sync {
    /// Series metadata and every available episode of the series `key`.
    fn series(&self, key: &str) -> Result<CatalogueSeries, SourceError>;
}

/// A cooperative cancellation flag shared between a caller and long-running work.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A fresh, not cancelled token.
    pub fn new() -> Self {
        Self::default()
    }
    /// Requests cancellation.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Kind of media a hoster yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// An HLS master or media playlist.
    Hls,
    /// A plain file (MP4) fetched with HTTP, resumable with Range.
    Direct,
}

/// A media URL with the headers its host wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSource {
    /// The URL of the playlist or file.
    pub url: String,
    /// HLS or direct.
    pub kind: MediaKind,
    /// Headers to send with every request for this media (Referer, User-Agent, Origin, ...).
    pub headers: Vec<(String, String)>,
    /// Hoster name it came from (e.g. `VOE`).
    pub hoster: String,
    /// Language of the stream.
    pub language: Language,
}

/// One failed hoster attempt, reported when no hoster worked or for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveAttempt {
    /// Hoster name.
    pub hoster: String,
    /// Language tried.
    pub language: Language,
    /// Why it failed.
    pub error: String,
}

/// What the download engine needs from the catalogue: a media source for an episode.
pub trait StreamResolver: Send + Sync {
    /// Resolves the episode `id` of series `key`, trying languages and hosters in the given
    /// preference order. On success also returns the attempts that failed before it.
    fn resolve(
        &self,
        key: &str,
        id: EpisodeId,
        languages: &[Language],
        hosters: &[String],
        cancel: &CancelToken,
    ) -> Result<(MediaSource, Vec<ResolveAttempt>), (SourceError, Vec<ResolveAttempt>)>;
}

/// Health of one hoster as the resolver saw it recently.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HosterHealth {
    /// Hoster name.
    pub hoster: String,
    /// Successful extractions in the last 24 h.
    pub successes: u32,
    /// Failed extractions in the last 24 h.
    pub failures: u32,
    /// Last error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Time of the last attempt.
    pub last_attempt: Option<DateTime<Utc>>,
}

/// Map of hoster name to health, for the UI and /health/detailed.
pub type HosterHealthMap = BTreeMap<String, HosterHealth>;
