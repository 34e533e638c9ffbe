//! The in-memory queue: items by id and the pure rules over them (processing order, the next item
//! due, reorder positions, duplicates, statistics). No I/O and no locking here; the engine holds
//! a [`State`] behind its mutex and persists every change before it lands in it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use aniworld_core::ports::CancelToken;
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeId, ItemId};
use chrono::{DateTime, Utc};

use super::types::{EngineConfig, QueueSnapshot, QueueStatistics, QueueSummary};

/// Bytes in the megabyte the API speaks of (MiB).
pub(crate) const MIB: f64 = 1024.0 * 1024.0;

/// Everything the engine knows, guarded by one mutex.
pub(crate) struct State {
    /// The current configuration.
    pub cfg: EngineConfig,
    /// Whether workers take new items.
    pub running: bool,
    /// Whether the queue was paused rather than stopped.
    pub paused: bool,
    /// Set once by `shutdown`: workers leave.
    pub shutdown: bool,
    /// Worker threads alive; a worker leaves when this exceeds `max_concurrent`.
    pub workers_alive: usize,
    /// Every item, by id.
    pub items: HashMap<ItemId, DownloadItem>,
    /// Running downloads (deleted items included until their worker lets go).
    pub active: HashMap<ItemId, ActiveJob>,
    /// The position the next added item gets.
    pub next_position: i64,
    /// A new library folder that waits until no download runs (see
    /// [`super::QueueEngine::set_config`]); no download starts meanwhile.
    pub next_anime_dir: Option<Option<PathBuf>>,
}

/// A running download.
pub(crate) struct ActiveJob {
    /// Cancels it.
    pub cancel: CancelToken,
    /// Series folder and episode: the file it writes.
    pub target: (String, EpisodeId),
}

impl State {
    /// A state holding `items` (none of them downloading).
    pub fn new(items: Vec<DownloadItem>, cfg: EngineConfig, running: bool, paused: bool) -> Self {
        let next_position = items.iter().map(|i| i.position + 1).max().unwrap_or(0);
        Self {
            cfg,
            running,
            paused,
            shutdown: false,
            workers_alive: 0,
            items: items.into_iter().map(|i| (i.id, i)).collect(),
            active: HashMap::new(),
            next_position,
            next_anime_dir: None,
        }
    }

    /// Puts a waiting library folder in force once no download runs; returns whether it did.
    pub fn apply_waiting_folder(&mut self) -> bool {
        if !self.active.is_empty() {
            return false;
        }
        match self.next_anime_dir.take() {
            Some(dir) => {
                self.cfg.anime_dir = dir;
                true
            }
            None => false,
        }
    }

    /// The configured number of parallel downloads, at least 1 and at most 5.
    pub fn max_concurrent(&self) -> usize {
        self.cfg.download.max_concurrent.clamp(1, 5) as usize
    }

    /// Items with `status`, in processing order.
    pub fn sorted_with(&self, status: DownloadStatus) -> Vec<&DownloadItem> {
        let mut v: Vec<&DownloadItem> =
            self.items.values().filter(|i| i.status == status).collect();
        v.sort_by_key(|i| i.order_key());
        v
    }

    /// The episodes of series `series_id` that are pending or downloading.
    pub fn queued_episodes(&self, series_id: &str) -> HashSet<EpisodeId> {
        self.items
            .values()
            .filter(|i| is_queued(i.status) && i.series_id == series_id)
            .map(|i| i.episode.id())
            .collect()
    }

    /// The first pending item in processing order whose backoff has passed and whose file no
    /// running download writes (a deleted one may still be winding down).
    pub fn next_due(&self, now: DateTime<Utc>) -> Option<ItemId> {
        let busy: HashSet<(&str, EpisodeId)> = self
            .active
            .values()
            .map(|j| (j.target.0.as_str(), j.target.1))
            .collect();
        self.items
            .values()
            .filter(|i| i.status == DownloadStatus::Pending && !self.active.contains_key(&i.id))
            .filter(|i| i.not_before.is_none_or(|t| t <= now))
            .filter(|i| !busy.contains(&(i.series_folder.as_str(), i.episode.id())))
            .min_by_key(|i| i.order_key())
            .map(|i| i.id)
    }

    /// The earliest backoff end after `now` among pending items, if any still waits.
    pub fn earliest_backoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.items
            .values()
            .filter(|i| i.status == DownloadStatus::Pending)
            .filter_map(|i| i.not_before)
            .filter(|t| *t > now)
            .min()
    }

    /// New positions for the pending items `ids` that put them before every other pending item,
    /// in the given order; the others keep their positions (and so their order), so only the
    /// listed items change. Ids of items that are not pending are skipped; an unknown id is
    /// returned as the error.
    pub fn reorder_positions(&self, ids: &[ItemId]) -> Result<Vec<(ItemId, i64)>, ItemId> {
        if let Some(unknown) = ids.iter().find(|id| !self.items.contains_key(id)) {
            return Err(*unknown);
        }
        let mut seen = HashSet::new();
        let front: Vec<ItemId> = ids
            .iter()
            .filter(|id| self.items[*id].status == DownloadStatus::Pending && seen.insert(**id))
            .copied()
            .collect();
        let first = self
            .items
            .values()
            .filter(|i| i.status == DownloadStatus::Pending)
            .map(|i| i.position)
            .min()
            .unwrap_or(0);
        let base = first.saturating_sub(front.len() as i64);
        Ok(front.into_iter().zip(base..).collect())
    }

    /// The full snapshot for `status`.
    pub fn snapshot(&self) -> QueueSnapshot {
        let cloned = |v: Vec<&DownloadItem>| v.into_iter().cloned().collect::<Vec<_>>();
        let mut active = cloned(self.sorted_with(DownloadStatus::Downloading));
        active.sort_by_key(|i| i.started_at);
        let mut completed = cloned(self.sorted_with(DownloadStatus::Completed));
        completed.sort_by_key(|i| std::cmp::Reverse(i.completed_at));
        QueueSnapshot {
            is_running: self.running,
            is_paused: self.paused,
            active,
            pending: cloned(self.sorted_with(DownloadStatus::Pending)),
            completed,
            failed: cloned(self.sorted_with(DownloadStatus::Failed)),
        }
    }

    /// The summary sent with status events.
    pub fn summary(&self) -> QueueSummary {
        QueueSummary {
            is_running: self.running,
            is_paused: self.paused,
            statistics: self.statistics(),
        }
    }

    /// Counts, volume, speed and remaining time.
    pub fn statistics(&self) -> QueueStatistics {
        let mut s = QueueStatistics {
            total_items: self.items.len(),
            ..QueueStatistics::default()
        };
        let (mut done_bytes, mut done_secs, mut done_sized) = (0f64, 0f64, 0usize);
        let (mut active_mb, mut active_speed, mut active_left_mb) = (0f64, 0f64, 0f64);
        let mut active_unsized = 0usize;
        for item in self.items.values() {
            match item.status {
                DownloadStatus::Pending => s.pending_count += 1,
                DownloadStatus::Downloading => {
                    s.active_count += 1;
                    let p = item.progress.unwrap_or_default();
                    let downloaded = as_shown(p.downloaded_mb);
                    active_mb += downloaded;
                    active_speed += as_shown(p.speed_mbps);
                    match p.total_mb {
                        Some(t) => active_left_mb += (as_shown(t) - downloaded).max(0.0),
                        None => active_unsized += 1,
                    }
                }
                DownloadStatus::Completed => {
                    s.completed_count += 1;
                    done_bytes += item.downloaded_bytes as f64;
                    if item.downloaded_bytes > 0 {
                        done_sized += 1;
                        if let (Some(a), Some(b)) = (item.started_at, item.completed_at) {
                            done_secs += (b - a).num_milliseconds().max(0) as f64 / 1000.0;
                        }
                    }
                }
                DownloadStatus::Failed => s.failed_count += 1,
            }
        }
        s.total_downloaded_mb = (done_bytes / MIB) + active_mb;
        let done_speed = if done_secs > 0.0 {
            done_bytes / MIB / done_secs
        } else {
            0.0
        };
        let speed = if active_speed > 0.0 {
            active_speed
        } else {
            done_speed
        };
        s.average_speed_mbps = speed;
        let avg_size_mb = (done_sized > 0).then(|| done_bytes / MIB / done_sized as f64);
        let waiting = s.pending_count + active_unsized;
        s.estimated_time_remaining = if waiting == 0 && s.active_count == 0 {
            Some(0)
        } else {
            match (avg_size_mb, waiting) {
                (_, 0) => Some(active_left_mb),
                (Some(avg), n) => Some(active_left_mb + avg * n as f64),
                (None, _) => None,
            }
            .filter(|_| speed > 0.0)
            .map(|left| (left / speed).ceil() as u64)
        };
        s
    }
}

/// Whether an item in this status blocks a second item for the same episode.
pub(crate) fn is_queued(status: DownloadStatus) -> bool {
    matches!(
        status,
        DownloadStatus::Pending | DownloadStatus::Downloading
    )
}

/// A running download's figure (MiB, MiB/s) to the 2 decimals clients see it with. The
/// statistics add up these, not the exact figures: so they did when the progress itself was
/// rounded here, and adding exact figures would move the sum's second decimal (and the estimate
/// by a second) in about a quarter of the snapshots. The sums themselves are rounded by the server.
fn as_shown(mib: f64) -> f64 {
    (mib * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use aniworld_core::{EpisodeRef, Priority, Progress};

    fn item(serie: &str, ep: u32, prio: Priority, pos: i64) -> DownloadItem {
        let e = EpisodeRef {
            season: 1,
            episode: ep,
            title: None,
        };
        DownloadItem::new_pending(serie, serie, serie, e, prio, pos)
    }

    fn state(items: Vec<DownloadItem>) -> State {
        State::new(items, EngineConfig::default(), false, false)
    }

    fn episodes(v: &[&DownloadItem]) -> Vec<u32> {
        v.iter().map(|i| i.episode.episode).collect()
    }

    #[test]
    fn next_due_follows_priority_position_and_backoff() {
        let mut waiting = item("a", 1, Priority::High, 0);
        waiting.not_before = Some(Utc::now() + chrono::Duration::hours(1));
        let s = state(vec![
            item("a", 2, Priority::Normal, 1),
            item("a", 3, Priority::Normal, 0),
            waiting,
            item("a", 4, Priority::Low, -5),
        ]);
        let next = s.next_due(Utc::now()).unwrap();
        assert_eq!(s.items[&next].episode.episode, 3);
        assert!(s.earliest_backoff(Utc::now()).is_some());
        let later = Utc::now() + chrono::Duration::hours(2);
        assert!(s.earliest_backoff(later).is_none());
        assert_eq!(
            episodes(&s.sorted_with(DownloadStatus::Pending)),
            [1, 3, 2, 4]
        );
        assert_eq!(s.next_position, 2);
    }

    #[test]
    fn next_due_skips_an_episode_whose_file_is_still_being_written() {
        let mut s = state(vec![
            item("a", 1, Priority::Normal, 0),
            item("a", 2, Priority::Normal, 1),
        ]);
        s.active.insert(
            ItemId::new(),
            ActiveJob {
                cancel: CancelToken::new(),
                target: ("a".into(), EpisodeId::new(1, 1)),
            },
        );
        let next = s.next_due(Utc::now()).unwrap();
        assert_eq!(s.items[&next].episode.episode, 2);
    }

    #[test]
    fn reorder_puts_listed_first_and_keeps_the_rest() {
        let items: Vec<_> = (1..=4)
            .map(|n| item("a", n, Priority::Normal, n as i64))
            .collect();
        let ids: Vec<_> = items.iter().map(|i| i.id).collect();
        let mut s = state(items);
        let pos = s.reorder_positions(&[ids[3], ids[1], ids[3]]).unwrap();
        assert_eq!(pos.len(), 2, "only the listed items move");
        for (id, p) in pos {
            s.items.get_mut(&id).unwrap().position = p;
        }
        assert_eq!(
            episodes(&s.sorted_with(DownloadStatus::Pending)),
            [4, 2, 1, 3]
        );
        let unknown = ItemId::new();
        assert_eq!(s.reorder_positions(&[ids[0], unknown]), Err(unknown));
    }

    #[test]
    fn statistics_count_and_estimate() {
        let mut done = item("a", 1, Priority::Normal, 0);
        done.status = DownloadStatus::Completed;
        done.downloaded_bytes = 20 * 1024 * 1024;
        let start = Utc::now();
        done.started_at = Some(start);
        done.completed_at = Some(start + chrono::Duration::seconds(10));
        let mut running = item("a", 2, Priority::Normal, 1);
        running.status = DownloadStatus::Downloading;
        running.progress = Some(Progress {
            percent: 50.0,
            downloaded_mb: 5.0,
            total_mb: Some(10.0),
            speed_mbps: 1.0,
            eta_seconds: Some(5),
        });
        let mut failed = item("a", 3, Priority::Normal, 2);
        failed.status = DownloadStatus::Failed;
        let s = state(vec![done, running, failed, item("a", 4, Priority::Low, 3)]);
        let st = s.statistics();
        assert_eq!(
            (
                st.total_items,
                st.pending_count,
                st.active_count,
                st.completed_count,
                st.failed_count
            ),
            (4, 1, 1, 1, 1)
        );
        assert_eq!(st.total_downloaded_mb, 25.0);
        assert_eq!(st.average_speed_mbps, 1.0);
        // 5 MiB left of the running one + one pending of the 20 MiB average, at 1 MiB/s.
        assert_eq!(st.estimated_time_remaining, Some(25));
    }

    #[test]
    fn empty_queue_has_nothing_remaining() {
        let st = state(vec![]).statistics();
        assert_eq!(st.estimated_time_remaining, Some(0));
        assert_eq!(st.average_speed_mbps, 0.0);
        let st = state(vec![item("a", 1, Priority::Normal, 0)]).statistics();
        assert_eq!(st.estimated_time_remaining, None);
    }
}
