//! `GET /metrics`: the service's figures in the Prometheus text format (docs/metrics.md).
//!
//! Off unless `server.metrics` is on (404 then, as for any unknown path). On, a scrape needs
//! `Authorization: Bearer` with a login token or with `server.metrics_token` (401 otherwise).
//! The path is public for the authentication middleware, which cannot know the metrics token;
//! the service decides. Not in the OpenAPI document: it is no JSON API.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use aniworld_service::metrics::CONTENT_TYPE;

use crate::auth::Identity;
use crate::blocking::blocking;
use crate::error::ApiError;
use crate::state::AppState;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(get_metrics)));
}

/// The Prometheus text of every metric.
pub async fn get_metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    identity: Option<Identity>,
) -> Result<HttpResponse, ApiError> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let (app, clients) = (state.app.clone(), state.events.subscribers());
    let text = blocking(move || {
        app.metrics()
            .scrape(identity.is_some(), bearer.as_deref(), clients)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
