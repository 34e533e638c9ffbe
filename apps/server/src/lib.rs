//! The Aniworld service as a library, so tests and tools can start it.
//!
//! [`Application::build`] opens the data dir (SQLite store, config.json), binds the listener
//! (port 0 picks a free one) and assembles the actix-web app; [`Application::run_until_stopped`]
//! serves until the server is stopped (SIGINT/SIGTERM when enabled). This crate adapts HTTP to the
//! domain crates and decides nothing itself: no diesel, no HTTP client, no HTML parsing here.
//!
//! Middleware, outermost first: security headers, request context (request id, access log, error
//! shape), CORS, the pre-setup Origin check, rate limits, authentication; then the routes of
//! `routes/`.

pub mod anime_service;
pub mod assets;
pub mod auth;
pub mod backups;
pub mod blocking;
pub mod body;
pub mod catalogue;
pub mod cli;
pub mod config_service;
pub mod context;
pub mod data_dir;
pub mod downloads;
pub mod error;
pub mod events;
pub mod fetch_cli;
pub mod files;
pub mod logging;
pub mod metrics;
pub mod nfo_service;
pub mod openapi;
pub mod routes;
pub mod scheduler;
pub mod security;
pub mod settings;
pub mod state;
pub mod ws;

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use aniworld_store::Store;

pub use settings::{RuntimeOverrides, Settings};
pub use state::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A folder or the listener could not be set up.
    #[error("could not {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path or address.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] aniworld_store::StoreError),
    /// config.json is unreadable or invalid.
    #[error("configuration: {0}")]
    Config(#[from] config_service::ConfigError),
    /// The authentication state could not be loaded.
    #[error("authentication state: {0}")]
    Auth(String),
    /// The download queue could not be started.
    #[error("{0}")]
    Queue(#[from] downloads::QueueStartError),
    /// The rescan scheduler could not be started.
    #[error("{0}")]
    Scheduler(#[from] scheduler::SchedulerStartError),
}

/// A built, bound, not yet running service.
pub struct Application {
    host: String,
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Opens the data dir, binds `settings.host:settings.port` and builds the server.
    /// Must be called inside an actix/tokio runtime.
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let io = |what, path: &std::path::Path| {
            let path = path.to_path_buf();
            move |source| StartError::Io { what, path, source }
        };
        let started = std::time::SystemTime::now();
        // Owner-only folders and files, no leftovers of interrupted writes (data_dir.rs).
        data_dir::prepare(&settings).map_err(io("prepare the data folder", &settings.data_dir))?;
        let store = Store::open(&settings.database_path())?;
        let config = Arc::new(config_service::ConfigService::load(
            &settings.data_dir,
            settings.overrides.clone(),
        )?);
        data_dir::sweep_library_in_background(
            aniworld_library::anime_dir_from_config(&config.current()).ok(),
            started,
        );
        let auth = auth::AuthService::init(
            Arc::new(store.clone()),
            Arc::new(store.clone()),
            config.clone(),
            &settings.overrides.jwt_secret,
        )
        .map_err(|e| StartError::Auth(e.to_string()))?;
        let overridden = settings.overrides.describe();
        if !overridden.is_empty() {
            log::info!("set by flags or environment: {}", overridden.join(", "));
        }
        let nfo = Arc::new(nfo_service::NfoService::new(
            Arc::new(store.clone()),
            config.clone(),
        ));
        let events = events::EventHub::default();
        let hosters = downloads::hoster_health(&store, &events);
        let anime = Arc::new(anime_service::AnimeService::new(
            config.clone(),
            store.clone(),
            events.clone(),
        ));
        anime.publish_site_status();
        let canary = Arc::new(
            anime
                .spawn_canary()
                .map_err(io("start the canary thread of", &settings.data_dir))?,
        );
        let queue = downloads::start(
            &store,
            &config,
            &events,
            &hosters,
            anime.catalogue().clone(),
            nfo.clone(),
        )?;
        let scheduler = Arc::new(scheduler::SchedulerService::start(
            config.clone(),
            &store,
            anime.clone(),
            queue.clone(),
        )?);
        let state = web::Data::new(AppState {
            settings: Arc::new(settings.clone()),
            config,
            auth: Arc::new(auth),
            store,
            limits: Arc::new(security::RateLimits::default()),
            system: Arc::new(metrics::SystemMetrics::default()),
            nfo,
            started_at: chrono::Utc::now(),
            events,
            queue,
            hosters,
            anime,
            scheduler,
            canary,
            ws_limits: Arc::default(),
        });

        let addr = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&addr).map_err(io("bind", std::path::Path::new(&addr)))?;
        let port = listener
            .local_addr()
            .map_err(io("read the address of", std::path::Path::new(&addr)))?
            .port();
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(error::json_config())
                .app_data(error::query_config())
                .app_data(error::path_config())
                .wrap(from_fn(auth::authenticate))
                .wrap(from_fn(security::rate_limit))
                .wrap(from_fn(security::guard_setup_origin))
                .wrap(security::cors(app_state.config.clone()))
                .wrap(from_fn(context::request_context))
                .wrap(from_fn(security::security_headers))
                .configure(routes::configure)
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(settings.shutdown_timeout_secs);
        if let Some(w) = settings.workers {
            server = server.workers(w);
        }
        if !settings.handle_signals {
            server = server.disable_signals();
        }
        let server = server
            .listen(listener)
            .map_err(io("listen on", std::path::Path::new(&addr)))?
            .run();
        Ok(Application {
            host: settings.host,
            port,
            server,
            state,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://HOST:PORT`.
    pub fn address(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The shared state (for tools and tests).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped, then stops the download workers (running downloads
    /// keep their `.part` data and resume at the next start).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        let queue = self.state.queue.clone();
        let _ = web::block(move || queue.shutdown()).await;
        let scheduler = self.state.scheduler.clone();
        let _ = web::block(move || scheduler.shutdown()).await;
        let canary = self.state.canary.clone();
        let _ = web::block(move || canary.shutdown()).await;
        served
    }
}

async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, error::ApiError> {
    Err(error::ApiError::NotFound(format!(
        "No route for {} {}",
        req.method(),
        req.path()
    )))
}
