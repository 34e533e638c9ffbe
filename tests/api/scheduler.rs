//! Scheduler endpoints (api.md section 7): the config envelope, validation, saving to
//! config.json, and manual triggers (one scan at a time, 503 before the library is ready).

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use serde_json::{Value, json};

use crate::anime_support::{World, standard_catalogue, world_with};
use crate::helpers::{TestApp, spawn_app};

/// How long a poll waits before the test fails.
pub const WAIT: Duration = Duration::from_secs(90);

/// `GET /api/scheduler/config`, asserting 200.
pub async fn scheduler(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/scheduler/config", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

/// Polls the scheduler (bounded by `bound`) until `check` holds; returns the envelope.
pub async fn wait_scheduler(
    app: &TestApp,
    token: &str,
    what: &str,
    bound: Duration,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + bound;
    loop {
        let view = scheduler(app, token).await;
        if check(&view) {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {view}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn parse_time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

#[actix_web::test]
async fn config_envelope_has_the_api_md_shape() {
    let app = spawn_app().await;
    let token = app.token().await;
    let view = scheduler(&app, &token).await;
    assert_eq!(view["success"], true);
    let config = &view["config"];
    assert_eq!(config["enabled"], true);
    assert_eq!(config["interval_minutes"], 60);
    assert_eq!(config["schedule_time"], "03:00");
    assert_eq!(
        config["schedule_days"],
        json!(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    );
    assert_eq!(config["auto_download_after_rescan"], false);
    let status = &view["status"];
    assert_eq!(status["is_running"], true);
    assert_eq!(status["last_run"], Value::Null);
    assert_eq!(status["scan_in_progress"], false);
    let next = status["next_run"].as_str().unwrap();
    assert!(next.ends_with("+00:00"), "{next}");
    let next = parse_time(&status["next_run"]);
    assert!(next > Utc::now() && next <= Utc::now() + chrono::Duration::days(1));
}

#[actix_web::test]
async fn post_saves_applies_and_keeps_unsent_fields() {
    let app = spawn_app().await;
    let token = app.token().await;
    let r = app
        .post(
            "/api/scheduler/config",
            Some(&token),
            &json!({
                "enabled": true,
                "schedule_time": "06:30",
                "schedule_days": ["mon", "wed", "fri"],
                "auto_download_after_rescan": true,
                "timezone": "Asia/Kolkata",
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["success"], true);
    assert_eq!(r.json["config"]["schedule_time"], "06:30");
    assert_eq!(
        r.json["config"]["schedule_days"],
        json!(["mon", "wed", "fri"])
    );
    assert_eq!(r.json["config"]["auto_download_after_rescan"], true);
    assert_eq!(r.json["config"]["interval_minutes"], 60, "not sent, kept");
    // Applied at once: the next run is a Monday, Wednesday or Friday at 06:30 in Kolkata
    // (UTC+05:30 all year).
    let kolkata = chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let next = parse_time(&r.json["status"]["next_run"]).with_timezone(&kolkata);
    assert_eq!((next.hour(), next.minute()), (6, 30), "{next}");
    assert!(
        matches!(next.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri),
        "{next}"
    );
    assert!(next.with_timezone(&Utc) <= Utc::now() + chrono::Duration::days(3));
    // Saved to config.json.
    let disk = app.config_on_disk();
    assert_eq!(disk["scheduler"]["schedule_time"], "06:30");
    assert_eq!(
        disk["scheduler"]["schedule_days"],
        json!(["mon", "wed", "fri"])
    );
    assert_eq!(disk["scheduler"]["auto_download_after_rescan"], true);
    // And served by GET.
    assert_eq!(scheduler(&app, &token).await["config"], r.json["config"]);

    // Disabled: no next run, not running.
    let r = app
        .post(
            "/api/scheduler/config",
            Some(&token),
            &json!({ "enabled": false }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"]["next_run"], Value::Null);
    assert_eq!(r.json["status"]["is_running"], false);
    assert_eq!(r.json["config"]["schedule_time"], "06:30");

    // Interval mode for clients of the older API.
    let r = app
        .post(
            "/api/scheduler/config",
            Some(&token),
            &json!({ "enabled": true, "schedule_time": null, "interval_minutes": 5 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let next = parse_time(&r.json["status"]["next_run"]);
    let ahead = next - Utc::now();
    assert!(
        ahead > chrono::Duration::minutes(4) && ahead <= chrono::Duration::minutes(5),
        "{next}"
    );

    // A change through PUT /api/config applies at once too.
    let r = app
        .put(
            "/api/config",
            Some(&token),
            &json!({ "scheduler": { "enabled": false } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    wait_scheduler(&app, &token, "the PUT to apply", WAIT, |v| {
        v["status"]["next_run"].is_null() && v["status"]["is_running"] == false
    })
    .await;
}

#[actix_web::test]
async fn invalid_values_answer_422_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let token = app.token().await;
    let before = scheduler(&app, &token).await;
    let disk_before = app.config_on_disk();
    for (body, field) in [
        (json!({ "schedule_time": "25:00" }), "schedule_time"),
        (json!({ "schedule_time": "6:3" }), "schedule_time"),
        (json!({ "schedule_time": "noon" }), "schedule_time"),
        (
            json!({ "schedule_days": ["mon", "funday"] }),
            "schedule_days",
        ),
        (json!({ "schedule_days": "mon" }), "schedule_days"),
        (json!({ "interval_minutes": 0 }), "interval_minutes"),
        (json!({ "interval_minutes": -3 }), "interval_minutes"),
        (json!({ "enabled": "yes" }), "enabled"),
        (json!({ "timezone": "Mars/Olympus" }), "timezone"),
    ] {
        let r = app.post("/api/scheduler/config", Some(&token), &body).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(
            r.json["details"].get(field).is_some(),
            "{body} should name {field}: {}",
            r.text
        );
    }
    let r = app
        .post_raw("/api/scheduler/config", Some(&token), b"{not json".to_vec())
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(scheduler(&app, &token).await["config"], before["config"]);
    assert_eq!(app.config_on_disk(), disk_before);
}

#[actix_web::test]
async fn trigger_answers_503_before_the_library_is_ready() {
    // No anime directory configured.
    let app = spawn_app().await;
    let token = app.token().await;
    let r = app
        .post_empty("/api/scheduler/trigger-rescan", Some(&token))
        .await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");

    // An anime directory that is gone since it was set (an unmounted share).
    let gone = app.data_dir.path().join("not-mounted");
    let r = app
        .put(
            "/api/config",
            Some(&token),
            &json!({ "other": { "anime_directory": gone.to_string_lossy() } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    std::fs::remove_dir(&gone).unwrap();
    let r = app
        .post_empty("/api/scheduler/trigger-rescan", Some(&token))
        .await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    assert_eq!(
        scheduler(&app, &token).await["status"]["last_run"],
        Value::Null
    );
}

async fn library_world() -> World {
    // These runs look every series up (the changed mode has tests of its own in rescans.rs).
    let w = world_with(standard_catalogue(), |c| {
        c["scheduler"]["rescan_mode"] = json!("full");
    })
    .await;
    w.add("complete-show").await;
    w.add("kaguya-sama").await;
    w
}

#[actix_web::test]
async fn trigger_starts_one_scan_and_a_second_trigger_is_refused() {
    let w = library_world().await;
    let before = w.catalogue.series_page_hits("kaguya-sama");
    let gate = w.catalogue.hold_series_pages();

    let r = w
        .app
        .post_empty("/api/scheduler/trigger-rescan", Some(&w.token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, json!({ "message": "Rescan started successfully" }));
    // The scan is really running: the catalogue holds its series page requests.
    wait_scheduler(
        &w.app,
        &w.token,
        "the scan to reach the catalogue",
        WAIT,
        |_| w.catalogue.series_page_hits("kaguya-sama") > before,
    )
    .await;
    let view = scheduler(&w.app, &w.token).await;
    assert_eq!(view["status"]["scan_in_progress"], true, "{view}");

    let second = w
        .app
        .post_empty("/api/scheduler/trigger-rescan", Some(&w.token))
        .await;
    second.assert_error(409, "CONFLICT_ERROR");
    // The rescan endpoint shares the one-scan rule.
    let other = w.app.post_empty("/api/anime/rescan", Some(&w.token)).await;
    other.assert_error(409, "CONFLICT_ERROR");

    gate.open();
    let view = wait_scheduler(&w.app, &w.token, "the run to finish", WAIT, |v| {
        v["status"]["scan_in_progress"] == false && !v["status"]["last_outcome"].is_null()
    })
    .await;
    let outcome = &view["status"]["last_outcome"];
    assert_eq!(outcome["trigger"], "manual", "{view}");
    assert_eq!(outcome["series_scanned"], 2, "{view}");
    assert_eq!(
        outcome["missing_found"], 3,
        "kaguya-sama has 3 missing: {view}"
    );
    assert_eq!(
        outcome["episodes_queued"], 0,
        "auto download is off: {view}"
    );
    assert_eq!(outcome["error"], Value::Null, "{view}");
    assert_eq!(view["status"]["last_run"], outcome["started_at"]);
    // Exactly one scan ran: one more series page request per series.
    assert_eq!(w.catalogue.series_page_hits("kaguya-sama"), before + 1);
    assert_eq!(
        w.app.get("/api/queue/status", Some(&w.token)).await.json["status"]["pending_queue"],
        json!([])
    );
}

#[actix_web::test]
async fn unknown_keys_answer_422_naming_them_and_change_nothing() {
    let app = spawn_app().await;
    let token = app.token().await;
    let before = scheduler(&app, &token).await;
    let r = app
        .post(
            "/api/scheduler/config",
            Some(&token),
            &json!({"schedule_time": "06:30", "schedule_day": ["mon"]}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(r.json["details"]["schedule_day"].is_string(), "{}", r.text);
    assert_eq!(scheduler(&app, &token).await["config"], before["config"]);
    // What GET shows goes back unchanged.
    let r = app
        .post("/api/scheduler/config", Some(&token), &before["config"])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
