//! Blocking TMDB v3 client: authentication (API key or Bearer token), 429 retries with
//! Retry-After, typed errors, language fallback, and image download limited to the image host.

use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::Agent;
use url::Url;

use aniworld_core::config::NfoConfig;

use crate::error::{MetadataError, Result};
use crate::tmdb::model::{
    ErrorBody, FindResult, SearchPage, SearchResult, SeasonDetails, TvDetails,
};

/// Where TMDB lives and how to talk to it.
#[derive(Clone, PartialEq, Eq)]
pub struct TmdbSettings {
    /// Base URL of the v3 API (`https://api.themoviedb.org/3`).
    pub api_url: String,
    /// Base URL of images (`https://image.tmdb.org/t/p`); sizes and paths are appended.
    pub image_url: String,
    /// v3 API key (sent as `api_key`) or read access token (`eyJ...`, sent as Bearer); None = unset.
    pub api_key: Option<String>,
    /// Language of texts (`de-DE`); English fills what is empty.
    pub language: String,
}

impl std::fmt::Debug for TmdbSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TmdbSettings")
            .field("api_url", &self.api_url)
            .field("image_url", &self.image_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "********"))
            .field("language", &self.language)
            .finish()
    }
}

impl TmdbSettings {
    /// Takes URLs, key and language from the `nfo` config section.
    pub fn from_config(cfg: &NfoConfig) -> Self {
        Self {
            api_url: cfg.tmdb_api_url.clone(),
            image_url: cfg.tmdb_image_url.clone(),
            api_key: cfg.tmdb_api_key.expose().map(str::to_owned),
            language: cfg.language.clone(),
        }
    }
}

/// How often a 429 answer is retried before [`MetadataError::RateLimited`].
const MAX_RETRIES: u32 = 3;
/// Longest honoured Retry-After.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Redirect hops followed on the image host.
const MAX_IMAGE_REDIRECTS: u32 = 5;
/// Largest accepted image.
const MAX_IMAGE_BYTES: u64 = 40 * 1024 * 1024;
/// English, the fallback language.
const FALLBACK_LANGUAGE: &str = "en-US";

/// A blocking TMDB v3 client. Cheap to clone; safe to share between threads.
#[derive(Clone)]
pub struct TmdbClient {
    settings: TmdbSettings,
    api: Agent,
    images: Agent,
}

impl std::fmt::Debug for TmdbClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TmdbClient")
            .field("settings", &self.settings)
            .finish()
    }
}

impl TmdbClient {
    /// Builds a client. A missing key is not an error here: every call then fails with
    /// [`MetadataError::NoApiKey`].
    pub fn new(mut settings: TmdbSettings) -> Self {
        settings.api_key = settings
            .api_key
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        settings.api_url = settings.api_url.trim_end_matches('/').to_owned();
        settings.image_url = settings.image_url.trim_end_matches('/').to_owned();
        let api = Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        let images = Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(120)))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Self {
            settings,
            api,
            images,
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &TmdbSettings {
        &self.settings
    }

    /// Whether a key is configured.
    pub fn has_api_key(&self) -> bool {
        self.settings.api_key.is_some()
    }

    /// The configured text language.
    pub fn language(&self) -> &str {
        &self.settings.language
    }

    /// Full URL of an image path (`/abc.jpg`) at its original size.
    pub fn image_url(&self, file_path: &str) -> String {
        format!("{}/original{}", self.settings.image_url, file_path)
    }

    /// `GET /search/tv` in one language, with or without a first-air-date year.
    pub fn search_tv(
        &self,
        query: &str,
        year: Option<i32>,
        language: &str,
    ) -> Result<Vec<SearchResult>> {
        let mut params = vec![
            ("query", query.to_owned()),
            ("language", language.to_owned()),
            ("include_adult", "false".to_owned()),
        ];
        if let Some(y) = year {
            params.push(("first_air_date_year", y.to_string()));
        }
        let page: SearchPage = self.get_json("/search/tv", &params)?;
        Ok(page.results)
    }

    /// `GET /configuration`: the cheapest authenticated request, to test the key. Ok when TMDB
    /// accepts it; [`MetadataError::Unauthorized`] when it refuses it.
    pub fn check_key(&self) -> Result<()> {
        let _: serde_json::Value = self.get_json("/configuration", &[])?;
        Ok(())
    }

    /// `GET /find/{imdb_id}?external_source=imdb_id`: the series with that IMDb id, if any.
    pub fn find_by_imdb(&self, imdb_id: &str) -> Result<Option<SearchResult>> {
        let found: FindResult = self.get_json(
            &format!("/find/{}", encode_segment(imdb_id)),
            &[
                ("external_source", "imdb_id".to_owned()),
                ("language", self.settings.language.clone()),
            ],
        )?;
        Ok(found.tv_results.into_iter().next())
    }

    /// `GET /tv/{id}` with credits, external ids, images, content ratings and keywords appended,
    /// in one language.
    pub fn tv_details_in(&self, id: u64, language: &str) -> Result<TvDetails> {
        let lang2 = language.split('-').next().unwrap_or("en");
        self.get_json(
            &format!("/tv/{id}"),
            &[
                ("language", language.to_owned()),
                (
                    "append_to_response",
                    "credits,external_ids,images,content_ratings,keywords".to_owned(),
                ),
                ("include_image_language", format!("{lang2},null,en")),
            ],
        )
    }

    /// Details in the configured language; when the overview or tagline is empty, English
    /// fills it (one more request only when needed).
    pub fn tv_details(&self, id: u64) -> Result<TvDetails> {
        let mut d = self.tv_details_in(id, &self.settings.language)?;
        if needs_fallback(&self.settings.language) && (d.overview.is_empty() || d.name.is_empty()) {
            let en: TvDetails = self.get_json(
                &format!("/tv/{id}"),
                &[("language", FALLBACK_LANGUAGE.to_owned())],
            )?;
            fill(&mut d.overview, en.overview);
            fill(&mut d.tagline, en.tagline);
            fill(&mut d.name, en.name);
            for s in &mut d.seasons {
                if let Some(e) = en
                    .seasons
                    .iter()
                    .find(|e| e.season_number == s.season_number)
                {
                    fill(&mut s.overview, e.overview.clone());
                }
            }
        }
        Ok(d)
    }

    /// `GET /tv/{id}/season/{n}` in the configured language, English filling empty episode
    /// titles and overviews.
    pub fn season(&self, id: u64, season: u32) -> Result<SeasonDetails> {
        let path = format!("/tv/{id}/season/{season}");
        let mut s: SeasonDetails =
            self.get_json(&path, &[("language", self.settings.language.clone())])?;
        let gaps = s.overview.is_empty()
            || s.episodes
                .iter()
                .any(|e| e.overview.is_empty() || e.name.is_empty());
        if needs_fallback(&self.settings.language) && gaps {
            let en: SeasonDetails =
                self.get_json(&path, &[("language", FALLBACK_LANGUAGE.to_owned())])?;
            fill(&mut s.overview, en.overview);
            for e in &mut s.episodes {
                if let Some(x) = en
                    .episodes
                    .iter()
                    .find(|x| x.episode_number == e.episode_number)
                {
                    fill(&mut e.overview, x.overview.clone());
                    fill(&mut e.name, x.name.clone());
                }
            }
        }
        Ok(s)
    }

    /// Downloads an image path (`/abc.jpg`) at original size from the configured image host.
    /// Redirects are followed only within that host; the body must be a JPEG, PNG or WebP.
    pub fn fetch_image(&self, file_path: &str) -> Result<Vec<u8>> {
        let base = parse_url(&self.settings.image_url)?;
        let first = self.image_url(file_path);
        let mut current = parse_url(&first)?;
        for _ in 0..=MAX_IMAGE_REDIRECTS {
            let shown = current.to_string();
            let mut resp = self
                .images
                .get(current.as_str())
                .call()
                .map_err(|e| network(&shown, e))?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let next = current
                    .join(&location)
                    .map_err(|e| MetadataError::InvalidUrl {
                        url: location.clone(),
                        reason: e.to_string(),
                    })?;
                if !same_origin(&base, &next) {
                    return Err(MetadataError::ForeignRedirect {
                        url: first,
                        location: next.to_string(),
                    });
                }
                current = next;
                continue;
            }
            return match status {
                200 => {
                    let bytes = resp
                        .body_mut()
                        .with_config()
                        .limit(MAX_IMAGE_BYTES)
                        .read_to_vec()
                        .map_err(|e| network(&shown, e))?;
                    if crate::artwork::image_kind(&bytes).is_none() {
                        return Err(MetadataError::NotAnImage { url: shown });
                    }
                    Ok(bytes)
                }
                404 => Err(MetadataError::NotFound { what: shown }),
                _ => Err(MetadataError::Http { url: shown, status }),
            };
        }
        Err(MetadataError::Network {
            url: first,
            message: format!("more than {MAX_IMAGE_REDIRECTS} redirects"),
        })
    }

    /// GET an API path with query parameters, authenticate, retry 429s, decode JSON.
    fn get_json<T: DeserializeOwned>(&self, path: &str, params: &[(&str, String)]) -> Result<T> {
        let key = self
            .settings
            .api_key
            .as_deref()
            .ok_or(MetadataError::NoApiKey)?;
        let mut url = parse_url(&format!("{}{}", self.settings.api_url, path))?;
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        let shown = url.to_string();
        let bearer = key.starts_with("eyJ");
        if !bearer {
            url.query_pairs_mut().append_pair("api_key", key);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .api
                .get(url.as_str())
                .header("Accept", "application/json");
            if bearer {
                req = req.header("Authorization", &format!("Bearer {key}"));
            }
            let mut resp = req.call().map_err(|e| scrub(network(&shown, e), key))?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let body = resp
                .body_mut()
                .with_config()
                .limit(16 * 1024 * 1024)
                .read_to_string()
                .map_err(|e| scrub(network(&shown, e), key))?;
            match status {
                200..=299 => {
                    return serde_json::from_str(&body).map_err(|e| MetadataError::BadResponse {
                        url: shown,
                        reason: e.to_string(),
                    });
                }
                401 => {
                    let message = serde_json::from_str::<ErrorBody>(&body)
                        .map(|b| b.status_message)
                        .unwrap_or_default();
                    return Err(MetadataError::Unauthorized {
                        url: shown,
                        message,
                    });
                }
                404 => return Err(MetadataError::NotFound { what: shown }),
                429 if attempt <= MAX_RETRIES => {
                    let wait = retry_after
                        .map(Duration::from_secs)
                        .unwrap_or(Duration::from_secs(u64::from(attempt)))
                        .min(MAX_RETRY_WAIT);
                    log::info!("TMDB rate limit on {shown}; retrying in {wait:?}");
                    std::thread::sleep(wait);
                }
                429 => {
                    return Err(MetadataError::RateLimited {
                        url: shown,
                        attempts: attempt,
                    });
                }
                _ => return Err(MetadataError::Http { url: shown, status }),
            }
        }
    }
}

/// Whether the language is not already the fallback.
fn needs_fallback(language: &str) -> bool {
    !language.eq_ignore_ascii_case(FALLBACK_LANGUAGE)
}

/// Fills an empty string from the fallback.
fn fill(target: &mut String, fallback: String) {
    if target.trim().is_empty() {
        *target = fallback;
    }
}

fn network(url: &str, e: ureq::Error) -> MetadataError {
    MetadataError::Network {
        url: url.to_owned(),
        message: e.to_string(),
    }
}

/// Masks the key in a transport error text, should the transport quote the URL.
fn scrub(e: MetadataError, key: &str) -> MetadataError {
    match e {
        MetadataError::Network { url, message } => MetadataError::Network {
            url,
            message: message.replace(key, "********"),
        },
        other => other,
    }
}

fn parse_url(s: &str) -> Result<Url> {
    Url::parse(s).map_err(|e| MetadataError::InvalidUrl {
        url: s.to_owned(),
        reason: e.to_string(),
    })
}

/// Same scheme, host and port.
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Percent-encodes one path segment.
fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_check_compares_scheme_host_and_port() {
        let a = Url::parse("http://127.0.0.1:8080/t/p").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("http://127.0.0.1:8080/x.jpg").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://127.0.0.1:8081/x.jpg").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://127.0.0.1:8080/x.jpg").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://evil.test:8080/x.jpg").unwrap()
        ));
    }

    #[test]
    fn transport_errors_do_not_quote_the_key() {
        let e = scrub(
            MetadataError::Network {
                url: "http://x/3/tv/1".into(),
                message: "bad uri http://x/3/tv/1?api_key=k3y".into(),
            },
            "k3y",
        );
        assert!(!e.to_string().contains("k3y"), "{e}");
    }

    #[test]
    fn settings_debug_hides_the_key() {
        let s = TmdbSettings {
            api_url: "http://a".into(),
            image_url: "http://b".into(),
            api_key: Some("secret-key".into()),
            language: "de-DE".into(),
        };
        assert!(!format!("{s:?}").contains("secret-key"));
    }

    #[test]
    fn missing_key_fails_without_a_request() {
        let c = TmdbClient::new(TmdbSettings {
            api_url: "http://127.0.0.1:9".into(),
            image_url: "http://127.0.0.1:9".into(),
            api_key: Some("  ".into()),
            language: "de-DE".into(),
        });
        assert!(!c.has_api_key());
        assert!(matches!(c.tv_details(1), Err(MetadataError::NoApiKey)));
    }
}
