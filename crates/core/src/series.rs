//! A series of the library.

use serde::{Deserialize, Serialize};

use crate::episode::MissingEpisodes;
use crate::monitoring::Monitoring;

use crate::config::{SITE_ANIWORLD, canonical_site_id};

/// The catalogue id reported as `site` (architecture.md: the catalogue's id, not the host of the
/// base URL) of the default site.
pub const SITE_ID: &str = SITE_ANIWORLD;

/// The library id of a series: the slug for aniworld.to (so ids of existing libraries stay as
/// they were), `<site>:<slug>` for any other site (`s.to:the-office`).
pub fn library_id(site: &str, slug: &str) -> String {
    match canonical_site_id(site) {
        Some(SITE_ANIWORLD) | None => slug.to_string(),
        Some(other) => format!("{other}:{slug}"),
    }
}

/// The site and slug of a library id; None when the site prefix is unknown.
/// `attack-on-titan` -> (`aniworld.to`, `attack-on-titan`); `s.to:x` -> (`s.to`, `x`).
pub fn split_library_id(id: &str) -> Option<(&'static str, &str)> {
    match id.split_once(':') {
        None => Some((SITE_ANIWORLD, id)),
        Some((site, slug)) => Some((canonical_site_id(site)?, slug)),
    }
}

/// Whether `id` is a valid library id: a slug, optionally prefixed by a known site id.
pub fn is_valid_library_id(id: &str) -> bool {
    split_library_id(id).is_some_and(|(_, slug)| is_valid_key(slug))
}

/// A series in the library, identified by the catalogue's slug (`key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Row id in the store (`db_id` in the add response).
    pub id: i64,
    /// The catalogue slug, e.g. `attack-on-titan`; the primary id everywhere.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Catalogue id, normally [`SITE_ID`].
    pub site: String,
    /// Folder name under the anime directory (display metadata).
    pub folder: String,
    /// First year of the series, when the catalogue gives one.
    pub year: Option<i32>,
    /// Catalogue description, when known.
    pub description: Option<String>,
    /// IMDb id from the catalogue page, used to match TMDB.
    pub imdb_id: Option<String>,
    /// Cover image URL on the catalogue, when known.
    pub cover_url: Option<String>,
    /// Missing episodes as of the last scan or download.
    pub missing: MissingEpisodes,
    /// Number of episode files found on disk at the last scan (or downloaded since).
    pub present_count: u32,
    /// When the series was added (RFC 3339).
    pub added_at: chrono::DateTime<chrono::Utc>,
    /// When its episodes were last compared with the catalogue.
    pub last_scanned_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The error of the last failed catalogue look-up, cleared by a successful one.
    pub last_scan_error: Option<String>,
    /// The series page as the site last served it (after its redirects), when known.
    #[serde(default)]
    pub catalogue_url: Option<String>,
    /// Whether automatic runs queue it, its accepted languages, cutoff and upgrades.
    #[serde(default)]
    pub monitoring: Monitoring,
}

impl Series {
    /// The catalogue slug (the key without a site prefix).
    pub fn slug(&self) -> &str {
        split_library_id(&self.key).map_or(self.key.as_str(), |(_, slug)| slug)
    }
}

/// What is needed to insert a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSeries {
    /// Catalogue slug.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Catalogue id.
    pub site: String,
    /// Folder name (already sanitised).
    pub folder: String,
    /// First year, if known.
    pub year: Option<i32>,
    /// Catalogue description, if known.
    pub description: Option<String>,
    /// IMDb id, if known.
    pub imdb_id: Option<String>,
    /// Cover URL, if known.
    pub cover_url: Option<String>,
    /// The series page URL, if known.
    pub catalogue_url: Option<String>,
}

/// Which series a library listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeriesFilter {
    /// Series with at least one missing episode.
    #[default]
    MissingEpisodes,
    /// Series with missing episodes and no episode file on disk.
    NoEpisodes,
    /// Every series.
    All,
}

/// The order of a library listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeriesSort {
    /// By name, case-insensitively ([`sort_name`]), then key.
    #[default]
    Name,
    /// By key.
    Key,
    /// By the number of missing episodes, most first, then by name and key.
    MissingEpisodes,
}

/// One page of a filtered, sorted library listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesQuery {
    /// Selection.
    pub filter: SeriesFilter,
    /// Order.
    pub sort: SeriesSort,
    /// Series skipped before the page.
    pub offset: usize,
    /// Most series on the page.
    pub limit: usize,
}

/// The key a name sorts by: its Unicode lower case (so "ä" sorts with "a…" the same way on
/// every store).
pub fn sort_name(name: &str) -> String {
    name.to_lowercase()
}

impl SeriesQuery {
    /// Whether `s` belongs to the selection.
    pub fn selects(&self, s: &Series) -> bool {
        match self.filter {
            SeriesFilter::All => true,
            SeriesFilter::MissingEpisodes => !s.missing.is_empty(),
            SeriesFilter::NoEpisodes => !s.missing.is_empty() && s.present_count == 0,
        }
    }

    /// The page of an in-memory list: the reference every store's listing must equal.
    pub fn apply(&self, series: Vec<Series>) -> Vec<Series> {
        let mut series: Vec<Series> = series.into_iter().filter(|s| self.selects(s)).collect();
        let by_name = |s: &Series| (sort_name(&s.name), s.key.clone());
        match self.sort {
            SeriesSort::Name => series.sort_by_cached_key(by_name),
            SeriesSort::Key => series.sort_by(|a, b| a.key.cmp(&b.key)),
            SeriesSort::MissingEpisodes => {
                series.sort_by_cached_key(|s| (std::cmp::Reverse(s.missing.total()), by_name(s)))
            }
        }
        series
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect()
    }
}

/// Returns true when `key` is a valid catalogue slug (`[a-zA-Z0-9-]+`, at most 200 characters).
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_slugs() {
        assert!(is_valid_key("attack-on-titan"));
        assert!(is_valid_key("86-eighty-six"));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key("../etc"));
        assert!(!is_valid_key("a b"));
        assert!(!is_valid_key(&"a".repeat(201)));
    }

    #[test]
    fn library_ids_keep_aniworld_slugs_and_prefix_other_sites() {
        assert_eq!(library_id("aniworld.to", "x"), "x");
        assert_eq!(library_id("s.to", "x"), "s.to:x");
        assert_eq!(library_id("serienstream.to", "x"), "s.to:x");
        assert_eq!(split_library_id("x"), Some(("aniworld.to", "x")));
        assert_eq!(split_library_id("s.to:x"), Some(("s.to", "x")));
        assert_eq!(
            split_library_id("aniworld.to:x"),
            Some(("aniworld.to", "x"))
        );
        assert_eq!(split_library_id("evil.test:x"), None);
        assert!(is_valid_library_id("s.to:the-office"));
        assert!(!is_valid_library_id("s.to:../x"));
        assert!(!is_valid_library_id("nope:x"));
    }
}
