//! The storage the engine tests run on: the real SQLite store in a temp folder.

use std::path::Path;
use std::sync::Arc;

use aniworld_core::ports::{QueueRepo, RepoError, SeriesRepo, SettingsRepo};
use aniworld_core::{NewSeries, SITE_ID};
use aniworld_store::Store;

/// The SQLite store at a path; opening the same path again sees the same data.
#[derive(Clone)]
pub struct TestStore(Arc<Store>);

impl TestStore {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Self {
        Self(Arc::new(Store::open(path).expect("open the SQLite store")))
    }
    /// The queue repository.
    pub fn queue(&self) -> Arc<dyn QueueRepo> {
        self.0.clone()
    }
    /// The settings repository.
    pub fn settings(&self) -> Arc<dyn SettingsRepo> {
        self.0.clone()
    }
    /// The series repository.
    pub fn series(&self) -> Arc<dyn SeriesRepo> {
        self.0.clone()
    }
    /// Registers a series (once) so its episodes can be marked downloaded.
    pub fn add_series(&self, key: &str, folder: &str) {
        let serie = NewSeries {
            key: key.into(),
            name: folder.into(),
            site: SITE_ID.into(),
            folder: folder.into(),
            year: None,
            description: None,
            imdb_id: None,
            cover_url: None,
            catalogue_url: None,
        };
        match self.0.insert_series(&serie) {
            Ok(_) | Err(RepoError::Conflict(_)) => {}
            Err(e) => panic!("cannot add series {key}: {e}"),
        }
    }
}
