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
