//! Direct files: stream to `<final>.part` with constant memory, resume with `Range` from the
//! `.part` length (within a call after a broken connection, and across calls), detect servers that
//! ignore `Range`, and check the length against `Content-Length`/`Content-Range`.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use aniworld_core::ports::CancelToken;
use url::Url;

use super::http::{Http, PumpError, network, pump};
use super::progress::ProgressMeter;
use super::retry::Backoff;
use super::sniff::looks_like_html;
use super::writeback::Kicker;
use super::{DownloadError, FetchOptions};

/// Downloads `url` into `part` until the file is complete; returns its length.
pub(crate) fn fetch_direct(
    http: &Http,
    url: &Url,
    part: &Path,
    opts: &FetchOptions,
    meter: &mut ProgressMeter<'_>,
    cancel: &CancelToken,
) -> Result<u64, DownloadError> {
    let io = |e: std::io::Error| DownloadError::from_io(&e, part);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(part)
        .map_err(io)?;
    let mut offset = file.metadata().map_err(io)?.len();
    let mut kicker = Kicker::new(offset);
    let mut backoff = Backoff::new(opts.segment_retries, opts.retry_backoff);
    let mut total: Option<u64> = None;
    loop {
        if cancel.is_cancelled() {
            return Err(DownloadError::Cancelled);
        }
        if total.is_some_and(|t| offset >= t) {
            break;
        }
        let range = (offset > 0).then_some((offset, None));
        let resp = match http.get(url, range, cancel) {
            Ok(r) => r,
            Err(e) if e.is_retryable() && backoff.wait(cancel)? => {
                log::debug!("retrying {url}: {e}");
                continue;
            }
            Err(e) => return Err(e),
        };
        if resp.status == 416 {
            match resp.unsatisfied_total {
                Some(t) if t == offset => {
                    total = Some(t);
                    break;
                }
                _ => {
                    log::info!("{url}: range {offset}- not satisfiable, starting over");
                    restart(&mut file, part, &mut offset, meter)?;
                    continue;
                }
            }
        }
        if resp.content_type.contains("html") {
            return Err(DownloadError::NotMedia {
                url: url.to_string(),
                content_type: resp.content_type.clone(),
            });
        }
        match (resp.status, resp.content_range) {
            (206, Some((start, _, t))) if start == offset => {
                total = partial_total(offset, t, resp.content_length);
            }
            (206, _) if offset > 0 => {
                log::info!("{url}: unexpected Content-Range, starting over");
                restart(&mut file, part, &mut offset, meter)?;
                continue;
            }
            _ => {
                if offset > 0 {
                    log::info!("{url} ignores Range: starting the file over");
                    restart(&mut file, part, &mut offset, meter)?;
                }
                total = resp.content_length;
            }
        }
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut first = offset == 0;
        let result = pump(resp.body, cancel, |chunk| {
            if first {
                first = false;
                if looks_like_html(chunk) {
                    return Err(DownloadError::NotMedia {
                        url: url.to_string(),
                        content_type: "text/html (sniffed)".into(),
                    });
                }
            }
            file.write_all(chunk).map_err(io)?;
            offset += chunk.len() as u64;
            kicker.wrote(&file, offset);
            meter.update(offset, total);
            Ok(())
        });
        match result {
            Ok(_) => {
                if let Some(t) = total
                    && offset < t
                {
                    // The body ended early without an error: resume like after a cut.
                    backoff.reset_if_progress(offset);
                    if backoff.wait(cancel)? {
                        continue;
                    }
                    return Err(DownloadError::Network {
                        url: url.to_string(),
                        msg: format!("transfer ended at {offset} of {t} bytes"),
                    });
                }
                break;
            }
            Err(PumpError::Stop(e)) => return Err(e),
            Err(PumpError::Read(e)) => {
                // Progress was made: the retry budget starts afresh.
                backoff.reset_if_progress(offset);
                log::debug!("{url}: connection broke at byte {offset}: {e}");
                if !backoff.wait(cancel)? {
                    return Err(network(url, &e));
                }
            }
        }
    }
    file.sync_all().map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if let Some(t) = total
        && len != t
    {
        return Err(DownloadError::Verification {
            what: format!(
                "{} has {len} bytes, the server announced {t}",
                part.display()
            ),
        });
    }
    if len == 0 {
        return Err(DownloadError::Verification {
            what: format!("{url} delivered an empty file"),
        });
    }
    meter.finish(len, Some(len));
    Ok(len)
}

/// The resource size of a 206 answer starting at `offset`: the Content-Range total, else
/// `offset` plus Content-Length (saturating, as the length comes from the server).
fn partial_total(
    offset: u64,
    range_total: Option<u64>,
    content_length: Option<u64>,
) -> Option<u64> {
    range_total.or(content_length.map(|l| offset.saturating_add(l)))
}

fn restart(
    file: &mut File,
    part: &Path,
    offset: &mut u64,
    meter: &mut ProgressMeter<'_>,
) -> Result<(), DownloadError> {
    file.set_len(0)
        .map_err(|e| DownloadError::from_io(&e, part))?;
    *offset = 0;
    meter.rebase(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::partial_total;

    #[test]
    fn partial_total_survives_a_hostile_content_length() {
        assert_eq!(partial_total(10, Some(100), Some(5)), Some(100));
        assert_eq!(partial_total(10, None, Some(90)), Some(100));
        assert_eq!(partial_total(10, None, Some(u64::MAX)), Some(u64::MAX));
        assert_eq!(partial_total(10, None, None), None);
    }
}
