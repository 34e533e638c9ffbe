//! Wiring of the download queue: the engine with the SQLite store, the catalogue's stream
//! resolver and the HTTP media fetcher, its events handed to the event sink, and configuration
//! changes applied while the service runs.
//!
//! The engine lives in `aniworld-queue` and decides everything; this module only builds it
//! ([`start`]).

mod resolver;

use std::sync::Arc;

use aniworld_core::AppConfig;
use aniworld_provider::resolver::{HealthPolicy, HealthTracker, HosterDegraded};
use aniworld_queue::download::{FetchOptions, HostBudget};
use aniworld_queue::engine::{
    EngineConfig, EngineDeps, EventSink, HttpFetcher, QueueEngine, QueueError, QueueEvent,
};
use aniworld_store::Store;

pub use resolver::{CatalogueResolver, SourceListener, counting, recording};

use crate::catalogue::CatalogueHandle;
use crate::config::ConfigService;
use crate::events::{Event, Events};
use crate::nfo::NfoService;

/// The resolver's hoster health, kept in `store` so it survives a restart, with each hoster
/// that becomes degraded announced as an [`Event::HosterDegraded`].
pub fn hoster_health(store: &Store, events: &Events) -> HealthTracker {
    let tracker = HealthTracker::persistent(
        Arc::new(store.clone()),
        HealthPolicy::default(),
        chrono::Utc::now(),
    );
    let events = events.clone();
    tracker.set_listener(Arc::new(move |d: &HosterDegraded| {
        events.publish(Event::HosterDegraded(d.clone()));
    }));
    tracker
}

/// The part of the configuration the engine uses.
pub fn engine_config(config: &AppConfig) -> EngineConfig {
    EngineConfig {
        anime_dir: config.anime_dir(),
        download: config.download.clone(),
    }
}

/// Builds the queue engine on `store`, publishing its events to `events`, and keeps it in step
/// with configuration changes (anime directory, download settings). Streams are resolved through
/// the service's shared `catalogue` client, and finished episodes get their NFO through `nfo`. The engine
/// restores the stored queue and resumes by itself when it was running.
/// The resolver records every hoster attempt in `hosters` (shown by `/health/detailed`) and
/// tells each of `sources` which hoster and language each download used (the metrics through
/// [`counting`], the history through [`recording`]). The per-host request budget follows
/// `download.host_requests_per_second` / `host_max_connections` while it runs.
pub fn start(
    store: &Store,
    config: &Arc<ConfigService>,
    events: &Events,
    hosters: &HealthTracker,
    catalogue: Arc<CatalogueHandle>,
    nfo: Arc<NfoService>,
    sources: &[SourceListener],
) -> Result<QueueEngine, QueueError> {
    let current = config.current();
    let resolver =
        Arc::new(CatalogueResolver::new(catalogue, hosters.clone()).with_listeners(sources));
    let budget = Arc::new(HostBudget::from_config(&current.download));
    let fetch_options = FetchOptions::from_config(&current.download, budget.clone());
    let deps = EngineDeps {
        repo: Arc::new(store.clone()),
        settings: Arc::new(store.clone()),
        series: Arc::new(store.clone()),
        resolver,
        fetcher: Arc::new(HttpFetcher::with_options(fetch_options)),
    };
    let sink_events = events.clone();
    // A finished download gets its episode NFO (when `nfo.episode_nfo` is on and the series has
    // a tvshow.nfo with a TMDB id), written on its own thread so the engine never waits on TMDB.
    let sink: EventSink = Arc::new(move |event| {
        if let QueueEvent::Completed(item) = &event {
            nfo.episode_downloaded_in_background(item.clone());
        }
        sink_events.publish(Event::Queue(event))
    });
    let engine = QueueEngine::new(deps, engine_config(&current), sink)?;

    // A changed configuration is in force for the queue before the request that changed it
    // answers (the next item started runs with it).
    let watched = engine.clone();
    config.on_change(move |next| {
        let d = &next.download;
        budget.set_limits(d.host_requests_per_second, d.host_max_connections);
        let cfg = engine_config(next);
        if watched.config() != cfg {
            watched.set_config(cfg);
        }
    });
    Ok(engine)
}
