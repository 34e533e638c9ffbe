//! The queue's answer bodies (api.md section 4 and the "Download Item" and "Download Progress"
//! models of section 10), converted from the engine's types. The WebSocket download messages
//! (`crate::websocket::messages`) carry the same bodies.
//!
//! api.md's quirks live here, not in the domain: the statuses `paused` and `cancelled`, which it
//! lists and the engine never produces, the upper-case priorities, the `serie_*` names, and the
//! precision of the figures (megabytes, MiB, and MiB/s to 2 decimals, percent to 1).

use aniworld_core::ports::WaitInfo;
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeRef, Priority, Progress};
use aniworld_queue::engine::{QueueSnapshot, QueueStatistics};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A megabyte figure as api.md shows it: 2 decimals.
fn mib2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A percent as api.md shows it: 1 decimal.
fn percent1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A queue priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum PriorityName {
    /// Behind the others.
    Low,
    /// The default.
    Normal,
    /// Ahead of the others.
    High,
}

impl std::str::FromStr for PriorityName {
    type Err = String;

    /// `LOW`, `NORMAL` or `HIGH`, exactly.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "LOW" => Ok(Self::Low),
            "NORMAL" => Ok(Self::Normal),
            "HIGH" => Ok(Self::High),
            other => Err(format!(
                "unknown priority {other:?}: expected LOW, NORMAL or HIGH"
            )),
        }
    }
}

impl From<PriorityName> for Priority {
    fn from(p: PriorityName) -> Self {
        match p {
            PriorityName::Low => Priority::Low,
            PriorityName::Normal => Priority::Normal,
            PriorityName::High => Priority::High,
        }
    }
}

impl From<Priority> for PriorityName {
    fn from(p: Priority) -> Self {
        match p {
            Priority::Low => PriorityName::Low,
            Priority::Normal => PriorityName::Normal,
            Priority::High => PriorityName::High,
        }
    }
}

/// The status of a queue item. api.md lists `paused` and `cancelled` for older clients; no item
/// is ever in them (the queue pauses as a whole, and a deleted item is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DownloadStatusName {
    /// Waiting for a worker.
    Pending,
    /// Being downloaded.
    Downloading,
    /// Never produced.
    #[allow(dead_code)] // api.md lists it; no item is ever paused
    Paused,
    /// The file is in the library.
    Completed,
    /// Failed after every retry; `error` says why.
    Failed,
    /// Never produced.
    #[allow(dead_code)] // api.md lists it; a deleted item is gone
    Cancelled,
}

impl From<DownloadStatus> for DownloadStatusName {
    fn from(s: DownloadStatus) -> Self {
        match s {
            DownloadStatus::Pending => Self::Pending,
            DownloadStatus::Downloading => Self::Downloading,
            DownloadStatus::Completed => Self::Completed,
            DownloadStatus::Failed => Self::Failed,
        }
    }
}

/// The episode of a queue item (api.md "Episode Identifier").
#[derive(Debug, Serialize, ToSchema)]
pub struct EpisodeBody {
    /// Season (0 = movies).
    pub season: u32,
    /// Episode number.
    pub episode: u32,
    /// Episode title, when known.
    pub title: Option<String>,
}

impl From<&EpisodeRef> for EpisodeBody {
    fn from(e: &EpisodeRef) -> Self {
        Self {
            season: e.season,
            episode: e.episode,
            title: e.title.clone(),
        }
    }
}

/// Progress of a download (api.md "Download Progress").
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressBody {
    /// 0 to 100, 1 decimal; never goes down during one download.
    pub percent: f64,
    /// Megabytes (MiB) written so far, 2 decimals.
    pub downloaded_mb: f64,
    /// Total size in MiB (or an estimate), 2 decimals; null when unknown.
    pub total_mb: Option<f64>,
    /// Current speed in MiB/s, 2 decimals.
    pub speed_mbps: f64,
    /// Estimated seconds to completion, when known.
    pub eta_seconds: Option<u64>,
}

impl From<&Progress> for ProgressBody {
    fn from(p: &Progress) -> Self {
        Self {
            percent: percent1(p.percent),
            downloaded_mb: mib2(p.downloaded_mb),
            total_mb: p.total_mb.map(mib2),
            speed_mbps: mib2(p.speed_mbps),
            eta_seconds: p.eta_seconds,
        }
    }
}

/// Why and until when a pending item waits for its site.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingBody {
    /// `verification_required`.
    pub reason: String,
    /// The catalogue site (`aniworld.to`, `s.to`).
    pub site: String,
    /// When the next attempt may be made.
    pub until: DateTime<Utc>,
}

impl From<&WaitInfo> for WaitingBody {
    fn from(w: &WaitInfo) -> Self {
        Self {
            reason: w.reason.clone(),
            site: w.site.clone(),
            until: w.until,
        }
    }
}

/// `download.max_retries` of the configuration in force, shared by the WebSocket sink (made
/// before the service opens) and kept current by [`RetryLimit::follow`].
#[derive(Debug, Clone, Default)]
pub struct RetryLimit(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl RetryLimit {
    /// The limit now.
    pub fn get(&self) -> u32 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Takes the configuration's limit now and after every change.
    pub fn follow(&self, config: &aniworld_service::ConfigService) {
        use std::sync::atomic::Ordering::Relaxed;
        self.0.store(config.current().download.max_retries, Relaxed);
        let limit = self.0.clone();
        config.on_change(move |c| limit.store(c.download.max_retries, Relaxed));
    }
}

/// One item of the queue (api.md "Download Item").
#[derive(Debug, Serialize, ToSchema)]
pub struct DownloadItemBody {
    /// Item id.
    pub id: Uuid,
    /// Series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Series folder under the anime directory.
    #[serde(rename = "serie_folder")]
    pub series_folder: String,
    /// Series display name.
    #[serde(rename = "serie_name")]
    pub series_name: String,
    /// The episode.
    pub episode: EpisodeBody,
    /// Current status.
    pub status: DownloadStatusName,
    /// Priority.
    pub priority: PriorityName,
    /// When it was queued.
    pub added_at: DateTime<Utc>,
    /// When the current or last attempt started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Progress of the running (or, once completed, the last) download.
    pub progress: Option<ProgressBody>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Automatic retries used so far.
    pub retry_count: u32,
    /// The media URL the last attempt used, when known.
    pub source_url: Option<String>,
    /// Set while a pending item waits for its site (a verification wall's cool-down); it
    /// resumes by itself and uses no retry.
    pub waiting: Option<WaitingBody>,
    /// Automatic retries allowed in all (`download.max_retries` of the configuration now), so
    /// that `retry_count` reads as "retry N of M".
    pub max_retries: u32,
    /// For a pending item that failed before or waits for its site: not before this time is it
    /// tried again; null otherwise.
    pub next_try_at: Option<DateTime<Utc>>,
}

impl DownloadItemBody {
    /// The body of `i`, with `max_retries` from the configuration in force.
    pub fn new(i: &DownloadItem, max_retries: u32) -> Self {
        Self {
            id: i.id.0,
            series_id: i.series_id.clone(),
            series_folder: i.series_folder.clone(),
            series_name: i.series_name.clone(),
            episode: EpisodeBody::from(&i.episode),
            status: i.status.into(),
            priority: i.priority.into(),
            added_at: i.added_at,
            started_at: i.started_at,
            completed_at: i.completed_at,
            progress: i.progress.as_ref().map(ProgressBody::from),
            error: i.error.clone(),
            retry_count: i.retry_count,
            source_url: i.source_url.clone(),
            waiting: i.waiting.as_ref().map(WaitingBody::from),
            max_retries,
            next_try_at: match i.status {
                DownloadStatus::Pending => i.not_before,
                _ => None,
            },
        }
    }
}

/// api.md's `statistics` of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsBody {
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
    /// MiB written by completed items plus the running downloads, 2 decimals.
    pub total_downloaded_mb: f64,
    /// MiB/s of the running downloads together, or when none runs the mean of the completed
    /// ones; 2 decimals, 0 when nothing is known.
    pub average_speed_mbps: f64,
    /// Seconds until everything queued is downloaded; null when there is no basis for an
    /// estimate.
    pub estimated_time_remaining: Option<u64>,
}

impl From<&QueueStatistics> for StatisticsBody {
    fn from(s: &QueueStatistics) -> Self {
        Self {
            total_items: s.total_items,
            pending_count: s.pending_count,
            active_count: s.active_count,
            completed_count: s.completed_count,
            failed_count: s.failed_count,
            total_downloaded_mb: mib2(s.total_downloaded_mb),
            average_speed_mbps: mib2(s.average_speed_mbps),
            estimated_time_remaining: s.estimated_time_remaining,
        }
    }
}

/// api.md's `status` of the queue: its state and every item, by state.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueStatusBody {
    /// Whether the queue takes new items.
    pub is_running: bool,
    /// Whether it was paused (rather than stopped).
    pub is_paused: bool,
    /// Items downloading now, oldest start first.
    pub active_downloads: Vec<DownloadItemBody>,
    /// Items waiting, in processing order (priority, then position).
    pub pending_queue: Vec<DownloadItemBody>,
    /// Completed items, most recently completed first.
    pub completed_downloads: Vec<DownloadItemBody>,
    /// Failed items, in processing order.
    pub failed_downloads: Vec<DownloadItemBody>,
}

impl QueueStatusBody {
    /// The body of `s`; every item with `max_retries` (see [`DownloadItemBody::new`]).
    pub fn new(s: &QueueSnapshot, max_retries: u32) -> Self {
        let items = |v: &[DownloadItem]| {
            v.iter()
                .map(|i| DownloadItemBody::new(i, max_retries))
                .collect()
        };
        Self {
            is_running: s.is_running,
            is_paused: s.is_paused,
            active_downloads: items(&s.active),
            pending_queue: items(&s.pending),
            completed_downloads: items(&s.completed),
            failed_downloads: items(&s.failed),
        }
    }
}

/// Answer of `GET /api/queue/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueStatusResponse {
    /// The queue's state and items.
    pub status: QueueStatusBody,
    /// Its counts and rates.
    pub statistics: StatisticsBody,
}

#[cfg(test)]
mod tests {
    use super::*;
    use aniworld_core::ItemId;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn an_item_shows_as_api_md_writes_it() {
        let t = Utc.timestamp_opt(1_780_000_000, 987_654_321).unwrap();
        let mut it = DownloadItem::new_pending(
            "aot",
            "AoT (2013)",
            "AoT",
            EpisodeRef {
                season: 1,
                episode: 2,
                title: None,
            },
            Priority::High,
            3,
        );
        it.id = ItemId("6f1c1a2e-4b9a-4e5e-9d3c-0a1b2c3d4e5f".parse().unwrap());
        it.status = DownloadStatus::Downloading;
        it.added_at = t;
        it.started_at = Some(t);
        it.progress = Some(Progress {
            percent: 45.25,
            downloaded_mb: 1.0 / 3.0,
            total_mb: Some(2.0 / 3.0),
            speed_mbps: 2.499,
            eta_seconds: Some(9),
        });
        it.waiting = Some(WaitInfo {
            reason: "verification_required".into(),
            site: "s.to".into(),
            until: t,
        });
        it.not_before = Some(t);
        let v = serde_json::to_value(DownloadItemBody::new(&it, 3)).unwrap();
        assert_eq!(
            v,
            json!({
                "id": "6f1c1a2e-4b9a-4e5e-9d3c-0a1b2c3d4e5f",
                "serie_id": "aot",
                "serie_folder": "AoT (2013)",
                "serie_name": "AoT",
                "episode": {"season": 1, "episode": 2, "title": null},
                "status": "downloading",
                "priority": "HIGH",
                "added_at": "2026-05-28T20:26:40.987654321Z",
                "started_at": "2026-05-28T20:26:40.987654321Z",
                "completed_at": null,
                "progress": {
                    "percent": 45.3,
                    "downloaded_mb": 0.33,
                    "total_mb": 0.67,
                    "speed_mbps": 2.5,
                    "eta_seconds": 9
                },
                "error": null,
                "retry_count": 0,
                "source_url": null,
                "waiting": {
                    "reason": "verification_required",
                    "site": "s.to",
                    "until": "2026-05-28T20:26:40.987654321Z"
                },
                "max_retries": 3,
                "next_try_at": null
            })
        );
        // The times are serde's of chrono, as the domain type gave them.
        assert_eq!(v["added_at"], serde_json::to_value(t).unwrap());
        // A pending item shows when it is tried next.
        it.status = DownloadStatus::Pending;
        let v = serde_json::to_value(DownloadItemBody::new(&it, 5)).unwrap();
        assert_eq!(v["next_try_at"], serde_json::to_value(t).unwrap());
        assert_eq!(v["max_retries"], 5);
    }

    #[test]
    fn statuses_and_priorities_have_api_md_names() {
        for (status, name) in [
            (DownloadStatusName::Pending, "pending"),
            (DownloadStatusName::Downloading, "downloading"),
            (DownloadStatusName::Paused, "paused"),
            (DownloadStatusName::Completed, "completed"),
            (DownloadStatusName::Failed, "failed"),
            (DownloadStatusName::Cancelled, "cancelled"),
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), name);
        }
        for (p, name) in [
            (Priority::Low, "LOW"),
            (Priority::Normal, "NORMAL"),
            (Priority::High, "HIGH"),
        ] {
            let shown = PriorityName::from(p);
            assert_eq!(serde_json::to_value(shown).unwrap(), name);
            assert_eq!(name.parse::<PriorityName>(), Ok(shown));
            assert_eq!(Priority::from(shown), p);
        }
        assert_eq!(
            "high".parse::<PriorityName>(),
            Err("unknown priority \"high\": expected LOW, NORMAL or HIGH".into())
        );
    }

    #[test]
    fn figures_are_rounded_at_the_edge() {
        let s = QueueStatistics {
            total_downloaded_mb: 1024.456,
            average_speed_mbps: 2.0 / 3.0,
            estimated_time_remaining: None,
            ..QueueStatistics::default()
        };
        let v = serde_json::to_value(StatisticsBody::from(&s)).unwrap();
        assert_eq!(v["total_downloaded_mb"], 1024.46);
        assert_eq!(v["average_speed_mbps"], 0.67);
        assert_eq!(v["estimated_time_remaining"], json!(null));
        for (raw, shown) in [(0.0, 0.0), (99.96, 100.0), (12.34, 12.3), (100.0, 100.0)] {
            assert_eq!(percent1(raw), shown, "{raw}");
        }
    }
}
