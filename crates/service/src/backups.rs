//! Configuration backups in `<data_dir>/config_backups/` (architecture.md "Settled details").
//!
//! Automatic names are `config_backup_YYYYMMDD_HHMMSS.json` (UTC). A chosen name `X` must match
//! `[A-Za-z0-9._-]{1,64}` and not start with a dot; the file is `X.json`, or `X` when it already
//! ends in `.json`. Restore and delete accept only names found by listing the folder, so no request
//! can reach a path outside it. Backups are never overwritten: an existing name is a conflict.

use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use aniworld_core::AppConfig;
use aniworld_core::files::{Access, atomic_temp_name, write_atomic};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::sync::Arc;

use crate::config::{ConfigError, ConfigService};

/// One backup file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    /// File name inside the backups folder.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, RFC 3339 UTC.
    pub created: String,
}

/// Whether `name` obeys the chosen-name rule.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The file name of a new backup: the automatic name at `now`, or the checked chosen name.
pub fn file_name(chosen: Option<&str>, now: DateTime<Utc>) -> Result<String, ConfigError> {
    match chosen {
        None => Ok(format!(
            "config_backup_{}.json",
            now.format("%Y%m%d_%H%M%S")
        )),
        Some(n) if !valid_name(n) => Err(ConfigError::BadBackupName(n.to_string())),
        Some(n) if n.ends_with(".json") => Ok(n.to_string()),
        Some(n) => Ok(format!("{n}.json")),
    }
}

impl ConfigService {
    /// Every backup, newest first.
    pub fn list_backups(&self) -> Result<Vec<BackupInfo>, ConfigError> {
        let dir = &self.backups_dir;
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ConfigError::io("list", dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| ConfigError::io("list", dir, e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() || !name.ends_with(".json") || !valid_name(&name) {
                continue;
            }
            let modified: DateTime<Utc> = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH).into();
            out.push((
                modified,
                BackupInfo {
                    name,
                    size: meta.len(),
                    created: modified.to_rfc3339_opts(SecondsFormat::Secs, true),
                },
            ));
        }
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.name.cmp(&a.1.name)));
        Ok(out.into_iter().map(|(_, b)| b).collect())
    }

    /// Copies the stored configuration into a new backup; returns its file name.
    pub fn create_backup(&self, chosen: Option<&str>) -> Result<String, ConfigError> {
        let name = file_name(chosen, Utc::now())?;
        let dir = &self.backups_dir;
        crate::data_dir::create_private_dir(dir).map_err(|e| ConfigError::io("create", dir, e))?;
        let target = dir.join(&name);
        // Write a temporary file, then hard-link it to the final name: the link fails when the
        // name exists, so a backup is never overwritten, and readers never see a partial file.
        let tmp = dir.join(atomic_temp_name(&name));
        let result = (|| {
            write_atomic(&tmp, &self.stored_json(), Access::OwnerOnly)?;
            fs::hard_link(&tmp, &target)
        })();
        let _ = fs::remove_file(&tmp);
        match result {
            Ok(()) => Ok(name),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                Err(ConfigError::BackupExists(name))
            }
            Err(e) => Err(ConfigError::io("write", &target, e)),
        }
    }

    /// Validates a backup and makes it the stored configuration.
    pub fn restore_backup(&self, name: &str) -> Result<Arc<AppConfig>, ConfigError> {
        let path = self.existing_backup(name)?;
        let text = fs::read_to_string(&path).map_err(|e| ConfigError::io("read", &path, e))?;
        let mut config: AppConfig = crate::config::parse_stored(&text, &path).map_err(|e| {
            ConfigError::Invalid(vec![aniworld_core::ValidationIssue::new(
                "backup",
                format!("not a valid configuration: {e}"),
            )])
        })?;
        config.provider.normalize();
        self.replace(config)
    }

    /// Deletes a backup.
    pub fn delete_backup(&self, name: &str) -> Result<(), ConfigError> {
        let path = self.existing_backup(name)?;
        fs::remove_file(&path).map_err(|e| ConfigError::io("delete", &path, e))
    }

    /// The path of a backup that exists, found by listing the folder (never by joining input).
    fn existing_backup(&self, name: &str) -> Result<std::path::PathBuf, ConfigError> {
        if !valid_name(name) {
            return Err(ConfigError::BadBackupName(name.to_string()));
        }
        let found = self.list_backups()?.into_iter().find(|b| b.name == name);
        match found {
            Some(b) => Ok(Path::new(&self.backups_dir).join(b.name)),
            None => Err(ConfigError::BackupNotFound(name.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overrides::RuntimeOverrides;
    use chrono::TimeZone;

    fn check(chosen: Option<&str>, expected: Result<&str, ()>) {
        let now = Utc.with_ymd_and_hms(2025, 12, 13, 9, 1, 30).unwrap();
        let got = file_name(chosen, now).map_err(|_| ());
        assert_eq!(got, expected.map(str::to_string), "{chosen:?}");
    }

    #[test]
    fn names_follow_the_rules() {
        check(None, Ok("config_backup_20251213_090130.json"));
        check(Some("before-upgrade"), Ok("before-upgrade.json"));
        check(Some("x.json"), Ok("x.json"));
        check(Some("a_b.c-1"), Ok("a_b.c-1.json"));
        for bad in [
            "",
            ".hidden",
            "../x",
            "%2e%2e%2fx",
            "/etc/passwd",
            "a/b",
            "a b",
            "ü",
            &"x".repeat(65),
        ] {
            check(Some(bad), Err(()));
        }
    }

    #[test]
    fn create_list_restore_delete() {
        let dir =
            std::env::temp_dir().join(format!("aniworld-bk-{}", uuid::Uuid::new_v4().simple()));
        fs::create_dir_all(&dir).unwrap();
        let svc = ConfigService::load(&dir, RuntimeOverrides::default()).unwrap();
        assert_eq!(svc.create_backup(Some("one")).unwrap(), "one.json");
        assert!(matches!(
            svc.create_backup(Some("one")),
            Err(ConfigError::BackupExists(_))
        ));
        svc.update(&serde_json::json!({"name": "Changed"})).unwrap();
        let list = svc.list_backups().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].name, "one.json");
        assert_eq!(svc.restore_backup("one.json").unwrap().name, "Aniworld");
        assert!(matches!(
            svc.restore_backup("one"),
            Err(ConfigError::BackupNotFound(_))
        ));
        assert!(matches!(
            svc.delete_backup("../config.json"),
            Err(ConfigError::BadBackupName(_))
        ));
        svc.delete_backup("one.json").unwrap();
        assert!(svc.list_backups().unwrap().is_empty());
        assert!(dir.join("config.json").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
