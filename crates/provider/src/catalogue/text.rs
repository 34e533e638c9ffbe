//! Text clean-up shared by the catalogue parsers, and small scraper helpers.
//!
//! The catalogue's text arrives with highlight markup (`<em>`), HTML entities (sometimes encoded
//! twice), a UTF-8 BOM, control characters and ragged whitespace. [`clean`] turns any of it into
//! plain, trimmed text.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Selector};

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^<>]*>").expect("tag regex"));
static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);").expect("entity regex")
});

/// Decodes HTML entities up to three times (the catalogue double-encodes some fields).
pub fn decode_entities(s: &str) -> String {
    let mut out = s.to_string();
    for _ in 0..3 {
        if !ENTITY.is_match(&out) {
            break;
        }
        let next = html_escape::decode_html_entities(&out).into_owned();
        if next == out {
            break;
        }
        out = next;
    }
    out
}

/// Removes the BOM and control characters (C0 except tab/newline/carriage return, DEL, C1).
pub fn strip_controls(s: &str) -> String {
    s.chars()
        .filter(|&c| c != '\u{feff}' && (!c.is_control() || matches!(c, '\t' | '\n' | '\r')))
        .collect()
}

/// Plain text: entities decoded, tags removed, controls removed, whitespace collapsed.
pub fn clean(s: &str) -> String {
    let decoded = decode_entities(s);
    let untagged = TAG.replace_all(&decoded, "");
    // Tags may have been entity-encoded themselves (`&lt;em&gt;`); decode once more if needed.
    let untagged = decode_entities(&untagged);
    let untagged = TAG.replace_all(&untagged, "");
    collapse(&strip_controls(&untagged))
}

/// Collapses runs of whitespace into one space and trims.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`clean`] of an element's text, or None when it is empty.
pub fn element_text(el: ElementRef<'_>) -> Option<String> {
    non_empty(clean(&el.text().collect::<String>()))
}

/// None for an empty string.
pub fn non_empty(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

/// A CSS selector from a constant; the constants are covered by the parser tests.
pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("invalid built-in selector {css:?}: {e}"))
}

/// The last run of digits in `s`, as a number.
pub fn last_number(s: &str) -> Option<u32> {
    let mut end = None;
    for (i, c) in s.char_indices().rev() {
        if c.is_ascii_digit() {
            if end.is_none() {
                end = Some(i + 1);
            }
        } else if let Some(e) = end {
            return s[i + 1..e].parse().ok();
        }
    }
    end.and_then(|e| s[..e].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(clean(input), expected, "input {input:?}");
    }

    #[test]
    fn cleans_text() {
        check("<em>Attack</em> on Titan", "Attack on Titan");
        check(
            "Kaguya-sama: Love Is War &#039;",
            "Kaguya-sama: Love Is War '",
        );
        check("Tom &amp;amp; Jerry", "Tom & Jerry");
        check("&amp;#039;Oshi no Ko&amp;#039;", "'Oshi no Ko'");
        check("&lt;em&gt;One&lt;/em&gt; Piece", "One Piece");
        check("\u{feff}  Dr.\u{0001} Stone \n\t ", "Dr. Stone");
        check("進撃の巨人 &quot;Shingeki&quot;", "進撃の巨人 \"Shingeki\"");
        check("Caf&eacute; \u{0085}Ärger", "Café Ärger");
        check("a &unknownentity; b", "a &unknownentity; b");
        check("", "");
    }

    #[test]
    fn last_numbers() {
        assert_eq!(
            last_number("/anime/stream/x/staffel-2/episode-13"),
            Some(13)
        );
        assert_eq!(last_number("/anime/stream/x/filme/film-3/"), Some(3));
        assert_eq!(last_number("42"), Some(42));
        assert_eq!(last_number("none"), None);
        assert_eq!(last_number("99999999999999999999"), None);
    }
}
