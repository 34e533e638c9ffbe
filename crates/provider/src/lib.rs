//! The catalogue client of Aniworld and the hoster extractors.
//!
//! `catalogue` reads the catalogue (search, series, seasons, episode pages, redirects) through the
//! polite, configurable HTTP client in `http`; `hosters` turns a hoster embed URL into a media URL;
//! `resolver` combines both into a [`aniworld_core::ports::StreamResolver`]. Blocking (ureq), usable
//! without the server. Knows nothing of HTTP frameworks or databases.

pub mod catalogue;
pub mod error;
pub mod hosters;
pub mod http;
pub mod resolver;

use aniworld_core::Language;

pub use error::ProviderError;

/// One (language, hoster) entry of an episode page: where its play link redirects from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HosterLink {
    /// Audio/subtitle variant.
    pub language: Language,
    /// Hoster name as the page shows it (`VOE`, `Filemoon`, ...).
    pub hoster: String,
    /// Absolute URL of the catalogue's redirect (`<base>/redirect/<id>`).
    pub redirect_url: String,
}
