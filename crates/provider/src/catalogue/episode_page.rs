//! Parsing an episode page: which languages exist and, per language, the hosters and their
//! redirect links.
//!
//! The page's `changeLanguageBox` maps each `data-lang-key` to a flag (`german.svg`,
//! `japanese-english.svg`, `japanese-german.svg`) and a title; that map is built per page and
//! falls back to the known keys (1 German Dub, 2 English Sub, 3 German Sub, 4 English Dub). Every
//! `li[data-lang-key]` of the hoster list is one (language, hoster) link.

use std::collections::HashMap;
use std::sync::LazyLock;

use aniworld_core::Language;
use scraper::{ElementRef, Html, Selector};

use super::links::CatalogueUrls;
use super::series_page::is_not_found;
use super::text::{clean, element_text, sel};
use crate::HosterLink;
use crate::error::ProviderError;

struct Selectors {
    video: Selector,
    language_flags: Selector,
    links: Selector,
    hoster_name: Selector,
    hoster_icon: Selector,
    watch: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    video: sel("div.hosterSiteVideo"),
    language_flags: sel("div.changeLanguageBox [data-lang-key]"),
    links: sel("li[data-lang-key]"),
    hoster_name: sel("h4"),
    hoster_icon: sel("i.icon[title]"),
    watch: sel("a.watchEpisode[href], a[href*='/redirect/']"),
});

/// The language a flag stands for, from its image file name and its title.
pub fn language_of_flag(src: &str, title: &str) -> Option<Language> {
    let file = src
        .rsplit('/')
        .next()
        .unwrap_or("")
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let stem = file
        .strip_suffix(".svg")
        .or_else(|| file.strip_suffix(".png"));
    match stem {
        Some("german") => return Some(Language::GermanDub),
        Some("japanese-english") => return Some(Language::EnglishSub),
        Some("japanese-german") | Some("english-german") => return Some(Language::GermanSub),
        Some("english") => return Some(Language::EnglishDub),
        _ => {}
    }
    let t = title.to_lowercase();
    if t.contains("untertitel deutsch")
        || t.contains("deutschem untertitel")
        || t.contains("ger-sub")
        || t.contains("gersub")
    {
        Some(Language::GermanSub)
    } else if t.contains("untertitel englisch") || t.contains("english sub") {
        Some(Language::EnglishSub)
    } else if t.trim() == "deutsch" || t.trim() == "deutsch/german" {
        Some(Language::GermanDub)
    } else if t.trim() == "englisch" || t.trim() == "english" || t.contains("english dub") {
        Some(Language::EnglishDub)
    } else {
        None
    }
}

/// The page's key -> language map.
fn language_map(doc: &Html) -> HashMap<u8, Language> {
    let mut map = HashMap::new();
    for flag in doc.select(&S.language_flags) {
        let v = flag.value();
        let Some(key) = v
            .attr("data-lang-key")
            .and_then(|k| k.trim().parse::<u8>().ok())
        else {
            continue;
        };
        let lang = language_of_flag(v.attr("src").unwrap_or(""), v.attr("title").unwrap_or(""))
            .or_else(|| Language::from_key(key));
        if let Some(lang) = lang {
            map.entry(key).or_insert(lang);
        }
    }
    map
}

/// The hoster name of a link item: the `h4`, else the icon title without "Hoster ".
fn hoster_name(li: ElementRef<'_>) -> Option<String> {
    li.select(&S.hoster_name)
        .next()
        .and_then(element_text)
        .or_else(|| {
            li.select(&S.hoster_icon)
                .next()
                .and_then(|i| i.value().attr("title"))
                .map(|t| clean(t.trim_start_matches("Hoster ")))
                .filter(|t| !t.is_empty())
        })
}

/// Parses the hoster links of an episode page fetched from `url`.
pub fn parse_episode_page(
    html: &str,
    url: &str,
    what: &str,
    urls: &CatalogueUrls,
) -> Result<Vec<HosterLink>, ProviderError> {
    let doc = Html::parse_document(html);
    if is_not_found(&doc) {
        return Err(ProviderError::NotFound {
            what: what.to_string(),
        });
    }
    let video = doc
        .select(&S.video)
        .next()
        .ok_or_else(|| ProviderError::Layout {
            url: url.to_string(),
            what: "no hoster list (div.hosterSiteVideo)".into(),
        })?;
    let languages = language_map(&doc);
    let mut out: Vec<HosterLink> = Vec::new();
    let mut unknown: Vec<u8> = Vec::new();
    for li in video.select(&S.links) {
        let v = li.value();
        let Some(key) = v
            .attr("data-lang-key")
            .and_then(|k| k.trim().parse::<u8>().ok())
        else {
            continue;
        };
        let Some(language) = languages
            .get(&key)
            .copied()
            .or_else(|| Language::from_key(key))
        else {
            // Never guessed: a language the service does not know is skipped, and said once.
            if !unknown.contains(&key) {
                unknown.push(key);
                log::warn!("{url}: skipping the links of unknown language key {key}");
            }
            continue;
        };
        let Some(hoster) = hoster_name(li) else {
            continue;
        };
        let target = v
            .attr("data-link-target")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .or_else(|| {
                li.select(&S.watch)
                    .next()
                    .and_then(|a| a.value().attr("href"))
            });
        let Some(redirect_url) = target.and_then(|t| urls.absolute(t)) else {
            continue;
        };
        let link = HosterLink {
            language,
            hoster,
            redirect_url,
        };
        if !out.contains(&link) {
            out.push(link);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        let check = |src: &str, title: &str, want: Option<Language>| {
            assert_eq!(language_of_flag(src, title), want, "{src} {title}");
        };
        check(
            "/public/img/german.svg",
            "Deutsch",
            Some(Language::GermanDub),
        );
        check(
            "/public/img/japanese-english.svg",
            "x",
            Some(Language::EnglishSub),
        );
        check(
            "/public/img/japanese-german.svg?v=2",
            "",
            Some(Language::GermanSub),
        );
        check("", "mit Untertitel Deutsch", Some(Language::GermanSub));
        check("", "mit Untertitel Englisch", Some(Language::EnglishSub));
        check("", "Deutsch", Some(Language::GermanDub));
        check(
            "/public/img/english.svg",
            "Englisch",
            Some(Language::EnglishDub),
        );
        check("", "Englisch", Some(Language::EnglishDub));
        check("/public/img/klingon.svg", "Klingonisch", None);
    }
}
