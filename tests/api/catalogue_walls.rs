//! What stands between the service and a catalogue site (docs/catalogue.md): verification walls
//! (items wait without burning retries, one probe per doubling cool-down), site session cookies
//! (sent to that site only; a refused session shows in the health report) and the canary (a
//! page of neither engine makes the site `degraded`).

use std::time::{Duration, Instant};

use aniworld_core::NewSeries;
use aniworld_core::ports::SeriesRepo;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite, PlayOutcome};
use serde_json::{Value, json};

use crate::catalogue_support::{ANIWORLD, STO, WAIT, site_entry, site_world, site_world_seeded};
use crate::ws_support::WsClient;

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

#[actix_web::test]
async fn a_verification_wall_makes_items_wait_without_retries_and_one_probe_per_cooldown() {
    let sto = FakeCatalogue::start_with(FakeSite::v2_sto());
    sto.add(FakeSeries::new("dark", "Dark", &[(1, 8)]).year(2017));
    let w = site_world(FakeCatalogue::start(), Some(sto), |c| {
        c["provider"]["verification_cooldown_seconds"] = json!(1);
        c["provider"]["verification_cooldown_max_seconds"] = json!(4);
        c["download"]["max_retries"] = json!(1);
    })
    .await;
    let sto = w.fake(STO);
    let added = w.add_ok(&sto.link("dark")).await;
    let folder = added["folder"].as_str().unwrap().to_string();
    let data: Vec<Vec<u8>> = (1..=8)
        .map(|e| w.serve_media("dark", 1, e, 20_000 + e as usize))
        .collect();
    sto.gate_after(5);
    sto.gate_lifts_after(Duration::from_secs(2));

    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    ws.join().await;
    let episodes: Vec<(u32, u32)> = (1..=8).map(|e| (1, e)).collect();
    w.queue("s.to:dark", &folder, &episodes).await;
    w.start_queue().await;

    // Watch the queue and the health report while the wall stands.
    let mut waiting_item: Option<Value> = None;
    let mut walled_health: Option<Value> = None;
    let deadline = Instant::now() + WAIT;
    let status = loop {
        let s = w.queue_status().await;
        assert_eq!(s["statistics"]["failed_count"], 0, "{s}");
        if waiting_item.is_none() {
            waiting_item = s["status"]["pending_queue"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| !i["waiting"].is_null())
                .cloned();
        }
        if walled_health.is_none() {
            let h = w.health().await;
            if h["catalogue"][STO]["status"] == "verification_required" {
                walled_health = Some(h);
            }
        }
        if s["statistics"]["completed_count"] == 8 {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the downloads did not all complete: {s}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    };

    // Every item completed without using a retry.
    let done = status["status"]["completed_downloads"].as_array().unwrap();
    assert_eq!(done.len(), 8, "{status}");
    for item in done {
        assert_eq!(item["retry_count"], 0, "{item}");
        assert!(item["waiting"].is_null(), "{item}");
    }
    for (i, bytes) in data.iter().enumerate() {
        let file = w.episode_file(&folder, 1, i as u32 + 1);
        assert_eq!(&std::fs::read(&file).unwrap(), bytes, "{}", file.display());
    }

    // While the wall stood, items showed why and until when they wait.
    let item = waiting_item.expect("a pending item showed `waiting`");
    assert_eq!(item["status"], "pending", "{item}");
    assert_eq!(item["retry_count"], 0, "{item}");
    assert_eq!(item["waiting"]["reason"], "verification_required", "{item}");
    assert_eq!(item["waiting"]["site"], STO, "{item}");
    assert!(is_rfc3339(&item["waiting"]["until"]), "{item}");
    let h = walled_health.expect("/health/detailed showed the wall");
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(is_rfc3339(&h["catalogue"][STO]["until"]), "{h}");
    assert_eq!(h["catalogue"][ANIWORLD]["status"], "healthy", "{h}");
    let msg = ws
        .until_with("download_waiting", |d| !d["waiting"].is_null())
        .await;
    let d = &msg["data"];
    assert_eq!(d["key"], "s.to:dark", "{msg}");
    assert_eq!(d["status"], "pending", "{msg}");
    assert_eq!(d["retry_count"], 0, "{msg}");
    assert_eq!(d["waiting"]["reason"], "verification_required", "{msg}");
    assert_eq!(d["waiting"]["site"], STO, "{msg}");
    assert!(is_rfc3339(&d["waiting"]["until"]), "{msg}");

    // The wall is gone and the site is healthy again.
    let h = w.health().await;
    assert_eq!(h["catalogue"][STO]["status"], "healthy", "{h}");
    assert_eq!(h["status"], "healthy", "{h}");

    // The site saw one play request per episode that went through, and after each wall answer
    // nothing until the cool-down (1 s, doubling up to 4 s) had passed.
    let plays = sto.play_requests();
    let redirects = plays
        .iter()
        .filter(|p| matches!(p.outcome, PlayOutcome::Redirect(_)))
        .count();
    let gates = plays
        .iter()
        .filter(|p| p.outcome == PlayOutcome::Gate)
        .count();
    assert_eq!(redirects, 8, "{plays:?}");
    assert!(gates >= 1, "{plays:?}");
    assert_eq!(redirects + gates, plays.len(), "{plays:?}");
    let tolerance = Duration::from_millis(100);
    let mut cooldown = Duration::from_secs(1);
    let mut last_gate: Option<(Instant, Duration)> = None;
    for p in &plays {
        if let Some((at, needed)) = last_gate {
            let gap = p.at.duration_since(at);
            assert!(
                gap + tolerance >= needed,
                "a play request {gap:?} after a wall answer, within the {needed:?} cool-down: {plays:?}"
            );
        }
        match p.outcome {
            PlayOutcome::Gate => {
                last_gate = Some((p.at, cooldown));
                cooldown = (cooldown * 2).min(Duration::from_secs(4));
            }
            _ => {
                last_gate = None;
                cooldown = Duration::from_secs(1);
            }
        }
    }
    // Each episode page read led to a play request: none was read while the site cooled down.
    let pages: u32 = (1..=8)
        .map(|e| sto.episode_page_hits("dark", aniworld_core::EpisodeId::new(1, e)))
        .sum();
    assert_eq!(pages as usize, plays.len(), "{plays:?}");
}

#[actix_web::test]
async fn other_sites_keep_downloading_while_one_site_is_walled() {
    let aniworld = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    aniworld.add(FakeSeries::new("monster", "Monster", &[(1, 1)]).year(2004));
    let sto = FakeCatalogue::start_with(FakeSite::v2_sto());
    sto.add(FakeSeries::new("dark", "Dark", &[(1, 1)]).year(2017));
    let w = site_world(aniworld, Some(sto), |c| {
        c["provider"]["verification_cooldown_seconds"] = json!(1);
        c["provider"]["verification_cooldown_max_seconds"] = json!(1);
    })
    .await;
    let sto = w.fake(STO);
    let dark = w.add_ok(&sto.link("dark")).await["folder"]
        .as_str()
        .unwrap()
        .to_string();
    let monster = w.add_ok(&w.aniworld.link("monster")).await["folder"]
        .as_str()
        .unwrap()
        .to_string();
    let dark_bytes = w.serve_media("dark", 1, 1, 20_000);
    let monster_bytes = w.serve_media("monster", 1, 1, 20_001);
    sto.gate_after(0);

    // The s.to item comes first and meets the wall; the aniworld.to item goes on meanwhile.
    let dark_id = w.queue("s.to:dark", &dark, &[(1, 1)]).await.remove(0);
    let monster_id = w.queue("monster", &monster, &[(1, 1)]).await.remove(0);
    w.start_queue().await;
    let completed = |s: &Value, id: &str| {
        s["status"]["completed_downloads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id)
    };
    w.wait_queue("the aniworld.to item to complete", |s| {
        completed(s, &monster_id)
    })
    .await;
    assert_eq!(
        std::fs::read(w.episode_file(&monster, 1, 1)).unwrap(),
        monster_bytes
    );
    let s = w
        .wait_queue("the s.to item to wait", |s| {
            s["status"]["pending_queue"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == dark_id.as_str() && !i["waiting"].is_null())
        })
        .await;
    assert!(!completed(&s, &dark_id), "{s}");
    let gate = sto.play_requests()[0].clone();
    assert_eq!(gate.outcome, PlayOutcome::Gate);
    let plays = w.aniworld.play_requests();
    assert_eq!(plays.len(), 1, "{plays:?}");
    assert!(
        plays[0].at > gate.at,
        "aniworld.to was asked after the wall went up"
    );
    let h = w.health().await;
    assert_eq!(
        h["catalogue"][STO]["status"], "verification_required",
        "{h}"
    );
    assert_eq!(h["catalogue"][ANIWORLD]["status"], "healthy", "{h}");
    assert_eq!(h["status"], "degraded", "{h}");

    // The wall lifts: the next probe goes through and the s.to item completes.
    sto.lift_gate();
    let s = w.wait_completed(2).await;
    for item in s["status"]["completed_downloads"].as_array().unwrap() {
        assert_eq!(item["retry_count"], 0, "{item}");
    }
    assert_eq!(
        std::fs::read(w.episode_file(&dark, 1, 1)).unwrap(),
        dark_bytes
    );
    assert_eq!(w.health().await["catalogue"][STO]["status"], "healthy");
}

#[actix_web::test]
async fn a_wall_answering_403_with_its_markers_is_waited_out_like_any_wall() {
    let sto = FakeCatalogue::start_with(FakeSite::v2_sto());
    sto.add(FakeSeries::new("dark", "Dark", &[(1, 1)]).year(2017));
    let w = site_world(FakeCatalogue::start(), Some(sto), |c| {
        c["provider"]["verification_cooldown_seconds"] = json!(1);
        c["provider"]["verification_cooldown_max_seconds"] = json!(2);
        c["download"]["max_retries"] = json!(1);
    })
    .await;
    let sto = w.fake(STO);
    let folder = w.add_ok(&sto.link("dark")).await["folder"]
        .as_str()
        .unwrap()
        .to_string();
    let bytes = w.serve_media("dark", 1, 1, 20_000);
    // The wall is up at once and answers play links with 403 and its gate markers.
    sto.gate_status(403);
    sto.gate_after(0);
    let id = w.queue("s.to:dark", &folder, &[(1, 1)]).await.remove(0);
    w.start_queue().await;
    let s = w
        .wait_queue("the item to wait", |s| {
            s["status"]["pending_queue"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == id.as_str() && !i["waiting"].is_null())
        })
        .await;
    let item = &s["status"]["pending_queue"][0];
    assert_eq!(item["waiting"]["reason"], "verification_required", "{item}");
    assert_eq!(item["retry_count"], 0, "{item}");
    // The wall lifts: the probe after the cool-down goes through.
    sto.lift_gate();
    let s = w.wait_completed(1).await;
    let item = &s["status"]["completed_downloads"][0];
    assert_eq!(item["retry_count"], 0, "{item}");
    assert_eq!(std::fs::read(w.episode_file(&folder, 1, 1)).unwrap(), bytes);
    assert_eq!(w.health().await["catalogue"][STO]["status"], "healthy");
}

const COOKIE: &str = "laravel_session=abc; remember_token=xyz";

/// Whether a `Cookie` header carries both pairs of [`COOKIE`].
fn has_session(cookie: Option<&str>) -> bool {
    let pairs: Vec<&str> = cookie.unwrap_or("").split(';').map(str::trim).collect();
    pairs.contains(&"laravel_session=abc") && pairs.contains(&"remember_token=xyz")
}

/// Whether a `Cookie` header carries any part of [`COOKIE`].
fn leaks_session(cookie: Option<&str>) -> bool {
    cookie.is_some_and(|c| c.contains("laravel_session") || c.contains("remember_token"))
}

#[actix_web::test]
async fn a_site_cookie_goes_to_its_site_only_is_masked_and_its_expiry_is_reported() {
    let aniworld = FakeCatalogue::start();
    aniworld.add(FakeSeries::new("monster", "Monster", &[(1, 2)]).year(2004));
    let sto = FakeCatalogue::start_with(FakeSite::v2_sto());
    sto.add(FakeSeries::new("dark", "Dark", &[(1, 2)]).year(2017));
    sto.require_cookie(COOKIE);
    let w = site_world(aniworld, Some(sto), |c| {
        site_entry(c, STO)["cookie"] = json!(COOKIE);
    })
    .await;
    let sto = w.fake(STO);

    // The API never shows it; the file keeps it.
    let r = w.config().await;
    let sites = r.json["provider"]["sites"].as_array().unwrap();
    let entry = |id: &str| sites.iter().find(|s| s["id"] == id).unwrap().clone();
    assert_eq!(entry(STO)["cookie"], "********", "{}", r.text);
    assert!(entry(ANIWORLD)["cookie"].is_null(), "{}", r.text);
    assert!(!r.text.contains("laravel_session"), "{}", r.text);
    assert!(!r.text.contains("remember_token"), "{}", r.text);
    let disk = w.app.config_on_disk();
    let on_disk = disk["provider"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == STO)
        .unwrap()["cookie"]
        .clone();
    assert_eq!(on_disk, COOKIE);

    // Search, add and download on both sites.
    let hits = w.search("dark").await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["site"], STO);
    let hits = w.search("monster").await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["site"], ANIWORLD);
    let dark = w.add_ok(&sto.link("dark")).await;
    let monster = w.add_ok(&w.aniworld.link("monster")).await;
    let dark_folder = dark["folder"].as_str().unwrap().to_string();
    let monster_folder = monster["folder"].as_str().unwrap().to_string();
    let dark_bytes = w.serve_media("dark", 1, 1, 30_000);
    let monster_bytes = w.serve_media("monster", 1, 1, 30_001);
    w.queue("s.to:dark", &dark_folder, &[(1, 1)]).await;
    w.queue("monster", &monster_folder, &[(1, 1)]).await;
    w.start_queue().await;
    w.wait_completed(2).await;
    assert_eq!(
        std::fs::read(w.episode_file(&dark_folder, 1, 1)).unwrap(),
        dark_bytes
    );
    assert_eq!(
        std::fs::read(w.episode_file(&monster_folder, 1, 1)).unwrap(),
        monster_bytes
    );
    let h = w.health().await;
    assert_eq!(h["catalogue"][STO]["status"], "healthy", "{h}");

    // Every s.to request carried the session; nothing else ever saw it.
    let sent = sto.cookies();
    assert!(
        sent.iter().any(|(p, _)| p.starts_with("/serie/")),
        "{sent:?}"
    );
    for (path, cookie) in &sent {
        assert!(has_session(cookie.as_deref()), "{path}: {cookie:?}");
    }
    let plays = sto.play_requests();
    assert_eq!(plays.len(), 1, "{plays:?}");
    assert!(has_session(plays[0].cookie.as_deref()), "{plays:?}");
    let aniworld_sent = w.aniworld.cookies();
    assert!(!aniworld_sent.is_empty());
    for (path, cookie) in &aniworld_sent {
        assert!(
            !leaks_session(cookie.as_deref()),
            "aniworld.to {path}: {cookie:?}"
        );
    }
    let hoster = w.hoster.voe.requests();
    assert!(hoster.iter().any(|r| r.path.starts_with("/media/")));
    for r in &hoster {
        assert!(
            !leaks_session(r.header("cookie")),
            "hoster {}: {:?}",
            r.path,
            r.header("cookie")
        );
    }
    assert!(w.hoster.catalogue.requests().is_empty());

    // The site stops accepting the session: s.to is `session_expired`.
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    sto.require_cookie("laravel_session=renewed");
    w.rescan().await;
    let h = w
        .wait_health("s.to to report the expired session", |h| {
            h["catalogue"][STO]["status"] == "session_expired"
        })
        .await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(h["catalogue"][STO]["error"].is_string(), "{h}");
    assert_eq!(h["catalogue"][ANIWORLD]["status"], "healthy", "{h}");
    let msg = ws
        .until_with("site_status", |d| {
            d["site"] == STO && d["status"] == "session_expired"
        })
        .await;
    assert!(msg["data"]["error"].is_string(), "{msg}");
}

#[actix_web::test]
async fn the_canary_reports_a_site_whose_pages_are_of_neither_engine() {
    let aniworld = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    aniworld.add(FakeSeries::new("broken-show", "Broken Show", &[(1, 2)]).unknown_layout());
    let hold = aniworld.hold_series_pages();
    let sto = FakeCatalogue::start_with(FakeSite::v2_sto());
    sto.add(FakeSeries::new("one-punch-man", "One Punch Man", &[(1, 2)]).year(2015));
    let w = site_world_seeded(
        aniworld,
        Some(sto),
        |c| c["provider"]["canary_interval_minutes"] = json!(60),
        |store| {
            store
                .insert_series(&NewSeries {
                    key: "broken-show".into(),
                    name: "Broken Show".into(),
                    site: ANIWORLD.into(),
                    folder: "Broken Show".into(),
                    year: None,
                    description: None,
                    imdb_id: None,
                    cover_url: None,
                    catalogue_url: None,
                })
                .unwrap();
        },
    )
    .await;
    // The canary reads the library's series page; it is held until the socket listens.
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    hold.open();
    let msg = ws
        .until_with("site_status", |d| {
            d["site"] == ANIWORLD && d["status"] == "degraded"
        })
        .await;
    let error = msg["data"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("neither known page engine"), "{msg}");

    let h = w
        .wait_health("both sites checked", |h| {
            !h["catalogue"][ANIWORLD]["last_check"].is_null()
                && !h["catalogue"][STO]["last_check"].is_null()
        })
        .await;
    assert_eq!(h["status"], "degraded", "{h}");
    let a = &h["catalogue"][ANIWORLD];
    assert_eq!(a["status"], "degraded", "{h}");
    assert!(
        a["error"]
            .as_str()
            .is_some_and(|e| e.contains("neither known page engine")
                && e.contains(&w.aniworld.series_url("broken-show"))),
        "{h}"
    );
    assert!(chrono::DateTime::parse_from_rfc3339(a["last_check"].as_str().unwrap()).is_ok());
    // s.to had no series in the library: the first hit of the canary's search was read.
    let s = &h["catalogue"][STO];
    assert_eq!(s["status"], "healthy", "{h}");
    assert_eq!(s["engine"], "v2", "{h}");
    assert!(s["error"].is_null(), "{h}");
    assert_eq!(w.aniworld.series_page_hits("broken-show"), 1);
    assert_eq!(w.fake(STO).series_page_hits("one-punch-man"), 1);
    // Searched for the library's series on aniworld.to, for "one" on s.to.
    let terms = |fake: &FakeCatalogue| -> Vec<String> {
        fake.server
            .requests()
            .iter()
            .filter_map(|r| {
                r.query_param("term")
                    .or_else(|| r.query_param("keyword"))
                    .or_else(|| r.form_field("keyword"))
            })
            .collect()
    };
    let asked = terms(&w.aniworld);
    assert!(
        !asked.is_empty() && asked.iter().all(|t| t == "Broken Show"),
        "{asked:?}"
    );
    let asked = terms(w.fake(STO));
    assert!(
        !asked.is_empty() && asked.iter().all(|t| t == "one"),
        "{asked:?}"
    );
}
