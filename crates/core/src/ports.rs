//! Port traits: what the domain crates need from each other.
//!
//! `crates/store` implements the repositories, `crates/provider` the catalogue source and the stream
//! resolver; the server plugs them together. Keeping the traits here lets `queue` and `library` stay
//! free of diesel and ureq.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use crate::download::{DownloadItem, ItemId};
use crate::episode::{EpisodeId, Language};
use crate::monitoring::Monitoring;
use crate::series::{NewSeries, Series, SeriesQuery};

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
    /// The languages the catalogue offered at the last scan; None when unknown.
    pub languages_offered: Option<Vec<Language>>,
    /// The language of the file when the service downloaded it; None for a file it did not
    /// write (found on disk) or no file. Kept by scans while the file stays the same.
    pub language: Option<Language>,
}

/// Persistence of series and their episodes.
///
/// The listing methods with a default body work on [`SeriesRepo::list_series`] (fine for small
/// in-memory repositories); a store of real libraries answers them with bounded queries.
pub trait SeriesRepo: Send + Sync {
    /// Every series, ordered by name. Loads the whole library: prefer the paged methods.
    fn list_series(&self) -> Result<Vec<Series>, RepoError>;
    /// One page of a filtered, sorted listing.
    fn list_series_page(&self, query: &SeriesQuery) -> Result<Vec<Series>, RepoError> {
        Ok(query.apply(self.list_series()?))
    }
    /// Number of series.
    fn count_series(&self) -> Result<usize, RepoError> {
        Ok(self.list_series()?.len())
    }
    /// Up to `limit` series whose keys come after `after` (all when None), in key order: a
    /// library read a page at a time, robust against series added or removed meanwhile.
    fn series_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<Series>, RepoError> {
        let mut all = self.list_series()?;
        all.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(all
            .into_iter()
            .filter(|s| after.is_none_or(|a| s.key.as_str() > a))
            .take(limit)
            .collect())
    }
    /// The first series (by key) of a catalogue site.
    fn first_series_of_site(&self, site: &str) -> Result<Option<Series>, RepoError> {
        let mut of_site: Vec<Series> = self
            .list_series()?
            .into_iter()
            .filter(|s| s.site == site)
            .collect();
        of_site.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(of_site.into_iter().next())
    }
    /// One series by key.
    fn get_series(&self, key: &str) -> Result<Option<Series>, RepoError>;
    /// One series by folder name (deprecated look-up).
    fn find_series_by_folder(&self, folder: &str) -> Result<Option<Series>, RepoError>;
    /// Inserts a series; `RepoError::Conflict` when the key exists.
    fn insert_series(&self, serie: &NewSeries) -> Result<Series, RepoError>;
    /// Inserts a series with its monitoring settings, in one transaction in a store of real
    /// libraries; `RepoError::Conflict` when the key exists. The default inserts, then stores the
    /// settings.
    fn insert_series_with(
        &self,
        serie: &NewSeries,
        monitoring: &Monitoring,
    ) -> Result<Series, RepoError> {
        let mut inserted = self.insert_series(serie)?;
        if *monitoring != inserted.monitoring {
            self.set_monitoring(&serie.key, monitoring)?;
            inserted.monitoring = monitoring.clone();
        }
        Ok(inserted)
    }
    /// Replaces the monitoring settings of a series; `RepoError::NotFound` when it does not
    /// exist. The default refuses: a repository that keeps no settings cannot change them.
    fn set_monitoring(&self, key: &str, monitoring: &Monitoring) -> Result<(), RepoError> {
        let _ = monitoring;
        Err(RepoError::Backend(format!(
            "this repository keeps no monitoring settings (series {key:?})"
        )))
    }
    /// Removes a series and its episodes; false when it did not exist.
    fn delete_series(&self, key: &str) -> Result<bool, RepoError>;
    /// Replaces the episode list of a series with the result of a scan, in one transaction,
    /// and records the scan time and clears the scan error.
    fn replace_episodes(&self, key: &str, episodes: &[EpisodeRecord]) -> Result<(), RepoError>;
    /// The episode list of a series.
    fn list_episodes(&self, key: &str) -> Result<Vec<EpisodeRecord>, RepoError>;
    /// Marks one episode as downloaded to `file_path` (inserting it when unknown), in
    /// `language` when the service wrote the file (None: a file it did not write).
    fn mark_downloaded(
        &self,
        key: &str,
        id: EpisodeId,
        file_path: &str,
        language: Option<Language>,
    ) -> Result<(), RepoError>;
    /// Records that the last catalogue look-up of a series failed; its episodes stay as they were.
    fn record_scan_error(&self, key: &str, error: &str) -> Result<(), RepoError>;
    /// Updates catalogue metadata of a series (description, year, imdb id, cover).
    fn update_series_meta(&self, serie: &Series) -> Result<(), RepoError>;

    /// The series of these library ids that the library holds (unknown ids are left out), in
    /// key order. Called with the short lists a change signal names.
    fn series_with_keys(&self, keys: &[String]) -> Result<Vec<Series>, RepoError> {
        let mut found = Vec::new();
        for key in keys {
            if let Some(s) = self.get_series(key)? {
                found.push(s);
            }
        }
        found.sort_by(|a, b| a.key.cmp(&b.key));
        found.dedup_by(|a, b| a.key == b.key);
        Ok(found)
    }
    /// Up to `limit` series that were never scanned or whose last look-up failed, with keys
    /// after `after` (all when None), in key order.
    fn unscanned_series_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Series>, RepoError> {
        let mut all: Vec<Series> = self
            .list_series()?
            .into_iter()
            .filter(|s| s.last_scanned_at.is_none() || s.last_scan_error.is_some())
            .filter(|s| after.is_none_or(|a| s.key.as_str() > a))
            .collect();
        all.sort_by(|a, b| a.key.cmp(&b.key));
        all.truncate(limit);
        Ok(all)
    }
    /// Number of series that were never scanned or whose last look-up failed.
    fn count_unscanned_series(&self) -> Result<usize, RepoError> {
        Ok(self
            .list_series()?
            .iter()
            .filter(|s| s.last_scanned_at.is_none() || s.last_scan_error.is_some())
            .count())
    }
    /// Number of series of each catalogue site.
    fn count_series_by_site(&self) -> Result<BTreeMap<String, usize>, RepoError> {
        let mut counts = BTreeMap::new();
        for s in self.list_series()? {
            *counts.entry(s.site).or_insert(0) += 1;
        }
        Ok(counts)
    }
    /// Up to `q.limit` series whose last look-up succeeded and whose re-check is due (see
    /// [`DueQuery`]), longest unchecked first. A store answers it from an index, reading only the
    /// due rows.
    fn series_due(&self, q: &DueQuery) -> Result<Vec<Series>, RepoError> {
        let mut due: Vec<Series> = self
            .list_series()?
            .into_iter()
            .filter(|s| s.last_scan_error.is_none())
            .filter(|s| {
                s.last_scanned_at
                    .is_some_and(|t| t < q.ongoing_scanned_before)
            })
            .collect();
        due.sort_by_key(|s| s.last_scanned_at);
        due.truncate(q.limit);
        Ok(due)
    }
    /// What the last look-up of a series left for the next one (default when unknown).
    fn recheck_state(&self, _key: &str) -> Result<RecheckState, RepoError> {
        Ok(RecheckState::default())
    }
    /// Stores what a look-up of a series learnt for the next one.
    fn save_recheck_state(&self, _key: &str, _state: &RecheckState) -> Result<(), RepoError> {
        Ok(())
    }
    /// Records a look-up the catalogue answered with "not modified": the series counts as
    /// scanned now (its scan error cleared, its episodes kept) and `state` is stored.
    fn record_unchanged(&self, key: &str, state: &RecheckState) -> Result<(), RepoError> {
        self.save_recheck_state(key, state)
    }
}

/// What a changed rescan keeps with a series to decide when and how to look it up again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecheckState {
    /// The catalogue page gives an end year (the run has ended): re-checked rarely.
    pub ended: bool,
    /// The validators the series page was last served with.
    pub validators: PageValidators,
    /// When its next re-check is planned; None = only when it is older than its period.
    pub next_check_at: Option<DateTime<Utc>>,
}

/// Which series are due for a re-check in a changed rescan: those whose planned re-check
/// (`next_check_at`) has come, and, whatever their plan, those last scanned before the cut-off
/// of their kind (so a shortened period applies at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueQuery {
    /// Series planned for this time or earlier are due.
    pub now: DateTime<Utc>,
    /// Running series last scanned before this are due.
    pub ongoing_scanned_before: DateTime<Utc>,
    /// Ended series last scanned before this are due.
    pub ended_scanned_before: DateTime<Utc>,
    /// Most series returned.
    pub limit: usize,
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
    /// Failed attempts of `client` since its last successful one, newest last (the lockout
    /// counts per client address, so one address never locks out another).
    fn failed_logins_since_success(&self, client: &str) -> Result<Vec<DateTime<Utc>>, RepoError>;
    /// Failed attempts of every client at or after `since` (the global brake).
    fn failed_logins_since(&self, since: DateTime<Utc>) -> Result<usize, RepoError>;
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
    /// The languages the catalogue offers it in, as its season page lists them; None when the
    /// page does not say (the legacy engine).
    pub languages_offered: Option<Vec<Language>>,
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
    /// The page gives an end year (not "Heute"): the run has ended.
    pub ended: bool,
    /// The validators the series page was served with, for the next conditional look-up.
    pub validators: PageValidators,
}

/// The validators a page was served with (`ETag`, `Last-Modified`), sent back as
/// `If-None-Match` / `If-Modified-Since` so that an unchanged page costs a 304 and nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageValidators {
    /// The `ETag` header, as sent.
    pub etag: Option<String>,
    /// The `Last-Modified` header, as sent.
    pub last_modified: Option<String>,
}

impl PageValidators {
    /// Whether the page came with no validator at all.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// The answer of a conditional look-up ([`EpisodeSource::series_if_changed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The series as the catalogue has it now.
    Changed(Box<CatalogueSeries>),
    /// The site answered "not modified" to the stored validators: no other page was read.
    NotModified,
}

/// What the catalogue's cheap change signals say, read once per rescan: per site, the series its
/// list of new episodes names. A site whose list could not be read gives no signal, which means
/// "unknown", never "everything changed".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSignal {
    /// Sites whose list was read, with the number of series it named.
    pub sites: BTreeMap<String, usize>,
    /// Library ids of the series the lists name.
    pub changed: BTreeSet<String>,
    /// Sites whose list could not be read, with why.
    pub unavailable: BTreeMap<String, String>,
}

impl ChangeSignal {
    /// Whether `site` gave a signal.
    pub fn covers(&self, site: &str) -> bool {
        self.sites.contains_key(site)
    }

    /// Whether a signal names the series `key` (a library id).
    pub fn names(&self, key: &str) -> bool {
        self.changed.contains(key)
    }
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

    /// Like [`EpisodeSource::series`], sending `validators` with the series page request: a
    /// site that answers "not modified" gives [`Lookup::NotModified`] and no other page is read.
    /// Without validator support this is a plain look-up.
    fn series_if_changed(
        &self,
        key: &str,
        validators: &PageValidators,
    ) -> Result<Lookup, SourceError> {
        let _ = validators;
        self.series(key).map(|c| Lookup::Changed(Box::new(c)))
    }

    /// The series the catalogue lists as changed lately (its list of new episodes), per site.
    /// The default gives no signal.
    fn change_signal(&self) -> ChangeSignal {
        ChangeSignal::default()
    }
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
    /// Failed extractions since the last success (failures about one deleted video excluded).
    pub consecutive_failures: u32,
    /// While the hoster is degraded (it failed its last extractions), the end of its cool-down:
    /// until then it is tried last. None when it is not degraded.
    pub degraded_until: Option<DateTime<Utc>>,
}

/// Map of hoster name to health, for the UI and /health/detailed.
pub type HosterHealthMap = BTreeMap<String, HosterHealth>;

/// How one hoster extraction attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The extractor found the media.
    Success,
    /// The hoster failed (layout change, HTTP error, block, verification, ...).
    Failure,
    /// The hoster works but the one video is gone (deleted): counted as a failure in the
    /// numbers, never against the hoster's streak.
    VideoUnavailable,
}

impl AttemptOutcome {
    /// The stored name: `success`, `failure`, `video_unavailable`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Success => "success",
            AttemptOutcome::Failure => "failure",
            AttemptOutcome::VideoUnavailable => "video_unavailable",
        }
    }

    /// The outcome of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(AttemptOutcome::Success),
            "failure" => Some(AttemptOutcome::Failure),
            "video_unavailable" => Some(AttemptOutcome::VideoUnavailable),
            _ => None,
        }
    }
}

/// One recorded hoster extraction attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HosterAttempt {
    /// Hoster name (the catalogue's, e.g. `VOE`).
    pub hoster: String,
    /// When it ended.
    pub at: DateTime<Utc>,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// Why it failed.
    pub error: Option<String>,
}

/// Persistence of hoster extraction attempts, so hoster health survives a restart.
pub trait HosterHealthRepo: Send + Sync {
    /// Appends one attempt.
    fn record_hoster_attempt(&self, attempt: &HosterAttempt) -> Result<(), RepoError>;
    /// Every attempt at or after `since`, oldest first.
    fn hoster_attempts_since(&self, since: DateTime<Utc>) -> Result<Vec<HosterAttempt>, RepoError>;
    /// Deletes the attempts before `before`; returns how many went.
    fn prune_hoster_attempts(&self, before: DateTime<Utc>) -> Result<usize, RepoError>;
}

/// Where a notification of the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for delivery (or for its next try, or for the end of quiet hours).
    Pending,
    /// Delivered.
    Delivered,
    /// Given up (after its last try, or refused for good by the target).
    Failed,
    /// Held by quiet hours and sent as part of a summary when they ended.
    Summarized,
}

impl OutboxStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Summarized => "summarized",
        }
    }

    /// The status of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Delivered,
            OutboxStatus::Failed,
            OutboxStatus::Summarized,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One notification for one target in the outbox (docs/notifications.md, "Delivery").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Row id (0 before it is stored); ids grow in the order entries were added.
    pub id: i64,
    /// The target's name.
    pub target: String,
    /// The event's wire name (`download_completed`, ..., or `summary`).
    pub event: String,
    /// The notification as JSON (the webhook body).
    pub payload: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Tries made so far.
    pub attempts: u32,
    /// Not tried before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// Held back by quiet hours (to be summarised when they end).
    pub held: bool,
    /// When it was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The error of the last try, when it failed.
    pub last_error: Option<String>,
    /// When it was delivered, given up or summarised.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What the outbox knows about one target's deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetDeliveries {
    /// Entries waiting for delivery.
    pub pending: u64,
    /// The last successful delivery.
    pub last_delivery_at: Option<DateTime<Utc>>,
    /// The error of the last failed try (pending or given up), with its time.
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// The last entry that finished was given up (cleared by the next delivery).
    pub failing: bool,
}

/// Persistence of the notification outbox: every notification is stored before it is sent,
/// so nothing is lost when a target is down or the service restarts.
pub trait OutboxRepo: Send + Sync {
    /// Adds entries in one transaction; returns their ids.
    fn add_outbox_entries(&self, entries: &[OutboxEntry]) -> Result<Vec<i64>, RepoError>;
    /// Every pending entry, oldest first.
    fn pending_outbox_entries(&self) -> Result<Vec<OutboxEntry>, RepoError>;
    /// Saves the state of one entry (status, attempts, next try, held, error, finish time).
    fn save_outbox_entry(&self, entry: &OutboxEntry) -> Result<(), RepoError>;
    /// Replaces the held entries of `summarized` by `summary` in one transaction: they become
    /// [`OutboxStatus::Summarized`] at `summary.created_at`; returns the summary's id.
    fn summarize_outbox_entries(
        &self,
        summarized: &[i64],
        summary: &OutboxEntry,
    ) -> Result<i64, RepoError>;
    /// Makes every pending entry that is not held due at `now` (after a restart); returns how
    /// many.
    fn release_outbox_entries(&self, now: DateTime<Utc>) -> Result<usize, RepoError>;
    /// Per target name, what its entries say.
    fn outbox_deliveries(&self) -> Result<BTreeMap<String, TargetDeliveries>, RepoError>;
    /// Deletes the finished entries that finished before `before`; returns how many went.
    fn prune_outbox_entries(&self, before: DateTime<Utc>) -> Result<usize, RepoError>;
}
