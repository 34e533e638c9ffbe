//! Parsing the catalogue's two search endpoints.
//!
//! `POST /ajax/search` answers `[{title, description, link}]` with `<em>` highlighting and also
//! lists episode and FAQ hits; `GET /ajax/seriesSearch` answers `[{name, link, description,
//! cover, productionYear}]` with bare slugs as links. Both may carry HTML entities (sometimes
//! twice encoded), a BOM and control characters. Only series are kept, once per key.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::links::{CatalogueUrls, is_valid_key};
use super::text::{clean, non_empty, strip_controls};

/// One series found by a search.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SearchHit {
    /// The site it was found on (`aniworld.to`, `s.to`).
    pub site: String,
    /// Catalogue key (slug).
    pub key: String,
    /// Series name, plain text.
    pub name: String,
    /// Absolute link to the series page.
    pub link: String,
    /// First production year, when the endpoint gives one.
    pub year: Option<i32>,
    /// Absolute cover URL, when the endpoint gives one.
    pub cover_url: Option<String>,
    /// Short description, plain text.
    pub description: Option<String>,
}

static SERIES_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:https?://[^/]+)?/anime/stream/([A-Za-z0-9][A-Za-z0-9-]*)/?$")
        .expect("series path regex")
});
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(1[89]\d\d|2\d\d\d)\b").expect("year regex"));

/// Parses a JSON search answer after removing a BOM and control characters; None when the
/// body is not a JSON array (e.g. an HTML page).
pub fn parse_json_array(body: &str) -> Option<Vec<Value>> {
    let cleaned = strip_controls(body);
    match serde_json::from_str::<Value>(cleaned.trim()) {
        Ok(Value::Array(items)) => Some(items),
        _ => None,
    }
}

fn field(v: &Value, name: &str) -> Option<String> {
    match v.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Hits of `POST /ajax/search`: only `/anime/stream/<key>` links, deduplicated by key.
pub fn parse_ajax_search(items: &[Value], urls: &CatalogueUrls) -> Vec<SearchHit> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in items {
        let Some(link) = field(item, "link") else {
            continue;
        };
        let link = clean(&link).replace("\\/", "/");
        let Some(caps) = SERIES_PATH.captures(&link) else {
            continue;
        };
        let key = caps[1].to_string();
        let Some(name) = field(item, "title").map(|t| clean(&t)).and_then(non_empty) else {
            continue;
        };
        if !seen.insert(key.to_ascii_lowercase()) {
            continue;
        }
        out.push(SearchHit {
            site: urls.site().to_string(),
            link: urls.series(&key),
            key,
            name,
            year: None,
            cover_url: None,
            description: field(item, "description")
                .map(|d| clean(&d))
                .and_then(non_empty),
        });
    }
    out
}

/// Hits of `GET /ajax/seriesSearch`: links are bare slugs; deduplicated by key.
pub fn parse_series_search(items: &[Value], urls: &CatalogueUrls) -> Vec<SearchHit> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in items {
        let Some(raw) = field(item, "link") else {
            continue;
        };
        let raw = clean(&raw);
        let key = match SERIES_PATH.captures(&raw) {
            Some(c) => c[1].to_string(),
            None => raw.trim_matches('/').to_string(),
        };
        if !is_valid_key(&key) {
            continue;
        }
        let Some(name) = field(item, "name")
            .or_else(|| field(item, "title"))
            .map(|t| clean(&t))
            .and_then(non_empty)
        else {
            continue;
        };
        if !seen.insert(key.to_ascii_lowercase()) {
            continue;
        }
        out.push(SearchHit {
            site: urls.site().to_string(),
            link: urls.series(&key),
            key,
            name,
            year: field(item, "productionYear")
                .and_then(|y| YEAR.captures(&y).and_then(|c| c[1].parse().ok())),
            cover_url: field(item, "cover")
                .map(|c| clean(&c))
                .filter(|c| !c.is_empty())
                .and_then(|c| urls.absolute(&c)),
            description: field(item, "description")
                .map(|d| clean(&d))
                .and_then(non_empty),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> CatalogueUrls {
        CatalogueUrls::new("https://aniworld.to").unwrap()
    }

    #[test]
    fn ajax_search_keeps_series_only() {
        let body = "\u{feff}[{\"title\":\"<em>Naruto<\\/em> Shipp&amp;#363;den\",\"description\":\"x\",\"link\":\"\\/anime\\/stream\\/naruto-shippuden\"},\
            {\"title\":\"Folge 3\",\"description\":\"\",\"link\":\"\\/anime\\/stream\\/naruto\\/staffel-1\\/episode-3\"},\
            {\"title\":\"FAQ\",\"description\":\"\",\"link\":\"\\/support\\/fragen\"},\
            {\"title\":\"Naruto again\",\"description\":\"\",\"link\":\"\\/anime\\/stream\\/naruto-shippuden\\/\"}]";
        let items = parse_json_array(body).unwrap();
        let hits = parse_ajax_search(&items, &urls());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].key, "naruto-shippuden");
        assert_eq!(hits[0].name, "Naruto Shippūden");
        assert_eq!(
            hits[0].link,
            "https://aniworld.to/anime/stream/naruto-shippuden"
        );
    }

    #[test]
    fn series_search_reads_year_and_cover() {
        let body = r#"[{"name":"Dr. Stone","link":"dr-stone","description":"Senku &amp; co","cover":"/public/img/cover/dr-stone-stream-cover-abc_150x225.jpg","productionYear":"(2019 - 2025)"},
            {"name":"bad","link":"../x","description":"","cover":"","productionYear":""}]"#;
        let items = parse_json_array(body).unwrap();
        let hits = parse_series_search(&items, &urls());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].year, Some(2019));
        assert_eq!(hits[0].description.as_deref(), Some("Senku & co"));
        assert_eq!(
            hits[0].cover_url.as_deref(),
            Some("https://aniworld.to/public/img/cover/dr-stone-stream-cover-abc_150x225.jpg")
        );
    }

    #[test]
    fn non_json_is_none() {
        assert!(parse_json_array("<html>challenge</html>").is_none());
        assert!(parse_json_array("{\"a\":1}").is_none());
        assert_eq!(parse_json_array("[]").map(|v| v.len()), Some(0));
    }
}
