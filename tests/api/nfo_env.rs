//! The set-up of the NFO tests: the service configured against a fake TMDB on 127.0.0.1, an
//! anime directory given as a non-canonical path, and series put into the library store.

use std::path::PathBuf;

use aniworld_core::NewSeries;
use aniworld_core::ports::SeriesRepo;
use aniworld_metadata::matching::normalize_title;
use aniworld_store::Store;
use aniworld_testkit::tmdb::{FakeTmdb, Show};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{Resp, TestApp, spawn_app_with};

/// A running service, its fake TMDB and its library.
pub struct NfoEnv {
    /// The service.
    pub app: TestApp,
    /// The fake TMDB API and image host.
    pub tmdb: FakeTmdb,
    /// A valid token.
    pub token: String,
    /// The anime directory exactly as configured (`<tmp>/x/../anime`).
    pub anime_dir: String,
    /// Holds the library folder.
    pub root: TempDir,
    store: Store,
}

/// Starts the service with the fake TMDB and the given key (None = no key configured).
pub async fn nfo_env(shows: Vec<Show>, key: Option<&str>) -> NfoEnv {
    nfo_env_with(shows, key, |_| {}).await
}

/// Like [`nfo_env`], letting the caller change the configuration last.
pub async fn nfo_env_with(
    shows: Vec<Show>,
    key: Option<&str>,
    change: impl FnOnce(&mut Value),
) -> NfoEnv {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("x")).unwrap();
    std::fs::create_dir_all(root.path().join("anime")).unwrap();
    let anime_dir = format!("{}/x/../anime", root.path().display());
    let tmdb = FakeTmdb::start(shows, normalize_title);
    let nfo = tmdb.nfo_config_with(key);
    let dir = anime_dir.clone();
    let app = spawn_app_with(
        move |c| {
            for (k, v) in nfo.as_object().unwrap() {
                c["nfo"][k] = v.clone();
            }
            c["other"]["anime_directory"] = json!(dir);
            change(c);
        },
        |_| {},
    )
    .await;
    let token = app.token().await;
    let store = Store::open(&app.data_dir.path().join("aniworld.db")).unwrap();
    NfoEnv {
        app,
        tmdb,
        token,
        anime_dir,
        root,
        store,
    }
}

impl NfoEnv {
    /// Puts a series into the library and creates its folder.
    pub fn add_series(&self, key: &str, name: &str, year: Option<i32>, imdb_id: Option<&str>) {
        let folder = match year {
            Some(y) => format!("{name} ({y})"),
            None => name.to_owned(),
        };
        self.store
            .insert_series(&NewSeries {
                key: key.into(),
                name: name.into(),
                site: "aniworld.to".into(),
                folder: folder.clone(),
                year,
                description: None,
                imdb_id: imdb_id.map(str::to_owned),
                cover_url: None,
                catalogue_url: None,
            })
            .unwrap();
        std::fs::create_dir_all(self.folder(&folder)).unwrap();
    }

    /// The real path of a series folder.
    pub fn folder(&self, folder: &str) -> PathBuf {
        self.root.path().join("anime").join(folder)
    }

    /// A path as the API must show it: the configured anime directory, the folder, the file.
    pub fn shown(&self, folder: &str, file: &str) -> String {
        format!("{}/{folder}/{file}", self.anime_dir)
    }

    /// GET with the token.
    pub async fn get(&self, path: &str) -> Resp {
        self.app.get(path, Some(&self.token)).await
    }

    /// POST JSON with the token.
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.app.post(path, Some(&self.token), body).await
    }

    /// PUT JSON with the token.
    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.app.put(path, Some(&self.token), body).await
    }
}
