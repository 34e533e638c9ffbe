//! Fake notification receivers on 127.0.0.1: a webhook that checks the signature, ntfy,
//! Discord, Telegram, Gotify, Jellyfin and Plex on [`FakeServer`]s answering like the real
//! services, and [`FakeSmtp`], a small SMTP server on a std `TcpListener` that records every
//! message (and checks an `AUTH PLAIN` login when it is given one).
//!
//! Every HTTP fake records its requests ([`FakeServer::requests`]); a request with a wrong
//! token or signature answers 401 as the real service would, so tests see the error the
//! service reports.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::{FakeResponse, FakeServer, RecordedRequest};

/// The path of the fake webhook.
pub const WEBHOOK_PATH: &str = "/hooks/aniworld";

/// Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`, computed
/// here independently of the service.
pub fn signature_ok(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == hex
}

/// A webhook receiver at [`WEBHOOK_PATH`]: 200 when the body is signed with `secret` (or when
/// no secret is given), 401 otherwise.
pub fn webhook(secret: Option<&str>) -> FakeServer {
    let server = FakeServer::start();
    let secret = secret.map(str::to_string);
    server.route_method("POST", WEBHOOK_PATH, move |r| match &secret {
        Some(s) if !signature_ok(s, &r.body, r.header("x-aniworld-signature")) => {
            FakeResponse::json(&json!({"error": "bad signature"})).with_status(401)
        }
        _ => FakeResponse::json(&json!({"ok": true})),
    });
    server
}

/// An ntfy server: JSON publishing at `/` (401 without the right bearer token when `token` is
/// given).
pub fn ntfy(token: Option<&str>) -> FakeServer {
    let server = FakeServer::start();
    let auth = token.map(|t| format!("Bearer {t}"));
    server.route_method("POST", "/", move |r| {
        if auth.is_some() && r.header("authorization") != auth.as_deref() {
            return FakeResponse::json(
                &json!({"code": 40101, "http": 401, "error": "unauthorized"}),
            )
            .with_status(401);
        }
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        FakeResponse::json(&json!({"id": "x1", "event": "message", "topic": body["topic"]}))
    });
    server
}

/// A Discord webhook at `/api/webhooks/<id>/<token>`: 204 for that token, 401 for others.
pub fn discord(id: &str, token: &str) -> FakeServer {
    let server = FakeServer::start();
    let path = format!("/api/webhooks/{id}/{token}");
    server.route_method("POST", "/api/webhooks/*", move |r| {
        if r.path == path {
            FakeResponse::status(204)
        } else {
            FakeResponse::json(&json!({"message": "Invalid Webhook Token", "code": 50027}))
                .with_status(401)
        }
    });
    server
}

/// The Telegram Bot API for one bot: `sendMessage` answers `{"ok": true}` for `bot_token`
/// and 401 `Unauthorized` for any other token.
pub fn telegram(bot_token: &str) -> FakeServer {
    let server = FakeServer::start();
    let good = format!("/bot{bot_token}/sendMessage");
    server.route_method("POST", "/bot*", move |r| {
        if r.path == good {
            FakeResponse::json(&json!({"ok": true, "result": {"message_id": 1}}))
        } else {
            FakeResponse::json(
                &json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
            )
            .with_status(401)
        }
    });
    server
}

/// A Gotify server: `POST /message` with `X-Gotify-Key: <token>`, else 401.
pub fn gotify(token: &str) -> FakeServer {
    let server = FakeServer::start();
    let token = token.to_string();
    server.route_method("POST", "/message", move |r| {
        if r.header("x-gotify-key") == Some(token.as_str()) {
            FakeResponse::json(&json!({"id": 1, "appid": 1}))
        } else {
            FakeResponse::json(&json!({"error": "Unauthorized", "errorCode": 401,
                "errorDescription": "you need to provide a valid access token or user credentials to access this api"}))
                .with_status(401)
        }
    });
    server
}

/// Whether a request carries the right token in `header`; else the 401 it gets.
fn authorized(r: &RecordedRequest, header: &str, token: &str) -> Option<FakeResponse> {
    (r.header(header) != Some(token)).then(|| FakeResponse::status(401))
}

/// A Jellyfin server: `GET /System/Info` and `POST /Library/Media/Updated` (204) with
/// `X-Emby-Token: <api_key>`, else 401. A full scan (`/Library/Refresh`) answers 204 too, so a
/// test can see that it was not asked for.
pub fn jellyfin(api_key: &str) -> FakeServer {
    let server = FakeServer::start();
    let key = api_key.to_string();
    let k = key.clone();
    server.route_method("GET", "/System/Info", move |r| {
        authorized(r, "x-emby-token", &k).unwrap_or_else(|| {
            FakeResponse::json(&json!({"ServerName": "fake", "Version": "10.10.0"}))
        })
    });
    let k = key.clone();
    server.route_method("POST", "/Library/Media/Updated", move |r| {
        authorized(r, "x-emby-token", &k).unwrap_or_else(|| FakeResponse::status(204))
    });
    server.route_method("POST", "/Library/Refresh", move |r| {
        authorized(r, "x-emby-token", &key).unwrap_or_else(|| FakeResponse::status(204))
    });
    server
}

/// A Plex server with `sections` (key, title, location path): `GET /library/sections` as JSON
/// and `GET /library/sections/<key>/refresh[?path=...]` (200), with `X-Plex-Token: <token>`,
/// else 401.
pub fn plex(token: &str, sections: &[(&str, &str, &str)]) -> FakeServer {
    let server = FakeServer::start();
    let dirs: Vec<serde_json::Value> = sections
        .iter()
        .map(|(key, title, path)| {
            json!({"key": key, "type": "show", "title": title, "agent": "tv.plex.agents.series",
                "Location": [{"id": 1, "path": path}]})
        })
        .collect();
    let listing = json!({"MediaContainer": {"size": dirs.len(), "Directory": dirs}});
    let t = token.to_string();
    server.route_method("GET", "/library/sections", move |r| {
        authorized(r, "x-plex-token", &t).unwrap_or_else(|| FakeResponse::json(&listing))
    });
    let t = token.to_string();
    server.route_method("GET", "/library/sections/*", move |r| {
        authorized(r, "x-plex-token", &t).unwrap_or_else(|| FakeResponse::status(200))
    });
    server
}

/// One message an [`FakeSmtp`] received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmtpMessage {
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The DATA (headers and body, dot-unstuffed).
    pub data: String,
    /// The `AUTH PLAIN` user, when the client logged in.
    pub user: Option<String>,
}

/// A small SMTP server on 127.0.0.1 (no TLS): EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP,
/// QUIT. With a login set, a wrong one answers 535 and mail without one is refused (530).
pub struct FakeSmtp {
    port: u16,
    messages: Arc<Mutex<Vec<SmtpMessage>>>,
    stopped: Arc<AtomicBool>,
}

impl FakeSmtp {
    /// Starts a server that takes mail from anyone.
    pub fn start() -> Self {
        Self::start_with_login(None)
    }

    /// Starts a server that wants the login `(user, password)` when one is given.
    pub fn start_with_login(login: Option<(&str, &str)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake SMTP");
        let port = listener.local_addr().expect("address").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(AtomicBool::new(false));
        let login = login.map(|(u, p)| (u.to_string(), p.to_string()));
        let (m, s) = (messages.clone(), stopped.clone());
        thread::Builder::new()
            .name(format!("fake-smtp-{port}"))
            .spawn(move || {
                for conn in listener.incoming() {
                    if s.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(conn) = conn {
                        let (m, login) = (m.clone(), login.clone());
                        thread::spawn(move || {
                            let _ = session(conn, &m, login.as_ref());
                        });
                    }
                }
            })
            .expect("spawn fake SMTP");
        Self {
            port,
            messages,
            stopped,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<SmtpMessage> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One SMTP conversation.
fn session(
    conn: TcpStream,
    messages: &Mutex<Vec<SmtpMessage>>,
    login: Option<&(String, String)>,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let mut out = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    let mut say = |line: &str| out.write_all(format!("{line}\r\n").as_bytes());
    say("220 fake.smtp ESMTP ready")?;
    let mut msg = SmtpMessage::default();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            say("250-fake.smtp")?;
            say("250-AUTH PLAIN")?;
            say("250 8BITMIME")?;
        } else if upper.starts_with("HELO") {
            say("250 fake.smtp")?;
        } else if upper.starts_with("AUTH PLAIN") {
            let encoded = cmd.get(10..).unwrap_or("").trim().to_string();
            let encoded = if encoded.is_empty() {
                say("334 ")?;
                let mut l = String::new();
                reader.read_line(&mut l)?;
                l.trim().to_string()
            } else {
                encoded
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default();
            let parts: Vec<String> = decoded
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            let (user, pass) = (
                parts.get(1).cloned().unwrap_or_default(),
                parts.get(2).cloned().unwrap_or_default(),
            );
            if login.is_none_or(|(u, p)| *u == user && *p == pass) {
                msg.user = Some(user);
                say("235 2.7.0 Authentication successful")?;
            } else {
                say("535 5.7.8 Authentication credentials invalid")?;
            }
        } else if upper.starts_with("MAIL FROM:") {
            if login.is_some() && msg.user.is_none() {
                say("530 5.7.0 Authentication required")?;
                continue;
            }
            msg.from = address(&cmd[10..]);
            say("250 2.1.0 OK")?;
        } else if upper.starts_with("RCPT TO:") {
            msg.to.push(address(&cmd[8..]));
            say("250 2.1.5 OK")?;
        } else if upper == "DATA" {
            say("354 End data with <CR><LF>.<CR><LF>")?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l)? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            msg.data = data;
            messages.lock().unwrap().push(msg.clone());
            let user = msg.user.take();
            msg = SmtpMessage {
                user,
                ..Default::default()
            };
            say("250 2.0.0 OK queued")?;
        } else if upper == "RSET" || upper == "NOOP" {
            say("250 2.0.0 OK")?;
        } else if upper == "QUIT" {
            say("221 2.0.0 Bye")?;
            return Ok(());
        } else {
            say("502 5.5.2 Command not recognized")?;
        }
    }
}

/// `<a@b> SIZE=1` -> `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => arg[a + 1..b].to_string(),
        _ => arg.split_whitespace().next().unwrap_or("").to_string(),
    }
}
