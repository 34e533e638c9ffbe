//! The fake TMDB (API + image host) of `aniworld_testkit::tmdb`, with client settings pointing
//! at it; shared by the integration tests and the batch benchmark.
#![allow(dead_code)]

use std::ops::Deref;

use aniworld_metadata::TmdbSettings;
use aniworld_testkit::tmdb;
#[allow(unused_imports)] // not every test binary uses every name
pub use aniworld_testkit::tmdb::{KEY, Show, TOKEN};

/// The shared fake TMDB, matching search queries with the crate's own title normaliser.
pub struct FakeTmdb(tmdb::FakeTmdb);

impl Deref for FakeTmdb {
    type Target = tmdb::FakeTmdb;

    fn deref(&self) -> &tmdb::FakeTmdb {
        &self.0
    }
}

impl FakeTmdb {
    /// Starts both servers with the given series.
    pub fn start(shows: Vec<Show>) -> Self {
        Self(tmdb::FakeTmdb::start(
            shows,
            aniworld_metadata::matching::normalize_title,
        ))
    }

    /// Client settings pointing at the fake, with the v3 key.
    pub fn settings(&self) -> TmdbSettings {
        self.settings_with(Some(KEY))
    }

    /// Client settings with any key.
    pub fn settings_with(&self, key: Option<&str>) -> TmdbSettings {
        TmdbSettings {
            api_url: self.api_url(),
            image_url: self.image_url(),
            api_key: key.map(str::to_owned),
            language: "de-DE".into(),
        }
    }
}
