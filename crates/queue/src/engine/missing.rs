//! What the scheduler's automatic runs queue, and the plan of it (`GET /api/wanted`).
//!
//! The plan walks the monitored series of the library that have missing episodes or seek
//! upgrades (as the last scan left them in the series repository, a page at a time, by name)
//! and asks, per episode, the rule of [`aniworld_core::wanted`] under the series' settings in
//! force: wanted in an accepted language on offer ([`WantedReason::Missing`]), held back
//! because none is offered yet ([`WantedReason::WaitingForLanguage`]), or a file below the
//! cutoff to replace with a better language on offer ([`WantedReason::Upgrade`]). An episode
//! that already has a pending, downloading or failed item is left out: a failed item waits for
//! a manual retry instead of piling up copies.

use std::collections::HashSet;
use std::ops::ControlFlow;

use aniworld_core::ports::EpisodeRecord;
use aniworld_core::series::{SeriesFilter, SeriesQuery, SeriesSort};
use aniworld_core::wanted::{Wanted, WantedReason, wanted};
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeId, EpisodeRef, Priority, Series};

use super::{QueueEngine, QueueError};

/// Series read from the repository at a time.
const PAGE: usize = 200;

/// One episode of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEpisode {
    /// The episode as the library knows it (titles, languages on offer).
    pub episode: EpisodeRecord,
    /// Why it is wanted (missing, or waiting for a language) and in which language.
    pub wanted: Wanted,
}

/// One entry of a page of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedEntry {
    /// Series key.
    pub series_key: String,
    /// Series display name.
    pub series_name: String,
    /// The episode and why it is wanted.
    pub planned: PlannedEpisode,
}

impl QueueEngine {
    /// One page of [`QueueEngine::plan_wanted`]: the entries `offset..offset + limit` in plan
    /// order (series by name, episodes in order). Stops reading once the page is full.
    pub fn wanted_page(
        &self,
        serie: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<WantedEntry>, QueueError> {
        let mut skip = offset;
        let mut page = Vec::new();
        self.plan_wanted(serie, |s, planned| {
            for p in planned {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                if page.len() == limit {
                    return ControlFlow::Break(());
                }
                page.push(WantedEntry {
                    series_key: s.key.clone(),
                    series_name: s.name.clone(),
                    planned: p,
                });
            }
            if page.len() == limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(page)
    }

    /// Walks the plan of the next automatic run, series by series (only `serie` when given),
    /// handing each series with its planned episodes to `visit` until it breaks. Reads the
    /// library a page at a time; changes nothing.
    pub fn plan_wanted(
        &self,
        serie: Option<&str>,
        mut visit: impl FnMut(&Series, Vec<PlannedEpisode>) -> ControlFlow<()>,
    ) -> Result<(), QueueError> {
        let held: HashSet<(String, EpisodeId)> = {
            let st = self.inner.lock();
            st.items
                .values()
                .filter(|i| {
                    matches!(
                        i.status,
                        DownloadStatus::Pending
                            | DownloadStatus::Downloading
                            | DownloadStatus::Failed
                    )
                })
                .map(|i| (i.series_id.clone(), i.episode.id()))
                .collect()
        };
        let global = self.config().download.language_preference;
        let repo = &self.inner.deps.series;
        let mut plan = |s: &Series| -> Result<ControlFlow<()>, QueueError> {
            if !s.monitoring.monitored || (s.missing.is_empty() && !s.monitoring.upgrade) {
                return Ok(ControlFlow::Continue(()));
            }
            let profile = s.monitoring.effective(&global);
            let planned: Vec<PlannedEpisode> = repo
                .list_episodes(&s.key)?
                .into_iter()
                .filter(|e| !held.contains(&(s.key.clone(), e.id)))
                .filter_map(|e| {
                    let w = wanted(&profile, &e)?;
                    Some(PlannedEpisode {
                        episode: e,
                        wanted: w,
                    })
                })
                .collect();
            if planned.is_empty() {
                return Ok(ControlFlow::Continue(()));
            }
            Ok(visit(s, planned))
        };
        if let Some(key) = serie {
            if let Some(s) = repo.get_series(key)? {
                let _ = plan(&s)?;
            }
            return Ok(());
        }
        let mut page = SeriesQuery {
            // Series without missing episodes may seek upgrades; the others are skipped above
            // without reading their episodes.
            filter: SeriesFilter::All,
            sort: SeriesSort::Name,
            offset: 0,
            limit: PAGE,
        };
        loop {
            let series = repo.list_series_page(&page)?;
            let last_page = series.len() < PAGE;
            page.offset += series.len();
            for s in &series {
                if plan(s)?.is_break() {
                    return Ok(());
                }
            }
            if last_page {
                return Ok(());
            }
        }
    }

    /// Queues what [`QueueEngine::plan_wanted`] plans as missing or as an upgrade (every
    /// series, or only `serie`): episodes in season/episode order with their catalogue titles;
    /// episodes waiting for a language stay out. An upgrade's download tries only languages
    /// better than its file's and replaces the file once it is complete and verified. A series that is not monitored is left alone (manual queueing
    /// goes through [`QueueEngine::add`]). Returns the items added. Does not start the queue.
    pub fn add_all_missing(&self, priority: Priority) -> Result<Vec<DownloadItem>, QueueError> {
        self.add_wanted(None, priority)
    }

    /// [`QueueEngine::add_all_missing`] for one series (None: every series).
    pub fn add_wanted(
        &self,
        serie: Option<&str>,
        priority: Priority,
    ) -> Result<Vec<DownloadItem>, QueueError> {
        let mut added = Vec::new();
        let mut failed = None;
        self.plan_wanted(serie, |s, planned| {
            let episodes: Vec<EpisodeRef> = planned
                .into_iter()
                .filter(|p| p.wanted.reason != WantedReason::WaitingForLanguage)
                .map(|p| EpisodeRef {
                    season: p.episode.id.season,
                    episode: p.episode.id.episode,
                    title: p.episode.title_de.or(p.episode.title_en),
                })
                .collect();
            if episodes.is_empty() {
                return ControlFlow::Continue(());
            }
            match self.add(&s.key, &s.folder, &s.name, episodes, priority) {
                Ok(outcome) => added.extend(outcome.added),
                // One series with an unusable folder name must not stop the others.
                Err(e @ QueueError::Validation { .. }) => {
                    log::warn!("missing episodes of {} not queued: {e}", s.key);
                }
                Err(e) => {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        if !added.is_empty() {
            log::info!("{} missing episode(s) queued", added.len());
        }
        Ok(added)
    }
}
