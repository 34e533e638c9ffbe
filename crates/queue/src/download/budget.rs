//! [`HostBudget`]: a per-host request budget shared by every download.
//!
//! Each host gets a token bucket (requests per second, with a burst of one second's worth) and a
//! counting semaphore (open connections). A request first waits for a connection slot, then for a
//! token; both waits notice cancellation within a tenth of a second. The limits can change while
//! downloads run ([`HostBudget::set_limits`]); waiting requests see new limits within a tenth of
//! a second as well.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use aniworld_core::ports::CancelToken;

use super::DownloadError;

/// How long one wait step lasts before the cancel token is checked again.
const WAIT_STEP: Duration = Duration::from_millis(100);

/// Requests-per-second and connection limits per host, shared (through an `Arc`) by all downloads.
#[derive(Debug)]
pub struct HostBudget {
    requests_per_second: AtomicU32,
    max_connections: AtomicU32,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
}

#[derive(Debug)]
struct HostState {
    /// (tokens available, time of the last refill).
    bucket: Mutex<(f64, Instant)>,
    /// Open connections.
    open: Mutex<u32>,
    freed: Condvar,
}

/// One open connection slot to a host; released when dropped.
#[derive(Debug)]
pub struct HostPermit {
    state: Option<Arc<HostState>>,
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            let mut open = state.open.lock().unwrap_or_else(|e| e.into_inner());
            *open = open.saturating_sub(1);
            state.freed.notify_one();
        }
    }
}

impl HostBudget {
    /// A budget allowing `requests_per_second` new requests and `max_connections_per_host` open
    /// connections to each host. Zero means "no limit" for either.
    pub fn new(requests_per_second: u32, max_connections_per_host: u32) -> Self {
        Self {
            requests_per_second: AtomicU32::new(requests_per_second),
            max_connections: AtomicU32::new(max_connections_per_host),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Changes both limits for every request from now on (zero means "no limit").
    pub fn set_limits(&self, requests_per_second: u32, max_connections_per_host: u32) {
        let before = (
            self.requests_per_second
                .swap(requests_per_second, Ordering::Relaxed),
            self.max_connections
                .swap(max_connections_per_host, Ordering::Relaxed),
        );
        if before != (requests_per_second, max_connections_per_host) {
            log::info!(
                "per-host download budget: {requests_per_second} requests/s, \
                 {max_connections_per_host} connections (0 = no limit)"
            );
            let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            for state in hosts.values() {
                state.freed.notify_all();
            }
        }
    }

    /// The limits in force: (requests per second, connections per host); zero means no limit.
    pub fn limits(&self) -> (u32, u32) {
        (
            self.requests_per_second.load(Ordering::Relaxed),
            self.max_connections.load(Ordering::Relaxed),
        )
    }

    /// A budget without limits (for tools and benchmarks).
    pub fn unlimited() -> Self {
        Self::new(0, 0)
    }

    fn state(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| {
                Arc::new(HostState {
                    bucket: Mutex::new((
                        f64::from(self.requests_per_second.load(Ordering::Relaxed)),
                        Instant::now(),
                    )),
                    open: Mutex::new(0),
                    freed: Condvar::new(),
                })
            })
            .clone()
    }

    /// Waits for a connection slot and a request token for `host`. The slot is held until the
    /// returned permit is dropped.
    pub fn acquire(&self, host: &str, cancel: &CancelToken) -> Result<HostPermit, DownloadError> {
        let (rate, max) = self.limits();
        if rate == 0 && max == 0 {
            return Ok(HostPermit { state: None });
        }
        let state = self.state(host);
        if max > 0 {
            let mut open = state.open.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                let max = self.max_connections.load(Ordering::Relaxed);
                if max == 0 || *open < max {
                    break;
                }
                if cancel.is_cancelled() {
                    return Err(DownloadError::Cancelled);
                }
                open = state
                    .freed
                    .wait_timeout(open, WAIT_STEP)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            *open += 1;
        }
        // From here on the slot is ours: dropping the permit gives it back on any early return.
        let permit = HostPermit {
            state: (max > 0).then(|| state.clone()),
        };
        self.take_token(&state, cancel)?;
        Ok(permit)
    }

    fn take_token(&self, state: &HostState, cancel: &CancelToken) -> Result<(), DownloadError> {
        loop {
            if cancel.is_cancelled() {
                return Err(DownloadError::Cancelled);
            }
            let rate = f64::from(self.requests_per_second.load(Ordering::Relaxed));
            if rate == 0.0 {
                return Ok(());
            }
            let wait = {
                let mut bucket = state.bucket.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let refill = now.duration_since(bucket.1).as_secs_f64() * rate;
                bucket.0 = (bucket.0 + refill).min(rate.max(1.0));
                bucket.1 = now;
                if bucket.0 >= 1.0 {
                    bucket.0 -= 1.0;
                    return Ok(());
                }
                Duration::from_secs_f64((1.0 - bucket.0) / rate)
            };
            thread::sleep(wait.min(WAIT_STEP));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn connection_limit_is_never_exceeded() {
        let budget = Arc::new(HostBudget::new(0, 2));
        let cancel = CancelToken::new();
        let open = Arc::new(AtomicU32::new(0));
        let peak = Arc::new(AtomicU32::new(0));
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (budget, cancel, open, peak) =
                    (budget.clone(), cancel.clone(), open.clone(), peak.clone());
                thread::spawn(move || {
                    let _p = budget.acquire("media.example", &cancel).unwrap();
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(20));
                    open.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(peak.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn waiting_for_a_slot_notices_cancellation() {
        let budget = HostBudget::new(0, 1);
        let cancel = CancelToken::new();
        let _held = budget.acquire("h", &cancel).unwrap();
        cancel.cancel();
        assert!(matches!(
            budget.acquire("h", &cancel),
            Err(DownloadError::Cancelled)
        ));
        // Other hosts are independent, but the token is cancelled for them as well only when
        // they would have to wait.
        assert!(budget.acquire("other", &CancelToken::new()).is_ok());
    }

    #[test]
    fn tokens_run_out_after_the_burst() {
        let budget = HostBudget::new(3, 0);
        let cancel = CancelToken::new();
        for _ in 0..3 {
            budget.acquire("h", &cancel).unwrap();
        }
        let bucket = budget.state("h").bucket.lock().unwrap().0;
        assert!(bucket < 1.0, "burst of 3 used up, {bucket} left");
    }

    #[test]
    fn changed_limits_apply_to_requests_already_waiting() {
        let budget = Arc::new(HostBudget::new(0, 1));
        let cancel = CancelToken::new();
        let _held = budget.acquire("h", &cancel).unwrap();
        let waiting = {
            let (budget, cancel) = (budget.clone(), cancel.clone());
            thread::spawn(move || budget.acquire("h", &cancel).map(|_| ()))
        };
        thread::sleep(Duration::from_millis(50));
        assert!(
            !waiting.is_finished(),
            "the second request waits for the one slot"
        );
        budget.set_limits(0, 2);
        assert!(waiting.join().unwrap().is_ok());
        assert_eq!(budget.limits(), (0, 2));
        budget.set_limits(0, 0);
        assert!(budget.acquire("h", &cancel).is_ok(), "no limit any more");
    }
}
