//! The set-up of the use-case tests: the facade opened on a temporary data folder, configured
//! against fakes on 127.0.0.1 (catalogue, hoster, TMDB), with every event it publishes kept for
//! the test to wait on.

#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use aniworld_service::{Aniworld, Event, RuntimeOverrides, ServiceOptions};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The events a facade published, with a way to wait for one.
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<Event>>,
    arrived: Condvar,
}

impl Recorder {
    /// Waits (at most `limit`) until an event matching `want` has been published; returns it.
    pub fn wait_for(&self, limit: Duration, want: impl Fn(&Event) -> bool) -> Event {
        let deadline = Instant::now() + limit;
        let mut events = self.events.lock().unwrap();
        loop {
            if let Some(e) = events.iter().find(|e| want(e)) {
                return e.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no such event within {limit:?}; got {events:#?}"
            );
            events = self.arrived.wait_timeout(events, left).unwrap().0;
        }
    }

    /// Every event so far.
    pub fn all(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }
}

/// A facade on a temporary data folder and library.
pub struct Env {
    /// The service.
    pub app: Aniworld,
    /// What it published.
    pub events: Arc<Recorder>,
    /// The data folder.
    pub data: TempDir,
    /// The anime folder.
    pub anime: TempDir,
}

impl Env {
    /// The folder of a series in the library.
    pub fn folder(&self, name: &str) -> PathBuf {
        self.anime.path().join(name)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.app.shutdown();
    }
}

/// The configuration of the tests: defaults, a cheap password hash, no canary.
pub fn test_config() -> Value {
    let mut c = serde_json::to_value(aniworld_core::AppConfig::default()).unwrap();
    c["server"]["bcrypt_cost"] = json!(4);
    c["provider"]["canary_interval_minutes"] = json!(0);
    // The tests start the queue themselves.
    c["download"]["auto_start"] = json!(false);
    c
}

/// Opens the facade with the catalogue at `catalogue_url`, the configuration changed by
/// `change` first.
pub fn open(catalogue_url: &str, change: impl FnOnce(&mut Value)) -> Env {
    let data = tempfile::tempdir().unwrap();
    let anime = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config["other"]["anime_directory"] = json!(anime.path());
    change(&mut config);
    write_config(data.path(), &config);
    let options = ServiceOptions {
        data_dir: data.path().to_path_buf(),
        overrides: RuntimeOverrides {
            provider_url: Some(catalogue_url.to_string()),
            ..RuntimeOverrides::default()
        },
        catch_up_delay: ServiceOptions::CATCH_UP_DELAY,
    };
    let events = Arc::new(Recorder::default());
    let sink = events.clone();
    let app = Aniworld::open(
        options,
        Arc::new(move |e: Event| {
            sink.events.lock().unwrap().push(e);
            sink.arrived.notify_all();
        }),
    )
    .expect("the facade opens");
    Env {
        app,
        events,
        data,
        anime,
    }
}

/// Writes `config` as `<dir>/config.json`.
pub fn write_config(dir: &Path, config: &Value) {
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec_pretty(config).unwrap(),
    )
    .unwrap();
}
