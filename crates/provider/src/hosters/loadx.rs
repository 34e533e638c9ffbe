//! LoadX (FirePlayer family): unpack the page's packed script, read the `FirePlayer("<hash>")`
//! call, then POST `player/index.php?data=<hash>&do=getVideo` on the same host; the JSON answer's
//! `videoSource` is the HLS master.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;
use serde_json::Value;

use super::packer::unpack_all;
use super::util::{
    ACCEPT_HTML, BROWSER_UA, get_embed_page, join, layout, missing, origin, parse_url, post_page,
};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "LoadX";

static FIREPLAYER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"FirePlayer\(\s*["']([0-9A-Za-z]+)["']"#).unwrap());

/// Extracts the media source behind a LoadX embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let page = get_embed_page(
        fetch,
        NAME,
        embed_url,
        &[("User-Agent", BROWSER_UA), ("Accept", ACCEPT_HTML)],
    )?;
    let page_url = if page.final_url.is_empty() {
        embed_url.to_string()
    } else {
        page.final_url.clone()
    };
    let hash = unpack_all(&page.body)
        .iter()
        .find_map(|js| FIREPLAYER.captures(js).map(|c| c[1].to_string()))
        .or_else(|| FIREPLAYER.captures(&page.body).map(|c| c[1].to_string()))
        .or_else(|| hash_from_url(&page_url).or_else(|| hash_from_url(embed_url)))
        .ok_or_else(|| missing(NAME, &page_url, &page.body, "no FirePlayer hash"))?;
    let o = origin(NAME, &page_url)?;
    let api = format!("{o}/player/index.php?data={hash}&do=getVideo");
    let answer = post_page(
        fetch,
        NAME,
        &api,
        &[("hash", &hash), ("r", "")],
        &[
            ("User-Agent", BROWSER_UA),
            ("X-Requested-With", "XMLHttpRequest"),
            ("Referer", &page_url),
            ("Origin", &o),
        ],
    )?;
    let json: Value = serde_json::from_str(answer.body.trim())
        .map_err(|_| layout(NAME, &api, "getVideo did not answer JSON"))?;
    let source = json
        .get("videoSource")
        .or_else(|| json.get("securedLink"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| layout(NAME, &api, "getVideo answer has no videoSource"))?;
    Ok(Extracted {
        url: join(NAME, &page_url, source)?,
        kind: MediaKind::Hls,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{o}/")),
            ("Origin".into(), o),
            ("Accept".into(), "*/*".into()),
        ],
    })
}

/// The `data=<hash>` query parameter of a player URL.
fn hash_from_url(url: &str) -> Option<String> {
    let u = parse_url(NAME, url).ok()?;
    u.query_pairs()
        .find(|(k, _)| k == "data")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()))
}
