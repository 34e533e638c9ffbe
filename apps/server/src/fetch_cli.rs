//! `aniworld download <episode-url>` and `aniworld fetch-media <media-url> <out-file>`: the
//! command-line front end of the service's one-shot downloads ([`Aniworld::download_episode`],
//! [`Aniworld::fetch_media`]), with a progress bar on the terminal. Neither writes config.json
//! or the database.

use std::path::PathBuf;

use aniworld_core::ports::MediaSource;
use aniworld_queue::download::{FetchOutcome, ProgressUpdate};
use aniworld_service::Aniworld;
use aniworld_service::oneshot::OneShotReport;
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

/// Runs `aniworld download`; returns the file written.
pub fn download(args: &DownloadArgs, settings: &Settings) -> anyhow::Result<PathBuf> {
    let config = settings.service_options().read_config();
    let bar = Bar::new();
    let outcome = Aniworld::download_episode(&config, &args.episode_url, args.out.as_deref(), &bar);
    bar.finish(outcome).map(|o| o.path)
}

/// Runs `aniworld fetch-media`; returns the number of bytes written.
pub fn fetch_media_url(args: &FetchMediaArgs, settings: &Settings) -> anyhow::Result<u64> {
    let config = settings.service_options().read_config();
    let bar = Bar::new();
    let outcome = Aniworld::fetch_media(
        &config,
        &args.media_url,
        &args.out_file,
        args.hls,
        args.referer.as_deref(),
        &bar,
    );
    bar.finish(outcome).map(|o| o.bytes)
}

/// The terminal's progress bar as the one-shot report.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Self(bar)
    }

    /// Clears the bar on success (printing what was written), keeps it on failure.
    fn finish(
        &self,
        outcome: Result<FetchOutcome, aniworld_service::oneshot::OneShotError>,
    ) -> anyhow::Result<FetchOutcome> {
        match outcome {
            Ok(o) => {
                self.0.finish_and_clear();
                eprintln!("{} ({} bytes)", o.path.display(), o.bytes);
                Ok(o)
            }
            Err(e) => {
                self.0.abandon();
                Err(e.into())
            }
        }
    }
}

impl OneShotReport for Bar {
    fn chosen(&self, source: &MediaSource, skipped: &[String]) {
        for s in skipped {
            eprintln!("skipped {s}");
        }
        eprintln!("from {} ({})", source.hoster, source.language);
    }

    fn progress(&self, u: &ProgressUpdate) {
        if let Some(total) = u.total_bytes {
            self.0.set_length(total);
        }
        self.0.set_position(u.downloaded_bytes);
    }
}
