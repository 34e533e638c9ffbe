//! Finding the TMDB series for a library series: explicit id, IMDb id via `/find`, or a
//! search by normalised title and year, with a record of how sure the match is.

use serde::Serialize;

use crate::error::{MetadataError, Result};
use crate::tmdb::TmdbClient;
use crate::tmdb::model::SearchResult;

/// How a TMDB series was chosen, from surest to least sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchConfidence {
    /// The caller gave the TMDB id (or the folder name pins it).
    ExplicitId,
    /// Found through the IMDb id (`/find`).
    ExactId,
    /// A search result's normalised title and first-air year equal the wanted ones.
    ExactTitleYear,
    /// A search result's normalised title equals the wanted one (year unknown or different).
    ExactTitle,
    /// Nothing matched exactly; the first search result was taken.
    FirstResult,
}

/// A chosen series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResult {
    /// TMDB series id.
    pub tmdb_id: u64,
    /// How sure the choice is.
    pub confidence: MatchConfidence,
}

/// What is known about the series to look up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchQuery {
    /// Title to search for.
    pub name: String,
    /// First-air year, when known.
    pub year: Option<i32>,
    /// IMDb id (`tt...`), when known.
    pub imdb_id: Option<String>,
    /// TMDB id; wins over everything else.
    pub tmdb_id: Option<u64>,
}

/// Lower-cases, keeps letters and digits of every script, and collapses the rest to single
/// spaces, so `"Re:Zero − Starting Life"` and `"re zero starting life"` compare equal.
pub fn normalize_title(s: &str) -> String {
    let mapped: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Year of a `YYYY-MM-DD` date.
pub fn year_of(date: &str) -> Option<i32> {
    date.get(..4)?.parse().ok()
}

/// Splits a library folder name into title, year and a pinned TMDB id:
/// `"One Piece (1999) [tmdbid-37854]"` gives `("One Piece", Some(1999), Some(37854))`.
pub fn parse_folder_name(folder: &str) -> (String, Option<i32>, Option<u64>) {
    let mut name = folder.trim().to_owned();
    let mut tmdb = None;
    let mut year = None;
    // Bracketed tags like [tmdbid-1], {tmdb=1}, [imdbid-tt1].
    loop {
        let trimmed = name.trim_end();
        let Some(last) = trimmed.chars().last() else {
            break;
        };
        let open = match last {
            ']' => '[',
            '}' => '{',
            ')' => '(',
            _ => break,
        };
        let Some(start) = trimmed.rfind(open) else {
            break;
        };
        let inner = &trimmed[start + 1..trimmed.len() - 1];
        let lower = inner.to_ascii_lowercase();
        if let Some(rest) = ["tmdbid-", "tmdbid=", "tmdb-", "tmdb="]
            .iter()
            .find_map(|p| lower.strip_prefix(p))
        {
            tmdb = rest.trim().parse().ok().or(tmdb);
        } else if lower.starts_with("imdbid") || lower.starts_with("tvdbid") {
            // Other ids are left to the players; the tag is dropped from the title.
        } else if inner.len() == 4 && inner.chars().all(|c| c.is_ascii_digit()) && year.is_none() {
            year = inner.parse().ok();
        } else {
            break;
        }
        name = trimmed[..start].trim_end().to_owned();
    }
    if name.is_empty() {
        name = folder.trim().to_owned();
    }
    (name, year, tmdb)
}

/// Chooses among search results: exact title and year, else exact title, else the first.
pub fn choose(results: &[SearchResult], name: &str, year: Option<i32>) -> Option<MatchResult> {
    let want = normalize_title(name);
    let title_eq = |r: &SearchResult| {
        !want.is_empty()
            && (normalize_title(&r.name) == want || normalize_title(&r.original_name) == want)
    };
    if let Some(y) = year
        && let Some(r) = results
            .iter()
            .find(|r| title_eq(r) && year_of(&r.first_air_date) == Some(y))
    {
        return Some(MatchResult {
            tmdb_id: r.id,
            confidence: MatchConfidence::ExactTitleYear,
        });
    }
    if let Some(r) = results.iter().find(|r| title_eq(r)) {
        return Some(MatchResult {
            tmdb_id: r.id,
            confidence: MatchConfidence::ExactTitle,
        });
    }
    results.first().map(|r| MatchResult {
        tmdb_id: r.id,
        confidence: MatchConfidence::FirstResult,
    })
}

/// Finds the TMDB series: explicit id, then IMDb `/find`, then searches in the configured
/// language and in English, with the year and without, stopping at the first sure match.
pub fn find_series(client: &TmdbClient, q: &MatchQuery) -> Result<MatchResult> {
    if let Some(id) = q.tmdb_id {
        return Ok(MatchResult {
            tmdb_id: id,
            confidence: MatchConfidence::ExplicitId,
        });
    }
    if let Some(imdb) = q
        .imdb_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match client.find_by_imdb(imdb) {
            Ok(Some(r)) => {
                return Ok(MatchResult {
                    tmdb_id: r.id,
                    confidence: MatchConfidence::ExactId,
                });
            }
            Ok(None) | Err(MetadataError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let name = q.name.trim();
    if name.is_empty() {
        return Err(MetadataError::NotFound {
            what: "a series without a name".into(),
        });
    }
    let mut languages = vec![client.language().to_owned()];
    if !client.language().eq_ignore_ascii_case("en-US") {
        languages.push("en-US".to_owned());
    }
    let mut years = vec![q.year];
    if q.year.is_some() {
        years.push(None);
    }
    let mut fallback: Option<MatchResult> = None;
    for lang in &languages {
        for &year in &years {
            let results = client.search_tv(name, year, lang)?;
            let Some(m) = choose(&results, name, q.year) else {
                continue;
            };
            let sure = match m.confidence {
                MatchConfidence::ExactTitleYear => true,
                MatchConfidence::ExactTitle => q.year.is_none(),
                _ => false,
            };
            if sure {
                return Ok(m);
            }
            let better = fallback
                .as_ref()
                .is_none_or(|f| rank(m.confidence) < rank(f.confidence));
            if better {
                fallback = Some(m);
            }
        }
    }
    fallback.ok_or_else(|| MetadataError::NotFound {
        what: match q.year {
            Some(y) => format!("series {name:?} ({y})"),
            None => format!("series {name:?}"),
        },
    })
}

fn rank(c: MatchConfidence) -> u8 {
    c as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: u64, name: &str, date: &str) -> SearchResult {
        SearchResult {
            id,
            name: name.into(),
            original_name: String::new(),
            first_air_date: date.into(),
            popularity: 0.0,
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_title("  Re:Zero − Starting  Life "),
            "re zero starting life"
        );
        assert_eq!(normalize_title("ゴブリンスレイヤー"), "ゴブリンスレイヤー");
        assert_eq!(normalize_title("Ächtung!"), "ächtung");
    }

    #[test]
    fn folder_names() {
        assert_eq!(
            parse_folder_name("One Piece (1999) [tmdbid-37854]"),
            ("One Piece".into(), Some(1999), Some(37854))
        );
        assert_eq!(parse_folder_name("Naruto"), ("Naruto".into(), None, None));
        assert_eq!(
            parse_folder_name("Steins;Gate (Dub)"),
            ("Steins;Gate (Dub)".into(), None, None)
        );
        assert_eq!(
            parse_folder_name("(2020)"),
            ("(2020)".into(), Some(2020), None)
        );
    }

    #[test]
    fn choice_order() {
        let rs = vec![
            r(1, "Other", "2001-01-01"),
            r(2, "Bleach", "2022-10-10"),
            r(3, "BLEACH", "2004-10-05"),
        ];
        let m = choose(&rs, "bleach", Some(2004)).unwrap();
        assert_eq!(
            (m.tmdb_id, m.confidence),
            (3, MatchConfidence::ExactTitleYear)
        );
        let m = choose(&rs, "Bleach", None).unwrap();
        assert_eq!((m.tmdb_id, m.confidence), (2, MatchConfidence::ExactTitle));
        let m = choose(&rs, "Nothing", Some(2004)).unwrap();
        assert_eq!((m.tmdb_id, m.confidence), (1, MatchConfidence::FirstResult));
        assert!(choose(&[], "x", None).is_none());
    }
}
