//! Notifications end to end (docs/notifications.md), with a fake on 127.0.0.1 for every target
//! type (`aniworld_testkit::notify`): a completed download reaches each of them within 5 s with
//! the right series, episode and path (mapped for media servers, only the right Plex section
//! scanned); a target that answers 500 twice gets the event once; a target that is down while
//! the service restarts gets it afterwards; quiet hours hold a completion back and let a failure
//! through; the test endpoint reports a wrong token; the status and `/health/detailed` show a
//! failing target; and no secret appears in any answer or log line of the real binary.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::Method;
use aniworld_testkit::hoster::{Serving, media_bytes};
use aniworld_testkit::notify::{self as fakes, FakeSmtp, WEBHOOK_PATH};
use aniworld_testkit::{FakeResponse, FakeServer, RecordedRequest};
use serde_json::{Value, json};

use crate::helpers::{
    Resp, TestApp, client, restart, send, start_binary, test_config, write_config,
};
use crate::queue_support::{QueueWorld, queue_world};

const KEY: &str = "one-piece";

/// Polls `check` (every 20 ms) until it gives a value; fails after `within`.
async fn poll_within<T>(within: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

fn json_body(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// Sets `notifications` through `PUT /api/config` (asserting 200).
async fn set_notifications(w: &QueueWorld, notifications: Value) {
    let r = w
        .app
        .put(
            "/api/config",
            Some(&w.token),
            &json!({ "notifications": notifications }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Serves episode `e` of season 1 and queues it; `broken` makes its only hoster fail.
async fn queue_episode(w: &QueueWorld, e: u32, broken: bool) {
    if broken {
        w.sites.episode(KEY, 1, e, Vec::new(), Serving::Broken);
    } else {
        w.sites
            .episode(KEY, 1, e, media_bytes(KEY, 1, e, 40_000), Serving::Fast);
    }
    w.add_ids(KEY, &[(1, e)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
}

/// `GET /api/notifications/status` (asserting 200).
async fn status(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/notifications/status", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

/// The status entry of target `name`.
fn target<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {status}"))
}

/// Quiet hours from an hour ago to an hour from now, in UTC.
fn quiet_now() -> String {
    let now = chrono::Utc::now();
    let f = |t: chrono::DateTime<chrono::Utc>| t.format("%H:%M").to_string();
    format!(
        "{}-{}",
        f(now - chrono::Duration::hours(1)),
        f(now + chrono::Duration::hours(1))
    )
}

fn hook(name: &str, server: &FakeServer) -> Value {
    json!({"name": name, "type": "webhook", "url": format!("{}{WEBHOOK_PATH}", server.url())})
}

#[actix_web::test]
async fn a_completed_download_reaches_every_type_of_target_within_five_seconds() {
    let w = queue_world(|_| {}).await;
    w.seed_series(KEY, &[(1, 1)]);
    let webhook = fakes::webhook(Some("whsec-0123456789"));
    let ntfy = fakes::ntfy(Some("tk_ntfy_0123456789"));
    let discord = fakes::discord("4242", "dc-token-0123456789");
    let telegram = fakes::telegram("4242:tg-token-0123456789");
    let gotify = fakes::gotify("gotify-token-0123456789");
    let smtp = FakeSmtp::start();
    let jellyfin = fakes::jellyfin("jf-key-0123456789");
    let plex = fakes::plex(
        "plex-token-0123456789",
        &[
            ("1", "Movies", "/data/movies"),
            ("2", "Anime", "/data/anime"),
        ],
    );
    let library = w.anime.path().to_string_lossy().into_owned();
    set_notifications(
        &w,
        json!({"targets": [
            {"name": "hook", "type": "webhook", "url": format!("{}{WEBHOOK_PATH}", webhook.url()),
             "secret": "whsec-0123456789", "headers": {"X-Source": "tests"}},
            {"name": "ntfy", "type": "ntfy", "url": format!("{}/anime", ntfy.url()), "token": "tk_ntfy_0123456789"},
            {"name": "discord", "type": "discord", "url": format!("{}/api/webhooks/4242/dc-token-0123456789", discord.url())},
            {"name": "telegram", "type": "telegram", "bot_token": "4242:tg-token-0123456789", "chat_id": "1001",
             "api_url": telegram.url()},
            {"name": "gotify", "type": "gotify", "url": gotify.url(), "token": "gotify-token-0123456789"},
            {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port(), "tls": "none",
             "from": "aniworld@example.org", "to": "me@example.org"},
            {"name": "jellyfin", "type": "jellyfin", "url": jellyfin.url(), "api_key": "jf-key-0123456789",
             "path_map": {library.clone(): "/media/anime"}},
            {"name": "plex", "type": "plex", "url": plex.url(), "token": "plex-token-0123456789",
             "path_map": {library.clone(): "/data/anime"}},
        ]}),
    )
    .await;

    queue_episode(&w, 1, false).await;
    w.wait_status("the download completed", |s| {
        s["statistics"]["completed_count"] == 1
    })
    .await;
    let file = w.episode_file(KEY, 1, 1).to_string_lossy().into_owned();
    assert!(std::path::Path::new(&file).exists(), "{file}");
    let relative = file.strip_prefix(&library).unwrap().to_string();
    let five = Duration::from_secs(5);
    let mine = |r: &RecordedRequest| r.method == "POST" || r.path.contains("refresh");
    poll_within(five, "every target got the completion", || {
        let all = [
            webhook.requests().len(),
            ntfy.requests().len(),
            discord.requests().len(),
            telegram.requests().len(),
            gotify.requests().len(),
            smtp.messages().len(),
            jellyfin.requests().len(),
            plex.requests().iter().filter(|r| mine(r)).count(),
        ];
        all.iter().all(|n| *n >= 1).then_some(())
    })
    .await;

    // The webhook: signed (the receiver answered 200 only because the signature is right).
    let hooks = poll_within(five, "download_completed and series_completed", || {
        let r = webhook.requests();
        (r.len() >= 2).then_some(r)
    })
    .await;
    let first = &hooks[0];
    assert!(fakes::signature_ok(
        "whsec-0123456789",
        &first.body,
        first.header("x-aniworld-signature")
    ));
    assert_eq!(first.header("x-source"), Some("tests"));
    let b = json_body(first);
    assert_eq!(b["event"], "download_completed", "{b}");
    assert_eq!(b["series"]["key"], KEY, "{b}");
    assert_eq!(b["episode"]["season"], 1, "{b}");
    assert_eq!(b["episode"]["episode"], 1, "{b}");
    assert_eq!(b["episode"]["code"], "S01E01", "{b}");
    assert_eq!(b["path"], json!(file), "{b}");
    assert_eq!(json_body(&hooks[1])["event"], "series_completed");

    let n = json_body(&ntfy.requests()[0]);
    assert_eq!(n["topic"], "anime");
    assert!(
        n["title"].as_str().unwrap().contains("one-piece S01E01"),
        "{n}"
    );
    let d = json_body(&discord.requests()[0]);
    assert_eq!(d["embeds"][0]["fields"][0]["value"], KEY, "{d}");
    assert!(
        d["embeds"][0]["fields"][1]["value"]
            .as_str()
            .unwrap()
            .starts_with("S01E01"),
        "{d}"
    );
    let t = json_body(&telegram.requests()[0]);
    assert_eq!(t["chat_id"], "1001");
    assert!(t["text"].as_str().unwrap().contains("S01E01"), "{t}");
    let g = json_body(&gotify.requests()[0]);
    assert!(g["title"].as_str().unwrap().contains("S01E01"), "{g}");
    let mail = &smtp.messages()[0];
    assert_eq!(mail.to, ["me@example.org"]);
    assert!(mail.data.contains("S01E01"), "{}", mail.data);
    assert!(mail.data.contains(KEY), "{}", mail.data);

    // Media servers: the mapped path, and no full scan.
    let jf: Vec<RecordedRequest> = jellyfin.requests();
    assert!(
        jf.iter().all(|r| r.path == "/Library/Media/Updated"),
        "{jf:?}"
    );
    assert_eq!(
        json_body(&jf[0])["Updates"][0]["Path"],
        json!(format!("/media/anime{relative}"))
    );
    let scans: Vec<RecordedRequest> = plex
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("refresh"))
        .collect();
    assert_eq!(scans.len(), 1, "{scans:?}");
    assert_eq!(scans[0].path, "/library/sections/2/refresh");
    let folder = std::path::Path::new(&relative)
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        scans[0].query_param("path"),
        Some(format!("/data/anime{folder}"))
    );

    let s = status(&w.app, &w.token).await;
    for name in [
        "hook", "ntfy", "discord", "telegram", "gotify", "mail", "jellyfin", "plex",
    ] {
        assert_eq!(target(&s, name)["failing"], false, "{s}");
    }
}

#[actix_web::test]
async fn a_target_that_answers_500_twice_then_200_gets_the_event_once() {
    let w = queue_world(|_| {}).await;
    let flaky = FakeServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    flaky.route(WEBHOOK_PATH, move |_| {
        match c.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => FakeResponse::text("upstream broke").with_status(500),
            _ => FakeResponse::status(200),
        }
    });
    set_notifications(
        &w,
        json!({"targets": [hook("flaky", &flaky)], "retry_backoff_seconds": 1}),
    )
    .await;
    queue_episode(&w, 1, false).await;
    let delivered = crate::queue_support::poll("the delivery after two 500s", || async {
        let s = status(&w.app, &w.token).await;
        let t = target(&s, "flaky").clone();
        (t["last_delivery"].is_string() && t["pending"] == 0).then_some(t)
    })
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 3, "two 500s and one 200");
    let bodies: Vec<Value> = flaky.requests().iter().map(json_body).collect();
    assert!(bodies.iter().all(|b| b["event"] == "download_completed"));
    assert_eq!(delivered["failing"], false);
    assert!(
        delivered["last_error"].as_str().unwrap().contains("500"),
        "{delivered}"
    );
}

/// Starts the service again on `data_dir`; the returned app owns a fresh temp dir.
#[actix_web::test]
async fn a_target_that_is_down_while_the_service_restarts_gets_the_event_afterwards() {
    let w = queue_world(|_| {}).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nothing listens there yet; the retry would come only after an hour.
    set_notifications(
        &w,
        json!({"targets": [{"name": "later", "type": "webhook",
            "url": format!("http://127.0.0.1:{port}{WEBHOOK_PATH}")}], "retry_backoff_seconds": 3600}),
    )
    .await;
    queue_episode(&w, 1, false).await;
    let waiting = crate::queue_support::poll("the failed first try", || async {
        let s = status(&w.app, &w.token).await;
        let t = target(&s, "later").clone();
        t["last_error"].is_string().then_some(t)
    })
    .await;
    assert_eq!(waiting["pending"], 1, "{waiting}");
    assert_eq!(waiting["failing"], false, "still retrying: {waiting}");

    w.app.handle.stop(true).await;
    let notifier = w.app.state.app.notifications().clone();
    actix_web::web::block(move || notifier.shutdown())
        .await
        .unwrap();
    let receiver = FakeServer::start_on(port);
    receiver.route(WEBHOOK_PATH, |_| FakeResponse::status(204));
    let again = restart(w.app.data_dir.path()).await;
    let got = poll_within(
        Duration::from_secs(10),
        "the event after the restart",
        || {
            let r = receiver.requests();
            (!r.is_empty()).then_some(r)
        },
    )
    .await;
    assert_eq!(json_body(&got[0])["event"], "download_completed");
    assert_eq!(json_body(&got[0])["series"]["key"], KEY);
    let token = again.fresh_token().await;
    let t = crate::queue_support::poll("the saved delivery", || async {
        let s = status(&again, &token).await;
        let t = target(&s, "later").clone();
        (t["pending"] == 0).then_some(t)
    })
    .await;
    assert!(t["last_delivery"].is_string(), "{t}");
    assert_eq!(receiver.requests().len(), 1, "delivered once");
    again.handle.stop(true).await;
}

#[actix_web::test]
async fn quiet_hours_hold_a_completion_back_and_let_a_failure_through() {
    let w = queue_world(|c| {
        c["scheduler"]["timezone"] = json!("UTC");
    })
    .await;
    let receiver = fakes::webhook(None);
    let quiet = quiet_now();
    set_notifications(
        &w,
        json!({"targets": [hook("night", &receiver)], "quiet_hours": quiet}),
    )
    .await;
    let s = status(&w.app, &w.token).await;
    assert_eq!(s["quiet_now"], true, "{s}");
    assert_eq!(s["quiet_hours"], json!(quiet));

    queue_episode(&w, 1, false).await;
    w.wait_status("the completion", |s| {
        s["statistics"]["completed_count"] == 1
    })
    .await;
    queue_episode(&w, 2, true).await;
    w.wait_status("the failure", |s| s["statistics"]["failed_count"] == 1)
        .await;
    let failure = poll_within(Duration::from_secs(5), "the failure notification", || {
        receiver.requests().first().map(json_body)
    })
    .await;
    assert_eq!(failure["event"], "download_failed", "{failure}");
    assert_eq!(failure["episode"]["episode"], 2, "{failure}");
    assert!(failure["error"].is_string(), "{failure}");
    let held = crate::queue_support::poll("the completion held", || async {
        let s = status(&w.app, &w.token).await;
        let t = target(&s, "night").clone();
        (t["pending"] == 1 && t["last_delivery"].is_string()).then_some(t)
    })
    .await;
    assert_eq!(held["failing"], false);
    assert_eq!(receiver.requests().len(), 1, "the completion waits");

    // The quiet hours end (here: they are removed); the held completion goes out.
    set_notifications(
        &w,
        json!({"targets": [hook("night", &receiver)], "quiet_hours": null}),
    )
    .await;
    let later = poll_within(Duration::from_secs(5), "the held completion", || {
        let r = receiver.requests();
        (r.len() == 2).then(|| json_body(&r[1]))
    })
    .await;
    assert_eq!(later["event"], "download_completed", "{later}");
}

#[actix_web::test]
async fn the_test_endpoint_reports_a_wrong_token_and_health_lists_the_failing_target() {
    let w = queue_world(|_| {}).await;
    let gotify = fakes::gotify("the-right-token-123");
    let telegram = fakes::telegram("99:right-bot-token");
    let ok = fakes::webhook(None);
    set_notifications(
        &w,
        json!({"targets": [
            {"name": "gotify", "type": "gotify", "url": gotify.url(), "token": "a-wrong-token-456"},
            {"name": "telegram", "type": "telegram", "bot_token": "99:wrong-bot-token", "chat_id": 7,
             "api_url": telegram.url()},
            hook("hook", &ok),
            {"name": "off", "type": "discord", "url": "http://127.0.0.1:9/api/webhooks/1/x", "enabled": false},
        ]}),
    )
    .await;
    let r = w
        .app
        .post(
            "/api/notifications/test",
            Some(&w.token),
            &json!({"target": "gotify"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let results = r.json["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["target"], "gotify");
    assert_eq!(results[0]["type"], "gotify");
    assert_eq!(results[0]["delivered"], false);
    let err = results[0]["error"].as_str().unwrap();
    assert!(err.contains("401"), "{err}");
    assert!(!r.text.contains("a-wrong-token-456"), "{}", r.text);

    // Without a body: every enabled target, each with its own outcome.
    let all = w
        .app
        .post_empty("/api/notifications/test", Some(&w.token))
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    let outcome: Vec<(String, bool)> = all.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["target"].as_str().unwrap().to_string(),
                r["delivered"] == true,
            )
        })
        .collect();
    assert_eq!(
        outcome,
        [
            ("gotify".to_string(), false),
            ("telegram".to_string(), false),
            ("hook".to_string(), true)
        ]
    );
    assert!(!all.text.contains("wrong-bot-token"), "{}", all.text);
    assert_eq!(json_body(&ok.requests()[0])["event"], "test");

    let missing = w
        .app
        .post(
            "/api/notifications/test",
            Some(&w.token),
            &json!({"target": "nope"}),
        )
        .await;
    missing.assert_error(404, "NOT_FOUND_ERROR");
    let bad = w
        .app
        .post(
            "/api/notifications/test",
            Some(&w.token),
            &json!({"target": 5}),
        )
        .await;
    bad.assert_error(422, "VALIDATION_ERROR");

    let s = status(&w.app, &w.token).await;
    assert_eq!(target(&s, "gotify")["failing"], true, "{s}");
    assert!(target(&s, "gotify")["last_error_at"].is_string(), "{s}");
    assert_eq!(target(&s, "hook")["failing"], false, "{s}");
    assert!(target(&s, "hook")["last_delivery"].is_string(), "{s}");
    assert_eq!(target(&s, "off")["enabled"], false, "{s}");
    let health = w.app.get("/health/detailed", None).await;
    let failing: Vec<&str> = health.json["notifications"]["failing_targets"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", health.text))
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["gotify", "telegram"], "{}", health.text);
    assert!(!health.text.contains("wrong-bot-token"), "{}", health.text);
}

#[actix_web::test]
async fn targets_are_validated_by_field_and_unknown_keys_are_refused() {
    let w = queue_world(|_| {}).await;
    let r = w
        .app
        .put(
            "/api/config",
            Some(&w.token),
            &json!({"notifications": {"targets": [
                {"name": "a", "type": "gotify", "url": "http://g"},
                {"name": "a", "type": "pager", "url": "http://p"}
            ]}}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    for field in [
        "notifications.targets[0].token",
        "notifications.targets[1].name",
        "notifications.targets[1].type",
    ] {
        assert!(
            r.json["details"].get(field).is_some(),
            "{field}: {}",
            r.text
        );
    }
    let typo = w
        .app
        .put(
            "/api/config",
            Some(&w.token),
            &json!({"notifications": {"targets": [{"name": "a", "type": "discord", "ulr": "http://d/x"}]}}),
        )
        .await;
    typo.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(
        typo.json["details"]["field"],
        "notifications.targets[0].ulr"
    );
}

async fn call(
    address: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Resp {
    send(&client(), address, method, path, token, body, &[]).await
}

#[actix_web::test]
async fn no_secret_appears_in_any_answer_or_log_line() {
    let secrets = [
        "whsec-secret-value-1",
        "hdr-secret-value-2",
        "dc-secret-token-3",
        "77:tg-secret-token-4",
        "gotify-secret-token-5",
        "ntfy-secret-token-6",
        "smtp-secret-password-7",
        "jf-secret-key-8",
        "plex-secret-token-9",
    ];
    let hook_server = fakes::webhook(Some("a-different-secret"));
    let discord = fakes::discord("1", "another-token");
    let telegram = fakes::telegram("77:not-this-one");
    let gotify = fakes::gotify("not-this-either");
    let ntfy = fakes::ntfy(Some("nor-this"));
    let smtp = FakeSmtp::start_with_login(Some(("mailer", "the-real-password")));
    let jellyfin = fakes::jellyfin("other-key");
    let plex = fakes::plex("other-token", &[("1", "Anime", "/data/anime")]);
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config["logging"]["file"] = json!("aniworld.log");
    config["notifications"] = json!({"targets": [
        {"name": "hook", "type": "webhook", "url": format!("{}{WEBHOOK_PATH}", hook_server.url()),
         "secret": secrets[0], "headers": {"Authorization": format!("Bearer {}", secrets[1])}},
        {"name": "discord", "type": "discord", "url": format!("{}/api/webhooks/1/{}", discord.url(), secrets[2])},
        {"name": "telegram", "type": "telegram", "bot_token": secrets[3], "chat_id": 1, "api_url": telegram.url()},
        {"name": "gotify", "type": "gotify", "url": gotify.url(), "token": secrets[4]},
        {"name": "ntfy", "type": "ntfy", "url": format!("{}/t", ntfy.url()), "token": secrets[5]},
        {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port(), "tls": "none",
         "username": "mailer", "password": secrets[6], "from": "a@example.org", "to": "b@example.org"},
        {"name": "jellyfin", "type": "jellyfin", "url": jellyfin.url(), "api_key": secrets[7]},
        {"name": "plex", "type": "plex", "url": plex.url(), "token": secrets[8]},
    ]});
    write_config(data.path(), &config);
    let bin = start_binary(data.path(), cwd.path(), &["--log-level", "debug"]);
    let a = bin.address.clone();
    let mut seen = Vec::new();
    let setup = call(
        &a,
        Method::POST,
        "/api/auth/setup",
        None,
        Some(&json!({"master_password": crate::helpers::PASSWORD})),
    )
    .await;
    assert_eq!(setup.status, 201, "{}", setup.text);
    let login = call(
        &a,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&json!({"password": crate::helpers::PASSWORD})),
    )
    .await;
    let token = login.json["access_token"].as_str().unwrap().to_string();
    let current = call(&a, Method::GET, "/api/config", Some(&token), None).await;
    assert_eq!(current.status, 200);
    let targets = current.json["notifications"]["targets"].clone();
    assert_eq!(targets[0]["secret"], "********", "{}", current.text);
    assert_eq!(
        targets[1]["url"],
        json!(format!("{}/********", discord.url()))
    );
    // Sent back as they came (redacted) with one change: the secrets are kept.
    let mut back = current.json["notifications"].clone();
    back["targets"][0]["enabled"] = json!(false);
    for (m, p, b) in [
        (
            Method::PUT,
            "/api/config",
            Some(json!({"notifications": back})),
        ),
        (
            Method::POST,
            "/api/config/validate",
            Some(current.json.clone()),
        ),
        (Method::POST, "/api/notifications/test", None),
        (Method::GET, "/api/notifications/status", None),
        (Method::GET, "/api/config", None),
        (Method::POST, "/api/config/backups", None),
        (Method::GET, "/api/config/backups", None),
        (Method::GET, "/health/detailed", None),
        (Method::GET, "/openapi.json", None),
    ] {
        let r = call(&a, m, p, Some(&token), b.as_ref()).await;
        assert!(r.status < 500, "{p}: {}", r.text);
        seen.push(format!("{p} {:?}\n{}", r.headers, r.text));
    }
    let tested = call(
        &a,
        Method::POST,
        "/api/notifications/test",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        tested.json["results"].as_array().map(Vec::len),
        Some(7),
        "{}",
        tested.text
    );
    assert!(
        tested.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["delivered"] == false),
        "every fake expects other credentials: {}",
        tested.text
    );
    seen.push(tested.text.clone());
    let stored: Value =
        serde_json::from_slice(&std::fs::read(data.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(
        stored["notifications"]["targets"][0]["secret"], secrets[0],
        "kept when sent back redacted"
    );
    assert_eq!(stored["notifications"]["targets"][0]["enabled"], false);
    let stderr = bin.stop().join("\n");
    let file_log = std::fs::read_to_string(data.path().join("logs").join("aniworld.log")).unwrap();
    assert!(stderr.contains("DEBUG"), "debug logging was not on");
    let answers = seen.join("\n");
    for secret in secrets {
        assert!(!answers.contains(secret), "{secret} appears in an answer");
        assert!(!stderr.contains(secret), "{secret} appears in the log");
        assert!(
            !file_log.contains(secret),
            "{secret} appears in the log file"
        );
    }
}
