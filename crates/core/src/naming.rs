//! Folder-name sanitising, the series folder rule ([`SeriesFolder`]) and the library's file
//! naming (runtime-contract.md, "Library layout").

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

/// The folder of a series: one plain path component inside the anime directory, checked once.
///
/// Whatever builds a path from a folder name that came from outside (a request, the store)
/// parses it into a `SeriesFolder` first, so `anime_dir.join(folder)` can never leave the anime
/// directory nor name a folder no file system can hold. The name is kept as given (surrounding
/// spaces are part of a folder name); see [`SeriesFolder::parse`] for the rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesFolder(String);

/// Why a string is not a [`SeriesFolder`]. The messages say what is wrong with the name, to
/// follow the name of the field or value they are about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FolderNameError {
    /// Nothing but whitespace.
    #[error("is empty")]
    Empty,
    /// `.` or `..`: the anime directory itself or its parent.
    #[error("names the anime directory itself or its parent")]
    Dots,
    /// A `/` or `\` would make it a path of several folders.
    #[error("contains the path separator {0:?}")]
    Separator(char),
    /// A NUL byte, which no file system allows in a name.
    #[error("contains a NUL character")]
    Nul,
    /// Not one normal path component (a root or a drive prefix, on platforms that have them).
    #[error("is not a single folder name")]
    NotPlain,
    /// Longer than the common file systems allow for one name.
    #[error(
        "is {len} bytes long; no file system holds a folder name over {MAX_FILE_NAME_BYTES} bytes"
    )]
    TooLong {
        /// The length of the name in bytes.
        len: usize,
    },
}

impl SeriesFolder {
    /// Accepts `name` when it is one folder name inside the anime directory: not blank, not `.`
    /// or `..` (surrounding whitespace ignored), without `/`, `\` or NUL, one normal path
    /// component, and at most [`MAX_FILE_NAME_BYTES`] bytes long.
    pub fn parse(name: &str) -> Result<Self, FolderNameError> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(FolderNameError::Empty);
        }
        if trimmed == "." || trimmed == ".." {
            return Err(FolderNameError::Dots);
        }
        if let Some(c) = name.chars().find(|c| matches!(c, '/' | '\\')) {
            return Err(FolderNameError::Separator(c));
        }
        if name.contains('\0') {
            return Err(FolderNameError::Nul);
        }
        let mut parts = std::path::Path::new(name).components();
        if !matches!(
            (parts.next(), parts.next()),
            (Some(std::path::Component::Normal(_)), None)
        ) {
            return Err(FolderNameError::NotPlain);
        }
        if name.len() > MAX_FILE_NAME_BYTES {
            return Err(FolderNameError::TooLong { len: name.len() });
        }
        Ok(Self(name.to_string()))
    }

    /// The folder name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folder name, as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::str::FromStr for SeriesFolder {
    type Err = FolderNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::parse(name)
    }
}

impl AsRef<str> for SeriesFolder {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for SeriesFolder {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&self.0)
    }
}

impl std::fmt::Display for SeriesFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

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

    mod series_folder {
        use super::super::*;

        /// Parses `input` and compares the outcome: Ok(name kept) or the error.
        fn check(input: &str, expected: Result<&str, FolderNameError>) {
            let got = SeriesFolder::parse(input);
            assert_eq!(
                got.as_ref().map(SeriesFolder::as_str).map_err(Clone::clone),
                expected,
                "input {input:?}"
            );
        }

        #[test]
        fn one_plain_folder_name_is_accepted_as_given() {
            use FolderNameError::*;
            let longest = "a".repeat(MAX_FILE_NAME_BYTES);
            let too_long = "a".repeat(MAX_FILE_NAME_BYTES + 1);
            let wide = "é".repeat(128);
            for (input, expected) in [
                ("One Piece (1999)", Ok("One Piece (1999)")),
                ("進撃の巨人", Ok("進撃の巨人")),
                (" spaced ", Ok(" spaced ")),
                ("...", Ok("...")),
                (".hidden", Ok(".hidden")),
                ("a..b", Ok("a..b")),
                (longest.as_str(), Ok(longest.as_str())),
                ("", Err(Empty)),
                (" \t ", Err(Empty)),
                (".", Err(Dots)),
                ("..", Err(Dots)),
                (" .. ", Err(Dots)),
                ("a/b", Err(Separator('/'))),
                ("/abs", Err(Separator('/'))),
                ("trailing/", Err(Separator('/'))),
                ("../up", Err(Separator('/'))),
                ("a\\b", Err(Separator('\\'))),
                ("nul\0byte", Err(Nul)),
                (too_long.as_str(), Err(TooLong { len: 256 })),
                (wide.as_str(), Err(TooLong { len: 256 })),
            ] {
                check(input, expected);
            }
        }

        #[test]
        fn messages_say_what_is_wrong() {
            assert_eq!(
                FolderNameError::TooLong { len: 300 }.to_string(),
                "is 300 bytes long; no file system holds a folder name over 255 bytes"
            );
            assert_eq!(
                FolderNameError::Separator('/').to_string(),
                "contains the path separator '/'"
            );
            let folder = SeriesFolder::parse("Show (2020)").unwrap();
            assert_eq!(folder.to_string(), "Show (2020)");
            let path: &std::path::Path = folder.as_ref();
            assert_eq!(path, std::path::Path::new("Show (2020)"));
            assert_eq!("x".parse::<SeriesFolder>().unwrap().into_string(), "x");
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
