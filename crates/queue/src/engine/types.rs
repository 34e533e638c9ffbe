//! The engine's inputs and outputs: dependencies, configuration, events and status snapshots.

use std::path::PathBuf;
use std::sync::Arc;

use aniworld_core::config::DownloadConfig;
use aniworld_core::ports::{QueueRepo, SeriesRepo, SettingsRepo, StreamResolver};
use aniworld_core::{DownloadItem, EpisodeRef, ItemId, Language, Progress};

use super::fetcher::MediaFetcher;

/// Settings key that remembers whether the queue was running (`"true"`/`"false"`).
pub const RUNNING_KEY: &str = "queue.running";
/// Settings key that remembers whether the queue was paused (`"true"`/`"false"`).
pub const PAUSED_KEY: &str = "queue.paused";

/// What the engine needs from the rest of the application.
#[derive(Clone)]
pub struct EngineDeps {
    /// Where queue items are persisted.
    pub repo: Arc<dyn QueueRepo>,
    /// Where the running/paused state is persisted.
    pub settings: Arc<dyn SettingsRepo>,
    /// Told when an episode has been downloaded, so it leaves the missing list.
    pub series: Arc<dyn SeriesRepo>,
    /// Finds a media source for an episode.
    pub resolver: Arc<dyn StreamResolver>,
    /// Turns a media source into a file.
    pub fetcher: Arc<dyn MediaFetcher>,
}

/// The part of the configuration the engine uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EngineConfig {
    /// The library folder (`other.anime_directory`); no download starts without it.
    pub anime_dir: Option<PathBuf>,
    /// Concurrency, retries, stream preferences.
    pub download: DownloadConfig,
}

/// Result of [`super::QueueEngine::add`].
#[derive(Debug, Clone, Default)]
pub struct AddOutcome {
    /// The items created, in request order.
    pub added: Vec<DownloadItem>,
    /// Episodes refused, with the reason (already queued, listed twice).
    pub failed: Vec<(EpisodeRef, String)>,
}

/// Counters and rates of the queue (api.md `statistics`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueStatistics {
    /// Every item the queue holds.
    pub total_items: usize,
    /// Items waiting.
    pub pending_count: usize,
    /// Items downloading now.
    pub active_count: usize,
    /// Items completed (until cleared).
    pub completed_count: usize,
    /// Items failed (until cleared or retried).
    pub failed_count: usize,
    /// Megabytes (MiB) written by completed items plus the running downloads (each running one
    /// counted with the 2 decimals its progress is shown with); not rounded.
    pub total_downloaded_mb: f64,
    /// Mean speed in MiB/s: the running downloads together (each to 2 decimals), or when none
    /// runs, the mean of the completed ones; 0 when nothing is known. Not rounded.
    pub average_speed_mbps: f64,
    /// Seconds until everything queued is downloaded, estimated from known and average sizes;
    /// None when there is no basis for an estimate.
    pub estimated_time_remaining: Option<u64>,
}

/// A short summary of the queue, sent with every [`QueueEvent::Status`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueSummary {
    /// Whether workers take new items.
    pub is_running: bool,
    /// Whether the queue was paused (as opposed to stopped).
    pub is_paused: bool,
    /// Counts and rates.
    pub statistics: QueueStatistics,
}

/// The full state of the queue (api.md `status`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueSnapshot {
    /// Whether workers take new items.
    pub is_running: bool,
    /// Whether the queue was paused.
    pub is_paused: bool,
    /// Items downloading now, oldest start first.
    pub active: Vec<DownloadItem>,
    /// Items waiting, in processing order (priority, then position).
    pub pending: Vec<DownloadItem>,
    /// Completed items, most recently completed first.
    pub completed: Vec<DownloadItem>,
    /// Failed items, in processing order.
    pub failed: Vec<DownloadItem>,
}

/// Something that happened in the queue, announced after it was saved.
///
/// The server maps these to the WebSocket messages `download_added`, `download_removed`,
/// `download_progress`, `download_complete`, `download_failed`, `queue_status`, `queue_started`
/// and `queue_stopped`.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueEvent {
    /// An item was queued.
    Added(DownloadItem),
    /// An item was deleted (a running download was cancelled).
    Removed(ItemId),
    /// A running download advanced (throttled per item; the percent never goes down).
    Progress {
        /// The item.
        id: ItemId,
        /// Its series key.
        key: String,
        /// Its series folder.
        folder: String,
        /// Where it stands.
        progress: Progress,
    },
    /// An item's file is in the library.
    Completed(DownloadItem),
    /// Right before the [`QueueEvent::Completed`] of the same item: its new file replaced one
    /// the service had written in a worse language (an upgrade, docs/monitoring.md).
    Upgraded {
        /// The completed item.
        item: DownloadItem,
        /// The language of the replaced file.
        from: Language,
        /// The language of the new file.
        to: Language,
    },
    /// An item failed for good; `error` says why.
    Failed(DownloadItem),
    /// A pending item waits for its site (a verification wall); `waiting` says why and until
    /// when. It resumes by itself and used no retry.
    Waiting(DownloadItem),
    /// The queue's counts changed (an item started, finished, was retried or cleared).
    Status(QueueSummary),
    /// Processing was started.
    Started,
    /// Processing was stopped or paused.
    Stopped,
}
