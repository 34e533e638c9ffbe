//! The Aniworld HTTP server as a library, so tests and tools can start it.
//!
//! [`Application::build`] opens the service facade ([`aniworld_service::Aniworld`]: data folder,
//! store, config.json, queue, scheduler), binds the listener (port 0 picks a free one) and
//! assembles the actix-web app; [`Application::run_until_stopped`] serves until the server is
//! stopped (SIGINT/SIGTERM when enabled). This crate adapts HTTP and WebSocket to the use cases
//! of `aniworld-service` and decides nothing itself: routing, extractors, DTOs, authentication,
//! rate limits, error mapping, WebSocket, OpenAPI, static assets, logging setup and the command
//! line front end live here; no diesel, no HTTP client, no HTML parsing.
//!
//! Middleware, outermost first: the base path (`server.base_path` taken off), security headers,
//! request context (request id, access log, HTTP figures, error shape), CORS, the pre-setup
//! Origin check, rate limits, authentication; then the routes of `routes/`.

pub mod assets;
pub mod auth;
pub mod base_path;
pub mod blocking;
pub mod body;
pub mod cli;
pub mod client;
pub mod context;
pub mod error;
pub mod events;
pub mod fetch_cli;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod page_cache;
pub mod rate_limits;
pub mod request_id;
pub mod routes;
pub mod security;
pub mod settings;
pub mod state;
pub mod websocket;

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use aniworld_service::Aniworld;

pub use settings::{RuntimeOverrides, Settings};
pub use state::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The service facade could not open (data folder, database, config.json, queue).
    #[error("{0}")]
    Service(#[from] aniworld_service::StartError),
    /// The listener could not be set up.
    #[error("could not {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The address.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The authentication state could not be loaded.
    #[error("authentication state: {0}")]
    Auth(String),
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
        let events = events::EventHub::default();
        let retries = routes::queue::dto::RetryLimit::default();
        let app = Aniworld::open(
            settings.service_options(),
            websocket::messages::sink(events.clone(), retries.clone()),
        )?;
        retries.follow(app.config());
        logging::remember_secrets(&app.config().current());
        app.config().on_change(|c| logging::remember_secrets(c));
        app.config().on_change(|c| logging::apply_level(c));
        let auth = auth::AuthService::init(
            Arc::new(app.store().clone()),
            Arc::new(app.store().clone()),
            app.config().clone(),
            &settings.overrides.jwt_secret,
        )
        .map_err(|e| StartError::Auth(e.to_string()))?;
        let overridden = settings.overrides.describe();
        if !overridden.is_empty() {
            log::info!("set by flags or environment: {}", overridden.join(", "));
        }
        let state = web::Data::new(AppState {
            settings: Arc::new(settings.clone()),
            app,
            auth: Arc::new(auth),
            limits: Arc::new(rate_limits::RateLimits::default()),
            system: Arc::new(metrics::SystemMetrics::default()),
            started_at: chrono::Utc::now(),
            events,
            ws_limits: Arc::default(),
        });

        let addr = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&addr).map_err(io("bind", std::path::Path::new(&addr)))?;
        let port = listener
            .local_addr()
            .map_err(io("read the address of", std::path::Path::new(&addr)))?
            .port();
        let app_state = state.clone();
        let anime_pages = web::Data::new(routes::anime::AnimePages::default());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(anime_pages.clone())
                .app_data(error::json_config())
                .app_data(error::query_config())
                .app_data(error::path_config())
                .wrap(from_fn(auth::authenticate))
                .wrap(from_fn(security::rate_limit))
                .wrap(from_fn(security::guard_setup_origin))
                .wrap(security::cors(app_state.app.config().clone()))
                .wrap(from_fn(context::request_context))
                .wrap(from_fn(security::security_headers))
                .wrap(from_fn(base_path::strip_base_path))
                .configure(routes::configure)
                .configure(openapi::configure)
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
        self.run_until_stopped_announcing(|| {}).await
    }

    /// As [`Application::run_until_stopped`], calling `serving` once the server runs (its
    /// signal handlers installed), so a stop signal sent after it is always a clean stop.
    pub async fn run_until_stopped_announcing(self, serving: impl FnOnce()) -> std::io::Result<()> {
        let mut server = self.server;
        let mut serving = Some(serving);
        let served = std::future::poll_fn(|cx| {
            let polled = std::pin::Pin::new(&mut server).poll(cx);
            if let Some(announce) = serving.take() {
                announce();
            }
            polled
        })
        .await;
        let app = self.state.app.clone();
        let _ = web::block(move || app.shutdown()).await;
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
