//! A stop finishes within seconds while a catalogue check and a scan wait on a catalogue that
//! accepts connections and never answers (the service's own time-outs are 30 s with retries).

mod support;

use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aniworld_core::NewSeries;
use aniworld_core::ports::SeriesRepo;
use serde_json::json;

#[test]
fn a_stop_does_not_wait_for_requests_to_a_silent_catalogue() {
    // Accepts every connection and keeps it open without a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let (accepted, connections) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
            if accepted.send(()).is_err() {
                break;
            }
        }
    });
    let env = support::open(&url, |c| {
        c["provider"]["canary_interval_minutes"] = json!(60);
        c["provider"]["timeout_seconds"] = json!(30);
        c["provider"]["min_request_interval_ms"] = json!(0);
        c["scheduler"]["rescan_mode"] = json!("full");
    });
    // The canary runs at once and waits for its search.
    connections
        .recv_timeout(Duration::from_secs(20))
        .expect("the canary reached the catalogue");
    // A scan waits for its look-up as well.
    std::fs::create_dir(env.folder("demo")).unwrap();
    env.app
        .store()
        .insert_series(&NewSeries {
            key: "demo".into(),
            name: "Demo".into(),
            site: "aniworld.to".into(),
            folder: "demo".into(),
            year: None,
            description: None,
            imdb_id: None,
            cover_url: None,
            catalogue_url: None,
        })
        .unwrap();
    env.app.scheduler().trigger().expect("a rescan starts");
    connections
        .recv_timeout(Duration::from_secs(20))
        .expect("the scan reached the catalogue");
    assert!(env.app.library().coordinator().scan_in_progress());

    let started = Instant::now();
    env.app.shutdown();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "the stop took {took:?}");
}
