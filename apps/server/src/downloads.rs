//! Wiring of the download queue: the engine with the SQLite store, the catalogue's stream
//! resolver and the HTTP media fetcher, its events mapped onto the WebSocket hub, and
//! configuration changes applied while the service runs.
//!
//! The engine lives in `aniworld-queue` and decides everything; this module only builds it
//! ([`start`]) and translates its [`QueueEvent`]s into the api.md messages ([`publish`]).

mod messages;
mod resolver;

use std::path::PathBuf;
use std::sync::Arc;

use aniworld_core::AppConfig;
use aniworld_provider::resolver::{HealthPolicy, HealthTracker, HosterDegraded};
use aniworld_queue::engine::{
    EngineConfig, EngineDeps, EventSink, HttpFetcher, QueueEngine, QueueEvent,
};
use aniworld_store::Store;

pub use messages::{item_json, progress_json, publish, queue_summary_json, statistics_json};
pub use resolver::CatalogueResolver;

use crate::catalogue::CatalogueHandle;
use crate::config_service::ConfigService;
use crate::events::{Audience, EventHub};
use crate::nfo_service::NfoService;

/// The resolver's hoster health, kept in `store` so it survives a restart, with each hoster
/// that becomes degraded announced as a `hoster_degraded` message to authenticated clients:
/// `{hoster, consecutive_failures, last_error, until}`.
pub fn hoster_health(store: &Store, hub: &EventHub) -> HealthTracker {
    let tracker = HealthTracker::persistent(
        Arc::new(store.clone()),
        HealthPolicy::default(),
        chrono::Utc::now(),
    );
    let hub = hub.clone();
    tracker.set_listener(Arc::new(move |d: &HosterDegraded| {
        hub.publish(
            "hoster_degraded",
            Audience::Authenticated,
            serde_json::json!({
                "hoster": d.hoster,
                "consecutive_failures": d.consecutive_failures,
                "last_error": d.last_error,
                "until": d.until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }),
        );
    }));
    tracker
}

/// Why the queue could not be started.
#[derive(Debug, thiserror::Error)]
pub enum QueueStartError {
    /// The stored queue could not be loaded.
    #[error("download queue: {0}")]
    Engine(#[from] aniworld_queue::engine::QueueError),
}

/// The part of the configuration the engine uses.
pub fn engine_config(config: &AppConfig) -> EngineConfig {
    EngineConfig {
        anime_dir: config
            .other
            .anime_directory
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(PathBuf::from),
        download: config.download.clone(),
    }
}

/// Builds the queue engine on `store`, publishing its events on `hub`, and keeps it in step
/// with configuration changes (anime directory, download settings). Streams are resolved through
/// the service's shared `catalogue` client, and finished episodes get their NFO through `nfo`. The engine
/// restores the stored queue and resumes by itself when it was running.
/// Must be called inside the actix/tokio runtime (it spawns the configuration watcher).
/// The resolver records every hoster attempt in `hosters` (shown by `/health/detailed`).
pub fn start(
    store: &Store,
    config: &Arc<ConfigService>,
    hub: &EventHub,
    hosters: &HealthTracker,
    catalogue: Arc<CatalogueHandle>,
    nfo: Arc<NfoService>,
) -> Result<QueueEngine, QueueStartError> {
    let current = config.current();
    let resolver = Arc::new(CatalogueResolver::new(catalogue, hosters.clone()));
    let deps = EngineDeps {
        repo: Arc::new(store.clone()),
        settings: Arc::new(store.clone()),
        series: Arc::new(store.clone()),
        resolver,
        fetcher: Arc::new(HttpFetcher::new(&current.download)),
    };
    let sink_hub = hub.clone();
    // A finished download gets its episode NFO (when `nfo.episode_nfo` is on and the series has
    // a tvshow.nfo with a TMDB id), written on its own thread so the engine never waits on TMDB.
    let sink: EventSink = Arc::new(move |event| {
        if let QueueEvent::Completed(item) = &event {
            nfo.episode_downloaded_in_background(item.clone());
        }
        publish(&sink_hub, event)
    });
    let engine = QueueEngine::new(deps, engine_config(&current), sink)?;

    // A changed configuration is in force for the queue before the request that changed it
    // answers (the next item started runs with it).
    let watched = engine.clone();
    config.on_change(move |next| {
        let cfg = engine_config(next);
        if watched.config() != cfg {
            watched.set_config(cfg);
        }
    });
    Ok(engine)
}
