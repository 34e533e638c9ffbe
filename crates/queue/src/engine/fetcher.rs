//! The seam between the queue and the stream downloaders: [`MediaFetcher`].
//!
//! The engine only needs "turn this media source into this file, report progress, stop when
//! cancelled"; [`HttpFetcher`] does it with [`crate::download`]. Tests can plug in their own.

use std::path::Path;

use aniworld_core::config::DownloadConfig;
use aniworld_core::ports::{CancelToken, MediaSource};

/// One download to perform.
#[derive(Debug, Clone, Copy)]
pub struct FetchJob<'a> {
    /// What to download.
    pub source: &'a MediaSource,
    /// The final file; the fetcher writes `<final>.part` and renames it only when complete.
    pub final_path: &'a Path,
    /// Segment concurrency, resolution cap, host budget settings.
    pub config: &'a DownloadConfig,
    /// Set when the download must stop (item deleted, engine shut down).
    pub cancel: &'a CancelToken,
}

/// Where a running download stands.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FetchProgress {
    /// Bytes written to the file so far (resumed bytes included).
    pub downloaded_bytes: u64,
    /// Expected size in bytes, when known or estimated.
    pub total_bytes: Option<u64>,
    /// Completion in 0..=100 when the fetcher knows it better than bytes do (HLS segments).
    pub percent: Option<f64>,
    /// Current speed in bytes per second, when the fetcher measures it.
    pub speed_bps: Option<f64>,
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FetchFailure {
    /// Human-readable reason, shown to users as the item's error.
    pub message: String,
    /// Whether trying again later may succeed (network errors, 5xx), as opposed to a lasting
    /// problem (disk full, permission denied, media gone).
    pub retryable: bool,
}

/// Turns a media source into a complete file.
pub trait MediaFetcher: Send + Sync {
    /// Downloads `job.source` to `job.final_path`, calling `on_progress` as it goes; returns the
    /// size of the finished file in bytes. The final-named file exists only on success.
    fn fetch(
        &self,
        job: &FetchJob<'_>,
        on_progress: &(dyn Fn(FetchProgress) + Sync),
    ) -> Result<u64, FetchFailure>;
}
