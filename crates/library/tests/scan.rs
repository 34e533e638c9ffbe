//! Full and single-series scans against an in-test catalogue and an in-memory repository.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aniworld_core::ports::{CancelToken, SeriesRepo, SourceErrorKind};
use aniworld_library::{LibraryError, ScanOptions, ScanProgress, Scanner};
use common::{FixedSource, MemRepo, age_dirs, touch};

struct Lib {
    dir: tempfile::TempDir,
    source: Arc<FixedSource>,
    repo: Arc<MemRepo>,
    scanner: Scanner,
}

fn library(concurrency: usize) -> Lib {
    let dir = tempfile::tempdir().unwrap();
    let source = Arc::new(
        FixedSource::default()
            .with("show", "Show", Some(2020), &[(1, 4), (2, 2)])
            .with("other", "Other", None, &[(0, 1), (1, 3)])
            .with("third", "Third", None, &[(1, 2)]),
    );
    let repo = Arc::new(MemRepo::default());
    repo.seed("show", "Show (2020)");
    repo.seed("other", "Other");
    repo.seed("third", "Third");
    for f in [
        "Show (2020)/Season 01/[Group] Show - S01E02 [1080p].mkv",
        "Show (2020)/Season 01/Show - S01E03.mp4.part",
        "Show (2020)/Season 01/Show - S01E04.nfo",
        "Show (2020)/Season 02/nested/Show - s02e01.MP4",
        "Show (2020)/Season 03/Show - S03E01.mp4",
        "Other/Season 00/Other - S00E01.mp4",
        "Other/Season 01/Other - S01E01.mp4",
        "Other/Season 01/Other - S01E02.avi",
        "Other/Season 01/Other - S01E03.webm",
    ] {
        touch(dir.path(), f);
    }
    let options = ScanOptions {
        lookup_concurrency: concurrency,
        walk_threads: 2,
    };
    let scanner = Scanner::new(source.clone(), repo.clone(), options);
    Lib {
        dir,
        source,
        repo,
        scanner,
    }
}

fn scan(lib: &Lib) -> (aniworld_library::ScanReport, Vec<ScanProgress>) {
    let mut seen = Vec::new();
    let report = lib
        .scanner
        .scan_all(lib.dir.path(), &mut |p| seen.push(p), &CancelToken::new())
        .unwrap();
    (report, seen)
}

#[test]
fn a_full_scan_computes_exact_missing_lists_and_reports_every_series() {
    let lib = library(2);
    let (report, progress) = scan(&lib);
    assert_eq!(lib.repo.missing("show"), ["1-1", "1-3", "1-4", "2-2"]);
    assert!(lib.repo.missing("other").is_empty());
    assert_eq!(lib.repo.missing("third"), ["1-1", "1-2"]);
    assert_eq!(
        (
            report.series_total,
            report.series_scanned,
            report.missing_total
        ),
        (3, 3, 6)
    );
    assert!(report.failed.is_empty() && !report.cancelled);

    // Present files the catalogue does not list are kept as downloaded records.
    let eps = lib.repo.list_episodes("show").unwrap();
    let extra = eps.iter().find(|e| e.id.season == 3).expect("S03E01 kept");
    assert!(extra.is_downloaded);
    assert_eq!(
        extra.file_path.as_deref(),
        Some("Season 03/Show - S03E01.mp4")
    );
    let e2 = eps.iter().find(|e| e.id.to_string() == "1-2").unwrap();
    assert_eq!(
        e2.file_path.as_deref(),
        Some("Season 01/[Group] Show - S01E02 [1080p].mkv")
    );
    assert_eq!(e2.title_de.as_deref(), Some("Folge 2"));
    assert_eq!(lib.repo.serie("show").present_count, 3);
    assert_eq!(
        lib.repo.serie("show").description.as_deref(),
        Some("About Show")
    );

    // One progress message per series, counting up to the total, naming each series once.
    assert_eq!(
        progress.iter().map(|p| p.done).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(progress.iter().all(|p| p.total == 3));
    let mut keys: Vec<_> = progress.iter().map(|p| p.current_key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["other", "show", "third"]);
}

#[test]
fn a_scan_never_touches_files() {
    let lib = library(1);
    let before = listing(lib.dir.path());
    scan(&lib);
    assert_eq!(listing(lib.dir.path()), before);
}

fn listing(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn a_failing_lookup_keeps_the_last_state_and_is_named() {
    let lib = library(2);
    scan(&lib);
    let before = lib.repo.list_episodes("third").unwrap();
    // The file of an episode appears, but the catalogue cannot be reached for that series.
    touch(lib.dir.path(), "Third/Third - S01E01.mp4");
    lib.source.fail("third", SourceErrorKind::Network);
    let (report, progress) = scan(&lib);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "third");
    assert!(
        report.failed[0].1.contains("connection refused"),
        "{}",
        report.failed[0].1
    );
    assert_eq!((report.series_scanned, report.missing_total), (2, 4));
    assert_eq!(progress.len(), 3);
    assert_eq!(lib.repo.list_episodes("third").unwrap(), before);
    assert_eq!(lib.repo.missing("third"), ["1-1", "1-2"]);
    let err = lib.repo.serie("third").last_scan_error.unwrap();
    assert!(err.contains("connection refused"), "{err}");

    // Once the catalogue answers again, the error is cleared and the new file counts.
    lib.source.heal("third");
    let (report, _) = scan(&lib);
    assert!(report.failed.is_empty());
    assert_eq!(lib.repo.missing("third"), ["1-2"]);
    assert!(lib.repo.serie("third").last_scan_error.is_none());
}

#[test]
fn lookups_run_with_bounded_concurrency() {
    for concurrency in [1, 2] {
        let lib = library(concurrency);
        for i in 0..6 {
            let key = format!("extra-{i}");
            lib.source
                .series
                .lock()
                .unwrap()
                .insert(key.clone(), Default::default());
            lib.repo.seed(&key, &key);
        }
        let (report, _) = scan(&lib);
        assert_eq!(report.series_scanned, 9);
        let max = lib.source.max_in_flight.load(Ordering::SeqCst);
        assert!(
            max <= concurrency,
            "{max} look-ups at once with a limit of {concurrency}"
        );
        assert_eq!(lib.source.calls.load(Ordering::SeqCst), 9);
    }
}

#[test]
fn lookups_use_several_threads_when_allowed() {
    let lib = library(3);
    lib.source.hold.store(true, Ordering::SeqCst);
    let source = lib.source.clone();
    let release = std::thread::spawn(move || {
        // Let the look-ups go once three are waiting together (bounded by the source's own deadline).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while source.in_flight.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        source.hold.store(false, Ordering::SeqCst);
    });
    let (report, _) = scan(&lib);
    release.join().unwrap();
    assert_eq!(report.series_scanned, 3);
    assert_eq!(lib.source.max_in_flight.load(Ordering::SeqCst), 3);
}

#[test]
fn a_cancelled_scan_stops_looking_up() {
    let lib = library(1);
    let cancel = CancelToken::new();
    *lib.source.cancel_on_call.lock().unwrap() = Some(cancel.clone());
    let mut seen = 0;
    let report = lib
        .scanner
        .scan_all(lib.dir.path(), &mut |_| seen += 1, &cancel)
        .unwrap();
    assert!(report.cancelled, "{report:?}");
    assert_eq!(lib.source.calls.load(Ordering::SeqCst), 1);
    // The answer that arrived is still saved and reported.
    assert_eq!((report.series_scanned, seen), (1, 1));
}

#[test]
fn an_unchanged_rescan_reads_no_folder() {
    let lib = library(2);
    age_dirs(lib.dir.path());
    let (first, _) = scan(&lib);
    assert_eq!(first.walk.folders_reused, 0);
    assert!(first.walk.dirs_read >= 7);
    let (second, _) = scan(&lib);
    // Two of the three series folders exist; the absent one is simply not in the listing.
    assert_eq!((second.walk.folders_reused, second.walk.dirs_read), (2, 0));
    assert_eq!(lib.repo.missing("show"), ["1-1", "1-3", "1-4", "2-2"]);
}

#[test]
fn a_missing_anime_dir_changes_nothing() {
    let lib = library(2);
    scan(&lib);
    let gone = lib.dir.path().join("unmounted");
    let err = lib
        .scanner
        .scan_all(&gone, &mut |_| {}, &CancelToken::new())
        .unwrap_err();
    assert!(
        matches!(err, LibraryError::AnimeDirMissing { .. }),
        "{err:?}"
    );
    assert_eq!(lib.repo.missing("show"), ["1-1", "1-3", "1-4", "2-2"]);
    assert!(lib.repo.serie("show").last_scan_error.is_none());
}

#[test]
fn scan_one_updates_a_single_series() {
    let lib = library(2);
    let one = lib.scanner.scan_one(lib.dir.path(), "show").unwrap();
    assert_eq!(common::ids(&one.missing), ["1-1", "1-3", "1-4", "2-2"]);
    assert_eq!(one.present, 3);
    assert_eq!(one.serie.present_count, 3);
    assert_eq!(lib.source.calls.load(Ordering::SeqCst), 1);
    assert!(lib.repo.serie("other").last_scanned_at.is_none());

    let err = lib.scanner.scan_one(lib.dir.path(), "nope").unwrap_err();
    assert!(matches!(err, LibraryError::Repo(_)), "{err:?}");
    lib.source.fail("other", SourceErrorKind::Blocked);
    let err = lib.scanner.scan_one(lib.dir.path(), "other").unwrap_err();
    assert!(
        matches!(err, LibraryError::Source(ref e) if e.kind == SourceErrorKind::Blocked),
        "{err:?}"
    );
    assert!(lib.repo.serie("other").last_scan_error.is_some());
}

#[test]
fn a_large_library_is_scanned_a_page_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let n = aniworld_library::SCAN_PAGE * 2 + 50;
    let mut source = FixedSource::default();
    let repo = Arc::new(MemRepo::default());
    for i in 0..n {
        let key = format!("series-{i:04}");
        source = source.with(&key, &key, None, &[(1, 2)]);
        repo.seed(&key, &key);
        if i % 2 == 0 {
            touch(dir.path(), &format!("{key}/Season 01/{key} - S01E01.mp4"));
        }
    }
    let scanner = Scanner::new(Arc::new(source), repo.clone(), ScanOptions::default());
    let mut last = None;
    let report = scanner
        .scan_all(dir.path(), &mut |p| last = Some(p), &CancelToken::new())
        .unwrap();
    assert_eq!(report.series_total, n);
    assert_eq!(report.series_scanned, n);
    assert_eq!(report.missing_total, n / 2 + n);
    assert_eq!(last.unwrap().done, n);
    assert_eq!(
        repo.whole_reads.load(Ordering::SeqCst),
        0,
        "never the whole library"
    );
    assert_eq!(
        repo.largest_page.load(Ordering::SeqCst),
        aniworld_library::SCAN_PAGE
    );
    assert_eq!(repo.missing("series-0000"), vec!["1-2"]);
    assert_eq!(repo.missing("series-0001"), vec!["1-1", "1-2"]);
}
