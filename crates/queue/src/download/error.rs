//! [`DownloadError`]: why a media download failed, in the categories the queue acts on.

use std::io;
use std::path::{Path, PathBuf};

/// Why [`crate::download::fetch_media`] failed. Every variant carries what was being done.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The disk holding `path` is full (ENOSPC).
    #[error("disk full while writing {}", path.display())]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },
    /// The process may not write `path` (permissions, read-only file system).
    #[error("permission denied writing {}", path.display())]
    PermissionDenied {
        /// The file or folder that refused the write.
        path: PathBuf,
    },
    /// The library or series folder that should hold the file does not exist (any more).
    #[error("target folder {} does not exist", path.display())]
    TargetMissing {
        /// The missing folder.
        path: PathBuf,
    },
    /// Any other local I/O failure.
    #[error("I/O error on {}: {msg}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What failed.
        msg: String,
    },
    /// The host answered with an HTML page (an error or block page) instead of media.
    #[error("{url} answered {content_type} instead of media")]
    NotMedia {
        /// The URL requested.
        url: String,
        /// The content type (or the sniffed kind) of the answer.
        content_type: String,
    },
    /// The host answered with an HTTP error status.
    #[error("{url} answered HTTP {status}")]
    Http {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The connection failed, timed out or broke off mid-transfer.
    #[error("network error on {url}: {msg}")]
    Network {
        /// The URL requested.
        url: String,
        /// What went wrong.
        msg: String,
    },
    /// An HLS playlist could not be used.
    #[error("bad playlist {url}: {what}")]
    Playlist {
        /// The playlist URL.
        url: String,
        /// What is wrong with it.
        what: String,
    },
    /// The media playlist is a live (or still growing) stream: it has no `#EXT-X-ENDLIST` and
    /// is not of type VOD, so any download would be a partial snapshot.
    #[error("{url} is a live stream (no #EXT-X-ENDLIST): refusing to save a partial snapshot")]
    LiveStream {
        /// The media playlist URL.
        url: String,
    },
    /// An AES-128 segment or its key could not be decrypted.
    #[error("decryption failed for {url}: {what}")]
    Decrypt {
        /// The segment or key URL.
        url: String,
        /// What went wrong.
        what: String,
    },
    /// The stream uses something this downloader does not support (DRM, SAMPLE-AES, ...).
    #[error("unsupported stream: {what}")]
    Unsupported {
        /// What is not supported.
        what: String,
    },
    /// The downloaded data failed verification (short file, unreadable container, ...).
    #[error("verification failed: {what}")]
    Verification {
        /// What did not check out.
        what: String,
    },
    /// A helper program the settings require is not installed (`ffprobe` with
    /// `download.verify` = `"always"`); nothing was fetched.
    #[error(
        "{tool} was not found on the PATH, but {setting}: install ffmpeg (it brings {tool}) or change the setting"
    )]
    ToolMissing {
        /// The program looked for.
        tool: String,
        /// The setting that requires it, e.g. `download.verify is "always"`.
        setting: String,
    },
    /// The caller cancelled the download.
    #[error("download cancelled")]
    Cancelled,
}

impl DownloadError {
    /// Whether trying the same download again later may succeed: network failures, 5xx, 429 and
    /// 408 are retryable; HTML instead of media, DRM, permission, disk full and the like are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Network { .. } => true,
            Self::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            // A truncated or garbled transfer may well succeed the next time.
            Self::Verification { .. } => true,
            Self::Io { .. } => true,
            Self::DiskFull { .. }
            | Self::PermissionDenied { .. }
            | Self::TargetMissing { .. }
            | Self::NotMedia { .. }
            | Self::Playlist { .. }
            | Self::LiveStream { .. }
            | Self::Decrypt { .. }
            | Self::Unsupported { .. }
            | Self::ToolMissing { .. }
            | Self::Cancelled => false,
        }
    }

    /// Maps a local I/O error on `path` to the typed variants (disk full, permission, missing folder).
    pub(crate) fn from_io(err: &io::Error, path: &Path) -> Self {
        const ENOSPC: i32 = 28;
        const EDQUOT: i32 = 122;
        const EROFS: i32 = 30;
        let path = path.to_path_buf();
        match err.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => Self::DiskFull { path },
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                Self::PermissionDenied { path }
            }
            io::ErrorKind::NotFound => match path.parent() {
                // The folder is there: the file itself was removed under our feet.
                Some(dir) if dir.is_dir() => Self::Io {
                    msg: format!("file vanished while in use: {err}"),
                    path,
                },
                Some(dir) => Self::TargetMissing {
                    path: dir.to_path_buf(),
                },
                None => Self::TargetMissing { path },
            },
            _ => match err.raw_os_error() {
                Some(ENOSPC) | Some(EDQUOT) => Self::DiskFull { path },
                Some(EROFS) => Self::PermissionDenied { path },
                _ => Self::Io {
                    path,
                    msg: err.to_string(),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_typed_variants() {
        let p = Path::new("/lib/Show/Season 01/x.mp4");
        let full = io::Error::from_raw_os_error(28);
        assert!(matches!(
            DownloadError::from_io(&full, p),
            DownloadError::DiskFull { .. }
        ));
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(matches!(
            DownloadError::from_io(&denied, p),
            DownloadError::PermissionDenied { .. }
        ));
        let gone = io::Error::from(io::ErrorKind::NotFound);
        let here = std::env::temp_dir().join("no-such-file.part");
        assert!(matches!(
            DownloadError::from_io(&gone, &here),
            DownloadError::Io { .. }
        ));
        match DownloadError::from_io(&gone, p) {
            DownloadError::TargetMissing { path } => {
                assert_eq!(path, Path::new("/lib/Show/Season 01"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn retryable_categories() {
        let http = |status| DownloadError::Http {
            url: "u".into(),
            status,
        };
        assert!(http(503).is_retryable());
        assert!(http(429).is_retryable());
        assert!(!http(404).is_retryable());
        assert!(
            DownloadError::Network {
                url: "u".into(),
                msg: "reset".into()
            }
            .is_retryable()
        );
        assert!(
            !DownloadError::NotMedia {
                url: "u".into(),
                content_type: "text/html".into()
            }
            .is_retryable()
        );
        assert!(
            !DownloadError::Unsupported {
                what: "SAMPLE-AES".into()
            }
            .is_retryable()
        );
        assert!(!DownloadError::DiskFull { path: "/x".into() }.is_retryable());
        let missing = DownloadError::ToolMissing {
            tool: "ffprobe".into(),
            setting: "download.verify is \"always\"".into(),
        };
        assert!(!missing.is_retryable(), "retrying does not install ffprobe");
        assert!(missing.to_string().contains("download.verify"), "{missing}");
        assert!(!DownloadError::Cancelled.is_retryable());
    }
}
