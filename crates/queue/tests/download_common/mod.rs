//! Helpers shared by the downloader tests: deterministic media bytes, options and sources.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aniworld_core::Language;
use aniworld_core::ports::{MediaKind, MediaSource};
use aniworld_queue::download::{FetchOptions, HostBudget, ProgressUpdate};

/// Deterministic pseudo-random bytes (`seed` picks the stream).
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// A fake MPEG-TS segment: packets of 188 bytes starting with the 0x47 sync byte.
pub fn ts_segment(packets: usize, seed: u64) -> Vec<u8> {
    let mut data = bytes(packets * 188, seed);
    for p in 0..packets {
        data[p * 188] = 0x47;
    }
    data
}

/// Options for tests: no external tools, short backoff, no budget limits.
pub fn opts() -> FetchOptions {
    FetchOptions {
        segment_concurrency: 4,
        max_resolution: None,
        budget: Arc::new(HostBudget::unlimited()),
        use_ffmpeg: false,
        verify_with_ffprobe: false,
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
