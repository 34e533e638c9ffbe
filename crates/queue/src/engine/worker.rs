//! One worker thread: wait for a due item, download it, record the outcome.
//!
//! Outcome rules: success marks the item completed and the episode downloaded; a retryable
//! failure with retries left puts it back to pending after `retry_backoff_seconds * 2^n`;
//! anything else fails it with a human-readable error. An item deleted while it ran leaves
//! neither its final file nor its `.part` data behind; an item interrupted by shutdown goes back
//! to pending and keeps its `.part` data.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aniworld_core::naming::{
    episode_file_name, episode_marker, episode_relative_path, season_dir_name,
};
use aniworld_core::ports::{CancelToken, ResolveAttempt, SourceErrorKind, WaitInfo};
use aniworld_core::{DownloadItem, DownloadStatus, Language, Progress};
use chrono::Utc;

use super::Inner;
use super::fetcher::{FetchFailure, FetchJob, FetchProgress};
use super::progress::{PROGRESS_INTERVAL, ProgressTracker};
use super::state::{ActiveJob, MIB, State};
use super::types::{EngineConfig, QueueEvent};

/// What a download leaves beside its final file while it runs: the data, the HLS resume
/// state, the remux output and a separate audio rendition with its resume state. The longest
/// sets how long a series folder name may be (`validate_add`).
pub(super) const PARTIAL_SUFFIXES: [&str; 5] = [
    ".part",
    ".part.state",
    ".remux.part",
    ".audio.part",
    ".audio.part.state",
];

/// Longest a worker sleeps without looking at the queue again.
const MAX_IDLE: Duration = Duration::from_secs(5);

/// The item a worker took, with what it needs to download it.
struct Job {
    item: DownloadItem,
    cancel: CancelToken,
    cfg: EngineConfig,
}

/// A finished download.
struct Done {
    bytes: u64,
    final_path: PathBuf,
    source_url: String,
    /// The language of the stream the file came from.
    language: Language,
    /// The language of the file the service had written before, which this one replaced (an
    /// upgrade); None when there was none.
    replaced: Option<Language>,
}

/// Why an attempt failed, and where its file would have been.
struct Failure {
    failure: FetchFailure,
    final_path: Option<PathBuf>,
    /// Set when the site put a verification wall up: the item waits, using no retry.
    wait: Option<WaitInfo>,
}

impl Failure {
    fn new(message: String, retryable: bool) -> Self {
        Self {
            failure: FetchFailure { message, retryable },
            final_path: None,
            wait: None,
        }
    }
}

/// The worker loop; returns when the engine shuts down or has more workers than it needs.
pub(super) fn run(inner: &Inner) {
    while let Some(job) = next_job(inner) {
        let result = download(inner, &job);
        finish(inner, &job, result);
    }
}

/// Waits for a due item, marks it downloading (saved, then announced) and returns it.
fn next_job(inner: &Inner) -> Option<Job> {
    let mut st = inner.lock();
    loop {
        if st.shutdown || st.workers_alive > st.max_concurrent() {
            st.workers_alive -= 1;
            return None;
        }
        let now = Utc::now();
        st.apply_waiting_folder();
        let can_take = st.running
            && st.cfg.anime_dir.is_some()
            && st.next_anime_dir.is_none()
            && st.active.len() < st.max_concurrent();
        let mut idle = MAX_IDLE;
        if let Some(id) = can_take.then(|| st.next_due(now)).flatten() {
            let mut item = st.items[&id].clone();
            item.status = DownloadStatus::Downloading;
            item.started_at = Some(now);
            item.not_before = None;
            item.waiting = None;
            item.progress = Some(Progress::default());
            match inner.deps.repo.save_item(&item) {
                Ok(()) => {
                    let cancel = CancelToken::new();
                    let target = (item.series_folder.clone(), item.episode.id());
                    let job = ActiveJob {
                        cancel: cancel.clone(),
                        target,
                    };
                    st.active.insert(id, job);
                    st.items.insert(id, item.clone());
                    inner.push(QueueEvent::Status(st.summary()));
                    let cfg = st.cfg.clone();
                    drop(st);
                    inner.deliver();
                    return Some(Job { item, cancel, cfg });
                }
                Err(e) => {
                    log::error!("cannot mark queue item {id} as downloading: {e}");
                    idle = Duration::from_secs(1);
                }
            }
        } else if let Some(t) = st.earliest_backoff(now).filter(|_| can_take) {
            let wait = (t - now).to_std().unwrap_or(Duration::ZERO);
            idle = idle.min(wait + Duration::from_millis(5));
        }
        st = inner
            .wake
            .wait_timeout(st, idle)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

/// Resolves and fetches the item of `job`.
fn download(inner: &Inner, job: &Job) -> Result<Done, Failure> {
    let item = &job.item;
    let id = item.episode.id();
    let marker = episode_marker(id);
    let anime_dir = job
        .cfg
        .anime_dir
        .as_deref()
        .ok_or_else(|| Failure::new("no anime directory is configured".into(), false))?;
    if !anime_dir.is_dir() {
        return Err(Failure::new(
            format!(
                "the anime directory {} does not exist or is not a folder",
                anime_dir.display()
            ),
            false,
        ));
    }
    let final_path = anime_dir.join(episode_relative_path(&item.series_folder, id));
    let d = &job.cfg.download;
    // The episode as the library knows it: a file the service wrote is being upgraded.
    let previous = inner
        .deps
        .series
        .list_episodes(&item.series_id)
        .ok()
        .and_then(|episodes| episodes.into_iter().find(|e| e.id == id));
    // The series' accepted languages (its own list, else the global order), best first; for
    // an upgrade of a file the service wrote, only the better ones.
    let languages = match inner.deps.series.get_series(&item.series_id) {
        Ok(Some(serie)) => {
            let profile = serie.monitoring.effective(&d.language_preference);
            let record = previous.as_ref();
            aniworld_core::wanted::languages_to_try(&profile, record)
        }
        _ => d.language_preference.clone(),
    };
    let (source, attempts) = inner
        .deps
        .resolver
        .resolve(
            &item.series_id,
            id,
            &languages,
            &d.hoster_preference,
            &job.cancel,
        )
        .map_err(|(e, attempts)| {
            if e.kind == SourceErrorKind::VerificationRequired
                && let Some(wait) = e.wait.clone()
            {
                let mut f = Failure::new(format!("waiting for {marker}: {e}"), true);
                f.wait = Some(wait);
                return f;
            }
            let retryable = !matches!(
                e.kind,
                SourceErrorKind::NotFound | SourceErrorKind::Cancelled
            );
            let message = format!(
                "no stream found for {marker}: {e}{}",
                tried_unless_listed(&e.message, &attempts)
            );
            Failure::new(message, retryable)
        })?;
    if !attempts.is_empty() {
        log::info!(
            "{} {marker}: took {}{}",
            item.series_id,
            source.hoster,
            tried(&attempts)
        );
    }
    inner.set_source_url(item.id, &source.url);
    let series_dir = anime_dir.join(&item.series_folder);
    if !series_dir.is_dir() {
        std::fs::create_dir(&series_dir).map_err(|e| {
            let shown = series_dir.display();
            Failure::new(
                format!("cannot create the series folder {shown}: {e}"),
                false,
            )
        })?;
    }
    let tracker = Mutex::new(ProgressTracker::new(PROGRESS_INTERVAL));
    let on_progress = |p: FetchProgress| {
        let update = tracker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .update(p, Instant::now());
        if let Some(progress) = update {
            inner.report_progress(item.id, progress);
        }
    };
    let fetch = FetchJob {
        source: &source,
        final_path: &final_path,
        config: d,
        cancel: &job.cancel,
    };
    match inner.deps.fetcher.fetch(&fetch, &on_progress) {
        Ok(bytes) => Ok(Done {
            bytes,
            final_path,
            source_url: source.url.clone(),
            language: source.language,
            replaced: previous
                .filter(|e| e.is_downloaded)
                .and_then(|e| e.language)
                .filter(|l| *l != source.language),
        }),
        Err(failure) => Err(Failure {
            failure,
            final_path: Some(final_path),
            wait: None,
        }),
    }
}

/// ` (tried VOE German Dub: reason; ...)` or nothing.
fn tried(attempts: &[ResolveAttempt]) -> String {
    if attempts.is_empty() {
        return String::new();
    }
    let list: Vec<String> = attempts
        .iter()
        .map(|a| format!("{} {}: {}", a.hoster, a.language, a.error))
        .collect();
    format!(" (tried {})", list.join("; "))
}

/// [`tried`], unless `message` already names every attempt's error (the resolver's own summary
/// of the hosters it went through), so the user does not read each reason twice.
fn tried_unless_listed(message: &str, attempts: &[ResolveAttempt]) -> String {
    if attempts.iter().all(|a| message.contains(&a.error)) {
        String::new()
    } else {
        tried(attempts)
    }
}

/// Records the outcome of a job: saved first, then announced.
fn finish(inner: &Inner, job: &Job, result: Result<Done, Failure>) {
    let id = job.item.id;
    let mut st = inner.lock();
    if !st.items.contains_key(&id) {
        // Deleted while it ran: what it wrote goes before the job stops counting as active, so
        // whoever waits for it (removing a series with its files) finds the files gone.
        drop(st);
        let final_path = match &result {
            Ok(done) => Some(done.final_path.clone()),
            Err(f) => f.final_path.clone(),
        };
        if let Some(path) = final_path {
            discard_files(&path, result.is_ok());
        }
        st = inner.lock();
    }
    st.active.remove(&id);
    if st.apply_waiting_folder() {
        log::info!("running downloads done; the new anime folder is in force");
    }
    inner.wake.notify_all();
    let Some(current) = st.items.get(&id).cloned() else {
        return;
    };
    let mut item = current;
    item.progress = None;
    match result {
        Err(_) if st.shutdown => {
            item.status = DownloadStatus::Pending;
            if let Err(e) = inner.deps.repo.save_item(&item) {
                log::error!("cannot put interrupted queue item {id} back to pending: {e}");
            }
            st.items.insert(id, item);
            return;
        }
        Ok(done) => {
            let ep = item.episode.id();
            let rel = format!(
                "{}/{}",
                season_dir_name(ep.season),
                episode_file_name(&item.series_folder, ep)
            );
            let marked =
                inner
                    .deps
                    .series
                    .mark_downloaded(&item.series_id, ep, &rel, Some(done.language));
            if let Err(e) = marked {
                log::warn!("cannot mark {} {rel} as downloaded: {e}", item.series_id);
            }
            let now = Utc::now();
            let secs = item
                .started_at
                .map(|s| (now - s).num_milliseconds().max(1) as f64 / 1000.0);
            let mb = done.bytes as f64 / MIB;
            item.status = DownloadStatus::Completed;
            item.completed_at = Some(now);
            item.downloaded_bytes = done.bytes;
            item.error = None;
            item.source_url = Some(done.source_url);
            item.progress = Some(Progress {
                percent: 100.0,
                downloaded_mb: mb,
                total_mb: Some(mb),
                speed_mbps: secs.map_or(0.0, |s| mb / s),
                eta_seconds: Some(0),
            });
            log::info!(
                "{} {} downloaded ({} bytes)",
                item.series_id,
                episode_marker(ep),
                done.bytes
            );
            let upgraded = done.replaced.map(|from| {
                log::info!(
                    "{} {}: {from} replaced by {}",
                    item.series_id,
                    episode_marker(ep),
                    done.language
                );
                QueueEvent::Upgraded {
                    item: item.clone(),
                    from,
                    to: done.language,
                }
            });
            // Announced before the completion, so listeners can tell an upgrade's completion
            // from a first download.
            if let Some(event) = upgraded {
                inner.push(event);
            }
            commit(inner, &mut st, item, Some(QueueEvent::Completed));
        }
        Err(Failure {
            wait: Some(wait),
            failure,
            ..
        }) => {
            // A verification wall: the item waits for its site and keeps its retries.
            item.status = DownloadStatus::Pending;
            item.not_before = Some(wait.until);
            item.error = Some(failure.message.clone());
            log::info!(
                "queue item {id} waits for {} until {}: {}",
                wait.site,
                wait.until.to_rfc3339(),
                failure.message
            );
            item.waiting = Some(wait);
            commit(inner, &mut st, item, Some(QueueEvent::Waiting));
        }
        Err(f) if f.failure.retryable && item.retry_count < job.cfg.download.max_retries => {
            let delay = backoff(job.cfg.download.retry_backoff_seconds, item.retry_count);
            item.retry_count += 1;
            item.status = DownloadStatus::Pending;
            item.not_before = Some(Utc::now() + delay);
            item.error = Some(f.failure.message.clone());
            log::warn!(
                "queue item {id} failed (retry {} in {}s): {}",
                item.retry_count,
                delay.num_seconds(),
                f.failure.message
            );
            commit(inner, &mut st, item, None);
        }
        Err(f) => {
            item.status = DownloadStatus::Failed;
            item.not_before = None;
            item.error = Some(if item.retry_count > 0 {
                format!("{} (after {} retries)", f.failure.message, item.retry_count)
            } else {
                f.failure.message
            });
            log::warn!(
                "queue item {id} failed: {}",
                item.error.as_deref().unwrap_or("")
            );
            commit(inner, &mut st, item, Some(QueueEvent::Failed));
        }
    }
    drop(st);
    inner.deliver();
}

/// Saves `item`, puts it in the state and queues `event(item)` (when given) plus a status
/// summary.
fn commit(
    inner: &Inner,
    st: &mut State,
    item: DownloadItem,
    event: Option<fn(DownloadItem) -> QueueEvent>,
) {
    let saved = inner.deps.repo.save_item(&item);
    st.items.insert(item.id, item.clone());
    match saved {
        Ok(()) => {
            if let Some(event) = event {
                inner.push(event(item));
            }
            inner.push(QueueEvent::Status(st.summary()));
        }
        Err(e) => log::error!("cannot save the outcome of a queue item: {e}"),
    }
}

/// `base * 2^n` seconds, without overflow.
fn backoff(base: u64, n: u32) -> chrono::Duration {
    let secs = base
        .saturating_mul(1u64 << n.min(20))
        .min(i64::MAX as u64 / 1000);
    chrono::Duration::seconds(secs as i64)
}

/// Removes what a deleted item's download left: its `.part` data, and the final file when the
/// download finished after the item was deleted.
fn discard_files(final_path: &Path, finished: bool) {
    let with = |suffix: &str| {
        let mut p = final_path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    let mut paths: Vec<PathBuf> = PARTIAL_SUFFIXES.iter().map(|s| with(s)).collect();
    if finished {
        paths.push(final_path.to_path_buf());
    }
    for p in paths {
        match std::fs::remove_file(&p) {
            Ok(()) => log::info!("removed {} of a deleted queue item", p.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("cannot remove {}: {e}", p.display()),
        }
    }
}

/// The progress event of `item`.
fn progress_event(item: &DownloadItem, progress: Progress) -> QueueEvent {
    QueueEvent::Progress {
        id: item.id,
        key: item.series_id.clone(),
        folder: item.series_folder.clone(),
        progress,
    }
}

impl Inner {
    /// Records and announces the progress of a running item (ignored once it is gone).
    fn report_progress(&self, id: aniworld_core::ItemId, progress: Progress) {
        {
            let mut st = self.lock();
            let Some(item) = st.items.get_mut(&id) else {
                return;
            };
            if item.status != DownloadStatus::Downloading {
                return;
            }
            item.progress = Some(progress);
            let event = progress_event(item, progress);
            self.push(event);
        }
        self.deliver();
    }

    /// Remembers the media URL a running item uses (saved with its outcome).
    fn set_source_url(&self, id: aniworld_core::ItemId, url: &str) {
        if let Some(item) = self.lock().items.get_mut(&id) {
            item.source_url = Some(url.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_saturates() {
        assert_eq!(backoff(30, 0).num_seconds(), 30);
        assert_eq!(backoff(30, 2).num_seconds(), 120);
        assert_eq!(backoff(0, 5).num_seconds(), 0);
        assert!(backoff(u64::MAX, 40).num_seconds() > 0);
    }

    #[test]
    fn tried_lists_attempts() {
        assert_eq!(tried(&[]), "");
        let a = ResolveAttempt {
            hoster: "VOE".into(),
            language: aniworld_core::Language::GermanDub,
            error: "gone".into(),
        };
        assert_eq!(
            tried(std::slice::from_ref(&a)),
            " (tried VOE German Dub: gone)"
        );
        // A message that already lists each attempt's reason gets no second list.
        let both = [
            a.clone(),
            ResolveAttempt {
                hoster: "Vidoza".into(),
                error: "deleted".into(),
                ..a
            },
        ];
        assert_eq!(tried_unless_listed("VOE: gone; Vidoza: deleted", &both), "");
        assert_eq!(
            tried_unless_listed("VOE: gone", &both),
            " (tried VOE German Dub: gone; Vidoza German Dub: deleted)"
        );
    }
}
