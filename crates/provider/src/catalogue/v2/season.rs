//! Parsing a v2 season page (`…/staffel-N`) or movies page (`…/filme`, season 0).
//!
//! `.episode-section table.episode-table tbody tr.episode-row` rows carry no link of their own,
//! only `onclick="window.location='…/episode-M'"` (`…/film-K` for movies); the number is also
//! in `th.episode-number-cell`, the titles in `strong.episode-title-ger[title]` and
//! `span.episode-title-eng[title]`, the languages on offer as flags in
//! `td.episode-language-cell` (`svg.watch-language.svg-flag-german` with
//! `use[href="#icon-flag-german"]`: real per-episode availability, mapped with the v2 table of
//! [`super::language`]). The same episodes appear as plain links in
//! `#episode-nav a[href$="/episode-M"]`, used when the table is absent (languages unknown then).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aniworld_core::{EpisodeId, Language};
use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use super::detect::is_not_found;
use crate::catalogue::season_page::EpisodeEntry;
use crate::catalogue::text::{clean, element_text, last_number, non_empty, sel};
use crate::error::ProviderError;

/// What is looked for, named in layout errors.
const EPISODES: &str = "tr.episode-row or #episode-nav a[href$=\"/episode-M\"]";

struct Selectors {
    rows: Selector,
    number: Selector,
    title_de: Selector,
    title_en: Selector,
    nav: Selector,
    nav_links: Selector,
    language_cell: Selector,
    flag: Selector,
    flag_use: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    rows: sel("tr.episode-row"),
    number: sel("th.episode-number-cell, td.episode-number-cell"),
    title_de: sel(".episode-title-ger"),
    title_en: sel(".episode-title-eng"),
    nav: sel("#episode-nav"),
    nav_links: sel("a[href]"),
    language_cell: sel("td.episode-language-cell"),
    flag: sel("svg, img"),
    flag_use: sel("use"),
});

/// `window.location='…'` (or `location.href = "…"`) of an `onclick`; group 1 is the target.
static ONCLICK_TARGET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"location(?:\.href)?\s*=\s*['"]([^'"]+)['"]"#).expect("onclick regex")
});
static EPISODE_HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/episode-(\d{1,5})/?(?:[?#].*)?$").expect("episode regex"));
static FILM_HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/film-(\d{1,5})/?(?:[?#].*)?$").expect("film regex"));

/// The episode (film) number at the end of a link of season `season` (0 = movies).
fn number_of_link(href: &str, season: u32) -> Option<u32> {
    let re = if season == 0 {
        &FILM_HREF
    } else {
        &EPISODE_HREF
    };
    re.captures(href.trim())
        .and_then(|c| c[1].parse().ok())
        .filter(|&n| n > 0)
}

/// A title from the `title` attribute, else the text.
fn title(row: ElementRef<'_>, s: &Selector) -> Option<String> {
    let el = row.select(s).next()?;
    el.value()
        .attr("title")
        .map(clean)
        .and_then(non_empty)
        .or_else(|| element_text(el))
}

/// The number of a row: for episodes the number cell first, for movies the `film-K` link.
fn row_number(row: ElementRef<'_>, season: u32) -> Option<u32> {
    let from_link = row
        .value()
        .attr("onclick")
        .and_then(|o| ONCLICK_TARGET.captures(o).map(|c| c[1].to_string()))
        .and_then(|target| number_of_link(&target, season));
    let from_cell = row
        .select(&S.number)
        .next()
        .and_then(element_text)
        .and_then(|t| last_number(&t))
        .filter(|&n| n > 0);
    if season == 0 {
        from_link.or(from_cell)
    } else {
        from_cell.or(from_link)
    }
}

/// The languages of a row's language cell, in page order without repeats; None without the
/// cell. A flag that maps to no language is skipped (and logged).
fn row_languages(row: ElementRef<'_>) -> Option<Vec<Language>> {
    let cell = row.select(&S.language_cell).next()?;
    let mut languages = Vec::new();
    for flag in cell.select(&S.flag) {
        let v = flag.value();
        let reference = flag.select(&S.flag_use).find_map(|u| {
            u.value()
                .attr("href")
                .or_else(|| u.value().attr("xlink:href"))
        });
        let source = reference
            .or_else(|| v.attr("class").filter(|c| c.contains("flag-")))
            .or_else(|| v.attr("src"));
        match source.and_then(|s| super::language_of(None, None, Some(s))) {
            Some(l) if !languages.contains(&l) => languages.push(l),
            Some(_) => {}
            None => log::debug!("a language flag that maps to no language: {source:?}"),
        }
    }
    Some(languages)
}

/// Parses the episode list of season `season` (0 = movies) of `key`, fetched from `url`.
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
    let mut episodes = BTreeMap::new();
    let mut rows = doc.select(&S.rows).peekable();
    if rows.peek().is_some() {
        for row in rows {
            let Some(number) = row_number(row, season) else {
                continue;
            };
            let id = EpisodeId::new(season, number);
            episodes.entry(id).or_insert_with(|| EpisodeEntry {
                id,
                title_de: title(row, &S.title_de),
                title_en: title(row, &S.title_en),
                languages: row_languages(row),
            });
        }
        return Ok(episodes.into_values().collect());
    }
    let Some(nav) = doc.select(&S.nav).next() else {
        return Err(ProviderError::Layout {
            url: url.to_string(),
            what: format!("no episode list ({EPISODES})"),
        });
    };
    for a in nav.select(&S.nav_links) {
        if let Some(number) = a
            .value()
            .attr("href")
            .and_then(|h| number_of_link(h, season))
        {
            let id = EpisodeId::new(season, number);
            episodes.entry(id).or_insert(EpisodeEntry {
                id,
                title_de: None,
                title_en: None,
                languages: None,
            });
        }
    }
    Ok(episodes.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str, season: u32, expected: &[(u32, Option<&str>, Option<&str>)]) {
        let got = parse_season_page(html, "u", "x", season).unwrap();
        let got: Vec<(u32, Option<&str>, Option<&str>)> = got
            .iter()
            .map(|e| {
                assert_eq!(e.id.season, season);
                (e.id.episode, e.title_de.as_deref(), e.title_en.as_deref())
            })
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn rows_with_cells_or_onclick_only() {
        check(
            r#"<table><tbody>
            <tr class="episode-row" onclick="window.location='/serie/x/staffel-1/episode-2'">
              <th class="episode-number-cell">2</th>
              <td><strong class="episode-title-ger" title="Zwei &amp; drei">Zwei…</strong>
                  <span class="episode-title-eng" title="">Two</span></td></tr>
            <tr class="episode-row" onclick="window.location='/serie/x/staffel-1/episode-1'">
              <td><strong class="episode-title-ger"></strong></td></tr>
            <tr class="episode-row" onclick="window.location='/serie/x/staffel-1'"></tr>
            </tbody></table>"#,
            1,
            &[(1, None, None), (2, Some("Zwei & drei"), Some("Two"))],
        );
    }

    #[test]
    fn movies_number_from_film_links() {
        check(
            r#"<table><tr class="episode-row" onclick="window.location='/anime/x/filme/film-3'">
              <th class="episode-number-cell">Film 1</th></tr></table>"#,
            0,
            &[(3, None, None)],
        );
    }

    #[test]
    fn episode_nav_when_no_table() {
        check(
            r##"<div id="episode-nav"><a href="/serie/x/staffel-2/episode-2">2</a>
               <a href="/serie/x/staffel-2/episode-1">1</a><a href="#">…</a></div>"##,
            2,
            &[(1, None, None), (2, None, None)],
        );
    }

    #[test]
    fn the_language_cell_names_the_languages_on_offer_per_episode() {
        let html = r##"<table><tbody>
            <tr class="episode-row" onclick="window.location='/anime/stream/x/staffel-1/episode-1'">
              <th class="episode-number-cell">1</th>
              <td class="episode-watch-cell"><img class="watch-link" src="/storage/providers/voe.png" alt="VOE"></td>
              <td class="episode-language-cell text-end">
                <svg class="watch-language svg-flag-german"><use href="#icon-flag-german"></use></svg>
                <svg class="watch-language svg-flag-japanese-english"><use href="#icon-flag-japanese-english"></use></svg>
                <svg class="watch-language svg-flag-german"><use href="#icon-flag-german"></use></svg>
              </td></tr>
            <tr class="episode-row" onclick="window.location='/anime/stream/x/staffel-1/episode-2'">
              <th class="episode-number-cell">2</th>
              <td class="episode-language-cell"><svg class="watch-language svg-flag-japanese-english"></svg></td></tr>
            <tr class="episode-row" onclick="window.location='/anime/stream/x/staffel-1/episode-3'">
              <th class="episode-number-cell">3</th>
              <td class="episode-language-cell"></td></tr>
            <tr class="episode-row" onclick="window.location='/anime/stream/x/staffel-1/episode-4'">
              <th class="episode-number-cell">4</th></tr>
            </tbody></table>"##;
        let got: Vec<Option<Vec<Language>>> = parse_season_page(html, "u", "x", 1)
            .unwrap()
            .into_iter()
            .map(|e| e.languages)
            .collect();
        assert_eq!(
            got,
            vec![
                Some(vec![Language::GermanDub, Language::EnglishSub]),
                Some(vec![Language::EnglishSub]),
                Some(vec![]),
                None,
            ]
        );
    }

    #[test]
    fn neither_is_a_layout_error() {
        let err =
            parse_season_page("<p>x</p>", "https://s.to/serie/x/staffel-1", "x", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected page layout: no episode list (tr.episode-row or #episode-nav \
             a[href$=\"/episode-M\"]) on https://s.to/serie/x/staffel-1"
        );
    }
}
