//! Browser test of the system page (issue 17, item 3), against the real binary (whose logger
//! fills the buffer of recent log lines): the health entries and the log lines show, the level
//! filter reduces the lines, secrets stay masked, the headings and the level select are
//! accessible, nothing scrolls sideways at phone width, and the page speaks German when chosen.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::e2e::assert_clean;
use crate::e2e_browser::{Browser, browser};
use crate::helpers::{client, send};
use crate::system::{SignedIn, TMDB_KEY, signed_in_binary};

/// Opens the system page signed in, in English.
async fn open(b: &Browser, s: &SignedIn) {
    b.client
        .goto(&format!("{}/login", s.bin.address))
        .await
        .unwrap();
    b.wait_css("#login-form").await;
    b.js(&format!(
        "sessionStorage.setItem('aniworld.token', {}); localStorage.setItem('aniworld.lang', {}); return true;",
        json!(s.token),
        json!("en")
    ))
    .await;
    b.client
        .goto(&format!("{}/#/system", s.bin.address))
        .await
        .unwrap();
    wait_rendered(b).await;
}

/// Waits (bounded) for the health entries and the log lines.
async fn wait_rendered(b: &Browser) {
    b.wait_js("document.querySelector('#system-health-list li[data-check=\"database\"]')")
        .await;
    b.wait_js("document.querySelectorAll('#system-log-list li').length > 0")
        .await;
}

async fn texts(b: &Browser, css: &str) -> Value {
    b.js(&format!(
        "return [...document.querySelectorAll({})].map((e) => e.textContent.trim());",
        json!(css)
    ))
    .await
}

#[actix_web::test]
async fn the_system_page_shows_health_and_filters_log_lines() {
    let s = signed_in_binary(|_| {}).await;
    // A warning (a failed login), a long unbroken path and a secret in the access log.
    let wrong = json!({"password": "not the password"});
    let r = send(
        &client(),
        &s.bin.address,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&wrong),
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
    let long = format!("/{}", "x".repeat(400));
    assert_eq!(s.get(&long, true).await.status, 404);
    assert_eq!(s.get(&format!("/probe/{TMDB_KEY}"), true).await.status, 404);
    s.wait_for_line("limit=1000", "/probe/").await;

    let Some(b) = browser(390, 844).await else {
        return;
    };
    open(&b, &s).await;

    // Health: database, disk, the catalogue sites, hosters and notification targets.
    let checks = b
        .js("return [...document.querySelectorAll('#system-health-list li')].map((li) => li.dataset.check);")
        .await;
    let checks: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(checks[..2], ["database", "disk"], "{checks:?}");
    assert!(checks.iter().any(|c| c.starts_with("site:")), "{checks:?}");
    assert!(checks.contains(&"hosters"), "{checks:?}");
    assert_eq!(checks.last(), Some(&"notifications"), "{checks:?}");
    let db = texts(&b, "#system-health-list li[data-check=database]").await;
    assert!(
        db[0].as_str().unwrap().starts_with("DatabaseHealthy"),
        "{db}"
    );
    let overview = texts(&b, "#system-overview dd").await;
    assert_eq!(overview[0], env!("CARGO_PKG_VERSION"), "{overview}");

    // Log lines, newest first, the secret masked, the long line wrapped.
    let all = texts(&b, "#system-log-list li .log-msg").await;
    let text = all.to_string();
    assert!(text.contains("failed login from"), "{text}");
    assert!(text.contains("/probe/[redacted]"), "{text}");
    assert!(!text.contains(TMDB_KEY), "{text}");
    assert!(
        !b.overflows_horizontally().await,
        "nothing scrolls sideways"
    );

    // Warnings and errors only: fewer lines, the failed login among them.
    let before = all.as_array().unwrap().len();
    b.fill("#system-level", "warn").await;
    b.wait_js(&format!(
        "(() => {{ const l = [...document.querySelectorAll('#system-log-list li')]; \
         return l.length > 0 && l.length < {before} && l.every((li) => ['warn', 'error'].includes(li.dataset.level)); }})()"
    ))
    .await;
    let warn = texts(&b, "#system-log-list li .log-msg").await.to_string();
    assert!(warn.contains("failed login from"), "{warn}");
    assert!(!warn.contains("/probe/"), "{warn}");

    // Accessible: one h1, then h2s (none skipped), a named level select, no unnamed control.
    let headings = b
        .js("return [...document.querySelectorAll('#view h1, #view h2, #view h3, #view h4')].map((e) => e.localName);")
        .await;
    assert_eq!(headings, json!(["h1", "h2", "h2", "h2"]), "{headings}");
    let label = b
        .js("return document.getElementById('system-level').labels[0].textContent;")
        .await;
    assert_eq!(label, json!("Lowest level shown"));
    let unnamed = b.unnamed_controls().await;
    assert!(unnamed.is_empty(), "{unnamed:#?}");
    assert_clean(&b, "system page").await;

    // German.
    b.js("localStorage.setItem('aniworld.lang', 'de'); location.reload(); return true;")
        .await;
    b.wait_js(
        "document.documentElement.lang === 'de' && document.querySelector('#system-overview-h')",
    )
    .await;
    wait_rendered(&b).await;
    let h2 = texts(&b, "#view h2").await;
    assert_eq!(
        h2,
        json!(["Überblick", "Zustand", "Letzte Log-Zeilen"]),
        "{h2}"
    );
    let db = texts(&b, "#system-health-list li[data-check=database] strong").await;
    assert_eq!(db, json!(["Datenbank"]));
    let label = b
        .js("return document.getElementById('system-level').labels[0].textContent;")
        .await;
    assert_eq!(label, json!("Niedrigstes angezeigtes Level"));
    assert!(!b.overflows_horizontally().await);
    assert_clean(&b, "system page in German").await;
    b.close().await;
}
