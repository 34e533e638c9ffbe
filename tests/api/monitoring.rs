//! How the library follows each series (docs/monitoring.md), over HTTP against the fake
//! catalogue and hoster: the defaults and explicit settings of `POST /api/anime/add` shown by
//! `GET /api/anime` and `GET /api/anime/{id}`; `PATCH /api/anime/{id}` field by field and its
//! refusals (which change nothing); `DELETE /api/anime/{id}` with and without `delete_files`;
//! automatic runs that queue only monitored series.

use actix_web::http::Method;
use aniworld_testkit::Gate;
use aniworld_testkit::catalogue::FakeSeries;
use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::{Value, json};

use crate::anime_support::{World, world};
use crate::helpers::{Resp, send};
use crate::queue_support::{QueueWorld, poll, queue_world};
use crate::scheduler::{WAIT, wait_scheduler};
use crate::scheduler_runs::mirror_series_pages;

const AOT: &str = "attack-on-titan";
const GLOBAL: [&str; 3] = ["German Dub", "German Sub", "English Sub"];

/// The monitoring fields of a series answer.
fn settings(series: &Value) -> Value {
    json!({
        "monitored": series["monitored"],
        "languages": series["languages"],
        "cutoff": series["cutoff"],
        "upgrade": series["upgrade"],
    })
}

fn defaults() -> Value {
    json!({ "monitored": true, "languages": GLOBAL, "cutoff": "German Dub", "upgrade": false })
}

async fn patch(app: &crate::helpers::TestApp, token: &str, path: &str, body: &Value) -> Resp {
    send(
        &app.client,
        &app.address,
        Method::PATCH,
        path,
        Some(token),
        Some(body),
        &[],
    )
    .await
}

impl World {
    async fn patch(&self, path: &str, body: &Value) -> Resp {
        patch(&self.app, &self.token, path, body).await
    }

    /// The library entry of `key` in `GET /api/anime?filter=all`.
    async fn listed(&self, key: &str) -> Value {
        let r = self.get("/api/anime?filter=all").await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap_or_else(|| panic!("{key} not listed: {}", r.text))
            .clone()
    }
}

#[actix_web::test]
async fn a_series_added_without_settings_shows_the_defaults_in_force() {
    let w = world().await;
    w.add(AOT).await;
    let detail = w.get(&format!("/api/anime/{AOT}")).await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    assert_eq!(settings(&detail.json), defaults());
    assert_eq!(settings(&w.listed(AOT).await), defaults());

    // Without its own list the series follows the global order, also when it changes.
    let r = w
        .app
        .put(
            "/api/config",
            Some(&w.token),
            &json!({ "download": { "language_preference": ["English Dub", "German Sub"] } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let follows = json!({
        "monitored": true, "languages": ["English Dub", "German Sub"],
        "cutoff": "English Dub", "upgrade": false,
    });
    assert_eq!(settings(&w.listed(AOT).await), follows);
    assert_eq!(
        settings(&w.get(&format!("/api/anime/{AOT}")).await.json),
        follows
    );
}

#[actix_web::test]
async fn a_series_added_with_settings_keeps_them() {
    let w = world().await;
    let own = json!({
        "monitored": false, "languages": ["English Dub", "German Sub"],
        "cutoff": "German Sub", "upgrade": true,
    });
    let mut body = own.clone();
    body["link"] = json!(w.catalogue.link(AOT));
    let r = w.post("/api/anime/add", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(settings(&w.listed(AOT).await), own);
    assert_eq!(
        settings(&w.get(&format!("/api/anime/{AOT}")).await.json),
        own
    );
    // Only some of them: the others take their defaults; the cutoff is the first of the list.
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": w.catalogue.link("kaguya-sama"), "languages": ["German Sub"] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        settings(&w.listed("kaguya-sama").await),
        json!({ "monitored": true, "languages": ["German Sub"], "cutoff": "German Sub", "upgrade": false })
    );
}

#[actix_web::test]
async fn an_add_with_bad_settings_is_refused_naming_the_field_and_adds_nothing() {
    let w = world().await;
    let link = w.catalogue.link(AOT);
    for (body, field) in [
        (
            json!({ "languages": ["German Dub", "Klingon"] }),
            "languages[1]",
        ),
        (json!({ "languages": [] }), "languages"),
        (
            json!({ "languages": ["German Sub", "German Sub"] }),
            "languages",
        ),
        (
            json!({ "languages": ["German Sub"], "cutoff": "German Dub" }),
            "cutoff",
        ),
        (json!({ "cutoff": "English Dub" }), "cutoff"),
        (json!({ "monitored": "yes" }), "monitored"),
        (json!({ "upgrade": null }), "upgrade"),
    ] {
        let mut body = body;
        body["link"] = json!(link);
        let r = w.post("/api/anime/add", &body).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(r.json["details"]["field"], field, "{body}: {}", r.text);
    }
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 0);
}

#[actix_web::test]
async fn patch_changes_each_setting_and_answers_like_the_detail() {
    let w = world().await;
    w.add(AOT).await;
    let path = format!("/api/anime/{AOT}");
    let mut expected = defaults();
    for (change, field, value) in [
        (json!({ "monitored": false }), "monitored", json!(false)),
        (
            json!({ "languages": ["German Sub", "English Dub"] }),
            "languages",
            json!(["German Sub", "English Dub"]),
        ),
        (
            json!({ "cutoff": "English Dub" }),
            "cutoff",
            json!("English Dub"),
        ),
        (json!({ "upgrade": true }), "upgrade", json!(true)),
    ] {
        let r = w.patch(&path, &change).await;
        assert_eq!(r.status, 200, "{change}: {}", r.text);
        expected[field] = value;
        if field == "languages" {
            // The old cutoff (the first of the old list) gave way to the first of the new one.
            expected["cutoff"] = json!("German Sub");
        }
        assert_eq!(settings(&r.json), expected, "{change}");
        assert_eq!(r.json, w.get(&path).await.json, "{change}");
        assert_eq!(settings(&w.listed(AOT).await), expected, "{change}");
    }
    assert_eq!(
        w.get(&path).await.json["episodes"],
        json!(["0-1", "1-3", "1-4", "2-2"])
    );
    // An empty patch changes nothing; null gives the list and the cutoff back to the defaults.
    let r = w.patch(&path, &json!({})).await;
    assert_eq!(settings(&r.json), expected);
    let r = w
        .patch(&path, &json!({ "languages": null, "cutoff": null }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        settings(&r.json),
        json!({ "monitored": false, "languages": GLOBAL, "cutoff": "German Dub", "upgrade": true })
    );
    // All four at once, by folder name too.
    let all = json!({
        "monitored": true, "languages": ["English Sub"], "cutoff": "English Sub", "upgrade": false,
    });
    let r = w
        .patch("/api/anime/Attack%20on%20Titan%20(2013)", &all)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(settings(&r.json), all);
}

#[actix_web::test]
async fn refused_patches_name_the_field_and_change_nothing() {
    let w = world().await;
    w.add(AOT).await;
    let path = format!("/api/anime/{AOT}");
    let own = json!({
        "monitored": false, "languages": ["German Sub", "English Dub"],
        "cutoff": "English Dub", "upgrade": true,
    });
    assert_eq!(w.patch(&path, &own).await.status, 200);
    let before = w.get(&path).await.json;
    for (body, field) in [
        (json!({ "colour": "red" }), "colour"),
        (json!({ "upgrade": true, "colour": "red" }), "colour"),
        (
            json!({ "languages": ["German Dub", "Klingon"] }),
            "languages[1]",
        ),
        (json!({ "languages": [] }), "languages"),
        (
            json!({ "languages": ["German Sub", "German Sub"] }),
            "languages",
        ),
        (json!({ "languages": "German Sub" }), "languages"),
        // A cutoff outside the new list, the current list, or the global order.
        (
            json!({ "languages": ["German Sub"], "cutoff": "German Dub" }),
            "cutoff",
        ),
        (json!({ "cutoff": "German Dub" }), "cutoff"),
        (json!({ "languages": ["German Sub"] }), "cutoff"),
        (json!({ "languages": null }), "cutoff"),
        (json!({ "cutoff": "Klingon" }), "cutoff"),
        (json!({ "monitored": "no" }), "monitored"),
        (json!({ "monitored": null }), "monitored"),
        (json!({ "upgrade": 1 }), "upgrade"),
        (json!(["monitored"]), "body"),
        // A valid field does not make the refusal of another one partial.
        (
            json!({ "monitored": true, "cutoff": "German Dub" }),
            "cutoff",
        ),
    ] {
        let r = w.patch(&path, &body).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(r.json["details"]["field"], field, "{body}: {}", r.text);
        assert!(r.json["details"][field].is_string(), "{body}: {}", r.text);
        assert_eq!(w.get(&path).await.json, before, "{body} changed something");
    }
    // Both unknown keys are named.
    let r = w.patch(&path, &json!({ "a": 1, "b": 2 })).await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(r.json["details"]["a"].is_string() && r.json["details"]["b"].is_string());
    // Not JSON, not sent as JSON, no series.
    let r = send(
        &w.app.client,
        &w.app.address,
        Method::PATCH,
        &path,
        Some(&w.token),
        None,
        &[("Content-Type", "application/json")],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = w
        .patch("/api/anime/no-such-series", &json!({ "upgrade": true }))
        .await;
    r.assert_error(404, "NOT_FOUND_ERROR");
    assert_eq!(w.get(&path).await.json, before);
    // Protected like the rest of the library.
    let r = send(
        &w.app.client,
        &w.app.address,
        Method::PATCH,
        &path,
        None,
        Some(&json!({ "upgrade": false })),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
}

impl QueueWorld {
    async fn remove(&self, key: &str, query: &str) -> Resp {
        self.app
            .delete(&format!("/api/anime/{key}{query}"), Some(&self.token))
            .await
    }

    /// Every queue item of `key`, in any list.
    async fn items_of(&self, key: &str) -> Vec<Value> {
        let s = self.status().await;
        [
            "active_downloads",
            "pending_queue",
            "completed_downloads",
            "failed_downloads",
        ]
        .iter()
        .flat_map(|l| s["status"][l].as_array().cloned().unwrap_or_default())
        .filter(|i| i["serie_id"] == key)
        .collect()
    }

    /// Serves `episodes` of `key` and downloads them through the queue (asserting completion).
    async fn download(&self, key: &str, episodes: &[(u32, u32)]) {
        for &(s, e) in episodes {
            let data = media_bytes(key, s, e, 64 * 1024);
            self.sites.episode(key, s, e, data, Serving::Fast);
        }
        self.add_ids(key, episodes, "NORMAL").await;
        assert_eq!(self.post("/api/queue/start").await.status, 200);
        let want = self.items_of(key).await.len();
        self.wait_status("the downloads to complete", |s| {
            s["status"]["completed_downloads"]
                .as_array()
                .is_some_and(|c| c.iter().filter(|i| i["serie_id"] == key).count() == want)
        })
        .await;
        assert_eq!(self.post("/api/queue/stop").await.status, 200);
    }

    async fn listed_keys(&self) -> Vec<String> {
        let r = self
            .app
            .get("/api/anime?filter=all", Some(&self.token))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap().to_string())
            .collect()
    }
}

#[actix_web::test]
async fn delete_removes_the_series_and_its_queue_items_and_keeps_the_files() {
    let w = queue_world(|_| {}).await;
    w.seed_series("demo", &[(1, 1), (1, 2), (1, 3)]);
    w.seed_series("other", &[(1, 1)]);
    w.download("demo", &[(1, 1)]).await;
    w.add_ids("demo", &[(1, 2), (1, 3)], "NORMAL").await;
    w.add_ids("other", &[(1, 1)], "NORMAL").await;
    let file = w.episode_file("demo", 1, 1);
    assert!(file.is_file());
    assert_eq!(w.listed_keys().await, ["demo", "other"]);

    let r = w.remove("demo", "").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({
            "status": "success",
            "message": "Removed demo from the library (3 queue item(s), files kept)",
            "key": "demo",
            "site": "aniworld.to",
            "folder": "demo",
            "queue_items_removed": 3,
            "files_removed": [],
            "files_kept": [],
            "folder_removed": false,
        })
    );
    assert!(file.is_file(), "files stay without delete_files");
    assert_eq!(w.listed_keys().await, ["other"]);
    w.app
        .get("/api/anime/demo", Some(&w.token))
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    assert_eq!(w.items_of("demo").await, Vec::<Value>::new());
    assert_eq!(
        w.items_of("other").await.len(),
        1,
        "other series keep theirs"
    );
    // Gone is gone; a bad flag is refused before anything is looked up.
    w.remove("demo", "")
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    let r = w.remove("other", "?delete_files=yes").await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(r.json["details"]["field"], "delete_files");
    assert_eq!(w.listed_keys().await, ["other"]);
}

#[actix_web::test]
async fn delete_files_removes_only_the_files_the_service_downloaded() {
    let w = queue_world(|_| {}).await;
    w.seed_series("demo", &[(1, 1), (1, 2)]);
    w.seed_series("tidy", &[(1, 1)]);
    w.download("demo", &[(1, 1), (1, 2)]).await;
    w.download("tidy", &[(1, 1)]).await;
    // The user's own files beside the downloaded ones, and the same name in another folder.
    let folder = w.anime.path().join("demo");
    let own = folder.join("Season 01/my copy - S01E03.mkv");
    let notes = folder.join("notes.txt");
    std::fs::write(&own, b"mine").unwrap();
    std::fs::write(&notes, b"mine").unwrap();
    let elsewhere = w.anime.path().join("elsewhere/Season 01/demo - S01E01.mp4");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    std::fs::write(&elsewhere, b"mine").unwrap();
    // Clearing the queue does not make the service forget which files it wrote.
    let r = w.app.delete("/api/queue/completed", Some(&w.token)).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let r = w.remove("demo", "?delete_files=true").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["files_removed"],
        json!(["Season 01/demo - S01E01.mp4", "Season 01/demo - S01E02.mp4"])
    );
    assert_eq!(r.json["files_kept"], json!([]));
    assert_eq!(r.json["folder_removed"], false);
    assert!(!w.episode_file("demo", 1, 1).exists());
    assert!(!w.episode_file("demo", 1, 2).exists());
    for kept in [&own, &notes, &elsewhere] {
        assert_eq!(std::fs::read(kept).unwrap(), b"mine", "{}", kept.display());
    }
    // Each deleted file is in the history.
    let r = w
        .app
        .get("/api/history?serie_id=demo&event=deleted", Some(&w.token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json.as_array().map(Vec::len), Some(2), "{}", r.text);

    // A folder that holds nothing else goes with its files.
    let r = w.remove("tidy", "?delete_files=true").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["files_removed"],
        json!(["Season 01/tidy - S01E01.mp4"])
    );
    assert_eq!(r.json["folder_removed"], true);
    assert!(!w.anime.path().join("tidy").exists());
    assert!(w.anime.path().is_dir());
    assert_eq!(w.listed_keys().await, Vec::<String>::new());
}

#[cfg(unix)]
#[actix_web::test]
async fn delete_files_never_follows_a_link_out_of_the_series_folder() {
    let w = queue_world(|_| {}).await;
    w.seed_series("demo", &[(1, 1)]);
    w.download("demo", &[(1, 1)]).await;
    // The downloaded file was replaced by a link to a file outside the library.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious.mp4");
    std::fs::write(&target, b"precious").unwrap();
    let file = w.episode_file("demo", 1, 1);
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();

    let r = w.remove("demo", "?delete_files=true").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["files_removed"], json!([]));
    assert_eq!(
        r.json["files_kept"][0]["path"],
        "Season 01/demo - S01E01.mp4"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    assert!(file.symlink_metadata().is_ok(), "the link itself stays");
}

#[actix_web::test]
async fn deleting_a_series_cancels_its_running_download() {
    let w = queue_world(|_| {}).await;
    w.seed_series("demo", &[(1, 1)]);
    let gate = Gate::new();
    let data = media_bytes("demo", 1, 1, 200_000);
    w.sites.episode(
        "demo",
        1,
        1,
        data,
        Serving::TrickleAfter(20_000, gate.clone()),
    );
    w.add_ids("demo", &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    // Running, with data in its folder.
    poll("the download to fetch media", || async {
        (!w.sites.media_requests("demo", 1, 1).is_empty()).then_some(())
    })
    .await;
    poll("the download to write", || async {
        let s = w.status().await;
        let active = s["status"]["active_downloads"].as_array().cloned()?;
        (active.len() == 1 && active[0]["progress"]["downloaded_mb"].as_f64()? > 0.0).then_some(())
    })
    .await;
    assert!(w.anime.path().join("demo/Season 01").is_dir());

    let r = w.remove("demo", "?delete_files=true").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["queue_items_removed"], 1);
    // The cancelled download left nothing, so the folder it made went too.
    assert_eq!(r.json["folder_removed"], true, "{}", r.text);
    gate.open();
    assert_eq!(w.items_of("demo").await, Vec::<Value>::new());
    assert!(!w.anime.path().join("demo").exists());
}

#[actix_web::test]
async fn an_automatic_run_queues_only_monitored_series() {
    let w = queue_world(|_| {}).await;
    for key in ["watched", "ignored"] {
        mirror_series_pages(&w.sites.catalogue, FakeSeries::new(key, key, &[(1, 2)])).await;
        for e in [1, 2] {
            let data = media_bytes(key, 1, e, 64 * 1024);
            w.sites.episode(key, 1, e, data, Serving::Fast);
        }
        w.seed_series(key, &[]);
    }
    let r = patch(
        &w.app,
        &w.token,
        "/api/anime/ignored",
        &json!({ "monitored": false }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = w
        .app
        .post(
            "/api/scheduler/config",
            Some(&w.token),
            &json!({ "auto_download_after_rescan": true, "rescan_mode": "full" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = w.post("/api/scheduler/trigger-rescan").await;
    assert_eq!(r.status, 200, "{}", r.text);

    let view = wait_scheduler(&w.app, &w.token, "the run to finish", WAIT, |v| {
        !v["status"]["last_outcome"].is_null()
    })
    .await;
    let outcome = &view["status"]["last_outcome"];
    assert_eq!(outcome["error"], Value::Null, "{view}");
    assert_eq!(outcome["series_scanned"], 2, "{view}");
    assert_eq!(outcome["missing_found"], 4, "{view}");
    assert_eq!(outcome["episodes_queued"], 2, "{view}");
    w.wait_status("the monitored series downloaded", |s| {
        s["statistics"]["completed_count"] == 2
    })
    .await;
    assert!(w.episode_file("watched", 1, 2).is_file());
    assert_eq!(w.items_of("ignored").await, Vec::<Value>::new());
    assert!(w.sites.media_requests("ignored", 1, 1).is_empty());
    assert!(!w.episode_file("ignored", 1, 1).exists());

    // Queueing by hand is not affected.
    let ids = w.add_ids("ignored", &[(1, 1)], "NORMAL").await;
    assert_eq!(ids.len(), 1);
}
