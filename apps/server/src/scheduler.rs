//! Wiring of the rescan scheduler: the runner of `aniworld-library` with a job that scans through
//! the anime service's scan coordinator and queues what is missing, its configuration kept in
//! step with config.json, and the JSON shapes of api.md section 7.
//!
//! The runner decides when to run; the scan coordinator guarantees one scan at a time; the queue
//! engine decides what "not already queued" means. This module only plugs them together.

use std::sync::Arc;

use aniworld_core::Priority;
use aniworld_core::ValidationIssue;
use aniworld_core::config::{SchedulerConfig, unknown_keys};
use aniworld_library::scheduler::{RescanJob, RunOutcome, RunRecord, SystemClock};
use aniworld_library::{LibraryError, Scheduler, SchedulerOptions, SchedulerStatus};
use aniworld_queue::engine::QueueEngine;
use aniworld_store::Store;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::anime_service::AnimeService;
use crate::config_service::ConfigService;
use crate::error::ApiError;

/// A scheduler run: a library scan in the configured `scheduler.rescan_mode` (changed by
/// default), then (with auto download) every missing episode that is not already queued goes
/// into the queue and the queue starts.
struct LibraryJob {
    anime: Arc<AnimeService>,
    queue: QueueEngine,
    config: Arc<ConfigService>,
}

impl RescanJob for LibraryJob {
    fn scan_in_progress(&self) -> bool {
        self.anime.coordinator().scan_in_progress()
    }

    fn run(&self, auto_download: bool) -> RunOutcome {
        let mode = self.config.current().scheduler.rescan_mode;
        let report = match self.anime.scan_now(mode) {
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

/// Why the scheduler could not be started.
#[derive(Debug, thiserror::Error)]
#[error("scheduler: {0}")]
pub struct SchedulerStartError(#[from] LibraryError);

/// The scheduler as the endpoints see it; share it behind an `Arc`.
pub struct SchedulerService {
    scheduler: Scheduler,
    config: Arc<ConfigService>,
    anime: Arc<AnimeService>,
}

impl std::fmt::Debug for SchedulerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerService")
            .field("scheduler", &self.scheduler)
            .finish_non_exhaustive()
    }
}

impl SchedulerService {
    /// Starts the runner with the current configuration and the state persisted in `store`,
    /// and applies later configuration changes (`PUT /api/config`, a restored backup) at once.
    /// Must be called inside the actix/tokio runtime (it spawns the configuration watcher).
    pub fn start(
        config: Arc<ConfigService>,
        store: &Store,
        anime: Arc<AnimeService>,
        queue: QueueEngine,
    ) -> Result<Self, SchedulerStartError> {
        let job = Arc::new(LibraryJob {
            anime: anime.clone(),
            queue,
            config: config.clone(),
        });
        let scheduler = Scheduler::start(
            config.current().scheduler.clone(),
            job,
            Arc::new(store.clone()),
            Arc::new(SystemClock),
            SchedulerOptions::default(),
        )?;
        let mut changes = config.subscribe();
        let watched = scheduler.clone();
        actix_web::rt::spawn(async move {
            while changes.changed().await.is_ok() {
                let next = changes.borrow_and_update().scheduler.clone();
                let runner = watched.clone();
                let applied = actix_web::web::block(move || {
                    if runner.config() != next {
                        runner.update_config(next)
                    } else {
                        Ok(())
                    }
                })
                .await;
                if let Ok(Err(issues)) = applied {
                    log::error!("scheduler configuration not applied: {issues:?}");
                }
            }
        });
        Ok(Self {
            scheduler,
            config,
            anime,
        })
    }

    /// `{success, config, status}` of api.md section 7.
    pub fn view(&self) -> Value {
        envelope(&self.scheduler.config(), &self.scheduler.status())
    }

    /// Merges `patch` (fields not sent keep their values; `schedule_time: null` switches to
    /// interval mode) into the scheduler settings, validates, saves config.json atomically and
    /// applies the result at once. 422 names the offending field.
    pub fn update(&self, patch: &Value) -> Result<Value, ApiError> {
        let merged = merge(&self.config.current().scheduler, patch)?;
        let issues = merged.validate("");
        if !issues.is_empty() {
            return Err(ApiError::from_issues(&issues));
        }
        let saved = self.config.modify(|c| c.scheduler = merged)?;
        self.scheduler
            .update_config(saved.scheduler.clone())
            .map_err(|issues| ApiError::from_issues(&issues))?;
        log::info!("scheduler configuration updated");
        Ok(self.view())
    }

    /// Starts a run now. 503 while the library is not ready (no anime directory, or it is
    /// missing), 409 while a scan runs.
    pub fn trigger(&self) -> Result<(), ApiError> {
        let anime_dir = self.anime.anime_dir()?;
        aniworld_library::walk::check_anime_dir(&anime_dir)?;
        self.anime.catalogue().get()?;
        self.scheduler.trigger()?;
        log::info!("rescan triggered");
        Ok(())
    }

    /// Stops the runner (a run in progress finishes first).
    pub fn shutdown(&self) {
        self.scheduler.shutdown();
    }
}

/// `current` with the fields of `patch` replaced; a field of the wrong type, or a key that is
/// no scheduler setting (a typo), is a 422 naming it.
fn merge(current: &SchedulerConfig, patch: &Value) -> Result<SchedulerConfig, ApiError> {
    let Some(fields) = patch.as_object() else {
        return Err(ApiError::validation(
            "body",
            "the scheduler configuration must be a JSON object",
        ));
    };
    let unknown: Vec<ValidationIssue> = unknown_keys::<SchedulerConfig>(patch)
        .into_iter()
        .map(|k| ValidationIssue::new(k, "unknown key: no such setting"))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::from_issues(&unknown));
    }
    let mut merged = match serde_json::to_value(current) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (field, value) in fields {
        let mut one = merged.clone();
        one.insert(field.clone(), value.clone());
        if let Err(e) = serde_json::from_value::<SchedulerConfig>(Value::Object(one)) {
            return Err(ApiError::validation(field, e.to_string()));
        }
        merged.insert(field.clone(), value.clone());
    }
    serde_json::from_value(Value::Object(merged))
        .map_err(|e| ApiError::validation("body", e.to_string()))
}

/// A time as api.md writes it (`2025-07-15T03:00:00+00:00`).
fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, false))
    })
}

fn record_json(r: &RunRecord) -> Value {
    json!({
        "trigger": r.trigger,
        "started_at": time(Some(r.started_at)),
        "finished_at": time(Some(r.finished_at)),
        "series_scanned": r.outcome.series_scanned,
        "missing_found": r.outcome.missing_found,
        "episodes_queued": r.outcome.episodes_queued,
        "error": r.outcome.error,
        "mode": r.outcome.mode.map(|m| m.as_str()),
        "skipped": r.outcome.skipped,
    })
}

/// The envelope of `GET/POST /api/scheduler/config`.
fn envelope(config: &SchedulerConfig, status: &SchedulerStatus) -> Value {
    json!({
        "success": true,
        "config": config,
        "status": {
            "is_running": status.is_running,
            "next_run": time(status.next_run),
            "last_run": time(status.last_run),
            "scan_in_progress": status.scan_in_progress,
            "last_outcome": status.last_outcome.as_ref().map(record_json),
            "missed_run": time(status.missed_run),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_unsent_fields_and_names_mistyped_ones() {
        let current = SchedulerConfig::default();
        let merged = merge(&current, &json!({ "schedule_time": "06:30" })).unwrap();
        assert_eq!(merged.schedule_time.as_deref(), Some("06:30"));
        assert_eq!(merged.schedule_days, current.schedule_days);
        let interval = merge(&current, &json!({ "schedule_time": null })).unwrap();
        assert_eq!(interval.schedule_time, None);
        for (field, value) in [
            ("interval_minutes", json!(-5)),
            ("enabled", json!("yes")),
            ("schedule_days", json!("mon")),
            ("schedule_tme", json!("06:30")),
        ] {
            let err = merge(&current, &json!({ field: value })).unwrap_err();
            match err {
                ApiError::Validation { details, .. } => {
                    assert!(details.get(field).is_some(), "{field}: {details}")
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn times_are_written_like_api_md() {
        let t = DateTime::parse_from_rfc3339("2025-07-15T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(time(Some(t)), json!("2025-07-15T03:00:00+00:00"));
        assert_eq!(time(None), Value::Null);
    }
}
