//! Downloads one media URL to a file with [`aniworld_queue::download::fetch_media`], for
//! benchmarks and for trying a stream by hand (benches/run.sh, docs/bench-download.md).
//!
//! `cargo run --release -p aniworld-queue --example fetch -- [--defaults] [--hls] [--concurrency N]
//!  [--max-height H] [--rps N] [--connections N] [--ffmpeg] [--ffmpeg-pipe] [--ffprobe]
//!  [--no-tools] [--quiet] <url> <out-file>`
//!
//! Without `--defaults` the host budget is unlimited (unless `--rps`/`--connections` say
//! otherwise) and ffmpeg/ffprobe are used only when asked for. `--defaults` starts from the
//! service's own defaults instead: the default host budget (`download.host_requests_per_second`
//! and `download.host_max_connections`), the remux into MP4 and the ffprobe check when the tool
//! is on the PATH. `--ffmpeg` turns the remux on: H.264/AAC MPEG-TS in process, anything else
//! with ffmpeg (as the service does); `--ffmpeg-pipe` (implies `--ffmpeg`) always pipes the
//! segments to ffmpeg instead, for comparison. `--no-tools` plays a machine without
//! ffmpeg/ffprobe (the in-process remux still runs). Prints one line: bytes,
//! seconds, MiB/s, whether the result was remuxed, and this process's own peak resident memory
//! (`VmHWM`, helper processes not included).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aniworld_core::Language;
use aniworld_core::config::DownloadConfig;
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
    let (mut rps, mut conns) = (None::<u32>, None::<u32>);
    let mut defaults = false;
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
            "--defaults" => defaults = true,
            "--no-tools" => opts.tool_dirs = Some(Vec::new()),
            "--rps" => rps = Some(num("--rps") as u32),
            "--connections" => conns = Some(num("--connections") as u32),
            "--ffmpeg" => opts.use_ffmpeg = true,
            "--ffmpeg-pipe" => {
                opts.use_ffmpeg = true;
                opts.remux_in_process = false;
            }
            "--ffprobe" => opts.verify = VerifyMode::Always,
            "--quiet" => quiet = true,
            _ => positional.push(a),
        }
    }
    let [url, out] = <[String; 2]>::try_from(positional).unwrap_or_else(|_| {
        eprintln!("usage: fetch [--hls] [--concurrency N] ... <url> <out-file>");
        std::process::exit(2)
    });
    if defaults {
        let d = FetchOptions::default();
        opts.use_ffmpeg = d.use_ffmpeg;
        opts.remux_in_process &= d.remux_in_process;
        opts.verify = d.verify;
    }
    let config = DownloadConfig::default();
    let (rps_default, conns_default) = if defaults {
        (config.host_requests_per_second, config.host_max_connections)
    } else {
        (0, 0)
    };
    opts.budget = Arc::new(HostBudget::new(
        rps.unwrap_or(rps_default),
        conns.unwrap_or(conns_default),
    ));
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
                "bytes={} seconds={secs:.3} mib_per_s={:.1} remuxed={} peak_rss_kib={}",
                o.bytes,
                o.bytes as f64 / 1048576.0 / secs,
                o.remuxed,
                own_peak_rss_kib().map_or("?".to_string(), |k| k.to_string())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// This process's peak resident memory (`VmHWM` of /proc/self/status) in KiB.
fn own_peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
