//! Helpers shared by the downloader tests: real media (the clip of `aniworld_testkit::media`),
//! options and sources.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aniworld_core::Language;
use aniworld_core::ports::{MediaKind, MediaSource};
use aniworld_queue::download::{FetchOptions, HostBudget, ProgressUpdate, VerifyMode};
use aniworld_testkit::media;

/// A real MP4 file of exactly `len` bytes (the clip plus seeded filler).
pub fn mp4(len: usize, seed: u64) -> Vec<u8> {
    media::mp4(len, seed)
}

/// The clip as `n` real MPEG-TS segments (seeded, so different seeds give different bytes).
pub fn ts_segments(n: usize, seed: u64) -> Vec<Vec<u8>> {
    media::ts_segments(n, seed)
}

/// Options for tests: short backoff, no budget limits, no ffmpeg remux (so files keep the
/// served bytes), and ffprobe verification when the machine has it (the media is real).
pub fn opts() -> FetchOptions {
    FetchOptions {
        segment_concurrency: 4,
        max_resolution: None,
        budget: Arc::new(HostBudget::unlimited()),
        use_ffmpeg: false,
        remux_in_process: true,
        verify: VerifyMode::Auto,
        tool_dirs: None,
        timeout: Duration::from_secs(10),
        segment_retries: 4,
        retry_backoff: Duration::from_millis(10),
    }
}

/// A media source for `url`.
pub fn source(url: String, kind: MediaKind) -> MediaSource {
    MediaSource {
        url,
        kind,
        headers: vec![("Referer".into(), "https://hoster.example/e/1".into())],
        hoster: "VOE".into(),
        language: Language::GermanDub,
    }
}

/// A library folder with a series folder; returns (guard, final path inside `Season 01`).
pub fn target() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let show = dir.path().join("Show (2020)");
    std::fs::create_dir(&show).unwrap();
    let file = show.join("Season 01").join("Show (2020) - S01E01.mp4");
    (dir, file)
}

/// `<final>.part`.
pub fn part(final_path: &Path) -> PathBuf {
    let mut s = final_path.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

/// A progress callback that ignores reports.
pub fn quiet(_: &ProgressUpdate) {}

/// What the real `ffprobe` counts in `file` when decoding it: (codec, frames) per stream.
pub fn frames(ffprobe: &Path, file: &Path) -> Vec<(String, u64)> {
    let out = std::process::Command::new(ffprobe)
        .args(["-v", "error", "-count_frames", "-show_entries"])
        .args(["stream=codec_name,nb_read_frames", "-of", "csv=p=0"])
        .arg(file)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "ffprobe cannot read {}",
        file.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (codec, n) = l.trim().split_once(',')?;
            Some((codec.to_string(), n.trim().parse().ok()?))
        })
        .collect()
}
