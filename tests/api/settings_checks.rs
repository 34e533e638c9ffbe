//! The settings page's tests: `POST /api/config/test/tmdb` against the fake TMDB,
//! `POST /api/config/test/anime-directory` against temp folders, and the refusal of a daily
//! rescan schedule on no day.

use std::path::Path;

use aniworld_metadata::matching::normalize_title;
use aniworld_testkit::tmdb::{FakeTmdb, KEY, TOKEN};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

const TMDB: &str = "/api/config/test/tmdb";
const FOLDER: &str = "/api/config/test/anime-directory";

#[actix_web::test]
async fn the_tmdb_test_asks_the_configured_tmdb_and_never_echoes_the_key() {
    let tmdb = FakeTmdb::start(Vec::new(), normalize_title);
    let nfo = tmdb.nfo_config_with(None);
    let app = spawn_app_with(
        move |c| {
            for (k, v) in nfo.as_object().unwrap() {
                c["nfo"][k] = v.clone();
            }
        },
        |_| {},
    )
    .await;
    let t = app.token().await;

    // No key given and none stored: a clear "no key", not an error, and TMDB is not asked.
    let r = app.post_empty(TMDB, Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["ok"], false);
    assert_eq!(r.json["code"], "no_key");
    assert!(tmdb.api_requests("/3/configuration").is_empty());

    // A given key, good (v3 key or read access token) and bad.
    for key in [KEY, TOKEN] {
        let r = app.post(TMDB, Some(&t), &json!({"api_key": key})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["ok"], true, "{}", r.text);
        assert_eq!(r.json["code"], "accepted");
        assert!(!r.text.contains(key), "the key is not echoed: {}", r.text);
    }
    let bad = "ffffffffffffffffffffffffffffffff";
    let r = app.post(TMDB, Some(&t), &json!({"api_key": bad})).await;
    assert_eq!(r.status, 200, "a refused key is an answer: {}", r.text);
    assert_eq!(r.json["ok"], false);
    assert_eq!(r.json["code"], "rejected");
    assert!(
        r.json["message"].as_str().unwrap().contains("rejected"),
        "{}",
        r.text
    );
    assert!(!r.text.contains(bad), "{}", r.text);
    assert!(
        tmdb.api_requests("/3/configuration").len() >= 3,
        "the configured TMDB was asked"
    );

    // Nothing was stored by testing.
    assert!(app.config_on_disk()["nfo"]["tmdb_api_key"].is_null());

    // The stored key is tested when none is given (or the redacted placeholder comes back).
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"nfo": {"tmdb_api_key": KEY}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for body in [
        json!({}),
        json!({"api_key": "********"}),
        json!({"api_key": ""}),
    ] {
        let r = app.post(TMDB, Some(&t), &body).await;
        assert_eq!(r.json["ok"], true, "{body}: {}", r.text);
        assert!(!r.text.contains(KEY), "{}", r.text);
    }

    // An unknown field is refused by name.
    let r = app.post(TMDB, Some(&t), &json!({"key": KEY})).await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(!r.text.contains(KEY), "{}", r.text);

    // TMDB unreachable: ok false, not a 500.
    drop(tmdb);
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"nfo": {"tmdb_api_url": "http://127.0.0.1:9/3"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post_empty(TMDB, Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["code"], "unreachable", "{}", r.text);
}

#[actix_web::test]
async fn the_folder_test_checks_without_changing_anything() {
    let app = spawn_app().await;
    let t = app.token().await;
    let root = tempfile::tempdir().unwrap();
    let test = |path: &Path| json!({"path": path.to_str().unwrap()});

    // Nothing set yet.
    let r = app.post_empty(FOLDER, Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["code"], "not_set");

    // An existing folder: usable, its series folders counted (hidden folders and files not).
    let anime = root.path().join("anime");
    for d in ["Frieren (2023)", "Dandadan (2024)", ".trash"] {
        std::fs::create_dir_all(anime.join(d)).unwrap();
    }
    std::fs::write(anime.join("notes.txt"), b"x").unwrap();
    let before = std::fs::read_dir(&anime).unwrap().count();
    let r = app.post(FOLDER, Some(&t), &test(&anime)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["ok"], true, "{}", r.text);
    assert_eq!(r.json["code"], "usable");
    assert_eq!(r.json["series_folders"], 2);
    assert_eq!(
        std::fs::read_dir(&anime).unwrap().count(),
        before,
        "no probe file is left"
    );

    // Missing: reported, not created.
    let missing = root.path().join("missing");
    let r = app.post(FOLDER, Some(&t), &test(&missing)).await;
    assert_eq!(r.json["ok"], false, "{}", r.text);
    assert_eq!(r.json["code"], "missing");
    assert!(!missing.exists(), "testing creates nothing");

    // A file.
    let r = app
        .post(FOLDER, Some(&t), &test(&anime.join("notes.txt")))
        .await;
    assert_eq!(r.json["code"], "not_a_folder", "{}", r.text);

    // Not writable for this process, whoever it runs as (root included).
    if Path::new("/proc/self").is_dir() {
        let r = app
            .post(FOLDER, Some(&t), &json!({"path": "/proc/self"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["ok"], false);
        assert_eq!(r.json["code"], "not_writable", "{}", r.text);
    }

    // Relative or blank paths are refused naming the field.
    for path in ["anime", "./anime", "", "   "] {
        let r = app.post(FOLDER, Some(&t), &json!({ "path": path })).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(r.json["details"]["field"], "path", "{path:?}: {}", r.text);
        assert!(r.json["details"]["path"].is_string(), "{}", r.text);
    }

    // Without a path, the folder set now is tested.
    let r = app
        .post(
            "/api/config/directory",
            Some(&t),
            &json!({"directory": anime.to_str().unwrap()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post(FOLDER, Some(&t), &json!({})).await;
    assert_eq!(r.json["code"], "usable", "{}", r.text);
    assert_eq!(r.json["series_folders"], 2);

    // Both tests are in the API document.
    let doc = app.get("/openapi.json", None).await.json;
    for path in [TMDB, FOLDER] {
        assert!(
            doc["paths"][path]["post"].is_object(),
            "{path} undocumented"
        );
    }
}

#[actix_web::test]
async fn a_daily_schedule_on_no_day_is_refused_naming_the_days() {
    let app = spawn_app().await;
    let t = app.token().await;
    let before = app.config_on_disk();
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"scheduler": {"enabled": true, "schedule_time": "03:00", "schedule_days": []}}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(
        r.json["details"]["field"], "scheduler.schedule_days",
        "{}",
        r.text
    );
    assert_eq!(app.config_on_disk(), before, "nothing was stored");

    // The scheduler's own endpoint refuses it too.
    let r = app
        .post(
            "/api/scheduler/config",
            Some(&t),
            &json!({"enabled": true, "schedule_days": []}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(r.json["details"]["field"], "schedule_days", "{}", r.text);

    // Off, no day is fine.
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"scheduler": {"enabled": false, "schedule_days": []}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
