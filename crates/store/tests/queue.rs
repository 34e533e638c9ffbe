//! QueueRepo on a real database file: round trips, atomic inserts, positions, restart reset.

mod common;

use aniworld_core::ports::{QueueRepo, RepoError};
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeRef, ItemId, Priority, Progress};
use chrono::{Duration, TimeZone, Utc};
use common::TestDb;

fn item(serie: &str, season: u32, episode: u32, priority: Priority, position: i64) -> DownloadItem {
    DownloadItem::new_pending(
        serie,
        format!("{serie} (2020)"),
        serie.to_uppercase(),
        EpisodeRef {
            season,
            episode,
            title: Some(format!("Episode {episode}")),
        },
        priority,
        position,
    )
}

/// An item with every optional field set.
fn full_item() -> DownloadItem {
    let t = Utc.timestamp_opt(1_780_000_000, 987_654_321).unwrap();
    let mut it = item("aot", 0, 3, Priority::High, 42);
    it.status = DownloadStatus::Failed;
    it.started_at = Some(t);
    it.completed_at = Some(t + Duration::seconds(5));
    it.progress = Some(Progress {
        percent: 33.3,
        downloaded_mb: 12.5,
        total_mb: Some(37.5),
        speed_mbps: 1.25,
        eta_seconds: Some(20),
    });
    it.error = Some("VOE: no stream found; Doodstream: HTTP 404".into());
    it.retry_count = 3;
    it.source_url = Some("http://127.0.0.1:1/master.m3u8".into());
    it.downloaded_bytes = 5_000_000_000;
    it.not_before = Some(t + Duration::minutes(2));
    it
}

#[test]
fn items_round_trip_with_every_field() {
    let db = TestDb::new();
    let full = full_item();
    let mut bare = item("b", 1, 1, Priority::Low, 0);
    bare.episode.title = None;
    db.store
        .insert_items(&[full.clone(), bare.clone()])
        .unwrap();
    let loaded = db.store.load_items().unwrap();
    assert_eq!(loaded, vec![full.clone(), bare.clone()]);
    // and after a restart
    let db = db.reopen();
    assert_eq!(db.store.load_items().unwrap(), vec![full, bare]);
}

#[test]
fn every_status_and_priority_is_stored() {
    let db = TestDb::new();
    let statuses = [
        DownloadStatus::Pending,
        DownloadStatus::Downloading,
        DownloadStatus::Completed,
        DownloadStatus::Failed,
    ];
    let priorities = [Priority::High, Priority::Normal, Priority::Low];
    let mut items = Vec::new();
    for (i, st) in statuses.iter().enumerate() {
        let mut it = item("s", 1, i as u32, priorities[i % 3], i as i64);
        it.status = *st;
        items.push(it);
    }
    db.store.insert_items(&items).unwrap();
    let mut loaded = db.store.load_items().unwrap();
    loaded.sort_by_key(|i| i.episode.episode);
    assert_eq!(loaded, items);
}

#[test]
fn load_returns_processing_order() {
    let db = TestDb::new();
    let items = vec![
        item("a", 1, 1, Priority::Low, 0),
        item("b", 1, 1, Priority::Normal, 2),
        item("c", 1, 1, Priority::High, 9),
        item("d", 1, 1, Priority::Normal, 1),
        item("e", 1, 1, Priority::High, 3),
    ];
    db.store.insert_items(&items).unwrap();
    let order: Vec<String> = db
        .store
        .load_items()
        .unwrap()
        .into_iter()
        .map(|i| i.series_id)
        .collect();
    assert_eq!(order, ["e", "c", "d", "b", "a"]);
}

#[test]
fn insert_is_all_or_nothing_and_a_duplicate_id_is_a_conflict() {
    let db = TestDb::new();
    let a = item("a", 1, 1, Priority::Normal, 0);
    db.store.insert_items(std::slice::from_ref(&a)).unwrap();
    let b = item("b", 1, 2, Priority::Normal, 1);
    let err = db.store.insert_items(&[b, a.clone()]).unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
    assert_eq!(db.store.load_items().unwrap(), vec![a]);
    db.store.insert_items(&[]).unwrap();
}

#[test]
fn save_item_writes_the_full_state_and_clears_fields() {
    let db = TestDb::new();
    let mut it = item("a", 1, 1, Priority::Normal, 0);
    db.store.insert_items(&[it.clone()]).unwrap();

    let id = it.id;
    let mut full = full_item();
    full.id = id;
    db.store.save_item(&full).unwrap();
    assert_eq!(db.store.load_items().unwrap(), vec![full.clone()]);

    // back to a bare pending item: optional fields become empty again
    it.priority = Priority::Low;
    it.position = 7;
    db.store.save_item(&it).unwrap();
    let db = db.reopen();
    assert_eq!(db.store.load_items().unwrap(), vec![it]);

    let ghost = item("ghost", 1, 1, Priority::Normal, 0);
    assert!(matches!(
        db.store.save_item(&ghost),
        Err(RepoError::NotFound(_))
    ));
}

#[test]
fn delete_items_counts_only_existing_ones() {
    let db = TestDb::new();
    let items: Vec<_> = (0..5)
        .map(|i| item("a", 1, i, Priority::Normal, i64::from(i)))
        .collect();
    db.store.insert_items(&items).unwrap();
    let n = db
        .store
        .delete_items(&[items[1].id, items[3].id, ItemId::new()])
        .unwrap();
    assert_eq!(n, 2);
    let left: Vec<ItemId> = db
        .store
        .load_items()
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(left, vec![items[0].id, items[2].id, items[4].id]);
    assert_eq!(db.store.delete_items(&[]).unwrap(), 0);
    assert_eq!(db.store.delete_items(&[items[1].id]).unwrap(), 0);
}

#[test]
fn set_positions_reorders_and_an_unknown_id_changes_nothing() {
    let db = TestDb::new();
    let items: Vec<_> = (0..3)
        .map(|i| item(&format!("s{i}"), 1, 1, Priority::Normal, i64::from(i)))
        .collect();
    db.store.insert_items(&items).unwrap();
    let order = |db: &TestDb| -> Vec<String> {
        db.store
            .load_items()
            .unwrap()
            .into_iter()
            .map(|i| i.series_id)
            .collect()
    };

    db.store
        .set_positions(&[(items[2].id, 0), (items[0].id, 1), (items[1].id, 2)])
        .unwrap();
    assert_eq!(order(&db), ["s2", "s0", "s1"]);

    let err = db
        .store
        .set_positions(&[(items[1].id, -5), (ItemId::new(), 0)])
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound(_)), "{err:?}");
    assert_eq!(order(&db), ["s2", "s0", "s1"]);

    let db = db.reopen();
    assert_eq!(order(&db), ["s2", "s0", "s1"]);
    let positions: Vec<i64> = db
        .store
        .load_items()
        .unwrap()
        .iter()
        .map(|i| i.position)
        .collect();
    assert_eq!(positions, [0, 1, 2]);
}

#[test]
fn reset_in_flight_returns_downloading_items_to_pending_after_a_restart() {
    let db = TestDb::new();
    let mut items: Vec<_> = (0..4)
        .map(|i| item("a", 1, i, Priority::Normal, i64::from(i)))
        .collect();
    items[0].status = DownloadStatus::Downloading;
    items[0].progress = Some(Progress {
        percent: 50.0,
        ..Progress::default()
    });
    items[1].status = DownloadStatus::Downloading;
    items[2].status = DownloadStatus::Completed;
    db.store.insert_items(&items).unwrap();

    let db = db.reopen();
    assert_eq!(db.store.reset_in_flight().unwrap(), 2);
    assert_eq!(db.store.reset_in_flight().unwrap(), 0);
    let loaded = db.store.load_items().unwrap();
    let statuses: Vec<DownloadStatus> = loaded.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses,
        [
            DownloadStatus::Pending,
            DownloadStatus::Pending,
            DownloadStatus::Completed,
            DownloadStatus::Pending
        ]
    );
    // the progress made so far is kept for resuming
    assert_eq!(loaded[0].progress.map(|p| p.percent), Some(50.0));
}

#[test]
fn ten_thousand_items_insert_load_and_delete() {
    let db = TestDb::new();
    let items: Vec<_> = (0..10_000u32)
        .map(|i| {
            let p = [Priority::Low, Priority::Normal, Priority::High][(i % 3) as usize];
            item(&format!("s{}", i % 50), 1 + i / 1000, i, p, i64::from(i))
        })
        .collect();
    db.store.insert_items(&items).unwrap();
    let loaded = db.store.load_items().unwrap();
    assert_eq!(loaded.len(), 10_000);
    assert!(
        loaded
            .windows(2)
            .all(|w| w[0].order_key() <= w[1].order_key())
    );
    assert_eq!(db.store.stats().unwrap().queue_items, 10_000);

    let positions: Vec<(ItemId, i64)> = items.iter().map(|i| (i.id, -i.position)).collect();
    db.store.set_positions(&positions).unwrap();
    let first = &db.store.load_items().unwrap()[0];
    assert_eq!(first.priority, Priority::High);
    assert_eq!(first.position, -9998);

    let ids: Vec<ItemId> = items.iter().map(|i| i.id).collect();
    assert_eq!(db.store.delete_items(&ids).unwrap(), 10_000);
    assert!(db.store.load_items().unwrap().is_empty());
}

#[test]
fn queue_writes_from_several_threads_all_land() {
    let db = TestDb::new();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let s = db.store.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    let mut it = item(&format!("t{t}"), 1, i, Priority::Normal, i64::from(i));
                    s.insert_items(&[it.clone()]).unwrap();
                    it.status = DownloadStatus::Completed;
                    s.save_item(&it).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let loaded = db.store.load_items().unwrap();
    assert_eq!(loaded.len(), 80);
    assert!(loaded.iter().all(|i| i.status == DownloadStatus::Completed));
}
