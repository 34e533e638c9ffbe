//! The world of the catalogue-site tests: the service against the fake catalogue of
//! `aniworld_testkit::catalogue` as aniworld.to (either engine) and, when given, a second one as
//! s.to, with play links redirecting to the fake VOE hoster and media host of
//! `aniworld_testkit::hoster`; a temp anime directory and bounded polling helpers (no blind
//! sleeps).

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aniworld_core::EpisodeId;
use aniworld_server::{Application, Settings};
use aniworld_store::Store;
use aniworld_testkit::catalogue::FakeCatalogue;
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{Resp, TestApp, client, test_config, write_config};
use crate::ws_support::WsClient;

/// How long a poll waits before the test fails.
pub const WAIT: Duration = Duration::from_secs(60);

/// The site ids of the service.
pub const ANIWORLD: &str = "aniworld.to";
pub const STO: &str = "s.to";

/// The service, the fake sites, the library folder and a token.
pub struct SiteWorld {
    pub app: TestApp,
    /// Plays aniworld.to (`provider.base_url`).
    pub aniworld: FakeCatalogue,
    /// Plays s.to when the test enabled it.
    pub sto: Option<FakeCatalogue>,
    /// The fake VOE hoster and media host every play link redirects to (its `catalogue`
    /// server is never configured anywhere and must stay untouched).
    pub hoster: Sites,
    pub anime: TempDir,
    pub token: String,
}

/// The library id of a series: the slug on aniworld.to, `s.to:<slug>` on s.to.
pub fn library_id(site: &str, key: &str) -> String {
    if site == STO {
        format!("{STO}:{key}")
    } else {
        key.to_string()
    }
}

/// Points the configuration at the fakes: aniworld.to at `aniworld`, s.to (enabled) at `sto`
/// when given (else s.to keeps its disabled default entry), no pacing, no retries.
pub fn configure(
    c: &mut Value,
    aniworld: &FakeCatalogue,
    sto: Option<&FakeCatalogue>,
    anime: &std::path::Path,
) {
    c["provider"]["base_url"] = json!(aniworld.url());
    c["provider"]["min_request_interval_ms"] = json!(0);
    c["provider"]["max_retries"] = json!(0);
    c["provider"]["timeout_seconds"] = json!(10);
    let sites = c["provider"]["sites"]
        .as_array_mut()
        .expect("provider.sites");
    for site in sites.iter_mut() {
        match site["id"].as_str() {
            Some(ANIWORLD) => site["base_url"] = json!(aniworld.url()),
            Some(STO) => {
                if let Some(s) = sto {
                    site["base_url"] = json!(s.url());
                    site["mirrors"] = json!([]);
                    site["enabled"] = json!(true);
                }
            }
            _ => {}
        }
    }
    c["other"]["anime_directory"] = json!(anime.to_string_lossy());
    c["download"]["max_retries"] = json!(0);
    c["download"]["retry_backoff_seconds"] = json!(1);
}

/// The configuration entry of site `id`.
pub fn site_entry<'a>(c: &'a mut Value, id: &str) -> &'a mut Value {
    c["provider"]["sites"]
        .as_array_mut()
        .expect("provider.sites")
        .iter_mut()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in provider.sites"))
}

/// Starts the service against the fakes; `change` may adjust the configuration.
pub async fn site_world(
    aniworld: FakeCatalogue,
    sto: Option<FakeCatalogue>,
    change: impl FnOnce(&mut Value),
) -> SiteWorld {
    site_world_seeded(aniworld, sto, change, |_| {}).await
}

/// Like [`site_world`], with `seed` filling the library database before the service starts
/// (so that what runs at start, like the canary, already sees it).
pub async fn site_world_seeded(
    aniworld: FakeCatalogue,
    sto: Option<FakeCatalogue>,
    change: impl FnOnce(&mut Value),
    seed: impl FnOnce(&Store),
) -> SiteWorld {
    let hoster = Sites::start();
    aniworld.hoster_base(&hoster.voe.url());
    if let Some(s) = &sto {
        s.hoster_base(&hoster.voe.url());
    }
    let anime = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = test_config();
    configure(&mut config, &aniworld, sto.as_ref(), anime.path());
    change(&mut config);
    write_config(data_dir.path(), &config);
    {
        let store = Store::open(&data_dir.path().join("aniworld.db")).unwrap();
        seed(&store);
    }
    let app = Application::build(Settings::for_tests(data_dir.path()))
        .await
        .expect("app builds");
    let address = app.address();
    let handle = app.handle();
    let state = app.state();
    actix_web::rt::spawn(app.run_until_stopped());
    let app = TestApp {
        address,
        data_dir,
        client: client(),
        handle,
        state,
    };
    let token = app.token().await;
    SiteWorld {
        app,
        aniworld,
        sto,
        hoster,
        anime,
        token,
    }
}

/// Waits (bounded by [`WAIT`], polling) until `check` returns Some.
pub async fn poll<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

impl SiteWorld {
    /// The fake playing `site`.
    pub fn fake(&self, site: &str) -> &FakeCatalogue {
        match site {
            STO => self.sto.as_ref().expect("s.to is enabled in this test"),
            _ => &self.aniworld,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.app.get(path, Some(&self.token)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.app.post(path, Some(&self.token), body).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.app.put(path, Some(&self.token), body).await
    }

    /// `GET /api/anime/search?query=` (asserting 200).
    pub async fn search(&self, query: &str) -> Vec<Value> {
        let r = self.get(&format!("/api/anime/search?query={query}")).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text);
        r.json.as_array().expect("a list of hits").clone()
    }

    /// `POST /api/anime/add` with a link.
    pub async fn add_link(&self, link: &str) -> Resp {
        self.post("/api/anime/add", &json!({ "link": link })).await
    }

    /// `POST /api/anime/add` asserting 200; returns the answer.
    pub async fn add_ok(&self, link: &str) -> Value {
        let r = self.add_link(link).await;
        assert_eq!(r.status, 200, "{link}: {}", r.text);
        r.json
    }

    /// `GET /api/anime/<id>` asserting 200.
    pub async fn detail(&self, id: &str) -> Value {
        let r = self.get(&format!("/api/anime/{id}")).await;
        assert_eq!(r.status, 200, "{id}: {}", r.text);
        r.json
    }

    /// Starts a rescan and waits for its `scan_complete` message; returns its data.
    pub async fn rescan(&self) -> Value {
        let mut ws = WsClient::connect(&self.app.address, Some(&self.token)).await;
        ws.until("connected").await;
        let r = self.post("/api/anime/rescan", &json!({})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let done = ws.until("scan_complete").await;
        ws.close().await;
        poll("the scan to end", || async {
            let s = self.get("/api/anime/status").await;
            (s.json["scan_in_progress"] == false).then_some(())
        })
        .await;
        done["data"].clone()
    }

    /// Serves an episode's VOE page and media (a real MP4 of `len` bytes) on the fake hoster
    /// for the embed code the catalogue fakes redirect to; returns the bytes.
    pub fn serve_media(&self, key: &str, season: u32, episode: u32, len: usize) -> Vec<u8> {
        let data = media_bytes(key, season, episode, len);
        self.hoster
            .episode(key, season, episode, data.clone(), Serving::Fast);
        data
    }

    /// `POST /api/queue/add` for `episodes` of library id `id` (asserting 201); the item ids.
    pub async fn queue(&self, id: &str, folder: &str, episodes: &[(u32, u32)]) -> Vec<String> {
        let eps: Vec<Value> = episodes
            .iter()
            .map(|(s, e)| json!({ "season": s, "episode": e, "title": format!("Episode {e}") }))
            .collect();
        let r = self
            .post(
                "/api/queue/add",
                &json!({
                    "serie_id": id,
                    "serie_folder": folder,
                    "serie_name": folder,
                    "episodes": eps,
                    "priority": "NORMAL",
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.json["failed_items"], json!([]), "{}", r.text);
        r.json["item_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// `POST /api/queue/start` (asserting 200).
    pub async fn start_queue(&self) {
        let r = self
            .app
            .post_empty("/api/queue/start", Some(&self.token))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    /// `GET /api/queue/status` (asserting 200).
    pub async fn queue_status(&self) -> Value {
        let r = self.get("/api/queue/status").await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
    }

    /// Polls the queue status until `check` holds; returns it.
    pub async fn wait_queue(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        poll(what, || async {
            let s = self.queue_status().await;
            check(&s).then_some(s)
        })
        .await
    }

    /// Waits until the queue holds `n` completed items and fails the test on a failed one.
    pub async fn wait_completed(&self, n: u64) -> Value {
        self.wait_queue(&format!("{n} completed downloads"), |s| {
            let failed = &s["status"]["failed_downloads"];
            assert!(
                failed.as_array().is_none_or(|f| f.is_empty()),
                "a download failed: {failed}"
            );
            s["statistics"]["completed_count"] == n
        })
        .await
    }

    /// Where an episode of `folder` lands.
    pub fn episode_file(&self, folder: &str, season: u32, episode: u32) -> PathBuf {
        self.anime
            .path()
            .join(aniworld_core::naming::episode_relative_path(
                folder,
                EpisodeId::new(season, episode),
            ))
    }

    /// `GET /health/detailed` (no token needed; asserting 200).
    pub async fn health(&self) -> Value {
        let r = self.app.get("/health/detailed", None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
    }

    /// Polls `/health/detailed` until `check` holds; returns it.
    pub async fn wait_health(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        poll(what, || async {
            let h = self.health().await;
            check(&h).then_some(h)
        })
        .await
    }

    /// `GET /api/config` (asserting 200).
    pub async fn config(&self) -> Resp {
        let r = self.get("/api/config").await;
        assert_eq!(r.status, 200, "{}", r.text);
        r
    }
}

/// Writes a small file (and its folders) under `root`.
pub fn touch(root: &std::path::Path, rel: &str) {
    crate::anime_support::touch(root, rel);
}

/// `["1-1", ...]` from `(season, episode)` pairs.
pub fn ids(list: &[(u32, u32)]) -> Value {
    crate::anime_support::ids(list)
}
