//! The monitoring columns of `series` (migration 000018): defaults for new and existing rows,
//! explicit settings at insert, replacement, and every series query reading them.

mod common;

use aniworld_core::ports::{RepoError, SeriesRepo};
use aniworld_core::series::{SeriesFilter, SeriesQuery, SeriesSort};
use aniworld_core::{Language, Monitoring, NewSeries, SITE_ID};
use aniworld_store::{MIGRATIONS, Store};
use common::TestDb;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;

fn new_serie(key: &str) -> NewSeries {
    NewSeries {
        key: key.into(),
        name: key.into(),
        site: SITE_ID.into(),
        folder: key.into(),
        year: None,
        description: None,
        imdb_id: None,
        cover_url: None,
        catalogue_url: None,
    }
}

fn own_settings() -> Monitoring {
    Monitoring {
        monitored: false,
        languages: Some(vec![Language::EnglishDub, Language::GermanSub]),
        cutoff: Some(Language::GermanSub),
        upgrade: true,
    }
}

/// The settings of `key` as each series query reads them (they must agree).
fn read_everywhere(store: &Store, key: &str) -> Monitoring {
    let one = store.get_series(key).unwrap().unwrap().monitoring;
    let page = store
        .list_series_page(&SeriesQuery {
            filter: SeriesFilter::All,
            sort: SeriesSort::Key,
            offset: 0,
            limit: 100,
        })
        .unwrap();
    let after = store.series_after(None, 100).unwrap();
    let all = store.list_series().unwrap();
    for list in [page, after, all] {
        let listed = list.into_iter().find(|s| s.key == key).expect("listed");
        assert_eq!(listed.monitoring, one, "{key}");
    }
    let by_folder = store.find_series_by_folder(key).unwrap().unwrap();
    assert_eq!(by_folder.monitoring, one);
    one
}

#[test]
fn a_series_gets_the_defaults_or_the_settings_it_is_inserted_with() {
    let db = TestDb::new();
    let plain = db.store.insert_series(&new_serie("plain")).unwrap();
    assert_eq!(plain.monitoring, Monitoring::default());
    let own = db
        .store
        .insert_series_with(&new_serie("own"), &own_settings())
        .unwrap();
    assert_eq!(own.monitoring, own_settings());
    assert_eq!(read_everywhere(&db.store, "plain"), Monitoring::default());
    assert_eq!(read_everywhere(&db.store, "own"), own_settings());
    // A conflict stays a conflict.
    assert!(matches!(
        db.store
            .insert_series_with(&new_serie("own"), &Monitoring::default()),
        Err(RepoError::Conflict(_))
    ));
    // Kept across a restart.
    let db = db.reopen();
    assert_eq!(read_everywhere(&db.store, "own"), own_settings());
}

#[test]
fn settings_are_replaced_as_a_whole_and_each_change_is_a_write() {
    let db = TestDb::new();
    db.store.insert_series(&new_serie("a")).unwrap();
    db.store.insert_series(&new_serie("b")).unwrap();
    let before = db.store.write_generation();
    db.store.set_monitoring("a", &own_settings()).unwrap();
    assert!(db.store.write_generation() > before, "pages must go stale");
    assert_eq!(read_everywhere(&db.store, "a"), own_settings());
    assert_eq!(read_everywhere(&db.store, "b"), Monitoring::default());
    // Back to the defaults: NULL list and cutoff again.
    db.store
        .set_monitoring("a", &Monitoring::default())
        .unwrap();
    assert_eq!(read_everywhere(&db.store, "a"), Monitoring::default());
    assert!(matches!(
        db.store.set_monitoring("nope", &own_settings()),
        Err(RepoError::NotFound(_))
    ));
    // Deleting a series takes its settings with it.
    db.store.set_monitoring("b", &own_settings()).unwrap();
    assert!(db.store.delete_series("b").unwrap());
    db.store.insert_series(&new_serie("b")).unwrap();
    assert_eq!(read_everywhere(&db.store, "b"), Monitoring::default());
}

#[test]
fn series_stored_before_the_migration_get_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aniworld.db");
    {
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        let pending = conn.pending_migrations(MIGRATIONS).unwrap();
        for m in pending {
            if m.name().version().to_string().as_str() >= "20261207000018" {
                break;
            }
            conn.run_migration(&m).unwrap();
        }
        diesel::sql_query(
            "INSERT INTO series (key, name, site, folder, added_at, sort_name) \
             VALUES ('old', 'Old', 'aniworld.to', 'old', '2026-01-01T00:00:00.000000000Z', 'old')",
        )
        .execute(&mut conn)
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(read_everywhere(&store, "old"), Monitoring::default());
}

#[test]
fn a_stored_language_that_is_no_language_is_reported_not_guessed() {
    let db = TestDb::new();
    db.store.insert_series(&new_serie("odd")).unwrap();
    let mut conn = SqliteConnection::establish(db.path.to_str().unwrap()).unwrap();
    diesel::sql_query("UPDATE series SET languages = 'German Dub,Klingon' WHERE key = 'odd'")
        .execute(&mut conn)
        .unwrap();
    let err = db.store.get_series("odd").unwrap_err().to_string();
    assert!(err.contains("Klingon"), "{err}");
}
