//! The data folder: owner-only folders and files (new ones and loose ones found at start), no
//! leftovers of interrupted atomic writes after a restart, and no TMDB key or site cookie in a
//! trace-level log.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use actix_web::http::Method;
use aniworld_metadata::matching::normalize_title;
use aniworld_server::{Application, Settings};
use aniworld_testkit::tmdb::{FakeTmdb, KEY, Show};
use serde_json::{Value, json};

use crate::anime_support::{configure, standard_catalogue};
use crate::helpers::{PASSWORD, Resp, client, send, start_binary, test_config, write_config};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

async fn call(
    address: &str,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Resp {
    send(&client(), address, method, path, token, body, &[]).await
}

/// Sets the password up and logs in; returns a token.
async fn token(address: &str) -> String {
    let r = call(
        address,
        None,
        Method::POST,
        "/api/auth/setup",
        Some(&json!({"master_password": PASSWORD})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = call(
        address,
        None,
        Method::POST,
        "/api/auth/login",
        Some(&json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["access_token"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn files_are_owner_only_loose_ones_tightened_and_leftovers_removed_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let anime = tmp.path().join("anime");
    let season = anime.join("Show (2020)").join("Season 01");
    std::fs::create_dir_all(&season).unwrap();
    std::fs::create_dir_all(data.join("config_backups")).unwrap();
    std::fs::create_dir_all(data.join("logs")).unwrap();
    let mut config = test_config();
    config["other"]["anime_directory"] = json!(anime.to_str().unwrap());
    write_config(&data, &config);
    // What an older version, a restored copy or a loose umask leaves behind.
    let loose = [
        data.join("config.json"),
        data.join("config_backups").join("old.json"),
        data.join("logs").join("aniworld.log"),
    ];
    for f in &loose[1..] {
        std::fs::write(f, b"{}").unwrap();
    }
    for f in &loose {
        set_mode(f, 0o644);
    }
    for d in [&data, &data.join("config_backups"), &data.join("logs")] {
        set_mode(d, 0o755);
    }
    // Temporaries of atomic writes cut short by a crash, in the data folder and the library.
    let id = "0123456789abcdef0123456789abcdef";
    let data_leftovers = [
        data.join(format!(".config.json.{id}.tmp")),
        data.join("config_backups")
            .join(format!(".old.json.{id}.tmp")),
    ];
    let library_leftovers = [
        anime.join("Show (2020)").join(".tvshow.nfo.777.0.tmp"),
        season.join("Show (2020) - S01E01.mp4.part.state.tmp"),
    ];
    let kept = [
        season.join("Show (2020) - S01E01.mp4.part"),
        season.join("Show (2020) - S01E01.mp4.part.state"),
        season.join("Show (2020) - S01E02.mp4"),
    ];
    for f in data_leftovers.iter().chain(&library_leftovers).chain(&kept) {
        std::fs::write(f, b"half").unwrap();
    }
    let past = SystemTime::now() - Duration::from_secs(600);
    for f in &library_leftovers {
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(past)
            .unwrap();
    }

    let app = Application::build(Settings::for_tests(&data))
        .await
        .expect("app builds");
    let handle = app.handle();
    let app_state = app.state();
    actix_web::rt::spawn(app.run_until_stopped());

    for d in [&data, &data.join("config_backups"), &data.join("logs")] {
        assert_eq!(mode(d), 0o700, "{}", d.display());
    }
    // aniworld.db is new here: created owner-only, and SQLite's side files take its mode.
    let db_files = ["aniworld.db", "aniworld.db-wal", "aniworld.db-shm"].map(|f| data.join(f));
    for f in loose.iter().chain(&db_files) {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    for f in &data_leftovers {
        assert!(!f.exists(), "{} left", f.display());
    }
    // The library is swept on its own thread: wait (bounded).
    let deadline = Instant::now() + Duration::from_secs(20);
    while library_leftovers.iter().any(|f| f.exists()) {
        assert!(Instant::now() < deadline, "library leftovers not removed");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    for f in &kept {
        assert!(
            f.exists(),
            "{} must stay (resume data and episodes)",
            f.display()
        );
    }
    // Files written later are owner-only too.
    app_state
        .app
        .config()
        .update(&json!({"name": "Private"}))
        .unwrap();
    assert_eq!(mode(&data.join("config.json")), 0o600);
    let name = app_state.app.config().create_backup(Some("new")).unwrap();
    assert_eq!(mode(&data.join("config_backups").join(name)), 0o600);
    handle.stop(true).await;
}

#[actix_web::test]
async fn no_api_key_or_cookie_reaches_a_trace_level_log() {
    const COOKIE_VALUE: &str = "c00kie-s3cret-value";
    const SESSION_VALUE: &str = "sess10n-s3cret-value";
    let cookie = format!("cf_clearance={COOKIE_VALUE}; aw_session={SESSION_VALUE}");
    let tmdb = FakeTmdb::start(
        vec![Show::new(1429, "Attack on Titan", "2013-04-07")],
        normalize_title,
    );
    let catalogue = standard_catalogue();
    let data = tempfile::tempdir().unwrap();
    let anime = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let mut config = test_config();
    configure(&mut config, &catalogue, Some(anime.path()));
    for (k, v) in tmdb.nfo_config().as_object().unwrap() {
        config["nfo"][k] = v.clone();
    }
    config["provider"]["sites"][0]["cookie"] = json!(cookie);
    config["logging"]["file"] = json!("aniworld.log");
    write_config(data.path(), &config);

    let bin = start_binary(data.path(), cwd.path(), &["--log-level", "trace"]);
    let a = bin.address.clone();
    let t = token(&a).await;
    // A catalogue request with the site cookie, and TMDB requests with the key in the URL.
    let r = call(
        &a,
        Some(&t),
        Method::POST,
        "/api/anime/add",
        Some(&json!({"link": catalogue.link("attack-on-titan"), "name": "attack-on-titan"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call(
        &a,
        Some(&t),
        Method::POST,
        "/api/nfo/attack-on-titan/create",
        Some(&json!({"download_poster": false, "download_logo": false, "download_fanart": false})),
    )
    .await;
    assert!(r.status < 500, "{}", r.text);
    let stderr = bin.stop().join("\n");
    let file = std::fs::read_to_string(data.path().join("logs").join("aniworld.log")).unwrap();
    assert_eq!(mode(&data.path().join("logs").join("aniworld.log")), 0o600);

    // The secrets really travelled: in the query to TMDB, in the Cookie header to the catalogue.
    let tmdb_requests = tmdb.api_requests("/3/");
    assert!(!tmdb_requests.is_empty(), "no TMDB request was made");
    assert!(
        tmdb_requests
            .iter()
            .all(|r| r.query.contains(&format!("api_key={KEY}")))
    );
    assert!(
        catalogue
            .cookies()
            .iter()
            .any(|(_, c)| c.as_deref().is_some_and(|c| c.contains(COOKIE_VALUE))),
        "the cookie was sent"
    );
    assert!(stderr.contains("TRACE"), "trace logging was not on");
    assert!(
        stderr.contains("/3/"),
        "the TMDB requests are in the log:\n{stderr}"
    );
    for (name, text) in [("stderr", &stderr), ("log file", &file)] {
        for needle in ["api_key=", KEY, COOKIE_VALUE, SESSION_VALUE] {
            let line = text.lines().find(|l| l.contains(needle));
            assert!(line.is_none(), "{needle:?} in the {name}: {line:?}");
        }
    }
}
