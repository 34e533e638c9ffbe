//! NFO endpoints (api.md section 6): tvshow.nfo and artwork of library series from TMDB.
//!
//! Every handler makes one call on [`aniworld_service::nfo::NfoService`] off the async workers and
//! maps the result. Without a TMDB key the endpoints that need TMDB answer 503; unknown series
//! and missing NFOs are 404; creating over an existing NFO without `overwrite_existing` is 409.

pub mod dto;

use actix_web::{HttpResponse, web};
use aniworld_metadata::{CreateOutcome, MediaSelection};
use utoipa::OpenApi;

use self::dto::{
    BatchCreateRequest, BatchCreateResponse, BatchResult, MAX_CONCURRENT_RANGE,
    MediaDownloadRequest, MediaFiles, MissingResponse, MissingSeries, NfoCheckResponse,
    NfoContentResponse, NfoCreateRequest, NfoWriteResponse, UpdateQuery, ids, path_text,
};
use crate::blocking::blocking;
use crate::body::Json;
use crate::error::ApiError;
use crate::state::AppState;
use aniworld_service::nfo::{CreateOptions, SeriesFolder};

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(
        check_nfo,
        create_nfo,
        update_nfo,
        get_nfo_content,
        get_media_status,
        download_media,
        create_nfo_batch,
        list_missing_nfo
    ),
    components(schemas(
        MediaFiles,
        NfoCheckResponse,
        NfoCreateRequest,
        NfoWriteResponse,
        NfoContentResponse,
        MediaDownloadRequest,
        BatchCreateRequest,
        BatchResult,
        BatchCreateResponse,
        MissingSeries,
        MissingResponse
    )),
    tags((name = "nfo", description = "tvshow.nfo and artwork from TMDB"))
)]
pub struct Doc;

/// Registers the routes (the fixed paths before the `{series_id}` ones).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/nfo/batch/create").route(web::post().to(create_nfo_batch)))
        .service(web::resource("/api/nfo/missing").route(web::get().to(list_missing_nfo)))
        .service(web::resource("/api/nfo/{serie_id}/check").route(web::get().to(check_nfo)))
        .service(web::resource("/api/nfo/{serie_id}/create").route(web::post().to(create_nfo)))
        .service(web::resource("/api/nfo/{serie_id}/update").route(web::put().to(update_nfo)))
        .service(web::resource("/api/nfo/{serie_id}/content").route(web::get().to(get_nfo_content)))
        .service(
            web::resource("/api/nfo/{serie_id}/media/status")
                .route(web::get().to(get_media_status)),
        )
        .service(
            web::resource("/api/nfo/{serie_id}/media/download")
                .route(web::post().to(download_media)),
        );
}

/// The answer of a create or update.
fn written(series: &SeriesFolder, outcome: &CreateOutcome, done: &str) -> NfoWriteResponse {
    let (series_id, series_folder) = ids(series);
    let message = if outcome.media_errors.is_empty() {
        done.to_owned()
    } else {
        let failed: Vec<String> = outcome
            .media_errors
            .iter()
            .map(|f| format!("{} ({})", f.file_name, f.error))
            .collect();
        format!("{done}; media files not downloaded: {}", failed.join(", "))
    };
    NfoWriteResponse {
        series_id,
        series_folder,
        nfo_path: path_text(&outcome.nfo_path),
        media_files: MediaFiles::from(&outcome.media_files),
        message,
    }
}

/// Whether the NFO and the artwork exist.
#[utoipa::path(get, path = "/api/nfo/{serie_id}/check", tag = "nfo", security(("bearer" = [])),
    params(("serie_id" = String, Path, description = "Series key")),
    responses((status = 200, body = NfoCheckResponse), (status = 404, description = "Series not found"),
        (status = 503, description = "TMDB API key not configured")))]
pub async fn check_nfo(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let nfo = state.app.metadata().clone();
    let (series, status) = blocking(move || nfo.check(&id)).await?;
    let (series_id, series_folder) = ids(&series);
    Ok(HttpResponse::Ok().json(NfoCheckResponse {
        series_id,
        series_folder,
        has_nfo: status.has_nfo,
        nfo_path: status.nfo_path.as_deref().map(path_text),
        media_files: MediaFiles::from(&status.media_files),
    }))
}

/// Matches the series on TMDB and writes tvshow.nfo and the artwork.
#[utoipa::path(post, path = "/api/nfo/{serie_id}/create", tag = "nfo", security(("bearer" = [])),
    params(("serie_id" = String, Path, description = "Series key")), request_body = NfoCreateRequest,
    responses((status = 200, body = NfoWriteResponse), (status = 404, description = "Series not found, or no TMDB match"),
        (status = 409, description = "NFO exists; use overwrite_existing"),
        (status = 503, description = "TMDB key not configured, refused, or TMDB unreachable")))]
pub async fn create_nfo(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<NfoCreateRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let opts = CreateOptions {
        name: b.series_name,
        year: b.year,
        download_poster: b.download_poster,
        download_logo: b.download_logo,
        download_fanart: b.download_fanart,
        overwrite: b.overwrite_existing,
    };
    let nfo = state.app.metadata().clone();
    let (series, outcome) = blocking(move || nfo.create(&id, &opts)).await?;
    log::info!(
        "tvshow.nfo written for {} (TMDB {}, {:?})",
        series.serie.key,
        outcome.tmdb_id,
        outcome.confidence
    );
    Ok(HttpResponse::Ok().json(written(
        &series,
        &outcome,
        "NFO and media files created successfully",
    )))
}

/// Rewrites an existing tvshow.nfo with fresh TMDB data.
#[utoipa::path(put, path = "/api/nfo/{serie_id}/update", tag = "nfo", security(("bearer" = [])),
    params(("serie_id" = String, Path, description = "Series key"), UpdateQuery),
    responses((status = 200, body = NfoWriteResponse), (status = 404, description = "Series or NFO not found"),
        (status = 409, description = "The existing tvshow.nfo cannot be read; create it again with overwrite_existing"),
        (status = 503, description = "TMDB key not configured, refused, or TMDB unreachable")))]
pub async fn update_nfo(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<UpdateQuery>,
) -> Result<HttpResponse, ApiError> {
    let download = query.download_media.unwrap_or(true);
    let nfo = state.app.metadata().clone();
    let (series, outcome) = blocking(move || nfo.update(&id, download)).await?;
    Ok(HttpResponse::Ok().json(written(&series, &outcome, "NFO updated successfully")))
}

/// The tvshow.nfo XML.
#[utoipa::path(get, path = "/api/nfo/{serie_id}/content", tag = "nfo", security(("bearer" = [])),
    params(("serie_id" = String, Path, description = "Series key")),
    responses((status = 200, body = NfoContentResponse), (status = 404, description = "Series or NFO not found")))]
pub async fn get_nfo_content(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let nfo = state.app.metadata().clone();
    let (series, content) = blocking(move || nfo.content(&id)).await?;
    let (series_id, series_folder) = ids(&series);
    Ok(HttpResponse::Ok().json(NfoContentResponse {
        series_id,
        series_folder,
        content: content.content,
        file_size: content.file_size,
        last_modified: content
            .last_modified
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
    }))
}

/// Which artwork files exist.
#[utoipa::path(get, path = "/api/nfo/{serie_id}/media/status", tag = "nfo", security(("bearer" = [])),
    params(("serie_id" = String, Path, description = "Series key")),
    responses((status = 200, body = MediaFiles), (status = 404, description = "Series not found")))]
pub async fn get_media_status(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let nfo = state.app.metadata().clone();
    let status = blocking(move || nfo.media_status(&id)).await?;
    Ok(HttpResponse::Ok().json(MediaFiles::from(&status)))
}

/// Downloads the selected artwork that is missing (the NFO gives the TMDB id).
#[utoipa::path(post, path = "/api/nfo/{serie_id}/media/download", tag = "nfo", security(("bearer" = [])),
    params(("serie_id" = String, Path, description = "Series key")), request_body = MediaDownloadRequest,
    responses((status = 200, body = MediaFiles), (status = 404, description = "Series or NFO not found"),
        (status = 409, description = "The existing tvshow.nfo cannot be read; create it again with overwrite_existing"),
        (status = 503, description = "TMDB key not configured, refused, or TMDB unreachable")))]
pub async fn download_media(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<MediaDownloadRequest>,
) -> Result<HttpResponse, ApiError> {
    let which = MediaSelection {
        poster: body.download_poster,
        logo: body.download_logo,
        fanart: body.download_fanart,
    };
    let nfo = state.app.metadata().clone();
    let report = blocking(move || nfo.download_media(&id, which)).await?;
    Ok(HttpResponse::Ok().json(MediaFiles::from(&report.media_files)))
}

/// Creates NFOs for many series, a bounded number at a time.
#[utoipa::path(post, path = "/api/nfo/batch/create", tag = "nfo", security(("bearer" = [])),
    request_body = BatchCreateRequest,
    responses((status = 200, body = BatchCreateResponse),
        (status = 422, description = "max_concurrent outside 1..=10 or a malformed body"),
        (status = 503, description = "TMDB API key not configured")))]
pub async fn create_nfo_batch(
    state: web::Data<AppState>,
    body: Json<BatchCreateRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    if !MAX_CONCURRENT_RANGE.contains(&b.max_concurrent) {
        return Err(ApiError::validation(
            "max_concurrent",
            format!(
                "must be between {} and {}",
                MAX_CONCURRENT_RANGE.start(),
                MAX_CONCURRENT_RANGE.end()
            ),
        ));
    }
    let workers = usize::try_from(b.max_concurrent).unwrap_or(1);
    let nfo = state.app.metadata().clone();
    let summary =
        blocking(move || nfo.batch(&b.series_ids, b.download_media, b.skip_existing, workers))
            .await?;
    log::info!(
        "NFO batch: {} created, {} skipped, {} failed",
        summary.successful,
        summary.skipped,
        summary.failed
    );
    Ok(HttpResponse::Ok().json(BatchCreateResponse::from(summary)))
}

/// The series without tvshow.nfo.
#[utoipa::path(get, path = "/api/nfo/missing", tag = "nfo", security(("bearer" = [])),
    responses((status = 200, body = MissingResponse),
        (status = 503, description = "TMDB API key or anime directory not configured")))]
pub async fn list_missing_nfo(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let nfo = state.app.metadata().clone();
    let report = blocking(move || nfo.missing()).await?;
    Ok(HttpResponse::Ok().json(MissingResponse::from(report)))
}
