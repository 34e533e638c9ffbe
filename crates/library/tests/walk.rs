//! The folder walk on real directory trees in temp dirs.

mod common;

use std::collections::HashSet;

use aniworld_core::EpisodeId;
use aniworld_library::walk::{WalkCache, WalkOptions, walk_library, walk_series_folder};
use aniworld_library::{LibraryError, PresentEpisodes};
use common::{age_dirs, touch};

fn ids(p: &PresentEpisodes) -> Vec<String> {
    p.keys().map(ToString::to_string).collect()
}

#[test]
fn finds_episodes_in_odd_names_and_nested_folders_and_ignores_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "Show (2020)/Season 01/[Group] Name - S01E02 [1080p].mkv",
        "Show (2020)/Season 01/show.s01e03.WEB.mp4",
        "Show (2020)/Season 01/Show - S01E04.mp4.part",
        "Show (2020)/Season 01/Show - S01E05.nfo",
        "Show (2020)/Season 01/Show - S01E06-thumb.jpg",
        "Show (2020)/Extras/deep/er/Show S02E01.M4V",
        "Show (2020)/Show - S00E01.webm",
        "Show (2020)/tvshow.nfo",
        "Show (2020)/Season 01/Season 1 Episode 7.mp4",
        "Other/Season 01/Other - S01E01.ts",
        "loose file S01E01.mp4",
    ] {
        touch(root, f);
    }
    let walk = walk_library(root, &WalkOptions::default(), None).unwrap();
    assert_eq!(walk.stats.folders, 2);
    let show = walk.present("Show (2020)");
    assert_eq!(ids(&show), ["0-1", "1-2", "1-3", "2-1"]);
    assert_eq!(
        show[&EpisodeId::new(1, 2)],
        "Season 01/[Group] Name - S01E02 [1080p].mkv"
    );
    assert_eq!(
        show[&EpisodeId::new(2, 1)],
        "Extras/deep/er/Show S02E01.M4V"
    );
    assert_eq!(show[&EpisodeId::new(0, 1)], "Show - S00E01.webm");
    assert_eq!(ids(&walk.present("Other")), ["1-1"]);
    assert!(walk.present("absent").is_empty());
    assert!(walk.failed.is_empty());
    assert_eq!(walk.stats.episode_files, 5);
}

#[test]
fn duplicate_markers_keep_the_smallest_path_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    touch(dir.path(), "A/b/A - S01E01.mp4");
    touch(dir.path(), "A/a/A - S01E01.mkv");
    for threads in [1, 2, 8] {
        let walk = walk_library(
            dir.path(),
            &WalkOptions {
                threads,
                folders: None,
            },
            None,
        )
        .unwrap();
        assert_eq!(walk.present("A")[&EpisodeId::new(1, 1)], "a/A - S01E01.mkv");
    }
}

#[test]
fn a_folder_filter_walks_only_the_named_series() {
    let dir = tempfile::tempdir().unwrap();
    touch(dir.path(), "A/A - S01E01.mp4");
    touch(dir.path(), "B/B - S01E01.mp4");
    let only = HashSet::from(["B".to_string(), "Gone".to_string()]);
    let walk = walk_library(
        dir.path(),
        &WalkOptions {
            threads: 2,
            folders: Some(only),
        },
        None,
    )
    .unwrap();
    assert_eq!(walk.stats.folders, 1);
    assert!(walk.present("A").is_empty());
    assert_eq!(ids(&walk.present("B")), ["1-1"]);
}

#[test]
fn a_missing_anime_dir_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("unmounted");
    let err = walk_library(&gone, &WalkOptions::default(), None).unwrap_err();
    assert!(
        matches!(err, LibraryError::AnimeDirMissing { ref path } if *path == gone),
        "{err:?}"
    );
    touch(dir.path(), "file");
    let err = walk_library(&dir.path().join("file"), &WalkOptions::default(), None).unwrap_err();
    assert!(
        matches!(err, LibraryError::AnimeDirMissing { .. }),
        "{err:?}"
    );
    assert!(walk_series_folder(&gone).unwrap().is_empty());
}

#[test]
fn an_unchanged_rescan_reuses_the_cache_and_any_change_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "A/Season 01/A - S01E01.mp4",
        "A/Season 02/A - S02E01.mp4",
        "B/B - S01E01.mp4",
    ] {
        touch(root, f);
    }
    age_dirs(root);
    let mut cache = WalkCache::new();
    let opts = WalkOptions::default();
    let first = walk_library(root, &opts, Some(&mut cache)).unwrap();
    assert_eq!((first.stats.folders_reused, first.stats.dirs_read), (0, 4));
    assert_eq!(cache.len(), 2);

    let second = walk_library(root, &opts, Some(&mut cache)).unwrap();
    assert_eq!(
        (second.stats.folders_reused, second.stats.dirs_read),
        (2, 0)
    );
    assert_eq!(ids(&second.present("A")), ["1-1", "2-1"]);

    // A file added in a nested season folder changes only that folder's time.
    touch(root, "A/Season 02/A - S02E02.mp4");
    let third = walk_library(root, &opts, Some(&mut cache)).unwrap();
    assert_eq!(third.stats.folders_reused, 1);
    assert_eq!(ids(&third.present("A")), ["1-1", "2-1", "2-2"]);

    // A freshly changed folder is not trusted: it is read again until its time is old enough.
    let fourth = walk_library(root, &opts, Some(&mut cache)).unwrap();
    assert_eq!(fourth.stats.folders_reused, 1);
    age_dirs(root);
    // Removing a file is seen as well.
    std::fs::remove_file(root.join("B/B - S01E01.mp4")).unwrap();
    let fifth = walk_library(root, &opts, Some(&mut cache)).unwrap();
    assert!(fifth.present("B").is_empty());
    assert_eq!(ids(&fifth.present("A")), ["1-1", "2-1", "2-2"]);
}

#[test]
fn a_filtered_walk_keeps_the_cache_of_other_folders_only() {
    let dir = tempfile::tempdir().unwrap();
    touch(dir.path(), "A/A - S01E01.mp4");
    touch(dir.path(), "B/B - S01E01.mp4");
    age_dirs(dir.path());
    let mut cache = WalkCache::new();
    walk_library(dir.path(), &WalkOptions::default(), Some(&mut cache)).unwrap();
    assert_eq!(cache.len(), 2);
    // B disappears: a walk of B alone forgets it and keeps A.
    std::fs::remove_dir_all(dir.path().join("B")).unwrap();
    let only = Some(HashSet::from(["B".to_string()]));
    let walk = walk_library(
        dir.path(),
        &WalkOptions {
            threads: 1,
            folders: only,
        },
        Some(&mut cache),
    )
    .unwrap();
    assert!(walk.present("B").is_empty());
    assert_eq!(cache.len(), 1);
    let again = walk_library(dir.path(), &WalkOptions::default(), Some(&mut cache)).unwrap();
    assert_eq!(again.stats.folders_reused, 1);
}

#[cfg(unix)]
#[test]
fn an_unreadable_series_folder_is_reported_not_emptied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    touch(dir.path(), "A/Season 01/A - S01E01.mp4");
    touch(dir.path(), "B/B - S01E01.mp4");
    let locked = dir.path().join("A/Season 01");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable_anyway = std::fs::read_dir(&locked).is_ok(); // running as root
    let walk = walk_library(dir.path(), &WalkOptions::default(), None).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    if readable_anyway {
        assert!(walk.failed.is_empty());
        return;
    }
    let err = walk.failed.get("A").expect("A is reported");
    assert!(err.to_string().contains("Season 01"), "{err}");
    assert!(!walk.folders.contains_key("A"));
    assert_eq!(ids(&walk.present("B")), ["1-1"]);
}

#[cfg(unix)]
#[test]
fn symlinked_folders_are_followed_and_cycles_end() {
    let dir = tempfile::tempdir().unwrap();
    let store = tempfile::tempdir().unwrap();
    touch(store.path(), "Season 01/A - S01E01.mp4");
    std::os::unix::fs::symlink(store.path(), dir.path().join("A")).unwrap();
    // Two links back to the top would mean 2^16 paths if cycles were only cut by depth.
    std::os::unix::fs::symlink(store.path(), store.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(store.path(), store.path().join("Season 01/up")).unwrap();
    let walk = walk_library(dir.path(), &WalkOptions::default(), None).unwrap();
    assert_eq!(ids(&walk.present("A")), ["1-1"]);
    assert_eq!(walk.stats.dirs_read, 2);
}
