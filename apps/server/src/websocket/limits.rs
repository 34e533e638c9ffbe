//! Limits of unauthenticated WebSocket connections.
//!
//! A connection that has not authenticated (no valid `?token=`, no `auth` message yet) takes one
//! of at most [`MAX_UNAUTHENTICATED`] slots; a handshake beyond that is refused with 429. Such a
//! connection that sends nothing for [`UNAUTHENTICATED_IDLE`] is closed with a reason. The slot
//! is freed when the connection authenticates or ends. Authenticated connections are not counted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Unauthenticated connections open at once.
pub const MAX_UNAUTHENTICATED: usize = 64;
/// How long an unauthenticated connection may stay silent.
pub const UNAUTHENTICATED_IDLE: Duration = Duration::from_secs(30);

/// The limits and the count of open unauthenticated connections. Adjustable at run time (the
/// tests shorten the idle time).
#[derive(Debug)]
pub struct WsLimits {
    max_unauthenticated: AtomicUsize,
    idle_ms: AtomicU64,
    open: AtomicUsize,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self {
            max_unauthenticated: AtomicUsize::new(MAX_UNAUTHENTICATED),
            idle_ms: AtomicU64::new(UNAUTHENTICATED_IDLE.as_millis() as u64),
            open: AtomicUsize::new(0),
        }
    }
}

/// One unauthenticated connection's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct AnonymousSlot(Arc<WsLimits>);

impl Drop for AnonymousSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl WsLimits {
    /// Takes a slot for a new unauthenticated connection, or None when all are taken.
    pub fn admit(self: &Arc<Self>) -> Option<AnonymousSlot> {
        let max = self.max_unauthenticated.load(Ordering::SeqCst);
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| AnonymousSlot(self.clone()))
    }

    /// Unauthenticated connections open now.
    pub fn unauthenticated(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// How long an unauthenticated connection may stay silent.
    pub fn idle(&self) -> Duration {
        Duration::from_millis(self.idle_ms.load(Ordering::SeqCst))
    }

    /// Changes the idle time (new connections and running timers use it from the next message).
    pub fn set_idle(&self, idle: Duration) {
        self.idle_ms.store(
            idle.as_millis().min(u128::from(u64::MAX)) as u64,
            Ordering::SeqCst,
        );
    }

    /// Changes the number of unauthenticated connections allowed at once.
    pub fn set_max_unauthenticated(&self, max: usize) {
        self.max_unauthenticated.store(max, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_and_freed_on_drop() {
        let limits = Arc::new(WsLimits::default());
        limits.set_max_unauthenticated(2);
        let a = limits.admit().expect("first");
        let _b = limits.admit().expect("second");
        assert!(limits.admit().is_none());
        assert_eq!(limits.unauthenticated(), 2);
        drop(a);
        assert_eq!(limits.unauthenticated(), 1);
        assert!(limits.admit().is_some());
    }
}
