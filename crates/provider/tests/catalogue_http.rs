//! The HTTP client against fake servers on 127.0.0.1: retries, anti-bot handling with and
//! without a fake FlareSolverr, DNS overrides, a real CONNECT proxy, redirects and headers.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use aniworld_core::config::ProviderConfig;
use aniworld_provider::ProviderError;
use aniworld_provider::http::{HttpClient, HttpOptions};
use aniworld_testkit::{FakeResponse, FakeServer};

const CHALLENGE: &str = include_str!("fixtures/catalogue/ddos_guard_challenge.html");

fn cfg(base: &str) -> ProviderConfig {
    ProviderConfig {
        base_url: base.to_string(),
        min_request_interval_ms: 0,
        timeout_seconds: 10,
        max_retries: 3,
        ..ProviderConfig::default()
    }
}

fn fast() -> HttpOptions {
    HttpOptions {
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        ..HttpOptions::default()
    }
}

fn client(c: &ProviderConfig) -> HttpClient {
    HttpClient::with_options(c, fast()).expect("client")
}

#[test]
fn sends_browser_like_headers_and_referer() {
    let site = FakeServer::start();
    site.serve("/page", FakeResponse::html("<html>ok</html>"));
    let c = client(&cfg(&site.url()));
    let page = c.get(&format!("{}/page", site.url()), &[]).unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "<html>ok</html>");
    let req = &site.requests()[0];
    assert!(req.header("user-agent").unwrap().starts_with("Mozilla/5.0"));
    assert!(req.header("accept").unwrap().contains("text/html"));
    assert!(req.header("accept-language").unwrap().starts_with("de"));
    assert_eq!(
        req.header("referer"),
        Some(format!("{}/", site.url()).as_str())
    );
}

#[test]
fn user_agent_override_and_extra_headers() {
    let site = FakeServer::start();
    site.serve("/page", FakeResponse::html("x"));
    let c = HttpClient::with_options(
        &cfg(&site.url()),
        HttpOptions {
            user_agent: Some("TestAgent/1.0".into()),
            ..fast()
        },
    )
    .unwrap();
    c.get(
        &format!("{}/page", site.url()),
        &[("Referer", "https://r.test/")],
    )
    .unwrap();
    let req = &site.requests()[0];
    assert_eq!(req.header("user-agent"), Some("TestAgent/1.0"));
    assert_eq!(req.header("referer"), Some("https://r.test/"));
}

#[test]
fn retries_429_and_503_then_succeeds() {
    let site = FakeServer::start();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    site.route("/flaky", move |_| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => FakeResponse::status(429).header("Retry-After", "0"),
        1 => FakeResponse::html("<html>Service Unavailable</html>").with_status(503),
        _ => FakeResponse::html("fine"),
    });
    let c = client(&cfg(&site.url()));
    let page = c.get(&format!("{}/flaky", site.url()), &[]).unwrap();
    assert_eq!(page.body, "fine");
    assert_eq!(site.hits("/flaky"), 3);
}

#[test]
fn gives_up_after_max_retries() {
    let site = FakeServer::start();
    site.serve("/down", FakeResponse::status(502));
    let mut c = cfg(&site.url());
    c.max_retries = 2;
    let err = client(&c)
        .get(&format!("{}/down", site.url()), &[])
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Http { status: 502, .. }),
        "{err:?}"
    );
    assert_eq!(site.hits("/down"), 3);
}

#[test]
fn network_errors_are_retried_and_typed() {
    // A port that was free a moment ago: connection refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut c = cfg(&base);
    c.max_retries = 1;
    let err = client(&c).get(&format!("{base}/x"), &[]).unwrap_err();
    assert!(matches!(err, ProviderError::Network { .. }), "{err:?}");
}

#[test]
fn not_found_and_other_statuses() {
    let site = FakeServer::start();
    site.serve("/gone", FakeResponse::status(404));
    site.serve(
        "/forbidden",
        FakeResponse::text("Forbidden").with_status(403),
    );
    let c = client(&cfg(&site.url()));
    assert!(matches!(
        c.get(&format!("{}/gone", site.url()), &[]),
        Err(ProviderError::NotFound { .. })
    ));
    assert!(matches!(
        c.get(&format!("{}/forbidden", site.url()), &[]),
        Err(ProviderError::Http { status: 403, .. })
    ));
    assert_eq!(site.hits("/forbidden"), 1, "4xx is not retried");
    let any = c.get_any(&format!("{}/gone", site.url()), &[]).unwrap();
    assert_eq!(any.status, 404);
    let any = c
        .post_form_any(&format!("{}/forbidden", site.url()), &[("a", "b")], &[])
        .unwrap();
    assert_eq!((any.status, any.body.as_str()), (403, "Forbidden"));
}

#[test]
fn challenge_without_solver_is_blocked_and_backs_off() {
    let site = FakeServer::start();
    site.serve("/*", FakeResponse::html(CHALLENGE).with_status(403));
    let c = client(&cfg(&site.url()));
    let err = c
        .get(&format!("{}/anime/stream/x", site.url()), &[])
        .unwrap_err();
    let ProviderError::Blocked { reason, .. } = &err else {
        panic!("expected Blocked, got {err:?}");
    };
    assert!(reason.contains("DDoS-Guard"), "{reason}");
    assert!(reason.contains("solver_url"), "{reason}");
    assert_eq!(site.requests().len(), 1, "a challenge is not retried");
    // During the cool-down the site is not asked again.
    let again = c.get(&format!("{}/anime/stream/y", site.url()), &[]);
    assert!(matches!(again, Err(ProviderError::Blocked { .. })));
    assert_eq!(site.requests().len(), 1);
}

#[test]
fn spam_page_is_blocked_even_with_200() {
    let site = FakeServer::start();
    site.serve(
        "/",
        FakeResponse::html(
            "<html><body><div class=\"messageAlert danger\">Deine Anfrage wurde als Spam erkannt.</div></body></html>",
        ),
    );
    let err = client(&cfg(&site.url()))
        .get(&format!("{}/", site.url()), &[])
        .unwrap_err();
    assert!(matches!(err, ProviderError::Blocked { ref reason, .. } if reason.contains("spam")));
}

/// A fake catalogue that wants the solver's cookie and user agent, plus a fake FlareSolverr.
fn solver_setup() -> (FakeServer, FakeServer) {
    let site = FakeServer::start();
    site.route("/*", |req| {
        let cookie_ok = req
            .header("cookie")
            .is_some_and(|c| c.contains("__ddg2_=solved"));
        let ua_ok = req.header("user-agent") == Some("SolverBrowser/1.0");
        if cookie_ok && ua_ok {
            FakeResponse::html(format!("<html>page {}</html>", req.path))
        } else {
            FakeResponse::html(CHALLENGE).with_status(403)
        }
    });
    let solver = FakeServer::start();
    solver.route_method("POST", "/v1", |req| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["cmd"], "request.get");
        assert_eq!(body["maxTimeout"], 60000);
        let url = body["url"].as_str().unwrap().to_string();
        FakeResponse::json(&serde_json::json!({
            "status": "ok",
            "message": "Challenge solved!",
            "solution": {
                "url": url,
                "status": 200,
                "headers": {},
                "response": "<html>solved page</html>",
                "cookies": [
                    {"name": "__ddg2_", "value": "solved", "domain": "127.0.0.1", "path": "/"}
                ],
                "userAgent": "SolverBrowser/1.0"
            },
            "startTimestamp": 1, "endTimestamp": 2, "version": "3.3.21"
        }))
    });
    (site, solver)
}

#[test]
fn challenge_goes_through_solver_and_cookies_are_reused() {
    let (site, solver) = solver_setup();
    let mut c = cfg(&site.url());
    c.solver_url = Some(format!("{}/v1", solver.url()));
    let http = client(&c);
    let first = http
        .get(&format!("{}/anime/stream/a", site.url()), &[])
        .unwrap();
    assert_eq!(first.body, "<html>solved page</html>");
    assert_eq!(solver.hits("/v1"), 1);
    // The next request carries the solver's cookie and user agent and passes directly.
    let second = http
        .get(&format!("{}/anime/stream/b", site.url()), &[])
        .unwrap();
    assert_eq!(second.body, "<html>page /anime/stream/b</html>");
    assert_eq!(solver.hits("/v1"), 1, "the solver is asked only once");
    assert_eq!(
        http.user_agent_for(&site.url()),
        "SolverBrowser/1.0".to_string()
    );
}

#[test]
fn challenged_post_solves_the_root_and_resends() {
    let (site, solver) = solver_setup();
    let mut c = cfg(&site.url());
    c.solver_url = Some(format!("{}/v1", solver.url()));
    let http = client(&c);
    let page = http
        .post_form(
            &format!("{}/ajax/search", site.url()),
            &[("keyword", "x")],
            &[],
        )
        .unwrap();
    assert_eq!(page.body, "<html>page /ajax/search</html>");
    let solved: serde_json::Value = serde_json::from_slice(&solver.requests()[0].body).unwrap();
    assert_eq!(solved["url"], format!("{}/", site.url()));
}

#[test]
fn failing_solver_is_blocked_with_its_message() {
    let site = FakeServer::start();
    site.serve("/*", FakeResponse::html(CHALLENGE).with_status(503));
    let solver = FakeServer::start();
    solver.serve(
        "/v1",
        FakeResponse::json(&serde_json::json!({
            "status": "error", "message": "Error: Timeout reached", "solution": null
        }))
        .with_status(500),
    );
    let mut c = cfg(&site.url());
    c.solver_url = Some(format!("{}/v1", solver.url()));
    let err = client(&c)
        .get(&format!("{}/x", site.url()), &[])
        .unwrap_err();
    let ProviderError::Blocked { reason, .. } = &err else {
        panic!("expected Blocked, got {err:?}");
    };
    assert!(reason.contains("Timeout reached"), "{reason}");
}

#[test]
fn dns_override_reaches_a_fake_host_name() {
    let site = FakeServer::start();
    site.serve("/hello", FakeResponse::html("via override"));
    let base = format!("http://catalogue.test:{}", site.addr().port());
    let mut c = cfg(&base);
    c.dns_overrides = BTreeMap::from([("catalogue.test".to_string(), "127.0.0.1".to_string())]);
    let page = client(&c).get(&format!("{base}/hello"), &[]).unwrap();
    assert_eq!(page.body, "via override");
    let host = site.requests()[0].header("host").unwrap().to_string();
    assert!(host.starts_with("catalogue.test"), "{host}");
}

#[test]
fn redirect_target_is_read_without_following() {
    let site = FakeServer::start();
    site.serve(
        "/redirect/1",
        FakeResponse::redirect("https://voe.invalid/e/abc"),
    );
    site.serve("/redirect/2", FakeResponse::redirect("/local/target"));
    site.serve("/redirect/3", FakeResponse::html("no redirect here"));
    let c = client(&cfg(&site.url()));
    assert_eq!(
        c.get_redirect_target(&format!("{}/redirect/1", site.url()), &[])
            .unwrap(),
        "https://voe.invalid/e/abc"
    );
    assert_eq!(
        c.get_redirect_target(&format!("{}/redirect/2", site.url()), &[])
            .unwrap(),
        format!("{}/local/target", site.url())
    );
    assert_eq!(site.hits("/local/target"), 0);
    assert!(matches!(
        c.get_redirect_target(&format!("{}/redirect/3", site.url()), &[]),
        Err(ProviderError::Layout { .. })
    ));
}

/// A minimal HTTP CONNECT proxy: records the CONNECT line and tunnels bytes both ways.
fn start_connect_proxy() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut client) = conn else { break };
            let seen = seen2.clone();
            thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let line = head.lines().next().unwrap_or("").to_string();
                seen.lock().unwrap().push(line.clone());
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let Ok(upstream) = TcpStream::connect(&target) else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let mut upstream = upstream;
                thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u2);
                });
                let _ = std::io::copy(&mut upstream, &mut client);
            });
        }
    });
    (format!("http://{addr}"), seen)
}

#[test]
fn requests_go_through_the_configured_proxy() {
    let site = FakeServer::start();
    site.serve("/via-proxy", FakeResponse::html("proxied"));
    let (proxy, seen) = start_connect_proxy();
    let mut c = cfg(&site.url());
    c.proxy = Some(proxy);
    let page = client(&c)
        .get(&format!("{}/via-proxy", site.url()), &[])
        .unwrap();
    assert_eq!(page.body, "proxied");
    let lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("CONNECT 127.0.0.1:{}", site.addr().port())),
        "{lines:?}"
    );
}

#[test]
fn invalid_settings_are_config_errors() {
    let mut c = cfg("http://127.0.0.1:9");
    c.dns_overrides = BTreeMap::from([("a.test".to_string(), "999.1.1.1".to_string())]);
    assert!(matches!(
        HttpClient::new(&c),
        Err(ProviderError::Config { .. })
    ));
    let mut c = cfg("http://127.0.0.1:9");
    c.solver_url = Some("not a url".into());
    assert!(matches!(
        HttpClient::new(&c),
        Err(ProviderError::Config { .. })
    ));
}

#[test]
fn cut_connections_are_retried() {
    let site = FakeServer::start();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let body = "<html>".to_string() + &"x".repeat(4096) + "</html>";
    let full = body.clone();
    site.route("/cut", move |_| {
        let r = FakeResponse::html(full.clone());
        if n2.fetch_add(1, Ordering::SeqCst) == 0 {
            r.cut_after(100)
        } else {
            r
        }
    });
    // The cut connection is only noticed when the read times out.
    let mut c = cfg(&site.url());
    c.timeout_seconds = 1;
    let page = client(&c).get(&format!("{}/cut", site.url()), &[]).unwrap();
    assert_eq!(page.body, body);
    assert_eq!(site.hits("/cut"), 2);
}

#[test]
fn cookies_set_by_the_site_come_back() {
    let site = FakeServer::start();
    site.serve(
        "/first",
        FakeResponse::html("a").header("Set-Cookie", "__ddg1_=xyz; Path=/; HttpOnly"),
    );
    site.serve("/second", FakeResponse::html("b"));
    let other = FakeServer::start();
    other.serve("/x", FakeResponse::html("c"));
    let c = client(&cfg(&site.url()));
    c.get(&format!("{}/first", site.url()), &[]).unwrap();
    c.get(&format!("{}/second", site.url()), &[]).unwrap();
    c.get(&format!("{}/x", other.url()), &[]).unwrap();
    let second = site
        .requests()
        .into_iter()
        .find(|r| r.path == "/second")
        .unwrap();
    assert_eq!(second.header("cookie"), Some("__ddg1_=xyz"));
    assert_eq!(
        other.requests()[0].header("cookie"),
        None,
        "not sent to other hosts"
    );
}
