//! WebSocket endpoints (api.md section 9): `/ws/connect` and `/ws/status`.
//!
//! `/ws/connect` is public at the HTTP level; the protocol authenticates (token in `?token=` or
//! a first `auth` message), see `crate::websocket::session`. Unauthenticated connections are capped
//! (`crate::websocket::limits`): a handshake beyond the cap answers 429.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::error::ApiError;
use crate::state::AppState;
use crate::websocket::protocol::MESSAGE_TYPES;
use crate::websocket::session;

/// OpenAPI description of this area.
#[derive(OpenApi)]
#[openapi(
    paths(get_ws_status),
    components(schemas(WsStatus)),
    tags((name = "websocket", description = "Live events. `GET /ws/connect` opens the WebSocket \
        (api.md section 9): token in `?token=` or a first `{\"action\":\"auth\",\"data\":{\"token\":...}}` \
        message; client messages `ping`, `auth`, `join`/`leave` (room `downloads`). It is not listed as a path \
        because it speaks WebSocket, not HTTP."))
)]
pub struct Doc;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/ws/status").route(web::get().to(get_ws_status)))
        .service(web::resource("/ws/connect").route(web::get().to(connect_ws)));
}

/// Answer of `GET /ws/status`.
#[derive(Serialize, ToSchema)]
pub struct WsStatus {
    /// `operational`.
    pub status: &'static str,
    /// Open WebSocket connections.
    pub active_connections: usize,
    /// Message types the server sends or understands.
    pub supported_message_types: Vec<&'static str>,
}

/// Query of `/ws/connect`.
#[derive(Deserialize)]
pub struct ConnectQuery {
    /// Access token; without it the client authenticates with an `auth` message.
    pub token: Option<String>,
}

/// State of the WebSocket service.
#[utoipa::path(get, path = "/ws/status", tag = "websocket",
    responses((status = 200, body = WsStatus)))]
pub async fn get_ws_status(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(WsStatus {
        status: "operational",
        active_connections: state.events.subscribers(),
        supported_message_types: MESSAGE_TYPES.to_vec(),
    })
}

/// Opens a WebSocket. Messages are `{"type","timestamp","data"}` from the server and
/// `{"action","data"}` from the client (`ping`, `auth`, `join`, `leave`).
pub async fn connect_ws(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ConnectQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let start = session::admit(&state, query.into_inner().token.as_deref()).await?;
    let (response, ws_session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::bad_request(format!("WebSocket handshake failed: {e}")))?;
    actix_web::rt::spawn(session::run(state, ws_session, stream, start));
    Ok(response)
}
