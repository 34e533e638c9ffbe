//! What the next automatic run would queue (docs/monitoring.md "Wanted"): `GET /api/wanted`,
//! paged like `GET /api/anime`, and `POST /api/wanted/queue`, which queues it now and answers
//! like `POST /api/queue/add`. The plan is the queue engine's
//! ([`aniworld_queue::engine::QueueEngine::plan_wanted`]); the handlers parse, call it and map.

use actix_web::{HttpResponse, web};
use aniworld_core::Priority;
use aniworld_queue::engine::WantedEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::body::OptionalJson;
use crate::error::ApiError;
use crate::routes::anime::{DEFAULT_PER_PAGE, MAX_PER_PAGE, WantedReason, bounded};
use crate::routes::queue::QueueAddResponse;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(list_wanted, queue_wanted),
    components(schemas(WantedItem, WantedQueueRequest)),
    tags((name = "wanted", description = "What the next automatic run would queue"))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/wanted").route(web::get().to(list_wanted)))
        .service(web::resource("/api/wanted/queue").route(web::post().to(queue_wanted)));
}

/// One entry of `GET /api/wanted`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WantedItem {
    /// Series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Series display name.
    #[serde(rename = "serie_name")]
    pub series_name: String,
    /// Season (0 = movies).
    pub season: u32,
    /// Episode number within the season.
    pub episode: u32,
    /// German title from the catalogue.
    pub title: Option<String>,
    /// `missing` (queued by the next automatic run) or `waiting_for_language` (held back: none
    /// of the series' accepted languages is on offer yet).
    pub reason: WantedReason,
    /// The language it would be downloaded in; null while waiting, or when the catalogue does
    /// not say what it offers (the series' accepted languages are then tried in order).
    pub language: Option<&'static str>,
    /// The languages the catalogue offers it in; null when its pages do not say.
    pub languages_offered: Option<Vec<&'static str>>,
}

impl From<WantedEntry> for WantedItem {
    fn from(w: WantedEntry) -> Self {
        let e = w.planned.episode;
        Self {
            series_id: w.series_key,
            series_name: w.series_name,
            season: e.id.season,
            episode: e.id.episode,
            title: e.title_de.or(e.title_en),
            reason: w.planned.wanted.reason.into(),
            language: w.planned.wanted.language.map(|l| l.name()),
            languages_offered: e
                .languages_offered
                .map(|l| l.into_iter().map(|l| l.name()).collect()),
        }
    }
}

/// Query of `GET /api/wanted`; bad values answer 422 naming the field.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WantedListQuery {
    /// Page number, at least 1 (default 1).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 4294967295_u64)]
    pub page: Option<String>,
    /// Entries per page, 1 to 1000 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub per_page: Option<String>,
    /// Only the episodes of this series (its key).
    pub serie_id: Option<String>,
}

/// Body of `POST /api/wanted/queue` (optional): only this series.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WantedQueueRequest {
    /// Only the episodes of this series (its key).
    pub serie_id: Option<String>,
}

fn serie_filter(serie: Option<String>) -> Option<String> {
    serie
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Every episode the next automatic run would queue (monitored series, an accepted language on
/// offer, not pending, downloading or failed in the queue), and those held back because no
/// accepted language is on offer yet. Series by name, episodes in order. Changes nothing.
#[utoipa::path(get, path = "/api/wanted", tag = "wanted", security(("bearer" = [])),
    params(WantedListQuery),
    responses((status = 200, body = [WantedItem]),
        (status = 422, description = "Bad page or per_page; the field is named in details")))]
pub async fn list_wanted(
    state: web::Data<AppState>,
    query: web::Query<WantedListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = bounded("page", q.page.as_deref(), 1, u32::MAX as usize)?;
    let per_page = bounded(
        "per_page",
        q.per_page.as_deref(),
        DEFAULT_PER_PAGE,
        MAX_PER_PAGE,
    )?;
    let serie = serie_filter(q.serie_id);
    let queue = state.app.queue().clone();
    let entries =
        blocking(move || queue.wanted_page(serie.as_deref(), (page - 1) * per_page, per_page))
            .await?;
    let items: Vec<WantedItem> = entries.into_iter().map(WantedItem::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Queues the wanted episodes now (every series, or `serie_id`'s), as the next automatic run
/// would; episodes waiting for a language stay out. Does not start the queue.
#[utoipa::path(post, path = "/api/wanted/queue", tag = "wanted", security(("bearer" = [])),
    request_body(content = Option<WantedQueueRequest>),
    responses((status = 201, body = QueueAddResponse),
        (status = 422, description = "A body that is not the documented object")))]
pub async fn queue_wanted(
    state: web::Data<AppState>,
    body: OptionalJson<WantedQueueRequest>,
) -> Result<HttpResponse, ApiError> {
    let serie = serie_filter(body.0.and_then(|b| b.serie_id));
    let queue = state.app.queue().clone();
    let added = blocking(move || queue.add_wanted(serie.as_deref(), Priority::Normal)).await?;
    let ids: Vec<String> = added.iter().map(|i| i.id.to_string()).collect();
    Ok(HttpResponse::Created().json(QueueAddResponse {
        status: "success",
        message: format!("Added {} episode(s) to download queue", ids.len()),
        added_items: ids.clone(),
        item_ids: ids,
        failed_items: Vec::new(),
    }))
}
