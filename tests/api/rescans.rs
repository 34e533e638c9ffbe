//! Rescans that cost what changed, through the service (docs/rescans.md): a library of 300
//! series seeded through the store against the fake catalogue. A changed rescan of the unchanged
//! library makes one catalogue request and says what it skipped and why (`scan_complete`); a
//! series that gains an episode on the site's list of new episodes is picked up by the
//! scheduler's next run (changed by default, its outcome showing what was skipped); the manual
//! rescan without a mode still looks up every series; an unknown mode is a 422 naming `mode`.

use aniworld_core::ports::{EpisodeRecord, SeriesRepo};
use aniworld_core::{EpisodeId, NewSeries};
use aniworld_store::Store;
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite};
use serde_json::{Value, json};

use crate::catalogue_support::{SiteWorld, ids, poll, site_world_seeded};
use crate::ws_support::WsClient;

const SERIES: usize = 300;

fn key(i: usize) -> String {
    format!("series-{i:03}")
}

/// The library as a restored database holds it: every series scanned, two episodes missing each.
fn seed(store: &Store) {
    for i in 0..SERIES {
        store
            .insert_series(&NewSeries {
                key: key(i),
                name: format!("Series {i}"),
                site: "aniworld.to".into(),
                folder: format!("Series {i}"),
                year: Some(2024),
                description: None,
                imdb_id: None,
                cover_url: None,
                catalogue_url: None,
            })
            .unwrap();
        let episodes: Vec<EpisodeRecord> = (1..=2)
            .map(|e| EpisodeRecord {
                id: EpisodeId::new(1, e),
                title_de: None,
                title_en: None,
                is_downloaded: false,
                file_path: None,
                languages_offered: None,
                language: None,
            })
            .collect();
        store.replace_episodes(&key(i), &episodes).unwrap();
    }
}

/// The fake site with the same 300 series, and a list of new episodes that names only a series
/// the library does not have.
fn site() -> FakeCatalogue {
    let fake = FakeCatalogue::start_with(FakeSite::legacy_aniworld());
    for i in 0..SERIES {
        fake.add(
            FakeSeries::new(&key(i), &format!("Series {i}"), &[(1, 2)])
                .year(2024)
                .ongoing(),
        );
    }
    fake.add(FakeSeries::new("elsewhere", "Elsewhere", &[(1, 1)]));
    fake.release_episode("elsewhere", 1);
    fake
}

/// `POST /api/anime/rescan<query>`, then the data of its `scan_complete` message.
async fn rescan(w: &SiteWorld, query: &str) -> Value {
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    let r = w
        .app
        .post_empty(&format!("/api/anime/rescan{query}"), Some(&w.token))
        .await;
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    assert_eq!(
        r.json,
        json!({ "success": true, "message": "Rescan started successfully" })
    );
    let done = ws.until("scan_complete").await;
    ws.close().await;
    poll("the scan to end", || async {
        let s = w.get("/api/anime/status").await;
        (s.json["scan_in_progress"] == false).then_some(())
    })
    .await;
    done["data"].clone()
}

#[actix_web::test]
async fn rescans_cost_what_changed_and_a_full_rescan_still_reads_everything() {
    let w = site_world_seeded(site(), None, |_| {}, seed).await;
    let fake = &w.aniworld;

    // An unchanged library: the list of new episodes, nothing else.
    let before = fake.request_count();
    let done = rescan(&w, "?mode=changed").await;
    assert_eq!(fake.request_count() - before, 1, "{done}");
    assert_eq!(fake.server.hits("/neue-episoden"), 1);
    assert_eq!(done["mode"], "changed", "{done}");
    assert_eq!(done["series_total"], SERIES);
    assert_eq!(done["series_scanned"], 0);
    assert_eq!(
        done["skipped"],
        json!({ "unchanged": SERIES, "not_due": 0, "not_modified": 0 })
    );
    assert_eq!(
        done["looked_up"],
        json!({ "signal": 0, "unscanned": 0, "due": 0 })
    );
    assert_eq!(done["signal_sites"], json!(["aniworld.to"]));
    assert_eq!(done["failed"], json!([]));

    // A new episode on the list: the scheduler's run (changed by default) picks it up alone.
    let id = fake.release_episode(&key(42), 1);
    let before = fake.request_count();
    let r = w
        .app
        .post_empty("/api/scheduler/trigger-rescan", Some(&w.token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let outcome = poll("the scheduler's run", || async {
        let v = w.get("/api/scheduler/config").await.json;
        let o = v["status"]["last_outcome"].clone();
        (v["status"]["scan_in_progress"] == false && !o.is_null()).then_some(o)
    })
    .await;
    assert_eq!(outcome["mode"], "changed", "{outcome}");
    assert_eq!(outcome["series_scanned"], 1, "{outcome}");
    assert_eq!(outcome["error"], Value::Null, "{outcome}");
    assert_eq!(
        outcome["skipped"],
        json!({ "unchanged": SERIES - 1, "not_due": 0, "not_modified": 0 })
    );
    assert_eq!(
        fake.request_count() - before,
        3,
        "the list, the series page and its season page"
    );
    assert_eq!(id, EpisodeId::new(1, 3));
    assert_eq!(
        w.detail(&key(42)).await["episodes"],
        ids(&[(1, 1), (1, 2), (1, 3)])
    );
    assert_eq!(w.detail(&key(41)).await["episodes"], ids(&[(1, 1), (1, 2)]));

    // The manual rescan without a mode is the full one: every series, no list.
    let before = fake.request_count();
    let done = rescan(&w, "").await;
    assert_eq!(done["mode"], "full", "{done}");
    assert_eq!(done["series_scanned"], SERIES, "{done}");
    assert_eq!(fake.request_count() - before, SERIES * 2);
    assert_eq!(fake.server.hits("/neue-episoden"), 2);

    let r = w
        .app
        .post_empty("/api/anime/rescan?mode=sometimes", Some(&w.token))
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert_eq!(r.json["details"]["field"], "mode", "{}", r.text);
}
