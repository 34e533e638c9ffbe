//! A series page that links a movies page which is not there: the series is still read, without
//! movies, and the client logs a warning naming the page. Checked with the fixture pages (the
//! movies page answering 404, answering the site's not-found page with 200, or redirecting to
//! the start page) and with the fake catalogue on both page engines and both sites.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use aniworld_core::EpisodeId;
use aniworld_core::config::{ProviderConfig, SiteConfig};
use aniworld_core::ports::EpisodeSource;
use aniworld_provider::catalogue::{Catalogue, CatalogueOptions, SiteMonitor};
use aniworld_provider::http::HttpOptions;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite, Family};
use aniworld_testkit::{FakeResponse, FakeServer};

const DS: &str = "demon-slayer-kimetsu-no-yaiba";

/// Keeps every warning logged by this test binary.
struct Warnings(Mutex<Vec<String>>);

impl log::Log for Warnings {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            let mut v = self.0.lock().unwrap_or_else(|e| e.into_inner());
            v.push(r.args().to_string());
        }
    }
    fn flush(&self) {}
}

fn warnings() -> &'static Warnings {
    static W: OnceLock<&'static Warnings> = OnceLock::new();
    W.get_or_init(|| {
        let w: &'static Warnings = Box::leak(Box::new(Warnings(Mutex::new(Vec::new()))));
        log::set_logger(w).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Warn);
        w
    })
}

/// Whether a warning about the missing movies page of `key` was logged.
fn warned_about(key: &str) -> bool {
    let v = warnings().0.lock().unwrap_or_else(|e| e.into_inner());
    v.iter().any(|m| {
        m.starts_with(&format!("{key}:"))
            && m.contains("movies page")
            && m.contains("without movies")
    })
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/catalogue/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn options() -> CatalogueOptions {
    CatalogueOptions {
        http: HttpOptions {
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(5),
            ..HttpOptions::default()
        },
        cache_ttl: Duration::ZERO,
        ..CatalogueOptions::default()
    }
}

fn provider(base: &str) -> ProviderConfig {
    ProviderConfig {
        base_url: base.to_string(),
        min_request_interval_ms: 0,
        max_retries: 1,
        timeout_seconds: 10,
        ..ProviderConfig::default()
    }
}

/// The fixture series (5 seasons of 26 episodes and a `Filme` link) with `movies` as the
/// answer of its movies page.
fn fixture_site(movies: FakeResponse) -> FakeServer {
    let site = FakeServer::start();
    site.serve(
        &format!("/anime/stream/{DS}"),
        FakeResponse::html(fixture("series_with_movies.html")),
    );
    for n in 1..=5 {
        site.serve(
            &format!("/anime/stream/{DS}/staffel-{n}"),
            FakeResponse::html(fixture("season_page.html")),
        );
    }
    site.serve(&format!("/anime/stream/{DS}/filme"), movies);
    site
}

#[test]
fn a_missing_movies_page_of_the_fixture_series_is_skipped_and_logged() {
    warnings();
    let not_found = fixture("not_found.html");
    let answers = [
        (
            "404",
            FakeResponse::html(not_found.clone()).with_status(404),
        ),
        ("not-found page with 200", FakeResponse::html(not_found)),
        ("redirect to the start page", FakeResponse::redirect("/")),
    ];
    for (what, answer) in answers {
        let site = fixture_site(answer);
        site.serve("/", FakeResponse::html("<html><body>Start</body></html>"));
        let c = Catalogue::with_options(&provider(&site.url()), options()).unwrap();
        let page = c.series(DS).unwrap();
        assert!(page.has_movies, "{what}: the series page links movies");
        let s = EpisodeSource::series(&c, DS).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(s.episodes.len(), 5 * 26, "{what}");
        assert!(s.episodes.iter().all(|e| e.id.season > 0), "{what}");
        assert_eq!(s.title, "Demon Slayer: Kimetsu no Yaiba", "{what}");
        assert_eq!(
            site.hits(&format!("/anime/stream/{DS}/filme")),
            1,
            "{what}: asked once, no retry of a missing page"
        );
        assert!(warned_about(DS), "{what}: the skip is logged");
    }
}

#[test]
fn a_missing_movies_page_on_either_engine_and_site_is_skipped() {
    warnings();
    for site in [
        FakeSite::legacy_aniworld(),
        FakeSite::v2_aniworld(),
        FakeSite::v2_sto(),
    ] {
        let key = match (site.engine, site.family) {
            (_, Family::Sto) => "sto-frieren",
            (aniworld_testkit::catalogue::Engine::Legacy, _) => "legacy-frieren",
            _ => "v2-frieren",
        };
        let fake = FakeCatalogue::start_with(site);
        fake.add(FakeSeries::new(key, "Frieren", &[(1, 4), (2, 3)]).movies_page_missing());
        let c = match site.family {
            Family::Aniworld => Catalogue::with_options(&provider(&fake.url()), options()),
            Family::Sto => Catalogue::for_site(
                &provider(&fake.url()),
                &SiteConfig {
                    id: "s.to".into(),
                    base_url: fake.url(),
                    mirrors: Vec::new(),
                    enabled: true,
                    cookie: Default::default(),
                },
                options(),
                SiteMonitor::new(),
            ),
        }
        .unwrap();
        let s = EpisodeSource::series(&c, key).unwrap_or_else(|e| panic!("{site:?}: {e:?}"));
        let ids: Vec<EpisodeId> = s.episodes.iter().map(|e| e.id).collect();
        let want: Vec<EpisodeId> = (1..=4)
            .map(|e| EpisodeId::new(1, e))
            .chain((1..=3).map(|e| EpisodeId::new(2, e)))
            .collect();
        assert_eq!(ids, want, "{site:?}");
        assert!(warned_about(key), "{site:?}: the skip is logged");
    }
}
