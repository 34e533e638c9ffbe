//! The `aniworld` binary: parses the command line, sets up logging, starts the service and logs
//! `listening on http://HOST:PORT`. Everything else lives in the library.

use aniworld_server::cli::{Cli, Command};
use aniworld_server::{Application, Settings, logging};
use anyhow::Context;
use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.serve.into_settings()),
        Command::Download(args) => {
            let settings = cli.serve.into_settings();
            init_cli_logging(&settings)?;
            aniworld_server::fetch_cli::download(&args, &settings).map(|_| ())
        }
        Command::FetchMedia(args) => {
            let settings = cli.serve.into_settings();
            init_cli_logging(&settings)?;
            aniworld_server::fetch_cli::fetch_media_url(&args, &settings).map(|_| ())
        }
    }
}

/// Reads config.json without writing anything, for the logger's settings.
fn config_for_logging(settings: &Settings) -> aniworld_core::AppConfig {
    std::fs::read_to_string(settings.data_dir.join("config.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Logging of the one-shot commands: warnings and errors on stderr, nothing written to disk.
fn init_cli_logging(settings: &Settings) -> anyhow::Result<()> {
    let filter = settings.overrides.log_level.as_deref().unwrap_or("warn");
    logging::remember_secrets(&config_for_logging(settings));
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(filter);
    logging::redacting_format(&mut builder);
    builder.try_init().context("setting up logging")
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    logging::init(&settings, &config_for_logging(&settings)).context("setting up logging")?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)
            .await
            .context("starting the service")?;
        let line = format!("listening on {}", app.address());
        app.run_until_stopped_announcing(move || {
            if log::log_enabled!(log::Level::Info) {
                log::info!("{line}");
            } else {
                eprintln!("{line}");
            }
        })
        .await
        .context("serving")?;
        log::info!("stopped");
        Ok(())
    })
}
