//! Lockout and brake, rate limits (api.md section 12), security headers, CORS, JSON-only bodies
//! and the Origin check before setup.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, Resp, TestApp, send, spawn_app, spawn_app_with};

/// A client whose connections come from `ip` (any 127.0.0.0/8 address reaches the service).
fn client_from(ip: &str) -> awc::Client {
    let ip: IpAddr = ip.parse().unwrap();
    awc::Client::builder()
        .connector(awc::Connector::new().local_address(ip))
        .timeout(Duration::from_secs(30))
        .finish()
}

/// `POST /api/auth/login` from `client`.
async fn login_from(app: &TestApp, client: &awc::Client, password: &str) -> Resp {
    let body = json!({ "password": password });
    send(
        client,
        &app.address,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&body),
        &[],
    )
    .await
}

/// Sends `body` as is with the given `Content-Type` (none when `None`).
async fn post_typed(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Resp {
    let mut req = app.client.post(format!("{}{path}", app.address));
    if let Some(ct) = content_type {
        req = req.insert_header(("Content-Type", ct));
    }
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let mut res = req.send_body(body.to_string()).await.expect("request sent");
    let bytes = res.body().await.expect("body read");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Resp {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        json: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        text,
    }
}

fn retry_after(r: &crate::helpers::Resp) -> u64 {
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

#[actix_web::test]
async fn login_locks_an_address_after_five_failures_in_a_row() {
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
async fn failures_from_one_address_never_lock_out_another() {
    let app = spawn_app_with(
        |c| c["server"]["auth_rate_limit_per_minute"] = json!(100),
        |_| {},
    )
    .await;
    assert_eq!(app.setup().await.status, 201);
    let attacker = client_from("127.0.0.2");
    for _ in 0..6 {
        let r = login_from(&app, &attacker, "Wrong#Pass1").await;
        assert!(matches!(r.status, 401 | 429), "{}", r.text);
    }
    // The guessing address is locked, even with the right password.
    let r = login_from(&app, &attacker, PASSWORD).await;
    assert_eq!(r.status, 429, "{}", r.text);
    // The owner's address is not: a wrong password is just wrong, the right one works.
    let owner = client_from("127.0.0.1");
    login_from(&app, &owner, "Wrong#Pass1")
        .await
        .assert_error(401, "AUTHENTICATION_ERROR");
    assert_eq!(login_from(&app, &owner, PASSWORD).await.status, 200);
    // A success from the owner does not unlock the attacker either.
    assert_eq!(login_from(&app, &attacker, PASSWORD).await.status, 429);
}

#[actix_web::test]
async fn failures_piling_up_from_many_addresses_slow_every_login_down() {
    let app = spawn_app().await;
    assert_eq!(app.setup().await.status, 201);
    let timed = |client: awc::Client, password: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let r = login_from(app, &client, password).await;
            (r, started.elapsed())
        }
    };
    // 25 addresses, one wrong guess each: none is locked, but the brake grows with every failure
    // over 20 (100 ms each).
    for i in 0..25 {
        let (r, _) = timed(client_from(&format!("127.0.1.{}", i + 1)), "Wrong#Pass1").await;
        r.assert_error(401, "AUTHENTICATION_ERROR");
    }
    let (r, took) = timed(client_from("127.0.0.1"), PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(took >= Duration::from_millis(450), "no brake: {took:?}");
    let (r, took) = timed(client_from("127.0.2.1"), "Wrong#Pass1").await;
    r.assert_error(401, "AUTHENTICATION_ERROR");
    assert!(took >= Duration::from_millis(450), "no brake: {took:?}");
}

#[actix_web::test]
async fn setup_and_json_endpoints_refuse_bodies_that_are_not_json() {
    let app = spawn_app().await;
    let body = json!({ "master_password": PASSWORD }).to_string();
    // A cross-site form (text/plain) or a no-cors fetch of a Blob (no Content-Type).
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let r = post_typed(&app, "/api/auth/setup", None, ct, &body).await;
        r.assert_error(415, "UNSUPPORTED_MEDIA_TYPE");
    }
    assert_eq!(
        app.get("/api/auth/status", None).await.json["configured"],
        false
    );
    let r = post_typed(
        &app,
        "/api/auth/setup",
        None,
        Some("application/json; charset=utf-8"),
        &body,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = app.fresh_token().await;
    let r = post_typed(&app, "/api/queue/add", Some(&token), None, "{}").await;
    r.assert_error(415, "UNSUPPORTED_MEDIA_TYPE");
    let r = post_typed(
        &app,
        "/api/config/validate",
        Some(&token),
        Some("text/plain"),
        "{}",
    )
    .await;
    r.assert_error(415, "UNSUPPORTED_MEDIA_TYPE");
}

#[actix_web::test]
async fn a_foreign_origin_cannot_change_anything_before_setup() {
    let app = spawn_app().await;
    let post = |origin: String| {
        let (client, address) = (app.client.clone(), app.address.clone());
        async move {
            let body = json!({ "master_password": PASSWORD });
            send(
                &client,
                &address,
                Method::POST,
                "/api/auth/setup",
                None,
                Some(&body),
                &[("Origin", origin.as_str())],
            )
            .await
        }
    };
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        post(origin.to_string())
            .await
            .assert_error(403, "AUTHORIZATION_ERROR");
    }
    assert_eq!(
        app.get("/api/auth/status", None).await.json["configured"],
        false
    );
    // The setup page of the service itself works.
    assert_eq!(post(app.address.clone()).await.status, 201);
    // After setup every change needs a token anyway; the Origin check is over.
    let r = send(
        &app.client,
        &app.address,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&json!({ "password": PASSWORD })),
        &[("Origin", "http://evil.example")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
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

/// The UI as served never puts a token into a URL (proxies and servers log request lines): its
/// WebSocket authenticates with an `auth` message after the upgrade. The browser tests show the
/// live updates arriving through that connection.
#[actix_web::test]
async fn the_served_ui_never_puts_a_token_into_a_url() {
    let app = spawn_app().await;
    let live = app.get("/static/app/live.js", None).await;
    assert_eq!(live.status, 200);
    assert!(
        live.text.contains(r#"action: "auth""#),
        "the live connection authenticates by message"
    );
    for script in ["api.js", "live.js", "shell.js", "queue.js", "settings.js"] {
        let r = app.get(&format!("/static/app/{script}"), None).await;
        assert_eq!(r.status, 200, "{script}");
        assert!(
            !r.text.contains("token="),
            "{script} puts a token into a URL"
        );
    }
}
