//! Process-wide logging: env_logger to stderr and, when `logging.file` is set, a rotating file in
//! `<data_dir>/logs/` (`logging.max_bytes`, `logging.backup_count`).
//!
//! The filter is `--log-level`/`ANIWORLD_LOG` (env_logger syntax) when given, else
//! `logging.level` from config.json. Only `main` calls [`init`]; libraries just emit records.
//! Nothing logs request bodies, query strings, passwords or tokens.

use std::io::{self, Write};
use std::sync::Mutex;

use aniworld_core::AppConfig;
use file_rotate::compression::Compression;
use file_rotate::suffix::AppendCount;
use file_rotate::{ContentLimit, FileRotate};

use crate::settings::Settings;

/// Default size at which the log file rotates.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Maps `logging.level` (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`, ...) to a filter.
pub fn level_filter(level: &str) -> &'static str {
    match level.to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "WARN" | "WARNING" => "warn",
        "ERROR" | "CRITICAL" => "error",
        _ => "info",
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

/// Installs the global logger. Fails only when the log folder cannot be created.
pub fn init(settings: &Settings, config: &AppConfig) -> io::Result<()> {
    let filter = match &settings.overrides.log_level {
        Some(f) => f.clone(),
        None => level_filter(&config.logging.level).to_string(),
    };
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(&filter).format_timestamp_millis();
    if let Some(name) = &config.logging.file {
        let dir = settings.logs_dir();
        std::fs::create_dir_all(&dir)?;
        let rotate = FileRotate::new(
            dir.join(name),
            AppendCount::new(config.logging.backup_count.max(1) as usize),
            ContentLimit::Bytes(config.logging.max_bytes.unwrap_or(DEFAULT_MAX_BYTES) as usize),
            Compression::None,
            None,
        );
        builder.target(env_logger::Target::Pipe(Box::new(Tee {
            file: Mutex::new(rotate),
        })));
    }
    // A second init (e.g. tests starting several apps) keeps the first logger.
    let _ = builder.try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_filters() {
        assert_eq!(level_filter("DEBUG"), "debug");
        assert_eq!(level_filter("warning"), "warn");
        assert_eq!(level_filter("CRITICAL"), "error");
        assert_eq!(level_filter("nonsense"), "info");
    }
}
