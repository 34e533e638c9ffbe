//! The system page's data (docs/system.md): `GET /api/system` (version, start, uptime, log level)
//! and `GET /api/system/logs` (the recent log records the service keeps in memory, redacted).
//! The health of the database, disk, catalogue sites, hosters and notification targets is
//! `GET /api/health/detailed` (routes/health.rs), which the page reads as well.

use actix_web::{HttpResponse, web};
use aniworld_service::logs::{self, CAPACITY, LogQuery, LogRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::ApiError;
use crate::routes::health::VERSION;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(get_system, get_logs),
    components(schemas(SystemInfo, LogLine)),
    tags((name = "system", description = "Version, uptime and the recent log lines"))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/system").route(web::get().to(get_system)))
        .service(web::resource("/api/system/logs").route(web::get().to(get_logs)));
}

/// `GET /api/system`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemInfo {
    /// Service version.
    pub version: &'static str,
    /// When the service started (RFC 3339, UTC).
    pub started_at: DateTime<Utc>,
    /// Seconds since then.
    pub uptime_seconds: i64,
    /// The level in force: `trace`, `debug`, `info`, `warn`, `error` or `off`.
    pub log_level: String,
    /// How many recent log records the service keeps for `GET /api/system/logs`.
    pub log_capacity: usize,
}

/// One log record of `GET /api/system/logs`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogLine {
    /// When it was logged (RFC 3339, UTC).
    pub time: DateTime<Utc>,
    /// `trace`, `debug`, `info`, `warn` or `error`.
    pub level: String,
    /// The module that logged it.
    pub target: String,
    /// The message, credentials and configured secrets masked.
    pub message: String,
}

impl From<LogRecord> for LogLine {
    fn from(r: LogRecord) -> Self {
        Self {
            time: r.time,
            level: r.level.as_str().to_ascii_lowercase(),
            target: r.target,
            message: r.message,
        }
    }
}

/// Query of `GET /api/system/logs`; the values arrive as strings so that a bad one answers 422
/// naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct LogsQuery {
    /// The least severe level shown: `trace`, `debug`, `info` (default), `warn` or `error`.
    #[param(value_type = Option<String>)]
    pub level: Option<String>,
    /// How many records at most, 1 to 1000 (default 200).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// Version, start time and uptime of the service, and its log level.
#[utoipa::path(get, path = "/api/system", tag = "system", security(("bearer" = [])),
    responses((status = 200, body = SystemInfo)))]
pub async fn get_system(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(SystemInfo {
        version: VERSION,
        started_at: state.started_at,
        uptime_seconds: (Utc::now() - state.started_at).num_seconds().max(0),
        log_level: log::max_level().as_str().to_ascii_lowercase(),
        log_capacity: CAPACITY,
    })
}

/// The newest log records of this level and more severe, oldest first (newest last), from the
/// service's memory (the last 1000 records written; none survive a restart).
#[utoipa::path(get, path = "/api/system/logs", tag = "system", security(("bearer" = [])),
    params(LogsQuery),
    responses((status = 200, body = [LogLine]),
        (status = 422, description = "Bad level or limit; the field is named in details")))]
pub async fn get_logs(query: web::Query<LogsQuery>) -> Result<HttpResponse, ApiError> {
    let query = LogQuery::parse(query.level.as_deref(), query.limit.as_deref())?;
    let lines: Vec<LogLine> = logs::recent(&query)
        .into_iter()
        .map(LogLine::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(lines))
}
