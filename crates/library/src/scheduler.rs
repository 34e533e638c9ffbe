//! The scheduler's runner: rescans the library when the plan says so, or when asked.
//!
//! [`Scheduler`] owns one named std thread. It sleeps on a condition variable until the plan's
//! next firing time ([`SchedulePlan`] from `aniworld-core`), so [`Scheduler::update_config`] and
//! [`Scheduler::shutdown`] take effect at once; sleeps are capped (`max_sleep`) so a wall clock
//! that jumps is noticed. A due run calls the [`RescanJob`] the application provides (rescan,
//! then queue what is missing when `auto_download_after_rescan` is on); [`Scheduler::trigger`]
//! runs it now on a separate thread. Runs never overlap each other or another scan: a firing time
//! that comes while a scan runs is skipped (and logged), and a trigger is refused with
//! [`LibraryError::ScanInProgress`].
//!
//! State survives a restart through [`SettingsRepo`] (see [`persist`]): the start time and
//! outcome of the last run, and the planned next run. A planned run whose time passed while the
//! service was down is logged as missed and not run; the next one is planned from now, so no
//! firing time is ever run twice.

mod clock;
mod job;
pub mod persist;
#[cfg(test)]
mod tests;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use aniworld_core::config::{SchedulerConfig, ValidationIssue};
use aniworld_core::ports::SettingsRepo;
use aniworld_core::schedule::SchedulePlan;
use chrono::{DateTime, Utc};

pub use clock::{Clock, SystemClock};
pub use job::{RescanJob, RunOutcome, RunRecord, RunTrigger};

use crate::error::LibraryError;
use persist::{LAST_MISSED_KEY, LAST_RUN_KEY, NEXT_RUN_KEY, Store};

/// Tuning of the runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerOptions {
    /// The longest the thread sleeps before looking at the clock again.
    pub max_sleep: Duration,
    /// How long after the start a run missed while the service was down is caught up
    /// (`scheduler.catch_up`), so the start itself is not slowed by a rescan.
    pub catch_up_delay: Duration,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        Self {
            max_sleep: Duration::from_secs(30),
            catch_up_delay: Duration::from_secs(30),
        }
    }
}

/// What the scheduler reports (api.md section 7 `status`, plus the last outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerStatus {
    /// The scheduler is enabled and its thread is alive.
    pub is_running: bool,
    /// The next planned run; None while disabled.
    pub next_run: Option<DateTime<Utc>>,
    /// When the last run (scheduled or triggered) started.
    pub last_run: Option<DateTime<Utc>>,
    /// A scan is running now (a run of the scheduler or any other scan).
    pub scan_in_progress: bool,
    /// The record of the last finished run.
    pub last_outcome: Option<RunRecord>,
    /// The latest planned run that passed while the service was down (and was not run).
    pub missed_run: Option<DateTime<Utc>>,
}

/// Mutable state, behind one lock.
struct State {
    config: SchedulerConfig,
    plan: SchedulePlan,
    next_run: Option<DateTime<Utc>>,
    last_run: Option<DateTime<Utc>>,
    last_outcome: Option<RunRecord>,
    missed_run: Option<DateTime<Utc>>,
    /// A run of this scheduler is in progress.
    running: bool,
    shutdown: bool,
}

struct Inner {
    job: Arc<dyn RescanJob>,
    store: Store,
    clock: Arc<dyn Clock>,
    options: SchedulerOptions,
    state: Mutex<State>,
    /// Woken on config changes, finished runs and shutdown.
    wake: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// The running scheduler. Cheap to clone; clones drive the same thread.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// The plan of `config`, or a disabled plan (logged) when the configuration cannot be planned.
fn plan_or_disabled(config: &SchedulerConfig) -> SchedulePlan {
    SchedulePlan::from_config(config).unwrap_or_else(|issues| {
        log::error!("scheduler disabled, its configuration is invalid: {issues:?}");
        SchedulePlan::from_config(&SchedulerConfig {
            enabled: false,
            timezone: None,
            ..SchedulerConfig::default()
        })
        .expect("a disabled default plan is valid")
    })
}

impl Scheduler {
    /// Loads the persisted state, logs a run missed while the service was down (and, with
    /// `catch_up`, plans it once, [`SchedulerOptions::catch_up_delay`] after the start, however
    /// many runs were missed), plans the next run from now and starts the thread. Fails when the settings cannot be read or the thread
    /// cannot be started.
    pub fn start(
        config: SchedulerConfig,
        job: Arc<dyn RescanJob>,
        settings: Arc<dyn SettingsRepo>,
        clock: Arc<dyn Clock>,
        options: SchedulerOptions,
    ) -> Result<Self, LibraryError> {
        let store = Store::new(settings);
        let saved = store.load()?;
        let now = clock.now();
        let plan = plan_or_disabled(&config);
        let mut missed_run = saved.last_missed;
        // A planned time that passed with no run started at or after it was missed (a run cut
        // short by a crash started after its time and is not reported).
        let missed = saved
            .next_run
            .filter(|t| *t <= now && saved.last_run.is_none_or(|last| last < *t));
        let planned_next = plan.next_after(now, saved.last_run);
        let mut next_run = planned_next;
        if let Some(planned) = missed {
            missed_run = Some(planned);
            store.save_time(LAST_MISSED_KEY, missed_run);
            let catch_up = chrono::Duration::from_std(options.catch_up_delay)
                .ok()
                .map(|delay| now + delay);
            match (config.catch_up, planned_next, catch_up) {
                (true, Some(next), Some(at)) => {
                    next_run = Some(next.min(at));
                    log::warn!(
                        "the scheduled rescan planned for {planned} was missed while the service \
                         was down; it is caught up once at {} (scheduler.catch_up)",
                        next.min(at)
                    );
                }
                _ => log::warn!(
                    "the scheduled rescan planned for {planned} was missed while the service was \
                     down; it is not run now"
                ),
            }
        }
        store.save_time(NEXT_RUN_KEY, next_run);
        match next_run {
            Some(t) => log::info!("scheduler started; next rescan at {t}"),
            None => log::info!("scheduler started; no rescan planned"),
        }
        let inner = Arc::new(Inner {
            job,
            store,
            clock,
            options,
            state: Mutex::new(State {
                config,
                plan,
                next_run,
                last_run: saved.last_run,
                last_outcome: saved.last_outcome,
                missed_run,
                running: false,
                shutdown: false,
            }),
            wake: Condvar::new(),
            thread: Mutex::new(None),
        });
        let runner = Arc::clone(&inner);
        let handle = std::thread::Builder::new()
            .name("scheduler".into())
            .spawn(move || runner.main_loop())
            .map_err(|e| LibraryError::io("start the scheduler thread", PathBuf::new(), e))?;
        *inner.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(Self { inner })
    }

    /// Applies a new configuration at once: validates it, replans from now and wakes the thread.
    /// Nothing changes when it is invalid.
    pub fn update_config(&self, config: SchedulerConfig) -> Result<(), Vec<ValidationIssue>> {
        let plan = SchedulePlan::from_config(&config)?;
        let now = self.inner.clock.now();
        let mut st = self.inner.lock();
        st.next_run = plan.next_after(now, st.last_run);
        st.plan = plan;
        st.config = config;
        self.inner.store.save_time(NEXT_RUN_KEY, st.next_run);
        log::info!(
            "scheduler configuration applied; next rescan at {:?}",
            st.next_run
        );
        drop(st);
        self.inner.wake.notify_all();
        Ok(())
    }

    /// The configuration in effect.
    pub fn config(&self) -> SchedulerConfig {
        self.inner.lock().config.clone()
    }

    /// Starts a run now on a new thread and returns at once. Refused with
    /// [`LibraryError::ScanInProgress`] while a run or any other scan is in progress.
    pub fn trigger(&self) -> Result<(), LibraryError> {
        let mut st = self.inner.lock();
        if st.running || self.inner.job.scan_in_progress() {
            return Err(LibraryError::ScanInProgress);
        }
        st.running = true;
        drop(st);
        let runner = Arc::clone(&self.inner);
        let spawned = std::thread::Builder::new()
            .name("scheduler-run".into())
            .spawn(move || runner.execute(RunTrigger::Manual, None));
        if let Err(e) = spawned {
            self.inner.lock().running = false;
            return Err(LibraryError::io("start a rescan thread", PathBuf::new(), e));
        }
        Ok(())
    }

    /// The current status.
    pub fn status(&self) -> SchedulerStatus {
        let alive = self
            .inner
            .thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|h| !h.is_finished());
        let now = self.inner.clock.now();
        let st = self.inner.lock();
        // A firing time that has come is being started right now (the thread wakes at it); the
        // run moves `next_run` on as it starts, so report the firing time after it already.
        let next_run = match st.next_run {
            Some(t) if t <= now => st.plan.next_after(now, st.last_run),
            planned => planned,
        };
        SchedulerStatus {
            is_running: st.config.enabled && alive && !st.shutdown,
            next_run: if st.config.enabled { next_run } else { None },
            last_run: st.last_run,
            scan_in_progress: st.running || self.inner.job.scan_in_progress(),
            last_outcome: st.last_outcome.clone(),
            missed_run: st.missed_run,
        }
    }

    /// Stops the thread and waits for it (a run in progress is finished first). Idempotent.
    pub fn shutdown(&self) {
        self.inner.lock().shutdown = true;
        self.inner.wake.notify_all();
        let handle = self
            .inner
            .thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            log::error!("the scheduler thread panicked");
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sleeps until the next firing time, runs, repeats; ends on shutdown.
    fn main_loop(self: Arc<Self>) {
        let mut st = self.lock();
        while !st.shutdown {
            let now = self.clock.now();
            match st.next_run {
                Some(due) if due <= now => {
                    if st.running || self.job.scan_in_progress() {
                        log::info!("scheduled rescan at {due} skipped: a scan is in progress");
                        st.next_run = st.plan.next_after(now.max(due), st.last_run);
                        self.store.save_time(NEXT_RUN_KEY, st.next_run);
                        continue;
                    }
                    st.running = true;
                    drop(st);
                    self.execute(RunTrigger::Scheduled, Some(due));
                    st = self.lock();
                }
                next => {
                    let wait = next
                        .map(|t| self.clock.real_duration(t - now))
                        .unwrap_or(self.options.max_sleep)
                        .min(self.options.max_sleep);
                    st = self
                        .wake
                        .wait_timeout(st, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        log::info!("scheduler stopped");
    }

    /// Runs the job once (the caller has set `running`): plans the next run as it starts (so
    /// `next_run` is never a time that has passed), records the outcome and plans again after
    /// both the end of the run and `due` (a firing time that passed during a long run is skipped).
    fn execute(&self, trigger: RunTrigger, due: Option<DateTime<Utc>>) {
        let started_at = self.clock.now();
        let auto_download = {
            let mut st = self.lock();
            st.last_run = Some(started_at);
            let after = due.map_or(started_at, |d| d.max(started_at));
            st.next_run = st.plan.next_after(after, st.last_run);
            self.store.save_time(NEXT_RUN_KEY, st.next_run);
            st.config.auto_download_after_rescan
        };
        // Saved before running, so a crash during the run does not run it again.
        self.store.save_time(LAST_RUN_KEY, Some(started_at));
        log::info!("{trigger:?} rescan started (auto download: {auto_download})");
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.job.run(auto_download)))
            .unwrap_or_else(|_| RunOutcome {
                error: Some("the rescan job panicked".into()),
                ..RunOutcome::default()
            });
        let finished_at = self.clock.now();
        match &outcome.error {
            None => log::info!(
                "rescan finished: {} series scanned, {} missing, {} queued",
                outcome.series_scanned,
                outcome.missing_found,
                outcome.episodes_queued
            ),
            Some(e) => log::warn!("rescan ended with an error: {e}"),
        }
        let record = RunRecord {
            trigger,
            started_at,
            finished_at,
            outcome,
        };
        self.store.save_outcome(&record);
        let mut st = self.lock();
        st.running = false;
        st.last_outcome = Some(record);
        let after = due.map_or(finished_at, |d| d.max(finished_at));
        st.next_run = st.plan.next_after(after, st.last_run);
        self.store.save_time(NEXT_RUN_KEY, st.next_run);
        drop(st);
        self.wake.notify_all();
    }
}
