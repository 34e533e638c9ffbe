//! Wiring of the rescan scheduler: the runner of `aniworld-library` with a job that scans through
//! the library service's scan coordinator and queues what is missing, its configuration kept in
//! step with config.json.
//!
//! The runner decides when to run; the scan coordinator guarantees one scan at a time; the queue
//! engine decides what "not already queued" means. This module only plugs them together.

use std::sync::Arc;

use aniworld_core::Priority;
use aniworld_core::config::{RescanMode, SchedulerConfig};
use aniworld_library::scheduler::{RescanJob, RunOutcome, SystemClock};
use aniworld_library::{Scheduler, SchedulerOptions, SchedulerStatus};
use aniworld_queue::engine::QueueEngine;
use aniworld_store::Store;

use crate::config::ConfigService;
use crate::error::{ServiceError, StartError};
use crate::library::LibraryService;

/// A scheduler run: a library scan in the configured `scheduler.rescan_mode` (changed by
/// default), then (with auto download) every missing episode of a monitored series that is not
/// already queued goes into the queue and the queue starts (series that are not monitored are
/// scanned but never queued by a run).
struct LibraryJob {
    library: Arc<LibraryService>,
    queue: QueueEngine,
    config: Arc<ConfigService>,
}

impl RescanJob for LibraryJob {
    fn scan_in_progress(&self) -> bool {
        self.library.coordinator().scan_in_progress()
    }

    fn run(&self, auto_download: bool) -> RunOutcome {
        let mode = self.config.current().scheduler.rescan_mode;
        let report = match self.library.scan_now(mode) {
            Ok(r) => r,
            Err(e) => {
                return RunOutcome {
                    error: Some(e.to_string()),
                    mode: Some(mode),
                    ..RunOutcome::default()
                };
            }
        };
        let mut outcome = RunOutcome {
            series_scanned: report.series_scanned,
            missing_found: report.missing_total,
            mode: Some(report.mode),
            skipped: report.skipped,
            ..RunOutcome::default()
        };
        if report.cancelled {
            outcome.error = Some("the scan was cancelled".into());
            return outcome;
        }
        if auto_download {
            let queued = self
                .queue
                .add_all_missing(Priority::Normal)
                .and_then(|added| {
                    outcome.episodes_queued = added.len();
                    self.queue.start()
                });
            if let Err(e) = queued {
                outcome.error = Some(format!("queueing the missing episodes failed: {e}"));
            }
        }
        outcome
    }
}

/// A partial update of the `scheduler` section: `None` keeps a setting. `schedule_time` and
/// `timezone` are cleared with `Some(None)` (interval mode; the process's local time).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchedulerPatch {
    /// Whether scheduled rescans run.
    pub enabled: Option<bool>,
    /// Minutes between rescans in interval mode.
    pub interval_minutes: Option<u32>,
    /// Daily time `HH:MM`, or `Some(None)` for interval mode.
    pub schedule_time: Option<Option<String>>,
    /// Days on which `schedule_time` fires (`mon`..`sun`; checked with the whole section).
    pub schedule_days: Option<Vec<String>>,
    /// Queue every missing episode after a rescan and start the queue.
    pub auto_download_after_rescan: Option<bool>,
    /// IANA time zone of `schedule_time`, or `Some(None)` for the process's local time.
    pub timezone: Option<Option<String>>,
    /// What the scheduler's runs look up.
    pub rescan_mode: Option<RescanMode>,
    /// Days between two re-checks of a running series.
    pub ongoing_recheck_days: Option<u32>,
    /// Days between two re-checks of an ended series.
    pub ended_recheck_days: Option<u32>,
    /// Most re-checks in one changed rescan.
    pub max_rechecks_per_run: Option<u32>,
    /// Catch up once on a run missed while the service was down.
    pub catch_up: Option<bool>,
}

impl SchedulerPatch {
    /// `current` with the settings of this patch (not validated).
    pub fn applied_to(self, current: &SchedulerConfig) -> SchedulerConfig {
        let c = current.clone();
        SchedulerConfig {
            enabled: self.enabled.unwrap_or(c.enabled),
            interval_minutes: self.interval_minutes.unwrap_or(c.interval_minutes),
            schedule_time: self.schedule_time.unwrap_or(c.schedule_time),
            schedule_days: self.schedule_days.unwrap_or(c.schedule_days),
            auto_download_after_rescan: self
                .auto_download_after_rescan
                .unwrap_or(c.auto_download_after_rescan),
            timezone: self.timezone.unwrap_or(c.timezone),
            rescan_mode: self.rescan_mode.unwrap_or(c.rescan_mode),
            ongoing_recheck_days: self.ongoing_recheck_days.unwrap_or(c.ongoing_recheck_days),
            ended_recheck_days: self.ended_recheck_days.unwrap_or(c.ended_recheck_days),
            max_rechecks_per_run: self.max_rechecks_per_run.unwrap_or(c.max_rechecks_per_run),
            catch_up: self.catch_up.unwrap_or(c.catch_up),
        }
    }
}

/// The scheduler's configuration and state.
#[derive(Debug, Clone)]
pub struct SchedulerView {
    /// The `scheduler` section in force.
    pub config: SchedulerConfig,
    /// Running, next and last run, the last outcome.
    pub status: SchedulerStatus,
}

/// The rescan scheduler as the front ends use it.
pub struct SchedulerService {
    scheduler: Scheduler,
    config: Arc<ConfigService>,
    library: Arc<LibraryService>,
}

impl std::fmt::Debug for SchedulerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerService")
            .field("scheduler", &self.scheduler)
            .finish_non_exhaustive()
    }
}

impl SchedulerService {
    /// Starts the runner with the `scheduler` section of `config`, its job scanning through
    /// `library` and queueing into `queue`; a changed section is applied before the change that
    /// made it returns. A run missed while the service was down is caught up `catch_up_delay`
    /// after the start (`scheduler.catch_up`).
    pub fn start(
        config: Arc<ConfigService>,
        store: &Store,
        library: Arc<LibraryService>,
        queue: QueueEngine,
        catch_up_delay: std::time::Duration,
    ) -> Result<Self, StartError> {
        let job = Arc::new(LibraryJob {
            library: library.clone(),
            queue,
            config: config.clone(),
        });
        let scheduler = Scheduler::start(
            config.current().scheduler.clone(),
            job,
            Arc::new(store.clone()),
            Arc::new(SystemClock),
            SchedulerOptions {
                catch_up_delay,
                ..SchedulerOptions::default()
            },
        )
        .map_err(StartError::Scheduler)?;
        let watched = scheduler.clone();
        config.on_change(move |next| {
            let next = next.scheduler.clone();
            if watched.config() != next
                && let Err(issues) = watched.update_config(next)
            {
                log::error!("scheduler configuration not applied: {issues:?}");
            }
        });
        Ok(Self {
            scheduler,
            config,
            library,
        })
    }

    /// The configuration in force and the state.
    pub fn view(&self) -> SchedulerView {
        SchedulerView {
            config: self.scheduler.config(),
            status: self.scheduler.status(),
        }
    }

    /// Applies a partial update of the `scheduler` section, stores it in config.json and
    /// reschedules. Refused, naming the field, when the section it makes is not valid.
    pub fn update(&self, patch: SchedulerPatch) -> Result<SchedulerView, ServiceError> {
        let merged = patch.applied_to(&self.config.current().scheduler);
        let issues = merged.validate("");
        if !issues.is_empty() {
            return Err(ServiceError::InvalidSettings(issues));
        }
        let saved = self.config.modify(|c| c.scheduler = merged)?;
        if self.scheduler.config() != saved.scheduler {
            self.scheduler
                .update_config(saved.scheduler.clone())
                .map_err(ServiceError::InvalidSettings)?;
        }
        log::info!("scheduler configuration updated");
        Ok(self.view())
    }

    /// Starts a run now (scan, then queue when `auto_download_after_rescan` is on); refused
    /// without a usable anime folder or catalogue, or while a scan runs.
    pub fn trigger(&self) -> Result<(), ServiceError> {
        let anime_dir = self.library.anime_dir()?;
        aniworld_library::walk::check_anime_dir(&anime_dir)?;
        self.library.catalogue().get()?;
        self.scheduler.trigger()?;
        log::info!("rescan triggered");
        Ok(())
    }

    /// Stops the runner (a running scan finishes its current series).
    pub fn shutdown(&self) {
        self.scheduler.shutdown();
    }
}
