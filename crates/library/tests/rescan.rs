//! Changed rescans (docs/rescans.md) with the real store, the real catalogue client and the fake
//! catalogue of aniworld-testkit: an unchanged library costs a bounded number of requests and
//! store reads whatever its size, a new episode on the site's list of new episodes is picked up
//! by the next rescan, an ended series is not fetched again within its re-check period while a
//! running one is (as one 304 when the site sends validators), re-checks are capped per run, a
//! site without a signal is left to the re-checks, failed look-ups are retried, and a full rescan
//! still looks up everything.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aniworld_core::config::{ProviderConfig, RescanMode};
use aniworld_core::ports::{CancelToken, SeriesRepo};
use aniworld_core::{EpisodeId, NewSeries};
use aniworld_library::{RecheckPolicy, ScanOptions, ScanReport, Scanner};
use aniworld_provider::catalogue::{CatalogueOptions, Catalogues, SiteMonitor};
use aniworld_store::Store;
use aniworld_testkit::FakeResponse;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite};
use chrono::Utc;

struct World {
    fake: FakeCatalogue,
    store: Store,
    scanner: Scanner,
    anime: tempfile::TempDir,
    _data: tempfile::TempDir,
}

fn key(i: usize) -> String {
    format!("series-{i:03}")
}

/// A library of `n` running series (one season of two episodes each), in the store and on a
/// fake of `site`, none scanned yet. The site's list of new episodes names a series the library
/// does not have (as the real lists mostly do).
fn world(n: usize, site: FakeSite) -> World {
    let fake = FakeCatalogue::start_with(site);
    fake.add(FakeSeries::new("elsewhere", "Elsewhere", &[(1, 1)]));
    fake.release_episode("elsewhere", 1);
    let data = tempfile::tempdir().unwrap();
    let anime = tempfile::tempdir().unwrap();
    let store = Store::open(&data.path().join("aniworld.db")).unwrap();
    for i in 0..n {
        fake.add(
            FakeSeries::new(&key(i), &format!("Series {i}"), &[(1, 2)])
                .year(2024)
                .ongoing(),
        );
        seed(&store, &key(i));
    }
    let mut cfg = ProviderConfig {
        base_url: fake.url(),
        min_request_interval_ms: 0,
        max_retries: 0,
        timeout_seconds: 10,
        ..ProviderConfig::default()
    };
    cfg.normalize();
    let options = CatalogueOptions {
        cache_ttl: Duration::ZERO,
        ..CatalogueOptions::default()
    };
    let catalogues = Catalogues::new(&cfg, options, SiteMonitor::new()).unwrap();
    let scanner = Scanner::new(
        Arc::new(catalogues),
        Arc::new(store.clone()),
        ScanOptions {
            lookup_concurrency: 4,
            walk_threads: 2,
        },
    );
    World {
        fake,
        store,
        scanner,
        anime,
        _data: data,
    }
}

fn seed(store: &Store, key: &str) {
    store
        .insert_series(&NewSeries {
            key: key.to_string(),
            name: key.to_string(),
            site: "aniworld.to".into(),
            folder: key.to_string(),
            year: None,
            description: None,
            imdb_id: None,
            cover_url: None,
            catalogue_url: None,
        })
        .unwrap();
}

impl World {
    fn scan(&self, mode: RescanMode) -> ScanReport {
        self.scanner
            .scan(mode, self.anime.path(), &mut |_| {}, &CancelToken::new())
            .unwrap()
    }

    /// Scans and returns the report with the number of requests the fake saw meanwhile.
    fn counted(&self, mode: RescanMode) -> (ScanReport, usize) {
        let before = self.fake.request_count();
        let report = self.scan(mode);
        (report, self.fake.request_count() - before)
    }

    /// Waits (bounded, polling the clock) until the planned re-check of `key` has come.
    fn wait_until_due(&self, key: &str) {
        let next = self
            .store
            .recheck_state(key)
            .unwrap()
            .next_check_at
            .expect("a planned re-check");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Utc::now() <= next {
            assert!(Instant::now() < deadline, "{key} never became due");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A changed rescan of an unchanged library of `n` series (after a first one that looked
/// everything up): its report, and the catalogue requests and store statements it cost.
fn unchanged_rescan(n: usize) -> (ScanReport, usize, u64) {
    let w = world(n, FakeSite::legacy_aniworld());
    // First changed rescan: nothing was ever scanned, so everything is looked up (rule 2).
    let (first, requests) = w.counted(RescanMode::Changed);
    assert_eq!(first.looked_up.unscanned, n, "{first:?}");
    assert_eq!((first.series_scanned, first.failed.len()), (n, 0));
    assert_eq!(
        requests,
        1 + n * 2,
        "the list, then a series and a season page each"
    );

    let statements = w.store.statements_run();
    let rows = w.store.listing_rows_read();
    let (second, requests) = w.counted(RescanMode::Changed);
    assert_eq!(w.fake.server.hits("/neue-episoden"), 2);
    // No series row was read: the store answered the due and unscanned lists from indexes.
    assert_eq!(w.store.listing_rows_read() - rows, 0);
    (second, requests, w.store.statements_run() - statements)
}

#[test]
fn an_unchanged_library_costs_one_request_and_the_same_few_statements_at_30_and_300() {
    let (small, small_requests, small_statements) = unchanged_rescan(30);
    let (report, requests, statements) = unchanged_rescan(300);
    assert_eq!(requests, 1, "only the list of new episodes: {report:?}");
    assert_eq!(small_requests, 1);
    assert_eq!(
        statements, small_statements,
        "the store's cost grew with the library"
    );
    assert!(statements <= 20, "{statements} statements");
    assert_eq!(report.series_total, 300);
    assert_eq!(report.series_scanned, 0);
    assert_eq!(report.skipped.unchanged, 300, "{report:?}");
    assert_eq!(small.skipped.unchanged, 30);
    assert_eq!(
        (report.skipped.not_due, report.skipped.not_modified),
        (0, 0)
    );
    assert_eq!(report.looked_up, Default::default());
    assert_eq!(report.signal_sites, ["aniworld.to"]);
    assert_eq!(report.mode, RescanMode::Changed);
}

#[test]
fn a_new_episode_on_the_list_is_picked_up_by_the_next_changed_rescan() {
    for site in [FakeSite::legacy_aniworld(), FakeSite::v2_aniworld()] {
        let w = world(20, site);
        w.scan(RescanMode::Changed);
        let id = w.fake.release_episode(&key(7), 1);
        assert_eq!(id, EpisodeId::new(1, 3));
        let hits = w.fake.series_page_hits(&key(8));

        let (report, requests) = w.counted(RescanMode::Changed);
        assert_eq!(report.looked_up.signal, 1, "{site:?}: {report:?}");
        assert_eq!(report.series_scanned, 1);
        assert_eq!(report.skipped.unchanged, 19);
        assert!(requests <= 4, "{site:?}: {requests} requests");
        let missing = w.store.get_series(&key(7)).unwrap().unwrap().missing;
        assert!(missing.ids().contains(&id), "{site:?}: {missing:?}");
        assert_eq!(w.fake.series_page_hits(&key(8)), hits, "{site:?}");
    }
}

#[test]
fn an_ended_series_waits_for_its_longer_period_and_a_running_one_costs_one_304() {
    let w = world(0, FakeSite::legacy_aniworld());
    w.fake
        .add(FakeSeries::new("done", "Done", &[(1, 3), (2, 3)]).year(2010));
    w.fake.add(
        FakeSeries::new("running", "Running", &[(1, 3), (2, 3)])
            .year(2025)
            .ongoing(),
    );
    seed(&w.store, "done");
    seed(&w.store, "running");
    w.fake.send_validators(true);
    w.scanner.set_recheck_policy(RecheckPolicy {
        ongoing: chrono::Duration::seconds(2),
        ended: chrono::Duration::days(30),
        max_per_run: 50,
    });
    w.scan(RescanMode::Changed);
    let done = w.store.recheck_state("done").unwrap();
    let running = w.store.recheck_state("running").unwrap();
    assert!(done.ended && !running.ended);
    assert!(done.validators.etag.is_some() && running.validators.etag.is_some());
    let now = Utc::now();
    assert!(done.next_check_at.unwrap() > now + chrono::Duration::seconds(2));
    assert!(running.next_check_at.unwrap() <= now + chrono::Duration::seconds(3));

    w.wait_until_due("running");
    let done_hits = w.fake.series_page_hits("done");
    let running_hits = w.fake.series_page_hits("running");
    let (report, requests) = w.counted(RescanMode::Changed);
    assert_eq!(report.looked_up.due, 1, "{report:?}");
    assert_eq!(report.skipped.not_modified, 1);
    assert_eq!(report.skipped.unchanged, 1);
    assert_eq!(requests, 2, "the list and one conditional series page");
    assert_eq!(w.fake.series_page_hits("done"), done_hits);
    assert_eq!(w.fake.series_page_hits("running"), running_hits + 1);
    assert_eq!(w.fake.not_modified_answers(), 1);
    // The 304 counts as a look-up: planned again, scan time moved on.
    let after = w.store.recheck_state("running").unwrap();
    assert!(after.next_check_at > running.next_check_at);

    // A re-check of a series that changed without being listed reads it whole.
    w.wait_until_due("running");
    w.fake.change("running", |s| {
        s.seasons.insert(3, 1);
    });
    let (report, _) = w.counted(RescanMode::Changed);
    assert_eq!(
        (report.looked_up.due, report.series_scanned),
        (1, 1),
        "{report:?}"
    );
    let missing = w.store.get_series("running").unwrap().unwrap().missing;
    assert!(missing.ids().contains(&EpisodeId::new(3, 1)));
}

#[test]
fn re_checks_are_capped_per_run_longest_unchecked_first() {
    let w = world(30, FakeSite::legacy_aniworld());
    w.scanner.set_recheck_policy(RecheckPolicy {
        ongoing: chrono::Duration::seconds(1),
        ended: chrono::Duration::hours(1),
        max_per_run: 10,
    });
    w.scan(RescanMode::Changed);
    for i in 0..30 {
        w.wait_until_due(&key(i));
    }
    let mut rechecked = std::collections::BTreeSet::new();
    for run in 0..3 {
        let before: Vec<usize> = (0..30).map(|i| w.fake.series_page_hits(&key(i))).collect();
        let report = w.scan(RescanMode::Changed);
        assert_eq!(report.looked_up.due, 10, "run {run}: {report:?}");
        for (i, hits) in before.iter().enumerate() {
            if w.fake.series_page_hits(&key(i)) > *hits {
                assert!(
                    rechecked.insert(i),
                    "run {run}: {} re-checked twice",
                    key(i)
                );
            }
        }
    }
    // Three runs of ten re-checked all thirty once (oldest first, each then planned anew).
    assert_eq!(rechecked.len(), 30);
}

#[test]
fn a_site_without_a_list_is_left_to_the_re_checks_not_read_whole() {
    let w = world(25, FakeSite::v2_aniworld());
    w.scan(RescanMode::Changed);
    w.fake.new_episodes_gone(true);
    w.fake.release_episode(&key(3), 1);
    let (report, requests) = w.counted(RescanMode::Changed);
    assert_eq!(requests, 1, "the list (404) and nothing else: {report:?}");
    assert!(report.signal_sites.is_empty());
    assert_eq!((report.skipped.not_due, report.skipped.unchanged), (25, 0));
    assert_eq!(report.series_scanned, 0);
    // A full rescan finds it.
    let (full, _) = w.counted(RescanMode::Full);
    assert_eq!(full.series_scanned, 25);
    assert!(full.missing_total >= 1);
}

#[test]
fn failed_look_ups_are_retried_by_the_next_changed_rescan() {
    let w = world(10, FakeSite::legacy_aniworld());
    w.fake
        .override_series(&key(4), |_| FakeResponse::text("busy").with_status(500));
    let first = w.scan(RescanMode::Changed);
    assert_eq!(first.failed.len(), 1, "{first:?}");
    let (second, requests) = w.counted(RescanMode::Changed);
    assert_eq!(second.looked_up.unscanned, 1, "{second:?}");
    assert_eq!(second.skipped.unchanged, 9);
    assert_eq!(requests, 2, "the list and the failing series page");
}

#[test]
fn a_full_rescan_still_looks_up_every_series() {
    let w = world(40, FakeSite::legacy_aniworld());
    w.scan(RescanMode::Changed);
    let (full, requests) = w.counted(RescanMode::Full);
    assert_eq!(full.mode, RescanMode::Full);
    assert_eq!(full.series_scanned, 40);
    assert_eq!(full.skipped, Default::default());
    assert_eq!(requests, 40 * 2, "every series and season page, no list");
    for i in 0..40 {
        assert_eq!(w.fake.series_page_hits(&key(i)), 2, "{}", key(i));
    }
}
