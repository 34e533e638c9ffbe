//! The fakes the API fuzzing stage (`.ci/fuzz-api.sh`) runs the service against: a catalogue
//! (v2 engine, aniworld family) and TMDB, each with a few series, on free ports of 127.0.0.1.
//!
//! Prints `catalogue <url>`, `tmdb_api <url>`, `tmdb_images <url>` and `tmdb_key <key>` (one per
//! line), then serves until killed.

use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite};
use aniworld_testkit::tmdb::{self, FakeTmdb, Show};

/// Lower-case letters and digits, words joined by one space.
fn normalize(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let catalogue = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    // Play links lead to a closed local port: downloads fail at once, without a DNS look-up.
    catalogue.hoster_base("http://127.0.0.1:9");
    let titles = [
        ("frieren", "Frieren", 2023, 1_001),
        ("one-piece", "One Piece", 1999, 1_002),
        ("naruto", "Naruto", 2002, 1_003),
    ];
    let mut shows = Vec::new();
    for (key, title, year, id) in titles {
        catalogue.add(FakeSeries::new(key, title, &[(1, 3), (2, 2)]).year(year));
        shows.push(Show::new(id, title, &format!("{year}-01-01")));
    }
    let fake_tmdb = FakeTmdb::start(shows, normalize);
    println!("catalogue {}", catalogue.url());
    println!("tmdb_api {}", fake_tmdb.api_url());
    println!("tmdb_images {}", fake_tmdb.image_url());
    println!("tmdb_key {}", tmdb::KEY);
    loop {
        std::thread::park();
    }
}
