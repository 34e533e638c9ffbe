//! The web UI's pages: `/` (library, search, settings), `/login`, `/setup` and `/queue`.
//!
//! Each page is a small HTML file under `static/app/`, embedded in the binary with every other
//! asset (see `assets.rs`); scripts and styles are separate files under `/static/app/`, so the
//! pages run under the strict Content-Security-Policy without inline code.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use crate::assets::Assets;
use crate::error::ApiError;

/// OpenAPI description of the pages (public, HTML).
#[derive(OpenApi)]
#[openapi(paths(library_page, login_page, setup_page, queue_page))]
pub struct Doc;

/// Registers the page routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(library_page))
        .route("/login", web::get().to(login_page))
        .route("/setup", web::get().to(setup_page))
        .route("/queue", web::get().to(queue_page));
}

/// Answers one embedded page; pages are never cached so a new binary's UI shows at once.
fn page(file: &str) -> Result<HttpResponse, ApiError> {
    let path = format!("app/{file}");
    let content = Assets::get(&path)
        .ok_or_else(|| ApiError::internal(format!("page {path} not embedded")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(content.data.into_owned()))
}

/// The library: series list, series view, search and add, settings.
#[utoipa::path(get, path = "/", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn library_page() -> Result<HttpResponse, ApiError> {
    page("index.html")
}

/// The login page.
#[utoipa::path(get, path = "/login", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn login_page() -> Result<HttpResponse, ApiError> {
    page("login.html")
}

/// The first-run setup wizard.
#[utoipa::path(get, path = "/setup", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn setup_page() -> Result<HttpResponse, ApiError> {
    page("setup.html")
}

/// The download queue.
#[utoipa::path(get, path = "/queue", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn queue_page() -> Result<HttpResponse, ApiError> {
    page("queue.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_embedded_and_loads_only_external_code() {
        for file in ["index.html", "login.html", "setup.html", "queue.html"] {
            let f = Assets::get(&format!("app/{file}")).expect(file);
            let html = String::from_utf8_lossy(&f.data);
            assert!(html.starts_with("<!DOCTYPE html>"), "{file}");
            assert!(html.contains("<html lang=\"en\">"), "{file}");
            // The CSP forbids inline code: every <script> has a src, no style attributes.
            assert_eq!(
                html.matches("<script").count(),
                html.matches("<script src=\"/static/app/").count()
                    + html
                        .matches("<script type=\"module\" src=\"/static/app/")
                        .count(),
                "{file}"
            );
            assert!(!html.contains(" style="), "{file}");
            assert!(!html.contains(" onclick="), "{file}");
        }
    }

    #[test]
    fn the_whole_ui_stays_small() {
        let total: usize = Assets::iter()
            .filter(|p| p.starts_with("app/"))
            .filter_map(|p| Assets::get(&p).map(|f| f.data.len()))
            .sum();
        assert!(total > 0 && total < 300 * 1024, "UI is {total} bytes");
    }
}
