//! Episode NFOs after real downloads: the queue downloads an episode from the fake catalogue
//! and hoster, and the service writes `<video>.nfo` beside it from the fake TMDB.

use aniworld_metadata::matching::normalize_title;
use aniworld_testkit::hoster::{Serving, media_bytes};
use aniworld_testkit::tmdb::{FakeTmdb, Show};
use serde_json::json;

use crate::queue_support::{poll, queue_world};

const KEY: &str = "attack-on-titan";

#[actix_web::test]
async fn a_finished_download_gets_an_episode_nfo_beside_the_video() {
    let tmdb = FakeTmdb::start(
        vec![Show::new(1429, "Attack on Titan", "2013-04-07")],
        normalize_title,
    );
    let nfo = tmdb.nfo_config();
    let w = queue_world(|c| {
        for (k, v) in nfo.as_object().unwrap() {
            c["nfo"][k] = v.clone();
        }
    })
    .await;
    w.seed_series(KEY, &[(1, 1), (1, 2)]);
    let r = w
        .app
        .post(
            "/api/nfo/attack-on-titan/create",
            Some(&w.token),
            &json!({"download_poster": false, "download_logo": false, "download_fanart": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let data = media_bytes(KEY, 1, 2, 100_000);
    w.sites.episode(KEY, 1, 2, data.clone(), Serving::Fast);
    w.add_ids(KEY, &[(1, 2)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("the download completed", |s| {
        s["statistics"]["completed_count"] == 1
    })
    .await;
    let video = w.episode_file(KEY, 1, 2);
    assert_eq!(std::fs::read(&video).unwrap(), data);

    let path = video.with_extension("nfo");
    let xml = poll("the episode NFO", || async {
        std::fs::read_to_string(&path).ok()
    })
    .await;
    assert!(xml.contains("<episodedetails>"), "{xml}");
    assert!(xml.contains("<season>1</season>"), "{xml}");
    assert!(xml.contains("<episode>2</episode>"), "{xml}");
    assert!(xml.contains("Folge 2: Der Weg"), "{xml}");
}
