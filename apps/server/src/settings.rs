//! Runtime settings of the server: where to bind and how to stop, on top of the service's
//! [`ServiceOptions`] (data folder and the [`RuntimeOverrides`] of flags and environment).

use std::path::PathBuf;

pub use aniworld_service::{RuntimeOverrides, ServiceOptions};

/// How the application is started.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// The data directory (created when missing).
    pub data_dir: PathBuf,
    /// Flag/env values that win over config.json.
    pub overrides: RuntimeOverrides,
    /// HTTP worker threads; None = actix's default (one per core).
    pub workers: Option<usize>,
    /// Seconds a graceful stop waits for open connections.
    pub shutdown_timeout_secs: u64,
    /// Whether SIGINT/SIGTERM stop the server (false for in-process test servers).
    pub handle_signals: bool,
}

impl Settings {
    /// Defaults of runtime-contract.md with the given data dir.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8000,
            data_dir: data_dir.into(),
            overrides: RuntimeOverrides::default(),
            workers: None,
            shutdown_timeout_secs: 10,
            handle_signals: false,
        }
    }

    /// Settings for an in-process test server: loopback, free port, one worker, quick stop.
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> Self {
        let mut s = Self::new(data_dir);
        s.port = 0;
        s.workers = Some(1);
        s.shutdown_timeout_secs = 1;
        s
    }

    /// `<data_dir>/aniworld.db`.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("aniworld.db")
    }

    /// `<data_dir>/logs`.
    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// What the service facade needs of these settings.
    pub fn service_options(&self) -> ServiceOptions {
        ServiceOptions {
            data_dir: self.data_dir.clone(),
            overrides: self.overrides.clone(),
            catch_up_delay: ServiceOptions::CATCH_UP_DELAY,
        }
    }
}
