//! Browser end-to-end test of the download flow against the fake catalogue, VOE hoster and media
//! host of `aniworld_testkit::hoster`: a series with missing episodes in the library, "download
//! all missing" from its season grid, the queue started from /queue, the progress bar moving
//! while the media trickles, both items completing, the files on disk and the series complete in
//! the library.

use aniworld_testkit::Gate;
use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::json;

use crate::e2e::{assert_clean, screenshots};
use crate::e2e_browser::browser;
use crate::queue_support::queue_world;

const KEY: &str = "attack-on-titan";

#[actix_web::test]
async fn queue_missing_episodes_and_watch_them_complete_in_a_browser() {
    let w = queue_world(|c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
    })
    .await;
    w.seed_series(KEY, &[(1, 1), (1, 2)]);
    let gate = Gate::new();
    let one = media_bytes(KEY, 1, 1, 400_000);
    let two = media_bytes(KEY, 1, 2, 100_000);
    w.sites.episode(
        KEY,
        1,
        1,
        one.clone(),
        Serving::TrickleAfter(60_000, gate.clone()),
    );
    w.sites.episode(KEY, 1, 2, two.clone(), Serving::Fast);
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    let shots = screenshots();
    let base = w.app.address.clone();

    b.sign_in(&base, &w.token).await;

    // The library lists the series with its two missing episodes.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_js("[...document.querySelectorAll('.series .badge')].some((e) => e.textContent === '2 missing')").await;
    b.screenshot_to(shots.as_deref(), "library").await;
    assert_clean(&b, "library").await;

    // Its season grid shows them missing; one click queues both.
    b.click(&format!("a[href='#/series/{KEY}']")).await;
    b.wait_js("document.querySelectorAll('.ep.missing').length === 2")
        .await;
    b.screenshot_to(shots.as_deref(), "series").await;
    b.click("#download-all").await;
    b.wait_js("document.querySelectorAll('.ep.queued').length === 2")
        .await;
    assert_clean(&b, "series").await;

    // The queue page lists them pending; Start runs them and the bar moves while bytes arrive.
    b.client.goto(&format!("{base}/queue")).await.unwrap();
    b.wait_js("document.querySelectorAll('#pending li[data-id]').length === 2")
        .await;
    // Keyboard reordering: "Move down" on the first item swaps them on the server too, and the
    // focus stays on the moved item.
    b.click("#pending li:first-child button[data-move='down']")
        .await;
    b.wait_js("document.querySelector('#pending li:first-child').textContent.includes('S01E02')")
        .await;
    b.wait_js("document.activeElement && (document.activeElement.getAttribute('aria-label') || '').includes('S01E01')").await;
    let order: Vec<u64> = w.status().await["status"]["pending_queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["episode"]["episode"].as_u64().unwrap())
        .collect();
    assert_eq!(order, [2, 1]);
    // Drag and drop (synthetic drag events: WebDriver cannot drive native HTML5 dragging) puts
    // the first item after the second again.
    b.js(DRAG_FIRST_ONTO_SECOND).await;
    b.wait_js("document.querySelector('#pending li:first-child').textContent.includes('S01E01')")
        .await;
    let first = &w.status().await["status"]["pending_queue"][0]["episode"]["episode"];
    assert_eq!(first, &json!(1));
    b.click("#q-start").await;
    b.wait_js("document.querySelector('#active progress') && document.querySelector('#active progress').value > 0").await;
    b.wait_js("document.querySelector('#live').dataset.state === 'open'")
        .await;
    b.screenshot_to(shots.as_deref(), "queue").await;
    gate.open();
    b.wait_js("document.querySelectorAll('#completed li[data-id]').length === 2")
        .await;
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 1)).unwrap(), one);
    assert_eq!(std::fs::read(w.episode_file(KEY, 1, 2)).unwrap(), two);
    assert_clean(&b, "queue").await;

    // Back in the library the series is complete.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_js("[...document.querySelectorAll('.series .badge')].some((e) => e.textContent === 'complete')").await;
    assert_clean(&b, "library after the downloads").await;
    b.close().await;
}

const DRAG_FIRST_ONTO_SECOND: &str = r#"
const items = document.querySelectorAll('#pending li[data-id]');
const dt = new DataTransfer();
const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
fire(items[0], 'dragstart');
fire(items[1], 'dragover');
fire(items[1], 'drop');
fire(items[0], 'dragend');
return true;
"#;
