//! SeriesRepo on a real database file: every method, cascade, conflicts, reopen.

mod common;

use aniworld_core::ports::{EpisodeRecord, RepoError, SeriesRepo};
use aniworld_core::{EpisodeId, Language, MissingEpisodes, NewSeries, SITE_ID};
use common::TestDb;

fn new_serie(key: &str, name: &str) -> NewSeries {
    NewSeries {
        key: key.into(),
        name: name.into(),
        site: SITE_ID.into(),
        folder: format!("{name} (2013)"),
        year: Some(2013),
        description: Some("Giants.".into()),
        imdb_id: Some("tt2560140".into()),
        cover_url: Some("https://example.invalid/cover.jpg".into()),
        catalogue_url: None,
    }
}

fn ep(season: u32, episode: u32, downloaded: bool) -> EpisodeRecord {
    EpisodeRecord {
        id: EpisodeId::new(season, episode),
        title_de: Some(format!("Folge {episode}")),
        title_en: None,
        is_downloaded: downloaded,
        file_path: downloaded
            .then(|| format!("Season {season:02}/x - S{season:02}E{episode:02}.mp4")),
        languages_offered: None,
        language: None,
    }
}

fn ids(pairs: &[(u32, u32)]) -> MissingEpisodes {
    MissingEpisodes::from_ids(pairs.iter().map(|&(s, e)| EpisodeId::new(s, e)))
}

#[test]
fn insert_returns_the_stored_series_and_get_finds_it() {
    let db = TestDb::new();
    let s = &db.store;
    let before = chrono::Utc::now();
    let serie = s
        .insert_series(&new_serie("attack-on-titan", "Attack on Titan"))
        .unwrap();
    assert!(serie.id > 0);
    assert_eq!(serie.key, "attack-on-titan");
    assert_eq!(serie.folder, "Attack on Titan (2013)");
    assert_eq!(serie.year, Some(2013));
    assert_eq!(serie.imdb_id.as_deref(), Some("tt2560140"));
    assert!(serie.added_at >= before);
    assert!(serie.missing.is_empty());
    assert_eq!(serie.present_count, 0);
    assert_eq!(serie.last_scanned_at, None);
    assert_eq!(
        s.get_series("attack-on-titan").unwrap(),
        Some(serie.clone())
    );
    assert_eq!(s.get_series("nope").unwrap(), None);
    assert_eq!(
        s.find_series_by_folder("Attack on Titan (2013)").unwrap(),
        Some(serie)
    );
    assert_eq!(
        s.find_series_by_folder("attack on titan (2013)").unwrap(),
        None
    );
}

#[test]
fn a_duplicate_key_is_a_conflict_and_changes_nothing() {
    let db = TestDb::new();
    let s = &db.store;
    let first = s
        .insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    let err = s
        .insert_series(&new_serie("aot", "Other Name"))
        .unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict(ref m) if m.contains("aot")),
        "{err:?}"
    );
    assert_eq!(s.list_series().unwrap(), vec![first]);
}

#[test]
fn list_is_ordered_by_name_case_insensitively() {
    let db = TestDb::new();
    let s = &db.store;
    for (k, n) in [
        ("c", "charlie"),
        ("a", "Alpha"),
        ("b", "bravo"),
        ("z", "Zulu"),
    ] {
        s.insert_series(&new_serie(k, n)).unwrap();
    }
    let names: Vec<String> = s
        .list_series()
        .unwrap()
        .into_iter()
        .map(|x| x.name)
        .collect();
    assert_eq!(names, ["Alpha", "bravo", "charlie", "Zulu"]);
}

#[test]
fn replace_episodes_sets_missing_and_present_and_records_the_scan() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    s.record_scan_error("aot", "catalogue blocked").unwrap();
    assert_eq!(
        s.get_series("aot")
            .unwrap()
            .unwrap()
            .last_scan_error
            .as_deref(),
        Some("catalogue blocked")
    );

    let eps = [
        ep(1, 2, false),
        ep(1, 1, true),
        ep(0, 1, false),
        ep(2, 1, false),
        ep(1, 3, true),
    ];
    s.replace_episodes("aot", &eps).unwrap();
    let serie = s.get_series("aot").unwrap().unwrap();
    assert_eq!(serie.missing, ids(&[(0, 1), (1, 2), (2, 1)]));
    assert_eq!(serie.present_count, 2);
    assert!(serie.last_scanned_at.is_some());
    assert_eq!(serie.last_scan_error, None);

    let listed = s.list_episodes("aot").unwrap();
    let order: Vec<EpisodeId> = listed.iter().map(|e| e.id).collect();
    assert_eq!(
        order,
        [(0, 1), (1, 1), (1, 2), (1, 3), (2, 1)].map(|(a, b)| EpisodeId::new(a, b))
    );
    assert_eq!(listed[1], ep(1, 1, true));
    assert_eq!(listed[2], ep(1, 2, false));

    // a second scan replaces the list entirely
    s.replace_episodes("aot", &[ep(3, 1, false)]).unwrap();
    let serie = s.get_series("aot").unwrap().unwrap();
    assert_eq!(serie.missing, ids(&[(3, 1)]));
    assert_eq!(serie.present_count, 0);
    assert_eq!(s.list_episodes("aot").unwrap().len(), 1);

    // and an empty scan empties it
    s.replace_episodes("aot", &[]).unwrap();
    assert!(s.list_episodes("aot").unwrap().is_empty());
}

#[test]
fn replace_episodes_keeps_the_last_of_repeated_ids() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    s.replace_episodes("aot", &[ep(1, 1, false), ep(1, 1, true)])
        .unwrap();
    assert_eq!(s.list_episodes("aot").unwrap(), vec![ep(1, 1, true)]);
}

#[test]
fn replace_episodes_is_all_or_nothing() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    s.replace_episodes("aot", &[ep(1, 1, false)]).unwrap();
    // an episode number that cannot be stored fails the whole call after the delete ran
    let bad = [ep(1, 5, false), ep(u32::MAX, 1, false)];
    assert!(s.replace_episodes("aot", &bad).is_err());
    assert_eq!(s.list_episodes("aot").unwrap(), vec![ep(1, 1, false)]);
}

#[test]
fn episode_calls_on_an_unknown_series_are_not_found() {
    let db = TestDb::new();
    let s = &db.store;
    let nf = |r: Result<(), RepoError>| matches!(r, Err(RepoError::NotFound(_)));
    assert!(nf(s.replace_episodes("ghost", &[ep(1, 1, false)])));
    assert!(matches!(
        s.list_episodes("ghost"),
        Err(RepoError::NotFound(_))
    ));
    assert!(nf(s.mark_downloaded(
        "ghost",
        EpisodeId::new(1, 1),
        "x.mp4",
        None
    )));
    assert!(nf(s.record_scan_error("ghost", "boom")));
    let mut serie = s.insert_series(&new_serie("real", "Real")).unwrap();
    serie.key = "ghost".into();
    assert!(nf(s.update_series_meta(&serie)));
}

#[test]
fn mark_downloaded_updates_or_inserts_the_episode() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    s.replace_episodes("aot", &[ep(1, 1, false), ep(1, 2, false)])
        .unwrap();

    s.mark_downloaded(
        "aot",
        EpisodeId::new(1, 2),
        "Season 01/AoT - S01E02.mp4",
        Some(Language::GermanSub),
    )
    .unwrap();
    let serie = s.get_series("aot").unwrap().unwrap();
    assert_eq!(serie.missing, ids(&[(1, 1)]));
    assert_eq!(serie.present_count, 1);
    let e2 = &s.list_episodes("aot").unwrap()[1];
    assert!(e2.is_downloaded);
    assert_eq!(e2.file_path.as_deref(), Some("Season 01/AoT - S01E02.mp4"));
    // the title from the scan stays
    assert_eq!(e2.title_de.as_deref(), Some("Folge 2"));

    // unknown episode: inserted as downloaded
    s.mark_downloaded(
        "aot",
        EpisodeId::new(0, 4),
        "Season 00/AoT - S00E04.mp4",
        None,
    )
    .unwrap();
    let serie = s.get_series("aot").unwrap().unwrap();
    assert_eq!(serie.present_count, 2);
    assert_eq!(serie.missing, ids(&[(1, 1)]));
    // marking twice is harmless
    s.mark_downloaded(
        "aot",
        EpisodeId::new(0, 4),
        "Season 00/AoT - S00E04.mp4",
        None,
    )
    .unwrap();
    assert_eq!(s.list_episodes("aot").unwrap().len(), 3);
}

#[test]
fn the_language_of_a_written_file_outlives_scans_while_the_file_stays() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    let offered = |mut e: EpisodeRecord| {
        e.languages_offered = Some(vec![Language::GermanSub, Language::GermanDub]);
        e
    };
    s.replace_episodes("aot", &[offered(ep(1, 1, false)), ep(1, 2, true)])
        .unwrap();
    let path = ep(1, 1, true).file_path.unwrap();
    s.mark_downloaded(
        "aot",
        EpisodeId::new(1, 1),
        &path,
        Some(Language::GermanSub),
    )
    .unwrap();
    let languages = |s: &aniworld_store::Store| -> Vec<(Option<Language>, Option<Vec<Language>>)> {
        s.list_episodes("aot")
            .unwrap()
            .into_iter()
            .map(|e| (e.language, e.languages_offered))
            .collect()
    };
    assert_eq!(
        languages(s),
        vec![
            (
                Some(Language::GermanSub),
                Some(vec![Language::GermanSub, Language::GermanDub])
            ),
            // Found on disk, not written by the service: no language.
            (None, None),
        ]
    );
    // A scan that finds the same file keeps its language; the offer follows the scan.
    s.replace_episodes("aot", &[ep(1, 1, true), ep(1, 2, true)])
        .unwrap();
    assert_eq!(
        languages(s),
        vec![(Some(Language::GermanSub), None), (None, None)]
    );
    // Another file in its place (or none) loses it.
    let mut other = ep(1, 1, true);
    other.file_path = Some("Season 01/elsewhere.mkv".into());
    s.replace_episodes("aot", &[other, ep(1, 2, true)]).unwrap();
    assert_eq!(languages(s), vec![(None, None), (None, None)]);
}

#[test]
fn record_scan_error_keeps_the_episodes() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    s.replace_episodes("aot", &[ep(1, 1, false)]).unwrap();
    let scanned = s.get_series("aot").unwrap().unwrap().last_scanned_at;
    s.record_scan_error("aot", "HTTP 503 from the catalogue")
        .unwrap();
    let serie = s.get_series("aot").unwrap().unwrap();
    assert_eq!(
        serie.last_scan_error.as_deref(),
        Some("HTTP 503 from the catalogue")
    );
    assert_eq!(serie.last_scanned_at, scanned);
    assert_eq!(serie.missing, ids(&[(1, 1)]));
}

#[test]
fn update_series_meta_changes_only_catalogue_metadata() {
    let db = TestDb::new();
    let s = &db.store;
    let mut serie = s
        .insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    serie.description = Some("New text".into());
    serie.year = None;
    serie.imdb_id = None;
    serie.cover_url = Some("https://example.invalid/c2.jpg".into());
    s.update_series_meta(&serie).unwrap();
    let got = s.get_series("aot").unwrap().unwrap();
    assert_eq!(got, serie);
}

#[test]
fn deleting_a_series_cascades_to_its_episodes() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    s.insert_series(&new_serie("other", "Other")).unwrap();
    s.replace_episodes("aot", &[ep(1, 1, false), ep(1, 2, true)])
        .unwrap();
    s.replace_episodes("other", &[ep(1, 1, false)]).unwrap();

    assert!(s.delete_series("aot").unwrap());
    assert!(!s.delete_series("aot").unwrap());
    assert_eq!(s.get_series("aot").unwrap(), None);
    assert_eq!(s.stats().unwrap().episodes, 1);
    assert_eq!(s.list_episodes("other").unwrap().len(), 1);

    // re-adding the key starts empty
    s.insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    assert!(s.list_episodes("aot").unwrap().is_empty());
}

#[test]
fn series_and_episodes_survive_a_reopen() {
    let db = TestDb::new();
    db.store
        .insert_series(&new_serie("aot", "Attack on Titan"))
        .unwrap();
    db.store
        .replace_episodes("aot", &[ep(1, 1, false), ep(1, 2, true)])
        .unwrap();
    let before = db.store.list_series().unwrap();
    let db = db.reopen();
    assert_eq!(db.store.list_series().unwrap(), before);
    assert_eq!(before[0].missing, ids(&[(1, 1)]));
    assert_eq!(before[0].present_count, 1);
    assert_eq!(db.store.list_episodes("aot").unwrap().len(), 2);
}

#[test]
fn list_series_summarises_each_series_separately() {
    let db = TestDb::new();
    let s = &db.store;
    s.insert_series(&new_serie("a", "A")).unwrap();
    s.insert_series(&new_serie("b", "B")).unwrap();
    s.insert_series(&new_serie("c", "C")).unwrap();
    s.replace_episodes("a", &[ep(1, 1, false), ep(1, 2, false)])
        .unwrap();
    s.replace_episodes("b", &[ep(1, 1, true)]).unwrap();
    let all = s.list_series().unwrap();
    assert_eq!(all[0].missing, ids(&[(1, 1), (1, 2)]));
    assert_eq!(all[0].present_count, 0);
    assert!(all[1].missing.is_empty());
    assert_eq!(all[1].present_count, 1);
    assert!(all[2].missing.is_empty());
    assert_eq!(all[2].present_count, 0);
}
