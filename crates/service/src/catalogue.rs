//! The catalogue clients of the running configuration.
//!
//! [`CatalogueHandle`] keeps one [`Catalogues`] (a client per enabled site) built from the
//! effective `provider` section and builds a new one when that section changes
//! (`PUT /api/config`), so that a changed base URL, site list, cookie, proxy or solver applies
//! without a restart. The [`SiteMonitor`] (engine seen, verification walls, session, canary
//! outcome per site) outlives those rebuilds. The handle is also the scanner's
//! [`EpisodeSource`]: each look-up goes to the site of the series' library id, and the change
//! signal of a changed rescan asks every enabled site for its list of new episodes.
//!
//! Pages are cached only while a scan is open (no time-to-live outside scans), so a rescan or an
//! add always sees the catalogue as it is now.

use std::sync::{Arc, Mutex};

use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{
    CatalogueSeries, ChangeSignal, EpisodeSource, Lookup, PageValidators, SourceError,
};
use aniworld_provider::ProviderError;
use aniworld_provider::catalogue::{CatalogueOptions, Catalogues, SiteMonitor};

use crate::config::ConfigService;

/// The catalogues of the current configuration; share it behind an `Arc`.
pub struct CatalogueHandle {
    config: Arc<ConfigService>,
    monitor: SiteMonitor,
    current: Mutex<Option<(ProviderConfig, Arc<Catalogues>)>>,
}

impl std::fmt::Debug for CatalogueHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogueHandle").finish_non_exhaustive()
    }
}

impl CatalogueHandle {
    /// A handle that builds its catalogues on first use.
    pub fn new(config: Arc<ConfigService>) -> Self {
        Self {
            config,
            monitor: SiteMonitor::new(),
            current: Mutex::new(None),
        }
    }

    /// The per-site status shared by every catalogue client built by this handle.
    pub fn monitor(&self) -> &SiteMonitor {
        &self.monitor
    }

    /// The catalogues for the current `provider` configuration (built when it changed).
    pub fn get(&self) -> Result<Arc<Catalogues>, ProviderError> {
        let provider = self.config.current().provider.clone();
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((cfg, catalogues)) = current.as_ref()
            && *cfg == provider
        {
            return Ok(catalogues.clone());
        }
        let options = CatalogueOptions {
            cache_ttl: std::time::Duration::ZERO,
            ..CatalogueOptions::default()
        };
        let catalogues = Arc::new(Catalogues::new(&provider, options, self.monitor.clone())?);
        for c in catalogues.sites() {
            log::info!("catalogue {} at {}", c.site(), c.base_url());
        }
        *current = Some((provider, catalogues.clone()));
        Ok(catalogues)
    }
}

impl EpisodeSource for CatalogueHandle {
    fn series(&self, key: &str) -> Result<CatalogueSeries, SourceError> {
        let catalogues = self.get().map_err(SourceError::from)?;
        EpisodeSource::series(catalogues.as_ref(), key)
    }

    fn series_if_changed(
        &self,
        key: &str,
        validators: &PageValidators,
    ) -> Result<Lookup, SourceError> {
        let catalogues = self.get().map_err(SourceError::from)?;
        catalogues.series_if_changed(key, validators)
    }

    fn change_signal(&self) -> ChangeSignal {
        match self.get() {
            Ok(catalogues) => catalogues.change_signal(),
            Err(e) => {
                log::warn!("no change signal: the catalogue cannot be used ({e})");
                ChangeSignal::default()
            }
        }
    }
}
