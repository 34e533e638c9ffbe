//! Folder-name sanitising and the library's file naming (runtime-contract.md, "Library layout").

use crate::episode::EpisodeId;

/// File extensions the scanner counts as video files (lower case, without the dot).
pub const VIDEO_EXTENSIONS: [&str; 6] = ["mp4", "mkv", "avi", "webm", "ts", "m4v"];

/// Suffix of a file that is still being downloaded.
pub const PART_SUFFIX: &str = ".part";

/// Longest file or folder name, in bytes, that the common file systems (ext4, XFS, Btrfs, ZFS,
/// NTFS in UTF-8) can hold.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// Longest sanitized folder name in bytes: with a year, ` - S01E02`, the extension and
/// `.part` an episode file name stays well below the usual 255-byte limit.
pub const MAX_FOLDER_NAME_BYTES: usize = 180;

/// Removes characters that are invalid in file names on common file systems
/// (`< > : " / \ | ? *` and control characters), collapses the runs of spaces this leaves,
/// and trims leading/trailing whitespace and dots. Unicode letters are kept.
///
/// Longer results are cut to [`MAX_FOLDER_NAME_BYTES`] (at a character boundary) so that the
/// folder, and the episode files named after it, stay within the 255-byte file name limit.
///
/// Returns an empty string when nothing usable is left; callers treat that as invalid input.
pub fn sanitize_folder_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_space = false;
    for c in name.chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else if matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
            || c.is_control()
        {
            continue;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    let mut out = out
        .trim_matches(|c: char| c.is_whitespace() || c == '.')
        .to_string();
    if out.len() > MAX_FOLDER_NAME_BYTES {
        let mut cut = MAX_FOLDER_NAME_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out = out
            .trim_end_matches(|c: char| c.is_whitespace() || c == '.')
            .to_string();
    }
    out
}

/// The folder of a series: `<sanitized name> (<year>)` when the year is known, else the sanitized name.
pub fn series_folder_name(name: &str, year: Option<i32>) -> String {
    let base = sanitize_folder_name(name);
    match year {
        Some(y) if !base.ends_with(&format!("({y})")) => format!("{base} ({y})"),
        _ => base,
    }
}

/// Zero-padded number: two digits at least, three from 100 on.
fn pad(n: u32) -> String {
    format!("{n:02}")
}

/// The season folder inside a series folder: `Season 01`, `Season 00` for movies.
pub fn season_dir_name(season: u32) -> String {
    format!("Season {}", pad(season))
}

/// The `S01E02` marker of an episode.
pub fn episode_marker(id: EpisodeId) -> String {
    format!("S{}E{}", pad(id.season), pad(id.episode))
}

/// The final file name of a downloaded episode: `<folder> - S01E02.mp4`.
pub fn episode_file_name(folder: &str, id: EpisodeId) -> String {
    format!("{folder} - {}.mp4", episode_marker(id))
}

/// The path of a downloaded episode relative to the anime directory:
/// `<folder>/Season 01/<folder> - S01E02.mp4`.
pub fn episode_relative_path(folder: &str, id: EpisodeId) -> std::path::PathBuf {
    let mut p = std::path::PathBuf::from(folder);
    p.push(season_dir_name(id.season));
    p.push(episode_file_name(folder, id));
    p
}

/// True when the file name has one of the video extensions (case-insensitive).
/// `.part` files are never video files.
pub fn is_video_file_name(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    VIDEO_EXTENSIONS.iter().any(|v| v.eq_ignore_ascii_case(ext))
}

/// Finds the first `S<season>E<episode>` marker (case-insensitive) in a file name.
///
/// The marker must not be glued to a preceding letter or digit (`ABS01E02` is not a marker),
/// and the numbers may have any number of digits (`S1E2`, `S01E002`).
pub fn find_episode_marker(name: &str) -> Option<EpisodeId> {
    let b = name.as_bytes();
    let mut i = 0;
    while i + 3 < b.len() {
        if (b[i] | 0x20) == b's' && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i + 1;
            let s_start = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > s_start && j < b.len() && (b[j] | 0x20) == b'e' {
                let e_start = j + 1;
                let mut k = e_start;
                while k < b.len() && b[k].is_ascii_digit() {
                    k += 1;
                }
                if k > e_start && k - e_start <= 5 && j - s_start <= 5 {
                    let season = name[s_start..j].parse().ok()?;
                    let episode = name[e_start..k].parse().ok()?;
                    return Some(EpisodeId::new(season, episode));
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(sanitize_folder_name(input), expected, "input {input:?}");
    }

    #[test]
    fn sanitising_follows_the_api_rules() {
        check(
            "Attack on Titan: Final Season",
            "Attack on Titan Final Season",
        );
        check("  ..Name..  ", "Name");
        check("a<b>c:d\"e/f\\g|h?i*j", "abcdefghij");
        check("進撃の巨人", "進撃の巨人");
        check("Re:Zero - Starting Life", "ReZero - Starting Life");
        check("Tab\there", "Tab here");
        check("???", "");
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary() {
        let ascii = sanitize_folder_name(&"L".repeat(400));
        assert_eq!(ascii, "L".repeat(MAX_FOLDER_NAME_BYTES));
        let wide = sanitize_folder_name(&"進".repeat(100));
        assert!(wide.len() <= MAX_FOLDER_NAME_BYTES && wide.len() > MAX_FOLDER_NAME_BYTES - 3);
        assert!(wide.chars().all(|c| c == '進'));
        let spaced = format!("{} tail", "a".repeat(MAX_FOLDER_NAME_BYTES - 1));
        assert_eq!(
            sanitize_folder_name(&spaced),
            "a".repeat(MAX_FOLDER_NAME_BYTES - 1)
        );
        let file = episode_file_name(
            &series_folder_name(&"x".repeat(400), Some(2013)),
            EpisodeId::new(u32::MAX, u32::MAX),
        );
        assert!(file.len() + ".part".len() < 255, "{file}");
    }

    #[test]
    fn folder_carries_the_year_once() {
        assert_eq!(
            series_folder_name("Attack on Titan", Some(2013)),
            "Attack on Titan (2013)"
        );
        assert_eq!(
            series_folder_name("Attack on Titan", None),
            "Attack on Titan"
        );
        assert_eq!(series_folder_name("X (2013)", Some(2013)), "X (2013)");
    }

    #[test]
    fn file_names_pad_numbers() {
        let f = "Show (2020)";
        assert_eq!(
            episode_file_name(f, EpisodeId::new(1, 2)),
            "Show (2020) - S01E02.mp4"
        );
        assert_eq!(
            episode_file_name(f, EpisodeId::new(0, 1)),
            "Show (2020) - S00E01.mp4"
        );
        assert_eq!(
            episode_file_name(f, EpisodeId::new(2, 105)),
            "Show (2020) - S02E105.mp4"
        );
        assert_eq!(season_dir_name(3), "Season 03");
        assert_eq!(
            episode_relative_path(f, EpisodeId::new(1, 2)),
            std::path::Path::new("Show (2020)/Season 01/Show (2020) - S01E02.mp4")
        );
    }

    #[test]
    fn markers_are_found_in_odd_names() {
        let cases = [
            ("[Group] Name - S01E02 [1080p].mkv", Some((1, 2))),
            ("name.s2e13.webm", Some((2, 13))),
            ("Show - S00E01.mp4", Some((0, 1))),
            ("Show S01E100.mp4", Some((1, 100))),
            ("Show - Season 1 Episode 2.mp4", None),
            ("ABS01E02.mp4", None),
            ("Series 1E2.mp4", None),
            ("S01E.mp4", None),
        ];
        for (name, want) in cases {
            assert_eq!(
                find_episode_marker(name),
                want.map(|(s, e)| EpisodeId::new(s, e)),
                "name {name:?}"
            );
        }
    }

    #[test]
    fn video_extensions_are_case_insensitive_and_part_files_are_not_videos() {
        assert!(is_video_file_name("a.MKV"));
        assert!(is_video_file_name("a.ts"));
        assert!(!is_video_file_name("a.mp4.part"));
        assert!(!is_video_file_name("tvshow.nfo"));
        assert!(!is_video_file_name("mp4"));
    }
}
