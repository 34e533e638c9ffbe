//! Adding a series to the library: catalogue metadata, folder name, insert, folder, targeted scan.

use std::path::Path;

use aniworld_core::naming::series_folder_name;
use aniworld_core::ports::RepoError;
use aniworld_core::series::is_valid_key;
use aniworld_core::{EpisodeId, NewSerie, SITE_ID, Serie};

use crate::error::LibraryError;
use crate::scan::Scanner;
use crate::walk::{check_anime_dir, walk_series_folder};

/// A series just added, with what its first scan found missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedSeries {
    /// The series as stored after its first scan.
    pub serie: Serie,
    /// Episodes available on the catalogue and not in its folder, in season/episode order.
    pub missing: Vec<EpisodeId>,
}

impl Scanner {
    /// Adds the catalogue series `key` to the library.
    ///
    /// The name is the catalogue's title (`name_hint` when the catalogue gives none), the folder
    /// `<sanitized name> (<year>)`. An existing key answers [`LibraryError::AlreadyExists`] and
    /// changes nothing. The folder is created (an existing one is kept, with its files counted) and
    /// the series is scanned with the catalogue answer already fetched.
    pub fn add_series(
        &self,
        anime_dir: &Path,
        key: &str,
        name_hint: Option<&str>,
    ) -> Result<AddedSeries, LibraryError> {
        if !is_valid_key(key) {
            return Err(LibraryError::InvalidName {
                name: key.to_string(),
                reason: "a catalogue key is 1 to 200 letters, digits or dashes",
            });
        }
        check_anime_dir(anime_dir)?;
        if self.repo.get_series(key)?.is_some() {
            return Err(LibraryError::AlreadyExists {
                key: key.to_string(),
            });
        }
        let cat = self.source.series(key)?;
        let name = Some(cat.title.trim())
            .filter(|t| !t.is_empty())
            .or(name_hint.map(str::trim).filter(|t| !t.is_empty()))
            .unwrap_or(key)
            .to_string();
        let folder = series_folder_name(&name, cat.year);
        if folder.is_empty() {
            return Err(LibraryError::InvalidName {
                name,
                reason: "nothing usable is left as a folder name",
            });
        }
        let new = NewSerie {
            key: key.to_string(),
            name,
            site: SITE_ID.to_string(),
            folder: folder.clone(),
            year: cat.year,
            description: cat.description.clone(),
            imdb_id: cat.imdb_id.clone(),
            cover_url: cat.cover_url.clone(),
        };
        let serie = match self.repo.insert_series(&new) {
            Ok(s) => s,
            Err(RepoError::Conflict(_)) => {
                return Err(LibraryError::AlreadyExists {
                    key: key.to_string(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        let path = anime_dir.join(&folder);
        if let Err(e) = std::fs::create_dir_all(&path) {
            self.undo_insert(key);
            return Err(LibraryError::io("create the series folder", path, e));
        }
        let present = match walk_series_folder(&path) {
            Ok(p) => p,
            Err(e) => {
                self.undo_insert(key);
                return Err(e);
            }
        };
        let scan = self.save(&serie, &cat, &present)?;
        log::info!(
            "added {key} as {folder:?}: {} present, {} missing",
            scan.present,
            scan.missing.len()
        );
        Ok(AddedSeries {
            serie: scan.serie,
            missing: scan.missing,
        })
    }

    /// Removes a series inserted by a failed add, so that the add can be retried.
    fn undo_insert(&self, key: &str) {
        if let Err(e) = self.repo.delete_series(key) {
            log::error!("could not undo adding {key}: {e}");
        }
    }
}
