//! Scheduler endpoints (api.md section 7): read and change the rescan plan, trigger a rescan.

use actix_web::{HttpResponse, web};
use aniworld_core::config::SchedulerConfig;
use aniworld_library::SchedulerStatus;
use aniworld_library::scheduler::RunRecord;
use aniworld_service::SchedulerView;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::body::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(get_scheduler_config, update_scheduler_config, trigger_rescan),
    components(schemas(
        SchedulerUpdate,
        Weekday,
        SchedulerEnvelope,
        SchedulerConfigBody,
        SchedulerStatusBody,
        RunRecordBody,
        RescanStarted
    ))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/scheduler/config")
            .route(web::get().to(get_scheduler_config))
            .route(web::post().to(update_scheduler_config)),
    )
    .service(web::resource("/api/scheduler/trigger-rescan").route(web::post().to(trigger_rescan)));
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
    /// What a run looks up: `changed` (change signals, unscanned series, due re-checks) or `full`.
    pub rescan_mode: &'static str,
    /// Days between two re-checks of a running series (changed rescans).
    pub ongoing_recheck_days: u32,
    /// Days between two re-checks of a series whose run has ended.
    pub ended_recheck_days: u32,
    /// Most re-checks in one changed rescan; 0 = none.
    pub max_rechecks_per_run: u32,
}

impl From<SchedulerConfig> for SchedulerConfigBody {
    fn from(c: SchedulerConfig) -> Self {
        Self {
            enabled: c.enabled,
            interval_minutes: c.interval_minutes,
            schedule_time: c.schedule_time,
            schedule_days: c.schedule_days,
            auto_download_after_rescan: c.auto_download_after_rescan,
            timezone: c.timezone,
            rescan_mode: c.rescan_mode.as_str(),
            ongoing_recheck_days: c.ongoing_recheck_days,
            ended_recheck_days: c.ended_recheck_days,
            max_rechecks_per_run: c.max_rechecks_per_run,
        }
    }
}

/// Body of `POST /api/scheduler/config`: any of the settings; fields not sent keep their values,
/// other keys are refused.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the body; the handler merges the JSON object as sent
pub struct SchedulerUpdate {
    /// Whether scheduled rescans run.
    enabled: Option<bool>,
    /// Minutes between rescans when `schedule_time` is null.
    #[schema(minimum = 1)]
    interval_minutes: Option<u32>,
    /// Daily time `HH:MM` (00:00 to 23:59) in `timezone`; null for interval mode.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    schedule_time: Option<String>,
    /// Days on which `schedule_time` fires.
    schedule_days: Option<Vec<Weekday>>,
    /// Queue every missing episode after a rescan and start the queue.
    auto_download_after_rescan: Option<bool>,
    /// IANA time zone of `schedule_time` (e.g. `Europe/Berlin`); null for the server's local time.
    timezone: Option<String>,
}

/// A day of `schedule_days`.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // names the values in the OpenAPI document
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
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
    /// The last finished run.
    pub last_outcome: Option<RunRecordBody>,
    /// The latest planned run that passed while the service was down (not run).
    pub missed_run: Option<String>,
}

impl From<SchedulerStatus> for SchedulerStatusBody {
    fn from(s: SchedulerStatus) -> Self {
        Self {
            is_running: s.is_running,
            next_run: s.next_run.map(time),
            last_run: s.last_run.map(time),
            scan_in_progress: s.scan_in_progress,
            last_outcome: s.last_outcome.map(RunRecordBody::from),
            missed_run: s.missed_run.map(time),
        }
    }
}

/// A finished scheduler run.
#[derive(Serialize, ToSchema)]
pub struct RunRecordBody {
    /// `scheduled` or `manual`.
    #[schema(value_type = String)]
    pub trigger: aniworld_library::scheduler::RunTrigger,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it ended (RFC 3339).
    pub finished_at: String,
    /// Series looked up on the catalogue.
    pub series_scanned: usize,
    /// Missing episodes found.
    pub missing_found: usize,
    /// Episodes queued after the scan.
    pub episodes_queued: usize,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// `changed` or `full`.
    pub mode: Option<&'static str>,
    /// What a changed rescan skipped, by reason.
    #[schema(value_type = Object)]
    pub skipped: Value,
}

impl From<RunRecord> for RunRecordBody {
    fn from(r: RunRecord) -> Self {
        Self {
            trigger: r.trigger,
            started_at: time(r.started_at),
            finished_at: time(r.finished_at),
            series_scanned: r.outcome.series_scanned,
            missing_found: r.outcome.missing_found,
            episodes_queued: r.outcome.episodes_queued,
            error: r.outcome.error,
            mode: r.outcome.mode.map(|m| m.as_str()),
            skipped: serde_json::to_value(r.outcome.skipped).unwrap_or(Value::Null),
        }
    }
}

/// A time as api.md writes the scheduler's: RFC 3339 with `+00:00`.
fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
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

impl From<SchedulerView> for SchedulerEnvelope {
    fn from(v: SchedulerView) -> Self {
        Self {
            success: true,
            config: v.config.into(),
            status: v.status.into(),
        }
    }
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
    let scheduler = state.app.scheduler().clone();
    let view = blocking(move || Ok::<_, ApiError>(scheduler.view())).await?;
    Ok(HttpResponse::Ok().json(SchedulerEnvelope::from(view)))
}

/// Changes the scheduler settings; fields not sent keep their values. Saved to config.json and
/// applied at once.
#[utoipa::path(post, path = "/api/scheduler/config", tag = "scheduler", security(("bearer" = [])),
    request_body = SchedulerUpdate,
    responses((status = 200, body = SchedulerEnvelope),
        (status = 400, description = "Malformed JSON"),
        (status = 422, description = "A bad schedule_time, an unknown day, interval_minutes below 1 or an unknown time zone; the field is named in details")))]
pub async fn update_scheduler_config(
    state: web::Data<AppState>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let scheduler = state.app.scheduler().clone();
    let view = blocking(move || scheduler.update(&body)).await?;
    Ok(HttpResponse::Ok().json(SchedulerEnvelope::from(view)))
}

/// Starts a library rescan now (and queues missing episodes when auto download is on).
#[utoipa::path(post, path = "/api/scheduler/trigger-rescan", tag = "scheduler", security(("bearer" = [])),
    responses((status = 200, body = RescanStarted),
        (status = 409, description = "A scan is already in progress; no second one started"),
        (status = 503, description = "The library is not ready (no anime directory, or it is missing)")))]
pub async fn trigger_rescan(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let scheduler = state.app.scheduler().clone();
    blocking(move || scheduler.trigger()).await?;
    Ok(HttpResponse::Ok().json(RescanStarted {
        message: "Rescan started successfully",
    }))
}
