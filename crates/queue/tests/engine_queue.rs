//! Queue operations of the engine without downloads: ordering, reorder, duplicates, deletes (of
//! items and of a series' items), validation, flags and their persistence, and
//! save-before-announce.

mod engine_support;

use std::sync::{Arc, Mutex};

use aniworld_core::{ItemId, Priority};
use aniworld_queue::engine::{PAUSED_KEY, QueueError, QueueEvent, RUNNING_KEY};
use engine_support::*;

fn pending_episodes(h: &Harness) -> Vec<u32> {
    h.engine
        .status()
        .pending
        .iter()
        .map(|i| i.episode.episode)
        .collect()
}

fn add(h: &Harness, eps: &[u32], prio: Priority) -> Vec<ItemId> {
    let out = h
        .engine
        .add(
            "aot",
            "Attack on Titan (2013)",
            "Attack on Titan",
            eps.iter().map(|e| ep(1, *e)).collect(),
            prio,
        )
        .unwrap();
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    out.added.iter().map(|i| i.id).collect()
}

#[test]
fn pending_is_ordered_by_priority_then_position_and_reorder_survives_a_restart() {
    let mut h = Harness::new();
    let normal = add(&h, &[1, 2, 3], Priority::Normal);
    add(&h, &[4], Priority::High);
    add(&h, &[5], Priority::Low);
    assert_eq!(pending_episodes(&h), [4, 1, 2, 3, 5]);

    h.engine.reorder(&[normal[2], normal[0]]).unwrap();
    assert_eq!(pending_episodes(&h), [4, 3, 1, 2, 5]);

    let unknown = ItemId::new();
    match h.engine.reorder(&[normal[1], unknown]) {
        Err(QueueError::NotFound(id)) => assert_eq!(id, unknown),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(pending_episodes(&h), [4, 3, 1, 2, 5], "order unchanged");

    h.restart();
    assert_eq!(pending_episodes(&h), [4, 3, 1, 2, 5]);
    // Items added after a restart go behind the others of their priority.
    add(&h, &[6], Priority::Normal);
    assert_eq!(pending_episodes(&h), [4, 3, 1, 2, 6, 5]);
}

#[test]
fn an_episode_already_queued_is_refused_with_a_reason() {
    let h = Harness::new();
    add(&h, &[1, 2], Priority::Normal);
    let out = h
        .engine
        .add(
            "aot",
            "Attack on Titan (2013)",
            "Attack on Titan",
            vec![ep(1, 2), ep(1, 3), ep(1, 3)],
            Priority::High,
        )
        .unwrap();
    assert_eq!(out.added.len(), 1);
    assert_eq!(out.added[0].episode.episode, 3);
    let reasons: Vec<(u32, String)> = out
        .failed
        .iter()
        .map(|(e, r)| (e.episode, r.clone()))
        .collect();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].0, 2);
    assert!(
        reasons[0].1.contains("already in the queue"),
        "{}",
        reasons[0].1
    );
    assert_eq!(reasons[1].0, 3);
    assert!(reasons[1].1.contains("more than once"), "{}", reasons[1].1);

    // The same episode number of another series is a different episode.
    let other = h
        .engine
        .add(
            "naruto",
            "Naruto",
            "Naruto",
            vec![ep(1, 2)],
            Priority::Normal,
        )
        .unwrap();
    assert_eq!(other.added.len(), 1);
    assert_eq!(h.engine.statistics().total_items, 4);
    assert_eq!(stored_items(&*h.store.queue()).len(), 4);
}

#[test]
fn bad_input_is_refused_and_nothing_is_saved() {
    let h = Harness::new();
    let check = |r: Result<_, QueueError>, field: &str| match r {
        Err(QueueError::Validation { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    };
    check(
        h.engine.add("aot", "AoT", "AoT", vec![], Priority::Normal),
        "episodes",
    );
    check(
        h.engine
            .add("aot", "../etc", "AoT", vec![ep(1, 1)], Priority::Normal),
        "serie_folder",
    );
    check(
        h.engine
            .add("aot", "a/b", "AoT", vec![ep(1, 1)], Priority::Normal),
        "serie_folder",
    );
    check(
        h.engine
            .add("aot", "..", "AoT", vec![ep(1, 1)], Priority::Normal),
        "serie_folder",
    );
    check(
        h.engine
            .add(" ", "AoT", "AoT", vec![ep(1, 1)], Priority::Normal),
        "serie_id",
    );
    assert!(stored_items(&*h.store.queue()).is_empty());
    assert!(h.events.events().is_empty());
}

#[test]
fn removing_and_clearing_pending_items() {
    let h = Harness::new();
    let ids = add(&h, &[1, 2, 3, 4, 5], Priority::Normal);
    h.engine.remove(ids[0]).unwrap();
    assert!(matches!(
        h.engine.remove(ids[0]),
        Err(QueueError::NotFound(_))
    ));
    assert!(matches!(
        h.engine.remove_many(&[ids[1], ItemId::new()]),
        Err(QueueError::NotFound(_))
    ));
    assert!(
        h.engine.get(ids[1]).is_some(),
        "nothing removed on NotFound"
    );
    assert_eq!(h.engine.remove_many(&[ids[1], ids[2], ids[1]]).unwrap(), 2);
    assert_eq!(pending_episodes(&h), [4, 5]);
    assert_eq!(h.engine.clear_pending().unwrap(), 2);
    assert_eq!(h.engine.clear_pending().unwrap(), 0);
    assert_eq!(h.engine.clear_completed().unwrap(), 0);
    assert_eq!(h.engine.clear_failed().unwrap(), 0);
    assert!(stored_items(&*h.store.queue()).is_empty());
    let removed = h
        .events
        .events()
        .iter()
        .filter(|e| matches!(e, QueueEvent::Removed(_)))
        .count();
    assert_eq!(removed, 5);
}

#[test]
fn removing_a_series_deletes_its_items_and_no_other() {
    let h = Harness::new();
    let ids = add(&h, &[1, 2, 3], Priority::Normal);
    h.engine
        .add("other", "Other", "Other", vec![ep(1, 1)], Priority::High)
        .unwrap();
    let removed = h.engine.remove_series("aot").unwrap();
    assert_eq!(removed.iter().map(|i| i.id).collect::<Vec<_>>(), ids);
    assert!(ids.iter().all(|id| !h.engine.is_downloading(*id)));
    assert!(h.engine.remove_series("aot").unwrap().is_empty());
    let left: Vec<String> = stored_items(&*h.store.queue())
        .into_iter()
        .map(|i| i.series_id)
        .collect();
    assert_eq!(left, ["other"]);
}

#[test]
fn start_stop_and_pause_flags_are_saved_and_restored() {
    let mut h = Harness::new();
    assert!(!h.engine.is_running());
    h.engine.start().unwrap();
    assert!(h.engine.is_running());
    assert_eq!(
        setting(&*h.store.settings(), RUNNING_KEY).as_deref(),
        Some("true")
    );
    h.engine.pause().unwrap();
    let s = h.engine.status();
    assert!(!s.is_running && s.is_paused);
    assert_eq!(h.events.names(), ["started", "status", "stopped", "status"]);

    h.restart();
    let s = h.engine.status();
    assert!(!s.is_running && s.is_paused, "paused state restored");
    h.engine.start().unwrap();
    let s = h.engine.status();
    assert!(s.is_running && !s.is_paused);

    h.restart();
    assert!(h.engine.is_running(), "running state restored");
    h.engine.stop().unwrap();
    let s = h.engine.status();
    assert!(!s.is_running && !s.is_paused);
    assert_eq!(
        setting(&*h.store.settings(), PAUSED_KEY).as_deref(),
        Some("false")
    );
    assert_eq!(h.events.names(), ["stopped", "status"]);
}

#[test]
fn start_needs_an_anime_directory() {
    let h = Harness::new();
    let mut cfg = h.engine.config();
    cfg.anime_dir = None;
    h.engine.set_config(cfg);
    assert!(matches!(
        h.engine.start(),
        Err(QueueError::NoAnimeDirectory)
    ));
    assert!(!h.engine.is_running());
}

#[test]
fn every_change_is_saved_before_it_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    let store = TestStore::open(&dir.path().join("db.sqlite"));
    let host = MediaHost::start();
    let resolver = Arc::new(HostResolver::new(host.server.url()));
    let cfg = aniworld_queue::engine::EngineConfig {
        anime_dir: Some(dir.path().to_path_buf()),
        download: download_config(),
    };
    let fetcher: Arc<dyn aniworld_queue::engine::MediaFetcher> =
        Arc::new(http_fetcher(&cfg.download));
    let repo = store.queue();
    let settings = store.settings();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s2 = seen.clone();
    let engine = aniworld_queue::engine::QueueEngine::new(
        aniworld_queue::engine::EngineDeps {
            repo: store.queue(),
            settings: store.settings(),
            series: store.series(),
            resolver,
            fetcher,
        },
        cfg,
        Arc::new(move |e| {
            let stored = repo.load_items().unwrap();
            let ok = match &e {
                QueueEvent::Added(item) => stored.iter().any(|i| i.id == item.id),
                QueueEvent::Removed(id) => stored.iter().all(|i| i.id != *id),
                QueueEvent::Started => {
                    settings.get_setting(RUNNING_KEY).unwrap().as_deref() == Some("true")
                }
                QueueEvent::Stopped => {
                    settings.get_setting(RUNNING_KEY).unwrap().as_deref() == Some("false")
                }
                _ => true,
            };
            s2.lock().unwrap().push(format!("{}:{ok}", name(&e)));
        }),
    )
    .unwrap();
    let out = engine
        .add(
            "aot",
            "AoT",
            "AoT",
            vec![ep(1, 1), ep(1, 2)],
            Priority::Normal,
        )
        .unwrap();
    engine.remove(out.added[0].id).unwrap();
    engine.pause().unwrap();
    engine.shutdown();
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|s| s.ends_with(":true")), "{seen:?}");
    assert!(
        seen.iter().filter(|s| s.starts_with("added")).count() == 2,
        "{seen:?}"
    );
    assert!(seen.iter().any(|s| s.starts_with("removed")), "{seen:?}");
}

#[test]
fn auto_start_starts_a_stopped_queue_when_something_is_added_and_keeps_a_pause() {
    let h = Harness::with_config(aniworld_core::config::DownloadConfig {
        auto_start: true,
        ..download_config()
    });
    assert!(!h.engine.is_running());
    add(&h, &[1], Priority::Normal);
    assert!(h.engine.is_running());
    assert_eq!(
        setting(&*h.store.settings(), RUNNING_KEY).as_deref(),
        Some("true")
    );
    assert!(h.events.names().contains(&"started"));
    // A pause is the user's: adding does not lift it.
    h.engine.pause().unwrap();
    add(&h, &[2], Priority::Normal);
    assert!(!h.engine.is_running());
    assert_eq!(
        setting(&*h.store.settings(), PAUSED_KEY).as_deref(),
        Some("true")
    );

    // Off: the queue stays stopped.
    let off = Harness::new();
    add(&off, &[1], Priority::Normal);
    assert!(!off.engine.is_running());
}
