//! The metadata facade against a fake TMDB and image host: create, update, content, media
//! status and download, season and episode files, and the error paths the endpoints map.

mod common;

use std::fs;
use std::path::Path;

use aniworld_metadata::{
    CreateRequest, MatchConfidence, MediaSelection, MetadataError, MetadataService, NfoOptions,
    read_nfo,
};
use aniworld_testkit::FakeResponse;
use common::{FakeTmdb, Show};

fn fake() -> FakeTmdb {
    let mut tricky = Show::new(1001, "Tom & Jerry's <\"Abenteuer\">", "2020-01-05");
    tricky.original_name = "トムとジェリー「冒険」".into();
    tricky.status = "Ended".into();
    FakeTmdb::start(vec![
        Show::new(82684, "Goblin Slayer", "2018-10-07"),
        tricky,
    ])
}

fn series_dir(root: &Path, name: &str) -> std::path::PathBuf {
    let d = root.join(name);
    fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn create_writes_nfo_and_byte_identical_artwork() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    fs::create_dir_all(dir.join("Season 01")).unwrap();
    let svc = MetadataService::new(f.settings());

    let before = svc.check(&dir);
    assert!(!before.has_nfo && before.nfo_path.is_none() && !before.media_files.has_any());

    let out = svc.create(&dir, &CreateRequest::default()).unwrap();
    assert_eq!(out.tmdb_id, 82684);
    assert_eq!(out.confidence, MatchConfidence::ExactTitleYear);
    assert_eq!(out.nfo_path, dir.join("tvshow.nfo"));
    assert!(out.media_errors.is_empty(), "{:?}", out.media_errors);

    assert_eq!(fs::read(dir.join("poster.jpg")).unwrap(), f.art.poster);
    assert_eq!(fs::read(dir.join("logo.png")).unwrap(), f.art.logo);
    assert_eq!(fs::read(dir.join("fanart.jpg")).unwrap(), f.art.fanart);
    assert_eq!(
        fs::read(dir.join("season01-poster.jpg")).unwrap(),
        f.art.season
    );
    assert_eq!(
        fs::read(dir.join("season-specials-poster.jpg")).unwrap(),
        f.art.season
    );
    // German poster and logo were chosen; the SVG logo was not.
    assert_eq!(f.images.hits("/t/p/original/82684-poster.jpg"), 1);
    assert_eq!(f.images.hits("/t/p/original/82684-logo.png"), 1);
    assert_eq!(f.images.hits("/t/p/original/82684-logo.svg"), 0);

    let season_nfo = fs::read_to_string(dir.join("Season 01/season.nfo")).unwrap();
    let doc = roxmltree::Document::parse(&season_nfo).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "season");
    assert!(season_nfo.contains("<seasonnumber>1</seasonnumber>"));
    assert!(
        !dir.join("Season 00").exists(),
        "no season folder is invented"
    );

    let status = svc.check(&dir);
    assert!(status.has_nfo);
    assert_eq!(status.nfo_path, Some(dir.join("tvshow.nfo")));
    assert_eq!(status.media_files, out.media_files);
    assert_eq!(status.media_files.poster_path, Some(dir.join("poster.jpg")));
    assert!(status.media_files.has_logo && status.media_files.has_fanart);

    let info = read_nfo(&dir.join("tvshow.nfo")).unwrap();
    assert_eq!(info.tmdb_id, Some(82684));
    assert_eq!(info.title.as_deref(), Some("Goblin Slayer"));
    assert_eq!(info.imdb_id.as_deref(), Some("tt0082684"));
    assert_eq!(info.tvdb_id, Some(182684));
}

#[test]
fn create_refuses_existing_nfo_without_overwrite() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    fs::write(
        dir.join("tvshow.nfo"),
        "<tvshow><title>Old</title></tvshow>",
    )
    .unwrap();
    let svc = MetadataService::new(f.settings());
    let e = svc.create(&dir, &CreateRequest::default()).unwrap_err();
    assert!(matches!(e, MetadataError::AlreadyExists { .. }), "{e:?}");
    assert_eq!(f.api.requests().len(), 0);
    assert_eq!(
        fs::read_to_string(dir.join("tvshow.nfo")).unwrap(),
        "<tvshow><title>Old</title></tvshow>"
    );

    let req = CreateRequest {
        overwrite: true,
        ..CreateRequest::default()
    };
    svc.create(&dir, &req).unwrap();
    assert!(
        fs::read_to_string(dir.join("tvshow.nfo"))
            .unwrap()
            .contains("Goblin Slayer")
    );
}

#[test]
fn explicit_ids_and_imdb_skip_the_search() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let svc = MetadataService::new(f.settings());

    let dir = series_dir(root.path(), "Some Folder [tmdbid-1001]");
    let out = svc.create(&dir, &CreateRequest::default()).unwrap();
    assert_eq!(
        (out.tmdb_id, out.confidence),
        (1001, MatchConfidence::ExplicitId)
    );

    let dir = series_dir(root.path(), "Another");
    let req = CreateRequest {
        imdb_id: Some("tt0082684".into()),
        download_poster: false,
        download_logo: false,
        download_fanart: false,
        ..CreateRequest::default()
    };
    let out = svc.create(&dir, &req).unwrap();
    assert_eq!(
        (out.tmdb_id, out.confidence),
        (82684, MatchConfidence::ExactId)
    );
    assert!(!out.media_files.has_any());
    assert_eq!(f.api_requests("/3/search").len(), 0);
}

#[test]
fn no_key_and_refused_key_and_unknown_series() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");

    let svc = MetadataService::new(f.settings_with(None));
    assert!(!svc.has_api_key());
    let e = svc.create(&dir, &CreateRequest::default()).unwrap_err();
    assert!(matches!(e, MetadataError::NoApiKey) && e.is_unavailable());

    let svc = MetadataService::new(f.settings_with(Some("bad")));
    let e = svc.create(&dir, &CreateRequest::default()).unwrap_err();
    assert!(matches!(e, MetadataError::Unauthorized { .. }) && e.is_unavailable());

    let svc = MetadataService::new(f.settings());
    let dir = series_dir(root.path(), "No Such Anime (1990)");
    let e = svc.create(&dir, &CreateRequest::default()).unwrap_err();
    assert!(matches!(e, MetadataError::NotFound { .. }) && !e.is_unavailable());
    assert!(!dir.join("tvshow.nfo").exists());
}

#[test]
fn update_content_and_missing_nfo() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    let svc = MetadataService::new(f.settings());

    assert!(matches!(
        svc.update(&dir, true),
        Err(MetadataError::NfoMissing { .. })
    ));
    assert!(matches!(
        svc.content(&dir),
        Err(MetadataError::NfoMissing { .. })
    ));
    assert!(matches!(
        svc.download_media(&dir, MediaSelection::ALL),
        Err(MetadataError::NfoMissing { .. })
    ));

    // An NFO from another tool with only a Jellyfin-style id.
    fs::write(
        dir.join("tvshow.nfo"),
        "<?xml version=\"1.0\"?>\n<tvshow><title>Old</title><tmdbid>82684</tmdbid></tvshow>",
    )
    .unwrap();
    let out = svc.update(&dir, false).unwrap();
    assert_eq!(out.tmdb_id, 82684);
    assert!(!out.media_files.has_any());
    let c = svc.content(&dir).unwrap();
    assert!(c.content.contains("<title>Goblin Slayer</title>"));
    assert_eq!(c.file_size, c.content.len() as u64);
    assert_eq!(c.last_modified.and_utc().timestamp_subsec_nanos(), 0);

    // Artwork already present is replaced on update with media.
    fs::write(dir.join("poster.jpg"), b"old").unwrap();
    let out = svc.update(&dir, true).unwrap();
    assert!(out.media_files.has_poster && out.media_files.has_logo);
    assert_eq!(fs::read(dir.join("poster.jpg")).unwrap(), f.art.poster);

    fs::write(dir.join("tvshow.nfo"), "<tvshow><title>broken</tvshow>").unwrap();
    assert!(matches!(
        svc.update(&dir, false),
        Err(MetadataError::InvalidNfo { .. })
    ));
}

#[test]
fn download_media_fills_gaps_and_keeps_existing_files() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    let svc = MetadataService::new(f.settings());
    let req = CreateRequest {
        download_poster: false,
        download_logo: false,
        download_fanart: false,
        ..CreateRequest::default()
    };
    svc.create(&dir, &req).unwrap();
    fs::write(dir.join("poster.jpg"), b"mine").unwrap();
    assert!(svc.media_status(&dir).has_poster);

    let r = svc.download_media(&dir, MediaSelection::ALL).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.media_files.has_poster && r.media_files.has_logo && r.media_files.has_fanart);
    assert_eq!(fs::read(dir.join("poster.jpg")).unwrap(), b"mine");
    assert_eq!(f.images.hits("/t/p/original/82684-poster.jpg"), 0);
    assert_eq!(fs::read(dir.join("logo.png")).unwrap(), f.art.logo);

    let only_logo = MediaSelection {
        logo: true,
        ..MediaSelection::default()
    };
    fs::remove_file(dir.join("fanart.jpg")).unwrap();
    let r = svc.download_media(&dir, only_logo).unwrap();
    assert!(!r.media_files.has_fanart);
}

#[test]
fn non_image_answer_is_rejected_and_nothing_written() {
    let f = fake();
    f.images.serve(
        "/t/p/original/82684-poster.jpg",
        FakeResponse::html("<html>Cloudflare says no</html>"),
    );
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    let svc = MetadataService::new(f.settings()).with_options(NfoOptions {
        episode_nfo: false,
        season_nfo: false,
    });
    let out = svc.create(&dir, &CreateRequest::default()).unwrap();
    assert_eq!(out.media_errors.len(), 1);
    assert_eq!(out.media_errors[0].file_name, "poster.jpg");
    assert!(matches!(
        out.media_errors[0].error,
        MetadataError::NotAnImage { .. }
    ));
    assert!(!out.media_files.has_poster && out.media_files.has_logo);
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("poster")), "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn redirects_stay_on_the_image_host() {
    let f = fake();
    let elsewhere = aniworld_testkit::FakeServer::start();
    elsewhere.serve(
        "/evil.jpg",
        FakeResponse::bytes("image/jpeg", f.art.poster.clone()),
    );
    f.images.serve(
        "/t/p/original/82684-logo.png",
        FakeResponse::redirect(&format!("{}/evil.jpg", elsewhere.url())),
    );
    f.images.serve(
        "/t/p/original/82684-poster.jpg",
        FakeResponse::redirect("/t/p/original/moved-poster.jpg"),
    );
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    let svc = MetadataService::new(f.settings());
    let out = svc.create(&dir, &CreateRequest::default()).unwrap();
    assert_eq!(out.media_errors.len(), 1, "{:?}", out.media_errors);
    assert!(matches!(
        out.media_errors[0].error,
        MetadataError::ForeignRedirect { .. }
    ));
    assert_eq!(elsewhere.requests().len(), 0);
    assert!(!dir.join("logo.png").exists());
    assert_eq!(fs::read(dir.join("poster.jpg")).unwrap(), f.art.poster);
    assert_eq!(f.images.hits("/t/p/original/moved-poster.jpg"), 1);
}

#[test]
fn episode_nfo_beside_the_video() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    let season = dir.join("Season 01");
    fs::create_dir_all(&season).unwrap();
    let video = season.join("Goblin Slayer (2018) - S01E01.mp4");
    fs::write(&video, b"video").unwrap();
    let svc = MetadataService::new(f.settings());
    assert!(matches!(
        svc.write_episode_nfo(&dir, &video, 1, 1),
        Err(MetadataError::NfoMissing { .. })
    ));
    svc.create(&dir, &CreateRequest::default()).unwrap();

    let p = svc.write_episode_nfo(&dir, &video, 1, 1).unwrap().unwrap();
    assert_eq!(p, season.join("Goblin Slayer (2018) - S01E01.nfo"));
    let xml = fs::read_to_string(&p).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root_el = doc.root_element();
    assert_eq!(root_el.tag_name().name(), "episodedetails");
    let get = |n: &str| {
        root_el
            .children()
            .find(|c| c.has_tag_name(n))
            .and_then(|c| c.text())
            .map(str::to_owned)
    };
    assert_eq!(get("title").as_deref(), Some("Episode 1"));
    assert_eq!(get("showtitle").as_deref(), Some("Goblin Slayer"));
    assert_eq!(get("season").as_deref(), Some("1"));
    assert_eq!(get("episode").as_deref(), Some("1"));
    assert_eq!(get("plot").as_deref(), Some("English plot 1."));
    assert_eq!(get("uniqueid").as_deref(), Some("826840101"));

    // The season is fetched once for several episodes.
    let v2 = season.join("Goblin Slayer (2018) - S01E02.mp4");
    svc.write_episode_nfo(&dir, &v2, 1, 2).unwrap().unwrap();
    assert!(
        fs::read_to_string(season.join("Goblin Slayer (2018) - S01E02.nfo"))
            .unwrap()
            .contains("<title>Folge 2: Der Weg</title>")
    );
    let de_season_requests = f
        .api_requests("/3/tv/82684/season/1")
        .iter()
        .filter(|r| r.query_param("language").as_deref() == Some("de-DE"))
        .count();
    assert_eq!(de_season_requests, 1);

    assert!(matches!(
        svc.write_episode_nfo(&dir, &video, 1, 99),
        Err(MetadataError::NotFound { .. })
    ));

    let off = MetadataService::new(f.settings()).with_options(NfoOptions {
        episode_nfo: false,
        season_nfo: false,
    });
    let v3 = season.join("Goblin Slayer (2018) - S01E03.mp4");
    assert_eq!(off.write_episode_nfo(&dir, &v3, 1, 3).unwrap(), None);
    assert!(!season.join("Goblin Slayer (2018) - S01E03.nfo").exists());
}

#[test]
fn season_files_are_switchable() {
    let f = fake();
    let root = tempfile::tempdir().unwrap();
    let dir = series_dir(root.path(), "Goblin Slayer (2018)");
    fs::create_dir_all(dir.join("Season 01")).unwrap();
    let svc = MetadataService::new(f.settings()).with_options(NfoOptions {
        episode_nfo: true,
        season_nfo: false,
    });
    svc.create(&dir, &CreateRequest::default()).unwrap();
    assert!(!dir.join("Season 01/season.nfo").exists());
    assert!(!dir.join("season01-poster.jpg").exists());
    assert!(dir.join("poster.jpg").exists());
}
