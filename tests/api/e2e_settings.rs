//! Browser test of the settings page (issue 17, items 2 and 4): an invalid value is marked next
//! to its field in words (never the configuration key), whether the browser found it or the
//! server refused it, with a summary whose links lead to the fields; a daily schedule on no day
//! is refused in place; the Test buttons of the TMDB key and the anime folder show their
//! outcome; the language select switches the page to German after a reload.

use aniworld_metadata::matching::normalize_title;
use aniworld_testkit::tmdb::{FakeTmdb, KEY};
use serde_json::json;

use crate::e2e::assert_clean;
use crate::e2e_browser::{Browser, signed_in};
use crate::helpers::spawn_app_with;

/// The text of the element `css` ("" when missing).
async fn text(b: &Browser, css: &str) -> String {
    b.js(&format!(
        "const el = document.querySelector({}); return el ? el.textContent : '';",
        json!(css)
    ))
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[actix_web::test]
async fn invalid_values_are_marked_in_place_tests_report_and_the_language_switches() {
    let tmdb = FakeTmdb::start(Vec::new(), normalize_title);
    let nfo = tmdb.nfo_config_with(None);
    let library = tempfile::tempdir().unwrap();
    for d in ["Frieren (2023)", "Dandadan (2024)"] {
        std::fs::create_dir_all(library.path().join(d)).unwrap();
    }
    let app = spawn_app_with(
        move |c| {
            c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
            for (k, v) in nfo.as_object().unwrap() {
                c["nfo"][k] = v.clone();
            }
        },
        |_| {},
    )
    .await;
    let token = app.token().await;
    let Some(b) = signed_in(1280, 900, &app.address, &token, "/#/settings").await else {
        return;
    };
    b.wait_css("#dl-retries").await;
    let before = app.config_on_disk();

    // Found in the browser: out of range, marked beside the field and summarised with a link.
    b.fill("#dl-retries", "11").await;
    b.click("#dl-form button[type='submit']").await;
    b.wait_js("document.querySelector('#dl-retries').getAttribute('aria-invalid') === 'true'")
        .await;
    let message = text(&b, "#dl-retries-error").await;
    assert_eq!(message, "Enter a whole number from 0 to 10.");
    assert!(
        b.js("return document.querySelector('#dl-retries').getAttribute('aria-describedby');")
            .await
            .as_str()
            .unwrap()
            .split(' ')
            .any(|id| id == "dl-retries-error"),
        "the message is linked to its field"
    );
    let summary = text(&b, "#dl-summary").await;
    assert!(summary.contains("Automatic retries"), "{summary}");
    assert!(!summary.contains("max_retries"), "{summary}");
    b.click("#dl-summary a[href='#dl-retries']").await;
    b.wait_js("document.activeElement && document.activeElement.id === 'dl-retries'")
        .await;
    assert_eq!(app.config_on_disk(), before, "nothing was sent");

    // A daily schedule on no day.
    b.js(
        "document.querySelectorAll('#sched-days input').forEach((c) => { c.checked = false; }); \
          document.getElementById('sched-enabled').checked = true; return true;",
    )
    .await;
    b.click("#sched-form button[type='submit']").await;
    b.wait_js("document.querySelector('#day-mon').getAttribute('aria-invalid') === 'true'")
        .await;
    let message = text(&b, "#sched-days-error").await;
    assert!(message.starts_with("Pick at least one day"), "{message}");
    assert!(!message.contains("schedule_days"), "{message}");

    // The page says what a change of the folder does to existing series and downloads.
    let note = text(&b, "#dir-change-note").await;
    assert!(
        note.contains("moves no files") && note.contains("running download"),
        "{note}"
    );

    // Refused by the server: a folder this process cannot write into, whoever it runs as.
    if std::path::Path::new("/proc/self").is_dir() {
        b.fill("#dir-path", "/proc/self").await;
        b.click("#dir-form button[type='submit']").await;
        b.wait_js("document.querySelector('#dir-path').getAttribute('aria-invalid') === 'true'")
            .await;
        let message = text(&b, "#dir-path-error").await;
        assert_eq!(message, "Aniworld cannot write into this folder.");
        let summary = text(&b, "#dir-summary").await;
        assert!(
            !summary.contains("directory") && !summary.contains("anime_directory"),
            "{summary}"
        );
        assert!(summary.contains("Folder of the library"), "{summary}");
    }

    // The TMDB key's Test button: a refused key, then the right one; nothing is stored.
    b.fill("#meta-key", "ffffffffffffffffffffffffffffffff")
        .await;
    b.click("#meta-key-test-btn").await;
    b.wait_js("document.querySelector('#meta-key-result').classList.contains('test-bad')")
        .await;
    let result = text(&b, "#meta-key-result").await;
    assert!(result.starts_with("TMDB rejected this key"), "{result}");
    b.fill("#meta-key", KEY).await;
    b.click("#meta-key-test-btn").await;
    b.wait_js("document.querySelector('#meta-key-result').classList.contains('test-ok')")
        .await;
    assert_eq!(text(&b, "#meta-key-result").await, "TMDB accepted the key.");
    assert!(app.config_on_disk()["nfo"]["tmdb_api_key"].is_null());

    // The anime folder's Test button (it clears the earlier mark).
    b.fill("#dir-path", library.path().to_str().unwrap()).await;
    b.click("#dir-test-btn").await;
    b.wait_js("document.querySelector('#dir-result').classList.contains('test-ok')")
        .await;
    assert_eq!(
        text(&b, "#dir-result").await,
        "The folder is usable; 2 series folders found."
    );
    assert_eq!(
        b.js("return document.querySelector('#dir-path').hasAttribute('aria-invalid');")
            .await,
        json!(false)
    );
    b.fill("#dir-path", "media/anime").await;
    b.click("#dir-test-btn").await;
    b.wait_js("document.querySelector('#dir-path').getAttribute('aria-invalid') === 'true'")
        .await;
    assert!(
        text(&b, "#dir-path-error")
            .await
            .starts_with("Enter the full path")
    );

    // The pop-up choice is kept in this browser.
    b.click("#ui-toasts").await;
    assert_eq!(
        b.js("return localStorage.getItem('aniworld.toasts');")
            .await,
        json!("off")
    );
    assert_clean(&b, "settings").await;

    // The language: unsaved changes ask first, then the page reloads in German.
    b.js(
        "window.__beforeSwitch = true; const s = document.getElementById('ui-lang'); \
          s.value = 'de'; s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
    )
    .await;
    b.wait_css("dialog[open]").await;
    b.click("dialog[open] button[value='yes']").await;
    b.wait_js("!window.__beforeSwitch && document.querySelector('h1') && document.querySelector('h1').textContent === 'Einstellungen'")
        .await;
    assert_eq!(
        b.js("return document.documentElement.lang;").await,
        json!("de")
    );
    assert_eq!(
        b.js("return document.getElementById('ui-lang').value;")
            .await,
        json!("de")
    );
    b.wait_css("#dl-retries").await;
    assert_eq!(
        text(&b, "label[for='dl-retries']").await,
        "Automatische Wiederholungen (0–10)"
    );
    assert_eq!(
        b.js("return document.getElementById('ui-toasts').checked;")
            .await,
        json!(false),
        "the pop-up choice survives the reload"
    );
    // The marks speak German too.
    b.fill("#dl-retries", "11").await;
    b.click("#dl-form button[type='submit']").await;
    b.wait_js("document.querySelector('#dl-retries').getAttribute('aria-invalid') === 'true'")
        .await;
    assert_eq!(
        text(&b, "#dl-retries-error").await,
        "Gib eine ganze Zahl von 0 bis 10 ein."
    );
    assert_clean(&b, "settings in German").await;
    b.close().await;
}
