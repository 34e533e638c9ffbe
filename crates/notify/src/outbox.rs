//! [`Outbox`]: notifications stored first, then delivered by a worker.
//!
//! ```text
//!  enqueue --> pending --try ok--> delivered
//!                |  \--network error / 5xx, tries left--> pending (next try after 1x, 2x, 4x
//!                |                                          retry_backoff_seconds)
//!                |  \--4xx, or the 4th try failed--> failed (a log line; the target is failing)
//!                \--quiet hours, not a failure--> held --quiet hours over--> summarized, and
//!                                                 one `summary` entry pending in their place
//! ```
//!
//! One dispatcher thread (`notify-outbox`) reads the pending entries, oldest first, and hands
//! the first due entry of each target to a delivery thread of its own (`notify-<target>`), one
//! at a time per target: a slow or dead target only ever delays itself. Every try is saved
//! before the next one starts. At start the pending entries are made due again, so a restart
//! delivers what was left. Media servers are never held (a refresh at night disturbs nobody).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use aniworld_core::AppConfig;
use aniworld_core::notifications::{NotificationEvent, NotificationTarget};
use aniworld_core::ports::{OutboxEntry, OutboxRepo, OutboxStatus, RepoError};
use chrono::{DateTime, Utc};

use crate::deliver::{Deliverer, DeliveryError};
use crate::message::{Notification, SUMMARY_EVENT};
use crate::target::NamedTarget;

/// Tries per entry: the first and three retries.
pub const MAX_TRIES: u32 = 4;
/// Longest the dispatcher sleeps without being woken (quiet hours are checked this often).
const IDLE_WAKE: Duration = Duration::from_secs(15);
/// Finished entries are kept this long for the status, then pruned.
const KEEP_FINISHED_DAYS: i64 = 30;

/// How a test of one target went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// The target's name.
    pub target: String,
    /// Its type.
    pub kind: String,
    /// The error, or None when the test was delivered.
    pub error: Option<String>,
}

/// One target's deliveries as the status shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetStatus {
    /// The target's name.
    pub name: String,
    /// Its type.
    pub kind: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Notifications waiting for it (retries and quiet hours included).
    pub pending: u64,
    /// The last successful delivery.
    pub last_delivery_at: Option<DateTime<Utc>>,
    /// The error of the last failed try, without secrets.
    pub last_error: Option<String>,
    /// When that try was made.
    pub last_error_at: Option<DateTime<Utc>>,
    /// The last notification that finished was given up (cleared by the next delivery).
    pub failing: bool,
}

/// Every target's deliveries and whether quiet hours hold messages back now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStatus {
    /// The configured quiet hours.
    pub quiet_hours: Option<String>,
    /// Whether they hold messages back now.
    pub quiet_now: bool,
    /// Per configured target, in configuration order.
    pub targets: Vec<TargetStatus>,
}

/// Why a test could not run.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// No target has that name.
    #[error("no notification target is named {0:?}")]
    UnknownTarget(String),
    /// The outbox could not record the outcome.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

struct State {
    config: Arc<AppConfig>,
    busy: HashSet<String>,
    stop: bool,
    /// Something changed since the dispatcher last looked.
    dirty: bool,
}

struct Shared {
    repo: Arc<dyn OutboxRepo>,
    deliverer: Deliverer,
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn poke(&self) {
        self.lock().dirty = true;
        self.wake.notify_all();
    }
}

/// The notification outbox and its worker. Cheap to clone; [`Outbox::shutdown`] stops it.
#[derive(Clone)]
pub struct Outbox {
    shared: Arc<Shared>,
    dispatcher: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").finish_non_exhaustive()
    }
}

impl Outbox {
    /// Makes the stored pending entries due, prunes old finished ones and starts the worker
    /// with `config` (replace it with [`Outbox::set_config`]).
    pub fn start(repo: Arc<dyn OutboxRepo>, config: Arc<AppConfig>, deliverer: Deliverer) -> Self {
        let now = Utc::now();
        match repo.release_outbox_entries(now) {
            Ok(0) => {}
            Ok(n) => log::info!("{n} pending notifications are delivered again after the restart"),
            Err(e) => log::error!("cannot read the pending notifications: {e}"),
        }
        if let Err(e) = repo.prune_outbox_entries(now - chrono::Duration::days(KEEP_FINISHED_DAYS))
        {
            log::warn!("cannot prune old notifications: {e}");
        }
        let shared = Arc::new(Shared {
            repo,
            deliverer,
            state: Mutex::new(State {
                config,
                busy: HashSet::new(),
                stop: false,
                dirty: true,
            }),
            wake: Condvar::new(),
        });
        let s = shared.clone();
        let handle = std::thread::Builder::new()
            .name("notify-outbox".into())
            .spawn(move || dispatch(&s))
            .map_err(|e| log::error!("cannot start the notification worker: {e}"))
            .ok();
        Self {
            shared,
            dispatcher: Arc::new(Mutex::new(handle)),
        }
    }

    /// The configuration deliveries follow from now on (targets, quiet hours, backoff).
    pub fn set_config(&self, config: Arc<AppConfig>) {
        self.shared.lock().config = config;
        self.shared.poke();
    }

    /// Stores `n` once for every enabled target that gets its event (media servers only
    /// the events with a new file) and wakes the worker; returns how many entries were added.
    pub fn enqueue(&self, n: &Notification) -> Result<usize, RepoError> {
        let Some(event) = n.kind() else {
            return Ok(0);
        };
        let config = self.shared.lock().config.clone();
        let payload = serde_json::to_string(n).map_err(|e| RepoError::Backend(e.to_string()))?;
        let now = Utc::now();
        let entries: Vec<OutboxEntry> = config
            .notifications
            .targets
            .iter()
            .filter(|t| t.enabled && t.wants(event))
            .filter(|t| {
                !t.target_type().is_some_and(|k| k.is_media_server()) || event.has_new_file()
            })
            .map(|t| new_entry(&t.name, &n.event, &payload, now))
            .collect();
        if entries.is_empty() {
            return Ok(0);
        }
        self.shared.repo.add_outbox_entries(&entries)?;
        self.shared.poke();
        Ok(entries.len())
    }

    /// Sends a `test` notification now to the target named `name`, or to every enabled target
    /// when None, each on its own thread with one try; the outcomes are recorded in the status.
    pub fn test(&self, name: Option<&str>) -> Result<Vec<TestOutcome>, TestError> {
        let config = self.shared.lock().config.clone();
        let targets: Vec<NotificationTarget> = match name {
            Some(n) => vec![
                config
                    .notifications
                    .target(n)
                    .cloned()
                    .ok_or_else(|| TestError::UnknownTarget(n.to_string()))?,
            ],
            None => config
                .notifications
                .targets
                .iter()
                .filter(|t| t.enabled)
                .cloned()
                .collect(),
        };
        let threads: Vec<_> = targets
            .into_iter()
            .map(|t| {
                let deliverer = self.shared.deliverer.clone();
                let instance = config.name.clone();
                std::thread::spawn(move || {
                    let now = Utc::now();
                    let n = Notification::test(&t.name, now).from_instance(&instance);
                    let result = NamedTarget::from_config(&t)
                        .map_err(DeliveryError::permanent)
                        .and_then(|target| deliverer.deliver(&target, &n));
                    (t, n, now, result.err().map(|e| e.message))
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for th in threads {
            let Ok((t, n, at, error)) = th.join() else {
                continue;
            };
            let payload = serde_json::to_string(&n).unwrap_or_default();
            let mut e = new_entry(&t.name, &n.event, &payload, at);
            let done = Utc::now();
            e.attempts = 1;
            e.last_attempt_at = Some(done);
            e.finished_at = Some(done);
            e.status = if error.is_some() {
                OutboxStatus::Failed
            } else {
                OutboxStatus::Delivered
            };
            e.last_error = error.clone();
            self.shared.repo.add_outbox_entries(&[e])?;
            outcomes.push(TestOutcome {
                target: t.name,
                kind: t.kind,
                error,
            });
        }
        Ok(outcomes)
    }

    /// The deliveries of every configured target.
    pub fn status(&self) -> Result<DeliveryStatus, RepoError> {
        let config = self.shared.lock().config.clone();
        let mut stats = self.shared.repo.outbox_deliveries()?;
        let n = &config.notifications;
        let targets = n
            .targets
            .iter()
            .map(|t| {
                let s = stats.remove(&t.name).unwrap_or_default();
                let (last_error_at, last_error) = s.last_error.unzip();
                TargetStatus {
                    name: t.name.clone(),
                    kind: t.kind.clone(),
                    enabled: t.enabled,
                    pending: s.pending,
                    last_delivery_at: s.last_delivery_at,
                    last_error,
                    last_error_at,
                    failing: s.failing,
                }
            })
            .collect();
        Ok(DeliveryStatus {
            quiet_hours: n.quiet_hours.clone(),
            quiet_now: n.quiet_now(Utc::now(), config.scheduler.timezone.as_deref()),
            targets,
        })
    }

    /// Stops the worker (running deliveries finish on their own threads; what they leave
    /// pending is delivered after the next start). Blocks until the dispatcher has stopped.
    pub fn shutdown(&self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        let handle = self
            .dispatcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

fn new_entry(target: &str, event: &str, payload: &str, now: DateTime<Utc>) -> OutboxEntry {
    OutboxEntry {
        id: 0,
        target: target.to_string(),
        event: event.to_string(),
        payload: payload.to_string(),
        created_at: now,
        status: OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        held: false,
        last_attempt_at: None,
        last_error: None,
        finished_at: None,
    }
}

/// The dispatcher loop: one pass, then sleep until woken, the next due try or [`IDLE_WAKE`].
fn dispatch(shared: &Arc<Shared>) {
    loop {
        let wait = match pass(shared) {
            Ok(wait) => wait,
            Err(e) => {
                log::error!("notification outbox: {e}");
                Some(Duration::from_secs(5))
            }
        };
        let mut st = shared.lock();
        if st.stop {
            return;
        }
        if !st.dirty {
            let wait = wait.unwrap_or(IDLE_WAKE).min(IDLE_WAKE);
            st = shared
                .wake
                .wait_timeout(st, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            if st.stop {
                return;
            }
        }
        st.dirty = false;
    }
}

/// Looks at every pending entry once; returns how long until the next due try (None = nothing
/// is waiting on time).
fn pass(shared: &Arc<Shared>) -> Result<Option<Duration>, RepoError> {
    let config = shared.lock().config.clone();
    let now = Utc::now();
    let quiet = config
        .notifications
        .quiet_now(now, config.scheduler.timezone.as_deref());
    // Taken before the entries are read: a try that ends after this point has its target in
    // the set (and is skipped); one that ended before it has saved its entry already. Only this
    // thread starts tries, so no entry read below can be on its way.
    let busy = shared.lock().busy.clone();
    let mut by_target: BTreeMap<String, Vec<OutboxEntry>> = BTreeMap::new();
    for e in shared.repo.pending_outbox_entries()? {
        by_target.entry(e.target.clone()).or_default().push(e);
    }
    let mut next_due: Option<DateTime<Utc>> = None;
    for (name, mut entries) in by_target {
        // A target with a try on its way is left alone (that try saves its entry); the pass
        // after it comes back looks at the target again.
        if busy.contains(&name) {
            continue;
        }
        let configured = config
            .notifications
            .target(&name)
            .filter(|t| t.enabled)
            .map(NamedTarget::from_config);
        let target = match configured {
            Some(Ok(t)) => t,
            Some(Err(why)) => {
                give_up_all(
                    shared,
                    entries,
                    &format!("the target cannot be used: {why}"),
                )?;
                continue;
            }
            None => {
                give_up_all(shared, entries, "the target was removed or disabled")?;
                continue;
            }
        };
        if !target.is_media_server() {
            if quiet {
                for e in entries.iter_mut().filter(|e| holds_back(e)) {
                    e.held = true;
                    shared.repo.save_outbox_entry(e)?;
                }
            } else if entries.iter().any(|e| e.held) {
                release_held(shared, &name, &mut entries, now)?;
            }
        }
        let Some(first) = entries.into_iter().find(|e| !e.held) else {
            continue;
        };
        if first.next_attempt_at > now {
            next_due =
                Some(next_due.map_or(first.next_attempt_at, |d| d.min(first.next_attempt_at)));
            continue;
        }
        start_delivery(
            shared,
            target,
            first,
            config.notifications.retry_backoff_seconds,
        );
    }
    Ok(next_due.map(|d| (d - now).to_std().unwrap_or_default()))
}

/// Whether quiet hours keep this entry back: never tried, and not a failure, test or summary.
fn holds_back(e: &OutboxEntry) -> bool {
    !e.held
        && e.attempts == 0
        && NotificationEvent::parse(&e.event)
            .is_some_and(|k| !k.is_failure() && k != NotificationEvent::Test)
}

/// After quiet hours: one held entry goes out as it is; several become one summary.
fn release_held(
    shared: &Shared,
    name: &str,
    entries: &mut Vec<OutboxEntry>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let held: Vec<&OutboxEntry> = entries.iter().filter(|e| e.held).collect();
    if held.len() == 1 {
        let mut e = held[0].clone();
        e.held = false;
        shared.repo.save_outbox_entry(&e)?;
        if let Some(slot) = entries.iter_mut().find(|x| x.id == e.id) {
            *slot = e;
        }
        return Ok(());
    }
    let ids: Vec<i64> = held.iter().map(|e| e.id).collect();
    let items: Vec<Notification> = held
        .iter()
        .filter_map(|e| serde_json::from_str(&e.payload).ok())
        .collect();
    let summary = Notification::summary(items, now);
    let payload = serde_json::to_string(&summary).map_err(|e| RepoError::Backend(e.to_string()))?;
    let mut entry = new_entry(name, SUMMARY_EVENT, &payload, now);
    entry.id = shared.repo.summarize_outbox_entries(&ids, &entry)?;
    entries.retain(|e| !e.held);
    // The summary is newer than every entry left, so it goes last.
    entries.push(entry);
    Ok(())
}

/// Gives up every entry of a target that cannot be delivered to.
fn give_up_all(shared: &Shared, entries: Vec<OutboxEntry>, why: &str) -> Result<(), RepoError> {
    let now = Utc::now();
    for mut e in entries {
        e.status = OutboxStatus::Failed;
        e.finished_at = Some(now);
        e.last_error = Some(why.to_string());
        e.held = false;
        shared.repo.save_outbox_entry(&e)?;
    }
    Ok(())
}

/// Delivers one entry on a thread of its own; the target counts as busy until it is saved.
fn start_delivery(shared: &Arc<Shared>, target: NamedTarget, entry: OutboxEntry, backoff: u64) {
    let name = target.name.clone();
    shared.lock().busy.insert(name.clone());
    let s = shared.clone();
    let spawned = std::thread::Builder::new()
        .name(format!(
            "notify-{}",
            name.chars().take(8).collect::<String>()
        ))
        .spawn(move || {
            finish(&s, &target, entry, backoff);
            s.lock().busy.remove(&target.name);
            s.poke();
        });
    if let Err(e) = spawned {
        log::error!("cannot start a delivery thread: {e}");
        shared.lock().busy.remove(&name);
    }
}

/// One try of an entry, saved with its outcome.
fn finish(shared: &Shared, target: &NamedTarget, mut e: OutboxEntry, backoff: u64) {
    let result = serde_json::from_str::<Notification>(&e.payload)
        .map_err(|err| {
            DeliveryError::permanent(format!("the stored notification is unreadable: {err}"))
        })
        .and_then(|n| shared.deliverer.deliver(target, &n));
    let now = Utc::now();
    e.attempts += 1;
    e.last_attempt_at = Some(now);
    match result {
        Ok(()) => {
            // The error of an earlier try stays: the status shows it with its time.
            e.status = OutboxStatus::Delivered;
            e.finished_at = Some(now);
        }
        Err(err) if err.retryable && e.attempts < MAX_TRIES => {
            let factor = 1u64 << (e.attempts - 1).min(10);
            let delay = backoff.max(1).saturating_mul(factor);
            e.next_attempt_at = now + chrono::Duration::seconds(delay as i64);
            log::info!(
                "notification {} to {:?} failed (try {} of {MAX_TRIES}, next in {delay}s): {}",
                e.event,
                target.name,
                e.attempts,
                err.message
            );
            e.last_error = Some(err.message);
        }
        Err(err) => {
            log::warn!(
                "notification {} to {:?} given up after {} {}: {}",
                e.event,
                target.name,
                e.attempts,
                if e.attempts == 1 { "try" } else { "tries" },
                err.message
            );
            e.status = OutboxStatus::Failed;
            e.finished_at = Some(now);
            e.last_error = Some(err.message);
        }
    }
    if let Err(err) = shared.repo.save_outbox_entry(&e) {
        log::error!("cannot save notification {}: {err}", e.id);
    }
}
