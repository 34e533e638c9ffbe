//! The scheduler's notion of time, replaceable so tests can run a day's plan in seconds.

use chrono::{DateTime, Utc};

/// Tells the time and how long to really wait for some of it to pass.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// How long to block the thread until `span` of this clock's time has passed.
    fn real_duration(&self, span: chrono::Duration) -> std::time::Duration {
        span.to_std().unwrap_or_default()
    }
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
