//! One WebSocket client: a task that reads the client's messages and the hub's broadcast.
//!
//! The client is authenticated by the `token` query parameter or a first `auth` message. Until
//! then it receives only `connected`, `pong` and `error`. Download events reach it after it
//! joined the `downloads` room and stop after `leave`. When it reads too slowly it misses hub
//! messages (the broadcast lags) and the session goes on; when it stops reading altogether for
//! [`SEND_TIMEOUT`], it is disconnected. The queue is never slowed by a client.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::protocol::{self, ClientMessage, DOWNLOADS_ROOM};
use crate::blocking::blocking;
use crate::events::{Envelope, EventHub};
use crate::state::AppState;

/// A client whose socket accepts nothing for this long is disconnected.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest client frame accepted, in bytes.
pub const MAX_FRAME: usize = 64 * 1024;

/// Whether `token` is a valid, unrevoked access token.
pub async fn token_is_valid(state: &web::Data<AppState>, token: &str) -> bool {
    let Some(claims) = state.auth.decode(token) else {
        return false;
    };
    if let Some(revoked) = state.auth.cached_revocation(&claims.jti) {
        return !revoked;
    }
    let auth = state.auth.clone();
    matches!(
        blocking(move || auth.check_revoked(&claims.jti)).await,
        Ok(false)
    )
}

/// The state of one connection.
struct Client {
    session: Session,
    authenticated: bool,
    in_downloads: bool,
}

/// Why the session ends.
struct Gone;

impl Client {
    /// Sends a text frame; a client that takes longer than [`SEND_TIMEOUT`] is gone.
    async fn send_text(&mut self, text: String) -> Result<(), Gone> {
        match tokio::time::timeout(SEND_TIMEOUT, self.session.text(text)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(Gone),
        }
    }

    async fn send(&mut self, kind: &str, data: Value) -> Result<(), Gone> {
        self.send_text(EventHub::envelope(kind, data).to_string())
            .await
    }

    async fn error(&mut self, message: impl Into<String>) -> Result<(), Gone> {
        self.send("error", json!({ "message": message.into() }))
            .await
    }

    /// Answers one client text frame.
    async fn on_text(&mut self, state: &web::Data<AppState>, text: &str) -> Result<(), Gone> {
        match protocol::parse(text) {
            Err(message) => self.error(message).await,
            Ok(ClientMessage::Ping) => self.send("pong", json!({})).await,
            Ok(ClientMessage::Auth(token)) => {
                if token_is_valid(state, &token).await {
                    self.authenticated = true;
                    self.send(
                        "system_info",
                        json!({ "message": "Authenticated", "authenticated": true }),
                    )
                    .await
                } else {
                    self.error("Invalid or expired token").await
                }
            }
            Ok(ClientMessage::Join(room)) | Ok(ClientMessage::Leave(room))
                if room != DOWNLOADS_ROOM =>
            {
                self.error(format!(
                    "Unknown room {room:?}; the only room is \"{DOWNLOADS_ROOM}\""
                ))
                .await
            }
            Ok(ClientMessage::Join(_)) if !self.authenticated => {
                self.error("Authentication required to join a room").await
            }
            Ok(ClientMessage::Join(room)) => {
                self.in_downloads = true;
                self.send(
                    "system_info",
                    json!({ "message": format!("Joined room {room}"), "room": room }),
                )
                .await
            }
            Ok(ClientMessage::Leave(room)) => {
                let was_in = std::mem::replace(&mut self.in_downloads, false);
                if self.authenticated {
                    self.send(
                        "system_info",
                        json!({ "message": format!("Left room {room}"), "room": room, "was_member": was_in }),
                    )
                    .await
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Forwards one hub message if this client may see it.
    async fn on_event(&mut self, env: &Arc<Envelope>) -> Result<(), Gone> {
        if protocol::may_receive(env.audience, self.authenticated, self.in_downloads) {
            self.send_text(env.text.clone()).await
        } else {
            Ok(())
        }
    }
}

/// Runs a connection until the client closes it, stops reading, or the server stops.
pub async fn run(
    state: web::Data<AppState>,
    session: Session,
    stream: MessageStream,
    authenticated: bool,
) {
    let mut events = state.events.subscribe();
    let mut stream = stream.max_frame_size(MAX_FRAME);
    let mut client = Client {
        session,
        authenticated,
        in_downloads: false,
    };
    let hello = json!({
        "message": "Connected to Aniworld",
        "authenticated": authenticated,
        "connection_id": uuid::Uuid::new_v4(),
    });
    let mut close_reason = None;
    if client.send("connected", hello).await.is_ok() {
        loop {
            // Hub messages first: one published before a client message arrived is handled
            // (sent or filtered) before the answer to that message.
            let step = tokio::select! {
                biased;
                ev = events.recv() => match ev {
                    Ok(env) => client.on_event(&env).await,
                    // A slow reader missed some messages: go on with the newest.
                    Err(RecvError::Lagged(n)) => {
                        log::debug!("websocket client lagged, {n} message(s) dropped");
                        Ok(())
                    }
                    Err(RecvError::Closed) => Err(Gone),
                },
                msg = stream.recv() => match msg {
                    Some(Ok(Message::Text(text))) => client.on_text(&state, &text).await,
                    Some(Ok(Message::Binary(_))) => client.error("Binary frames are not supported; send JSON text").await,
                    Some(Ok(Message::Ping(bytes))) => client.session.pong(&bytes).await.map_err(|_| Gone),
                    Some(Ok(Message::Close(reason))) => {
                        close_reason = reason;
                        Err(Gone)
                    }
                    Some(Ok(_)) => Ok(()),
                    Some(Err(e)) => {
                        log::debug!("websocket protocol error: {e}");
                        close_reason = Some(CloseReason::from(CloseCode::Protocol));
                        Err(Gone)
                    }
                    None => Err(Gone),
                },
            };
            if step.is_err() {
                break;
            }
        }
    }
    let _ = tokio::time::timeout(SEND_TIMEOUT, client.session.close(close_reason)).await;
}
