//! The application state shared by every handler: the service facade plus what only the HTTP
//! side has (authentication, rate limits, the WebSocket hub), in `web::Data`.
//!
//! A new use case goes into `aniworld-service` and is reached through [`AppState::app`]; only
//! HTTP- or WebSocket-specific state gets a field here (filled in `Application::build`).

use std::sync::Arc;

use aniworld_service::Aniworld;
use chrono::{DateTime, Utc};

use crate::auth::AuthService;
use crate::metrics::SystemMetrics;
use crate::rate_limits::RateLimits;
use crate::settings::Settings;

/// Everything handlers reach.
#[derive(Clone)]
pub struct AppState {
    /// How the process was started (bind address, data dir, overrides).
    pub settings: Arc<Settings>,
    /// The use cases: library, metadata, queue, scheduler, configuration and backups.
    pub app: Aniworld,
    /// Master password, tokens, lockout.
    pub auth: Arc<AuthService>,
    /// Keyed rate limiters for login/setup and per-Origin requests.
    pub limits: Arc<RateLimits>,
    /// CPU, memory and disk figures for `/health/detailed`.
    pub system: Arc<SystemMetrics>,
    /// When the service started.
    pub started_at: DateTime<Utc>,
    /// The WebSocket event hub (one bounded broadcast).
    pub events: crate::events::EventHub,
    /// Cap and idle time of unauthenticated WebSocket connections.
    pub ws_limits: Arc<crate::websocket::limits::WsLimits>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data_dir", &self.settings.data_dir)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}
