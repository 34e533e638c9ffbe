//! Fills a data folder with a library for benchmarks (docs/bench-library.md), through the store
//! as the service writes it: N series with their episodes, scanned now, every third one ended.
//!
//! ```sh
//! cargo run --release -p aniworld-store --example seed_library -- \
//!     --data-dir /tmp/lib --series 10000 [--seasons 2] [--episodes 12] [--prefix bench]
//! # later, while the service runs: plan the re-check of the first K series for now
//! cargo run --release -p aniworld-store --example seed_library -- --data-dir /tmp/lib --mark-due 60
//! ```
//!
//! Series `<prefix>-00001` … are aniworld.to series named `Bench Series 00001` (folder the same),
//! with `--seasons` seasons of `--episodes` episodes; the first season is on disk (downloaded),
//! the rest missing. Each series counts as scanned now with no re-check planned, so a changed
//! rescan finds nothing due until a period has passed (or `--mark-due` plans some for now). The
//! database is `<data-dir>/aniworld.db`; other files of the folder are left alone.

use std::path::PathBuf;
use std::time::Instant;

use aniworld_core::ports::{EpisodeRecord, RecheckState, SeriesRepo};
use aniworld_core::{EpisodeId, NewSeries};
use aniworld_store::Store;

struct Args {
    data_dir: PathBuf,
    series: usize,
    seasons: u32,
    episodes: u32,
    prefix: String,
    mark_due: Option<usize>,
}

fn usage(why: &str) -> ! {
    eprintln!(
        "{why}\nusage: seed_library --data-dir DIR [--series N] [--seasons S] [--episodes E] \
         [--prefix P] | --data-dir DIR --mark-due K [--prefix P]"
    );
    std::process::exit(2)
}

fn parse() -> Args {
    let mut args = Args {
        data_dir: PathBuf::new(),
        series: 1000,
        seasons: 2,
        episodes: 12,
        prefix: "bench".into(),
        mark_due: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        let number = |v: String| {
            v.parse::<usize>()
                .unwrap_or_else(|_| usage(&format!("{v:?} is not a number")))
        };
        match flag.as_str() {
            "--data-dir" => args.data_dir = PathBuf::from(value()),
            "--series" => args.series = number(value()),
            "--seasons" => args.seasons = number(value()) as u32,
            "--episodes" => args.episodes = number(value()) as u32,
            "--prefix" => args.prefix = value(),
            "--mark-due" => args.mark_due = Some(number(value())),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    if args.data_dir.as_os_str().is_empty() {
        usage("--data-dir is required");
    }
    args
}

fn main() {
    let args = parse();
    std::fs::create_dir_all(&args.data_dir).expect("create the data folder");
    let store = Store::open(&args.data_dir.join("aniworld.db")).expect("open the database");
    let started = Instant::now();
    if let Some(k) = args.mark_due {
        let due = chrono::Utc::now() - chrono::Duration::minutes(1);
        for i in 1..=k {
            let key = format!("{}-{i:05}", args.prefix);
            let mut state = store.recheck_state(&key).expect("a seeded series");
            state.next_check_at = Some(due);
            store
                .save_recheck_state(&key, &state)
                .expect("plan a re-check");
        }
        println!(
            "planned the re-check of {k} series for now in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        return;
    }
    let mut episodes_total = 0usize;
    for i in 1..=args.series {
        let key = format!("{}-{i:05}", args.prefix);
        let name = format!("Bench Series {i:05}");
        store
            .insert_series(&NewSeries {
                key: key.clone(),
                name: name.clone(),
                site: "aniworld.to".into(),
                folder: name,
                year: Some(2000 + (i % 25) as i32),
                description: Some(format!("Series {i} of the benchmark library.")),
                imdb_id: None,
                cover_url: None,
                catalogue_url: None,
            })
            .expect("insert a series");
        let records: Vec<EpisodeRecord> = (1..=args.seasons)
            .flat_map(|s| (1..=args.episodes).map(move |e| EpisodeId::new(s, e)))
            .map(|id| EpisodeRecord {
                id,
                title_de: Some(format!("Folge {}", id.episode)),
                title_en: Some(format!("Episode {}", id.episode)),
                is_downloaded: id.season == 1,
                file_path: (id.season == 1).then(|| format!("Season 01/E{:02}.mp4", id.episode)),
                languages_offered: None,
                language: None,
            })
            .collect();
        episodes_total += records.len();
        store
            .replace_episodes(&key, &records)
            .expect("store the episodes");
        store
            .save_recheck_state(
                &key,
                &RecheckState {
                    ended: i % 3 == 0,
                    ..RecheckState::default()
                },
            )
            .expect("store the re-check state");
    }
    println!(
        "seeded {} series with {episodes_total} episodes into {} in {:.2} s",
        args.series,
        args.data_dir.join("aniworld.db").display(),
        started.elapsed().as_secs_f64()
    );
}
