//! [`HosterHealthRepo`] on the `hoster_attempts` table: the download resolver's extraction
//! attempts, read back when the service starts so hoster health survives a restart.

use aniworld_core::ports::{AttemptOutcome, HosterAttempt, HosterHealthRepo, RepoError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::Store;
use crate::error::StoreError;
use crate::schema::hoster_attempts;
use crate::time;

/// A row of `hoster_attempts`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = hoster_attempts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
struct AttemptRow {
    id: i32,
    hoster: String,
    at: String,
    outcome: String,
    error: Option<String>,
}

impl AttemptRow {
    fn into_attempt(self) -> Result<HosterAttempt, StoreError> {
        let id = self.id;
        let what = |field: &str| format!("hoster_attempts.{field} of row {id}");
        let outcome = AttemptOutcome::parse(&self.outcome).ok_or_else(|| {
            StoreError::value(
                what("outcome"),
                format!("{:?} is not an attempt outcome", self.outcome),
            )
        })?;
        Ok(HosterAttempt {
            hoster: self.hoster,
            at: time::from_text(&self.at, || what("at"))?,
            outcome,
            error: self.error,
        })
    }
}

impl HosterHealthRepo for Store {
    fn record_hoster_attempt(&self, a: &HosterAttempt) -> Result<(), RepoError> {
        let what = format!("recording an attempt of hoster {:?}", a.hoster);
        self.with_conn(&what, |c| {
            diesel::insert_into(hoster_attempts::table)
                .values((
                    hoster_attempts::hoster.eq(&a.hoster),
                    hoster_attempts::at.eq(time::to_text(a.at)),
                    hoster_attempts::outcome.eq(a.outcome.as_str()),
                    hoster_attempts::error.eq(a.error.as_deref()),
                ))
                .execute(c)
                .map_err(StoreError::query(what.clone()))
        })?;
        Ok(())
    }

    fn hoster_attempts_since(&self, since: DateTime<Utc>) -> Result<Vec<HosterAttempt>, RepoError> {
        let what = "reading the hoster attempts";
        let rows = self.with_conn(what, |c| {
            hoster_attempts::table
                .filter(hoster_attempts::at.ge(time::to_text(since)))
                .order((hoster_attempts::at.asc(), hoster_attempts::id.asc()))
                .select(AttemptRow::as_select())
                .load(c)
                .map_err(StoreError::query(what))
        })?;
        Ok(rows
            .into_iter()
            .map(AttemptRow::into_attempt)
            .collect::<Result<_, _>>()?)
    }

    fn prune_hoster_attempts(&self, before: DateTime<Utc>) -> Result<usize, RepoError> {
        let what = "pruning old hoster attempts";
        Ok(self.with_conn(what, |c| {
            diesel::delete(
                hoster_attempts::table.filter(hoster_attempts::at.lt(time::to_text(before))),
            )
            .execute(c)
            .map_err(StoreError::query(what))
        })?)
    }
}
