//! The catalogue's URL scheme: building page URLs from keys and checking series links.
//!
//! Two sites share one platform and, over the years, four URL families (provider-reference
//! section 0): `/anime/stream/<slug>`, `/anime/<slug>`, `/serie/<slug>` and
//! `/serie/stream/<slug>`, each with `/staffel-N[/episode-M]` and `/filme[/film-K]` below. The
//! slug is the series key in every family, so a series keeps its key when a site moves from one
//! family to another. Pages are requested in the site's canonical family (aniworld.to:
//! `/anime/stream/<slug>`, s.to: `/serie/<slug>`) and the site's own redirects are followed.
//!
//! A link is accepted only when it points at the site (same scheme, host and port as its base URL
//! or one of its mirrors, no user info) and its path is a series, season or episode path of one
//! of the families. Checking never makes a request.

use std::sync::LazyLock;

use aniworld_core::EpisodeId;
use aniworld_core::config::{SITE_ANIWORLD, SITE_STO, canonical_site_id};
use regex::Regex;
use url::Url;

use crate::error::ProviderError;

static SLUG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9-]{0,199}$").expect("slug regex"));

/// A series, season or episode path of any family; group 1 is the slug.
static FAMILY_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^/(?:anime/stream|serie/stream|anime|serie)/([A-Za-z0-9][A-Za-z0-9-]{0,199})(?:/(?:staffel-\d{1,4}(?:/episode-\d{1,5})?|filme(?:/film-\d{1,5})?))?/?$",
    )
    .expect("family path regex")
});

/// Whether `key` looks like a catalogue slug (`[A-Za-z0-9-]`, at most 200 characters).
pub fn is_valid_key(key: &str) -> bool {
    SLUG.is_match(key)
}

/// The slug of a site path of any family (`/serie/x/staffel-2` -> `x`), if it is one.
pub fn slug_of_path(path: &str) -> Option<String> {
    let c = FAMILY_PATH.captures(path)?;
    let slug = c[1].to_string();
    // `/anime/stream` alone is the legacy listing, not a series called "stream".
    (slug != "stream").then_some(slug)
}

/// One site's addresses and the URLs derived from them.
#[derive(Debug, Clone)]
pub struct CatalogueUrls {
    site: &'static str,
    base: Url,
    /// Base URL without the trailing slash.
    root: String,
    mirrors: Vec<Url>,
}

fn check_base(base_url: &str, what: &str) -> Result<Url, ProviderError> {
    let bad = |why: &str| ProviderError::Config {
        what: format!("{what} {base_url:?} {why}"),
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
    Ok(base)
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && match (a.host_str(), b.host_str()) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            _ => false,
        }
        && a.port_or_known_default() == b.port_or_known_default()
}

impl CatalogueUrls {
    /// aniworld.to at `base_url` (`http(s)://host[:port][/prefix]`).
    pub fn new(base_url: &str) -> Result<Self, ProviderError> {
        Self::for_site(SITE_ANIWORLD, base_url, &[])
    }

    /// The site `site` (`aniworld.to` or `s.to`) at `base_url`, also reachable at `mirrors`.
    pub fn for_site(site: &str, base_url: &str, mirrors: &[String]) -> Result<Self, ProviderError> {
        let site = canonical_site_id(site).ok_or_else(|| ProviderError::Config {
            what: format!("unknown catalogue site {site:?}"),
        })?;
        let base = check_base(base_url, &format!("base URL of {site}"))?;
        let mirrors = mirrors
            .iter()
            .map(|m| check_base(m, &format!("mirror of {site}")))
            .collect::<Result<Vec<_>, _>>()?;
        let root = base.as_str().trim_end_matches('/').to_string();
        Ok(Self {
            site,
            base,
            root,
            mirrors,
        })
    }

    /// The site id (`aniworld.to`, `s.to`).
    pub fn site(&self) -> &'static str {
        self.site
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

    /// The series page in the site's canonical family: `<base>/anime/stream/<key>` on
    /// aniworld.to, `<base>/serie/<key>` on s.to.
    pub fn series(&self, key: &str) -> String {
        if self.site == SITE_STO {
            self.at(&format!("/serie/{key}"))
        } else {
            self.at(&format!("/anime/stream/{key}"))
        }
    }

    /// `<series>/staffel-<n>`, or `/filme` for season 0.
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

    /// Whether `url` is on this site: the base URL's origin or a mirror's.
    pub fn is_own(&self, url: &str) -> bool {
        let Ok(u) = Url::parse(url) else {
            return false;
        };
        same_origin(&u, &self.base) || self.mirrors.iter().any(|m| same_origin(&u, m))
    }

    /// The path of `url` below the site's path prefix, when `url` is on this site.
    fn own_path(&self, url: &Url) -> Option<String> {
        let prefix = if same_origin(url, &self.base) {
            self.base.path()
        } else {
            self.mirrors.iter().find(|m| same_origin(url, m))?.path()
        };
        let prefix = prefix.trim_end_matches('/');
        url.path().strip_prefix(prefix).map(str::to_string)
    }

    /// The key of a series, season or episode page URL of this site, in any family.
    pub fn key_of(&self, url: &str) -> Option<String> {
        let u = Url::parse(url).ok()?;
        slug_of_path(&self.own_path(&u)?)
    }

    /// Whether `url` is the series page of `key` or one of its sub-pages on this site, in any
    /// family.
    pub fn is_series_page(&self, url: &str, key: &str) -> bool {
        self.key_of(url)
            .is_some_and(|k| k.eq_ignore_ascii_case(key))
    }

    /// The key of a series (or season, or episode) link of this site; anything else is
    /// `InvalidLink`. No request is made.
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
        if !self.is_own(url.as_str()) {
            return Err(refuse(&format!(
                "{} is not an address of {} ({})",
                url.origin().ascii_serialization(),
                self.site,
                self.root
            )));
        }
        let path = self
            .own_path(&url)
            .ok_or_else(|| refuse("the path is outside the catalogue's base path"))?;
        slug_of_path(&path).ok_or_else(|| {
            refuse(
                "the path is not a series link (/anime/stream/<key>, /anime/<key>, /serie/<key> \
                 or /serie/stream/<key>, optionally with /staffel-N or /filme)",
            )
        })
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
        check("https://aniworld.to/anime/stream/x/staffel-1/folge-1", None);
        check("https://aniworld.to/anime/stream", None);
        check("https://aniworld.to/search?q=x", None);
        check("https://aniworld.to/anime/stream/", None);
        check("https://aniworld.to/anime/stream/../../etc", None);
        check("https://aniworld.to/anime/stream/a%2Fb", None);
        check("https://aniworld.to.evil.test/anime/stream/x", None);
        check("/anime/stream/x", None);
        check("", None);
    }

    #[test]
    fn accepts_every_family_and_sub_pages() {
        check("https://aniworld.to/anime/x", Some("x"));
        check("https://aniworld.to/serie/x/", Some("x"));
        check("https://aniworld.to/serie/stream/x", Some("x"));
        check("https://aniworld.to/anime/stream/x/staffel-2", Some("x"));
        check(
            "https://aniworld.to/anime/x/staffel-2/episode-11",
            Some("x"),
        );
        check("https://aniworld.to/anime/stream/x/filme/film-1", Some("x"));
        let sto = CatalogueUrls::for_site(
            "s.to",
            "https://serienstream.to",
            &["https://serienstream.cx".to_string()],
        )
        .unwrap();
        assert_eq!(sto.site(), "s.to");
        assert_eq!(
            sto.parse_series_link("https://serienstream.cx/serie/the-office/staffel-1")
                .unwrap(),
            "the-office"
        );
        assert!(
            sto.parse_series_link("https://aniworld.to/serie/x")
                .is_err()
        );
        assert_eq!(sto.series("x"), "https://serienstream.to/serie/x");
        assert_eq!(
            sto.episode("x", EpisodeId::new(1, 2)),
            "https://serienstream.to/serie/x/staffel-1/episode-2"
        );
        assert!(sto.is_series_page("https://serienstream.cx/serie/stream/x/staffel-1", "x"));
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
