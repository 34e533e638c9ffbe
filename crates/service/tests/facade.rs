//! The use cases through the facade alone, against fakes on 127.0.0.1: search, add, scan, queue
//! and download; the scheduler's settings; the anime folder.

mod support;

use std::time::Duration;

use aniworld_core::{EpisodeId, EpisodeRef, Priority};
use aniworld_library::RescanMode;
use aniworld_queue::engine::QueueEvent;
use aniworld_service::rescans::SchedulerPatch;
use aniworld_service::{Event, ServiceError};
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries};
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};
use serde_json::json;

const KEY: &str = "frieren";
const FOLDER: &str = "Frieren (2023)";

/// A fake catalogue with one series of two episodes whose play links lead to a fake VOE host
/// serving real MP4 files.
fn sites() -> (FakeCatalogue, Sites) {
    let catalogue = FakeCatalogue::start();
    catalogue.add(FakeSeries::new(KEY, "Frieren", &[(1, 2)]).year(2023));
    let hoster = Sites::start();
    for e in 1..=2 {
        hoster.episode(KEY, 1, e, media_bytes(KEY, 1, e, 64 * 1024), Serving::Fast);
    }
    catalogue.hoster_base(&hoster.voe.url());
    (catalogue, hoster)
}

#[test]
fn a_series_is_found_added_scanned_queued_and_downloaded() {
    let (catalogue, hoster) = sites();
    let env = support::open(&catalogue.url(), |_| {});
    let library = env.app.library();

    let hits = library.search("Frieren").unwrap();
    let (hit, known) = hits.iter().find(|(h, _)| h.key == KEY).expect("found");
    assert!(known.is_none(), "not in the library yet");

    let added = library.add(&hit.link, None).unwrap();
    assert_eq!(added.serie.folder, FOLDER);
    assert_eq!(added.missing, [EpisodeId::new(1, 1), EpisodeId::new(1, 2)]);
    assert!(env.folder(FOLDER).is_dir());
    let again = library.search("Frieren").unwrap();
    assert!(again.iter().any(|(h, k)| h.key == KEY && k.is_some()));

    let report = library.scan_now(RescanMode::Full).unwrap();
    assert_eq!(report.series_scanned, 1);
    assert_eq!(report.missing_total, 2);
    env.events.wait_for(
        Duration::from_secs(5),
        |e| matches!(e, Event::ScanComplete(Ok(r)) if r.series_scanned == 1),
    );

    let queue = env.app.queue();
    let outcome = queue
        .add(
            &added.serie.key,
            &added.serie.folder,
            &added.serie.name,
            vec![EpisodeRef {
                season: 1,
                episode: 2,
                title: None,
            }],
            Priority::Normal,
        )
        .unwrap();
    assert_eq!(outcome.added.len(), 1);
    queue.start().unwrap();
    env.events.wait_for(
        Duration::from_secs(60),
        |e| matches!(e, Event::Queue(QueueEvent::Completed(i)) if i.episode.episode == 2),
    );
    let file = env
        .folder(FOLDER)
        .join("Season 01")
        .join("Frieren (2023) - S01E02.mp4");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        media_bytes(KEY, 1, 2, 64 * 1024)
    );
    assert_eq!(hoster.media_requests(KEY, 1, 1).len(), 0);

    // The library knows the episode is there now.
    let serie = library.detail(KEY).unwrap();
    assert_eq!(serie.missing.ids(), [EpisodeId::new(1, 1)]);
}

#[test]
fn refusals_name_the_field_and_change_nothing() {
    let (catalogue, _hoster) = sites();
    let env = support::open(&catalogue.url(), |_| {});
    let library = env.app.library();

    for (query, field) in [("  ", "query"), (&"x".repeat(201) as &str, "query")] {
        match library.search(query) {
            Err(ServiceError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{query:?}: {other:?}"),
        }
    }
    match library.add("https://elsewhere.example/anime/stream/frieren", None) {
        Err(ServiceError::Invalid { field, .. }) => assert_eq!(field, "link"),
        other => panic!("{other:?}"),
    }
    match library.set_anime_directory(" ") {
        Err(ServiceError::Invalid { field, .. }) => assert_eq!(field, "directory"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        library.detail("nothing-here"),
        Err(ServiceError::NotFound(_))
    ));
    assert_eq!(library.status().unwrap().series_count, 0);

    let scheduler = env.app.scheduler();
    let before = scheduler.view().config;
    for (patch, field) in [
        (
            SchedulerPatch {
                interval_minutes: Some(0),
                ..SchedulerPatch::default()
            },
            "interval_minutes",
        ),
        (
            SchedulerPatch {
                schedule_time: Some(Some("25:00".into())),
                ..SchedulerPatch::default()
            },
            "schedule_time",
        ),
        (
            SchedulerPatch {
                schedule_days: Some(vec!["mon".into(), "funday".into()]),
                timezone: Some(Some("Mars/Olympus".into())),
                ..SchedulerPatch::default()
            },
            "schedule_days",
        ),
    ] {
        match scheduler.update(patch.clone()) {
            Err(ServiceError::InvalidSettings(issues)) => {
                assert_eq!(issues[0].field, field, "{patch:?}")
            }
            other => panic!("{patch:?}: {other:?}"),
        }
    }
    assert_eq!(scheduler.view().config, before);
    let view = scheduler
        .update(SchedulerPatch {
            schedule_time: Some(Some("06:30".into())),
            ..SchedulerPatch::default()
        })
        .unwrap();
    assert_eq!(view.config.schedule_time.as_deref(), Some("06:30"));
    assert_eq!(view.config.schedule_days, before.schedule_days, "kept");
    let interval = scheduler
        .update(SchedulerPatch {
            schedule_time: Some(None),
            ..SchedulerPatch::default()
        })
        .unwrap();
    assert_eq!(interval.config.schedule_time, None);
    scheduler
        .update(SchedulerPatch {
            schedule_time: Some(Some("06:30".into())),
            ..SchedulerPatch::default()
        })
        .unwrap();
    assert_eq!(
        env.app
            .config()
            .current()
            .scheduler
            .schedule_time
            .as_deref(),
        Some("06:30")
    );
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.data.path().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(stored["scheduler"]["schedule_time"], "06:30");
}

#[test]
fn a_new_anime_folder_is_created_and_counted() {
    let (catalogue, _hoster) = sites();
    let env = support::open(&catalogue.url(), |_| {});
    let target = env.anime.path().join("elsewhere");
    let n = env
        .app
        .library()
        .set_anime_directory(target.to_str().unwrap())
        .unwrap();
    assert_eq!(n, 0);
    assert!(target.is_dir());
    assert_eq!(env.app.config().current().anime_dir(), Some(target));
}

#[test]
fn the_listing_generation_moves_with_the_library_and_the_configuration_only() {
    use aniworld_service::library::{ListFilter, ListRequest, SortBy};
    let (catalogue, _hoster) = sites();
    let env = support::open(&catalogue.url(), |_| {});
    let library = env.app.library();
    let page = ListRequest {
        page: 1,
        per_page: 20,
        sort: SortBy::Name,
        filter: ListFilter::All,
    };
    let start = library.listing_generation();
    library.list(&page).unwrap();
    library.status().unwrap();
    assert_eq!(
        library.listing_generation(),
        start,
        "reading changes nothing"
    );

    let hit = library.search("Frieren").unwrap().remove(0).0;
    library.add(&hit.link, None).unwrap();
    let added = library.listing_generation();
    assert_ne!(added, start, "an added series");
    assert_eq!(library.list(&page).unwrap().len(), 1);

    env.app
        .config()
        .update(&json!({"provider": {"canary_interval_minutes": 5}}))
        .unwrap();
    assert_ne!(library.listing_generation(), added, "a new configuration");
}

#[test]
fn a_run_missed_while_the_service_was_stopped_is_caught_up_once_after_the_start() {
    use aniworld_core::ports::SettingsRepo;
    use aniworld_service::{RuntimeOverrides, ServiceOptions, events};

    let (catalogue, _hoster) = sites();
    // Every day at 03:00 UTC.
    let env = support::open(&catalogue.url(), |c| {
        c["scheduler"]["schedule_time"] = json!("03:00");
        c["scheduler"]["timezone"] = json!("UTC");
    });
    assert!(env.app.scheduler().view().config.catch_up, "on by default");
    env.app.shutdown();
    // While it was stopped, the runs of the last three days passed.
    let missed = chrono::Utc::now() - chrono::Duration::days(3);
    let store = aniworld_store::Store::open(&env.data.path().join("aniworld.db")).unwrap();
    let before = missed - chrono::Duration::days(1);
    store
        .set_setting("scheduler.last_run", &before.to_rfc3339())
        .unwrap();
    store
        .set_setting("scheduler.next_run", &missed.to_rfc3339())
        .unwrap();
    drop(store);

    let started = chrono::Utc::now();
    let options = ServiceOptions {
        data_dir: env.data.path().to_path_buf(),
        overrides: RuntimeOverrides {
            provider_url: Some(catalogue.url()),
            ..RuntimeOverrides::default()
        },
        catch_up_delay: Duration::from_millis(300),
    };
    let again = aniworld_service::Aniworld::open(options, events::discard()).unwrap();
    let status = again.scheduler().view().status;
    assert_eq!(
        status.missed_run.map(|t| t.timestamp()),
        Some(missed.timestamp())
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let outcome = loop {
        let status = again.scheduler().view().status;
        if let Some(outcome) = status
            .last_outcome
            .clone()
            .filter(|o| o.started_at >= started)
        {
            break outcome;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no catch-up: {status:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(outcome.outcome.error, None);
    // One catch-up for three missed runs: the next is the plan's (03:00 UTC), not another one.
    let status = again.scheduler().view().status;
    let next = status.next_run.expect("a next run is planned");
    assert_eq!(next.format("%H:%M").to_string(), "03:00");
    assert!(next > chrono::Utc::now());
    again.shutdown();

    // Switched off, a missed run is only reported.
    let store = aniworld_store::Store::open(&env.data.path().join("aniworld.db")).unwrap();
    store
        .set_setting("scheduler.next_run", &missed.to_rfc3339())
        .unwrap();
    store
        .set_setting("scheduler.last_run", &before.to_rfc3339())
        .unwrap();
    drop(store);
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.data.path().join("config.json")).unwrap())
            .unwrap();
    config["scheduler"]["catch_up"] = json!(false);
    support::write_config(env.data.path(), &config);
    let options = ServiceOptions {
        data_dir: env.data.path().to_path_buf(),
        overrides: RuntimeOverrides::default(),
        catch_up_delay: Duration::from_millis(1),
    };
    let off = aniworld_service::Aniworld::open(options, events::discard()).unwrap();
    let status = off.scheduler().view().status;
    assert!(status.missed_run.is_some());
    assert_eq!(
        status.next_run.map(|t| t.format("%H:%M").to_string()),
        Some("03:00".into())
    );
    off.shutdown();
}
