//! Accessibility and language of every page (issue 17, items 4 and 5): with the browser asking
//! for English and for German, every page of the UI shows in that language and axe-core
//! (tests/api/vendor) finds no serious or critical violation, no `label-content-name-mismatch`
//! and no `heading-order` problem, on the dialogs too.

use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::{Value, json};

use crate::e2e::{assert_clean, screenshots};
use crate::e2e_browser::{Browser, browser_in};
use crate::helpers::spawn_app;
use crate::queue_support::{QueueWorld, queue_world};

const KEY: &str = "attack-on-titan";

/// The pages of a signed-in user: (name, path, an element that shows the page is ready).
const PAGES: &[(&str, &str, &str)] = &[
    ("library", "/", "li.series"),
    ("series", "/#/series/attack-on-titan", ".ep"),
    ("search", "/#/search", "input[type=search], #search-q, form"),
    ("wanted", "/#/wanted", "h1"),
    ("history", "/#/history", "h1"),
    ("settings", "/#/settings", "form"),
    ("system", "/#/system", "h2"),
    ("queue", "/queue", "#pending"),
];

/// A library with one series: one episode downloaded (history), one missing (wanted).
async fn world() -> QueueWorld {
    let w = queue_world(|c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
        c["download"]["auto_start"] = json!(true);
    })
    .await;
    w.seed_series(KEY, &[(1, 1), (1, 2)]);
    w.sites
        .episode(KEY, 1, 1, media_bytes(KEY, 1, 1, 50_000), Serving::Fast);
    w.sites
        .episode(KEY, 1, 2, media_bytes(KEY, 1, 2, 50_000), Serving::Broken);
    w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    w.post("/api/queue/start").await;
    w.wait_status("the first episode downloaded", |s| {
        s["status"]["completed_downloads"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    })
    .await;
    w
}

/// Visits every page and returns the problems found: axe violations, script errors, a wrong
/// `lang`, and texts of the other language.
async fn check_pages(b: &Browser, base: &str, lang: &str, foreign: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let shots = screenshots();
    for (name, path, ready) in PAGES {
        b.client.goto(&format!("{base}{path}")).await.unwrap();
        b.wait_js(&format!(
            "document.querySelector({}) && document.querySelector('h1') && !document.querySelector('#view > p.empty:only-child')",
            json!(ready)
        ))
        .await;
        b.wait_js("document.querySelector('#live').dataset.state === 'open'")
            .await;
        let page_lang = b.js("return document.documentElement.lang;").await;
        if page_lang != json!(lang) {
            problems.push(format!("{name}: lang is {page_lang}"));
        }
        let text = b.js("return document.body.innerText;").await;
        let text = text.as_str().unwrap_or_default();
        for f in foreign {
            if text.contains(f) {
                problems.push(format!("{name}: shows {f:?} in {lang}"));
            }
        }
        for v in b.axe_violations().await {
            problems.push(format!("{name} ({lang}): {v}"));
        }
        let errors = b.page_errors().await;
        if !errors.is_empty() {
            problems.push(format!("{name}: script errors {errors:?}"));
        }
        if lang == "de" {
            let dir = shots.as_deref().map(|d| d.join("de"));
            b.screenshot_to(dir.as_deref(), name).await;
        }
    }
    problems.extend(check_dialogs(b, base, lang).await);
    problems
}

/// The dialogs: the series' edit and remove dialogs, and the confirmation of a destructive
/// action (clearing completed downloads on the queue page).
async fn check_dialogs(b: &Browser, base: &str, lang: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, page, open, ready) in [
        (
            "series edit dialog",
            format!("{base}/#/series/{KEY}"),
            "#series-edit-open",
            "#series-edit-form",
        ),
        (
            "series remove dialog",
            format!("{base}/#/series/{KEY}"),
            "#series-delete-open",
            "#del-confirm",
        ),
        (
            "confirmation dialog",
            format!("{base}/queue"),
            "#clear-completed",
            "dialog.confirm[open]",
        ),
    ] {
        b.client.goto(&page).await.unwrap();
        // a fresh page: the same address with only its hash unchanged keeps a dialog open
        b.client.refresh().await.unwrap();
        b.wait_css(open).await;
        b.wait_js("document.querySelector('#live').dataset.state === 'open'")
            .await;
        b.click(open).await;
        b.wait_css(ready).await;
        for v in b.axe_violations().await {
            problems.push(format!("{name} ({lang}): {v}"));
        }
    }
    problems
}

/// The login and setup pages, signed out (another origin than the signed-in world's).
async fn check_public_pages(b: &Browser, lang: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let fresh = spawn_app().await;
    let configured = queue_world(|_| {}).await;
    for (name, url, form) in [
        ("setup", format!("{}/setup", fresh.address), "#setup-form"),
        (
            "login",
            format!("{}/login", configured.app.address),
            "#login-form",
        ),
    ] {
        b.client.goto(&url).await.unwrap();
        b.wait_css(form).await;
        b.wait_js(&format!(
            "document.documentElement.lang === {}",
            json!(lang)
        ))
        .await;
        for v in b.axe_violations().await {
            problems.push(format!("{name} ({lang}): {v}"));
        }
    }
    problems
}

async fn run(lang_header: &str, lang: &str, expect_nav: &str, foreign: &[&str]) {
    let w = world().await;
    let Some(b) = browser_in(1280, 900, lang_header).await else {
        return;
    };
    b.sign_in(&w.app.address, &w.token).await;
    let mut problems = check_pages(&b, &w.app.address, lang, foreign).await;
    let nav: Value = b
        .js("return document.querySelector('.nav a[data-view=library]').textContent;")
        .await;
    assert_eq!(nav, json!(expect_nav));
    assert_clean(&b, "last page").await;
    problems.extend(check_public_pages(&b, lang).await);
    assert!(problems.is_empty(), "{lang}:\n{}", problems.join("\n"));
    b.close().await;
}

#[actix_web::test]
async fn every_page_in_english_passes_axe() {
    run(
        "en-US",
        "en",
        "Library",
        &["Bibliothek", "Einstellungen", "Warteschlange"],
    )
    .await;
}

#[actix_web::test]
async fn every_page_in_german_when_the_browser_asks_for_de_passes_axe() {
    run(
        "de-DE",
        "de",
        "Bibliothek",
        &[
            "Library",
            "Settings",
            "Loading…",
            "Download missing",
            "Log out",
        ],
    )
    .await;
}
