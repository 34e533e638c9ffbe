//! Test-only fakes for Aniworld.
//!
//! [`FakeServer`] is a real HTTP server on `127.0.0.1:<free port>` whose routes are closures, so a
//! test can play the catalogue, a hoster, a media host or TMDB with pages shaped like the real ones,
//! and afterwards inspect every request it received. Each request is answered on its own thread,
//! so parallel clients (HLS segment fetchers) really run in parallel.
//!
//! Used only as a dev-dependency; never part of the shipped binary.

pub mod catalogue;
pub mod hoster;
pub mod images;
pub mod media;
pub mod notify;
pub mod tmdb;

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the fake server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method, upper case.
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Query string without the `?` (empty when none).
    pub query: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Request body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter, percent-decoded (`+` as space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        parse_form(&self.query).remove(name)
    }

    /// A field of an `application/x-www-form-urlencoded` body.
    pub fn form_field(&self, name: &str) -> Option<String> {
        parse_form(&String::from_utf8_lossy(&self.body)).remove(name)
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Decodes `a=b&c=d` with percent-decoding and `+` as space.
pub fn parse_form(s: &str) -> HashMap<String, String> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(v) => {
                    out.push(v);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a route answers.
#[derive(Debug, Clone)]
pub struct FakeResponse {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Arc<Vec<u8>>,
    /// When set, the connection is dropped after this many body bytes (Content-Length still
    /// announces the full body), to simulate an interrupted transfer.
    pub cut_after: Option<usize>,
    /// Delay before the response is sent (latency emulation).
    pub delay: Option<Duration>,
    /// When set, after this many body bytes the rest trickles (1 KiB every 20 ms) until the gate
    /// opens: a download that is reliably "in progress" while a test acts on it.
    pub trickle: Option<(usize, Gate)>,
}

/// A switch a test flips to let held responses go on at full speed.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<AtomicBool>);

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Self::default()
    }
    /// Opens the gate.
    pub fn open(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether the gate is open.
    pub fn is_open(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl FakeResponse {
    /// A response with a status and an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Arc::new(Vec::new()),
            cut_after: None,
            delay: None,
            trickle: None,
        }
    }
    /// 200 with a body and content type.
    pub fn bytes(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::status(200)
            .header("Content-Type", content_type)
            .body(body)
    }
    /// 200 `text/html; charset=UTF-8`.
    pub fn html(body: impl Into<String>) -> Self {
        Self::bytes("text/html; charset=UTF-8", body.into().into_bytes())
    }
    /// 200 `application/json`.
    pub fn json(value: &serde_json::Value) -> Self {
        Self::bytes("application/json", value.to_string().into_bytes())
    }
    /// 200 with plain text.
    pub fn text(body: impl Into<String>) -> Self {
        Self::bytes("text/plain; charset=UTF-8", body.into().into_bytes())
    }
    /// A 302 redirect to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::status(302).header("Location", location)
    }
    /// Replaces the status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Arc::new(body.into());
        self
    }
    /// Drops the connection after `n` body bytes.
    pub fn cut_after(mut self, n: usize) -> Self {
        self.cut_after = Some(n);
        self
    }
    /// After `n` body bytes, sends the rest slowly until `gate` opens (at most two minutes).
    pub fn trickle_after(mut self, n: usize, gate: &Gate) -> Self {
        self.trickle = Some((n, gate.clone()));
        self
    }
    /// Waits before answering.
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }

    /// Serves `data` honouring a `Range: bytes=a-b` / `bytes=a-` header of `req` (206 with
    /// Content-Range), else 200 with the whole body; always with `Accept-Ranges: bytes`.
    pub fn ranged(req: &RecordedRequest, content_type: &str, data: &Arc<Vec<u8>>) -> Self {
        let len = data.len();
        let base = |status| {
            let mut r = FakeResponse::status(status)
                .header("Content-Type", content_type)
                .header("Accept-Ranges", "bytes");
            r.body = data.clone();
            r
        };
        let Some(range) = req.header("range").and_then(|r| r.strip_prefix("bytes=")) else {
            return base(200);
        };
        let (a, b) = range.split_once('-').unwrap_or((range, ""));
        let start: usize = a.trim().parse().unwrap_or(0);
        let end: usize = b
            .trim()
            .parse()
            .map(|e: usize| e.min(len.saturating_sub(1)))
            .unwrap_or(len.saturating_sub(1));
        if start >= len || start > end {
            return FakeResponse::status(416).header("Content-Range", &format!("bytes */{len}"));
        }
        FakeResponse::status(206)
            .header("Content-Type", content_type)
            .header("Accept-Ranges", "bytes")
            .header("Content-Range", &format!("bytes {start}-{end}/{len}"))
            .body(data[start..=end].to_vec())
    }
}

type Handler = Arc<dyn Fn(&RecordedRequest) -> FakeResponse + Send + Sync>;

struct Route {
    method: Option<String>,
    pattern: String,
    handler: Handler,
}

impl Route {
    fn matches(&self, req: &RecordedRequest) -> bool {
        if self.method.as_deref().is_some_and(|m| m != req.method) {
            return false;
        }
        match self.pattern.strip_suffix('*') {
            Some(prefix) => req.path.starts_with(prefix),
            None => req.path == self.pattern,
        }
    }
}

struct Shared {
    routes: Mutex<Vec<Route>>,
    requests: Mutex<Vec<RecordedRequest>>,
    stopped: AtomicBool,
}

/// A fake HTTP server on 127.0.0.1; stops when dropped.
pub struct FakeServer {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
}

impl FakeServer {
    /// Starts a server on a free port with no routes (every request answers 404).
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Starts a server on `127.0.0.1:port` (0 = a free one), e.g. to bring a receiver back on
    /// the port a service is configured with.
    pub fn start_on(port: u16) -> Self {
        let server = Arc::new(
            tiny_http::Server::from_listener(nodelay_listener(port), None)
                .expect("bind fake server"),
        );
        let addr = server.server_addr().to_ip().expect("ip listener");
        let shared = Arc::new(Shared {
            routes: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
        });
        let (srv, sh) = (server.clone(), shared.clone());
        thread::Builder::new()
            .name(format!("fake-{}", addr.port()))
            .spawn(move || {
                for request in srv.incoming_requests() {
                    if sh.stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let sh = sh.clone();
                    thread::spawn(move || handle(sh, request));
                }
            })
            .expect("spawn fake server");
        Self {
            addr,
            shared,
            server,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Adds a route for any method. `pattern` is an exact path, or a prefix ending in `*`.
    /// Routes added later win over earlier ones.
    pub fn route(
        &self,
        pattern: &str,
        handler: impl Fn(&RecordedRequest) -> FakeResponse + Send + Sync + 'static,
    ) {
        self.add(None, pattern, Arc::new(handler));
    }

    /// Adds a route for one method.
    pub fn route_method(
        &self,
        method: &str,
        pattern: &str,
        handler: impl Fn(&RecordedRequest) -> FakeResponse + Send + Sync + 'static,
    ) {
        self.add(
            Some(method.to_ascii_uppercase()),
            pattern,
            Arc::new(handler),
        );
    }

    /// Serves a fixed response on a path for any method.
    pub fn serve(&self, pattern: &str, response: FakeResponse) {
        self.route(pattern, move |_| response.clone());
    }

    fn add(&self, method: Option<String>, pattern: &str, handler: Handler) {
        self.shared.routes.lock().unwrap().push(Route {
            method,
            pattern: pattern.to_string(),
            handler,
        });
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// How many requests hit exactly this path.
    pub fn hits(&self, path: &str) -> usize {
        self.shared
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.requests.lock().unwrap().clear();
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.server.unblock();
    }
}

/// A listener on 127.0.0.1:`port` with TCP_NODELAY set; accepted sockets inherit it on Linux, so
/// responses written in small pieces are not held back by Nagle's algorithm and delayed ACKs.
fn nodelay_listener(port: u16) -> std::net::TcpListener {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket.set_reuse_address(true).expect("SO_REUSEADDR");
    socket.set_tcp_nodelay(true).expect("TCP_NODELAY");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    socket.bind(&addr.into()).expect("bind 127.0.0.1");
    socket.listen(128).expect("listen");
    socket.into()
}

/// A body reader that fails after `limit` bytes, to cut a transfer short.
struct CutReader {
    data: Arc<Vec<u8>>,
    pos: usize,
    limit: usize,
    trickle: Option<(usize, Gate, std::time::Instant)>,
}

/// Bytes sent per step while a response trickles.
const TRICKLE_CHUNK: usize = 1024;
/// Pause between two trickled chunks.
const TRICKLE_PAUSE: Duration = Duration::from_millis(20);
/// Longest a response trickles before it goes on at full speed.
const TRICKLE_MAX: Duration = Duration::from_secs(120);

impl Read for CutReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.limit {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "cut by test",
            ));
        }
        let mut want = buf.len();
        if let Some((from, gate, since)) = &self.trickle
            && self.pos >= *from
            && !gate.is_open()
            && since.elapsed() < TRICKLE_MAX
        {
            thread::sleep(TRICKLE_PAUSE);
            want = want.min(TRICKLE_CHUNK);
        }
        let end = (self.pos + want).min(self.limit).min(self.data.len());
        let n = end - self.pos;
        buf[..n].copy_from_slice(&self.data[self.pos..end]);
        self.pos = end;
        Ok(n)
    }
}

fn handle(shared: Arc<Shared>, mut request: tiny_http::Request) {
    let url = request.url().to_string();
    let (path, query) = url
        .split_once('?')
        .map_or((url.clone(), String::new()), |(p, q)| {
            (p.to_string(), q.to_string())
        });
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let rec = RecordedRequest {
        method: request.method().as_str().to_ascii_uppercase(),
        path,
        query,
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_string(),
                )
            })
            .collect(),
        body,
    };
    shared.requests.lock().unwrap().push(rec.clone());
    let handler = {
        let routes = shared.routes.lock().unwrap();
        routes
            .iter()
            .rev()
            .find(|r| r.matches(&rec))
            .map(|r| r.handler.clone())
    };
    let resp = match handler {
        Some(h) => h(&rec),
        None => FakeResponse::status(404)
            .header("Content-Type", "text/plain")
            .body(b"not found".to_vec()),
    };
    if let Some(d) = resp.delay {
        thread::sleep(d);
    }
    let headers: Vec<tiny_http::Header> = resp
        .headers
        .iter()
        .filter_map(|(k, v)| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).ok())
        .collect();
    let len = resp.body.len();
    let reader = CutReader {
        data: resp.body.clone(),
        pos: 0,
        limit: resp.cut_after.unwrap_or(len).min(len),
        trickle: resp
            .trickle
            .clone()
            .map(|(from, gate)| (from, gate, std::time::Instant::now())),
    };
    let mut response = tiny_http::Response::new(
        tiny_http::StatusCode(resp.status),
        headers,
        reader,
        Some(len),
        None,
    );
    if resp.cut_after.is_some() || resp.trickle.is_some() {
        response = response.with_chunked_threshold(usize::MAX);
    }
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let f = parse_form("keyword=attack+on%20titan&x=%2F");
        assert_eq!(f["keyword"], "attack on titan");
        assert_eq!(f["x"], "/");
    }
}
