//! Browser test of the UI's languages (issue 17, item 4): the series page, Wanted and History
//! shown in German (the choice stored in the browser, `aniworld.lang`) say everything in German
//! and none of their English texts, and the same pages in English say nothing in German.

use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::{Value, json};

use crate::e2e::assert_clean;
use crate::e2e_browser::{Browser, browser};
use crate::queue_support::{QueueWorld, queue_world};

const KEY: &str = "attack-on-titan";

/// The texts one language shows on the three pages.
struct Texts {
    lang: &'static str,
    // series page
    episodes: &'static str,
    following: &'static str,
    download_all: &'static str,
    edit: &'static str,
    legend: [&'static str; 4],
    missing_label: &'static str,
    // Wanted
    wanted: &'static str,
    queue_all: &'static str,
    reasons: [&'static str; 3],
    // History
    history: &'static str,
    columns: [&'static str; 8],
    events: [&'static str; 5],
    /// A date as `when()` writes it in this language (a regular expression).
    date: &'static str,
    /// Texts of the other language that must not show on the pages.
    foreign: &'static [&'static str],
}

const GERMAN: Texts = Texts {
    lang: "de",
    episodes: "Folgen",
    following: "Verfolgen",
    download_all: "Alle fehlenden laden",
    edit: "Bearbeiten",
    legend: ["vorhanden", "fehlt", "eingereiht", "wird geladen"],
    missing_label: "Folge 2 (S01E02) fehlt: in die Warteschlange stellen",
    wanted: "Gesucht",
    queue_all: "Alle einreihen",
    reasons: ["Fehlt:", "Upgrade auf", "Wartet auf"],
    history: "Verlauf",
    columns: [
        "Zeit", "Ereignis", "Serie", "Folge", "Sprache", "Hoster", "Größe", "Details",
    ],
    events: [
        "Alle Ereignisse",
        "Heruntergeladen",
        "Fehlgeschlagen",
        "Upgegradet",
        "Gelöscht",
    ],
    date: r"^\d{1,2}\.\d{1,2}\.\d{4}",
    foreign: &[
        "Download all missing",
        "Following",
        "Monitored",
        "Select a missing episode",
        "Nothing is missing",
        "Metadata",
        "Add a TMDB API key",
        "Create metadata",
        "← Library",
        "Queue all",
        "Missing:",
        "Waiting for",
        "Upgrade to",
        "The episodes the next automatic run",
        "Nothing is wanted",
        "All events",
        "Downloaded",
        "Downloads that completed",
        "Previous page",
        "German Dub",
        "German Sub",
        "English Sub",
        "English Dub",
    ],
};

const ENGLISH: Texts = Texts {
    lang: "en",
    episodes: "Episodes",
    following: "Following",
    download_all: "Download all missing",
    edit: "Edit",
    legend: ["present", "missing", "queued", "downloading"],
    missing_label: "Episode 2 (S01E02) is missing: add it to the queue",
    wanted: "Wanted",
    queue_all: "Queue all",
    reasons: ["Missing:", "Upgrade to", "Waiting for"],
    history: "History",
    columns: [
        "Time", "Event", "Series", "Episode", "Language", "Hoster", "Size", "Details",
    ],
    events: ["All events", "Downloaded", "Failed", "Upgraded", "Deleted"],
    date: r"^\d{1,2}/\d{1,2}/\d{4}",
    foreign: &[
        "Alle fehlenden laden",
        "Verfolgen",
        "Überwacht",
        "Wähle eine fehlende Folge",
        "Metadaten",
        "Bibliothek",
        "Alle einreihen",
        "Fehlt:",
        "Wartet auf",
        "Alle Ereignisse",
        "Heruntergeladen",
        "Vorherige Seite",
        "Synchro",
        "Untertitel",
    ],
};

/// Signs the browser in with the world's token and stores the language choice, on a page of the
/// origin that does not navigate by itself (the login page moves on once signed in).
async fn sign_in_with(b: &Browser, w: &QueueWorld, lang: &str) {
    b.client
        .goto(&format!("{}/health", w.app.address))
        .await
        .unwrap();
    b.js(&format!(
        "sessionStorage.setItem('aniworld.token', {}); localStorage.setItem('aniworld.lang', {}); return true;",
        json!(w.token),
        json!(lang)
    ))
    .await;
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.wait_css(css).await.text().await.unwrap()
}

async fn texts_of(b: &Browser, css: &str) -> Value {
    b.js(&format!(
        "return [...document.querySelectorAll({})].map((e) => e.textContent.trim());",
        json!(css)
    ))
    .await
}

/// The view's visible text holds none of `foreign`.
async fn assert_none_of(b: &Browser, page: &str, foreign: &[&str]) {
    let text = b
        .js("return document.getElementById('view').innerText;")
        .await;
    let text = text.as_str().unwrap_or_default();
    for f in foreign {
        assert!(!text.contains(f), "{page}: {f:?} in {text}");
    }
}

async fn check_pages(b: &Browser, w: &QueueWorld, l: &Texts) {
    sign_in_with(b, w, l.lang).await;
    let base = &w.app.address;

    // The series page.
    b.client
        .goto(&format!("{base}/#/series/{KEY}"))
        .await
        .unwrap();
    b.wait_js("document.querySelectorAll('.ep.missing').length === 1")
        .await;
    // The metadata section has loaded (its check answered, with or without a TMDB key).
    b.wait_css(
        "section[aria-labelledby='nfo-h'] .btn-row, section[aria-labelledby='nfo-h'] .error-view",
    )
    .await;
    assert_eq!(
        b.js("return document.documentElement.lang;").await,
        json!(l.lang)
    );
    assert_eq!(text_of(b, "#eps-h").await, l.episodes);
    assert_eq!(text_of(b, "#follow-h").await, l.following);
    assert_eq!(text_of(b, "#download-all").await, l.download_all);
    assert_eq!(text_of(b, "#series-edit-open").await, l.edit);
    assert_eq!(texts_of(b, ".legend li").await, json!(l.legend));
    assert_eq!(
        b.js("return document.querySelector('.ep.missing').getAttribute('aria-label');")
            .await,
        json!(l.missing_label)
    );
    assert_none_of(b, &format!("series ({})", l.lang), l.foreign).await;
    assert_clean(b, "series page").await;

    // Wanted.
    b.client.goto(&format!("{base}/#/wanted")).await.unwrap();
    b.wait_css("#wanted-list li[data-reason]").await;
    assert_eq!(text_of(b, "#view h1").await, l.wanted);
    assert_eq!(text_of(b, "#wanted-queue-all").await, l.queue_all);
    let badges = texts_of(b, "#wanted-list li[data-reason] .badge").await;
    for badge in badges.as_array().unwrap() {
        let badge = badge.as_str().unwrap();
        assert!(
            l.reasons.iter().any(|r| badge.starts_with(r)),
            "wanted ({}): {badge}",
            l.lang
        );
    }
    assert_none_of(b, &format!("wanted ({})", l.lang), l.foreign).await;
    assert_clean(b, "wanted").await;

    // History.
    b.client.goto(&format!("{base}/#/history")).await.unwrap();
    b.wait_css("#history-table tbody tr").await;
    assert_eq!(text_of(b, "#view h1").await, l.history);
    assert_eq!(texts_of(b, "#history-table th").await, json!(l.columns));
    assert_eq!(texts_of(b, "#history-event option").await, json!(l.events));
    assert_eq!(
        text_of(b, "#history-table tbody tr td:nth-child(2)").await,
        l.events[1]
    );
    let time = text_of(b, "#history-table tbody tr td:first-child").await;
    assert!(
        regex::Regex::new(l.date).unwrap().is_match(&time),
        "history ({}): {time}",
        l.lang
    );
    assert_none_of(b, &format!("history ({})", l.lang), l.foreign).await;
    assert_clean(b, "history").await;
}

#[actix_web::test]
async fn series_wanted_and_history_speak_german_or_english_as_chosen() {
    let w = queue_world(|c| {
        c["server"]["origin_rate_limit_per_minute"] = json!(10_000);
    })
    .await;
    w.seed_series(KEY, &[(1, 1), (1, 2)]);
    // Episode 1 downloads (a row of the history); episode 2 stays missing (wanted).
    let data = media_bytes(KEY, 1, 1, 50_000);
    w.sites.episode(KEY, 1, 1, data, Serving::Fast);
    w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    w.wait_status("episode 1 completed", |s| {
        s["statistics"]["completed_count"] == 1
    })
    .await;
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    check_pages(&b, &w, &GERMAN).await;
    check_pages(&b, &w, &ENGLISH).await;
    b.close().await;
}
