//! Benchmark: batch-create NFOs for 100 series with `max_concurrent` 5 against the fake TMDB
//! and image host on 127.0.0.1, and print series per second.
//!
//! `cargo run -p aniworld-metadata --example bench_batch [--release] -- [series] [concurrency]`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use aniworld_metadata::{BatchItem, CreateRequest, MetadataService};
use common::{FakeTmdb, Show};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let conc: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let shows: Vec<Show> = (1..=n)
        .map(|i| Show::new(i, &format!("Bench Series {i}"), "2015-07-01"))
        .collect();
    let fake = FakeTmdb::start(shows);
    let svc = MetadataService::new(fake.settings());

    // Single-request latency, one at a time, to show where the batch time goes.
    let client = svc.client();
    let per = |f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..20 {
            f();
        }
        t.elapsed() / 20
    };
    println!(
        "one request: search {:?}, details {:?}, image {:?}",
        per(&|| {
            client
                .search_tv("Bench Series 1", Some(2015), "de-DE")
                .expect("search");
        }),
        per(&|| {
            client.tv_details_in(1, "de-DE").expect("details");
        }),
        per(&|| {
            client.fetch_image("/1-poster.jpg").expect("image");
        }),
    );

    for (label, media) in [("NFO + all artwork", true), ("NFO only", false)] {
        let mut rates = Vec::new();
        for _ in 0..3 {
            let root = tempfile::tempdir().expect("temp dir");
            let items: Vec<BatchItem> = (1..=n)
                .map(|i| {
                    let dir = root.path().join(format!("Bench Series {i} (2015)"));
                    std::fs::create_dir_all(dir.join("Season 01")).expect("folder");
                    BatchItem {
                        id: format!("bench-series-{i}"),
                        series_dir: dir,
                        request: CreateRequest {
                            download_poster: media,
                            download_logo: media,
                            download_fanart: media,
                            ..CreateRequest::default()
                        },
                    }
                })
                .collect();
            fake.api.clear_requests();
            fake.images.clear_requests();
            let start = Instant::now();
            let report = svc.create_many(items, conc, true);
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(report.successful as u64, n, "{:?}", report.results.first());
            rates.push(n as f64 / secs);
            println!(
                "{label}: {n} series, max_concurrent {conc}: {secs:.3} s = {:.1} series/s \
                 ({} API requests, {} image requests)",
                n as f64 / secs,
                fake.api.requests().len(),
                fake.images.requests().len()
            );
        }
        rates.sort_by(f64::total_cmp);
        println!("{label}: median {:.1} series/s", rates[1]);
    }
}
