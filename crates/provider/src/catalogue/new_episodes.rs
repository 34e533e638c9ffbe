//! The site's list of new episodes (`/neue-episoden`): the cheap change signal of a rescan.
//!
//! provider-reference section 1 names the page but no public source documents its markup, on
//! either engine. It is therefore read without any engine's selectors: every link of the page
//! (`href`, `data-href`, and the `onclick="window.location='…'"` rows the v2 engine uses in its
//! tables) whose URL is an episode, season or movie page of this site in any URL family gives
//! its slug. Links to bare series pages do not count: every page of both engines links series in
//! its chrome (menus, "popular" boxes), so they say nothing about what is new. The caller treats
//! a page that yields nothing as no signal, never as "everything changed".

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};

use super::links::CatalogueUrls;

/// The path of the list on both sites.
pub const NEW_EPISODES_PATH: &str = "/neue-episoden";

/// Most series one list may name (a page of that size is not a list of new episodes).
pub const MAX_LISTED: usize = 2_000;

static LINKED: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("[href], [data-href], [onclick]").expect("link selector"));

/// `window.location = '…'`, `location.href="…"` in an `onclick`.
static ONCLICK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"location(?:\.href)?\s*=\s*['"]([^'"]+)['"]"#).expect("onclick regex")
});

/// The slugs (series keys) the list of new episodes at `page_url` names, sorted and unique.
pub fn parse_new_episodes(html: &str, page_url: &str, urls: &CatalogueUrls) -> Vec<String> {
    let Ok(base) = url::Url::parse(page_url) else {
        return Vec::new();
    };
    let doc = Html::parse_document(html);
    let mut episodes = BTreeSet::new();
    for el in doc.select(&LINKED) {
        let v = el.value();
        let onclick = v
            .attr("onclick")
            .and_then(|js| ONCLICK.captures(js))
            .and_then(|c| c.get(1))
            .map(|m| m.as_str());
        for link in [v.attr("href"), v.attr("data-href"), onclick]
            .into_iter()
            .flatten()
        {
            let Ok(abs) = base.join(link.trim()) else {
                continue;
            };
            let Some(slug) = urls.key_of(abs.as_str()) else {
                continue;
            };
            let path = abs.path();
            if path.contains("/staffel-") || path.contains("/filme") {
                episodes.insert(slug);
            }
        }
    }
    episodes.into_iter().take(MAX_LISTED).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> CatalogueUrls {
        CatalogueUrls::for_site(
            "s.to",
            "https://serienstream.to",
            &["https://mirror.test".into()],
        )
        .unwrap()
    }

    fn check(html: &str, expected: &[&str]) {
        let got = parse_new_episodes(html, "https://serienstream.to/neue-episoden", &urls());
        assert_eq!(got, expected, "{html}");
    }

    #[test]
    fn episode_links_of_any_family_count_and_chrome_series_links_do_not() {
        check(
            r#"<nav><a href="/serie/popular-show">Popular</a></nav>
               <a href="/anime/stream/one/staffel-1/episode-3">One</a>
               <a href="https://serienstream.to/serie/stream/two/staffel-2/episode-1">Two</a>
               <table><tbody><tr onclick="window.location='/serie/three/staffel-4/episode-9'">
                   <td>Three</td></tr></tbody></table>
               <div data-href="/anime/four/filme/film-1"></div>
               <a href="https://mirror.test/serie/five/staffel-1">Five</a>
               <a href="https://elsewhere.test/serie/six/staffel-1/episode-1">Other site</a>
               <a href="/serie/one/staffel-1/episode-4">One again</a>"#,
            &["five", "four", "one", "three", "two"],
        );
    }

    #[test]
    fn a_page_without_episode_links_names_nothing() {
        check(
            r#"<a href="/serie/alpha">Alpha</a> <a href="serie/beta/">Beta</a>
               <a href="/support/faq">FAQ</a> <a href="/anime/stream">All</a>"#,
            &[],
        );
        check("<html><body><p>Wartung</p></body></html>", &[]);
        check(r#"<a href="javascript:void(0)">x</a><a href="">y</a>"#, &[]);
        check(r#"<a href="/serie/beta/staffel-1">Beta</a>"#, &["beta"]);
    }
}
