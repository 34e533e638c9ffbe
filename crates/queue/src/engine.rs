//! The persistent, prioritised download queue and its workers.
//!
//! [`QueueEngine`] keeps every item in memory and in the [`QueueRepo`]; every change is saved
//! before it is announced through the event callback (as pueue saves before it replies). At start
//! it puts interrupted downloads back to pending and restores the running/paused flags, so a queue
//! that was running resumes by itself after a crash.
//!
//! Item states (see `aniworld_core::download` for the diagram):
//! `pending -> downloading -> completed`, `downloading -> pending` (retry after backoff, or
//! shutdown), `downloading -> failed -> pending` (manual retry). Deleting an item removes it in
//! any state; a running download is cancelled and leaves no final-named file.
//!
//! Workers are `download.max_concurrent` named std threads. A worker takes the first pending item
//! (priority, then position) whose backoff has passed, resolves a stream with the configured
//! language and hoster preference, and fetches it to
//! `<anime_dir>/<folder>/Season NN/<folder> - SxxEyy.mp4`.
//!
//! [`QueueRepo`]: aniworld_core::ports::QueueRepo

mod error;
mod fetcher;
mod http_fetcher;
mod missing;
mod progress;
mod state;
mod types;
mod worker;

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use aniworld_core::naming::{
    FolderNameError, MAX_FILE_NAME_BYTES, SeriesFolder, episode_file_name,
};
use aniworld_core::ports::RepoError;
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeRef, ItemId, Priority};

pub use error::QueueError;
pub use fetcher::{FetchFailure, FetchJob, FetchProgress, MediaFetcher};
pub use http_fetcher::HttpFetcher;
pub use missing::{PlannedEpisode, WantedEntry};
pub use types::{
    AddOutcome, EngineConfig, EngineDeps, PAUSED_KEY, QueueEvent, QueueSnapshot, QueueStatistics,
    QueueSummary, RUNNING_KEY,
};

use state::State;

/// Receives every [`QueueEvent`], in the order the changes happened. It may call the engine's
/// read methods (`status`, `statistics`, `get`) but must not change the queue from inside.
pub type EventSink = Arc<dyn Fn(QueueEvent) + Send + Sync>;

/// The download queue. Cheap to clone; all clones drive the same queue.
#[derive(Clone)]
pub struct QueueEngine {
    inner: Arc<Inner>,
}

/// Shared state of an engine and its workers.
pub(crate) struct Inner {
    deps: EngineDeps,
    sink: EventSink,
    state: Mutex<State>,
    /// Woken whenever a worker may have something new to do.
    wake: Condvar,
    /// Events waiting to be delivered, pushed while the state lock is held.
    outbox: Mutex<VecDeque<QueueEvent>>,
    /// Held while delivering, so events leave in the order they were pushed.
    delivering: Mutex<()>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Inner {
    /// The state, even when a thread panicked while holding it.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues an event; call with the state lock held, then [`Inner::deliver`] after releasing it.
    fn push(&self, event: QueueEvent) {
        self.outbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(event);
    }

    /// Hands queued events to the sink; call without the state lock.
    fn deliver(&self) {
        let _order = self.delivering.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let next = self
                .outbox
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop_front();
            match next {
                Some(event) => (self.sink)(event),
                None => break,
            }
        }
    }
}

impl QueueEngine {
    /// Loads the queue from `deps.repo`, puts interrupted downloads back to pending, restores the
    /// running/paused flags from `deps.settings` and starts the workers (which resume at once if
    /// the queue was running).
    pub fn new(deps: EngineDeps, cfg: EngineConfig, events: EventSink) -> Result<Self, QueueError> {
        let reset = deps.repo.reset_in_flight()?;
        if reset > 0 {
            log::info!("{reset} interrupted download(s) put back to pending");
        }
        let mut items = deps.repo.load_items()?;
        for item in &mut items {
            if item.status == DownloadStatus::Downloading {
                item.status = DownloadStatus::Pending;
            }
            if item.status != DownloadStatus::Completed {
                item.progress = None;
            }
        }
        let flag = |key| -> Result<bool, RepoError> {
            Ok(deps.settings.get_setting(key)?.as_deref() == Some("true"))
        };
        let (running, paused) = (flag(RUNNING_KEY)?, flag(PAUSED_KEY)?);
        let engine = Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State::new(items, cfg, running, paused)),
                deps,
                sink: events,
                wake: Condvar::new(),
                outbox: Mutex::new(VecDeque::new()),
                delivering: Mutex::new(()),
                workers: Mutex::new(Vec::new()),
            }),
        };
        let mut st = engine.inner.lock();
        engine.spawn_workers(&mut st);
        drop(st);
        Ok(engine)
    }

    /// Queues `episodes` of a series. An episode that is already pending or downloading (or
    /// listed twice) is refused with a reason instead of getting a second item. When something
    /// was added, the queue is stopped (not paused: a pause is the user's) and
    /// `download.auto_start` is on, the queue starts (as [`QueueEngine::start`] does; without an
    /// anime folder it stays stopped).
    pub fn add(
        &self,
        series_id: &str,
        series_folder: &str,
        series_name: &str,
        episodes: Vec<EpisodeRef>,
        priority: Priority,
    ) -> Result<AddOutcome, QueueError> {
        validate_add(series_id, series_folder, &episodes)?;
        let mut outcome = AddOutcome::default();
        {
            let mut st = self.inner.lock();
            let queued = st.queued_episodes(series_id);
            let mut listed = HashSet::new();
            let mut position = st.next_position;
            for ep in episodes {
                let key = ep.id();
                let marker = aniworld_core::naming::episode_marker(ep.id());
                if queued.contains(&key) {
                    let reason = format!("{marker} of {series_id} is already in the queue");
                    outcome.failed.push((ep, reason));
                } else if !listed.insert(key) {
                    let reason = format!("{marker} is listed more than once");
                    outcome.failed.push((ep, reason));
                } else {
                    outcome.added.push(DownloadItem::new_pending(
                        series_id,
                        series_folder,
                        series_name,
                        ep,
                        priority,
                        position,
                    ));
                    position += 1;
                }
            }
            if !outcome.added.is_empty() {
                self.inner.deps.repo.insert_items(&outcome.added)?;
                st.next_position = position;
                for item in &outcome.added {
                    st.items.insert(item.id, item.clone());
                    self.inner.push(QueueEvent::Added(item.clone()));
                }
                if st.cfg.download.auto_start
                    && !st.running
                    && !st.paused
                    && st.cfg.anime_dir.is_some()
                {
                    self.inner.deps.settings.set_setting(RUNNING_KEY, "true")?;
                    self.inner.deps.settings.set_setting(PAUSED_KEY, "false")?;
                    st.running = true;
                    st.paused = false;
                    log::info!("queue started: items were added and download.auto_start is on");
                    self.inner.push(QueueEvent::Started);
                }
                self.inner.push(QueueEvent::Status(st.summary()));
                self.inner.wake.notify_all();
            }
        }
        self.inner.deliver();
        Ok(outcome)
    }

    /// Deletes one item in any state; a running download is cancelled.
    pub fn remove(&self, id: ItemId) -> Result<(), QueueError> {
        self.remove_many(&[id]).map(|_| ())
    }

    /// Deletes items in any state; running downloads are cancelled. An unknown id answers
    /// `NotFound` and deletes nothing. Returns how many were deleted.
    pub fn remove_many(&self, ids: &[ItemId]) -> Result<usize, QueueError> {
        let st = self.inner.lock();
        if let Some(unknown) = ids.iter().find(|id| !st.items.contains_key(id)) {
            return Err(QueueError::NotFound(*unknown));
        }
        let unique: Vec<ItemId> = ids
            .iter()
            .copied()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        self.delete_locked(st, unique)
    }

    /// Deletes every pending item (running downloads go on); returns how many.
    pub fn clear_pending(&self) -> Result<usize, QueueError> {
        self.clear(DownloadStatus::Pending)
    }

    /// Deletes every completed item; returns how many.
    pub fn clear_completed(&self) -> Result<usize, QueueError> {
        self.clear(DownloadStatus::Completed)
    }

    /// Deletes every failed item; returns how many.
    pub fn clear_failed(&self) -> Result<usize, QueueError> {
        self.clear(DownloadStatus::Failed)
    }

    /// Deletes every item of the series `series_id`, in any state, the way
    /// [`QueueEngine::remove_many`] does: running downloads are cancelled and leave no file.
    /// Returns the items deleted as they were, in queue position order.
    pub fn remove_series(&self, series_id: &str) -> Result<Vec<DownloadItem>, QueueError> {
        let st = self.inner.lock();
        let mut items: Vec<DownloadItem> = st
            .items
            .values()
            .filter(|i| i.series_id == series_id)
            .cloned()
            .collect();
        items.sort_by_key(|i| (i.position, i.added_at));
        let ids = items.iter().map(|i| i.id).collect();
        self.delete_locked(st, ids)?;
        Ok(items)
    }

    /// Whether a worker still runs the download of `id`. A deleted item's download counts until
    /// its worker has let go of it, having removed what it wrote.
    pub fn is_downloading(&self, id: ItemId) -> bool {
        self.inner.lock().active.contains_key(&id)
    }

    fn clear(&self, status: DownloadStatus) -> Result<usize, QueueError> {
        let st = self.inner.lock();
        let ids = st.sorted_with(status).iter().map(|i| i.id).collect();
        self.delete_locked(st, ids)
    }

    /// Deletes `ids` (all known) from the repo and the state, cancels their downloads and
    /// announces it.
    fn delete_locked(
        &self,
        mut st: MutexGuard<'_, State>,
        ids: Vec<ItemId>,
    ) -> Result<usize, QueueError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.inner.deps.repo.delete_items(&ids)?;
        for id in &ids {
            st.items.remove(id);
            if let Some(job) = st.active.get(id) {
                job.cancel.cancel();
            }
            self.inner.push(QueueEvent::Removed(*id));
        }
        self.inner.push(QueueEvent::Status(st.summary()));
        drop(st);
        self.inner.deliver();
        Ok(ids.len())
    }

    /// Moves the pending items `ids` to the front of their priority, in the given order; the
    /// other pending items follow in their previous order. Ids of items that are no longer
    /// pending are skipped. An unknown id answers `NotFound` and changes nothing.
    pub fn reorder(&self, ids: &[ItemId]) -> Result<(), QueueError> {
        {
            let mut st = self.inner.lock();
            let positions = st.reorder_positions(ids).map_err(QueueError::NotFound)?;
            self.inner.deps.repo.set_positions(&positions)?;
            for (id, position) in positions {
                if let Some(item) = st.items.get_mut(&id) {
                    item.position = position;
                }
            }
            self.inner.push(QueueEvent::Status(st.summary()));
        }
        self.inner.deliver();
        Ok(())
    }

    /// Puts failed items back to pending with a fresh retry budget; an empty list retries every
    /// failed item. Items that are not failed are skipped; an unknown id answers `NotFound`.
    /// Returns the ids retried.
    pub fn retry(&self, ids: &[ItemId]) -> Result<Vec<ItemId>, QueueError> {
        let mut retried = Vec::new();
        {
            let mut st = self.inner.lock();
            if let Some(unknown) = ids.iter().find(|id| !st.items.contains_key(id)) {
                return Err(QueueError::NotFound(*unknown));
            }
            let chosen: Vec<ItemId> = if ids.is_empty() {
                st.sorted_with(DownloadStatus::Failed)
                    .iter()
                    .map(|i| i.id)
                    .collect()
            } else {
                let mut seen = HashSet::new();
                ids.iter()
                    .filter(|id| st.items[*id].status == DownloadStatus::Failed)
                    .filter(|id| seen.insert(**id))
                    .copied()
                    .collect()
            };
            for id in chosen {
                let mut item = st.items[&id].clone();
                item.status = DownloadStatus::Pending;
                item.retry_count = 0;
                item.error = None;
                item.not_before = None;
                item.progress = None;
                item.completed_at = None;
                self.inner.deps.repo.save_item(&item)?;
                st.items.insert(id, item);
                retried.push(id);
            }
            if !retried.is_empty() {
                self.inner.push(QueueEvent::Status(st.summary()));
                self.inner.wake.notify_all();
            }
        }
        self.inner.deliver();
        Ok(retried)
    }

    /// Starts processing (clears paused). Needs a configured anime directory.
    pub fn start(&self) -> Result<(), QueueError> {
        self.set_flags(true, false, QueueEvent::Started)
    }

    /// Stops taking new items; running downloads finish. `is_running` is false at once.
    pub fn stop(&self) -> Result<(), QueueError> {
        self.set_flags(false, false, QueueEvent::Stopped)
    }

    /// Like [`QueueEngine::stop`], and marks the queue as paused.
    pub fn pause(&self) -> Result<(), QueueError> {
        self.set_flags(false, true, QueueEvent::Stopped)
    }

    fn set_flags(&self, running: bool, paused: bool, event: QueueEvent) -> Result<(), QueueError> {
        {
            let mut st = self.inner.lock();
            if running && st.cfg.anime_dir.is_none() {
                return Err(QueueError::NoAnimeDirectory);
            }
            let settings = &self.inner.deps.settings;
            settings.set_setting(RUNNING_KEY, if running { "true" } else { "false" })?;
            settings.set_setting(PAUSED_KEY, if paused { "true" } else { "false" })?;
            st.running = running;
            st.paused = paused;
            self.inner.push(event);
            self.inner.push(QueueEvent::Status(st.summary()));
            self.inner.wake.notify_all();
        }
        self.inner.deliver();
        Ok(())
    }

    /// Applies a new configuration: concurrency changes add workers at once; surplus workers
    /// leave once their current download is done.
    ///
    /// A new library folder waits until no download runs: running downloads finish in the folder
    /// they started in (their `.part` data, final file and folders stay there), no new download
    /// starts meanwhile, and then every download goes to the new folder. So a running download is
    /// never sent to the new folder, and the queue never writes into two library folders at once.
    pub fn set_config(&self, cfg: EngineConfig) {
        let mut st = self.inner.lock();
        let EngineConfig {
            anime_dir,
            download,
        } = cfg;
        st.cfg.download = download;
        if anime_dir == st.cfg.anime_dir {
            st.next_anime_dir = None;
        } else {
            if !st.active.is_empty() {
                log::info!(
                    "the new anime folder {} applies once the {} running download(s) are done; \
                     no download starts until then",
                    anime_dir
                        .as_deref()
                        .map_or_else(|| "(none)".into(), |d| d.display().to_string()),
                    st.active.len()
                );
            }
            st.next_anime_dir = Some(anime_dir);
            st.apply_waiting_folder();
        }
        self.spawn_workers(&mut st);
        self.inner.wake.notify_all();
    }

    /// The library folder downloads go to once the running ones are done, while a change of
    /// folder waits for them (see [`QueueEngine::set_config`]); None when no change waits.
    pub fn waiting_anime_dir(&self) -> Option<Option<std::path::PathBuf>> {
        self.inner.lock().next_anime_dir.clone()
    }

    /// The configuration in force (its folder is the one running downloads write to).
    pub fn config(&self) -> EngineConfig {
        self.inner.lock().cfg.clone()
    }

    /// Whether workers take new items.
    pub fn is_running(&self) -> bool {
        self.inner.lock().running
    }

    /// One item by id.
    pub fn get(&self, id: ItemId) -> Option<DownloadItem> {
        self.inner.lock().items.get(&id).cloned()
    }

    /// Every item, grouped and ordered as api.md's `status` shows them.
    pub fn status(&self) -> QueueSnapshot {
        self.inner.lock().snapshot()
    }

    /// Counts, volume, speed and remaining time.
    pub fn statistics(&self) -> QueueStatistics {
        self.inner.lock().statistics()
    }

    /// [`Self::status`] and [`Self::statistics`] of the same moment.
    pub fn overview(&self) -> (QueueSnapshot, QueueStatistics) {
        let st = self.inner.lock();
        (st.snapshot(), st.statistics())
    }

    /// Stops the workers: running downloads are cancelled (their `.part` data stays for the next
    /// start) and go back to pending. Blocks until every worker has left. The queue's running flag
    /// is kept, so a new engine on the same storage resumes.
    pub fn shutdown(&self) {
        {
            let mut st = self.inner.lock();
            st.shutdown = true;
            for job in st.active.values() {
                job.cancel.cancel();
            }
            self.inner.wake.notify_all();
        }
        let handles =
            std::mem::take(&mut *self.inner.workers.lock().unwrap_or_else(|p| p.into_inner()));
        for handle in handles {
            if handle.join().is_err() {
                log::error!("a queue worker panicked");
            }
        }
    }

    /// Starts workers until `max_concurrent` are alive (none after shutdown).
    fn spawn_workers(&self, st: &mut State) {
        while !st.shutdown && st.workers_alive < st.max_concurrent() {
            let inner = self.inner.clone();
            let n = st.workers_alive + 1;
            let spawned = std::thread::Builder::new()
                .name(format!("queue-worker-{n}"))
                .spawn(move || worker::run(&inner));
            match spawned {
                Ok(handle) => {
                    st.workers_alive += 1;
                    self.inner
                        .workers
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(handle);
                }
                Err(e) => {
                    log::error!("cannot start a queue worker thread: {e}");
                    break;
                }
            }
        }
    }
}

/// Largest season or episode number `add` accepts: the store keeps them as signed 32-bit
/// integers.
pub const MAX_NUMBER: u32 = i32::MAX as u32;

/// Checks the inputs of `add`: season and episode numbers the store can hold, a series key, a
/// folder name that stays inside the anime directory ([`SeriesFolder`]), at least one episode,
/// and episode files named after the folder that fit the file name limit.
fn validate_add(
    series_id: &str,
    series_folder: &str,
    episodes: &[EpisodeRef],
) -> Result<(), QueueError> {
    for (i, e) in episodes.iter().enumerate() {
        for (name, n) in [("season", e.season), ("episode", e.episode)] {
            if n > MAX_NUMBER {
                return Err(QueueError::validation(
                    format!("episodes[{i}].{name}"),
                    format!("{n} is above {MAX_NUMBER}"),
                ));
            }
        }
    }
    if series_id.trim().is_empty() {
        return Err(QueueError::validation("serie_id", "must not be empty"));
    }
    let folder = SeriesFolder::parse(series_folder).map_err(|e| {
        let message = match e {
            FolderNameError::TooLong { .. } => e.to_string(),
            _ => format!("{series_folder:?} is not a folder name inside the anime directory"),
        };
        QueueError::validation("serie_folder", message)
    })?;
    if episodes.is_empty() {
        return Err(QueueError::validation(
            "episodes",
            "at least one episode is required",
        ));
    }
    // The longest name a download writes: `<folder> - SxxEyy.mp4.audio.part.state`. (The
    // temporary names of its atomic writes are cut to fit by `aniworld_core::files`.)
    let longest = episodes
        .iter()
        .map(|e| episode_file_name(folder.as_str(), e.id()).len() + LONGEST_SUFFIX)
        .max()
        .unwrap_or(0);
    if longest > MAX_FILE_NAME_BYTES {
        return Err(QueueError::validation(
            "serie_folder",
            format!(
                "is {} bytes long: the episode files named after it would need {longest} bytes, \
                 over the {MAX_FILE_NAME_BYTES}-byte limit of file names",
                series_folder.len()
            ),
        ));
    }
    Ok(())
}

/// The longest suffix a download appends to the episode file name (see
/// [`worker::PARTIAL_SUFFIXES`]).
const LONGEST_SUFFIX: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < worker::PARTIAL_SUFFIXES.len() {
        if worker::PARTIAL_SUFFIXES[i].len() > longest {
            longest = worker::PARTIAL_SUFFIXES[i].len();
        }
        i += 1;
    }
    longest
};

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(season: u32, episode: u32) -> EpisodeRef {
        EpisodeRef {
            season,
            episode,
            title: None,
        }
    }

    /// The field and message `validate_add` refuses the input with; None when it accepts it.
    fn refusal(folder: &str, episodes: &[EpisodeRef]) -> Option<(String, String)> {
        match validate_add("k", folder, episodes) {
            Ok(()) => None,
            Err(QueueError::Validation { field, message }) => Some((field.into_owned(), message)),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn folder_names_no_file_system_can_hold_are_refused() {
        // `<folder> - S01E01.mp4.audio.part.state` is the folder plus 30 bytes.
        assert_eq!(LONGEST_SUFFIX, ".audio.part.state".len());
        let fits = "a".repeat(255 - 30);
        assert_eq!(refusal(&fits, &[ep(1, 1)]), None);
        let (f, message) = refusal(&format!("{fits}a"), &[ep(1, 1)]).unwrap();
        assert_eq!(f, "serie_folder");
        assert!(
            message.contains("226 bytes long: the episode files"),
            "{message}"
        );
        assert!(message.contains("need 256 bytes"), "{message}");
        // Episode numbers from 100 on take a digit more.
        assert!(refusal(&fits, &[ep(1, 100)]).is_some());
        let (f, message) = refusal(&"é".repeat(128), &[ep(1, 1)]).unwrap();
        assert_eq!(f, "serie_folder");
        assert_eq!(
            message,
            "is 256 bytes long; no file system holds a folder name over 255 bytes"
        );
    }

    #[test]
    fn folder_names_outside_the_anime_directory_are_refused() {
        for folder in ["", " ", ".", " .. ", "a/b", "/abs", "a\\b", "nul\0"] {
            let (f, message) = refusal(folder, &[ep(1, 1)]).unwrap();
            assert_eq!(f, "serie_folder");
            assert_eq!(
                message,
                format!("{folder:?} is not a folder name inside the anime directory")
            );
        }
        assert_eq!(refusal("Show (2020)", &[ep(1, 1)]), None);
    }

    #[test]
    fn numbers_the_store_cannot_hold_are_refused_with_their_json_path() {
        let check = |episodes: &[EpisodeRef], expected: Option<(&str, &str)>| {
            assert_eq!(
                refusal("Show", episodes),
                expected.map(|(f, m)| (f.to_string(), m.to_string())),
                "{episodes:?}"
            );
        };
        let max = MAX_NUMBER;
        check(&[ep(max, max)], None);
        check(
            &[ep(0, 1), ep(max + 1, 1)],
            Some(("episodes[1].season", "2147483648 is above 2147483647")),
        );
        check(
            &[ep(1, u32::MAX)],
            Some(("episodes[0].episode", "4294967295 is above 2147483647")),
        );
        // Checked first, as the handler did before the engine saw the request.
        assert_eq!(
            validate_add("", "", &[ep(1, max + 1)])
                .unwrap_err()
                .to_string(),
            "invalid episodes[0].episode: 2147483648 is above 2147483647"
        );
    }
}
