//! Lockout, rate limits (api.md section 12), security headers and CORS.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, send, spawn_app, spawn_app_with};

fn retry_after(r: &crate::helpers::Resp) -> u64 {
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

#[actix_web::test]
async fn login_locks_after_five_failures_in_a_row() {
    // A high per-client limit, so only the lockout can trip.
    let app = spawn_app_with(
        |c| c["server"]["auth_rate_limit_per_minute"] = json!(100),
        |_| {},
    )
    .await;
    assert_eq!(app.setup().await.status, 201);
    // a success in between resets the count
    for _ in 0..4 {
        app.login("Wrong#Pass1", false)
            .await
            .assert_error(401, "AUTHENTICATION_ERROR");
    }
    assert_eq!(app.login(PASSWORD, false).await.status, 200);
    for _ in 0..5 {
        app.login("Wrong#Pass1", false)
            .await
            .assert_error(401, "AUTHENTICATION_ERROR");
    }
    // locked now, even with the right password
    let r = app.login(PASSWORD, false).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(
        r.json["detail"].as_str().unwrap().contains("failed login"),
        "{}",
        r.text
    );
    assert!(r.json.get("success").is_none());
    let wait = retry_after(&r);
    assert!((1..=30).contains(&wait), "{wait}");
}

#[actix_web::test]
async fn login_and_setup_allow_five_requests_per_minute_per_client() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let r = app
            .post("/api/auth/setup", None, &json!({"master_password": "weak"}))
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
    }
    let r = app
        .post("/api/auth/login", None, &json!({"password": "x"}))
        .await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"detail": "Too many authentication attempts, try again later"})
    );
    let wait = retry_after(&r);
    assert!((1..=60).contains(&wait), "{wait}");
    // other endpoints are not affected
    assert_eq!(app.get("/api/auth/status", None).await.status, 200);
}

#[actix_web::test]
async fn sixty_requests_per_minute_per_origin_on_the_api() {
    let app = spawn_app_with(
        |c| c["server"]["cors_origins"] = json!(["http://ui.example"]),
        |_| {},
    )
    .await;
    let own = app.address.clone();
    let get = |origin: &'static str| {
        let (client, address, own) = (app.client.clone(), app.address.clone(), own.clone());
        async move {
            let origin = if origin == "own" {
                own.as_str()
            } else {
                origin
            };
            send(
                &client,
                &address,
                Method::GET,
                "/api/auth/status",
                None,
                None,
                &[("Origin", origin)],
            )
            .await
        }
    };
    for i in 0..60 {
        let r = get("own").await;
        assert_eq!(r.status, 200, "request {i}: {}", r.text);
    }
    let r = get("own").await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.json["detail"].is_string());
    assert!((1..=60).contains(&retry_after(&r)));
    // another origin and requests without Origin are counted apart
    assert_eq!(get("http://ui.example").await.status, 200);
    assert_eq!(app.get("/api/auth/status", None).await.status, 200);
    // non-API paths are not limited
    let r = send(
        &app.client,
        &app.address,
        Method::GET,
        "/health",
        None,
        None,
        &[("Origin", own.as_str())],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[actix_web::test]
async fn security_headers_on_every_response() {
    let app = spawn_app().await;
    for path in [
        "/health",
        "/api/config",
        "/api/redoc",
        "/api/docs/",
        "/nope",
    ] {
        let r = app.get(path, None).await;
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            r.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        let csp = r.header("content-security-policy").expect("CSP");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    let page = app.get("/api/redoc", None).await;
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert_eq!(
        app.get("/api/auth/status", None)
            .await
            .header("cache-control")
            .as_deref(),
        Some("no-store")
    );
}

#[actix_web::test]
async fn cors_allows_only_configured_and_own_origins() {
    let app = spawn_app_with(
        |c| c["server"]["cors_origins"] = json!(["http://ui.example"]),
        |_| {},
    )
    .await;
    let preflight = |origin: String| {
        let (client, address) = (app.client.clone(), app.address.clone());
        async move {
            send(
                &client,
                &address,
                Method::OPTIONS,
                "/api/config",
                None,
                None,
                &[
                    ("Origin", origin.as_str()),
                    ("Access-Control-Request-Method", "PUT"),
                    (
                        "Access-Control-Request-Headers",
                        "authorization,content-type",
                    ),
                ],
            )
            .await
        }
    };
    let ok = preflight("http://ui.example".into()).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(
        ok.header("access-control-allow-origin").as_deref(),
        Some("http://ui.example")
    );
    let own = preflight(app.address.clone()).await;
    assert_eq!(
        own.header("access-control-allow-origin").as_deref(),
        Some(app.address.as_str())
    );
    let evil = preflight("http://evil.example".into()).await;
    assert!((400..500).contains(&evil.status), "{}", evil.status);
    assert!(evil.header("access-control-allow-origin").is_none());
    assert_eq!(evil.json["success"], false);
    let simple = send(
        &app.client,
        &app.address,
        Method::GET,
        "/health",
        None,
        None,
        &[("Origin", "http://evil.example")],
    )
    .await;
    assert!(simple.header("access-control-allow-origin").is_none());
}
