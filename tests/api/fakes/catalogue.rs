//! A fake catalogue on 127.0.0.1 for the anime tests, serving pages generated in the shape of the
//! real site (see provider-reference.md and crates/provider/tests/fixtures/catalogue/):
//!
//! - `POST /ajax/search` (form field `keyword`): the JSON list with `<em>` highlight markup,
//!   HTML entities and non-series entries (episode links, FAQ pages), as the site answers;
//! - `GET /anime/stream/<key>`: the series page with page chrome, title block (start/end year,
//!   alternative titles, IMDb link), full description and the season navigation
//!   (`div.hosterSiteDirectNav#stream`, a `Filme` entry when the series has movies);
//! - `GET /anime/stream/<key>/staffel-<n>` and `/filme`: the `table.seasonEpisodesList` rows;
//! - unknown series: the site's "not found" alert page with status 404.
//!
//! Series can be added and changed while a test runs; series pages can be held until a
//! [`Gate`] opens (a scan that is reliably "in progress"), or answered with any response.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aniworld_testkit::{FakeResponse, FakeServer, Gate, RecordedRequest};
use serde_json::{Value, json};

/// The anti-bot challenge page of the real site (403).
pub const CHALLENGE_PAGE: &str =
    include_str!("../../../crates/provider/tests/fixtures/catalogue/ddos_guard_challenge.html");

/// One series of the fake catalogue.
#[derive(Debug, Clone)]
pub struct FakeSeries {
    /// Key (slug).
    pub key: String,
    /// Title shown on the page.
    pub title: String,
    /// First year.
    pub year: Option<i32>,
    /// Full description.
    pub description: String,
    /// Season number -> number of episodes (1..=n).
    pub seasons: BTreeMap<u32, u32>,
    /// Number of movies (season 0); 0 = no movies page.
    pub movies: u32,
}

impl FakeSeries {
    /// A series with the given seasons (`(season, episodes)`), no movies, no year.
    pub fn new(key: &str, title: &str, seasons: &[(u32, u32)]) -> Self {
        Self {
            key: key.into(),
            title: title.into(),
            year: None,
            description: format!("{title} & friends – die ganze Geschichte."),
            seasons: seasons.iter().copied().collect(),
            movies: 0,
        }
    }

    /// Sets the first year.
    pub fn year(mut self, year: i32) -> Self {
        self.year = Some(year);
        self
    }

    /// Sets the number of movies.
    pub fn movies(mut self, n: u32) -> Self {
        self.movies = n;
        self
    }
}

/// A special answer for the pages of one series.
type Override = Arc<dyn Fn(&RecordedRequest) -> FakeResponse + Send + Sync>;

#[derive(Default)]
struct Inner {
    series: BTreeMap<String, FakeSeries>,
    overrides: BTreeMap<String, Override>,
    hold: Option<Gate>,
}

/// The fake catalogue site.
pub struct FakeCatalogue {
    /// The server; its URL is the provider base URL.
    pub server: FakeServer,
    inner: Arc<Mutex<Inner>>,
}

impl FakeCatalogue {
    /// Starts the site with no series.
    pub fn start() -> Self {
        let server = FakeServer::start();
        let inner = Arc::new(Mutex::new(Inner::default()));
        let state = inner.clone();
        server.route_method("POST", "/ajax/search", move |req| {
            let keyword = req.form_field("keyword").unwrap_or_default();
            search_answer(&state.lock().unwrap().series, &keyword)
        });
        let state = inner.clone();
        server.route("/anime/stream/*", move |req| stream_page(&state, req));
        Self { server, inner }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The link of a series page.
    pub fn link(&self, key: &str) -> String {
        format!("{}/anime/stream/{key}", self.url())
    }

    /// Adds or replaces a series.
    pub fn add(&self, series: FakeSeries) {
        self.inner
            .lock()
            .unwrap()
            .series
            .insert(series.key.clone(), series);
    }

    /// Changes a series in place.
    pub fn change(&self, key: &str, f: impl FnOnce(&mut FakeSeries)) {
        f(self
            .inner
            .lock()
            .unwrap()
            .series
            .get_mut(key)
            .expect("known series"));
    }

    /// Answers every page of `key` with `f` instead of the generated page.
    pub fn override_series(
        &self,
        key: &str,
        f: impl Fn(&RecordedRequest) -> FakeResponse + Send + Sync + 'static,
    ) {
        self.inner
            .lock()
            .unwrap()
            .overrides
            .insert(key.into(), Arc::new(f));
    }

    /// Holds every series page until the returned gate opens (at most 60 s).
    pub fn hold_series_pages(&self) -> Gate {
        let gate = Gate::new();
        self.inner.lock().unwrap().hold = Some(gate.clone());
        gate
    }

    /// Requests for the series page of `key` so far.
    pub fn series_page_hits(&self, key: &str) -> usize {
        self.server.hits(&format!("/anime/stream/{key}"))
    }
}

/// Escapes text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;")
}

fn search_answer(series: &BTreeMap<String, FakeSeries>, keyword: &str) -> FakeResponse {
    let needle = keyword.trim().to_lowercase();
    let mut items: Vec<Value> = Vec::new();
    for s in series.values() {
        if needle.is_empty() || !s.title.to_lowercase().contains(&needle) {
            continue;
        }
        // Highlight each word of the title that contains the keyword, as the site does.
        let title: Vec<String> = s
            .title
            .split(' ')
            .map(|w| {
                if w.to_lowercase().contains(&needle) {
                    format!("<em>{}</em>", esc(w))
                } else {
                    esc(w)
                }
            })
            .collect();
        items.push(json!({
            "title": title.join(" "),
            "description": esc(&s.description),
            "link": format!("/anime/stream/{}", s.key),
        }));
        items.push(json!({
            "title": format!("{} - Staffel 1 Folge 1", esc(&s.title)),
            "description": "Folge 1",
            "link": format!("/anime/stream/{}/staffel-1/episode-1", s.key),
        }));
    }
    items.push(json!({
        "title": format!("Wie melde ich einen defekten <em>{}</em> Stream?", esc(keyword)),
        "description": "FAQ",
        "link": "/support/fragen/defekter-stream",
    }));
    FakeResponse::json(&Value::Array(items))
}

fn stream_page(inner: &Arc<Mutex<Inner>>, req: &RecordedRequest) -> FakeResponse {
    let rest = req.path.trim_start_matches("/anime/stream/");
    let mut parts = rest.trim_end_matches('/').split('/');
    let key = parts.next().unwrap_or_default().to_string();
    let sub = parts.next().map(str::to_string);
    let (series, over, hold) = {
        let g = inner.lock().unwrap();
        (
            g.series.get(&key).cloned(),
            g.overrides.get(&key).cloned(),
            g.hold.clone(),
        )
    };
    if let (Some(gate), None) = (&hold, &sub) {
        // A bounded wait, polled: the test opens the gate when it has seen the scan running.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !gate.is_open() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    if let Some(f) = over {
        return f(req);
    }
    let Some(series) = series else {
        return not_found();
    };
    match sub.as_deref() {
        None => FakeResponse::html(series_page(&series)),
        Some("filme") if series.movies > 0 => {
            FakeResponse::html(season_page(&series, 0, series.movies))
        }
        Some(s) => match s
            .strip_prefix("staffel-")
            .and_then(|n| n.parse::<u32>().ok())
            .and_then(|n| series.seasons.get(&n).map(|eps| (n, *eps)))
        {
            Some((n, eps)) => FakeResponse::html(season_page(&series, n, eps)),
            None => not_found(),
        },
    }
}

fn not_found() -> FakeResponse {
    let body = chrome(
        "Nicht gefunden",
        r#"    <section class="container">
        <div class="messageAlert danger">
            <p>Die gewünschte Serie wurde nicht gefunden oder ist im Moment deaktiviert.</p>
        </div>
        <p><a href="/animes">Zurück zur Übersicht aller Animes</a></p>
    </section>
"#,
    );
    FakeResponse::html(body).with_status(404)
}

/// The page chrome of the site around `main`.
fn chrome(title: &str, main: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="de">
<head>
    <meta charset="utf-8">
    <title>{title} | AniWorld.to - Animes gratis online ansehen</title>
    <meta name="csrf-token" content="Zk3vQ1yq8mN0aW5pd29ybGRjc3JmdG9rZW4xMjM0NTY3OA">
    <link rel="stylesheet" href="/public/css/style.css?v=1.4.12">
</head>
<body>
<div id="wrapper" class="wrapper">
    <header class="main-header">
        <div class="header-content">
            <div class="header-container">
                <div class="logo-wrapper"><a href="/" title="AniWorld - Animes online ansehen"><div class="header-logo"></div></a></div>
                <nav class="main-navigation">
                    <ul class="primary-navigation">
                        <li><a href="/animes" title="Alle Animes">Animes</a></li>
                        <li><a href="/beliebte-animes" title="Beliebte Animes">Beliebt</a></li>
                        <li><a href="/neue-episoden" title="Neue Episoden">Neue Episoden</a></li>
                    </ul>
                </nav>
                <div class="searchbar">
                    <form action="/search" method="GET" class="searchForm"><input type="search" name="q" class="searchInput"></form>
                    <div class="searchResults" style="display:none"><ul></ul></div>
                </div>
            </div>
        </div>
    </header>
{main}
    <footer class="main-footer">
        <div class="footer-container">
            <div class="footer-links"><ul><li><a href="/support">Support</a></li><li><a href="/impressum">Impressum</a></li></ul></div>
            <div class="footer-note"><p>AniWorld &copy; 2026 &ndash; Wir hosten keine Dateien.</p></div>
        </div>
    </footer>
</div>
<script src="/public/js/main.js?v=1.4.12"></script>
</body>
</html>
"#,
        title = esc(title),
    )
}

fn series_page(s: &FakeSeries) -> String {
    let key = &s.key;
    let years = match s.year {
        Some(y) => format!(
            r#"<small> (<span itemprop="startDate"><a href="/animes/jahr/{y}">{y}</a></span> - <span itemprop="endDate"><a href="/animes/jahr/{e}">{e}</a></span>) </small>"#,
            e = y + 1
        ),
        None => String::new(),
    };
    let mut nav =
        String::from("                <li><span><strong>Staffeln:</strong></span></li>\n");
    if s.movies > 0 {
        nav.push_str(&format!(
            "                <li><a href=\"/anime/stream/{key}/filme\" title=\"Alle Filme\">Filme</a></li>\n"
        ));
    }
    for n in s.seasons.keys() {
        nav.push_str(&format!(
            "                <li><a href=\"/anime/stream/{key}/staffel-{n}\" title=\"Staffel {n}\">{n}</a></li>\n"
        ));
    }
    let mut first =
        String::from("                <li><span><strong>Episoden:</strong></span></li>\n");
    if let Some((n, eps)) = s.seasons.iter().next() {
        for e in 1..=*eps {
            first.push_str(&format!(
                "                <li><a href=\"/anime/stream/{key}/staffel-{n}/episode-{e}\" title=\"Staffel {n} Episode {e}\">{e}</a></li>\n"
            ));
        }
    }
    let title = esc(&s.title);
    let desc = esc(&s.description);
    let main = format!(
        r#"    <section class="SeriesSection" itemscope itemtype="http://schema.org/TVSeries">
        <div class="container row">
            <div class="seriesContentBox">
                <div class="series-title">
                    <h1 itemprop="name" title="Animes Stream: {title}" data-alternativetitles="{title}, アニメ"><span>{title}</span></h1>
                    {years}
                    <div class="fsk fsk12" data-fsk="12">Ab: <span>12</span></div>
                    <a class="imdb-link" data-imdb="tt0000001" href="https://www.imdb.com/title/tt0000001">IMDB</a>
                </div>
                <p class="seri_des" itemprop="accessibilitySummary" data-full-description="{desc}">{desc} <span class="showMore">mehr anzeigen</span></p>
                <div class="genres"><ul data-main-genre="action">
                    <li><a href="/genre/action" class="genreButton clearbutton" itemprop="genre">Action</a></li>
                    <li><a href="/genre/ger" class="genreButton clearbutton" itemprop="genre">Ger</a></li>
                </ul></div>
            </div>
            <div class="seriesCoverBox">
                <img class="loadOnScroll" src="/public/img/loading.gif" data-src="/public/img/cover/{key}-stream-cover_220x330.png" alt="{title}" itemprop="image">
            </div>
        </div>
    </section>
    <section class="seasonsHoster">
        <div class="container">
        <div class="hosterSiteDirectNav" id="stream">
            <ul>
{nav}            </ul>
            <div class="cf"></div>
            <ul>
{first}            </ul>
        </div>
        </div>
    </section>
"#
    );
    chrome(&s.title, &main)
}

fn season_page(s: &FakeSeries, season: u32, episodes: u32) -> String {
    let key = &s.key;
    let mut rows = String::new();
    for e in 1..=episodes {
        let (href, label) = if season == 0 {
            (
                format!("/anime/stream/{key}/filme/film-{e}"),
                format!("Film {e}"),
            )
        } else {
            (
                format!("/anime/stream/{key}/staffel-{season}/episode-{e}"),
                format!("Folge {e}"),
            )
        };
        rows.push_str(&format!(
            r#"            <tr class="" data-episode-id="{id}" data-episode-season-id="{e}" itemprop="episode" itemscope="" itemtype="http://schema.org/Episode">
                <td class="season{season}EpisodeID">
                    <meta itemprop="episodeNumber" content="{e}">
                    <a itemprop="url" href="{href}"> {label} </a>
                </td>
                <td class="seasonEpisodeTitle">
                    <a href="{href}"> <strong>Folge {e} &amp; mehr</strong> - <span>Episode {e}</span> </a>
                </td>
                <td><a href="{href}"><i class="icon VOE" title="VOE"></i></a></td>
                <td class="editFunctions"><a href="{href}"><img class="flag" src="/public/img/german.svg" title="Deutsch/German"></a></td>
            </tr>
"#,
            id = season * 1000 + e,
        ));
    }
    let main = format!(
        r#"    <section class="seasonsHoster">
        <div class="container">
        <table class="seasonEpisodesList" data-season-id="{season}">
            <thead><tr><th>#</th><th>Titel</th><th>Stream</th><th>Sprache</th></tr></thead>
            <tbody id="season{season}">
{rows}            </tbody>
        </table>
        </div>
    </section>
"#
    );
    chrome(&s.title, &main)
}
