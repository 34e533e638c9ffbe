//! Filemoon's 2026 front-ends (Byse): the playback API with an AES-256-GCM encrypted payload.
//!
//! `GET <origin>/api/videos/<code>/embed/details` names the `embed_frame_url` (without it, the
//! embed URL is the frame); on that frame's host `GET /api/videos/<code>/embed/playback`
//! (Referer = the frame, `X-Embed-Parent` = the original URL; front-ends without that path
//! answer `GET /api/videos/<code>`) answers `playback = {iv, payload, key_parts[2], iv2?, payload2?}`. The key is
//! both key parts (base64url) joined, the nonce is `iv`, and `payload` carries the 16-byte tag at
//! its end. The plaintext is JSON `{sources:[{url, height, mime_type, ...}]}`; the highest
//! source wins.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use aniworld_core::ports::MediaKind;
use serde_json::Value;

use super::util::{BROWSER_UA, b64_decode, decode_err, get_page, join, layout, looks_like_hls};
use super::util::{last_segment, origin, parse_url};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Filemoon";

/// Extracts the media source behind a Byse embed URL through its playback API.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let u = parse_url(NAME, embed_url)?;
    let code = last_segment(&u)
        .filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()))
        .ok_or_else(|| layout(NAME, embed_url, "no video code in the URL"))?;
    let first = origin(NAME, embed_url)?;
    let details_url = format!("{first}/api/videos/{code}/embed/details");
    // some front-ends serve the player themselves and have no details endpoint
    let frame = match get_json(fetch, &details_url, &[("Referer", embed_url)]) {
        Ok(details) => details
            .get("embed_frame_url")
            .and_then(Value::as_str)
            .map(|f| join(NAME, embed_url, f))
            .transpose()?
            .unwrap_or_else(|| embed_url.to_string()),
        Err(HosterError::Http { status: 404, .. }) => embed_url.to_string(),
        Err(e) => return Err(e),
    };
    let frame_origin = origin(NAME, &frame)?;
    let mut playback_url = format!("{frame_origin}/api/videos/{code}/embed/playback");
    let headers = [("Referer", frame.as_str()), ("X-Embed-Parent", embed_url)];
    let answer = match get_json(fetch, &playback_url, &headers) {
        // front-ends of the other API form answer the playback object at the video itself
        Err(HosterError::Http { status: 404, .. }) => {
            playback_url = format!("{frame_origin}/api/videos/{code}");
            get_json(fetch, &playback_url, &headers)?
        }
        other => other?,
    };
    let playback = answer.get("playback").unwrap_or(&answer);
    let plain = decrypt(playback).map_err(|step| decode_err(NAME, &playback_url, step))?;
    let (url, mime) = best_source(&plain)
        .ok_or_else(|| layout(NAME, &playback_url, "decrypted playback has no sources"))?;
    let url = join(NAME, &frame, &url)?;
    let kind = if mime.contains("mpegurl") || looks_like_hls(&url) {
        MediaKind::Hls
    } else {
        MediaKind::Direct
    };
    Ok(Extracted {
        url,
        kind,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{frame_origin}/")),
            ("Origin".into(), frame_origin),
        ],
    })
}

fn get_json(fetch: &dyn Fetch, url: &str, extra: &[(&str, &str)]) -> Result<Value, HosterError> {
    let mut headers = vec![
        ("User-Agent", BROWSER_UA),
        ("Accept", "application/json, text/plain, */*"),
    ];
    headers.extend_from_slice(extra);
    let page = get_page(fetch, NAME, url, &headers)?;
    serde_json::from_str(page.body.trim_start_matches('\u{feff}'))
        .map_err(|_| layout(NAME, url, "the API did not answer JSON"))
}

/// Decrypts `payload` (then `payload2` with `iv2`); the error names the failing step.
fn decrypt(playback: &Value) -> Result<Value, &'static str> {
    let field = |k: &str| playback.get(k).and_then(Value::as_str);
    let parts = playback
        .get("key_parts")
        .and_then(Value::as_array)
        .filter(|p| p.len() == 2)
        .ok_or("key_parts")?;
    let mut key = Vec::new();
    for p in parts {
        key.extend(b64_decode(p.as_str().ok_or("key_parts")?).ok_or("key_parts base64")?);
    }
    let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| "key length")?;
    let mut last = "payload";
    for (iv, payload) in [("iv", "payload"), ("iv2", "payload2")] {
        let (Some(iv), Some(payload)) = (field(iv), field(payload)) else {
            continue;
        };
        let iv = b64_decode(iv).ok_or("iv base64")?;
        let nonce = Nonce::try_from(iv.as_slice()).map_err(|_| "iv length")?;
        let data = b64_decode(payload).ok_or("payload base64")?;
        match cipher.decrypt(&nonce, data.as_slice()) {
            Ok(plain) => {
                let text = String::from_utf8_lossy(&plain);
                return serde_json::from_str(text.trim_start_matches('\u{feff}'))
                    .map_err(|_| "decrypted JSON");
            }
            Err(_) => last = "AES-GCM decryption",
        }
    }
    Err(last)
}

/// The URL and MIME type of the highest source (height, then bitrate).
fn best_source(plain: &Value) -> Option<(String, String)> {
    let num = |s: &Value, k: &str| s.get(k).and_then(Value::as_u64).unwrap_or(0);
    plain
        .get("sources")?
        .as_array()?
        .iter()
        .filter(|s| s.get("url").and_then(Value::as_str).is_some())
        .max_by_key(|s| (num(s, "height"), num(s, "bitrate_kbps")))
        .map(|s| {
            let url = s.get("url").and_then(Value::as_str).unwrap_or_default();
            let mime = s
                .get("mime_type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (url.to_string(), mime.to_ascii_lowercase())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_the_highest_source() {
        let v = json!({"sources": [
            {"url": "a", "height": 480, "bitrate_kbps": 900},
            {"url": "b", "height": 1080, "bitrate_kbps": 100, "mime_type": "application/x-mpegURL"},
            {"url": "c", "height": 1080, "bitrate_kbps": 50},
            {"height": 2160}
        ]});
        assert_eq!(
            best_source(&v),
            Some(("b".into(), "application/x-mpegurl".into()))
        );
        assert_eq!(best_source(&json!({"sources": []})), None);
    }

    #[test]
    fn bad_playback_names_the_step() {
        assert_eq!(decrypt(&json!({})), Err("key_parts"));
        assert_eq!(
            decrypt(&json!({"key_parts": ["AAAA", "AAAA"], "iv": "AAAA", "payload": "AAAA"})),
            Err("key length")
        );
        let k = "AAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            decrypt(
                &json!({"key_parts": [k, k], "iv": "AAAAAAAAAAAAAAAA", "payload": "AAAAAAAAAAAAAAAAAAAAAAAA"})
            ),
            Err("AES-GCM decryption")
        );
    }
}
