//! Black-box tests of the whole service over HTTP: the app in-process on a free port against a
//! temp data dir, and the real `aniworld` binary for restarts and logs.

mod access;
mod anime;
mod anime_support;
mod auth;
mod binary;
mod catalogue_sites;
mod catalogue_support;
mod catalogue_walls;
mod config;
mod crash;
mod data_dir;
mod docs;
mod e2e;
mod e2e_browser;
mod e2e_queue;
mod e2e_search;
mod errors;
mod health;
mod helpers;
mod library_pages;
mod nfo;
mod nfo_batch;
mod nfo_env;
mod nfo_episode;
mod queue;
mod queue_cli;
mod queue_support;
mod rescans;
mod scheduler;
mod scheduler_runs;
mod security;
mod tidy;
mod ws;
mod ws_support;
