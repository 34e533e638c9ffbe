//! How the library follows a series (docs/monitoring.md): the settings in force, shown with every
//! series, and changes of them, checked before anything is stored.
//!
//! A series keeps `languages` and `cutoff` unset until it gets its own: it then follows the
//! global `download.language_preference` (see `aniworld_core::monitoring`). What the front ends
//! show is always the list in force, [`LibraryService::monitoring_of`].

use aniworld_core::ports::{RepoError, SeriesRepo};
use aniworld_core::{EffectiveMonitoring, Monitoring, MonitoringPatch, Series};

use super::LibraryService;
use crate::error::ServiceError;

/// A series with the monitoring settings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesDetail {
    /// The series as stored.
    pub serie: Series,
    /// Its settings with the defaults filled in from the current configuration.
    pub monitoring: EffectiveMonitoring,
}

impl LibraryService {
    /// The monitoring settings in force for `serie` under the current configuration.
    pub fn monitoring_of(&self, serie: &Series) -> EffectiveMonitoring {
        serie
            .monitoring
            .effective(&self.config.current().download.language_preference)
    }

    /// [`LibraryService::monitoring_of`] of every series of a page (one configuration
    /// snapshot for all of them).
    pub fn monitorings_of(&self, series: &[Series]) -> Vec<EffectiveMonitoring> {
        let config = self.config.current();
        let global = &config.download.language_preference;
        series
            .iter()
            .map(|s| s.monitoring.effective(global))
            .collect()
    }

    /// A series by library id (or folder, see [`LibraryService::detail`]) with its monitoring
    /// settings in force.
    pub fn show(&self, id: &str) -> Result<SeriesDetail, ServiceError> {
        let serie = self.detail(id)?;
        let monitoring = self.monitoring_of(&serie);
        Ok(SeriesDetail { serie, monitoring })
    }

    /// Changes the monitoring settings of a series (by library id or folder); answers it as
    /// [`LibraryService::show`] does. [`ServiceError::NotFound`] for an unknown series; a
    /// change that breaks the rules ([`MonitoringPatch::apply`]) is refused naming the field,
    /// and nothing is stored.
    pub fn update_monitoring(
        &self,
        id: &str,
        patch: MonitoringPatch,
    ) -> Result<SeriesDetail, ServiceError> {
        let serie = self.detail(id)?;
        let next = self.checked_monitoring(&serie.monitoring, patch)?;
        let gone = || ServiceError::NotFound(format!("Series '{id}' not found"));
        match self.store.set_monitoring(&serie.key, &next) {
            Err(RepoError::NotFound(_)) => return Err(gone()),
            other => other?,
        }
        log::info!("monitoring of {} changed: {next:?}", serie.key);
        let serie = self.store.get_series(&serie.key)?.ok_or_else(gone)?;
        let monitoring = self.monitoring_of(&serie);
        Ok(SeriesDetail { serie, monitoring })
    }

    /// `current` with `patch`, checked against the global language order in force.
    pub(super) fn checked_monitoring(
        &self,
        current: &Monitoring,
        patch: MonitoringPatch,
    ) -> Result<Monitoring, ServiceError> {
        patch
            .apply(current, &self.config.current().download.language_preference)
            .map_err(|issue| ServiceError::invalid(issue.field, issue.message))
    }
}
