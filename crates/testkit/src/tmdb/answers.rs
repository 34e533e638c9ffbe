//! The JSON bodies of the fake TMDB, shaped like the real v3 API (tmdb-nfo-reference.md):
//! search results, series details with `append_to_response` parts, seasons and error answers.

use serde_json::{Value, json};

use super::{KEY, Show, TOKEN};
use crate::{FakeResponse, RecordedRequest};

/// The 401 answer when the request carries neither the v3 key nor the Bearer token.
pub(super) fn check_auth(req: &RecordedRequest) -> Option<FakeResponse> {
    let by_key = req.query_param("api_key").as_deref() == Some(KEY);
    let by_token = req.header("authorization") == Some(&format!("Bearer {TOKEN}"));
    let ok = (by_key || by_token) && req.header("accept") == Some("application/json");
    (!ok).then(|| {
        FakeResponse::json(&json!({
            "success": false, "status_code": 7,
            "status_message": "Invalid API key: You must be granted a valid key."
        }))
        .with_status(401)
    })
}

/// The 404 answer of an unknown series or season.
pub(super) fn not_found() -> FakeResponse {
    FakeResponse::json(&json!({
        "success": false, "status_code": 34,
        "status_message": "The resource you requested could not be found."
    }))
    .with_status(404)
}

/// One entry of `search/tv` or `find` results.
pub(super) fn search_item(s: &Show, en: bool) -> Value {
    json!({
        "adult": false,
        "backdrop_path": format!("/{}-fanart.jpg", s.id),
        "genre_ids": [16, 10759],
        "id": s.id,
        "origin_country": ["JP"],
        "original_language": "ja",
        "original_name": s.original_name,
        "overview": if en { &s.overview_en } else { &s.overview_de },
        "popularity": 42.5,
        "poster_path": format!("/{}-poster.jpg", s.id),
        "first_air_date": s.first_air_date,
        "name": if en { &s.name_en } else { &s.name_de },
        "vote_average": 8.1,
        "vote_count": 1234
    })
}

/// `tv/{id}` with the parts `append_to_response` asks for.
pub(super) fn details(s: &Show, en: bool, req: &RecordedRequest) -> Value {
    let id = s.id;
    let mut v = json!({
        "adult": false,
        "backdrop_path": format!("/{id}-fanart.jpg"),
        "created_by": [{"id": 1, "credit_id": "abc", "name": "Kumo Kagyu", "gender": 1, "profile_path": null}],
        "episode_run_time": [],
        "first_air_date": s.first_air_date,
        "genres": [{"id": 16, "name": "Animation"}, {"id": 10759, "name": "Action & Adventure"}],
        "homepage": "",
        "id": id,
        "in_production": true,
        "languages": ["ja"],
        "last_air_date": "2023-12-22",
        "last_episode_to_air": {"id": 99, "name": "Letzte", "overview": "", "vote_average": 0.0, "vote_count": 0,
            "air_date": "2023-12-22", "episode_number": 12, "episode_type": "finale", "production_code": "",
            "runtime": 24, "season_number": 1, "show_id": id, "still_path": null},
        "name": if en { &s.name_en } else { &s.name_de },
        "next_episode_to_air": null,
        "networks": [{"id": 614, "logo_path": "/x.png", "name": "AT-X", "origin_country": "JP"}],
        "number_of_episodes": 3,
        "number_of_seasons": 1,
        "origin_country": ["JP"],
        "original_language": "ja",
        "original_name": s.original_name,
        "overview": if en { &s.overview_en } else { &s.overview_de },
        "popularity": 42.5,
        "poster_path": format!("/{id}-poster.jpg"),
        "production_companies": [{"id": 5, "logo_path": null, "name": "White Fox", "origin_country": "JP"}],
        "seasons": s.seasons.iter().map(|(n, name, poster, count)| json!({
            "air_date": "2018-10-07", "episode_count": count, "id": id * 100 + u64::from(*n),
            "name": name, "overview": "", "poster_path": if *poster { Value::from(format!("/{id}-season{n}.jpg")) } else { Value::Null },
            "season_number": n, "vote_average": 7.5
        })).collect::<Vec<_>>(),
        "spoken_languages": [{"english_name": "Japanese", "iso_639_1": "ja", "name": "日本語"}],
        "status": s.status,
        "tagline": "",
        "type": "Scripted",
        "vote_average": 7.9,
        "vote_count": 1350
    });
    let append = req.query_param("append_to_response").unwrap_or_default();
    let obj = v.as_object_mut().unwrap();
    if append.contains("credits") {
        obj.insert("credits".into(), json!({"id": id, "cast": [
            {"adult": false, "gender": 2, "id": 10, "known_for_department": "Acting", "name": "Yūichirō Umehara",
             "original_name": "梅原裕一郎", "popularity": 5.0, "profile_path": "/actor1.jpg", "character": "Goblin Slayer",
             "credit_id": "c1", "order": 0},
            {"adult": false, "gender": 1, "id": 11, "known_for_department": "Acting", "name": "Yui Ogura",
             "original_name": "小倉唯", "popularity": 4.0, "profile_path": null, "character": "Priestess",
             "credit_id": "c2", "order": 1}
        ], "crew": [{"id": 12, "name": "Takaharu Ozaki", "job": "Director", "department": "Directing", "profile_path": null, "credit_id": "c3"}]}));
    }
    if append.contains("external_ids") {
        obj.insert(
            "external_ids".into(),
            json!({"id": id, "imdb_id": s.imdb_id, "freebase_mid": null,
            "freebase_id": null, "tvdb_id": s.tvdb_id, "tvrage_id": null, "wikidata_id": "Q1",
            "facebook_id": null, "instagram_id": null, "twitter_id": null}),
        );
    }
    if append.contains("images") {
        obj.insert("images".into(), json!({
            "backdrops": [
                {"aspect_ratio": 1.778, "height": 1080, "iso_639_1": null, "file_path": format!("/{id}-fanart.jpg"), "vote_average": 5.5, "vote_count": 4, "width": 1920},
                {"aspect_ratio": 1.778, "height": 1080, "iso_639_1": "en", "file_path": format!("/{id}-en-fanart.jpg"), "vote_average": 5.0, "vote_count": 2, "width": 1920}
            ],
            "logos": [
                {"aspect_ratio": 3.0, "height": 300, "iso_639_1": "en", "file_path": format!("/{id}-en-logo.png"), "vote_average": 5.0, "vote_count": 1, "width": 900},
                {"aspect_ratio": 3.0, "height": 300, "iso_639_1": "de", "file_path": format!("/{id}-logo.png"), "vote_average": 5.2, "vote_count": 2, "width": 900},
                {"aspect_ratio": 3.0, "height": 300, "iso_639_1": "de", "file_path": format!("/{id}-logo.svg"), "vote_average": 9.9, "vote_count": 9, "width": 900}
            ],
            "posters": [
                {"aspect_ratio": 0.667, "height": 3000, "iso_639_1": "en", "file_path": format!("/{id}-en-poster.jpg"), "vote_average": 6.0, "vote_count": 10, "width": 2000},
                {"aspect_ratio": 0.667, "height": 3000, "iso_639_1": "de", "file_path": format!("/{id}-poster.jpg"), "vote_average": 5.3, "vote_count": 3, "width": 2000}
            ]
        }));
    }
    if append.contains("content_ratings") {
        obj.insert(
            "content_ratings".into(),
            json!({"id": id, "results": [
                {"descriptors": [], "iso_3166_1": "US", "rating": "TV-MA"},
                {"descriptors": [], "iso_3166_1": "DE", "rating": "16"}
            ]}),
        );
    }
    if append.contains("keywords") {
        obj.insert(
            "keywords".into(),
            json!({"id": id, "results": [
                {"id": 210024, "name": "anime"}, {"id": 12, "name": "dark fantasy"}
            ]}),
        );
    }
    v
}

/// `tv/{id}/season/{n}` with German titles only for even episodes.
pub(super) fn season(
    s: &Show,
    (n, name, poster, count): &(u32, String, bool, u32),
    en: bool,
) -> Value {
    let id = s.id;
    json!({
        "_id": "5c1d",
        "air_date": "2018-10-07",
        "episodes": (1..=*count).map(|e| json!({
            "air_date": format!("2018-10-{:02}", 6 + e),
            "episode_number": e,
            "episode_type": "standard",
            "id": id * 10_000 + u64::from(*n) * 100 + u64::from(e),
            // German titles exist only for even episodes; odd ones need the English fallback.
            "name": if en { format!("Episode {e}") } else if e % 2 == 0 { format!("Folge {e}: Der Weg") } else { String::new() },
            "overview": if en { format!("English plot {e}.") } else { String::new() },
            "production_code": "",
            "runtime": 24,
            "season_number": n,
            "show_id": id,
            "still_path": format!("/{id}-still{e}.jpg"),
            "vote_average": 7.0,
            "vote_count": 5,
            "crew": [],
            "guest_stars": []
        })).collect::<Vec<_>>(),
        "name": name,
        "overview": if en { "Season overview." } else { "" },
        "id": id * 100 + u64::from(*n),
        "poster_path": if *poster { Value::from(format!("/{id}-season{n}.jpg")) } else { Value::Null },
        "season_number": n,
        "vote_average": 7.5
    })
}
