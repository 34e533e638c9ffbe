//! The stream resolver: from an episode to a media source, trying hosters in preference order.
//!
//! For an episode it reads the hoster links of the episode page, orders them by language
//! preference, then within a language by hoster preference (hosters not listed follow in page
//! order), with degraded hosters (failed their last attempts, in a cool-down; see
//! [`HealthTracker`]) moved to the end of their language. It
//! then follows each link's catalogue redirect and runs the hoster's extractor until one yields
//! a media URL. Every failed attempt is reported with its reason, and every extraction feeds
//! the shared [`HealthTracker`].

mod health;
mod order;

use std::sync::Arc;

use aniworld_core::ports::{
    CancelToken, HosterHealthMap, MediaSource, ResolveAttempt, SourceError, SourceErrorKind,
    StreamResolver,
};
use aniworld_core::{EpisodeId, Language};
use chrono::Utc;

use crate::HosterLink;
use crate::catalogue::Catalogue;
use crate::error::ProviderError;
use crate::hosters::{self, Fetch, Hoster};

pub use health::{
    DegradedListener, FAILING_THRESHOLD, HealthPolicy, HealthTracker, HosterDegraded,
};
pub use order::order_links;

/// Where the resolver gets an episode's hoster links and their redirect targets.
pub trait LinkSource: Send + Sync {
    /// The (language, hoster) links of an episode, in page order.
    fn episode_links(&self, key: &str, id: EpisodeId) -> Result<Vec<HosterLink>, ProviderError>;
    /// The hoster embed URL one of those links points to (a fresh link is fetched when it has
    /// expired; a verification wall is `VerificationRequired`).
    fn resolve_link(
        &self,
        key: &str,
        id: EpisodeId,
        link: &HosterLink,
    ) -> Result<String, ProviderError>;
}

impl LinkSource for Catalogue {
    fn episode_links(&self, key: &str, id: EpisodeId) -> Result<Vec<HosterLink>, ProviderError> {
        Catalogue::episode_links(self, key, id)
    }

    fn resolve_link(
        &self,
        key: &str,
        id: EpisodeId,
        link: &HosterLink,
    ) -> Result<String, ProviderError> {
        Catalogue::resolve_link(self, key, id, link)
    }
}

/// Resolves episodes to media sources; implements [`StreamResolver`].
pub struct Resolver {
    links: Arc<dyn LinkSource>,
    fetch: Arc<dyn Fetch>,
    health: HealthTracker,
}

impl Resolver {
    /// A resolver reading links from `links` and hoster pages through `fetch`, with a fresh
    /// health tracker.
    pub fn new(links: Arc<dyn LinkSource>, fetch: Arc<dyn Fetch>) -> Self {
        Self::with_health(links, fetch, HealthTracker::new())
    }

    /// A resolver that records into an existing (shared) health tracker.
    pub fn with_health(
        links: Arc<dyn LinkSource>,
        fetch: Arc<dyn Fetch>,
        health: HealthTracker,
    ) -> Self {
        Self {
            links,
            fetch,
            health,
        }
    }

    /// Per-hoster health over the last 24 hours.
    pub fn health(&self) -> HosterHealthMap {
        self.health.snapshot()
    }

    /// The shared tracker behind [`Resolver::health`].
    pub fn health_tracker(&self) -> HealthTracker {
        self.health.clone()
    }

    /// One attempt: redirect, then extraction. The error carries its category.
    fn attempt(
        &self,
        key: &str,
        id: EpisodeId,
        link: &HosterLink,
    ) -> Result<MediaSource, SourceError> {
        // A name the resolver does not know is followed too: the hoster may be known by the
        // domain the catalogue redirects to (`hosters::extract` recognises it, or answers
        // "no extractor"). Such links are tried after the known ones (`order_links`).
        let embed = self
            .links
            .resolve_link(key, id, link)
            .map_err(|e| match e {
                ProviderError::VerificationRequired { .. } => SourceError::from(e),
                e => SourceError::new(
                    e.kind(),
                    format!("redirect {} failed: {e}", link.redirect_url),
                ),
            })?;
        let result = hosters::extract(&*self.fetch, &link.hoster, &embed, link.language);
        let now = Utc::now();
        match result {
            Ok(m) => {
                self.health.record_success(&m.hoster, now);
                Ok(m)
            }
            Err(hosters::HosterError::UnknownHoster { name }) => Err(SourceError::new(
                SourceErrorKind::Layout,
                format!("no extractor for hoster {name:?} (nor for the domain of its embed page)"),
            )),
            Err(e) => {
                let name =
                    Hoster::from_name(&link.hoster).map_or(link.hoster.as_str(), |x| x.name());
                if e.is_about_the_video() {
                    self.health
                        .record_video_unavailable(name, now, &e.to_string());
                } else {
                    self.health.record_failure(name, now, &e.to_string());
                }
                Err(e.into())
            }
        }
    }
}

impl StreamResolver for Resolver {
    fn resolve(
        &self,
        key: &str,
        id: EpisodeId,
        languages: &[Language],
        hosters: &[String],
        cancel: &CancelToken,
    ) -> Result<(MediaSource, Vec<ResolveAttempt>), (SourceError, Vec<ResolveAttempt>)> {
        let cancelled = |attempts| {
            Err((
                SourceError::new(
                    SourceErrorKind::Cancelled,
                    format!("resolving {key} {id} was cancelled"),
                ),
                attempts,
            ))
        };
        if cancel.is_cancelled() {
            return cancelled(Vec::new());
        }
        let links = self
            .links
            .episode_links(key, id)
            .map_err(|e| (SourceError::from(e), Vec::new()))?;
        let languages_offered: Vec<Language> = {
            let mut v: Vec<Language> = links.iter().map(|l| l.language).collect();
            v.sort();
            v.dedup();
            v
        };
        let languages = if languages.is_empty() {
            &Language::DEFAULT_PREFERENCE[..]
        } else {
            languages
        };
        let now = Utc::now();
        let ordered = order_links(&links, languages, hosters, |h| {
            let name = Hoster::from_name(h).map_or(h, |x| x.name());
            self.health.is_failing(name, now)
        });
        if ordered.is_empty() {
            let wanted: Vec<&str> = languages.iter().map(|l| l.name()).collect();
            return Err((
                SourceError::new(
                    SourceErrorKind::NotFound,
                    format!(
                        "{key} {id}: no hoster link in the wanted languages ({}); the page offers {} link(s){}",
                        wanted.join(", "),
                        links.len(),
                        if languages_offered.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " in {}",
                                languages_offered
                                    .iter()
                                    .map(|l| l.name())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                ),
                Vec::new(),
            ));
        }
        let mut attempts = Vec::new();
        let mut kinds = Vec::new();
        for link in ordered {
            if cancel.is_cancelled() {
                return cancelled(attempts);
            }
            match self.attempt(key, id, link) {
                Ok(media) => return Ok((media, attempts)),
                // A wall stands in front of every link of the site: the item waits.
                Err(e) if e.kind == SourceErrorKind::VerificationRequired => {
                    return Err((e, attempts));
                }
                Err(e) => {
                    log::info!(
                        "{key} {id}: {} ({}) failed: {}",
                        link.hoster,
                        link.language,
                        e.message
                    );
                    kinds.push(e.kind);
                    attempts.push(ResolveAttempt {
                        hoster: link.hoster.clone(),
                        language: link.language,
                        error: e.message,
                    });
                }
            }
        }
        let kind = if kinds.iter().all(|k| *k == SourceErrorKind::NotFound) {
            SourceErrorKind::NotFound
        } else if kinds.contains(&SourceErrorKind::Blocked) {
            SourceErrorKind::Blocked
        } else if kinds.contains(&SourceErrorKind::Network) {
            SourceErrorKind::Network
        } else {
            SourceErrorKind::Layout
        };
        let list: Vec<String> = attempts
            .iter()
            .map(|a| format!("{} ({}): {}", a.hoster, a.language, a.error))
            .collect();
        Err((
            SourceError::new(
                kind,
                format!("{key} {id}: every hoster failed: {}", list.join("; ")),
            ),
            attempts,
        ))
    }
}
