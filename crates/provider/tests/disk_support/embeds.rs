//! Each hoster's embed page (and the follow-up requests its extractor makes), served on a fake
//! hoster host and pointing at a media URL on another host.

use aniworld_provider::hosters::Hoster;
use aniworld_testkit::{FakeResponse, FakeServer};
use serde_json::json;

use crate::hoster_support::{pack, page, speedfiles, voe_chain};

/// Serves `h`'s embed page (and its follow-up requests) on `embed`, pointing at `media_url`;
/// returns the embed URL the catalogue redirects to.
pub fn serve_embed(h: Hoster, embed: &FakeServer, media_url: &str) -> String {
    let base = embed.url();
    match h {
        Hoster::Voe => {
            let junk = ["Q#", ":;", "<>", "|~"];
            let payload = voe_chain(&json!({ "source": media_url }).to_string(), &junk);
            embed.serve(
                "/e/v0e1",
                FakeResponse::html(page("voe_loader.html", &[("PAYLOAD", &payload)])),
            );
            let tokens = format!("['{}']", junk.join("','"));
            embed.serve(
                "/js/loader.9c1e2f.js",
                FakeResponse::bytes(
                    "application/javascript",
                    page("voe_loader.js", &[("TOKENS", &tokens)]),
                ),
            );
            format!("{base}/e/v0e1")
        }
        Hoster::Doodstream => {
            // pass_md5 answers a URL prefix; the player appends ten random characters.
            let pass = "/pass_md5/183-21-1-dd1/tokDD1";
            embed.serve(
                "/e/dd1",
                FakeResponse::html(page(
                    "doodstream.html",
                    &[("PASS_PATH", pass), ("TOKEN", "tokDD1")],
                )),
            );
            let prefix = media_url.trim_end_matches(".mp4").to_string() + "~";
            embed.serve(pass, FakeResponse::text(prefix));
            format!("{base}/d/dd1")
        }
        Hoster::Vidoza => {
            embed.serve(
                "/embed-vz1.html",
                FakeResponse::html(page("vidoza.html", &[("MP4", media_url)])),
            );
            format!("{base}/embed-vz1.html")
        }
        Hoster::Streamtape => {
            let host = base.trim_start_matches("http:").to_string();
            let inner = "zxyideo?id=St1&expires=1767225600&ip=F0x&token=t0kEn";
            embed.serve(
                "/e/St1",
                FakeResponse::html(page(
                    "streamtape.html",
                    &[("PREFIX", &format!("{host}/get_v")), ("INNER", inner)],
                )),
            );
            let target = media_url.to_string();
            embed.route("/get_video", move |req| {
                if req.query_param("id").as_deref() == Some("St1") {
                    FakeResponse::redirect(&target)
                } else {
                    FakeResponse::status(403)
                }
            });
            format!("{base}/e/St1")
        }
        Hoster::Filemoon => {
            let js = format!(
                r#"var player=jwplayer("vplayer");player.setup({{sources:[{{file:"{media_url}"}}],width:"100%",height:"100%",duration:"20.0"}});"#
            );
            embed.serve(
                "/v/fm1",
                FakeResponse::html(page("filemoon_inner.html", &[("PACKED", &pack(&js))])),
            );
            embed.serve(
                "/e/fm1",
                FakeResponse::html(page(
                    "filemoon_outer.html",
                    &[("IFRAME", &format!("{base}/v/fm1"))],
                )),
            );
            format!("{base}/e/fm1")
        }
        Hoster::Vidmoly => {
            embed.serve(
                "/embed-vm1.html",
                FakeResponse::html(page("vidmoly.html", &[("HLS", media_url)])),
            );
            format!("{base}/w/vm1")
        }
        Hoster::SpeedFiles => {
            embed.serve(
                "/sf12",
                FakeResponse::html(page(
                    "speedfiles.html",
                    &[("PAYLOAD", &speedfiles(media_url))],
                )),
            );
            format!("{base}/sf12")
        }
        Hoster::LoadX => {
            let hash = "e4da3b7fbbce2345d7772b0674a318d5";
            let js = format!(
                r#"$(document).ready(function(){{FirePlayer("{hash}", {{"videoUrl":"/player/index.php?data={hash}&do=getVideo","videoServer":"1","videoPlayer":"jwplayer"}}, false);}});"#
            );
            embed.serve(
                &format!("/video/{hash}"),
                FakeResponse::html(page("loadx.html", &[("PACKED", &pack(&js))])),
            );
            let answer =
                json!({"hls": true, "videoImage": "", "videoSource": media_url, "securedLink": ""});
            embed.route_method("POST", "/player/index.php", move |req| {
                if req.form_field("hash").as_deref() == Some(hash) {
                    FakeResponse::json(&answer)
                } else {
                    FakeResponse::status(400)
                }
            });
            format!("{base}/video/{hash}")
        }
        Hoster::Luluvdo => {
            let body = page("luluvdo.html", &[("HLS", media_url)]);
            embed.route("/dl", move |req| {
                if req.query_param("file_code").as_deref() == Some("lulu1") {
                    FakeResponse::html(body.clone())
                } else {
                    FakeResponse::status(404)
                }
            });
            format!("{base}/e/lulu1")
        }
    }
}

/// The hoster page shapes of 2026 that sit next to the older ones of the same hoster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape2026 {
    /// Streamtape writing the link into a `captchalink` element with `.slice()`/`.substr()`
    /// arithmetic, among decoy lines with wrong tokens.
    StreamtapeCaptchalink,
    /// Streamtape writing the link into `norobotlink` (a name older pages used as a decoy) with
    /// a `.substring()` chain, after a decoy line; the page never reads the element back.
    StreamtapeNorobotlink,
    /// Vidmoly listing a DASH manifest before the HLS master.
    VidmolyDashFirst,
    /// Filemoon on a Byse front-end: an application shell and the encrypted playback API.
    FilemoonByse,
}

impl Shape2026 {
    /// The hoster name the catalogue shows for this shape.
    pub fn hoster(self) -> Hoster {
        match self {
            Shape2026::StreamtapeCaptchalink | Shape2026::StreamtapeNorobotlink => {
                Hoster::Streamtape
            }
            Shape2026::VidmolyDashFirst => Hoster::Vidmoly,
            Shape2026::FilemoonByse => Hoster::Filemoon,
        }
    }
}

/// Serves a 2026 page shape (and its follow-up requests) on `embed`, pointing at `media_url`;
/// `media` is the host of the media, where Vidmoly's skipped DASH manifest lives too. Returns
/// the embed URL the catalogue redirects to.
pub fn serve_embed_2026(
    shape: Shape2026,
    embed: &FakeServer,
    media: &FakeServer,
    media_url: &str,
) -> String {
    let base = embed.url();
    match shape {
        Shape2026::StreamtapeCaptchalink => {
            let host = base.trim_start_matches("http:").to_string();
            embed.serve(
                "/e/St26",
                FakeResponse::html(page(
                    "streamtape_2026.html",
                    &[("HOST", &host), ("ID", "St26"), ("TOKEN", "g00dT0k")],
                )),
            );
            let target = media_url.to_string();
            embed.route("/get_video", move |req| {
                let ok = req.query_param("id").as_deref() == Some("St26")
                    && req.query_param("token").as_deref() == Some("g00dT0k")
                    && req.query_param("stream").as_deref() == Some("1");
                if ok {
                    FakeResponse::redirect(&target)
                } else {
                    FakeResponse::status(403)
                }
            });
            format!("{base}/e/St26")
        }
        Shape2026::StreamtapeNorobotlink => {
            let host = base.trim_start_matches("http:").to_string();
            embed.serve(
                "/e/StNo26",
                FakeResponse::html(page(
                    "streamtape_norobotlink.html",
                    &[("HOST", &host), ("ID", "StNo26"), ("TOKEN", "n0R0b0t")],
                )),
            );
            let target = media_url.to_string();
            embed.route("/get_video", move |req| {
                let ok = req.query_param("id").as_deref() == Some("StNo26")
                    && req.query_param("expires").as_deref() == Some("1767225600")
                    && req.query_param("token").as_deref() == Some("n0R0b0t")
                    && req.query_param("stream").as_deref() == Some("1");
                if ok {
                    FakeResponse::redirect(&target)
                } else {
                    FakeResponse::status(403)
                }
            });
            format!("{base}/e/StNo26")
        }
        Shape2026::VidmolyDashFirst => {
            media.serve(
                "/dash/manifest.mpd",
                FakeResponse::bytes(
                    "application/dash+xml",
                    r#"<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"></MPD>"#,
                ),
            );
            let dash = format!("{}/dash/manifest.mpd", media.url());
            embed.serve(
                "/embed-vm26.html",
                FakeResponse::html(page(
                    "vidmoly_dash_first.html",
                    &[("DASH", &dash), ("HLS", media_url)],
                )),
            );
            format!("{base}/w/vm26")
        }
        Shape2026::FilemoonByse => {
            // The front-end's shell names the player frame on the same host; the playback
            // object carries the HLS master, AES-256-GCM sealed (the first payload is broken).
            embed.serve(
                "/e/bz26q1",
                FakeResponse::html(page("byse_shell.html", &[])),
            );
            let frame = format!("{base}/e/bz26q1");
            embed.serve(
                "/api/videos/bz26q1/embed/details",
                FakeResponse::json(&json!({"code": "bz26q1", "embed_frame_url": frame})),
            );
            let plain = json!({"sources": [
                {"quality": "hd", "label": "720p", "mime_type": "application/vnd.apple.mpegurl",
                 "url": media_url, "bitrate_kbps": 2500, "height": 720}
            ]});
            let playback = json!({"playback": crate::hoster_support::byse_playback(
                &format!("\u{feff}{plain}"),
                true
            )});
            embed.route("/api/videos/bz26q1/embed/playback", move |req| {
                if req.header("x-embed-parent").is_some() {
                    FakeResponse::json(&playback)
                } else {
                    FakeResponse::status(403)
                }
            });
            frame
        }
    }
}

/// Doodstream on a mirror domain: `/d/<code>` on `mirror` (resolved to the fake through the
/// catalogue client's DNS overrides) serves the 2026 page, whose `$.ajax` asks `/pass_md5/...`
/// and whose script appends `token`; when `moved_to` is set, the page answers a 301 to the same
/// path on that mirror first. Returns the embed URL.
pub fn serve_dood_mirror(
    embed: &FakeServer,
    mirror: &str,
    moved_to: Option<&str>,
    code: &str,
    token: &str,
    media_url: &str,
) -> String {
    let port = embed.addr().port();
    let pass = format!("/pass_md5/2391-{code}-1733-k9/{code}x");
    let final_host = moved_to.unwrap_or(mirror).to_string();
    let html = page(
        "doodstream_2026.html",
        &[("PASS_PATH", &pass), ("TOKEN", token)],
    );
    let (want_host, moved) = (final_host.clone(), moved_to.map(str::to_string));
    let e_path = format!("/e/{code}");
    embed.route(&e_path.clone(), move |req| {
        let host = req.header("host").unwrap_or_default();
        match &moved {
            Some(to) if !host.starts_with(to.as_str()) => {
                FakeResponse::redirect(&format!("http://{to}:{port}{e_path}"))
            }
            _ if host.starts_with(want_host.as_str()) => FakeResponse::html(html.clone()),
            _ => FakeResponse::status(404),
        }
    });
    let prefix = media_url.trim_end_matches(".mp4").to_string() + "~";
    let (want_host, want_ref) = (
        final_host.clone(),
        format!("http://{final_host}:{port}/e/{code}"),
    );
    embed.route(&pass, move |req| {
        let host_ok = req
            .header("host")
            .is_some_and(|h| h.starts_with(want_host.as_str()));
        if host_ok && req.header("referer") == Some(want_ref.as_str()) {
            FakeResponse::text(prefix.clone())
        } else {
            FakeResponse::status(403)
        }
    });
    format!("http://{mirror}:{port}/d/{code}")
}

/// A hoster answer saying why there is no video: `deleted` (200), `verification` (a Turnstile
/// page, 200), `blocked` (403), `gone` (a bare nginx 404), `challenge` (a Cloudflare browser
/// check, 403) or `geo` (a "not available in your country" page, 200); served at `/e/<name>`,
/// returns the embed URL.
pub fn serve_unavailable(embed: &FakeServer, name: &str) -> String {
    let response = match name {
        "deleted" => FakeResponse::html(page("hoster_deleted.html", &[])),
        "verification" => FakeResponse::html(page("hoster_verification.html", &[])),
        "blocked" => FakeResponse::html(page("hoster_blocked.html", &[])).with_status(403),
        "gone" => FakeResponse::html(page("hoster_gone_404.html", &[])).with_status(404),
        "challenge" => {
            FakeResponse::html(page("hoster_cloudflare_challenge.html", &[])).with_status(403)
        }
        "geo" => FakeResponse::html(page("hoster_geo_blocked.html", &[])),
        other => panic!("no unavailable page {other}"),
    };
    embed.serve(&format!("/e/{name}"), response);
    format!("{}/e/{name}", embed.url())
}
