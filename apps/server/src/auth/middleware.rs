//! The authentication middleware and the [`Identity`] extractor.
//!
//! The middleware reads `Authorization: Bearer <token>` on every request; a valid, unrevoked
//! token puts an [`Identity`] into the request extensions. Routes that architecture.md "Access"
//! lists as public pass without one; every other route answers 401, so an area added later is
//! protected without doing anything.

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, web};

use super::tokens::Claims;
use crate::blocking::blocking;
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The claims of the caller's token.
    pub claims: Claims,
}

impl FromRequest for Identity {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Identity>()
                .cloned()
                .ok_or_else(|| ApiError::unauthorized("Authentication required")),
        )
    }
}

/// Paths reachable without a token (architecture.md "Access").
pub fn is_public(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "/",
        "/login",
        "/setup",
        "/queue",
        "/health",
        "/health/detailed",
        "/api/health",
        "/api/health/detailed",
        "/openapi.json",
        "/favicon.ico",
        "/api/docs",
        "/api/redoc",
        "/ws/status",
        // Answers 404 while off and checks its own token (a login token or server.metrics_token).
        "/metrics",
        // The WebSocket authenticates inside the protocol (token query or auth message).
        "/ws/connect",
    ];
    const PREFIXES: &[&str] = &["/api/auth/", "/api/docs/", "/static/"];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The bearer token of a request, if any.
pub fn bearer_token(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

/// Middleware: identifies the caller and refuses protected routes without a valid token.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let claims = match (&state, bearer_token(&req)) {
        (Some(state), Some(token)) => state.auth.decode(&token),
        _ => None,
    };
    if let (Some(state), Some(claims)) = (state, claims) {
        let revoked = match state.auth.cached_revocation(&claims.jti) {
            Some(r) => r,
            None => {
                let (auth, jti) = (state.auth.clone(), claims.jti.clone());
                match blocking(move || auth.check_revoked(&jti)).await {
                    Ok(r) => r,
                    Err(e) => return Ok(req.error_response(e)),
                }
            }
        };
        if !revoked {
            req.extensions_mut().insert(Identity { claims });
        }
    }
    let allowed = req.method() == Method::OPTIONS
        || is_public(req.path())
        || req.extensions().contains::<Identity>();
    if allowed {
        next.call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body)
    } else {
        Ok(req.error_response(ApiError::unauthorized("Authentication required")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_paths() {
        for p in [
            "/health",
            "/api/health",
            "/api/auth/login",
            "/api/docs/index.html",
            "/static/app.js",
            "/",
            "/queue",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/api/config",
            "/api/anime",
            "/api/queue/status",
            "/api/authx",
            "/api/docsx",
            "/health/x",
            "/ws",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }
}
