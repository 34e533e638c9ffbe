//! The service's keyed rate limiters: login/setup requests per client address and `/api/*`
//! requests per Origin (GCRA from `governor`), each rebuilt when its configured rate changes.
//! The middleware that applies them is in `security.rs`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

type Limiter<K> = DefaultKeyedRateLimiter<K>;

/// A keyed limiter that is rebuilt when its configured rate changes.
struct Tunable<K: std::hash::Hash + Eq + Clone> {
    current: Mutex<(u32, Arc<Limiter<K>>)>,
    checks: AtomicU64,
}

impl<K: std::hash::Hash + Eq + Clone> Tunable<K> {
    fn new() -> Self {
        Self {
            current: Mutex::new((0, Arc::new(Limiter::keyed(quota(1))))),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one request of `key`; Err(seconds to wait) when the limit is exceeded.
    fn check(&self, key: &K, per_minute: u32) -> Result<(), u64> {
        let limiter = {
            let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
            if cur.0 != per_minute {
                *cur = (per_minute, Arc::new(Limiter::keyed(quota(per_minute))));
            }
            cur.1.clone()
        };
        // Forget keys that are fully replenished now and then, so the map stays small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            limiter.retain_recent();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// `per_minute` requests per 60 s, all of them available at once.
fn quota(per_minute: u32) -> Quota {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(Duration::from_secs(60) / n.get())
        .unwrap_or(Quota::per_minute(n))
        .allow_burst(n)
}

/// The service's rate limiters.
pub struct RateLimits {
    auth: Tunable<IpAddr>,
    origin: Tunable<String>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            auth: Tunable::new(),
            origin: Tunable::new(),
        }
    }
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimits")
    }
}

impl RateLimits {
    /// Counts a login/setup request of `client`.
    pub fn check_auth(&self, client: IpAddr, per_minute: u32) -> Result<(), u64> {
        self.auth.check(&client, per_minute)
    }

    /// Counts an `/api/*` request from `origin`.
    pub fn check_origin(&self, origin: &str, per_minute: u32) -> Result<(), u64> {
        let key: String = origin
            .chars()
            .take(256)
            .collect::<String>()
            .to_ascii_lowercase();
        self.origin.check(&key, per_minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_limit_trips() {
        let limits = RateLimits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..5 {
            assert!(limits.check_auth(ip, 5).is_ok());
        }
        let wait = limits.check_auth(ip, 5).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        // another client is not affected
        assert!(limits.check_auth("10.0.0.2".parse().unwrap(), 5).is_ok());
    }

    #[test]
    fn origins_are_counted_case_insensitively_and_rates_can_change() {
        let limits = RateLimits::default();
        assert!(limits.check_origin("http://A.example", 2).is_ok());
        assert!(limits.check_origin("http://a.example", 2).is_ok());
        assert!(limits.check_origin("http://a.example", 2).is_err());
        // a new rate starts a fresh limiter
        assert!(limits.check_origin("http://a.example", 3).is_ok());
    }
}
