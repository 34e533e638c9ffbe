//! Parsing a v2 series page (`/serie/<slug>`, on aniworld `/anime/<slug>` or
//! `/anime/stream/<slug>`).
//!
//! The header `.show-header-wrapper` holds a lazy backdrop image (`alt="Backdrop"`), the poster
//! (`img[data-src^="/media/images/channel/"]`, `src` a `data:image/gif` placeholder), the title
//! `h1` (classes `h2 mb-1 fw-bold` in any order) and under it a line
//! `<a href="/jahr/2011">2011</a> - <span>NA</span> • FSK 16 • <a href="https://www.imdb.com/title/tt…/">IMDb</a>`;
//! the plot is `span.description-text` (clamped by CSS, the text is complete); facts are
//! `li.series-group` items labelled by `strong` (`Genre:`, `Regisseur:` …) with `a.link-light`
//! links, the overflow hidden in `span.extra-items.d-none`. Seasons are the pills of
//! `#season-nav` (`a[data-season-pill=N][href$="/staffel-N"]`); a movies pill points at `…/filme`
//! (or has `data-season-pill="0"` or the label "Filme").

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use super::detect::is_not_found;
use super::search::lazy_image;
use crate::catalogue::links::CatalogueUrls;
use crate::catalogue::series_page::SeriesPage;
use crate::catalogue::text::{clean, element_text, non_empty, sel};
use crate::error::ProviderError;

/// What is looked for, named in layout errors.
const TITLE: &str = ".show-header-wrapper h1";
const SEASONS: &str = "#season-nav a[data-season-pill][href$=\"/staffel-N\"]";

struct Selectors {
    title: Selector,
    any_title: Selector,
    breadcrumb: Selector,
    info_line: Selector,
    year_links: Selector,
    imdb: Selector,
    description: Selector,
    groups: Selector,
    group_label: Selector,
    group_links: Selector,
    images: Selector,
    nav: Selector,
    nav_links: Selector,
    season_links: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    title: sel(".show-header-wrapper h1"),
    any_title: sel("h1.fw-bold, h1.h2"),
    breadcrumb: sel("li.breadcrumb-item.show-name a"),
    info_line: sel("h1 + p"),
    year_links: sel("a[href*='/jahr/']"),
    imdb: sel("a[href*='imdb.com/title/tt']"),
    description: sel("span.description-text"),
    groups: sel("li.series-group"),
    group_label: sel("strong"),
    group_links: sel("a"),
    images: sel("img"),
    nav: sel("#season-nav"),
    nav_links: sel("a"),
    season_links: sel("a[href*='/staffel-']"),
});

static YEAR_HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/jahr/(\d{4})/?$").expect("year href regex"));
static FSK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bFSK:?\s*(\d{1,2}|NA)\b").expect("fsk regex"));
static IMDB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"imdb\.com/title/(tt\d{5,10})\b").expect("imdb regex"));
static SEASON_HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/staffel-(\d{1,4})/?(?:[?#].*)?$").expect("season href regex"));
static MOVIES_HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/filme/?(?:[?#].*)?$").expect("movies href regex"));

/// Parses a v2 series page fetched from `url`.
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
    let layout = |what: String| ProviderError::Layout {
        url: url.to_string(),
        what,
    };
    let title_el = doc
        .select(&S.title)
        .find(|h| element_text(*h).is_some())
        .or_else(|| {
            doc.select(&S.any_title)
                .find(|h| element_text(*h).is_some())
        });
    let title = title_el
        .and_then(element_text)
        .or_else(|| doc.select(&S.breadcrumb).next().and_then(element_text));
    let nav = doc.select(&S.nav).next();
    let title = match (title, nav) {
        (Some(t), _) => t,
        (None, Some(_)) => return Err(layout(format!("no series title ({TITLE})"))),
        (None, None) => {
            return Err(layout(format!(
                "no series title ({TITLE}) and no season navigation ({SEASONS})"
            )));
        }
    };
    let (seasons, has_movies) = match nav {
        Some(nav) => seasons_of_nav(nav, url),
        None => seasons_anywhere(&doc, key, urls)
            .ok_or_else(|| layout(format!("no season navigation ({SEASONS})")))?,
    };

    let alt_titles = title_el
        .and_then(|h| {
            let v = h.value();
            v.attr("data-alternativetitles")
                .or_else(|| v.attr("data-alternative-titles"))
        })
        .map(|a| {
            let mut out: Vec<String> = Vec::new();
            for t in a.split(',').map(clean) {
                if !t.is_empty() && t != title && !out.contains(&t) {
                    out.push(t);
                }
            }
            out
        })
        .unwrap_or_default();

    let info = title_el
        .and_then(|h| next_element(h, "p"))
        .or_else(|| doc.select(&S.info_line).next());
    let mut years = info
        .into_iter()
        .flat_map(|p| p.select(&S.year_links))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| {
            YEAR_HREF
                .captures(h.trim())
                .and_then(|c| c[1].parse::<i32>().ok())
        });
    let start_year = years.next();
    let end_year = years.next();
    let info_text = info
        .map(|p| clean(&p.text().collect::<String>()))
        .unwrap_or_default();
    let fsk = FSK
        .captures(&info_text)
        .and_then(|c| c[1].parse::<u8>().ok());
    let imdb_id = doc
        .select(&S.imdb)
        .filter_map(|a| a.value().attr("href"))
        .find_map(|h| IMDB.captures(h).map(|c| c[1].to_string()));

    let description = doc
        .select(&S.description)
        .next()
        .and_then(element_text)
        .map(|d| {
            d.trim_end_matches("Mehr anzeigen")
                .trim_end_matches("mehr anzeigen")
                .trim_end()
                .to_string()
        })
        .and_then(non_empty);

    let mut genres: Vec<String> = Vec::new();
    for group in doc.select(&S.groups) {
        let label = group
            .select(&S.group_label)
            .next()
            .and_then(element_text)
            .unwrap_or_default()
            .to_lowercase();
        if !label.starts_with("genre") {
            continue;
        }
        for a in group.select(&S.group_links) {
            let href = a.value().attr("href").unwrap_or("").trim();
            if href.is_empty() || href.starts_with('#') || href.starts_with("javascript:") {
                continue;
            }
            if let Some(g) = element_text(a)
                && !genres.contains(&g)
            {
                genres.push(g);
            }
        }
    }

    let cover_url = doc
        .select(&S.images)
        .filter(|img| {
            !img.value()
                .attr("alt")
                .is_some_and(|a| a.trim().eq_ignore_ascii_case("backdrop"))
        })
        .filter_map(lazy_image)
        .find(|s| s.contains("/media/images/channel/"))
        .and_then(|s| urls.absolute(s));

    Ok(SeriesPage {
        key: key.to_string(),
        title,
        alt_titles,
        start_year,
        end_year,
        description,
        genres,
        cover_url,
        imdb_id,
        fsk,
        seasons,
        has_movies,
    })
}

/// The next sibling element of `el` when it is a `name` element (`h1 + p`).
fn next_element<'a>(el: ElementRef<'a>, name: &str) -> Option<ElementRef<'a>> {
    el.next_siblings()
        .filter_map(ElementRef::wrap)
        .next()
        .filter(|e| e.value().name() == name)
}

/// Season numbers and the movies flag from the `#season-nav` pills.
fn seasons_of_nav(nav: ElementRef<'_>, url: &str) -> (Vec<u32>, bool) {
    let mut numbers = BTreeSet::new();
    let mut movies = false;
    for a in nav.select(&S.nav_links) {
        let v = a.value();
        let href = v.attr("href").unwrap_or("").trim();
        let pill = v
            .attr("data-season-pill")
            .and_then(|p| p.trim().parse::<u32>().ok());
        let label = element_text(a).unwrap_or_default();
        if pill == Some(0) || MOVIES_HREF.is_match(href) || label.eq_ignore_ascii_case("filme") {
            movies = true;
            continue;
        }
        let from_href = SEASON_HREF
            .captures(href)
            .and_then(|c| c[1].parse::<u32>().ok());
        let n = match (pill, from_href) {
            (Some(p), Some(h)) if p != h => {
                log::debug!("{url}: season pill {p} links to season {h}; skipped");
                continue;
            }
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => continue,
        };
        if n > 0 {
            numbers.insert(n);
        }
    }
    (numbers.into_iter().collect(), movies)
}

/// Without `#season-nav`: season links of this series anywhere on the page; None when there
/// are none.
fn seasons_anywhere(doc: &Html, key: &str, urls: &CatalogueUrls) -> Option<(Vec<u32>, bool)> {
    let mut numbers = BTreeSet::new();
    for a in doc.select(&S.season_links) {
        let href = a.value().attr("href").unwrap_or("");
        let Some(abs) = urls.absolute(href) else {
            continue;
        };
        if !urls.is_series_page(&abs, key) {
            continue;
        }
        if let Some(n) = SEASON_HREF
            .captures(href)
            .and_then(|c| c[1].parse::<u32>().ok())
            .filter(|&n| n > 0)
        {
            numbers.insert(n);
        }
    }
    (!numbers.is_empty()).then(|| (numbers.into_iter().collect(), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> CatalogueUrls {
        CatalogueUrls::for_site("s.to", "https://serienstream.to", &[]).unwrap()
    }

    fn parse(html: &str) -> Result<SeriesPage, ProviderError> {
        parse_series_page(html, "https://serienstream.to/serie/x", "x", &urls())
    }

    #[test]
    fn minimal_page() {
        let p = parse(
            r#"<div class="show-header-wrapper"><div class="container-fluid"><div>
            <h1 class="fw-bold mb-1 h2">X &amp; Y</h1>
            <p><a href="/jahr/2011">2011</a> - <a href="/jahr/2014">2014</a> • FSK NA • <a href="https://www.imdb.com/title/tt0386676/">IMDb</a></p>
            </div></div></div>
            <div id="season-nav"><ul>
              <li><a data-season-pill="0" href="/serie/x/filme">Filme</a></li>
              <li><a data-season-pill="2" href="/serie/x/staffel-2">2</a></li>
              <li><a data-season-pill="1" href="/serie/x/staffel-1">1</a></li>
              <li><a data-season-pill="3" href="/serie/x/staffel-4">3?</a></li>
            </ul></div>"#,
        )
        .unwrap();
        assert_eq!(p.title, "X & Y");
        assert_eq!((p.start_year, p.end_year), (Some(2011), Some(2014)));
        assert_eq!(p.fsk, None);
        assert_eq!(p.imdb_id.as_deref(), Some("tt0386676"));
        assert_eq!(p.seasons, vec![1, 2]);
        assert!(p.has_movies);
        assert_eq!(p.cover_url, None);
    }

    #[test]
    fn layout_errors_name_what_was_looked_for() {
        let err = parse("<html><body><p>x</p></body></html>").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected page layout: no series title (.show-header-wrapper h1) and no season \
             navigation (#season-nav a[data-season-pill][href$=\"/staffel-N\"]) on \
             https://serienstream.to/serie/x"
        );
        let err =
            parse(r#"<div class="show-header-wrapper"><h1 class="h2">X</h1></div>"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("no season navigation (#season-nav"),
            "{err}"
        );
        let err = parse(r#"<div id="season-nav"></div>"#).unwrap_err();
        assert!(err.to_string().contains("no series title"), "{err}");
    }

    #[test]
    fn season_links_outside_the_nav() {
        let p = parse(
            r#"<div class="show-header-wrapper"><h1 class="h2">X</h1></div>
            <a href="/serie/x/staffel-2">2</a><a href="/serie/other/staffel-5">5</a>"#,
        )
        .unwrap();
        assert_eq!(p.seasons, vec![2]);
    }
}
