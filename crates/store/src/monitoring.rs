//! The monitoring settings of a series in the `series` table (`monitored`, `languages`, `cutoff`,
//! `upgrade`): read with the rest of the row by every series query, listings included, and
//! replaced as a whole by [`store`].
//!
//! A language list is stored as wire names joined by commas (`German Dub,German Sub`), a cutoff
//! as one wire name; NULL keeps the default (the global order; the first accepted language).

use aniworld_core::Language;
use aniworld_core::monitoring::{
    Monitoring, language_from_name, languages_from_text, languages_to_text,
};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::error::StoreError;
use crate::schema::series;

/// The settings of the stored columns of the series `key`.
pub(crate) fn from_columns(
    key: &str,
    monitored: bool,
    languages: Option<&str>,
    cutoff: Option<&str>,
    upgrade: bool,
) -> Result<Monitoring, StoreError> {
    let languages = languages
        .map(languages_from_text)
        .transpose()
        .map_err(|name| {
            StoreError::value(
                format!("series.languages of {key:?}"),
                format!("{name:?} is not a language"),
            )
        })?;
    let cutoff = cutoff
        .map(|name| {
            language_from_name(name).ok_or_else(|| {
                StoreError::value(
                    format!("series.cutoff of {key:?}"),
                    format!("{name:?} is not a language"),
                )
            })
        })
        .transpose()?;
    Ok(Monitoring {
        monitored,
        languages,
        cutoff,
        upgrade,
    })
}

/// Replaces the settings of the series `key`; NotFound when it does not exist.
pub(crate) fn store(
    conn: &mut SqliteConnection,
    key: &str,
    settings: &Monitoring,
) -> Result<(), StoreError> {
    let n = diesel::update(series::table.filter(series::key.eq(key)))
        .set((
            series::monitored.eq(settings.monitored),
            series::languages.eq(settings.languages.as_deref().map(languages_to_text)),
            series::cutoff.eq(settings.cutoff.map(Language::name)),
            series::upgrade.eq(settings.upgrade),
        ))
        .execute(conn)
        .map_err(StoreError::query(format!(
            "storing the monitoring settings of series {key:?}"
        )))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("series {key:?}")));
    }
    Ok(())
}
