//! Every enabled catalogue site behind one front: links are mapped to their site, series are
//! addressed by library id (`<slug>` on aniworld.to, `s.to:<slug>` on s.to), search asks every
//! enabled site.

use std::sync::Arc;
use std::time::Duration;

use aniworld_core::EpisodeId;
use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{
    CatalogueSeries, ChangeSignal, EpisodeSource, Lookup, PageValidators, SourceError,
};
use aniworld_core::series::{library_id, split_library_id};
use chrono::Utc;

use super::links::CatalogueUrls;
use super::search::SearchHit;
use super::status::SiteMonitor;
use super::{Catalogue, CatalogueOptions};
use crate::HosterLink;
use crate::error::ProviderError;
use crate::resolver::LinkSource;

/// The catalogue clients of the enabled sites. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug)]
pub struct Catalogues {
    sites: Vec<Arc<Catalogue>>,
    /// The sites that are configured but disabled, to tell their links apart.
    disabled: Vec<CatalogueUrls>,
    monitor: SiteMonitor,
}

impl Catalogues {
    /// One client per enabled site of `cfg`, all reporting into `monitor` (whose cool-downs are
    /// set from the configuration).
    pub fn new(
        cfg: &ProviderConfig,
        opts: CatalogueOptions,
        monitor: SiteMonitor,
    ) -> Result<Catalogues, ProviderError> {
        let mut cfg = cfg.clone();
        cfg.normalize();
        monitor.set_cooldowns(
            Duration::from_secs(cfg.verification_cooldown_seconds),
            Duration::from_secs(cfg.verification_cooldown_max_seconds),
        );
        let mut sites = Vec::new();
        let mut disabled = Vec::new();
        for site in &cfg.sites {
            if aniworld_core::config::canonical_site_id(&site.id).is_none() {
                continue;
            }
            if site.enabled {
                sites.push(Arc::new(Catalogue::for_site(
                    &cfg,
                    site,
                    opts.clone(),
                    monitor.clone(),
                )?));
            } else if let Ok(urls) =
                CatalogueUrls::for_site(&site.id, &site.base_url, &site.mirrors)
            {
                disabled.push(urls);
            }
        }
        Ok(Self {
            sites,
            disabled,
            monitor,
        })
    }

    /// The clients of the enabled sites, aniworld.to first.
    pub fn sites(&self) -> &[Arc<Catalogue>] {
        &self.sites
    }

    /// The client of one site, when it is enabled.
    pub fn get(&self, site: &str) -> Option<&Arc<Catalogue>> {
        let site = aniworld_core::config::canonical_site_id(site)?;
        self.sites.iter().find(|c| c.site() == site)
    }

    /// The shared site monitor.
    pub fn monitor(&self) -> &SiteMonitor {
        &self.monitor
    }

    /// The client and slug of a library id; `NotFound` when its site is unknown or disabled.
    pub fn for_id<'a>(&self, id: &'a str) -> Result<(&Arc<Catalogue>, &'a str), ProviderError> {
        let (site, slug) = split_library_id(id).ok_or_else(|| ProviderError::InvalidLink {
            link: id.to_string(),
            reason: "not a series id (<slug> or s.to:<slug>)".into(),
        })?;
        let catalogue = self.get(site).ok_or_else(|| ProviderError::NotFound {
            what: format!("series {id:?}: the site {site} is not enabled"),
        })?;
        Ok((catalogue, slug))
    }

    /// The site and slug of a link to a series (or one of its seasons or episodes) of an
    /// enabled site. Links to anything else are refused without a request.
    pub fn parse_link(&self, link: &str) -> Result<(&'static str, String), ProviderError> {
        let mut first_error = None;
        for c in &self.sites {
            match c.parse_series_link(link) {
                Ok(slug) => return Ok((c.site(), slug)),
                Err(e) => {
                    // A link of this site with a bad path says more than "another host".
                    let own = url::Url::parse(link.trim())
                        .ok()
                        .is_some_and(|u| c.urls().is_own(u.as_str()));
                    if own || first_error.is_none() {
                        first_error = Some((own, e));
                    }
                    if own {
                        break;
                    }
                }
            }
        }
        if let Some((true, e)) = first_error {
            return Err(e);
        }
        if let Some(urls) = self.disabled.iter().find(|u| u.is_own(link.trim())) {
            return Err(ProviderError::InvalidLink {
                link: link.to_string(),
                reason: format!(
                    "{} is not enabled (enable it in provider.sites)",
                    urls.site()
                ),
            });
        }
        let known: Vec<String> = self
            .sites
            .iter()
            .map(|c| format!("{} ({})", c.site(), c.base_url()))
            .collect();
        Err(ProviderError::InvalidLink {
            link: link.to_string(),
            reason: format!(
                "not a series link of a configured catalogue site: {}",
                known.join(", ")
            ),
        })
    }

    /// The library id of a link (see [`Catalogues::parse_link`]).
    pub fn library_id_of_link(&self, link: &str) -> Result<String, ProviderError> {
        let (site, slug) = self.parse_link(link)?;
        Ok(library_id(site, &slug))
    }

    /// The link of a series by library id: the path its site last served it from
    /// (`stored`, e.g. after the site moved it to another URL family) on the site's current
    /// base URL, else the site's canonical link. None when the site is not enabled.
    pub fn link_of(&self, id: &str, stored: Option<&str>) -> Option<String> {
        let (catalogue, slug) = self.for_id(id).ok()?;
        let canonical = catalogue.series_url(slug);
        if stored.is_none_or(|s| s == canonical) {
            return Some(canonical);
        }
        let moved = stored.and_then(|s| url::Url::parse(s).ok()).filter(|s| {
            super::links::slug_of_path(s.path()).is_some_and(|k| k.eq_ignore_ascii_case(slug))
        });
        match (moved, url::Url::parse(&canonical)) {
            (Some(s), Ok(mut c)) if catalogue.urls().is_own(s.as_str()) => {
                c.set_path(s.path());
                Some(c.to_string())
            }
            _ => Some(canonical),
        }
    }

    /// Searches every enabled site; hits come site by site (aniworld.to first). A site that
    /// fails is logged and left out unless every site fails.
    pub fn search(&self, query: &str) -> Result<Vec<SearchHit>, ProviderError> {
        let mut hits = Vec::new();
        let mut first_error = None;
        let mut any_ok = false;
        for c in &self.sites {
            match c.search(query) {
                Ok(h) => {
                    any_ok = true;
                    hits.extend(h);
                }
                Err(e @ ProviderError::InvalidQuery { .. }) => return Err(e),
                Err(e) => {
                    log::warn!("search on {} failed: {e}", c.site());
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if !any_ok => Err(e),
            _ => Ok(hits),
        }
    }

    /// Opens a scan on every site's page cache.
    pub fn begin_scan(&self) {
        self.sites.iter().for_each(|c| c.begin_scan());
    }

    /// Closes a scan opened with [`Catalogues::begin_scan`].
    pub fn end_scan(&self) {
        self.sites.iter().for_each(|c| c.end_scan());
    }
}

impl EpisodeSource for Catalogues {
    fn series(&self, id: &str) -> Result<CatalogueSeries, SourceError> {
        let (catalogue, slug) = self.for_id(id).map_err(SourceError::from)?;
        catalogue.catalogue_series(slug).map_err(SourceError::from)
    }

    fn series_if_changed(
        &self,
        id: &str,
        validators: &PageValidators,
    ) -> Result<Lookup, SourceError> {
        let (catalogue, slug) = self.for_id(id).map_err(SourceError::from)?;
        catalogue.series_if_changed(slug, validators)
    }

    /// One request per enabled site: its list of new episodes.
    fn change_signal(&self) -> ChangeSignal {
        let mut signal = ChangeSignal::default();
        for c in &self.sites {
            add_signal(&mut signal, c);
        }
        signal
    }
}

/// Reads the list of new episodes of one site into `signal` (its series as library ids), or
/// records why the site gives no signal this time.
pub(super) fn add_signal(signal: &mut ChangeSignal, catalogue: &Catalogue) {
    let site = catalogue.site();
    match catalogue.recent_series() {
        Ok(slugs) => {
            log::info!(
                "{site}: the list of new episodes names {} series",
                slugs.len()
            );
            signal.sites.insert(site.to_string(), slugs.len());
            signal
                .changed
                .extend(slugs.iter().map(|slug| library_id(site, slug)));
        }
        Err(e) => {
            log::info!("{site}: no change signal this time ({e}); re-checks only");
            signal.unavailable.insert(site.to_string(), e.to_string());
        }
    }
}

impl LinkSource for Catalogues {
    fn episode_links(&self, id: &str, ep: EpisodeId) -> Result<Vec<HosterLink>, ProviderError> {
        let (catalogue, slug) = self.for_id(id)?;
        // While a wall cools down not even the episode page is asked for.
        if let Some(until) = self.monitor.wall_until(catalogue.site())
            && until > Utc::now()
        {
            return Err(ProviderError::VerificationRequired {
                site: catalogue.site().to_string(),
                url: catalogue.urls().episode(slug, ep),
                reason: "the site's verification wall is cooling down".into(),
                until,
            });
        }
        catalogue.episode_links(slug, ep)
    }

    fn resolve_link(
        &self,
        id: &str,
        ep: EpisodeId,
        link: &HosterLink,
    ) -> Result<String, ProviderError> {
        let (catalogue, slug) = self.for_id(id)?;
        catalogue.resolve_link(slug, ep, link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aniworld_core::config::SITE_STO;

    fn catalogues(sto_enabled: bool) -> Catalogues {
        let mut cfg = ProviderConfig {
            base_url: "http://127.0.0.1:9/".into(),
            ..ProviderConfig::default()
        };
        cfg.normalize();
        for s in &mut cfg.sites {
            if s.id == SITE_STO {
                s.base_url = "http://127.0.0.1:10".into();
                s.mirrors = vec!["http://127.0.0.2:10".into()];
                s.enabled = sto_enabled;
            }
        }
        Catalogues::new(&cfg, CatalogueOptions::default(), SiteMonitor::new()).unwrap()
    }

    #[test]
    fn links_map_to_their_site_and_library_id() {
        let c = catalogues(true);
        assert_eq!(c.sites().len(), 2);
        assert_eq!(
            c.library_id_of_link("http://127.0.0.1:9/anime/stream/x/staffel-1/episode-2")
                .unwrap(),
            "x"
        );
        assert_eq!(
            c.library_id_of_link("http://127.0.0.1:10/serie/x").unwrap(),
            "s.to:x"
        );
        assert_eq!(
            c.library_id_of_link("http://127.0.0.2:10/serie/stream/x/")
                .unwrap(),
            "s.to:x"
        );
        let err = c
            .library_id_of_link("http://127.0.0.1:9/support/faq")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a series link"), "{err}");
        let err = c
            .library_id_of_link("http://evil.test/serie/x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("aniworld.to (http://127.0.0.1:9)"), "{err}");
    }

    #[test]
    fn a_disabled_site_says_so_and_has_no_client() {
        let c = catalogues(false);
        assert_eq!(c.sites().len(), 1);
        assert!(c.get("s.to").is_none());
        let err = c
            .library_id_of_link("http://127.0.0.1:10/serie/x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("s.to is not enabled"), "{err}");
        let err = c.for_id("s.to:x").unwrap_err().to_string();
        assert!(err.contains("not enabled"), "{err}");
        assert!(c.for_id("x").is_ok());
    }

    #[test]
    fn links_follow_the_path_the_site_served() {
        let c = catalogues(true);
        assert_eq!(
            c.link_of("x", Some("http://old-host.test/anime/x"))
                .unwrap(),
            "http://127.0.0.1:9/anime/stream/x"
        );
        assert_eq!(
            c.link_of("x", Some("http://127.0.0.1:9/anime/x")).unwrap(),
            "http://127.0.0.1:9/anime/x"
        );
        assert_eq!(
            c.link_of("s.to:y", None).unwrap(),
            "http://127.0.0.1:10/serie/y"
        );
        assert!(catalogues(false).link_of("s.to:y", None).is_none());
    }
}
