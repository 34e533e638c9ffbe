//! A minimal per-host cookie store.
//!
//! Anti-bot front-ends (DDoS-Guard `__ddg*`, Cloudflare `cf_clearance`) hand out cookies that
//! must come back with later requests. Only name and value are kept, per host; paths, expiry and
//! domain widening are ignored, which is enough for these cookies and sends nothing to other hosts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Cookies and a user agent remembered for one host.
#[derive(Debug, Default, Clone)]
struct HostState {
    cookies: BTreeMap<String, String>,
    user_agent: Option<String>,
}

/// Cookies (and a solver's user agent) per host name.
#[derive(Debug, Default)]
pub struct CookieStore {
    hosts: Mutex<HashMap<String, HostState>>,
}

impl CookieStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers one cookie for `host`.
    pub fn set(&self, host: &str, name: &str, value: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(host.to_ascii_lowercase())
            .or_default()
            .cookies
            .insert(name.to_string(), value.to_string());
    }

    /// Remembers the cookies of every `Set-Cookie` header value for `host`.
    pub fn store_set_cookie<'a>(&self, host: &str, values: impl Iterator<Item = &'a str>) {
        for v in values {
            let pair = v.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                let name = name.trim();
                if !name.is_empty() {
                    self.set(host, name, value.trim());
                }
            }
        }
    }

    /// Remembers the user agent the cookies of `host` are bound to.
    pub fn set_user_agent(&self, host: &str, ua: &str) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(host.to_ascii_lowercase())
            .or_default()
            .user_agent = Some(ua.to_string());
    }

    /// The `Cookie` header value for `host`, if any cookie is known.
    pub fn header(&self, host: &str) -> Option<String> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let state = hosts.get(&host.to_ascii_lowercase())?;
        if state.cookies.is_empty() {
            return None;
        }
        Some(
            state
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// The user agent remembered for `host`.
    pub fn user_agent(&self, host: &str) -> Option<String> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .get(&host.to_ascii_lowercase())
            .and_then(|s| s.user_agent.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_renders() {
        let c = CookieStore::new();
        assert_eq!(c.header("a.test"), None);
        c.store_set_cookie(
            "A.test",
            [
                "__ddg1_=abc; Path=/; HttpOnly",
                "x=1",
                "broken",
                "=nameless",
            ]
            .into_iter(),
        );
        c.set("a.test", "x", "2");
        assert_eq!(c.header("a.test").as_deref(), Some("__ddg1_=abc; x=2"));
        assert_eq!(c.header("b.test"), None);
        c.set_user_agent("a.test", "UA/1");
        assert_eq!(c.user_agent("a.test").as_deref(), Some("UA/1"));
    }
}
