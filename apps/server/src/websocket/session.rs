//! One WebSocket client: a task that reads the client's messages and the hub's broadcast.
//!
//! The client is authenticated by the `token` query parameter or a first `auth` message. Until
//! then it receives only `connected`, `pong` and `error`. Download events reach it after it
//! joined the `downloads` room and stop after `leave`. When it reads too slowly it misses hub
//! messages (the broadcast lags) and the session goes on; when it stops reading altogether for
//! [`SEND_TIMEOUT`], it is disconnected. The queue is never slowed by a client.
//!
//! An authenticated session ends with a close frame (code 1008, policy) and a reason when its
//! token is revoked by logout or expires. An unauthenticated session holds one of the capped
//! slots of `super::limits` and is closed the same way after a short time without any message.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::limits::AnonymousSlot;
use super::protocol::{self, ClientMessage, DOWNLOADS_ROOM};
use crate::auth::tokens::Claims;
use crate::blocking::blocking;
use crate::error::ApiError;
use crate::events::{Envelope, EventHub};
use crate::state::AppState;

/// A client whose socket accepts nothing for this long is disconnected.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest client frame accepted, in bytes.
pub const MAX_FRAME: usize = 64 * 1024;

/// Close reason of a session whose token was revoked.
pub const REASON_REVOKED: &str = "token revoked (logged out)";
/// Close reason of a session whose token expired.
pub const REASON_EXPIRED: &str = "token expired";
/// Close reason of an unauthenticated session that stayed silent too long.
pub const REASON_IDLE: &str = "not authenticated and idle";

/// The claims of `token` when it is a valid, unrevoked access token.
pub async fn valid_claims(state: &web::Data<AppState>, token: &str) -> Option<Claims> {
    let claims = state.auth.decode(token)?;
    let revoked = match state.auth.cached_revocation(&claims.jti) {
        Some(revoked) => revoked,
        None => {
            let (auth, jti) = (state.auth.clone(), claims.jti.clone());
            blocking(move || auth.check_revoked(&jti))
                .await
                .unwrap_or(true)
        }
    };
    (!revoked).then_some(claims)
}

/// A policy close frame with `reason`.
fn policy_close(reason: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code: CloseCode::Policy,
        description: Some(reason.to_string()),
    })
}

/// When a token expires, on the runtime's clock.
fn expiry_of(claims: &Claims) -> Instant {
    let left = claims.exp.saturating_sub(chrono::Utc::now().timestamp());
    Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0))
}

/// How an authenticated session was authenticated.
struct Auth {
    /// The id of its token (ends the session when revoked).
    jti: String,
    /// When its token expires.
    expires: Instant,
}

/// The state of one connection.
struct Client {
    session: Session,
    /// Set once authenticated.
    auth: Option<Auth>,
    /// Held while unauthenticated.
    anonymous: Option<AnonymousSlot>,
    in_downloads: bool,
}

/// Why the session ends.
struct Gone;

impl Client {
    fn authenticated(&self) -> bool {
        self.auth.is_some()
    }

    fn authenticate(&mut self, claims: &Claims) {
        self.auth = Some(Auth {
            jti: claims.jti.clone(),
            expires: expiry_of(claims),
        });
        self.anonymous = None;
    }

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
                if let Some(claims) = valid_claims(state, &token).await {
                    self.authenticate(&claims);
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
            Ok(ClientMessage::Join(_)) if !self.authenticated() => {
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
                if self.authenticated() {
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
        if protocol::may_receive(env.audience, self.authenticated(), self.in_downloads) {
            self.send_text(env.text.clone()).await
        } else {
            Ok(())
        }
    }
}

/// How a connection starts: authenticated by its `?token=`, or holding an unauthenticated slot.
pub enum Start {
    /// The claims of the valid query token.
    Authenticated(Claims),
    /// No valid token yet.
    Anonymous(AnonymousSlot),
}

/// Decides how a connection starts: authenticated by a valid `token`, else in an unauthenticated
/// slot; 429 when every slot is taken.
pub async fn admit(state: &web::Data<AppState>, token: Option<&str>) -> Result<Start, ApiError> {
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    if let Some(claims) = match token {
        Some(t) => valid_claims(state, t).await,
        None => None,
    } {
        return Ok(Start::Authenticated(claims));
    }
    let slot = state
        .ws_limits
        .admit()
        .ok_or_else(|| ApiError::RateLimited {
            detail: "Too many unauthenticated WebSocket connections; connect with ?token=".into(),
            retry_after_secs: state.ws_limits.idle().as_secs().max(1),
        })?;
    Ok(Start::Anonymous(slot))
}

/// Runs a connection until the client closes it, stops reading, its token is revoked or
/// expires, it idles unauthenticated, or the server stops.
pub async fn run(
    state: web::Data<AppState>,
    session: Session,
    stream: MessageStream,
    start: Start,
) {
    let mut events = state.events.subscribe();
    let mut revocations = state.auth.revocations_feed();
    let mut stream = stream.max_frame_size(MAX_FRAME);
    let mut client = Client {
        session,
        auth: None,
        anonymous: None,
        in_downloads: false,
    };
    match start {
        Start::Authenticated(claims) => client.authenticate(&claims),
        Start::Anonymous(slot) => client.anonymous = Some(slot),
    }
    let hello = json!({
        "message": "Connected to Aniworld",
        "authenticated": client.authenticated(),
        "connection_id": uuid::Uuid::new_v4(),
    });
    let mut close_reason = None;
    // A logout between the handshake's check and the subscription above is in the cache.
    let revoked_meanwhile = client
        .auth
        .as_ref()
        .is_some_and(|a| state.auth.cached_revocation(&a.jti) == Some(true));
    if revoked_meanwhile {
        close_reason = policy_close(REASON_REVOKED);
    } else if client.send("connected", hello).await.is_ok() {
        let far = Instant::now() + Duration::from_secs(365 * 24 * 3600);
        let mut last_heard = Instant::now();
        loop {
            let expires = client.auth.as_ref().map_or(far, |a| a.expires);
            let idle_until = last_heard + state.ws_limits.idle();
            // Revocation and timers first, then hub messages: one published before a client
            // message arrived is handled (sent or filtered) before the answer to that message.
            let step = tokio::select! {
                biased;
                jti = revocations.recv(), if client.authenticated() => match jti {
                    Ok(jti) if client.auth.as_ref().is_some_and(|a| a.jti == jti) => {
                        close_reason = policy_close(REASON_REVOKED);
                        Err(Gone)
                    }
                    Ok(_) => Ok(()),
                    // Missed some: ask the cache, which logout fills before announcing.
                    Err(RecvError::Lagged(_)) => {
                        let jti = client.auth.as_ref().map_or("", |a| a.jti.as_str());
                        if state.auth.cached_revocation(jti) == Some(true) {
                            close_reason = policy_close(REASON_REVOKED);
                            Err(Gone)
                        } else {
                            Ok(())
                        }
                    }
                    Err(RecvError::Closed) => Err(Gone),
                },
                () = tokio::time::sleep_until(expires), if client.authenticated() => {
                    close_reason = policy_close(REASON_EXPIRED);
                    Err(Gone)
                }
                () = tokio::time::sleep_until(idle_until), if !client.authenticated() => {
                    close_reason = policy_close(REASON_IDLE);
                    Err(Gone)
                }
                ev = events.recv() => match ev {
                    Ok(env) => client.on_event(&env).await,
                    // A slow reader missed some messages: go on with the newest.
                    Err(RecvError::Lagged(n)) => {
                        log::debug!("websocket client lagged, {n} message(s) dropped");
                        Ok(())
                    }
                    Err(RecvError::Closed) => Err(Gone),
                },
                msg = stream.recv() => {
                    last_heard = Instant::now();
                    match msg {
                        Some(Ok(Message::Text(text))) => client.on_text(&state, &text).await,
                        Some(Ok(Message::Binary(_))) => {
                            client.error("Binary frames are not supported; send JSON text").await
                        }
                        Some(Ok(Message::Ping(bytes))) => {
                            client.session.pong(&bytes).await.map_err(|_| Gone)
                        }
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
                    }
                },
            };
            if step.is_err() {
                break;
            }
        }
    }
    let _ = tokio::time::timeout(SEND_TIMEOUT, client.session.close(close_reason)).await;
}
