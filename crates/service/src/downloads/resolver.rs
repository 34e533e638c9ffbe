//! The queue's stream resolver: the hoster extractors of `aniworld-provider` on top of the one
//! catalogue client the whole service shares ([`CatalogueHandle`]), so request pacing, cookies
//! and solver clearances are the same for scans, adds and downloads, and a changed `provider`
//! configuration reaches downloads without a restart.
//!
//! Listeners ([`SourceListener`], given with [`CatalogueResolver::with_listeners`]) learn which
//! hoster and language each episode's download used: the metrics count downloads by them
//! ([`counting`]) and the download history records them ([`recording`]).

use std::sync::{Arc, Mutex};

use aniworld_core::ports::{
    CancelToken, HosterHealthMap, MediaSource, ResolveAttempt, SourceError, StreamResolver,
};
use aniworld_core::{EpisodeId, Language};
use aniworld_provider::catalogue::Catalogues;
use aniworld_provider::resolver::{HealthTracker, Resolver};

use crate::catalogue::CatalogueHandle;
use crate::history::HistoryService;
use crate::metrics::MetricsService;

/// Told the source an episode's download resolved to: (series key, episode, hoster and
/// language), or when resolving failed the last hoster and language tried (None: none was
/// tried). Called on the download worker's thread; must be quick.
pub type SourceListener = Arc<dyn Fn(&str, EpisodeId, Option<(&str, Language)>) + Send + Sync>;

/// The listener that lets `metrics` count downloads by hoster and language.
pub fn counting(metrics: &Arc<MetricsService>) -> SourceListener {
    let metrics = metrics.clone();
    Arc::new(move |key, id, source| {
        metrics.resolved(key, id, source.map(|(h, l)| (h, l.to_string())));
    })
}

/// The listener that lets `history` record the hoster and language of each download.
pub fn recording(history: &Arc<HistoryService>) -> SourceListener {
    let history = history.clone();
    Arc::new(move |key, id, source| history.resolved(key, id, source))
}

/// A [`StreamResolver`] over the shared catalogue; hoster health survives reconfiguration.
pub struct CatalogueResolver {
    catalogue: Arc<CatalogueHandle>,
    health: HealthTracker,
    /// The resolver built for the catalogue client it was built on.
    current: Mutex<Option<(Arc<Catalogues>, Arc<Resolver>)>>,
    /// Told which hoster and language each resolved episode got.
    listeners: Vec<SourceListener>,
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
            listeners: Vec::new(),
        }
    }

    /// The same resolver, telling each of `listeners` the source of every episode it resolves.
    pub fn with_listeners(mut self, listeners: &[SourceListener]) -> Self {
        self.listeners.extend(listeners.iter().cloned());
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
        if !self.listeners.is_empty() {
            let source = match &result {
                Ok((s, _)) => Some((s.hoster.as_str(), s.language)),
                Err((_, tried)) => tried.last().map(|a| (a.hoster.as_str(), a.language)),
            };
            for listener in &self.listeners {
                listener(key, id, source);
            }
        }
        result
    }
}
