//! The download history: [`HistoryService`] keeps a record of what happened to which episode,
//! in the database, apart from the queue (docs/history.md).
//!
//! Who writes which entry:
//!
//! | event | written by |
//! | --- | --- |
//! | `completed` | [`HistoryService::sink`], when the queue reports an item completed: the language and hoster of the stream it used (told by the download resolver through [`HistoryService::resolved`]), the file's path and its size on disk |
//! | `failed` | [`HistoryService::sink`], when the queue reports an item failed for good (the queue sends `Failed` only after the last retry): its error, and the language and hoster of its last attempt when one was made |
//! | `upgraded` | [`HistoryService::record_upgraded`], for the upgrade work to call once an episode file was replaced by a better one |
//! | `deleted` | [`HistoryService::record_deleted`], for the work that deletes episode files (removing a series with its files) to call for each file, before it is removed |
//!
//! The sink writes on the thread that publishes the queue's event (one small insert, after the
//! queue saved the item), before the front ends hear of it. Clearing the queue never touches
//! the history. Entries older than `history.keep_days` are pruned when the service opens, when
//! `keep_days` changes, and at most once a day as entries are written or read.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use aniworld_core::history::{HistoryEntry, HistoryEvent, HistoryQuery};
use aniworld_core::ports::SeriesRepo;
use aniworld_core::{AppConfig, DownloadItem, EpisodeId, Language};
use aniworld_queue::engine::QueueEvent;
use aniworld_store::{Store, StoreError};
use chrono::Utc;

use crate::config::ConfigService;
use crate::events::{Event, Events};

/// Largest page size [`HistoryService::list`] accepts.
pub const MAX_PER_PAGE: usize = 1000;

/// How often entries are pruned while the service runs.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Episodes whose resolved source is remembered at most (cleared when exceeded: only the
/// sources of downloads in flight are lost).
const MAX_SOURCES: usize = 4096;

/// Why a history use case failed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A paging value is out of range; `field` names it (`page`, `per_page`).
    #[error("{field}: {problem}")]
    Invalid {
        /// The refused field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The database could not be read or written.
    #[error("download history: {0}")]
    Store(#[from] StoreError),
}

/// The download history of a running service (see the module docs). Share it behind an `Arc`.
pub struct HistoryService {
    store: Store,
    config: Arc<ConfigService>,
    /// The source each episode's download resolved to last: (series key, episode) -> (hoster,
    /// language), taken when its download completes or fails.
    sources: Mutex<HashMap<(String, EpisodeId), (String, Language)>>,
    /// Items whose upgrade was recorded; their completion, which follows, records nothing.
    upgraded: Mutex<std::collections::HashSet<aniworld_core::ItemId>>,
    /// When entries were last pruned.
    pruned: Mutex<Instant>,
}

impl std::fmt::Debug for HistoryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryService").finish_non_exhaustive()
    }
}

impl HistoryService {
    /// The history in `store`, pruned now to `history.keep_days` of `config` and again whenever
    /// that setting changes.
    pub fn start(store: &Store, config: &Arc<ConfigService>) -> Arc<Self> {
        let service = Arc::new(Self {
            store: store.clone(),
            config: config.clone(),
            sources: Mutex::new(HashMap::new()),
            upgraded: Mutex::new(std::collections::HashSet::new()),
            pruned: Mutex::new(Instant::now()),
        });
        service.prune_logged(config.current().history.keep_days);
        let weak: Weak<Self> = Arc::downgrade(&service);
        let last = Mutex::new(config.current().history.keep_days);
        config.on_change(move |next: &Arc<AppConfig>| {
            let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
            if *last != next.history.keep_days {
                *last = next.history.keep_days;
                if let Some(me) = weak.upgrade() {
                    me.prune_logged(next.history.keep_days);
                }
            }
        });
        service
    }

    /// A sink that records completed and failed downloads, then hands every event to `next`.
    pub fn sink(self: &Arc<Self>, next: Events) -> Events {
        let me = Arc::downgrade(self);
        Arc::new(move |event: Event| {
            if let Some(me) = me.upgrade() {
                me.take_in(&event);
            }
            next.publish(event);
        })
    }

    /// Remembers the source an episode's download resolved to, or when resolving failed the
    /// last hoster and language tried (None: none was tried). The download resolver calls it.
    pub fn resolved(&self, key: &str, id: EpisodeId, source: Option<(&str, Language)>) {
        let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        let k = (key.to_string(), id);
        match source {
            Some((hoster, language)) => {
                if sources.len() >= MAX_SOURCES {
                    sources.clear();
                }
                sources.insert(k, (hoster.to_string(), language));
            }
            None => {
                sources.remove(&k);
            }
        }
    }

    /// One page of the history, newest first, filtered by series key and event. `page` starts
    /// at 1 and `per_page` is 1 to [`MAX_PER_PAGE`]; only the page is read from the database.
    pub fn list(&self, query: &HistoryQuery) -> Result<Vec<HistoryEntry>, HistoryError> {
        if query.page == 0 {
            return Err(HistoryError::Invalid {
                field: "page",
                problem: "must be at least 1".into(),
            });
        }
        if !(1..=MAX_PER_PAGE).contains(&query.per_page) {
            return Err(HistoryError::Invalid {
                field: "per_page",
                problem: format!("must be between 1 and {MAX_PER_PAGE}"),
            });
        }
        self.prune_if_due();
        Ok(self.store.history_page(query)?)
    }

    /// Adds an entry as it is (its time included); returns its id. The other `record_*`
    /// methods fill one in from what they are given.
    pub fn record(&self, entry: &HistoryEntry) -> Result<i64, HistoryError> {
        self.prune_if_due();
        Ok(self.store.add_history_entry(entry)?)
    }

    /// Records that the episode of `item` (the queue item that fetched the better file) was
    /// replaced at `file`: an `upgraded` entry with the new `language` and `hoster`, the file's
    /// path and its size on disk. For the upgrade work to call once the old file is gone.
    pub fn record_upgraded(
        &self,
        item: &DownloadItem,
        language: Option<Language>,
        hoster: Option<&str>,
        file: &Path,
    ) -> Result<i64, HistoryError> {
        let mut entry = HistoryEntry::new(
            HistoryEvent::Upgraded,
            &item.series_id,
            self.series_name(&item.series_id, &item.series_name),
            item.episode.id(),
        );
        entry.language = language;
        entry.hoster = hoster.map(str::to_string);
        entry.file_path = Some(file.to_string_lossy().into_owned());
        entry.size_bytes = file_size(file);
        self.record(&entry)
    }

    /// Records that the file of `episode` of the series `series_key` (shown as `series_name`)
    /// is deleted: a `deleted` entry with the file's path and, when it still exists, its size
    /// and the `language` it had. Call it before removing the file, so the size is known.
    pub fn record_deleted(
        &self,
        series_key: &str,
        series_name: &str,
        episode: EpisodeId,
        file: Option<&Path>,
        language: Option<Language>,
    ) -> Result<i64, HistoryError> {
        let mut entry = HistoryEntry::new(HistoryEvent::Deleted, series_key, series_name, episode);
        entry.language = language;
        entry.file_path = file.map(|f| f.to_string_lossy().into_owned());
        entry.size_bytes = file.and_then(file_size);
        self.record(&entry)
    }

    /// Deletes the entries older than `history.keep_days` now; returns how many.
    pub fn prune(&self) -> Result<usize, HistoryError> {
        self.prune_older_than(self.config.current().history.keep_days)
    }

    fn prune_older_than(&self, keep_days: u32) -> Result<usize, HistoryError> {
        *self.pruned.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        let before = Utc::now() - chrono::Duration::days(i64::from(keep_days));
        let n = self.store.prune_history(before)?;
        if n > 0 {
            log::info!("download history: {n} entries older than {keep_days} days pruned");
        }
        Ok(n)
    }

    fn prune_logged(&self, keep_days: u32) {
        if let Err(e) = self.prune_older_than(keep_days) {
            log::warn!("cannot prune the download history: {e}");
        }
    }

    /// Prunes when the last pruning is a day old.
    fn prune_if_due(&self) {
        let due = self
            .pruned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
            >= PRUNE_EVERY;
        if due {
            self.prune_logged(self.config.current().history.keep_days);
        }
    }

    /// Records a completed or failed download; an upgrade (announced right before its
    /// completion) is recorded as `upgraded` instead of `completed`.
    fn take_in(&self, event: &Event) {
        if let Event::Queue(QueueEvent::Upgraded { item, to, .. }) = event {
            let source = self
                .sources
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&(item.series_id.clone(), item.episode.id()));
            let hoster = source.map(|(hoster, _)| hoster);
            let path = episode_path(&self.config.current(), item);
            let recorded =
                self.record_upgraded(item, Some(*to), hoster.as_deref(), Path::new(&path));
            if let Err(e) = recorded {
                log::error!(
                    "cannot record the upgrade of {} {} in the history: {e}",
                    item.series_id,
                    item.episode.id()
                );
            }
            self.upgraded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(item.id);
            return;
        }
        if let Event::Queue(QueueEvent::Completed(item)) = event
            && self
                .upgraded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&item.id)
        {
            return;
        }
        let (item, event) = match event {
            Event::Queue(QueueEvent::Completed(item)) => (item, HistoryEvent::Completed),
            Event::Queue(QueueEvent::Failed(item)) => (item, HistoryEvent::Failed),
            _ => return,
        };
        let id = item.episode.id();
        let source = self
            .sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(item.series_id.clone(), id));
        let mut entry = HistoryEntry::new(
            event,
            &item.series_id,
            self.series_name(&item.series_id, &item.series_name),
            id,
        );
        if let Some((hoster, language)) = source {
            entry.hoster = Some(hoster);
            entry.language = Some(language);
        }
        match event {
            HistoryEvent::Completed => {
                let path = episode_path(&self.config.current(), item);
                entry.size_bytes = file_size(Path::new(&path))
                    .or((item.downloaded_bytes > 0).then_some(item.downloaded_bytes));
                entry.file_path = Some(path);
            }
            _ => {
                entry.error = Some(item.error.clone().unwrap_or_else(|| "unknown error".into()));
            }
        }
        if let Err(e) = self.record(&entry) {
            log::error!(
                "cannot record the {event} download of {} {id} in the history: {e}",
                item.series_id
            );
        }
    }

    /// The library's name of the series `key`, else `fallback` (the name the queue item got).
    fn series_name(&self, key: &str, fallback: &str) -> String {
        match self.store.get_series(key) {
            Ok(Some(s)) => s.name,
            Ok(None) => fallback.to_string(),
            Err(e) => {
                log::debug!("history: cannot read the series {key}: {e}");
                fallback.to_string()
            }
        }
    }
}

/// Where the episode of `item` lies: `<anime dir>/<folder>/Season NN/<file>`.
fn episode_path(config: &AppConfig, item: &DownloadItem) -> String {
    let rel = aniworld_core::naming::episode_relative_path(&item.series_folder, item.episode.id());
    config
        .anime_dir()
        .map_or(rel.clone(), |dir| dir.join(&rel))
        .to_string_lossy()
        .into_owned()
}

/// The size of a file, when it can be read.
fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}
