//! Test doubles shared by the integration tests: a catalogue over fixed data, an in-memory
//! series repository, and helpers that build library folders on disk.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aniworld_core::ports::{
    CatalogueEpisode, CatalogueSeries, EpisodeRecord, EpisodeSource, RepoError, SeriesRepo,
    SourceError, SourceErrorKind,
};
use aniworld_core::{EpisodeId, MissingEpisodes, NewSeries, Series};

/// A catalogue answering from a fixed map; keys listed in `failing` answer a network error.
#[derive(Default)]
pub struct FixedSource {
    pub series: Mutex<HashMap<String, CatalogueSeries>>,
    pub failing: Mutex<HashMap<String, SourceErrorKind>>,
    pub calls: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    /// While set, look-ups wait until it is cleared (to observe concurrency), bounded.
    pub hold: std::sync::atomic::AtomicBool,
    /// Cancelled by the first look-up, when set.
    pub cancel_on_call: Mutex<Option<aniworld_core::ports::CancelToken>>,
}

impl FixedSource {
    pub fn with(self, key: &str, title: &str, year: Option<i32>, seasons: &[(u32, u32)]) -> Self {
        let episodes = seasons
            .iter()
            .flat_map(|&(s, n)| {
                (1..=n).map(move |e| CatalogueEpisode {
                    id: EpisodeId::new(s, e),
                    title_de: Some(format!("Folge {e}")),
                    title_en: Some(format!("Episode {e}")),
                    languages_offered: None,
                })
            })
            .collect();
        let cat = CatalogueSeries {
            title: title.to_string(),
            year,
            description: Some(format!("About {title}")),
            episodes,
            ..Default::default()
        };
        self.series.lock().unwrap().insert(key.to_string(), cat);
        self
    }

    pub fn fail(&self, key: &str, kind: SourceErrorKind) {
        self.failing.lock().unwrap().insert(key.to_string(), kind);
    }

    pub fn heal(&self, key: &str) {
        self.failing.lock().unwrap().remove(key);
    }
}

impl EpisodeSource for FixedSource {
    fn series(&self, key: &str) -> Result<CatalogueSeries, SourceError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(token) = self.cancel_on_call.lock().unwrap().as_ref() {
            token.cancel();
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.hold.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        let out = if let Some(kind) = self.failing.lock().unwrap().get(key) {
            Err(SourceError::new(
                *kind,
                format!("GET /anime/stream/{key} failed: connection refused"),
            ))
        } else {
            self.series
                .lock()
                .unwrap()
                .get(key)
                .cloned()
                .ok_or_else(|| {
                    SourceError::new(SourceErrorKind::NotFound, format!("no series {key}"))
                })
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }
}

/// An in-memory `SeriesRepo` that derives `missing` and `present_count` from the episodes as a
/// store would.
#[derive(Default)]
pub struct MemRepo {
    pub series: Mutex<BTreeMap<String, Series>>,
    pub episodes: Mutex<HashMap<String, Vec<EpisodeRecord>>>,
    pub next_id: AtomicUsize,
    /// Calls of `list_series` (the whole library at once).
    pub whole_reads: AtomicUsize,
    /// The most series one `series_after` call returned.
    pub largest_page: AtomicUsize,
}

impl MemRepo {
    pub fn missing(&self, key: &str) -> Vec<String> {
        let s = self.series.lock().unwrap();
        s[key]
            .missing
            .ids()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    pub fn serie(&self, key: &str) -> Series {
        self.series.lock().unwrap()[key].clone()
    }

    pub fn seed(&self, key: &str, folder: &str) {
        self.insert_series(&NewSeries {
            key: key.into(),
            name: folder.into(),
            site: "aniworld.to".into(),
            folder: folder.into(),
            year: None,
            description: None,
            imdb_id: None,
            cover_url: None,
            catalogue_url: None,
        })
        .unwrap();
    }
}

impl SeriesRepo for MemRepo {
    fn list_series(&self) -> Result<Vec<Series>, RepoError> {
        self.whole_reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.series.lock().unwrap().values().cloned().collect())
    }
    fn series_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<Series>, RepoError> {
        // The map is ordered by key, as a store's key index is.
        let page: Vec<Series> = self
            .series
            .lock()
            .unwrap()
            .values()
            .filter(|s| after.is_none_or(|a| s.key.as_str() > a))
            .take(limit)
            .cloned()
            .collect();
        self.largest_page.fetch_max(page.len(), Ordering::SeqCst);
        Ok(page)
    }
    fn count_series(&self) -> Result<usize, RepoError> {
        Ok(self.series.lock().unwrap().len())
    }
    fn get_series(&self, key: &str) -> Result<Option<Series>, RepoError> {
        Ok(self.series.lock().unwrap().get(key).cloned())
    }
    fn find_series_by_folder(&self, folder: &str) -> Result<Option<Series>, RepoError> {
        Ok(self
            .series
            .lock()
            .unwrap()
            .values()
            .find(|s| s.folder == folder)
            .cloned())
    }
    fn insert_series(&self, n: &NewSeries) -> Result<Series, RepoError> {
        let mut all = self.series.lock().unwrap();
        if all.contains_key(&n.key) {
            return Err(RepoError::Conflict(format!("series {}", n.key)));
        }
        let s = Series {
            id: self.next_id.fetch_add(1, Ordering::SeqCst) as i64 + 1,
            key: n.key.clone(),
            name: n.name.clone(),
            site: n.site.clone(),
            folder: n.folder.clone(),
            year: n.year,
            description: n.description.clone(),
            imdb_id: n.imdb_id.clone(),
            cover_url: n.cover_url.clone(),
            missing: MissingEpisodes::default(),
            present_count: 0,
            added_at: chrono::Utc::now(),
            last_scanned_at: None,
            last_scan_error: None,
            catalogue_url: n.catalogue_url.clone(),
            monitoring: Default::default(),
        };
        all.insert(n.key.clone(), s.clone());
        Ok(s)
    }
    fn delete_series(&self, key: &str) -> Result<bool, RepoError> {
        self.episodes.lock().unwrap().remove(key);
        Ok(self.series.lock().unwrap().remove(key).is_some())
    }
    fn replace_episodes(&self, key: &str, episodes: &[EpisodeRecord]) -> Result<(), RepoError> {
        let mut all = self.series.lock().unwrap();
        let s = all
            .get_mut(key)
            .ok_or_else(|| RepoError::NotFound(key.into()))?;
        s.missing =
            MissingEpisodes::from_ids(episodes.iter().filter(|e| !e.is_downloaded).map(|e| e.id));
        s.present_count = episodes.iter().filter(|e| e.is_downloaded).count() as u32;
        s.last_scanned_at = Some(chrono::Utc::now());
        s.last_scan_error = None;
        self.episodes
            .lock()
            .unwrap()
            .insert(key.into(), episodes.to_vec());
        Ok(())
    }
    fn list_episodes(&self, key: &str) -> Result<Vec<EpisodeRecord>, RepoError> {
        Ok(self
            .episodes
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .unwrap_or_default())
    }
    fn mark_downloaded(
        &self,
        _key: &str,
        _id: EpisodeId,
        _file_path: &str,
        _language: Option<aniworld_core::Language>,
    ) -> Result<(), RepoError> {
        Ok(())
    }
    fn record_scan_error(&self, key: &str, error: &str) -> Result<(), RepoError> {
        let mut all = self.series.lock().unwrap();
        let s = all
            .get_mut(key)
            .ok_or_else(|| RepoError::NotFound(key.into()))?;
        s.last_scan_error = Some(error.into());
        Ok(())
    }
    fn update_series_meta(&self, serie: &Series) -> Result<(), RepoError> {
        let mut all = self.series.lock().unwrap();
        let s = all
            .get_mut(&serie.key)
            .ok_or_else(|| RepoError::NotFound(serie.key.clone()))?;
        s.description = serie.description.clone();
        s.year = serie.year;
        s.imdb_id = serie.imdb_id.clone();
        s.cover_url = serie.cover_url.clone();
        Ok(())
    }
}

/// Creates an empty file (and its parent folders) at `root/rel`.
pub fn touch(root: &Path, rel: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, b"x").unwrap();
}

/// Sets the modification time of every directory under `root` (itself included) an hour back, so
/// that the walk cache trusts them.
pub fn age_dirs(root: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
        std::fs::File::open(&d).unwrap().set_modified(old).unwrap();
    }
}

/// Episode ids as `"s-e"` strings.
pub fn ids(v: &[EpisodeId]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}
