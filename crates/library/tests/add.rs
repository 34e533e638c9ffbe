//! Adding a series: folder naming, conflicts and the targeted first scan.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aniworld_core::ports::{SeriesRepo, SourceErrorKind};
use aniworld_library::{LibraryError, ScanOptions, Scanner};
use common::{FixedSource, MemRepo, ids, touch};

fn setup() -> (tempfile::TempDir, Arc<FixedSource>, Arc<MemRepo>, Scanner) {
    let dir = tempfile::tempdir().unwrap();
    let source = Arc::new(
        FixedSource::default()
            .with(
                "attack-on-titan",
                "Attack on Titan: Final Season",
                Some(2013),
                &[(1, 3), (0, 1)],
            )
            .with(
                "s.to:attack-on-titan",
                "Attack on Titan: Final Season",
                Some(2013),
                &[(1, 5)],
            )
            .with("untitled", "", None, &[(1, 1)])
            .with("dots", "...", None, &[(1, 1)]),
    );
    let repo = Arc::new(MemRepo::default());
    let scanner = Scanner::new(source.clone(), repo.clone(), ScanOptions::default());
    (dir, source, repo, scanner)
}

#[test]
fn adding_creates_the_folder_and_scans_it() {
    let (dir, _, repo, scanner) = setup();
    // A file already sits where the folder will be (a re-added series keeps its files).
    touch(
        dir.path(),
        "Attack on Titan Final Season (2013)/Season 01/AoT - S01E02.mkv",
    );
    let added = scanner
        .add_series(dir.path(), "attack-on-titan", Some("ignored"))
        .unwrap();
    assert_eq!(added.serie.folder, "Attack on Titan Final Season (2013)");
    assert_eq!(added.serie.name, "Attack on Titan: Final Season");
    assert_eq!(added.serie.site, "aniworld.to");
    assert_eq!(added.serie.year, Some(2013));
    assert_eq!(ids(&added.missing), ["0-1", "1-1", "1-3"]);
    assert_eq!(added.serie.present_count, 1);
    assert!(added.serie.last_scanned_at.is_some());
    assert!(
        dir.path()
            .join("Attack on Titan Final Season (2013)")
            .is_dir()
    );
    assert_eq!(repo.list_episodes("attack-on-titan").unwrap().len(), 4);
}

#[test]
fn adding_an_existing_key_changes_nothing() {
    let (dir, source, repo, scanner) = setup();
    scanner
        .add_series(dir.path(), "attack-on-titan", None)
        .unwrap();
    let before = repo.serie("attack-on-titan");
    let calls = source.calls.load(Ordering::SeqCst);
    let err = scanner
        .add_series(dir.path(), "attack-on-titan", None)
        .unwrap_err();
    assert!(
        matches!(err, LibraryError::AlreadyExists { ref key } if key == "attack-on-titan"),
        "{err:?}"
    );
    assert_eq!(repo.serie("attack-on-titan"), before);
    assert_eq!(
        source.calls.load(Ordering::SeqCst),
        calls,
        "no catalogue request for a duplicate"
    );
}

#[test]
fn a_second_series_for_a_taken_folder_is_refused_and_nothing_changes() {
    let (dir, _, repo, scanner) = setup();
    scanner
        .add_series(dir.path(), "attack-on-titan", None)
        .unwrap();
    let before = repo.serie("attack-on-titan");
    let err = scanner
        .add_series(dir.path(), "s.to:attack-on-titan", None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            LibraryError::FolderTaken { ref folder, ref key }
                if folder == "Attack on Titan Final Season (2013)" && key == "attack-on-titan"
        ),
        "{err:?}"
    );
    assert_eq!(repo.get_series("s.to:attack-on-titan").unwrap(), None);
    assert_eq!(repo.serie("attack-on-titan"), before);
}

#[test]
fn the_name_hint_is_used_when_the_catalogue_has_no_title() {
    let (dir, _, _, scanner) = setup();
    let added = scanner
        .add_series(dir.path(), "untitled", Some("  Hint: Name "))
        .unwrap();
    assert_eq!(added.serie.folder, "Hint Name");
    let err = scanner.add_series(dir.path(), "dots", None).unwrap_err();
    assert!(matches!(err, LibraryError::InvalidName { .. }), "{err:?}");
}

#[test]
fn bad_keys_missing_dirs_and_catalogue_errors_add_nothing() {
    let (dir, source, repo, scanner) = setup();
    let err = scanner.add_series(dir.path(), "../etc", None).unwrap_err();
    assert!(matches!(err, LibraryError::InvalidName { .. }), "{err:?}");
    let err = scanner
        .add_series(&dir.path().join("gone"), "attack-on-titan", None)
        .unwrap_err();
    assert!(
        matches!(err, LibraryError::AnimeDirMissing { .. }),
        "{err:?}"
    );
    source.fail("attack-on-titan", SourceErrorKind::NotFound);
    let err = scanner
        .add_series(dir.path(), "attack-on-titan", None)
        .unwrap_err();
    assert!(
        matches!(err, LibraryError::Source(ref e) if e.kind == SourceErrorKind::NotFound),
        "{err:?}"
    );
    assert!(repo.list_series().unwrap().is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_folder_that_cannot_be_created_undoes_the_insert() {
    let (dir, _, repo, scanner) = setup();
    // A file occupies the folder's name.
    touch(dir.path(), "Attack on Titan Final Season (2013)");
    let err = scanner
        .add_series(dir.path(), "attack-on-titan", None)
        .unwrap_err();
    assert!(matches!(err, LibraryError::Io { .. }), "{err:?}");
    assert!(repo.list_series().unwrap().is_empty());
}
