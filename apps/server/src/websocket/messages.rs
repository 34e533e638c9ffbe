//! The service's events as the WebSocket messages of api.md section 9.
//!
//! [`sink`] is the event sink given to the service facade: it turns each [`Event`] into its
//! message and publishes it on the hub, once, for every session to forward.
//!
//! Library and catalogue events go to every authenticated client:
//!
//! | event | message | data |
//! | --- | --- | --- |
//! | `SiteStatus` | `site_status` | `site`, `status`, `engine`, `error`, `until` |
//! | `ScanProgress` | `scan_progress` | `done`, `total`, `current` |
//! | `ScanComplete` | `scan_complete` | the scan report (see [`scan_complete_json`]) |
//! | `HosterDegraded` | `hoster_degraded` | `hoster`, `consecutive_failures`, `last_error`, `until` |
//!
//! Queue events:
//!
//! | event | message | data |
//! | --- | --- | --- |
//! | `Added` | `download_added` | the item (api.md "Download Item") plus `download_id`, `key`, `folder` |
//! | `Removed` | `download_removed` | `download_id` |
//! | `Progress` | `download_progress` | `download_id`, `key`, `folder`, `percent`, `speed_mbps`, `eta_seconds`, `downloaded_mb`, `total_mb` |
//! | `Completed` | `download_complete` | the item plus `download_id`, `key`, `folder` |
//! | `Failed` | `download_failed` | the item plus `download_id`, `key`, `folder`, `error` |
//! | `Waiting` | `download_waiting` | the item plus `download_id`, `key`, `folder`; its `waiting` says why and until when |
//! | `Upgraded` | `episode_upgraded` | before its `download_complete`: the item plus `download_id`, `key`, `folder`, `from` and `to` (the languages of the replaced and the new file) |
//! | `Status` | `queue_status` | `is_running`, `is_paused`, `statistics` (as in `GET /api/queue/status`) |
//! | `Started` / `Stopped` | `queue_started` / `queue_stopped` | `is_running`, `is_paused` |
//!
//! Every download message goes to authenticated clients in the `downloads` room only. Items,
//! progress and statistics are the bodies of `GET /api/queue/status` (`crate::routes::queue::dto`).

use aniworld_core::{DownloadItem, ItemId, Progress};
use aniworld_library::{ScanProgress, ScanReport};
use aniworld_provider::catalogue::SiteStatus;
use aniworld_provider::resolver::HosterDegraded;
use aniworld_queue::engine::{QueueEvent, QueueSummary};
use aniworld_service::{Event, Events};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::events::{Audience, EventHub};
use crate::routes::queue::dto::{DownloadItemBody, ProgressBody, RetryLimit, StatisticsBody};

/// The service's event sink publishing on `hub`; item messages carry `retries`' limit as
/// `max_retries`.
pub fn sink(hub: EventHub, retries: RetryLimit) -> Events {
    std::sync::Arc::new(move |event: Event| {
        let (kind, audience, data) = message_of(event, retries.get());
        hub.publish(kind, audience, data);
    })
}

/// The message type, audience and data of a service event.
fn message_of(event: Event, max_retries: u32) -> (&'static str, Audience, Value) {
    match event {
        Event::Queue(e) => {
            let (kind, data) = message(e, max_retries);
            (kind, Audience::DownloadsRoom, data)
        }
        Event::SiteStatus(st) => (
            "site_status",
            Audience::Authenticated,
            site_status_json(&st),
        ),
        Event::ScanProgress(p) => (
            "scan_progress",
            Audience::Authenticated,
            scan_progress_json(&p),
        ),
        Event::ScanComplete(r) => (
            "scan_complete",
            Audience::Authenticated,
            scan_complete_json(&r),
        ),
        Event::HosterDegraded(d) => (
            "hoster_degraded",
            Audience::Authenticated,
            hoster_degraded_json(&d),
        ),
    }
}

/// The data of a `site_status` message: `{site, status, engine, error, until}`.
pub fn site_status_json(st: &SiteStatus) -> Value {
    json!({
        "site": st.site,
        "status": st.status.as_str(),
        "engine": st.engine.map(|e| e.as_str()),
        "error": st.error,
        "until": st.until.map(|u| u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    })
}

/// `scan_progress`: `{done, total, current}`.
fn scan_progress_json(p: &ScanProgress) -> Value {
    json!({ "done": p.done, "total": p.total, "current": p.current_key })
}

/// `scan_complete`: `{series_scanned, missing_total, failed: [{key, error}], duration_seconds}`,
/// plus `error` when the scan could not run at all, and what a changed scan skipped and why:
/// `mode`, `skipped: {unchanged, not_due, not_modified}`, `looked_up: {signal, unscanned, due}`
/// and `signal_sites`.
pub fn scan_complete_json(result: &Result<ScanReport, String>) -> Value {
    match result {
        Ok(r) => json!({
            "series_scanned": r.series_scanned,
            "series_total": r.series_total,
            "missing_total": r.missing_total,
            "failed": r.failed.iter().map(|(key, error)| json!({ "key": key, "error": error })).collect::<Vec<Value>>(),
            "duration_seconds": r.duration.as_secs_f64(),
            "cancelled": r.cancelled,
            "error": Value::Null,
            "mode": r.mode.as_str(),
            "skipped": r.skipped,
            "looked_up": r.looked_up,
            "signal_sites": r.signal_sites,
        }),
        Err(e) => json!({
            "series_scanned": 0,
            "series_total": 0,
            "missing_total": 0,
            "failed": [],
            "duration_seconds": 0.0,
            "cancelled": false,
            "error": e,
        }),
    }
}

/// `hoster_degraded`: `{hoster, consecutive_failures, last_error, until}`.
fn hoster_degraded_json(d: &HosterDegraded) -> Value {
    json!({
        "hoster": d.hoster,
        "consecutive_failures": d.consecutive_failures,
        "last_error": d.last_error,
        "until": d.until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// The data of the item messages: the item (api.md "Download Item") plus `download_id`, `key`
/// and `folder`, so that every download message names its item the same way.
#[derive(Serialize)]
struct ItemMessage {
    #[serde(flatten)]
    item: DownloadItemBody,
    download_id: Uuid,
    key: String,
    folder: String,
}

impl ItemMessage {
    fn new(item: &DownloadItem, max_retries: u32) -> Self {
        Self {
            item: DownloadItemBody::new(item, max_retries),
            download_id: item.id.0,
            key: item.series_id.clone(),
            folder: item.series_folder.clone(),
        }
    }
}

/// The data of a `download_progress` message: the item's names and its progress.
#[derive(Serialize)]
struct ProgressMessage {
    download_id: Uuid,
    key: String,
    folder: String,
    #[serde(flatten)]
    progress: ProgressBody,
}

/// The data of a `download_removed` message.
#[derive(Serialize)]
struct RemovedMessage {
    download_id: Uuid,
}

/// The data of a `queue_status` message.
#[derive(Serialize)]
struct QueueStatusMessage {
    is_running: bool,
    is_paused: bool,
    statistics: StatisticsBody,
}

impl From<&QueueSummary> for QueueStatusMessage {
    fn from(s: &QueueSummary) -> Self {
        Self {
            is_running: s.is_running,
            is_paused: s.is_paused,
            statistics: StatisticsBody::from(&s.statistics),
        }
    }
}

/// The data of `queue_started` (both flags) and `queue_stopped` (`is_running` only).
#[derive(Serialize)]
struct RunningMessage {
    is_running: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_paused: Option<bool>,
}

/// The data of `episode_upgraded`: the item, and the languages of the replaced and new file.
#[derive(Serialize)]
struct UpgradedMessage {
    #[serde(flatten)]
    item: ItemMessage,
    from: &'static str,
    to: &'static str,
}

/// A message body as JSON (these bodies always serialise).
fn data(body: impl Serialize) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

fn progress_message(id: ItemId, key: String, folder: String, p: &Progress) -> ProgressMessage {
    ProgressMessage {
        download_id: id.0,
        key,
        folder,
        progress: ProgressBody::from(p),
    }
}

/// The message type and data of an engine event.
fn message(event: QueueEvent, max_retries: u32) -> (&'static str, Value) {
    let item = |item: &DownloadItem| data(ItemMessage::new(item, max_retries));
    match event {
        QueueEvent::Added(it) => ("download_added", item(&it)),
        QueueEvent::Removed(id) => (
            "download_removed",
            data(RemovedMessage { download_id: id.0 }),
        ),
        QueueEvent::Progress {
            id,
            key,
            folder,
            progress,
        } => (
            "download_progress",
            data(progress_message(id, key, folder, &progress)),
        ),
        QueueEvent::Completed(it) => ("download_complete", item(&it)),
        QueueEvent::Failed(it) => ("download_failed", item(&it)),
        QueueEvent::Waiting(it) => ("download_waiting", item(&it)),
        QueueEvent::Upgraded { item: it, from, to } => (
            "episode_upgraded",
            data(UpgradedMessage {
                item: ItemMessage::new(&it, max_retries),
                from: from.name(),
                to: to.name(),
            }),
        ),
        QueueEvent::Status(summary) => ("queue_status", data(QueueStatusMessage::from(&summary))),
        QueueEvent::Started => (
            "queue_started",
            data(RunningMessage {
                is_running: true,
                is_paused: Some(false),
            }),
        ),
        QueueEvent::Stopped => (
            "queue_stopped",
            data(RunningMessage {
                is_running: false,
                is_paused: None,
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aniworld_core::{EpisodeRef, Priority};

    fn item() -> DownloadItem {
        let ep = EpisodeRef {
            season: 1,
            episode: 2,
            title: Some("Two".into()),
        };
        DownloadItem::new_pending("aot", "AoT (2013)", "AoT", ep, Priority::High, 0)
    }

    #[test]
    fn an_upgrade_names_the_item_and_both_languages() {
        let it = item();
        let (kind, data) = message(
            QueueEvent::Upgraded {
                item: it.clone(),
                from: aniworld_core::Language::GermanSub,
                to: aniworld_core::Language::GermanDub,
            },
            3,
        );
        assert_eq!(kind, "episode_upgraded");
        assert_eq!(data["download_id"], json!(it.id));
        assert_eq!(data["key"], "aot");
        assert_eq!(data["episode"]["episode"], 2);
        assert_eq!(
            (&data["from"], &data["to"]),
            (&json!("German Sub"), &json!("German Dub"))
        );
        assert!(super::super::protocol::MESSAGE_TYPES.contains(&kind));
    }

    #[test]
    fn failed_items_carry_their_error_and_names() {
        let mut it = item();
        it.error = Some("every hoster failed".into());
        let (kind, data) = message(QueueEvent::Failed(it.clone()), 3);
        assert_eq!(kind, "download_failed");
        assert_eq!(data["download_id"], json!(it.id));
        assert_eq!(data["key"], "aot");
        assert_eq!(data["folder"], "AoT (2013)");
        assert_eq!(data["error"], "every hoster failed");
        assert_eq!(data["episode"]["episode"], 2);
        assert_eq!(data["priority"], "HIGH");
        assert_eq!(data["max_retries"], 3);
        assert_eq!(data["next_try_at"], json!(null));
    }

    #[test]
    fn progress_has_the_documented_fields() {
        let p = Progress {
            percent: 45.2,
            downloaded_mb: 1.0 / 3.0,
            total_mb: Some(3.0),
            speed_mbps: 2.5,
            eta_seconds: Some(9),
        };
        let (kind, data) = message(
            QueueEvent::Progress {
                id: ItemId::new(),
                key: "aot".into(),
                folder: "AoT".into(),
                progress: p,
            },
            3,
        );
        assert_eq!(kind, "download_progress");
        for f in [
            "download_id",
            "key",
            "folder",
            "percent",
            "speed_mbps",
            "eta_seconds",
            "downloaded_mb",
            "total_mb",
        ] {
            assert!(data.get(f).is_some(), "{f}");
        }
        assert_eq!(data["percent"], 45.2);
        assert_eq!(data["downloaded_mb"], 0.33, "rounded as api.md shows it");
    }

    #[test]
    fn queue_state_messages_keep_their_fields() {
        let data = |e| message(e, 3).1;
        assert_eq!(
            data(QueueEvent::Started),
            json!({"is_running": true, "is_paused": false})
        );
        assert_eq!(data(QueueEvent::Stopped), json!({"is_running": false}));
        let id = ItemId::new();
        assert_eq!(
            data(QueueEvent::Removed(id)),
            json!({"download_id": id.to_string()})
        );
        let added = data(QueueEvent::Added(item()));
        assert_eq!(added["download_id"], added["id"]);
        assert_eq!(added["serie_id"], "aot");
        assert_eq!(added["status"], "pending");
        let summary = QueueSummary {
            is_running: true,
            is_paused: false,
            statistics: Default::default(),
        };
        let status = data(QueueEvent::Status(summary));
        assert_eq!(
            status["statistics"]["estimated_time_remaining"],
            json!(null)
        );
        assert_eq!(status["is_running"], true);
    }
}
