//! [`Backoff`]: a bounded number of retries with exponentially growing, cancellable waits; a
//! transfer that broke off after making progress is retried at once (a dropped connection, not
//! a struggling server).

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
    /// The next retry follows progress: no wait.
    immediate: bool,
}

impl Backoff {
    /// At most `max_retries` retries, waiting `base`, 2×`base`, 4×`base`, ... (capped).
    pub(crate) fn new(max_retries: u32, base: Duration) -> Self {
        Self {
            max_retries,
            base,
            used: 0,
            progress_mark: 0,
            immediate: false,
        }
    }

    /// Makes the first retry go out without waiting: for HLS segments, where one failing
    /// segment holds up the writer (and so every fetcher, once the reorder window is full), and
    /// a single 503 or dropped connection is far more common than a host in trouble.
    pub(crate) fn first_immediate(mut self) -> Self {
        self.immediate = true;
        self
    }

    /// Starts the retry count afresh when `position` moved since the last call; the next retry
    /// then goes out without waiting.
    pub(crate) fn reset_if_progress(&mut self, position: u64) {
        if position > self.progress_mark {
            self.progress_mark = position;
            self.used = 0;
            self.immediate = true;
        }
    }

    /// Waits before the next attempt; false when the retries are used up. Errs with
    /// [`DownloadError::Cancelled`] as soon as `cancel` fires during the wait.
    pub(crate) fn wait(&mut self, cancel: &CancelToken) -> Result<bool, DownloadError> {
        if self.used >= self.max_retries {
            return Ok(false);
        }
        if std::mem::take(&mut self.immediate) {
            self.used += 1;
            return if cancel.is_cancelled() {
                Err(DownloadError::Cancelled)
            } else {
                Ok(true)
            };
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
    fn the_first_retry_after_progress_does_not_wait() {
        let cancel = CancelToken::new();
        let mut b = Backoff::new(3, Duration::from_secs(60));
        b.reset_if_progress(1 << 27);
        let t = Instant::now();
        assert!(b.wait(&cancel).unwrap());
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        b.reset_if_progress(1 << 27);
        let mut c = Backoff::new(1, Duration::from_millis(20));
        let t = Instant::now();
        assert!(c.wait(&cancel).unwrap());
        assert!(
            t.elapsed() >= Duration::from_millis(20),
            "no progress: a real wait"
        );
    }

    #[test]
    fn a_segment_retries_once_at_once_then_backs_off() {
        let cancel = CancelToken::new();
        let mut b = Backoff::new(2, Duration::from_millis(30)).first_immediate();
        let t = Instant::now();
        assert!(b.wait(&cancel).unwrap());
        assert!(t.elapsed() < Duration::from_millis(30));
        assert!(b.wait(&cancel).unwrap());
        assert!(t.elapsed() >= Duration::from_millis(30));
        assert!(!b.wait(&cancel).unwrap());
    }

    #[test]
    fn waiting_stops_on_cancel() {
        let cancel = CancelToken::new();
        cancel.cancel();
        let mut b = Backoff::new(3, Duration::from_secs(60));
        assert!(matches!(b.wait(&cancel), Err(DownloadError::Cancelled)));
    }
}
