//! The download resolver's hoster attempts on a real database file: recorded, read back after a
//! reopen (as after a restart) in time order, and pruned.

mod common;

use aniworld_core::ports::{AttemptOutcome, HosterAttempt, HosterHealthRepo};
use chrono::{Duration, TimeZone, Utc};
use common::TestDb;

fn attempt(hoster: &str, minutes: i64, outcome: AttemptOutcome) -> HosterAttempt {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    HosterAttempt {
        hoster: hoster.into(),
        at: t0 + Duration::minutes(minutes),
        outcome,
        error: (outcome != AttemptOutcome::Success).then(|| format!("{hoster} broke at {minutes}")),
    }
}

#[test]
fn attempts_survive_a_reopen_in_time_order_and_are_pruned() {
    let db = TestDb::new();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    assert!(
        db.store
            .hoster_attempts_since(t0 - Duration::days(9))
            .unwrap()
            .is_empty()
    );
    let written = [
        attempt("VOE", 5, AttemptOutcome::Failure),
        attempt("Vidoza", 1, AttemptOutcome::Success),
        attempt("VOE", -3000, AttemptOutcome::Success),
        attempt("Filemoon", 7, AttemptOutcome::VideoUnavailable),
    ];
    for a in &written {
        db.store.record_hoster_attempt(a).unwrap();
    }
    let db = db.reopen();
    let read = db
        .store
        .hoster_attempts_since(t0 - Duration::days(1))
        .unwrap();
    assert_eq!(
        read,
        vec![written[1].clone(), written[0].clone(), written[3].clone()]
    );
    assert_eq!(read[1].error.as_deref(), Some("VOE broke at 5"));
    assert_eq!(
        db.store
            .hoster_attempts_since(t0 - Duration::days(3))
            .unwrap()
            .len(),
        4
    );

    assert_eq!(db.store.prune_hoster_attempts(t0).unwrap(), 1);
    assert_eq!(db.store.prune_hoster_attempts(t0).unwrap(), 0);
    let left = db
        .store
        .hoster_attempts_since(t0 - Duration::days(3))
        .unwrap();
    assert_eq!(left.len(), 3);
    assert!(left.iter().all(|a| a.at >= t0));
}
