//! The v2 engine's pages and search answers, in the shape of the fixtures in
//! `crates/provider/tests/fixtures/catalogue/v2/` (provider-reference sections 6 and 6.1):
//! Bootstrap chrome with the `/suche` search form, lazy images with a `data:image/gif`
//! placeholder, `h1 + p` info line, `li.series-group` facts with `span.extra-items.d-none`,
//! `#season-nav` pills, `#episode-nav`, `tr.episode-row` rows with `onclick` only, and
//! `#episode-links` buttons with `data-play-url="/r?t=<token>"`.
//!
//! Language attributes of the link buttons (`data-language-id`, `-label`, flag): German Dub
//! `1`/`Deutsch`/`german`, English Dub `2`/`Englisch`/`english`, German Sub `3`/`Ger-Sub`/
//! `english-german` (s.to) or `japanese-german` (aniworld), English Sub `4`/`Eng-Sub`/
//! `japanese-english` (the reference knows no v2 id for English Sub; `4` is this fake's choice).

use std::collections::BTreeMap;

use aniworld_core::{EpisodeId, Language};
use serde_json::{Value, json};

use super::{
    FakeSeries, FakeSite, Family, PageCtx, RenderedLink, esc, highlight, json_answer, matching,
    url_encode,
};
use crate::FakeResponse;

/// The lazy-image placeholder the site puts in `src`.
const GIF: &str = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
/// The page's CSRF token.
const CSRF: &str = "q3Zt8mVd1RkYbJx0Wc5N2pLh7sQaEo4FuGiT9yKw";

const FLAG_SPRITE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" class="d-none" aria-hidden="true">
    <symbol id="icon-flag-german" viewBox="0 0 5 3"><rect width="5" height="3" fill="#ffce00"/><rect width="5" height="2" fill="#d00"/><rect width="5" height="1"/></symbol>
    <symbol id="icon-flag-english" viewBox="0 0 60 30"><path d="M0,0 v30 h60 v-30 z" fill="#012169"/></symbol>
    <symbol id="icon-flag-english-german" viewBox="0 0 60 30"><use href="#icon-flag-english"/><rect x="36" y="16" width="24" height="14" fill="#d00"/></symbol>
    <symbol id="icon-flag-japanese-german" viewBox="0 0 60 30"><rect width="60" height="30" fill="#fff"/><circle cx="30" cy="15" r="9" fill="#bc002d"/></symbol>
    <symbol id="icon-flag-japanese-english" viewBox="0 0 60 30"><rect width="60" height="30" fill="#fff"/><circle cx="30" cy="15" r="9" fill="#bc002d"/></symbol>
</svg>"##;

/// (`data-language-id`, `data-language-label`, flag stem) of a language on a site.
pub(super) fn language_attrs(
    language: Language,
    family: Family,
) -> (&'static str, &'static str, &'static str) {
    match language {
        Language::GermanDub => ("1", "Deutsch", "german"),
        Language::EnglishDub => ("2", "Englisch", "english"),
        Language::GermanSub if family == Family::Sto => ("3", "Ger-Sub", "english-german"),
        Language::GermanSub => ("3", "Ger-Sub", "japanese-german"),
        Language::EnglishSub => ("4", "Eng-Sub", "japanese-english"),
    }
}

/// The `h5` group a language's buttons are listed under.
fn group_of(language: Language, family: Family) -> &'static str {
    match language {
        Language::GermanDub => "Deutsch",
        Language::EnglishDub => "Englisch",
        Language::GermanSub if family == Family::Sto => "Englisch",
        Language::GermanSub | Language::EnglishSub => "Untertitel",
    }
}

fn site_name(site: &FakeSite) -> &'static str {
    match site.family {
        Family::Aniworld => "AniWorld",
        Family::Sto => "SerienStream",
    }
}

fn account(ctx: &PageCtx) -> String {
    match ctx.user {
        Some(user) => format!(
            r#"<li class="nav-item dropdown">
                        <a class="nav-link dropdown-toggle" href="/user/{user}" role="button" data-bs-toggle="dropdown" aria-expanded="false">{user}</a>
                        <ul class="dropdown-menu dropdown-menu-end">
                            <li><a class="dropdown-item" href="/user/{user}/watchlist">Watchlist</a></li>
                            <li><form method="POST" action="/logout"><input type="hidden" name="_token" value="{CSRF}"><button type="submit" class="dropdown-item">Abmelden</button></form></li>
                        </ul>
                    </li>"#
        ),
        None => r#"<li class="nav-item"><a class="btn btn-sm btn-outline-primary" href="/login">Anmelden</a></li>"#
            .to_string(),
    }
}

/// The page chrome of the site around `main`.
fn chrome(ctx: &PageCtx, title: &str, main: &str) -> String {
    let name = site_name(&ctx.site);
    let (section, label) = match ctx.site.family {
        Family::Aniworld => ("/animes?by=alpha", "Animes"),
        Family::Sto => ("/serien?by=alpha", "Serien"),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="de" data-bs-theme="dark">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="csrf-token" content="{CSRF}">
    <title>{title} | {name}</title>
    <link rel="stylesheet" href="/build/assets/app-Cq3fW9x1.css">
    <script type="module" src="/build/assets/app-B8d2LkQp.js"></script>
</head>
<body class="d-flex flex-column min-vh-100">
{FLAG_SPRITE}
<header>
    <nav class="navbar navbar-expand-lg sticky-top border-bottom bg-body-tertiary">
        <div class="container-fluid">
            <a class="navbar-brand fw-bold" href="/">{name}</a>
            <div class="collapse navbar-collapse" id="main-nav">
                <ul class="navbar-nav me-auto mb-2 mb-lg-0">
                    <li class="nav-item"><a class="nav-link" href="{section}">{label}</a></li>
                    <li class="nav-item"><a class="nav-link" href="/katalog/A">Katalog</a></li>
                </ul>
                <form class="position-relative d-flex me-lg-3" role="search" action="/suche" method="GET">
                    <input class="form-control form-control-sm me-2" type="search" name="term" placeholder="Suchen …" autocomplete="off" data-suggest-url="/api/search/suggest">
                </form>
                <ul class="navbar-nav align-items-lg-center">
                    {account}
                </ul>
            </div>
        </div>
    </nav>
</header>
<main class="flex-grow-1">
{main}
</main>
<footer class="footer mt-auto py-4 border-top bg-body-tertiary">
    <div class="container-fluid small"><span class="text-body-secondary">&copy; 2026 {name} &ndash; Wir hosten keine Dateien.</span></div>
</footer>
</body>
</html>
"#,
        title = esc(title),
        account = account(ctx),
    )
}

/// A lazy picture: placeholder `src`, real `data-src`/`data-srcset`.
fn picture(path: &str, alt: &str, classes: &str) -> String {
    format!(
        r#"<picture><source type="image/avif" data-srcset="{path}?format=avif"><img class="{classes}" src="{GIF}" data-src="{path}?format=jpg" data-srcset="{path}?format=webp 1x" alt="{alt}" loading="lazy"></picture>"#,
        alt = esc(alt),
    )
}

fn season_nav(ctx: &PageCtx, s: &FakeSeries, current: Option<u32>) -> String {
    let base = ctx.series_path(&s.key);
    let mut items = Vec::new();
    if s.movies > 0 {
        let active = if current == Some(0) {
            " bg-primary active"
        } else {
            ""
        };
        items.push(match ctx.site.family {
            Family::Sto => format!(
                r#"<li class="nav-item"><a class="alphabet-link nav-link{active}" data-season-pill="0" href="{base}/filme">Filme</a></li>"#
            ),
            Family::Aniworld => format!(
                r#"<li class="nav-item"><a class="nav-link alphabet-link{active}" href="{base}/filme" title="Alle Filme">Filme</a></li>"#
            ),
        });
    }
    for n in s.seasons.keys() {
        let class = if current == Some(*n) {
            "nav-link alphabet-link bg-primary active"
        } else {
            "alphabet-link nav-link"
        };
        items.push(format!(
            r#"<li class="nav-item"><a class="{class}" data-season-pill="{n}" href="{base}/staffel-{n}">{n}</a></li>"#
        ));
    }
    format!(
        r#"    <div id="season-nav" class="container-fluid mt-3 d-flex flex-wrap align-items-center gap-2">
        <span class="season-pills__label text-body-secondary small me-1">Staffeln:</span>
        <ul class="nav nav-pills gap-1 flex-wrap">
            {}
        </ul>
    </div>
"#,
        items.join("\n            ")
    )
}

fn episode_nav(ctx: &PageCtx, s: &FakeSeries, season: u32, count: u32, current: u32) -> String {
    let items: Vec<String> = (1..=count)
        .map(|e| {
            let class = if e == current {
                "nav-link py-1 px-2 active bg-primary"
            } else {
                "nav-link py-1 px-2"
            };
            format!(
                r#"<li class="nav-item"><a class="{class}" href="{}">{e}</a></li>"#,
                ctx.episode_path(&s.key, EpisodeId::new(season, e))
            )
        })
        .collect();
    format!(
        r#"    <div id="episode-nav" class="container-fluid mt-2 d-flex flex-wrap align-items-center gap-2">
        <span class="season-pills__label text-body-secondary small me-1">{}</span>
        <ul class="nav nav-pills gap-1 flex-wrap">
            {}
        </ul>
    </div>
"#,
        if season == 0 { "Filme:" } else { "Episoden:" },
        items.join("\n            ")
    )
}

fn flag_svg(stem: &str) -> String {
    format!(
        r##"<svg class="watch-language svg-flag-{stem}" width="24" height="16" aria-hidden="true"><use href="#icon-flag-{stem}"></use></svg>"##
    )
}

fn hoster_icon(name: &str) -> String {
    format!(
        r#"<img class="watch-link" src="/storage/providers/{}.png" alt="{}" width="20" height="20" loading="lazy">"#,
        name.to_lowercase(),
        esc(name)
    )
}

fn distinct<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn episode_table(ctx: &PageCtx, s: &FakeSeries, season: u32, count: u32) -> String {
    let mut rows = String::new();
    for e in 1..=count {
        let id = EpisodeId::new(season, e);
        let links = s.links_of(id);
        let icons: Vec<String> = distinct(links.iter().map(|(_, h)| h.clone()))
            .iter()
            .map(|h| hoster_icon(h))
            .collect();
        let flags: String = distinct(links.iter().map(|(l, _)| *l))
            .into_iter()
            .map(|l| flag_svg(language_attrs(l, ctx.site.family).2))
            .collect();
        let label = if season == 0 {
            format!("Film {e}")
        } else {
            e.to_string()
        };
        let de = esc(&FakeSeries::title_de(id));
        let en = esc(&FakeSeries::title_en(id));
        rows.push_str(&format!(
            r#"                <tr class="episode-row" onclick="window.location='{target}'" role="link" tabindex="0">
                    <th scope="row" class="episode-number-cell text-center text-body-secondary">{label}</th>
                    <td class="episode-title-cell">
                        <strong class="d-block text-truncate episode-title-ger" title="{de}">{de}</strong>
                        <span class="episode-title-eng small text-body-secondary d-block text-truncate" title="{en}">{en}</span>
                    </td>
                    <td class="episode-watch-cell d-none d-md-table-cell">{icons}</td>
                    <td class="episode-language-cell text-end">{flags}</td>
                </tr>
"#,
            target = ctx.episode_path(&s.key, id),
            icons = icons.join(" "),
        ));
    }
    format!(
        r#"    <section class="episode-section container-fluid my-3">
        <table class="table table-hover align-middle episode-table mb-0">
            <thead class="small text-body-secondary"><tr><th scope="col" class="text-center">#</th><th scope="col">Titel</th><th scope="col" class="d-none d-md-table-cell">Hoster</th><th scope="col" class="text-end">Sprache</th></tr></thead>
            <tbody>
{rows}            </tbody>
        </table>
    </section>
"#
    )
}

fn breadcrumb(ctx: &PageCtx, s: &FakeSeries) -> String {
    let (section, label) = match ctx.site.family {
        Family::Aniworld => ("/animes?by=alpha", "Animes"),
        Family::Sto => ("/serien?by=alpha", "Serien"),
    };
    format!(
        r#"<nav aria-label="breadcrumb"><ol class="breadcrumb small mb-2"><li class="breadcrumb-item"><a href="/">Start</a></li><li class="breadcrumb-item"><a href="{section}">{label}</a></li><li class="breadcrumb-item show-name"><a href="{}">{}</a></li></ol></nav>"#,
        ctx.series_path(&s.key),
        esc(&s.title)
    )
}

/// The series page: header (backdrop, poster, title, info line, description, facts), season
/// pills, the first season's episode nav and table.
pub(super) fn series_page(ctx: &PageCtx, s: &FakeSeries) -> String {
    let key = &s.key;
    let years = match s.year {
        Some(y) if s.ongoing => {
            format!(r#"<a href="/jahr/{y}" class="link-light">{y}</a> - <span>NA</span> &bull; "#)
        }
        Some(y) => format!(
            r#"<a href="/jahr/{y}" class="link-light">{y}</a> - <a href="/jahr/{e}" class="link-light">{e}</a> &bull; "#,
            e = y + 1
        ),
        None => String::new(),
    };
    let first = s.seasons.iter().next().map(|(n, c)| (*n, *c));
    let mut main = format!(
        r#"    <div class="show-header-wrapper position-relative overflow-hidden">
        <div class="show-backdrop position-absolute top-0 start-0 w-100 h-100 opacity-25">
            {backdrop}
        </div>
        <div class="container-fluid position-relative py-4">
            <div class="row g-4">
                <div class="col-auto d-none d-md-block">
                    {poster}
                </div>
                <div class="col">
                    {crumbs}
                    <h1 class="h2 mb-1 fw-bold">{title}</h1>
                    <p class="small text-body-secondary mb-2">{years}FSK 12 &bull; <a href="https://www.imdb.com/title/tt0000001/" target="_blank" rel="noopener nofollow" class="link-light">IMDb</a></p>
                    <div class="description-wrapper mb-3">
                        <span class="description-text line-clamp-3">{desc}</span>
                        <button type="button" class="btn btn-link btn-sm p-0 description-toggle">Mehr anzeigen</button>
                    </div>
                    <ul class="list-unstyled small mb-0 series-facts">
                        <li class="series-group mb-1"><strong class="me-1">Genre:</strong><a class="link-light" href="/genre/action">Action</a><span class="d-none extra-items">, <a class="link-light" href="/genre/abenteuer">Abenteuer</a></span> <button type="button" class="btn btn-link btn-sm p-0 show-extra-items">+1</button></li>
                        <li class="series-group mb-1"><strong class="me-1">Land:</strong><a class="link-light" href="/land/jp">Japan</a></li>
                    </ul>
                </div>
            </div>
        </div>
    </div>
"#,
        backdrop = picture(
            &format!("/media/images/channel/desktop/{key}-backdrop"),
            "Backdrop",
            "w-100 h-100 object-fit-cover lazy"
        ),
        poster = picture(
            &format!("/media/images/channel/tablet/{key}-cover"),
            &s.title,
            "img-fluid rounded shadow show-poster lazy"
        ),
        crumbs = breadcrumb(ctx, s),
        title = esc(&s.title),
        desc = esc(&s.description),
    );
    main.push_str(&season_nav(ctx, s, first.map(|f| f.0)));
    if let Some((n, count)) = first {
        main.push_str(&episode_nav(ctx, s, n, count, 0));
        main.push_str(&episode_table(ctx, s, n, count));
    }
    chrome(ctx, &s.title, &main)
}

/// A season page, or the movies page for season 0.
pub(super) fn season_page(ctx: &PageCtx, s: &FakeSeries, season: u32, count: u32) -> String {
    let heading = if season == 0 {
        format!("{} – Filme", s.title)
    } else {
        format!("{} – Staffel {season}", s.title)
    };
    let mut main = format!(
        r#"    <div class="container-fluid mt-3">
        {}
        <h1 class="h3 fw-bold mb-1">{}</h1>
    </div>
"#,
        breadcrumb(ctx, s),
        esc(&heading)
    );
    main.push_str(&season_nav(ctx, s, Some(season)));
    main.push_str(&episode_nav(ctx, s, season, count, 0));
    main.push_str(&episode_table(ctx, s, season, count));
    chrome(ctx, &heading, &main)
}

/// The gate markup an episode page carries while the verification wall is up.
pub(super) fn gate_markup() -> String {
    format!(
        r#"    <div id="episode-redirect-gate-root" data-redirect-gate-tier="turnstile_altcha" data-turnstile-sitekey="0x4AAAAAAAc2yHvO9XpKq7Lm" data-altcha-challenge-url="/altcha/challenge"></div>
    <div class="modal fade" id="player-prepare-modal" tabindex="-1" aria-hidden="true">
        <div class="modal-dialog modal-dialog-centered"><div class="modal-content"><div class="modal-body">
            <form id="player-prepare-form" method="POST" action="/r" target="player-iframe">
                <input type="hidden" name="_token" value="{CSRF}">
                <input type="hidden" name="t" value="">
                <div id="player-prepare-turnstile" class="d-flex justify-content-center"></div>
                <button type="submit" class="btn btn-primary w-100 mt-3" disabled>Weiter</button>
            </form>
        </div></div></div>
    </div>
"#
    )
}

/// An episode (or movie) page: heading, player, `#episode-links` grouped by `h5`, a
/// placeholder "Provider" button, and the gate markup while the wall is up.
pub(super) fn episode_page(
    ctx: &PageCtx,
    s: &FakeSeries,
    id: EpisodeId,
    links: &[RenderedLink],
) -> String {
    let family = ctx.site.family;
    let count = if id.season == 0 {
        s.movies
    } else {
        s.seasons.get(&id.season).copied().unwrap_or(0)
    };
    let de = FakeSeries::title_de(id);
    let en = FakeSeries::title_en(id);
    let heading = if id.season == 0 {
        format!("Film {}: {de} ({en})", id.episode)
    } else {
        format!("S{:02}E{:02}: {de} ({en})", id.season, id.episode)
    };
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for l in links {
        let (lang_id, label, flag) = language_attrs(l.language, family);
        let button = format!(
            r#"<div class="link-wrapper"><button type="button" class="link-box btn btn-sm btn-dark d-flex align-items-center gap-2" data-link-id="{id}" data-play-url="{url}" data-auto-embed="1" data-provider-name="{h}" data-language-label="{label}" data-language-id="{lang_id}">{icon}<span>{h}</span>{flag}</button></div>"#,
            id = l.id,
            url = l.play_url,
            h = esc(&l.hoster),
            icon = hoster_icon(&l.hoster),
            flag = flag_svg(flag),
        );
        let group = group_of(l.language, family);
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, buttons)) => buttons.push(button),
            None => groups.push((group, vec![button])),
        }
    }
    if let Some((_, buttons)) = groups.first_mut() {
        // The unnamed placeholder hoster every real page lists (never a usable link).
        buttons.push(format!(
            r#"<div class="link-wrapper"><button type="button" class="link-box btn btn-sm btn-dark d-flex align-items-center gap-2" data-link-id="0" data-play-url="/r?t=placeholder" data-auto-embed="0" data-provider-name="Provider" data-language-label="Deutsch" data-language-id="1"><span>Anbieter</span>{}</button></div>"#,
            flag_svg("german")
        ));
    }
    let groups_html: String = groups
        .iter()
        .map(|(g, buttons)| {
            format!(
                "        <h5 class=\"mt-3 mb-2\">{g}</h5>\n        <div class=\"d-flex flex-wrap gap-2\">\n            {}\n        </div>\n",
                buttons.join("\n            ")
            )
        })
        .collect();
    let player = links.first().map_or(String::new(), |l| l.play_url.clone());
    let mut main = format!(
        r#"    <div class="container-fluid mt-3">
        {}
    </div>
"#,
        breadcrumb(ctx, s)
    );
    main.push_str(&season_nav(ctx, s, Some(id.season)));
    main.push_str(&episode_nav(ctx, s, id.season, count, id.episode));
    main.push_str(&format!(
        r#"    <section class="container-fluid my-3 episode-header">
        <h2 class="h4 mb-1">{heading}</h2>
        <div id="desc-{desc_id}" class="episode-description small"><div class="text-body">{desc}</div></div>
    </section>
    <section class="container-fluid">
        <div class="ratio ratio-16x9 bg-black rounded overflow-hidden">
            <iframe id="player-iframe" name="player-iframe" src="{player}" allowfullscreen referrerpolicy="origin"></iframe>
        </div>
    </section>
    <section id="episode-links" class="container-fluid mt-3 mb-4">
{groups_html}    </section>
"#,
        heading = esc(&heading),
        desc_id = id.season * 1000 + id.episode,
        desc = esc(&s.description),
    ));
    if ctx.gate {
        main.push_str(&gate_markup());
    }
    chrome(ctx, &heading, &main)
}

/// The interstitial a play link answers while the verification wall is up.
pub(super) fn gate_page(ctx: &PageCtx, token: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="de" data-bs-theme="dark">
<head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex, nofollow">
    <title>Stream wird vorbereitet... | {name}</title>
    <script src="https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit" async defer></script>
    <script type="module" src="/build/assets/altcha-Dk2Lq0aP.js"></script>
</head>
<body class="d-flex align-items-center justify-content-center min-vh-100">
<div class="card shadow p-4 text-center" style="max-width: 28rem;">
    <h1 class="h5 mb-2">Stream wird vorbereitet...</h1>
    <p class="small text-body-secondary mb-3">Bitte bestätige kurz, dass du ein Mensch bist.</p>
    <div id="episode-redirect-gate-root" data-redirect-gate-tier="turnstile_altcha" data-turnstile-sitekey="0x4AAAAAAAc2yHvO9XpKq7Lm" data-altcha-challenge-url="/altcha/challenge"></div>
    <form id="player-prepare-form" method="POST" action="/r">
        <input type="hidden" name="_token" value="{CSRF}">
        <input type="hidden" name="t" value="{token}">
        <div class="cf-turnstile d-flex justify-content-center" id="player-prepare-turnstile" data-sitekey="0x4AAAAAAAc2yHvO9XpKq7Lm"></div>
        <altcha-widget challengeurl="/altcha/challenge" hidelogo hidefooter></altcha-widget>
        <button type="submit" class="btn btn-primary w-100 mt-3">Weiter</button>
    </form>
</div>
</body>
</html>
"#,
        name = site_name(&ctx.site),
        token = esc(token),
    )
}

/// Laravel's "page expired" answer to an expired play token.
pub(super) fn expired_page(ctx: &PageCtx) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>Seite abgelaufen | {}</title></head>
<body class="antialiased"><div class="flex items-center"><div class="px-4 text-lg border-r">419</div><div class="ml-4 text-lg uppercase">Seite abgelaufen</div></div></body>
</html>
"#,
        site_name(&ctx.site)
    )
}

/// The not-found page (served with 404).
pub(super) fn not_found(ctx: &PageCtx) -> String {
    chrome(
        ctx,
        "Seite nicht gefunden",
        r#"    <div class="container py-5 text-center">
        <h1 class="display-1 fw-bold">404</h1>
        <p class="lead mb-4">Seite nicht gefunden</p>
        <a class="btn btn-primary" href="/">Zur Startseite</a>
    </div>
"#,
    )
}

/// The sign-in page.
pub(super) fn login_page(ctx: &PageCtx) -> String {
    chrome(
        ctx,
        "Anmelden",
        &format!(
            r#"    <div class="container py-5" style="max-width: 28rem;">
        <h1 class="h3 fw-bold mb-3">Anmelden</h1>
        <form method="POST" action="/login" class="vstack gap-3">
            <input type="hidden" name="_token" value="{CSRF}">
            <div><label for="email" class="form-label">E-Mail</label><input id="email" type="email" class="form-control" name="email" required></div>
            <div><label for="password" class="form-label">Passwort</label><input id="password" type="password" class="form-control" name="password" required></div>
            <button type="submit" class="btn btn-primary w-100">Anmelden</button>
        </form>
    </div>
"#
        ),
    )
}

/// A 200 page of neither engine (a client-rendered shell).
pub(super) fn unknown_layout(s: &FakeSeries) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>AniWorld</title><script src="/_next/static/chunks/main-8e7d6c5b.js" defer></script></head>
<body>
<div id="__next"><div class="layout"><section class="content">
    <div class="hero" data-testid="title-hero"><div class="hero__title">{}</div></div>
    <ol class="episodes"><li class="episodes__item" data-id="ep_1"><span class="episodes__no">1</span></li></ol>
</section></div></div>
</body>
</html>
"#,
        esc(&s.title)
    )
}

/// `GET /api/search/suggest?term=`: every matching series in `shows`, names highlighted.
pub(super) fn suggest_answer(
    series: &BTreeMap<String, FakeSeries>,
    term: &str,
    site: &FakeSite,
) -> FakeResponse {
    let needle = term.trim().to_lowercase();
    let shows: Vec<Value> = matching(series, term)
        .into_iter()
        .map(|s| {
            json!({
                "name": highlight(&s.title, &needle),
                "url": format!("{}{}", site.prefix(), s.key),
            })
        })
        .collect();
    json_answer(json!({ "shows": shows, "people": [], "genres": [] }))
}

fn result_card(ctx: &PageCtx, s: &FakeSeries, needle: &str) -> String {
    let href = ctx.series_path(&s.key);
    format!(
        r#"                <div class="col"><div class="card h-100 border-0 bg-transparent">
                    <a class="show-cover d-block rounded overflow-hidden" href="{href}">{}</a>
                    <div class="card-body px-0 py-2"><h6 class="show-title mb-0 text-truncate"><a class="link-light" href="{href}">{}</a></h6></div>
                </div></div>
"#,
        picture(
            &format!("/media/images/channel/mobile/{}-cover", s.key),
            &s.title,
            "card-img-top lazy"
        ),
        highlight(&s.title, needle),
    )
}

fn episode_result(ctx: &PageCtx, s: &FakeSeries) -> String {
    format!(
        r#"                <div class="col-12"><a class="d-flex gap-2 episode-result link-light text-decoration-none" href="{}"><span class="badge text-bg-secondary">{}</span><span>{} (S01E01)</span></a></div>
"#,
        ctx.episode_path(&s.key, EpisodeId::new(1, 1)),
        esc(&s.title),
        esc(&FakeSeries::title_de(EpisodeId::new(1, 1)))
    )
}

/// One `/suche?term=` page: groups `all`, `shows` (this page's hits) and `episodes`, and a
/// pagination with `rel=next` while more hits follow.
pub(super) fn search_page(
    ctx: &PageCtx,
    series: &BTreeMap<String, FakeSeries>,
    term: &str,
    page: usize,
    size: usize,
) -> String {
    let needle = term.trim().to_lowercase();
    let all = matching(series, term);
    let hits: Vec<&FakeSeries> = all
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .copied()
        .collect();
    let more = all.len() > page * size;
    let cards: String = hits.iter().map(|s| result_card(ctx, s, &needle)).collect();
    let episodes: String = hits
        .iter()
        .filter(|s| s.seasons.contains_key(&1))
        .map(|s| episode_result(ctx, s))
        .collect();
    let all_group: String = hits
        .first()
        .map(|s| result_card(ctx, s, &needle))
        .unwrap_or_default();
    let empty = if hits.is_empty() {
        r#"<p class="text-body-secondary">Keine Ergebnisse.</p>"#
    } else {
        ""
    };
    let enc = url_encode(term);
    let prev = if page > 1 {
        format!(
            r#"<li class="page-item"><a class="page-link" href="/suche?term={enc}&amp;page={}" rel="prev">&lsaquo;</a></li>"#,
            page - 1
        )
    } else {
        r#"<li class="page-item disabled"><span class="page-link">&lsaquo;</span></li>"#.into()
    };
    let next = if more {
        format!(
            r#"<li class="page-item"><a class="page-link" href="/suche?term={enc}&amp;page={}" rel="next" aria-label="Weiter &raquo;">&rsaquo;</a></li>"#,
            page + 1
        )
    } else {
        r#"<li class="page-item disabled" aria-disabled="true"><span class="page-link">&rsaquo;</span></li>"#.into()
    };
    let main = format!(
        r#"    <div class="container-fluid py-3">
        <h1 class="h4 mb-3">Suchergebnisse für &bdquo;{term}&ldquo;</h1>
        <div class="results-group" data-group="all"><div class="row g-3 row-cols-2 row-cols-md-4">
{all_group}        </div></div>
        <div class="results-group d-none" data-group="shows"><div class="row row-cols-2 row-cols-md-4 g-3">
{cards}        </div>{empty}</div>
        <div class="results-group d-none" data-group="episodes"><div class="row g-2">
{episodes}        </div></div>
        <nav class="mt-4" aria-label="Seiten"><ul class="pagination pagination-sm justify-content-center">{prev}<li class="page-item active"><span class="page-link">{page}</span></li>{next}</ul></nav>
    </div>
"#,
        term = esc(term),
    );
    chrome(ctx, &format!("Suche: {term}"), &main)
}

/// `/neue-episoden`: the new episodes as table rows whose link is only in `onclick` (like the
/// season tables), newest first, beside cards of popular series (series links only).
pub(super) fn new_episodes_page(
    ctx: &PageCtx,
    entries: &[(&FakeSeries, EpisodeId)],
    popular: &[&FakeSeries],
) -> String {
    let mut rows = String::new();
    for (s, id) in entries {
        rows.push_str(&format!(
            r#"                <tr class="episode-row" onclick="window.location='{target}'" role="link" tabindex="0">
                    <td class="text-body-secondary small">07.12.2026</td>
                    <td><strong class="d-block text-truncate">{title}</strong> <span class="badge text-bg-secondary">S{season:02}E{episode:02}</span></td>
                </tr>
"#,
            target = ctx.episode_path(&s.key, *id),
            title = esc(&s.title),
            season = id.season,
            episode = id.episode,
        ));
    }
    let cards: String = popular
        .iter()
        .map(|s| {
            format!(
                r#"            <div class="card"><a class="show-cover" href="{}"><h6 class="show-title">{}</h6></a></div>
"#,
                ctx.series_path(&s.key),
                esc(&s.title)
            )
        })
        .collect();
    chrome(
        ctx,
        "Neue Episoden",
        &format!(
            r#"    <section class="container-fluid my-3">
        <h1 class="h3">Neue Episoden</h1>
        <table class="table table-hover align-middle mb-0 latest-episodes">
            <tbody>
{rows}            </tbody>
        </table>
        <div class="popular-shows d-flex gap-2">
{cards}        </div>
    </section>
"#
        ),
    )
}
