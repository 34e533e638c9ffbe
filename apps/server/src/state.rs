//! The application state shared by every handler: one struct of `Arc`s in `web::Data`.
//!
//! To give a new area its service, add a field here and fill it in `Application::build`.

use std::sync::Arc;

use aniworld_store::Store;
use chrono::{DateTime, Utc};

use crate::auth::AuthService;
use crate::config_service::ConfigService;
use crate::metrics::SystemMetrics;
use crate::security::RateLimits;
use crate::settings::Settings;

/// Everything handlers reach.
#[derive(Clone)]
pub struct AppState {
    /// How the process was started (bind address, data dir, overrides).
    pub settings: Arc<Settings>,
    /// config.json and its backups.
    pub config: Arc<ConfigService>,
    /// Master password, tokens, lockout.
    pub auth: Arc<AuthService>,
    /// The SQLite store (implements the repository traits of `aniworld-core`).
    pub store: Store,
    /// Keyed rate limiters for login/setup and per-Origin requests.
    pub limits: Arc<RateLimits>,
    /// CPU, memory and disk figures for `/health/detailed`.
    pub system: Arc<SystemMetrics>,
    /// When the service started.
    pub started_at: DateTime<Utc>,
    /// The WebSocket event hub (one bounded broadcast).
    pub events: crate::events::EventHub,
    /// The download queue engine.
    pub queue: aniworld_queue::engine::QueueEngine,
    /// Hoster health as the download resolver saw it (`/health/detailed`).
    pub hosters: aniworld_provider::resolver::HealthTracker,
    /// tvshow.nfo, artwork and episode NFOs of library series (TMDB).
    pub nfo: Arc<crate::nfo_service::NfoService>,
    /// The library: catalogue search, adding series, scans (`routes/anime.rs`).
    pub anime: Arc<crate::anime_service::AnimeService>,
    /// The rescan scheduler (`routes/scheduler.rs`).
    pub scheduler: Arc<crate::scheduler::SchedulerService>,
    /// The catalogue canary thread (its outcome is in the anime service's site monitor).
    pub canary: Arc<aniworld_provider::catalogue::canary::CanaryRunner>,
    /// Cap and idle time of unauthenticated WebSocket connections.
    pub ws_limits: Arc<crate::ws::limits::WsLimits>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data_dir", &self.settings.data_dir)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}
