//! The client side of the WebSocket protocol: parsing client messages and deciding who may
//! receive a hub message. Pure functions, tested here.

use serde_json::Value;

use crate::events::Audience;

/// The one room clients can join.
pub const DOWNLOADS_ROOM: &str = "downloads";

/// Every message type the server sends or understands (for `GET /ws/status`).
pub const MESSAGE_TYPES: [&str; 19] = [
    "connected",
    "ping",
    "pong",
    "download_progress",
    "download_complete",
    "download_failed",
    "download_added",
    "download_removed",
    "download_waiting",
    "episode_upgraded",
    "queue_status",
    "queue_started",
    "queue_stopped",
    "scan_progress",
    "scan_complete",
    "system_info",
    "site_status",
    "hoster_degraded",
    "error",
];

/// A message from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `{"action":"ping"}` or `{"type":"ping"}`.
    Ping,
    /// `{"action":"auth","data":{"token":"..."}}`.
    Auth(String),
    /// `{"action":"join","data":{"room":"..."}}`.
    Join(String),
    /// `{"action":"leave","data":{"room":"..."}}`.
    Leave(String),
}

/// Parses a text frame; the error is the text of the `error` message to answer.
pub fn parse(text: &str) -> Result<ClientMessage, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("Malformed message: {e}"))?;
    let Some(obj) = v.as_object() else {
        return Err("A message must be a JSON object with an \"action\"".into());
    };
    let action = obj
        .get("action")
        .or_else(|| obj.get("type"))
        .and_then(Value::as_str)
        .ok_or("A message needs an \"action\" (ping, auth, join, leave)")?;
    let field = |name: &str| -> Result<String, String> {
        obj.get("data")
            .and_then(|d| d.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("\"{action}\" needs data.{name}"))
    };
    match action {
        "ping" => Ok(ClientMessage::Ping),
        "auth" => field("token").map(ClientMessage::Auth),
        "join" => field("room").map(ClientMessage::Join),
        "leave" => field("room").map(ClientMessage::Leave),
        other => Err(format!(
            "Unknown action {other:?}; expected ping, auth, join or leave"
        )),
    }
}

/// Whether a client with this state may receive a message meant for `audience`.
pub fn may_receive(audience: Audience, authenticated: bool, in_downloads: bool) -> bool {
    match audience {
        Audience::Authenticated => authenticated,
        Audience::DownloadsRoom => authenticated && in_downloads,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ping_shapes_and_the_actions_parse() {
        assert_eq!(parse(r#"{"action":"ping"}"#), Ok(ClientMessage::Ping));
        assert_eq!(parse(r#"{"type":"ping"}"#), Ok(ClientMessage::Ping));
        assert_eq!(
            parse(r#"{"action":"auth","data":{"token":"t"}}"#),
            Ok(ClientMessage::Auth("t".into()))
        );
        assert_eq!(
            parse(r#"{"action":"join","data":{"room":"downloads"}}"#),
            Ok(ClientMessage::Join("downloads".into()))
        );
        assert_eq!(
            parse(r#"{"action":"leave","data":{"room":"downloads"}}"#),
            Ok(ClientMessage::Leave("downloads".into()))
        );
    }

    #[test]
    fn bad_messages_are_errors_not_panics() {
        for bad in [
            "",
            "not json",
            "[1]",
            "{}",
            r#"{"action":7}"#,
            r#"{"action":"join"}"#,
            r#"{"action":"auth","data":{"token":1}}"#,
            r#"{"action":"dance"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn download_events_need_auth_and_the_room() {
        assert!(!may_receive(Audience::DownloadsRoom, false, true));
        assert!(!may_receive(Audience::DownloadsRoom, true, false));
        assert!(may_receive(Audience::DownloadsRoom, true, true));
        assert!(!may_receive(Audience::Authenticated, false, false));
        assert!(may_receive(Audience::Authenticated, true, false));
    }
}
