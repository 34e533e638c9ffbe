//! The web UI's pages: `/` (library, search, settings), `/login`, `/setup` and `/queue`.
//!
//! Each page is a small HTML file under `static/app/`, embedded in the binary with every other
//! asset (see `assets.rs`); scripts and styles are separate files under `/static/app/`, so the
//! pages run under the strict Content-Security-Policy without inline code. Pages link relatively
//! and scripts prefix the base path they were loaded from (`api.js`), so the UI works under
//! `server.base_path`.

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::OpenApi;

use crate::assets;
use crate::error::ApiError;

/// OpenAPI description of the pages (public, HTML).
#[derive(OpenApi)]
#[openapi(paths(show_library_page, show_login_page, show_setup_page, show_queue_page))]
pub struct Doc;

/// Registers the page routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(show_library_page)))
        .service(web::resource("/login").route(web::get().to(show_login_page)))
        .service(web::resource("/setup").route(web::get().to(show_setup_page)))
        .service(web::resource("/queue").route(web::get().to(show_queue_page)));
}

/// Answers one embedded page; pages are never cached so a new binary's UI shows at once (they
/// load their scripts and styles from this build's versioned, immutable URLs).
fn page(req: &HttpRequest, file: &str) -> Result<HttpResponse, ApiError> {
    page_with(req, file, "no-cache")
}

/// Answers a page of the signed-in UI with `no-store`: the browser keeps no copy (nor a
/// back-forward cache entry) of it, so Back after logout loads it afresh and lands on the login.
fn private_page(req: &HttpRequest, file: &str) -> Result<HttpResponse, ApiError> {
    page_with(req, file, "no-store")
}

fn page_with(
    req: &HttpRequest,
    file: &str,
    cache_control: &'static str,
) -> Result<HttpResponse, ApiError> {
    let path = format!("app/{file}");
    let asset = assets::get(&path)
        .ok_or_else(|| ApiError::internal(format!("page {path} not embedded")))?;
    Ok(assets::respond(req, asset, cache_control))
}

/// The library: series list, series view, search and add, settings.
#[utoipa::path(get, path = "/", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn show_library_page(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    private_page(&req, "index.html")
}

/// The login page.
#[utoipa::path(get, path = "/login", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn show_login_page(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    page(&req, "login.html")
}

/// The first-run setup wizard.
#[utoipa::path(get, path = "/setup", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn show_setup_page(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    page(&req, "setup.html")
}

/// The download queue.
#[utoipa::path(get, path = "/queue", tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn show_queue_page(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    private_page(&req, "queue.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_embedded_and_loads_only_external_code() {
        for file in ["index.html", "login.html", "setup.html", "queue.html"] {
            let f = assets::get(&format!("app/{file}")).expect(file);
            let html = String::from_utf8_lossy(f.identity);
            assert!(html.starts_with("<!DOCTYPE html>"), "{file}");
            assert!(html.contains("<html lang=\"en\">"), "{file}");
            // The CSP forbids inline code: every <script> has a src, no style attributes.
            // Relative URLs keep the pages working under `server.base_path`.
            assert_eq!(
                html.matches("<script").count(),
                html.matches(&format!("<script src=\"static/app/{}/", assets::VERSION))
                    .count()
                    + html
                        .matches(&format!(
                            "<script type=\"module\" src=\"static/app/{}/",
                            assets::VERSION
                        ))
                        .count(),
                "{file}"
            );
            for absolute in ["href=\"/", "src=\"/"] {
                assert!(!html.contains(absolute), "{file}: {absolute}");
            }
            assert!(!html.contains(" style="), "{file}");
            assert!(!html.contains(" onclick="), "{file}");
        }
    }

    #[test]
    fn the_whole_ui_stays_small() {
        let total: usize = assets::iter()
            .filter(|a| a.path.starts_with("app/"))
            .map(|a| a.identity.len())
            .sum();
        assert!(total > 0 && total < 300 * 1024, "UI is {total} bytes");
    }

    /// Every `/api/...` and `/ws/...` literal in the UI's scripts, with the HTTP method when the
    /// literal is the path argument of `api("METHOD", ...)`/`action("METHOD", ...)`.
    /// `${...}` parts of template literals become `{}`; a query string or a `${...}` glued to a
    /// segment ends the path.
    fn api_calls(js: &str) -> Vec<(Option<String>, String)> {
        let b = js.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let q = b[i];
            if !matches!(q, b'"' | b'\'' | b'`') {
                i += 1;
                continue;
            }
            let start = i + 1;
            let mut j = start;
            let mut text = String::new();
            while j < b.len() && b[j] != q {
                if q == b'`' && b[j] == b'$' && b.get(j + 1) == Some(&b'{') {
                    let mut depth = 0;
                    while j < b.len() {
                        match b[j] {
                            b'{' => depth += 1,
                            b'}' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    text.push('\u{1}');
                } else if b[j] == b'\\' {
                    j += 1;
                } else {
                    text.push(b[j] as char);
                }
                j += 1;
            }
            if (text.starts_with("/api/") || text.starts_with("/ws/")) && !text.contains("...") {
                let before = js[..i].trim_end();
                let method = ["GET", "POST", "PUT", "DELETE"]
                    .into_iter()
                    .find(|m| before.ends_with(&format!("\"{m}\",")))
                    .map(str::to_string);
                let path = text.split('?').next().unwrap_or_default();
                let mut segs = Vec::new();
                for seg in path.split('/').skip(1) {
                    if seg == "\u{1}" {
                        segs.push("{}".to_string());
                    } else if let Some((head, _)) = seg.split_once('\u{1}') {
                        segs.push(head.to_string());
                        break;
                    } else {
                        segs.push(seg.to_string());
                    }
                }
                out.push((method, format!("/{}", segs.join("/"))));
            }
            i = j + 1;
        }
        out
    }

    fn matches_spec(spec_path: &str, call: &str) -> bool {
        let a: Vec<&str> = spec_path.split('/').collect();
        let b: Vec<&str> = call.split('/').collect();
        a.len() == b.len()
            && a.iter().zip(&b).all(|(s, c)| {
                let param = s.starts_with('{') && s.ends_with('}');
                (param && !c.is_empty()) || s == c
            })
    }

    #[test]
    fn the_ui_calls_only_documented_endpoints() {
        let doc = serde_json::to_value(crate::openapi::document()).expect("spec serialises");
        let paths = doc["paths"].as_object().expect("paths");
        // Documented in api.md section 9 but not an OpenAPI operation.
        let extra = [("GET", "/ws/connect")];
        let mut calls = 0;
        for asset in
            assets::iter().filter(|a| a.path.starts_with("app/") && a.path.ends_with(".js"))
        {
            let file = asset.path;
            let js = String::from_utf8_lossy(asset.identity).into_owned();
            for (method, call) in api_calls(&js) {
                calls += 1;
                let documented = paths.iter().any(|(p, ops)| {
                    matches_spec(p, &call)
                        && method
                            .as_deref()
                            .is_none_or(|m| ops.get(m.to_ascii_lowercase()).is_some())
                }) || extra.iter().any(|(m, p)| {
                    matches_spec(p, &call) && method.as_deref().is_none_or(|x| x == *m)
                });
                assert!(
                    documented,
                    "{file} calls {method:?} {call}, which is not in the OpenAPI document"
                );
            }
        }
        assert!(
            calls >= 30,
            "found only {calls} API calls in the UI scripts"
        );
    }

    #[test]
    fn api_call_extraction_understands_templates_and_methods() {
        let js = r#"api("POST", `/api/config/backups/${seg(b.name)}/restore`); x("/api/anime?page=1");
            api("DELETE", `/api/queue/${seg(id)}`); api("POST", `/api/config/backups${n ? "?name=" + n : ""}`);"#;
        assert_eq!(
            api_calls(js),
            vec![
                (Some("POST".into()), "/api/config/backups/{}/restore".into()),
                (None, "/api/anime".into()),
                (Some("DELETE".into()), "/api/queue/{}".into()),
                (Some("POST".into()), "/api/config/backups".into()),
            ]
        );
        assert!(matches_spec("/api/queue/{item_id}", "/api/queue/{}"));
        assert!(!matches_spec("/api/queue/{item_id}", "/api/queue/a/b"));
        assert!(!matches_spec("/api/queue/status", "/api/queue/state"));
    }
}
