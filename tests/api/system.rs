//! The system page's API (docs/system.md): `GET /api/system` and `GET /api/system/logs`, the
//! recent log records the real binary keeps in memory: logged lines appear, secrets are masked,
//! the level filter keeps "this level and more severe", bad values name their field.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{
    Binary, PASSWORD, Resp, client, send, start_binary, test_config, write_config,
};

/// The TMDB key of the test configuration: a remembered secret of the logger.
pub const TMDB_KEY: &str = "tmdb-key-system-0123456789";

/// The real binary, set up and signed in.
pub struct SignedIn {
    pub bin: Binary,
    pub token: String,
    _data: TempDir,
    _cwd: TempDir,
}

impl SignedIn {
    /// `GET path` with the token (or without, when `auth` is false).
    pub async fn get(&self, path: &str, auth: bool) -> Resp {
        let token = auth.then_some(self.token.as_str());
        send(
            &client(),
            &self.bin.address,
            Method::GET,
            path,
            token,
            None,
            &[],
        )
        .await
    }

    /// The log lines of `GET /api/system/logs?<query>`.
    pub async fn logs(&self, query: &str) -> Vec<Value> {
        let r = self.get(&format!("/api/system/logs?{query}"), true).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json.as_array().expect("a list").clone()
    }

    /// Waits (bounded) until a line of `query` contains `needle`; returns the lines.
    pub async fn wait_for_line(&self, query: &str, needle: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = self.logs(query).await;
            if lines.iter().any(|l| text(l).contains(needle)) {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "no line with {needle:?}: {lines:#?}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A line's message.
pub fn text(line: &Value) -> &str {
    line["message"].as_str().unwrap_or_default()
}

/// Starts the binary with the test configuration (log level INFO, a TMDB key), changed by
/// `change`, sets the password and signs in.
pub async fn signed_in_binary(change: impl FnOnce(&mut Value)) -> SignedIn {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config["logging"]["level"] = json!("INFO");
    config["nfo"]["tmdb_api_key"] = json!(TMDB_KEY);
    change(&mut config);
    write_config(data.path(), &config);
    let bin = start_binary(data.path(), cwd.path(), &[]);
    let c = client();
    let setup = json!({"master_password": PASSWORD});
    let r = send(
        &c,
        &bin.address,
        Method::POST,
        "/api/auth/setup",
        None,
        Some(&setup),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let login = json!({"password": PASSWORD});
    let r = send(
        &c,
        &bin.address,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&login),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.json["access_token"].as_str().unwrap().to_string();
    SignedIn {
        bin,
        token,
        _data: data,
        _cwd: cwd,
    }
}

#[actix_web::test]
async fn system_answers_version_start_and_uptime() {
    let s = signed_in_binary(|_| {}).await;
    let r = s.get("/api/system", true).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["version"], env!("CARGO_PKG_VERSION"));
    let started = r.json["started_at"].as_str().expect("started_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(started).is_ok(),
        "{started}"
    );
    assert!(
        r.json["uptime_seconds"].as_i64().unwrap() >= 0,
        "{}",
        r.text
    );
    assert_eq!(r.json["log_level"], "info");
    assert_eq!(r.json["log_capacity"], 1000);
    for path in ["/api/system", "/api/system/logs"] {
        let r = s.get(path, false).await;
        assert_eq!(r.status, 401, "{path}: {}", r.text);
    }
}

#[actix_web::test]
async fn logged_lines_appear_with_secrets_masked() {
    let s = signed_in_binary(|_| {}).await;
    // The access log writes every request's path.
    assert_eq!(s.get("/system-marker-1", true).await.status, 404);
    assert_eq!(
        s.get(&format!("/system-probe/{TMDB_KEY}"), true)
            .await
            .status,
        404
    );
    assert_eq!(
        s.get("/system-probe;api_key=plain-secret-4711", true)
            .await
            .status,
        404
    );
    let lines = s.wait_for_line("limit=1000", "/system-probe;").await;
    let marker = lines
        .iter()
        .find(|l| text(l).contains("GET /system-marker-1 404"))
        .unwrap_or_else(|| panic!("no marker line: {lines:#?}"));
    assert_eq!(marker["level"], "info");
    assert_eq!(marker["target"], "aniworld_server::context");
    let time = marker["time"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    // Newest last: the marker came before the probes.
    let at = |needle: &str| lines.iter().position(|l| text(l).contains(needle)).unwrap();
    assert!(at("/system-marker-1") < at("/system-probe;"));
    let all = serde_json::to_string(&lines).unwrap();
    assert!(!all.contains(TMDB_KEY), "the TMDB key is masked: {all}");
    assert!(
        !all.contains("plain-secret-4711"),
        "api_key= is masked: {all}"
    );
    assert!(all.contains("/system-probe/[redacted]"), "{all}");
    assert!(all.contains("[api_key redacted]"), "{all}");
}

#[actix_web::test]
async fn the_level_filter_keeps_this_level_and_more_severe() {
    let s = signed_in_binary(|_| {}).await;
    assert_eq!(s.get("/system-marker-2", true).await.status, 404);
    let wrong = json!({"password": "not the password"});
    let r = send(
        &client(),
        &s.bin.address,
        Method::POST,
        "/api/auth/login",
        None,
        Some(&wrong),
        &[],
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.text);
    s.wait_for_line("level=info", "failed login from").await;
    let info = s.wait_for_line("level=info", "/system-marker-2").await;
    let warn = s.logs("level=WARN&limit=1000").await;
    assert!(
        warn.iter().any(|l| text(l).contains("failed login from")),
        "{warn:#?}"
    );
    assert!(
        !warn.iter().any(|l| text(l).contains("/system-marker-2")),
        "{warn:#?}"
    );
    assert!(
        warn.iter()
            .all(|l| l["level"] == "warn" || l["level"] == "error"),
        "{warn:#?}"
    );
    assert!(warn.len() < info.len());
    let error = s.logs("level=error").await;
    assert!(
        !error.iter().any(|l| text(l).contains("failed login from")),
        "{error:#?}"
    );
    assert!(
        info.iter()
            .all(|l| l["level"] != "debug" && l["level"] != "trace")
    );
    // `limit` keeps the newest.
    let one = s.logs("level=info&limit=1").await;
    assert_eq!(one.len(), 1, "{one:#?}");
}

#[actix_web::test]
async fn bad_levels_and_limits_name_their_field() {
    let s = signed_in_binary(|_| {}).await;
    for (query, field) in [
        ("level=loud", "level"),
        ("level=5", "level"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=many", "limit"),
        ("level=loud&limit=0", "level"),
    ] {
        let r = s.get(&format!("/api/system/logs?{query}"), true).await;
        assert_eq!(r.status, 422, "{query}: {}", r.text);
        r.assert_error(422, "VALIDATION_ERROR");
        assert_eq!(r.json["details"]["field"], field, "{query}: {}", r.text);
    }
}
