//! Download queue items: ids, status, priority and progress.
//!
//! State machine (architecture.md, "Download queue"):
//!
//! ```text
//!   pending --start--> downloading --ok--> completed
//!      ^                   |   \--error, retries left--> pending (retry_count+1, after backoff)
//!      |                   \--error, no retries left--> failed --retry--> pending
//!      +------ restart/crash resets downloading to pending (resume from .part) ------+
//! ```
//! A deleted item is gone (no `cancelled` state) and the queue pauses as a whole (no `paused`
//! item); api.md's wire names, including those two, belong to the server.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::episode::EpisodeId;

/// The id of a queue item (a UUID v4, serialised as a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub Uuid);

impl ItemId {
    /// A fresh random id.
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for ItemId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ItemId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// Status of a queue item (see the state machine above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DownloadStatus {
    /// Waiting for a worker.
    Pending,
    /// A worker is downloading it.
    Downloading,
    /// The file is in the library.
    Completed,
    /// Failed after all retries; `error` says why.
    Failed,
}

impl DownloadStatus {
    /// The lower-case name (`pending`, `downloading`, `completed`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Downloading => "downloading",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

impl FromStr for DownloadStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => Self::Pending,
            "downloading" => Self::Downloading,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            other => return Err(format!("unknown download status {other:?}")),
        })
    }
}

/// Priority of a queue item: high before normal before low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Priority {
    /// Downloaded after everything else.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Downloaded first.
    High,
}

impl Priority {
    /// Sort rank: lower ranks are processed first.
    pub fn rank(self) -> u8 {
        match self {
            Self::High => 0,
            Self::Normal => 1,
            Self::Low => 2,
        }
    }
}

/// The episode a queue item downloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodeRef {
    /// Season (0 = movies).
    pub season: u32,
    /// Episode number.
    pub episode: u32,
    /// Episode title, when known.
    #[serde(default)]
    pub title: Option<String>,
}

impl EpisodeRef {
    /// The episode's id.
    pub fn id(&self) -> EpisodeId {
        EpisodeId::new(self.season, self.episode)
    }
}

/// Progress of a running download, unrounded (the server rounds it as api.md's "Download
/// Progress" shows it). Serialised only to be stored with its item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Progress {
    /// 0..=100; never goes down during one download.
    pub percent: f64,
    /// Megabytes (MiB) written so far.
    pub downloaded_mb: f64,
    /// Total size in megabytes (MiB), or an estimate; None when unknown.
    pub total_mb: Option<f64>,
    /// Current speed in megabytes (MiB) per second.
    pub speed_mbps: f64,
    /// Estimated seconds to completion, when known.
    pub eta_seconds: Option<u64>,
}

/// One item of the download queue (the server shows it as api.md's "Download Item").
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadItem {
    /// Item id.
    pub id: ItemId,
    /// Series key.
    pub series_id: String,
    /// Series folder under the anime directory.
    pub series_folder: String,
    /// Series display name.
    pub series_name: String,
    /// The episode.
    pub episode: EpisodeRef,
    /// Current status.
    pub status: DownloadStatus,
    /// Priority.
    pub priority: Priority,
    /// Position within its priority (lower first); set by add order and `reorder`.
    pub position: i64,
    /// When it was queued.
    pub added_at: DateTime<Utc>,
    /// When the current or last attempt started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Progress of the running download.
    pub progress: Option<Progress>,
    /// Human-readable reason of the last failure.
    pub error: Option<String>,
    /// Automatic retries used so far.
    pub retry_count: u32,
    /// The media URL the last attempt used, when known.
    pub source_url: Option<String>,
    /// Bytes written in total by completed downloads (for statistics).
    pub downloaded_bytes: u64,
    /// Not before this time is a pending item retried (backoff).
    pub not_before: Option<DateTime<Utc>>,
    /// Set while a pending item waits for its site (a verification wall's cool-down): why,
    /// which site and until when. Waiting uses no retry.
    pub waiting: Option<crate::ports::WaitInfo>,
}

impl DownloadItem {
    /// A new pending item.
    pub fn new_pending(
        series_id: impl Into<String>,
        series_folder: impl Into<String>,
        series_name: impl Into<String>,
        episode: EpisodeRef,
        priority: Priority,
        position: i64,
    ) -> Self {
        Self {
            id: ItemId::new(),
            series_id: series_id.into(),
            series_folder: series_folder.into(),
            series_name: series_name.into(),
            episode,
            status: DownloadStatus::Pending,
            priority,
            position,
            added_at: Utc::now(),
            started_at: None,
            completed_at: None,
            progress: None,
            error: None,
            retry_count: 0,
            source_url: None,
            downloaded_bytes: 0,
            not_before: None,
            waiting: None,
        }
    }

    /// Processing order key: priority, then position, then insertion time.
    pub fn order_key(&self) -> (u8, i64, DateTime<Utc>) {
        (self.priority.rank(), self.position, self.added_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_their_names() {
        for s in ["pending", "downloading", "completed", "failed"] {
            assert_eq!(s.parse::<DownloadStatus>().unwrap().as_str(), s);
        }
        assert!("paused".parse::<DownloadStatus>().is_err());
    }

    #[test]
    fn order_is_priority_then_position() {
        let ep = EpisodeRef {
            season: 1,
            episode: 1,
            title: None,
        };
        let a = DownloadItem::new_pending("a", "A", "A", ep.clone(), Priority::Low, 0);
        let b = DownloadItem::new_pending("b", "B", "B", ep.clone(), Priority::High, 5);
        let c = DownloadItem::new_pending("c", "C", "C", ep, Priority::High, 1);
        let mut v = [a, b, c];
        v.sort_by_key(DownloadItem::order_key);
        assert_eq!(
            v.iter().map(|i| i.series_id.as_str()).collect::<Vec<_>>(),
            ["c", "b", "a"]
        );
    }
}
