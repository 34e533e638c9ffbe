//! The v2 engine's languages: `data-language-id`, `data-language-label` and the flag icon of a
//! link button, mapped with the v2 table (provider-reference section 6.1), never the legacy one.
//!
//! | source | German Dub | English Dub | German Sub | English Sub |
//! |---|---|---|---|---|
//! | id | `1` | `2` | `3` | – |
//! | label | `Deutsch` | `Englisch` | `Ger-Sub`, `… deutschem Untertitel` | `Eng-Sub`, `… englischem Untertitel` |
//! | flag | `german` | `english` | `english-german`, `japanese-german` | `japanese-english` |
//!
//! **Precedence: flag, then label, then id.** The flag names audio and subtitles
//! (`<audio>-<subtitles>`), so it is the most specific source; the label is what the visitor
//! reads; the id is an opaque database number whose meaning is only known per site (s.to's
//! ids follow its legacy keys, where 2 was English audio; aniworld's legacy key 2 was English
//! subtitles, and whether its v2 ids kept that is not known). So when sources contradict each
//! other the most descriptive known one wins, and an id alone is used only when neither label
//! nor flag is readable. Anything unknown is None, so the caller can skip the link rather than
//! mislabel it.

use aniworld_core::Language;

use crate::catalogue::text::collapse;

/// The language of a v2 link from its id, label and flag (any of `#icon-flag-german`,
/// `svg-flag-german`, a class list containing one, `/img/german.svg`, or `german`). Flag wins
/// over label, label over id; None when no source is known.
pub fn language_of(id: Option<&str>, label: Option<&str>, flag: Option<&str>) -> Option<Language> {
    flag.and_then(of_flag)
        .or_else(|| label.and_then(of_label))
        .or_else(|| id.and_then(of_id))
}

/// The v2 id table: 1 German audio, 2 English audio, 3 German subtitles.
fn of_id(id: &str) -> Option<Language> {
    match id.trim() {
        "1" => Some(Language::GermanDub),
        "2" => Some(Language::EnglishDub),
        "3" => Some(Language::GermanSub),
        _ => None,
    }
}

/// The flag stem (`german`, `english-german`, ...) of an icon reference or class list.
fn flag_stem(flag: &str) -> Option<String> {
    let token = flag
        .split_whitespace()
        .find(|t| t.contains("flag-"))
        .or_else(|| flag.split_whitespace().next())?;
    let token = token.to_ascii_lowercase();
    let token = token.rsplit('/').next().unwrap_or("");
    let token = token.split(['?']).next().unwrap_or("");
    let token = token
        .strip_suffix(".svg")
        .or_else(|| token.strip_suffix(".png"))
        .unwrap_or(token);
    let stem = match token.rfind("flag-") {
        Some(i) => &token[i + "flag-".len()..],
        None => token.trim_start_matches('#'),
    };
    (!stem.is_empty()).then(|| stem.to_string())
}

fn of_flag(flag: &str) -> Option<Language> {
    match flag_stem(flag)?.as_str() {
        "german" | "deutsch" => Some(Language::GermanDub),
        "english" | "englisch" => Some(Language::EnglishDub),
        "english-german" | "japanese-german" => Some(Language::GermanSub),
        "japanese-english" => Some(Language::EnglishSub),
        _ => None,
    }
}

/// Label phrases naming German subtitles.
const GERMAN_SUB: [&str; 8] = [
    "deutschem untertitel",
    "deutschen untertitel",
    "deutsche untertitel",
    "untertitel deutsch",
    "untertitel: deutsch",
    "ger-sub",
    "gersub",
    "german sub",
];
/// Label phrases naming English subtitles.
const ENGLISH_SUB: [&str; 8] = [
    "englischem untertitel",
    "englischen untertitel",
    "englische untertitel",
    "untertitel englisch",
    "untertitel: englisch",
    "eng-sub",
    "engsub",
    "english sub",
];

fn of_label(label: &str) -> Option<Language> {
    let l = collapse(&label.to_lowercase());
    match l.as_str() {
        "deutsch" | "german" | "deutsch/german" | "german dub" => {
            return Some(Language::GermanDub);
        }
        "englisch" | "english" | "englisch/english" | "english dub" => {
            return Some(Language::EnglishDub);
        }
        _ => {}
    }
    let german_sub = GERMAN_SUB.iter().any(|p| l.contains(p));
    let english_sub = ENGLISH_SUB.iter().any(|p| l.contains(p));
    match (german_sub, english_sub) {
        (true, false) => Some(Language::GermanSub),
        (false, true) => Some(Language::EnglishSub),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: Option<&str>, label: Option<&str>, flag: Option<&str>, want: Option<Language>) {
        assert_eq!(
            language_of(id, label, flag),
            want,
            "{id:?} {label:?} {flag:?}"
        );
    }

    #[test]
    fn ids() {
        check(Some("1"), None, None, Some(Language::GermanDub));
        check(Some(" 2 "), None, None, Some(Language::EnglishDub));
        check(Some("3"), None, None, Some(Language::GermanSub));
        check(Some("4"), None, None, None);
        check(Some("x"), None, None, None);
        check(None, None, None, None);
    }

    #[test]
    fn labels() {
        let l = |s: &str, want: Option<Language>| check(None, Some(s), None, want);
        l("Deutsch", Some(Language::GermanDub));
        l("Englisch", Some(Language::EnglishDub));
        l("English", Some(Language::EnglishDub));
        l("Ger-Sub", Some(Language::GermanSub));
        l("Eng-Sub", Some(Language::EnglishSub));
        l("mit Untertitel Deutsch", Some(Language::GermanSub));
        l(
            "Englisch mit deutschem Untertitel",
            Some(Language::GermanSub),
        );
        l("mit Untertitel Englisch", Some(Language::EnglishSub));
        l(
            "Japanisch mit englischem Untertitel",
            Some(Language::EnglishSub),
        );
        l("Japanisch", None);
        l("Provider", None);
        l("", None);
    }

    #[test]
    fn flags() {
        let f = |s: &str, want: Option<Language>| check(None, None, Some(s), want);
        f("#icon-flag-german", Some(Language::GermanDub));
        f("#icon-flag-english", Some(Language::EnglishDub));
        f("#icon-flag-english-german", Some(Language::GermanSub));
        f("#icon-flag-japanese-german", Some(Language::GermanSub));
        f("#icon-flag-japanese-english", Some(Language::EnglishSub));
        f(
            "watch-language svg-flag-english-german",
            Some(Language::GermanSub),
        );
        f(
            "/public/img/japanese-english.svg",
            Some(Language::EnglishSub),
        );
        f("german", Some(Language::GermanDub));
        f("#icon-flag-french", None);
        f("", None);
    }

    #[test]
    fn flag_then_label_then_id() {
        // A known flag wins over a contradicting label or id.
        check(
            Some("2"),
            Some("Englisch"),
            Some("#icon-flag-japanese-english"),
            Some(Language::EnglishSub),
        );
        // A known label wins over a contradicting id.
        check(Some("1"), Some("Ger-Sub"), None, Some(Language::GermanSub));
        // Unknown flag and label: the id decides.
        check(
            Some("3"),
            Some("Spezial"),
            Some("#icon-flag-x"),
            Some(Language::GermanSub),
        );
        // Nothing known: None.
        check(Some("9"), Some("Spezial"), Some("#icon-flag-x"), None);
    }
}
