//! A fake TMDB on 127.0.0.1: the v3 API answering with JSON shaped like the real one
//! (tmdb-nfo-reference.md) and an image host serving small real JPEG/PNG files.
//!
//! API paths live under `{api.url()}/3` ([`FakeTmdb::api_url`]), images under
//! `{images.url()}/t/p` ([`FakeTmdb::image_url`]). Requests must carry [`KEY`] as `api_key` or
//! [`TOKEN`] as Bearer, and `Accept: application/json`, else they get TMDB's 401 answer.
//! `rate_limit_next` turns the next API answers into 429s with `Retry-After: 0`.

mod answers;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::images;
use crate::{FakeResponse, FakeServer, RecordedRequest};
use answers::{check_auth, details, not_found, search_item, season};

/// The v3 key the fake accepts as `api_key`.
pub const KEY: &str = "0123456789abcdef0123456789abcdef";
/// The read access token the fake accepts as Bearer.
pub const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.fake.token";

/// How search queries and titles are normalised before matching (the caller passes the
/// project's title normaliser, so the fake matches like the real client expects).
pub type Normalize = fn(&str) -> String;

/// One series the fake knows.
#[derive(Debug, Clone)]
pub struct Show {
    /// TMDB id.
    pub id: u64,
    /// Title in `de-DE`.
    pub name_de: String,
    /// Title in `en-US`.
    pub name_en: String,
    /// `original_name`.
    pub original_name: String,
    /// `first_air_date` (`YYYY-MM-DD`).
    pub first_air_date: String,
    /// Overview in `de-DE` (may be empty, as on TMDB).
    pub overview_de: String,
    /// Overview in `en-US`.
    pub overview_en: String,
    /// IMDb id (`tt…`), used by `find`.
    pub imdb_id: Option<String>,
    /// TVDB id in `external_ids`.
    pub tvdb_id: Option<u64>,
    /// `status`, e.g. "Returning Series".
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

/// What the image host serves (the same bytes for every series).
#[derive(Debug)]
pub struct Art {
    /// `*-poster.jpg`.
    pub poster: Vec<u8>,
    /// `*-logo.png`.
    pub logo: Vec<u8>,
    /// `*-fanart.jpg`.
    pub fanart: Vec<u8>,
    /// `*-season*` posters.
    pub season: Vec<u8>,
}

/// The fake TMDB: API server, image server, the known series and request statistics.
pub struct FakeTmdb {
    /// The v3 API server (paths under `/3`).
    pub api: FakeServer,
    /// The image host (paths under `/t/p/original`).
    pub images: FakeServer,
    /// The known series; tests may change them while the fake runs.
    pub shows: Arc<Mutex<Vec<Show>>>,
    /// The bytes the image host serves.
    pub art: Arc<Art>,
    /// Requests to `/tv/{id}` currently being answered.
    pub in_flight: Arc<AtomicUsize>,
    /// The most requests to `/tv/{id}` seen at once.
    pub max_in_flight: Arc<AtomicUsize>,
    /// When set, `/tv/{id}` answers wait (bounded) for a second concurrent request.
    pub hold_details: Arc<AtomicBool>,
    /// How many of the next API requests answer 429 (Retry-After: 0).
    pub rate_limit_next: Arc<AtomicUsize>,
    /// 429 answers served.
    pub rate_limited: Arc<AtomicUsize>,
}

impl FakeTmdb {
    /// Starts both servers with the given series; `normalize` is applied to search queries and
    /// titles before the substring match of `search/tv`.
    pub fn start(shows: Vec<Show>, normalize: Normalize) -> Self {
        let art = Arc::new(Art {
            poster: images::jpeg(1),
            logo: images::png(8, 2, [10, 200, 30]),
            fanart: images::jpeg(2),
            season: images::jpeg(3),
        });
        let fake = Self {
            api: FakeServer::start(),
            images: FakeServer::start(),
            shows: Arc::new(Mutex::new(shows)),
            art,
            in_flight: Arc::new(AtomicUsize::new(0)),
            max_in_flight: Arc::new(AtomicUsize::new(0)),
            hold_details: Arc::new(AtomicBool::new(false)),
            rate_limit_next: Arc::new(AtomicUsize::new(0)),
            rate_limited: Arc::new(AtomicUsize::new(0)),
        };
        fake.install_api(normalize);
        fake.install_images();
        fake
    }

    /// Base URL of the v3 API (`http://127.0.0.1:<port>/3`).
    pub fn api_url(&self) -> String {
        format!("{}/3", self.api.url())
    }

    /// Base URL of the image host (`http://127.0.0.1:<port>/t/p`).
    pub fn image_url(&self) -> String {
        format!("{}/t/p", self.images.url())
    }

    /// The `nfo` section of the service's configuration pointing at the fake: both URLs, the v3
    /// key ([`KEY`]) and `de-DE`.
    pub fn nfo_config(&self) -> Value {
        self.nfo_config_with(Some(KEY))
    }

    /// Like [`FakeTmdb::nfo_config`], with any key (`None` = no key, JSON `null`).
    pub fn nfo_config_with(&self, key: Option<&str>) -> Value {
        json!({
            "tmdb_api_url": self.api_url(),
            "tmdb_image_url": self.image_url(),
            "tmdb_api_key": key,
            "language": "de-DE",
        })
    }

    /// Bytes served for the poster, logo, fanart and season posters of every series.
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

    fn install_api(&self, norm: Normalize) {
        let gate = self.gate();
        self.api.route("/3/configuration", move |req| {
            if let Some(denied) = gate.check(req) {
                return denied;
            }
            FakeResponse::json(&json!({
                "images": {"secure_base_url": "https://image.tmdb.org/t/p/"},
                "change_keys": ["name", "overview"]
            }))
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::get;

    #[test]
    fn the_nfo_config_points_at_the_fake() {
        let fake = FakeTmdb::start(vec![Show::new(7, "Demo", "2020-01-01")], |s| {
            s.to_lowercase()
        });
        let config = fake.nfo_config();
        assert_eq!(config["tmdb_api_key"], KEY);
        assert_eq!(config["language"], "de-DE");
        assert_eq!(config["tmdb_image_url"], fake.image_url().as_str());
        let api = config["tmdb_api_url"].as_str().unwrap();
        let r = get(
            &format!("{api}/tv/7?api_key={KEY}"),
            &[("Accept", "application/json")],
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(fake.nfo_config_with(None)["tmdb_api_key"].is_null());
        assert_eq!(fake.nfo_config_with(Some("x"))["tmdb_api_key"], "x");
    }
}
