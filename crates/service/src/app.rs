//! [`Aniworld`]: the whole service behind one handle.
//!
//! Opening it readies the data folder, opens the store and config.json, and starts what runs on
//! its own: the download queue (restored from the store), the rescan scheduler, the catalogue
//! canary and the notifier (whose outbox delivers what a previous run left pending). The handle gives the use cases by area; every front end (the HTTP server, the command
//! line, a tool embedding the crates) goes through it. Cheap to clone.

use std::sync::Arc;
use std::time::SystemTime;

use aniworld_core::AppConfig;
use aniworld_provider::catalogue::canary::CanaryRunner;
use aniworld_provider::resolver::HealthTracker;
use aniworld_queue::download::FetchOutcome;
use aniworld_queue::engine::QueueEngine;
use aniworld_store::Store;

use crate::config::ConfigService;
use crate::error::StartError;
use crate::events::Events;
use crate::history::HistoryService;
use crate::instance::InstanceLock;
use crate::library::LibraryService;
use crate::metrics::MetricsService;
use crate::nfo::NfoService;
use crate::notifications::NotificationService;
use crate::oneshot::{OneShotError, OneShotReport};
use crate::overrides::ServiceOptions;
use crate::rescans::SchedulerService;
use crate::{data_dir, downloads, oneshot, shutdown};

/// The running service. Drop does not stop it: call [`Aniworld::shutdown`].
#[derive(Clone)]
pub struct Aniworld {
    inner: Arc<Inner>,
}

struct Inner {
    options: ServiceOptions,
    store: Store,
    config: Arc<ConfigService>,
    nfo: Arc<NfoService>,
    library: Arc<LibraryService>,
    queue: QueueEngine,
    hosters: HealthTracker,
    scheduler: Arc<SchedulerService>,
    canary: CanaryRunner,
    notifications: Arc<NotificationService>,
    metrics: Arc<MetricsService>,
    history: Arc<HistoryService>,
    /// This process's lock on the data folder (one service per folder).
    lock: InstanceLock,
}

impl std::fmt::Debug for Aniworld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aniworld")
            .field("data_dir", &self.inner.options.data_dir)
            .finish_non_exhaustive()
    }
}

impl Aniworld {
    /// Opens the data folder of `options` (created owner-only when missing), the SQLite store
    /// and config.json, and starts the queue, the scheduler and the canary; every event goes to
    /// `events`. Leftovers of interrupted writes in the library folder are swept on a thread of
    /// their own.
    pub fn open(options: ServiceOptions, events: Events) -> Result<Self, StartError> {
        let started = SystemTime::now();
        let io = |what, path: &std::path::Path| {
            let path = path.to_path_buf();
            move |source| StartError::Io { what, path, source }
        };
        // Locked before anything in the folder is touched: a second service on it stops here.
        data_dir::create_private_dir(&options.data_dir)
            .map_err(io("create the data folder", &options.data_dir))?;
        let lock = InstanceLock::acquire(&options.data_dir)?;
        data_dir::prepare(&options).map_err(io("prepare the data folder", &options.data_dir))?;
        let store = Store::open(&options.database_path())?;
        let config = Arc::new(ConfigService::load(
            &options.data_dir,
            options.overrides.clone(),
        )?);
        data_dir::sweep_library_in_background(config.current().anime_dir(), started);
        // The notifier sees every event before the front end's sink does.
        let notifications = NotificationService::start(&store, &config);
        let events = notifications.sink(events);
        let metrics = Arc::new(MetricsService::new(config.clone(), store.clone()));
        let events = metrics.sink(events);
        // Completed and failed downloads are in the history before anyone hears of them.
        let history = HistoryService::start(&store, &config);
        let events = history.sink(events);
        let nfo = Arc::new(NfoService::new(Arc::new(store.clone()), config.clone()));
        let hosters = downloads::hoster_health(&store, &events);
        let library = Arc::new(LibraryService::new(
            config.clone(),
            store.clone(),
            events.clone(),
            nfo.clone(),
        ));
        let counted = metrics.clone();
        library
            .catalogue()
            .monitor()
            .set_request_listener(Arc::new(move |site, outcome| {
                counted.catalogue_request(site, outcome);
            }));
        library.publish_site_status();
        let canary = library
            .spawn_canary()
            .map_err(io("start the canary thread of", &options.data_dir))?;
        let queue = downloads::start(
            &store,
            &config,
            &events,
            &hosters,
            library.catalogue().clone(),
            nfo.clone(),
            &[
                downloads::counting(&metrics),
                downloads::recording(&history),
            ],
        )?;
        metrics.queue_counts(&queue.statistics());
        // Removing a series deletes its queue items and records deleted files.
        library.attach_downloads(queue.clone(), history.clone());
        let scheduler = Arc::new(SchedulerService::start(
            config.clone(),
            &store,
            library.clone(),
            queue.clone(),
            options.catch_up_delay,
        )?);
        Ok(Self {
            inner: Arc::new(Inner {
                options,
                store,
                config,
                nfo,
                library,
                queue,
                hosters,
                scheduler,
                canary,
                notifications,
                metrics,
                history,
                lock,
            }),
        })
    }

    /// Where the data lives and the overrides in force.
    pub fn options(&self) -> &ServiceOptions {
        &self.inner.options
    }

    /// config.json: read, change, validate, and its backups.
    pub fn config(&self) -> &Arc<ConfigService> {
        &self.inner.config
    }

    /// The library: catalogue search, adding series, pages, details, scans.
    pub fn library(&self) -> &Arc<LibraryService> {
        &self.inner.library
    }

    /// tvshow.nfo, artwork and episode NFOs of library series (TMDB).
    pub fn metadata(&self) -> &Arc<NfoService> {
        &self.inner.nfo
    }

    /// The download queue: add, list, reorder, start, stop, retry, remove.
    pub fn queue(&self) -> &QueueEngine {
        &self.inner.queue
    }

    /// The rescan scheduler.
    pub fn scheduler(&self) -> &Arc<SchedulerService> {
        &self.inner.scheduler
    }

    /// Notifications: tests and the delivery status of the configured targets.
    pub fn notifications(&self) -> &Arc<NotificationService> {
        &self.inner.notifications
    }

    /// The figures of `GET /metrics` (Prometheus text format).
    pub fn metrics(&self) -> &Arc<MetricsService> {
        &self.inner.metrics
    }

    /// The download history: completed, failed, upgraded and deleted episodes.
    pub fn history(&self) -> &Arc<HistoryService> {
        &self.inner.history
    }

    /// Hoster health as the download resolver saw it.
    pub fn hosters(&self) -> &HealthTracker {
        &self.inner.hosters
    }

    /// The SQLite store (for read-only figures such as health checks and benchmarks).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Stops the queue workers (running downloads keep their `.part` data and resume at the next
    /// open), the scheduler (a running scan is cancelled), the canary and the notifier, all at
    /// once, waiting for them a few seconds at most (a request in flight to a site that does not
    /// answer is left to end on its own), then gives the data folder's lock back.
    pub fn shutdown(&self) {
        self.inner.library.coordinator().cancel();
        let i = &self.inner;
        let (queue, scheduler) = (i.queue.clone(), i.scheduler.clone());
        let (this, notifications) = (self.clone(), i.notifications.clone());
        shutdown::stop_all(
            vec![
                ("download queue", Box::new(move || queue.shutdown())),
                ("scheduler", Box::new(move || scheduler.shutdown())),
                (
                    "catalogue check",
                    Box::new(move || this.inner.canary.shutdown()),
                ),
                ("notifier", Box::new(move || notifications.shutdown())),
            ],
            shutdown::STOP_WITHIN,
        );
        self.inner.lock.release();
    }

    /// Downloads one episode by its catalogue link without opening the service (nothing is
    /// written to config.json or the database): to `out`, or into the library layout.
    pub fn download_episode(
        config: &AppConfig,
        episode_url: &str,
        out: Option<&std::path::Path>,
        report: &dyn OneShotReport,
    ) -> Result<FetchOutcome, OneShotError> {
        oneshot::download_episode(config, episode_url, out, report)
    }

    /// Fetches one media URL (direct file or HLS playlist) to a file without opening the
    /// service.
    pub fn fetch_media(
        config: &AppConfig,
        media_url: &str,
        out_file: &std::path::Path,
        hls: bool,
        referer: Option<&str>,
        report: &dyn OneShotReport,
    ) -> Result<FetchOutcome, OneShotError> {
        oneshot::fetch_media_url(config, media_url, out_file, hls, referer, report)
    }
}
