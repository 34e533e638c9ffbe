//! [`QueueRepo`] on the `download_queue` table.

use aniworld_core::ports::{QueueRepo, RepoError};
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeRef, ItemId, Priority, Progress};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::Store;
use crate::convert::{to_i32, to_i64_saturating, to_u32, to_u64};
use crate::error::StoreError;
use crate::schema::download_queue;
use crate::time;

/// Ids per `IN (...)` list, well under SQLite's bound-parameter limit.
const CHUNK: usize = 500;

/// A row of `download_queue`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = download_queue)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
struct QueueItemRow {
    id: String,
    series_id: String,
    series_folder: String,
    series_name: String,
    season: i32,
    episode: i32,
    title: Option<String>,
    status: String,
    priority: i32,
    position: i64,
    added_at: String,
    started_at: Option<String>,
    completed_at: Option<String>,
    progress_json: Option<String>,
    error: Option<String>,
    retry_count: i32,
    source_url: Option<String>,
    downloaded_bytes: i64,
    not_before: Option<String>,
    waiting_json: Option<String>,
}

/// The full stored state of an item, for inserts and updates (None writes NULL).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = download_queue)]
#[diesel(treat_none_as_null = true)]
struct NewQueueItem<'a> {
    id: String,
    series_id: &'a str,
    series_folder: &'a str,
    series_name: &'a str,
    season: i32,
    episode: i32,
    title: Option<&'a str>,
    status: &'static str,
    priority: i32,
    position: i64,
    added_at: String,
    started_at: Option<String>,
    completed_at: Option<String>,
    progress_json: Option<String>,
    error: Option<&'a str>,
    retry_count: i32,
    source_url: Option<&'a str>,
    downloaded_bytes: i64,
    not_before: Option<String>,
    waiting_json: Option<String>,
}

/// The stored processing rank of a priority.
fn priority_rank(p: Priority) -> i32 {
    i32::from(p.rank())
}

/// The status of a stored name. `paused` and `cancelled`, which the table's check admits but
/// no version wrote, load as the nearest status there is: a paused item waits (pending), a
/// cancelled one stays put until it is retried or cleared (failed).
fn stored_status(name: &str) -> Result<DownloadStatus, String> {
    match name {
        "paused" => Ok(DownloadStatus::Pending),
        "cancelled" => Ok(DownloadStatus::Failed),
        other => other.parse(),
    }
}

/// The priority of a stored rank.
fn priority_from_rank(rank: i32) -> Option<Priority> {
    [Priority::High, Priority::Normal, Priority::Low]
        .into_iter()
        .find(|p| priority_rank(*p) == rank)
}

impl<'a> NewQueueItem<'a> {
    /// The stored form of `item`.
    fn from_item(item: &'a DownloadItem) -> Result<Self, StoreError> {
        let what = |field: &str| format!("download_queue.{field} of item {}", item.id);
        let progress_json = item
            .progress
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::value(what("progress_json"), e.to_string()))?;
        let waiting_json = item
            .waiting
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::value(what("waiting_json"), e.to_string()))?;
        Ok(NewQueueItem {
            id: item.id.to_string(),
            series_id: &item.series_id,
            series_folder: &item.series_folder,
            series_name: &item.series_name,
            season: to_i32(item.episode.season, || what("season"))?,
            episode: to_i32(item.episode.episode, || what("episode"))?,
            title: item.episode.title.as_deref(),
            status: item.status.as_str(),
            priority: priority_rank(item.priority),
            position: item.position,
            added_at: time::to_text(item.added_at),
            started_at: time::opt_to_text(item.started_at),
            completed_at: time::opt_to_text(item.completed_at),
            progress_json,
            error: item.error.as_deref(),
            retry_count: to_i32(item.retry_count, || what("retry_count"))?,
            source_url: item.source_url.as_deref(),
            downloaded_bytes: to_i64_saturating(item.downloaded_bytes),
            not_before: time::opt_to_text(item.not_before),
            waiting_json,
        })
    }
}

impl QueueItemRow {
    /// The domain item of this row.
    fn into_item(self) -> Result<DownloadItem, StoreError> {
        let rid = self.id.clone();
        let what = |field: &str| format!("download_queue.{field} of item {rid}");
        let id = self
            .id
            .parse::<ItemId>()
            .map_err(|e| StoreError::value(what("id"), e.to_string()))?;
        let status =
            stored_status(&self.status).map_err(|e| StoreError::value(what("status"), e))?;
        // A failed item says why; a cancelled one of an older database says nothing else.
        let error = match self.error {
            None if self.status == "cancelled" => Some("cancelled".to_string()),
            error => error,
        };
        let priority = priority_from_rank(self.priority).ok_or_else(|| {
            StoreError::value(what("priority"), format!("unknown rank {}", self.priority))
        })?;
        // Progress is transient: a value that no longer parses is dropped, not fatal.
        let progress = self.progress_json.as_deref().and_then(|json| {
            serde_json::from_str::<Progress>(json)
                .inspect_err(|e| {
                    log::warn!("ignoring unreadable progress of queue item {rid}: {e}")
                })
                .ok()
        });
        // Waiting is transient too: an unreadable value means "not waiting".
        let waiting = self.waiting_json.as_deref().and_then(|json| {
            serde_json::from_str::<aniworld_core::ports::WaitInfo>(json)
                .inspect_err(|e| log::warn!("ignoring unreadable waiting of queue item {rid}: {e}"))
                .ok()
        });
        Ok(DownloadItem {
            id,
            series_id: self.series_id,
            series_folder: self.series_folder,
            series_name: self.series_name,
            episode: EpisodeRef {
                season: to_u32(self.season, || what("season"))?,
                episode: to_u32(self.episode, || what("episode"))?,
                title: self.title,
            },
            status,
            priority,
            position: self.position,
            added_at: time::from_text(&self.added_at, || what("added_at"))?,
            started_at: time::opt_from_text(self.started_at.as_deref(), || what("started_at"))?,
            completed_at: time::opt_from_text(self.completed_at.as_deref(), || {
                what("completed_at")
            })?,
            progress,
            error,
            retry_count: to_u32(self.retry_count, || what("retry_count"))?,
            source_url: self.source_url,
            downloaded_bytes: to_u64(self.downloaded_bytes, || what("downloaded_bytes"))?,
            not_before: time::opt_from_text(self.not_before.as_deref(), || what("not_before"))?,
            waiting,
        })
    }
}

/// Every item, in processing order (priority, position, insertion time).
pub(crate) fn load(conn: &mut SqliteConnection) -> Result<Vec<DownloadItem>, StoreError> {
    let rows: Vec<QueueItemRow> = download_queue::table
        .order((
            download_queue::priority.asc(),
            download_queue::position.asc(),
            download_queue::added_at.asc(),
        ))
        .select(QueueItemRow::as_select())
        .load(conn)
        .map_err(StoreError::query("loading the download queue"))?;
    rows.into_iter().map(QueueItemRow::into_item).collect()
}

/// Inserts items (call inside a transaction); an existing id is a unique violation.
pub(crate) fn insert(
    conn: &mut SqliteConnection,
    items: &[DownloadItem],
) -> Result<(), StoreError> {
    for item in items {
        let row = NewQueueItem::from_item(item)?;
        diesel::insert_into(download_queue::table)
            .values(&row)
            .execute(conn)
            .map_err(StoreError::query(format!(
                "inserting queue item {}",
                item.id
            )))?;
    }
    Ok(())
}

/// Writes the full state of an existing item.
pub(crate) fn save(conn: &mut SqliteConnection, item: &DownloadItem) -> Result<(), StoreError> {
    let row = NewQueueItem::from_item(item)?;
    let n = diesel::update(download_queue::table.find(&row.id))
        .set(&row)
        .execute(conn)
        .map_err(StoreError::query(format!("saving queue item {}", item.id)))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("queue item {}", item.id)));
    }
    Ok(())
}

/// Deletes items (call inside a transaction); returns how many existed.
pub(crate) fn delete(conn: &mut SqliteConnection, ids: &[ItemId]) -> Result<usize, StoreError> {
    let mut deleted = 0;
    for chunk in ids.chunks(CHUNK) {
        let keys: Vec<String> = chunk.iter().map(ItemId::to_string).collect();
        deleted += diesel::delete(download_queue::table.filter(download_queue::id.eq_any(&keys)))
            .execute(conn)
            .map_err(StoreError::query(format!(
                "deleting {} queue items",
                keys.len()
            )))?;
    }
    Ok(deleted)
}

/// Sets positions (call inside a transaction); an unknown id is NotFound, so the caller's
/// transaction leaves every position unchanged.
pub(crate) fn set_positions(
    conn: &mut SqliteConnection,
    positions: &[(ItemId, i64)],
) -> Result<(), StoreError> {
    for (id, position) in positions {
        let n = diesel::update(download_queue::table.find(id.to_string()))
            .set(download_queue::position.eq(position))
            .execute(conn)
            .map_err(StoreError::query(format!(
                "setting the position of queue item {id}"
            )))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("queue item {id}")));
        }
    }
    Ok(())
}

/// Puts every downloading item back to pending; returns how many.
pub(crate) fn reset_in_flight(conn: &mut SqliteConnection) -> Result<usize, StoreError> {
    diesel::update(
        download_queue::table
            .filter(download_queue::status.eq(DownloadStatus::Downloading.as_str())),
    )
    .set(download_queue::status.eq(DownloadStatus::Pending.as_str()))
    .execute(conn)
    .map_err(StoreError::query(
        "resetting downloading queue items to pending",
    ))
}

impl QueueRepo for Store {
    fn load_items(&self) -> Result<Vec<DownloadItem>, RepoError> {
        Ok(self.with_conn("loading the queue", load)?)
    }

    fn insert_items(&self, items: &[DownloadItem]) -> Result<(), RepoError> {
        Ok(self.transaction("inserting queue items", |c| insert(c, items))?)
    }

    fn save_item(&self, item: &DownloadItem) -> Result<(), RepoError> {
        Ok(self.with_conn("saving a queue item", |c| save(c, item))?)
    }

    fn delete_items(&self, ids: &[ItemId]) -> Result<usize, RepoError> {
        Ok(self.transaction("deleting queue items", |c| delete(c, ids))?)
    }

    fn set_positions(&self, positions: &[(ItemId, i64)]) -> Result<(), RepoError> {
        Ok(self.transaction("reordering the queue", |c| set_positions(c, positions))?)
    }

    fn reset_in_flight(&self) -> Result<usize, RepoError> {
        Ok(self.with_conn("resetting in-flight items", reset_in_flight)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_ranks_round_trip_and_sort_high_first() {
        for p in [Priority::High, Priority::Normal, Priority::Low] {
            assert_eq!(priority_from_rank(priority_rank(p)), Some(p));
        }
        assert!(priority_rank(Priority::High) < priority_rank(Priority::Normal));
        assert!(priority_rank(Priority::Normal) < priority_rank(Priority::Low));
        assert_eq!(priority_from_rank(7), None);
    }

    #[test]
    fn stored_statuses_load_including_the_never_written_ones() {
        let check = |name: &str, expected: Option<DownloadStatus>| {
            assert_eq!(stored_status(name).ok(), expected, "{name}");
        };
        check("pending", Some(DownloadStatus::Pending));
        check("downloading", Some(DownloadStatus::Downloading));
        check("completed", Some(DownloadStatus::Completed));
        check("failed", Some(DownloadStatus::Failed));
        check("paused", Some(DownloadStatus::Pending));
        check("cancelled", Some(DownloadStatus::Failed));
        check("Pending", None);
    }
}
