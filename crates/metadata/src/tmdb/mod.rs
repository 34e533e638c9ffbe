//! TMDB v3: the blocking client and the JSON shapes it decodes.

pub mod client;
pub mod model;

pub use client::{TmdbClient, TmdbSettings};
