//! The error type of the hoster extractors and its mapping to the port error of core.

use aniworld_core::ports::{SourceError, SourceErrorKind};

/// Why a hoster embed page could not be turned into a media URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HosterError {
    /// No extractor exists for this hoster name.
    #[error("no extractor for hoster {name:?}")]
    UnknownHoster {
        /// The name as the episode page showed it.
        name: String,
    },
    /// The page did not have the expected shape (the hoster changed, or a wrong page came back).
    #[error("{hoster}: unexpected page layout at {url}: {what}")]
    Layout {
        /// Hoster name.
        hoster: String,
        /// The page that was read.
        url: String,
        /// What was expected and not found.
        what: String,
    },
    /// The hoster answered with an unexpected HTTP status.
    #[error("{hoster}: HTTP status {status} from {url}")]
    Http {
        /// Hoster name.
        hoster: String,
        /// The URL that was requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The request failed below HTTP (DNS, connect, TLS, timeout, cut connection).
    #[error("{hoster}: network error for {url}: {message}")]
    Network {
        /// Hoster name.
        hoster: String,
        /// The URL that was requested.
        url: String,
        /// The underlying error.
        message: String,
    },
    /// The hoster says the video or its server is unavailable ("Web server is down", deleted file).
    #[error("{hoster}: offline at {url}: {reason}")]
    Offline {
        /// Hoster name.
        hoster: String,
        /// The page that said so.
        url: String,
        /// What the page said.
        reason: String,
    },
    /// The hoster says the video was deleted or never existed (removed by the uploader, DMCA,
    /// or the embed page answers 404/410). Another hoster may still have it; this one never
    /// will. The message is for users: it names no URL (`url` is kept for the logs).
    #[error("{hoster}: the video was deleted from this hoster ({reason})")]
    Deleted {
        /// Hoster name.
        hoster: String,
        /// The page that said so.
        url: String,
        /// What the page said.
        reason: String,
    },
    /// The hoster put a human verification (captcha, Turnstile, a Cloudflare or DDoS-Guard
    /// browser check) in front of the video. Unlike the catalogue's wall it only concerns this
    /// hoster: the resolver moves on. The message names no URL.
    #[error(
        "{hoster}: the hoster asks for a human verification ({reason}), which cannot be done automatically"
    )]
    VerificationRequired {
        /// Hoster name.
        hoster: String,
        /// The page that asked.
        url: String,
        /// What was seen (`Cloudflare Turnstile`, `captcha`, ...).
        reason: String,
    },
    /// The hoster refuses this client's address (IP ban, country block, HTTP 451). The message
    /// names no URL.
    #[error(
        "{hoster}: blocked for this address: the hoster refuses downloads from this network or country ({reason})"
    )]
    Blocked {
        /// Hoster name.
        hoster: String,
        /// The page that refused.
        url: String,
        /// What the page said.
        reason: String,
    },
    /// The page lists streams, but only in formats that cannot be downloaded (a DASH manifest).
    #[error("{hoster}: offers this video only as {formats}, which cannot be downloaded")]
    NoUsableStream {
        /// Hoster name.
        hoster: String,
        /// The page that listed them.
        url: String,
        /// The formats offered (`DASH`).
        formats: String,
    },
    /// An obfuscation layer could not be decoded.
    #[error("{hoster}: could not decode the stream data from {url} (step: {step})")]
    Decode {
        /// Hoster name.
        hoster: String,
        /// The page the payload came from.
        url: String,
        /// The decoding step that failed.
        step: String,
    },
}

impl HosterError {
    /// The category callers act on.
    pub fn kind(&self) -> SourceErrorKind {
        match self {
            HosterError::Http {
                status: 404 | 410, ..
            }
            | HosterError::Deleted { .. } => SourceErrorKind::NotFound,
            HosterError::VerificationRequired { .. } | HosterError::Blocked { .. } => {
                SourceErrorKind::Blocked
            }
            HosterError::Http { .. }
            | HosterError::Network { .. }
            | HosterError::Offline { .. } => SourceErrorKind::Network,
            HosterError::UnknownHoster { .. }
            | HosterError::Layout { .. }
            | HosterError::NoUsableStream { .. }
            | HosterError::Decode { .. } => SourceErrorKind::Layout,
        }
    }
}

impl HosterError {
    /// Whether the failure concerns the one video rather than the hoster (a deleted file): such
    /// failures do not count against the hoster's health streak.
    pub fn is_about_the_video(&self) -> bool {
        matches!(
            self,
            HosterError::Deleted { .. }
                | HosterError::Http {
                    status: 404 | 410,
                    ..
                }
        )
    }
}

impl From<HosterError> for SourceError {
    fn from(e: HosterError) -> Self {
        SourceError::new(e.kind(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_messages() {
        let check = |e: HosterError, kind: SourceErrorKind, needle: &str| {
            let s: SourceError = e.into();
            assert_eq!(s.kind, kind);
            assert!(s.message.contains(needle), "{} lacks {needle}", s.message);
        };
        check(
            HosterError::Http {
                hoster: "VOE".into(),
                url: "http://h/e/1".into(),
                status: 404,
            },
            SourceErrorKind::NotFound,
            "http://h/e/1",
        );
        check(
            HosterError::Offline {
                hoster: "SpeedFiles".into(),
                url: "u".into(),
                reason: "Web server is down".into(),
            },
            SourceErrorKind::Network,
            "Web server is down",
        );
        check(
            HosterError::Decode {
                hoster: "VOE".into(),
                url: "u".into(),
                step: "base64".into(),
            },
            SourceErrorKind::Layout,
            "base64",
        );
    }

    #[test]
    fn availability_messages_are_plain_words_without_urls() {
        let url = "https://dood.example/e/abc?token=secret".to_string();
        let hoster = "Doodstream".to_string();
        for (e, kind, words) in [
            (
                HosterError::Deleted {
                    hoster: hoster.clone(),
                    url: url.clone(),
                    reason: "the hoster answers 404 Not Found".into(),
                },
                SourceErrorKind::NotFound,
                "Doodstream: the video was deleted from this hoster (the hoster answers 404 Not Found)",
            ),
            (
                HosterError::VerificationRequired {
                    hoster: hoster.clone(),
                    url: url.clone(),
                    reason: "Cloudflare browser check".into(),
                },
                SourceErrorKind::Blocked,
                "Doodstream: the hoster asks for a human verification (Cloudflare browser check), \
                 which cannot be done automatically",
            ),
            (
                HosterError::Blocked {
                    hoster: hoster.clone(),
                    url: url.clone(),
                    reason: "HTTP 451, unavailable for legal reasons".into(),
                },
                SourceErrorKind::Blocked,
                "Doodstream: blocked for this address: the hoster refuses downloads from this \
                 network or country (HTTP 451, unavailable for legal reasons)",
            ),
            (
                HosterError::NoUsableStream {
                    hoster: "Vidmoly".into(),
                    url: url.clone(),
                    formats: "DASH".into(),
                },
                SourceErrorKind::Layout,
                "Vidmoly: offers this video only as DASH, which cannot be downloaded",
            ),
        ] {
            assert_eq!(e.to_string(), words);
            let s: SourceError = e.into();
            assert_eq!(s.kind, kind, "{words}");
        }
    }
}
