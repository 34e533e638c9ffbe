//! The catalogue client: search, series pages, season and movies pages, episode pages and
//! play-link redirects of the configured catalogue (aniworld.to by default).
//!
//! [`Catalogue`] fetches pages through the polite [`HttpClient`] and parses them with the
//! parsers in the sub-modules, keeping parsed pages in a small cache so one scan never fetches
//! a page twice. It also implements [`EpisodeSource`] for the scanner. Every URL is built from
//! the configured base URL; links given by users are checked by
//! [`Catalogue::parse_series_link`] before anything is requested.

mod cache;
mod episode_page;
mod links;
mod search;
mod season_page;
mod series_page;
mod text;

use std::sync::Arc;
use std::time::Duration;

use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{CatalogueEpisode, CatalogueSeries, EpisodeSource, SourceError};
use aniworld_core::{EpisodeId, SITE_ID};

pub use cache::{Cached, PageCache};
pub use episode_page::{language_of_flag, parse_episode_page};
pub use links::{CatalogueUrls, is_valid_key};
pub use search::{SearchHit, parse_ajax_search, parse_json_array, parse_series_search};
pub use season_page::{EpisodeEntry, parse_season_page};
pub use series_page::{SeriesPage, parse_series_page};
pub use text::clean as clean_text;

use crate::HosterLink;
use crate::error::ProviderError;
use crate::http::{ACCEPT_JSON, HttpClient, HttpOptions};

/// Longest accepted search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Tuning of the catalogue client.
#[derive(Debug, Clone)]
pub struct CatalogueOptions {
    /// Options of the HTTP client built by [`Catalogue::with_options`].
    pub http: HttpOptions,
    /// How long a parsed page stays cached outside a scan.
    pub cache_ttl: Duration,
    /// Most pages cached.
    pub cache_capacity: usize,
}

impl Default for CatalogueOptions {
    fn default() -> Self {
        Self {
            http: HttpOptions::default(),
            cache_ttl: Duration::from_secs(300),
            cache_capacity: 16_384,
        }
    }
}

/// The catalogue client. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug)]
pub struct Catalogue {
    http: Arc<HttpClient>,
    urls: CatalogueUrls,
    cache: PageCache,
}

/// Keeps a scan open on the page cache until dropped (see [`Catalogue::scan`]).
#[derive(Debug)]
pub struct ScanGuard<'a>(&'a Catalogue);

impl Drop for ScanGuard<'_> {
    fn drop(&mut self) {
        self.0.end_scan();
    }
}

impl Catalogue {
    /// A client for the configuration with default options.
    pub fn new(cfg: &ProviderConfig) -> Result<Catalogue, ProviderError> {
        Self::with_options(cfg, CatalogueOptions::default())
    }

    /// A client for the configuration with explicit options.
    pub fn with_options(
        cfg: &ProviderConfig,
        opts: CatalogueOptions,
    ) -> Result<Catalogue, ProviderError> {
        let urls = CatalogueUrls::new(&cfg.base_url)?;
        let http = Arc::new(HttpClient::with_options(cfg, opts.http.clone())?);
        Ok(Self {
            http,
            urls,
            cache: PageCache::new(opts.cache_ttl, opts.cache_capacity),
        })
    }

    /// A client sharing an existing HTTP client (its pacing, cookies and solver state).
    pub fn with_http(
        cfg: &ProviderConfig,
        http: Arc<HttpClient>,
        opts: CatalogueOptions,
    ) -> Result<Catalogue, ProviderError> {
        Ok(Self {
            http,
            urls: CatalogueUrls::new(&cfg.base_url)?,
            cache: PageCache::new(opts.cache_ttl, opts.cache_capacity),
        })
    }

    /// The HTTP client (for the hoster extractors).
    pub fn http(&self) -> &Arc<HttpClient> {
        &self.http
    }

    /// The configured base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.urls.root()
    }

    /// The page cache.
    pub fn cache(&self) -> &PageCache {
        &self.cache
    }

    /// Opens a scan: pages fetched from now on are kept until the matching [`Catalogue::end_scan`].
    pub fn begin_scan(&self) {
        self.cache.begin_scan();
    }

    /// Closes a scan; the cache empties when no scan is open any more.
    pub fn end_scan(&self) {
        self.cache.end_scan();
    }

    /// Opens a scan that closes when the guard is dropped.
    pub fn scan(&self) -> ScanGuard<'_> {
        self.begin_scan();
        ScanGuard(self)
    }

    /// The catalogue's id ([`SITE_ID`], `aniworld.to`), whatever the configured base URL.
    pub fn site(&self) -> &'static str {
        SITE_ID
    }

    /// `<base>/anime/stream/<key>`.
    pub fn series_url(&self, key: &str) -> String {
        self.urls.series(key)
    }

    /// The key of a series link of the configured catalogue (same scheme, host and port, no
    /// user info, path `/anime/stream/<key>[/]`); anything else is `InvalidLink`. No request.
    pub fn parse_series_link(&self, link: &str) -> Result<String, ProviderError> {
        self.urls.parse_series_link(link)
    }

    /// Searches the catalogue: `POST /ajax/search`, falling back to `GET /ajax/seriesSearch`.
    pub fn search(&self, query: &str) -> Result<Vec<SearchHit>, ProviderError> {
        let q = query.trim();
        if q.is_empty() {
            return Err(ProviderError::InvalidQuery {
                reason: "the query is empty".into(),
            });
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(ProviderError::InvalidQuery {
                reason: format!("the query is longer than {MAX_QUERY_CHARS} characters"),
            });
        }
        let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let referer = self.urls.at(&format!("/search?q={encoded}"));
        let origin = self.urls.root().to_string();
        let post_url = self.urls.at("/ajax/search");
        let headers = [
            ("X-Requested-With", "XMLHttpRequest"),
            ("Accept", ACCEPT_JSON),
            ("Origin", origin.as_str()),
            ("Referer", referer.as_str()),
        ];
        match self.http.post_form(&post_url, &[("keyword", q)], &headers) {
            Ok(page) => match parse_json_array(&page.body) {
                Some(items) => return Ok(parse_ajax_search(&items, &self.urls)),
                None => log::info!("{post_url}: answer is not JSON; trying the fallback search"),
            },
            Err(e @ ProviderError::Blocked { .. }) => return Err(e),
            Err(e) => log::info!("{post_url}: {e}; trying the fallback search"),
        }
        let get_url = self
            .urls
            .at(&format!("/ajax/seriesSearch?keyword={encoded}"));
        let page = self.http.get(&get_url, &headers[..2])?;
        let items = parse_json_array(&page.body).ok_or_else(|| ProviderError::Layout {
            url: get_url.clone(),
            what: "the search answer is not a JSON list".into(),
        })?;
        Ok(parse_series_search(&items, &self.urls))
    }

    fn check_key(key: &str) -> Result<(), ProviderError> {
        if is_valid_key(key) {
            Ok(())
        } else {
            Err(ProviderError::InvalidLink {
                link: key.to_string(),
                reason: "not a catalogue key ([A-Za-z0-9-])".into(),
            })
        }
    }

    /// Fetches a page of series `key`; a 404, or a redirect away from the series (the site
    /// sends unknown series to its start page), becomes `NotFound` naming `what`.
    fn fetch(
        &self,
        url: &str,
        key: &str,
        what: impl Fn() -> String,
    ) -> Result<String, ProviderError> {
        let page = match self.http.get(url, &[]) {
            Ok(page) => page,
            Err(ProviderError::NotFound { .. }) => {
                return Err(ProviderError::NotFound { what: what() });
            }
            Err(e) => return Err(e),
        };
        if page.final_url != url && !self.urls.is_series_page(&page.final_url, key) {
            log::info!(
                "{url} redirected to {}; taking it as not found",
                page.final_url
            );
            return Err(ProviderError::NotFound { what: what() });
        }
        Ok(page.body)
    }

    /// The series page of `key`.
    pub fn series(&self, key: &str) -> Result<SeriesPage, ProviderError> {
        Self::check_key(key)?;
        let url = self.urls.series(key);
        if let Some(Cached::Series(p)) = self.cache.get(&url) {
            return Ok(p);
        }
        let html = self.fetch(&url, key, || format!("series {key:?}"))?;
        let page = parse_series_page(&html, &url, key, &self.urls)?;
        self.cache.put(&url, Cached::Series(page.clone()));
        Ok(page)
    }

    /// The episodes of season `season` of `key`; season 0 reads the movies page.
    pub fn season(&self, key: &str, season: u32) -> Result<Vec<EpisodeEntry>, ProviderError> {
        Self::check_key(key)?;
        let url = self.urls.season(key, season);
        if let Some(Cached::Season(e)) = self.cache.get(&url) {
            return Ok(e);
        }
        let html = self.fetch(&url, key, || format!("season {season} of series {key:?}"))?;
        let episodes = parse_season_page(&html, &url, key, season)?;
        self.cache.put(&url, Cached::Season(episodes.clone()));
        Ok(episodes)
    }

    /// The (language, hoster, redirect) links of one episode (or movie, season 0).
    pub fn episode_links(
        &self,
        key: &str,
        id: EpisodeId,
    ) -> Result<Vec<HosterLink>, ProviderError> {
        Self::check_key(key)?;
        let url = self.urls.episode(key, id);
        if let Some(Cached::Links(l)) = self.cache.get(&url) {
            return Ok(l);
        }
        let what = || format!("episode {id} of series {key:?}");
        let html = self.fetch(&url, key, what)?;
        let links = parse_episode_page(&html, &url, &what(), &self.urls)?;
        self.cache.put(&url, Cached::Links(links.clone()));
        Ok(links)
    }

    /// The hoster embed URL a catalogue redirect (`<base>/redirect/<id>`) points to.
    pub fn resolve_redirect(&self, redirect_url: &str) -> Result<String, ProviderError> {
        if !self.http.is_catalogue(redirect_url) {
            return Err(ProviderError::InvalidLink {
                link: redirect_url.to_string(),
                reason: "redirects are only followed on the configured catalogue".into(),
            });
        }
        let target = self.http.get_redirect_target(redirect_url, &[])?;
        if self.http.is_catalogue(&target) {
            return Err(ProviderError::Layout {
                url: redirect_url.to_string(),
                what: format!(
                    "the redirect leads back to the catalogue ({target}), not to a hoster"
                ),
            });
        }
        Ok(target)
    }

    /// The series page plus every season and the movies, as the scanner needs them.
    pub fn catalogue_series(&self, key: &str) -> Result<CatalogueSeries, ProviderError> {
        let page = self.series(key)?;
        let mut episodes = Vec::new();
        let seasons = page
            .has_movies
            .then_some(0)
            .into_iter()
            .chain(page.seasons.iter().copied());
        for n in seasons {
            episodes.extend(self.season(key, n)?.into_iter().map(|e| CatalogueEpisode {
                id: e.id,
                title_de: e.title_de,
                title_en: e.title_en,
            }));
        }
        episodes.sort_by_key(|e| e.id);
        episodes.dedup_by_key(|e| e.id);
        Ok(CatalogueSeries {
            title: page.title,
            year: page.start_year,
            description: page.description,
            imdb_id: page.imdb_id,
            cover_url: page.cover_url,
            episodes,
        })
    }
}

impl EpisodeSource for Catalogue {
    fn series(&self, key: &str) -> Result<CatalogueSeries, SourceError> {
        self.catalogue_series(key).map_err(SourceError::from)
    }
}
