//! What the service tells its front ends while it works: typed events through a sink.
//!
//! The service publishes [`Event`]s to one [`EventSink`] given to [`crate::Aniworld::open`]. It
//! never knows who listens or in what shape: the HTTP server turns them into its WebSocket
//! messages, a command-line tool may print them, a test may collect them. Publishing must not
//! block: a sink that forwards to a slow consumer drops or buffers on its own side.

use std::sync::Arc;

use aniworld_library::{ScanProgress, ScanReport};
use aniworld_provider::catalogue::SiteStatus;
use aniworld_provider::resolver::HosterDegraded;
use aniworld_queue::engine::QueueEvent;

/// Something that happened in the service.
#[derive(Debug, Clone)]
pub enum Event {
    /// A catalogue site changed its status (reachable, walled, cooling down, ...).
    SiteStatus(SiteStatus),
    /// A library scan finished one more series.
    ScanProgress(ScanProgress),
    /// A library scan ended: its report, or why it could not run at all.
    ScanComplete(Result<ScanReport, String>),
    /// A hoster failed often enough to be skipped for a while.
    HosterDegraded(HosterDegraded),
    /// The download queue changed (added, progress, completed, failed, waiting, started, ...).
    Queue(QueueEvent),
}

/// Where the service sends its events. Called on the service's own threads; must not block.
pub trait EventSink: Send + Sync {
    /// Hands one event over.
    fn publish(&self, event: Event);
}

impl<F> EventSink for F
where
    F: Fn(Event) + Send + Sync,
{
    fn publish(&self, event: Event) {
        self(event)
    }
}

/// The sink the service holds: cheap to clone, shared by every use case.
pub type Events = Arc<dyn EventSink>;

/// A sink that drops every event (for tools that do not listen).
pub fn discard() -> Events {
    Arc::new(|_: Event| {})
}
