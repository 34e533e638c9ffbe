//! SpeedFiles: a direct MP4 hidden in `var _0x5opu234 = "<S>";`.
//!
//! S decodes by: base64, swap case, reverse, base64, reverse, hex pairs to characters, every
//! code minus 3, swap case, reverse, base64. Some pages also name the file plainly in a
//! `src="...store_access..."` attribute. "Web server is down" on the page means an outage.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::util::{
    ACCEPT_HTML, BROWSER_UA, b64_decode, decode_err, get_embed_page, join, missing, reverse,
    swap_case,
};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "SpeedFiles";

static VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"var\s+_0x[0-9A-Za-z]+\s*=\s*["']([A-Za-z0-9+/=]{16,})["']"#).unwrap()
});
static PLAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"src\s*=\s*["']([^"']*store_access[^"']*)["']"#).unwrap());

/// Extracts the media source behind a SpeedFiles embed URL.
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
    if page.body.contains("Web server is down") {
        return Err(HosterError::Offline {
            hoster: NAME.into(),
            url: page_url.to_string(),
            reason: "Web server is down".into(),
        });
    }
    let url = if let Some(c) = VAR.captures(&page.body) {
        decode(&c[1]).map_err(|step| decode_err(NAME, page_url, step))?
    } else if let Some(c) = PLAIN.captures(&page.body) {
        c[1].to_string()
    } else {
        return Err(missing(
            NAME,
            page_url,
            &page.body,
            "no encoded stream variable",
        ));
    };
    Ok(Extracted {
        url: join(NAME, page_url, &url)?,
        kind: MediaKind::Direct,
        headers: vec![("User-Agent".into(), BROWSER_UA.into())],
    })
}

/// Runs the decode chain; the error names the failing step.
fn decode(s: &str) -> Result<String, &'static str> {
    let text = |b: Vec<u8>, step| String::from_utf8(b).map_err(|_| step);
    let t = text(b64_decode(s).ok_or("first base64")?, "first base64 text")?;
    let t = reverse(&swap_case(&t));
    let t = text(b64_decode(&t).ok_or("second base64")?, "second base64 text")?;
    let hex = reverse(&t);
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return Err("hex pairs");
    }
    let shifted: String = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map(|b| b.wrapping_sub(3) as char))
        .collect::<Result<_, _>>()
        .map_err(|_| "hex pairs")?;
    let t = reverse(&swap_case(&shifted));
    let url = text(b64_decode(&t).ok_or("third base64")?, "URL text")?;
    if url.contains("//") || url.starts_with('/') {
        Ok(url)
    } else {
        Err("result is not a URL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosters::util::b64_encode;

    fn encode(url: &str) -> String {
        let s8 = reverse(&b64_encode(url.as_bytes()));
        let s6: String = swap_case(&s8)
            .bytes()
            .map(|b| format!("{:02x}", b.wrapping_add(3)))
            .collect();
        let s3 = b64_encode(reverse(&s6).as_bytes());
        b64_encode(swap_case(&reverse(&s3)).as_bytes())
    }

    #[test]
    fn decode_round_trip() {
        let url = "https://store.example/store_access/abc.mp4?token=Zz9";
        assert_eq!(decode(&encode(url)).unwrap(), url);
        assert_eq!(decode("@@@@"), Err("first base64"));
        assert!(decode(&b64_encode(b"plain")).is_err());
    }
}
