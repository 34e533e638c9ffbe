//! Files under `apps/server/static/`, embedded in the binary and served at `/static/*`.
//!
//! Vendored third-party files (ReDoc) live in `static/vendor/`, so the documentation pages work
//! without any network access.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

use crate::error::ApiError;

/// The embedded static files.
#[derive(RustEmbed)]
#[folder = "static/"]
pub struct Assets;

/// Registers `/static/{path}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/{path:.*}").route(web::get().to(serve_static)));
}

/// Serves one embedded file.
pub async fn serve_static(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let file =
        Assets::get(&path).ok_or_else(|| ApiError::NotFound(format!("No static file {path:?}")))?;
    Ok(HttpResponse::Ok()
        .content_type(file.metadata.mimetype())
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(file.data.into_owned()))
}
