//! The store's error type and its mapping to the domain's [`RepoError`].

use std::path::PathBuf;

use aniworld_core::ports::RepoError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Everything that can go wrong in the store; each variant says what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder that should hold the database could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database file could not be opened or prepared (bad path, not a database, locked).
    #[error("cannot open the database {path}: {reason}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// Applying the embedded migrations failed; the text names the database and the cause.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// No pooled connection could be obtained (or the pool could not be built).
    #[error("database pool failure while {what}: {source}")]
    Pool {
        /// What was being done.
        what: String,
        /// The pool error.
        source: diesel::r2d2::PoolError,
    },
    /// A query failed.
    #[error("database query failed while {what}: {source}")]
    Query {
        /// What was being done, e.g. `inserting series "attack-on-titan"`.
        what: String,
        /// The diesel error.
        source: DieselError,
    },
    /// A row that should exist does not.
    #[error("not found: {0}")]
    NotFound(String),
    /// A value could not be converted between its stored and its domain form
    /// (an unparseable timestamp, an unknown status, a number out of range).
    #[error("invalid value for {what}: {detail}")]
    Value {
        /// Which value, e.g. `download_queue.added_at of item 5f...`.
        what: String,
        /// Why it is invalid.
        detail: String,
    },
}

impl StoreError {
    /// Builds a [`StoreError::Query`]; for use as `.map_err(StoreError::query("doing x"))`.
    pub(crate) fn query(what: impl Into<String>) -> impl FnOnce(DieselError) -> StoreError {
        let what = what.into();
        move |source| StoreError::Query { what, source }
    }

    /// Builds a [`StoreError::Value`].
    pub(crate) fn value(what: impl Into<String>, detail: impl Into<String>) -> StoreError {
        StoreError::Value {
            what: what.into(),
            detail: detail.into(),
        }
    }

    /// True when the error is a violated UNIQUE or PRIMARY KEY constraint.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Query {
                source: DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _),
                ..
            }
        )
    }
}

/// Errors of `BEGIN`/`COMMIT` themselves (queries inside a transaction carry their own context).
impl From<DieselError> for StoreError {
    fn from(source: DieselError) -> Self {
        StoreError::Query {
            what: "beginning or committing a transaction".into(),
            source,
        }
    }
}

impl From<StoreError> for RepoError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => RepoError::NotFound(what),
            StoreError::Query {
                what,
                source: DieselError::NotFound,
            } => RepoError::NotFound(what),
            e if e.is_unique_violation() => RepoError::Conflict(e.to_string()),
            e => RepoError::Backend(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(err: StoreError, expected: &str) {
        let got = match RepoError::from(err) {
            RepoError::NotFound(_) => "not_found",
            RepoError::Conflict(_) => "conflict",
            RepoError::Backend(_) => "backend",
        };
        assert_eq!(got, expected);
    }

    #[test]
    fn maps_to_repo_error_categories() {
        check(StoreError::NotFound("series x".into()), "not_found");
        check(
            StoreError::query("loading series x")(DieselError::NotFound),
            "not_found",
        );
        check(
            StoreError::query("inserting")(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                Box::new("UNIQUE constraint failed: series.key".to_string()),
            )),
            "conflict",
        );
        check(StoreError::Migration("boom".into()), "backend");
        check(StoreError::value("x", "y"), "backend");
    }

    #[test]
    fn messages_carry_context() {
        let e = StoreError::query("loading series \"a\"")(DieselError::NotFound);
        assert!(e.to_string().contains("loading series \"a\""), "{e}");
    }
}
