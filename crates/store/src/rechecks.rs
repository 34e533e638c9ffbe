//! What a changed rescan reads and keeps on the `series` table (docs/rescans.md): the series a
//! change signal names, the ones never scanned or whose last look-up failed, the ones whose
//! re-check is due, and per series its end flag, page validators and planned re-check.
//!
//! Every query here reads through an index (`series_next_check`, `series_last_scanned`, the
//! partial `series_unscanned`, the key index) and at most the rows it returns, so a changed
//! rescan of an unchanged library costs a few small reads whatever the library's size.

use std::collections::{BTreeMap, HashSet};

use aniworld_core::Series;
use aniworld_core::ports::{DueQuery, PageValidators, RecheckState};
use chrono::Utc;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::error::StoreError;
use crate::schema::series;
use crate::series::{SeriesRow, with_missing};
use crate::time;

/// Keys per `IN (...)` list (well under SQLite's variable limit).
const CHUNK: usize = 500;

/// The series of `keys` the library holds, in key order, and the rows read.
pub(crate) fn with_keys(
    conn: &mut SqliteConnection,
    keys: &[String],
) -> Result<(Vec<Series>, usize), StoreError> {
    let mut rows: Vec<SeriesRow> = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        rows.extend(
            series::table
                .filter(series::key.eq_any(chunk))
                .select(SeriesRow::as_select())
                .load(conn)
                .map_err(StoreError::query(
                    "reading the series a change signal names",
                ))?,
        );
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows.dedup_by(|a, b| a.key == b.key);
    with_missing(conn, rows)
}

/// Up to `limit` series never scanned or whose last look-up failed, keys after `after`.
pub(crate) fn unscanned_after(
    conn: &mut SqliteConnection,
    after: Option<&str>,
    limit: usize,
) -> Result<(Vec<Series>, usize), StoreError> {
    let mut q = series::table
        .filter(
            series::last_scanned_at
                .is_null()
                .or(series::last_scan_error.is_not_null()),
        )
        .select(SeriesRow::as_select())
        .order(series::key.asc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(series::key.gt(a));
    }
    let rows: Vec<SeriesRow> = q
        .load(conn)
        .map_err(StoreError::query("reading series never scanned"))?;
    with_missing(conn, rows)
}

/// Number of series never scanned or whose last look-up failed.
pub(crate) fn count_unscanned(conn: &mut SqliteConnection) -> Result<usize, StoreError> {
    let n: i64 = series::table
        .filter(
            series::last_scanned_at
                .is_null()
                .or(series::last_scan_error.is_not_null()),
        )
        .count()
        .get_result(conn)
        .map_err(StoreError::query("counting series never scanned"))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Number of series of each site.
pub(crate) fn count_by_site(
    conn: &mut SqliteConnection,
) -> Result<BTreeMap<String, usize>, StoreError> {
    let counts: Vec<(String, i64)> = series::table
        .group_by(series::site)
        .select((series::site, diesel::dsl::count_star()))
        .load(conn)
        .map_err(StoreError::query("counting series per site"))?;
    Ok(counts
        .into_iter()
        .map(|(site, n)| (site, usize::try_from(n).unwrap_or(0)))
        .collect())
}

/// Up to `q.limit` due series, longest unchecked first, and the rows read. Three index range
/// reads of at most `q.limit` rows each: planned re-checks that have come, and running and
/// ended series scanned before their cut-off.
pub(crate) fn due(
    conn: &mut SqliteConnection,
    q: &DueQuery,
) -> Result<(Vec<Series>, usize), StoreError> {
    if q.limit == 0 {
        return Ok((Vec::new(), 0));
    }
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let what = "reading the series whose re-check is due";
    let mut rows: Vec<SeriesRow> = series::table
        .filter(series::next_check_at.le(time::to_text(q.now)))
        .filter(series::last_scan_error.is_null())
        .order(series::next_check_at.asc())
        .limit(limit)
        .select(SeriesRow::as_select())
        .load(conn)
        .map_err(StoreError::query(what))?;
    for (ended, before) in [
        (false, q.ongoing_scanned_before),
        (true, q.ended_scanned_before),
    ] {
        rows.extend(
            series::table
                .filter(series::ended.eq(ended))
                .filter(series::last_scanned_at.lt(time::to_text(before)))
                .filter(series::last_scan_error.is_null())
                .order((series::ended.asc(), series::last_scanned_at.asc()))
                .limit(limit)
                .select(SeriesRow::as_select())
                .load(conn)
                .map_err(StoreError::query(what))?,
        );
    }
    let mut seen = HashSet::new();
    rows.retain(|r| seen.insert(r.id));
    // Longest unchecked first; RFC 3339 text sorts as time.
    rows.sort_by(|a, b| {
        (a.last_scanned_at.as_deref(), &a.key).cmp(&(b.last_scanned_at.as_deref(), &b.key))
    });
    rows.truncate(q.limit);
    with_missing(conn, rows)
}

/// The re-check columns of a row: ended, ETag, Last-Modified, next check.
type StateRow = (bool, Option<String>, Option<String>, Option<String>);

/// The stored re-check state of `key`, or NotFound.
pub(crate) fn state(conn: &mut SqliteConnection, key: &str) -> Result<RecheckState, StoreError> {
    let row: Option<StateRow> = series::table
        .filter(series::key.eq(key))
        .select((
            series::ended,
            series::page_etag,
            series::page_last_modified,
            series::next_check_at,
        ))
        .first(conn)
        .optional()
        .map_err(StoreError::query(format!(
            "reading the re-check state of series {key:?}"
        )))?;
    let (ended, etag, last_modified, next) =
        row.ok_or_else(|| StoreError::NotFound(format!("series {key:?}")))?;
    Ok(RecheckState {
        ended,
        validators: PageValidators {
            etag,
            last_modified,
        },
        next_check_at: time::opt_from_text(next.as_deref(), || {
            format!("series.next_check_at of {key:?}")
        })?,
    })
}

/// Stores the re-check state of `key`; with `scanned`, also records a successful look-up now
/// (scan time set, scan error cleared).
pub(crate) fn save_state(
    conn: &mut SqliteConnection,
    key: &str,
    s: &RecheckState,
    scanned: bool,
) -> Result<(), StoreError> {
    let target = series::table.filter(series::key.eq(key));
    let values = (
        series::ended.eq(s.ended),
        series::page_etag.eq(s.validators.etag.as_deref()),
        series::page_last_modified.eq(s.validators.last_modified.as_deref()),
        series::next_check_at.eq(time::opt_to_text(s.next_check_at)),
    );
    let what = format!("storing the re-check state of series {key:?}");
    let n = if scanned {
        diesel::update(target)
            .set((
                values,
                series::last_scanned_at.eq(Some(time::to_text(Utc::now()))),
                series::last_scan_error.eq(None::<String>),
            ))
            .execute(conn)
    } else {
        diesel::update(target).set(values).execute(conn)
    }
    .map_err(StoreError::query(what))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("series {key:?}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::sqlite::Sqlite;

    use super::*;
    use crate::Store;

    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// SQLite's plan of `sql` (a statement as diesel writes it; unbound parameters are NULL).
    fn plan(store: &Store, sql: &str) -> String {
        let sql = sql.split(" -- binds:").next().unwrap_or(sql);
        store
            .with_conn("explaining a query", |c| {
                diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                    .load::<Plan>(c)
                    .map_err(StoreError::query("explaining a query"))
            })
            .unwrap()
            .into_iter()
            .map(|p| p.detail)
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn the_rescan_queries_read_through_their_indexes() {
        let store = Store::open_in_memory().unwrap();
        let planned = series::table
            .filter(series::next_check_at.le("2026-01-01"))
            .filter(series::last_scan_error.is_null())
            .order(series::next_check_at.asc())
            .limit(50)
            .select(series::id);
        let p = plan(
            &store,
            &diesel::debug_query::<Sqlite, _>(&planned).to_string(),
        );
        assert!(p.contains("series_next_check"), "{p}");
        let overdue = series::table
            .filter(series::ended.eq(false))
            .filter(series::last_scanned_at.lt("2026-01-01"))
            .filter(series::last_scan_error.is_null())
            .order((series::ended.asc(), series::last_scanned_at.asc()))
            .limit(50)
            .select(series::id);
        let p = plan(
            &store,
            &diesel::debug_query::<Sqlite, _>(&overdue).to_string(),
        );
        assert!(p.contains("series_last_scanned"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
        let unscanned = series::table
            .filter(
                series::last_scanned_at
                    .is_null()
                    .or(series::last_scan_error.is_not_null()),
            )
            .filter(series::key.gt("a"))
            .order(series::key.asc())
            .limit(200)
            .select(series::id);
        let p = plan(
            &store,
            &diesel::debug_query::<Sqlite, _>(&unscanned).to_string(),
        );
        assert!(p.contains("series_unscanned"), "{p}");
    }
}
