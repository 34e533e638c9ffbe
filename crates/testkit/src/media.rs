//! Real media for the fake media hosts: a 2-second clip as a progressive MP4, as MPEG-TS and as
//! a fragmented MP4, so that what the tests download is video that `ffprobe` reads and `ffmpeg`
//! remuxes, and the downloader's verification can stay on in every test.
//!
//! The clip is 160x90 at 10 frames/s (ffmpeg's `testsrc` pattern, H.264 baseline) with a 440 Hz
//! tone (AAC, mono, 8 kHz), 2 s long. The files live in `crates/testkit/media/` and are
//! committed, so no test needs ffmpeg to get them. `crates/testkit/media/make.sh` regenerates
//! them (ffmpeg 5.1 with libx264; the output is byte-identical from run to run):
//!
//! ```sh
//! ffmpeg -f lavfi -i testsrc=size=160x90:rate=10:duration=2 \
//!        -f lavfi -i sine=frequency=440:sample_rate=8000:duration=2 \
//!        -c:v libx264 -profile:v baseline -preset veryslow -crf 42 -g 10 -pix_fmt yuv420p \
//!        -c:a aac -b:a 8k -ac 1 \
//!        -map_metadata -1 -fflags +bitexact -flags +bitexact -movflags +faststart clip.mp4
//! ffmpeg -i clip.mp4 -map 0 -c copy -map_metadata -1 -fflags +bitexact -f mpegts clip.ts
//! ffmpeg -i clip.mp4 -map 0 -c copy -map_metadata -1 -fflags +bitexact \
//!        -movflags empty_moov+default_base_moof+frag_keyframe+skip_trailer \
//!        -frag_duration 500000 clip-frag.mp4
//! ffmpeg -i clip.mp4 -map 0:v -c copy -map_metadata -1 -fflags +bitexact -f mpegts clip-video.ts
//! ffmpeg -i clip.mp4 -map 0:a -c copy -map_metadata -1 -fflags +bitexact -f mpegts clip-audio.ts
//! ```
//!
//! Tests need files of many sizes and want each episode or variant to differ, so the helpers
//! add filler that players and ffprobe skip: [`mp4`] appends a `free` box of pseudo-random bytes
//! to reach an exact length, and [`ts_segments`] splits the MPEG-TS data on 188-byte packet
//! boundaries and starts each segment with a null packet (PID 0x1FFF) carrying the seed.
//! [`media_playlist`] writes an HLS media playlist whose `#EXTINF` durations add up to the
//! clip's real length, so a duration check against the playlist passes. Encrypted HLS is
//! produced by encrypting these segments with AES-128-CBC in the test itself.

use std::ops::Range;
use std::path::PathBuf;

/// The clip as a progressive MP4 (`ftyp`, `moov` first, then `mdat`): 7,124 bytes.
pub const MP4: &[u8] = include_bytes!("../media/clip.mp4");

/// The clip as MPEG-TS: 90 packets of 188 bytes (16,920 bytes).
pub const TS: &[u8] = include_bytes!("../media/clip.ts");

/// The clip as a fragmented MP4 (`ftyp`, `moov`, then five `moof`+`mdat` pairs), the shape of
/// HLS streams with an `#EXT-X-MAP` initialisation section: 7,714 bytes.
pub const FMP4: &[u8] = include_bytes!("../media/clip-frag.mp4");

/// The clip's video alone as MPEG-TS (an HLS video rendition without audio): 14,100 bytes.
pub const TS_VIDEO: &[u8] = include_bytes!("../media/clip-video.ts");

/// The clip's audio alone as MPEG-TS (an HLS audio rendition, AAC): 5,640 bytes.
pub const TS_AUDIO: &[u8] = include_bytes!("../media/clip-audio.ts");

/// Frames of the clip: (video, audio), as `ffprobe -count_frames` reads them in every form.
pub const FRAMES: (u64, u64) = (20, 17);

/// The clip's playing time in seconds (ffprobe says 2.0 for the MP4 and 2.128 for the TS and
/// fragmented files, whose audio starts with encoder priming).
pub const DURATION: f64 = 2.0;

/// The size of an MPEG-TS packet.
pub const TS_PACKET: usize = 188;

/// The smallest length [`mp4`] can produce: the clip and an empty `free` box header.
pub const MP4_MIN_LEN: usize = MP4.len() + 8;

/// Deterministic pseudo-random bytes (`seed` picks the stream).
pub fn filler(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The clip as an MP4 file of exactly `len` bytes: [`MP4`] followed by a `free` box whose
/// content is pseudo-random (picked by `seed`), so files of different seeds differ.
///
/// # Panics
/// When `len` is below [`MP4_MIN_LEN`].
pub fn mp4(len: usize, seed: u64) -> Vec<u8> {
    assert!(
        len >= MP4_MIN_LEN,
        "a real MP4 needs at least {MP4_MIN_LEN} bytes, {len} asked"
    );
    let pad = len - MP4.len();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(MP4);
    out.extend_from_slice(&u32::try_from(pad).expect("pad fits a box").to_be_bytes());
    out.extend_from_slice(b"free");
    out.extend(filler(pad - 8, seed));
    out
}

/// An MPEG-TS null packet (PID 0x1FFF, which demuxers drop) whose payload carries `seed`.
pub fn null_packet(seed: u64) -> [u8; TS_PACKET] {
    let mut p = [0xFFu8; TS_PACKET];
    p[..4].copy_from_slice(&[0x47, 0x1F, 0xFF, 0x10]);
    p[4..12].copy_from_slice(&seed.to_be_bytes());
    p
}

/// Splits MPEG-TS `data` into `n` parts on packet boundaries, as equal as possible.
///
/// # Panics
/// When `n` is 0, `data` is not whole packets, or there are fewer packets than parts.
pub fn split_ts(data: &[u8], n: usize) -> Vec<Vec<u8>> {
    assert!(n > 0, "at least one part");
    assert!(
        data.len().is_multiple_of(TS_PACKET),
        "whole MPEG-TS packets"
    );
    let packets = data.len() / TS_PACKET;
    assert!(n <= packets, "{n} parts of {packets} packets");
    (0..n)
        .map(|i| data[i * packets / n * TS_PACKET..(i + 1) * packets / n * TS_PACKET].to_vec())
        .collect()
}

/// The clip ([`TS`]) as `n` HLS segments (1..=90): each starts with a [`null_packet`] naming
/// `seed` and its index, then its share of the clip's packets. Concatenated they are a valid
/// MPEG-TS file of the whole clip; segments of different seeds differ.
pub fn ts_segments(n: usize, seed: u64) -> Vec<Vec<u8>> {
    ts_segments_of(TS, n, seed)
}

/// Like [`ts_segments`], from other MPEG-TS data (e.g. [`TS_VIDEO`] or [`TS_AUDIO`]).
pub fn ts_segments_of(data: &[u8], n: usize, seed: u64) -> Vec<Vec<u8>> {
    split_ts(data, n)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let mut seg = null_packet(seed.wrapping_mul(1000).wrapping_add(i as u64)).to_vec();
            seg.extend_from_slice(&part);
            seg
        })
        .collect()
}

/// The top-level boxes of MP4 data: their four-character type and byte range.
///
/// # Panics
/// When a box header is broken (size below 8 or past the end); 64-bit sizes are not used by
/// the fixtures and are not supported.
pub fn mp4_boxes(data: &[u8]) -> Vec<([u8; 4], Range<usize>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let head = &data[at..at + 8];
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        assert!(size >= 8 && at + size <= data.len(), "broken box at {at}");
        out.push(([head[4], head[5], head[6], head[7]], at..at + size));
        at += size;
    }
    out
}

/// [`FMP4`] cut for HLS: the initialisation section (`ftyp` + `moov`) and the media segments
/// (one `moof` + `mdat` pair each, five of them). Init and segments concatenated are [`FMP4`].
pub fn fmp4_parts() -> (Vec<u8>, Vec<Vec<u8>>) {
    let boxes = mp4_boxes(FMP4);
    let first_moof = boxes
        .iter()
        .position(|(kind, _)| kind == b"moof")
        .expect("a fragment");
    let init_end = boxes[first_moof].1.start;
    let segments = boxes[first_moof..]
        .chunks(2)
        .map(|pair| FMP4[pair[0].1.start..pair[pair.len() - 1].1.end].to_vec())
        .collect();
    (FMP4[..init_end].to_vec(), segments)
}

/// Whether `data` starts with an MP4 `ftyp` box (what an MP4 remux or a direct MP4 looks like).
pub fn is_mp4(data: &[u8]) -> bool {
    data.len() >= 8 && &data[4..8] == b"ftyp"
}

/// Whether `data` is MPEG-TS: whole packets, each starting with the sync byte.
pub fn is_ts(data: &[u8]) -> bool {
    !data.is_empty()
        && data.len().is_multiple_of(TS_PACKET)
        && data.chunks(TS_PACKET).all(|p| p[0] == 0x47)
}

/// An HLS media playlist (version 3, ending with `#EXT-X-ENDLIST`) listing `uris`, each with an
/// `#EXTINF` of [`DURATION`] divided by their number; `extra_head` (whole lines, e.g. an
/// `#EXT-X-KEY` or `#EXT-X-MEDIA-SEQUENCE`) goes before the first segment.
pub fn media_playlist(uris: &[String], extra_head: &str) -> String {
    let each = DURATION / uris.len().max(1) as f64;
    let target = DURATION.ceil();
    let mut pl = format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target}\n{extra_head}");
    for uri in uris {
        pl.push_str(&format!("#EXTINF:{each:.3},\n{uri}\n"));
    }
    pl.push_str("#EXT-X-ENDLIST\n");
    pl
}

/// `#EXTINF` value of one of `n` segments of the clip, e.g. `"0.500"`.
pub fn segment_duration(n: usize) -> String {
    format!("{:.3}", DURATION / n.max(1) as f64)
}

/// The full path of `program` when it is a file in a folder of the `PATH` (for tests that run
/// the real `ffmpeg`/`ffprobe` when the machine has them).
pub fn tool_on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixtures_are_what_the_docs_say() {
        assert!(is_mp4(MP4) && is_mp4(FMP4));
        assert!(is_ts(TS));
        assert_eq!(TS.len() / TS_PACKET, 90);
        let kinds: Vec<[u8; 4]> = mp4_boxes(MP4).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds[..2], [*b"ftyp", *b"moov"], "moov first (faststart)");
        assert!(kinds.contains(b"mdat"));
    }

    #[test]
    fn padded_mp4_has_the_exact_length_and_differs_by_seed() {
        let a = mp4(20_000, 1);
        assert_eq!(a.len(), 20_000);
        assert_eq!(&a[..MP4.len()], MP4);
        let boxes = mp4_boxes(&a);
        let (kind, range) = boxes.last().unwrap();
        assert_eq!((kind, range.end), (b"free", 20_000));
        assert_ne!(a, mp4(20_000, 2));
        assert_eq!(mp4(MP4_MIN_LEN, 3).len(), MP4_MIN_LEN);
    }

    #[test]
    fn ts_segments_cover_the_clip_on_packet_boundaries() {
        for n in [1, 3, 40, 90] {
            let segs = ts_segments(n, 7);
            assert_eq!(segs.len(), n);
            assert!(segs.iter().all(|s| is_ts(s)));
            let real: Vec<u8> = segs.iter().flat_map(|s| s[TS_PACKET..].to_vec()).collect();
            assert_eq!(real, TS, "{n} segments");
        }
        assert_ne!(ts_segments(3, 1), ts_segments(3, 2));
        assert_eq!(split_ts(TS, 4).concat(), TS);
    }

    #[test]
    fn fmp4_parts_rebuild_the_file() {
        let (init, segs) = fmp4_parts();
        assert_eq!(segs.len(), 5);
        assert!(is_mp4(&init));
        assert!(segs.iter().all(|s| &s[4..8] == b"moof"));
        let mut all = init;
        all.extend(segs.concat());
        assert_eq!(all, FMP4);
    }

    #[test]
    fn playlists_add_up_to_the_clip() {
        let uris: Vec<String> = (0..4).map(|i| format!("s{i}.ts")).collect();
        let pl = media_playlist(&uris, "#EXT-X-MEDIA-SEQUENCE:3\n");
        assert!(pl.starts_with("#EXTM3U\n"));
        assert_eq!(pl.matches("#EXTINF:0.500,").count(), 4);
        assert!(pl.contains("#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF"));
        assert!(pl.ends_with("s3.ts\n#EXT-X-ENDLIST\n"));
        assert_eq!(segment_duration(3), "0.667");
    }
}
