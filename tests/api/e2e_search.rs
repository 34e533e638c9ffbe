//! Browser end-to-end test of search and add against the fake catalogue: the search field has the
//! focus when the page opens, typing finds the series (debounced) with its cover, year and
//! description, Add asks for monitored and the language order and the series keeps them, and its
//! season grid shows the missing episodes.

use aniworld_testkit::FakeResponse;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries};
use serde_json::json;

use crate::e2e::{assert_clean, screenshots};
use crate::e2e_browser::browser;
use crate::helpers::spawn_app_with;

#[actix_web::test]
async fn search_add_and_see_the_missing_episodes_in_a_browser() {
    let catalogue = FakeCatalogue::start();
    catalogue.add(FakeSeries::new("attack-on-titan", "Attack on Titan", &[(1, 3)]).year(2013));
    catalogue.add(FakeSeries::new("demon-slayer", "Demon Slayer", &[(1, 2)]).year(2019));
    // The endpoint whose answer carries covers and years answers (the first one gives neither),
    // and the covers are real images on the catalogue's host.
    catalogue
        .server
        .serve("/ajax/search", FakeResponse::json(&json!([])));
    catalogue.server.serve(
        "/public/img/cover/*",
        FakeResponse::bytes("image/jpeg", aniworld_testkit::images::jpeg(1)),
    );
    let anime = tempfile::tempdir().unwrap();
    let app = spawn_app_with(
        |c| {
            c["provider"]["base_url"] = json!(catalogue.url());
            c["provider"]["min_request_interval_ms"] = json!(0);
            c["provider"]["max_retries"] = json!(0);
            c["other"]["anime_directory"] = json!(anime.path().to_string_lossy());
            c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
        },
        |_| {},
    )
    .await;
    let token = app.token().await;
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    b.sign_in(&app.address, &token).await;

    // Opened from another page, the search field has the focus (not <main>).
    b.client.goto(&format!("{}/#/", app.address)).await.unwrap();
    b.wait_css("#view h1").await;
    b.js("location.hash = '#/search'; return true;").await;
    b.wait_js("document.activeElement && document.activeElement.id === 'search-q'")
        .await;

    b.fill("#search-q", "attack").await;
    b.wait_css("button[aria-label='Add Attack on Titan to the library']")
        .await;
    // Cover (alt text, lazy, fixed size, loaded from the catalogue), year and description.
    b.wait_js("(() => { const i = document.querySelector('.result img.result-cover'); return i && i.complete && i.naturalWidth > 0; })()").await;
    let shown = b
        .js(
            "const li = document.querySelector('.result'); const i = li.querySelector('img'); \
             return { src: i.getAttribute('src'), alt: i.alt, loading: i.getAttribute('loading'), \
             w: i.getAttribute('width'), h: i.getAttribute('height'), \
             meta: li.querySelector('.meta').textContent, \
             desc: (li.querySelector('.result-desc') || {}).textContent || '', \
             name: li.querySelector('h2').textContent };",
        )
        .await;
    assert_eq!(
        shown["src"],
        json!(format!(
            "{}/public/img/cover/attack-on-titan-stream-cover_150x225.jpg",
            catalogue.url()
        )),
        "{shown}"
    );
    assert_eq!(shown["alt"], "Cover of Attack on Titan", "{shown}");
    assert_eq!(shown["loading"], "lazy", "{shown}");
    assert_eq!(
        (shown["w"].as_str(), shown["h"].as_str()),
        (Some("75"), Some("112"))
    );
    assert!(shown["meta"].as_str().unwrap().contains("2013"), "{shown}");
    assert!(!shown["desc"].as_str().unwrap().is_empty(), "{shown}");
    assert_eq!(shown["name"], "Attack on Titan");
    // Results are a list; headings go h1 then h2, no level skipped.
    let levels = b
        .js("return [...document.querySelectorAll('#view h1, #view h2, #view h3, #view h4, #view h5, #view h6')].map((e) => Number(e.tagName[1]));")
        .await;
    let levels: Vec<u64> = levels
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(levels.first(), Some(&1), "{levels:?}");
    assert!(levels.windows(2).all(|w| w[1] <= w[0] + 1), "{levels:?}");
    assert_eq!(
        b.js("return document.querySelectorAll('ul.results > li.result h2').length;")
            .await,
        json!(1)
    );
    b.screenshot_to(screenshots().as_deref(), "search").await;
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "results: {violations:#?}");

    // Add asks how to follow the series: not monitored, and the second language first.
    b.click("button[aria-label='Add Attack on Titan to the library']")
        .await;
    b.wait_css("#search-add[open] #sa-monitored").await;
    assert_eq!(
        b.js("return document.activeElement.id;").await,
        json!("sa-monitored")
    );
    b.click("#sa-monitored").await;
    b.click("#sa-languages li:nth-child(2) button[aria-label^='Move']")
        .await;
    let chosen = b
        .js("return [...document.querySelectorAll('#sa-languages li')].filter((li) => li.querySelector('input').checked).map((li) => li.dataset.language);")
        .await;
    assert!(chosen.as_array().is_some_and(|a| a.len() >= 2), "{chosen}");
    b.screenshot_to(screenshots().as_deref(), "search-add")
        .await;
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "add dialog: {violations:#?}");
    b.click("#sa-submit").await;
    b.wait_js("[...document.querySelectorAll('.result [role=status]')].some((e) => e.textContent.includes('3 missing'))").await;
    assert!(
        b.js("return document.getElementById('search-add') === null;")
            .await
            == json!(true)
    );
    assert!(
        anime.path().join("Attack on Titan (2013)").is_dir(),
        "the folder is created"
    );
    let detail = app.get("/api/anime/attack-on-titan", Some(&token)).await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    assert_eq!(detail.json["monitored"], json!(false), "{}", detail.text);
    assert_eq!(detail.json["languages"], chosen, "{}", detail.text);
    assert_clean(&b, "search").await;

    b.click("a[href='#/series/attack-on-titan']").await;
    b.wait_js("document.querySelectorAll('.ep.missing').length === 3")
        .await;
    assert_clean(&b, "series").await;

    // Opened directly, the search field has the focus too.
    b.client
        .goto(&format!("{}/#/search", app.address))
        .await
        .unwrap();
    b.client.refresh().await.unwrap();
    b.wait_js("document.activeElement && document.activeElement.id === 'search-q'")
        .await;
    b.close().await;
}
