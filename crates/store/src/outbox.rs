//! [`OutboxRepo`] on the `notification_outbox` table: every notification for every target is a
//! row before anything is sent; the notifier's worker reads the pending rows and records each
//! try, so a restart delivers what was still pending.

use std::collections::BTreeMap;

use aniworld_core::ports::{OutboxEntry, OutboxRepo, OutboxStatus, RepoError, TargetDeliveries};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::Store;
use crate::error::StoreError;
use crate::schema::notification_outbox as outbox;
use crate::time;

/// A row of `notification_outbox`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = outbox)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
struct OutboxRow {
    id: i32,
    target: String,
    event: String,
    payload: String,
    created_at: String,
    status: String,
    attempts: i32,
    next_attempt_at: String,
    held: bool,
    last_attempt_at: Option<String>,
    last_error: Option<String>,
    finished_at: Option<String>,
}

impl OutboxRow {
    fn into_entry(self) -> Result<OutboxEntry, StoreError> {
        let id = self.id;
        let what = |field: &str| format!("notification_outbox.{field} of row {id}");
        let status = OutboxStatus::parse(&self.status).ok_or_else(|| {
            StoreError::value(
                what("status"),
                format!("{:?} is not an outbox status", self.status),
            )
        })?;
        Ok(OutboxEntry {
            id: i64::from(self.id),
            target: self.target,
            event: self.event,
            payload: self.payload,
            created_at: time::from_text(&self.created_at, || what("created_at"))?,
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            next_attempt_at: time::from_text(&self.next_attempt_at, || what("next_attempt_at"))?,
            held: self.held,
            last_attempt_at: time::opt_from_text(self.last_attempt_at.as_deref(), || {
                what("last_attempt_at")
            })?,
            last_error: self.last_error,
            finished_at: time::opt_from_text(self.finished_at.as_deref(), || what("finished_at"))?,
        })
    }
}

/// The row id of an entry id.
fn row_id(id: i64) -> Result<i32, StoreError> {
    i32::try_from(id).map_err(|_| StoreError::value("notification_outbox.id", format!("{id}")))
}

/// Inserts one entry and returns its id.
fn insert(c: &mut SqliteConnection, e: &OutboxEntry) -> Result<i64, StoreError> {
    let what = format!(
        "adding a {} notification for target {:?}",
        e.event, e.target
    );
    diesel::insert_into(outbox::table)
        .values((
            outbox::target.eq(&e.target),
            outbox::event.eq(&e.event),
            outbox::payload.eq(&e.payload),
            outbox::created_at.eq(time::to_text(e.created_at)),
            outbox::status.eq(e.status.as_str()),
            outbox::attempts.eq(i32::try_from(e.attempts).unwrap_or(i32::MAX)),
            outbox::next_attempt_at.eq(time::to_text(e.next_attempt_at)),
            outbox::held.eq(e.held),
            outbox::last_attempt_at.eq(time::opt_to_text(e.last_attempt_at)),
            outbox::last_error.eq(e.last_error.as_deref()),
            outbox::finished_at.eq(time::opt_to_text(e.finished_at)),
        ))
        .execute(c)
        .map_err(StoreError::query(what.clone()))?;
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "last_insert_rowid()",
    ))
    .get_result(c)
    .map_err(StoreError::query(what))
}

impl OutboxRepo for Store {
    fn add_outbox_entries(&self, entries: &[OutboxEntry]) -> Result<Vec<i64>, RepoError> {
        Ok(self.transaction("adding notifications", |c| {
            entries.iter().map(|e| insert(c, e)).collect()
        })?)
    }

    fn pending_outbox_entries(&self) -> Result<Vec<OutboxEntry>, RepoError> {
        let what = "reading the pending notifications";
        let rows = self.with_conn(what, |c| {
            outbox::table
                .filter(outbox::status.eq(OutboxStatus::Pending.as_str()))
                .order(outbox::id.asc())
                .select(OutboxRow::as_select())
                .load(c)
                .map_err(StoreError::query(what))
        })?;
        Ok(rows
            .into_iter()
            .map(OutboxRow::into_entry)
            .collect::<Result<_, _>>()?)
    }

    fn save_outbox_entry(&self, e: &OutboxEntry) -> Result<(), RepoError> {
        let what = format!("saving notification {}", e.id);
        self.with_conn(&what, |c| {
            let n = diesel::update(outbox::table.find(row_id(e.id)?))
                .set((
                    outbox::status.eq(e.status.as_str()),
                    outbox::attempts.eq(i32::try_from(e.attempts).unwrap_or(i32::MAX)),
                    outbox::next_attempt_at.eq(time::to_text(e.next_attempt_at)),
                    outbox::held.eq(e.held),
                    outbox::last_attempt_at.eq(time::opt_to_text(e.last_attempt_at)),
                    outbox::last_error.eq(e.last_error.as_deref()),
                    outbox::finished_at.eq(time::opt_to_text(e.finished_at)),
                ))
                .execute(c)
                .map_err(StoreError::query(what.clone()))?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("notification {}", e.id)));
            }
            Ok(())
        })?;
        Ok(())
    }

    fn summarize_outbox_entries(
        &self,
        summarized: &[i64],
        summary: &OutboxEntry,
    ) -> Result<i64, RepoError> {
        Ok(self.transaction("summarising held notifications", |c| {
            let ids = summarized
                .iter()
                .map(|id| row_id(*id))
                .collect::<Result<Vec<_>, _>>()?;
            diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                .set((
                    outbox::status.eq(OutboxStatus::Summarized.as_str()),
                    outbox::held.eq(false),
                    outbox::finished_at.eq(Some(time::to_text(summary.created_at))),
                ))
                .execute(c)
                .map_err(StoreError::query("marking notifications as summarised"))?;
            insert(c, summary)
        })?)
    }

    fn release_outbox_entries(&self, now: DateTime<Utc>) -> Result<usize, RepoError> {
        let what = "releasing the pending notifications";
        Ok(self.with_conn(what, |c| {
            diesel::update(
                outbox::table
                    .filter(outbox::status.eq(OutboxStatus::Pending.as_str()))
                    .filter(outbox::held.eq(false))
                    .filter(outbox::next_attempt_at.gt(time::to_text(now))),
            )
            .set(outbox::next_attempt_at.eq(time::to_text(now)))
            .execute(c)
            .map_err(StoreError::query(what))
        })?)
    }

    fn outbox_deliveries(&self) -> Result<BTreeMap<String, TargetDeliveries>, RepoError> {
        let what = "reading the notification delivery status";
        // Finished rows are pruned after 30 days, so the table stays small.
        let rows = self.with_conn(what, |c| {
            outbox::table
                .order(outbox::id.asc())
                .select(OutboxRow::as_select())
                .load(c)
                .map_err(StoreError::query(what))
        })?;
        let mut out: BTreeMap<String, TargetDeliveries> = BTreeMap::new();
        // (finish time, failed) of the last finished entry per target.
        let mut last_finished: BTreeMap<String, (DateTime<Utc>, bool)> = BTreeMap::new();
        for row in rows {
            let e = row.into_entry()?;
            let t = out.entry(e.target.clone()).or_default();
            match e.status {
                OutboxStatus::Pending => t.pending += 1,
                OutboxStatus::Delivered => {
                    if let Some(at) = e.finished_at
                        && t.last_delivery_at.is_none_or(|d| d < at)
                    {
                        t.last_delivery_at = Some(at);
                    }
                }
                OutboxStatus::Failed | OutboxStatus::Summarized => {}
            }
            if let (Some(err), Some(at)) = (&e.last_error, e.last_attempt_at)
                && t.last_error.as_ref().is_none_or(|(t0, _)| *t0 <= at)
            {
                t.last_error = Some((at, err.clone()));
            }
            if let Some(at) = e.finished_at
                && matches!(e.status, OutboxStatus::Delivered | OutboxStatus::Failed)
            {
                let slot = last_finished.entry(e.target.clone()).or_insert((at, false));
                if slot.0 <= at {
                    *slot = (at, e.status == OutboxStatus::Failed);
                }
            }
        }
        for (target, (_, failed)) in last_finished {
            if let Some(t) = out.get_mut(&target) {
                t.failing = failed;
            }
        }
        Ok(out)
    }

    fn prune_outbox_entries(&self, before: DateTime<Utc>) -> Result<usize, RepoError> {
        let what = "pruning old notifications";
        Ok(self.with_conn(what, |c| {
            diesel::delete(
                outbox::table
                    .filter(outbox::status.ne(OutboxStatus::Pending.as_str()))
                    .filter(outbox::finished_at.lt(time::to_text(before))),
            )
            .execute(c)
            .map_err(StoreError::query(what))
        })?)
    }
}
