//! Opening a database file: migrations, WAL, per-connection pragmas, errors.

mod common;

use aniworld_core::ports::SettingsRepo;
use aniworld_store::{Store, StoreError};
use common::TestDb;

#[test]
fn open_creates_the_file_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("data").join("aniworld.db");
    let store = Store::open(&path).unwrap();
    assert!(path.is_file());
    assert!(store.ping().unwrap() < std::time::Duration::from_secs(60));
}

#[test]
fn wal_foreign_keys_busy_timeout_and_synchronous_are_on() {
    let db = TestDb::new();
    let p = db.store.pragmas().unwrap();
    assert_eq!(p.journal_mode, "wal");
    assert!(p.foreign_keys);
    assert_eq!(p.busy_timeout_ms, 5000);
    // NORMAL = 1
    assert_eq!(p.synchronous, 1);
    // WAL is a property of the file: it is still on after reopening
    let db = db.reopen();
    assert_eq!(db.store.pragmas().unwrap().journal_mode, "wal");
    assert!(db.path.with_extension("db-wal").exists());
}

#[test]
fn every_pooled_connection_gets_the_pragmas() {
    let db = TestDb::new();
    // hold several connections at once by running checks from threads
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let s = db.store.clone();
            std::thread::spawn(move || s.pragmas().unwrap())
        })
        .collect();
    for h in handles {
        let p = h.join().unwrap();
        assert!(p.foreign_keys);
        assert_eq!(p.busy_timeout_ms, 5000);
    }
}

#[test]
fn reopening_keeps_data_and_migrations_are_idempotent() {
    let db = TestDb::new();
    db.store.set_setting("k", "v").unwrap();
    let db = db.reopen();
    assert_eq!(db.store.get_setting("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aniworld.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::Open { .. } | StoreError::Migration(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("aniworld.db"), "{err}");
}

#[test]
fn a_folder_in_place_of_the_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aniworld.db");
    std::fs::create_dir(&path).unwrap();
    assert!(Store::open(&path).is_err());
}

#[test]
fn in_memory_store_works_and_is_separate_per_store() {
    let a = Store::open_in_memory().unwrap();
    let b = Store::open_in_memory().unwrap();
    a.set_setting("k", "a").unwrap();
    assert_eq!(a.get_setting("k").unwrap().as_deref(), Some("a"));
    assert_eq!(b.get_setting("k").unwrap(), None);
    a.ping().unwrap();
}
