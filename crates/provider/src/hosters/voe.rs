//! VOE: every page generation seen in the wild.
//!
//! 1. A stub page that only sets `window.location.href = '<other domain>/e/<code>'` is followed.
//! 2. Current pages hold `<script type="application/json">["<S>"]</script>`; the 2026 variant
//!    loads a script right after it whose array of short strings lists the junk tokens mixed
//!    into S. S decodes by: ROT13, junk tokens removed, base64, every code minus 3, reversed,
//!    base64, JSON.
//! 3. Spring 2025 pages carry the same S in a `MKGMa="..."` variable.
//! 4. Late 2024 pages carry `var a168c='<base64>'`: base64, reversed, JSON.
//! 5. Older pages have `var sources = {'hls': '<url or base64 url>'}` or `prompt("Node", "<b64>")`.
//!
//! The decoded JSON's `direct_access_url` (an MP4) is taken when `direct_access_allowed` is
//! true; otherwise `source` (the HLS master).

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;
use serde_json::Value;

use super::util::{
    ACCEPT_HTML, BROWSER_UA, b64_decode, decode_err, get_embed_page, join, layout, looks_like_hls,
    missing, origin, read_js_string, reverse, rot13,
};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "VOE";

/// Junk tokens mixed into the payload when the page does not name its own.
const DEFAULT_JUNK: [&str; 7] = ["@$", "^^", "~@", "%?", "*~", "!!", "#&"];

/// Stub pages followed at most this often.
const MAX_HOPS: usize = 3;

static JSON_SCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?is)<script[^>]*type\s*=\s*["']application/json["'][^>]*>\s*(\[.*?\])\s*</script>"#,
    )
    .unwrap()
});
static NEXT_SCRIPT_SRC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?is)^\s*<script[^>]*\bsrc\s*=\s*["']([^"']+)["']"#).unwrap());
static MKGMA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"MKGMa\s*=\s*["']([^"']+)["']"#).unwrap());
static A168C: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"a168c\s*=\s*['"]([^'"]+)['"]"#).unwrap());
static SOURCES_HLS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)sources\s*=\s*\{[^}]*?['"]hls['"]\s*:\s*['"]([^'"]+)['"]"#).unwrap()
});
static PROMPT_NODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"prompt\(\s*["']Node["']\s*,\s*["']([^"']+)["']\s*\)"#).unwrap());
static STUB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"window\.location\.href\s*=\s*['"](https?://[^'"]+)['"]"#).unwrap()
});
static TOKEN_ARRAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\[\s*((?:(?:'[^'\\\n]{1,6}'|"[^"\\\n]{1,6}")\s*,\s*){3,11}(?:'[^'\\\n]{1,6}'|"[^"\\\n]{1,6}"))\s*,?\s*\]"#)
        .unwrap()
});
static NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<title>[^<]*(not found|deleted|removed)[^<]*</title>").unwrap()
});

/// What a VOE page carries.
#[derive(Debug, PartialEq, Eq)]
enum Payload {
    /// Decoded JSON of the current and late-2024 generations.
    Json(Value),
    /// A plain HLS URL of the old generation.
    HlsUrl(String),
}

/// Extracts the media source behind a VOE embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let mut url = embed_url.to_string();
    let mut referer: Option<String> = None;
    for _ in 0..=MAX_HOPS {
        let mut headers = vec![("User-Agent", BROWSER_UA), ("Accept", ACCEPT_HTML)];
        if let Some(r) = referer.as_deref() {
            headers.push(("Referer", r));
        }
        let page = get_embed_page(fetch, NAME, &url, &headers)?;
        let page_url = if page.final_url.is_empty() {
            url.clone()
        } else {
            page.final_url.clone()
        };
        if let Some(payload) = find_payload(fetch, &page_url, &page.body)? {
            return choose(&page_url, payload);
        }
        if let Some(next) = STUB.captures(&page.body) {
            referer = Some(page_url.clone());
            url = join(NAME, &page_url, &next[1])?;
            continue;
        }
        if NOT_FOUND.is_match(&page.body) {
            return Err(HosterError::Deleted {
                hoster: NAME.into(),
                url: page_url,
                reason: "the page title says it is gone".into(),
            });
        }
        return Err(missing(
            NAME,
            &page_url,
            &page.body,
            "no stream data in any known VOE format",
        ));
    }
    Err(layout(NAME, &url, "too many redirect stub pages"))
}

/// Finds and decodes the stream data of any generation; None when the page has none.
fn find_payload(
    fetch: &dyn Fetch,
    page_url: &str,
    body: &str,
) -> Result<Option<Payload>, HosterError> {
    if let Some(c) = JSON_SCRIPT.captures(body) {
        let whole = c.get(0).map_or(0, |m| m.end());
        let list: Vec<String> = serde_json::from_str(&c[1])
            .map_err(|_| decode_err(NAME, page_url, "JSON script is not a list of strings"))?;
        let s = list
            .into_iter()
            .next()
            .ok_or_else(|| decode_err(NAME, page_url, "JSON script list is empty"))?;
        let candidates = NEXT_SCRIPT_SRC
            .captures(&body[whole..])
            .map(|m| loader_token_arrays(fetch, page_url, &m[1]))
            .unwrap_or_default();
        let value = candidates
            .iter()
            .find_map(|tokens| {
                let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
                decode_chain(&s, &refs).ok()
            })
            .map_or_else(|| decode_chain(&s, &DEFAULT_JUNK), Ok)
            .map_err(|step| decode_err(NAME, page_url, step))?;
        return Ok(Some(Payload::Json(value)));
    }
    if let Some(c) = MKGMA.captures(body) {
        let value =
            decode_chain(&c[1], &DEFAULT_JUNK).map_err(|s| decode_err(NAME, page_url, s))?;
        return Ok(Some(Payload::Json(value)));
    }
    if let Some(c) = A168C.captures(body) {
        let value = decode_a168c(&c[1]).map_err(|s| decode_err(NAME, page_url, s))?;
        return Ok(Some(Payload::Json(value)));
    }
    if let Some(c) = SOURCES_HLS
        .captures(body)
        .or_else(|| PROMPT_NODE.captures(body))
    {
        let raw = c[1].trim();
        let url = if raw.starts_with("http") || raw.starts_with("//") {
            raw.to_string()
        } else {
            let bytes = b64_decode(raw).ok_or_else(|| decode_err(NAME, page_url, "hls base64"))?;
            String::from_utf8(bytes).map_err(|_| decode_err(NAME, page_url, "hls text"))?
        };
        return Ok(Some(Payload::HlsUrl(url)));
    }
    Ok(None)
}

/// Fetches the loader script of the 2026 variant and lists its candidate junk-token arrays.
fn loader_token_arrays(fetch: &dyn Fetch, page_url: &str, src: &str) -> Vec<Vec<String>> {
    let Ok(url) = join(NAME, page_url, src) else {
        return Vec::new();
    };
    match fetch.get(&url, &[("User-Agent", BROWSER_UA), ("Referer", page_url)]) {
        Ok(p) if (200..300).contains(&p.status) => token_arrays_in(&p.body),
        _ => {
            log::debug!("VOE loader {url} could not be read; using the default junk tokens");
            Vec::new()
        }
    }
}

/// Every array of 4-12 short, non-empty string literals in `js`; arrays whose strings are not
/// plain words (the usual junk tokens) come first. Each is tried until one decodes.
fn token_arrays_in(js: &str) -> Vec<Vec<String>> {
    let mut arrays: Vec<Vec<String>> = TOKEN_ARRAY
        .captures_iter(js)
        .filter_map(|c| {
            let text = c.get(1)?.as_str();
            let mut tokens = Vec::new();
            let mut i = 0;
            while i < text.len() {
                if matches!(text.as_bytes()[i], b'\'' | b'"') {
                    let (s, end) = read_js_string(text, i)?;
                    tokens.push(s);
                    i = end;
                } else {
                    i += 1;
                }
            }
            tokens.iter().all(|t| !t.is_empty()).then_some(tokens)
        })
        .collect();
    arrays.sort_by_key(|a| {
        a.iter()
            .all(|t| t.chars().all(|ch| ch.is_ascii_alphanumeric()))
    });
    arrays
}

/// Decodes the current-generation string: ROT13, junk removed, base64, minus 3, reverse,
/// base64, JSON. The error names the failing step.
fn decode_chain(s: &str, junk: &[&str]) -> Result<Value, &'static str> {
    let mut t = rot13(s);
    for j in junk {
        if !j.is_empty() {
            t = t.replace(j, "_");
        }
    }
    t.retain(|c| c != '_');
    let bytes = b64_decode(&t).ok_or("first base64")?;
    let shifted: String = bytes.iter().map(|b| b.wrapping_sub(3) as char).collect();
    let reversed = reverse(&shifted);
    let json = b64_decode(&reversed).ok_or("second base64")?;
    serde_json::from_slice(&json).map_err(|_| "JSON")
}

/// Decodes the late-2024 `a168c` string: base64, reversed, JSON.
fn decode_a168c(s: &str) -> Result<Value, &'static str> {
    let bytes = b64_decode(s).ok_or("a168c base64")?;
    let mut rev = bytes;
    rev.reverse();
    serde_json::from_slice(&rev).map_err(|_| "a168c JSON")
}

/// Picks the stream from the decoded data.
fn choose(page_url: &str, payload: Payload) -> Result<Extracted, HosterError> {
    let (url, kind) = match payload {
        Payload::HlsUrl(u) => (u, MediaKind::Hls),
        Payload::Json(v) => {
            let text = |k: &str| {
                v.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .map(str::to_string)
            };
            let allowed = matches!(v.get("direct_access_allowed"), Some(Value::Bool(true)))
                || v.get("direct_access_allowed").and_then(Value::as_i64) == Some(1);
            let fallback = || {
                v.get("fallback")?
                    .as_array()?
                    .iter()
                    .find_map(|f| f.get("file").or(f.get("src"))?.as_str().map(str::to_string))
            };
            match (
                text("direct_access_url").filter(|_| allowed),
                text("source"),
            ) {
                (Some(d), _) => (d, MediaKind::Direct),
                (None, Some(s)) => {
                    let kind = if s.to_ascii_lowercase().contains(".mp4") && !looks_like_hls(&s) {
                        MediaKind::Direct
                    } else {
                        MediaKind::Hls
                    };
                    (s, kind)
                }
                (None, None) => {
                    let f = fallback()
                        .ok_or_else(|| layout(NAME, page_url, "decoded data has no source"))?;
                    let kind = if looks_like_hls(&f) {
                        MediaKind::Hls
                    } else {
                        MediaKind::Direct
                    };
                    (f, kind)
                }
            }
        }
    };
    let url = join(NAME, page_url, &url)?;
    let o = origin(NAME, page_url)?;
    Ok(Extracted {
        url,
        kind,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{o}/")),
            ("Origin".into(), o),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosters::util::b64_encode;

    /// The inverse of [`decode_chain`], with `junk` sprinkled in.
    fn encode_chain(json: &str, junk: &[&str]) -> String {
        let inner = reverse(&b64_encode(json.as_bytes()));
        let shifted: Vec<u8> = inner.bytes().map(|b| b.wrapping_add(3)).collect();
        let mut outer = String::new();
        for (i, c) in b64_encode(&shifted).chars().enumerate() {
            outer.push(c);
            if i % 5 == 0 {
                outer.push_str(junk[i % junk.len()]);
            }
        }
        rot13(&outer)
    }

    #[test]
    fn chain_round_trip() {
        let json = r#"{"source":"https://cdn.example/hls/master.m3u8?t=1","title":"Ep 1"}"#;
        let v = decode_chain(&encode_chain(json, &DEFAULT_JUNK), &DEFAULT_JUNK).unwrap();
        assert_eq!(v["source"], "https://cdn.example/hls/master.m3u8?t=1");
        let custom = ["Q9", "zz", "+-"];
        let s = encode_chain(json, &["()", "<>", "{}"]);
        assert!(decode_chain(&s, &DEFAULT_JUNK).is_err());
        assert!(decode_chain(&s, &["()", "<>", "{}"]).is_ok());
        assert!(decode_chain("!!!", &custom).is_err());
    }

    #[test]
    fn a168c_and_tokens() {
        let json = br#"{"source":"https://x/master.m3u8"}"#;
        let mut rev = json.to_vec();
        rev.reverse();
        let v = decode_a168c(&b64_encode(&rev)).unwrap();
        assert_eq!(v["source"], "https://x/master.m3u8");
        assert_eq!(decode_a168c("%%"), Err("a168c base64"));
        let arrays = token_arrays_in(
            r##"var a=['abc','def','ghi','jkl'];var b=["#@","&&",'(*','!?'];var c=['',"x"];"##,
        );
        let want: Vec<Vec<String>> = vec![
            vec!["#@".into(), "&&".into(), "(*".into(), "!?".into()],
            vec!["abc".into(), "def".into(), "ghi".into(), "jkl".into()],
        ];
        assert_eq!(arrays, want);
        assert!(token_arrays_in("var x = [1,2,3];").is_empty());
    }

    #[test]
    fn chooses_direct_only_when_allowed() {
        let pick = |v: Value| choose("https://voe.example/e/1", Payload::Json(v)).unwrap();
        let hls = pick(
            serde_json::json!({"source":"https://c/m.m3u8","direct_access_url":"https://c/v.mp4","direct_access_allowed":false}),
        );
        assert_eq!(
            (hls.url.as_str(), hls.kind),
            ("https://c/m.m3u8", MediaKind::Hls)
        );
        let mp4 = pick(
            serde_json::json!({"source":"https://c/m.m3u8","direct_access_url":"https://c/v.mp4","direct_access_allowed":true}),
        );
        assert_eq!(
            (mp4.url.as_str(), mp4.kind),
            ("https://c/v.mp4", MediaKind::Direct)
        );
        assert!(
            choose(
                "https://voe.example/e/1",
                Payload::Json(serde_json::json!({"title":"x"}))
            )
            .is_err()
        );
    }
}
