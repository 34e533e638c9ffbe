//! The catalogue on today's sites (docs/catalogue.md) over HTTP: search, add by every link
//! family, scan and download against the v2 engine on aniworld paths and on s.to paths, and the
//! same against the legacy engine; expired play links; English Dub; pages of neither engine;
//! s.to links while s.to is disabled.

use aniworld_core::{EpisodeId, Language};
use aniworld_testkit::FakeResponse;
use aniworld_testkit::catalogue::{Engine, FakeCatalogue, FakeSeries, FakeSite, PlayOutcome};
use serde_json::{Value, json};

use crate::catalogue_support::{
    ANIWORLD, STO, SiteWorld, ids, library_id, site_entry, site_world, touch,
};

/// The catalogue of the core-flow tests.
fn flow_catalogue(site: FakeSite) -> FakeCatalogue {
    let c = FakeCatalogue::start_with(site);
    c.add(
        FakeSeries::new("frieren", "Frieren", &[(1, 3), (2, 2)])
            .year(2023)
            .movies(1),
    );
    c.add(FakeSeries::new("dandadan", "Dandadan", &[(1, 2)]).year(2024));
    c.add(FakeSeries::new("spy-family", "Spy x Family", &[(1, 2)]).year(2022));
    c.add(FakeSeries::new("blue-exorcist", "Blue Exorcist", &[(1, 1)]));
    c.add(FakeSeries::new("blue-lock", "Blue Lock", &[(1, 1)]));
    c.add(FakeSeries::new("blue-period", "Blue Period", &[(1, 1)]));
    c
}

/// The links the core flow adds series by (besides the fake's own series link).
struct FlowLinks {
    /// A season link of `dandadan`.
    season: String,
    /// An episode link of `spy-family`.
    episode: String,
    /// Another link of `frieren` (added first): must conflict.
    duplicate: String,
}

/// The hits of one site, by key.
fn site_hits(hits: &[Value], site: &str) -> Vec<Value> {
    let mut mine: Vec<Value> = hits.iter().filter(|h| h["site"] == site).cloned().collect();
    mine.sort_by_key(|h| h["key"].as_str().unwrap_or_default().to_string());
    mine
}

/// Asserts the three "blue" series of `site`, each with a link on its fake.
fn assert_blue_hits(hits: &[Value], site: &str, fake: &FakeCatalogue) {
    let mine = site_hits(hits, site);
    let expected = [
        ("blue-exorcist", "Blue Exorcist"),
        ("blue-lock", "Blue Lock"),
        ("blue-period", "Blue Period"),
    ];
    assert_eq!(mine.len(), expected.len(), "{hits:?}");
    for (hit, (key, name)) in mine.iter().zip(expected) {
        assert_eq!(hit["key"], key, "{hit}");
        assert_eq!(hit["name"], name, "{hit}");
        assert_eq!(hit["folder"], name, "{hit}");
        let link = hit["link"].as_str().expect("link");
        assert!(
            link.starts_with(&fake.url()) && link.contains(key),
            "{site} hit {key}: {link}"
        );
    }
}

/// Search (and its fallback when the first endpoint is gone), add by series, season and
/// episode links (a second link of an added series conflicts), the list's site and link, a
/// scan with exact missing lists, and downloads through the site's play links.
async fn core_flow(w: &SiteWorld, site: &str, links: FlowLinks) {
    let fake = w.fake(site);
    let engine = fake.site().engine;

    // Search, then again with the endpoint that answered gone.
    assert_blue_hits(&w.search("blue").await, site, fake);
    match engine {
        Engine::V2 => fake.suggest_gone(true),
        Engine::Legacy => {
            fake.server
                .route_method("POST", "/ajax/search", |_| FakeResponse::status(404));
        }
    }
    let fallback = |fake: &FakeCatalogue| {
        fake.server
            .requests()
            .into_iter()
            .filter(|r| match engine {
                Engine::V2 => r.path == "/suche" && r.query_param("page").as_deref() == Some("2"),
                Engine::Legacy => r.path == "/ajax/seriesSearch",
            })
            .count()
    };
    let before = fallback(fake);
    assert_blue_hits(&w.search("blue").await, site, fake);
    assert!(
        fallback(fake) > before,
        "the fallback search endpoint was not asked"
    );

    // Add by a series link (on the aniworld family of the v2 site it answers a 301).
    touch(
        w.anime.path(),
        "Frieren (2023)/Season 01/Frieren (2023) - S01E01.mp4",
    );
    let added = w.add_ok(&fake.link("frieren")).await;
    assert_eq!(added["key"], "frieren", "{added}");
    assert_eq!(added["site"], site, "{added}");
    assert_eq!(added["folder"], "Frieren (2023)", "{added}");
    assert!(added["db_id"].as_i64().unwrap() > 0, "{added}");
    assert_eq!(
        added["missing_episodes"],
        ids(&[(0, 1), (1, 2), (1, 3), (2, 1), (2, 2)])
    );
    assert_eq!(added["total_missing"], 5);
    // By a season link and by an episode link.
    let added = w.add_ok(&links.season).await;
    assert_eq!(added["key"], "dandadan", "{added}");
    assert_eq!(added["site"], site, "{added}");
    assert_eq!(added["folder"], "Dandadan (2024)", "{added}");
    assert_eq!(added["missing_episodes"], ids(&[(1, 1), (1, 2)]));
    let added = w.add_ok(&links.episode).await;
    assert_eq!(added["key"], "spy-family", "{added}");
    assert_eq!(added["site"], site, "{added}");
    assert_eq!(added["folder"], "Spy x Family (2022)", "{added}");
    assert_eq!(added["missing_episodes"], ids(&[(1, 1), (1, 2)]));
    // The same series by another link: a conflict, no duplicate.
    w.add_link(&links.duplicate)
        .await
        .assert_error(409, "CONFLICT_ERROR");
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 3);

    // The list shows each series' site and the link of the page the site served.
    let r = w.get("/api/anime?filter=all").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 3, "{}", r.text);
    for s in list {
        let key = s["key"].as_str().unwrap();
        assert!(["frieren", "dandadan", "spy-family"].contains(&key), "{s}");
        assert_eq!(s["site"], site, "{s}");
        assert_eq!(s["link"], fake.series_url(key), "{s}");
    }
    let id = library_id(site, "frieren");
    let detail = w.detail(&id).await;
    assert_eq!(detail["key"], "frieren", "{detail}");
    assert_eq!(detail["site"], site, "{detail}");
    assert_eq!(
        detail["episodes"],
        ids(&[(0, 1), (1, 2), (1, 3), (2, 1), (2, 2)])
    );
    // A bare slug that only one site has is found too.
    assert_eq!(w.detail("frieren").await, detail);

    // A scan sees a new file and a new episode.
    touch(
        w.anime.path(),
        "Frieren (2023)/Season 01/Frieren (2023) - S01E02.mp4",
    );
    fake.change("frieren", |s| {
        s.seasons.insert(2, 3);
    });
    let done = w.rescan().await;
    assert_eq!(done["failed"], json!([]), "{done}");
    assert_eq!(done["series_scanned"], 3, "{done}");
    assert_eq!(
        w.detail(&id).await["episodes"],
        ids(&[(0, 1), (1, 3), (2, 1), (2, 2), (2, 3)])
    );
    // Season pages are read below the URL the site serves the series from.
    let served = fake.series_url("frieren")[fake.url().len()..].to_string();
    let seasons: Vec<String> = fake
        .server
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| p.contains("/frieren/staffel-") || p.contains("/frieren/filme"))
        .collect();
    assert!(!seasons.is_empty());
    for p in &seasons {
        assert!(
            p.starts_with(&format!("{served}/")),
            "{p} not below {served}"
        );
    }

    // Downloads through the site's play links.
    let one = w.serve_media("frieren", 1, 3, 40_000);
    let two = w.serve_media("frieren", 2, 3, 30_001);
    w.queue(&id, "Frieren (2023)", &[(1, 3), (2, 3)]).await;
    w.start_queue().await;
    let status = w.wait_completed(2).await;
    for item in status["status"]["completed_downloads"].as_array().unwrap() {
        assert_eq!(item["retry_count"], 0, "{item}");
        assert_eq!(item["serie_id"], id.as_str(), "{item}");
    }
    assert_eq!(
        std::fs::read(w.episode_file("Frieren (2023)", 1, 3)).unwrap(),
        one
    );
    assert_eq!(
        std::fs::read(w.episode_file("Frieren (2023)", 2, 3)).unwrap(),
        two
    );
    let plays = fake.play_requests();
    assert_eq!(plays.len(), 2, "{plays:?}");
    let prefix = match engine {
        Engine::V2 => "/r?t=",
        Engine::Legacy => "/redirect/",
    };
    for p in &plays {
        assert!(matches!(p.outcome, PlayOutcome::Redirect(_)), "{p:?}");
        assert!(p.url.starts_with(prefix), "{p:?}");
        assert_eq!(p.target.as_ref().unwrap().key, "frieren");
    }
    assert_eq!(
        w.detail(&id).await["episodes"],
        ids(&[(0, 1), (2, 1), (2, 2)])
    );
}

#[actix_web::test]
async fn the_v2_engine_on_aniworld_paths_searches_adds_scans_and_downloads() {
    let w = site_world(flow_catalogue(FakeSite::v2_aniworld()), None, |_| {}).await;
    let url = w.aniworld.url();
    let links = FlowLinks {
        season: format!("{url}/anime/dandadan/staffel-1"),
        episode: format!("{url}/serie/spy-family/staffel-1/episode-2"),
        duplicate: format!("{url}/serie/stream/frieren/staffel-2"),
    };
    core_flow(&w, ANIWORLD, links).await;
    let health = w.health().await;
    assert_eq!(health["catalogue"][ANIWORLD]["engine"], "v2", "{health}");
}

#[actix_web::test]
async fn the_v2_engine_on_sto_paths_searches_adds_scans_and_downloads() {
    let aniworld = FakeCatalogue::start();
    aniworld.add(FakeSeries::new("blue-giant", "Blue Giant", &[(1, 1)]));
    let sto = flow_catalogue(FakeSite::v2_sto());
    let mirror = format!("http://localhost:{}", sto.server.addr().port());
    let mirrors = json!([mirror]);
    let w = site_world(aniworld, Some(sto), |c| {
        site_entry(c, STO)["mirrors"] = mirrors;
    })
    .await;
    let url = w.fake(STO).url();
    let links = FlowLinks {
        season: format!("{url}/serie/stream/dandadan/staffel-1"),
        episode: format!("{url}/anime/stream/spy-family/staffel-1/episode-2"),
        duplicate: format!("{mirror}/anime/frieren"),
    };
    core_flow(&w, STO, links).await;

    // Search asked both sites; the aniworld.to fake saw nothing but searches.
    let hits = w.search("blue").await;
    let theirs = site_hits(&hits, ANIWORLD);
    assert_eq!(theirs.len(), 1, "{hits:?}");
    assert_eq!(theirs[0]["key"], "blue-giant");
    for r in w.aniworld.server.requests() {
        assert!(
            [
                "/ajax/search",
                "/ajax/seriesSearch",
                "/api/search/suggest",
                "/suche"
            ]
            .contains(&r.path.as_str()),
            "aniworld.to was asked for {}",
            r.path
        );
    }
    let health = w.health().await;
    assert_eq!(health["catalogue"][STO]["engine"], "v2", "{health}");
    assert_eq!(health["catalogue"][STO]["status"], "healthy", "{health}");
}

#[actix_web::test]
async fn the_legacy_engine_still_searches_adds_scans_and_downloads() {
    let w = site_world(flow_catalogue(FakeSite::legacy_aniworld()), None, |_| {}).await;
    let url = w.aniworld.url();
    let links = FlowLinks {
        season: format!("{url}/anime/dandadan/staffel-1"),
        episode: format!("{url}/serie/spy-family/staffel-1/episode-2"),
        duplicate: format!("{url}/serie/stream/frieren/staffel-2"),
    };
    core_flow(&w, ANIWORLD, links).await;
    let health = w.health().await;
    assert_eq!(
        health["catalogue"][ANIWORLD]["engine"], "legacy",
        "{health}"
    );
    assert_eq!(
        health["catalogue"][ANIWORLD]["status"], "healthy",
        "{health}"
    );
}

#[actix_web::test]
async fn an_expired_play_link_is_refreshed_once_from_the_episode_page() {
    // Laravel's 419 "page expired", and the 403 the site also answers (no gate markers).
    for status in [419, 403] {
        let fake = FakeCatalogue::start_with(FakeSite::v2_aniworld());
        fake.add(FakeSeries::new("mushishi", "Mushishi", &[(1, 2)]).year(2005));
        fake.expire_first_tokens(true);
        fake.expired_status(status);
        let w = site_world(fake, None, |_| {}).await;
        let added = w.add_ok(&w.aniworld.link("mushishi")).await;
        let folder = added["folder"].as_str().unwrap().to_string();
        let data = w.serve_media("mushishi", 1, 1, 50_000);

        w.queue("mushishi", &folder, &[(1, 1)]).await;
        w.start_queue().await;
        let done = w.wait_completed(1).await;
        let item = &done["status"]["completed_downloads"][0];
        assert_eq!(item["retry_count"], 0, "{status}: {item}");
        assert_eq!(std::fs::read(w.episode_file(&folder, 1, 1)).unwrap(), data);

        let hits = w
            .aniworld
            .episode_page_hits("mushishi", EpisodeId::new(1, 1));
        assert_eq!(hits, 2, "HTTP {status}");
        let plays = w.aniworld.play_requests();
        assert_eq!(plays.len(), 2, "HTTP {status}: {plays:?}");
        assert_eq!(plays[0].outcome, PlayOutcome::Expired, "{plays:?}");
        assert!(
            matches!(plays[1].outcome, PlayOutcome::Redirect(_)),
            "{plays:?}"
        );
        // The fresh link is the same language and hoster, with another token.
        assert_eq!(plays[0].target, plays[1].target);
        assert_ne!(plays[0].url, plays[1].url);
        // An expired link is no verification wall.
        let health = w.health().await;
        assert_eq!(
            health["catalogue"][ANIWORLD]["status"], "healthy",
            "{health}"
        );
    }
}

/// English Dub in the preference downloads a series offering only English Dub; without it the
/// episode fails naming the languages the page offers, and no play link is asked for.
async fn english_dub_flow(site: FakeSite) {
    let fake = FakeCatalogue::start_with(site);
    fake.add(
        FakeSeries::new("solo-leveling", "Solo Leveling", &[(1, 2)])
            .year(2024)
            .links(&[(Language::EnglishDub, "VOE")]),
    );
    let w = site_world(fake, None, |_| {}).await;
    let r = w
        .put(
            "/api/config",
            &json!({"download": {"language_preference": ["German Dub", "English Dub"]}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["download"]["language_preference"],
        json!(["German Dub", "English Dub"])
    );
    assert_eq!(
        w.app.config_on_disk()["download"]["language_preference"],
        json!(["German Dub", "English Dub"])
    );

    let added = w.add_ok(&w.aniworld.link("solo-leveling")).await;
    let folder = added["folder"].as_str().unwrap().to_string();
    let data = w.serve_media("solo-leveling", 1, 1, 25_000);
    w.queue("solo-leveling", &folder, &[(1, 1)]).await;
    w.start_queue().await;
    w.wait_completed(1).await;
    assert_eq!(std::fs::read(w.episode_file(&folder, 1, 1)).unwrap(), data);
    // The language of the file is recorded with the episode, and a rescan keeps it.
    let id = library_id(ANIWORLD, "solo-leveling");
    let languages = || async {
        let r = w.get(&format!("/api/anime/{id}/episodes")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["language"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(languages().await, vec![json!("English Dub"), Value::Null]);
    w.rescan().await;
    assert_eq!(languages().await, vec![json!("English Dub"), Value::Null]);
    let plays = w.aniworld.play_requests();
    assert_eq!(plays.len(), 1, "{plays:?}");
    assert_eq!(
        plays[0].target.as_ref().unwrap().language,
        Language::EnglishDub
    );

    let r = w
        .put(
            "/api/config",
            &json!({"download": {"language_preference": ["German Dub", "German Sub"]}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    w.serve_media("solo-leveling", 1, 2, 25_000);
    w.queue("solo-leveling", &folder, &[(1, 2)]).await;
    let status = w
        .wait_queue("the episode to fail", |s| {
            s["statistics"]["failed_count"] == 1
        })
        .await;
    let failed = &status["status"]["failed_downloads"][0];
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(error.contains("English Dub"), "{failed}");
    assert!(!w.episode_file(&folder, 1, 2).exists());
    assert_eq!(w.aniworld.play_requests().len(), 1);
}

#[actix_web::test]
async fn english_dub_is_a_language_preference_like_the_others_on_v2_pages() {
    english_dub_flow(FakeSite::v2_aniworld()).await;
}

#[actix_web::test]
async fn english_dub_is_a_language_preference_like_the_others_on_legacy_pages() {
    english_dub_flow(FakeSite::legacy_aniworld()).await;
}

#[actix_web::test]
async fn a_page_of_neither_engine_is_refused_with_503_naming_the_page() {
    let fake = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    fake.add(FakeSeries::new("remade-show", "Remade Show", &[(1, 2)]).unknown_layout());
    let w = site_world(fake, None, |_| {}).await;
    let r = w.add_link(&w.aniworld.link("remade-show")).await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    let message = r.json["message"].as_str().unwrap();
    assert!(
        message.contains(&w.aniworld.series_url("remade-show")),
        "{message}"
    );
    assert!(message.contains("neither known page engine"), "{message}");
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 0);
    assert_eq!(std::fs::read_dir(w.anime.path()).unwrap().count(), 0);
}

#[actix_web::test]
async fn sto_links_are_refused_while_sto_is_disabled_without_any_request() {
    // The default configuration: s.to disabled on its real addresses.
    let w = site_world(FakeCatalogue::start(), None, |_| {}).await;
    let config = w.config().await;
    let sto = config.json["provider"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == STO)
        .cloned()
        .expect("s.to entry");
    assert_eq!(sto["enabled"], false, "{sto}");
    for link in [
        "https://serienstream.to/serie/breaking-bad",
        "https://serienstream.to/serie/stream/breaking-bad/staffel-1/episode-1",
        "https://serienstream.cx/serie/breaking-bad/staffel-2",
    ] {
        let r = w.add_link(link).await;
        r.assert_error(422, "VALIDATION_ERROR");
        let why = r.json["details"]["link"].as_str().unwrap_or_default();
        assert!(
            why.contains("s.to") && why.contains("not enabled"),
            "{link}: {}",
            r.text
        );
    }
    assert!(w.aniworld.server.requests().is_empty());
    let health = w.health().await;
    assert_eq!(
        health["catalogue"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        [ANIWORLD],
        "{health}"
    );

    // s.to at a reachable address but disabled: still refused, and it sees no request, not
    // even from a search.
    let site = FakeCatalogue::start_with(FakeSite::v2_sto());
    site.add(FakeSeries::new("dark", "Dark", &[(1, 2)]).year(2017));
    let base = site.url();
    let w = site_world(FakeCatalogue::start(), None, |c| {
        let e = site_entry(c, STO);
        e["base_url"] = json!(base);
        e["mirrors"] = json!([]);
    })
    .await;
    let r = w.add_link(&site.link("dark")).await;
    r.assert_error(422, "VALIDATION_ERROR");
    let why = r.json["details"]["link"].as_str().unwrap_or_default();
    assert!(why.contains("not enabled"), "{}", r.text);
    assert!(w.search("dark").await.is_empty());
    assert!(site.server.requests().is_empty(), "{:?}", site.cookies());
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 0);
}

/// The languages each episode is offered in, as `GET /api/anime/{id}/episodes` shows them.
async fn offered(w: &SiteWorld, id: &str) -> Vec<Value> {
    episodes_field(w, id, |e| e["languages_offered"].clone()).await
}

/// Whether and in which language each episode is wanted: `[reason, language]`.
async fn wanted(w: &SiteWorld, id: &str) -> Vec<Value> {
    episodes_field(w, id, |e| json!([e["wanted"], e["wanted_language"]])).await
}

async fn episodes_field(w: &SiteWorld, id: &str, f: impl Fn(&Value) -> Value) -> Vec<Value> {
    let r = w.get(&format!("/api/anime/{id}/episodes")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json.as_array().unwrap().iter().map(f).collect()
}

fn kaiju() -> FakeSeries {
    FakeSeries::new("kaiju", "Kaiju No. 8", &[(1, 3)])
        .year(2024)
        .links(&[(Language::GermanSub, "VOE")])
        .episode_links(
            EpisodeId::new(1, 1),
            &[
                (Language::GermanDub, "VOE"),
                (Language::EnglishSub, "Vidoza"),
            ],
        )
        .episode_links(EpisodeId::new(1, 2), &[(Language::EnglishSub, "VOE")])
}

#[actix_web::test]
async fn the_languages_on_offer_per_episode_come_from_the_v2_season_page_and_follow_rescans() {
    let fake = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    fake.add(kaiju());
    let w = site_world(fake, None, |_| {}).await;
    w.add_ok(&w.aniworld.link("kaiju")).await;
    let id = library_id(ANIWORLD, "kaiju");
    assert_eq!(
        offered(&w, &id).await,
        vec![
            json!(["German Dub", "English Sub"]),
            json!(["English Sub"]),
            json!(["German Sub"]),
        ]
    );
    // With the default order (German Dub, German Sub, English Sub) each is wanted in the best
    // language on offer.
    assert_eq!(
        wanted(&w, &id).await,
        vec![
            json!(["missing", "German Dub"]),
            json!(["missing", "English Sub"]),
            json!(["missing", "German Sub"]),
        ]
    );
    // Only German Dub accepted: the others wait for it.
    let r = crate::helpers::send(
        &w.app.client,
        &w.app.address,
        actix_web::http::Method::PATCH,
        &format!("/api/anime/{id}"),
        Some(&w.token),
        Some(&json!({"languages": ["German Dub"]})),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        wanted(&w, &id).await,
        vec![
            json!(["missing", "German Dub"]),
            json!(["waiting_for_language", null]),
            json!(["waiting_for_language", null]),
        ]
    );
    // The German dub of episode 2 comes out: the next rescan shows it.
    w.aniworld.change("kaiju", |s| {
        *s = s.clone().episode_links(
            EpisodeId::new(1, 2),
            &[(Language::EnglishSub, "VOE"), (Language::GermanDub, "VOE")],
        )
    });
    w.rescan().await;
    assert_eq!(
        offered(&w, &id).await[1],
        json!(["English Sub", "German Dub"])
    );
    assert_eq!(wanted(&w, &id).await[1], json!(["missing", "German Dub"]));
}

#[actix_web::test]
async fn legacy_pages_do_not_say_which_languages_an_episode_is_offered_in() {
    let fake = FakeCatalogue::start_with(FakeSite::legacy_aniworld());
    fake.add(kaiju());
    let w = site_world(fake, None, |_| {}).await;
    w.add_ok(&w.aniworld.link("kaiju")).await;
    let id = library_id(ANIWORLD, "kaiju");
    assert_eq!(offered(&w, &id).await, vec![Value::Null; 3]);
}
