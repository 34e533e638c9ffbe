//! The fake catalogue of aniworld-testkit against the real parsers: every page it generates for
//! each engine and site family parses to what the fake was configured with, so tests built on
//! the fake exercise the same shapes as the fixture pages.

use aniworld_core::{EpisodeId, Language};
use aniworld_provider::catalogue::v2;
use aniworld_provider::catalogue::{
    CatalogueUrls, parse_episode_page, parse_json_array, parse_season_page, parse_series_page,
    parse_series_search,
};
use aniworld_testkit::catalogue::{
    FAKE_USER, FakeCatalogue, FakeSeries, FakeSite, PlayOutcome, RawResponse, get,
};

const KEY: &str = "attack-on-titan";

fn fetch(url: &str) -> RawResponse {
    get(url, &[])
}

/// GETs `url`, following the site's own 301s (at most 3).
fn fetch_following(c: &FakeCatalogue, url: &str) -> (String, RawResponse) {
    let mut url = url.to_string();
    for _ in 0..3 {
        let r = fetch(&url);
        if r.status != 301 {
            return (url, r);
        }
        let location = r.header("location").expect("301 with a Location");
        url = format!("{}{location}", c.url());
    }
    panic!("too many redirects from {url}");
}

fn series() -> FakeSeries {
    FakeSeries::new(KEY, "Attack on Titan", &[(1, 3), (2, 2)])
        .year(2013)
        .movies(1)
        .episode_links(
            EpisodeId::new(2, 1),
            &[
                (Language::EnglishDub, "VOE"),
                (Language::EnglishDub, "Doodstream"),
            ],
        )
        .episode_links(
            EpisodeId::new(2, 2),
            &[
                (Language::GermanDub, "VOE"),
                (Language::GermanDub, "Filemoon"),
                (Language::EnglishSub, "VOE"),
                (Language::GermanSub, "Vidoza"),
            ],
        )
}

fn sites() -> Vec<(FakeSite, bool)> {
    vec![
        (FakeSite::legacy_aniworld(), false),
        (FakeSite::v2_aniworld(), true),
        (FakeSite::v2_aniworld().short_anime_paths(false), true),
        (FakeSite::v2_sto(), true),
    ]
}

fn urls_for(c: &FakeCatalogue) -> CatalogueUrls {
    match c.site().family {
        aniworld_testkit::catalogue::Family::Aniworld => CatalogueUrls::new(&c.url()).unwrap(),
        aniworld_testkit::catalogue::Family::Sto => {
            CatalogueUrls::for_site("s.to", &c.url(), &[]).unwrap()
        }
    }
}

#[test]
fn generated_pages_parse_with_the_parsers_of_their_engine() {
    for (site, is_v2) in sites() {
        let c = FakeCatalogue::start_with(site);
        c.add(series());
        c.hoster_target(|t| {
            format!(
                "https://{}.test/e/{}/{}",
                t.hoster.to_lowercase(),
                t.code(),
                t.language_tag()
            )
        });
        let urls = urls_for(&c);
        let what = format!("{site:?}");

        // Series page, requested where a client would (following the site's 301).
        let (url, page) = fetch_following(&c, &urls.series(KEY));
        assert_eq!(page.status, 200, "{what}");
        assert_eq!(url, c.series_url(KEY), "{what}");
        assert_eq!(v2::is_v2(&page.body), is_v2, "{what}");
        let p = if is_v2 {
            v2::parse_series_page(&page.body, &url, KEY, &urls)
        } else {
            parse_series_page(&page.body, &url, KEY, &urls)
        }
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(p.title, "Attack on Titan", "{what}");
        assert_eq!(
            (p.start_year, p.end_year),
            (Some(2013), Some(2014)),
            "{what}"
        );
        assert_eq!(p.seasons, vec![1, 2], "{what}");
        assert!(p.has_movies, "{what}");
        assert_eq!(p.fsk, Some(12), "{what}");
        assert_eq!(p.imdb_id.as_deref(), Some("tt0000001"), "{what}");
        assert_eq!(
            p.description.as_deref(),
            Some("Attack on Titan & friends – die ganze Geschichte."),
            "{what}"
        );
        assert!(
            p.cover_url.as_deref().is_some_and(|c| c.contains(KEY)),
            "{what}: {:?}",
            p.cover_url
        );
        if is_v2 {
            assert_eq!(p.genres, vec!["Action", "Abenteuer"], "{what}");
        }

        // Season and movies pages.
        for (season, count) in [(1, 3), (2, 2), (0, 1)] {
            let (url, page) = fetch_following(&c, &urls.season(KEY, season));
            assert_eq!(page.status, 200, "{what} season {season}");
            let eps = if is_v2 {
                v2::parse_season_page(&page.body, &url, KEY, season)
            } else {
                parse_season_page(&page.body, &url, KEY, season)
            }
            .unwrap_or_else(|e| panic!("{what} season {season}: {e}"));
            assert_eq!(
                eps.iter().map(|e| e.id).collect::<Vec<_>>(),
                (1..=count)
                    .map(|e| EpisodeId::new(season, e))
                    .collect::<Vec<_>>(),
                "{what} season {season}"
            );
            assert_eq!(eps[0].title_de.as_deref(), Some("Folge 1 & mehr"));
            assert_eq!(eps[0].title_en.as_deref(), Some("Episode 1"));
        }

        // Episode pages: every configured link, with its language, hoster and play URL, and
        // each play URL redirects to the configured hoster target.
        let cases: [(EpisodeId, Vec<(Language, &str)>); 4] = [
            (
                EpisodeId::new(1, 1),
                vec![(Language::GermanDub, "VOE"), (Language::GermanSub, "VOE")],
            ),
            (
                EpisodeId::new(2, 1),
                vec![
                    (Language::EnglishDub, "VOE"),
                    (Language::EnglishDub, "Doodstream"),
                ],
            ),
            (
                EpisodeId::new(2, 2),
                vec![
                    (Language::GermanDub, "VOE"),
                    (Language::GermanDub, "Filemoon"),
                    (Language::EnglishSub, "VOE"),
                    (Language::GermanSub, "Vidoza"),
                ],
            ),
            (
                EpisodeId::new(0, 1),
                vec![(Language::GermanDub, "VOE"), (Language::GermanSub, "VOE")],
            ),
        ];
        for (id, expected) in cases {
            let (url, page) = fetch_following(&c, &urls.episode(KEY, id));
            assert_eq!(page.status, 200, "{what} {id}");
            let links = if is_v2 {
                v2::parse_episode_page(&page.body, &url, "e", &urls)
            } else {
                parse_episode_page(&page.body, &url, "e", &urls)
            }
            .unwrap_or_else(|e| panic!("{what} {id}: {e}"));
            assert_eq!(
                links
                    .iter()
                    .map(|l| (l.language, l.hoster.as_str()))
                    .collect::<Vec<_>>(),
                expected,
                "{what} {id}"
            );
            assert_eq!(v2::redirect_gate(&page.body), None, "{what} {id}");
            for l in &links {
                assert!(l.redirect_url.starts_with(&c.url()), "{}", l.redirect_url);
                let answer = fetch(&l.redirect_url);
                assert_eq!(answer.status, 302, "{what} {id} {}", l.redirect_url);
                let tag = match l.language {
                    Language::GermanDub => "ger-dub",
                    Language::GermanSub => "ger-sub",
                    Language::EnglishSub => "eng-sub",
                    Language::EnglishDub => "eng-dub",
                };
                let expected = format!(
                    "https://{}.test/e/{KEY}-s{}e{}/{tag}",
                    l.hoster.to_lowercase(),
                    id.season,
                    id.episode
                );
                assert_eq!(answer.header("location"), Some(expected.as_str()), "{what}");
            }
        }

        // Not found.
        let (url, missing) = fetch_following(&c, &urls.series("no-such-series"));
        assert_eq!(missing.status, 404, "{what}");
        let err = if is_v2 {
            v2::parse_series_page(&missing.body, &url, "no-such-series", &urls)
        } else {
            parse_series_page(&missing.body, &url, "no-such-series", &urls)
        }
        .unwrap_err();
        assert!(
            matches!(err, aniworld_provider::ProviderError::NotFound { .. }),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn v2_searches_parse() {
    for site in [FakeSite::v2_aniworld(), FakeSite::v2_sto()] {
        let c = FakeCatalogue::start_with(site);
        for (k, t) in [
            ("a-titan", "A Titan"),
            ("b-titan", "B & Titan"),
            ("c-titan", "C Titan"),
            ("other", "Other"),
        ] {
            c.add(FakeSeries::new(k, t, &[(1, 1)]));
        }
        let urls = urls_for(&c);
        let suggest = fetch(&format!("{}/api/search/suggest?term=titan", c.url()));
        let hits = v2::parse_suggest(&suggest.body, &urls).unwrap();
        assert_eq!(
            hits.iter()
                .map(|h| (h.key.as_str(), h.name.as_str()))
                .collect::<Vec<_>>(),
            vec![
                ("a-titan", "A Titan"),
                ("b-titan", "B & Titan"),
                ("c-titan", "C Titan")
            ]
        );
        assert_eq!(hits[0].link, urls.series("a-titan"));

        // /suche, following rel=next.
        let mut url = format!("{}/suche?term=titan", c.url());
        let mut keys = Vec::new();
        let mut pages = 0;
        loop {
            pages += 1;
            let page = fetch(&url);
            let (hits, next) = v2::parse_search_page(&page.body, &url, &urls).unwrap();
            keys.extend(hits.into_iter().map(|h| h.key));
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        assert_eq!(pages, 2);
        assert_eq!(keys, vec!["a-titan", "b-titan", "c-titan"]);

        c.suggest_gone(true);
        let gone = fetch(&format!("{}/api/search/suggest?term=titan", c.url()));
        assert_eq!(gone.status, 404);
        assert_eq!(v2::parse_suggest(&gone.body, &urls), None);
        assert!(v2::is_v2(&gone.body));
    }
}

#[test]
fn legacy_series_search_parses() {
    let c = FakeCatalogue::start();
    c.add(FakeSeries::new(KEY, "Attack on Titan", &[(1, 1)]).year(2013));
    let answer = fetch(&format!("{}/ajax/seriesSearch?keyword=titan", c.url()));
    let hits = parse_series_search(
        &parse_json_array(&answer.body).unwrap(),
        &CatalogueUrls::new(&c.url()).unwrap(),
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].key, KEY);
    assert_eq!(hits[0].year, Some(2013));
}

#[test]
fn expired_tokens_gate_and_session_as_the_parsers_see_them() {
    let c = FakeCatalogue::start_with(FakeSite::v2_sto());
    c.add(series());
    c.hoster_base("http://127.0.0.1:9/voe");
    let urls = urls_for(&c);
    let episode = urls.episode(KEY, EpisodeId::new(1, 1));
    let links = |body: &str| v2::parse_episode_page(body, &episode, "e", &urls).unwrap();

    // Expired first token, fresh second one.
    c.expire_first_tokens(true);
    let first = links(&fetch(&episode).body);
    assert_eq!(fetch(&first[0].redirect_url).status, 419);
    let second = links(&fetch(&episode).body);
    let ok = fetch(&second[0].redirect_url);
    assert_eq!(ok.status, 302);
    assert_eq!(
        ok.header("location"),
        Some(format!("http://127.0.0.1:9/voe/e/{KEY}-s1e1").as_str())
    );
    assert_eq!(c.episode_page_hits(KEY, EpisodeId::new(1, 1)), 2);
    c.expire_first_tokens(false);

    // The wall: the play link answers the interstitial, the episode page carries the markers
    // and still lists its links.
    c.gate_after(0);
    let walled = fetch(&second[1].redirect_url);
    assert_eq!(walled.status, 200);
    let markers = v2::redirect_gate(&walled.body).unwrap();
    assert!(markers.contains("ALTCHA widget"), "{markers}");
    let page = fetch(&episode).body;
    assert!(v2::redirect_gate(&page).is_some());
    assert_eq!(links(&page).len(), 2);
    assert_eq!(
        c.play_requests().last().map(|r| r.outcome.clone()),
        Some(PlayOutcome::Gate)
    );
    c.lift_gate();

    // Session: anonymous episode requests get the sign-in page.
    c.require_cookie("laravel_session=abc");
    let anonymous = fetch(&episode);
    let m = v2::session_markers(&anonymous.body);
    assert!(m.login_form && !m.logged_in);
    assert!(matches!(
        v2::parse_episode_page(&anonymous.body, &episode, "e", &urls),
        Err(aniworld_provider::ProviderError::Layout { .. })
    ));
    let signed_in = get(&episode, &[("Cookie", "laravel_session=abc")]);
    let m = v2::session_markers(&signed_in.body);
    assert!(m.logged_in && !m.login_form);
    assert!(signed_in.body.contains(&format!("/user/{FAKE_USER}")));
    assert_eq!(links(&signed_in.body).len(), 2);
}

#[test]
fn unknown_layout_is_neither_engine() {
    let c = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    c.add(series().unknown_layout());
    let urls = urls_for(&c);
    let (url, page) = fetch_following(&c, &urls.series(KEY));
    assert_eq!(page.status, 200);
    assert!(!v2::is_v2(&page.body));
    assert!(matches!(
        v2::parse_series_page(&page.body, &url, KEY, &urls),
        Err(aniworld_provider::ProviderError::Layout { .. })
    ));
    assert!(matches!(
        parse_series_page(&page.body, &url, KEY, &urls),
        Err(aniworld_provider::ProviderError::Layout { .. })
    ));
}
