//! The polite, configurable HTTP client every outbound request of this crate goes through.
//!
//! [`HttpClient`] wraps a ureq agent built from [`ProviderConfig`]: a browser-like User-Agent and
//! Accept headers, timeouts, an HTTP(S)/SOCKS proxy, host-to-IP overrides for blocked DNS,
//! retries with exponential backoff on 429/5xx/network errors (honouring `Retry-After`), a minimum
//! interval between requests to the catalogue host, and anti-bot handling: a challenge page
//! becomes [`ProviderError::Blocked`], or, when `provider.solver_url` is set, is fetched again
//! through FlareSolverr whose cookies and user agent are then reused for that host.
//!
//! The client only goes where its callers point it; it is shared by the catalogue client and
//! the hoster extractors (the minimum interval applies to the catalogue host only).

mod antibot;
mod challenge;
mod cookies;
mod dns;
mod policy;
mod solver;

use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use aniworld_core::config::ProviderConfig;
use ureq::ResponseExt;

pub use challenge::detect as detect_challenge;
pub use dns::OverrideResolver;
pub use solver::{SOLVER_MAX_TIMEOUT_MS, Solution, Solver};

use crate::error::ProviderError;
use cookies::CookieStore;
use policy::{check_status, origin_key, parse_retry_after, reserve_slot, retry_delay};

/// The User-Agent sent unless overridden (a current desktop Chrome).
pub const DEFAULT_USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) \
    AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
/// `Accept` of page (document) requests.
pub const ACCEPT_HTML: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
/// `Accept` of AJAX requests.
pub const ACCEPT_JSON: &str = "application/json, text/javascript, */*; q=0.01";
/// `Accept-Language` sent with every request.
pub const ACCEPT_LANGUAGE: &str = "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7";
/// Largest body read (bytes); bigger answers are a network error.
const MAX_BODY: u64 = 32 * 1024 * 1024;

/// Tuning of the client that does not belong in the user's configuration.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// User-Agent instead of [`DEFAULT_USER_AGENT`].
    pub user_agent: Option<String>,
    /// First retry delay; doubles per retry.
    pub backoff_base: Duration,
    /// Longest single retry delay (also caps `Retry-After`).
    pub backoff_max: Duration,
    /// After a `Blocked` answer, requests to that host fail at once for this long instead of
    /// hammering the site (0 = no cool-down).
    pub block_cooldown: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            user_agent: None,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            block_cooldown: Duration::from_secs(60),
        }
    }
}

/// An answer as read: status, the URL after redirects, headers and the body as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Final HTTP status.
    pub status: u16,
    /// URL after redirects.
    pub final_url: String,
    /// Response headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body, decoded as UTF-8 (invalid bytes replaced).
    pub body: String,
}

impl Page {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    PostForm,
}

/// One request as the retry loop sees it.
struct Request<'a> {
    method: Method,
    url: &'a str,
    headers: &'a [(&'a str, &'a str)],
    form: &'a [(&'a str, &'a str)],
    follow_redirects: bool,
}

/// The blocking HTTP client of the provider crate. Cheap to share behind an `Arc`.
///
/// With a proxy configured, host names are resolved by the proxy (except SOCKS4), so
/// `dns_overrides` only take effect for direct connections.
#[derive(Debug)]
pub struct HttpClient {
    agent: ureq::Agent,
    catalogue_origin: Option<String>,
    /// The catalogue's other addresses (mirrors): paced, given the site cookie, like the base.
    mirror_origins: Vec<String>,
    /// The user's `Cookie` header value for the catalogue (a signed-in site session). Sent to
    /// the catalogue's own origins only, never to hosters.
    site_cookie: aniworld_core::Secret,
    catalogue_base: String,
    min_interval: Duration,
    next_slot: Mutex<Instant>,
    max_retries: u32,
    opts: HttpOptions,
    user_agent: String,
    cookies: CookieStore,
    solver: Option<Solver>,
    blocked_until: Mutex<Vec<(String, Instant, String)>>,
}

impl HttpClient {
    /// A client for the configuration with default options.
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        Self::with_options(cfg, HttpOptions::default())
    }

    /// A client for the configuration with explicit options; the catalogue is aniworld.to at
    /// `cfg.base_url`.
    pub fn with_options(cfg: &ProviderConfig, opts: HttpOptions) -> Result<Self, ProviderError> {
        let site = aniworld_core::config::SiteConfig {
            base_url: cfg.base_url.clone(),
            ..aniworld_core::config::SiteConfig::default()
        };
        Self::for_site(cfg, &site, opts)
    }

    /// A client whose catalogue is `site` (its base URL and mirrors; its cookie, when set, is
    /// sent to them and nowhere else).
    pub fn for_site(
        cfg: &ProviderConfig,
        site: &aniworld_core::config::SiteConfig,
        opts: HttpOptions,
    ) -> Result<Self, ProviderError> {
        let base = site.base_url.trim().trim_end_matches('/').to_string();
        let catalogue_origin = origin_key(&base);
        let mirror_origins = site.mirrors.iter().filter_map(|m| origin_key(m)).collect();
        let user_agent = opts
            .user_agent
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string());
        let proxy = match cfg
            .proxy
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| ProviderError::Config {
                what: format!("proxy {p:?} is not usable: {e}"),
            })?),
            None => None,
        };
        let timeout = Duration::from_secs(cfg.timeout_seconds.max(1));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(15))))
            .user_agent(user_agent.as_str())
            .proxy(proxy)
            .max_redirects(10)
            .build();
        let resolver = OverrideResolver::new(&cfg.dns_overrides)?;
        let connector = ureq::unversioned::transport::DefaultConnector::new();
        let agent = ureq::Agent::with_parts(config, connector, resolver);
        let solver = match cfg
            .solver_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Some(Solver::new(s, cfg.proxy.as_deref())?),
            None => None,
        };
        Ok(Self {
            agent,
            catalogue_origin,
            mirror_origins,
            site_cookie: site.cookie.clone(),
            catalogue_base: base,
            min_interval: Duration::from_millis(cfg.min_request_interval_ms),
            next_slot: Mutex::new(Instant::now()),
            max_retries: cfg.max_retries,
            opts,
            user_agent,
            cookies: CookieStore::new(),
            solver,
            blocked_until: Mutex::new(Vec::new()),
        })
    }

    /// Whether `url` is on the catalogue (same scheme, host and port as the base URL or a
    /// mirror).
    pub fn is_catalogue(&self, url: &str) -> bool {
        origin_key(url).is_some_and(|o| self.is_catalogue_origin(&o))
    }

    fn is_catalogue_origin(&self, origin: &str) -> bool {
        self.catalogue_origin.as_deref() == Some(origin)
            || self.mirror_origins.iter().any(|m| m == origin)
    }

    /// Whether a site session cookie is configured.
    pub fn has_site_cookie(&self) -> bool {
        self.site_cookie.is_set()
    }

    /// GET `url` without following redirects and return the answer whatever its status (after
    /// retries for 429/5xx and challenge handling).
    pub fn get_no_redirect(
        &self,
        url: &str,
        extra_headers: &[(&str, &str)],
    ) -> Result<Page, ProviderError> {
        self.send(&Request {
            method: Method::Get,
            url,
            headers: extra_headers,
            form: &[],
            follow_redirects: false,
        })
    }

    /// The User-Agent requests to `url` carry (a solver's one for hosts it solved).
    pub fn user_agent_for(&self, url: &str) -> String {
        origin_key(url)
            .and_then(|o| self.cookies.user_agent(&o))
            .unwrap_or_else(|| self.user_agent.clone())
    }

    /// The `Cookie` header requests to `url` carry, if any.
    pub fn cookie_header_for(&self, url: &str) -> Option<String> {
        origin_key(url).and_then(|o| self.cookies.header(&o))
    }

    /// GET a page, following redirects. 2xx answers are returned; 404/410 is `NotFound`, other
    /// statuses `Http` (after retries for 429/5xx). `extra_headers` override the defaults.
    pub fn get(&self, url: &str, extra_headers: &[(&str, &str)]) -> Result<Page, ProviderError> {
        let page = self.get_any(url, extra_headers)?;
        check_status(page)
    }

    /// GET a page, following redirects, and return it whatever its final status (after retries
    /// for 429/5xx and challenge handling).
    pub fn get_any(
        &self,
        url: &str,
        extra_headers: &[(&str, &str)],
    ) -> Result<Page, ProviderError> {
        self.send(&Request {
            method: Method::Get,
            url,
            headers: extra_headers,
            form: &[],
            follow_redirects: true,
        })
    }

    /// POST an `application/x-www-form-urlencoded` body; statuses as for [`HttpClient::get`].
    pub fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        extra_headers: &[(&str, &str)],
    ) -> Result<Page, ProviderError> {
        check_status(self.post_form_any(url, form, extra_headers)?)
    }

    /// POST a form and return the answer whatever its final status (after retries for
    /// 429/5xx and challenge handling).
    pub fn post_form_any(
        &self,
        url: &str,
        form: &[(&str, &str)],
        extra_headers: &[(&str, &str)],
    ) -> Result<Page, ProviderError> {
        self.send(&Request {
            method: Method::PostForm,
            url,
            headers: extra_headers,
            form,
            follow_redirects: true,
        })
    }

    /// GET `url` without following redirects and return the absolute target of its `Location`.
    pub fn get_redirect_target(
        &self,
        url: &str,
        extra_headers: &[(&str, &str)],
    ) -> Result<String, ProviderError> {
        let page = self.send(&Request {
            method: Method::Get,
            url,
            headers: extra_headers,
            form: &[],
            follow_redirects: false,
        })?;
        if !(300..400).contains(&page.status) {
            check_status(page.clone())?;
            return Err(ProviderError::Layout {
                url: url.to_string(),
                what: format!("expected a redirect, got HTTP {}", page.status),
            });
        }
        let location = page
            .header("location")
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| ProviderError::Layout {
                url: url.to_string(),
                what: format!("HTTP {} redirect without a Location header", page.status),
            })?;
        let base = url::Url::parse(url).map_err(|e| ProviderError::Config {
            what: format!("{url:?} is not a URL: {e}"),
        })?;
        let target = base.join(location).map_err(|e| ProviderError::Layout {
            url: url.to_string(),
            what: format!("redirect target {location:?} is not a URL: {e}"),
        })?;
        Ok(target.to_string())
    }

    /// The retry loop: pacing, retries with backoff, challenge handling.
    fn send(&self, req: &Request<'_>) -> Result<Page, ProviderError> {
        let origin = origin_key(req.url).ok_or_else(|| ProviderError::Config {
            what: format!("{:?} is not an absolute http(s) URL", req.url),
        })?;
        self.check_cooldown(&origin, req.url)?;
        let mut attempt = 0;
        loop {
            self.pace(&origin);
            let result = self.send_once(req, &origin);
            let retry_after = match &result {
                Ok(page) => {
                    if let Some(what) = challenge::detect(page.status, &page.body) {
                        return self.on_challenge(req, &origin, what);
                    }
                    if page.status != 429 && page.status < 500 {
                        return result;
                    }
                    page.header("retry-after").and_then(parse_retry_after)
                }
                Err(_) => None,
            };
            if attempt >= self.max_retries {
                return match result {
                    Ok(page) => Err(ProviderError::Http {
                        url: req.url.to_string(),
                        status: page.status,
                    }),
                    Err(e) => Err(e),
                };
            }
            let delay = retry_delay(attempt, retry_after, &self.opts);
            log::debug!(
                "retrying {} in {:?} (attempt {} of {})",
                aniworld_core::redact::redact(req.url),
                delay,
                attempt + 1,
                self.max_retries
            );
            thread::sleep(delay);
            attempt += 1;
        }
    }

    /// One request on the wire.
    fn send_once(&self, req: &Request<'_>, origin: &str) -> Result<Page, ProviderError> {
        let is_catalogue = self.is_catalogue_origin(origin);
        let mut headers: Vec<(String, String)> = vec![
            (
                "Accept".into(),
                match req.method {
                    Method::Get => ACCEPT_HTML.into(),
                    Method::PostForm => ACCEPT_JSON.into(),
                },
            ),
            ("Accept-Language".into(), ACCEPT_LANGUAGE.into()),
        ];
        if let Some(ua) = self.cookies.user_agent(origin) {
            headers.push(("User-Agent".into(), ua));
        }
        if is_catalogue {
            headers.push(("Referer".into(), format!("{}/", self.catalogue_base)));
            let (dest, mode) = match req.method {
                Method::Get => ("document", "navigate"),
                Method::PostForm => ("empty", "cors"),
            };
            headers.push(("Sec-Fetch-Dest".into(), dest.into()));
            headers.push(("Sec-Fetch-Mode".into(), mode.into()));
            headers.push(("Sec-Fetch-Site".into(), "same-origin".into()));
        }
        if let Some(c) = self.cookie_header(origin, is_catalogue) {
            headers.push(("Cookie".into(), c));
        }
        for (k, v) in req.headers {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            headers.push((k.to_string(), v.to_string()));
        }
        let net = |e: ureq::Error| ProviderError::Network {
            url: req.url.to_string(),
            message: e.to_string(),
        };
        let result = match req.method {
            Method::Get => {
                let mut b = self.agent.get(req.url);
                for (k, v) in &headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                if !req.follow_redirects {
                    b = b.config().max_redirects(0).build();
                }
                b.call()
            }
            Method::PostForm => {
                let mut b = self.agent.post(req.url);
                for (k, v) in &headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                if !req.follow_redirects {
                    b = b.config().max_redirects(0).build();
                }
                b.send_form(req.form.iter().copied())
            }
        };
        let mut resp = result.map_err(net)?;
        let status = resp.status().as_u16();
        let final_url = resp.get_uri().to_string();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let set_cookie_origin = origin_key(&final_url).unwrap_or_else(|| origin.to_string());
        self.cookies.store_set_cookie(
            &set_cookie_origin,
            headers
                .iter()
                .filter(|(k, _)| k == "set-cookie")
                .map(|(_, v)| v.as_str()),
        );
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(net)?;
        Ok(Page {
            status,
            final_url,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// The `Cookie` header for `origin`: cookies the origin set, and on the catalogue the
    /// configured site cookie's pairs whose names the site has not set anew.
    fn cookie_header(&self, origin: &str, is_catalogue: bool) -> Option<String> {
        let stored = self.cookies.header(origin);
        let site = self.site_cookie.expose().filter(|_| is_catalogue);
        let Some(site) = site else {
            return stored;
        };
        let stored_names: Vec<&str> = stored
            .as_deref()
            .unwrap_or("")
            .split(';')
            .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim()))
            .collect();
        let mut parts: Vec<String> = stored.iter().cloned().collect();
        for pair in site.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let name = pair.split_once('=').map_or(pair, |(n, _)| n.trim());
            if !stored_names.contains(&name) {
                parts.push(pair.to_string());
            }
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Waits for the next free slot when `origin` is the catalogue.
    fn pace(&self, origin: &str) {
        if self.min_interval.is_zero() || !self.is_catalogue_origin(origin) {
            return;
        }
        let slot = {
            let mut next = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            reserve_slot(&mut next, Instant::now(), self.min_interval)
        };
        let wait = slot.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_proxy_is_a_config_error() {
        let cfg = ProviderConfig {
            proxy: Some("gopher://x:1".into()),
            ..ProviderConfig::default()
        };
        assert!(matches!(
            HttpClient::new(&cfg),
            Err(ProviderError::Config { .. })
        ));
    }

    #[test]
    fn catalogue_detection() {
        let cfg = ProviderConfig {
            base_url: "http://127.0.0.1:9/".into(),
            ..ProviderConfig::default()
        };
        let c = HttpClient::new(&cfg).unwrap();
        assert!(c.is_catalogue("http://127.0.0.1:9/anime/stream/x"));
        assert!(!c.is_catalogue("http://127.0.0.1:10/anime/stream/x"));
        assert!(!c.is_catalogue("https://127.0.0.1:9/"));
    }
}
