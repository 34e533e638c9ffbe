//! Browser tests of the live state (issue 17, item 2): a finished download updates its series'
//! card in place (keyboard focus stays), finished downloads make one batched toast, and the
//! connection indicator turns to "lost" as soon as a request fails, with a "Reconnect now"
//! control that brings it back.

use aniworld_testkit::Gate;
use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::json;

use crate::e2e::assert_clean;
use crate::e2e_browser::browser;
use crate::queue_support::queue_world;

const KEY: &str = "attack-on-titan";

#[actix_web::test]
async fn the_library_keeps_focus_while_downloads_finish_and_batches_their_toasts() {
    let w = queue_world(|c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
        c["download"]["auto_start"] = json!(true);
        c["download"]["max_concurrent"] = json!(2);
    })
    .await;
    w.seed_series(KEY, &[(1, 1), (1, 2)]);
    // Both episodes wait for one gate, so that they finish together.
    let gate = Gate::new();
    for e in [1, 2] {
        let data = media_bytes(KEY, 1, e, 200_000);
        w.sites
            .episode(KEY, 1, e, data, Serving::TrickleAfter(50_000, gate.clone()));
    }
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    b.sign_in(&w.app.address, &w.token).await;
    b.client.goto(&format!("{}/", w.app.address)).await.unwrap();
    b.wait_js("document.querySelector('#live').dataset.state === 'open' && [...document.querySelectorAll('.series .badge')].some((e) => e.textContent === '2 missing')").await;
    // The keyboard user presses "Download missing": both start (auto_start) and trickle.
    b.js("const d = document.querySelector('li.series button.dl'); d.focus(); window.__card = d.closest('li'); d.click(); return true;").await;
    b.wait_js("document.querySelectorAll('#toasts .toast').length > 0")
        .await;
    b.js("document.querySelectorAll('#toasts .toast').forEach((t) => t.remove()); return true;")
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while w.status().await["status"]["active_downloads"]
        .as_array()
        .map_or(0, Vec::len)
        < 2
    {
        assert!(std::time::Instant::now() < deadline, "both downloads run");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    gate.open();
    // The card says "complete" once both are in, without the list being rendered again: the
    // same element, and the focus still on its button.
    b.wait_js("[...document.querySelectorAll('.series .badge')].some((e) => e.textContent === 'complete')").await;
    let same = b
        .js("return document.querySelector('li.series') === window.__card && document.activeElement === window.__card.querySelector('button.dl') && window.__card.querySelector('button.dl').getAttribute('aria-disabled') === 'true';")
        .await;
    let why = b.js("return [document.querySelector('li.series') === window.__card, document.activeElement && document.activeElement.outerHTML.slice(0, 120), window.__card.isConnected];").await;
    assert_eq!(
        same,
        json!(true),
        "the card was replaced or lost the focus: {why}"
    );
    // One toast for both.
    b.wait_js("[...document.querySelectorAll('#toasts .toast')].some((t) => t.textContent.includes('2 episodes downloaded'))").await;
    let toasts = b
        .js("return [...document.querySelectorAll('#toasts .toast p')].map((t) => t.textContent);")
        .await;
    assert_eq!(toasts, json!(["2 episodes downloaded"]));
    assert!(w.episode_file(KEY, 1, 1).exists() && w.episode_file(KEY, 1, 2).exists());

    assert_clean(&b, "library").await;
    b.close().await;
}

#[actix_web::test]
async fn a_failed_request_shows_the_connection_lost_and_reconnect_now_restores_it() {
    let w = queue_world(|c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
    })
    .await;
    w.seed_series(KEY, &[(1, 1)]);
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    b.sign_in(&w.app.address, &w.token).await;
    b.client.goto(&format!("{}/", w.app.address)).await.unwrap();
    b.wait_js("document.querySelector('#live').dataset.state === 'open' && document.querySelector('li.series')").await;
    b.wait_css("#offline-banner[hidden]").await;
    // The network goes away (requests and new sockets fail); the socket already open does not
    // notice yet, but the next request does.
    b.js(r#"
        window.__fetch = window.fetch; window.__WS = window.WebSocket;
        window.fetch = () => Promise.reject(new TypeError("network down"));
        window.WebSocket = function () { throw new Error("network down"); };
        const f = document.querySelector('#filter');
        f.value = 'missing_episodes'; f.dispatchEvent(new Event('change'));
        return true;"#)
        .await;
    b.wait_js("document.querySelector('#live').dataset.state !== 'open' && !document.querySelector('#offline-banner').hidden && document.body.dataset.live !== 'open'").await;
    let text = b
        .js("return document.querySelector('#offline-banner').textContent;")
        .await;
    assert!(
        text.as_str().unwrap().contains("may be out of date"),
        "{text}"
    );
    // The network is back and the user presses "Reconnect now" at once (one script, so that the
    // automatic retry cannot come first and hide the banner).
    b.js("window.fetch = window.__fetch; window.WebSocket = window.__WS; document.querySelector('#reconnect-now').click(); return true;")
        .await;
    b.wait_js("document.querySelector('#live').dataset.state === 'open' && document.querySelector('#offline-banner').hidden").await;
    assert_clean(&b, "library").await;
    b.close().await;
}
