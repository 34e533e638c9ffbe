//! HLS edges seen on real playlists, and the remux pipe:
//!
//! - a live (or still growing EVENT) playlist is refused with a typed error before any segment
//!   is fetched, never saved as a partial snapshot;
//! - a master whose default audio is muxed into the video fetches no rendition and warns of
//!   nothing;
//! - a master whose audio exists only as separate renditions gets the preferred one fetched and
//!   muxed in with ffmpeg (stand-in ffmpeg anywhere, the real one when on the PATH: ffprobe
//!   reads the MP4 and counts every frame), and without ffmpeg a warning and a video-only file;
//! - the remux is fed while the segments arrive, and a resumed download feeds what the first
//!   call wrote before going on.
//!
//! Tests that must not depend on the machine's tools name their tool folder
//! ([`FetchOptions::tool_dirs`]); the real-tool tests say on stderr when they are skipped.

mod download_common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, mpsc};
use std::thread;
use std::time::Duration;

use aniworld_core::ports::{CancelToken, MediaKind, MediaSource};
use aniworld_queue::download::{
    DownloadError, FetchOptions, ProgressUpdate, VerifyMode, fetch_media,
};
use aniworld_testkit::{FakeResponse, FakeServer, media};
use download_common::{frames, opts, part, quiet, source, target, ts_segments};

const TS: &str = "video/mp2t";
const M3U8: &str = "application/vnd.apple.mpegurl";

/// Keeps every warning this test binary logs.
struct Warnings(Mutex<Vec<String>>);

impl log::Log for Warnings {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
            v.push(r.args().to_string());
        }
    }
    fn flush(&self) {}
}

/// The warnings logged so far that mention `needle`.
fn warnings_about(needle: &str) -> Vec<String> {
    static W: OnceLock<&'static Warnings> = OnceLock::new();
    let w = W.get_or_init(|| {
        let w: &'static Warnings = Box::leak(Box::new(Warnings(Mutex::new(Vec::new()))));
        log::set_logger(w).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Warn);
        w
    });
    let v = w.0.lock().unwrap_or_else(|e| e.into_inner());
    v.iter().filter(|m| m.contains(needle)).cloned().collect()
}

/// Serves `segments` under `/<dir>/` with a media playlist `/<dir>/index.m3u8` (`head` goes
/// before the first segment, `tail` replaces the `#EXT-X-ENDLIST` line).
fn serve_playlist(server: &FakeServer, dir: &str, segments: &[Vec<u8>], head: &str, tail: &str) {
    let mut pl = format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n{head}");
    for (i, seg) in segments.iter().enumerate() {
        server.serve(
            &format!("/{dir}/s{i}.ts"),
            FakeResponse::bytes(TS, seg.clone()),
        );
        pl.push_str(&format!(
            "#EXTINF:{},\ns{i}.ts\n",
            media::segment_duration(segments.len())
        ));
    }
    pl.push_str(tail);
    server.serve(&format!("/{dir}/index.m3u8"), FakeResponse::bytes(M3U8, pl));
}

fn hls(server: &FakeServer, path: &str) -> MediaSource {
    source(format!("{}{path}", server.url()), MediaKind::Hls)
}

/// Options with the remux on and the tools looked up in `dirs` (None: the PATH).
fn with_tools(dirs: Option<Vec<PathBuf>>) -> FetchOptions {
    let mut o = opts();
    o.use_ffmpeg = true;
    // Stand-in tools (or none) test the ffmpeg pipe; with the real ones on the PATH, H.264 and
    // AAC streams take the in-process remux and the rest ffmpeg.
    o.remux_in_process = dirs.is_none();
    o.tool_dirs = dirs;
    o
}

/// A folder with a stand-in `ffmpeg` (logs its arguments, writes `MP4:` + its standard input to
/// its last argument) and a stand-in `ffprobe` (reads anything as 2 s of H.264 and AAC).
fn stand_ins() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ffmpeg.log");
    let ffmpeg = format!(
        "#!/bin/sh\nfor a in \"$@\"; do last=\"$a\"; done\necho \"$@\" > '{}'\n\
         {{ printf 'MP4:'; cat; }} > \"$last\"\n",
        log.display()
    );
    let ffprobe = "#!/bin/sh\necho codec_name=h264\necho codec_name=aac\necho duration=2.000000\n";
    for (name, body) in [("ffmpeg", ffmpeg.as_str()), ("ffprobe", ffprobe)] {
        let p = dir.path().join(name);
        fs::write(&p, body).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
    (dir, log)
}

/// The real `ffprobe` when ffmpeg and ffprobe are both on the PATH; None (with a note) otherwise.
fn real_tools(test: &str) -> Option<PathBuf> {
    match (
        media::tool_on_path("ffmpeg"),
        media::tool_on_path("ffprobe"),
    ) {
        (Some(_), Some(ffprobe)) => Some(ffprobe),
        _ => {
            eprintln!("{test}: skipped, ffmpeg/ffprobe are not on the PATH (CI installs them)");
            None
        }
    }
}

/// Every file a download may leave beside `file` while it runs.
fn leftovers(file: &Path) -> Vec<PathBuf> {
    [
        ".part",
        ".part.state",
        ".remux.part",
        ".audio.part",
        ".audio.part.state",
    ]
    .iter()
    .map(|s| PathBuf::from(format!("{}{s}", file.display())))
    .filter(|p| p.exists())
    .collect()
}

#[test]
fn live_and_event_playlists_are_refused_before_any_segment() {
    let server = FakeServer::start();
    let segs = ts_segments(3, 1);
    serve_playlist(&server, "live", &segs, "#EXT-X-MEDIA-SEQUENCE:812\n", "");
    serve_playlist(&server, "event", &segs, "#EXT-X-PLAYLIST-TYPE:EVENT\n", "");
    serve_playlist(&server, "vod", &segs, "#EXT-X-PLAYLIST-TYPE:VOD\n", "");
    server.serve(
        "/master.m3u8",
        FakeResponse::bytes(
            M3U8,
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=160x90\nlive/index.m3u8\n",
        ),
    );
    for path in ["/live/index.m3u8", "/event/index.m3u8", "/master.m3u8"] {
        let (_dir, file) = target();
        let err = fetch_media(
            &hls(&server, path),
            &file,
            &opts(),
            &quiet,
            &CancelToken::new(),
        )
        .unwrap_err();
        match &err {
            DownloadError::LiveStream { url } => assert!(url.ends_with("index.m3u8"), "{url}"),
            other => panic!("{path}: {other:?}"),
        }
        assert!(!err.is_retryable(), "{path}");
        assert!(err.to_string().contains("live stream"), "{err}");
        assert!(!file.exists(), "{path}");
        assert_eq!(leftovers(&file), Vec::<PathBuf>::new(), "{path}");
    }
    assert!(
        server.requests().iter().all(|r| !r.path.ends_with(".ts")),
        "no segment of a live playlist is fetched"
    );
    // A VOD playlist without the end tag cannot change: it is complete.
    let (_dir, file) = target();
    fetch_media(
        &hls(&server, "/vod/index.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(fs::read(&file).unwrap(), segs.concat());
}

/// A master whose `aac` group's default rendition is muxed into the variant (no URI), next to a
/// commentary track with a playlist of its own.
fn serve_muxed_default(server: &FakeServer) -> Vec<Vec<u8>> {
    let segs = ts_segments(3, 21);
    serve_playlist(server, "mx/video", &segs, "", "#EXT-X-ENDLIST\n");
    serve_playlist(
        server,
        "mx/commentary",
        &media::ts_segments_of(media::TS_AUDIO, 2, 22),
        "",
        "#EXT-X-ENDLIST\n",
    );
    server.serve(
        "/mx/master.m3u8",
        FakeResponse::bytes(
            M3U8,
            "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",LANGUAGE=\"ja\",NAME=\"Main\",DEFAULT=YES,AUTOSELECT=YES\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",LANGUAGE=\"ja\",NAME=\"Commentary\",AUTOSELECT=NO,URI=\"commentary/index.m3u8\"\n\
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x90,CODECS=\"avc1.42c00b,mp4a.40.2\",AUDIO=\"aac\"\n\
video/index.m3u8\n",
        ),
    );
    segs
}

#[test]
fn a_muxed_default_audio_fetches_no_rendition_and_warns_of_nothing() {
    let server = FakeServer::start();
    let segs = serve_muxed_default(&server);
    let (_dir, file) = target();
    let out = fetch_media(
        &hls(&server, "/mx/master.m3u8"),
        &file,
        &opts(),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert_eq!(fs::read(&file).unwrap(), segs.concat());
    assert!(!out.video_only);
    assert_eq!(server.hits("/mx/commentary/index.m3u8"), 0);
    let (path, host) = (file.display().to_string(), server.url());
    let warned: Vec<String> = warnings_about("audio")
        .into_iter()
        .filter(|w| w.contains(&path) || w.contains(&host))
        .collect();
    assert!(warned.is_empty(), "no audio warning: {warned:?}");
}

/// A master whose audio exists only as renditions of their own: German (the default) and
/// Japanese. Returns (video segments, German audio segments).
fn serve_separate_audio(server: &FakeServer, dir: &str) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let video = media::ts_segments_of(media::TS_VIDEO, 3, 31);
    let german = media::ts_segments_of(media::TS_AUDIO, 2, 32);
    let japanese = media::ts_segments_of(media::TS_AUDIO, 2, 33);
    serve_playlist(server, &format!("{dir}/v"), &video, "", "#EXT-X-ENDLIST\n");
    serve_playlist(
        server,
        &format!("{dir}/de"),
        &german,
        "",
        "#EXT-X-ENDLIST\n",
    );
    serve_playlist(
        server,
        &format!("{dir}/ja"),
        &japanese,
        "",
        "#EXT-X-ENDLIST\n",
    );
    server.serve(
        &format!("/{dir}/master.m3u8"),
        FakeResponse::bytes(
            M3U8,
            "#EXTM3U\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"ja\",NAME=\"Japanisch\",AUTOSELECT=YES,URI=\"ja/index.m3u8\"\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"de\",NAME=\"Deutsch\",DEFAULT=YES,AUTOSELECT=YES,URI=\"de/index.m3u8\"\n\
#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=160x90,CODECS=\"avc1.42c00b,mp4a.40.2\",AUDIO=\"aud\"\n\
v/index.m3u8\n",
        ),
    );
    (video, german)
}

#[test]
fn separate_audio_without_ffmpeg_gives_a_warning_and_a_video_only_file() {
    let server = FakeServer::start();
    let (video, _) = serve_separate_audio(&server, "sep1");
    let (_dir, file) = target();
    let out = fetch_media(
        &hls(&server, "/sep1/master.m3u8"),
        &file,
        &with_tools(Some(Vec::new())),
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(out.video_only);
    assert!(!out.remuxed);
    assert_eq!(fs::read(&file).unwrap(), video.concat());
    assert_eq!(server.hits("/sep1/de/index.m3u8"), 0, "no use fetching it");
    let path = file.display().to_string();
    let warned: Vec<String> = warnings_about("video only")
        .into_iter()
        .filter(|w| w.contains(&path))
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("Deutsch") && warned[0].contains("ffmpeg"),
        "{warned:?}"
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}

#[test]
fn separate_audio_is_fetched_and_given_to_the_stand_in_ffmpeg() {
    let (tools, log) = stand_ins();
    let server = FakeServer::start();
    let (video, german) = serve_separate_audio(&server, "sep2");
    let (_dir, file) = target();
    let o = with_tools(Some(vec![tools.path().to_path_buf()]));
    let out = fetch_media(
        &hls(&server, "/sep2/master.m3u8"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(out.remuxed && !out.video_only);
    let mut expected = b"MP4:".to_vec();
    expected.extend_from_slice(&video.concat());
    assert_eq!(fs::read(&file).unwrap(), expected);
    let args = fs::read_to_string(log).unwrap();
    assert!(args.contains("-i pipe:0 -i "), "{args}");
    assert!(args.contains(".audio.part -map 0:v -map 1:a:0"), "{args}");
    assert_eq!(server.hits("/sep2/de/s0.ts"), 1, "the default rendition");
    assert_eq!(server.hits("/sep2/de/s1.ts"), 1);
    assert_eq!(server.hits("/sep2/ja/index.m3u8"), 0);
    assert_eq!(german.len(), 2);
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}

#[test]
fn real_ffmpeg_muxes_a_separate_audio_rendition() {
    let Some(ffprobe) = real_tools("real_ffmpeg_muxes_a_separate_audio_rendition") else {
        return;
    };
    let server = FakeServer::start();
    serve_separate_audio(&server, "sep3");
    let (_dir, file) = target();
    let mut o = with_tools(None);
    o.verify = VerifyMode::Always;
    let out = fetch_media(
        &hls(&server, "/sep3/master.m3u8"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(out.remuxed && !out.video_only);
    assert!(media::is_mp4(&fs::read(&file).unwrap()));
    let (video, audio) = media::FRAMES;
    assert_eq!(
        frames(&ffprobe, &file),
        [("h264".to_string(), video), ("aac".to_string(), audio)],
        "the video and the separate audio, every frame"
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}

/// Starts a download of the 40 slow segments at `/slow/` with `o` on a thread and cancels it
/// once some bytes are on disk.
fn cancel_midway(server: &FakeServer, file: &Path, o: FetchOptions) -> Result<(), DownloadError> {
    let cancel = CancelToken::new();
    let (tx, rx) = mpsc::channel();
    let (src, f, c) = (
        hls(server, "/slow/index.m3u8"),
        file.to_path_buf(),
        cancel.clone(),
    );
    let (ptx, prx) = mpsc::channel::<u64>();
    thread::spawn(move || {
        let ptx = Mutex::new(ptx);
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

/// 40 segments of the clip, each answered after 60 ms.
fn serve_slow(server: &FakeServer) -> Vec<Vec<u8>> {
    let segs = ts_segments(40, 16);
    serve_playlist(server, "slow", &segs, "", "#EXT-X-ENDLIST\n");
    for (i, s) in segs.iter().enumerate() {
        server.serve(
            &format!("/slow/s{i}.ts"),
            FakeResponse::bytes(TS, s.clone()).delayed(Duration::from_millis(60)),
        );
    }
    segs
}

#[test]
fn a_resumed_download_feeds_the_remux_what_the_first_call_wrote() {
    let (tools, _log) = stand_ins();
    let server = FakeServer::start();
    let segs = serve_slow(&server);
    let (_dir, file) = target();
    let mut o = with_tools(Some(vec![tools.path().to_path_buf()]));
    o.segment_concurrency = 2;
    let first = cancel_midway(&server, &file, o.clone());
    assert!(matches!(first, Err(DownloadError::Cancelled)), "{first:?}");
    assert!(part(&file).exists(), "the data stays for the resume");
    assert!(
        !PathBuf::from(format!("{}.remux.part", file.display())).exists(),
        "the half remux is gone"
    );
    server.clear_requests();
    let out = fetch_media(
        &hls(&server, "/slow/index.m3u8"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(out.remuxed);
    let mut expected = b"MP4:".to_vec();
    expected.extend_from_slice(&segs.concat());
    assert_eq!(
        fs::read(&file).unwrap(),
        expected,
        "everything went through ffmpeg"
    );
    assert_eq!(
        server.hits("/slow/s0.ts"),
        0,
        "written segments are not fetched again"
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}

#[test]
fn real_ffmpeg_after_a_resume_has_every_frame() {
    let Some(ffprobe) = real_tools("real_ffmpeg_after_a_resume_has_every_frame") else {
        return;
    };
    let server = FakeServer::start();
    serve_slow(&server);
    let (_dir, file) = target();
    let mut o = with_tools(None);
    o.segment_concurrency = 2;
    o.verify = VerifyMode::Always;
    assert!(matches!(
        cancel_midway(&server, &file, o.clone()),
        Err(DownloadError::Cancelled)
    ));
    let out = fetch_media(
        &hls(&server, "/slow/index.m3u8"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(out.remuxed);
    let (video, audio) = media::FRAMES;
    assert_eq!(
        frames(&ffprobe, &file),
        [("h264".to_string(), video), ("aac".to_string(), audio)]
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}

#[test]
fn real_ffmpeg_remuxes_fragmented_mp4_segments_through_the_pipe() {
    let Some(ffprobe) = real_tools("real_ffmpeg_remuxes_fragmented_mp4_segments_through_the_pipe")
    else {
        return;
    };
    let server = FakeServer::start();
    let (init, parts) = media::fmp4_parts();
    server.serve("/f/init.mp4", FakeResponse::bytes("video/mp4", init));
    let mut pl = String::from(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n",
    );
    for (i, p) in parts.iter().enumerate() {
        server.serve(
            &format!("/f/p{i}.m4s"),
            FakeResponse::bytes("video/iso.segment", p.clone()),
        );
        pl.push_str(&format!(
            "#EXTINF:{},\np{i}.m4s\n",
            media::segment_duration(parts.len())
        ));
    }
    pl.push_str("#EXT-X-ENDLIST\n");
    server.serve("/f/index.m3u8", FakeResponse::bytes(M3U8, pl));
    let (_dir, file) = target();
    let mut o = with_tools(None);
    o.verify = VerifyMode::Always;
    let out = fetch_media(
        &hls(&server, "/f/index.m3u8"),
        &file,
        &o,
        &quiet,
        &CancelToken::new(),
    )
    .unwrap();
    assert!(out.remuxed);
    let (video, audio) = media::FRAMES;
    assert_eq!(
        frames(&ffprobe, &file),
        [("h264".to_string(), video), ("aac".to_string(), audio)]
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}
