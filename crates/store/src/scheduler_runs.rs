//! The rescan scheduler's run history on the `scheduler_runs` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::Store;
use crate::convert::{to_i32, to_u32};
use crate::error::StoreError;
use crate::schema::scheduler_runs;
use crate::time;

/// One recorded rescan run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerRun {
    /// Row id, as returned by [`Store::record_run_start`].
    pub id: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished; None while running (or if the process died during the run).
    pub finished_at: Option<DateTime<Utc>>,
    /// What started it, e.g. `schedule` or `manual`.
    pub trigger: String,
    /// Series looked up on the catalogue.
    pub series_scanned: u32,
    /// Missing episodes found.
    pub missing_found: u32,
    /// Episodes added to the download queue.
    pub episodes_queued: u32,
    /// Why the run failed, if it did.
    pub error: Option<String>,
}

/// The outcome of a run, written when it finishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Series looked up on the catalogue.
    pub series_scanned: u32,
    /// Missing episodes found.
    pub missing_found: u32,
    /// Episodes added to the download queue.
    pub episodes_queued: u32,
    /// Why the run failed, if it did.
    pub error: Option<String>,
}

/// A row of `scheduler_runs`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = scheduler_runs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
struct RunRow {
    id: i32,
    started_at: String,
    finished_at: Option<String>,
    trigger: String,
    series_scanned: i32,
    missing_found: i32,
    episodes_queued: i32,
    error: Option<String>,
}

impl RunRow {
    /// The domain form of this row.
    fn into_run(self) -> Result<SchedulerRun, StoreError> {
        let id = self.id;
        let what = |field: &str| format!("scheduler_runs.{field} of run {id}");
        Ok(SchedulerRun {
            id: i64::from(id),
            started_at: time::from_text(&self.started_at, || what("started_at"))?,
            finished_at: time::opt_from_text(self.finished_at.as_deref(), || what("finished_at"))?,
            trigger: self.trigger,
            series_scanned: to_u32(self.series_scanned, || what("series_scanned"))?,
            missing_found: to_u32(self.missing_found, || what("missing_found"))?,
            episodes_queued: to_u32(self.episodes_queued, || what("episodes_queued"))?,
            error: self.error,
        })
    }
}

/// Inserts a started run and returns its id (call inside a transaction).
fn start(
    conn: &mut SqliteConnection,
    trigger: &str,
    started_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let what = format!("recording the start of a {trigger:?} scheduler run");
    diesel::insert_into(scheduler_runs::table)
        .values((
            scheduler_runs::started_at.eq(time::to_text(started_at)),
            scheduler_runs::trigger.eq(trigger),
        ))
        .execute(conn)
        .map_err(StoreError::query(what.clone()))?;
    let id: i32 = scheduler_runs::table
        .select(diesel::dsl::max(scheduler_runs::id))
        .first::<Option<i32>>(conn)
        .map_err(StoreError::query(what.clone()))?
        .ok_or_else(|| StoreError::NotFound(format!("the row inserted while {what}")))?;
    Ok(i64::from(id))
}

/// Writes the outcome of run `id`.
fn finish(conn: &mut SqliteConnection, id: i64, outcome: &RunOutcome) -> Result<(), StoreError> {
    let what = |field: &str| format!("scheduler_runs.{field} of run {id}");
    let row_id =
        i32::try_from(id).map_err(|_| StoreError::NotFound(format!("scheduler run {id}")))?;
    let n = diesel::update(scheduler_runs::table.find(row_id))
        .set((
            scheduler_runs::finished_at.eq(Some(time::to_text(outcome.finished_at))),
            scheduler_runs::series_scanned
                .eq(to_i32(outcome.series_scanned, || what("series_scanned"))?),
            scheduler_runs::missing_found
                .eq(to_i32(outcome.missing_found, || what("missing_found"))?),
            scheduler_runs::episodes_queued
                .eq(to_i32(outcome.episodes_queued, || what("episodes_queued"))?),
            scheduler_runs::error.eq(outcome.error.as_deref()),
        ))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "recording the end of scheduler run {id}"
        )))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("scheduler run {id}")));
    }
    Ok(())
}

/// The newest runs first, at most `limit`; only finished ones when `finished_only`.
fn recent(
    conn: &mut SqliteConnection,
    limit: i64,
    finished_only: bool,
) -> Result<Vec<SchedulerRun>, StoreError> {
    let mut query = scheduler_runs::table
        .order((scheduler_runs::started_at.desc(), scheduler_runs::id.desc()))
        .limit(limit)
        .select(RunRow::as_select())
        .into_boxed();
    if finished_only {
        query = query.filter(scheduler_runs::finished_at.is_not_null());
    }
    let rows: Vec<RunRow> = query
        .load(conn)
        .map_err(StoreError::query("reading the scheduler run history"))?;
    rows.into_iter().map(RunRow::into_run).collect()
}

/// Closes runs that never finished (the process stopped during them).
fn close_unfinished(
    conn: &mut SqliteConnection,
    at: DateTime<Utc>,
    error: &str,
) -> Result<usize, StoreError> {
    diesel::update(scheduler_runs::table.filter(scheduler_runs::finished_at.is_null()))
        .set((
            scheduler_runs::finished_at.eq(Some(time::to_text(at))),
            scheduler_runs::error.eq(Some(error)),
        ))
        .execute(conn)
        .map_err(StoreError::query("closing unfinished scheduler runs"))
}

impl Store {
    /// Records that a run started (`trigger` says why, e.g. `schedule` or `manual`); returns
    /// the run's id for [`Store::record_run_finish`].
    pub fn record_run_start(
        &self,
        trigger: &str,
        started_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.transaction("recording a scheduler run", |c| {
            start(c, trigger, started_at)
        })
    }

    /// Records how run `id` ended; `NotFound` for an unknown id.
    pub fn record_run_finish(&self, id: i64, outcome: &RunOutcome) -> Result<(), StoreError> {
        self.with_conn("finishing a scheduler run", |c| finish(c, id, outcome))
    }

    /// The most recently started run, finished or not.
    pub fn last_run(&self) -> Result<Option<SchedulerRun>, StoreError> {
        let mut runs = self.with_conn("reading the last scheduler run", |c| recent(c, 1, false))?;
        Ok(runs.pop())
    }

    /// The most recently started run that has finished.
    pub fn last_finished_run(&self) -> Result<Option<SchedulerRun>, StoreError> {
        let mut runs = self.with_conn("reading the last finished scheduler run", |c| {
            recent(c, 1, true)
        })?;
        Ok(runs.pop())
    }

    /// Up to `limit` runs, newest first.
    pub fn recent_runs(&self, limit: u32) -> Result<Vec<SchedulerRun>, StoreError> {
        self.with_conn("reading the scheduler run history", |c| {
            recent(c, i64::from(limit), false)
        })
    }

    /// Marks every unfinished run as finished at `at` with `error` (call at start-up: a run
    /// still open then was cut short). Returns how many were closed.
    pub fn close_unfinished_runs(
        &self,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<usize, StoreError> {
        self.with_conn("closing unfinished scheduler runs", |c| {
            close_unfinished(c, at, error)
        })
    }
}
