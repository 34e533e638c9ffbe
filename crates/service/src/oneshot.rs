//! One-shot downloads without a running service (the command line's `download` and
//! `fetch-media`): the queue's download path, reporting progress to the caller.
//!
//! [`download_episode`] resolves an episode of the configured catalogue through the same stream
//! resolver the queue uses (language and hoster preference from the configuration, next hoster
//! on failure) and fetches it with the queue's downloader into the library layout (or a given
//! file). [`fetch_media_url`] fetches one media URL (direct file or HLS playlist) to a file.
//! Both resume from an existing `.part` file. Neither writes config.json or the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aniworld_core::ports::{CancelToken, MediaKind, MediaSource, StreamResolver};
use aniworld_core::{AppConfig, EpisodeId, Language};
use aniworld_provider::ProviderError;
use aniworld_provider::catalogue::{CatalogueOptions, Catalogues, SiteMonitor};
use aniworld_provider::resolver::Resolver;
use aniworld_queue::download::{
    DownloadError, FetchOptions, FetchOutcome, HostBudget, ProgressUpdate, fetch_media,
};

/// Why a one-shot download failed.
#[derive(Debug, thiserror::Error)]
pub enum OneShotError {
    /// The link names no episode or film.
    #[error("{0:?} is not an episode link (…/staffel-N/episode-M or …/filme/film-N)")]
    NotAnEpisodeLink(String),
    /// The link is not one of an enabled catalogue site.
    #[error("{url} is not a link of an enabled catalogue site: {source}")]
    UnknownSite {
        /// The link given.
        url: String,
        /// What the catalogue said.
        source: ProviderError,
    },
    /// The catalogue client could not be built or the series page not read.
    #[error("{what}: {source}")]
    Catalogue {
        /// What was being done.
        what: String,
        /// The catalogue's error.
        source: ProviderError,
    },
    /// No hoster gave a stream.
    #[error("no stream for {key} {id}: {error}; tried: {tried}")]
    NoStream {
        /// The series.
        key: String,
        /// The episode.
        id: EpisodeId,
        /// The last error.
        error: String,
        /// Every hoster tried, with its language and error.
        tried: String,
    },
    /// The target folder could not be created.
    #[error("creating {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The download itself failed.
    #[error("downloading {url}: {source}")]
    Download {
        /// The media URL.
        url: String,
        /// The downloader's error.
        source: DownloadError,
    },
}

/// What a one-shot download tells its caller while it runs.
pub trait OneShotReport: Sync {
    /// The stream was chosen (`skipped`: hosters tried before it, with their errors).
    fn chosen(&self, _source: &MediaSource, _skipped: &[String]) {}
    /// Bytes arrived.
    fn progress(&self, _update: &ProgressUpdate) {}
}

/// A report that tells nobody.
impl OneShotReport for () {}

/// Splits an episode URL into the series link and the episode id.
pub fn parse_episode_url(url: &str) -> Result<(String, EpisodeId), OneShotError> {
    let trimmed = url.trim().trim_end_matches('/');
    let number = |s: &str, prefix: &str| -> Option<u32> { s.strip_prefix(prefix)?.parse().ok() };
    let bad = || OneShotError::NotAnEpisodeLink(url.to_string());
    let mut parts = trimmed.rsplitn(3, '/');
    let (last, middle, series) = match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(m), Some(s)) => (l, m, s),
        _ => return Err(bad()),
    };
    let id =
        if let (Some(season), Some(ep)) = (number(middle, "staffel-"), number(last, "episode-")) {
            EpisodeId::new(season, ep)
        } else if let (true, Some(n)) = (middle == "filme", number(last, "film-")) {
            EpisodeId::new(0, n)
        } else {
            return Err(bad());
        };
    Ok((series.to_string(), id))
}

/// Downloads the episode behind `episode_url` with configuration `cfg` to `out`, or into the
/// library layout under the configured anime folder (the working directory without one).
/// Returns what was written.
pub fn download_episode(
    cfg: &AppConfig,
    episode_url: &str,
    out: Option<&Path>,
    report: &dyn OneShotReport,
) -> Result<FetchOutcome, OneShotError> {
    let (series_link, id) = parse_episode_url(episode_url)?;
    let catalogue_error = |what: String| move |source| OneShotError::Catalogue { what, source };
    let catalogues = Arc::new(
        Catalogues::new(
            &cfg.provider,
            CatalogueOptions::default(),
            SiteMonitor::new(),
        )
        .map_err(catalogue_error("catalogue client".into()))?,
    );
    let key = catalogues
        .library_id_of_link(&series_link)
        .map_err(|source| OneShotError::UnknownSite {
            url: episode_url.to_string(),
            source,
        })?;
    let (catalogue, slug) = catalogues
        .for_id(&key)
        .map_err(catalogue_error("catalogue site".into()))?;
    let catalogue = catalogue.clone();
    let target = match out {
        Some(out) => out.to_path_buf(),
        None => {
            let page = catalogue
                .series(slug)
                .map_err(catalogue_error(format!("reading the series page of {key}")))?;
            let folder = aniworld_core::naming::series_folder_name(&page.title, page.start_year);
            let root = cfg.anime_dir().unwrap_or_else(|| PathBuf::from("."));
            root.join(aniworld_core::naming::episode_relative_path(&folder, id))
        }
    };
    let resolver = Resolver::new(catalogues.clone(), catalogue.http().clone());
    let (source, failed) = resolver
        .resolve(
            &key,
            id,
            &cfg.download.language_preference,
            &cfg.download.hoster_preference,
            &CancelToken::new(),
        )
        .map_err(|(e, attempts)| OneShotError::NoStream {
            key: key.clone(),
            id,
            error: e.to_string(),
            tried: attempts
                .iter()
                .map(|a| format!("{} ({}): {}", a.hoster, a.language, a.error))
                .collect::<Vec<_>>()
                .join("; "),
        })?;
    let skipped: Vec<String> = failed
        .iter()
        .map(|a| format!("{} ({}): {}", a.hoster, a.language, a.error))
        .collect();
    report.chosen(&source, &skipped);
    fetch(&source, &target, cfg, report)
}

/// Fetches one media URL (an HLS playlist when `hls` or when its path ends in `.m3u8`) to
/// `out_file`, sending `referer` when given. Returns what was written.
pub fn fetch_media_url(
    cfg: &AppConfig,
    media_url: &str,
    out_file: &Path,
    hls: bool,
    referer: Option<&str>,
    report: &dyn OneShotReport,
) -> Result<FetchOutcome, OneShotError> {
    let is_hls =
        hls || url_path(media_url).is_some_and(|p| p.to_ascii_lowercase().ends_with(".m3u8"));
    let source = MediaSource {
        url: media_url.trim().to_string(),
        kind: if is_hls {
            MediaKind::Hls
        } else {
            MediaKind::Direct
        },
        headers: referer
            .iter()
            .map(|r| ("Referer".to_string(), r.to_string()))
            .collect(),
        hoster: "direct".into(),
        language: Language::GermanDub,
    };
    fetch(&source, out_file, cfg, report)
}

/// The path of a URL, when it parses.
fn url_path(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    Some(path.split(['?', '#']).next().unwrap_or("").to_string())
}

/// Fetches `source` to `target`, reporting progress.
fn fetch(
    source: &MediaSource,
    target: &Path,
    cfg: &AppConfig,
    report: &dyn OneShotReport,
) -> Result<FetchOutcome, OneShotError> {
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| OneShotError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let budget = Arc::new(HostBudget::from_config(&cfg.download));
    let opts = FetchOptions::from_config(&cfg.download, budget);
    fetch_media(
        source,
        target,
        &opts,
        &|u: &ProgressUpdate| report.progress(u),
        &CancelToken::new(),
    )
    .map_err(|e| OneShotError::Download {
        url: source.url.clone(),
        source: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn episode_links_split_into_series_and_episode() {
        let (s, id) =
            parse_episode_url("https://aniworld.to/anime/stream/one-piece/staffel-2/episode-13")
                .unwrap();
        assert_eq!(s, "https://aniworld.to/anime/stream/one-piece");
        assert_eq!(id, EpisodeId::new(2, 13));
        let (s, id) = parse_episode_url("http://127.0.0.1:9/anime/stream/x/filme/film-1/").unwrap();
        assert_eq!(s, "http://127.0.0.1:9/anime/stream/x");
        assert_eq!(id, EpisodeId::new(0, 1));
        for bad in [
            "",
            "https://aniworld.to/anime/stream/x",
            "https://aniworld.to/anime/stream/x/staffel-a/episode-1",
            "https://aniworld.to/anime/stream/x/filme/episode-1",
        ] {
            assert!(parse_episode_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn playlists_are_recognised_by_their_path() {
        assert_eq!(
            url_path("http://h/a/b.m3u8?x=1").as_deref(),
            Some("/a/b.m3u8")
        );
        assert_eq!(url_path("http://h").as_deref(), Some(""));
        assert_eq!(url_path("nope"), None);
    }
}
