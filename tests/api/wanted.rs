//! What the next automatic run would queue: `GET /api/wanted` against the v2 fake catalogue,
//! whose season pages say which languages each episode is offered in, the automatic runs that
//! queue exactly that (in an accepted language), and `POST /api/wanted/queue`.

use std::time::Duration;

use actix_web::http::Method;
use aniworld_core::{EpisodeId, Language};
use aniworld_testkit::catalogue::{FakeCatalogue, FakeSeries, FakeSite};
use serde_json::{Value, json};

use crate::catalogue_support::{ANIWORLD, SiteWorld, library_id, site_world};
use crate::helpers::send;
use crate::scheduler::wait_scheduler;

const KEY: &str = "kaiju";

/// Episode 1 in German Dub and English Sub, episode 2 in English Sub only.
fn catalogue() -> FakeCatalogue {
    let fake = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    fake.add(
        FakeSeries::new(KEY, "Kaiju No. 8", &[(1, 2)])
            .year(2024)
            .episode_links(
                EpisodeId::new(1, 1),
                &[(Language::GermanDub, "VOE"), (Language::EnglishSub, "VOE")],
            )
            .episode_links(EpisodeId::new(1, 2), &[(Language::EnglishSub, "VOE")]),
    );
    fake
}

async fn world() -> (SiteWorld, String) {
    let w = site_world(catalogue(), None, |c| {
        c["scheduler"]["auto_download_after_rescan"] = json!(true);
        // Every run reads the series again, so a new language shows at the next run.
        c["scheduler"]["rescan_mode"] = json!("full");
    })
    .await;
    let added = w.add_ok(&w.aniworld.link(KEY)).await;
    let folder = added["folder"].as_str().unwrap().to_string();
    let id = library_id(ANIWORLD, KEY);
    let r = send(
        &w.app.client,
        &w.app.address,
        Method::PATCH,
        &format!("/api/anime/{id}"),
        Some(&w.token),
        Some(&json!({"languages": ["German Dub"]})),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (w, folder)
}

/// `(season, episode, reason, language)` of each entry of `GET /api/wanted`.
async fn wanted(w: &SiteWorld, query: &str) -> Vec<(u64, u64, String, Value)> {
    let r = w.get(&format!("/api/wanted{query}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["serie_id"], library_id(ANIWORLD, KEY), "{e}");
            assert_eq!(e["serie_name"], "Kaiju No. 8", "{e}");
            (
                e["season"].as_u64().unwrap(),
                e["episode"].as_u64().unwrap(),
                e["reason"].as_str().unwrap().to_string(),
                e["language"].clone(),
            )
        })
        .collect()
}

/// Triggers an automatic run and waits for its outcome; returns `episodes_queued`. (The run
/// counts as in progress from the moment the trigger answers until its outcome is recorded.)
async fn run(w: &SiteWorld) -> u64 {
    let r = w.post("/api/scheduler/trigger-rescan", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let view = wait_scheduler(&w.app, &w.token, "the run", Duration::from_secs(30), |v| {
        !v["status"]["last_outcome"].is_null() && v["status"]["scan_in_progress"] == false
    })
    .await;
    let outcome = &view["status"]["last_outcome"];
    assert_eq!(outcome["error"], Value::Null, "{view}");
    outcome["episodes_queued"].as_u64().unwrap()
}

/// `(season, episode)` of every queue item, in any state.
async fn queued(w: &SiteWorld) -> Vec<(u64, u64)> {
    let s = w.queue_status().await;
    let mut all: Vec<(u64, u64)> = [
        "active_downloads",
        "pending_queue",
        "completed_downloads",
        "failed_downloads",
    ]
    .iter()
    .flat_map(|k| s["status"][k].as_array().cloned().unwrap_or_default())
    .map(|i| {
        (
            i["episode"]["season"].as_u64().unwrap(),
            i["episode"]["episode"].as_u64().unwrap(),
        )
    })
    .collect();
    all.sort();
    all
}

#[actix_web::test]
async fn the_wanted_list_is_what_the_next_run_queues_in_an_accepted_language() {
    let (w, folder) = world().await;
    w.serve_media(KEY, 1, 1, 20_000);
    w.serve_media(KEY, 1, 2, 20_000);
    // Episode 2 is offered only as English Sub, and only German Dub is accepted: it waits.
    assert_eq!(
        wanted(&w, "").await,
        vec![
            (1, 1, "missing".into(), json!("German Dub")),
            (1, 2, "waiting_for_language".into(), Value::Null),
        ]
    );
    // Looking changes nothing.
    assert_eq!(queued(&w).await, vec![]);

    assert_eq!(run(&w).await, 1, "exactly the one missing entry");
    assert_eq!(queued(&w).await, vec![(1, 1)]);
    w.wait_completed(1).await;
    let plays = w.aniworld.play_requests();
    assert_eq!(plays.len(), 1, "{plays:?}");
    assert_eq!(
        plays[0].target.as_ref().unwrap().language,
        Language::GermanDub
    );
    assert!(w.episode_file(&folder, 1, 1).is_file());
    // Queued (here: done) episodes leave the list; the waiting one stays, and is never queued.
    assert_eq!(
        wanted(&w, "").await,
        vec![(1, 2, "waiting_for_language".into(), Value::Null)]
    );
    assert_eq!(run(&w).await, 0);
    assert_eq!(queued(&w).await, vec![(1, 1)]);

    // The German dub of episode 2 comes out: the next run queues exactly one item, in it.
    w.aniworld.change(KEY, |s| {
        *s = s.clone().episode_links(
            EpisodeId::new(1, 2),
            &[(Language::EnglishSub, "VOE"), (Language::GermanDub, "VOE")],
        )
    });
    assert_eq!(run(&w).await, 1);
    assert_eq!(queued(&w).await, vec![(1, 1), (1, 2)]);
    w.wait_completed(2).await;
    let plays = w.aniworld.play_requests();
    assert_eq!(
        plays.last().unwrap().target.as_ref().unwrap().language,
        Language::GermanDub,
        "{plays:?}"
    );
    assert_eq!(wanted(&w, "").await, vec![]);
}

#[actix_web::test]
async fn wanted_episodes_are_queued_on_request_paged_and_checked() {
    let (w, _folder) = world().await;
    // English Sub first, German Dub second: both episodes are wanted now, in English Sub,
    // although the global order puts German Dub first.
    let id = library_id(ANIWORLD, KEY);
    let r = send(
        &w.app.client,
        &w.app.address,
        Method::PATCH,
        &format!("/api/anime/{id}"),
        Some(&w.token),
        Some(&json!({"languages": ["English Sub", "German Dub"]})),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let all = wanted(&w, "").await;
    assert_eq!(
        all,
        vec![
            (1, 1, "missing".into(), json!("English Sub")),
            (1, 2, "missing".into(), json!("English Sub")),
        ]
    );
    // Pages of one.
    assert_eq!(wanted(&w, "?per_page=1").await, all[..1].to_vec());
    assert_eq!(wanted(&w, "?per_page=1&page=2").await, all[1..].to_vec());
    assert_eq!(wanted(&w, "?per_page=1&page=3").await, vec![]);
    assert_eq!(wanted(&w, &format!("?serie_id={id}")).await, all);
    assert_eq!(wanted(&w, "?serie_id=nobody").await, vec![]);
    for (query, field) in [
        ("?page=0", "page"),
        ("?per_page=1001", "per_page"),
        ("?page=x", "page"),
    ] {
        let r = w.get(&format!("/api/wanted{query}")).await;
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(r.json["details"]["field"], field, "{}", r.text);
    }
    // A body that is not the documented object is refused, and nothing is queued.
    for body in [json!({"serie_id": 5}), json!({"series": id}), json!([1])] {
        let r = w.post("/api/wanted/queue", &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
    }
    assert_eq!(queued(&w).await, vec![]);
    // Another series' id queues nothing; this one's queues both, answered like /api/queue/add.
    let r = w
        .post("/api/wanted/queue", &json!({"serie_id": "nobody"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["added_items"], json!([]));
    let r = w.post("/api/wanted/queue", &json!({"serie_id": id})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["status"], "success");
    assert_eq!(
        r.json["added_items"].as_array().unwrap().len(),
        2,
        "{}",
        r.text
    );
    assert_eq!(r.json["item_ids"], r.json["added_items"]);
    assert_eq!(queued(&w).await, vec![(1, 1), (1, 2)]);
    // Now they are queued: nothing is wanted, and a second request adds nothing.
    assert_eq!(wanted(&w, "").await, vec![]);
    let r = send(
        &w.app.client,
        &w.app.address,
        Method::POST,
        "/api/wanted/queue",
        Some(&w.token),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["added_items"], json!([]));
    // Downloaded in the series' first accepted language on offer, not the global order's.
    w.serve_media(KEY, 1, 1, 20_000);
    w.serve_media(KEY, 1, 2, 20_000);
    w.start_queue().await;
    w.wait_completed(2).await;
    let languages: Vec<Language> = w
        .aniworld
        .play_requests()
        .iter()
        .map(|p| p.target.as_ref().unwrap().language)
        .collect();
    assert_eq!(languages, vec![Language::EnglishSub; 2]);
    // Without a token: 401.
    assert_eq!(w.app.get("/api/wanted", None).await.status, 401);
}

#[actix_web::test]
async fn with_upgrades_on_a_german_sub_file_is_replaced_once_the_dub_appears() {
    let fake = FakeCatalogue::start_with(FakeSite::v2_aniworld());
    fake.add(
        FakeSeries::new(KEY, "Kaiju No. 8", &[(1, 1)])
            .year(2024)
            .links(&[(Language::GermanSub, "VOE")]),
    );
    let webhook = aniworld_testkit::notify::webhook(None);
    let hook_url = format!(
        "{}{}",
        webhook.url(),
        aniworld_testkit::notify::WEBHOOK_PATH
    );
    let w = site_world(fake, None, |c| {
        c["scheduler"]["auto_download_after_rescan"] = json!(true);
        c["scheduler"]["rescan_mode"] = json!("full");
        c["notifications"]["targets"] =
            json!([{"name": "hook", "type": "webhook", "url": hook_url}]);
    })
    .await;
    let folder = w.add_ok(&w.aniworld.link(KEY)).await["folder"]
        .as_str()
        .unwrap()
        .to_string();
    let id = library_id(ANIWORLD, KEY);
    let r = send(
        &w.app.client,
        &w.app.address,
        Method::PATCH,
        &format!("/api/anime/{id}"),
        Some(&w.token),
        Some(&json!({"upgrade": true})),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["cutoff"], "German Dub", "{}", r.text);

    // Only the German Sub is out: it is downloaded, below the cutoff.
    let sub = w.serve_media(KEY, 1, 1, 20_000);
    assert_eq!(run(&w).await, 1);
    w.wait_completed(1).await;
    let file = w.episode_file(&folder, 1, 1);
    assert_eq!(std::fs::read(&file).unwrap(), sub);
    let e = first_episode(&w, &id).await;
    assert_eq!(
        (&e["language"], &e["wanted"]),
        (&json!("German Sub"), &Value::Null),
        "{e}"
    );
    assert_eq!(wanted(&w, "").await, vec![]);
    assert_eq!(run(&w).await, 0, "nothing better is offered yet");

    // The German Dub comes out: after a rescan the upgrade is wanted, and the run queues it.
    w.aniworld.change(KEY, |s| {
        *s = s
            .clone()
            .links(&[(Language::GermanSub, "VOE"), (Language::GermanDub, "VOE")])
    });
    let dub = w.serve_media(KEY, 1, 1, 30_000);
    w.rescan().await;
    assert_eq!(
        wanted(&w, "").await,
        vec![(1, 1, "upgrade".into(), json!("German Dub"))]
    );
    assert_eq!(run(&w).await, 1, "one item for the upgrade");
    w.wait_completed(2).await;
    // The dub's bytes replace the sub's at the same name; nothing else is left in the folder.
    assert_eq!(std::fs::read(&file).unwrap(), dub);
    let names: Vec<String> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let plays = w.aniworld.play_requests();
    assert_eq!(
        plays.last().unwrap().target.as_ref().unwrap().language,
        Language::GermanDub
    );
    let e = first_episode(&w, &id).await;
    assert_eq!(
        (&e["language"], &e["wanted"]),
        (&json!("German Dub"), &Value::Null),
        "{e}"
    );
    // The history: the first download completed, the second upgraded it.
    let h = w.get("/api/history").await;
    assert_eq!(h.status, 200, "{}", h.text);
    let events: Vec<(&str, &str)> = h
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap(),
                e["language"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![("upgraded", "German Dub"), ("completed", "German Sub")],
        "{}",
        h.text
    );
    // The webhook heard of the first download and of the upgrade, not of a second completion.
    let events = crate::catalogue_support::poll("the upgrade notification", || async {
        let events: Vec<String> = webhook
            .requests()
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .filter_map(|b| b["event"].as_str().map(str::to_string))
            .collect();
        events
            .contains(&"episode_upgraded".to_string())
            .then_some(events)
    })
    .await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.as_str() == "download_completed")
            .count(),
        1,
        "{events:?}"
    );
    // Nothing is wanted any more, and the next run queues nothing.
    assert_eq!(wanted(&w, "").await, vec![]);
    assert_eq!(run(&w).await, 0);
}

/// The first entry of `GET /api/anime/{id}/episodes`.
async fn first_episode(w: &SiteWorld, id: &str) -> Value {
    let r = w.get(&format!("/api/anime/{id}/episodes")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json[0].clone()
}
