//! Shared set-up of the queue and WebSocket tests: the service configured against the fake
//! catalogue/hoster/media sites of `aniworld_testkit::hoster`, a temp anime directory, and
//! polling helpers with a bound (no blind sleeps).

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aniworld_core::ports::{EpisodeRecord, SeriesRepo};
use aniworld_core::{EpisodeId, NewSeries};
use aniworld_store::Store;
use aniworld_testkit::hoster::Sites;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{Resp, TestApp, spawn_app_with};

/// How long a poll waits before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// The service, the fake sites, the library folder and a token.
pub struct QueueWorld {
    pub app: TestApp,
    pub sites: Sites,
    pub anime: TempDir,
    pub token: String,
}

/// The configuration pointing at `sites` and `anime`, with fast pacing and no automatic retries.
pub fn configure(c: &mut Value, sites: &Sites, anime: &std::path::Path) {
    c["provider"]["base_url"] = json!(sites.catalogue.url());
    c["provider"]["min_request_interval_ms"] = json!(0);
    c["provider"]["max_retries"] = json!(0);
    c["provider"]["timeout_seconds"] = json!(10);
    c["other"]["anime_directory"] = json!(anime.to_string_lossy());
    c["download"]["max_retries"] = json!(0);
    c["download"]["retry_backoff_seconds"] = json!(1);
}

/// Starts the service against fresh fake sites; `change` may adjust the configuration.
pub async fn queue_world(change: impl FnOnce(&mut Value)) -> QueueWorld {
    let sites = Sites::start();
    let anime = tempfile::tempdir().unwrap();
    let app = spawn_app_with(
        |c| {
            configure(c, &sites, anime.path());
            change(c);
        },
        |_| {},
    )
    .await;
    let token = app.token().await;
    QueueWorld {
        app,
        sites,
        anime,
        token,
    }
}

/// Waits (bounded, polling) until `check` returns Some.
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

impl QueueWorld {
    /// `POST /api/queue/add` for `episodes` of `key` (folder = key).
    pub async fn add(&self, key: &str, episodes: &[(u32, u32)], priority: &str) -> Resp {
        let eps: Vec<Value> = episodes
            .iter()
            .map(|(s, e)| json!({ "season": s, "episode": e, "title": format!("Episode {e}") }))
            .collect();
        self.app
            .post(
                "/api/queue/add",
                Some(&self.token),
                &json!({
                    "serie_id": key,
                    "serie_folder": key,
                    "serie_name": key,
                    "episodes": eps,
                    "priority": priority,
                }),
            )
            .await
    }

    /// Adds and returns the new ids (asserting 201).
    pub async fn add_ids(&self, key: &str, episodes: &[(u32, u32)], priority: &str) -> Vec<String> {
        let r = self.add(key, episodes, priority).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json["item_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// `GET /api/queue/status` (asserting 200).
    pub async fn status(&self) -> Value {
        let r = self.app.get("/api/queue/status", Some(&self.token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
    }

    /// POSTs without a body.
    pub async fn post(&self, path: &str) -> Resp {
        self.app.post_empty(path, Some(&self.token)).await
    }

    /// Waits until the status satisfies `check`; returns it.
    pub async fn wait_status(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        poll(what, || async {
            let s = self.status().await;
            check(&s).then_some(s)
        })
        .await
    }

    /// Ids listed under `status.<list>`.
    pub fn ids(status: &Value, list: &str) -> Vec<String> {
        status["status"][list]
            .as_array()
            .unwrap_or_else(|| panic!("{list} in {status}"))
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
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

    /// A second handle on the service's SQLite database.
    pub fn store(&self) -> Store {
        Store::open(&self.app.data_dir.path().join("aniworld.db")).unwrap()
    }

    /// Puts a series with `missing` episodes (none on disk) into the library.
    pub fn seed_series(&self, key: &str, missing: &[(u32, u32)]) {
        seed_series(&self.store(), key, missing);
    }
}

/// Puts a series (folder = key) with `missing` episodes into `store`.
pub fn seed_series(store: &Store, key: &str, missing: &[(u32, u32)]) {
    store
        .insert_series(&NewSeries {
            key: key.into(),
            name: key.into(),
            site: "aniworld.to".into(),
            folder: key.into(),
            year: None,
            description: None,
            imdb_id: None,
            cover_url: None,
            catalogue_url: None,
        })
        .unwrap();
    let records: Vec<EpisodeRecord> = missing
        .iter()
        .map(|(s, e)| EpisodeRecord {
            id: EpisodeId::new(*s, *e),
            title_de: None,
            title_en: None,
            is_downloaded: false,
            file_path: None,
            languages_offered: None,
            language: None,
        })
        .collect();
    store.replace_episodes(key, &records).unwrap();
}
