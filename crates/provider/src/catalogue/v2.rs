//! The v2 page engine (provider-reference section 6.1): the Bootstrap/Laravel layout s.to runs
//! since January 2026 and aniworld.to since December 2026.
//!
//! Pure parsers, no I/O: search (the `/api/search/suggest` JSON and the `/suche` HTML results),
//! series page (`#season-nav`), season page (`tr.episode-row`), episode page
//! (`#episode-links button.link-box[data-play-url]`), the redirect gate (Turnstile/ALTCHA) and
//! the signed-in markers of a site session.
//!
//! Every parser takes the page as fetched and the URL it came from, and fails with a typed
//! error: `NotFound` for the site's "not found" page, `Layout` naming the URL and the selector
//! that was looked for when the page is of another shape. Language ids are mapped with the v2
//! table of [`language_of`], never with the legacy `data-lang-key` table.

mod detect;
mod episode;
mod language;
mod search;
mod season;
mod series;

pub use detect::{SessionMarkers, is_v2, redirect_gate, session_markers};
pub use episode::parse_episode_page;
pub use language::language_of;
pub use search::{parse_search_page, parse_suggest};
pub use season::parse_season_page;
pub use series::parse_series_page;
