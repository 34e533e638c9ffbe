//! The change signals of a rescan against the fake catalogue of aniworld-testkit, on both page
//! engines and both sites: the list of new episodes (`/neue-episoden`) read without any engine's
//! selectors, a list that is gone giving no signal, the series page's validators (`ETag`,
//! `Last-Modified`) turning an unchanged series into one 304, and the end of a run.

use std::time::Duration;

use aniworld_core::config::{ProviderConfig, SITE_ANIWORLD, SITE_STO};
use aniworld_core::ports::{EpisodeSource, Lookup, PageValidators};
use aniworld_core::{EpisodeId, SITE_ID};
use aniworld_provider::catalogue::{Catalogue, CatalogueOptions, Catalogues, SiteMonitor};
use aniworld_provider::http::HttpOptions;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite};

fn options() -> CatalogueOptions {
    CatalogueOptions {
        http: HttpOptions {
            backoff_base: Duration::from_millis(5),
            backoff_max: Duration::from_millis(50),
            ..HttpOptions::default()
        },
        cache_ttl: Duration::ZERO,
        ..CatalogueOptions::default()
    }
}

/// The provider configuration with aniworld.to at `aniworld` and, when given, s.to at `sto`.
fn config(aniworld: &FakeCatalogue, sto: Option<&FakeCatalogue>) -> ProviderConfig {
    let mut cfg = ProviderConfig {
        base_url: aniworld.url(),
        min_request_interval_ms: 0,
        timeout_seconds: 10,
        max_retries: 0,
        ..ProviderConfig::default()
    };
    cfg.normalize();
    for s in &mut cfg.sites {
        if s.id == SITE_STO {
            if let Some(sto) = sto {
                s.base_url = sto.url();
                s.mirrors = Vec::new();
                s.enabled = true;
            }
        } else if s.id == SITE_ANIWORLD {
            s.base_url = aniworld.url();
        }
    }
    cfg
}

/// The client of the site `fake` plays.
fn client(fake: &FakeCatalogue) -> Catalogue {
    let is_sto = fake.site().family == aniworld_testkit::catalogue::Family::Sto;
    let (aniworld, sto) = if is_sto {
        (None, Some(fake))
    } else {
        (Some(fake), None)
    };
    let placeholder = FakeCatalogue::start();
    let cfg = config(aniworld.unwrap_or(&placeholder), sto);
    let site = cfg
        .sites
        .iter()
        .find(|s| s.id == if is_sto { SITE_STO } else { SITE_ANIWORLD })
        .unwrap()
        .clone();
    Catalogue::for_site(&cfg, &site, options(), SiteMonitor::new()).unwrap()
}

fn sites() -> [FakeSite; 4] {
    [
        FakeSite::legacy_aniworld(),
        FakeSite::v2_aniworld(),
        FakeSite::v2_aniworld().short_anime_paths(false),
        FakeSite::v2_sto(),
    ]
}

/// A fake with four series, two of which got new episodes.
fn with_news(site: FakeSite) -> FakeCatalogue {
    let fake = FakeCatalogue::start_with(site);
    for (key, title) in [
        ("alpha", "Alpha"),
        ("beta", "Beta"),
        ("gamma", "Gamma"),
        ("delta", "Delta"),
    ] {
        fake.add(FakeSeries::new(key, title, &[(1, 2)]).movies(1));
    }
    fake.release_episode("beta", 1);
    fake.announce("delta", EpisodeId::new(0, 1));
    fake
}

#[test]
fn the_list_of_new_episodes_names_what_it_lists_on_every_engine_and_family() {
    for site in sites() {
        let fake = with_news(site);
        let c = client(&fake);
        // The page also links the other series (a "popular" box): those are not news.
        assert_eq!(c.recent_series().unwrap(), ["beta", "delta"], "{site:?}");
        assert_eq!(fake.server.hits("/neue-episoden"), 1, "{site:?}");
        assert_eq!(
            fake.request_count(),
            1,
            "{site:?}: one request, nothing else"
        );
    }
}

#[test]
fn a_list_that_is_gone_or_empty_is_no_signal_for_that_site_only() {
    let aniworld = with_news(FakeSite::legacy_aniworld());
    let sto = with_news(FakeSite::v2_sto());
    let catalogues = Catalogues::new(
        &config(&aniworld, Some(&sto)),
        options(),
        SiteMonitor::new(),
    )
    .unwrap();
    let signal = catalogues.change_signal();
    assert_eq!(signal.sites.len(), 2, "{signal:?}");
    assert!(signal.covers(SITE_ID) && signal.covers(SITE_STO));
    let named: Vec<&str> = signal.changed.iter().map(String::as_str).collect();
    assert_eq!(named, ["beta", "delta", "s.to:beta", "s.to:delta"]);

    sto.new_episodes_gone(true);
    let signal = catalogues.change_signal();
    assert!(
        signal.covers(SITE_ID) && !signal.covers(SITE_STO),
        "{signal:?}"
    );
    assert!(
        signal.unavailable[SITE_STO].contains("neue-episoden"),
        "{signal:?}"
    );
    assert!(!signal.names("s.to:beta") && signal.names("beta"));

    // A list with no episode (only the series links of its chrome) is no signal either,
    // never "everything changed".
    let empty = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    empty.add(FakeSeries::new("popular", "Popular", &[(1, 1)]));
    let err = client(&empty).recent_series().unwrap_err().to_string();
    assert!(err.contains("links no episode page"), "{err}");
}

#[test]
fn validators_make_an_unchanged_series_cost_one_304() {
    for site in sites() {
        let fake = with_news(site);
        fake.send_validators(true);
        let c = client(&fake);
        let first = c.catalogue_series("alpha").unwrap();
        let v = first.validators.clone();
        assert!(v.etag.is_some() && v.last_modified.is_some(), "{site:?}");

        let before = fake.request_count();
        assert_eq!(
            c.series_if_changed("alpha", &v).unwrap(),
            Lookup::NotModified,
            "{site:?}"
        );
        // Only the series page was asked (plus a 301 on families that moved).
        let asked = fake.request_count() - before;
        assert!((1..=2).contains(&asked), "{site:?}: {asked} requests");
        assert_eq!(fake.not_modified_answers(), 1, "{site:?}");
        // Last-Modified alone works too.
        let lm_only = PageValidators {
            etag: None,
            last_modified: v.last_modified.clone(),
        };
        assert_eq!(
            c.series_if_changed("alpha", &lm_only).unwrap(),
            Lookup::NotModified
        );

        // A new episode changes the page's validators: the whole series is read again.
        let id = fake.release_episode("alpha", 1);
        match c.series_if_changed("alpha", &v).unwrap() {
            Lookup::Changed(cat) => {
                assert!(cat.episodes.iter().any(|e| e.id == id), "{site:?}");
                assert_ne!(cat.validators, v);
            }
            Lookup::NotModified => panic!("{site:?}: the changed series was not read"),
        }
        // Without validators a look-up is unconditional.
        assert!(matches!(
            c.series_if_changed("beta", &PageValidators::default())
                .unwrap(),
            Lookup::Changed(_)
        ));
    }
}

#[test]
fn a_site_without_validators_sends_none_and_answers_in_full() {
    let fake = with_news(FakeSite::v2_sto());
    let c = client(&fake);
    let cat = c.catalogue_series("alpha").unwrap();
    assert!(cat.validators.is_empty());
    let stale = PageValidators {
        etag: Some("\"stale\"".into()),
        last_modified: None,
    };
    assert!(matches!(
        c.series_if_changed("alpha", &stale).unwrap(),
        Lookup::Changed(_)
    ));
    let sent = fake
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/serie/alpha")
        .filter_map(|r| r.header("if-none-match").map(str::to_string))
        .collect::<Vec<_>>();
    assert_eq!(sent, ["\"stale\""]);
}

#[test]
fn an_end_year_marks_a_series_as_ended_on_both_engines() {
    for site in sites() {
        let fake = FakeCatalogue::start_with(site);
        fake.add(FakeSeries::new("done", "Done", &[(1, 1)]).year(2010));
        fake.add(
            FakeSeries::new("running", "Running", &[(1, 1)])
                .year(2024)
                .ongoing(),
        );
        fake.add(FakeSeries::new("unknown", "Unknown", &[(1, 1)]));
        let c = client(&fake);
        assert!(c.catalogue_series("done").unwrap().ended, "{site:?}");
        assert!(!c.catalogue_series("running").unwrap().ended, "{site:?}");
        assert!(!c.catalogue_series("unknown").unwrap().ended, "{site:?}");
    }
}
