//! A headless Chromium driven through chromedriver (fantoccini), for the browser tests.
//!
//! chromedriver is started on a free port with a fresh profile; when `/usr/bin/chromedriver` is
//! missing the tests print a note and skip (CI installs it). Pages record script errors in
//! `window.__aniworldErrors` (static/app/diag.js), which the tests read back.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

/// Where Debian installs chromedriver and Chromium.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser binary.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A running chromedriver with one browser session.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

/// Starts chromedriver and a headless browser of `width` x `height`; None (after a note) when
/// chromedriver is not installed.
pub async fn browser(width: u32, height: u32) -> Option<Browser> {
    browser_in(width, height, "en-US").await
}

/// A [`browser`] signed in to the service at `address` with `token` and showing `path`; None
/// where Chrome is missing.
pub async fn signed_in(
    width: u32,
    height: u32,
    address: &str,
    token: &str,
    path: &str,
) -> Option<Browser> {
    let b = browser(width, height).await?;
    b.sign_in(address, token).await;
    b.client.goto(&format!("{address}{path}")).await.unwrap();
    Some(b)
}

/// [`browser`] whose user asks for `lang` first (`navigator.languages`, `Accept-Language`).
pub async fn browser_in(width: u32, height: u32, lang: &str) -> Option<Browser> {
    if !Path::new(CHROMEDRIVER).exists() {
        eprintln!("SKIPPED: {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
                format!("--lang={lang}"),
            ],
            "prefs": { "intl.accept_languages": lang }
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) => {
                if Instant::now() > deadline {
                    let _ = driver.kill();
                    panic!("no browser session from chromedriver: {e}");
                }
                actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    Some(Browser {
        client,
        driver,
        _profile: profile,
    })
}

impl Browser {
    /// Ends the session (closing Chromium) and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    /// Waits (bounded) for an element matching `css`.
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css:?}: {e}"))
    }

    /// Waits (bounded) until the JS expression is truthy.
    pub async fn wait_js(&self, expr: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.js(&format!("return !!({expr});")).await;
            if v == Value::Bool(true) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {expr}");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a script and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// axe-core's violations on the page (injected from tests/api/vendor): every rule of impact
    /// "serious" or "critical", and `label-content-name-mismatch` (experimental in axe, so
    /// enabled by name) and `heading-order` at any impact. One line per violation and node.
    pub async fn axe_violations(&self) -> Vec<String> {
        const AXE: &str = include_str!("vendor/axe.min.js");
        self.js(&format!("{AXE}\nreturn true;")).await;
        let v = self
            .client
            .execute_async(AXE_RUN, vec![])
            .await
            .unwrap_or_else(|e| panic!("axe.run failed: {e}"));
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Signs in at the service at `address` with `token`: the login page is opened and the token
    /// put where it keeps one (the session's storage), as a login would.
    pub async fn sign_in(&self, address: &str, token: &str) {
        self.client.goto(&format!("{address}/login")).await.unwrap();
        self.wait_css("#login-form").await;
        self.js(&format!(
            "sessionStorage.setItem('aniworld.token', {}); return true;",
            json!(token)
        ))
        .await;
    }

    /// Waits (bounded) until the path is `path`.
    pub async fn wait_path(&self, path: &str) {
        self.wait_js(&format!("location.pathname === {}", json!(path)))
            .await;
    }

    /// Sets a field's value and fires the events a user's typing would.
    pub async fn fill(&self, css: &str, value: &str) {
        self.wait_css(css).await;
        let script = format!(
            "const el = document.querySelector({}); el.focus(); el.value = {}; \
             el.dispatchEvent(new Event('input', {{bubbles: true}})); el.dispatchEvent(new Event('change', {{bubbles: true}}));",
            json!(css),
            json!(value)
        );
        self.js(&script).await;
    }

    /// Clicks the element matching `css`, after centring it and dismissing the toasts as a user
    /// would, so that none covers it.
    pub async fn click(&self, css: &str) {
        self.wait_css(css).await;
        let script = format!(
            "document.querySelectorAll('.toast button').forEach((b) => b.click()); \
             document.querySelector({}).scrollIntoView({{block: 'center'}}); return true;",
            json!(css)
        );
        self.js(&script).await;
        // A list that re-renders on a live update replaces the element between finding and
        // clicking it ("stale element"): a user would click the new one, so find it again
        // (a few times at most).
        let mut result = self.wait_css(css).await.click().await;
        for _ in 0..5 {
            match &result {
                Err(e) if e.to_string().contains("stale element") => {
                    result = self.wait_css(css).await.click().await;
                }
                _ => break,
            }
        }
        if let Err(e) = result {
            let probe = format!(
                "const r = document.querySelector({}).getBoundingClientRect(); \
                 const el = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); \
                 return el ? el.outerHTML.slice(0, 300) : null;",
                json!(css)
            );
            panic!("click {css}: {e}\ncovered by {:#}", self.js(&probe).await);
        }
    }

    /// Script errors the page recorded.
    pub async fn page_errors(&self) -> Vec<String> {
        let v = self
            .js("return window.__aniworldErrors || ['diag.js not loaded'];")
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Interactive elements that have no accessible name (a simplified name computation:
    /// aria-labelledby, aria-label, labels, text content, image alt, title).
    pub async fn unnamed_controls(&self) -> Vec<String> {
        let v = self.js(UNNAMED_JS).await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the page scrolls sideways (it must not at phone width).
    pub async fn overflows_horizontally(&self) -> bool {
        self.js("return document.documentElement.scrollWidth > window.innerWidth + 1;")
            .await
            == Value::Bool(true)
    }

    /// Saves a PNG screenshot to `dir/name.png` when `dir` is given.
    pub async fn screenshot_to(&self, dir: Option<&Path>, name: &str) {
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir).unwrap();
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        }
    }
}

impl Drop for Browser {
    /// After a failed test the session was not closed: stop chromedriver and the browser it
    /// started (found by this session's own profile folder), so no Chromium outlives the test.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let flag = format!("--user-data-dir={}", self._profile.path().display());
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return;
        };
        for p in procs.flatten() {
            let Ok(cmdline) = std::fs::read(p.path().join("cmdline")) else {
                continue;
            };
            let ours = cmdline.split(|b| *b == 0).any(|arg| arg == flag.as_bytes());
            if ours && let Some(pid) = p.file_name().to_str() {
                let _ = Command::new("kill").arg(pid).status();
            }
        }
    }
}

const UNNAMED_JS: &str = r#"
const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
function name(el) {
  const by = el.getAttribute('aria-labelledby');
  if (by) {
    const t = by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    if (t) return t;
  }
  const al = el.getAttribute('aria-label');
  if (al && al.trim()) return al.trim();
  if (el.labels && el.labels.length) {
    const t = [...el.labels].map((l) => l.textContent).join(' ').trim();
    if (t) return t;
  }
  if (['button', 'a', 'summary'].includes(el.localName) || el.getAttribute('role') === 'button') {
    const t = el.textContent.trim();
    if (t) return t;
    const img = el.querySelector('img[alt]');
    if (img && img.alt.trim()) return img.alt.trim();
  }
  const title = el.getAttribute('title');
  return title && title.trim() ? title.trim() : '';
}
return [...document.querySelectorAll(sel)].filter((el) => !name(el)).map((el) => el.outerHTML.slice(0, 160));
"#;

/// Runs axe-core on the document and calls back with the violations that count (see
/// [`Browser::axe_violations`]).
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  resultTypes: ["violations"],
  rules: { "label-content-name-mismatch": { enabled: true }, "heading-order": { enabled: true } },
}).then((r) => {
  const named = ["label-content-name-mismatch", "heading-order"];
  const out = [];
  for (const v of r.violations) {
    if (!named.includes(v.id) && v.impact !== "serious" && v.impact !== "critical") continue;
    for (const n of v.nodes) out.push(`${v.id} (${v.impact}): ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`);
  }
  done(out);
}, (e) => done([`axe failed: ${e}`]));
"#;
