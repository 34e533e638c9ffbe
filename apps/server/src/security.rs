//! Security policies at the HTTP edge: response headers, CORS and rate limits.
//!
//! - Every response gets `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
//!   `Referrer-Policy: no-referrer`; HTML pages a restrictive Content-Security-Policy (scripts only
//!   from the service itself; images also from the enabled catalogue sites, whose covers the
//!   search page shows), everything else `default-src 'none'`; auth and config answers
//!   `Cache-Control: no-store`.
//! - CORS allows the origins of `server.cors_origins` and the service's own origin, nothing else.
//! - Before setup, a state-changing request (any method but GET, HEAD and OPTIONS) whose `Origin`
//!   is not the service's own origin is refused with 403, so a web page the owner visits cannot
//!   set the master password of a fresh instance. Requests without `Origin` (curl, scripts) pass.
//! - Rate limits (GCRA, keyed): `POST /api/auth/login` and `/api/auth/setup` per client address
//!   (`server.auth_rate_limit_per_minute` per 60 s; the next request trips; the address behind a
//!   trusted proxy, see `client.rs`), and `/api/*` requests
//!   carrying an `Origin` per origin (`server.origin_rate_limit_per_minute`), own origin included.
//!   A tripped limit answers 429 `{"detail": ...}` with `Retry-After`.

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{RequestHead, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::error::ApiError;
use crate::state::AppState;
use aniworld_service::ConfigService;

/// CSP of HTML pages (UI, Swagger UI, ReDoc): everything from the service itself; inline styles
/// are allowed because both documentation viewers set them, inline scripts are not.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; \
object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// [`PAGE_CSP`] with images also allowed from `origins` (the enabled catalogue sites, whose
/// covers the search page shows); origins with characters a CSP source cannot hold are skipped.
pub fn page_csp(origins: &[String]) -> String {
    let extra: String = origins
        .iter()
        .filter(|o| {
            !o.is_empty()
                && o.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '[' | ']')
                })
        })
        .map(|o| format!(" {o}"))
        .collect();
    PAGE_CSP.replacen(
        "img-src 'self' data: blob:",
        &format!("img-src 'self' data: blob:{extra}"),
        1,
    )
}

/// CSP of every non-HTML response.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Middleware: the security headers described in the module docs.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let no_store = {
        let p = req.path();
        p.starts_with("/api/auth") || p.starts_with("/api/config")
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let mut res = next.call(req).await?.map_into_boxed_body();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let csp = match (is_html, state) {
        (true, Some(state)) => {
            HeaderValue::from_str(&page_csp(&state.app.library().catalogue_origins()))
                .unwrap_or(HeaderValue::from_static(PAGE_CSP))
        }
        (true, None) => HeaderValue::from_static(PAGE_CSP),
        (false, _) => HeaderValue::from_static(API_CSP),
    };
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// Whether `origin` may make cross-origin requests: configured, or the service's own origin
/// (`http(s)://` + the request's Host).
pub fn origin_allowed(origin: &str, host: Option<&str>, configured: &[String]) -> bool {
    configured.iter().any(|o| o.eq_ignore_ascii_case(origin))
        || host.is_some_and(|h| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .is_some_and(|o| o.eq_ignore_ascii_case(h))
        })
}

/// Middleware: the pre-setup Origin check described in the module docs.
pub async fn guard_setup_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let configured = safe
        || req
            .app_data::<web::Data<AppState>>()
            .is_none_or(|state| state.auth.is_configured());
    if !configured && let Some(origin) = req.headers().get(header::ORIGIN) {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        let own = origin.to_str().is_ok_and(|o| origin_allowed(o, host, &[]));
        if !own {
            log::warn!(
                "refused {} {} from origin {origin:?} before setup",
                req.method(),
                req.path()
            );
            let e = ApiError::Forbidden(
                "Before setup, only pages of this service may change anything (foreign Origin)"
                    .into(),
            );
            return Ok(req.error_response(e));
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The CORS middleware; reads `server.cors_origins` on every request, so changes apply at once.
pub fn cors(config: Arc<ConfigService>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin: &HeaderValue, head: &RequestHead| {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            let host = head
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok());
            origin_allowed(origin, host, &config.current().server.cors_origins)
        })
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(600)
}

/// Middleware: the per-Origin and the login/setup rate limits.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
        let server = state.app.config().current().server.clone();
        let path = req.path();
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok());
        if let Some(origin) =
            origin.filter(|_| path.starts_with("/api/") && req.method() != Method::OPTIONS)
            && let Err(secs) = state
                .limits
                .check_origin(origin, server.origin_rate_limit_per_minute)
        {
            log::warn!("origin rate limit tripped for {origin}");
            let e = ApiError::RateLimited {
                detail: "Too many requests from this origin, try again later".into(),
                retry_after_secs: secs,
            };
            return Ok(req.error_response(e));
        }
        if req.method() == Method::POST && (path == "/api/auth/login" || path == "/api/auth/setup")
        {
            let client = crate::client::client_address(req.request(), &server.trusted_proxies);
            if let Err(secs) = state
                .limits
                .check_auth(client, server.auth_rate_limit_per_minute)
            {
                log::warn!("authentication rate limit tripped for {client}");
                let e = ApiError::RateLimited {
                    detail: "Too many authentication attempts, try again later".into(),
                    retry_after_secs: secs,
                };
                return Ok(req.error_response(e));
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_and_configured_origins_are_allowed() {
        let cfg = vec!["https://ui.example".to_string()];
        assert!(origin_allowed(
            "https://ui.example",
            Some("127.0.0.1:8000"),
            &cfg
        ));
        assert!(origin_allowed(
            "http://127.0.0.1:8000",
            Some("127.0.0.1:8000"),
            &cfg
        ));
        assert!(!origin_allowed(
            "http://evil.example",
            Some("127.0.0.1:8000"),
            &cfg
        ));
        assert!(!origin_allowed(
            "http://127.0.0.1:8001",
            Some("127.0.0.1:8000"),
            &[]
        ));
        assert!(!origin_allowed("http://x", None, &[]));
    }
}
