//! Library pages in SQL: every filter, sort and page equals the in-memory answer
//! (`SeriesQuery::apply`, the listing of earlier versions kept as the oracle), the counts kept
//! with a series follow its episodes, and a page costs the same number of statements whatever
//! the size of the library.

mod common;

use aniworld_core::ports::{EpisodeRecord, SeriesRepo};
use aniworld_core::series::{SeriesFilter, SeriesQuery, SeriesSort};
use aniworld_core::{EpisodeId, NewSeries};
use common::TestDb;

/// Names that sort differently by byte, by ASCII case folding and by Unicode lower case.
const NAMES: [&str; 12] = [
    "attack on titan",
    "Attack on Titan",
    "Ächtung Baby",
    "ächtung baby",
    "Zeta",
    "zeta",
    "Öl und Wasser",
    "86",
    "Élan",
    "elan",
    "Dr. Stone",
    "dr. stone",
];

fn seed(store: &aniworld_store::Store, n: usize) {
    for i in 0..n {
        let key = format!("series-{:04}", (i * 7919) % 10_000);
        let name = format!("{} {}", NAMES[i % NAMES.len()], i % 5);
        let site = if i % 9 == 0 { "s.to" } else { "aniworld.to" };
        store
            .insert_series(&NewSeries {
                key: if site == "s.to" {
                    format!("s.to:{key}")
                } else {
                    key.clone()
                },
                name,
                site: site.into(),
                folder: format!("Folder {i}"),
                year: None,
                description: None,
                imdb_id: None,
                cover_url: None,
                catalogue_url: None,
            })
            .unwrap();
        let id = if site == "s.to" {
            format!("s.to:{key}")
        } else {
            key
        };
        // A spread of shapes: no episodes, all present, all missing, mixed.
        let episodes: Vec<EpisodeRecord> = (1..=(i % 6) as u32)
            .map(|e| EpisodeRecord {
                id: EpisodeId::new(1 + e % 2, e),
                title_de: None,
                title_en: None,
                is_downloaded: match i % 4 {
                    0 => true,
                    1 => false,
                    _ => e % 2 == 0,
                },
                file_path: None,
                languages_offered: None,
                language: None,
            })
            .collect();
        store.replace_episodes(&id, &episodes).unwrap();
    }
}

fn queries(total: usize) -> Vec<SeriesQuery> {
    let mut out = Vec::new();
    for filter in [
        SeriesFilter::All,
        SeriesFilter::MissingEpisodes,
        SeriesFilter::NoEpisodes,
    ] {
        for sort in [
            SeriesSort::Name,
            SeriesSort::Key,
            SeriesSort::MissingEpisodes,
        ] {
            for (offset, limit) in [(0, 20), (20, 20), (100, 50), (0, total + 10), (total, 5)] {
                out.push(SeriesQuery {
                    filter,
                    sort,
                    offset,
                    limit,
                });
            }
        }
    }
    out
}

#[test]
fn every_filter_sort_and_page_equals_the_in_memory_answer() {
    let db = TestDb::new();
    seed(&db.store, 300);
    let all = db.store.list_series().unwrap();
    assert_eq!(all.len(), 300);
    assert_eq!(db.store.count_series().unwrap(), 300);
    for q in queries(300) {
        let page = db.store.list_series_page(&q).unwrap();
        let oracle = q.apply(all.clone());
        assert_eq!(page, oracle, "{q:?}");
    }
}

#[test]
fn counts_follow_the_episodes() {
    let db = TestDb::new();
    seed(&db.store, 8);
    let key = "series-7919";
    let q = SeriesQuery {
        filter: SeriesFilter::NoEpisodes,
        sort: SeriesSort::Key,
        offset: 0,
        limit: 100,
    };
    db.store
        .replace_episodes(
            key,
            &[EpisodeRecord {
                id: EpisodeId::new(1, 1),
                title_de: None,
                title_en: None,
                is_downloaded: false,
                file_path: None,
                languages_offered: None,
                language: None,
            }],
        )
        .unwrap();
    let listed = |db: &TestDb| -> Vec<String> {
        db.store
            .list_series_page(&q)
            .unwrap()
            .into_iter()
            .map(|s| s.key)
            .collect()
    };
    assert!(listed(&db).contains(&key.to_string()));
    db.store
        .mark_downloaded(key, EpisodeId::new(1, 1), "Season 01/x - S01E01.mp4", None)
        .unwrap();
    assert!(!listed(&db).contains(&key.to_string()));
    let all = db.store.list_series().unwrap();
    for q in queries(8) {
        assert_eq!(db.store.list_series_page(&q).unwrap(), q.apply(all.clone()));
    }
    // The counts survive a reopen (they are stored, not computed at start).
    let db = db.reopen();
    assert!(!listed(&db).contains(&key.to_string()));
}

#[test]
fn a_page_costs_the_same_statements_for_30_and_300_series() {
    let cost = |n: usize| {
        let db = TestDb::new();
        seed(&db.store, n);
        let q = SeriesQuery {
            filter: SeriesFilter::MissingEpisodes,
            sort: SeriesSort::MissingEpisodes,
            offset: 0,
            limit: 20,
        };
        let before = db.store.statements_run();
        let rows = db.store.listing_rows_read();
        let page = db.store.list_series_page(&q).unwrap();
        assert_eq!(page.len(), 20);
        let rows = db.store.listing_rows_read() - rows;
        // 20 series and their missing episodes (at most 5 each), whatever the library holds.
        assert!(rows <= 20 * (1 + 5), "{rows} rows for a page of 20 of {n}");
        let count_before = db.store.statements_run();
        db.store.count_series().unwrap();
        (
            count_before - before,
            db.store.statements_run() - count_before,
        )
    };
    let small = cost(30);
    let large = cost(300);
    assert_eq!(small, large, "statements per page and per count");
    assert!(small.0 <= 3, "a page is a few statements: {small:?}");
}

#[test]
fn the_first_series_of_a_site() {
    let db = TestDb::new();
    seed(&db.store, 20);
    let s = db.store.first_series_of_site("s.to").unwrap().unwrap();
    assert_eq!(s.site, "s.to");
    let all = db.store.list_series().unwrap();
    let mut keys: Vec<&str> = all
        .iter()
        .filter(|s| s.site == "s.to")
        .map(|s| s.key.as_str())
        .collect();
    keys.sort();
    assert_eq!(s.key, keys[0]);
    assert!(db.store.first_series_of_site("nowhere").unwrap().is_none());
}
