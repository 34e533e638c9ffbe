//! Domain types and pure rules of Aniworld.
//!
//! This crate owns the vocabulary every other crate speaks: series and episode ids, missing-episode
//! maps, download items with their status and priority, download history entries, how the
//! library follows each series (monitoring, accepted languages, cutoff), the
//! application configuration and its validation, folder-name sanitising and file naming, the
//! scheduler plan, and the small port traits (`SeriesRepo`, `QueueRepo`, `SettingsRepo`,
//! `EpisodeSource`, `StreamResolver`) through which the domain crates reach each other without
//! depending on one another.
//!
//! It performs no I/O, with one exception: [`files::write_atomic`], the atomic file replacement
//! every crate that writes files uses, lives here so that there is one of it. It must never know
//! about HTTP frameworks, databases or HTTP clients.

pub mod config;
pub mod download;
pub mod episode;
pub mod files;
pub mod forwarded;
pub mod history;
pub mod monitoring;
pub mod naming;
pub mod notifications;
pub mod ports;
pub mod redact;
pub mod schedule;
pub mod series;
pub mod wanted;

pub use config::{AppConfig, Secret, ValidationIssue};
pub use download::{DownloadItem, DownloadStatus, EpisodeRef, ItemId, Priority, Progress};
pub use episode::{EpisodeId, Language, MissingEpisodes};
pub use monitoring::{EffectiveMonitoring, Monitoring, MonitoringPatch};
pub use series::{NewSeries, SITE_ID, Series};
