//! Small helpers shared by the extractors: page fetching with typed errors, URL origins,
//! lenient base64, JavaScript string literals and the browser identity sent to hosters.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;

use super::{Fetch, FetchError, FetchErrorKind, FetchedPage, HosterError};

/// The desktop browser identity sent to hosters and passed on to the media requests.
pub(crate) const BROWSER_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// `Accept` header of a browser navigation.
pub(crate) const ACCEPT_HTML: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// GET `url`; a failure below HTTP becomes `Network`, a non-2xx status `Http`.
pub(crate) fn get_page(
    fetch: &dyn Fetch,
    hoster: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<FetchedPage, HosterError> {
    let page = fetch
        .get(url, headers)
        .map_err(|e| fetch_failed(hoster, url, e))?;
    check_status(hoster, url, page)
}

/// A request without a usable answer: `Network`, or `VerificationRequired` when the client met
/// an anti-bot check it could not get past.
fn fetch_failed(hoster: &str, url: &str, e: FetchError) -> HosterError {
    match e.kind {
        FetchErrorKind::Challenge => {
            log::debug!("{hoster}: {url}: {}", e.message);
            HosterError::VerificationRequired {
                hoster: hoster.to_string(),
                url: url.to_string(),
                reason: "an anti-bot browser check".into(),
            }
        }
        FetchErrorKind::Network => HosterError::Network {
            hoster: hoster.to_string(),
            url: url.to_string(),
            message: e.message,
        },
    }
}

/// GET a video's embed page (or the page standing for it): as [`get_page`], but a 404 or 410
/// means the video is not on this hoster (`Deleted`). Follow-up requests (APIs, tokens) keep
/// their plain `Http` error, since a 404 there says nothing about the video.
pub(crate) fn get_embed_page(
    fetch: &dyn Fetch,
    hoster: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<FetchedPage, HosterError> {
    match get_page(fetch, hoster, url, headers) {
        Err(HosterError::Http {
            hoster,
            url,
            status: status @ (404 | 410),
        }) => Err(HosterError::Deleted {
            hoster,
            url,
            reason: if status == 404 {
                "the hoster answers 404 Not Found".into()
            } else {
                "the hoster answers 410 Gone".into()
            },
        }),
        other => other,
    }
}

/// POST a form to `url`, with the same error mapping as [`get_page`].
pub(crate) fn post_page(
    fetch: &dyn Fetch,
    hoster: &str,
    url: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Result<FetchedPage, HosterError> {
    let page = fetch
        .post_form(url, form, headers)
        .map_err(|e| fetch_failed(hoster, url, e))?;
    check_status(hoster, url, page)
}

/// A 2xx page is returned; any other status is an error, typed by what the page says (deleted,
/// verification, blocked address; HTTP 451 is a block too), else `Http`.
fn check_status(hoster: &str, url: &str, page: FetchedPage) -> Result<FetchedPage, HosterError> {
    if (200..300).contains(&page.status) {
        return Ok(page);
    }
    if let Some(e) = unavailable(hoster, url, &page.body) {
        return Err(e);
    }
    if page.status == 451 {
        return Err(HosterError::Blocked {
            hoster: hoster.to_string(),
            url: url.to_string(),
            reason: "HTTP 451, unavailable for legal reasons".into(),
        });
    }
    Err(HosterError::Http {
        hoster: hoster.to_string(),
        url: url.to_string(),
        status: page.status,
    })
}

/// Human verification pages: Cloudflare Turnstile, hCaptcha, reCAPTCHA, "are you a robot", and
/// the browser checks of Cloudflare ("Just a moment...", `cdn-cgi/challenge-platform`,
/// `_cf_chl_opt`) and DDoS-Guard (`ddg-l10n-title`, "Checking your browser").
static VERIFICATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(cf-turnstile|challenges\.cloudflare\.com/turnstile|\bh-captcha\b|hcaptcha\.com|\bg-recaptcha\b|google\.com/recaptcha|verify (that )?you are (a )?human|are you a robot|\bcaptcha\b|cdn-cgi/challenge-platform|_cf_chl_opt|cf-browser-verification|<title>\s*just a moment|ddg-l10n-title|checking your browser before accessing)"#,
    )
    .unwrap()
});

/// Pages that refuse this client's address.
static BLOCKED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)((your|this) (ip|ip address|address|country|region|location) (has been |is |was )?(blocked|banned|blacklisted|not allowed)|not (available|allowed) (in|from) your (country|region|location)|blocked (for|in) your (country|region|ip|address)|\bip (address )?(is )?(banned|blocked)|error (code: )?1020|access denied)",
    )
    .unwrap()
});

/// Pages that say the video is gone.
static DELETED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(video not found|file not found|file (was|has been) (deleted|removed)|video (was|has been) (deleted|removed)|maybe it got deleted|has been deleted|is no longer available|no such (file|video)|removed (due to|because of|for) (a )?(copyright|dmca)|file is expired|video is unavailable)",
    )
    .unwrap()
});

/// The error for a page without the expected data: what the page says about why (see
/// [`unavailable`]), else a layout error naming `what` was looked for.
pub(crate) fn missing(hoster: &str, url: &str, body: &str, what: &str) -> HosterError {
    unavailable(hoster, url, body).unwrap_or_else(|| layout(hoster, url, what))
}

/// What a hoster page says about why there is no video, as a typed error: a human
/// verification, a block of this address, or a deleted file; None when it says none of these.
/// Extractors ask this when their pattern is missing, before reporting a layout change.
pub(crate) fn unavailable(hoster: &str, url: &str, body: &str) -> Option<HosterError> {
    let (hoster, url) = (hoster.to_string(), url.to_string());
    if let Some(m) = VERIFICATION.find(body) {
        let seen = m.as_str().to_ascii_lowercase();
        let reason = if seen.contains("turnstile") {
            "Cloudflare Turnstile"
        } else if seen.contains("hcaptcha") || seen.contains("h-captcha") {
            "hCaptcha"
        } else if seen.contains("recaptcha") {
            "reCAPTCHA"
        } else if seen.contains("ddg") || seen.contains("checking your browser") {
            "DDoS-Guard browser check"
        } else if seen.contains("cf") || seen.contains("cdn-cgi") || seen.contains("just a moment")
        {
            "Cloudflare browser check"
        } else {
            "captcha"
        };
        return Some(HosterError::VerificationRequired {
            hoster,
            url,
            reason: reason.into(),
        });
    }
    if let Some(m) = BLOCKED.find(body) {
        return Some(HosterError::Blocked {
            hoster,
            url,
            reason: format!("the page says {:?}", m.as_str()),
        });
    }
    DELETED.find(body).map(|m| HosterError::Deleted {
        hoster,
        url,
        reason: format!("the page says {:?}", m.as_str()),
    })
}

/// A `Layout` error.
pub(crate) fn layout(hoster: &str, url: &str, what: impl Into<String>) -> HosterError {
    HosterError::Layout {
        hoster: hoster.to_string(),
        url: url.to_string(),
        what: what.into(),
    }
}

/// A `Decode` error.
pub(crate) fn decode_err(hoster: &str, url: &str, step: impl Into<String>) -> HosterError {
    HosterError::Decode {
        hoster: hoster.to_string(),
        url: url.to_string(),
        step: step.into(),
    }
}

/// Parses an absolute http(s) URL.
pub(crate) fn parse_url(hoster: &str, url: &str) -> Result<url::Url, HosterError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        _ => Err(layout(hoster, url, "not an absolute http(s) URL")),
    }
}

/// `scheme://host[:port]` of an absolute URL.
pub(crate) fn origin(hoster: &str, url: &str) -> Result<String, HosterError> {
    Ok(parse_url(hoster, url)?.origin().ascii_serialization())
}

/// Resolves `reference` (absolute, scheme-relative or relative) against `base`.
pub(crate) fn join(hoster: &str, base: &str, reference: &str) -> Result<String, HosterError> {
    let b = parse_url(hoster, base)?;
    let u = b
        .join(reference.trim())
        .map_err(|_| layout(hoster, base, format!("bad link {reference:?}")))?;
    if matches!(u.scheme(), "http" | "https") {
        Ok(u.to_string())
    } else {
        Err(layout(
            hoster,
            base,
            format!("not an http(s) link: {reference:?}"),
        ))
    }
}

/// The last non-empty path segment of a URL (a hoster's file code).
pub(crate) fn last_segment(url: &url::Url) -> Option<String> {
    url.path_segments()?
        .rev()
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

/// Decodes base64 in the standard or URL-safe alphabet, padded or not, ignoring whitespace.
pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    let clean: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STD.decode(&clean).or_else(|_| URL_SAFE.decode(&clean)).ok()
}

/// Encodes bytes as padded standard base64.
#[cfg(test)]
pub(crate) fn b64_encode(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Reads the JavaScript string literal that starts at byte `start` of `src` (which must be a
/// quote); returns the unescaped value and the byte index just past the closing quote.
pub(crate) fn read_js_string(src: &str, start: usize) -> Option<(String, usize)> {
    let quote = *src.as_bytes().get(start)?;
    if !matches!(quote, b'\'' | b'"' | b'`') {
        return None;
    }
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c as u32 == quote as u32 => return Some((out, start + 1 + i + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'x' => {
                        let h: String = (0..2).filter_map(|_| chars.next().map(|x| x.1)).collect();
                        out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                    }
                    'u' => {
                        let h: String = (0..4).filter_map(|_| chars.next().map(|x| x.1)).collect();
                        out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// ROT13 on ASCII letters; everything else unchanged.
pub(crate) fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

/// Swaps the case of ASCII letters.
pub(crate) fn swap_case(s: &str) -> String {
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

/// Reverses a string by characters.
pub(crate) fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

/// Whether a URL looks like an HLS playlist.
pub(crate) fn looks_like_hls(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    path.ends_with(".m3u8") || path.ends_with(".m3u") || path.contains("master")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_strings() {
        let check = |src: &str, want: Option<(&str, usize)>| {
            assert_eq!(
                read_js_string(src, 0),
                want.map(|(s, n)| (s.to_string(), n)),
                "{src}"
            );
        };
        check(r"'abc' rest", Some(("abc", 5)));
        check(r#""a\"b""#, Some(("a\"b", 6)));
        check(r"'it\'s\x41\u0042'", Some(("it'sAB", 17)));
        check(r"'open", None);
        check("x'", None);
    }

    #[test]
    fn urls() {
        assert_eq!(
            origin("T", "http://127.0.0.1:8080/e/abc?x=1").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            join("T", "http://a.b/e/1", "//c.d/x").unwrap(),
            "http://c.d/x"
        );
        assert!(join("T", "http://a.b/e/1", "javascript:alert(1)").is_err());
        assert!(origin("T", "not a url").is_err());
        assert!(origin("T", "file:///etc/passwd").is_err());
    }

    #[test]
    fn text_helpers() {
        assert_eq!(rot13("Hello, World!"), "Uryyb, Jbeyq!");
        assert_eq!(swap_case("aB1"), "Ab1");
        assert_eq!(reverse("abc"), "cba");
        assert_eq!(b64_decode("aGk").unwrap(), b"hi");
        assert_eq!(b64_decode("aGk=").unwrap(), b"hi");
        assert_eq!(b64_decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(b64_decode("%%%").is_none());
        assert!(looks_like_hls("http://x/master.m3u8?t=1"));
        assert!(!looks_like_hls("http://x/v.mp4"));
    }
}
