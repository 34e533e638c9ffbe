//! The queue's stream resolver: the hoster extractors of `aniworld-provider` on top of the one
//! catalogue client the whole service shares ([`CatalogueHandle`]), so request pacing, cookies
//! and solver clearances are the same for scans, adds and downloads, and a changed `provider`
//! configuration reaches downloads without a restart.

use std::sync::{Arc, Mutex};

use aniworld_core::ports::{
    CancelToken, HosterHealthMap, MediaSource, ResolveAttempt, SourceError, StreamResolver,
};
use aniworld_core::{EpisodeId, Language};
use aniworld_provider::catalogue::Catalogues;
use aniworld_provider::resolver::{HealthTracker, Resolver};

use crate::catalogue::CatalogueHandle;
use crate::metrics::MetricsService;

/// A [`StreamResolver`] over the shared catalogue; hoster health survives reconfiguration.
pub struct CatalogueResolver {
    catalogue: Arc<CatalogueHandle>,
    health: HealthTracker,
    /// The resolver built for the catalogue client it was built on.
    current: Mutex<Option<(Arc<Catalogues>, Arc<Resolver>)>>,
    /// Told which hoster and language each resolved episode got.
    metrics: Option<Arc<MetricsService>>,
}

impl std::fmt::Debug for CatalogueResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogueResolver").finish_non_exhaustive()
    }
}

impl CatalogueResolver {
    /// A resolver on the shared catalogue that records hoster attempts in `health`.
    pub fn new(catalogue: Arc<CatalogueHandle>, health: HealthTracker) -> Self {
        Self {
            catalogue,
            health,
            current: Mutex::new(None),
            metrics: None,
        }
    }

    /// The same resolver, telling `metrics` the source of every episode it resolves.
    pub fn counted(mut self, metrics: &Arc<MetricsService>) -> Self {
        self.metrics = Some(metrics.clone());
        self
    }

    /// The resolver for the catalogue client of the current configuration. Downloads that are
    /// resolving keep the client they started with.
    fn resolver(&self) -> Result<Arc<Resolver>, SourceError> {
        let catalogues = self.catalogue.get().map_err(SourceError::from)?;
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((built_on, resolver)) = current.as_ref()
            && Arc::ptr_eq(built_on, &catalogues)
        {
            return Ok(resolver.clone());
        }
        // Hoster pages go through the HTTP client of the default site (its proxy, DNS overrides
        // and solver); the site cookie is never sent to hosters.
        let http = catalogues
            .sites()
            .first()
            .map(|c| c.http().clone())
            .ok_or_else(|| {
                SourceError::new(
                    aniworld_core::ports::SourceErrorKind::Network,
                    "no catalogue site is enabled (provider.sites)",
                )
            })?;
        let resolver = Arc::new(Resolver::with_health(
            catalogues.clone(),
            http,
            self.health.clone(),
        ));
        *current = Some((catalogues, resolver.clone()));
        Ok(resolver)
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
        let result = self
            .resolver()
            .map_err(|e| (e, Vec::new()))
            .and_then(|r| r.resolve(key, id, languages, hosters, cancel));
        // The source used, or for a failure the last hoster tried.
        if let Some(m) = &self.metrics {
            let source = match &result {
                Ok((s, _)) => Some((s.hoster.as_str(), s.language.to_string())),
                Err((_, tried)) => tried
                    .last()
                    .map(|a| (a.hoster.as_str(), a.language.to_string())),
            };
            m.resolved(key, id, source);
        }
        result
    }
}
