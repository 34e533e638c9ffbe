//! When a changed rescan looks a series up although no change signal names it: the re-check
//! rules (docs/rescans.md).
//!
//! Every series is re-checked once per period: [`RecheckPolicy::ongoing`] while it runs,
//! [`RecheckPolicy::ended`] once its catalogue page gives an end year. The re-checks of a
//! library are spread over the period instead of coming all at once: each series has a fixed
//! offset within the period ([`phase`], a hash of its key), and its re-checks are planned at that
//! offset of every period counted from the Unix epoch ([`next_check`]). A series scanned for any
//! reason keeps its offset, so the load stays spread. At most [`RecheckPolicy::max_per_run`]
//! re-checks go into one rescan, longest unchecked first; the rest wait for the next run.

use aniworld_core::config::SchedulerConfig;
use aniworld_core::ports::DueQuery;
use chrono::{DateTime, Duration, Utc};

/// The re-check periods and the cap of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecheckPolicy {
    /// Period of a series that is still running.
    pub ongoing: Duration,
    /// Period of a series whose run has ended.
    pub ended: Duration,
    /// Most re-checks in one changed rescan.
    pub max_per_run: usize,
}

impl Default for RecheckPolicy {
    fn default() -> Self {
        Self::from_config(&SchedulerConfig::default())
    }
}

impl RecheckPolicy {
    /// The policy of the `scheduler` section (`ongoing_recheck_days`, `ended_recheck_days`,
    /// `max_rechecks_per_run`); a period is at least a day.
    pub fn from_config(cfg: &SchedulerConfig) -> Self {
        Self {
            ongoing: Duration::days(i64::from(cfg.ongoing_recheck_days.max(1))),
            ended: Duration::days(i64::from(cfg.ended_recheck_days.max(1))),
            max_per_run: cfg.max_rechecks_per_run as usize,
        }
    }

    /// The period of a series.
    pub fn period(&self, ended: bool) -> Duration {
        if ended { self.ended } else { self.ongoing }
    }

    /// The series due at `now`: planned re-checks that have come, and series last scanned a
    /// whole period ago or longer (those planned under a longer period, or never planned).
    pub fn due_query(&self, now: DateTime<Utc>) -> DueQuery {
        DueQuery {
            now,
            ongoing_scanned_before: now - self.ongoing,
            ended_scanned_before: now - self.ended,
            limit: self.max_per_run,
        }
    }
}

/// The offset of a series' re-checks within a period, as a fraction in `[0, 1)`: a stable
/// hash of its key (64-bit FNV-1a, mixed with MurmurHash3's finaliser so that keys that differ
/// in one character land far apart), the same on every machine and in every version.
pub fn phase(key: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    // The top 53 bits as a fraction: exact in an f64 and strictly below 1.
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The first planned re-check of `key` after `after`: the next time, later than `after`, that
/// lies at the key's offset ([`phase`]) within a period counted from the Unix epoch. It is at
/// most one period after `after`.
pub fn next_check(
    key: &str,
    ended: bool,
    after: DateTime<Utc>,
    policy: &RecheckPolicy,
) -> DateTime<Utc> {
    let period = policy.period(ended).num_seconds().max(1);
    let offset = (phase(key) * period as f64) as i64;
    let t = after.timestamp();
    // The last planned time at or before `after`, then the one after it.
    let last = offset + (t - offset).div_euclid(period) * period;
    let next = last + period;
    DateTime::<Utc>::from_timestamp(next, 0).unwrap_or(after + policy.period(ended))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    #[test]
    fn phases_are_stable_spread_and_below_one() {
        assert_eq!(phase("attack-on-titan"), phase("attack-on-titan"));
        assert_ne!(phase("a"), phase("b"));
        let mut days = [0usize; 7];
        for i in 0..7000 {
            let p = phase(&format!("series-{i}"));
            assert!((0.0..1.0).contains(&p), "{p}");
            days[(p * 7.0) as usize] += 1;
        }
        // 1,000 per day expected; a stable hash of the keys stays close to it.
        for n in days {
            assert!((850..1150).contains(&n), "{days:?}");
        }
    }

    #[test]
    fn the_next_check_is_within_a_period_at_the_keys_offset() {
        let policy = RecheckPolicy::default();
        for key in ["one", "two", "three", "s.to:four"] {
            for ended in [false, true] {
                let after = at(10, 12);
                let next = next_check(key, ended, after, &policy);
                assert!(
                    next > after && next <= after + policy.period(ended),
                    "{key}"
                );
                // The same time from anywhere in the period before it; the next period after it.
                assert_eq!(
                    next_check(key, ended, next - Duration::seconds(1), &policy),
                    next
                );
                assert_eq!(
                    next_check(key, ended, next, &policy),
                    next + policy.period(ended)
                );
            }
        }
    }

    #[test]
    fn a_library_scanned_at_once_is_rechecked_over_the_whole_period() {
        let policy = RecheckPolicy::default();
        let scanned = at(1, 3);
        let mut per_day = [0usize; 7];
        for i in 0..700 {
            let next = next_check(&format!("k{i}"), false, scanned, &policy);
            per_day[((next - scanned).num_hours() / 24) as usize] += 1;
        }
        assert!(
            per_day.iter().all(|&n| (60..140).contains(&n)),
            "{per_day:?}"
        );
    }

    #[test]
    fn the_policy_follows_the_configuration_and_due_cut_offs_are_a_period_back() {
        let cfg = SchedulerConfig {
            ongoing_recheck_days: 3,
            ended_recheck_days: 60,
            max_rechecks_per_run: 7,
            ..SchedulerConfig::default()
        };
        let p = RecheckPolicy::from_config(&cfg);
        assert_eq!(
            (p.ongoing, p.ended, p.max_per_run),
            (Duration::days(3), Duration::days(60), 7)
        );
        let now = at(20, 0);
        let q = p.due_query(now);
        assert_eq!(q.now, now);
        assert_eq!(q.ongoing_scanned_before, now - Duration::days(3));
        assert_eq!(q.ended_scanned_before, now - Duration::days(60));
        assert_eq!(q.limit, 7);
    }
}
