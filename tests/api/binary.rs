//! The real `aniworld` binary: restart on the same data dir, secrets in no response and no log
//! line, and nothing created outside the data dir.

use std::path::Path;

use actix_web::http::Method;
use aniworld_core::ports::SettingsRepo;
use aniworld_server::auth::service::{JWT_SECRET_KEY, PASSWORD_HASH_KEY};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Resp, client, send, start_binary, test_config, write_config};

async fn call(
    address: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Resp {
    send(&client(), address, method, path, token, body, &[]).await
}

#[actix_web::test]
async fn a_restart_keeps_password_config_and_revocations() {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    write_config(data.path(), &test_config());

    let bin = start_binary(data.path(), cwd.path(), &[]);
    let a = &bin.address;
    let r = call(
        a,
        Method::POST,
        "/api/auth/setup",
        None,
        Some(&json!({"master_password": PASSWORD})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let login = json!({"password": PASSWORD});
    let revoked = call(a, Method::POST, "/api/auth/login", None, Some(&login))
        .await
        .json["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let kept = call(a, Method::POST, "/api/auth/login", None, Some(&login))
        .await
        .json["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        call(a, Method::POST, "/api/auth/logout", Some(&revoked), None)
            .await
            .status,
        200
    );
    let r = call(
        a,
        Method::PUT,
        "/api/config",
        Some(&kept),
        Some(&json!({"name": "Kept Across Restarts"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    bin.stop();

    let bin = start_binary(data.path(), cwd.path(), &[]);
    let a = &bin.address;
    let status = call(a, Method::GET, "/api/auth/status", None, None).await;
    assert_eq!(status.json["configured"], true);
    assert_eq!(
        call(a, Method::GET, "/api/config", Some(&revoked), None)
            .await
            .status,
        401
    );
    let r = call(a, Method::GET, "/api/config", Some(&kept), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "Kept Across Restarts");
    assert_eq!(
        call(a, Method::POST, "/api/auth/login", None, Some(&login))
            .await
            .status,
        200
    );
    bin.stop();
    // with --data-dir given, nothing was created in the working directory
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
}

fn read_secret(data: &Path, key: &str) -> String {
    let store = aniworld_store::Store::open(&data.join("aniworld.db")).unwrap();
    store
        .get_setting(key)
        .unwrap()
        .unwrap_or_else(|| panic!("{key} not stored"))
}

#[actix_web::test]
async fn the_password_hash_and_token_secret_appear_in_no_response_and_no_log() {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config["logging"]["file"] = json!("aniworld.log");
    write_config(data.path(), &config);
    let bin = start_binary(data.path(), cwd.path(), &["--log-level", "debug"]);
    let a = bin.address.clone();
    let mut seen = Vec::new();
    let mut record = |r: Resp| {
        seen.push(format!("{:?}\n{}", r.headers, r.text));
        r
    };
    record(
        call(
            &a,
            Method::POST,
            "/api/auth/setup",
            None,
            Some(&json!({"master_password": PASSWORD})),
        )
        .await,
    );
    record(
        call(
            &a,
            Method::POST,
            "/api/auth/login",
            None,
            Some(&json!({"password": "Wrong#Pass1"})),
        )
        .await,
    );
    let login = record(
        call(
            &a,
            Method::POST,
            "/api/auth/login",
            None,
            Some(&json!({"password": PASSWORD, "remember": true})),
        )
        .await,
    );
    let token = login.json["access_token"].as_str().unwrap().to_string();
    for (m, p, b) in [
        (Method::GET, "/api/auth/status", None),
        (Method::GET, "/api/config", None),
        (
            Method::PUT,
            "/api/config",
            Some(json!({"logging": {"level": "DEBUG"}})),
        ),
        (Method::POST, "/api/config/validate", Some(json!({}))),
        (Method::POST, "/api/config/backups", None),
        (Method::GET, "/api/config/backups", None),
        (Method::GET, "/health/detailed", None),
        (Method::GET, "/openapi.json", None),
        (Method::POST, "/api/auth/logout", None),
    ] {
        let r = record(call(&a, m, p, Some(&token), b.as_ref()).await);
        assert!(r.status < 500, "{p}: {}", r.text);
    }
    let stderr = bin.stop().join("\n");
    let file_log = std::fs::read_to_string(data.path().join("logs").join("aniworld.log")).unwrap();
    assert!(
        stderr.contains("DEBUG"),
        "debug logging was not on:\n{stderr}"
    );
    assert!(
        file_log.contains("listening on"),
        "log file incomplete:\n{file_log}"
    );
    let hash = read_secret(data.path(), PASSWORD_HASH_KEY);
    let secret = read_secret(data.path(), JWT_SECRET_KEY);
    assert!(hash.starts_with("$2"), "not a bcrypt hash");
    let responses = seen.join("\n");
    for (what, needle) in [
        ("hash", hash.as_str()),
        ("secret", secret.as_str()),
        ("password", PASSWORD),
    ] {
        assert!(
            !responses.contains(needle),
            "the {what} appears in a response"
        );
        assert!(!stderr.contains(needle), "the {what} appears in the log");
        assert!(
            !file_log.contains(needle),
            "the {what} appears in the log file"
        );
    }
    for (name, text) in [("stderr", &stderr), ("log file", &file_log)] {
        assert!(!text.contains(&token), "the token appears in the {name}");
    }
}
