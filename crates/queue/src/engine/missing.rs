//! Queueing everything the monitored series of the library lack: used after a scheduled or
//! triggered rescan.

use std::collections::{HashMap, HashSet};

use aniworld_core::series::{SeriesFilter, SeriesQuery, SeriesSort};
use aniworld_core::{DownloadItem, DownloadStatus, EpisodeId, EpisodeRef, Priority};

/// Series read from the repository at a time.
const PAGE: usize = 200;

use super::{QueueEngine, QueueError};

impl QueueEngine {
    /// Queues every missing episode of every monitored series in the library (as the last scan
    /// left it in the series repository) that has no pending, downloading or failed item yet; a
    /// failed item waits for a manual retry instead of piling up copies. A series that is not
    /// monitored is left alone (what the scheduler's automatic runs want; manual queueing goes
    /// through [`QueueEngine::add`]). Series are taken in repository order, episodes in
    /// season/episode order, with their catalogue titles. Returns the items added. Does not
    /// start the queue.
    pub fn add_all_missing(&self, priority: Priority) -> Result<Vec<DownloadItem>, QueueError> {
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
        let repo = &self.inner.deps.series;
        let mut added = Vec::new();
        // The library is read a page at a time: only series with missing episodes, by name.
        let mut page = SeriesQuery {
            filter: SeriesFilter::MissingEpisodes,
            sort: SeriesSort::Name,
            offset: 0,
            limit: PAGE,
        };
        loop {
            let series = repo.list_series_page(&page)?;
            let last_page = series.len() < PAGE;
            page.offset += series.len();
            for serie in series.into_iter().filter(|s| s.monitoring.monitored) {
                let wanted: Vec<EpisodeId> = serie
                    .missing
                    .ids()
                    .into_iter()
                    .filter(|id| !held.contains(&(serie.key.clone(), *id)))
                    .collect();
                if wanted.is_empty() {
                    continue;
                }
                let titles: HashMap<EpisodeId, String> = repo
                    .list_episodes(&serie.key)?
                    .into_iter()
                    .filter_map(|e| e.title_de.or(e.title_en).map(|t| (e.id, t)))
                    .collect();
                let episodes = wanted
                    .into_iter()
                    .map(|id| EpisodeRef {
                        season: id.season,
                        episode: id.episode,
                        title: titles.get(&id).cloned(),
                    })
                    .collect();
                match self.add(&serie.key, &serie.folder, &serie.name, episodes, priority) {
                    Ok(outcome) => added.extend(outcome.added),
                    // One series with an unusable folder name must not stop the others.
                    Err(e @ QueueError::Validation { .. }) => {
                        log::warn!("missing episodes of {} not queued: {e}", serie.key);
                    }
                    Err(e) => return Err(e),
                }
            }
            if last_page {
                break;
            }
        }
        if !added.is_empty() {
            log::info!("{} missing episode(s) queued", added.len());
        }
        Ok(added)
    }
}
