//! Downloads one media URL to a file with [`aniworld_queue::download::fetch_media`], for
//! benchmarks and for trying a stream by hand (benches/run.sh, docs/bench-download.md).
//!
//! `cargo run --release -p aniworld-queue --example fetch -- [--hls] [--concurrency N]
//!  [--max-height H] [--rps N] [--connections N] [--ffmpeg] [--ffprobe] [--quiet] <url> <out-file>`
//!
//! Without `--rps`/`--connections` the host budget is unlimited. ffmpeg/ffprobe are used only when
//! asked for. Prints one line: bytes, seconds, MiB/s.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aniworld_core::Language;
use aniworld_core::ports::{CancelToken, MediaKind, MediaSource};
use aniworld_queue::download::{FetchOptions, HostBudget, ProgressUpdate, VerifyMode, fetch_media};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut kind = MediaKind::Direct;
    let mut opts = FetchOptions {
        use_ffmpeg: false,
        verify: VerifyMode::Never,
        ..FetchOptions::default()
    };
    let (mut rps, mut conns) = (0u32, 0u32);
    let mut quiet = false;
    let mut positional = Vec::new();
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--hls" => kind = MediaKind::Hls,
            "--concurrency" => opts.segment_concurrency = num("--concurrency") as usize,
            "--max-height" => opts.max_resolution = Some(num("--max-height") as u32),
            "--rps" => rps = num("--rps") as u32,
            "--connections" => conns = num("--connections") as u32,
            "--ffmpeg" => opts.use_ffmpeg = true,
            "--ffprobe" => opts.verify = VerifyMode::Always,
            "--quiet" => quiet = true,
            _ => positional.push(a),
        }
    }
    let [url, out] = <[String; 2]>::try_from(positional).unwrap_or_else(|_| {
        eprintln!("usage: fetch [--hls] [--concurrency N] ... <url> <out-file>");
        std::process::exit(2)
    });
    opts.budget = Arc::new(HostBudget::new(rps, conns));
    let source = MediaSource {
        url,
        kind,
        headers: Vec::new(),
        hoster: "bench".into(),
        language: Language::GermanDub,
    };
    let progress = |u: &ProgressUpdate| {
        if !quiet {
            eprint!(
                "\r{:>8.1} MiB  {:>7.1} MiB/s  eta {:>5}s   ",
                u.downloaded_bytes as f64 / 1048576.0,
                u.speed_bps / 1048576.0,
                u.eta.map_or(0, |d| d.as_secs())
            );
        }
    };
    let started = Instant::now();
    let result = fetch_media(
        &source,
        &PathBuf::from(out),
        &opts,
        &progress,
        &CancelToken::new(),
    );
    let secs = started
        .elapsed()
        .max(Duration::from_micros(1))
        .as_secs_f64();
    if !quiet {
        eprintln!();
    }
    match result {
        Ok(o) => {
            println!(
                "bytes={} seconds={secs:.3} mib_per_s={:.1} remuxed={}",
                o.bytes,
                o.bytes as f64 / 1048576.0 / secs,
                o.remuxed
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
