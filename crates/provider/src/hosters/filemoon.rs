//! Filemoon. Legacy player: an optional iframe hop, then a packed script whose unpacked text
//! holds `sources:[{file:"...m3u8..."}]`. A page with neither (the 2026 Byse front-ends serve
//! an application shell) is resolved through the Byse playback API instead.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::byse;
use super::packer::{is_packed, unpack_all};
use super::util::{ACCEPT_HTML, BROWSER_UA, get_embed_page, join, layout, origin, unavailable};
use super::{Extracted, Fetch, FetchedPage, HosterError};

const NAME: &str = "Filemoon";

static IFRAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?is)<iframe[^>]*\bsrc\s*=\s*["']([^"']+)["']"#).unwrap());
static FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)sources\s*:\s*\[\s*\{[^}]*?\bfile\s*:\s*["']([^"']+)["']"#).unwrap()
});
static GONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(file not found|video not found|file was deleted|is no longer available)")
        .unwrap()
});

/// Extracts the media source behind a Filemoon embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let first_origin = origin(NAME, embed_url)?;
    let referer = format!("{first_origin}/");
    let page = get_frame(fetch, embed_url, &referer)?;
    let mut page_url = final_url(&page, embed_url);
    let mut body = page.body;
    if !is_packed(&body)
        && let Some(c) = IFRAME.captures(&body)
    {
        let next = join(NAME, &page_url, &c[1])?;
        let inner = get_frame(fetch, &next, &page_url)?;
        page_url = final_url(&inner, &next);
        body = inner.body;
    }
    let file = unpack_all(&body)
        .iter()
        .find_map(|js| FILE.captures(js).map(|c| c[1].to_string()))
        .or_else(|| FILE.captures(&body).map(|c| c[1].to_string()));
    let Some(file) = file else {
        if GONE.is_match(&body) {
            return Err(HosterError::Deleted {
                hoster: NAME.into(),
                url: page_url,
                reason: "the file was not found".into(),
            });
        }
        if let Some(e) = unavailable(NAME, &page_url, &body) {
            return Err(e);
        }
        if is_packed(&body) {
            return Err(layout(
                NAME,
                &page_url,
                "packed player script has no sources",
            ));
        }
        return match byse::extract(fetch, embed_url) {
            // no playback API either: report what the page lacked
            Err(HosterError::Http { status: 404, .. }) => {
                Err(layout(NAME, &page_url, "no packed player script"))
            }
            other => other,
        };
    };
    let o = origin(NAME, &page_url)?;
    Ok(Extracted {
        url: join(NAME, &page_url, &file)?,
        kind: MediaKind::Hls,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{o}/")),
            ("Origin".into(), o),
        ],
    })
}

fn get_frame(fetch: &dyn Fetch, url: &str, referer: &str) -> Result<FetchedPage, HosterError> {
    get_embed_page(
        fetch,
        NAME,
        url,
        &[
            ("User-Agent", BROWSER_UA),
            ("Accept", ACCEPT_HTML),
            ("Referer", referer),
            ("Sec-Fetch-Dest", "iframe"),
        ],
    )
}

fn final_url(page: &FetchedPage, requested: &str) -> String {
    if page.final_url.is_empty() {
        requested.to_string()
    } else {
        page.final_url.clone()
    }
}
