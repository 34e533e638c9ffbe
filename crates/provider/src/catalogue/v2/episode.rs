//! Parsing a v2 episode page (`…/staffel-N/episode-M`, `…/filme/film-K`): its hoster links.
//!
//! `#episode-links` groups the links under `h5` headings ("Deutsch", "Englisch"); each
//! `.link-wrapper > button.link-box` is one (language, hoster) link with `data-link-id`,
//! `data-play-url="/r?t=<token>"`, `data-provider-name`, `data-language-label`,
//! `data-language-id` and `data-auto-embed`, and inside an `img.watch-link[alt]`, a `span` with
//! the name and `svg.watch-language > use[href="#icon-flag-…"]`. A button named "Provider"
//! (text "Anbieter", no image) is an unnamed placeholder and is skipped. The page also holds
//! the redirect gate's markup next to the links; the links are read regardless.

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

use super::detect::{is_not_found, redirect_gate, session_markers};
use super::language::language_of;
use crate::HosterLink;
use crate::catalogue::links::CatalogueUrls;
use crate::catalogue::text::{clean, element_text, non_empty, sel};
use crate::error::ProviderError;

/// What is looked for, named in layout errors.
const LINKS: &str = "#episode-links button.link-box[data-play-url]";

/// Provider names of the unnamed placeholder button.
const PLACEHOLDERS: [&str; 2] = ["provider", "anbieter"];

struct Selectors {
    links: Selector,
    buttons: Selector,
    icon: Selector,
    name: Selector,
    flag_use: Selector,
    flag_svg: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    links: sel("#episode-links"),
    buttons: sel(".link-box[data-play-url], button.link-box"),
    icon: sel("img.watch-link[alt], img[alt]"),
    name: sel("span"),
    flag_use: sel("svg.watch-language use, svg use"),
    flag_svg: sel("svg.watch-language, svg[class*='flag-']"),
});

/// The hoster name: `data-provider-name`, else the icon's `alt`, else the name `span`.
fn hoster_name(button: ElementRef<'_>) -> Option<String> {
    button
        .value()
        .attr("data-provider-name")
        .map(clean)
        .and_then(non_empty)
        .or_else(|| {
            button
                .select(&S.icon)
                .next()
                .and_then(|i| i.value().attr("alt"))
                .map(clean)
                .and_then(non_empty)
        })
        .or_else(|| button.select(&S.name).next().and_then(element_text))
}

/// The flag of a button: the `use` reference (`#icon-flag-german`), else the svg classes.
fn flag(button: ElementRef<'_>) -> Option<String> {
    button
        .select(&S.flag_use)
        .find_map(|u| {
            let v = u.value();
            v.attr("href")
                .or_else(|| v.attr("xlink:href"))
                .map(str::to_string)
        })
        .or_else(|| {
            button
                .select(&S.flag_svg)
                .next()
                .and_then(|s| s.value().attr("class"))
                .map(str::to_string)
        })
}

/// Parses the hoster links of a v2 episode page fetched from `url`; `what` names the episode
/// in a `NotFound` error.
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
    let Some(list) = doc.select(&S.links).next() else {
        if let Some(gate) = redirect_gate(html) {
            return Err(ProviderError::Blocked {
                url: url.to_string(),
                reason: format!(
                    "verification required: the page shows only the redirect gate ({gate}); \
                     open it in a browser or wait before trying again"
                ),
            });
        }
        let hint = if session_markers(html).login_form {
            "; the page is a sign-in form (the site wants a signed-in session)"
        } else {
            ""
        };
        return Err(ProviderError::Layout {
            url: url.to_string(),
            what: format!("no hoster links ({LINKS}){hint}"),
        });
    };
    let mut warned: HashSet<(Option<String>, Option<String>)> = HashSet::new();
    let mut out: Vec<HosterLink> = Vec::new();
    for button in list.select(&S.buttons) {
        let v = button.value();
        let Some(redirect_url) = v
            .attr("data-play-url")
            .map(str::trim)
            .filter(|u| !u.is_empty() && !u.starts_with('#'))
            .and_then(|u| urls.absolute(u))
        else {
            continue;
        };
        let Some(hoster) = hoster_name(button) else {
            continue;
        };
        if PLACEHOLDERS.contains(&hoster.to_lowercase().as_str()) {
            continue;
        }
        let id = v.attr("data-language-id").map(str::trim);
        let label = v.attr("data-language-label").map(clean);
        let flag = flag(button);
        let Some(language) = language_of(id, label.as_deref(), flag.as_deref()) else {
            let id = id.map(str::to_string);
            if warned.insert((id.clone(), label.clone())) {
                log::warn!(
                    "{url}: skipping the {hoster} link(s) of unknown language (id {id:?}, \
                     label {label:?}, flag {flag:?})"
                );
            }
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
    use aniworld_core::Language;

    use super::*;

    fn urls() -> CatalogueUrls {
        CatalogueUrls::for_site("s.to", "https://serienstream.to", &[]).unwrap()
    }

    #[test]
    fn buttons_to_links() {
        let html = r##"<div id="episode-links">
          <h5>Deutsch</h5>
          <div class="link-wrapper"><button class="link-box" data-play-url="/r?t=a%3D" data-provider-name="VOE" data-language-id="1" data-language-label="Deutsch"><img class="watch-link" alt="VOE"><span>VOE</span><svg class="watch-language"><use href="#icon-flag-german"></use></svg></button></div>
          <div class="link-wrapper"><button class="link-box" data-play-url="/r?t=a%3D" data-provider-name="VOE" data-language-id="1" data-language-label="Deutsch"></button></div>
          <div class="link-wrapper"><button class="link-box" data-play-url="/r?t=b" data-provider-name="Provider" data-language-id="1"><span>Anbieter</span></button></div>
          <div class="link-wrapper"><button class="link-box" data-provider-name="Vidoza" data-language-id="1"></button></div>
          <div class="link-wrapper"><button class="link-box" data-play-url="/r?t=c" data-language-id="7" data-language-label="Klingonisch"><img class="watch-link" alt="Filemoon"></button></div>
          <div class="link-wrapper"><button class="link-box" data-play-url="/r?t=d" data-language-id="7" data-language-label="Klingonisch" data-provider-name="VOE"></button></div>
          <div class="link-wrapper"><button class="link-box" data-play-url="https://serienstream.to/r?t=e" data-provider-name="Doodstream"><svg class="watch-language svg-flag-english-german"></svg></button></div>
        </div>"##;
        let links = parse_episode_page(html, "u", "e", &urls()).unwrap();
        let got: Vec<(Language, &str, &str)> = links
            .iter()
            .map(|l| (l.language, l.hoster.as_str(), l.redirect_url.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Language::GermanDub,
                    "VOE",
                    "https://serienstream.to/r?t=a%3D"
                ),
                (
                    Language::GermanSub,
                    "Doodstream",
                    "https://serienstream.to/r?t=e"
                ),
            ]
        );
    }

    #[test]
    fn missing_links_and_gate_only() {
        let err = parse_episode_page("<p>x</p>", "https://s.to/e", "e", &urls()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected page layout: no hoster links (#episode-links \
             button.link-box[data-play-url]) on https://s.to/e"
        );
        let gate = r#"<div id="episode-redirect-gate-root" data-redirect-gate-tier="turnstile_altcha"></div>"#;
        let err = parse_episode_page(gate, "https://s.to/e", "e", &urls()).unwrap_err();
        assert!(matches!(err, ProviderError::Blocked { .. }), "{err:?}");
        assert!(err.to_string().contains("verification required"), "{err}");
        let empty = parse_episode_page(
            &format!(r#"{gate}<div id="episode-links"></div>"#),
            "u",
            "e",
            &urls(),
        )
        .unwrap();
        assert!(empty.is_empty());
    }
}
