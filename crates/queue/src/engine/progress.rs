//! Turns raw fetcher reports into the [`Progress`] of an item: percent that never goes down, a
//! smoothed speed, an ETA, and at most one report per interval per item. The figures are exact;
//! the server rounds them as api.md shows them.

use std::time::{Duration, Instant};

use aniworld_core::Progress;

use super::fetcher::FetchProgress;
use super::state::MIB;

/// Shortest time between two progress events of one item (at most 4 a second).
pub(crate) const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// The speed is measured over windows at least this long.
const SPEED_WINDOW: Duration = Duration::from_millis(500);

/// Progress bookkeeping of one running download.
#[derive(Debug)]
pub(crate) struct ProgressTracker {
    interval: Duration,
    last_emit: Option<Instant>,
    last_percent: f64,
    window_start: Option<(Instant, u64)>,
    speed_bps: f64,
}

impl ProgressTracker {
    /// A tracker that lets one report through per `interval`.
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last_emit: None,
            last_percent: 0.0,
            window_start: None,
            speed_bps: 0.0,
        }
    }

    /// Takes a report made at `now`; returns the progress to announce, or None when the last
    /// announcement is too recent.
    pub fn update(&mut self, p: FetchProgress, now: Instant) -> Option<Progress> {
        match p.speed_bps.filter(|s| s.is_finite() && *s >= 0.0) {
            Some(speed) => self.speed_bps = speed,
            None => self.measure_speed(p.downloaded_bytes, now),
        }
        let total = p.total_bytes.filter(|t| *t > 0).or_else(|| {
            p.percent
                .filter(|pc| *pc > 0.0)
                .map(|pc| (p.downloaded_bytes as f64 * 100.0 / pc) as u64)
        });
        let raw = p
            .percent
            .or_else(|| total.map(|t| p.downloaded_bytes as f64 * 100.0 / t as f64));
        let percent = raw
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
            .clamp(0.0, 100.0)
            .max(self.last_percent);
        let finished = percent >= 100.0 && self.last_percent < 100.0;
        self.last_percent = percent;
        let due = self
            .last_emit
            .is_none_or(|t| now.duration_since(t) >= self.interval);
        if !due && !finished {
            return None;
        }
        self.last_emit = Some(now);
        let eta_seconds = total
            .filter(|_| self.speed_bps > 0.0)
            .map(|t| (t.saturating_sub(p.downloaded_bytes) as f64 / self.speed_bps).ceil() as u64);
        Some(Progress {
            percent,
            downloaded_mb: p.downloaded_bytes as f64 / MIB,
            total_mb: total.map(|t| t as f64 / MIB),
            speed_mbps: self.speed_bps / MIB,
            eta_seconds,
        })
    }

    fn measure_speed(&mut self, bytes: u64, now: Instant) {
        let Some((start, start_bytes)) = self.window_start else {
            self.window_start = Some((now, bytes));
            return;
        };
        let elapsed = now.duration_since(start);
        if elapsed < SPEED_WINDOW {
            return;
        }
        let sample = bytes.saturating_sub(start_bytes) as f64 / elapsed.as_secs_f64();
        self.speed_bps = if self.speed_bps == 0.0 {
            sample
        } else {
            0.5 * self.speed_bps + 0.5 * sample
        };
        self.window_start = Some((now, bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(bytes: u64, total: Option<u64>, percent: Option<f64>) -> FetchProgress {
        FetchProgress {
            downloaded_bytes: bytes,
            total_bytes: total,
            percent,
            speed_bps: None,
        }
    }

    #[test]
    fn throttles_and_never_goes_down() {
        let t0 = Instant::now();
        let mut t = ProgressTracker::new(Duration::from_millis(250));
        let mb = 1024 * 1024;
        let first = t.update(report(0, Some(10 * mb), None), t0).unwrap();
        assert_eq!(first.percent, 0.0);
        // Too soon: swallowed.
        assert!(
            t.update(
                report(mb, Some(10 * mb), None),
                t0 + Duration::from_millis(100)
            )
            .is_none()
        );
        let p = t
            .update(
                report(2 * mb, Some(10 * mb), None),
                t0 + Duration::from_secs(1),
            )
            .unwrap();
        assert_eq!(p.percent, 20.0);
        assert_eq!(p.speed_mbps, 2.0);
        assert_eq!(p.eta_seconds, Some(4));
        assert_eq!(p.total_mb, Some(10.0));
        // A report that goes backwards (a restarted segment) keeps the percent.
        let p = t
            .update(report(mb, Some(10 * mb), None), t0 + Duration::from_secs(2))
            .unwrap();
        assert_eq!(p.percent, 20.0);
        // Reaching 100 % is always reported, however soon.
        let p = t
            .update(
                report(10 * mb, Some(10 * mb), None),
                t0 + Duration::from_millis(2010),
            )
            .unwrap();
        assert_eq!(p.percent, 100.0);
    }

    #[test]
    fn percent_from_the_fetcher_estimates_the_total() {
        let mut t = ProgressTracker::new(Duration::ZERO);
        let p = t
            .update(report(50, None, Some(25.0)), Instant::now())
            .unwrap();
        assert_eq!(p.percent, 25.0);
        assert_eq!(p.total_mb, Some(200.0 / MIB), "50 bytes are 25 %");
        let p = t.update(report(50, None, None), Instant::now()).unwrap();
        assert_eq!(p.percent, 25.0);
        assert_eq!(p.total_mb, None);
    }
}
