//! Vidmoly: a JWPlayer page whose `sources: [{file:"..."}, ...]` names the streams.
//!
//! `/w/<id>` links are turned into `/embed-<id>.html`. The sources are read in page order and
//! the first HLS playlist or MP4 file wins; DASH manifests (`.mpd`, `type: "dash"`), which 2026
//! pages list first, are skipped, and a page listing nothing else is `NoUsableStream`. Playlist
//! and segments want a Referer of the Vidmoly host.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::util::{ACCEPT_HTML, BROWSER_UA, get_embed_page, join, missing, origin, parse_url};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Vidmoly";

static SOURCES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)sources\s*:\s*\[(.*?)\]"#).unwrap());
static OBJECT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)\{([^{}]*)\}").unwrap());
static FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bfile\s*:\s*["']([^"']+)["']"#).unwrap());
static TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\btype\s*:\s*["']([^"']+)["']"#).unwrap());
static GONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(file was deleted|video not found|notice\.php)").unwrap());

/// Extracts the media source behind a Vidmoly embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let embed = normalise(embed_url)?;
    let o = origin(NAME, &embed)?;
    let referer = format!("{o}/");
    let page = get_embed_page(
        fetch,
        NAME,
        &embed,
        &[
            ("User-Agent", BROWSER_UA),
            ("Accept", ACCEPT_HTML),
            ("Sec-Fetch-Dest", "iframe"),
            ("Referer", &referer),
        ],
    )?;
    let page_url = if page.final_url.is_empty() {
        embed.clone()
    } else {
        page.final_url.clone()
    };
    let listed = sources(&page.body);
    let usable = listed.iter().find_map(|(f, k)| match k {
        Format::Usable(kind) => Some((f.clone(), *kind)),
        Format::Unusable(_) => None,
    });
    let Some((file, kind)) = usable else {
        if !listed.is_empty() {
            let mut formats: Vec<&str> = Vec::new();
            for (_, f) in &listed {
                if let Format::Unusable(name) = f
                    && !formats.contains(name)
                {
                    formats.push(name);
                }
            }
            let files: Vec<&str> = listed.iter().map(|(f, _)| f.as_str()).collect();
            log::debug!("{NAME}: no HLS or MP4 source at {page_url}: {files:?}");
            return Err(HosterError::NoUsableStream {
                hoster: NAME.into(),
                url: page_url,
                formats: formats.join(" and "),
            });
        }
        if GONE.is_match(&page.body) {
            return Err(HosterError::Deleted {
                hoster: NAME.into(),
                url: page_url,
                reason: "the file was deleted".into(),
            });
        }
        return Err(missing(NAME, &page_url, &page.body, "no JWPlayer sources"));
    };
    let page_origin = origin(NAME, &page_url)?;
    Ok(Extracted {
        url: join(NAME, &page_url, &file)?,
        kind,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{page_origin}/")),
            ("Origin".into(), page_origin),
        ],
    })
}

/// What a listed source is: a stream the downloaders take, or a format they cannot (named for
/// the user: `DASH`, `WEBM`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// An HLS playlist or an MP4 file.
    Usable(MediaKind),
    /// Anything else.
    Unusable(&'static str),
}

/// The `file` of every source object in page order, with its format, judged by the `type` field
/// and else the file's extension: HLS (`hls`, `mpegurl`, `.m3u8`) and MP4 (`mp4`, `.mp4`) are
/// usable, DASH (`dash`, `.mpd`) and anything else are not.
fn sources(body: &str) -> Vec<(String, Format)> {
    let Some(list) = SOURCES.captures(body) else {
        return Vec::new();
    };
    OBJECT
        .captures_iter(&list[1])
        .filter_map(|o| {
            let file = FILE.captures(&o[1])?[1].to_string();
            let ty = TYPE
                .captures(&o[1])
                .map(|t| t[1].to_ascii_lowercase())
                .unwrap_or_default();
            let path = file
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let format = if ty.contains("dash") || path.ends_with(".mpd") {
                Format::Unusable("DASH")
            } else if ty.contains("hls") || ty.contains("mpegurl") || path.ends_with(".m3u8") {
                Format::Usable(MediaKind::Hls)
            } else if ty.contains("mp4") || path.ends_with(".mp4") {
                Format::Usable(MediaKind::Direct)
            } else {
                Format::Unusable(unusable_name(&path))
            };
            Some((file, format))
        })
        .collect()
}

/// A user-facing name of a format the downloaders cannot take, by extension.
fn unusable_name(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "webm" => "WebM",
        "mkv" => "Matroska",
        "flv" => "Flash video",
        _ => "an unknown format",
    }
}

/// `/w/<id>` becomes `/embed-<id>.html`.
fn normalise(url: &str) -> Result<String, HosterError> {
    let mut u = parse_url(NAME, url)?;
    if let Some(id) = u
        .path()
        .strip_prefix("/w/")
        .map(|s| s.trim_end_matches('/').to_string())
    {
        u.set_path(&format!("/embed-{id}.html"));
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_and_unknown_sources_are_unusable() {
        let page = r#"player.setup({sources: [{file:"https://v.example/d/master.mpd", type:"dash"},
            {file:"https://v.example/h/master.m3u8?t=1"}, {file:"https://v.example/f.mp4"},
            {file:"https://v.example/p/index", type:"hls"}, {file:"https://v.example/v.webm"},
            {file:"https://v.example/x"}], image:"x"});"#;
        let got: Vec<Format> = sources(page).into_iter().map(|(_, f)| f).collect();
        assert_eq!(
            got,
            [
                Format::Unusable("DASH"),
                Format::Usable(MediaKind::Hls),
                Format::Usable(MediaKind::Direct),
                Format::Usable(MediaKind::Hls),
                Format::Unusable("WebM"),
                Format::Unusable("an unknown format"),
            ]
        );
        let only_mp4 =
            r#"sources:[{file:'/x/manifest.mpd?a=1'},{file:'/x/v.mp4',type:'video/mp4'}]"#;
        assert_eq!(
            sources(only_mp4)[1],
            ("/x/v.mp4".into(), Format::Usable(MediaKind::Direct))
        );
    }

    #[test]
    fn normalises_watch_links() {
        assert_eq!(
            normalise("https://vidmoly.to/w/abc").unwrap(),
            "https://vidmoly.to/embed-abc.html"
        );
        assert_eq!(
            normalise("https://vidmoly.to/embed-abc.html").unwrap(),
            "https://vidmoly.to/embed-abc.html"
        );
    }
}
