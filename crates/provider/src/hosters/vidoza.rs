//! Vidoza: a direct MP4 named by a `<source>` tag or by the player's `sourcesCode` list.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::util::{ACCEPT_HTML, BROWSER_UA, get_embed_page, join, missing};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Vidoza";

static SOURCE_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<source[^>]*\bsrc\s*=\s*["']([^"']+)["'][^>]*type\s*=\s*["']video/mp4["']"#)
        .unwrap()
});
static SOURCES_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)sourcesCode\s*:\s*\[\s*\{[^}]*?\bsrc\s*:\s*["']([^"']+)["']"#).unwrap()
});
static GONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(file was deleted|file not found|reason for deletion)").unwrap()
});
static PROCESSING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)video is processing").unwrap());

/// Extracts the media source behind a Vidoza embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let page = get_embed_page(
        fetch,
        NAME,
        embed_url,
        &[("User-Agent", BROWSER_UA), ("Accept", ACCEPT_HTML)],
    )?;
    let page_url = if page.final_url.is_empty() {
        embed_url
    } else {
        &page.final_url
    };
    let found = SOURCE_TAG
        .captures(&page.body)
        .or_else(|| SOURCES_CODE.captures(&page.body));
    let Some(c) = found else {
        if GONE.is_match(&page.body) {
            return Err(HosterError::Deleted {
                hoster: NAME.into(),
                url: page_url.to_string(),
                reason: "the file was deleted".into(),
            });
        }
        if PROCESSING.is_match(&page.body) {
            return Err(HosterError::Offline {
                hoster: NAME.into(),
                url: page_url.to_string(),
                reason: "the video is still processing".into(),
            });
        }
        return Err(missing(NAME, page_url, &page.body, "no video/mp4 source"));
    };
    Ok(Extracted {
        url: join(NAME, page_url, &c[1])?,
        kind: MediaKind::Direct,
        headers: vec![("User-Agent".into(), BROWSER_UA.into())],
    })
}
