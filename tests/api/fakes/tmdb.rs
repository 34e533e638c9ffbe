//! A fake TMDB (v3 API + image host) on 127.0.0.1 answering with JSON shaped like the real API
//! (tmdb-nfo-reference.md), for the NFO endpoint tests. `rate_limit_next` makes the next API
//! answers 429s with `Retry-After: 0`, to show they are retried.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aniworld_testkit::{FakeResponse, FakeServer, RecordedRequest};
use serde_json::{Value, json};

use super::tmdb_images as images;

/// The v3 key the fake accepts as `api_key`.
pub const KEY: &str = "0123456789abcdef0123456789abcdef";
/// The read access token the fake accepts as Bearer.
pub const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.fake.token";

/// One series the fake knows.
#[derive(Debug, Clone)]
pub struct Show {
    pub id: u64,
    pub name_de: String,
    pub name_en: String,
    pub original_name: String,
    pub first_air_date: String,
    pub overview_de: String,
    pub overview_en: String,
    pub imdb_id: Option<String>,
    pub tvdb_id: Option<u64>,
    pub status: String,
    /// (season number, name, has poster, episode count)
    pub seasons: Vec<(u32, String, bool, u32)>,
}

impl Show {
    /// A plain series with one season and specials.
    pub fn new(id: u64, name: &str, date: &str) -> Self {
        Self {
            id,
            name_de: name.into(),
            name_en: name.into(),
            original_name: name.into(),
            first_air_date: date.into(),
            overview_de: format!("Deutsche Beschreibung von {name}."),
            overview_en: format!("English overview of {name}."),
            imdb_id: Some(format!("tt{:07}", id)),
            tvdb_id: Some(id + 100_000),
            status: "Returning Series".into(),
            seasons: vec![
                (0, "Specials".into(), true, 1),
                (1, "Staffel 1".into(), true, 3),
            ],
        }
    }
}

/// What the image host serves.
pub struct Art {
    pub poster: Vec<u8>,
    pub logo: Vec<u8>,
    pub fanart: Vec<u8>,
    pub season: Vec<u8>,
}

/// The fake TMDB: API server, image server, the known series and request statistics.
pub struct FakeTmdb {
    pub api: FakeServer,
    pub images: FakeServer,
    pub shows: Arc<Mutex<Vec<Show>>>,
    pub art: Arc<Art>,
    /// Requests to `/tv/{id}` currently being answered, and the most seen at once.
    pub in_flight: Arc<AtomicUsize>,
    pub max_in_flight: Arc<AtomicUsize>,
    /// When set, `/tv/{id}` answers wait (bounded) for a second concurrent request.
    pub hold_details: Arc<std::sync::atomic::AtomicBool>,
    /// How many of the next API requests answer 429 (Retry-After: 0).
    pub rate_limit_next: Arc<AtomicUsize>,
    /// 429 answers served.
    pub rate_limited: Arc<AtomicUsize>,
}

impl FakeTmdb {
    /// Starts both servers with the given series.
    pub fn start(shows: Vec<Show>) -> Self {
        let api = FakeServer::start();
        let images = FakeServer::start();
        let art = Arc::new(Art {
            poster: images::jpeg(1),
            logo: images::png(8, 2, [10, 200, 30]),
            fanart: images::jpeg(2),
            season: images::jpeg(3),
        });
        let fake = Self {
            api,
            images,
            shows: Arc::new(Mutex::new(shows)),
            art,
            in_flight: Arc::new(AtomicUsize::new(0)),
            max_in_flight: Arc::new(AtomicUsize::new(0)),
            hold_details: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            rate_limit_next: Arc::new(AtomicUsize::new(0)),
            rate_limited: Arc::new(AtomicUsize::new(0)),
        };
        fake.install_api();
        fake.install_images();
        fake
    }

    /// `nfo` settings pointing at the fake, with the v3 key.
    pub fn nfo_config(&self) -> Value {
        self.nfo_config_with(Some(KEY))
    }

    /// `nfo` settings pointing at the fake, with any key (None = no key).
    pub fn nfo_config_with(&self, key: Option<&str>) -> Value {
        json!({
            "tmdb_api_url": format!("{}/3", self.api.url()),
            "tmdb_image_url": format!("{}/t/p", self.images.url()),
            "tmdb_api_key": key,
            "language": "de-DE",
        })
    }

    /// Bytes served for the poster, logo and fanart of every series.
    pub fn art(&self) -> Arc<Art> {
        self.art.clone()
    }

    /// 429 answers served so far.
    pub fn rate_limited(&self) -> usize {
        self.rate_limited.load(Ordering::SeqCst)
    }

    /// Requests to the API whose path starts with `prefix`.
    pub fn api_requests(&self, prefix: &str) -> Vec<RecordedRequest> {
        self.api
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect()
    }

    fn install_api(&self) {
        let shows = self.shows.clone();
        let gate = self.gate();
        self.api.route("/3/search/tv", move |req| {
            if let Some(denied) = gate.check(req) {
                return denied;
            }
            let q = norm(&req.query_param("query").unwrap_or_default());
            let year = req.query_param("first_air_date_year");
            let en = req.query_param("language").as_deref() == Some("en-US");
            let list = shows.lock().unwrap();
            let results: Vec<Value> = list
                .iter()
                .filter(|s| {
                    let name = if en { &s.name_en } else { &s.name_de };
                    !q.is_empty()
                        && (norm(name).contains(&q) || norm(&s.original_name).contains(&q))
                })
                .filter(|s| {
                    year.as_deref()
                        .is_none_or(|y| s.first_air_date.starts_with(y))
                })
                .map(|s| search_item(s, en))
                .collect();
            FakeResponse::json(&json!({
                "page": 1, "total_pages": 1, "total_results": results.len(), "results": results
            }))
        });
        let shows = self.shows.clone();
        let gate = self.gate();
        self.api.route("/3/find/*", move |req| {
            if let Some(denied) = gate.check(req) {
                return denied;
            }
            let imdb = req.path.trim_start_matches("/3/find/");
            let list = shows.lock().unwrap();
            let tv: Vec<Value> = list
                .iter()
                .filter(|s| s.imdb_id.as_deref() == Some(imdb))
                .map(|s| search_item(s, false))
                .collect();
            FakeResponse::json(&json!({
                "movie_results": [], "person_results": [], "tv_results": tv,
                "tv_episode_results": [], "tv_season_results": []
            }))
        });
        let shows = self.shows.clone();
        let (in_flight, max_in_flight, hold) = (
            self.in_flight.clone(),
            self.max_in_flight.clone(),
            self.hold_details.clone(),
        );
        let gate = self.gate();
        self.api.route("/3/tv/*", move |req| {
            if let Some(denied) = gate.check(req) {
                return denied;
            }
            let parts: Vec<&str> = req.path.trim_start_matches("/3/tv/").split('/').collect();
            let Some(id) = parts.first().and_then(|p| p.parse::<u64>().ok()) else {
                return not_found();
            };
            let Some(show) = shows.lock().unwrap().iter().find(|s| s.id == id).cloned() else {
                return not_found();
            };
            let en = req.query_param("language").as_deref() == Some("en-US");
            match parts.as_slice() {
                [_] => {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max_in_flight.fetch_max(now, Ordering::SeqCst);
                    if hold.load(Ordering::SeqCst) {
                        let until = Instant::now() + Duration::from_millis(300);
                        while in_flight.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                    let body = details(&show, en, req);
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    FakeResponse::json(&body)
                }
                [_, "season", n] => match n.parse::<u32>() {
                    Ok(n) => match show.seasons.iter().find(|s| s.0 == n) {
                        Some(s) => FakeResponse::json(&season(&show, s, en)),
                        None => not_found(),
                    },
                    Err(_) => not_found(),
                },
                _ => not_found(),
            }
        });
    }

    fn gate(&self) -> Gate {
        Gate {
            next: self.rate_limit_next.clone(),
            served: self.rate_limited.clone(),
        }
    }

    fn install_images(&self) {
        let art = self.art.clone();
        self.images.route("/t/p/original/*", move |req| {
            let file = req.path.trim_start_matches("/t/p/original/");
            if file.ends_with("-logo.png") {
                FakeResponse::bytes("image/png", art.logo.clone())
            } else if file.ends_with("-poster.jpg") {
                FakeResponse::bytes("image/jpeg", art.poster.clone())
            } else if file.ends_with("-fanart.jpg") {
                FakeResponse::bytes("image/jpeg", art.fanart.clone())
            } else if file.contains("-season") {
                FakeResponse::bytes("image/jpeg", art.season.clone())
            } else {
                FakeResponse::status(404)
            }
        });
    }
}

fn norm(s: &str) -> String {
    aniworld_metadata::matching::normalize_title(s)
}

/// Rate limiting, then authentication, of one API request.
struct Gate {
    next: Arc<AtomicUsize>,
    served: Arc<AtomicUsize>,
}

impl Gate {
    fn check(&self, req: &RecordedRequest) -> Option<FakeResponse> {
        let limited = self
            .next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if limited {
            self.served.fetch_add(1, Ordering::SeqCst);
            return Some(
                FakeResponse::json(&json!({
                    "success": false, "status_code": 25,
                    "status_message": "Your request count (41) is over the allowed limit of 40."
                }))
                .with_status(429)
                .header("Retry-After", "0"),
            );
        }
        check_auth(req)
    }
}

fn check_auth(req: &RecordedRequest) -> Option<FakeResponse> {
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

fn not_found() -> FakeResponse {
    FakeResponse::json(&json!({
        "success": false, "status_code": 34,
        "status_message": "The resource you requested could not be found."
    }))
    .with_status(404)
}

fn search_item(s: &Show, en: bool) -> Value {
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

fn details(s: &Show, en: bool, req: &RecordedRequest) -> Value {
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

fn season(s: &Show, (n, name, poster, count): &(u32, String, bool, u32), en: bool) -> Value {
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
