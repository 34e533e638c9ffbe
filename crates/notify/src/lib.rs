//! Notifications of Aniworld: where they go, what they say and how they get there.
//!
//! - [`message`]: the [`Notification`] of each event (its JSON is the webhook body);
//! - [`target`]: a configured target in its typed form ([`NamedTarget`]), path maps of media
//!   servers, and the scrubbing of secrets from errors;
//! - [`deliver`]: one try of a delivery ([`Deliverer`]) to a webhook (signed, [`signature`]),
//!   ntfy, Discord, Telegram or Gotify over HTTP, by e-mail (SMTP, `email.rs`), or to a media
//!   server (`media.rs`: Jellyfin's file update, Plex's partial scan of one section);
//! - [`outbox`]: the [`Outbox`]: notifications stored through the `OutboxRepo` port before they
//!   are sent, a worker that delivers them (one thread per target at a time, retries with
//!   backoff, quiet hours with a summary afterwards), tests and the delivery status.
//!
//! The crate is synchronous (ureq, lettre's blocking transport, std threads) and knows no HTTP
//! framework, no database and no service events: `aniworld-service` turns its events into
//! [`Notification`]s and hands them to the [`Outbox`]. Nothing it returns or logs carries a
//! target's secret.

mod email;
mod media;

pub mod deliver;
pub mod message;
pub mod outbox;
pub mod signature;
pub mod target;

pub use deliver::{Deliverer, DeliveryError};
pub use message::{EpisodeInfo, Notification, SeriesInfo};
pub use outbox::{DeliveryStatus, Outbox, TargetStatus, TestError, TestOutcome};
pub use target::{NamedTarget, PathMap, Target};
