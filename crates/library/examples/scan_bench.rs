//! Benchmark of the scanner's local part (issue 3, deliverable 5).
//!
//! Generates a library of 2,000 series x 3 seasons x 25 episodes (150,000 episode files plus
//! `.nfo`, `.jpg` and `.part` noise) in a temp dir, then times in the same run, with the page cache
//! warm: `find <dir> -type f | wc -l`, the walker on one and on all cores (in this process, and in
//! a fresh process per run as `find` is), a first walk and an unchanged rescan through the walk
//! cache, and full `scan_all` runs whose catalogue answers come from memory (as they do from the
//! catalogue client's page cache during a rescan). Prints peak RSS.
//!
//! Wall times suffer when other processes compete for the cores; CPU times show the work done.
//!
//! Run: `cargo run --release -p aniworld-library --example scan_bench [-- --series N --rounds R]`;
//! `--dir PATH` generates the tree there once and reuses it on later runs.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aniworld_core::ports::CancelToken;
use aniworld_library::walk::{WalkCache, WalkOptions, walk_library};
use aniworld_library::{ScanOptions, Scanner};
use common::{FixedSource, MemRepo};

const SEASONS: u32 = 3;
const EPISODES: u32 = 25;

fn main() {
    let mut series = 2000usize;
    let mut rounds = 7usize;
    let mut keep: Option<std::path::PathBuf> = None;
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir, threads] = args.as_slice()
        && flag == "--walk-once"
    {
        // Child mode: one walk in a fresh process, timed from outside like `find`.
        let threads = threads.parse().unwrap_or(0);
        let w = walk_library(
            Path::new(dir),
            &WalkOptions {
                threads,
                folders: None,
            },
            None,
        );
        println!("{}", w.expect("walk").stats.episode_files);
        return;
    }
    for pair in args[1..].chunks(2) {
        if pair[0] == "--dir"
            && let Some(d) = pair.get(1)
        {
            keep = Some(d.into());
            continue;
        }
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--series", Some(v)) => series = v,
            ("--rounds", Some(v)) => rounds = v,
            _ => {
                eprintln!("usage: scan_bench [--series N] [--rounds R] [--dir KEPT_TREE]");
                std::process::exit(2);
            }
        }
    }
    let temp = tempfile::tempdir().expect("temp dir");
    let root = keep.as_deref().unwrap_or(temp.path());
    std::fs::create_dir_all(root).expect("create the tree folder");
    let t = Instant::now();
    if std::fs::read_dir(root)
        .expect("read the tree folder")
        .next()
        .is_none()
    {
        let files = generate(root, series);
        println!(
            "generated {files} files in {:.1?} under {}",
            t.elapsed(),
            root.display()
        );
    } else {
        println!("reusing the tree under {}", root.display());
    }
    let generated_at = Instant::now();

    // Warm the page cache, and let the newest folders age past the walk cache's racy window.
    let found = find_count(root);
    let _ = walk_library(root, &WalkOptions::default(), None);
    if let Some(rest) = Duration::from_millis(2100).checked_sub(generated_at.elapsed()) {
        std::thread::sleep(rest);
    }
    println!("find -type f counts {found} files\n");

    let find = measure(rounds, true, || assert_eq!(find_count(root), found));
    let mut episode_files = 0;
    let mut walk_with = |threads: usize| {
        measure(rounds, false, || {
            let w = walk_library(
                root,
                &WalkOptions {
                    threads,
                    folders: None,
                },
                None,
            );
            episode_files = w.expect("walk").stats.episode_files;
        })
    };
    let me = std::env::current_exe().expect("own path");
    let process = |threads: &str| {
        measure(rounds, true, || {
            let out = Command::new(&me)
                .arg("--walk-once")
                .arg(root)
                .arg(threads)
                .output()
                .expect("run");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                (series * 75).to_string()
            );
        })
    };
    let proc_all = process("0");
    let proc_one = process("1");
    let walk_all = walk_with(0);
    let mut cache = WalkCache::new();
    let first = measure(1, false, || {
        walk_library(root, &WalkOptions::default(), Some(&mut cache)).expect("walk");
    });
    let mut reused = 0;
    let rescan = measure(rounds, false, || {
        let w = walk_library(root, &WalkOptions::default(), Some(&mut cache)).expect("walk");
        reused = w.stats.folders_reused;
    });
    let service_rss = peak_rss_kib();
    let walk_one = walk_with(1);
    let all_rss = peak_rss_kib();

    println!("| what | wall time, median of {rounds} | CPU time (user+sys) per run |");
    println!("| --- | --- | --- |");
    let row = |what: &str, m: &Measure| println!("| {what} | {} | {} |", ms(m.wall), ms(m.cpu));
    row("`find <dir> -type f \\| wc -l`", &find);
    row(
        &format!("walker, all cores ({episode_files} episode files found)"),
        &walk_all,
    );
    row("walker, 1 thread", &walk_one);
    row(
        "walker, all cores, in a fresh process per run (like `find`)",
        &proc_all,
    );
    row("walker, 1 thread, in a fresh process per run", &proc_one);
    row("walker with cache, first walk (1 run)", &first);
    row(
        &format!("walker with cache, unchanged rescan ({reused} of {series} folders reused)"),
        &rescan,
    );
    println!(
        "\npeak RSS (VmHWM): {:.1} MiB after the parallel and cached walks, {:.1} MiB after the \
         extra 1-thread walks as well",
        service_rss as f64 / 1024.0,
        all_rss as f64 / 1024.0
    );

    // The whole scan: walk + merge + save, catalogue answers from memory.
    let mut source = FixedSource::default();
    let repo = Arc::new(MemRepo::default());
    for i in 0..series {
        let key = format!("series-{i:04}");
        source = source.with(
            &key,
            &name(i),
            None,
            &[(1, EPISODES), (2, EPISODES), (3, EPISODES + 1)],
        );
        repo.seed(&key, &name(i));
    }
    let scanner = Scanner::new(
        Arc::new(source),
        repo,
        ScanOptions {
            lookup_concurrency: 4,
            walk_threads: 0,
        },
    );
    let full = |label: &str| {
        let t = Instant::now();
        let r = scanner
            .scan_all(root, &mut |_| {}, &CancelToken::new())
            .expect("scan");
        println!(
            "| scan_all, {label} ({} series, {} missing, {} folders reused) | {} |",
            r.series_scanned,
            r.missing_total,
            r.walk.folders_reused,
            ms(t.elapsed())
        );
    };
    println!("\n| what | time (single run) |\n| --- | --- |");
    full("first");
    full("unchanged rescan");
    println!(
        "\npeak RSS at the end (includes the in-memory repository): {:.1} MiB",
        peak_rss_kib() as f64 / 1024.0
    );
}

fn name(i: usize) -> String {
    format!("Series {i:04} (2010)")
}

/// Writes the library; returns the number of files.
fn generate(root: &Path, series: usize) -> usize {
    let mut files = 0;
    let mut create = |p: &Path| {
        std::fs::File::create(p).expect("create file");
        files += 1;
    };
    for i in 0..series {
        let folder = root.join(name(i));
        std::fs::create_dir(&folder).expect("create folder");
        for noise in ["tvshow.nfo", "poster.jpg", "fanart.jpg"] {
            create(&folder.join(noise));
        }
        for s in 1..=SEASONS {
            let season = folder.join(format!("Season {s:02}"));
            std::fs::create_dir(&season).expect("create season");
            create(&season.join("season.nfo"));
            for e in 1..=EPISODES {
                create(&season.join(format!("{} - S{s:02}E{e:02}.mp4", name(i))));
            }
        }
        create(&folder.join(format!("Season 03/{} - S03E26.mp4.part", name(i))));
    }
    files
}

fn find_count(root: &Path) -> usize {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("find '{}' -type f | wc -l", root.display()))
        .output()
        .expect("run find");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("count")
}

/// Median wall time and mean CPU time of `rounds` runs of `f`.
struct Measure {
    wall: Duration,
    cpu: Duration,
}

/// Runs `f` `rounds` times; CPU time is this process's (all threads), or its children's.
fn measure(rounds: usize, children: bool, mut f: impl FnMut()) -> Measure {
    let rounds = rounds.max(1);
    let cpu_before = cpu_ticks(children);
    let mut walls: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    let ticks = cpu_ticks(children).saturating_sub(cpu_before);
    walls.sort();
    // Clock ticks are 1/100 s on Linux.
    let cpu = Duration::from_millis(ticks * 10 / rounds as u64);
    Measure {
        wall: walls[rounds / 2],
        cpu,
    }
}

/// utime+stime (or cutime+cstime of waited-for children) from /proc/self/stat, in clock ticks.
fn cpu_ticks(children: bool) -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|f| f.parse().ok())
        .collect();
    let at = if children { 2 } else { 0 };
    fields.get(at).copied().unwrap_or(0) + fields.get(at + 1).copied().unwrap_or(0)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// VmHWM of this process in KiB (0 where /proc is not available).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
