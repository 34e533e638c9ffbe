//! Anime endpoints (api.md section 3): library status, list, catalogue search, add, rescan and
//! detail; changing how a series is followed and removing it ([`monitoring`]). The work happens
//! in [`LibraryService`]; handlers validate, call it once off the async workers and shape the
//! answer.

pub mod monitoring;

use std::str::FromStr;

use actix_web::{HttpResponse, web};
use aniworld_core::naming::series_folder_name;
use aniworld_core::{MissingEpisodes, Series};
use aniworld_library::{AddedSeries, RescanMode};
use aniworld_provider::catalogue::SearchHit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::body::Json;
use crate::error::ApiError;
use crate::page_cache::PageCache;
use crate::state::AppState;
use aniworld_service::library::{
    EpisodeView, LibraryService, ListFilter, ListRequest, ListingGeneration, SeriesDetail, SortBy,
};
use monitoring::{LanguageName, MonitoringChanges, MonitoringView};

/// Largest `per_page`.
pub const MAX_PER_PAGE: usize = 1000;
/// `per_page` when none is given.
pub const DEFAULT_PER_PAGE: usize = 20;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(
        get_library_status,
        list_anime,
        search_anime,
        search_anime_by_body,
        add_anime,
        start_rescan,
        get_anime,
        monitoring::update_anime,
        monitoring::remove_anime,
        list_episodes,
        get_poster
    ),
    components(schemas(
        AnimeStatus,
        AnimeSummary,
        SearchResult,
        LibrarySeries,
        MonitoringView,
        MonitoringChanges,
        LanguageName,
        monitoring::RemovalResponse,
        monitoring::KeptFileEntry,
        SearchRequest,
        AddRequest,
        AddResponse,
        RescanResponse,
        AnimeDetail,
        EpisodeEntry,
        SortName,
        FilterName,
        RescanModeName
    )),
    tags((name = "anime", description = "Library, catalogue search and scans"))
)]
pub struct Doc;

/// Registers the routes; the fixed paths come before `/api/anime/{anime_id}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/anime/status").route(web::get().to(get_library_status)))
        .service(web::resource("/api/anime").route(web::get().to(list_anime)))
        .service(
            web::resource("/api/anime/search")
                .route(web::get().to(search_anime))
                .route(web::post().to(search_anime_by_body)),
        )
        .service(web::resource("/api/anime/add").route(web::post().to(add_anime)))
        .service(web::resource("/api/anime/rescan").route(web::post().to(start_rescan)))
        .service(
            web::resource("/api/anime/{anime_id}")
                .route(web::get().to(get_anime))
                .route(web::patch().to(monitoring::update_anime))
                .route(web::delete().to(monitoring::remove_anime)),
        )
        .service(
            web::resource("/api/anime/{anime_id}/episodes").route(web::get().to(list_episodes)),
        )
        .service(web::resource("/api/anime/{anime_id}/poster").route(web::get().to(get_poster)));
}

/// Answer of `GET /api/anime/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnimeStatus {
    /// The anime directory as configured (null when none is set).
    pub directory: Option<String>,
    /// Series in the library.
    pub series_count: usize,
    /// Whether a library scan is running.
    pub scan_in_progress: bool,
}

/// A series in lists and search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnimeSummary {
    /// Catalogue key, the primary id.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Catalogue id (`aniworld.to`).
    pub site: String,
    /// Folder name in the library (for search hits not yet added: the sanitized name, with the
    /// year when the search answer gives one).
    pub folder: String,
    /// Season (string key) -> sorted missing episode numbers (empty for hits not yet added).
    #[schema(value_type = Object)]
    pub missing_episodes: MissingEpisodes,
    /// Absolute link to the series on the catalogue.
    pub link: String,
}

impl AnimeSummary {
    fn from_serie(s: Series, link: String) -> Self {
        Self {
            key: s.slug().to_string(),
            name: s.name,
            site: s.site,
            folder: s.folder,
            missing_episodes: s.missing,
            link,
        }
    }

    /// A search hit; a series already in the library shows its folder and missing episodes.
    fn from_hit(h: SearchHit, known: Option<Series>) -> Self {
        let (folder, missing_episodes) = match known {
            Some(s) => (s.folder, s.missing),
            None => (
                series_folder_name(&h.name, h.year),
                MissingEpisodes::default(),
            ),
        };
        Self {
            key: h.key,
            name: h.name,
            site: h.site.clone(),
            folder,
            missing_episodes,
            link: h.link,
        }
    }
}

/// A hit of `GET`/`POST /api/anime/search`: its summary and what the catalogue's search answer
/// tells about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Key, name, site, folder, missing episodes and link.
    #[serde(flatten)]
    pub summary: AnimeSummary,
    /// First production year, when the search answer gives one.
    pub year: Option<i32>,
    /// Absolute URL of the cover on the catalogue's own host, when the search answer gives one
    /// (covers on any other host are left out).
    pub cover_url: Option<String>,
    /// Short description, plain text, when the search answer gives one.
    pub description: Option<String>,
}

impl SearchResult {
    fn from_hit(mut h: SearchHit, known: Option<Series>) -> Self {
        let year = h.year;
        let cover_url = h.cover_url.take();
        let description = h.description.take();
        Self {
            summary: AnimeSummary::from_hit(h, known),
            year,
            cover_url,
            description,
        }
    }
}

/// A series of `GET /api/anime`: its summary and how the library follows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LibrarySeries {
    /// Key, name, site, folder, missing episodes and link.
    #[serde(flatten)]
    pub summary: AnimeSummary,
    /// Monitored, accepted languages, cutoff and upgrades.
    #[serde(flatten)]
    pub monitoring: MonitoringView,
}

/// Query of `GET /api/anime`. The values arrive as strings and [`ListQuery::validate`] parses
/// them (`sort_by` into [`SortName`], `filter` into [`FilterName`]) in a fixed order, so that a
/// bad value answers 422 naming its field with its own message, the first of several included.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Page number, at least 1 (default 1).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 4294967295_u64)]
    pub page: Option<String>,
    /// Series per page, 1 to 1000 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub per_page: Option<String>,
    /// `title`, `id`, `name` or `missing_episodes` (most missing first).
    #[param(value_type = Option<SortName>)]
    pub sort_by: Option<String>,
    /// `missing_episodes` (default), `no_episodes` or `all`.
    #[param(value_type = Option<FilterName>)]
    pub filter: Option<String>,
}

/// A sort order of `GET /api/anime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortName {
    /// By name.
    Title,
    /// By database id.
    Id,
    /// By name.
    Name,
    /// Most missing episodes first.
    MissingEpisodes,
}

impl FromStr for SortName {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "title" => Ok(Self::Title),
            "id" => Ok(Self::Id),
            "name" => Ok(Self::Name),
            "missing_episodes" => Ok(Self::MissingEpisodes),
            _ => Err("must be one of title, id, name, missing_episodes"),
        }
    }
}

impl From<SortName> for SortBy {
    fn from(s: SortName) -> Self {
        match s {
            SortName::Title | SortName::Name => SortBy::Name,
            SortName::Id => SortBy::Id,
            SortName::MissingEpisodes => SortBy::MissingEpisodes,
        }
    }
}

/// A filter of `GET /api/anime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilterName {
    /// Series with missing episodes (the default).
    MissingEpisodes,
    /// Series with missing episodes and no episode file.
    NoEpisodes,
    /// Every series.
    All,
}

impl FromStr for FilterName {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "missing_episodes" => Ok(Self::MissingEpisodes),
            "no_episodes" => Ok(Self::NoEpisodes),
            "all" => Ok(Self::All),
            _ => Err("must be one of missing_episodes, no_episodes, all"),
        }
    }
}

impl From<FilterName> for ListFilter {
    fn from(f: FilterName) -> Self {
        match f {
            FilterName::MissingEpisodes => ListFilter::MissingEpisodes,
            FilterName::NoEpisodes => ListFilter::NoEpisodes,
            FilterName::All => ListFilter::All,
        }
    }
}

/// A named choice of a query: absent or blank gives `default`, anything else must parse.
fn choice<T: FromStr<Err = &'static str>>(
    field: &str,
    value: Option<&str>,
    default: T,
) -> Result<T, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|e| ApiError::validation(field, e)),
    }
}

/// Parses a positive integer query value within `1..=max` (`page`, `per_page` of every paged
/// list: the library, the history, the wanted episodes).
pub(crate) fn bounded(
    field: &str,
    value: Option<&str>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    match raw.parse::<u64>() {
        Ok(0) => Err(ApiError::validation(field, "must be at least 1")),
        Ok(n) if n > max as u64 => Err(ApiError::validation(
            field,
            format!("must be at most {max}"),
        )),
        Ok(n) => Ok(n as usize),
        Err(_) => Err(ApiError::validation(
            field,
            format!("must be an integer from 1 to {max}"),
        )),
    }
}

impl ListQuery {
    /// Checks every value; 422 naming the field otherwise.
    pub fn validate(&self) -> Result<ListRequest, ApiError> {
        let page = bounded("page", self.page.as_deref(), 1, u32::MAX as usize)?;
        let per_page = bounded(
            "per_page",
            self.per_page.as_deref(),
            DEFAULT_PER_PAGE,
            MAX_PER_PAGE,
        )?;
        let sort = choice("sort_by", self.sort_by.as_deref(), SortName::Title)?;
        let filter = choice(
            "filter",
            self.filter.as_deref(),
            FilterName::MissingEpisodes,
        )?;
        Ok(ListRequest {
            page,
            per_page,
            sort: sort.into(),
            filter: filter.into(),
        })
    }
}

/// Query of `GET /api/anime/search`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Search term, 1 to 200 characters, not blank.
    #[param(min_length = 1, max_length = 200, pattern = r"\S")]
    pub query: String,
}

/// Body of `POST /api/anime/search`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchRequest {
    /// Search term, 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub query: String,
}

/// Body of `POST /api/anime/add`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddRequest {
    /// Link to a series (or one of its seasons or episodes) on an enabled catalogue site, in any
    /// URL family (`/anime/stream/<key>`, `/anime/<key>`, `/serie/<key>`, `/serie/stream/<key>`).
    #[schema(min_length = 1)]
    pub link: String,
    /// Display name, used when the catalogue page gives no title.
    pub name: Option<String>,
    /// Whether automatic runs queue its missing episodes (default true).
    #[serde(default, deserialize_with = "monitoring::present")]
    #[schema(value_type = bool)]
    pub monitored: Option<bool>,
    /// Accepted languages, best first (default, and null: follow
    /// `download.language_preference`).
    #[serde(default, deserialize_with = "monitoring::nullable")]
    #[schema(value_type = Option<Vec<LanguageName>>, min_items = 1)]
    pub languages: Option<Option<Vec<aniworld_core::Language>>>,
    /// The language at which no upgrade is sought (default, and null: the first accepted one).
    #[serde(default, deserialize_with = "monitoring::nullable")]
    #[schema(value_type = Option<LanguageName>)]
    pub cutoff: Option<Option<aniworld_core::Language>>,
    /// Whether episodes below the cutoff are downloaded again when a better language appears
    /// (default false).
    #[serde(default, deserialize_with = "monitoring::present")]
    #[schema(value_type = bool)]
    pub upgrade: Option<bool>,
}

/// Answer of `POST /api/anime/add`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddResponse {
    /// `success`.
    pub status: &'static str,
    /// `Successfully added series: <name>`.
    pub message: String,
    /// Catalogue key (the slug).
    pub key: String,
    /// The catalogue site (`aniworld.to` or `s.to`).
    pub site: String,
    /// Folder created in the library.
    pub folder: String,
    /// Database id.
    pub db_id: i64,
    /// Missing episodes as `season-episode`.
    pub missing_episodes: Vec<String>,
    /// Number of missing episodes.
    pub total_missing: usize,
}

impl From<AddedSeries> for AddResponse {
    fn from(a: AddedSeries) -> Self {
        Self {
            status: "success",
            message: format!("Successfully added series: {}", a.serie.name),
            total_missing: a.missing.len(),
            missing_episodes: a.missing.iter().map(ToString::to_string).collect(),
            key: a.serie.slug().to_string(),
            site: a.serie.site,
            folder: a.serie.folder,
            db_id: a.serie.id,
        }
    }
}

/// Answer of `POST /api/anime/rescan`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RescanResponse {
    /// Always true (failures are error answers).
    pub success: bool,
    /// `Rescan started successfully`.
    pub message: &'static str,
}

/// Answer of `GET /api/anime/{anime_id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnimeDetail {
    /// Catalogue key (the slug).
    pub key: String,
    /// The catalogue site (`aniworld.to` or `s.to`).
    pub site: String,
    /// Display name.
    pub title: String,
    /// Folder name in the library.
    pub folder: String,
    /// Missing episodes as `season-episode`, in order.
    pub episodes: Vec<String>,
    /// Description from the catalogue.
    pub description: Option<String>,
    /// Monitored, accepted languages, cutoff and upgrades.
    #[serde(flatten)]
    pub monitoring: MonitoringView,
}

impl From<SeriesDetail> for AnimeDetail {
    fn from(d: SeriesDetail) -> Self {
        let s = d.serie;
        Self {
            episodes: s.missing.ids().iter().map(ToString::to_string).collect(),
            key: s.slug().to_string(),
            site: s.site.clone(),
            title: s.name,
            folder: s.folder,
            description: s.description,
            monitoring: d.monitoring.into(),
        }
    }
}

/// One episode in `GET /api/anime/{anime_id}/episodes`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EpisodeEntry {
    /// Season number (0 = movies).
    pub season: u32,
    /// Episode number within the season.
    pub episode: u32,
    /// German title from the catalogue.
    pub title_de: Option<String>,
    /// English title from the catalogue.
    pub title_en: Option<String>,
    /// Whether a video file for it exists on disk.
    pub downloaded: bool,
    /// The languages the catalogue offered it in at the last scan (`German Dub`, `German Sub`,
    /// `English Sub`, `English Dub`); null when the catalogue's pages do not say.
    pub languages_offered: Option<Vec<&'static str>>,
    /// The language of the file when the service downloaded it; null for no file or a file
    /// found on disk that the service did not write.
    pub language: Option<&'static str>,
    /// Whether it is wanted under the series' settings: `missing` (no file, an accepted
    /// language on offer or the offer unknown), `upgrade` (a file below the cutoff, a better
    /// accepted language on offer, upgrades on) or `waiting_for_language` (no file, no accepted
    /// language on offer yet); null when not wanted.
    pub wanted: Option<WantedReason>,
    /// The language it would be downloaded in when wanted; null while waiting, or when the
    /// catalogue does not say what it offers (the accepted languages are tried in order).
    pub wanted_language: Option<&'static str>,
}

/// Why an episode is wanted.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WantedReason {
    /// No file, an accepted language on offer (or the offer unknown).
    Missing,
    /// A file below the cutoff, a better accepted language on offer.
    Upgrade,
    /// No file, no accepted language on offer yet.
    WaitingForLanguage,
}

impl From<aniworld_core::wanted::WantedReason> for WantedReason {
    fn from(r: aniworld_core::wanted::WantedReason) -> Self {
        use aniworld_core::wanted::WantedReason as R;
        match r {
            R::Missing => Self::Missing,
            R::Upgrade => Self::Upgrade,
            R::WaitingForLanguage => Self::WaitingForLanguage,
        }
    }
}

impl From<EpisodeView> for EpisodeEntry {
    fn from(view: EpisodeView) -> Self {
        let e = view.record;
        Self {
            wanted: view.wanted.as_ref().map(|w| w.reason.into()),
            wanted_language: view.wanted.and_then(|w| w.language).map(|l| l.name()),
            season: e.id.season,
            episode: e.id.episode,
            title_de: e.title_de,
            title_en: e.title_en,
            downloaded: e.is_downloaded,
            languages_offered: e
                .languages_offered
                .map(|l| l.into_iter().map(|l| l.name()).collect()),
            language: e.language.map(|l| l.name()),
        }
    }
}

/// Library folder and size.
#[utoipa::path(get, path = "/api/anime/status", tag = "anime", security(("bearer" = [])),
    responses((status = 200, body = AnimeStatus)))]
pub async fn get_library_status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let service = state.app.library().clone();
    let s = blocking(move || service.status()).await?;
    Ok(HttpResponse::Ok().json(AnimeStatus {
        directory: s.directory,
        series_count: s.series_count,
        scan_in_progress: s.scan_in_progress,
    }))
}

/// Library series, by default those with missing episodes.
#[utoipa::path(get, path = "/api/anime", tag = "anime", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = [LibrarySeries]),
        (status = 422, description = "Bad page, per_page, sort_by or filter; the field is named in details")))]
pub async fn list_anime(
    state: web::Data<AppState>,
    pages: web::Data<AnimePages>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let req = query.validate()?;
    let service = state.app.library().clone();
    // Read before the page is computed: a change that lands meanwhile makes it stale at once.
    let generation = service.listing_generation();
    if let Some(body) = pages.get(&req, generation) {
        return Ok(json_body(body));
    }
    let page = blocking(move || {
        let series = service.list(&req)?;
        Ok::<_, aniworld_service::ServiceError>(summaries(&service, series))
    })
    .await?;
    let body = web::Bytes::from(
        serde_json::to_vec(&page).map_err(|e| ApiError::internal_from("library page", e))?,
    );
    pages.put(req, generation, body.clone());
    Ok(json_body(body))
}

/// The pages of `GET /api/anime` answered while the library and the configuration stay the
/// same (see [`crate::page_cache`]).
pub type AnimePages = PageCache<ListRequest, ListingGeneration>;

fn json_body(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

fn summaries(service: &LibraryService, series: Vec<Series>) -> Vec<LibrarySeries> {
    let links = service.links_of(&series);
    let monitoring = service.monitorings_of(&series);
    series
        .into_iter()
        .zip(links)
        .zip(monitoring)
        .map(|((s, link), m)| LibrarySeries {
            summary: AnimeSummary::from_serie(s, link),
            monitoring: m.into(),
        })
        .collect()
}

async fn search(state: web::Data<AppState>, query: String) -> Result<HttpResponse, ApiError> {
    let service = state.app.library().clone();
    let hits = blocking(move || service.search(&query)).await?;
    let found: Vec<SearchResult> = hits
        .into_iter()
        .map(|(hit, known)| SearchResult::from_hit(hit, known))
        .collect();
    Ok(HttpResponse::Ok().json(found))
}

/// Searches the catalogue.
#[utoipa::path(get, path = "/api/anime/search", tag = "anime", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = [SearchResult]),
        (status = 422, description = "Query missing, empty or longer than 200 characters"),
        (status = 503, description = "The catalogue is unreachable or blocks requests")))]
pub async fn search_anime(
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    search(state, query.into_inner().query).await
}

/// Searches the catalogue (query in the body).
#[utoipa::path(post, path = "/api/anime/search", tag = "anime", security(("bearer" = [])),
    request_body = SearchRequest,
    responses((status = 200, body = [SearchResult]),
        (status = 422, description = "Query missing, empty or longer than 200 characters"),
        (status = 503, description = "The catalogue is unreachable or blocks requests")))]
pub async fn search_anime_by_body(
    state: web::Data<AppState>,
    body: Json<SearchRequest>,
) -> Result<HttpResponse, ApiError> {
    search(state, body.into_inner().query).await
}

/// Adds a catalogue series to the library: folder, database, targeted scan (and, with
/// `nfo.auto_create`, its tvshow.nfo in the background).
#[utoipa::path(post, path = "/api/anime/add", tag = "anime", security(("bearer" = [])),
    request_body = AddRequest,
    responses((status = 200, body = AddResponse),
        (status = 404, description = "The catalogue has no such series"),
        (status = 409, description = "The series is already in the library"),
        (status = 422, description = "Not a series link of the configured catalogue, or a monitoring field refused (an unknown or repeated language, an empty `languages`, a `cutoff` outside the accepted languages); `details.field` names it"),
        (status = 503, description = "No anime directory, or the catalogue is unreachable or blocks requests")))]
pub async fn add_anime(
    state: web::Data<AppState>,
    body: Json<AddRequest>,
) -> Result<HttpResponse, ApiError> {
    let AddRequest {
        link,
        name,
        monitored,
        languages,
        cutoff,
        upgrade,
    } = body.into_inner();
    let settings = aniworld_core::MonitoringPatch {
        monitored,
        languages,
        cutoff,
        upgrade,
    };
    let service = state.app.library().clone();
    let added = blocking(move || service.add_with(&link, name.as_deref(), settings)).await?;
    Ok(HttpResponse::Ok().json(AddResponse::from(added)))
}

/// Query of `POST /api/anime/rescan`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RescanQuery {
    /// `full` (the default: every series is looked up) or `changed` (only what the catalogue's
    /// change signals name, series never scanned or whose look-up failed, and due re-checks).
    #[param(value_type = Option<RescanModeName>)]
    pub mode: Option<String>,
}

/// A mode of `POST /api/anime/rescan` (and of `scheduler.rescan_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RescanModeName {
    /// Every series.
    Full,
    /// Only what changed.
    Changed,
}

impl FromStr for RescanModeName {
    type Err = String;

    /// `full` or `changed`, exactly.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(Self::Full),
            "changed" => Ok(Self::Changed),
            other => Err(format!("{other:?} is not one of full, changed")),
        }
    }
}

impl From<RescanModeName> for RescanMode {
    fn from(m: RescanModeName) -> Self {
        match m {
            RescanModeName::Full => RescanMode::Full,
            RescanModeName::Changed => RescanMode::Changed,
        }
    }
}

/// Starts a rescan of the library in the background: every series, or with `mode=changed`
/// only what changed. Progress and the outcome (with what was skipped and why) arrive as
/// `scan_progress` and `scan_complete` WebSocket messages.
#[utoipa::path(post, path = "/api/anime/rescan", tag = "anime", security(("bearer" = [])),
    params(RescanQuery),
    responses((status = 200, body = RescanResponse),
        (status = 409, description = "A scan is already running; no second one was started"),
        (status = 422, description = "Unknown mode; the field is named in details"),
        (status = 503, description = "No anime directory is configured or it is missing")))]
pub async fn start_rescan(
    state: web::Data<AppState>,
    query: web::Query<RescanQuery>,
) -> Result<HttpResponse, ApiError> {
    let mode = match query.mode.as_deref() {
        None => RescanMode::Full,
        Some(m) => m
            .parse::<RescanModeName>()
            .map_err(|e| ApiError::validation("mode", e))?
            .into(),
    };
    let service = state.app.library().clone();
    blocking(move || service.start_rescan(mode)).await?;
    Ok(HttpResponse::Ok().json(RescanResponse {
        success: true,
        message: "Rescan started successfully",
    }))
}

/// One series by key (or, deprecated, by folder) with its missing episodes and how the library
/// follows it.
#[utoipa::path(get, path = "/api/anime/{anime_id}", tag = "anime", security(("bearer" = [])),
    params(("anime_id" = String, Path, description = "Series key (`s.to:<key>` for an s.to series whose key aniworld.to also has; or, deprecated, the folder name)")),
    responses((status = 200, body = AnimeDetail), (status = 404, description = "No such series")))]
pub async fn get_anime(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let service = state.app.library().clone();
    let id = id.into_inner();
    let detail = blocking(move || service.show(&id)).await?;
    Ok(HttpResponse::Ok().json(AnimeDetail::from(detail)))
}

/// Every known episode of a series (by key or folder), present or missing, in order.
#[utoipa::path(get, path = "/api/anime/{anime_id}/episodes", tag = "anime", security(("bearer" = [])),
    params(("anime_id" = String, Path, description = "Series key (`s.to:<key>` for an s.to series whose key aniworld.to also has; or, deprecated, the folder name)")),
    responses((status = 200, body = [EpisodeEntry]), (status = 404, description = "No such series")))]
pub async fn list_episodes(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let service = state.app.library().clone();
    let id = id.into_inner();
    let episodes = blocking(move || service.episodes(&id)).await?;
    let entries: Vec<EpisodeEntry> = episodes.into_iter().map(EpisodeEntry::from).collect();
    Ok(HttpResponse::Ok().json(entries))
}

/// The series poster (`poster.jpg` in its library folder).
#[utoipa::path(get, path = "/api/anime/{anime_id}/poster", tag = "anime", security(("bearer" = [])),
    params(("anime_id" = String, Path, description = "Series key (`s.to:<key>` for an s.to series whose key aniworld.to also has; or, deprecated, the folder name)")),
    responses((status = 200, description = "The poster", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, description = "No such series, or it has no poster"),
        (status = 503, description = "No anime directory is configured or it is missing")))]
pub async fn get_poster(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let service = state.app.library().clone();
    let id = id.into_inner();
    let bytes = blocking(move || service.poster(&id)).await?;
    Ok(HttpResponse::Ok().content_type("image/jpeg").body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request `query` gives, or the field its error names.
    fn check(query: ListQuery, expected: Result<(SortBy, ListFilter), &str>) {
        let got = query.validate().map(|r| (r.sort, r.filter));
        match (got, expected) {
            (Ok(got), Ok(expected)) => assert_eq!(got, expected),
            (Err(ApiError::Validation { details, .. }), Err(field)) => {
                assert_eq!(details["field"], field, "{details}");
                assert!(details[field].is_string(), "{details}");
            }
            (got, expected) => panic!("{got:?} instead of {expected:?}"),
        }
    }

    fn query(sort_by: Option<&str>, filter: Option<&str>) -> ListQuery {
        ListQuery {
            sort_by: sort_by.map(str::to_string),
            filter: filter.map(str::to_string),
            ..ListQuery::default()
        }
    }

    #[test]
    fn sorts_and_filters_parse_into_their_names() {
        let default = (SortBy::Name, ListFilter::MissingEpisodes);
        check(query(None, None), Ok(default));
        check(query(Some(" "), Some("")), Ok(default));
        check(query(Some("title"), None), Ok(default));
        check(query(Some("name"), None), Ok(default));
        check(
            query(Some(" id "), Some("all")),
            Ok((SortBy::Id, ListFilter::All)),
        );
        check(
            query(Some("missing_episodes"), Some("no_episodes")),
            Ok((SortBy::MissingEpisodes, ListFilter::NoEpisodes)),
        );
        check(query(Some("rating"), Some("downloaded")), Err("sort_by"));
        check(query(None, Some("downloaded")), Err("filter"));
        let mut bad_page = query(Some("rating"), None);
        bad_page.page = Some("0".into());
        check(bad_page, Err("page"));
        assert_eq!(
            "sometimes".parse::<RescanModeName>(),
            Err("\"sometimes\" is not one of full, changed".to_string())
        );
        assert_eq!(
            RescanMode::from("changed".parse::<RescanModeName>().unwrap()),
            RescanMode::Changed
        );
    }
}
