//! HTTP routes, one file per area, each with `configure(cfg)` and an OpenAPI `Doc`.
//!
//! Adding an area: create `routes/<area>.rs` with `pub fn configure(cfg)` and a
//! `#[derive(OpenApi)] pub struct Doc`, then add one line here and one in `openapi.rs`. The API documentation routes are in
//! `openapi.rs`.

pub mod anime;
pub mod auth;
pub mod config;
pub mod health;
pub mod history;
pub mod metrics;
pub mod nfo;
pub mod notifications;
pub mod queue;
pub mod scheduler;
pub mod system;
pub mod ui;
pub mod wanted;
pub mod ws;

use actix_web::web;

/// Registers every area's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    metrics::configure(cfg);
    auth::configure(cfg);
    config::configure(cfg);
    anime::configure(cfg);
    queue::configure(cfg);
    history::configure(cfg);
    wanted::configure(cfg);
    scheduler::configure(cfg);
    ws::configure(cfg);
    nfo::configure(cfg);
    notifications::configure(cfg);
    system::configure(cfg);
    ui::configure(cfg);
}
