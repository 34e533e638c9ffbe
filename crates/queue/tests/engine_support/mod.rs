//! Shared fixtures of the engine tests: the store, a media host on 127.0.0.1 serving real MP4
//! files, a stream resolver pointing at it, an event recorder and bounded polling.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aniworld_core::config::DownloadConfig;
use aniworld_core::ports::{
    CancelToken, MediaKind, MediaSource, QueueRepo, ResolveAttempt, SeriesRepo, SettingsRepo,
    SourceError, SourceErrorKind, StreamResolver,
};
use aniworld_core::{DownloadItem, EpisodeId, EpisodeRef, Language};
use aniworld_queue::download::FetchOptions;
use aniworld_queue::engine::{
    EngineConfig, EngineDeps, HttpFetcher, MediaFetcher, QueueEngine, QueueEvent,
};
use aniworld_testkit::{FakeResponse, FakeServer, Gate};

pub mod store;

pub use store::TestStore;

/// Polls `cond` every 10 ms for at most 20 s; panics with `what` when it never holds.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting until {what}");
}

/// An episode reference.
pub fn ep(season: u32, episode: u32) -> EpisodeRef {
    EpisodeRef {
        season,
        episode,
        title: Some(format!("Episode {episode}")),
    }
}

/// A real MP4 file of exactly `len` bytes (the clip of `aniworld_testkit::media` plus filler
/// picked by `seed`, so each episode's file differs).
pub fn media_bytes(len: usize, seed: u32) -> Vec<u8> {
    aniworld_testkit::media::mp4(len, u64::from(seed))
}

/// How the media host answers for one file.
#[derive(Clone)]
pub struct MediaFile {
    /// The bytes served.
    pub data: Arc<Vec<u8>>,
    /// Answer 503 this many more times before serving.
    pub fail_times: Arc<AtomicUsize>,
    /// When set, the body trickles after this many bytes until the gate opens.
    pub trickle: Option<(usize, Gate)>,
}

/// A media host on 127.0.0.1 serving `/media/<key>/<season>-<episode>.mp4` with Range support.
pub struct MediaHost {
    /// The server.
    pub server: FakeServer,
    files: Arc<Mutex<HashMap<String, MediaFile>>>,
}

impl MediaHost {
    /// A host with no files (404 for everything).
    pub fn start() -> Self {
        let server = FakeServer::start();
        let files: Arc<Mutex<HashMap<String, MediaFile>>> = Arc::default();
        let f = files.clone();
        server.route("/media/*", move |req| {
            let file = f.lock().unwrap().get(&req.path).cloned();
            let Some(file) = file else {
                return FakeResponse::status(404);
            };
            if file
                .fail_times
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return FakeResponse::status(503).body(b"busy".to_vec());
            }
            let resp = FakeResponse::ranged(req, "video/mp4", &file.data);
            match &file.trickle {
                // Hold only transfers that start at the beginning, so a resumed one completes.
                Some((n, gate)) if req.header("range").is_none() => resp.trickle_after(*n, gate),
                _ => resp,
            }
        });
        Self { server, files }
    }

    /// The path a file of `key` and `id` is served at.
    pub fn path(key: &str, id: EpisodeId) -> String {
        format!("/media/{key}/{}-{}.mp4", id.season, id.episode)
    }

    /// Serves `data` for the episode.
    pub fn put(&self, key: &str, id: EpisodeId, data: Vec<u8>) -> MediaFile {
        self.put_file(
            key,
            id,
            MediaFile {
                data: Arc::new(data),
                fail_times: Arc::default(),
                trickle: None,
            },
        )
    }

    /// Serves `file` for the episode.
    pub fn put_file(&self, key: &str, id: EpisodeId, file: MediaFile) -> MediaFile {
        self.files
            .lock()
            .unwrap()
            .insert(Self::path(key, id), file.clone());
        file
    }

    /// Requests received for the episode's file.
    pub fn hits(&self, key: &str, id: EpisodeId) -> usize {
        self.server.hits(&Self::path(key, id))
    }
}

/// Resolves every episode to the media host's direct MP4 (as a VOE direct link would).
pub struct HostResolver {
    base: String,
    /// Series keys the catalogue does not know.
    pub unknown: Mutex<Vec<String>>,
    /// Calls so far.
    pub calls: AtomicUsize,
}

impl HostResolver {
    /// A resolver for the media host at `base`.
    pub fn new(base: String) -> Self {
        Self {
            base,
            unknown: Mutex::default(),
            calls: AtomicUsize::new(0),
        }
    }
}

impl StreamResolver for HostResolver {
    fn resolve(
        &self,
        key: &str,
        id: EpisodeId,
        languages: &[Language],
        _hosters: &[String],
        _cancel: &CancelToken,
    ) -> Result<(MediaSource, Vec<ResolveAttempt>), (SourceError, Vec<ResolveAttempt>)> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.unknown.lock().unwrap().iter().any(|k| k == key) {
            let e = SourceError::new(
                SourceErrorKind::NotFound,
                format!("{key} is not on the catalogue"),
            );
            return Err((e, Vec::new()));
        }
        Ok((
            MediaSource {
                url: format!("{}{}", self.base, MediaHost::path(key, id)),
                kind: MediaKind::Direct,
                headers: vec![("Referer".into(), format!("{}/", self.base))],
                hoster: "VOE".into(),
                language: languages.first().copied().unwrap_or(Language::GermanDub),
            },
            Vec::new(),
        ))
    }
}

/// Every event the engine announced, in order.
#[derive(Clone, Default)]
pub struct Recorder(pub Arc<Mutex<Vec<QueueEvent>>>);

impl Recorder {
    /// The events so far.
    pub fn events(&self) -> Vec<QueueEvent> {
        self.0.lock().unwrap().clone()
    }
    /// Short names of the events so far (`added`, `progress`, ...).
    pub fn names(&self) -> Vec<&'static str> {
        self.events().iter().map(name).collect()
    }
}

/// A short name of an event.
pub fn name(e: &QueueEvent) -> &'static str {
    match e {
        QueueEvent::Added(_) => "added",
        QueueEvent::Removed(_) => "removed",
        QueueEvent::Progress { .. } => "progress",
        QueueEvent::Completed(_) => "completed",
        QueueEvent::Failed(_) => "failed",
        QueueEvent::Waiting(_) => "waiting",
        QueueEvent::Upgraded { .. } => "upgraded",
        QueueEvent::Status(_) => "status",
        QueueEvent::Started => "started",
        QueueEvent::Stopped => "stopped",
    }
}

/// Download settings for tests: no backoff, one worker, started only by the test.
pub fn download_config() -> DownloadConfig {
    DownloadConfig {
        max_concurrent: 1,
        max_retries: 2,
        retry_backoff_seconds: 0,
        auto_start: false,
        ..DownloadConfig::default()
    }
}

/// The real HTTP fetcher without its own transfer retries (so the queue's retries are what a
/// test sees). The media is real MP4, so ffprobe checks it when the machine has it.
pub fn http_fetcher(cfg: &DownloadConfig) -> HttpFetcher {
    let budget = Arc::new(aniworld_queue::download::HostBudget::from_config(cfg));
    HttpFetcher::with_options(FetchOptions {
        use_ffmpeg: false,
        remux_in_process: true,
        verify: aniworld_queue::download::VerifyMode::Auto,
        timeout: Duration::from_secs(10),
        segment_retries: 0,
        retry_backoff: Duration::from_millis(10),
        ..FetchOptions::from_config(cfg, budget)
    })
}

/// Everything an engine test needs: a data dir with the database, a library folder, the media
/// host and resolver, and the engine itself.
pub struct Harness {
    /// Temp dir holding `db.sqlite` and `anime/`.
    pub dir: tempfile::TempDir,
    /// The store (reopened by [`Harness::restart`]).
    pub store: TestStore,
    /// The media host.
    pub host: MediaHost,
    /// The resolver.
    pub resolver: Arc<HostResolver>,
    /// The fetcher.
    pub fetcher: Arc<dyn MediaFetcher>,
    /// Events of the current engine.
    pub events: Recorder,
    /// The engine.
    pub engine: QueueEngine,
    /// Its configuration.
    pub cfg: EngineConfig,
}

impl Harness {
    /// A harness with the test download settings.
    pub fn new() -> Self {
        Self::with_config(download_config())
    }

    /// A harness with `download` settings.
    pub fn with_config(download: DownloadConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let anime = dir.path().join("anime");
        std::fs::create_dir(&anime).unwrap();
        let store = TestStore::open(&dir.path().join("db.sqlite"));
        let host = MediaHost::start();
        let resolver = Arc::new(HostResolver::new(host.server.url()));
        let fetcher: Arc<dyn MediaFetcher> = Arc::new(http_fetcher(&download));
        let cfg = EngineConfig {
            anime_dir: Some(anime),
            download,
        };
        let events = Recorder::default();
        let engine = build(&store, &resolver, &fetcher, &cfg, &events);
        Self {
            dir,
            store,
            host,
            resolver,
            fetcher,
            events,
            engine,
            cfg,
        }
    }

    /// The library folder.
    pub fn anime_dir(&self) -> PathBuf {
        self.cfg.anime_dir.clone().unwrap()
    }

    /// Where an episode of `folder` lands.
    pub fn episode_path(&self, folder: &str, id: EpisodeId) -> PathBuf {
        self.anime_dir()
            .join(aniworld_core::naming::episode_relative_path(folder, id))
    }

    /// Shuts the engine down and builds a new one on a reopened store, like a process restart.
    pub fn restart(&mut self) {
        self.engine.shutdown();
        self.store = TestStore::open(&self.dir.path().join("db.sqlite"));
        self.events = Recorder::default();
        self.engine = build(
            &self.store,
            &self.resolver,
            &self.fetcher,
            &self.cfg,
            &self.events,
        );
    }

    /// The status of one item by episode number.
    pub fn item_of(&self, episode: u32) -> Option<DownloadItem> {
        let s = self.engine.status();
        s.active
            .into_iter()
            .chain(s.pending)
            .chain(s.completed)
            .chain(s.failed)
            .find(|i| i.episode.episode == episode)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.engine.shutdown();
    }
}

/// An engine on `store`.
pub fn build(
    store: &TestStore,
    resolver: &Arc<HostResolver>,
    fetcher: &Arc<dyn MediaFetcher>,
    cfg: &EngineConfig,
    events: &Recorder,
) -> QueueEngine {
    let sink = events.0.clone();
    QueueEngine::new(
        EngineDeps {
            repo: store.queue(),
            settings: store.settings(),
            series: store.series(),
            resolver: resolver.clone(),
            fetcher: fetcher.clone(),
        },
        cfg.clone(),
        Arc::new(move |e| sink.lock().unwrap().push(e)),
    )
    .expect("engine starts")
}

/// Reads a file, or None when it does not exist.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// Whether the series repo knows `id` of `key` as downloaded.
pub fn is_marked(series: &dyn SeriesRepo, key: &str, id: EpisodeId) -> bool {
    series
        .list_episodes(key)
        .unwrap()
        .iter()
        .any(|e| e.id == id && e.is_downloaded)
}

/// Items as the repo has them (what a restart would load).
pub fn stored_items(repo: &dyn QueueRepo) -> Vec<DownloadItem> {
    repo.load_items().unwrap()
}

/// A settings value.
pub fn setting(settings: &dyn SettingsRepo, key: &str) -> Option<String> {
    settings.get_setting(key).unwrap()
}
