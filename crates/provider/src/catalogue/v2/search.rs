//! The v2 engine's two searches.
//!
//! `GET /api/search/suggest?term=<q>` answers a JSON object
//! `{"shows":[{"name","url":"/serie/<slug>"}],"people":[…],"genres":[…]}` whose names may carry
//! `<em>` highlighting and HTML entities. `GET /suche?term=<q>[&page=N]` is the HTML fallback:
//! the results sit in groups `div[data-group="all|shows|episodes"]`; only the shows group counts,
//! each `.card` holding `a.show-cover[href="/serie/<slug>"]`, a lazy `picture > img[alt]` and
//! `h6.show-title`; the next page is `a[rel="next"]`. Only series links are kept (any URL family),
//! once per key.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

use super::detect::is_not_found;
use crate::catalogue::links::CatalogueUrls;
use crate::catalogue::search::SearchHit;
use crate::catalogue::text::{clean, element_text, non_empty, sel, strip_controls};
use crate::error::ProviderError;

/// What a v2 search page must have, named in layout errors.
const RESULTS: &str = "div[data-group=\"shows\"] .card a.show-cover[href]";

/// A series path of any family (no season or episode below it); group 1 is the slug.
static SERIES_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^/(?:anime/stream|serie/stream|anime|serie)/([A-Za-z0-9][A-Za-z0-9-]{0,199})/?$")
        .expect("series path regex")
});

struct Selectors {
    groups: Selector,
    shows: Selector,
    card: Selector,
    cover_link: Selector,
    title: Selector,
    img: Selector,
    next: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    groups: sel("[data-group]"),
    shows: sel("div[data-group='shows']"),
    card: sel(".card"),
    cover_link: sel("a.show-cover[href]"),
    title: sel("h6.show-title, .show-title"),
    img: sel("img"),
    next: sel("a[rel~='next'][href]"),
});

/// The key of a series link (site path or absolute URL of this site), when it is a series
/// page and not a season, episode or other page.
pub(super) fn series_key(link: &str, urls: &CatalogueUrls) -> Option<String> {
    let link = clean(link);
    if link.starts_with("http://") || link.starts_with("https://") {
        let key = urls.key_of(&link)?;
        let path = Url::parse(&link)
            .ok()?
            .path()
            .trim_end_matches('/')
            .to_string();
        return path.ends_with(&format!("/{key}")).then_some(key);
    }
    let path = link.split(['?', '#']).next().unwrap_or("");
    let slug = SERIES_PATH.captures(path)?[1].to_string();
    (slug != "stream").then_some(slug)
}

fn hit(key: String, name: String, cover_url: Option<String>, urls: &CatalogueUrls) -> SearchHit {
    SearchHit {
        site: urls.site().to_string(),
        link: urls.series(&key),
        key,
        name,
        year: None,
        cover_url,
        description: None,
    }
}

/// Hits of a `GET /api/search/suggest?term=` answer: only `shows`, deduplicated by key, names
/// as plain text. None when the body is not that JSON object (an HTML page, a 404 page, a JSON
/// list, an object without `shows`).
pub fn parse_suggest(body: &str, urls: &CatalogueUrls) -> Option<Vec<SearchHit>> {
    let cleaned = strip_controls(body);
    let value: Value = serde_json::from_str(cleaned.trim()).ok()?;
    let shows = value.as_object()?.get("shows")?.as_array()?;
    let text = |v: &Value, name: &str| match v.get(name)? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for show in shows {
        let Some(key) = text(show, "url")
            .or_else(|| text(show, "link"))
            .and_then(|l| series_key(&l, urls))
        else {
            continue;
        };
        let Some(name) = text(show, "name")
            .or_else(|| text(show, "title"))
            .map(|n| clean(&n))
            .and_then(non_empty)
        else {
            continue;
        };
        if seen.insert(key.to_ascii_lowercase()) {
            out.push(hit(key, name, None, urls));
        }
    }
    Some(out)
}

/// The first usable lazy-image URL of an element: `data-src`, the first `data-srcset` entry,
/// then `src`, never a `data:` placeholder.
pub(super) fn lazy_image(img: ElementRef<'_>) -> Option<&str> {
    let v = img.value();
    let srcset_first = v
        .attr("data-srcset")
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.split_whitespace().next());
    [v.attr("data-src"), srcset_first, v.attr("src")]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty() && !s.starts_with("data:"))
}

/// One result card: key, name (title, else the image's `alt`, else the link's `title`), cover.
fn card_hit(card: ElementRef<'_>, urls: &CatalogueUrls) -> Option<SearchHit> {
    let link = card.select(&S.cover_link).next()?;
    let key = series_key(link.value().attr("href")?, urls)?;
    let img = card.select(&S.img).next();
    let name = card
        .select(&S.title)
        .next()
        .and_then(element_text)
        .or_else(|| {
            img.and_then(|i| i.value().attr("alt"))
                .map(clean)
                .and_then(non_empty)
        })
        .or_else(|| link.value().attr("title").map(clean).and_then(non_empty))?;
    let cover_url = img.and_then(lazy_image).and_then(|s| urls.absolute(s));
    Some(hit(key, name, cover_url, urls))
}

/// One `/suche?term=` results page fetched from `url`: the hits of the shows group (groups
/// `all` and `episodes` are ignored) and the absolute URL of the next page, if any.
/// `Layout` when the page has no result groups at all (not a v2 search page); `NotFound` for
/// the site's not-found page.
pub fn parse_search_page(
    html: &str,
    url: &str,
    urls: &CatalogueUrls,
) -> Result<(Vec<SearchHit>, Option<String>), ProviderError> {
    let doc = Html::parse_document(html);
    if doc.select(&S.groups).next().is_none() {
        if is_not_found(&doc) {
            return Err(ProviderError::NotFound {
                what: format!("search page {url}"),
            });
        }
        return Err(ProviderError::Layout {
            url: url.to_string(),
            what: format!("no search results ({RESULTS})"),
        });
    }
    let mut seen = HashSet::new();
    let mut hits = Vec::new();
    for group in doc.select(&S.shows) {
        let mut cards: Vec<ElementRef<'_>> = group.select(&S.card).collect();
        if cards.is_empty() {
            // Cards without the `.card` wrapper: each link is its own card.
            cards = group.select(&S.cover_link).collect();
        }
        for card in cards {
            let found = if card.value().name() == "a" {
                card.value()
                    .attr("href")
                    .and_then(|h| series_key(h, urls))
                    .and_then(|key| {
                        let name = card
                            .select(&S.img)
                            .next()
                            .and_then(|i| i.value().attr("alt"))
                            .map(clean)
                            .and_then(non_empty)
                            .or_else(|| element_text(card))?;
                        Some(hit(key, name, None, urls))
                    })
            } else {
                card_hit(card, urls)
            };
            if let Some(h) = found
                && seen.insert(h.key.to_ascii_lowercase())
            {
                hits.push(h);
            }
        }
    }
    let next = doc
        .select(&S.next)
        .filter_map(|a| a.value().attr("href"))
        .map(str::trim)
        .find(|h| !h.is_empty() && !h.starts_with('#'))
        .and_then(|h| {
            Url::parse(url)
                .ok()
                .and_then(|base| base.join(h).ok())
                .map(|u| u.to_string())
                .or_else(|| urls.absolute(h))
        });
    Ok((hits, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sto() -> CatalogueUrls {
        CatalogueUrls::for_site("s.to", "https://serienstream.to", &[]).unwrap()
    }

    #[test]
    fn series_keys_of_every_family() {
        let u = sto();
        let k = |l: &str| series_key(l, &u);
        assert_eq!(k("/serie/the-office").as_deref(), Some("the-office"));
        assert_eq!(
            k("/serie/stream/the-office/").as_deref(),
            Some("the-office")
        );
        assert_eq!(k("/anime/frieren").as_deref(), Some("frieren"));
        assert_eq!(k("/anime/stream/frieren?x=1").as_deref(), Some("frieren"));
        assert_eq!(
            k("https://serienstream.to/serie/the-office").as_deref(),
            Some("the-office")
        );
        assert_eq!(k("/serie/the-office/staffel-1"), None);
        assert_eq!(k("/serie/x/staffel-1/episode-2"), None);
        assert_eq!(k("/anime/stream"), None);
        assert_eq!(k("/anime/stream/"), None);
        assert_eq!(k("/support/faq"), None);
        assert_eq!(k("https://evil.test/serie/x"), None);
        assert_eq!(k("https://serienstream.to/serie/x/staffel-2"), None);
    }

    #[test]
    fn suggest_keeps_shows_once() {
        let body = r#"{"shows":[{"name":"The <em>Off</em>ice &amp; Co","url":"\/serie\/the-office"},
            {"name":"dup","url":"/serie/the-office/"},{"name":"","url":"/serie/empty"},
            {"name":"Folge","url":"/serie/x/staffel-1/episode-1"}],"people":[{"name":"x","url":"/person/x"}],"genres":[]}"#;
        let hits = parse_suggest(body, &sto()).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].name, "The Office & Co");
        assert_eq!(hits[0].link, "https://serienstream.to/serie/the-office");
        assert_eq!(hits[0].site, "s.to");
        assert_eq!(parse_suggest(r#"{"shows":[]}"#, &sto()), Some(vec![]));
    }

    #[test]
    fn suggest_refuses_other_bodies() {
        for body in [
            "<html>404</html>",
            "[]",
            "{\"message\":\"Not Found\"}",
            "",
            "{\"shows\":{}}",
        ] {
            assert_eq!(parse_suggest(body, &sto()), None, "{body}");
        }
    }

    #[test]
    fn search_page_errors() {
        let err = parse_search_page(
            "<html><body>hi</body></html>",
            "https://serienstream.to/suche?term=x",
            &sto(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected page layout: no search results (div[data-group=\"shows\"] .card a.show-cover[href]) on https://serienstream.to/suche?term=x"
        );
        let (hits, next) = parse_search_page(
            r#"<div data-group="all"></div><div data-group="shows"><p>Keine Ergebnisse</p></div>"#,
            "https://serienstream.to/suche?term=x",
            &sto(),
        )
        .unwrap();
        assert!(hits.is_empty() && next.is_none());
    }

    #[test]
    fn next_page_is_joined_to_the_page_url() {
        let (_, next) = parse_search_page(
            r#"<div data-group="shows"></div><a class="page-link" rel="next" href="?term=x&amp;page=3">»</a>"#,
            "https://serienstream.to/suche?term=x&page=2",
            &sto(),
        )
        .unwrap();
        assert_eq!(
            next.as_deref(),
            Some("https://serienstream.to/suche?term=x&page=3")
        );
    }
}
