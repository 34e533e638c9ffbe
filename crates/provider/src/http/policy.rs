//! The retry, pacing and status policy of the HTTP client, as pure functions.

use std::time::{Duration, Instant};

use super::{HttpOptions, Page};
use crate::error::ProviderError;

/// Scheme, host and port of a URL (the unit pacing, cookies and blocks apply to).
pub(crate) fn origin_key(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str()?.to_ascii_lowercase(),
        u.port_or_known_default()?
    ))
}

/// The delay before retry number `attempt + 1`: `Retry-After` when the server sent one,
/// else `backoff_base * 2^attempt`; never more than `backoff_max`.
pub(crate) fn retry_delay(
    attempt: u32,
    retry_after: Option<Duration>,
    opts: &HttpOptions,
) -> Duration {
    retry_after
        .unwrap_or_else(|| opts.backoff_base.saturating_mul(1 << attempt.min(16)))
        .min(opts.backoff_max)
}

/// A `Retry-After` value: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    Some(Duration::from_secs(secs.max(0).unsigned_abs()))
}

/// Reserves the next request slot of a paced host: the later of `now` and `*next`; moves
/// `*next` one interval past it, so concurrent callers queue up one interval apart.
pub(crate) fn reserve_slot(next: &mut Instant, now: Instant, interval: Duration) -> Instant {
    let slot = (*next).max(now);
    *next = slot + interval;
    slot
}

/// Maps a final status to the page or an error.
pub(crate) fn check_status(page: Page) -> Result<Page, ProviderError> {
    match page.status {
        200..=299 => Ok(page),
        404 | 410 => Err(ProviderError::NotFound {
            what: page.final_url,
        }),
        status => Err(ProviderError::Http {
            url: page.final_url,
            status,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_keys() {
        assert_eq!(
            origin_key("https://AniWorld.to/anime").as_deref(),
            Some("https://aniworld.to:443")
        );
        assert_eq!(
            origin_key("http://127.0.0.1:8080/x").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_key("/relative"), None);
    }

    #[test]
    fn pacing_slots_are_one_interval_apart() {
        let start = Instant::now();
        let i = Duration::from_millis(250);
        let mut next = start;
        assert_eq!(reserve_slot(&mut next, start, i), start);
        assert_eq!(reserve_slot(&mut next, start, i), start + i);
        assert_eq!(reserve_slot(&mut next, start, i), start + i * 2);
        // A caller arriving after a quiet period goes at once.
        let later = start + Duration::from_secs(10);
        assert_eq!(reserve_slot(&mut next, later, i), later);
    }

    #[test]
    fn retry_delays() {
        let opts = HttpOptions {
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            ..HttpOptions::default()
        };
        let d = |a, ra| retry_delay(a, ra, &opts).as_secs();
        assert_eq!((d(0, None), d(1, None), d(2, None)), (1, 2, 4));
        assert_eq!(d(10, None), 30, "capped");
        assert_eq!(d(0, Some(Duration::from_secs(7))), 7, "Retry-After wins");
        assert_eq!(d(0, Some(Duration::from_secs(3600))), 30, "and is bounded");
        assert_eq!(d(40, None), 30, "no overflow");
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after(" 5 "), Some(Duration::from_secs(5)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        let future = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let d = parse_retry_after(&future).unwrap().as_secs();
        assert!((100..=120).contains(&d), "{d}");
        assert_eq!(parse_retry_after("soon"), None);
    }
}
