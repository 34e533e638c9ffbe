//! `GET /api/anime` on a library of 300 series: every filter, sort and page answers what the
//! in-memory listing of earlier versions answers (`SeriesQuery::apply`, kept as the oracle),
//! and a page costs the same SQL statements and reads the same rows as on a library of 30.

use aniworld_core::ports::{EpisodeRecord, SeriesRepo};
use aniworld_core::series::{SeriesFilter, SeriesQuery, SeriesSort};
use aniworld_core::{EpisodeId, NewSeries};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const NAMES: [&str; 8] = [
    "Attack on Titan",
    "attack on titan",
    "Ächtung",
    "Zeta",
    "zeta",
    "Élan",
    "86",
    "dr. Stone",
];

/// Fills the library with `n` series of every shape (through the store, as a restored
/// database would hold them).
fn seed(app: &TestApp, n: usize) {
    let store = &app.state.app.store();
    for i in 0..n {
        let key = format!("series-{:04}", (i * 7919) % 10_000);
        store
            .insert_series(&NewSeries {
                key: key.clone(),
                name: format!("{} {}", NAMES[i % NAMES.len()], i % 3),
                site: "aniworld.to".into(),
                folder: format!("Folder {i}"),
                year: None,
                description: None,
                imdb_id: None,
                cover_url: None,
                catalogue_url: None,
            })
            .unwrap();
        let episodes: Vec<EpisodeRecord> = (1..=(i % 5) as u32)
            .map(|e| EpisodeRecord {
                id: EpisodeId::new(1, e),
                title_de: None,
                title_en: None,
                is_downloaded: i % 3 == 0 || (i % 3 == 1 && e == 1),
                file_path: None,
                languages_offered: None,
                language: None,
            })
            .collect();
        store.replace_episodes(&key, &episodes).unwrap();
    }
}

/// The answer the listing of earlier versions gave for `q`, as JSON, with the monitoring
/// fields (defaults for these series) after the fields it had.
fn oracle(app: &TestApp, q: &SeriesQuery) -> Value {
    let all = app.state.app.store().list_series().unwrap();
    let base = app.state.app.config().current().provider.base_url.clone();
    let base = base.trim_end_matches('/');
    Value::Array(
        q.apply(all)
            .into_iter()
            .map(|s| {
                json!({
                    "key": s.key,
                    "name": s.name,
                    "site": s.site,
                    "folder": s.folder,
                    "missing_episodes": s.missing,
                    "link": format!("{base}/anime/stream/{}", s.key),
                    "monitored": true,
                    "languages": ["German Dub", "German Sub", "English Sub"],
                    "cutoff": "German Dub",
                    "upgrade": false,
                })
            })
            .collect(),
    )
}

#[actix_web::test]
async fn every_filter_sort_and_page_equals_the_in_memory_listing() {
    let app = spawn_app().await;
    let token = app.token().await;
    seed(&app, 300);
    for (filter_name, filter) in [
        (None, SeriesFilter::MissingEpisodes),
        (Some("missing_episodes"), SeriesFilter::MissingEpisodes),
        (Some("no_episodes"), SeriesFilter::NoEpisodes),
        (Some("all"), SeriesFilter::All),
    ] {
        for (sort_name, sort) in [
            (None, SeriesSort::Name),
            (Some("title"), SeriesSort::Name),
            (Some("name"), SeriesSort::Name),
            (Some("id"), SeriesSort::Key),
            (Some("missing_episodes"), SeriesSort::MissingEpisodes),
        ] {
            for (page, per_page) in [(1, 20), (2, 20), (3, 50), (1, 1000), (40, 10)] {
                let mut path = format!("/api/anime?page={page}&per_page={per_page}");
                if let Some(f) = filter_name {
                    path.push_str(&format!("&filter={f}"));
                }
                if let Some(s) = sort_name {
                    path.push_str(&format!("&sort_by={s}"));
                }
                let r = app.get(&path, Some(&token)).await;
                assert_eq!(r.status, 200, "{path}: {}", r.text);
                let q = SeriesQuery {
                    filter,
                    sort,
                    offset: (page - 1) * per_page,
                    limit: per_page,
                };
                assert_eq!(r.json, oracle(&app, &q), "{path}");
            }
        }
    }
}

#[actix_web::test]
async fn a_page_costs_the_same_statements_and_rows_for_30_and_300_series() {
    let mut costs = Vec::new();
    let mut rows = Vec::new();
    for n in [30, 300] {
        let app = spawn_app().await;
        let token = app.token().await;
        seed(&app, n);
        let path = "/api/anime?filter=all&sort_by=missing_episodes&page=2&per_page=10";
        // Warm up (token checks, first connection), then count one request.
        assert_eq!(app.get("/api/anime?page=9", Some(&token)).await.status, 200);
        let before = app.state.app.store().statements_run();
        let rows_before = app.state.app.store().listing_rows_read();
        let r = app.get(path, Some(&token)).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json.as_array().unwrap().len(), 10);
        costs.push(app.state.app.store().statements_run() - before);
        rows.push(app.state.app.store().listing_rows_read() - rows_before);
        let before = app.state.app.store().statements_run();
        let status = app.get("/api/anime/status", Some(&token)).await;
        assert_eq!(status.json["series_count"], n);
        costs.push(app.state.app.store().statements_run() - before);
        // The same page again, with nothing changed: answered without the database.
        let before = app.state.app.store().statements_run();
        let rows_before = app.state.app.store().listing_rows_read();
        let again = app.get(path, Some(&token)).await;
        assert_eq!(again.json, r.json);
        assert_eq!(
            app.state.app.store().statements_run(),
            before,
            "a kept page"
        );
        assert_eq!(app.state.app.store().listing_rows_read(), rows_before);
    }
    assert!(
        costs[0] > 0,
        "the first answer reads the database: {costs:?}"
    );
    assert_eq!(costs[0], costs[2], "a page: {costs:?}");
    // A page reads its 10 series and their missing episodes (at most 4 each here), however many
    // series the library holds (reading the library would be 30 or 300 series and their
    // episodes).
    for r in &rows {
        assert!(*r <= 10 * (1 + 4), "rows read for a page: {rows:?}");
    }
    assert_eq!(costs[1], costs[3], "the status: {costs:?}");
}

#[actix_web::test]
async fn a_kept_page_never_outlives_a_change_of_the_library_or_the_configuration() {
    let app = spawn_app().await;
    let token = app.token().await;
    seed(&app, 30);
    let path = "/api/anime?filter=all&per_page=100";
    let first = app.get(path, Some(&token)).await;
    assert_eq!(first.json.as_array().unwrap().len(), 30);
    assert_eq!(app.get(path, Some(&token)).await.json, first.json);

    // A new series (as a scan or an add writes it) shows at once.
    app.state
        .app
        .store()
        .insert_series(&NewSeries {
            key: "aaa-new".into(),
            name: "Aaa New".into(),
            site: "aniworld.to".into(),
            folder: "Aaa New".into(),
            year: None,
            description: None,
            imdb_id: None,
            cover_url: None,
            catalogue_url: None,
        })
        .unwrap();
    let after = app.get(path, Some(&token)).await;
    let list = after.json.as_array().unwrap();
    assert_eq!(list.len(), 31);
    assert!(list.iter().any(|s| s["key"] == "aaa-new"), "{list:?}");

    // An episode found on disk changes the missing list of its series at once.
    let at = list
        .iter()
        .position(|s| {
            s["missing_episodes"]
                .as_object()
                .is_some_and(|m| !m.is_empty())
        })
        .expect("a series with missing episodes");
    let key = list[at]["key"].as_str().unwrap().to_string();
    let missing_before = list[at]["missing_episodes"].clone();
    let mut episodes = app.state.app.store().list_episodes(&key).unwrap();
    let e = episodes.iter_mut().find(|e| !e.is_downloaded).unwrap();
    e.is_downloaded = true;
    app.state
        .app
        .store()
        .replace_episodes(&key, &episodes)
        .unwrap();
    let now = app.get(path, Some(&token)).await;
    assert_ne!(now.json[at]["missing_episodes"], missing_before);
    let expected = oracle(
        &app,
        &SeriesQuery {
            filter: SeriesFilter::All,
            sort: SeriesSort::Name,
            offset: 0,
            limit: 100,
        },
    );
    assert_eq!(now.json, expected);

    // A new catalogue address changes every link at once.
    let r = app
        .put(
            "/api/config",
            Some(&token),
            &json!({"provider": {"base_url": "http://127.0.0.1:9/"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let relinked = app.get(path, Some(&token)).await;
    assert!(
        relinked.json[0]["link"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:9/"),
        "{}",
        relinked.json[0]
    );
}
