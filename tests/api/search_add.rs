//! Search and add as the search page uses them: the cover, year and description a search answer
//! carries (covers only from the catalogue's host, which the UI's CSP allows), and the metadata
//! a series gets on add once a TMDB key is set, with no manual step.
//!
//! Add with `monitored`/`languages` and its 422s are in monitoring.rs
//! (`a_series_added_with_settings_keeps_them`, `an_add_with_bad_settings_is_refused_...`).

use std::time::{Duration, Instant};

use aniworld_metadata::matching::normalize_title;
use aniworld_testkit::FakeResponse;
use aniworld_testkit::tmdb::{FakeTmdb, Show};
use serde_json::{Value, json};

use crate::anime_support::{standard_catalogue, world, world_with};

/// Makes the fake catalogue's first search endpoint (`POST /ajax/search`, which carries no
/// cover or year) answer with no hits, so that `GET /ajax/seriesSearch` answers.
fn series_search_only(w: &crate::anime_support::World) {
    w.catalogue
        .server
        .serve("/ajax/search", FakeResponse::json(&json!([])));
}

fn hit<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|h| h["key"] == key)
        .unwrap_or_else(|| panic!("no hit {key}: {list}"))
}

#[actix_web::test]
async fn search_hits_carry_cover_year_and_description_when_the_answer_gives_them() {
    let w = world().await;
    // The first endpoint gives a description only; the new fields are there, null when unknown.
    let r = w.get("/api/anime/search?query=titan").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let aot = hit(&r.json, "attack-on-titan");
    for field in ["year", "cover_url", "description"] {
        assert!(aot.get(field).is_some(), "{field} missing: {aot}");
    }
    assert_eq!(aot["name"], "Attack on Titan");
    assert_eq!(aot["link"], w.catalogue.link("attack-on-titan"));

    series_search_only(&w);
    let r = w.get("/api/anime/search?query=titan").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let aot = hit(&r.json, "attack-on-titan");
    assert_eq!(aot["year"], 2013, "{aot}");
    assert_eq!(
        aot["cover_url"],
        format!(
            "{}/public/img/cover/attack-on-titan-stream-cover_150x225.jpg",
            w.catalogue.url()
        )
    );
    assert!(
        aot["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{aot}"
    );
    // The summary fields stay as they were.
    assert_eq!(aot["folder"], "Attack on Titan (2013)");
    assert_eq!(aot["site"], "aniworld.to");
    // A series without a year has none.
    let r = w.get("/api/anime/search?query=kaguya").await;
    assert_eq!(
        hit(&r.json, "kaguya-sama")["year"],
        Value::Null,
        "{}",
        r.text
    );
    // One search request per search: no series page is fetched for the hits.
    assert_eq!(w.catalogue.series_page_hits("attack-on-titan"), 0);
}

#[actix_web::test]
async fn a_cover_on_another_host_is_left_out() {
    let w = world().await;
    series_search_only(&w);
    w.catalogue.server.serve(
        "/ajax/seriesSearch",
        FakeResponse::json(&json!([
            { "name": "Far Away", "link": "far-away", "description": "d",
              "cover": "https://images.example/far.jpg", "productionYear": "(2001)" },
            { "name": "Protocol Less", "link": "protocol-less", "description": "",
              "cover": "//images.example/p.jpg", "productionYear": "" },
            { "name": "At Home", "link": "at-home", "description": "",
              "cover": "/public/img/cover/at-home_150x225.jpg", "productionYear": "" },
        ])),
    );
    let r = w.get("/api/anime/search?query=far").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        hit(&r.json, "far-away")["cover_url"],
        Value::Null,
        "{}",
        r.text
    );
    assert_eq!(hit(&r.json, "far-away")["year"], 2001);
    assert_eq!(hit(&r.json, "protocol-less")["cover_url"], Value::Null);
    assert_eq!(hit(&r.json, "protocol-less")["description"], Value::Null);
    assert_eq!(
        hit(&r.json, "at-home")["cover_url"],
        format!("{}/public/img/cover/at-home_150x225.jpg", w.catalogue.url())
    );
}

#[actix_web::test]
async fn the_ui_page_allows_images_from_the_catalogue_only() {
    let w = world().await;
    let page = w.app.get("/login", None).await;
    let csp = page.header("content-security-policy").expect("CSP");
    let img = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("img-src"))
        .unwrap_or_else(|| panic!("{csp}"))
        .to_string();
    assert_eq!(
        img,
        format!("img-src 'self' data: blob: {}", w.catalogue.url()),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self';"), "{csp}");
    // API answers keep the closed policy.
    let api = w.get("/api/anime/status").await;
    assert_eq!(
        api.header("content-security-policy").as_deref(),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
}

#[actix_web::test]
async fn with_a_tmdb_key_an_added_series_gets_tvshow_nfo_and_poster_by_itself() {
    let tmdb = FakeTmdb::start(
        vec![Show::new(
            85937,
            "Demon Slayer: Kimetsu no Yaiba",
            "2019-04-06",
        )],
        normalize_title,
    );
    // Only the key and addresses: `auto_create` keeps its default.
    let nfo = tmdb.nfo_config();
    let w = world_with(standard_catalogue(), |c| {
        for (k, v) in nfo.as_object().unwrap() {
            c["nfo"][k] = v.clone();
        }
    })
    .await;
    let started = Instant::now();
    let added = w.add("demon-slayer").await;
    let folder = w.anime.path().join(added["folder"].as_str().unwrap());
    let (nfo_file, poster) = (folder.join("tvshow.nfo"), folder.join("poster.jpg"));
    let deadline = started + Duration::from_secs(30);
    loop {
        let nfo_done = std::fs::read_to_string(&nfo_file).is_ok_and(|x| x.contains("</tvshow>"));
        let poster_done = std::fs::metadata(&poster).is_ok_and(|m| m.len() > 0);
        if nfo_done && poster_done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no tvshow.nfo/poster.jpg in {}",
            folder.display()
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        std::fs::read_to_string(&nfo_file)
            .unwrap()
            .contains("85937")
    );
    assert!(!tmdb.api_requests("/3/").is_empty());
    // The detail shows it.
    let d = w.get("/api/anime/demon-slayer").await;
    assert_eq!(d.status, 200, "{}", d.text);
}
