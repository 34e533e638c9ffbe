//! Stream downloaders: turn a [`MediaSource`] (a direct file or an HLS stream) into a complete,
//! verified file at its final path.
//!
//! [`fetch_media`] writes `<final>.part` and gives the file its final name only when it is
//! complete and verified. Direct files resume with HTTP `Range`; HLS streams fetch segments in
//! parallel (within the shared [`HostBudget`]), decrypt AES-128, write them in order and keep
//! `<final>.part.state` so a later call resumes from the first missing segment. An HLS stream is
//! remuxed into MP4 without re-encoding while it downloads (the segments go to the remux as they
//! are written, so there is no second pass over the file): MPEG-TS with H.264 and AAC-LC in
//! process (`remux.rs`, no ffmpeg needed), anything else by `ffmpeg` through a pipe when it is on
//! the PATH, which also muxes in an audio rendition that is a playlist of its own (fetched
//! first). When neither applies (or the in-process remux refuses the stream and there is no
//! ffmpeg) the MPEG-TS data is kept (video only when the audio was separate, with a warning). Live playlists are refused. The result is then checked with `ffprobe` as [`FetchOptions::verify`]
//! (`download.verify`) says: it must be a readable container with a plausible duration. With
//! [`VerifyMode::Always`] and no `ffprobe`, the download fails before anything is fetched.
//!
//! After a cancellation or a failure the `.part` file (and the HLS state file) stay on disk so
//! that the next call resumes; a file that fails verification is deleted instead. No final-named
//! file exists unless the download succeeded.

mod budget;
mod direct;
mod error;
mod finish;
mod hls;
mod http;
mod playlist;
mod progress;
mod remux;
mod retry;
mod segment;
mod sniff;
mod state;
mod tail;
mod writeback;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aniworld_core::Language;
use aniworld_core::config::DownloadConfig;
use aniworld_core::ports::{CancelToken, MediaKind, MediaSource};
use url::Url;

pub use aniworld_core::config::VerifyMode;
pub use budget::{HostBudget, HostPermit};
pub use error::DownloadError;
pub use progress::ProgressUpdate;

/// Whether `name` is the temporary file of an HLS resume-state write of older versions
/// (`<final>.part.state.tmp`); one found when no download runs was left by an interrupted write
/// and can be deleted (the state file itself is kept: it says how much of the `.part` is done).
/// The resume state is now written by `aniworld_core::files::write_atomic`, whose temporaries
/// `aniworld_core::files::is_atomic_temp_name` recognises.
pub fn is_legacy_temp_file_name(name: &str) -> bool {
    name.strip_suffix(".tmp")
        .is_some_and(|stem| stem.len() > ".part.state".len() && stem.ends_with(".part.state"))
}

/// How a download behaves.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// HLS segments fetched in parallel (at least 1).
    pub segment_concurrency: usize,
    /// Highest HLS variant height to choose; None = the best.
    pub max_resolution: Option<u32>,
    /// Per-host request budget, shared by every download of the process.
    pub budget: Arc<HostBudget>,
    /// Remux HLS results into MP4: in process when the stream allows it (see
    /// [`FetchOptions::remux_in_process`]), else with `ffmpeg` when it is on the PATH. Off: the
    /// MPEG-TS data is kept.
    pub use_ffmpeg: bool,
    /// Remux MPEG-TS streams of H.264 and AAC-LC in process (no ffmpeg needed, about half its
    /// CPU time), falling back to ffmpeg (or the MPEG-TS data) for anything else. Off: always
    /// the ffmpeg pipe. Only matters with [`FetchOptions::use_ffmpeg`].
    pub remux_in_process: bool,
    /// When to check the result with `ffprobe` (`download.verify`).
    pub verify: VerifyMode,
    /// Folders searched for `ffmpeg` and `ffprobe` instead of the `PATH` (None: the `PATH`; an
    /// empty list: neither is installed). For tests and embedders with their own tool folder.
    pub tool_dirs: Option<Vec<PathBuf>>,
    /// Timeout for connecting, for the response head and for each read.
    pub timeout: Duration,
    /// Retries of one segment (HLS) or of the transfer after a broken connection (direct; the
    /// count starts afresh whenever bytes arrived).
    pub segment_retries: u32,
    /// First wait before a retry; doubles with each retry of the same resource (capped at 8 s).
    pub retry_backoff: Duration,
}

impl Default for FetchOptions {
    /// 8 segments in parallel, best variant, a budget of its own (the `download` defaults: 300
    /// requests/s and 16 connections per host), ffmpeg and ffprobe when on the PATH, 30 s
    /// timeout, 5 retries.
    fn default() -> Self {
        Self {
            segment_concurrency: 8,
            max_resolution: None,
            budget: Arc::new(HostBudget::from_config(&DownloadConfig::default())),
            use_ffmpeg: true,
            remux_in_process: true,
            verify: VerifyMode::Auto,
            tool_dirs: None,
            timeout: Duration::from_secs(30),
            segment_retries: 5,
            retry_backoff: Duration::from_millis(500),
        }
    }
}

impl FetchOptions {
    /// Options from the download settings, with the process-wide `budget`.
    pub fn from_config(config: &DownloadConfig, budget: Arc<HostBudget>) -> Self {
        Self {
            segment_concurrency: usize::try_from(config.segment_concurrency.max(1)).unwrap_or(8),
            max_resolution: config.max_resolution,
            budget,
            verify: config.verify,
            ..Self::default()
        }
    }
}

impl HostBudget {
    /// The budget the download settings ask for.
    pub fn from_config(config: &DownloadConfig) -> Self {
        Self::new(config.host_requests_per_second, config.host_max_connections)
    }
}

/// What a successful download produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOutcome {
    /// The final path (as given).
    pub path: PathBuf,
    /// Size of the final file in bytes.
    pub bytes: u64,
    /// Whether an HLS stream was remuxed into MP4, in process or by ffmpeg (false: MPEG-TS data
    /// or a direct file).
    pub remuxed: bool,
    /// Whether the stream's audio was a separate rendition that could not be muxed in (no
    /// ffmpeg, or ffmpeg failed): the file holds the video only.
    pub video_only: bool,
}

/// Downloads `source` to `final_path`, reporting progress at most four times a second and
/// stopping within about a second after `cancel` fires.
///
/// The folder of `final_path` (the season folder) is created when missing, but its parent (the
/// series folder) must exist, else [`DownloadError::TargetMissing`].
pub fn fetch_media(
    source: &MediaSource,
    final_path: &Path,
    opts: &FetchOptions,
    on_progress: &(dyn Fn(&ProgressUpdate) + Sync),
    cancel: &CancelToken,
) -> Result<FetchOutcome, DownloadError> {
    let url = Url::parse(source.url.trim()).map_err(|e| DownloadError::Network {
        url: source.url.clone(),
        msg: format!("invalid URL: {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DownloadError::Unsupported {
            what: format!("URL scheme {}", url.scheme()),
        });
    }
    let tools = finish::Tools::find(opts.tool_dirs.as_deref());
    tools.check(opts.verify)?;
    finish::prepare_target(final_path)?;
    let part = finish::part_path(final_path);
    let http = Arc::new(http::Http::new(&source.headers, opts));
    let start_bytes = fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let mut meter = progress::ProgressMeter::new(on_progress, start_bytes);
    match source.kind {
        MediaKind::Direct => {
            let bytes = direct::fetch_direct(&http, &url, &part, opts, &mut meter, cancel)?;
            check_or_discard(opts.verify, &tools, &part, None, &[])?;
            finish::commit(&part, final_path)?;
            Ok(FetchOutcome {
                path: final_path.to_path_buf(),
                bytes,
                remuxed: false,
                video_only: false,
            })
        }
        MediaKind::Hls => fetch_hls(
            source, &url, http, final_path, opts, &tools, &mut meter, cancel,
        ),
    }
}

/// The `LANGUAGE` codes of the audio a catalogue language stands for (RFC 5646 primary tags
/// and the ISO 639-2 codes hosters also use).
fn audio_languages(language: Language) -> &'static [&'static str] {
    match language {
        Language::GermanDub => &["de", "deu", "ger"],
        Language::EnglishDub => &["en", "eng"],
        Language::GermanSub | Language::EnglishSub => &["ja", "jpn"],
    }
}

/// The HLS branch of [`fetch_media`]: plan, separate audio, segments (fed to the remux while
/// they are written), verification and the final rename.
#[allow(clippy::too_many_arguments)]
fn fetch_hls(
    source: &MediaSource,
    url: &Url,
    http: Arc<http::Http>,
    final_path: &Path,
    opts: &FetchOptions,
    tools: &finish::Tools,
    meter: &mut progress::ProgressMeter<'_>,
    cancel: &CancelToken,
) -> Result<FetchOutcome, DownloadError> {
    let part = finish::part_path(final_path);
    let plan = hls::resolve(&http, url, opts, audio_languages(source.language), cancel)?;
    let ffmpeg = if opts.use_ffmpeg {
        tools.ffmpeg.clone()
    } else {
        None
    };
    // The in-process remux takes one MPEG-TS input: not for a separate audio rendition that
    // ffmpeg can mux in, nor for fragmented MP4 segments.
    let in_process = opts.use_ffmpeg
        && opts.remux_in_process
        && plan.video.maps.is_empty()
        && (plan.audio.is_none() || ffmpeg.is_none());
    if opts.use_ffmpeg && ffmpeg.is_none() {
        log::info!(
            "ffmpeg is not on the PATH: {} keeps the MPEG-TS data{}",
            final_path.display(),
            if in_process {
                " unless the stream is H.264 and AAC (remuxed in process)"
            } else {
                ""
            }
        );
    }
    let audio_part = finish::with_suffix(final_path, ".audio.part");
    let mut video_only = false;
    let audio = match (&plan.audio, &ffmpeg) {
        (Some(a), Some(_)) => {
            log::info!(
                "{}: fetching the separate audio rendition {:?} ({})",
                final_path.display(),
                a.name,
                a.language.as_deref().unwrap_or("no language")
            );
            let audio_plan = hls::load_media(&http, &a.url, cancel)?;
            let quiet = |_: &ProgressUpdate| {};
            let start = fs::metadata(&audio_part).map(|m| m.len()).unwrap_or(0);
            let mut audio_meter = progress::ProgressMeter::new(&quiet, start);
            hls::fetch_plan(
                http.clone(),
                audio_plan,
                &audio_part,
                opts,
                &mut audio_meter,
                cancel,
                None,
            )?;
            Some(audio_part.clone())
        }
        (Some(a), None) => {
            log::warn!(
                "{}: the audio of this stream is a separate rendition ({:?}); without ffmpeg it \
                 cannot be muxed in, so the file holds the video only. Install ffmpeg to get the \
                 audio.",
                final_path.display(),
                a.name
            );
            video_only = true;
            None
        }
        (None, _) => None,
    };
    let remux_path = finish::with_suffix(final_path, ".remux.part");
    let mut remux = if in_process {
        match remux::Sink::in_process(&part, &remux_path, ffmpeg.clone()) {
            Ok(r) => Some(r),
            Err(e) => {
                log::warn!("cannot start the remux of {}: {e}", final_path.display());
                None
            }
        }
    } else {
        None
    };
    if remux.is_none()
        && let Some(f) = &ffmpeg
    {
        remux = match finish::Remux::spawn(f, &part, &remux_path, audio.as_deref()) {
            Ok(r) => Some(remux::Sink::Ffmpeg(r)),
            Err(e) => {
                log::warn!("cannot start ffmpeg for {}: {e}", final_path.display());
                None
            }
        };
    }
    let fetched = hls::fetch_plan(http, plan.video, &part, opts, meter, cancel, remux.as_mut());
    let done = match fetched {
        Ok(d) => d,
        Err(e) => {
            if let Some(r) = remux {
                r.abort();
            }
            return Err(e);
        }
    };
    let state = state::state_path(&part);
    let audio_state = state::state_path(&audio_part);
    let expected = (done.duration > 0.0).then_some(done.duration);
    let remuxing = remux.is_some();
    let remuxed = match remux {
        Some(r) => r.finish(cancel)?,
        None => false,
    };
    let (bytes, video_only) = if remuxed {
        // The MP4 is synced, and the `.part` copy (deleted whatever the check says) removed,
        // while ffprobe reads the file: the three waited for each other before.
        let (checked, synced) = std::thread::scope(|s| {
            let sync = s.spawn(|| {
                let synced = finish::sync_file(&remux_path);
                let _ = fs::remove_file(&part);
                synced
            });
            let checked = check_or_discard(
                opts.verify,
                tools,
                &remux_path,
                expected,
                &[&part, &state, &audio_part, &audio_state],
            );
            (checked, sync.join())
        });
        checked?;
        synced.unwrap_or_else(|_| {
            Err(DownloadError::Io {
                path: remux_path.clone(),
                msg: "the sync of the remuxed file stopped".into(),
            })
        })?;
        let bytes = fs::metadata(&remux_path).map(|m| m.len()).unwrap_or(0);
        finish::commit(&remux_path, final_path)?;
        (bytes, video_only)
    } else {
        if remuxing {
            log::warn!(
                "{} could not be remuxed: keeping the MPEG-TS data{}",
                final_path.display(),
                if audio.is_some() {
                    " (video only: the separate audio is not in it)"
                } else {
                    ""
                }
            );
        }
        if remuxing {
            // the `.part` data was not synced at its end while ffmpeg was to make the result
            finish::sync_file(&part)?;
        }
        check_or_discard(opts.verify, tools, &part, expected, &[&state])?;
        finish::commit(&part, final_path)?;
        (done.bytes, video_only || audio.is_some())
    };
    let _ = fs::remove_file(&state);
    let _ = fs::remove_file(&audio_part);
    let _ = fs::remove_file(&audio_state);
    Ok(FetchOutcome {
        path: final_path.to_path_buf(),
        bytes,
        remuxed,
        video_only,
    })
}

/// Verifies `file` with ffprobe as `mode` says; on failure deletes it and `also`.
fn check_or_discard(
    mode: VerifyMode,
    tools: &finish::Tools,
    file: &Path,
    expected: Option<f64>,
    also: &[&Path],
) -> Result<(), DownloadError> {
    finish::verify_container(mode, tools, file, expected).inspect_err(|e| {
        log::warn!("discarding {}: {e}", file.display());
        let _ = fs::remove_file(file);
        for p in also {
            let _ = fs::remove_file(p);
        }
    })
}
