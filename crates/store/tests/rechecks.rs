//! What a changed rescan reads and keeps on the series table: the re-check state round trip,
//! the due list (planned re-checks, the cut-offs of each kind, failed series left out, the cap,
//! longest unchecked first), the series never scanned or failed a page at a time, the series of
//! a change signal and the counts per site; and that a "not modified" look-up counts as a scan.

mod common;

use aniworld_core::NewSeries;
use aniworld_core::ports::{DueQuery, PageValidators, RecheckState, SeriesRepo};
use aniworld_store::Store;
use chrono::{Duration, Utc};
use common::TestDb;

fn add(store: &Store, key: &str, site: &str) {
    store
        .insert_series(&NewSeries {
            key: key.to_string(),
            name: key.to_uppercase(),
            site: site.to_string(),
            folder: key.to_string(),
            year: None,
            description: None,
            imdb_id: None,
            cover_url: None,
            catalogue_url: None,
        })
        .unwrap();
}

fn keys(series: &[aniworld_core::Series]) -> Vec<&str> {
    series.iter().map(|s| s.key.as_str()).collect()
}

fn state(ended: bool, next: Option<chrono::DateTime<Utc>>) -> RecheckState {
    RecheckState {
        ended,
        validators: PageValidators {
            etag: Some(format!("\"{ended}\"")),
            last_modified: Some("Wed, 01 Jan 2025 00:00:00 GMT".into()),
        },
        next_check_at: next,
    }
}

#[test]
fn the_state_round_trips_and_a_new_series_has_none() {
    let db = TestDb::new();
    add(&db.store, "a", "aniworld.to");
    assert_eq!(
        db.store.recheck_state("a").unwrap(),
        RecheckState::default()
    );
    let s = state(true, Some(Utc::now() + Duration::days(3)));
    db.store.save_recheck_state("a", &s).unwrap();
    let db = db.reopen();
    assert_eq!(db.store.recheck_state("a").unwrap(), s);
    // Saving the state alone is no scan.
    assert!(
        db.store
            .get_series("a")
            .unwrap()
            .unwrap()
            .last_scanned_at
            .is_none()
    );
    assert!(db.store.recheck_state("nope").is_err());
    assert!(db.store.save_recheck_state("nope", &s).is_err());
}

#[test]
fn a_not_modified_look_up_counts_as_a_scan_and_clears_the_error() {
    let db = TestDb::new();
    add(&db.store, "a", "aniworld.to");
    db.store.replace_episodes("a", &[]).unwrap();
    db.store.record_scan_error("a", "HTTP 500").unwrap();
    let before = db.store.get_series("a").unwrap().unwrap();
    let s = state(false, Some(Utc::now() + Duration::days(7)));
    db.store.record_unchanged("a", &s).unwrap();
    let after = db.store.get_series("a").unwrap().unwrap();
    assert_eq!(after.last_scan_error, None);
    assert!(after.last_scanned_at > before.last_scanned_at);
    assert_eq!(db.store.recheck_state("a").unwrap(), s);
}

#[test]
fn the_due_list_takes_planned_re_checks_and_overdue_series_longest_unchecked_first() {
    let db = TestDb::new();
    let store = &db.store;
    let now = Utc::now();
    // Scanned in this order (oldest first).
    for key in ["planned", "late", "failed", "ended", "future", "old-ended"] {
        add(store, key, "aniworld.to");
        store.replace_episodes(key, &[]).unwrap();
    }
    add(store, "never", "aniworld.to");
    store
        .save_recheck_state("planned", &state(false, Some(now - Duration::minutes(1))))
        .unwrap();
    store
        .save_recheck_state("late", &state(false, None))
        .unwrap();
    store
        .save_recheck_state("failed", &state(false, Some(now - Duration::hours(1))))
        .unwrap();
    store.record_scan_error("failed", "boom").unwrap();
    store
        .save_recheck_state("ended", &state(true, Some(now + Duration::days(20))))
        .unwrap();
    store
        .save_recheck_state("future", &state(false, Some(now + Duration::days(2))))
        .unwrap();
    store
        .save_recheck_state("old-ended", &state(true, None))
        .unwrap();
    let q = |ongoing: Duration, ended: Duration, limit: usize| DueQuery {
        now,
        ongoing_scanned_before: now - ongoing,
        ended_scanned_before: now - ended,
        limit,
    };
    // Periods long ago: only the planned re-check is due (the failed one is rule 2's).
    let due = store
        .series_due(&q(Duration::days(7), Duration::days(30), 50))
        .unwrap();
    assert_eq!(keys(&due), ["planned"]);
    // Cut-offs after every scan: every series of that kind is overdue, ended ones only by theirs.
    let later = now + Duration::seconds(5);
    let all = DueQuery {
        now,
        ongoing_scanned_before: later,
        ended_scanned_before: now - Duration::days(30),
        limit: 50,
    };
    assert_eq!(
        keys(&store.series_due(&all).unwrap()),
        ["planned", "late", "future"]
    );
    let ended_too = DueQuery {
        ended_scanned_before: later,
        ..all
    };
    assert_eq!(
        keys(&store.series_due(&ended_too).unwrap()),
        ["planned", "late", "ended", "future", "old-ended"]
    );
    // The cap keeps the longest unchecked.
    let capped = DueQuery {
        limit: 2,
        ..ended_too
    };
    assert_eq!(
        keys(&store.series_due(&capped).unwrap()),
        ["planned", "late"]
    );
    let none = DueQuery {
        limit: 0,
        ..ended_too
    };
    assert!(store.series_due(&none).unwrap().is_empty());
}

#[test]
fn unscanned_series_come_a_page_at_a_time_and_are_counted() {
    let db = TestDb::new();
    let store = &db.store;
    for i in 0..7 {
        add(store, &format!("k{i}"), "aniworld.to");
    }
    for key in ["k1", "k2", "k5"] {
        store.replace_episodes(key, &[]).unwrap();
    }
    store.record_scan_error("k2", "HTTP 503").unwrap();
    assert_eq!(store.count_unscanned_series().unwrap(), 5);
    let first = store.unscanned_series_after(None, 3).unwrap();
    assert_eq!(keys(&first), ["k0", "k2", "k3"]);
    let rest = store.unscanned_series_after(Some("k3"), 3).unwrap();
    assert_eq!(keys(&rest), ["k4", "k6"]);
}

#[test]
fn series_of_a_signal_and_counts_per_site() {
    let db = TestDb::new();
    let store = &db.store;
    add(store, "a", "aniworld.to");
    add(store, "b", "aniworld.to");
    add(store, "s.to:a", "s.to");
    let named: Vec<String> = ["s.to:a", "zzz", "a", "a"].map(String::from).to_vec();
    assert_eq!(
        keys(&store.series_with_keys(&named).unwrap()),
        ["a", "s.to:a"]
    );
    assert!(store.series_with_keys(&[]).unwrap().is_empty());
    let counts = store.count_series_by_site().unwrap();
    assert_eq!(counts.get("aniworld.to"), Some(&2));
    assert_eq!(counts.get("s.to"), Some(&1));
}
