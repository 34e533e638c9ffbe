//! The error type of the provider crate and its mapping to the port error of core.
//!
//! Every variant says which URL (or key, or link) was involved and what went wrong, so that the
//! message can be shown to a user as is. Callers that only need the category (the scanner, the
//! download engine) convert it into [`SourceError`] and act on its [`SourceErrorKind`].

use aniworld_core::ports::{SourceError, SourceErrorKind};

/// What went wrong while talking to the catalogue or a hoster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The series or page does not exist (HTTP 404, or the catalogue's "not found" alert).
    #[error("not found on the catalogue: {what}")]
    NotFound {
        /// The series key or URL that was looked up.
        what: String,
    },
    /// The site answered with an anti-bot challenge, captcha or spam block instead of the page.
    #[error("blocked by the site's anti-bot protection at {url}: {reason}")]
    Blocked {
        /// The URL that was requested.
        url: String,
        /// What was seen and what the user can do about it.
        reason: String,
    },
    /// The request failed below HTTP (DNS, connect, TLS, timeout, cut connection), after retries.
    #[error("network error for {url}: {message}")]
    Network {
        /// The URL that was requested.
        url: String,
        /// The underlying error message.
        message: String,
    },
    /// The site answered with an unexpected HTTP status (after retries for 429/5xx).
    #[error("unexpected HTTP status {status} from {url}")]
    Http {
        /// The URL that was requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The page did not have the expected layout (the site changed, or a wrong page was served).
    #[error("unexpected page layout: {what} on {url}")]
    Layout {
        /// The URL of the page.
        url: String,
        /// What was expected and not found.
        what: String,
    },
    /// A link that is not a series link of the configured catalogue; no request was made.
    #[error("not a series link of the configured catalogue: {link}: {reason}")]
    InvalidLink {
        /// The link as given.
        link: String,
        /// Why it was refused.
        reason: String,
    },
    /// A search query that is empty or too long.
    #[error("invalid search query: {reason}")]
    InvalidQuery {
        /// Why it was refused.
        reason: String,
    },
    /// The site put a verification wall (Turnstile/ALTCHA gate, captcha interstitial, challenge)
    /// in front of its play links. Not a layout or hoster failure: work for the site waits
    /// until `until`, when one probe checks whether the wall is gone.
    #[error("{site} asks for a human verification at {url} ({reason}); next attempt after {until}")]
    VerificationRequired {
        /// The site id.
        site: String,
        /// The URL that was walled.
        url: String,
        /// What was seen.
        reason: String,
        /// When the site's cool-down ends.
        until: chrono::DateTime<chrono::Utc>,
    },
    /// The provider configuration is unusable (bad base URL, proxy, DNS override or solver URL).
    #[error("invalid provider configuration: {what}")]
    Config {
        /// Which setting is wrong and why.
        what: String,
    },
}

impl ProviderError {
    /// The category callers act on.
    pub fn kind(&self) -> SourceErrorKind {
        match self {
            ProviderError::NotFound { .. } | ProviderError::InvalidLink { .. } => {
                SourceErrorKind::NotFound
            }
            ProviderError::Blocked { .. } => SourceErrorKind::Blocked,
            ProviderError::Network { .. } | ProviderError::Config { .. } => {
                SourceErrorKind::Network
            }
            ProviderError::Http { status, .. } => match status {
                404 | 410 => SourceErrorKind::NotFound,
                _ => SourceErrorKind::Network,
            },
            ProviderError::Layout { .. } | ProviderError::InvalidQuery { .. } => {
                SourceErrorKind::Layout
            }
            ProviderError::VerificationRequired { .. } => SourceErrorKind::VerificationRequired,
        }
    }
}

impl From<ProviderError> for SourceError {
    fn from(e: ProviderError) -> Self {
        match &e {
            ProviderError::VerificationRequired { site, until, .. } => {
                SourceError::verification_required(site, *until, e.to_string())
            }
            _ => SourceError::new(e.kind(), e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(e: ProviderError, kind: SourceErrorKind, needle: &str) {
        let s: SourceError = e.into();
        assert_eq!(s.kind, kind);
        assert!(s.message.contains(needle), "{} lacks {needle}", s.message);
    }

    #[test]
    fn maps_to_source_error_kinds() {
        check(
            ProviderError::NotFound { what: "x".into() },
            SourceErrorKind::NotFound,
            "x",
        );
        check(
            ProviderError::Blocked {
                url: "u".into(),
                reason: "r".into(),
            },
            SourceErrorKind::Blocked,
            "anti-bot",
        );
        check(
            ProviderError::Http {
                url: "u".into(),
                status: 503,
            },
            SourceErrorKind::Network,
            "503",
        );
        check(
            ProviderError::Http {
                url: "u".into(),
                status: 404,
            },
            SourceErrorKind::NotFound,
            "404",
        );
        check(
            ProviderError::Layout {
                url: "/anime/stream/x".into(),
                what: "no season navigation".into(),
            },
            SourceErrorKind::Layout,
            "no season navigation on",
        );
    }
}
