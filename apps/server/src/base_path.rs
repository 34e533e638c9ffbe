//! `server.base_path`: the service behind a reverse proxy under a sub-path (`/aniworld`).
//!
//! The outermost middleware takes the base path off every request under it before anything
//! else sees the request, so routes, the other middleware (public paths, rate limits, security
//! headers) and the route templates of `/metrics` are the same with and without one:
//! `/aniworld/api/queue/status` is served as `/api/queue/status`, `/aniworld/ws/connect` as
//! `/ws/connect`, and `/aniworld` itself is redirected to `/aniworld/` (the UI's pages use
//! relative URLs, which need the trailing slash). Requests outside the base path are served as
//! they are, so a health check on the service's own port (`/health`) and a proxy that strips
//! the prefix itself work as well. The UI finds its base from where its scripts were loaded
//! (`static/app/api.js`). The setting is read per request: a change applies at once.

use std::str::FromStr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::state::AppState;

/// Where a request path lies relative to the base path.
#[derive(Debug, PartialEq, Eq)]
enum Place<'a> {
    /// Under it: the path without the base.
    Inside(&'a str),
    /// The base path itself, without the trailing slash.
    Base,
    /// Elsewhere (or no base path configured).
    Outside,
}

fn place<'a>(base: &str, path: &'a str) -> Place<'a> {
    if base.is_empty() {
        return Place::Outside;
    }
    match path.strip_prefix(base) {
        Some("") => Place::Base,
        Some(rest) if rest.starts_with('/') => Place::Inside(rest),
        _ => Place::Outside,
    }
}

/// Middleware: serves requests under `server.base_path` as if they came without it.
pub async fn strip_base_path(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let base = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.app.config().current().server.base_path.clone())
        .unwrap_or_default();
    let query = req.query_string().to_string();
    let with_query = |path: &str| match query.as_str() {
        "" => path.to_string(),
        q => format!("{path}?{q}"),
    };
    match place(&base, req.path()) {
        Place::Outside => {}
        Place::Base => {
            let to = with_query(&format!("{base}/"));
            let res = HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, to))
                .finish();
            return Ok(req.into_response(res));
        }
        Place::Inside(rest) => {
            let target = with_query(rest);
            let mut parts = req.head().uri.clone().into_parts();
            parts.path_and_query = PathAndQuery::from_str(&target).ok();
            if let Ok(uri) = Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
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
    fn paths_under_the_base_lose_it() {
        assert_eq!(place("", "/api/x"), Place::Outside);
        assert_eq!(place("/aw", "/aw/api/x"), Place::Inside("/api/x"));
        assert_eq!(place("/aw", "/aw/"), Place::Inside("/"));
        assert_eq!(place("/aw", "/aw"), Place::Base);
        assert_eq!(place("/aw", "/awx/api"), Place::Outside);
        assert_eq!(place("/aw", "/health"), Place::Outside);
        assert_eq!(
            place("/a/b", "/a/b/ws/connect"),
            Place::Inside("/ws/connect")
        );
    }
}
