//! The error type of the library crate.

use std::path::PathBuf;

use aniworld_core::ports::{RepoError, SourceError};

/// Everything that can go wrong while scanning the library or adding a series.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// No anime directory is configured (`other.anime_directory` is unset or empty).
    #[error("no anime directory is configured (set other.anime_directory)")]
    NoAnimeDirectory,
    /// The configured anime directory does not exist or is not a directory (e.g. an unmounted share).
    #[error("the anime directory {path} does not exist or is not a directory")]
    AnimeDirMissing {
        /// The configured path.
        path: PathBuf,
    },
    /// A series with this key is already in the library; nothing was changed.
    #[error("the series {key:?} is already in the library")]
    AlreadyExists {
        /// The catalogue key.
        key: String,
    },
    /// Another series of the library already lives in the folder this one would get (the same
    /// title and year, e.g. one show on two catalogue sites); nothing was changed. Sharing it
    /// would mix their files: each would count the other's episodes as its own.
    #[error("the folder {folder:?} already belongs to the series {key:?}")]
    FolderTaken {
        /// The folder name.
        folder: String,
        /// The library id of the series that has it.
        key: String,
    },
    /// The catalogue look-up failed.
    #[error("catalogue look-up failed: {0}")]
    Source(#[from] SourceError),
    /// The repository failed.
    #[error("library storage failed: {0}")]
    Repo(#[from] RepoError),
    /// A file-system operation failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done (`read folder`, `create folder`, ...).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A folder cannot hold the library (relative path, not a folder, cannot be created, nothing
    /// can be written in it); nothing was changed.
    #[error("the folder {path} cannot hold the library: {reason}")]
    UnusableFolder {
        /// The folder as given.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// A full scan is already running; no second one was started.
    #[error("a library scan is already in progress")]
    ScanInProgress,
    /// A key or name cannot be used (invalid slug, or a title that sanitises to nothing).
    #[error("invalid name {name:?}: {reason}")]
    InvalidName {
        /// The offending key or name.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
}

impl LibraryError {
    /// Builds an [`LibraryError::Io`].
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
