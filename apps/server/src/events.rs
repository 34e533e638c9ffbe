//! The event hub: domain events fanned out to WebSocket clients.
//!
//! Every message is serialised once into the api.md envelope (`type`, `timestamp`, `data`) and
//! sent through one bounded `tokio::sync::broadcast` channel. Publishing never waits; a client that
//! reads too slowly lags behind the ring buffer and misses messages instead of slowing the queue or
//! growing memory (style.md, "Sync domain, async edge").

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

/// Who may receive a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Authenticated clients that joined the `downloads` room.
    DownloadsRoom,
    /// Every authenticated client (library events such as `scan_progress`).
    Authenticated,
}

/// One serialised server message.
#[derive(Debug)]
pub struct Envelope {
    /// The message `type`.
    pub kind: &'static str,
    /// Who may receive it.
    pub audience: Audience,
    /// The whole JSON text sent on the wire.
    pub text: String,
}

/// Cheap to clone; shared through the app state.
#[derive(Debug, Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<Envelope>>,
}

/// Messages kept for slow readers before they start missing some.
pub const HUB_CAPACITY: usize = 1024;

impl Default for EventHub {
    fn default() -> Self {
        Self::new(HUB_CAPACITY)
    }
}

impl EventHub {
    /// A hub keeping at most `capacity` messages for lagging clients.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Self { tx }
    }

    /// Builds the api.md envelope for a message.
    pub fn envelope(kind: &str, data: Value) -> Value {
        json!({
            "type": kind,
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        })
    }

    /// Publishes a message; never blocks. Without subscribers it is dropped.
    pub fn publish(&self, kind: &'static str, audience: Audience, data: Value) {
        let text = Self::envelope(kind, data).to_string();
        let _ = self.tx.send(Arc::new(Envelope {
            kind,
            audience,
            text,
        }));
    }

    /// A receiver of every message published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.tx.subscribe()
    }

    /// Current number of subscribers (open WebSocket sessions).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_documented_envelope() {
        let hub = EventHub::new(4);
        let mut rx = hub.subscribe();
        hub.publish(
            "scan_progress",
            Audience::Authenticated,
            json!({"done": 1, "total": 2}),
        );
        let env = rx.try_recv().unwrap();
        let v: Value = serde_json::from_str(&env.text).unwrap();
        assert_eq!(v["type"], "scan_progress");
        assert_eq!(v["data"]["total"], 2);
        assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn a_lagging_reader_misses_messages_instead_of_blocking() {
        let hub = EventHub::new(2);
        let mut rx = hub.subscribe();
        for i in 0..10 {
            hub.publish(
                "download_progress",
                Audience::DownloadsRoom,
                json!({ "i": i }),
            );
        }
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(8))
        ));
        let v: Value = serde_json::from_str(&rx.try_recv().unwrap().text).unwrap();
        assert_eq!(v["data"]["i"], 8);
    }
}
