//! The command line of the `aniworld` binary (runtime-contract.md "Settings").
//!
//! Every flag has an `ANIWORLD_*` environment variable; clap gives the flag precedence over the
//! variable. Values left unset fall back to `<data_dir>/config.json`, then to the defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::{RuntimeOverrides, Settings};
use aniworld_core::Secret;

/// Aniworld: keeps a local anime library complete.
#[derive(Debug, Parser)]
#[command(name = "aniworld", version, about, long_about = None)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings of the service.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Download one episode of the catalogue (stream resolver and downloader of the queue),
    /// with a progress bar.
    Download(crate::fetch_cli::DownloadArgs),
    /// Download one media URL (direct file or HLS playlist) to a file, with a progress bar.
    FetchMedia(crate::fetch_cli::FetchMediaArgs),
}

/// Flags of the service; accepted before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to bind.
    #[arg(
        long,
        env = "ANIWORLD_HOST",
        default_value = "127.0.0.1",
        global = true
    )]
    pub host: String,
    /// Port to bind; 0 picks a free port.
    #[arg(long, env = "ANIWORLD_PORT", default_value_t = 8000, global = true)]
    pub port: u16,
    /// Folder holding aniworld.db, config.json, config_backups/ and logs/.
    #[arg(
        long,
        env = "ANIWORLD_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// The anime library folder, when not yet set by setup or config (a relative path is taken
    /// from the working directory, as shells do).
    #[arg(long, env = "ANIWORLD_ANIME_DIR", global = true)]
    pub anime_dir: Option<String>,
    /// Base URL of the catalogue [config: provider.base_url, default https://aniworld.to].
    #[arg(long, env = "ANIWORLD_PROVIDER_URL", global = true)]
    pub provider_url: Option<String>,
    /// Base URL of s.to (serienstream.to); giving it enables s.to
    /// [config: provider.sites[s.to].base_url, default https://serienstream.to, disabled].
    #[arg(long, env = "ANIWORLD_STO_URL", global = true)]
    pub sto_url: Option<String>,
    /// Base URL of the TMDB v3 API [config: nfo.tmdb_api_url].
    #[arg(long, env = "ANIWORLD_TMDB_API_URL", global = true)]
    pub tmdb_api_url: Option<String>,
    /// Base URL of TMDB images [config: nfo.tmdb_image_url].
    #[arg(long, env = "ANIWORLD_TMDB_IMAGE_URL", global = true)]
    pub tmdb_image_url: Option<String>,
    /// TMDB API key [config: nfo.tmdb_api_key].
    #[arg(
        long,
        env = "ANIWORLD_TMDB_API_KEY",
        hide_env_values = true,
        global = true
    )]
    pub tmdb_api_key: Option<String>,
    /// Token signing key; generated once and kept in the database when not given.
    #[arg(
        long,
        env = "ANIWORLD_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,
    /// Log filter in env_logger syntax (e.g. `debug`, `info,aniworld_server=debug`)
    /// [config: logging.level, default info].
    #[arg(long, env = "ANIWORLD_LOG", global = true)]
    pub log_level: Option<String>,
}

impl ServeArgs {
    /// The settings the application is built from.
    pub fn into_settings(self) -> Settings {
        let mut settings = Settings::new(self.data_dir);
        settings.host = self.host;
        settings.port = self.port;
        settings.handle_signals = true;
        settings.overrides = RuntimeOverrides {
            anime_dir: self.anime_dir.filter(|s| !s.trim().is_empty()).map(|d| {
                match std::path::absolute(&d) {
                    Ok(abs) => abs.to_string_lossy().into_owned(),
                    Err(_) => d,
                }
            }),
            provider_url: self.provider_url,
            sto_url: self.sto_url.filter(|s| !s.trim().is_empty()),
            tmdb_api_url: self.tmdb_api_url,
            tmdb_image_url: self.tmdb_image_url,
            tmdb_api_key: Secret::new(self.tmdb_api_key),
            jwt_secret: Secret::new(self.jwt_secret),
            log_level: self.log_level.filter(|s| !s.trim().is_empty()),
        };
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_is_the_default_and_flags_work_on_both_sides() {
        let cli = Cli::try_parse_from(["aniworld", "--port", "0", "--data-dir", "/tmp/x"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.port, 0);
        let cli =
            Cli::try_parse_from(["aniworld", "serve", "--port", "9", "--host", "0.0.0.0"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Serve)));
        assert_eq!((cli.serve.port, cli.serve.host.as_str()), (9, "0.0.0.0"));
    }

    #[test]
    fn secrets_do_not_show_in_debug_settings() {
        let cli = Cli::try_parse_from([
            "aniworld",
            "--jwt-secret",
            "s3cr3t-value",
            "--tmdb-api-key",
            "k3y-value",
        ])
        .unwrap();
        let text = format!("{:?}", cli.serve.into_settings());
        assert!(
            !text.contains("s3cr3t-value") && !text.contains("k3y-value"),
            "{text}"
        );
    }

    #[test]
    fn a_relative_anime_dir_flag_is_taken_from_the_working_directory() {
        let cli = Cli::try_parse_from(["aniworld", "--anime-dir", "media/anime"]).unwrap();
        let dir = cli.serve.into_settings().overrides.anime_dir.unwrap();
        assert_eq!(
            PathBuf::from(dir),
            std::env::current_dir().unwrap().join("media/anime")
        );
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
