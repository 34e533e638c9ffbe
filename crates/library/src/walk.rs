//! The local part of a scan: one parallel walk of the anime folder that finds the episode files
//! present in each series folder (runtime-contract.md, "Library layout").
//!
//! Each top-level folder of the anime directory is a series folder. Worker threads take series
//! folders from a shared counter and walk each one depth-first with `std::fs::read_dir`; the entry
//! type comes from the directory listing itself, so no file is `stat`ed. A video file anywhere
//! under a series folder whose name carries `S<season>E<episode>` counts as that episode; `.part`
//! files and other files are ignored.
//!
//! A [`WalkCache`] makes an unchanged rescan cheap: adding, removing or renaming an entry changes
//! the modification time of the directory that holds it, so a series folder whose directories all
//! keep their recorded modification times holds the same files as before, and only those
//! directories are `stat`ed instead of read. Directories modified less than [`RACY_WINDOW`] before
//! a walk are not trusted (coarse file-system clocks could hide a later change) and are read again
//! next time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aniworld_core::EpisodeId;
use aniworld_core::naming::{find_episode_marker, is_video_file_name};

use crate::error::LibraryError;

/// Episodes present in one series folder: id -> path of the file relative to the series folder
/// (with `/` separators). When several files carry the same marker, the smallest path wins.
pub type PresentEpisodes = BTreeMap<EpisodeId, String>;

/// How deep the walker descends below a series folder; also stops symlink cycles.
pub const MAX_DEPTH: usize = 16;

/// Directories modified this recently before a walk are walked again by the next one.
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

/// What to walk and how.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
    /// Walk only these series folders (names directly under the anime directory); `None` walks all.
    pub folders: Option<HashSet<String>>,
}

/// Counters of one walk, for logs and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Series folders considered.
    pub folders: usize,
    /// Series folders whose cached result was reused without reading them.
    pub folders_reused: usize,
    /// Directories listed with `read_dir`.
    pub dirs_read: usize,
    /// Directory entries looked at.
    pub entries_seen: usize,
    /// Episode files found (including ones reused from the cache).
    pub episode_files: usize,
}

impl std::ops::AddAssign for WalkStats {
    /// Sums the counters of several walks (a scan walks the library a page at a time).
    fn add_assign(&mut self, o: WalkStats) {
        self.folders += o.folders;
        self.folders_reused += o.folders_reused;
        self.dirs_read += o.dirs_read;
        self.entries_seen += o.entries_seen;
        self.episode_files += o.episode_files;
    }
}

/// The result of a walk.
#[derive(Debug, Default)]
pub struct LibraryWalk {
    /// Present episodes per series folder name. A folder that is listed but absent on disk does
    /// not appear here (it has no episodes).
    pub folders: HashMap<String, Arc<PresentEpisodes>>,
    /// Series folders that could not be read completely (permission denied, I/O error): callers
    /// must not conclude that their episodes are gone.
    pub failed: HashMap<String, LibraryError>,
    /// Counters.
    pub stats: WalkStats,
}

impl LibraryWalk {
    /// The episodes present in `folder` (empty when the folder has none or does not exist).
    pub fn present(&self, folder: &str) -> Arc<PresentEpisodes> {
        self.folders.get(folder).cloned().unwrap_or_default()
    }
}

/// What one series folder looked like when it was last walked.
#[derive(Debug, Clone)]
struct CachedFolder {
    /// Every directory of the folder (relative, `""` is the folder itself) with its modification time.
    dirs: Vec<(PathBuf, SystemTime)>,
    /// What the walk found.
    episodes: Arc<PresentEpisodes>,
}

/// Results of earlier walks of one anime directory, reused for folders that did not change.
#[derive(Debug, Default)]
pub struct WalkCache {
    root: PathBuf,
    folders: HashMap<String, Arc<CachedFolder>>,
}

impl WalkCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of series folders remembered.
    pub fn len(&self) -> usize {
        self.folders.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.folders.is_empty()
    }
}

/// Checks that `anime_dir` is an existing directory.
pub fn check_anime_dir(anime_dir: &Path) -> Result<(), LibraryError> {
    if anime_dir.as_os_str().is_empty() {
        return Err(LibraryError::NoAnimeDirectory);
    }
    match fs::metadata(anime_dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(LibraryError::AnimeDirMissing {
            path: anime_dir.to_path_buf(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LibraryError::AnimeDirMissing {
            path: anime_dir.to_path_buf(),
        }),
        Err(e) => Err(LibraryError::io("read the anime directory", anime_dir, e)),
    }
}

/// Walks the anime directory once and returns the episodes present per series folder.
///
/// With a cache, folders whose directories are unchanged since the cached walk are not read again,
/// and the cache is updated with this walk's results. Fails only when the anime directory itself is
/// missing or unreadable; a series folder that cannot be read is reported in [`LibraryWalk::failed`].
pub fn walk_library(
    anime_dir: &Path,
    options: &WalkOptions,
    cache: Option<&mut WalkCache>,
) -> Result<LibraryWalk, LibraryError> {
    check_anime_dir(anime_dir)?;
    let started = SystemTime::now();
    let names = list_series_folders(anime_dir, options.folders.as_ref())?;
    let mut empty = WalkCache::new();
    let cache = cache.unwrap_or(&mut empty);
    if cache.root != anime_dir {
        cache.root = anime_dir.to_path_buf();
        cache.folders.clear();
    }

    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, names.len().max(1));
    let next = AtomicUsize::new(0);
    let old: &WalkCache = cache;
    let work = || {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(name) = names.get(i) else { break };
            out.push((
                i,
                walk_folder(&anime_dir.join(name), old.folders.get(name), started),
            ));
        }
        out
    };
    // The calling thread works too, so a thread that cannot be started only costs speed.
    let mut outcomes: Vec<(usize, FolderOutcome)> = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads)
            .filter_map(|n| {
                let builder = std::thread::Builder::new().name(format!("scan-walk-{n}"));
                builder
                    .spawn_scoped(s, work)
                    .map_err(|e| log::warn!("no walker thread: {e}"))
                    .ok()
            })
            .collect();
        let mut all = work();
        for h in helpers {
            all.extend(h.join().unwrap_or_default());
        }
        all
    });
    outcomes.sort_unstable_by_key(|(i, _)| *i);
    // A folder without an outcome belonged to a thread that panicked: never report it as empty.
    let mut seen = vec![false; names.len()];
    for (i, _) in &outcomes {
        seen[*i] = true;
    }
    for (i, _) in seen.iter().enumerate().filter(|(_, s)| !**s) {
        let lost = std::io::Error::other("the walker thread stopped unexpectedly");
        outcomes.push((
            i,
            FolderOutcome::Failed(LibraryError::io("walk", anime_dir.join(&names[i]), lost)),
        ));
    }

    let mut walk = LibraryWalk::default();
    walk.stats.folders = names.len();
    let mut fresh = HashMap::with_capacity(names.len());
    for (i, outcome) in outcomes {
        let name = names[i].clone();
        match outcome {
            FolderOutcome::Reused(entry) => {
                walk.stats.folders_reused += 1;
                walk.stats.episode_files += entry.episodes.len();
                walk.folders.insert(name.clone(), entry.episodes.clone());
                fresh.insert(name, entry);
            }
            FolderOutcome::Walked {
                episodes,
                dirs,
                trusted,
                dirs_read,
                entries_seen,
            } => {
                walk.stats.dirs_read += dirs_read;
                walk.stats.entries_seen += entries_seen;
                walk.stats.episode_files += episodes.len();
                let episodes = Arc::new(episodes);
                if trusted {
                    let entry = CachedFolder {
                        dirs,
                        episodes: episodes.clone(),
                    };
                    fresh.insert(name.clone(), Arc::new(entry));
                }
                walk.folders.insert(name, episodes);
            }
            FolderOutcome::Absent => {}
            FolderOutcome::Failed(e) => {
                walk.failed.insert(name, e);
            }
        }
    }
    if let Some(only) = &options.folders {
        // Keep what earlier walks learnt about folders this filtered walk did not look at.
        for (name, entry) in cache.folders.drain() {
            if !only.contains(&name) {
                fresh.entry(name).or_insert(entry);
            }
        }
    }
    cache.folders = fresh;
    Ok(walk)
}

/// Walks one series folder without a cache. `Ok` with no episodes when the folder does not exist.
pub fn walk_series_folder(folder: &Path) -> Result<PresentEpisodes, LibraryError> {
    match walk_folder(folder, None, SystemTime::now()) {
        FolderOutcome::Walked { episodes, .. } => Ok(episodes),
        FolderOutcome::Reused(entry) => Ok((*entry.episodes).clone()),
        FolderOutcome::Absent => Ok(PresentEpisodes::new()),
        FolderOutcome::Failed(e) => Err(e),
    }
}

/// The names of the series folders directly under `anime_dir`, sorted.
fn list_series_folders(
    anime_dir: &Path,
    only: Option<&HashSet<String>>,
) -> Result<Vec<String>, LibraryError> {
    let read_err = |e| LibraryError::io("list the anime directory", anime_dir, e);
    let mut names = Vec::new();
    for entry in fs::read_dir(anime_dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let Ok(name) = entry.file_name().into_string() else {
            log::debug!(
                "skipping a folder with a non-UTF-8 name in {}",
                anime_dir.display()
            );
            continue;
        };
        if only.is_some_and(|set| !set.contains(&name)) {
            continue;
        }
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_dir() => true,
            Ok(t) if t.is_symlink() => fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()),
            _ => false,
        };
        if is_dir {
            names.push(name);
        }
    }
    names.sort_unstable();
    Ok(names)
}

/// What walking one series folder gave.
enum FolderOutcome {
    /// The cached result is still valid.
    Reused(Arc<CachedFolder>),
    /// The folder was read.
    Walked {
        episodes: PresentEpisodes,
        dirs: Vec<(PathBuf, SystemTime)>,
        /// Every directory was older than the racy window, so the result may be cached.
        trusted: bool,
        dirs_read: usize,
        entries_seen: usize,
    },
    /// The folder does not exist.
    Absent,
    /// The folder could not be read completely.
    Failed(LibraryError),
}

/// Whether every directory recorded in `cached` still has its recorded modification time.
fn unchanged(base: &Path, cached: &CachedFolder) -> bool {
    cached.dirs.iter().all(|(rel, mtime)| {
        let path = if rel.as_os_str().is_empty() {
            base.to_path_buf()
        } else {
            base.join(rel)
        };
        fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|m| m == *mtime)
    })
}

/// Records a directory as visited; false when it was visited before (a symlink cycle or a
/// second link to the same folder). Without device/inode numbers only the depth limit applies.
fn first_visit(visited: &mut HashSet<(u64, u64)>, meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        visited.insert((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = (visited, meta);
        true
    }
}

/// Walks one series folder depth-first.
fn walk_folder(
    base: &Path,
    cached: Option<&Arc<CachedFolder>>,
    started: SystemTime,
) -> FolderOutcome {
    if let Some(c) = cached
        && unchanged(base, c)
    {
        return FolderOutcome::Reused(Arc::clone(c));
    }
    let trust_before = started
        .checked_sub(RACY_WINDOW)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut episodes = PresentEpisodes::new();
    let mut dirs = Vec::new();
    let mut trusted = true;
    let (mut dirs_read, mut entries_seen) = (0, 0);
    let mut stack: Vec<(PathBuf, usize)> = vec![(PathBuf::new(), 0)];
    let mut visited = HashSet::new();
    while let Some((rel, depth)) = stack.pop() {
        let path = base.join(&rel);
        // The time is taken before the listing, so a change during the listing shows next time.
        let meta = fs::metadata(&path);
        if let Ok(m) = &meta
            && !first_visit(&mut visited, m)
        {
            continue; // reached again through a symlink
        }
        let mtime = match meta.and_then(|m| m.modified()) {
            Ok(t) => t,
            Err(e) if depth == 0 && e.kind() == std::io::ErrorKind::NotFound => {
                return FolderOutcome::Absent;
            }
            Err(e) => return FolderOutcome::Failed(LibraryError::io("read the folder", path, e)),
        };
        trusted &= mtime <= trust_before;
        let list = match fs::read_dir(&path) {
            Ok(l) => l,
            Err(e) => return FolderOutcome::Failed(LibraryError::io("list the folder", path, e)),
        };
        dirs_read += 1;
        for entry in list {
            let entry = match entry {
                Ok(en) => en,
                Err(e) => {
                    return FolderOutcome::Failed(LibraryError::io("list the folder", path, e));
                }
            };
            entries_seen += 1;
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let (is_dir, is_file) = if kind.is_symlink() {
                match fs::metadata(entry.path()) {
                    Ok(m) => (m.is_dir(), m.is_file()),
                    Err(_) => (false, false),
                }
            } else {
                (kind.is_dir(), kind.is_file())
            };
            if is_dir {
                if depth < MAX_DEPTH {
                    stack.push((rel.join(&name), depth + 1));
                }
                continue;
            }
            if !is_file {
                continue;
            }
            let name = name.to_string_lossy();
            if !is_video_file_name(&name) {
                continue;
            }
            let Some(id) = find_episode_marker(&name) else {
                continue;
            };
            let rel_file = if rel.as_os_str().is_empty() {
                name.into_owned()
            } else {
                let mut joined = String::with_capacity(rel.as_os_str().len() + 1 + name.len());
                for part in rel.components() {
                    joined.push_str(&part.as_os_str().to_string_lossy());
                    joined.push('/');
                }
                joined.push_str(&name);
                joined
            };
            match episodes.get_mut(&id) {
                Some(existing) if *existing <= rel_file => {}
                Some(existing) => *existing = rel_file,
                None => {
                    episodes.insert(id, rel_file);
                }
            }
        }
        dirs.push((rel, mtime));
    }
    FolderOutcome::Walked {
        episodes,
        dirs,
        trusted,
        dirs_read,
        entries_seen,
    }
}
