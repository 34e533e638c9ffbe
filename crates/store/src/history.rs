//! The download history on the `download_history` table (docs/history.md): entries are added
//! one at a time, read a page at a time (newest first, by series and event, offset and limit in
//! SQL, so only the page is read) and pruned by age. The queue's tables are never touched, so
//! clearing the queue leaves the history alone.

use aniworld_core::EpisodeId;
use aniworld_core::history::{HistoryEntry, HistoryEvent, HistoryQuery};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::Store;
use crate::convert::{to_i32, to_i64_saturating, to_u32, to_u64};
use crate::error::StoreError;
use crate::schema::download_history as history;
use crate::time;

/// A row of `download_history`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = history)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
struct HistoryRow {
    id: i32,
    event: String,
    at: String,
    series_key: String,
    series_name: String,
    season: i32,
    episode: i32,
    language: Option<String>,
    hoster: Option<String>,
    file_path: Option<String>,
    size_bytes: Option<i64>,
    error: Option<String>,
}

impl HistoryRow {
    /// The domain form of this row.
    fn into_entry(self) -> Result<HistoryEntry, StoreError> {
        let id = self.id;
        let what = |field: &str| format!("download_history.{field} of entry {id}");
        let event = self
            .event
            .parse::<HistoryEvent>()
            .map_err(|e| StoreError::value(what("event"), e))?;
        let language = self
            .language
            .map(|l| {
                l.parse()
                    .map_err(|e: String| StoreError::value(what("language"), e))
            })
            .transpose()?;
        Ok(HistoryEntry {
            id: i64::from(id),
            event,
            time: time::from_text(&self.at, || what("at"))?,
            series_key: self.series_key,
            series_name: self.series_name,
            episode: EpisodeId::new(
                to_u32(self.season, || what("season"))?,
                to_u32(self.episode, || what("episode"))?,
            ),
            language,
            hoster: self.hoster,
            file_path: self.file_path,
            size_bytes: self
                .size_bytes
                .map(|n| to_u64(n, || what("size_bytes")))
                .transpose()?,
            error: self.error,
        })
    }
}

impl Store {
    /// Adds one entry (its `id` is ignored) and returns the id it got.
    pub fn add_history_entry(&self, e: &HistoryEntry) -> Result<i64, StoreError> {
        let what = format!(
            "adding a {} history entry for {} {}",
            e.event, e.series_key, e.episode
        );
        let field = |f: &str| format!("download_history.{f} of {} {}", e.series_key, e.episode);
        let season = to_i32(e.episode.season, || field("season"))?;
        let episode = to_i32(e.episode.episode, || field("episode"))?;
        self.with_conn(&what, |c| {
            diesel::insert_into(history::table)
                .values((
                    history::event.eq(e.event.as_str()),
                    history::at.eq(time::to_text(e.time)),
                    history::series_key.eq(&e.series_key),
                    history::series_name.eq(&e.series_name),
                    history::season.eq(season),
                    history::episode.eq(episode),
                    history::language.eq(e.language.map(|l| l.name())),
                    history::hoster.eq(e.hoster.as_deref()),
                    history::file_path.eq(e.file_path.as_deref()),
                    history::size_bytes.eq(e.size_bytes.map(to_i64_saturating)),
                    history::error.eq(e.error.as_deref()),
                ))
                .execute(c)
                .map_err(StoreError::query(what.clone()))?;
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "last_insert_rowid()",
            ))
            .get_result(c)
            .map_err(StoreError::query(what.clone()))
        })
    }

    /// One page of the history, newest first (ties by insertion order, later first), filtered
    /// by series key and event; only the page's rows are read.
    pub fn history_page(&self, q: &HistoryQuery) -> Result<Vec<HistoryEntry>, StoreError> {
        let what = "reading a page of the download history";
        let mut query = history::table.into_boxed();
        if let Some(key) = &q.series_key {
            query = query.filter(history::series_key.eq(key.clone()));
        }
        if let Some(event) = q.event {
            query = query.filter(history::event.eq(event.as_str()));
        }
        let limit = i64::try_from(q.per_page).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset()).unwrap_or(i64::MAX);
        let rows = self.with_conn(what, |c| {
            query
                .order((history::at.desc(), history::id.desc()))
                .limit(limit)
                .offset(offset)
                .select(HistoryRow::as_select())
                .load(c)
                .map_err(StoreError::query(what))
        })?;
        rows.into_iter().map(HistoryRow::into_entry).collect()
    }

    /// Deletes the entries older than `before`; returns how many.
    pub fn prune_history(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let what = "pruning the download history";
        self.with_conn(what, |c| {
            diesel::delete(history::table.filter(history::at.lt(time::to_text(before))))
                .execute(c)
                .map_err(StoreError::query(what))
        })
    }
}
