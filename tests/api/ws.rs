//! The WebSocket protocol (api.md section 9) with a real client: authentication by query and by
//! message, rooms, ping/pong, malformed messages, the fields of every download/queue message,
//! and nothing for unauthenticated clients or clients outside the room.

use aniworld_testkit::Gate;
use aniworld_testkit::hoster::{Serving, media_bytes};
use serde_json::{Value, json};

use crate::queue_support::queue_world;
use crate::ws_support::WsClient;

const KEY: &str = "frieren";

const DOWNLOAD_TYPES: [&str; 8] = [
    "download_progress",
    "download_complete",
    "download_failed",
    "download_added",
    "download_removed",
    "queue_status",
    "queue_started",
    "queue_stopped",
];

fn assert_envelope(v: &Value, kind: &str) {
    assert_eq!(v["type"], kind, "{v}");
    let ts = v["timestamp"].as_str().expect("timestamp");
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    assert!(v["data"].is_object(), "{v}");
}

fn assert_item_names(data: &Value, id: &str) {
    assert_eq!(data["download_id"], id, "{data}");
    assert_eq!(data["id"], id, "{data}");
    assert_eq!(data["key"], KEY, "{data}");
    assert_eq!(data["folder"], KEY, "{data}");
}

#[actix_web::test]
async fn connected_ping_pong_and_malformed_messages() {
    let w = queue_world(|_| {}).await;
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    let hello = ws.next().await;
    assert_envelope(&hello, "connected");
    assert_eq!(hello["data"]["authenticated"], true);

    ws.send(&json!({"action": "ping"})).await;
    assert_envelope(&ws.next().await, "pong");
    ws.send(&json!({"type": "ping"})).await;
    assert_envelope(&ws.next().await, "pong");
    for bad in [
        "not json",
        "[1,2]",
        r#"{"action":"dance"}"#,
        r#"{"action":"join"}"#,
    ] {
        ws.send_text(bad).await;
        let e = ws.next().await;
        assert_envelope(&e, "error");
        assert!(e["data"]["message"].is_string(), "{e}");
    }
    ws.send(&json!({"action": "join", "data": {"room": "nowhere"}}))
        .await;
    assert_envelope(&ws.next().await, "error");
    // Still open.
    ws.send(&json!({"action": "ping"})).await;
    assert_envelope(&ws.next().await, "pong");

    let st = w.app.get("/ws/status", None).await;
    assert_eq!(st.status, 200);
    assert_eq!(st.json["status"], "operational");
    assert_eq!(st.json["active_connections"], 1, "{}", st.text);
    let types = st.json["supported_message_types"].as_array().unwrap();
    for t in DOWNLOAD_TYPES
        .iter()
        .chain(&["connected", "ping", "pong", "error"])
    {
        assert!(types.contains(&json!(t)), "{t}");
    }
    ws.close().await;
    crate::queue_support::poll("the connection count to drop", || async {
        let st = w.app.get("/ws/status", None).await;
        (st.json["active_connections"] == 0).then_some(())
    })
    .await;
}

#[actix_web::test]
async fn download_messages_carry_the_documented_fields() {
    let w = queue_world(|_| {}).await;
    let gate = Gate::new();
    let data = media_bytes(KEY, 1, 1, 120_000);
    w.sites
        .episode(KEY, 1, 1, data, Serving::TrickleAfter(30_000, gate.clone()));
    w.sites.episode(KEY, 1, 2, Vec::new(), Serving::Broken);

    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    assert_eq!(ws.next().await["type"], "connected");
    ws.join().await;

    let ids = w.add_ids(KEY, &[(1, 1)], "HIGH").await;
    let added = ws.until("download_added").await;
    assert_envelope(&added, "download_added");
    assert_item_names(&added["data"], &ids[0]);
    assert_eq!(added["data"]["status"], "pending");
    assert_eq!(added["data"]["priority"], "HIGH");
    assert_eq!(added["data"]["episode"]["episode"], 1);
    let status = ws.until("queue_status").await;
    assert_eq!(status["data"]["statistics"]["pending_count"], 1, "{status}");
    assert_eq!(status["data"]["is_running"], false);

    assert_eq!(w.post("/api/queue/start").await.status, 200);
    let started = ws.until("queue_started").await;
    assert_envelope(&started, "queue_started");
    assert_eq!(started["data"]["is_running"], true);
    let progress = ws.until("download_progress").await;
    assert_envelope(&progress, "download_progress");
    let p = &progress["data"];
    assert_eq!(p["download_id"], ids[0].as_str());
    assert_eq!(p["key"], KEY);
    assert_eq!(p["folder"], KEY);
    for f in ["percent", "speed_mbps", "downloaded_mb"] {
        assert!(p[f].is_number(), "{f} in {p}");
    }
    for f in ["eta_seconds", "total_mb"] {
        assert!(p.get(f).is_some(), "{f} in {p}");
    }
    assert!(p["total_mb"].as_f64().unwrap() > 0.1, "{p}");
    gate.open();
    let complete = ws.until("download_complete").await;
    assert_envelope(&complete, "download_complete");
    assert_item_names(&complete["data"], &ids[0]);
    assert_eq!(complete["data"]["status"], "completed");
    // Percent never went down.
    let percents: Vec<f64> = ws
        .seen
        .iter()
        .filter(|v| v["type"] == "download_progress")
        .map(|v| v["data"]["percent"].as_f64().unwrap())
        .collect();
    assert!(percents.windows(2).all(|p| p[0] <= p[1]), "{percents:?}");

    let failing = w.add_ids(KEY, &[(1, 2)], "NORMAL").await;
    let failed = ws.until("download_failed").await;
    assert_envelope(&failed, "download_failed");
    assert_item_names(&failed["data"], &failing[0]);
    assert_eq!(failed["data"]["status"], "failed");
    assert!(
        !failed["data"]["error"].as_str().unwrap().is_empty(),
        "{failed}"
    );

    let r = w
        .app
        .delete(&format!("/api/queue/{}", failing[0]), Some(&w.token))
        .await;
    assert_eq!(r.status, 204);
    let removed = ws.until("download_removed").await;
    assert_envelope(&removed, "download_removed");
    assert_eq!(removed["data"]["download_id"], failing[0].as_str());

    assert_eq!(w.post("/api/queue/stop").await.status, 200);
    let stopped = ws.until("queue_stopped").await;
    assert_envelope(&stopped, "queue_stopped");
    assert_eq!(stopped["data"]["is_running"], false);
    let status = ws
        .until_with("queue_status", |d| d["is_running"] == false)
        .await;
    assert_eq!(status["data"]["is_paused"], false);
    for f in [
        "total_items",
        "pending_count",
        "active_count",
        "completed_count",
        "failed_count",
        "total_downloaded_mb",
        "average_speed_mbps",
        "estimated_time_remaining",
    ] {
        assert!(
            status["data"]["statistics"].get(f).is_some(),
            "{f} in {status}"
        );
    }
    ws.close().await;
}

#[actix_web::test]
async fn auth_by_message_rooms_and_unauthenticated_clients() {
    let w = queue_world(|_| {}).await;
    w.sites
        .episode(KEY, 1, 1, media_bytes(KEY, 1, 1, 20_000), Serving::Fast);

    // No token: connected, then only pong and error.
    let mut anon = WsClient::connect(&w.app.address, None).await;
    let hello = anon.next().await;
    assert_eq!(hello["type"], "connected");
    assert_eq!(hello["data"]["authenticated"], false);
    anon.send(&json!({"action": "join", "data": {"room": "downloads"}}))
        .await;
    assert_eq!(anon.next().await["type"], "error");
    anon.send(&json!({"action": "auth", "data": {"token": "forged.token.value"}}))
        .await;
    assert_eq!(anon.next().await["type"], "error");
    // A bad query token is just unauthenticated.
    let mut bad = WsClient::connect(&w.app.address, Some("garbage")).await;
    assert_eq!(bad.next().await["data"]["authenticated"], false);

    // Authenticated by message, in the room.
    let mut member = WsClient::connect(&w.app.address, None).await;
    assert_eq!(member.next().await["type"], "connected");
    member.auth_and_join(&w.token).await;
    // Authenticated by query but outside the room.
    let mut outsider = WsClient::connect(&w.app.address, Some(&w.token)).await;
    assert_eq!(outsider.next().await["type"], "connected");
    // Joined, then left.
    let mut leaver = WsClient::connect(&w.app.address, Some(&w.token)).await;
    assert_eq!(leaver.next().await["type"], "connected");
    leaver.join().await;
    leaver
        .send(&json!({"action": "leave", "data": {"room": "downloads"}}))
        .await;
    assert_eq!(leaver.next().await["type"], "system_info");

    let ids = w.add_ids(KEY, &[(1, 1)], "NORMAL").await;
    assert_eq!(w.post("/api/queue/start").await.status, 200);
    let done = member.until("download_complete").await;
    assert_eq!(done["data"]["download_id"], ids[0].as_str());
    assert!(member.types().contains(&"download_added".to_string()));
    assert!(member.types().contains(&"queue_started".to_string()));

    // Every event was published before the member saw the completion; hub messages are handled
    // before a later client message, so whatever the others were sent precedes their pong.
    for (name, client) in [
        ("anonymous", &mut anon),
        ("bad token", &mut bad),
        ("outside the room", &mut outsider),
        ("left the room", &mut leaver),
    ] {
        let got = client.drain_with_ping().await;
        let leaked: Vec<&Value> = got
            .iter()
            .filter(|v| DOWNLOAD_TYPES.contains(&v["type"].as_str().unwrap_or("")))
            .collect();
        assert!(leaked.is_empty(), "{name} received {leaked:?}");
    }
    for t in anon.types().iter().chain(bad.types().iter()) {
        assert!(["connected", "pong", "error"].contains(&t.as_str()), "{t}");
    }
    for c in [anon, bad, member, outsider, leaver] {
        c.close().await;
    }
}

/// A WebSocket client on a raw socket that completes the handshake, joins the downloads room
/// and then never reads.
fn stalled_client(address: &str, token: &str) -> std::net::TcpStream {
    use std::io::{Read, Write};
    let host = address.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(host).unwrap();
    write!(
        sock,
        "GET /ws/connect?token={token} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        sock.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // A masked text frame (mask 0: the payload goes as is).
    let join = br#"{"action":"join","data":{"room":"downloads"}}"#;
    let mut frame = vec![0x81, 0x80 | join.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(join);
    sock.write_all(&frame).unwrap();
    sock
}

#[actix_web::test]
async fn a_client_that_reads_nothing_is_disconnected_and_the_queue_goes_on() {
    let w = queue_world(|_| {}).await;
    let _stalled = stalled_client(&w.app.address, &w.token);
    crate::queue_support::poll("the stalled client to be counted", || async {
        let st = w.app.get("/ws/status", None).await;
        (st.json["active_connections"] == 1).then_some(())
    })
    .await;
    // Adding and clearing 200 episodes publishes about 200 KiB of messages each time; the
    // stalled client's socket buffers fill up, its session waits at most 10 s, then it is
    // dropped. The queue answers at once all along.
    let eps: Vec<(u32, u32)> = (1..=200).map(|e| (1, e)).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let started = std::time::Instant::now();
        assert_eq!(w.add_ids(KEY, &eps, "NORMAL").await.len(), 200);
        let r = w.app.delete("/api/queue/pending", Some(&w.token)).await;
        assert_eq!(r.json["count"], 200);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the queue slowed down"
        );
        let st = w.app.get("/ws/status", None).await;
        if st.json["active_connections"] == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the stalled client was never disconnected"
        );
    }
    // A new client connects and works normally.
    let mut ws = WsClient::connect(&w.app.address, Some(&w.token)).await;
    assert_eq!(ws.next().await["type"], "connected");
    ws.send(&json!({"action": "ping"})).await;
    assert_eq!(ws.next().await["type"], "pong");
    ws.close().await;
}

#[actix_web::test]
async fn logout_closes_the_websockets_of_that_token_with_a_reason() {
    let app = crate::helpers::spawn_app().await;
    let token = app.token().await;
    let other = app.fresh_token().await;
    let mut by_query = WsClient::connect(&app.address, Some(&token)).await;
    assert_eq!(by_query.next().await["type"], "connected");
    let mut by_message = WsClient::connect(&app.address, None).await;
    assert_eq!(by_message.next().await["type"], "connected");
    by_message.auth_and_join(&token).await;
    let mut bystander = WsClient::connect(&app.address, Some(&other)).await;
    assert_eq!(bystander.next().await["type"], "connected");

    let r = app.post_empty("/api/auth/logout", Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for ws in [&mut by_query, &mut by_message] {
        let (code, reason) = ws.closed().await;
        assert_eq!(code, 1008, "{reason}");
        assert!(reason.contains("revoked"), "{reason}");
    }
    // Another token's session goes on.
    bystander.send(&json!({"action": "ping"})).await;
    assert_eq!(bystander.next().await["type"], "pong");
    bystander.close().await;
}

#[actix_web::test]
async fn a_websocket_closes_when_its_token_expires() {
    const SECRET: &str = "a-test-secret-a-test-secret-0123";
    let app = crate::helpers::spawn_app_with(
        |_| {},
        |s| s.overrides.jwt_secret = aniworld_core::Secret::new(Some(SECRET.into())),
    )
    .await;
    assert_eq!(app.setup().await.status, 201);
    // A token of this service that expires in two seconds.
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": "admin", "jti": uuid::Uuid::new_v4().to_string(), "iat": now, "exp": now + 2});
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let mut ws = WsClient::connect(&app.address, Some(&token)).await;
    let hello = ws.next().await;
    assert_eq!(hello["data"]["authenticated"], true, "{hello}");
    let started = std::time::Instant::now();
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[actix_web::test]
async fn unauthenticated_websockets_are_capped_and_closed_when_idle() {
    let app = crate::helpers::spawn_app().await;
    let token = app.token().await;
    app.state.ws_limits.set_max_unauthenticated(2);
    app.state
        .ws_limits
        .set_idle(std::time::Duration::from_secs(3));
    let mut a = WsClient::connect(&app.address, None).await;
    let mut b = WsClient::connect(&app.address, Some("not-a-token")).await;
    for ws in [&mut a, &mut b] {
        assert_eq!(ws.next().await["data"]["authenticated"], false);
    }
    // A third unauthenticated handshake is refused; authenticated ones are not counted.
    assert_eq!(
        WsClient::try_connect(&app.address, None).await.err(),
        Some(429)
    );
    let mut member = WsClient::connect(&app.address, Some(&token)).await;
    assert_eq!(member.next().await["type"], "connected");
    // Authenticating frees the slot and ends the idle timer.
    b.auth_and_join(&token).await;
    let mut c = WsClient::connect(&app.address, None).await;
    assert_eq!(c.next().await["type"], "connected");
    // Silent unauthenticated sessions are closed with a reason.
    for ws in [&mut a, &mut c] {
        let (code, reason) = ws.closed().await;
        assert_eq!(code, 1008, "{reason}");
        assert!(reason.contains("idle"), "{reason}");
    }
    // The authenticated ones stay, silent or not.
    for ws in [&mut b, &mut member] {
        ws.send(&json!({"action": "ping"})).await;
        assert_eq!(ws.until("pong").await["type"], "pong");
    }
    // The slots are free again.
    let mut d = WsClient::connect(&app.address, None).await;
    assert_eq!(d.next().await["type"], "connected");
    for ws in [b, member, d] {
        ws.close().await;
    }
}
