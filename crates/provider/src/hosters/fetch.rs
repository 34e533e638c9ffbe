//! The HTTP seam of the extractors: a small [`Fetch`] trait plus a plain ureq implementation.
//!
//! Extractors only need "GET this with these headers" and "POST this form", each answering the
//! status, the URL after redirects and the body. The catalogue's polite client implements the
//! trait too, so the resolver can share its proxy, DNS and timeout settings.

use std::time::Duration;

use ureq::ResponseExt;

use crate::http::{HttpClient, Page};

/// A page as a hoster served it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPage {
    /// HTTP status of the final response.
    pub status: u16,
    /// URL of the final response, after redirects.
    pub final_url: String,
    /// Body as text (lossy UTF-8).
    pub body: String,
}

/// A request that got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request to {url} failed: {message}")]
pub struct FetchError {
    /// The URL that was requested.
    pub url: String,
    /// The underlying error.
    pub message: String,
    /// What kind of failure it was.
    pub kind: FetchErrorKind,
}

/// What kind of failure a [`FetchError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    /// Below HTTP (DNS, connect, TLS, timeout, cut connection, oversized body), or the retries
    /// for 429/5xx answers were used up.
    Network,
    /// The host answered with an anti-bot check (browser check, captcha) that the client could
    /// not get past, nor its FlareSolverr when one is configured; or the host is still in the
    /// cool-down after such an answer.
    Challenge,
}

/// Blocking HTTP as the extractors need it. Redirects are followed; any status is an `Ok`.
pub trait Fetch: Send + Sync {
    /// GET `url` with extra `headers`.
    fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<FetchedPage, FetchError>;
    /// POST `form` as `application/x-www-form-urlencoded` to `url` with extra `headers`.
    fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<FetchedPage, FetchError>;
}

/// Largest hoster page read into memory.
const MAX_PAGE_BYTES: u64 = 8 * 1024 * 1024;

/// A plain ureq client (no proxy, system DNS) for tools and tests.
#[derive(Debug, Clone)]
pub struct UreqFetch {
    agent: ureq::Agent,
}

impl UreqFetch {
    /// A client whose every request gives up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Self { agent }
    }

    fn finish(
        url: &str,
        res: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<FetchedPage, FetchError> {
        let err = |e: ureq::Error| FetchError {
            url: url.to_string(),
            message: e.to_string(),
            kind: FetchErrorKind::Network,
        };
        let mut res = res.map_err(err)?;
        let final_url = res.get_uri().to_string();
        let status = res.status().as_u16();
        let bytes = res
            .body_mut()
            .with_config()
            .limit(MAX_PAGE_BYTES)
            .read_to_vec()
            .map_err(err)?;
        Ok(FetchedPage {
            status,
            final_url,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

impl Fetch for UreqFetch {
    fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<FetchedPage, FetchError> {
        let mut req = self.agent.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::finish(url, req.call())
    }

    fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<FetchedPage, FetchError> {
        let mut req = self.agent.post(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::finish(url, req.send_form(form.iter().copied()))
    }
}

/// The catalogue's client serves the hosters too: its proxy, DNS overrides, timeouts, retries
/// and anti-bot handling (FlareSolverr, the cool-down after a challenge) then apply to hoster
/// pages as well. A challenge it could not get past is a [`FetchErrorKind::Challenge`].
impl Fetch for HttpClient {
    fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<FetchedPage, FetchError> {
        page_of(url, self.get_any(url, headers))
    }

    fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<FetchedPage, FetchError> {
        page_of(url, self.post_form_any(url, form, headers))
    }
}

fn page_of(
    url: &str,
    res: Result<Page, crate::error::ProviderError>,
) -> Result<FetchedPage, FetchError> {
    res.map(|p| FetchedPage {
        status: p.status,
        final_url: p.final_url,
        body: p.body,
    })
    .map_err(|e| FetchError {
        url: url.to_string(),
        message: e.to_string(),
        // The client's `Blocked` always stems from its challenge detection (or the cool-down
        // after one), never from a plain status.
        kind: match e {
            crate::error::ProviderError::Blocked { .. } => FetchErrorKind::Challenge,
            _ => FetchErrorKind::Network,
        },
    })
}
