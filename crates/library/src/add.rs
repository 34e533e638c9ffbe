//! Adding a series to the library: catalogue metadata, folder name, insert, folder, targeted scan.

use std::path::Path;

use aniworld_core::naming::series_folder_name;
use aniworld_core::ports::RepoError;
use aniworld_core::series::{is_valid_library_id, split_library_id};
use aniworld_core::{EpisodeId, Monitoring, NewSeries, Series};

use crate::error::LibraryError;
use crate::scan::Scanner;
use crate::walk::{check_anime_dir, walk_series_folder};

/// A series just added, with what its first scan found missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedSeries {
    /// The series as stored after its first scan.
    pub serie: Series,
    /// Episodes available on the catalogue and not in its folder, in season/episode order.
    pub missing: Vec<EpisodeId>,
}

impl Scanner {
    /// Adds the catalogue series `key` (a library id: the slug on aniworld.to, `s.to:<slug>` on
    /// s.to) to the library.
    ///
    /// The name is the catalogue's title (`name_hint` when the catalogue gives none), the folder
    /// `<sanitized name> (<year>)`. An existing key answers [`LibraryError::AlreadyExists`], a
    /// folder another series has [`LibraryError::FolderTaken`]; both change nothing. The folder is created (an existing one is kept, with its files counted) and
    /// the series is scanned with the catalogue answer already fetched. It gets the default
    /// monitoring settings ([`Scanner::add_series_with`] gives others).
    pub fn add_series(
        &self,
        anime_dir: &Path,
        key: &str,
        name_hint: Option<&str>,
    ) -> Result<AddedSeries, LibraryError> {
        self.add_series_with(anime_dir, key, name_hint, &Monitoring::default())
    }

    /// [`Scanner::add_series`], storing `monitoring` with the series when it is inserted.
    pub fn add_series_with(
        &self,
        anime_dir: &Path,
        key: &str,
        name_hint: Option<&str>,
        monitoring: &Monitoring,
    ) -> Result<AddedSeries, LibraryError> {
        let Some((site, _)) = split_library_id(key).filter(|_| is_valid_library_id(key)) else {
            return Err(LibraryError::InvalidName {
                name: key.to_string(),
                reason: "a catalogue key is 1 to 200 letters, digits or dashes, optionally after a site prefix (s.to:)",
            });
        };
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
        if let Some(other) = self.repo.find_series_by_folder(&folder)? {
            return Err(LibraryError::FolderTaken {
                folder,
                key: other.key,
            });
        }
        let new = NewSeries {
            key: key.to_string(),
            name,
            site: site.to_string(),
            folder: folder.clone(),
            year: cat.year,
            description: cat.description.clone(),
            imdb_id: cat.imdb_id.clone(),
            cover_url: cat.cover_url.clone(),
            catalogue_url: cat.page_url.clone(),
        };
        let serie = match self.repo.insert_series_with(&new, monitoring) {
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
