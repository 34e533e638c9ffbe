//! A FlareSolverr client (`provider.solver_url`).
//!
//! FlareSolverr runs a real browser that gets past anti-bot challenges. It is asked with
//! `POST <solver_url>` and `{"cmd":"request.get","url":...,"maxTimeout":60000}`; its answer
//! carries the page (`solution.response`), the cookies the browser earned and its user agent,
//! which the HTTP client keeps and sends with later requests to the same host.

use std::time::Duration;

use serde::Deserialize;

use crate::error::ProviderError;

/// How long FlareSolverr may work on one challenge (milliseconds, sent as `maxTimeout`).
pub const SOLVER_MAX_TIMEOUT_MS: u64 = 60_000;

/// What the solver returned for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// The URL the browser ended on.
    pub url: String,
    /// The status the browser saw.
    pub status: u16,
    /// The page HTML.
    pub response: String,
    /// Cookies as (name, value).
    pub cookies: Vec<(String, String)>,
    /// The browser's user agent (cookies are bound to it).
    pub user_agent: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    solution: Option<RawSolution>,
}

#[derive(Deserialize)]
struct RawSolution {
    #[serde(default)]
    url: String,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    response: String,
    #[serde(default)]
    cookies: Vec<RawCookie>,
    #[serde(default, rename = "userAgent")]
    user_agent: Option<String>,
}

#[derive(Deserialize)]
struct RawCookie {
    name: String,
    #[serde(default)]
    value: String,
}

/// A FlareSolverr endpoint.
#[derive(Debug, Clone)]
pub struct Solver {
    endpoint: String,
    agent: ureq::Agent,
    proxy: Option<String>,
}

impl Solver {
    /// A client for the endpoint; `proxy` is passed on so the solver's browser uses it too.
    pub fn new(endpoint: &str, proxy: Option<&str>) -> Result<Self, ProviderError> {
        let parsed = url::Url::parse(endpoint).map_err(|e| ProviderError::Config {
            what: format!("solver_url {endpoint:?} is not a URL: {e}"),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ProviderError::Config {
                what: format!("solver_url {endpoint:?} must be http or https"),
            });
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(SOLVER_MAX_TIMEOUT_MS + 30_000)))
            .build();
        Ok(Self {
            endpoint: endpoint.to_string(),
            agent: config.into(),
            proxy: proxy.map(str::to_string),
        })
    }

    /// Asks the solver to fetch `url` in its browser.
    pub fn get(&self, url: &str) -> Result<Solution, ProviderError> {
        let mut body = serde_json::json!({
            "cmd": "request.get",
            "url": url,
            "maxTimeout": SOLVER_MAX_TIMEOUT_MS,
        });
        if let Some(p) = &self.proxy {
            body["proxy"] = serde_json::json!({ "url": p });
        }
        let fail = |reason: String| ProviderError::Blocked {
            url: url.to_string(),
            reason: format!("FlareSolverr at {} failed: {reason}", self.endpoint),
        };
        let mut resp = self
            .agent
            .post(&self.endpoint)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| fail(format!("not reachable ({e})")))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| fail(format!("unreadable answer ({e})")))?;
        let answer: Answer = serde_json::from_str(&text).map_err(|e| {
            fail(format!(
                "answer is not FlareSolverr JSON (HTTP {status}, {e})"
            ))
        })?;
        let solution = match (answer.status.as_str(), answer.solution) {
            ("ok", Some(s)) => s,
            (st, _) => {
                return Err(fail(format!(
                    "status {st:?}: {}",
                    if answer.message.is_empty() {
                        "no solution"
                    } else {
                        &answer.message
                    }
                )));
            }
        };
        Ok(Solution {
            url: if solution.url.is_empty() {
                url.to_string()
            } else {
                solution.url
            },
            status: if solution.status == 0 {
                200
            } else {
                solution.status
            },
            response: solution.response,
            cookies: solution
                .cookies
                .into_iter()
                .map(|c| (c.name, c.value))
                .collect(),
            user_agent: solution.user_agent.filter(|u| !u.trim().is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_endpoints() {
        assert!(Solver::new("not a url", None).is_err());
        assert!(Solver::new("ftp://x/v1", None).is_err());
        assert!(Solver::new("http://127.0.0.1:8191/v1", None).is_ok());
    }
}
