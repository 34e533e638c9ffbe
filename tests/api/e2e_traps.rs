//! Browser tests of the traps a new user fell into (issue 17, item 1): queued episodes start by
//! themselves (`download.auto_start`), and with it off every page that queues says that the queue
//! does not run and offers Start; destructive actions ask first, saying how many items they
//! affect; unsaved settings prompt before leaving; Back after logout shows no private data.

use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::{Value, json};

use crate::e2e::assert_clean;
use crate::e2e_browser::{browser, signed_in};
use crate::queue_support::{QueueWorld, queue_world};

const KEY: &str = "attack-on-titan";

/// A world with one series missing S01E01, which the fake sites serve at once.
async fn world(change: impl FnOnce(&mut Value)) -> QueueWorld {
    let w = queue_world(|c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
        change(c);
    })
    .await;
    w.seed_series(KEY, &[(1, 1)]);
    let data = media_bytes(KEY, 1, 1, 50_000);
    w.sites.episode(KEY, 1, 1, data, Serving::Fast);
    w
}

#[actix_web::test]
async fn an_episode_queued_on_a_fresh_install_downloads_without_visiting_the_queue() {
    // The default configuration: no `download.auto_start` in the file.
    let w = world(|c| {
        c["download"].as_object_mut().unwrap().remove("auto_start");
    })
    .await;
    let Some(b) = signed_in(
        1280,
        900,
        &w.app.address,
        &w.token,
        &format!("/#/series/{KEY}"),
    )
    .await
    else {
        return;
    };
    b.wait_js("document.querySelectorAll('.ep.missing').length === 1")
        .await;
    b.click(".ep.missing").await;
    // The series page shows the episode present once it is downloaded, the queue never visited.
    b.wait_js("document.querySelectorAll('.ep.present').length === 1 && !document.querySelector('.ep.missing')").await;
    assert!(w.episode_file(KEY, 1, 1).exists());
    let notice = b
        .js("const n = document.getElementById('queue-notice'); return n ? n.textContent : '';")
        .await;
    assert_eq!(notice, json!(""), "no stopped-queue notice while it runs");
    assert_eq!(w.status().await["status"]["is_running"], json!(true));
    assert_clean(&b, "series page").await;
    b.close().await;
}

#[actix_web::test]
async fn with_auto_start_off_the_series_page_says_the_queue_is_stopped_and_start_starts_it() {
    let w = world(|c| c["download"]["auto_start"] = json!(false)).await;
    let Some(b) = signed_in(
        390,
        844,
        &w.app.address,
        &w.token,
        &format!("/#/series/{KEY}"),
    )
    .await
    else {
        return;
    };
    b.wait_js("document.querySelectorAll('.ep.missing').length === 1")
        .await;
    b.click(".ep.missing").await;
    b.wait_css("#queue-notice [data-action='start-queue']")
        .await;
    let text = b
        .js("return document.getElementById('queue-notice').textContent;")
        .await;
    assert!(
        text.as_str().unwrap().contains("The queue is stopped"),
        "{text}"
    );
    assert_eq!(w.status().await["status"]["is_running"], json!(false));
    b.click("#queue-notice [data-action='start-queue']").await;
    b.wait_js("document.querySelectorAll('.ep.present').length === 1")
        .await;
    assert!(w.episode_file(KEY, 1, 1).exists());
    assert_eq!(w.status().await["status"]["is_running"], json!(true));
    assert_clean(&b, "series page").await;
    b.close().await;
}

#[actix_web::test]
async fn clearing_completed_downloads_asks_first_with_the_count() {
    let w = world(|_| {}).await;
    let data = media_bytes(KEY, 1, 2, 50_000);
    w.sites.episode(KEY, 1, 2, data, Serving::Fast);
    w.add_ids(KEY, &[(1, 1), (1, 2)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("both completed", |s| {
        s["statistics"]["completed_count"] == 2
    })
    .await;
    let Some(b) = signed_in(390, 844, &w.app.address, &w.token, "/queue").await else {
        return;
    };
    b.wait_js("document.querySelectorAll('#completed li[data-id]').length === 2")
        .await;

    // Cancel keeps them.
    b.click("#clear-completed").await;
    b.wait_css("dialog[open]").await;
    let question = b
        .js("return document.querySelector('dialog[open] p').textContent;")
        .await;
    assert_eq!(question, json!("Clear 2 completed downloads?"));
    b.click("dialog[open] button[value='no']").await;
    b.wait_js("!document.querySelector('dialog')").await;
    assert_eq!(
        w.status().await["statistics"]["completed_count"],
        json!(2),
        "Cancel cleared nothing"
    );
    assert_eq!(
        b.js("return document.querySelectorAll('#completed li[data-id]').length;")
            .await,
        json!(2)
    );

    // Confirm clears.
    b.click("#clear-completed").await;
    b.wait_css("dialog[open]").await;
    b.click("dialog[open] button[value='yes']").await;
    b.wait_js("!document.querySelector('#completed li[data-id]')")
        .await;
    assert_eq!(w.status().await["statistics"]["completed_count"], json!(0));
    assert_clean(&b, "queue page").await;
    b.close().await;
}

/// Whether the page would ask before unloading now (a cancelled synthetic `beforeunload`).
const ASKS_BEFORE_UNLOAD: &str = "const e = new Event('beforeunload', { cancelable: true }); \
     window.dispatchEvent(e); return e.defaultPrevented;";

#[actix_web::test]
async fn unsaved_settings_ask_before_leaving_and_saved_ones_do_not() {
    let w = world(|_| {}).await;
    let Some(b) = signed_in(1280, 900, &w.app.address, &w.token, "/#/settings").await else {
        return;
    };
    b.wait_css("#dl-retries").await;
    assert_eq!(b.js(ASKS_BEFORE_UNLOAD).await, json!(false));
    b.fill("#dl-retries", "5").await;
    assert_eq!(b.js(ASKS_BEFORE_UNLOAD).await, json!(true));
    // `download.auto_start` is a checkbox of the same form (off in this world).
    assert_eq!(
        b.js("return document.getElementById('dl-autostart').checked;")
            .await,
        json!(false)
    );
    b.click("#dl-autostart").await;

    // Leaving in the app asks; Stay keeps the page and the typed value.
    b.click("nav a[data-view='wanted']").await;
    b.wait_css("dialog[open]").await;
    let question = b
        .js("return document.querySelector('dialog[open] p').textContent;")
        .await;
    assert!(
        question.as_str().unwrap().contains("without saving"),
        "{question}"
    );
    b.click("dialog[open] button[value='no']").await;
    b.wait_js("!document.querySelector('dialog') && location.hash === '#/settings'")
        .await;
    assert_eq!(
        b.js("return document.getElementById('dl-retries').value;")
            .await,
        json!("5")
    );

    // After Save nothing asks.
    b.click("#dl-form button[type='submit']").await;
    b.wait_js("document.querySelector('#dl-form [role=status]').textContent.includes('saved')")
        .await;
    let saved = w.app.config_on_disk();
    assert_eq!(saved["download"]["max_retries"], json!(5));
    assert_eq!(saved["download"]["auto_start"], json!(true));
    assert_eq!(b.js(ASKS_BEFORE_UNLOAD).await, json!(false));
    b.click("nav a[data-view='wanted']").await;
    b.wait_js("location.hash === '#/wanted' && !!document.getElementById('wanted-list')")
        .await;
    assert_eq!(
        b.js("return !!document.querySelector('dialog');").await,
        json!(false)
    );
    assert_clean(&b, "settings and wanted").await;
    b.close().await;
}

#[actix_web::test]
async fn back_after_logout_lands_on_the_login_without_library_data() {
    let w = world(|_| {}).await;
    let page = w.app.get("/", None).await;
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    let queue = w.app.get("/queue", None).await;
    assert_eq!(queue.header("cache-control").as_deref(), Some("no-store"));
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    b.sign_in(&w.app.address, &w.token).await;
    b.client.goto(&format!("{}/", w.app.address)).await.unwrap();
    b.wait_css(&format!("a[href='#/series/{KEY}']")).await;
    b.click("#logout").await;
    b.wait_path("/login").await;
    b.wait_css("#login-form").await;

    // The marker goes with the document, so the wait below needs a new page at /login.
    b.js("window.__beforeBack = true; history.back(); return true;")
        .await;
    b.wait_js("!window.__beforeBack && location.pathname === '/login' && !!document.getElementById('login-form')").await;
    assert_eq!(
        b.js(&format!(
            "return document.querySelectorAll(\"a[href='#/series/{KEY}']\").length;"
        ))
        .await,
        json!(0),
        "no library data after Back"
    );
    assert_clean(&b, "login after Back").await;
    b.close().await;
}
