//! Hoster health: how recent extraction attempts of each hoster went, and which hosters are in
//! a cool-down.
//!
//! Every attempt is recorded with its time and outcome; the numbers cover the last 24 hours. A
//! hoster whose last [`HealthPolicy::threshold`] attempts failed is *degraded*: it is tried last
//! until its cool-down ends, [`HealthPolicy::cooldown`] after its last failure, doubled for each
//! further failure in a row (at most [`HealthPolicy::max_cooldown`]). After the cool-down it is
//! tried in its place again; a success ends the streak. Failures about one deleted video
//! ([`AttemptOutcome::VideoUnavailable`]) count in the numbers but never in the streak.
//!
//! With a [`HosterHealthRepo`] the tracker writes every attempt through and starts from the
//! attempts of the last day, so health (numbers and cool-downs) survives a restart. A listener
//! hears each time a hoster becomes degraded (the server sends `hoster_degraded`).
//!
//! The tracker is cheap to clone and shared between the resolver and whoever shows the health
//! (the server's UI and /health/detailed).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use aniworld_core::ports::{
    AttemptOutcome, HosterAttempt, HosterHealth, HosterHealthMap, HosterHealthRepo,
};
use chrono::{DateTime, Duration, Utc};

/// Failed attempts in a row after which a hoster is degraded (the default policy).
pub const FAILING_THRESHOLD: u32 = 3;

/// Most attempts remembered per hoster (the oldest are dropped first).
const MAX_EVENTS: usize = 1000;

/// Attempts recorded between two prunings of the stored history.
const PRUNE_EVERY: u32 = 500;

/// When a hoster counts as degraded and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthPolicy {
    /// Failed attempts in a row that make a hoster degraded.
    pub threshold: u32,
    /// Cool-down after the failure that made it degraded.
    pub cooldown: Duration,
    /// Longest cool-down (it doubles with every further failure in a row).
    pub max_cooldown: Duration,
}

impl Default for HealthPolicy {
    /// 3 failures in a row, 30 minutes, doubling up to 4 hours.
    fn default() -> Self {
        Self {
            threshold: FAILING_THRESHOLD,
            cooldown: Duration::minutes(30),
            max_cooldown: Duration::hours(4),
        }
    }
}

impl HealthPolicy {
    /// The end of the cool-down of a hoster with `streak` failures in a row, the last at `last`;
    /// None while the streak is below the threshold.
    fn until(&self, streak: u32, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if streak < self.threshold.max(1) {
            return None;
        }
        let doublings = (streak - self.threshold.max(1)).min(16);
        let mut d = self.cooldown;
        for _ in 0..doublings {
            d = (d * 2).min(self.max_cooldown);
        }
        Some(last + d.min(self.max_cooldown.max(self.cooldown)))
    }
}

/// What a listener hears when a hoster becomes degraded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HosterDegraded {
    /// Hoster name.
    pub hoster: String,
    /// Failed attempts in a row.
    pub consecutive_failures: u32,
    /// The error of the last attempt.
    pub last_error: Option<String>,
    /// The end of the cool-down.
    pub until: DateTime<Utc>,
}

/// Called (on the resolving thread) when a hoster becomes degraded.
pub type DegradedListener = Arc<dyn Fn(&HosterDegraded) + Send + Sync>;

#[derive(Debug, Default)]
struct Record {
    /// (time, outcome) of attempts, oldest first.
    events: VecDeque<(DateTime<Utc>, AttemptOutcome)>,
    last_error: Option<String>,
    last_attempt: Option<DateTime<Utc>>,
}

impl Record {
    fn push(&mut self, at: DateTime<Utc>, outcome: AttemptOutcome, error: Option<&str>) {
        // Keep time order even when attempts end out of order (parallel downloads).
        let pos = self.events.partition_point(|(t, _)| *t <= at);
        self.events.insert(pos, (at, outcome));
        while self.events.len() > MAX_EVENTS {
            self.events.pop_front();
        }
        if self.last_attempt.is_none_or(|t| at >= t) {
            self.last_error = error.map(str::to_string);
            self.last_attempt = Some(at);
        }
    }

    /// Failures in a row at the end of the history (deleted videos skipped), and the time of
    /// the last of them.
    fn streak(&self) -> (u32, Option<DateTime<Utc>>) {
        let mut n = 0;
        let mut last = None;
        for (t, o) in self.events.iter().rev() {
            match o {
                AttemptOutcome::Success => break,
                AttemptOutcome::Failure => {
                    n += 1;
                    last = last.or(Some(*t));
                }
                AttemptOutcome::VideoUnavailable => {}
            }
        }
        (n, last)
    }
}

#[derive(Default)]
struct Shared {
    records: Mutex<BTreeMap<String, Record>>,
    repo: Option<Arc<dyn HosterHealthRepo>>,
    listener: RwLock<Option<DegradedListener>>,
    policy: HealthPolicy,
    since_prune: Mutex<u32>,
}

/// Shared per-hoster attempt history.
#[derive(Clone, Default)]
pub struct HealthTracker {
    inner: Arc<Shared>,
}

impl std::fmt::Debug for HealthTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthTracker")
            .field("policy", &self.inner.policy)
            .field("persistent", &self.inner.repo.is_some())
            .finish_non_exhaustive()
    }
}

fn window() -> Duration {
    Duration::hours(24)
}

impl HealthTracker {
    /// An empty tracker that keeps its history in memory only, with the default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty in-memory tracker with `policy`.
    pub fn with_policy(policy: HealthPolicy) -> Self {
        Self {
            inner: Arc::new(Shared {
                policy,
                ..Shared::default()
            }),
        }
    }

    /// A tracker that writes every attempt to `repo` and starts from the attempts `repo` holds
    /// for the day before `now` (older ones are pruned). A store that cannot be read leaves the
    /// tracker empty (logged); the downloads go on either way.
    pub fn persistent(
        repo: Arc<dyn HosterHealthRepo>,
        policy: HealthPolicy,
        now: DateTime<Utc>,
    ) -> Self {
        let since = now - window();
        let mut records: BTreeMap<String, Record> = BTreeMap::new();
        match repo.hoster_attempts_since(since) {
            Ok(attempts) => {
                for a in &attempts {
                    records.entry(a.hoster.clone()).or_default().push(
                        a.at,
                        a.outcome,
                        a.error.as_deref(),
                    );
                }
                log::debug!(
                    "hoster health: {} attempt(s) of {} hoster(s) read back",
                    attempts.len(),
                    records.len()
                );
            }
            Err(e) => log::warn!("hoster health: cannot read the stored attempts: {e}"),
        }
        if let Err(e) = repo.prune_hoster_attempts(since) {
            log::warn!("hoster health: cannot prune old attempts: {e}");
        }
        Self {
            inner: Arc::new(Shared {
                records: Mutex::new(records),
                repo: Some(repo),
                policy,
                ..Shared::default()
            }),
        }
    }

    /// Sets who hears that a hoster became degraded (replacing any earlier listener).
    pub fn set_listener(&self, listener: DegradedListener) {
        *self
            .inner
            .listener
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(listener);
    }

    /// Records a successful extraction of `hoster` at `at`.
    pub fn record_success(&self, hoster: &str, at: DateTime<Utc>) {
        self.record(hoster, at, AttemptOutcome::Success, None);
    }

    /// Records a failed extraction of `hoster` at `at` with its reason.
    pub fn record_failure(&self, hoster: &str, at: DateTime<Utc>, error: &str) {
        self.record(hoster, at, AttemptOutcome::Failure, Some(error));
    }

    /// Records an attempt that failed because the one video is gone (deleted): it counts as a
    /// failure in the numbers but not against the hoster.
    pub fn record_video_unavailable(&self, hoster: &str, at: DateTime<Utc>, error: &str) {
        self.record(hoster, at, AttemptOutcome::VideoUnavailable, Some(error));
    }

    fn record(
        &self,
        hoster: &str,
        at: DateTime<Utc>,
        outcome: AttemptOutcome,
        error: Option<&str>,
    ) {
        let policy = self.inner.policy;
        let degraded = {
            let mut map = self
                .inner
                .records
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let rec = map.entry(hoster.to_string()).or_default();
            let was = {
                let (n, last) = rec.streak();
                last.and_then(|l| policy.until(n, l))
                    .is_some_and(|u| u > at)
            };
            rec.push(at, outcome, error);
            let (n, last) = rec.streak();
            let until = last.and_then(|l| policy.until(n, l)).filter(|u| *u > at);
            match until {
                Some(until) if !was && outcome == AttemptOutcome::Failure => Some(HosterDegraded {
                    hoster: hoster.to_string(),
                    consecutive_failures: n,
                    last_error: rec.last_error.clone(),
                    until,
                }),
                _ => None,
            }
        };
        self.persist(hoster, at, outcome, error);
        if let Some(d) = degraded {
            log::warn!(
                "hoster {} is degraded after {} failed attempts in a row; tried last until {} ({})",
                d.hoster,
                d.consecutive_failures,
                d.until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                d.last_error.as_deref().unwrap_or("no error text")
            );
            let listener = self
                .inner
                .listener
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some(l) = listener {
                l(&d);
            }
        }
    }

    fn persist(
        &self,
        hoster: &str,
        at: DateTime<Utc>,
        outcome: AttemptOutcome,
        error: Option<&str>,
    ) {
        let Some(repo) = &self.inner.repo else {
            return;
        };
        let attempt = HosterAttempt {
            hoster: hoster.to_string(),
            at,
            outcome,
            error: error.map(str::to_string),
        };
        if let Err(e) = repo.record_hoster_attempt(&attempt) {
            log::warn!("hoster health: cannot store an attempt of {hoster}: {e}");
        }
        let prune = {
            let mut n = self
                .inner
                .since_prune
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *n += 1;
            let due = *n >= PRUNE_EVERY;
            if due {
                *n = 0;
            }
            due
        };
        if prune && let Err(e) = repo.prune_hoster_attempts(at - window()) {
            log::warn!("hoster health: cannot prune old attempts: {e}");
        }
    }

    /// Whether `hoster` is degraded (in its cool-down) at `now`, so it is tried last.
    pub fn is_failing(&self, hoster: &str, now: DateTime<Utc>) -> bool {
        self.degraded_until(hoster, now).is_some()
    }

    /// The end of `hoster`'s cool-down when it is degraded at `now`.
    pub fn degraded_until(&self, hoster: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let map = self
            .inner
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (n, last) = map.get(hoster)?.streak();
        last.and_then(|l| self.inner.policy.until(n, l))
            .filter(|u| *u > now)
    }

    /// Health of every hoster seen, counted over the 24 hours before `now`.
    pub fn snapshot_at(&self, now: DateTime<Utc>) -> HosterHealthMap {
        let policy = self.inner.policy;
        let map = self
            .inner
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.iter()
            .map(|(name, r)| {
                let (successes, failures) = counts(r, now);
                let (streak, last) = r.streak();
                let health = HosterHealth {
                    hoster: name.clone(),
                    successes,
                    failures,
                    last_error: r.last_error.clone(),
                    last_attempt: r.last_attempt,
                    consecutive_failures: streak,
                    degraded_until: last
                        .and_then(|l| policy.until(streak, l))
                        .filter(|u| *u > now),
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
        .fold((0, 0), |(ok, bad), (_, outcome)| {
            if *outcome == AttemptOutcome::Success {
                (ok + 1, bad)
            } else {
                (ok, bad + 1)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aniworld_core::ports::RepoError;

    #[test]
    fn counts_only_the_last_day() {
        let t = HealthTracker::new();
        let now = Utc::now();
        t.record_success("VOE", now - Duration::hours(30));
        for h in [3, 2, 1] {
            t.record_failure("VOE", now - Duration::minutes(h), "boom");
        }
        let snap = t.snapshot_at(now);
        let voe = &snap["VOE"];
        assert_eq!((voe.successes, voe.failures), (0, 3));
        assert_eq!(voe.last_error.as_deref(), Some("boom"));
        assert_eq!(voe.last_attempt, Some(now - Duration::minutes(1)));
        assert_eq!(voe.consecutive_failures, 3);
        assert!(t.is_failing("VOE", now));
        t.record_success("VOE", now);
        assert!(!t.is_failing("VOE", now));
        let voe = &t.snapshot_at(now)["VOE"];
        assert_eq!(voe.last_error, None);
        assert_eq!((voe.consecutive_failures, voe.degraded_until), (0, None));
        assert!(!t.is_failing("Vidoza", now));
    }

    #[test]
    fn two_failures_are_not_yet_degraded() {
        let t = HealthTracker::new();
        let now = Utc::now();
        t.record_failure("Filemoon", now, "x");
        t.record_failure("Filemoon", now, "y");
        assert!(!t.is_failing("Filemoon", now));
        assert_eq!(t.snapshot_at(now)["Filemoon"].consecutive_failures, 2);
    }

    #[test]
    fn the_cool_down_ends_and_doubles_with_each_further_failure() {
        let t = HealthTracker::new();
        let t0 = Utc::now();
        for m in 0..3 {
            t.record_failure("VOE", t0 + Duration::minutes(m), "x");
        }
        let last = t0 + Duration::minutes(2);
        assert_eq!(
            t.degraded_until("VOE", last),
            Some(last + Duration::minutes(30))
        );
        assert!(t.is_failing("VOE", last + Duration::minutes(29)));
        assert!(
            !t.is_failing("VOE", last + Duration::minutes(31)),
            "tried again after it"
        );
        // The probe after the cool-down fails too: a doubled cool-down from that failure.
        let probe = last + Duration::minutes(31);
        t.record_failure("VOE", probe, "still broken");
        assert_eq!(
            t.degraded_until("VOE", probe),
            Some(probe + Duration::minutes(60))
        );
        for k in 1..10 {
            t.record_failure("VOE", probe + Duration::minutes(k), "x");
        }
        let end = probe + Duration::minutes(9);
        assert_eq!(
            t.degraded_until("VOE", end),
            Some(end + Duration::hours(4)),
            "capped"
        );
    }

    #[test]
    fn a_deleted_video_neither_counts_against_the_hoster_nor_ends_its_streak() {
        let t = HealthTracker::new();
        let now = Utc::now();
        t.record_failure("VOE", now, "a");
        t.record_video_unavailable("VOE", now + Duration::seconds(1), "deleted");
        t.record_failure("VOE", now + Duration::seconds(2), "b");
        assert!(!t.is_failing("VOE", now + Duration::seconds(2)));
        for s in 3..6 {
            t.record_video_unavailable("Vidoza", now + Duration::seconds(s), "deleted");
        }
        assert!(!t.is_failing("Vidoza", now + Duration::seconds(6)));
        let v = &t.snapshot_at(now + Duration::seconds(6))["Vidoza"];
        assert_eq!((v.failures, v.consecutive_failures), (3, 0));
        t.record_failure("VOE", now + Duration::seconds(3), "c");
        assert!(t.is_failing("VOE", now + Duration::seconds(3)));
    }

    #[test]
    fn the_listener_hears_each_new_degraded_period_once() {
        let t = HealthTracker::new();
        let heard: Arc<Mutex<Vec<HosterDegraded>>> = Arc::default();
        let h = heard.clone();
        t.set_listener(Arc::new(move |d: &HosterDegraded| {
            h.lock().unwrap().push(d.clone());
        }));
        let t0 = Utc::now();
        for m in 0..5 {
            t.record_failure("LoadX", t0 + Duration::minutes(m), &format!("e{m}"));
        }
        {
            let v = heard.lock().unwrap();
            assert_eq!(v.len(), 1, "{v:?}");
            assert_eq!(v[0].consecutive_failures, 3);
            assert_eq!(v[0].last_error.as_deref(), Some("e2"));
            assert_eq!(v[0].until, t0 + Duration::minutes(32));
        }
        // Past the cool-down, the next failure starts a new degraded period.
        t.record_failure("LoadX", t0 + Duration::hours(3), "again");
        assert_eq!(heard.lock().unwrap().len(), 2);
        t.record_success("LoadX", t0 + Duration::hours(4));
        assert_eq!(heard.lock().unwrap().len(), 2);
    }

    /// A repository in memory.
    #[derive(Default)]
    struct Memory(Mutex<Vec<HosterAttempt>>);

    impl HosterHealthRepo for Memory {
        fn record_hoster_attempt(&self, a: &HosterAttempt) -> Result<(), RepoError> {
            self.0.lock().unwrap().push(a.clone());
            Ok(())
        }
        fn hoster_attempts_since(
            &self,
            since: DateTime<Utc>,
        ) -> Result<Vec<HosterAttempt>, RepoError> {
            let mut v: Vec<HosterAttempt> = self
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|a| a.at >= since)
                .cloned()
                .collect();
            v.sort_by_key(|a| a.at);
            Ok(v)
        }
        fn prune_hoster_attempts(&self, before: DateTime<Utc>) -> Result<usize, RepoError> {
            let mut v = self.0.lock().unwrap();
            let n = v.len();
            v.retain(|a| a.at >= before);
            Ok(n - v.len())
        }
    }

    #[test]
    fn a_tracker_rebuilt_from_its_repository_keeps_numbers_and_cool_downs() {
        let repo = Arc::new(Memory::default());
        let now = Utc::now();
        let first = HealthTracker::persistent(repo.clone(), HealthPolicy::default(), now);
        first.record_success("Vidoza", now - Duration::days(2));
        first.record_success("VOE", now - Duration::minutes(10));
        for m in [6, 5, 4] {
            first.record_failure("VOE", now - Duration::minutes(m), "HTTP 502");
        }
        let before = first.snapshot_at(now);
        drop(first);
        let again = HealthTracker::persistent(repo.clone(), HealthPolicy::default(), now);
        let after = again.snapshot_at(now);
        assert_eq!(after["VOE"], before["VOE"]);
        assert!(again.is_failing("VOE", now));
        assert_eq!(after["VOE"].last_error.as_deref(), Some("HTTP 502"));
        assert!(!after.contains_key("Vidoza"), "older than a day");
        assert_eq!(
            repo.0.lock().unwrap().len(),
            4,
            "the old attempt was pruned"
        );
    }
}
