//! Browser test of Settings › Notifications in a real headless Chromium: a target refused with
//! field messages (before sending, and from the server), a webhook added with a secret that is
//! write-only afterwards, its test delivered (signed), a Gotify target whose wrong token the test
//! reports and the status shows as failing, editing without retyping the secret, removing a
//! target, and quiet hours.

use std::time::{Duration, Instant};

use aniworld_testkit::notify::{self as fakes, WEBHOOK_PATH};
use serde_json::{Value, json};

use crate::e2e::assert_clean;
use crate::e2e_browser::{Browser, signed_in};
use crate::helpers::{TestApp, spawn_app_with};

/// Polls the stored configuration until `check` holds (bounded).
async fn wait_config(app: &TestApp, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let c = app.config_on_disk();
        if check(&c) {
            return c;
        }
        assert!(Instant::now() < deadline, "config never got {what}: {c:#}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of the element matching `css`.
async fn text(b: &Browser, css: &str) -> String {
    b.wait_css(css).await.text().await.unwrap()
}

/// Chooses a type and opens the form of a new target.
async fn new_target(b: &Browser, kind: &str) {
    b.wait_css("#notif-new-type")
        .await
        .select_by_value(kind)
        .await
        .unwrap();
    b.click("#notif-add").await;
    b.wait_css("#notif-form").await;
}

#[actix_web::test]
async fn notification_targets_are_added_tested_edited_and_removed_in_a_browser() {
    let app = spawn_app_with(
        |c| {
            c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
        },
        |_| {},
    )
    .await;
    let token = app.token().await;
    let receiver = fakes::webhook(Some("ui-secret-0123456789"));
    let gotify = fakes::gotify("the-right-gotify-token");
    let Some(b) = signed_in(1280, 1000, &app.address, &token, "/#/settings").await else {
        return;
    };
    b.wait_css("#notif-empty").await;

    // An empty form is refused field by field before anything is sent.
    new_target(&b, "webhook").await;
    b.click("#nt-save").await;
    assert!(text(&b, "#nt-name-error").await.contains("name"));
    assert!(text(&b, "#nt-url-error").await.contains("required"));
    b.fill("#nt-url", "ftp://nowhere").await;
    b.click("#nt-save").await;
    assert!(text(&b, "#nt-url-error").await.contains("http"));
    assert!(app.config_on_disk()["notifications"]["targets"] == json!([]));

    // A signed webhook, without one event.
    b.fill("#nt-name", "hook").await;
    b.fill("#nt-url", &format!("{}{WEBHOOK_PATH}", receiver.url()))
        .await;
    b.fill("#nt-secret", "ui-secret-0123456789").await;
    b.click("#nt-ev-hoster_degraded").await;
    b.click("#nt-save").await;
    let c = wait_config(&app, "the webhook", |c| {
        c["notifications"]["targets"][0]["secret"] == "ui-secret-0123456789"
    })
    .await;
    let events = c["notifications"]["targets"][0]["events"]
        .as_array()
        .unwrap();
    assert!(!events.contains(&json!("hoster_degraded")), "{events:?}");
    assert!(events.contains(&json!("download_completed")), "{events:?}");
    b.wait_css("li[data-name='hook']").await;
    assert!(
        b.js("return document.querySelector('#notif-form') === null")
            .await
            == json!(true)
    );

    // Its test is delivered, signed with the secret.
    b.click("button[aria-label='Test hook']").await;
    b.wait_js("document.querySelector('[data-result=\"hook\"] .test-ok')")
        .await;
    let got = &receiver.requests()[0];
    assert!(fakes::signature_ok(
        "ui-secret-0123456789",
        &got.body,
        got.header("x-aniworld-signature")
    ));
    b.wait_js(
        "document.querySelector(\"li[data-name='hook'] .notif-last\").textContent !== 'never'",
    )
    .await;

    // The secret is write-only: the form shows that one is stored, never the value.
    b.click("button[aria-label='Edit hook']").await;
    b.wait_css("#notif-form").await;
    assert_eq!(
        b.js("return document.querySelector('#nt-secret').value")
            .await,
        json!("")
    );
    assert!(
        text(&b, "#nt-secret-hint").await.contains("stored"),
        "the hint says a secret is stored"
    );
    assert_eq!(
        b.js("return document.documentElement.innerHTML.includes('ui-secret-0123456789')")
            .await,
        json!(false)
    );
    // Saved again without retyping it: the secret stays.
    b.fill("#nt-name", "hook2").await;
    b.click("#nt-save").await;
    let c = wait_config(&app, "the renamed webhook", |c| {
        c["notifications"]["targets"][0]["name"] == "hook2"
    })
    .await;
    assert_eq!(
        c["notifications"]["targets"][0]["secret"],
        "ui-secret-0123456789"
    );

    // The server's refusal is shown beside the field.
    new_target(&b, "ntfy").await;
    b.fill("#nt-name", "phone").await;
    b.fill("#nt-url", "https://ntfy.example/topic").await;
    b.fill("#nt-priority", "9").await;
    b.click("#nt-save").await;
    b.wait_js("document.querySelector('#nt-priority-error').textContent.includes('between')")
        .await;
    b.wait_css("#notif-out .error-view").await;
    b.click("#notif-form .btn:not(.primary)").await;

    // A Gotify target with a wrong token: the test says so and the status shows it failing.
    new_target(&b, "gotify").await;
    b.fill("#nt-name", "gotify").await;
    b.fill("#nt-url", &gotify.url()).await;
    b.fill("#nt-token", "a-wrong-gotify-token").await;
    b.click("#nt-save").await;
    b.wait_css("li[data-name='gotify']").await;
    b.click("button[aria-label='Test gotify']").await;
    b.wait_js("document.querySelector('[data-result=\"gotify\"] .test-bad')")
        .await;
    let shown = text(&b, "[data-result=\"gotify\"] .test-bad").await;
    assert!(shown.contains("401"), "{shown}");
    assert!(!shown.contains("a-wrong-gotify-token"), "{shown}");
    b.wait_css("li[data-name='gotify'] .badge.bad").await;
    assert!(
        text(&b, "li[data-name='gotify'] .notif-error")
            .await
            .contains("401")
    );

    // Removing it asks first.
    b.click("button[aria-label='Remove gotify']").await;
    b.wait_css("dialog[open]").await;
    b.click("dialog[open] .btn.primary").await;
    let c = wait_config(&app, "one target left", |c| {
        c["notifications"]["targets"].as_array().map(Vec::len) == Some(1)
    })
    .await;
    assert_eq!(c["notifications"]["targets"][0]["name"], "hook2");

    // Quiet hours: refused when malformed, saved when right.
    b.fill("#quiet-hours", "late").await;
    b.click("#quiet-form button[type=submit]").await;
    assert!(text(&b, "#quiet-hours-error").await.contains("22:00-07:00"));
    b.fill("#quiet-hours", "22:30-06:45").await;
    b.click("#quiet-form button[type=submit]").await;
    wait_config(&app, "the quiet hours", |c| {
        c["notifications"]["quiet_hours"] == "22:30-06:45"
    })
    .await;

    assert_clean(&b, "settings (notifications)").await;
    let unnamed = b.unnamed_controls().await;
    assert!(unnamed.is_empty(), "controls without a name: {unnamed:#?}");
    b.close().await;
}
