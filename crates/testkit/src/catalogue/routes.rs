//! Request handling of the fake catalogue: search endpoints, the site's 301s between URL
//! families, series/season/episode pages of either engine, and play links (redirect, expired
//! token, verification wall).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aniworld_core::EpisodeId;

use super::{
    Engine, FAKE_USER, FakeSite, Inner, PageCtx, PlayOutcome, PlayRequest, PlayTarget,
    RenderedLink, legacy, v2,
};
use crate::{FakeResponse, RecordedRequest};

/// What a site path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PageKind {
    Series,
    Season(u32),
    Episode(EpisodeId),
    Other,
}

pub(super) fn parse_rest(rest: &str) -> (String, PageKind) {
    let mut parts = rest.trim_end_matches('/').split('/');
    let key = parts.next().unwrap_or_default().to_string();
    let a = parts.next();
    let b = parts.next();
    let extra = parts.next().is_some();
    let num = |s: &str, p: &str| s.strip_prefix(p).and_then(|n| n.parse::<u32>().ok());
    let kind = match (a, b, extra) {
        (None, None, false) => PageKind::Series,
        (Some("filme"), None, false) => PageKind::Season(0),
        (Some(s), None, false) => num(s, "staffel-").map_or(PageKind::Other, PageKind::Season),
        (Some("filme"), Some(f), false) => {
            num(f, "film-").map_or(PageKind::Other, |k| PageKind::Episode(EpisodeId::new(0, k)))
        }
        (Some(s), Some(e), false) => match (num(s, "staffel-"), num(e, "episode-")) {
            (Some(s), Some(e)) if s > 0 => PageKind::Episode(EpisodeId::new(s, e)),
            _ => PageKind::Other,
        },
        _ => PageKind::Other,
    };
    (key, kind)
}

/// The serving path of an episode page.
pub(super) fn episode_path(site: &FakeSite, key: &str, id: EpisodeId) -> String {
    let base = format!("{}{key}", site.prefix());
    if id.season == 0 {
        format!("{base}/filme/film-{}", id.episode)
    } else {
        format!("{base}/staffel-{}/episode-{}", id.season, id.episode)
    }
}

pub(super) fn dispatch(inner: &Arc<Mutex<Inner>>, req: &RecordedRequest) -> FakeResponse {
    let path = req.path.clone();
    let site = inner.lock().unwrap_or_else(|e| e.into_inner()).site;
    match (req.method.as_str(), path.as_str()) {
        ("POST", "/ajax/search") if site.engine == Engine::Legacy => {
            let keyword = req.form_field("keyword").unwrap_or_default();
            let g = inner.lock().unwrap_or_else(|e| e.into_inner());
            return legacy::search_answer(&g.series, &keyword, &site);
        }
        ("GET", "/ajax/seriesSearch") if site.engine == Engine::Legacy => {
            let keyword = req.query_param("keyword").unwrap_or_default();
            let g = inner.lock().unwrap_or_else(|e| e.into_inner());
            return legacy::series_search_answer(&g.series, &keyword);
        }
        ("GET", "/api/search/suggest") if site.engine == Engine::V2 => {
            let g = inner.lock().unwrap_or_else(|e| e.into_inner());
            if g.suggest_gone {
                return not_found(&page_ctx(&g, req));
            }
            let term = req.query_param("term").unwrap_or_default();
            return v2::suggest_answer(&g.series, &term, &site);
        }
        ("GET", "/suche") if site.engine == Engine::V2 => {
            let g = inner.lock().unwrap_or_else(|e| e.into_inner());
            let term = req.query_param("term").unwrap_or_default();
            let page = req
                .query_param("page")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            return FakeResponse::html(v2::search_page(
                &page_ctx(&g, req),
                &g.series,
                &term,
                page,
                g.search_page_size,
            ));
        }
        ("GET", "/login") => {
            let g = inner.lock().unwrap_or_else(|e| e.into_inner());
            return login_page(&page_ctx(&g, req));
        }
        ("GET", "/neue-episoden") => {
            let g = inner.lock().unwrap_or_else(|e| e.into_inner());
            return new_episodes(&g, req);
        }
        (_, "/r") if site.engine == Engine::V2 => return play(inner, req),
        (_, p) if p.starts_with("/redirect/") && site.engine == Engine::Legacy => {
            return play(inner, req);
        }
        _ => {}
    }
    if let Some(moved) = site.moved_prefix()
        && let Some(rest) = path.strip_prefix(moved)
    {
        let mut location = format!("{}{rest}", site.prefix());
        if !req.query.is_empty() {
            location = format!("{location}?{}", req.query);
        }
        return FakeResponse::redirect(&location).with_status(301);
    }
    match path.strip_prefix(site.prefix()) {
        Some(rest) if !rest.is_empty() => series_pages(inner, req, rest),
        _ => {
            let g = inner.lock().unwrap_or_else(|e| e.into_inner());
            not_found(&page_ctx(&g, req))
        }
    }
}

fn page_ctx(g: &Inner, req: &RecordedRequest) -> PageCtx {
    PageCtx {
        site: g.site,
        user: g.signed_in(req).then_some(FAKE_USER),
        gate: g.gate_since.is_some(),
    }
}

fn not_found(ctx: &PageCtx) -> FakeResponse {
    let body = match ctx.site.engine {
        Engine::Legacy => legacy::not_found(ctx),
        Engine::V2 => v2::not_found(ctx),
    };
    FakeResponse::html(body).with_status(404)
}

fn login_page(ctx: &PageCtx) -> FakeResponse {
    FakeResponse::html(match ctx.site.engine {
        Engine::Legacy => legacy::login_page(ctx),
        Engine::V2 => v2::login_page(ctx),
    })
}

fn series_pages(inner: &Arc<Mutex<Inner>>, req: &RecordedRequest, rest: &str) -> FakeResponse {
    let (key, kind) = parse_rest(rest);
    let hold = {
        let mut g = inner.lock().unwrap_or_else(|e| e.into_inner());
        match &kind {
            PageKind::Series => *g.series_hits.entry(key.clone()).or_insert(0) += 1,
            PageKind::Episode(id) => *g.episode_hits.entry((key.clone(), *id)).or_insert(0) += 1,
            _ => {}
        }
        g.hold.clone().filter(|_| kind == PageKind::Series)
    };
    if let Some(gate) = hold {
        // A bounded wait, polled: the test opens the gate when it has seen the scan running.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !gate.is_open() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let mut g = inner.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(f) = g.overrides.get(&key).cloned() {
        drop(g);
        return f(req);
    }
    g.gate_up();
    let ctx = page_ctx(&g, req);
    let Some(series) = g.series.get(&key).cloned() else {
        return not_found(&ctx);
    };
    if series.unknown_layout {
        return FakeResponse::html(v2::unknown_layout(&series));
    }
    let engine = ctx.site.engine;
    match kind {
        PageKind::Series if g.send_validators => {
            let (etag, last_modified) = validators(&series, engine);
            let unchanged = match req.header("if-none-match") {
                Some(sent) => sent.split(',').any(|t| t.trim() == etag),
                None => req.header("if-modified-since") == Some(last_modified.as_str()),
            };
            if unchanged {
                g.not_modified += 1;
                return FakeResponse::status(304)
                    .header("ETag", &etag)
                    .header("Last-Modified", &last_modified);
            }
            FakeResponse::html(match engine {
                Engine::Legacy => legacy::series_page(&ctx, &series),
                Engine::V2 => v2::series_page(&ctx, &series),
            })
            .header("ETag", &etag)
            .header("Last-Modified", &last_modified)
        }
        PageKind::Series => FakeResponse::html(match engine {
            Engine::Legacy => legacy::series_page(&ctx, &series),
            Engine::V2 => v2::series_page(&ctx, &series),
        }),
        PageKind::Season(0) if series.movies > 0 && !series.movies_page_missing => {
            FakeResponse::html(match engine {
                Engine::Legacy => legacy::season_page(&ctx, &series, 0, series.movies),
                Engine::V2 => v2::season_page(&ctx, &series, 0, series.movies),
            })
        }
        PageKind::Season(n) if n > 0 && series.seasons.contains_key(&n) => {
            let eps = series.seasons[&n];
            FakeResponse::html(match engine {
                Engine::Legacy => legacy::season_page(&ctx, &series, n, eps),
                Engine::V2 => v2::season_page(&ctx, &series, n, eps),
            })
        }
        PageKind::Episode(id) if series.has_episode(id) => {
            if g.required_cookie.is_some() && ctx.user.is_none() {
                return login_page(&ctx);
            }
            let generation = g.episode_hits.get(&(key.clone(), id)).copied().unwrap_or(1);
            let mut links = Vec::new();
            for (language, hoster) in series.links_of(id).clone() {
                let target = PlayTarget {
                    key: key.clone(),
                    episode: id,
                    language,
                    hoster: hoster.clone(),
                };
                let link_id = g.link_id(&target);
                let play_url = match engine {
                    Engine::Legacy => format!("/redirect/{link_id}"),
                    Engine::V2 => format!("/r?t={}", g.issue_token(&target, generation)),
                };
                links.push(RenderedLink {
                    language,
                    hoster,
                    id: link_id,
                    play_url,
                });
            }
            FakeResponse::html(match engine {
                Engine::Legacy => legacy::episode_page(&ctx, &series, id, &links),
                Engine::V2 => v2::episode_page(&ctx, &series, id, &links),
            })
        }
        _ => not_found(&ctx),
    }
}

/// The `ETag` and `Last-Modified` of a series page: both change whenever the series does.
fn validators(series: &super::FakeSeries, engine: Engine) -> (String, String) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{engine:?} {series:?}").hash(&mut h);
    let hash = h.finish();
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    // A valid HTTP date that moves with the hash: day `n` of 2025 at a second of that day.
    let n = hash % 365;
    let (month, day) = month_day(n as u32);
    let last_modified = format!(
        "{}, {day:02} {month} 2025 {:02}:{:02}:{:02} GMT",
        days[((n + 2) % 7) as usize],
        (hash >> 16) % 24,
        (hash >> 24) % 60,
        (hash >> 32) % 60,
    );
    (format!("\"{hash:016x}\""), last_modified)
}

/// Month name and day of month of day `n` (0-based) of 2025.
fn month_day(mut n: u32) -> (&'static str, u32) {
    const MONTHS: [(&str, u32); 12] = [
        ("Jan", 31),
        ("Feb", 28),
        ("Mar", 31),
        ("Apr", 30),
        ("May", 31),
        ("Jun", 30),
        ("Jul", 31),
        ("Aug", 31),
        ("Sep", 30),
        ("Oct", 31),
        ("Nov", 30),
        ("Dec", 31),
    ];
    for (name, len) in MONTHS {
        if n < len {
            return (name, n + 1);
        }
        n -= len;
    }
    ("Dec", 31)
}

/// `/neue-episoden`: the announced episodes of known series, newest first, with up to three
/// other series as "popular" series links; 404 when switched off.
fn new_episodes(g: &Inner, req: &RecordedRequest) -> FakeResponse {
    let ctx = page_ctx(g, req);
    if g.new_episodes_gone {
        return not_found(&ctx);
    }
    let entries: Vec<(&super::FakeSeries, EpisodeId)> = g
        .new_episodes
        .iter()
        .rev()
        .filter_map(|(key, id)| g.series.get(key).map(|s| (s, *id)))
        .take(100)
        .collect();
    let popular: Vec<&super::FakeSeries> = g
        .series
        .values()
        .filter(|s| !entries.iter().any(|(e, _)| e.key == s.key))
        .take(3)
        .collect();
    FakeResponse::html(match ctx.site.engine {
        Engine::Legacy => legacy::new_episodes_page(&ctx, &entries, &popular),
        Engine::V2 => v2::new_episodes_page(&ctx, &entries, &popular),
    })
}

/// A play-link request (`/redirect/<id>` or `/r?t=<token>`).
fn play(inner: &Arc<Mutex<Inner>>, req: &RecordedRequest) -> FakeResponse {
    let mut g = inner.lock().unwrap_or_else(|e| e.into_inner());
    let url = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let (target, expired) = match req.path.strip_prefix("/redirect/") {
        Some(id) => (
            id.parse::<u64>()
                .ok()
                .and_then(|id| g.targets_by_id.get(&id).cloned()),
            false,
        ),
        None => match req.query_param("t").and_then(|t| g.tokens.get(&t)) {
            Some(tok) => (
                Some(tok.target.clone()),
                g.expire_first_tokens && tok.generation <= 1,
            ),
            None => (None, false),
        },
    };
    let (outcome, response) = if g.gate_up() {
        let ctx = page_ctx(&g, req);
        let token = req.query_param("t").unwrap_or_default();
        (
            PlayOutcome::Gate,
            FakeResponse::html(v2::gate_page(&ctx, &token)).with_status(g.gate_status),
        )
    } else if let Some(target) = target.as_ref().filter(|_| !expired) {
        let location = (g.hoster_target)(target);
        g.redirects += 1;
        if g.gate_after.is_some_and(|n| g.redirects >= n) {
            g.gate_since = Some(Instant::now());
        }
        (
            PlayOutcome::Redirect(location.clone()),
            FakeResponse::redirect(&location),
        )
    } else if expired {
        (
            PlayOutcome::Expired,
            FakeResponse::html(v2::expired_page(&page_ctx(&g, req))).with_status(g.expired_status),
        )
    } else {
        let status = if req.path == "/r" { 403 } else { 404 };
        (
            PlayOutcome::Unknown,
            FakeResponse::text("unknown play link").with_status(status),
        )
    };
    g.play_requests.push(PlayRequest {
        at: Instant::now(),
        url,
        target,
        outcome,
        cookie: req.header("cookie").map(str::to_string),
    });
    response
}
