//! `<data_dir>/config.json`: loading, validated updates and atomic writes.
//!
//! The service keeps two views: the *stored* configuration (exactly what config.json holds) and
//! the *effective* one (stored plus the command-line overrides), which is what the rest of the
//! service runs with and what subscribers of [`ConfigService::subscribe`] receive after every
//! change. Updates are validated before anything is written; an override value sent back by a
//! client is never persisted. Backups live in `backups.rs`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use aniworld_core::{AppConfig, ValidationIssue};
use serde_json::Value;
use tokio::sync::watch;

use crate::files::write_atomic;
use crate::settings::RuntimeOverrides;

/// Failure of a configuration operation.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading or writing a file failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done (`read`, `write`, `list`, ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// config.json is not valid JSON of the expected shape.
    #[error("{path} is not a valid configuration: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The configuration breaks validation rules; nothing was written.
    #[error("invalid configuration: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ValidationIssue>),
    /// A partial update does not fit the configuration's shape (wrong type, not an object).
    #[error("{0}")]
    Patch(String),
    /// A backup name breaks the naming rule.
    #[error("invalid backup name {0:?}")]
    BadBackupName(String),
    /// No backup of that name exists.
    #[error("backup {0:?} not found")]
    BackupNotFound(String),
    /// A backup of that name exists already.
    #[error("backup {0:?} already exists")]
    BackupExists(String),
}

impl ConfigError {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        ConfigError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The configuration of a running service.
pub struct ConfigService {
    pub(crate) path: PathBuf,
    pub(crate) backups_dir: PathBuf,
    overrides: RuntimeOverrides,
    stored: Mutex<AppConfig>,
    effective: watch::Sender<Arc<AppConfig>>,
}

impl std::fmt::Debug for ConfigService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigService")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ConfigService {
    /// Loads `<data_dir>/config.json`, writing the defaults when it does not exist yet.
    /// Fails when the file is unreadable or invalid, or the overrides make it invalid.
    pub fn load(data_dir: &Path, overrides: RuntimeOverrides) -> Result<Self, ConfigError> {
        let path = data_dir.join("config.json");
        let stored = if path.exists() {
            let text = fs::read_to_string(&path).map_err(|e| ConfigError::io("read", &path, e))?;
            let mut c =
                serde_json::from_str::<AppConfig>(&text).map_err(|e| ConfigError::Parse {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            c.provider.normalize();
            c
        } else {
            let c = AppConfig::default();
            write_atomic(&path, &to_pretty(&c)).map_err(|e| ConfigError::io("write", &path, e))?;
            c
        };
        let issues = stored.validate();
        if !issues.is_empty() {
            return Err(ConfigError::Invalid(issues));
        }
        let effective = overrides.apply(&stored);
        let issues = effective.validate();
        if !issues.is_empty() {
            return Err(ConfigError::Invalid(issues));
        }
        let (tx, _) = watch::channel(Arc::new(effective));
        Ok(Self {
            backups_dir: data_dir.join("config_backups"),
            path,
            overrides,
            stored: Mutex::new(stored),
            effective: tx,
        })
    }

    /// The configuration the service runs with (stored plus overrides).
    pub fn current(&self) -> Arc<AppConfig> {
        self.effective.borrow().clone()
    }

    /// Exactly what config.json holds.
    pub fn stored(&self) -> AppConfig {
        self.lock().clone()
    }

    /// A receiver that sees every new effective configuration.
    pub fn subscribe(&self) -> watch::Receiver<Arc<AppConfig>> {
        self.effective.subscribe()
    }

    /// Merges a partial JSON update (objects merge, other values replace; fields not sent keep
    /// their values; a secret sent back redacted keeps its value), validates and writes it.
    pub fn update(&self, patch: &Value) -> Result<Arc<AppConfig>, ConfigError> {
        if !patch.is_object() {
            return Err(ConfigError::Patch(
                "the configuration update must be a JSON object".into(),
            ));
        }
        let mut guard = self.lock();
        let mut next = guard.merged(patch).map_err(ConfigError::Patch)?;
        self.overrides.keep_out(&mut next, &guard);
        self.commit(&mut guard, next)
    }

    /// Changes the stored configuration with `f`, validates and writes it.
    pub fn modify(&self, f: impl FnOnce(&mut AppConfig)) -> Result<Arc<AppConfig>, ConfigError> {
        let mut guard = self.lock();
        let mut next = guard.clone();
        f(&mut next);
        self.commit(&mut guard, next)
    }

    /// Replaces the stored configuration (after validation), e.g. from a backup.
    pub(crate) fn replace(&self, next: AppConfig) -> Result<Arc<AppConfig>, ConfigError> {
        let mut guard = self.lock();
        self.commit(&mut guard, next)
    }

    fn commit(
        &self,
        guard: &mut MutexGuard<'_, AppConfig>,
        next: AppConfig,
    ) -> Result<Arc<AppConfig>, ConfigError> {
        let issues = next.validate();
        if !issues.is_empty() {
            return Err(ConfigError::Invalid(issues));
        }
        let effective = self.overrides.apply(&next);
        let issues = effective.validate();
        if !issues.is_empty() {
            return Err(ConfigError::Invalid(issues));
        }
        write_atomic(&self.path, &to_pretty(&next))
            .map_err(|e| ConfigError::io("write", &self.path, e))?;
        **guard = next;
        let effective = Arc::new(effective);
        self.effective.send_replace(effective.clone());
        Ok(effective)
    }

    /// Validation messages for a full configuration sent by a client (`field: problem`);
    /// empty when it is valid. Wrong types are reported, not raised.
    pub fn validate_value(value: &Value) -> Vec<String> {
        if !value.is_object() {
            return vec!["body: the configuration must be a JSON object".into()];
        }
        match serde_json::from_value::<AppConfig>(value.clone()) {
            Ok(c) => c.validate().iter().map(ToString::to_string).collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    pub(crate) fn stored_json(&self) -> Vec<u8> {
        to_pretty(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, AppConfig> {
        self.stored.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn to_pretty(c: &AppConfig) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(c).unwrap_or_default();
    v.push(b'\n');
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn temp_dir() -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("aniworld-cfg-{}", uuid::Uuid::new_v4().simple()));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn first_load_writes_defaults_and_updates_are_persisted() {
        let dir = temp_dir();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        let on_disk: AppConfig =
            serde_json::from_slice(&fs::read(dir.join("config.json")).unwrap()).unwrap();
        assert_eq!(on_disk, AppConfig::default());
        let mut rx = svc.subscribe();
        svc.update(&json!({"scheduler": {"schedule_time": "06:30"}}))
            .unwrap();
        assert!(rx.has_changed().unwrap());
        assert_eq!(
            rx.borrow_and_update().scheduler.schedule_time.as_deref(),
            Some("06:30")
        );
        let again = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        assert_eq!(
            again.current().scheduler.schedule_time.as_deref(),
            Some("06:30")
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn invalid_updates_write_nothing() {
        let dir = temp_dir();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        let before = fs::read(dir.join("config.json")).unwrap();
        let e = svc
            .update(&json!({"scheduler": {"schedule_time": "25:00"}}))
            .unwrap_err();
        assert!(
            matches!(e, ConfigError::Invalid(ref i) if i[0].field == "scheduler.schedule_time"),
            "{e}"
        );
        assert!(matches!(
            svc.update(&json!({"scheduler": {"enabled": "yes"}})),
            Err(ConfigError::Patch(_))
        ));
        assert!(matches!(
            svc.update(&json!([1])),
            Err(ConfigError::Patch(_))
        ));
        assert_eq!(fs::read(dir.join("config.json")).unwrap(), before);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn overrides_are_effective_but_never_stored() {
        let dir = temp_dir();
        let o = RuntimeOverrides {
            provider_url: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        };
        let svc = ConfigService::load(&dir, o).unwrap();
        assert_eq!(svc.current().provider.base_url, "http://127.0.0.1:1");
        let shown = serde_json::to_value(&*svc.current()).unwrap();
        svc.update(&shown).unwrap();
        assert_eq!(svc.stored().provider.base_url, "https://aniworld.to");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_broken_file_is_an_error_not_a_reset() {
        let dir = temp_dir();
        fs::write(dir.join("config.json"), "{not json").unwrap();
        assert!(matches!(
            ConfigService::load(&dir, RuntimeOverrides::default()),
            Err(ConfigError::Parse { .. })
        ));
        assert_eq!(
            fs::read_to_string(dir.join("config.json")).unwrap(),
            "{not json"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn validate_value_reports_types_and_rules() {
        assert!(ConfigService::validate_value(&json!({})).is_empty());
        assert_eq!(
            ConfigService::validate_value(&json!({"scheduler": {"interval_minutes": 0}})).len(),
            1
        );
        assert_eq!(
            ConfigService::validate_value(&json!({"scheduler": {"enabled": "x"}})).len(),
            1
        );
        assert_eq!(ConfigService::validate_value(&json!("x")).len(), 1);
    }
}
