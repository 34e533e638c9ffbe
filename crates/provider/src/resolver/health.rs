//! Hoster health: how recent extraction attempts of each hoster went.
//!
//! Every attempt is recorded with its time and outcome; attempts older than 24 hours are
//! forgotten. A hoster with no success and at least [`FAILING_THRESHOLD`] failures in that window
//! counts as "failing all day" and is tried last. The tracker is cheap to clone and shared
//! between the resolver and whoever shows the health (the server's UI and /health/detailed).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use aniworld_core::ports::{HosterHealth, HosterHealthMap};
use chrono::{DateTime, Duration, Utc};

/// Failures within the window (and no success) after which a hoster counts as failing.
pub const FAILING_THRESHOLD: u32 = 3;

/// Most attempts remembered per hoster (the oldest are dropped first).
const MAX_EVENTS: usize = 1000;

#[derive(Debug, Default)]
struct Record {
    /// (time, success) of attempts, oldest first.
    events: VecDeque<(DateTime<Utc>, bool)>,
    last_error: Option<String>,
    last_attempt: Option<DateTime<Utc>>,
}

/// Shared per-hoster attempt history over the last 24 hours.
#[derive(Debug, Clone, Default)]
pub struct HealthTracker {
    inner: Arc<Mutex<BTreeMap<String, Record>>>,
}

fn window() -> Duration {
    Duration::hours(24)
}

impl HealthTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a successful extraction of `hoster` at `at`.
    pub fn record_success(&self, hoster: &str, at: DateTime<Utc>) {
        self.record(hoster, at, None);
    }

    /// Records a failed extraction of `hoster` at `at` with its reason.
    pub fn record_failure(&self, hoster: &str, at: DateTime<Utc>, error: &str) {
        self.record(hoster, at, Some(error));
    }

    fn record(&self, hoster: &str, at: DateTime<Utc>, error: Option<&str>) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let rec = map.entry(hoster.to_string()).or_default();
        rec.events.push_back((at, error.is_none()));
        while rec.events.len() > MAX_EVENTS {
            rec.events.pop_front();
        }
        rec.last_error = error.map(str::to_string);
        rec.last_attempt = Some(rec.last_attempt.map_or(at, |t| t.max(at)));
    }

    /// Whether `hoster` has been failing all day as of `now`.
    pub fn is_failing(&self, hoster: &str, now: DateTime<Utc>) -> bool {
        let map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(hoster).is_some_and(|r| {
            let (ok, failed) = counts(r, now);
            ok == 0 && failed >= FAILING_THRESHOLD
        })
    }

    /// Health of every hoster seen, counted over the 24 hours before `now`.
    pub fn snapshot_at(&self, now: DateTime<Utc>) -> HosterHealthMap {
        let map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        map.iter()
            .map(|(name, r)| {
                let (successes, failures) = counts(r, now);
                let health = HosterHealth {
                    hoster: name.clone(),
                    successes,
                    failures,
                    last_error: r.last_error.clone(),
                    last_attempt: r.last_attempt,
                };
                (name.clone(), health)
            })
            .collect()
    }

    /// Health of every hoster seen, over the last 24 hours.
    pub fn snapshot(&self) -> HosterHealthMap {
        self.snapshot_at(Utc::now())
    }
}

/// (successes, failures) within the window ending at `now`.
fn counts(r: &Record, now: DateTime<Utc>) -> (u32, u32) {
    let since = now - window();
    r.events
        .iter()
        .filter(|(t, _)| *t > since && *t <= now)
        .fold((0, 0), |(ok, bad), (_, success)| {
            if *success {
                (ok + 1, bad)
            } else {
                (ok, bad + 1)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_the_last_day() {
        let t = HealthTracker::new();
        let now = Utc::now();
        t.record_success("VOE", now - Duration::hours(30));
        for h in [1, 2, 3] {
            t.record_failure("VOE", now - Duration::hours(h), "boom");
        }
        let snap = t.snapshot_at(now);
        let voe = &snap["VOE"];
        assert_eq!((voe.successes, voe.failures), (0, 3));
        assert_eq!(voe.last_error.as_deref(), Some("boom"));
        assert_eq!(voe.last_attempt, Some(now - Duration::hours(1)));
        assert!(t.is_failing("VOE", now));
        t.record_success("VOE", now);
        assert!(!t.is_failing("VOE", now));
        assert_eq!(t.snapshot_at(now)["VOE"].last_error, None);
        assert!(!t.is_failing("Vidoza", now));
    }

    #[test]
    fn two_failures_are_not_yet_failing() {
        let t = HealthTracker::new();
        let now = Utc::now();
        t.record_failure("Filemoon", now, "x");
        t.record_failure("Filemoon", now, "y");
        assert!(!t.is_failing("Filemoon", now));
        assert!(!t.is_failing("Filemoon", now + Duration::hours(25)));
    }
}
