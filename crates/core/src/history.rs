//! The download history: what happened to which episode and when (docs/history.md).
//!
//! An entry is written when a download completes or fails for good, when an episode file is
//! replaced by a better one and when a file is deleted; the history is kept apart from the
//! queue, so clearing the queue leaves it alone, and entries older than `history.keep_days`
//! are pruned.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::episode::{EpisodeId, Language};

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistoryEvent {
    /// A download put its episode into the library.
    Completed,
    /// A download failed for good (after its last retry).
    Failed,
    /// An episode file was replaced by a better one (another language).
    Upgraded,
    /// An episode file was deleted.
    Deleted,
}

impl HistoryEvent {
    /// Every event, in the order the documentation lists them.
    pub const ALL: [HistoryEvent; 4] = [
        HistoryEvent::Completed,
        HistoryEvent::Failed,
        HistoryEvent::Upgraded,
        HistoryEvent::Deleted,
    ];

    /// The wire and stored name (`completed`, `failed`, `upgraded`, `deleted`).
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryEvent::Completed => "completed",
            HistoryEvent::Failed => "failed",
            HistoryEvent::Upgraded => "upgraded",
            HistoryEvent::Deleted => "deleted",
        }
    }
}

impl fmt::Display for HistoryEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HistoryEvent {
    type Err = String;

    /// One of the four names, exactly.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HistoryEvent::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not one of completed, failed, upgraded, deleted"))
    }
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Row id (0 for an entry not stored yet); later entries have greater ids.
    pub id: i64,
    /// What happened.
    pub event: HistoryEvent,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// Series key (the catalogue slug).
    pub series_key: String,
    /// Series display name at the time.
    pub series_name: String,
    /// The episode.
    pub episode: EpisodeId,
    /// The language of the stream or file, when known.
    pub language: Option<Language>,
    /// The hoster the stream came from, when known.
    pub hoster: Option<String>,
    /// The episode file (the configured anime directory joined with the folder names).
    pub file_path: Option<String>,
    /// Size of the file in bytes.
    pub size_bytes: Option<u64>,
    /// Why a download failed (only for [`HistoryEvent::Failed`]).
    pub error: Option<String>,
}

impl HistoryEntry {
    /// An entry about `episode` of a series, happening now, with no other detail.
    pub fn new(
        event: HistoryEvent,
        series_key: impl Into<String>,
        series_name: impl Into<String>,
        episode: EpisodeId,
    ) -> Self {
        Self {
            id: 0,
            event,
            time: Utc::now(),
            series_key: series_key.into(),
            series_name: series_name.into(),
            episode,
            language: None,
            hoster: None,
            file_path: None,
            size_bytes: None,
            error: None,
        }
    }
}

/// Which entries a history page shows; newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Page number, from 1.
    pub page: usize,
    /// Entries per page, at least 1.
    pub per_page: usize,
    /// Only entries of this series key.
    pub series_key: Option<String>,
    /// Only entries of this event.
    pub event: Option<HistoryEvent>,
}

impl Default for HistoryQuery {
    /// The first page of 20 entries, unfiltered.
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 20,
            series_key: None,
            event: None,
        }
    }
}

impl HistoryQuery {
    /// Entries skipped before the page (saturating).
    pub fn offset(&self) -> u64 {
        (self.page.max(1) as u64 - 1).saturating_mul(self.per_page as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_from_their_names_only() {
        for e in HistoryEvent::ALL {
            assert_eq!(e.as_str().parse::<HistoryEvent>(), Ok(e));
        }
        let err = "Completed".parse::<HistoryEvent>().unwrap_err();
        assert!(
            err.contains("completed, failed, upgraded, deleted"),
            "{err}"
        );
    }

    #[test]
    fn the_offset_skips_whole_pages() {
        let q = |page, per_page| HistoryQuery {
            page,
            per_page,
            ..HistoryQuery::default()
        };
        assert_eq!(q(1, 20).offset(), 0);
        assert_eq!(q(3, 50).offset(), 100);
        assert_eq!(q(0, 50).offset(), 0);
        assert_eq!(q(usize::MAX, 1000).offset(), u64::MAX);
    }
}
