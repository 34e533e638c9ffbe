//! The world of the anime tests: the service against the fake catalogue on 127.0.0.1 and a temp
//! anime directory seeded with episode files.

#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{Resp, TestApp, spawn_app_with};

/// How long a poll waits before the test fails.
pub const WAIT: Duration = Duration::from_secs(60);

/// The service, the fake catalogue and the library folder.
pub struct World {
    pub app: TestApp,
    pub catalogue: FakeCatalogue,
    pub anime: TempDir,
    pub token: String,
}

/// Points the configuration at `catalogue` and `anime`, with no pacing and no retries.
pub fn configure(c: &mut Value, catalogue: &FakeCatalogue, anime: Option<&Path>) {
    c["provider"]["base_url"] = json!(catalogue.url());
    c["provider"]["min_request_interval_ms"] = json!(0);
    c["provider"]["max_retries"] = json!(0);
    c["provider"]["timeout_seconds"] = json!(10);
    if let Some(dir) = anime {
        c["other"]["anime_directory"] = json!(dir.to_string_lossy());
    }
}

/// Writes an empty file (and its folders) under `root`.
pub fn touch(root: &Path, rel: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"x").unwrap();
}

/// The catalogue series the tests use:
/// - `attack-on-titan` (2013): seasons 1 (4 episodes) and 2 (2), one movie;
/// - `kaguya-sama`: `Kaguya-sama: Love is War?`, season 1 (3 episodes), no year;
/// - `complete-show` (2020): season 1 (2 episodes), all on disk;
/// - `demon-slayer` (2019): season 1 (2 episodes), never added.
pub fn standard_catalogue() -> FakeCatalogue {
    let c = FakeCatalogue::start();
    c.add(
        FakeSeries::new("attack-on-titan", "Attack on Titan", &[(1, 4), (2, 2)])
            .year(2013)
            .movies(1),
    );
    c.add(FakeSeries::new(
        "kaguya-sama",
        "Kaguya-sama: Love is War?",
        &[(1, 3)],
    ));
    c.add(FakeSeries::new("complete-show", "Complete Show", &[(1, 2)]).year(2020));
    c.add(FakeSeries::new("demon-slayer", "Demon Slayer: Kimetsu no Yaiba", &[(1, 2)]).year(2019));
    c
}

/// Seeds the library: odd names, other extensions, `.part` files and nested folders.
pub fn seed_library(root: &Path) {
    // Attack on Titan: S01E01 and S01E02 and S02E01 present; S01E03 only as a partial download.
    touch(
        root,
        "Attack on Titan (2013)/Season 01/Attack on Titan (2013) - S01E01.mp4",
    );
    touch(
        root,
        "Attack on Titan (2013)/Season 01/[Group] Attack on Titan - S01E02 [1080p].mkv",
    );
    touch(
        root,
        "Attack on Titan (2013)/Season 01/Attack on Titan (2013) - S01E03.mp4.part",
    );
    touch(
        root,
        "Attack on Titan (2013)/Season 01/Attack on Titan (2013) - S01E04.nfo",
    );
    touch(root, "Attack on Titan (2013)/Season 01/poster S01E04.jpg");
    touch(
        root,
        "Attack on Titan (2013)/Season 02/extra/aot.s02e01.x264.MKV",
    );
    touch(root, "Attack on Titan (2013)/tvshow.nfo");
    // Complete Show: everything present.
    touch(
        root,
        "Complete Show (2020)/Season 01/Complete Show - S01E01.webm",
    );
    touch(
        root,
        "Complete Show (2020)/Season 01/Complete Show - s01e02.avi",
    );
    // A folder the library does not know.
    touch(root, "Unknown Series/Season 01/Unknown - S01E01.mp4");
}

/// Starts the service against the standard catalogue and a seeded library.
pub async fn world() -> World {
    world_with(standard_catalogue(), |_| {}).await
}

/// Starts the service against `catalogue` and a seeded library; `change` may adjust the config.
pub async fn world_with(catalogue: FakeCatalogue, change: impl FnOnce(&mut Value)) -> World {
    let anime = tempfile::tempdir().unwrap();
    seed_library(anime.path());
    let app = spawn_app_with(
        |c| {
            configure(c, &catalogue, Some(anime.path()));
            change(c);
        },
        |_| {},
    )
    .await;
    let token = app.token().await;
    World {
        app,
        catalogue,
        anime,
        token,
    }
}

impl World {
    pub async fn get(&self, path: &str) -> Resp {
        self.app.get(path, Some(&self.token)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.app.post(path, Some(&self.token), body).await
    }

    /// `POST /api/anime/add` for a key of the fake catalogue, asserting 200.
    pub async fn add(&self, key: &str) -> Value {
        let r = self
            .post(
                "/api/anime/add",
                &json!({ "link": self.catalogue.link(key), "name": key }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json
    }

    /// Keys of a list answer, in order.
    pub async fn keys(&self, path: &str) -> Vec<String> {
        let r = self.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap().to_string())
            .collect()
    }

    /// Polls `GET /api/anime/status` (bounded) until `check` holds; returns the status.
    pub async fn wait_status(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let r = self.get("/api/anime/status").await;
            assert_eq!(r.status, 200, "{}", r.text);
            if check(&r.json) {
                return r.json;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {}",
                r.text
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// `["1-1", ...]` from `(season, episode)` pairs.
pub fn ids(list: &[(u32, u32)]) -> Value {
    json!(
        list.iter()
            .map(|(s, e)| format!("{s}-{e}"))
            .collect::<Vec<_>>()
    )
}
