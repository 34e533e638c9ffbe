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
    use crate::fakes::hoster::Serving;
    use crate::queue_support::queue_world;

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
