//! The library use cases: search the catalogue, add series, list and show them, and run scans
//! one at a time in the background.
//!
//! [`LibraryService`] plugs the catalogue of the current configuration ([`CatalogueHandle`]), the
//! store and the scanner of `aniworld-library` together. Every method is synchronous (SQLite,
//! catalogue requests, folder walks): async front ends call it off their event loop. Scans go
//! through the [`ScanCoordinator`], which the scheduler shares, and report
//! [`Event::ScanProgress`] / [`Event::ScanComplete`] to the event sink.
//!
//! How each series is followed (monitored, languages, cutoff, upgrades) is read and changed in
//! `library/monitoring.rs`; removing a series, with its queue items and optionally the files the
//! service wrote, in `library/removal.rs` (docs/monitoring.md).

mod monitoring;
mod removal;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aniworld_core::naming::SeriesFolder;
use aniworld_core::ports::{EpisodeRecord, SeriesRepo};
use aniworld_core::series::{SeriesFilter, SeriesQuery, SeriesSort, library_id};
use aniworld_core::{AppConfig, MonitoringPatch, Series};
use aniworld_library::{
    AddedSeries, LibraryError, RecheckPolicy, RescanMode, ScanCoordinator, ScanOptions, ScanReport,
    Scanner, anime_dir_from_config,
};
use aniworld_provider::catalogue::canary::{CanaryPlan, CanaryRunner, KnownSeries, PlanSource};
use aniworld_provider::catalogue::{MAX_QUERY_CHARS, SearchHit, SiteStatus};
use aniworld_store::Store;

use crate::catalogue::CatalogueHandle;
use crate::config::ConfigService;
use crate::error::ServiceError;
use crate::events::{Event, Events};
use crate::nfo::NfoService;

pub use monitoring::SeriesDetail;
pub use removal::{KeptFile, RemovedSeries};

/// Which series a library page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListFilter {
    /// Series with at least one missing episode (the default).
    #[default]
    MissingEpisodes,
    /// Series with missing episodes and no episode file on disk.
    NoEpisodes,
    /// Every series.
    All,
}

/// Order of a library page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortBy {
    /// By name, case-insensitively (`title` and `name`; also the default).
    #[default]
    Name,
    /// By key.
    Id,
    /// By the number of missing episodes, most first, then by name.
    MissingEpisodes,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListRequest {
    /// Page number, from 1.
    pub page: usize,
    /// Series per page, 1..=1000.
    pub per_page: usize,
    /// Order.
    pub sort: SortBy,
    /// Selection.
    pub filter: ListFilter,
}

/// See [`LibraryService::listing_generation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingGeneration {
    store: u64,
    config: u64,
}

/// The library at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryStatus {
    /// The configured anime directory, as configured.
    pub directory: Option<String>,
    /// Series in the library.
    pub series_count: usize,
    /// Whether a full scan is running.
    pub scan_in_progress: bool,
}

/// An episode of a series as the library shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeView {
    /// The episode as stored.
    pub record: EpisodeRecord,
    /// Whether, why and in which language it is wanted; None when it is not.
    pub wanted: Option<aniworld_core::wanted::Wanted>,
}

/// The library use cases; share it behind an `Arc`.
pub struct LibraryService {
    config: Arc<ConfigService>,
    store: Store,
    catalogue: Arc<CatalogueHandle>,
    scanner: Arc<Scanner>,
    coordinator: Arc<ScanCoordinator>,
    events: Events,
    nfo: Arc<NfoService>,
    /// The queue and the history, attached once they run ([`LibraryService::attach_downloads`]):
    /// removing a series needs them.
    downloads: OnceLock<removal::Downloads>,
}

impl std::fmt::Debug for LibraryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryService")
            .field("coordinator", &self.coordinator)
            .finish_non_exhaustive()
    }
}

impl LibraryService {
    /// Wires the catalogue of the current configuration, the store and a scanner together;
    /// series added get their metadata through `nfo`.
    pub fn new(
        config: Arc<ConfigService>,
        store: Store,
        events: Events,
        nfo: Arc<NfoService>,
    ) -> Self {
        let catalogue = Arc::new(CatalogueHandle::new(config.clone()));
        let options = ScanOptions::from_config(&config.current());
        let scanner = Arc::new(Scanner::new(
            catalogue.clone(),
            Arc::new(store.clone()),
            options,
        ));
        Self {
            config,
            store,
            catalogue,
            scanner,
            coordinator: Arc::new(ScanCoordinator::new()),
            events,
            nfo,
            downloads: OnceLock::new(),
        }
    }

    /// The catalogue of the current configuration.
    pub fn catalogue(&self) -> &Arc<CatalogueHandle> {
        &self.catalogue
    }

    /// Announces every change of a catalogue site's status as an [`Event::SiteStatus`] (the
    /// monitor logs it at warn).
    pub fn publish_site_status(&self) {
        let events = self.events.clone();
        self.catalogue
            .monitor()
            .set_listener(Arc::new(move |st: &SiteStatus| {
                events.publish(Event::SiteStatus(st.clone()));
            }));
    }

    /// Starts the catalogue canary (on start, then every `provider.canary_interval_minutes`).
    /// A series the library has on a site is the one its check reads.
    pub fn spawn_canary(&self) -> std::io::Result<CanaryRunner> {
        let handle = self.catalogue.clone();
        let config = self.config.clone();
        let plan: PlanSource = Arc::new(move || {
            let minutes = config.current().provider.canary_interval_minutes;
            let catalogues = handle.get().ok()?;
            Some(CanaryPlan {
                catalogues,
                interval: (minutes > 0).then(|| Duration::from_secs(u64::from(minutes) * 60)),
            })
        });
        let store = self.store.clone();
        let known: KnownSeries = Arc::new(move |site: &str| {
            store
                .first_series_of_site(site)
                .ok()
                .flatten()
                .map(|s| (s.slug().to_string(), s.name))
        });
        CanaryRunner::spawn(plan, known)
    }

    /// The status of every enabled catalogue site, by site id.
    pub fn site_statuses(&self) -> Vec<SiteStatus> {
        let sites: Vec<&'static str> = match self.catalogue.get() {
            Ok(c) => c.sites().iter().map(|c| c.site()).collect(),
            Err(_) => Vec::new(),
        };
        sites
            .into_iter()
            .map(|s| self.catalogue.monitor().status(s))
            .collect()
    }

    /// The scanner (shared walk cache).
    pub fn scanner(&self) -> &Arc<Scanner> {
        &self.scanner
    }

    /// The one-scan-at-a-time coordinator (shared with the scheduler).
    pub fn coordinator(&self) -> &Arc<ScanCoordinator> {
        &self.coordinator
    }

    /// The anime directory of the current configuration ([`aniworld_library::LibraryError::NoAnimeDirectory`]
    /// when none is set).
    pub fn anime_dir(&self) -> Result<PathBuf, ServiceError> {
        Ok(anime_dir_from_config(&self.config.current())?)
    }

    /// Sets the anime folder (`directory`, absolute; created when missing, and it must be
    /// writable) and answers how many series the library holds.
    pub fn set_anime_directory(&self, directory: &str) -> Result<usize, ServiceError> {
        let directory = directory.trim();
        if directory.is_empty() || directory.contains('\0') {
            return Err(ServiceError::invalid(
                "directory",
                "must be a non-empty path",
            ));
        }
        self.config
            .set_anime_directory(directory)
            .map_err(|e| e.for_anime_directory_field("directory"))?;
        Ok(self.store.count_series()?)
    }

    /// Directory, number of series and whether a scan runs.
    pub fn status(&self) -> Result<LibraryStatus, ServiceError> {
        let config: Arc<AppConfig> = self.config.current();
        Ok(LibraryStatus {
            directory: config.other.anime_directory.clone(),
            series_count: self.store.count_series()?,
            scan_in_progress: self.coordinator.scan_in_progress(),
        })
    }

    /// Where the library's pages stand: equal generations mean that a page (with its links)
    /// computed under one is still what [`LibraryService::list`] and
    /// [`LibraryService::links_of`] answer under the other. It moves with every write to the
    /// store and every change of the configuration.
    pub fn listing_generation(&self) -> ListingGeneration {
        ListingGeneration {
            store: self.store.write_generation(),
            config: self.config.generation(),
        }
    }

    /// One page of the library, filtered, sorted and paged by the store (a page costs a page,
    /// whatever the size of the library).
    pub fn list(&self, req: &ListRequest) -> Result<Vec<Series>, ServiceError> {
        let query = SeriesQuery {
            filter: match req.filter {
                ListFilter::All => SeriesFilter::All,
                ListFilter::MissingEpisodes => SeriesFilter::MissingEpisodes,
                ListFilter::NoEpisodes => SeriesFilter::NoEpisodes,
            },
            sort: match req.sort {
                SortBy::Name => SeriesSort::Name,
                SortBy::Id => SeriesSort::Key,
                SortBy::MissingEpisodes => SeriesSort::MissingEpisodes,
            },
            offset: (req.page - 1).saturating_mul(req.per_page),
            limit: req.per_page,
        };
        Ok(self.store.list_series_page(&query)?)
    }

    /// The absolute catalogue link of a series: the page its site last served it from (on the
    /// site's current base URL), else the site's canonical link; empty when its site is not
    /// enabled or the provider URL is unusable.
    pub fn link_of(&self, serie: &Series) -> String {
        self.links_of(std::slice::from_ref(serie))
            .pop()
            .unwrap_or_default()
    }

    /// [`LibraryService::link_of`] of every series of a page (the catalogues are looked up once).
    pub fn links_of(&self, series: &[Series]) -> Vec<String> {
        let catalogues = self.catalogue.get().ok();
        series
            .iter()
            .map(|s| {
                catalogues
                    .as_ref()
                    .and_then(|c| c.link_of(&s.key, s.catalogue_url.as_deref()))
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Searches the catalogue; the query is checked (1 to 200 characters) before any request.
    /// Each hit comes with the library's series of the same key, when it is already added.
    pub fn search(&self, query: &str) -> Result<Vec<(SearchHit, Option<Series>)>, ServiceError> {
        let q = query.trim();
        if q.is_empty() {
            return Err(ServiceError::invalid("query", "must not be empty"));
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(ServiceError::invalid(
                "query",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let catalogues = self.catalogue.get()?;
        let hits = catalogues.search(q)?;
        hits.into_iter()
            .map(|mut hit| {
                // A cover is shown straight from the catalogue: one on any other host is dropped.
                let site_origin = catalogues
                    .get(&hit.site)
                    .and_then(|c| origin_of(c.base_url()));
                if hit.cover_url.as_deref().and_then(origin_of) != site_origin {
                    hit.cover_url = None;
                }
                let known = self.store.get_series(&library_id(&hit.site, &hit.key))?;
                Ok((hit, known))
            })
            .collect()
    }

    /// The origins (`scheme://host[:port]`) of the enabled catalogue sites: where the covers of
    /// search hits come from (the web UI's pages allow images from them).
    pub fn catalogue_origins(&self) -> Vec<String> {
        let Ok(catalogues) = self.catalogue.get() else {
            return Vec::new();
        };
        let mut out: Vec<String> = catalogues
            .sites()
            .iter()
            .filter_map(|c| origin_of(c.base_url()))
            .collect();
        out.dedup();
        out
    }

    /// Adds the series behind a catalogue link (series, season or episode link of an enabled
    /// site, in any URL family): links to anything else are refused with no request at all.
    /// It gets the default monitoring settings.
    pub fn add(&self, link: &str, name: Option<&str>) -> Result<AddedSeries, ServiceError> {
        self.add_with(link, name, MonitoringPatch::default())
    }

    /// [`LibraryService::add`] with monitoring settings other than the defaults: `settings`
    /// is checked (naming the field) before any request, and stored with the series.
    pub fn add_with(
        &self,
        link: &str,
        name: Option<&str>,
        settings: MonitoringPatch,
    ) -> Result<AddedSeries, ServiceError> {
        let monitoring = self.checked_monitoring(&Default::default(), settings)?;
        let catalogues = self.catalogue.get()?;
        let key = catalogues
            .library_id_of_link(link)
            .map_err(|e| ServiceError::invalid("link", e.to_string()))?;
        let anime_dir = self.anime_dir()?;
        self.apply_recheck_policy();
        let added = self
            .scanner
            .add_series_with(&anime_dir, &key, name, &monitoring)?;
        // tvshow.nfo and artwork follow on their own thread when `nfo.auto_create` is on.
        self.nfo.series_added_in_background(added.serie.key.clone());
        Ok(added)
    }

    /// Gives the scanner the re-check periods of the current `scheduler` section.
    fn apply_recheck_policy(&self) {
        self.scanner
            .set_recheck_policy(RecheckPolicy::from_config(&self.config.current().scheduler));
    }

    /// A series by library id (`<slug>` for aniworld.to, `s.to:<slug>`), by a bare slug that
    /// only one site has, or by folder name (deprecated fallback).
    pub fn detail(&self, id: &str) -> Result<Series, ServiceError> {
        if let Some(s) = self.store.get_series(id)? {
            return Ok(s);
        }
        if !id.contains(':') {
            for site in aniworld_core::config::SITE_IDS {
                if let Some(s) = self.store.get_series(&library_id(site, id))? {
                    return Ok(s);
                }
            }
        }
        self.store
            .find_series_by_folder(id)?
            .ok_or_else(|| ServiceError::NotFound(format!("Series '{id}' not found")))
    }

    /// Every known episode of a series (by key or folder), sorted by season and episode, each
    /// with whether it is wanted under the series' monitoring settings in force
    /// ([`aniworld_core::wanted::wanted`]; whether the series is monitored and what is queued
    /// are not looked at here).
    pub fn episodes(&self, id: &str) -> Result<Vec<EpisodeView>, ServiceError> {
        let serie = self.detail(id)?;
        let profile = self.monitoring_of(&serie);
        let mut episodes = self.store.list_episodes(&serie.key)?;
        episodes.sort_by_key(|e| e.id);
        Ok(episodes
            .into_iter()
            .map(|record| EpisodeView {
                wanted: aniworld_core::wanted::wanted(&profile, &record),
                record,
            })
            .collect())
    }

    /// The bytes of `<anime_dir>/<folder>/poster.jpg` of a series (by key or folder). The path
    /// is built from the stored folder only; [`ServiceError::NotFound`] when the series or the
    /// file is missing.
    pub fn poster(&self, id: &str) -> Result<Vec<u8>, ServiceError> {
        let serie = self.detail(id)?;
        let not_found = || ServiceError::NotFound(format!("Series '{id}' has no poster"));
        let Ok(folder) = SeriesFolder::parse(&serie.folder) else {
            return Err(not_found());
        };
        let path = self.anime_dir()?.join(folder).join(POSTER_FILE);
        if !path.is_file() {
            return Err(not_found());
        }
        match std::fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(not_found()),
            Err(e) => Err(ServiceError::Unavailable(format!(
                "The anime folder cannot be used: could not read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Starts a scan in `mode` (full or changed) on a background thread; refused while one runs
    /// or without an anime directory. Progress and the outcome are published as events.
    pub fn start_rescan(&self, mode: RescanMode) -> Result<(), ServiceError> {
        let anime_dir = self.anime_dir()?;
        let catalogue = self.catalogue.get()?;
        self.apply_recheck_policy();
        catalogue.begin_scan();
        let progress_events = self.events.clone();
        let done_events = self.events.clone();
        let done_catalogue = catalogue.clone();
        let started = self.coordinator.spawn_mode(
            mode,
            self.scanner.clone(),
            anime_dir,
            Box::new(move |p| progress_events.publish(Event::ScanProgress(p.clone()))),
            Box::new(move |result| {
                done_catalogue.end_scan();
                publish_complete(&done_events, result);
            }),
        );
        if let Err(e) = started {
            catalogue.end_scan();
            return Err(e.into());
        }
        log::info!("library rescan ({}) started", mode.as_str());
        Ok(())
    }

    /// Runs a scan in `mode` on the calling thread (for the scheduler), with the same events as
    /// [`LibraryService::start_rescan`]. Answers [`LibraryError::ScanInProgress`] while one runs.
    pub fn scan_now(&self, mode: RescanMode) -> Result<ScanReport, LibraryError> {
        let anime_dir = anime_dir_from_config(&self.config.current())?;
        let catalogue = self
            .catalogue
            .get()
            .map_err(|e| LibraryError::Source(e.into()))?;
        self.apply_recheck_policy();
        catalogue.begin_scan();
        let events = self.events.clone();
        let result = self
            .coordinator
            .run_mode(mode, &self.scanner, &anime_dir, &mut |p| {
                events.publish(Event::ScanProgress(p.clone()))
            });
        catalogue.end_scan();
        publish_complete(&self.events, &result);
        result
    }
}

/// File name of a series poster in its folder (written by the metadata artwork step).
pub const POSTER_FILE: &str = "poster.jpg";

/// Announces the end of a scan (logged when it could not run at all).
fn publish_complete(events: &Events, result: &Result<ScanReport, LibraryError>) {
    let outcome = match result {
        Ok(r) => Ok(r.clone()),
        Err(e) => {
            log::warn!("library rescan failed: {e}");
            Err(e.to_string())
        }
    };
    events.publish(Event::ScanComplete(outcome));
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased; None for anything else
/// (relative links, other schemes, user info).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty()
        || authority.contains('@')
        || !authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_of_absolute_http_urls_only() {
        assert_eq!(
            origin_of("https://AniWorld.to/public/img/cover/x.jpg").as_deref(),
            Some("https://aniworld.to")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("/public/img/x.jpg"), None);
        assert_eq!(origin_of("javascript://x"), None);
        assert_eq!(origin_of("https://user@evil.example/x"), None);
        assert_eq!(origin_of("https://a b/x"), None);
    }
}
