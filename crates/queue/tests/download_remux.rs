//! The in-process remux through real HLS downloads (fixtures in `tests/fixtures/`, made by its
//! `make.sh`):
//!
//! - H.264 and AAC segments become an MP4 while they arrive, without ffmpeg, byte for byte the
//!   same however the stream is cut into segments and when the download is interrupted and
//!   resumed; with the real tools ffprobe reads every frame of it;
//! - MPEG-2 segments fall back: the MPEG-TS data without ffmpeg, ffmpeg's MP4 with it; so does
//!   audio alone; a stream refused only at its very end is remuxed by ffmpeg from the `.part`
//!   file.
//!
//! The real-tool tests say on stderr when they are skipped.

mod download_common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::Duration;

use aniworld_core::ports::{CancelToken, MediaKind, MediaSource};
use aniworld_queue::download::{
    DownloadError, FetchOptions, ProgressUpdate, VerifyMode, fetch_media,
};
use aniworld_testkit::{FakeResponse, FakeServer, media};
use download_common::{frames, opts, part, quiet, source, target};

/// 3 s of H.264 (B-frames, 75 frames) and AAC-LC (136 frames) as MPEG-TS.
const H264_AAC: &[u8] = include_bytes!("fixtures/h264-aac.ts");
/// MPEG-2 video and MP2 audio (1 s).
const MPEG2: &[u8] = include_bytes!("fixtures/mpeg2.ts");

/// `ts` cut into `n` segments on packet boundaries.
fn cut(ts: &[u8], n: usize) -> Vec<Vec<u8>> {
    let packets = ts.len() / media::TS_PACKET;
    let per = packets.div_ceil(n);
    ts.chunks(per * media::TS_PACKET)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Serves `segments` at `/<dir>/index.m3u8` (each answered after `delay`), the playlist saying
/// `seconds` in all.
fn serve(server: &FakeServer, dir: &str, segments: &[Vec<u8>], seconds: f64, delay: Duration) {
    let each = seconds / segments.len() as f64;
    let mut pl = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{}\n",
        each.ceil()
    );
    for (i, s) in segments.iter().enumerate() {
        server.serve(
            &format!("/{dir}/s{i}.ts"),
            FakeResponse::bytes("video/mp2t", s.clone()).delayed(delay),
        );
        pl.push_str(&format!("#EXTINF:{each:.3},\ns{i}.ts\n"));
    }
    pl.push_str("#EXT-X-ENDLIST\n");
    server.serve(
        &format!("/{dir}/index.m3u8"),
        FakeResponse::bytes("application/vnd.apple.mpegurl", pl),
    );
}

fn hls(server: &FakeServer, dir: &str) -> MediaSource {
    source(format!("{}/{dir}/index.m3u8", server.url()), MediaKind::Hls)
}

/// The remux on (in process first), the tools looked up in `dirs` (None: the PATH).
fn remuxing(dirs: Option<Vec<PathBuf>>) -> FetchOptions {
    let mut o = opts();
    o.use_ffmpeg = true;
    o.remux_in_process = true;
    o.tool_dirs = dirs;
    o
}

/// Files a download may leave beside `file`: none may remain after success.
fn leftovers(file: &Path) -> Vec<PathBuf> {
    [
        part(file),
        PathBuf::from(format!("{}.remux.part", file.display())),
        PathBuf::from(format!("{}.part.state", file.display())),
    ]
    .into_iter()
    .filter(|p| p.exists())
    .collect()
}

/// Downloads `/<dir>/` with `o` into a new target; returns the outcome's `remuxed`, the bytes
/// and the target (kept alive by the returned folder).
fn download(
    server: &FakeServer,
    dir: &str,
    o: &FetchOptions,
) -> (bool, Vec<u8>, tempfile::TempDir, PathBuf) {
    let (tmp, file) = target();
    let out = fetch_media(&hls(server, dir), &file, o, &quiet, &CancelToken::new()).unwrap();
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
    let data = fs::read(&file).unwrap();
    assert_eq!(out.bytes, data.len() as u64);
    (out.remuxed, data, tmp, file)
}

#[test]
fn h264_and_aac_become_the_same_mp4_without_ffmpeg_however_they_are_cut() {
    let server = FakeServer::start();
    serve(&server, "a", &cut(H264_AAC, 3), 3.0, Duration::ZERO);
    serve(&server, "b", &cut(H264_AAC, 11), 3.0, Duration::ZERO);
    let o = remuxing(Some(Vec::new()));
    let (remuxed, a, _t1, _) = download(&server, "a", &o);
    assert!(remuxed, "remuxed in process: there is no ffmpeg");
    assert!(media::is_mp4(&a));
    let (remuxed, b, _t2, _) = download(&server, "b", &o);
    assert!(remuxed);
    assert!(a == b, "the segment boundaries change nothing");
}

#[test]
fn real_ffprobe_reads_every_frame_of_the_in_process_mp4() {
    let Some(ffprobe) = media::tool_on_path("ffprobe") else {
        eprintln!("real_ffprobe_reads_every_frame_of_the_in_process_mp4: skipped, no ffprobe");
        return;
    };
    let server = FakeServer::start();
    serve(&server, "r", &cut(H264_AAC, 5), 3.0, Duration::ZERO);
    // ffprobe only: the in-process remux needs no ffmpeg, the check runs as in the service
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&ffprobe, dir.path().join("ffprobe")).unwrap();
    let mut o = remuxing(Some(vec![dir.path().to_path_buf()]));
    o.verify = VerifyMode::Always;
    let (remuxed, data, _t, file) = download(&server, "r", &o);
    assert!(remuxed && media::is_mp4(&data));
    assert_eq!(
        frames(&ffprobe, &file),
        [("h264".to_string(), 75), ("aac".to_string(), 136)]
    );
}

#[test]
fn mpeg2_falls_back_to_the_mpeg_ts_data_without_ffmpeg() {
    let server = FakeServer::start();
    serve(&server, "m", &cut(MPEG2, 3), 1.0, Duration::ZERO);
    let (remuxed, data, _t, _) = download(&server, "m", &remuxing(Some(Vec::new())));
    assert!(!remuxed);
    assert!(data == MPEG2, "the MPEG-TS data as served");
}

#[test]
fn mpeg2_falls_back_to_the_real_ffmpeg() {
    let (Some(_), Some(ffprobe)) = (
        media::tool_on_path("ffmpeg"),
        media::tool_on_path("ffprobe"),
    ) else {
        eprintln!("mpeg2_falls_back_to_the_real_ffmpeg: skipped, ffmpeg/ffprobe not on the PATH");
        return;
    };
    let server = FakeServer::start();
    serve(&server, "f", &cut(MPEG2, 3), 1.0, Duration::ZERO);
    let mut o = remuxing(None);
    o.verify = VerifyMode::Always;
    let (remuxed, data, _t, file) = download(&server, "f", &o);
    assert!(remuxed && media::is_mp4(&data), "ffmpeg took over");
    let out = std::process::Command::new(&ffprobe)
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type",
            "-of",
            "csv=p=0",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let kinds = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        kinds
            .split_whitespace()
            .map(|k| k.trim_end_matches(','))
            .collect::<Vec<_>>(),
        ["video", "audio"]
    );
}

#[test]
fn audio_alone_falls_back_at_its_program_map() {
    let server = FakeServer::start();
    serve(&server, "aa", &cut(media::TS_AUDIO, 3), 2.0, Duration::ZERO);
    let (remuxed, data, _t, _) = download(&server, "aa", &remuxing(Some(Vec::new())));
    assert!(!remuxed);
    assert!(data == media::TS_AUDIO);
}

#[test]
fn a_refusal_at_the_very_end_restarts_the_real_ffmpeg_from_the_part_file() {
    // the last segment ends inside a packet: only the end of the stream shows it
    let mut segments = cut(H264_AAC, 4);
    let last = segments.last_mut().unwrap();
    last.truncate(last.len() - 100);
    let whole = segments.concat();
    let server = FakeServer::start();
    serve(&server, "e", &segments, 3.0, Duration::ZERO);
    // without ffmpeg: the MPEG-TS data
    let (remuxed, data, _t1, _) = download(&server, "e", &remuxing(Some(Vec::new())));
    assert!(!remuxed);
    assert!(data == whole);
    let (Some(_), Some(ffprobe)) = (
        media::tool_on_path("ffmpeg"),
        media::tool_on_path("ffprobe"),
    ) else {
        eprintln!("a_refusal_at_the_very_end_...: the real-ffmpeg half skipped, no ffmpeg/ffprobe");
        return;
    };
    // with ffmpeg: it remuxes everything the `.part` file holds
    let mut o = remuxing(None);
    o.verify = VerifyMode::Always;
    let (remuxed, data, _t2, file) = download(&server, "e", &o);
    assert!(remuxed && media::is_mp4(&data));
    let counted = frames(&ffprobe, &file);
    assert_eq!(counted[0], ("h264".to_string(), 75), "{counted:?}");
}

#[test]
fn an_interrupted_download_resumes_into_the_same_mp4() {
    let server = FakeServer::start();
    serve(&server, "whole", &cut(H264_AAC, 20), 3.0, Duration::ZERO);
    serve(
        &server,
        "slow",
        &cut(H264_AAC, 20),
        3.0,
        Duration::from_millis(60),
    );
    let mut o = remuxing(Some(Vec::new()));
    o.segment_concurrency = 2;
    let (_, whole, _t, _) = download(&server, "whole", &o);

    let (_dir, file) = target();
    let cancel = CancelToken::new();
    let (tx, rx) = mpsc::channel();
    let (ptx, prx) = mpsc::channel::<u64>();
    let (src, f, c, o2) = (
        hls(&server, "slow"),
        file.clone(),
        cancel.clone(),
        o.clone(),
    );
    thread::spawn(move || {
        let ptx = Mutex::new(ptx);
        let cb = |u: &ProgressUpdate| {
            let _ = ptx.lock().unwrap().send(u.downloaded_bytes);
        };
        let _ = tx.send(fetch_media(&src, &f, &o2, &cb, &c).map(|_| ()));
    });
    while prx
        .recv_timeout(Duration::from_secs(10))
        .expect("progress arrives")
        == 0
    {}
    cancel.cancel();
    let first = rx.recv_timeout(Duration::from_secs(3)).expect("it stops");
    assert!(matches!(first, Err(DownloadError::Cancelled)), "{first:?}");
    assert!(
        part(&file).exists(),
        "the MPEG-TS data stays for the resume"
    );
    assert!(!PathBuf::from(format!("{}.remux.part", file.display())).exists());

    server.clear_requests();
    let out = fetch_media(
        &hls(&server, "slow"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(out.remuxed);
    assert_eq!(
        server.hits("/slow/s0.ts"),
        0,
        "written segments are not fetched again"
    );
    assert!(
        fs::read(&file).unwrap() == whole,
        "the same MP4 as in one go"
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}
