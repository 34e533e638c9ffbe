//! Notifications through the facade: a completed download is announced with its path, a failed
//! one only after its last retry, `series_completed` once nothing is missing, and
//! `episode_upgraded` (for the upgrade work) reaches webhooks and media servers.

mod support;

use std::time::{Duration, Instant};

use aniworld_core::{EpisodeRef, Priority};
use aniworld_queue::engine::QueueEvent;
use aniworld_service::Event;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries};
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};
use aniworld_testkit::notify::{self as fakes, WEBHOOK_PATH};
use serde_json::{Value, json};

const KEY: &str = "frieren";

fn events_of(hook: &aniworld_testkit::FakeServer) -> Vec<Value> {
    hook.requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn downloads_are_announced_failures_after_the_last_retry_and_completion_once() {
    let catalogue = FakeCatalogue::start();
    catalogue.add(FakeSeries::new(KEY, "Frieren", &[(1, 2)]).year(2023));
    let hoster = Sites::start();
    hoster.episode(KEY, 1, 1, media_bytes(KEY, 1, 1, 64 * 1024), Serving::Fast);
    hoster.episode(KEY, 1, 2, Vec::new(), Serving::Broken);
    catalogue.hoster_base(&hoster.voe.url());
    let hook = fakes::webhook(Some("service-test-secret"));
    let jellyfin = fakes::jellyfin("jf-key-123456");
    let url = format!("{}{WEBHOOK_PATH}", hook.url());
    let env = support::open(&catalogue.url(), |c| {
        c["download"]["max_retries"] = json!(1);
        c["download"]["retry_backoff_seconds"] = json!(0);
        c["provider"]["min_request_interval_ms"] = json!(0);
        c["notifications"] = json!({"targets": [
            {"name": "hook", "type": "webhook", "url": url, "secret": "service-test-secret"},
            {"name": "jf", "type": "jellyfin", "url": jellyfin.url(), "api_key": "jf-key-123456"}
        ]});
    });
    let library = env.app.library();
    let link = format!("{}/anime/stream/{KEY}", catalogue.url());
    let added = library.add(&link, None).unwrap();
    let queue = env.app.queue();
    let episode = |e| EpisodeRef {
        season: 1,
        episode: e,
        title: None,
    };
    let s = &added.serie;
    queue
        .add(
            &s.key,
            &s.folder,
            &s.name,
            vec![episode(1), episode(2)],
            Priority::Normal,
        )
        .unwrap();
    queue.start().unwrap();
    env.events.wait_for(
        Duration::from_secs(60),
        |e| matches!(e, Event::Queue(QueueEvent::Failed(i)) if i.episode.episode == 2),
    );
    let got = wait_until("the completion and the failure", || {
        let e = events_of(&hook);
        (e.len() >= 2).then_some(e)
    });
    let names: Vec<&str> = got.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["download_completed", "download_failed"],
        "one failure, after the retry"
    );
    let file = env
        .folder(&s.folder)
        .join("Season 01")
        .join(format!("{} - S01E01.mp4", s.folder));
    assert_eq!(got[0]["path"], json!(file.to_string_lossy()));
    assert_eq!(got[0]["series"]["name"], "Frieren");
    assert!(
        got[1]["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{}",
        got[1]
    );
    wait_until("the media server", || {
        (jellyfin.requests().len() == 1).then_some(())
    });

    // Episode 2 works now: the retry completes the series.
    hoster.episode(KEY, 1, 2, media_bytes(KEY, 1, 2, 64 * 1024), Serving::Fast);
    let failed: Vec<_> = queue.status().failed.iter().map(|i| i.id).collect();
    queue.retry(&failed).unwrap();
    let got = wait_until("series_completed", || {
        let e = events_of(&hook);
        (e.len() >= 4).then_some(e)
    });
    let names: Vec<String> = got
        .iter()
        .map(|e| format!("{} {}", e["event"], e["episode"]["code"]))
        .collect();
    assert_eq!(got[2]["event"], "download_completed", "{names:?}");
    assert_eq!(got[3]["event"], "series_completed", "{names:?}");
    assert_eq!(got[3]["series"]["key"], KEY);

    // The upgrade work's event: webhooks hear of it, media servers get the file as modified.
    let item = queue.status().completed.first().cloned().unwrap();
    env.app
        .notifications()
        .episode_upgraded(&item, "German Dub instead of German Sub")
        .unwrap();
    let got = wait_until("episode_upgraded", || {
        let e = events_of(&hook);
        (e.len() >= 5).then_some(e)
    });
    assert_eq!(got[4]["event"], "episode_upgraded");
    let updates = wait_until("the modified file", || {
        let r = jellyfin.requests();
        (r.len() >= 3).then_some(r)
    });
    assert_eq!(updates.len(), 3, "{updates:?}");
    let body: Value = serde_json::from_slice(&updates[2].body).unwrap();
    assert_eq!(body["Updates"][0]["UpdateType"], "Modified");
    let status = env.app.notifications().status().unwrap();
    assert!(
        status
            .targets
            .iter()
            .all(|t| t.pending == 0 || t.name == "hook")
    );
}
