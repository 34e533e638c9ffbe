//! Download queue endpoints (api.md section 4): status, add, start/stop/pause, delete, clear,
//! reorder and retry.
//!
//! Every handler makes one call on the queue engine (`aniworld-queue`); calls that write to the
//! store run through [`blocking`]. Item ids are UUIDs; a path or list entry that is not one
//! names no item and answers 404 like an unknown id.

pub mod dto;

use actix_web::{HttpResponse, web};
use aniworld_core::{EpisodeRef, ItemId, Priority};
use aniworld_queue::engine::QueueEngine;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use self::dto::{
    DownloadItemBody, DownloadStatusName, EpisodeBody, PriorityName, ProgressBody, QueueStatusBody,
    QueueStatusResponse, StatisticsBody, WaitingBody,
};
use crate::blocking::blocking;
use crate::body::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(
        get_queue_status,
        add_to_queue,
        start_queue,
        stop_queue,
        pause_queue,
        delete_item,
        delete_items,
        clear_completed,
        clear_failed,
        clear_pending,
        reorder_queue,
        retry_failed
    ),
    components(schemas(
        QueueAddRequest,
        EpisodeIn,
        ItemIdsRequest,
        RetryRequest,
        PriorityName,
        QueueAddResponse,
        FailedItem,
        SuccessMessage,
        CountResponse,
        RetryResponse,
        QueueStatusResponse,
        QueueStatusBody,
        StatisticsBody,
        DownloadItemBody,
        DownloadStatusName,
        EpisodeBody,
        ProgressBody,
        WaitingBody
    )),
    tags((name = "queue", description = "Download queue"))
)]
pub struct Doc;

/// Registers the routes (fixed paths before `/api/queue/{item_id}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/queue/status").route(web::get().to(get_queue_status)))
        .service(web::resource("/api/queue/add").route(web::post().to(add_to_queue)))
        .service(web::resource("/api/queue/start").route(web::post().to(start_queue)))
        .service(web::resource("/api/queue/stop").route(web::post().to(stop_queue)))
        .service(web::resource("/api/queue/pause").route(web::post().to(pause_queue)))
        .service(web::resource("/api/queue/reorder").route(web::post().to(reorder_queue)))
        .service(web::resource("/api/queue/retry").route(web::post().to(retry_failed)))
        .service(web::resource("/api/queue/completed").route(web::delete().to(clear_completed)))
        .service(web::resource("/api/queue/failed").route(web::delete().to(clear_failed)))
        .service(web::resource("/api/queue/pending").route(web::delete().to(clear_pending)))
        .service(web::resource("/api/queue/{item_id}").route(web::delete().to(delete_item)))
        .service(web::resource("/api/queue").route(web::delete().to(delete_items)));
}

/// One episode of `POST /api/queue/add`.
#[derive(Deserialize, ToSchema)]
pub struct EpisodeIn {
    /// Season (0 = movies).
    #[schema(maximum = 2147483647)]
    pub season: u32,
    /// Episode number.
    #[schema(maximum = 2147483647)]
    pub episode: u32,
    /// Episode title, when known.
    #[serde(default)]
    pub title: Option<String>,
}

/// Body of `POST /api/queue/add`.
#[derive(Deserialize, ToSchema)]
pub struct QueueAddRequest {
    /// Series key (catalogue slug); not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Series folder under the anime directory: one folder name (no `/`, `\`, `.` or `..`), at
    /// most 255 bytes together with the episode file names made from it.
    #[schema(min_length = 1, max_length = 255, pattern = r"\S")]
    #[serde(rename = "serie_folder")]
    pub series_folder: String,
    /// Series display name (the key when not sent).
    #[serde(default)]
    #[serde(rename = "serie_name")]
    pub series_name: Option<String>,
    /// Episodes to queue; at least one.
    #[schema(min_items = 1)]
    pub episodes: Vec<EpisodeIn>,
    /// `LOW`, `NORMAL` (default) or `HIGH`.
    // Parsed into `PriorityName` after the body, so that a bad value answers as a validation of
    // `priority` (with its own message) however the rest of the body is.
    #[serde(default)]
    #[schema(value_type = Option<PriorityName>)]
    pub priority: Option<String>,
}

/// Body naming queue items (delete, reorder): at least one.
#[derive(Deserialize, ToSchema)]
pub struct ItemIdsRequest {
    /// Item UUIDs; an id that names no item answers 404.
    #[schema(min_items = 1)]
    pub item_ids: Vec<String>,
}

/// Body of `POST /api/queue/retry`.
#[derive(Deserialize, ToSchema)]
pub struct RetryRequest {
    /// Item UUIDs; empty retries every failed item.
    pub item_ids: Vec<String>,
}

/// An episode `add` refused.
#[derive(Serialize, ToSchema)]
pub struct FailedItem {
    /// Season.
    pub season: u32,
    /// Episode number.
    pub episode: u32,
    /// Title, when sent.
    pub title: Option<String>,
    /// Why it was not queued (already queued, listed twice).
    pub reason: String,
}

/// Answer of `POST /api/queue/add` (201).
#[derive(Serialize, ToSchema)]
pub struct QueueAddResponse {
    /// `success`.
    pub status: &'static str,
    /// `Added N episode(s) to download queue`.
    pub message: String,
    /// Ids of the new items, in request order.
    pub added_items: Vec<String>,
    /// The same ids (older clients read this field).
    pub item_ids: Vec<String>,
    /// Episodes not queued, with the reason.
    pub failed_items: Vec<FailedItem>,
}

/// `{"status": "success", "message": ...}`.
#[derive(Serialize, ToSchema)]
pub struct SuccessMessage {
    /// `success`.
    pub status: &'static str,
    /// What was done.
    pub message: String,
}

/// Answer of the clear endpoints.
#[derive(Serialize, ToSchema)]
pub struct CountResponse {
    /// `success`.
    pub status: &'static str,
    /// What was done.
    pub message: String,
    /// How many items were deleted.
    pub count: usize,
}

/// Answer of `POST /api/queue/retry`.
#[derive(Serialize, ToSchema)]
pub struct RetryResponse {
    /// `success`.
    pub status: &'static str,
    /// `Retrying N failed item(s)`.
    pub message: String,
    /// How many items went back to pending.
    pub retried_count: usize,
    /// Their ids.
    pub retried_ids: Vec<String>,
}

fn success(message: impl Into<String>) -> HttpResponse {
    HttpResponse::Ok().json(SuccessMessage {
        status: "success",
        message: message.into(),
    })
}

fn counted(message: String, count: usize) -> HttpResponse {
    HttpResponse::Ok().json(CountResponse {
        status: "success",
        message,
        count,
    })
}

/// Parses item ids; one that is not a UUID names no item (404).
fn parse_ids(ids: &[String]) -> Result<Vec<ItemId>, ApiError> {
    ids.iter()
        .map(|s| {
            uuid::Uuid::parse_str(s.trim())
                .map(ItemId)
                .map_err(|_| ApiError::NotFound(format!("Queue item '{s}' not found")))
        })
        .collect()
}

fn engine(state: &web::Data<AppState>) -> QueueEngine {
    state.app.queue().clone()
}

/// The queue, grouped by state, with its statistics.
#[utoipa::path(get, path = "/api/queue/status", tag = "queue", security(("bearer" = [])),
    responses((status = 200, description = "`status` (items by state, in processing order) and `statistics`", body = QueueStatusResponse)))]
pub async fn get_queue_status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = engine(&state);
    let (snapshot, stats) = blocking(move || Ok::<_, ApiError>(q.overview())).await?;
    let max_retries = state.app.config().current().download.max_retries;
    Ok(HttpResponse::Ok().json(QueueStatusResponse {
        status: QueueStatusBody::new(&snapshot, max_retries),
        statistics: StatisticsBody::from(&stats),
    }))
}

/// Queues episodes of a series; episodes already pending or downloading are refused in
/// `failed_items`.
#[utoipa::path(post, path = "/api/queue/add", tag = "queue", security(("bearer" = [])), request_body = QueueAddRequest,
    responses((status = 201, body = QueueAddResponse),
        (status = 422, description = "Bad priority, empty episode list, bad folder, season or episode above 2147483647")))]
pub async fn add_to_queue(
    state: web::Data<AppState>,
    body: Json<QueueAddRequest>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let priority = match req.priority.as_deref() {
        None => Priority::Normal,
        Some(p) => p
            .parse::<PriorityName>()
            .map_err(|e| ApiError::validation("priority", e))?
            .into(),
    };
    let episodes: Vec<EpisodeRef> = req
        .episodes
        .into_iter()
        .map(|e| EpisodeRef {
            season: e.season,
            episode: e.episode,
            title: e.title,
        })
        .collect();
    let name = req
        .series_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| req.series_id.clone());
    let q = engine(&state);
    let outcome = blocking(move || {
        q.add(
            &req.series_id,
            &req.series_folder,
            &name,
            episodes,
            priority,
        )
    })
    .await?;
    let ids: Vec<String> = outcome.added.iter().map(|i| i.id.to_string()).collect();
    let failed = outcome
        .failed
        .into_iter()
        .map(|(ep, reason)| FailedItem {
            season: ep.season,
            episode: ep.episode,
            title: ep.title,
            reason,
        })
        .collect();
    Ok(HttpResponse::Created().json(QueueAddResponse {
        status: "success",
        message: format!("Added {} episode(s) to download queue", ids.len()),
        added_items: ids.clone(),
        item_ids: ids,
        failed_items: failed,
    }))
}

/// Starts processing the queue.
#[utoipa::path(post, path = "/api/queue/start", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = SuccessMessage),
        (status = 400, description = "No anime directory is configured")))]
pub async fn start_queue(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = engine(&state);
    blocking(move || q.start()).await?;
    Ok(success("Queue processing started"))
}

/// Stops taking new items; the running download finishes.
#[utoipa::path(post, path = "/api/queue/stop", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = SuccessMessage)))]
pub async fn stop_queue(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = engine(&state);
    blocking(move || q.stop()).await?;
    Ok(success(
        "Queue processing stopped (current download will continue)",
    ))
}

/// Pauses the queue (like stop, and `is_paused` becomes true).
#[utoipa::path(post, path = "/api/queue/pause", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = SuccessMessage)))]
pub async fn pause_queue(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = engine(&state);
    blocking(move || q.pause()).await?;
    Ok(success("Queue processing paused"))
}

/// Deletes one item in any state; a running download is cancelled.
#[utoipa::path(delete, path = "/api/queue/{item_id}", tag = "queue", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "Download item UUID")),
    responses((status = 204), (status = 404, description = "No such item")))]
pub async fn delete_item(
    state: web::Data<AppState>,
    item_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ids = parse_ids(&[item_id.into_inner()])?;
    let q = engine(&state);
    blocking(move || q.remove_many(&ids)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes several items; an unknown id deletes nothing and answers 404.
#[utoipa::path(delete, path = "/api/queue", tag = "queue", security(("bearer" = [])), request_body = ItemIdsRequest,
    responses((status = 204), (status = 404, description = "An id names no item; nothing was deleted"),
        (status = 422, description = "Empty item_ids")))]
pub async fn delete_items(
    state: web::Data<AppState>,
    body: Json<ItemIdsRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.item_ids.is_empty() {
        return Err(ApiError::validation(
            "item_ids",
            "at least one id is required",
        ));
    }
    let ids = parse_ids(&body.item_ids)?;
    let q = engine(&state);
    blocking(move || q.remove_many(&ids)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes every completed item.
#[utoipa::path(delete, path = "/api/queue/completed", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = CountResponse)))]
pub async fn clear_completed(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = engine(&state);
    let n = blocking(move || q.clear_completed()).await?;
    Ok(counted(format!("Cleared {n} completed item(s)"), n))
}

/// Deletes every failed item.
#[utoipa::path(delete, path = "/api/queue/failed", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = CountResponse)))]
pub async fn clear_failed(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = engine(&state);
    let n = blocking(move || q.clear_failed()).await?;
    Ok(counted(format!("Cleared {n} failed item(s)"), n))
}

/// Deletes every pending item; running downloads go on.
#[utoipa::path(delete, path = "/api/queue/pending", tag = "queue", security(("bearer" = [])),
    responses((status = 200, body = CountResponse)))]
pub async fn clear_pending(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = engine(&state);
    let n = blocking(move || q.clear_pending()).await?;
    Ok(counted(format!("Removed {n} pending item(s)"), n))
}

/// Moves the named pending items to the front of their priority, in the given order.
#[utoipa::path(post, path = "/api/queue/reorder", tag = "queue", security(("bearer" = [])), request_body = ItemIdsRequest,
    responses((status = 200, body = SuccessMessage),
        (status = 404, description = "An id names no item; the order is unchanged"),
        (status = 422, description = "Empty item_ids")))]
pub async fn reorder_queue(
    state: web::Data<AppState>,
    body: Json<ItemIdsRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.item_ids.is_empty() {
        return Err(ApiError::validation(
            "item_ids",
            "at least one id is required",
        ));
    }
    let ids = parse_ids(&body.item_ids)?;
    let n = ids.len();
    let q = engine(&state);
    blocking(move || q.reorder(&ids)).await?;
    Ok(success(format!("Queue reordered with {n} items")))
}

/// Puts failed items back to pending; an empty list retries every failed item.
#[utoipa::path(post, path = "/api/queue/retry", tag = "queue", security(("bearer" = [])), request_body = RetryRequest,
    responses((status = 200, body = RetryResponse), (status = 404, description = "An id names no item")))]
pub async fn retry_failed(
    state: web::Data<AppState>,
    body: Json<RetryRequest>,
) -> Result<HttpResponse, ApiError> {
    let ids = parse_ids(&body.item_ids)?;
    let q = engine(&state);
    let retried = blocking(move || q.retry(&ids)).await?;
    let retried_ids: Vec<String> = retried.iter().map(ToString::to_string).collect();
    Ok(HttpResponse::Ok().json(RetryResponse {
        status: "success",
        message: format!("Retrying {} failed item(s)", retried_ids.len()),
        retried_count: retried_ids.len(),
        retried_ids,
    }))
}
