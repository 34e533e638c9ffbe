//! Fake media hosts and hoster embed pages for the episode-page-to-disk tests: real media (the
//! clip of `aniworld_testkit::media`) as MP4 files and MPEG-TS segments, HLS streams (optionally
//! AES-128), and each hoster's embed page pointing at a media URL.

#![allow(dead_code)]

mod embeds;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use aniworld_provider::hosters::Hoster;
use aniworld_testkit::{FakeResponse, FakeServer, media};

pub use embeds::{Shape2026, serve_dood_mirror, serve_embed, serve_embed_2026, serve_unavailable};

const TS: &str = "video/mp2t";
const M3U8: &str = "application/vnd.apple.mpegurl";

pub fn encrypt(plain: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Vec<u8> {
    cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
        .unwrap()
        .encrypt_padded_vec::<Pkcs7>(plain)
}

/// What the media host serves for one case, and what must end up on disk.
pub struct Media {
    pub server: FakeServer,
    /// The URL an extractor should hand out (master playlist or file).
    pub url: String,
    pub expected: Vec<u8>,
}

/// A direct MP4 at `/files/<name>.mp4` with Range support. When `drop_first`, the first
/// transfer breaks off after 100 kB, so the download must resume with a Range request.
pub fn direct_media(name: &str, seed: u64, drop_first: bool) -> Media {
    let server = FakeServer::start();
    let body = Arc::new(media::mp4(400_000, seed));
    let dropped = AtomicBool::new(!drop_first);
    let data = body.clone();
    let handler = move |req: &aniworld_testkit::RecordedRequest| {
        let res = FakeResponse::ranged(req, "video/mp4", &data);
        if dropped.swap(true, Ordering::SeqCst) {
            res
        } else {
            res.cut_after(100_000)
        }
    };
    server.route(&format!("/files/{name}*"), handler);
    Media {
        url: format!("{}/files/{name}.mp4", server.url()),
        expected: body.to_vec(),
        server,
    }
}

/// An HLS stream at `/hls/<name>/master.m3u8`: a 360p and a 720p variant plus an I-frame
/// playlist; the 720p media playlist has five segments, AES-128 encrypted when `aes` (IV from
/// the media sequence, then an explicit IV for the last segment). Expected: the 720p plain text.
pub fn hls_media(name: &str, seed: u64, aes: bool) -> Media {
    let server = FakeServer::start();
    let dir = format!("/hls/{name}");
    server.serve(
        &format!("{dir}/master.m3u8"),
        FakeResponse::bytes(
            M3U8,
            "#EXTM3U\n\
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nv360/index.m3u8\n\
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,RESOLUTION=1280x720,URI=\"v720/iframes.m3u8\"\n\
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\nv720/index.m3u8\n",
        ),
    );
    let low = media::ts_segments(1, seed + 99).remove(0);
    server.serve(&format!("{dir}/v360/s0.ts"), FakeResponse::bytes(TS, low));
    server.serve(
        &format!("{dir}/v360/index.m3u8"),
        FakeResponse::bytes(M3U8, media::media_playlist(&["s0.ts".to_string()], "")),
    );
    let key = *b"k3y-of-the-test!";
    let explicit = [0x5Au8; 16];
    let plain = media::ts_segments(5, seed);
    let mut pl = String::from(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n",
    );
    if aes {
        pl.push_str(&format!(
            "#EXT-X-KEY:METHOD=AES-128,URI=\"{dir}/key.bin\"\n"
        ));
    }
    for (i, seg) in plain.iter().enumerate() {
        let body = if !aes {
            seg.clone()
        } else if i == 4 {
            pl.push_str(&format!(
                "#EXT-X-KEY:METHOD=AES-128,URI=\"{dir}/key.bin\",IV=0x{}\n",
                "5A".repeat(16)
            ));
            encrypt(seg, &key, &explicit)
        } else {
            let mut iv = [0u8; 16];
            iv[8..].copy_from_slice(&(7 + i as u64).to_be_bytes());
            encrypt(seg, &key, &iv)
        };
        server.serve(
            &format!("{dir}/v720/seg-{i}.ts"),
            FakeResponse::bytes(TS, body),
        );
        pl.push_str(&format!(
            "#EXTINF:{},\nseg-{i}.ts\n",
            media::segment_duration(plain.len())
        ));
    }
    pl.push_str("#EXT-X-ENDLIST\n");
    server.serve(
        &format!("{dir}/v720/index.m3u8"),
        FakeResponse::bytes(M3U8, pl),
    );
    server.serve(
        &format!("{dir}/key.bin"),
        FakeResponse::bytes("application/octet-stream", key.to_vec()),
    );
    Media {
        url: format!("{}{dir}/master.m3u8", server.url()),
        expected: plain.concat(),
        server,
    }
}

/// The media each hoster serves in these tests (kind as its extractor reports it).
pub fn media_for(h: Hoster, seed: u64) -> Media {
    let name = h.name().to_ascii_lowercase();
    match h {
        Hoster::Voe => hls_media(&name, seed, true),
        Hoster::Vidmoly => hls_media(&name, seed, true),
        Hoster::Filemoon | Hoster::LoadX | Hoster::Luluvdo => hls_media(&name, seed, false),
        Hoster::Doodstream | Hoster::Streamtape => direct_media(&name, seed, true),
        Hoster::Vidoza | Hoster::SpeedFiles => direct_media(&name, seed, false),
    }
}
