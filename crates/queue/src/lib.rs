//! The download engine of Aniworld.
//!
//! `download` turns a media source (a direct file or an HLS stream) into a verified file in the
//! library, with resume, parallel segments, AES-128, a per-host request budget and progress reports;
//! `engine` is the persistent, prioritised queue with its workers, retries and events. The engine
//! persists through [`aniworld_core::ports::QueueRepo`] and resolves streams through
//! [`aniworld_core::ports::StreamResolver`]; it knows nothing of HTTP frameworks or databases.

pub mod download;
pub mod engine;
