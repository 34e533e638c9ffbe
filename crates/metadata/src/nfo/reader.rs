//! Reads ids and title back from a `tvshow.nfo` written by any tool: Kodi (`uniqueid`,
//! `episodeguide`), Jellyfin (`tmdbid`, `imdb_id`, `<id TMDB=..>`), tinyMediaManager, and the
//! old style of provider URLs after the closing root tag.

use std::path::Path;

use roxmltree::{Document, Node};
use serde::Serialize;

use crate::error::{MetadataError, Result};

/// What an NFO says about its series.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NfoInfo {
    /// Title (`title`, `localtitle` or `name`).
    pub title: Option<String>,
    /// Year, from `year` or the `premiered` date.
    pub year: Option<i32>,
    /// TMDB series id.
    pub tmdb_id: Option<u64>,
    /// IMDb id (`tt...`).
    pub imdb_id: Option<String>,
    /// TheTVDB id.
    pub tvdb_id: Option<u64>,
}

/// Reads and parses an NFO file.
pub fn read_nfo(path: &Path) -> Result<NfoInfo> {
    let bytes = std::fs::read(path).map_err(|e| MetadataError::io("read", path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    parse_nfo(&text).map_err(|reason| MetadataError::InvalidNfo {
        path: path.to_path_buf(),
        reason,
    })
}

/// Parses NFO text; the error is a human readable reason.
pub fn parse_nfo(text: &str) -> std::result::Result<NfoInfo, String> {
    let text = text.trim_start_matches('\u{FEFF}');
    let (xml, trailer) = split_trailer(text);
    let doc = Document::parse(xml).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    let mut info = NfoInfo::default();
    for child in root.children().filter(Node::is_element) {
        let name = child.tag_name().name().to_ascii_lowercase();
        let value = child.text().map(str::trim).unwrap_or_default();
        match name.as_str() {
            "title" | "localtitle" | "name" if info.title.is_none() && !value.is_empty() => {
                info.title = Some(value.to_owned());
            }
            "year" if info.year.is_none() => info.year = value.parse().ok().filter(|&y| y > 1850),
            "premiered" | "aired" | "releasedate" if info.year.is_none() => {
                info.year = value.get(..4).and_then(|y| y.parse().ok());
            }
            "uniqueid" => {
                let kind = child
                    .attribute("type")
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                set_id(
                    &mut info,
                    &kind,
                    value,
                    child.attribute("default") == Some("true"),
                );
            }
            "tmdbid" | "tmdb" => set_id(&mut info, "tmdb", value, false),
            "imdbid" | "imdb_id" | "imdb" => set_id(&mut info, "imdb", value, false),
            "tvdbid" | "tvdb" => set_id(&mut info, "tvdb", value, false),
            "id" => read_id_element(&mut info, child, value),
            "episodeguide" => read_episode_guide(&mut info, value),
            _ => {}
        }
    }
    read_urls(&mut info, trailer);
    Ok(info)
}

/// Separates the document from text after the closing root tag (URL lines).
fn split_trailer(text: &str) -> (&str, &str) {
    let Some(end) = text.rfind('>') else {
        return (text, "");
    };
    let tail = &text[end + 1..];
    if tail.trim().is_empty() {
        return (text, "");
    }
    (&text[..=end], tail)
}

/// Stores an id when that kind is still unknown (a `default="true"` one wins).
fn set_id(info: &mut NfoInfo, kind: &str, value: &str, force: bool) {
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    match kind {
        "tmdb" | "themoviedb" => {
            if (force || info.tmdb_id.is_none())
                && let Ok(v) = value.parse()
            {
                info.tmdb_id = Some(v);
            }
        }
        "imdb" if (force || info.imdb_id.is_none()) && value.starts_with("tt") => {
            info.imdb_id = Some(value.to_owned());
        }
        "tvdb" => {
            if (force || info.tvdb_id.is_none())
                && let Ok(v) = value.parse()
            {
                info.tvdb_id = Some(v);
            }
        }
        _ => {}
    }
}

/// `<id TMDB="1" TVDB="2" IMDB="tt3">` or `<id>tt3</id>` or legacy `<id>tvdb</id>`.
fn read_id_element(info: &mut NfoInfo, node: Node<'_, '_>, value: &str) {
    for a in node.attributes() {
        set_id(info, &a.name().to_ascii_lowercase(), a.value(), false);
    }
    if value.starts_with("tt") {
        set_id(info, "imdb", value, false);
    } else if node.attributes().len() == 0 {
        set_id(info, "tvdb", value, false);
    }
}

/// Kodi v19+ JSON `{"tmdb": "1", "imdb": "tt2", "tvdb": "3"}`.
fn read_episode_guide(info: &mut NfoInfo, value: &str) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(value)
    else {
        return;
    };
    for (k, v) in map {
        let s = match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => continue,
        };
        set_id(info, &k.to_ascii_lowercase(), &s, false);
    }
}

/// Provider URLs after the root: themoviedb.org/tv/ID, imdb.com/title/ttID, thetvdb.com ids.
fn read_urls(info: &mut NfoInfo, trailer: &str) {
    for word in trailer.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if let Some(rest) = after(&lower, "themoviedb.org/tv/") {
            set_id(info, "tmdb", &leading_digits(rest), false);
        } else if let Some(rest) = after(&lower, "imdb.com/title/") {
            let id: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            set_id(info, "imdb", &id, false);
        } else if lower.contains("thetvdb.com") {
            let rest = after(&lower, "id=")
                .or_else(|| after(&lower, "/series/"))
                .unwrap_or_default();
            set_id(info, "tvdb", &leading_digits(rest), false);
        }
    }
}

fn after<'a>(s: &'a str, pat: &str) -> Option<&'a str> {
    s.find(pat).map(|i| &s[i + pat.len()..])
}

fn leading_digits(s: &str) -> String {
    s.chars().take_while(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kodi_shape() {
        let i = parse_nfo(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<tvshow><title>Goblin Slayer</title><year>2018</year>
<uniqueid type="imdb">tt8690728</uniqueid>
<uniqueid type="tmdb" default="true">82684</uniqueid>
<uniqueid type="tvdb">350867</uniqueid></tvshow>"#,
        )
        .unwrap();
        assert_eq!(i.title.as_deref(), Some("Goblin Slayer"));
        assert_eq!(i.year, Some(2018));
        assert_eq!(i.tmdb_id, Some(82684));
        assert_eq!(i.imdb_id.as_deref(), Some("tt8690728"));
        assert_eq!(i.tvdb_id, Some(350867));
    }

    #[test]
    fn jellyfin_and_tmm_shapes() {
        let i = parse_nfo(
            "\u{FEFF}<?xml version=\"1.0\"?>\n<tvshow>\n  <localtitle>Bleach</localtitle>\n  <tmdbid>30984</tmdbid>\n  <imdb_id>tt0434665</imdb_id>\n  <premiered>2004-10-05</premiered>\n</tvshow>",
        )
        .unwrap();
        assert_eq!(
            (i.title.as_deref(), i.tmdb_id, i.imdb_id.as_deref(), i.year),
            (Some("Bleach"), Some(30984), Some("tt0434665"), Some(2004))
        );
        let i = parse_nfo(r#"<tvshow><title>X</title><id TMDB="5" TVDB="6">tt7</id></tvshow>"#)
            .unwrap();
        assert_eq!(
            (i.tmdb_id, i.tvdb_id, i.imdb_id.as_deref()),
            (Some(5), Some(6), Some("tt7"))
        );
        let i = parse_nfo(r#"<tvshow><title>X</title><id>74796</id><episodeguide>{"tmdb": "30984"}</episodeguide></tvshow>"#).unwrap();
        assert_eq!((i.tmdb_id, i.tvdb_id), (Some(30984), Some(74796)));
    }

    #[test]
    fn urls_after_the_root() {
        let i = parse_nfo(
            "<tvshow><title>X</title></tvshow>\nhttps://www.themoviedb.org/tv/1429-attack-on-titan\nhttps://www.imdb.com/title/tt2560140/\n",
        )
        .unwrap();
        assert_eq!(
            (i.tmdb_id, i.imdb_id.as_deref()),
            (Some(1429), Some("tt2560140"))
        );
    }

    #[test]
    fn broken_files_are_errors() {
        assert!(parse_nfo("<tvshow><title>X</tvshow>").is_err());
        assert!(parse_nfo("").is_err());
        assert!(parse_nfo("just text").is_err());
    }
}
