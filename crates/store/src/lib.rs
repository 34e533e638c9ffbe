//! Persistence of Aniworld: the diesel schema, the embedded migrations of the top-level
//! `migrations/` folder, an r2d2 pool of SQLite connections, and the repositories that implement
//! the port traits of `aniworld-core` (`SettingsRepo`, `AuthRepo`, `SeriesRepo`, `QueueRepo`)
//! plus the scheduler's run history.
//!
//! Diesel types and row structs never leave this crate: every method takes and returns core
//! types. The crate is synchronous and knows nothing of HTTP frameworks or HTTP clients.
//!
//! Timestamps are stored as RFC 3339 text in UTC with nanoseconds, so text order is time order.

mod auth;
mod convert;
mod db;
mod error;
mod queue;
mod schema;
mod series;
mod settings;
mod stats;
mod time;

pub use db::{MIGRATIONS, Pragmas, Store};
pub use error::StoreError;
pub use stats::StoreStats;
