//! Health checks (api.md section 8): `/health` and `/health/detailed`, also under `/api/health`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::error::ApiError;
use crate::metrics::SystemSnapshot;
use crate::state::AppState;
use aniworld_service::files::dir_writable;

/// The service version reported by health checks.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(get_health, get_detailed_health),
    components(schemas(
        Health,
        DetailedHealth,
        Dependencies,
        DatabaseHealth,
        FilesystemHealth,
        SystemSnapshot,
        HosterHealthEntry,
        NotificationsHealth,
        FailingTarget
    ))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health").route(web::get().to(get_health)))
        .service(web::resource("/health/detailed").route(web::get().to(get_detailed_health)))
        .service(web::resource("/api/health").route(web::get().to(get_health)))
        .service(web::resource("/api/health/detailed").route(web::get().to(get_detailed_health)));
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `healthy`.
    pub status: &'static str,
    /// Now, RFC 3339 with milliseconds.
    pub timestamp: String,
    /// Service version.
    pub version: &'static str,
}

/// `GET /health/detailed`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetailedHealth {
    /// `healthy`, or `degraded` when a dependency fails.
    pub status: &'static str,
    /// Now, RFC 3339 with milliseconds.
    pub timestamp: String,
    /// Service version.
    pub version: &'static str,
    /// Database, filesystem and system.
    pub dependencies: Dependencies,
    /// Per enabled catalogue site: its status, the page engine it served last, the last canary
    /// check and the error. A site that is not `healthy` makes the service `degraded`.
    pub catalogue: BTreeMap<String, CatalogueSiteHealth>,
    /// Notification targets whose last notification was given up. Informational: never makes
    /// the service degraded.
    pub notifications: NotificationsHealth,
    /// When the service started.
    pub startup_time: String,
}

/// The dependencies of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dependencies {
    /// SQLite.
    pub database: DatabaseHealth,
    /// Data and log folders.
    pub filesystem: FilesystemHealth,
    /// Machine figures.
    pub system: SystemSnapshot,
    /// Per hoster (by the catalogue's name), how extraction attempts of the last 24 hours went
    /// (kept in the database, so a restart keeps them) and whether the hoster is degraded.
    /// Informational: never makes the service degraded.
    pub hosters: BTreeMap<String, HosterHealthEntry>,
}

/// How one catalogue site is doing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueSiteHealth {
    /// `healthy`, `degraded`, `verification_required` or `session_expired`.
    pub status: &'static str,
    /// `legacy` or `v2`: the page engine the site served last; null before any page was read.
    pub engine: Option<&'static str>,
    /// When the canary last checked the site, RFC 3339; null before its first run.
    pub last_check: Option<String>,
    /// What is wrong, when not healthy.
    pub error: Option<String>,
    /// The end of a verification wall's cool-down, RFC 3339, while one is up.
    pub until: Option<String>,
}

/// How the download resolver's recent attempts with one hoster went.
#[derive(Debug, Serialize, ToSchema)]
pub struct HosterHealthEntry {
    /// Successful extractions in the last 24 hours.
    pub successes: u32,
    /// Failed extractions in the last 24 hours.
    pub failures: u32,
    /// The reason of the last attempt when it failed, else null.
    pub last_error: Option<String>,
    /// When the hoster was last tried, RFC 3339 with milliseconds.
    pub last_attempt: Option<String>,
    /// `healthy`, or `degraded` while the hoster is in its cool-down after failing its last
    /// attempts (it is then tried last).
    pub status: &'static str,
    /// Failed extractions since the last success.
    pub consecutive_failures: u32,
    /// The end of the cool-down while degraded, RFC 3339; else null.
    pub degraded_until: Option<String>,
}

/// The resolver's hoster health as the response shows it.
fn hoster_entries(state: &AppState) -> BTreeMap<String, HosterHealthEntry> {
    state
        .app
        .hosters()
        .snapshot()
        .into_iter()
        .map(|(name, h)| {
            let entry = HosterHealthEntry {
                successes: h.successes,
                failures: h.failures,
                last_error: h.last_error,
                last_attempt: h
                    .last_attempt
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
                status: if h.degraded_until.is_some() {
                    "degraded"
                } else {
                    "healthy"
                },
                consecutive_failures: h.consecutive_failures,
                degraded_until: h
                    .degraded_until
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            };
            (name, entry)
        })
        .collect()
}

/// The notification targets that fail.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsHealth {
    /// Targets whose last notification was given up after its retries (or refused for good),
    /// until one is delivered again (`GET /api/notifications/status` has the details).
    pub failing_targets: Vec<FailingTarget>,
}

/// One failing notification target.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailingTarget {
    /// The target's name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The error of its last failed try (never containing a secret).
    pub last_error: Option<String>,
    /// When that try was made, RFC 3339.
    pub last_error_at: Option<String>,
}

/// The failing targets of the notifier's status (none when it cannot be read).
fn failing_targets(state: &AppState) -> Vec<FailingTarget> {
    let status = match state.app.notifications().status() {
        Ok(s) => s,
        Err(e) => {
            log::error!("notification status for the health check: {e}");
            return Vec::new();
        }
    };
    status
        .targets
        .into_iter()
        .filter(|t| t.failing)
        .map(|t| FailingTarget {
            name: t.name,
            kind: t.kind,
            last_error: t.last_error,
            last_error_at: t
                .last_error_at
                .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
        })
        .collect()
}

/// Database check.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseHealth {
    /// `healthy` or `unhealthy`.
    pub status: &'static str,
    /// Time of a `SELECT 1`, ms.
    pub connection_time_ms: Option<f64>,
    /// What happened.
    pub message: String,
}

/// Filesystem check.
#[derive(Debug, Serialize, ToSchema)]
pub struct FilesystemHealth {
    /// `healthy` or `unhealthy`.
    pub status: &'static str,
    /// Whether a file can be created in the data dir.
    pub data_dir_writable: bool,
    /// Whether a file can be created in `<data_dir>/logs`.
    pub logs_dir_writable: bool,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Basic health check.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "healthy",
        timestamp: now(),
        version: VERSION,
    })
}

/// Health of the database, the data folders, the machine and the hosters.
#[utoipa::path(get, path = "/health/detailed", tag = "health", responses((status = 200, body = DetailedHealth)))]
pub async fn get_detailed_health(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let (database, filesystem, mut system) = blocking(move || {
        let database = match st.app.store().ping() {
            Ok(d) => DatabaseHealth {
                status: "healthy",
                connection_time_ms: Some((d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0),
                message: "Database connection successful".into(),
            },
            Err(e) => {
                log::error!("database health check failed: {e}");
                DatabaseHealth {
                    status: "unhealthy",
                    connection_time_ms: None,
                    message: "Database connection failed".into(),
                }
            }
        };
        let data = dir_writable(&st.settings.data_dir);
        let logs = dir_writable(&st.settings.logs_dir());
        let filesystem = FilesystemHealth {
            status: if data && logs { "healthy" } else { "unhealthy" },
            data_dir_writable: data,
            logs_dir_writable: logs,
        };
        Ok::<_, ApiError>((
            database,
            filesystem,
            st.system.snapshot(&st.settings.data_dir),
        ))
    })
    .await?;
    system.uptime_seconds =
        ((Utc::now() - state.started_at).num_milliseconds() as f64 / 1000.0).max(0.0);
    let st = state.clone();
    let sites = blocking(move || Ok::<_, ApiError>(st.app.library().site_statuses())).await?;
    let st = state.clone();
    let failing_targets = blocking(move || Ok::<_, ApiError>(failing_targets(&st))).await?;
    let catalogue: BTreeMap<String, CatalogueSiteHealth> = sites
        .into_iter()
        .map(|s| {
            let entry = CatalogueSiteHealth {
                status: s.status.as_str(),
                engine: s.engine.map(|e| e.as_str()),
                last_check: s
                    .last_check
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
                error: s.error,
                until: s
                    .until
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            };
            (s.site, entry)
        })
        .collect();
    let healthy = database.status == "healthy"
        && filesystem.status == "healthy"
        && catalogue.values().all(|c| c.status == "healthy");
    Ok(HttpResponse::Ok().json(DetailedHealth {
        status: if healthy { "healthy" } else { "degraded" },
        timestamp: now(),
        version: VERSION,
        dependencies: Dependencies {
            database,
            filesystem,
            system,
            hosters: hoster_entries(&state),
        },
        catalogue,
        notifications: NotificationsHealth { failing_targets },
        startup_time: state
            .started_at
            .to_rfc3339_opts(SecondsFormat::Millis, true),
    }))
}
