//! The outermost middleware: a request id for every request, the access log line (with the client
//! address, behind a trusted proxy the real one), the HTTP figures of `/metrics` (route template
//! and status class), and the fallback that gives every error response the api.md shape.
//!
//! The request id lives in a task-local while the request is handled, so `ApiError` can put it
//! into the body without a handle on the request; it is also sent as `X-Request-Id`. Errors
//! produced by the framework or by other middleware (no route, wrong method, CORS refusals) carry
//! no `ApiError`; their bodies are rebuilt here with the same status, keeping the CORS headers and
//! `Allow` (a wrong method on a known path answers 405 with the methods it takes).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use crate::error::ApiError;

use crate::request_id::{REQUEST_ID, REQUEST_ID_HEADER};

/// Middleware: assigns the request id, logs the request (path only: query strings may hold
/// tokens) and reshapes error responses that are not `ApiError`s.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_string();
    let peer = crate::client::client_of(req.request()).to_string();
    let state = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .cloned();
    let result = REQUEST_ID
        .scope(id.clone(), async move {
            Ok(match next.call(req).await {
                Ok(res) if res.status().as_u16() >= 400 && is_foreign_error(&res) => {
                    let status = res.status();
                    let message = res
                        .response()
                        .error()
                        .map(ToString::to_string)
                        .filter(|m| !m.is_empty() && status.as_u16() < 500)
                        .unwrap_or_else(|| {
                            status.canonical_reason().unwrap_or("Error").to_string()
                        });
                    let (req, old) = res.into_parts();
                    let mut fresh = ApiError::from_status(status, message).error_response();
                    copy_kept_headers(old.headers(), fresh.headers_mut());
                    ServiceResponse::new(req, fresh)
                }
                Ok(res) => res.map_into_boxed_body(),
                // Rare (our middleware answers with responses, not errors): the dispatcher renders
                // it outside this scope, so its body carries no request id.
                Err(err) => {
                    let status = err.as_response_error().status_code();
                    let api = if status.as_u16() >= 500 {
                        ApiError::internal(format!("middleware error: {err}"))
                    } else {
                        ApiError::from_status(status, err.to_string())
                    };
                    return Err(Error::from(api));
                }
            })
        })
        .await;
    let mut res = result?;
    if let Some(state) = state {
        let route = res.request().match_pattern();
        let status = res.status().as_u16();
        let took = started.elapsed();
        state
            .app
            .metrics()
            .observe_http(method.as_str(), route.as_deref(), status, took);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    log::info!(
        "{peer} {method} {path} {} {}ms rid={id}",
        res.status().as_u16(),
        started.elapsed().as_millis()
    );
    Ok(res)
}

/// Whether an error response was produced by something other than `ApiError` (or has no JSON body).
fn is_foreign_error<B>(res: &ServiceResponse<B>) -> bool {
    match res.response().error() {
        Some(e) => e.as_error::<ApiError>().is_none(),
        None => {
            // A bare error status without a body description (e.g. a route's default 404/405).
            let ct = res.headers().get(actix_web::http::header::CONTENT_TYPE);
            !ct.and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"))
        }
    }
}

fn copy_kept_headers(
    from: &actix_web::http::header::HeaderMap,
    to: &mut actix_web::http::header::HeaderMap,
) {
    for (name, value) in from {
        let name_str = name.as_str();
        if name_str.starts_with("access-control-") || name_str == "vary" || name_str == "allow" {
            to.insert(name.clone(), value.clone());
        }
    }
}
