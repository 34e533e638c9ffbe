//! [`Backoff`]: a bounded number of retries with exponentially growing, cancellable waits.

use std::thread;
use std::time::{Duration, Instant};

use aniworld_core::ports::CancelToken;

use super::DownloadError;

/// Longest single wait between two attempts.
const MAX_WAIT: Duration = Duration::from_secs(8);

/// Retry bookkeeping for one resource.
#[derive(Debug)]
pub(crate) struct Backoff {
    max_retries: u32,
    base: Duration,
    used: u32,
    progress_mark: u64,
}

impl Backoff {
    /// At most `max_retries` retries, waiting `base`, 2×`base`, 4×`base`, ... (capped).
    pub(crate) fn new(max_retries: u32, base: Duration) -> Self {
        Self {
            max_retries,
            base,
            used: 0,
            progress_mark: 0,
        }
    }

    /// Starts the retry count afresh when `position` moved since the last call.
    pub(crate) fn reset_if_progress(&mut self, position: u64) {
        if position > self.progress_mark {
            self.progress_mark = position;
            self.used = 0;
        }
    }

    /// Waits before the next attempt; false when the retries are used up. Errs with
    /// [`DownloadError::Cancelled`] as soon as `cancel` fires during the wait.
    pub(crate) fn wait(&mut self, cancel: &CancelToken) -> Result<bool, DownloadError> {
        if self.used >= self.max_retries {
            return Ok(false);
        }
        let wait = self
            .base
            .saturating_mul(1 << self.used.min(16))
            .min(MAX_WAIT);
        self.used += 1;
        sleep_cancellable(wait, cancel)?;
        Ok(true)
    }
}

/// Sleeps `d`, waking every 50 ms to check `cancel`.
pub(crate) fn sleep_cancellable(d: Duration, cancel: &CancelToken) -> Result<(), DownloadError> {
    let end = Instant::now() + d;
    loop {
        if cancel.is_cancelled() {
            return Err(DownloadError::Cancelled);
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_bounded_and_reset_on_progress() {
        let cancel = CancelToken::new();
        let mut b = Backoff::new(2, Duration::ZERO);
        assert!(b.wait(&cancel).unwrap());
        assert!(b.wait(&cancel).unwrap());
        assert!(!b.wait(&cancel).unwrap());
        b.reset_if_progress(10);
        assert!(b.wait(&cancel).unwrap());
    }

    #[test]
    fn waiting_stops_on_cancel() {
        let cancel = CancelToken::new();
        cancel.cancel();
        let mut b = Backoff::new(3, Duration::from_secs(60));
        assert!(matches!(b.wait(&cancel), Err(DownloadError::Cancelled)));
    }
}
