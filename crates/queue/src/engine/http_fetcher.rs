//! The production [`MediaFetcher`]: the direct and HLS downloaders of [`crate::download`].

use std::sync::Arc;

use aniworld_core::config::DownloadConfig;

use super::fetcher::{FetchFailure, FetchJob, FetchProgress, MediaFetcher};
use crate::download::{FetchOptions, HostBudget, ProgressUpdate, fetch_media};

/// Fetches media over HTTP with [`crate::download::fetch_media`]. One per process: its host
/// budget is shared by every download.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    base: FetchOptions,
}

impl HttpFetcher {
    /// A fetcher with a host budget built from `config`.
    pub fn new(config: &DownloadConfig) -> Self {
        let budget = Arc::new(HostBudget::from_config(config));
        Self::with_options(FetchOptions::from_config(config, budget))
    }

    /// A fetcher with explicit options (timeouts, ffmpeg/ffprobe use). Segment concurrency and
    /// the resolution cap are still taken from each job's configuration.
    pub fn with_options(base: FetchOptions) -> Self {
        Self { base }
    }
}

impl MediaFetcher for HttpFetcher {
    fn fetch(
        &self,
        job: &FetchJob<'_>,
        on_progress: &(dyn Fn(FetchProgress) + Sync),
    ) -> Result<u64, FetchFailure> {
        let mut opts = self.base.clone();
        opts.segment_concurrency = job.config.segment_concurrency.max(1) as usize;
        opts.max_resolution = job.config.max_resolution;
        opts.verify = job.config.verify;
        let report = |u: &ProgressUpdate| {
            on_progress(FetchProgress {
                downloaded_bytes: u.downloaded_bytes,
                total_bytes: u.total_bytes,
                percent: None,
                speed_bps: Some(u.speed_bps),
            })
        };
        fetch_media(job.source, job.final_path, &opts, &report, job.cancel)
            .map(|outcome| outcome.bytes)
            .map_err(|e| FetchFailure {
                message: e.to_string(),
                retryable: e.is_retryable(),
            })
    }
}
