//! Browser end-to-end tests of the web UI in a real headless Chromium against the in-process
//! service: the first-run wizard, login (wrong then right password), configuration backups,
//! settings that persist, logout; and every page at phone width without script errors and with an
//! accessible name on every control.
//!
//! Set `ANIWORLD_SCREENSHOTS=<dir>` to also save PNG screenshots of the main pages there
//! (docs/screenshots/ holds the committed ones).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::e2e_browser::{Browser, browser};
use crate::helpers::{PASSWORD, TestApp, spawn_app_with};

/// The app with limits that a browser clicking quickly cannot trip.
async fn app() -> TestApp {
    spawn_app_with(
        |c| {
            c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
            c["server"]["auth_rate_limit_per_minute"] = json!(100);
        },
        |_| {},
    )
    .await
}

pub fn screenshots() -> Option<PathBuf> {
    std::env::var_os("ANIWORLD_SCREENSHOTS").map(PathBuf::from)
}

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

/// Asserts that the page recorded no script error.
pub async fn assert_clean(b: &Browser, page: &str) {
    let errors = b.page_errors().await;
    assert!(errors.is_empty(), "{page}: script errors {errors:#?}");
}

#[actix_web::test]
async fn setup_login_backup_settings_and_logout_in_a_browser() {
    let app = app().await;
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    let anime = tempfile::tempdir().unwrap();
    let anime_dir = anime.path().display().to_string();

    // Not set up yet: the library sends the user to the wizard.
    b.client.goto(&format!("{}/", app.address)).await.unwrap();
    b.wait_path("/setup").await;
    // The policy is checked as you type.
    b.fill("#password", "short").await;
    b.wait_js("document.querySelectorAll('#policy li.met').length === 1")
        .await;
    assert_eq!(
        b.js(
            "return document.querySelector('#policy li[data-rule=lower]').classList.contains('met')"
        )
        .await,
        json!(true)
    );
    b.fill("#password", PASSWORD).await;
    b.wait_js("document.querySelectorAll('#policy li.met').length === 5")
        .await;
    b.fill("#password2", PASSWORD).await;
    b.fill("#anime-dir", &anime_dir).await;
    b.fill("#tmdb-key", "e2e-tmdb-key").await;
    b.screenshot_to(screenshots().as_deref(), "setup").await;
    b.click("#setup-submit").await;
    b.wait_path("/login").await;
    let c = wait_config(&app, "the TMDB key", |c| {
        c["nfo"]["tmdb_api_key"] == "e2e-tmdb-key"
    })
    .await;
    assert_eq!(c["other"]["anime_directory"], json!(anime_dir));
    assert_clean(&b, "setup").await;

    // A wrong password shows the error view; the right one opens the library.
    b.wait_css("#login-form").await;
    b.fill("#password", "Wrong#Pass1").await;
    b.click("#login-submit").await;
    b.wait_css("#notice .error-view").await;
    let text = b
        .wait_css("#notice .error-view")
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("Wrong password"), "{text}");
    b.fill("#password", PASSWORD).await;
    b.click("#remember").await;
    b.screenshot_to(screenshots().as_deref(), "login").await;
    b.click("#login-submit").await;
    b.wait_path("/").await;
    b.wait_css("#view h1").await;
    assert_eq!(
        b.wait_css("#view h1").await.text().await.unwrap(),
        "Library"
    );
    assert_eq!(
        b.js("return !!localStorage.getItem('aniworld.token')")
            .await,
        json!(true),
        "remember me keeps the token"
    );
    assert_clean(&b, "library").await;

    // Settings: create a backup, change the logging level, restore the backup.
    b.client
        .goto(&format!("{}/#/settings", app.address))
        .await
        .unwrap();
    b.wait_css("#bak-form").await;
    b.wait_css("#backup-list p, #backup-list table").await;
    b.fill("#bak-name", "e2e-before").await;
    b.click("#bak-form button[type=submit]").await;
    b.wait_js("[...document.querySelectorAll('#backup-list td')].some((td) => td.textContent === 'e2e-before.json')").await;
    b.wait_css("#log-level")
        .await
        .select_by_value("DEBUG")
        .await
        .unwrap();
    b.click("#log-form button[type=submit]").await;
    wait_config(&app, "logging.level DEBUG", |c| {
        c["logging"]["level"] == "DEBUG"
    })
    .await;
    b.click("button[aria-label='Restore e2e-before.json']")
        .await;
    b.wait_css("dialog[open]").await;
    b.click("dialog[open] .btn.primary").await;
    wait_config(&app, "the restored level", |c| {
        c["logging"]["level"] == "INFO"
    })
    .await;
    // The view reloads with the restored values.
    b.wait_js("document.querySelector('#log-level') && document.querySelector('#log-level').value === 'INFO'").await;
    assert_clean(&b, "settings (backups)").await;

    // Scheduler: a new time and fewer days persist and show again after a reload.
    b.wait_css("#sched-form").await;
    b.fill("#sched-time", "06:30").await;
    b.click("#day-sun").await;
    b.click("#sched-form button[type=submit]").await;
    let c = wait_config(&app, "the schedule", |c| {
        c["scheduler"]["schedule_time"] == "06:30"
    })
    .await;
    let days = c["scheduler"]["schedule_days"].as_array().unwrap().clone();
    assert!(
        !days.contains(&json!("sun")) && days.contains(&json!("mon")),
        "{days:?}"
    );
    b.client.refresh().await.unwrap();
    b.wait_css("#sched-time").await;
    b.wait_js("document.querySelector('#sched-time').value === '06:30' && !document.querySelector('#day-sun').checked").await;
    b.screenshot_to(screenshots().as_deref(), "settings").await;
    assert_clean(&b, "settings (scheduler)").await;

    // Logout revokes the token and drops it; the library then asks for a login again.
    b.click("#logout").await;
    b.wait_path("/login").await;
    assert_eq!(b.js("return localStorage.getItem('aniworld.token') || sessionStorage.getItem('aniworld.token')").await, Value::Null);
    b.client.goto(&format!("{}/", app.address)).await.unwrap();
    b.wait_path("/login").await;
    assert_clean(&b, "login after logout").await;
    b.close().await;
}

#[actix_web::test]
async fn every_page_at_phone_width_is_clean_and_named() {
    let app = app().await;
    let Some(b) = browser(390, 844).await else {
        return;
    };
    let shots = screenshots().map(|d| d.join("phone"));

    // Before setup: the wizard.
    b.client
        .goto(&format!("{}/setup", app.address))
        .await
        .unwrap();
    b.wait_css("#setup-form").await;
    check_page(&b, "/setup", shots.as_deref(), "setup").await;

    assert_eq!(app.setup().await.status, 201);
    b.client
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    b.wait_css("#login-form").await;
    check_page(&b, "/login", shots.as_deref(), "login").await;

    // Signed in: put a token where the login page would.
    let token = app.fresh_token().await;
    b.js(&format!(
        "sessionStorage.setItem('aniworld.token', {}); return true;",
        json!(token)
    ))
    .await;
    let pages = [
        (
            "/",
            "#view .pager, #view .error-view, #view .empty",
            "library",
        ),
        ("/#/search", "#search-q", "search"),
        (
            "/#/settings",
            "#backup-list p, #backup-list table",
            "settings",
        ),
        ("/queue", "#queue-state", "queue"),
        ("/#/wanted", "#wanted-list > *", "wanted"),
        ("/#/history", "#history-list > *", "history"),
    ];
    for (path, ready, name) in pages {
        b.client
            .goto(&format!("{}{path}", app.address))
            .await
            .unwrap();
        b.wait_css(ready).await;
        b.wait_js("!document.querySelector('[aria-busy=true]')")
            .await;
        check_page(&b, path, shots.as_deref(), name).await;
    }
    // An unknown series shows the error view, not a blank page.
    b.client
        .goto(&format!("{}/#/series/no-such-series", app.address))
        .await
        .unwrap();
    let err = b
        .wait_css("#view .error-view[role=alert]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        err.contains("Not found") && err.contains("NOT_FOUND_ERROR"),
        "{err}"
    );
    check_page(&b, "/#/series/no-such-series", None, "not-found").await;
    // The search view stays clean while typing.
    b.client
        .goto(&format!("{}/#/search", app.address))
        .await
        .unwrap();
    b.fill("#search-q", "a").await;
    check_page(&b, "/#/search typing", None, "search-typing").await;
    b.close().await;
}

/// No script errors, a name on every control, no sideways scrolling.
async fn check_page(b: &Browser, page: &str, shots: Option<&std::path::Path>, name: &str) {
    assert_clean(b, page).await;
    let unnamed = b.unnamed_controls().await;
    assert!(
        unnamed.is_empty(),
        "{page}: controls without an accessible name: {unnamed:#?}"
    );
    assert!(
        !b.overflows_horizontally().await,
        "{page} scrolls sideways at phone width"
    );
    assert_eq!(
        b.js("return document.documentElement.lang").await,
        json!("en"),
        "{page}"
    );
    b.screenshot_to(shots, name).await;
}

#[actix_web::test]
async fn a_locked_login_shows_the_wait_and_disables_the_button() {
    let app = app().await;
    assert_eq!(app.setup().await.status, 201);
    for _ in 0..5 {
        assert_eq!(app.login("Wrong#Pass1", false).await.status, 401);
    }
    let Some(b) = browser(390, 844).await else {
        return;
    };
    b.client
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    b.fill("#password", PASSWORD).await;
    b.click("#login-submit").await;
    let text = b
        .wait_css("#notice .error-view")
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("Too many requests"), "{text}");
    b.wait_js("/Login is locked\\. Wait \\d/.test(document.querySelector('#notice .countdown').textContent)").await;
    assert_eq!(
        b.js("return document.querySelector('#login-submit').disabled")
            .await,
        json!(true)
    );
    check_page(&b, "/login (locked)", None, "locked").await;
    b.close().await;
}
