//! The settings page's tests as use cases: a TMDB key against the fake TMDB, folders in temp
//! dirs. Neither stores or creates anything.

use aniworld_metadata::matching::normalize_title;
use aniworld_service::checks::CheckCode;
use aniworld_service::{ConfigError, ConfigService, RuntimeOverrides};
use aniworld_testkit::tmdb::{FakeTmdb, KEY};
use serde_json::json;

fn service(data: &std::path::Path) -> ConfigService {
    ConfigService::load(data, RuntimeOverrides::default()).unwrap()
}

#[test]
fn a_tmdb_key_is_tested_at_the_configured_api() {
    let data = tempfile::tempdir().unwrap();
    let config = service(data.path());
    let tmdb = FakeTmdb::start(Vec::new(), normalize_title);
    config
        .update(&json!({"nfo": tmdb.nfo_config_with(None)}))
        .unwrap();
    assert_eq!(config.test_tmdb_key(None).code, CheckCode::NoKey);
    let good = config.test_tmdb_key(Some(KEY));
    assert!(good.ok, "{good:?}");
    let bad = config.test_tmdb_key(Some("nope-nope-nope-nope"));
    assert_eq!(bad.code, CheckCode::Rejected);
    assert!(!bad.message.contains("nope-nope"), "{}", bad.message);
    assert!(
        config.stored().nfo.tmdb_api_key.expose().is_none(),
        "nothing stored"
    );
}

#[test]
fn a_folder_is_tested_without_being_created() {
    let data = tempfile::tempdir().unwrap();
    let config = service(data.path());
    let lib = tempfile::tempdir().unwrap();
    std::fs::create_dir(lib.path().join("Frieren (2023)")).unwrap();
    let usable = config
        .test_anime_directory(Some(lib.path().to_str().unwrap()))
        .unwrap();
    assert_eq!(
        (usable.code, usable.series_folders),
        (CheckCode::Usable, Some(1))
    );
    let missing = lib.path().join("none");
    let r = config
        .test_anime_directory(Some(missing.to_str().unwrap()))
        .unwrap();
    assert_eq!(r.code, CheckCode::Missing);
    assert!(!missing.exists());
    match config.test_anime_directory(Some("relative/anime")) {
        Err(ConfigError::Invalid(issues)) => assert_eq!(issues[0].field, "path"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        config.test_anime_directory(None).unwrap().code,
        CheckCode::NotSet
    );
}
