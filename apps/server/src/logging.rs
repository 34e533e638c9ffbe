//! Process-wide logging: env_logger to stderr and, when `logging.file` is set, a rotating file in
//! `<data_dir>/logs/` (`logging.max_bytes`, `logging.backup_count`).
//!
//! The filter is `--log-level`/`ANIWORLD_LOG` (env_logger syntax) when given, else
//! `logging.level` from config.json, which then follows every change of that setting at once
//! ([`apply_level`]: the process-wide maximum level of the `log` crate, checked before any record
//! is formatted). Only `main` calls [`init`]; libraries just emit records.
//! Nothing logs request bodies, query strings, passwords or tokens.
//!
//! Every record, at every level and from every crate (ureq logs full URLs at trace level), goes
//! through [`redact_record`] before it is written: credentials in URLs and header lines are
//! masked (`aniworld_core::redact`), and so is every secret value of the configuration the
//! service has seen ([`remember_secrets`]: the TMDB key, the catalogue sites' session cookies,
//! the secrets of notification targets), wherever it appears. The service keeps the last records
//! it wrote, redacted the same way, in memory for the system page (`aniworld_service::logs`).
//! Log files are owner-only (`0600`) in an owner-only folder.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

use aniworld_core::AppConfig;
use aniworld_core::redact::{MASK, redact};
use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};

use crate::settings::Settings;

/// Default size at which the log file rotates.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Maps `logging.level` (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`, ...; the names the
/// system page's log filter takes, [`aniworld_service::logs::parse_level`]) to a filter; an
/// unknown name is `info`.
pub fn level_filter(level: &str) -> &'static str {
    match aniworld_service::logs::parse_level(level).unwrap_or(log::Level::Info) {
        log::Level::Trace => "trace",
        log::Level::Debug => "debug",
        log::Level::Info => "info",
        log::Level::Warn => "warn",
        log::Level::Error => "error",
    }
}

/// Whether the level follows `logging.level` (no `--log-level`/`ANIWORLD_LOG`, and [`init`] ran).
static FOLLOWS_CONFIG: AtomicBool = AtomicBool::new(false);

/// The `log` level of a `logging.level` value.
fn max_level(level: &str) -> log::LevelFilter {
    level_filter(level)
        .parse()
        .unwrap_or(log::LevelFilter::Info)
}

/// Puts `logging.level` of `config` in force at once, unless the level was given on the command
/// line or in the environment (which win over config.json). Registered as a configuration
/// listener by `Application::build`; does nothing before [`init`].
pub fn apply_level(config: &AppConfig) {
    if !FOLLOWS_CONFIG.load(Ordering::Relaxed) {
        return;
    }
    let level = max_level(&config.logging.level);
    if log::max_level() != level {
        // Said before a change that silences info lines, after one that keeps them.
        if level >= log::LevelFilter::Info {
            log::set_max_level(level);
            log::info!("log level is now {level} (logging.level)");
        } else {
            log::info!("log level is now {level} (logging.level)");
            log::set_max_level(level);
        }
    }
}

/// Writes every record to stderr and to the rotating file.
struct Tee {
    file: Mutex<FileRotate<AppendCount>>,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = io::stderr().write_all(buf);
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        self.file.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}

/// Secret values to mask in every record, longest first.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());
/// Values shorter than this are not masked (they would mask ordinary words).
const MIN_SECRET_LEN: usize = 6;
/// Secrets remembered at most (the oldest are forgotten first).
const MAX_SECRETS: usize = 64;

/// Remembers the secret values of `config` (TMDB key, each site's cookie header and the values
/// of its cookies, the tokens, passwords, header values and webhook URLs of notification
/// targets) so that no log record shows them; called whenever the configuration is
/// loaded or changed. Values of earlier configurations stay remembered.
pub fn remember_secrets(config: &AppConfig) {
    let mut found: Vec<&str> = Vec::new();
    found.extend(config.nfo.tmdb_api_key.expose());
    found.extend(config.server.metrics_token.expose());
    for site in &config.provider.sites {
        if let Some(cookie) = site.cookie.expose() {
            found.push(cookie.trim());
            found.extend(
                cookie
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .map(|(_, value)| value.trim()),
            );
        }
    }
    found.extend(config.notifications.secret_values());
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    for value in found {
        if value.len() >= MIN_SECRET_LEN && !secrets.iter().any(|s| s == value) {
            secrets.insert(0, value.to_string());
        }
    }
    secrets.truncate(MAX_SECRETS);
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The text of a record as it may be written: credentials and remembered secrets masked.
pub fn redact_record(message: &str) -> Cow<'_, str> {
    let mut out = redact(message);
    let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MASK));
        }
    }
    out
}

/// Makes `builder` write `[time LEVEL target] message` with the message redacted.
pub fn redacting_format(builder: &mut env_logger::Builder) {
    format(builder, false);
}

/// [`redacting_format`], also keeping each written record (redacted) in the service's buffer of
/// recent records (`aniworld_service::logs`, the system page's log viewer) when `keep`.
fn format(builder: &mut env_logger::Builder, keep: bool) {
    builder.format(move |buf, record| {
        let message = record.args().to_string();
        let message = redact_record(&message);
        if keep {
            aniworld_service::logs::record(record.level(), record.target(), &message);
        }
        writeln!(
            buf,
            "[{} {:<5} {}] {}",
            buf.timestamp_millis(),
            record.level(),
            record.target(),
            message
        )
    });
}

/// Installs the global logger. Fails only when the log folder cannot be created.
pub fn init(settings: &Settings, config: &AppConfig) -> io::Result<()> {
    // Following config.json, the logger passes every level and the `log` crate's maximum level
    // (changed at run time) does the filtering.
    let filter = match &settings.overrides.log_level {
        Some(f) => f.clone(),
        None => "trace".to_string(),
    };
    remember_secrets(config);
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(&filter);
    format(&mut builder, true);
    if let Some(name) = &config.logging.file {
        let dir = settings.logs_dir();
        aniworld_service::data_dir::create_private_dir(&dir)?;
        // Log files are created owner-only (rotated files keep the mode).
        let mut open = std::fs::OpenOptions::new();
        open.read(true).create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(aniworld_service::data_dir::PRIVATE_FILE_MODE);
        }
        let rotate = FileRotate::new(
            dir.join(name),
            AppendCount::new(config.logging.backup_count.max(1) as usize),
            ContentLimit::Bytes(config.logging.max_bytes.unwrap_or(DEFAULT_MAX_BYTES) as usize),
            Compression::None,
            Some(open),
        );
        builder.target(env_logger::Target::Pipe(Box::new(Tee {
            file: Mutex::new(rotate),
        })));
    }
    // A second init (e.g. tests starting several apps) keeps the first logger.
    if builder.try_init().is_ok() && settings.overrides.log_level.is_none() {
        log::set_max_level(max_level(&config.logging.level));
        FOLLOWS_CONFIG.store(true, Ordering::Relaxed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_redacted_and_remembered_secrets_masked() {
        let mut c = AppConfig::default();
        c.nfo.tmdb_api_key = aniworld_core::Secret::new(Some("tmdb-key-0123456789".into()));
        c.provider.sites[1].cookie =
            aniworld_core::Secret::new(Some("cf_clearance=clear-123456; sid=ab".into()));
        remember_secrets(&c);
        let line = "GET http://x/3/tv?api_key=tmdb-key-0123456789 and Bearer tmdb-key-0123456789 \
                    clear-123456 sid=ab";
        let out = redact_record(line);
        assert!(!out.contains("api_key="), "{out}");
        assert!(!out.contains("tmdb-key-0123456789"), "{out}");
        assert!(!out.contains("clear-123456"), "{out}");
        assert!(out.contains("sid=ab"), "short values are not masked: {out}");
        assert!(matches!(
            redact_record("nothing secret here"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn levels_map_to_filters() {
        assert_eq!(level_filter("DEBUG"), "debug");
        assert_eq!(level_filter("warning"), "warn");
        assert_eq!(level_filter("CRITICAL"), "error");
        assert_eq!(level_filter("nonsense"), "info");
    }
}
