//! The TMDB client against a fake TMDB on 127.0.0.1: authentication kinds, typed errors,
//! 429 retries, language fallback and matching.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aniworld_metadata::matching::find_series;
use aniworld_metadata::{MatchConfidence, MatchQuery, MetadataError, TmdbClient};
use aniworld_testkit::FakeResponse;
use common::{FakeTmdb, Show, TOKEN};

fn fake() -> FakeTmdb {
    let mut jp = Show::new(82684, "Goblin Slayer", "2018-10-07");
    jp.overview_de = String::new();
    let mut other = Show::new(500, "Goblin Slayer Recap", "2018-12-01");
    other.imdb_id = None;
    let mut de_only = Show::new(77, "Angriff der Titanen", "2013-04-07");
    de_only.name_en = "Attack on Titan".into();
    de_only.original_name = "進撃の巨人".into();
    FakeTmdb::start(vec![other, jp, de_only])
}

#[test]
fn api_key_goes_in_the_query_and_token_in_the_header() {
    let f = fake();
    let c = TmdbClient::new(f.settings());
    c.search_tv("Goblin", None, "de-DE").unwrap();
    let r = &f.api_requests("/3/search/tv")[0];
    assert_eq!(r.query_param("api_key").as_deref(), Some(common::KEY));
    assert_eq!(r.header("authorization"), None);

    f.api.clear_requests();
    let c = TmdbClient::new(f.settings_with(Some(TOKEN)));
    let d = c.tv_details(82684).unwrap();
    assert_eq!(d.id, 82684);
    let r = &f.api_requests("/3/tv/82684")[0];
    assert_eq!(r.query_param("api_key"), None);
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        r.query_param("append_to_response").as_deref(),
        Some("credits,external_ids,images,content_ratings,keywords")
    );
    assert_eq!(
        r.query_param("include_image_language").as_deref(),
        Some("de,null,en")
    );
}

#[test]
fn refused_key_is_unauthorized_and_unavailable() {
    let f = fake();
    let c = TmdbClient::new(f.settings_with(Some("wrong")));
    let e = c.tv_details(82684).unwrap_err();
    match &e {
        MetadataError::Unauthorized { message, url } => {
            assert!(message.contains("Invalid API key"));
            assert!(
                !url.contains("wrong"),
                "the key must not leak into errors: {url}"
            );
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert!(e.is_unavailable());
    assert!(e.to_string().contains("TMDB refused the API key"));
}

#[test]
fn unknown_series_is_not_found() {
    let f = fake();
    let c = TmdbClient::new(f.settings());
    let e = c.tv_details(999_999).unwrap_err();
    assert!(matches!(e, MetadataError::NotFound { .. }), "{e:?}");
    assert!(!e.is_unavailable());
}

#[test]
fn rate_limit_is_retried_with_retry_after() {
    let f = fake();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    f.api.route("/3/tv/1", move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < 2 {
            FakeResponse::json(&serde_json::json!({"status_code": 25, "status_message": "limit"}))
                .with_status(429)
                .header("Retry-After", "0")
        } else {
            FakeResponse::json(&serde_json::json!({"id": 1, "name": "Late", "overview": "x"}))
        }
    });
    let c = TmdbClient::new(f.settings());
    let d = c.tv_details(1).unwrap();
    assert_eq!(d.name, "Late");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn endless_rate_limit_gives_up() {
    let f = fake();
    f.api.serve(
        "/3/tv/2",
        FakeResponse::status(429).header("Retry-After", "0"),
    );
    let c = TmdbClient::new(f.settings());
    match c.tv_details(2) {
        Err(MetadataError::RateLimited { attempts, .. }) => assert_eq!(attempts, 4),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(f.api.hits("/3/tv/2"), 4);
}

#[test]
fn server_errors_and_unreachable_hosts_are_typed() {
    let f = fake();
    f.api.serve("/3/tv/3", FakeResponse::status(503));
    let c = TmdbClient::new(f.settings());
    let e = c.tv_details(3).unwrap_err();
    assert!(
        matches!(e, MetadataError::Http { status: 503, .. }),
        "{e:?}"
    );
    assert!(e.is_unavailable());

    let dead = {
        let s = aniworld_testkit::FakeServer::start();
        s.url()
    };
    let mut settings = f.settings();
    settings.api_url = format!("{dead}/3");
    let e = TmdbClient::new(settings).tv_details(1).unwrap_err();
    assert!(matches!(e, MetadataError::Network { .. }), "{e:?}");
    assert!(e.is_unavailable());
}

#[test]
fn english_fills_empty_german_overview() {
    let f = fake();
    let c = TmdbClient::new(f.settings());
    let d = c.tv_details(82684).unwrap();
    assert_eq!(d.overview, "English overview of Goblin Slayer.");
    assert_eq!(d.credits.cast.len(), 2);
    assert_eq!(d.external_ids.imdb_id.as_deref(), Some("tt0082684"));
    let langs: Vec<_> = f
        .api_requests("/3/tv/82684")
        .iter()
        .map(|r| r.query_param("language").unwrap_or_default())
        .collect();
    assert_eq!(langs, ["de-DE", "en-US"]);

    f.api.clear_requests();
    let s = c.season(82684, 1).unwrap();
    assert_eq!(s.episodes.len(), 3);
    assert_eq!(s.episodes[0].name, "Episode 1");
    assert_eq!(s.episodes[1].name, "Folge 2: Der Weg");
    assert_eq!(s.episodes[1].overview, "English plot 2.");
}

#[test]
fn matching_prefers_imdb_then_exact_title_and_year() {
    let f = fake();
    let c = TmdbClient::new(f.settings());

    let m = find_series(
        &c,
        &MatchQuery {
            name: "whatever".into(),
            imdb_id: Some("tt0082684".into()),
            ..MatchQuery::default()
        },
    )
    .unwrap();
    assert_eq!((m.tmdb_id, m.confidence), (82684, MatchConfidence::ExactId));
    assert_eq!(f.api_requests("/3/search").len(), 0);

    let m = find_series(
        &c,
        &MatchQuery {
            name: "goblin slayer".into(),
            year: Some(2018),
            ..MatchQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        (m.tmdb_id, m.confidence),
        (82684, MatchConfidence::ExactTitleYear)
    );

    let m = find_series(
        &c,
        &MatchQuery {
            name: "Goblin".into(),
            ..MatchQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        (m.tmdb_id, m.confidence),
        (500, MatchConfidence::FirstResult)
    );

    // Not found in German: the English search finds it.
    f.api.clear_requests();
    let m = find_series(
        &c,
        &MatchQuery {
            name: "Attack on Titan".into(),
            year: Some(2013),
            ..MatchQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        (m.tmdb_id, m.confidence),
        (77, MatchConfidence::ExactTitleYear)
    );
    let langs: Vec<_> = f
        .api_requests("/3/search/tv")
        .iter()
        .map(|r| {
            (
                r.query_param("language").unwrap(),
                r.query_param("first_air_date_year"),
            )
        })
        .collect();
    assert_eq!(
        langs,
        [
            ("de-DE".to_string(), Some("2013".to_string())),
            ("de-DE".to_string(), None),
            ("en-US".to_string(), Some("2013".to_string())),
        ]
    );

    let m = find_series(
        &c,
        &MatchQuery {
            name: "Whatever".into(),
            tmdb_id: Some(4242),
            imdb_id: Some("tt0082684".into()),
            ..MatchQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        (m.tmdb_id, m.confidence),
        (4242, MatchConfidence::ExplicitId)
    );

    let e = find_series(
        &c,
        &MatchQuery {
            name: "Nothing Like This".into(),
            ..MatchQuery::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, MetadataError::NotFound { .. }));
}
