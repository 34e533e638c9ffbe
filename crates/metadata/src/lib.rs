//! aniworld-metadata: TMDB v3 client, Kodi/Jellyfin NFO writer and reader, and artwork
//! download, usable without the server.
//!
//! [`MetadataService`] is the facade: one method per NFO endpoint (check, create, update,
//! content, media status, media download, batch create) plus episode NFOs. Everything is
//! blocking (ureq) and thread-safe; the server calls it off its async runtime.

pub mod artwork;
pub mod batch;
pub mod error;
mod fsutil;
pub mod matching;
pub mod nfo;
pub mod service;
pub mod tmdb;

pub use artwork::{MediaKind, MediaSelection, MediaStatus};
pub use batch::{BatchItem, BatchItemResult, BatchOutcome, BatchReport};
pub use error::{MetadataError, Result};
pub use fsutil::is_legacy_temp_file_name;
pub use matching::{MatchConfidence, MatchQuery, MatchResult};
pub use nfo::{NfoInfo, parse_nfo, read_nfo};
pub use service::{
    CreateOutcome, CreateRequest, MediaFailure, MediaReport, MetadataService, NfoContent,
    NfoOptions, NfoStatus, TVSHOW_NFO,
};
pub use tmdb::{TmdbClient, TmdbSettings};
