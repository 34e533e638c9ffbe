//! The use cases of Aniworld, shared by the HTTP server, the command line and tools that embed
//! the crates.
//!
//! This crate owns what the service does: open the data folder and keep config.json
//! ([`config`], [`backups`]), the library (search, add, pages, scans: [`library`]), metadata
//! ([`nfo`]), the download queue's wiring ([`downloads`]), the rescan scheduler ([`rescans`]),
//! notifications ([`notifications`]), the download history ([`history`]) and one-shot
//! downloads ([`oneshot`]), all behind one facade, [`Aniworld`]. It composes the domain crates
//! (`aniworld-store`, `-provider`, `-library`, `-metadata`, `-queue`, `-notify`) and tells its
//! front ends what happens through typed [`Event`]s sent to an [`EventSink`].
//!
//! It must never know actix or any HTTP framework, HTTP status codes, or the JSON shapes of
//! the wire (api.md): a front end maps [`ServiceError`] to its own answers and [`Event`] to its
//! own messages. Every method is synchronous (SQLite, catalogue requests, file I/O); async front
//! ends call it off their event loop.
//!
//! ```no_run
//! use aniworld_service::{Aniworld, ServiceOptions, events};
//!
//! let app = Aniworld::open(ServiceOptions::new("/srv/aniworld-data"), events::discard())?;
//! for (hit, _known) in app.library().search("frieren")? {
//!     println!("{} {}", hit.key, hit.name);
//! }
//! app.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod app;
pub mod backups;
pub mod catalogue;
pub mod checks;
pub mod config;
pub mod data_dir;
pub mod downloads;
pub mod error;
pub mod events;
pub mod files;
pub mod history;
pub mod instance;
pub mod library;
pub mod logs;
pub mod metrics;
pub mod nfo;
pub mod notifications;
pub mod oneshot;
pub mod overrides;
pub mod rescans;
mod shutdown;

pub use app::Aniworld;
pub use config::{ConfigError, ConfigService};
pub use error::{ServiceError, StartError};
pub use events::{Event, EventSink, Events};
pub use history::{HistoryError, HistoryService};
pub use library::LibraryService;
pub use metrics::{MetricsError, MetricsService};
pub use nfo::{NfoError, NfoService};
pub use notifications::{NotificationError, NotificationService};
pub use overrides::{RuntimeOverrides, ServiceOptions};
pub use rescans::{SchedulerService, SchedulerView};
