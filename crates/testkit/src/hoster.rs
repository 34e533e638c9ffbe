//! A fake VOE hoster and media host serving real media, with a bare catalogue whose episode pages
//! link to it: the sites the download tests (queue, WebSocket, scheduler, crash, command line)
//! run against, shaped like the real ones (provider-reference.md).
//!
//! - **catalogue** ([`Sites::catalogue`]): `/anime/stream/<key>/staffel-<s>/episode-<e>` lists
//!   one German Dub VOE link (`div.hosterSiteVideo li[data-lang-key][data-link-target]`, the
//!   legacy engine's layout); its `/redirect/<id>` answers a 302 to the hoster's embed page. It
//!   serves nothing else: a test that needs series or season pages serves them itself, or uses
//!   a [`FakeCatalogue`](crate::catalogue::FakeCatalogue) whose
//!   [`hoster_base`](crate::catalogue::FakeCatalogue::hoster_base) points at [`Sites::voe`]
//!   (its embed codes are the same `<key>-s<S>e<E>` as [`Sites::code`]).
//! - **VOE** ([`Sites::voe`]): `/e/<code>` carries the current
//!   `<script type="application/json">["<S>"]</script>` payload ([`voe_payload`]) naming a direct
//!   MP4 with `direct_access_allowed: true` (and an HLS `source` that is never served).
//! - **media** (also [`Sites::voe`]): `/media/<code>.mp4` serves the episode's bytes (a real MP4,
//!   see [`media_bytes`]) with HTTP Range support, optionally trickling after a number of bytes
//!   until a [`Gate`] opens ([`Serving`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use serde_json::json;

use crate::{FakeResponse, FakeServer, Gate, RecordedRequest};

/// How an episode's media is served.
#[derive(Debug, Clone, Default)]
pub enum Serving {
    /// At full speed.
    #[default]
    Fast,
    /// The first `n` bytes at full speed, the rest slowly until the gate opens (see
    /// [`FakeResponse::trickle_after`]).
    TrickleAfter(usize, Gate),
    /// The VOE page is gone (404 "File not found"): every attempt fails.
    Broken,
}

/// The fake catalogue and VOE/media host; both stop when dropped.
pub struct Sites {
    /// The catalogue (its URL is the provider base URL): episode pages and their redirects only.
    pub catalogue: FakeServer,
    /// The VOE host, also serving the media.
    pub voe: FakeServer,
    next_id: AtomicU32,
}

/// A real MP4 file of an episode: the clip of [`crate::media`] padded to exactly `len` bytes
/// ([`crate::media::mp4`]) with filler that differs per episode, so ffprobe accepts it and files
/// never mix up. The same arguments always give the same bytes.
///
/// # Panics
/// When `len` is below [`crate::media::MP4_MIN_LEN`].
pub fn media_bytes(key: &str, season: u32, episode: u32, len: usize) -> Vec<u8> {
    let seed = key
        .bytes()
        .fold(u64::from(season * 1000 + episode + 7), |a, b| {
            a.wrapping_mul(31) ^ u64::from(b)
        });
    crate::media::mp4(len, seed)
}

impl Sites {
    /// Starts the catalogue and the hoster, serving no episode yet (every request answers 404).
    pub fn start() -> Self {
        Self {
            catalogue: FakeServer::start(),
            voe: FakeServer::start(),
            next_id: AtomicU32::new(2_738_955),
        }
    }

    /// The embed code of an episode: `<key>-s<season>e<episode>`.
    pub fn code(key: &str, season: u32, episode: u32) -> String {
        format!("{key}-s{season}e{episode}")
    }

    /// The media path of an episode on the VOE host: `/media/<code>.mp4`.
    pub fn media_path(key: &str, season: u32, episode: u32) -> String {
        format!("/media/{}.mp4", Self::code(key, season, episode))
    }

    /// Serves an episode: its catalogue page (one German Dub VOE link with a fresh link id), the
    /// redirect, the VOE page and `data` as its media, as `serving` says. Serving an episode
    /// again replaces what was served before (later routes win).
    pub fn episode(&self, key: &str, season: u32, episode: u32, data: Vec<u8>, serving: Serving) {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let code = Self::code(key, season, episode);
        self.catalogue.serve(
            &format!("/anime/stream/{key}/staffel-{season}/episode-{episode}"),
            FakeResponse::html(episode_page(key, season, episode, id)),
        );
        self.catalogue.serve(
            &format!("/redirect/{id}"),
            FakeResponse::redirect(&format!("{}/e/{code}", self.voe.url())),
        );
        let media_url = format!(
            "{}{}",
            self.voe.url(),
            Self::media_path(key, season, episode)
        );
        if matches!(serving, Serving::Broken) {
            self.voe.serve(
                &format!("/e/{code}"),
                FakeResponse::html("<h1>File not found</h1>").with_status(404),
            );
        } else {
            let payload = json!({
                "source": format!("{}/media/{code}/master.m3u8", self.voe.url()),
                "direct_access_url": media_url,
                "direct_access_allowed": true,
            });
            self.voe.serve(
                &format!("/e/{code}"),
                FakeResponse::html(voe_page(&voe_payload(&payload.to_string()))),
            );
        }
        let data = Arc::new(data);
        self.voe
            .route(&Self::media_path(key, season, episode), move |req| {
                let r = FakeResponse::ranged(req, "video/mp4", &data);
                match &serving {
                    Serving::TrickleAfter(n, gate) => r.trickle_after(*n, gate),
                    _ => r,
                }
            });
    }

    /// Requests the media host received for an episode, oldest first.
    pub fn media_requests(&self, key: &str, season: u32, episode: u32) -> Vec<RecordedRequest> {
        let path = Self::media_path(key, season, episode);
        self.voe
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

/// A catalogue episode page in the legacy engine's layout with one German Dub VOE link
/// (`/redirect/<id>`).
fn episode_page(key: &str, season: u32, episode: u32, id: u32) -> String {
    format!(
        r#"<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><title>Episode {episode} Staffel {season} von {key} | AniWorld.to - Animes gratis online ansehen</title></head>
<body>
<div class="container marginBottom">
  <div class="hosterSiteTitle" data-episode-id="{id}" data-season-id="{season}">
    <h2><span class="episodeGermanTitle">Folge {episode}</span><small class="episodeEnglishTitle">Episode {episode}</small></h2>
  </div>
  <div class="hosterSiteVideo">
    <div class="changeLanguageBox">
      <img data-lang-key="1" src="/public/img/german.svg" title="Deutsch" alt="Deutsche Sprache, Flagge" class="selectedLanguage">
    </div>
    <ul class="row">
      <li class="col-md-3 col-xs-12 col-sm-6 episodeLink{id}" data-lang-key="1" data-link-id="{id}" data-link-target="/redirect/{id}" data-external-embed="false">
        <div>
          <a class="watchEpisode" itemprop="url" href="/redirect/{id}" target="_blank">
            <i class="icon VOE" title="Hoster VOE"></i>
            <h4>VOE</h4>
            <div class="hosterSiteVideoButton">Video öffnen</div>
          </a>
        </div>
      </li>
    </ul>
    <div class="inSiteWebStream"><div class="inSiteWebStreamEmbed"><iframe src="/redirect/{id}" width="100%" height="100%" frameborder="0" allowfullscreen></iframe></div></div>
  </div>
</div>
</body>
</html>
"#
    )
}

/// A VOE embed page of the current generation carrying `payload` (the output of
/// [`voe_payload`]) in `<script type="application/json">["…"]</script>`.
pub fn voe_page(payload: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <meta name="robots" content="noindex, nofollow">
    <title>VOE | Content Ep Ger Dub</title>
    <link rel="stylesheet" href="/css/player.min.css?v=1748259214">
</head>
<body class="embed">
<div class="wrapper"><div id="vp" class="video-player"></div></div>
<script type="application/json">["{payload}"]</script>
<script>var file_code = 'brrfb6svahr0';</script>
<script src="/js/player.min.js?v=1748259214"></script>
</body>
</html>
"#
    )
}

/// The junk tokens [`voe_payload`] scatters through its output (besides `_`).
pub const VOE_JUNK: [&str; 3] = ["@$", "^^", "~@"];

/// VOE's current payload encoding of `json`, the inverse of the page's decoder: base64, reversed,
/// every byte +3, base64 again, the [`VOE_JUNK`] tokens and `_` inserted, then ROT13.
pub fn voe_payload(json: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let inner: String = b64.encode(json).chars().rev().collect();
    let shifted: Vec<u8> = inner.bytes().map(|b| b + 3).collect();
    let mut out = String::new();
    for (i, c) in b64.encode(shifted).chars().enumerate() {
        out.push(c);
        if i % 7 == 3 {
            out.push_str(VOE_JUNK[(i / 7) % VOE_JUNK.len()]);
        }
        if i % 11 == 5 {
            out.push('_');
        }
    }
    rot13(&out)
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::get;

    /// What the page's decoder does: ROT13, junk out, base64, -3, reversed, base64.
    fn decode(payload: &str) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut s = rot13(payload);
        for junk in VOE_JUNK.iter().chain(&["_"]) {
            s = s.replace(junk, "");
        }
        let shifted: Vec<u8> = b64.decode(s).unwrap().into_iter().map(|b| b - 3).collect();
        let inner: String = String::from_utf8(shifted).unwrap().chars().rev().collect();
        String::from_utf8(b64.decode(inner).unwrap()).unwrap()
    }

    fn payload_of(page: &str) -> serde_json::Value {
        const OPEN: &str = r#"<script type="application/json">[""#;
        let start = page.find(OPEN).unwrap() + OPEN.len();
        let end = start + page[start..].find(r#""]</script>"#).unwrap();
        serde_json::from_str(&decode(&page[start..end])).unwrap()
    }

    #[test]
    fn voe_payloads_decode_back_to_the_json() {
        for json in [
            "{}",
            r#"{"a":"b"}"#,
            r#"{"direct_access_url":"http://x/y.mp4"}"#,
        ] {
            let payload = voe_payload(json);
            assert!(!payload.contains(json), "{payload}");
            assert!(VOE_JUNK.iter().any(|j| payload.contains(j)), "{payload}");
            assert_eq!(decode(&payload), json);
        }
    }

    #[test]
    fn media_bytes_are_real_mp4s_of_the_asked_length_differing_per_episode() {
        let a = media_bytes("demo", 1, 1, 20_000);
        assert_eq!(a.len(), 20_000);
        assert!(crate::media::is_mp4(&a));
        assert_eq!(a, media_bytes("demo", 1, 1, 20_000));
        assert_ne!(a, media_bytes("demo", 1, 2, 20_000));
        assert_ne!(a, media_bytes("other", 1, 1, 20_000));
    }

    #[test]
    fn an_episode_leads_from_the_catalogue_page_to_the_media() {
        let sites = Sites::start();
        let data = media_bytes("demo", 2, 3, 10_000);
        sites.episode("demo", 2, 3, data, Serving::Fast);

        let page = get(
            &format!(
                "{}/anime/stream/demo/staffel-2/episode-3",
                sites.catalogue.url()
            ),
            &[],
        );
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains(r#"data-link-target="/redirect/2738955""#)
        );
        let redirect = get(&format!("{}/redirect/2738955", sites.catalogue.url()), &[]);
        assert_eq!(redirect.status, 302);
        let embed = format!("{}/e/demo-s2e3", sites.voe.url());
        assert_eq!(redirect.header("location"), Some(embed.as_str()));

        let voe = get(&embed, &[]);
        assert_eq!(voe.status, 200);
        let payload = payload_of(&voe.body);
        let media = format!("{}{}", sites.voe.url(), Sites::media_path("demo", 2, 3));
        assert_eq!(payload["direct_access_url"], media.as_str());
        assert_eq!(payload["direct_access_allowed"], true);

        let whole = get(&media, &[]);
        assert_eq!(whole.status, 200);
        assert_eq!(whole.header("content-length"), Some("10000"));
        let part = get(&media, &[("Range", "bytes=100-")]);
        assert_eq!(part.status, 206);
        assert_eq!(part.header("content-range"), Some("bytes 100-9999/10000"));
        assert_eq!(sites.media_requests("demo", 2, 3).len(), 2);
        assert!(sites.media_requests("demo", 2, 4).is_empty());
    }

    #[test]
    fn a_broken_episode_has_no_voe_page() {
        let sites = Sites::start();
        sites.episode("demo", 1, 1, Vec::new(), Serving::Broken);
        let voe = get(
            &format!("{}/e/{}", sites.voe.url(), Sites::code("demo", 1, 1)),
            &[],
        );
        assert_eq!(voe.status, 404);
        assert!(voe.body.contains("File not found"));
    }

    #[test]
    fn a_trickling_episode_goes_on_at_full_speed_once_the_gate_is_open() {
        let sites = Sites::start();
        let gate = Gate::new();
        gate.open();
        let data = media_bytes("demo", 1, 1, 50_000);
        sites.episode("demo", 1, 1, data, Serving::TrickleAfter(1_000, gate));
        let media = get(
            &format!("{}{}", sites.voe.url(), Sites::media_path("demo", 1, 1)),
            &[],
        );
        assert_eq!(media.status, 200);
        assert_eq!(media.header("content-length"), Some("50000"));
    }
}
