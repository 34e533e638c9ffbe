//! Direct-file downloads of real MP4 files against a real HTTP server on 127.0.0.1: resume with
//! Range after a cut connection (within a call and across calls), a server that ignores Range,
//! HTML instead of media, a permanently failing host and a vanished series folder. The files are
//! checked with ffprobe when the machine has it.

mod download_common;

use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aniworld_core::ports::{CancelToken, MediaKind};
use aniworld_queue::download::{DownloadError, fetch_media};
use aniworld_testkit::{FakeResponse, FakeServer};
use download_common::{mp4, opts, part, quiet, source, target};

const MIB: usize = 1 << 20;

/// The fake server keeps a cut connection open without sending more, so the client notices the
/// break by its read timeout: keep it short.
fn cut_opts() -> aniworld_queue::download::FetchOptions {
    let mut o = opts();
    o.timeout = std::time::Duration::from_millis(500);
    o
}

#[test]
fn resumes_with_range_after_the_connection_is_cut() {
    let data = Arc::new(mp4(3 * MIB + 123, 1));
    let server = FakeServer::start();
    let calls = Arc::new(AtomicUsize::new(0));
    let (d, c) = (data.clone(), calls.clone());
    server.route("/media/v.mp4", move |req| {
        let r = FakeResponse::ranged(req, "video/mp4", &d);
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            r.cut_after(MIB + 7)
        } else {
            r
        }
    });
    let (_dir, file) = target();
    let src = source(format!("{}/media/v.mp4", server.url()), MediaKind::Direct);
    let out = fetch_media(&src, &file, &cut_opts(), &quiet, &CancelToken::new()).unwrap();
    assert_eq!(out.bytes, data.len() as u64);
    assert!(!out.remuxed);
    assert_eq!(
        fs::read(&file).unwrap(),
        *data,
        "byte-identical after resume"
    );
    assert!(!part(&file).exists());
    let reqs = server.requests();
    assert!(reqs.len() >= 2);
    let resumed = reqs[1]
        .header("range")
        .expect("second request asks for a range");
    let start: u64 = resumed
        .strip_prefix("bytes=")
        .and_then(|r| r.strip_suffix('-'))
        .unwrap()
        .parse()
        .unwrap();
    assert!(start > 0 && start <= (MIB + 7) as u64, "resumed at {start}");
    assert_eq!(
        reqs[0].header("referer"),
        Some("https://hoster.example/e/1")
    );
}

#[test]
fn a_later_call_resumes_the_part_file() {
    let data = Arc::new(mp4(2 * MIB, 2));
    let server = FakeServer::start();
    let broken = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (d, b) = (data.clone(), broken.clone());
    server.route("/v.mp4", move |req| {
        let r = FakeResponse::ranged(req, "video/mp4", &d);
        if b.load(Ordering::SeqCst) {
            // Always breaks at the same absolute offset: no progress past 1 MiB.
            let start: usize = req
                .header("range")
                .and_then(|v| v.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok())
                .unwrap_or(0);
            r.cut_after(MIB.saturating_sub(start))
        } else {
            r
        }
    });
    let (_dir, file) = target();
    let src = source(format!("{}/v.mp4", server.url()), MediaKind::Direct);
    let mut o = cut_opts();
    o.segment_retries = 1;
    let err = fetch_media(&src, &file, &o, &quiet, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, DownloadError::Network { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(!file.exists());
    let kept = fs::metadata(part(&file)).unwrap().len();
    assert!(kept > 0 && kept <= MIB as u64);

    broken.store(false, Ordering::SeqCst);
    server.clear_requests();
    fetch_media(&src, &file, &o, &quiet, &CancelToken::new()).unwrap();
    assert_eq!(fs::read(&file).unwrap(), *data);
    let first = &server.requests()[0];
    assert_eq!(
        first.header("range").map(str::to_string),
        Some(format!("bytes={kept}-"))
    );
}

#[test]
fn a_server_ignoring_range_restarts_the_file_cleanly() {
    let data = Arc::new(mp4(MIB / 2, 3));
    let server = FakeServer::start();
    let d = data.clone();
    server.route("/v.mp4", move |_| {
        FakeResponse::bytes("video/mp4", d.as_slice().to_vec())
    });
    let (_dir, file) = target();
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(part(&file), vec![0xAAu8; 1000]).unwrap();
    let src = source(format!("{}/v.mp4", server.url()), MediaKind::Direct);
    fetch_media(&src, &file, &opts(), &quiet, &CancelToken::new()).unwrap();
    assert_eq!(fs::read(&file).unwrap(), *data);
    assert_eq!(server.requests()[0].header("range"), Some("bytes=1000-"));
}

#[test]
fn html_instead_of_media_is_not_media() {
    let server = FakeServer::start();
    server.serve(
        "/v.mp4",
        FakeResponse::html("<!DOCTYPE html><html><body>File was deleted</body></html>"),
    );
    // Same page served as octet-stream: recognised by its content.
    server.serve(
        "/disguised.mp4",
        FakeResponse::bytes(
            "application/octet-stream",
            b"<html><body>Blocked</body></html>".to_vec(),
        ),
    );
    for path in ["/v.mp4", "/disguised.mp4"] {
        let (_dir, file) = target();
        let src = source(format!("{}{path}", server.url()), MediaKind::Direct);
        let err = fetch_media(&src, &file, &opts(), &quiet, &CancelToken::new()).unwrap_err();
        assert!(
            matches!(err, DownloadError::NotMedia { .. }),
            "{path}: {err:?}"
        );
        assert!(!err.is_retryable());
        assert!(!file.exists());
    }
}

#[test]
fn a_permanently_failing_host_gives_a_typed_error_and_no_file() {
    let server = FakeServer::start();
    server.serve("/v.mp4", FakeResponse::status(502));
    let (_dir, file) = target();
    let src = source(format!("{}/v.mp4", server.url()), MediaKind::Direct);
    let mut o = opts();
    o.segment_retries = 2;
    let err = fetch_media(&src, &file, &o, &quiet, &CancelToken::new()).unwrap_err();
    match &err {
        DownloadError::Http { status, url } => {
            assert_eq!(*status, 502);
            assert!(url.ends_with("/v.mp4"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(server.hits("/v.mp4"), 3, "one try and two retries");
    assert!(!file.exists());
}

#[test]
fn a_vanished_series_folder_is_target_missing() {
    let server = FakeServer::start();
    server.serve("/v.mp4", FakeResponse::bytes("video/mp4", mp4(10_000, 5)));
    let dir = tempfile::tempdir().unwrap();
    let file = dir
        .path()
        .join("Gone (2020)")
        .join("Season 01")
        .join("x.mp4");
    let src = source(format!("{}/v.mp4", server.url()), MediaKind::Direct);
    let err = fetch_media(&src, &file, &opts(), &quiet, &CancelToken::new()).unwrap_err();
    assert!(
        matches!(err, DownloadError::TargetMissing { .. }),
        "{err:?}"
    );
    assert_eq!(
        server.requests().len(),
        0,
        "nothing is fetched for a missing target"
    );
}

#[test]
fn progress_reports_reach_the_total() {
    let data = Arc::new(mp4(MIB, 4));
    let server = FakeServer::start();
    let d = data.clone();
    server.route("/v.mp4", move |req| {
        FakeResponse::ranged(req, "video/mp4", &d)
    });
    let (_dir, file) = target();
    let src = source(format!("{}/v.mp4", server.url()), MediaKind::Direct);
    let seen = std::sync::Mutex::new(Vec::new());
    let cb = |u: &aniworld_queue::download::ProgressUpdate| {
        seen.lock()
            .unwrap()
            .push((u.downloaded_bytes, u.total_bytes))
    };
    fetch_media(&src, &file, &opts(), &cb, &CancelToken::new()).unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen.last(),
        Some(&(data.len() as u64, Some(data.len() as u64)))
    );
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[test]
fn a_media_url_with_a_long_signed_query_and_referer_downloads() {
    // Hosters sign their media URLs with long tokens; the request (line, Referer, User-Agent)
    // must fit the client's output buffer, which is kept small.
    let data = Arc::new(mp4(MIB, 1));
    let server = FakeServer::start();
    let d = data.clone();
    server.route("/media/v.mp4", move |req| {
        FakeResponse::ranged(req, "video/mp4", &d)
    });
    let token = "a1B2".repeat(1024);
    let url = format!(
        "{}/media/v.mp4?token={token}&expires=9999999999",
        server.url()
    );
    let mut src = source(url, MediaKind::Direct);
    src.headers = vec![(
        "Referer".into(),
        format!("https://hoster.example/e/{token}"),
    )];
    let (_dir, file) = target();
    let out = fetch_media(&src, &file, &opts(), &quiet, &CancelToken::new()).unwrap();
    assert_eq!(out.bytes, data.len() as u64);
    assert_eq!(fs::read(&file).unwrap(), *data);
    let reqs = server.requests();
    assert_eq!(reqs[0].query, format!("token={token}&expires=9999999999"));
    assert_eq!(
        reqs[0].header("referer").map(str::len),
        Some("https://hoster.example/e/".len() + token.len())
    );
}
