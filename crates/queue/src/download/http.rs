//! Blocking HTTP for media: one ureq agent per download, the source's headers on every request,
//! the shared [`HostBudget`] around every request, and ureq errors mapped to [`DownloadError`].

use std::io::Read;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use aniworld_core::ports::CancelToken;
use crossbeam_channel::{RecvTimeoutError, bounded};
use ureq::ResponseExt;
use url::Url;

use super::budget::{HostBudget, HostPermit};
use super::{DownloadError, FetchOptions};

/// Browser-like User-Agent used when the media source names none.
const DEFAULT_USER_AGENT: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// Size of the chunks a body is streamed in.
pub(crate) const CHUNK: usize = 256 * 1024;

/// An HTTP client for one download.
pub(crate) struct Http {
    agent: ureq::Agent,
    headers: Vec<(String, String)>,
    budget: Arc<HostBudget>,
}

/// A response whose status was accepted, with the host permit held while the body is read.
pub(crate) struct Response {
    /// The URL that finally answered (after redirects).
    pub final_url: Url,
    /// Status code.
    pub status: u16,
    /// `Content-Type`, lower-cased, without parameters ("" when absent).
    pub content_type: String,
    /// `Content-Length`, when sent.
    pub content_length: Option<u64>,
    /// `Content-Range: bytes a-b/total` as (a, b, total), when sent; `total` None for `*`.
    pub content_range: Option<(u64, u64, Option<u64>)>,
    /// `Content-Range: bytes */total` of a 416 answer.
    pub unsatisfied_total: Option<u64>,
    /// The body.
    pub body: ureq::BodyReader<'static>,
    _permit: HostPermit,
}

impl Http {
    /// A client sending `headers` (Referer, User-Agent, ...) with every request.
    pub(crate) fn new(headers: &[(String, String)], opts: &FetchOptions) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(opts.timeout))
            .timeout_recv_response(Some(opts.timeout))
            .timeout_per_read(Some(opts.timeout))
            .max_idle_connections(opts.segment_concurrency.max(4) * 2)
            .max_idle_connections_per_host(opts.segment_concurrency.max(4) * 2)
            .max_redirects(10)
            // Requests here are a GET line and a few headers: 16 KiB holds them with room for
            // long signed URLs, where the default 128 KiB per pooled connection cost up to 2 MB.
            .output_buffer_size(16 << 10)
            .build()
            .new_agent();
        let mut headers = headers.to_vec();
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        {
            headers.push(("User-Agent".into(), DEFAULT_USER_AGENT.into()));
        }
        // Byte offsets must refer to the stored bytes, never to a compressed transfer.
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("accept-encoding"));
        headers.push(("Accept-Encoding".into(), "identity".into()));
        Self {
            agent,
            headers,
            budget: opts.budget.clone(),
        }
    }

    /// GET `url`, optionally the byte range `start..=end` (`end` None = to the end). 2xx and 416
    /// are returned; other statuses become [`DownloadError::Http`].
    pub(crate) fn get(
        &self,
        url: &Url,
        range: Option<(u64, Option<u64>)>,
        cancel: &CancelToken,
    ) -> Result<Response, DownloadError> {
        let permit = self.budget.acquire(url.host_str().unwrap_or(""), cancel)?;
        let mut req = self.agent.get(url.as_str());
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some((start, end)) = range {
            let value = match end {
                Some(end) => format!("bytes={start}-{end}"),
                None => format!("bytes={start}-"),
            };
            req = req.header("Range", value.as_str());
        }
        let resp = req.call().map_err(|e| map_ureq(url, e))?;
        let status = resp.status().as_u16();
        let final_url = Url::parse(&resp.get_uri().to_string()).unwrap_or_else(|_| url.clone());
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if !(200..300).contains(&status) && status != 416 {
            return Err(DownloadError::Http {
                url: url.to_string(),
                status,
            });
        }
        let content_type = header("content-type")
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let content_length = header("content-length").and_then(|v| v.trim().parse().ok());
        let range_header = header("content-range");
        let content_range = range_header.as_deref().and_then(parse_content_range);
        let unsatisfied_total = range_header
            .as_deref()
            .and_then(|v| v.trim().strip_prefix("bytes */"))
            .and_then(|t| t.trim().parse().ok());
        Ok(Response {
            final_url,
            status,
            content_type,
            content_length,
            content_range,
            unsatisfied_total,
            body: resp.into_body().into_reader(),
            _permit: permit,
        })
    }

    /// GET a small resource (playlist, key, init section) completely, at most `limit` bytes.
    pub(crate) fn get_small(
        &self,
        url: &Url,
        range: Option<(u64, Option<u64>)>,
        limit: u64,
        cancel: &CancelToken,
    ) -> Result<(Vec<u8>, Response), DownloadError> {
        let mut resp = self.get(url, range, cancel)?;
        if resp.status == 416 {
            return Err(DownloadError::Http {
                url: url.to_string(),
                status: 416,
            });
        }
        let mut data = Vec::new();
        (&mut resp.body)
            .take(limit + 1)
            .read_to_end(&mut data)
            .map_err(|e| network(url, &e))?;
        if data.len() as u64 > limit {
            return Err(DownloadError::Network {
                url: url.to_string(),
                msg: format!("answer larger than {limit} bytes"),
            });
        }
        Ok((data, resp))
    }
}

/// Parses `bytes a-b/total` (total may be `*`).
pub(crate) fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?, total))
}

fn map_ureq(url: &Url, e: ureq::Error) -> DownloadError {
    match e {
        ureq::Error::StatusCode(status) => DownloadError::Http {
            url: url.to_string(),
            status,
        },
        other => DownloadError::Network {
            url: url.to_string(),
            msg: other.to_string(),
        },
    }
}

/// A network error for a failed body read.
pub(crate) fn network(url: &Url, e: &std::io::Error) -> DownloadError {
    DownloadError::Network {
        url: url.to_string(),
        msg: e.to_string(),
    }
}

/// Why streaming a body stopped early.
pub(crate) enum PumpError {
    /// Reading from the network failed after `read` bytes were delivered.
    Read(std::io::Error),
    /// The chunk consumer failed (disk) or the download was cancelled.
    Stop(DownloadError),
}

/// Streams `body` to `sink` in chunks, reading on a helper thread so that cancellation is
/// noticed within a fraction of a second even while the network is stalled. Memory stays at a
/// few chunks. Returns the number of bytes delivered.
pub(crate) fn pump(
    body: ureq::BodyReader<'static>,
    cancel: &CancelToken,
    mut sink: impl FnMut(&[u8]) -> Result<(), DownloadError>,
) -> Result<u64, PumpError> {
    const BUFFERS: usize = 4;
    let (full_tx, full_rx) = bounded::<std::io::Result<Vec<u8>>>(BUFFERS);
    let (free_tx, free_rx) = bounded::<Vec<u8>>(BUFFERS);
    for _ in 0..BUFFERS {
        let _ = free_tx.send(vec![0u8; CHUNK]);
    }
    let reader_cancel = cancel.clone();
    let spawned = thread::Builder::new()
        .name("media-read".into())
        .spawn(move || read_loop(body, &reader_cancel, &free_rx, &full_tx));
    if let Err(e) = spawned {
        return Err(PumpError::Read(e));
    }
    let mut delivered = 0u64;
    loop {
        if cancel.is_cancelled() {
            return Err(PumpError::Stop(DownloadError::Cancelled));
        }
        match full_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(buf)) if buf.is_empty() => return Ok(delivered),
            Ok(Ok(buf)) => {
                sink(&buf).map_err(PumpError::Stop)?;
                delivered += buf.len() as u64;
                let mut buf = buf;
                buf.resize(CHUNK, 0);
                let _ = free_tx.send(buf);
            }
            Ok(Err(e)) => return Err(PumpError::Read(e)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PumpError::Read(std::io::Error::other("reader stopped")));
            }
        }
    }
}

fn read_loop(
    mut body: ureq::BodyReader<'static>,
    cancel: &CancelToken,
    free: &crossbeam_channel::Receiver<Vec<u8>>,
    full: &crossbeam_channel::Sender<std::io::Result<Vec<u8>>>,
) {
    loop {
        let Ok(mut buf) = free.recv() else { return };
        let mut filled = 0;
        let result = loop {
            if cancel.is_cancelled() {
                return;
            }
            match body.read(&mut buf[filled..]) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    filled += n;
                    if filled == buf.len() {
                        break Ok(());
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        buf.truncate(filled);
        let eof = filled < CHUNK;
        match result {
            Ok(()) => {
                if filled > 0 && full.send(Ok(buf)).is_err() {
                    return;
                }
                if eof {
                    let _ = full.send(Ok(Vec::new()));
                    return;
                }
            }
            Err(e) => {
                if filled > 0 && full.send(Ok(buf)).is_err() {
                    return;
                }
                let _ = full.send(Err(e));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing() {
        assert_eq!(
            parse_content_range("bytes 10-19/100"),
            Some((10, 19, Some(100)))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
        assert_eq!(parse_content_range("items 1-2/3"), None);
        assert_eq!(parse_content_range("bytes x-1/2"), None);
    }
}
