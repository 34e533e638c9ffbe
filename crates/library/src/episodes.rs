//! Pure rules of a scan: merging the catalogue's episodes with the files present on disk.

use std::collections::BTreeMap;

use aniworld_core::EpisodeId;
use aniworld_core::ports::{CatalogueEpisode, CatalogueSeries, EpisodeRecord};
use aniworld_core::series::Series;

use crate::walk::PresentEpisodes;

/// The episode list of a series after a scan, and which of them are missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedEpisodes {
    /// Every episode: the catalogue's, plus present files the catalogue does not list (kept as
    /// downloaded records, so a scan never forgets a file).
    pub records: Vec<EpisodeRecord>,
    /// Available on the catalogue and not present, in season/episode order.
    pub missing: Vec<EpisodeId>,
}

/// Missing = available minus present; every present file is kept as a downloaded record.
pub fn merge_episodes(available: &[CatalogueEpisode], present: &PresentEpisodes) -> MergedEpisodes {
    let mut by_id: BTreeMap<EpisodeId, EpisodeRecord> = BTreeMap::new();
    for ep in available {
        let file = present.get(&ep.id);
        by_id.insert(
            ep.id,
            EpisodeRecord {
                id: ep.id,
                title_de: ep.title_de.clone(),
                title_en: ep.title_en.clone(),
                is_downloaded: file.is_some(),
                file_path: file.cloned(),
                languages_offered: ep.languages_offered.clone(),
                language: None,
            },
        );
    }
    for (id, path) in present {
        by_id.entry(*id).or_insert_with(|| EpisodeRecord {
            id: *id,
            title_de: None,
            title_en: None,
            is_downloaded: true,
            file_path: Some(path.clone()),
            languages_offered: None,
            language: None,
        });
    }
    let missing = by_id
        .values()
        .filter(|r| !r.is_downloaded)
        .map(|r| r.id)
        .collect();
    MergedEpisodes {
        records: by_id.into_values().collect(),
        missing,
    }
}

/// The series with the catalogue's metadata filled in, when the catalogue knows more or other
/// values than the library; `None` when nothing changed. Unknown values never erase known ones.
pub fn refreshed_meta(serie: &Series, cat: &CatalogueSeries) -> Option<Series> {
    let mut next = serie.clone();
    if cat.year.is_some() {
        next.year = cat.year;
    }
    for (field, value) in [
        (&mut next.description, &cat.description),
        (&mut next.imdb_id, &cat.imdb_id),
        (&mut next.cover_url, &cat.cover_url),
        (&mut next.catalogue_url, &cat.page_url),
    ] {
        if let Some(v) = value.as_ref().filter(|v| !v.trim().is_empty()) {
            *field = Some(v.clone());
        }
    }
    (next != *serie).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(ids: &[(u32, u32)]) -> Vec<CatalogueEpisode> {
        ids.iter()
            .map(|&(s, e)| CatalogueEpisode {
                id: EpisodeId::new(s, e),
                title_de: Some(format!("Folge {e}")),
                title_en: None,
                languages_offered: None,
            })
            .collect()
    }

    fn present(ids: &[(u32, u32)]) -> PresentEpisodes {
        ids.iter()
            .map(|&(s, e)| {
                (
                    EpisodeId::new(s, e),
                    format!("Season {s:02}/x S{s:02}E{e:02}.mp4"),
                )
            })
            .collect()
    }

    fn check(
        available: &[(u32, u32)],
        on_disk: &[(u32, u32)],
        missing: &[(u32, u32)],
        records: usize,
    ) {
        let merged = merge_episodes(&cat(available), &present(on_disk));
        let want: Vec<_> = missing.iter().map(|&(s, e)| EpisodeId::new(s, e)).collect();
        assert_eq!(
            merged.missing, want,
            "available {available:?}, present {on_disk:?}"
        );
        assert_eq!(merged.records.len(), records);
    }

    #[test]
    fn missing_is_available_minus_present() {
        check(&[(1, 1), (1, 2), (1, 3)], &[(1, 2)], &[(1, 1), (1, 3)], 3);
        check(&[(1, 1)], &[], &[(1, 1)], 1);
        check(&[], &[(1, 1)], &[], 1);
        check(&[(0, 1), (2, 1)], &[(1, 5)], &[(0, 1), (2, 1)], 3);
        check(&[(1, 1), (1, 2)], &[(1, 1), (1, 2)], &[], 2);
    }

    #[test]
    fn records_keep_titles_and_paths() {
        let merged = merge_episodes(&cat(&[(1, 1), (1, 2)]), &present(&[(1, 1), (3, 7)]));
        let r = &merged.records;
        assert_eq!(r[0].file_path.as_deref(), Some("Season 01/x S01E01.mp4"));
        assert_eq!(r[0].title_de.as_deref(), Some("Folge 1"));
        assert!(!r[1].is_downloaded && r[1].file_path.is_none());
        assert!(r[2].is_downloaded && r[2].title_de.is_none());
        assert_eq!(r[2].id, EpisodeId::new(3, 7));
    }
}
