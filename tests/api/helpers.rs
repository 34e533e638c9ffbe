//! `spawn_app()` and typed helpers shared by the API tests.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
use aniworld_server::{Application, Settings};
use serde_json::{Value, json};
use tempfile::TempDir;

/// A password that satisfies the policy.
pub const PASSWORD: &str = "Secret#Pass1";

/// A running in-process service.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The data dir (removed when dropped).
    pub data_dir: TempDir,
    /// HTTP client.
    pub client: awc::Client,
    /// Stops the server.
    pub handle: ServerHandle,
    /// The shared state of the running service (for hooks that have no endpoint).
    pub state: actix_web::web::Data<aniworld_server::AppState>,
}

/// An answer, read completely.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Asserts the api.md error shape with this code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json["success"], false, "{}", self.text);
        assert_eq!(self.json["error"], code, "{}", self.text);
        assert!(self.json["message"].is_string(), "{}", self.text);
        let rid = self.json["request_id"].as_str().expect("request_id");
        assert_eq!(Some(rid.to_string()), self.header("x-request-id"));
    }
}

/// The test configuration: cheap bcrypt, everything else default.
pub fn test_config() -> Value {
    let mut c = serde_json::to_value(aniworld_core::AppConfig::default()).unwrap();
    c["server"]["bcrypt_cost"] = json!(4);
    // The catalogue canary would add requests to every fake catalogue; the tests of the canary
    // switch it on.
    c["provider"]["canary_interval_minutes"] = json!(0);
    // Most tests start the queue themselves; the tests of `download.auto_start` switch it on.
    c["download"]["auto_start"] = json!(false);
    c
}

/// Writes `config` as `<dir>/config.json`.
pub fn write_config(dir: &Path, config: &Value) {
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec_pretty(config).unwrap(),
    )
    .unwrap();
}

/// Starts the app with the test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, |_| {}).await
}

/// Starts the service again, in process, on `data_dir` (the one before must be stopped). The
/// returned app owns a fresh, unused temp dir; the data stays where it was.
pub async fn restart(data_dir: &Path) -> TestApp {
    let app = Application::build(Settings::for_tests(data_dir))
        .await
        .expect("app builds again");
    let (address, handle, state) = (app.address(), app.handle(), app.state());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        data_dir: tempfile::tempdir().unwrap(),
        client: client(),
        handle,
        state,
    }
}

/// Starts the app after letting the caller change the configuration and the settings.
pub async fn spawn_app_with(
    change_config: impl FnOnce(&mut Value),
    change_settings: impl FnOnce(&mut Settings),
) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = test_config();
    change_config(&mut config);
    write_config(data_dir.path(), &config);
    let mut settings = Settings::for_tests(data_dir.path());
    change_settings(&mut settings);
    let app = Application::build(settings).await.expect("app builds");
    let address = app.address();
    let handle = app.handle();
    let state = app.state();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        data_dir,
        client: client(),
        handle,
        state,
    }
}

/// A client with a generous timeout.
pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish()
}

/// Sends one request.
pub async fn send(
    client: &awc::Client,
    address: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = client.request(method, format!("{address}{path}"));
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut res = match body {
        Some(b) => req.send_json(b).await,
        None => req.send().await,
    }
    .expect("request sent");
    read(&mut res).await
}

async fn read<S>(res: &mut awc::ClientResponse<S>) -> Resp
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>>
        + Unpin,
{
    let bytes = res.body().limit(16 * 1024 * 1024).await.expect("body read");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Resp {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        send(
            &self.client,
            &self.address,
            Method::GET,
            path,
            token,
            None,
            &[],
        )
        .await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        send(
            &self.client,
            &self.address,
            Method::POST,
            path,
            token,
            Some(body),
            &[],
        )
        .await
    }
    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Resp {
        send(
            &self.client,
            &self.address,
            Method::POST,
            path,
            token,
            None,
            &[],
        )
        .await
    }
    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        send(
            &self.client,
            &self.address,
            Method::PUT,
            path,
            token,
            Some(body),
            &[],
        )
        .await
    }
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        send(
            &self.client,
            &self.address,
            Method::DELETE,
            path,
            token,
            None,
            &[],
        )
        .await
    }
    /// Sends raw bytes as the body.
    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Resp {
        let mut req = self
            .client
            .post(format!("{}{path}", self.address))
            .insert_header(("Content-Type", "application/json"));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = req.send_body(body).await.expect("request sent");
        read(&mut res).await
    }
    pub async fn setup(&self) -> Resp {
        self.post(
            "/api/auth/setup",
            None,
            &json!({ "master_password": PASSWORD }),
        )
        .await
    }
    pub async fn login(&self, password: &str, remember: bool) -> Resp {
        self.post(
            "/api/auth/login",
            None,
            &json!({ "password": password, "remember": remember }),
        )
        .await
    }
    /// Sets up the password and returns a fresh token.
    pub async fn token(&self) -> String {
        assert_eq!(self.setup().await.status, 201);
        self.fresh_token().await
    }
    /// Logs in again and returns the token.
    pub async fn fresh_token(&self) -> String {
        let r = self.login(PASSWORD, false).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json["access_token"].as_str().unwrap().to_string()
    }
    pub fn config_on_disk(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.data_dir.path().join("config.json")).unwrap())
            .unwrap()
    }
}

/// The real binary, started on a free port.
pub struct Binary {
    pub child: Child,
    pub address: String,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

/// Starts `aniworld serve --port 0 --data-dir <data_dir>` in `cwd` and waits (bounded) for its
/// `listening on` line.
pub fn start_binary(data_dir: &Path, cwd: &Path, args: &[&str]) -> Binary {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aniworld"));
    cmd.arg("serve")
        .arg("--port")
        .arg("0")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("ANIWORLD_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    let lines = stderr.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(i) = line.find("listening on http://") {
                let _ = tx.send(line[i + "listening on ".len()..].trim().to_string());
            }
            lines.lock().unwrap().push(line);
        }
    });
    let address = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no listening line; stderr: {:?}", stderr.lock().unwrap())
        });
    Binary {
        child,
        address,
        stderr,
    }
}

impl Binary {
    /// Sends SIGTERM and waits (bounded) for a clean exit; returns stderr.
    pub fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                assert!(st.success(), "exit status {st:?}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "binary did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The reader thread ends at EOF; wait for it to drain (bounded).
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline
            && !self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("stopped"))
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}
