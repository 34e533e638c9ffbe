//! The download history on a real database file: entries read back newest first a page at a
//! time, filtered by series and event, kept after a reopen (as after a restart) and after the
//! queue is cleared, and pruned by age.

mod common;

use aniworld_core::history::{HistoryEntry, HistoryEvent, HistoryQuery};
use aniworld_core::ports::QueueRepo;
use aniworld_core::{DownloadItem, EpisodeId, EpisodeRef, Language, Priority};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::TestDb;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
}

/// An entry of `key` episode 1-`n`, `minutes` after [`t0`].
fn entry(event: HistoryEvent, key: &str, n: u32, minutes: i64) -> HistoryEntry {
    let mut e = HistoryEntry::new(event, key, key.to_uppercase(), EpisodeId::new(1, n));
    e.time = t0() + Duration::minutes(minutes);
    e
}

fn page(db: &TestDb, page: usize, per_page: usize) -> Vec<HistoryEntry> {
    db.store
        .history_page(&HistoryQuery {
            page,
            per_page,
            ..HistoryQuery::default()
        })
        .unwrap()
}

/// (series key, episode number) of each entry.
fn names(entries: &[HistoryEntry]) -> Vec<(String, u32)> {
    entries
        .iter()
        .map(|e| (e.series_key.clone(), e.episode.episode))
        .collect()
}

#[test]
fn entries_come_back_whole_and_newest_first() {
    let db = TestDb::new();
    let mut done = entry(HistoryEvent::Completed, "frieren", 1, 0);
    done.language = Some(Language::GermanDub);
    done.hoster = Some("VOE".into());
    done.file_path = Some("/anime/Frieren/Season 01/Frieren - S01E01.mp4".into());
    done.size_bytes = Some(123_456_789_012);
    let mut failed = entry(HistoryEvent::Failed, "frieren", 2, 1);
    failed.error = Some("every hoster failed: VOE: 404".into());
    let id1 = db.store.add_history_entry(&done).unwrap();
    let id2 = db.store.add_history_entry(&failed).unwrap();
    assert!(id2 > id1, "{id1} {id2}");
    // Two entries at the same instant: the later one first.
    let same_a = entry(HistoryEvent::Deleted, "b", 1, 5);
    let same_b = entry(HistoryEvent::Upgraded, "a", 1, 5);
    db.store.add_history_entry(&same_a).unwrap();
    db.store.add_history_entry(&same_b).unwrap();

    let all = page(&db, 1, 10);
    assert_eq!(
        names(&all),
        [
            ("a".to_string(), 1),
            ("b".to_string(), 1),
            ("frieren".to_string(), 2),
            ("frieren".to_string(), 1),
        ]
    );
    assert_eq!(all[3], HistoryEntry { id: id1, ..done });
    assert_eq!(all[2], HistoryEntry { id: id2, ..failed });
    assert_eq!(all[0].event, HistoryEvent::Upgraded);
    assert_eq!(all[1].event, HistoryEvent::Deleted);
}

#[test]
fn pages_and_filters_are_applied_in_the_database() {
    let db = TestDb::new();
    // 25 entries: frieren has the even minutes (completed) and aot the odd ones (failed).
    for m in 0..25 {
        let (event, key) = if m % 2 == 0 {
            (HistoryEvent::Completed, "frieren")
        } else {
            (HistoryEvent::Failed, "aot")
        };
        db.store
            .add_history_entry(&entry(event, key, m as u32 + 1, m))
            .unwrap();
    }
    let first = page(&db, 1, 10);
    let second = page(&db, 2, 10);
    let third = page(&db, 3, 10);
    assert_eq!(first.len(), 10);
    assert_eq!(second.len(), 10);
    assert_eq!(third.len(), 5);
    assert!(page(&db, 4, 10).is_empty());
    let episodes: Vec<u32> = [first, second, third]
        .concat()
        .iter()
        .map(|e| e.episode.episode)
        .collect();
    assert_eq!(episodes, (1..=25).rev().collect::<Vec<_>>(), "newest first");

    let q = |series_key: Option<&str>, event: Option<HistoryEvent>, page, per_page| {
        db.store
            .history_page(&HistoryQuery {
                page,
                per_page,
                series_key: series_key.map(str::to_string),
                event,
            })
            .unwrap()
    };
    let frieren = q(Some("frieren"), None, 1, 100);
    assert_eq!(frieren.len(), 13);
    assert!(frieren.iter().all(|e| e.series_key == "frieren"));
    let failed = q(None, Some(HistoryEvent::Failed), 1, 100);
    assert_eq!(failed.len(), 12);
    assert!(failed.iter().all(|e| e.event == HistoryEvent::Failed));
    assert!(q(Some("frieren"), Some(HistoryEvent::Failed), 1, 100).is_empty());
    let aot_page2 = q(Some("aot"), Some(HistoryEvent::Failed), 2, 5);
    assert_eq!(
        aot_page2
            .iter()
            .map(|e| e.episode.episode)
            .collect::<Vec<_>>(),
        [14, 12, 10, 8, 6]
    );
    assert!(q(Some("nobody"), None, 1, 10).is_empty());
    // A page far beyond the end is empty, not an error.
    assert!(q(None, None, u32::MAX as usize, 1000).is_empty());
}

#[test]
fn old_entries_are_pruned_and_the_rest_survive_a_reopen_and_a_cleared_queue() {
    let db = TestDb::new();
    for (n, days_ago) in [(1, 400), (2, 366), (3, 364), (4, 0)] {
        let mut e = entry(HistoryEvent::Completed, "frieren", n, 0);
        e.time = Utc::now() - Duration::days(days_ago);
        db.store.add_history_entry(&e).unwrap();
    }
    let pruned = db
        .store
        .prune_history(Utc::now() - Duration::days(365))
        .unwrap();
    assert_eq!(pruned, 2);
    let kept: Vec<u32> = page(&db, 1, 10).iter().map(|e| e.episode.episode).collect();
    assert_eq!(kept, [4, 3]);
    assert_eq!(
        db.store
            .prune_history(Utc::now() - Duration::days(365))
            .unwrap(),
        0
    );

    // The queue's items come and go without touching the history.
    let mut item = DownloadItem::new_pending(
        "frieren",
        "Frieren",
        "Frieren",
        EpisodeRef {
            season: 1,
            episode: 4,
            title: None,
        },
        Priority::Normal,
        0,
    );
    item.status = aniworld_core::DownloadStatus::Completed;
    db.store.insert_items(std::slice::from_ref(&item)).unwrap();
    db.store.delete_items(&[item.id]).unwrap();

    let db = db.reopen();
    let kept: Vec<u32> = page(&db, 1, 10).iter().map(|e| e.episode.episode).collect();
    assert_eq!(kept, [4, 3]);
}
