//! `aniworld fetch-media` and `aniworld download` with the real binary against the fake
//! catalogue, VOE hoster and media host: the file is byte-identical, failures exit non-zero
//! with a message, and nothing is written to the data dir.

use std::process::{Command, Output};

use aniworld_testkit::FakeResponse;
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};

const KEY: &str = "mushishi";

fn aniworld(args: &[&str], data_dir: &std::path::Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aniworld"));
    cmd.args(args).arg("--data-dir").arg(data_dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("ANIWORLD_") {
            cmd.env_remove(k);
        }
    }
    cmd.output().expect("binary runs")
}

#[test]
fn fetch_media_writes_the_file_and_fails_cleanly() {
    let sites = Sites::start();
    let data = media_bytes(KEY, 1, 1, 250_000);
    sites.episode(KEY, 1, 1, data.clone(), Serving::Fast);
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let out = dir.path().join("out/video.mp4");
    let url = format!("{}{}", sites.voe.url(), Sites::media_path(KEY, 1, 1));

    let o = aniworld(&["fetch-media", &url, out.to_str().unwrap()], &data_dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&out).unwrap(), data);
    assert!(
        !data_dir.exists(),
        "a one-shot command created the data dir"
    );

    sites.voe.serve(
        "/broken.mp4",
        FakeResponse::html("<html>gone</html>").with_status(404),
    );
    let bad = format!("{}/broken.mp4", sites.voe.url());
    let o = aniworld(
        &[
            "fetch-media",
            &bad,
            dir.path().join("x.mp4").to_str().unwrap(),
        ],
        &data_dir,
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("404") || err.contains("broken.mp4"), "{err}");
    assert!(!dir.path().join("x.mp4").exists());
}

#[test]
fn download_resolves_an_episode_link_through_the_catalogue() {
    let sites = Sites::start();
    let data = media_bytes(KEY, 2, 3, 120_000);
    sites.episode(KEY, 2, 3, data.clone(), Serving::Fast);
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let out = dir.path().join("ep.mp4");
    let catalogue = sites.catalogue.url();
    let link = format!("{catalogue}/anime/stream/{KEY}/staffel-2/episode-3");

    let o = aniworld(
        &[
            "download",
            &link,
            "--out",
            out.to_str().unwrap(),
            "--provider-url",
            &catalogue,
        ],
        &data_dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&out).unwrap(), data);
    assert!(String::from_utf8_lossy(&o.stderr).contains("VOE"));

    // A link of another site is refused before any request.
    let o = aniworld(
        &[
            "download",
            "https://example.invalid/anime/stream/x/staffel-1/episode-1",
            "--out",
            out.to_str().unwrap(),
            "--provider-url",
            &catalogue,
        ],
        &data_dir,
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a link of an enabled catalogue site"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Every hoster failing is an error naming the attempts.
    sites.episode(KEY, 2, 4, Vec::new(), Serving::Broken);
    let link = format!("{catalogue}/anime/stream/{KEY}/staffel-2/episode-4");
    let o = aniworld(
        &[
            "download",
            &link,
            "--out",
            dir.path().join("none.mp4").to_str().unwrap(),
            "--provider-url",
            &catalogue,
        ],
        &data_dir,
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("tried"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
