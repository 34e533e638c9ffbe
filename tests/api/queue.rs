//! The download queue over HTTP (api.md section 4) against a fake catalogue, a fake VOE hoster
//! and a fake media host on 127.0.0.1: downloads end as byte-identical files in the library and
//! leave the missing list; ordering, reorder, stop/pause, retry, deletes and clears; 404/422.

use aniworld_core::EpisodeId;
use aniworld_core::ports::SeriesRepo;
use aniworld_testkit::FakeResponse;
use aniworld_testkit::Gate;
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};
use serde_json::json;

use crate::queue_support::{QueueWorld, queue_world};

const KEY: &str = "attack-on-titan";

fn serve(w: &QueueWorld, season: u32, episode: u32, len: usize, serving: Serving) -> Vec<u8> {
    let data = media_bytes(KEY, season, episode, len);
    w.sites.episode(KEY, season, episode, data.clone(), serving);
    data
}

fn count(status: &serde_json::Value, field: &str) -> u64 {
    status["statistics"][field].as_u64().unwrap()
}

#[actix_web::test]
async fn added_episodes_download_into_the_library_and_leave_the_missing_list() {
    let w = queue_world(|_| {}).await;
    w.seed_series(KEY, &[(1, 1), (1, 2), (1, 3)]);
    let one = serve(&w, 1, 1, 300_000, Serving::Fast);
    let two = serve(&w, 1, 2, 150_001, Serving::Fast);

    let r = w.add(KEY, &[(1, 1), (1, 2)], "NORMAL").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["status"], "success");
    assert_eq!(r.json["message"], "Added 2 episode(s) to download queue");
    assert_eq!(r.json["added_items"], r.json["item_ids"]);
    assert_eq!(r.json["item_ids"].as_array().unwrap().len(), 2);
    assert_eq!(r.json["failed_items"], json!([]));
    let ids: Vec<String> = r.json["item_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();

    let s = w.status().await;
    assert_eq!(s["status"]["is_running"], false);
    assert_eq!(QueueWorld::ids(&s, "pending_queue"), ids);
    let first = &s["status"]["pending_queue"][0];
    assert_eq!(first["serie_id"], KEY);
    assert_eq!(first["serie_folder"], KEY);
    assert_eq!(
        first["episode"],
        json!({"season": 1, "episode": 1, "title": "Episode 1"})
    );
    assert_eq!(first["status"], "pending");
    assert_eq!(first["priority"], "NORMAL");
    assert_eq!(first["retry_count"], 0);
    for f in [
        "added_at",
        "started_at",
        "completed_at",
        "progress",
        "error",
        "source_url",
    ] {
        assert!(first.get(f).is_some(), "{f} in {first}");
    }
    assert_eq!(count(&s, "total_items"), 2);
    assert_eq!(count(&s, "pending_count"), 2);

    let r = w.post("/api/queue/start").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"status": "success", "message": "Queue processing started"})
    );
    let s = w
        .wait_status("both downloads completed", |s| {
            s["statistics"]["completed_count"] == 2
        })
        .await;
    assert_eq!(s["status"]["is_running"], true);
    assert_eq!(count(&s, "pending_count"), 0);
    assert_eq!(count(&s, "failed_count"), 0);
    assert!(s["statistics"]["total_downloaded_mb"].as_f64().unwrap() > 0.4);
    let done = &s["status"]["completed_downloads"];
    assert_eq!(done.as_array().unwrap().len(), 2);
    for item in done.as_array().unwrap() {
        assert_eq!(item["status"], "completed");
        assert!(item["completed_at"].is_string(), "{item}");
        assert!(
            item["source_url"].as_str().unwrap().contains("/media/"),
            "{item}"
        );
    }

    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 1)).unwrap(), one);
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 2)).unwrap(), two);
    let serie = w.store().get_series(KEY).unwrap().unwrap();
    assert!(!serie.missing.contains(EpisodeId::new(1, 1)));
    assert!(!serie.missing.contains(EpisodeId::new(1, 2)));
    assert!(
        serie.missing.contains(EpisodeId::new(1, 3)),
        "{:?}",
        serie.missing
    );
}

#[actix_web::test]
async fn an_episode_already_queued_is_refused_with_a_reason() {
    let w = queue_world(|_| {}).await;
    let first = w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    let r = w.add(KEY, &[(1, 1), (1, 2), (1, 2)], "HIGH").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["added_items"].as_array().unwrap().len(), 1);
    let failed = r.json["failed_items"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "{}", r.text);
    assert_eq!(
        (failed[0]["season"].clone(), failed[0]["episode"].clone()),
        (json!(1), json!(1))
    );
    assert!(
        failed[0]["reason"].as_str().unwrap().contains("already"),
        "{}",
        r.text
    );
    assert_eq!(failed[1]["episode"], 2);
    assert!(!failed[1]["reason"].as_str().unwrap().is_empty());
    let s = w.status().await;
    assert_eq!(count(&s, "total_items"), 2);
    assert!(QueueWorld::ids(&s, "pending_queue").contains(&first[0]));
}

#[actix_web::test]
async fn pending_items_are_ordered_by_priority_then_position_and_reorder_moves_them() {
    let w = queue_world(|_| {}).await;
    let low = w.add_ids(KEY, &[(1, 1)], "LOW").await;
    let normal = w.add_ids(KEY, &[(1, 2), (1, 3)], "NORMAL").await;
    let high = w.add_ids(KEY, &[(1, 4)], "HIGH").await;
    let order = QueueWorld::ids(&w.status().await, "pending_queue");
    assert_eq!(
        order,
        vec![
            high[0].clone(),
            normal[0].clone(),
            normal[1].clone(),
            low[0].clone()
        ]
    );

    let r = w
        .app
        .post(
            "/api/queue/reorder",
            Some(&w.token),
            &json!({"item_ids": [normal[1]]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["message"], "Queue reordered with 1 items");
    let reordered = QueueWorld::ids(&w.status().await, "pending_queue");
    assert_eq!(
        reordered,
        vec![
            high[0].clone(),
            normal[1].clone(),
            normal[0].clone(),
            low[0].clone()
        ]
    );

    // An unknown id: 404 and the order is unchanged.
    let unknown = uuid::Uuid::new_v4().to_string();
    for bad in [json!([normal[0], unknown]), json!(["not-a-uuid"])] {
        let r = w
            .app
            .post(
                "/api/queue/reorder",
                Some(&w.token),
                &json!({"item_ids": bad}),
            )
            .await;
        r.assert_error(404, "NOT_FOUND_ERROR");
        assert_eq!(
            QueueWorld::ids(&w.status().await, "pending_queue"),
            reordered
        );
    }
    let r = w
        .app
        .post(
            "/api/queue/reorder",
            Some(&w.token),
            &json!({"item_ids": []}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
}

#[actix_web::test]
async fn bad_requests_answer_404_422_and_400() {
    let w = queue_world(|_| {}).await;
    let t = Some(w.token.as_str());
    let add = |body: serde_json::Value| {
        let app = &w.app;
        async move { app.post("/api/queue/add", t, &body).await }
    };
    let ep = json!([{"season": 1, "episode": 1}]);
    let r =
        add(json!({"serie_id": KEY, "serie_folder": KEY, "episodes": ep, "priority": "URGENT"}))
            .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(r.json["details"]["priority"].is_string(), "{}", r.text);
    let r =
        add(json!({"serie_id": KEY, "serie_folder": KEY, "episodes": [], "priority": "LOW"})).await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(r.json["details"]["episodes"].is_string(), "{}", r.text);
    let r = add(json!({"serie_folder": KEY, "episodes": ep})).await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(r.json["details"]["serie_id"].is_string(), "{}", r.text);
    let r = add(json!({"serie_id": KEY, "serie_folder": "../etc", "episodes": ep})).await;
    r.assert_error(422, "VALIDATION_ERROR");
    // Numbers a u32 holds but the store does not are refused, not a 500.
    let huge = json!([{"season": 1, "episode": 1}, {"season": u32::MAX, "episode": 1}]);
    let r = add(json!({"serie_id": KEY, "serie_folder": KEY, "episodes": huge})).await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(r.json["details"]["episodes"].is_string(), "{}", r.text);
    let r = add(json!({"serie_id": KEY, "serie_folder": KEY, "episodes": [{"season": 1, "episode": 2_147_483_648u32}]})).await;
    r.assert_error(422, "VALIDATION_ERROR");
    let r = w
        .app
        .post_raw("/api/queue/add", t, b"{not json".to_vec())
        .await;
    r.assert_error(400, "BAD_REQUEST");
    assert_eq!(count(&w.status().await, "total_items"), 0);

    let kept = w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    for path in [
        format!("/api/queue/{unknown}"),
        "/api/queue/not-a-uuid".to_string(),
    ] {
        w.app
            .delete(&path, t)
            .await
            .assert_error(404, "NOT_FOUND_ERROR");
    }
    let r = crate::helpers::send(
        &w.app.client,
        &w.app.address,
        actix_web::http::Method::DELETE,
        "/api/queue",
        t,
        Some(&json!({"item_ids": [kept[0], unknown]})),
        &[],
    )
    .await;
    r.assert_error(404, "NOT_FOUND_ERROR");
    assert_eq!(QueueWorld::ids(&w.status().await, "pending_queue"), kept);
    let r = w
        .app
        .post("/api/queue/retry", t, &json!({"item_ids": [unknown]}))
        .await;
    r.assert_error(404, "NOT_FOUND_ERROR");
}

#[actix_web::test]
async fn every_delete_and_clear_endpoint_removes_what_it_names() {
    let w = queue_world(|_| {}).await;
    serve(&w, 1, 1, 50_000, Serving::Fast);
    w.sites.episode(KEY, 1, 2, Vec::new(), Serving::Broken);
    w.add_ids(KEY, &[(1, 1), (1, 2)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    let s = w
        .wait_status("one completed and one failed", |s| {
            s["statistics"]["completed_count"] == 1 && s["statistics"]["failed_count"] == 1
        })
        .await;
    let failed = &s["status"]["failed_downloads"][0];
    assert_eq!(failed["status"], "failed");
    assert!(!failed["error"].as_str().unwrap().is_empty(), "{failed}");
    assert_eq!(w.post("/api/queue/stop").await.status, 200);

    let pending = w
        .add_ids(KEY, &[(2, 1), (2, 2), (2, 3), (2, 4), (2, 5)], "NORMAL")
        .await;
    let t = Some(w.token.as_str());
    let r = w.app.delete(&format!("/api/queue/{}", pending[0]), t).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty());
    let r = crate::helpers::send(
        &w.app.client,
        &w.app.address,
        actix_web::http::Method::DELETE,
        "/api/queue",
        t,
        Some(&json!({"item_ids": [pending[1], pending[2]]})),
        &[],
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        QueueWorld::ids(&w.status().await, "pending_queue"),
        pending[3..].to_vec()
    );

    let r = w.app.delete("/api/queue/pending", t).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"status": "success", "message": "Removed 2 pending item(s)", "count": 2})
    );
    let r = w.app.delete("/api/queue/completed", t).await;
    assert_eq!(
        r.json,
        json!({"status": "success", "message": "Cleared 1 completed item(s)", "count": 1})
    );
    let r = w.app.delete("/api/queue/failed", t).await;
    assert_eq!(
        r.json,
        json!({"status": "success", "message": "Cleared 1 failed item(s)", "count": 1})
    );
    let s = w.status().await;
    assert_eq!(count(&s, "total_items"), 0, "{s}");
    // The downloaded file stays in the library; clearing is history only.
    assert!(w.episode_file(KEY, 1, 1).is_file());
}

#[actix_web::test]
async fn retry_with_an_empty_list_retries_every_failed_item() {
    let w = queue_world(|_| {}).await;
    w.sites.episode(KEY, 1, 1, Vec::new(), Serving::Broken);
    w.sites.episode(KEY, 1, 2, Vec::new(), Serving::Broken);
    let ids = w.add_ids(KEY, &[(1, 1), (1, 2)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("both failed", |s| s["statistics"]["failed_count"] == 2)
        .await;

    // The hoster is back.
    let one = serve(&w, 1, 1, 40_000, Serving::Fast);
    let two = serve(&w, 1, 2, 40_001, Serving::Fast);
    let r = w
        .app
        .post(
            "/api/queue/retry",
            Some(&w.token),
            &json!({"item_ids": [ids[1]]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["retried_count"], 1);
    assert_eq!(r.json["retried_ids"], json!([ids[1]]));
    assert_eq!(r.json["message"], "Retrying 1 failed item(s)");
    w.wait_status("the retried item completed", |s| {
        s["statistics"]["completed_count"] == 1
    })
    .await;
    let r = w
        .app
        .post("/api/queue/retry", Some(&w.token), &json!({"item_ids": []}))
        .await;
    assert_eq!(r.json["retried_count"], 1, "{}", r.text);
    assert_eq!(r.json["retried_ids"], json!([ids[0]]));
    w.wait_status("everything completed", |s| {
        s["statistics"]["completed_count"] == 2
    })
    .await;
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 1)).unwrap(), one);
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 2)).unwrap(), two);
}

#[actix_web::test]
async fn stop_and_pause_let_the_running_download_finish_and_start_nothing_new() {
    let w = queue_world(|_| {}).await;
    let gate = Gate::new();
    let one = serve(
        &w,
        1,
        1,
        200_000,
        Serving::TrickleAfter(20_000, gate.clone()),
    );
    let two = serve(&w, 1, 2, 30_000, Serving::Fast);
    let ids = w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("the first download running", |s| {
        s["status"]["active_downloads"]
            .as_array()
            .is_some_and(|a| a.len() == 1)
    })
    .await;

    let r = w.post("/api/queue/stop").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["message"],
        "Queue processing stopped (current download will continue)"
    );
    let s = w.status().await;
    assert_eq!(
        (
            s["status"]["is_running"].clone(),
            s["status"]["is_paused"].clone()
        ),
        (json!(false), json!(false))
    );
    assert_eq!(QueueWorld::ids(&s, "active_downloads"), ids);
    let later = w.add_ids(KEY, &[(1, 2)], "HIGH").await;

    gate.open();
    let s = w
        .wait_status("the running download finished", |s| {
            s["statistics"]["completed_count"] == 1
        })
        .await;
    assert_eq!(QueueWorld::ids(&s, "pending_queue"), later);
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 1)).unwrap(), one);

    let r = w.post("/api/queue/pause").await;
    assert_eq!(r.json["message"], "Queue processing paused");
    let s = w.status().await;
    assert_eq!(
        (
            s["status"]["is_running"].clone(),
            s["status"]["is_paused"].clone()
        ),
        (json!(false), json!(true))
    );
    assert_eq!(QueueWorld::ids(&s, "pending_queue"), later);
    assert!(
        w.sites.media_requests(KEY, 1, 2).is_empty(),
        "a stopped queue started a download"
    );

    assert_eq!(w.post("/api/queue/start").await.status, 200);
    let s = w
        .wait_status("the second download completed", |s| {
            s["statistics"]["completed_count"] == 2
        })
        .await;
    assert_eq!(
        (
            s["status"]["is_running"].clone(),
            s["status"]["is_paused"].clone()
        ),
        (json!(true), json!(false))
    );
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 2)).unwrap(), two);
}

#[actix_web::test]
async fn deleting_a_running_download_cancels_it_and_leaves_no_file() {
    let w = queue_world(|_| {}).await;
    let gate = Gate::new();
    serve(
        &w,
        1,
        1,
        400_000,
        Serving::TrickleAfter(10_000, gate.clone()),
    );
    let ids = w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("the download running", |s| {
        s["status"]["active_downloads"]
            .as_array()
            .is_some_and(|a| a.len() == 1)
    })
    .await;
    let r = w
        .app
        .delete(&format!("/api/queue/{}", ids[0]), Some(&w.token))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let s = w.status().await;
    assert_eq!(count(&s, "total_items"), 0, "{s}");
    let folder = w.anime.path().join(KEY);
    crate::queue_support::poll("the cancelled download to let go", || {
        let folder = folder.clone();
        async move {
            let leftovers: Vec<_> = walk(&folder);
            leftovers.is_empty().then_some(())
        }
    })
    .await;
    assert!(!w.episode_file(KEY, 1, 1).exists());
    gate.open();
}

/// Files under `dir` (none when it does not exist).
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[actix_web::test]
async fn start_needs_an_anime_directory_and_picks_up_a_configured_one() {
    let w = queue_world(|c| c["other"]["anime_directory"] = serde_json::Value::Null).await;
    let data = serve(&w, 1, 1, 30_000, Serving::Fast);
    w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    let r = w.post("/api/queue/start").await;
    r.assert_error(400, "BAD_REQUEST");
    assert!(
        r.json["message"].as_str().unwrap().contains("anime"),
        "{}",
        r.text
    );
    assert_eq!(w.status().await["status"]["is_running"], false);

    let dir = w.anime.path().to_string_lossy().into_owned();
    let r = w
        .app
        .put(
            "/api/config",
            Some(&w.token),
            &json!({"other": {"anime_directory": dir}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The engine learns the directory from the configuration watcher.
    crate::queue_support::poll("the queue to accept start", || async {
        let r = w.post("/api/queue/start").await;
        (r.status == 200).then_some(())
    })
    .await;
    w.wait_status("the download completed", |s| {
        s["statistics"]["completed_count"] == 1
    })
    .await;
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 1)).unwrap(), data);
}

#[actix_web::test]
async fn a_serie_folder_no_file_system_can_hold_is_refused_when_added() {
    let w = queue_world(|_| {}).await;
    let t = Some(w.token.as_str());
    let ep = json!([{"season": 1, "episode": 1}]);
    // Over 255 bytes, and short enough as a folder but too long once ` - S01E01.mp4.part...`
    // is appended: both used to be accepted and fail at download time.
    for folder in ["x".repeat(256), "ä".repeat(120)] {
        let r = w
            .app
            .post(
                "/api/queue/add",
                t,
                &json!({"serie_id": KEY, "serie_folder": folder, "episodes": ep}),
            )
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(r.json["details"]["serie_folder"].is_string(), "{}", r.text);
    }
    assert_eq!(count(&w.status().await, "total_items"), 0);
    let fits = "x".repeat(200);
    let r = w
        .app
        .post(
            "/api/queue/add",
            t,
            &json!({"serie_id": KEY, "serie_folder": fits, "episodes": ep}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[actix_web::test]
async fn a_running_download_keeps_its_folder_when_the_anime_folder_changes() {
    let w = queue_world(|_| {}).await;
    let gate = Gate::new();
    let one = serve(
        &w,
        1,
        1,
        200_000,
        Serving::TrickleAfter(20_000, gate.clone()),
    );
    let two = serve(&w, 1, 2, 30_000, Serving::Fast);
    w.add_ids(KEY, &[(1, 1), (1, 2)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("the first download running", |s| {
        s["status"]["active_downloads"]
            .as_array()
            .is_some_and(|a| a.len() == 1)
    })
    .await;

    let new = tempfile::tempdir().unwrap();
    let r = w
        .app
        .post(
            "/api/config/directory",
            Some(&w.token),
            &json!({"directory": new.path().to_str().unwrap()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    gate.open();
    w.wait_status("both downloads completed", |s| {
        count(s, "completed_count") == 2
    })
    .await;
    let in_new = |e: u32| {
        new.path()
            .join(aniworld_core::naming::episode_relative_path(
                KEY,
                EpisodeId::new(1, e),
            ))
    };
    // The running download ended where it started; the one after it went to the new folder.
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 1)).unwrap(), one);
    assert!(!in_new(1).exists());
    assert_eq!(std::fs::read(in_new(2)).unwrap(), two);
    assert!(!w.episode_file(KEY, 1, 2).exists());
}

#[actix_web::test]
async fn auto_start_on_starts_the_queue_when_items_are_added_and_off_leaves_it_stopped() {
    // On (the default): adding to a stopped queue starts it, and the episode downloads.
    let w = queue_world(|c| c["download"]["auto_start"] = json!(true)).await;
    let one = serve(&w, 1, 1, 50_000, Serving::Fast);
    assert_eq!(w.status().await["status"]["is_running"], json!(false));
    w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    let s = w.status().await;
    assert_eq!(s["status"]["is_running"], json!(true), "{s}");
    assert_eq!(s["status"]["is_paused"], json!(false), "{s}");
    w.wait_status("the episode completed", |s| {
        count(s, "completed_count") == 1
    })
    .await;
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 1)).unwrap(), one);
    // A pause is the user's: the next add leaves it paused.
    assert_eq!(w.post("/api/queue/pause").await.status, 200);
    serve(&w, 1, 2, 50_000, Serving::Fast);
    w.add_ids(KEY, &[(1, 2)], "NORMAL").await;
    let s = w.status().await;
    assert_eq!(s["status"]["is_running"], json!(false), "{s}");
    assert_eq!(s["status"]["is_paused"], json!(true), "{s}");
    assert_eq!(count(&s, "pending_count"), 1, "{s}");

    // Off: the items wait in a stopped queue.
    let w = queue_world(|c| c["download"]["auto_start"] = json!(false)).await;
    serve(&w, 1, 1, 50_000, Serving::Fast);
    w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    let s = w.status().await;
    assert_eq!(s["status"]["is_running"], json!(false), "{s}");
    assert_eq!(count(&s, "pending_count"), 1, "{s}");
}

#[actix_web::test]
async fn items_say_how_many_retries_are_allowed_and_when_a_failed_attempt_is_tried_again() {
    let w = queue_world(|c| {
        c["download"]["max_retries"] = json!(3);
        c["download"]["retry_backoff_seconds"] = json!(3600);
        c["download"]["auto_start"] = json!(false);
    })
    .await;
    // The media host answers 503: a failure worth retrying.
    serve(&w, 1, 1, 50_000, Serving::Fast);
    w.sites.voe.serve(
        &Sites::media_path(KEY, 1, 1),
        FakeResponse::text("busy").with_status(503),
    );
    w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    let s = w.status().await;
    let it = &s["status"]["pending_queue"][0];
    assert_eq!(it["max_retries"], 3, "{it}");
    assert_eq!(it["next_try_at"], json!(null), "never tried: {it}");

    let before = chrono::Utc::now();
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    let s = w
        .wait_status("the item waits for its first retry", |s| {
            s["status"]["pending_queue"][0]["retry_count"] == 1
                || s["statistics"]["failed_count"] != 0
        })
        .await;
    let it = &s["status"]["pending_queue"][0];
    assert_eq!(it["retry_count"], 1, "{s}");
    assert_eq!(it["max_retries"], 3, "{it}");
    assert!(
        it["error"].as_str().is_some_and(|e| e.contains("503")),
        "{it}"
    );
    let next: chrono::DateTime<chrono::Utc> = it["next_try_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("next_try_at in {it}"));
    let wait = next - before;
    assert!(
        wait > chrono::Duration::minutes(50) && wait < chrono::Duration::minutes(70),
        "{it}"
    );
}
