//! The fake's v2 play tokens: opaque strings shaped like Laravel encrypter output (base64 of
//! `{"iv","value","mac","tag"}`), URL-encoded as they appear in `data-play-url`.

use base64::Engine as _;
use serde_json::json;

/// Percent-encodes everything but unreserved characters.
pub(super) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Pseudo-random bytes (splitmix64) for token fields.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(n);
    out
}

/// A token shaped like Laravel's encrypter output: base64 of `{"iv","value","mac","tag"}`.
pub(super) fn laravel_token(seq: u64) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mac: String = bytes(seq ^ 0xA5A5, 32)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let payload = json!({
        "iv": b64.encode(bytes(seq, 16)),
        "value": b64.encode(bytes(seq.wrapping_mul(31), 80)),
        "mac": mac,
        "tag": "",
    });
    b64.encode(payload.to_string())
}
