//! The library scanner of Aniworld: walks the anime folder, finds present episodes and computes
//! missing ones against the catalogue. Knows nothing of HTTP frameworks, databases or HTTP clients:
//! it reaches the catalogue through [`EpisodeSource`](aniworld_core::ports::EpisodeSource) and the
//! store through [`SeriesRepo`](aniworld_core::ports::SeriesRepo).
//!
//! - [`walk`]: one parallel walk of the anime folder, with a cache that makes unchanged rescans cheap.
//! - [`Scanner`]: full and single-series scans with bounded catalogue concurrency and progress,
//!   and changed scans ([`Scanner::scan_changed`]) that look up only what changed.
//! - [`recheck`]: when a changed scan re-checks a series no change signal names.
//! - [`Scanner::add_series`]: adding a catalogue series to the library.
//! - [`ScanCoordinator`]: one full scan at a time, shared by manual rescans and the scheduler.
//! - [`scheduler`]: the runner that rescans on the configured plan or when triggered.
//! - [`folder`]: whether a folder can hold the library (absolute, creatable, writable).

mod add;
mod changed;
mod coordinator;
mod episodes;
mod error;
pub mod folder;
pub mod recheck;
mod scan;
pub mod scheduler;
pub mod walk;

pub use add::AddedSeries;
pub use aniworld_core::config::RescanMode;
pub use coordinator::{DoneFn, ProgressFn, ScanCoordinator};
pub use episodes::{MergedEpisodes, merge_episodes, refreshed_meta};
pub use error::LibraryError;
pub use folder::prepare_library_folder;
pub use recheck::RecheckPolicy;
pub use scan::{
    LookupReasons, SCAN_PAGE, ScanOptions, ScanProgress, ScanReport, Scanner, SeriesScan,
    SkippedSeries,
};
pub use scheduler::{Scheduler, SchedulerOptions, SchedulerStatus};
pub use walk::{LibraryWalk, PresentEpisodes, WalkCache, WalkOptions, WalkStats, walk_library};

use std::path::PathBuf;

use aniworld_core::AppConfig;

/// The configured anime directory (`other.anime_directory`), or [`LibraryError::NoAnimeDirectory`].
pub fn anime_dir_from_config(config: &AppConfig) -> Result<PathBuf, LibraryError> {
    config.anime_dir().ok_or(LibraryError::NoAnimeDirectory)
}
