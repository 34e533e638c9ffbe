//! The catalogue client of one site (aniworld.to or s.to): search, series pages, season and
//! movies pages, episode pages and play links.
//!
//! Both sites have served two page engines (provider-reference sections 0 and 6.1): the legacy
//! one (`div.hosterSiteDirectNav`, `table.seasonEpisodesList`, `li[data-lang-key]`,
//! `/redirect/<id>`) and the v2 one of 2026 (`#season-nav`, `tr.episode-row`,
//! `button.link-box[data-play-url]`, `/r?t=<token>`). [`Catalogue`] decides per page which one
//! it got, by what the page contains, never by host name or configuration, and parses it with
//! that engine's parsers; a page of neither engine is a typed layout error naming the page and
//! what was looked for. Search tries the engines' endpoints in turn (the one that answered last
//! first): an endpoint that is gone (404, HTML instead of JSON) falls through to the next.
//!
//! Play links may expire (the page is re-read once for a fresh link) or sit behind a
//! verification wall (see [`SiteMonitor`]): a wall is its own error kind, never a layout or
//! hoster failure. [`Catalogues`] holds one client per enabled site.
//!
//! Parsed pages are kept in a small cache so one scan never fetches a page twice. Every URL is
//! built from the site's configured base URL; links given by users are checked by
//! [`Catalogue::parse_series_link`] before anything is requested.

mod cache;
pub mod canary;
mod episode_page;
mod links;
mod new_episodes;
mod search;
mod season_page;
mod series_page;
mod sites;
mod status;
mod text;
pub mod v2;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use aniworld_core::EpisodeId;
use aniworld_core::config::{ProviderConfig, SiteConfig};
use aniworld_core::ports::{
    CatalogueEpisode, CatalogueSeries, EpisodeSource, Lookup, PageValidators, SourceError,
};
use chrono::Utc;

pub use cache::{Cached, PageCache};
pub use episode_page::{language_of_flag, parse_episode_page};
pub use links::{CatalogueUrls, is_valid_key, slug_of_path};
pub use new_episodes::{NEW_EPISODES_PATH, parse_new_episodes};
pub use search::{SearchHit, parse_ajax_search, parse_json_array, parse_series_search};
pub use season_page::{EpisodeEntry, parse_season_page};
pub use series_page::{SeriesPage, parse_series_page};
pub use sites::Catalogues;
pub use status::{
    Admission, Engine, RequestListener, RequestOutcome, SiteHealth, SiteMonitor, SiteStatus,
    StatusListener,
};
pub use text::clean as clean_text;

use crate::HosterLink;
use crate::error::ProviderError;
use crate::http::{ACCEPT_JSON, HttpClient, HttpOptions};

/// Longest accepted search query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Pages of `/suche` results read for one search.
const MAX_SEARCH_PAGES: usize = 3;

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

/// The ways to search, in the order they are tried when nothing is known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchMethod {
    /// Legacy `POST /ajax/search`.
    AjaxSearch,
    /// Legacy `GET /ajax/seriesSearch`.
    SeriesSearch,
    /// v2 `GET /api/search/suggest`.
    Suggest,
    /// v2 `GET /suche` HTML results.
    Results,
}

const SEARCH_METHODS: [SearchMethod; 4] = [
    SearchMethod::AjaxSearch,
    SearchMethod::SeriesSearch,
    SearchMethod::Suggest,
    SearchMethod::Results,
];

/// Why a play-link request did not give a hoster address.
enum PlayLinkError {
    /// A verification wall; what was seen.
    Wall(String),
    /// A wall answered as an anti-bot challenge, which the HTTP client already took to the
    /// FlareSolverr endpoint when one is configured.
    WallAfterSolver(String),
    /// The link was refused or has expired; why.
    Expired(String),
    /// Anything else.
    Other(ProviderError),
}

/// The catalogue client of one site. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug)]
pub struct Catalogue {
    http: Arc<HttpClient>,
    urls: CatalogueUrls,
    cache: PageCache,
    monitor: SiteMonitor,
    /// Index into [`SEARCH_METHODS`] + 1 of the method that found something last (0 = none yet).
    last_search: AtomicU8,
    /// Index into [`SEARCH_METHODS`] + 1 of the method that answered last, hits or not.
    last_answer: AtomicU8,
}

/// Keeps a scan open on the page cache until dropped (see [`Catalogue::scan`]).
#[derive(Debug)]
pub struct ScanGuard<'a>(&'a Catalogue);

impl Drop for ScanGuard<'_> {
    fn drop(&mut self) {
        self.0.end_scan();
    }
}

/// A page of a series as fetched: its body, the URL it came from after redirects and the
/// validators it was served with.
struct Fetched {
    body: String,
    url: String,
    validators: PageValidators,
}

impl Catalogue {
    /// A client for aniworld.to at `cfg.base_url` with default options.
    pub fn new(cfg: &ProviderConfig) -> Result<Catalogue, ProviderError> {
        Self::with_options(cfg, CatalogueOptions::default())
    }

    /// A client for aniworld.to at `cfg.base_url` with explicit options.
    pub fn with_options(
        cfg: &ProviderConfig,
        opts: CatalogueOptions,
    ) -> Result<Catalogue, ProviderError> {
        let site = SiteConfig {
            base_url: cfg.base_url.clone(),
            ..SiteConfig::default()
        };
        Self::for_site(cfg, &site, opts, SiteMonitor::new())
    }

    /// A client for one site of the configuration, reporting into `monitor`.
    pub fn for_site(
        cfg: &ProviderConfig,
        site: &SiteConfig,
        opts: CatalogueOptions,
        monitor: SiteMonitor,
    ) -> Result<Catalogue, ProviderError> {
        let urls = CatalogueUrls::for_site(&site.id, &site.base_url, &site.mirrors)?;
        let http = Arc::new(HttpClient::for_site(cfg, site, opts.http.clone())?);
        Ok(Self {
            http,
            urls,
            cache: PageCache::new(opts.cache_ttl, opts.cache_capacity),
            monitor,
            last_search: AtomicU8::new(0),
            last_answer: AtomicU8::new(0),
        })
    }

    /// A client for aniworld.to sharing an existing HTTP client (its pacing, cookies and solver
    /// state).
    pub fn with_http(
        cfg: &ProviderConfig,
        http: Arc<HttpClient>,
        opts: CatalogueOptions,
    ) -> Result<Catalogue, ProviderError> {
        Ok(Self {
            http,
            urls: CatalogueUrls::new(&cfg.base_url)?,
            cache: PageCache::new(opts.cache_ttl, opts.cache_capacity),
            monitor: SiteMonitor::new(),
            last_search: AtomicU8::new(0),
            last_answer: AtomicU8::new(0),
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

    /// The site's URLs.
    pub fn urls(&self) -> &CatalogueUrls {
        &self.urls
    }

    /// The page cache.
    pub fn cache(&self) -> &PageCache {
        &self.cache
    }

    /// The site monitor this client reports into.
    pub fn monitor(&self) -> &SiteMonitor {
        &self.monitor
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

    /// The site's id (`aniworld.to`, `s.to`), whatever the configured base URL.
    pub fn site(&self) -> &'static str {
        self.urls.site()
    }

    /// The series page in the site's canonical URL family.
    pub fn series_url(&self, key: &str) -> String {
        self.urls.series(key)
    }

    /// The key of a series, season or episode link of this site (any URL family, base URL or a
    /// mirror, no user info); anything else is `InvalidLink`. No request is made.
    pub fn parse_series_link(&self, link: &str) -> Result<String, ProviderError> {
        self.urls.parse_series_link(link)
    }

    /// Searches the site. The endpoints of both engines are tried in turn, the one that
    /// answered last first; an endpoint that is gone or answers something else falls through to
    /// the next, and an empty answer is final only when no other endpoint finds anything.
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
        self.observed(|| self.search_endpoints(q))
    }

    /// Reports the outcome of one request to the site (a page read and parsed, a search, a
    /// play link) to the monitor's request listener.
    fn observed<T>(
        &self,
        request: impl FnOnce() -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        self.monitor.observe(self.site(), request())
    }

    /// [`Catalogue::search`] of a checked query: each endpoint in turn.
    fn search_endpoints(&self, q: &str) -> Result<Vec<SearchHit>, ProviderError> {
        let last = self.last_search.load(Ordering::Relaxed) as usize;
        let mut order: Vec<usize> = (0..SEARCH_METHODS.len()).collect();
        if last > 0 {
            order.retain(|&i| i != last - 1);
            order.insert(0, last - 1);
        }
        let mut answered = false;
        let mut last_error = None;
        for i in order {
            let method = SEARCH_METHODS[i];
            match self.search_with(method, q) {
                Ok(Some(hits)) => {
                    answered = true;
                    self.last_answer.store(i as u8 + 1, Ordering::Relaxed);
                    if !hits.is_empty() {
                        self.last_search.store(i as u8 + 1, Ordering::Relaxed);
                        return Ok(hits);
                    }
                }
                Ok(None) => {}
                Err(e @ ProviderError::Blocked { .. }) => return Err(e),
                Err(e) => {
                    log::info!("{}: search by {method:?} failed: {e}", self.site());
                    last_error = Some(e);
                }
            }
        }
        if answered {
            return Ok(Vec::new());
        }
        Err(last_error.unwrap_or_else(|| ProviderError::Layout {
            url: self.urls.root().to_string(),
            what: "no search endpoint answered (tried POST /ajax/search, GET /ajax/seriesSearch, \
                   GET /api/search/suggest and GET /suche)"
                .into(),
        }))
    }

    /// One search method: Some(hits) when the endpoint answered in its shape, None when it is
    /// gone (404/405/410, or an answer of another shape).
    fn search_with(
        &self,
        method: SearchMethod,
        q: &str,
    ) -> Result<Option<Vec<SearchHit>>, ProviderError> {
        let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let origin = self.urls.root().to_string();
        let gone = |e: &ProviderError| match e {
            ProviderError::NotFound { .. } => true,
            ProviderError::Http { status, .. } => matches!(status, 400 | 404 | 405 | 410 | 419),
            _ => false,
        };
        let referer = match method {
            SearchMethod::Suggest | SearchMethod::Results => {
                self.urls.at(&format!("/suche?term={encoded}"))
            }
            SearchMethod::AjaxSearch | SearchMethod::SeriesSearch => {
                self.urls.at(&format!("/search?q={encoded}"))
            }
        };
        // What the site's own scripts send with their AJAX requests.
        let ajax = [
            ("X-Requested-With", "XMLHttpRequest"),
            ("Accept", ACCEPT_JSON),
            ("Origin", origin.as_str()),
            ("Referer", referer.as_str()),
        ];
        let answer = match method {
            SearchMethod::AjaxSearch => self
                .http
                .post_form(&self.urls.at("/ajax/search"), &[("keyword", q)], &ajax)
                .map(|p| {
                    parse_json_array(&p.body).map(|items| parse_ajax_search(&items, &self.urls))
                }),
            SearchMethod::SeriesSearch => self
                .http
                .get(
                    &self
                        .urls
                        .at(&format!("/ajax/seriesSearch?keyword={encoded}")),
                    &ajax[..2],
                )
                .map(|p| {
                    parse_json_array(&p.body).map(|items| parse_series_search(&items, &self.urls))
                }),
            SearchMethod::Suggest => self
                .http
                .get(
                    &self.urls.at(&format!("/api/search/suggest?term={encoded}")),
                    &ajax,
                )
                .map(|p| v2::parse_suggest(&p.body, &self.urls)),
            SearchMethod::Results => return self.search_results_pages(&encoded),
        };
        match answer {
            Ok(hits) => Ok(hits),
            Err(e) if gone(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The `/suche` HTML results, following `rel=next` for a few pages.
    fn search_results_pages(&self, encoded: &str) -> Result<Option<Vec<SearchHit>>, ProviderError> {
        let mut url = self.urls.at(&format!("/suche?term={encoded}"));
        let mut hits: Vec<SearchHit> = Vec::new();
        for page_no in 0..MAX_SEARCH_PAGES {
            let page = match self.http.get(&url, &[]) {
                Ok(p) => p,
                Err(ProviderError::NotFound { .. }) if page_no == 0 => return Ok(None),
                Err(ProviderError::Http { status, .. })
                    if page_no == 0 && matches!(status, 400 | 405 | 410) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            if !self.urls.is_own(&page.final_url) {
                return Ok(None);
            }
            let (found, next) = match v2::parse_search_page(&page.body, &url, &self.urls) {
                Ok(r) => r,
                Err(ProviderError::Layout { .. }) if page_no == 0 => return Ok(None),
                Err(e) => return Err(e),
            };
            for h in found {
                if !hits.iter().any(|x| x.key.eq_ignore_ascii_case(&h.key)) {
                    hits.push(h);
                }
            }
            match next {
                Some(n) if self.urls.is_own(&n) && n != url => url = n,
                _ => break,
            }
        }
        Ok(Some(hits))
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

    /// Fetches a page of series `key`; a 404, or a redirect away from the site's series pages
    /// (the site sends unknown series to its start page), becomes `NotFound` naming `what`. A
    /// redirect to another URL family of the same series (the site moved) is followed.
    fn fetch(
        &self,
        url: &str,
        key: &str,
        what: impl Fn() -> String,
    ) -> Result<Fetched, ProviderError> {
        self.fetch_if_changed(url, key, what, &PageValidators::default())?
            .ok_or_else(|| ProviderError::Http {
                url: url.to_string(),
                status: 304,
            })
    }

    /// [`Catalogue::fetch`] sending `validators` as `If-None-Match` / `If-Modified-Since`:
    /// None when the site answers 304 Not Modified.
    fn fetch_if_changed(
        &self,
        url: &str,
        key: &str,
        what: impl Fn() -> String,
        validators: &PageValidators,
    ) -> Result<Option<Fetched>, ProviderError> {
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(etag) = validators.etag.as_deref() {
            headers.push(("If-None-Match", etag));
        }
        if let Some(lm) = validators.last_modified.as_deref() {
            headers.push(("If-Modified-Since", lm));
        }
        let page = self.http.get_any(url, &headers)?;
        match page.status {
            200..=299 => {}
            304 if !headers.is_empty() => return Ok(None),
            404 | 410 => return Err(ProviderError::NotFound { what: what() }),
            status => {
                return Err(ProviderError::Http {
                    url: page.final_url,
                    status,
                });
            }
        }
        if page.final_url != url {
            match self.urls.key_of(&page.final_url) {
                Some(k) if k.eq_ignore_ascii_case(key) => {}
                Some(k) => log::info!(
                    "{url} redirected to {} (series {k:?}); taking it as the same series",
                    page.final_url
                ),
                None => {
                    log::info!(
                        "{url} redirected to {}; taking it as not found",
                        page.final_url
                    );
                    return Err(ProviderError::NotFound { what: what() });
                }
            }
        }
        self.check_session(&page.body, &page.final_url);
        let header = |name: &str| {
            page.header(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let validators = PageValidators {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        Ok(Some(Fetched {
            body: page.body,
            url: page.final_url,
            validators,
        }))
    }

    /// With a site cookie configured, reads whether the page is signed in.
    fn check_session(&self, html: &str, url: &str) {
        if !self.http.has_site_cookie() {
            return;
        }
        let m = v2::session_markers(html);
        self.monitor
            .session_seen(self.site(), m.logged_in, m.login_form && !m.logged_in, url);
    }

    /// The engine a page belongs to, by its content; a page of neither engine is a layout
    /// error naming the page and what was looked for.
    fn engine_of(&self, html: &str, url: &str, kind: &str) -> Result<Engine, ProviderError> {
        let engine = detect_engine(html).ok_or_else(|| {
            if series_page::looks_not_found(html) {
                return ProviderError::NotFound {
                    what: url.to_string(),
                };
            }
            ProviderError::Layout {
                url: url.to_string(),
                what: format!(
                    "a {kind} of neither known page engine (looked for the legacy \
                     div.hosterSiteDirectNav, table.seasonEpisodesList, div.hosterSiteVideo and \
                     the v2 #season-nav, tr.episode-row, #episode-links button.link-box)"
                ),
            }
        })?;
        self.monitor.saw_engine(self.site(), engine);
        Ok(engine)
    }

    /// The series page of `key` and the URL it was served from.
    fn series_at(&self, key: &str) -> Result<(SeriesPage, String), ProviderError> {
        self.series_at_if_changed(key, &PageValidators::default())?
            .map(|(p, at, _)| (p, at))
            .ok_or_else(|| ProviderError::Http {
                url: self.urls.series(key),
                status: 304,
            })
    }

    /// The series page of `key`, the URL it was served from and its validators; None when
    /// `validators` are given and the site answers 304 Not Modified. A conditional request
    /// always goes to the site (the cache cannot answer it).
    fn series_at_if_changed(
        &self,
        key: &str,
        validators: &PageValidators,
    ) -> Result<Option<(SeriesPage, String, PageValidators)>, ProviderError> {
        Self::check_key(key)?;
        let url = self.urls.series(key);
        if validators.is_empty()
            && let Some(Cached::Series(p, at, v)) = self.cache.get(&url)
        {
            return Ok(Some((*p, at, v)));
        }
        let what = || format!("series {key:?} on {}", self.site());
        let read = self.observed(|| {
            let Some(page) = self.fetch_if_changed(&url, key, what, validators)? else {
                return Ok(None);
            };
            let parsed = match self.engine_of(&page.body, &page.url, "series page")? {
                Engine::Legacy => parse_series_page(&page.body, &page.url, key, &self.urls)?,
                Engine::V2 => v2::parse_series_page(&page.body, &page.url, key, &self.urls)?,
            };
            Ok(Some((page, parsed)))
        })?;
        let Some((page, parsed)) = read else {
            return Ok(None);
        };
        self.cache.put(
            &url,
            Cached::Series(
                Box::new(parsed.clone()),
                page.url.clone(),
                page.validators.clone(),
            ),
        );
        Ok(Some((parsed, page.url, page.validators)))
    }

    /// The series page of `key`.
    pub fn series(&self, key: &str) -> Result<SeriesPage, ProviderError> {
        self.series_at(key).map(|(p, _)| p)
    }

    /// The slugs of the series the site's list of new episodes ([`NEW_EPISODES_PATH`]) names:
    /// the change signal of a rescan. A list that cannot be read, or that names no series, is
    /// an error (no signal).
    pub fn recent_series(&self) -> Result<Vec<String>, ProviderError> {
        self.observed(|| self.read_recent_series())
    }

    fn read_recent_series(&self) -> Result<Vec<String>, ProviderError> {
        let url = self.urls.at(NEW_EPISODES_PATH);
        let page = self.http.get(&url, &[])?;
        let what = |why: &str| ProviderError::Layout {
            url: url.clone(),
            what: why.to_string(),
        };
        if !self.urls.is_own(&page.final_url) {
            return Err(what(&format!(
                "the list of new episodes redirected off the site, to {}",
                page.final_url
            )));
        }
        let slugs = parse_new_episodes(&page.body, &page.final_url, &self.urls);
        if slugs.is_empty() {
            return Err(what(
                "the list of new episodes links no episode page of the site",
            ));
        }
        Ok(slugs)
    }

    /// The episodes of season `season` of `key`; season 0 reads the movies page.
    pub fn season(&self, key: &str, season: u32) -> Result<Vec<EpisodeEntry>, ProviderError> {
        self.season_at(key, season, &self.urls.season(key, season))
    }

    fn season_at(
        &self,
        key: &str,
        season: u32,
        url: &str,
    ) -> Result<Vec<EpisodeEntry>, ProviderError> {
        Self::check_key(key)?;
        if let Some(Cached::Season(e)) = self.cache.get(url) {
            return Ok(e);
        }
        let episodes = self.observed(|| {
            let page = self.fetch(url, key, || {
                format!("season {season} of series {key:?} on {}", self.site())
            })?;
            match self.engine_of(&page.body, &page.url, "season page")? {
                Engine::Legacy => parse_season_page(&page.body, &page.url, key, season),
                Engine::V2 => v2::parse_season_page(&page.body, &page.url, key, season),
            }
        })?;
        self.cache.put(url, Cached::Season(episodes.clone()));
        Ok(episodes)
    }

    /// The (language, hoster, play link) links of one episode (or movie, season 0).
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
        self.episode_links_fresh(key, id)
    }

    /// The links of an episode read anew from the site (play links expire).
    fn episode_links_fresh(
        &self,
        key: &str,
        id: EpisodeId,
    ) -> Result<Vec<HosterLink>, ProviderError> {
        Self::check_key(key)?;
        self.observed(|| self.read_episode_links(key, id))
    }

    fn read_episode_links(
        &self,
        key: &str,
        id: EpisodeId,
    ) -> Result<Vec<HosterLink>, ProviderError> {
        let url = self.urls.episode(key, id);
        let what = || format!("episode {id} of series {key:?} on {}", self.site());
        let page = self.fetch(&url, key, what)?;
        let parsed = match self.engine_of(&page.body, &page.url, "episode page")? {
            Engine::Legacy => parse_episode_page(&page.body, &page.url, &what(), &self.urls),
            Engine::V2 => v2::parse_episode_page(&page.body, &page.url, &what(), &self.urls),
        };
        let links = match parsed {
            Ok(l) => l,
            // The page is the verification wall itself (no links, only the gate).
            Err(ProviderError::Blocked { reason, .. })
                if v2::redirect_gate(&page.body).is_some() =>
            {
                let until = self.monitor.walled(self.site(), &reason, Utc::now());
                return Err(ProviderError::VerificationRequired {
                    site: self.site().to_string(),
                    url: page.url,
                    reason,
                    until,
                });
            }
            Err(e) => return Err(e),
        };
        self.cache.put(&url, Cached::Links(links.clone()));
        Ok(links)
    }

    /// The hoster embed URL a play link (`/redirect/<id>` or `/r?t=<token>`) points to, with
    /// no re-reading of the episode page (see [`Catalogue::resolve_link`]).
    pub fn resolve_redirect(&self, redirect_url: &str) -> Result<String, ProviderError> {
        self.resolve_play_link(redirect_url, None)
    }

    /// The hoster embed URL of `link` of episode `id` of `key`. A verification wall is
    /// `VerificationRequired` (no request at all while the site cools down); an expired or
    /// refused link is replaced once by a fresh one from the episode page.
    pub fn resolve_link(
        &self,
        key: &str,
        id: EpisodeId,
        link: &HosterLink,
    ) -> Result<String, ProviderError> {
        self.resolve_play_link(&link.redirect_url, Some((key, id, link)))
    }

    fn resolve_play_link(
        &self,
        redirect_url: &str,
        episode: Option<(&str, EpisodeId, &HosterLink)>,
    ) -> Result<String, ProviderError> {
        if !self.urls.is_own(redirect_url) {
            return Err(ProviderError::InvalidLink {
                link: redirect_url.to_string(),
                reason: "play links are only followed on the configured catalogue".into(),
            });
        }
        let site = self.site();
        let now = Utc::now();
        let probe = match self.monitor.admit(site, now) {
            Admission::Wait(until) => {
                return Err(ProviderError::VerificationRequired {
                    site: site.to_string(),
                    url: redirect_url.to_string(),
                    reason: "the site's verification wall is cooling down".into(),
                    until,
                });
            }
            Admission::Probe => {
                log::info!("{site}: probing whether the verification wall is gone");
                true
            }
            Admission::Open => false,
        };
        self.observed(|| self.follow_play_link(redirect_url, episode, probe))
    }

    /// The request loop of [`Catalogue::resolve_play_link`] once the site admitted it.
    fn follow_play_link(
        &self,
        redirect_url: &str,
        episode: Option<(&str, EpisodeId, &HosterLink)>,
        probe: bool,
    ) -> Result<String, ProviderError> {
        let site = self.site();
        let mut url = redirect_url.to_string();
        let mut refreshed = false;
        loop {
            match self.play_link(&url) {
                Ok(target) => {
                    self.monitor.passed(site);
                    return Ok(target);
                }
                Err(PlayLinkError::Wall(reason) | PlayLinkError::WallAfterSolver(reason)) => {
                    let until = self.monitor.walled(site, &reason, Utc::now());
                    return Err(ProviderError::VerificationRequired {
                        site: site.to_string(),
                        url,
                        reason,
                        until,
                    });
                }
                Err(PlayLinkError::Expired(why)) => {
                    let Some((key, id, link)) = episode.filter(|_| !refreshed) else {
                        if probe {
                            self.monitor.probe_inconclusive(site);
                        }
                        return Err(ProviderError::Layout {
                            url,
                            what: format!("the play link was refused ({why})"),
                        });
                    };
                    log::info!("{url}: play link refused ({why}); reading the episode page anew");
                    refreshed = true;
                    let fresh = match self.episode_links_fresh(key, id) {
                        Ok(l) => l,
                        Err(e) => {
                            if probe {
                                self.monitor.probe_inconclusive(site);
                            }
                            return Err(e);
                        }
                    };
                    match fresh
                        .into_iter()
                        .find(|l| l.language == link.language && l.hoster == link.hoster)
                    {
                        Some(l) => url = l.redirect_url,
                        None => {
                            if probe {
                                self.monitor.probe_inconclusive(site);
                            }
                            return Err(ProviderError::NotFound {
                                what: format!(
                                    "a {} link of {} ({}) on the episode page read anew",
                                    link.hoster, id, link.language
                                ),
                            });
                        }
                    }
                }
                Err(PlayLinkError::Other(e)) => {
                    if probe {
                        self.monitor.probe_inconclusive(site);
                    }
                    return Err(e);
                }
            }
        }
    }

    /// One play-link request, without following its redirect. A wall is tried once through
    /// the FlareSolverr endpoint, when one is configured, before it counts.
    fn play_link(&self, url: &str) -> Result<String, PlayLinkError> {
        match self.play_link_once(url) {
            Err(PlayLinkError::Wall(reason)) => match self.http.solve(url) {
                Some(Ok((target, _))) if !self.urls.is_own(&target) => {
                    log::info!("{url}: the verification wall was passed by FlareSolverr");
                    Ok(target)
                }
                Some(Ok(_)) => Err(PlayLinkError::Wall(format!(
                    "{reason}; FlareSolverr stayed on the site"
                ))),
                Some(Err(e)) => Err(PlayLinkError::Wall(format!("{reason}; FlareSolverr: {e}"))),
                None => Err(PlayLinkError::Wall(reason)),
            },
            Err(PlayLinkError::WallAfterSolver(reason)) => Err(PlayLinkError::Wall(reason)),
            other => other,
        }
    }

    fn play_link_once(&self, url: &str) -> Result<String, PlayLinkError> {
        let page = match self.http.get_no_redirect(url, &[]) {
            Ok(p) => p,
            Err(ProviderError::Blocked { reason, .. }) => {
                // The wall's own cool-down takes over from the host block of the HTTP client,
                // so that the probe after it is not refused locally.
                self.http.clear_block(url);
                return Err(PlayLinkError::WallAfterSolver(reason));
            }
            Err(e) => return Err(PlayLinkError::Other(e)),
        };
        let gate = || {
            v2::redirect_gate(&page.body).unwrap_or_else(|| {
                format!(
                    "HTTP {} with a page instead of a redirect to the hoster",
                    page.status
                )
            })
        };
        match page.status {
            300..=399 => {
                let location = page
                    .header("location")
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| {
                        PlayLinkError::Other(ProviderError::Layout {
                            url: url.to_string(),
                            what: format!(
                                "HTTP {} redirect without a Location header",
                                page.status
                            ),
                        })
                    })?;
                let target = url::Url::parse(url)
                    .and_then(|b| b.join(location))
                    .map_err(|e| {
                        PlayLinkError::Other(ProviderError::Layout {
                            url: url.to_string(),
                            what: format!("redirect target {location:?} is not a URL: {e}"),
                        })
                    })?
                    .to_string();
                if self.urls.is_own(&target) || self.http.is_catalogue(&target) {
                    return Err(PlayLinkError::Expired(format!(
                        "it leads back to the catalogue ({target}), not to a hoster"
                    )));
                }
                Ok(target)
            }
            200..=299 => Err(PlayLinkError::Wall(gate())),
            403 | 429 | 503 if v2::redirect_gate(&page.body).is_some() => {
                Err(PlayLinkError::Wall(gate()))
            }
            401 | 403 | 404 | 410 | 419 | 440 => {
                Err(PlayLinkError::Expired(format!("HTTP {}", page.status)))
            }
            status => Err(PlayLinkError::Other(ProviderError::Http {
                url: url.to_string(),
                status,
            })),
        }
    }

    /// The series page plus every season and the movies, as the scanner needs them.
    pub fn catalogue_series(&self, key: &str) -> Result<CatalogueSeries, ProviderError> {
        self.catalogue_series_if_changed(key, &PageValidators::default())?
            .ok_or_else(|| ProviderError::Http {
                url: self.urls.series(key),
                status: 304,
            })
    }

    /// [`Catalogue::catalogue_series`] with the series page requested conditionally: None when
    /// the site answers 304 Not Modified to `validators` (no season page is read then).
    pub fn catalogue_series_if_changed(
        &self,
        key: &str,
        validators: &PageValidators,
    ) -> Result<Option<CatalogueSeries>, ProviderError> {
        let Some((page, page_url, served_with)) = self.series_at_if_changed(key, validators)?
        else {
            return Ok(None);
        };
        // Season pages are read below the URL the site served the series from, so a site
        // that moved to another URL family costs no redirect per season.
        let base = if self.urls.key_of(&page_url).is_some() {
            series_root(&page_url)
        } else {
            self.urls.series(key)
        };
        let mut episodes = Vec::new();
        let seasons = page
            .has_movies
            .then_some(0)
            .into_iter()
            .chain(page.seasons.iter().copied());
        for n in seasons {
            let url = if n == 0 {
                format!("{base}/filme")
            } else {
                format!("{base}/staffel-{n}")
            };
            let entries = match self.season_at(key, n, &url) {
                Ok(e) => e,
                Err(ProviderError::NotFound { what }) if n == 0 => {
                    log::warn!(
                        "{key}: the movies page is linked but not found ({what}); going on without movies"
                    );
                    continue;
                }
                Err(e) => return Err(e),
            };
            episodes.extend(entries.into_iter().map(|e| CatalogueEpisode {
                id: e.id,
                title_de: e.title_de,
                title_en: e.title_en,
                languages_offered: e.languages,
            }));
        }
        episodes.sort_by_key(|e| e.id);
        episodes.dedup_by_key(|e| e.id);
        Ok(Some(CatalogueSeries {
            title: page.title,
            year: page.start_year,
            description: page.description,
            imdb_id: page.imdb_id,
            cover_url: page.cover_url,
            episodes,
            page_url: Some(page_url),
            ended: page.end_year.is_some(),
            validators: served_with,
        }))
    }

    /// One canary check: a search and a series page (`known`, or the first hit), each parsed
    /// by the engine the page calls for. Returns the engine of the series page; the outcome is
    /// also recorded in the site monitor.
    pub fn canary(&self, query: &str, known: Option<&str>) -> Result<Engine, ProviderError> {
        let result = self.canary_check(query, known);
        let (engine, error) = match &result {
            Ok(e) => (Some(*e), None),
            Err(e) => (self.monitor.engine(self.site()), Some(e.to_string())),
        };
        self.monitor.canary(self.site(), engine, error, Utc::now());
        result
    }

    fn canary_check(&self, query: &str, known: Option<&str>) -> Result<Engine, ProviderError> {
        let hits = self.search(query)?;
        let key = match known {
            Some(k) => k.to_string(),
            None => match hits.first() {
                Some(h) => h.key.clone(),
                // The search endpoint answered in its shape; with no series to read, that is
                // all this check can say.
                None => {
                    let method = self.last_answer.load(Ordering::Relaxed) as usize;
                    return Ok(match SEARCH_METHODS.get(method.wrapping_sub(1)) {
                        Some(SearchMethod::Suggest | SearchMethod::Results) => Engine::V2,
                        _ => Engine::Legacy,
                    });
                }
            },
        };
        let url = self.urls.series(&key);
        self.observed(|| {
            let page = self.fetch(&url, &key, || format!("canary series {key:?}"))?;
            let engine = self.engine_of(&page.body, &page.url, "series page")?;
            match engine {
                Engine::Legacy => parse_series_page(&page.body, &page.url, &key, &self.urls)?,
                Engine::V2 => v2::parse_series_page(&page.body, &page.url, &key, &self.urls)?,
            };
            Ok(engine)
        })
    }
}

/// The series page URL of a series, season or episode page URL (`…/<slug>[/staffel-N[/…]]`),
/// without a trailing slash, query or fragment.
fn series_root(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return url.trim_end_matches('/').to_string();
    };
    u.set_query(None);
    u.set_fragment(None);
    let path = u.path().trim_end_matches('/').to_string();
    let cut = ["/staffel-", "/filme"]
        .iter()
        .filter_map(|m| path.find(m))
        .min()
        .unwrap_or(path.len());
    u.set_path(&path[..cut]);
    u.to_string().trim_end_matches('/').to_string()
}

/// The engine of a page by its content: v2 markers, else legacy markers, else None.
pub fn detect_engine(html: &str) -> Option<Engine> {
    if v2::is_v2(html) {
        return Some(Engine::V2);
    }
    const LEGACY: [&str; 5] = [
        "hosterSiteDirectNav",
        "seasonEpisodesList",
        "hosterSiteVideo",
        "data-lang-key",
        "series-title",
    ];
    LEGACY
        .iter()
        .any(|m| html.contains(m))
        .then_some(Engine::Legacy)
}

impl EpisodeSource for Catalogue {
    fn series(&self, key: &str) -> Result<CatalogueSeries, SourceError> {
        self.catalogue_series(key).map_err(SourceError::from)
    }

    fn series_if_changed(
        &self,
        key: &str,
        validators: &PageValidators,
    ) -> Result<Lookup, SourceError> {
        match self.catalogue_series_if_changed(key, validators) {
            Ok(Some(cat)) => Ok(Lookup::Changed(Box::new(cat))),
            Ok(None) => Ok(Lookup::NotModified),
            Err(e) => Err(e.into()),
        }
    }

    fn change_signal(&self) -> aniworld_core::ports::ChangeSignal {
        let mut signal = aniworld_core::ports::ChangeSignal::default();
        sites::add_signal(&mut signal, self);
        signal
    }
}
