//! The fake catalogue's behaviour over HTTP (the pages' parsing by the real parsers is tested
//! in `crates/provider/tests/catalogue_fake_engines.rs`).

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::routes::{PageKind, parse_rest};
use super::*;

fn series() -> FakeSeries {
    FakeSeries::new("attack-on-titan", "Attack on Titan", &[(1, 3), (2, 2)])
        .year(2013)
        .movies(1)
}

fn fetch(c: &FakeCatalogue, path: &str) -> RawResponse {
    get(&format!("{}{path}", c.url()), &[])
}

/// The first `/r?t=…` or `/redirect/…` play URL of a page.
fn play_urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["data-play-url=\"", "data-link-target=\""] {
        for part in html.split(marker).skip(1) {
            let url = part.split('"').next().unwrap_or_default();
            if url != "/r?t=placeholder" {
                out.push(url.replace("&amp;", "&"));
            }
        }
    }
    out
}

#[test]
fn parses_site_paths() {
    use PageKind::*;
    let p = |r: &str| parse_rest(r);
    assert_eq!(p("x"), ("x".into(), Series));
    assert_eq!(p("x/"), ("x".into(), Series));
    assert_eq!(p("x/staffel-2"), ("x".into(), Season(2)));
    assert_eq!(p("x/filme"), ("x".into(), Season(0)));
    assert_eq!(
        p("x/staffel-2/episode-3"),
        ("x".into(), Episode(EpisodeId::new(2, 3)))
    );
    assert_eq!(
        p("x/filme/film-1"),
        ("x".into(), Episode(EpisodeId::new(0, 1)))
    );
    assert_eq!(p("x/staffel-0/episode-1").1, Other);
    assert_eq!(p("x/folge-1").1, Other);
    assert_eq!(p("x/staffel-1/episode-1/y").1, Other);
}

#[test]
fn tokens_look_like_laravel_ones() {
    let t = laravel_token(7);
    let json = base64::engine::general_purpose::STANDARD
        .decode(&t)
        .unwrap();
    let v: Value = serde_json::from_slice(&json).unwrap();
    for field in ["iv", "value", "mac", "tag"] {
        assert!(v.get(field).is_some(), "{field}");
    }
    assert_ne!(laravel_token(8), t);
    assert_eq!(url_encode("a+b/c="), "a%2Bb%2Fc%3D");
}

#[test]
fn legacy_site_serves_the_old_shapes() {
    let c = FakeCatalogue::start();
    c.add(series());
    assert_eq!(
        c.link("attack-on-titan"),
        format!("{}/anime/stream/attack-on-titan", c.url())
    );
    let page = fetch(&c, "/anime/stream/attack-on-titan");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("hosterSiteDirectNav"));
    assert!(page.body.contains("/anime/stream/attack-on-titan/filme"));
    assert_eq!(c.series_page_hits("attack-on-titan"), 1);
    let missing = fetch(&c, "/anime/stream/nope");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("messageAlert danger"));
    assert_eq!(
        fetch(&c, "/anime/stream/attack-on-titan/staffel-9").status,
        404
    );
    assert_eq!(fetch(&c, "/api/search/suggest?term=x").status, 404);
    assert_eq!(fetch(&c, "/anime/attack-on-titan").status, 404);
    let search = fetch(&c, "/ajax/seriesSearch?keyword=titan");
    assert!(
        search.body.contains("\"link\":\"attack-on-titan\""),
        "{}",
        search.body
    );
}

#[test]
fn legacy_play_links_redirect_to_the_hoster() {
    let c = FakeCatalogue::start();
    c.add(series().links(&[
        (Language::GermanDub, "VOE"),
        (Language::EnglishDub, "Doodstream"),
    ]));
    c.hoster_base("http://127.0.0.1:9/voe");
    let page = fetch(&c, "/anime/stream/attack-on-titan/staffel-1/episode-2");
    assert_eq!(page.status, 200);
    let urls = play_urls(&page.body);
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert!(urls[0].starts_with("/redirect/"));
    let first = fetch(&c, &urls[0]);
    assert_eq!(first.status, 302);
    assert_eq!(
        first.header("location"),
        Some("http://127.0.0.1:9/voe/e/attack-on-titan-s1e2")
    );
    // Ids are stable: a second fetch of the page lists the same links.
    let again = fetch(&c, "/anime/stream/attack-on-titan/staffel-1/episode-2");
    assert_eq!(play_urls(&again.body), urls);
    assert_eq!(
        c.episode_page_hits("attack-on-titan", EpisodeId::new(1, 2)),
        2
    );
    assert_eq!(fetch(&c, "/redirect/1").status, 404);
    let reqs = c.play_requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].outcome, PlayOutcome::Unknown);
}

#[test]
fn v2_aniworld_redirects_old_paths_to_short_ones() {
    let c = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    c.add(series());
    let moved = fetch(&c, "/anime/stream/attack-on-titan/staffel-2?x=1");
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.header("location"),
        Some("/anime/attack-on-titan/staffel-2?x=1")
    );
    assert_eq!(
        c.series_url("attack-on-titan"),
        format!("{}/anime/attack-on-titan", c.url())
    );
    let page = fetch(&c, "/anime/attack-on-titan");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"season-nav\""));
    assert!(
        page.body
            .contains("href=\"/anime/attack-on-titan/staffel-2\"")
    );
    assert!(page.body.contains("title=\"Alle Filme\""));
    assert_eq!(
        c.series_page_hits("attack-on-titan"),
        1,
        "the 301 is not counted"
    );
    let missing = fetch(&c, "/anime/nope");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains(">404<"));
}

#[test]
fn sto_redirects_stream_paths() {
    let c = FakeCatalogue::start_with(FakeSite::v2_sto());
    c.add(series());
    assert_eq!(
        c.link("attack-on-titan"),
        format!("{}/serie/attack-on-titan", c.url())
    );
    let moved = fetch(&c, "/serie/stream/attack-on-titan");
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), Some("/serie/attack-on-titan"));
    let page = fetch(&c, "/serie/attack-on-titan");
    assert!(
        page.body
            .contains("data-season-pill=\"0\" href=\"/serie/attack-on-titan/filme\"")
    );
    assert_eq!(
        fetch(&c, "/ajax/search").status,
        404,
        "no AJAX search on v2"
    );
}

#[test]
fn v2_search_endpoints() {
    let c = FakeCatalogue::start_with(FakeSite::v2_sto());
    for (k, t) in [
        ("a-titan", "A Titan"),
        ("b-titan", "B Titan"),
        ("c-titan", "C Titan"),
        ("x", "Other"),
    ] {
        c.add(FakeSeries::new(k, t, &[(1, 1)]));
    }
    let suggest = fetch(&c, "/api/search/suggest?term=titan");
    let v: Value = serde_json::from_str(&suggest.body).unwrap();
    assert_eq!(v["shows"].as_array().unwrap().len(), 3);
    assert_eq!(v["shows"][0]["name"], "A <em>Titan</em>");
    assert_eq!(v["shows"][0]["url"], "/serie/a-titan");
    assert!(v["people"].is_array() && v["genres"].is_array());
    let p1 = fetch(&c, "/suche?term=titan");
    assert!(
        p1.body
            .contains("href=\"/suche?term=titan&amp;page=2\" rel=\"next\"")
    );
    let p2 = fetch(&c, "/suche?term=titan&page=2");
    assert!(p2.body.contains("/serie/c-titan"));
    assert!(!p2.body.contains("rel=\"next\""));
    c.suggest_gone(true);
    let gone = fetch(&c, "/api/search/suggest?term=titan");
    assert_eq!(gone.status, 404);
    assert!(gone.body.contains("<html"));
}

#[test]
fn v2_tokens_expire_on_the_first_fetch_only() {
    let c = FakeCatalogue::start_with(FakeSite::v2_sto());
    c.add(series());
    c.expire_first_tokens(true);
    let path = "/serie/attack-on-titan/staffel-1/episode-1";
    let first = play_urls(&fetch(&c, path).body);
    assert_eq!(
        first.len(),
        2,
        "German Dub VOE and German Sub VOE by default"
    );
    let token = first[0].strip_prefix("/r?t=").expect("a v2 play link");
    assert!(
        token.starts_with("eyJ") && !token.contains(['+', '/', '=']),
        "URL-encoded base64 JSON: {token}"
    );
    assert_eq!(fetch(&c, &first[0]).status, 419);
    let second = play_urls(&fetch(&c, path).body);
    assert_ne!(first, second, "fresh tokens on every fetch");
    let ok = fetch(&c, &second[1]);
    assert_eq!(ok.status, 302);
    assert_eq!(
        ok.header("location"),
        Some("https://voe.example/e/attack-on-titan-s1e1-ger-sub")
    );
    assert_eq!(
        c.episode_page_hits("attack-on-titan", EpisodeId::new(1, 1)),
        2
    );
    let outcomes: Vec<PlayOutcome> = c.play_requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            PlayOutcome::Expired,
            PlayOutcome::Redirect("https://voe.example/e/attack-on-titan-s1e1-ger-sub".into())
        ]
    );
    c.expired_status(403);
    let third = play_urls(&fetch(&c, "/serie/attack-on-titan/staffel-1/episode-2").body);
    assert_eq!(fetch(&c, &third[0]).status, 403);
    assert_eq!(fetch(&c, "/r?t=bogus").status, 403);
}

#[test]
fn gate_goes_up_after_n_redirects_and_lifts() {
    let c = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    c.add(series());
    c.gate_after(2);
    let path = "/anime/attack-on-titan/staffel-1/episode-1";
    let urls = play_urls(&fetch(&c, path).body);
    assert_eq!(fetch(&c, &urls[0]).status, 302);
    assert!(!c.gate_active());
    assert_eq!(fetch(&c, &urls[1]).status, 302);
    assert!(c.gate_active());
    let walled = fetch(&c, &urls[0]);
    assert_eq!(walled.status, 200);
    assert!(walled.body.contains("Stream wird vorbereitet"));
    assert!(walled.body.contains("player-prepare-form"));
    let page = fetch(&c, path);
    assert!(page.body.contains("episode-redirect-gate-root"));
    c.lift_gate();
    assert!(!fetch(&c, path).body.contains("episode-redirect-gate-root"));
    assert_eq!(fetch(&c, &urls[0]).status, 302);
    // Timed wall, answered with 403.
    c.gate_status(403);
    c.gate_lifts_after(Duration::from_millis(300));
    c.gate_after(0);
    assert_eq!(fetch(&c, &urls[0]).status, 403);
    std::thread::sleep(Duration::from_millis(400));
    assert!(!c.gate_active());
    assert_eq!(fetch(&c, &urls[0]).status, 302);
    let reqs = c.play_requests();
    assert!(reqs.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(
        reqs.iter()
            .filter(|r| r.outcome == PlayOutcome::Gate)
            .count(),
        2
    );
}

#[test]
fn session_cookie_gates_episode_pages() {
    let c = FakeCatalogue::start_with(FakeSite::v2_sto());
    c.add(series());
    c.require_cookie("laravel_session=abc; remember_token=xyz");
    let url = format!("{}/serie/attack-on-titan/staffel-1/episode-1", c.url());
    let anonymous = get(&url, &[]);
    assert_eq!(anonymous.status, 200);
    assert!(anonymous.body.contains("action=\"/login\""));
    assert!(!anonymous.body.contains("episode-links"));
    let partial = get(&url, &[("Cookie", "laravel_session=abc")]);
    assert!(!partial.body.contains("episode-links"));
    let signed_in = get(
        &url,
        &[(
            "Cookie",
            "theme=dark; laravel_session=abc; remember_token=xyz",
        )],
    );
    assert!(signed_in.body.contains("id=\"episode-links\""));
    assert!(signed_in.body.contains("action=\"/logout\""));
    assert!(signed_in.body.contains("href=\"/user/fake-user\""));
    let series_page = get(&format!("{}/serie/attack-on-titan", c.url()), &[]);
    assert_eq!(series_page.status, 200, "other pages are served to anyone");
    assert!(!series_page.body.contains("/logout"));
    let cookies = c.cookies();
    assert_eq!(cookies.len(), 4);
    assert_eq!(cookies[0].1, None);
    assert_eq!(cookies[1].1.as_deref(), Some("laravel_session=abc"));
    let login = fetch(&c, "/login");
    assert!(login.body.contains("type=\"password\""));
}

#[test]
fn unknown_layout_overrides_and_holds() {
    let c = FakeCatalogue::start_with(FakeSite::v2_sto());
    c.add(series().unknown_layout());
    c.add(FakeSeries::new("other", "Other", &[(1, 1)]));
    let page = fetch(&c, "/serie/attack-on-titan/staffel-1");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("__next") && !page.body.contains("season-nav"));
    c.override_series("other", |_| {
        FakeResponse::html(CHALLENGE_PAGE).with_status(403)
    });
    assert_eq!(fetch(&c, "/serie/other").status, 403);
    let gate = c.hold_series_pages();
    let url = format!("{}/serie/other/staffel-1", c.url());
    assert_eq!(get(&url, &[]).status, 403, "sub-pages are not held");
    let held = {
        let url = format!("{}/serie/other", c.url());
        std::thread::spawn(move || get(&url, &[]).status)
    };
    std::thread::sleep(Duration::from_millis(100));
    assert!(!held.is_finished());
    gate.open();
    assert_eq!(held.join().unwrap(), 403);
}
