//! `aniworld download <episode-url>` and `aniworld fetch-media <media-url> <out-file>`: the
//! queue's download path without the server, with a progress bar on the terminal.
//!
//! `download` resolves an episode of the configured catalogue through the same stream resolver
//! the queue uses (language and hoster preference from the configuration, next hoster on
//! failure) and fetches it with the queue's downloader into the library layout (or `--out`).
//! `fetch-media` fetches one media URL (direct file or HLS playlist) to a file. Both resume from
//! an existing `.part` file. Neither writes config.json or the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aniworld_core::ports::{CancelToken, MediaKind, MediaSource, StreamResolver};
use aniworld_core::{AppConfig, EpisodeId, Language};
use aniworld_provider::catalogue::{CatalogueOptions, Catalogues, SiteMonitor};
use aniworld_provider::resolver::Resolver;
use aniworld_queue::download::{FetchOptions, HostBudget, ProgressUpdate, fetch_media};
use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::settings::Settings;

/// Arguments of `aniworld download`.
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// Episode page of the catalogue, e.g.
    /// `https://aniworld.to/anime/stream/<key>/staffel-1/episode-2` or `.../filme/film-1`.
    pub episode_url: String,
    /// Where to write the file; default: the library layout under the anime directory (or the
    /// current directory when none is configured).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `aniworld fetch-media`.
#[derive(Debug, Clone, Args)]
pub struct FetchMediaArgs {
    /// URL of a direct video file or an HLS playlist (`.m3u8`).
    pub media_url: String,
    /// The file to write.
    pub out_file: PathBuf,
    /// Treat the URL as an HLS playlist even without `.m3u8` in its path.
    #[arg(long)]
    pub hls: bool,
    /// Send this `Referer` header (some hosts want the embed page).
    #[arg(long)]
    pub referer: Option<String>,
}

/// The effective configuration without writing anything: config.json when readable, else the
/// defaults, with the flag/environment overrides applied.
pub fn read_config(settings: &Settings) -> AppConfig {
    let stored = std::fs::read_to_string(settings.data_dir.join("config.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    settings.overrides.apply(&stored)
}

/// Splits an episode URL into the series link and the episode id.
pub fn parse_episode_url(url: &str) -> anyhow::Result<(String, EpisodeId)> {
    let trimmed = url.trim().trim_end_matches('/');
    let number = |s: &str, prefix: &str| -> Option<u32> { s.strip_prefix(prefix)?.parse().ok() };
    let mut parts = trimmed.rsplitn(3, '/');
    let (last, middle, series) = match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(m), Some(s)) => (l, m, s),
        _ => bail!("{url:?} is not an episode link (…/staffel-N/episode-M or …/filme/film-N)"),
    };
    let id =
        if let (Some(season), Some(ep)) = (number(middle, "staffel-"), number(last, "episode-")) {
            EpisodeId::new(season, ep)
        } else if let (true, Some(n)) = (middle == "filme", number(last, "film-")) {
            EpisodeId::new(0, n)
        } else {
            bail!("{url:?} is not an episode link (…/staffel-N/episode-M or …/filme/film-N)");
        };
    Ok((series.to_string(), id))
}

/// Runs `aniworld download`; returns the file written.
pub fn download(args: &DownloadArgs, settings: &Settings) -> anyhow::Result<PathBuf> {
    let cfg = read_config(settings);
    let (series_link, id) = parse_episode_url(&args.episode_url)?;
    let catalogues = Arc::new(
        Catalogues::new(
            &cfg.provider,
            CatalogueOptions::default(),
            SiteMonitor::new(),
        )
        .context("catalogue client")?,
    );
    let key = catalogues
        .library_id_of_link(&series_link)
        .with_context(|| {
            format!(
                "{} is not a link of an enabled catalogue site",
                args.episode_url
            )
        })?;
    let (catalogue, slug) = catalogues.for_id(&key).context("catalogue site")?;
    let catalogue = catalogue.clone();
    let target = match &args.out {
        Some(out) => out.clone(),
        None => {
            let page = catalogue
                .series(slug)
                .with_context(|| format!("reading the series page of {key}"))?;
            let folder = aniworld_core::naming::series_folder_name(&page.title, page.start_year);
            let root = cfg
                .other
                .anime_directory
                .as_deref()
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            root.join(aniworld_core::naming::episode_relative_path(&folder, id))
        }
    };
    let resolver = Resolver::new(catalogues.clone(), catalogue.http().clone());
    let cancel = CancelToken::new();
    let (source, failed) = resolver
        .resolve(
            &key,
            id,
            &cfg.download.language_preference,
            &cfg.download.hoster_preference,
            &cancel,
        )
        .map_err(|(e, attempts)| {
            let tried: Vec<String> = attempts
                .iter()
                .map(|a| format!("{} ({}): {}", a.hoster, a.language, a.error))
                .collect();
            anyhow::anyhow!("no stream for {key} {id}: {e}; tried: {}", tried.join("; "))
        })?;
    for a in failed {
        eprintln!("skipped {} ({}): {}", a.hoster, a.language, a.error);
    }
    eprintln!(
        "{} {} from {} ({})",
        key, id, source.hoster, source.language
    );
    fetch(&source, &target, &cfg)?;
    Ok(target)
}

/// Runs `aniworld fetch-media`; returns the number of bytes written.
pub fn fetch_media_url(args: &FetchMediaArgs, settings: &Settings) -> anyhow::Result<u64> {
    let cfg = read_config(settings);
    let is_hls = args.hls
        || url_path(&args.media_url).is_some_and(|p| p.to_ascii_lowercase().ends_with(".m3u8"));
    let source = MediaSource {
        url: args.media_url.trim().to_string(),
        kind: if is_hls {
            MediaKind::Hls
        } else {
            MediaKind::Direct
        },
        headers: args
            .referer
            .iter()
            .map(|r| ("Referer".to_string(), r.clone()))
            .collect(),
        hoster: "direct".into(),
        language: Language::GermanDub,
    };
    fetch(&source, &args.out_file, &cfg)
}

/// The path of a URL, when it parses.
fn url_path(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    Some(path.split(['?', '#']).next().unwrap_or("").to_string())
}

/// Fetches `source` to `target` with a progress bar; returns the size written.
fn fetch(source: &MediaSource, target: &Path, cfg: &AppConfig) -> anyhow::Result<u64> {
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let budget = Arc::new(HostBudget::from_config(&cfg.download));
    let opts = FetchOptions::from_config(&cfg.download, budget);
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let report = |u: &ProgressUpdate| {
        if let Some(total) = u.total_bytes {
            bar.set_length(total);
        }
        bar.set_position(u.downloaded_bytes);
    };
    let outcome = fetch_media(source, target, &opts, &report, &CancelToken::new());
    match outcome {
        Ok(o) => {
            bar.finish_and_clear();
            eprintln!("{} ({} bytes)", o.path.display(), o.bytes);
            Ok(o.bytes)
        }
        Err(e) => {
            bar.abandon();
            Err(anyhow::anyhow!("{e}")).with_context(|| format!("downloading {}", source.url))
        }
    }
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
