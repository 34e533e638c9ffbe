//! The fake catalogue of the library benchmark (docs/bench-library.md): the series that
//! `seed_library` puts into the store, on the legacy aniworld engine, with `ETag`/`Last-Modified`
//! on series pages and a list of new episodes that names only series the library does not have
//! (an unchanged library).
//!
//! ```sh
//! cargo run --release -p aniworld-testkit --example bench_catalogue -- --series 10000
//! ```
//!
//! Prints `catalogue <url>`, then reads commands from stdin, one per line: `count` prints the
//! number of requests answered so far, `quit` (or the end of stdin) stops it.

use std::io::BufRead;

use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite};

fn main() {
    let mut series = 1000usize;
    let mut seasons = 2u32;
    let mut episodes = 12u32;
    let mut prefix = "bench".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--series" => series = value.parse().expect("--series N"),
            "--seasons" => seasons = value.parse().expect("--seasons S"),
            "--episodes" => episodes = value.parse().expect("--episodes E"),
            "--prefix" => prefix = value,
            other => panic!("unknown argument {other:?}"),
        }
    }
    let fake = FakeCatalogue::start_with(FakeSite::legacy_aniworld());
    fake.send_validators(true);
    let plan: Vec<(u32, u32)> = (1..=seasons).map(|s| (s, episodes)).collect();
    for i in 1..=series {
        let mut s = FakeSeries::new(
            &format!("{prefix}-{i:05}"),
            &format!("Bench Series {i:05}"),
            &plan,
        )
        .year(2000 + (i % 25) as i32);
        if i % 3 != 0 {
            s = s.ongoing();
        }
        fake.add(s);
    }
    for i in 1..=20 {
        let key = format!("elsewhere-{i}");
        fake.add(FakeSeries::new(&key, &format!("Elsewhere {i}"), &[(1, 1)]));
        fake.release_episode(&key, 1);
    }
    println!("catalogue {}", fake.url());
    for line in std::io::stdin().lock().lines() {
        match line.as_deref().map(str::trim) {
            Ok("count") => println!("{}", fake.request_count()),
            Ok("quit") | Err(_) => break,
            Ok(_) => println!("commands: count, quit"),
        }
    }
}
