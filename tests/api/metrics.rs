//! `GET /metrics`: off by default (404), a bearer token when on (401 without), and the figures
//! of real work: downloads by hoster and language, catalogue requests, HTTP routes, queue and
//! WebSocket gauges, process memory (docs/metrics.md).

use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::json;

use crate::helpers::{send, spawn_app, spawn_app_with};
use crate::queue_support::queue_world;
use crate::ws_support::WsClient;

const KEY: &str = "attack-on-titan";
const METRICS_TOKEN: &str = "scrape-me-0123456789";

/// The value of the sample `name{labels}` (labels as Prometheus prints them, sorted by name).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

async fn scrape(app: &crate::helpers::TestApp, token: Option<&str>) -> crate::helpers::Resp {
    app.get("/metrics", token).await
}

#[actix_web::test]
async fn metrics_are_off_by_default_and_need_a_token_when_on() {
    let off = spawn_app().await;
    let token = off.token().await;
    let r = scrape(&off, Some(&token)).await;
    r.assert_error(404, "NOT_FOUND_ERROR");

    let on = spawn_app_with(
        |c| {
            c["server"]["metrics"] = json!(true);
            c["server"]["metrics_token"] = json!(METRICS_TOKEN);
        },
        |_| {},
    )
    .await;
    for bad in [None, Some("garbage"), Some("scrape-me-0123456780")] {
        let r = scrape(&on, bad).await;
        r.assert_error(401, "AUTHENTICATION_ERROR");
    }
    // The own token works before setup already, a login token after it.
    let r = scrape(&on, Some(METRICS_TOKEN)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        r.header("content-type")
    );
    let login = on.token().await;
    let r = scrape(&on, Some(&login)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Labelled counters appear with their first sample; the queue gauges are there from the start.
    assert!(
        r.text.contains("# TYPE aniworld_queue_items gauge"),
        "{}",
        r.text
    );
    assert_eq!(
        sample(&r.text, "aniworld_queue_items{state=\"pending\"}"),
        Some(0.0)
    );
    assert!(sample(&r.text, "process_resident_memory_bytes").is_some_and(|b| b > 0.0));
    assert_eq!(sample(&r.text, "aniworld_library_series"), Some(0.0));

    // The token is a secret: redacted in GET /api/config and kept when the mask comes back.
    let cfg = on.get("/api/config", Some(&login)).await;
    assert_eq!(
        cfg.json["server"]["metrics_token"], "********",
        "{}",
        cfg.text
    );
    assert!(!cfg.text.contains(METRICS_TOKEN));
    let r = on
        .put(
            "/api/config",
            Some(&login),
            &json!({"server": cfg.json["server"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(scrape(&on, Some(METRICS_TOKEN)).await.status, 200);
    // Switched off through the API: 404 at once.
    let r = on
        .put(
            "/api/config",
            Some(&login),
            &json!({"server": {"metrics": false}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    scrape(&on, Some(METRICS_TOKEN))
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    // A short token is refused, naming the field.
    let r = on
        .put(
            "/api/config",
            Some(&login),
            &json!({"server": {"metrics_token": "short"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("server.metrics_token"), "{}", r.text);
}

#[actix_web::test]
async fn a_completed_and_a_failed_download_are_counted_by_hoster_and_language() {
    let w = queue_world(|c| {
        c["server"]["metrics"] = json!(true);
    })
    .await;
    let data = media_bytes(KEY, 1, 1, 40_000);
    w.sites.episode(KEY, 1, 1, data.clone(), Serving::Fast);
    w.sites.episode(KEY, 1, 2, Vec::new(), Serving::Broken);
    w.add_ids(KEY, &[(1, 1), (1, 2)], "NORMAL").await;
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("one completed and one failed", |s| {
        s["statistics"]["completed_count"] == 1 && s["statistics"]["failed_count"] == 1
    })
    .await;

    let r = scrape(&w.app, Some(&w.token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let t = &r.text;
    let voe = r#"{hoster="VOE",language="German Dub"}"#;
    assert_eq!(
        sample(t, &format!("aniworld_downloads_completed_total{voe}")),
        Some(1.0),
        "{t}"
    );
    assert_eq!(
        sample(t, &format!("aniworld_downloads_failed_total{voe}")),
        Some(1.0),
        "{t}"
    );
    let bytes = sample(t, r#"aniworld_downloaded_bytes_total{hoster="VOE"}"#);
    assert_eq!(bytes, Some(data.len() as f64), "{t}");
    assert_eq!(
        sample(
            t,
            r#"aniworld_download_duration_seconds_count{hoster="VOE"}"#
        ),
        Some(1.0),
        "{t}"
    );
    for (state, n) in [("completed", 1.0), ("failed", 1.0), ("pending", 0.0)] {
        let series = format!(r#"aniworld_queue_items{{state="{state}"}}"#);
        assert_eq!(sample(t, &series), Some(n), "{series}: {t}");
    }
    // Two episode pages and a play link were read from the catalogue.
    let ok = sample(
        t,
        r#"aniworld_catalogue_requests_total{outcome="ok",site="aniworld.to"}"#,
    );
    assert!(ok.is_some_and(|n| n >= 3.0), "{t}");
    // HTTP requests by route template and status class; the WebSocket client is open.
    let status = sample(
        t,
        r#"aniworld_http_requests_total{method="GET",route="/api/queue/status",status="2xx"}"#,
    );
    assert!(status.is_some_and(|n| n >= 1.0), "{t}");
    let deleted = send(
        &w.app.client,
        &w.app.address,
        actix_web::http::Method::DELETE,
        "/api/queue/not-an-id",
        Some(&w.token),
        None,
        &[],
    )
    .await;
    assert!(deleted.status >= 400, "{}", deleted.text);
    let t = scrape(&w.app, Some(&w.token)).await.text;
    assert!(
        t.contains(r#"route="/api/queue/{item_id}",status="4xx""#),
        "{t}"
    );
    assert_eq!(sample(&t, "aniworld_websocket_clients"), Some(1.0), "{t}");
    assert!(
        !t.contains("not-an-id"),
        "paths are counted by template only"
    );
}
