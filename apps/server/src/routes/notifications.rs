//! Notification endpoints (docs/notifications.md): send a test to one or every enabled target,
//! and the delivery status per target. The targets themselves are configured through
//! `PUT /api/config` (`notifications.targets`).

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use aniworld_service::notifications::TargetStatus;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::body::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(test_notifications, notification_status),
    components(schemas(TestRequest, TestResults, TestResult, NotificationStatus, TargetStatusBody)),
    tags((name = "notifications", description = "Notification targets: tests and delivery status"))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/notifications/test").route(web::post().to(test_notifications)))
        .service(
            web::resource("/api/notifications/status").route(web::get().to(notification_status)),
        );
}

/// Body of `POST /api/notifications/test` (optional).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// The target to test; every enabled target when absent or null.
    #[schema(min_length = 1)]
    pub target: Option<String>,
}

/// Answer of a test: one result per target tested.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResults {
    /// In configuration order.
    pub results: Vec<TestResult>,
}

/// How the test of one target went.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// The target's name.
    pub target: String,
    /// Its type (`webhook`, `ntfy`, `discord`, `telegram`, `gotify`, `email`, `jellyfin`, `plex`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether the test notification was delivered.
    pub delivered: bool,
    /// Why not (never containing a secret), else null.
    pub error: Option<String>,
}

/// `GET /api/notifications/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationStatus {
    /// The configured quiet hours (`HH:MM-HH:MM`), or null.
    pub quiet_hours: Option<String>,
    /// Whether quiet hours hold notifications back now (failures still go out).
    pub quiet_now: bool,
    /// Per configured target, in configuration order.
    pub targets: Vec<TargetStatusBody>,
}

/// The deliveries of one target.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetStatusBody {
    /// The target's name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Notifications waiting for it (retries and quiet hours included).
    pub pending: u64,
    /// The last successful delivery, RFC 3339; null before the first.
    pub last_delivery: Option<String>,
    /// The error of the last failed try (never containing a secret), or null.
    pub last_error: Option<String>,
    /// When that try was made, RFC 3339.
    pub last_error_at: Option<String>,
    /// The last notification that finished was given up after its retries (or refused for
    /// good); cleared by the next delivery. `/health/detailed` lists such targets.
    pub failing: bool,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl From<TargetStatus> for TargetStatusBody {
    fn from(t: TargetStatus) -> Self {
        Self {
            name: t.name,
            kind: t.kind,
            enabled: t.enabled,
            pending: t.pending,
            last_delivery: t.last_delivery_at.map(rfc3339),
            last_error: t.last_error,
            last_error_at: t.last_error_at.map(rfc3339),
            failing: t.failing,
        }
    }
}

/// Whether the request has a body to read (a test without one tests every enabled target).
fn has_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

/// Sends a `test` notification now and reports per target whether it was delivered.
#[utoipa::path(post, path = "/api/notifications/test", tag = "notifications", security(("bearer" = [])),
    request_body(content = Option<TestRequest>, description = "`{\"target\": \"<name>\"}`; without a body (or without `target`) every enabled target is tested"),
    responses((status = 200, body = TestResults),
        (status = 404, description = "No target has that name")))]
pub async fn test_notifications(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let target = if has_body(&req) {
        Json::<TestRequest>::from_request(&req, &mut payload.into_inner())
            .await?
            .into_inner()
            .target
    } else {
        None
    };
    let notifications = state.app.notifications().clone();
    let outcomes = blocking(move || notifications.test(target.as_deref())).await?;
    let results = outcomes
        .into_iter()
        .map(|o| TestResult {
            target: o.target,
            kind: o.kind,
            delivered: o.error.is_none(),
            error: o.error,
        })
        .collect();
    Ok(HttpResponse::Ok().json(TestResults { results }))
}

/// Per target: the last delivery, the last error and what is pending.
#[utoipa::path(get, path = "/api/notifications/status", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationStatus)))]
pub async fn notification_status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let notifications = state.app.notifications().clone();
    let status = blocking(move || notifications.status()).await?;
    Ok(HttpResponse::Ok().json(NotificationStatus {
        quiet_hours: status.quiet_hours,
        quiet_now: status.quiet_now,
        targets: status.targets.into_iter().map(Into::into).collect(),
    }))
}
