//! Removing a series from the library (docs/monitoring.md, "Removing a series"): its row and
//! episodes, its queue items in every state (a running download is cancelled through the queue's
//! own delete path, which leaves no file of it), and on request the episode files the service
//! wrote.
//!
//! "Written by the service" is what the store says: an episode file recorded with the language
//! it was downloaded in (the queue records one for each file it writes, and scans keep it while
//! the file stays the same), and the file of each completed queue item of the series. Nothing
//! else is touched: not files found on disk, not NFO files or artwork. Every path must lie in the
//! series folder, which must be a folder (not a link) directly inside the anime folder; links
//! are never followed or removed. Folders left empty are removed, the series folder last.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aniworld_core::naming::{SeriesFolder, episode_file_name, season_dir_name};
use aniworld_core::ports::{EpisodeRecord, SeriesRepo};
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeId, Language, Series};
use aniworld_queue::engine::QueueEngine;

use super::LibraryService;
use crate::error::ServiceError;
use crate::history::HistoryService;

/// How long a removal waits for cancelled downloads to let go of their files.
const CANCEL_WAIT: Duration = Duration::from_secs(15);

/// What removing a series needs besides the library: attached when the queue runs.
pub(super) struct Downloads {
    queue: QueueEngine,
    history: Arc<HistoryService>,
}

/// What [`LibraryService::remove_series`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedSeries {
    /// The series as it was.
    pub serie: Series,
    /// Its queue items that were deleted, as they were (a downloading one was cancelled).
    pub queue_items: Vec<DownloadItem>,
    /// The files removed, relative to the series folder (`Season 01/<file>`), in order.
    pub files_removed: Vec<String>,
    /// Files the service wrote that were left where they are, with why.
    pub files_kept: Vec<KeptFile>,
    /// Whether the series folder was removed (it was left empty).
    pub folder_removed: bool,
}

/// A file the service wrote that a removal left in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    /// Relative to the series folder.
    pub path: String,
    /// Why it was kept.
    pub reason: String,
}

/// A file the service wrote: its episode, path relative to the series folder and language.
#[derive(Debug, Clone)]
struct Written {
    episode: EpisodeId,
    language: Option<Language>,
}

impl LibraryService {
    /// Gives the library the queue and the history, which removing a series needs (once; the
    /// facade does it when the queue runs).
    pub fn attach_downloads(&self, queue: QueueEngine, history: Arc<HistoryService>) {
        if self.downloads.set(Downloads { queue, history }).is_err() {
            log::warn!("the library's queue was attached twice; the first one stays");
        }
    }

    /// Removes a series (by library id or folder, like [`LibraryService::detail`]) with its
    /// episodes and every queue item of it; a running download is cancelled. With
    /// `delete_files`, also the episode files the service wrote (see the module docs), each
    /// recorded as `deleted` in the history first, and the folders that leaves empty.
    ///
    /// [`ServiceError::NotFound`] for an unknown series. With `delete_files` and no usable
    /// anime folder the removal is refused before anything changes.
    pub fn remove_series(
        &self,
        id: &str,
        delete_files: bool,
    ) -> Result<RemovedSeries, ServiceError> {
        let downloads = self
            .downloads
            .get()
            .ok_or_else(|| ServiceError::Unavailable("the download queue is not running".into()))?;
        let serie = self.detail(id)?;
        let anime_dir = if delete_files {
            let dir = self.anime_dir()?;
            aniworld_library::walk::check_anime_dir(&dir)?;
            Some(dir)
        } else {
            None
        };
        let episodes = if delete_files {
            self.store.list_episodes(&serie.key)?
        } else {
            Vec::new()
        };
        // Queue first (cancelling a running download), then the series, then the queue again
        // for an item an automatic run may have added in between.
        let mut queue_items = downloads.queue.remove_series(&serie.key)?;
        self.store.delete_series(&serie.key)?;
        queue_items.extend(downloads.queue.remove_series(&serie.key)?);
        log::info!(
            "removed {} from the library with {} queue item(s)",
            serie.key,
            queue_items.len()
        );
        let mut removed = RemovedSeries {
            serie,
            queue_items,
            files_removed: Vec::new(),
            files_kept: Vec::new(),
            folder_removed: false,
        };
        if let Some(anime_dir) = anime_dir {
            wait_for_cancelled(&downloads.queue, &removed.queue_items);
            let written = written_files(&removed.serie, &episodes, &removed.queue_items);
            remove_files(&anime_dir, &downloads.history, written, &mut removed);
        }
        Ok(removed)
    }
}

/// Waits (bounded) until the cancelled downloads among `items` have let go of their files.
fn wait_for_cancelled(queue: &QueueEngine, items: &[DownloadItem]) {
    let running: Vec<_> = items
        .iter()
        .filter(|i| i.status == DownloadStatus::Downloading)
        .map(|i| i.id)
        .collect();
    let deadline = Instant::now() + CANCEL_WAIT;
    while running.iter().any(|id| queue.is_downloading(*id)) {
        if Instant::now() >= deadline {
            log::warn!("a cancelled download still runs; its folder may stay");
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The files of `serie` the service wrote, by path relative to its folder: episodes recorded
/// with a download language, and the files of its completed queue items.
fn written_files(
    serie: &Series,
    episodes: &[EpisodeRecord],
    items: &[DownloadItem],
) -> BTreeMap<String, Written> {
    let mut written = BTreeMap::new();
    for e in episodes {
        if let (true, Some(language), Some(path)) = (e.is_downloaded, e.language, &e.file_path) {
            written.insert(
                path.clone(),
                Written {
                    episode: e.id,
                    language: Some(language),
                },
            );
        }
    }
    for item in items {
        // An item of another folder wrote somewhere else: never reached from this series.
        if item.status != DownloadStatus::Completed || item.series_folder != serie.folder {
            continue;
        }
        let id = item.episode.id();
        let path = format!(
            "{}/{}",
            season_dir_name(id.season),
            episode_file_name(&item.series_folder, id)
        );
        written.entry(path).or_insert(Written {
            episode: id,
            language: None,
        });
    }
    written
}

/// The series folder, when it is a real folder directly inside the anime folder: as the user
/// configured it (for what is shown and recorded) and canonical (for what is touched). None
/// when there is no such folder (nothing to remove).
fn series_folder(anime_dir: &Path, serie: &Series) -> Result<Option<(PathBuf, PathBuf)>, String> {
    let folder = SeriesFolder::parse(&serie.folder)
        .map_err(|e| format!("the folder name {:?} {e}", serie.folder))?;
    let shown = anime_dir.join(folder.as_str());
    let meta = match std::fs::symlink_metadata(&shown) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("the series folder cannot be read: {e}")),
    };
    if !meta.is_dir() {
        return Err("the series folder is a link or not a folder".into());
    }
    let anime = std::fs::canonicalize(anime_dir)
        .map_err(|e| format!("the anime folder cannot be resolved: {e}"))?;
    let real = std::fs::canonicalize(&shown)
        .map_err(|e| format!("the series folder cannot be resolved: {e}"))?;
    if real.parent() != Some(anime.as_path()) {
        return Err("the series folder is not inside the anime folder".into());
    }
    Ok(Some((shown, real)))
}

/// `rel` when it is a plain relative path (normal components only).
fn plain_relative(rel: &str) -> Option<&Path> {
    let path = Path::new(rel);
    let plain = !rel.is_empty()
        && !rel.contains('\0')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then_some(path)
}

/// Removes the `written` files of `removed.serie` that are regular files inside its folder,
/// each recorded in the history first, then the folders that leaves empty (the series folder
/// too when it is empty, as a cancelled download may leave it).
fn remove_files(
    anime_dir: &Path,
    history: &HistoryService,
    written: BTreeMap<String, Written>,
    removed: &mut RemovedSeries,
) {
    let (shown, real) = match series_folder(anime_dir, &removed.serie) {
        Ok(Some(folders)) => folders,
        Ok(None) => return,
        Err(reason) => {
            log::warn!("files of {} kept: {reason}", removed.serie.key);
            for path in written.into_keys() {
                removed.files_kept.push(KeptFile {
                    path,
                    reason: reason.clone(),
                });
            }
            return;
        }
    };
    // The season folders the queue items wrote into (or were about to: a cancelled download
    // may leave one empty).
    let mut parents: Vec<PathBuf> = removed
        .queue_items
        .iter()
        .filter(|i| i.series_folder == removed.serie.folder)
        .map(|i| real.join(season_dir_name(i.episode.season)))
        .collect();
    for (rel, file) in written {
        match remove_one(&shown, &real, &rel, &file, history, &removed.serie) {
            Ok(Some(parent)) => {
                removed.files_removed.push(rel);
                parents.push(parent);
            }
            Ok(None) => {}
            Err(reason) => removed.files_kept.push(KeptFile { path: rel, reason }),
        }
    }
    // Folders left empty, then the series folder: remove_dir takes only empty ones.
    parents.sort();
    parents.dedup();
    for dir in parents.iter().rev() {
        let mut dir = dir.clone();
        while dir != real && dir.starts_with(&real) && std::fs::remove_dir(&dir).is_ok() {
            if !dir.pop() {
                break;
            }
        }
    }
    removed.folder_removed = std::fs::remove_dir(&real).is_ok();
    log::info!(
        "{} file(s) of {} removed{}",
        removed.files_removed.len(),
        removed.serie.key,
        if removed.folder_removed {
            ", with its folder"
        } else {
            ""
        }
    );
}

/// Removes one written file; its real parent folder when it was removed, None when it was not
/// there, or why it was kept.
fn remove_one(
    shown: &Path,
    real: &Path,
    rel: &str,
    file: &Written,
    history: &HistoryService,
    serie: &Series,
) -> Result<Option<PathBuf>, String> {
    let Some(rel_path) = plain_relative(rel) else {
        return Err("the recorded path is not a plain path inside the series folder".into());
    };
    let path = real.join(rel_path);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    if !meta.is_file() {
        return Err("not a regular file (a link or a folder)".into());
    }
    let parent = path
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .filter(|p| p.starts_with(real))
        .ok_or("its folder is not inside the series folder")?;
    let recorded = history.record_deleted(
        &serie.key,
        &serie.name,
        file.episode,
        Some(&shown.join(rel_path)),
        file.language,
    );
    if let Err(e) = recorded {
        log::warn!(
            "the deletion of {rel} of {} is not in the history: {e}",
            serie.key
        );
    }
    std::fs::remove_file(&path).map_err(|e| format!("cannot be removed: {e}"))?;
    Ok(Some(parent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_taken() {
        assert!(plain_relative("Season 01/x - S01E01.mp4").is_some());
        assert!(plain_relative("x.mp4").is_some());
        for bad in [
            "",
            "../x.mp4",
            "Season 01/../../x",
            "/etc/passwd",
            "./x",
            "a\0b",
        ] {
            assert!(plain_relative(bad).is_none(), "{bad:?}");
        }
    }
}
