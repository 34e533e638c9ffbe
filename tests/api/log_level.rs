//! `logging.level` changed through the API applies at once, without a restart (unless the level
//! was given with `--log-level`/`ANIWORLD_LOG`, which wins).

use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Binary, PASSWORD, client, send, start_binary, test_config, write_config};

async fn call(
    bin: &Binary,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> u16 {
    send(&client(), &bin.address, method, path, token, body, &[])
        .await
        .status
}

/// Waits (bounded) for a stderr line containing `needle`.
fn wait_for_line(bin: &Binary, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !bin
        .stderr
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains(needle))
    {
        assert!(
            Instant::now() < deadline,
            "no line with {needle:?} in {:?}",
            bin.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[actix_web::test]
async fn a_changed_log_level_applies_at_once() {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config["logging"]["level"] = json!("INFO");
    write_config(data.path(), &config);
    let bin = start_binary(data.path(), cwd.path(), &[]);
    let setup = json!({"master_password": PASSWORD});
    assert_eq!(
        call(&bin, Method::POST, "/api/auth/setup", None, Some(&setup)).await,
        201
    );
    let r = send(
        &client(),
        &bin.address,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&json!({"password": PASSWORD})),
        &[],
    )
    .await;
    let token = r.json["access_token"].as_str().unwrap().to_string();
    let t = Some(token.as_str());

    // INFO: the access log shows every request.
    assert_eq!(
        call(&bin, Method::GET, "/marker-info-1", t, None).await,
        404
    );
    wait_for_line(&bin, "GET /marker-info-1 404");

    // WARNING: from the answer of the change on, access lines are gone...
    let warning = json!({"logging": {"level": "WARNING"}});
    assert_eq!(
        call(&bin, Method::PUT, "/api/config", t, Some(&warning)).await,
        200
    );
    assert_eq!(
        call(&bin, Method::GET, "/marker-warning", t, None).await,
        404
    );
    // ...and DEBUG brings them back at once, with the debug lines.
    let debug = json!({"logging": {"level": "DEBUG"}});
    assert_eq!(
        call(&bin, Method::PUT, "/api/config", t, Some(&debug)).await,
        200
    );
    wait_for_line(&bin, "log level is now DEBUG");
    assert_eq!(call(&bin, Method::GET, "/marker-debug", t, None).await, 404);
    wait_for_line(&bin, "GET /marker-debug 404");
    let lines = bin.stop();
    assert!(
        !lines.iter().any(|l| l.contains("/marker-warning")),
        "logged at WARNING: {lines:?}"
    );
}
