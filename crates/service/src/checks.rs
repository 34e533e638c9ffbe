//! The settings page's "Test" buttons: whether a TMDB API key is accepted, and whether a folder
//! can hold the library. Both only look: nothing is stored or changed, and the folder test's
//! probe file is removed again at once.
//!
//! A failed test is an answer ([`SettingCheck`] with `ok: false` and a [`CheckCode`] saying why),
//! not an error; only input that cannot be tested at all (a relative path) is refused, naming the
//! field. The API key is never part of an answer or a log line.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use aniworld_core::ValidationIssue;
use aniworld_core::config::REDACTED;
use aniworld_metadata::MetadataError;
use aniworld_metadata::tmdb::{TmdbClient, TmdbSettings};

use crate::config::{ConfigError, ConfigService};

/// Why a test came out as it did, for clients that word it themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckCode {
    /// TMDB accepted the key.
    Accepted,
    /// No key was given and none is stored.
    NoKey,
    /// TMDB refused the key (HTTP 401).
    Rejected,
    /// TMDB could not be reached at the configured URL.
    Unreachable,
    /// TMDB kept answering 429.
    RateLimited,
    /// TMDB answered something unexpected.
    Failed,
    /// The folder exists, is a folder and a file can be written in it.
    Usable,
    /// No folder was given and none is set.
    NotSet,
    /// The folder does not exist (saving it creates it).
    Missing,
    /// The path is a file, not a folder.
    NotAFolder,
    /// The folder cannot be read.
    Unreadable,
    /// No file can be written in the folder.
    NotWritable,
}

impl CheckCode {
    /// The code's wire name (`accepted`, `no_key`, `not_writable`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckCode::Accepted => "accepted",
            CheckCode::NoKey => "no_key",
            CheckCode::Rejected => "rejected",
            CheckCode::Unreachable => "unreachable",
            CheckCode::RateLimited => "rate_limited",
            CheckCode::Failed => "failed",
            CheckCode::Usable => "usable",
            CheckCode::NotSet => "not_set",
            CheckCode::Missing => "missing",
            CheckCode::NotAFolder => "not_a_folder",
            CheckCode::Unreadable => "unreadable",
            CheckCode::NotWritable => "not_writable",
        }
    }
}

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingCheck {
    /// Whether the setting works.
    pub ok: bool,
    /// Why, as a code.
    pub code: CheckCode,
    /// Why, in English, for people.
    pub message: String,
    /// Series folders found in a usable anime folder.
    pub series_folders: Option<usize>,
}

impl SettingCheck {
    fn new(ok: bool, code: CheckCode, message: impl Into<String>) -> Self {
        Self {
            ok,
            code,
            message: message.into(),
            series_folders: None,
        }
    }
}

impl ConfigService {
    /// Asks TMDB (at the configured API URL) whether `api_key` is accepted; without one (or with
    /// the redacted placeholder) the stored key is tested. One cheap request (`/configuration`).
    pub fn test_tmdb_key(&self, api_key: Option<&str>) -> SettingCheck {
        let config = self.current();
        let mut settings = TmdbSettings::from_config(&config.nfo);
        if let Some(key) = api_key
            .map(str::trim)
            .filter(|k| !k.is_empty() && *k != REDACTED)
        {
            settings.api_key = Some(key.to_owned());
        }
        let url = settings.api_url.clone();
        let client = TmdbClient::new(settings);
        if !client.has_api_key() {
            return SettingCheck::new(
                false,
                CheckCode::NoKey,
                "No TMDB API key is stored; enter one to test it.",
            );
        }
        match client.check_key() {
            Ok(()) => SettingCheck::new(true, CheckCode::Accepted, "TMDB accepted the API key."),
            Err(MetadataError::Unauthorized { message, .. }) => {
                let why = if message.is_empty() {
                    String::new()
                } else {
                    format!(" ({message})")
                };
                SettingCheck::new(
                    false,
                    CheckCode::Rejected,
                    format!(
                        "TMDB rejected the API key{why}. Check that it is the v3 API key or the read access token of your TMDB account."
                    ),
                )
            }
            Err(MetadataError::NoApiKey) => SettingCheck::new(
                false,
                CheckCode::NoKey,
                "No TMDB API key is stored; enter one to test it.",
            ),
            Err(MetadataError::RateLimited { .. }) => SettingCheck::new(
                false,
                CheckCode::RateLimited,
                "TMDB is limiting requests right now; try again in a minute.",
            ),
            Err(MetadataError::Network { .. } | MetadataError::InvalidUrl { .. }) => {
                SettingCheck::new(
                    false,
                    CheckCode::Unreachable,
                    format!("TMDB could not be reached at {url}."),
                )
            }
            Err(e) => {
                log::warn!("TMDB key test: {e}");
                SettingCheck::new(
                    false,
                    CheckCode::Failed,
                    format!("TMDB gave an unexpected answer at {url}."),
                )
            }
        }
    }

    /// Whether `path` (else the anime folder set now) can hold the library: absolute, an
    /// existing folder, readable, writable; counts the series folders in it. Creates nothing
    /// (a probe file is written and removed). A relative or blank path is refused as
    /// [`ConfigError::Invalid`] naming the field `path`.
    pub fn test_anime_directory(&self, path: Option<&str>) -> Result<SettingCheck, ConfigError> {
        let given = path.map(str::trim);
        let dir = match given {
            Some(p) if p.is_empty() || p.contains('\0') => {
                return Err(invalid_path(
                    "give the full path of a folder, such as /srv/media/anime",
                ));
            }
            Some(p) => p.to_owned(),
            None => match self.current().anime_dir() {
                Some(d) => d.to_string_lossy().into_owned(),
                None => {
                    return Ok(SettingCheck::new(
                        false,
                        CheckCode::NotSet,
                        "No anime folder is set yet.",
                    ));
                }
            },
        };
        let dir = Path::new(&dir);
        if !dir.is_absolute() {
            return Err(invalid_path(format!(
                "{:?} is a relative path; give the full path, such as /srv/media/anime",
                dir.display().to_string()
            )));
        }
        let shown = dir.display();
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Ok(SettingCheck::new(
                    false,
                    CheckCode::NotAFolder,
                    format!("{shown} is a file, not a folder."),
                ));
            }
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Ok(SettingCheck::new(
                    false,
                    CheckCode::Missing,
                    format!("{shown} does not exist yet; saving the folder creates it."),
                ));
            }
            Err(e) => {
                return Ok(SettingCheck::new(
                    false,
                    CheckCode::Unreadable,
                    format!("{shown} cannot be read: {e}"),
                ));
            }
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                return Ok(SettingCheck::new(
                    false,
                    CheckCode::Unreadable,
                    format!("{shown} cannot be read: {e}"),
                ));
            }
        };
        let series = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count();
        if let Err(e) = aniworld_library::folder::write_probe(dir) {
            return Ok(SettingCheck::new(
                false,
                CheckCode::NotWritable,
                format!("No file can be written in {shown}: {e}"),
            ));
        }
        let mut check = SettingCheck::new(
            true,
            CheckCode::Usable,
            format!("{shown} is usable; series folders found: {series}."),
        );
        check.series_folders = Some(series);
        Ok(check)
    }
}

fn invalid_path(problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(vec![ValidationIssue::new("path", problem)])
}
