//! Vidmoly: a JWPlayer page whose `sources: [{file:"..."}]` names the HLS master.
//!
//! `/w/<id>` links are turned into `/embed-<id>.html`. Playlist and segments want a Referer of
//! the Vidmoly host.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::util::{ACCEPT_HTML, BROWSER_UA, get_page, join, layout, origin, parse_url};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Vidmoly";

static FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)sources\s*:\s*\[\s*\{[^}]*?\bfile\s*:\s*["']([^"']+)["']"#).unwrap()
});
static GONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(file was deleted|video not found|notice\.php)").unwrap());

/// Extracts the media source behind a Vidmoly embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let embed = normalise(embed_url)?;
    let o = origin(NAME, &embed)?;
    let referer = format!("{o}/");
    let page = get_page(
        fetch,
        NAME,
        &embed,
        &[
            ("User-Agent", BROWSER_UA),
            ("Accept", ACCEPT_HTML),
            ("Sec-Fetch-Dest", "iframe"),
            ("Referer", &referer),
        ],
    )?;
    let page_url = if page.final_url.is_empty() {
        embed.clone()
    } else {
        page.final_url.clone()
    };
    let Some(c) = FILE.captures(&page.body) else {
        if GONE.is_match(&page.body) {
            return Err(HosterError::Offline {
                hoster: NAME.into(),
                url: page_url,
                reason: "the file was deleted".into(),
            });
        }
        return Err(layout(NAME, &page_url, "no JWPlayer sources"));
    };
    let page_origin = origin(NAME, &page_url)?;
    Ok(Extracted {
        url: join(NAME, &page_url, &c[1])?,
        kind: MediaKind::Hls,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{page_origin}/")),
            ("Origin".into(), page_origin),
        ],
    })
}

/// `/w/<id>` becomes `/embed-<id>.html`.
fn normalise(url: &str) -> Result<String, HosterError> {
    let mut u = parse_url(NAME, url)?;
    if let Some(id) = u
        .path()
        .strip_prefix("/w/")
        .map(|s| s.trim_end_matches('/').to_string())
    {
        u.set_path(&format!("/embed-{id}.html"));
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_watch_links() {
        assert_eq!(
            normalise("https://vidmoly.to/w/abc").unwrap(),
            "https://vidmoly.to/embed-abc.html"
        );
        assert_eq!(
            normalise("https://vidmoly.to/embed-abc.html").unwrap(),
            "https://vidmoly.to/embed-abc.html"
        );
    }
}
