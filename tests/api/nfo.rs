//! NFO endpoints of one series (api.md section 6) against a fake TMDB and image host on
//! 127.0.0.1: create, check, content, update, media status and download, the 404/409/503 paths,
//! a retried 429, and the episode NFO written after a download.

use std::sync::atomic::Ordering;

use aniworld_testkit::tmdb::{KEY, Show};
use serde_json::json;

use crate::nfo_env::{NfoEnv, nfo_env, nfo_env_with};

const FOLDER: &str = "One Piece (1999)";

fn shows() -> Vec<Show> {
    vec![
        Show::new(37854, "One Piece", "1999-10-20"),
        Show::new(99, "One Piece Film Red", "2022-08-06"),
    ]
}

/// The service with One Piece in the library (IMDb id known, as the catalogue gives it).
async fn one_piece() -> NfoEnv {
    let env = nfo_env(shows(), Some(KEY)).await;
    env.add_series("one-piece", "One Piece", Some(1999), Some("tt0037854"));
    env
}

fn no_media() -> serde_json::Value {
    json!({"download_poster": false, "download_logo": false, "download_fanart": false})
}

#[actix_web::test]
async fn create_writes_the_nfo_and_byte_identical_artwork() {
    let env = one_piece().await;
    let r = env.post("/api/nfo/one-piece/create", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["serie_id"], "one-piece");
    assert_eq!(r.json["serie_folder"], FOLDER);
    assert_eq!(r.json["nfo_path"], env.shown(FOLDER, "tvshow.nfo"));
    assert_eq!(
        r.json["message"],
        "NFO and media files created successfully"
    );
    let m = &r.json["media_files"];
    assert_eq!(m["has_poster"], true);
    assert_eq!(m["has_logo"], true);
    assert_eq!(m["has_fanart"], true);
    assert_eq!(m["poster_path"], env.shown(FOLDER, "poster.jpg"));
    assert_eq!(m["logo_path"], env.shown(FOLDER, "logo.png"));
    assert_eq!(m["fanart_path"], env.shown(FOLDER, "fanart.jpg"));

    // The IMDb id from the catalogue found the series; no title search was needed.
    assert_eq!(env.tmdb.api_requests("/3/find/tt0037854").len(), 1);
    assert!(env.tmdb.api_requests("/3/search/tv").is_empty());

    let dir = env.folder(FOLDER);
    let art = env.tmdb.art();
    assert_eq!(std::fs::read(dir.join("poster.jpg")).unwrap(), art.poster);
    assert_eq!(std::fs::read(dir.join("logo.png")).unwrap(), art.logo);
    assert_eq!(std::fs::read(dir.join("fanart.jpg")).unwrap(), art.fanart);
    let xml = std::fs::read_to_string(dir.join("tvshow.nfo")).unwrap();
    assert!(xml.contains("<tvshow>"), "{xml}");
    assert!(xml.contains(">37854</uniqueid>"), "{xml}");
    assert!(xml.contains("<title>One Piece</title>"), "{xml}");

    let c = env.get("/api/nfo/one-piece/check").await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.json["has_nfo"], true);
    assert_eq!(c.json["serie_folder"], FOLDER);
    assert_eq!(c.json["nfo_path"], env.shown(FOLDER, "tvshow.nfo"));
    assert_eq!(c.json["media_files"], r.json["media_files"]);

    let ct = env.get("/api/nfo/one-piece/content").await;
    assert_eq!(ct.status, 200, "{}", ct.text);
    assert_eq!(ct.json["serie_id"], "one-piece");
    assert_eq!(ct.json["content"], xml.as_str());
    assert_eq!(ct.json["file_size"], xml.len() as u64);
    let stamp = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$").unwrap();
    assert!(
        stamp.is_match(ct.json["last_modified"].as_str().unwrap()),
        "{}",
        ct.text
    );
}

#[actix_web::test]
async fn check_before_create_reports_nothing() {
    let env = one_piece().await;
    let c = env.get("/api/nfo/one-piece/check").await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.json["has_nfo"], false);
    assert!(c.json["nfo_path"].is_null());
    assert_eq!(c.json["media_files"]["has_poster"], false);
    assert!(c.json["media_files"]["poster_path"].is_null());
    env.get("/api/nfo/one-piece/content")
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
}

#[actix_web::test]
async fn create_over_an_existing_nfo_conflicts_unless_overwrite() {
    let env = one_piece().await;
    assert_eq!(
        env.post("/api/nfo/one-piece/create", &no_media())
            .await
            .status,
        200
    );
    let nfo = env.folder(FOLDER).join("tvshow.nfo");
    std::fs::write(&nfo, "<tvshow><title>Mine</title></tvshow>").unwrap();
    let r = env.post("/api/nfo/one-piece/create", &json!({})).await;
    r.assert_error(409, "CONFLICT_ERROR");
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("overwrite_existing")
    );
    assert_eq!(
        std::fs::read_to_string(&nfo).unwrap(),
        "<tvshow><title>Mine</title></tvshow>"
    );

    let mut body = no_media();
    body["overwrite_existing"] = json!(true);
    let r = env.post("/api/nfo/one-piece/create", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        std::fs::read_to_string(&nfo)
            .unwrap()
            .contains(">37854</uniqueid>")
    );
}

#[actix_web::test]
async fn update_refreshes_an_existing_nfo() {
    let env = one_piece().await;
    env.put("/api/nfo/one-piece/update", &json!({}))
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    let r = env.post("/api/nfo/one-piece/create", &no_media()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["media_files"]["has_poster"], false);

    env.tmdb.shows.lock().unwrap()[0].name_de = "One Piece – Neu & <anders>".into();
    let r = env
        .put("/api/nfo/one-piece/update?download_media=false", &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["message"], "NFO updated successfully");
    assert_eq!(r.json["nfo_path"], env.shown(FOLDER, "tvshow.nfo"));
    assert_eq!(r.json["media_files"]["has_poster"], false);
    let ct = env.get("/api/nfo/one-piece/content").await;
    assert!(
        ct.json["content"]
            .as_str()
            .unwrap()
            .contains("<title>One Piece – Neu &amp; &lt;anders&gt;</title>"),
        "{}",
        ct.text
    );

    let r = env.put("/api/nfo/one-piece/update", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["media_files"]["has_poster"], true);
    assert_eq!(r.json["media_files"]["has_fanart"], true);
}

#[actix_web::test]
async fn media_status_and_download_of_missing_artwork() {
    let env = one_piece().await;
    let d = json!({"download_poster": true, "download_logo": false, "download_fanart": false});
    env.post("/api/nfo/one-piece/media/download", &d)
        .await
        .assert_error(404, "NOT_FOUND_ERROR");
    assert_eq!(
        env.post("/api/nfo/one-piece/create", &no_media())
            .await
            .status,
        200
    );
    let s = env.get("/api/nfo/one-piece/media/status").await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(
        s.json,
        json!({"has_poster": false, "has_logo": false, "has_fanart": false,
            "poster_path": null, "logo_path": null, "fanart_path": null})
    );

    let r = env.post("/api/nfo/one-piece/media/download", &d).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["has_poster"], true);
    assert_eq!(r.json["has_logo"], false);
    assert_eq!(r.json["has_fanart"], false);
    assert_eq!(r.json["poster_path"], env.shown(FOLDER, "poster.jpg"));
    assert_eq!(
        std::fs::read(env.folder(FOLDER).join("poster.jpg")).unwrap(),
        env.tmdb.art().poster
    );
    let s = env.get("/api/nfo/one-piece/media/status").await;
    assert_eq!(s.json, r.json);

    let all = env
        .post("/api/nfo/one-piece/media/download", &json!({}))
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["has_logo"], true);
    assert_eq!(
        std::fs::read(env.folder(FOLDER).join("logo.png")).unwrap(),
        env.tmdb.art().logo
    );
}

#[actix_web::test]
async fn unknown_series_are_404() {
    let env = one_piece().await;
    for r in [
        env.get("/api/nfo/nope/check").await,
        env.post("/api/nfo/nope/create", &json!({})).await,
        env.put("/api/nfo/nope/update", &json!({})).await,
        env.get("/api/nfo/nope/content").await,
        env.get("/api/nfo/nope/media/status").await,
        env.post("/api/nfo/nope/media/download", &json!({})).await,
    ] {
        r.assert_error(404, "NOT_FOUND_ERROR");
        assert!(
            r.json["message"].as_str().unwrap().contains("nope"),
            "{}",
            r.text
        );
    }
    assert!(env.tmdb.api.requests().is_empty());
}

#[actix_web::test]
async fn a_series_tmdb_cannot_find_is_404() {
    let env = one_piece().await;
    env.add_series("nameless", "Kein Titel Wie Dieser", Some(2001), None);
    let r = env.post("/api/nfo/nameless/create", &json!({})).await;
    r.assert_error(404, "NOT_FOUND_ERROR");
    assert!(
        !env.folder("Kein Titel Wie Dieser (2001)")
            .join("tvshow.nfo")
            .exists()
    );
}

#[actix_web::test]
async fn without_a_key_tmdb_endpoints_answer_503_until_one_is_configured() {
    let env = nfo_env(shows(), None).await;
    env.add_series("one-piece", "One Piece", Some(1999), Some("tt0037854"));
    for r in [
        env.get("/api/nfo/one-piece/check").await,
        env.post("/api/nfo/one-piece/create", &json!({})).await,
        env.get("/api/nfo/missing").await,
        env.post(
            "/api/nfo/batch/create",
            &json!({"serie_ids": ["one-piece"]}),
        )
        .await,
    ] {
        r.assert_error(503, "SERVICE_UNAVAILABLE");
        let msg = r.json["message"].as_str().unwrap();
        assert!(msg.contains("TMDB API key"), "{msg}");
        assert!(msg.contains("ANIWORLD_TMDB_API_KEY"), "{msg}");
    }
    // Reading what is on disk needs no TMDB.
    assert_eq!(env.get("/api/nfo/one-piece/media/status").await.status, 200);
    assert!(env.tmdb.api.requests().is_empty());

    let r = env
        .put("/api/config", &json!({"nfo": {"tmdb_api_key": KEY}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env.post("/api/nfo/one-piece/create", &no_media()).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[actix_web::test]
async fn a_refused_key_answers_503() {
    let env = nfo_env(shows(), Some("not-the-right-key")).await;
    env.add_series("one-piece", "One Piece", Some(1999), Some("tt0037854"));
    let r = env.post("/api/nfo/one-piece/create", &json!({})).await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    let msg = r.json["message"].as_str().unwrap();
    assert!(msg.contains("refused"), "{msg}");
    assert!(!msg.contains("not-the-right-key"), "key leaked: {msg}");
    assert!(!env.folder(FOLDER).join("tvshow.nfo").exists());
}

#[actix_web::test]
async fn an_unreachable_tmdb_answers_503() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let env = nfo_env_with(shows(), Some(KEY), |c| {
        c["nfo"]["tmdb_api_url"] = json!(format!("http://127.0.0.1:{closed}/3"));
    })
    .await;
    env.add_series("one-piece", "One Piece", Some(1999), Some("tt0037854"));
    let r = env.post("/api/nfo/one-piece/create", &json!({})).await;
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    assert!(!r.json["message"].as_str().unwrap().contains(KEY));
}

#[actix_web::test]
async fn a_rate_limited_answer_is_retried() {
    let env = one_piece().await;
    env.tmdb.rate_limit_next.store(2, Ordering::SeqCst);
    let r = env.post("/api/nfo/one-piece/create", &no_media()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(env.tmdb.rate_limited(), 2);
    assert!(env.folder(FOLDER).join("tvshow.nfo").is_file());
}
