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
//! | `Status` | `queue_status` | `is_running`, `is_paused`, `statistics` (as in `GET /api/queue/status`) |
//! | `Started` / `Stopped` | `queue_started` / `queue_stopped` | `is_running`, `is_paused` |
//!
//! Every download message goes to authenticated clients in the `downloads` room only.

use aniworld_core::{DownloadItem, ItemId, Progress};
use aniworld_library::{ScanProgress, ScanReport};
use aniworld_provider::catalogue::SiteStatus;
use aniworld_provider::resolver::HosterDegraded;
use aniworld_queue::engine::{QueueEvent, QueueStatistics, QueueSummary};
use aniworld_service::{Event, Events};
use serde_json::{Value, json};

use crate::events::{Audience, EventHub};

/// The service's event sink publishing on `hub`.
pub fn sink(hub: EventHub) -> Events {
    std::sync::Arc::new(move |event: Event| {
        let (kind, audience, data) = message_of(event);
        hub.publish(kind, audience, data);
    })
}

/// The message type, audience and data of a service event.
fn message_of(event: Event) -> (&'static str, Audience, Value) {
    match event {
        Event::Queue(e) => {
            let (kind, data) = message(e);
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

/// An item as api.md's "Download Item", plus `download_id`, `key` and `folder` so that every
/// download message names its item the same way.
pub fn item_json(item: &DownloadItem) -> Value {
    let mut v = serde_json::to_value(item).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("download_id".into(), json!(item.id));
        map.insert("key".into(), json!(item.series_id));
        map.insert("folder".into(), json!(item.series_folder));
    }
    v
}

/// The data of a `download_progress` message.
pub fn progress_json(id: ItemId, key: &str, folder: &str, p: &Progress) -> Value {
    json!({
        "download_id": id,
        "key": key,
        "folder": folder,
        "percent": p.percent,
        "speed_mbps": p.speed_mbps,
        "eta_seconds": p.eta_seconds,
        "downloaded_mb": p.downloaded_mb,
        "total_mb": p.total_mb,
    })
}

/// api.md's `statistics` object.
pub fn statistics_json(s: &QueueStatistics) -> Value {
    json!({
        "total_items": s.total_items,
        "pending_count": s.pending_count,
        "active_count": s.active_count,
        "completed_count": s.completed_count,
        "failed_count": s.failed_count,
        "total_downloaded_mb": s.total_downloaded_mb,
        "average_speed_mbps": s.average_speed_mbps,
        "estimated_time_remaining": s.estimated_time_remaining,
    })
}

/// The data of a `queue_status` message.
pub fn queue_summary_json(s: &QueueSummary) -> Value {
    json!({
        "is_running": s.is_running,
        "is_paused": s.is_paused,
        "statistics": statistics_json(&s.statistics),
    })
}

/// The message type and data of an engine event.
fn message(event: QueueEvent) -> (&'static str, Value) {
    match event {
        QueueEvent::Added(item) => ("download_added", item_json(&item)),
        QueueEvent::Removed(id) => ("download_removed", json!({ "download_id": id })),
        QueueEvent::Progress {
            id,
            key,
            folder,
            progress,
        } => (
            "download_progress",
            progress_json(id, &key, &folder, &progress),
        ),
        QueueEvent::Completed(item) => ("download_complete", item_json(&item)),
        QueueEvent::Failed(item) => ("download_failed", item_json(&item)),
        QueueEvent::Waiting(item) => ("download_waiting", item_json(&item)),
        QueueEvent::Status(summary) => ("queue_status", queue_summary_json(&summary)),
        QueueEvent::Started => (
            "queue_started",
            json!({ "is_running": true, "is_paused": false }),
        ),
        QueueEvent::Stopped => ("queue_stopped", json!({ "is_running": false })),
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
    fn failed_items_carry_their_error_and_names() {
        let mut it = item();
        it.error = Some("every hoster failed".into());
        let (kind, data) = message(QueueEvent::Failed(it.clone()));
        assert_eq!(kind, "download_failed");
        assert_eq!(data["download_id"], json!(it.id));
        assert_eq!(data["key"], "aot");
        assert_eq!(data["folder"], "AoT (2013)");
        assert_eq!(data["error"], "every hoster failed");
        assert_eq!(data["episode"]["episode"], 2);
        assert_eq!(data["priority"], "HIGH");
    }

    #[test]
    fn progress_has_the_documented_fields() {
        let p = Progress {
            percent: 45.2,
            downloaded_mb: 1.5,
            total_mb: Some(3.0),
            speed_mbps: 2.5,
            eta_seconds: Some(9),
        };
        let (kind, data) = message(QueueEvent::Progress {
            id: ItemId::new(),
            key: "aot".into(),
            folder: "AoT".into(),
            progress: p,
        });
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
    }
}
