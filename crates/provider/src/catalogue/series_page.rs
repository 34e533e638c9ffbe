//! Parsing a series page (`/anime/stream/<key>`).
//!
//! Reads the title block, the full description (`data-full-description`), genres without the
//! language pseudo-genres, the cover, IMDb id and FSK, and the season navigation
//! (`div.hosterSiteDirectNav#stream`): the season numbers and whether a movies page exists.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};

use super::links::CatalogueUrls;
use super::text::{clean, element_text, non_empty, sel};
use crate::error::ProviderError;

/// What a series page says about the series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SeriesPage {
    /// Catalogue key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Alternative titles (any script).
    pub alt_titles: Vec<String>,
    /// First year.
    pub start_year: Option<i32>,
    /// Last year; None while running ("Heute").
    pub end_year: Option<i32>,
    /// Full description.
    pub description: Option<String>,
    /// Genres, without the pseudo-genres `Ger`, `GerSub`, `EngSub`.
    pub genres: Vec<String>,
    /// Absolute cover URL.
    pub cover_url: Option<String>,
    /// IMDb id (`tt…`).
    pub imdb_id: Option<String>,
    /// Recommended minimum age.
    pub fsk: Option<u8>,
    /// Season numbers (movies not included), ascending.
    pub seasons: Vec<u32>,
    /// Whether the series has a movies page (season 0).
    pub has_movies: bool,
}

struct Selectors {
    not_found: Selector,
    title: Selector,
    title_fallback: Selector,
    alt_titles: Selector,
    start: Selector,
    end: Selector,
    description: Selector,
    genres: Selector,
    cover: Selector,
    imdb: Selector,
    fsk: Selector,
    nav: Selector,
    nav_first_list: Selector,
    anchor: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    not_found: sel("div.messageAlert.danger"),
    title: sel("div.series-title h1 span"),
    title_fallback: sel("h1[itemprop=name]"),
    alt_titles: sel("h1[data-alternativetitles]"),
    start: sel("div.series-title small span[itemprop=startDate] a"),
    end: sel("div.series-title small span[itemprop=endDate] a"),
    description: sel("p.seri_des"),
    genres: sel("div.genres ul li a[itemprop=genre]"),
    cover: sel("div.seriesCoverBox img"),
    imdb: sel("a.imdb-link[data-imdb]"),
    fsk: sel("div.fsk[data-fsk]"),
    nav: sel("div.hosterSiteDirectNav#stream, #stream.hosterSiteDirectNav"),
    nav_first_list: sel("ul"),
    anchor: sel("a[href]"),
});

static SEASON_HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"/anime/stream/([A-Za-z0-9-]+)/staffel-(\d{1,4})/?(?:["'?#]|$)"#)
        .expect("season href regex")
});
static MOVIES_HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"/anime/stream/([A-Za-z0-9-]+)/filme/?(?:["'?#]|$)"#).expect("movies href regex")
});

const PSEUDO_GENRES: [&str; 3] = ["ger", "gersub", "engsub"];

/// Whether raw HTML looks like the legacy "not found" page (a cheap check before parsing).
pub(crate) fn looks_not_found(html: &str) -> bool {
    html.contains("messageAlert") && html.contains("danger")
}

/// Whether the page is the catalogue's "not found" page.
pub fn is_not_found(doc: &Html) -> bool {
    doc.select(&S.not_found).next().is_some()
}

/// Parses a series page fetched from `url`.
pub fn parse_series_page(
    html: &str,
    url: &str,
    key: &str,
    urls: &CatalogueUrls,
) -> Result<SeriesPage, ProviderError> {
    let doc = Html::parse_document(html);
    if is_not_found(&doc) {
        return Err(ProviderError::NotFound {
            what: format!("series {key:?}"),
        });
    }
    let layout = |what: &str| ProviderError::Layout {
        url: url.to_string(),
        what: what.to_string(),
    };
    let title = doc
        .select(&S.title)
        .next()
        .and_then(element_text)
        .or_else(|| doc.select(&S.title_fallback).next().and_then(element_text))
        .ok_or_else(|| layout("no series title (div.series-title h1)"))?;
    let (seasons, has_movies) =
        seasons(&doc, html, key).ok_or_else(|| layout("no season navigation"))?;

    let alt_titles = doc
        .select(&S.alt_titles)
        .next()
        .and_then(|h| h.value().attr("data-alternativetitles"))
        .map(|a| {
            a.split(',')
                .map(clean)
                .filter(|t| !t.is_empty() && *t != title)
                .collect()
        })
        .unwrap_or_default();
    let year = |s: &Selector| {
        doc.select(s)
            .next()
            .and_then(element_text)
            .and_then(|t| t.trim().parse::<i32>().ok())
    };
    let description = doc.select(&S.description).next().and_then(|p| {
        p.value()
            .attr("data-full-description")
            .map(clean)
            .and_then(non_empty)
            .or_else(|| {
                element_text(p).map(|t| t.trim_end_matches("mehr anzeigen").trim_end().to_string())
            })
    });
    let mut genres: Vec<String> = Vec::new();
    for g in doc.select(&S.genres).filter_map(element_text) {
        if !PSEUDO_GENRES.contains(&g.to_ascii_lowercase().as_str()) && !genres.contains(&g) {
            genres.push(g);
        }
    }
    let cover_url = doc.select(&S.cover).next().and_then(|img| {
        let v = img.value();
        [v.attr("data-src"), v.attr("src")]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|s| !s.is_empty() && !s.starts_with("data:") && !s.contains("loading"))
            .and_then(|s| urls.absolute(s))
    });
    let imdb_id = doc
        .select(&S.imdb)
        .next()
        .and_then(|a| a.value().attr("data-imdb"))
        .map(str::trim)
        .filter(|id| {
            id.starts_with("tt") && id.len() > 2 && id[2..].bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_string);
    let fsk = doc
        .select(&S.fsk)
        .next()
        .and_then(|d| d.value().attr("data-fsk"))
        .and_then(|f| f.trim().parse::<u8>().ok());

    Ok(SeriesPage {
        key: key.to_string(),
        title,
        alt_titles,
        start_year: year(&S.start),
        end_year: year(&S.end),
        description,
        genres,
        cover_url,
        imdb_id,
        fsk,
        seasons,
        has_movies,
    })
}

/// Season numbers and the movies flag from the navigation; None when the page has neither the
/// navigation nor any season link of this series.
fn seasons(doc: &Html, html: &str, key: &str) -> Option<(Vec<u32>, bool)> {
    let mut numbers = BTreeSet::new();
    let mut movies = false;
    let same_key = |k: &str| k.eq_ignore_ascii_case(key);
    if let Some(nav) = doc.select(&S.nav).next() {
        // The first list holds the seasons (and "Filme"); later lists are episodes.
        let list = nav.select(&S.nav_first_list).next()?;
        for a in list.select(&S.anchor) {
            let href = a.value().attr("href").unwrap_or("");
            let probe = format!("{href}\"");
            if let Some(c) = SEASON_HREF.captures(&probe) {
                add_season(&mut numbers, &c, key);
            } else if MOVIES_HREF
                .captures(&probe)
                .is_some_and(|c| same_key(&c[1]))
                || a.value().attr("title") == Some("Alle Filme")
            {
                movies = true;
            }
        }
        return Some((numbers.into_iter().collect(), movies));
    }
    // No navigation block: fall back to the season links anywhere on the page.
    for c in SEASON_HREF.captures_iter(html) {
        add_season(&mut numbers, &c, key);
    }
    movies = MOVIES_HREF.captures_iter(html).any(|c| same_key(&c[1]));
    if numbers.is_empty() && !movies {
        return None;
    }
    Some((numbers.into_iter().collect(), movies))
}

/// Adds the season number of a season-link match when it belongs to `key`.
fn add_season(numbers: &mut BTreeSet<u32>, c: &regex::Captures<'_>, key: &str) {
    if !c[1].eq_ignore_ascii_case(key) {
        return;
    }
    if let Some(n) = c[2].parse::<u32>().ok().filter(|&n| n > 0) {
        numbers.insert(n);
    }
}
