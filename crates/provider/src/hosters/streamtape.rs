//! Streamtape: the `robotlink` substring arithmetic.
//!
//! The page assembles the real link in a script line
//! `document.getElementById('robotlink').innerHTML = '<prefix>' + ('<inner>').substring(N)...;`
//! next to decoy elements (`ideoolink`, `botlink`, `norobotlink`). The link is prefix + inner
//! with each `substring` applied in order (older pages: no call, drop the first 3 characters of
//! an `xcd` inner); `&stream=1` makes `get_video` redirect to the MP4.

use std::sync::LazyLock;

use aniworld_core::ports::MediaKind;
use regex::Regex;

use super::util::{ACCEPT_HTML, BROWSER_UA, get_page, join, layout, origin};
use super::{Extracted, Fetch, HosterError};

const NAME: &str = "Streamtape";

static ROBOTLINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"getElementById\(\s*['"]robotlink['"]\s*\)\.innerHTML\s*=\s*['"]([^'"]*)['"]\s*\+\s*\(?\s*['"]([^'"]*)['"]\s*\)?((?:\s*\.substring\(\s*\d+\s*\))*)"#,
    )
    .unwrap()
});
static SUBSTRING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.substring\(\s*(\d+)\s*\)").unwrap());
static GONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(video not found|file not found|maybe it got deleted)").unwrap()
});

/// Extracts the media source behind a Streamtape embed URL.
pub(super) fn extract(fetch: &dyn Fetch, embed_url: &str) -> Result<Extracted, HosterError> {
    let page = get_page(
        fetch,
        NAME,
        embed_url,
        &[("User-Agent", BROWSER_UA), ("Accept", ACCEPT_HTML)],
    )?;
    let page_url = if page.final_url.is_empty() {
        embed_url
    } else {
        &page.final_url
    };
    let Some(link) = robotlink(&page.body) else {
        if GONE.is_match(&page.body) {
            return Err(HosterError::Offline {
                hoster: NAME.into(),
                url: page_url.to_string(),
                reason: "the video was not found".into(),
            });
        }
        return Err(layout(NAME, page_url, "no robotlink script line"));
    };
    if !link.contains("get_video") {
        return Err(layout(
            NAME,
            page_url,
            format!("robotlink is not a get_video link: {link}"),
        ));
    }
    let url = join(NAME, page_url, &format!("{link}&stream=1"))?;
    let o = origin(NAME, page_url)?;
    Ok(Extracted {
        url,
        kind: MediaKind::Direct,
        headers: vec![
            ("User-Agent".into(), BROWSER_UA.into()),
            ("Referer".into(), format!("{o}/")),
        ],
    })
}

/// Evaluates the robotlink line: prefix + inner with its substrings applied.
fn robotlink(body: &str) -> Option<String> {
    let c = ROBOTLINK.captures(body)?;
    let prefix = &c[1];
    let mut inner: String = c[2].to_string();
    let calls: Vec<usize> = SUBSTRING
        .captures_iter(&c[3])
        .filter_map(|m| m[1].parse().ok())
        .collect();
    if calls.is_empty() && inner.starts_with("xcd") {
        inner = inner.chars().skip(3).collect();
    }
    for n in calls {
        inner = inner.chars().skip(n).collect();
    }
    Some(format!("{prefix}{inner}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_arithmetic() {
        let check = |line: &str, want: Option<&str>| {
            assert_eq!(robotlink(line).as_deref(), want, "{line}");
        };
        check(
            "document.getElementById('robotlink').innerHTML = '//streamtape.com/get_v'+ ('xyzideo?id=1&token=t').substring(1).substring(2);",
            Some("//streamtape.com/get_video?id=1&token=t"),
        );
        check(
            "document.getElementById('robotlink').innerHTML = '//s.t/get_video?id=' + ('xcd9&expires=1');",
            Some("//s.t/get_video?id=9&expires=1"),
        );
        check(
            "document.getElementById('robotlink').innerHTML = '//s/' + ('ab').substring(9);",
            Some("//s/"),
        );
        check(
            "document.getElementById('botlink').innerHTML = '//decoy/' + ('x');",
            None,
        );
    }
}
