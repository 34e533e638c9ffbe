//! Timings of queue operations with 10,000 items on the real SQLite store (docs/bench-queue.md).
//!
//! `cargo run --release -p aniworld-queue --example bench_queue [items]`
//!
//! The queue is never started, so nothing is downloaded: this measures the engine's bookkeeping
//! and its persistence (add, status, statistics, reorder, retry-free deletes, restart load).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aniworld_core::ports::{
    CancelToken, MediaSource, ResolveAttempt, SourceError, SourceErrorKind, StreamResolver,
};
use aniworld_core::{EpisodeId, EpisodeRef, ItemId, Language, Priority};
use aniworld_queue::engine::{
    EngineConfig, EngineDeps, FetchFailure, FetchJob, FetchProgress, MediaFetcher, QueueEngine,
};
use aniworld_store::Store;

/// Never called: the queue is not started.
struct Unused;

impl StreamResolver for Unused {
    fn resolve(
        &self,
        _key: &str,
        _id: EpisodeId,
        _languages: &[Language],
        _hosters: &[String],
        _cancel: &CancelToken,
    ) -> Result<(MediaSource, Vec<ResolveAttempt>), (SourceError, Vec<ResolveAttempt>)> {
        Err((
            SourceError::new(SourceErrorKind::NotFound, "bench"),
            Vec::new(),
        ))
    }
}

impl MediaFetcher for Unused {
    fn fetch(
        &self,
        _job: &FetchJob<'_>,
        _on_progress: &(dyn Fn(FetchProgress) + Sync),
    ) -> Result<u64, FetchFailure> {
        Err(FetchFailure {
            message: "bench".into(),
            retryable: false,
        })
    }
}

fn engine(db: &std::path::Path, anime: PathBuf, events: Arc<AtomicUsize>) -> QueueEngine {
    let store = Arc::new(Store::open(db).expect("open store"));
    let unused = Arc::new(Unused);
    QueueEngine::new(
        EngineDeps {
            repo: store.clone(),
            settings: store.clone(),
            series: store,
            resolver: unused.clone(),
            fetcher: unused,
        },
        EngineConfig {
            anime_dir: Some(anime),
            download: Default::default(),
        },
        Arc::new(move |_| {
            events.fetch_add(1, Ordering::Relaxed);
        }),
    )
    .expect("engine")
}

fn episodes(n: usize, season: u32) -> Vec<EpisodeRef> {
    (1..=n as u32)
        .map(|e| EpisodeRef {
            season,
            episode: e,
            title: Some(format!("Episode {e}")),
        })
        .collect()
}

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    println!("{label:<58} {:>10.2} ms", ms(t.elapsed()));
    out
}

/// Prints the mean time of 20 calls of `f`.
fn mean_of(label: &str, mut f: impl FnMut()) {
    const ROUNDS: u32 = 20;
    let t = Instant::now();
    for _ in 0..ROUNDS {
        f();
    }
    let label = format!("{label} (mean of {ROUNDS})");
    println!(
        "{label:<58} {:>10.2} ms",
        ms(t.elapsed()) / f64::from(ROUNDS)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.sqlite");
    let events = Arc::new(AtomicUsize::new(0));
    let q = engine(&db, dir.path().to_path_buf(), events.clone());
    println!(
        "queue benchmark with {n} items (SQLite file in {})",
        dir.path().display()
    );

    let out = time(&format!("add {n} episodes in one call"), || {
        q.add(
            "bench-a",
            "Bench A",
            "Bench A",
            episodes(n, 1),
            Priority::Normal,
        )
        .expect("add")
    });
    assert_eq!(out.added.len(), n);
    mean_of(&format!("status() with {n} items"), || {
        std::hint::black_box(q.status());
    });
    let batches = 100;
    let per = n / batches;
    time(&format!("add {n} more in {batches} calls of {per}"), || {
        for b in 0..batches {
            let eps = (1..=per as u32)
                .map(|e| EpisodeRef {
                    season: 2 + b as u32,
                    episode: e,
                    title: None,
                })
                .collect();
            q.add("bench-b", "Bench B", "Bench B", eps, Priority::Low)
                .expect("add");
        }
    });
    let dupes = time(&format!("add {n} duplicates (all refused)"), || {
        q.add(
            "bench-a",
            "Bench A",
            "Bench A",
            episodes(n, 1),
            Priority::Normal,
        )
        .expect("add")
    });
    assert_eq!(dupes.failed.len(), n);
    let total = q.statistics().total_items;

    mean_of(&format!("status() with {total} items"), || {
        std::hint::black_box(q.status());
    });
    mean_of(&format!("statistics() with {total} items"), || {
        std::hint::black_box(q.statistics());
    });

    let mut ids: Vec<ItemId> = q.status().pending.iter().map(|i| i.id).collect();
    ids.reverse();
    time(&format!("reorder all {total} pending (reversed)"), || {
        q.reorder(&ids).expect("reorder")
    });
    let few: Vec<ItemId> = ids.iter().rev().take(10).copied().collect();
    time(&format!("reorder 10 items to the front of {total}"), || {
        q.reorder(&few).expect("reorder")
    });
    q.shutdown();
    drop(q);

    let q = time(
        &format!("restart: load {total} items and start the engine"),
        || engine(&db, dir.path().to_path_buf(), events.clone()),
    );
    assert_eq!(q.statistics().total_items, total);
    let some: Vec<ItemId> = q.status().pending.iter().take(1000).map(|i| i.id).collect();
    time("remove 1,000 items in one call", || {
        q.remove_many(&some).expect("remove")
    });
    let left = time(&format!("clear_pending ({} items)", total - 1000), || {
        q.clear_pending().expect("clear")
    });
    assert_eq!(left, total - 1000);
    q.shutdown();
    println!("events delivered: {}", events.load(Ordering::Relaxed));
}
