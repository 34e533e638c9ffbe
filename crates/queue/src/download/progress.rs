//! Throttled progress reports: bytes done, total, speed and ETA, at most four times a second.

use std::time::{Duration, Instant};

/// Where a running download stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressUpdate {
    /// Bytes in the `.part` file so far (bytes resumed from an earlier call included).
    pub downloaded_bytes: u64,
    /// Expected final size: exact for direct files with a known length, an estimate for HLS
    /// (average segment size times the segment count).
    pub total_bytes: Option<u64>,
    /// Transfer speed of this call in bytes per second (a moving average).
    pub speed_bps: f64,
    /// Estimated time left, when the total and the speed are known.
    pub eta: Option<Duration>,
}

/// Minimum time between two reports.
const INTERVAL: Duration = Duration::from_millis(250);

/// Turns byte counts into [`ProgressUpdate`]s, emitting at most every [`INTERVAL`].
pub(crate) struct ProgressMeter<'a> {
    on_progress: &'a (dyn Fn(&ProgressUpdate) + Sync),
    last_emit: Option<Instant>,
    sample_at: Instant,
    sample_bytes: u64,
    speed: f64,
}

impl<'a> ProgressMeter<'a> {
    /// A meter reporting to `on_progress`; `start_bytes` are the bytes already on disk.
    pub(crate) fn new(on_progress: &'a (dyn Fn(&ProgressUpdate) + Sync), start_bytes: u64) -> Self {
        Self {
            on_progress,
            last_emit: None,
            sample_at: Instant::now(),
            sample_bytes: start_bytes,
            speed: 0.0,
        }
    }

    /// Restarts the speed sample after the `.part` file was truncated to `bytes`.
    pub(crate) fn rebase(&mut self, bytes: u64) {
        self.sample_at = Instant::now();
        self.sample_bytes = bytes;
    }

    /// Reports `done` of `total` unless a report went out less than [`INTERVAL`] ago.
    pub(crate) fn update(&mut self, done: u64, total: Option<u64>) {
        let now = Instant::now();
        if self
            .last_emit
            .is_some_and(|t| now.duration_since(t) < INTERVAL)
        {
            return;
        }
        self.emit(now, done, total);
    }

    /// Reports unconditionally (the final state).
    pub(crate) fn finish(&mut self, done: u64, total: Option<u64>) {
        self.emit(Instant::now(), done, total);
    }

    fn emit(&mut self, now: Instant, done: u64, total: Option<u64>) {
        let elapsed = now.duration_since(self.sample_at).as_secs_f64();
        if elapsed >= 0.2 {
            let current = done.saturating_sub(self.sample_bytes) as f64 / elapsed;
            self.speed = if self.speed == 0.0 {
                current
            } else {
                0.7 * current + 0.3 * self.speed
            };
            self.sample_at = now;
            self.sample_bytes = done;
        }
        let eta = match total {
            Some(total) if self.speed > 0.0 && total >= done => {
                Some(Duration::from_secs_f64((total - done) as f64 / self.speed))
            }
            _ => None,
        };
        self.last_emit = Some(now);
        (self.on_progress)(&ProgressUpdate {
            downloaded_bytes: done,
            total_bytes: total,
            speed_bps: self.speed,
            eta,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn reports_are_throttled_but_the_final_one_goes_out() {
        let seen = Mutex::new(Vec::new());
        let cb = |u: &ProgressUpdate| seen.lock().unwrap().push(u.downloaded_bytes);
        let mut meter = ProgressMeter::new(&cb, 0);
        for i in 1..=1000 {
            meter.update(i, Some(1000));
        }
        meter.finish(1000, Some(1000));
        let seen = seen.into_inner().unwrap();
        assert!(seen.len() <= 3, "{} reports", seen.len());
        assert_eq!(seen.last(), Some(&1000));
    }
}
