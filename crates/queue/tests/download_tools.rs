//! The ffmpeg remux and the ffprobe verification, with stand-in `ffmpeg`/`ffprobe` scripts put
//! first on the PATH of a child test process (the real tools are not needed; the process
//! handling, the temp names and the rename rules are what is checked).
//!
//! `tools_*` tests re-run this test binary with a changed PATH and one `#[ignore]`d inner test.

mod download_common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use aniworld_core::ports::{CancelToken, MediaKind};
use aniworld_queue::download::{DownloadError, fetch_media};
use aniworld_testkit::{FakeResponse, FakeServer};
use download_common::{opts, part, quiet, source, target, ts_segment};

const FFPROBE: &str = "#!/bin/sh\n\
case \"$FAKE_TOOLS\" in bad) exit 1;; esac\n\
echo codec_name=h264\necho codec_name=aac\necho duration=8.000000\n";

const FFMPEG: &str = "#!/bin/sh\n\
in=''; prev=''; for a in \"$@\"; do [ \"$prev\" = '-i' ] && in=\"$a\"; prev=\"$a\"; last=\"$a\"; done\n\
echo \"$@\" > \"$FAKE_TOOLS_LOG\"\n\
{ printf 'MP4:'; cat \"$in\"; } > \"$last\"\n";

fn run_inner(mode: &str, test: &str) {
    let tools = tempfile::tempdir().unwrap();
    for (name, body) in [("ffprobe", FFPROBE), ("ffmpeg", FFMPEG)] {
        let p = tools.path().join(name);
        fs::write(&p, body).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        tools.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", test, "--nocapture"])
        .env("PATH", path)
        .env("FAKE_TOOLS", mode)
        .env("FAKE_TOOLS_LOG", tools.path().join("ffmpeg.log"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tools_remux_an_hls_result_into_mp4() {
    run_inner("good", "inner_remux");
}

#[test]
fn tools_a_result_failing_ffprobe_never_gets_the_final_name() {
    run_inner("bad", "inner_verification_fails");
}

fn serve(server: &FakeServer) -> Vec<u8> {
    let segs: Vec<Vec<u8>> = (0..2).map(|i| ts_segment(20, 90 + i)).collect();
    server.serve(
        "/t/index.m3u8",
        FakeResponse::text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\ns0.ts\n#EXTINF:4.0,\ns1.ts\n#EXT-X-ENDLIST\n",
        ),
    );
    for (i, s) in segs.iter().enumerate() {
        server.serve(
            &format!("/t/s{i}.ts"),
            FakeResponse::bytes("video/mp2t", s.clone()),
        );
    }
    segs.concat()
}

fn with_tools() -> aniworld_queue::download::FetchOptions {
    let mut o = opts();
    o.use_ffmpeg = true;
    o.verify_with_ffprobe = true;
    o
}

#[test]
#[ignore = "run by tools_remux_an_hls_result_into_mp4 with stand-in tools on the PATH"]
fn inner_remux() {
    let server = FakeServer::start();
    let ts = serve(&server);
    let (_dir, file) = target();
    let src = source(format!("{}/t/index.m3u8", server.url()), MediaKind::Hls);
    let out = fetch_media(&src, &file, &with_tools(), &quiet, &CancelToken::new()).unwrap();
    assert!(out.remuxed);
    let mut expected = b"MP4:".to_vec();
    expected.extend_from_slice(&ts);
    assert_eq!(fs::read(&file).unwrap(), expected);
    assert_eq!(out.bytes, expected.len() as u64);
    let args = fs::read_to_string(std::env::var("FAKE_TOOLS_LOG").unwrap()).unwrap();
    assert!(args.contains("-c copy"), "{args}");
    assert!(
        args.contains("aac_adtstoasc"),
        "AAC audio gets the bitstream filter: {args}"
    );
    for leftover in [
        part(&file),
        Path::new(&format!("{}.remux.part", file.display())).into(),
    ] {
        assert!(!leftover.exists(), "{} left behind", leftover.display());
    }
}

#[test]
#[ignore = "run by tools_a_result_failing_ffprobe_never_gets_the_final_name with stand-in tools"]
fn inner_verification_fails() {
    let server = FakeServer::start();
    serve(&server);
    let (_dir, file) = target();
    let src = source(format!("{}/t/index.m3u8", server.url()), MediaKind::Hls);
    let err = fetch_media(&src, &file, &with_tools(), &quiet, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, DownloadError::Verification { .. }), "{err:?}");
    assert!(!file.exists());
    assert!(
        !part(&file).exists(),
        "unverifiable data is not kept for resume"
    );
    // A direct file is checked the same way.
    server.serve("/d.mp4", FakeResponse::bytes("video/mp4", vec![1u8; 1000]));
    let direct = source(format!("{}/d.mp4", server.url()), MediaKind::Direct);
    let err = fetch_media(&direct, &file, &with_tools(), &quiet, &CancelToken::new()).unwrap_err();
    assert!(matches!(err, DownloadError::Verification { .. }), "{err:?}");
    assert!(!file.exists());
}
