//! api.md section 8: `/health` and `/health/detailed`, also under `/api/health`.

use crate::helpers::spawn_app;

fn assert_timestamp(v: &serde_json::Value) {
    let s = v.as_str().expect("timestamp string");
    assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "{s}");
    assert!(s.ends_with('Z'), "{s}");
}

#[actix_web::test]
async fn basic_health_answers_without_a_token_on_both_paths() {
    let app = spawn_app().await;
    for path in ["/health", "/api/health"] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json["status"], "healthy");
        assert_eq!(r.json["version"], env!("CARGO_PKG_VERSION"));
        assert_timestamp(&r.json["timestamp"]);
    }
}

#[actix_web::test]
async fn detailed_health_reports_database_filesystem_and_system() {
    let app = spawn_app().await;
    for path in ["/health/detailed", "/api/health/detailed"] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let d = &r.json["dependencies"];
        assert_eq!(r.json["status"], "healthy", "{}", r.text);
        assert_eq!(d["database"]["status"], "healthy");
        assert!(d["database"]["connection_time_ms"].as_f64().unwrap() >= 0.0);
        assert_eq!(d["filesystem"]["data_dir_writable"], true);
        assert_eq!(d["filesystem"]["logs_dir_writable"], true);
        for k in ["cpu_percent", "memory_percent", "disk_percent"] {
            let x = d["system"][k].as_f64().unwrap_or(-1.0);
            assert!((0.0..=100.0).contains(&x), "{k} = {x}");
        }
        assert!(d["system"]["memory_available_mb"].as_f64().unwrap() > 0.0);
        assert!(d["system"]["disk_free_mb"].as_f64().unwrap() > 0.0);
        assert!(d["system"]["uptime_seconds"].as_f64().unwrap() >= 0.0);
        assert_timestamp(&r.json["startup_time"]);
        assert_timestamp(&r.json["timestamp"]);
    }
}

#[actix_web::test]
async fn a_read_only_log_dir_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let logs = app.data_dir.path().join("logs");
    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = logs.join("probe");
    // Root ignores permissions; only assert when the folder really refuses writes.
    let refused = std::fs::write(&probe, b"x").is_err();
    let _ = std::fs::remove_file(&probe);
    let r = app.get("/health/detailed", None).await;
    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["dependencies"]["filesystem"]["logs_dir_writable"],
        !refused
    );
    if refused {
        assert_eq!(r.json["status"], "degraded");
    }
}

#[actix_web::test]
async fn detailed_health_shows_how_each_hoster_fared_in_downloads() {
    use crate::queue_support::queue_world;
    use aniworld_testkit::hoster::Serving;

    let w = queue_world(|_| {}).await;
    let r = w.app.get("/health/detailed", None).await;
    assert_eq!(
        r.json["dependencies"]["hosters"],
        serde_json::json!({}),
        "no hoster tried yet: {}",
        r.text
    );
    assert!(r.json["dependencies"]["database"].is_object());

    // The only hoster of the episode answers 404 on its embed page.
    w.sites
        .episode("one-piece", 1, 1, Vec::new(), Serving::Broken);
    w.add_ids("one-piece", &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("the download failed", |s| {
        s["statistics"]["failed_count"] == 1
    })
    .await;
    for path in ["/health/detailed", "/api/health/detailed"] {
        let r = w.app.get(path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(
            r.json["status"], "healthy",
            "hosters never degrade the service"
        );
        let voe = &r.json["dependencies"]["hosters"]["VOE"];
        assert_eq!(voe["successes"], 0, "{}", r.text);
        assert!(voe["failures"].as_u64().unwrap_or(0) >= 1, "{}", r.text);
        let err = voe["last_error"].as_str().unwrap_or_default();
        assert!(err.contains("404") || err.contains("not found"), "{err}");
        assert_timestamp(&voe["last_attempt"]);
    }
}

/// Starts the service again on `data_dir` (the first one must be stopped); the returned app owns
/// a fresh, unused temp dir, the data stays where it was.
async fn restart(data_dir: &std::path::Path) -> crate::helpers::TestApp {
    let app = aniworld_server::Application::build(aniworld_server::Settings::for_tests(data_dir))
        .await
        .expect("app builds again");
    let (address, handle, state) = (app.address(), app.handle(), app.state());
    actix_web::rt::spawn(app.run_until_stopped());
    crate::helpers::TestApp {
        address,
        data_dir: tempfile::tempdir().unwrap(),
        client: crate::helpers::client(),
        handle,
        state,
    }
}

/// A hoster that fails its last three extractions (HTTP 502 on its embed page) is announced as
/// `hoster_degraded`, shows as degraded with its cool-down in `/health/detailed`, and both its
/// numbers and its cool-down survive a restart of the service.
#[actix_web::test]
async fn a_degraded_hoster_is_announced_shown_and_kept_across_a_restart() {
    use crate::queue_support::queue_world;
    use crate::ws_support::WsClient;
    use aniworld_testkit::FakeResponse;
    use aniworld_testkit::hoster::{Serving, Sites, media_bytes};

    let w = queue_world(|_| {}).await;
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    for e in 1..=3 {
        let data = media_bytes("one-piece", 1, e, 40_000);
        w.sites.episode("one-piece", 1, e, data, Serving::Fast);
        w.sites.voe.serve(
            &format!("/e/{}", Sites::code("one-piece", 1, e)),
            FakeResponse::html("<h1>502 Bad Gateway</h1>").with_status(502),
        );
    }
    w.add_ids("one-piece", &[(1, 1), (1, 2), (1, 3)], "NORMAL")
        .await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    let msg = ws
        .until_with("hoster_degraded", |d| d["hoster"] == "VOE")
        .await;
    let data = &msg["data"];
    assert_eq!(data["consecutive_failures"], 3, "{msg}");
    assert!(
        data["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("502"),
        "{msg}"
    );
    assert_timestamp(&data["until"]);
    w.wait_status("three failed downloads", |s| {
        s["statistics"]["failed_count"] == 3
    })
    .await;

    let before = w.app.get("/health/detailed", None).await;
    assert_eq!(before.status, 200, "{}", before.text);
    let voe = before.json["dependencies"]["hosters"]["VOE"].clone();
    assert_eq!(voe["status"], "degraded", "{}", before.text);
    assert_eq!(voe["consecutive_failures"], 3, "{}", before.text);
    assert_eq!(voe["failures"], 3, "{}", before.text);
    assert_eq!(voe["successes"], 0, "{}", before.text);
    assert_eq!(voe["degraded_until"], data["until"], "{}", before.text);
    assert_eq!(
        before.json["status"], "healthy",
        "hosters never degrade the service"
    );
    ws.close().await;

    w.app.handle.stop(true).await;
    let again = restart(w.app.data_dir.path()).await;
    let after = again.get("/health/detailed", None).await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(
        after.json["dependencies"]["hosters"]["VOE"], voe,
        "hoster health survives the restart: {}",
        after.text
    );
    again.handle.stop(true).await;
}
