//! The anime endpoints (api.md section 3) against a fake catalogue on 127.0.0.1 and a seeded
//! library folder: search, add, list (filter, sort, pages), detail, rescan, and the 4xx answers.

use aniworld_metadata::matching::normalize_title;
use aniworld_testkit::catalogue::{CHALLENGE_PAGE, FakeSeries};
use aniworld_testkit::tmdb::{FakeTmdb, Show};
use aniworld_testkit::{FakeResponse, FakeServer};
use serde_json::{Value, json};

use crate::anime_support::{World, configure, ids, standard_catalogue, world, world_with};
use crate::helpers::spawn_app_with;
use crate::ws_support::WsClient;

#[actix_web::test]
async fn search_by_get_and_post_returns_series_only() {
    let w = world().await;
    for r in [
        w.get("/api/anime/search?query=titan").await,
        w.post("/api/anime/search", &json!({ "query": "titan" }))
            .await,
    ] {
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json,
            json!([{
                "key": "attack-on-titan",
                "name": "Attack on Titan",
                "site": "aniworld.to",
                "folder": "Attack on Titan",
                "missing_episodes": {},
                "link": w.catalogue.link("attack-on-titan"),
                "year": null,
                "cover_url": null,
                "description": "Attack on Titan & friends – die ganze Geschichte.",
            }])
        );
    }
    // Highlight markup and entities are gone; the folder is the sanitized name.
    let r = w.get("/api/anime/search?query=Kaguya").await;
    assert_eq!(r.json[0]["name"], "Kaguya-sama: Love is War?", "{}", r.text);
    assert_eq!(r.json[0]["folder"], "Kaguya-sama Love is War", "{}", r.text);
    let r = w.get("/api/anime/search?query=nothing-like-this").await;
    assert_eq!(r.json, json!([]));
    // The catalogue saw the keyword as a form field.
    let posts: Vec<_> = w
        .catalogue
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/ajax/search")
        .collect();
    assert_eq!(posts[0].form_field("keyword").as_deref(), Some("titan"));

    // Once added, a hit shows the library folder and what is missing.
    w.add("attack-on-titan").await;
    let r = w.get("/api/anime/search?query=titan").await;
    assert_eq!(r.json[0]["folder"], "Attack on Titan (2013)", "{}", r.text);
    assert_eq!(
        r.json[0]["missing_episodes"],
        json!({ "0": [1], "1": [3, 4], "2": [2] })
    );
}

#[actix_web::test]
async fn bad_search_queries_answer_422_without_a_request() {
    let w = world().await;
    let long = "a".repeat(201);
    for path in [
        "/api/anime/search".to_string(),
        "/api/anime/search?query=".to_string(),
        "/api/anime/search?query=%20%20".to_string(),
        format!("/api/anime/search?query={long}"),
    ] {
        let r = w.get(&path).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(r.json["details"]["query"].is_string(), "{path}: {}", r.text);
    }
    for body in [json!({ "query": "" }), json!({ "query": long }), json!({})] {
        let r = w.post("/api/anime/search", &body).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(r.json["details"]["query"].is_string(), "{body}: {}", r.text);
    }
    let r = w.post("/api/anime/search", &json!({ "query": 5 })).await;
    r.assert_error(422, "VALIDATION_ERROR");
    // Exactly 200 characters is allowed.
    let r = w
        .get(&format!("/api/anime/search?query={}", "b".repeat(200)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(w.catalogue.server.hits("/ajax/search"), 1);
    // Malformed and oversized bodies.
    let r = w
        .app
        .post_raw("/api/anime/search", Some(&w.token), b"{\"query\":".to_vec())
        .await;
    r.assert_error(400, "BAD_REQUEST");
    let big = serde_json::to_vec(&json!({ "query": "x".repeat(400 * 1024) })).unwrap();
    let r = w
        .app
        .post_raw("/api/anime/search", Some(&w.token), big)
        .await;
    r.assert_error(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(w.catalogue.server.hits("/ajax/search"), 1);
}

#[actix_web::test]
async fn add_scans_the_folder_and_answers_exactly() {
    let w = world().await;
    let r = w.add("attack-on-titan").await;
    assert_eq!(
        r,
        json!({
            "status": "success",
            "message": "Successfully added series: Attack on Titan",
            "key": "attack-on-titan",
            "site": "aniworld.to",
            "folder": "Attack on Titan (2013)",
            "db_id": r["db_id"],
            "missing_episodes": ["0-1", "1-3", "1-4", "2-2"],
            "total_missing": 4,
        })
    );
    assert!(r["db_id"].as_i64().unwrap() > 0);
    // A second add of the same key conflicts and changes nothing.
    let again = w
        .post(
            "/api/anime/add",
            &json!({ "link": w.catalogue.link("attack-on-titan"), "name": "x" }),
        )
        .await;
    again.assert_error(409, "CONFLICT_ERROR");
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 1);

    // A new series gets its folder, sanitized from the catalogue title.
    let r = w.add("kaguya-sama").await;
    assert_eq!(r["folder"], "Kaguya-sama Love is War");
    assert_eq!(r["missing_episodes"], ids(&[(1, 1), (1, 2), (1, 3)]));
    assert!(w.anime.path().join("Kaguya-sama Love is War").is_dir());
    // A link with a trailing slash is the same series.
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": format!("{}/", w.catalogue.link("complete-show")) }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["missing_episodes"], json!([]));
    assert_eq!(r.json["total_missing"], 0);

    let status = w.get("/api/anime/status").await.json;
    assert_eq!(status["series_count"], 3);
    assert_eq!(status["directory"], json!(w.anime.path().to_string_lossy()));
    assert_eq!(status["scan_in_progress"], false);
}

#[actix_web::test]
async fn a_very_long_catalogue_title_still_gets_a_folder() {
    let c = standard_catalogue();
    let title = "Ein sehr langer Titel ".repeat(20);
    c.add(FakeSeries::new("long-title", &title, &[(1, 1)]).year(2021));
    let w = world_with(c, |_| {}).await;
    let added = w.add("long-title").await;
    let folder = added["folder"].as_str().unwrap();
    assert!(
        folder.len() < 200 && folder.ends_with(" (2021)"),
        "{folder}"
    );
    assert!(w.anime.path().join(folder).is_dir());
    assert_eq!(added["missing_episodes"], json!(["1-1"]));
}

#[actix_web::test]
async fn a_linked_movies_page_answering_404_still_adds_the_series_without_movies() {
    let c = standard_catalogue();
    c.add(
        FakeSeries::new("no-movies-page", "Frieren", &[(1, 2)])
            .year(2023)
            .movies_page_missing(),
    );
    let w = world_with(c, |_| {}).await;
    let added = w.add("no-movies-page").await;
    assert_eq!(added["status"], "success", "{added}");
    assert_eq!(added["missing_episodes"], ids(&[(1, 1), (1, 2)]));
    assert!(w.anime.path().join("Frieren (2023)").is_dir());
    let hits = w.catalogue.series_page_hits("no-movies-page");
    assert!(hits >= 1, "the series page was read");
}

#[actix_web::test]
async fn unknown_series_and_missing_fields() {
    let w = world().await;
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": w.catalogue.link("no-such-series") }),
        )
        .await;
    r.assert_error(404, "NOT_FOUND_ERROR");
    assert!(!w.anime.path().join("no-such-series").exists());
    let r = w.post("/api/anime/add", &json!({ "name": "x" })).await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(r.json["details"]["link"].is_string(), "{}", r.text);
    let r = w
        .app
        .post_raw("/api/anime/add", Some(&w.token), Vec::new())
        .await;
    r.assert_error(400, "BAD_REQUEST");
    for id in ["no-such-series", "Unknown%20Series", "..%2F..%2Fetc"] {
        w.get(&format!("/api/anime/{id}"))
            .await
            .assert_error(404, "NOT_FOUND_ERROR");
    }
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 0);
}

#[actix_web::test]
async fn a_series_whose_folder_another_series_has_is_refused_with_409() {
    // A second catalogue entry with the same title and year (a re-upload, or one show on two
    // sites) would get the same folder, and the two would count each other's episodes.
    let c = standard_catalogue();
    c.add(FakeSeries::new("attack-on-titan-tv", "Attack on Titan", &[(1, 2)]).year(2013));
    let w = world_with(c, |_| {}).await;
    w.add("attack-on-titan").await;
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": w.catalogue.link("attack-on-titan-tv"), "name": "x" }),
        )
        .await;
    r.assert_error(409, "CONFLICT_ERROR");
    let message = r.json["message"].as_str().unwrap();
    assert!(
        message.contains("'Attack on Titan (2013)'") && message.contains("'attack-on-titan'"),
        "{message}"
    );
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 1);
    assert_eq!(
        w.get("/api/anime/attack-on-titan-tv").await.status,
        404,
        "nothing of the refused series was stored"
    );
}

#[actix_web::test]
async fn links_to_other_hosts_are_refused_without_any_request() {
    let w = world().await;
    let foreign = FakeServer::start();
    foreign.serve(
        "/*",
        FakeResponse::html("<html>should never be asked</html>"),
    );
    let port = w.catalogue.server.addr().port();
    let links = [
        format!("{}/anime/stream/attack-on-titan", foreign.url()),
        format!("http://localhost:{port}/anime/stream/attack-on-titan"),
        format!("http://user:pw@127.0.0.1:{port}/anime/stream/attack-on-titan"),
        format!("https://127.0.0.1:{port}/anime/stream/attack-on-titan"),
        format!("{}/support/fragen/defekter-stream", w.catalogue.url()),
        format!(
            "{}/anime/stream/attack-on-titan/staffel-1/folge-1",
            w.catalogue.url()
        ),
        format!("{}/serien/attack-on-titan", w.catalogue.url()),
        format!("{}/anime/stream/", w.catalogue.url()),
        "https://aniworld.to/anime/stream/attack-on-titan".to_string(),
        "javascript:alert(1)".to_string(),
        "attack-on-titan".to_string(),
        String::new(),
    ];
    for link in &links {
        let r = w
            .post("/api/anime/add", &json!({ "link": link, "name": "x" }))
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(r.json["details"]["link"].is_string(), "{link}: {}", r.text);
    }
    assert!(foreign.requests().is_empty(), "{:?}", foreign.requests());
    assert!(w.catalogue.server.requests().is_empty());
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 0);
    let entries: Vec<_> = std::fs::read_dir(w.anime.path()).unwrap().collect();
    assert_eq!(entries.len(), 3, "no folder was created");
}

/// Adds the three library series of the standard catalogue.
async fn populated() -> World {
    let w = world().await;
    for key in ["attack-on-titan", "kaguya-sama", "complete-show"] {
        w.add(key).await;
    }
    w
}

#[actix_web::test]
async fn list_filters_sorts_and_pages() {
    let w = populated().await;
    let r = w.get("/api/anime").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json[0],
        json!({
            "key": "attack-on-titan",
            "name": "Attack on Titan",
            "site": "aniworld.to",
            "folder": "Attack on Titan (2013)",
            "missing_episodes": { "0": [1], "1": [3, 4], "2": [2] },
            "link": w.catalogue.link("attack-on-titan"),
            "monitored": true,
            "languages": ["German Dub", "German Sub", "English Sub"],
            "cutoff": "German Dub",
            "upgrade": false,
        })
    );
    assert_eq!(r.json[1]["missing_episodes"], json!({ "1": [1, 2, 3] }));
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    assert_eq!(
        w.keys("/api/anime?filter=missing_episodes").await,
        ["attack-on-titan", "kaguya-sama"]
    );
    assert_eq!(
        w.keys("/api/anime?filter=no_episodes").await,
        ["kaguya-sama"]
    );
    assert_eq!(
        w.keys("/api/anime?filter=all").await,
        ["attack-on-titan", "complete-show", "kaguya-sama"]
    );
    assert_eq!(
        w.keys("/api/anime?filter=all&sort_by=missing_episodes")
            .await,
        ["attack-on-titan", "kaguya-sama", "complete-show"]
    );
    w.add("demon-slayer").await;
    assert_eq!(
        w.keys("/api/anime?sort_by=missing_episodes").await,
        ["attack-on-titan", "kaguya-sama", "demon-slayer"]
    );
    assert_eq!(
        w.keys("/api/anime?sort_by=title&filter=all").await,
        [
            "attack-on-titan",
            "complete-show",
            "demon-slayer",
            "kaguya-sama"
        ]
    );
    assert_eq!(
        w.keys("/api/anime?sort_by=id&filter=all").await,
        [
            "attack-on-titan",
            "complete-show",
            "demon-slayer",
            "kaguya-sama"
        ]
    );
    assert_eq!(
        w.keys("/api/anime?filter=all&per_page=2").await,
        ["attack-on-titan", "complete-show"]
    );
    assert_eq!(
        w.keys("/api/anime?filter=all&per_page=2&page=2").await,
        ["demon-slayer", "kaguya-sama"]
    );
    assert!(
        w.keys("/api/anime?filter=all&per_page=2&page=3")
            .await
            .is_empty()
    );
    assert_eq!(
        w.keys("/api/anime?filter=all&per_page=1000&page=1")
            .await
            .len(),
        4
    );
    assert_eq!(
        w.keys("/api/anime?sort_by=missing_episodes&per_page=1&page=3")
            .await,
        ["demon-slayer"]
    );
}

#[actix_web::test]
async fn bad_list_parameters_name_the_field() {
    let w = world().await;
    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("per_page=0", "per_page"),
        ("per_page=1001", "per_page"),
        ("per_page=1.5", "per_page"),
        ("sort_by=rating", "sort_by"),
        ("filter=downloaded", "filter"),
    ] {
        let r = w.get(&format!("/api/anime?{query}")).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(r.json["details"][field].is_string(), "{query}: {}", r.text);
    }
}

#[actix_web::test]
async fn detail_by_key_and_by_folder() {
    let w = populated().await;
    let expected = json!({
        "key": "attack-on-titan",
        "site": "aniworld.to",
        "title": "Attack on Titan",
        "folder": "Attack on Titan (2013)",
        "episodes": ["0-1", "1-3", "1-4", "2-2"],
        "description": "Attack on Titan & friends – die ganze Geschichte.",
        "monitored": true,
        "languages": ["German Dub", "German Sub", "English Sub"],
        "cutoff": "German Dub",
        "upgrade": false,
    });
    let r = w.get("/api/anime/attack-on-titan").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, expected);
    let r = w.get("/api/anime/Attack%20on%20Titan%20(2013)").await;
    assert_eq!(r.json, expected, "{}", r.text);
    let r = w.get("/api/anime/complete-show").await;
    assert_eq!(r.json["episodes"], json!([]));
    // Protected like the rest of the library.
    assert_eq!(
        w.app.get("/api/anime/attack-on-titan", None).await.status,
        401
    );
    assert_eq!(
        w.app.get("/api/anime/search?query=x", None).await.status,
        401
    );
}

fn missing(detail: &Value) -> Value {
    detail["episodes"].clone()
}

#[actix_web::test]
async fn rescan_runs_once_in_the_background_and_updates_missing_lists() {
    let w = populated().await;
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    // Things change: S01E03 finished downloading, S01E01 was deleted, a new episode appeared.
    let aot = w.anime.path().join("Attack on Titan (2013)/Season 01");
    std::fs::rename(
        aot.join("Attack on Titan (2013) - S01E03.mp4.part"),
        aot.join("Attack on Titan (2013) - S01E03.mp4"),
    )
    .unwrap();
    std::fs::remove_file(aot.join("Attack on Titan (2013) - S01E01.mp4")).unwrap();
    w.catalogue.change("attack-on-titan", |s| {
        s.seasons.insert(1, 5);
    });
    let before = w.catalogue.series_page_hits("attack-on-titan");

    let gate = w.catalogue.hold_series_pages();
    let r = w.post("/api/anime/rescan", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({ "success": true, "message": "Rescan started successfully" })
    );
    assert_eq!(
        w.get("/api/anime/status").await.json["scan_in_progress"],
        true
    );
    let second = w.app.post_empty("/api/anime/rescan", Some(&w.token)).await;
    second.assert_error(409, "CONFLICT_ERROR");
    gate.open();
    w.wait_status("the scan to end", |s| s["scan_in_progress"] == false)
        .await;

    let complete = ws.until("scan_complete").await;
    let data = &complete["data"];
    assert_eq!(data["series_scanned"], 3, "{complete}");
    assert_eq!(data["failed"], json!([]), "{complete}");
    assert_eq!(data["missing_total"], 5 + 3, "{complete}");
    assert!(data["duration_seconds"].as_f64().unwrap() >= 0.0);
    let progress: Vec<&Value> = ws
        .seen
        .iter()
        .filter(|m| m["type"] == "scan_progress")
        .collect();
    assert_eq!(progress.len(), 3, "{:?}", ws.types());
    assert_eq!(progress[2]["data"]["done"], 3);
    assert_eq!(progress[2]["data"]["total"], 3);
    assert!(progress[0]["data"]["current"].is_string());

    let detail = w.get("/api/anime/attack-on-titan").await.json;
    assert_eq!(
        missing(&detail),
        ids(&[(0, 1), (1, 1), (1, 4), (1, 5), (2, 2)])
    );
    // One scan, one series page per series.
    assert_eq!(w.catalogue.series_page_hits("attack-on-titan"), before + 1);
}

#[actix_web::test]
async fn a_failing_series_keeps_its_last_state_and_is_reported() {
    let w = populated().await;
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    ws.until("connected").await;
    w.catalogue
        .override_series("kaguya-sama", |_| FakeResponse::status(500));
    touch_done(&w);
    let r = w.app.post_empty("/api/anime/rescan", Some(&w.token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let complete = ws.until("scan_complete").await;
    let data = &complete["data"];
    assert_eq!(data["series_scanned"], 2, "{complete}");
    assert_eq!(data["failed"][0]["key"], "kaguya-sama", "{complete}");
    assert!(
        data["failed"][0]["error"].as_str().unwrap().contains("500"),
        "{complete}"
    );
    w.wait_status("the scan to end", |s| s["scan_in_progress"] == false)
        .await;
    // Kaguya keeps its list; Attack on Titan sees its new file.
    let kaguya = w.get("/api/anime/kaguya-sama").await.json;
    assert_eq!(missing(&kaguya), ids(&[(1, 1), (1, 2), (1, 3)]));
    let aot = w.get("/api/anime/attack-on-titan").await.json;
    assert_eq!(missing(&aot), ids(&[(0, 1), (1, 3), (2, 2)]));
}

/// Drops a finished S01E04 of Attack on Titan into a deeper folder with an odd name.
fn touch_done(w: &World) {
    crate::anime_support::touch(
        w.anime.path(),
        "Attack on Titan (2013)/Season 01/done/[Subs] Attack.on.Titan.S01E04.1080p.m4v",
    );
}

#[actix_web::test]
async fn blocked_catalogue_answers_503_with_advice() {
    let catalogue = standard_catalogue();
    catalogue.override_series("demon-slayer", |_| {
        FakeResponse::html(CHALLENGE_PAGE).with_status(403)
    });
    let w = world_with(catalogue, |_| {}).await;
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": w.catalogue.link("demon-slayer") }),
        )
        .await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    let message = r.json["message"].as_str().unwrap();
    assert!(message.contains("anti-bot"), "{message}");
    assert!(message.to_lowercase().contains("solver"), "{message}");
    assert_eq!(w.get("/api/anime/status").await.json["series_count"], 0);
    assert!(
        !w.anime
            .path()
            .join("Demon Slayer Kimetsu no Yaiba (2019)")
            .exists()
    );
}

#[actix_web::test]
async fn without_an_anime_directory_the_library_answers_503() {
    let catalogue = standard_catalogue();
    let app = spawn_app_with(|c| configure(c, &catalogue, None), |_| {}).await;
    let token = app.token().await;
    let status = app.get("/api/anime/status", Some(&token)).await;
    assert_eq!(status.status, 200, "{}", status.text);
    assert_eq!(status.json["directory"], Value::Null);
    assert_eq!(status.json["series_count"], 0);
    let r = app
        .post(
            "/api/anime/add",
            Some(&token),
            &json!({ "link": catalogue.link("attack-on-titan") }),
        )
        .await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("anime directory"),
        "{}",
        r.text
    );
    let r = app.post_empty("/api/anime/rescan", Some(&token)).await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    assert!(catalogue.server.requests().is_empty());
    // The list still answers (empty).
    assert_eq!(app.get("/api/anime", Some(&token)).await.json, json!([]));
    let _ = FakeSeries::new("x", "x", &[]);
}

#[actix_web::test]
async fn an_added_series_gets_its_tvshow_nfo_with_auto_create() {
    let tmdb = FakeTmdb::start(
        vec![Show::new(1, "Attack on Titan", "2013-04-07")],
        normalize_title,
    );
    let mut nfo = tmdb.nfo_config();
    nfo["auto_create"] = json!(true);
    nfo["download_logo"] = json!(false);
    let w = world_with(standard_catalogue(), |c| {
        for (k, v) in nfo.as_object().unwrap() {
            c["nfo"][k] = v.clone();
        }
    })
    .await;
    // An existing tvshow.nfo is kept, so drop the seeded one first.
    let path = w.anime.path().join("Attack on Titan (2013)/tvshow.nfo");
    std::fs::remove_file(&path).unwrap();
    w.add("attack-on-titan").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_to_string(&path).map_or(true, |x| !x.contains("<tvshow>")) {
        assert!(std::time::Instant::now() < deadline, "no tvshow.nfo");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("Attack on Titan")
    );
}

#[actix_web::test]
async fn a_changed_provider_url_applies_without_a_restart() {
    let w = world().await;
    let moved = aniworld_testkit::catalogue::FakeCatalogue::start();
    moved.add(FakeSeries::new("attack-on-titan", "Attack on Titan", &[(1, 1)]).year(2013));
    let r = w
        .app
        .put(
            "/api/config",
            Some(&w.token),
            &json!({ "provider": { "base_url": moved.url() } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = w.get("/api/anime/search?query=titan").await;
    assert_eq!(
        r.json[0]["link"],
        moved.link("attack-on-titan"),
        "{}",
        r.text
    );
    assert_eq!(w.catalogue.server.hits("/ajax/search"), 0);
    // Links of the old address are foreign now.
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": w.catalogue.link("attack-on-titan") }),
        )
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": moved.link("attack-on-titan") }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["missing_episodes"], json!([]));
}

#[actix_web::test]
async fn episodes_lists_every_known_episode_in_order() {
    let w = populated().await;
    let r = w.get("/api/anime/attack-on-titan/episodes").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json.as_array().expect("a list");
    let order: Vec<(u64, u64, bool)> = list
        .iter()
        .map(|e| {
            (
                e["season"].as_u64().unwrap(),
                e["episode"].as_u64().unwrap(),
                e["downloaded"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            (0, 1, false),
            (1, 1, true),
            (1, 2, true),
            (1, 3, false),
            (1, 4, false),
            (2, 1, true),
            (2, 2, false),
        ]
    );
    let first = &list[1];
    assert!(first["title_de"].is_string(), "{first}");
    assert!(first.get("title_en").is_some(), "{first}");
    // By folder too, and the same answer.
    let by_folder = w
        .get("/api/anime/Attack%20on%20Titan%20(2013)/episodes")
        .await;
    assert_eq!(by_folder.json, r.json, "{}", by_folder.text);
    let complete = w.get("/api/anime/complete-show/episodes").await.json;
    assert_eq!(complete.as_array().unwrap().len(), 2);
    assert!(
        complete
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["downloaded"] == true)
    );
    w.get("/api/anime/nope/episodes")
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    assert_eq!(
        w.app
            .get("/api/anime/attack-on-titan/episodes", None)
            .await
            .status,
        401
    );
}

#[actix_web::test]
async fn poster_is_served_from_the_series_folder_only() {
    let w = populated().await;
    // No poster yet.
    w.get("/api/anime/attack-on-titan/poster")
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    std::fs::write(
        w.anime.path().join("Attack on Titan (2013)/poster.jpg"),
        b"JPEG-BYTES",
    )
    .unwrap();
    let r = w.get("/api/anime/attack-on-titan/poster").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(r.text, "JPEG-BYTES");
    // By folder name as well; other series and unknown ids stay 404.
    let r = w
        .get("/api/anime/Attack%20on%20Titan%20(2013)/poster")
        .await;
    assert_eq!(r.text, "JPEG-BYTES");
    w.get("/api/anime/kaguya-sama/poster")
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    // A request path is never used as a file path.
    std::fs::write(w.anime.path().join("poster.jpg"), b"ROOT").unwrap();
    for id in ["..", "%2E%2E", "..%2Fattack-on-titan", "unknown"] {
        let r = w.get(&format!("/api/anime/{id}/poster")).await;
        assert_ne!(r.status, 200, "{id}: {}", r.text);
        assert_ne!(r.text, "ROOT");
    }
    assert_eq!(
        w.app
            .get("/api/anime/attack-on-titan/poster", None)
            .await
            .status,
        401
    );
}

/// A 1×1 image; browsers decode images by their bytes whatever the declared type.
const TINY_IMAGE: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

#[actix_web::test]
async fn posters_and_the_full_episode_grid_in_a_browser() {
    let w = world_with(standard_catalogue(), |c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
    })
    .await;
    for key in ["attack-on-titan", "kaguya-sama", "complete-show"] {
        w.add(key).await;
    }
    std::fs::write(
        w.anime.path().join("Attack on Titan (2013)/poster.jpg"),
        TINY_IMAGE,
    )
    .unwrap();
    let Some(b) = crate::e2e_browser::browser(1280, 900).await else {
        return;
    };
    let base = &w.app.address;
    b.sign_in(base, &w.token).await;

    // The card of the series with a poster shows it; the others keep their initial.
    b.client
        .goto(&format!("{base}/#/?filter=all"))
        .await
        .unwrap();
    b.wait_js("[...document.querySelectorAll('.series .cover img')].some((i) => i.complete && i.naturalWidth === 1)").await;
    assert_eq!(
        b.js("return document.querySelectorAll('.series .cover img').length")
            .await,
        json!(1)
    );
    assert_eq!(
        b.js("return [...document.querySelectorAll('.series .cover')].map((c) => c.textContent).sort()")
            .await,
        json!(["", "C", "K"])
    );
    crate::e2e::assert_clean(&b, "library").await;

    // The grid shows every known episode: present ones after the last missing one too.
    b.click("a[href='#/series/attack-on-titan']").await;
    b.wait_js("document.querySelectorAll('.ep.missing').length === 4")
        .await;
    assert_eq!(
        b.js("return document.querySelectorAll('.ep.present').length")
            .await,
        json!(3)
    );
    assert_eq!(
        b.js("return document.querySelector('#view').textContent.includes('not shown')")
            .await,
        json!(false)
    );
    crate::e2e::assert_clean(&b, "series").await;

    // A series with nothing missing still lists its episodes, all present.
    b.client
        .goto(&format!("{base}/#/series/complete-show"))
        .await
        .unwrap();
    b.wait_js("document.querySelectorAll('.ep.present').length === 2")
        .await;
    assert_eq!(
        b.js("return document.querySelectorAll('.ep.missing').length")
            .await,
        json!(0)
    );
    b.close().await;
}

#[actix_web::test]
async fn a_write_failure_in_the_anime_folder_is_a_503_naming_it_not_a_500() {
    let w = world_with(standard_catalogue(), |_| {}).await;
    // A file where the series folder belongs: creating it fails for anyone, root included.
    let blocked = w.anime.path().join("Demon Slayer Kimetsu no Yaiba (2019)");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let r = w
        .post(
            "/api/anime/add",
            &json!({ "link": w.catalogue.link("demon-slayer"), "name": "demon-slayer" }),
        )
        .await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    let message = r.json["message"].as_str().unwrap();
    assert!(
        message.contains(blocked.to_str().unwrap()),
        "the folder is named: {message}"
    );
    // Nothing half-added: the series is not in the library.
    let r = w.get("/api/anime?filter=all").await;
    assert!(!r.text.contains("demon-slayer"), "{}", r.text);
}
