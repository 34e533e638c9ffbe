//! Parsing a season page (`…/staffel-N`) or the movies page (`…/filme`).
//!
//! Each row of `table.seasonEpisodesList` is one episode: its number comes from
//! `data-episode-season-id` (or the `episodeNumber` meta, or the last number of the link), on
//! the movies page from `film-K` in the link; the German title is the `<strong>`, the English one
//! the `<span>` of the title cell.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aniworld_core::{EpisodeId, Language};
use scraper::{ElementRef, Html, Selector};

use super::series_page::is_not_found;
use super::text::{element_text, last_number, sel};
use crate::error::ProviderError;

/// One episode row of a season or movies page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EpisodeEntry {
    /// Season/episode (season 0 for movies).
    pub id: EpisodeId,
    /// German title.
    pub title_de: Option<String>,
    /// English title.
    pub title_en: Option<String>,
    /// The languages the row says the episode is offered in; None when the page does not say
    /// (the legacy engine's row flags are not reliable availability, so it always says None).
    pub languages: Option<Vec<Language>>,
}

struct Selectors {
    table: Selector,
    rows: Selector,
    number_meta: Selector,
    link: Selector,
    title_de: Selector,
    title_en: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    table: sel("table.seasonEpisodesList"),
    rows: sel("tbody tr"),
    number_meta: sel("meta[itemprop=episodeNumber]"),
    link: sel("a[href]"),
    title_de: sel("td.seasonEpisodeTitle strong"),
    title_en: sel("td.seasonEpisodeTitle span"),
});

/// Parses the episode list of season `season` (0 = movies) fetched from `url`.
pub fn parse_season_page(
    html: &str,
    url: &str,
    key: &str,
    season: u32,
) -> Result<Vec<EpisodeEntry>, ProviderError> {
    let doc = Html::parse_document(html);
    if is_not_found(&doc) {
        let what = if season == 0 {
            format!("movies of series {key:?}")
        } else {
            format!("season {season} of series {key:?}")
        };
        return Err(ProviderError::NotFound { what });
    }
    let table = doc
        .select(&S.table)
        .next()
        .ok_or_else(|| ProviderError::Layout {
            url: url.to_string(),
            what: "no episode table (table.seasonEpisodesList)".into(),
        })?;
    let mut episodes = BTreeMap::new();
    for row in table.select(&S.rows) {
        let Some(number) = row_number(row, season) else {
            continue;
        };
        let id = EpisodeId::new(season, number);
        episodes.entry(id).or_insert_with(|| EpisodeEntry {
            id,
            title_de: row.select(&S.title_de).next().and_then(element_text),
            title_en: row.select(&S.title_en).next().and_then(element_text),
            languages: None,
        });
    }
    Ok(episodes.into_values().collect())
}

/// The episode (or movie) number of a row; rows without one are skipped.
fn row_number(row: ElementRef<'_>, season: u32) -> Option<u32> {
    let href = row
        .select(&S.link)
        .filter_map(|a| a.value().attr("href"))
        .find(|h| h.contains("/episode-") || h.contains("/film-"));
    let from_href = href.and_then(last_number);
    let from_attr = row
        .value()
        .attr("data-episode-season-id")
        .and_then(|v| v.trim().parse().ok());
    let from_meta = || {
        row.select(&S.number_meta)
            .next()
            .and_then(|m| m.value().attr("content"))
            .and_then(|v| v.trim().parse().ok())
    };
    let n = if season == 0 {
        from_href.or(from_attr).or_else(from_meta)
    } else {
        from_attr.or_else(from_meta).or(from_href)
    };
    n.filter(|&n| n > 0)
}
