//! The queue's stream resolver: the catalogue client and hoster extractors of
//! `aniworld-provider`, rebuilt when the provider configuration changes.

use std::sync::{Arc, RwLock};

use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{
    CancelToken, HosterHealthMap, MediaSource, ResolveAttempt, SourceError, StreamResolver,
};
use aniworld_core::{EpisodeId, Language};
use aniworld_provider::catalogue::Catalogue;
use aniworld_provider::resolver::{HealthTracker, Resolver};

use super::QueueStartError;

/// A [`StreamResolver`] for the configured catalogue; hoster health survives reconfiguration.
pub struct CatalogueResolver {
    health: HealthTracker,
    current: RwLock<(ProviderConfig, Arc<Resolver>)>,
}

impl std::fmt::Debug for CatalogueResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogueResolver").finish_non_exhaustive()
    }
}

fn build(cfg: &ProviderConfig, health: &HealthTracker) -> Result<Arc<Resolver>, QueueStartError> {
    let catalogue = Catalogue::new(cfg).map_err(|e| QueueStartError::Catalogue {
        base_url: cfg.base_url.clone(),
        message: e.to_string(),
    })?;
    let catalogue = Arc::new(catalogue);
    let http = catalogue.http().clone();
    Ok(Arc::new(Resolver::with_health(
        catalogue,
        http,
        health.clone(),
    )))
}

impl CatalogueResolver {
    /// A resolver for the catalogue `cfg` names.
    pub fn new(cfg: &ProviderConfig) -> Result<Self, QueueStartError> {
        Self::with_health(cfg, HealthTracker::new())
    }

    /// A resolver for the catalogue `cfg` names that records hoster attempts in `health`.
    pub fn with_health(
        cfg: &ProviderConfig,
        health: HealthTracker,
    ) -> Result<Self, QueueStartError> {
        let resolver = build(cfg, &health)?;
        Ok(Self {
            health,
            current: RwLock::new((cfg.clone(), resolver)),
        })
    }

    /// Switches to a new provider configuration; a no-op when it did not change. Downloads that
    /// are resolving keep the client they started with.
    pub fn reconfigure(&self, cfg: &ProviderConfig) -> Result<(), QueueStartError> {
        if self.current.read().unwrap_or_else(|p| p.into_inner()).0 == *cfg {
            return Ok(());
        }
        let resolver = build(cfg, &self.health)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = (cfg.clone(), resolver);
        Ok(())
    }

    /// Per-hoster health over the last 24 hours.
    pub fn health(&self) -> HosterHealthMap {
        self.health.snapshot()
    }
}

impl StreamResolver for CatalogueResolver {
    fn resolve(
        &self,
        key: &str,
        id: EpisodeId,
        languages: &[Language],
        hosters: &[String],
        cancel: &CancelToken,
    ) -> Result<(MediaSource, Vec<ResolveAttempt>), (SourceError, Vec<ResolveAttempt>)> {
        let resolver = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone();
        resolver.resolve(key, id, languages, hosters, cancel)
    }
}
