//! Browser tests of the queue page's state (issue 17, items 2 and 3): a retrying item shows its
//! error in the user's words (no URL in the visible text, the raw text behind "Details"), "Retry
//! 1 of 3" and the time of the next try, and a long error wraps on a phone; the status and series
//! filters and "Show more" paging on a queue of 120 items, with reordering on a filtered list;
//! the navigation's count badge, updated live when an item is added.

use aniworld_testkit::FakeResponse;
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};
use serde_json::{Value, json};

use crate::e2e::assert_clean;
use crate::e2e_browser::{Browser, signed_in};
use crate::queue_support::queue_world;

/// A series key long enough to make its media URL wider than a phone.
const LONG: &str = "the-series-with-a-really-long-name-that-never-stops-going-on-and-on-and-on";

async fn text(b: &Browser, css: &str) -> String {
    b.js(&format!(
        "const e = document.querySelector({}); return e ? e.textContent : null;",
        json!(css)
    ))
    .await
    .as_str()
    .unwrap_or_else(|| panic!("no {css}"))
    .to_string()
}

#[actix_web::test]
async fn a_retrying_item_shows_its_error_in_words_its_retries_and_wraps_on_a_phone() {
    let w = queue_world(|c| {
        c["download"]["max_retries"] = json!(3);
        c["download"]["retry_backoff_seconds"] = json!(3600);
        c["download"]["auto_start"] = json!(false);
    })
    .await;
    // The media host answers 503: a failure worth retrying, whose message names the media URL.
    w.sites
        .episode(LONG, 1, 1, media_bytes(LONG, 1, 1, 50_000), Serving::Fast);
    w.sites.voe.serve(
        &Sites::media_path(LONG, 1, 1),
        FakeResponse::text("busy").with_status(503),
    );
    w.add_ids(LONG, &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    let s = w
        .wait_status("the item waits for its first retry", |s| {
            s["status"]["pending_queue"][0]["retry_count"] == 1
        })
        .await;
    let raw = s["status"]["pending_queue"][0]["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(raw.contains("http://127.0.0.1:"), "{raw}");

    let Some(b) = signed_in(390, 844, &w.app.address, &w.token, "/queue").await else {
        return;
    };
    b.wait_css("#pending li[data-id] .retry").await;

    // "Retry 1 of 3" and when the next try is.
    let retry = text(&b, "#pending li[data-id] .retry").await;
    assert!(retry.starts_with("Retry 1 of 3 – next try "), "{retry}");
    // The error in words: the host, never the URL; the raw text behind a closed "Details".
    let summary = text(&b, "#pending li[data-id] .err-text").await;
    assert_eq!(summary, "127.0.0.1 had a problem (503).");
    let item = text(&b, "#pending li[data-id]").await;
    let visible = b
        .js("return document.querySelector('#pending li[data-id]').innerText;")
        .await;
    let visible = visible.as_str().unwrap();
    assert!(!visible.contains("http"), "no URL on screen: {visible}");
    assert!(
        item.contains(&raw),
        "the raw text is in the details: {item}"
    );
    assert_eq!(text(&b, "#pending .err-raw").await, raw);
    assert_eq!(
        b.js("return document.querySelector('#pending details.err-details').open;")
            .await,
        json!(false)
    );
    assert_eq!(
        text(&b, "#pending details.err-details > summary").await,
        "Details"
    );

    // Opened, the long URL wraps: nothing scrolls sideways on the phone.
    b.click("#pending details.err-details > summary").await;
    b.wait_js("document.querySelector('#pending details.err-details').open")
        .await;
    b.wait_js("document.querySelector('#pending .err-raw').getBoundingClientRect().height > 0")
        .await;
    let widths = b
        .js("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    let wide = b
        .js("return [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 12);")
        .await;
    assert!(
        widths[0].as_f64().unwrap() <= widths[1].as_f64().unwrap(),
        "the page scrolls sideways: {widths} {wide:#}"
    );
    // The navigation counts the item.
    b.wait_js("document.querySelector('#queue-badge').dataset.count === '1'")
        .await;
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "{violations:#?}");
    assert_clean(&b, "queue with a retrying item").await;

    // In German, the same in German.
    b.js("localStorage.setItem('aniworld.lang', 'de'); return true;")
        .await;
    b.client.refresh().await.unwrap();
    b.wait_js("document.documentElement.lang === 'de' && !!document.querySelector('#pending li[data-id] .retry')")
        .await;
    let retry = text(&b, "#pending li[data-id] .retry").await;
    assert!(
        retry.starts_with("Versuch 1 von 3 – nächster Versuch "),
        "{retry}"
    );
    assert_eq!(
        text(&b, "#pending li[data-id] .err-text").await,
        "127.0.0.1 hatte ein Problem (503)."
    );
    assert_eq!(text(&b, "h1").await, "Download-Warteschlange");
    b.wait_js("document.querySelector('#queue-badge').dataset.count === '1'")
        .await;
    assert_eq!(
        text(&b, "#queue-badge .sr-only").await,
        "1 in der Warteschlange"
    );
    b.close().await;
}

#[actix_web::test]
async fn a_queue_of_2000_items_shows_50_at_first() {
    let w = queue_world(|c| c["download"]["auto_start"] = json!(false)).await;
    let eps: Vec<(u32, u32)> = (1..=2000).map(|e| (1, e)).collect();
    for chunk in eps.chunks(500) {
        w.add_ids(A, chunk, "NORMAL").await;
    }
    let Some(b) = signed_in(1280, 900, &w.app.address, &w.token, "/queue").await else {
        return;
    };
    b.wait_js("document.querySelectorAll('#pending li[data-id]').length === 50")
        .await;
    assert!(
        text(&b, "#pending-more")
            .await
            .contains("Showing 50 of 2,000")
    );
    // Drawing the lists again (as every queue event does) still puts only one page of items
    // into the document, however long the queue.
    b.js("document.getElementById('q-status').dispatchEvent(new Event('change')); return true;")
        .await;
    let drawn = b
        .js("return document.querySelectorAll('#pending li[data-id]').length;")
        .await;
    assert_eq!(drawn, json!(50));
    b.wait_js("document.querySelector('#queue-badge').dataset.count === '2000'")
        .await;
    assert_clean(&b, "queue of 2,000").await;
    b.close().await;
}

const A: &str = "attack-on-titan";
const B: &str = "berserk";

/// The episodes of pending items, in queue order, as "key sSeE".
fn order(s: &Value) -> Vec<String> {
    s["status"]["pending_queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{} s{}e{}",
                i["serie_id"].as_str().unwrap(),
                i["episode"]["season"],
                i["episode"]["episode"]
            )
        })
        .collect()
}

async fn count(b: &Browser, css: &str) -> u64 {
    b.js(&format!(
        "return document.querySelectorAll({}).length;",
        json!(css)
    ))
    .await
    .as_u64()
    .unwrap()
}

async fn choose(b: &Browser, select: &str, value: &str) {
    b.js(&format!(
        "const s = document.querySelector({}); s.value = {}; s.dispatchEvent(new Event('change')); return true;",
        json!(select),
        json!(value)
    ))
    .await;
}

#[actix_web::test]
async fn filters_paging_reordering_and_the_badge_on_a_queue_of_120_items() {
    let w = queue_world(|c| {
        c["download"]["auto_start"] = json!(false);
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
    })
    .await;
    // One failed item of B first (its hoster page is gone), then a stopped queue of 120.
    w.sites.episode(B, 1, 1, Vec::new(), Serving::Broken);
    w.add_ids(B, &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("the item failed", |s| s["statistics"]["failed_count"] == 1)
        .await;
    assert_eq!(w.post("/api/queue/stop").await.status, 200);
    let a: Vec<(u32, u32)> = (1..=100).map(|e| (1, e)).collect();
    let bs: Vec<(u32, u32)> = (1..=20).map(|e| (2, e)).collect();
    w.add_ids(A, &a, "NORMAL").await;
    w.add_ids(B, &bs, "NORMAL").await;

    let Some(b) = signed_in(1280, 900, &w.app.address, &w.token, "/queue").await else {
        return;
    };

    // Paging: 50 at first, "Show 50 more" twice more, then all 120 and no button.
    b.wait_js("document.querySelectorAll('#pending li[data-id]').length === 50")
        .await;
    assert_eq!(text(&b, "#pending-more button").await, "Show 50 more");
    assert!(
        text(&b, "#pending-more")
            .await
            .contains("Showing 50 of 120")
    );
    b.click("#pending-more button").await;
    b.wait_js("document.querySelectorAll('#pending li[data-id]').length === 100")
        .await;
    assert_eq!(text(&b, "#pending-more button").await, "Show 20 more");
    b.click("#pending-more button").await;
    b.wait_js("document.querySelectorAll('#pending li[data-id]').length === 120")
        .await;
    assert_eq!(count(&b, "#pending-more button").await, 0);
    assert_eq!(count(&b, "#failed li[data-id]").await, 1);

    // The badge counts pending and downloading items: 120.
    b.wait_js("document.querySelector('#queue-badge').dataset.count === '120'")
        .await;
    assert_eq!(text(&b, "#queue-badge .sr-only").await, "120 in the queue");
    assert_eq!(
        b.js("return document.querySelector('#queue-badge').hidden;")
            .await,
        json!(false)
    );

    // Status filter: only the failed list shows.
    choose(&b, "#q-status", "failed").await;
    b.wait_js("document.getElementById('sec-pending').hidden")
        .await;
    for (sec, hidden) in [
        ("sec-active", true),
        ("sec-pending", true),
        ("sec-failed", false),
        ("sec-completed", true),
    ] {
        assert_eq!(
            b.js(&format!("return document.getElementById('{sec}').hidden;"))
                .await,
            json!(hidden),
            "{sec}"
        );
    }
    assert_eq!(count(&b, "#failed li[data-id]").await, 1);

    // Pending of series B only: its 20 items, in one page; paging starts over.
    choose(&b, "#q-status", "pending").await;
    choose(&b, "#q-series", B).await;
    b.wait_js("document.querySelectorAll('#pending li[data-id]').length === 20")
        .await;
    assert!(!text(&b, "#pending").await.contains(A));
    assert_eq!(count(&b, "#pending-more button").await, 0);
    assert_eq!(
        b.js("return document.getElementById('sec-failed').hidden;")
            .await,
        json!(true)
    );

    // Reordering on the filtered list: "Move down" on B's first item puts it after B's second
    // in the whole queue, and the focus stays on the moved item.
    b.click("#pending li:first-child button[data-move='down']")
        .await;
    b.wait_js("document.querySelector('#pending li:first-child').textContent.includes('S02E02')")
        .await;
    b.wait_js("document.activeElement && (document.activeElement.getAttribute('aria-label') || '').includes('S02E01')").await;
    let s = w.status().await;
    let o = order(&s);
    let pos = |x: &str| o.iter().position(|i| i == x).unwrap();
    assert_eq!(pos("berserk s2e2") + 1, pos("berserk s2e1"), "{o:?}");
    assert_eq!(
        pos("attack-on-titan s1e100") + 1,
        pos("berserk s2e2"),
        "{o:?}"
    );

    // The badge follows a new item live, also on the library page.
    w.add_ids(A, &[(2, 1)], "NORMAL").await;
    b.wait_js("document.querySelector('#queue-badge').dataset.count === '121'")
        .await;
    b.client.goto(&format!("{}/", w.app.address)).await.unwrap();
    b.wait_js("document.querySelector('#queue-badge').dataset.count === '121'")
        .await;
    b.wait_js("document.querySelector('#live').dataset.state === 'open'")
        .await;
    w.add_ids(A, &[(2, 2)], "NORMAL").await;
    b.wait_js("document.querySelector('#queue-badge').dataset.count === '122'")
        .await;
    assert_eq!(text(&b, "#queue-badge .sr-only").await, "122 in the queue");
    assert_clean(&b, "library with the badge").await;
    b.close().await;
}
