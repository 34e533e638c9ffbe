//! HLS downloads: master -> best variant (and its audio rendition) -> media playlist -> segments
//! fetched in parallel within the host budget and written in order to `<final>.part`, with a
//! bounded reorder window, and a resume state file so a later call continues from the first
//! missing segment. When a remux runs (in process or ffmpeg), it reads the `.part` file as far
//! as it is written (see [`super::tail`]).
//!
//! Only complete playlists are fetched: a media playlist without `#EXT-X-ENDLIST` (and not of
//! type VOD) is a live stream and refused with [`DownloadError::LiveStream`].
//!
//! Memory: at most `segment_concurrency + 2` segment buffers exist; a fetcher needs a free buffer
//! before it claims the next segment, and the writer hands buffers back once written (a remux
//! holds none: it reads the file).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use aniworld_core::ports::CancelToken;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded, unbounded};
use m3u8_rs::{MediaPlaylist, Playlist};
use url::Url;

use super::http::Http;
use super::playlist::{MediaPlan, choose_audio, choose_variant, is_complete, join, plan_media};
use super::progress::ProgressMeter;
use super::remux::Sink;
use super::segment::{KeyCache, fetch_into, finish_segment, segment_iv};
use super::sniff::looks_like_html;
use super::state::{HlsState, state_path};
use super::writeback::Kicker;
use super::{DownloadError, FetchOptions};

/// Largest playlist accepted.
const MAX_PLAYLIST: u64 = 16 << 20;
/// How often the resume state is saved while segments are written.
const STATE_EVERY: Duration = Duration::from_secs(2);
/// The same while a remux runs: the `.part` data is then a second copy kept for the resume
/// only, and syncing it as often would double the data flushed to disk; ffmpeg's output is
/// handed to write-back every [`STATE_EVERY`] instead (see [`super::writeback`]).
const STATE_EVERY_REMUXING: Duration = Duration::from_secs(10);

/// What a finished HLS download produced.
pub(crate) struct HlsDone {
    /// Length of the `.part` file.
    pub bytes: u64,
    /// Playlist duration in seconds.
    pub duration: f64,
}

/// Fetches and parses a playlist; returns it with the URL it finally came from.
fn load_playlist(
    http: &Http,
    url: &Url,
    cancel: &CancelToken,
) -> Result<(Playlist, Url), DownloadError> {
    let (data, resp) = http.get_small(url, None, MAX_PLAYLIST, cancel)?;
    if resp.content_type.contains("html") || looks_like_html(&data) {
        return Err(DownloadError::NotMedia {
            url: url.to_string(),
            content_type: if resp.content_type.is_empty() {
                "text/html (sniffed)".into()
            } else {
                resp.content_type.clone()
            },
        });
    }
    let start = data.iter().position(|b| *b == b'#').unwrap_or(0);
    if !data[start..].starts_with(b"#EXTM3U") {
        return Err(DownloadError::Playlist {
            url: url.to_string(),
            what: "no #EXTM3U header".into(),
        });
    }
    let pl = super::playlist::parse(&data[start..]).map_err(|e| DownloadError::Playlist {
        url: url.to_string(),
        what: format!("unparsable: {e}"),
    })?;
    Ok((pl, resp.final_url))
}

/// An audio rendition that is a playlist of its own (not carried in the video's segments).
#[derive(Debug, Clone)]
pub(crate) struct SeparateAudio {
    /// Its media playlist.
    pub url: Url,
    /// `NAME` of the rendition.
    pub name: String,
    /// `LANGUAGE` of the rendition.
    pub language: Option<String>,
}

/// What to fetch for a stream: the video's media playlist and, when the audio is a rendition of
/// its own, where that is.
pub(crate) struct HlsPlan {
    /// The chosen variant's media playlist (or the media playlist given).
    pub video: MediaPlan,
    /// The audio rendition to mux in, when it is separate.
    pub audio: Option<SeparateAudio>,
}

/// Resolves `url` (master or media playlist) to the plan of the chosen media playlist and its
/// audio rendition (`languages`: preferred `LANGUAGE` codes, see [`choose_audio`]).
pub(crate) fn resolve(
    http: &Http,
    url: &Url,
    opts: &FetchOptions,
    languages: &[&str],
    cancel: &CancelToken,
) -> Result<HlsPlan, DownloadError> {
    let (pl, base) = load_playlist(http, url, cancel)?;
    match pl {
        Playlist::MediaPlaylist(m) => Ok(HlsPlan {
            video: plan_complete(&m, &base)?,
            audio: None,
        }),
        Playlist::MasterPlaylist(master) => {
            let variant = choose_variant(&master, opts.max_resolution).ok_or_else(|| {
                DownloadError::Playlist {
                    url: url.to_string(),
                    what: "master playlist without a usable variant".into(),
                }
            })?;
            let variant_url = join(&base, &variant.uri, "variant")?;
            let audio = match choose_audio(&master, variant, languages) {
                Some(a) => match a.uri.as_deref() {
                    Some(uri) => Some(SeparateAudio {
                        url: join(&base, uri, "audio rendition")?,
                        name: a.name.clone(),
                        language: a.language.clone(),
                    }),
                    // the preferred audio is muxed into the variant's own segments
                    None => None,
                },
                None => None,
            };
            log::debug!("HLS variant {variant_url} ({:?})", variant.resolution);
            let video = load_media(http, &variant_url, cancel)?;
            Ok(HlsPlan { video, audio })
        }
    }
}

/// Loads and plans a media playlist (a variant or an audio rendition).
pub(crate) fn load_media(
    http: &Http,
    url: &Url,
    cancel: &CancelToken,
) -> Result<MediaPlan, DownloadError> {
    match load_playlist(http, url, cancel)? {
        (Playlist::MediaPlaylist(m), base) => plan_complete(&m, &base),
        (Playlist::MasterPlaylist(_), _) => Err(DownloadError::Playlist {
            url: url.to_string(),
            what: "expected a media playlist, got another master playlist".into(),
        }),
    }
}

/// The plan of a complete media playlist with at least one segment.
fn plan_complete(media: &MediaPlaylist, base: &Url) -> Result<MediaPlan, DownloadError> {
    if !is_complete(media) {
        return Err(DownloadError::LiveStream {
            url: base.to_string(),
        });
    }
    let plan = plan_media(media, base)?;
    if plan.segments.is_empty() {
        return Err(DownloadError::Playlist {
            url: base.to_string(),
            what: "no segments".into(),
        });
    }
    Ok(plan)
}

/// Shared by the segment fetcher threads.
struct Fetchers {
    http: Arc<Http>,
    plan: Arc<MediaPlan>,
    keys: KeyCache,
    next: AtomicUsize,
    stop: CancelToken,
    retries: u32,
    backoff: Duration,
}

type SegmentResult = (usize, Result<Vec<u8>, DownloadError>);

impl Fetchers {
    fn run(&self, free: &Receiver<Vec<u8>>, done: &Sender<SegmentResult>) {
        loop {
            let mut buf = loop {
                if self.stop.is_cancelled() {
                    return;
                }
                match free.recv_timeout(Duration::from_millis(100)) {
                    Ok(b) => break b,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            let i = self.next.fetch_add(1, Ordering::SeqCst);
            if i >= self.plan.segments.len() {
                return;
            }
            let result = self.fetch(i, &mut buf).map(|()| buf);
            let failed = result.is_err();
            if done.send((i, result)).is_err() || failed {
                return;
            }
        }
    }

    fn fetch(&self, i: usize, buf: &mut Vec<u8>) -> Result<(), DownloadError> {
        let seg = &self.plan.segments[i];
        let key = match &seg.key {
            Some(k) => Some((
                self.keys
                    .get(&self.http, &k.uri, (self.retries, self.backoff), &self.stop)?,
                segment_iv(k, seg.sequence),
            )),
            None => None,
        };
        fetch_into(
            &self.http,
            &seg.uri,
            seg.range,
            buf,
            self.retries,
            self.backoff,
            &self.stop,
        )?;
        finish_segment(buf, key.as_ref().map(|(k, iv)| (k, *iv)), &seg.uri)
    }
}

/// Fetches every init section of the plan (decrypted when its key carries an IV).
fn fetch_maps(
    http: &Http,
    plan: &MediaPlan,
    keys: &KeyCache,
    opts: &FetchOptions,
    cancel: &CancelToken,
) -> Result<Vec<Vec<u8>>, DownloadError> {
    plan.maps
        .iter()
        .map(|m| {
            let mut buf = Vec::new();
            fetch_into(
                http,
                &m.uri,
                m.range,
                &mut buf,
                opts.segment_retries,
                opts.retry_backoff,
                cancel,
            )?;
            let key = match &m.key {
                Some(k) => Some((
                    keys.get(
                        http,
                        &k.uri,
                        (opts.segment_retries, opts.retry_backoff),
                        cancel,
                    )?,
                    segment_iv(k, 0),
                )),
                None => None,
            };
            finish_segment(&mut buf, key.as_ref().map(|(k, iv)| (k, *iv)), &m.uri)?;
            Ok(buf)
        })
        .collect()
}

/// Opens `part` for the resumed download: keeps the segments the state file vouches for, drops
/// anything after them; returns the file, the first segment to fetch and the bytes kept.
fn open_resumed(part: &Path, total: usize) -> Result<(File, usize, u64), DownloadError> {
    let io = |e: std::io::Error| DownloadError::from_io(&e, part);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(part)
        .map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let (start, bytes) = match HlsState::load(&state_path(part)) {
        Some(s) if s.segments_total == total && s.segments_done <= total && s.bytes <= len => {
            (s.segments_done, s.bytes)
        }
        _ => (0, 0),
    };
    // Only when there is something to drop: ext4 takes a truncation (even to the same length)
    // as "the file is being replaced" and then writes all of it back when it is closed, which
    // cost a quarter of a second per episode and a needless write of the `.part` copy.
    if len != bytes {
        file.set_len(bytes).map_err(io)?;
    }
    if start > 0 {
        log::info!("resuming {} at segment {start} of {total}", part.display());
    }
    Ok((file, start, bytes))
}

/// Downloads the segments of `plan` into `part`, telling `remux` (when given) how far `part` is
/// written, starting with what an earlier call left in it.
pub(crate) fn fetch_plan(
    http: Arc<Http>,
    plan: MediaPlan,
    part: &Path,
    opts: &FetchOptions,
    meter: &mut ProgressMeter<'_>,
    cancel: &CancelToken,
    mut remux: Option<&mut Sink>,
) -> Result<HlsDone, DownloadError> {
    let plan = Arc::new(plan);
    let url = plan.url.clone();
    let total = plan.segments.len();
    let keys = KeyCache::default();
    let maps = fetch_maps(&http, &plan, &keys, opts, cancel)?;
    let (mut file, start, mut bytes) = open_resumed(part, total)?;
    let state_file = state_path(part);
    let io = |e: std::io::Error| DownloadError::from_io(&e, part);
    file.seek(SeekFrom::Start(bytes)).map_err(io)?;
    if let Some(r) = remux.as_deref_mut() {
        // what an earlier, interrupted call wrote
        r.written(bytes);
    }

    let workers = opts
        .segment_concurrency
        .clamp(1, 64)
        .min(total - start.min(total));
    // A buffer goes back to the fetchers once written: the remux reads the `.part` file
    // (see `super::tail`), so it holds none of them.
    let window = workers + 2;
    let stop = CancelToken::new();
    let (free_tx, free_rx) = bounded::<Vec<u8>>(window);
    let (done_tx, done_rx) = unbounded::<SegmentResult>();
    for _ in 0..window {
        let _ = free_tx.send(Vec::new());
    }
    let fetchers = Arc::new(Fetchers {
        http,
        plan: plan.clone(),
        keys,
        next: AtomicUsize::new(start),
        stop: stop.clone(),
        retries: opts.segment_retries,
        backoff: opts.retry_backoff,
    });
    for n in 0..workers {
        let (f, free, done) = (fetchers.clone(), free_rx.clone(), done_tx.clone());
        let spawned = thread::Builder::new()
            .name(format!("hls-seg-{n}"))
            .spawn(move || f.run(&free, &done));
        if let Err(e) = spawned {
            stop.cancel();
            return Err(DownloadError::Io {
                path: part.to_path_buf(),
                msg: format!("cannot start a segment fetcher: {e}"),
            });
        }
    }
    drop(done_tx);

    let mut next = start;
    let mut pending: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    // Without a remux the `.part` data is the result: its write-back starts as it is written.
    // With one it is only the resume copy, deleted at the end, and best never written at all.
    let mut kicker = remux.is_none().then(|| Kicker::new(bytes));
    let mut last_save = Instant::now();
    let mut last_sync = Instant::now();
    let save = |file: &File, done: usize, bytes: u64| -> Result<(), DownloadError> {
        file.sync_data()
            .map_err(|e| DownloadError::from_io(&e, part))?;
        HlsState {
            segments_total: total,
            segments_done: done,
            bytes,
        }
        .save(&state_file)
    };
    let result = loop {
        if next == total {
            break Ok(());
        }
        if cancel.is_cancelled() {
            break Err(DownloadError::Cancelled);
        }
        match done_rx.recv_timeout(Duration::from_millis(100)) {
            Ok((i, Ok(buf))) => {
                pending.insert(i, buf);
            }
            Ok((_, Err(e))) => break Err(e),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                break Err(DownloadError::Network {
                    url: url.to_string(),
                    msg: "segment fetchers stopped early".into(),
                });
            }
        }
        let mut write_err = None;
        while let Some(buf) = pending.remove(&next) {
            let seg = &plan.segments[next];
            let prev_map = next.checked_sub(1).and_then(|p| plan.segments[p].map);
            let written = (|| {
                if let Some(m) = seg.map.filter(|m| Some(*m) != prev_map) {
                    file.write_all(&maps[m])?;
                    bytes += maps[m].len() as u64;
                }
                file.write_all(&buf)
            })();
            if let Err(e) = written {
                write_err = Some(DownloadError::from_io(&e, part));
                break;
            }
            bytes += buf.len() as u64;
            next += 1;
            if let Some(k) = &mut kicker {
                k.wrote(&file, bytes);
            }
            let _ = free_tx.send(buf);
            if let Some(r) = remux.as_deref_mut() {
                r.written(bytes);
            }
            let estimate = bytes / (next as u64) * total as u64;
            meter.update(bytes, Some(estimate.max(bytes)));
        }
        if let Some(e) = write_err {
            break Err(e);
        }
        match remux.as_deref() {
            None if last_save.elapsed() >= STATE_EVERY => {
                if let Err(e) = save(&file, next, bytes) {
                    break Err(e);
                }
                last_save = Instant::now();
            }
            Some(r) if last_sync.elapsed() >= STATE_EVERY => {
                r.start_writeback();
                last_sync = Instant::now();
                if last_save.elapsed() >= STATE_EVERY_REMUXING {
                    if let Err(e) = save(&file, next, bytes) {
                        break Err(e);
                    }
                    last_save = Instant::now();
                }
            }
            _ => {}
        }
    };
    stop.cancel();
    match result {
        Ok(()) => {
            // With a remux the `.part` data is only the resume aid: the MP4 is what gets synced
            // (and the `.part` when the remux fails). The state then still names the segments
            // synced last, so an interruption resumes from there.
            if remux.is_none() {
                file.sync_all().map_err(io)?;
                // Kept until the final rename, so an interruption in between resumes at the end.
                save(&file, next, bytes)?;
            }
            meter.finish(bytes, Some(bytes));
            Ok(HlsDone {
                bytes,
                duration: plan.duration,
            })
        }
        Err(e) => {
            // Persist what was written so a later call resumes from the first missing segment;
            // a failure to do so only costs the resume.
            if let Err(se) = save(&file, next, bytes) {
                log::warn!(
                    "could not save the resume state of {}: {se}",
                    part.display()
                );
            }
            Err(e)
        }
    }
}
