//! How the library follows a series, over HTTP (docs/monitoring.md): the fields every library
//! series shows, `PATCH /api/anime/{anime_id}` that changes them and `DELETE /api/anime/{anime_id}`
//! that removes a series. The rules live in `aniworld_core::monitoring` and the use cases in
//! [`aniworld_service::LibraryService`]; this module parses, calls once and maps.

use actix_web::{HttpResponse, web};
use aniworld_core::{EffectiveMonitoring, Language, MonitoringPatch, ValidationIssue};
use aniworld_service::library::{KeptFile, RemovedSeries};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::AnimeDetail;
use crate::blocking::blocking;
use crate::body::Json;
use crate::error::{ApiError, body_error};
use crate::state::AppState;

/// A language, named as `download.language_preference` names it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum LanguageName {
    /// German audio.
    #[serde(rename = "German Dub")]
    GermanDub,
    /// Japanese audio, German subtitles.
    #[serde(rename = "German Sub")]
    GermanSub,
    /// Japanese audio, English subtitles.
    #[serde(rename = "English Sub")]
    EnglishSub,
    /// English audio.
    #[serde(rename = "English Dub")]
    EnglishDub,
}

/// How the library follows a series: shown with every series of `GET /api/anime` and by
/// `GET /api/anime/{anime_id}`, always with the values in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitoringView {
    /// Whether automatic runs (`scheduler.auto_download_after_rescan`) queue its missing
    /// episodes. Queueing by hand ignores it.
    pub monitored: bool,
    /// The accepted languages in force, best first: its own list, or the global
    /// `download.language_preference` when it has none.
    #[schema(value_type = Vec<LanguageName>)]
    pub languages: Vec<Language>,
    /// The language at which no upgrade is sought (one of `languages`; the first unless set).
    #[schema(value_type = LanguageName)]
    pub cutoff: Language,
    /// Whether an episode present below its cutoff is downloaded again when a better accepted
    /// language appears.
    pub upgrade: bool,
}

impl From<EffectiveMonitoring> for MonitoringView {
    fn from(m: EffectiveMonitoring) -> Self {
        Self {
            monitored: m.monitored,
            languages: m.languages,
            cutoff: m.cutoff,
            upgrade: m.upgrade,
        }
    }
}

/// Reads a field that may be absent but not null.
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Reads a field that may be absent (None) or null (`Some(None)`: back to the default).
pub(super) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Body of `PATCH /api/anime/{anime_id}`: any of the four settings; a field left out keeps its
/// value. Unknown keys are refused.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringChanges {
    /// Whether automatic runs queue its missing episodes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub monitored: Option<bool>,
    /// Accepted languages, best first, each at most once; null follows
    /// `download.language_preference` again.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<LanguageName>>, min_items = 1)]
    pub languages: Option<Option<Vec<Language>>>,
    /// The language at which no upgrade is sought, one of the accepted languages; null is the
    /// first of them.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<LanguageName>)]
    pub cutoff: Option<Option<Language>>,
    /// Whether episodes below the cutoff are downloaded again when a better language appears.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub upgrade: Option<bool>,
}

/// The keys [`MonitoringChanges`] takes.
const FIELDS: [&str; 4] = ["monitored", "languages", "cutoff", "upgrade"];

impl MonitoringChanges {
    /// The changes of a JSON body: every unknown key is named (422), then the fields are read
    /// as any body is (422 naming the JSON path of a wrong one).
    pub fn from_body(body: Value) -> Result<Self, ApiError> {
        let Value::Object(map) = &body else {
            return Err(ApiError::validation("body", "must be a JSON object"));
        };
        let unknown: Vec<ValidationIssue> = map
            .keys()
            .filter(|k| !FIELDS.contains(&k.as_str()))
            .map(|k| {
                ValidationIssue::new(
                    k.as_str(),
                    format!("unknown field; expected one of {}", FIELDS.join(", ")),
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::from_issues(&unknown));
        }
        serde_path_to_error::deserialize(body).map_err(body_error)
    }
}

impl From<MonitoringChanges> for MonitoringPatch {
    fn from(c: MonitoringChanges) -> Self {
        Self {
            monitored: c.monitored,
            languages: c.languages,
            cutoff: c.cutoff,
            upgrade: c.upgrade,
        }
    }
}

/// Query of `DELETE /api/anime/{anime_id}`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RemovalQuery {
    /// `true` also removes the episode files the service downloaded (and the folders that
    /// leaves empty); anything else in the folder stays. Default `false`: files stay.
    #[param(value_type = Option<bool>)]
    pub delete_files: Option<String>,
}

impl RemovalQuery {
    /// `delete_files` as a flag: absent or blank (false), `true` or `false`; 422 naming it
    /// otherwise.
    fn delete_files(&self) -> Result<bool, ApiError> {
        match self.delete_files.as_deref().map(str::trim) {
            None | Some("" | "false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ApiError::validation(
                "delete_files",
                "must be true or false",
            )),
        }
    }
}

/// A file the service downloaded that the removal left in place.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeptFileEntry {
    /// Relative to the series folder.
    pub path: String,
    /// Why it was kept.
    pub reason: String,
}

/// Answer of `DELETE /api/anime/{anime_id}`: what was removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemovalResponse {
    /// `success`.
    pub status: &'static str,
    /// `Removed <name> from the library (...)`.
    pub message: String,
    /// Catalogue key (the slug) of the removed series.
    pub key: String,
    /// The catalogue site.
    pub site: String,
    /// Its folder in the library.
    pub folder: String,
    /// Queue items deleted (in any state; a running download was cancelled).
    pub queue_items_removed: usize,
    /// Episode files removed, relative to the series folder (only with `delete_files=true`).
    pub files_removed: Vec<String>,
    /// Files the service downloaded that could not be removed, with why.
    pub files_kept: Vec<KeptFileEntry>,
    /// Whether the series folder was removed (only when nothing else was left in it).
    pub folder_removed: bool,
}

impl From<RemovedSeries> for RemovalResponse {
    fn from(r: RemovedSeries) -> Self {
        let mut message = format!(
            "Removed {} from the library ({} queue item(s)",
            r.serie.name,
            r.queue_items.len()
        );
        message.push_str(&match r.files_removed.len() {
            0 => ", files kept)".to_string(),
            n => format!(", {n} file(s) deleted)"),
        });
        Self {
            status: "success",
            message,
            key: r.serie.slug().to_string(),
            site: r.serie.site.clone(),
            folder: r.serie.folder.clone(),
            queue_items_removed: r.queue_items.len(),
            files_removed: r.files_removed,
            files_kept: r
                .files_kept
                .into_iter()
                .map(|KeptFile { path, reason }| KeptFileEntry { path, reason })
                .collect(),
            folder_removed: r.folder_removed,
        }
    }
}

/// Changes how the library follows a series: any of `monitored`, `languages`, `cutoff`,
/// `upgrade`. Answers the series as `GET /api/anime/{anime_id}` does. A refused change
/// changes nothing.
#[utoipa::path(patch, path = "/api/anime/{anime_id}", tag = "anime", security(("bearer" = [])),
    params(("anime_id" = String, Path, description = "Series key (`s.to:<key>` for an s.to series whose key aniworld.to also has; or, deprecated, the folder name)")),
    request_body = MonitoringChanges,
    responses((status = 200, body = AnimeDetail),
        (status = 404, description = "No such series"),
        (status = 422, description = "An unknown key, an unknown or repeated language, an empty `languages`, a `cutoff` outside the accepted languages or a wrong type; `details.field` names it")))]
pub async fn update_anime(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let patch = MonitoringPatch::from(MonitoringChanges::from_body(body.into_inner())?);
    let service = state.app.library().clone();
    let id = id.into_inner();
    let detail = blocking(move || service.update_monitoring(&id, patch)).await?;
    Ok(HttpResponse::Ok().json(AnimeDetail::from(detail)))
}

/// Removes a series from the library with its episodes and its queue items (a running download
/// is cancelled). Files stay unless `delete_files=true`, which removes only the episode files the
/// service downloaded, and the series folder when that leaves it empty.
#[utoipa::path(delete, path = "/api/anime/{anime_id}", tag = "anime", security(("bearer" = [])),
    params(("anime_id" = String, Path, description = "Series key (`s.to:<key>` for an s.to series whose key aniworld.to also has; or, deprecated, the folder name)"),
        RemovalQuery),
    responses((status = 200, body = RemovalResponse),
        (status = 404, description = "No such series"),
        (status = 422, description = "`delete_files` is not true or false"),
        (status = 503, description = "With `delete_files=true`: no anime directory is configured or it is missing; nothing was removed")))]
pub async fn remove_anime(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<RemovalQuery>,
) -> Result<HttpResponse, ApiError> {
    let delete_files = query.delete_files()?;
    let service = state.app.library().clone();
    let id = id.into_inner();
    let removed = blocking(move || service.remove_series(&id, delete_files)).await?;
    Ok(HttpResponse::Ok().json(RemovalResponse::from(removed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The field a refused body names.
    fn refused(body: Value) -> String {
        match MonitoringChanges::from_body(body) {
            Err(ApiError::Validation { details, .. }) => details["field"].as_str().unwrap().into(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn bodies_are_read_field_by_field() {
        let all = MonitoringChanges::from_body(json!({
            "monitored": false, "languages": ["English Dub", "German Sub"],
            "cutoff": null, "upgrade": true
        }))
        .unwrap();
        assert_eq!(
            MonitoringPatch::from(all),
            MonitoringPatch {
                monitored: Some(false),
                languages: Some(Some(vec![Language::EnglishDub, Language::GermanSub])),
                cutoff: Some(None),
                upgrade: Some(true),
            }
        );
        let none = MonitoringChanges::from_body(json!({})).unwrap();
        assert!(MonitoringPatch::from(none).is_empty());
        assert_eq!(refused(json!({"monitored": "yes"})), "monitored");
        assert_eq!(refused(json!({"monitored": null})), "monitored");
        assert_eq!(refused(json!({"upgrade": 1})), "upgrade");
        assert_eq!(
            refused(json!({"languages": ["German Dub", "Klingon"]})),
            "languages[1]"
        );
        assert_eq!(refused(json!({"languages": "German Dub"})), "languages");
        assert_eq!(refused(json!({"cutoff": "german dub"})), "cutoff");
        assert_eq!(refused(json!({"monitored": true, "colour": 1})), "colour");
        assert_eq!(refused(json!([])), "body");
        assert_eq!(refused(json!([true])), "body");
    }

    #[test]
    fn every_unknown_key_is_named() {
        let Err(ApiError::Validation { details, .. }) =
            MonitoringChanges::from_body(json!({"a": 1, "b": 2, "upgrade": true}))
        else {
            panic!("not refused")
        };
        assert!(
            details["a"].is_string() && details["b"].is_string(),
            "{details}"
        );
    }
}
