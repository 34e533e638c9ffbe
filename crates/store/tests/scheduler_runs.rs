//! The scheduler's run history on a real database file.

mod common;

use aniworld_store::{RunOutcome, StoreError};
use chrono::{Duration, TimeZone, Utc};
use common::TestDb;

#[test]
fn runs_are_recorded_finished_and_survive_a_reopen() {
    let db = TestDb::new();
    let s = &db.store;
    assert_eq!(s.last_run().unwrap(), None);
    assert_eq!(s.last_finished_run().unwrap(), None);

    let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 3, 0, 0).unwrap();
    let id1 = s.record_run_start("schedule", t0).unwrap();
    let run = s.last_run().unwrap().unwrap();
    assert_eq!(run.id, id1);
    assert_eq!(run.trigger, "schedule");
    assert_eq!(run.started_at, t0);
    assert_eq!(run.finished_at, None);
    assert_eq!(run.series_scanned, 0);
    assert_eq!(s.last_finished_run().unwrap(), None);

    let outcome = RunOutcome {
        finished_at: t0 + Duration::minutes(3),
        series_scanned: 12,
        missing_found: 40,
        episodes_queued: 7,
        error: None,
    };
    s.record_run_finish(id1, &outcome).unwrap();

    let id2 = s
        .record_run_start("manual", t0 + Duration::hours(1))
        .unwrap();
    assert_ne!(id1, id2);
    s.record_run_finish(
        id2,
        &RunOutcome {
            finished_at: t0 + Duration::hours(1) + Duration::seconds(1),
            series_scanned: 0,
            missing_found: 0,
            episodes_queued: 0,
            error: Some("anime directory is not configured".into()),
        },
    )
    .unwrap();

    let db = db.reopen();
    let last = db.store.last_run().unwrap().unwrap();
    assert_eq!(last.id, id2);
    assert_eq!(last.trigger, "manual");
    assert_eq!(
        last.error.as_deref(),
        Some("anime directory is not configured")
    );
    let runs = db.store.recent_runs(10).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].id, id1);
    assert_eq!(runs[1].finished_at, Some(outcome.finished_at));
    assert_eq!(
        (
            runs[1].series_scanned,
            runs[1].missing_found,
            runs[1].episodes_queued
        ),
        (12, 40, 7)
    );
    assert_eq!(db.store.recent_runs(1).unwrap().len(), 1);
}

#[test]
fn last_finished_skips_a_running_one_and_unfinished_runs_can_be_closed() {
    let db = TestDb::new();
    let s = &db.store;
    let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 3, 0, 0).unwrap();
    let done = s.record_run_start("schedule", t0).unwrap();
    s.record_run_finish(
        done,
        &RunOutcome {
            finished_at: t0 + Duration::minutes(1),
            series_scanned: 1,
            missing_found: 0,
            episodes_queued: 0,
            error: None,
        },
    )
    .unwrap();
    let open = s
        .record_run_start("schedule", t0 + Duration::days(1))
        .unwrap();
    assert_eq!(s.last_run().unwrap().unwrap().id, open);
    assert_eq!(s.last_finished_run().unwrap().unwrap().id, done);

    let closed = s
        .close_unfinished_runs(t0 + Duration::days(2), "interrupted by a restart")
        .unwrap();
    assert_eq!(closed, 1);
    let last = s.last_finished_run().unwrap().unwrap();
    assert_eq!(last.id, open);
    assert_eq!(last.error.as_deref(), Some("interrupted by a restart"));
    assert_eq!(s.close_unfinished_runs(t0, "x").unwrap(), 0);
}

#[test]
fn finishing_an_unknown_run_is_not_found() {
    let db = TestDb::new();
    let outcome = RunOutcome {
        finished_at: Utc::now(),
        series_scanned: 0,
        missing_found: 0,
        episodes_queued: 0,
        error: None,
    };
    for id in [99, -1, i64::MAX] {
        let err = db.store.record_run_finish(id, &outcome).unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    }
}
