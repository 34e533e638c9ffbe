//! Artwork: which TMDB image to take, magic-byte checks, and atomic downloads of `poster.jpg`,
//! `logo.png`, `fanart.jpg` and season posters into the series folder.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;
use crate::fsutil::write_atomic;
use crate::tmdb::TmdbClient;
use crate::tmdb::model::{Image, TvDetails};

/// Image formats accepted as artwork.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// `FF D8 FF`.
    Jpeg,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
    /// `RIFF....WEBP`.
    Webp,
}

/// Recognises JPEG, PNG and WebP by their first bytes.
pub fn image_kind(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(ImageKind::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageKind::Webp)
    } else {
        None
    }
}

/// The three series images of api.md section 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `poster.jpg`.
    Poster,
    /// `logo.png`.
    Logo,
    /// `fanart.jpg`.
    Fanart,
}

impl MediaKind {
    /// All kinds, in download order.
    pub const ALL: [MediaKind; 3] = [MediaKind::Poster, MediaKind::Logo, MediaKind::Fanart];

    /// The file name in the series folder.
    pub fn file_name(self) -> &'static str {
        match self {
            MediaKind::Poster => "poster.jpg",
            MediaKind::Logo => "logo.png",
            MediaKind::Fanart => "fanart.jpg",
        }
    }
}

/// Which images to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MediaSelection {
    /// `poster.jpg` (and season posters when season files are switched on).
    pub poster: bool,
    /// `logo.png`.
    pub logo: bool,
    /// `fanart.jpg`.
    pub fanart: bool,
}

impl MediaSelection {
    /// Every image.
    pub const ALL: MediaSelection = MediaSelection {
        poster: true,
        logo: true,
        fanart: true,
    };

    /// Whether this kind is selected.
    pub fn wants(self, kind: MediaKind) -> bool {
        match kind {
            MediaKind::Poster => self.poster,
            MediaKind::Logo => self.logo,
            MediaKind::Fanart => self.fanart,
        }
    }
}

/// Which artwork files exist in a series folder (api.md `media_files`). Paths are the series
/// folder as given joined with the file name, never canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MediaStatus {
    /// `poster.jpg` exists.
    pub has_poster: bool,
    /// `logo.png` exists.
    pub has_logo: bool,
    /// `fanart.jpg` exists.
    pub has_fanart: bool,
    /// Path of `poster.jpg`, or None.
    pub poster_path: Option<PathBuf>,
    /// Path of `logo.png`, or None.
    pub logo_path: Option<PathBuf>,
    /// Path of `fanart.jpg`, or None.
    pub fanart_path: Option<PathBuf>,
}

impl MediaStatus {
    /// Looks at the series folder.
    pub fn of(series_dir: &Path) -> Self {
        let probe = |k: MediaKind| {
            let p = series_dir.join(k.file_name());
            p.is_file().then_some(p)
        };
        let (poster_path, logo_path, fanart_path) = (
            probe(MediaKind::Poster),
            probe(MediaKind::Logo),
            probe(MediaKind::Fanart),
        );
        Self {
            has_poster: poster_path.is_some(),
            has_logo: logo_path.is_some(),
            has_fanart: fanart_path.is_some(),
            poster_path,
            logo_path,
            fanart_path,
        }
    }

    /// Whether any of the three images exists.
    pub fn has_any(&self) -> bool {
        self.has_poster || self.has_logo || self.has_fanart
    }
}

/// What a single download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtworkOutcome {
    /// The file was downloaded and written.
    Written,
    /// The file existed and overwriting was not asked for; nothing was requested.
    Skipped,
}

/// Downloads one TMDB image path to `dest` atomically. Skips an existing file unless
/// `overwrite`; writes nothing when the answer is not an image or redirects elsewhere.
pub fn download_to(
    client: &TmdbClient,
    file_path: &str,
    dest: &Path,
    overwrite: bool,
) -> Result<ArtworkOutcome> {
    if !overwrite && dest.is_file() {
        return Ok(ArtworkOutcome::Skipped);
    }
    let bytes = client.fetch_image(file_path)?;
    write_atomic(dest, &bytes)?;
    Ok(ArtworkOutcome::Written)
}

/// Best image by language: `language` first, then textless, then English; within one bucket
/// the most votes, then the best average. SVG files are skipped.
pub fn pick<'a>(images: &'a [Image], order: &[Option<&str>]) -> Option<&'a Image> {
    for want in order {
        let best = images
            .iter()
            .filter(|i| !i.file_path.is_empty() && !i.file_path.ends_with(".svg"))
            .filter(|i| i.iso_639_1.as_deref() == *want)
            .max_by(|a, b| {
                a.vote_count.cmp(&b.vote_count).then(
                    a.vote_average
                        .partial_cmp(&b.vote_average)
                        .unwrap_or(std::cmp::Ordering::Equal),
                )
            });
        if best.is_some() {
            return best;
        }
    }
    None
}

/// Image paths chosen for a series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChosenArt {
    /// Poster path.
    pub poster: Option<String>,
    /// Logo path (never SVG).
    pub logo: Option<String>,
    /// Backdrop paths, best first (the first is `fanart.jpg`).
    pub backdrops: Vec<String>,
}

impl ChosenArt {
    /// The path for one kind.
    pub fn path(&self, kind: MediaKind) -> Option<&str> {
        match kind {
            MediaKind::Poster => self.poster.as_deref(),
            MediaKind::Logo => self.logo.as_deref(),
            MediaKind::Fanart => self.backdrops.first().map(String::as_str),
        }
    }
}

/// Chooses poster, logo and backdrops from the appended images, falling back to the
/// details' default poster and backdrop.
pub fn choose(d: &TvDetails, language: &str) -> ChosenArt {
    let lang = language.split('-').next().unwrap_or("en");
    let text_first = [Some(lang), None, Some("en")];
    let logo_order = [Some(lang), Some("en"), None];
    let textless_first = [None, Some(lang), Some("en")];
    let poster = pick(&d.images.posters, &text_first)
        .map(|i| i.file_path.clone())
        .or_else(|| d.poster_path.clone().filter(|p| !p.is_empty()));
    let logo = pick(&d.images.logos, &logo_order).map(|i| i.file_path.clone());
    let mut backdrops: Vec<String> = Vec::new();
    if let Some(b) = pick(&d.images.backdrops, &textless_first) {
        backdrops.push(b.file_path.clone());
    } else if let Some(b) = d.backdrop_path.clone().filter(|p| !p.is_empty()) {
        backdrops.push(b);
    }
    for b in &d.images.backdrops {
        if backdrops.len() >= 5 {
            break;
        }
        if !b.file_path.is_empty() && !backdrops.contains(&b.file_path) {
            backdrops.push(b.file_path.clone());
        }
    }
    ChosenArt {
        poster,
        logo,
        backdrops,
    }
}

/// Name of a season poster in the series folder: `seasonNN-poster.jpg`, or
/// `season-specials-poster.jpg` for season 0.
pub fn season_poster_name(season: u32) -> String {
    if season == 0 {
        "season-specials-poster.jpg".into()
    } else {
        format!("season{season:02}-poster.jpg")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(path: &str, lang: Option<&str>, votes: u64) -> Image {
        Image {
            file_path: path.into(),
            iso_639_1: lang.map(str::to_owned),
            vote_average: 5.0,
            vote_count: votes,
        }
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(image_kind(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(ImageKind::Jpeg));
        assert_eq!(image_kind(b"\x89PNG\r\n\x1a\n...."), Some(ImageKind::Png));
        assert_eq!(image_kind(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageKind::Webp));
        assert_eq!(image_kind(b"<html>nope</html>"), None);
        assert_eq!(image_kind(b""), None);
    }

    #[test]
    fn pick_prefers_language_then_textless_then_english() {
        let imgs = vec![
            img("/en.jpg", Some("en"), 100),
            img("/null.jpg", None, 10),
            img("/de1.jpg", Some("de"), 1),
            img("/de2.jpg", Some("de"), 3),
            img("/logo.svg", Some("de"), 99),
        ];
        let order = [Some("de"), None, Some("en")];
        assert_eq!(pick(&imgs, &order).unwrap().file_path, "/de2.jpg");
        assert_eq!(pick(&imgs[..2], &order).unwrap().file_path, "/null.jpg");
        assert_eq!(pick(&imgs[..1], &order).unwrap().file_path, "/en.jpg");
        assert!(pick(&imgs[4..], &order).is_none());
    }

    #[test]
    fn season_poster_names() {
        assert_eq!(season_poster_name(0), "season-specials-poster.jpg");
        assert_eq!(season_poster_name(3), "season03-poster.jpg");
        assert_eq!(season_poster_name(12), "season12-poster.jpg");
    }
}
