//! Row counts of the main tables, for health reports and tests.

use diesel::prelude::*;

use crate::Store;
use crate::error::StoreError;
use crate::schema::{download_queue, episodes, revoked_tokens, series, settings};

/// How many rows the main tables hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    /// Series of the library.
    pub series: u64,
    /// Episode rows of all series.
    pub episodes: u64,
    /// Items of the download queue, in any status.
    pub queue_items: u64,
    /// Settings keys.
    pub settings: u64,
    /// Revoked token ids still kept.
    pub revoked_tokens: u64,
}

impl Store {
    /// Counts the rows of the main tables in one read.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let what = "counting rows";
        self.with_conn(what, |c| {
            c.transaction(|c| {
                let count = |n: i64| u64::try_from(n).unwrap_or(0);
                Ok(StoreStats {
                    series: count(series::table.count().get_result(c)?),
                    episodes: count(episodes::table.count().get_result(c)?),
                    queue_items: count(download_queue::table.count().get_result(c)?),
                    settings: count(settings::table.count().get_result(c)?),
                    revoked_tokens: count(revoked_tokens::table.count().get_result(c)?),
                })
            })
            .map_err(StoreError::query(what))
        })
    }
}
