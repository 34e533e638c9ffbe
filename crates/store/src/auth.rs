//! [`AuthRepo`] on the `revoked_tokens` and `login_attempts` tables.

use aniworld_core::ports::{AuthRepo, RepoError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::Store;
use crate::error::StoreError;
use crate::schema::{login_attempts, revoked_tokens};
use crate::time;

/// Revokes `jti` until `expires_at` (revoking it again sets the new expiry).
pub(crate) fn revoke(
    conn: &mut SqliteConnection,
    jti: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let exp = time::to_text(expires_at);
    diesel::insert_into(revoked_tokens::table)
        .values((
            revoked_tokens::jti.eq(jti),
            revoked_tokens::expires_at.eq(&exp),
        ))
        .on_conflict(revoked_tokens::jti)
        .do_update()
        .set(revoked_tokens::expires_at.eq(&exp))
        .execute(conn)
        .map_err(StoreError::query(format!("revoking token {jti:?}")))?;
    Ok(())
}

/// Whether `jti` is revoked.
pub(crate) fn is_revoked(conn: &mut SqliteConnection, jti: &str) -> Result<bool, StoreError> {
    diesel::select(diesel::dsl::exists(revoked_tokens::table.find(jti)))
        .get_result(conn)
        .map_err(StoreError::query(format!(
            "checking revocation of token {jti:?}"
        )))
}

/// Deletes revocations that expired before `now`.
pub(crate) fn purge_revocations(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(time::to_text(now))))
        .execute(conn)
        .map_err(StoreError::query("purging expired token revocations"))
}

/// Appends one login attempt.
pub(crate) fn record_attempt(
    conn: &mut SqliteConnection,
    client: &str,
    success: bool,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::client.eq(client),
            login_attempts::success.eq(success),
            login_attempts::at.eq(time::to_text(at)),
        ))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "recording a login attempt from {client:?}"
        )))?;
    Ok(())
}

/// Times of the failed attempts of `client` recorded after its last successful one, oldest
/// first.
pub(crate) fn failures_since_success(
    conn: &mut SqliteConnection,
    client: &str,
) -> Result<Vec<DateTime<Utc>>, StoreError> {
    let what = || format!("reading failed logins of {client:?} since its last success");
    let last_success: Option<i32> = login_attempts::table
        .filter(login_attempts::client.eq(client))
        .filter(login_attempts::success.eq(true))
        .select(diesel::dsl::max(login_attempts::id))
        .first(conn)
        .map_err(StoreError::query(what()))?;
    let rows: Vec<(i32, String)> = login_attempts::table
        .filter(login_attempts::client.eq(client))
        .filter(login_attempts::success.eq(false))
        .filter(login_attempts::id.gt(last_success.unwrap_or(0)))
        .order((login_attempts::at.asc(), login_attempts::id.asc()))
        .select((login_attempts::id, login_attempts::at))
        .load(conn)
        .map_err(StoreError::query(what()))?;
    rows.into_iter()
        .map(|(id, at)| time::from_text(&at, || format!("login_attempts.at of row {id}")))
        .collect()
}

/// Number of failed attempts of every client at or after `since`.
pub(crate) fn failures_since(
    conn: &mut SqliteConnection,
    since: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let n: i64 = login_attempts::table
        .filter(login_attempts::success.eq(false))
        .filter(login_attempts::at.ge(time::to_text(since)))
        .count()
        .get_result(conn)
        .map_err(StoreError::query("counting recent failed logins"))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Deletes login attempts recorded before `before`; returns how many.
pub(crate) fn purge_attempts(
    conn: &mut SqliteConnection,
    before: DateTime<Utc>,
) -> Result<usize, StoreError> {
    diesel::delete(login_attempts::table.filter(login_attempts::at.lt(time::to_text(before))))
        .execute(conn)
        .map_err(StoreError::query("purging old login attempts"))
}

impl Store {
    /// Deletes login attempts older than `before` (housekeeping; the lockout only looks at
    /// attempts since each client's last success, the brake at the last minutes). Returns how many were deleted.
    pub fn purge_login_attempts(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.with_conn("purging login attempts", |c| purge_attempts(c, before))
    }
}

impl AuthRepo for Store {
    fn revoke_token(&self, jti: &str, expires_at: DateTime<Utc>) -> Result<(), RepoError> {
        Ok(self.with_conn("revoking a token", |c| revoke(c, jti, expires_at))?)
    }

    fn is_token_revoked(&self, jti: &str) -> Result<bool, RepoError> {
        Ok(self.with_conn("checking a token", |c| is_revoked(c, jti))?)
    }

    fn purge_expired_revocations(&self, now: DateTime<Utc>) -> Result<usize, RepoError> {
        Ok(self.with_conn("purging revocations", |c| purge_revocations(c, now))?)
    }

    fn record_login_attempt(
        &self,
        client: &str,
        success: bool,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        Ok(self.with_conn("recording a login attempt", |c| {
            record_attempt(c, client, success, at)
        })?)
    }

    fn failed_logins_since_success(&self, client: &str) -> Result<Vec<DateTime<Utc>>, RepoError> {
        Ok(self.with_conn("reading failed logins", |c| {
            failures_since_success(c, client)
        })?)
    }

    fn failed_logins_since(&self, since: DateTime<Utc>) -> Result<usize, RepoError> {
        Ok(self.with_conn("counting failed logins", |c| failures_since(c, since))?)
    }
}
