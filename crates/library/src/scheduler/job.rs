//! What a scheduler run does and what it reports: the [`RescanJob`] seam the application fills in,
//! and the [`RunRecord`] kept of the last run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The work of one run: rescan the library and, when asked, queue what is missing.
///
/// The application implements it over its scan coordinator and download queue. The scheduler
/// calls [`RescanJob::scan_in_progress`] while holding its own lock, so neither method may call
/// back into the scheduler.
pub trait RescanJob: Send + Sync {
    /// Whether a library scan is running now, started by anyone (the scheduler, the rescan
    /// endpoint, adding a series).
    fn scan_in_progress(&self) -> bool;

    /// Rescans the library and, with `auto_download`, queues every missing episode that is not
    /// already queued and starts the queue. Blocks until done. Failures are reported in
    /// [`RunOutcome::error`], together with whatever was achieved before them.
    fn run(&self, auto_download: bool) -> RunOutcome;
}

/// What a job achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// Series whose episodes were compared with the catalogue.
    pub series_scanned: usize,
    /// Missing episodes found over the scanned series.
    pub missing_found: usize,
    /// Episodes newly added to the download queue.
    pub episodes_queued: usize,
    /// Why the run failed or stopped early, if it did.
    pub error: Option<String>,
    /// Whether the run looked up every series or only what changed (None in records of
    /// earlier versions).
    #[serde(default)]
    pub mode: Option<aniworld_core::config::RescanMode>,
    /// What a changed run did not read, by reason.
    #[serde(default)]
    pub skipped: crate::SkippedSeries,
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    /// The plan's firing time came.
    Scheduled,
    /// Someone asked for it (`trigger-rescan`).
    Manual,
}

/// The record of one finished run, as persisted and shown in the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Why it ran.
    pub trigger: RunTrigger,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// What it achieved.
    #[serde(flatten)]
    pub outcome: RunOutcome,
}
