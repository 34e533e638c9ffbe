//! TMDB v3 JSON shapes, only the fields the NFO writer uses. Every field is optional or
//! defaulted, because TMDB leaves many out or sends `null`.

use serde::{Deserialize, Deserializer};

/// `null` or missing becomes the type's default.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One item of `/search/tv` or `/find` `tv_results`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchResult {
    /// TMDB series id.
    pub id: u64,
    /// Localised name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Original name.
    #[serde(deserialize_with = "nullable")]
    pub original_name: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(deserialize_with = "nullable")]
    pub first_air_date: String,
    /// Popularity score.
    pub popularity: f64,
}

/// `/search/tv` answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchPage {
    /// The results of this page.
    #[serde(deserialize_with = "nullable")]
    pub results: Vec<SearchResult>,
}

/// `/find/{external_id}` answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FindResult {
    /// Series found by the external id.
    #[serde(deserialize_with = "nullable")]
    pub tv_results: Vec<SearchResult>,
}

/// `{id, name}` pairs (genres, networks, keywords).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Named {
    /// TMDB id.
    pub id: u64,
    /// Display name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
}

/// A season summary inside the details.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SeasonSummary {
    /// Season number (0 = specials).
    pub season_number: u32,
    /// Season name (`Staffel 1`).
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Season overview.
    #[serde(deserialize_with = "nullable")]
    pub overview: String,
    /// `YYYY-MM-DD` or null.
    pub air_date: Option<String>,
    /// Poster path.
    pub poster_path: Option<String>,
    /// Episode count.
    pub episode_count: u32,
}

/// A cast member (`credits.cast[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CastMember {
    /// Person name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Role name.
    #[serde(deserialize_with = "nullable")]
    pub character: String,
    /// Billing order.
    pub order: u32,
    /// Profile picture path.
    pub profile_path: Option<String>,
}

/// A crew member (`credits.crew[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CrewMember {
    /// Person name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Job (`Director`, `Writer`...).
    #[serde(deserialize_with = "nullable")]
    pub job: String,
    /// Department (`Writing`...).
    #[serde(deserialize_with = "nullable")]
    pub department: String,
}

/// Appended `credits`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Credits {
    /// Cast, in TMDB order.
    #[serde(deserialize_with = "nullable")]
    pub cast: Vec<CastMember>,
    /// Crew.
    #[serde(deserialize_with = "nullable")]
    pub crew: Vec<CrewMember>,
}

/// Appended `external_ids`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExternalIds {
    /// `tt...` or null.
    pub imdb_id: Option<String>,
    /// TheTVDB id or null.
    pub tvdb_id: Option<u64>,
}

/// One image of the appended `images`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Image {
    /// Path below the image base URL and size, starting with `/`.
    #[serde(deserialize_with = "nullable")]
    pub file_path: String,
    /// ISO 639-1 language, null = no text.
    pub iso_639_1: Option<String>,
    /// Average vote.
    pub vote_average: f64,
    /// Vote count.
    pub vote_count: u64,
}

/// Appended `images`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Images {
    /// Posters.
    #[serde(deserialize_with = "nullable")]
    pub posters: Vec<Image>,
    /// Backdrops.
    #[serde(deserialize_with = "nullable")]
    pub backdrops: Vec<Image>,
    /// Logos.
    #[serde(deserialize_with = "nullable")]
    pub logos: Vec<Image>,
}

/// One country's content rating.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContentRating {
    /// ISO 3166-1 country.
    #[serde(deserialize_with = "nullable")]
    pub iso_3166_1: String,
    /// Rating text (`16`, `TV-14`).
    #[serde(deserialize_with = "nullable")]
    pub rating: String,
}

/// `{results: [...]}` wrapper used by content ratings and TV keywords.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, bound(deserialize = "T: Deserialize<'de>"))]
pub struct Results<T> {
    /// The list.
    #[serde(deserialize_with = "nullable")]
    pub results: Vec<T>,
}

impl<T> Default for Results<T> {
    fn default() -> Self {
        Self {
            results: Vec::new(),
        }
    }
}

/// `/tv/{id}` with `credits,external_ids,images,content_ratings,keywords` appended.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TvDetails {
    /// TMDB series id.
    pub id: u64,
    /// Localised name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Original name.
    #[serde(deserialize_with = "nullable")]
    pub original_name: String,
    /// Overview ("" when untranslated).
    #[serde(deserialize_with = "nullable")]
    pub overview: String,
    /// Tagline ("" when untranslated).
    #[serde(deserialize_with = "nullable")]
    pub tagline: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(deserialize_with = "nullable")]
    pub first_air_date: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(deserialize_with = "nullable")]
    pub last_air_date: String,
    /// TMDB status text (`Returning Series`, `Ended`...).
    #[serde(deserialize_with = "nullable")]
    pub status: String,
    /// Localised genres.
    #[serde(deserialize_with = "nullable")]
    pub genres: Vec<Named>,
    /// Networks (first = studio).
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<Named>,
    /// Production companies.
    #[serde(deserialize_with = "nullable")]
    pub production_companies: Vec<Named>,
    /// Countries of origin.
    #[serde(deserialize_with = "nullable")]
    pub origin_country: Vec<String>,
    /// Episode run times in minutes (often empty).
    #[serde(deserialize_with = "nullable")]
    pub episode_run_time: Vec<u32>,
    /// Seasons.
    #[serde(deserialize_with = "nullable")]
    pub seasons: Vec<SeasonSummary>,
    /// Default poster.
    pub poster_path: Option<String>,
    /// Default backdrop.
    pub backdrop_path: Option<String>,
    /// Average vote 0..10.
    pub vote_average: f64,
    /// Vote count.
    pub vote_count: u64,
    /// Series creators.
    #[serde(deserialize_with = "nullable")]
    pub created_by: Vec<Named>,
    /// The last aired episode (its runtime fills `<runtime>` when `episode_run_time` is empty).
    pub last_episode_to_air: Option<EpisodeDetails>,
    /// Appended credits.
    #[serde(deserialize_with = "nullable")]
    pub credits: Credits,
    /// Appended external ids.
    #[serde(deserialize_with = "nullable")]
    pub external_ids: ExternalIds,
    /// Appended images.
    #[serde(deserialize_with = "nullable")]
    pub images: Images,
    /// Appended content ratings.
    #[serde(deserialize_with = "nullable")]
    pub content_ratings: Results<ContentRating>,
    /// Appended keywords.
    #[serde(deserialize_with = "nullable")]
    pub keywords: Results<Named>,
}

/// An episode of a season answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EpisodeDetails {
    /// TMDB episode id.
    pub id: u64,
    /// Episode number within the season.
    pub episode_number: u32,
    /// Season number.
    pub season_number: u32,
    /// Episode title.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Overview.
    #[serde(deserialize_with = "nullable")]
    pub overview: String,
    /// `YYYY-MM-DD` or null.
    pub air_date: Option<String>,
    /// Minutes or null.
    pub runtime: Option<u32>,
    /// Still image path.
    pub still_path: Option<String>,
    /// Average vote.
    pub vote_average: f64,
    /// Vote count.
    pub vote_count: u64,
}

/// `/tv/{id}/season/{n}` answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SeasonDetails {
    /// TMDB season id.
    pub id: u64,
    /// Season number.
    pub season_number: u32,
    /// Season name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Overview.
    #[serde(deserialize_with = "nullable")]
    pub overview: String,
    /// `YYYY-MM-DD` or null.
    pub air_date: Option<String>,
    /// Poster path.
    pub poster_path: Option<String>,
    /// Episodes.
    #[serde(deserialize_with = "nullable")]
    pub episodes: Vec<EpisodeDetails>,
}

/// TMDB's error body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ErrorBody {
    /// Human readable message.
    #[serde(deserialize_with = "nullable")]
    pub status_message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_missing_fields_are_tolerated() {
        let d: TvDetails = serde_json::from_str(
            r#"{"id": 5, "name": null, "overview": "x", "genres": null, "external_ids": null,
                "last_episode_to_air": {"runtime": null}}"#,
        )
        .unwrap();
        assert_eq!(d.id, 5);
        assert_eq!(d.name, "");
        assert!(d.genres.is_empty());
        assert_eq!(d.external_ids.imdb_id, None);
        assert_eq!(d.last_episode_to_air.unwrap().runtime, None);
    }
}
