//! Play links against the fake catalogue through the real client: a redirect to a hoster, an
//! expired token replaced once, a verification wall that cools the site down (no request while
//! it does, one probe after it), a wall passed through a FlareSolverr endpoint, and a site cookie
//! that goes to its site only.

use std::time::Duration;

use aniworld_core::EpisodeId;
use aniworld_core::config::{ProviderConfig, SiteConfig};
use aniworld_provider::ProviderError;
use aniworld_provider::catalogue::{Catalogue, CatalogueOptions, SiteHealth, SiteMonitor};
use aniworld_provider::http::HttpOptions;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite, PlayOutcome};
use aniworld_testkit::{FakeResponse, FakeServer};

const KEY: &str = "dark";
const EP: EpisodeId = EpisodeId {
    season: 1,
    episode: 1,
};

fn sto_site(c: &FakeCatalogue) -> SiteConfig {
    SiteConfig {
        id: "s.to".into(),
        base_url: c.url(),
        mirrors: Vec::new(),
        enabled: true,
        cookie: Default::default(),
    }
}

fn provider(solver: Option<String>) -> ProviderConfig {
    ProviderConfig {
        min_request_interval_ms: 0,
        max_retries: 0,
        timeout_seconds: 10,
        solver_url: solver,
        ..ProviderConfig::default()
    }
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

fn fake() -> FakeCatalogue {
    let c = FakeCatalogue::start_with(FakeSite::v2_sto());
    c.add(FakeSeries::new(KEY, "Dark", &[(1, 3)]));
    c
}

fn client(site: &SiteConfig, solver: Option<String>) -> Catalogue {
    let monitor = SiteMonitor::new();
    monitor.set_cooldowns(Duration::from_secs(600), Duration::from_secs(1200));
    Catalogue::for_site(&provider(solver), site, options(), monitor).unwrap()
}

#[test]
fn a_play_link_gives_the_hoster_and_an_expired_one_is_replaced_once() {
    let c = fake();
    c.expire_first_tokens(true);
    let cat = client(&sto_site(&c), None);
    let links = cat.episode_links(KEY, EP).unwrap();
    let target = cat.resolve_link(KEY, EP, &links[0]).unwrap();
    assert!(target.starts_with("https://voe.example/e/"), "{target}");
    let outcomes: Vec<PlayOutcome> = c.play_requests().into_iter().map(|p| p.outcome).collect();
    assert_eq!(
        outcomes,
        vec![PlayOutcome::Expired, PlayOutcome::Redirect(target.clone())]
    );
    assert_eq!(
        c.episode_page_hits(KEY, EP),
        2,
        "the page was read once more"
    );
}

#[test]
fn a_wall_cools_the_site_down_without_requests_and_is_its_own_error_kind() {
    let c = fake();
    c.gate_after(0);
    let cat = client(&sto_site(&c), None);
    let links = cat.episode_links(KEY, EP).unwrap();
    let err = cat.resolve_link(KEY, EP, &links[0]).unwrap_err();
    let ProviderError::VerificationRequired { site, until, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(site, "s.to");
    assert!(*until > chrono::Utc::now() + chrono::Duration::seconds(500));
    assert_eq!(
        cat.monitor().status("s.to").status,
        SiteHealth::VerificationRequired
    );
    // While it cools down, no further play-link request leaves.
    let before = c.play_requests().len();
    let again = cat.resolve_link(KEY, EP, &links[0]).unwrap_err();
    assert!(matches!(again, ProviderError::VerificationRequired { .. }));
    assert_eq!(c.play_requests().len(), before);
    // A wall is never a layout or hoster failure for the callers.
    let s: aniworld_core::ports::SourceError = err.into();
    assert_eq!(
        s.kind,
        aniworld_core::ports::SourceErrorKind::VerificationRequired
    );
    assert_eq!(s.wait.unwrap().site, "s.to");
}

#[test]
fn a_wall_answered_as_a_challenge_lifts_for_the_probe_after_the_cool_down() {
    let c = fake();
    c.gate_after(0);
    c.gate_status(403);
    let site = sto_site(&c);
    let monitor = SiteMonitor::new();
    monitor.set_cooldowns(Duration::from_secs(1), Duration::from_secs(2));
    let cat = Catalogue::for_site(&provider(None), &site, options(), monitor).unwrap();
    let links = cat.episode_links(KEY, EP).unwrap();
    let err = cat.resolve_link(KEY, EP, &links[0]).unwrap_err();
    assert!(
        matches!(err, ProviderError::VerificationRequired { .. }),
        "{err:?}"
    );
    c.lift_gate();
    // Poll (bounded) until the cool-down has passed and the probe gets through.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let target = loop {
        match cat.resolve_link(KEY, EP, &links[0]) {
            Ok(t) => break t,
            Err(ProviderError::VerificationRequired { .. })
                if std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("the probe was refused: {e}"),
        }
    };
    assert!(target.starts_with("https://voe.example/"), "{target}");
    assert_eq!(cat.monitor().status("s.to").status, SiteHealth::Healthy);
    let gates = c
        .play_requests()
        .iter()
        .filter(|p| p.outcome == PlayOutcome::Gate)
        .count();
    assert_eq!(gates, 1, "one wall, then the probe passed");
}

#[test]
fn a_configured_flaresolverr_is_tried_before_the_site_cools_down() {
    let c = fake();
    c.gate_after(0);
    let solver = FakeServer::start();
    solver.route_method("POST", "/v1", |req| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["cmd"], "request.get");
        FakeResponse::json(&serde_json::json!({
            "status": "ok",
            "message": "",
            "solution": {
                "url": "https://voe.example/e/solved", "status": 200, "headers": {},
                "response": "<html></html>", "cookies": [], "userAgent": "FlareBrowser/126"
            }
        }))
    });
    let cat = client(&sto_site(&c), Some(format!("{}/v1", solver.url())));
    let links = cat.episode_links(KEY, EP).unwrap();
    let target = cat.resolve_link(KEY, EP, &links[0]).unwrap();
    assert_eq!(target, "https://voe.example/e/solved");
    assert_eq!(solver.hits("/v1"), 1);
    assert_eq!(cat.monitor().status("s.to").status, SiteHealth::Healthy);
}

#[test]
fn a_site_cookie_goes_to_its_site_and_a_login_page_expires_the_session() {
    let c = fake();
    c.require_cookie("laravel_session=abc; remember_token=xyz");
    let mut site = sto_site(&c);
    site.cookie =
        aniworld_core::Secret::new(Some("laravel_session=abc; remember_token=xyz".into()));
    let cat = client(&site, None);
    let links = cat.episode_links(KEY, EP).unwrap();
    cat.resolve_link(KEY, EP, &links[0]).unwrap();
    let cookies = c.cookies();
    assert!(!cookies.is_empty());
    for (path, cookie) in &cookies {
        let cookie = cookie.as_deref().unwrap_or("");
        assert!(
            cookie.contains("laravel_session=abc") && cookie.contains("remember_token=xyz"),
            "{path}: {cookie}"
        );
    }
    // The hoster is another host: the site cookie is never sent there.
    let hoster = FakeServer::start();
    hoster.serve("/e/x", FakeResponse::html("<html></html>"));
    let page = cat
        .http()
        .get(&format!("{}/e/x", hoster.url()), &[])
        .unwrap();
    assert_eq!(page.status, 200);
    assert!(hoster.requests()[0].header("cookie").is_none());
    assert_eq!(cat.monitor().status("s.to").status, SiteHealth::Healthy);
    // The site stops accepting the cookie: its status says so.
    c.require_cookie("laravel_session=other");
    cat.episode_links(KEY, EpisodeId::new(1, 2)).ok();
    assert_eq!(
        cat.monitor().status("s.to").status,
        SiteHealth::SessionExpired
    );
}
