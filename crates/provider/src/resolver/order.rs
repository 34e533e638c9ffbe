//! The order in which an episode's hoster links are tried.

use aniworld_core::Language;

use crate::HosterLink;
use crate::hosters::Hoster;

/// Orders `links` for trying: languages in the order of `languages` (links in other languages
/// are dropped), within a language the hosters named in `hosters` first in that order
/// (case-insensitive), then the others in page order, then hosters whose name no extractor
/// knows (they may still be recognised by their embed page's domain); links whose hoster
/// `is_failing` go to the end of their language, keeping that order among themselves.
pub fn order_links<'a>(
    links: &'a [HosterLink],
    languages: &[Language],
    hosters: &[String],
    is_failing: impl Fn(&str) -> bool,
) -> Vec<&'a HosterLink> {
    let rank = |name: &str| {
        hosters
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
            .unwrap_or(usize::MAX)
    };
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for &lang in languages {
        if seen.contains(&lang) {
            continue;
        }
        seen.push(lang);
        let mut group: Vec<&HosterLink> = links.iter().filter(|l| l.language == lang).collect();
        group.sort_by_key(|l| {
            let unknown = Hoster::from_name(&l.hoster).is_none();
            (is_failing(&l.hoster), unknown, rank(&l.hoster))
        });
        out.extend(group);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(lang: Language, hoster: &str) -> HosterLink {
        HosterLink {
            language: lang,
            hoster: hoster.into(),
            redirect_url: format!("/redirect/{hoster}-{}", lang.key()),
        }
    }

    fn check(
        links: &[HosterLink],
        langs: &[Language],
        prefs: &[&str],
        failing: &[&str],
        want: &[(&str, u8)],
    ) {
        let prefs: Vec<String> = prefs.iter().map(|s| s.to_string()).collect();
        let got: Vec<(&str, u8)> = order_links(links, langs, &prefs, |h| failing.contains(&h))
            .into_iter()
            .map(|l| (l.hoster.as_str(), l.language.key()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn languages_then_hosters_then_health() {
        use Language::*;
        let links = [
            link(GermanDub, "Filemoon"),
            link(GermanDub, "Doodstream"),
            link(GermanDub, "VOE"),
            link(EnglishSub, "VOE"),
            link(GermanSub, "Vidoza"),
            link(GermanDub, "Vidoza"),
        ];
        let all = [GermanDub, GermanSub, EnglishSub];
        check(
            &links,
            &all,
            &["voe", "Vidoza"],
            &[],
            &[
                ("VOE", 1),
                ("Vidoza", 1),
                ("Filemoon", 1),
                ("Doodstream", 1),
                ("Vidoza", 3),
                ("VOE", 2),
            ],
        );
        check(
            &links,
            &all,
            &["VOE", "Vidoza"],
            &["VOE"],
            &[
                ("Vidoza", 1),
                ("Filemoon", 1),
                ("Doodstream", 1),
                ("VOE", 1),
                ("Vidoza", 3),
                ("VOE", 2),
            ],
        );
        check(
            &links,
            &[EnglishSub, GermanDub, EnglishSub],
            &[],
            &[],
            &[
                ("VOE", 2),
                ("Filemoon", 1),
                ("Doodstream", 1),
                ("VOE", 1),
                ("Vidoza", 1),
            ],
        );
        check(&links, &[GermanSub], &["VOE"], &[], &[("Vidoza", 3)]);
        check(&[], &all, &["VOE"], &[], &[]);
    }

    #[test]
    fn names_no_extractor_knows_come_after_the_known_ones_but_before_failing_ones() {
        use Language::*;
        let links = [
            link(GermanDub, "Streamhub2026"),
            link(GermanDub, "VOE"),
            link(GermanDub, "Filemoon"),
        ];
        check(
            &links,
            &[GermanDub],
            &[],
            &[],
            &[("VOE", 1), ("Filemoon", 1), ("Streamhub2026", 1)],
        );
        // even when the user prefers it by name
        check(
            &links,
            &[GermanDub],
            &["Streamhub2026"],
            &["Filemoon"],
            &[("VOE", 1), ("Streamhub2026", 1), ("Filemoon", 1)],
        );
    }
}
