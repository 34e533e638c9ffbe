//! Files under `apps/server/static/`, embedded in the binary and served at `/static/*`.
//!
//! Vendored third-party files (ReDoc) live in `static/vendor/`, so the documentation pages work
//! without any network access.
//!
//! `build.rs` precompresses every file with brotli and gzip; each answer picks the variant from
//! `Accept-Encoding` (br, then gzip, else identity) and sends the embedded bytes as they are, with
//! `Vary: Accept-Encoding`: nothing is compressed per request and nothing is held in memory
//! beyond the binary's own pages. URLs with the build's version segment
//! (`static/app/<VERSION>/main.js`, as the pages link them) are cached for a year (`immutable`);
//! ES-module imports are relative, so a page's modules all come from the same version. The
//! unversioned paths (`static/app/main.js`) keep working, with `no-cache`; another build's
//! version segment is not found, so an upgrade never mixes old and new modules.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::ApiError;

/// The version segment of the immutable asset URLs: a hash of every embedded file.
pub const VERSION: &str = env!("ANIWORLD_ASSETS_VERSION");

/// `Cache-Control` of versioned URLs.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded file with its precompressed variants (a variant is left out when it would not
/// be smaller).
#[derive(Debug)]
pub struct Asset {
    /// The path under `static/`.
    pub path: &'static str,
    /// `Content-Type`.
    pub mime: &'static str,
    /// The bytes as served without compression (pages: with versioned links).
    pub identity: &'static [u8],
    /// Brotli (quality 11).
    pub br: Option<&'static [u8]>,
    /// Gzip (level 9).
    pub gzip: Option<&'static [u8]>,
}

static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The embedded file at `path` (relative to `static/`, without a version segment).
pub fn get(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// Every embedded file.
pub fn iter() -> impl Iterator<Item = &'static Asset> {
    ASSETS.iter()
}

/// Registers `/static/{path}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/{path:.*}").route(web::get().to(serve_static)));
}

/// `path` without this build's version segment, if it has one.
fn unversioned(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.iter().position(|s| *s == VERSION)?;
    let rest: Vec<&str> = segments[..at]
        .iter()
        .chain(&segments[at + 1..])
        .copied()
        .collect();
    Some(rest.join("/"))
}

/// Serves one embedded file.
pub async fn serve_static(
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let (file, cache_control) = match unversioned(&path) {
        Some(p) => (p, IMMUTABLE),
        None => (path, "no-cache"),
    };
    let asset = get(&file).ok_or_else(|| ApiError::NotFound(format!("No static file {file:?}")))?;
    Ok(respond(&req, asset, cache_control))
}

/// Whether `Accept-Encoding` accepts `coding` (listed, or `*`, with a non-zero q).
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let q_zero = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (name.eq_ignore_ascii_case(coding) || name == "*") && !q_zero
    })
}

/// Answers `asset` in the best encoding the request accepts.
pub fn respond(
    req: &HttpRequest,
    asset: &'static Asset,
    cache_control: &'static str,
) -> HttpResponse {
    let accept = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (coding, body) = match (asset.br, asset.gzip) {
        (Some(br), _) if accepts(accept, "br") => (Some("br"), br),
        (_, Some(gz)) if accepts(accept, "gzip") => (Some("gzip"), gz),
        _ => (None, asset.identity),
    };
    let mut res = HttpResponse::Ok();
    res.content_type(asset.mime)
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Accept-Encoding"));
    if let Some(coding) = coding {
        res.insert_header((header::CONTENT_ENCODING, coding));
    }
    res.body(Bytes::from_static(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_parsed_with_q_values() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip;q=1.0, br;q=0.5", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(accepts("*", "gzip"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("identity", "gzip"));
    }

    #[test]
    fn the_version_segment_is_taken_off() {
        assert_eq!(
            unversioned(&format!("app/{VERSION}/main.js")).as_deref(),
            Some("app/main.js")
        );
        assert_eq!(unversioned("app/main.js"), None);
        assert!(VERSION.len() == 12 && VERSION.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(get("app/index.html").is_some_and(|a| a.br.is_some() && a.gzip.is_some()));
    }
}
