//! `GET /api/history` (docs/history.md): a completed and a failed download through the fake
//! catalogue and hoster become `completed` and `failed` entries that survive clearing the queue
//! and a restart; paging and filters as `GET /api/anime` has them, with 422 naming a bad
//! `page`, `per_page` or `event`; `history.keep_days` validated and applied.

use aniworld_core::EpisodeId;
use aniworld_core::history::{HistoryEntry, HistoryEvent};
use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::{Value, json};

use crate::helpers::{TestApp, restart, spawn_app};
use crate::queue_support::{poll, queue_world};

const KEY: &str = "attack-on-titan";

/// `GET <path>` (asserting 200) as a list of entries.
async fn history(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text))
        .clone()
}

/// Starts the service again on `data_dir` (the first one must be stopped). The returned app
/// owns a fresh, unused temp dir; the data stays where it was.
#[actix_web::test]
async fn downloads_are_recorded_and_outlive_clearing_the_queue_and_a_restart() {
    let w = queue_world(|_| {}).await;
    w.seed_series(KEY, &[(1, 1), (1, 2)]);
    let data = media_bytes(KEY, 1, 1, 40_000);
    w.sites.episode(KEY, 1, 1, data.clone(), Serving::Fast);
    w.sites.episode(KEY, 1, 2, Vec::new(), Serving::Broken);
    assert!(history(&w.app, &w.token, "/api/history").await.is_empty());
    w.add_ids(KEY, &[(1, 1), (1, 2)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("one completed and one failed", |s| {
        s["statistics"]["completed_count"] == 1 && s["statistics"]["failed_count"] == 1
    })
    .await;
    let entries = poll("two history entries", || async {
        let e = history(&w.app, &w.token, "/api/history").await;
        (e.len() == 2).then_some(e)
    })
    .await;

    // One worker: episode 1 completed first, so the failure of episode 2 is the newest.
    let (failed, completed) = (&entries[0], &entries[1]);
    assert_eq!(completed["event"], "completed", "{entries:?}");
    assert_eq!(completed["serie_id"], KEY);
    assert_eq!(completed["serie_name"], KEY);
    assert_eq!(
        (&completed["season"], &completed["episode"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(completed["language"], "German Dub");
    assert_eq!(completed["hoster"], "VOE");
    let file = w.episode_file(KEY, 1, 1);
    assert_eq!(completed["file_path"], json!(file.to_string_lossy()));
    assert_eq!(std::fs::read(&file).unwrap(), data);
    assert_eq!(completed["size_bytes"], json!(data.len()));
    assert_eq!(completed["error"], Value::Null);
    assert_eq!(failed["event"], "failed", "{entries:?}");
    assert_eq!(
        (&failed["season"], &failed["episode"]),
        (&json!(1), &json!(2))
    );
    assert!(
        failed["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{failed}"
    );
    // The language and hoster of its last attempt.
    assert_eq!(failed["language"], "German Dub");
    assert_eq!(failed["hoster"], "VOE");
    assert_eq!(failed["file_path"], Value::Null);
    assert_eq!(failed["size_bytes"], Value::Null);
    for e in &entries {
        let time = e["time"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(time).unwrap_or_else(|_| panic!("{time}"));
    }
    assert!(entries[0]["id"].as_i64() > entries[1]["id"].as_i64());

    // Clearing the queue leaves the history alone.
    for path in ["/api/queue/completed", "/api/queue/failed"] {
        let r = w.app.delete(path, Some(&w.token)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.json["count"], 1, "{path}: {}", r.text);
    }
    let s = w.status().await;
    assert_eq!(s["statistics"]["completed_count"], 0, "{s}");
    assert_eq!(s["statistics"]["failed_count"], 0, "{s}");
    assert_eq!(history(&w.app, &w.token, "/api/history").await, entries);

    // So does a restart on the same data folder.
    w.app.handle.stop(true).await;
    let again = restart(w.app.data_dir.path()).await;
    let token = again.fresh_token().await;
    assert_eq!(history(&again, &token, "/api/history").await, entries);
    assert_eq!(
        history(&again, &token, "/api/history?event=completed").await,
        [entries[1].clone()]
    );
    again.handle.stop(true).await;
}

/// An entry `minutes` after a fixed time, for `key`'s episode 1-`episode`.
fn entry(event: HistoryEvent, key: &str, episode: u32, minutes: i64) -> HistoryEntry {
    let mut e = HistoryEntry::new(event, key, key, EpisodeId::new(1, episode));
    e.time = chrono::Utc::now() - chrono::Duration::days(1) + chrono::Duration::minutes(minutes);
    e
}

/// The episode numbers of a page.
fn episodes(entries: &[Value]) -> Vec<u64> {
    entries
        .iter()
        .map(|e| e["episode"].as_u64().unwrap())
        .collect()
}

#[actix_web::test]
async fn pages_and_filters_work_and_bad_values_name_their_field() {
    let app = spawn_app().await;
    let token = app.token().await;
    let history_service = app.state.app.history().clone();
    // 25 entries: frieren completed (even minutes), aot failed (odd minutes).
    for m in 0..25_u32 {
        let (event, key) = if m % 2 == 0 {
            (HistoryEvent::Completed, "frieren")
        } else {
            (HistoryEvent::Failed, "aot")
        };
        history_service
            .record(&entry(event, key, m + 1, i64::from(m)))
            .unwrap();
    }

    let first = history(&app, &token, "/api/history").await;
    assert_eq!(
        episodes(&first),
        (6..=25).rev().collect::<Vec<_>>(),
        "20 by default, newest first"
    );
    let mut all = Vec::new();
    for page in 1..=3 {
        let p = history(
            &app,
            &token,
            &format!("/api/history?page={page}&per_page=10"),
        )
        .await;
        assert_eq!(p.len(), if page < 3 { 10 } else { 5 });
        all.extend(episodes(&p));
    }
    assert_eq!(all, (1..=25).rev().collect::<Vec<_>>());
    assert!(
        history(&app, &token, "/api/history?page=4&per_page=10")
            .await
            .is_empty()
    );

    let frieren = history(&app, &token, "/api/history?serie_id=frieren&per_page=100").await;
    assert_eq!(frieren.len(), 13);
    assert!(frieren.iter().all(|e| e["serie_id"] == "frieren"));
    let failed = history(&app, &token, "/api/history?event=failed&per_page=100").await;
    assert_eq!(failed.len(), 12);
    assert!(
        failed
            .iter()
            .all(|e| e["event"] == "failed" && e["serie_id"] == "aot")
    );
    let both = history(
        &app,
        &token,
        "/api/history?serie_id=aot&event=failed&page=2&per_page=5",
    )
    .await;
    assert_eq!(episodes(&both), [14, 12, 10, 8, 6]);
    assert!(
        history(&app, &token, "/api/history?serie_id=frieren&event=failed")
            .await
            .is_empty()
    );

    // The other work of issue 15 records upgrades and deletions through the service.
    let file = app.data_dir.path().join("upgraded.mp4");
    std::fs::write(&file, b"0123456789").unwrap();
    let mut item = aniworld_core::DownloadItem::new_pending(
        "frieren",
        "Frieren",
        "Frieren",
        aniworld_core::EpisodeRef {
            season: 1,
            episode: 30,
            title: None,
        },
        aniworld_core::Priority::Normal,
        0,
    );
    item.status = aniworld_core::DownloadStatus::Completed;
    history_service
        .record_upgraded(
            &item,
            Some(aniworld_core::Language::GermanDub),
            Some("VOE"),
            &file,
        )
        .unwrap();
    history_service
        .record_deleted(
            "frieren",
            "Frieren",
            EpisodeId::new(1, 31),
            Some(&file),
            None,
        )
        .unwrap();
    let newest = history(&app, &token, "/api/history?per_page=2").await;
    assert_eq!(newest[0]["event"], "deleted", "{newest:?}");
    assert_eq!(newest[0]["episode"], 31);
    assert_eq!(newest[0]["size_bytes"], 10);
    assert_eq!(newest[0]["language"], Value::Null);
    assert_eq!(newest[1]["event"], "upgraded");
    assert_eq!(newest[1]["language"], "German Dub");
    assert_eq!(newest[1]["hoster"], "VOE");
    assert_eq!(newest[1]["file_path"], json!(file.to_string_lossy()));
    assert_eq!(
        history(&app, &token, "/api/history?event=upgraded")
            .await
            .len(),
        1
    );

    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=4294967296", "page"),
        ("per_page=0", "per_page"),
        ("per_page=1001", "per_page"),
        ("per_page=ten", "per_page"),
        ("event=finished", "event"),
        ("event=COMPLETED", "event"),
        ("page=0&event=finished", "page"),
    ] {
        let r = app
            .get(&format!("/api/history?{query}"), Some(&token))
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(r.json["details"]["field"], field, "{query}: {}", r.text);
    }
    // Blank values count as absent; 1000 is the largest page.
    assert_eq!(
        history(
            &app,
            &token,
            "/api/history?page=&per_page=1000&event=&serie_id="
        )
        .await
        .len(),
        27
    );
    let r = app.get("/api/history", None).await;
    r.assert_error(401, "AUTHENTICATION_ERROR");
}

#[actix_web::test]
async fn keep_days_is_validated_and_old_entries_are_pruned() {
    let app = spawn_app().await;
    let token = app.token().await;
    let config = app.get("/api/config", Some(&token)).await;
    assert_eq!(config.json["history"]["keep_days"], 365, "{}", config.text);
    for bad in [json!(0), json!(36_501), json!(-3), json!("long")] {
        let r = app
            .put(
                "/api/config",
                Some(&token),
                &json!({"history": {"keep_days": bad}}),
            )
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        // Out of range: the field is named (a value of the wrong type is refused as the body).
        if bad.is_u64() {
            assert_eq!(
                r.json["details"]["field"], "history.keep_days",
                "{bad}: {}",
                r.text
            );
        }
    }
    let unchanged = app.get("/api/config", Some(&token)).await;
    assert_eq!(unchanged.json["history"]["keep_days"], 365);

    let history_service = app.state.app.history().clone();
    for (episode, days_ago) in [(1, 40), (2, 20), (3, 0)] {
        let mut e = HistoryEntry::new(
            HistoryEvent::Completed,
            "frieren",
            "Frieren",
            EpisodeId::new(1, episode),
        );
        e.time = chrono::Utc::now() - chrono::Duration::days(days_ago);
        history_service.record(&e).unwrap();
    }
    assert_eq!(history(&app, &token, "/api/history").await.len(), 3);
    let r = app
        .put(
            "/api/config",
            Some(&token),
            &json!({"history": {"keep_days": 30}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Pruned before the change answered.
    assert_eq!(
        episodes(&history(&app, &token, "/api/history").await),
        [3, 2]
    );
    assert_eq!(app.config_on_disk()["history"]["keep_days"], 30);
}
