//! The storage the engine tests run on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use aniworld_core::ports::{EpisodeRecord, QueueRepo, RepoError, SeriesRepo, SettingsRepo};
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeId, ItemId, NewSerie, Serie};

#[derive(Default)]
struct Db {
    items: HashMap<ItemId, DownloadItem>,
    settings: HashMap<String, String>,
    episodes: HashMap<String, Vec<EpisodeRecord>>,
}

/// Storage opened at a path; opening the same path again sees the same data.
#[derive(Clone)]
pub struct TestStore(Arc<Mem>);

struct Mem(Mutex<Db>);

fn registry() -> &'static Mutex<HashMap<PathBuf, Arc<Mem>>> {
    static R: OnceLock<Mutex<HashMap<PathBuf, Arc<Mem>>>> = OnceLock::new();
    R.get_or_init(Mutex::default)
}

impl TestStore {
    /// Opens (or creates) the storage at `path`.
    pub fn open(path: &Path) -> Self {
        let mem = registry()
            .lock()
            .unwrap()
            .entry(path.to_path_buf())
            .or_insert_with(|| Arc::new(Mem(Mutex::default())))
            .clone();
        Self(mem)
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
    /// Registers a series so episodes can be marked downloaded.
    pub fn add_series(&self, key: &str, folder: &str) {
        let _ = (key, folder);
    }
}

impl QueueRepo for Mem {
    fn load_items(&self) -> Result<Vec<DownloadItem>, RepoError> {
        Ok(self.0.lock().unwrap().items.values().cloned().collect())
    }
    fn insert_items(&self, items: &[DownloadItem]) -> Result<(), RepoError> {
        let mut db = self.0.lock().unwrap();
        for i in items {
            db.items.insert(i.id, i.clone());
        }
        Ok(())
    }
    fn save_item(&self, item: &DownloadItem) -> Result<(), RepoError> {
        let mut db = self.0.lock().unwrap();
        match db.items.get_mut(&item.id) {
            Some(i) => *i = item.clone(),
            None => return Err(RepoError::NotFound(item.id.to_string())),
        }
        Ok(())
    }
    fn delete_items(&self, ids: &[ItemId]) -> Result<usize, RepoError> {
        let mut db = self.0.lock().unwrap();
        Ok(ids
            .iter()
            .filter(|id| db.items.remove(id).is_some())
            .count())
    }
    fn set_positions(&self, positions: &[(ItemId, i64)]) -> Result<(), RepoError> {
        let mut db = self.0.lock().unwrap();
        for (id, p) in positions {
            if let Some(i) = db.items.get_mut(id) {
                i.position = *p;
            }
        }
        Ok(())
    }
    fn reset_in_flight(&self) -> Result<usize, RepoError> {
        let mut db = self.0.lock().unwrap();
        let mut n = 0;
        for i in db.items.values_mut() {
            if i.status == DownloadStatus::Downloading {
                i.status = DownloadStatus::Pending;
                n += 1;
            }
        }
        Ok(n)
    }
}

impl SettingsRepo for Mem {
    fn get_setting(&self, key: &str) -> Result<Option<String>, RepoError> {
        Ok(self.0.lock().unwrap().settings.get(key).cloned())
    }
    fn set_setting(&self, key: &str, value: &str) -> Result<(), RepoError> {
        self.0
            .lock()
            .unwrap()
            .settings
            .insert(key.into(), value.into());
        Ok(())
    }
    fn delete_setting(&self, key: &str) -> Result<(), RepoError> {
        self.0.lock().unwrap().settings.remove(key);
        Ok(())
    }
}

impl SeriesRepo for Mem {
    fn list_series(&self) -> Result<Vec<Serie>, RepoError> {
        Ok(Vec::new())
    }
    fn get_series(&self, _key: &str) -> Result<Option<Serie>, RepoError> {
        Ok(None)
    }
    fn find_series_by_folder(&self, _folder: &str) -> Result<Option<Serie>, RepoError> {
        Ok(None)
    }
    fn insert_series(&self, serie: &NewSerie) -> Result<Serie, RepoError> {
        Err(RepoError::Backend(format!("not supported: {}", serie.key)))
    }
    fn delete_series(&self, _key: &str) -> Result<bool, RepoError> {
        Ok(false)
    }
    fn replace_episodes(&self, key: &str, episodes: &[EpisodeRecord]) -> Result<(), RepoError> {
        self.0
            .lock()
            .unwrap()
            .episodes
            .insert(key.into(), episodes.to_vec());
        Ok(())
    }
    fn list_episodes(&self, key: &str) -> Result<Vec<EpisodeRecord>, RepoError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .episodes
            .get(key)
            .cloned()
            .unwrap_or_default())
    }
    fn mark_downloaded(&self, key: &str, id: EpisodeId, file_path: &str) -> Result<(), RepoError> {
        let mut db = self.0.lock().unwrap();
        let eps = db.episodes.entry(key.into()).or_default();
        eps.retain(|e| e.id != id);
        eps.push(EpisodeRecord {
            id,
            title_de: None,
            title_en: None,
            is_downloaded: true,
            file_path: Some(file_path.into()),
        });
        Ok(())
    }
    fn record_scan_error(&self, _key: &str, _error: &str) -> Result<(), RepoError> {
        Ok(())
    }
    fn update_series_meta(&self, _serie: &Serie) -> Result<(), RepoError> {
        Ok(())
    }
}
