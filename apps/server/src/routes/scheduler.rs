//! Scheduler endpoints (api.md section 7): read and change the rescan plan, trigger a rescan.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::error::ApiError;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(get_scheduler_config, update_scheduler_config, trigger_rescan),
    components(schemas(
        SchedulerEnvelope,
        SchedulerConfigBody,
        SchedulerStatusBody,
        RescanStarted
    ))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/scheduler/config", web::get().to(get_scheduler_config))
        .route(
            "/api/scheduler/config",
            web::post().to(update_scheduler_config),
        )
        .route(
            "/api/scheduler/trigger-rescan",
            web::post().to(trigger_rescan),
        );
}

/// The scheduler settings (`scheduler` of config.json).
#[derive(Serialize, ToSchema)]
pub struct SchedulerConfigBody {
    /// Whether scheduled rescans run.
    pub enabled: bool,
    /// Minutes between rescans when `schedule_time` is null (at least 1).
    pub interval_minutes: u32,
    /// Daily time `HH:MM` in `timezone`; null for interval mode.
    pub schedule_time: Option<String>,
    /// Days on which `schedule_time` fires: `mon tue wed thu fri sat sun`.
    pub schedule_days: Vec<String>,
    /// Queue every missing episode after a rescan and start the queue.
    pub auto_download_after_rescan: bool,
    /// IANA time zone of `schedule_time`; null for the server's local time.
    pub timezone: Option<String>,
}

/// The runtime status of the scheduler.
#[derive(Serialize, ToSchema)]
pub struct SchedulerStatusBody {
    /// The scheduler is enabled and running.
    pub is_running: bool,
    /// Next planned rescan (RFC 3339); null while disabled.
    pub next_run: Option<String>,
    /// Start of the last scheduled or triggered rescan; survives a restart.
    pub last_run: Option<String>,
    /// A library scan is running now.
    pub scan_in_progress: bool,
    /// The last run: `trigger` (`scheduled`/`manual`), `started_at`, `finished_at`,
    /// `series_scanned`, `missing_found`, `episodes_queued`, `error`.
    #[schema(value_type = Option<Object>)]
    pub last_outcome: Option<Value>,
    /// The latest planned run that passed while the service was down (not run).
    pub missed_run: Option<String>,
}

/// `{success, config, status}`.
#[derive(Serialize, ToSchema)]
pub struct SchedulerEnvelope {
    /// Always true.
    pub success: bool,
    /// The settings in effect.
    pub config: SchedulerConfigBody,
    /// The runtime status.
    pub status: SchedulerStatusBody,
}

/// `{"message": "Rescan started successfully"}`.
#[derive(Serialize, ToSchema)]
pub struct RescanStarted {
    /// What was done.
    pub message: &'static str,
}

/// The scheduler settings and status.
#[utoipa::path(get, path = "/api/scheduler/config", tag = "scheduler", security(("bearer" = [])),
    responses((status = 200, body = SchedulerEnvelope)))]
pub async fn get_scheduler_config(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let scheduler = state.scheduler.clone();
    let view = blocking(move || Ok::<_, ApiError>(scheduler.view())).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes the scheduler settings; fields not sent keep their values. Saved to config.json and
/// applied at once.
#[utoipa::path(post, path = "/api/scheduler/config", tag = "scheduler", security(("bearer" = [])),
    request_body(content = Object, description = "Any of enabled, interval_minutes, schedule_time, schedule_days, auto_download_after_rescan, timezone"),
    responses((status = 200, body = SchedulerEnvelope),
        (status = 400, description = "Malformed JSON"),
        (status = 422, description = "A bad schedule_time, an unknown day, interval_minutes below 1 or an unknown time zone; the field is named in details")))]
pub async fn update_scheduler_config(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scheduler = state.scheduler.clone();
    let view = blocking(move || scheduler.update(&body)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Starts a library rescan now (and queues missing episodes when auto download is on).
#[utoipa::path(post, path = "/api/scheduler/trigger-rescan", tag = "scheduler", security(("bearer" = [])),
    responses((status = 200, body = RescanStarted),
        (status = 409, description = "A scan is already in progress; no second one started"),
        (status = 503, description = "The library is not ready (no anime directory, or it is missing)")))]
pub async fn trigger_rescan(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let scheduler = state.scheduler.clone();
    blocking(move || scheduler.trigger()).await?;
    Ok(HttpResponse::Ok().json(RescanStarted {
        message: "Rescan started successfully",
    }))
}
