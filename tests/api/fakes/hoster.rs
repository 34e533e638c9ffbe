//! A fake catalogue with episode pages, a fake VOE hoster and a fake media host for the queue
//! tests, shaped like the real sites (provider-reference.md):
//!
//! - catalogue: `/anime/stream/<key>/staffel-<s>/episode-<e>` lists hoster links
//!   (`div.hosterSiteVideo li[data-lang-key][data-link-target]`), each `/redirect/<id>` answers a
//!   302 to the hoster's embed page;
//! - VOE: `/e/<code>` carries the current `<script type="application/json">["<S>"]</script>`
//!   payload (JSON -> base64 -> reversed -> +3 -> base64 -> junk tokens -> ROT13) naming a direct
//!   MP4 with `direct_access_allowed: true`;
//! - media: `/media/<code>.mp4` serves the file (a real MP4, see [`media_bytes`]) with HTTP
//!   Range support, optionally trickling after a number of bytes until a [`Gate`] opens.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aniworld_testkit::{FakeResponse, FakeServer, Gate};
use serde_json::json;

/// How an episode's media is served.
#[derive(Clone, Default)]
pub enum Serving {
    /// At full speed.
    #[default]
    Fast,
    /// The first `n` bytes at full speed, the rest slowly until the gate opens.
    TrickleAfter(usize, Gate),
    /// The VOE page is gone (404): every attempt fails.
    Broken,
}

/// The fake sites.
pub struct Sites {
    /// The catalogue (its URL is the provider base URL).
    pub catalogue: FakeServer,
    /// The VOE host, also serving the media.
    pub voe: FakeServer,
    next_id: AtomicU32,
}

/// A real MP4 file of an episode: the clip of `aniworld_testkit::media` padded to exactly `len`
/// bytes with filler that differs per episode, so ffprobe accepts it and files never mix up.
pub fn media_bytes(key: &str, season: u32, episode: u32, len: usize) -> Vec<u8> {
    let seed = key
        .bytes()
        .fold(u64::from(season * 1000 + episode + 7), |a, b| {
            a.wrapping_mul(31) ^ u64::from(b)
        });
    aniworld_testkit::media::mp4(len, seed)
}

impl Sites {
    /// Starts the catalogue and the hoster.
    pub fn start() -> Self {
        Self {
            catalogue: FakeServer::start(),
            voe: FakeServer::start(),
            next_id: AtomicU32::new(2_738_955),
        }
    }

    /// The embed code of an episode.
    pub fn code(key: &str, season: u32, episode: u32) -> String {
        format!("{key}-s{season}e{episode}")
    }

    /// The media path of an episode on the VOE host.
    pub fn media_path(key: &str, season: u32, episode: u32) -> String {
        format!("/media/{}.mp4", Self::code(key, season, episode))
    }

    /// Serves an episode: its catalogue page (one German Dub VOE link), the redirect, the VOE
    /// page and the media.
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
                FakeResponse::html(voe_page(&voe_chain(&payload.to_string()))),
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

    /// Requests the media host received for an episode.
    pub fn media_requests(
        &self,
        key: &str,
        season: u32,
        episode: u32,
    ) -> Vec<aniworld_testkit::RecordedRequest> {
        let path = Self::media_path(key, season, episode);
        self.voe
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

/// A catalogue episode page in the real layout with one German Dub VOE link.
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

/// A VOE embed page of the current generation carrying `payload`.
fn voe_page(payload: &str) -> String {
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

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn b64(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
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

/// VOE's current payload encoding, the inverse of the page's decoder.
fn voe_chain(json: &str) -> String {
    let inner: String = b64(json.as_bytes()).chars().rev().collect();
    let shifted: Vec<u8> = inner.bytes().map(|b| b + 3).collect();
    let junk = ["@$", "^^", "~@"];
    let mut out = String::new();
    for (i, c) in b64(&shifted).chars().enumerate() {
        out.push(c);
        if i % 7 == 3 {
            out.push_str(junk[(i / 7) % junk.len()]);
        }
        if i % 11 == 5 {
            out.push('_');
        }
    }
    rot13(&out)
}

#[test]
fn base64_matches_known_vectors() {
    assert_eq!(b64(b""), "");
    assert_eq!(b64(b"f"), "Zg==");
    assert_eq!(b64(b"fo"), "Zm8=");
    assert_eq!(b64(b"foo"), "Zm9v");
    assert_eq!(b64(b"foob"), "Zm9vYg==");
}
