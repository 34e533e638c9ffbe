//! Luluvdo / LuluStream: the `dl?op=embed` page with a JWPlayer `file:"...m3u8"` (sometimes
//! inside a packed script).
//!
//! The file code is the last path segment of the embed URL; the embed page is requested on the
//! same host. Media requests want Origin and Referer of that host.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::packer::unpack_all;
use super::util::{
    ACCEPT_HTML, BROWSER_UA, get_embed_page, join, last_segment, layout, missing, origin, parse_url,
};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Luluvdo";

static FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bfile\s*:\s*["']([^"']+\.m3u8[^"']*)["']"#).unwrap());
static GONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(file is no longer available|file not found|was deleted)").unwrap()
});

/// Extracts the media source behind a Luluvdo embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let u = parse_url(NAME, embed_url)?;
    let code = last_segment(&u)
        .map(|s| s.trim_end_matches(".html").to_string())
        .filter(|s| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .ok_or_else(|| layout(NAME, embed_url, "no file code in the URL"))?;
    let o = origin(NAME, embed_url)?;
    let url = format!("{o}/dl?op=embed&file_code={code}&auto=1&referer=");
    let page = get_embed_page(
        fetch,
        NAME,
        &url,
        &[
            ("User-Agent", BROWSER_UA),
            ("Accept", ACCEPT_HTML),
            ("Referer", embed_url),
        ],
    )?;
    let page_url = if page.final_url.is_empty() {
        url.clone()
    } else {
        page.final_url.clone()
    };
    let found = FILE
        .captures(&page.body)
        .map(|c| c[1].to_string())
        .or_else(|| {
            unpack_all(&page.body)
                .iter()
                .find_map(|js| FILE.captures(js).map(|c| c[1].to_string()))
        });
    let Some(file) = found else {
        if GONE.is_match(&page.body) {
            return Err(HosterError::Deleted {
                hoster: NAME.into(),
                url: page_url,
                reason: "the file is no longer available".into(),
            });
        }
        return Err(missing(
            NAME,
            &page_url,
            &page.body,
            "no JWPlayer m3u8 file",
        ));
    };
    Ok(Extracted {
        url: join(NAME, &page_url, &file)?,
        kind: MediaKind::Hls,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Origin".into(), o.clone()),
            ("Referer".into(), format!("{o}/")),
            ("Accept-Language".into(), "de-DE,de;q=0.9,en;q=0.8".into()),
        ],
    })
}
