//! The error type of the queue engine.

use std::borrow::Cow;

use aniworld_core::ItemId;
use aniworld_core::ports::RepoError;

/// Why a queue operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// No queue item has this id (the operation changed nothing).
    #[error("no queue item with id {0}")]
    NotFound(ItemId),
    /// The request was malformed: `field` names the offending input.
    #[error("invalid {field}: {message}")]
    Validation {
        /// The input field at fault, as a JSON path of the `add` request (`series_folder`,
        /// `episodes`, `episodes[2].season`, ...).
        field: Cow<'static, str>,
        /// What is wrong with it.
        message: String,
    },
    /// Downloads need `other.anime_directory`, and it is not configured.
    #[error("no anime directory is configured; set other.anime_directory first")]
    NoAnimeDirectory,
    /// The queue could not be read from or written to storage; nothing was announced.
    #[error("queue storage failed: {0}")]
    Repo(#[from] RepoError),
}

impl QueueError {
    /// A validation error for `field`.
    pub(crate) fn validation(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }
}
