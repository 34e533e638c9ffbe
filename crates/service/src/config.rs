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

use aniworld_core::config::unknown_keys;
use aniworld_core::files::{Access, write_atomic};
use aniworld_core::{AppConfig, ValidationIssue};
use serde_json::Value;
use tokio::sync::watch;

use crate::overrides::RuntimeOverrides;

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
    /// An update or a configuration to validate has keys that match no setting (dotted paths,
    /// e.g. `scheduler.schedule_tme`); nothing was written.
    #[error("unknown configuration keys: {}", .0.join(", "))]
    UnknownKeys(Vec<String>),
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

/// A synchronous listener of configuration changes (see [`ConfigService::on_change`]).
type ChangeListener = Box<dyn Fn(&Arc<AppConfig>) + Send + Sync>;

/// The configuration of a running service.
pub struct ConfigService {
    pub(crate) path: PathBuf,
    pub(crate) backups_dir: PathBuf,
    overrides: RuntimeOverrides,
    stored: Mutex<AppConfig>,
    effective: watch::Sender<Arc<AppConfig>>,
    /// Called with every new effective configuration before the change returns, so that what
    /// a request changed is in force when its answer leaves (the download queue uses it).
    listeners: Mutex<Vec<ChangeListener>>,
    /// Grows with every change of the effective configuration.
    generation: std::sync::atomic::AtomicU64,
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
            let mut c = parse_stored(&text, &path).map_err(|message| ConfigError::Parse {
                path: path.clone(),
                message,
            })?;
            c.provider.normalize();
            absolute_anime_directory(&mut c);
            c
        } else {
            let c = AppConfig::default();
            write_atomic(&path, &to_pretty(&c), Access::OwnerOnly)
                .map_err(|e| ConfigError::io("write", &path, e))?;
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
            listeners: Mutex::new(Vec::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
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

    /// A number that grows with every change of the effective configuration (for caches of
    /// answers that depend on it).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Calls `f` with every new effective configuration, on the thread that changed it and
    /// before the change returns. `f` must be quick and must not change the configuration.
    pub fn on_change(&self, f: impl Fn(&Arc<AppConfig>) + Send + Sync + 'static) {
        self.listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(f));
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
        let unknown = unknown_keys::<AppConfig>(patch);
        if !unknown.is_empty() {
            return Err(ConfigError::UnknownKeys(unknown));
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

    /// Sets the library folder (`POST /api/config/directory`, setup): absolute, created when
    /// missing and writable, checked even when it is the folder already set.
    pub fn set_anime_directory(&self, dir: &str) -> Result<Arc<AppConfig>, ConfigError> {
        let mut guard = self.lock();
        let mut next = guard.clone();
        next.other.anime_directory = Some(dir.to_string());
        if guard.other.anime_directory == next.other.anime_directory {
            check_library_folder(dir)?;
        }
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
        // A new library folder must be usable before it is stored (created when missing).
        if next.other.anime_directory != guard.other.anime_directory
            && let Some(dir) = &next.other.anime_directory
        {
            check_library_folder(dir)?;
        }
        write_atomic(&self.path, &to_pretty(&next), Access::OwnerOnly)
            .map_err(|e| ConfigError::io("write", &self.path, e))?;
        **guard = next;
        let effective = Arc::new(effective);
        self.effective.send_replace(effective.clone());
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        for listener in self
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            listener(&effective);
        }
        Ok(effective)
    }

    /// Validation messages for a full configuration sent by a client (`field: problem`);
    /// empty when it is valid. Wrong types are reported, not raised; keys that match no setting
    /// are refused with [`ConfigError::UnknownKeys`].
    pub fn validate_value(value: &Value) -> Result<Vec<String>, ConfigError> {
        if !value.is_object() {
            return Ok(vec!["body: the configuration must be a JSON object".into()]);
        }
        let unknown = unknown_keys::<AppConfig>(value);
        if !unknown.is_empty() {
            return Err(ConfigError::UnknownKeys(unknown));
        }
        Ok(match serde_json::from_value::<AppConfig>(value.clone()) {
            Ok(c) => c.validate().iter().map(ToString::to_string).collect(),
            Err(e) => vec![e.to_string()],
        })
    }

    pub(crate) fn stored_json(&self) -> Vec<u8> {
        to_pretty(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, AppConfig> {
        self.stored.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The dotted path of the library folder setting.
pub const ANIME_DIRECTORY_FIELD: &str = "other.anime_directory";

impl ConfigError {
    /// The same error with issues about [`ANIME_DIRECTORY_FIELD`] naming `field` instead: the
    /// field of the request that set the folder (`directory`, `anime_directory`).
    pub fn for_anime_directory_field(self, field: &str) -> Self {
        match self {
            ConfigError::Invalid(issues) => ConfigError::Invalid(
                issues
                    .into_iter()
                    .map(|mut i| {
                        if i.field == ANIME_DIRECTORY_FIELD {
                            i.field = field.to_string();
                        }
                        i
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

/// [`aniworld_library::prepare_library_folder`] as a validation issue of the setting.
fn check_library_folder(dir: &str) -> Result<(), ConfigError> {
    aniworld_library::prepare_library_folder(Path::new(dir)).map_err(|e| {
        ConfigError::Invalid(vec![ValidationIssue::new(
            ANIME_DIRECTORY_FIELD,
            e.to_string(),
        )])
    })
}

/// A relative library folder in config.json (accepted by older versions) meant a folder below
/// the working directory of the process: it is made absolute against it, once, with a warning,
/// so the service still starts; the next change stores the absolute path.
fn absolute_anime_directory(c: &mut AppConfig) {
    let Some(dir) = c.other.anime_directory.as_deref() else {
        return;
    };
    if dir.trim().is_empty() || Path::new(dir).is_absolute() {
        return;
    }
    match std::path::absolute(dir) {
        Ok(abs) => {
            log::warn!(
                "config.json: the relative anime folder {dir:?} is read as {} (relative paths \
                 are no longer accepted; set the full path)",
                abs.display()
            );
            c.other.anime_directory = Some(abs.to_string_lossy().into_owned());
        }
        Err(e) => log::warn!("config.json: the anime folder {dir:?} cannot be made absolute: {e}"),
    }
}

/// Reads a stored configuration (config.json or a backup). Keys that match no setting, e.g. from
/// an older or newer version, are logged and dropped (the next write leaves them out): a stored
/// file must keep loading.
pub(crate) fn parse_stored(text: &str, path: &Path) -> Result<AppConfig, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let unknown = unknown_keys::<AppConfig>(&value);
    if !unknown.is_empty() {
        log::warn!(
            "{}: ignoring unknown configuration keys (left out at the next change): {}",
            path.display(),
            unknown.join(", ")
        );
    }
    let mut config: AppConfig = serde_json::from_value(value).map_err(|e| e.to_string())?;
    // A daily schedule on no day never ran; older versions stored it, this one refuses it.
    if config.scheduler.runs_on_no_day() {
        log::warn!(
            "{}: scheduled rescans are on but no day is picked; they are turned off",
            path.display()
        );
        config.scheduler.enabled = false;
    }
    Ok(config)
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
        let check = |v: Value| ConfigService::validate_value(&v).unwrap();
        assert!(check(json!({})).is_empty());
        assert_eq!(
            check(json!({"scheduler": {"interval_minutes": 0}})).len(),
            1
        );
        assert_eq!(check(json!({"scheduler": {"enabled": "x"}})).len(), 1);
        assert_eq!(check(json!("x")).len(), 1);
    }

    #[test]
    fn unknown_keys_are_refused_in_updates_and_validation() {
        let dir = temp_dir();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        let before = fs::read(dir.join("config.json")).unwrap();
        let e = svc
            .update(&json!({"scheduler": {"schedule_tme": "06:30"}, "nme": "x"}))
            .unwrap_err();
        assert!(
            matches!(&e, ConfigError::UnknownKeys(k) if k == &["nme", "scheduler.schedule_tme"]),
            "{e}"
        );
        assert_eq!(fs::read(dir.join("config.json")).unwrap(), before);
        let e = ConfigService::validate_value(&json!({"loging": {}})).unwrap_err();
        assert!(
            matches!(&e, ConfigError::UnknownKeys(k) if k == &["loging"]),
            "{e}"
        );
        // What GET /api/config shows goes back unchanged, free-form `other` keys included.
        svc.update(&json!({"other": {"note": "kept"}})).unwrap();
        svc.update(&svc.current().redacted()).unwrap();
        assert_eq!(svc.stored().other.extra["note"], json!("kept"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_anime_directory_must_be_absolute_and_writable() {
        let dir = temp_dir();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        let set = |d: &str| svc.update(&json!({"other": {"anime_directory": d}}));
        let field = |e: ConfigError| match e {
            ConfigError::Invalid(i) => i[0].field.clone(),
            e => panic!("{e}"),
        };
        assert_eq!(field(set("anime").unwrap_err()), ANIME_DIRECTORY_FIELD);
        let below_file = dir.join("config.json").join("anime");
        let e = set(below_file.to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("cannot hold the library"), "{e}");
        assert_eq!(field(e.for_anime_directory_field("directory")), "directory");
        assert_eq!(svc.stored().other.anime_directory, None);
        // A missing folder is created; an unchanged one is not checked again.
        let lib = dir.join("lib");
        set(lib.to_str().unwrap()).unwrap();
        assert!(lib.is_dir());
        fs::remove_dir(&lib).unwrap();
        svc.update(&json!({"name": "Other"})).unwrap();
        assert!(!lib.exists(), "an unchanged folder is not created again");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_relative_anime_directory_of_an_older_version_is_made_absolute_at_load() {
        let dir = temp_dir();
        fs::write(
            dir.join("config.json"),
            r#"{"other": {"anime_directory": "media/anime"}}"#,
        )
        .unwrap();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        let loaded = svc.current().other.anime_directory.clone().unwrap();
        assert_eq!(
            Path::new(&loaded),
            std::env::current_dir().unwrap().join("media/anime")
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stored_schedule_on_no_day_loads_turned_off() {
        let dir = temp_dir();
        fs::write(
            dir.join("config.json"),
            r#"{"scheduler": {"enabled": true, "schedule_time": "03:00", "schedule_days": []}}"#,
        )
        .unwrap();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        assert!(!svc.current().scheduler.enabled);
        let e = svc
            .update(&json!({"scheduler": {"enabled": true}}))
            .unwrap_err();
        assert!(e.to_string().contains("scheduler.schedule_days"), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_keys_in_a_stored_file_are_dropped_not_fatal() {
        let dir = temp_dir();
        fs::write(
            dir.join("config.json"),
            r#"{"name": "Old", "legacy_option": true, "scheduler": {"old_field": 1}}"#,
        )
        .unwrap();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        assert_eq!(svc.current().name, "Old");
        fs::remove_dir_all(&dir).unwrap();
    }
}
