//! The scheduler's state in the settings store, so it survives a restart.
//!
//! Keys: `scheduler.last_run` and `scheduler.next_run` (RFC 3339; `next_run` is deleted while
//! nothing is planned), `scheduler.last_outcome` (the [`RunRecord`] as JSON) and
//! `scheduler.last_missed` (the latest firing time that passed while the service was down).
//! An unreadable value is logged and treated as absent.

use std::sync::Arc;

use aniworld_core::ports::{RepoError, SettingsRepo};
use chrono::{DateTime, Utc};

use super::job::RunRecord;

/// Settings key of the start time of the last run.
pub const LAST_RUN_KEY: &str = "scheduler.last_run";
/// Settings key of the planned next run.
pub const NEXT_RUN_KEY: &str = "scheduler.next_run";
/// Settings key of the record of the last run (JSON).
pub const LAST_OUTCOME_KEY: &str = "scheduler.last_outcome";
/// Settings key of the latest run that was missed while the service was down.
pub const LAST_MISSED_KEY: &str = "scheduler.last_missed";

/// What was persisted before this start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Persisted {
    pub last_run: Option<DateTime<Utc>>,
    pub next_run: Option<DateTime<Utc>>,
    pub last_outcome: Option<RunRecord>,
    pub last_missed: Option<DateTime<Utc>>,
}

/// Reads and writes the scheduler keys.
#[derive(Clone)]
pub(crate) struct Store {
    settings: Arc<dyn SettingsRepo>,
}

impl Store {
    pub fn new(settings: Arc<dyn SettingsRepo>) -> Self {
        Self { settings }
    }

    /// Everything persisted; fails only when the settings cannot be read at all.
    pub fn load(&self) -> Result<Persisted, RepoError> {
        Ok(Persisted {
            last_run: self.time(LAST_RUN_KEY)?,
            next_run: self.time(NEXT_RUN_KEY)?,
            last_missed: self.time(LAST_MISSED_KEY)?,
            last_outcome: self
                .settings
                .get_setting(LAST_OUTCOME_KEY)?
                .and_then(|raw| {
                    serde_json::from_str(&raw)
                        .inspect_err(|e| log::warn!("ignoring unreadable {LAST_OUTCOME_KEY}: {e}"))
                        .ok()
                }),
        })
    }

    fn time(&self, key: &str) -> Result<Option<DateTime<Utc>>, RepoError> {
        Ok(self.settings.get_setting(key)?.and_then(|raw| {
            DateTime::parse_from_rfc3339(&raw)
                .inspect_err(|e| log::warn!("ignoring unreadable {key} {raw:?}: {e}"))
                .ok()
                .map(|t| t.with_timezone(&Utc))
        }))
    }

    /// Saves a time, or deletes the key for None. Failures are logged: the scheduler keeps
    /// working from memory.
    pub fn save_time(&self, key: &str, value: Option<DateTime<Utc>>) {
        let result = match value {
            Some(t) => self.settings.set_setting(key, &t.to_rfc3339()),
            None => self.settings.delete_setting(key),
        };
        if let Err(e) = result {
            log::error!("could not save {key}: {e}");
        }
    }

    /// Saves the record of a finished run.
    pub fn save_outcome(&self, record: &RunRecord) {
        let saved = serde_json::to_string(record)
            .map_err(|e| e.to_string())
            .and_then(|json| {
                self.settings
                    .set_setting(LAST_OUTCOME_KEY, &json)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = saved {
            log::error!("could not save {LAST_OUTCOME_KEY}: {e}");
        }
    }
}
