//! The legacy engine's pages and search answers, in the shape of the real aniworld.to before
//! December 2026 (provider-reference sections 2-5; fixtures in
//! `crates/provider/tests/fixtures/catalogue/`).

use std::collections::BTreeMap;

use aniworld_core::{EpisodeId, Language};
use serde_json::{Value, json};

use super::{FakeSeries, PageCtx, RenderedLink, esc, highlight, json_answer, matching, v2};
use crate::FakeResponse;

/// `POST /ajax/search`: the JSON list with `<em>` highlight markup, HTML entities and
/// non-series entries (an episode link per series, an FAQ page), as the site answers.
pub(super) fn search_answer(
    series: &BTreeMap<String, FakeSeries>,
    keyword: &str,
    site: &super::FakeSite,
) -> FakeResponse {
    let needle = keyword.trim().to_lowercase();
    let prefix = site.prefix();
    let mut items: Vec<Value> = Vec::new();
    for s in matching(series, keyword) {
        items.push(json!({
            "title": highlight(&s.title, &needle),
            "description": esc(&s.description),
            "link": format!("{prefix}{}", s.key),
        }));
        items.push(json!({
            "title": format!("{} - Staffel 1 Folge 1", esc(&s.title)),
            "description": "Folge 1",
            "link": format!("{prefix}{}/staffel-1/episode-1", s.key),
        }));
    }
    items.push(json!({
        "title": format!("Wie melde ich einen defekten <em>{}</em> Stream?", esc(keyword)),
        "description": "FAQ",
        "link": "/support/fragen/defekter-stream",
    }));
    json_answer(Value::Array(items))
}

/// `GET /ajax/seriesSearch?keyword=`: series only, bare slugs, `productionYear` `"(Y - Y)"`.
pub(super) fn series_search_answer(
    series: &BTreeMap<String, FakeSeries>,
    keyword: &str,
) -> FakeResponse {
    let items: Vec<Value> = matching(series, keyword)
        .into_iter()
        .map(|s| {
            json!({
                "name": esc(&s.title),
                "link": s.key,
                "description": esc(&s.description),
                "cover": format!("/public/img/cover/{}-stream-cover_150x225.jpg", s.key),
                "productionYear": s.year.map(|y| format!("({y} - Heute)")).unwrap_or_default(),
            })
        })
        .collect();
    json_answer(Value::Array(items))
}

/// The account corner: signed in, a profile link and the logout form; else nothing.
fn account(ctx: &PageCtx) -> String {
    match ctx.user {
        Some(user) => format!(
            r#"                <div class="user-area">
                    <a href="/user/{user}" class="user-link">{user}</a>
                    <form action="/logout" method="POST" class="logout-form"><input type="hidden" name="_token" value="Zk3vQ1yq8mN0aW5pd29ybGRjc3JmdG9rZW4xMjM0NTY3OA"><button type="submit">Logout</button></form>
                </div>
"#
        ),
        None => String::new(),
    }
}

/// The page chrome of the site around `main`.
fn chrome(ctx: &PageCtx, title: &str, main: &str) -> String {
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
{account}            </div>
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
        account = account(ctx),
    )
}

/// The "not found" alert page (served with 404).
pub(super) fn not_found(ctx: &PageCtx) -> String {
    chrome(
        ctx,
        "Nicht gefunden",
        r#"    <section class="container">
        <div class="messageAlert danger">
            <p>Die gewünschte Series wurde nicht gefunden oder ist im Moment deaktiviert.</p>
        </div>
        <p><a href="/animes">Zurück zur Übersicht aller Animes</a></p>
    </section>
"#,
    )
}

/// The sign-in page.
pub(super) fn login_page(ctx: &PageCtx) -> String {
    chrome(
        ctx,
        "Login",
        r#"    <section class="container">
        <h2>Login</h2>
        <form action="/login" method="POST" class="loginForm">
            <input type="hidden" name="_token" value="Zk3vQ1yq8mN0aW5pd29ybGRjc3JmdG9rZW4xMjM0NTY3OA">
            <input type="email" name="email" placeholder="E-Mail">
            <input type="password" name="password" placeholder="Passwort">
            <button type="submit">Einloggen</button>
        </form>
    </section>
"#,
    )
}

/// The series page: title block, description, genres, cover and the season navigation
/// (`div.hosterSiteDirectNav#stream`, a `Filme` entry when the series has movies).
pub(super) fn series_page(ctx: &PageCtx, s: &FakeSeries) -> String {
    let key = &s.key;
    let base = ctx.series_path(key);
    let years = match s.year {
        Some(y) if s.ongoing => format!(
            r#"<small> (<span itemprop="startDate"><a href="/animes/jahr/{y}">{y}</a></span> - <span itemprop="endDate"><a href="/animes/jahr/heute">Heute</a></span>) </small>"#
        ),
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
            "                <li><a href=\"{base}/filme\" title=\"Alle Filme\">Filme</a></li>\n"
        ));
    }
    for n in s.seasons.keys() {
        nav.push_str(&format!(
            "                <li><a href=\"{base}/staffel-{n}\" title=\"Staffel {n}\">{n}</a></li>\n"
        ));
    }
    let mut first =
        String::from("                <li><span><strong>Episoden:</strong></span></li>\n");
    if let Some((n, eps)) = s.seasons.iter().next() {
        for e in 1..=*eps {
            first.push_str(&format!(
                "                <li><a href=\"{base}/staffel-{n}/episode-{e}\" title=\"Staffel {n} Episode {e}\">{e}</a></li>\n"
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
    chrome(ctx, &s.title, &main)
}

/// A season page (`table.seasonEpisodesList`), or the movies page for season 0.
pub(super) fn season_page(ctx: &PageCtx, s: &FakeSeries, season: u32, episodes: u32) -> String {
    let mut rows = String::new();
    for e in 1..=episodes {
        let id = EpisodeId::new(season, e);
        let href = ctx.episode_path(&s.key, id);
        let label = if season == 0 {
            format!("Film {e}")
        } else {
            format!("Folge {e}")
        };
        let flags: String = s
            .links_of(id)
            .iter()
            .map(|(l, _)| *l)
            .fold(Vec::new(), |mut acc, l| {
                if !acc.contains(&l) {
                    acc.push(l);
                }
                acc
            })
            .into_iter()
            .map(|l| {
                let (file, title) = flag(l);
                format!(r#"<img class="flag" src="/public/img/{file}" title="{title}">"#)
            })
            .collect();
        rows.push_str(&format!(
            r#"            <tr class="" data-episode-id="{gid}" data-episode-season-id="{e}" itemprop="episode" itemscope="" itemtype="http://schema.org/Episode">
                <td class="season{season}EpisodeID">
                    <meta itemprop="episodeNumber" content="{e}">
                    <a itemprop="url" href="{href}"> {label} </a>
                </td>
                <td class="seasonEpisodeTitle">
                    <a href="{href}"> <strong>{de}</strong> - <span>{en}</span> </a>
                </td>
                <td><a href="{href}"><i class="icon VOE" title="VOE"></i></a></td>
                <td class="editFunctions"><a href="{href}">{flags}</a></td>
            </tr>
"#,
            gid = season * 1000 + e,
            de = esc(&FakeSeries::title_de(id)),
            en = esc(&FakeSeries::title_en(id)),
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
    chrome(ctx, &s.title, &main)
}

/// Flag image and title of a language (`data-lang-key` = [`Language::key`]).
fn flag(l: Language) -> (&'static str, &'static str) {
    match l {
        Language::GermanDub => ("german.svg", "Deutsch"),
        Language::EnglishSub => ("japanese-english.svg", "mit Untertitel Englisch"),
        Language::GermanSub => ("japanese-german.svg", "mit Untertitel Deutsch"),
        Language::EnglishDub => ("english.svg", "Englisch"),
    }
}

/// An episode page: the language box and one `li[data-lang-key]` per (language, hoster) whose
/// play link is `/redirect/<id>`; languages after the first are hidden, as on the site.
pub(super) fn episode_page(
    ctx: &PageCtx,
    s: &FakeSeries,
    id: EpisodeId,
    links: &[RenderedLink],
) -> String {
    let mut languages: Vec<Language> = Vec::new();
    for l in links {
        if !languages.contains(&l.language) {
            languages.push(l.language);
        }
    }
    let boxes: String = languages
        .iter()
        .map(|l| {
            let (file, title) = flag(*l);
            format!(
                r#"<img data-lang-key="{}" src="/public/img/{file}" title="{title}" alt="{title}, Flagge, Sprache"{}>"#,
                l.key(),
                if Some(l) == languages.first() {
                    r#" class="selectedLanguage""#
                } else {
                    ""
                }
            )
        })
        .collect();
    let items: String = links
        .iter()
        .map(|l| {
            let hidden = if Some(&l.language) == languages.first() {
                ""
            } else {
                r#" style="display: none;""#
            };
            format!(
                r#"                <li class="col-md-3 col-xs-12 col-sm-6 episodeLink{id}" data-lang-key="{key}" data-link-id="{id}" data-link-target="{url}" data-external-embed="false"{hidden}>
                    <div class="generateInlinePlayer"><a class="watchEpisode" itemprop="url" href="{url}" target="_blank"><i class="icon {h}" title="Hoster {h}"></i><h4>{h}</h4><div class="hosterSiteVideoButton">Video öffnen</div></a></div>
                </li>
"#,
                id = l.id,
                key = l.language.key(),
                url = l.play_url,
                h = esc(&l.hoster),
            )
        })
        .collect();
    let iframe = links.first().map_or(String::new(), |l| {
        format!(
            r#"<div class="inSiteWebStream"><iframe src="{}" allowfullscreen></iframe></div>"#,
            l.play_url
        )
    });
    let gate = if ctx.gate {
        v2::gate_markup()
    } else {
        String::new()
    };
    let main = format!(
        r#"    <section class="seasonsHoster">
        <div class="container">
        <div class="hosterSiteTitle" data-season="{season}">
            <h2><span class="episodeGermanTitle">{de}</span> <small class="episodeEnglishTitle">{en}</small></h2>
            <p class="descriptionSpoiler" itemprop="description">{desc}</p>
        </div>
        <div class="hosterSiteVideo">
            <div class="changeLanguageBox">{boxes}</div>
            <ul class="row">
{items}            </ul>
            {iframe}
        </div>
{gate}        </div>
    </section>
"#,
        season = id.season,
        de = esc(&FakeSeries::title_de(id)),
        en = esc(&FakeSeries::title_en(id)),
        desc = esc(&s.description),
    );
    chrome(ctx, &s.title, &main)
}

/// `/neue-episoden`: the list of new episodes, newest first (`div.newEpisodeList` rows of
/// episode links), beside a box of popular series whose links are series links only.
pub(super) fn new_episodes_page(
    ctx: &PageCtx,
    entries: &[(&FakeSeries, EpisodeId)],
    popular: &[&FakeSeries],
) -> String {
    let mut rows = String::new();
    for (s, id) in entries {
        rows.push_str(&format!(
            r#"            <div class="row">
                <a href="{path}">
                    <strong>{title}</strong>
                    <span class="listTag bigListTag blue2">S{season:02} E{episode:02}</span>
                    <span class="elementFloatRight">07.12.2026</span>
                </a>
            </div>
"#,
            path = ctx.episode_path(&s.key, *id),
            title = esc(&s.title),
            season = id.season,
            episode = id.episode,
        ));
    }
    let popular: String = popular
        .iter()
        .map(|s| {
            format!(
                "                <li><a href=\"{}\">{}</a></li>\n",
                ctx.series_path(&s.key),
                esc(&s.title)
            )
        })
        .collect();
    chrome(
        ctx,
        "Neue Episoden",
        &format!(
            r#"    <section class="container">
        <h2>Neue Episoden</h2>
        <div class="newEpisodeList">
{rows}        </div>
        <aside class="popularBox"><h3>Beliebt</h3><ul>
{popular}        </ul></aside>
    </section>
"#
        ),
    )
}
