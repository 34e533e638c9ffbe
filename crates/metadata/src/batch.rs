//! Batch creation of NFOs for many series on a bounded number of std threads
//! (`POST /api/nfo/batch/create`).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::matching::MatchConfidence;
use crate::service::{CreateRequest, MetadataService};

/// Smallest and largest accepted concurrency.
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<usize> = 1..=10;

/// One series to process.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The series key (echoed back).
    pub id: String,
    /// The series folder (anime dir as configured joined with the folder name).
    pub series_dir: PathBuf,
    /// Search hints and media switches.
    pub request: CreateRequest,
}

/// What happened to one series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BatchOutcome {
    /// `tvshow.nfo` was written.
    Created {
        /// Its path.
        nfo_path: PathBuf,
        /// How the series was matched.
        confidence: MatchConfidence,
    },
    /// Skipped: an NFO exists and `skip_existing` was set.
    Skipped,
    /// Failed, with a message for the user.
    Failed {
        /// The error text.
        message: String,
    },
}

/// One result, in the order of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchItemResult {
    /// The series key.
    pub id: String,
    /// The series folder.
    pub series_dir: PathBuf,
    /// The outcome.
    pub outcome: BatchOutcome,
}

/// Totals and per-item results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    /// Items given.
    pub total: usize,
    /// Items created.
    pub successful: usize,
    /// Items failed.
    pub failed: usize,
    /// Items skipped.
    pub skipped: usize,
    /// Per-item results in input order.
    pub results: Vec<BatchItemResult>,
}

impl MetadataService {
    /// Creates NFOs for many series with at most `max_concurrent` (clamped to 1..=10) at a
    /// time. With `skip_existing` a series with a `tvshow.nfo` is skipped; without it the
    /// existing NFO is replaced.
    pub fn create_many(
        &self,
        items: Vec<BatchItem>,
        max_concurrent: usize,
        skip_existing: bool,
    ) -> BatchReport {
        let workers = max_concurrent
            .clamp(*CONCURRENCY_RANGE.start(), *CONCURRENCY_RANGE.end())
            .min(items.len().max(1));
        let next = AtomicUsize::new(0);
        let slots: Mutex<Vec<Option<BatchOutcome>>> = Mutex::new(vec![None; items.len()]);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(item) = items.get(i) else { break };
                        let outcome = self.batch_one(item, skip_existing);
                        slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                    }
                });
            }
        });
        let slots = slots.into_inner().unwrap_or_else(|e| e.into_inner());
        let results: Vec<BatchItemResult> = items
            .into_iter()
            .zip(slots)
            .map(|(item, outcome)| BatchItemResult {
                id: item.id,
                series_dir: item.series_dir,
                outcome: outcome.unwrap_or(BatchOutcome::Failed {
                    message: "not processed".into(),
                }),
            })
            .collect();
        let count = |f: fn(&BatchOutcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
        BatchReport {
            total: results.len(),
            successful: count(|o| matches!(o, BatchOutcome::Created { .. })),
            failed: count(|o| matches!(o, BatchOutcome::Failed { .. })),
            skipped: count(|o| matches!(o, BatchOutcome::Skipped)),
            results,
        }
    }

    fn batch_one(&self, item: &BatchItem, skip_existing: bool) -> BatchOutcome {
        if skip_existing && self.has_nfo(&item.series_dir) {
            return BatchOutcome::Skipped;
        }
        let mut req = item.request.clone();
        req.overwrite = req.overwrite || !skip_existing;
        match self.create(&item.series_dir, &req) {
            Ok(o) => BatchOutcome::Created {
                nfo_path: o.nfo_path,
                confidence: o.confidence,
            },
            Err(e) => BatchOutcome::Failed {
                message: e.to_string(),
            },
        }
    }
}
