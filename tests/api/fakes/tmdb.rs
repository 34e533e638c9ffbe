//! The fake TMDB (v3 API + image host) of `aniworld_testkit::tmdb`, with the server's `nfo`
//! settings pointing at it, for the NFO endpoint tests.
#![allow(dead_code)]

use std::ops::Deref;

use aniworld_testkit::tmdb;
#[allow(unused_imports)] // not every test binary uses every name
pub use aniworld_testkit::tmdb::{KEY, Show, TOKEN};
use serde_json::{Value, json};

/// The shared fake TMDB, matching search queries with the metadata crate's title normaliser.
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

    /// `nfo` settings pointing at the fake, with the v3 key.
    pub fn nfo_config(&self) -> Value {
        self.nfo_config_with(Some(KEY))
    }

    /// `nfo` settings pointing at the fake, with any key (None = no key).
    pub fn nfo_config_with(&self, key: Option<&str>) -> Value {
        json!({
            "tmdb_api_url": self.api_url(),
            "tmdb_image_url": self.image_url(),
            "tmdb_api_key": key,
            "language": "de-DE",
        })
    }
}
