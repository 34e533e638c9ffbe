//! The one error type of the HTTP layer and its JSON shape (api.md section 11).
//!
//! Every handler returns `Result<_, ApiError>`; domain errors convert into it through the `From`
//! impls below, and status codes are chosen only here. The body is
//! `{"success": false, "error": CODE, "message", "details", "request_id"}`, except rate limits,
//! which answer `{"detail": ...}` with `Retry-After` as api.md section 12 shows. Server-side
//! failures get an opaque message; their cause is logged once, with the request id.
//!
//! Framework errors (malformed JSON, bad query strings, bad path segments) are mapped by the
//! handlers returned from [`json_config`], [`query_config`] and [`path_config`]; a body of the
//! wrong shape by [`body_error`] (through `crate::body::Json`); anything else that slips through
//! is reshaped by the request-context middleware (see `context.rs`).
//!
//! Every 422 names what it refuses in `details`: the offending field's JSON path under `field`
//! (`"episodes[0].season"`, or `"body"` for the body as a whole) and, keyed by that path, what is
//! wrong with it (`{"field": "episodes[0].season", "episodes[0].season": "invalid type: ..."}`).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, error, web};
use aniworld_core::ValidationIssue;
use aniworld_core::ports::RepoError;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::request_id;

/// Largest JSON body accepted, in bytes.
pub const JSON_LIMIT: usize = 256 * 1024;

/// The api.md error body: every error answer but 429.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Always false.
    pub success: bool,
    /// Machine-readable code: `BAD_REQUEST`, `VALIDATION_ERROR`, `AUTHENTICATION_ERROR`,
    /// `AUTHORIZATION_ERROR`, `NOT_FOUND_ERROR`, `CONFLICT_ERROR`, `PAYLOAD_TOO_LARGE`,
    /// `UNSUPPORTED_MEDIA_TYPE`, `METHOD_NOT_ALLOWED`, `SERVICE_UNAVAILABLE`, `CLIENT_ERROR` or
    /// `INTERNAL_ERROR`.
    pub error: String,
    /// What went wrong, for people.
    pub message: String,
    /// More context, or null. A 422 names the offending field's JSON path under `field` and,
    /// keyed by that path, what is wrong with it.
    #[schema(value_type = Option<Object>)]
    pub details: Value,
    /// The request id, also sent as `X-Request-Id`.
    pub request_id: Option<String>,
}

/// The body of a 429 (api.md section 12); `Retry-After` says when to try again.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateLimitBody {
    /// What was limited.
    pub detail: String,
}

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON syntax, empty body) or breaks a rule api.md answers with 400.
    #[error("{message}")]
    BadRequest {
        /// What is wrong, safe to show.
        message: String,
        /// Extra context (field -> problem), may be null.
        details: Value,
    },
    /// A field is missing, has the wrong type or an out-of-range value (422).
    #[error("{message}")]
    Validation {
        /// Summary, safe to show.
        message: String,
        /// Offending fields: field -> problem.
        details: Value,
    },
    /// No valid token, or wrong credentials (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// The resource named by the request does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state, e.g. a name that exists (409).
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than the server accepts (413).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not `application/json` (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A rate limit or the login lockout tripped (429 with `Retry-After`).
    #[error("{detail}")]
    RateLimited {
        /// Text of the `detail` field.
        detail: String,
        /// Seconds until a retry can succeed (at least 1).
        retry_after_secs: u64,
    },
    /// A dependency the request needs is not available (503), e.g. no TMDB key.
    #[error("{0}")]
    Unavailable(String),
    /// Any other client error the framework detected, with its status (4xx).
    #[error("{message}")]
    Client {
        /// The 4xx status.
        status: StatusCode,
        /// What is wrong.
        message: String,
    },
    /// A server-side failure. The context and the whole chain of causes are logged once, with
    /// the request id; the client gets an opaque message.
    #[error("internal error: {context}")]
    Internal {
        /// What was being done.
        context: String,
        /// The error that caused it, with its own sources.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl ApiError {
    /// A 422 naming one field (its JSON path).
    pub fn validation(field: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        ApiError::Validation {
            message: format!("Validation failed: {field}: {problem}"),
            details: field_details(field, problem),
        }
    }

    /// A 422 listing configuration issues (field -> message); `field` names the first.
    pub fn from_issues(issues: &[ValidationIssue]) -> Self {
        let mut details: serde_json::Map<String, Value> = issues
            .iter()
            .map(|i| (i.field.clone(), Value::String(i.message.clone())))
            .collect();
        if let Some(first) = issues.first() {
            details.insert("field".into(), Value::String(first.field.clone()));
        }
        let summary: Vec<String> = issues.iter().map(ToString::to_string).collect();
        ApiError::Validation {
            message: format!("Validation failed: {}", summary.join("; ")),
            details: details.into(),
        }
    }

    /// A 400 with a message and no details.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            details: Value::Null,
        }
    }

    /// A 401 with a message.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::Unauthorized(message.into())
    }

    /// A 500 whose cause is `what` (logged, not sent).
    pub fn internal(what: impl Into<String>) -> Self {
        ApiError::Internal {
            context: what.into(),
            source: None,
        }
    }

    /// A 500 caused by `source` while doing `context` (both logged, with every cause of
    /// `source`, never sent).
    pub fn internal_from(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        ApiError::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// Builds the error that best describes a bare status code (used for framework errors).
    pub fn from_status(status: StatusCode, message: impl Into<String>) -> Self {
        let message = message.into();
        match status.as_u16() {
            400 => ApiError::bad_request(message),
            401 => ApiError::Unauthorized(message),
            403 => ApiError::Forbidden(message),
            404 => ApiError::NotFound(message),
            409 => ApiError::Conflict(message),
            413 => ApiError::PayloadTooLarge(message),
            415 => ApiError::UnsupportedMediaType(message),
            422 => ApiError::Validation {
                message,
                details: Value::Null,
            },
            429 => ApiError::RateLimited {
                detail: message,
                retry_after_secs: 1,
            },
            503 => ApiError::Unavailable(message),
            402..=499 => ApiError::Client { status, message },
            _ => ApiError::internal(message),
        }
    }

    /// The machine-readable code of the body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "BAD_REQUEST",
            ApiError::Validation { .. } => "VALIDATION_ERROR",
            ApiError::Unauthorized(_) => "AUTHENTICATION_ERROR",
            ApiError::Forbidden(_) => "AUTHORIZATION_ERROR",
            ApiError::NotFound(_) => "NOT_FOUND_ERROR",
            ApiError::Conflict(_) => "CONFLICT_ERROR",
            ApiError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::RateLimited { .. } => "RATE_LIMIT_ERROR",
            ApiError::Unavailable(_) => "SERVICE_UNAVAILABLE",
            ApiError::Client { status, .. } if *status == StatusCode::METHOD_NOT_ALLOWED => {
                "METHOD_NOT_ALLOWED"
            }
            ApiError::Client { .. } => "CLIENT_ERROR",
            ApiError::Internal { .. } => "INTERNAL_ERROR",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Client { status, .. } => *status,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = request_id::current_request_id();
        let mut res = HttpResponse::build(self.status_code());
        let body = match self {
            ApiError::RateLimited {
                detail,
                retry_after_secs,
            } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.max(&1).to_string()));
                json!(RateLimitBody {
                    detail: detail.clone()
                })
            }
            ApiError::Internal { context, source } => {
                let mut chain = context.clone();
                let mut cause: Option<&(dyn std::error::Error + 'static)> = source
                    .as_deref()
                    .map(|s| s as &(dyn std::error::Error + 'static));
                while let Some(c) = cause {
                    chain.push_str(": ");
                    chain.push_str(&c.to_string());
                    cause = c.source();
                }
                log::error!("request {}: {chain}", request_id.as_deref().unwrap_or("-"));
                error_body(
                    self.code(),
                    "Internal server error",
                    Value::Null,
                    request_id.as_deref(),
                )
            }
            ApiError::BadRequest { message, details }
            | ApiError::Validation { message, details } => {
                error_body(self.code(), message, details.clone(), request_id.as_deref())
            }
            ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::Unavailable(m)
            | ApiError::Client { message: m, .. } => {
                error_body(self.code(), m, Value::Null, request_id.as_deref())
            }
        };
        if matches!(self, ApiError::Unauthorized(_)) {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        res.json(body)
    }
}

/// `details` of a 422 naming one field: `{"field": path, path: problem}`, plus the problem under
/// the top-level field of a nested path (`episodes` for `episodes[1].season`), the key clients of
/// the older API read.
pub fn field_details(field: &str, problem: impl Into<String>) -> Value {
    let problem = problem.into();
    let mut details = serde_json::Map::new();
    if let Some(top) = field
        .split(['.', '['])
        .next()
        .filter(|t| !t.is_empty() && *t != field)
    {
        details.insert(top.to_string(), Value::String(problem.clone()));
    }
    details.insert(field.to_string(), Value::String(problem));
    details.insert("field".to_string(), Value::String(field.to_string()));
    Value::Object(details)
}

/// The api.md error body.
fn error_body(code: &str, message: &str, details: Value, request_id: Option<&str>) -> Value {
    json!(ErrorBody {
        success: false,
        error: code.to_string(),
        message: message.to_string(),
        details,
        request_id: request_id.map(str::to_string),
    })
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound(what) => ApiError::NotFound(format!("Not found: {what}")),
            RepoError::Conflict(what) => ApiError::Conflict(format!("Already exists: {what}")),
            RepoError::Backend(what) => ApiError::internal(format!("storage: {what}")),
        }
    }
}

impl From<aniworld_store::StoreError> for ApiError {
    fn from(e: aniworld_store::StoreError) -> Self {
        ApiError::internal_from("store", e)
    }
}

impl From<aniworld_service::ConfigError> for ApiError {
    fn from(e: aniworld_service::ConfigError) -> Self {
        use aniworld_service::ConfigError as C;
        match e {
            C::Invalid(issues) => ApiError::from_issues(&issues),
            C::Patch(msg) => ApiError::Validation {
                message: format!("Validation failed: {msg}"),
                details: field_details(serde_field(&msg).unwrap_or("body"), msg.as_str()),
            },
            C::UnknownKeys(keys) => ApiError::from_issues(
                &keys
                    .into_iter()
                    .map(|k| ValidationIssue::new(k, "unknown key: no such setting"))
                    .collect::<Vec<_>>(),
            ),
            C::BadBackupName(name) => ApiError::validation(
                "backup_name",
                format!(
                    "{name:?} is not a valid backup name ([A-Za-z0-9._-], 1 to 64 characters, not starting with a dot)"
                ),
            ),
            C::BackupNotFound(name) => ApiError::NotFound(format!("Backup '{name}' not found")),
            C::BackupExists(name) => ApiError::Conflict(format!("Backup '{name}' already exists")),
            e @ (C::Io { .. } | C::Parse { .. }) => ApiError::internal_from("configuration", e),
        }
    }
}

impl From<aniworld_service::ServiceError> for ApiError {
    fn from(e: aniworld_service::ServiceError) -> Self {
        use aniworld_service::ServiceError as S;
        match e {
            S::Invalid { field, problem } => ApiError::validation(&field, problem),
            S::InvalidSettings(issues) => ApiError::from_issues(&issues),
            S::NotFound(m) => ApiError::NotFound(m),
            S::Unavailable(m) => ApiError::Unavailable(m),
            S::Repo(e) => e.into(),
            S::Catalogue(e) => e.into(),
            S::Library(e) => e.into(),
            S::Queue(e) => e.into(),
            S::Config(e) => e.into(),
            S::Nfo(e) => e.into(),
        }
    }
}

impl From<aniworld_metadata::MetadataError> for ApiError {
    fn from(e: aniworld_metadata::MetadataError) -> Self {
        use aniworld_metadata::MetadataError as M;
        match e {
            M::NoApiKey => ApiError::Unavailable(
                "No TMDB API key is configured: set nfo.tmdb_api_key in the configuration, \
                 --tmdb-api-key or ANIWORLD_TMDB_API_KEY"
                    .into(),
            ),
            M::Unauthorized { .. } => ApiError::Unavailable(format!(
                "TMDB refused the configured API key (check nfo.tmdb_api_key): {e}"
            )),
            M::NotFound { ref what } => ApiError::NotFound(format!("Not found on TMDB: {what}")),
            M::NfoMissing { ref path } => ApiError::NotFound(format!(
                "No tvshow.nfo in {} (create it first)",
                path.display()
            )),
            M::AlreadyExists { ref path } => ApiError::Conflict(format!(
                "{} already exists (set overwrite_existing to replace it)",
                path.display()
            )),
            M::InvalidNfo { .. } => {
                ApiError::Conflict(format!("{e}; create it again with overwrite_existing"))
            }
            // NFOs and artwork live in the library folder: a failure there (permissions, a
            // read-only or full disk, a vanished mount) is the folder's state, not a server bug.
            M::Io { .. } => ApiError::Unavailable(format!(
                "The anime folder cannot be used: {e}; check that the service can write there"
            )),
            e => ApiError::Unavailable(format!("TMDB is unavailable: {e}")),
        }
    }
}

impl From<aniworld_service::NfoError> for ApiError {
    fn from(e: aniworld_service::NfoError) -> Self {
        use aniworld_service::NfoError as N;
        match e {
            N::UnknownSeries(_) => ApiError::NotFound(e.to_string()),
            N::NoAnimeDirectory => ApiError::Unavailable(e.to_string()),
            N::UnsafeFolder { .. } => ApiError::internal_from("metadata", e),
            N::Repo(r) => r.into(),
            N::Metadata(m) => m.into(),
        }
    }
}

impl From<aniworld_service::NotificationError> for ApiError {
    fn from(e: aniworld_service::NotificationError) -> Self {
        use aniworld_service::NotificationError as N;
        match e {
            N::UnknownTarget(_) => ApiError::NotFound(e.to_string()),
            N::Repo(r) => r.into(),
        }
    }
}

impl From<aniworld_service::HistoryError> for ApiError {
    fn from(e: aniworld_service::HistoryError) -> Self {
        use aniworld_service::HistoryError as H;
        match e {
            H::Invalid { field, problem } => ApiError::validation(field, problem),
            e @ H::Store(_) => ApiError::internal_from("history", e),
        }
    }
}

impl From<aniworld_service::MetricsError> for ApiError {
    fn from(e: aniworld_service::MetricsError) -> Self {
        match e {
            aniworld_service::MetricsError::Off => ApiError::NotFound(e.to_string()),
            aniworld_service::MetricsError::Unauthorized => ApiError::unauthorized(e.to_string()),
        }
    }
}

impl From<aniworld_queue::engine::QueueError> for ApiError {
    fn from(e: aniworld_queue::engine::QueueError) -> Self {
        use aniworld_queue::engine::QueueError as Q;
        match e {
            Q::NotFound(id) => ApiError::NotFound(format!("Queue item '{id}' not found")),
            Q::Validation { field, message } => ApiError::validation(&field, message),
            Q::NoAnimeDirectory => ApiError::bad_request(e.to_string()),
            Q::Repo(r) => r.into(),
        }
    }
}

impl From<aniworld_library::LibraryError> for ApiError {
    fn from(e: aniworld_library::LibraryError) -> Self {
        use aniworld_library::LibraryError as L;
        match e {
            L::NoAnimeDirectory => ApiError::Unavailable(
                "No anime directory is configured; set one with POST /api/config/directory \
                 (or start with --anime-dir)"
                    .into(),
            ),
            L::AnimeDirMissing { .. } => ApiError::Unavailable(format!(
                "{e}; mount or create it, or choose another with POST /api/config/directory"
            )),
            L::AlreadyExists { key } => {
                ApiError::Conflict(format!("Series '{key}' is already in the library"))
            }
            L::FolderTaken { folder, key } => ApiError::Conflict(format!(
                "The folder '{folder}' already belongs to the series '{key}' (the same title and \
                 year); two series in one folder would count each other's episodes"
            )),
            L::ScanInProgress => ApiError::Conflict("A library scan is already in progress".into()),
            L::Source(s) => s.into(),
            L::Repo(r) => r.into(),
            L::InvalidName { .. } => ApiError::validation("name", e.to_string()),
            // Reading or writing in the library folder failed (permissions, a read-only or full
            // disk, a file where a folder belongs): a 503 naming the path, never a 500.
            L::Io { .. } => ApiError::Unavailable(format!(
                "The anime folder cannot be used: {e}; check that the service can write there"
            )),
            L::UnusableFolder { .. } => {
                ApiError::validation("other.anime_directory", e.to_string())
            }
        }
    }
}

impl From<aniworld_core::ports::SourceError> for ApiError {
    fn from(e: aniworld_core::ports::SourceError) -> Self {
        use aniworld_core::ports::SourceErrorKind as K;
        match e.kind {
            K::NotFound => ApiError::NotFound(e.message),
            K::Blocked => ApiError::Unavailable(format!(
                "The catalogue refused the request (anti-bot protection): {}",
                e.message
            )),
            K::Network => {
                ApiError::Unavailable(format!("The catalogue could not be reached: {}", e.message))
            }
            K::Layout => ApiError::Unavailable(format!(
                "The catalogue answered with an unexpected page: {}",
                e.message
            )),
            K::Cancelled => ApiError::Unavailable(e.message),
            K::VerificationRequired => ApiError::Unavailable(format!(
                "The catalogue asks for a human verification; try again later: {}",
                e.message
            )),
        }
    }
}

impl From<aniworld_provider::ProviderError> for ApiError {
    fn from(e: aniworld_provider::ProviderError) -> Self {
        use aniworld_provider::ProviderError as P;
        match e {
            P::InvalidLink { .. } => ApiError::validation("link", e.to_string()),
            P::InvalidQuery { .. } => ApiError::validation("query", e.to_string()),
            other => aniworld_core::ports::SourceError::from(other).into(),
        }
    }
}

impl From<error::BlockingError> for ApiError {
    fn from(_: error::BlockingError) -> Self {
        ApiError::internal("the blocking task pool failed or the task panicked")
    }
}

/// The field a serde message names (``missing field `x` ``, or a dotted configuration path
/// leading the message as in `download.verify: unknown variant ...`), if any.
pub fn serde_field(message: &str) -> Option<&str> {
    if let Some(rest) = message.strip_prefix("missing field `") {
        return rest.split('`').next();
    }
    let (path, _) = message.split_once(": ")?;
    let dotted = path.contains('.')
        && path
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    dotted.then_some(path)
}

/// Maps a JSON body error: syntax errors and empty bodies are 400, wrong shapes 422, size 413.
pub fn json_error(err: error::JsonPayloadError) -> ApiError {
    use error::JsonPayloadError as J;
    match &err {
        J::Deserialize(e) if e.is_data() => {
            let msg = e.to_string();
            ApiError::Validation {
                message: format!("Invalid request body: {msg}"),
                details: field_details(serde_field(&msg).unwrap_or("body"), msg.as_str()),
            }
        }
        J::Deserialize(e) if e.is_eof() && e.line() == 1 && e.column() == 0 => {
            ApiError::bad_request("The request body is empty; a JSON document is required")
        }
        J::Deserialize(e) => ApiError::bad_request(format!("Malformed JSON: {e}")),
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge(format!("The request body is larger than {limit} bytes"))
        }
        J::ContentType => ApiError::UnsupportedMediaType(
            "The request body must be JSON sent with Content-Type: application/json".into(),
        ),
        other => ApiError::bad_request(format!("Could not read the request body: {other}")),
    }
}

/// A body that is well-formed JSON of the wrong shape: 422 naming the offending field's JSON
/// path. A missing or unknown field is named by its own path (`episodes[0].season`), not its
/// parent's.
pub fn body_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let problem = err.inner().to_string();
    let parent = (path != ".").then_some(path.as_str());
    // serde reports these at the enclosing object; the field named in backticks is the culprit.
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|p| problem.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let field = match (named, parent) {
        (Some(name), Some(parent)) => format!("{parent}.{name}"),
        (Some(name), None) => name.to_string(),
        (None, Some(parent)) => parent.to_string(),
        (None, None) => "body".to_string(),
    };
    ApiError::Validation {
        message: format!("Invalid request body: {field}: {problem}"),
        details: field_details(&field, problem),
    }
}

/// `JsonConfig` with the api.md error shape; register it once on the app. A body must be sent as
/// `application/json` (or a `+json` type): anything else, no `Content-Type` included, is 415, so
/// a cross-site form or `no-cors` fetch cannot reach a JSON endpoint.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .content_type_required(true)
        .error_handler(|err, _req: &HttpRequest| json_error(err).into())
}

/// `QueryConfig` answering 422 `VALIDATION_ERROR` for bad query strings.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req: &HttpRequest| {
        let msg = err.to_string();
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.contains("field `"))
            .unwrap_or("query")
            .to_string();
        ApiError::Validation {
            message: format!("Invalid query parameters: {msg}"),
            details: field_details(&field, msg),
        }
        .into()
    })
}

/// `PathConfig` answering 404: a path segment that does not parse names nothing that exists.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req: &HttpRequest| {
        ApiError::NotFound(format!("Not found: {err}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn check(err: ApiError, status: u16, code: Option<&str>) -> Value {
        let res = err.error_response();
        assert_eq!(res.status().as_u16(), status);
        let body: Value =
            serde_json::from_slice(&to_bytes(res.into_body()).await.unwrap()).unwrap();
        match code {
            Some(code) => {
                assert_eq!(body["success"], false);
                assert_eq!(body["error"], code);
                assert!(body["message"].is_string());
                assert!(body.get("request_id").is_some());
            }
            None => assert!(body["detail"].is_string()),
        }
        body
    }

    #[actix_web::test]
    async fn statuses_and_codes_are_pinned() {
        check(ApiError::bad_request("x"), 400, Some("BAD_REQUEST")).await;
        let v = check(
            ApiError::validation("page", "must be positive"),
            422,
            Some("VALIDATION_ERROR"),
        )
        .await;
        assert_eq!(v["details"]["page"], "must be positive");
        check(
            ApiError::unauthorized("x"),
            401,
            Some("AUTHENTICATION_ERROR"),
        )
        .await;
        check(
            ApiError::Forbidden("x".into()),
            403,
            Some("AUTHORIZATION_ERROR"),
        )
        .await;
        check(ApiError::NotFound("x".into()), 404, Some("NOT_FOUND_ERROR")).await;
        check(ApiError::Conflict("x".into()), 409, Some("CONFLICT_ERROR")).await;
        check(
            ApiError::RateLimited {
                detail: "slow".into(),
                retry_after_secs: 7,
            },
            429,
            None,
        )
        .await;
        check(
            ApiError::Unavailable("x".into()),
            503,
            Some("SERVICE_UNAVAILABLE"),
        )
        .await;
    }

    #[actix_web::test]
    async fn internal_errors_are_opaque() {
        let v = check(
            ApiError::internal("disk /secret/path failed"),
            500,
            Some("INTERNAL_ERROR"),
        )
        .await;
        assert!(!v.to_string().contains("/secret/path"));
    }

    #[actix_web::test]
    async fn rate_limits_carry_retry_after() {
        let res = ApiError::RateLimited {
            detail: "slow".into(),
            retry_after_secs: 0,
        }
        .error_response();
        assert_eq!(res.headers().get("retry-after").unwrap(), "1");
    }

    #[test]
    fn repo_errors_map_to_statuses() {
        let s = |e: RepoError| ApiError::from(e).status_code().as_u16();
        assert_eq!(s(RepoError::NotFound("k".into())), 404);
        assert_eq!(s(RepoError::Conflict("k".into())), 409);
        assert_eq!(s(RepoError::Backend("k".into())), 500);
    }

    #[test]
    fn field_details_name_the_path_and_keep_the_top_level_key() {
        let check =
            |field: &str, expected: Value| assert_eq!(field_details(field, "bad"), expected);
        check("page", json!({"page": "bad", "field": "page"}));
        check(
            "episodes[1].season",
            json!({"episodes[1].season": "bad", "episodes": "bad", "field": "episodes[1].season"}),
        );
        check(
            "download.verify",
            json!({"download.verify": "bad", "download": "bad", "field": "download.verify"}),
        );
        check("body", json!({"body": "bad", "field": "body"}));
    }

    #[test]
    fn serde_field_finds_missing_fields() {
        assert_eq!(
            serde_field("missing field `password` at line 1 column 2"),
            Some("password")
        );
        assert_eq!(serde_field("invalid type: string"), None);
        assert_eq!(
            serde_field("download.verify: unknown variant `x`, expected one of `auto`"),
            Some("download.verify")
        );
        assert_eq!(serde_field("Invalid value: 3.5"), None);
    }
}
