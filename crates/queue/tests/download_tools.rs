//! The ffmpeg remux and the ffprobe verification (`download.verify`), end to end.
//!
//! - Stand-in `ffmpeg`/`ffprobe` scripts in a folder named by [`FetchOptions::tool_dirs`] check
//!   the process handling, the temp names and the rename rules on any machine.
//! - An empty tool folder plays a machine without ffmpeg: the MPEG-TS data is kept, and
//!   `"always"` fails before anything is fetched.
//! - The real tools, when they are on the PATH (CI installs them; otherwise these tests say so on
//!   stderr and pass): real encrypted HLS becomes a real MP4, a real MP4 passes, and data that
//!   is not media or a stream much shorter than its playlist is refused.

mod download_common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use aniworld_core::ports::{CancelToken, MediaKind};
use aniworld_queue::download::{DownloadError, FetchOptions, VerifyMode, fetch_media};
use aniworld_testkit::{FakeResponse, FakeServer, media};
use download_common::{frames, mp4, opts, part, quiet, source, target, ts_segments};

/// A stand-in ffprobe: reads every file as 2 s of H.264 and AAC, or (`bad`) as unreadable.
fn stand_in_ffprobe(bad: bool) -> String {
    let fail = if bad { "exit 1\n" } else { "" };
    format!("#!/bin/sh\n{fail}echo codec_name=h264\necho codec_name=aac\necho duration=2.000000\n")
}

/// A stand-in ffmpeg: logs its arguments to `log` and writes `MP4:` + its first input (its
/// standard input for `pipe:0`) to the output.
fn stand_in_ffmpeg(log: &Path) -> String {
    format!(
        "#!/bin/sh\n\
in=''; prev=''; for a in \"$@\"; do [ \"$prev\" = '-i' ] && [ -z \"$in\" ] && in=\"$a\"; prev=\"$a\"; last=\"$a\"; done\n\
echo \"$@\" > '{}'\n\
if [ \"$in\" = pipe:0 ]; then {{ printf 'MP4:'; cat; }} > \"$last\"; else {{ printf 'MP4:'; cat \"$in\"; }} > \"$last\"; fi\n",
        log.display()
    )
}

/// A folder with the stand-in tools; returns it and the ffmpeg argument log.
fn stand_ins(bad_probe: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ffmpeg.log");
    for (name, body) in [
        ("ffprobe", stand_in_ffprobe(bad_probe)),
        ("ffmpeg", stand_in_ffmpeg(&log)),
    ] {
        let p = dir.path().join(name);
        fs::write(&p, body).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
    (dir, log)
}

/// Options with the remux on, `verify` and the tools looked up in `dirs` (None: the PATH).
fn with_tools(verify: VerifyMode, dirs: Option<Vec<PathBuf>>) -> FetchOptions {
    let mut o = opts();
    o.use_ffmpeg = true;
    o.verify = verify;
    // Stand-in tools (or none) test the ffmpeg pipe; with the real ones on the PATH, H.264 and
    // AAC streams take the in-process remux and the rest ffmpeg.
    o.remux_in_process = dirs.is_none();
    o.tool_dirs = dirs;
    o
}

fn encrypt(plain: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Vec<u8> {
    cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
        .unwrap()
        .encrypt_padded_vec::<Pkcs7>(plain)
}

/// Serves the clip as three MPEG-TS segments at `/t/index.m3u8` (AES-128 encrypted with IVs
/// from the media sequence when `aes`); returns the plain MPEG-TS data.
fn serve_hls(server: &FakeServer, aes: bool) -> Vec<u8> {
    let segs = ts_segments(3, 90);
    let key = *b"real-media-key!!";
    let uris: Vec<String> = (0..segs.len()).map(|i| format!("s{i}.ts")).collect();
    for (i, (uri, seg)) in uris.iter().zip(&segs).enumerate() {
        let body = if aes {
            let mut iv = [0u8; 16];
            iv[8..].copy_from_slice(&(i as u64).to_be_bytes());
            encrypt(seg, &key, &iv)
        } else {
            seg.clone()
        };
        server.serve(
            &format!("/t/{uri}"),
            FakeResponse::bytes("video/mp2t", body),
        );
    }
    let head = if aes {
        "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n"
    } else {
        ""
    };
    server.serve(
        "/t/index.m3u8",
        FakeResponse::text(media::media_playlist(&uris, head)),
    );
    server.serve(
        "/t/key.bin",
        FakeResponse::bytes("application/octet-stream", key.to_vec()),
    );
    segs.concat()
}

fn hls(server: &FakeServer) -> aniworld_core::ports::MediaSource {
    source(format!("{}/t/index.m3u8", server.url()), MediaKind::Hls)
}

/// Files a download may leave beside `file`: none may remain after success or a failed check.
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

#[test]
fn stand_in_ffmpeg_remuxes_an_hls_result_into_mp4() {
    let (tools, log) = stand_ins(false);
    let server = FakeServer::start();
    let ts = serve_hls(&server, false);
    let (_dir, file) = target();
    let o = with_tools(VerifyMode::Always, Some(vec![tools.path().to_path_buf()]));
    let out = fetch_media(&hls(&server), &file, &o, &quiet, &CancelToken::new()).unwrap();
    assert!(out.remuxed);
    let mut expected = b"MP4:".to_vec();
    expected.extend_from_slice(&ts);
    assert_eq!(fs::read(&file).unwrap(), expected);
    assert_eq!(out.bytes, expected.len() as u64);
    let args = fs::read_to_string(log).unwrap();
    assert!(args.contains("-c copy"), "{args}");
    assert!(
        args.contains("-i pipe:0"),
        "the segments are piped in while they arrive, no second pass: {args}"
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}

#[test]
fn a_result_failing_the_stand_in_ffprobe_never_gets_the_final_name() {
    let (tools, _log) = stand_ins(true);
    let server = FakeServer::start();
    serve_hls(&server, false);
    let (_dir, file) = target();
    let o = with_tools(VerifyMode::Auto, Some(vec![tools.path().to_path_buf()]));
    let err = fetch_media(&hls(&server), &file, &o, &quiet, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, DownloadError::Verification { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(!file.exists());
    assert_eq!(
        leftovers(&file),
        Vec::<PathBuf>::new(),
        "unverifiable data is not kept for resume"
    );
    // A direct file is checked the same way.
    server.serve("/d.mp4", FakeResponse::bytes("video/mp4", mp4(20_000, 1)));
    let direct = source(format!("{}/d.mp4", server.url()), MediaKind::Direct);
    let err = fetch_media(&direct, &file, &o, &quiet, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, DownloadError::Verification { .. }), "{err:?}");
    assert!(!file.exists());
    // "never" does not ask ffprobe at all.
    let o = with_tools(VerifyMode::Never, Some(vec![tools.path().to_path_buf()]));
    fetch_media(&direct, &file, &o, &quiet, &CancelToken::new()).unwrap();
    assert_eq!(fs::read(&file).unwrap(), mp4(20_000, 1));
}

#[test]
fn without_the_tools_hls_stays_mpeg_ts_and_always_fails_before_fetching() {
    let server = FakeServer::start();
    let ts = serve_hls(&server, true);
    let (_dir, file) = target();
    // "auto" on a machine without ffmpeg: the decrypted MPEG-TS data is the result.
    let o = with_tools(VerifyMode::Auto, Some(Vec::new()));
    let out = fetch_media(&hls(&server), &file, &o, &quiet, &CancelToken::new()).unwrap();
    assert!(!out.remuxed);
    assert_eq!(fs::read(&file).unwrap(), ts);
    assert!(media::is_ts(&ts));
    fs::remove_file(&file).unwrap();

    // "always" without ffprobe: a clear, final error and not a single request.
    server.clear_requests();
    let (_dir2, file2) = target();
    let o = with_tools(VerifyMode::Always, Some(Vec::new()));
    let err = fetch_media(&hls(&server), &file2, &o, &quiet, &CancelToken::new()).unwrap_err();
    match &err {
        DownloadError::ToolMissing { tool, setting } => {
            assert_eq!(tool, "ffprobe");
            assert!(setting.contains("download.verify"), "{setting}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("ffprobe"), "{err}");
    assert_eq!(server.requests().len(), 0, "nothing is fetched");
    assert!(!file2.parent().unwrap().exists(), "nothing is created");
}

/// The real `ffmpeg` and `ffprobe` when both are on the PATH; None (with a note) otherwise.
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

/// What the real ffprobe says: codec names and the duration.
fn probe(ffprobe: &Path, file: &Path) -> (Vec<String>, f64) {
    let out = Command::new(ffprobe)
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_name",
        ])
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffprobe cannot read {}",
        file.display()
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let codecs = text
        .lines()
        .filter_map(|l| l.strip_prefix("codec_name="))
        .map(str::to_string)
        .collect();
    let duration = text
        .lines()
        .find_map(|l| l.strip_prefix("duration="))
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    (codecs, duration)
}

#[test]
fn real_ffmpeg_remuxes_encrypted_hls_into_a_verified_mp4() {
    let Some(ffprobe) = real_tools("real_ffmpeg_remuxes_encrypted_hls_into_a_verified_mp4") else {
        return;
    };
    let server = FakeServer::start();
    serve_hls(&server, true);
    let (_dir, file) = target();
    let o = with_tools(VerifyMode::Always, None);
    let out = fetch_media(&hls(&server), &file, &o, &quiet, &CancelToken::new()).unwrap();
    assert!(
        out.remuxed,
        "ffmpeg is on the PATH, so the result is an MP4"
    );
    let data = fs::read(&file).unwrap();
    assert!(media::is_mp4(&data), "starts with an ftyp box");
    assert_eq!(out.bytes, data.len() as u64);
    let (codecs, duration) = probe(&ffprobe, &file);
    assert_eq!(codecs, ["h264", "aac"], "both streams, copied");
    assert!((1.5..3.0).contains(&duration), "{duration} s");
    let (video, audio) = media::FRAMES;
    assert_eq!(
        frames(&ffprobe, &file),
        [("h264".to_string(), video), ("aac".to_string(), audio)],
        "every frame of the source is in the MP4"
    );
    assert_eq!(leftovers(&file), Vec::<PathBuf>::new());
}

#[test]
fn real_ffprobe_passes_real_media_and_refuses_the_rest() {
    let Some(ffprobe) = real_tools("real_ffprobe_passes_real_media_and_refuses_the_rest") else {
        return;
    };
    let server = FakeServer::start();
    let o = with_tools(VerifyMode::Always, None);
    // A real MP4 passes and keeps its bytes (direct files are never remuxed).
    let good = mp4(300_000, 3);
    server.serve("/good.mp4", FakeResponse::bytes("video/mp4", good.clone()));
    let (_dir, file) = target();
    let src = source(format!("{}/good.mp4", server.url()), MediaKind::Direct);
    let out = fetch_media(&src, &file, &o, &quiet, &CancelToken::new()).unwrap();
    assert!(!out.remuxed);
    assert_eq!(fs::read(&file).unwrap(), good);
    assert_eq!(probe(&ffprobe, &file).0, ["h264", "aac"]);

    // Bytes that are no container are refused, and nothing stays behind.
    let noise = media::filler(200_000, 4);
    server.serve("/noise.mp4", FakeResponse::bytes("video/mp4", noise));
    let (_dir2, file2) = target();
    let src = source(format!("{}/noise.mp4", server.url()), MediaKind::Direct);
    let err = fetch_media(&src, &file2, &o, &quiet, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, DownloadError::Verification { .. }), "{err:?}");
    assert!(!file2.exists());
    assert_eq!(leftovers(&file2), Vec::<PathBuf>::new());

    // A stream far shorter than its playlist claims (2 s of a declared 60 s) is refused.
    let segs = ts_segments(3, 5);
    for (i, s) in segs.iter().enumerate() {
        server.serve(
            &format!("/short/s{i}.ts"),
            FakeResponse::bytes("video/mp2t", s.clone()),
        );
    }
    server.serve(
        "/short/index.m3u8",
        FakeResponse::text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:20.0,\ns0.ts\n#EXTINF:20.0,\ns1.ts\n\
#EXTINF:20.0,\ns2.ts\n#EXT-X-ENDLIST\n",
        ),
    );
    let (_dir3, file3) = target();
    let src = source(format!("{}/short/index.m3u8", server.url()), MediaKind::Hls);
    let err = fetch_media(&src, &file3, &o, &quiet, &CancelToken::new()).unwrap_err();
    match &err {
        DownloadError::Verification { what } => assert!(what.contains("expected"), "{what}"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(!file3.exists());
    assert_eq!(leftovers(&file3), Vec::<PathBuf>::new());
}
