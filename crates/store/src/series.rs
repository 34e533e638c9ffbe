//! [`SeriesRepo`] on the `series` and `episodes` tables.

use std::collections::{BTreeMap, HashMap};

use crate::{monitoring, rechecks};

use aniworld_core::monitoring::{Monitoring, languages_to_text};
use aniworld_core::ports::{DueQuery, EpisodeRecord, RecheckState, RepoError, SeriesRepo};
use aniworld_core::series::{SeriesFilter, SeriesQuery, SeriesSort};
use aniworld_core::{EpisodeId, Language, MissingEpisodes, NewSeries, Series};
use chrono::Utc;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::Store;
use crate::convert::{to_i32, to_u32};
use crate::error::StoreError;
use crate::schema::{episodes, series};
use crate::time;

/// A row of `series`.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = series)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct SeriesRow {
    pub(crate) id: i32,
    pub(crate) key: String,
    name: String,
    site: String,
    folder: String,
    year: Option<i32>,
    description: Option<String>,
    imdb_id: Option<String>,
    cover_url: Option<String>,
    added_at: String,
    pub(crate) last_scanned_at: Option<String>,
    last_scan_error: Option<String>,
    catalogue_url: Option<String>,
    // Read by the listing; the domain type carries the counts in its own form.
    #[allow(dead_code)]
    sort_name: String,
    #[allow(dead_code)]
    missing_count: i32,
    present_count: i32,
    monitored: bool,
    languages: Option<String>,
    cutoff: Option<String>,
    upgrade: bool,
}

/// A new row of `series`.
#[derive(Debug, Insertable)]
#[diesel(table_name = series)]
struct NewSeriesRow<'a> {
    key: &'a str,
    name: &'a str,
    site: &'a str,
    folder: &'a str,
    year: Option<i32>,
    description: Option<&'a str>,
    imdb_id: Option<&'a str>,
    cover_url: Option<&'a str>,
    added_at: String,
    catalogue_url: Option<&'a str>,
    sort_name: String,
    monitored: bool,
    languages: Option<String>,
    cutoff: Option<&'static str>,
    upgrade: bool,
}

/// A row of `episodes` as the domain needs it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = episodes)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
struct EpisodeRow {
    season: i32,
    episode: i32,
    title_de: Option<String>,
    title_en: Option<String>,
    is_downloaded: bool,
    file_path: Option<String>,
    languages_offered: Option<String>,
    language: Option<String>,
}

/// A new row of `episodes`.
#[derive(Debug, Insertable)]
#[diesel(table_name = episodes)]
struct NewEpisodeRow<'a> {
    series_id: i32,
    season: i32,
    episode: i32,
    title_de: Option<&'a str>,
    title_en: Option<&'a str>,
    is_downloaded: bool,
    file_path: Option<&'a str>,
    languages_offered: Option<String>,
    language: Option<&'static str>,
}

/// `languages_offered` as stored: wire names joined by commas (None stays NULL).
fn languages_text(languages: Option<&[Language]>) -> Option<String> {
    languages.map(|l| l.iter().map(|l| l.name()).collect::<Vec<_>>().join(","))
}

/// `languages_offered` as read; a name the service no longer knows is skipped.
fn languages_of(text: Option<String>) -> Option<Vec<Language>> {
    text.map(|t| {
        t.split(',')
            .filter(|n| !n.is_empty())
            .filter_map(|n| n.parse().ok())
            .collect()
    })
}

/// Per-series episode summary: missing ids and the number present.
#[derive(Debug, Default)]
struct EpisodeSummary {
    missing: Vec<EpisodeId>,
    present: u32,
}

impl EpisodeSummary {
    /// Adds one episode.
    fn add(
        &mut self,
        season: i32,
        episode: i32,
        downloaded: bool,
        key: &str,
    ) -> Result<(), StoreError> {
        if downloaded {
            self.present = self.present.saturating_add(1);
        } else {
            let what = || format!("episode number of series {key:?}");
            self.missing.push(EpisodeId::new(
                to_u32(season, what)?,
                to_u32(episode, what)?,
            ));
        }
        Ok(())
    }
}

/// Builds the domain series from its row and episode summary.
fn to_serie(row: SeriesRow, summary: EpisodeSummary) -> Result<Series, StoreError> {
    let key = row.key;
    let monitoring = monitoring::from_columns(
        &key,
        row.monitored,
        row.languages.as_deref(),
        row.cutoff.as_deref(),
        row.upgrade,
    )?;
    Ok(Series {
        id: i64::from(row.id),
        added_at: time::from_text(&row.added_at, || format!("series.added_at of {key:?}"))?,
        last_scanned_at: time::opt_from_text(row.last_scanned_at.as_deref(), || {
            format!("series.last_scanned_at of {key:?}")
        })?,
        name: row.name,
        site: row.site,
        folder: row.folder,
        year: row.year,
        description: row.description,
        imdb_id: row.imdb_id,
        cover_url: row.cover_url,
        missing: MissingEpisodes::from_ids(summary.missing),
        present_count: summary.present,
        last_scan_error: row.last_scan_error,
        catalogue_url: row.catalogue_url,
        monitoring,
        key,
    })
}

/// The row id of the series `key`, or NotFound.
fn series_id(conn: &mut SqliteConnection, key: &str) -> Result<i32, StoreError> {
    series::table
        .filter(series::key.eq(key))
        .select(series::id)
        .first(conn)
        .optional()
        .map_err(StoreError::query(format!("looking up series {key:?}")))?
        .ok_or_else(|| StoreError::NotFound(format!("series {key:?}")))
}

/// Loads one series row by a filter and attaches its episode summary.
fn load_one(
    conn: &mut SqliteConnection,
    row: Option<SeriesRow>,
) -> Result<Option<Series>, StoreError> {
    let Some(row) = row else { return Ok(None) };
    let what = format!("loading episodes of series {:?}", row.key);
    let eps: Vec<(i32, i32, bool)> = episodes::table
        .filter(episodes::series_id.eq(row.id))
        .select((episodes::season, episodes::episode, episodes::is_downloaded))
        .load(conn)
        .map_err(StoreError::query(what))?;
    let mut summary = EpisodeSummary::default();
    for (s, e, d) in eps {
        summary.add(s, e, d, &row.key)?;
    }
    to_serie(row, summary).map(Some)
}

/// Every series ordered by name (case-insensitive), then key, and the rows read.
pub(crate) fn list(conn: &mut SqliteConnection) -> Result<(Vec<Series>, usize), StoreError> {
    let rows: Vec<SeriesRow> = series::table
        .order((series::sort_name.asc(), series::key.asc()))
        .select(SeriesRow::as_select())
        .load(conn)
        .map_err(StoreError::query("listing series"))?;
    let eps: Vec<(i32, i32, i32, bool)> = episodes::table
        .select((
            episodes::series_id,
            episodes::season,
            episodes::episode,
            episodes::is_downloaded,
        ))
        .load(conn)
        .map_err(StoreError::query("listing episodes of all series"))?;
    let read = rows.len() + eps.len();
    let keys: HashMap<i32, &str> = rows.iter().map(|r| (r.id, r.key.as_str())).collect();
    let mut summaries: HashMap<i32, EpisodeSummary> = HashMap::new();
    for (sid, s, e, d) in eps {
        if let Some(key) = keys.get(&sid) {
            summaries.entry(sid).or_default().add(s, e, d, key)?;
        }
    }
    let series = rows
        .into_iter()
        .map(|row| {
            let summary = summaries.remove(&row.id).unwrap_or_default();
            to_serie(row, summary)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((series, read))
}

/// One series by key.
pub(crate) fn get(conn: &mut SqliteConnection, key: &str) -> Result<Option<Series>, StoreError> {
    let row = series::table
        .filter(series::key.eq(key))
        .select(SeriesRow::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::query(format!("loading series {key:?}")))?;
    load_one(conn, row)
}

/// The first series (lowest id) stored under `folder`.
pub(crate) fn find_by_folder(
    conn: &mut SqliteConnection,
    folder: &str,
) -> Result<Option<Series>, StoreError> {
    let row = series::table
        .filter(series::folder.eq(folder))
        .order(series::id.asc())
        .select(SeriesRow::as_select())
        .first(conn)
        .optional()
        .map_err(StoreError::query(format!(
            "looking up series by folder {folder:?}"
        )))?;
    load_one(conn, row)
}

/// Inserts a series with its monitoring settings; a duplicate key is a unique violation (mapped
/// to `Conflict`).
pub(crate) fn insert(
    conn: &mut SqliteConnection,
    new: &NewSeries,
    settings: &Monitoring,
) -> Result<Series, StoreError> {
    let row = NewSeriesRow {
        key: &new.key,
        name: &new.name,
        site: &new.site,
        folder: &new.folder,
        year: new.year,
        description: new.description.as_deref(),
        imdb_id: new.imdb_id.as_deref(),
        cover_url: new.cover_url.as_deref(),
        added_at: time::to_text(Utc::now()),
        catalogue_url: new.catalogue_url.as_deref(),
        sort_name: aniworld_core::series::sort_name(&new.name),
        monitored: settings.monitored,
        languages: settings.languages.as_deref().map(languages_to_text),
        cutoff: settings.cutoff.map(Language::name),
        upgrade: settings.upgrade,
    };
    diesel::insert_into(series::table)
        .values(&row)
        .execute(conn)
        .map_err(StoreError::query(format!("inserting series {:?}", new.key)))?;
    get(conn, &new.key)?
        .ok_or_else(|| StoreError::NotFound(format!("series {:?} after inserting it", new.key)))
}

/// Deletes a series (its episodes go by cascade); false when it did not exist.
pub(crate) fn delete(conn: &mut SqliteConnection, key: &str) -> Result<bool, StoreError> {
    let n = diesel::delete(series::table.filter(series::key.eq(key)))
        .execute(conn)
        .map_err(StoreError::query(format!("deleting series {key:?}")))?;
    Ok(n > 0)
}

/// Replaces the episodes of `key` (call inside a transaction); a repeated episode id keeps
/// its last record. Records the scan time and clears the scan error.
pub(crate) fn replace_episodes(
    conn: &mut SqliteConnection,
    key: &str,
    records: &[EpisodeRecord],
) -> Result<(), StoreError> {
    let sid = series_id(conn, key)?;
    let unique: BTreeMap<EpisodeId, &EpisodeRecord> = records.iter().map(|r| (r.id, r)).collect();
    // The language of a file the service wrote outlives the scan while the file is the same.
    let written: BTreeMap<(i32, i32), (Option<String>, String)> = episodes::table
        .filter(episodes::series_id.eq(sid))
        .filter(episodes::language.is_not_null())
        .select((
            episodes::season,
            episodes::episode,
            episodes::file_path,
            episodes::language,
        ))
        .load::<(i32, i32, Option<String>, Option<String>)>(conn)
        .map_err(StoreError::query(format!(
            "reading the file languages of series {key:?}"
        )))?
        .into_iter()
        .filter_map(|(s, e, path, language)| Some(((s, e), (path, language?))))
        .collect();
    diesel::delete(episodes::table.filter(episodes::series_id.eq(sid)))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "clearing episodes of series {key:?}"
        )))?;
    for (id, r) in unique {
        let what = || format!("episode {id} of series {key:?}");
        let (season, episode) = (to_i32(id.season, what)?, to_i32(id.episode, what)?);
        let kept = written
            .get(&(season, episode))
            .filter(|(path, _)| r.is_downloaded && *path == r.file_path)
            .and_then(|(_, name)| name.parse::<Language>().ok());
        let row = NewEpisodeRow {
            series_id: sid,
            season,
            episode,
            title_de: r.title_de.as_deref(),
            title_en: r.title_en.as_deref(),
            is_downloaded: r.is_downloaded,
            file_path: r.file_path.as_deref(),
            languages_offered: languages_text(r.languages_offered.as_deref()),
            language: r
                .language
                .or(kept)
                .filter(|_| r.is_downloaded)
                .map(Language::name),
        };
        diesel::insert_into(episodes::table)
            .values(&row)
            .execute(conn)
            .map_err(StoreError::query(format!(
                "inserting episode {id} of series {key:?}"
            )))?;
    }
    diesel::update(series::table.find(sid))
        .set((
            series::last_scanned_at.eq(Some(time::to_text(Utc::now()))),
            series::last_scan_error.eq(None::<String>),
        ))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "recording the scan of series {key:?}"
        )))?;
    refresh_counts(conn, sid, key)
}

/// Recomputes the missing and present counts kept with a series (after its episodes changed).
fn refresh_counts(conn: &mut SqliteConnection, sid: i32, key: &str) -> Result<(), StoreError> {
    let counts: Vec<(bool, i64)> = episodes::table
        .filter(episodes::series_id.eq(sid))
        .group_by(episodes::is_downloaded)
        .select((episodes::is_downloaded, diesel::dsl::count_star()))
        .load(conn)
        .map_err(StoreError::query(format!(
            "counting episodes of series {key:?}"
        )))?;
    let count = |downloaded: bool| {
        counts
            .iter()
            .find(|(d, _)| *d == downloaded)
            .map_or(0, |(_, n)| i32::try_from(*n).unwrap_or(i32::MAX))
    };
    diesel::update(series::table.find(sid))
        .set((
            series::missing_count.eq(count(false)),
            series::present_count.eq(count(true)),
        ))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "storing the episode counts of series {key:?}"
        )))?;
    Ok(())
}

/// Fills the sort name of rows written before it existed (once, after migrating).
pub(crate) fn fill_sort_names(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    let rows: Vec<(i32, String)> = series::table
        .filter(series::sort_name.eq(""))
        .select((series::id, series::name))
        .load(conn)
        .map_err(StoreError::query("reading series without a sort name"))?;
    for (id, name) in rows {
        diesel::update(series::table.find(id))
            .set(series::sort_name.eq(aniworld_core::series::sort_name(&name)))
            .execute(conn)
            .map_err(StoreError::query("storing the sort name of a series"))?;
    }
    Ok(())
}

/// One page of the library, filtered, sorted and paged by SQLite; only the page's series and
/// their missing episodes are read.
pub(crate) fn list_page(
    conn: &mut SqliteConnection,
    q: &SeriesQuery,
) -> Result<(Vec<Series>, usize), StoreError> {
    let mut query = series::table.select(SeriesRow::as_select()).into_boxed();
    query = match q.filter {
        SeriesFilter::All => query,
        SeriesFilter::MissingEpisodes => query.filter(series::missing_count.gt(0)),
        SeriesFilter::NoEpisodes => query
            .filter(series::missing_count.gt(0))
            .filter(series::present_count.eq(0)),
    };
    query = match q.sort {
        SeriesSort::Name => query.order((series::sort_name.asc(), series::key.asc())),
        SeriesSort::Key => query.order(series::key.asc()),
        SeriesSort::MissingEpisodes => query.order((
            series::missing_count.desc(),
            series::sort_name.asc(),
            series::key.asc(),
        )),
    };
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let rows: Vec<SeriesRow> = query
        .limit(limit)
        .offset(offset)
        .load(conn)
        .map_err(StoreError::query("listing a page of series"))?;
    with_missing(conn, rows)
}

/// Attaches to each row its missing episodes (one query for all of them) and its stored count
/// of present ones; also gives the rows read.
pub(crate) fn with_missing(
    conn: &mut SqliteConnection,
    rows: Vec<SeriesRow>,
) -> Result<(Vec<Series>, usize), StoreError> {
    let mut read = rows.len();
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut missing: HashMap<i32, Vec<(i32, i32)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let eps: Vec<(i32, i32, i32)> = episodes::table
            .filter(episodes::series_id.eq_any(chunk))
            .filter(episodes::is_downloaded.eq(false))
            .select((episodes::series_id, episodes::season, episodes::episode))
            .load(conn)
            .map_err(StoreError::query("loading the missing episodes of a page"))?;
        read += eps.len();
        for (sid, s, e) in eps {
            missing.entry(sid).or_default().push((s, e));
        }
    }
    let series = rows
        .into_iter()
        .map(|row| {
            let mut summary = EpisodeSummary::default();
            for (s, e) in missing.remove(&row.id).unwrap_or_default() {
                summary.add(s, e, false, &row.key)?;
            }
            summary.present = u32::try_from(row.present_count).unwrap_or(0);
            to_serie(row, summary)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((series, read))
}

/// The episodes of `key` in season/episode order.
pub(crate) fn list_episodes(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Vec<EpisodeRecord>, StoreError> {
    let sid = series_id(conn, key)?;
    let rows: Vec<EpisodeRow> = episodes::table
        .filter(episodes::series_id.eq(sid))
        .order((episodes::season.asc(), episodes::episode.asc()))
        .select(EpisodeRow::as_select())
        .load(conn)
        .map_err(StoreError::query(format!(
            "listing episodes of series {key:?}"
        )))?;
    rows.into_iter()
        .map(|r| {
            let what = || format!("episode number of series {key:?}");
            Ok(EpisodeRecord {
                id: EpisodeId::new(to_u32(r.season, what)?, to_u32(r.episode, what)?),
                title_de: r.title_de,
                title_en: r.title_en,
                is_downloaded: r.is_downloaded,
                file_path: r.file_path,
                languages_offered: languages_of(r.languages_offered),
                language: r.language.and_then(|l| l.parse().ok()),
            })
        })
        .collect()
}

/// Marks one episode downloaded in `language` (None: a file the service did not write),
/// inserting it when unknown.
pub(crate) fn mark_downloaded(
    conn: &mut SqliteConnection,
    key: &str,
    id: EpisodeId,
    file_path: &str,
    language: Option<Language>,
) -> Result<(), StoreError> {
    let sid = series_id(conn, key)?;
    let what = || format!("episode {id} of series {key:?}");
    let row = NewEpisodeRow {
        series_id: sid,
        season: to_i32(id.season, what)?,
        episode: to_i32(id.episode, what)?,
        title_de: None,
        title_en: None,
        is_downloaded: true,
        file_path: Some(file_path),
        languages_offered: None,
        language: language.map(Language::name),
    };
    diesel::insert_into(episodes::table)
        .values(&row)
        .on_conflict((episodes::series_id, episodes::season, episodes::episode))
        .do_update()
        .set((
            episodes::is_downloaded.eq(true),
            episodes::file_path.eq(Some(file_path)),
            episodes::language.eq(language.map(Language::name)),
        ))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "marking episode {id} of series {key:?} downloaded"
        )))?;
    refresh_counts(conn, sid, key)
}

/// Stores the error of a failed catalogue look-up.
pub(crate) fn record_scan_error(
    conn: &mut SqliteConnection,
    key: &str,
    error: &str,
) -> Result<(), StoreError> {
    let n = diesel::update(series::table.filter(series::key.eq(key)))
        .set(series::last_scan_error.eq(Some(error)))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "recording the scan error of series {key:?}"
        )))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("series {key:?}")));
    }
    Ok(())
}

/// Updates description, year, IMDb id and cover of the series `serie.key`.
pub(crate) fn update_meta(conn: &mut SqliteConnection, serie: &Series) -> Result<(), StoreError> {
    let n = diesel::update(series::table.filter(series::key.eq(&serie.key)))
        .set((
            series::description.eq(serie.description.as_deref()),
            series::year.eq(serie.year),
            series::imdb_id.eq(serie.imdb_id.as_deref()),
            series::cover_url.eq(serie.cover_url.as_deref()),
            series::catalogue_url.eq(serie.catalogue_url.as_deref()),
        ))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "updating metadata of series {:?}",
            serie.key
        )))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("series {:?}", serie.key)));
    }
    Ok(())
}

impl SeriesRepo for Store {
    fn list_series(&self) -> Result<Vec<Series>, RepoError> {
        let (series, read) = self.with_conn("listing series", list)?;
        self.count_rows(read);
        Ok(series)
    }

    fn list_series_page(&self, query: &SeriesQuery) -> Result<Vec<Series>, RepoError> {
        let (series, read) = self.with_conn("listing a page of series", |c| list_page(c, query))?;
        self.count_rows(read);
        Ok(series)
    }

    fn series_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<Series>, RepoError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (series, read) = self.with_conn("reading a page of series by key", |c| {
            let mut q = series::table
                .select(SeriesRow::as_select())
                .order(series::key.asc())
                .limit(limit)
                .into_boxed();
            if let Some(a) = after {
                q = q.filter(series::key.gt(a));
            }
            let rows: Vec<SeriesRow> = q
                .load(c)
                .map_err(StoreError::query("reading a page of series by key"))?;
            with_missing(c, rows)
        })?;
        self.count_rows(read);
        Ok(series)
    }

    fn count_series(&self) -> Result<usize, RepoError> {
        let n: i64 = self.with_conn("counting series", |c| {
            series::table
                .count()
                .get_result(c)
                .map_err(StoreError::query("counting series"))
        })?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn first_series_of_site(&self, site: &str) -> Result<Option<Series>, RepoError> {
        Ok(self.with_conn("looking up a series of a site", |c| {
            let row = series::table
                .filter(series::site.eq(site))
                .order(series::key.asc())
                .select(SeriesRow::as_select())
                .first(c)
                .optional()
                .map_err(StoreError::query(format!("looking up a series of {site}")))?;
            load_one(c, row)
        })?)
    }

    fn get_series(&self, key: &str) -> Result<Option<Series>, RepoError> {
        Ok(self.with_conn("loading a series", |c| get(c, key))?)
    }

    fn find_series_by_folder(&self, folder: &str) -> Result<Option<Series>, RepoError> {
        Ok(self.with_conn("finding a series by folder", |c| find_by_folder(c, folder))?)
    }

    fn insert_series(&self, serie: &NewSeries) -> Result<Series, RepoError> {
        self.insert_series_with(serie, &Monitoring::default())
    }

    fn insert_series_with(
        &self,
        serie: &NewSeries,
        settings: &Monitoring,
    ) -> Result<Series, RepoError> {
        self.transaction("inserting a series", |c| insert(c, serie, settings))
            .map_err(|e| {
                if e.is_unique_violation() {
                    RepoError::Conflict(format!("series {:?} already exists", serie.key))
                } else {
                    e.into()
                }
            })
    }

    fn set_monitoring(&self, key: &str, settings: &Monitoring) -> Result<(), RepoError> {
        Ok(self.with_conn("storing monitoring settings", |c| {
            monitoring::store(c, key, settings)
        })?)
    }

    fn delete_series(&self, key: &str) -> Result<bool, RepoError> {
        Ok(self.with_conn("deleting a series", |c| delete(c, key))?)
    }

    fn replace_episodes(&self, key: &str, episodes: &[EpisodeRecord]) -> Result<(), RepoError> {
        Ok(self.transaction("replacing episodes", |c| replace_episodes(c, key, episodes))?)
    }

    fn list_episodes(&self, key: &str) -> Result<Vec<EpisodeRecord>, RepoError> {
        Ok(self.with_conn("listing episodes", |c| list_episodes(c, key))?)
    }

    fn mark_downloaded(
        &self,
        key: &str,
        id: EpisodeId,
        file_path: &str,
        language: Option<Language>,
    ) -> Result<(), RepoError> {
        Ok(self.transaction("marking an episode downloaded", |c| {
            mark_downloaded(c, key, id, file_path, language)
        })?)
    }

    fn record_scan_error(&self, key: &str, error: &str) -> Result<(), RepoError> {
        Ok(self.with_conn("recording a scan error", |c| {
            record_scan_error(c, key, error)
        })?)
    }

    fn update_series_meta(&self, serie: &Series) -> Result<(), RepoError> {
        Ok(self.with_conn("updating series metadata", |c| update_meta(c, serie))?)
    }

    fn series_with_keys(&self, keys: &[String]) -> Result<Vec<Series>, RepoError> {
        let (series, read) =
            self.with_conn("reading series by key", |c| rechecks::with_keys(c, keys))?;
        self.count_rows(read);
        Ok(series)
    }

    fn unscanned_series_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Series>, RepoError> {
        let (series, read) = self.with_conn("reading series never scanned", |c| {
            rechecks::unscanned_after(c, after, limit)
        })?;
        self.count_rows(read);
        Ok(series)
    }

    fn count_unscanned_series(&self) -> Result<usize, RepoError> {
        Ok(self.with_conn("counting series never scanned", rechecks::count_unscanned)?)
    }

    fn count_series_by_site(&self) -> Result<BTreeMap<String, usize>, RepoError> {
        Ok(self.with_conn("counting series per site", rechecks::count_by_site)?)
    }

    fn series_due(&self, q: &DueQuery) -> Result<Vec<Series>, RepoError> {
        let (series, read) =
            self.with_conn("reading series due for a re-check", |c| rechecks::due(c, q))?;
        self.count_rows(read);
        Ok(series)
    }

    fn recheck_state(&self, key: &str) -> Result<RecheckState, RepoError> {
        Ok(self.with_conn("reading a re-check state", |c| rechecks::state(c, key))?)
    }

    fn save_recheck_state(&self, key: &str, state: &RecheckState) -> Result<(), RepoError> {
        Ok(self.with_conn("storing a re-check state", |c| {
            rechecks::save_state(c, key, state, false)
        })?)
    }

    fn record_unchanged(&self, key: &str, state: &RecheckState) -> Result<(), RepoError> {
        Ok(self.with_conn("recording an unchanged series", |c| {
            rechecks::save_state(c, key, state, true)
        })?)
    }
}
