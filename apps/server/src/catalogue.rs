//! The catalogue client of the running configuration.
//!
//! [`CatalogueHandle`] keeps one [`Catalogue`] built from the effective `provider` section and
//! builds a new one when that section changes (`PUT /api/config`), so that a changed base URL,
//! proxy or solver applies without a restart. It is also the scanner's
//! [`EpisodeSource`]: each look-up goes to the catalogue of the current configuration.
//!
//! Pages are cached only while a scan is open (no time-to-live outside scans), so a rescan or an
//! add always sees the catalogue as it is now.

use std::sync::{Arc, Mutex};

use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{CatalogueSeries, EpisodeSource, SourceError};
use aniworld_provider::ProviderError;
use aniworld_provider::catalogue::{Catalogue, CatalogueOptions};

use crate::config_service::ConfigService;

/// The catalogue of the current configuration; share it behind an `Arc`.
pub struct CatalogueHandle {
    config: Arc<ConfigService>,
    current: Mutex<Option<(ProviderConfig, Arc<Catalogue>)>>,
}

impl std::fmt::Debug for CatalogueHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogueHandle").finish_non_exhaustive()
    }
}

impl CatalogueHandle {
    /// A handle that builds its catalogue on first use.
    pub fn new(config: Arc<ConfigService>) -> Self {
        Self {
            config,
            current: Mutex::new(None),
        }
    }

    /// The catalogue for the current `provider` configuration (built when it changed).
    pub fn get(&self) -> Result<Arc<Catalogue>, ProviderError> {
        let provider = self.config.current().provider.clone();
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((cfg, catalogue)) = current.as_ref()
            && *cfg == provider
        {
            return Ok(catalogue.clone());
        }
        let options = CatalogueOptions {
            cache_ttl: std::time::Duration::ZERO,
            ..CatalogueOptions::default()
        };
        let catalogue = Arc::new(Catalogue::with_options(&provider, options)?);
        log::info!("catalogue client for {}", catalogue.base_url());
        *current = Some((provider, catalogue.clone()));
        Ok(catalogue)
    }
}

impl EpisodeSource for CatalogueHandle {
    fn series(&self, key: &str) -> Result<CatalogueSeries, SourceError> {
        let catalogue = self.get().map_err(SourceError::from)?;
        EpisodeSource::series(catalogue.as_ref(), key)
    }
}
