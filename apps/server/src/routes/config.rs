//! Configuration endpoints (api.md section 5): read, update, validate, backups, anime directory.
//!
//! Answers show the effective configuration with every secret redacted.

use actix_web::{HttpResponse, web};
use aniworld_service::ConfigService;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::body::{Json, OptionalJson};
use crate::error::ApiError;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(
        get_config,
        update_config,
        validate_config,
        list_backups,
        create_backup,
        restore_backup,
        delete_backup,
        update_directory,
        test_tmdb,
        test_anime_directory
    ),
    components(schemas(
        ValidationResult,
        BackupInfo,
        BackupCreated,
        MessageResponse,
        DirectoryRequest,
        DirectoryUpdated,
        TmdbTestRequest,
        DirectoryTestRequest,
        SettingCheckResult
    ))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/config")
            .route(web::get().to(get_config))
            .route(web::put().to(update_config)),
    )
    .service(web::resource("/api/config/validate").route(web::post().to(validate_config)))
    .service(
        web::resource("/api/config/backups")
            .route(web::get().to(list_backups))
            .route(web::post().to(create_backup)),
    )
    .service(
        web::resource("/api/config/backups/{backup_name}/restore")
            .route(web::post().to(restore_backup)),
    )
    .service(
        web::resource("/api/config/backups/{backup_name}").route(web::delete().to(delete_backup)),
    )
    .service(web::resource("/api/config/directory").route(web::post().to(update_directory)))
    .service(web::resource("/api/config/test/tmdb").route(web::post().to(test_tmdb)))
    .service(
        web::resource("/api/config/test/anime-directory")
            .route(web::post().to(test_anime_directory)),
    );
}

/// Result of a validation.
#[derive(Serialize, ToSchema)]
pub struct ValidationResult {
    /// Whether the configuration is valid.
    pub valid: bool,
    /// `field: problem` for every issue.
    pub errors: Vec<String>,
}

/// Query of `POST /api/config/backups`.
#[derive(Deserialize, IntoParams)]
pub struct BackupQuery {
    /// Custom name (`[A-Za-z0-9._-]{1,64}`, not starting with a dot).
    #[param(pattern = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    pub name: Option<String>,
}

/// Answer of a backup creation.
#[derive(Serialize, ToSchema)]
pub struct BackupCreated {
    /// File name of the backup.
    pub name: String,
    /// `Backup created successfully`.
    pub message: &'static str,
}

/// `{"message": ...}`.
#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    /// What was done.
    pub message: String,
}

/// Body of `POST /api/config/directory`.
#[derive(Deserialize, ToSchema)]
pub struct DirectoryRequest {
    /// Path of the anime library folder; created when missing. Not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    pub directory: String,
}

/// Answer of `POST /api/config/directory`.
#[derive(Serialize, ToSchema)]
pub struct DirectoryUpdated {
    /// `Anime directory updated successfully`.
    pub message: &'static str,
    /// Series of the library known after the change.
    pub synced_series: usize,
}

/// The current configuration, secrets redacted.
#[utoipa::path(get, path = "/api/config", tag = "config", security(("bearer" = [])),
    responses((status = 200, description = "AppConfig", body = Object)))]
pub async fn get_config(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.app.config().current().redacted())
}

/// Merges a partial configuration, validates and stores it.
#[utoipa::path(put, path = "/api/config", tag = "config", security(("bearer" = [])), request_body = Object,
    responses((status = 200, description = "The updated AppConfig", body = Object),
        (status = 422, description = "Invalid value; the field is named in details")))]
pub async fn update_config(
    state: web::Data<AppState>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let config = state.app.config().clone();
    let updated = blocking(move || config.update(&body)).await?;
    log::info!("configuration updated");
    Ok(HttpResponse::Ok().json(updated.redacted()))
}

/// Validates a full configuration without storing it.
#[utoipa::path(post, path = "/api/config/validate", tag = "config", security(("bearer" = [])), request_body = Object,
    responses((status = 200, body = ValidationResult),
        (status = 422, description = "Keys that match no setting; each is named in details")))]
pub async fn validate_config(body: Json<Value>) -> Result<HttpResponse, ApiError> {
    let errors = ConfigService::validate_value(&body)?;
    Ok(HttpResponse::Ok().json(ValidationResult {
        valid: errors.is_empty(),
        errors,
    }))
}

/// One backup file as listed by `GET /api/config/backups`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupInfo {
    /// File name inside the backups folder.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, RFC 3339 UTC.
    pub created: String,
}

impl From<aniworld_service::backups::BackupInfo> for BackupInfo {
    fn from(b: aniworld_service::backups::BackupInfo) -> Self {
        Self {
            name: b.name,
            size: b.size,
            created: b.created,
        }
    }
}

/// Lists the backups, newest first.
#[utoipa::path(get, path = "/api/config/backups", tag = "config", security(("bearer" = [])),
    responses((status = 200, body = [BackupInfo])))]
pub async fn list_backups(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.app.config().clone();
    let backups = blocking(move || config.list_backups()).await?;
    let entries: Vec<BackupInfo> = backups.into_iter().map(BackupInfo::from).collect();
    Ok(HttpResponse::Ok().json(entries))
}

/// Copies the stored configuration into a new backup.
#[utoipa::path(post, path = "/api/config/backups", tag = "config", security(("bearer" = [])), params(BackupQuery),
    responses((status = 200, body = BackupCreated), (status = 409, description = "Name exists"),
        (status = 422, description = "Invalid name")))]
pub async fn create_backup(
    state: web::Data<AppState>,
    query: web::Query<BackupQuery>,
) -> Result<HttpResponse, ApiError> {
    let config = state.app.config().clone();
    let name = blocking(move || config.create_backup(query.name.as_deref())).await?;
    log::info!("configuration backup {name} created");
    Ok(HttpResponse::Ok().json(BackupCreated {
        name,
        message: "Backup created successfully",
    }))
}

/// Validates a backup and makes it the configuration.
#[utoipa::path(post, path = "/api/config/backups/{backup_name}/restore", tag = "config", security(("bearer" = [])),
    params(("backup_name" = String, Path, description = "File name of the backup")),
    responses((status = 200, description = "The restored AppConfig", body = Object),
        (status = 404, description = "No such backup"), (status = 422, description = "Invalid name or content")))]
pub async fn restore_backup(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let config = state.app.config().clone();
    let name = name.into_inner();
    let shown = name.clone();
    let restored = blocking(move || config.restore_backup(&name)).await?;
    log::info!("configuration restored from backup {shown}");
    Ok(HttpResponse::Ok().json(restored.redacted()))
}

/// Deletes a backup.
#[utoipa::path(delete, path = "/api/config/backups/{backup_name}", tag = "config", security(("bearer" = [])),
    params(("backup_name" = String, Path, description = "File name of the backup")),
    responses((status = 200, body = MessageResponse), (status = 404, description = "No such backup"),
        (status = 422, description = "Invalid name")))]
pub async fn delete_backup(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let config = state.app.config().clone();
    let name = name.into_inner();
    let n = name.clone();
    blocking(move || config.delete_backup(&n)).await?;
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: format!("Backup '{name}' deleted successfully"),
    }))
}

/// Sets the anime library folder (creating it when missing).
#[utoipa::path(post, path = "/api/config/directory", tag = "config", security(("bearer" = [])),
    request_body = DirectoryRequest,
    responses((status = 200, body = DirectoryUpdated),
        (status = 422, description = "Empty, relative or unusable path (cannot be created, nothing can be written in it)")))]
pub async fn update_directory(
    state: web::Data<AppState>,
    body: Json<DirectoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let directory = body.into_inner().directory;
    let library = state.app.library().clone();
    let synced_series = blocking(move || library.set_anime_directory(&directory)).await?;
    log::info!("anime directory updated");
    Ok(HttpResponse::Ok().json(DirectoryUpdated {
        message: "Anime directory updated successfully",
        synced_series,
    }))
}

/// Body of `POST /api/config/test/tmdb`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TmdbTestRequest {
    /// The key to test; absent, empty or `********`: the stored key.
    #[serde(default)]
    pub api_key: Option<String>,
}

/// Body of `POST /api/config/test/anime-directory`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryTestRequest {
    /// The folder to test (absolute); absent: the anime folder set now.
    #[serde(default)]
    pub path: Option<String>,
}

/// Answer of the settings tests: whether the setting works, and why.
#[derive(Serialize, ToSchema)]
pub struct SettingCheckResult {
    /// Whether the setting works.
    pub ok: bool,
    /// Why: `accepted`, `no_key`, `rejected`, `unreachable`, `rate_limited`, `failed` (TMDB);
    /// `usable`, `not_set`, `missing`, `not_a_folder`, `unreadable`, `not_writable` (folder).
    pub code: &'static str,
    /// Why, in English.
    pub message: String,
    /// Series folders found in a usable anime folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_folders: Option<usize>,
}

impl From<aniworld_service::checks::SettingCheck> for SettingCheckResult {
    fn from(c: aniworld_service::checks::SettingCheck) -> Self {
        Self {
            ok: c.ok,
            code: c.code.as_str(),
            message: c.message,
            series_folders: c.series_folders,
        }
    }
}

/// Tests a TMDB API key (the given one, else the stored one) with one request to the
/// configured TMDB API. A refused key is `ok: false`, not an error; the key is never echoed.
#[utoipa::path(post, path = "/api/config/test/tmdb", tag = "config", security(("bearer" = [])),
    request_body = TmdbTestRequest,
    responses((status = 200, body = SettingCheckResult)))]
pub async fn test_tmdb(
    state: web::Data<AppState>,
    body: OptionalJson<TmdbTestRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = body.0.and_then(|b| b.api_key);
    let config = state.app.config().clone();
    let check = blocking(move || Ok::<_, ApiError>(config.test_tmdb_key(key.as_deref()))).await?;
    Ok(HttpResponse::Ok().json(SettingCheckResult::from(check)))
}

/// Tests whether a folder (the given one, else the anime folder set now) can hold the library:
/// exists, is a folder, can be written; counts its series folders. Changes nothing.
#[utoipa::path(post, path = "/api/config/test/anime-directory", tag = "config", security(("bearer" = [])),
    request_body = DirectoryTestRequest,
    responses((status = 200, body = SettingCheckResult),
        (status = 422, description = "A blank or relative path; `path` is named in details")))]
pub async fn test_anime_directory(
    state: web::Data<AppState>,
    body: OptionalJson<DirectoryTestRequest>,
) -> Result<HttpResponse, ApiError> {
    let path = body.0.and_then(|b| b.path);
    let config = state.app.config().clone();
    let check = blocking(move || config.test_anime_directory(path.as_deref())).await?;
    Ok(HttpResponse::Ok().json(SettingCheckResult::from(check)))
}
