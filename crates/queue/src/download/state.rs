//! The resume state of an HLS download: `<final>.part.state` next to the `.part` file, saying how
//! many segments (of how many) the `.part` holds and how long it is. Written atomically, always
//! after the `.part` data it describes has been synced.

use std::fs;
use std::path::{Path, PathBuf};

use aniworld_core::files::{Access, write_atomic};

use super::DownloadError;
use super::finish::with_suffix;

/// What the `.part` file of an HLS download holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HlsState {
    /// Segments in the media playlist when the state was written.
    pub segments_total: usize,
    /// Segments written, in order, from the first.
    pub segments_done: usize,
    /// Length of the `.part` file after those segments.
    pub bytes: u64,
}

/// `<part>.state`.
pub(crate) fn state_path(part: &Path) -> PathBuf {
    with_suffix(part, ".state")
}

impl HlsState {
    /// Reads the state file; None when missing or unreadable (then the download starts over).
    pub(crate) fn load(path: &Path) -> Option<Self> {
        let text = fs::read_to_string(path).ok()?;
        let mut lines = text.lines();
        if lines.next()? != "aniworld-hls-state 1" {
            return None;
        }
        let mut field = |name: &str| -> Option<u64> {
            lines
                .next()?
                .strip_prefix(name)?
                .strip_prefix('=')?
                .trim()
                .parse()
                .ok()
        };
        Some(Self {
            segments_total: usize::try_from(field("segments_total")?).ok()?,
            segments_done: usize::try_from(field("segments_done")?).ok()?,
            bytes: field("bytes")?,
        })
    }

    /// Writes the state file atomically.
    pub(crate) fn save(&self, path: &Path) -> Result<(), DownloadError> {
        let text = format!(
            "aniworld-hls-state 1\nsegments_total={}\nsegments_done={}\nbytes={}\n",
            self.segments_total, self.segments_done, self.bytes
        );
        write_atomic(path, text.as_bytes(), Access::Default)
            .map_err(|e| DownloadError::from_io(&e, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mp4.part.state");
        let s = HlsState {
            segments_total: 600,
            segments_done: 17,
            bytes: 17 << 20,
        };
        s.save(&p).unwrap();
        assert_eq!(HlsState::load(&p), Some(s));
        fs::write(&p, "junk").unwrap();
        assert_eq!(HlsState::load(&p), None);
        // The write left no temporary file.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // The temporary of older versions' writes is recognised as such; the state and data
        // are not.
        let legacy = |name: &str| super::super::is_legacy_temp_file_name(name);
        assert!(legacy("x.mp4.part.state.tmp"));
        assert!(legacy("x.mp4.audio.part.state.tmp"));
        for kept in ["x.mp4.part.state", "x.mp4.part", "x.mp4", ".part.state.tmp"] {
            assert!(!legacy(kept), "{kept}");
        }
        assert_eq!(HlsState::load(&dir.path().join("missing")), None);
    }
}
