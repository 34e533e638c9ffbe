//! Behind a reverse proxy: `server.trusted_proxies` (forwarding headers believed only from
//! them, so rate limits key on the real client) and `server.base_path` (UI, API and WebSocket
//! under a sub-path).

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Resp, TestApp, send, spawn_app_with};
use crate::ws_support::WsClient;

/// `POST /api/auth/login` with the right password and these extra headers.
async fn login_via(app: &TestApp, headers: &[(&str, &str)]) -> Resp {
    send(
        &app.client,
        &app.address,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&json!({"password": PASSWORD})),
        headers,
    )
    .await
}

async fn with_trusted(trusted: Value) -> TestApp {
    let app = spawn_app_with(
        |c| {
            c["server"]["trusted_proxies"] = trusted;
            c["server"]["auth_rate_limit_per_minute"] = json!(3);
        },
        |_| {},
    )
    .await;
    // Setup counts for the proxy's own address (no forwarding header), not for the clients below.
    assert_eq!(app.setup().await.status, 201);
    app
}

#[actix_web::test]
async fn through_a_trusted_proxy_the_forwarded_client_is_rate_limited() {
    // The test client connects from 127.0.0.1: the proxy.
    let app = with_trusted(json!(["10.0.0.0/8", "127.0.0.1"])).await;
    let a = [("X-Forwarded-For", "203.0.113.7, 10.1.2.3")];
    for _ in 0..3 {
        assert_eq!(login_via(&app, &a).await.status, 200);
    }
    let r = login_via(&app, &a).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.header("retry-after").is_some());
    // Another client behind the same proxy has a budget of its own, by either header.
    assert_eq!(
        login_via(&app, &[("X-Forwarded-For", "203.0.113.8")])
            .await
            .status,
        200
    );
    assert_eq!(
        login_via(
            &app,
            &[("Forwarded", "for=\"[2001:db8::1]:4711\";proto=https")]
        )
        .await
        .status,
        200
    );
    // The proxy itself (no header) is not limited by its clients.
    assert_eq!(login_via(&app, &[]).await.status, 200);
}

#[actix_web::test]
async fn from_an_untrusted_peer_forwarding_headers_are_ignored() {
    let app = with_trusted(json!(["10.0.0.0/8"])).await;
    // The setup already used one of the peer's three requests.
    for i in 0..2 {
        let claimed = format!("198.51.100.{i}");
        let r = login_via(&app, &[("X-Forwarded-For", claimed.as_str())]).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // Whatever it claims next, the peer address has used its budget.
    let r = login_via(&app, &[("X-Forwarded-For", "198.51.100.99")]).await;
    assert_eq!(r.status, 429, "{}", r.text);
    let r = login_via(&app, &[("Forwarded", "for=192.0.2.1")]).await;
    assert_eq!(r.status, 429, "{}", r.text);
}

#[actix_web::test]
async fn trusted_proxies_and_base_path_are_validated() {
    let app = spawn_app_with(|_| {}, |_| {}).await;
    let token = app.token().await;
    let r = app
        .put(
            "/api/config",
            Some(&token),
            &json!({"server": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/33"]}}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(
        r.json["details"].get("server.trusted_proxies[1]").is_some(),
        "{}",
        r.text
    );
    for bad in ["aniworld", "/aniworld/", "/api", "/a b"] {
        let r = app
            .put(
                "/api/config",
                Some(&token),
                &json!({"server": {"base_path": bad}}),
            )
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(r.text.contains("server.base_path"), "{bad}: {}", r.text);
    }
    let r = app
        .put(
            "/api/config",
            Some(&token),
            &json!({"server": {"trusted_proxies": ["::1", "fd00::/8"], "base_path": "/media/aniworld"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[actix_web::test]
async fn the_ui_api_and_websocket_work_under_the_base_path() {
    let app = spawn_app_with(|c| c["server"]["base_path"] = json!("/aniworld"), |_| {}).await;
    let base = format!("{}/aniworld", app.address);
    let get = |path: &str| {
        let path = path.to_string();
        let (client, base) = (app.client.clone(), base.clone());
        async move { send(&client, &base, Method::GET, &path, None, None, &[]).await }
    };

    // The bare base path gets its slash (relative links need it).
    let no_redirects = awc::Client::builder().disable_redirects().finish();
    let r = send(&no_redirects, &base, Method::GET, "", None, None, &[]).await;
    assert_eq!(r.status, 308, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some("/aniworld/"));
    // Every page, and what each page loads, relative to the page.
    let re = regex::Regex::new(r##"(?:src|href)="([^"#]+)""##).unwrap();
    for page in ["/", "/login", "/setup", "/queue"] {
        let r = get(page).await;
        assert_eq!(r.status, 200, "{page}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        for link in re.captures_iter(&r.text).map(|c| c[1].to_string()) {
            assert!(!link.starts_with('/'), "{page} links {link} absolutely");
            let r = get(&format!("/{}", link.trim_start_matches("./"))).await;
            assert_eq!(r.status, 200, "{page} -> {link}");
        }
    }
    let api_js = get("/static/app/api.js").await;
    assert!(
        api_js.text.contains("import.meta.url"),
        "the UI finds its base"
    );

    // The API, with the security headers and the rate limits of its real paths.
    let setup = send(
        &app.client,
        &base,
        Method::POST,
        "/api/auth/setup",
        None,
        Some(&json!({"master_password": PASSWORD})),
        &[],
    )
    .await;
    assert_eq!(setup.status, 201, "{}", setup.text);
    assert_eq!(setup.header("cache-control").as_deref(), Some("no-store"));
    let login = send(
        &app.client,
        &base,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&json!({"password": PASSWORD})),
        &[],
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.json["access_token"].as_str().unwrap().to_string();
    let r = send(
        &app.client,
        &base,
        Method::GET,
        "/api/config",
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = get("/api/config").await;
    r.assert_error(401, "AUTHENTICATION_ERROR");
    let r = send(
        &app.client,
        &base,
        Method::GET,
        "/api/nothing-here",
        Some(&token),
        None,
        &[],
    )
    .await;
    r.assert_error(404, "NOT_FOUND_ERROR");

    // The WebSocket, authenticated, joins a room.
    let mut ws = WsClient::connect(&base, Some(&token)).await;
    assert_eq!(ws.next().await["type"], "connected");
    ws.send(&json!({"action": "join", "data": {"room": "downloads"}}))
        .await;
    ws.send(&json!({"action": "ping"})).await;
    ws.until("pong").await;
    assert!(!ws.types().iter().any(|t| t == "error"), "{:?}", ws.seen);

    // The documentation stays under the base path and finds its document relative to its pages.
    let r = send(
        &no_redirects,
        &base,
        Method::GET,
        "/api/docs",
        None,
        None,
        &[],
    )
    .await;
    assert!(matches!(r.status, 301 | 308), "{}", r.status);
    assert_eq!(r.header("location").as_deref(), Some("/aniworld/api/docs/"));
    let r = get("/api/docs").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("swagger-ui"), "{}", r.text);
    assert_eq!(get("/openapi.json").await.status, 200);
    // A health check on the service's own port still finds /health at the root.
    assert_eq!(app.get("/health", None).await.status, 200);
}
