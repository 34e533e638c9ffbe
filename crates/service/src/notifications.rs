//! Notifications: the service's events turned into `aniworld-notify` notifications and handed
//! to its outbox; tests and the delivery status for the front ends.
//!
//! [`NotificationService::sink`] wraps the event sink given to `Aniworld::open`, so the notifier
//! sees every event the front ends see. Which events notify (docs/notifications.md):
//!
//! | service event | notification |
//! | --- | --- |
//! | `Queue(Upgraded)` | `episode_upgraded`; the `Completed` of the same item that follows announces nothing |
//! | `Queue(Completed)` | `download_completed` (with the file's path), then `series_completed` when the series has no missing episode left |
//! | `Queue(Failed)` (sent only after the last retry) | `download_failed` |
//! | `SiteStatus` verification required | `verification_required` |
//! | `SiteStatus` degraded or session expired | `site_degraded` |
//! | `HosterDegraded` | `hoster_degraded` |
//! | [`NotificationService::episode_upgraded`] | `episode_upgraded` (for tools that replace a file themselves) |
//!
//! The sink only forwards the few events that notify to a thread of its own (`notify-intake`),
//! which reads the store (series name, poster, what is still missing) and adds the outbox
//! entries; publishing never waits on SQLite.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use aniworld_core::ports::{RepoError, SeriesRepo};
use aniworld_core::{AppConfig, DownloadItem};
use aniworld_notify::{Deliverer, EpisodeInfo, Notification, Outbox, SeriesInfo, TestError};
use aniworld_provider::catalogue::{SiteHealth, SiteStatus};
use aniworld_queue::engine::QueueEvent;
use aniworld_store::Store;
use chrono::Utc;

use crate::config::ConfigService;
use crate::events::{Event, Events};

pub use aniworld_notify::{DeliveryStatus as NotificationStatus, TargetStatus, TestOutcome};

/// Why a notification use case failed.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// No target has the name given.
    #[error("no notification target is named {0:?}")]
    UnknownTarget(String),
    /// The outbox could not be read or written.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<TestError> for NotificationError {
    fn from(e: TestError) -> Self {
        match e {
            TestError::UnknownTarget(name) => NotificationError::UnknownTarget(name),
            TestError::Repo(r) => NotificationError::Repo(r),
        }
    }
}

/// The notifier of a running service.
pub struct NotificationService {
    outbox: Outbox,
    store: Store,
    config: Arc<ConfigService>,
    intake: Mutex<Option<mpsc::Sender<Event>>>,
    intake_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Items whose upgrade was announced; their completion, which follows, announces nothing.
    upgraded: Mutex<std::collections::HashSet<aniworld_core::ItemId>>,
}

impl std::fmt::Debug for NotificationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationService")
            .finish_non_exhaustive()
    }
}

impl NotificationService {
    /// Starts the outbox worker (delivering what a previous run left pending) and the intake
    /// thread, and keeps the targets in step with configuration changes.
    pub fn start(store: &Store, config: &Arc<ConfigService>) -> Arc<Self> {
        let outbox = Outbox::start(
            Arc::new(store.clone()),
            config.current(),
            Deliverer::default(),
        );
        let watched = outbox.clone();
        config.on_change(move |next| watched.set_config(next.clone()));
        let (tx, rx) = mpsc::channel::<Event>();
        let service = Arc::new(Self {
            outbox,
            store: store.clone(),
            config: config.clone(),
            intake: Mutex::new(Some(tx)),
            intake_thread: Mutex::new(None),
            upgraded: Mutex::new(std::collections::HashSet::new()),
        });
        let weak = Arc::downgrade(&service);
        let handle = std::thread::Builder::new()
            .name("notify-intake".into())
            .spawn(move || {
                for event in rx {
                    let Some(s) = weak.upgrade() else {
                        return;
                    };
                    s.take_in(&event);
                }
            })
            .map_err(|e| log::error!("cannot start the notification intake: {e}"))
            .ok();
        *service
            .intake_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = handle;
        service
    }

    /// A sink that shows every event to the notifier and then hands it to `inner`.
    pub fn sink(self: &Arc<Self>, inner: Events) -> Events {
        let me = Arc::downgrade(self);
        Arc::new(move |event: Event| {
            if let Some(me) = me.upgrade()
                && notifies(&event)
            {
                me.forward(event.clone());
            }
            inner.publish(event);
        })
    }

    fn forward(&self, event: Event) {
        if let Some(tx) = self
            .intake
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let _ = tx.send(event);
        }
    }

    /// Sends a `test` notification now to the target `name`, or to every enabled target; one
    /// outcome per target (an error when it was not delivered).
    pub fn test(&self, name: Option<&str>) -> Result<Vec<TestOutcome>, NotificationError> {
        Ok(self.outbox.test(name)?)
    }

    /// Per target: pending notifications, the last delivery and the last error.
    pub fn status(&self) -> Result<NotificationStatus, NotificationError> {
        Ok(self.outbox.status()?)
    }

    /// Announces that the file of `item`'s episode was replaced by a better one at its usual
    /// place (`reason`, e.g. `German Dub instead of German Sub`): `episode_upgraded`, and media
    /// servers learn about the file. The queue's upgrades are announced this way by themselves.
    pub fn episode_upgraded(
        &self,
        item: &DownloadItem,
        reason: &str,
    ) -> Result<(), NotificationError> {
        let config = self.config.current();
        let path = file_path(&config, item);
        let n = Notification::episode_upgraded(
            self.series_info(item),
            episode_info(item),
            path,
            reason.to_string(),
            Utc::now(),
        );
        self.outbox.enqueue(&n.from_instance(&config.name))?;
        Ok(())
    }

    /// Stops the intake and the outbox worker; what is pending is delivered after the next
    /// start.
    pub fn shutdown(&self) {
        self.intake.lock().unwrap_or_else(|p| p.into_inner()).take();
        let handle = self
            .intake_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        self.outbox.shutdown();
    }

    /// Turns one event into notifications and stores them (on the intake thread).
    fn take_in(&self, event: &Event) {
        let config = self.config.current();
        let now = Utc::now();
        let notes: Vec<Notification> = match event {
            Event::Queue(QueueEvent::Upgraded { item, from, to }) => {
                self.upgraded
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(item.id);
                vec![Notification::episode_upgraded(
                    self.series_info(item),
                    episode_info(item),
                    file_path(&config, item),
                    format!("{to} instead of {from}"),
                    now,
                )]
            }
            // An upgrade's completion: announced as the upgrade above.
            Event::Queue(QueueEvent::Completed(item))
                if self
                    .upgraded
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&item.id) =>
            {
                Vec::new()
            }
            Event::Queue(QueueEvent::Completed(item)) => {
                let series = self.series_info(item);
                let mut out = vec![Notification::download_completed(
                    series.clone(),
                    episode_info(item),
                    file_path(&config, item),
                    now,
                )];
                if self.series_complete(&item.series_id) {
                    out.push(Notification::series_completed(
                        series,
                        episode_info(item),
                        now,
                    ));
                }
                out
            }
            Event::Queue(QueueEvent::Failed(item)) => vec![Notification::download_failed(
                self.series_info(item),
                episode_info(item),
                item.error.clone().unwrap_or_else(|| "unknown error".into()),
                now,
            )],
            Event::SiteStatus(s) => site_notification(s, now).into_iter().collect(),
            Event::HosterDegraded(d) => vec![Notification::hoster_degraded(
                &d.hoster,
                d.consecutive_failures,
                d.last_error.clone(),
                d.until,
                now,
            )],
            _ => Vec::new(),
        };
        for n in notes {
            let n = n.from_instance(&config.name);
            if let Err(e) = self.outbox.enqueue(&n) {
                log::error!("cannot store the {} notification: {e}", n.event);
            }
        }
    }

    /// The series of a queue item as notifications show it (the library's name and poster
    /// when it knows the series).
    fn series_info(&self, item: &DownloadItem) -> SeriesInfo {
        let known = self.store.get_series(&item.series_id).ok().flatten();
        SeriesInfo {
            key: item.series_id.clone(),
            name: known
                .as_ref()
                .map_or_else(|| item.series_name.clone(), |s| s.name.clone()),
            folder: item.series_folder.clone(),
            poster_url: known.and_then(|s| s.cover_url),
        }
    }

    /// Whether the library knows the series and nothing of it is missing any more.
    fn series_complete(&self, key: &str) -> bool {
        match self.store.get_series(key) {
            Ok(Some(s)) => s.missing.is_empty() && s.present_count > 0,
            Ok(None) => false,
            Err(e) => {
                log::warn!("cannot tell whether {key} is complete: {e}");
                false
            }
        }
    }
}

/// Whether an event can lead to a notification (the rest never reaches the intake thread).
fn notifies(event: &Event) -> bool {
    match event {
        Event::Queue(
            QueueEvent::Completed(_) | QueueEvent::Failed(_) | QueueEvent::Upgraded { .. },
        ) => true,
        Event::HosterDegraded(_) => true,
        Event::SiteStatus(s) => s.status != SiteHealth::Healthy,
        _ => false,
    }
}

fn episode_info(item: &DownloadItem) -> EpisodeInfo {
    EpisodeInfo::new(
        item.episode.season,
        item.episode.episode,
        item.episode.title.clone(),
    )
}

/// Where the episode of `item` lies: `<anime dir>/<folder>/Season NN/<file>`.
fn file_path(config: &AppConfig, item: &DownloadItem) -> String {
    let rel = aniworld_core::naming::episode_relative_path(&item.series_folder, item.episode.id());
    config
        .anime_dir()
        .map_or(rel.clone(), |dir| dir.join(&rel))
        .to_string_lossy()
        .into_owned()
}

fn site_notification(s: &SiteStatus, now: chrono::DateTime<Utc>) -> Option<Notification> {
    match s.status {
        SiteHealth::Healthy => None,
        SiteHealth::VerificationRequired => Some(Notification::verification_required(
            &s.site,
            s.error.clone(),
            s.until,
            now,
        )),
        SiteHealth::Degraded | SiteHealth::SessionExpired => Some(Notification::site_degraded(
            &s.site,
            s.status.as_str(),
            s.error.clone(),
            now,
        )),
    }
}
