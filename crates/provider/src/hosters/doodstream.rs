//! Doodstream and its mirror domains (`dood.*`, `d000d.com`, `dsvplay.com`, `playmogo.com`,
//! `myvidplay.com`, ...): the `pass_md5` flow.
//!
//! The embed page (`/e/<id>`; `/d/<id>` is normalised to it) requests `/pass_md5/<a>/<b>`
//! (`$.get(...)` on older pages, `$.ajax({url: ...})` or `fetch(...)` on 2026 mirrors); that
//! answer is a URL prefix, and the media URL is the prefix plus 10 random alphanumerics plus
//! `?token=<token>&expiry=<now in ms>`. The token is the one the page's own script appends
//! (`"?token=<token>&expiry="`), else the last segment of the pass_md5 path. Every follow-up
//! request goes to the host that served the page (mirrors redirect between each other), and the
//! MP4 wants a Referer of that host.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aniworld_core::ports::MediaKind;
use rand::Rng;
use rand::distr::Alphanumeric;
use regex::Regex;

use super::util::{
    ACCEPT_HTML, BROWSER_UA, get_embed_page, get_page, join, layout, missing, origin, parse_url,
};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Doodstream";

static PASS_MD5: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"['"`]((?:https?://[^/'"`]+)?/pass_md5/[^'"`\s]+)['"`]"#).unwrap()
});
static SCRIPT_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"[?&]token=([A-Za-z0-9]{6,})&expiry="#).unwrap());
static NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(video not found|file not found|<title>\s*not found|has been deleted)")
        .unwrap()
});

/// Extracts the media source behind a Doodstream embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let embed = normalise(embed_url)?;
    let page = get_embed_page(
        fetch,
        NAME,
        &embed,
        &[("User-Agent", BROWSER_UA), ("Accept", ACCEPT_HTML)],
    )?;
    let page_url = if page.final_url.is_empty() {
        embed.clone()
    } else {
        page.final_url.clone()
    };
    let Some(c) = PASS_MD5.captures(&page.body) else {
        if NOT_FOUND.is_match(&page.body) {
            return Err(HosterError::Deleted {
                hoster: NAME.into(),
                url: page_url,
                reason: "the video was not found".into(),
            });
        }
        return Err(missing(NAME, &page_url, &page.body, "no pass_md5 call"));
    };
    let path = c[1].to_string();
    let from_path = path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .find(|s| !s.is_empty())
        .filter(|t| t.chars().all(|ch| ch.is_ascii_alphanumeric()))
        .map(str::to_string);
    let token = SCRIPT_TOKEN
        .captures(&page.body)
        .map(|t| t[1].to_string())
        .or(from_path)
        .ok_or_else(|| {
            layout(
                NAME,
                &page_url,
                "no token in the page script or pass_md5 path",
            )
        })?;
    let host = origin(NAME, &page_url)?;
    // A path is asked of the host that served the page, whatever mirror that was.
    let pass_url = join(NAME, &page_url, &path)?;
    let answer = get_page(
        fetch,
        NAME,
        &pass_url,
        &[("User-Agent", BROWSER_UA), ("Referer", &page_url)],
    )?;
    let prefix = answer.body.trim();
    if !(prefix.starts_with("http://") || prefix.starts_with("https://")) || prefix.contains(' ') {
        return Err(layout(NAME, &pass_url, "pass_md5 did not answer a URL"));
    }
    let random: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(10)
        .map(char::from)
        .collect();
    let expiry = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Ok(Extracted {
        url: format!("{prefix}{random}?token={token}&expiry={expiry}"),
        kind: MediaKind::Direct,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{host}/")),
        ],
    })
}

/// `/d/<id>` (download page) becomes `/e/<id>` (embed page).
fn normalise(url: &str) -> Result<String, HosterError> {
    let mut u = parse_url(NAME, url)?;
    if let Some(rest) = u.path().strip_prefix("/d/") {
        let p = format!("/e/{rest}");
        u.set_path(&p);
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_download_links() {
        assert_eq!(
            normalise("https://dood.li/d/abc").unwrap(),
            "https://dood.li/e/abc"
        );
        assert_eq!(
            normalise("https://dood.li/e/abc").unwrap(),
            "https://dood.li/e/abc"
        );
        assert!(normalise("dood.li/e/abc").is_err());
    }
}
