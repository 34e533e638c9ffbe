//! The error type of the metadata crate.

use std::path::PathBuf;

/// Everything that can go wrong while talking to TMDB or writing NFO files and artwork.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// No TMDB API key or read access token is configured.
    #[error("no TMDB API key is configured (set nfo.tmdb_api_key or ANIWORLD_TMDB_API_KEY)")]
    NoApiKey,
    /// TMDB answered 401: the configured key is wrong, of the wrong kind or suspended.
    #[error("TMDB refused the API key ({url}): {message}")]
    Unauthorized {
        /// The request URL (without the key).
        url: String,
        /// TMDB's `status_message`, when it sent one.
        message: String,
    },
    /// TMDB has no such resource, or no search result matched.
    #[error("not found on TMDB: {what}")]
    NotFound {
        /// What was looked for (`series "One Piece" (1999)`, `tv 123`, a URL...).
        what: String,
    },
    /// TMDB kept answering 429 after every retry.
    #[error("TMDB rate limit still exceeded after {attempts} attempts ({url})")]
    RateLimited {
        /// The request URL (without the key).
        url: String,
        /// How many requests were made.
        attempts: u32,
    },
    /// The server could not be reached or the connection broke.
    #[error("network error on {url}: {message}")]
    Network {
        /// The request URL (without the key).
        url: String,
        /// The transport error text.
        message: String,
    },
    /// An unexpected HTTP status.
    #[error("HTTP {status} from {url}")]
    Http {
        /// The request URL (without the key).
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// A TMDB answer was not the JSON expected.
    #[error("unexpected answer from {url}: {reason}")]
    BadResponse {
        /// The request URL (without the key).
        url: String,
        /// What did not fit.
        reason: String,
    },
    /// An NFO file could not be parsed or carries nothing usable.
    #[error("invalid NFO {path}: {reason}")]
    InvalidNfo {
        /// The NFO file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The series folder has no tvshow.nfo where one is needed.
    #[error("no tvshow.nfo in {path}")]
    NfoMissing {
        /// The series folder.
        path: PathBuf,
    },
    /// A file-system operation failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done (`write`, `read`, `create folder`...).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The image host answered with something that is not a JPEG, PNG or WebP image.
    #[error("not an image: {url}")]
    NotAnImage {
        /// The image URL.
        url: String,
    },
    /// The image host redirected to a host other than the configured image host.
    #[error("refused redirect from {url} to another host: {location}")]
    ForeignRedirect {
        /// The image URL asked for.
        url: String,
        /// Where the redirect pointed.
        location: String,
    },
    /// A tvshow.nfo exists and overwriting was not asked for.
    #[error("{path} already exists (set overwrite to replace it)")]
    AlreadyExists {
        /// The existing NFO.
        path: PathBuf,
    },
    /// A configured URL cannot be parsed.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The offending URL.
        url: String,
        /// The parser's complaint.
        reason: String,
    },
}

impl MetadataError {
    /// Builds a [`MetadataError::Io`].
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

    /// Whether the error means "TMDB cannot be used right now" (no key, refused key, unreachable,
    /// rate limited, server error): the HTTP API answers these with 503.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::NoApiKey
            | Self::Unauthorized { .. }
            | Self::RateLimited { .. }
            | Self::Network { .. }
            | Self::BadResponse { .. } => true,
            Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = MetadataError> = std::result::Result<T, E>;
