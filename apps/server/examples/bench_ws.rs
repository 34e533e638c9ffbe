//! WebSocket fan-out benchmark: N clients (default 500) connected to one `aniworld` process,
//! all in the `downloads` room, while the queue downloads an episode from a local fake
//! catalogue/hoster/media host. Reports the messages delivered per second and the server's
//! resident memory (from /proc, Linux) before, during and at its peak. See docs/bench-ws.md.
//!
//! ```sh
//! cargo build --release -p aniworld-server --bin aniworld --example bench_ws
//! target/release/examples/bench_ws [--clients 500] [--mib 1024]
//! ```
//!
//! The `aniworld` binary is taken from the folder above the example's (`target/<profile>/`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aniworld_testkit::hoster::{Serving, Sites};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "bench-series";

struct Args {
    clients: usize,
    mib: usize,
}

fn args() -> Args {
    let mut a = Args {
        clients: 500,
        mib: 1024,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--clients", Some(v)) => a.clients = v as usize,
            ("--mib", Some(v)) => a.mib = v as usize,
            _ => {
                eprintln!("usage: bench_ws [--clients N] [--mib SIZE]");
                std::process::exit(2);
            }
        }
    }
    a
}

/// Resident and peak resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The fake catalogue, VOE hoster and media host of `aniworld_testkit::hoster` (those of the
/// API tests), serving one episode of `mib` MiB at full speed.
fn sites(mib: usize) -> Sites {
    let sites = Sites::start();
    // A real MP4 (the test clip plus filler), so the server's ffprobe check passes.
    let data = aniworld_testkit::media::mp4(mib << 20, 7);
    sites.episode(KEY, 1, 1, data, Serving::Fast);
    sites
}

fn start_server(
    data_dir: &std::path::Path,
    anime: &std::path::Path,
    provider: &str,
) -> (Child, String) {
    let exe = std::env::current_exe().expect("own path");
    let bin = exe
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("aniworld"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| {
            eprintln!(
                "build the binary first: cargo build [--release] -p aniworld-server --bin aniworld"
            );
            std::process::exit(2)
        });
    let mut config = serde_json::to_value(aniworld_core::AppConfig::default()).unwrap();
    config["server"]["bcrypt_cost"] = json!(4);
    config["provider"]["min_request_interval_ms"] = json!(0);
    config["download"]["max_retries"] = json!(0);
    std::fs::write(data_dir.join("config.json"), config.to_string()).unwrap();
    let mut child = Command::new(bin)
        .args(["serve", "--port", "0", "--log-level", "warn"])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--anime-dir")
        .arg(anime)
        .args(["--provider-url", provider])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("aniworld starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("listening on http://") {
                let _ = tx.send(line[i + "listening on ".len()..].trim().to_string());
            }
        }
    });
    let address = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("listening line");
    (child, address)
}

async fn post(client: &awc::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut req = client.post(url);
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let mut res = req.send_json(&body).await.expect("request");
    res.json::<Value>().await.unwrap_or(Value::Null)
}

#[derive(Default)]
struct Counters {
    messages: AtomicU64,
    progress: AtomicU64,
    complete: AtomicUsize,
    joined: AtomicUsize,
}

async fn client(url: String, counters: Arc<Counters>) {
    let (mut ws, _) = match tokio_tungstenite::connect_async(url).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("connect failed: {e}");
            return;
        }
    };
    let join = json!({"action": "join", "data": {"room": "downloads"}}).to_string();
    if ws.send(Message::text(join)).await.is_err() {
        return;
    }
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(text) = msg else { continue };
        let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
        counters.messages.fetch_add(1, Ordering::Relaxed);
        match v["type"].as_str() {
            Some("system_info") => {
                counters.joined.fetch_add(1, Ordering::Relaxed);
            }
            Some("download_progress") => {
                counters.progress.fetch_add(1, Ordering::Relaxed);
            }
            Some("download_complete") => {
                counters.complete.fetch_add(1, Ordering::Relaxed);
                break;
            }
            _ => {}
        }
    }
    let _ = ws.close(None).await;
}

fn main() {
    let a = args();
    let sites = sites(a.mib);
    let data_dir = tempfile::tempdir().unwrap();
    let anime = tempfile::tempdir().unwrap();
    let (mut child, address) = start_server(data_dir.path(), anime.path(), &sites.catalogue.url());
    let pid = child.id();
    let idle = rss_mib(pid).0;

    actix_web::rt::System::new().block_on(async move {
        let http = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        post(
            &http,
            format!("{address}/api/auth/setup"),
            None,
            json!({"master_password": "Bench#Pass1"}),
        )
        .await;
        let login = post(
            &http,
            format!("{address}/api/auth/login"),
            None,
            json!({"password": "Bench#Pass1"}),
        )
        .await;
        let token = login["access_token"].as_str().expect("token").to_string();

        let counters = Arc::new(Counters::default());
        let ws_url = format!(
            "{}/ws/connect?token={token}",
            address.replacen("http://", "ws://", 1)
        );
        let connect_start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..a.clients {
            tasks.push(actix_web::rt::spawn(client(
                ws_url.clone(),
                counters.clone(),
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while counters.joined.load(Ordering::Relaxed) < a.clients && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        let connect_secs = connect_start.elapsed().as_secs_f64();
        let connected = rss_mib(pid).0;

        let base_msgs = counters.messages.load(Ordering::Relaxed);
        post(
            &http,
            format!("{address}/api/queue/add"),
            Some(&token),
            json!({
                "serie_id": KEY, "serie_folder": KEY, "serie_name": "Bench",
                "episodes": [{"season": 1, "episode": 1}], "priority": "NORMAL"
            }),
        )
        .await;
        post(
            &http,
            format!("{address}/api/queue/start"),
            Some(&token),
            json!({}),
        )
        .await;
        let started = Instant::now();
        let mut peak_during = connected;
        let deadline = Instant::now() + Duration::from_secs(600);
        while counters.complete.load(Ordering::Relaxed) < a.clients && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            peak_during = peak_during.max(rss_mib(pid).0);
        }
        let window = started.elapsed().as_secs_f64();
        let progress_during = counters.progress.load(Ordering::Relaxed);
        let msgs_during = counters.messages.load(Ordering::Relaxed) - base_msgs;
        let (after, hwm) = rss_mib(pid);
        println!("clients                      {}", a.clients);
        println!(
            "joined the room              {} in {connect_secs:.2} s",
            counters.joined.load(Ordering::Relaxed)
        );
        println!(
            "received download_complete   {}",
            counters.complete.load(Ordering::Relaxed)
        );
        println!("download                     {} MiB in {window:.1} s (start to last download_complete)", a.mib);
        println!(
            "messages delivered in window {msgs_during} ({:.0}/s over all clients)",
            msgs_during as f64 / window
        );
        println!(
            "download_progress delivered  {progress_during} ({:.0}/s, {:.2}/s per client)",
            progress_during as f64 / window,
            progress_during as f64 / window / a.clients as f64
        );
        println!("server RSS idle              {idle:.1} MiB");
        println!("server RSS, clients joined   {connected:.1} MiB");
        println!("server RSS peak sampled      {peak_during:.1} MiB");
        println!("server RSS after / VmHWM     {after:.1} / {hwm:.1} MiB");
        for t in tasks {
            t.abort();
        }
    });
    let _ = child.kill();
    let _ = child.wait();
}
