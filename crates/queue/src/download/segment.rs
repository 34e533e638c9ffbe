//! Fetching one HLS resource into a reusable buffer: a segment (with retries, AES-128-CBC
//! decryption, and the PNG disguise stripped) or an init section; keys are cached per URI.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use aniworld_core::ports::CancelToken;
use url::Url;

use super::DownloadError;
use super::http::{Http, network};
use super::playlist::KeySpec;
use super::retry::Backoff;
use super::sniff::{looks_like_html, ts_start};

type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// Largest segment accepted (a sanity bound against endless bodies).
const MAX_SEGMENT: u64 = 512 << 20;

/// AES keys by URI, shared by the segment fetchers of one download.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    keys: Mutex<HashMap<Url, [u8; 16]>>,
}

impl KeyCache {
    /// The 16 key bytes at `uri`, fetched once: the lock is held during the fetch so that
    /// parallel segment fetchers wait for the first one instead of asking too.
    pub(crate) fn get(
        &self,
        http: &Http,
        uri: &Url,
        (retries, backoff): (u32, Duration),
        cancel: &CancelToken,
    ) -> Result<[u8; 16], DownloadError> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = keys.get(uri) {
            return Ok(*k);
        }
        let mut data = Vec::with_capacity(16);
        fetch_into(http, uri, None, &mut data, retries, backoff, cancel)?;
        let key: [u8; 16] = data
            .as_slice()
            .try_into()
            .map_err(|_| DownloadError::Decrypt {
                url: uri.to_string(),
                what: format!("key has {} bytes instead of 16", data.len()),
            })?;
        keys.insert(uri.clone(), key);
        Ok(key)
    }
}

/// The IV of a segment: the explicit one, else its media sequence number as 128-bit big-endian.
pub(crate) fn segment_iv(key: &KeySpec, sequence: u64) -> [u8; 16] {
    key.iv.unwrap_or_else(|| {
        let mut iv = [0u8; 16];
        iv[8..].copy_from_slice(&sequence.to_be_bytes());
        iv
    })
}

/// Decrypts `buf` in place (AES-128-CBC, PKCS#7) and truncates it to the plaintext.
pub(crate) fn decrypt_in_place(
    buf: &mut Vec<u8>,
    key: &[u8; 16],
    iv: &[u8; 16],
    url: &Url,
) -> Result<(), DownloadError> {
    let fail = |what: &str| DownloadError::Decrypt {
        url: url.to_string(),
        what: what.to_string(),
    };
    let dec = Aes128CbcDec::new_from_slices(key, iv).map_err(|_| fail("bad key length"))?;
    let len = dec
        .decrypt_padded::<Pkcs7>(buf)
        .map_err(|_| fail("wrong key or corrupt data (bad padding)"))?
        .len();
    buf.truncate(len);
    Ok(())
}

/// Reads `uri` (optionally the byte range (start, length)) into `buf`, replacing its content.
/// Retries retryable failures: the first at once, the next with backoff.
pub(crate) fn fetch_into(
    http: &Http,
    uri: &Url,
    range: Option<(u64, u64)>,
    buf: &mut Vec<u8>,
    retries: u32,
    backoff_base: Duration,
    cancel: &CancelToken,
) -> Result<(), DownloadError> {
    let mut backoff = Backoff::new(retries, backoff_base).first_immediate();
    loop {
        match fetch_once(http, uri, range, buf, cancel) {
            Ok(()) => return Ok(()),
            Err(e) if e.is_retryable() && backoff.wait(cancel)? => {
                log::debug!("retrying {uri}: {e}");
            }
            Err(e) => return Err(e),
        }
    }
}

/// The inclusive HTTP byte range for `len` bytes from `start`; saturates on hostile playlist values.
fn inclusive_range((start, len): (u64, u64)) -> (u64, Option<u64>) {
    (start, Some(start.saturating_add(len.saturating_sub(1))))
}

fn fetch_once(
    http: &Http,
    uri: &Url,
    range: Option<(u64, u64)>,
    buf: &mut Vec<u8>,
    cancel: &CancelToken,
) -> Result<(), DownloadError> {
    let http_range = range.map(inclusive_range);
    let mut resp = http.get(uri, http_range, cancel)?;
    if resp.status == 416 {
        return Err(DownloadError::Http {
            url: uri.to_string(),
            status: 416,
        });
    }
    if resp.content_type.contains("html") {
        return Err(DownloadError::NotMedia {
            url: uri.to_string(),
            content_type: resp.content_type.clone(),
        });
    }
    buf.clear();
    if let Some(len) = resp.content_length.filter(|&l| l <= MAX_SEGMENT) {
        buf.reserve(usize::try_from(len).unwrap_or(0));
    }
    (&mut resp.body)
        .take(MAX_SEGMENT)
        .read_to_end(buf)
        .map_err(|e| network(uri, &e))?;
    if let Some((_, len)) = range
        && resp.status == 200
    {
        // The server ignored the range: cut the wanted part out of the whole resource.
        let start = usize::try_from(range.map_or(0, |r| r.0)).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        if end > buf.len() {
            return Err(DownloadError::Network {
                url: uri.to_string(),
                msg: format!("resource shorter than the byte range {start}..{end}"),
            });
        }
        buf.truncate(end);
        buf.drain(..start);
    }
    if looks_like_html(buf) {
        return Err(DownloadError::NotMedia {
            url: uri.to_string(),
            content_type: "text/html (sniffed)".into(),
        });
    }
    Ok(())
}

/// Turns fetched segment bytes into media bytes: decrypts and strips a PNG disguise.
pub(crate) fn finish_segment(
    buf: &mut Vec<u8>,
    key: Option<(&[u8; 16], [u8; 16])>,
    uri: &Url,
) -> Result<(), DownloadError> {
    if let Some((key, iv)) = key {
        decrypt_in_place(buf, key, &iv, uri)?;
    }
    let start = ts_start(buf);
    if start > 0 {
        buf.drain(..start);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockModeEncrypt;

    #[test]
    fn decrypts_with_the_sequence_iv() {
        let key = [7u8; 16];
        let spec = KeySpec {
            uri: Url::parse("http://k/").unwrap(),
            iv: None,
        };
        let iv = segment_iv(&spec, 5);
        assert_eq!(iv[15], 5);
        let plain = b"\x47 some transport stream bytes".to_vec();
        let enc = cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_vec::<Pkcs7>(&plain);
        let mut buf = enc.clone();
        decrypt_in_place(&mut buf, &key, &iv, &spec.uri).unwrap();
        assert_eq!(buf, plain);
        let mut wrong = enc;
        let bad = decrypt_in_place(&mut wrong, &[8u8; 16], &iv, &spec.uri);
        assert!(matches!(bad, Err(DownloadError::Decrypt { .. })) || wrong != plain);
    }

    #[test]
    fn byte_range_end_saturates() {
        assert_eq!(inclusive_range((10, 5)), (10, Some(14)));
        assert_eq!(inclusive_range((u64::MAX, 10)), (u64::MAX, Some(u64::MAX)));
    }
}
