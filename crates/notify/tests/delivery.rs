//! Every target type against its fake on 127.0.0.1 (testkit), and the outbox on a real SQLite
//! file: retries of 5xx answers, give-up of 4xx, a restart that delivers what was pending,
//! quiet hours with their summary, one slow target that delays no other, tests and status.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aniworld_core::AppConfig;
use aniworld_core::notifications::NotificationTarget;
use aniworld_notify::{Deliverer, EpisodeInfo, NamedTarget, Notification, Outbox, SeriesInfo};
use aniworld_store::Store;
use aniworld_testkit::notify as fakes;
use aniworld_testkit::{FakeResponse, FakeServer};
use chrono::Utc;
use serde_json::{Value, json};

fn target(v: Value) -> NamedTarget {
    let t: NotificationTarget = serde_json::from_value(v).unwrap();
    NamedTarget::from_config(&t).unwrap()
}

fn completed() -> Notification {
    Notification::download_completed(
        SeriesInfo {
            key: "frieren".into(),
            name: "Frieren".into(),
            folder: "Frieren (2023)".into(),
            poster_url: Some("https://img.example/frieren.jpg".into()),
        },
        EpisodeInfo::new(1, 2, Some("Magic".into())),
        "/srv/anime/Frieren (2023)/Season 01/Frieren (2023) - S01E02.mp4".into(),
        Utc::now(),
    )
    .from_instance("Test")
}

fn failed() -> Notification {
    Notification::download_failed(
        SeriesInfo {
            key: "frieren".into(),
            name: "Frieren".into(),
            folder: "Frieren (2023)".into(),
            poster_url: None,
        },
        EpisodeInfo::new(1, 3, None),
        "no hoster had the episode".into(),
        Utc::now(),
    )
}

fn body(r: &aniworld_testkit::RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_default()
}

/// Polls `check` every 20 ms for up to 20 s.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn each_http_type_sends_what_its_service_expects() {
    let d = Deliverer::default();
    let n = completed();

    let hook = fakes::webhook(Some("hmac-secret-1"));
    let t = target(
        json!({"name": "w", "type": "webhook", "url": format!("{}{}", hook.url(), fakes::WEBHOOK_PATH),
        "secret": "hmac-secret-1", "headers": {"X-Extra": "yes"}}),
    );
    d.deliver(&t, &n).unwrap();
    let r = &hook.requests()[0];
    assert!(fakes::signature_ok(
        "hmac-secret-1",
        &r.body,
        r.header("x-aniworld-signature")
    ));
    assert_eq!(r.header("x-extra"), Some("yes"));
    assert_eq!(r.header("x-aniworld-event"), Some("download_completed"));
    assert_eq!(body(r)["episode"]["code"], "S01E02");
    let wrong = target(
        json!({"name": "w", "type": "webhook", "url": format!("{}{}", hook.url(), fakes::WEBHOOK_PATH),
        "secret": "another-secret"}),
    );
    let err = d.deliver(&wrong, &n).unwrap_err();
    assert!(!err.retryable && err.message.contains("401"), "{err:?}");

    let ntfy = fakes::ntfy(Some("tk_ntfy_token"));
    let t = target(
        json!({"name": "n", "type": "ntfy", "url": format!("{}/anime", ntfy.url()),
        "token": "tk_ntfy_token", "tags": ["sparkles"]}),
    );
    d.deliver(&t, &n).unwrap();
    let b = body(&ntfy.requests()[0]);
    assert_eq!(b["topic"], "anime");
    assert_eq!(b["title"], "Downloaded: Frieren S01E02");
    assert_eq!(b["tags"], json!(["tv", "sparkles"]));
    assert_eq!(b["attach"], "https://img.example/frieren.jpg");

    let discord = fakes::discord("123", "dc-token-abc");
    let t = target(
        json!({"name": "d", "type": "discord", "url": format!("{}/api/webhooks/123/dc-token-abc", discord.url())}),
    );
    d.deliver(&t, &n).unwrap();
    let embed = &body(&discord.requests()[0])["embeds"][0];
    assert_eq!(embed["fields"][0]["value"], "Frieren");
    assert_eq!(embed["fields"][1]["value"], "S01E02 – Magic");
    assert_eq!(embed["thumbnail"]["url"], "https://img.example/frieren.jpg");

    let tg = fakes::telegram("42:bot-token");
    let t = target(
        json!({"name": "t", "type": "telegram", "bot_token": "42:bot-token", "chat_id": -100,
        "api_url": tg.url()}),
    );
    d.deliver(&t, &n).unwrap();
    let b = body(&tg.requests()[0]);
    assert_eq!(b["chat_id"], "-100");
    assert!(b["text"].as_str().unwrap().contains("Frieren S01E02"));
    let bad = target(
        json!({"name": "t", "type": "telegram", "bot_token": "42:wrong-token", "chat_id": 1,
        "api_url": tg.url()}),
    );
    let err = d.deliver(&bad, &n).unwrap_err();
    assert!(err.message.contains("401"), "{err:?}");
    assert!(!err.message.contains("wrong-token"), "{err:?}");

    let gotify = fakes::gotify("gotify-app-token");
    let t = target(
        json!({"name": "g", "type": "gotify", "url": gotify.url(), "token": "gotify-app-token"}),
    );
    d.deliver(&t, &failed()).unwrap();
    let b = body(&gotify.requests()[0]);
    assert_eq!(b["priority"], 8, "failures are urgent: {b}");
    assert!(b["message"].as_str().unwrap().contains("no hoster"));
}

#[test]
fn media_servers_learn_about_the_mapped_file_only() {
    let d = Deliverer::default();
    let n = completed();
    let jf = fakes::jellyfin("jf-api-key");
    let t = target(
        json!({"name": "j", "type": "jellyfin", "url": jf.url(), "api_key": "jf-api-key",
        "path_map": {"/srv/anime": "/media/anime"}}),
    );
    d.deliver(&t, &n).unwrap();
    let r = jf.requests();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].path, "/Library/Media/Updated");
    assert_eq!(
        body(&r[0])["Updates"][0]["Path"],
        "/media/anime/Frieren (2023)/Season 01/Frieren (2023) - S01E02.mp4"
    );
    // Nothing to tell about a failure.
    d.deliver(&t, &failed()).unwrap();
    assert_eq!(jf.requests().len(), 1);

    let plex = fakes::plex(
        "plex-token",
        &[
            ("1", "Movies", "/data/movies"),
            ("7", "Anime", "/data/anime"),
        ],
    );
    let t = target(
        json!({"name": "p", "type": "plex", "url": plex.url(), "token": "plex-token",
        "path_map": {"/srv/anime": "/data/anime"}}),
    );
    d.deliver(&t, &n).unwrap();
    let refresh: Vec<_> = plex
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/refresh"))
        .collect();
    assert_eq!(refresh.len(), 1);
    assert_eq!(refresh[0].path, "/library/sections/7/refresh");
    assert_eq!(
        refresh[0].query_param("path").as_deref(),
        Some("/data/anime/Frieren (2023)/Season 01")
    );
    let unmapped =
        target(json!({"name": "p", "type": "plex", "url": plex.url(), "token": "plex-token"}));
    let err = d.deliver(&unmapped, &n).unwrap_err();
    assert!(err.message.contains("no Plex library section"), "{err:?}");
}

#[test]
fn email_goes_through_smtp_with_a_login() {
    let smtp = fakes::FakeSmtp::start_with_login(Some(("mailer", "smtp-pass-1")));
    let d = Deliverer::default();
    let t = target(
        json!({"name": "m", "type": "email", "host": "127.0.0.1", "port": smtp.port(), "tls": "none",
        "username": "mailer", "password": "smtp-pass-1", "from": "Aniworld <aniworld@example.org>",
        "to": ["me@example.org", "you@example.org"]}),
    );
    d.deliver(&t, &completed()).unwrap();
    let m = &smtp.messages()[0];
    assert_eq!(m.from, "aniworld@example.org");
    assert_eq!(m.to, ["me@example.org", "you@example.org"]);
    assert_eq!(m.user.as_deref(), Some("mailer"));
    assert!(
        m.data.contains("Subject: Downloaded: Frieren S01E02"),
        "{}",
        m.data
    );
    assert!(m.data.contains("Season 01"), "{}", m.data);
    let wrong = target(
        json!({"name": "m", "type": "email", "host": "127.0.0.1", "port": smtp.port(), "tls": "none",
        "username": "mailer", "password": "not-the-password", "from": "a@example.org", "to": "me@example.org"}),
    );
    let err = d.deliver(&wrong, &completed()).unwrap_err();
    assert!(!err.retryable, "{err:?}");
    assert!(!err.message.contains("not-the-password"), "{err:?}");
}

/// A configuration with `targets`, fast retries, and quiet hours when asked.
fn config(targets: Value, quiet: Option<&str>) -> Arc<AppConfig> {
    let c = json!({"notifications": {"targets": targets, "quiet_hours": quiet, "retry_backoff_seconds": 1},
        "scheduler": {"timezone": "UTC"}});
    let c: AppConfig = serde_json::from_value(c).unwrap();
    assert!(c.validate().is_empty(), "{:?}", c.validate());
    Arc::new(c)
}

/// Quiet hours from an hour ago to an hour from now (UTC).
fn quiet_now() -> String {
    let now = Utc::now();
    let f = |t: chrono::DateTime<Utc>| t.format("%H:%M").to_string();
    format!(
        "{}-{}",
        f(now - chrono::Duration::hours(1)),
        f(now + chrono::Duration::hours(1))
    )
}

fn hook_target(name: &str, server: &FakeServer) -> Value {
    json!({"name": name, "type": "webhook", "url": format!("{}{}", server.url(), fakes::WEBHOOK_PATH)})
}

#[test]
fn five_hundreds_are_retried_and_the_event_arrives_once() {
    let flaky = FakeServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    flaky.route(fakes::WEBHOOK_PATH, move |_| {
        match c.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => FakeResponse::status(500),
            _ => FakeResponse::status(200),
        }
    });
    let gone = FakeServer::start();
    gone.route(fakes::WEBHOOK_PATH, |_| FakeResponse::status(404));
    let store = Store::open_in_memory().unwrap();
    let outbox = Outbox::start(
        Arc::new(store),
        config(
            json!([hook_target("flaky", &flaky), hook_target("gone", &gone)]),
            None,
        ),
        Deliverer::default(),
    );
    assert_eq!(outbox.enqueue(&completed()).unwrap(), 2);
    let status = wait_for("the retried delivery and the refusal", || {
        let s = outbox.status().unwrap();
        (s.targets[0].last_delivery_at.is_some() && s.targets[1].failing).then_some(s)
    });
    assert_eq!(calls.load(Ordering::SeqCst), 3, "two 500s, then one 200");
    assert_eq!(status.targets[0].pending, 0);
    assert!(!status.targets[0].failing);
    assert!(
        status.targets[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("500")
    );
    assert_eq!(gone.hits(fakes::WEBHOOK_PATH), 1, "a 404 is not retried");
    assert!(
        status.targets[1]
            .last_error
            .as_deref()
            .unwrap()
            .contains("404")
    );
    outbox.shutdown();
}

#[test]
fn a_restart_delivers_what_a_dead_target_left_pending() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aniworld.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}{}", fakes::WEBHOOK_PATH);
    let targets = json!([{"name": "later", "type": "webhook", "url": url}]);
    let mut slow = (*config(targets.clone(), None)).clone();
    slow.notifications.retry_backoff_seconds = 3600;
    let outbox = Outbox::start(
        Arc::new(Store::open(&db).unwrap()),
        Arc::new(slow.clone()),
        Deliverer::default(),
    );
    outbox.enqueue(&completed()).unwrap();
    wait_for("the failed first try", || {
        let s = outbox.status().unwrap();
        s.targets[0].last_error.clone()
    });
    outbox.shutdown();
    let receiver = FakeServer::start_on(port);
    receiver.route(fakes::WEBHOOK_PATH, |_| FakeResponse::status(204));
    let again = Outbox::start(
        Arc::new(Store::open(&db).unwrap()),
        Arc::new(slow),
        Deliverer::default(),
    );
    wait_for("the delivery after the restart", || {
        (receiver.hits(fakes::WEBHOOK_PATH) == 1).then_some(())
    });
    let s = wait_for("the saved outcome", || {
        let s = again.status().unwrap();
        (s.targets[0].pending == 0).then_some(s)
    });
    assert!(s.targets[0].last_delivery_at.is_some());
    again.shutdown();
}

#[test]
fn quiet_hours_hold_completions_let_failures_through_and_summarise_afterwards() {
    let hook = fakes::webhook(None);
    let jf = fakes::jellyfin("jf-key");
    let targets = json!([hook_target("hook", &hook),
        {"name": "jf", "type": "jellyfin", "url": jf.url(), "api_key": "jf-key"}]);
    let quiet = quiet_now();
    let outbox = Outbox::start(
        Arc::new(Store::open_in_memory().unwrap()),
        config(targets.clone(), Some(&quiet)),
        Deliverer::default(),
    );
    assert!(outbox.status().unwrap().quiet_now);
    outbox.enqueue(&completed()).unwrap();
    outbox.enqueue(&completed()).unwrap();
    outbox.enqueue(&failed()).unwrap();
    wait_for("the failure", || {
        (hook.hits(fakes::WEBHOOK_PATH) == 1).then_some(())
    });
    wait_for("the media server refreshes", || {
        (jf.hits("/Library/Media/Updated") == 2).then_some(())
    });
    let events: Vec<Value> = hook.requests().iter().map(body).collect();
    assert_eq!(events[0]["event"], "download_failed");
    assert_eq!(
        outbox.status().unwrap().targets[0].pending,
        2,
        "both completions held"
    );

    // Quiet hours end (here: are removed): one summary of both completions.
    outbox.set_config(config(targets, None));
    wait_for("the summary", || {
        (hook.hits(fakes::WEBHOOK_PATH) == 2).then_some(())
    });
    let summary = body(&hook.requests()[1]);
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["events"].as_array().unwrap().len(), 2);
    assert_eq!(summary["events"][0]["event"], "download_completed");
    let s = wait_for("nothing pending", || {
        let s = outbox.status().unwrap();
        (s.targets[0].pending == 0).then_some(s)
    });
    assert!(!s.quiet_now);
    outbox.shutdown();
}

#[test]
fn a_slow_target_delays_no_other_and_tests_report_each_target() {
    let slow = FakeServer::start();
    slow.serve(
        fakes::WEBHOOK_PATH,
        FakeResponse::status(200).delayed(Duration::from_secs(4)),
    );
    let fast = fakes::webhook(None);
    let gotify = fakes::gotify("right-token");
    let targets = json!([hook_target("slow", &slow), hook_target("fast", &fast),
        {"name": "g", "type": "gotify", "url": gotify.url(), "token": "wrong-token", "events": ["download_failed"]},
        {"name": "off", "type": "discord", "url": "http://127.0.0.1:9/x", "enabled": false}]);
    let outbox = Outbox::start(
        Arc::new(Store::open_in_memory().unwrap()),
        config(targets, None),
        Deliverer::default(),
    );
    outbox.enqueue(&completed()).unwrap();
    wait_for("the fast target", || {
        (fast.hits(fakes::WEBHOOK_PATH) == 1).then_some(())
    });
    assert_eq!(gotify.requests().len(), 0, "g does not get completions");
    assert!(slow.hits(fakes::WEBHOOK_PATH) <= 1);

    let results = outbox.test(Some("g")).unwrap();
    assert_eq!(results.len(), 1);
    let err = results[0].error.as_deref().unwrap();
    assert!(err.contains("401"), "{err}");
    assert!(!err.contains("wrong-token"), "{err}");
    let all = outbox.test(None).unwrap();
    let names: Vec<&str> = all.iter().map(|o| o.target.as_str()).collect();
    assert_eq!(names, ["slow", "fast", "g"], "enabled targets only");
    assert_eq!(all[1].error, None);
    assert!(matches!(
        outbox.test(Some("nope")),
        Err(aniworld_notify::TestError::UnknownTarget(_))
    ));
    let s = outbox.status().unwrap();
    assert!(s.targets[2].failing, "the failed test counts");
    outbox.shutdown();
}
