//! Authentication endpoints (api.md section 2): setup, login, logout, status.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::auth::Identity;
use crate::blocking::blocking;
use crate::body::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(set_up_password, log_in, log_out, get_auth_status),
    components(schemas(
        SetupRequest,
        LoginRequest,
        LoginResponse,
        AuthStatus,
        StatusOk,
        LogoutResponse
    ))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/auth/setup").route(web::post().to(set_up_password)))
        .service(web::resource("/api/auth/login").route(web::post().to(log_in)))
        .service(web::resource("/api/auth/logout").route(web::post().to(log_out)))
        .service(web::resource("/api/auth/status").route(web::get().to(get_auth_status)));
}

/// Body of `POST /api/auth/setup`.
#[derive(Deserialize, ToSchema)]
pub struct SetupRequest {
    /// At least 8 characters with lower and upper case, a digit and a special character.
    #[schema(min_length = 8)]
    pub master_password: String,
    /// The anime library folder (optional).
    #[serde(default)]
    pub anime_directory: Option<String>,
}

/// `{"status": "ok"}`.
#[derive(Serialize, ToSchema)]
pub struct StatusOk {
    /// `ok`.
    pub status: &'static str,
}

/// Body of `POST /api/auth/login`.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The master password.
    pub password: String,
    /// 30-day token instead of 24 hours.
    #[serde(default)]
    pub remember: bool,
}

/// A fresh token.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// The JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// `bearer`.
    pub token_type: &'static str,
    /// Expiry, RFC 3339 UTC.
    pub expires_at: String,
}

/// Answer of `POST /api/auth/logout`.
#[derive(Serialize, ToSchema)]
pub struct LogoutResponse {
    /// `ok`.
    pub status: &'static str,
    /// `Logged out successfully`.
    pub message: &'static str,
}

/// Answer of `GET /api/auth/status`.
#[derive(Serialize, ToSchema)]
pub struct AuthStatus {
    /// Whether the master password is set.
    pub configured: bool,
    /// Whether the request carried a valid token.
    pub authenticated: bool,
}

/// The address the login lockout counts under (behind a trusted proxy: the real client).
fn client_of(req: &HttpRequest) -> String {
    crate::client::client_of(req).to_string()
}

/// Sets the master password; works once.
#[utoipa::path(post, path = "/api/auth/setup", tag = "auth", request_body = SetupRequest,
    responses((status = 201, body = StatusOk), (status = 400, description = "Already configured or weak password"),
        (status = 422, description = "Missing or mistyped field"), (status = 429, description = "Rate limited")))]
pub async fn set_up_password(
    state: web::Data<AppState>,
    body: Json<SetupRequest>,
) -> Result<HttpResponse, ApiError> {
    let SetupRequest {
        master_password,
        anime_directory,
    } = body.into_inner();
    let auth = state.auth.clone();
    blocking(move || auth.setup(&master_password, anime_directory.as_deref())).await?;
    Ok(HttpResponse::Created().json(StatusOk { status: "ok" }))
}

/// Checks the master password and returns a token.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "Invalid credentials"),
        (status = 429, description = "Locked after failed attempts, or rate limited")))]
pub async fn log_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { password, remember } = body.into_inner();
    let (auth, client) = (state.auth.clone(), client_of(&req));
    let (token, claims) = blocking(move || auth.login(&password, remember, &client)).await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        access_token: token,
        token_type: "bearer",
        expires_at: claims
            .expires_at()
            .to_rfc3339_opts(SecondsFormat::Secs, true),
    }))
}

/// Revokes the caller's token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = LogoutResponse), (status = 401, description = "No valid token")))]
pub async fn log_out(
    state: web::Data<AppState>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    let auth = state.auth.clone();
    blocking(move || auth.logout(&identity.claims)).await?;
    Ok(HttpResponse::Ok().json(LogoutResponse {
        status: "ok",
        message: "Logged out successfully",
    }))
}

/// Whether setup is done and whether the caller is authenticated.
#[utoipa::path(get, path = "/api/auth/status", tag = "auth", responses((status = 200, body = AuthStatus)))]
pub async fn get_auth_status(
    state: web::Data<AppState>,
    identity: Option<Identity>,
) -> HttpResponse {
    HttpResponse::Ok().json(AuthStatus {
        configured: state.auth.is_configured(),
        authenticated: identity.is_some(),
    })
}
