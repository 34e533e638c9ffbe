//! Fake outside services on 127.0.0.1 (built on aniworld-testkit) for the API tests.

pub mod catalogue;
pub mod hoster;
pub mod tmdb;
