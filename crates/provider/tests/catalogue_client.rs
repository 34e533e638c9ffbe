//! The catalogue client against a fake catalogue on 127.0.0.1 serving the fixture pages:
//! search and its fallback, series, seasons, movies, episode links, redirects, not found,
//! anti-bot challenges with and without a fake FlareSolverr, DNS overrides, link checks and the
//! page cache.

use std::collections::BTreeMap;
use std::time::Duration;

use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{EpisodeSource, SourceErrorKind};
use aniworld_core::{EpisodeId, Language};
use aniworld_provider::ProviderError;
use aniworld_provider::catalogue::{Catalogue, CatalogueOptions};
use aniworld_provider::http::HttpOptions;
use aniworld_testkit::{FakeResponse, FakeServer};

const DS: &str = "demon-slayer-kimetsu-no-yaiba";
const AOT: &str = "attack-on-titan";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/catalogue/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fake catalogue with two series (one with movies), their seasons and some episode pages.
fn fake_catalogue() -> FakeServer {
    let site = FakeServer::start();
    site.serve(
        &format!("/anime/stream/{DS}"),
        FakeResponse::html(fixture("series_with_movies.html")),
    );
    for n in 1..=5 {
        site.serve(
            &format!("/anime/stream/{DS}/staffel-{n}"),
            FakeResponse::html(fixture("season_page.html")),
        );
    }
    site.serve(
        &format!("/anime/stream/{DS}/filme"),
        FakeResponse::html(fixture("movies_page.html")),
    );
    site.serve(
        &format!("/anime/stream/{DS}/staffel-1/episode-1"),
        FakeResponse::html(fixture("episode_all_languages.html")),
    );
    site.serve(
        &format!("/anime/stream/{DS}/filme/film-1"),
        FakeResponse::html(fixture("episode_movie.html")),
    );
    site.serve(
        &format!("/anime/stream/{AOT}"),
        FakeResponse::html(fixture("series_ended.html")),
    );
    for n in 1..=4 {
        site.serve(
            &format!("/anime/stream/{AOT}/staffel-{n}"),
            FakeResponse::html(fixture("series_ended.html")),
        );
    }
    site.serve(
        "/anime/stream/redesigned",
        FakeResponse::html(
            "<!DOCTYPE html><html><head><title>Neu</title></head><body><main>\
             <div class=\"grid\"><section class=\"hero\"><h1>Frieren</h1></section></div>\
             </main></body></html>",
        ),
    );
    site.serve(
        "/anime/stream/frieren",
        FakeResponse::html(fixture("unexpected_layout.html")),
    );
    site.serve(
        "/anime/stream/deactivated",
        FakeResponse::html(fixture("not_found.html")),
    );
    site.serve(
        "/redirect/2738955",
        FakeResponse::redirect("https://voe.invalid/e/brrfb6svahr0"),
    );
    site.serve("/redirect/1", FakeResponse::redirect("/"));
    site.route_method("POST", "/ajax/search", |_| {
        FakeResponse::bytes("application/json", fixture("search_ajax.json"))
    });
    site.route_method("GET", "/ajax/seriesSearch", |_| {
        FakeResponse::bytes(
            "application/json; charset=utf-8",
            fixture("series_search.json"),
        )
    });
    site
}

fn config(base: &str) -> ProviderConfig {
    ProviderConfig {
        base_url: base.to_string(),
        min_request_interval_ms: 1,
        timeout_seconds: 10,
        max_retries: 2,
        ..ProviderConfig::default()
    }
}

fn options() -> CatalogueOptions {
    CatalogueOptions {
        http: HttpOptions {
            backoff_base: Duration::from_millis(5),
            backoff_max: Duration::from_millis(50),
            ..HttpOptions::default()
        },
        ..CatalogueOptions::default()
    }
}

fn catalogue(site: &FakeServer) -> Catalogue {
    Catalogue::with_options(&config(&site.url()), options()).unwrap()
}

#[test]
fn search_posts_the_keyword_with_ajax_headers() {
    let site = fake_catalogue();
    let hits = catalogue(&site).search("  demon ").unwrap();
    assert_eq!(hits.len(), 4);
    assert_eq!(hits[0].key, DS);
    assert_eq!(hits[0].link, format!("{}/anime/stream/{DS}", site.url()));
    let reqs = site.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/ajax/search")
    );
    assert_eq!(r.form_field("keyword").as_deref(), Some("demon"));
    assert_eq!(r.header("x-requested-with"), Some("XMLHttpRequest"));
    assert!(r.header("accept").unwrap().starts_with("application/json"));
    assert_eq!(r.header("origin"), Some(site.url().as_str()));
    assert_eq!(
        r.header("referer"),
        Some(format!("{}/search?q=demon", site.url()).as_str())
    );
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
}

#[test]
fn search_falls_back_to_series_search() {
    let site = fake_catalogue();
    site.route_method("POST", "/ajax/search", |_| FakeResponse::status(404));
    let hits = catalogue(&site).search("Kaguya-sama: Love & War").unwrap();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].year, Some(2019));
    assert!(
        hits[0]
            .cover_url
            .as_deref()
            .unwrap()
            .starts_with(&site.url())
    );
    let get = site
        .requests()
        .into_iter()
        .find(|r| r.path == "/ajax/seriesSearch")
        .expect("fallback request");
    assert_eq!(
        get.query_param("keyword").as_deref(),
        Some("Kaguya-sama: Love & War")
    );
}

#[test]
fn search_falls_back_when_the_answer_is_not_json() {
    let site = fake_catalogue();
    site.route_method("POST", "/ajax/search", |_| {
        FakeResponse::html("<html><body>Bitte neu laden</body></html>")
    });
    let hits = catalogue(&site).search("demon").unwrap();
    assert_eq!(hits.len(), 3);
    assert_eq!(site.hits("/ajax/seriesSearch"), 1);
}

#[test]
fn invalid_queries_make_no_request() {
    let site = fake_catalogue();
    let c = catalogue(&site);
    for q in ["", "   ", &"x".repeat(201)] {
        assert!(matches!(
            c.search(q),
            Err(ProviderError::InvalidQuery { .. })
        ));
    }
    assert!(
        c.search(&"ä".repeat(200)).is_ok(),
        "200 characters are fine"
    );
    assert_eq!(site.requests().len(), 1);
}

#[test]
fn series_seasons_and_movies_through_episode_source() {
    let site = fake_catalogue();
    let c = catalogue(&site);
    let s = EpisodeSource::series(&c, DS).unwrap();
    assert_eq!(s.title, "Demon Slayer: Kimetsu no Yaiba");
    assert_eq!(s.year, Some(2019));
    assert_eq!(s.imdb_id.as_deref(), Some("tt9335498"));
    assert!(s.cover_url.unwrap().starts_with(&site.url()));
    // 3 movies + 5 seasons x 26 episodes.
    assert_eq!(s.episodes.len(), 3 + 5 * 26);
    assert_eq!(s.episodes[0].id, EpisodeId::new(0, 1));
    assert_eq!(s.episodes[3].id, EpisodeId::new(1, 1));
    assert_eq!(s.episodes[3].title_de.as_deref(), Some("Grausamkeit"));
    assert_eq!(s.episodes.last().unwrap().id, EpisodeId::new(5, 26));
    assert_eq!(site.hits(&format!("/anime/stream/{DS}/filme")), 1);
    assert_eq!(site.requests().len(), 1 + 5 + 1);
}

#[test]
fn series_without_movies() {
    let site = fake_catalogue();
    let c = catalogue(&site);
    assert_eq!(c.site(), "aniworld.to");
    let page = c.series(AOT).unwrap();
    assert_eq!(page.seasons, vec![1, 2, 3, 4]);
    assert!(!page.has_movies);
    let s = EpisodeSource::series(&c, AOT).unwrap();
    assert_eq!(s.episodes.len(), 4 * 25);
    assert!(s.episodes.iter().all(|e| e.id.season > 0));
    assert_eq!(site.hits(&format!("/anime/stream/{AOT}/filme")), 0);
}

#[test]
fn one_scan_never_fetches_a_page_twice() {
    let site = fake_catalogue();
    let c = Catalogue::with_options(
        &config(&site.url()),
        CatalogueOptions {
            cache_ttl: Duration::ZERO,
            ..options()
        },
    )
    .unwrap();
    {
        let _scan = c.scan();
        EpisodeSource::series(&c, DS).unwrap();
        EpisodeSource::series(&c, DS).unwrap();
        c.season(DS, 3).unwrap();
        assert_eq!(site.hits(&format!("/anime/stream/{DS}")), 1);
        assert_eq!(site.hits(&format!("/anime/stream/{DS}/staffel-3")), 1);
    }
    // After the scan (and with no TTL) the next look-up fetches again.
    c.series(DS).unwrap();
    assert_eq!(site.hits(&format!("/anime/stream/{DS}")), 2);
}

#[test]
fn episode_links_and_redirect() {
    let site = fake_catalogue();
    let c = catalogue(&site);
    let links = c.episode_links(DS, EpisodeId::new(1, 1)).unwrap();
    assert_eq!(links.len(), 8);
    let voe = &links[0];
    assert_eq!(voe.language, Language::GermanDub);
    assert_eq!(voe.hoster, "VOE");
    assert_eq!(voe.redirect_url, format!("{}/redirect/2738955", site.url()));
    let target = c.resolve_redirect(&voe.redirect_url).unwrap();
    assert_eq!(target, "https://voe.invalid/e/brrfb6svahr0");
    let movie = c.episode_links(DS, EpisodeId::new(0, 1)).unwrap();
    assert_eq!(movie.len(), 2);
    assert_eq!(site.hits(&format!("/anime/stream/{DS}/filme/film-1")), 1);
}

#[test]
fn redirects_only_on_the_catalogue_and_not_back_to_it() {
    let site = fake_catalogue();
    let other = FakeServer::start();
    let c = catalogue(&site);
    let err = c
        .resolve_redirect(&format!("{}/redirect/5", other.url()))
        .unwrap_err();
    assert!(matches!(err, ProviderError::InvalidLink { .. }), "{err:?}");
    assert!(other.requests().is_empty());
    let err = c
        .resolve_redirect(&format!("{}/redirect/1", site.url()))
        .unwrap_err();
    assert!(matches!(err, ProviderError::Layout { .. }), "{err:?}");
}

#[test]
fn missing_series_is_not_found() {
    let site = fake_catalogue();
    let c = catalogue(&site);
    let err = c.series("no-such-series").unwrap_err();
    assert_eq!(
        err,
        ProviderError::NotFound {
            what: "series \"no-such-series\" on aniworld.to".into()
        }
    );
    let err = EpisodeSource::series(&c, "deactivated").unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::NotFound);
    // Unknown series sent to the start page are not found either.
    site.serve("/anime/stream/moved-away", FakeResponse::redirect("/"));
    site.serve(
        "/",
        FakeResponse::html("<html><body>Startseite</body></html>"),
    );
    let err = c.series("moved-away").unwrap_err();
    assert!(matches!(err, ProviderError::NotFound { .. }), "{err:?}");
    let err = c.episode_links(DS, EpisodeId::new(9, 9)).unwrap_err();
    assert!(matches!(err, ProviderError::NotFound { .. }));
    // Keys that are not slugs are refused without a request.
    let before = site.requests().len();
    assert!(c.series("../etc").is_err());
    assert_eq!(site.requests().len(), before);
}

#[test]
fn a_page_of_neither_engine_is_a_layout_error_naming_the_page_and_the_markers() {
    let site = fake_catalogue();
    let err = EpisodeSource::series(&catalogue(&site), "redesigned").unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Layout);
    assert!(
        err.message.contains("/anime/stream/redesigned"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("div.hosterSiteDirectNav") && err.message.contains("#season-nav"),
        "{}",
        err.message
    );
}

#[test]
fn a_v2_page_on_aniworld_paths_is_read_by_the_v2_engine() {
    let site = fake_catalogue();
    let c = catalogue(&site);
    let page = c.series("frieren").unwrap();
    assert_eq!(page.title, "Frieren – Beyond Journey's End");
    assert_eq!(page.seasons, vec![1, 2]);
    assert_eq!(
        c.monitor().engine("aniworld.to"),
        Some(aniworld_provider::catalogue::Engine::V2)
    );
}

#[test]
fn server_errors_are_retried_then_network() {
    let site = fake_catalogue();
    site.serve("/anime/stream/flaky", FakeResponse::status(503));
    let err = EpisodeSource::series(&catalogue(&site), "flaky").unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Network);
    assert_eq!(site.hits("/anime/stream/flaky"), 3);
}

#[test]
fn challenge_is_blocked_without_solver() {
    let site = FakeServer::start();
    site.serve(
        "/*",
        FakeResponse::html(fixture("ddos_guard_challenge.html")).with_status(403),
    );
    let c = catalogue(&site);
    let err = EpisodeSource::series(&c, DS).unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Blocked);
    assert!(err.message.contains("solver_url"), "{}", err.message);
    assert!(matches!(
        c.search("demon"),
        Err(ProviderError::Blocked { .. })
    ));
    assert_eq!(
        site.requests().len(),
        1,
        "no retries and no fallback search while blocked"
    );
}

#[test]
fn challenge_with_fake_flaresolverr() {
    let real = fake_catalogue();
    let real_url = real.url();
    // The guarded catalogue serves the real pages only to the solver's cookie and agent.
    let site = FakeServer::start();
    let proxy_base = real_url.clone();
    site.route("/*", move |req| {
        let ok = req
            .header("cookie")
            .is_some_and(|c| c.contains("__ddg9_=ok"))
            && req.header("user-agent") == Some("FlareBrowser/126");
        if !ok {
            return FakeResponse::html(fixture("ddos_guard_challenge.html")).with_status(403);
        }
        let body = ureq::get(&format!("{proxy_base}{}", req.path))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        FakeResponse::html(body)
    });
    let solver = FakeServer::start();
    let real_for_solver = real_url.clone();
    let site_url = site.url();
    solver.route_method("POST", "/v1", move |req| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        let url = body["url"].as_str().unwrap().to_string();
        let path = url.strip_prefix(&site_url).unwrap().to_string();
        let page = ureq::get(&format!("{real_for_solver}{path}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        FakeResponse::json(&serde_json::json!({
            "status": "ok",
            "message": "Challenge solved!",
            "solution": {
                "url": url, "status": 200, "headers": {}, "response": page,
                "cookies": [{"name": "__ddg9_", "value": "ok", "domain": "127.0.0.1"}],
                "userAgent": "FlareBrowser/126"
            }
        }))
    });
    let mut cfg = config(&site.url());
    cfg.solver_url = Some(format!("{}/v1", solver.url()));
    let c = Catalogue::with_options(&cfg, options()).unwrap();
    let s = EpisodeSource::series(&c, DS).unwrap();
    assert_eq!(s.episodes.len(), 3 + 5 * 26);
    assert_eq!(
        solver.hits("/v1"),
        1,
        "cookies are reused after the first solve"
    );
    let seasons = site
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/staffel-"))
        .collect::<Vec<_>>();
    assert_eq!(seasons.len(), 5);
    assert!(
        seasons
            .iter()
            .all(|r| r.header("cookie").unwrap().contains("__ddg9_=ok"))
    );
}

#[test]
fn dns_override_reaches_the_catalogue_by_name() {
    let site = fake_catalogue();
    let base = format!("http://catalogue.test:{}", site.addr().port());
    let mut cfg = config(&base);
    cfg.dns_overrides = BTreeMap::from([("catalogue.test".into(), "127.0.0.1".into())]);
    let c = Catalogue::with_options(&cfg, options()).unwrap();
    let page = c.series(AOT).unwrap();
    assert_eq!(page.title, "Attack on Titan");
    assert!(
        page.cover_url
            .unwrap()
            .starts_with("http://catalogue.test:")
    );
    assert_eq!(
        c.parse_series_link(&format!("{base}/anime/stream/{AOT}"))
            .unwrap(),
        AOT
    );
}

#[test]
fn series_links_are_checked_without_requests() {
    let site = fake_catalogue();
    let other = FakeServer::start();
    let c = catalogue(&site);
    let port = site.addr().port();
    assert_eq!(
        c.parse_series_link(&format!("http://127.0.0.1:{port}/anime/stream/{DS}/"))
            .unwrap(),
        DS
    );
    // Every URL family of the sites, with season and episode pages, gives the same key.
    for path in [
        format!("/anime/{DS}"),
        format!("/serie/{DS}"),
        format!("/serie/stream/{DS}"),
        format!("/anime/stream/{DS}/staffel-1"),
        format!("/serie/{DS}/staffel-2/episode-3"),
        format!("/anime/stream/{DS}/filme/film-1"),
    ] {
        assert_eq!(
            c.parse_series_link(&format!("http://127.0.0.1:{port}{path}"))
                .unwrap(),
            DS,
            "{path}"
        );
    }
    let refused = [
        format!("{}/anime/stream/{DS}", other.url()),
        format!("http://localhost:{port}/anime/stream/{DS}"),
        format!(
            "http://127.0.0.1:{}/anime/stream/{DS}",
            port.wrapping_add(1)
        ),
        format!("https://127.0.0.1:{port}/anime/stream/{DS}"),
        format!("http://user:pass@127.0.0.1:{port}/anime/stream/{DS}"),
        format!("http://127.0.0.1:{port}/anime/stream/{DS}/staffel-1/folge-1"),
        format!("http://127.0.0.1:{port}/redirect/2738955"),
        format!("http://127.0.0.1:{port}/serien/{DS}"),
        "javascript:alert(1)".to_string(),
        "not a link".to_string(),
    ];
    for link in refused {
        let err = c.parse_series_link(&link).unwrap_err();
        assert!(
            matches!(err, ProviderError::InvalidLink { .. }),
            "{link}: {err:?}"
        );
    }
    assert!(site.requests().is_empty());
    assert!(other.requests().is_empty());
}

#[test]
fn invalid_base_url_is_a_config_error() {
    for base in ["", "aniworld.to", "ftp://aniworld.to"] {
        assert!(matches!(
            Catalogue::new(&config(base)),
            Err(ProviderError::Config { .. })
        ));
    }
}
