//! A small WebSocket client for the tests (tokio-tungstenite), reading JSON messages with a bound.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a read waits before the test fails.
const READ_WAIT: Duration = Duration::from_secs(30);

/// An open WebSocket.
pub struct WsClient {
    framed: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    /// Every message received so far, in order.
    pub seen: Vec<Value>,
}

impl WsClient {
    /// Connects to `/ws/connect` of `address` (`http://...`), with `?token=` when given.
    pub async fn connect(address: &str, token: Option<&str>) -> WsClient {
        Self::try_connect(address, token)
            .await
            .unwrap_or_else(|status| panic!("websocket handshake answered {status}"))
    }

    /// Like [`WsClient::connect`], but a refused handshake gives its HTTP status.
    pub async fn try_connect(address: &str, token: Option<&str>) -> Result<WsClient, u16> {
        let base = address.replacen("http://", "ws://", 1);
        let url = match token {
            Some(t) => format!("{base}/ws/connect?token={t}"),
            None => format!("{base}/ws/connect"),
        };
        match tokio_tungstenite::connect_async(url).await {
            Ok((framed, _res)) => Ok(WsClient {
                framed,
                seen: Vec::new(),
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
            Err(e) => panic!("websocket handshake: {e}"),
        }
    }

    /// Reads (bounded) until the server closes the socket; returns the close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            let frame = actix_web::rt::time::timeout(READ_WAIT, self.framed.next())
                .await
                .unwrap_or_else(|_| {
                    panic!("not closed within {READ_WAIT:?}; seen {:?}", self.types())
                });
            match frame {
                Some(Ok(Message::Close(Some(f)))) => {
                    return (u16::from(f.code), f.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None => return (0, String::new()),
                Some(Ok(Message::Text(text))) => {
                    self.seen
                        .push(serde_json::from_str(text.as_str()).unwrap_or(Value::Null));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("websocket error before the close frame: {e}"),
            }
        }
    }

    /// Sends a JSON text frame.
    pub async fn send(&mut self, v: &Value) {
        self.send_text(&v.to_string()).await;
    }

    /// Sends a raw text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.framed
            .send(Message::text(text.to_string()))
            .await
            .expect("websocket send");
    }

    /// The next JSON message (fails after the bound or when the socket closes).
    pub async fn next(&mut self) -> Value {
        loop {
            let frame = actix_web::rt::time::timeout(READ_WAIT, self.framed.next())
                .await
                .unwrap_or_else(|_| {
                    panic!("no message within {READ_WAIT:?}; seen {:?}", self.types())
                })
                .expect("socket open")
                .expect("valid frame");
            match frame {
                Message::Text(text) => {
                    let v: Value = serde_json::from_str(text.as_str()).expect("JSON message");
                    self.seen.push(v.clone());
                    return v;
                }
                Message::Close(reason) => panic!("socket closed: {reason:?}"),
                _ => continue,
            }
        }
    }

    /// Reads until a message of type `kind` arrives; returns it.
    pub async fn until(&mut self, kind: &str) -> Value {
        loop {
            let v = self.next().await;
            if v["type"] == kind {
                return v;
            }
        }
    }

    /// Reads until a message of type `kind` whose data satisfies `check`.
    pub async fn until_with(&mut self, kind: &str, check: impl Fn(&Value) -> bool) -> Value {
        loop {
            let v = self.until(kind).await;
            if check(&v["data"]) {
                return v;
            }
        }
    }

    /// Sends a ping and returns the messages that came before the `pong`.
    pub async fn drain_with_ping(&mut self) -> Vec<Value> {
        self.send(&json!({"action": "ping"})).await;
        let mut before = Vec::new();
        loop {
            let v = self.next().await;
            if v["type"] == "pong" {
                return before;
            }
            before.push(v);
        }
    }

    /// Types of every message seen so far.
    pub fn types(&self) -> Vec<String> {
        self.seen
            .iter()
            .map(|v| v["type"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// Authenticates by message and joins the downloads room.
    pub async fn auth_and_join(&mut self, token: &str) {
        self.send(&json!({"action": "auth", "data": {"token": token}}))
            .await;
        let v = self.until("system_info").await;
        assert_eq!(v["data"]["authenticated"], true, "{v}");
        self.join().await;
    }

    /// Joins the downloads room (asserting it worked).
    pub async fn join(&mut self) {
        self.send(&json!({"action": "join", "data": {"room": "downloads"}}))
            .await;
        let v = self.next().await;
        assert_eq!(v["type"], "system_info", "{v}");
        assert_eq!(v["data"]["room"], "downloads");
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.framed.close(None).await;
    }
}
