//! Episode identifiers, audio/subtitle languages and the map of missing episodes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One episode of a series: season 0 holds the movies (`filme/film-N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EpisodeId {
    /// Season number; 0 for movies.
    pub season: u32,
    /// Episode number within the season (or movie number).
    pub episode: u32,
}

impl EpisodeId {
    /// Builds an id from a season and an episode number.
    pub const fn new(season: u32, episode: u32) -> Self {
        Self { season, episode }
    }
}

impl fmt::Display for EpisodeId {
    /// The wire form used in episode lists: `"<season>-<episode>"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.season, self.episode)
    }
}

/// Error returned when an episode id string is not `"<season>-<episode>"`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid episode id {0:?}: expected \"<season>-<episode>\"")]
pub struct ParseEpisodeIdError(pub String);

impl FromStr for EpisodeId {
    type Err = ParseEpisodeIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseEpisodeIdError(s.to_string());
        let (a, b) = s.split_once('-').ok_or_else(err)?;
        Ok(Self::new(
            a.parse().map_err(|_| err())?,
            b.parse().map_err(|_| err())?,
        ))
    }
}

/// Audio/subtitle variant offered by the catalogue, with its catalogue language key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Language {
    /// German audio (catalogue key 1).
    #[serde(rename = "German Dub")]
    GermanDub,
    /// Japanese audio with English subtitles (catalogue key 2).
    #[serde(rename = "English Sub")]
    EnglishSub,
    /// Japanese audio with German subtitles (catalogue key 3).
    #[serde(rename = "German Sub")]
    GermanSub,
    /// English audio (legacy catalogue key 4; v2 language id 2).
    #[serde(rename = "English Dub")]
    EnglishDub,
}

impl Language {
    /// The default preference order (English Dub is offered by few series and is opt-in).
    pub const DEFAULT_PREFERENCE: [Language; 3] = [
        Language::GermanDub,
        Language::GermanSub,
        Language::EnglishSub,
    ];

    /// Every language the service knows.
    pub const ALL: [Language; 4] = [
        Language::GermanDub,
        Language::GermanSub,
        Language::EnglishSub,
        Language::EnglishDub,
    ];

    /// The legacy engine's `data-lang-key` for this language.
    pub fn key(self) -> u8 {
        match self {
            Language::GermanDub => 1,
            Language::EnglishSub => 2,
            Language::GermanSub => 3,
            Language::EnglishDub => 4,
        }
    }

    /// The language of a legacy-engine `data-lang-key` (1 German Dub, 2 English Sub,
    /// 3 German Sub, 4 English Dub). The v2 engine numbers differently: see the provider crate.
    pub fn from_key(key: u8) -> Option<Self> {
        match key {
            1 => Some(Language::GermanDub),
            2 => Some(Language::EnglishSub),
            3 => Some(Language::GermanSub),
            4 => Some(Language::EnglishDub),
            _ => None,
        }
    }

    /// Human-readable name, as used in configuration (`"German Dub"`).
    pub fn name(self) -> &'static str {
        match self {
            Language::GermanDub => "German Dub",
            Language::EnglishSub => "English Sub",
            Language::GermanSub => "German Sub",
            Language::EnglishDub => "English Dub",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        match norm.as_str() {
            "germandub" | "german" | "deutsch" | "1" => Ok(Language::GermanDub),
            "englishsub" | "engsub" | "2" => Ok(Language::EnglishSub),
            "germansub" | "gersub" | "3" => Ok(Language::GermanSub),
            "englishdub" | "engdub" | "english" | "4" => Ok(Language::EnglishDub),
            _ => Err(format!(
                "unknown language {s:?}: expected \"German Dub\", \"German Sub\", \"English Sub\" or \"English Dub\""
            )),
        }
    }
}

/// Missing episodes of one series: season -> sorted episode numbers.
///
/// Serialises as a JSON object with the season as a string key (`{"1": [1, 2, 3]}`), as api.md shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MissingEpisodes(pub BTreeMap<u32, Vec<u32>>);

impl MissingEpisodes {
    /// Builds the map from any set of episode ids; episodes are sorted and deduplicated.
    pub fn from_ids<I: IntoIterator<Item = EpisodeId>>(ids: I) -> Self {
        let mut map: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        for id in ids {
            map.entry(id.season).or_default().insert(id.episode);
        }
        Self(
            map.into_iter()
                .map(|(s, e)| (s, e.into_iter().collect()))
                .collect(),
        )
    }

    /// Number of missing episodes over all seasons.
    pub fn total(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }

    /// True when nothing is missing.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// All missing ids in season/episode order.
    pub fn ids(&self) -> Vec<EpisodeId> {
        self.0
            .iter()
            .flat_map(|(s, eps)| eps.iter().map(move |e| EpisodeId::new(*s, *e)))
            .collect()
    }

    /// Whether the given episode is missing.
    pub fn contains(&self, id: EpisodeId) -> bool {
        self.0
            .get(&id.season)
            .is_some_and(|e| e.binary_search(&id.episode).is_ok())
    }

    /// Removes one episode (e.g. after its download completed); empty seasons disappear.
    pub fn remove(&mut self, id: EpisodeId) -> bool {
        let Some(eps) = self.0.get_mut(&id.season) else {
            return false;
        };
        let Ok(pos) = eps.binary_search(&id.episode) else {
            return false;
        };
        eps.remove(pos);
        if eps.is_empty() {
            self.0.remove(&id.season);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn episode_id_round_trips() {
        let id: EpisodeId = "2-13".parse().unwrap();
        assert_eq!(id, EpisodeId::new(2, 13));
        assert_eq!(id.to_string(), "2-13");
        assert!("2x13".parse::<EpisodeId>().is_err());
        assert!("a-1".parse::<EpisodeId>().is_err());
    }

    #[test]
    fn missing_map_serialises_with_string_keys_and_sorted_lists() {
        let m = MissingEpisodes::from_ids([
            EpisodeId::new(1, 3),
            EpisodeId::new(1, 1),
            EpisodeId::new(0, 2),
            EpisodeId::new(1, 1),
        ]);
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"0":[2],"1":[1,3]}"#);
        assert_eq!(m.total(), 3);
        let back: MissingEpisodes = serde_json::from_str(r#"{"0":[2],"1":[1,3]}"#).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn removing_the_last_episode_drops_the_season() {
        let mut m = MissingEpisodes::from_ids([EpisodeId::new(1, 1), EpisodeId::new(2, 1)]);
        assert!(m.remove(EpisodeId::new(2, 1)));
        assert!(!m.remove(EpisodeId::new(2, 1)));
        assert_eq!(m.ids(), vec![EpisodeId::new(1, 1)]);
        assert!(m.contains(EpisodeId::new(1, 1)));
    }

    #[test]
    fn languages_parse_from_names_and_keys() {
        assert_eq!(
            "German Dub".parse::<Language>().unwrap(),
            Language::GermanDub
        );
        assert_eq!(
            "german-sub".parse::<Language>().unwrap(),
            Language::GermanSub
        );
        assert_eq!(Language::from_key(2), Some(Language::EnglishSub));
        assert!("Klingon".parse::<Language>().is_err());
        assert_eq!(
            "English Dub".parse::<Language>().unwrap(),
            Language::EnglishDub
        );
        assert_eq!(Language::from_key(4), Some(Language::EnglishDub));
        for l in Language::ALL {
            assert_eq!(Language::from_key(l.key()), Some(l));
        }
    }
}
