//! Crash safety of the queue with the real binary: SIGKILL in the middle of a download, start
//! again on the same data dir, and the queue is intact and the download completes byte-identical,
//! resuming from its `.part` data.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use actix_web::http::Method;
use aniworld_core::EpisodeId;
use aniworld_core::ports::SeriesRepo;
use aniworld_store::Store;
use aniworld_testkit::Gate;
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, client, send, start_binary, test_config, write_config};
use crate::queue_support::{configure, seed_series};

const KEY: &str = "vinland-saga";

struct Api {
    client: awc::Client,
    address: String,
    token: Option<String>,
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Value {
        let r = send(
            &self.client,
            &self.address,
            method,
            path,
            self.token.as_deref(),
            body,
            &[],
        )
        .await;
        assert!(r.status < 300, "{path}: {} {}", r.status, r.text);
        r.json
    }

    async fn login(address: &str) -> Api {
        let mut api = Api {
            client: client(),
            address: address.to_string(),
            token: None,
        };
        let r = api
            .call(
                Method::POST,
                "/api/auth/login",
                Some(&json!({"password": PASSWORD})),
            )
            .await;
        api.token = Some(r["access_token"].as_str().unwrap().to_string());
        api
    }

    async fn status(&self) -> Value {
        self.call(Method::GET, "/api/queue/status", None).await
    }
}

fn ids(status: &Value) -> Vec<String> {
    let mut out: Vec<String> = [
        "active_downloads",
        "pending_queue",
        "completed_downloads",
        "failed_downloads",
    ]
    .iter()
    .flat_map(|l| status["status"][l].as_array().cloned().unwrap_or_default())
    .map(|i| i["id"].as_str().unwrap().to_string())
    .collect();
    out.sort();
    out
}

fn part_len(final_path: &Path) -> u64 {
    let mut part = final_path.as_os_str().to_owned();
    part.push(".part");
    std::fs::metadata(PathBuf::from(part)).map_or(0, |m| m.len())
}

#[actix_web::test]
async fn a_download_survives_sigkill_and_completes_byte_identical() {
    let sites = Sites::start();
    let data_dir = tempfile::tempdir().unwrap();
    let anime = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let mut config = test_config();
    configure(&mut config, &sites, anime.path());
    // The directory and the catalogue come from the flags, as an operator would start it.
    config["other"]["anime_directory"] = Value::Null;
    config["provider"]["base_url"] = json!("https://aniworld.to");
    write_config(data_dir.path(), &config);
    seed_series(
        &Store::open(&data_dir.path().join("aniworld.db")).unwrap(),
        KEY,
        &[(1, 1), (1, 2)],
    );

    let gate = Gate::new();
    let big = media_bytes(KEY, 1, 1, 1_500_000);
    let small = media_bytes(KEY, 1, 2, 70_000);
    sites.episode(
        KEY,
        1,
        1,
        big.clone(),
        Serving::TrickleAfter(200_000, gate.clone()),
    );
    sites.episode(KEY, 1, 2, small.clone(), Serving::Fast);
    let anime_arg = anime.path().to_string_lossy().into_owned();
    let provider = sites.catalogue.url();
    let args = [
        "--anime-dir",
        anime_arg.as_str(),
        "--provider-url",
        provider.as_str(),
    ];

    let mut first = start_binary(data_dir.path(), cwd.path(), &args);
    let api = Api {
        client: client(),
        address: first.address.clone(),
        token: None,
    };
    api.call(
        Method::POST,
        "/api/auth/setup",
        Some(&json!({"master_password": PASSWORD})),
    )
    .await;
    let api = Api::login(&first.address).await;
    for (episode, priority) in [(1, "HIGH"), (2, "LOW")] {
        api.call(
            Method::POST,
            "/api/queue/add",
            Some(&json!({
                "serie_id": KEY, "serie_folder": KEY, "serie_name": "Vinland Saga",
                "episodes": [{"season": 1, "episode": episode}], "priority": priority,
            })),
        )
        .await;
    }
    api.call(Method::POST, "/api/queue/start", None).await;
    let before = ids(&api.status().await);
    assert_eq!(before.len(), 2);

    let target = anime
        .path()
        .join(aniworld_core::naming::episode_relative_path(
            KEY,
            EpisodeId::new(1, 1),
        ));
    let deadline = Instant::now() + Duration::from_secs(30);
    while part_len(&target) < 200_000 {
        assert!(Instant::now() < deadline, "the download never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let kept = part_len(&target);
    assert!(kept >= 200_000 && kept < big.len() as u64, "{kept}");
    assert!(!target.exists());
    let requests_before = sites.media_requests(KEY, 1, 1).len();

    gate.open();
    let second = start_binary(data_dir.path(), cwd.path(), &args);
    let api = Api::login(&second.address).await;
    let after = api.status().await;
    assert_eq!(
        ids(&after),
        before,
        "the queue changed across the crash: {after}"
    );
    assert_eq!(after["status"]["is_running"], true, "{after}");

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = api.status().await;
        assert_eq!(s["statistics"]["total_items"], 2, "{s}");
        assert_eq!(s["statistics"]["failed_count"], 0, "{s}");
        if s["statistics"]["completed_count"] == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not completed after restart: {s}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(std::fs::read(&target).unwrap(), big);
    assert_eq!(
        std::fs::read(
            anime
                .path()
                .join(aniworld_core::naming::episode_relative_path(
                    KEY,
                    EpisodeId::new(1, 2)
                ))
        )
        .unwrap(),
        small
    );
    // The restart resumed with a Range request instead of starting over.
    let resumed = &sites.media_requests(KEY, 1, 1)[requests_before..];
    assert!(
        resumed.iter().any(|r| r
            .header("range")
            .is_some_and(|v| v.starts_with("bytes=") && !v.starts_with("bytes=0-"))),
        "no resuming Range request: {:?}",
        resumed
            .iter()
            .map(|r| r.header("range"))
            .collect::<Vec<_>>()
    );
    let serie = Store::open(&data_dir.path().join("aniworld.db"))
        .unwrap()
        .get_series(KEY)
        .unwrap()
        .unwrap();
    assert!(serie.missing.is_empty(), "{:?}", serie.missing);
    second.stop();
}
