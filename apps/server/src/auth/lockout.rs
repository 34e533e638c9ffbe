//! The login lockout: after [`THRESHOLD`] failed logins in a row (all clients together, as there
//! is one password) login is refused for a period that doubles with every further failure,
//! from [`BASE_SECS`] up to [`MAX_SECS`].

use chrono::{DateTime, Duration, Utc};

/// Failed logins in a row that start the lockout.
pub const THRESHOLD: usize = 5;
/// Lockout after exactly [`THRESHOLD`] failures, in seconds.
pub const BASE_SECS: i64 = 30;
/// Longest lockout, in seconds.
pub const MAX_SECS: i64 = 3600;

/// Length of the lockout after `failures` failed logins in a row (zero below the threshold).
pub fn lock_duration(failures: usize) -> Duration {
    if failures < THRESHOLD {
        return Duration::zero();
    }
    let doublings = (failures - THRESHOLD).min(20) as u32;
    Duration::seconds(BASE_SECS.saturating_mul(1_i64 << doublings).min(MAX_SECS))
}

/// Seconds until login is allowed again, given the failed attempts since the last success
/// (oldest first), or None when login is open.
pub fn retry_after(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u64> {
    let last = failures.iter().max()?;
    let until = *last + lock_duration(failures.len());
    let wait = (until - now).num_milliseconds();
    (wait > 0).then(|| ((wait + 999) / 1000) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_caps() {
        assert_eq!(lock_duration(4), Duration::zero());
        assert_eq!(lock_duration(5), Duration::seconds(30));
        assert_eq!(lock_duration(6), Duration::seconds(60));
        assert_eq!(lock_duration(7), Duration::seconds(120));
        assert_eq!(lock_duration(60), Duration::seconds(MAX_SECS));
    }

    #[test]
    fn retry_after_counts_from_the_last_failure() {
        let now = Utc::now();
        let fails: Vec<_> = (0..5).map(|i| now - Duration::seconds(10 - i)).collect();
        // the last failure was 6 s ago; 30 s lock -> 24 s left
        assert_eq!(retry_after(&fails, now), Some(24));
        assert_eq!(retry_after(&fails[..4], now), None);
        assert_eq!(retry_after(&fails, now + Duration::seconds(40)), None);
        assert_eq!(retry_after(&[], now), None);
    }
}
