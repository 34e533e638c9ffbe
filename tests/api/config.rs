//! api.md section 5: configuration, validation, backups and the anime directory, with their
//! effects on disk.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

/// Every file under `dir`, relative.
fn tree(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                // SQLite's side files come and go on their own.
                if !rel.starts_with("aniworld.db") {
                    out.insert(rel);
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

#[actix_web::test]
async fn get_returns_the_api_md_sections_with_secrets_redacted() {
    let app = spawn_app().await;
    let t = app.token().await;
    let key = "0123456789abcdef0123456789abcdef";
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"nfo": {"tmdb_api_key": key}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains(key));
    let r = app.get("/api/config", Some(&t)).await;
    assert_eq!(r.status, 200);
    for section in [
        "name",
        "data_dir",
        "scheduler",
        "logging",
        "backup",
        "other",
    ] {
        assert!(r.json.get(section).is_some(), "{section} missing");
    }
    assert_eq!(r.json["nfo"]["tmdb_api_key"], "********");
    assert!(!r.text.contains(key));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    // the file keeps the real key, and sending the redacted value back keeps it
    assert_eq!(app.config_on_disk()["nfo"]["tmdb_api_key"], key);
    let r = app.put("/api/config", Some(&t), &r.json).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.config_on_disk()["nfo"]["tmdb_api_key"], key);
}

#[actix_web::test]
async fn put_merges_validates_and_writes_atomically() {
    let app = spawn_app().await;
    let t = app.token().await;
    let body = json!({
        "scheduler": {"enabled": true, "interval_minutes": 60, "schedule_time": "06:30", "schedule_days": ["mon", "wed", "fri"]},
        "logging": {"level": "DEBUG"},
        "download": {"verify": "never"}
    });
    let r = app.put("/api/config", Some(&t), &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["scheduler"]["schedule_time"], "06:30");
    assert_eq!(r.json["logging"]["level"], "DEBUG");
    let disk = app.config_on_disk();
    assert_eq!(disk["download"]["verify"], "never");
    assert_eq!(
        disk["scheduler"]["schedule_days"],
        json!(["mon", "wed", "fri"])
    );
    // fields not sent keep their values
    assert_eq!(disk["logging"]["backup_count"], 3);
    assert_eq!(disk["server"]["bcrypt_cost"], 4);
    assert_eq!(
        app.get("/api/config", Some(&t)).await.json["scheduler"]["schedule_time"],
        "06:30"
    );

    let before = std::fs::read(app.data_dir.path().join("config.json")).unwrap();
    for (bad, field) in [
        (
            json!({"scheduler": {"schedule_time": "25:00"}}),
            "scheduler.schedule_time",
        ),
        (
            json!({"scheduler": {"schedule_days": ["funday"]}}),
            "scheduler.schedule_days",
        ),
        (
            json!({"scheduler": {"interval_minutes": 0}}),
            "scheduler.interval_minutes",
        ),
        (
            json!({"download": {"max_concurrent": 9}}),
            "download.max_concurrent",
        ),
        (
            json!({"download": {"verify": "sometimes"}}),
            "download.verify",
        ),
    ] {
        let r = app.put("/api/config", Some(&t), &bad).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(
            r.json["details"].get(field).is_some(),
            "{field}: {}",
            r.text
        );
    }
    app.put(
        "/api/config",
        Some(&t),
        &json!({"scheduler": {"enabled": "yes"}}),
    )
    .await
    .assert_error(422, "VALIDATION_ERROR");
    app.put("/api/config", Some(&t), &json!([1, 2]))
        .await
        .assert_error(422, "VALIDATION_ERROR");
    assert_eq!(
        std::fs::read(app.data_dir.path().join("config.json")).unwrap(),
        before
    );
    // no temporary files left behind
    assert!(
        tree(app.data_dir.path())
            .iter()
            .all(|f| !f.ends_with(".tmp"))
    );
}

#[actix_web::test]
async fn validate_reports_without_writing() {
    let app = spawn_app().await;
    let t = app.token().await;
    let full = app.get("/api/config", Some(&t)).await.json;
    let r = app.post("/api/config/validate", Some(&t), &full).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"valid": true, "errors": []}));
    let before = std::fs::read(app.data_dir.path().join("config.json")).unwrap();
    let mut bad = full.clone();
    bad["scheduler"]["schedule_time"] = json!("3 o'clock");
    bad["scheduler"]["interval_minutes"] = json!(0);
    let r = app.post("/api/config/validate", Some(&t), &bad).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["valid"], false);
    let errors: Vec<String> = serde_json::from_value(r.json["errors"].clone()).unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("schedule_time")));
    let r = app
        .post(
            "/api/config/validate",
            Some(&t),
            &json!({"scheduler": {"enabled": 3}}),
        )
        .await;
    assert_eq!((r.status, r.json["valid"].clone()), (200, json!(false)));
    assert_eq!(
        std::fs::read(app.data_dir.path().join("config.json")).unwrap(),
        before
    );
}

#[actix_web::test]
async fn backups_create_list_restore_delete() {
    let app = spawn_app().await;
    let t = app.token().await;
    let r = app.post_empty("/api/config/backups", Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["message"], "Backup created successfully");
    let auto = r.json["name"].as_str().unwrap().to_string();
    let re = regex::Regex::new(r"^config_backup_\d{8}_\d{6}\.json$").unwrap();
    assert!(re.is_match(&auto), "{auto}");
    let backups = app.data_dir.path().join("config_backups");
    let copy: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backups.join(&auto)).unwrap()).unwrap();
    assert_eq!(copy, app.config_on_disk());

    let r = app
        .post_empty("/api/config/backups?name=before-upgrade", Some(&t))
        .await;
    assert_eq!(r.json["name"], "before-upgrade.json", "{}", r.text);
    let r = app
        .post_empty("/api/config/backups?name=mine.json", Some(&t))
        .await;
    assert_eq!(r.json["name"], "mine.json", "{}", r.text);
    // an existing name is a conflict and the old file is kept
    let original = std::fs::read(backups.join("mine.json")).unwrap();
    app.put("/api/config", Some(&t), &json!({"name": "Changed"}))
        .await;
    app.post_empty("/api/config/backups?name=mine", Some(&t))
        .await
        .assert_error(409, "CONFLICT_ERROR");
    assert_eq!(std::fs::read(backups.join("mine.json")).unwrap(), original);

    let r = app.get("/api/config/backups", Some(&t)).await;
    assert_eq!(r.status, 200);
    let list = r.json.as_array().unwrap();
    let names: BTreeSet<&str> = list.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        BTreeSet::from([auto.as_str(), "before-upgrade.json", "mine.json"])
    );
    for b in list {
        assert!(b["size"].as_u64().unwrap() > 100);
        assert!(chrono::DateTime::parse_from_rfc3339(b["created"].as_str().unwrap()).is_ok());
    }

    // restore brings back the old name, on disk too
    let r = app
        .post_empty("/api/config/backups/mine.json/restore", Some(&t))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "Aniworld");
    assert_eq!(app.config_on_disk()["name"], "Aniworld");
    app.post_empty("/api/config/backups/nope.json/restore", Some(&t))
        .await
        .assert_error(404, "NOT_FOUND_ERROR");

    let r = app
        .delete("/api/config/backups/before-upgrade.json", Some(&t))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["message"],
        "Backup 'before-upgrade.json' deleted successfully"
    );
    assert!(!backups.join("before-upgrade.json").exists());
    app.delete("/api/config/backups/before-upgrade.json", Some(&t))
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
}

#[actix_web::test]
async fn an_invalid_backup_is_not_restored() {
    let app = spawn_app().await;
    let t = app.token().await;
    let dir = app.data_dir.path().join("config_backups");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("broken.json"),
        br#"{"scheduler": {"schedule_time": "99:99"}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("garbage.json"), b"not json").unwrap();
    let before = std::fs::read(app.data_dir.path().join("config.json")).unwrap();
    for name in ["broken.json", "garbage.json"] {
        let r = app
            .post_empty(&format!("/api/config/backups/{name}/restore"), Some(&t))
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
    }
    assert_eq!(
        std::fs::read(app.data_dir.path().join("config.json")).unwrap(),
        before
    );
}

#[actix_web::test]
async fn backup_names_cannot_escape_the_backups_folder() {
    let parent = tempfile::tempdir().unwrap();
    let app = spawn_app().await;
    let t = app.token().await;
    // a file outside the backups folder that a traversal would hit
    std::fs::write(app.data_dir.path().join("x.json"), b"{}").unwrap();
    let outside = tree(app.data_dir.path());
    let parent_before = tree(parent.path());
    for name in [
        "../x",
        "%2e%2e%2fx",
        "/etc/passwd",
        "..",
        ".hidden",
        "a%2Fb",
        "..%2Fconfig.json",
        "x%00y",
    ] {
        let r = app
            .post_empty(&format!("/api/config/backups?name={name}"), Some(&t))
            .await;
        assert!(
            matches!(r.status, 404 | 422),
            "create {name}: {} {}",
            r.status,
            r.text
        );
        for path in [
            format!("/api/config/backups/{name}/restore"),
            format!("/api/config/backups/{}/restore", name.replace('/', "%2F")),
        ] {
            let r = app.post_empty(&path, Some(&t)).await;
            assert!(
                matches!(r.status, 404 | 422),
                "restore {path}: {} {}",
                r.status,
                r.text
            );
        }
        let r = app
            .delete(
                &format!("/api/config/backups/{}", name.replace('/', "%2F")),
                Some(&t),
            )
            .await;
        assert!(
            matches!(r.status, 404 | 422),
            "delete {name}: {} {}",
            r.status,
            r.text
        );
    }
    assert_eq!(tree(app.data_dir.path()), outside);
    assert_eq!(tree(parent.path()), parent_before);
    assert!(Path::new("/etc/passwd").exists());
    let r = app.get("/api/config/backups", Some(&t)).await;
    assert_eq!(r.json, json!([]));
}

#[actix_web::test]
async fn directory_update_is_validated_and_stored() {
    let app = spawn_app().await;
    let t = app.token().await;
    let dir = app.data_dir.path().join("library");
    let r = app
        .post(
            "/api/config/directory",
            Some(&t),
            &json!({"directory": dir.to_str().unwrap()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["message"], "Anime directory updated successfully");
    assert!(r.json["synced_series"].is_u64());
    assert!(dir.is_dir());
    assert_eq!(
        app.config_on_disk()["other"]["anime_directory"],
        dir.to_str().unwrap()
    );
    assert_eq!(
        app.get("/api/config", Some(&t)).await.json["other"]["anime_directory"],
        dir.to_str().unwrap()
    );
    app.post(
        "/api/config/directory",
        Some(&t),
        &json!({"directory": "  "}),
    )
    .await
    .assert_error(422, "VALIDATION_ERROR");
    app.post("/api/config/directory", Some(&t), &json!({}))
        .await
        .assert_error(422, "VALIDATION_ERROR");
    // a path below a file cannot be created
    let file = app.data_dir.path().join("config.json");
    let r = app
        .post(
            "/api/config/directory",
            Some(&t),
            &json!({"directory": file.join("sub").to_str().unwrap()}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
}

#[actix_web::test]
async fn command_line_overrides_are_shown_but_never_stored() {
    let app = spawn_app_with(
        |_| {},
        |s| {
            s.overrides.provider_url = Some("http://127.0.0.1:9".into());
            s.overrides.tmdb_api_key =
                aniworld_core::Secret::new(Some("flagkey-flagkey-flagkey".into()));
        },
    )
    .await;
    let t = app.token().await;
    let shown = app.get("/api/config", Some(&t)).await.json;
    assert_eq!(shown["provider"]["base_url"], "http://127.0.0.1:9");
    assert_eq!(shown["nfo"]["tmdb_api_key"], "********");
    let mut back = shown.clone();
    back["name"] = json!("Renamed");
    assert_eq!(app.put("/api/config", Some(&t), &back).await.status, 200);
    let disk = app.config_on_disk();
    assert_eq!(disk["name"], "Renamed");
    assert_eq!(disk["provider"]["base_url"], "https://aniworld.to");
    assert_eq!(disk["nfo"]["tmdb_api_key"], serde_json::Value::Null);
}

#[actix_web::test]
async fn unknown_keys_are_refused_by_name_and_what_get_shows_goes_back() {
    let app = spawn_app().await;
    let t = app.token().await;
    let before = app.config_on_disk();
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"scheduler": {"schedule_tme": "06:30"}, "logging": {"level": "DEBUG"}}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(
        r.json["details"]["scheduler.schedule_tme"].is_string(),
        "{}",
        r.text
    );
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("scheduler.schedule_tme"),
        "{}",
        r.text
    );
    assert_eq!(app.config_on_disk(), before, "nothing was written");

    let r = app
        .post(
            "/api/config/validate",
            Some(&t),
            &json!({"nme": "x", "provider": {"sites": [{"id": "s.to", "cookies": "a=b"}]}}),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    for key in ["nme", "provider.sites[0].cookies"] {
        assert!(r.json["details"][key].is_string(), "{key}: {}", r.text);
    }

    // `other` is free-form; what GET shows is accepted back by PUT and by validate.
    let r = app
        .put("/api/config", Some(&t), &json!({"other": {"note": "kept"}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shown = app.get("/api/config", Some(&t)).await.json;
    let r = app.put("/api/config", Some(&t), &shown).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post("/api/config/validate", Some(&t), &shown).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["valid"], true, "{}", r.text);
    assert_eq!(app.config_on_disk()["other"]["note"], "kept");
}

#[actix_web::test]
async fn a_stored_file_with_keys_of_another_version_still_loads() {
    let app = spawn_app_with(
        |c| {
            c["legacy_option"] = json!(true);
            c["scheduler"]["old_field"] = json!(1);
        },
        |_| {},
    )
    .await;
    let t = app.token().await;
    let r = app.get("/api/config", Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json.get("legacy_option").is_none());
    let r = app
        .put("/api/config", Some(&t), &json!({"name": "Changed"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(app.config_on_disk().get("legacy_option").is_none());
}

#[actix_web::test]
async fn relative_and_unwritable_anime_folders_are_refused_where_they_are_set() {
    let app = spawn_app().await;
    // Setup refuses them too, and then sets nothing (no password either).
    let file = app.data_dir.path().join("config.json");
    let below_file = file.join("anime");
    for (dir, why) in [
        ("anime", "relative"),
        (below_file.to_str().unwrap(), "cannot"),
    ] {
        let r = app
            .post(
                "/api/auth/setup",
                None,
                &json!({"master_password": crate::helpers::PASSWORD, "anime_directory": dir}),
            )
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        let problem = r.json["details"]["anime_directory"].as_str().unwrap_or("");
        assert!(problem.contains(why), "{dir}: {}", r.text);
    }
    let t = app.token().await;
    let before = app.config_on_disk();

    // "Not writable" means: no file can be created there by this process. A path below a file
    // and a folder of /proc cannot take one whoever asks, root included.
    let mut unusable = vec![below_file.to_str().unwrap().to_string()];
    if Path::new("/proc/self").is_dir() {
        unusable.push("/proc/self".into());
    }
    for dir in ["anime", "./anime", "../anime"]
        .into_iter()
        .map(String::from)
        .chain(unusable)
    {
        let r = app
            .put(
                "/api/config",
                Some(&t),
                &json!({"other": {"anime_directory": dir}}),
            )
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(
            r.json["details"]["other.anime_directory"].is_string(),
            "{dir}: {}",
            r.text
        );
        let r = app
            .post(
                "/api/config/directory",
                Some(&t),
                &json!({ "directory": dir }),
            )
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(
            r.json["details"]["directory"].is_string(),
            "{dir}: {}",
            r.text
        );
        assert!(
            r.json["message"].as_str().unwrap().contains(&dir),
            "the folder is named: {}",
            r.text
        );
    }
    assert_eq!(app.config_on_disk(), before, "nothing was stored");

    // A read-only folder: refused unless this process can write there anyway (root can).
    let ro = app.data_dir.path().join("read-only");
    std::fs::create_dir(&ro).unwrap();
    set_mode(&ro, 0o555);
    let root_writes = std::fs::write(ro.join("probe"), b"x").is_ok();
    let _ = std::fs::remove_file(ro.join("probe"));
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"other": {"anime_directory": ro.to_str().unwrap()}}),
        )
        .await;
    if root_writes {
        assert_eq!(r.status, 200, "writable for this process: {}", r.text);
    } else {
        r.assert_error(422, "VALIDATION_ERROR");
    }
    set_mode(&ro, 0o755);

    // A missing absolute folder is created, by PUT as by POST /api/config/directory.
    let new = app.data_dir.path().join("media").join("anime");
    let r = app
        .put(
            "/api/config",
            Some(&t),
            &json!({"other": {"anime_directory": new.to_str().unwrap()}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(new.is_dir());
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
