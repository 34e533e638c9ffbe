//! Persistence of Aniworld: the diesel schema, the embedded migrations of the top-level
//! `migrations/` folder, an r2d2 pool of SQLite connections, and the repositories that implement
//! the port traits of `aniworld-core`.
//!
//! - [`Store::open`] / [`Store::open_in_memory`] give a cloneable, thread-safe handle;
//!   [`Store::ping`], [`Store::pragmas`] and [`Store::stats`] serve health reports.
//! - `Store` implements `SettingsRepo`, `AuthRepo`, `SeriesRepo`, `QueueRepo`,
//!   `HosterHealthRepo` (the download resolver's hoster attempts) and `OutboxRepo` (the
//!   notification outbox), and keeps the scheduler's run history through inherent methods
//!   ([`Store::record_run_start`], [`Store::record_run_finish`], [`Store::last_run`], ...).
//! - The download history (`history.rs`) is kept through inherent methods too
//!   ([`Store::add_history_entry`], [`Store::history_page`], [`Store::prune_history`]), apart
//!   from the queue's tables.
//! - The series table also keeps what a changed rescan needs (end flag, page validators, planned
//!   re-check) and answers its due, unscanned and signal lists from indexes (`rechecks.rs`), and
//!   each series' monitoring settings (`monitoring.rs`), read by the same queries as the rest.
//!
//! Diesel types and row structs never leave this crate: every method takes and returns core
//! types. The crate is synchronous and knows nothing of HTTP frameworks or HTTP clients.
//! Timestamps are stored as RFC 3339 text in UTC with nanoseconds, so text order is time order.

#![warn(missing_docs)]

mod auth;
mod convert;
mod db;
mod error;
mod history;
mod hoster_attempts;
mod monitoring;
mod outbox;
mod queue;
mod rechecks;
mod scheduler_runs;
mod schema;
mod series;
mod settings;
mod stats;
mod time;

pub use db::{MIGRATIONS, Pragmas, Store};
pub use error::StoreError;
pub use scheduler_runs::{RunOutcome, SchedulerRun};
pub use stats::StoreStats;
