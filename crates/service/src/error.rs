//! The errors of the use cases.
//!
//! [`ServiceError`] is what the library, scheduler and facade answer. It keeps the typed error of
//! the crate that failed (store, catalogue, scanner, queue, configuration, metadata) as its
//! source, and adds the few refusals the use cases make themselves. Front ends decide what each
//! one means for their users (the HTTP server maps them to status codes in one place); nothing
//! here knows about HTTP.

use aniworld_core::ValidationIssue;
use aniworld_core::ports::RepoError;

use crate::config::ConfigError;
use crate::nfo::NfoError;

/// Why a use case did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A value given by the caller is refused; `field` names it (a JSON path for bodies).
    #[error("{field}: {problem}")]
    Invalid {
        /// The refused field (`query`, `link`, `mode`, `interval_minutes`, ...).
        field: String,
        /// What is wrong with it, for people.
        problem: String,
    },
    /// Settings that break their rules (scheduler or configuration patches); nothing was changed.
    #[error("invalid settings: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidSettings(Vec<ValidationIssue>),
    /// The series, file or item asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Something the use case needs cannot be used now (a folder that cannot be read, ...).
    #[error("{0}")]
    Unavailable(String),
    /// The store failed or refused.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// The catalogue failed or refused.
    #[error(transparent)]
    Catalogue(#[from] aniworld_provider::ProviderError),
    /// The scanner failed or refused (no anime folder, a scan running, ...).
    #[error(transparent)]
    Library(#[from] aniworld_library::LibraryError),
    /// The download queue failed or refused.
    #[error(transparent)]
    Queue(#[from] aniworld_queue::engine::QueueError),
    /// config.json could not be changed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// tvshow.nfo or artwork could not be made.
    #[error(transparent)]
    Nfo(#[from] NfoError),
}

impl ServiceError {
    /// A refusal of one field.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Why the service could not open.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Another process runs a service on the same data folder.
    #[error(transparent)]
    Locked(#[from] crate::instance::LockError),
    /// A folder or file of the data directory could not be set up.
    #[error("could not {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] aniworld_store::StoreError),
    /// config.json is unreadable or invalid.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// The stored download queue could not be loaded.
    #[error("download queue: {0}")]
    Queue(#[from] aniworld_queue::engine::QueueError),
    /// The rescan scheduler could not be started.
    #[error("scheduler: {0}")]
    Scheduler(#[source] aniworld_library::LibraryError),
}
