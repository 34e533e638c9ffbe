//! The download history (docs/history.md): `GET /api/history`, paged like `GET /api/anime`,
//! newest first, filtered by series and event. The entries are written by the service
//! ([`aniworld_service::HistoryService`]); the handler parses, reads one page and maps it.

use std::str::FromStr;

use actix_web::{HttpResponse, web};
use aniworld_core::history::{HistoryEntry, HistoryEvent, HistoryQuery};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::blocking::blocking;
use crate::error::ApiError;
use crate::routes::anime::{DEFAULT_PER_PAGE, MAX_PER_PAGE, bounded};
use crate::state::AppState;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(list_history),
    components(schemas(HistoryItem, HistoryEventName)),
    tags((name = "history", description = "Completed, failed, upgraded and deleted episodes"))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/history").route(web::get().to(list_history)));
}

/// What a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryEventName {
    /// A download put its episode into the library.
    Completed,
    /// A download failed for good (after its last retry).
    Failed,
    /// An episode file was replaced by a better one.
    Upgraded,
    /// An episode file was deleted.
    Deleted,
}

impl From<HistoryEvent> for HistoryEventName {
    fn from(e: HistoryEvent) -> Self {
        match e {
            HistoryEvent::Completed => Self::Completed,
            HistoryEvent::Failed => Self::Failed,
            HistoryEvent::Upgraded => Self::Upgraded,
            HistoryEvent::Deleted => Self::Deleted,
        }
    }
}

/// One entry of `GET /api/history`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryItem {
    /// Entry id; later entries have greater ids.
    pub id: i64,
    /// What happened.
    pub event: HistoryEventName,
    /// When it happened (RFC 3339, UTC).
    pub time: DateTime<Utc>,
    /// Series key.
    #[serde(rename = "serie_id")]
    pub series_id: String,
    /// Series display name.
    #[serde(rename = "serie_name")]
    pub series_name: String,
    /// Season (0 = movies).
    pub season: u32,
    /// Episode number within the season.
    pub episode: u32,
    /// Language of the stream or file (`German Dub`, `German Sub`, `English Sub`,
    /// `English Dub`); null when unknown.
    pub language: Option<&'static str>,
    /// The hoster the stream came from; null when unknown.
    pub hoster: Option<String>,
    /// The episode file; null when there is none (a failed download).
    pub file_path: Option<String>,
    /// Size of the file in bytes; null when there is none.
    pub size_bytes: Option<u64>,
    /// Why the download failed; null unless `event` is `failed`.
    pub error: Option<String>,
}

impl From<HistoryEntry> for HistoryItem {
    fn from(e: HistoryEntry) -> Self {
        Self {
            id: e.id,
            event: e.event.into(),
            time: e.time,
            series_id: e.series_key,
            series_name: e.series_name,
            season: e.episode.season,
            episode: e.episode.episode,
            language: e.language.map(|l| l.name()),
            hoster: e.hoster,
            file_path: e.file_path,
            size_bytes: e.size_bytes,
            error: e.error,
        }
    }
}

/// Query of `GET /api/history`. The values arrive as strings and [`HistoryListQuery::validate`]
/// parses them in a fixed order (`page`, `per_page`, `event`), so that a bad value answers 422
/// naming its field, the first of several included.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct HistoryListQuery {
    /// Page number, at least 1 (default 1).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 4294967295_u64)]
    pub page: Option<String>,
    /// Entries per page, 1 to 1000 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub per_page: Option<String>,
    /// Only the entries of this series (its key).
    pub serie_id: Option<String>,
    /// Only the entries of this event.
    #[param(value_type = Option<HistoryEventName>)]
    pub event: Option<String>,
}

impl HistoryListQuery {
    /// Checks every value; 422 naming the field otherwise. Blank values count as absent.
    pub fn validate(&self) -> Result<HistoryQuery, ApiError> {
        let page = bounded("page", self.page.as_deref(), 1, u32::MAX as usize)?;
        let per_page = bounded(
            "per_page",
            self.per_page.as_deref(),
            DEFAULT_PER_PAGE,
            MAX_PER_PAGE,
        )?;
        let event = match self.event.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(
                HistoryEvent::from_str(e)
                    .map_err(|problem| ApiError::validation("event", problem))?,
            ),
        };
        let series_key = self
            .serie_id
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        Ok(HistoryQuery {
            page,
            per_page,
            series_key,
            event,
        })
    }
}

/// The download history, newest first: completed and failed downloads, upgraded and deleted
/// episode files. Kept apart from the queue (clearing it leaves the history alone) and pruned
/// after `history.keep_days`.
#[utoipa::path(get, path = "/api/history", tag = "history", security(("bearer" = [])),
    params(HistoryListQuery),
    responses((status = 200, body = [HistoryItem]),
        (status = 422, description = "Bad page, per_page or event; the field is named in details")))]
pub async fn list_history(
    state: web::Data<AppState>,
    query: web::Query<HistoryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.validate()?;
    let history = state.app.history().clone();
    let entries = blocking(move || history.list(&query)).await?;
    let items: Vec<HistoryItem> = entries.into_iter().map(HistoryItem::from).collect();
    Ok(HttpResponse::Ok().json(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query `q` gives, or the field its error names.
    fn check(q: HistoryListQuery, expected: Result<HistoryQuery, &str>) {
        match (q.validate(), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(ApiError::Validation { details, .. }), Err(field)) => {
                assert_eq!(details["field"], field, "{details}");
                assert!(details[field].is_string(), "{details}");
            }
            (got, expected) => panic!("{got:?} instead of {expected:?}"),
        }
    }

    fn query(page: &str, per_page: &str, serie_id: &str, event: &str) -> HistoryListQuery {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        HistoryListQuery {
            page: some(page),
            per_page: some(per_page),
            serie_id: some(serie_id),
            event: some(event),
        }
    }

    #[test]
    fn values_parse_or_name_their_field() {
        check(query("", "", "", ""), Ok(HistoryQuery::default()));
        check(
            query("2", "50", " frieren ", "failed"),
            Ok(HistoryQuery {
                page: 2,
                per_page: 50,
                series_key: Some("frieren".into()),
                event: Some(HistoryEvent::Failed),
            }),
        );
        check(query(" ", " ", " ", " "), Ok(HistoryQuery::default()));
        check(query("0", "", "", ""), Err("page"));
        check(query("x", "", "", ""), Err("page"));
        check(query("", "0", "", ""), Err("per_page"));
        check(query("", "1001", "", ""), Err("per_page"));
        check(query("", "", "", "finished"), Err("event"));
        check(query("", "", "", "Completed"), Err("event"));
        check(query("0", "0", "", "finished"), Err("page"));
    }
}
