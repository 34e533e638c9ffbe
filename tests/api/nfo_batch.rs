//! `POST /api/nfo/batch/create` and `GET /api/nfo/missing` against a fake TMDB on 127.0.0.1:
//! skipping, replacing, unknown series, bounded concurrency, validation of `max_concurrent`.

use std::sync::atomic::Ordering;

use aniworld_testkit::tmdb::{KEY, Show};
use serde_json::json;

use crate::nfo_env::{NfoEnv, nfo_env};

/// Five series on TMDB and in the library (`show-a`..`show-e`), plus `lost`, which TMDB does
/// not know.
async fn library() -> NfoEnv {
    let shows = (0..5u64)
        .map(|i| {
            let name = format!("Series {}", (b'A' + i as u8) as char);
            Show::new(1000 + i, &name, &format!("20{:02}-04-01", 10 + i))
        })
        .collect();
    let env = nfo_env(shows, Some(KEY)).await;
    for i in 0..5u64 {
        let letter = (b'a' + i as u8) as char;
        env.add_series(
            &format!("show-{letter}"),
            &format!("Series {}", letter.to_ascii_uppercase()),
            Some(2010 + i as i32),
            Some(&format!("tt{:07}", 1000 + i)),
        );
    }
    env.add_series("lost", "Verschollen Ohne Treffer", None, None);
    env
}

fn folder(letter: char, year: i32) -> String {
    format!("Series {} ({year})", letter.to_ascii_uppercase())
}

#[actix_web::test]
async fn batch_skips_existing_fails_unknown_and_keeps_request_order() {
    let env = library().await;
    let r = env
        .post(
            "/api/nfo/show-a/create",
            &json!({"download_poster": false, "download_logo": false, "download_fanart": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    env.tmdb.hold_details.store(true, Ordering::SeqCst);
    env.tmdb.max_in_flight.store(0, Ordering::SeqCst);

    let ids = [
        "show-a", "show-b", "ghost", "show-c", "lost", "show-d", "show-e",
    ];
    let r = env
        .post(
            "/api/nfo/batch/create",
            &json!({"serie_ids": ids, "max_concurrent": 3}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["total"], 7);
    assert_eq!(r.json["successful"], 4);
    assert_eq!(r.json["skipped"], 1);
    assert_eq!(r.json["failed"], 2);
    let results = r.json["results"].as_array().unwrap();
    let order: Vec<&str> = results
        .iter()
        .map(|x| x["serie_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ids);

    let skipped = &results[0];
    assert_eq!(skipped["success"], false);
    assert_eq!(skipped["message"], "Skipped - NFO already exists");
    assert!(skipped["nfo_path"].is_null());
    assert_eq!(skipped["serie_folder"], folder('a', 2010));

    let created = &results[1];
    assert_eq!(created["success"], true);
    assert_eq!(created["message"], "NFO created successfully");
    assert_eq!(created["serie_folder"], folder('b', 2011));
    assert_eq!(
        created["nfo_path"],
        env.shown(&folder('b', 2011), "tvshow.nfo")
    );

    let ghost = &results[2];
    assert_eq!(ghost["success"], false);
    assert!(ghost["serie_folder"].is_null());
    assert!(ghost["nfo_path"].is_null());
    assert!(ghost["message"].as_str().unwrap().contains("not found"));
    let lost = &results[4];
    assert_eq!(lost["success"], false);
    assert!(lost["nfo_path"].is_null());

    for (letter, year) in [('b', 2011), ('c', 2012), ('d', 2013), ('e', 2014)] {
        let dir = env.folder(&folder(letter, year));
        assert!(dir.join("tvshow.nfo").is_file(), "{letter}");
        assert_eq!(
            std::fs::read(dir.join("poster.jpg")).unwrap(),
            env.tmdb.art().poster
        );
    }
    assert!(!env.folder(&folder('a', 2010)).join("poster.jpg").exists());
    let most = env.tmdb.max_in_flight.load(Ordering::SeqCst);
    assert!((2..=3).contains(&most), "series at once: {most}");
}

#[actix_web::test]
async fn one_at_a_time_means_one_at_a_time() {
    let env = library().await;
    env.tmdb.hold_details.store(true, Ordering::SeqCst);
    let r = env
        .post(
            "/api/nfo/batch/create",
            &json!({"serie_ids": ["show-a", "show-b", "show-c"], "max_concurrent": 1,
                "download_media": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["successful"], 3);
    assert_eq!(env.tmdb.max_in_flight.load(Ordering::SeqCst), 1);
    assert!(!env.folder(&folder('a', 2010)).join("poster.jpg").exists());
}

#[actix_web::test]
async fn without_skip_existing_nfos_are_replaced() {
    let env = library().await;
    let nfo = env.folder(&folder('a', 2010)).join("tvshow.nfo");
    std::fs::write(&nfo, "<tvshow><title>Alt</title></tvshow>").unwrap();
    let r = env
        .post(
            "/api/nfo/batch/create",
            &json!({"serie_ids": ["show-a"], "skip_existing": false, "download_media": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["successful"], 1);
    assert_eq!(r.json["results"][0]["success"], true);
    assert!(
        std::fs::read_to_string(&nfo)
            .unwrap()
            .contains(">1000</uniqueid>")
    );
}

#[actix_web::test]
async fn max_concurrent_outside_one_to_ten_is_422() {
    let env = library().await;
    for bad in [json!(0), json!(11), json!(-1)] {
        let r = env
            .post(
                "/api/nfo/batch/create",
                &json!({"serie_ids": ["show-a"], "max_concurrent": bad}),
            )
            .await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert!(
            r.json["details"]["max_concurrent"].is_string(),
            "{}",
            r.text
        );
    }
    let r = env
        .post("/api/nfo/batch/create", &json!({"max_concurrent": 2}))
        .await;
    r.assert_error(422, "VALIDATION_ERROR");
    assert!(env.tmdb.api.requests().is_empty());
    assert!(!env.folder(&folder('a', 2010)).join("tvshow.nfo").exists());
}

#[actix_web::test]
async fn missing_lists_series_without_nfo() {
    let env = library().await;
    let r = env
        .post(
            "/api/nfo/show-b/create",
            &json!({"download_poster": false, "download_logo": false, "download_fanart": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let poster = env.folder(&folder('c', 2012)).join("poster.jpg");
    std::fs::write(&poster, env.tmdb.art().poster.clone()).unwrap();

    let r = env.get("/api/nfo/missing").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["total_series"], 6);
    assert_eq!(r.json["missing_nfo_count"], 5);
    let series = r.json["series"].as_array().unwrap();
    assert_eq!(series.len(), 5);
    assert!(series.iter().all(|s| s["serie_id"] != "show-b"));
    let c = series.iter().find(|s| s["serie_id"] == "show-c").unwrap();
    assert_eq!(c["serie_folder"], folder('c', 2012));
    assert_eq!(c["serie_name"], "Series C");
    assert_eq!(c["has_media"], true);
    assert_eq!(c["media_files"]["has_poster"], true);
    assert_eq!(
        c["media_files"]["poster_path"],
        env.shown(&folder('c', 2012), "poster.jpg")
    );
    assert_eq!(c["media_files"]["has_logo"], false);
    let a = series.iter().find(|s| s["serie_id"] == "show-a").unwrap();
    assert_eq!(a["has_media"], false);
    assert!(a["media_files"]["poster_path"].is_null());
}
