//! The notification outbox on a real database file: entries added, tried, summarised, read
//! back after a reopen (as after a restart) with what is still pending made due, the delivery
//! status per target, and pruning.

mod common;

use aniworld_core::ports::{OutboxEntry, OutboxRepo, OutboxStatus};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestDb;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
}

fn entry(target: &str, event: &str) -> OutboxEntry {
    OutboxEntry {
        id: 0,
        target: target.into(),
        event: event.into(),
        payload: format!(r#"{{"event":"{event}"}}"#),
        created_at: t0(),
        status: OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: t0(),
        held: false,
        last_attempt_at: None,
        last_error: None,
        finished_at: None,
    }
}

#[test]
fn entries_are_tried_summarised_and_survive_a_reopen() {
    let db = TestDb::new();
    let ids = db
        .store
        .add_outbox_entries(&[
            entry("hook", "download_completed"),
            entry("mail", "download_completed"),
            entry("mail", "series_completed"),
        ])
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert!(ids[0] < ids[1] && ids[1] < ids[2]);

    // hook: a failed try, retried later.
    let mut pending = db.store.pending_outbox_entries().unwrap();
    assert_eq!(pending.len(), 3);
    let mut hook = pending.remove(0);
    assert_eq!(hook.id, ids[0]);
    hook.attempts = 1;
    hook.last_attempt_at = Some(t0() + Duration::seconds(1));
    hook.last_error = Some("HTTP 500".into());
    hook.next_attempt_at = t0() + Duration::hours(1);
    db.store.save_outbox_entry(&hook).unwrap();
    // mail: both held by quiet hours, then replaced by a summary.
    for mut e in pending {
        e.held = true;
        db.store.save_outbox_entry(&e).unwrap();
    }
    let mut summary = entry("mail", "summary");
    summary.created_at = t0() + Duration::minutes(5);
    let sid = db
        .store
        .summarize_outbox_entries(&ids[1..], &summary)
        .unwrap();
    assert!(sid > ids[2]);

    let db = db.reopen();
    let released = db
        .store
        .release_outbox_entries(t0() + Duration::minutes(10))
        .unwrap();
    assert_eq!(released, 1, "only the hook entry waited for a later try");
    let pending = db.store.pending_outbox_entries().unwrap();
    let got: Vec<(&str, &str, u32)> = pending
        .iter()
        .map(|e| (e.target.as_str(), e.event.as_str(), e.attempts))
        .collect();
    assert_eq!(
        got,
        [("hook", "download_completed", 1), ("mail", "summary", 0)]
    );
    assert_eq!(pending[0].next_attempt_at, t0() + Duration::minutes(10));
    assert_eq!(pending[0].last_error.as_deref(), Some("HTTP 500"));

    let status = db.store.outbox_deliveries().unwrap();
    assert_eq!(status["hook"].pending, 1);
    assert_eq!(
        status["hook"].last_error,
        Some((t0() + Duration::seconds(1), "HTTP 500".into()))
    );
    assert!(!status["hook"].failing, "still retrying");
    assert_eq!(status["mail"].pending, 1);
}

#[test]
fn the_status_follows_the_last_finished_entry_and_old_entries_are_pruned() {
    let db = TestDb::new();
    let ids = db
        .store
        .add_outbox_entries(&[entry("jf", "download_completed"), entry("jf", "test")])
        .unwrap();
    let mut pending = db.store.pending_outbox_entries().unwrap();
    let mut second = pending.pop().unwrap();
    let mut first = pending.pop().unwrap();
    first.status = OutboxStatus::Failed;
    first.attempts = 4;
    first.last_attempt_at = Some(t0() + Duration::minutes(1));
    first.finished_at = first.last_attempt_at;
    first.last_error = Some("connection refused".into());
    db.store.save_outbox_entry(&first).unwrap();
    let status = db.store.outbox_deliveries().unwrap();
    assert!(status["jf"].failing);
    assert_eq!(status["jf"].pending, 1);

    second.status = OutboxStatus::Delivered;
    second.attempts = 1;
    second.last_attempt_at = Some(t0() + Duration::minutes(2));
    second.finished_at = second.last_attempt_at;
    db.store.save_outbox_entry(&second).unwrap();
    let status = db.store.outbox_deliveries().unwrap();
    assert!(!status["jf"].failing, "a later delivery clears it");
    assert_eq!(status["jf"].pending, 0);
    assert_eq!(status["jf"].last_delivery_at, second.finished_at);
    assert_eq!(
        status["jf"].last_error.as_ref().map(|e| e.1.as_str()),
        Some("connection refused")
    );

    let pruned = db
        .store
        .prune_outbox_entries(t0() + Duration::seconds(90))
        .unwrap();
    assert_eq!(pruned, 1);
    let status = db.store.outbox_deliveries().unwrap();
    assert_eq!(status["jf"].last_error, None);
    assert_eq!(ids.len(), 2);
    let mut missing = first.clone();
    missing.id = 9999;
    assert!(db.store.save_outbox_entry(&missing).is_err());
}
