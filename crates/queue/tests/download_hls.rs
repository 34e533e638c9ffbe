//! HLS downloads against a real HTTP server on 127.0.0.1: variant choice, AES-128, EXT-X-MAP with
//! byte ranges, 503s then success, a permanently broken stream, cancellation, resume across two
//! calls from the state file, HTML instead of a playlist, PNG-disguised segments and DRM. The
//! segments are real media (the clip of `aniworld_testkit::media`, as MPEG-TS or fragmented
//! MP4) and the results are checked with ffprobe when the machine has it; ffmpeg's remux is off
//! here, so the files must hold exactly the served (decrypted) bytes.

mod download_common;

use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use aniworld_core::ports::{CancelToken, MediaKind};
use aniworld_queue::download::{DownloadError, ProgressUpdate, fetch_media};
use aniworld_testkit::{FakeResponse, FakeServer, media};
use download_common::{opts, part, quiet, source, target, ts_segments};

const TS: &str = "video/mp2t";

/// Serves `segments` as `/<dir>/seg<i>.ts` and a media playlist `/<dir>/index.m3u8`.
fn serve_media(server: &FakeServer, dir: &str, segments: &[Vec<u8>], extra_head: &str) {
    let uris: Vec<String> = (0..segments.len()).map(|i| format!("seg{i}.ts")).collect();
    for (uri, seg) in uris.iter().zip(segments) {
        server.serve(
            &format!("/{dir}/{uri}"),
            FakeResponse::bytes(TS, seg.clone()),
        );
    }
    let pl = media::media_playlist(&uris, extra_head);
    server.serve(
        &format!("/{dir}/index.m3u8"),
        FakeResponse::bytes("application/vnd.apple.mpegurl", pl.into_bytes()),
    );
}

/// The clip as `n` MPEG-TS segments, distinct per `seed`.
fn segments(n: usize, seed: u64) -> Vec<Vec<u8>> {
    ts_segments(n, seed)
}

fn hls(server: &FakeServer, path: &str) -> aniworld_core::ports::MediaSource {
    source(format!("{}{path}", server.url()), MediaKind::Hls)
}

#[test]
fn master_playlist_best_variant_under_the_cap_after_a_redirect() {
    let server = FakeServer::start();
    let variants = [("v360", 1), ("v1080", 2), ("v720", 3), ("v720b", 4)];
    for (dir, seed) in variants {
        serve_media(&server, &format!("real/{dir}"), &segments(3, seed), "");
    }
    server.serve(
        "/real/master.m3u8",
        FakeResponse::bytes(
            "application/vnd.apple.mpegurl",
            "#EXTM3U\n\
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nv360/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,CODECS=\"avc1.640028,mp4a.40.2\"\nv1080/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\nv720/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\nv720b/index.m3u8\n\
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=3840x2160,URI=\"iframes.m3u8\"\n"
                .as_bytes()
                .to_vec(),
        ),
    );
    // The source URL redirects: relative URIs resolve against the playlist's final URL.
    server.serve(
        "/play/master.m3u8",
        FakeResponse::redirect("/real/master.m3u8"),
    );

    let (_dir, file) = target();
    fetch_media(
        &hls(&server, "/play/master.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(
        fs::read(&file).unwrap(),
        segments(3, 2).concat(),
        "1080p chosen"
    );
    assert_eq!(server.hits("/real/iframes.m3u8"), 0);

    let (_dir2, file2) = target();
    let mut capped = opts();
    capped.max_resolution = Some(720);
    fetch_media(
        &hls(&server, "/play/master.m3u8"),
        &file2,
        &capped,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(
        fs::read(&file2).unwrap(),
        segments(3, 4).concat(),
        "720p with the higher bandwidth"
    );
    assert_eq!(
        server.hits("/real/v1080/seg0.ts"),
        1,
        "only the first run fetched 1080p"
    );
}

fn encrypt(plain: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Vec<u8> {
    cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
        .unwrap()
        .encrypt_padded_vec::<Pkcs7>(plain)
}

#[test]
fn aes_128_with_sequence_and_explicit_ivs() {
    let server = FakeServer::start();
    let key = *b"0123456789abcdef";
    let explicit = [0x11u8; 16];
    let plain = segments(4, 7);
    let mut pl = String::from(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n\
#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/k.bin\"\n",
    );
    for (i, seg) in plain.iter().enumerate() {
        let iv = if i == 3 {
            pl.push_str("#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/k.bin\",IV=0x11111111111111111111111111111111\n");
            explicit
        } else {
            let mut iv = [0u8; 16];
            iv[8..].copy_from_slice(&(41 + i as u64).to_be_bytes());
            iv
        };
        server.serve(
            &format!("/enc/s{i}.ts"),
            FakeResponse::bytes(TS, encrypt(seg, &key, &iv)),
        );
        pl.push_str(&format!(
            "#EXTINF:{},\ns{i}.ts\n",
            media::segment_duration(plain.len())
        ));
    }
    pl.push_str("#EXT-X-ENDLIST\n");
    server.serve("/enc/index.m3u8", FakeResponse::text(pl));
    server.serve(
        "/keys/k.bin",
        FakeResponse::bytes("application/octet-stream", key.to_vec()),
    );
    let (_dir, file) = target();
    fetch_media(
        &hls(&server, "/enc/index.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(fs::read(&file).unwrap(), plain.concat());
    assert_eq!(server.hits("/keys/k.bin"), 1, "the key is fetched once");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("referer") == Some("https://hoster.example/e/1")),
        "the source's headers go with every request"
    );
}

#[test]
fn init_section_and_byte_ranges() {
    let server = FakeServer::start();
    // A fragmented MP4 in one file: the init section (ftyp + moov), then moof + mdat fragments.
    let (init, parts) = media::fmp4_parts();
    let mut all = init.clone();
    for p in &parts {
        all.extend_from_slice(p);
    }
    assert_eq!(all, media::FMP4);
    let all = Arc::new(all);
    let a = all.clone();
    server.route("/fmp4/all.mp4", move |req| {
        FakeResponse::ranged(req, "video/mp4", &a)
    });
    let mut pl = format!(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n\
#EXT-X-MAP:URI=\"all.mp4\",BYTERANGE=\"{}@0\"\n",
        init.len()
    );
    for (i, p) in parts.iter().enumerate() {
        // The first range names its offset; the others follow on from the previous one.
        let at = if i == 0 {
            format!("@{}", init.len())
        } else {
            String::new()
        };
        pl.push_str(&format!(
            "#EXT-X-BYTERANGE:{}{at}\n#EXTINF:{},\nall.mp4\n",
            p.len(),
            media::segment_duration(parts.len())
        ));
    }
    pl.push_str("#EXT-X-ENDLIST\n");
    server.serve("/fmp4/index.m3u8", FakeResponse::text(pl));
    let (_dir, file) = target();
    fetch_media(
        &hls(&server, "/fmp4/index.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(
        fs::read(&file).unwrap(),
        *all,
        "init once, then the ranges in order"
    );
    let ranges: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("range").map(str::to_string))
        .collect();
    assert!(ranges.contains(&format!("bytes=0-{}", init.len() - 1)));
}

#[test]
fn segments_failing_with_503_a_few_times_still_complete() {
    let server = FakeServer::start();
    let segs = segments(6, 11);
    serve_media(&server, "flaky", &segs, "");
    let fails = Arc::new(AtomicUsize::new(0));
    let (f, s2) = (fails.clone(), segs[2].clone());
    server.route("/flaky/seg2.ts", move |_| {
        if f.fetch_add(1, Ordering::SeqCst) < 3 {
            FakeResponse::status(503).header("Retry-After", "0")
        } else {
            FakeResponse::bytes(TS, s2.clone())
        }
    });
    let (_dir, file) = target();
    fetch_media(
        &hls(&server, "/flaky/index.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(fs::read(&file).unwrap(), segs.concat());
    assert_eq!(server.hits("/flaky/seg2.ts"), 4);
}

#[test]
fn a_permanently_broken_stream_ends_in_a_typed_error_without_a_final_file() {
    let server = FakeServer::start();
    serve_media(&server, "broken", &segments(5, 12), "");
    server.serve("/broken/seg3.ts", FakeResponse::status(503));
    let (_dir, file) = target();
    let mut o = opts();
    o.segment_retries = 2;
    let err = fetch_media(
        &hls(&server, "/broken/index.m3u8"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap_err();
    match &err {
        DownloadError::Http { status: 503, url } => assert!(url.ends_with("/broken/seg3.ts")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(server.hits("/broken/seg3.ts"), 3);
    assert!(!file.exists(), "no final-named file");
}

#[test]
fn html_instead_of_a_playlist_or_segment_is_not_media() {
    let server = FakeServer::start();
    server.serve(
        "/gone/index.m3u8",
        FakeResponse::html("<!DOCTYPE html><html><title>Video not found</title></html>"),
    );
    serve_media(&server, "blocked", &segments(2, 13), "");
    server.serve(
        "/blocked/seg1.ts",
        FakeResponse::bytes("application/octet-stream", b"<html>blocked</html>".to_vec()),
    );
    for path in ["/gone/index.m3u8", "/blocked/index.m3u8"] {
        let (_dir, file) = target();
        let err = fetch_media(
            &hls(&server, path),
            &file,
            &opts(),
            &quiet,
            &CancelToken::new(),
        )
        .unwrap_err();
        assert!(
            matches!(err, DownloadError::NotMedia { .. }),
            "{path}: {err:?}"
        );
        assert!(!file.exists());
    }
}

#[test]
fn png_disguised_segments_are_unwrapped() {
    let server = FakeServer::start();
    let segs = segments(3, 14);
    let mut disguised = Vec::new();
    for s in &segs {
        let mut d = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01".to_vec();
        d.extend_from_slice(s);
        disguised.push(d);
    }
    serve_media(&server, "png", &disguised, "");
    let (_dir, file) = target();
    fetch_media(
        &hls(&server, "/png/index.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(fs::read(&file).unwrap(), segs.concat());
}

#[test]
fn sample_aes_is_unsupported() {
    let server = FakeServer::start();
    serve_media(
        &server,
        "drm",
        &segments(2, 15),
        "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://key\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n",
    );
    let (_dir, file) = target();
    let err = fetch_media(
        &hls(&server, "/drm/index.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap_err();
    assert!(matches!(err, DownloadError::Unsupported { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(server.hits("/drm/seg0.ts"), 0);
}

/// Serves 40 slow segments; returns them.
fn serve_slow(server: &FakeServer, dir: &str) -> Vec<Vec<u8>> {
    let segs = segments(40, 16);
    serve_media(server, dir, &segs, "");
    for (i, s) in segs.iter().enumerate() {
        server.serve(
            &format!("/{dir}/seg{i}.ts"),
            FakeResponse::bytes(TS, s.clone()).delayed(Duration::from_millis(60)),
        );
    }
    segs
}

/// Starts a download on a thread and cancels it once some bytes are on disk; returns the
/// result, received within a bound after the cancel.
fn cancel_midway(server: &FakeServer, file: &std::path::Path) -> Result<(), DownloadError> {
    let cancel = CancelToken::new();
    let (tx, rx) = mpsc::channel();
    let (src, f, c) = (
        hls(server, "/slow/index.m3u8"),
        file.to_path_buf(),
        cancel.clone(),
    );
    let (ptx, prx) = mpsc::channel::<u64>();
    thread::spawn(move || {
        let mut o = opts();
        o.segment_concurrency = 2;
        let ptx = std::sync::Mutex::new(ptx);
        let cb = |u: &ProgressUpdate| {
            let _ = ptx.lock().unwrap().send(u.downloaded_bytes);
        };
        let _ = tx.send(fetch_media(&src, &f, &o, &cb, &c).map(|_| ()));
    });
    loop {
        let done = prx
            .recv_timeout(Duration::from_secs(10))
            .expect("progress arrives");
        if done > 0 {
            break;
        }
    }
    cancel.cancel();
    rx.recv_timeout(Duration::from_secs(3))
        .expect("the download stops soon after the cancel")
}

#[test]
fn cancel_stops_the_download_and_leaves_no_final_file() {
    let server = FakeServer::start();
    serve_slow(&server, "slow");
    let (_dir, file) = target();
    let result = cancel_midway(&server, &file);
    assert!(
        matches!(result, Err(DownloadError::Cancelled)),
        "{result:?}"
    );
    assert!(!file.exists());
    // Requests stop: after a moment of quiet, no new segment requests arrive.
    let settled = (0..50).find_map(|_| {
        let before = server.requests().len();
        thread::sleep(Duration::from_millis(200));
        (server.requests().len() == before).then_some(before)
    });
    assert!(settled.is_some_and(|n| n < 40), "fetching stopped early");
}

#[test]
fn a_cancelled_hls_download_resumes_from_the_state_file() {
    let server = FakeServer::start();
    let segs = serve_slow(&server, "slow");
    let (_dir, file) = target();
    assert!(matches!(
        cancel_midway(&server, &file),
        Err(DownloadError::Cancelled)
    ));
    let state = fs::read_to_string(format!("{}.state", part(&file).display())).unwrap();
    let done: usize = state
        .lines()
        .find_map(|l| l.strip_prefix("segments_done="))
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..40).contains(&done), "state after cancel: {state}");

    server.clear_requests();
    fetch_media(
        &hls(&server, "/slow/index.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(
        fs::read(&file).unwrap(),
        segs.concat(),
        "byte-identical after resume"
    );
    assert_eq!(
        server.hits("/slow/seg0.ts"),
        0,
        "written segments are not fetched again"
    );
    assert_eq!(server.hits("/slow/seg39.ts"), 1);
    assert!(!part(&file).exists());
    assert!(!std::path::Path::new(&format!("{}.state", part(&file).display())).exists());
}

#[test]
fn the_host_budget_caps_parallel_connections() {
    let server = FakeServer::start();
    let segs = segments(16, 17);
    serve_media(&server, "budget", &segs, "");
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    for (i, s) in segs.iter().enumerate() {
        let (f, p, s) = (in_flight.clone(), peak.clone(), s.clone());
        server.route(&format!("/budget/seg{i}.ts"), move |_| {
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(20));
            f.fetch_sub(1, Ordering::SeqCst);
            FakeResponse::bytes(TS, s.clone())
        });
    }
    let (_dir, file) = target();
    let mut o = opts();
    o.segment_concurrency = 8;
    o.budget = Arc::new(aniworld_queue::download::HostBudget::new(0, 2));
    fetch_media(
        &hls(&server, "/budget/index.m3u8"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(fs::read(&file).unwrap(), segs.concat());
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&peak),
        "at most 2 connections at once, saw {peak}"
    );
}

#[test]
fn the_host_budget_is_shared_by_parallel_downloads_of_one_host() {
    let server = FakeServer::start();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut expected = Vec::new();
    for d in 0..2 {
        let segs = segments(12, 40 + d);
        serve_media(&server, &format!("par{d}"), &segs, "");
        for (i, s) in segs.iter().enumerate() {
            let (f, p, s) = (in_flight.clone(), peak.clone(), s.clone());
            server.route(&format!("/par{d}/seg{i}.ts"), move |_| {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(15));
                f.fetch_sub(1, Ordering::SeqCst);
                FakeResponse::bytes(TS, s.clone())
            });
        }
        expected.push(segs.concat());
    }
    // One budget for the process, as the queue has: 3 connections to the host, whatever the
    // number of downloads and their segment concurrency.
    let budget = Arc::new(aniworld_queue::download::HostBudget::new(0, 3));
    let handles: Vec<_> = (0..2)
        .map(|d| {
            let (budget, src) = (budget.clone(), hls(&server, &format!("/par{d}/index.m3u8")));
            thread::spawn(move || {
                let (dir, file) = target();
                let mut o = opts();
                o.segment_concurrency = 8;
                o.budget = budget;
                fetch_media(&src, &file, &o, &quiet, &CancelToken::new()).unwrap();
                let data = fs::read(&file).unwrap();
                drop(dir);
                data
            })
        })
        .collect();
    for (d, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), expected[d]);
    }
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        (1..=3).contains(&peak),
        "at most 3 connections to the host across both downloads, saw {peak}"
    );
}
