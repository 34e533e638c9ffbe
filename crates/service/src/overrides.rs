//! What the command line (or a test, or an embedding tool) decides, kept apart from config.json.
//!
//! [`ServiceOptions`] says where the data lives. [`RuntimeOverrides`] are the values
//! given by flags or environment variables; they win over config.json while the process runs but
//! are never written into it (see [`RuntimeOverrides::keep_out`]).

use std::path::PathBuf;
use std::time::Duration;

use aniworld_core::{AppConfig, Secret};

/// Where the service keeps its data and which flag/environment values win over config.json:
/// all the facade needs to open (the HTTP server adds its bind address on top).
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// The data directory (created when missing).
    pub data_dir: PathBuf,
    /// Flag/env values that win over config.json.
    pub overrides: RuntimeOverrides,
    /// How long after the start a scheduled rescan missed while the service was down runs
    /// (`scheduler.catch_up`); [`ServiceOptions::CATCH_UP_DELAY`] unless a tool or test says.
    pub catch_up_delay: Duration,
}

impl ServiceOptions {
    /// The default [`ServiceOptions::catch_up_delay`]: the start is not slowed by a rescan.
    pub const CATCH_UP_DELAY: Duration = Duration::from_secs(30);

    /// Options for `data_dir` without overrides.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            overrides: RuntimeOverrides::default(),
            catch_up_delay: Self::CATCH_UP_DELAY,
        }
    }

    /// `<data_dir>/aniworld.db`.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("aniworld.db")
    }

    /// `<data_dir>/logs`.
    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// `<data_dir>/config.json`.
    pub fn config_path(&self) -> PathBuf {
        self.data_dir.join("config.json")
    }

    /// The configuration in force for a one-shot command: config.json as stored (defaults when
    /// it is missing or unreadable) with the overrides applied. Writes nothing.
    pub fn read_config(&self) -> AppConfig {
        let stored = std::fs::read_to_string(self.config_path())
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        self.overrides.apply(&stored)
    }
}

/// Values from flags or environment variables that win over config.json.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOverrides {
    /// Anime folder used only while config.json names none.
    pub anime_dir: Option<String>,
    /// `provider.base_url` (aniworld.to's base URL).
    pub provider_url: Option<String>,
    /// s.to's base URL; setting it also enables s.to.
    pub sto_url: Option<String>,
    /// `nfo.tmdb_api_url`.
    pub tmdb_api_url: Option<String>,
    /// `nfo.tmdb_image_url`.
    pub tmdb_image_url: Option<String>,
    /// `nfo.tmdb_api_key`.
    pub tmdb_api_key: Secret,
    /// Token signing key instead of the stored one.
    pub jwt_secret: Secret,
    /// env_logger filter instead of `logging.level`.
    pub log_level: Option<String>,
}

impl RuntimeOverrides {
    /// The configuration the service runs with: `stored` with the overrides applied.
    pub fn apply(&self, stored: &AppConfig) -> AppConfig {
        let mut c = stored.clone();
        if c.other.anime_directory.is_none() {
            c.other.anime_directory = self.anime_dir.clone();
        }
        if let Some(u) = &self.provider_url {
            c.provider.base_url = u.clone();
        }
        c.provider.normalize();
        if let Some(u) = &self.sto_url
            && let Some(site) = c
                .provider
                .sites
                .iter_mut()
                .find(|s| s.id == aniworld_core::config::SITE_STO)
        {
            site.base_url = u.clone();
            site.enabled = true;
        }
        if let Some(u) = &self.tmdb_api_url {
            c.nfo.tmdb_api_url = u.clone();
        }
        if let Some(u) = &self.tmdb_image_url {
            c.nfo.tmdb_image_url = u.clone();
        }
        if self.tmdb_api_key.is_set() {
            c.nfo.tmdb_api_key = self.tmdb_api_key.clone();
        }
        c
    }

    /// Undoes overrides in a configuration about to be stored: a field that carries the override's
    /// value (because a client sent back what `GET /api/config` showed) keeps its stored value.
    pub fn keep_out(&self, new: &mut AppConfig, stored: &AppConfig) {
        if self.anime_dir.is_some()
            && stored.other.anime_directory.is_none()
            && new.other.anime_directory == self.anime_dir
        {
            new.other.anime_directory = None;
        }
        if self.provider_url.as_ref() == Some(&new.provider.base_url) {
            new.provider.base_url = stored.provider.base_url.clone();
        }
        if let Some(u) = &self.sto_url {
            let stored_sto = stored
                .provider
                .site(aniworld_core::config::SITE_STO)
                .cloned();
            if let Some(site) = new
                .provider
                .sites
                .iter_mut()
                .find(|s| s.id == aniworld_core::config::SITE_STO)
                && site.base_url == *u
                && let Some(old) = stored_sto
            {
                site.base_url = old.base_url;
                site.enabled = old.enabled;
            }
        }
        new.provider.normalize();
        if self.tmdb_api_url.as_ref() == Some(&new.nfo.tmdb_api_url) {
            new.nfo.tmdb_api_url = stored.nfo.tmdb_api_url.clone();
        }
        if self.tmdb_image_url.as_ref() == Some(&new.nfo.tmdb_image_url) {
            new.nfo.tmdb_image_url = stored.nfo.tmdb_image_url.clone();
        }
        if self.tmdb_api_key.is_set() && new.nfo.tmdb_api_key == self.tmdb_api_key {
            new.nfo.tmdb_api_key = stored.nfo.tmdb_api_key.clone();
        }
    }

    /// Names of the settings overridden, for the start-up log (never the values of secrets).
    pub fn describe(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |set: bool, name| {
            if set {
                v.push(name);
            }
        };
        add(self.anime_dir.is_some(), "anime directory (fallback)");
        add(self.provider_url.is_some(), "provider.base_url");
        add(self.sto_url.is_some(), "provider.sites[s.to].base_url");
        add(self.tmdb_api_url.is_some(), "nfo.tmdb_api_url");
        add(self.tmdb_image_url.is_some(), "nfo.tmdb_image_url");
        add(self.tmdb_api_key.is_set(), "nfo.tmdb_api_key");
        add(self.jwt_secret.is_set(), "jwt secret");
        add(self.log_level.is_some(), "log level");
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides() -> RuntimeOverrides {
        RuntimeOverrides {
            anime_dir: Some("/srv/anime".into()),
            provider_url: Some("http://127.0.0.1:9/".into()),
            tmdb_api_key: Secret::new(Some("flag-key".into())),
            ..Default::default()
        }
    }

    #[test]
    fn overrides_win_but_anime_dir_is_only_a_fallback() {
        let mut stored = AppConfig::default();
        let eff = overrides().apply(&stored);
        assert_eq!(eff.provider.base_url, "http://127.0.0.1:9/");
        assert_eq!(eff.other.anime_directory.as_deref(), Some("/srv/anime"));
        assert_eq!(eff.nfo.tmdb_api_key.expose(), Some("flag-key"));
        stored.other.anime_directory = Some("/configured".into());
        assert_eq!(
            overrides().apply(&stored).other.anime_directory.as_deref(),
            Some("/configured")
        );
    }

    #[test]
    fn a_round_trip_of_the_effective_config_stores_no_override() {
        let stored = AppConfig::default();
        let o = overrides();
        let mut sent_back = o.apply(&stored);
        sent_back.name = "Renamed".into();
        o.keep_out(&mut sent_back, &stored);
        assert_eq!(sent_back.provider.base_url, stored.provider.base_url);
        assert_eq!(sent_back.other.anime_directory, None);
        assert!(!sent_back.nfo.tmdb_api_key.is_set());
        assert_eq!(sent_back.name, "Renamed");
    }
}
