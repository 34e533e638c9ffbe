//! The catalogue's URL scheme: building page URLs from keys and checking series links.
//!
//! A series link is accepted only when it points at the configured catalogue (same scheme, host
//! and port as the base URL, no user info) and its path is `/anime/stream/<slug>` with an
//! optional trailing slash. Checking never makes a request.

use std::sync::LazyLock;

use aniworld_core::EpisodeId;
use regex::Regex;
use url::Url;

use crate::error::ProviderError;

static SLUG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9-]{0,199}$").expect("slug regex"));

/// Whether `key` looks like a catalogue slug (`[A-Za-z0-9-]`, at most 200 characters).
pub fn is_valid_key(key: &str) -> bool {
    SLUG.is_match(key)
}

/// The configured catalogue address and the URLs derived from it.
#[derive(Debug, Clone)]
pub struct CatalogueUrls {
    base: Url,
    /// Base URL without the trailing slash.
    root: String,
}

impl CatalogueUrls {
    /// Checks and stores the base URL (`http(s)://host[:port][/prefix]`).
    pub fn new(base_url: &str) -> Result<Self, ProviderError> {
        let bad = |why: &str| ProviderError::Config {
            what: format!("provider base_url {base_url:?} {why}"),
        };
        let base = Url::parse(base_url.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("must start with http:// or https://"));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(bad("must not contain user info"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad("must not contain a query or fragment"));
        }
        let root = base.as_str().trim_end_matches('/').to_string();
        Ok(Self { base, root })
    }

    /// The base URL without a trailing slash.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// An absolute URL for a site path (`/ajax/search`).
    pub fn at(&self, path: &str) -> String {
        format!("{}/{}", self.root, path.trim_start_matches('/'))
    }

    /// Resolves a link found on a catalogue page against the base URL (standard URL joining).
    pub fn absolute(&self, link: &str) -> Option<String> {
        let link = link.trim();
        if link.is_empty() {
            return None;
        }
        self.base.join(link).ok().map(|u| u.to_string())
    }

    /// `<base>/anime/stream/<key>`.
    pub fn series(&self, key: &str) -> String {
        self.at(&format!("/anime/stream/{key}"))
    }

    /// `<base>/anime/stream/<key>/staffel-<n>`, or `/filme` for season 0.
    pub fn season(&self, key: &str, season: u32) -> String {
        if season == 0 {
            format!("{}/filme", self.series(key))
        } else {
            format!("{}/staffel-{season}", self.series(key))
        }
    }

    /// The episode page (`…/staffel-N/episode-M`, or `…/filme/film-K` for season 0).
    pub fn episode(&self, key: &str, id: EpisodeId) -> String {
        if id.season == 0 {
            format!("{}/film-{}", self.season(key, 0), id.episode)
        } else {
            format!("{}/episode-{}", self.season(key, id.season), id.episode)
        }
    }

    /// Whether `url` is the series page of `key` or one of its sub-pages on this catalogue.
    pub fn is_series_page(&self, url: &str, key: &str) -> bool {
        let Ok(u) = Url::parse(url) else {
            return false;
        };
        let series = self.series(key);
        let Ok(s) = Url::parse(&series) else {
            return false;
        };
        let same_origin = u.scheme() == s.scheme()
            && u.host_str().map(str::to_ascii_lowercase)
                == s.host_str().map(str::to_ascii_lowercase)
            && u.port_or_known_default() == s.port_or_known_default();
        let path = u.path().to_ascii_lowercase();
        let want = s.path().to_ascii_lowercase();
        same_origin && (path == want || path.starts_with(&format!("{want}/")))
    }

    /// The key of a series link of this catalogue; anything else is `InvalidLink`.
    pub fn parse_series_link(&self, link: &str) -> Result<String, ProviderError> {
        let refuse = |reason: &str| ProviderError::InvalidLink {
            link: link.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = link.trim();
        if trimmed.is_empty() {
            return Err(refuse("the link is empty"));
        }
        if trimmed.len() > 2048 {
            return Err(refuse("the link is too long"));
        }
        let url = Url::parse(trimmed).map_err(|_| refuse("not an absolute URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("links with user info are not accepted"));
        }
        if url.scheme() != self.base.scheme() {
            return Err(refuse(&format!(
                "scheme {:?} differs from the catalogue's {:?}",
                url.scheme(),
                self.base.scheme()
            )));
        }
        let same_host = match (url.host_str(), self.base.host_str()) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if !same_host {
            return Err(refuse(&format!(
                "host {:?} is not the catalogue's {:?}",
                url.host_str().unwrap_or(""),
                self.base.host_str().unwrap_or("")
            )));
        }
        if url.port_or_known_default() != self.base.port_or_known_default() {
            return Err(refuse("port differs from the catalogue's"));
        }
        let prefix = self.base.path().trim_end_matches('/');
        let path = url.path();
        let rest = path
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("/anime/stream/"))
            .ok_or_else(|| refuse("the path is not /anime/stream/<key>"))?;
        let key = rest.strip_suffix('/').unwrap_or(rest);
        if !is_valid_key(key) {
            return Err(refuse("the path is not /anime/stream/<key>"));
        }
        Ok(key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> CatalogueUrls {
        CatalogueUrls::new("https://aniworld.to/").unwrap()
    }

    fn check(link: &str, expected: Option<&str>) {
        let got = urls().parse_series_link(link).ok();
        assert_eq!(got.as_deref(), expected, "{link}");
    }

    #[test]
    fn accepts_series_links() {
        check(
            "https://aniworld.to/anime/stream/attack-on-titan",
            Some("attack-on-titan"),
        );
        check(
            "https://aniworld.to/anime/stream/attack-on-titan/",
            Some("attack-on-titan"),
        );
        check("https://AniWorld.to:443/anime/stream/86", Some("86"));
        check("  https://aniworld.to/anime/stream/x?ref=1  ", Some("x"));
    }

    #[test]
    fn refuses_everything_else() {
        check("https://evil.test/anime/stream/x", None);
        check("http://aniworld.to/anime/stream/x", None);
        check("https://aniworld.to:8443/anime/stream/x", None);
        check("https://user:pw@aniworld.to/anime/stream/x", None);
        check("https://user@aniworld.to/anime/stream/x", None);
        check("https://aniworld.to/anime/stream/x/staffel-1", None);
        check("https://aniworld.to/serie/stream/x", None);
        check("https://aniworld.to/anime/stream/", None);
        check("https://aniworld.to/anime/stream/../../etc", None);
        check("https://aniworld.to/anime/stream/a%2Fb", None);
        check("https://aniworld.to.evil.test/anime/stream/x", None);
        check("/anime/stream/x", None);
        check("", None);
    }

    #[test]
    fn builds_urls() {
        let u = CatalogueUrls::new("http://127.0.0.1:8080/mirror/").unwrap();
        assert_eq!(u.series("x"), "http://127.0.0.1:8080/mirror/anime/stream/x");
        assert_eq!(
            u.season("x", 0),
            "http://127.0.0.1:8080/mirror/anime/stream/x/filme"
        );
        assert_eq!(
            u.episode("x", EpisodeId::new(2, 5)),
            "http://127.0.0.1:8080/mirror/anime/stream/x/staffel-2/episode-5"
        );
        assert_eq!(
            u.episode("x", EpisodeId::new(0, 1)),
            "http://127.0.0.1:8080/mirror/anime/stream/x/filme/film-1"
        );
        assert_eq!(
            u.absolute("/public/img/a.jpg").unwrap(),
            "http://127.0.0.1:8080/public/img/a.jpg"
        );
        assert_eq!(
            u.absolute("https://cdn.test/b.jpg").unwrap(),
            "https://cdn.test/b.jpg"
        );
        assert_eq!(
            u.parse_series_link("http://127.0.0.1:8080/mirror/anime/stream/x")
                .unwrap(),
            "x"
        );
        assert!(
            u.parse_series_link("http://127.0.0.1:8080/anime/stream/x")
                .is_err()
        );
    }

    #[test]
    fn series_pages() {
        let u = urls();
        assert!(u.is_series_page("https://aniworld.to/anime/stream/x", "x"));
        assert!(u.is_series_page("https://aniworld.to/anime/stream/x/staffel-2", "x"));
        assert!(!u.is_series_page("https://aniworld.to/", "x"));
        assert!(!u.is_series_page("https://aniworld.to/anime/stream/xy", "x"));
        assert!(!u.is_series_page("https://other.test/anime/stream/x", "x"));
    }

    #[test]
    fn refuses_bad_base_urls() {
        for b in [
            "",
            "aniworld.to",
            "ftp://aniworld.to",
            "https://u:p@aniworld.to",
            "https://a.to/?q=1",
        ] {
            assert!(CatalogueUrls::new(b).is_err(), "{b}");
        }
    }

    #[test]
    fn keys() {
        assert!(is_valid_key("attack-on-titan"));
        assert!(is_valid_key("86"));
        assert!(!is_valid_key("-x"));
        assert!(!is_valid_key("a/b"));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key("ä"));
    }
}
