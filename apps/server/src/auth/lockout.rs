//! The login lockout and the global brake.
//!
//! - Lockout, per client address: after [`THRESHOLD`] failed logins in a row from one address,
//!   login from that address is refused for a period that doubles with every further failure,
//!   from [`BASE_SECS`] up to [`MAX_SECS`]. A success from the address resets its count. Failures
//!   from one address never lock out another, so nobody can lock the owner out by guessing.
//! - Brake, over all addresses: while more than [`BRAKE_THRESHOLD`] failures (from any addresses)
//!   fall within the last [`BRAKE_WINDOW_SECS`], every login attempt waits a short delay before
//!   the password is checked, [`BRAKE_STEP_MS`] per failure over the threshold up to
//!   [`BRAKE_MAX_MS`]. One address alone cannot reach the threshold (its lockout stops it first);
//!   guessing from many addresses becomes slow, and the owner's login still works.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

/// Failed logins in a row from one address that start its lockout.
pub const THRESHOLD: usize = 5;
/// Lockout after exactly [`THRESHOLD`] failures, in seconds.
pub const BASE_SECS: i64 = 30;
/// Longest lockout, in seconds.
pub const MAX_SECS: i64 = 3600;

/// The window in which the brake counts failures, in seconds.
pub const BRAKE_WINDOW_SECS: i64 = 15 * 60;
/// Failures (all addresses) within the window that the brake tolerates without a delay.
pub const BRAKE_THRESHOLD: usize = 20;
/// Delay added per failure over the threshold, in milliseconds.
pub const BRAKE_STEP_MS: u64 = 100;
/// Longest delay of one attempt, in milliseconds.
pub const BRAKE_MAX_MS: u64 = 3000;

/// Length of the lockout after `failures` failed logins in a row (zero below the threshold).
pub fn lock_duration(failures: usize) -> Duration {
    if failures < THRESHOLD {
        return Duration::zero();
    }
    let doublings = (failures - THRESHOLD).min(20) as u32;
    Duration::seconds(BASE_SECS.saturating_mul(1_i64 << doublings).min(MAX_SECS))
}

/// Seconds until login is allowed again, given one client's failed attempts since its last
/// success (oldest first), or None when login is open.
pub fn retry_after(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<u64> {
    let last = failures.iter().max()?;
    let until = *last + lock_duration(failures.len());
    let wait = (until - now).num_milliseconds();
    (wait > 0).then(|| ((wait + 999) / 1000) as u64)
}

/// Start of the brake's window for an attempt at `now`.
pub fn brake_window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::seconds(BRAKE_WINDOW_SECS)
}

/// The delay of one attempt, given the failures of every address within the window.
pub fn brake_delay(recent_failures: usize) -> StdDuration {
    let over = recent_failures.saturating_sub(BRAKE_THRESHOLD) as u64;
    StdDuration::from_millis(over.saturating_mul(BRAKE_STEP_MS).min(BRAKE_MAX_MS))
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

    #[test]
    fn the_brake_grows_with_the_failures_of_all_addresses_and_caps() {
        assert_eq!(brake_delay(0), StdDuration::ZERO);
        assert_eq!(brake_delay(BRAKE_THRESHOLD), StdDuration::ZERO);
        assert_eq!(
            brake_delay(BRAKE_THRESHOLD + 1),
            StdDuration::from_millis(BRAKE_STEP_MS)
        );
        assert_eq!(
            brake_delay(BRAKE_THRESHOLD + 5),
            StdDuration::from_millis(5 * BRAKE_STEP_MS)
        );
        assert_eq!(
            brake_delay(usize::MAX),
            StdDuration::from_millis(BRAKE_MAX_MS)
        );
    }
}
