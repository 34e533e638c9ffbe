//! Helpers shared by the store's integration tests: a real SQLite file in a temp dir.

#![allow(dead_code)]

use std::path::PathBuf;

use aniworld_store::Store;
use tempfile::TempDir;

/// A store on a fresh database file; keep the `TempDir` alive for the test's length.
pub struct TestDb {
    /// Holds the folder.
    pub dir: TempDir,
    /// The database file.
    pub path: PathBuf,
    /// The open store.
    pub store: Store,
}

impl TestDb {
    /// Creates `aniworld.db` in a new temp dir and opens it.
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("aniworld.db");
        let store = Store::open(&path).expect("open store");
        TestDb { dir, path, store }
    }

    /// Opens the same file again (as after a restart), dropping the old pool first.
    pub fn reopen(self) -> TestDb {
        let TestDb { dir, path, store } = self;
        drop(store);
        let store = Store::open(&path).expect("reopen store");
        TestDb { dir, path, store }
    }
}
