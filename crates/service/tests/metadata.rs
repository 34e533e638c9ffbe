//! Metadata use cases that no HTTP route triggers directly: the episode NFO written after a
//! download, and tvshow.nfo with artwork made in the background when a series is added.

mod support;

use std::time::{Duration, Instant};

use aniworld_core::ports::SeriesRepo;
use aniworld_core::{DownloadItem, EpisodeRef, NewSeries, Priority};
use aniworld_metadata::matching::normalize_title;
use aniworld_service::nfo::CreateOptions;
use aniworld_testkit::tmdb::{FakeTmdb, KEY, Show};
use serde_json::{Value, json};

const FOLDER: &str = "One Piece (1999)";

fn shows() -> Vec<Show> {
    vec![
        Show::new(37854, "One Piece", "1999-10-20"),
        Show::new(99, "One Piece Film Red", "2022-08-06"),
    ]
}

/// The facade against the fake TMDB, One Piece in the library and its folder made.
fn one_piece(tmdb: &FakeTmdb, change: impl FnOnce(&mut Value)) -> support::Env {
    let nfo = tmdb.nfo_config_with(Some(KEY));
    let env = support::open("http://127.0.0.1:9/", |c| {
        for (k, v) in nfo.as_object().unwrap() {
            c["nfo"][k] = v.clone();
        }
        change(c);
    });
    env.app
        .store()
        .insert_series(&NewSeries {
            key: "one-piece".into(),
            name: "One Piece".into(),
            site: "aniworld.to".into(),
            folder: FOLDER.into(),
            year: Some(1999),
            description: None,
            imdb_id: Some("tt0037854".into()),
            cover_url: None,
            catalogue_url: None,
        })
        .unwrap();
    std::fs::create_dir_all(env.folder(FOLDER)).unwrap();
    env
}

fn item(episode: u32) -> DownloadItem {
    DownloadItem::new_pending(
        "one-piece",
        FOLDER,
        "One Piece",
        EpisodeRef {
            season: 1,
            episode,
            title: None,
        },
        Priority::Normal,
        0,
    )
}

#[test]
fn a_finished_download_gets_its_episode_nfo() {
    let tmdb = FakeTmdb::start(shows(), normalize_title);
    let env = one_piece(&tmdb, |_| {});
    let nfo = env.app.metadata();
    let season = env.folder(FOLDER).join("Season 01");
    std::fs::create_dir_all(&season).unwrap();
    std::fs::write(season.join("One Piece (1999) - S01E02.mp4"), b"video").unwrap();

    // No tvshow.nfo yet: nothing to do.
    assert_eq!(nfo.episode_downloaded(&item(2)).unwrap(), None);

    let no_media = CreateOptions {
        download_poster: Some(false),
        download_logo: Some(false),
        download_fanart: Some(false),
        ..CreateOptions::default()
    };
    nfo.create("one-piece", &no_media).unwrap();
    let path = season.join("One Piece (1999) - S01E02.nfo");
    assert_eq!(
        nfo.episode_downloaded(&item(2)).unwrap(),
        Some(path.clone())
    );
    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(xml.contains("<episodedetails>"), "{xml}");
    assert!(xml.contains("<episode>2</episode>"), "{xml}");

    // A video that is not in the anime folder gets no NFO.
    assert_eq!(nfo.episode_downloaded(&item(3)).unwrap(), None);
    assert!(!season.join("One Piece (1999) - S01E03.nfo").exists());

    // Switched off in the configuration: nothing is written.
    std::fs::remove_file(&path).unwrap();
    env.app
        .config()
        .update(&json!({"nfo": {"episode_nfo": false}}))
        .unwrap();
    assert_eq!(nfo.episode_downloaded(&item(2)).unwrap(), None);
    assert!(!path.exists());
}

#[test]
fn an_added_series_gets_its_nfo_when_auto_create_is_on() {
    let tmdb = FakeTmdb::start(shows(), normalize_title);
    let env = one_piece(&tmdb, |c| {
        c["nfo"]["auto_create"] = json!(true);
        c["nfo"]["download_logo"] = json!(false);
    });
    env.app
        .metadata()
        .series_added_in_background("one-piece".into());
    let dir = env.folder(FOLDER);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(dir.join("tvshow.nfo").is_file() && dir.join("fanart.jpg").is_file()) {
        assert!(Instant::now() < deadline, "no tvshow.nfo");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read(dir.join("poster.jpg")).unwrap(),
        tmdb.art().poster
    );
    assert!(!dir.join("logo.png").exists(), "nfo.download_logo is off");
}
