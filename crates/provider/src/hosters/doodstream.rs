//! Doodstream: the `pass_md5` flow.
//!
//! The embed page (`/e/<id>`; `/d/<id>` is normalised to it) calls `$.get('/pass_md5/<a>/<b>')`;
//! that answer is a URL prefix, and the media URL is the prefix plus 10 random alphanumerics
//! plus `?token=<b>&expiry=<now in ms>`. The MP4 wants a Referer of the embed host.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aniworld_core::ports::MediaKind;
use rand::Rng;
use rand::distr::Alphanumeric;
use regex::Regex;

use super::util::{ACCEPT_HTML, BROWSER_UA, get_page, layout, origin, parse_url};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Doodstream";

static PASS_MD5: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\$\.get\(\s*['"](/pass_md5/[^'"]+)['"]"#).unwrap());
static NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(video not found|file not found|<title>\s*not found|has been deleted)")
        .unwrap()
});

/// Extracts the media source behind a Doodstream embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let embed = normalise(embed_url)?;
    let page = get_page(
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
            return Err(HosterError::Offline {
                hoster: NAME.into(),
                url: page_url,
                reason: "the video was not found".into(),
            });
        }
        return Err(layout(NAME, &page_url, "no pass_md5 call"));
    };
    let path = c[1].to_string();
    let token = path
        .rsplit('/')
        .find(|s| !s.is_empty())
        .filter(|t| t.chars().all(|ch| ch.is_ascii_alphanumeric()))
        .ok_or_else(|| layout(NAME, &page_url, "pass_md5 path has no token"))?
        .to_string();
    let host = origin(NAME, &page_url)?;
    let pass_url = format!("{host}{path}");
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
