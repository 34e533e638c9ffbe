//! A stop that finishes within a few seconds.
//!
//! Each part of the service (queue workers, scheduler, canary, notifier) stops on a thread of
//! its own, all at once, and the stop waits for them at most [`STOP_WITHIN`]. A part that is
//! still busy then (a catalogue request in flight against a site that does not answer: its
//! time-out and retries can take half a minute and more) is left to end on its own: it only
//! reads from the network, and what it would save (an interrupted download going back to
//! pending, a scan's last series) is restored at the next start anyway. A process that exits
//! after the stop ends those threads with it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a stop waits for the parts of the service.
pub const STOP_WITHIN: Duration = Duration::from_secs(3);

/// One part's stop: its name (for the log) and what stops it (blocking until stopped).
pub type Part = (&'static str, Box<dyn FnOnce() + Send>);

/// Stops every part in parallel and waits for them until `within` has passed.
pub fn stop_all(parts: Vec<Part>, within: Duration) {
    let deadline = Instant::now() + within;
    let (tx, rx) = mpsc::channel();
    let mut waiting = Vec::new();
    for (name, stop) in parts {
        let tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("stop-{name}"))
            .spawn(move || {
                stop();
                let _ = tx.send(name);
            });
        match spawned {
            Ok(_) => waiting.push(name),
            Err(e) => log::error!("cannot start a thread to stop the {name}: {e}"),
        }
    }
    drop(tx);
    while !waiting.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(name) => waiting.retain(|n| *n != name),
            Err(_) => break,
        }
    }
    if !waiting.is_empty() {
        log::warn!(
            "stopped without waiting longer for: {} (a request in flight to a site that does not \
             answer; it ends on its own)",
            waiting.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stuck_part_does_not_hold_the_stop() {
        let started = Instant::now();
        let (done_tx, done_rx) = mpsc::channel();
        stop_all(
            vec![
                ("quick", Box::new(move || done_tx.send(()).unwrap())),
                (
                    "stuck",
                    Box::new(|| std::thread::sleep(Duration::from_secs(5))),
                ),
            ],
            Duration::from_millis(300),
        );
        assert!(done_rx.try_recv().is_ok(), "the quick part stopped");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
