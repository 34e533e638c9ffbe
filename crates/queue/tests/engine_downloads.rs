//! The engine downloading from a media host on 127.0.0.1 with the real HTTP fetcher: files land
//! where runtime-contract.md says with the served bytes, stop/pause let the running download
//! finish, failures retry with backoff, deletes cancel, and a restart resumes from `.part` data.

mod engine_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use aniworld_core::{DownloadStatus, EpisodeId, ItemId, Priority};
use aniworld_queue::engine::{QueueEvent, RUNNING_KEY};
use aniworld_testkit::Gate;
use engine_support::*;

const KEY: &str = "attack-on-titan";
const FOLDER: &str = "Attack on Titan (2013)";

fn add(h: &Harness, eps: &[u32]) -> Vec<ItemId> {
    h.store.add_series(KEY, FOLDER);
    let out = h
        .engine
        .add(
            KEY,
            FOLDER,
            "Attack on Titan",
            eps.iter().map(|e| ep(1, *e)).collect(),
            Priority::Normal,
        )
        .unwrap();
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    out.added.iter().map(|i| i.id).collect()
}

fn id(e: u32) -> EpisodeId {
    EpisodeId::new(1, e)
}

fn status_of(h: &Harness, item: ItemId) -> Option<DownloadStatus> {
    h.engine.get(item).map(|i| i.status)
}

/// Size of a held file.
const HELD_LEN: usize = 2_000_000;
/// A held file's transfer trickles after this many bytes.
const HELD_AFTER: usize = 300_000;
/// What surely is in the `.part` file of a held transfer once it trickles (the downloader
/// writes in 256 KiB chunks).
const HELD_PART: u64 = 256 * 1024;

/// A 2 MB file whose transfer goes slowly after 300 kB until `gate` opens.
fn held_file(h: &Harness, e: u32, gate: &Gate) -> Vec<u8> {
    let (len, after) = (HELD_LEN, HELD_AFTER);
    let data = media_bytes(len, e);
    h.host.put_file(
        KEY,
        id(e),
        MediaFile {
            data: Arc::new(data.clone()),
            fail_times: Arc::default(),
            trickle: Some((after, gate.clone())),
        },
    );
    data
}

fn part_len(h: &Harness, e: u32) -> u64 {
    let mut p = h.episode_path(FOLDER, id(e)).into_os_string();
    p.push(".part");
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn downloads_land_in_the_library_with_the_served_bytes() {
    let h = Harness::new();
    let one = media_bytes(300_000, 1);
    let two = media_bytes(120_000, 2);
    h.host.put(KEY, id(1), one.clone());
    h.host.put(KEY, id(2), two.clone());
    let ids = add(&h, &[1, 2]);
    h.engine.start().unwrap();
    // Events are delivered just after the state changes: wait for both.
    wait_until("both completed and announced", || {
        let announced = h
            .events
            .names()
            .iter()
            .filter(|n| **n == "completed")
            .count();
        h.engine.statistics().completed_count == 2 && announced == 2
    });

    let path = h.episode_path(FOLDER, id(1));
    assert!(path.ends_with("Attack on Titan (2013)/Season 01/Attack on Titan (2013) - S01E01.mp4"));
    assert_eq!(read(&path).as_deref(), Some(&one[..]));
    assert_eq!(
        read(&h.episode_path(FOLDER, id(2))).as_deref(),
        Some(&two[..])
    );
    assert_eq!(part_len(&h, 1), 0, "no .part left");
    assert!(is_marked(&*h.store.series(), KEY, id(1)));
    assert!(is_marked(&*h.store.series(), KEY, id(2)));

    let done = h.engine.get(ids[0]).unwrap();
    assert_eq!(done.status, DownloadStatus::Completed);
    assert!(done.completed_at.is_some() && done.started_at.is_some());
    assert_eq!(done.progress.unwrap().percent, 100.0);
    assert!(
        done.source_url
            .unwrap()
            .ends_with("/media/attack-on-titan/1-1.mp4")
    );
    let stored = stored_items(&*h.store.queue());
    assert!(stored.iter().all(|i| i.status == DownloadStatus::Completed));

    let st = h.engine.statistics();
    assert_eq!(
        (
            st.total_items,
            st.pending_count,
            st.active_count,
            st.failed_count
        ),
        (2, 0, 0, 0)
    );
    let mb = (300_000.0 + 120_000.0) / 1_048_576.0;
    assert!(
        (st.total_downloaded_mb - mb).abs() < 0.01,
        "{}",
        st.total_downloaded_mb
    );
    assert_eq!(st.estimated_time_remaining, Some(0));

    // Events: added, started, progress per item never going down, then completed.
    let events = h.events.events();
    let names = h.events.names();
    assert_eq!(&names[..3], ["added", "added", "status"]);
    assert!(names.contains(&"started"));
    assert_eq!(names.iter().filter(|n| **n == "completed").count(), 2);
    let mut last: HashMap<ItemId, f64> = HashMap::new();
    for e in &events {
        if let QueueEvent::Progress {
            id,
            key,
            folder,
            progress,
        } = e
        {
            assert_eq!((key.as_str(), folder.as_str()), (KEY, FOLDER));
            let prev = last.insert(*id, progress.percent).unwrap_or(0.0);
            assert!(
                progress.percent >= prev,
                "percent went down: {prev} -> {}",
                progress.percent
            );
        }
    }
    let first_progress = names.iter().position(|n| *n == "progress").unwrap();
    let first_completed = names.iter().position(|n| *n == "completed").unwrap();
    assert!(first_progress < first_completed);
}

#[test]
fn stop_and_pause_let_the_running_download_finish_and_take_nothing_new() {
    let h = Harness::new();
    let gate = Gate::new();
    let one = held_file(&h, 1, &gate);
    h.host.put(KEY, id(2), media_bytes(10_000, 2));
    let ids = add(&h, &[1, 2]);
    h.engine.start().unwrap();
    wait_until("item 1 is downloading", || part_len(&h, 1) >= HELD_PART);
    assert_eq!(status_of(&h, ids[0]), Some(DownloadStatus::Downloading));

    h.engine.stop().unwrap();
    let s = h.engine.status();
    assert!(!s.is_running && !s.is_paused, "is_running is false at once");
    assert_eq!(s.active.len(), 1, "the running download goes on");
    gate.open();
    wait_until("item 1 completed", || {
        status_of(&h, ids[0]) == Some(DownloadStatus::Completed)
    });
    assert_eq!(
        read(&h.episode_path(FOLDER, id(1))).as_deref(),
        Some(&one[..])
    );
    let s = h.engine.status();
    assert!(s.active.is_empty());
    assert_eq!(s.pending.len(), 1);
    assert_eq!(h.host.hits(KEY, id(2)), 0, "no new download after stop");

    // Pause behaves the same and says so; start clears both flags and goes on.
    h.engine.pause().unwrap();
    let s = h.engine.status();
    assert!(!s.is_running && s.is_paused);
    h.engine.start().unwrap();
    let s = h.engine.status();
    assert!(s.is_running && !s.is_paused);
    wait_until("item 2 completed", || {
        status_of(&h, ids[1]) == Some(DownloadStatus::Completed)
    });
}

#[test]
fn raising_max_concurrent_starts_a_second_download_at_once() {
    let h = Harness::new(); // one worker
    let gate = Gate::new();
    held_file(&h, 1, &gate);
    held_file(&h, 2, &gate);
    held_file(&h, 3, &gate);
    add(&h, &[1, 2, 3]);
    h.engine.start().unwrap();
    wait_until("one download runs", || part_len(&h, 1) >= HELD_PART);
    let s = h.engine.status();
    assert_eq!((s.active.len(), s.pending.len()), (1, 2));

    let mut cfg = h.engine.config();
    cfg.download.max_concurrent = 2;
    h.engine.set_config(cfg);
    wait_until("two downloads run", || h.engine.status().active.len() == 2);
    assert_eq!(h.engine.status().pending.len(), 1);
    gate.open();
    wait_until("all completed", || {
        h.engine.statistics().completed_count == 3
    });
}

#[test]
fn retryable_failures_retry_and_then_succeed() {
    let h = Harness::new(); // max_retries 2, no backoff
    let data = media_bytes(50_000, 1);
    let file = h.host.put(KEY, id(1), data.clone());
    file.fail_times.store(2, Ordering::SeqCst);
    let ids = add(&h, &[1]);
    h.engine.start().unwrap();
    wait_until("completed", || {
        status_of(&h, ids[0]) == Some(DownloadStatus::Completed)
    });
    let item = h.engine.get(ids[0]).unwrap();
    assert_eq!(item.retry_count, 2);
    assert_eq!(item.error, None);
    assert_eq!(h.host.hits(KEY, id(1)), 3);
    assert_eq!(
        read(&h.episode_path(FOLDER, id(1))).as_deref(),
        Some(&data[..])
    );
}

#[test]
fn exhausted_retries_fail_with_the_reason_and_retry_requeues() {
    let mut cfg = download_config();
    cfg.max_retries = 1;
    let h = Harness::with_config(cfg);
    let file = h.host.put(KEY, id(1), media_bytes(20_000, 1));
    file.fail_times.store(1000, Ordering::SeqCst);
    let ids = add(&h, &[1]);
    h.engine.start().unwrap();
    wait_until("failed and announced", || {
        status_of(&h, ids[0]) == Some(DownloadStatus::Failed)
            && h.events.names().contains(&"failed")
    });
    let item = h.engine.get(ids[0]).unwrap();
    assert_eq!(item.retry_count, 1);
    let error = item.error.unwrap();
    assert!(
        error.contains("503") && error.contains("after 1 retries"),
        "{error}"
    );
    assert_eq!(h.host.hits(KEY, id(1)), 2);
    let failed_event = h.events.events().into_iter().find_map(|e| match e {
        QueueEvent::Failed(i) => Some(i),
        _ => None,
    });
    assert_eq!(failed_event.unwrap().error.as_deref(), Some(error.as_str()));
    assert!(!h.episode_path(FOLDER, id(1)).exists());

    file.fail_times.store(0, Ordering::SeqCst);
    assert_eq!(h.engine.retry(&[]).unwrap(), vec![ids[0]]);
    wait_until("completed after retry", || {
        status_of(&h, ids[0]) == Some(DownloadStatus::Completed)
    });
    assert_eq!(h.engine.retry(&[]).unwrap(), Vec::<ItemId>::new());
    assert!(h.engine.retry(&[ItemId::new()]).is_err());
}

#[test]
fn a_retry_waits_for_its_backoff() {
    let mut cfg = download_config();
    cfg.retry_backoff_seconds = 3600;
    let h = Harness::with_config(cfg);
    let file = h.host.put(KEY, id(1), media_bytes(20_000, 1));
    file.fail_times.store(1, Ordering::SeqCst);
    h.host.put(KEY, id(2), media_bytes(20_000, 2));
    let ids = add(&h, &[1, 2]);
    h.engine.start().unwrap();
    // Item 2 completing shows the worker moved past item 1, which waits for its backoff.
    wait_until("item 2 completed", || {
        status_of(&h, ids[1]) == Some(DownloadStatus::Completed)
    });
    let item = h.engine.get(ids[0]).unwrap();
    assert_eq!(item.status, DownloadStatus::Pending);
    assert_eq!(item.retry_count, 1);
    let wait = item.not_before.unwrap() - chrono::Utc::now();
    assert!(wait.num_seconds() > 3500, "{wait:?}");
    assert_eq!(h.host.hits(KEY, id(1)), 1);
    let stored = stored_items(&*h.store.queue());
    let stored = stored.iter().find(|i| i.id == ids[0]).unwrap();
    assert_eq!(
        (stored.status, stored.retry_count),
        (DownloadStatus::Pending, 1)
    );
}

#[test]
fn an_unknown_series_fails_at_once_and_clears_work() {
    let h = Harness::new();
    h.resolver.unknown.lock().unwrap().push("gone".into());
    h.host.put(KEY, id(1), media_bytes(10_000, 1));
    add(&h, &[1]);
    let out = h
        .engine
        .add("gone", "Gone", "Gone", vec![ep(1, 1)], Priority::High)
        .unwrap();
    h.engine.start().unwrap();
    wait_until("one failed, one completed", || {
        let s = h.engine.statistics();
        s.failed_count == 1 && s.completed_count == 1
    });
    let failed = h.engine.get(out.added[0].id).unwrap();
    assert_eq!(failed.retry_count, 0, "not retried");
    assert!(failed.error.unwrap().contains("not on the catalogue"));
    assert_eq!(h.engine.clear_completed().unwrap(), 1);
    assert_eq!(h.engine.clear_failed().unwrap(), 1);
    assert_eq!(h.engine.statistics().total_items, 0);
    assert!(stored_items(&*h.store.queue()).is_empty());
}

#[test]
fn deleting_a_running_download_cancels_it_and_leaves_no_file() {
    let h = Harness::new();
    let gate = Gate::new();
    held_file(&h, 1, &gate);
    let ids = add(&h, &[1]);
    h.engine.start().unwrap();
    wait_until("downloading", || part_len(&h, 1) >= HELD_PART);
    h.engine.remove(ids[0]).unwrap();
    assert!(h.engine.get(ids[0]).is_none(), "gone at once");
    assert!(stored_items(&*h.store.queue()).is_empty());
    assert!(h.events.events().contains(&QueueEvent::Removed(ids[0])));
    wait_until("the worker let go", || {
        h.engine.status().active.is_empty() && part_len(&h, 1) == 0
    });
    let final_path = h.episode_path(FOLDER, id(1));
    assert!(!final_path.exists());
    let mut part = final_path.into_os_string();
    part.push(".part");
    assert!(!std::path::Path::new(&part).exists());
    gate.open();
}

#[test]
fn a_restart_mid_download_resumes_from_the_part_data() {
    let mut h = Harness::new();
    let gate = Gate::new();
    let data = held_file(&h, 1, &gate);
    let ids = add(&h, &[1]);
    h.engine.start().unwrap();
    wait_until("part data written", || part_len(&h, 1) >= HELD_PART);
    h.engine.shutdown();
    let stored = stored_items(&*h.store.queue());
    assert_eq!(
        stored[0].status,
        DownloadStatus::Pending,
        "interrupted item back to pending"
    );
    let part_before = part_len(&h, 1);
    assert!(part_before >= HELD_PART);
    h.host.server.clear_requests();

    // The new engine resumes by itself, because the queue was running.
    h.restart();
    assert_eq!(
        setting(&*h.store.settings(), RUNNING_KEY).as_deref(),
        Some("true")
    );
    wait_until("completed", || {
        status_of(&h, ids[0]) == Some(DownloadStatus::Completed)
    });
    assert_eq!(
        read(&h.episode_path(FOLDER, id(1))).as_deref(),
        Some(&data[..])
    );
    let reqs = h.host.server.requests();
    let range = reqs[0].header("range").unwrap_or("").to_string();
    assert_eq!(range, format!("bytes={part_before}-"), "resumed with Range");
    assert_eq!(
        h.engine.statistics().total_items,
        1,
        "nothing lost or duplicated"
    );
    gate.open();
}

#[test]
fn items_left_downloading_by_a_crash_are_pending_again_and_complete() {
    let mut h = Harness::new();
    let data = media_bytes(30_000, 1);
    h.host.put(KEY, id(1), data.clone());
    let ids = add(&h, &[1]);
    // What a crash leaves behind: the item saved as downloading, the queue saved as running.
    let mut item = h.engine.get(ids[0]).unwrap();
    item.status = DownloadStatus::Downloading;
    h.store.queue().save_item(&item).unwrap();
    h.store.settings().set_setting(RUNNING_KEY, "true").unwrap();
    h.restart();
    wait_until("completed", || {
        status_of(&h, ids[0]) == Some(DownloadStatus::Completed)
    });
    assert_eq!(
        read(&h.episode_path(FOLDER, id(1))).as_deref(),
        Some(&data[..])
    );
}

#[test]
fn a_vanished_library_folder_fails_the_item_with_a_clear_error() {
    let h = Harness::new();
    h.host.put(KEY, id(1), media_bytes(10_000, 1));
    let ids = add(&h, &[1]);
    std::fs::remove_dir_all(h.anime_dir()).unwrap();
    h.engine.start().unwrap();
    wait_until("failed", || {
        status_of(&h, ids[0]) == Some(DownloadStatus::Failed)
    });
    let error = h.engine.get(ids[0]).unwrap().error.unwrap();
    assert!(error.contains("does not exist"), "{error}");
    assert_eq!(h.host.hits(KEY, id(1)), 0);
}

#[test]
fn an_episode_deleted_while_downloading_can_be_queued_again_at_once() {
    let mut cfg = download_config();
    cfg.max_concurrent = 2;
    let h = Harness::with_config(cfg);
    let gate = Gate::new();
    let data = held_file(&h, 1, &gate);
    let old = add(&h, &[1]);
    h.engine.start().unwrap();
    wait_until("downloading", || part_len(&h, 1) >= HELD_PART);
    h.engine.remove(old[0]).unwrap();
    let new = add(&h, &[1]);
    gate.open();
    wait_until("the new item finished", || {
        matches!(
            status_of(&h, new[0]),
            Some(DownloadStatus::Completed | DownloadStatus::Failed)
        )
    });
    let item = h.engine.get(new[0]).unwrap();
    assert_eq!(item.status, DownloadStatus::Completed, "{:?}", item.error);
    assert_eq!(
        read(&h.episode_path(FOLDER, id(1))).as_deref(),
        Some(&data[..])
    );
    assert_eq!(part_len(&h, 1), 0);
    assert_eq!(h.engine.statistics().total_items, 1);
}

#[test]
fn a_new_anime_folder_waits_until_the_running_download_is_done() {
    let h = Harness::with_config(aniworld_core::config::DownloadConfig {
        max_concurrent: 2,
        ..download_config()
    });
    let gate = Gate::new();
    let one = held_file(&h, 1, &gate);
    let two = media_bytes(50_000, 2);
    h.host.put(KEY, id(2), two.clone());
    let first = add(&h, &[1]);
    h.engine.start().unwrap();
    wait_until("item 1 is downloading", || part_len(&h, 1) >= HELD_PART);

    let new_dir = h.dir.path().join("new-library");
    std::fs::create_dir(&new_dir).unwrap();
    let mut cfg = h.engine.config();
    cfg.anime_dir = Some(new_dir.clone());
    h.engine.set_config(cfg);
    assert_eq!(h.engine.config().anime_dir, Some(h.anime_dir()));
    assert_eq!(h.engine.waiting_anime_dir(), Some(Some(new_dir.clone())));
    // A second worker is free, yet nothing starts while the old folder is in use.
    let second = add(&h, &[2]);
    let watch_until = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while std::time::Instant::now() < watch_until {
        assert_eq!(status_of(&h, second[0]), Some(DownloadStatus::Pending));
        assert_eq!(h.host.hits(KEY, id(2)), 0);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    gate.open();
    wait_until("both completed", || {
        status_of(&h, first[0]) == Some(DownloadStatus::Completed)
            && status_of(&h, second[0]) == Some(DownloadStatus::Completed)
    });
    let in_new = |e: u32| new_dir.join(aniworld_core::naming::episode_relative_path(FOLDER, id(e)));
    // The running download finished where it started; the next one went to the new folder.
    assert_eq!(
        read(&h.episode_path(FOLDER, id(1))).as_deref(),
        Some(&one[..])
    );
    assert!(!in_new(1).exists());
    assert_eq!(read(&in_new(2)).as_deref(), Some(&two[..]));
    assert!(!h.episode_path(FOLDER, id(2)).exists());
    assert_eq!(h.engine.config().anime_dir, Some(new_dir));
    assert_eq!(h.engine.waiting_anime_dir(), None);
}
