//! The resolver end to end: the real catalogue client reads an episode page from a fake
//! catalogue, follows its redirects to a fake hoster host, and the extractors run on the hoster
//! pages. Covers fallback to the next hoster, every attempt failing, language order, hoster
//! health moving a failing hoster last, and cancellation.

mod hoster_support;

use std::sync::Arc;
use std::time::Duration;

use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{CancelToken, MediaKind, SourceErrorKind, StreamResolver};
use aniworld_core::{EpisodeId, Language};
use aniworld_provider::HosterLink;
use aniworld_provider::catalogue::{Catalogue, CatalogueOptions};
use aniworld_provider::hosters::{Fetch, FetchError, FetchedPage, UreqFetch};
use aniworld_provider::http::HttpOptions;
use aniworld_provider::resolver::{
    FAILING_THRESHOLD, HealthPolicy, HealthTracker, LinkSource, Resolver,
};
use aniworld_testkit::{FakeResponse, FakeServer};
use chrono::Utc;
use hoster_support::{page, serve_media};
use serde_json::json;

const KEY: &str = "demon-slayer-kimetsu-no-yaiba";

/// Redirect id on the episode page -> (hoster, embed path on that hoster's fake host).
const LINKS: [(&str, &str, &str); 7] = [
    ("2738955", "VOE", "/e/dub"),         // German Dub
    ("2738956", "Filemoon", "/e/dub"),    // German Dub
    ("2738957", "Vidmoly", "/w/dub"),     // German Dub
    ("2738958", "Doodstream", "/e/dub"),  // German Dub
    ("2738960", "VOE", "/e/engsub"),      // English Sub
    ("2738961", "Filemoon", "/e/engsub"), // English Sub
    ("2738970", "VOE", "/e/gersub"),      // German Sub (listed twice on the page)
];

struct World {
    site: FakeServer,
    voe: FakeServer,
    vidmoly: FakeServer,
    filemoon: FakeServer,
    dood: FakeServer,
    catalogue: Arc<Catalogue>,
}

fn episode_page() -> String {
    let path = format!(
        "{}/tests/fixtures/catalogue/episode_all_languages.html",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A hoster host on which every page is broken (HTTP 502) until a test serves a working one.
fn broken_hoster() -> FakeServer {
    let s = FakeServer::start();
    s.route("/*", |_| {
        FakeResponse::html("<h1>502 Bad Gateway</h1>").with_status(502)
    });
    serve_media(&s);
    s
}

/// A catalogue with one episode page whose links redirect to one fake host per hoster.
fn world() -> World {
    let site = FakeServer::start();
    let (voe, vidmoly, filemoon, dood) = (
        broken_hoster(),
        broken_hoster(),
        broken_hoster(),
        broken_hoster(),
    );
    site.serve(
        &format!("/anime/stream/{KEY}/staffel-1/episode-1"),
        FakeResponse::html(episode_page()),
    );
    for (id, hoster, path) in LINKS {
        let host = match hoster {
            "VOE" => &voe,
            "Vidmoly" => &vidmoly,
            "Filemoon" => &filemoon,
            _ => &dood,
        };
        site.serve(
            &format!("/redirect/{id}"),
            FakeResponse::redirect(&format!("{}{path}", host.url())),
        );
    }
    site.serve(
        "/redirect/2738971",
        FakeResponse::html("<h1>gone</h1>").with_status(404),
    );
    let cfg = ProviderConfig {
        base_url: site.url(),
        min_request_interval_ms: 1,
        timeout_seconds: 10,
        max_retries: 1,
        ..ProviderConfig::default()
    };
    let opts = CatalogueOptions {
        http: HttpOptions {
            backoff_base: Duration::from_millis(2),
            backoff_max: Duration::from_millis(10),
            ..HttpOptions::default()
        },
        ..CatalogueOptions::default()
    };
    let catalogue = Arc::new(Catalogue::with_options(&cfg, opts).unwrap());
    World {
        site,
        voe,
        vidmoly,
        filemoon,
        dood,
        catalogue,
    }
}

impl World {
    fn resolver(&self, health: HealthTracker) -> Resolver {
        Resolver::with_health(
            self.catalogue.clone(),
            self.catalogue.http().clone(),
            health,
        )
    }

    fn serve_voe(&self, path: &str) {
        let hls = format!("{}/media{path}/master.m3u8", self.voe.url());
        let payload =
            hoster_support::voe_chain(&json!({ "source": hls }).to_string(), &["@$", "#&"]);
        self.voe.serve(
            path,
            FakeResponse::html(page("voe_json.html", &[("PAYLOAD", &payload)])),
        );
    }

    fn serve_vidmoly(&self) {
        let hls = format!("{}/media/vidmoly/master.m3u8", self.vidmoly.url());
        self.vidmoly.serve(
            "/embed-dub.html",
            FakeResponse::html(page("vidmoly.html", &[("HLS", &hls)])),
        );
    }
}

fn prefs(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn ep() -> EpisodeId {
    EpisodeId::new(1, 1)
}

#[test]
fn falls_back_from_a_failing_preferred_hoster() {
    let w = world();
    w.serve_vidmoly();
    let r = w.resolver(HealthTracker::new());
    let (media, attempts) = r
        .resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &prefs(&["VOE", "Vidmoly", "Vidoza"]),
            &CancelToken::new(),
        )
        .unwrap();
    assert_eq!(
        (media.hoster.as_str(), media.language, media.kind),
        ("Vidmoly", Language::GermanDub, MediaKind::Hls)
    );
    assert_eq!(
        media.url,
        format!("{}/media/vidmoly/master.m3u8", w.vidmoly.url())
    );
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        (attempts[0].hoster.as_str(), attempts[0].language),
        ("VOE", Language::GermanDub)
    );
    assert!(attempts[0].error.contains("502"), "{}", attempts[0].error);
    assert_eq!(
        w.filemoon.hits("/e/dub"),
        0,
        "Filemoon is not preferred, so not tried before Vidmoly"
    );
    let health = r.health();
    assert_eq!((health["VOE"].successes, health["VOE"].failures), (0, 1));
    assert!(health["VOE"].last_error.as_deref().unwrap().contains("502"));
    assert_eq!(
        (health["Vidmoly"].successes, health["Vidmoly"].failures),
        (1, 0)
    );
    assert!(health["Vidmoly"].last_attempt.is_some());
}

#[test]
fn every_attempt_is_reported_when_all_fail() {
    let w = world();
    let r = w.resolver(HealthTracker::new());
    let (err, attempts) = r
        .resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &prefs(&["VOE"]),
            &CancelToken::new(),
        )
        .unwrap_err();
    let tried: Vec<(&str, Language)> = attempts
        .iter()
        .map(|a| (a.hoster.as_str(), a.language))
        .collect();
    assert_eq!(
        tried,
        [
            ("VOE", Language::GermanDub),
            ("Filemoon", Language::GermanDub),
            ("Vidmoly", Language::GermanDub),
            ("Doodstream", Language::GermanDub),
            ("VOE", Language::GermanSub),
            ("Vidoza", Language::GermanSub),
            ("VOE", Language::EnglishSub),
            ("Filemoon", Language::EnglishSub),
        ]
    );
    assert_eq!(err.kind, SourceErrorKind::Network);
    for name in ["VOE", "Filemoon", "Vidmoly", "Doodstream", "Vidoza"] {
        assert!(err.message.contains(name), "{} lacks {name}", err.message);
    }
    assert!(
        attempts[5].error.contains("redirect"),
        "{}",
        attempts[5].error
    );
    assert!(
        !r.health().contains_key("Vidoza"),
        "a catalogue redirect failure is not the hoster's"
    );
}

#[test]
fn language_preference_comes_first() {
    let w = world();
    w.serve_vidmoly();
    w.serve_voe("/e/gersub");
    let r = w.resolver(HealthTracker::new());
    let (media, attempts) = r
        .resolve(
            KEY,
            ep(),
            &[Language::GermanSub, Language::GermanDub],
            &prefs(&["Vidmoly", "VOE"]),
            &CancelToken::new(),
        )
        .unwrap();
    assert_eq!(
        (media.hoster.as_str(), media.language),
        ("VOE", Language::GermanSub)
    );
    assert!(attempts.is_empty(), "{attempts:?}");
    assert_eq!(w.vidmoly.hits("/embed-dub.html"), 0);

    let (err, attempts) = r
        .resolve(
            KEY,
            ep(),
            &[Language::EnglishSub],
            &prefs(&[]),
            &CancelToken::new(),
        )
        .unwrap_err();
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|a| a.language == Language::EnglishSub));
    assert!(
        err.message.contains("every hoster failed"),
        "{}",
        err.message
    );
}

#[test]
fn a_degraded_hoster_is_tried_last_until_its_cool_down_ends() {
    let w = world();
    w.serve_vidmoly();
    w.serve_voe("/e/dub");
    let health = HealthTracker::new();
    let now = Utc::now();
    for _ in 0..FAILING_THRESHOLD {
        health.record_failure("VOE", now, "HTTP 502");
    }
    let r = w.resolver(health.clone());
    let (media, attempts) = r
        .resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &prefs(&["VOE", "Vidmoly"]),
            &CancelToken::new(),
        )
        .unwrap();
    assert_eq!(media.hoster, "Vidmoly");
    assert!(attempts.is_empty());
    assert_eq!(
        w.voe.hits("/e/dub"),
        0,
        "VOE failed its last attempts and was not tried first"
    );
    assert_eq!(r.health_tracker().snapshot()["Vidmoly"].successes, 1);

    // once VOE works again it is back in front
    health.record_success("VOE", Utc::now());
    let (media, _) = r
        .resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &prefs(&["VOE", "Vidmoly"]),
            &CancelToken::new(),
        )
        .unwrap();
    assert_eq!(media.hoster, "VOE");

    // A short cool-down: once it has passed, the failing hoster is tried in its place again,
    // and a new failure starts a new (doubled) cool-down.
    let policy = HealthPolicy {
        threshold: 2,
        cooldown: chrono::Duration::milliseconds(300),
        max_cooldown: chrono::Duration::seconds(5),
    };
    let health = HealthTracker::with_policy(policy);
    let failed_at = Utc::now();
    health.record_failure("VOE", failed_at, "HTTP 502");
    health.record_failure("VOE", failed_at, "HTTP 502");
    let r = w.resolver(health.clone());
    let first = |r: &Resolver| {
        r.resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &prefs(&["VOE", "Vidmoly"]),
            &CancelToken::new(),
        )
        .unwrap()
        .0
        .hoster
    };
    let hits = w.voe.hits("/e/dub");
    if Utc::now() < failed_at + chrono::Duration::milliseconds(250) {
        assert_eq!(first(&r), "Vidmoly", "in the cool-down");
        assert_eq!(w.voe.hits("/e/dub"), hits);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while health.is_failing("VOE", Utc::now()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the cool-down never ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(first(&r), "VOE", "tried in its place after the cool-down");
    let snap = health.snapshot();
    assert_eq!(snap["VOE"].consecutive_failures, 0);
    assert_eq!(snap["VOE"].degraded_until, None);
}

#[test]
fn cancellation_and_catalogue_errors() {
    let w = world();
    let r = w.resolver(HealthTracker::new());
    let cancel = CancelToken::new();
    cancel.cancel();
    let (err, attempts) = r
        .resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &prefs(&["VOE"]),
            &cancel,
        )
        .unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Cancelled);
    assert!(attempts.is_empty());
    for h in [&w.voe, &w.vidmoly, &w.filemoon, &w.dood] {
        assert!(h.requests().is_empty());
    }

    let (err, attempts) = r
        .resolve(
            KEY,
            EpisodeId::new(9, 9),
            &Language::DEFAULT_PREFERENCE,
            &prefs(&["VOE"]),
            &CancelToken::new(),
        )
        .unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::NotFound, "{}", err.message);
    assert!(attempts.is_empty());
    assert!(
        w.site
            .hits(&format!("/anime/stream/{KEY}/staffel-9/episode-9"))
            >= 1
    );
}

/// One link on the episode page, named `name`, whose redirect leads to `embed`.
struct OneLink {
    name: &'static str,
    embed: String,
}

impl LinkSource for OneLink {
    fn episode_links(
        &self,
        _key: &str,
        _id: EpisodeId,
    ) -> Result<Vec<HosterLink>, aniworld_provider::ProviderError> {
        Ok(vec![HosterLink {
            language: Language::GermanDub,
            hoster: self.name.into(),
            redirect_url: "http://catalogue.invalid/redirect/1".into(),
        }])
    }

    fn resolve_link(
        &self,
        _key: &str,
        _id: EpisodeId,
        _link: &HosterLink,
    ) -> Result<String, aniworld_provider::ProviderError> {
        Ok(self.embed.clone())
    }
}

/// Plays a hoster's public domain: requests to `from` go to the local fake host `to`.
struct Domain {
    from: String,
    to: String,
    inner: UreqFetch,
}

impl Fetch for Domain {
    fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<FetchedPage, FetchError> {
        self.inner.get(&url.replace(&self.from, &self.to), headers)
    }

    fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<FetchedPage, FetchError> {
        self.inner
            .post_form(&url.replace(&self.from, &self.to), form, headers)
    }
}

#[test]
fn a_hoster_name_no_extractor_knows_is_recognised_by_the_domain_it_redirects_to() {
    let w = world();
    w.serve_vidmoly();
    let fetch = Arc::new(Domain {
        from: "https://vidmoly.example".into(),
        to: w.vidmoly.url(),
        inner: UreqFetch::new(Duration::from_secs(10)),
    });
    let links = Arc::new(OneLink {
        name: "Moly 2026",
        embed: "https://vidmoly.example/embed-dub.html".into(),
    });
    let health = HealthTracker::new();
    let r = Resolver::with_health(links, fetch.clone(), health.clone());
    let (media, attempts) = r
        .resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &[],
            &CancelToken::new(),
        )
        .unwrap();
    assert!(attempts.is_empty(), "{attempts:?}");
    assert_eq!(
        (media.hoster.as_str(), media.kind),
        ("Vidmoly", MediaKind::Hls)
    );
    assert_eq!(
        media.url,
        format!("{}/media/vidmoly/master.m3u8", w.vidmoly.url())
    );
    assert_eq!(health.snapshot()["Vidmoly"].successes, 1);

    // A name and a domain nobody knows: a clear error, and no health entry for the name.
    let links = Arc::new(OneLink {
        name: "Streamhub2026",
        embed: "https://streamhub.example/e/1".into(),
    });
    let r = Resolver::with_health(links, fetch, health.clone());
    let (err, attempts) = r
        .resolve(
            KEY,
            ep(),
            &Language::DEFAULT_PREFERENCE,
            &[],
            &CancelToken::new(),
        )
        .unwrap_err();
    assert_eq!(attempts.len(), 1);
    assert_eq!(err.kind, SourceErrorKind::Layout);
    assert!(
        attempts[0]
            .error
            .contains("no extractor for hoster \"Streamhub2026\""),
        "{}",
        attempts[0].error
    );
    assert!(!health.snapshot().contains_key("Streamhub2026"));
}
