//! Shared helpers of the hoster and resolver tests: fixture pages with their obfuscated payloads
//! produced by the inverse of each hoster's decoding (so the fixtures are honest), a fake media
//! host, and a plain GET that proves a media URL is reachable.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use aniworld_core::ports::MediaSource;
use aniworld_testkit::{FakeResponse, FakeServer};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use regex::Regex;

/// The bytes every fake MP4 serves: a real clip.
pub const MP4_BYTES: &[u8] = aniworld_testkit::media::MP4;

/// A tiny HLS master playlist.
pub const MASTER: &str =
    "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=1280x720\nindex-v1.m3u8\n";

/// A fixture page of tests/fixtures/hosters with `{{NAME}}` placeholders replaced.
pub fn page(name: &str, vars: &[(&str, &str)]) -> String {
    let path = format!(
        "{}/tests/fixtures/hosters/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (k, v) in vars {
        text = text.replace(&format!("{{{{{k}}}}}"), v);
    }
    assert!(!text.contains("{{"), "{name}: unreplaced placeholder");
    text
}

/// Adds media routes to `server`: `/media/*.m3u8` answers [`MASTER`], any other `/media/*`
/// path answers [`MP4_BYTES`]; requests are recorded by the server.
pub fn serve_media(server: &FakeServer) {
    let mp4 = Arc::new(MP4_BYTES.to_vec());
    server.route("/media/*", move |req| {
        if req.path.ends_with(".m3u8") {
            FakeResponse::bytes("application/vnd.apple.mpegurl", MASTER)
        } else {
            FakeResponse::ranged(req, "video/mp4", &mp4)
        }
    });
}

/// GETs the media URL with the source's headers, following redirects, and returns the body.
pub fn fetch_media(media: &MediaSource) -> Vec<u8> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut req = agent.get(&media.url);
    for (k, v) in &media.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut res = req
        .call()
        .unwrap_or_else(|e| panic!("GET {}: {e}", media.url));
    res.body_mut().read_to_vec().expect("media body")
}

/// Base64 (standard, padded).
pub fn b64(b: &[u8]) -> String {
    STANDARD.encode(b)
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

/// VOE's current payload: JSON -> base64 -> reversed -> +3 -> base64 -> junk tokens sprinkled
/// in (and `_`) -> ROT13; the inverse of the page's decoder.
pub fn voe_chain(json: &str, junk: &[&str]) -> String {
    let inner = reverse(&b64(json.as_bytes()));
    let shifted: Vec<u8> = inner.bytes().map(|b| b.wrapping_add(3)).collect();
    let mut out = String::new();
    for (i, c) in b64(&shifted).chars().enumerate() {
        out.push(c);
        if i % 7 == 3 {
            out.push_str(junk[(i / 7) % junk.len()]);
        }
        if i % 11 == 5 {
            out.push('_');
        }
    }
    rot13(&out)
}

/// VOE's late-2024 `a168c` payload: reversed JSON in base64.
pub fn voe_a168c(json: &str) -> String {
    let mut b = json.as_bytes().to_vec();
    b.reverse();
    b64(&b)
}

/// SpeedFiles' payload for a URL (inverse of its ten decoding steps).
pub fn speedfiles(url: &str) -> String {
    let s8 = reverse(&b64(url.as_bytes()));
    let s6: String = swap_case(&s8)
        .bytes()
        .map(|b| format!("{:02x}", b.wrapping_add(3)))
        .collect();
    let s3 = b64(reverse(&s6).as_bytes());
    b64(swap_case(&reverse(&s3)).as_bytes())
}

fn base62(mut n: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[n % 62]);
        n /= 62;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// Packs JavaScript the way Dean Edwards' packer does (base 62): every word is replaced by its
/// index in a word list, and the page carries the `eval(function(p,a,c,k,e,d)...)` loader.
pub fn pack(js: &str) -> String {
    let word = Regex::new(r"\b\w+\b").unwrap();
    let mut words: Vec<String> = Vec::new();
    for m in word.find_iter(js) {
        if !words.iter().any(|w| w == m.as_str()) {
            words.push(m.as_str().to_string());
        }
    }
    let payload = word.replace_all(js, |c: &regex::Captures<'_>| {
        base62(words.iter().position(|w| w == &c[0]).unwrap())
    });
    let escaped = payload.replace('\\', "\\\\").replace('\'', "\\'");
    format!(
        "eval(function(p,a,c,k,e,d){{e=function(c){{return(c<a?'':e(parseInt(c/a)))+((c=c%a)>35?String.fromCharCode(c+29):c.toString(36))}};if(!''.replace(/^/,String)){{while(c--){{d[e(c)]=k[c]||e(c)}}k=[function(e){{return d[e]}}];e=function(){{return'\\\\w+'}};c=1}};while(c--){{if(k[c]){{p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}}}return p}}('{escaped}',62,{},'{}'.split('|'),0,{{}}))",
        words.len(),
        words.join("|")
    )
}

/// Byse's encrypted `playback` object for `plain` (the server side of its AES-256-GCM scheme):
/// a wrong first payload when `break_first`, so that the client must fall back to `payload2`.
pub fn byse_playback(plain: &str, break_first: bool) -> serde_json::Value {
    use aes_gcm::aead::{Aead, KeyInit};
    use aes_gcm::{Aes256Gcm, Nonce};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let key: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(7).wrapping_add(3))
        .collect();
    let iv: Vec<u8> = (0u8..12).map(|i| 0xA0 ^ i).collect();
    let cipher = Aes256Gcm::new_from_slice(&key).unwrap();
    let nonce = Nonce::try_from(iv.as_slice()).unwrap();
    let sealed = cipher.encrypt(&nonce, plain.as_bytes()).unwrap();
    let mut first = sealed.clone();
    if break_first {
        first[0] ^= 0xFF;
    }
    serde_json::json!({
        "algorithm": "AES-256-GCM",
        "iv": URL_SAFE_NO_PAD.encode(&iv),
        "payload": URL_SAFE_NO_PAD.encode(&first),
        "iv2": URL_SAFE_NO_PAD.encode(&iv),
        "payload2": URL_SAFE_NO_PAD.encode(&sealed),
        "key_parts": [URL_SAFE_NO_PAD.encode(&key[..16]), URL_SAFE_NO_PAD.encode(&key[16..])],
        "expires_at": "2026-11-23T18:00:00Z",
        "decrypt_keys": {"edge_1": "x", "edge_2": "y", "legacy_fallback": "z"}
    })
}
