//! A tour of the facade: search the catalogue, add a series, scan the library, queue an episode
//! and watch it download, using `aniworld_service::Aniworld` alone, the way an embedding tool
//! would. It runs offline against the project's fake catalogue and hoster on 127.0.0.1.
//!
//! ```text
//! cargo run -p aniworld-service --example tour
//! ```

use std::sync::mpsc;
use std::time::Duration;

use aniworld_core::{EpisodeRef, Priority};
use aniworld_library::RescanMode;
use aniworld_queue::engine::QueueEvent;
use aniworld_service::{Aniworld, Event, RuntimeOverrides, ServiceOptions};
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries};
use aniworld_testkit::hoster::{Serving, Sites, media_bytes};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The sites: a catalogue with one series, a hoster serving its two episodes.
    let catalogue = FakeCatalogue::start();
    catalogue.add(FakeSeries::new("frieren", "Frieren", &[(1, 2)]).year(2023));
    let hoster = Sites::start();
    for e in 1..=2 {
        let bytes = media_bytes("frieren", 1, e, 256 * 1024);
        hoster.episode("frieren", 1, e, bytes, Serving::Fast);
    }
    catalogue.hoster_base(&hoster.voe.url());

    // The service: a data folder, a library folder, the catalogue URL as an override.
    let data = tempfile::tempdir()?;
    let anime = tempfile::tempdir()?;
    let options = ServiceOptions {
        data_dir: data.path().to_path_buf(),
        overrides: RuntimeOverrides {
            anime_dir: Some(anime.path().display().to_string()),
            provider_url: Some(catalogue.url()),
            ..RuntimeOverrides::default()
        },
        catch_up_delay: ServiceOptions::CATCH_UP_DELAY,
    };
    let (tx, events) = mpsc::channel::<Event>();
    let tx = std::sync::Mutex::new(tx);
    let app = Aniworld::open(
        options,
        std::sync::Arc::new(move |e: Event| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(e);
            }
        }),
    )?;

    let hits = app.library().search("Frieren")?;
    for (hit, known) in &hits {
        println!(
            "found {} ({}) at {}; in the library: {}",
            hit.name,
            hit.key,
            hit.link,
            known.is_some()
        );
    }
    let (hit, _) = hits.first().ok_or("nothing found")?;

    let added = app.library().add(&hit.link, None)?;
    println!(
        "added {} into {:?}, missing {:?}",
        added.serie.name, added.serie.folder, added.missing
    );

    let report = app.library().scan_now(RescanMode::Full)?;
    println!(
        "scanned {} series, {} episodes missing",
        report.series_scanned, report.missing_total
    );

    let first = added.missing.first().ok_or("nothing missing")?;
    let outcome = app.queue().add(
        &added.serie.key,
        &added.serie.folder,
        &added.serie.name,
        vec![EpisodeRef {
            season: first.season,
            episode: first.episode,
            title: None,
        }],
        Priority::High,
    )?;
    println!("queued {} item(s)", outcome.added.len());
    app.queue().start()?;

    loop {
        match events.recv_timeout(Duration::from_secs(60))? {
            Event::Queue(QueueEvent::Progress { progress, .. }) => {
                println!("  {:5.1} %", progress.percent);
            }
            Event::Queue(QueueEvent::Completed(item)) => {
                println!(
                    "downloaded {} S{:02}E{:02}",
                    item.series_name, item.episode.season, item.episode.episode
                );
                break;
            }
            Event::Queue(QueueEvent::Failed(item)) => {
                return Err(format!("download failed: {:?}", item.error).into());
            }
            _ => {}
        }
    }
    for entry in walk(anime.path()) {
        println!("  {}", entry.display());
    }
    app.shutdown();
    Ok(())
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
