//! Browser test of following a series, Wanted and History against the v2 fake catalogue (whose
//! season pages say which languages each episode is offered in): the series edit dialog (a 422
//! shown next to its field, languages reordered with the keyboard buttons, cutoff, monitored and
//! upgrade saved), the library card of a series that is not monitored, the Wanted view in the
//! user's words with per-series queueing and "Queue all", the History view, and removing the
//! series with its downloaded files.

use actix_web::http::Method;
use aniworld_core::{EpisodeId, Language};
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite};
use serde_json::{Value, json};

use crate::catalogue_support::{ANIWORLD, SiteWorld, library_id, site_world};
use crate::e2e::{assert_clean, screenshots};
use crate::e2e_browser::{Browser, browser};
use crate::helpers::send;

const KEY: &str = "kaiju";

/// Episode 1 in German Dub and English Sub, episode 2 in English Sub only.
fn catalogue() -> FakeCatalogue {
    let fake = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    fake.add(
        FakeSeries::new(KEY, "Kaiju No. 8", &[(1, 2)])
            .year(2024)
            .episode_links(
                EpisodeId::new(1, 1),
                &[(Language::GermanDub, "VOE"), (Language::EnglishSub, "VOE")],
            )
            .episode_links(EpisodeId::new(1, 2), &[(Language::EnglishSub, "VOE")]),
    );
    fake
}

async fn patch(w: &SiteWorld, body: Value) -> Value {
    let r = send(
        &w.app.client,
        &w.app.address,
        Method::PATCH,
        &format!("/api/anime/{}", library_id(ANIWORLD, KEY)),
        Some(&w.token),
        Some(&body),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

/// `(season, episode)` of every queue item that is pending.
async fn pending(w: &SiteWorld) -> Vec<(u64, u64)> {
    let s = w.queue_status().await;
    let mut out: Vec<(u64, u64)> = s["status"]["pending_queue"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            (
                i["episode"]["season"].as_u64().unwrap(),
                i["episode"]["episode"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn text(b: &Browser, css: &str) -> String {
    b.wait_css(css).await.text().await.unwrap()
}

async fn clean_and_named(b: &Browser, page: &str) {
    assert_clean(b, page).await;
    let unnamed = b.unnamed_controls().await;
    assert!(
        unnamed.is_empty(),
        "{page}: controls without an accessible name: {unnamed:#?}"
    );
}

#[actix_web::test]
async fn a_series_is_edited_its_wanted_episodes_queued_its_history_shown_and_it_is_removed() {
    let w = site_world(catalogue(), None, |c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
    })
    .await;
    let added = w.add_ok(&w.aniworld.link(KEY)).await;
    let folder = added["folder"].as_str().unwrap().to_string();
    let id = library_id(ANIWORLD, KEY);
    let Some(b) = browser(1280, 1000).await else {
        return;
    };
    let shots = screenshots();
    let base = w.app.address.clone();
    b.sign_in(&base, &w.token).await;

    // A monitored series has no "not monitored" mark on its card.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_css(&format!("a[href='#/series/{KEY}']")).await;
    assert_eq!(
        b.js("return document.querySelectorAll('.series .badge.unmonitored').length")
            .await,
        json!(0)
    );

    // The edit dialog: no accepted language at all is refused by the server, next to the list.
    b.click(&format!("a[href='#/series/{KEY}']")).await;
    b.wait_css("#series-follow").await;
    b.click("#series-edit-open").await;
    b.wait_css("#series-edit-form").await;
    b.js("document.querySelectorAll('#se-languages input:checked').forEach((c) => c.click()); return true;")
        .await;
    b.click("#se-save").await;
    b.wait_js("document.querySelector('#se-languages-error').textContent.length > 0")
        .await;
    assert!(
        b.js("return document.querySelector('#series-edit').open")
            .await
            == json!(true)
    );
    assert_eq!(w.detail(&id).await["monitored"], true);
    clean_and_named(&b, "edit dialog").await;
    b.screenshot_to(shots.as_deref(), "series-edit").await;

    // German Dub and English Sub, English Sub moved to the top with the keyboard buttons (the
    // focus stays with it), cutoff German Dub, not monitored, upgrades on.
    b.click("#se-languages input[aria-label='Accept German Dub']")
        .await;
    b.click("#se-languages input[aria-label='Accept English Sub']")
        .await;
    for _ in 0..3 {
        if b.js("return document.querySelector('#se-languages li').dataset.language")
            .await
            == json!("English Sub")
        {
            break;
        }
        b.click("button[aria-label='Move English Sub up']").await;
        b.wait_js(
            "(document.activeElement.getAttribute('aria-label') || '').includes('English Sub')",
        )
        .await;
    }
    // Dragging (synthetic drag events: WebDriver cannot drive native HTML5 dragging) puts the
    // unticked English Dub first; the cutoff still offers only the ticked languages, in order.
    b.js(DRAG_LAST_ONTO_FIRST).await;
    b.wait_js("document.querySelector('#se-languages li').dataset.language === 'English Dub'")
        .await;
    assert_eq!(
        b.js("return [...document.querySelectorAll('#se-cutoff option')].map((o) => o.value)")
            .await,
        json!(["English Sub", "German Dub"])
    );
    b.wait_css("#se-cutoff")
        .await
        .select_by_value("German Dub")
        .await
        .unwrap();
    b.click("#se-monitored").await;
    b.click("#se-upgrade").await;
    b.click("#se-save").await;
    b.wait_js("!document.querySelector('#series-edit')").await;
    let d = w.detail(&id).await;
    assert_eq!(d["monitored"], false, "{d}");
    assert_eq!(d["languages"], json!(["English Sub", "German Dub"]), "{d}");
    assert_eq!(d["cutoff"], "German Dub", "{d}");
    assert_eq!(d["upgrade"], true, "{d}");
    assert!(
        text(&b, "#series-follow")
            .await
            .contains("English Sub, German Dub")
    );
    assert_clean(&b, "series after saving").await;

    // The library card says that it is not monitored.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_js("[...document.querySelectorAll('.series .badge.unmonitored')].some((e) => e.textContent === 'not monitored')").await;

    // Wanted: monitored again and German Dub only, episode 1 is missing and episode 2 waits.
    patch(
        &w,
        json!({"monitored": true, "languages": ["German Dub"], "cutoff": null}),
    )
    .await;
    b.click("a[data-view='wanted']").await;
    b.wait_css("#wanted-list li[data-reason='missing']").await;
    assert!(
        text(&b, "#wanted-list li[data-reason='missing']")
            .await
            .contains("Missing: will download in German Dub")
    );
    let waiting = text(&b, "#wanted-list li[data-reason='waiting_for_language']").await;
    assert!(waiting.contains("S01E02"), "{waiting}");
    assert!(
        waiting.contains("Waiting for German Dub (offered: English Sub)"),
        "{waiting}"
    );
    assert!(
        text(&b, "#wanted-queue-note").await.contains("stopped"),
        "the view says that the queue is stopped"
    );
    clean_and_named(&b, "wanted").await;
    b.screenshot_to(shots.as_deref(), "wanted").await;

    // Queueing the series queues episode 1 only; the waiting one stays listed.
    b.click(&format!("button[data-queue='{id}']")).await;
    b.wait_js("!document.querySelector(\"#wanted-list li[data-reason='missing']\")")
        .await;
    assert_eq!(pending(&w).await, vec![(1, 1)]);
    b.wait_css("#wanted-list li[data-reason='waiting_for_language']")
        .await;

    // English Sub accepted too: episode 2 is wanted in it, and "Queue all" queues it.
    patch(
        &w,
        json!({"languages": ["German Dub", "English Sub"], "cutoff": null}),
    )
    .await;
    b.client.goto(&format!("{base}/#/wanted")).await.unwrap();
    b.wait_js("(document.querySelector(\"#wanted-list li[data-reason='missing']\") || {}).textContent?.includes('English Sub')").await;
    b.click("#wanted-queue-all").await;
    b.wait_js("document.querySelector('#wanted-list .empty')")
        .await;
    assert_eq!(pending(&w).await, vec![(1, 1), (1, 2)]);
    assert_clean(&b, "wanted after queueing").await;

    // Both download; History lists them, newest first, with language, hoster and size.
    w.serve_media(KEY, 1, 1, 20_000);
    w.serve_media(KEY, 1, 2, 20_000);
    w.start_queue().await;
    w.wait_completed(2).await;
    b.click("a[data-view='history']").await;
    b.wait_js("document.querySelectorAll('#history-table tbody tr').length === 2")
        .await;
    let first = text(&b, "#history-table tbody tr:first-child").await;
    for part in [
        "Downloaded",
        "Kaiju No. 8",
        "S01E02",
        "English Sub",
        "VOE",
        "MB",
    ] {
        assert!(first.contains(part), "{part} in {first}");
    }
    assert!(
        text(&b, "#history-table tbody tr:nth-child(2)")
            .await
            .contains("S01E01")
    );
    clean_and_named(&b, "history").await;
    b.screenshot_to(shots.as_deref(), "history").await;
    b.wait_css("#history-event")
        .await
        .select_by_value("failed")
        .await
        .unwrap();
    assert_eq!(
        text(&b, "#history-list .empty").await,
        "No entries of this kind."
    );

    // Removing the series: the dialog says what happens to the files, and with the box ticked
    // the downloaded files go too.
    let file = w.episode_file(&folder, 1, 1);
    assert!(file.exists());
    b.client
        .goto(&format!("{base}/#/series/{KEY}"))
        .await
        .unwrap();
    b.click("#series-delete-open").await;
    assert!(text(&b, "#del-what").await.contains("stay on disk"));
    b.click("#del-files").await;
    assert!(text(&b, "#del-what").await.contains("are deleted"));
    clean_and_named(&b, "remove dialog").await;
    b.click("#del-confirm").await;
    b.wait_js("location.hash === '#/' && document.querySelector('#view .empty')")
        .await;
    assert_eq!(
        b.js(&format!(
            "return document.querySelectorAll(\"a[href='#/series/{KEY}']\").length"
        ))
        .await,
        json!(0)
    );
    assert_eq!(w.get(&format!("/api/anime/{id}")).await.status, 404);
    assert!(!file.exists(), "the downloaded file is gone");

    // The history keeps the downloads and records the deleted files.
    b.client.goto(&format!("{base}/#/history")).await.unwrap();
    b.wait_js(
        "document.querySelectorAll(\"#history-table tr[data-event='deleted']\").length === 2",
    )
    .await;
    assert_clean(&b, "history after removing").await;
    b.close().await;
}

const DRAG_LAST_ONTO_FIRST: &str = r#"
const items = document.querySelectorAll('#se-languages li');
const last = [...items].find((li) => li.dataset.language === 'English Dub');
const dt = new DataTransfer();
const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
fire(last, 'dragstart');
fire(items[0], 'dragover');
fire(items[0], 'drop');
fire(last, 'dragend');
return true;
"#;
