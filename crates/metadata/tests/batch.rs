//! Batch creation: skip existing NFOs, report failures per item, bounded concurrency.

mod common;

use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;

use aniworld_metadata::{BatchItem, BatchOutcome, CreateRequest, MetadataService};
use common::{FakeTmdb, Show};

fn items(root: &Path, n: u64) -> Vec<BatchItem> {
    (1..=n)
        .map(|i| {
            let dir = root.join(format!("Series {i} (2010)"));
            fs::create_dir_all(&dir).unwrap();
            BatchItem {
                id: format!("series-{i}"),
                series_dir: dir,
                request: CreateRequest {
                    download_logo: false,
                    download_fanart: false,
                    ..CreateRequest::default()
                },
            }
        })
        .collect()
}

fn shows(n: u64) -> Vec<Show> {
    (1..=n)
        .map(|i| Show::new(i, &format!("Series {i}"), "2010-04-01"))
        .collect()
}

#[test]
fn skips_existing_fails_unknown_and_keeps_order() {
    let f = FakeTmdb::start(shows(6));
    let root = tempfile::tempdir().unwrap();
    let mut list = items(root.path(), 8); // 7 and 8 are unknown to TMDB
    fs::write(
        list[1].series_dir.join("tvshow.nfo"),
        "<tvshow><title>Keep</title></tvshow>",
    )
    .unwrap();
    fs::write(
        list[4].series_dir.join("tvshow.nfo"),
        "<tvshow><title>Keep</title></tvshow>",
    )
    .unwrap();
    list[5].request.tmdb_id = Some(3);
    let svc = MetadataService::new(f.settings());

    let report = svc.create_many(list.clone(), 3, true);
    assert_eq!(
        (
            report.total,
            report.successful,
            report.skipped,
            report.failed
        ),
        (8, 4, 2, 2)
    );
    let ids: Vec<&str> = report.results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "series-1", "series-2", "series-3", "series-4", "series-5", "series-6", "series-7",
            "series-8"
        ]
    );
    assert_eq!(report.results[1].outcome, BatchOutcome::Skipped);
    match &report.results[0].outcome {
        BatchOutcome::Created { nfo_path, .. } => {
            assert_eq!(nfo_path, &list[0].series_dir.join("tvshow.nfo"));
        }
        other => panic!("{other:?}"),
    }
    match &report.results[6].outcome {
        BatchOutcome::Failed { message } => assert!(message.contains("Series 7"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fs::read_to_string(list[1].series_dir.join("tvshow.nfo")).unwrap(),
        "<tvshow><title>Keep</title></tvshow>"
    );
    let six = aniworld_metadata::read_nfo(&list[5].series_dir.join("tvshow.nfo")).unwrap();
    assert_eq!(
        six.tmdb_id,
        Some(3),
        "explicit id wins over the folder name"
    );
    assert_eq!(
        fs::read(list[0].series_dir.join("poster.jpg")).unwrap(),
        f.art.poster
    );

    // Without skip_existing the old NFOs are replaced.
    let report = svc.create_many(list.clone(), 3, false);
    assert_eq!(
        (report.successful, report.skipped, report.failed),
        (6, 0, 2)
    );
    assert!(
        fs::read_to_string(list[1].series_dir.join("tvshow.nfo"))
            .unwrap()
            .contains("<title>Series 2</title>")
    );
}

#[test]
fn concurrency_is_bounded() {
    let f = FakeTmdb::start(shows(12));
    f.hold_details.store(true, Ordering::SeqCst);
    let root = tempfile::tempdir().unwrap();
    let svc = MetadataService::new(f.settings());

    let report = svc.create_many(items(root.path(), 12), 3, true);
    assert_eq!(report.successful, 12);
    let max = f.max_in_flight.load(Ordering::SeqCst);
    assert!((2..=3).contains(&max), "max in flight {max}");

    f.max_in_flight.store(0, Ordering::SeqCst);
    let root = tempfile::tempdir().unwrap();
    let report = svc.create_many(items(root.path(), 3), 1, true);
    assert_eq!(report.successful, 3);
    assert_eq!(f.max_in_flight.load(Ordering::SeqCst), 1);

    // Out-of-range values are clamped (0 -> 1, 50 -> 10).
    f.hold_details.store(false, Ordering::SeqCst);
    f.max_in_flight.store(0, Ordering::SeqCst);
    let root = tempfile::tempdir().unwrap();
    let report = svc.create_many(items(root.path(), 12), 50, true);
    assert_eq!(report.successful, 12);
    assert!(f.max_in_flight.load(Ordering::SeqCst) <= 10);
    let root = tempfile::tempdir().unwrap();
    assert_eq!(
        svc.create_many(items(root.path(), 2), 0, true).successful,
        2
    );
    assert_eq!(svc.create_many(Vec::new(), 3, true).total, 0);
}
