//! Scheduler endpoints (api.md section 7): read and change the rescan plan, trigger a rescan.

use std::str::FromStr;

use actix_web::{HttpResponse, web};
use aniworld_core::config::{RescanMode, SchedulerConfig, ValidationIssue, unknown_keys};
use aniworld_library::scheduler::RunRecord;
use aniworld_library::{SchedulerStatus, SkippedSeries};
use aniworld_service::SchedulerView;
use aniworld_service::rescans::SchedulerPatch;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::body::Json;
use crate::error::ApiError;
use crate::routes::anime::RescanModeName;
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
        SkippedBody,
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
    /// Days on which `schedule_time` fires.
    pub schedule_days: Vec<Weekday>,
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
    /// Run once, shortly after the start, a scheduled rescan missed while the service was down.
    pub catch_up: bool,
}

impl From<SchedulerConfig> for SchedulerConfigBody {
    fn from(c: SchedulerConfig) -> Self {
        Self {
            enabled: c.enabled,
            interval_minutes: c.interval_minutes,
            schedule_time: c.schedule_time,
            // A stored configuration is valid: every day is one of the seven.
            schedule_days: c
                .schedule_days
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect(),
            auto_download_after_rescan: c.auto_download_after_rescan,
            timezone: c.timezone,
            rescan_mode: c.rescan_mode.as_str(),
            ongoing_recheck_days: c.ongoing_recheck_days,
            ended_recheck_days: c.ended_recheck_days,
            max_rechecks_per_run: c.max_rechecks_per_run,
            catch_up: c.catch_up,
        }
    }
}

/// Body of `POST /api/scheduler/config`: any of the settings; those not sent keep their values,
/// other keys are refused. `null` clears `schedule_time` (interval mode) and `timezone` (the
/// server's local time); the other settings take no `null`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedulerUpdate {
    /// Whether scheduled rescans run.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    /// Minutes between rescans when `schedule_time` is null.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, minimum = 1)]
    pub interval_minutes: Option<u32>,
    /// Daily time `HH:MM` (00:00 to 23:59) in `timezone`; null for interval mode.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub schedule_time: Option<Option<String>>,
    /// Days on which `schedule_time` fires.
    // Strings, not `Weekday`s: the service checks the days together with the other settings,
    // so a bad day is named only when no setting it checks first is bad too.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<Weekday>>, nullable = false)]
    pub schedule_days: Option<Vec<String>>,
    /// Queue every missing episode after a rescan and start the queue.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub auto_download_after_rescan: Option<bool>,
    /// IANA time zone of `schedule_time` (e.g. `Europe/Berlin`); null for the server's local time.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
    /// What a run looks up: `changed` (change signals, unscanned series, due re-checks) or `full`.
    #[serde(default, deserialize_with = "rescan_mode")]
    #[schema(value_type = Option<RescanModeName>, nullable = false)]
    pub rescan_mode: Option<RescanMode>,
    /// Days between two re-checks of a running series (changed rescans).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, minimum = 1, maximum = 365)]
    pub ongoing_recheck_days: Option<u32>,
    /// Days between two re-checks of a series whose run has ended.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, minimum = 1, maximum = 3650)]
    pub ended_recheck_days: Option<u32>,
    /// Most re-checks in one changed rescan; 0 = none.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, maximum = 100000)]
    pub max_rechecks_per_run: Option<u32>,
    /// Run once, shortly after the start, a scheduled rescan missed while the service was down.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub catch_up: Option<bool>,
}

/// A setting that was sent: its value must be a `T` (`null` only where `T` takes it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `rescan_mode`, sent: refused with the message config.json's reading gives.
fn rescan_mode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RescanMode>, D::Error> {
    RescanMode::deserialize(d)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("scheduler.rescan_mode: {e}")))
}

impl SchedulerUpdate {
    /// Reads the body as sent. A refusal is a validation of the section (422 naming the field):
    /// a body that is not an object (`body`); every key that matches no setting, when one before
    /// the first mistyped value does not; else the first value, in key order, of the wrong type.
    pub fn parse(body: Value) -> Result<Self, ApiError> {
        if !body.is_object() {
            return Err(ApiError::validation(
                "body",
                "the scheduler configuration must be a JSON object",
            ));
        }
        let unknown: Vec<ValidationIssue> = unknown_keys::<SchedulerConfig>(&body)
            .into_iter()
            .map(|key| ValidationIssue::new(key, "unknown key: no such setting"))
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::from_issues(&unknown));
        }
        serde_path_to_error::deserialize(body).map_err(|e| {
            let field = match e.path().iter().next() {
                Some(serde_path_to_error::Segment::Map { key }) => key.clone(),
                _ => "body".to_string(),
            };
            ApiError::validation(&field, e.inner().to_string())
        })
    }
}

impl From<SchedulerUpdate> for SchedulerPatch {
    fn from(u: SchedulerUpdate) -> Self {
        Self {
            enabled: u.enabled,
            interval_minutes: u.interval_minutes,
            schedule_time: u.schedule_time,
            schedule_days: u.schedule_days,
            auto_download_after_rescan: u.auto_download_after_rescan,
            timezone: u.timezone,
            rescan_mode: u.rescan_mode,
            ongoing_recheck_days: u.ongoing_recheck_days,
            ended_recheck_days: u.ended_recheck_days,
            max_rechecks_per_run: u.max_rechecks_per_run,
            catch_up: u.catch_up,
        }
    }
}

/// A day of `schedule_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
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

impl FromStr for Weekday {
    type Err = ();

    /// `mon` to `sun`, exactly.
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "mon" => Self::Mon,
            "tue" => Self::Tue,
            "wed" => Self::Wed,
            "thu" => Self::Thu,
            "fri" => Self::Fri,
            "sat" => Self::Sat,
            "sun" => Self::Sun,
            _ => return Err(()),
        })
    }
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
    pub skipped: SkippedBody,
}

/// The series a changed rescan did not look up (or that answered "not modified"), by reason.
#[derive(Serialize, ToSchema)]
pub struct SkippedBody {
    /// Not named by their site's list of new episodes, and no re-check due.
    pub unchanged: usize,
    /// Their site gave no change signal this time, and no re-check due.
    pub not_due: usize,
    /// Re-checked and answered "not modified".
    pub not_modified: usize,
}

impl From<SkippedSeries> for SkippedBody {
    fn from(s: SkippedSeries) -> Self {
        Self {
            unchanged: s.unchanged,
            not_due: s.not_due,
            not_modified: s.not_modified,
        }
    }
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
            skipped: r.outcome.skipped.into(),
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
    let patch = SchedulerUpdate::parse(body.into_inner())?;
    let scheduler = state.app.scheduler().clone();
    let view = blocking(move || scheduler.update(patch.into())).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The refusal of `body`: its message and details.
    fn refusal(body: Value) -> (String, Value) {
        match SchedulerUpdate::parse(body.clone()) {
            Err(ApiError::Validation { message, details }) => (message, details),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn refusals_name_the_first_bad_field_in_key_order() {
        for (body, field) in [
            (json!([1]), "body"),
            (json!(null), "body"),
            (json!({"enabled": "yes"}), "enabled"),
            (json!({"enabled": null}), "enabled"),
            (json!({"interval_minutes": -5}), "interval_minutes"),
            (json!({"interval_minutes": 1.5}), "interval_minutes"),
            (json!({"schedule_time": 5}), "schedule_time"),
            (json!({"schedule_days": "mon"}), "schedule_days"),
            (json!({"schedule_days": ["mon", 1]}), "schedule_days"),
            (json!({"schedule_days": null}), "schedule_days"),
            (json!({"timezone": 7}), "timezone"),
            (json!({"rescan_mode": "some"}), "rescan_mode"),
            (json!({"max_rechecks_per_run": "a"}), "max_rechecks_per_run"),
            (json!({"schedule_tme": "06:30"}), "schedule_tme"),
            // Every unknown key before the first mistyped value is named; the first is `field`.
            (json!({"aaa": 1, "bbb": 2, "enabled": "yes"}), "aaa"),
            (json!({"enabled": "yes", "zzz": 1}), "enabled"),
        ] {
            let (_, details) = refusal(body.clone());
            assert_eq!(details["field"], field, "{body}: {details}");
            assert!(details[field].is_string(), "{body}: {details}");
        }
        let (_, details) = refusal(json!({"aaa": 1, "bbb": 2, "enabled": "yes"}));
        assert!(details["bbb"].is_string(), "{details}");
        for (body, message) in [
            (
                json!({"schedule_tme": "06:30"}),
                "Validation failed: schedule_tme: unknown key: no such setting",
            ),
            (
                json!({"enabled": "yes"}),
                "Validation failed: enabled: invalid type: string \"yes\", expected a boolean",
            ),
            (
                json!({"rescan_mode": "some"}),
                "Validation failed: rescan_mode: scheduler.rescan_mode: unknown variant `some`, \
                 expected `changed` or `full`",
            ),
            (
                json!("x"),
                "Validation failed: body: the scheduler configuration must be a JSON object",
            ),
        ] {
            assert_eq!(refusal(body).0, message);
        }
    }

    #[test]
    fn a_patch_keeps_what_is_not_sent_and_null_clears_time_and_zone() {
        let current = SchedulerConfig {
            timezone: Some("Europe/Berlin".into()),
            ..SchedulerConfig::default()
        };
        let apply = |body: Value| {
            SchedulerPatch::from(SchedulerUpdate::parse(body).unwrap()).applied_to(&current)
        };
        assert_eq!(apply(json!({})), current);
        let interval = apply(json!({"schedule_time": null, "timezone": null}));
        assert_eq!((interval.schedule_time, interval.timezone), (None, None));
        let changed = apply(json!({"schedule_time": "06:30", "rescan_mode": "full"}));
        assert_eq!(changed.schedule_time.as_deref(), Some("06:30"));
        assert_eq!(changed.rescan_mode, RescanMode::Full);
        assert_eq!(changed.timezone, current.timezone);
        // What GET shows goes back unchanged.
        let shown = serde_json::to_value(SchedulerConfigBody::from(current.clone())).unwrap();
        assert_eq!(apply(shown), current);
    }
}
