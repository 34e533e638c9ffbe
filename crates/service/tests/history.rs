//! The download history through the facade: a completed and a failed download are recorded
//! with the hoster and language the resolver used, before the front end hears of them; paging
//! values are checked; entries older than `history.keep_days` are pruned when the service
//! opens.

mod support;

use std::time::Duration;

use aniworld_core::history::{HistoryEntry, HistoryEvent, HistoryQuery};
use aniworld_core::{EpisodeId, EpisodeRef, Language, Priority};
use aniworld_queue::engine::QueueEvent;
use aniworld_service::{Aniworld, Event, HistoryError, RuntimeOverrides, ServiceOptions, events};
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries};
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};
use serde_json::json;

const KEY: &str = "frieren";

fn all(app: &Aniworld) -> Vec<HistoryEntry> {
    app.history()
        .list(&HistoryQuery {
            per_page: 1000,
            ..HistoryQuery::default()
        })
        .unwrap()
}

#[test]
fn downloads_are_recorded_with_their_source_before_the_front_end_hears_of_them() {
    let catalogue = FakeCatalogue::start();
    catalogue.add(FakeSeries::new(KEY, "Frieren", &[(1, 2)]).year(2023));
    let hoster = Sites::start();
    let data = media_bytes(KEY, 1, 1, 64 * 1024);
    hoster.episode(KEY, 1, 1, data.clone(), Serving::Fast);
    hoster.episode(KEY, 1, 2, Vec::new(), Serving::Broken);
    catalogue.hoster_base(&hoster.voe.url());
    let env = support::open(&catalogue.url(), |c| {
        c["download"]["max_retries"] = json!(1);
        c["download"]["retry_backoff_seconds"] = json!(0);
        c["provider"]["min_request_interval_ms"] = json!(0);
    });
    let added = env
        .app
        .library()
        .add(&format!("{}/anime/stream/{KEY}", catalogue.url()), None)
        .unwrap();
    let s = &added.serie;
    let episode = |e| EpisodeRef {
        season: 1,
        episode: e,
        title: None,
    };
    let queue = env.app.queue();
    queue
        .add(
            &s.key,
            &s.folder,
            // The library's name wins over the one the queue item got.
            "whatever the client sent",
            vec![episode(1), episode(2)],
            Priority::Normal,
        )
        .unwrap();
    queue.start().unwrap();
    env.events.wait_for(Duration::from_secs(60), |e| {
        matches!(e, Event::Queue(QueueEvent::Completed(_)))
    });
    // Written before the event was handed on: no waiting needed.
    let entries = all(&env.app);
    let done = entries
        .iter()
        .find(|e| e.event == HistoryEvent::Completed)
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert_eq!(
        (done.series_key.as_str(), done.series_name.as_str()),
        (KEY, "Frieren")
    );
    assert_eq!(done.episode, EpisodeId::new(1, 1));
    assert_eq!(done.language, Some(Language::GermanDub));
    assert_eq!(done.hoster.as_deref(), Some("VOE"));
    let file = env
        .folder(&s.folder)
        .join("Season 01")
        .join(format!("{} - S01E01.mp4", s.folder));
    assert_eq!(done.file_path, Some(file.to_string_lossy().into_owned()));
    assert_eq!(
        done.size_bytes,
        Some(std::fs::metadata(&file).unwrap().len())
    );
    assert_eq!(done.error, None);

    // The failure is recorded once, after its retry.
    env.events.wait_for(Duration::from_secs(60), |e| {
        matches!(e, Event::Queue(QueueEvent::Failed(_)))
    });
    let entries = all(&env.app);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[1].event, HistoryEvent::Completed);
    let failed = &entries[0];
    assert_eq!(failed.event, HistoryEvent::Failed);
    assert_eq!(failed.episode, EpisodeId::new(1, 2));
    assert!(failed.error.as_deref().is_some_and(|e| !e.is_empty()));
    assert_eq!(failed.hoster.as_deref(), Some("VOE"));
    assert_eq!((failed.file_path.clone(), failed.size_bytes), (None, None));
}

#[test]
fn paging_values_are_checked() {
    let env = support::open("http://127.0.0.1:9", |_| {});
    let refused = |page, per_page| match env.app.history().list(&HistoryQuery {
        page,
        per_page,
        ..HistoryQuery::default()
    }) {
        Err(HistoryError::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(0, 20), "page");
    assert_eq!(refused(1, 0), "per_page");
    assert_eq!(refused(1, 1001), "per_page");
    assert!(all(&env.app).is_empty());
}

#[test]
fn old_entries_are_pruned_when_the_service_opens() {
    let env = support::open("http://127.0.0.1:9", |c| {
        c["history"]["keep_days"] = json!(10);
    });
    for (episode, days_ago) in [(1, 30), (2, 11), (3, 9), (4, 0)] {
        let mut e = HistoryEntry::new(
            HistoryEvent::Deleted,
            KEY,
            "Frieren",
            EpisodeId::new(1, episode),
        );
        e.time = chrono::Utc::now() - chrono::Duration::days(days_ago);
        env.app.history().record(&e).unwrap();
    }
    // Written as given; pruning runs at the start, on a changed keep_days and once a day.
    assert_eq!(all(&env.app).len(), 4);
    env.app.shutdown();

    let options = ServiceOptions {
        data_dir: env.data.path().to_path_buf(),
        overrides: RuntimeOverrides::default(),
        catch_up_delay: ServiceOptions::CATCH_UP_DELAY,
    };
    let again = Aniworld::open(options, events::discard()).unwrap();
    let kept: Vec<u32> = all(&again).iter().map(|e| e.episode.episode).collect();
    assert_eq!(kept, [4, 3]);
    again.history().prune().unwrap();
    assert_eq!(all(&again).len(), 2);
    again.shutdown();
}
