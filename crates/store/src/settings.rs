//! [`SettingsRepo`] on the `settings` table.

use aniworld_core::ports::{RepoError, SettingsRepo};
use chrono::Utc;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::Store;
use crate::error::StoreError;
use crate::schema::settings;
use crate::time;

/// The value of `key`.
pub(crate) fn get(conn: &mut SqliteConnection, key: &str) -> Result<Option<String>, StoreError> {
    settings::table
        .find(key)
        .select(settings::value)
        .first::<String>(conn)
        .optional()
        .map_err(StoreError::query(format!("reading setting {key:?}")))
}

/// Sets `key` to `value`, inserting or replacing.
pub(crate) fn set(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<(), StoreError> {
    let now = time::to_text(Utc::now());
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::updated_at.eq(&now),
        ))
        .on_conflict(settings::key)
        .do_update()
        .set((settings::value.eq(value), settings::updated_at.eq(&now)))
        .execute(conn)
        .map_err(StoreError::query(format!("writing setting {key:?}")))?;
    Ok(())
}

/// Removes `key`; returns whether it existed.
pub(crate) fn delete(conn: &mut SqliteConnection, key: &str) -> Result<bool, StoreError> {
    let n = diesel::delete(settings::table.find(key))
        .execute(conn)
        .map_err(StoreError::query(format!("deleting setting {key:?}")))?;
    Ok(n > 0)
}

impl SettingsRepo for Store {
    fn get_setting(&self, key: &str) -> Result<Option<String>, RepoError> {
        Ok(self.with_conn("reading a setting", |c| get(c, key))?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), RepoError> {
        Ok(self.with_conn("writing a setting", |c| set(c, key, value))?)
    }

    fn delete_setting(&self, key: &str) -> Result<(), RepoError> {
        self.with_conn("deleting a setting", |c| delete(c, key))?;
        Ok(())
    }
}
