//! Browser end-to-end test of search and add against the fake catalogue: typing finds the series
//! (debounced), one click adds it, and its season grid shows the missing episodes.

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
    b.client
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    b.wait_css("#login-form").await;
    b.js(&format!(
        "sessionStorage.setItem('aniworld.token', {}); return true;",
        json!(token)
    ))
    .await;

    b.client
        .goto(&format!("{}/#/search", app.address))
        .await
        .unwrap();
    b.fill("#search-q", "attack").await;
    b.wait_css("button[aria-label='Add Attack on Titan to the library']")
        .await;
    b.screenshot_to(screenshots().as_deref(), "search").await;
    b.click("button[aria-label='Add Attack on Titan to the library']")
        .await;
    b.wait_js("[...document.querySelectorAll('.result [role=status]')].some((e) => e.textContent.includes('3 missing'))").await;
    assert!(
        anime.path().join("Attack on Titan (2013)").is_dir(),
        "the folder is created"
    );
    assert_clean(&b, "search").await;

    b.click("a[href='#/series/attack-on-titan']").await;
    b.wait_js("document.querySelectorAll('.ep.missing').length === 3")
        .await;
    assert_clean(&b, "series").await;
    b.close().await;
}
