//! The fake catalogue of the anime tests: `aniworld_testkit::catalogue`, whose
//! `FakeCatalogue::start()` plays aniworld.to's legacy engine (`POST /ajax/search`, series pages
//! with `div.hosterSiteDirectNav#stream`, `table.seasonEpisodesList` season pages, the site's
//! "not found" page with 404), so the API tests and the provider's tests share one fake.

#![allow(unused_imports)] // not every test module uses every name

pub use aniworld_testkit::catalogue::{CHALLENGE_PAGE, FakeCatalogue, FakeSeries, esc};
