//! `add_all_missing`: every missing episode of the library is queued once, with its title;
//! episodes already pending are not queued again; series with nothing missing add nothing, nor do
//! series that are not monitored.

mod engine_support;

use aniworld_core::ports::EpisodeRecord;
use aniworld_core::{EpisodeId, Priority};
use engine_support::*;

fn record(episode: u32, downloaded: bool, title: Option<&str>) -> EpisodeRecord {
    EpisodeRecord {
        id: EpisodeId::new(1, episode),
        title_de: title.map(str::to_string),
        title_en: None,
        is_downloaded: downloaded,
        file_path: downloaded.then(|| format!("Season 01/E{episode}.mp4")),
        languages_offered: None,
        language: None,
    }
}

#[test]
fn queues_every_missing_episode_not_already_queued() {
    let h = Harness::new();
    let series = h.store.series();
    h.store.add_series("aot", "Attack on Titan (2013)");
    h.store.add_series("done", "Complete Show");
    series
        .replace_episodes(
            "aot",
            &[
                record(1, false, Some("Feuerrot")),
                record(2, true, None),
                record(3, false, None),
                record(4, false, Some("Vier")),
            ],
        )
        .unwrap();
    series
        .replace_episodes("done", &[record(1, true, None)])
        .unwrap();
    // Episode 3 is already waiting in the queue.
    h.engine
        .add(
            "aot",
            "Attack on Titan (2013)",
            "Attack on Titan (2013)",
            vec![ep(1, 3)],
            Priority::High,
        )
        .unwrap();

    let added = h.engine.add_all_missing(Priority::Normal).unwrap();
    let got: Vec<(String, u32, Option<String>)> = added
        .iter()
        .map(|i| {
            (
                i.series_id.clone(),
                i.episode.episode,
                i.episode.title.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("aot".to_string(), 1, Some("Feuerrot".to_string())),
            ("aot".to_string(), 4, Some("Vier".to_string())),
        ]
    );
    assert!(added.iter().all(|i| i.priority == Priority::Normal));
    assert_eq!(h.engine.status().pending.len(), 3);
    assert!(!h.engine.is_running(), "queueing does not start the queue");

    // A second run finds everything queued already.
    assert!(
        h.engine
            .add_all_missing(Priority::Normal)
            .unwrap()
            .is_empty()
    );
    assert_eq!(stored_items(&*h.store.queue()).len(), 3);
}

#[test]
fn series_that_are_not_monitored_are_left_alone() {
    let h = Harness::new();
    let series = h.store.series();
    h.store.add_series("watched", "Watched");
    h.store.add_series("ignored", "Ignored");
    for key in ["watched", "ignored"] {
        series
            .replace_episodes(key, &[record(1, false, None), record(2, false, None)])
            .unwrap();
    }
    let off = aniworld_core::Monitoring {
        monitored: false,
        ..aniworld_core::Monitoring::default()
    };
    series.set_monitoring("ignored", &off).unwrap();

    let added = h.engine.add_all_missing(Priority::Normal).unwrap();
    let got: Vec<(&str, u32)> = added
        .iter()
        .map(|i| (i.series_id.as_str(), i.episode.episode))
        .collect();
    assert_eq!(got, [("watched", 1), ("watched", 2)]);
    // Queueing by hand still takes it.
    let manual = h
        .engine
        .add(
            "ignored",
            "Ignored",
            "Ignored",
            vec![ep(1, 1)],
            Priority::Normal,
        )
        .unwrap();
    assert_eq!(manual.added.len(), 1);
}
